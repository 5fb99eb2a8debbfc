/**
 * The deployment file: what `atoma-node deploy` writes after publishing `atoma` and what
 * `atoma-node init --deployment`, `atoma-indexer --deployment` and `AtomaClient` read. Full ids
 * only; one definition of the format for every package.
 */
import { InvalidInputError } from "../errors.js";
import type { AtomaConfig } from "./client.js";

export const DEPLOYMENT_VERSION = 1;

export interface Deployment {
  version: typeof DEPLOYMENT_VERSION;
  /** JSON-RPC URL the package was published to. */
  rpcUrl: string;
  /** Chain identifier (genesis checkpoint digest) of that network. */
  chainIdentifier: string;
  packageId: string;
  registryId: string;
  registryInitialSharedVersion: string;
  adminCapId: string;
  /** Address that published (holds AdminCap and the UpgradeCap). */
  publisher: string;
  /** Digest of the Publish transaction. */
  digest: string;
  /** Wall time of the deploy, ISO 8601. */
  deployedAt: string;
}

const ID = /^0x[0-9a-f]{64}$/;

/** Parses a deployment file's text; errors name the file and the field. */
export function parseDeployment(text: string, file = "deployment"): Deployment {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InvalidInputError(file, `is not JSON (${(e as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new InvalidInputError(file, "must be a JSON object");
  const d = raw as Record<string, unknown>;
  const want = (k: keyof Deployment, ok: boolean, rule: string) => {
    if (!ok) throw new InvalidInputError(`${file}: ${k}`, rule);
  };
  want("version", d.version === DEPLOYMENT_VERSION, `must be ${DEPLOYMENT_VERSION}`);
  want("rpcUrl", typeof d.rpcUrl === "string" && /^https?:\/\//.test(d.rpcUrl), "must be an http(s) URL");
  want("chainIdentifier", typeof d.chainIdentifier === "string" && d.chainIdentifier.length > 0, "must be a string");
  for (const k of ["packageId", "registryId", "adminCapId", "publisher"] as const)
    want(k, typeof d[k] === "string" && ID.test(d[k] as string), "must be a full 0x id (64 hex digits)");
  want(
    "registryInitialSharedVersion",
    typeof d.registryInitialSharedVersion === "string" && /^\d+$/.test(d.registryInitialSharedVersion),
    "must be a decimal string",
  );
  want("digest", typeof d.digest === "string" && d.digest.length > 0, "must be a transaction digest");
  want("deployedAt", typeof d.deployedAt === "string", "must be an ISO 8601 time");
  return d as unknown as Deployment;
}

export function renderDeployment(d: Deployment): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}

/** The `AtomaClient` configuration of a deployment. */
export function deploymentConfig(d: Deployment): AtomaConfig {
  return {
    packageId: d.packageId,
    registryId: d.registryId,
    registryInitialSharedVersion: d.registryInitialSharedVersion,
  };
}
