/** A list of checks, each shown passed or failed. */
import { h } from "../dom.js";

export interface CheckView {
  name: string;
  ok: boolean;
  detail: string;
}

export function renderChecks(checks: CheckView[]): HTMLElement {
  const failed = checks.filter((c) => !c.ok).length;
  return h(
    "div",
    { class: "checks", "data-failed": failed },
    h(
      "p",
      { class: failed ? "summary bad" : "summary ok" },
      failed ? `${failed} of ${checks.length} checks failed` : `all ${checks.length} checks passed`,
    ),
    h(
      "ul",
      null,
      checks.map((c) =>
        h(
          "li",
          { class: c.ok ? "check ok" : "check bad", "data-check": c.name },
          h("span", { class: "mark" }, c.ok ? "passed" : "failed"),
          " ",
          c.name,
          h("div", { class: "detail" }, c.detail),
        ),
      ),
    ),
  );
}
