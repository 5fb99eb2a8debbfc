/**
 * Transaction builders for every state-changing public and entry function of the `atoma`
 * package. Each appends its Move call(s) to `tx` and returns the call's result handle.
 *
 * Offline: pass shared objects as `{objectId, initialSharedVersion}`, owned objects as
 * `{objectId, version, digest}` and `randomInitialSharedVersion` for calls that use Random;
 * every pure argument is typed, so `tx.build({ onlyTransactionKind: true })` needs no client.
 * Online: pass plain ids and let the client resolve them.
 */
import type { Transaction, TransactionObjectArgument, TransactionResult } from "@mysten/sui/transactions";
import { hashOutput } from "../crypto/commitment.js";
import { InvalidInputError } from "../errors.js";
import { attestation, cluster, fees, node, registry, request, settlement } from "../generated/atoma/functions.js";
import {
  bytesArg,
  bytesVecArg,
  checkId,
  clockArg,
  idArg,
  type OwnedInput,
  ownedArg,
  type PackageTarget,
  packageOf,
  randomArg,
  type SharedInput,
  sharedArg,
  type U64Input,
  u8,
  u64,
} from "./inputs.js";

export interface WithRegistry extends PackageTarget {
  registry: SharedInput;
}
export interface WithAdmin extends WithRegistry {
  adminCap: OwnedInput;
}
export interface WithNodeCap extends WithRegistry {
  nodeCap: OwnedInput;
}
export interface WithRandom {
  /** Initial shared version of 0x8 (Random) to build offline; resolved online if omitted. */
  randomInitialSharedVersion?: number | string;
}

/** A coin to pay with: an owned coin, a PTB result, or an amount split from the gas coin. */
export type CoinInput = OwnedInput | { fromGas: U64Input };

function coinArg(tx: Transaction, c: CoinInput, field: string): TransactionObjectArgument {
  if (typeof c === "object" && c !== null && "fromGas" in c) {
    const [coin] = tx.splitCoins(tx.gas, [u64(tx, c.fromGas, `${field}.fromGas`)]);
    if (!coin) throw new InvalidInputError(field, "splitCoins returned no coin");
    return coin;
  }
  return ownedArg(tx, c, field);
}

function transferTo(tx: Transaction, obj: TransactionObjectArgument, recipient: string | undefined, field: string) {
  const to = recipient ?? tx.getData().sender;
  if (!to) throw new InvalidInputError(field, "recipient required (or set the transaction sender first)");
  tx.transferObjects([obj], tx.pure.address(checkId(to, field)));
}

// === registry (admin) ===

export function buildSetParam(tx: Transaction, a: WithAdmin & { name: string; value: U64Input }): TransactionResult {
  if (typeof a.name !== "string" || !/^[a-z_]+$/.test(a.name))
    throw new InvalidInputError("name", "must be a Params field name");
  return registry.setParam(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    ownedArg(tx, a.adminCap, "adminCap"),
    tx.pure.vector("u8", new TextEncoder().encode(a.name)),
    u64(tx, a.value, "value"),
  ]);
}

export function buildSetPaused(tx: Transaction, a: WithAdmin & { paused: boolean }): TransactionResult {
  if (typeof a.paused !== "boolean") throw new InvalidInputError("paused", "must be a boolean");
  return registry.setPaused(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    ownedArg(tx, a.adminCap, "adminCap"),
    tx.pure.bool(a.paused),
  ]);
}

function verifierCall(call: typeof registry.addVerifier) {
  return (tx: Transaction, a: WithAdmin & { verifierPk: Uint8Array }): TransactionResult =>
    call(tx, packageOf(a), [
      sharedArg(tx, a.registry, true, "registry"),
      ownedArg(tx, a.adminCap, "adminCap"),
      bytesArg(tx, a.verifierPk, "verifierPk", 32),
    ]);
}
export const buildAddVerifier = verifierCall(registry.addVerifier);
export const buildRemoveVerifier = verifierCall(registry.removeVerifier);

function measurementCall(call: typeof registry.allowMeasurement) {
  return (tx: Transaction, a: WithAdmin & { teeKind: number; measurement: Uint8Array }): TransactionResult =>
    call(tx, packageOf(a), [
      sharedArg(tx, a.registry, true, "registry"),
      ownedArg(tx, a.adminCap, "adminCap"),
      u8(tx, a.teeKind, "teeKind"),
      bytesArg(tx, a.measurement, "measurement"),
    ]);
}
export const buildAllowMeasurement = measurementCall(registry.allowMeasurement);
export const buildDisallowMeasurement = measurementCall(registry.disallowMeasurement);

/** withdraw_treasury; transfers the coin to `recipient` (default: the sender) unless `keep`. */
export function buildWithdrawTreasury(
  tx: Transaction,
  a: WithAdmin & { amount: U64Input; recipient?: string; keep?: boolean },
): TransactionResult {
  const coin = registry.withdrawTreasury(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    ownedArg(tx, a.adminCap, "adminCap"),
    u64(tx, a.amount, "amount"),
  ]);
  if (!a.keep) transferTo(tx, coin, a.recipient, "recipient");
  return coin;
}

export function buildMigrate(tx: Transaction, a: WithAdmin): TransactionResult {
  return registry.migrate(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    ownedArg(tx, a.adminCap, "adminCap"),
  ]);
}

export function buildRevokeAttestation(tx: Transaction, a: WithAdmin & { nodeId: string }): TransactionResult {
  return registry.revokeAttestation(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    ownedArg(tx, a.adminCap, "adminCap"),
    idArg(tx, a.nodeId, "nodeId"),
    clockArg(tx),
  ]);
}

// === node ===

export interface RegisterNodeArgs extends WithRegistry {
  stake: CoinInput;
  sigPk: Uint8Array;
  encPk: Uint8Array;
  capabilities: Uint8Array[];
  price: U64Input;
  /** Who receives the NodeCap (default: the transaction sender). */
  recipient?: string;
  /** Keep the NodeCap in the PTB (returned) instead of transferring it. */
  keep?: boolean;
}

/** register_node; transfers the returned NodeCap to `recipient` (default: the sender). */
export function buildRegisterNode(tx: Transaction, a: RegisterNodeArgs): TransactionResult {
  const cap = node.registerNode(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    coinArg(tx, a.stake, "stake"),
    bytesArg(tx, a.sigPk, "sigPk", 32),
    bytesArg(tx, a.encPk, "encPk", 32),
    bytesVecArg(tx, a.capabilities, "capabilities"),
    u64(tx, a.price, "price"),
  ]);
  if (!a.keep) transferTo(tx, cap, a.recipient, "recipient");
  return cap;
}

/**
 * A node's own shared `NodeAccount` (stake, reputation, counters): its object id is the node id
 * (`NodeCap.node_id`, not the cap's id).
 */
export interface WithNodeAccount extends WithNodeCap {
  nodeAccount: SharedInput;
}

export function buildAddStake(tx: Transaction, a: WithNodeAccount & { coin: CoinInput }): TransactionResult {
  return node.addStake(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    sharedArg(tx, a.nodeAccount, true, "nodeAccount"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    coinArg(tx, a.coin, "coin"),
  ]);
}

export function buildRequestUnstake(tx: Transaction, a: WithNodeAccount): TransactionResult {
  return node.requestUnstake(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    sharedArg(tx, a.nodeAccount, true, "nodeAccount"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    clockArg(tx),
  ]);
}

/**
 * withdraw_stake (reads the Registry, writes only the node's account); transfers the coin to
 * `recipient` (default: the sender) unless `keep`.
 */
export function buildWithdrawStake(
  tx: Transaction,
  a: WithNodeAccount & { recipient?: string; keep?: boolean },
): TransactionResult {
  const coin = node.withdrawStake(tx, packageOf(a), [
    sharedArg(tx, a.registry, false, "registry"),
    sharedArg(tx, a.nodeAccount, true, "nodeAccount"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    clockArg(tx),
  ]);
  if (!a.keep) transferTo(tx, coin, a.recipient, "recipient");
  return coin;
}

export function buildSetPrice(tx: Transaction, a: WithNodeCap & { price: U64Input }): TransactionResult {
  return node.setPrice(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    u64(tx, a.price, "price"),
  ]);
}

/** Publishes the node's ML-KEM-768 key hash `mlkemKeyHash(mlkemPk)` on its record (post-quantum requests need it). */
export function buildSetNodePqKey(tx: Transaction, a: WithNodeCap & { mlkemPkHash: Uint8Array }): TransactionResult {
  return node.setPqKey(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    bytesArg(tx, a.mlkemPkHash, "mlkemPkHash", 32),
  ]);
}

/**
 * The node's account as a read-only shared input: `nodeAccount` when given (offline builds:
 * `{objectId, initialSharedVersion}`), else `nodeId` (the account's id is the node id).
 */
function accountArg(tx: Transaction, a: { nodeId: string; nodeAccount?: SharedInput }): TransactionObjectArgument {
  return sharedArg(tx, a.nodeAccount ?? a.nodeId, false, a.nodeAccount ? "nodeAccount" : "nodeId");
}

/**
 * Anyone: re-syncs a node's sampling weight with its account (after a settlement slashed it, or
 * a `stake_cap` change) and jails it when its stake fell below `min_stake`. Idempotent; reads
 * the account.
 */
export function buildRefreshNode(
  tx: Transaction,
  a: WithRegistry & { nodeId: string; nodeAccount?: SharedInput },
): TransactionResult {
  return registry.refreshNode(tx, packageOf(a), [sharedArg(tx, a.registry, true, "registry"), accountArg(tx, a)]);
}

export function buildSetCapabilities(
  tx: Transaction,
  a: WithNodeCap & { capabilities: Uint8Array[] },
): TransactionResult {
  return node.setCapabilities(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    bytesVecArg(tx, a.capabilities, "capabilities"),
  ]);
}

/** jail: anyone may jail an Active node whose stake fell below min_stake. */
export function buildJail(
  tx: Transaction,
  a: WithRegistry & { nodeId: string; nodeAccount?: SharedInput },
): TransactionResult {
  return node.jail(tx, packageOf(a), [sharedArg(tx, a.registry, true, "registry"), accountArg(tx, a)]);
}

// === attestation ===

export interface RecordAttestationArgs extends WithNodeCap {
  teeKind: number;
  measurement: Uint8Array;
  reportDataHash: Uint8Array;
  evidenceHash: Uint8Array;
  /** When the verifier issued the verdict (signed; refused if at or before the node's last revocation). */
  issuedMs: U64Input;
  expiresMs: U64Input;
  verifierPk: Uint8Array;
  signature: Uint8Array;
}

export function buildRecordAttestation(tx: Transaction, a: RecordAttestationArgs): TransactionResult {
  return attestation.recordAttestation(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    u8(tx, a.teeKind, "teeKind"),
    bytesArg(tx, a.measurement, "measurement"),
    bytesArg(tx, a.reportDataHash, "reportDataHash", 32),
    bytesArg(tx, a.evidenceHash, "evidenceHash", 32),
    u64(tx, a.issuedMs, "issuedMs"),
    u64(tx, a.expiresMs, "expiresMs"),
    bytesArg(tx, a.verifierPk, "verifierPk", 32),
    bytesArg(tx, a.signature, "signature", 64),
    clockArg(tx),
  ]);
}

// === request ===

export interface CreateRequestArgs extends WithRegistry {
  payment: CoinInput;
  /** 0 Inference, 1 Wasm. */
  kind: number;
  capability: Uint8Array;
  inputHash: Uint8Array;
  input: Uint8Array;
  maxTokens?: U64Input;
  fuel?: U64Input;
  /** 0 = the registry default. */
  sampleSize?: U64Input;
  /** 0 = the registry default. */
  quorumBps?: U64Input;
  maxPrice: U64Input;
  confidential?: boolean;
}

/** The arguments create_request and create_and_sample share, registry to confidential. */
function createRequestArgs(tx: Transaction, a: CreateRequestArgs) {
  if (a.confidential !== undefined && typeof a.confidential !== "boolean")
    throw new InvalidInputError("confidential", "must be a boolean");
  return [
    // read-only: creating a request writes no global object (issue 13 B)
    sharedArg(tx, a.registry, false, "registry"),
    coinArg(tx, a.payment, "payment"),
    u8(tx, a.kind, "kind"),
    bytesArg(tx, a.capability, "capability"),
    bytesArg(tx, a.inputHash, "inputHash", 32),
    bytesArg(tx, a.input, "input"),
    u64(tx, a.maxTokens ?? 0, "maxTokens"),
    u64(tx, a.fuel ?? 0, "fuel"),
    u64(tx, a.sampleSize ?? 0, "sampleSize"),
    u64(tx, a.quorumBps ?? 0, "quorumBps"),
    u64(tx, a.maxPrice, "maxPrice"),
    tx.pure.bool(a.confidential ?? false),
  ] as const;
}

/** create_request; returns the handle of the new Request's ID (the object is shared). */
export function buildCreateRequest(tx: Transaction, a: CreateRequestArgs): TransactionResult {
  return request.createRequest(tx, packageOf(a), [...createRequestArgs(tx, a), clockArg(tx)]);
}

/**
 * create_and_sample (entry, Random): create_request then sample_nodes in ONE transaction (a
 * Request shared by create_request cannot be an input of a later command of the same PTB).
 * Uses Random, so it must be the last command of its PTB but for transfers and merges. Returns
 * no value: read the Request id from the RequestCreated event (or the shared object created).
 */
export function buildCreateAndSample(tx: Transaction, a: CreateRequestArgs & WithRandom): TransactionResult {
  return request.createAndSample(tx, packageOf(a), [
    ...createRequestArgs(tx, a),
    randomArg(tx, a.randomInitialSharedVersion),
    clockArg(tx),
  ]);
}

export interface WithRequest extends WithRegistry {
  request: SharedInput;
}

/** sample_nodes (entry, Random): must be the last non-transfer command of its PTB. */
export function buildSampleNodes(tx: Transaction, a: WithRequest & WithRandom): TransactionResult {
  return request.sampleNodes(tx, packageOf(a), [
    sharedArg(tx, a.request, true, "request"),
    sharedArg(tx, a.registry, false, "registry"),
    randomArg(tx, a.randomInitialSharedVersion),
    clockArg(tx),
  ]);
}

export interface NodeOnRequest extends PackageTarget {
  request: SharedInput;
  nodeCap: OwnedInput;
}

export function buildCommit(tx: Transaction, a: NodeOnRequest & { commitment: Uint8Array }): TransactionResult {
  return request.commit(tx, packageOf(a), [
    sharedArg(tx, a.request, true, "request"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    bytesArg(tx, a.commitment, "commitment", 32),
    clockArg(tx),
  ]);
}

/** reveal: `outputHash` is the committed value (`roundValue`: round 0 the blinded hash). */
export function buildReveal(
  tx: Transaction,
  a: NodeOnRequest & { outputHash: Uint8Array; salt: Uint8Array },
): TransactionResult {
  return request.reveal(tx, packageOf(a), [
    sharedArg(tx, a.request, true, "request"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    bytesArg(tx, a.outputHash, "outputHash", 32),
    bytesArg(tx, a.salt, "salt"),
    clockArg(tx),
  ]);
}

/**
 * post_output: `outputHash` is the hash of the plaintext output, which must blind to the agreed
 * `t` (public requests: `blake2b256(output)`, the default).
 */
export function buildPostOutput(
  tx: Transaction,
  a: NodeOnRequest & { output: Uint8Array; outputHash?: Uint8Array },
): TransactionResult {
  return request.postOutput(tx, packageOf(a), [
    sharedArg(tx, a.request, true, "request"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    bytesArg(tx, a.output, "output"),
    bytesArg(tx, a.outputHash ?? hashOutput(a.output), "outputHash", 32),
    clockArg(tx),
  ]);
}

/**
 * accept_output (requester only, confidential requests): the requester, having decrypted the
 * output `nodeId` posted and checked it against the agreed hash, makes it the request's output.
 */
export function buildAcceptOutput(
  tx: Transaction,
  a: PackageTarget & { request: SharedInput; nodeId: string },
): TransactionResult {
  return request.acceptOutput(tx, packageOf(a), [
    sharedArg(tx, a.request, true, "request"),
    idArg(tx, a.nodeId, "nodeId"),
  ]);
}

// === settlement ===

/**
 * The whole settlement of a request in one PTB (issue 13 B stage 2): `settle_begin` (reads the
 * Registry), one `settle_node` per assigned node's account, `settle_end`. `nodes` are the
 * request's assignments' node ids (= their accounts' ids) in assignment order, so the events
 * come in the order one call gave (slashes, then payments, then RequestSettled); give all of
 * them, each once (else `settle_end` aborts with ENodesNotApplied, or `settle_node` with
 * ENodeNotInRequest / ENodeAlreadyApplied). 2 + A commands, A + 2 shared inputs besides the
 * Clock (A <= 3N). Returns settle_end's result.
 */
export function buildSettle(tx: Transaction, a: WithRequest & { nodes: readonly SharedInput[] }): TransactionResult {
  if (!Array.isArray(a.nodes)) throw new InvalidInputError("nodes", "must list the request's assigned node ids");
  const target = packageOf(a);
  const request = sharedArg(tx, a.request, true, "request");
  const s = settlement.settleBegin(tx, target, [request, sharedArg(tx, a.registry, false, "registry"), clockArg(tx)]);
  a.nodes.forEach((n, i) => {
    settlement.settleNode(tx, target, [s, sharedArg(tx, n, true, `nodes[${i}]`)]);
  });
  return settlement.settleEnd(tx, target, [s, request]);
}

/**
 * escalate (entry, Random): must be the last non-transfer command of its PTB. Reads the Registry
 * only; with too few fresh nodes it samples nobody and the next settle fails the request.
 */
export function buildEscalate(tx: Transaction, a: WithRequest & WithRandom): TransactionResult {
  return settlement.escalate(tx, packageOf(a), [
    sharedArg(tx, a.request, true, "request"),
    sharedArg(tx, a.registry, false, "registry"),
    randomArg(tx, a.randomInitialSharedVersion),
    clockArg(tx),
  ]);
}

/** The request and the node's cap a `NodeCall` acts with (the package comes from `buildNodeCalls`' base). */
type CallOnRequest = Omit<NodeOnRequest, "packageId">;

/** One state change of a node on a request, for `buildNodeCalls`. */
export type NodeCall =
  | ({ kind: "commit" } & CallOnRequest & { commitment: Uint8Array })
  /** `revealed`: the committed value (`roundValue`: round 0 the blinded hash). */
  | ({ kind: "reveal" } & CallOnRequest & { revealed: Uint8Array; salt: Uint8Array })
  /**
   * The reveal that completes a round, the settle it makes due (`nodes`: the request's
   * assignments' accounts, as `buildSettle`) and, with `output`, its post (`outputHash`: the
   * plaintext's hash, as `buildPostOutput`).
   */
  | ({ kind: "revealAndSettle" } & CallOnRequest & {
        revealed: Uint8Array;
        salt: Uint8Array;
        nodes: readonly SharedInput[];
        output?: Uint8Array;
        outputHash?: Uint8Array;
      });

/**
 * Several state changes of one node (commits, reveals, reveal + settle [+ post]) in one PTB, in
 * the order given: each call is appended by its own builder (`buildCommit`, `buildReveal`,
 * `buildSettle`, `buildPostOutput`), so a call's commands and inputs are those it has alone. A PTB
 * is atomic: one call that aborts takes the others with it.
 */
export function buildNodeCalls(tx: Transaction, base: WithRegistry, calls: readonly NodeCall[]): void {
  if (calls.length === 0) throw new InvalidInputError("calls", "must list at least one call");
  calls.forEach((c, i) => {
    const target = { packageId: base.packageId, request: c.request, nodeCap: c.nodeCap };
    switch (c.kind) {
      case "commit":
        buildCommit(tx, { ...target, commitment: c.commitment });
        return;
      case "reveal":
        buildReveal(tx, { ...target, outputHash: c.revealed, salt: c.salt });
        return;
      case "revealAndSettle":
        buildReveal(tx, { ...target, outputHash: c.revealed, salt: c.salt });
        buildSettle(tx, { ...base, request: c.request, nodes: c.nodes });
        if (c.output) buildPostOutput(tx, { ...target, output: c.output, outputHash: c.outputHash });
        return;
      default:
        throw new InvalidInputError(`calls[${i}].kind`, `unknown call kind ${String((c as { kind: unknown }).kind)}`);
    }
  });
}

// === fees ===

/**
 * fees::sweep_fees (anyone): moves a Settled or Failed request's protocol income (margin, slashed
 * stake not paid out) into the treasury. One call per request; many fit in one PTB.
 */
export function buildSweepFees(tx: Transaction, a: WithRequest): TransactionResult {
  return fees.sweepFees(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    sharedArg(tx, a.request, true, "request"),
  ]);
}

// === cluster ===

export interface CreateClusterArgs extends WithRegistry {
  members: string[];
  commitment: Uint8Array;
  ackQuorumBps: U64Input;
  recipient?: string;
  keep?: boolean;
}

/**
 * create_cluster; transfers the MasterCap to `recipient` (default: the sender) unless `keep`.
 * `members` are only invited: each becomes a member with its own `buildAcceptMembership`.
 */
export function buildCreateCluster(tx: Transaction, a: CreateClusterArgs): TransactionResult {
  if (!Array.isArray(a.members)) throw new InvalidInputError("members", "must be an array of node ids");
  const cap = cluster.createCluster(tx, packageOf(a), [
    sharedArg(tx, a.registry, false, "registry"),
    tx.pure.vector(
      "id",
      a.members.map((m, i) => checkId(m, `members[${i}]`)),
    ),
    bytesArg(tx, a.commitment, "commitment", 32),
    u64(tx, a.ackQuorumBps, "ackQuorumBps"),
  ]);
  if (!a.keep) transferTo(tx, cap, a.recipient, "recipient");
  return cap;
}

export interface WithCluster extends PackageTarget {
  cluster: SharedInput;
}

export function buildStartRotation(
  tx: Transaction,
  a: WithCluster & { masterCap: OwnedInput; epoch: U64Input; commitment: Uint8Array; deadlineMs: U64Input },
): TransactionResult {
  return cluster.startRotation(tx, packageOf(a), [
    sharedArg(tx, a.cluster, true, "cluster"),
    ownedArg(tx, a.masterCap, "masterCap"),
    u64(tx, a.epoch, "epoch"),
    bytesArg(tx, a.commitment, "commitment", 32),
    u64(tx, a.deadlineMs, "deadlineMs"),
    clockArg(tx),
  ]);
}

export function buildAckRotation(
  tx: Transaction,
  a: WithCluster & { registry: SharedInput; nodeCap: OwnedInput; epoch: U64Input; commitment: Uint8Array },
): TransactionResult {
  return cluster.ackRotation(tx, packageOf(a), [
    sharedArg(tx, a.cluster, true, "cluster"),
    sharedArg(tx, a.registry, false, "registry"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    u64(tx, a.epoch, "epoch"),
    bytesArg(tx, a.commitment, "commitment", 32),
    clockArg(tx),
  ]);
}

export function buildCompleteRotation(tx: Transaction, a: WithCluster & { registry: SharedInput }): TransactionResult {
  return cluster.completeRotation(tx, packageOf(a), [
    sharedArg(tx, a.cluster, true, "cluster"),
    sharedArg(tx, a.registry, false, "registry"),
    clockArg(tx),
  ]);
}

export function buildAbortRotation(tx: Transaction, a: WithCluster): TransactionResult {
  return cluster.abortRotation(tx, packageOf(a), [sharedArg(tx, a.cluster, true, "cluster"), clockArg(tx)]);
}

/** `start_rotation` for a hybrid key: the new key's ML-KEM-768 key hash is recorded with it. */
export function buildStartRotationPq(
  tx: Transaction,
  a: WithCluster & {
    masterCap: OwnedInput;
    epoch: U64Input;
    commitment: Uint8Array;
    mlkemPkHash: Uint8Array;
    deadlineMs: U64Input;
  },
): TransactionResult {
  return cluster.startRotationPq(tx, packageOf(a), [
    sharedArg(tx, a.cluster, true, "cluster"),
    ownedArg(tx, a.masterCap, "masterCap"),
    u64(tx, a.epoch, "epoch"),
    bytesArg(tx, a.commitment, "commitment", 32),
    bytesArg(tx, a.mlkemPkHash, "mlkemPkHash", 32),
    u64(tx, a.deadlineMs, "deadlineMs"),
    clockArg(tx),
  ]);
}

/** The `MasterCap` holder records the current key's ML-KEM-768 key hash (once per key). */
export function buildSetClusterPqKey(
  tx: Transaction,
  a: WithCluster & { masterCap: OwnedInput; mlkemPkHash: Uint8Array },
): TransactionResult {
  return cluster.setPqKey(tx, packageOf(a), [
    sharedArg(tx, a.cluster, true, "cluster"),
    ownedArg(tx, a.masterCap, "masterCap"),
    bytesArg(tx, a.mlkemPkHash, "mlkemPkHash", 32),
  ]);
}

/** The `MasterCap` holder sets the automatic rotation policy (both bounds > 0, else `cluster::EZeroPolicy`). */
export function buildSetRotationPolicy(
  tx: Transaction,
  a: WithCluster & { masterCap: OwnedInput; intervalMs: U64Input; maxBytes: U64Input },
): TransactionResult {
  return cluster.setRotationPolicy(tx, packageOf(a), [
    sharedArg(tx, a.cluster, true, "cluster"),
    ownedArg(tx, a.masterCap, "masterCap"),
    u64(tx, a.intervalMs, "intervalMs"),
    u64(tx, a.maxBytes, "maxBytes"),
    clockArg(tx),
  ]);
}

/** A member reports bytes sealed/opened under the key of `epoch` (batched, not per request). */
export function buildReportSealedBytes(
  tx: Transaction,
  a: WithCluster & { nodeCap: OwnedInput; epoch: U64Input; bytes: U64Input },
): TransactionResult {
  return cluster.reportSealedBytes(tx, packageOf(a), [
    sharedArg(tx, a.cluster, true, "cluster"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    u64(tx, a.epoch, "epoch"),
    u64(tx, a.bytes, "bytes"),
  ]);
}

/** The `MasterCap` holder invites a registered node (a member once it accepts). */
export function buildInviteMember(
  tx: Transaction,
  a: WithCluster & { registry: SharedInput; masterCap: OwnedInput; nodeId: string },
): TransactionResult {
  return cluster.inviteMember(tx, packageOf(a), [
    sharedArg(tx, a.cluster, true, "cluster"),
    sharedArg(tx, a.registry, false, "registry"),
    ownedArg(tx, a.masterCap, "masterCap"),
    idArg(tx, a.nodeId, "nodeId"),
  ]);
}

/** An invited node accepts membership with its own NodeCap. */
export function buildAcceptMembership(tx: Transaction, a: WithCluster & { nodeCap: OwnedInput }): TransactionResult {
  return cluster.acceptMembership(tx, packageOf(a), [
    sharedArg(tx, a.cluster, true, "cluster"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
  ]);
}

/** The `MasterCap` holder removes a member or withdraws an invitation (never the last member). */
export function buildRemoveMember(
  tx: Transaction,
  a: WithCluster & { masterCap: OwnedInput; nodeId: string },
): TransactionResult {
  return cluster.removeMember(tx, packageOf(a), [
    sharedArg(tx, a.cluster, true, "cluster"),
    ownedArg(tx, a.masterCap, "masterCap"),
    idArg(tx, a.nodeId, "nodeId"),
  ]);
}

/** A member leaves (or an invited node declines) with its own NodeCap. */
export function buildLeaveCluster(tx: Transaction, a: WithCluster & { nodeCap: OwnedInput }): TransactionResult {
  return cluster.leaveCluster(tx, packageOf(a), [
    sharedArg(tx, a.cluster, true, "cluster"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
  ]);
}

/** After a package upgrade, the `MasterCap` holder moves its cluster to the new version. */
export function buildMigrateCluster(tx: Transaction, a: WithCluster & { masterCap: OwnedInput }): TransactionResult {
  return cluster.migrate(tx, packageOf(a), [
    sharedArg(tx, a.cluster, true, "cluster"),
    ownedArg(tx, a.masterCap, "masterCap"),
  ]);
}

/** Every `module::function` these builders (and those of tdx.ts and nitro.ts) call, for coverage checks against the bytecode. */
export const ATOMA_TX_TARGETS = [
  "registry::set_param",
  "registry::set_paused",
  "registry::refresh_node",
  "registry::add_verifier",
  "registry::remove_verifier",
  "registry::allow_measurement",
  "registry::disallow_measurement",
  "registry::withdraw_treasury",
  "registry::migrate",
  "registry::revoke_attestation",
  "node::register_node",
  "node::add_stake",
  "node::request_unstake",
  "node::withdraw_stake",
  "node::set_price",
  "node::set_capabilities",
  "node::jail",
  "attestation::record_attestation",
  "registry::set_tdx_root",
  "registry::set_tdx_policy",
  "tdx_attestation::record_tdx_collateral",
  "tdx_attestation::record_tdx_crl",
  "tdx_attestation::record_tdx_attestation",
  "nitro_enclave::record_nitro_attestation",
  "request::create_request",
  "request::create_and_sample",
  "request::sample_nodes",
  "request::commit",
  "request::reveal",
  "request::post_output",
  "request::accept_output",
  "settlement::settle_begin",
  "settlement::settle_node",
  "settlement::settle_end",
  "settlement::escalate",
  "fees::sweep_fees",
  "cluster::create_cluster",
  "cluster::start_rotation",
  "cluster::ack_rotation",
  "cluster::complete_rotation",
  "cluster::abort_rotation",
  "cluster::migrate",
  "node::set_pq_key",
  "cluster::start_rotation_pq",
  "cluster::set_pq_key",
  "cluster::set_rotation_policy",
  "cluster::report_sealed_bytes",
  "cluster::invite_member",
  "cluster::accept_membership",
  "cluster::remove_member",
  "cluster::leave_cluster",
] as const;
