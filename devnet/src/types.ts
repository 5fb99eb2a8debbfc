/** Shared shapes of the devnet runtime. */
import type { LoadedModule, MoveType, MoveValue } from "./bytecode.js";

/** Object owner in Sui's JSON form. */
export type Owner =
  | { AddressOwner: string }
  | { ObjectOwner: string }
  | { Shared: { initial_shared_version: string } }
  | "Immutable";

export interface StoredObject {
  id: string;
  version: bigint;
  digest: string;
  owner: Owner;
  /** Move type of a Move object; undefined for a package. */
  type?: MoveType;
  value?: MoveValue;
  bcs?: Uint8Array;
  hasPublicTransfer: boolean;
  previousTransaction: string;
  storageRebate: bigint;
  /** For a package: module name → relocated bytecode. */
  modules?: Map<string, LoadedModule>;
}

export interface BalanceValue {
  value: bigint;
}
export interface CoinValue {
  id: { id: string };
  balance: BalanceValue;
}
