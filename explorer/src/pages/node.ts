/** One node: stake, price, capabilities, reputation, attestation (with in-browser re-verification), history. */
import { api } from "../api.js";
import { type Child, h, link, replace } from "../dom.js";
import { nodeStatus, short, sui, teeKind, time } from "../format.js";
import { renderChecks } from "./checks.js";
import { evidenceInputs } from "./evidence-form.js";

export async function nodePage(root: HTMLElement, id: string): Promise<void> {
  const [{ node: n, history }, attestations] = await Promise.all([api.node(id), api.attestations(id)]);
  const a = n.attestation;
  const facts: [string, Child][] = [
    ["status", h("span", { class: `badge s${n.status}` }, nodeStatus(n.status))],
    ["operator", h("code", null, n.operator ?? "—")],
    ["stake", sui(n.stake)],
    ["price", sui(n.price)],
    ["reputation", h("span", { id: "node-reputation" }, n.reputation)],
    ["reveals", link(`/requests?node=${n.nodeId}`, n.reveals ?? "0")],
    ["paid", sui(n.paidTotal)],
    ["slashed", BigInt(n.slashedTotal ?? "0") > 0n ? link(`/slashes?node=${n.nodeId}`, sui(n.slashedTotal)) : sui("0")],
    ["capabilities", (n.capabilities ?? []).map((c) => h("code", { class: "cap" }, c))],
    ["signing key", h("code", null, short(n.sigPk, 8))],
    ["encryption key", h("code", null, short(n.encPk, 8))],
  ];
  const att = a
    ? h(
        "dl",
        { class: "facts", id: "attestation" },
        [
          ["TEE", `${teeKind(a.teeKind)}${a.revoked ? " (revoked)" : ""}`],
          ["measurement", h("code", null, a.measurement ?? "—")],
          [
            "path",
            [
              "verifier ",
              h("code", null, a.verifier ?? "—"),
              " (Ed25519 verdict checked on chain by record_attestation)",
            ],
          ],
          ["evidence hash", h("code", null, a.evidenceHash ?? "—")],
          ["report data hash", h("code", null, a.reportDataHash ?? "—")],
          ["recorded", time(a.recordedMs)],
          ["expires", time(a.expiresMs)],
        ].map(([k, v]) => [h("dt", null, k as string), h("dd", null, v as Child)]),
      )
    : h("p", { class: "muted" }, "No attestation recorded.");
  const checks = h("div", { id: "attestation-checks" });
  const inputs = evidenceInputs("node");
  const verify = a
    ? h(
        "section",
        { class: "verify" },
        h("h3", null, "Re-verify in this browser"),
        h(
          "p",
          { class: "muted" },
          "Fetches the stored evidence by its hash and runs @atoma/sdk's verifier here. Trust anchors are yours to give.",
        ),
        inputs.el,
        h(
          "button",
          {
            type: "button",
            id: "verify-attestation-button",
            onclick: async () => {
              replace(checks, h("p", { class: "muted" }, "checking…"));
              const v = await import("../verify.js");
              replace(checks, renderChecks(await v.verifyNodeAttestation(n, await inputs.read())));
            },
          },
          "Verify attestation",
        ),
        checks,
      )
    : null;
  replace(
    root,
    h("h1", null, "Node ", h("code", { class: "id" }, short(n.nodeId, 10))),
    h(
      "dl",
      { class: "facts" },
      facts.map(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
    ),
    h("h2", null, "Attestation"),
    att,
    verify,
    h("h2", null, `Attestation events (${attestations.length})`),
    h(
      "ul",
      { class: "plain" },
      attestations.map((x) =>
        h("li", null, `${x.event} · ${teeKind(x.teeKind)} · ${time(x.recordedMs)} → ${time(x.expiresMs)}`),
      ),
    ),
    h("h2", null, `History (${history.length})`),
    h(
      "ul",
      { class: "plain", id: "history" },
      history.map((e) =>
        h("li", null, h("span", { class: "step" }, e.event), " ", h("code", { class: "tx" }, short(e.txDigest, 4))),
      ),
    ),
  );
}
