/**
 * Requests: a live list, filterable by status and node. It re-reads the list on each server-sent
 * `commit` event of `/v1/stream`, and polls every POLL_MS while that stream is not open.
 */
import { type ApiRequest, api } from "../api.js";
import { h, link, replace } from "../dom.js";
import { duration, short, sui, time } from "../format.js";

const STATUSES = ["open", "sampled", "disputed", "settled", "failed"];
export const POLL_MS = 2000;

export async function requestsPage(root: HTMLElement, query: URLSearchParams, signal: AbortSignal): Promise<void> {
  const status = query.get("status") ?? "";
  const node = query.get("node") ?? "";
  const qs = new URLSearchParams({ limit: "100" });
  if (status) qs.set("status", status);
  if (node) qs.set("node", node);
  const list = h("div", { class: "table-wrap" });
  const live = h("span", { class: "live", id: "live" }, "live");
  const filters = h(
    "div",
    { class: "controls" },
    h(
      "select",
      {
        id: "request-status",
        onchange: (e: Event) => {
          const v = (e.target as HTMLSelectElement).value;
          const q = new URLSearchParams(query);
          if (v) q.set("status", v);
          else q.delete("status");
          location.hash = `#/requests${q.size ? `?${q}` : ""}`;
        },
      },
      h("option", { value: "" }, "any status"),
      STATUSES.map((s) => h("option", { value: s, selected: s === status }, s)),
    ),
    node
      ? h(
          "span",
          null,
          "sampled node ",
          link(`/node/${node}`, h("code", null, short(node))),
          " ",
          link("/requests", "×"),
        )
      : null,
    live,
  );
  replace(root, h("h1", null, "Requests"), filters, list);
  let known = new Set<string>();
  const draw = (items: ApiRequest[]) => {
    const rows = items.map((r) =>
      h(
        "tr",
        {
          "data-request": r.requestId,
          "data-status": r.status ?? "",
          class: known.size && !known.has(r.requestId) ? "new" : null,
        },
        h("td", null, link(`/request/${r.requestId}`, h("code", null, short(r.requestId)))),
        h("td", null, h("span", { class: `badge ${r.status ?? ""}` }, r.status ?? "—")),
        h("td", null, h("span", { title: r.capability ?? "" }, short(r.capability, 12))),
        h("td", { class: "num" }, link(`/request/${r.requestId}`, r.sampleSize ?? "—")),
        h("td", { class: "num" }, r.round ?? "—"),
        h("td", null, time(r.createdMs)),
        h(
          "td",
          { class: "num" },
          r.settledMs && r.createdMs ? duration(Number(r.settledMs) - Number(r.createdMs)) : "—",
        ),
        h("td", { class: "num" }, sui(r.paidTotal, 4)),
        h("td", null, r.outputHash ? h("code", null, short(r.outputHash)) : "—"),
      ),
    );
    replace(
      list,
      h(
        "table",
        { id: "requests" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ["request", "status", "capability", "sample", "round", "created", "latency", "paid", "agreed hash"].map(
              (c) => h("th", null, c),
            ),
          ),
        ),
        h("tbody", null, rows),
      ),
      h("p", { class: "muted" }, `${items.length} shown, newest first; updates live`),
    );
    known = new Set(items.map((r) => r.requestId));
  };
  const tick = async () => {
    try {
      const page = await api.requests(`?${qs}`);
      if (!signal.aborted) {
        draw(page.items);
        live.className = "live";
      }
    } catch {
      live.className = "live down";
    }
  };
  await tick();
  if (signal.aborted) return;
  let streamOpen = false;
  const stream = new EventSource(new URL("v1/stream", window.location.href.split("#")[0]).href);
  stream.addEventListener("open", () => {
    streamOpen = true;
    live.dataset.via = "stream";
  });
  stream.addEventListener("commit", () => void tick());
  stream.addEventListener("error", () => {
    streamOpen = false;
    live.dataset.via = "polling";
  });
  const timer = setInterval(() => {
    if (!streamOpen) void tick();
  }, POLL_MS);
  signal.addEventListener(
    "abort",
    () => {
      clearInterval(timer);
      stream.close();
    },
    { once: true },
  );
}
