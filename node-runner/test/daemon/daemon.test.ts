/**
 * The daemon against the protocol's TypeScript state machine (devnet/src/protocol, the same one
 * the devnet runs, checked against the Move tests): real commitments, real sampling, disputes,
 * slashing and payouts, in one process. The cross-process tests are in test/test/e2e.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { computeCommitment, hashOutput } from "@atoma/sdk";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { contextFor, dummyTxHash } from "../../../devnet/src/protocol/ids.js";
import * as m from "../../../devnet/src/protocol/machine.js";
import { defaultParams, type NodeCap, type Registry, type Request } from "../../../devnet/src/protocol/types.js";
import type { ChainPort, DaemonEvent, EventBatch, RequestView } from "../../src/daemon/chain-port.js";
import { NodeDaemon } from "../../src/daemon/daemon.js";
import { type Executor, makeExecute } from "../../src/daemon/execute.js";
import { FileTaskJournal } from "../../src/daemon/file-journal.js";

const enc = new TextEncoder();
const logger = pino({ level: "silent" });

/** The whole chain in memory; every call is one "transaction" applied to clones, kept on success. */
class MachineChain {
  registry: Registry;
  requests = new Map<string, Request>();
  events: DaemonEvent[] = [];
  slashed: string[] = [];
  paid = new Map<string, bigint>();
  /**
   * Chain time stands still unless the test moves it (`advanceTo`): no commit or reveal window
   * can close on an honest daemon because the machine is loaded.
   */
  private clockMs = 1_700_000_000_000n;
  get now(): bigint {
    return this.clockMs;
  }
  /** Moves the chain clock forward to `ms` (never back). */
  advanceTo(ms: bigint): void {
    if (ms > this.clockMs) this.clockMs = ms;
  }
  private txn = 1n;

  constructor() {
    const tx = this.tx("0xad");
    this.registry = m.init(tx, { ...defaultParams(), commit_window_ms: 10_000n, reveal_window_ms: 10_000n }).registry;
  }

  private tx(sender: string): m.Tx {
    const digest = dummyTxHash(this.txn++);
    return new m.Tx(contextFor(sender, digest, this.now, m.blake2b256(digest)));
  }

  apply<T>(sender: string, requestId: string | null, f: (tx: m.Tx, reg: Registry, req: Request | undefined) => T): T {
    const reg = structuredClone(this.registry);
    const req = requestId ? structuredClone(this.requests.get(requestId)) : undefined;
    const tx = this.tx(sender);
    const out = f(tx, reg, req);
    this.registry = reg;
    if (req) this.requests.set(req.id, req);
    for (const s of tx.effects.shared) if ("assignments" in s) this.requests.set(s.id, s);
    for (const e of tx.effects.events) {
      const fl = e.fields as Record<string, unknown>;
      if (e.name === "NodesSampled")
        this.events.push({
          name: "NodesSampled",
          requestId: String(fl.request_id),
          round: Number(fl.round),
          nodes: fl.nodes as string[],
        });
      else if (e.name === "NodeSlashed") this.slashed.push(String(fl.node_id));
      else if (e.name === "NodePaid")
        this.paid.set(String(fl.node_id), (this.paid.get(String(fl.node_id)) ?? 0n) + BigInt(fl.amount as bigint));
      else this.events.push({ name: "Other", type: e.name });
    }
    return out;
  }

  view(id: string): RequestView {
    const r = this.requests.get(id);
    if (!r) throw new Error(`no request ${id}`);
    return {
      id: r.id,
      requester: r.requester,
      kind: r.kind,
      capability: r.capability,
      inputHash: r.input_hash,
      input: r.input,
      maxTokens: r.max_tokens,
      fuel: r.fuel,
      sampleSize: r.sample_size,
      confidential: r.confidential,
      status: r.status as RequestView["status"],
      round: r.round,
      commitDeadlineMs: r.commit_deadline_ms,
      revealDeadlineMs: r.reveal_deadline_ms,
      disputeDeadlineMs: r.dispute_deadline_ms,
      assignments: r.assignments.map((a) => ({
        nodeId: a.node_id,
        round: a.round,
        price: a.price,
        committed: a.committed,
        revealed: a.revealed,
        outputHash: a.output_hash,
      })),
      agreedOutputHash: r.agreed_output_hash,
      outputPosted: r.output.length > 0,
    };
  }

  port(cap: NodeCap, opts: { dead?: () => boolean } = {}): ChainPort {
    const op = cap.id;
    const alive = async () => {
      if (opts.dead?.()) await new Promise(() => {}); // a killed process never answers
    };
    return {
      nowMs: async () => {
        await alive();
        return this.now;
      },
      nextEvents: async (cursor: unknown, limit: number): Promise<EventBatch> => {
        await alive();
        const from = (cursor as number | null) ?? 0;
        const events = this.events.slice(from, from + limit);
        return { events, cursor: from + events.length };
      },
      getRequest: async (id) => {
        await alive();
        return this.view(id);
      },
      commit: async (id, outputHash, salt) => {
        await alive();
        this.apply(op, id, (tx, _reg, req) =>
          m.commit(tx, req as Request, cap, computeCommitment(outputHash, cap.node_id, salt)),
        );
      },
      reveal: async (id, outputHash, salt) => {
        await alive();
        this.apply(op, id, (tx, _reg, req) => m.reveal(tx, req as Request, cap, outputHash, salt));
      },
      settle: async (id) => {
        await alive();
        this.apply(op, id, (tx, reg, req) => m.settle(tx, req as Request, reg));
      },
      escalate: async (id) => {
        await alive();
        this.apply(op, id, (tx, reg, req) => m.escalate(tx, req as Request, reg));
      },
      postOutput: async (id, output) => {
        await alive();
        this.apply(op, id, (tx, _reg, req) => m.postOutput(tx, req as Request, cap, output));
      },
    };
  }
}

/** A deterministic executor: output = "echo:" + input reversed. */
const echo: Executor = {
  name: "echo",
  capabilities: ["test:echo-v1"],
  run: async (job) => enc.encode(`echo:${[...new TextDecoder().decode(job.input)].reverse().join("")}`),
};

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), "atoma-daemon-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(n: number, capabilities = ["test:echo-v1"]) {
  const chain = new MachineChain();
  const caps: NodeCap[] = [];
  for (let i = 0; i < n; i++) {
    caps.push(
      chain.apply(`0x${(i + 1).toString(16).padStart(2, "0")}`, null, (tx, reg) =>
        m.registerNode(
          tx,
          reg,
          100_000_000_000n,
          m.blake2b256(enc.encode(`s${i}`)),
          m.blake2b256(enc.encode(`e${i}`)),
          capabilities.map((c) => enc.encode(c)),
          10n,
        ),
      ),
    );
  }
  return { chain, caps };
}

function daemonFor(
  chain: MachineChain,
  cap: NodeCap,
  stateDir: string,
  extra: Partial<ConstructorParameters<typeof NodeDaemon>[0]> = {},
) {
  const d = new NodeDaemon({
    nodeId: cap.node_id,
    chain: chain.port(cap),
    journal: new FileTaskJournal(path.join(stateDir, "journal")),
    execute: makeExecute({ nodeId: cap.node_id, encSk: new Uint8Array(32), executors: [echo] }),
    logger,
    stateDir,
    pollMs: 5,
    ...extra,
  });
  return d;
}

function submit(chain: MachineChain, input: string, capability = "test:echo-v1"): string {
  const req = chain.apply("0xee", null, (tx, reg) => {
    const r = m.createRequest(tx, reg, 1_000_000n, {
      kind: 1,
      capability: enc.encode(capability),
      input_hash: hashOutput(enc.encode(input)),
      input: enc.encode(input),
      max_tokens: 0n,
      fuel: 0n,
      sample_size: 3n,
      quorum_bps: 0n,
      max_price: 100n,
      confidential: false,
    });
    return r;
  });
  chain.apply("0xee", req.id, (tx, reg, r) => m.sampleNodes(tx, r as Request, reg));
  return req.id;
}

async function until(pred: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("NodeDaemon on the protocol state machine", () => {
  it("settles requests with honest nodes, posts the output, and a wrong-output node is slashed after a dispute", async () => {
    const { chain, caps } = setup(5);
    const faulty = caps[0] as NodeCap;
    const daemons = caps.map((c, i) => daemonFor(chain, c, tmp(), i === 0 ? { fault: "wrong-output" } : {}));
    for (const d of daemons) d.start();
    const ids = Array.from({ length: 10 }, (_, i) => submit(chain, `hello ${i}`));
    await until(() =>
      ids.every((id) => chain.requests.get(id)?.status === 3 && (chain.requests.get(id)?.output.length ?? 0) > 0),
    );
    await Promise.all(daemons.map((d) => d.stop()));
    for (const [i, id] of ids.entries()) {
      const r = chain.requests.get(id) as Request;
      expect(new TextDecoder().decode(r.output)).toBe(`echo:${[...`hello ${i}`].reverse().join("")}`);
      const sampledFaulty = r.assignments.some((a) => a.node_id === faulty.node_id);
      expect(r.round).toBe(sampledFaulty ? 1 : 0);
    }
    const faultySampled = ids.some((id) =>
      chain.requests.get(id)?.assignments.some((a) => a.node_id === faulty.node_id),
    );
    expect(faultySampled).toBe(true);
    expect(new Set(chain.slashed)).toEqual(new Set([faulty.node_id]));
    expect(chain.paid.has(faulty.node_id)).toBe(false);
    expect(chain.registry.nodes.get(faulty.node_id)?.slashed ?? 0n).toBeGreaterThan(0n);
  }, 60_000);

  it("a node that dies between commit and reveal reveals after restart and never commits twice", async () => {
    const { chain, caps } = setup(3);
    const victim = caps[0] as NodeCap;
    const victimDir = tmp();
    let dead = false;
    const first = new NodeDaemon({
      nodeId: victim.node_id,
      chain: chain.port(victim, { dead: () => dead }),
      journal: new FileTaskJournal(path.join(victimDir, "journal")),
      execute: makeExecute({ nodeId: victim.node_id, encSk: new Uint8Array(32), executors: [echo] }),
      logger,
      stateDir: victimDir,
      pollMs: 5,
      onStep: (step) => {
        if (step === "committed") dead = true; // "SIGKILL" right after the commit is on chain
      },
    });
    const others = caps.slice(1).map((c) => daemonFor(chain, c, tmp()));
    first.start();
    for (const d of others) d.start();
    const id = submit(chain, "crash me");
    await until(() => dead);
    const afterCommit = chain.requests.get(id) as Request;
    expect(afterCommit.assignments.find((a) => a.node_id === victim.node_id)?.committed).toBe(true);
    expect(afterCommit.assignments.find((a) => a.node_id === victim.node_id)?.revealed).toBe(false);
    // Restart from the same state dir (journal + cursor); the dead instance is abandoned.
    const second = daemonFor(chain, victim, victimDir);
    second.start();
    await until(() => chain.requests.get(id)?.status === 3);
    await Promise.all([second.stop(), ...others.map((d) => d.stop())]);
    const r = chain.requests.get(id) as Request;
    expect(r.assignments.find((a) => a.node_id === victim.node_id)?.revealed).toBe(true);
    expect(r.round).toBe(0);
    expect(chain.slashed).toEqual([]);
    expect(second.stats.committed).toBe(0);
    expect(chain.paid.get(victim.node_id)).toBe(10n);
  }, 60_000);

  it("skips a request it cannot execute (logged), does not die, and keeps serving", async () => {
    const { chain, caps } = setup(3, ["test:echo-v1", "test:unknown-v1"]);
    const daemons = caps.map((c) => daemonFor(chain, c, tmp()));
    for (const d of daemons) d.start();
    const bad = submit(chain, "no executor serves this", "test:unknown-v1");
    const good = submit(chain, "after the bad one");
    await until(
      () =>
        chain.requests.get(good)?.status === 3 &&
        (chain.requests.get(good)?.output.length ?? 0) > 0 &&
        daemons.every((d) => d.stats.skipped === 1),
    );
    // Nobody revealed the bad one; a keeper settles it after the reveal deadline (round 0 →
    // Disputed), and escalation finds no fresh node → Failed, absentees slashed.
    chain.advanceTo(chain.requests.get(bad)?.reveal_deadline_ms ?? 0n);
    chain.apply("0xee", bad, (tx, reg, r) => m.settle(tx, r as Request, reg));
    expect(chain.requests.get(bad)?.status).toBe(4);
    chain.apply("0xee", bad, (tx, reg, r) => m.escalate(tx, r as Request, reg));
    expect(chain.requests.get(bad)?.status).toBe(5);
    await Promise.all(daemons.map((d) => d.stop()));
    expect(daemons.map((d) => d.stats.skipped)).toEqual([1, 1, 1]);
    expect(new TextDecoder().decode(chain.requests.get(good)?.output)).toBe("echo:eno dab eht retfa");
  }, 60_000);

  it("an honest node that takes seconds of wall time to execute still makes every window", async () => {
    const { chain, caps } = setup(3);
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
    const id = submit(chain, "take your time");
    await until(() => chain.requests.get(id)?.status === 3 && (chain.requests.get(id)?.output.length ?? 0) > 0);
    await Promise.all(daemons.map((d) => d.stop()));
    const r = chain.requests.get(id) as Request;
    expect(r.round).toBe(0);
    expect(r.assignments.map((a) => [a.node_id, a.committed, a.revealed]).sort()).toEqual(
      caps.map((c) => [c.node_id, true, true]).sort(),
    );
    expect(chain.slashed).toEqual([]);
    expect(caps.map((c) => chain.paid.get(c.node_id))).toEqual([10n, 10n, 10n]);
    expect(chain.now).toBe(1_700_000_000_000n); // nothing moved the clock
  }, 60_000);
});
