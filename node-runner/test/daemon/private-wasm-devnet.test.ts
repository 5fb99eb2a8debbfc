/**
 * End to end on a devnet, with the daemon: a confidential WASM request whose application layer
 * carries a private module (the committed echo-upper.wasm) sealed post-quantum to the attested
 * nodes. Each node publishes its ML-KEM key hash on start (publishPqKey), the requester checks
 * it on chain before sealing, the nodes open the module, run it in the WASM sandbox on the
 * user layer, agree, and post the output sealed to the user. The request's capability is the
 * module's digest: the chain binds what was run, the module itself never appears in clear.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  attestedNodeOf,
  attestedNodeTargets,
  blake2b256,
  generateEncryptionKeyPair,
  generateMlKemKeyPair,
  mlkemKeyHash,
  RequestKind,
  RequestStatus,
  sealLayers,
  userTarget,
} from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoChain, type RegisteredNode, registerNode, startChain } from "../../../demo/src/network.js";
import { testDevnetOptions, testTransport } from "../../../test/setup/transport.js";
import { readCommittedApp } from "../../apps/build.js";
import { adaptExecutor, type ForeignExecutor } from "../../src/daemon/executors-loader.js";
import { type RunningNode, startNode } from "../../src/daemon/node.js";
import { WasmExecutor, wasmDigest } from "../../src/executors/wasm.js";

const te = new TextEncoder();
const module = readCommittedApp("echo-upper");
const digest = wasmDigest(module); // 64 hex: the capability as registered on chain

describe("a private WASM module end to end (devnet, daemon, sandbox)", () => {
  let chain: DemoChain;
  const registered: RegisteredNode[] = [];
  const running: RunningNode[] = [];
  const executors: WasmExecutor[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-private-wasm-"));
  beforeAll(async () => {
    chain = await startChain({ seed: "private-wasm", transport: testTransport(), ...testDevnetOptions() });
    for (let i = 0; i < 3; i++) {
      const n = await registerNode(chain, path.join(dir, `n${i}`), {
        capabilities: [digest],
        price: 1000n,
        attest: true,
      });
      registered.push(n);
      const wasm = new WasmExecutor({ poolSize: 1 });
      executors.push(wasm);
      running.push(
        await startNode({
          rpcUrl: chain.url,
          packageId: chain.deployed.packageId,
          registryId: chain.deployed.registryId,
          nodeId: n.nodeId,
          keys: n.keys,
          stateDir: n.stateDir,
          executors: [adaptExecutor(wasm as unknown as ForeignExecutor)],
          logger: pino({ level: "silent" }),
          pollMs: 50,
          metricsPort: null,
        }),
      );
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all(running.map((n) => n.stop()));
    await Promise.all(executors.map((e) => e.close()));
    await chain?.devnet.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the nodes open the sealed module, run it in the sandbox, agree; the user opens the output", async () => {
    // each node published its ML-KEM key hash on start
    for (const n of registered)
      expect(Uint8Array.from((await chain.atoma.getNode(n.nodeId)).mlkem_pk_hash)).toEqual(
        mlkemKeyHash(n.keys.mlkemPk as Uint8Array),
      );
    const user = Ed25519Keypair.generate();
    await requestSuiFromFaucetV2({ host: chain.url, recipient: user.toSuiAddress() });
    const reply = { x: generateEncryptionKeyPair(), ml: generateMlKemKeyPair() };
    const nowMs = chain.devnet.clock.now();
    // recipients from chain: attestation + the on-chain ML-KEM key hash (the verifier's
    // report-data binding is simulated here, as in the demo)
    const recipients = await Promise.all(
      registered.map(async (n) =>
        attestedNodeOf(n.nodeId, await chain.atoma.getNode(n.nodeId), {
          mlkemPk: n.keys.mlkemPk as Uint8Array,
          mlkemKeyHash: mlkemKeyHash(n.keys.mlkemPk as Uint8Array),
        }),
      ),
    );
    const userPayload = te.encode(
      JSON.stringify({
        text: "private apps stay private",
        replyTo: {
          x25519: Buffer.from(reply.x.publicKey).toString("hex"),
          mlkem768: Buffer.from(reply.ml.publicKey).toString("hex"),
        },
      }),
    );
    const inputHash = blake2b256(userPayload);
    const container = sealLayers(
      { inputHash },
      {
        user: {
          payload: userPayload,
          recipients: [
            ...attestedNodeTargets(recipients, { nowMs }),
            userTarget(reply.x.publicKey, reply.ml.publicKey),
          ],
        },
        application: { payload: module, recipients: attestedNodeTargets(recipients, { nowMs }) },
      },
    );
    expect(Buffer.from(container).includes(Buffer.from(module.subarray(8, 72)))).toBe(false);
    const { requestId, nodes: sampled } = await chain.atoma.createRequest(user, {
      kind: RequestKind.Wasm,
      capability: digest,
      input: container,
      inputHash,
      confidential: true,
      fuel: 10_000_000n,
      maxPrice: 2000n,
    });
    expect(sampled).toHaveLength(3);
    const r = await chain.atoma.waitForSettlement(requestId, { timeoutMs: 90_000, pollMs: 200 });
    expect(r.status).toBe(RequestStatus.Settled);
    for (let i = 0; i < 300 && (await chain.atoma.getRequest(requestId)).output.length === 0; i++)
      await new Promise((res) => setTimeout(res, 100));
    const out = await chain.atoma.fetchOutput(requestId, {
      userSk: reply.x.secretKey,
      userMlkemSk: reply.ml.secretKey,
    });
    // echo-upper ran on the user layer (replyTo removed before execution)
    expect(new TextDecoder().decode(out.plaintext)).toBe('{"TEXT":"PRIVATE APPS STAY PRIVATE"}');
    expect(out.verifiedOver).toBe("plaintext");
    // the module was never registered by any node
    for (const e of executors) expect(e.capabilities()).toEqual([]);
  }, 150_000);
});
