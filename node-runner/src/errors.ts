import { networkFailureReason } from "@atoma/sdk";
/** Typed errors of the node runner that the CLI maps to exit codes (usage 2, runtime 1). */

/** A command line that cannot work as given (exit 2). */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A service (chain RPC, inference backend) did not answer: names what and where. */
export class UnreachableError extends Error {
  override name = "UnreachableError";
  constructor(
    readonly what: string,
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach ${what} at ${url} (${reasonOf(cause)})`, { cause });
  }
}

/** A read from the Sui node failed although the node answered: names what, where and over which transport. */
export class ChainReadError extends Error {
  override name = "ChainReadError";
  constructor(what: string, url: string, transport: string, cause: unknown) {
    const why = reasonOf(cause);
    const hint =
      transport === "jsonrpc" && /\b404\b/.test(why)
        ? " (the node serves no JSON-RPC; current Sui nodes serve gRPC: drop --transport jsonrpc)"
        : "";
    super(`cannot read ${what} from ${url} over ${transport}: ${why}${hint}`, { cause });
  }
}

/** The most specific reason of a failed fetch: undici hides the socket error in `cause`. */
export function reasonOf(err: unknown): string {
  let e = err as { code?: string; message?: string; cause?: unknown } | undefined;
  let msg = e?.message ?? String(err);
  for (let i = 0; e && i < 4; i++, e = e.cause as typeof e) {
    if (e.code && typeof e.code === "string" && !e.code.startsWith("UND_ERR_")) return e.code;
    if (e.message) msg = e.message;
  }
  return msg;
}

/** An UnreachableError for a network failure, with the socket-level reason (probed when the transport hid it). */
export async function unreachable(what: string, url: string, err: unknown): Promise<UnreachableError> {
  return new UnreachableError(what, url, { code: await networkFailureReason(err, url), cause: err });
}

/** A transaction found no gas: says which address to fund and how. */
export class NoGasError extends Error {
  override name = "NoGasError";
  constructor(address: string, rpcUrl: string) {
    super(
      `address ${address} has no SUI on ${rpcUrl}: fund it with \`atoma-node faucet\` (a devnet or localnet ` +
        "faucet) or send it SUI, then retry",
    );
  }
}
