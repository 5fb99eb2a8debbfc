/**
 * Transactions built without resolution round trips (issue 17 row 4, client side).
 *
 * One @mysten/sui `SerialTransactionExecutor` per signer (a lane): a signer's transactions run
 * one after the other (on a real network two of them on the same gas coin at once equivocate
 * and lock it), with the gas coin and the owned objects (NodeCap) taken from the last effects and
 * Move function signatures remembered, so a build reads nothing once the lane is warm. Around it:
 *  - gas price: read once per epoch (the reference price, `getCurrentSystemState`), not per build;
 *  - gas budget: no dry run per transaction. Each transaction shape (its Move call targets in
 *    order) gets the most gas it used so far (computation + storage) × `margin` plus the resolver's
 *    safe overhead; a shape never seen, or with pure inputs larger than any measured (more to
 *    store), is dry-run first (the resolver's own budget). A measured
 *    budget that runs out (InsufficientGas) is dry-run and sent again once, so an out-of-gas never
 *    loses a commit or reveal; one that runs out of a dry-run budget fails loudly
 *    (`OutOfGasError`). `gasBudget` fixes a budget instead (too small: `OutOfGasError`);
 *  - a transaction the network rejects before execution (a stale object version: another client
 *    used the same key, an epoch change) clears the lane's cache and is resolved and sent again
 *    once.
 * Effects come back with the execution: over gRPC nothing waits for the transaction to be indexed.
 */
import type { ClientWithCoreApi, SuiClientTypes } from "@mysten/sui/client";
import type { Signer } from "@mysten/sui/cryptography";
import { SerialTransactionExecutor, Transaction } from "@mysten/sui/transactions";
import { normalizeSuiAddress } from "@mysten/sui/utils";
import { ChainError } from "./errors.js";
import { EXECUTE_INCLUDE, withMaskedExecution } from "./grpc-masks.js";

/** What a transaction's execution returns (effects, events and created objects' types). */
export type ExecutedTransaction = SuiClientTypes.TransactionResult<{ effects: true; events: true; objectTypes: true }>;

export interface ExecutorOptions {
  /**
   * A fixed gas budget (MIST) for every transaction; default: measured per transaction shape
   * (see above). A budget too small for a transaction fails it with `OutOfGasError`.
   */
  gasBudget?: bigint;
  /** Measured budgets: gas used last time × margin. Default 1.5. */
  margin?: number;
  /**
   * Where the measured gas per shape is kept: default, these lanes' own. Clients of one chain
   * that send the same kinds of transactions (several nodes in one process) can share one
   * `GasMeasurements`, so a shape is dry-run once for all of them instead of once per client.
   */
  measurements?: GasMeasurements;
}

/**
 * The gas transactions of each shape used on one chain: the most (computation + storage, MIST)
 * and the largest pure input size (bytes) among them; a transaction with larger inputs (more to
 * store) is not covered. Shared by every lane given it (any signer: a shape's gas depends on the
 * package's code and the objects it touches, and the budget is the most seen × a margin).
 */
export class GasMeasurements {
  readonly #used = new Map<string, { gas: bigint; bytes: number }>();

  /** The most gas a transaction of `shape` with at most `bytes` of pure inputs used; undefined: not measured. */
  covered(shape: string, bytes: number): bigint | undefined {
    const m = this.#used.get(shape);
    return m === undefined || bytes > m.bytes ? undefined : m.gas;
  }

  /** A successful transaction of `shape` used `gas` with `bytes` of pure inputs. */
  record(shape: string, gas: bigint, bytes: number): void {
    const known = this.#used.get(shape);
    this.#used.set(shape, {
      gas: known && known.gas > gas ? known.gas : gas,
      bytes: known && known.bytes > bytes ? known.bytes : bytes,
    });
  }

  /** Forgets `shape` (a measured budget of it ran out: the state grew). */
  forget(shape: string): void {
    this.#used.delete(shape);
  }
}

/** A transaction ran out of its gas budget and was not sent again (or ran out again). */
export class OutOfGasError extends ChainError {
  override name = "OutOfGasError";
  constructor(
    readonly budget: bigint,
    digest: string,
  ) {
    super(`transaction ${digest} ran out of gas (budget ${budget} MIST)`, digest);
  }
}

/** Counters of what the lanes did (benchmarks and tests read them). */
export interface ExecutorCounts {
  /** Transactions sent (retries included). */
  sent: number;
  /** Sent with a measured or fixed budget (no dry run). */
  budgeted: number;
  /** Sent again after an out-of-gas. */
  outOfGasRetries: number;
  /** Sent again after a rejection before execution (stale refs). */
  staleRetries: number;
  /** Gas price reads. */
  gasPriceReads: number;
  /** Dry runs for a budget (a shape not measured yet, or a measured budget that fell short). */
  dryRuns: number;
}

const GAS_SAFE_OVERHEAD = 1000n;
/** How long a lane's reset after a rejection waits for its last transaction to be indexed. */
const RESET_WAIT_MS = 5_000;

/**
 * The lane: after a rejection the executor clears its cached refs and waits for its last
 * transaction to be indexed (so the refs it reads again are the latest) — up to 60 s when the
 * node is unreachable; here at most RESET_WAIT_MS, the clearing itself being immediate.
 */
class Lane extends SerialTransactionExecutor {
  override async resetCache(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const capped = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, RESET_WAIT_MS);
      timer.unref?.();
    });
    await Promise.race([super.resetCache().catch(() => undefined), capped]);
    clearTimeout(timer);
  }
}

/** A transaction's data (`getData()`: each call validates and copies all of it, so it is read once). */
type TransactionData = ReturnType<Transaction["getData"]>;

/**
 * A send's copy of a transaction from its snapshot (`tx.getData()`, taken once per `execute`):
 * `Transaction.from(tx)` less the second snapshot it takes (each a full valibot validation and
 * copy). The copy builds to the same bytes (`test/client/lane-bytes.test.ts`).
 */
export function transactionCopy(data: TransactionData): Transaction {
  return Transaction.from({ getData: () => data });
}

const shapeOf = (d: TransactionData): string =>
  d.commands
    .map((c) => (c.MoveCall ? `${c.MoveCall.module}::${c.MoveCall.function}` : (c.$kind ?? Object.keys(c)[0] ?? "?")))
    .join(",");

function pureBytesOf(d: TransactionData): number {
  let n = 0;
  for (const i of d.inputs)
    if (i.Pure) n += Math.floor((i.Pure.bytes.length * 3) / 4);
    else if (i.UnresolvedPure) n += JSON.stringify(i.UnresolvedPure.value ?? null).length;
  return n;
}

/** The transaction's shape: its commands (Move call targets) in order; budgets are kept per shape. */
export function transactionShape(tx: Transaction): string {
  return shapeOf(tx.getData());
}

/** The size of the transaction's pure inputs (what it may store grows with them), bytes. */
export function pureBytes(tx: Transaction): number {
  return pureBytesOf(tx.getData());
}

const isOutOfGas = (t: { status: SuiClientTypes.ExecutionStatus }) =>
  !t.status.success && /InsufficientGas/i.test(t.status.error.message);

export class TransactionLanes {
  readonly counts: ExecutorCounts = {
    sent: 0,
    budgeted: 0,
    outOfGasRetries: 0,
    staleRetries: 0,
    gasPriceReads: 0,
    dryRuns: 0,
  };
  readonly #lanes = new Map<string, Lane>();
  /** Per shape: the most gas used and the largest pure inputs; a larger input is dry-run first. */
  readonly #used: GasMeasurements;
  #price: { value: Promise<bigint>; until: number } | undefined;
  readonly #margin: number;
  /** The client the lanes build and execute through: over gRPC, executions without events' JSON. */
  readonly #executing: ClientWithCoreApi;

  constructor(
    private readonly client: ClientWithCoreApi,
    private readonly o: ExecutorOptions = {},
  ) {
    if (o.gasBudget !== undefined && o.gasBudget <= 0n) throw new RangeError("gasBudget must be positive");
    this.#margin = o.margin ?? 1.5;
    this.#used = o.measurements ?? new GasMeasurements();
    this.#executing = withMaskedExecution(client);
    if (!(this.#margin >= 1)) throw new RangeError("margin must be at least 1");
  }

  #lane(signer: Signer): Lane {
    const key = normalizeSuiAddress(signer.toSuiAddress());
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = new Lane({ client: this.#executing, signer });
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  /** The reference gas price, read once per epoch (until the epoch's end as the chain announced it). */
  gasPrice(): Promise<bigint> {
    const p = this.#price;
    if (p && Date.now() < p.until) return p.value;
    this.counts.gasPriceReads++;
    const value = this.client.core.getCurrentSystemState().then(({ systemState: s }) => {
      const end = Number(s.epochStartTimestampMs) + Number(s.parameters.epochDurationMs);
      // Until the epoch's end (at most an hour: an epoch that never ends on a local network).
      if (this.#price?.value === value) this.#price.until = Math.min(end, Date.now() + 3_600_000);
      return BigInt(s.referenceGasPrice);
    });
    const entry = { value, until: Date.now() + 60_000 };
    this.#price = entry;
    value.catch(() => {
      if (this.#price === entry) this.#price = undefined;
    });
    return value;
  }

  #budgetFor(shape: string, bytes: number, price: bigint): bigint | undefined {
    if (this.o.gasBudget !== undefined) return this.o.gasBudget;
    const gas = this.#used.covered(shape, bytes);
    if (gas === undefined) return undefined;
    const withMargin = (gas * BigInt(Math.round(this.#margin * 1000))) / 1000n;
    return withMargin + GAS_SAFE_OVERHEAD * price;
  }

  /**
   * The resolver's own budget for `tx` (a dry run: computation + storage − rebate of the
   * simulated effects plus its safe overhead), for a shape never measured. A Move abort in the
   * dry run rejects with the resolver's error (its `executionError` names the abort).
   */
  async #dryRunBudget(data: TransactionData, signer: Signer, price: bigint): Promise<bigint> {
    const sim = transactionCopy(data);
    sim.setSenderIfNotSet(signer.toSuiAddress());
    sim.setGasPrice(price);
    await sim.build({ client: this.client });
    this.counts.dryRuns++;
    return BigInt(sim.getData().gasData.budget ?? 0);
  }

  /**
   * Builds, signs and executes `tx` on `signer`'s lane (the caller's `tx` is not changed). Throws
   * what the transport throws on a second rejection, `OutOfGasError` as above; a transaction that
   * executed and failed otherwise is returned (its status says why). `o.handOver`: the caller
   * gives `tx` away (it built it for this send and never reads it again, as `AtomaClient` does):
   * the first send uses it instead of a copy (sender, gas price and budget set on it), a retry a
   * copy from the snapshot taken first — the same bytes (`test/client/lane-bytes.test.ts`).
   */
  async execute(tx: Transaction, signer: Signer, o: { handOver?: boolean } = {}): Promise<ExecutedTransaction> {
    const lane = this.#lane(signer);
    const data = tx.getData();
    const shape = shapeOf(data);
    const bytes = pureBytesOf(data);
    const own = data.gasData;
    let staleRetried = false;
    let budgetDropped = false;
    let handed = o.handOver === true;
    for (;;) {
      const price = own.price ? BigInt(own.price) : await this.gasPrice();
      const copy = handed ? tx : transactionCopy(data);
      handed = false;
      copy.setSenderIfNotSet(signer.toSuiAddress());
      copy.setGasPrice(price);
      // A budget the caller set is kept (as a fixed one).
      const given = own.budget ? BigInt(own.budget) : undefined;
      let budget = given ?? (budgetDropped ? undefined : this.#budgetFor(shape, bytes, price));
      // Measured (not fixed, not a dry run's): the one kind of budget worth a second try.
      const measured = budget !== undefined && given === undefined && this.o.gasBudget === undefined;
      if (budget !== undefined) this.counts.budgeted++;
      else budget = await this.#dryRunBudget(data, signer, price);
      copy.setGasBudget(budget);
      this.counts.sent++;
      let res: ExecutedTransaction;
      try {
        res = await lane.executeTransaction(copy, EXECUTE_INCLUDE);
      } catch (err) {
        // Rejected before execution (stale refs, a gas price of another epoch): the lane cleared
        // its cache; resolve and send again, once. An execution error is final.
        if (staleRetried || (err as { executionError?: unknown } | null)?.executionError) throw err;
        staleRetried = true;
        this.#price = undefined;
        this.counts.staleRetries++;
        continue;
      }
      const t = res.$kind === "Transaction" ? res.Transaction : res.FailedTransaction;
      const used = BigInt(t.effects.gasUsed.computationCost) + BigInt(t.effects.gasUsed.storageCost);
      if (isOutOfGas(t)) {
        this.#used.forget(shape);
        if (!measured) throw new OutOfGasError(budget, t.digest);
        // A measured budget fell short (the state grew): dry-run this once and send again.
        budgetDropped = true;
        this.counts.outOfGasRetries++;
        continue;
      }
      if (t.status.success) this.#used.record(shape, used, bytes);
      return res;
    }
  }
}
