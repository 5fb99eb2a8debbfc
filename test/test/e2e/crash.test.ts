/**
 * Crash safety with real processes: a node-runner SIGKILLed right after its commit is on chain
 * (and journaled), before it can reveal, is restarted from the same state dir and still reveals
 * before the deadline: the request settles in round 0, nobody is slashed, the node is paid, and
 * it never commits twice. 20 trials on one devnet (3 nodes, N = 3, so the victim is always sampled).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type AtomaClient, RequestKind, RequestStatus } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CliNode,
  cliNode,
  type DevnetInfo,
  type Proc,
  runNode,
  startDevnetChild,
  stopProc,
  waitRunning,
} from "./harness.js";

const TRIALS = 20;

describe("SIGKILL between commit and reveal (real processes)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-e2e-crash-"));
  const procs: Proc[] = [];
  let dev: { proc: Proc; info: DevnetInfo; atoma: AtomaClient };
  let nodes: CliNode[] = [];

  beforeAll(async () => {
    // Long windows: the victim restarts between commit and reveal, and on a loaded 2-core machine a
    // process start can take tens of seconds; no step here waits for a deadline, so this costs nothing.
    dev = await startDevnetChild("e2e-crash", 600_000n);
    nodes = await Promise.all(
      [0, 1, 2].map((i) =>
        cliNode(dev, path.join(dir, `node-${i}`), { capabilities: ["builtin:forecast-v1"], price: 1000n }),
      ),
    );
    const others = nodes.slice(1).map((n) => runNode(n));
    procs.push(...others);
    await Promise.all(others.map((p) => waitRunning(p, 120_000)));
  }, 200_000);

  afterAll(async () => {
    await Promise.all(procs.map(stopProc));
    if (dev) await stopProc(dev.proc);
    rmSync(dir, { recursive: true, force: true });
  });

  it(`reveals after restart in ${TRIALS} of ${TRIALS} trials`, async () => {
    const victim = nodes[0] as CliNode;
    const user = Ed25519Keypair.generate();
    await requestSuiFromFaucetV2({ host: dev.info.url, recipient: user.toSuiAddress() });
    let revealedAfterRestart = 0;
    for (let t = 0; t < TRIALS; t++) {
      const doomed = runNode(victim, ["--test-kill-after", "committed"]);
      await waitRunning(doomed, 120_000);
      const input = new TextEncoder().encode(JSON.stringify({ series: ["1", "2", String(3 + t)], horizon: 1 }));
      const { requestId, nodes: sampled } = await dev.atoma.createRequest(user, {
        kind: RequestKind.Inference,
        capability: "builtin:forecast-v1",
        input,
        maxPrice: 2000n,
        sampleSize: 3,
      });
      expect(sampled).toContain(victim.nodeId);
      const exit = await Promise.race([
        doomed.exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`trial ${t}: the victim did not commit within 180 s`)), 180_000),
        ),
      ]);
      expect(exit.signal).toBe("SIGKILL");
      const mid = await dev.atoma.getRequest(requestId);
      const mine = mid.assignments.find((a) => a.node_id === victim.nodeId);
      expect(mine?.committed).toBe(true);
      expect(mine?.revealed).toBe(false);
      expect(mid.status).not.toBe(RequestStatus.Settled);

      const restarted = runNode(victim);
      await waitRunning(restarted, 120_000);
      const r = await dev.atoma.waitForSettlement(requestId, { timeoutMs: 60_000, pollMs: 100 });
      await stopProc(restarted);
      expect(r.status).toBe(RequestStatus.Settled);
      expect(r.round).toBe(0);
      const after = r.assignments.find((a) => a.node_id === victim.nodeId);
      if (after?.revealed) revealedAfterRestart++;
    }
    expect(revealedAfterRestart).toBe(TRIALS);
    const v = await dev.atoma.getNode(victim.nodeId);
    expect(BigInt(v.slashed)).toBe(0n);
    expect(BigInt(v.served)).toBe(BigInt(TRIALS));
    expect(await dev.atoma.earnedBy(victim.nodeId)).toBe(1000n * BigInt(TRIALS));
  }, 900_000);
});
