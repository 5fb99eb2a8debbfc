/**
 * CLI-ready entry for `atoma-node attest verify` (the lead wires commander): reads the files,
 * runs the verifier service once, and returns the JSON verdict (same shape as POST /v1/attest).
 */
import { readFile, stat } from "node:fs/promises";
import { InvalidInputError } from "@atoma/sdk";
import { resultToJson } from "./http.js";
import { type AttestationPolicy, createVerifierService, type TeeKindInput } from "./verifier-service.js";

export interface AttestVerifyArgs {
  /** File holding the verifier's Ed25519 secret key: 32 raw bytes or 64 hex chars; must be mode 0600. */
  verifierKeyFile: string;
  /** JSON file with an AttestationPolicy. */
  policyFile: string;
  /** PEM files of trusted roots. */
  tdxRootFiles?: string[];
  sevSnpRootFiles?: string[];
  blobDir: string;
  nodeId: string;
  /** Hex. */
  sigPk: string;
  encPk: string;
  teeKind: TeeKindInput;
  evidenceFile: string;
  vcekFile?: string;
  chainFile?: string;
  rootCrlFile?: string;
  pckCrlFile?: string;
  tcbInfoFile?: string;
  qeIdentityFile?: string;
  now?: Date;
}

function hex(s: string, field: string): Uint8Array {
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(s)) throw new InvalidInputError(field, "must be 32 bytes of hex");
  return new Uint8Array(Buffer.from(s.replace(/^0x/, ""), "hex"));
}

export async function readVerifierKey(file: string): Promise<Uint8Array> {
  const st = await stat(file);
  if ((st.mode & 0o077) !== 0)
    throw new InvalidInputError("verifierKeyFile", `${file} must not be readable by group or others (chmod 600)`);
  const raw = new Uint8Array(await readFile(file));
  if (raw.length === 32) return raw;
  return hex(new TextDecoder().decode(raw).trim(), "verifierKeyFile");
}

export async function runAttestVerify(a: AttestVerifyArgs) {
  const policy = JSON.parse(await readFile(a.policyFile, "utf8")) as AttestationPolicy;
  const pem = (files?: string[]) => Promise.all((files ?? []).map((f) => readFile(f, "utf8")));
  const bin = async (f?: string) => (f ? new Uint8Array(await readFile(f)) : undefined);
  const txt = async (f?: string) => (f ? await readFile(f, "utf8") : undefined);
  const sevSnpRoots = await pem(a.sevSnpRootFiles);
  const service = createVerifierService({
    verifierKey: await readVerifierKey(a.verifierKeyFile),
    policy,
    trustedRoots: { tdx: await pem(a.tdxRootFiles), ...(sevSnpRoots.length ? { sevSnp: sevSnpRoots } : {}) },
    blobDir: a.blobDir,
    ...(a.now ? { now: () => a.now as Date } : {}),
  });
  const [vcek, chain, rootCrl, pckCrl, tcbInfo, qeIdentity] = await Promise.all([
    bin(a.vcekFile),
    txt(a.chainFile),
    bin(a.rootCrlFile),
    bin(a.pckCrlFile),
    txt(a.tcbInfoFile),
    txt(a.qeIdentityFile),
  ]);
  const result = await service.verifyEvidence({
    nodeId: a.nodeId,
    sigPk: hex(a.sigPk, "sigPk"),
    encPk: hex(a.encPk, "encPk"),
    teeKind: a.teeKind,
    evidence: new Uint8Array(await readFile(a.evidenceFile)),
    collateral: {
      ...(vcek ? { vcek } : {}),
      ...(chain ? { chain } : {}),
      tdx: {
        ...(rootCrl ? { rootCrl } : {}),
        ...(pckCrl ? { pckCrl } : {}),
        ...(tcbInfo ? { tcbInfo } : {}),
        ...(qeIdentity ? { qeIdentity } : {}),
      },
    },
  });
  return resultToJson(result);
}
