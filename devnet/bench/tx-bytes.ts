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
import { fromBase58, toBase58 } from "@mysten/bcs";
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

/**
 * The enum tags that start an owned object input (`CallArg::Object`, `ObjectArg::ImmOrOwnedObject`)
 * and the layout of a `SuiObjectRef`, as @mysten/sui's schema writes them (read off once here):
 * id (32 bytes), version (u64), digest (`vector<u8>`: length 32, then the bytes).
 */
const PROBE_REF: Ref = { objectId: "0x1", version: "1", digest: toBase58(new Uint8Array(32)) };
const OWNED_TAG = bcs.CallArg.serialize({ Object: { ImmOrOwnedObject: PROBE_REF } })
  .toBytes()
  .slice(0, 2);
const REF_SIZE = bcs.SuiObjectRef.serialize(PROBE_REF).toBytes().length;
const DIGEST_LENGTH = 32;
if (REF_SIZE !== 32 + 8 + 1 + DIGEST_LENGTH)
  throw new TemplateError(`tx-bytes: SuiObjectRef serializes to ${REF_SIZE} bytes, expected 73`);

/** Serialized once per value: addresses/ids (`bcs.Address`) and shared inputs (`bcs.CallArg`), which repeat across transactions. */
const addressBcs = new Map<string, Uint8Array>();
function addressBytes(a: string): Uint8Array {
  let b = addressBcs.get(a);
  if (!b) {
    b = bcs.Address.serialize(a).toBytes();
    addressBcs.set(a, b);
  }
  return b;
}
const sharedBcs = new Map<string, Uint8Array>();
function sharedBytes(i: CallArg, o: NonNullable<NonNullable<CallArg["Object"]>["SharedObject"]>): Uint8Array {
  const key = `${o.objectId}/${o.initialSharedVersion}/${o.mutable}`;
  let b = sharedBcs.get(key);
  if (!b) {
    b = bcs.CallArg.serialize(i).toBytes();
    sharedBcs.set(key, b);
  }
  return b;
}
const MAX_U64 = (1n << 64n) - 1n;
/** A `SuiObjectRef`'s 73 bytes at `out[at]`: the id as `bcs.Address` gave it, the version, the base58 digest decoded. */
function writeRef(out: Buffer, at: number, r: Ref): void {
  out.set(addressBytes(r.objectId), at);
  let version: bigint;
  try {
    version = BigInt(r.version);
  } catch {
    throw new TemplateError(`tx-bytes: object ${r.objectId} has version ${JSON.stringify(r.version)}, not a u64`);
  }
  if (version < 0n || version > MAX_U64)
    throw new TemplateError(`tx-bytes: object ${r.objectId} has version ${r.version}, outside u64`);
  out.writeBigUInt64LE(version, at + 32);
  const digest = fromBase58(r.digest);
  if (digest.length !== DIGEST_LENGTH)
    throw new TemplateError(
      `tx-bytes: object ${r.objectId} has a digest of ${digest.length} bytes, expected ${DIGEST_LENGTH}`,
    );
  out[at + 40] = DIGEST_LENGTH;
  out.set(digest, at + 41);
}
/** One input's bytes: shared inputs once per value, owned refs written directly, anything else through `bcs.CallArg`. */
function callArgBytes(i: CallArg): Uint8Array {
  const o = i.Object;
  if (o?.SharedObject) return sharedBytes(i, o.SharedObject);
  if (o?.ImmOrOwnedObject) {
    const b = Buffer.allocUnsafe(2 + REF_SIZE);
    b.set(OWNED_TAG, 0);
    writeRef(b, 2, o.ImmOrOwnedObject);
    return b;
  }
  return bcs.CallArg.serialize(i).toBytes();
}
const ULEB = bcs.uleb128();
/** uleb128 lengths (inputs, gas coins), the schema's bytes kept per value. */
const ulebBcs = new Map<number, Uint8Array>();
function uleb(n: number): Uint8Array {
  let b = ulebBcs.get(n);
  if (!b) {
    b = ULEB.serialize(n).toBytes();
    ulebBcs.set(n, b);
  }
  return b;
}
/** The gas data after the payment and the expiration: owner (the sender), price, budget, `TransactionExpiration::None`. */
const gasTails = new Map<string, Uint8Array>();
function gasTail(gas: GasInput): Uint8Array {
  const key = `${gas.sender}/${gas.price}/${gas.budget}`;
  let b = gasTails.get(key);
  if (!b) {
    b = Buffer.concat([
      addressBytes(gas.sender),
      bcs.u64().serialize(gas.price).toBytes(),
      bcs.u64().serialize(gas.budget).toBytes(),
      NO_EXPIRATION,
    ]);
    gasTails.set(key, b);
  }
  return b;
}
/** `TransactionData::V1`, `TransactionKind::ProgrammableTransaction`. */
const V1_PROGRAMMABLE = new Uint8Array([0, 0]);
/** `TransactionExpiration::None`. */
const NO_EXPIRATION = new Uint8Array([0]);

/**
 * `TransactionData` V1 bytes of `template` with each object input whose id is a key of `replace`
 * swapped for that value (the template's ids as @mysten/sui normalizes them) and `gas`: the BCS of
 * the template's other inputs and of its commands as serialized once, a shared input once per
 * value (`bcs.CallArg`), an owned input's and the gas coins' refs written in `SuiObjectRef`'s
 * layout, the sender and the gas data after the payment once per sender, price and budget.
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
  const payment = Buffer.allocUnsafe(gas.payment.length * REF_SIZE);
  for (let k = 0; k < gas.payment.length; k++) writeRef(payment, k * REF_SIZE, gas.payment[k]!);
  parts.push(template.commandBytes, addressBytes(gas.sender), uleb(gas.payment.length), payment, gasTail(gas));
  return Buffer.concat(parts);
}

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const INTENT_TRANSACTION_DATA = new Uint8Array([0, 0, 0]);

/** Ed25519 transaction signer on node:crypto: Sui's `flag ‖ signature ‖ public key`, base64. */
export class Ed25519Signer {
  readonly publicKey: Uint8Array;
  readonly address: string;
  private readonly key: KeyObject;
  private readonly serialized = Buffer.alloc(97);

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
    return this.serialized.toString("base64");
  }
}
