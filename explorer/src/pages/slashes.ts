/** Slashes, newest first, optionally of one node. */
import { api } from "../api.js";
import { h, link, replace } from "../dom.js";
import { short, slashReason, sui } from "../format.js";

export async function slashesPage(root: HTMLElement, query: URLSearchParams): Promise<void> {
  const node = query.get("node");
  const items = await api.slashes(node ? `?nodeId=${node}` : "");
  replace(
    root,
    h("h1", null, "Slashes", node ? [" of ", link(`/node/${node}`, h("code", null, short(node)))] : null),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "slashes" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ["node", "request", "amount", "reason", "stake left"].map((c) => h("th", null, c)),
          ),
        ),
        h(
          "tbody",
          null,
          items.map((s) =>
            h(
              "tr",
              { "data-node": s.nodeId },
              h("td", null, link(`/node/${s.nodeId}`, h("code", null, short(s.nodeId)))),
              h("td", null, link(`/request/${s.requestId}`, h("code", null, short(s.requestId)))),
              h("td", { class: "num" }, sui(s.amount, 4)),
              h("td", null, slashReason(s.reason)),
              h("td", { class: "num" }, sui(s.remainingStake, 2)),
            ),
          ),
        ),
      ),
    ),
    h("p", { class: "muted" }, `${items.length} slash(es)`),
  );
}
