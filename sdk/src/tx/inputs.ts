/**
 * Argument helpers shared by the builders: object inputs that work offline (explicit refs)
 * and online (plain ids resolved by the client), typed pure values.
 */
import type { Transaction, TransactionObjectArgument } from "@mysten/sui/transactions";
import { isValidSuiAddress, normalizeSuiAddress } from "@mysten/sui/utils";
import { InvalidInputError } from "../errors.js";

/** A shared object: its id (resolved online) or its full ref (offline). */
export type SharedInput = string | SharedObjectRef | TransactionObjectArgument;
export interface SharedObjectRef {
  objectId: string;
  initialSharedVersion: number | string;
}
/** An owned object (cap, coin): its id (online), its ref (offline) or a PTB result. */
export type OwnedInput = string | OwnedObjectRef | TransactionObjectArgument;
export interface OwnedObjectRef {
  objectId: string;
  version: number | string;
  digest: string;
}
export type U64Input = number | bigint | string;

export interface PackageTarget {
  /** The `atoma` package id (the one whose version matches the registry's). */
  packageId: string;
}

function isArg(x: object): x is TransactionObjectArgument {
  return "$kind" in x || typeof x === "function";
}

export function sharedArg(
  tx: Transaction,
  input: SharedInput,
  mutable: boolean,
  field: string,
): TransactionObjectArgument {
  if (typeof input === "string") return tx.object(checkId(input, field));
  if (typeof input === "object" && input !== null && "initialSharedVersion" in input) {
    return tx.sharedObjectRef({
      objectId: checkId(input.objectId, `${field}.objectId`),
      initialSharedVersion: input.initialSharedVersion,
      mutable,
    });
  }
  if (input && (typeof input === "object" || typeof input === "function") && isArg(input as object))
    return input as TransactionObjectArgument;
  throw new InvalidInputError(
    field,
    "must be an object id, {objectId, initialSharedVersion} or a transaction argument",
  );
}

export function ownedArg(tx: Transaction, input: OwnedInput, field: string): TransactionObjectArgument {
  if (typeof input === "string") return tx.object(checkId(input, field));
  if (typeof input === "object" && input !== null && "digest" in input && "version" in input) {
    return tx.objectRef({
      objectId: checkId(input.objectId, `${field}.objectId`),
      version: input.version,
      digest: input.digest,
    });
  }
  if (input && (typeof input === "object" || typeof input === "function") && isArg(input as object))
    return input as TransactionObjectArgument;
  throw new InvalidInputError(field, "must be an object id, {objectId, version, digest} or a transaction argument");
}

export function checkId(id: string, field: string): string {
  if (typeof id !== "string" || !isValidSuiAddress(normalizeSuiAddress(id)) || !/^0x[0-9a-fA-F]{1,64}$/.test(id)) {
    throw new InvalidInputError(field, "must be a 0x-prefixed hex object id or address");
  }
  return normalizeSuiAddress(id);
}

export function u64(tx: Transaction, v: U64Input, field: string) {
  let b: bigint;
  try {
    b = BigInt(v);
  } catch {
    throw new InvalidInputError(field, "must be an integer");
  }
  if (b < 0n || b >= 1n << 64n) throw new InvalidInputError(field, "must be a u64 (0..2^64-1)");
  return tx.pure.u64(b);
}

export function u8(tx: Transaction, v: number, field: string) {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new InvalidInputError(field, "must be a u8 (0..255)");
  return tx.pure.u8(v);
}

export function bytesArg(tx: Transaction, v: Uint8Array, field: string, len?: number) {
  if (!(v instanceof Uint8Array)) throw new InvalidInputError(field, "must be a Uint8Array");
  if (len !== undefined && v.length !== len)
    throw new InvalidInputError(field, `must be ${len} bytes, got ${v.length}`);
  return tx.pure.vector("u8", v);
}

export function bytesVecArg(tx: Transaction, v: Uint8Array[], field: string) {
  if (!Array.isArray(v)) throw new InvalidInputError(field, "must be an array of Uint8Array");
  v.forEach((b, i) => {
    if (!(b instanceof Uint8Array)) throw new InvalidInputError(`${field}[${i}]`, "must be a Uint8Array");
  });
  return tx.pure.vector(
    "vector<u8>",
    v.map((b) => Array.from(b)),
  );
}

export function idArg(tx: Transaction, id: string, field: string) {
  return tx.pure.id(checkId(id, field));
}

/** The Clock (0x6), immutable: always offline-resolvable. */
export function clockArg(tx: Transaction) {
  return tx.object.clock();
}

/**
 * The Random object (0x8), immutable. Its initial shared version differs per network; give it
 * to build offline, else the client resolves it.
 */
export function randomArg(tx: Transaction, randomInitialSharedVersion?: number | string) {
  if (randomInitialSharedVersion === undefined) return tx.object.random();
  return tx.sharedObjectRef({ objectId: "0x8", initialSharedVersion: randomInitialSharedVersion, mutable: false });
}

/** The checked package id of a call (the generated builders in `generated/atoma/functions.ts` take it). */
export function packageOf(pkg: PackageTarget): string {
  return checkId(pkg.packageId, "packageId");
}
