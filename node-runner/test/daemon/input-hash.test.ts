/**
 * The attack: a requester seals a different input to one sampled node than to the others (the
 * on-chain `input_hash` commits to one input), so that honest nodes disagree and one is slashed
 * for dissent. The node opens its input, finds that it does not hash to `input_hash`, and refuses:
 * it runs nothing and commits nothing (docs/protocol.md, "Confidential inputs: the node checks
 * input_hash"); the reason is journaled, logged and counted (`step="input_mismatch"`).
 *
 * On a devnet executing the atoma bytecode, with attested nodes (confidential requests sample
 * only those), real envelopes and the real daemon; the victim's chain port hands it the input the
 * requester sealed for it alone (what it would open from a per-node delivery, or from a shared
 * envelope whose AEAD is not key-committing).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { blindedHash, hashOutput, RequestStatus, sealForNodes } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoChain, type RegisteredNode, registerNode, startChain } from "../../../demo/src/network.js";
import type { ChainPort } from "../../src/daemon/chain-port.js";
import { NodeDaemon } from "../../src/daemon/daemon.js";
import { type Executor, InputHashMismatch, makeExecute } from "../../src/daemon/execute.js";
import { FileTaskJournal, readTaskJournal } from "../../src/daemon/file-journal.js";
import { createMetrics } from "../../src/metrics.js";
import { SdkChainClock, SdkChainPort } from "../../src/sdk-port.js";
import { requestView } from "./request-view.js";

const enc = new TextEncoder();
const logger = pino({ level: "silent" });
const CAP = "test:echo-v1";

/** output = "echo:" + input; records what it ran. */
function echo() {
  const ran: string[] = [];
  const ex: Executor = {
    name: "echo",
    capabilities: [CAP],
    run: async (job) => {
      ran.push(new TextDecoder().decode(job.input));
      return enc.encode(`echo:${new TextDecoder().decode(job.input)}`);
    },
  };
  return { ex, ran };
}

let dir: string;
let chain: DemoChain;
let nodes: RegisteredNode[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "atoma-input-hash-"));
  chain = await startChain({ seed: "input-hash", windowMs: 20_000n, transport: "jsonrpc" });
  nodes = [];
  for (let i = 0; i < 3; i++)
    nodes.push(
      await registerNode(chain, path.join(dir, `node${i}`), { capabilities: [CAP], price: 10n, attest: true }),
    );
}, 180_000);

afterAll(async () => {
  await chain?.devnet.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(pred: () => Promise<boolean>, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The node's recipient record for sealing (keys read back from the chain; sealing checks the attestation). */
const recipient = (n: RegisteredNode) => chain.atoma.nodeRecipient(n.nodeId);

describe("a node refuses a confidential input that does not hash to the request's input_hash", () => {
  it("the requester seals another input to one node: that node runs and commits nothing; the others settle", async () => {
    const victim = nodes[2] as RegisteredNode;
    const honest = "what is 2+2?";
    const other = "what is 2+3?";
    const inputHash = hashOutput(enc.encode(honest));
    const nowMs = Number(chain.devnet.clock.now());
    const all = await Promise.all(nodes.map(recipient));
    const onChain = sealForNodes({ inputHash, payload: enc.encode(honest), recipients: all, nowMs }).envelope;
    // Bound to the same input_hash, sealed to the victim alone: it opens, authenticated.
    const forVictim = sealForNodes({
      inputHash,
      payload: enc.encode(other),
      recipients: [await recipient(victim)],
      nowMs,
    }).envelope;
    const requester = Ed25519Keypair.generate();
    await requestSuiFromFaucetV2({ host: chain.url, recipient: requester.toSuiAddress() });

    const executors = nodes.map(() => echo());
    const metrics = nodes.map((n) => createMetrics(n.nodeId));
    const daemons = nodes.map((n, i) => {
      const inner = new SdkChainPort({ atoma: chain.atoma, signer: n.keys.signer, nodeId: n.nodeId });
      const port: ChainPort =
        n === victim
          ? Object.assign(Object.create(inner) as SdkChainPort, {
              // What the victim receives from the requester instead of the input on chain.
              getRequest: async (id: string) => ({ ...(await inner.getRequest(id)), input: forVictim }),
            })
          : inner;
      return new NodeDaemon({
        nodeId: n.nodeId,
        chain: port,
        clock: new SdkChainClock(chain.atoma),
        journal: new FileTaskJournal(path.join(n.stateDir, "journal")),
        execute: makeExecute({
          nodeId: n.nodeId,
          encSk: n.keys.encSk,
          executors: [(executors[i] as ReturnType<typeof echo>).ex],
        }),
        logger,
        stateDir: n.stateDir,
        pollMs: 50,
        metrics: metrics[i] as ReturnType<typeof createMetrics>,
      });
    });
    for (const d of daemons) d.start();
    try {
      const created = await chain.atoma.createRequest(requester, {
        kind: 1,
        capability: CAP,
        input: onChain,
        inputHash,
        sampleSize: 3,
        quorumBps: 5_001,
        maxPrice: 100n,
        confidential: true,
      });
      expect(new Set(created.nodes)).toEqual(new Set(nodes.map((n) => n.nodeId)));
      const id = created.requestId;
      // The honest two commit and reveal; once the reveal window closes one of them settles.
      await until(async () => (await chain.atoma.getRequest(id)).status === RequestStatus.Settled, 150_000);
      const r = await chain.atoma.getRequest(id);
      const byNode = new Map(r.assignments.map((a) => [a.node_id, a]));
      expect(byNode.get(victim.nodeId)?.committed).toBe(false);
      expect(nodes.filter((n) => n !== victim).map((n) => byNode.get(n.nodeId)?.revealed)).toEqual([true, true]);
      // Round 0 agrees on the blinded t; the first post (the honest nodes post next) sets the hash.
      const want = hashOutput(enc.encode(`echo:${honest}`));
      expect(Uint8Array.from(r.agreed_blinded_hash ?? [])).toEqual(blindedHash(want, id));
      await until(async () => (await chain.atoma.getRequest(id)).agreed_output_hash !== null, 30_000);
      expect(Uint8Array.from((await chain.atoma.getRequest(id)).agreed_output_hash ?? [])).toEqual(want);

      const v = daemons[2] as NodeDaemon;
      await until(async () => v.stats.skipped === 1, 30_000);
      expect(v.stats.inputMismatch).toBe(1);
      expect(v.stats.executed).toBe(0);
      expect(v.stats.committed).toBe(0);
      expect(executors[2]?.ran).toEqual([]); // the other input never reached the executor
      expect(executors.slice(0, 2).map((e) => e.ran)).toEqual([[honest], [honest]]);
      const journaled = readTaskJournal(path.join(victim.stateDir, "journal")).get(id, 0);
      expect(journaled?.phase).toBe("done");
      expect(journaled?.outcome).toBe("skipped");
      expect(journaled?.reason).toContain(`hashes to ${Buffer.from(hashOutput(enc.encode(other))).toString("hex")}`);
      expect(journaled?.reason).toContain(`input_hash ${Buffer.from(inputHash).toString("hex")}`);
      expect(await metrics[2]?.registry.metrics()).toMatch(
        /atoma_node_task_steps_total\{step="input_mismatch"[^}]*\} 1/,
      );
      expect(await metrics[0]?.registry.metrics()).not.toMatch(/step="input_mismatch"/);
    } finally {
      await Promise.all(daemons.map((d) => d.stop()));
    }
  }, 300_000);

  it("InputHashMismatch names both hashes; the check runs on the opened plaintext, not the envelope", async () => {
    const n = nodes[0] as RegisteredNode;
    const { ex, ran } = echo();
    const run = makeExecute({ nodeId: n.nodeId, encSk: n.keys.encSk, executors: [ex] });
    const nowMs = Number(chain.devnet.clock.now());
    const rec = await recipient(n);
    const good = enc.encode("hello");
    const inputHash = hashOutput(good);
    const envelope = sealForNodes({ inputHash, payload: good, recipients: [rec], nowMs }).envelope;
    const view = requestView({ kind: 1, capability: enc.encode(CAP), inputHash, input: envelope, sampleSize: 1n });
    // input_hash = blake2b256(plaintext), not of the envelope bytes: this one runs.
    expect((await run(view)).outputHash).toEqual(hashOutput(enc.encode("echo:hello")));
    const bad = enc.encode("goodbye");
    const other = sealForNodes({ inputHash, payload: bad, recipients: [rec], nowMs }).envelope;
    const err = await run({ ...view, input: other }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputHashMismatch);
    expect((err as InputHashMismatch).expected).toEqual(inputHash);
    expect((err as InputHashMismatch).actual).toEqual(hashOutput(bad));
    expect(ran).toEqual(["hello"]);
  });
});
