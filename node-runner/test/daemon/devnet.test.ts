/**
 * The daemon through the SDK chain port against a real devnet (JSON-RPC over HTTP, the atoma
 * package published by a Publish transaction): request → sampled → commit → reveal → settle →
 * output posted, and the chain port's views/clock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RequestKind, RequestStatus } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoChain, registerNode, startChain } from "../../../demo/src/network.js";
import { testDevnetOptions, testTransport } from "../../../test/setup/transport.js";
import type { Executor } from "../../src/daemon/execute.js";
import {
  chainEventHub,
  chainGasMeasurements,
  chainRequestReads,
  type RunningNode,
  startNode,
} from "../../src/daemon/node.js";
import { chainNowMs } from "../../src/sdk-port.js";

const enc = new TextEncoder();
const upper: Executor = {
  name: "upper",
  capabilities: ["test:upper-v1"],
  run: async (job) => enc.encode(new TextDecoder().decode(job.input).toUpperCase()),
};

describe("daemon over the SDK on a devnet", () => {
  let chain: DemoChain;
  const nodes: RunningNode[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-devnet-daemon-"));
  beforeAll(async () => {
    chain = await startChain({ seed: "daemon-devnet", transport: testTransport(), ...testDevnetOptions() });
    for (let i = 0; i < 3; i++) {
      const n = await registerNode(chain, path.join(dir, `n${i}`), { capabilities: ["test:upper-v1"], price: 1000n });
      nodes.push(
        await startNode({
          rpcUrl: chain.url,
          packageId: chain.deployed.packageId,
          registryId: chain.deployed.registryId,
          nodeId: n.nodeId,
          keys: n.keys,
          stateDir: n.stateDir,
          executors: [upper],
          logger: pino({ level: "silent" }),
          pollMs: 50,
          metricsPort: i === 0 ? 0 : null,
        }),
      );
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await chain?.devnet.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads chain time from the Clock object", async () => {
    const before = chain.devnet.clock.now();
    const read = await chainNowMs(chain.atoma);
    const after = chain.devnet.clock.now();
    expect(read >= before && read <= after).toBe(true);
  });

  it("settles a request end to end and posts the output", async () => {
    const user = Ed25519Keypair.generate();
    await requestSuiFromFaucetV2({ host: chain.url, recipient: user.toSuiAddress() });
    const { requestId, nodes: sampled } = await chain.atoma.createRequest(user, {
      kind: RequestKind.Wasm,
      capability: "test:upper-v1",
      input: enc.encode("hello atoma"),
      maxPrice: 2000n,
    });
    expect(sampled).toHaveLength(3);
    const r = await chain.atoma.waitForSettlement(requestId, { timeoutMs: 30_000, pollMs: 100 });
    expect(r.status).toBe(RequestStatus.Settled);
    // The output is posted in a separate transaction after settlement.
    for (let i = 0; i < 100 && (await chain.atoma.getRequest(requestId)).output.length === 0; i++)
      await new Promise((res) => setTimeout(res, 100));
    const out = await chain.atoma.fetchOutput(requestId);
    expect(new TextDecoder().decode(out.plaintext)).toBe("HELLO ATOMA");
    const earned = await Promise.all(nodes.map(async (n) => chain.atoma.earnedBy(n.daemon.nodeId)));
    expect(earned).toEqual([1000n, 1000n, 1000n]);
    const metrics = await (await fetch(`${nodes[0]?.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/atoma_node_task_steps_total\{step="revealed",node_id="0x[0-9a-f]+"\} 1/);
    const health = await fetch(`${nodes[0]?.metricsUrl}/health`);
    expect(health.status).toBe(200);
  }, 60_000);

  it("the three nodes follow one event follower (the process's, by default): one checkpoint stream, event pages read once for all", async () => {
    const hub = chainEventHub({
      rpcUrl: chain.url,
      packageId: chain.deployed.packageId,
      registryId: chain.deployed.registryId,
      logger: pino({ level: "silent" }),
    });
    expect(hub.subscribers).toBe(3);
    expect(hub.streaming).toBe(true);
    expect(hub.stats.checkpoints).toBeGreaterThan(0);
    // Three followers of one hub: at least every other page call was answered by another's read.
    expect(hub.stats.reads).toBeGreaterThan(0);
    expect(hub.stats.shared).toBeGreaterThanOrEqual(hub.stats.reads);
    // Every node saw the same events (the request's sampling, commits, reveals, settlement).
    expect(new Set(nodes.map((n) => n.daemon.stats.revealed))).toEqual(new Set([1]));
  });

  it("the three nodes read the request through the process's shared reads: every read is counted once, as sent or as shared", () => {
    const reads = chainRequestReads({
      rpcUrl: chain.url,
      packageId: chain.deployed.packageId,
      registryId: chain.deployed.registryId,
    });
    // Each of the three tasks read the request at its start (more reads only where a view could not follow).
    const asked = nodes.reduce((n, node) => n + node.daemon.reads.request, 0);
    expect(asked).toBeGreaterThanOrEqual(3);
    expect(reads.stats.reads + reads.stats.shared).toBe(asked);
    // Sharing needs the nodes to ask in one turn of the event loop, which depends on when each
    // follower read its page (request-reads.test.ts pins the mechanism): here only the accounting.
    expect(reads.stats.reads).toBeGreaterThanOrEqual(1);
    expect(reads.stats.reads).toBeLessThanOrEqual(asked);
  });

  it("the three nodes budget from the process's gas measurements of the chain: their commits and reveals measured there, once for all", () => {
    const chainOf = { rpcUrl: chain.url, packageId: chain.deployed.packageId };
    const gas = chainGasMeasurements(chainOf);
    expect(chainGasMeasurements(chainOf)).toBe(gas);
    expect(chainGasMeasurements({ ...chainOf, packageId: `0x${"1".repeat(64)}` })).not.toBe(gas);
    expect(gas.covered("request::commit", 0)).toBeGreaterThan(0n);
    expect(gas.covered("request::reveal", 0)).toBeGreaterThan(0n);
  });
});
