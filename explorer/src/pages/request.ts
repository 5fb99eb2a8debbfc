/** One request: its timeline from creation to settlement, payouts, slashes, refund, and the in-browser output check. */
import { api, type RequestDetail } from "../api.js";
import { type Child, h, link, replace } from "../dom.js";
import { duration, failReason, short, slashReason, sui, time } from "../format.js";
import { renderChecks } from "./checks.js";

const node = (id: string) => link(`/node/${id}`, h("code", null, short(id)));
const tx = (d: string) => h("span", { class: "tx", title: `transaction ${d}` }, short(d, 4));

function timeline(d: RequestDetail): HTMLElement {
  const r = d.request;
  const items: [string, Child][] = [];
  items.push([
    "created",
    [time(r.createdMs), ` · sample of ${r.sampleSize ?? "?"}, quorum ${Number(r.quorumBps ?? 0) / 100}%`],
  ]);
  for (const s of d.samples) {
    items.push([
      s.round === 0 ? "sampled" : "escalated: sampled again",
      [
        `round ${s.round}: `,
        s.nodes.map((n) => [node(n), " "]),
        ` · commit by ${time(s.commitDeadlineMs)}, reveal by ${time(s.revealDeadlineMs)} `,
        tx(s.txDigest),
      ],
    ]);
    for (const c of d.commits.filter((c) => c.round === s.round))
      items.push([
        "commit",
        [node(c.nodeId), " committed ", h("code", null, short(c.commitment)), " ", tx(c.txDigest)],
      ]);
    for (const v of d.reveals.filter((v) => v.round === s.round)) {
      // round 0 reveals t, round 1 the output hash; the indexer's blindedHash is what was tallied
      const agrees = r.agreedBlindedHash && v.blindedHash === r.agreedBlindedHash;
      items.push([
        "reveal",
        [
          node(v.nodeId),
          s.round === 0 ? " revealed t " : " revealed ",
          h("code", { class: agrees ? "ok" : r.agreedBlindedHash ? "bad" : null }, short(v.outputHash)),
          r.agreedBlindedHash ? (agrees ? " ✓ agreed" : " ✗ differs") : "",
          " ",
          tx(v.txDigest),
        ],
      ]);
    }
    for (const x of d.disputes.filter(() => s.round === 0))
      items.push([
        "dispute",
        [
          `${x.outputHashes.length} different hashes revealed; escalation to ${x.escalationSize} fresh nodes `,
          tx(x.txDigest),
        ],
      ]);
  }
  if (d.outcome)
    items.push([
      d.outcome.outcome,
      d.outcome.outcome === "settled"
        ? [time(d.outcome.settledMs), " · agreed ", h("code", { id: "agreed-hash" }, d.outcome.blindedHash ?? "—")]
        : [time(d.outcome.settledMs), ` · ${failReason(d.outcome.failReason)}`],
    ]);
  for (const o of d.outputs)
    items.push(["output posted", [node(o.nodeId), ` posted ${o.size} bytes `, tx(o.txDigest)]]);
  return h(
    "ol",
    { class: "timeline", id: "timeline" },
    items.map(([what, body]) => h("li", { "data-step": what }, h("span", { class: "step" }, what), " ", body)),
  );
}

export async function requestPage(root: HTMLElement, id: string): Promise<void> {
  const d = await api.request(id);
  const r = d.request;
  const facts: [string, Child][] = [
    ["status", h("span", { class: `badge ${r.status ?? ""}`, id: "request-status" }, r.status ?? "—")],
    ["capability", h("code", null, r.capability ?? "—")],
    ["requester", h("code", null, short(r.requester))],
    ["confidential", r.confidential ? "yes" : "no"],
    ["escrow", sui(r.escrow)],
    ["max price / node", sui(r.maxPrice)],
    ["rounds", String(r.rounds ?? r.round ?? 0)],
    ["latency", r.settledMs && r.createdMs ? duration(Number(r.settledMs) - Number(r.createdMs)) : "—"],
    ["paid", sui(r.paidTotal)],
    ["slashed", sui(r.slashedTotal)],
    ["refund", h("span", { id: "refund" }, sui(r.refund))],
    ["agreed t", h("code", null, r.agreedBlindedHash ?? "—")],
    ["agreed output hash", h("code", null, r.outputHash ?? "—")],
  ];
  const checks = h("div", { id: "output-checks" });
  const editor = h("textarea", {
    id: "output-text",
    rows: 4,
    spellcheck: false,
    placeholder: r.confidential
      ? "confidential: the posted output is sealed; paste the output you opened"
      : "the posted output appears here",
  });
  let agreed: Uint8Array | null = null;
  const verify = h(
    "section",
    { class: "verify", id: "verify-output" },
    h("h2", null, "Verify the output in this browser"),
    h(
      "p",
      { class: "muted" },
      "Reads the Request object as the chain holds it, decodes it with @atoma/sdk, and recomputes blake2b-256 of the posted output. Edit the output to see a check fail.",
    ),
    h(
      "button",
      {
        type: "button",
        id: "verify-output-button",
        disabled: r.status !== "settled",
        onclick: async () => {
          replace(checks, h("p", { class: "muted" }, "checking…"));
          const v = await import("../verify.js");
          const res = await v.verifyRequestOutput(d);
          agreed = res.agreed;
          if (res.posted) editor.value = new TextDecoder().decode(res.posted);
          replace(checks, renderChecks(res.checks));
        },
      },
      "Verify output",
    ),
    " ",
    h(
      "button",
      {
        type: "button",
        id: "recheck-output-button",
        onclick: async () => {
          const v = await import("../verify.js");
          if (!agreed)
            return replace(
              checks,
              renderChecks([{ name: "agreed hash known", ok: false, detail: "verify the output first" }]),
            );
          replace(
            checks,
            renderChecks([
              v.outputCheck(new TextEncoder().encode(editor.value), agreed, r.requestId, r.confidential === true),
            ]),
          );
        },
      },
      "Re-check the text below",
    ),
    editor,
    checks,
  );
  const money = h(
    "section",
    { class: "two" },
    h(
      "div",
      null,
      h("h2", null, `Payouts (${d.payouts.length})`),
      h(
        "table",
        { id: "payouts" },
        h(
          "tbody",
          null,
          d.payouts.map((p) => h("tr", null, h("td", null, node(p.nodeId)), h("td", { class: "num" }, sui(p.amount)))),
        ),
      ),
    ),
    h(
      "div",
      null,
      h("h2", null, `Slashes (${d.slashes.length})`),
      h(
        "table",
        { id: "request-slashes" },
        h(
          "tbody",
          null,
          d.slashes.map((s) =>
            h(
              "tr",
              { "data-node": s.nodeId },
              h("td", null, node(s.nodeId)),
              h("td", { class: "num" }, sui(s.amount)),
              h("td", null, slashReason(s.reason)),
            ),
          ),
        ),
      ),
    ),
  );
  replace(
    root,
    h("h1", null, "Request ", h("code", { class: "id" }, short(r.requestId, 10))),
    h(
      "dl",
      { class: "facts" },
      facts.map(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
    ),
    h("h2", null, "Timeline"),
    timeline(d),
    money,
    verify,
  );
}
