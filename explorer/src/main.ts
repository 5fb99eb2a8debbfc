/** The explorer's entry: a hash router over the pages, dark/light theme, errors shown in the page. */
import "./style.css";
import { h, replace } from "./dom.js";
import { networkPage } from "./pages/network.js";
import { nodePage } from "./pages/node.js";
import { requestPage } from "./pages/request.js";
import { requestsPage } from "./pages/requests.js";
import { rotationsPage } from "./pages/rotations.js";
import { slashesPage } from "./pages/slashes.js";
import { verifyPage } from "./pages/verify.js";

const app = document.getElementById("app") as HTMLElement;
let current: AbortController | null = null;

async function route(): Promise<void> {
  current?.abort();
  const ac = new AbortController();
  current = ac;
  const [pathPart = "/", queryPart = ""] = location.hash.replace(/^#/, "").split("?");
  const path = pathPart || "/";
  const query = new URLSearchParams(queryPart);
  const seg = path.split("/").filter(Boolean);
  document.querySelectorAll<HTMLAnchorElement>("nav a").forEach((a) => {
    a.classList.toggle("active", a.dataset.nav === (seg[0] === "request" ? "requests" : (seg[0] ?? "network")));
  });
  document.body.dataset.page = seg[0] ?? "network";
  replace(app, h("p", { class: "muted" }, "loading…"));
  try {
    if (seg.length === 0) await networkPage(app, query);
    else if (seg[0] === "requests") await requestsPage(app, query, ac.signal);
    else if (seg[0] === "request" && seg[1]) await requestPage(app, seg[1]);
    else if (seg[0] === "node" && seg[1]) await nodePage(app, seg[1]);
    else if (seg[0] === "slashes") await slashesPage(app, query);
    else if (seg[0] === "rotations") await rotationsPage(app, query);
    else if (seg[0] === "verify") verifyPage(app);
    else replace(app, h("h1", null, "Not found"), h("p", null, `No page ${path}. `, h("a", { href: "#/" }, "Network")));
    const focus = query.get("focus");
    if (focus) document.getElementById(focus)?.scrollIntoView();
  } catch (err) {
    if (ac.signal.aborted) return;
    replace(app, h("h1", null, "Error"), h("p", { class: "error", id: "error" }, (err as Error).message));
  }
}

const THEME_KEY = "atoma-explorer-theme";
function applyTheme(t: string | null): void {
  if (t === "dark" || t === "light") document.documentElement.dataset.theme = t;
  else delete document.documentElement.dataset.theme;
}
applyTheme(localStorage.getItem(THEME_KEY));
document.getElementById("theme")?.addEventListener("click", () => {
  const dark =
    document.documentElement.dataset.theme === "dark" ||
    (!document.documentElement.dataset.theme && matchMedia("(prefers-color-scheme: dark)").matches);
  const next = dark ? "light" : "dark";
  localStorage.setItem(THEME_KEY, next);
  applyTheme(next);
});

window.addEventListener("hashchange", () => void route());
void route();
