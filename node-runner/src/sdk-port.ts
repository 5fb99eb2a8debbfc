/**
 * `ChainPort` over `AtomaClient` of @atoma/sdk: events through `listEvents` with a durable
 * (JSON) cursor, requests decoded from object BCS, and every state change signed with the
 * node's Ed25519 key; a Move abort surfaces as the SDK's `MoveAbortError`, even when a layer
 * wrapped it. `SdkChainClock`: the chain's time, the `timestamp_ms` of the Clock object `0x6`.
 */
import { type AtomaClient, type AtomaEvent, MoveAbortError, type RequestData } from "@atoma/sdk";
import { bcs } from "@mysten/sui/bcs";
import type { Signer } from "@mysten/sui/cryptography";
import { normalizeSuiAddress } from "@mysten/sui/utils";
import type {
  ChainClock,
  ChainPort,
  DaemonEvent,
  EventBatch,
  OutputPost,
  RequestStatusCode,
  RequestView,
} from "./daemon/chain-port.js";
import { Semaphore } from "./daemon/semaphore.js";
import { TxBatcher } from "./daemon/tx-batcher.js";

export const CLOCK_OBJECT_ID = "0x0000000000000000000000000000000000000000000000000000000000000006";

const ClockBcs = bcs.struct("Clock", { id: bcs.struct("UID", { id: bcs.Address }), timestamp_ms: bcs.u64() });

/** No NodeCap of the node among its operator's objects. */
export class NodeCapNotFoundError extends Error {
  override name = "NodeCapNotFoundError";
  readonly code = "NODE_CAP_NOT_FOUND";
  constructor(
    readonly owner: string,
    readonly nodeId: string,
  ) {
    super(`no NodeCap for node ${nodeId} among the objects of ${owner} (set nodeCapId in the config)`);
  }
}

/**
 * The object id of the NodeCap that `owner` holds for node `nodeId` (since issue 13 B stage 2 the
 * node id is its NodeAccount's id, and the cap is a separate owned object): lists the owner's
 * `node::NodeCap` objects and reads each one's `node_id` (cached by the SDK).
 */
export async function findNodeCap(
  atoma: Pick<AtomaClient, "client" | "config" | "nodeIdOfCap">,
  owner: string,
  nodeId: string,
): Promise<string> {
  const want = normalizeSuiAddress(nodeId);
  const type = `${atoma.config.eventsPackageId ?? atoma.config.packageId}::node::NodeCap`;
  let cursor: string | null = null;
  for (;;) {
    const page: { objects: { objectId: string }[]; hasNextPage: boolean; cursor: string | null } =
      await atoma.client.core.listOwnedObjects({ owner, type, cursor, limit: 50 });
    for (const o of page.objects)
      if (normalizeSuiAddress(await atoma.nodeIdOfCap(o.objectId)) === want) return o.objectId;
    if (!page.hasNextPage || !page.cursor) throw new NodeCapNotFoundError(owner, nodeId);
    cursor = page.cursor;
  }
}

export interface SdkPortOptions {
  atoma: AtomaClient;
  signer: Signer;
  /** This node's id (= its NodeAccount's object id, `NodeCap.node_id`). */
  nodeId: string;
  /**
   * Its NodeCap's object id (a separate object since issue 13 B stage 2). Omitted: looked up once
   * among the signer's objects (`findNodeCap`).
   */
  nodeCap?: string;
  /**
   * Commits (and plain reveals) of several requests that fall due in the same turn of the event
   * loop go in one transaction (./daemon/tx-batcher.ts). Default true; false sends each alone.
   */
  batch?: boolean;
  /**
   * Where the node's event pages come from: the process's shared follower
   * (./daemon/event-hub.ts, what `startNode` gives). Omitted: this port reads them itself.
   */
  events?: Pick<ChainPort, "nextEvents">;
  /**
   * Where the node's reads of a request object go: the process's shared reads
   * (./daemon/request-reads.ts, what `startNode` gives). Omitted: this port reads them itself.
   */
  requests?: Pick<ChainPort, "getRequest">;
}

/**
 * One state change of this node, batched with whatever else of the node falls due with it: a
 * commit, a plain reveal, or the reveal that completes a round with the settle (and post) it
 * makes due.
 */
export interface NodeItem {
  kind: "commit" | "reveal" | "revealAndSettle";
  requestId: string;
  round: number;
  outputHash: Uint8Array;
  salt: Uint8Array;
  /** revealAndSettle: the output posted in the same transaction. */
  output?: Uint8Array;
}

/** A mixed batch's calls in one order (commits, reveals, reveal + settles), so its shape (gas budget key) repeats. */
const KIND_ORDER: Record<NodeItem["kind"], number> = { commit: 0, reveal: 1, revealAndSettle: 2 };

const u8 = (v: Iterable<number>) => Uint8Array.from(v);

/** Maps a decoded Atoma event to what the daemon reacts to. */
export function toDaemonEvent(ev: AtomaEvent): DaemonEvent {
  switch (ev.name) {
    case "NodesSampled":
      return {
        name: "NodesSampled",
        requestId: ev.data.request_id,
        round: ev.data.round,
        nodes: [...ev.data.nodes],
        commitDeadlineMs: BigInt(ev.data.commit_deadline_ms),
        revealDeadlineMs: BigInt(ev.data.reveal_deadline_ms),
      };
    case "ResultCommitted":
      return { name: "ResultCommitted", requestId: ev.data.request_id, nodeId: ev.data.node_id, round: ev.data.round };
    case "ResultRevealed":
      return {
        name: "ResultRevealed",
        requestId: ev.data.request_id,
        nodeId: ev.data.node_id,
        round: ev.data.round,
        outputHash: u8(ev.data.output_hash),
      };
    case "OutputPosted":
      return { name: "OutputPosted", requestId: ev.data.request_id, nodeId: ev.data.node_id };
    case "DisputeOpened":
      return {
        name: "DisputeOpened",
        requestId: ev.data.request_id,
        disputeDeadlineMs: BigInt(ev.data.dispute_deadline_ms),
      };
    case "RequestSettled":
      // `output_hash` of RequestSettled is the agreed blinded t (issue 13 A4).
      return { name: "RequestSettled", requestId: ev.data.request_id, blindedHash: u8(ev.data.output_hash) };
    case "RequestFailed":
      return { name: "RequestFailed", requestId: ev.data.request_id };
    case "KeyRotationStarted":
      return { name: "KeyRotationStarted", clusterId: ev.data.cluster_id, epoch: BigInt(ev.data.epoch) };
    default:
      return { name: "Other", type: ev.name };
  }
}

/** The package's events after `cursor` (at most `limit`), decoded for the daemon: one `listEvents`. */
export async function readEventPage(
  atoma: Pick<AtomaClient, "listEvents">,
  cursor: string | null,
  limit: number,
): Promise<EventBatch> {
  const page = await atoma.listEvents({ after: cursor }, limit);
  return {
    events: page.events.map((rec) => toDaemonEvent(rec.event)),
    cursor: page.cursor.after,
    hasNextPage: page.hasNextPage,
  };
}

/** Maps the SDK's decoded `Request` to the daemon's view. */
export function toRequestView(id: string, r: RequestData): RequestView {
  return {
    id,
    requester: r.requester,
    kind: r.kind,
    capability: u8(r.capability),
    inputHash: u8(r.input_hash),
    input: u8(r.input),
    maxTokens: BigInt(r.max_tokens),
    fuel: BigInt(r.fuel),
    sampleSize: BigInt(r.sample_size),
    confidential: r.confidential,
    status: r.status as RequestStatusCode,
    round: r.round,
    commitDeadlineMs: BigInt(r.commit_deadline_ms),
    revealDeadlineMs: BigInt(r.reveal_deadline_ms),
    disputeDeadlineMs: BigInt(r.dispute_deadline_ms),
    assignments: r.assignments.map((a) => ({
      nodeId: a.node_id,
      round: a.round,
      price: BigInt(a.price),
      committed: a.committed,
      revealed: a.revealed,
      outputHash: u8(a.output_hash),
    })),
    agreedOutputHash: r.agreed_output_hash ? u8(r.agreed_output_hash) : null,
    agreedBlindedHash: r.agreed_blinded_hash ? u8(r.agreed_blinded_hash) : null,
    outputPosted: r.output.length > 0,
  };
}

/** The request object `requestId`, decoded for the daemon: one `getRequest`. */
export async function readRequest(atoma: Pick<AtomaClient, "getRequest">, requestId: string): Promise<RequestView> {
  const r = await atoma.getRequest(requestId);
  const view = toRequestView(r.meta.objectId, r);
  if (r.meta.initialSharedVersion !== undefined) view.initialSharedVersion = r.meta.initialSharedVersion;
  return view;
}

/** Reads `timestamp_ms` of the Clock object through `client.core`. */
export async function chainNowMs(atoma: AtomaClient): Promise<bigint> {
  const res = await atoma.client.core.getObject({ objectId: CLOCK_OBJECT_ID, include: { content: true } });
  const content = res.object?.content;
  if (!content) throw new Error("Clock object 0x6 has no content");
  return BigInt(ClockBcs.parse(content).timestamp_ms);
}

/** The Move abort behind `err`: the SDK's MoveAbortError itself or as a `cause` down the chain. */
export function moveAbortOf(err: unknown): MoveAbortError | undefined {
  let e: unknown = err;
  for (let depth = 0; e !== null && e !== undefined && depth < 8; depth++) {
    if (e instanceof MoveAbortError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Runs a state change; a Move abort anywhere in the failure's cause chain is what it rejects with. */
export async function surfacingAborts(send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (err) {
    throw moveAbortOf(err) ?? err;
  }
}

/** The chain's clock: `timestamp_ms` of the Clock object `0x6`. */
export class SdkChainClock implements ChainClock {
  constructor(private readonly atoma: AtomaClient) {}

  nowMs(): Promise<bigint> {
    return chainNowMs(this.atoma);
  }
}

/**
 * The chain's time from the checkpoint stream: the timestamp of the last checkpoint seen
 * (`observe`, fed by `wakeOnCheckpoints`), which the Clock object has reached (a lower bound: a
 * deadline it says has passed, the chain agrees has passed), while a checkpoint came in the last
 * `freshMs`; otherwise `knownMs` says nothing and the caller reads `0x6` (`nowMs`).
 */
export class CheckpointClock implements ChainClock {
  #last: { ms: bigint; at: number } | undefined;

  constructor(
    private readonly read: ChainClock,
    private readonly freshMs = 1_000,
  ) {}

  readonly #listeners: ((ms: bigint) => void)[] = [];

  /** A checkpoint came with its timestamp (ms). */
  observe(timestampMs: bigint | null): void {
    if (timestampMs === null) return;
    const moved = !this.#last || timestampMs > this.#last.ms;
    if (!this.#last || timestampMs >= this.#last.ms) this.#last = { ms: timestampMs, at: Date.now() };
    else this.#last.at = Date.now();
    if (moved) for (const l of this.#listeners) l(timestampMs);
  }

  onAdvance(listener: (ms: bigint) => void): void {
    this.#listeners.push(listener);
  }

  knownMs(): bigint | undefined {
    const l = this.#last;
    return l && Date.now() - l.at <= this.freshMs ? l.ms : undefined;
  }

  async nowMs(): Promise<bigint> {
    const ms = await this.read.nowMs();
    this.observe(ms);
    return ms;
  }
}

export class SdkChainPort implements ChainPort {
  /**
   * Every state change of this node that is batched (commits, reveals, reveal + settle): what
   * falls due together, or while the node's previous transaction is in flight, leaves in one PTB.
   */
  readonly calls: TxBatcher<NodeItem>;

  constructor(private readonly o: SdkPortOptions) {
    // The node's transactions go one at a time (the SDK's signer lane); what falls due while one
    // is in flight goes together in the next (group commit).
    const gate = o.batch === false ? undefined : new Semaphore(1);
    this.calls = new TxBatcher<NodeItem>({
      max: o.batch === false ? 1 : 16,
      ...(gate ? { gate } : {}),
      isRefusal: (err) => moveAbortOf(err) !== undefined,
      one: (item) => this.send([item]),
      many: (items) => this.send(items),
    });
  }

  /** Sends `items` in one PTB (`AtomaClient.nodeCalls`): commits, then reveals, then reveal + settles. */
  private async send(items: NodeItem[]): Promise<void> {
    await surfacingAborts(async () => {
      const nodeCap = await this.nodeCap();
      const sorted = [...items].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
      return this.o.atoma.nodeCalls(
        this.o.signer,
        sorted.map((a) => ({ ...a, nodeCap, nodeId: this.o.nodeId })),
      );
    });
  }

  #nodeCap?: Promise<string>;

  /** This node's NodeCap id (given, or looked up once; a failed lookup is retried next time). */
  nodeCap(): Promise<string> {
    if (this.o.nodeCap) return Promise.resolve(this.o.nodeCap);
    this.#nodeCap ??= findNodeCap(this.o.atoma, this.o.signer.toSuiAddress(), this.o.nodeId).catch((err: unknown) => {
      this.#nodeCap = undefined;
      throw err;
    });
    return this.#nodeCap;
  }

  nextEvents(cursor: string | null, limit: number): Promise<EventBatch> {
    return this.o.events ? this.o.events.nextEvents(cursor, limit) : readEventPage(this.o.atoma, cursor, limit);
  }

  async getRequest(requestId: string): Promise<RequestView> {
    const view = await (this.o.requests ? this.o.requests.getRequest(requestId) : readRequest(this.o.atoma, requestId));
    // A shared read came through another client: this node's transactions name the request in full.
    if (view.initialSharedVersion !== undefined) this.o.atoma.rememberShared(view.id, view.initialSharedVersion);
    return view;
  }

  commit(requestId: string, round: number, outputHash: Uint8Array, salt: Uint8Array): Promise<void> {
    return this.calls.add({ kind: "commit", requestId, round, outputHash, salt });
  }

  reveal(requestId: string, round: number, outputHash: Uint8Array, salt: Uint8Array): Promise<void> {
    return this.calls.add({ kind: "reveal", requestId, round, outputHash, salt });
  }

  revealAndSettle(
    requestId: string,
    round: number,
    outputHash: Uint8Array,
    salt: Uint8Array,
    output?: Uint8Array,
  ): Promise<void> {
    return this.calls.add({
      kind: "revealAndSettle",
      requestId,
      round,
      outputHash,
      salt,
      ...(output ? { output } : {}),
    });
  }

  async settle(requestId: string, post?: OutputPost): Promise<void> {
    await surfacingAborts(async () =>
      post
        ? this.o.atoma.settleAndPostOutput(this.o.signer, { requestId, nodeCap: await this.nodeCap(), ...post })
        : this.o.atoma.settle(this.o.signer, requestId),
    );
  }

  async escalate(requestId: string): Promise<void> {
    await surfacingAborts(() => this.o.atoma.escalate(this.o.signer, requestId));
  }

  async postOutput(requestId: string, post: OutputPost): Promise<void> {
    await surfacingAborts(async () =>
      this.o.atoma.postOutput(this.o.signer, { requestId, nodeCap: await this.nodeCap(), ...post }),
    );
  }
}
