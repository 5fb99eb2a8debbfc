/** Inputs for re-verifying attestation evidence: trust anchors, SEV-SNP collateral and the time. */
import { h } from "../dom.js";

export interface EvidenceInputs {
  el: HTMLElement;
  read(): Promise<{ trustedRoots: string[]; vcek?: Uint8Array; chain?: string; now: Date }>;
}

const fileInput = (id: string) => h("input", { type: "file", id });
async function text(i: HTMLInputElement): Promise<string | undefined> {
  const f = i.files?.[0];
  return f ? f.text() : undefined;
}
async function bytes(i: HTMLInputElement): Promise<Uint8Array | undefined> {
  const f = i.files?.[0];
  return f ? new Uint8Array(await f.arrayBuffer()) : undefined;
}

export function evidenceInputs(prefix: string): EvidenceInputs {
  const root = fileInput(`${prefix}-root`);
  const vcek = fileInput(`${prefix}-vcek`);
  const chain = fileInput(`${prefix}-chain`);
  const now = h("input", { type: "datetime-local", id: `${prefix}-now`, step: 1 });
  const el = h(
    "div",
    { class: "form" },
    h("label", null, "trusted root (PEM: Intel SGX Root CA or AMD ARK) ", root),
    h("label", null, "SEV-SNP VCEK (DER or PEM) ", vcek),
    h("label", null, "SEV-SNP ASK + ARK chain (PEM) ", chain),
    h("label", null, "verify as of (UTC; empty = now) ", now),
  );
  return {
    el,
    async read() {
      const r = await text(root);
      const v = await bytes(vcek);
      const c = await text(chain);
      const t = now.value ? new Date(`${now.value}Z`) : new Date();
      return { trustedRoots: r ? [r] : [], ...(v ? { vcek: v } : {}), ...(c ? { chain: c } : {}), now: t };
    },
  };
}
