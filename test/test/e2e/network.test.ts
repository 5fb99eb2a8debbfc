/**
 * End to end with real processes: the devnet (child), the indexer (child, embedded PGlite),
 * five node-runners (`atoma-node run`, children; one with --fault wrong-output), nodes set up
 * with `atoma-node init` / `register`, and requests of every kind through the SDK.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type AtomaClient,
  blake2b256,
  bytesToHex,
  hashOutput,
  RequestKind,
  RequestStatus,
  sealForNodes,
} from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleApp } from "../../../node-runner/apps/wat.js";
import { loadExecutors } from "../../../node-runner/src/daemon/executors-loader.js";
import {
  attestThroughVerifier,
  type CliNode,
  cli,
  cliNode,
  type DevnetInfo,
  devnetNow,
  type Proc,
  ROOT,
  runNode,
  spawnProc,
  startDevnetChild,
  stopProc,
  type VerifiedAttestation,
  waitForLine,
  waitRunning,
} from "./harness.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("network end to end (devnet, indexer, 5 node-runner processes)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-e2e-net-"));
  const procs: Proc[] = [];
  let dev: { proc: Proc; info: DevnetInfo; atoma: AtomaClient };
  let nodes: CliNode[] = [];
  let indexerUrl = "";
  let metricsUrl: string | null = null;
  let wasmCap = "";
  /** node-1's attestation, obtained through `atoma-node verifier` (the others get harness-signed verdicts). */
  let verified: VerifiedAttestation;
  const wasm = assembleApp("word-count");

  beforeAll(async () => {
    dev = await startDevnetChild("e2e-network");
    procs.push(dev.proc);
    const wasmBytes = await wasm;
    wasmCap = bytesToHex(blake2b256(wasmBytes));
    const wasmFile = path.join(dir, "word-count.wasm");
    writeFileSync(wasmFile, wasmBytes);
    const caps = ["builtin:textgen-v1", "builtin:forecast-v1", "builtin:recommend-v1", wasmCap];
    nodes = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        cliNode(dev, path.join(dir, `node-${i}`), {
          capabilities: caps,
          price: 1_000_000n + BigInt(i),
          attest: i !== 1,
        }),
      ),
    );
    verified = await attestThroughVerifier(dev, nodes[1] as CliNode, path.join(dir, "verifier"));
    const runs = nodes.map((n, i) =>
      runNode(n, ["--wasm-app", wasmFile, ...(i === 0 ? ["--fault", "wrong-output"] : [])]),
    );
    procs.push(...runs);
    // Loading the WASM executor (binaryen) takes seconds per process on a busy 2-core machine.
    const started = await Promise.all(runs.map((r) => waitRunning(r, 240_000)));
    metricsUrl = started[1]?.metricsUrl ?? null;
    const indexer = spawnProc([
      path.join(ROOT, "indexer/src/cli.ts"),
      "run",
      "--rpc",
      dev.info.url,
      "--package",
      dev.info.packageId,
      "--data-dir",
      path.join(dir, "indexer"),
      "--port",
      "0",
      "--json",
    ]);
    procs.push(indexer);
    const line = await waitForLine(indexer, (l) => l.includes("indexer started"));
    indexerUrl = (JSON.parse(line) as { api: string }).api;
  }, 300_000);

  afterAll(async () => {
    await Promise.all(procs.slice(1).map(stopProc));
    if (dev) await stopProc(dev.proc);
    rmSync(dir, { recursive: true, force: true });
  });

  it("node-1's attestation came through the verifier service: its TDX quote's MRTD, key binding and evidence hash are on chain", async () => {
    const n = nodes[1] as CliNode;
    const a = (await dev.atoma.getNode(n.nodeId)).attestation;
    expect(a).toBeTruthy();
    const hex = (b: ArrayLike<number>) => Buffer.from(Uint8Array.from(b)).toString("hex");
    expect({
      teeKind: a?.tee_kind,
      measurement: hex(a?.measurement ?? []),
      reportDataHash: hex(a?.report_data_hash ?? []),
      evidenceHash: hex(a?.evidence_hash ?? []),
      expiresMs: String(a?.expires_ms),
      revoked: a?.revoked,
    }).toEqual({
      teeKind: 1,
      measurement: dev.info.tdxMrtd,
      reportDataHash: bytesToHex(blake2b256(new Uint8Array([...n.keys.sigPk, ...n.keys.encPk]))).replace(/^0x/, ""),
      evidenceHash: bytesToHex(blake2b256(verified.quote)).replace(/^0x/, ""),
      expiresMs: verified.verdict.expiresMs,
      revoked: false,
    });
    expect(verified.verdict.nodeId).toBe(n.nodeId);
  });

  it("settles requests of every kind with the right outputs, slashes the faulty node, and the indexer sees it", async () => {
    const user = Ed25519Keypair.generate();
    await requestSuiFromFaucetV2({ host: dev.info.url, recipient: user.toSuiAddress() });
    const local = await loadExecutors({ wasmModules: [await wasm] });
    const expected = async (capability: string, input: Uint8Array) => {
      const e = local.find((x) => x.capabilities.includes(capability));
      if (!e) throw new Error(`no local executor for ${capability}`);
      return e.run({ requestId: "0x0", kind: 0, capability, input, fuel: 0n, maxTokens: 0n });
    };
    const json = (v: unknown) => enc.encode(JSON.stringify(v));
    const jobs = [
      { capability: wasmCap, kind: RequestKind.Wasm, input: enc.encode("one two three four") },
      {
        capability: "builtin:textgen-v1",
        kind: RequestKind.Inference,
        input: json({ prompt: "hello", maxTokens: 12 }),
      },
      {
        capability: "builtin:forecast-v1",
        kind: RequestKind.Inference,
        input: json({ series: ["1", "2", "3"], horizon: 2 }),
      },
      {
        capability: "builtin:recommend-v1",
        kind: RequestKind.Inference,
        input: json({ history: ["a"], candidates: ["b", "c"], k: 1 }),
      },
      {
        capability: "builtin:textgen-v1",
        kind: RequestKind.Inference,
        input: json({ prompt: "secret", maxTokens: 8 }),
        confidential: true,
      },
    ];
    const faulty = nodes[0]?.nodeId as string;
    let faultySampled = 0;
    for (let batch = 0; batch < 4 && faultySampled === 0; batch++) {
      const ids: { id: string; job: (typeof jobs)[number] }[] = [];
      for (const job of jobs) {
        const inputHash = hashOutput(job.input);
        let input: Uint8Array = job.input;
        if (job.confidential) {
          const now = await devnetNow(dev.info.url);
          const recipients = await Promise.all(nodes.map((n) => dev.atoma.nodeRecipient(n.nodeId)));
          input = sealForNodes({
            inputHash,
            payload: job.input,
            recipients,
            requireAttestation: true,
            nowMs: now,
          }).envelope;
        }
        const r = await dev.atoma.createRequest(user, {
          kind: job.kind,
          capability: job.capability,
          input,
          inputHash,
          maxPrice: 2_000_000n,
          ...(job.confidential ? { confidential: true } : {}),
        });
        if (r.nodes.includes(faulty)) faultySampled++;
        ids.push({ id: r.requestId, job });
      }
      for (const { id, job } of ids) {
        const r = await dev.atoma.waitForSettlement(id, { timeoutMs: 90_000, pollMs: 200 });
        expect(r.status).toBe(RequestStatus.Settled);
        for (let i = 0; i < 100 && (await dev.atoma.getRequest(id)).output.length === 0; i++)
          await new Promise((res) => setTimeout(res, 100));
        const out = await dev.atoma.fetchOutput(id);
        expect(dec.decode(out.plaintext)).toBe(dec.decode(await expected(job.capability, job.input)));
        const sampledFaulty = r.assignments.some((a) => a.node_id === faulty);
        expect(r.round).toBe(sampledFaulty ? 1 : 0);
      }
    }
    expect(faultySampled).toBeGreaterThan(0);
    const f = await dev.atoma.getNode(faulty);
    expect(BigInt(f.slashed)).toBeGreaterThan(0n);
    expect(await dev.atoma.earnedBy(faulty)).toBe(0n);
    for (const n of nodes.slice(1)) expect(BigInt((await dev.atoma.getNode(n.nodeId)).slashed)).toBe(0n);

    // The indexer (its own process) records the slash.
    let slashes: { node_id?: string; nodeId?: string }[] = [];
    for (let i = 0; i < 100; i++) {
      const body = (await (await fetch(`${indexerUrl}/v1/slashes`)).json()) as {
        items?: typeof slashes;
        data?: typeof slashes;
      };
      slashes = body.items ?? body.data ?? (Array.isArray(body) ? (body as typeof slashes) : []);
      if (slashes.length > 0) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(slashes.length).toBeGreaterThan(0);
    expect(JSON.stringify(slashes)).toContain(faulty.slice(2));

    // `atoma-node status --json` for an honest node shows its earnings.
    const honest = nodes.find((n) => n !== nodes[0]) as CliNode;
    const st = await cli(["-c", honest.config, "--json", "status"]);
    expect(st.code).toBe(0);
    const s = JSON.parse(st.out) as { earned: string; status: string; reputation: string };
    expect(s.status).toBe("Active");
    const honestEarned = await dev.atoma.earnedBy(honest.nodeId);
    expect(honestEarned).toBeGreaterThan(0n);
    expect(honestEarned).toBe(BigInt(s.earned));

    // /metrics of a running node.
    expect(metricsUrl).toMatch(/^http:/);
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(metrics).toContain("atoma_node_events_total");
  }, 240_000);
});
