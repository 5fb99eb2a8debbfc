/**
 * Attestation verification throughput on one core (one Node thread): the genuine TDX quote and
 * SEV-SNP report from ../shared/vectors/attestation (or $ATOMA_VECTORS_DIR), each against a peer
 * measured in the same run — a pure-JS (@noble) ECDSA verification (P-256 for TDX, P-384 for SNP),
 * what the browser path pays per signature. Repeated evidence of one platform: its certificates
 * are answered from the attestation cache, so only the report's own signature is checked (by
 * node:crypto in Node). `pnpm bench tdx` has the TDX figure with a native peer and a cold cache.
 * Run: npx tsx sdk/bench/attestation.bench.ts
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { p256, p384 } from "@noble/curves/nist.js";
import { verifySevSnpReport, verifyTdxQuote } from "../src/attestation/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const V = process.env.ATOMA_VECTORS_DIR ?? path.resolve(repoRoot, "../shared/vectors/attestation");
if (!existsSync(path.join(V, "tdx/tdx_prod_quote_SPR_E4.dat"))) {
  console.log(`attestation bench: vectors not found at ${V}; skipped`);
  process.exit(0);
}
const rd = (p: string) => new Uint8Array(readFileSync(path.join(V, p)));
const now = new Date("2023-06-20T00:00:00Z");
const quote = rd("tdx/tdx_prod_quote_SPR_E4.dat");
const tdxRoot = readFileSync(path.join(V, "tdx/intel_sgx_root_ca.pem"), "utf8");
const report = rd("sev-snp/attestation.bin");
const vcek = rd("sev-snp/vcek.der");
const chain = readFileSync(path.join(V, "sev-snp/ask_ark_milan.pem"), "utf8");

async function rate(name: string, fn: () => unknown | Promise<unknown>, ms = 2000): Promise<number> {
  for (let i = 0; i < 5; i++) await fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await fn();
    n++;
  }
  const r = (n * 1000) / (performance.now() - t0);
  console.log(`${name.padEnd(44)} ${r.toFixed(1).padStart(9)} /s`);
  return r;
}

const k256 = p256.utils.randomSecretKey();
const m = new Uint8Array(632);
const s256 = p256.sign(m, k256);
const pk256 = p256.getPublicKey(k256, false);
const k384 = p384.utils.randomSecretKey();
const m2 = new Uint8Array(0x2a0);
const s384 = p384.sign(m2, k384);
const pk384 = p384.getPublicKey(k384, false);

const tdx = await rate("verifyTdxQuote (v4, full chain)", () =>
  verifyTdxQuote(quote, { trustedRoots: [tdxRoot], now }),
);
const peer256 = await rate("peer: p256.verify (noble), 1 signature", () => p256.verify(s256, m, pk256));
const snp = await rate("verifySevSnpReport (v2, VCEK->ASK->ARK)", () =>
  verifySevSnpReport(report, { vcek, chain, now, policy: { allowDebug: true } }),
);
const peer384 = await rate("peer: p384.verify (noble), 1 signature", () => p384.verify(s384, m2, pk384));
console.log(
  `ratio TDX quote / p256.verify: ${(tdx / peer256).toFixed(3)} (repeated quote: 1 node:crypto P-256 check, chain from the cache)`,
);
console.log(
  `ratio SNP report / p384.verify: ${(snp / peer384).toFixed(3)} (repeated report: 1 node:crypto P-384 check, chain from the cache)`,
);
