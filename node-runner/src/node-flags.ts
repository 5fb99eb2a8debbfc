/**
 * The Node.js flags the network's long-running processes run with: the `atoma-node` and
 * `atoma-devnet` commands (their first line), the root scripts that start them, the demo and the
 * indexer (`pnpm start`, `pnpm devnet`, `pnpm node-runner`, `pnpm indexer`), and the processes
 * of `pnpm bench throughput` (`bench/procs.ts`). `test/node-flags.test.ts` checks that each
 * carries them.
 *
 * `--max-semi-space-size=32`: a 32 MiB young generation (Node 20's default tops out at 16 MiB).
 * A daemon or a devnet under load allocates short-lived objects by the gigabyte (decoded pages,
 * transactions, protobuf messages); with the default, scavenges came often enough that objects
 * still in use were copied and promoted, and GC took 9–12 % of their CPU. Alternated runs of the
 * throughput bench (2,000 requests, 20 daemons, 2026-12-02): more settled requests per second in
 * each of nine pairs, by 0.4–9.8 %; at most 96 MiB more young generation per process.
 */
export const SERVER_NODE_FLAGS = ["--max-semi-space-size=32"] as const;
