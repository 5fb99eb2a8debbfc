import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { blake2b256, generateEncryptionKeyPair, openAsNode, sealForNodes } from "@atoma/sdk";
import { afterAll, describe, expect, it } from "vitest";
import { DirKeyDistribution, MasterKeyStore, MemoryKeyDistribution, rotationBinding } from "../../src/rotation/keys.js";

const CLUSTER = `0x${"0c".repeat(32)}`;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), "atoma-rot-keys-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("rotation key storage and distribution", () => {
  it("MasterKeyStore writes 0600 files, round-trips, updates status, refuses a wrong commitment", () => {
    const store = new MasterKeyStore(tmp());
    const kp = generateEncryptionKeyPair();
    const commitment = blake2b256(kp.publicKey);
    store.save({ clusterId: CLUSTER, epoch: 3n, commitment, secretKey: kp.secretKey, status: "pending" });
    const f = path.join(store.dir, CLUSTER, "epoch-3.json");
    expect(statSync(f).mode & 0o777).toBe(0o600);
    const k = store.load(CLUSTER, 3n);
    expect(k?.secretKey).toEqual(kp.secretKey);
    expect(k?.commitment).toEqual(commitment);
    expect(k?.epoch).toBe(3n);
    expect(store.setStatus(CLUSTER, 3n, "active")?.status).toBe("active");
    expect(store.load(CLUSTER, 3n)?.status).toBe("active");
    expect(store.list(CLUSTER).map((x) => x.epoch)).toEqual([3n]);
    expect(store.load(CLUSTER, 4n)).toBeNull();
    const other = generateEncryptionKeyPair();
    expect(() =>
      store.save({ clusterId: CLUSTER, epoch: 4n, commitment, secretKey: other.secretKey, status: "pending" }),
    ).toThrow(/does not equal the commitment/);
    expect(store.load(CLUSTER, 4n)).toBeNull();
    // A key file readable by others is refused.
    const loose = path.join(store.dir, CLUSTER, "epoch-5.json");
    writeFileSync(loose, readFileSync(f, "utf8"), { mode: 0o644 });
    expect(() => store.load(CLUSTER, 5n)).toThrow(/must be 600/);
  });

  it("rotationBinding differs per cluster, epoch and commitment", () => {
    const c = new Uint8Array(32).fill(1);
    const b = rotationBinding(CLUSTER, 1n, c);
    expect(b).toHaveLength(32);
    expect(rotationBinding(CLUSTER, 2n, c)).not.toEqual(b);
    expect(rotationBinding(`0x${"0d".repeat(32)}`, 1n, c)).not.toEqual(b);
    expect(rotationBinding(CLUSTER, 1n, new Uint8Array(32).fill(2))).not.toEqual(b);
  });

  it("distributions return what was put; a sealed key opens only for its member and binding", async () => {
    const member = generateEncryptionKeyPair();
    const nodeId = `0x${"aa".repeat(32)}`;
    const master = generateEncryptionKeyPair();
    const commitment = blake2b256(master.publicKey);
    const inputHash = rotationBinding(CLUSTER, 1n, commitment);
    const { envelope } = sealForNodes({
      inputHash,
      payload: master.secretKey,
      recipients: [{ nodeId, encPk: member.publicKey }],
      requireAttestation: false,
    });
    for (const d of [new MemoryKeyDistribution(), new DirKeyDistribution(tmp())]) {
      expect(await d.get(CLUSTER, 1n)).toBeNull();
      await d.put(CLUSTER, 1n, envelope);
      const got = (await d.get(CLUSTER, 1n)) as Uint8Array;
      expect(got).toEqual(envelope);
      expect(openAsNode({ inputHash, envelope: got, nodeId, encSk: member.secretKey })).toEqual(master.secretKey);
      expect(() =>
        openAsNode({
          inputHash: rotationBinding(CLUSTER, 2n, commitment),
          envelope: got,
          nodeId,
          encSk: member.secretKey,
        }),
      ).toThrow(/bound to another request/);
    }
  });
});
