/**
 * Intel TDX verified by the atoma contract itself, on the devnet: evidence built under a
 * self-made P-256 test root (test/fixtures/tdx-evidence.ts) and bound to each node's real keys;
 * the admin pins that root; collateral is recorded (its signatures checked in Move); a node
 * becomes attested through Move verification alone (no verifier allow-listed, no verdict) and is
 * then sampled for a confidential request. Also measures gas and Move instructions of one
 * on-chain TDX verification against one verifier-signed `record_attestation`.
 */
import {
  AttestationPath,
  buildAllowMeasurement,
  buildRecordAttestation,
  buildRecordTdxAttestation,
  buildRecordTdxCollateral,
  buildRecordTdxCrl,
  buildSetTdxRoot,
  MoveAbortError,
  TeeKind,
} from "@atoma/sdk";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import type { Transaction } from "@mysten/sui/transactions";
import { blake2b } from "@noble/hashes/blake2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTdxEvidence, type TdxEvidence } from "../../../test/fixtures/tdx-evidence.js";
import {
  adminArgs,
  allowListedVerdict,
  type Cost,
  confidentialRequest,
  type Env,
  execAs,
  execMetered,
  funded,
  type Operator,
  registerOperator,
  startAtomaDevnet,
} from "./harness.js";

const enc = new TextEncoder();
const b2 = (a: Uint8Array, b: Uint8Array) => blake2b(Uint8Array.from([...a, ...b]), { dkLen: 32 });
/** 2024-06-15: inside the test collateral's window (2024-06-01 .. 07-01) and the chain's validity. */
const NOW = BigInt(Date.parse("2024-06-15T00:00:00Z"));

interface Op extends Operator {
  evidence: TdxEvidence;
}

describe("TDX attestation verified on chain (devnet)", () => {
  let env: Env;
  const ops: Op[] = [];
  let requester: Ed25519Keypair;
  let collateralId = "";
  const costs: Record<string, Cost> = {};
  const admin = () => adminArgs(env);
  const exec = async (kp: Ed25519Keypair, build: (tx: Transaction) => void, costName?: string) => {
    if (!costName) return execAs(env, kp, build);
    const { result, cost } = await execMetered(env, kp, build);
    costs[costName] = cost;
    return result;
  };
  const nodeArgs = (o: Op) => ({ ...admin(), nodeCap: o.nodeCap });

  beforeAll(async () => {
    env = await startAtomaDevnet("tdx-onchain");
    env.d.clock.set(NOW);
    requester = await funded(env.d.url);
    for (let i = 0; i < 3; i++) {
      const { op } = await registerOperator(env, blake2b(enc.encode(`tdx-enc:${i}`), { dkLen: 32 }));
      // One test PKI (seed 1) for every node: same root, each quote binding that node's keys.
      ops.push({ ...op, evidence: makeTdxEvidence({ sigPk: op.sigPk, encPk: op.encPk }) });
    }
  }, 240_000);
  afterAll(async () => {
    await env?.d.close();
  });

  it("the admin pins the test root and allow-lists the MRTD; collateral is recorded with its signatures checked in Move", async () => {
    const ev = ops[0]!.evidence;
    await exec(env.admin, (tx) => buildSetTdxRoot(tx, { ...admin(), rootKey: ev.rootKey }));
    await exec(env.admin, (tx) =>
      buildAllowMeasurement(tx, { ...admin(), teeKind: TeeKind.Tdx, measurement: ev.mrtd }),
    );
    // A tampered TCB info (one byte of the signed body) is refused by the Move signature check.
    const tampered = Uint8Array.from(ev.tcbInfoResponse);
    tampered[40] = (tampered[40] as number) ^ 1;
    const bad = await exec(requester, (tx) =>
      buildRecordTdxCollateral(tx, {
        ...admin(),
        tcbInfo: tampered,
        qeIdentity: ev.qeIdentityResponse,
        signerDer: ev.signerDer,
      }),
    ).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(MoveAbortError);
    const r = await exec(
      requester,
      (tx) =>
        buildRecordTdxCollateral(tx, {
          ...admin(),
          tcbInfo: ev.tcbInfoResponse,
          qeIdentity: ev.qeIdentityResponse,
          signerDer: ev.signerDer,
        }),
      "collateral",
    );
    const created = r.created.find((c) => c.type?.endsWith("::tdx_attestation::TdxCollateral"));
    expect(created).toBeDefined();
    collateralId = created!.objectId;
    // The client method records the same collateral again (a second shared object).
    const again = await env.atoma.recordTdxCollateral(requester, {
      tcbInfo: ev.tcbInfoResponse,
      qeIdentity: ev.qeIdentityResponse,
      signerDer: ev.signerDer,
    });
    expect(again.collateralId).not.toBe(collateralId);
    const reg = await env.atoma.getRegistry();
    expect(reg.verifiers).toEqual([]); // no verifier anywhere in this test
  });

  it("a node becomes attested through Move verification alone (path 1, no verifier)", async () => {
    for (const [i, o] of ops.slice(0, 2).entries()) {
      // Node 0 through the builder (cost measured), node 1 through AtomaClient.recordTdxAttestation.
      const r =
        i === 0
          ? await exec(
              o.kp,
              (tx) =>
                buildRecordTdxAttestation(tx, { ...nodeArgs(o), collateral: collateralId, quote: o.evidence.quote }),
              "tdx",
            )
          : await env.atoma.recordTdxAttestation(o.kp, {
              nodeCap: o.nodeCap,
              collateral: collateralId,
              quote: o.evidence.quote,
            });
      expect(r.events.map((e) => e.name)).toEqual(["AttestationRecorded"]);
      const a = (await env.atoma.getNode(o.nodeId)).attestation;
      expect(a?.path).toBe(AttestationPath.TdxOnChain);
      expect(a?.tee_kind).toBe(TeeKind.Tdx);
      expect(Uint8Array.from(a?.measurement ?? [])).toEqual(o.evidence.mrtd);
      expect(Uint8Array.from(a?.report_data_hash ?? [])).toEqual(b2(o.sigPk, o.encPk));
      expect(Uint8Array.from(a?.verifier_pk ?? [])).toEqual(o.evidence.rootKey);
      expect(a?.verifier).toBe(`0x${"0".repeat(64)}`);
      expect(a?.recorded_ms).toBe(String(NOW));
    }
  });

  it("a quote bound to another node's keys is refused with EBindingMismatch", async () => {
    const [o0, o2] = [ops[0]!, ops[2]!];
    const e = await exec(o2.kp, (tx) =>
      buildRecordTdxAttestation(tx, { ...nodeArgs(o2), collateral: collateralId, quote: o0.evidence.quote }),
    ).catch((x: unknown) => x);
    expect((e as MoveAbortError).module).toBe("tdx_attestation");
    expect((e as MoveAbortError).constantName).toBe("EBindingMismatch");
    expect((await env.atoma.getNode(o2.nodeId)).attestation).toBeNull();
  });

  it("the TDX-attested nodes are sampled for a confidential request; the unattested one never", async () => {
    const created = await confidentialRequest(env, requester, 2);
    expect([...created.nodes].sort()).toEqual([ops[0]!.nodeId, ops[1]!.nodeId].sort());
    const tooMany = await confidentialRequest(env, requester, 3).catch((e: unknown) => e);
    expect((tooMany as MoveAbortError).constantName).toBe("ENotEnoughNodes");
  });

  it("costs: one on-chain TDX verification vs one verifier-signed record_attestation (same run)", async () => {
    const o = ops[2]!;
    const verdict = await allowListedVerdict(env, o, {
      teeKind: TeeKind.Tdx,
      measurement: o.evidence.mrtd,
      evidence: o.evidence.quote,
      nowMs: NOW,
    });
    await exec(o.kp, (tx) => buildRecordAttestation(tx, { ...nodeArgs(o), ...verdict }), "verdict");
    expect((await env.atoma.getNode(o.nodeId)).attestation?.path).toBe(AttestationPath.Verdict);
    const tdx = costs.tdx!;
    const verdictCost = costs.verdict!;
    // A full quote verification (four P-256 signatures, DER parsing of three certificates,
    // TCB level scan) executes far more Move instructions than one Ed25519 verdict check.
    expect(tdx.instructions).toBeGreaterThan(verdictCost.instructions * 10n);
    expect(tdx.computation).toBeGreaterThan(verdictCost.computation);
    console.log(
      JSON.stringify({
        tdxOnChain: { computationCost: String(tdx.computation), instructions: String(tdx.instructions) },
        collateral: {
          computationCost: String(costs.collateral!.computation),
          instructions: String(costs.collateral!.instructions),
        },
        verdict: { computationCost: String(verdictCost.computation), instructions: String(verdictCost.instructions) },
        instructionRatio: Number(tdx.instructions) / Number(verdictCost.instructions),
      }),
    );
  });

  it("a PCK CRL recorded on chain (signature checked in Move) gets a revoked PCK's quote refused", async () => {
    const o = ops[2]!;
    // The same test PKI; its PCK CA's CRL lists serial 3, the PCK leaf of every test quote.
    const revoking = makeTdxEvidence({ sigPk: o.sigPk, encPk: o.encPk, pckCrlRevoked: [3] });
    const tampered = Uint8Array.from(revoking.pckCrlDer);
    const serialAt = Buffer.from(tampered).lastIndexOf(Buffer.from([2, 1, 3, 0x17])) + 2;
    tampered[serialAt] = 2; // still well-formed, no longer what the CA signed
    const bad = await exec(requester, (tx) =>
      buildRecordTdxCrl(tx, { ...admin(), crl: tampered, caDer: revoking.pckCaDer }),
    ).catch((e: unknown) => e);
    expect((bad as MoveAbortError).constantName).toBe("ECrlSignature");
    // Before the CRL, node 2's own quote verifies (its attestation is replaced by path 1).
    await exec(o.kp, (tx) =>
      buildRecordTdxAttestation(tx, { ...nodeArgs(o), collateral: collateralId, quote: o.evidence.quote }),
    );
    expect((await env.atoma.getNode(o.nodeId)).attestation?.path).toBe(AttestationPath.TdxOnChain);
    await exec(requester, (tx) =>
      buildRecordTdxCrl(tx, { ...admin(), crl: revoking.pckCrlDer, caDer: revoking.pckCaDer }),
    );
    const e = await exec(o.kp, (tx) =>
      buildRecordTdxAttestation(tx, { ...nodeArgs(o), collateral: collateralId, quote: o.evidence.quote }),
    ).catch((x: unknown) => x);
    expect((e as MoveAbortError).module).toBe("tdx_attestation");
    expect((e as MoveAbortError).constantName).toBe("EPckRevoked");
  });
});
