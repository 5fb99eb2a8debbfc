/** Verify: a request's output, or any attestation evidence file, in this browser. */
import { h, replace } from "../dom.js";
import { renderChecks } from "./checks.js";
import { evidenceInputs } from "./evidence-form.js";

export function verifyPage(root: HTMLElement): void {
  const reqId = h("input", { id: "verify-request-id", placeholder: "0x… request id", size: 40 });
  const kind = h(
    "select",
    { id: "evidence-kind" },
    h("option", { value: "1" }, "Intel TDX quote"),
    h("option", { value: "2" }, "AMD SEV-SNP report"),
  );
  const file = h("input", { type: "file", id: "evidence-file" });
  const inputs = evidenceInputs("file");
  const checks = h("div", { id: "evidence-checks" });
  replace(
    root,
    h("h1", null, "Verify"),
    h(
      "section",
      { class: "verify" },
      h("h2", null, "A request's output"),
      h(
        "form",
        {
          onsubmit: (e: Event) => {
            e.preventDefault();
            const v = reqId.value.trim();
            if (/^0x[0-9a-fA-F]{1,64}$/.test(v)) location.hash = `#/request/${v.toLowerCase()}`;
            else reqId.setCustomValidity("a 0x-hex request id");
          },
        },
        reqId,
        " ",
        h("button", { type: "submit" }, "Open"),
      ),
    ),
    h(
      "section",
      { class: "verify" },
      h("h2", null, "Attestation evidence"),
      h("p", { class: "muted" }, "Runs @atoma/sdk's TDX or SEV-SNP verifier on a file, in this browser."),
      h("div", { class: "form" }, h("label", null, "kind ", kind), h("label", null, "evidence ", file)),
      inputs.el,
      h(
        "button",
        {
          type: "button",
          id: "verify-evidence-button",
          onclick: async () => {
            const f = file.files?.[0];
            if (!f)
              return replace(
                checks,
                renderChecks([{ name: "evidence file given", ok: false, detail: "choose a file" }]),
              );
            replace(checks, h("p", { class: "muted" }, "checking…"));
            const v = await import("../verify.js");
            const evidence = new Uint8Array(await f.arrayBuffer());
            const { check, claims } = await v.verifyEvidence({
              teeKind: Number(kind.value),
              evidence,
              ...(await inputs.read()),
            });
            const claimed = claims
              ? h(
                  "dl",
                  { class: "facts", id: "evidence-claims" },
                  h("dt", null, "measurement"),
                  h("dd", null, h("code", null, hex(claims.measurement))),
                  h("dt", null, "report data"),
                  h("dd", null, h("code", null, hex(claims.reportData))),
                )
              : null;
            replace(
              checks,
              renderChecks([{ name: "evidence read", ok: true, detail: `${evidence.length} bytes` }, check]),
              claimed,
            );
          },
        },
        "Verify evidence",
      ),
      checks,
    ),
  );
}

const hex = (b: Uint8Array) => `0x${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")}`;
