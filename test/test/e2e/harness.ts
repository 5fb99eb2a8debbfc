/** Real processes for the end-to-end tests: devnet, indexer and node-runners as children. */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { AtomaClient, blake2b256, concatBytes, signVerdict, suiClientFor } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { loadConfig, loadKeystore, type NodeKeys } from "../../../node-runner/src/config.js";
import { makePki, makeQuoteV5, tdxBody } from "../../../sdk/test/attestation/tdx-builder.js";

export const ROOT = path.resolve(import.meta.dirname, "../../..");
export const TSX = path.join(ROOT, "node_modules/.bin/tsx");
export const CLI = path.join(ROOT, "node-runner/src/cli.ts");
const TSX_LOADER = pathToFileURL(path.join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;

export interface DevnetInfo {
  url: string;
  packageId: string;
  registryId: string;
  registryInitialSharedVersion: string;
  adminCapId: string;
  verifierSk: string;
  measurement: string;
  /** A 48-byte TDX MRTD the chain allows (for quotes sent through the verifier service). */
  tdxMrtd: string;
}

export interface Proc {
  child: ChildProcess;
  out: string[];
  err: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnProc(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Proc {
  // `node --import tsx` (not the tsx wrapper) so signals hit the process that runs the code.
  const child = spawn(process.execPath, ["--import", TSX_LOADER, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out: string[] = [];
  const err: string[] = [];
  let bufOut = "";
  child.stdout?.on("data", (d: Buffer) => {
    bufOut += d.toString();
    const lines = bufOut.split("\n");
    bufOut = lines.pop() ?? "";
    out.push(...lines);
  });
  child.stderr?.on("data", (d: Buffer) => err.push(d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, out, err, exited };
}

export async function waitForLine(p: Proc, pred: (line: string) => boolean, ms = 60_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const hit = p.out.find(pred);
    if (hit) return hit;
    if (p.child.exitCode !== null || p.child.signalCode !== null)
      throw new Error(`process exited (${p.child.exitCode ?? p.child.signalCode}): ${p.err.join("").slice(-2000)}`);
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for output; stderr: ${p.err.join("").slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopProc(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill("SIGTERM");
  const t = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
  await p.exited;
  clearTimeout(t);
}

export async function startDevnetChild(
  seed: string,
  windowMs?: bigint,
): Promise<{ proc: Proc; info: DevnetInfo; atoma: AtomaClient }> {
  const args = [path.join(ROOT, "test/test/e2e/devnet-child.ts"), seed];
  if (windowMs !== undefined) args.push(String(windowMs));
  const proc = spawnProc(args);
  const line = await waitForLine(proc, (l) => l.startsWith("{"));
  const info = JSON.parse(line) as DevnetInfo;
  const atoma = new AtomaClient(suiClientFor(info.url), {
    packageId: info.packageId,
    registryId: info.registryId,
    registryInitialSharedVersion: info.registryInitialSharedVersion,
  });
  return { proc, info, atoma };
}

/** The CLI as a child process; resolves with its exit code and output. */
export async function cli(args: string[], cwd = ROOT): Promise<{ code: number | null; out: string; err: string }> {
  const p = spawnProc([CLI, ...args], { cwd });
  const { code } = await p.exited;
  return { code, out: p.out.join("\n"), err: p.err.join("") };
}

export async function devnetNow(url: string): Promise<bigint> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "devnet_getClock", params: [] }),
  });
  return BigInt(((await res.json()) as { result: string }).result);
}

export interface CliNode {
  config: string;
  nodeId: string;
  keys: NodeKeys;
}

/** `atoma-node init` + faucet + `atoma-node register` (child processes), then an attestation verdict. */
export async function cliNode(
  dev: { info: DevnetInfo; atoma: AtomaClient },
  dir: string,
  o: { capabilities: string[]; price: bigint; attest?: boolean },
): Promise<CliNode> {
  mkdirSync(dir, { recursive: true });
  const config = path.join(dir, "atoma-node.json");
  const init = await cli([
    "-c",
    config,
    "--json",
    "init",
    "--rpc-url",
    dev.info.url,
    "--package-id",
    dev.info.packageId,
    "--registry-id",
    dev.info.registryId,
    "--capabilities",
    o.capabilities.join(","),
    "--price",
    String(o.price),
    "--metrics-port",
    "0",
  ]);
  if (init.code !== 0) throw new Error(`init failed: ${init.err}`);
  const { address } = JSON.parse(init.out) as { address: string };
  await requestSuiFromFaucetV2({ host: dev.info.url, recipient: address });
  const reg = await cli(["-c", config, "--json", "register"]);
  if (reg.code !== 0) throw new Error(`register failed: ${reg.err}`);
  const c = loadConfig(config);
  const keys = loadKeystore(path.join(dir, c.keystore));
  const nodeId = c.nodeId as string;
  if (o.attest) {
    const sk = new Uint8Array(Buffer.from(dev.info.verifierSk, "hex"));
    const verdict = {
      nodeId,
      teeKind: 1,
      measurement: new Uint8Array(Buffer.from(dev.info.measurement, "hex")),
      reportDataHash: blake2b256(concatBytes(keys.sigPk, keys.encPk)),
      evidenceHash: blake2b256(new TextEncoder().encode(`e2e:${nodeId}`)),
      issuedMs: await devnetNow(dev.info.url),
      expiresMs: (await devnetNow(dev.info.url)) + 3_600_000n,
    };
    await dev.atoma.recordAttestation(keys.signer, {
      nodeCap: c.nodeCapId as string,
      ...verdict,
      verifierPk: Ed25519Keypair.fromSecretKey(sk).getPublicKey().toRawBytes(),
      signature: signVerdict(verdict, sk),
    });
  }
  return { config, nodeId, keys };
}

export function runNode(node: CliNode, extra: string[] = []): Proc {
  return spawnProc([CLI, "-c", node.config, "--json", "run", "--log-level", "warn", ...extra]);
}

export async function waitRunning(p: Proc, ms = 60_000): Promise<{ metricsUrl: string | null }> {
  const line = await waitForLine(p, (l) => l.includes('"event":"running"'), ms);
  return JSON.parse(line) as { metricsUrl: string | null };
}

export interface VerifiedAttestation {
  /** The quote sent as evidence. */
  quote: Uint8Array;
  /** The JSON the verifier service answered (recorded as is with `atoma-node attest record`). */
  verdict: {
    nodeId: string;
    teeKind: number;
    measurement: string;
    reportDataHash: string;
    evidenceHash: string;
    expiresMs: string;
    signature: string;
    verifierPublicKey: string;
  };
}

/**
 * The real attestation path for one node: a TDX quote (self-built PKI, REPORTDATA bound to the
 * node's keys, the chain's allowed MRTD) POSTed to `atoma-node verifier` (a child process holding
 * the devnet's allow-listed verifier key and trusting that PKI's root), then the verdict it
 * returns recorded on chain with `atoma-node attest record`.
 */
export async function attestThroughVerifier(
  dev: { info: DevnetInfo },
  node: CliNode,
  dir: string,
): Promise<VerifiedAttestation> {
  mkdirSync(dir, { recursive: true });
  const pki = await makePki();
  const reportData = blake2b256(concatBytes(node.keys.sigPk, node.keys.encPk));
  const quote = await makeQuoteV5(pki, tdxBody(new Uint8Array(Buffer.from(dev.info.tdxMrtd, "hex")), reportData));
  const keyFile = path.join(dir, "verifier.key");
  writeFileSync(keyFile, dev.info.verifierSk, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  const policyFile = path.join(dir, "policy.json");
  writeFileSync(
    policyFile,
    JSON.stringify({ tdx: { allowedMeasurements: [dev.info.tdxMrtd] }, validityMs: 3_600_000 }),
  );
  const rootFile = path.join(dir, "tdx-root.pem");
  writeFileSync(rootFile, pki.rootPem);
  const verifier = spawnProc([
    CLI,
    "--json",
    "verifier",
    "--verifier-key",
    keyFile,
    "--policy",
    policyFile,
    "--tdx-root",
    rootFile,
    "--blob-dir",
    path.join(dir, "blobs"),
    "--port",
    "0",
  ]);
  try {
    const line = await waitForLine(verifier, (l) => l.includes('"url"'));
    const { url } = JSON.parse(line) as { url: string };
    const res = await fetch(`${url}/v1/attest`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        nodeId: node.nodeId,
        sigPk: Buffer.from(node.keys.sigPk).toString("base64"),
        encPk: Buffer.from(node.keys.encPk).toString("base64"),
        teeKind: "tdx",
        evidence: Buffer.from(quote).toString("base64"),
      }),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`POST /v1/attest answered ${res.status}: ${text}`);
    const verdict = JSON.parse(text) as VerifiedAttestation["verdict"];
    const verdictFile = path.join(dir, "verdict.json");
    writeFileSync(verdictFile, text);
    const rec = await cli(["-c", node.config, "--json", "attest", "record", verdictFile]);
    if (rec.code !== 0) throw new Error(`attest record failed (${rec.code}): ${rec.err}`);
    return { quote, verdict };
  } finally {
    await stopProc(verifier);
  }
}
