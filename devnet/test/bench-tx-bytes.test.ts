/**
 * The bench clients' transaction bytes and signatures (`bench/tx-bytes.ts`) against the SDK's:
 * `TransactionData` serialized from a template equals `Transaction.build`'s bytes for each shape
 * the bench sends (commit, reveal, settle through the SDK's builders), and the node:crypto
 * signature equals `Ed25519Keypair.signTransaction`'s and passes the devnet's verification.
 */
import { randomBytes } from "node:crypto";
import { buildCommit, buildReveal, buildSettle } from "@atoma/sdk";
import { toBase58 } from "@mysten/bcs";
import { decodeSuiPrivateKey } from "@mysten/sui/cryptography";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { describe, expect, it } from "vitest";
import {
  Ed25519Signer,
  kindTemplate,
  ownedInput,
  type Ref,
  sharedInput,
  TemplateError,
  transactionBytes,
} from "../bench/tx-bytes.js";
import { RpcError, verifySignatures } from "../src/index.js";

const id = () => `0x${randomBytes(32).toString("hex")}`;
const ref = (version: number): Ref => ({ objectId: id(), version: String(version), digest: toBase58(randomBytes(32)) });
const packageId = id();
const registry = { objectId: id(), initialSharedVersion: "3" };

const accounts = [1, 2, 3].map(() => ({ objectId: id(), initialSharedVersion: "5" }));
const commitment = randomBytes(32);
const salt = randomBytes(32);
type Req = { objectId: string; initialSharedVersion: string };
// A node's pure arguments are the same in each of its transactions of a shape (the bench's too).
const shapes: Record<string, (tx: Transaction, r: Req, cap: Ref) => void> = {
  commit: (tx, r, cap) => void buildCommit(tx, { packageId, request: r, nodeCap: cap, commitment }),
  reveal: (tx, r, cap) =>
    void buildReveal(tx, { packageId, request: r, nodeCap: cap, outputHash: new Uint8Array(32).fill(7), salt }),
  settle: (tx, r) => void buildSettle(tx, { packageId, request: r, registry, nodes: accounts }),
};

async function sdkBytes(kp: Ed25519Keypair, gas: Ref, build: (tx: Transaction) => void): Promise<Uint8Array> {
  const tx = new Transaction();
  tx.setSender(kp.toSuiAddress());
  tx.setGasPrice(1000);
  tx.setGasBudget(500_000_000);
  tx.setGasPayment([gas]);
  build(tx);
  return tx.build();
}

describe("bench transaction bytes", () => {
  it.each(Object.keys(shapes))("%s: a template's TransactionData equals Transaction.build's bytes", async (shape) => {
    const kp = Ed25519Keypair.generate();
    const cap = ref(5);
    const first: Req = { objectId: id(), initialSharedVersion: "11" };
    const build = shapes[shape]!;
    const template = await kindTemplate((tx) => build(tx, first, cap));
    for (const [i, isv] of ["11", "12", "987654321"].entries()) {
      const r: Req = i === 0 ? first : { objectId: id(), initialSharedVersion: isv };
      const capNow = ref(5 + i * 3);
      const gas = ref(100 + i);
      const fast = transactionBytes(
        template,
        {
          [first.objectId]: sharedInput(r.objectId, r.initialSharedVersion, true),
          [cap.objectId]: ownedInput(capNow),
        },
        { sender: kp.toSuiAddress(), payment: [gas], price: 1000, budget: 500_000_000 },
      );
      const sdk = await sdkBytes(kp, gas, (tx) => build(tx, r, capNow));
      expect(Buffer.from(fast).toString("hex")).toBe(Buffer.from(sdk).toString("hex"));
      // Replacing nothing gives back the template's objects: a different transaction.
      const unchanged = transactionBytes(
        template,
        {},
        { sender: kp.toSuiAddress(), payment: [gas], price: 1000, budget: 500_000_000 },
      );
      if (shape !== "settle" || i > 0) expect(Buffer.from(unchanged).equals(Buffer.from(fast))).toBe(false);
    }
  });

  it("node:crypto Ed25519 signatures are Ed25519Keypair.signTransaction's, byte for byte, and verify on the devnet", async () => {
    for (let i = 0; i < 5; i++) {
      const kp = Ed25519Keypair.generate();
      const signer = new Ed25519Signer(decodeSuiPrivateKey(kp.getSecretKey()).secretKey);
      expect(signer.address).toBe(kp.toSuiAddress());
      expect(Buffer.from(signer.publicKey).equals(Buffer.from(kp.getPublicKey().toRawBytes()))).toBe(true);
      const bytes = await sdkBytes(kp, ref(1), (tx) =>
        shapes.settle!(tx, { objectId: id(), initialSharedVersion: "2" }, ref(1)),
      );
      const sig = signer.signTransaction(bytes);
      expect(sig).toBe((await kp.signTransaction(bytes)).signature);
      expect(() => verifySignatures(bytes, [sig], kp.toSuiAddress())).not.toThrow();
      // Another transaction's bytes do not verify under this signature.
      const other = bytes.slice();
      other[other.length - 1]! ^= 1;
      expect(() => verifySignatures(other, [sig], kp.toSuiAddress())).toThrow(RpcError);
    }
  });

  it("an owned or gas ref with a version that is not a u64 or a digest that is not 32 bytes is refused, naming the object", async () => {
    const kp = Ed25519Keypair.generate();
    const cap = ref(5);
    const template = await kindTemplate((tx) => shapes.commit!(tx, { objectId: id(), initialSharedVersion: "2" }, cap));
    const gas = { sender: kp.toSuiAddress(), payment: [ref(1)], price: 1000, budget: 500_000_000 };
    const withCap = (r: Ref) => transactionBytes(template, { [cap.objectId]: ownedInput(r) }, gas);
    const bad = ref(1);
    expect(() => withCap({ ...bad, version: "1.5" })).toThrow(TemplateError);
    expect(() => withCap({ ...bad, version: "18446744073709551616" })).toThrow(`object ${bad.objectId} has version`);
    expect(() => withCap({ ...bad, version: "-1" })).toThrow(/outside u64/);
    expect(() => withCap({ ...bad, digest: toBase58(randomBytes(31)) })).toThrow(
      `object ${bad.objectId} has a digest of 31 bytes, expected 32`,
    );
    expect(() =>
      transactionBytes(template, {}, { ...gas, payment: [{ ...bad, digest: toBase58(randomBytes(33)) }] }),
    ).toThrow(/digest of 33 bytes/);
    // The largest u64 version is written, little-endian, where the SDK writes it.
    const max = { ...bad, version: "18446744073709551615" };
    const bytes = withCap(max);
    const sdk = await sdkBytes(kp, gas.payment[0]!, (tx) =>
      shapes.commit!(tx, { objectId: template.inputIds[0]!, initialSharedVersion: "2" }, max),
    );
    expect(Buffer.from(bytes).toString("hex")).toBe(Buffer.from(sdk).toString("hex"));
  });

  it("a secret key that is not 32 bytes is refused, naming the length", () => {
    expect(() => new Ed25519Signer(new Uint8Array(31))).toThrow(TemplateError);
    expect(() => new Ed25519Signer(new Uint8Array(64))).toThrow(/must be 32 bytes, got 64/);
  });
});
