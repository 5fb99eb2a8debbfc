/**
 * Checks run in the browser with @atoma/sdk (loaded on demand, so the first page stays small):
 * a settled request's posted output against the agreed hash, and stored attestation evidence
 * against the on-chain record (re-running the SDK's TDX / SEV-SNP verifiers).
 */
import {
  AttestationError,
  blake2b256,
  expectedReportData,
  type SevSnpClaims,
  type TdxClaims,
  verifySevSnpReport,
  verifyTdxQuote,
} from "@atoma/sdk/attestation";
import { enumName, Request, RequestStatus, TeeKind } from "@atoma/sdk/bcs";
import { blindedHash, bytesToHex, equalBytes, hashOutput, hexToBytes, tallyKey } from "@atoma/sdk/crypto";
import { fromBase64 } from "@mysten/bcs";
import { type ApiNode, type ApiReveal, api, type RequestDetail } from "./api.js";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const hex0x = (b: Uint8Array) => `0x${bytesToHex(b)}`;
const sameHex = (a: string | null | undefined, b: Uint8Array) =>
  !!a && a.toLowerCase().replace(/^0x/, "") === bytesToHex(b);

export interface OutputVerification {
  checks: Check[];
  /** The posted output bytes as read from the chain (for display and for editing); null when sealed. */
  posted: Uint8Array | null;
  agreed: Uint8Array | null;
}

/** Reads the Request object (BCS) and checks its posted output and reveals against the agreed t. */
export async function verifyRequestOutput(detail: RequestDetail): Promise<OutputVerification> {
  const checks: Check[] = [];
  const id = detail.request.requestId;
  let obj: Awaited<ReturnType<typeof api.requestObject>>;
  try {
    obj = await api.requestObject(id);
  } catch (err) {
    checks.push({ name: "read the Request object", ok: false, detail: (err as Error).message });
    return { checks, posted: null, agreed: null };
  }
  let req: ReturnType<typeof Request.parse>;
  try {
    req = Request.parse(fromBase64(obj.bcs));
    checks.push({
      name: "decode the Request object (BCS, @atoma/sdk schema)",
      ok: true,
      detail: `${obj.objectId} version ${obj.version}, digest ${obj.digest}`,
    });
  } catch (err) {
    checks.push({ name: "decode the Request object (BCS, @atoma/sdk schema)", ok: false, detail: String(err) });
    return { checks, posted: null, agreed: null };
  }
  const status = String(enumName(RequestStatus, req.status) ?? req.status);
  checks.push({ name: "request is settled", ok: req.status === RequestStatus.Settled, detail: `status ${status}` });
  // Settlement agrees on the blinded t = blake2b-256(output_hash ‖ request_id) (round 0 reveals t,
  // round 1 the output hash, tallied as its t): an escalation node cannot copy round 0's values.
  const agreed = req.agreed_blinded_hash ? Uint8Array.from(req.agreed_blinded_hash) : null;
  checks.push({
    name: "agreed t on chain equals the indexed settlement",
    ok: !!agreed && sameHex(detail.request.agreedBlindedHash, agreed),
    detail: agreed ? `chain ${hex0x(agreed)}, indexer ${detail.request.agreedBlindedHash ?? "none"}` : "no agreed t",
  });
  const agreedOutput = req.agreed_output_hash ? Uint8Array.from(req.agreed_output_hash) : null;
  if (agreed && agreedOutput) {
    const t = blindedHash(agreedOutput, id);
    checks.push({
      name: "agreed output hash blinds to the agreed t",
      ok: equalBytes(t, agreed) && sameHex(detail.request.outputHash, agreedOutput),
      detail: `blake2b-256(${hex0x(agreedOutput)} ‖ request id) = ${hex0x(t)}; indexer ${detail.request.outputHash ?? "none"}`,
    });
  }
  if (agreed) {
    const round = detail.request.round ?? 0;
    const revs = detail.reveals.filter((r: ApiReveal) => r.round === round);
    // recomputed here, not read from the indexer's blinded_hash column
    const agreeing = revs.filter((r) => equalBytes(tallyKey(hexToBytes(r.outputHash), id, r.round), agreed));
    checks.push({
      name: "revealed values of the deciding round agree on t",
      ok: agreeing.length > 0 && agreeing.length * 2 > revs.length,
      detail: `${agreeing.length} of ${revs.length} reveals in round ${round} tally as the agreed t`,
    });
  }
  const posted = Uint8Array.from(req.output);
  checks.push({
    name: "an output is posted",
    ok: posted.length > 0,
    detail: `${posted.length} bytes`,
  });
  if (posted.length > 0 && agreed) {
    // A confidential request's posted output is sealed to the requester and its agreed hash is
    // over the plaintext: hashing the sealed bytes proves nothing either way, so the page asks for
    // the opened output instead of reporting a mismatch that is not one.
    if (detail.request.confidential === true)
      checks.push({
        name: "the posted output is sealed to the requester",
        ok: true,
        detail: `${posted.length} sealed bytes; the agreed t is over the plaintext's hash: paste the opened output and re-check`,
      });
    else checks.push(outputCheck(posted, agreed, id));
  }
  return { checks, posted: detail.request.confidential === true ? null : posted, agreed };
}

/** blake2b-256(blake2b-256(output) ‖ request id) (the SDK's hashOutput, blindedHash) against the agreed t. */
export function outputCheck(output: Uint8Array, agreed: Uint8Array, requestId: string, confidential = false): Check {
  const h = hashOutput(output);
  const got = blindedHash(h, requestId);
  const ok = equalBytes(got, agreed);
  return {
    name: "blake2b-256(output) blinds to the agreed t",
    ok,
    detail: `output hash ${hex0x(h)}, blinded ${hex0x(got)}${ok ? "" : `, agreed t ${hex0x(agreed)}`}${!ok && confidential ? " (confidential: the agreed hash may be over the plaintext; paste the opened output)" : ""}`,
  };
}

export interface EvidenceOptions {
  teeKind: number;
  evidence: Uint8Array;
  /** Trust anchors: Intel SGX Root CA (TDX) or AMD ARK (SEV-SNP), PEM. */
  trustedRoots: string[];
  /** SEV-SNP collateral. */
  vcek?: Uint8Array;
  chain?: string;
  now: Date;
}

/** Runs the SDK's verifier for the evidence's TEE kind; one check, with the claims on success. */
export async function verifyEvidence(
  o: EvidenceOptions,
): Promise<{ check: Check; claims: TdxClaims | SevSnpClaims | null }> {
  const name = `${String(enumName(TeeKind, o.teeKind) ?? o.teeKind)} evidence verifies (@atoma/sdk)`;
  try {
    if (o.teeKind === TeeKind.Tdx) {
      if (o.trustedRoots.length === 0) throw new Error("no trusted root given (Intel SGX Root CA, PEM)");
      const claims = await verifyTdxQuote(o.evidence, { trustedRoots: o.trustedRoots, now: o.now });
      return { check: { name, ok: true, detail: `quote v${claims.version}, PCK ${claims.pckSubject}` }, claims };
    }
    if (o.teeKind === TeeKind.SevSnp) {
      if (!o.vcek || !o.chain) throw new Error("SEV-SNP needs the VCEK and the ASK/ARK chain");
      const claims = await verifySevSnpReport(o.evidence, {
        vcek: o.vcek,
        chain: o.chain,
        ...(o.trustedRoots.length ? { trustedRoots: o.trustedRoots } : {}),
        now: o.now,
      });
      return {
        check: {
          name,
          ok: true,
          detail: `report v${claims.version}${claims.rootPinned ? ", ARK pinned" : ", ARK not pinned"}`,
        },
        claims,
      };
    }
    throw new Error(`no verifier in @atoma/sdk for TEE kind ${o.teeKind}`);
  } catch (err) {
    const detail =
      err instanceof AttestationError ? `${err.check}: ${err.message}` : (err as Error).message || String(err);
    return { check: { name, ok: false, detail }, claims: null };
  }
}

/** Every check of one node's recorded attestation against its stored evidence. */
export async function verifyNodeAttestation(
  node: ApiNode,
  o: { trustedRoots: string[]; vcek?: Uint8Array; chain?: string; now: Date },
): Promise<Check[]> {
  const a = node.attestation;
  const checks: Check[] = [];
  if (!a) return [{ name: "an attestation is recorded", ok: false, detail: "none" }];
  const exp = Number(a.expiresMs ?? 0);
  checks.push({
    name: "attestation is current",
    ok: !a.revoked && exp > o.now.getTime(),
    detail: a.revoked ? "revoked" : `expires ${new Date(exp).toISOString()}`,
  });
  if (node.sigPk && node.encPk && a.reportDataHash) {
    const want = expectedReportData(hexToBytes(node.sigPk), hexToBytes(node.encPk));
    checks.push({
      name: "report_data_hash = blake2b256(sig_pk ‖ enc_pk) of the node's keys",
      ok: sameHex(a.reportDataHash, want),
      detail: `on chain ${a.reportDataHash}`,
    });
  }
  let evidence: Uint8Array;
  try {
    evidence = await api.evidence(a.evidenceHash ?? "");
    checks.push({ name: "evidence fetched from the store", ok: true, detail: `${evidence.length} bytes` });
  } catch (err) {
    checks.push({ name: "evidence fetched from the store", ok: false, detail: (err as Error).message });
    return checks;
  }
  const h = blake2b256(evidence);
  checks.push({
    name: "blake2b-256(evidence) equals the on-chain evidence_hash",
    ok: sameHex(a.evidenceHash, h),
    detail: `recomputed ${hex0x(h)}`,
  });
  const { check, claims } = await verifyEvidence({ teeKind: a.teeKind ?? 0, evidence, ...o });
  checks.push(check);
  if (claims) {
    checks.push({
      name: "measurement in the evidence equals the on-chain measurement",
      ok: sameHex(a.measurement, claims.measurement),
      detail: `evidence ${hex0x(claims.measurement)}`,
    });
    checks.push({
      name: "report data binds the on-chain report_data_hash",
      ok: sameHex(a.reportDataHash, claims.reportData.subarray(0, 32)),
      detail: `report data ${hex0x(claims.reportData.subarray(0, 32))}`,
    });
  }
  return checks;
}
