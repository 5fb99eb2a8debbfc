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
  /**
   * What execution had in hand when it made the record: readers (gRPC) convert these instead of
   * decoding the record's BCS back. Not enumerable (never journaled nor answered); absent on
   * records replayed from a journal and on system transactions, which are read from their BCS.
   */
  readonly kept?: TxKept;
}

/** The values a transaction's record was made from (see `TxRecord.kept`). */
export interface TxKept {
  /** The signed `TransactionData` bytes (absent for dry runs and dev-inspects). */
  txBytes?: Uint8Array;
  /** The signatures, base64, as sent. */
  signatures: readonly string[];
  /** The effects as `bcs.TransactionEffects` serializes them (`{ V2: … }`). */
  effects: { V2: EffectsV2Value };
}

/** `TransactionEffectsV2` in the shape the devnet builds it (the BCS schema's input). */
export interface EffectsV2Value {
  status: { Success: true } | { Failure: unknown };
  executedEpoch: string;
  gasUsed: { computationCost: string; storageCost: string; storageRebate: string; nonRefundableStorageFee: string };
  transactionDigest: string;
  gasObjectIndex: number | null;
  eventsDigest: string | null;
  dependencies: string[];
  lamportVersion: string;
  changedObjects: [string, EffectsChangeValue][];
  unchangedConsensusObjects: [string, Record<string, unknown>][];
  auxDataDigest: null;
}
/** An owner as `bcs.Owner` serializes it. */
export type OwnerValue =
  | { AddressOwner: string }
  | { ObjectOwner: string }
  | { Shared: { initialSharedVersion: string } }
  | { Immutable: true };
export interface EffectsChangeValue {
  inputState: { Exist: [[string, string], OwnerValue] } | { NotExist: true };
  outputState: { ObjectWrite: [string, OwnerValue] } | { PackageWrite: [string, string] } | { NotExist: true };
  idOperation: { None: true } | { Created: true } | { Deleted: true };
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
