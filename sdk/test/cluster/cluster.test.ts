import { describe, expect, it } from "vitest";
import {
  activeClusterKeys,
  assertClusterKey,
  ClusterKeyError,
  ClusterKeyring,
  generateMasterKey,
  masterKeyCommitment,
  openForCluster,
  sealForCluster,
} from "../../src/cluster/index.js";
import { blake2b256 } from "../../src/crypto/commitment.js";
import { decodeEnvelope, Layer } from "../../src/crypto/envelope.js";
import { DecryptError } from "../../src/crypto/errors.js";

const CLUSTER_ID = `0x${"ab".repeat(32)}`;
const OTHER_ID = `0x${"cd".repeat(32)}`;
const REQ = `0x${"01".repeat(32)}`;
const enc = new TextEncoder();

/** A cluster after one rotation: epoch 1 = k1, previous = k0 valid until 10 000 ms. */
function rotated() {
  const k0 = generateMasterKey();
  const k1 = generateMasterKey();
  const cluster = {
    id: { id: CLUSTER_ID },
    epoch: "1",
    commitment: [...k1.commitment],
    previous_commitment: [...k0.commitment],
    previous_valid_until_ms: "10000",
  };
  return { k0, k1, cluster };
}

describe("cluster master keys", () => {
  it("commitment is blake2b256(master public key)", () => {
    const k = generateMasterKey();
    expect(k.commitment).toEqual(blake2b256(k.publicKey));
    expect(masterKeyCommitment(k.publicKey)).toEqual(k.commitment);
    expect(() => masterKeyCommitment(new Uint8Array(31))).toThrow(/masterPk: must be 32 bytes/);
  });

  it("activeClusterKeys: previous only while now < previous_valid_until_ms", () => {
    const { k0, k1, cluster } = rotated();
    const during = activeClusterKeys(cluster, 9_999n);
    expect(during.epoch).toBe(1n);
    expect(during.current).toEqual(k1.commitment);
    expect(during.previous?.commitment).toEqual(k0.commitment);
    expect(during.previous?.validUntilMs).toBe(10_000n);
    expect(activeClusterKeys(cluster, 10_000n).previous).toBeNull();
    // A fresh cluster (epoch 0) has an empty previous commitment.
    const fresh = { epoch: "0", commitment: [...k0.commitment], previous_commitment: [], previous_valid_until_ms: "0" };
    expect(activeClusterKeys(fresh, 0).previous).toBeNull();
  });

  it("assertClusterKey: current always, old key during grace only, unknown key never", () => {
    const { k0, k1, cluster } = rotated();
    expect(assertClusterKey(cluster, k1.publicKey, 50_000n)).toBe("current");
    expect(assertClusterKey(cluster, k0.publicKey, 9_999n)).toBe("previous");
    const late = (() => {
      try {
        assertClusterKey(cluster, k0.publicKey, 10_000n);
      } catch (e) {
        return e;
      }
    })();
    expect(late).toBeInstanceOf(ClusterKeyError);
    expect((late as ClusterKeyError).reason).toBe("grace-expired");
    expect((late as ClusterKeyError).message).toMatch(/grace period ended at 10000 ms/);
    const stranger = generateMasterKey();
    const bad = (() => {
      try {
        assertClusterKey(cluster, stranger.publicKey, 0n);
      } catch (e) {
        return e;
      }
    })();
    expect(bad).toBeInstanceOf(ClusterKeyError);
    expect((bad as ClusterKeyError).reason).toBe("unknown-key");
    expect((bad as ClusterKeyError).code).toBe("KEY_NOT_ATTESTED");
  });

  it("sealForCluster checks the key first, then seals a node-layer envelope to the cluster id", () => {
    const { k0, k1, cluster } = rotated();
    const payload = enc.encode("secret prompt");
    const env = sealForCluster({ cluster, masterPk: k1.publicKey, requestId: REQ, payload, nowMs: 20_000n });
    const d = decodeEnvelope(env);
    expect(d.layer).toBe(Layer.Node);
    expect(d.recipients).toHaveLength(1);
    expect(Buffer.from(d.recipients[0]!.id).toString("hex")).toBe("ab".repeat(32));
    expect(openForCluster({ clusterId: CLUSTER_ID, requestId: REQ, envelope: env, masterSk: k1.secretKey })).toEqual(
      payload,
    );
    // Wrong key, wrong cluster id, wrong request: no plaintext.
    expect(() =>
      openForCluster({ clusterId: CLUSTER_ID, requestId: REQ, envelope: env, masterSk: k0.secretKey }),
    ).toThrow(DecryptError);
    expect(() =>
      openForCluster({ clusterId: OTHER_ID, requestId: REQ, envelope: env, masterSk: k1.secretKey }),
    ).toThrow(DecryptError);
    expect(() =>
      openForCluster({ clusterId: CLUSTER_ID, requestId: OTHER_ID, envelope: env, masterSk: k1.secretKey }),
    ).toThrow(DecryptError);
    // The old key seals during grace and is refused after it.
    const inputHash = blake2b256(payload);
    const old = sealForCluster({ cluster, masterPk: k0.publicKey, inputHash, payload, nowMs: 9_999 });
    expect(openForCluster({ clusterId: CLUSTER_ID, inputHash, envelope: old, masterSk: k0.secretKey })).toEqual(
      payload,
    );
    expect(() => sealForCluster({ cluster, masterPk: k0.publicKey, inputHash, payload, nowMs: 10_000 })).toThrow(
      ClusterKeyError,
    );
    expect(() =>
      sealForCluster({ cluster, masterPk: generateMasterKey().publicKey, requestId: REQ, payload, nowMs: 0 }),
    ).toThrow(/matches neither the current commitment/);
    const { id: _id, ...noId } = cluster;
    expect(() => sealForCluster({ cluster: noId, masterPk: k1.publicKey, requestId: REQ, payload })).toThrow(
      /clusterId: is required/,
    );
  });

  it("ClusterKeyring opens with the active key and prunes keys past grace", () => {
    const { k0, k1, cluster } = rotated();
    const ring = new ClusterKeyring();
    expect(ring.add(k0.secretKey)).toEqual(k0.commitment);
    const payload = enc.encode("x");
    const sealedOld = sealForCluster({ cluster, masterPk: k0.publicKey, requestId: REQ, payload, nowMs: 1 });
    // Only the old key held: usable during grace, not after.
    expect(ring.activeSecret(cluster, 1).which).toBe("previous");
    expect(ring.open({ cluster, requestId: REQ, envelope: sealedOld, nowMs: 1 })).toEqual(payload);
    expect(() => ring.activeSecret(cluster, 10_000)).toThrow(ClusterKeyError);
    ring.add(k1.secretKey);
    expect(ring.activeSecret(cluster, 1).which).toBe("current");
    const sealedNew = sealForCluster({ cluster, masterPk: k1.publicKey, requestId: REQ, payload, nowMs: 1 });
    expect(ring.open({ cluster, requestId: REQ, envelope: sealedNew, nowMs: 1 })).toEqual(payload);
    expect(ring.prune(cluster, 10_000)).toBe(1);
    expect(ring.size).toBe(1);
    expect(ring.has(k0.commitment)).toBe(false);
    expect(() => ring.open({ cluster, requestId: REQ, envelope: sealedOld, nowMs: 10_000 })).toThrow(DecryptError);
  });
});
