/**
 * AWS Nitro verified on chain, on the devnet: documents under a self-made P-384 test root
 * (test/fixtures/nitro-evidence.ts), accepted by the devnet's `sui::nitro_attestation` native
 * only because this devnet is started with that root as a Nitro test root; each binds a node's
 * real keys in user_data. One PTB (`load_nitro_attestation` then `record_nitro_attestation`)
 * attests a node with no verifier; it is then sampled for a confidential request. Also: the
 * genuine AWS document through the same PTB, each refusal with its own error, and the gas and
 * Move instructions of one Nitro attestation against one verifier-signed `record_attestation`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  AttestationPath,
  buildAllowMeasurement,
  buildRecordAttestation,
  buildRecordNitroAttestation,
  MoveAbortError,
  nitroMeasurement,
  TeeKind,
} from "@atoma/sdk";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import type { Transaction } from "@mysten/sui/transactions";
import { blake2b } from "@noble/hashes/blake2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeNitroEvidence, type NitroEvidence } from "../../../test/fixtures/nitro-evidence.js";
import { requireVectors, VECTORS_DIR } from "../../../test/setup/prerequisites.js";
import {
  adminArgs,
  allowListedVerdict,
  type Cost,
  type Env,
  execAs,
  execMetered,
  funded,
  startAtomaDevnet,
} from "./harness.js";

const SUI = 1_000_000_000n;
const enc = new TextEncoder();
const b2 = (a: Uint8Array, b: Uint8Array) => blake2b(Uint8Array.from([...a, ...b]), { dkLen: 32 });
const NOW = BigInt(Date.parse("2024-09-07T14:38:00Z"));
/** The genuine document's timestamp (inside its leaf certificate's few hours). */
const GENUINE_TS = 1_725_719_859_545n;

interface Op {
  kp: Ed25519Keypair;
  nodeId: string;
  nodeCap: string;
  sigPk: Uint8Array;
  encPk: Uint8Array;
  evidence: NitroEvidence;
}

/** Root of the test PKI (seed 1): the same for every document built with the default seed. */
const haveVectors = requireVectors("the devnet's genuine Nitro document test");

const TEST_ROOT = makeNitroEvidence({ sigPk: new Uint8Array(32), encPk: new Uint8Array(32), timestampMs: 0n }).rootDer;

describe("Nitro attestation verified on chain (devnet)", () => {
  let env: Env;
  const ops: Op[] = [];
  let requester: Ed25519Keypair;
  const costs: Record<string, Cost> = {};
  const admin = () => adminArgs(env);
  const nodeArgs = (o: Op) => ({ ...admin(), nodeCap: o.nodeCap });
  const exec = async (kp: Ed25519Keypair, build: (tx: Transaction) => void, costName?: string) => {
    if (!costName) return execAs(env, kp, build);
    const { result, cost } = await execMetered(env, kp, build);
    costs[costName] = cost;
    return result;
  };

  const attest = (o: Op, document: Uint8Array, costName?: string) =>
    exec(o.kp, (tx) => buildRecordNitroAttestation(tx, { ...nodeArgs(o), document }), costName);
  const refusal = async (o: Op, document: Uint8Array) => {
    const e = await attest(o, document).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MoveAbortError);
    return e as MoveAbortError;
  };

  beforeAll(async () => {
    env = await startAtomaDevnet("nitro-onchain", { nitroTestRoots: [TEST_ROOT] });
    env.d.clock.set(NOW);
    requester = await funded(env.d.url);
    for (let i = 0; i < 3; i++) {
      const kp = await funded(env.d.url);
      const sigPk = kp.getPublicKey().toRawBytes();
      const encPk = blake2b(enc.encode(`nitro-enc:${i}`), { dkLen: 32 });
      const res = await env.atoma.registerNode(kp, {
        stake: 200n * SUI,
        sigPk,
        encPk,
        capabilities: ["llama"],
        price: SUI,
      });
      const evidence = makeNitroEvidence({ sigPk, encPk, timestampMs: NOW - 5_000n });
      ops.push({ kp, nodeId: res.nodeId, nodeCap: res.nodeCapId, sigPk, encPk, evidence });
    }
  }, 240_000);
  afterAll(async () => {
    await env?.d.close();
  });

  it("the admin allow-lists blake2b256(PCR0 || PCR1 || PCR2) for tee_kind 4; no verifier anywhere", async () => {
    const ev = ops[0]!.evidence;
    expect(nitroMeasurement(...ev.pcrs)).toEqual(ev.measurement);
    await exec(env.admin, (tx) =>
      buildAllowMeasurement(tx, { ...admin(), teeKind: TeeKind.Nitro, measurement: ev.measurement }),
    );
    expect((await env.atoma.getRegistry()).verifiers).toEqual([]);
  });

  it("a node becomes attested with one transaction through the native and Move alone (path 2)", async () => {
    for (const [i, o] of ops.slice(0, 2).entries()) {
      const r =
        i === 0
          ? await attest(o, o.evidence.document, "nitro")
          : await env.atoma.recordNitroAttestation(o.kp, { nodeCap: o.nodeCap, document: o.evidence.document });
      expect(r.events.map((e) => e.name)).toEqual(["AttestationRecorded"]);
      const a = (await env.atoma.getNode(o.nodeId)).attestation;
      expect(a?.path).toBe(AttestationPath.NitroOnChain);
      expect(a?.tee_kind).toBe(TeeKind.Nitro);
      expect(Uint8Array.from(a?.measurement ?? [])).toEqual(o.evidence.measurement);
      expect(Uint8Array.from(a?.report_data_hash ?? [])).toEqual(b2(o.sigPk, o.encPk));
      expect(a?.verifier).toBe(`0x${"0".repeat(64)}`);
      expect(a?.issued_ms).toBe(String(NOW - 5_000n));
      expect(a?.recorded_ms).toBe(String(NOW));
    }
  });

  it("a document bound to another node's keys is refused with EBindingMismatch", async () => {
    const e = await refusal(ops[2]!, ops[0]!.evidence.document);
    expect([e.module, e.constantName]).toEqual(["nitro_enclave", "EBindingMismatch"]);
    expect((await env.atoma.getNode(ops[2]!.nodeId)).attestation).toBeNull();
  });

  it("each other refusal has its own error: debug enclave, PCRs not allow-listed, expired leaf, wrong root, stale", async () => {
    const o = ops[2]!;
    const base = { sigPk: o.sigPk, encPk: o.encPk, timestampMs: NOW - 5_000n };
    const debug = await refusal(o, makeNitroEvidence({ ...base, debug: true }).document);
    expect([debug.module, debug.constantName]).toEqual(["nitro_enclave", "EDebugEnclave"]);
    const other = new Uint8Array(48).fill(0x77);
    const notListed = await refusal(o, makeNitroEvidence({ ...base, pcrs: [other, other, other] }).document);
    expect([notListed.module, notListed.constantName]).toEqual(["nitro_enclave", "EMeasurementNotAllowed"]);
    const stale = await refusal(o, makeNitroEvidence({ ...base, timestampMs: NOW - 11n * 60_000n }).document);
    expect([stale.module, stale.constantName]).toEqual(["nitro_enclave", "EDocumentTooOld"]);
    // Refused by Sui's native itself (0x2::nitro_attestation, EVerifyError = 2).
    const expired = await refusal(
      o,
      makeNitroEvidence({ ...base, leafNotBefore: "240901000000Z", leafNotAfter: "240906000000Z" }).document,
    );
    expect([expired.module, expired.abortCode]).toEqual(["nitro_attestation", "2"]);
    const wrongRoot = await refusal(o, makeNitroEvidence({ ...base, seed: 2 }).document);
    expect([wrongRoot.module, wrongRoot.abortCode]).toEqual(["nitro_attestation", "2"]);
    expect((await env.atoma.getNode(o.nodeId)).attestation).toBeNull();
  });

  it.skipIf(!haveVectors)(
    "the genuine AWS document is refused by the native's parser (EParseError = 1: 1 KiB user_data over Sui's 512)",
    async () => {
      const doc = new Uint8Array(readFileSync(path.join(VECTORS_DIR, "nitro", "attestation.cbor")));
      env.d.clock.set(GENUINE_TS);
      try {
        const e = await refusal(ops[2]!, doc);
        expect([e.module, e.abortCode]).toEqual(["nitro_attestation", "1"]);
      } finally {
        env.d.clock.set(NOW);
      }
    },
  );

  it("the Nitro-attested nodes are sampled for a confidential request; the unattested one never", async () => {
    const created = await env.atoma.createRequest(requester, {
      kind: 0,
      capability: "llama",
      input: enc.encode("secret"),
      sampleSize: 2,
      maxPrice: SUI,
      confidential: true,
    });
    expect([...created.nodes].sort()).toEqual([ops[0]!.nodeId, ops[1]!.nodeId].sort());
  });

  it("costs: one on-chain Nitro attestation vs one verifier-signed record_attestation (same run)", async () => {
    const o = ops[2]!;
    const verdict = await allowListedVerdict(env, o, {
      teeKind: TeeKind.Nitro,
      measurement: o.evidence.measurement,
      evidence: o.evidence.document,
      nowMs: NOW,
    });
    await exec(o.kp, (tx) => buildRecordAttestation(tx, { ...nodeArgs(o), ...verdict }), "verdict");
    expect((await env.atoma.getNode(o.nodeId)).attestation?.path).toBe(AttestationPath.Verdict);
    const nitro = costs.nitro!;
    const verdictCost = costs.verdict!;
    // The native does the verification (four P-384 signatures charged as signature checks, the
    // document's bytes): more computation than one Ed25519 verdict, but about as many Move
    // instructions (PCR scan, BCS of the document, binding), unlike TDX's byte loops in Move.
    expect(nitro.computation).toBeGreaterThan(verdictCost.computation);
    expect(nitro.instructions).toBeLessThan(verdictCost.instructions * 2n);
    console.log(
      JSON.stringify({
        nitroOnChain: { computationCost: String(nitro.computation), instructions: String(nitro.instructions) },
        verdict: { computationCost: String(verdictCost.computation), instructions: String(verdictCost.instructions) },
        instructionRatio: Number(nitro.instructions) / Number(verdictCost.instructions),
      }),
    );
  });
});
