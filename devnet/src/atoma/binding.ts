/**
 * The devnet binding of the `atoma` package: every public/entry function of the published
 * bytecode (and `registry::init`, run at publish) implemented by the TypeScript state machine
 * in ../protocol, with the runtime's object values converted in ./values.ts.
 *
 * - Registry.nodes / Registry.eligible are `Table`s: their entries live as dynamic fields
 *   (`0x2::dynamic_field::Field<ID, registry::Node>` …), so `AtomaClient.getNode` reads them.
 * - Aborts: `MoveAbort { module, errorName }` → `ctx.abort(errorName, module)` (clever code from
 *   the bytecode); framework aborts keep their 0x2 module and code.
 * - Payouts/refunds/withdrawals: `Coin<SUI>` objects with the ids the state machine took from the
 *   transaction's id stream; Random: the Random object's bytes (`ctx.randomBeacon()`).
 */
import { MoveAbortError } from "../errors.js";
import * as p from "../protocol/index.js";
import type { CallContext, MoveFunctionImpl, PackageBinding } from "../types.js";
import {
  type AttestationV,
  arr,
  type Bytes,
  type ClusterV,
  type CoinV,
  clusterFrom,
  clusterTo,
  type MasterCapV,
  type NodeCapV,
  nodeTo,
  type RegistryV,
  type RequestV,
  registryFrom,
  requestFrom,
  requestTo,
  same,
  toRuntime,
  u8a,
} from "./values.js";

export const ATOMA_MODULES = [
  "attestation",
  "cluster",
  "config",
  "events",
  "node",
  "protocol_version",
  "registry",
  "request",
  "sampling",
  "settlement",
] as const;

const SUI_COIN = "0x2::coin::Coin<0x2::sui::SUI>";
const FRAMEWORK = `0x${"0".repeat(63)}2`;
/** Where Sui's framework aborts that the state machine models come from. */
const FRAMEWORK_FN: Record<string, string> = {
  dynamic_field: "borrow_child_object",
  balance: "split",
  random: "generate_u32_in_range",
};

function protocolTx(ctx: CallContext): p.Tx {
  return new p.Tx({
    sender: ctx.sender,
    nowMs: ctx.timestampMs(),
    freshId: () => ctx.freshId(),
    randomBytes: ctx.randomBeacon(),
  });
}

/**
 * Where the atoma code runs: its own package (types relative, aborts via `ctx.abort`), or called
 * from another package's function (the example consumer): full type names and aborts located
 * in the atoma package's bytecode.
 */
export interface AtomaTarget {
  /** Prefix of atoma type names: "" inside the atoma package, `0x…::` from another package. */
  prefix: string;
  abort(ctx: CallContext, errorName: string, module: string): never;
}
const SELF: AtomaTarget = { prefix: "", abort: (ctx, name, module) => ctx.abort(name, module) };

/** Runs `body` on the state machine and applies its effects (coins in/out, shares, events). */
export function exec<R>(
  ctx: CallContext,
  coinsIn: CoinV[],
  body: (tx: p.Tx) => R,
  target: AtomaTarget = SELF,
): { result: R; returned: CoinV[] } {
  const tx = protocolTx(ctx);
  let result: R;
  try {
    result = body(tx);
  } catch (e) {
    if (!(e instanceof p.MoveAbort)) throw e;
    if ((ATOMA_MODULES as readonly string[]).includes(e.module)) target.abort(ctx, e.errorName, e.module);
    throw new MoveAbortError(FRAMEWORK, e.module, FRAMEWORK_FN[e.module] ?? e.module, 0, BigInt(e.code));
  }
  const fx = tx.effects;
  fx.inputs.forEach((input, i) => {
    const c = coinsIn[i];
    if (!c) throw new TypeError(`atoma binding: effect input ${i} has no Coin argument`);
    c.balance.value -= input.taken;
    if (input.returnedTo === null) {
      if (c.balance.value !== 0n)
        throw new TypeError(`atoma binding: coin ${c.id.id} deleted with ${c.balance.value} MIST left`);
      ctx.deleteObject(c);
    } else ctx.transfer(c, input.returnedTo);
  });
  const returned: CoinV[] = [];
  for (const c of fx.coins) {
    const coin: CoinV = { id: { id: c.id }, balance: { value: c.amount } };
    if (c.to === null) returned.push(coin);
    else ctx.transfer(coin, c.to, SUI_COIN);
  }
  for (const x of fx.shared) {
    if ("requester" in x) ctx.share(requestTo(x), `${target.prefix}request::Request`);
    else ctx.share(clusterTo(x), `${target.prefix}cluster::Cluster`);
  }
  for (const ev of fx.events)
    ctx.emit(`${target.prefix}events::${ev.name}`, toRuntime(ev.fields) as Record<string, unknown>);
  return { result, returned };
}

const b = (x: unknown): Uint8Array => u8a(x as Bytes);
const big = (x: unknown): bigint => x as bigint;
const num = (x: unknown): number => x as number;
const str = (x: unknown): string => x as string;
const capOf = (x: unknown): p.NodeCap => {
  const c = x as NodeCapV;
  return { id: c.id.id, node_id: c.node_id };
};
const mcapOf = (x: unknown): p.MasterCap => {
  const c = x as MasterCapV;
  return { id: c.id.id, cluster_id: c.cluster_id };
};
const adminOf = (x: unknown): p.AdminCap => ({ id: (x as { id: { id: string } }).id.id });

/** A `&mut Registry` call: converts, runs, writes back. */
export function withRegistry<R>(
  ctx: CallContext,
  rv: unknown,
  coins: CoinV[],
  body: (tx: p.Tx, r: p.Registry) => R,
  target: AtomaTarget = SELF,
): { result: R; returned: CoinV[] } {
  const view = registryFrom(ctx, rv as RegistryV, target.prefix);
  const out = exec(ctx, coins, (tx) => body(tx, view.registry), target);
  view.writeBack();
  return out;
}
/** A `&mut Request` call (registry `&` or `&mut`). */
function withRequest(
  ctx: CallContext,
  qv: unknown,
  rv: unknown | undefined,
  mutRegistry: boolean,
  body: (tx: p.Tx, q: p.Request, r: p.Registry | undefined) => void,
): void {
  const view = rv === undefined ? undefined : registryFrom(ctx, rv as RegistryV);
  const q = requestFrom(qv as RequestV);
  exec(ctx, [], (tx) => body(tx, q, view?.registry));
  Object.assign(qv as RequestV, requestTo(q));
  if (mutRegistry) view?.writeBack();
}
function withCluster(
  ctx: CallContext,
  cv: unknown,
  rv: unknown | undefined,
  body: (tx: p.Tx, c: p.Cluster, r: p.Registry | undefined) => void,
): void {
  const view = rv === undefined ? undefined : registryFrom(ctx, rv as RegistryV);
  const c = clusterFrom(cv as ClusterV);
  exec(ctx, [], (tx) => body(tx, c, view?.registry));
  Object.assign(cv as ClusterV, clusterTo(c));
}

/** `registry::node(r, id)`: the record (runtime form) or registry::EUnknownNode. */
function nodeOf(ctx: CallContext, rv: unknown, id: unknown): ReturnType<typeof nodeTo> {
  const n = registryFrom(ctx, rv as RegistryV).registry.nodes.get(str(id));
  if (!n) return ctx.abort("EUnknownNode", "registry");
  return nodeTo(n);
}
const reg = (rv: unknown): RegistryV => rv as RegistryV;
const rq = (qv: unknown): RequestV => qv as RequestV;
const cl = (cv: unknown): ClusterV => cv as ClusterV;
const attOf = (x: unknown): AttestationV => x as AttestationV;

/** Pure getters: one value from the arguments. */
const getter =
  (f: (args: unknown[], ctx: CallContext) => unknown): MoveFunctionImpl =>
  (ctx, args) => [f(args, ctx)];

const PARAM_GETTERS = Object.fromEntries(
  p.PARAM_NAMES.map((n) => [`config::${n}`, getter(([ps]) => (ps as p.Params)[n])]),
);
const STATUS_GETTERS = Object.fromEntries(
  (["created", "sampled", "revealing", "settled", "disputed", "failed"] as const).map((n) => [
    `request::status_${n}`,
    getter(() => p.RequestStatus[(n[0]!.toUpperCase() + n.slice(1)) as keyof typeof p.RequestStatus]),
  ]),
);
const REQUEST_FIELDS = [
  "version",
  "status",
  "output",
  "output_node",
  "requester",
  "kind",
  "capability",
  "input_hash",
  "input",
  "max_tokens",
  "fuel",
  "sample_size",
  "quorum_bps",
  "confidential",
  "max_price",
  "round",
  "created_ms",
  "sample_deadline_ms",
  "commit_deadline_ms",
  "reveal_deadline_ms",
  "dispute_deadline_ms",
  "settled_ms",
  "agreed_output_hash",
] as const;
const REQUEST_GETTERS = Object.fromEntries(
  REQUEST_FIELDS.map((f) => [`request::${f}`, getter(([q]) => structuredClone(rq(q)[f]))]),
);
const NODE_FIELDS = [
  "operator",
  "unbonding_until_ms",
  "sig_pk",
  "enc_pk",
  "capabilities",
  "price",
  "reputation",
  "status",
  "served",
  "earned",
  "slashed",
  "attestation",
] as const;
const NODE_GETTERS = Object.fromEntries(
  NODE_FIELDS.map((f) => [`registry::node_${f}`, getter(([r, id], ctx) => nodeOf(ctx, r, id)[f])]),
);
const ATTESTATION_FIELDS = [
  "tee_kind",
  "measurement",
  "report_data_hash",
  "evidence_hash",
  "verifier",
  "recorded_ms",
  "expires_ms",
  "revoked",
] as const;
const ATTESTATION_GETTERS = Object.fromEntries(
  ATTESTATION_FIELDS.map((f) => [`registry::attestation_${f}`, getter(([a]) => structuredClone(attOf(a)[f]))]),
);

const functions: Record<string, MoveFunctionImpl> = {
  // ---------- registry ----------
  "registry::init": (ctx) => {
    const ids: string[] = [];
    const tx = new p.Tx({
      sender: ctx.sender,
      nowMs: ctx.timestampMs(),
      freshId: () => {
        const id = ctx.freshId();
        ids.push(id);
        return id;
      },
    });
    // Ids in Move's order: Registry UID, nodes table, eligible table, AdminCap.
    const { registry, adminCap } = p.init(tx, p.defaultParams());
    const rv: RegistryV = {
      id: { id: registry.id },
      version: registry.version,
      params: { ...registry.params },
      paused: registry.paused,
      nodes: { id: { id: ids[1]! }, size: 0n },
      eligible: { id: { id: ids[2]! }, size: 0n },
      verifiers: [],
      measurements: { contents: [] },
      treasury: { value: 0n },
      node_count: 0n,
      request_count: 0n,
    };
    ctx.share(rv, "registry::Registry");
    ctx.transfer({ id: { id: adminCap.id } }, ctx.sender, "registry::AdminCap");
    return [];
  },
  "registry::set_param": (ctx, [r, cap, name, value]) => {
    withRegistry(ctx, r, [], (tx, x) => p.setParam(tx, x, adminOf(cap), b(name), big(value)));
    return [];
  },
  "registry::set_paused": (ctx, [r, cap, paused]) => {
    withRegistry(ctx, r, [], (tx, x) => p.setPaused(tx, x, adminOf(cap), paused as boolean));
    return [];
  },
  "registry::add_verifier": (ctx, [r, cap, pk]) => {
    withRegistry(ctx, r, [], (tx, x) => p.addVerifier(tx, x, adminOf(cap), b(pk)));
    return [];
  },
  "registry::remove_verifier": (ctx, [r, cap, pk]) => {
    withRegistry(ctx, r, [], (tx, x) => p.removeVerifier(tx, x, adminOf(cap), b(pk)));
    return [];
  },
  "registry::allow_measurement": (ctx, [r, cap, tee, m]) => {
    withRegistry(ctx, r, [], (tx, x) => p.allowMeasurement(tx, x, adminOf(cap), num(tee), b(m)));
    return [];
  },
  "registry::disallow_measurement": (ctx, [r, cap, tee, m]) => {
    withRegistry(ctx, r, [], (tx, x) => p.disallowMeasurement(tx, x, adminOf(cap), num(tee), b(m)));
    return [];
  },
  "registry::withdraw_treasury": (ctx, [r, cap, amount]) => {
    const { returned } = withRegistry(ctx, r, [], (tx, x) => p.withdrawTreasury(tx, x, adminOf(cap), big(amount)));
    return [returned[0] ?? zeroCoin(ctx)];
  },
  "registry::migrate": (ctx, [r, cap]) => {
    withRegistry(ctx, r, [], (tx, x) => p.migrate(tx, x, adminOf(cap)));
    return [];
  },
  "registry::revoke_attestation": (ctx, [r, cap, id]) => {
    withRegistry(ctx, r, [], (tx, x) => p.revokeAttestation(tx, x, adminOf(cap), str(id)));
    return [];
  },
  "registry::version": getter(([r]) => reg(r).version),
  "registry::params": getter(([r]) => ({ ...reg(r).params })),
  "registry::is_paused": getter(([r]) => reg(r).paused),
  "registry::treasury_value": getter(([r]) => reg(r).treasury.value),
  "registry::node_count": getter(([r]) => reg(r).node_count),
  "registry::request_count": getter(([r]) => reg(r).request_count),
  "registry::verifiers": getter(([r]) => structuredClone(reg(r).verifiers)),
  "registry::has_node": getter(([r, id], ctx) => registryFrom(ctx, reg(r)).registry.nodes.has(str(id))),
  "registry::is_verifier": getter(([r, pk]) => reg(r).verifiers.some((v) => same(v, pk))),
  "registry::is_measurement_allowed": getter(([r, tee, m]) =>
    reg(r).measurements.contents.some((e) => e.key === num(tee) && e.value.some((x) => same(x, m))),
  ),
  "registry::eligible_nodes": getter(([r, capability], ctx) => [
    ...(registryFrom(ctx, reg(r)).registry.eligible.get(p.toHex(b(capability))) ?? []),
  ]),
  "registry::node_stake": getter(([r, id], ctx) => nodeOf(ctx, r, id).stake.value),
  "registry::node_unbonding": getter(([r, id], ctx) => nodeOf(ctx, r, id).unbonding.value),
  "registry::is_attested": (ctx, [r, id, now]) => {
    const n = registryFrom(ctx, reg(r)).registry.nodes.get(str(id));
    if (!n) return ctx.abort("EUnknownNode", "registry");
    return [p.isAttested(n, big(now))];
  },
  ...NODE_GETTERS,
  ...ATTESTATION_GETTERS,
  // ---------- config / protocol_version ----------
  ...PARAM_GETTERS,
  "config::defaults": getter(() => p.defaultParams()),
  "config::max_eligible_bound": getter(() => p.MAX_ELIGIBLE),
  "protocol_version::current": getter(() => p.VERSION),
  // ---------- node ----------
  "node::node_id": getter(([cap]) => capOf(cap).node_id),
  "node::register_node": (ctx, [r, stake, sig, enc, caps, price]) => {
    const coin = stake as CoinV;
    const { result } = withRegistry(ctx, r, [coin], (tx, x) =>
      p.registerNode(tx, x, coin.balance.value, b(sig), b(enc), (caps as Bytes[]).map(u8a), big(price)),
    );
    return [{ id: { id: result.id }, node_id: result.node_id } satisfies NodeCapV];
  },
  "node::add_stake": (ctx, [r, cap, c]) => {
    const coin = c as CoinV;
    withRegistry(ctx, r, [coin], (tx, x) => p.addStake(tx, x, capOf(cap), coin.balance.value));
    return [];
  },
  "node::request_unstake": (ctx, [r, cap]) => {
    withRegistry(ctx, r, [], (tx, x) => p.requestUnstake(tx, x, capOf(cap)));
    return [];
  },
  "node::withdraw_stake": (ctx, [r, cap]) => {
    const { returned } = withRegistry(ctx, r, [], (tx, x) => p.withdrawStake(tx, x, capOf(cap)));
    return [returned[0] ?? zeroCoin(ctx)];
  },
  "node::set_price": (ctx, [r, cap, price]) => {
    withRegistry(ctx, r, [], (tx, x) => p.setPrice(tx, x, capOf(cap), big(price)));
    return [];
  },
  "node::set_capabilities": (ctx, [r, cap, caps]) => {
    withRegistry(ctx, r, [], (tx, x) => p.setCapabilities(tx, x, capOf(cap), (caps as Bytes[]).map(u8a)));
    return [];
  },
  "node::jail": (ctx, [r, id]) => {
    withRegistry(ctx, r, [], (tx, x) => p.jail(tx, x, str(id)));
    return [];
  },
  // ---------- attestation ----------
  "attestation::verdict_message": getter(([id, tee, m, rdh, eh, exp]) =>
    arr(p.attestationMessage(str(id), num(tee), b(m), b(rdh), b(eh), big(exp))),
  ),
  "attestation::verifier_address": getter(([pk]) => p.ed25519Address(b(pk))),
  "attestation::record_attestation": (ctx, [r, cap, tee, m, rdh, eh, exp, vpk, sig]) => {
    withRegistry(ctx, r, [], (tx, x) =>
      p.recordAttestation(tx, x, capOf(cap), num(tee), b(m), b(rdh), b(eh), big(exp), b(vpk), b(sig)),
    );
    return [];
  },
  // ---------- request ----------
  "request::escrow_for": (ctx, [n, price, margin]) => [
    exec(ctx, [], () => p.escrowFor(big(n), big(price), big(margin))).result,
  ],
  "request::create_request": (ctx, args) => {
    const [r, payment, kind, capability, inputHash, input, maxTokens, fuel, n, q, maxPrice, confidential] = args;
    const coin = payment as CoinV;
    const { result } = withRegistry(ctx, r, [coin], (tx, x) =>
      p.createRequest(tx, x, coin.balance.value, {
        kind: num(kind),
        capability: b(capability),
        input_hash: b(inputHash),
        input: b(input),
        max_tokens: big(maxTokens),
        fuel: big(fuel),
        sample_size: big(n),
        quorum_bps: big(q),
        max_price: big(maxPrice),
        confidential: confidential as boolean,
      }),
    );
    return [result.id];
  },
  "request::create_and_sample": (ctx, args) => {
    // request::new, then the generator (next fresh id), sample_with, share: p.createAndSample.
    const [r, payment, kind, capability, inputHash, input, maxTokens, fuel, n, q, maxPrice, confidential] = args;
    const coin = payment as CoinV;
    withRegistry(ctx, r, [coin], (tx, x) =>
      p.createAndSample(tx, x, coin.balance.value, {
        kind: num(kind),
        capability: b(capability),
        input_hash: b(inputHash),
        input: b(input),
        max_tokens: big(maxTokens),
        fuel: big(fuel),
        sample_size: big(n),
        quorum_bps: big(q),
        max_price: big(maxPrice),
        confidential: confidential as boolean,
      }),
    );
    return [];
  },
  "request::sample_nodes": (ctx, [q, r]) => {
    withRequest(ctx, q, r, false, (tx, x, y) => p.sampleNodes(tx, x, y!));
    return [];
  },
  "request::commit": (ctx, [q, cap, c]) => {
    withRequest(ctx, q, undefined, false, (tx, x) => p.commit(tx, x, capOf(cap), b(c)));
    return [];
  },
  "request::commitment_of": getter(([oh, id, salt]) => arr(p.resultCommitment(b(oh), str(id), b(salt)))),
  "request::reveal": (ctx, [q, cap, oh, salt]) => {
    withRequest(ctx, q, undefined, false, (tx, x) => p.reveal(tx, x, capOf(cap), b(oh), b(salt)));
    return [];
  },
  "request::post_output": (ctx, [q, cap, out]) => {
    withRequest(ctx, q, undefined, false, (tx, x) => p.postOutput(tx, x, capOf(cap), b(out)));
    return [];
  },
  "request::id": getter(([q]) => rq(q).id.id),
  "request::is_settled": getter(([q]) => rq(q).status === p.RequestStatus.Settled),
  "request::is_failed": getter(([q]) => rq(q).status === p.RequestStatus.Failed),
  "request::escrow_value": getter(([q]) => rq(q).escrow.value),
  "request::sampled_nodes": getter(([q, round]) => p.sampledNodes(requestFrom(rq(q)), num(round))),
  ...REQUEST_GETTERS,
  ...STATUS_GETTERS,
  // ---------- settlement ----------
  "settlement::settle": (ctx, [q, r]) => {
    withRequest(ctx, q, r, true, (tx, x, y) => p.settle(tx, x, y!));
    return [];
  },
  "settlement::escalate": (ctx, [q, r]) => {
    withRequest(ctx, q, r, true, (tx, x, y) => p.escalate(tx, x, y!));
    return [];
  },
  // ---------- cluster ----------
  "cluster::create_cluster": (ctx, [r, members, commitment, quorum]) => {
    const view = registryFrom(ctx, reg(r));
    const { result } = exec(ctx, [], (tx) =>
      p.createCluster(tx, view.registry, [...(members as string[])], b(commitment), big(quorum)),
    );
    return [{ id: { id: result.cap.id }, cluster_id: result.cap.cluster_id } satisfies MasterCapV];
  },
  "cluster::ack_quorum": getter(([c]) => p.ackQuorum(clusterFrom(cl(c)))),
  "cluster::start_rotation": (ctx, [c, cap, epoch, commitment, deadline]) => {
    withCluster(ctx, c, undefined, (tx, x) =>
      p.startRotation(tx, x, mcapOf(cap), big(epoch), b(commitment), big(deadline)),
    );
    return [];
  },
  "cluster::ack_rotation": (ctx, [c, r, cap, epoch]) => {
    withCluster(ctx, c, r, (tx, x, y) => p.ackRotation(tx, x, y!, capOf(cap), big(epoch)));
    return [];
  },
  "cluster::complete_rotation": (ctx, [c, r]) => {
    withCluster(ctx, c, r, (tx, x, y) => p.completeRotation(tx, x, y!));
    return [];
  },
  "cluster::abort_rotation": (ctx, [c]) => {
    withCluster(ctx, c, undefined, (tx, x) => p.abortRotation(tx, x));
    return [];
  },
  "cluster::members": getter(([c]) => [...cl(c).members]),
  "cluster::epoch": getter(([c]) => cl(c).epoch),
  "cluster::commitment": getter(([c]) => [...cl(c).commitment]),
  "cluster::previous_commitment": getter(([c]) => [...cl(c).previous_commitment]),
  "cluster::previous_valid_until_ms": getter(([c]) => cl(c).previous_valid_until_ms),
  "cluster::has_pending": getter(([c]) => cl(c).pending !== null),
  "cluster::pending_acks": getter(([c]) => BigInt(cl(c).pending?.acks.length ?? 0)),
  "cluster::cap_cluster_id": getter(([cap]) => mcapOf(cap).cluster_id),
  "cluster::is_valid_commitment": getter(([c, commitment, now]) =>
    p.isValidCommitment(clusterFrom(cl(c)), b(commitment), big(now)),
  ),
};

/** A zero-value coin (only reached if the state machine returned no coin, which it always does). */
function zeroCoin(ctx: CallContext): CoinV {
  return ctx.coin.fromBalance(ctx.coin.zero());
}

/** The `atoma` package binding: pass it to `startDevnet({ packages: [atomaBinding] })`. */
export const atomaBinding: PackageBinding = { name: "atoma", modules: [...ATOMA_MODULES], functions };
