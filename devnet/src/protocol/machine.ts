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
import { sampleWeighted } from "./sampling.js";
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
  readonly effects: Effects = { events: [], coins: [], shared: [], consumed: 0n };
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
  expiresMs: bigint,
): Uint8Array {
  return concat(
    new TextEncoder().encode("ATOMA_ATTESTATION_V1"),
    addressBytes(nodeId),
    Uint8Array.of(teeKind),
    bcsBytes(measurement),
    bcsBytes(reportDataHash),
    bcsBytes(evidenceHash),
    bcsU64(expiresMs),
  );
}

// ============================== registry ==============================

/** `init`: the Registry (shared) and the AdminCap (to the publisher). */
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
  const adminCap: AdminCap = { id: tx.ctx.freshId() };
  return { registry, adminCap };
}

function registryVersion(r: Registry, module: "registry" | "node" | "attestation" | "request" | "cluster"): void {
  check(r.version === VERSION, module, "EWrongVersion");
}
function notPaused(r: Registry, module: "node" | "attestation" | "request"): void {
  check(!r.paused, module, "EPaused");
}

const PARAM_BOUNDS: Record<keyof Params, (v: bigint, p: Params) => boolean> = {
  min_stake: (v) => v >= 1_000_000_000n,
  stake_cap: (v, p) => v >= p.min_stake,
  max_sample_size: (v) => v >= 1n && v <= 64n,
  default_sample_size: (v, p) => v >= 1n && v <= p.max_sample_size,
  commit_window_ms: (v) => v >= 10_000n && v <= 7n * DAY_MS,
  reveal_window_ms: (v) => v >= 10_000n && v <= 7n * DAY_MS,
  quorum_bps: (v) => v >= 5_001n && v <= BPS,
  margin_bps: (v) => v <= 5_000n,
  slash_dissent_bps: (v) => v <= BPS,
  slash_absent_bps: (v) => v <= BPS,
  unbonding_ms: (v) => v <= 90n * DAY_MS,
  attestation_validity_ms: (v) => v >= 60_000n && v <= 30n * DAY_MS,
  max_inline_bytes: (v) => v >= 1_024n && v <= 131_072n,
  max_eligible_per_capability: (v) => v >= 1n && v <= 2_048n,
  rotation_grace_ms: (v) => v >= 10_000n && v <= 7n * DAY_MS,
};

export function setParam(_tx: Tx, registry: Registry, _cap: AdminCap, name: Uint8Array, value: bigint): void {
  registryVersion(registry, "registry");
  const key = new TextDecoder().decode(name) as keyof Params;
  if (!(PARAM_NAMES as readonly string[]).includes(key)) fail("registry", "EUnknownParam");
  check(PARAM_BOUNDS[key](value, registry.params), "registry", "EParamOutOfBounds");
  registry.params[key] = value;
}

export function setPaused(_tx: Tx, registry: Registry, _cap: AdminCap, paused: boolean): void {
  registryVersion(registry, "registry");
  registry.paused = paused;
}

export function addVerifier(_tx: Tx, registry: Registry, _cap: AdminCap, pk: Uint8Array): void {
  registryVersion(registry, "registry");
  check(pk.length === 32, "registry", "EInvalidKey");
  if (!registry.verifiers.some((v) => eq(v, pk))) registry.verifiers.push(Uint8Array.from(pk));
}

export function removeVerifier(_tx: Tx, registry: Registry, _cap: AdminCap, pk: Uint8Array): void {
  registryVersion(registry, "registry");
  check(pk.length === 32, "registry", "EInvalidKey");
  const i = registry.verifiers.findIndex((v) => eq(v, pk));
  if (i >= 0) registry.verifiers.splice(i, 1);
}

export function allowMeasurement(
  _tx: Tx,
  registry: Registry,
  _cap: AdminCap,
  teeKind: number,
  measurement: Uint8Array,
): void {
  registryVersion(registry, "registry");
  check(teeKind <= 4, "registry", "EInvalidTeeKind");
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
  registryVersion(registry, "registry");
  const entry = registry.measurements.find((e) => e.key === teeKind);
  if (!entry) return;
  const i = entry.value.findIndex((m) => eq(m, measurement));
  if (i >= 0) entry.value.splice(i, 1);
}

/** Returns the new coin's id (returned to the PTB). */
export function withdrawTreasury(tx: Tx, registry: Registry, _cap: AdminCap, amount: bigint): string {
  registryVersion(registry, "registry");
  if (registry.treasury < amount) throw new MoveAbort("balance", "ENotEnough", 2);
  registry.treasury -= amount;
  return tx.coin(null, amount, "withdraw_treasury");
}

export function migrate(_tx: Tx, registry: Registry, _cap: AdminCap): void {
  check(registry.version < VERSION, "registry", "ENotUpgrade");
  registry.version = VERSION;
}

export function revokeAttestation(tx: Tx, registry: Registry, _cap: AdminCap, nodeId: string): void {
  registryVersion(registry, "registry");
  const node = registry.nodes.get(nodeId);
  if (!node) fail("registry", "EUnknownNode");
  if (!node.attestation) fail("registry", "ENoAttestation");
  node.attestation.revoked = true;
  tx.emit("AttestationRevoked", { node_id: nodeId, revoked_by: tx.ctx.sender });
}

// ============================== node ==============================

function validCapabilities(caps: Uint8Array[]): boolean {
  return caps.length >= 1 && caps.length <= 16 && caps.every((c) => c.length >= 1 && c.length <= 64);
}

function joinEligible(registry: Registry, node: Node): void {
  for (const c of node.capabilities) {
    const list = registry.eligible.get(toHex(c)) ?? [];
    if (!list.includes(node.node_id)) {
      check(BigInt(list.length) < registry.params.max_eligible_per_capability, "node", "ECapabilityFull");
      list.push(node.node_id);
    }
    registry.eligible.set(toHex(c), list);
  }
}

function leaveEligible(registry: Registry, node: Node): void {
  for (const c of node.capabilities) {
    const list = registry.eligible.get(toHex(c));
    if (!list) continue;
    const i = list.indexOf(node.node_id);
    if (i >= 0) list.splice(i, 1);
  }
}

function nodeOf(registry: Registry, cap: NodeCap): Node {
  const node = registry.nodes.get(cap.node_id);
  if (!node) fail("node", "EUnknownNode");
  return node;
}

function setStatus(tx: Tx, node: Node, status: number): void {
  const old = node.status;
  node.status = status;
  tx.emit("NodeStatusChanged", {
    node_id: node.node_id,
    old_status: old,
    new_status: status,
    unbonding_until_ms: node.unbonding_until_ms,
  });
}

export function registerNode(
  tx: Tx,
  registry: Registry,
  stake: bigint,
  sigPk: Uint8Array,
  encPk: Uint8Array,
  capabilities: Uint8Array[],
  price: bigint,
): NodeCap {
  registryVersion(registry, "node");
  notPaused(registry, "node");
  check(stake >= registry.params.min_stake, "node", "EStakeTooLow");
  check(sigPk.length === 32 && encPk.length === 32, "node", "EInvalidKey");
  check(validCapabilities(capabilities), "node", "EInvalidCapability");
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
  };
  joinEligible(registry, node);
  registry.nodes.set(id, node);
  registry.node_count += 1n;
  tx.effects.consumed += stake;
  tx.emit("NodeRegistered", {
    node_id: id,
    operator: node.operator,
    stake,
    sig_pk: node.sig_pk,
    enc_pk: node.enc_pk,
    capabilities: node.capabilities,
    price,
  });
  return { id, node_id: id };
}

export function addStake(tx: Tx, registry: Registry, cap: NodeCap, amount: bigint): void {
  registryVersion(registry, "node");
  notPaused(registry, "node");
  const node = nodeOf(registry, cap);
  check(node.status !== NodeStatus.Leaving, "node", "ENodeLeaving");
  const old = node.stake;
  node.stake += amount;
  tx.effects.consumed += amount;
  tx.emit("StakeChanged", { node_id: node.node_id, old_stake: old, new_stake: node.stake, reason: StakeReason.Added });
  if (node.status === NodeStatus.Jailed && node.stake >= registry.params.min_stake) {
    joinEligible(registry, node);
    setStatus(tx, node, NodeStatus.Active);
  }
}

export function requestUnstake(tx: Tx, registry: Registry, cap: NodeCap): void {
  registryVersion(registry, "node");
  notPaused(registry, "node");
  const node = nodeOf(registry, cap);
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
  registryVersion(registry, "node");
  notPaused(registry, "node");
  const node = nodeOf(registry, cap);
  check(node.status === NodeStatus.Leaving, "node", "ENotLeaving");
  check(tx.now >= node.unbonding_until_ms, "node", "EStillUnbonding");
  const amount = node.unbonding;
  node.unbonding = 0n;
  tx.emit("StakeChanged", { node_id: node.node_id, old_stake: amount, new_stake: 0n, reason: StakeReason.Withdrawn });
  return tx.coin(null, amount, "withdraw_stake");
}

export function setPrice(tx: Tx, registry: Registry, cap: NodeCap, price: bigint): void {
  registryVersion(registry, "node");
  notPaused(registry, "node");
  const node = nodeOf(registry, cap);
  node.price = price;
  tx.emit("NodeUpdated", { node_id: node.node_id, price, capabilities: node.capabilities });
}

export function setCapabilities(tx: Tx, registry: Registry, cap: NodeCap, capabilities: Uint8Array[]): void {
  registryVersion(registry, "node");
  notPaused(registry, "node");
  const node = nodeOf(registry, cap);
  check(validCapabilities(capabilities), "node", "EInvalidCapability");
  const active = node.status === NodeStatus.Active;
  if (active) leaveEligible(registry, node);
  node.capabilities = capabilities.map((c) => Uint8Array.from(c));
  if (active) joinEligible(registry, node);
  tx.emit("NodeUpdated", { node_id: node.node_id, price: node.price, capabilities: node.capabilities });
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
  expiresMs: bigint,
  verifierPk: Uint8Array,
  signature: Uint8Array,
): void {
  registryVersion(registry, "attestation");
  notPaused(registry, "attestation");
  const node = registry.nodes.get(cap.node_id);
  if (!node) fail("attestation", "EUnknownNode");
  check(
    registry.verifiers.some((v) => eq(v, verifierPk)),
    "attestation",
    "EUnknownVerifier",
  );
  check(teeKind <= 4, "attestation", "EInvalidTeeKind");
  check(eq(reportDataHash, blake2b256(node.sig_pk, node.enc_pk)), "attestation", "EReportDataMismatch");
  check(tx.now < expiresMs, "attestation", "EAttestationExpired");
  check(expiresMs <= tx.now + registry.params.attestation_validity_ms, "attestation", "EValidityTooLong");
  if (teeKind !== 0) {
    const allowed = registry.measurements.find((e) => e.key === teeKind)?.value ?? [];
    check(
      allowed.some((m) => eq(m, measurement)),
      "attestation",
      "EMeasurementNotAllowed",
    );
  }
  const msg = attestationMessage(node.node_id, teeKind, measurement, reportDataHash, evidenceHash, expiresMs);
  let ok = false;
  try {
    ok = signature.length === 64 && ed25519.verify(signature, msg, verifierPk);
  } catch {
    ok = false;
  }
  check(ok, "attestation", "EBadVerdictSignature");
  const verifier = ed25519Address(verifierPk);
  node.attestation = {
    tee_kind: teeKind,
    measurement: Uint8Array.from(measurement),
    report_data_hash: Uint8Array.from(reportDataHash),
    evidence_hash: Uint8Array.from(evidenceHash),
    verifier,
    recorded_ms: tx.now,
    expires_ms: expiresMs,
    revoked: false,
  };
  tx.emit("AttestationRecorded", {
    node_id: node.node_id,
    tee_kind: teeKind,
    measurement: node.attestation.measurement,
    report_data_hash: node.attestation.report_data_hash,
    evidence_hash: node.attestation.evidence_hash,
    verifier,
    recorded_ms: tx.now,
    expires_ms: expiresMs,
  });
}

// ============================== request ==============================

export function escrowFor(n: bigint, maxPrice: bigint, marginBps: bigint): bigint {
  return (n * maxPrice * (BPS + marginBps)) / BPS;
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
  const p = registry.params;
  registryVersion(registry, "request");
  notPaused(registry, "request");
  check(a.kind <= 1, "request", "EInvalidKind");
  const n = a.sample_size === 0n ? p.default_sample_size : a.sample_size;
  check(n >= 1n && n <= p.max_sample_size, "request", "EInvalidSampleSize");
  const quorum = a.quorum_bps === 0n ? p.quorum_bps : a.quorum_bps;
  check(quorum >= 5_001n && quorum <= BPS, "request", "EInvalidQuorum");
  check(a.input_hash.length === 32, "request", "EInvalidHash");
  check(BigInt(a.input.length) <= p.max_inline_bytes, "request", "EInputTooLarge");
  check(a.max_price > 0n, "request", "EInvalidPrice");
  const escrow = escrowFor(n, a.max_price, p.margin_bps);
  check(payment >= escrow, "request", "EInsufficientPayment");
  const id = tx.ctx.freshId();
  const request: Request = {
    id,
    version: VERSION,
    requester: tx.ctx.sender,
    kind: a.kind,
    capability: Uint8Array.from(a.capability),
    input_hash: Uint8Array.from(a.input_hash),
    input: Uint8Array.from(a.input),
    max_tokens: a.max_tokens,
    fuel: a.fuel,
    sample_size: n,
    quorum_bps: quorum,
    confidential: a.confidential,
    max_price: a.max_price,
    escrow,
    status: RequestStatus.Created,
    round: 0,
    created_ms: tx.now,
    sample_deadline_ms: tx.now + p.commit_window_ms,
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
  tx.effects.consumed += payment;
  if (payment > escrow) tx.coin(tx.ctx.sender, payment - escrow, "change");
  tx.effects.shared.push(request);
  tx.emit("RequestCreated", {
    request_id: id,
    requester: request.requester,
    kind: a.kind,
    capability: request.capability,
    input_hash: request.input_hash,
    sample_size: n,
    quorum_bps: quorum,
    confidential: a.confidential,
    max_price: a.max_price,
    escrow,
    created_ms: tx.now,
  });
  return request;
}

/** Candidates for a sample: Active nodes of the capability (attested when confidential), minus `exclude`. */
export function candidates(registry: Registry, request: Request, now: bigint, exclude: string[]): Node[] {
  const ids = registry.eligible.get(toHex(request.capability)) ?? [];
  const out: Node[] = [];
  for (const id of ids) {
    const node = registry.nodes.get(id);
    if (!node || node.status !== NodeStatus.Active) continue;
    if (request.confidential && !isAttested(node, now)) continue;
    if (exclude.includes(id)) continue;
    out.push(node);
  }
  return out;
}

function newGenerator(tx: Tx): RandomGenerator {
  const bytes = tx.ctx.randomBytes;
  if (!bytes) throw new TypeError("ProtocolContext.randomBytes: a call taking Random needs the Random state bytes");
  return RandomGenerator.create(bytes, tx.ctx.freshId());
}

function assign(tx: Tx, registry: Registry, request: Request, nodes: Node[], round: number): void {
  for (const node of nodes) {
    const a: Assignment = {
      node_id: node.node_id,
      round,
      price: node.price,
      commitment: new Uint8Array(),
      output_hash: new Uint8Array(),
      committed: false,
      revealed: false,
    };
    request.assignments.push(a);
  }
  request.round = round;
  request.status = RequestStatus.Sampled;
  request.commit_deadline_ms = tx.now + registry.params.commit_window_ms;
  request.reveal_deadline_ms = request.commit_deadline_ms + registry.params.reveal_window_ms;
  tx.emit("NodesSampled", {
    request_id: request.id,
    round,
    nodes: nodes.map((n) => n.node_id),
    commit_deadline_ms: request.commit_deadline_ms,
    reveal_deadline_ms: request.reveal_deadline_ms,
  });
}

export function sampleNodes(tx: Tx, request: Request, registry: Registry): void {
  check(request.version === VERSION, "request", "EWrongVersion");
  registryVersion(registry, "request");
  notPaused(registry, "request");
  check(request.status === RequestStatus.Created, "request", "EWrongStatus");
  check(tx.now < request.sample_deadline_ms, "request", "EDeadlinePassed");
  const pool = candidates(registry, request, tx.now, []);
  check(BigInt(pool.length) >= request.sample_size, "request", "ENotEnoughNodes");
  const g = newGenerator(tx);
  const picked = sampleWeighted(g, pool, Number(request.sample_size), registry.params.stake_cap);
  assign(tx, registry, request, picked, 0);
}

function assignmentOf(request: Request, nodeId: string): Assignment | undefined {
  return request.assignments.find((a) => a.node_id === nodeId && a.round === request.round);
}

export function commit(tx: Tx, request: Request, cap: NodeCap, commitment: Uint8Array): void {
  check(request.version === VERSION, "request", "EWrongVersion");
  const a = assignmentOf(request, cap.node_id);
  if (!a) fail("request", "ENotSampled");
  check(request.status === RequestStatus.Sampled, "request", "EWrongStatus");
  check(tx.now < request.commit_deadline_ms, "request", "EDeadlinePassed");
  check(commitment.length === 32, "request", "EInvalidHash");
  check(!a.committed, "request", "EAlreadyCommitted");
  a.commitment = Uint8Array.from(commitment);
  a.committed = true;
  tx.emit("ResultCommitted", {
    request_id: request.id,
    node_id: cap.node_id,
    round: request.round,
    commitment: a.commitment,
  });
  if (request.assignments.filter((x) => x.round === request.round).every((x) => x.committed)) {
    request.status = RequestStatus.Revealing;
  }
}

export function reveal(tx: Tx, request: Request, cap: NodeCap, outputHash: Uint8Array, salt: Uint8Array): void {
  check(request.version === VERSION, "request", "EWrongVersion");
  check(
    request.status === RequestStatus.Sampled || request.status === RequestStatus.Revealing,
    "request",
    "EWrongStatus",
  );
  check(
    request.status === RequestStatus.Revealing || tx.now >= request.commit_deadline_ms,
    "request",
    "ERevealTooEarly",
  );
  const a = assignmentOf(request, cap.node_id);
  if (!a) fail("request", "ENotSampled");
  check(tx.now < request.reveal_deadline_ms, "request", "EDeadlinePassed");
  check(a.committed, "request", "ENotCommitted");
  check(!a.revealed, "request", "EAlreadyRevealed");
  check(eq(resultCommitment(outputHash, cap.node_id, salt), a.commitment), "request", "ECommitmentMismatch");
  request.status = RequestStatus.Revealing;
  a.output_hash = Uint8Array.from(outputHash);
  a.revealed = true;
  tx.emit("ResultRevealed", {
    request_id: request.id,
    node_id: cap.node_id,
    round: request.round,
    output_hash: a.output_hash,
  });
}

export function postOutput(tx: Tx, request: Request, cap: NodeCap, output: Uint8Array): void {
  check(request.version === VERSION, "request", "EWrongVersion");
  check(request.status === RequestStatus.Settled, "request", "EWrongStatus");
  const agreed = request.agreed_output_hash!;
  check(
    request.assignments.some((a) => a.node_id === cap.node_id && a.revealed && eq(a.output_hash, agreed)),
    "request",
    "ENotAgreeing",
  );
  check(request.output_node === null, "request", "EOutputAlreadyPosted");
  check(BigInt(output.length) <= MAX_OUTPUT_BYTES, "request", "EOutputTooLarge");
  request.output = Uint8Array.from(output);
  request.output_node = cap.node_id;
  tx.emit("OutputPosted", { request_id: request.id, node_id: cap.node_id, size: BigInt(output.length) });
}

// read API
export const isSettled = (r: Request): boolean => r.status === RequestStatus.Settled;
export const isFailed = (r: Request): boolean => r.status === RequestStatus.Failed;
export const sampledNodes = (r: Request, round: number): string[] =>
  r.assignments.filter((a) => a.round === round).map((a) => a.node_id);

// ============================== settlement ==============================

interface SlashPool {
  pool: bigint;
  total: bigint;
}

function slash(tx: Tx, registry: Registry, request: Request, nodeId: string, reason: number, s: SlashPool): void {
  const node = registry.nodes.get(nodeId)!;
  const bps = reason === SlashReason.Absent ? registry.params.slash_absent_bps : registry.params.slash_dissent_bps;
  const amount = (node.stake * bps) / BPS;
  const old = node.stake;
  node.stake -= amount;
  node.slashed += amount;
  const penalty = reason === SlashReason.Absent ? 5n : 10n;
  node.reputation = node.reputation > penalty ? node.reputation - penalty : 0n;
  s.pool += amount;
  s.total += amount;
  tx.emit("NodeSlashed", { request_id: request.id, node_id: nodeId, amount, reason, remaining_stake: node.stake });
  tx.emit("StakeChanged", { node_id: nodeId, old_stake: old, new_stake: node.stake, reason: StakeReason.Slashed });
  if (node.status === NodeStatus.Active && node.stake < registry.params.min_stake) {
    leaveEligible(registry, node);
    setStatus(tx, node, NodeStatus.Jailed);
  }
}

function slashAbsent(tx: Tx, registry: Registry, request: Request, s: SlashPool): void {
  for (const a of request.assignments) if (!a.revealed) slash(tx, registry, request, a.node_id, SlashReason.Absent, s);
}

function fail_(tx: Tx, registry: Registry, request: Request, reason: number): void {
  const s: SlashPool = { pool: 0n, total: 0n };
  if (reason !== FailureReason.NeverSampled) slashAbsent(tx, registry, request, s);
  const refund = request.escrow;
  request.escrow = 0n;
  registry.treasury += s.pool;
  request.status = RequestStatus.Failed;
  request.settled_ms = tx.now;
  if (refund > 0n) tx.coin(request.requester, refund, "refund");
  tx.emit("RequestFailed", { request_id: request.id, reason, refund });
}

function settleWith(tx: Tx, registry: Registry, request: Request, winner: Uint8Array, afterDispute: boolean): void {
  const s: SlashPool = { pool: 0n, total: 0n };
  for (const a of request.assignments) {
    if (!a.revealed) slash(tx, registry, request, a.node_id, SlashReason.Absent, s);
    else if (afterDispute && !eq(a.output_hash, winner))
      slash(tx, registry, request, a.node_id, SlashReason.Dissent, s);
  }
  let paid = 0n;
  const agreeing: string[] = [];
  for (const a of request.assignments) {
    if (!a.revealed || !eq(a.output_hash, winner)) continue;
    const node = registry.nodes.get(a.node_id)!;
    let want = a.price;
    const fromPool = want < s.pool ? want : s.pool;
    s.pool -= fromPool;
    want -= fromPool;
    const fromEscrow = want < request.escrow ? want : request.escrow;
    request.escrow -= fromEscrow;
    const amount = fromPool + fromEscrow;
    paid += amount;
    agreeing.push(a.node_id);
    node.served += 1n;
    node.earned += amount;
    node.reputation += 1n;
    if (amount > 0n) tx.coin(node.operator, amount, "payout");
    tx.emit("NodePaid", { request_id: request.id, node_id: a.node_id, amount });
  }
  const wantMargin = (paid * registry.params.margin_bps) / BPS;
  const margin = wantMargin < request.escrow ? wantMargin : request.escrow;
  request.escrow -= margin;
  registry.treasury += margin + s.pool;
  const refund = request.escrow;
  request.escrow = 0n;
  if (refund > 0n) tx.coin(request.requester, refund, "refund");
  request.status = RequestStatus.Settled;
  request.agreed_output_hash = Uint8Array.from(winner);
  request.settled_ms = tx.now;
  tx.emit("RequestSettled", {
    request_id: request.id,
    output_hash: request.agreed_output_hash,
    agreeing,
    paid_total: paid,
    slashed_total: s.total,
    margin,
    refund,
    rounds: request.round + 1,
    settled_ms: tx.now,
  });
}

export function settle(tx: Tx, request: Request, registry: Registry): void {
  check(request.version === VERSION, "settlement", "EWrongVersion");
  check(registry.version === VERSION, "settlement", "EWrongVersion");
  const st = request.status;
  if (st === RequestStatus.Created && tx.now >= request.sample_deadline_ms) {
    fail_(tx, registry, request, FailureReason.NeverSampled);
    return;
  }
  if (st === RequestStatus.Disputed && tx.now >= request.dispute_deadline_ms) {
    fail_(tx, registry, request, FailureReason.NoQuorum);
    return;
  }
  check(st === RequestStatus.Sampled || st === RequestStatus.Revealing, "settlement", "EWrongStatus");
  const round = request.assignments.filter((a) => a.round === request.round);
  check(round.every((a) => a.revealed) || tx.now >= request.reveal_deadline_ms, "settlement", "ESettleTooEarly");
  if (request.round === 0) {
    const revealed = round.filter((a) => a.revealed);
    const hashes = distinct(revealed.map((a) => a.output_hash));
    const n = request.sample_size;
    if (hashes.length === 1 && BigInt(revealed.length) * BPS >= request.quorum_bps * n) {
      settleWith(tx, registry, request, hashes[0]!, false);
      return;
    }
    request.status = RequestStatus.Disputed;
    request.dispute_deadline_ms = tx.now + registry.params.commit_window_ms;
    tx.emit("DisputeOpened", { request_id: request.id, output_hashes: hashes, escalation_size: 2n * n });
    return;
  }
  const revealers = request.assignments.filter((a) => a.revealed);
  const hashes = distinct(revealers.map((a) => a.output_hash));
  const total = BigInt(revealers.length);
  const winner = hashes.find(
    (h) => BigInt(revealers.filter((a) => eq(a.output_hash, h)).length) * BPS >= request.quorum_bps * total,
  );
  if (total >= 1n && winner) settleWith(tx, registry, request, winner, true);
  else fail_(tx, registry, request, FailureReason.NoQuorum);
}

function distinct(hashes: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const h of hashes) if (!out.some((x) => eq(x, h))) out.push(h);
  return out;
}

export function escalate(tx: Tx, request: Request, registry: Registry): void {
  check(request.version === VERSION, "settlement", "EWrongVersion");
  check(registry.version === VERSION, "settlement", "EWrongVersion");
  check(request.status === RequestStatus.Disputed, "settlement", "EWrongStatus");
  check(tx.now < request.dispute_deadline_ms, "settlement", "EDeadlinePassed");
  const pool = candidates(
    registry,
    request,
    tx.now,
    request.assignments.map((a) => a.node_id),
  );
  if (pool.length === 0) {
    fail_(tx, registry, request, FailureReason.NoEligibleNodes);
    return;
  }
  const want = Number(2n * request.sample_size);
  const g = newGenerator(tx);
  const picked = sampleWeighted(g, pool, Math.min(want, pool.length), registry.params.stake_cap);
  assign(tx, registry, request, picked, 1);
}

// ============================== cluster ==============================

function clusterVersion(c: Cluster): void {
  check(c.version === VERSION, "cluster", "EWrongVersion");
}

export function createCluster(
  tx: Tx,
  registry: Registry,
  members: string[],
  commitment: Uint8Array,
  ackQuorumBps: bigint,
): { cluster: Cluster; cap: MasterCap } {
  registryVersion(registry, "cluster");
  for (const m of members) check(registry.nodes.has(m), "cluster", "EUnknownNode");
  check(
    members.length >= 1 && members.length <= 64 && new Set(members).size === members.length,
    "cluster",
    "EInvalidMembers",
  );
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
  const cap: MasterCap = { id: tx.ctx.freshId(), cluster_id: cluster.id };
  tx.effects.shared.push(cluster);
  tx.emit("ClusterCreated", {
    cluster_id: cluster.id,
    members: cluster.members,
    epoch: 0n,
    commitment: cluster.commitment,
  });
  return { cluster, cap };
}

/** Acks needed: ceil(ack_quorum_bps × members / 10_000). */
export function ackQuorum(c: Cluster): bigint {
  return (c.ack_quorum_bps * BigInt(c.members.length) + BPS - 1n) / BPS;
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
  check(epoch === cluster.epoch + 1n, "cluster", "EWrongEpoch");
  check(cluster.pending === null, "cluster", "ERotationPending");
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
  registryVersion(registry, "cluster");
  const p = cluster.pending;
  if (!p) fail("cluster", "ENoRotation");
  check(epoch === p.epoch, "cluster", "EWrongEpoch");
  check(cluster.members.includes(cap.node_id), "cluster", "ENotMember");
  const node = registry.nodes.get(cap.node_id);
  check(node !== undefined && isAttested(node, tx.now), "cluster", "ENotAttested");
  check(tx.now < p.deadline_ms, "cluster", "EDeadlinePassed");
  check(!p.acks.includes(cap.node_id), "cluster", "EAlreadyAcked");
  p.acks.push(cap.node_id);
  tx.emit("KeyRotationAcked", { cluster_id: cluster.id, epoch, node_id: cap.node_id, acks: BigInt(p.acks.length) });
}

export function completeRotation(tx: Tx, cluster: Cluster, registry: Registry): void {
  clusterVersion(cluster);
  registryVersion(registry, "cluster");
  const p = cluster.pending;
  if (!p) fail("cluster", "ENoRotation");
  check(
    BigInt(p.acks.length) * BPS >= cluster.ack_quorum_bps * BigInt(cluster.members.length),
    "cluster",
    "EQuorumNotReached",
  );
  const grace = tx.now + registry.params.rotation_grace_ms;
  cluster.previous_commitment = cluster.commitment;
  cluster.previous_valid_until_ms = grace;
  cluster.commitment = p.commitment;
  cluster.epoch = p.epoch;
  cluster.pending = null;
  tx.emit("KeyRotationCompleted", {
    cluster_id: cluster.id,
    epoch: cluster.epoch,
    commitment: cluster.commitment,
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
