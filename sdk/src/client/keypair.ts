/**
 * An `Ed25519Keypair` for a key that signs many transactions (a node's daemon): the signing key
 * is prepared once (`ed25519Signer`: node:crypto / OpenSSL where Node has it, about 20× faster
 * than @mysten/sui's pure-JS signing, which also recomputes the public key for every signature;
 * @noble elsewhere), and the public key and Sui address are computed once instead of for every
 * `toSuiAddress()` / `signTransaction()`. Ed25519 is deterministic: the signatures are the ones
 * `Ed25519Keypair` makes, byte for byte (sdk/test/client/keypair.test.ts), so a transaction and
 * its serialized signature do not change. Everything else (`signTransaction`, the executors, the
 * secret key's export) is @mysten/sui's own.
 */
import { Ed25519Keypair, type Ed25519PublicKey } from "@mysten/sui/keypairs/ed25519";
import { ed25519GetPublicKey, ed25519Signer } from "../crypto/primitives.js";
import { ensureBytes } from "../errors.js";

export class PreparedEd25519Keypair extends Ed25519Keypair {
  readonly #sign: (message: Uint8Array) => Uint8Array;
  readonly #publicKey: Ed25519PublicKey;
  readonly #address: string;

  /** From the 32-byte secret seed (what `Ed25519Keypair.fromSecretKey` takes as bytes). */
  static fromSeed(seed: Uint8Array): PreparedEd25519Keypair {
    ensureBytes(seed, "secretKey", 32);
    return new PreparedEd25519Keypair(seed.slice());
  }

  private constructor(seed: Uint8Array) {
    super({ publicKey: ed25519GetPublicKey(seed), secretKey: seed });
    this.#sign = ed25519Signer(seed);
    this.#publicKey = super.getPublicKey();
    this.#address = this.#publicKey.toSuiAddress();
  }

  override getPublicKey(): Ed25519PublicKey {
    return this.#publicKey;
  }

  override toSuiAddress(): string {
    return this.#address;
  }

  override async sign(data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    return this.#sign(data) as Uint8Array<ArrayBuffer>;
  }
}
