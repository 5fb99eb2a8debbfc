/**
 * `pnpm bench tdx` — TDX quote verification on one core (issue 17 row 6): verifyTdxQuote of the
 * genuine SPR quote (v4, PCK chain to the Intel SGX root) against the peer measured in the same
 * run, one node:crypto ECDSA-P256 verification (the least a quote costs: its own signature).
 * Figures: a repeated quote of a known platform (the collateral cache warm: the quote signature
 * is the only signature checked) and a first quote of a new platform (the cache cleared before
 * every call: 5 signatures, 3 certificates parsed). With `ATOMA_VECTORS_DIR` or
 * ../shared/vectors/attestation. Quotes per second are CPU-time based (process.cpuUsage), rounds
 * interleaved with the peer, so load from other processes hits both alike.
 * Run: npx tsx sdk/bench/tdx.bench.ts   (--quick: shorter)
 */
import { generateKeyPairSync, X509Certificate as NativeX509, sign, verify } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { attestationCache, verifyTdxQuote } from "../src/attestation/index.js";
import { nativeBackend } from "../src/crypto/native.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const V = process.env.ATOMA_VECTORS_DIR ?? path.resolve(repoRoot, "../shared/vectors/attestation");
if (!existsSync(path.join(V, "tdx/tdx_prod_quote_SPR_E4.dat"))) {
  console.log(`tdx bench: vectors not found at ${V} (set ATOMA_VECTORS_DIR); skipped`);
  process.exit(0);
}
const QUICK = process.argv.includes("--quick");
const quote = new Uint8Array(readFileSync(path.join(V, "tdx/tdx_prod_quote_SPR_E4.dat")));
const root = readFileSync(path.join(V, "tdx/intel_sgx_root_ca.pem"), "utf8");
const now = new Date("2023-06-20T00:00:00Z");
const opts = { trustedRoots: [root], now };

// The peer: one ECDSA-P256/SHA-256 verification by node:crypto of a message the size of the
// quote's signed part (header + v4 body), with the key parsed once.
const { privateKey: ak, publicKey: akPub } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const signed = quote.subarray(0, 48 + 584);
const sig = sign("sha256", signed, { key: ak, dsaEncoding: "ieee-p1363" });
const peer = () => {
  if (!verify("sha256", signed, { key: akPub, dsaEncoding: "ieee-p1363" }, sig)) throw new Error("peer: bad signature");
};

/** CPU ms per call of each function (rounds interleaved; each round runs each `batch` times). */
async function perCall(fs: Record<string, () => unknown>, rounds: number, batch: number) {
  const names = Object.keys(fs);
  const cpu: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const wall: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const n of names) for (let i = 0; i < 20; i++) await (fs[n] as () => unknown)();
  for (let r = 0; r < rounds; r++) {
    for (const n of names) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) await (fs[n] as () => unknown)();
      wall[n] = (wall[n] as number) + performance.now() - t0;
      const c = process.cpuUsage(c0);
      cpu[n] = (cpu[n] as number) + (c.user + c.system) / 1000;
    }
  }
  const per = (m: Record<string, number>) =>
    Object.fromEntries(names.map((n) => [n, (m[n] as number) / (rounds * batch)]));
  return { cpu: per(cpu), wall: per(wall) };
}

const claims = await verifyTdxQuote(quote, opts);
if (claims.version !== 4) throw new Error("tdx bench: the vector did not verify as v4");
const rounds = QUICK ? 10 : 30;
const warm = await perCall({ quote: () => verifyTdxQuote(quote, opts), peer }, rounds, 50);
const cold = await perCall(
  {
    quote: () => {
      attestationCache.clear();
      return verifyTdxQuote(quote, opts);
    },
    peer,
  },
  QUICK ? 5 : 10,
  10,
);

// Where a first quote's time goes: parsing its certificates (the PCK chain in the quote's
// certification data, and the trusted root) with @peculiar/x509 (pure JS, what the SDK uses),
// against node:crypto's native parser of the same PEM (the floor a native path would have).
// (loaded after ../src/attestation, which installs the Reflect metadata it needs)
const { X509Certificate: PeculiarX509 } = await import("@peculiar/x509");
const pems = [
  ...(Buffer.from(quote)
    .toString("latin1")
    .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []),
  root,
];
if (pems.length < 3) throw new Error("tdx bench: the quote holds no PEM certificate chain");
const parse = await perCall(
  {
    peculiar: () => pems.map((p) => new PeculiarX509(p)),
    native: () => pems.map((p) => new NativeX509(p)),
  },
  QUICK ? 5 : 10,
  20,
);

const rate = (ms: number) => 1000 / ms;
console.log(`\nTDX quote verification, one thread (SDK primitives: ${nativeBackend}; CPU time, wall beside it)`);
const line = (name: string, cpu: number, wall: number) =>
  console.log(
    `  ${name.padEnd(54)}${rate(cpu).toFixed(0).padStart(8)} /s CPU ${rate(wall).toFixed(0).padStart(8)} /s wall`,
  );
line("verifyTdxQuote, known platform (collateral cache warm)", warm.cpu.quote as number, warm.wall.quote as number);
line("verifyTdxQuote, new platform (cache cleared each call)", cold.cpu.quote as number, cold.wall.quote as number);
line("peer: node:crypto ECDSA-P256 verify, 1 signature", warm.cpu.peer as number, warm.wall.peer as number);
line(
  `parse the ${pems.length} certificates: @peculiar/x509`,
  parse.cpu.peculiar as number,
  parse.wall.peculiar as number,
);
line(
  `parse the ${pems.length} certificates: node:crypto (native floor)`,
  parse.cpu.native as number,
  parse.wall.native as number,
);
console.log(
  `  certificate parsing with @peculiar/x509 = ${(((parse.cpu.peculiar as number) / (cold.cpu.quote as number)) * 100).toFixed(0)} % of a first quote's CPU time`,
);

const figures = [
  {
    name: "TDX quote verification, repeated platform (cache warm)",
    ms: warm.cpu.quote as number,
    peerMs: warm.cpu.peer as number,
  },
  {
    name: "TDX quote verification, first quote of a platform (cache cold)",
    ms: cold.cpu.quote as number,
    peerMs: cold.cpu.peer as number,
  },
];
console.log(
  JSON.stringify({
    bench: "tdx",
    figure: `parsing a first quote's ${pems.length} certificates (@peculiar/x509, the SDK's parser)`,
    value: Number(rate(parse.cpu.peculiar as number).toFixed(1)),
    unit: "parses/s (one core, CPU time)",
    peer: "node:crypto X509Certificate (native) of the same PEM, same run",
    peerValue: Number(rate(parse.cpu.native as number).toFixed(1)),
    ratio: Number(((parse.cpu.native as number) / (parse.cpu.peculiar as number)).toFixed(3)),
    target: "≥ 1,000/s on one core (a first quote's whole verification)",
    met: rate(parse.cpu.peculiar as number) >= 1000,
  }),
);
for (const f of figures) {
  const v = rate(f.ms);
  const p = rate(f.peerMs);
  console.log(
    JSON.stringify({
      bench: "tdx",
      figure: f.name,
      value: Number(v.toFixed(1)),
      unit: "quotes/s (one core, CPU time)",
      peer: "node:crypto ECDSA-P256 verify of one signature, same run",
      peerValue: Number(p.toFixed(1)),
      ratio: Number((v / p).toFixed(3)),
      target: "≥ 1,000/s on one core",
      met: v >= 1000,
    }),
  );
}
