/**
 * `pnpm start`: the whole network on one machine. Starts the devnet (with the atoma binding),
 * publishes the package with a Publish transaction, starts the indexer on embedded PGlite,
 * registers and runs 5 nodes (one with --fault wrong-output), submits a mix of requests through
 * the SDK, shows progress, and ends with a summary (`--json`: one JSON line at the end).
 */
import { setMaxListeners } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MoveToolchainError } from "@atoma/move";
import { type AtomaEvent, type EventCursor, hashOutput, RequestKind, RequestStatus, sealForNodes } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Command } from "commander";
import pino from "pino";
import type { Fault } from "../daemon/daemon.js";
import { loadExecutors } from "../daemon/executors-loader.js";
import { type RunningNode, startNode } from "../daemon/node.js";
import { ensureTinyModel, LlamaExecutor } from "../executors/llama/index.js";
import { type DemoChain, type RegisteredNode, registerNode, startChain, startDemoIndexer } from "./network.js";

export interface DemoSummary {
  settled: number;
  failed: number;
  slashed: string[];
  payouts: Record<string, string>;
  durationMs: number;
}

export interface DemoOptions {
  json?: boolean;
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

export async function runDemo(o: DemoOptions = {}): Promise<DemoSummary> {
  const t0 = Date.now();
  const log = o.log ?? ((line: string) => (o.json ? process.stderr : process.stdout).write(`${line}\n`));
  const nNodes = o.nodes ?? 5;
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-demo-"));
  const running: RunningNode[] = [];
  let chain: DemoChain | undefined;
  let indexer: Awaited<ReturnType<typeof startDemoIndexer>> | undefined;
  let llama: LlamaExecutor | null = null;
  const cleanup = async () => {
    await Promise.allSettled(running.map((n) => n.stop()));
    await llama?.close().catch(() => {});
    await indexer?.stop().catch(() => {});
    await chain?.devnet.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    log("Atoma on Sui — local network demo");
    chain = await startChain({ seed: `demo-${t0}` });
    log(
      `• devnet       ${chain.url}  (simulation of Sui JSON-RPC; atoma published as ${short(chain.deployed.packageId)})`,
    );
    indexer = await startDemoIndexer(chain);
    log(`• indexer      ${indexer.url}  (embedded PGlite)`);
    // A WASM app (WASI, stdin → stdout), content-addressed: capability wasm:<blake2b-256>.
    let wasmModules: Uint8Array[] = [];
    try {
      const { assembleApp } = await import("../../apps/wat.js");
      wasmModules = [await assembleApp("word-count")];
    } catch (err) {
      log(`• WASM app could not be assembled (${(err as Error).message}); skipped`);
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
          packageId: chain.deployed.packageId,
          registryId: chain.deployed.registryId,
          nodeId: n.nodeId,
          keys: n.keys,
          stateDir: n.stateDir,
          executors,
          logger: logger.child({ node: label }),
          pollMs: 100,
          metricsPort: null,
          ...(fault ? { fault } : {}),
        }),
      );
      log(
        `• ${label.padEnd(18)} ${short(n.nodeId)} registered, staked 100 SUI, attested (demo verifier)${fault ? ", --fault wrong-output" : ""}`,
      );
    }
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

    const results = new Map<string, { label: string; status: number }>();
    const minBatches = o.minBatches ?? 1;
    const maxBatches = o.maxBatches ?? 4;
    for (let b = 0; b < maxBatches; b++) {
      if (o.signal?.aborted) break;
      const ids: string[] = [];
      for (const job of mix) {
        let input = job.input;
        const inputHash = hashOutput(job.input);
        if (job.confidential) {
          // Sealed to every attested node's key (checked against its on-chain attestation).
          const recipients = await Promise.all(
            nodes.map(async (n) => {
              const rec = await chain!.atoma.getNode(n.nodeId);
              const att = rec.attestation;
              return {
                nodeId: n.nodeId,
                sigPk: Uint8Array.from(rec.sig_pk),
                encPk: Uint8Array.from(rec.enc_pk),
                attestation: att
                  ? {
                      teeKind: att.tee_kind,
                      reportDataHash: Uint8Array.from(att.report_data_hash),
                      expiresMs: BigInt(att.expires_ms),
                      revoked: att.revoked,
                    }
                  : null,
              };
            }),
          );
          input = sealForNodes({
            inputHash,
            payload: job.input,
            recipients,
            requireAttestation: true,
            nowMs: chain.devnet.clock.now(),
          }).envelope;
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
        results.set(created.requestId, { label: job.label, status: RequestStatus.Sampled });
        log(`  → ${job.label.padEnd(30)} ${short(created.requestId)} sampled ${created.nodes.map(labelOf).join(", ")}`);
      }
      for (const id of ids) {
        const r = await chain.atoma.waitForSettlement(id, {
          timeoutMs: 120_000,
          pollMs: 100,
          ...(o.signal ? { signal: o.signal } : {}),
        });
        const entry = results.get(id) as { label: string; status: number };
        entry.status = r.status;
        const rounds = r.round === 1 ? " after a dispute (round 1)" : "";
        log(
          `  ✓ ${entry.label.padEnd(30)} ${short(id)} ${r.status === RequestStatus.Settled ? "settled" : "FAILED"}${rounds}`,
        );
      }
      const slashedNow = (await chain.atoma.getNode(faultyId)).slashed !== "0";
      if (b + 1 >= minBatches && slashedNow) break;
    }

    // Outputs are posted right after settlement; give the posting node a moment.
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
    for (const n of nodes) {
      const rec = await chain.atoma.getNode(n.nodeId);
      log(
        `  ${n.label.padEnd(18)} paid ${(Number(BigInt(payouts[n.nodeId] ?? "0")) / 1e9).toFixed(4)} SUI, reputation ${rec.reputation}${slashed.includes(n.nodeId) ? `, SLASHED ${(Number(rec.slashed) / 1e9).toFixed(2)} SUI` : ""}`,
      );
    }
    log(
      `Look around: ${indexer.url}/v1/requests · ${indexer.url}/v1/slashes · ${indexer.url}/v1/nodes · ${indexer.url}/docs`,
    );
    const summary: DemoSummary = { settled, failed, slashed, payouts, durationMs: Date.now() - t0 };
    o.onSummary?.(summary);
    if (o.keepRunning && !o.signal?.aborted) {
      log(`Network kept running (devnet ${chain.url}); Ctrl-C stops it.`);
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
    .option("--json", "end with one JSON line: {settled, failed, slashed, payouts, durationMs}")
    .option("--keep-running", "keep the network up after the summary (Ctrl-C stops)")
    .option("--nodes <n>", "number of nodes (>= 5 so a dispute can escalate)", "5")
    .exitOverride();
  try {
    program.parse(process.argv);
  } catch (err) {
    return (err as { code?: string }).code === "commander.helpDisplayed" ? 0 : 2;
  }
  const opts = program.opts<{ json?: boolean; keepRunning?: boolean; nodes: string }>();
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
  try {
    await runDemo({
      json: !!opts.json,
      keepRunning: !!opts.keepRunning,
      nodes,
      signal: ac.signal,
      onSummary: (summary) => {
        if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      },
    });
    return ac.signal.aborted && !opts.keepRunning ? 130 : 0;
  } catch (err) {
    if (err instanceof MoveToolchainError || /framework/i.test((err as Error).message)) {
      process.stderr.write(
        `The demo needs the compiled Move package, and compiling it needs the Sui framework sources.\n${(err as Error).message}\nFix: put move-stdlib/ and sui-framework/ in ~/.cache/atoma/sui-framework (or set SUI_FRAMEWORK_DIR); see docs/development.md.\n`,
      );
      return 1;
    }
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
