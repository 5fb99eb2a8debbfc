/**
 * Attestation verifier service: verifies a node's TEE evidence, checks the measurement policy
 * and the key binding, stores the evidence content-addressed, and returns an Ed25519-signed
 * verdict that the Move function `record_attestation` accepts.
 */

import {
  AttestationError,
  type AttestationVerdict,
  type CertInput,
  checkMlKemBinding,
  checkReportDataBinding,
  expectedReportData,
  mlkemKeyHash as hashMlKemKey,
  InvalidInputError,
  type SevSnpClaims,
  signVerdict,
  type TdxClaims,
  type TdxCollateral,
  TeeKind,
  verifySevSnpReport,
  verifyTdxQuote,
} from "@atoma/sdk";
import { ed25519 } from "@noble/curves/ed25519.js";
import type { BlobStore } from "./blob-store.js";
import { createBlobStore } from "./blob-store.js";

export type TeeKindInput = "none" | "tdx" | "sev-snp";

export interface KindPolicy {
  /** Allowed measurements, hex (TDX: MRTD, 48 bytes; SEV-SNP: launch measurement, 48 bytes). */
  allowedMeasurements: string[];
  /** Accept debug TDs / guests (default false). */
  allowDebug?: boolean;
  /** SEV-SNP minimum reported TCB. */
  minimumTcb?: { bootLoader?: number; tee?: number; snp?: number; microcode?: number };
}

export interface AttestationPolicy {
  tdx?: KindPolicy;
  sevSnp?: KindPolicy;
  /** Sign verdicts of TEE kind None (development only; such nodes are never sampled for confidential requests). */
  allowInsecureNoTee?: boolean;
  /** Verdict lifetime in ms from its issue time (default 24 h, the protocol's attestation validity). */
  validityMs?: number;
  /**
   * How far before the verifier's clock a verdict is dated (default 10 s): the chain refuses a
   * verdict issued after its own clock (`EIssuedInFuture`), and Sui's clock trails wall time a
   * little. A revocation refuses every verdict issued at or before it, so dating early is safe.
   */
  issueSkewMs?: number;
}

export interface VerifierServiceOptions {
  /** Ed25519 secret key (32 bytes) of the allow-listed verifier. */
  verifierKey: Uint8Array;
  policy: AttestationPolicy;
  /** Trust anchors: Intel SGX Root CA for TDX, pinned AMD ARKs for SEV-SNP. */
  trustedRoots: { tdx?: CertInput[]; sevSnp?: CertInput[] };
  /** Blob directory, or a BlobStore. */
  blobDir: string | BlobStore;
  /** Clock (default `() => new Date()`). */
  now?: () => Date;
}

export interface EvidenceCollateral {
  /** TDX: CRLs, TCB info, QE identity. */
  tdx?: TdxCollateral;
  /** SEV-SNP: the VCEK/VLEK and the ASK+ARK chain (PEM bundle or list). */
  vcek?: CertInput;
  chain?: string | CertInput[];
}

export interface EvidenceRequest {
  /** Node id, 0x-hex address. */
  nodeId: string;
  sigPk: Uint8Array;
  encPk: Uint8Array;
  /** The node's ML-KEM-768 key (1184 bytes): report data bytes 32..64 must bind it. */
  mlkemPk?: Uint8Array;
  teeKind: TeeKindInput;
  evidence: Uint8Array;
  collateral?: EvidenceCollateral;
}

export interface VerifierResult {
  verdict: AttestationVerdict;
  /** Ed25519 signature over `encodeVerdictMessage(verdict)`. */
  signature: Uint8Array;
  verifierPublicKey: Uint8Array;
  /** Hex blake2b-256 of the evidence; the blob's name in the store. */
  evidenceHash: string;
  claims: TdxClaims | SevSnpClaims | { teeKind: "none" };
  /**
   * mlkemKeyHash(mlkemPk) when the request named an ML-KEM key and the report data binds it
   * (kind none: the claimed key's hash, as untrusted as the None verdict). Not part of the
   * signed on-chain verdict (v1 message); requesters use it for post-quantum sealing.
   */
  mlkemKeyHash?: Uint8Array;
}

export interface VerifierService {
  readonly publicKey: Uint8Array;
  readonly blobs: BlobStore;
  verifyEvidence(req: EvidenceRequest): Promise<VerifierResult>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_ISSUE_SKEW_MS = 10_000;

function hexBytes(h: string, field: string): Uint8Array {
  if (!/^(0x)?([0-9a-fA-F]{2})+$/.test(h)) throw new InvalidInputError(field, "must be hex");
  return new Uint8Array(Buffer.from(h.replace(/^0x/, ""), "hex"));
}

function checkMeasurement(kind: string, measurement: Uint8Array, policy: KindPolicy | undefined): void {
  if (!policy)
    throw new AttestationError("policy_measurement", `TEE kind ${kind} is not accepted by this verifier's policy`);
  const hex = Buffer.from(measurement).toString("hex");
  if (!policy.allowedMeasurements.some((m) => m.replace(/^0x/, "").toLowerCase() === hex)) {
    throw new AttestationError("policy_measurement", `${kind} measurement ${hex} is not in the allow-list`);
  }
}

export function createVerifierService(opts: VerifierServiceOptions): VerifierService {
  if (!(opts.verifierKey instanceof Uint8Array) || opts.verifierKey.length !== 32) {
    throw new InvalidInputError("verifierKey", "must be a 32-byte Ed25519 secret key");
  }
  for (const [k, p] of [
    ["policy.tdx", opts.policy.tdx],
    ["policy.sevSnp", opts.policy.sevSnp],
  ] as const) {
    if (p) for (const [i, m] of p.allowedMeasurements.entries()) hexBytes(m, `${k}.allowedMeasurements[${i}]`);
  }
  const secret = opts.verifierKey.slice();
  const publicKey = ed25519.getPublicKey(secret);
  const blobs = typeof opts.blobDir === "string" ? createBlobStore(opts.blobDir) : opts.blobDir;
  const clock = opts.now ?? (() => new Date());
  const validityMs = opts.policy.validityMs ?? DAY_MS;
  const issueSkewMs = opts.policy.issueSkewMs ?? DEFAULT_ISSUE_SKEW_MS;
  if (!Number.isSafeInteger(issueSkewMs) || issueSkewMs < 0 || issueSkewMs >= validityMs)
    throw new InvalidInputError("policy.issueSkewMs", "must be an integer in 0..validityMs");

  async function verifyEvidence(req: EvidenceRequest): Promise<VerifierResult> {
    if (!(req.evidence instanceof Uint8Array)) throw new InvalidInputError("evidence", "must be bytes");
    const reportDataHash = expectedReportData(req.sigPk, req.encPk);
    const now = clock();
    let claims: VerifierResult["claims"];
    let teeKind: number;
    let measurement: Uint8Array;
    let mlkemKeyHash: Uint8Array | undefined;
    switch (req.teeKind) {
      case "tdx": {
        const roots = opts.trustedRoots.tdx;
        if (!roots?.length) throw new AttestationError("trusted_root", "no TDX trusted roots configured");
        const c = await verifyTdxQuote(req.evidence, {
          trustedRoots: roots,
          now,
          ...(req.collateral?.tdx ? { collateral: req.collateral.tdx } : {}),
        });
        if (c.debug && !opts.policy.tdx?.allowDebug)
          throw new AttestationError("policy_debug", "TD has the DEBUG attribute");
        checkMeasurement("tdx", c.measurement, opts.policy.tdx);
        checkReportDataBinding(c, req.sigPk, req.encPk);
        if (req.mlkemPk) mlkemKeyHash = checkMlKemBinding(c, req.mlkemPk);
        claims = c;
        teeKind = TeeKind.Tdx;
        measurement = c.measurement;
        break;
      }
      case "sev-snp": {
        const col = req.collateral;
        if (!col?.vcek) throw new InvalidInputError("collateral.vcek", "required for sev-snp evidence");
        if (!col.chain) throw new InvalidInputError("collateral.chain", "required for sev-snp evidence");
        const p = opts.policy.sevSnp;
        const c = await verifySevSnpReport(req.evidence, {
          vcek: col.vcek,
          chain: col.chain,
          ...(opts.trustedRoots.sevSnp ? { trustedRoots: opts.trustedRoots.sevSnp } : {}),
          now,
          policy: { allowDebug: p?.allowDebug ?? false, ...(p?.minimumTcb ? { minimumTcb: p.minimumTcb } : {}) },
        });
        checkMeasurement("sev-snp", c.measurement, p);
        checkReportDataBinding(c, req.sigPk, req.encPk);
        if (req.mlkemPk) mlkemKeyHash = checkMlKemBinding(c, req.mlkemPk);
        claims = c;
        teeKind = TeeKind.SevSnp;
        measurement = c.measurement;
        break;
      }
      case "none": {
        if (!opts.policy.allowInsecureNoTee) {
          throw new AttestationError("policy_measurement", "TEE kind none is refused (allowInsecureNoTee is off)");
        }
        claims = { teeKind: "none" };
        if (req.mlkemPk) mlkemKeyHash = hashMlKemKey(req.mlkemPk);
        teeKind = TeeKind.None;
        measurement = new Uint8Array(0);
        break;
      }
      default:
        throw new InvalidInputError("teeKind", "must be one of none, tdx, sev-snp");
    }
    const { hash } = await blobs.put(req.evidence);
    const verdict: AttestationVerdict = {
      nodeId: req.nodeId,
      teeKind,
      measurement,
      reportDataHash,
      evidenceHash: new Uint8Array(Buffer.from(hash, "hex")),
      issuedMs: BigInt(now.getTime() - issueSkewMs),
      expiresMs: BigInt(now.getTime() - issueSkewMs + validityMs),
    };
    const signature = signVerdict(verdict, secret);
    return {
      verdict,
      signature,
      verifierPublicKey: publicKey,
      evidenceHash: hash,
      claims,
      ...(mlkemKeyHash ? { mlkemKeyHash } : {}),
    };
  }

  return { publicKey, blobs, verifyEvidence };
}
