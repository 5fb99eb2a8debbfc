/** Executor plugin interface (issue 7): each executor declares capability ids and a determinism manifest. */

export interface DeterminismManifest {
  /** Digest of the model / module that produced the output (hex). */
  modelDigest: string;
  engineVersion: string;
  /** e.g. "any" for integer-only builtins, "nvidia-h100" for a GPU backend. */
  hardwareClass: string;
  seed: number;
  dtype: string;
}

export interface CapabilityInfo {
  id: string;
  description: string;
  manifest: DeterminismManifest;
}

export type CanServe = { ok: true } | { ok: false; reason: string };

export interface ExecParams {
  maxTokens?: number;
  fuel?: bigint;
}

export interface ExecTask {
  capability: Uint8Array | string;
  input: Uint8Array;
  params: ExecParams;
}

export type ExecStatus = "ok" | "out_of_fuel" | "trap" | "error" | "timeout";

export interface ExecResult {
  status: ExecStatus;
  /** Canonical output bytes (what gets hashed and committed). */
  output: Uint8Array;
  fuelUsed?: bigint;
  /** Human-readable reason for non-ok statuses. */
  message?: string;
}

export interface Executor {
  readonly id: string;
  capabilities(): CapabilityInfo[];
  canServe(capability: Uint8Array | string): CanServe;
  execute(task: ExecTask, signal?: AbortSignal): Promise<ExecResult>;
}

export class ExecutorError extends Error {
  override name = "ExecutorError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function capabilityString(c: Uint8Array | string): string {
  return typeof c === "string" ? c : new TextDecoder().decode(c);
}

/** Canonical JSON: object keys sorted, no whitespace; only finite numbers allowed. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new ExecutorError("BAD_JSON", "canonicalJson: non-finite number");
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  throw new ExecutorError("BAD_JSON", `canonicalJson: unsupported type ${typeof v}`);
}

export function canonicalJsonBytes(v: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(v));
}

/** Maps capability id → executor; refuses capabilities whose executor says it cannot serve them. */
export class ExecutorRegistry {
  private readonly executors: Executor[] = [];

  register(e: Executor): this {
    this.executors.push(e);
    return this;
  }

  list(): CapabilityInfo[] {
    return this.executors.flatMap((e) => e.capabilities());
  }

  resolve(capability: Uint8Array | string): Executor {
    const reasons: string[] = [];
    for (const e of this.executors) {
      const r = e.canServe(capability);
      if (r.ok) return e;
      reasons.push(`${e.id}: ${r.reason}`);
    }
    throw new ExecutorError(
      "UNKNOWN_CAPABILITY",
      `capability ${JSON.stringify(capabilityString(capability))} is not served (${reasons.join("; ") || "no executors"})`,
    );
  }

  async execute(task: ExecTask, signal?: AbortSignal): Promise<ExecResult> {
    return this.resolve(task.capability).execute(task, signal);
  }
}
