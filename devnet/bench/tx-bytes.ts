/**
 * The bench clients' transactions without `Transaction.build`: a transaction kind is built once
 * per shape with the SDK (its builders, `build({ onlyTransactionKind: true })`), and each
 * transaction's `TransactionData` is then serialized from known inputs with @mysten/sui's own
 * `bcs` schemas — the template's object inputs swapped for this transaction's (a shared
 * object's id and initial version, an owned object's current ref), the gas coin's ref as the
 * previous effects gave it. Signatures are Ed25519 through node:crypto (OpenSSL), byte for byte
 * those of @mysten/sui's `Ed25519Keypair.signTransaction` (`test/bench-tx-bytes.test.ts`
 * compares both, and these bytes with `Transaction.build`'s).
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign as nodeSign } from "node:crypto";
import { toBase64 } from "@mysten/bcs";
import { bcs } from "@mysten/sui/bcs";
import { Transaction } from "@mysten/sui/transactions";
import { normalizeSuiAddress } from "@mysten/sui/utils";
import { blake2b256 } from "../src/blake2b.js";

type CallArg = ReturnType<typeof bcs.CallArg.parse>;
type Command = ReturnType<typeof bcs.Command.parse>;
export type Ref = { objectId: string; version: string; digest: string };

/** A programmable transaction's inputs and commands, as built once by the SDK, and their BCS. */
export interface KindTemplate {
  readonly inputs: readonly CallArg[];
  readonly commands: readonly Command[];
  /** Each input's id (objects) and BCS bytes, and the commands' BCS bytes (a vector). */
  readonly inputIds: readonly (string | undefined)[];
  readonly inputBytes: readonly Uint8Array[];
  readonly commandBytes: Uint8Array;
}

export class TemplateError extends Error {
  override readonly name = "TemplateError";
}

/** Builds `build`'s transaction kind with the SDK (every object input must be a full ref: no resolution). */
export async function kindTemplate(build: (tx: Transaction) => void): Promise<KindTemplate> {
  const tx = new Transaction();
  build(tx);
  const kind = bcs.TransactionKind.parse(await tx.build({ onlyTransactionKind: true }));
  const pt = kind.ProgrammableTransaction;
  if (!pt) throw new TemplateError(`kindTemplate: expected a ProgrammableTransaction, got ${kind.$kind}`);
  return {
    inputs: pt.inputs,
    commands: pt.commands,
    inputIds: pt.inputs.map(objectIdOf),
    inputBytes: pt.inputs.map((i) => bcs.CallArg.serialize(i).toBytes()),
    commandBytes: bcs.vector(bcs.Command).serialize(pt.commands).toBytes(),
  };
}

/** An input that replaces a template's object input (keyed by the template's object id in `transactionBytes`). */
export const sharedInput = (objectId: string, initialSharedVersion: string | number, mutable: boolean): CallArg =>
  ({ Object: { SharedObject: { objectId, initialSharedVersion: String(initialSharedVersion), mutable } } }) as CallArg;
export const ownedInput = (ref: Ref): CallArg => ({ Object: { ImmOrOwnedObject: ref } }) as CallArg;

function objectIdOf(i: CallArg): string | undefined {
  const o = i.Object;
  if (!o) return undefined;
  return (o.SharedObject ?? o.ImmOrOwnedObject ?? o.Receiving)?.objectId;
}

export interface GasInput {
  sender: string;
  payment: Ref[];
  price: bigint | number;
  budget: bigint | number;
}

/** BCS of a replacing input: a shared input (same object, reused across transactions) is serialized once. */
const inputBcs = new WeakMap<CallArg, Uint8Array>();
function callArgBytes(i: CallArg): Uint8Array {
  let b = inputBcs.get(i);
  if (!b) {
    b = bcs.CallArg.serialize(i).toBytes();
    if (i.Object?.SharedObject) inputBcs.set(i, b);
  }
  return b;
}
const addressBcs = new Map<string, Uint8Array>();
function addressBytes(a: string): Uint8Array {
  let b = addressBcs.get(a);
  if (!b) {
    b = bcs.Address.serialize(a).toBytes();
    addressBcs.set(a, b);
  }
  return b;
}
const ULEB = bcs.uleb128();
const U64 = bcs.u64();
const PAYMENT = bcs.vector(bcs.SuiObjectRef);
const uleb = (n: number): Uint8Array => ULEB.serialize(n).toBytes();
/** `TransactionData::V1`, `TransactionKind::ProgrammableTransaction`. */
const V1_PROGRAMMABLE = new Uint8Array([0, 0]);
/** `TransactionExpiration::None`. */
const NO_EXPIRATION = new Uint8Array([0]);

/**
 * `TransactionData` V1 bytes of `template` with each object input whose id is a key of `replace`
 * swapped for that value (the template's ids as @mysten/sui normalizes them) and `gas`: the BCS of
 * the template's other inputs and of its commands as serialized once, this transaction's parts
 * with the same schemas (`CallArg`, `Address`, `SuiObjectRef`, `u64`).
 */
export function transactionBytes(
  template: KindTemplate,
  replace: Readonly<Record<string, CallArg>>,
  gas: GasInput,
): Uint8Array {
  const parts: Uint8Array[] = [V1_PROGRAMMABLE, uleb(template.inputBytes.length)];
  for (let k = 0; k < template.inputBytes.length; k++) {
    const id = template.inputIds[k];
    const r = id !== undefined ? replace[id] : undefined;
    parts.push(r ? callArgBytes(r) : template.inputBytes[k]!);
  }
  const sender = addressBytes(gas.sender);
  parts.push(
    template.commandBytes,
    sender,
    PAYMENT.serialize(gas.payment).toBytes(),
    sender,
    U64.serialize(gas.price).toBytes(),
    U64.serialize(gas.budget).toBytes(),
    NO_EXPIRATION,
  );
  return Buffer.concat(parts);
}

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const INTENT_TRANSACTION_DATA = new Uint8Array([0, 0, 0]);

/** Ed25519 transaction signer on node:crypto: Sui's `flag ‖ signature ‖ public key`, base64. */
export class Ed25519Signer {
  readonly publicKey: Uint8Array;
  readonly address: string;
  private readonly key: KeyObject;
  private readonly serialized = new Uint8Array(97);

  /** `secretKey`: the 32-byte Ed25519 seed (what `decodeSuiPrivateKey(...).secretKey` gives). */
  constructor(secretKey: Uint8Array) {
    if (secretKey.length !== 32)
      throw new TemplateError(`Ed25519Signer: the secret key must be 32 bytes, got ${secretKey.length}`);
    this.key = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, secretKey]),
      format: "der",
      type: "pkcs8",
    });
    const spki = createPublicKey(this.key).export({ format: "der", type: "spki" });
    this.publicKey = new Uint8Array(spki.subarray(spki.length - 32));
    this.address = normalizeSuiAddress(Buffer.from(blake2b256(new Uint8Array([0]), this.publicKey)).toString("hex"));
    this.serialized.set(this.publicKey, 65);
  }

  /** The transaction signature of `txBytes` (intent TransactionData, blake2b-256 digest), base64. */
  signTransaction(txBytes: Uint8Array): string {
    const digest = blake2b256(INTENT_TRANSACTION_DATA, txBytes);
    this.serialized.set(nodeSign(null, digest, this.key), 1);
    return toBase64(this.serialized);
  }
}
