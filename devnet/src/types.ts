/** Shared shapes of the devnet runtime and the package-binding API. */
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

/** What a package implementation sees when one of its functions is called from a PTB. */
export interface CallContext {
  /** Transaction sender (0x + 64 hex). */
  readonly sender: string;
  /** Base58 transaction digest. */
  readonly txDigest: string;
  readonly epoch: bigint;
  /** The published package id and the called module/function. */
  readonly packageId: string;
  readonly module: string;
  readonly function: string;
  /** Clock time in ms (the value 0x6 holds in this transaction). */
  timestampMs(): bigint;
  /** `n` bytes of randomness, deterministic from the devnet seed and the tx digest. */
  randomBytes(n: number): Uint8Array;
  /** The Random object's `random_bytes` for this transaction (32 bytes, fixed per tx, from seed + digest);
   *  feed it with `freshId()` to a byte-exact `sui::random::RandomGenerator`. */
  randomBeacon(): Uint8Array;
  /** A uniform integer in [lo, hi] from the same stream. */
  randomU64InRange(lo: bigint, hi: bigint): bigint;
  /** A fresh object id (blake2b256(txDigest ‖ counter), like Sui's TxContext). */
  freshId(): string;
  /** Creates a new object value `{ id: { id }, ...fields }` of a key type (e.g. `counter::Counter` or a full type). */
  newObject<T extends Record<string, unknown>>(type: string, fields: T): T & { id: { id: string } };
  /** transfer::transfer / public_transfer. `type` is needed only for values unwrapped from another object. */
  transfer(obj: { id: { id: string } }, recipient: string, type?: string): void;
  /** transfer::share_object (only for objects created in this transaction). */
  share(obj: { id: { id: string } }, type?: string): void;
  /** transfer::freeze_object. */
  freeze(obj: { id: { id: string } }, type?: string): void;
  /** object::delete of a UID (the object's value is consumed). */
  deleteObject(obj: { id: { id: string } }): void;
  /** event::emit. `type` is `module::Name` of the called package or a full type string. */
  emit(type: string, value: Record<string, unknown>): void;
  /**
   * Move abort. A number is a plain abort code from the current function. A string names a Move
   * 2024 clever error (`#[error(code = N)] const EName`): the exact u64 code and location are read
   * from the bytecode — the abort site in the current function, else the first site in `module`
   * (default: the current module), with that site's function as the location.
   */
  abort(code: number | bigint | string, module?: string): never;
  /** Coins and balances of any coin type; value is conserved (split/join only, no minting). */
  readonly coin: CoinApi;
  /** Dynamic fields (child objects `0x2::dynamic_field::Field<K, V>` owned by the parent's UID). */
  readonly dynamicField: DynamicFieldApi;
  /** Resolves `module::Name<...>` (relative to the called package) or a full type to its display string. */
  typeName(type: string): string;
}

/** Parent: an object value with a UID (or its id). Key/value types: `module::Name` or full type strings. */
export interface DynamicFieldApi {
  /** dynamic_field::add; aborts 0x2::dynamic_field code 0 when the field exists. */
  add(parent: { id: { id: string } } | string, keyType: string, key: unknown, valueType: string, value: unknown): void;
  exists(parent: { id: { id: string } } | string, keyType: string, key: unknown): boolean;
  /** dynamic_field::borrow (read only); aborts code 1 when missing. */
  read<T = unknown>(parent: { id: { id: string } } | string, keyType: string, key: unknown): T;
  /** dynamic_field::borrow_mut: mutate the returned value in place; aborts code 1 when missing. */
  borrow<T = unknown>(parent: { id: { id: string } } | string, keyType: string, key: unknown): T;
  /** dynamic_field::remove; aborts code 1 when missing. */
  remove<T = unknown>(parent: { id: { id: string } } | string, keyType: string, key: unknown): T;
}

export interface BalanceValue {
  value: bigint;
}
export interface CoinValue {
  id: { id: string };
  balance: BalanceValue;
}
export interface CoinApi {
  value(c: CoinValue | BalanceValue): bigint;
  /** coin::split: a new coin with `amount` taken from `c` (aborts 0x2::balance code 2 when short). */
  split(c: CoinValue, amount: bigint, coinType?: string): CoinValue;
  /** coin::join: `src` is destroyed. */
  join(dst: CoinValue, src: CoinValue): void;
  /** coin::into_balance: the coin object is deleted. */
  intoBalance(c: CoinValue): BalanceValue;
  /** coin::from_balance: a new coin object. */
  fromBalance(b: BalanceValue, coinType?: string): CoinValue;
  zero(): BalanceValue;
  splitBalance(b: BalanceValue, amount: bigint): BalanceValue;
  joinBalance(dst: BalanceValue, src: BalanceValue): bigint;
  /** balance::destroy_zero: aborts unless empty. */
  destroyZero(b: BalanceValue): void;
}

/**
 * A TypeScript implementation of one Move function. `args` follow the bytecode parameters
 * (a trailing `&mut TxContext`/`&TxContext` is dropped): pure values decoded from BCS
 * (u64/u128/u256 as bigint, address/ID as 0x-hex, String as string, vector<u8> as number[],
 * Option as value|null); object arguments as their struct value, which `&mut` callers mutate
 * in place. Returns one array entry per Move return value (or nothing for none).
 */
export type MoveFunctionImpl = (ctx: CallContext, args: unknown[], typeArgs: string[]) => unknown[] | undefined;

/** A package implementation bound to a published package by its set of module names. */
export interface PackageBinding {
  /** A label for logs and errors. */
  name: string;
  /** The module names of the package; a published package whose module set equals this binds here. */
  modules: string[];
  /** `"module::function"` → implementation. */
  functions: Record<string, MoveFunctionImpl>;
}
