/**
 * `AtomaClient`: requester, operator and reader calls on top of `client.core` of @mysten/sui 2.x
 * only, so it works with SuiGrpcClient, SuiGraphQLClient and SuiJsonRpcClient alike.
 * Why one file past ~600 lines: one class whose requester, operator and reader methods share
 * its shared-object version cache and executor; the workflows themselves live in tx/, crypto/
 * and follow.ts, each method here is a few lines around them.
 */
import { bcs } from "@mysten/sui/bcs";
import type { ClientWithCoreApi, SuiClientTypes } from "@mysten/sui/client";
import type { Signer } from "@mysten/sui/cryptography";
import { isSuiGrpcClient } from "@mysten/sui/grpc";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Transaction } from "@mysten/sui/transactions";
import { deriveDynamicFieldID, normalizeSuiAddress, SUI_RANDOM_OBJECT_ID } from "@mysten/sui/utils";
import { RequestStatus } from "../bcs/enums.js";
import { type AtomaEvent, type AtomaEventName, atomaEventName, decodeAtomaEvent, readExact } from "../bcs/events.js";
import {
  Cluster,
  type ClusterData,
  NodeAccount,
  type NodeAccountData,
  NodeCap,
  type NodeData,
  NodeField,
  Registry,
  type RegistryData,
  Request,
  type RequestData,
} from "../bcs/schemas.js";
import { assertKeyAttested, attestedNodeOf } from "../crypto/attested.js";
import { equalBytes } from "../crypto/bytes.js";
import { blindedHash, computeCommitment, hashOutput, randomSalt, roundValue } from "../crypto/commitment.js";
import { openAsUser, sealForNodes, userRecipientId } from "../crypto/envelope.js";
import { x25519PublicKey } from "../crypto/keys.js";
import { LAYERS_FORMAT, openLayer } from "../crypto/layers.js";
import { decodeMoveAbort, MoveAbortError } from "../errors/move-errors.js";
import { DecodeError, InvalidInputError } from "../errors.js";
import { escrowFor } from "../protocol.js";
import * as B from "../tx/builders.js";
import { checkId, type SharedInput, type U64Input } from "../tx/inputs.js";
import * as NITRO from "../tx/nitro.js";
import * as TDX from "../tx/tdx.js";
import { ChainError, NotFoundError, TimeoutError } from "./errors.js";
import { type ExecutedTransaction, type ExecutorOptions, TransactionLanes } from "./executor.js";
import { followEvents, type PageReader, type Wakeup } from "./follow.js";
import { listEventsMasked } from "./grpc-masks.js";
import { SharedWaits } from "./settlement.js";

export interface AtomaConfig {
  /** The package id to call (latest version). */
  packageId: string;
  /** The shared Registry object id. */
  registryId: string;
  /** Known initial shared version of the Registry (saves a lookup). */
  registryInitialSharedVersion?: number | string;
  /** Initial shared version of 0x8 (Random); resolved by the transport if omitted. */
  randomInitialSharedVersion?: number | string;
  /**
   * The package that defines the event types (the original package id: event types keep it
   * across upgrades). Default: `packageId`.
   */
  eventsPackageId?: string;
}

/** Durable position in the event stream; plain JSON, safe to persist. */
export interface EventCursor {
  after: string | null;
}

/** A decoded Atoma event with where it came from. */
export interface AtomaEventRecord {
  event: AtomaEvent;
  /** Full Move type, e.g. `0x…::events::RequestCreated`. */
  type: string;
  txDigest: string;
  eventIndex: number;
  checkpoint: string | null;
  sender: string;
}

export interface EventPage {
  events: AtomaEventRecord[];
  /** Cursor after the last event of this page (unchanged if the page is empty). */
  cursor: EventCursor;
  hasNextPage: boolean;
}

export interface CreatedObject {
  objectId: string;
  type: string | undefined;
  owner: SuiClientTypes.ObjectOwner | null;
}

export interface ExecuteResult {
  digest: string;
  effects: SuiClientTypes.TransactionEffects;
  /** Decoded Atoma events of the transaction, in order. */
  events: AtomaEvent[];
  created: CreatedObject[];
}

export interface ObjectMeta {
  objectId: string;
  version: string;
  digest: string;
  /** For shared objects. */
  initialSharedVersion?: string;
}

/** One state change of a node on a request, for `AtomaClient.nodeCalls` (by request id; the client builds the inputs). */
export type NodeCallItem = {
  requestId: string;
  nodeCap: string;
  outputHash: Uint8Array;
  round: number;
  salt: Uint8Array;
} & (
  | { kind: "commit"; nodeId: string }
  | { kind: "reveal" }
  /** The reveal that completes the round, the settle it makes due and, with `output`, its post. */
  | { kind: "revealAndSettle"; output?: Uint8Array }
);

/** What node-runners, the indexer and devnet tests need from the chain. */
export interface AtomaChain {
  readonly config: AtomaConfig;
  getRegistry(): Promise<RegistryData & { meta: ObjectMeta }>;
  getNode(nodeId: string): Promise<NodeData>;
  getRequest(requestId: string): Promise<RequestData & { meta: ObjectMeta }>;
  getCluster(clusterId: string): Promise<ClusterData & { meta: ObjectMeta }>;
  listEvents(cursor?: EventCursor, limit?: number): Promise<EventPage>;
  execute(tx: Transaction, signer: Signer): Promise<ExecuteResult>;
}

export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

export interface CreateRequestOptions {
  /** 0 Inference, 1 Wasm. */
  kind: number;
  capability: Uint8Array | string;
  /** Input bytes as stored on chain (plain, a blob locator, or an envelope). */
  input: Uint8Array;
  /** Default: blake2b256(input). */
  inputHash?: Uint8Array;
  maxPrice: U64Input;
  sampleSize?: number;
  quorumBps?: number;
  maxTokens?: U64Input;
  fuel?: U64Input;
  confidential?: boolean;
  /** Sample right after creation. Default true. */
  sample?: boolean;
  /**
   * With `sample`, create_request then sample_nodes as two transactions instead of the one
   * `request::create_and_sample` transaction (default false).
   */
  twoStep?: boolean;
}

export interface CreatedRequest {
  requestId: string;
  escrow: bigint;
  createDigest: string;
  /** The transaction that sampled (equal to `createDigest` on the one-transaction path). */
  sampleDigest?: string;
  /** Nodes sampled in round 0 (when sampled). */
  nodes: string[];
  events: AtomaEvent[];
}

export interface FetchedOutput {
  /** The output bytes posted on chain. */
  posted: Uint8Array;
  /** The plaintext (posted bytes, or the opened user-layer envelope). */
  plaintext: Uint8Array;
  /** The output hash that blinds to the agreed `t` (`blake2b256(hash ‖ request_id)`). */
  agreedOutputHash: Uint8Array;
  /** Which bytes hash to the agreed hash. */
  verifiedOver: "posted" | "plaintext";
}

function toBytes(v: Uint8Array | string): Uint8Array {
  return typeof v === "string" ? new TextEncoder().encode(v) : v;
}

/** How `AtomaClient` sends transactions (./executor.ts). */
export interface ExecutionOptions extends ExecutorOptions {
  /**
   * After execution, wait until the node indexed the transaction (`waitForTransaction`, one more
   * round trip). Default: only over JSON-RPC; a gRPC full node answers with effects it executed.
   */
  waitForIndexing?: boolean;
}

/** An event of a `listEvents` page as `AtomaClient` hands it out: decoded from its BCS (its JSON unread). */
export function atomaEventRecord(e: SuiClientTypes.EventEntry): AtomaEventRecord {
  return {
    event: decodeAtomaEvent({ type: e.eventType, bcs: e.bcs }),
    type: e.eventType,
    txDigest: e.transactionDigest,
    eventIndex: e.eventIndex,
    checkpoint: e.checkpoint,
    sender: e.sender,
  };
}

export class AtomaClient implements AtomaChain {
  readonly config: AtomaConfig;
  #sharedVersions = new Map<string, string>();
  /** Per-signer transaction lanes: gas coin and owned refs from effects, budgets without dry runs. */
  readonly lanes: TransactionLanes;
  readonly #waitForIndexing: boolean;

  constructor(
    readonly client: ClientWithCoreApi,
    config: AtomaConfig,
    execution: ExecutionOptions = {},
  ) {
    this.lanes = new TransactionLanes(client, execution);
    this.#waitForIndexing = execution.waitForIndexing ?? client instanceof SuiJsonRpcClient;
    this.config = {
      ...config,
      packageId: checkId(config.packageId, "config.packageId"),
      registryId: checkId(config.registryId, "config.registryId"),
      eventsPackageId: checkId(config.eventsPackageId ?? config.packageId, "config.eventsPackageId"),
    };
    if (config.registryInitialSharedVersion !== undefined) {
      this.#sharedVersions.set(this.config.registryId, String(config.registryInitialSharedVersion));
    }
  }

  // === readers ===

  async #getObject(id: string, what: string): Promise<{ content: Uint8Array; meta: ObjectMeta; type: string }> {
    const objectId = checkId(id, what);
    let res: SuiClientTypes.GetObjectResponse<{ content: true }>;
    try {
      res = await this.client.core.getObject({ objectId, include: { content: true } });
    } catch (cause) {
      throw new NotFoundError(what, objectId, { cause });
    }
    return this.#objectOf(res.object, what, objectId);
  }

  /** An object read (`getObject(s)` with content) as `#getObject` returns it. */
  #objectOf(
    o: SuiClientTypes.Object<{ content: true }> | undefined,
    what: string,
    objectId: string,
  ): { content: Uint8Array; meta: ObjectMeta; type: string } {
    if (!o?.content) throw new NotFoundError(what, objectId);
    const meta: ObjectMeta = { objectId: o.objectId, version: o.version, digest: o.digest };
    if (o.owner?.$kind === "Shared") {
      meta.initialSharedVersion = String(o.owner.Shared.initialSharedVersion);
      this.#sharedVersions.set(objectId, meta.initialSharedVersion);
    }
    return { content: o.content, meta, type: o.type };
  }

  #checkType(type: string, module: string, name: string, id: string): void {
    if (!type.endsWith(`::${module}::${name}`))
      throw new DecodeError(`${name} ${id}`, `object has type ${type}, not ${module}::${name}`);
  }

  async getRegistry(): Promise<RegistryData & { meta: ObjectMeta }> {
    const { content, meta, type } = await this.#getObject(this.config.registryId, "registry");
    this.#checkType(type, "registry", "Registry", meta.objectId);
    return { ...readExact(Registry, content, `Registry ${meta.objectId}`), meta };
  }

  async getRequest(requestId: string): Promise<RequestData & { meta: ObjectMeta }> {
    return this.#requestOf(await this.#getObject(requestId, "request"));
  }

  #requestOf({ content, meta, type }: { content: Uint8Array; meta: ObjectMeta; type: string }) {
    this.#checkType(type, "request", "Request", meta.objectId);
    return { ...readExact(Request, content, `Request ${meta.objectId}`), meta };
  }

  /**
   * Requests by (checked, normalized) id in one `getObjects` read: each as `getRequest` returns
   * it, or the error `getRequest` would throw for it.
   */
  async #getRequests(ids: readonly string[]): Promise<((RequestData & { meta: ObjectMeta }) | Error)[]> {
    let res: SuiClientTypes.GetObjectsResponse<{ content: true }>;
    try {
      res = await this.client.core.getObjects({ objectIds: [...ids], include: { content: true } });
    } catch (cause) {
      return ids.map((id) => new NotFoundError("request", id, { cause }));
    }
    return ids.map((id, i) => {
      const o = res.objects[i];
      if (o instanceof Error) return new NotFoundError("request", id, { cause: o });
      try {
        return this.#requestOf(this.#objectOf(o, "request", id));
      } catch (err) {
        return err instanceof Error ? err : new Error(String(err));
      }
    });
  }

  async getCluster(clusterId: string): Promise<ClusterData & { meta: ObjectMeta }> {
    const { content, meta, type } = await this.#getObject(clusterId, "cluster");
    this.#checkType(type, "cluster", "Cluster", meta.objectId);
    return { ...readExact(Cluster, content, `Cluster ${meta.objectId}`), meta };
  }

  /** The id of the dynamic field holding `nodeId` in the registry's `nodes` table. */
  static nodeFieldId(nodesTableId: string, nodeId: string): string {
    return deriveDynamicFieldID(
      checkId(nodesTableId, "nodesTableId"),
      "0x2::object::ID",
      bcs.Address.serialize(checkId(nodeId, "nodeId")).toBytes(),
    );
  }

  #nodesTableId: string | undefined;

  async getNode(nodeId: string): Promise<NodeData> {
    if (!this.#nodesTableId) this.#nodesTableId = (await this.getRegistry()).nodes.id.id;
    const fieldId = AtomaClient.nodeFieldId(this.#nodesTableId, nodeId);
    const { content } = await this.#getObject(fieldId, `node ${nodeId}`).catch((e: unknown) => {
      if (e instanceof NotFoundError) throw new NotFoundError("node", nodeId, { cause: e });
      throw e;
    });
    const field = readExact(NodeField, content, `Node ${nodeId}`);
    const { id: _id, operator: _operator, ...account } = await this.getNodeAccount(nodeId);
    return { ...field.value, ...account };
  }

  /** The node's shared account (stake, unbonding, reputation, served, slashed); its id is the node id. */
  async getNodeAccount(nodeId: string): Promise<NodeAccountData & { meta: ObjectMeta }> {
    const { content, meta, type } = await this.#getObject(nodeId, `node account ${nodeId}`).catch((e: unknown) => {
      if (e instanceof NotFoundError) throw new NotFoundError("node", nodeId, { cause: e });
      throw e;
    });
    this.#checkType(type, "node_account", "NodeAccount", meta.objectId);
    return { ...readExact(NodeAccount, content, `NodeAccount ${meta.objectId}`), meta };
  }

  /**
   * What a node was paid in all: the sum of its `NodePaid` events (the chain keeps no `earned`
   * counter since issue 13 B stage 2). Reads every atoma event from the start, so it is for
   * tests, tools and small networks; an indexer answers it from its table.
   */
  async earnedBy(nodeId: string): Promise<bigint> {
    const id = normalizeSuiAddress(checkId(nodeId, "nodeId"));
    let total = 0n;
    for (const r of await this.allEvents())
      if (r.event.name === "NodePaid" && normalizeSuiAddress(r.event.data.node_id) === id)
        total += BigInt(r.event.data.amount);
    return total;
  }

  /** Every event of the package so far, in order (all pages of `listEvents`; small networks and tests). */
  async allEvents(pageSize = 50): Promise<AtomaEventRecord[]> {
    const out: AtomaEventRecord[] = [];
    let cursor: EventCursor = { after: null };
    for (;;) {
      const page = await this.listEvents(cursor, pageSize);
      out.push(...page.events);
      if (!page.hasNextPage || page.cursor.after === cursor.after) return out;
      cursor = page.cursor;
    }
  }

  /** The node id a NodeCap is for (`NodeCap.node_id`; the cap's own id differs). */
  async nodeIdOfCap(nodeCap: string): Promise<string> {
    const key = normalizeSuiAddress(checkId(nodeCap, "nodeCap"));
    const known = this.#capNodes.get(key);
    if (known) return known;
    const { content, type } = await this.#getObject(key, "nodeCap");
    this.#checkType(type, "node", "NodeCap", key);
    const nodeId = readExact(NodeCap, content, `NodeCap ${key}`).node_id;
    this.#capNodes.set(key, nodeId);
    return nodeId;
  }

  #capNodes = new Map<string, string>();

  /** A node's account as a shared input (its initial version read once, then remembered). */
  async #accountInput(nodeId: string): Promise<SharedInput> {
    if (!this.#sharedVersions.has(normalizeSuiAddress(nodeId))) await this.getNodeAccount(nodeId);
    return this.#shared(nodeId);
  }

  /**
   * The inputs of a settlement PTB: the request (read fresh: its assignments name the accounts
   * to apply) and every assigned node's account, in assignment order.
   */
  async #settleInputs(requestId: string): Promise<{ request: SharedInput; nodes: SharedInput[] }> {
    const r = await this.getRequest(requestId);
    const nodes = await Promise.all(r.assignments.map((a) => this.#accountInput(a.node_id)));
    return { request: await this.#shared(requestId), nodes };
  }

  // === events ===

  /**
   * One page of the package's events after `cursor` (at most `limit`), decoded from their BCS.
   * `o.names`: only the events of these names are decoded and returned (a follower that reads a
   * few kinds skips decoding the others); the cursor and `hasNextPage` are the page's either way.
   */
  async listEvents(
    cursor: EventCursor = { after: null },
    limit = 50,
    o: { names?: readonly AtomaEventName[] } = {},
  ): Promise<EventPage> {
    const names = o.names ? new Set<string>(o.names) : undefined;
    let page: SuiClientTypes.ListEventsResponse;
    const eventType = `${this.config.eventsPackageId}::events`;
    try {
      // Over gRPC without the events' JSON (./grpc-masks.ts): the events are decoded from BCS.
      page = isSuiGrpcClient(this.client)
        ? await listEventsMasked(this.client, { eventType, after: cursor.after, limit })
        : await this.client.core.listEvents({ filter: { eventType }, after: cursor.after, limit });
    } catch (cause) {
      throw new ChainError(`listEvents failed: ${(cause as Error).message}`, undefined, { cause });
    }
    const events: AtomaEventRecord[] = [];
    for (const e of page.events) {
      const name = atomaEventName(e.eventType);
      if (!name || (names && !names.has(name))) continue;
      events.push(atomaEventRecord(e));
    }
    const endCursor =
      (page as { endCursor?: string | null; cursor?: string | null }).endCursor ??
      (page as { cursor?: string | null }).cursor;
    return { events, cursor: { after: endCursor ?? cursor.after }, hasNextPage: page.hasNextPage };
  }

  /**
   * Decoded events from `cursor` on, forever (polling every `pollMs` once caught up) until
   * `signal` aborts, through the SDK's one follower (`followEvents`). Each record comes with the
   * cursor to resume after it: the last record of a page carries the page's cursor, the others the
   * cursor before the page (resuming mid-page replays the page from its start).
   */
  async *events(
    opts: { cursor?: EventCursor; pollMs?: number; signal?: AbortSignal; limit?: number; wakeup?: Wakeup } = {},
  ): AsyncGenerator<AtomaEventRecord & { cursor: EventCursor }> {
    const start = opts.cursor ?? { after: null };
    let before: EventCursor = start;
    for await (const batch of followEvents(this.eventPages(), {
      after: start.after,
      pageSize: opts.limit ?? 50,
      pollMs: opts.pollMs ?? 1000,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.wakeup ? { wakeup: opts.wakeup } : {}),
    })) {
      const after: EventCursor = { after: batch.cursor };
      for (let i = 0; i < batch.events.length; i++)
        yield { ...(batch.events[i] as AtomaEventRecord), cursor: i === batch.events.length - 1 ? after : before };
      before = after;
    }
  }

  /** `listEvents` as the follower's page reader (string cursors). */
  eventPages(): PageReader<AtomaEventRecord> {
    return async (after, limit) => {
      const page = await this.listEvents({ after }, limit);
      return { events: page.events, cursor: page.cursor.after, hasNextPage: page.hasNextPage };
    };
  }

  // === execution ===

  /**
   * Signs and executes `tx` on the signer's lane (./executor.ts: one transaction of a signer at a
   * time, refs from effects, gas price per epoch, budgets without a dry run once measured).
   */
  async execute(tx: Transaction, signer: Signer): Promise<ExecuteResult> {
    return this.#execute(tx, signer, false);
  }

  /** `execute`; `handOver`: `tx` was built for this send alone and goes to the lane uncopied. */
  async #execute(tx: Transaction, signer: Signer, handOver: boolean): Promise<ExecuteResult> {
    tx.setSenderIfNotSet(signer.toSuiAddress());
    let res: ExecutedTransaction;
    try {
      res = await this.lanes.execute(tx, signer, { handOver });
    } catch (cause) {
      if (cause instanceof ChainError) throw cause;
      const structured = (cause as { executionError?: Parameters<typeof decodeMoveAbort>[0] } | null)?.executionError;
      const abort = decodeMoveAbort(structured) ?? decodeMoveAbort((cause as Error)?.message ?? String(cause));
      if (abort) throw abort;
      throw new ChainError(`transaction failed: ${(cause as Error)?.message ?? String(cause)}`, undefined, { cause });
    }
    const t = res.$kind === "Transaction" ? res.Transaction : res.FailedTransaction;
    if (!t.status.success) {
      const abort = decodeMoveAbort(t.status.error);
      if (abort) throw abort;
      throw new ChainError(`transaction ${t.digest} failed: ${t.status.error.message}`, t.digest);
    }
    if (this.#waitForIndexing) {
      try {
        await this.client.core.waitForTransaction({ digest: t.digest });
      } catch {
        // Not every transport indexes; effects are final already.
      }
    }
    const events = (t.events ?? [])
      .filter((e) => atomaEventName(e.eventType))
      .map((e) => decodeAtomaEvent({ type: e.eventType, bcs: e.bcs }));
    const created = t.effects.changedObjects
      .filter((c) => c.idOperation === "Created")
      .map((c) => ({ objectId: c.objectId, type: t.objectTypes?.[c.objectId], owner: c.outputOwner }));
    return { digest: t.digest, effects: t.effects, events, created };
  }

  /**
   * Remembers a shared object's initial version learned elsewhere (a read through another client,
   * as a node-runner's shared request reads are), so this client's transactions name it in full
   * without reading the object first.
   */
  rememberShared(objectId: string, initialSharedVersion: string): void {
    this.#sharedVersions.set(normalizeSuiAddress(objectId), initialSharedVersion);
  }

  /** A shared input: full ref when its initial version is known (explicit mutability), else the id. */
  async #shared(id: string): Promise<SharedInput> {
    const v = this.#sharedVersions.get(normalizeSuiAddress(id));
    if (v !== undefined) return { objectId: id, initialSharedVersion: v };
    return id;
  }

  async #base() {
    return {
      packageId: this.config.packageId,
      registry: await this.#shared(this.config.registryId),
      randomInitialSharedVersion: this.config.randomInitialSharedVersion,
    };
  }

  /**
   * Random's (0x8) initial shared version: the config's, else read once per client (it never
   * changes on a network). Without it every build that samples left 0x8 for the resolver, which
   * read the object again (one `getObjects` round trip per create-and-sample).
   */
  #randomVersion: Promise<string> | undefined;

  #random(): Promise<number | string> {
    const known = this.config.randomInitialSharedVersion;
    if (known !== undefined) return Promise.resolve(known);
    if (!this.#randomVersion) {
      const read = this.#getObject(SUI_RANDOM_OBJECT_ID, "random").then(({ meta }) => {
        if (meta.initialSharedVersion === undefined)
          throw new DecodeError(`Random ${meta.objectId}`, "is not a shared object");
        return meta.initialSharedVersion;
      });
      // A failed read is not remembered.
      read.catch(() => {
        if (this.#randomVersion === read) this.#randomVersion = undefined;
      });
      this.#randomVersion = read;
    }
    return this.#randomVersion;
  }

  /** `#base()` with Random's initial shared version, for the calls that sample. */
  async #baseWithRandom() {
    const [base, randomInitialSharedVersion] = await Promise.all([this.#base(), this.#random()]);
    return { ...base, randomInitialSharedVersion };
  }

  async #run(signer: Signer, build: (tx: Transaction) => void): Promise<ExecuteResult> {
    const tx = new Transaction();
    tx.setSender(signer.toSuiAddress());
    build(tx);
    return this.#execute(tx, signer, true);
  }

  // === requester ===

  /**
   * The registry parameters the escrow depends on, as last read. They change only by an admin
   * call, so `createRequest` reads them once per client instead of once per request (a read on
   * the requester's critical path) and re-reads them when the chain refuses the payment.
   */
  #escrowParams: Promise<{ defaultSampleSize: bigint; marginBps: bigint }> | undefined;

  #readEscrowParams(fresh: boolean) {
    if (fresh || !this.#escrowParams) {
      const read = this.getRegistry().then((reg) => ({
        defaultSampleSize: BigInt(reg.params.default_sample_size),
        marginBps: BigInt(reg.params.margin_bps),
      }));
      // A failed read is not remembered.
      read.catch(() => {
        if (this.#escrowParams === read) this.#escrowParams = undefined;
      });
      this.#escrowParams = read;
    }
    return this.#escrowParams;
  }

  /**
   * Escrow the chain will take (`escrowFor` with the registry's default sample size and margin);
   * `fresh: false` uses the parameters this client read last (see `createRequest`).
   */
  async escrowFor(sampleSize: number | undefined, maxPrice: U64Input, o: { fresh?: boolean } = {}): Promise<bigint> {
    const p = await this.#readEscrowParams(o.fresh ?? true);
    return escrowFor(sampleSize ? BigInt(sampleSize) : p.defaultSampleSize, BigInt(maxPrice), p.marginBps);
  }

  /**
   * Creates a request (paying exactly the escrow from the gas coin) and, unless
   * `sample: false`, samples its nodes in the same transaction (`request::create_and_sample`).
   * `twoStep: true` samples in a second transaction instead (create_request, then
   * sample_nodes): a Request shared by create_request cannot be an input of a later command
   * of the same PTB.
   */
  async createRequest(signer: Signer, o: CreateRequestOptions): Promise<CreatedRequest> {
    try {
      return await this.#createRequest(signer, o, await this.escrowFor(o.sampleSize, o.maxPrice, { fresh: false }));
    } catch (err) {
      // The margin or default sample size changed since this client read them: read them again.
      if (!(err instanceof MoveAbortError && err.constantName === "EInsufficientPayment")) throw err;
      return this.#createRequest(signer, o, await this.escrowFor(o.sampleSize, o.maxPrice, { fresh: true }));
    }
  }

  async #createRequest(signer: Signer, o: CreateRequestOptions, payment: bigint): Promise<CreatedRequest> {
    const oneTx = o.sample !== false && o.twoStep !== true;
    const base = oneTx ? await this.#baseWithRandom() : await this.#base();
    const args: B.CreateRequestArgs & B.WithRandom = {
      ...base,
      payment: { fromGas: payment },
      kind: o.kind,
      capability: toBytes(o.capability),
      inputHash: o.inputHash ?? hashOutput(o.input),
      input: o.input,
      maxTokens: o.maxTokens,
      fuel: o.fuel,
      sampleSize: o.sampleSize,
      quorumBps: o.quorumBps,
      maxPrice: o.maxPrice,
      confidential: o.confidential,
    };
    const created = await this.#run(signer, (tx) =>
      oneTx ? B.buildCreateAndSample(tx, args) : B.buildCreateRequest(tx, args),
    );
    const fn = oneTx ? "create_and_sample" : "create_request";
    const ev = created.events.find((e) => e.name === "RequestCreated");
    if (ev?.name !== "RequestCreated") throw new ChainError(`${fn} emitted no RequestCreated event`, created.digest);
    const requestId = ev.data.request_id;
    // What the chain took (a payment above it, from parameters read before a margin cut, came back).
    const escrow = BigInt(ev.data.escrow);
    const out: CreatedRequest = { requestId, escrow, createDigest: created.digest, nodes: [], events: created.events };
    if (oneTx) {
      const ns = created.events.find((e) => e.name === "NodesSampled");
      if (ns?.name !== "NodesSampled") throw new ChainError(`${fn} emitted no NodesSampled event`, created.digest);
      out.sampleDigest = created.digest;
      out.nodes = ns.data.nodes;
      return out;
    }
    if (o.sample === false) return out;
    const sampled = await this.sampleNodes(signer, requestId);
    out.sampleDigest = sampled.digest;
    out.events = [...created.events, ...sampled.events];
    const ns = sampled.events.find((e) => e.name === "NodesSampled");
    if (ns?.name === "NodesSampled") out.nodes = ns.data.nodes;
    return out;
  }

  async sampleNodes(signer: Signer, requestId: string): Promise<ExecuteResult> {
    const base = await this.#baseWithRandom();
    const request = await this.#requestInput(requestId);
    return this.#run(signer, (tx) => B.buildSampleNodes(tx, { ...base, request }));
  }

  async #requestInput(requestId: string): Promise<SharedInput> {
    if (!this.#sharedVersions.has(normalizeSuiAddress(requestId))) await this.getRequest(requestId);
    return this.#shared(requestId);
  }

  /**
   * A node as a sealing recipient: its keys, on-chain ML-KEM key hash and attestation summary,
   * read from chain (not checked here).
   */
  async nodeRecipient(nodeId: string): Promise<ReturnType<typeof attestedNodeOf>> {
    return attestedNodeOf(nodeId, await this.getNode(nodeId));
  }

  /**
   * Seals `payload` to the enc keys of `nodeIds` (node layer), after checking each key is the
   * one bound in that node's valid on-chain attestation (unless `requireAttestation: false`).
   */
  async sealForSampledNodes(
    requestId: string,
    nodeIds: string[],
    payload: Uint8Array,
    opts: { requireAttestation?: boolean; nowMs?: number } = {},
  ): Promise<Uint8Array> {
    const nowMs = opts.nowMs ?? Date.now();
    const recipients = await Promise.all(
      nodeIds.map(async (id) => {
        const rec = await this.nodeRecipient(id);
        if (opts.requireAttestation !== false) assertKeyAttested(rec, nowMs);
        return rec;
      }),
    );
    return sealForNodes({
      requestId,
      payload,
      recipients,
      requireAttestation: opts.requireAttestation !== false,
      nowMs,
    }).envelope;
  }

  /** The waits of `waitForSettlement`, shared by all of this client's waiters (./settlement.ts). */
  readonly #settlements = new SharedWaits<RequestData & { meta: ObjectMeta }>(
    (ids) => this.#getRequests(ids),
    (r) => r.status === RequestStatus.Settled || r.status === RequestStatus.Failed,
    (id, timeoutMs, r) => new TimeoutError(`request ${id} not settled after ${timeoutMs} ms (status ${r.status})`),
  );

  /**
   * Polls until the request is Settled or Failed: read at once, then every `pollMs` until
   * `timeoutMs`. The waiters of one client share their reads (one `getObjects` a round for every
   * request due; two waiters of one request, one read).
   */
  async waitForSettlement(requestId: string, o: WaitOptions = {}): Promise<RequestData & { meta: ObjectMeta }> {
    return this.#settlements.wait(checkId(requestId, "request"), requestId, o);
  }

  /** Batched reads `waitForSettlement` made so far (all its waiters together). */
  get settlementReads(): number {
    return this.#settlements.reads;
  }

  /**
   * Reads the posted output of a Settled request, opens it when `userSk` is given (user-layer
   * envelope bound to the request id; `userMlkemSk` for a post-quantum one) and checks it
   * against the agreed output hash.
   */
  async fetchOutput(
    requestId: string,
    o: { userSk?: Uint8Array; userMlkemSk?: Uint8Array } = {},
  ): Promise<FetchedOutput> {
    const r = await this.getRequest(requestId);
    if (r.status !== RequestStatus.Settled)
      throw new InvalidInputError("requestId", `request ${requestId} is not Settled (status ${r.status})`);
    // The settlement agreed on the blinded t = blake2b256(output_hash ‖ request_id); the output
    // is checked against t itself, whichever node posted first.
    if (!r.agreed_blinded_hash) throw new DecodeError(`Request ${requestId}`, "Settled without agreed_blinded_hash");
    const agreedT = Uint8Array.from(r.agreed_blinded_hash);
    const posted = Uint8Array.from(r.output);
    if (posted.length === 0) throw new NotFoundError("output of request", requestId);
    // a layered output (format 0x82): the user opens its own layer; the system layer is the cluster's
    const plaintext = !o.userSk
      ? posted
      : posted[0] === LAYERS_FORMAT
        ? openLayer(
            { requestId },
            {
              container: posted,
              layer: "user",
              key: {
                recipientId: userRecipientId(x25519PublicKey(o.userSk)),
                x25519Sk: o.userSk,
                ...(o.userMlkemSk ? { mlkemSk: o.userMlkemSk } : {}),
              },
              requirePostQuantum: false,
            },
          )
        : openAsUser({
            requestId,
            envelope: posted,
            userSk: o.userSk,
            ...(o.userMlkemSk ? { userMlkemSk: o.userMlkemSk } : {}),
          });
    const overPosted = hashOutput(posted);
    if (equalBytes(blindedHash(overPosted, requestId), agreedT))
      return { posted, plaintext, agreedOutputHash: overPosted, verifiedOver: "posted" };
    const overPlaintext = hashOutput(plaintext);
    if (equalBytes(blindedHash(overPlaintext, requestId), agreedT))
      return { posted, plaintext, agreedOutputHash: overPlaintext, verifiedOver: "plaintext" };
    throw new DecodeError(`output of ${requestId}`, "does not hash to the agreed output hash");
  }

  // === operator ===

  async registerNode(
    signer: Signer,
    a: {
      stake: U64Input;
      sigPk: Uint8Array;
      encPk: Uint8Array;
      capabilities: (Uint8Array | string)[];
      price: U64Input;
    },
  ): Promise<ExecuteResult & { nodeId: string; nodeCapId: string }> {
    const base = await this.#base();
    const res = await this.#run(signer, (tx) =>
      B.buildRegisterNode(tx, {
        ...base,
        stake: { fromGas: a.stake },
        sigPk: a.sigPk,
        encPk: a.encPk,
        capabilities: a.capabilities.map(toBytes),
        price: a.price,
      }),
    );
    const ev = res.events.find((e) => e.name === "NodeRegistered");
    if (ev?.name !== "NodeRegistered")
      throw new ChainError("register_node emitted no NodeRegistered event", res.digest);
    // The node id is its account's id; the NodeCap is a separate object (owned by the sender).
    const cap = res.created.find((o) => o.type?.endsWith("::node::NodeCap"));
    if (!cap) throw new ChainError("register_node created no NodeCap", res.digest);
    const nodeId = ev.data.node_id;
    this.#capNodes.set(normalizeSuiAddress(cap.objectId), nodeId);
    return { ...res, nodeId, nodeCapId: cap.objectId };
  }

  /** The cap's node's account as a shared input (for the calls that change stake). */
  async #capAccount(nodeCap: string): Promise<SharedInput> {
    return this.#accountInput(await this.nodeIdOfCap(nodeCap));
  }

  async addStake(signer: Signer, nodeCap: string, amount: U64Input) {
    const base = await this.#base();
    const nodeAccount = await this.#capAccount(nodeCap);
    return this.#run(signer, (tx) => B.buildAddStake(tx, { ...base, nodeAccount, nodeCap, coin: { fromGas: amount } }));
  }
  async requestUnstake(signer: Signer, nodeCap: string) {
    const base = await this.#base();
    const nodeAccount = await this.#capAccount(nodeCap);
    return this.#run(signer, (tx) => B.buildRequestUnstake(tx, { ...base, nodeAccount, nodeCap }));
  }
  async withdrawStake(signer: Signer, nodeCap: string) {
    const base = await this.#base();
    const nodeAccount = await this.#capAccount(nodeCap);
    return this.#run(signer, (tx) => B.buildWithdrawStake(tx, { ...base, nodeAccount, nodeCap }));
  }
  async setPrice(signer: Signer, nodeCap: string, price: U64Input) {
    const base = await this.#base();
    return this.#run(signer, (tx) => B.buildSetPrice(tx, { ...base, nodeCap, price }));
  }
  async setCapabilities(signer: Signer, nodeCap: string, capabilities: (Uint8Array | string)[]) {
    const base = await this.#base();
    return this.#run(signer, (tx) =>
      B.buildSetCapabilities(tx, { ...base, nodeCap, capabilities: capabilities.map(toBytes) }),
    );
  }
  /** Records Intel collateral (TCB info, QE identity) as a shared TdxCollateral; returns its object id too. */
  async recordTdxCollateral(signer: Signer, a: Omit<TDX.RecordTdxCollateralArgs, "packageId" | "registry">) {
    const base = await this.#base();
    const res = await this.#run(signer, (tx) => TDX.buildRecordTdxCollateral(tx, { ...base, ...a }));
    const c = res.created.find((o) => o.type?.endsWith("::tdx_attestation::TdxCollateral"));
    if (!c) throw new DecodeError("TdxCollateral", "record_tdx_collateral created no TdxCollateral object");
    return { ...res, collateralId: c.objectId };
  }
  /** Records a CRL (root CA or PCK CA, DER) with the CA certificate that signed it; checked in Move. */
  async recordTdxCrl(signer: Signer, a: Omit<TDX.RecordTdxCrlArgs, "packageId" | "registry">) {
    const base = await this.#base();
    return this.#run(signer, (tx) => TDX.buildRecordTdxCrl(tx, { ...base, ...a }));
  }
  /** The node's TDX quote verified on chain (one transaction, no verifier). */
  async recordTdxAttestation(signer: Signer, a: Omit<TDX.RecordTdxAttestationArgs, "packageId" | "registry">) {
    const base = await this.#base();
    return this.#run(signer, (tx) => TDX.buildRecordTdxAttestation(tx, { ...base, ...a }));
  }
  /** The node's Nitro attestation document verified on chain (one transaction, no verifier). */
  async recordNitroAttestation(signer: Signer, a: Omit<NITRO.RecordNitroAttestationArgs, "packageId" | "registry">) {
    const base = await this.#base();
    return this.#run(signer, (tx) => NITRO.buildRecordNitroAttestation(tx, { ...base, ...a }));
  }
  async recordAttestation(signer: Signer, a: Omit<B.RecordAttestationArgs, "packageId" | "registry">) {
    const base = await this.#base();
    return this.#run(signer, (tx) => B.buildRecordAttestation(tx, { ...base, ...a }));
  }

  /**
   * Commits `blake2b256(roundValue(outputHash, requestId, round) ‖ nodeId ‖ salt)` (round 0: the
   * blinded hash); returns the salt to keep for reveal.
   */
  async commit(
    signer: Signer,
    a: { requestId: string; nodeCap: string; nodeId: string; outputHash: Uint8Array; round: number; salt?: Uint8Array },
  ): Promise<ExecuteResult & { salt: Uint8Array; commitment: Uint8Array }> {
    const salt = a.salt ?? randomSalt();
    const res = await this.commitMany(signer, [{ ...a, salt }]);
    return {
      ...res,
      salt,
      commitment: computeCommitment(roundValue(a.outputHash, a.requestId, a.round), a.nodeId, salt),
    };
  }
  /**
   * Several commits of one node (one NodeCap) in one transaction: one round trip for all. A PTB is
   * atomic: one commit that aborts takes the others with it (send them one by one then).
   */
  async commitMany(
    signer: Signer,
    items: readonly {
      requestId: string;
      nodeCap: string;
      nodeId: string;
      outputHash: Uint8Array;
      round: number;
      salt: Uint8Array;
    }[],
  ): Promise<ExecuteResult> {
    if (items.length === 0) throw new InvalidInputError("items", "commitMany: no commits given");
    return this.nodeCalls(
      signer,
      items.map((a) => ({ kind: "commit", ...a })),
    );
  }
  /** Several reveals of one node in one transaction (atomic, as `commitMany`). */
  async revealMany(
    signer: Signer,
    items: readonly { requestId: string; nodeCap: string; outputHash: Uint8Array; round: number; salt: Uint8Array }[],
  ): Promise<ExecuteResult> {
    if (items.length === 0) throw new InvalidInputError("items", "revealMany: no reveals given");
    return this.nodeCalls(
      signer,
      items.map((a) => ({ kind: "reveal", ...a })),
    );
  }
  /**
   * A node's state changes on requests in one transaction, in the order given
   * (`B.buildNodeCalls`): commits, reveals, and the reveal that completes a round with the settle
   * it makes due (and, with `output`, the post). Each request is named in full once its initial
   * version is known (read once otherwise); a settle reads its request fresh for the accounts to
   * apply. Atomic: one call that aborts takes the others with it.
   */
  async nodeCalls(signer: Signer, items: readonly NodeCallItem[]): Promise<ExecuteResult> {
    const [base, calls] = await Promise.all([
      this.#base(),
      Promise.all(
        items.map(async (a): Promise<B.NodeCall> => {
          const value = roundValue(a.outputHash, a.requestId, a.round);
          if (a.kind === "commit")
            return {
              kind: "commit",
              request: await this.#requestInput(a.requestId),
              nodeCap: a.nodeCap,
              commitment: computeCommitment(value, a.nodeId, a.salt),
            };
          if (a.kind === "reveal")
            return {
              kind: "reveal",
              request: await this.#requestInput(a.requestId),
              nodeCap: a.nodeCap,
              revealed: value,
              salt: a.salt,
            };
          const { request, nodes } = await this.#settleInputs(a.requestId);
          return {
            kind: "revealAndSettle",
            request,
            nodeCap: a.nodeCap,
            revealed: value,
            salt: a.salt,
            nodes,
            ...(a.output ? { output: a.output, outputHash: a.outputHash } : {}),
          };
        }),
      ),
    ]);
    return this.#run(signer, (tx) => B.buildNodeCalls(tx, base, calls));
  }
  /** Reveals what `commit` committed for `outputHash` in `round` (round 0: the blinded hash). */
  async reveal(
    signer: Signer,
    a: { requestId: string; nodeCap: string; outputHash: Uint8Array; round: number; salt: Uint8Array },
  ) {
    return this.revealMany(signer, [a]);
  }
  /**
   * Posts the agreed output with `outputHash`, the hash of its plaintext (default
   * `blake2b256(output)`, right for public requests; confidential posts pass the plaintext's).
   */
  async postOutput(
    signer: Signer,
    a: { requestId: string; nodeCap: string; output: Uint8Array; outputHash?: Uint8Array },
  ) {
    const request = await this.#requestInput(a.requestId);
    return this.#run(signer, (tx) =>
      B.buildPostOutput(tx, {
        packageId: this.config.packageId,
        request,
        nodeCap: a.nodeCap,
        output: a.output,
        outputHash: a.outputHash,
      }),
    );
  }
  /** Requester of a confidential request: make the output `nodeId` posted the request's output. */
  async acceptOutput(signer: Signer, a: { requestId: string; nodeId: string }) {
    const request = await this.#requestInput(a.requestId);
    return this.#run(signer, (tx) =>
      B.buildAcceptOutput(tx, { packageId: this.config.packageId, request, nodeId: a.nodeId }),
    );
  }
  /**
   * Settles the request: settle_begin, one settle_node per assigned node's account, settle_end in
   * one PTB (`B.buildSettle`); reads the request first for its assignments.
   */
  async settle(signer: Signer, requestId: string) {
    const base = await this.#base();
    const { request, nodes } = await this.#settleInputs(requestId);
    return this.#run(signer, (tx) => B.buildSettle(tx, { ...base, request, nodes }));
  }
  /**
   * The last reveal of a round and the settle it makes due, in one transaction (one round trip
   * instead of two). Only for the node whose reveal completes the round (every other node sampled
   * in the round revealed): otherwise `settle` aborts with ESettleTooEarly and, a PTB being atomic,
   * takes the reveal with it. With `output` (public requests, when every revealed hash equals
   * `outputHash` so the settle agrees on it), `post_output` rides in the same transaction too.
   */
  async revealAndSettle(
    signer: Signer,
    a: {
      requestId: string;
      nodeCap: string;
      outputHash: Uint8Array;
      round: number;
      salt: Uint8Array;
      output?: Uint8Array;
    },
  ) {
    return this.nodeCalls(signer, [{ kind: "revealAndSettle", ...a }]);
  }
  /**
   * settle and the agreed output's post in one transaction, for a node that revealed the hash the
   * settle is sure to agree on (public requests: the output must hash to it, else both abort).
   */
  async settleAndPostOutput(
    signer: Signer,
    a: { requestId: string; nodeCap: string; output: Uint8Array; outputHash?: Uint8Array },
  ) {
    const base = await this.#base();
    const { request, nodes } = await this.#settleInputs(a.requestId);
    return this.#run(signer, (tx) => {
      B.buildSettle(tx, { ...base, request, nodes });
      B.buildPostOutput(tx, {
        packageId: this.config.packageId,
        request,
        nodeCap: a.nodeCap,
        output: a.output,
        outputHash: a.outputHash,
      });
    });
  }
  /** Sweeps the protocol income of finished requests into the treasury, all in one transaction. */
  async sweepFees(signer: Signer, requestIds: readonly string[]) {
    if (requestIds.length === 0) throw new InvalidInputError("requestIds", "must name at least one request");
    const base = await this.#base();
    const requests = await Promise.all(requestIds.map((id) => this.#requestInput(id)));
    return this.#run(signer, (tx) => {
      for (const request of requests) B.buildSweepFees(tx, { ...base, request });
    });
  }
  async escalate(signer: Signer, requestId: string) {
    const base = await this.#baseWithRandom();
    const request = await this.#requestInput(requestId);
    return this.#run(signer, (tx) => B.buildEscalate(tx, { ...base, request }));
  }
  /** Acks the pending rotation of `epoch` to `commitment` (the ack binds both). */
  async ackRotation(
    signer: Signer,
    a: { clusterId: string; nodeCap: string; epoch: U64Input; commitment: Uint8Array },
  ) {
    const base = await this.#base();
    if (!this.#sharedVersions.has(normalizeSuiAddress(a.clusterId))) await this.getCluster(a.clusterId);
    const cluster = await this.#shared(a.clusterId);
    return this.#run(signer, (tx) =>
      B.buildAckRotation(tx, { ...base, cluster, nodeCap: a.nodeCap, epoch: a.epoch, commitment: a.commitment }),
    );
  }
  /** An invited node accepts membership of the cluster with its own NodeCap. */
  async acceptMembership(signer: Signer, a: { clusterId: string; nodeCap: string }) {
    const cluster = await this.#clusterArg(a.clusterId);
    const packageId = this.config.packageId;
    return this.#run(signer, (tx) => B.buildAcceptMembership(tx, { packageId, cluster, nodeCap: a.nodeCap }));
  }
  /** A member leaves the cluster (or an invited node declines) with its own NodeCap. */
  async leaveCluster(signer: Signer, a: { clusterId: string; nodeCap: string }) {
    const cluster = await this.#clusterArg(a.clusterId);
    const packageId = this.config.packageId;
    return this.#run(signer, (tx) => B.buildLeaveCluster(tx, { packageId, cluster, nodeCap: a.nodeCap }));
  }
  /** Publishes the node's ML-KEM-768 key hash (`mlkemKeyHash(mlkemPk)`) on its record. */
  async setNodePqKey(signer: Signer, nodeCap: string, mlkemPkHash: Uint8Array) {
    const base = await this.#base();
    return this.#run(signer, (tx) => B.buildSetNodePqKey(tx, { ...base, nodeCap, mlkemPkHash }));
  }
  async #clusterArg(clusterId: string) {
    if (!this.#sharedVersions.has(normalizeSuiAddress(clusterId))) await this.getCluster(clusterId);
    return this.#shared(clusterId);
  }
  /** The `MasterCap` holder sets the cluster's automatic rotation policy on chain. */
  async setRotationPolicy(
    signer: Signer,
    a: { clusterId: string; masterCap: string; intervalMs: U64Input; maxBytes: U64Input },
  ) {
    const cluster = await this.#clusterArg(a.clusterId);
    const packageId = this.config.packageId;
    return this.#run(signer, (tx) =>
      B.buildSetRotationPolicy(tx, {
        packageId,
        cluster,
        masterCap: a.masterCap,
        intervalMs: a.intervalMs,
        maxBytes: a.maxBytes,
      }),
    );
  }
  /** A member reports bytes sealed/opened under the cluster key of `epoch` (batch them: one shared-object write each). */
  async reportSealedBytes(signer: Signer, a: { clusterId: string; nodeCap: string; epoch: U64Input; bytes: U64Input }) {
    const cluster = await this.#clusterArg(a.clusterId);
    const packageId = this.config.packageId;
    return this.#run(signer, (tx) =>
      B.buildReportSealedBytes(tx, { packageId, cluster, nodeCap: a.nodeCap, epoch: a.epoch, bytes: a.bytes }),
    );
  }
  async completeRotation(signer: Signer, clusterId: string) {
    const base = await this.#base();
    if (!this.#sharedVersions.has(normalizeSuiAddress(clusterId))) await this.getCluster(clusterId);
    const cluster = await this.#shared(clusterId);
    return this.#run(signer, (tx) => B.buildCompleteRotation(tx, { ...base, cluster }));
  }
}
