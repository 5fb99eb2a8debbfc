/**
 * PreparedEd25519Keypair (src/client/keypair.ts) = @mysten/sui's Ed25519Keypair: the same public
 * key, address, secret key export, raw signatures and serialized transaction / personal-message
 * signatures on the same bytes (random seeds, a transaction built offline, RFC 8032's known
 * answer), so a transaction signed by a node does not change by a byte.
 */

import { Ed25519Keypair, Ed25519PublicKey } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { randomBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { PreparedEd25519Keypair } from "../../src/client/keypair.js";
import { bytesToHex, hexToBytes } from "../../src/crypto/bytes.js";
import { nativeBackend } from "../../src/crypto/native.js";
import { InvalidInputError } from "../../src/errors.js";

const hex = bytesToHex;

/** A transaction with every input given (no client needed to build it), sent by `sender`. */
async function offlineTransaction(sender: string, seed: number): Promise<Uint8Array> {
  const tx = new Transaction();
  tx.setSender(sender);
  tx.setGasPrice(1000);
  tx.setGasBudget(50_000_000 + seed);
  tx.setGasPayment([
    {
      objectId: `0x${"ab".repeat(32)}`,
      version: String(7 + seed),
      digest: "4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi",
    },
  ]);
  const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(1_000 + seed)]);
  tx.transferObjects([coin as ReturnType<Transaction["splitCoins"]>[number]], tx.pure.address(sender));
  const clock = tx.sharedObjectRef({ objectId: "0x6", initialSharedVersion: 1, mutable: false });
  tx.moveCall({ target: "0x2::clock::timestamp_ms", arguments: [clock] });
  return tx.build();
}

describe("PreparedEd25519Keypair = Ed25519Keypair", () => {
  it("the runtime's signing path here is node:crypto (what the comparisons below check against @mysten/sui)", () => {
    expect(nativeBackend).toBe("node:crypto");
  });

  it("RFC 8032 §7.1 test 1: the known public key and signature", async () => {
    const kp = PreparedEd25519Keypair.fromSeed(
      hexToBytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
    );
    expect(hex(kp.getPublicKey().toRawBytes())).toBe(
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    );
    expect(hex(await kp.sign(new Uint8Array(0)))).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
  });

  it("random seeds: same public key, address, secret key export and raw signatures (0..2000-byte messages)", async () => {
    for (let i = 0; i < 20; i++) {
      const seed = randomBytes(32);
      const ref = Ed25519Keypair.fromSecretKey(seed);
      const kp = PreparedEd25519Keypair.fromSeed(seed);
      expect(kp).toBeInstanceOf(Ed25519Keypair);
      expect(kp.getKeyScheme()).toBe("ED25519");
      expect(hex(kp.getPublicKey().toRawBytes())).toBe(hex(ref.getPublicKey().toRawBytes()));
      expect(kp.toSuiAddress()).toBe(ref.toSuiAddress());
      expect(kp.getSecretKey()).toBe(ref.getSecretKey());
      for (const len of [0, 32, (i * 97) % 2001]) {
        const msg = randomBytes(len);
        expect(hex(await kp.sign(msg))).toBe(hex(await ref.sign(msg)));
      }
    }
  });

  it("a transaction's serialized signature and a personal message's are @mysten/sui's, and they verify", async () => {
    for (let i = 0; i < 5; i++) {
      const seed = randomBytes(32);
      const ref = Ed25519Keypair.fromSecretKey(seed);
      const kp = PreparedEd25519Keypair.fromSeed(seed);
      const bytes = await offlineTransaction(kp.toSuiAddress(), i);
      const mine = await kp.signTransaction(bytes);
      const theirs = await ref.signTransaction(bytes);
      expect(mine).toEqual(theirs);
      expect(await ref.getPublicKey().verifyTransaction(bytes, mine.signature)).toBe(true);
      const msg = randomBytes(100);
      expect(await kp.signPersonalMessage(msg)).toEqual(await ref.signPersonalMessage(msg));
    }
  });

  it("signs with its own key: another seed's signature differs and does not verify", async () => {
    const kp = PreparedEd25519Keypair.fromSeed(randomBytes(32));
    const other = PreparedEd25519Keypair.fromSeed(randomBytes(32));
    const msg = randomBytes(64);
    const sig = await other.sign(msg);
    expect(hex(sig)).not.toBe(hex(await kp.sign(msg)));
    expect(await new Ed25519PublicKey(kp.getPublicKey().toRawBytes()).verify(msg, sig)).toBe(false);
  });

  it("keeps its own copy of the seed: changing the caller's bytes afterwards changes nothing", async () => {
    const seed = randomBytes(32);
    const ref = Ed25519Keypair.fromSecretKey(seed.slice());
    const kp = PreparedEd25519Keypair.fromSeed(seed);
    seed.fill(0);
    const msg = randomBytes(40);
    expect(hex(await kp.sign(msg))).toBe(hex(await ref.sign(msg)));
    expect(kp.getSecretKey()).toBe(ref.getSecretKey());
  });

  it("a seed that is not 32 bytes is refused naming it", () => {
    expect(() => PreparedEd25519Keypair.fromSeed(new Uint8Array(31))).toThrow(InvalidInputError);
    expect(() => PreparedEd25519Keypair.fromSeed(new Uint8Array(64))).toThrow(/secretKey.*32 bytes, got 64/);
  });
});
