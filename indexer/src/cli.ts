#!/usr/bin/env tsx
/**
 * atoma-indexer: run | replay --from <cursor> | status. Exit codes: 0 ok, 1 failure, 2 bad usage.
 */
import { existsSync, readFileSync } from "node:fs";
import { Writable } from "node:stream";
import {
  DEFAULT_SUI_TRANSPORT,
  isNetworkFailure,
  networkFailureReason,
  parseDeployment,
  SUI_TRANSPORTS,
  type SuiTransport,
  suiClientFor,
} from "@atoma/sdk";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { pino } from "pino";
import { openStorage } from "./db.js";
import { startIndexer } from "./index.js";
import { readCursor, setCursor } from "./ingest.js";

const intArg = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]`);
  return n;
};
/**
 * `start`, or an event cursor as the RPC returns it: {"txDigest":"<base58>","eventSeq":"<n>"}
 * over JSON-RPC, base64 bytes over gRPC.
 */
function cursorArg(v: string): string {
  if (v === "start") return v;
  if (/^[A-Za-z0-9+/]{4,200}={0,2}$/.test(v) && v.length % 4 === 0) return v;
  const c = ((): { txDigest?: unknown; eventSeq?: unknown } | null => {
    try {
      return JSON.parse(v) as { txDigest?: unknown; eventSeq?: unknown } | null;
    } catch {
      return null;
    }
  })();
  if (
    !c ||
    typeof c.txDigest !== "string" ||
    !/^[1-9A-HJ-NP-Za-km-z]{1,64}$/.test(c.txDigest) ||
    typeof c.eventSeq !== "string" ||
    !/^\d{1,20}$/.test(c.eventSeq)
  )
    throw new InvalidArgumentError(
      `--from must be \`start\` or an event cursor ({"txDigest":"<base58 digest>","eventSeq":"<n>"} over JSON-RPC, base64 over gRPC, as \`atoma-indexer status\` prints it); got ${JSON.stringify(v.slice(0, 80))}`,
    );
  return JSON.stringify({ txDigest: c.txDigest, eventSeq: c.eventSeq });
}

const pkgArg = (v: string) => {
  if (!/^0x[0-9a-fA-F]{1,64}$/.test(v)) throw new InvalidArgumentError("--package must be a 0x-hex package id");
  return v;
};

interface RunOpts {
  rpc?: string;
  package?: string;
  deployment?: string;
  transport: SuiTransport;
  databaseUrl?: string;
  dataDir?: string;
  port: number;
  host: string;
  batchSize: number;
  pageSize: number;
  api: boolean;
  explorer: boolean;
  evidenceDir?: string;
  corsOrigin?: string[];
  json?: boolean;
  from?: string;
}

function makeLogger(json: boolean) {
  if (json) return pino({ base: undefined });
  const human = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split("\n")) {
        if (!line) continue;
        try {
          const { time, level, msg, ...rest } = JSON.parse(line) as Record<string, unknown>;
          const lv = ({ 30: "info", 40: "warn", 50: "error" } as Record<string, string>)[String(level)] ?? "debug";
          const kv = Object.entries(rest)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`)
            .join(" ");
          process.stderr.write(`${new Date(Number(time)).toISOString()} ${lv} ${msg} ${kv}\n`);
        } catch {
          process.stderr.write(`${line}\n`);
        }
      }
      cb();
    },
  });
  return pino({ base: undefined }, human);
}

function addRunOptions(cmd: Command): Command {
  return cmd
    .option("--deployment <file>", "deployment file written by `atoma-node deploy` (gives --rpc and --package)")
    .option("--rpc <url>", "Sui node URL, gRPC-web (JSON-RPC with --transport jsonrpc); default: the deployment's")
    .option(
      "--package <id>",
      "original package id of `atoma`, all versions followed (default: the deployment's)",
      pkgArg,
    )
    .addOption(
      new Option("--transport <kind>", "gRPC (sui.rpc.v2) or legacy JSON-RPC")
        .choices([...SUI_TRANSPORTS])
        .default(DEFAULT_SUI_TRANSPORT),
    )
    .addOption(new Option("--database-url <url>", "PostgreSQL URL (default: embedded PGlite)").env("DATABASE_URL"))
    .option("--data-dir <dir>", "PGlite data directory", ".atoma/indexer")
    .option("--port <n>", "API port (0 = any)", intArg("--port", 0, 65535), 4100)
    .option("--host <host>", "API host", "127.0.0.1")
    .option("--no-api", "do not serve the HTTP API")
    .option("--no-explorer", "do not serve the explorer web page at / (built at start when missing or stale)")
    .option("--evidence-dir <dir>", "the attestation verifier's blob store, served at /v1/evidence/:hash")
    .option(
      "--cors-origin <origins...>",
      "origins whose pages may read the API (GET only), e.g. http://localhost:5173; '*' = any (default: none)",
    )
    .option("--batch-size <n>", "events per database transaction", intArg("--batch-size", 1, 100_000), 1000)
    .option("--page-size <n>", "events per RPC page", intArg("--page-size", 1, 1000), 50)
    .option("--json", "JSON log lines");
}

class UsageError extends Error {
  override name = "UsageError";
}

/** --rpc/--package, or the deployment file's; one of the two must give each. */
function target(o: RunOpts): { rpc: string; package: string } {
  const d = o.deployment ? parseDeployment(readFileSync(o.deployment, "utf8"), o.deployment) : null;
  const rpc = o.rpc ?? d?.rpcUrl;
  const pkg = o.package ?? d?.packageId;
  if (!rpc || !pkg) throw new UsageError("give --deployment <file>, or both --rpc <url> and --package <id>");
  return { rpc, package: pkg };
}

/** Asks the RPC for the page after `cursor` before it is committed, so a cursor the chain does not know is refused. */
async function checkCursorKnown(
  rpc: string,
  transport: SuiTransport,
  packageId: string,
  cursor: string,
): Promise<void> {
  const client = suiClientFor(rpc, transport);
  try {
    await client.core.listEvents({ filter: { eventType: `${packageId}::events` }, after: cursor, limit: 1 });
  } catch (e) {
    const err = e as Error;
    if (isNetworkFailure(err))
      throw new Error(`cannot reach the chain RPC at ${rpc} (${await networkFailureReason(err, rpc)})`, { cause: e });
    throw new UsageError(
      `--from ${cursor}: ${rpc} does not accept this cursor (${err.message}); the cursor was not changed`,
    );
  }
}

async function run(opts: RunOpts): Promise<number> {
  const o = { ...opts, ...target(opts) };
  const logger = makeLogger(!!o.json);
  if (o.from !== undefined) {
    if (o.from !== "start") await checkCursorKnown(o.rpc, o.transport, o.package, o.from);
    const st = await openStorage({ databaseUrl: o.databaseUrl, dataDir: o.databaseUrl ? undefined : o.dataDir });
    try {
      await setCursor(st.db, o.from === "start" ? null : o.from);
    } finally {
      await st.close();
    }
    logger.info({ from: o.from }, "cursor reset for replay");
  }
  const ix = await startIndexer({
    rpcUrl: o.rpc,
    transport: o.transport,
    packageId: o.package,
    databaseUrl: o.databaseUrl,
    dataDir: o.databaseUrl ? undefined : o.dataDir,
    port: o.port,
    host: o.host,
    api: o.api,
    explorer: o.explorer !== false && o.api !== false,
    ...(o.evidenceDir ? { evidenceDir: o.evidenceDir } : {}),
    ...(o.corsOrigin ? { corsOrigin: o.corsOrigin.includes("*") ? true : o.corsOrigin } : {}),
    batchSize: o.batchSize,
    pageSize: o.pageSize,
    logger,
  });
  logger.info(
    {
      api: ix.url,
      explorer: o.explorer !== false && ix.url ? `${ix.url}/` : undefined,
      storage: ix.storage.kind,
      dataDir: o.databaseUrl ? undefined : o.dataDir,
      package: o.package,
    },
    "indexer started",
  );
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      logger.info({ signal: sig }, "stopping after the current batch");
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  await ix.stop();
  const at = ix.ingester.position;
  logger.info(
    { events: at.events.toString(), cursor: at.cursor, checkpoint: at.checkpoint?.toString() ?? null },
    "stopped",
  );
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name("atoma-indexer")
    .description("Follow the atoma package's events into Postgres and serve them over HTTP")
    .version("0.1.0", "--version", "print the version")
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let result: Promise<number> = Promise.resolve(0);
  addRunOptions(program.command("run").description("ingest events and serve the API")).action((o: RunOpts) => {
    result = run(o);
  });
  addRunOptions(program.command("replay").description("move the cursor back, then run"))
    .requiredOption("--from <cursor>", "cursor to resume after (`start` = from the first event)", cursorArg)
    .action((o: RunOpts) => {
      result = run(o);
    });
  program
    .command("status")
    .description(
      "print the committed cursor, checkpoint watermark and table counts (requestDetails: documents the request route serves; requestDetailsPending: requests waiting for theirs)",
    )
    .addOption(new Option("--database-url <url>", "PostgreSQL URL").env("DATABASE_URL"))
    .option("--data-dir <dir>", "PGlite data directory", ".atoma/indexer")
    .option("--json", "JSON output")
    .action((o: { databaseUrl?: string; dataDir: string; json?: boolean }) => {
      result = (async () => {
        if (!o.databaseUrl && !existsSync(o.dataDir))
          throw new Error(`no indexer database at ${o.dataDir} (--data-dir; \`atoma-indexer run\` creates it)`);
        const st = await openStorage({ databaseUrl: o.databaseUrl, dataDir: o.databaseUrl ? undefined : o.dataDir });
        try {
          const c = await readCursor(st.db);
          const { sql } = await import("drizzle-orm");
          const [counts] = await st.rows<Record<string, string>>(
            sql`select (select count(*) from requests)::text as requests, (select count(*) from request_details where body is not null)::text as "requestDetails", (select count(*) from request_details where body is null)::text as "requestDetailsPending", (select count(*) from nodes)::text as nodes, (select count(*) from dead_letters)::text as "deadLetters"`,
          );
          const out = {
            cursor: c?.cursor ?? null,
            checkpoint: c?.checkpointHi?.toString() ?? null,
            events: (c?.events ?? 0n).toString(),
            updatedAt: c?.updatedAt?.toISOString() ?? null,
            ...counts,
          };
          process.stdout.write(
            o.json
              ? `${JSON.stringify(out)}\n`
              : `${Object.entries(out)
                  .map(([k, v]) => `${k}: ${v}`)
                  .join("\n")}\n`,
          );
          return 0;
        } finally {
          await st.close();
        }
      })();
    });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return result;
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => process.exit(code),
  (e: Error) => {
    const usage = e instanceof UsageError || e.name === "InvalidInputError";
    // With --json the error is a JSON line on stdout too, so `… --json | jq` sees it.
    if (argv.includes("--json"))
      process.stdout.write(`${JSON.stringify({ error: usage ? "USAGE" : e.name, message: e.message })}\n`);
    process.stderr.write(`atoma-indexer: ${e.message}\n`);
    process.exit(usage ? 2 : 1);
  },
);
