/** Key rotations: the audit trail per cluster (epochs, commitments, acks, completion). */
import { type ApiRotation, api } from "../api.js";
import { h, link, replace } from "../dom.js";
import { short, time } from "../format.js";

export async function rotationsPage(root: HTMLElement, query: URLSearchParams): Promise<void> {
  const cluster = query.get("cluster");
  const items = await api.rotations(cluster ? `?cluster=${cluster}` : "");
  const byCluster = new Map<string, ApiRotation[]>();
  for (const r of items) byCluster.set(r.clusterId, [...(byCluster.get(r.clusterId) ?? []), r]);
  const sections = [...byCluster].map(([id, rots]) =>
    h(
      "section",
      { class: "cluster", "data-cluster": id },
      h(
        "h2",
        null,
        "Cluster ",
        link(`/rotations?cluster=${id}`, h("code", null, short(id))),
        ` · ${rots.length} rotation(s)`,
      ),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          null,
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              [
                "epoch",
                "status",
                "commitment",
                "previous",
                "acks / quorum (bps)",
                "acked by",
                "deadline",
                "grace until",
              ].map((c) => h("th", null, c)),
            ),
          ),
          h(
            "tbody",
            null,
            rots.map((r) =>
              h(
                "tr",
                { "data-epoch": r.epoch },
                h("td", { class: "num" }, r.epoch),
                h("td", null, h("span", { class: `badge ${r.status ?? ""}` }, r.status ?? "—")),
                h("td", null, h("code", { title: r.commitment ?? "" }, short(r.commitment))),
                h("td", null, h("code", { title: r.previousCommitment ?? "" }, short(r.previousCommitment))),
                h("td", { class: "num" }, `${r.acks ?? 0} / ${r.ackQuorum ?? "—"}`),
                h(
                  "td",
                  null,
                  r.ackedBy.map((n) => [link(`/node/${n}`, h("code", null, short(n, 4))), " "]),
                ),
                h("td", null, time(r.deadlineMs)),
                h("td", null, time(r.graceUntilMs)),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  replace(
    root,
    h("h1", null, "Key rotations"),
    sections.length ? sections : h("p", { class: "muted", id: "no-rotations" }, "No key rotation recorded yet."),
  );
}
