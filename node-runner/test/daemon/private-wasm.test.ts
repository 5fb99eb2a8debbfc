/**
 * A private WASM module in the application layer: the module bytes travel sealed (to the
 * cluster key here), the daemon's execute step opens them and runs them in the real WASM
 * sandbox (WasmExecutor, worker pool, fuel metering) on the user layer's input; the request's
 * capability is the module's digest, so what ran is still bound on chain. A module that does not
 * hash to that digest is refused before anything runs; the module is never registered.
 */
import {
  blake2b256,
  bytesToHex,
  clusterTarget,
  expandMlKemSecret,
  generateEncryptionKeyPair,
  generateHybridMasterKey,
  generateMlKemKeyPair,
  hashOutput,
  mlkemKeyHash,
  nodeTarget,
  sealLayers,
} from "@atoma/sdk";
import { afterAll, describe, expect, it } from "vitest";
import { readCommittedApp } from "../../apps/build.js";
import type { RequestView } from "../../src/daemon/chain-port.js";
import { makeExecute } from "../../src/daemon/execute.js";
import { adaptExecutor, type ForeignExecutor, loadExecutors } from "../../src/daemon/executors-loader.js";
import { WasmExecutor, wasmDigest } from "../../src/executors/wasm.js";
import { requestView } from "./request-view.js";

const te = new TextEncoder();
const td = new TextDecoder();
const nodeId = `0x${"01".repeat(32)}`;
const clusterId = `0x${"c1".repeat(32)}`;
const node = { enc: generateEncryptionKeyPair(), ml: generateMlKemKeyPair() };
const master = generateHybridMasterKey();
const module = readCommittedApp("echo-upper");
const digest = wasmDigest(module);
/** `seal` puts this user input in the user layer; the request names its hash (the daemon checks it). */
const inputHash = blake2b256(te.encode("hello, private app"));
const wasm = new WasmExecutor({ poolSize: 1 });
afterAll(() => wasm.close());

function request(input: Uint8Array, capability = digest): RequestView {
  return requestView({
    kind: 1,
    capability: te.encode(capability),
    inputHash,
    input,
    fuel: 10_000_000n,
    sampleSize: 1n,
  });
}

function seal(app: Uint8Array, userInput = "hello, private app") {
  const me = nodeTarget(
    { nodeId, encPk: node.enc.publicKey, mlkemPk: node.ml.publicKey, mlkemPkHash: mlkemKeyHash(node.ml.publicKey) },
    0,
    { requireAttestation: false, postQuantum: true, nowMs: 0 },
  );
  return sealLayers(
    { inputHash },
    {
      user: { payload: te.encode(userInput), recipients: [me] },
      application: {
        payload: app,
        recipients: [clusterTarget(clusterId, master.publicKey, master.mlkemPublicKey)],
      },
    },
  );
}

const execute = makeExecute({
  nodeId,
  encSk: node.enc.secretKey,
  executors: [adaptExecutor(wasm as unknown as ForeignExecutor)],
  layered: {
    mlkemSk: expandMlKemSecret(node.ml.secretKey).dk,
    clusterId,
    clusterKeys: () => [{ epoch: 1n, secretKey: master.secretKey }],
  },
});

describe("a private WASM module in the application layer", () => {
  it("is opened by the node and run in the sandbox on the user's input; the module is not registered", async () => {
    const c = seal(module);
    expect(Buffer.from(c).includes(Buffer.from(module.subarray(8, 72)))).toBe(false); // sealed, not in clear
    const out = await execute(request(c));
    expect(td.decode(out.output)).toBe("HELLO, PRIVATE APP");
    expect(out.outputHash).toEqual(hashOutput(te.encode("HELLO, PRIVATE APP")));
    expect(wasm.capabilities()).toEqual([]); // never advertised
    // the same digest as `wasm:<hex>` works too
    expect(td.decode((await execute(request(c, `wasm:${digest}`))).output)).toBe("HELLO, PRIVATE APP");
  });

  it("a module that does not hash to the request's capability is refused before it runs", async () => {
    const other = readCommittedApp("word-count");
    await expect(execute(request(seal(other)))).rejects.toThrow(
      `application layer: the private WASM module hashes to ${wasmDigest(other)}, the request's capability names ${digest}`,
    );
    // one flipped byte of the (sealed) module changes its digest: refused the same way
    const tampered = Uint8Array.from(module);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    await expect(execute(request(seal(tampered)))).rejects.toThrow(/the private WASM module hashes to/);
    expect(bytesToHex(blake2b256(tampered))).not.toBe(digest);
  });

  it("without an executor for private modules, or without the cluster key, nothing runs", async () => {
    const noWasm = makeExecute({
      nodeId,
      encSk: node.enc.secretKey,
      executors: [],
      layered: {
        mlkemSk: expandMlKemSecret(node.ml.secretKey).dk,
        clusterId,
        clusterKeys: () => [{ epoch: 1n, secretKey: master.secretKey }],
      },
    });
    await expect(noWasm(request(seal(module)))).rejects.toThrow(/runs no private WASM modules/);
    const noKey = makeExecute({
      nodeId,
      encSk: node.enc.secretKey,
      executors: [adaptExecutor(wasm as unknown as ForeignExecutor)],
      layered: { mlkemSk: expandMlKemSecret(node.ml.secretKey).dk },
    });
    await expect(noKey(request(seal(module)))).rejects.toThrow(/holds no cluster key/);
  });

  it("atoma-node run --private-wasm: loadExecutors gives an executor for private modules with no capability of its own", async () => {
    const list = await loadExecutors({ privateWasm: true });
    const w = list.find((e) => e.privateModules);
    expect(w?.name).toBe("wasm");
    expect(w?.capabilities).toEqual([]);
    expect((await loadExecutors({})).some((e) => e.privateModules)).toBe(false);
  });
});
