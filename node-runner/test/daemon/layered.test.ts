/**
 * The daemon's execute step on layered confidential inputs: the node opens the user layer with
 * its own hybrid keys and the system/application layers with the cluster master key (current or
 * in-grace previous), combines them (system prompt before the user's, application settings over
 * the user's) and runs the executor on that — or refuses and runs nothing.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  blake2b256,
  bytesToHex,
  clusterLayerKey,
  clusterTarget,
  concatBytes,
  expandMlKemSecret,
  generateEncryptionKeyPair,
  generateHybridMasterKey,
  generateMlKemKeyPair,
  hashOutput,
  isPostQuantum,
  LAYERS_FORMAT,
  type LayerError,
  layerRecipients,
  mlkemKeyHash,
  nodeTarget,
  openAsUser,
  openLayer,
  sealLayers,
  userRecipientId,
  userTarget,
} from "@atoma/sdk";
import { describe, expect, it } from "vitest";
import type { RequestView } from "../../src/daemon/chain-port.js";
import { combineLayeredInput, ExecutionRefused, type Executor, makeExecute } from "../../src/daemon/execute.js";
import { clusterLayeredKeys, DirUsageReports, MasterKeyStore, SealedBytesMeter } from "../../src/rotation/index.js";
import { requestView } from "./request-view.js";

const te = new TextEncoder();
const td = new TextDecoder();
const nodeId = `0x${"01".repeat(32)}`;
const clusterId = `0x${"c1".repeat(32)}`;
/** The user layer of `seal()`; the request's input_hash is its hash (the node checks it). */
const userPayload = te.encode(JSON.stringify({ prompt: "what is 2+2?", maxTokens: 30 }));
const inputHash = blake2b256(userPayload);
const node = { enc: generateEncryptionKeyPair(), ml: generateMlKemKeyPair() };
const user = { ...generateEncryptionKeyPair(), ml: generateMlKemKeyPair() };
const oldMaster = generateHybridMasterKey();
const master = generateHybridMasterKey();

/** An executor that records what it was given and echoes it. */
function recorder() {
  const seen: Uint8Array[] = [];
  const ex: Executor = {
    name: "echo",
    capabilities: ["builtin:textgen-v1"],
    run: async (job) => {
      seen.push(job.input);
      return job.input;
    },
  };
  return { ex, seen };
}

function request(input: Uint8Array, id = `0x${"42".repeat(32)}`, hash = inputHash): RequestView {
  return requestView({
    id,
    capability: te.encode("builtin:textgen-v1"),
    inputHash: hash,
    input,
    maxTokens: 16n,
    status: 1,
  });
}

function seal(masterKey = master, binding: { inputHash: Uint8Array } = { inputHash }) {
  const me = nodeTarget(
    { nodeId, encPk: node.enc.publicKey, mlkemPk: node.ml.publicKey, mlkemPkHash: mlkemKeyHash(node.ml.publicKey) },
    0,
    {
      requireAttestation: false,
      postQuantum: true,
      nowMs: 0,
    },
  );
  const toCluster = [clusterTarget(clusterId, masterKey.publicKey, masterKey.mlkemPublicKey)];
  return sealLayers(binding, {
    user: {
      payload: userPayload,
      recipients: [me, userTarget(user.publicKey, user.ml.publicKey)],
    },
    system: { payload: te.encode("Answer tersely."), recipients: toCluster },
    application: { payload: te.encode(JSON.stringify({ maxTokens: 8 })), recipients: toCluster },
  });
}

function execute(ex: Executor, counted: [bigint, number][] = []) {
  return makeExecute({
    nodeId,
    encSk: node.enc.secretKey,
    executors: [ex],
    layered: {
      mlkemSk: expandMlKemSecret(node.ml.secretKey).dk,
      clusterId,
      clusterKeys: () => [
        { epoch: 2n, secretKey: master.secretKey },
        { epoch: 1n, secretKey: oldMaster.secretKey },
      ],
      onClusterBytes: (_c, epoch, bytes) => counted.push([epoch, bytes]),
    },
  });
}

describe("layered confidential inputs in the daemon", () => {
  it("opens all three layers and runs the executor on the combined input; meters the cluster-key bytes", async () => {
    const { ex, seen } = recorder();
    const counted: [bigint, number][] = [];
    const out = await execute(ex, counted)(request(seal()));
    expect(JSON.parse(td.decode(seen[0]))).toEqual({ prompt: "Answer tersely.\n\nwhat is 2+2?", maxTokens: 8 });
    expect(out.output).toEqual(seen[0]);
    expect(counted).toEqual([[2n, 15 + 15]]);
  });

  it("a request sealed to the previous (in-grace) master key still opens, metered under that epoch", async () => {
    const { ex, seen } = recorder();
    const counted: [bigint, number][] = [];
    await execute(ex, counted)(request(seal(oldMaster)));
    expect(seen).toHaveLength(1);
    expect(counted).toEqual([[1n, 30]]);
  });

  it("refuses, running nothing, when a layer does not open (unknown cluster key, tampered, other request)", async () => {
    const { ex, seen } = recorder();
    const run = execute(ex);
    const stranger = generateHybridMasterKey();
    await expect(run(request(seal(stranger)))).rejects.toThrow(ExecutionRefused);
    await expect(run(request(seal(stranger)))).rejects.toThrow(
      /undecryptable input: system layer, check authentication/,
    );
    const t = seal();
    t[t.length - 1] = (t[t.length - 1] as number) ^ 1;
    await expect(run(request(t))).rejects.toThrow(/application layer, check authentication/);
    const other = seal(master, { inputHash: blake2b256(concatBytes(te.encode("another"))) });
    await expect(run(request(other))).rejects.toThrow(/user layer, check binding/);
    expect(seen).toHaveLength(0);
  });

  it("an application layer sealed to the node itself opens with the node's keys (no cluster key needed for it)", async () => {
    const { ex, seen } = recorder();
    const me = nodeTarget(
      { nodeId, encPk: node.enc.publicKey, mlkemPk: node.ml.publicKey, mlkemPkHash: mlkemKeyHash(node.ml.publicKey) },
      0,
      {
        requireAttestation: false,
        postQuantum: true,
        nowMs: 0,
      },
    );
    const p = te.encode(JSON.stringify({ prompt: "p" }));
    const c = sealLayers(
      { inputHash: blake2b256(p) },
      {
        user: { payload: p, recipients: [me] },
        application: { payload: te.encode(JSON.stringify({ maxTokens: 3 })), recipients: [me] },
      },
    );
    const counted: [bigint, number][] = [];
    await execute(ex, counted)(request(c, undefined, blake2b256(p)));
    expect(JSON.parse(td.decode(seen[0]))).toEqual({ prompt: "p", maxTokens: 3 });
    expect(counted).toEqual([]);
  });

  it("with replyTo in the user layer, the output is posted sealed to the user; the hash is over the plaintext", async () => {
    const { ex, seen } = recorder();
    const me = nodeTarget(
      { nodeId, encPk: node.enc.publicKey, mlkemPk: node.ml.publicKey, mlkemPkHash: mlkemKeyHash(node.ml.publicKey) },
      0,
      {
        requireAttestation: false,
        postQuantum: true,
        nowMs: 0,
      },
    );
    const replyTo = {
      x25519: Buffer.from(user.publicKey).toString("hex"),
      mlkem768: Buffer.from(user.ml.publicKey).toString("hex"),
    };
    const p = te.encode(JSON.stringify({ prompt: "p", replyTo }));
    const c = sealLayers({ inputHash: blake2b256(p) }, { user: { payload: p, recipients: [me] } });
    const req = request(c, undefined, blake2b256(p));
    const out = await execute(ex)(req);
    expect(JSON.parse(td.decode(seen[0]))).toEqual({ prompt: "p" }); // replyTo is not given to the executor
    const plain = openAsUser({
      requestId: req.id,
      envelope: out.output,
      userSk: user.secretKey,
      userMlkemSk: user.ml.secretKey,
    });
    expect(plain).toEqual(seen[0]);
    expect(out.outputHash).toEqual(hashOutput(plain));
    expect(() => openAsUser({ requestId: req.id, envelope: out.output, userSk: user.secretKey })).toThrow(/kem-key/);
    const badPayload = te.encode(JSON.stringify({ prompt: "p", replyTo: { x25519: "zz" } }));
    const bad = sealLayers({ inputHash: blake2b256(badPayload) }, { user: { payload: badPayload, recipients: [me] } });
    await expect(execute(ex)(request(bad, undefined, blake2b256(badPayload)))).rejects.toThrow(
      /replyTo\.x25519 must be 32 bytes/,
    );
  });

  it("outputs are sealed per layer: the user's output to the user, the system layer's output (usage) to the cluster key", async () => {
    const { ex, seen } = recorder();
    const me = nodeTarget(
      { nodeId, encPk: node.enc.publicKey, mlkemPk: node.ml.publicKey, mlkemPkHash: mlkemKeyHash(node.ml.publicKey) },
      0,
      {
        requireAttestation: false,
        postQuantum: true,
        nowMs: 0,
      },
    );
    const replyTo = {
      x25519: Buffer.from(user.publicKey).toString("hex"),
      mlkem768: Buffer.from(user.ml.publicKey).toString("hex"),
    };
    const toCluster = [clusterTarget(clusterId, master.publicKey, master.mlkemPublicKey)];
    const up = te.encode(JSON.stringify({ prompt: "p", replyTo }));
    const c = sealLayers(
      { inputHash: blake2b256(up) },
      {
        user: { payload: up, recipients: [me] },
        system: { payload: te.encode("Answer tersely."), recipients: toCluster },
      },
    );
    const req = request(c, undefined, blake2b256(up));
    const out = await execute(ex)(req);
    expect(out.output[0]).toBe(LAYERS_FORMAT);
    expect(layerRecipients(out.output)).toEqual({
      user: [`0x${bytesToHex(userRecipientId(user.publicKey))}`],
      system: [clusterId],
    });
    expect(isPostQuantum(out.output)).toBe(true);
    const userKey = {
      recipientId: userRecipientId(user.publicKey),
      x25519Sk: user.secretKey,
      mlkemSk: user.ml.secretKey,
    };
    const plain = openLayer({ requestId: req.id }, { container: out.output, layer: "user", key: userKey });
    expect(plain).toEqual(seen[0]);
    expect(out.outputHash).toEqual(hashOutput(plain));
    // the cluster (the dapp's side) opens the system layer: the run's usage, bound to this request
    const sys = openLayer(
      { requestId: req.id },
      { container: out.output, layer: "system", key: clusterLayerKey(clusterId, master.secretKey) },
    );
    expect(JSON.parse(td.decode(sys))).toEqual({
      inputBytes: { application: 0, system: 15, user: te.encode(JSON.stringify({ prompt: "p", replyTo })).length },
      outputBytes: (seen[0] as Uint8Array).length,
      outputHash: bytesToHex(out.outputHash),
      requestId: req.id,
    });
    // the user cannot open the system layer, nor the cluster the user's
    const e1 = (() => {
      try {
        openLayer({ requestId: req.id }, { container: out.output, layer: "system", key: userKey });
      } catch (e) {
        return e as LayerError;
      }
    })();
    expect([e1?.layer, e1?.check]).toEqual(["system", "recipient"]);
    expect(() =>
      openLayer(
        { requestId: req.id },
        { container: out.output, layer: "user", key: clusterLayerKey(clusterId, master.secretKey) },
      ),
    ).toThrow(/user layer, check recipient/);
    // replayed under another request id, nothing opens
    expect(() =>
      openLayer({ requestId: `0x${"43".repeat(32)}` }, { container: out.output, layer: "user", key: userKey }),
    ).toThrow(/check binding/);
  });

  it("atoma-node run's wiring: keys from the node's master-key store for whichever cluster a layer is sealed to, usage reported to a folder", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "atoma-layered-"));
    try {
      const store = new MasterKeyStore(path.join(dir, "cluster-keys"));
      store.save({
        clusterId,
        epoch: 2n,
        commitment: master.commitment,
        secretKey: master.secretKey,
        status: "active",
      });
      const usage = new DirUsageReports(path.join(dir, "usage"));
      const { ex, seen } = recorder();
      const run = makeExecute({
        nodeId,
        encSk: node.enc.secretKey,
        executors: [ex],
        layered: clusterLayeredKeys({
          store,
          mlkemSk: node.ml.secretKey,
          meter: new SealedBytesMeter(nodeId, usage),
        }),
      });
      await run(request(seal()));
      expect(seen).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 50)); // the report is written asynchronously
      expect(await usage.total(clusterId, 2n)).toBe(30n);
      // a cluster this node holds no key for is refused before anything runs
      await expect(run(request(seal(generateHybridMasterKey())))).rejects.toThrow(/system layer, check authentication/);
      store.destroy(clusterId, 2n);
      await expect(run(request(seal()))).rejects.toThrow(/holds no cluster key/);
      expect(seen).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("combination rule: user layer alone passes through; non-JSON or prompt-less inputs are refused", () => {
    const u = te.encode(JSON.stringify({ prompt: "hi" }));
    expect(combineLayeredInput(0, { user: u })).toBe(u);
    expect(() => combineLayeredInput(0, { user: te.encode("plain"), system: te.encode("s") })).toThrow(
      /user layer is not JSON/,
    );
    expect(() => combineLayeredInput(0, { user: te.encode("{}"), system: te.encode("s") })).toThrow(/no string prompt/);
    expect(() => combineLayeredInput(1, { user: u, application: te.encode("{}") })).toThrow(
      /only combined for inference/,
    );
  });
});
