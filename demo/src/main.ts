/**
 * `pnpm start`: the whole network on one machine. Starts the devnet (with the atoma binding),
 * publishes the package with a Publish transaction, starts the indexer on embedded PGlite,
 * registers and runs 5 nodes (one with --fault wrong-output), submits a mix of requests through
 * the SDK, shows progress, and ends with a summary (`--json`: one JSON line at the end).
 */
import { setMaxListeners } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { MoveToolchainError } from "@atoma/move";
import { type Fault, Keeper, loadExecutors, type RunningNode, SdkKeeperChain, startNode } from "@atoma/node-runner";
import { ensureTinyModel, LlamaExecutor } from "@atoma/node-runner/llama";
import {
  type AtomaEvent,
  DEFAULT_SUI_TRANSPORT,
  type EventCursor,
  hashOutput,
  RequestKind,
  RequestStatus,
  SUI_TRANSPORTS,
  type SuiTransport,
} from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Command, Option } from "commander";
import pino from "pino";
import { ConfidentialDemo } from "./confidential.js";
import { type DemoChain, type RegisteredNode, registerNode, startChain, startDemoIndexer } from "./network.js";
import { type DemoNodeRecord, type DemoRequestRecord, nodeRecord, requestRecord } from "./record.js";

/** The record of a run, printed as one JSON line by `pnpm start --json`. */
export interface DemoSummary {
  /** Requests settled / failed. */
  settled: number;
  failed: number;
  /** Node ids slashed (from NodeSlashed events). */
  slashed: string[];
  /** MIST paid per node id (from NodePaid events). */
  payouts: Record<string, string>;
  durationMs: number;
  /** The node started with --fault wrong-output. */
  faultyNode: string;
  packageId: string;
  /** Where the network was reachable; it stays up only when `keptRunning`. */
  urls: { devnet: string; indexer: string | null; explorer: string | null };
  keptRunning: boolean;
  requests: DemoRequestRecord[];
  nodes: DemoNodeRecord[];
  /** The explorer web page (served by the indexer; reachable while the network runs). */
  explorer: string;
  /**
   * What the indexer had committed when the run ended (it is given up to 30 s to reach the chain's
   * event count): its events, the chain's, and its checkpoint watermark (gRPC ingests by checkpoint).
   */
  indexed: { events: number; chainEvents: number; checkpoint: string | null };
  /** Registry treasury (MIST) after the demo's keeper swept the finished requests. */
  treasury: string;
  /** Requests the keeper swept (`fees::sweep_fees`, batched). */
  swept: number;
  /** Slashed nodes the keeper refreshed (`registry::refresh_node`: new weight; a jailed node leaves the trees). */
  refreshed: number;
}

export interface DemoOptions {
  json?: boolean;
  /** How every client talks to the devnet (default gRPC). */
  transport?: SuiTransport;
  /** Serve JSON-RPC on the devnet too (default true; false = gRPC only, as current Sui nodes). */
  jsonRpc?: boolean;
  keepRunning?: boolean;
  nodes?: number;
  /** Batches of the request mix; more are sent until the faulty node has been slashed. */
  minBatches?: number;
  maxBatches?: number;
  /** Where progress goes (default: stdout, or stderr with --json). */
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Called with the summary before `keepRunning` waits (so scripts get it right away). */
  onSummary?: (s: DemoSummary) => void;
}

const require = createRequire(import.meta.url);
const enc = new TextEncoder();
const short = (id: string) => `${id.slice(0, 8)}…${id.slice(-4)}`;

interface Job {
  label: string;
  capability: string;
  kind: number;
  input: Uint8Array;
  confidential?: boolean;
}

async function allEvents(chain: DemoChain): Promise<AtomaEvent[]> {
  const out: AtomaEvent[] = [];
  let cursor: EventCursor = { after: null };
  for (;;) {
    const page = await chain.atoma.listEvents(cursor, 200);
    out.push(...page.events.map((e) => e.event));
    cursor = page.cursor;
    if (!page.hasNextPage) return out;
  }
}

/**
 * The closing hint: the indexer API URLs when the network stays up, else how to keep it up
 * (after the run they would be dead).
 */
export function whereToLook(keptRunning: boolean, indexerUrl: string | null): string {
  if (keptRunning && indexerUrl) {
    return `Look around: ${indexerUrl}/ (explorer) · ${indexerUrl}/v1/requests · ${indexerUrl}/v1/slashes · ${indexerUrl}/v1/nodes · ${indexerUrl}/docs`;
  }
  return "The network stops now; run `pnpm start --keep-running` to keep it up and browse the indexer API.";
}

export async function runDemo(o: DemoOptions = {}): Promise<DemoSummary> {
  const t0 = Date.now();
  const log = o.log ?? ((line: string) => (o.json ? process.stderr : process.stdout).write(`${line}\n`));
  const nNodes = o.nodes ?? 5;
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-demo-"));
  const running: RunningNode[] = [];
  let chain: DemoChain | undefined;
  let indexer: Awaited<ReturnType<typeof startDemoIndexer>> | undefined;
  const confidential = new ConfidentialDemo(dir, log);
  let llama: LlamaExecutor | null = null;
  const cleanup = async () => {
    await confidential.stop().catch(() => {});
    await Promise.allSettled(running.map((n) => n.stop()));
    await llama?.close().catch(() => {});
    await indexer?.stop().catch(() => {});
    await chain?.devnet.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    log("Atoma on Sui — local network demo");
    chain = await startChain({
      seed: `demo-${t0}`,
      evidenceDir: path.join(dir, "evidence"),
      ...(o.transport ? { transport: o.transport } : {}),
      ...(o.jsonRpc === false ? { jsonRpc: false } : {}),
    });
    log(
      `• devnet       ${chain.url}  (simulation of a Sui node, clients over ${chain.transport === "grpc" ? "gRPC" : "JSON-RPC"}${o.jsonRpc === false ? ", JSON-RPC off" : ""}; atoma published as ${short(chain.deployed.packageId)})`,
    );
    indexer = await startDemoIndexer(chain);
    log(`• indexer      ${indexer.url}  (embedded PGlite)`);
    log(`• explorer     ${indexer.url}/`);
    // A WASM app (WASI, stdin → stdout), content-addressed: capability wasm:<blake2b-256>. The
    // committed binary (node-runner/apps/word-count.wasm, checked against its .wat by apps.test.ts).
    let wasmModules: Uint8Array[] = [];
    try {
      wasmModules = [new Uint8Array(readFileSync(require.resolve("@atoma/node-runner/apps/word-count.wasm")))];
    } catch (err) {
      log(`• WASM app could not be read (${(err as Error).message}); skipped`);
    }
    // Real LLM inference: llama.cpp in process on the project's own tiny GGUF (generated, cached).
    try {
      const m = await ensureTinyModel();
      llama = await LlamaExecutor.create({ modelPath: m.path, contextSize: 512 });
      log(
        `• llama.cpp    tiny Llama GGUF sha256:${m.digest.slice(0, 16)}… (generated), ${llama.manifest.hardwareClass}`,
      );
    } catch (err) {
      log(`• llama.cpp unavailable (${(err as Error).message}); the LLM request is skipped`);
    }
    const executors = await loadExecutors({ wasmModules, ...(llama ? { extra: [llama] } : {}) });
    const capabilities = executors.flatMap((e) => e.capabilities).filter((c) => !c.endsWith("*"));
    if (capabilities.length === 0) throw new Error("no executors available (node-runner/src/executors)");
    const logger = pino({ level: process.env.ATOMA_DEMO_LOG ?? "silent" });
    const nodes: (RegisteredNode & { fault?: Fault; label: string })[] = [];
    for (let i = 0; i < nNodes; i++) {
      const fault: Fault | undefined = i === 0 ? "wrong-output" : undefined;
      const n = await registerNode(chain, path.join(dir, `node-${i + 1}`), {
        capabilities,
        price: 1_000_000n + BigInt(i) * 100_000n,
        attest: true,
      });
      const label = `node-${i + 1}${fault ? " (faulty)" : ""}`;
      nodes.push({ ...n, label, ...(fault ? { fault } : {}) });
      running.push(
        await startNode({
          rpcUrl: chain.url,
          transport: chain.transport,
          packageId: chain.deployed.packageId,
          registryId: chain.deployed.registryId,
          nodeId: n.nodeId,
          keys: n.keys,
          stateDir: n.stateDir,
          executors,
          logger: logger.child({ node: label }),
          pollMs: 100,
          metricsPort: null,
          layered: confidential.layeredFor(i, n.keys),
          ...(fault ? { fault } : {}),
        }),
      );
      log(
        `• ${label.padEnd(18)} ${short(n.nodeId)} registered, staked 100 SUI, attested (demo verifier)${fault ? ", --fault wrong-output" : ""}`,
      );
    }
    await confidential.start(chain, nodes);
    const labelOf = (id: string) => nodes.find((n) => n.nodeId === id)?.label ?? short(id);
    const faultyId = nodes[0]?.nodeId as string;

    const user = Ed25519Keypair.generate();
    await requestSuiFromFaucetV2({ host: chain.url, recipient: user.toSuiAddress() });
    const json = (v: unknown) => enc.encode(JSON.stringify(v));
    const mix: Job[] = [
      {
        label: "text generation",
        capability: "builtin:textgen-v1",
        kind: RequestKind.Inference,
        input: json({ prompt: "the network agrees", maxTokens: 24 }),
      },
      {
        label: "forecast",
        capability: "builtin:forecast-v1",
        kind: RequestKind.Inference,
        input: json({ series: ["1.0", "2.1", "2.9", "4.2", "5.0"], horizon: 3 }),
      },
      {
        label: "recommendation",
        capability: "builtin:recommend-v1",
        kind: RequestKind.Inference,
        input: json({ history: ["a", "b"], candidates: ["c", "d", "e", "f"], k: 2 }),
      },
      {
        label: "confidential text generation",
        capability: "builtin:textgen-v1",
        kind: RequestKind.Inference,
        input: json({ prompt: "secret prompt", maxTokens: 16 }),
        confidential: true,
      },
    ].filter((j) => capabilities.includes(j.capability));
    const wasmCap = executors.find((e) => e.name === "wasm")?.capabilities[0];
    if (wasmCap)
      mix.unshift({
        label: "WASM app (word count)",
        capability: wasmCap,
        kind: RequestKind.Wasm,
        input: enc.encode("the quick brown fox jumps over the lazy dog"),
      });
    else log("• WASM apps: no WASM executor in this checkout; the WASM request is skipped");
    if (llama)
      mix.push({
        label: "LLM text (llama.cpp)",
        capability: llama.capabilityId,
        kind: RequestKind.Inference,
        input: enc.encode("the honest network agrees that"),
      });

    const results = new Map<string, { label: string; status: number; confidential: boolean }>();
    const minBatches = o.minBatches ?? 1;
    const maxBatches = o.maxBatches ?? 4;
    for (let b = 0; b < maxBatches; b++) {
      if (o.signal?.aborted) break;
      const ids: string[] = [];
      for (const job of mix) {
        let input = job.input;
        let inputHash = hashOutput(job.input);
        if (job.confidential) {
          // Three layers, hybrid keys: user input → attested nodes + user; system prompt and
          // application settings → the cluster's current master key (see ./confidential.ts).
          ({ input, inputHash } = await confidential.seal(chain, nodes, job.input));
        }
        const created = await chain.atoma.createRequest(user, {
          kind: job.kind,
          capability: job.capability,
          input,
          inputHash,
          maxPrice: 2_000_000n,
          ...(job.confidential ? { confidential: true } : {}),
        });
        ids.push(created.requestId);
        results.set(created.requestId, {
          label: job.label,
          status: RequestStatus.Sampled,
          confidential: job.confidential === true,
        });
        log(`  → ${job.label.padEnd(30)} ${short(created.requestId)} sampled ${created.nodes.map(labelOf).join(", ")}`);
      }
      for (const id of ids) {
        const r = await chain.atoma.waitForSettlement(id, {
          timeoutMs: 120_000,
          pollMs: 100,
          ...(o.signal ? { signal: o.signal } : {}),
        });
        const entry = results.get(id) as { label: string; status: number; confidential: boolean };
        entry.status = r.status;
        const rounds = r.round === 1 ? " after a dispute (round 1)" : "";
        log(
          `  ✓ ${entry.label.padEnd(30)} ${short(id)} ${r.status === RequestStatus.Settled ? "settled" : "FAILED"}${rounds}`,
        );
      }
      const slashedNow = (await chain.atoma.getNode(faultyId)).slashed !== "0";
      if (b + 1 >= minBatches && slashedNow) break;
    }

    for (const [id, r] of results)
      if (r.label.startsWith("confidential") && r.status === RequestStatus.Settled) {
        const text = await confidential.openOutput(chain, id).catch((e: Error) => `(not opened: ${e.message})`);
        log(`  🔓 ${r.label}: output posted sealed to the user (X25519+ML-KEM-768), opened and checked: ${text}`);
        break;
      }
    if (!(await confidential.waitForAutoRotation(30_000)))
      log("  ↻ no automatic key rotation completed within 30 s (policy not reached)");
    // The first agreeing node posts a public output right after settlement: wait for the posts
    // (bounded), so the summary, the record and the explorer show each settled request's output.
    const unposted = [...results]
      .filter(([, r]) => r.status === RequestStatus.Settled && !r.confidential)
      .map(([id]) => id);
    const live = chain;
    for (const deadline = Date.now() + 30_000; unposted.length && Date.now() < deadline && !o.signal?.aborted; ) {
      const posted = await Promise.all(unposted.map(async (id) => (await live.atoma.getRequest(id)).output.length > 0));
      for (let i = posted.length - 1; i >= 0; i--) if (posted[i]) unposted.splice(i, 1);
      if (unposted.length) await new Promise((r) => setTimeout(r, 100));
    }
    if (unposted.length) log(`  … ${unposted.length} settled request(s) without a posted output after 30 s`);
    // The keeper (node-runner/src/keeper): one pass over the events, sweeping every finished
    // request's income into the treasury and refreshing the slashed nodes, batched.
    const keeper = new Keeper({
      chain: new SdkKeeperChain(chain.atoma, chain.admin),
      stateDir: path.join(dir, "keeper"),
      logger: logger.child({ keeper: true }),
    });
    await keeper.runOnce();
    const treasury = BigInt((await chain.atoma.getRegistry()).treasury.value);
    const swept = keeper.sweeper.duty.stats.done;
    const refreshed = keeper.refresher.duty.stats.done;
    log(
      `  keeper: ${swept} request(s) swept, treasury ${(Number(treasury) / 1e9).toFixed(6)} SUI, ${refreshed} node(s) refreshed`,
    );
    const events = await allEvents(chain);
    const slashed = [...new Set(events.flatMap((e) => (e.name === "NodeSlashed" ? [e.data.node_id] : [])))];
    const payouts: Record<string, string> = {};
    for (const e of events)
      if (e.name === "NodePaid")
        payouts[e.data.node_id] = String(BigInt(payouts[e.data.node_id] ?? "0") + BigInt(e.data.amount));
    const settled = [...results.values()].filter((r) => r.status === RequestStatus.Settled).length;
    const failed = results.size - settled;
    log("");
    log(`Summary: ${settled} request(s) settled, ${failed} failed`);
    const nodeRecords: DemoNodeRecord[] = [];
    for (const n of nodes) {
      const rec = await chain.atoma.getNode(n.nodeId);
      nodeRecords.push(nodeRecord(n.nodeId, n.label, n.fault ?? null, rec, events));
      log(
        `  ${n.label.padEnd(18)} paid ${(Number(BigInt(payouts[n.nodeId] ?? "0")) / 1e9).toFixed(4)} SUI, reputation ${rec.reputation}${slashed.includes(n.nodeId) ? `, SLASHED ${(Number(rec.slashed) / 1e9).toFixed(2)} SUI` : ""}`,
      );
    }
    const requestRecords: DemoRequestRecord[] = [];
    for (const [id, r] of results)
      requestRecords.push(requestRecord(id, r.label, await agreedOrLast(chain, id), events));
    const ix = indexer;
    const position = await ix.waitForCursor({ events: events.length }).catch(() => ix.ingester.position);
    const indexed = {
      events: Number(position.events),
      chainEvents: events.length,
      checkpoint: position.checkpoint === null ? null : position.checkpoint.toString(),
    };
    log(
      `  indexer: ${indexed.events} of ${indexed.chainEvents} events${indexed.checkpoint === null ? "" : `, checkpoint ${indexed.checkpoint}`}`,
    );
    const keptRunning = !!o.keepRunning && !o.signal?.aborted;
    log(whereToLook(keptRunning, indexer.url));
    const summary: DemoSummary = {
      settled,
      failed,
      slashed,
      payouts,
      durationMs: Date.now() - t0,
      faultyNode: faultyId,
      treasury: treasury.toString(),
      swept,
      refreshed,
      packageId: chain.deployed.packageId,
      urls: { devnet: chain.url, indexer: indexer.url, explorer: `${indexer.url}/` },
      explorer: `${indexer.url}/`,
      keptRunning,
      requests: requestRecords,
      nodes: nodeRecords,
      indexed,
    };
    o.onSummary?.(summary);
    if (keptRunning) {
      log(`Network kept running (devnet ${chain.url}); Ctrl-C stops it.`);
      // Full ids: what `atoma-node init --rpc-url … --package-id … --registry-id …` needs.
      log(`  package  ${chain.deployed.packageId}`);
      log(`  registry ${chain.deployed.registryId}`);
      await new Promise<void>((resolve) => {
        if (o.signal?.aborted) return resolve();
        o.signal?.addEventListener("abort", () => resolve(), { once: true });
      });
    }
    return summary;
  } finally {
    await cleanup();
  }
}

async function main(): Promise<number> {
  const program = new Command("pnpm start")
    .description("run the whole Atoma network locally: devnet, indexer, 5 nodes (one faulty), a mix of requests")
    .option(
      "--json",
      "end with one JSON line, the record of the run: counts, faultyNode, urls, each request and each node (see demo/README.md)",
    )
    .option("--keep-running", "keep the network up after the summary (Ctrl-C stops)")
    .option("--nodes <n>", "number of nodes (>= 5 so a dispute can escalate)", "5")
    .addOption(
      new Option("--transport <kind>", "how the SDK, nodes and indexer talk to the devnet")
        .choices([...SUI_TRANSPORTS])
        .default(DEFAULT_SUI_TRANSPORT),
    )
    .option("--no-jsonrpc", "devnet serves gRPC only (as current Sui nodes do)")
    .exitOverride();
  try {
    program.parse(process.argv);
  } catch (err) {
    return (err as { code?: string }).code === "commander.helpDisplayed" ? 0 : 2;
  }
  const opts = program.opts<{
    json?: boolean;
    keepRunning?: boolean;
    nodes: string;
    transport: SuiTransport;
    jsonrpc: boolean;
  }>();
  if (!opts.jsonrpc && opts.transport === "jsonrpc") {
    process.stderr.write("--transport jsonrpc needs JSON-RPC on the devnet (drop --no-jsonrpc)\n");
    return 2;
  }
  const nodes = Number(opts.nodes);
  if (!Number.isInteger(nodes) || nodes < 5 || nodes > 32) {
    process.stderr.write("--nodes: must be an integer 5..32\n");
    return 2;
  }
  const ac = new AbortController();
  setMaxListeners(1000, ac.signal); // one listener per pending wait
  const onSignal = () => {
    process.stderr.write("\nstopping…\n");
    ac.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  // `pnpm start | head -3`: the reader went away. Stop quietly and clean up (the temporary
  // folder holds node keystores) instead of dying on an unhandled EPIPE.
  let stdoutClosed = false;
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    if (stdoutClosed) return;
    stdoutClosed = true;
    ac.abort();
  });
  try {
    await runDemo({
      json: !!opts.json,
      keepRunning: !!opts.keepRunning,
      nodes,
      transport: opts.transport,
      jsonRpc: opts.jsonrpc,
      signal: ac.signal,
      onSummary: (summary) => {
        if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      },
    });
    return ac.signal.aborted && !opts.keepRunning && !stdoutClosed ? 130 : 0;
  } catch (err) {
    if (err instanceof MoveToolchainError || /framework/i.test((err as Error).message)) {
      process.stderr.write(
        `The committed Move bytecode (move/build/) does not match the Move sources, and rebuilding it needs the Sui framework sources.\n${(err as Error).message}\nFix: restore the sources or the committed move/build/*.json (git status), or put move-stdlib/ and sui-framework/ in ~/.cache/atoma/sui-framework (or set SUI_FRAMEWORK_DIR) and run pnpm move:build; see docs/development.md.\n`,
      );
      return 1;
    }
    if (stdoutClosed) return 0;
    if (ac.signal.aborted) return 130;
    process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (isMain) {
  main().then((code) => {
    process.exit(code);
  });
}

/**
 * The request once its agreed output hash is known, or as it is after `timeoutMs`: a round-0
 * settlement agrees on the blinded t only, and the output hash is set by the first post, which
 * the nodes send just after the settlement (docs/protocol.md, blinded round-0 hashes).
 */
async function agreedOrLast(chain: DemoChain, id: string, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await chain.atoma.getRequest(id);
    if (r.status !== RequestStatus.Settled || r.agreed_output_hash || Date.now() >= end) return r;
    await new Promise((res) => setTimeout(res, 250));
  }
}
