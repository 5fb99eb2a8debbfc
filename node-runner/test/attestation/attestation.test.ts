import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  encodeVerdictMessage,
  expectedReportData,
  generateMlKemKeyPair,
  mlkemKeyHash,
  TeeKind,
  verifyVerdict,
} from "@atoma/sdk";
import { ed25519 } from "@noble/curves/ed25519.js";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireVectors, VECTORS_DIR } from "../../../test/setup/prerequisites.js";
import {
  attestationRoutes,
  configfsTsmProvider,
  createBlobStore,
  createVerifierService,
  hashHex,
  insecureNoTeeProvider,
  nodeReportData,
  runAttestVerify,
} from "../../src/attestation/index.js";

const VECTORS = VECTORS_DIR;
const haveVectors = requireVectors("node-runner attestation tests on genuine TDX and SEV-SNP evidence");
const vec = (rel: string) => new Uint8Array(readFileSync(path.join(VECTORS, rel)));
const NOW = new Date("2023-06-20T00:00:00Z");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "atoma-attest-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sk = new Uint8Array(32).fill(7);
const sigPk = new Uint8Array(32).fill(1);
const encPk = new Uint8Array(32).fill(2);

describe("blob store", () => {
  it("stores by blake2b-256, atomically and idempotently, and detects corruption", async () => {
    const store = createBlobStore(path.join(dir, "blobs1"));
    const data = new TextEncoder().encode("evidence");
    const a = await store.put(data);
    expect(a.hash).toBe(hashHex(data));
    expect(path.basename(a.path)).toBe(a.hash);
    expect(await store.put(data)).toEqual(a);
    expect(await store.get(a.hash)).toEqual(data);
    expect(await store.has(a.hash)).toBe(true);
    expect(await store.get("00".repeat(32))).toBeUndefined();
    expect(await readdir(store.dir)).toEqual([a.hash]); // no temporary files left
    await writeFile(a.path, "tampered");
    await expect(store.get(a.hash)).rejects.toThrow(/corrupt/);
    await expect(store.get("../etc/passwd")).rejects.toThrow(/hash: must be 64 lowercase hex/);
  });
});

describe("verifier service", () => {
  const root = haveVectors ? readFileSync(path.join(VECTORS, "tdx/intel_sgx_root_ca.pem"), "utf8") : "";
  const quote = haveVectors ? vec("tdx/tdx_prod_quote_SPR_E4.dat") : new Uint8Array();
  const mrtd = quote.length ? Buffer.from(quote.subarray(48 + 136, 48 + 184)).toString("hex") : "";
  const service = (policy: Parameters<typeof createVerifierService>[0]["policy"]) =>
    createVerifierService({
      verifierKey: sk,
      policy,
      trustedRoots: { tdx: [root] },
      blobDir: path.join(dir, "blobs2"),
      now: () => NOW,
    });

  it("signs a None verdict only when insecure mode is on, and the verdict verifies", async () => {
    await expect(
      service({}).verifyEvidence({ nodeId: "0x1", sigPk, encPk, teeKind: "none", evidence: new Uint8Array() }),
    ).rejects.toMatchObject({ check: "policy_measurement" });
    const s = service({ allowInsecureNoTee: true, validityMs: 1000, issueSkewMs: 100 });
    const r = await s.verifyEvidence({ nodeId: "0x1", sigPk, encPk, teeKind: "none", evidence: new Uint8Array([9]) });
    expect(r.verdict.teeKind).toBe(TeeKind.None);
    expect(r.verdict.reportDataHash).toEqual(expectedReportData(sigPk, encPk));
    expect(r.verdict.issuedMs).toBe(BigInt(NOW.getTime() - 100));
    expect(r.verdict.expiresMs).toBe(BigInt(NOW.getTime() - 100 + 1000));
    expect(r.evidenceHash).toBe(hashHex(new Uint8Array([9])));
    expect(await s.blobs.get(r.evidenceHash)).toEqual(new Uint8Array([9]));
    expect(verifyVerdict(r.verdict, r.signature, ed25519.getPublicKey(sk))).toBe(true);
    expect(Buffer.from(r.verifierPublicKey)).toEqual(Buffer.from(ed25519.getPublicKey(sk)));
  });

  it("reports the ML-KEM key hash for a node that names one (None kind: the claimed key's hash)", async () => {
    const s = service({ allowInsecureNoTee: true });
    const ml = generateMlKemKeyPair().publicKey;
    const r = await s.verifyEvidence({
      nodeId: "0x1",
      sigPk,
      encPk,
      mlkemPk: ml,
      teeKind: "none",
      evidence: new Uint8Array([7]),
    });
    expect(r.mlkemKeyHash).toEqual(mlkemKeyHash(ml));
    const plain = await s.verifyEvidence({
      nodeId: "0x1",
      sigPk,
      encPk,
      teeKind: "none",
      evidence: new Uint8Array([7]),
    });
    expect(plain.mlkemKeyHash).toBeUndefined();
    await expect(
      s.verifyEvidence({
        nodeId: "0x1",
        sigPk,
        encPk,
        mlkemPk: ml.subarray(1),
        teeKind: "none",
        evidence: new Uint8Array([7]),
      }),
    ).rejects.toThrow(/mlkemPk: must be 1184 bytes/);
  });

  it.skipIf(!haveVectors)("verifies genuine TDX evidence, then applies the allow-list and the binding", async () => {
    await expect(
      service({ tdx: { allowedMeasurements: ["00".repeat(48)] } }).verifyEvidence({
        nodeId: "0x1",
        sigPk,
        encPk,
        teeKind: "tdx",
        evidence: quote,
      }),
    ).rejects.toMatchObject({ check: "policy_measurement" });
    // Quote and measurement pass; the quote's report data is not our test keys' binding.
    await expect(
      service({ tdx: { allowedMeasurements: [mrtd] } }).verifyEvidence({
        nodeId: "0x1",
        sigPk,
        encPk,
        teeKind: "tdx",
        evidence: quote,
      }),
    ).rejects.toMatchObject({ check: "binding" });
    await expect(
      service({}).verifyEvidence({ nodeId: "0x1", sigPk, encPk, teeKind: "tdx", evidence: quote }),
    ).rejects.toMatchObject({
      check: "policy_measurement",
    });
  });

  it.skipIf(!haveVectors)("verifies genuine SEV-SNP evidence and refuses its debug policy", async () => {
    const report = vec("sev-snp/attestation.bin");
    const collateral = {
      vcek: vec("sev-snp/vcek.der"),
      chain: readFileSync(path.join(VECTORS, "sev-snp/ask_ark_milan.pem"), "utf8"),
    };
    const m = Buffer.from(report.subarray(0x90, 0xc0)).toString("hex");
    const req = { nodeId: "0x1", sigPk, encPk, teeKind: "sev-snp" as const, evidence: report, collateral };
    await expect(service({ sevSnp: { allowedMeasurements: [m] } }).verifyEvidence(req)).rejects.toMatchObject({
      check: "policy_debug",
    });
    await expect(
      service({ sevSnp: { allowedMeasurements: [m], allowDebug: true } }).verifyEvidence(req),
    ).rejects.toMatchObject({
      check: "binding",
    });
  });

  it("POST /v1/attest: 200 with a verifiable verdict, 400 naming the field, 422 naming the check", async () => {
    const app = Fastify();
    await app.register(
      attestationRoutes(service({ allowInsecureNoTee: true, tdx: { allowedMeasurements: [mrtd || "00"] } })),
    );
    const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
    const body = { nodeId: "0xab", sigPk: b64(sigPk), encPk: b64(encPk), teeKind: "none", evidence: "" };
    const ok = await app.inject({ method: "POST", url: "/v1/attest", payload: body });
    expect(ok.statusCode).toBe(200);
    const j = ok.json();
    expect(j.teeKind).toBe(0);
    const msg = new Uint8Array(Buffer.from(j.message, "base64"));
    expect(ed25519.verify(Buffer.from(j.signature, "hex"), msg, Buffer.from(j.verifierPublicKey, "hex"))).toBe(true);
    expect(msg).toEqual(
      encodeVerdictMessage({
        nodeId: "0xab",
        teeKind: 0,
        measurement: new Uint8Array(),
        reportDataHash: expectedReportData(sigPk, encPk),
        evidenceHash: Buffer.from(j.evidenceHash, "hex"),
        issuedMs: BigInt(j.issuedMs),
        expiresMs: BigInt(j.expiresMs),
      }),
    );

    const bad = await app.inject({ method: "POST", url: "/v1/attest", payload: { ...body, sigPk: "!!" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: "INVALID_INPUT", field: "sigPk" });
    const missing = await app.inject({ method: "POST", url: "/v1/attest", payload: { ...body, evidence: undefined } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().field).toBe("evidence");
    const short = await app.inject({
      method: "POST",
      url: "/v1/attest",
      payload: { ...body, encPk: b64(new Uint8Array(31)) },
    });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ field: "encPk", message: expect.stringContaining("32 bytes") });
    const kind = await app.inject({ method: "POST", url: "/v1/attest", payload: { ...body, teeKind: "sgx" } });
    expect(kind.statusCode).toBe(400);
    expect(kind.json().field).toBe("teeKind");
    if (haveVectors) {
      const r = await app.inject({
        method: "POST",
        url: "/v1/attest",
        payload: { ...body, teeKind: "tdx", evidence: b64(quote) },
      });
      expect(r.statusCode).toBe(422);
      expect(r.json()).toMatchObject({ error: "ATTESTATION_INVALID", field: "binding" });
      const flipped = quote.slice();
      flipped[100] = (flipped[100] as number) ^ 1;
      const r2 = await app.inject({
        method: "POST",
        url: "/v1/attest",
        payload: { ...body, teeKind: "tdx", evidence: b64(flipped) },
      });
      expect(r2.statusCode).toBe(422);
      expect(r2.json().field).toBe("quote_signature");
    }
    await app.close();
  });

  it("runAttestVerify reads files, refuses a world-readable key, and returns the JSON verdict", async () => {
    const keyFile = path.join(dir, "verifier.key");
    await writeFile(keyFile, Buffer.from(sk).toString("hex"), { mode: 0o644 });
    const policyFile = path.join(dir, "policy.json");
    await writeFile(policyFile, JSON.stringify({ allowInsecureNoTee: true }));
    const evidenceFile = path.join(dir, "ev.bin");
    await writeFile(evidenceFile, new Uint8Array([1, 2]));
    const args = {
      verifierKeyFile: keyFile,
      policyFile,
      blobDir: path.join(dir, "blobs3"),
      nodeId: "0x2",
      sigPk: Buffer.from(sigPk).toString("hex"),
      encPk: Buffer.from(encPk).toString("hex"),
      teeKind: "none" as const,
      evidenceFile,
      now: NOW,
    };
    await expect(runAttestVerify(args)).rejects.toThrow(/verifierKeyFile: .*chmod 600/);
    await writeFile(keyFile, Buffer.from(sk).toString("hex"), { mode: 0o600 });
    const { chmod } = await import("node:fs/promises");
    await chmod(keyFile, 0o600);
    const j = await runAttestVerify(args);
    expect(j.evidenceHash).toBe(hashHex(new Uint8Array([1, 2])));
    expect(j.issuedMs).toBe(String(NOW.getTime() - 10_000)); // dated 10 s early: Sui's clock trails
    expect(j.expiresMs).toBe(String(NOW.getTime() - 10_000 + 86_400_000));
  });
});

describe("attestation providers", () => {
  /** Mimics the kernel side of configfs-tsm in a temporary directory: fills outblob from inblob. */
  function fakeKernel(root: string, provider: string, make: (inblob: Uint8Array) => Uint8Array) {
    let stop = false;
    const seen = new Set<string>();
    const loop = (async () => {
      while (!stop) {
        for (const e of await readdir(root).catch(() => [] as string[])) {
          if (seen.has(e)) continue;
          const inb = await readFile(path.join(root, e, "inblob")).catch(() => undefined);
          if (inb?.length !== 64) continue;
          seen.add(e);
          await writeFile(path.join(root, e, "provider"), `${provider}\n`);
          await writeFile(path.join(root, e, "outblob"), make(new Uint8Array(inb)));
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    return async () => {
      stop = true;
      await loop;
    };
  }

  it("gets TDX and SEV-SNP evidence through a configfs-tsm layout and checks the echoed report data", async () => {
    const root = path.join(dir, "tsm", "report");
    await mkdir(root, { recursive: true });
    const rd = nodeReportData(expectedReportData(sigPk, encPk));

    let stop = fakeKernel(root, "tdx_guest", (inb) => {
      const q = new Uint8Array(48 + 584 + 10);
      q[0] = 4;
      q.set(inb, 48 + 520);
      return q;
    });
    const ev = await configfsTsmProvider({ root, expect: "tdx" }).getEvidence(rd);
    await stop();
    expect(ev.teeKind).toBe("tdx");
    expect(ev.teeKindCode).toBe(TeeKind.Tdx);
    expect(ev.evidence.subarray(568, 632)).toEqual(rd);
    expect(await readdir(root)).toEqual([]); // the entry is removed afterwards

    stop = fakeKernel(root, "sev_guest", (inb) => {
      const r = new Uint8Array(1184);
      r.set(inb, 0x50);
      return r;
    });
    const ev2 = await configfsTsmProvider({ root }).getEvidence(rd);
    expect(ev2.teeKind).toBe("sev-snp");
    expect(ev2.evidence.length).toBe(1184);
    await expect(configfsTsmProvider({ root, expect: "tdx" }).getEvidence(rd)).rejects.toThrow(/sev_guest is not tdx/);
    await stop();

    stop = fakeKernel(root, "sev_guest", () => new Uint8Array(1184)); // ignores the report data
    await expect(configfsTsmProvider({ root }).getEvidence(rd)).rejects.toMatchObject({ check: "binding" });
    await stop();
    await expect(configfsTsmProvider({ root }).getEvidence(new Uint8Array(32))).rejects.toThrow(
      /reportData: must be 64 bytes/,
    );
    await expect(configfsTsmProvider({ root: path.join(dir, "absent") }).getEvidence(rd)).rejects.toThrow(/ENOENT/);
  });

  it("the insecure provider yields TEE kind None", async () => {
    const ev = await insecureNoTeeProvider().getEvidence(new Uint8Array(64));
    expect(ev).toMatchObject({ teeKind: "none", teeKindCode: 0, provider: "insecure-no-tee" });
    expect(ev.evidence.length).toBe(0);
  });
});
