/**
 * The daemon against a real devnet executing the published atoma bytecode (in process, JSON-RPC
 * over HTTP, or gRPC-web with ATOMA_TEST_TRANSPORT=grpc; the SDK chain port): real commitments, real sampling, disputes, slashing and
 * payouts. Chain time is the devnet's dev clock, frozen at T0 and moved only by the test; wall
 * time never closes a window. The cross-process tests are in test/test/e2e.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type RunningDevnet, startDevnet } from "@atoma/devnet";
import {
  AtomaClient,
  type AtomaEventRecord,
  buildSetParam,
  hashOutput,
  MoveAbortError,
  type RequestData,
} from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { blake2b } from "@noble/hashes/blake2.js";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { publishAtoma } from "../../../demo/src/network.js";
import { testClient, testDevnetOptions } from "../../../test/setup/transport.js";
import {
  type ChainClock,
  type ChainPort,
  type DaemonEvent,
  type EventBatch,
  RequestStatus,
} from "../../src/daemon/chain-port.js";
import { NodeDaemon } from "../../src/daemon/daemon.js";
import { type Executor, makeExecute } from "../../src/daemon/execute.js";
import { FileTaskJournal, JOURNAL_LOG, readTaskJournal } from "../../src/daemon/file-journal.js";
import { SdkChainClock, SdkChainPort } from "../../src/sdk-port.js";

const enc = new TextEncoder();
const logger = pino({ level: "silent" });
const T0 = 1_700_000_000_000n;

/** A registered node: its operator key and id (= its NodeCap id). */
interface ChainNode {
  kp: Ed25519Keypair;
  node_id: string;
}

/** A devnet with atoma published, 10 s commit/reveal windows, a keeper and a requester. */
class DevnetChain {
  private constructor(
    readonly d: RunningDevnet,
    readonly atoma: AtomaClient,
    readonly keeper: Ed25519Keypair,
  ) {}

  static async start(seed: string): Promise<DevnetChain> {
    const d = await startDevnet({ seed, clockMs: T0, checkpointIntervalMs: 50, ...testDevnetOptions() });
    try {
      const sui = testClient(d.url, "jsonrpc"); // ATOMA_TEST_TRANSPORT=grpc: gRPC-only devnet
      const admin = key(`${seed}:admin`);
      const deployed = await publishAtoma(sui, d.url, admin);
      const atoma = new AtomaClient(sui, {
        packageId: deployed.packageId,
        registryId: deployed.registryId,
        registryInitialSharedVersion: deployed.registryInitialSharedVersion,
      });
      const base = {
        packageId: deployed.packageId,
        registry: { objectId: deployed.registryId, initialSharedVersion: deployed.registryInitialSharedVersion },
        adminCap: deployed.adminCapId,
      };
      const tx = new Transaction();
      buildSetParam(tx, { ...base, name: "commit_window_ms", value: 10_000n });
      buildSetParam(tx, { ...base, name: "reveal_window_ms", value: 10_000n });
      await atoma.execute(tx, admin);
      const keeper = key(`${seed}:keeper`);
      await requestSuiFromFaucetV2({ host: d.url, recipient: keeper.toSuiAddress() });
      return new DevnetChain(d, atoma, keeper);
    } catch (e) {
      await d.close();
      throw e;
    }
  }

  get now(): bigint {
    return this.d.clock.now();
  }

  /** Moves the chain clock forward to `ms` (never back). */
  advanceTo(ms: bigint): void {
    if (ms > this.now) this.d.clock.set(ms);
  }

  request(id: string): Promise<RequestData> {
    return this.atoma.getRequest(id);
  }

  /** Every atoma event so far, in order. */
  async events(): Promise<{ name: string; data: Record<string, unknown> }[]> {
    const out: { name: string; data: Record<string, unknown> }[] = [];
    let cursor: { after: string | null } = { after: null };
    for (;;) {
      const page = await this.atoma.listEvents(cursor, 50);
      for (const r of page.events) out.push({ name: r.event.name, data: r.event.data as Record<string, unknown> });
      if (!page.hasNextPage || page.events.length === 0) break;
      cursor = page.cursor as { after: string | null };
    }
    return out;
  }

  /** Node ids slashed (NodeSlashed events, in order). */
  async slashed(): Promise<string[]> {
    this.d.cutCheckpoint();
    return (await this.events()).filter((e) => e.name === "NodeSlashed").map((e) => String(e.data.node_id));
  }

  /** Total paid per node id (NodePaid events). */
  async paid(): Promise<Map<string, bigint>> {
    this.d.cutCheckpoint();
    const out = new Map<string, bigint>();
    for (const e of await this.events())
      if (e.name === "NodePaid") {
        const id = String(e.data.node_id);
        out.set(id, (out.get(id) ?? 0n) + BigInt(e.data.amount as bigint | string));
      }
    return out;
  }

  /** The SDK chain port of `node`; `dead` makes it never answer again (a killed process). */
  port(node: ChainNode, opts: { dead?: () => boolean } = {}): ChainPort & ChainClock {
    const inner = new SdkChainPort({ atoma: this.atoma, signer: node.kp, nodeId: node.node_id });
    const clock = new SdkChainClock(this.atoma);
    const alive = async () => {
      if (opts.dead?.()) await new Promise(() => {});
    };
    return {
      nowMs: async () => {
        await alive();
        return clock.nowMs();
      },
      nextEvents: async (c, l) => {
        await alive();
        return inner.nextEvents(c, l);
      },
      getRequest: async (id) => {
        await alive();
        return inner.getRequest(id);
      },
      commit: async (id, r, h, s) => {
        await alive();
        return inner.commit(id, r, h, s);
      },
      reveal: async (id, r, h, s) => {
        await alive();
        return inner.reveal(id, r, h, s);
      },
      revealAndSettle: async (id, r, h, s, o) => {
        await alive();
        return inner.revealAndSettle(id, r, h, s, o);
      },
      settle: async (id, o) => {
        await alive();
        return inner.settle(id, o);
      },
      escalate: async (id) => {
        await alive();
        return inner.escalate(id);
      },
      postOutput: async (id, o) => {
        await alive();
        return inner.postOutput(id, o);
      },
    };
  }
}

/** A keypair derived from `label` (runs are reproducible with the devnet's seed). */
function key(label: string): Ed25519Keypair {
  return Ed25519Keypair.fromSecretKey(blake2b(enc.encode(`atoma-daemon-test:${label}`), { dkLen: 32 }));
}

/** A deterministic executor: output = "echo:" + input reversed. */
const echo: Executor = {
  name: "echo",
  capabilities: ["test:echo-v1"],
  run: async (job) => enc.encode(`echo:${[...new TextDecoder().decode(job.input)].reverse().join("")}`),
};

const dirs: string[] = [];
const chains: DevnetChain[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), "atoma-daemon-"));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(chains.splice(0).map((c) => c.d.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(seed: string, n: number, capabilities = ["test:echo-v1"]) {
  const chain = await DevnetChain.start(seed);
  chains.push(chain);
  const caps: ChainNode[] = [];
  for (let i = 0; i < n; i++) {
    const kp = key(`${seed}:operator:${i}`);
    await requestSuiFromFaucetV2({ host: chain.d.url, recipient: kp.toSuiAddress() });
    const res = await chain.atoma.registerNode(kp, {
      stake: 100_000_000_000n,
      sigPk: blake2b(enc.encode(`s${i}`), { dkLen: 32 }),
      encPk: blake2b(enc.encode(`e${i}`), { dkLen: 32 }),
      capabilities,
      price: 10n,
    });
    caps.push({ kp, node_id: res.nodeId });
  }
  const requester = key(`${seed}:requester`);
  await requestSuiFromFaucetV2({ host: chain.d.url, recipient: requester.toSuiAddress() });
  return { chain, caps, requester };
}

function daemonFor(
  chain: DevnetChain,
  cap: ChainNode,
  stateDir: string,
  extra: Partial<ConstructorParameters<typeof NodeDaemon>[0]> = {},
) {
  const port = chain.port(cap);
  return new NodeDaemon({
    nodeId: cap.node_id,
    chain: port,
    clock: port,
    journal: new FileTaskJournal(path.join(stateDir, "journal")),
    execute: makeExecute({ nodeId: cap.node_id, encSk: new Uint8Array(32), executors: [echo] }),
    logger,
    stateDir,
    pollMs: 20,
    ...extra,
  });
}

/** create_and_sample: 3 nodes at max price 100. */
async function submit(
  chain: DevnetChain,
  requester: Ed25519Keypair,
  input: string,
  capability = "test:echo-v1",
): Promise<string> {
  const r = await chain.atoma.createRequest(requester, {
    kind: 1,
    capability,
    input: enc.encode(input),
    inputHash: hashOutput(enc.encode(input)),
    maxTokens: 0n,
    fuel: 0n,
    sampleSize: 3,
    quorumBps: 0,
    maxPrice: 100n,
    confidential: false,
  });
  expect(r.nodes).toHaveLength(3);
  return r.requestId;
}

async function until(pred: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const settledWithOutput = async (chain: DevnetChain, id: string) => {
  const r = await chain.request(id);
  return r.status === 3 && r.output.length > 0;
};
const text = (b: Iterable<number>) => new TextDecoder().decode(Uint8Array.from(b));

describe("NodeDaemon on a devnet executing the atoma bytecode", () => {
  it("settles requests with honest nodes, posts the output, and a wrong-output node is slashed after a dispute", async () => {
    const { chain, caps, requester } = await setup("daemon-dispute", 5);
    const faulty = caps[0] as ChainNode;
    const daemons = caps.map((c, i) => daemonFor(chain, c, tmp(), i === 0 ? { fault: "wrong-output" } : {}));
    for (const d of daemons) d.start();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await submit(chain, requester, `hello ${i}`));
    await until(async () => (await Promise.all(ids.map((id) => settledWithOutput(chain, id)))).every(Boolean), 240_000);
    await Promise.all(daemons.map((d) => d.stop()));
    let faultySampled = false;
    for (const [i, id] of ids.entries()) {
      const r = await chain.request(id);
      expect(text(r.output)).toBe(`echo:${[...`hello ${i}`].reverse().join("")}`);
      const sampledFaulty = r.assignments.some((a) => a.node_id === faulty.node_id);
      faultySampled ||= sampledFaulty;
      expect(r.round).toBe(sampledFaulty ? 1 : 0);
    }
    expect(faultySampled).toBe(true);
    expect(new Set(await chain.slashed())).toEqual(new Set([faulty.node_id]));
    expect((await chain.paid()).has(faulty.node_id)).toBe(false);
    expect(BigInt((await chain.atoma.getNode(faulty.node_id)).slashed)).toBeGreaterThan(0n);
    expect(chain.now).toBe(T0); // nothing moved the clock
  }, 300_000);

  it("one execution slot per node: tasks waiting on other nodes never hold it, so a dispute round cannot deadlock", async () => {
    // Five nodes: a dispute round needs min_escalation(3, q) = 2 fresh nodes (protocol A5).
    // Each node runs one execution at a time. Waiting for the others' commits, reveals or an
    // escalation round must not occupy that slot: with a frozen clock no deadline would ever free it.
    const { chain, caps, requester } = await setup("daemon-one-slot", 5);
    const faulty = caps[0] as ChainNode;
    const daemons = caps.map((c, i) =>
      daemonFor(chain, c, tmp(), { concurrency: 1, ...(i === 0 ? { fault: "wrong-output" as const } : {}) }),
    );
    for (const d of daemons) d.start();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await submit(chain, requester, `slot ${i}`));
    await until(async () => (await Promise.all(ids.map((id) => settledWithOutput(chain, id)))).every(Boolean), 90_000);
    await Promise.all(daemons.map((d) => d.stop()));
    for (const [i, id] of ids.entries()) {
      const r = await chain.request(id);
      expect(text(r.output)).toBe(`echo:${[...`slot ${i}`].reverse().join("")}`);
      expect(r.round).toBe(r.assignments.some((a) => a.node_id === faulty.node_id) ? 1 : 0);
    }
    expect(new Set(await chain.slashed())).toEqual(new Set([faulty.node_id]));
    expect(chain.now).toBe(T0);
  }, 120_000);

  it("a node that dies between commit and reveal reveals after restart and never commits twice", async () => {
    const { chain, caps, requester } = await setup("daemon-restart", 3);
    const victim = caps[0] as ChainNode;
    const victimDir = tmp();
    let dead = false;
    const victimPort = chain.port(victim, { dead: () => dead });
    const first = daemonFor(chain, victim, victimDir, {
      chain: victimPort,
      clock: victimPort,
      onStep: (step) => {
        if (step === "committed") dead = true; // "SIGKILL" right after the commit is on chain
      },
    });
    const others = caps.slice(1).map((c) => daemonFor(chain, c, tmp()));
    first.start();
    for (const d of others) d.start();
    const id = await submit(chain, requester, "crash me");
    await until(async () => dead);
    const afterCommit = await chain.request(id);
    expect(afterCommit.assignments.find((a) => a.node_id === victim.node_id)?.committed).toBe(true);
    expect(afterCommit.assignments.find((a) => a.node_id === victim.node_id)?.revealed).toBe(false);
    // Restart from the same state dir (journal + cursor); the dead instance is abandoned.
    const second = daemonFor(chain, victim, victimDir);
    second.start();
    await until(async () => (await chain.request(id)).status === 3);
    await Promise.all([second.stop(), ...others.map((d) => d.stop())]);
    const r = await chain.request(id);
    expect(r.assignments.find((a) => a.node_id === victim.node_id)?.revealed).toBe(true);
    expect(r.round).toBe(0);
    expect(await chain.slashed()).toEqual([]);
    expect(second.stats.committed).toBe(0);
    expect((await chain.paid()).get(victim.node_id)).toBe(10n);
  }, 120_000);

  it("a node that dies while it executes (nothing journaled yet) runs the task after restart: the cursor waited for the journal", async () => {
    const { chain, caps, requester } = await setup("daemon-crash-executing", 3);
    const victim = caps[0] as ChainNode;
    const victimDir = tmp();
    let dead = false;
    let executing = false;
    const victimPort = chain.port(victim, { dead: () => dead });
    const stuck: Executor = {
      ...echo,
      run: async () => {
        executing = true;
        return new Promise<Uint8Array>(() => {}); // the process dies before the output exists
      },
    };
    const first = daemonFor(chain, victim, victimDir, {
      chain: victimPort,
      clock: victimPort,
      execute: makeExecute({ nodeId: victim.node_id, encSk: new Uint8Array(32), executors: [stuck] }),
      cursorSaveMs: 0,
    });
    const others = caps.slice(1).map((c) => daemonFor(chain, c, tmp()));
    first.start();
    for (const d of others) d.start();
    const id = await submit(chain, requester, "die while executing");
    await until(async () => executing);
    // The follower reads on (the others' commits: more pages, each cursor saved at once) meanwhile.
    await new Promise((r) => setTimeout(r, 1_000));
    dead = true; // "SIGKILL": no stop, no flush; the journal holds nothing for this request
    expect(readTaskJournal(path.join(victimDir, "journal")).get(id, 0)).toBeUndefined();
    const second = daemonFor(chain, victim, victimDir);
    second.start();
    await until(async () => (await chain.request(id)).status === 3, 60_000);
    await Promise.all([second.stop(), ...others.map((d) => d.stop())]);
    const r = await chain.request(id);
    expect(r.round).toBe(0);
    expect(r.assignments.find((a) => a.node_id === victim.node_id)).toMatchObject({ committed: true, revealed: true });
    expect(await chain.slashed()).toEqual([]);
    expect(second.stats.committed).toBe(1);
  }, 120_000);

  it("an RPC outage longer than the reads' own retries, before anything is journaled: the task is tried again, not lost; a stop during it keeps the sampling for the restart", async () => {
    const { chain, caps, requester } = await setup("daemon-outage", 3);
    const victim = caps[0] as ChainNode;
    const victimDir = tmp();
    let down = 0; // the victim's request reads fail until this time (the node's RPC is down)
    const port = chain.port(victim);
    const flaky = {
      ...port,
      getRequest: async (id: string) => {
        if (Date.now() < down) throw new Error("fetch failed");
        return port.getRequest(id);
      },
    };
    const others = caps.slice(1).map((c) => daemonFor(chain, c, tmp()));
    for (const d of others) d.start();
    // 1. An outage of 5 s: the task's own read retries (about 3 s) give up, the daemon tries again.
    const first = daemonFor(chain, victim, victimDir, { chain: flaky, clock: flaky, cursorSaveMs: 0 });
    first.start();
    down = Date.now() + 5_000;
    const a = await submit(chain, requester, "outage");
    await until(async () => (await chain.request(a)).status === 3, 60_000);
    expect((await chain.request(a)).assignments.find((x) => x.node_id === victim.node_id)).toMatchObject({
      committed: true,
      revealed: true,
    });
    expect(first.stats.errors).toBeGreaterThanOrEqual(1);
    // 2. Stopped (gracefully) during an outage, before anything is journaled: the cursor it
    // flushes stays before the sampling, and the restart runs the task.
    down = Date.now() + 60_000;
    const b = await submit(chain, requester, "stopped in an outage");
    await new Promise((r) => setTimeout(r, 1_500));
    await first.stop();
    expect(readTaskJournal(path.join(victimDir, "journal")).get(b, 0)).toBeUndefined();
    down = 0;
    const second = daemonFor(chain, victim, victimDir);
    second.start();
    await until(async () => (await chain.request(b)).status === 3, 60_000);
    await Promise.all([second.stop(), ...others.map((d) => d.stop())]);
    expect((await chain.request(b)).assignments.find((x) => x.node_id === victim.node_id)).toMatchObject({
      committed: true,
      revealed: true,
    });
    expect(await chain.slashed()).toEqual([]);
  }, 180_000);

  it("resumes from a journal record written before phases (committed, not revealed): reveals, never commits twice", async () => {
    const { chain, caps, requester } = await setup("daemon-old-journal", 3);
    const victim = caps[0] as ChainNode;
    const victimDir = tmp();
    let dead = false;
    const victimPort = chain.port(victim, { dead: () => dead });
    const first = new NodeDaemon({
      nodeId: victim.node_id,
      chain: victimPort,
      clock: victimPort,
      journal: new FileTaskJournal(path.join(victimDir, "journal")),
      execute: makeExecute({ nodeId: victim.node_id, encSk: new Uint8Array(32), executors: [echo] }),
      logger,
      stateDir: victimDir,
      pollMs: 20,
      onStep: (step) => {
        if (step === "committed") dead = true;
      },
    });
    const others = caps.slice(1).map((c) => daemonFor(chain, c, tmp()));
    first.start();
    for (const d of others) d.start();
    const id = await submit(chain, requester, "old journal");
    await until(async () => dead);
    // Put the node back on the format before the log, its record as the daemon before phases
    // wrote it at this point (fields in its order): the restart migrates it.
    const journalDir = path.join(victimDir, "journal");
    const rec = readTaskJournal(journalDir).get(id, 0);
    if (!rec) throw new Error("nothing journaled");
    expect(rec.phase).toBe("committed");
    const old = {
      requestId: id,
      round: 0,
      outputHash: rec.outputHash,
      salt: rec.salt,
      output: rec.output,
      committed: true,
      revealed: false,
      settled: false,
    };
    rmSync(path.join(journalDir, JOURNAL_LOG));
    writeFileSync(path.join(journalDir, `${id}-0.json`), JSON.stringify(old));
    const second = daemonFor(chain, victim, victimDir);
    second.start();
    await until(() => settledWithOutput(chain, id));
    // The victim's reveal may itself settle and post (it is the last to reveal): the chain is done
    // before its task is; stop once the task journaled its end.
    await until(async () => readTaskJournal(journalDir).get(id, 0)?.phase === "done");
    await Promise.all([second.stop(), ...others.map((d) => d.stop())]);
    const r = await chain.request(id);
    expect(r.assignments.find((a) => a.node_id === victim.node_id)?.revealed).toBe(true);
    expect(r.round).toBe(0);
    expect(await chain.slashed()).toEqual([]);
    expect(second.stats.committed).toBe(0);
    expect(second.stats.revealed).toBe(1);
    expect((await chain.paid()).get(victim.node_id)).toBe(10n);
    expect(readTaskJournal(journalDir).get(id, 0)).toMatchObject({ phase: "done", outcome: "settled" });
    expect(existsSync(path.join(journalDir, `${id}-0.json`))).toBe(false); // migrated into the log
    // The SDK port surfaces the chain's refusal as the SDK's typed abort: a second commit on a
    // settled request is EWrongStatus of module request, not a string to match.
    const refused = await chain
      .port(victim)
      .commit(id, 0, new Uint8Array(Buffer.from(rec.outputHash, "hex")), new Uint8Array(32))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(refused).toBeInstanceOf(MoveAbortError);
    expect((refused as MoveAbortError).module).toBe("request");
    expect((refused as MoveAbortError).constantName).toBe("EWrongStatus");
  }, 120_000);

  it("a node stopped while it waits for the others' commits keeps its reveal to do, and reveals after the restart", async () => {
    const { chain, caps, requester } = await setup("daemon-stop-waiting", 3);
    const victim = caps[0] as ChainNode;
    const victimDir = tmp();
    let committed = false;
    const first = daemonFor(chain, victim, victimDir, {
      onStep: (step) => {
        if (step === "committed") committed = true;
      },
    });
    first.start(); // alone: the other two never commit, and the frozen clock never closes the window
    const id = await submit(chain, requester, "stop while waiting");
    await until(async () => committed);
    await first.stop();
    expect(readTaskJournal(path.join(victimDir, "journal")).get(id, 0)?.phase).toBe("committed");
    const others = caps.slice(1).map((c) => daemonFor(chain, c, tmp()));
    const second = daemonFor(chain, victim, victimDir);
    for (const d of [second, ...others]) d.start();
    await until(() => settledWithOutput(chain, id));
    await Promise.all([second, ...others].map((d) => d.stop()));
    const r = await chain.request(id);
    expect(r.assignments.map((a) => a.revealed)).toEqual([true, true, true]);
    expect(r.round).toBe(0);
    expect(await chain.slashed()).toEqual([]);
    expect(second.stats.committed).toBe(0);
    expect((await chain.paid()).get(victim.node_id)).toBe(10n);
    expect(chain.now).toBe(T0);
  }, 120_000);

  it("skips a request it cannot execute (logged), does not die, and keeps serving", async () => {
    const { chain, caps, requester } = await setup("daemon-skip", 3, ["test:echo-v1", "test:unknown-v1"]);
    const daemons = caps.map((c) => daemonFor(chain, c, tmp()));
    for (const d of daemons) d.start();
    const bad = await submit(chain, requester, "no executor serves this", "test:unknown-v1");
    const good = await submit(chain, requester, "after the bad one");
    await until(async () => (await settledWithOutput(chain, good)) && daemons.every((d) => d.stats.skipped === 1));
    // The daemons stop first so that the keeper's settle and escalate below are the only
    // transactions after the clock moves.
    await Promise.all(daemons.map((d) => d.stop()));
    // Nobody revealed the bad one; a keeper settles it after the reveal deadline (round 0 →
    // Disputed), escalation finds no fresh node and ends the dispute window (it reads the
    // Registry only, issue 13 B), and the next settle fails it → Failed, absentees slashed.
    chain.advanceTo(BigInt((await chain.request(bad)).reveal_deadline_ms));
    await chain.atoma.settle(chain.keeper, bad);
    expect((await chain.request(bad)).status).toBe(4);
    await chain.atoma.escalate(chain.keeper, bad);
    expect((await chain.request(bad)).status).toBe(4);
    const failed = await chain.atoma.settle(chain.keeper, bad);
    expect(failed.events.filter((e) => e.name === "NodeSlashed")).toHaveLength(3);
    const reason = failed.events.find((e) => e.name === "RequestFailed");
    expect(reason?.name === "RequestFailed" && reason.data.reason).toBe(1); // NoEligibleNodes
    expect((await chain.request(bad)).status).toBe(5);
    expect(daemons.map((d) => d.stats.skipped)).toEqual([1, 1, 1]);
    expect(text((await chain.request(good)).output)).toBe("echo:eno dab eht retfa");
  }, 120_000);

  it("an honest node that takes seconds of wall time to execute still makes every window", async () => {
    const { chain, caps, requester } = await setup("daemon-slow", 3);
    const slow: Executor = {
      ...echo,
      run: async (job) => {
        await new Promise((r) => setTimeout(r, 3_000)); // a loaded machine
        return echo.run(job);
      },
    };
    const daemons = caps.map((c, i) =>
      daemonFor(
        chain,
        c,
        tmp(),
        i === 0 ? { execute: makeExecute({ nodeId: c.node_id, encSk: new Uint8Array(32), executors: [slow] }) } : {},
      ),
    );
    for (const d of daemons) d.start();
    const id = await submit(chain, requester, "take your time");
    await until(() => settledWithOutput(chain, id));
    await Promise.all(daemons.map((d) => d.stop()));
    const r = await chain.request(id);
    expect(r.round).toBe(0);
    expect(r.assignments.map((a) => [a.node_id, a.committed, a.revealed]).sort()).toEqual(
      caps.map((c) => [c.node_id, true, true]).sort(),
    );
    expect(await chain.slashed()).toEqual([]);
    const paid = await chain.paid();
    expect(caps.map((c) => paid.get(c.node_id))).toEqual([10n, 10n, 10n]);
    expect(chain.now).toBe(T0); // nothing moved the clock
  }, 120_000);

  it("the last revealer settles and posts the output in its reveal's transaction; one settle per request", async () => {
    const { chain, caps, requester } = await setup("daemon-reveal-settle", 3);
    const late = caps[0] as ChainNode;
    // `late`'s view of the chain lags (a slow follower), so it is the last to reveal whatever the
    // machine's timing:
    // - it learns of the request only once the two others committed (the page with the sampling
    //   is held back until it also holds their commits: the order that once made this test wait
    //   for ever, when the page held back for the commits was also the one with the sampling);
    // - it never sees the others' commits, in events or in a read, only their reveals, and a page
    //   with one of their reveals is held back until it holds both.
    // So `late` commits, and its view turns to Revealing only with both other reveals in it.
    const base = chain.port(late);
    const other = (e: DaemonEvent) => "nodeId" in e && e.nodeId !== late.node_id;
    const count = (page: EventBatch, name: DaemonEvent["name"]) =>
      page.events.filter((e) => e.name === name && other(e)).length;
    const port: ChainPort & ChainClock = {
      ...base,
      nextEvents: async (c, l) => {
        for (const t0 = Date.now(); ; ) {
          const page = await base.nextEvents(c, l);
          const sampled = page.events.some((e) => e.name === "NodesSampled");
          const hold = (sampled && count(page, "ResultCommitted") < 2) || count(page, "ResultRevealed") === 1;
          if (!hold || Date.now() - t0 > 60_000)
            return { ...page, events: page.events.filter((e) => !(e.name === "ResultCommitted" && other(e))) };
          await new Promise((res) => setTimeout(res, 50));
        }
      },
      getRequest: async (id) => {
        const r = await base.getRequest(id);
        const others = r.assignments.filter((a) => a.nodeId !== late.node_id && a.round === r.round);
        for (const a of others) a.committed = a.revealed;
        if (r.status === RequestStatus.Revealing && others.some((a) => !a.revealed)) r.status = RequestStatus.Sampled;
        return r;
      },
    };
    const daemons = caps.map((c) =>
      daemonFor(chain, c, tmp(), c === late ? { chain: port, clock: port, quietReadMs: 600_000 } : {}),
    );
    for (const d of daemons) d.start();
    const id = await submit(chain, requester, "last one settles");
    await until(() => settledWithOutput(chain, id));
    await until(async () => daemons.every((d) => d.pendingTasks === 0));
    await Promise.all(daemons.map((d) => d.stop()));
    const recs: AtomaEventRecord[] = [];
    for (let page = await chain.atoma.listEvents({ after: null }, 1000); ; ) {
      recs.push(...page.events);
      if (!page.hasNextPage || page.events.length === 0) break;
      page = await chain.atoma.listEvents(page.cursor, 1000);
    }
    const of = (name: string) =>
      recs.filter((e) => e.event.name === name && (e.event.data as { request_id?: string }).request_id === id);
    const lateReveal = of("ResultRevealed").find((e) => (e.event.data as { node_id: string }).node_id === late.node_id);
    expect(of("ResultRevealed")).toHaveLength(3);
    expect(of("ResultRevealed").at(-1)?.txDigest).toBe(lateReveal?.txDigest);
    expect(of("RequestSettled").map((e) => e.txDigest)).toEqual([lateReveal?.txDigest]);
    const posts = of("OutputPosted");
    expect(posts.map((e) => [e.txDigest, (e.event.data as { node_id: string }).node_id])).toEqual([
      [lateReveal?.txDigest, late.node_id],
    ]);
    expect(text((await chain.request(id)).output)).toBe("echo:selttes eno tsal");
    // One settle transaction in all (the late node's reveal), none sent by the others.
    expect(daemons.map((d) => d.stats.settledCalls)).toEqual([1, 0, 0]);
    expect(daemons.map((d) => d.stats.posted)).toEqual([1, 0, 0]);
    expect(await chain.slashed()).toEqual([]);
  }, 120_000);

  it("one request costs 4 sequential transactions and one read of the request per node: the daemon follows the events", async () => {
    // Counted through each node's chain port (its only way to the chain) and on the chain itself
    // (transaction digests of the request's events). The clock is frozen, so no deadline decides.
    const { chain, caps, requester } = await setup("daemon-round-trips", 3);
    const reads = new Map<string, number>();
    const daemons = caps.map((c) => {
      const base = chain.port(c);
      const port: ChainPort & ChainClock = {
        ...base,
        getRequest: async (id) => {
          reads.set(c.node_id, (reads.get(c.node_id) ?? 0) + 1);
          return base.getRequest(id);
        },
      };
      // No quiet re-read in this test: every read counted is one the state machine asked for.
      return daemonFor(chain, c, tmp(), { chain: port, clock: port, quietReadMs: 600_000 });
    });
    for (const d of daemons) d.start();
    const id = await submit(chain, requester, "count my round trips");
    await until(() => settledWithOutput(chain, id));
    await until(async () => daemons.every((d) => d.pendingTasks === 0));
    await Promise.all(daemons.map((d) => d.stop()));
    // One read per node: the sampled request's input; the commits, reveals, settlement and post
    // came from the events.
    expect(caps.map((c) => reads.get(c.node_id) ?? 0)).toEqual([1, 1, 1]);
    expect(daemons.map((d) => d.reads.request)).toEqual([1, 1, 1]);
    const recs: AtomaEventRecord[] = [];
    for (let page = await chain.atoma.listEvents({ after: null }, 1000); ; ) {
      recs.push(...page.events);
      if (!page.hasNextPage || page.events.length === 0) break;
      page = await chain.atoma.listEvents(page.cursor, 1000);
    }
    const mine = recs.filter((e) => (e.event.data as { request_id?: string }).request_id === id);
    const digests = (name: string) => mine.filter((e) => e.event.name === name).map((e) => e.txDigest);
    // create-and-sample, 3 commits, 3 reveals, and one settle that posts the output: in the last
    // reveal's transaction when one node saw itself last, else alone (the reveals landed together).
    // 4 transactions in sequence either way: create, the commits, the reveals, the settle.
    const settle = digests("RequestSettled");
    expect(settle).toHaveLength(1);
    expect(digests("OutputPosted")).toEqual(settle);
    expect(new Set(digests("ResultCommitted")).size).toBe(3);
    expect(new Set(digests("ResultRevealed")).size).toBe(3);
    const ridden = digests("ResultRevealed").includes(settle[0] as string);
    expect(new Set(mine.map((e) => e.txDigest)).size).toBe(ridden ? 7 : 8);
    expect(daemons.reduce((n, d) => n + d.stats.settledCalls, 0)).toBe(1);
    expect(text((await chain.request(id)).output)).toBe("echo:spirt dnuor ym tnuoc");
    expect(await chain.slashed()).toEqual([]);
  }, 120_000);
});
