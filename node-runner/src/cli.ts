#!/usr/bin/env tsx
/**
 * `atoma-node`: the operator's CLI (init, register, stake, unstake, withdraw, set-price,
 * capabilities, run, status, attest, verifier). Exit codes: 0 ok, 1 runtime failure, 2 usage.
 */
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { AtomaError, InvalidInputError } from "@atoma/sdk";
import { Command, CommanderError, Option } from "commander";
import pino from "pino";
import {
  createKeystore,
  DEFAULT_CONFIG,
  loadConfig,
  loadKeystore,
  type NodeConfig,
  parseConfig,
  renderConfig,
  resolveFrom,
  saveConfig,
} from "./config.js";
import { FAULTS, type Fault } from "./daemon/daemon.js";
import { loadExecutors } from "./daemon/executors-loader.js";
import { atomaClientFor, isDevnet, startNode } from "./daemon/node.js";
import { DirKeyDistribution, runRotationParticipant } from "./rotation/index.js";

export class UsageError extends Error {
  override name = "UsageError";
}

interface GlobalOpts {
  config: string;
  json?: boolean;
}

type Out = (human: string, json: Record<string, unknown>) => void;

function printer(json: boolean | undefined): Out {
  return (human, obj) => {
    if (json) process.stdout.write(`${JSON.stringify(obj, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
    else process.stdout.write(`${human}\n`);
  };
}

function mist(v: string, field: string): bigint {
  if (!/^\d+$/.test(v)) throw new InvalidInputError(field, "must be a whole number of MIST");
  return BigInt(v);
}

function needNode(c: NodeConfig, file: string): string {
  if (!c.nodeId) throw new InvalidInputError(`${file}: nodeId`, "is null; run `atoma-node register` first");
  return c.nodeId;
}

function context(cmd: Command) {
  const g = cmd.optsWithGlobals() as GlobalOpts;
  const file = path.resolve(g.config);
  const config = loadConfig(file);
  const keys = loadKeystore(resolveFrom(file, config.keystore));
  const atoma = atomaClientFor(config.rpcUrl, config.packageId, config.registryId);
  return { g, file, config, keys, atoma, out: printer(g.json) };
}

export function buildProgram(): Command {
  const program = new Command("atoma-node")
    .description("Atoma-on-Sui execution node: keys, registration, staking and the daemon")
    .option("-c, --config <file>", "config file", process.env.ATOMA_NODE_CONFIG ?? "atoma-node.json")
    .option("--json", "machine-readable output (one JSON object)")
    .showHelpAfterError()
    .exitOverride();

  program
    .command("init")
    .description("create Ed25519 + X25519 keys (keystore 0600) and a commented config file")
    .option("--rpc-url <url>", "chain JSON-RPC URL", DEFAULT_CONFIG.rpcUrl)
    .option("--package-id <id>", "atoma package id", DEFAULT_CONFIG.packageId)
    .option("--registry-id <id>", "Registry object id", DEFAULT_CONFIG.registryId)
    .option("--capabilities <ids>", "comma-separated capability ids", DEFAULT_CONFIG.capabilities.join(","))
    .option("--price <mist>", "price per request (MIST)", DEFAULT_CONFIG.price)
    .option("--stake <mist>", "stake at registration (MIST)", DEFAULT_CONFIG.stake)
    .option("--metrics-port <port>", "port of /metrics and /health", String(DEFAULT_CONFIG.metricsPort))
    .action((o, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalOpts;
      const file = path.resolve(g.config);
      mkdirSync(path.dirname(file), { recursive: true });
      const config: NodeConfig = {
        ...DEFAULT_CONFIG,
        rpcUrl: o.rpcUrl,
        packageId: o.packageId,
        registryId: o.registryId,
        capabilities: String(o.capabilities).split(",").filter(Boolean),
        price: o.price,
        stake: o.stake,
        metricsPort: o.metricsPort === "null" ? null : Number(o.metricsPort),
      };
      // Validate by round trip before anything is written.
      parseConfig(renderConfig(config), file);
      const keys = createKeystore(resolveFrom(file, config.keystore));
      saveConfig(file, config);
      printer(g.json)(
        `config ${file}\nkeystore ${resolveFrom(file, config.keystore)} (0600)\naddress ${keys.signer.toSuiAddress()}`,
        {
          config: file,
          keystore: resolveFrom(file, config.keystore),
          address: keys.signer.toSuiAddress(),
        },
      );
    });

  program
    .command("register")
    .description("register this node on chain with the configured stake, keys, capabilities and price")
    .action(async (_o, cmd: Command) => {
      const { file, config, keys, atoma, out } = context(cmd);
      if (config.nodeId) throw new InvalidInputError(`${file}: nodeId`, `already registered as ${config.nodeId}`);
      const res = await atoma.registerNode(keys.signer, {
        stake: mist(config.stake, "stake"),
        sigPk: keys.sigPk,
        encPk: keys.encPk,
        capabilities: config.capabilities,
        price: mist(config.price, "price"),
      });
      saveConfig(file, { ...config, nodeId: res.nodeId });
      out(`registered node ${res.nodeId} (tx ${res.digest})`, { nodeId: res.nodeId, digest: res.digest });
    });

  program
    .command("stake <mist>")
    .description("add stake (MIST) to this node")
    .action(async (amount: string, _o, cmd: Command) => {
      const { file, config, keys, atoma, out } = context(cmd);
      const res = await atoma.addStake(keys.signer, needNode(config, file), mist(amount, "mist"));
      out(`staked ${amount} MIST (tx ${res.digest})`, { digest: res.digest, amount });
    });

  program
    .command("unstake")
    .description("request unstake: all stake starts unbonding, the node leaves sampling")
    .action(async (_o, cmd: Command) => {
      const { file, config, keys, atoma, out } = context(cmd);
      const res = await atoma.requestUnstake(keys.signer, needNode(config, file));
      out(`unstake requested (tx ${res.digest})`, { digest: res.digest });
    });

  program
    .command("withdraw")
    .description("withdraw unbonded stake after the unbonding period")
    .action(async (_o, cmd: Command) => {
      const { file, config, keys, atoma, out } = context(cmd);
      const res = await atoma.withdrawStake(keys.signer, needNode(config, file));
      out(`withdrawn (tx ${res.digest})`, { digest: res.digest });
    });

  program
    .command("set-price <mist>")
    .description("set the price per request (MIST)")
    .action(async (price: string, _o, cmd: Command) => {
      const { file, config, keys, atoma, out } = context(cmd);
      const res = await atoma.setPrice(keys.signer, needNode(config, file), mist(price, "mist"));
      saveConfig(file, { ...config, price });
      out(`price set to ${price} MIST (tx ${res.digest})`, { digest: res.digest, price });
    });

  program
    .command("capabilities <ids...>")
    .description("set the capability ids this node serves")
    .action(async (ids: string[], _o, cmd: Command) => {
      const { file, config, keys, atoma, out } = context(cmd);
      const res = await atoma.setCapabilities(keys.signer, needNode(config, file), ids);
      saveConfig(file, { ...config, capabilities: ids });
      out(`capabilities set: ${ids.join(", ")} (tx ${res.digest})`, { digest: res.digest, capabilities: ids });
    });

  program
    .command("status")
    .description("stake, reputation, pending work and earnings of this node")
    .action(async (_o, cmd: Command) => {
      const { file, config, atoma, out } = context(cmd);
      const nodeId = needNode(config, file);
      const n = await atoma.getNode(nodeId);
      const { FileTaskJournal } = await import("./daemon/file-journal.js");
      const journal = new FileTaskJournal(path.join(resolveFrom(file, config.stateDir), "journal"));
      const status = ["Active", "Jailed", "Leaving"][n.status] ?? String(n.status);
      const s = {
        nodeId,
        status,
        stake: BigInt(n.stake.value),
        unbonding: BigInt(n.unbonding.value),
        reputation: BigInt(n.reputation),
        served: BigInt(n.served),
        earned: BigInt(n.earned),
        slashed: BigInt(n.slashed),
        price: BigInt(n.price),
        pending: journal.pending().length,
        attested: n.attestation !== null && !n.attestation.revoked,
      };
      out(
        [
          `node       ${nodeId} (${status})`,
          `stake      ${s.stake} MIST (unbonding ${s.unbonding})`,
          `reputation ${s.reputation}`,
          `earnings   ${s.earned} MIST over ${s.served} requests; slashed ${s.slashed}`,
          `pending    ${s.pending} task(s) in the journal`,
        ].join("\n"),
        s,
      );
    });

  program
    .command("run")
    .description("run the daemon: watch sampled requests, execute, commit, reveal, settle, post output")
    .option("--inference-url <url>", "OpenAI-compatible inference backend")
    .option("--wasm-app <file...>", "WASM app modules to serve (capability wasm:<blake2b-256 hex> each)")
    .addOption(new Option("--fault <kind>", "test-only fault injection (devnet only)").choices([...FAULTS]))
    .option("--metrics-port <port>", "port of /metrics and /health (overrides config; 'off' disables)")
    .option("--log-level <level>", "pino log level", "info")
    .option(
      "--cluster-key-dir <dir>",
      "key-distribution folder of a cluster coordinator: take part in master-key rotations (ack after checking the key)",
    )
    .addOption(
      new Option("--test-kill-after <step>", "test only (devnet): SIGKILL itself right after this durable step")
        .choices(["journaled", "committed", "revealed"])
        .hideHelp(),
    )
    .action(async (o, cmd: Command) => {
      const { file, config, keys, out } = context(cmd);
      const nodeId = needNode(config, file);
      const fault = o.fault as Fault | undefined;
      if (fault && !(await isDevnet(config.rpcUrl)))
        throw new UsageError(`--fault ${fault} is refused: ${config.rpcUrl} is not an @atoma/devnet`);
      const killAfter = o.testKillAfter as "journaled" | "committed" | "revealed" | undefined;
      if (killAfter && !(await isDevnet(config.rpcUrl)))
        throw new UsageError(`--test-kill-after is refused: ${config.rpcUrl} is not an @atoma/devnet`);
      const metricsPort =
        o.metricsPort === "off" ? null : o.metricsPort !== undefined ? Number(o.metricsPort) : config.metricsPort;
      const logger = pino({ level: o.logLevel, base: { node: nodeId.slice(0, 10) } }, pino.destination(2));
      const node = await startNode({
        rpcUrl: config.rpcUrl,
        packageId: config.packageId,
        registryId: config.registryId,
        nodeId,
        keys,
        stateDir: resolveFrom(file, config.stateDir),
        executors: await loadExecutors({
          inferenceUrl: o.inferenceUrl ?? config.inferenceUrl,
          wasmModules: ((o.wasmApp as string[] | undefined) ?? []).map((f) => new Uint8Array(readFileSync(f))),
        }),
        logger,
        concurrency: config.concurrency,
        pollMs: config.pollMs,
        metricsPort,
        ...(fault ? { fault } : {}),
        ...(killAfter
          ? {
              onStep: (step: string) => {
                if (step === killAfter) process.kill(process.pid, "SIGKILL");
              },
            }
          : {}),
      });
      const rotation = new AbortController();
      const rotationLoop = o.clusterKeyDir
        ? runRotationParticipant({
            atoma: atomaClientFor(config.rpcUrl, config.packageId, config.registryId),
            keys,
            nodeId,
            stateDir: resolveFrom(file, config.stateDir),
            distribution: new DirKeyDistribution(String(o.clusterKeyDir)),
            signal: rotation.signal,
            logger,
          })
        : Promise.resolve();
      out(`node ${nodeId} running${node.metricsUrl ? `; metrics ${node.metricsUrl}/metrics` : ""}`, {
        event: "running",
        nodeId,
        metricsUrl: node.metricsUrl,
      });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      rotation.abort();
      await Promise.all([node.stop(), rotationLoop]);
      logger.info("stopped");
    });

  const attest = program
    .command("attest")
    .description("TEE attestation: verify evidence into a signed verdict, record a verdict on chain");
  attest
    .command("verify")
    .description("verify TEE evidence and print the signed verdict (JSON)")
    .requiredOption("--verifier-key <file>", "verifier Ed25519 secret key (0600)")
    .requiredOption("--policy <file>", "attestation policy JSON")
    .requiredOption("--evidence <file>", "evidence bytes")
    .requiredOption("--node-id <id>", "node id")
    .requiredOption("--sig-pk <hex>", "node Ed25519 public key")
    .requiredOption("--enc-pk <hex>", "node X25519 public key")
    .requiredOption("--tee-kind <kind>", "tdx | sev-snp | none")
    .option("--blob-dir <dir>", "evidence blob store", ".atoma/blobs")
    .option("--tdx-root <file...>", "trusted TDX root PEMs")
    .option("--sev-snp-root <file...>", "trusted SEV-SNP ARK PEMs")
    .option("--vcek <file>", "SEV-SNP VCEK")
    .option("--chain <file>", "SEV-SNP ASK+ARK chain PEM")
    .action(async (o) => {
      const { runAttestVerify } = await import("./attestation/index.js");
      const res = await runAttestVerify({
        verifierKeyFile: o.verifierKey,
        policyFile: o.policy,
        evidenceFile: o.evidence,
        nodeId: o.nodeId,
        sigPk: o.sigPk,
        encPk: o.encPk,
        teeKind: o.teeKind,
        blobDir: o.blobDir,
        tdxRootFiles: o.tdxRoot,
        sevSnpRootFiles: o.sevSnpRoot,
        vcekFile: o.vcek,
        chainFile: o.chain,
      });
      process.stdout.write(`${JSON.stringify(res)}\n`);
    });

  attest
    .command("record <verdict>")
    .description("record a verdict (the JSON printed by `attest verify` or POST /v1/attest) on chain for this node")
    .action(async (file: string, _o, cmd: Command) => {
      const { file: cfg, config, keys, atoma, out } = context(cmd);
      const nodeId = needNode(config, cfg);
      const v = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      const hexField = (k: string, len?: number) => {
        const x = v[k];
        if (
          typeof x !== "string" ||
          !/^(0x)?([0-9a-fA-F]{2})+$/.test(x) ||
          (len && x.replace(/^0x/, "").length !== len * 2)
        )
          throw new InvalidInputError(`${file}: ${k}`, len ? `must be ${len} bytes of hex` : "must be hex");
        return new Uint8Array(Buffer.from(x.replace(/^0x/, ""), "hex"));
      };
      if (v.nodeId !== nodeId)
        throw new InvalidInputError(`${file}: nodeId`, `is ${String(v.nodeId)}, not this node (${nodeId})`);
      if (typeof v.teeKind !== "number") throw new InvalidInputError(`${file}: teeKind`, "must be a number");
      for (const k of ["issuedMs", "expiresMs"] as const) {
        const t = v[k];
        if (typeof t !== "string" || !/^\d+$/.test(t))
          throw new InvalidInputError(`${file}: ${k}`, "must be a decimal string");
      }
      const res = await atoma.recordAttestation(keys.signer, {
        nodeCap: nodeId,
        teeKind: v.teeKind,
        measurement: hexField("measurement"),
        reportDataHash: hexField("reportDataHash", 32),
        evidenceHash: hexField("evidenceHash", 32),
        issuedMs: BigInt(v.issuedMs as string),
        expiresMs: BigInt(v.expiresMs as string),
        verifierPk: hexField("verifierPublicKey", 32),
        signature: hexField("signature", 64),
      });
      out(`attestation recorded (tx ${res.digest})`, { digest: res.digest });
    });

  program
    .command("verifier")
    .description("serve the attestation verifier (POST /v1/attest)")
    .requiredOption("--verifier-key <file>", "verifier Ed25519 secret key (0600)")
    .requiredOption("--policy <file>", "attestation policy JSON")
    .option("--blob-dir <dir>", "evidence blob store", ".atoma/blobs")
    .option("--tdx-root <file...>", "trusted TDX root PEMs (Intel SGX Root CA)")
    .option("--sev-snp-root <file...>", "trusted SEV-SNP ARK PEMs")
    .option("--port <port>", "listen port", "8090")
    .option("--host <host>", "listen host", "127.0.0.1")
    .action(async (o, cmd: Command) => {
      const { readFile } = await import("node:fs/promises");
      const a = await import("./attestation/index.js");
      const Fastify = (await import("fastify")).default;
      const pems = (files?: string[]) => Promise.all((files ?? []).map((f) => readFile(f, "utf8")));
      const [tdx, sevSnp] = await Promise.all([pems(o.tdxRoot), pems(o.sevSnpRoot)]);
      const service = a.createVerifierService({
        verifierKey: await a.readVerifierKey(o.verifierKey),
        policy: JSON.parse(await readFile(o.policy, "utf8")),
        trustedRoots: { ...(tdx.length ? { tdx } : {}), ...(sevSnp.length ? { sevSnp } : {}) },
        blobDir: o.blobDir,
      });
      const app = Fastify({ logger: false });
      await app.register(a.attestationRoutes(service));
      const url = await app.listen({ port: Number(o.port), host: o.host });
      printer((cmd.optsWithGlobals() as GlobalOpts).json)(`verifier listening on ${url}`, { url });
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await app.close();
    });

  return program;
}

/** Runs the CLI; returns the exit code (0 ok, 1 runtime failure, 2 usage error). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes("--json");
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help")
        return 0;
      return 2;
    }
    const usage = err instanceof UsageError || err instanceof InvalidInputError;
    const message = err instanceof Error ? err.message : String(err);
    const code = err instanceof AtomaError ? err.code : usage ? "USAGE" : "RUNTIME";
    if (json) process.stdout.write(`${JSON.stringify({ error: code, message })}\n`);
    process.stderr.write(`atoma-node: ${message}\n`);
    return usage ? 2 : 1;
  }
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (isMain) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
