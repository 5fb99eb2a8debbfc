/**
 * Test prerequisites that live outside the repository: the Sui framework sources (to compile
 * Move), the genuine attestation vectors (../shared/vectors) and a PostgreSQL server.
 *
 * The rule: on a user's machine a missing prerequisite skips the tests that need it, with a
 * banner saying what was not run and how to enable it; under `CI=true` nothing may skip, so a
 * missing prerequisite throws `MissingPrerequisiteError` naming it (the test file fails).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type FrameworkSource, locateFramework } from "@atoma/move";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The genuine attestation evidence (never copied into the repository): `$ATOMA_VECTORS_DIR`, else ../shared/vectors/attestation. */
export const VECTORS_DIR = process.env.ATOMA_VECTORS_DIR
  ? path.resolve(process.env.ATOMA_VECTORS_DIR)
  : path.resolve(repoRoot, "../shared/vectors/attestation");

export type PrerequisiteName = "Sui framework sources" | "attestation vectors" | "PostgreSQL";

/** How to provide each prerequisite. */
export const ENABLE: Record<PrerequisiteName, string> = {
  "Sui framework sources":
    "fill ~/.cache/atoma/sui-framework (move-stdlib/ and sui-framework/) as docs/development.md says, or set SUI_FRAMEWORK_DIR",
  "attestation vectors": `provide the genuine evidence folder (tdx/, sev-snp/) at ../shared/vectors/attestation beside the repository, or point ATOMA_VECTORS_DIR at it`,
  PostgreSQL:
    "install the postgresql package (the test setup runs a throwaway cluster from /usr/lib/postgresql/*/bin) or set DATABASE_URL to a reachable server",
};

export class MissingPrerequisiteError extends Error {
  override name = "MissingPrerequisiteError";
  constructor(
    readonly prerequisite: PrerequisiteName,
    readonly detail: string,
    readonly notRun: string,
  ) {
    super(
      `CI=true and a prerequisite is missing: ${prerequisite} (${detail}); ${notRun} cannot run, and nothing may skip under CI. To fix: ${ENABLE[prerequisite]}.`,
    );
  }
}

/** True when the run is a CI run (`CI=true` or `CI=1`): prerequisites are then mandatory. */
export function underCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === "true" || env.CI === "1";
}

/**
 * Decides whether tests that need `prerequisite` run. Returns true when it is available; when it
 * is not, prints a SKIPPED banner and returns false, or under CI throws MissingPrerequisiteError.
 * `detail` says what is missing; `notRun` names the tests that need it.
 */
export function requirePrerequisite(
  prerequisite: PrerequisiteName,
  available: boolean,
  detail: string,
  notRun: string,
): boolean {
  if (available) return true;
  if (underCI()) throw new MissingPrerequisiteError(prerequisite, detail, notRun);
  const bar = "=".repeat(78);
  console.warn(
    `\n${bar}\nSKIPPED: ${notRun} (${prerequisite} unavailable: ${detail}).\nTo run them: ${ENABLE[prerequisite]}.\n${bar}`,
  );
  return false;
}

/** True when the genuine attestation vectors are present. */
export function haveAttestationVectors(): boolean {
  return existsSync(path.join(VECTORS_DIR, "tdx/tdx_prod_quote_SPR_E4.dat"));
}

/** `requirePrerequisite` for the attestation vectors. */
export function requireVectors(notRun: string): boolean {
  return requirePrerequisite("attestation vectors", haveAttestationVectors(), `no ${VECTORS_DIR}`, notRun);
}

/** `requirePrerequisite` for PostgreSQL, given the setup's `databaseUnavailable` reason ("" when available). */
export function requirePostgres(unavailable: string, notRun: string): boolean {
  return requirePrerequisite("PostgreSQL", !unavailable, unavailable, notRun);
}

/**
 * `requirePrerequisite` for the Sui framework sources (only tests that compile Move need them:
 * the committed bytecode in move/build/ serves everything else). Returns the source, or
 * undefined when the tests are to be skipped.
 */
export async function requireFramework(
  notRun: string,
): Promise<Exclude<FrameworkSource, { kind: "none" }> | undefined> {
  const source = await locateFramework();
  if (source.kind !== "none") return source;
  requirePrerequisite("Sui framework sources", false, source.fix, notRun);
  return undefined;
}
