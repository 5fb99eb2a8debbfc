/** The runtime's records (transactions, events, write sets) and one transaction's working set. */
import type { MoveType } from "../bytecode.js";
import type { MoveAbortError } from "../errors.js";
import type { Owner, StoredObject } from "../types.js";

export interface GasConfig {
  referenceGasPrice: bigint;
  /** Storage price per byte of written objects, in MIST. */
  storagePerByte: bigint;
}

export interface TxRecord {
  digest: string;
  rawTransaction: string;
  transaction: unknown;
  effects: Record<string, unknown>;
  rawEffects: number[];
  events: EventRecord[];
  objectChanges: unknown[];
  balanceChanges: unknown[];
  timestampMs: string;
  checkpoint: string | null;
  sender: string;
}
export interface EventRecord {
  id: { txDigest: string; eventSeq: string };
  packageId: string;
  transactionModule: string;
  sender: string;
  type: string;
  parsedJson: unknown;
  bcsEncoding: "base64";
  bcs: string;
  timestampMs: string;
}

/** What one commit changes in the store; the journal persists exactly this. */
export interface WriteSet {
  written: StoredObject[];
  deleted: string[];
  tx: TxRecord;
}

export type Slot = {
  type: MoveType;
  value: unknown;
  /** For key objects: their id in the working set. */
  objectId?: string;
  /** An input object or the gas coin (borrowable); results are values. */
  input?: boolean;
  mutableInput?: boolean;
  pure?: Uint8Array;
  moved?: boolean;
};

type WorkingState = "store" | "inflight" | "transferred" | "shared" | "frozen" | "deleted" | "wrapped";
export interface Working {
  id: string;
  orig?: StoredObject;
  type: MoveType;
  value: unknown;
  owner: Owner;
  state: WorkingState;
  mutated: boolean;
  /** Loaded as an immutable shared input (read only). */
  readOnly?: boolean;
}

export interface ParsedTx {
  kind: { ProgrammableTransaction?: { inputs: CallArgT[]; commands: CommandT[] } } & Record<string, unknown>;
  sender: string;
  gasData: {
    payment: { objectId: string; version: string; digest: string }[];
    owner: string;
    price: string;
    budget: string;
  };
  expiration: Record<string, unknown>;
}
export type CallArgT = {
  Pure?: { bytes: string };
  Object?: {
    ImmOrOwnedObject?: { objectId: string; version: string; digest: string };
    SharedObject?: { objectId: string; initialSharedVersion: string; mutable: boolean };
    Receiving?: { objectId: string; version: string; digest: string };
  };
  FundsWithdrawal?: unknown;
};
export type ArgT = { GasCoin?: true; Input?: number; Result?: number; NestedResult?: [number, number] };
export type CommandT = {
  MoveCall?: { package: string; module: string; function: string; typeArguments: string[]; arguments: ArgT[] };
  TransferObjects?: { objects: ArgT[]; address: ArgT };
  SplitCoins?: { coin: ArgT; amounts: ArgT[] };
  MergeCoins?: { destination: ArgT; sources: ArgT[] };
  Publish?: { modules: string[]; dependencies: string[] };
  MakeMoveVec?: { type: string | null; elements: ArgT[] };
  Upgrade?: unknown;
};

export type ExecMode = "execute" | "dryRun" | "devInspect";

export interface ExecOutcome {
  record: TxRecord;
  writeSet?: WriteSet;
  /** devInspect: per command, return values as [bytes, type]. */
  results?: { returnValues: [number[], string][]; mutableReferenceOutputs: unknown[] }[];
}

export interface RuntimeOptions {
  seed?: string;
  gas?: Partial<GasConfig>;
  /** Clock source; defaults to wall time. */
  now?: () => bigint;
  /** Test-only roots (DER) the Nitro attestation native accepts besides the AWS root. */
  nitroTestRoots?: readonly Uint8Array[];
}

/** What the commands of a transaction gave: the failure (if any) and, per command, its return values. */
export interface CmdOutcome {
  failure?: { status: Record<string, unknown>; text: string; abort?: MoveAbortError; command: number };
  results: { returnValues: [number[], string][]; mutableReferenceOutputs: unknown[] }[];
}
