/** Network: totals, charts (requests per minute, settlement latency, slashes) and the node table. */

import { NodeStatus, TeeKind } from "@atoma/sdk/enums";
import { type ApiNode, api } from "../api.js";
import { barChart } from "../charts.js";
import { h, link, replace } from "../dom.js";
import { duration, enumOptions, nodeStatus, short, sui, teeKind, time } from "../format.js";

type SortKey =
  | "nodeId"
  | "stake"
  | "price"
  | "reputation"
  | "status"
  | "paidTotal"
  | "slashedTotal"
  | "reveals"
  | "tee"
  | "expires";
const COLS: [SortKey, string][] = [
  ["nodeId", "node"],
  ["status", "status"],
  ["stake", "stake"],
  ["price", "price"],
  ["reputation", "reputation"],
  ["reveals", "reveals"],
  ["paidTotal", "paid"],
  ["slashedTotal", "slashed"],
  ["tee", "attestation"],
  ["expires", "expires"],
];

const big = (s: string | null | undefined) => BigInt(s ?? "0");
function sortValue(n: ApiNode, k: SortKey): bigint | string | number {
  switch (k) {
    case "nodeId":
      return n.nodeId;
    case "status":
      return n.status ?? -1;
    case "tee":
      return n.attestation?.teeKind ?? -1;
    case "expires":
      return big(n.attestation?.expiresMs);
    case "reputation":
      return big(n.reputation);
    default:
      return big(n[k]);
  }
}

const state = { sort: "stake" as SortKey, desc: true, filter: "", status: "", tee: "" };

export async function networkPage(root: HTMLElement, query: URLSearchParams): Promise<void> {
  state.status = query.get("status") ?? "";
  state.tee = query.get("tee") ?? "";
  const [stats, nodes, ts] = await Promise.all([api.stats(), api.nodes(), api.timeseries(60_000, 30)]);
  const by = stats.requestsByStatus;
  const total = Object.values(by).reduce((a, b) => a + Number(b), 0);
  const active = nodes.filter((n) => n.status === 0).length;
  const attested = nodes.filter((n) => n.attestation && !n.attestation.revoked).length;
  const stake = nodes.reduce((a, n) => a + big(n.stake), 0n);
  const card = (label: string, value: string | number, route: string, id: string) =>
    h(
      "div",
      { class: "card" },
      h("div", { class: "label" }, label),
      h("a", { class: "value", href: `#${route}`, id }, String(value)),
    );
  const totals = h(
    "section",
    { class: "cards" },
    card("nodes", nodes.length, "/?focus=nodes", "total-nodes"),
    card("active", active, "/?status=0&focus=nodes", "total-active"),
    card("attested", attested, "/?focus=nodes", "total-attested"),
    card("total stake", sui(stake.toString(), 2), "/?focus=nodes", "total-stake"),
    card("requests", total, "/requests", "total-requests"),
    card("settled", by.settled ?? "0", "/requests?status=settled", "total-settled"),
    card("failed", by.failed ?? "0", "/requests?status=failed", "total-failed"),
    card("slashes", stats.slashes.count, "/slashes", "total-slashes"),
    card("slashed", sui(stats.slashes.total, 2), "/slashes", "total-slashed"),
    card("settlement p50", duration(stats.settlementLatencyMs.p50), "/requests?status=settled", "latency-p50"),
  );
  const label = (ms: string) => time(ms).slice(11, 16);
  const charts = h(
    "section",
    { class: "charts" },
    barChart({
      id: "chart-requests",
      title: "requests created per minute",
      bars: ts.buckets.map((b) => ({ label: label(b.startMs), value: b.created, href: "#/requests" })),
      format: (v) => String(Math.round(v)),
    }),
    barChart({
      id: "chart-latency",
      title: "settlement latency (median per minute)",
      bars: ts.buckets.map((b) => ({
        label: label(b.startMs),
        value: b.latencyP50Ms,
        href: "#/requests?status=settled",
      })),
      format: (v) => duration(v),
    }),
    barChart({
      id: "chart-slashes",
      title: "slashes per minute",
      bars: ts.buckets.map((b) => ({ label: label(b.startMs), value: b.slashes, href: "#/slashes" })),
      format: (v) => String(Math.round(v)),
    }),
  );
  const table = h("div", { class: "table-wrap" });
  const controls = h(
    "div",
    { class: "controls" },
    h("input", {
      id: "node-filter",
      type: "search",
      placeholder: "filter: node id, operator or capability",
      value: state.filter,
      oninput: (e: Event) => {
        state.filter = (e.target as HTMLInputElement).value;
        draw();
      },
    }),
    select("node-status", "any status", enumOptions(NodeStatus), state.status, (v) => {
      state.status = v;
      draw();
    }),
    select("node-tee", "any TEE", [...enumOptions(TeeKind), ["-", "not attested"]], state.tee, (v) => {
      state.tee = v;
      draw();
    }),
  );
  const draw = () => {
    const f = state.filter.trim().toLowerCase();
    const rows = nodes
      .filter(
        (n) =>
          (!f ||
            n.nodeId.includes(f) ||
            (n.operator ?? "").includes(f) ||
            (n.capabilities ?? []).some((c) => c.toLowerCase().includes(f))) &&
          (state.status === "" || String(n.status) === state.status) &&
          (state.tee === "" || (state.tee === "-" ? !n.attestation : String(n.attestation?.teeKind) === state.tee)),
      )
      .sort((a, b) => {
        const x = sortValue(a, state.sort);
        const y = sortValue(b, state.sort);
        const c = x < y ? -1 : x > y ? 1 : 0;
        return state.desc ? -c : c;
      });
    const head = h(
      "tr",
      null,
      COLS.map(([k, name]) =>
        h(
          "th",
          { "aria-sort": state.sort === k ? (state.desc ? "descending" : "ascending") : null },
          h(
            "button",
            {
              type: "button",
              class: "sort",
              "data-sort": k,
              onclick: () => {
                state.desc = state.sort === k ? !state.desc : true;
                state.sort = k;
                draw();
              },
            },
            name,
            state.sort === k ? (state.desc ? " ▾" : " ▴") : "",
          ),
        ),
      ),
      h("th", null, "capabilities"),
    );
    const body = rows.map((n) => {
      const a = n.attestation;
      return h(
        "tr",
        { "data-node": n.nodeId, class: big(n.slashedTotal) > 0n ? "slashed" : null },
        h("td", null, link(`/node/${n.nodeId}`, h("code", null, short(n.nodeId)))),
        h("td", null, h("span", { class: `badge s${n.status ?? "x"}` }, nodeStatus(n.status))),
        h("td", { class: "num" }, link(`/node/${n.nodeId}`, sui(n.stake, 2))),
        h("td", { class: "num" }, sui(n.price, 4)),
        h("td", { class: "num" }, link(`/node/${n.nodeId}`, n.reputation)),
        h("td", { class: "num" }, link(`/requests?node=${n.nodeId}`, n.reveals ?? "0")),
        h("td", { class: "num" }, link(`/node/${n.nodeId}`, sui(n.paidTotal, 4))),
        h(
          "td",
          { class: "num" },
          big(n.slashedTotal) > 0n ? link(`/slashes?node=${n.nodeId}`, sui(n.slashedTotal, 2)) : sui("0", 2),
        ),
        h(
          "td",
          null,
          a
            ? link(
                `/node/${n.nodeId}`,
                `${teeKind(a.teeKind)}${a.revoked ? " (revoked)" : ""} · ${short(a.measurement, 4)} · verifier ${short(a.verifier, 4)}`,
              )
            : "not attested",
        ),
        h("td", null, a ? time(a.expiresMs) : "—"),
        h(
          "td",
          { class: "caps" },
          (n.capabilities ?? []).map((c) => h("span", { class: "cap", title: c }, short(c, 10))),
        ),
      );
    });
    replace(
      table,
      h("table", { id: "nodes", class: "nodes" }, h("thead", null, head), h("tbody", null, body)),
      h("p", { class: "muted" }, `${rows.length} of ${nodes.length} nodes`),
    );
  };
  draw();
  replace(root, h("h1", null, "Network"), totals, charts, h("h2", { id: "nodes-title" }, "Nodes"), controls, table);
}

function select(
  id: string,
  any: string,
  options: [string, string][],
  value: string,
  onChange: (v: string) => void,
): HTMLSelectElement {
  return h(
    "select",
    { id, onchange: (e: Event) => onChange((e.target as HTMLSelectElement).value) },
    h("option", { value: "" }, any),
    options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)),
  );
}
