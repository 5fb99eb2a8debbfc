/**
 * The `atoma` package's entry points as pure TypeScript over the values of ./types.ts.
 * Each function mutates the objects passed in (the glue passes clones and keeps them only when
 * the call returns), records events and new coins on `tx.effects`, and throws `MoveAbort` with
 * the same module and error name as the Move code, checks in the same order.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { check, abort as fail } from "./errors.js";
import { addressBytes, RandomGenerator } from "./random.js";
import { sample } from "./sampling.js";
import {
  type AdminCap,
  type Assignment,
  type Cluster,
  type Effects,
  FailureReason,
  type MasterCap,
  MoveAbort,
  type Node,
  type NodeCap,
  NodeStatus,
  PARAM_NAMES,
  type Params,
  type Registry,
  type Request,
  RequestStatus,
  SlashReason,
  StakeReason,
  VERSION,
} from "./types.js";

/** What the transaction supplies: sender, clock, fresh object ids, the Random object's bytes. */
export interface ProtocolContext {
  sender: string;
  /** Clock `0x6` timestamp in ms. */
  nowMs: bigint;
  /** `tx_context::fresh_object_address()`: the next id derived from the tx digest. */
  freshId(): string;
  /** `Random` (0x8) inner `random_bytes`. */
  randomBytes?: Uint8Array;
}

export class Tx {
  readonly effects: Effects = { events: [], coins: [], inputs: [], shared: [] };
  constructor(readonly ctx: ProtocolContext) {}
  get now(): bigint {
    return this.ctx.nowMs;
  }
  emit(name: string, fields: Record<string, unknown>): void {
    this.effects.events.push({ name, fields });
  }
  coin(to: string | null, amount: bigint, reason: Effects["coins"][number]["reason"]): string {
    const id = this.ctx.freshId();
    this.effects.coins.push({ id, to, amount, reason });
    return id;
  }
}

export const BPS = 10_000n;
const MAX_OUTPUT_BYTES = 16_384n;
const DAY_MS = 86_400_000n;

export function blake2b256(...parts: Uint8Array[]): Uint8Array {
  return blake2b(concat(...parts), { dkLen: 32 });
}
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
function eq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
function uleb(n: number): Uint8Array {
  const out: number[] = [];
  let v = n;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Uint8Array.from(out);
}
function bcsBytes(b: Uint8Array): Uint8Array {
  return concat(uleb(b.length), b);
}
function bcsU64(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
}
/** Sui address of an Ed25519 public key: blake2b256(0x00 ‖ pk). */
export function ed25519Address(pk: Uint8Array): string {
  return `0x${toHex(blake2b256(Uint8Array.of(0), pk))}`;
}
/** blake2b256(output_hash ‖ node_id ‖ salt). */
export function resultCommitment(outputHash: Uint8Array, nodeId: string, salt: Uint8Array): Uint8Array {
  return blake2b256(outputHash, addressBytes(nodeId), salt);
}
/** The message an allow-listed verifier signs for `record_attestation`. */
export function attestationMessage(
  nodeId: string,
  teeKind: number,
  measurement: Uint8Array,
  reportDataHash: Uint8Array,
  evidenceHash: Uint8Array,
  issuedMs: bigint,
  expiresMs: bigint,
): Uint8Array {
  return concat(
    new TextEncoder().encode("ATOMA_ATTESTATION_V2"),
    addressBytes(nodeId),
    Uint8Array.of(teeKind),
    bcsBytes(measurement),
    bcsBytes(reportDataHash),
    bcsBytes(evidenceHash),
    bcsU64(issuedMs),
    bcsU64(expiresMs),
  );
}

// ============================== registry ==============================

/** `registry::init`: the Registry (shared) and the AdminCap (to the publisher), ids in that order. */
export function init(tx: Tx, params: Params): { registry: Registry; adminCap: AdminCap } {
  const registry: Registry = {
    id: tx.ctx.freshId(),
    version: VERSION,
    params: { ...params },
    paused: false,
    nodes: new Map(),
    eligible: new Map(),
    verifiers: [],
    measurements: [],
    treasury: 0n,
    node_count: 0n,
    request_count: 0n,
  };
  // Table UIDs (nodes, eligible) take fresh ids in Move.
  tx.ctx.freshId();
  tx.ctx.freshId();
  const adminCap: AdminCap = { id: tx.ctx.freshId() };
  return { registry, adminCap };
}

/** `registry::assert_version`. */
function assertVersion(r: Registry): void {
  check(r.version === VERSION, "registry", "EWrongVersion");
}
/** `registry::assert_live`: version, then pause. */
function assertLive(r: Registry): void {
  check(r.version === VERSION, "registry", "EWrongVersion");
  check(!r.paused, "registry", "EPaused");
}
/** `registry::node(r, id)`: the record, or `registry::EUnknownNode`. */
function nodeRef(r: Registry, id: string): Node {
  const n = r.nodes.get(id);
  if (!n) fail("registry", "EUnknownNode");
  return n;
}
/** `r.nodes[id]` on a missing key: `sui::dynamic_field::EFieldDoesNotExist`. */
function nodeIndex(r: Registry, id: string): Node {
  const n = r.nodes.get(id);
  if (!n) throw new MoveAbort("dynamic_field", "EFieldDoesNotExist", 1);
  return n;
}

const DAY = DAY_MS;
/** `config::MAX_ELIGIBLE`: Sui loads at most 1_000 child objects per transaction. */
export const MAX_ELIGIBLE = 900n;
/** `config::set`: bounds in the same if-chain order as config.move. */
function configSet(p: Params, name: string, v: bigint): void {
  const ok = (c: boolean) => check(c, "config", "EParamOutOfBounds");
  switch (name) {
    case "min_stake":
      ok(v >= 1_000_000_000n && v <= p.stake_cap);
      break;
    case "stake_cap":
      ok(v >= p.min_stake);
      break;
    case "max_sample_size":
      ok(v >= 1n && v <= 64n && v >= p.default_sample_size);
      break;
    case "default_sample_size":
      ok(v >= 1n && v <= p.max_sample_size);
      break;
    case "commit_window_ms":
    case "reveal_window_ms":
      ok(v >= 10_000n && v <= 7n * DAY);
      break;
    case "quorum_bps":
      ok(v >= 5_001n && v <= BPS);
      break;
    case "margin_bps":
      ok(v <= 5_000n);
      break;
    case "slash_dissent_bps":
    case "slash_absent_bps":
      ok(v <= BPS);
      break;
    case "unbonding_ms":
      ok(v <= 90n * DAY);
      break;
    case "attestation_validity_ms":
      ok(v >= 60_000n && v <= 30n * DAY);
      break;
    case "max_inline_bytes":
      ok(v >= 1_024n && v <= 131_072n);
      break;
    case "max_eligible_per_capability":
      ok(v >= 1n && v <= MAX_ELIGIBLE);
      break;
    case "rotation_grace_ms":
      ok(v <= 7n * DAY);
      break;
    default:
      fail("config", "EUnknownParam");
  }
  p[name as keyof Params] = v;
}

/** `name` is the ASCII field name, as raw bytes (non-UTF-8 bytes never match a name). */
export function setParam(_tx: Tx, registry: Registry, _cap: AdminCap, name: Uint8Array, value: bigint): void {
  assertVersion(registry);
  const key = new TextDecoder("utf-8", { fatal: false }).decode(name);
  const known = (PARAM_NAMES as readonly string[]).includes(key) && eq(new TextEncoder().encode(key), name);
  configSet(registry.params, known ? key : "\u0000unknown", value);
}

export function setPaused(_tx: Tx, registry: Registry, _cap: AdminCap, paused: boolean): void {
  assertVersion(registry);
  registry.paused = paused;
}

export function addVerifier(_tx: Tx, registry: Registry, _cap: AdminCap, pk: Uint8Array): void {
  assertVersion(registry);
  check(pk.length === 32, "registry", "EInvalidKey");
  check(!registry.verifiers.some((v) => eq(v, pk)), "registry", "EVerifierExists");
  registry.verifiers.push(Uint8Array.from(pk));
}

export function removeVerifier(_tx: Tx, registry: Registry, _cap: AdminCap, pk: Uint8Array): void {
  assertVersion(registry);
  const i = registry.verifiers.findIndex((v) => eq(v, pk));
  check(i >= 0, "registry", "EUnknownVerifier");
  registry.verifiers.splice(i, 1);
}

export function allowMeasurement(
  _tx: Tx,
  registry: Registry,
  _cap: AdminCap,
  teeKind: number,
  measurement: Uint8Array,
): void {
  assertVersion(registry);
  check(teeKind >= 1 && teeKind <= 4, "registry", "EInvalidTeeKind");
  check(measurement.length >= 1 && measurement.length <= 128, "registry", "EInvalidMeasurement");
  let entry = registry.measurements.find((e) => e.key === teeKind);
  if (!entry) {
    entry = { key: teeKind, value: [] };
    registry.measurements.push(entry);
  }
  if (!entry.value.some((m) => eq(m, measurement))) entry.value.push(Uint8Array.from(measurement));
}

export function disallowMeasurement(
  _tx: Tx,
  registry: Registry,
  _cap: AdminCap,
  teeKind: number,
  measurement: Uint8Array,
): void {
  assertVersion(registry);
  const entry = registry.measurements.find((e) => e.key === teeKind);
  if (!entry) fail("registry", "EUnknownMeasurement");
  const i = entry.value.findIndex((m) => eq(m, measurement));
  check(i >= 0, "registry", "EUnknownMeasurement");
  entry.value.splice(i, 1);
}

/** Returns the new coin's id (returned to the PTB). */
export function withdrawTreasury(tx: Tx, registry: Registry, _cap: AdminCap, amount: bigint): string {
  assertVersion(registry);
  check(registry.treasury >= amount, "registry", "EInsufficientTreasury");
  registry.treasury -= amount;
  return tx.coin(null, amount, "withdraw_treasury");
}

export function migrate(_tx: Tx, registry: Registry, _cap: AdminCap): void {
  check(registry.version < VERSION, "registry", "ENotUpgrade");
  registry.version = VERSION;
}

export function revokeAttestation(tx: Tx, registry: Registry, _cap: AdminCap, nodeId: string): void {
  assertVersion(registry);
  const node = registry.nodes.get(nodeId);
  if (!node) fail("registry", "EUnknownNode");
  if (!node.attestation) fail("registry", "ENoAttestation");
  node.attestation.revoked = true;
  node.attestation_floor_ms = tx.now;
  tx.emit("AttestationRevoked", { node_id: nodeId, revoked_by: tx.ctx.sender, revoked_ms: tx.now });
}

// registry internals (package-private in Move)

function joinEligible(registry: Registry, node: Node): void {
  const max = registry.params.max_eligible_per_capability;
  for (const c of node.capabilities) {
    const key = toHex(c);
    let list = registry.eligible.get(key);
    if (!list) {
      list = [];
      registry.eligible.set(key, list);
    }
    check(BigInt(list.length) < max, "registry", "ECapabilityFull");
    list.push(node.node_id);
  }
}

function leaveEligible(registry: Registry, node: Node): void {
  for (const c of node.capabilities) {
    const list = registry.eligible.get(toHex(c));
    if (!list) continue;
    const i = list.indexOf(node.node_id);
    if (i >= 0) swapRemove(list, i);
  }
}

/** `vector::swap_remove`. */
export function swapRemove<T>(v: T[], i: number): T {
  const last = v.length - 1;
  const out = v[i]!;
  v[i] = v[last]!;
  v.pop();
  return out;
}

function setStatus(tx: Tx, node: Node, status: number): void {
  const old = node.status;
  if (old === status) return;
  node.status = status;
  tx.emit("NodeStatusChanged", {
    node_id: node.node_id,
    old_status: old,
    new_status: status,
    unbonding_until_ms: node.unbonding_until_ms,
  });
}

/** `registry::jail_if_low`. */
function jailIfLow(tx: Tx, registry: Registry, node: Node): boolean {
  if (node.status === NodeStatus.Active && node.stake < registry.params.min_stake) {
    leaveEligible(registry, node);
    setStatus(tx, node, NodeStatus.Jailed);
    return true;
  }
  return false;
}

/**
 * `registry::slash`: `bps` of (stake + unbonding), from stake first; reputation −penalty (floor 0);
 * StakeChanged (reason 3, only when stake moved), NodeSlashed; jails when low. Returns the amount.
 */
export function slashNode(
  tx: Tx,
  registry: Registry,
  requestId: string,
  node: Node,
  bps: bigint,
  reason: number,
  penalty: bigint,
): bigint {
  const old = node.stake;
  const amount = ((old + node.unbonding) * bps) / BPS;
  const fromStake = amount < old ? amount : old;
  node.stake -= fromStake;
  node.unbonding -= amount - fromStake;
  node.slashed += amount;
  node.reputation = node.reputation > penalty ? node.reputation - penalty : 0n;
  if (fromStake > 0n)
    tx.emit("StakeChanged", { node_id: node.node_id, old_stake: old, new_stake: node.stake, reason: 3 });
  tx.emit("NodeSlashed", { request_id: requestId, node_id: node.node_id, amount, reason, remaining_stake: node.stake });
  jailIfLow(tx, registry, node);
  return amount;
}

// ============================== node ==============================

function checkCapabilities(caps: Uint8Array[]): void {
  const n = caps.length;
  check(n >= 1 && n <= 16, "node", "EInvalidCapability");
  for (let i = 0; i < n; i++) {
    const c = caps[i]!;
    check(c.length >= 1 && c.length <= 64, "node", "EInvalidCapability");
    for (let j = i + 1; j < n; j++) check(!eq(caps[j]!, c), "node", "EInvalidCapability");
  }
}

/** `stake` is the value of the Coin<SUI> passed in (consumed whole). */
export function registerNode(
  tx: Tx,
  registry: Registry,
  stake: bigint,
  sigPk: Uint8Array,
  encPk: Uint8Array,
  capabilities: Uint8Array[],
  price: bigint,
): NodeCap {
  assertLive(registry);
  check(stake >= registry.params.min_stake, "node", "EStakeTooLow");
  check(sigPk.length === 32 && encPk.length === 32, "node", "EInvalidKey");
  checkCapabilities(capabilities);
  const id = tx.ctx.freshId();
  const node: Node = {
    node_id: id,
    operator: tx.ctx.sender,
    stake,
    unbonding: 0n,
    unbonding_until_ms: 0n,
    sig_pk: Uint8Array.from(sigPk),
    enc_pk: Uint8Array.from(encPk),
    capabilities: capabilities.map((c) => Uint8Array.from(c)),
    price,
    reputation: 1_000n,
    status: NodeStatus.Active,
    attestation: null,
    served: 0n,
    earned: 0n,
    slashed: 0n,
    attestation_floor_ms: 0n,
  };
  tx.emit("NodeRegistered", {
    node_id: id,
    operator: node.operator,
    stake,
    sig_pk: node.sig_pk,
    enc_pk: node.enc_pk,
    capabilities: node.capabilities,
    price,
  });
  registry.nodes.set(id, node);
  registry.node_count += 1n;
  joinEligible(registry, node);
  tx.effects.inputs.push({ taken: stake, returnedTo: null });
  return { id, node_id: id };
}

export function addStake(tx: Tx, registry: Registry, cap: NodeCap, amount: bigint): void {
  assertLive(registry);
  check(amount > 0n, "node", "EZeroAmount");
  const node = nodeRef(registry, cap.node_id);
  check(node.status !== NodeStatus.Leaving, "node", "ENodeLeaving");
  const old = node.stake;
  node.stake += amount;
  tx.effects.inputs.push({ taken: amount, returnedTo: null });
  tx.emit("StakeChanged", { node_id: node.node_id, old_stake: old, new_stake: node.stake, reason: StakeReason.Added });
  if (node.status === NodeStatus.Jailed && node.stake >= registry.params.min_stake) {
    setStatus(tx, node, NodeStatus.Active);
    joinEligible(registry, node);
  }
}

export function requestUnstake(tx: Tx, registry: Registry, cap: NodeCap): void {
  assertLive(registry);
  const node = nodeRef(registry, cap.node_id);
  check(node.status !== NodeStatus.Leaving, "node", "ENodeLeaving");
  if (node.status === NodeStatus.Active) leaveEligible(registry, node);
  const old = node.stake;
  node.unbonding += old;
  node.stake = 0n;
  node.unbonding_until_ms = tx.now + registry.params.unbonding_ms;
  tx.emit("StakeChanged", {
    node_id: node.node_id,
    old_stake: old,
    new_stake: 0n,
    reason: StakeReason.UnstakeRequested,
  });
  setStatus(tx, node, NodeStatus.Leaving);
}

/** Returns the new coin's id (returned to the PTB). */
export function withdrawStake(tx: Tx, registry: Registry, cap: NodeCap): string {
  assertLive(registry);
  check(nodeRef(registry, cap.node_id).status === NodeStatus.Leaving, "node", "ENotLeaving");
  const node = nodeRef(registry, cap.node_id);
  check(tx.now >= node.unbonding_until_ms, "node", "EStillUnbonding");
  const amount = node.unbonding;
  node.unbonding = 0n;
  tx.emit("StakeChanged", { node_id: node.node_id, old_stake: amount, new_stake: 0n, reason: StakeReason.Withdrawn });
  return tx.coin(null, amount, "withdraw_stake");
}

export function setPrice(tx: Tx, registry: Registry, cap: NodeCap, price: bigint): void {
  assertLive(registry);
  const node = nodeIndex(registry, cap.node_id);
  node.price = price;
  tx.emit("NodeUpdated", { node_id: node.node_id, price, capabilities: node.capabilities });
}

export function setCapabilities(tx: Tx, registry: Registry, cap: NodeCap, capabilities: Uint8Array[]): void {
  assertLive(registry);
  checkCapabilities(capabilities);
  const node = nodeIndex(registry, cap.node_id);
  const active = node.status === NodeStatus.Active;
  if (active) leaveEligible(registry, node);
  node.capabilities = capabilities.map((c) => Uint8Array.from(c));
  if (active) joinEligible(registry, node);
  tx.emit("NodeUpdated", { node_id: node.node_id, price: node.price, capabilities: node.capabilities });
}

/** Anyone: jails an Active node whose stake is below `min_stake`. */
export function jail(tx: Tx, registry: Registry, nodeId: string): void {
  assertVersion(registry);
  const node = nodeRef(registry, nodeId);
  check(jailIfLow(tx, registry, node), "node", "ENotJailable");
}

// ============================== attestation ==============================

/** Attested at `t`: an attestation with tee_kind != 0, not revoked, expires_ms > t. */
export function isAttested(node: Node, t: bigint): boolean {
  const a = node.attestation;
  return a !== null && a.tee_kind !== 0 && !a.revoked && a.expires_ms > t;
}

export function recordAttestation(
  tx: Tx,
  registry: Registry,
  cap: NodeCap,
  teeKind: number,
  measurement: Uint8Array,
  reportDataHash: Uint8Array,
  evidenceHash: Uint8Array,
  issuedMs: bigint,
  expiresMs: bigint,
  verifierPk: Uint8Array,
  signature: Uint8Array,
): void {
  assertLive(registry);
  const nodeId = cap.node_id;
  const now = tx.now;
  check(
    registry.verifiers.some((v) => eq(v, verifierPk)),
    "attestation",
    "EUnknownVerifier",
  );
  check(teeKind <= 4, "attestation", "EInvalidTeeKind");
  const node = nodeRef(registry, nodeId);
  check(eq(reportDataHash, blake2b256(node.sig_pk, node.enc_pk)), "attestation", "EReportDataMismatch");
  check(evidenceHash.length === 32, "attestation", "EInvalidHash");
  check(issuedMs <= now, "attestation", "EIssuedInFuture");
  check(issuedMs > node.attestation_floor_ms, "attestation", "EIssuedBeforeRevocation");
  check(expiresMs > now, "attestation", "EAttestationExpired");
  check(expiresMs <= issuedMs + registry.params.attestation_validity_ms, "attestation", "EValidityTooLong");
  const allowed = registry.measurements.find((e) => e.key === teeKind)?.value ?? [];
  check(teeKind === 0 || allowed.some((m) => eq(m, measurement)), "attestation", "EMeasurementNotAllowed");
  const msg = attestationMessage(nodeId, teeKind, measurement, reportDataHash, evidenceHash, issuedMs, expiresMs);
  check(ed25519Verify(signature, verifierPk, msg), "attestation", "EBadVerdictSignature");
  const verifier = ed25519Address(verifierPk);
  tx.emit("AttestationRecorded", {
    node_id: nodeId,
    tee_kind: teeKind,
    measurement: Uint8Array.from(measurement),
    report_data_hash: Uint8Array.from(reportDataHash),
    evidence_hash: Uint8Array.from(evidenceHash),
    verifier,
    recorded_ms: now,
    expires_ms: expiresMs,
    issued_ms: issuedMs,
  });
  node.attestation = {
    tee_kind: teeKind,
    measurement: Uint8Array.from(measurement),
    report_data_hash: Uint8Array.from(reportDataHash),
    evidence_hash: Uint8Array.from(evidenceHash),
    verifier,
    recorded_ms: now,
    expires_ms: expiresMs,
    revoked: false,
  };
}

/** `sui::ed25519::ed25519_verify`: false (never an abort) on malformed input. */
export function ed25519Verify(signature: Uint8Array, pk: Uint8Array, msg: Uint8Array): boolean {
  if (signature.length !== 64 || pk.length !== 32) return false;
  try {
    return ed25519.verify(signature, msg, pk);
  } catch {
    return false;
  }
}

// ============================== request ==============================

const U64_MAX = (1n << 64n) - 1n;

/** `request::escrow_for`: N × max_price × (10_000 + margin_bps) / 10_000, `EInvalidPrice` past u64. */
export function escrowFor(n: bigint, maxPrice: bigint, marginBps: bigint): bigint {
  const e = (n * maxPrice * (BPS + marginBps)) / BPS;
  check(e <= U64_MAX, "request", "EInvalidPrice");
  return e;
}

export interface CreateRequestArgs {
  kind: number;
  capability: Uint8Array;
  input_hash: Uint8Array;
  input: Uint8Array;
  max_tokens: bigint;
  fuel: bigint;
  sample_size: bigint;
  quorum_bps: bigint;
  max_price: bigint;
  confidential: boolean;
}

/** `create_request`: `payment` is the value of the Coin<SUI> passed in. Returns the Request (shared). */
export function createRequest(tx: Tx, registry: Registry, payment: bigint, a: CreateRequestArgs): Request {
  const request = newRequest(tx, registry, payment, a);
  tx.effects.shared.push(request);
  return request;
}

/**
 * `entry create_and_sample`: `create_request` then `sample_nodes` in one call (one transaction).
 * Same checks and events (RequestCreated, then NodesSampled); the Request takes the first fresh
 * id, the generator the next (`random::new_generator`), then the Request is shared, Sampled.
 */
export function createAndSample(tx: Tx, registry: Registry, payment: bigint, a: CreateRequestArgs): Request {
  const request = newRequest(tx, registry, payment, a);
  const g = newGenerator(tx);
  sampleWith(tx, request, registry, g);
  tx.effects.shared.push(request);
  return request;
}

/** `request::new`: checks, escrow, change, RequestCreated; the Request is not shared yet. */
export function newRequest(tx: Tx, registry: Registry, payment: bigint, a: CreateRequestArgs): Request {
  assertLive(registry);
  const p = registry.params;
  const n = a.sample_size === 0n ? p.default_sample_size : a.sample_size;
  const q = a.quorum_bps === 0n ? p.quorum_bps : a.quorum_bps;
  check(a.kind <= 1, "request", "EInvalidKind");
  check(a.capability.length >= 1 && a.capability.length <= 64, "request", "EInvalidCapability");
  check(n >= 1n && n <= p.max_sample_size, "request", "EInvalidSampleSize");
  check(q >= 5_001n && q <= BPS, "request", "EInvalidQuorum");
  check(a.input_hash.length === 32, "request", "EInvalidHash");
  check(BigInt(a.input.length) <= p.max_inline_bytes, "request", "EInputTooLarge");
  check(a.max_price > 0n, "request", "EInvalidPrice");
  const escrow = escrowFor(n, a.max_price, p.margin_bps);
  check(payment >= escrow, "request", "EInsufficientPayment");
  tx.effects.inputs.push({ taken: escrow, returnedTo: payment > escrow ? tx.ctx.sender : null });
  const now = tx.now;
  const request: Request = {
    id: tx.ctx.freshId(),
    version: VERSION,
    requester: tx.ctx.sender,
    kind: a.kind,
    capability: Uint8Array.from(a.capability),
    input_hash: Uint8Array.from(a.input_hash),
    input: Uint8Array.from(a.input),
    max_tokens: a.max_tokens,
    fuel: a.fuel,
    sample_size: n,
    quorum_bps: q,
    confidential: a.confidential,
    max_price: a.max_price,
    escrow,
    status: RequestStatus.Created,
    round: 0,
    created_ms: now,
    sample_deadline_ms: now + p.commit_window_ms,
    commit_deadline_ms: 0n,
    reveal_deadline_ms: 0n,
    dispute_deadline_ms: 0n,
    assignments: [],
    agreed_output_hash: null,
    output: new Uint8Array(),
    output_node: null,
    settled_ms: 0n,
  };
  registry.request_count += 1n;
  tx.emit("RequestCreated", {
    request_id: request.id,
    requester: request.requester,
    kind: a.kind,
    capability: request.capability,
    input_hash: request.input_hash,
    sample_size: n,
    quorum_bps: q,
    confidential: a.confidential,
    max_price: a.max_price,
    escrow,
    created_ms: now,
  });
  return request;
}

function requestVersion(r: Request): void {
  check(r.version === VERSION, "request", "EWrongVersion");
}

/** `random::new_generator(r, ctx)`: takes the tx's next fresh address. */
export function newGenerator(tx: Tx): RandomGenerator {
  const bytes = tx.ctx.randomBytes;
  if (!bytes) throw new TypeError("ProtocolContext.randomBytes: a call taking Random needs the Random state bytes");
  return RandomGenerator.create(bytes, tx.ctx.freshId());
}

/** `request::start_round`. */
function startRound(tx: Tx, registry: Registry, request: Request, nodes: string[], round: number): void {
  const p = registry.params;
  for (const id of nodes) {
    request.assignments.push({
      node_id: id,
      round,
      price: nodeRef(registry, id).price,
      commitment: new Uint8Array(),
      output_hash: new Uint8Array(),
      committed: false,
      revealed: false,
    });
  }
  request.round = round;
  request.status = RequestStatus.Sampled;
  request.commit_deadline_ms = tx.now + p.commit_window_ms;
  request.reveal_deadline_ms = request.commit_deadline_ms + p.reveal_window_ms;
  tx.emit("NodesSampled", {
    request_id: request.id,
    round,
    nodes: [...nodes],
    commit_deadline_ms: request.commit_deadline_ms,
    reveal_deadline_ms: request.reveal_deadline_ms,
  });
}

export function sampleNodes(tx: Tx, request: Request, registry: Registry): void {
  const g = newGenerator(tx);
  sampleWith(tx, request, registry, g);
}

/** `request::sample_with` (the generator already made). */
export function sampleWith(tx: Tx, request: Request, registry: Registry, g: RandomGenerator): void {
  requestVersion(request);
  assertLive(registry);
  const now = tx.now;
  check(request.status === RequestStatus.Created, "request", "EWrongStatus");
  check(now < request.sample_deadline_ms, "request", "EDeadlinePassed");
  const nodes = sample(
    registry,
    request.capability,
    request.sample_size,
    request.max_price,
    request.confidential,
    [],
    now,
    g,
  );
  check(BigInt(nodes.length) === request.sample_size, "request", "ENotEnoughNodes");
  startRound(tx, registry, request, nodes, 0);
}

function findAssignment(request: Request, nodeId: string, round: number): Assignment | undefined {
  return request.assignments.find((a) => a.node_id === nodeId && a.round === round);
}

export function commit(tx: Tx, request: Request, cap: NodeCap, commitment: Uint8Array): void {
  requestVersion(request);
  const nodeId = cap.node_id;
  const a = findAssignment(request, nodeId, request.round);
  if (!a) fail("request", "ENotSampled");
  check(request.status === RequestStatus.Sampled, "request", "EWrongStatus");
  check(tx.now < request.commit_deadline_ms, "request", "EDeadlinePassed");
  check(commitment.length === 32, "request", "EInvalidHash");
  check(!a.committed, "request", "EAlreadyCommitted");
  a.committed = true;
  a.commitment = Uint8Array.from(commitment);
  tx.emit("ResultCommitted", {
    request_id: request.id,
    node_id: nodeId,
    round: request.round,
    commitment: a.commitment,
  });
  if (request.assignments.every((x) => x.round !== request.round || x.committed))
    request.status = RequestStatus.Revealing;
}

export function reveal(tx: Tx, request: Request, cap: NodeCap, outputHash: Uint8Array, salt: Uint8Array): void {
  requestVersion(request);
  const now = tx.now;
  const nodeId = cap.node_id;
  if (request.status === RequestStatus.Sampled && now >= request.commit_deadline_ms) {
    request.status = RequestStatus.Revealing;
  }
  check(request.status === RequestStatus.Revealing, "request", "ERevealTooEarly");
  check(now < request.reveal_deadline_ms, "request", "EDeadlinePassed");
  const a = findAssignment(request, nodeId, request.round);
  if (!a) fail("request", "ENotSampled");
  check(a.committed, "request", "ENotCommitted");
  check(!a.revealed, "request", "EAlreadyRevealed");
  check(outputHash.length === 32, "request", "EInvalidHash");
  check(eq(resultCommitment(outputHash, nodeId, salt), a.commitment), "request", "ECommitmentMismatch");
  a.revealed = true;
  a.output_hash = Uint8Array.from(outputHash);
  tx.emit("ResultRevealed", {
    request_id: request.id,
    node_id: nodeId,
    round: request.round,
    output_hash: a.output_hash,
  });
}

export function postOutput(tx: Tx, request: Request, cap: NodeCap, output: Uint8Array): void {
  requestVersion(request);
  check(request.status === RequestStatus.Settled, "request", "EWrongStatus");
  const nodeId = cap.node_id;
  const agreed = request.agreed_output_hash!;
  check(
    request.assignments.some((a) => a.node_id === nodeId && a.revealed && eq(a.output_hash, agreed)),
    "request",
    "ENotAgreeing",
  );
  check(BigInt(output.length) <= MAX_OUTPUT_BYTES, "request", "EOutputTooLarge");
  // Public outputs only (this TS copy does not mirror the confidential per-node posts / accept_output).
  check(request.confidential || request.output_node === null, "request", "EOutputAlreadyPosted");
  check(request.confidential || eq(blake2b256(output), agreed), "request", "EOutputMismatch");
  request.output = Uint8Array.from(output);
  request.output_node = nodeId;
  tx.emit("OutputPosted", { request_id: request.id, node_id: nodeId, size: BigInt(output.length) });
}

// read API
export const isSettled = (r: Request): boolean => r.status === RequestStatus.Settled;
export const isFailed = (r: Request): boolean => r.status === RequestStatus.Failed;
export const sampledNodes = (r: Request, round: number): string[] =>
  r.assignments.filter((a) => a.round === round).map((a) => a.node_id);

// ============================== settlement ==============================

const REP_ABSENT = 5n;
const REP_DISSENT = 10n;

/** Distinct revealed hashes (first-reveal order) with counts, over rounds <= `maxRound`. */
function tally(request: Request, maxRound: number): { hashes: Uint8Array[]; counts: bigint[]; revealers: bigint } {
  const hashes: Uint8Array[] = [];
  const counts: bigint[] = [];
  let revealers = 0n;
  for (const a of request.assignments) {
    if (a.round <= maxRound && a.revealed) {
      revealers += 1n;
      const i = hashes.findIndex((h) => eq(h, a.output_hash));
      if (i >= 0) counts[i] = counts[i]! + 1n;
      else {
        hashes.push(a.output_hash);
        counts.push(1n);
      }
    }
  }
  return { hashes, counts, revealers };
}

/** Slashes non-revealers (absent) and, when `winner` is given, revealers of another hash. Returns the pool. */
function slashAll(tx: Tx, request: Request, registry: Registry, winner: Uint8Array | null): bigint {
  const p = registry.params;
  let pool = 0n;
  for (const a of request.assignments) {
    const node = nodeIndex(registry, a.node_id);
    if (!a.revealed)
      pool += slashNode(tx, registry, request.id, node, p.slash_absent_bps, SlashReason.Absent, REP_ABSENT);
    else if (winner !== null && !eq(a.output_hash, winner))
      pool += slashNode(tx, registry, request.id, node, p.slash_dissent_bps, SlashReason.Dissent, REP_DISSENT);
  }
  return pool;
}

function payOrDestroy(tx: Tx, amount: bigint, to: string, reason: "payout" | "refund"): void {
  if (amount > 0n) tx.coin(to, amount, reason);
}

function settleWith(tx: Tx, request: Request, registry: Registry, winner: Uint8Array, now: bigint): void {
  let pool = slashAll(tx, request, registry, winner);
  const slashedTotal = pool;
  const agreeing: string[] = [];
  let paid = 0n;
  for (const a of [...request.assignments]) {
    if (!(a.revealed && eq(a.output_hash, winner))) continue;
    const fromPool = a.price < pool ? a.price : pool;
    pool -= fromPool;
    const rest = a.price - fromPool;
    const fromEscrow = rest < request.escrow ? rest : request.escrow;
    request.escrow -= fromEscrow;
    const amount = fromPool + fromEscrow;
    paid += amount;
    const node = nodeIndex(registry, a.node_id);
    node.served += 1n;
    node.earned += amount;
    node.reputation += 1n;
    tx.emit("NodePaid", { request_id: request.id, node_id: a.node_id, amount });
    payOrDestroy(tx, amount, nodeRef(registry, a.node_id).operator, "payout");
    agreeing.push(a.node_id);
  }
  const want = (paid * registry.params.margin_bps) / BPS;
  const margin = want < request.escrow ? want : request.escrow;
  request.escrow -= margin;
  const refund = request.escrow;
  request.escrow = 0n;
  registry.treasury += margin + pool;
  payOrDestroy(tx, refund, request.requester, "refund");
  const rounds = request.round + 1;
  request.status = RequestStatus.Settled;
  request.agreed_output_hash = Uint8Array.from(winner);
  request.settled_ms = now;
  tx.emit("RequestSettled", {
    request_id: request.id,
    output_hash: request.agreed_output_hash,
    agreeing,
    paid_total: paid,
    slashed_total: slashedTotal,
    margin,
    refund,
    rounds,
    settled_ms: now,
  });
}

function failRequest(tx: Tx, request: Request, registry: Registry, reason: number, now: bigint): void {
  const pool = slashAll(tx, request, registry, null);
  registry.treasury += pool;
  const refund = request.escrow;
  request.escrow = 0n;
  payOrDestroy(tx, refund, request.requester, "refund");
  request.status = RequestStatus.Failed;
  request.settled_ms = now;
  tx.emit("RequestFailed", { request_id: request.id, reason, refund });
}

/** Anyone; works while paused. */
export function settle(tx: Tx, request: Request, registry: Registry): void {
  // `assert_version_settleable`: an older request can be settled by a newer package.
  check(request.version <= VERSION, "request", "EWrongVersion");
  assertVersion(registry);
  const now = tx.now;
  const status = request.status;
  if (status === RequestStatus.Created) {
    check(now >= request.sample_deadline_ms, "settlement", "EWrongStatus");
    failRequest(tx, request, registry, FailureReason.NeverSampled, now);
  } else if (status === RequestStatus.Sampled || status === RequestStatus.Revealing) {
    const round = request.round;
    const allRevealed = request.assignments.every((a) => a.round !== round || a.revealed);
    check(allRevealed || now >= request.reveal_deadline_ms, "settlement", "ESettleTooEarly");
    const { hashes, counts, revealers } = tally(request, round);
    if (round === 0) {
      const n = request.sample_size;
      if (hashes.length === 1 && revealers * BPS >= request.quorum_bps * n) {
        settleWith(tx, request, registry, hashes[0]!, now);
      } else {
        request.status = RequestStatus.Disputed;
        request.dispute_deadline_ms = now + registry.params.commit_window_ms;
        tx.emit("DisputeOpened", { request_id: request.id, output_hashes: hashes, escalation_size: 2n * n });
      }
    } else {
      const q = request.quorum_bps;
      const i = counts.findIndex((c) => c * BPS >= q * revealers);
      if (revealers >= 1n && i >= 0) settleWith(tx, request, registry, hashes[i]!, now);
      else failRequest(tx, request, registry, FailureReason.NoQuorum, now);
    }
  } else if (status === RequestStatus.Disputed) {
    check(now >= request.dispute_deadline_ms, "settlement", "EWrongStatus");
    failRequest(tx, request, registry, FailureReason.NoQuorum, now);
  } else {
    fail("settlement", "EWrongStatus");
  }
}

/** `entry escalate`: the generator is made first (it takes a fresh id), then the checks. */
export function escalate(tx: Tx, request: Request, registry: Registry): void {
  const g = newGenerator(tx);
  escalateWith(tx, request, registry, g);
}

export function escalateWith(tx: Tx, request: Request, registry: Registry, g: RandomGenerator): void {
  requestVersion(request);
  assertLive(registry);
  const now = tx.now;
  check(request.status === RequestStatus.Disputed, "settlement", "ENotDisputed");
  check(now < request.dispute_deadline_ms, "settlement", "EDeadlinePassed");
  const exclude = sampledNodes(request, 0);
  const nodes = sample(
    registry,
    request.capability,
    2n * request.sample_size,
    request.max_price,
    request.confidential,
    exclude,
    now,
    g,
  );
  if (nodes.length === 0) failRequest(tx, request, registry, FailureReason.NoEligibleNodes, now);
  else startRound(tx, registry, request, nodes, 1);
}

// ============================== cluster ==============================

function clusterVersion(c: Cluster): void {
  check(c.version === VERSION, "cluster", "EWrongVersion");
}

/** Returns the Cluster (shared) and the MasterCap (returned to the PTB); ids in that order. */
export function createCluster(
  tx: Tx,
  registry: Registry,
  members: string[],
  commitment: Uint8Array,
  ackQuorumBps: bigint,
): { cluster: Cluster; cap: MasterCap } {
  assertLive(registry);
  const n = members.length;
  check(n >= 1 && n <= 64, "cluster", "EInvalidMembers");
  for (let i = 0; i < n; i++) {
    check(registry.nodes.has(members[i]!), "cluster", "EUnknownNode");
    for (let j = i + 1; j < n; j++) check(members[i] !== members[j], "cluster", "EInvalidMembers");
  }
  check(commitment.length === 32, "cluster", "EInvalidHash");
  check(ackQuorumBps >= 1n && ackQuorumBps <= BPS, "cluster", "EInvalidQuorum");
  const cluster: Cluster = {
    id: tx.ctx.freshId(),
    version: VERSION,
    members: [...members],
    epoch: 0n,
    commitment: Uint8Array.from(commitment),
    previous_commitment: new Uint8Array(),
    previous_valid_until_ms: 0n,
    ack_quorum_bps: ackQuorumBps,
    pending: null,
  };
  tx.emit("ClusterCreated", {
    cluster_id: cluster.id,
    members: [...members],
    epoch: 0n,
    commitment: cluster.commitment,
  });
  const cap: MasterCap = { id: tx.ctx.freshId(), cluster_id: cluster.id };
  tx.effects.shared.push(cluster);
  return { cluster, cap };
}

/** Acks needed: ceil(ack_quorum_bps × members / 10_000). */
export function ackQuorum(c: Cluster): bigint {
  return (c.ack_quorum_bps * BigInt(c.members.length) + 9_999n) / BPS;
}

export function startRotation(
  tx: Tx,
  cluster: Cluster,
  cap: MasterCap,
  epoch: bigint,
  commitment: Uint8Array,
  deadlineMs: bigint,
): void {
  clusterVersion(cluster);
  check(cap.cluster_id === cluster.id, "cluster", "EWrongCap");
  check(cluster.pending === null, "cluster", "ERotationPending");
  check(epoch === cluster.epoch + 1n, "cluster", "EWrongEpoch");
  check(commitment.length === 32, "cluster", "EInvalidHash");
  check(deadlineMs > tx.now, "cluster", "EInvalidDeadline");
  cluster.pending = { epoch, commitment: Uint8Array.from(commitment), acks: [], deadline_ms: deadlineMs };
  tx.emit("KeyRotationStarted", {
    cluster_id: cluster.id,
    epoch,
    commitment: cluster.pending.commitment,
    deadline_ms: deadlineMs,
    ack_quorum: ackQuorum(cluster),
  });
}

export function ackRotation(tx: Tx, cluster: Cluster, registry: Registry, cap: NodeCap, epoch: bigint): void {
  clusterVersion(cluster);
  assertLive(registry);
  const now = tx.now;
  const nodeId = cap.node_id;
  const p = cluster.pending;
  if (!p) fail("cluster", "ENoRotation");
  check(cluster.members.includes(nodeId), "cluster", "ENotMember");
  check(isAttested(nodeRef(registry, nodeId), now), "cluster", "ENotAttested");
  check(p.epoch === epoch, "cluster", "EWrongEpoch");
  check(now < p.deadline_ms, "cluster", "EDeadlinePassed");
  check(!p.acks.includes(nodeId), "cluster", "EAlreadyAcked");
  p.acks.push(nodeId);
  tx.emit("KeyRotationAcked", { cluster_id: cluster.id, epoch, node_id: nodeId, acks: BigInt(p.acks.length) });
}

export function completeRotation(tx: Tx, cluster: Cluster, registry: Registry): void {
  clusterVersion(cluster);
  assertVersion(registry);
  const p = cluster.pending;
  if (!p) fail("cluster", "ENoRotation");
  const now = tx.now;
  check(
    BigInt(p.acks.length) * BPS >= cluster.ack_quorum_bps * BigInt(cluster.members.length),
    "cluster",
    "EQuorumNotReached",
  );
  cluster.pending = null;
  const grace = now + registry.params.rotation_grace_ms;
  cluster.previous_commitment = cluster.commitment;
  cluster.previous_valid_until_ms = grace;
  cluster.commitment = p.commitment;
  cluster.epoch = p.epoch;
  tx.emit("KeyRotationCompleted", {
    cluster_id: cluster.id,
    epoch: p.epoch,
    commitment: p.commitment,
    previous_commitment: cluster.previous_commitment,
    grace_until_ms: grace,
  });
}

export function abortRotation(tx: Tx, cluster: Cluster): void {
  clusterVersion(cluster);
  const p = cluster.pending;
  if (!p) fail("cluster", "ENoRotation");
  check(tx.now >= p.deadline_ms, "cluster", "EDeadlineNotPassed");
  cluster.pending = null;
  tx.emit("KeyRotationAborted", { cluster_id: cluster.id, epoch: p.epoch });
}

/** Current commitment, or the previous one within its grace period. */
export function isValidCommitment(c: Cluster, commitment: Uint8Array, nowMs: bigint): boolean {
  return eq(commitment, c.commitment) || (eq(commitment, c.previous_commitment) && nowMs < c.previous_valid_until_ms);
}
