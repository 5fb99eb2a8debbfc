/**
 * Attestation providers for the node-runner: TDX and SEV-SNP evidence through Linux
 * configfs-tsm (`/sys/kernel/config/tsm/report/<entry>`), and an explicit insecure provider
 * that yields TEE kind None for development.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { AttestationError, InvalidInputError, TeeKind } from "@atoma/sdk";
import type { TeeKindInput } from "./verifier-service.js";

export interface Evidence {
  teeKind: TeeKindInput;
  /** TDX: the quote; SEV-SNP: the 1184-byte report; none: empty. */
  evidence: Uint8Array;
  /** SEV-SNP: the certificate table from the host, when the kernel provides one. */
  auxblob?: Uint8Array;
  /** Provider name reported by configfs-tsm (`tdx_guest`, `sev_guest`) or `insecure-no-tee`. */
  provider: string;
  teeKindCode: number;
}

export interface AttestationProvider {
  readonly name: string;
  /** Produces evidence whose report data is `reportData` (64 bytes). */
  getEvidence(reportData: Uint8Array): Promise<Evidence>;
}

export const CONFIGFS_TSM_ROOT = "/sys/kernel/config/tsm/report";

export interface ConfigfsTsmOptions {
  /** configfs-tsm report directory (default /sys/kernel/config/tsm/report). */
  root?: string;
  /** Refuse evidence from another provider. */
  expect?: "tdx" | "sev-snp";
  /** How long to wait for outblob to appear (real configfs has it at once). */
  timeoutMs?: number;
}

const PROVIDERS: Record<string, "tdx" | "sev-snp"> = { tdx_guest: "tdx", sev_guest: "sev-snp" };

async function readUntil(p: string, deadline: number): Promise<Uint8Array> {
  for (;;) {
    try {
      const b = new Uint8Array(await readFile(p));
      if (b.length > 0) return b;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    if (Date.now() > deadline) throw new AttestationError("parse", `configfs-tsm: ${p} did not appear`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Where the report data sits in the raw evidence, to check the TEE echoed what we asked. */
function reportDataOf(kind: "tdx" | "sev-snp", ev: Uint8Array): Uint8Array | undefined {
  if (kind === "sev-snp") return ev.length >= 0x90 ? ev.subarray(0x50, 0x90) : undefined;
  const version = (ev[0] ?? 0) | ((ev[1] ?? 0) << 8);
  const bodyStart = version === 5 ? 48 + 6 : 48;
  const at = bodyStart + 520;
  return ev.length >= at + 64 ? ev.subarray(at, at + 64) : undefined;
}

export function configfsTsmProvider(opts: ConfigfsTsmOptions = {}): AttestationProvider {
  const root = opts.root ?? CONFIGFS_TSM_ROOT;
  return {
    name: "configfs-tsm",
    async getEvidence(reportData) {
      if (!(reportData instanceof Uint8Array) || reportData.length !== 64) {
        throw new InvalidInputError("reportData", "must be 64 bytes");
      }
      const entry = path.join(root, `atoma-${process.pid}-${randomBytes(6).toString("hex")}`);
      await mkdir(entry);
      try {
        await writeFile(path.join(entry, "inblob"), reportData);
        const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
        const outblob = await readUntil(path.join(entry, "outblob"), deadline);
        const provider = new TextDecoder().decode(await readUntil(path.join(entry, "provider"), deadline)).trim();
        const kind = PROVIDERS[provider];
        if (!kind) throw new AttestationError("parse", `configfs-tsm: unknown provider ${JSON.stringify(provider)}`);
        if (opts.expect && opts.expect !== kind) {
          throw new AttestationError("parse", `configfs-tsm: provider ${provider} is not ${opts.expect}`);
        }
        const rd = reportDataOf(kind, outblob);
        if (!rd || !Buffer.from(rd).equals(Buffer.from(reportData))) {
          throw new AttestationError("binding", "configfs-tsm: the evidence does not carry the requested report data");
        }
        let auxblob: Uint8Array | undefined;
        try {
          const a = new Uint8Array(await readFile(path.join(entry, "auxblob")));
          if (a.length > 0) auxblob = a;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        }
        return {
          teeKind: kind,
          teeKindCode: kind === "tdx" ? TeeKind.Tdx : TeeKind.SevSnp,
          evidence: outblob,
          provider,
          ...(auxblob ? { auxblob } : {}),
        };
      } finally {
        // configfs removes an entry with rmdir (its attribute files go with it); a plain
        // directory mimicking the layout (tests) needs a recursive removal instead.
        await rmdir(entry).catch(async (e: NodeJS.ErrnoException) => {
          if (e.code === "ENOTEMPTY") await rm(entry, { recursive: true, force: true });
        });
      }
    },
  };
}

/** Development only: no TEE. Verdicts record TEE kind None; never sampled for confidential requests. */
export function insecureNoTeeProvider(): AttestationProvider {
  return {
    name: "insecure-no-tee",
    async getEvidence(reportData) {
      if (!(reportData instanceof Uint8Array) || reportData.length !== 64) {
        throw new InvalidInputError("reportData", "must be 64 bytes");
      }
      return { teeKind: "none", teeKindCode: TeeKind.None, evidence: new Uint8Array(0), provider: "insecure-no-tee" };
    },
  };
}

/**
 * The 64-byte report data a node asks its TEE for: blake2b256(sigPk || encPk) then zeros.
 * (With an ML-KEM key, use the SDK's `reportDataFor(sigPk, encPk, mlkemPk)`: bytes 32..64 =
 * mlkemKeyHash(mlkemPk).)
 */
export function nodeReportData(bindingHash: Uint8Array): Uint8Array {
  if (!(bindingHash instanceof Uint8Array) || bindingHash.length !== 32) {
    throw new InvalidInputError("bindingHash", "must be 32 bytes");
  }
  const rd = new Uint8Array(64);
  rd.set(bindingHash);
  return rd;
}
