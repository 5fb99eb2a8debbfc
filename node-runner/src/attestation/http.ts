/**
 * Fastify plugin: `POST /v1/attest` (JSON, byte fields base64). Responses: 200 with the signed
 * verdict; 400 {error, message, field} for malformed input; 422 {error: "ATTESTATION_INVALID",
 * message, field: <failed check>} when the evidence does not verify or fails the policy.
 */

import { AttestationError, encodeVerdictMessage, InvalidInputError } from "@atoma/sdk";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import type { EvidenceCollateral, TeeKindInput, VerifierResult, VerifierService } from "./verifier-service.js";

const B64 = "^[A-Za-z0-9+/]*={0,2}$";
const b64 = { type: "string", pattern: B64, maxLength: 1_000_000 } as const;

export const attestBodySchema = {
  type: "object",
  additionalProperties: false,
  required: ["nodeId", "sigPk", "encPk", "teeKind", "evidence"],
  properties: {
    nodeId: { type: "string", pattern: "^0x[0-9a-fA-F]{1,64}$" },
    sigPk: b64,
    encPk: b64,
    mlkemPk: b64,
    teeKind: { type: "string", enum: ["none", "tdx", "sev-snp"] },
    evidence: b64,
    collateral: {
      type: "object",
      additionalProperties: false,
      properties: {
        vcek: b64,
        chain: { type: "string", maxLength: 100_000 },
        rootCrl: b64,
        pckCrl: b64,
        tcbInfo: { type: "string", maxLength: 200_000 },
        qeIdentity: { type: "string", maxLength: 200_000 },
        tcbSigningCert: { type: "string", maxLength: 100_000 },
      },
    },
  },
} as const;

export interface AttestBody {
  nodeId: string;
  sigPk: string;
  encPk: string;
  mlkemPk?: string;
  teeKind: TeeKindInput;
  evidence: string;
  collateral?: {
    vcek?: string;
    chain?: string;
    rootCrl?: string;
    pckCrl?: string;
    tcbInfo?: string;
    qeIdentity?: string;
    tcbSigningCert?: string;
  };
}

function bytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "base64"));
}

/** Turns the JSON body into the service's request (base64 -> bytes). */
export function bodyToRequest(body: AttestBody) {
  const c = body.collateral;
  let collateral: EvidenceCollateral | undefined;
  if (c) {
    collateral = {
      ...(c.vcek ? { vcek: bytes(c.vcek) } : {}),
      ...(c.chain ? { chain: c.chain } : {}),
      tdx: {
        ...(c.rootCrl ? { rootCrl: bytes(c.rootCrl) } : {}),
        ...(c.pckCrl ? { pckCrl: bytes(c.pckCrl) } : {}),
        ...(c.tcbInfo ? { tcbInfo: c.tcbInfo } : {}),
        ...(c.qeIdentity ? { qeIdentity: c.qeIdentity } : {}),
        ...(c.tcbSigningCert ? { tcbSigningCert: c.tcbSigningCert } : {}),
      },
    };
  }
  return {
    nodeId: body.nodeId,
    sigPk: bytes(body.sigPk),
    encPk: bytes(body.encPk),
    ...(body.mlkemPk ? { mlkemPk: bytes(body.mlkemPk) } : {}),
    teeKind: body.teeKind,
    evidence: bytes(body.evidence),
    ...(collateral ? { collateral } : {}),
  };
}

/** JSON form of a verifier result (hex for hashes and keys, base64 for the message). */
export function resultToJson(r: VerifierResult) {
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  return {
    nodeId: r.verdict.nodeId,
    teeKind: r.verdict.teeKind,
    measurement: hex(r.verdict.measurement),
    reportDataHash: hex(r.verdict.reportDataHash),
    evidenceHash: r.evidenceHash,
    issuedMs: r.verdict.issuedMs.toString(),
    expiresMs: r.verdict.expiresMs.toString(),
    message: Buffer.from(encodeVerdictMessage(r.verdict)).toString("base64"),
    signature: hex(r.signature),
    verifierPublicKey: hex(r.verifierPublicKey),
    ...(r.mlkemKeyHash ? { mlkemKeyHash: hex(r.mlkemKeyHash) } : {}),
  };
}

export function attestationRoutes(service: VerifierService): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.setErrorHandler((err, _req, reply) => {
      const e = err as Error & { validation?: { instancePath?: string; params?: Record<string, unknown> }[] };
      if (e.validation) {
        const v = e.validation[0];
        const missing = v?.params?.missingProperty;
        const extra = v?.params?.additionalProperty;
        const field =
          (v?.instancePath ?? "").replace(/^\//, "").replace(/\//g, ".") +
          (missing ? `${v?.instancePath ? "." : ""}${String(missing)}` : "") +
          (extra ? `${v?.instancePath ? "." : ""}${String(extra)}` : "");
        return reply.code(400).send({ error: "INVALID_INPUT", message: e.message, field: field || "body" });
      }
      if (err instanceof InvalidInputError) {
        return reply.code(400).send({ error: err.code, message: err.message, field: err.field });
      }
      if (err instanceof AttestationError) {
        return reply.code(422).send({ error: err.code, message: err.message, field: err.check });
      }
      const status = (err as { statusCode?: number }).statusCode;
      if (status && status >= 400 && status < 500) {
        return reply.code(status).send({ error: "BAD_REQUEST", message: e.message, field: "body" });
      }
      app.log.error({ err }, "attestation verifier failed");
      return reply.code(500).send({ error: "INTERNAL", message: "internal error", field: "" });
    });
    app.post<{ Body: AttestBody }>(
      "/v1/attest",
      { schema: { body: attestBodySchema }, bodyLimit: 4 * 1024 * 1024 },
      async (req) => resultToJson(await service.verifyEvidence(bodyToRequest(req.body))),
    );
  };
}
