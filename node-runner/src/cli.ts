#!/usr/bin/env tsx
/**
 * `atoma-node`: the operator's CLI (init, register, stake, unstake, withdraw, set-price,
 * capabilities, run, status, attest, verifier). Exit codes: 0 ok, 1 runtime failure, 2 usage.
 * Why one file past ~600 lines: the command table, its usage text and argument parsing belong
 * together; each command body is a few lines calling the SDK or the daemon.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  AtomaError,
  DEFAULT_SUI_TRANSPORT,
  enumName,
  InvalidInputError,
  isNetworkFailure,
  NodeStatus,
  parseDeployment,
  SUI_TRANSPORTS,
  type SuiTransport,
  suiClientFor,
} from "@atoma/sdk";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import pino from "pino";
import {
  createKeystore,
  DEFAULT_CONFIG,
  loadConfig,
  loadKeystore,
  type NodeConfig,
  normalizeCapability,
  parseConfig,
  renderConfig,
  resolveFrom,
  saveConfig,
} from "./config.js";
import { loadExecutors } from "./daemon/executors-loader.js";
import { atomaClientFor, isDevnet, startNode } from "./daemon/node.js";
import { FAULTS, type Fault } from "./daemon/task-runner.js";
import { ChainReadError, NoGasError, UsageError, unreachable } from "./errors.js";
import { addLlamaOptions, LlamaUsageError, llamaOptionsFrom } from "./executors/llama/cli-options.js";
import { InferenceUrlError, parseInferenceUrl } from "./executors/openai.js";
import { Keeper, SdkKeeperChain } from "./keeper/index.js";
import { acquireRunLock } from "./lock.js";
import { callerCwd, configPath, userPath } from "./paths.js";
import {
  clusterLayeredKeys,
  DirKeyDistribution,
  DirUsageReports,
  MasterKeyStore,
  runRotationParticipant,
  SealedBytesMeter,
} from "./rotation/index.js";
import { findNodeCap } from "./sdk-port.js";

export { NoGasError, UsageError } from "./errors.js";

export const VERSION = "0.1.0";

interface GlobalOpts {
  config?: string;
  json?: boolean;
  transport: SuiTransport;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

function portArg(flag: string, allowOff: boolean) {
  return (v: string): string => {
    if (allowOff && v === "off") return v;
    if (!/^\d+$/.test(v) || Number(v) > 65535)
      throw new InvalidArgumentError(`${flag} must be a port 0..65535${allowOff ? " or 'off'" : ""}`);
    return v;
  };
}
function mistArg(flag: string) {
  return (v: string): string => {
    if (!/^\d+$/.test(v) || BigInt(v) >= 1n << 64n)
      throw new InvalidArgumentError(`${flag} must be a whole number of MIST`);
    return v;
  };
}
function intArg(flag: string, min: number, max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
      throw new InvalidArgumentError(`${flag} must be a whole number in ${min}..${max}`);
    return Number(v);
  };
}
function inferenceUrlArg(v: string): string {
  try {
    parseInferenceUrl(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return v;
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

function readBinary(file: string, field: string): Uint8Array {
  if (!existsSync(file)) throw new InvalidInputError(field, `${file} does not exist`);
  return new Uint8Array(readFileSync(file));
}

/** A certificate file as DER: PEM (one CERTIFICATE block) is decoded, anything else is taken as DER. */
function derOf(b: Uint8Array): Uint8Array {
  const text = Buffer.from(b).toString("latin1");
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(text);
  return m ? new Uint8Array(Buffer.from((m[1] as string).replace(/\s+/g, ""), "base64")) : b;
}

function needNode(c: NodeConfig, file: string): string {
  if (!c.nodeId) throw new InvalidInputError(`${file}: nodeId`, "is null; run `atoma-node register` first");
  return c.nodeId;
}

/** Maps chain failures to errors that say what to do: unreachable RPC, no gas, no package. */
async function explainChainError(err: unknown, config: NodeConfig, address: string): Promise<unknown> {
  if (isNetworkFailure(err)) return unreachable("the chain RPC", config.rpcUrl, err);
  const msg = err instanceof Error ? err.message : String(err);
  if (/No valid gas coins/i.test(msg)) return new NoGasError(address, config.rpcUrl);
  if (/Package object does not exist|does not exist.*package|package.*not found/i.test(msg))
    return new Error(
      `package ${config.packageId} does not exist on ${config.rpcUrl}: deploy it (\`atoma-node deploy\`) and point ` +
        "the config at the deployment (`atoma-node init --deployment deployment.json`)",
      { cause: err },
    );
  return err;
}

async function context(cmd: Command, o: { ping?: boolean } = {}) {
  const g = cmd.optsWithGlobals() as GlobalOpts;
  const file = configPath(g.config);
  const config = loadConfig(file);
  const keys = loadKeystore(resolveFrom(file, config.keystore));
  if (/^0x0+$/.test(config.packageId) || /^0x0+$/.test(config.registryId))
    throw new InvalidInputError(
      `${file}: packageId/registryId`,
      "are not set (0x0): run `atoma-node deploy` (or get a deployment file) and `atoma-node init --deployment <file>`",
    );
  const atoma = atomaClientFor(config.rpcUrl, config.packageId, config.registryId, g.transport);
  const chain = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      throw await explainChainError(err, config, keys.signer.toSuiAddress());
    }
  };
  // One cheap call first, so a dead or wrong URL is named before anything else fails obscurely.
  const ping = () => chain(() => atoma.client.core.getChainIdentifier());
  if (o.ping !== false) await ping();
  /** This node's NodeCap: the config's `nodeCapId`, else looked up among the keystore address's objects. */
  const nodeCap = async (): Promise<string> =>
    config.nodeCapId ?? chain(() => findNodeCap(atoma, keys.signer.toSuiAddress(), needNode(config, file)));
  return { g, file, config, keys, atoma, chain, ping, nodeCap, out: printer(g.json) };
}

export function buildProgram(): Command {
  const program = new Command("atoma-node")
    .description(
      "Atoma-on-Sui execution node: deploy, keys, registration, staking and the daemon.\n" +
        "Relative paths are resolved against the folder you run the command in.",
    )
    .version(VERSION, "--version", "print the version")
    .option("-c, --config <file>", `config file (default: $ATOMA_NODE_CONFIG, else ${configPath(undefined)})`)
    .option("--json", "machine-readable output: one JSON object per line on stdout, errors too")
    .configureHelp({ showGlobalOptions: true })
    .addOption(
      new Option("--transport <kind>", "how to talk to the Sui node at rpcUrl: gRPC (sui.rpc.v2) or legacy JSON-RPC")
        .choices([...SUI_TRANSPORTS])
        .default(DEFAULT_SUI_TRANSPORT),
    )
    .showHelpAfterError()
    .exitOverride();

  program
    .command("deploy")
    .description("publish the atoma package, apply the admin setup and write a deployment file with full ids")
    .option("--rpc-url <url>", "Sui node URL (gRPC-web, or JSON-RPC with --transport jsonrpc)", DEFAULT_CONFIG.rpcUrl)
    .option("--out <file>", "deployment file to write", "deployment.json")
    .option("--admin-keystore <file>", "publisher/admin key (created 0600 if missing)", "admin-keystore.json")
    .option("--commit-window-ms <ms>", "set Params.commit_window_ms after publishing", mistArg("--commit-window-ms"))
    .option("--reveal-window-ms <ms>", "set Params.reveal_window_ms after publishing", mistArg("--reveal-window-ms"))
    .option("--force", "overwrite an existing deployment file")
    .action(async (o, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalOpts;
      const out = userPath(o.out);
      if (existsSync(out) && !o.force)
        throw new UsageError(`${out} exists already (a deployment is recorded there); pass --force to replace it`);
      const keyFile = userPath(o.adminKeystore);
      const { deployToFile } = await import("./deploy.js");
      const d = await deployToFile({
        rpcUrl: o.rpcUrl,
        transport: g.transport,
        out,
        adminKeystore: keyFile,
        setup: {
          ...(o.commitWindowMs ? { commitWindowMs: BigInt(o.commitWindowMs) } : {}),
          ...(o.revealWindowMs ? { revealWindowMs: BigInt(o.revealWindowMs) } : {}),
        },
      });
      printer(g.json)(
        [
          `published atoma on ${d.rpcUrl} (tx ${d.digest})`,
          `package   ${d.packageId}`,
          `registry  ${d.registryId}`,
          `adminCap  ${d.adminCapId} (held by ${d.publisher}, key ${keyFile})`,
          `wrote ${out}; next: atoma-node init --deployment ${path.relative(callerCwd(), out) || out}`,
        ].join("\n"),
        { deployment: out, ...d },
      );
    });

  program
    .command("init")
    .description("create Ed25519 + X25519 keys (keystore 0600) and a commented config file")
    .option("--deployment <file>", "deployment file written by `atoma-node deploy` (sets rpc url, package, registry)")
    .option("--rpc-url <url>", `chain JSON-RPC URL (default: the deployment's, else ${DEFAULT_CONFIG.rpcUrl})`)
    .option("--package-id <id>", "atoma package id (default: the deployment's)")
    .option("--registry-id <id>", "Registry object id (default: the deployment's)")
    .option("--capabilities <ids>", "comma-separated capability ids", DEFAULT_CONFIG.capabilities.join(","))
    .option("--price <mist>", "price per request (MIST)", mistArg("--price"), DEFAULT_CONFIG.price)
    .option("--stake <mist>", "stake at registration (MIST)", mistArg("--stake"), DEFAULT_CONFIG.stake)
    .option(
      "--metrics-port <port>",
      "port of /metrics and /health ('off' = none)",
      portArg("--metrics-port", true),
      String(DEFAULT_CONFIG.metricsPort),
    )
    .action((o, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalOpts;
      const file = configPath(g.config);
      const dep = o.deployment
        ? parseDeployment(readFileSync(userPath(o.deployment), "utf8"), userPath(o.deployment))
        : null;
      const config: NodeConfig = {
        ...DEFAULT_CONFIG,
        rpcUrl: o.rpcUrl ?? dep?.rpcUrl ?? DEFAULT_CONFIG.rpcUrl,
        packageId: o.packageId ?? dep?.packageId ?? DEFAULT_CONFIG.packageId,
        registryId: o.registryId ?? dep?.registryId ?? DEFAULT_CONFIG.registryId,
        capabilities: String(o.capabilities).split(",").filter(Boolean).map(normalizeCapability),
        price: o.price,
        stake: o.stake,
        metricsPort: o.metricsPort === "off" ? null : Number(o.metricsPort),
      };
      // Validate by round trip before anything is written.
      parseConfig(renderConfig(config), file);
      mkdirSync(path.dirname(file), { recursive: true });
      const keys = createKeystore(resolveFrom(file, config.keystore));
      saveConfig(file, config);
      const address = keys.signer.toSuiAddress();
      const unset = /^0x0+$/.test(config.packageId);
      printer(g.json)(
        [
          `config   ${file}`,
          `keystore ${resolveFrom(file, config.keystore)} (0600)`,
          `address  ${address}`,
          `next: fund this address with at least the stake (${config.stake} MIST) plus gas: \`atoma-node faucet\` on a devnet/localnet`,
          ...(unset ? ["warning: packageId is 0x0; run `atoma-node deploy` and init with --deployment"] : []),
        ].join("\n"),
        { config: file, keystore: resolveFrom(file, config.keystore), address, stake: config.stake },
      );
    });

  program
    .command("faucet")
    .description("ask the network's faucet (devnet or localnet) for SUI for this node's address")
    .option("--faucet-url <url>", "faucet host (default: the rpc url, where a devnet serves POST /v2/gas)")
    .action(async (o, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalOpts;
      const file = configPath(g.config);
      const config = loadConfig(file);
      const keys = loadKeystore(resolveFrom(file, config.keystore));
      const address = keys.signer.toSuiAddress();
      const host = o.faucetUrl ?? config.rpcUrl;
      const { requestSuiFromFaucetV2 } = await import("@mysten/sui/faucet");
      try {
        await requestSuiFromFaucetV2({ host, recipient: address });
      } catch (err) {
        throw isNetworkFailure(err) ? await unreachable("the faucet", host, err) : err;
      }
      // The balance over the configured transport (gRPC by default), like every other command.
      const sui = suiClientFor(config.rpcUrl, g.transport);
      let balance: string;
      try {
        balance = (await sui.core.getBalance({ owner: address })).balance.balance;
      } catch (err) {
        throw isNetworkFailure(err)
          ? await unreachable("the Sui node", config.rpcUrl, err)
          : new ChainReadError(`the balance of ${address}`, config.rpcUrl, g.transport, err);
      }
      printer(g.json)(`funded ${address} from ${host}; balance ${balance} MIST`, { address, balance });
    });

  program
    .command("register")
    .description("register this node on chain with the configured stake, keys, capabilities and price")
    .action(async (_o, cmd: Command) => {
      const { file, config, keys, atoma, chain, out } = await context(cmd);
      if (config.nodeId) throw new InvalidInputError(`${file}: nodeId`, `already registered as ${config.nodeId}`);
      const res = await chain(() =>
        atoma.registerNode(keys.signer, {
          stake: mist(config.stake, "stake"),
          sigPk: keys.sigPk,
          encPk: keys.encPk,
          capabilities: config.capabilities,
          price: mist(config.price, "price"),
        }),
      );
      saveConfig(file, { ...config, nodeId: res.nodeId, nodeCapId: res.nodeCapId });
      out(`registered node ${res.nodeId} (tx ${res.digest})`, {
        nodeId: res.nodeId,
        nodeCapId: res.nodeCapId,
        digest: res.digest,
      });
    });

  program
    .command("stake <mist>")
    .description("add stake (MIST) to this node")
    .action(async (amount: string, _o, cmd: Command) => {
      const { keys, atoma, chain, nodeCap, out } = await context(cmd);
      const cap = await nodeCap();
      const res = await chain(() => atoma.addStake(keys.signer, cap, mist(amount, "mist")));
      out(`staked ${amount} MIST (tx ${res.digest})`, { digest: res.digest, amount });
    });

  program
    .command("unstake")
    .description("request unstake: all stake starts unbonding, the node leaves sampling")
    .action(async (_o, cmd: Command) => {
      const { keys, atoma, chain, nodeCap, out } = await context(cmd);
      const cap = await nodeCap();
      const res = await chain(() => atoma.requestUnstake(keys.signer, cap));
      out(`unstake requested (tx ${res.digest})`, { digest: res.digest });
    });

  program
    .command("withdraw")
    .description("withdraw unbonded stake after the unbonding period")
    .action(async (_o, cmd: Command) => {
      const { keys, atoma, chain, nodeCap, out } = await context(cmd);
      const cap = await nodeCap();
      const res = await chain(() => atoma.withdrawStake(keys.signer, cap));
      out(`withdrawn (tx ${res.digest})`, { digest: res.digest });
    });

  program
    .command("set-price <mist>")
    .description("set the price per request (MIST)")
    .action(async (price: string, _o, cmd: Command) => {
      const { file, config, keys, atoma, chain, nodeCap, out } = await context(cmd);
      const cap = await nodeCap();
      const res = await chain(() => atoma.setPrice(keys.signer, cap, mist(price, "mist")));
      saveConfig(file, { ...config, price });
      out(`price set to ${price} MIST (tx ${res.digest})`, { digest: res.digest, price });
    });

  program
    .command("capabilities <ids...>")
    .description("set the capability ids this node serves")
    .action(async (given: string[], _o, cmd: Command) => {
      const { file, config, keys, atoma, chain, nodeCap, out } = await context(cmd);
      const ids = given.map(normalizeCapability);
      parseConfig(renderConfig({ ...config, capabilities: ids }), "capabilities");
      const cap = await nodeCap();
      const res = await chain(() => atoma.setCapabilities(keys.signer, cap, ids));
      saveConfig(file, { ...config, capabilities: ids });
      out(`capabilities set: ${ids.join(", ")} (tx ${res.digest})`, { digest: res.digest, capabilities: ids });
    });

  program
    .command("status")
    .description("stake, reputation, pending work and earnings (its NodePaid events summed) of this node")
    .action(async (_o, cmd: Command) => {
      const { file, config, atoma, chain, out } = await context(cmd);
      const nodeId = needNode(config, file);
      const n = await chain(() => atoma.getNode(nodeId));
      // no `earned` on chain since issue 13 B stage 2: the node's NodePaid events
      const earned = await chain(() => atoma.earnedBy(nodeId));
      // Read only: the daemon may be writing the journal now.
      const { readTaskJournal } = await import("./daemon/file-journal.js");
      const journal = readTaskJournal(path.join(resolveFrom(file, config.stateDir), "journal"));
      const status = String(enumName(NodeStatus, n.status) ?? n.status);
      const s = {
        nodeId,
        status,
        stake: BigInt(n.stake.value),
        unbonding: BigInt(n.unbonding.value),
        reputation: BigInt(n.reputation),
        served: BigInt(n.served),
        earned,
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

  addLlamaOptions(
    program
      .command("model-capability")
      .description("the capability id and determinism manifest this node registers for a GGUF model (exit 1: refused)"),
    true,
  ).action(async (o, cmd: Command) => {
    const out = printer((cmd.optsWithGlobals() as GlobalOpts).json);
    const { LlamaExecutor } = await import("./executors/llama/index.js");
    const ex = await LlamaExecutor.create(llamaOptionsFrom(o) as NonNullable<ReturnType<typeof llamaOptionsFrom>>);
    try {
      const human = ex.refusal
        ? `refused: ${ex.refusal}`
        : `${ex.capabilityId}\n${JSON.stringify(ex.manifest, null, 2)}`;
      out(human, { capability: ex.capabilityId, manifest: ex.manifest, refusal: ex.refusal });
      if (ex.refusal) process.exitCode = 1;
    } finally {
      await ex.close();
    }
  });

  program
    .command("run")
    .description("run the daemon: watch sampled requests, execute, commit, reveal, settle, post output")
    .option(
      "--inference-url <url>",
      "OpenAI-compatible backend (vLLM, llama.cpp server), e.g. http://127.0.0.1:8000/v1: each model it lists serves capability llm:<model>",
      inferenceUrlArg,
    )
    .option("--wasm-app <file...>", "WASM app modules to serve (capability wasm:<blake2b-256 hex> each)")
    .option(
      "--private-wasm",
      "run private WASM modules sealed in the application layer of confidential requests (capability = the module's digest)",
    )
    .addOption(new Option("--fault <kind>", "test-only fault injection (devnet only)").choices([...FAULTS]))
    .option(
      "--metrics-port <port>",
      "port of /metrics and /health (overrides config; 'off' disables)",
      portArg("--metrics-port", true),
    )
    .addOption(new Option("--log-level <level>", "log level (logs go to stderr)").choices(LOG_LEVELS).default("info"))
    .option(
      "--cluster-key-dir <dir>",
      "key-distribution folder of a cluster coordinator: take part in master-key rotations (ack after checking the key)",
    )
    .option(
      "--usage-dir <dir>",
      "usage-report folder of a cluster coordinator: report the bytes this node opens under each master key (automatic rotation)",
    )
    .option(
      "--keeper",
      "also run the keeper (as `atoma-node keeper`: sweep fees, refresh slashed nodes; state in <stateDir>/keeper)",
    )
    .addOption(
      new Option("--test-kill-after <step>", "test only (devnet): SIGKILL itself right after this durable step")
        .choices(["journaled", "committed", "revealed"])
        .hideHelp(),
    )
    .action(async (o, cmd: Command) => {
      const { g, file, config, keys, out, ping, nodeCap } = await context(cmd, { ping: false });
      const nodeId = needNode(config, file);
      const stateDir = resolveFrom(file, config.stateDir);
      const fault = o.fault as Fault | undefined;
      if (fault && !(await isDevnet(config.rpcUrl)))
        throw new UsageError(`--fault ${fault} is refused: ${config.rpcUrl} is not an @atoma/devnet`);
      const killAfter = o.testKillAfter as "journaled" | "committed" | "revealed" | undefined;
      if (killAfter && !(await isDevnet(config.rpcUrl)))
        throw new UsageError(`--test-kill-after is refused: ${config.rpcUrl} is not an @atoma/devnet`);
      await ping();
      const nodeCapId = await nodeCap();
      const metricsPort =
        o.metricsPort === "off" ? null : o.metricsPort !== undefined ? Number(o.metricsPort) : config.metricsPort;
      const logger = pino({ level: o.logLevel, base: { node: nodeId.slice(0, 10) } }, pino.destination(2));
      const llamaOptions = llamaOptionsFrom(o);
      const llama = llamaOptions
        ? await (await import("./executors/llama/index.js")).LlamaExecutor.create(llamaOptions)
        : null;
      if (llama?.refusal)
        out(`capability refused: ${llama.refusal}`, { event: "capability-refused", reason: llama.refusal });
      else if (llama)
        logger.info({ capability: llama.capabilityId, manifest: llama.manifest }, "llama.cpp model loaded");
      const executors = await loadExecutors({
        inferenceUrl: o.inferenceUrl ?? config.inferenceUrl,
        wasmModules: ((o.wasmApp as string[] | undefined) ?? []).map((f) => new Uint8Array(readFileSync(userPath(f)))),
        ...(llama ? { extra: [llama] } : {}),
        ...(o.privateWasm ? { privateWasm: true } : {}),
      });
      const served = executors.flatMap((e) => e.capabilities);
      const unserved = config.capabilities.filter(
        (c) =>
          !served.some((x) => (x.endsWith("*") ? c.startsWith(x.slice(0, -1)) : x === c)) &&
          // a WASM digest is served by the private-module executor (the module comes with each request)
          !(executors.some((e) => e.privateModules) && /^(?:wasm:)?[0-9a-f]{64}$/.test(c)),
      );
      if (unserved.length > 0)
        logger.warn({ unserved, served }, "configured capabilities no executor serves: requests for them are skipped");
      // One daemon per state folder (journal + cursor); taken last, released if the start fails.
      const releaseLock = acquireRunLock(stateDir);
      // --keeper: its own folder and lock (a second keeper on it is refused), taken before the node starts.
      const keeperDir = path.join(stateDir, "keeper");
      let releaseKeeper = () => {};
      try {
        if (o.keeper) releaseKeeper = acquireRunLock(keeperDir);
      } catch (err) {
        releaseLock();
        throw err;
      }
      const node = await startNode({
        rpcUrl: config.rpcUrl,
        transport: g.transport,
        packageId: config.packageId,
        registryId: config.registryId,
        nodeId,
        nodeCapId,
        keys,
        stateDir,
        executors,
        logger,
        concurrency: config.concurrency,
        pollMs: config.pollMs,
        metricsPort,
        ...(fault ? { fault } : {}),
        // layered inputs: system/application layers open with the cluster master keys this node holds
        ...(o.clusterKeyDir
          ? {
              layered: clusterLayeredKeys({
                store: new MasterKeyStore(path.join(resolveFrom(file, config.stateDir), "cluster-keys")),
                ...(keys.mlkemSk ? { mlkemSk: keys.mlkemSk } : {}),
                ...(o.usageDir ? { meter: new SealedBytesMeter(nodeId, new DirUsageReports(String(o.usageDir))) } : {}),
                onError: (err) => logger.warn({ err: err.message }, "usage report failed"),
              }),
            }
          : {}),
        ...(killAfter
          ? {
              onStep: (step: string) => {
                if (step === killAfter) process.kill(process.pid, "SIGKILL");
              },
            }
          : {}),
      }).catch((err: unknown) => {
        releaseKeeper();
        releaseLock();
        throw err;
      });
      const rotation = new AbortController();
      const rotationLoop = o.clusterKeyDir
        ? runRotationParticipant({
            atoma: atomaClientFor(config.rpcUrl, config.packageId, config.registryId, g.transport),
            keys,
            nodeId,
            nodeCapId,
            stateDir,
            distribution: new DirKeyDistribution(userPath(String(o.clusterKeyDir))),
            signal: rotation.signal,
            logger,
          })
        : Promise.resolve();
      // --keeper: the keeper alongside the node, signed by the node's key.
      const keeper = o.keeper
        ? new Keeper({
            chain: new SdkKeeperChain(
              atomaClientFor(config.rpcUrl, config.packageId, config.registryId, g.transport),
              keys.signer,
            ),
            stateDir: keeperDir,
            logger: logger.child({ keeper: true }),
            pollMs: config.pollMs,
            onFlush: (duty, r) =>
              logger.info({ duty, done: r.done.length, refused: r.refused.length, failed: r.failed }, "keeper flush"),
          })
        : null;
      keeper?.start();
      out(`node ${nodeId} running${node.metricsUrl ? `; metrics ${node.metricsUrl}/metrics` : ""}`, {
        event: "running",
        nodeId,
        metricsUrl: node.metricsUrl,
        capabilities: served,
        keeper: keeper !== null,
      });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      rotation.abort();
      await Promise.all([node.stop(), rotationLoop, keeper?.stop()]);
      releaseKeeper();
      releaseLock();
      await llama?.close();
      logger.info("stopped");
    });

  program
    .command("keeper")
    .description(
      "run the keeper: sweep finished requests' income into the treasury (fees::sweep_fees) and refresh slashed nodes, and every node after a stake_cap/min_stake change (registry::refresh_node: new sampling weight, jailed nodes out), batched",
    )
    .option("--batch-size <n>", "most requests (or nodes) per transaction", intArg("--batch-size", 1, 512), 32)
    .option(
      "--max-delay-ms <ms>",
      "send a batch that is not full once its oldest item waited this long",
      intArg("--max-delay-ms", 0, 86_400_000),
      30_000,
    )
    .option(
      "--batches-per-pass <n>",
      "most transactions per duty before the others get their turn (a refresh of every node is sent this many batches at a time)",
      intArg("--batches-per-pass", 1, 1_000),
      4,
    )
    .option("--state-dir <dir>", "cursor and pending lists (default: the config's stateDir/keeper)")
    .option("--once", "read the events up to now, send everything pending, print a summary and exit")
    .addOption(new Option("--log-level <level>", "log level (logs go to stderr)").choices(LOG_LEVELS).default("info"))
    .action(async (o, cmd: Command) => {
      const { file, config, keys, atoma, out } = await context(cmd);
      const stateDir = o.stateDir
        ? userPath(String(o.stateDir))
        : path.join(resolveFrom(file, config.stateDir), "keeper");
      const logger = pino({ level: o.logLevel, base: { keeper: true } }, pino.destination(2));
      const policy = {
        maxBatch: o.batchSize as number,
        maxDelayMs: o.maxDelayMs as number,
        maxBatchesPerPass: o.batchesPerPass as number,
      };
      // One keeper per state folder (cursor + pending lists).
      const releaseLock = acquireRunLock(stateDir);
      try {
        const keeper = new Keeper({
          chain: new SdkKeeperChain(atoma, keys.signer),
          stateDir,
          logger,
          pollMs: config.pollMs,
          sweep: policy,
          refresh: policy,
          onFlush: (duty, r) =>
            out(`${duty}: ${r.done.length} done, ${r.refused.length} refused, ${r.failed} failed transaction(s)`, {
              event: duty === "sweep" ? "swept" : "refreshed",
              done: r.done,
              refused: r.refused,
              failedTransactions: r.failed,
            }),
        });
        const summary = () => ({
          events: keeper.stats.events,
          swept: keeper.sweeper.duty.stats.done,
          refreshed: keeper.refresher.duty.stats.done,
          refused: keeper.sweeper.duty.stats.refused + keeper.refresher.duty.stats.refused,
          pendingSweeps: keeper.sweeper.duty.pending.size,
          pendingRefreshes: keeper.refresher.duty.pending.size,
        });
        if (o.once) {
          await keeper.runOnce();
          const s = summary();
          out(
            `keeper: ${s.events} events, ${s.swept} request(s) swept, ${s.refreshed} node(s) refreshed, ${s.pendingSweeps + s.pendingRefreshes} pending`,
            { event: "done", ...s },
          );
          // Items a transport or gas failure kept are a runtime failure of this pass.
          if (s.pendingSweeps + s.pendingRefreshes > 0) process.exitCode = 1;
          return;
        }
        keeper.start();
        out(`keeper running (state ${stateDir})`, { event: "running", stateDir, ...policy });
        await new Promise<void>((resolve) => {
          process.once("SIGINT", () => resolve());
          process.once("SIGTERM", () => resolve());
        });
        await keeper.stop();
        out("keeper stopped", { event: "stopped", ...summary() });
      } finally {
        releaseLock();
      }
    });

  // --model and the llama.cpp settings (shared with model-capability)
  addLlamaOptions(program.commands.find((c) => c.name() === "run") as Command);

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
    .action(async (given: string, _o, cmd: Command) => {
      const { file: cfg, config, keys, atoma, chain, nodeCap, out } = await context(cmd);
      const nodeId = needNode(config, cfg);
      const file = userPath(given);
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
      const verdict = {
        nodeCap: await nodeCap(),
        teeKind: v.teeKind,
        measurement: hexField("measurement"),
        reportDataHash: hexField("reportDataHash", 32),
        evidenceHash: hexField("evidenceHash", 32),
        issuedMs: BigInt(v.issuedMs as string),
        expiresMs: BigInt(v.expiresMs as string),
        verifierPk: hexField("verifierPublicKey", 32),
        signature: hexField("signature", 64),
      };
      const res = await chain(() => atoma.recordAttestation(keys.signer, verdict));
      out(`attestation recorded (tx ${res.digest})`, { digest: res.digest });
    });

  attest
    .command("tdx <quote>")
    .description(
      "record this node's Intel TDX attestation verified by the contract itself (one transaction, no verifier): " +
        "the binary DCAP quote whose report data binds this node's keys, and a TdxCollateral object",
    )
    .requiredOption("--collateral <id>", "TdxCollateral object id (recorded with `attest collateral`)")
    .action(async (given: string, o: { collateral: string }, cmd: Command) => {
      const { file: cfg, config, keys, atoma, chain, nodeCap, out } = await context(cmd);
      needNode(config, cfg); // not registered: a usage error naming the field
      const quote = readBinary(userPath(given), "quote");
      const cap = await nodeCap();
      const res = await chain(() =>
        atoma.recordTdxAttestation(keys.signer, { nodeCap: cap, collateral: o.collateral, quote }),
      );
      out(`TDX attestation verified on chain and recorded (tx ${res.digest})`, { digest: res.digest });
    });

  attest
    .command("nitro")
    .description(
      "record this node's AWS Nitro attestation verified on chain (one transaction, no verifier): Sui's " +
        "nitro_attestation native checks the document's signature and AWS certificate chain, the contract its " +
        "PCRs, freshness and user_data binding this node's keys",
    )
    .requiredOption("--document <file>", "the Nitro attestation document (COSE_Sign1, CBOR) from the enclave's NSM")
    .action(async (o: { document: string }, cmd: Command) => {
      const { file: cfg, config, keys, atoma, chain, nodeCap, out } = await context(cmd);
      needNode(config, cfg); // not registered: a usage error naming the field
      const document = readBinary(userPath(o.document), "--document");
      const cap = await nodeCap();
      const res = await chain(() => atoma.recordNitroAttestation(keys.signer, { nodeCap: cap, document }));
      out(`Nitro attestation verified on chain and recorded (tx ${res.digest})`, { digest: res.digest });
    });

  attest
    .command("collateral")
    .description(
      "record Intel collateral (PCS TCB info and QE identity responses, as served) on chain; its signatures are " +
        "checked in Move under the pinned Intel root. Prints the TdxCollateral object id",
    )
    .requiredOption("--tcb-info <file>", 'PCS response {"tcbInfo":{...},"signature":"..."}, byte for byte')
    .requiredOption("--qe-identity <file>", 'PCS response {"enclaveIdentity":{...},"signature":"..."}')
    .requiredOption("--signer <file>", "Intel SGX TCB Signing certificate (DER or PEM)")
    .action(async (o: { tcbInfo: string; qeIdentity: string; signer: string }, cmd: Command) => {
      const { keys, atoma, chain, out } = await context(cmd);
      const trim = (b: Uint8Array) => {
        let n = b.length;
        while (n > 0 && (b[n - 1] === 0x0a || b[n - 1] === 0x0d || b[n - 1] === 0x20)) n--;
        return b.subarray(0, n);
      };
      const res = await chain(() =>
        atoma.recordTdxCollateral(keys.signer, {
          tcbInfo: trim(readBinary(userPath(o.tcbInfo), "--tcb-info")),
          qeIdentity: trim(readBinary(userPath(o.qeIdentity), "--qe-identity")),
          signerDer: derOf(readBinary(userPath(o.signer), "--signer")),
        }),
      );
      out(`TdxCollateral ${res.collateralId} (tx ${res.digest})`, {
        collateralId: res.collateralId,
        digest: res.digest,
      });
    });

  attest
    .command("crl")
    .description(
      "record a CRL on chain (Intel's root CA CRL or a PCK CA CRL, as the PCS serves it); its signature and the CA " +
        "certificate's are checked in Move under the pinned Intel root. Quotes whose PCK certificate it lists are refused",
    )
    .requiredOption("--crl <file>", "the CRL (DER)")
    .requiredOption("--ca <file>", "the CA certificate that signed it (DER or PEM): the root CA or a PCK CA")
    .action(async (o: { crl: string; ca: string }, cmd: Command) => {
      const { atoma, chain, out, keys } = await context(cmd);
      const res = await chain(() =>
        atoma.recordTdxCrl(keys.signer, {
          crl: readBinary(userPath(o.crl), "--crl"),
          caDer: derOf(readBinary(userPath(o.ca), "--ca")),
        }),
      );
      out(`CRL recorded (tx ${res.digest})`, { digest: res.digest });
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
  if (json) {
    // Commander's own errors (unknown option, bad value) as JSON too; help stays text.
    program.configureOutput({ writeErr: (t) => process.stderr.write(t), outputError: () => {} });
    for (const c of program.commands) c.configureOutput({ outputError: () => {} });
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    // a command that reported a failure itself (model-capability: refused) set process.exitCode
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help")
        return 0;
      if (json) process.stdout.write(`${JSON.stringify({ error: "USAGE", message: err.message })}\n`);
      if (json) process.stderr.write(`atoma-node: ${err.message}\n`);
      return 2;
    }
    const usage =
      err instanceof UsageError ||
      err instanceof InvalidInputError ||
      err instanceof InferenceUrlError ||
      err instanceof LlamaUsageError;
    const message = err instanceof Error ? err.message : String(err);
    const code = err instanceof AtomaError ? err.code : usage ? "USAGE" : err instanceof Error ? err.name : "RUNTIME";
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
