/**
 * Writes the conformance scenarios (./scenarios.ts) as a Move test module,
 * move/packages/atoma/tests/conformance_tests.move. Every assertion is a hand-written expectation of the
 * scenario (request status, per-node status, payouts, slashes, stake, unbonding, reputation, refund,
 * treasury, how many events of each type and in all, sampled nodes where given, cluster epoch
 * and key), never a value an implementation produced: ./calls.ts computes only the call
 * arguments (payments, commitments, attestation signatures, clock times) from the scenario, so
 * the module stays an oracle whatever engine the devnet uses. Run it with `pnpm exec tsx devnet/test/protocol/gen-move-tests.ts`
 * (add `--check` to only compare).
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { blake2b } from "@noble/hashes/blake2.js";
import {
  CAPABILITY,
  encPkOf,
  keyCommitmentOf,
  type StepCall,
  saltOf,
  scenarioCalls,
  sigPkOf,
  utf8,
  VERIFIER_PK,
} from "./calls.js";
import {
  expectedBond,
  expectedReputation,
  operatorOf,
  RANDOM_BYTES_HEX,
  REQUESTER,
  SCENARIOS,
  type Scenario,
  START_MS,
  type Step,
} from "./scenarios.js";

const blake2b256 = (b: Uint8Array): Uint8Array => blake2b(b, { dkLen: 32 });
const toHex = (b: Uint8Array): string => Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");

export const GENERATED_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../move/packages/atoma/tests/conformance_tests.move",
);

const x = (b: Uint8Array): string => `x"${toHex(b)}"`;
const addr = (a: string): string => `@${a}`;
const xb = (v: unknown): string => x(v as Uint8Array);

/** A scenario with the arguments of each of its transactions. */
interface ScenarioRun {
  scenario: Scenario;
  trace: StepCall[];
}

function stepCode(run: ScenarioRun, i: number): string[] {
  const t = run.trace[i]!;
  const step: Step = t.step;
  const d = t.data;
  const cap = (n: number) => `&caps[${n}]`;
  const L: string[] = [];
  const withReg = (mut: boolean, body: string[]) => [
    `let ${mut ? "mut " : ""}reg = s.take_shared<Registry>();`,
    ...body,
    "ts::return_shared(reg);",
  ];
  const withReq = (body: string[]) => ["let mut req = s.take_shared<Request>();", ...body, "ts::return_shared(req);"];
  const withAcc = (n: number, body: string[]) => [
    `let mut acc = s.take_shared_by_id<NodeAccount>(node::node_id(${cap(n)}));`,
    ...body,
    "ts::return_shared(acc);",
  ];
  const withCl = (body: string[]) => ["let mut cl = s.take_shared<Cluster>();", ...body, "ts::return_shared(cl);"];
  switch (step.do) {
    case "advance":
      return [];
    case "set_param":
      return withReg(true, [`registry::set_param(&mut reg, &admin, b"${step.name}", ${step.value});`]);
    case "add_verifier":
      return withReg(true, [`registry::add_verifier(&mut reg, &admin, ${x(VERIFIER_PK)});`]);
    case "allow_measurement":
      return withReg(true, [
        `registry::allow_measurement(&mut reg, &admin, ${step.teeKind}, ${x(utf8(step.measurement))});`,
      ]);
    case "register": {
      const spec = run.scenario.nodes[step.node]!;
      return withReg(true, [
        `let c = coin::mint_for_testing<SUI>(${spec.stake}, s.ctx());`,
        `caps.push_back(node::register_node(&mut reg, c, ${x(sigPkOf(step.node))}, ${x(encPkOf(step.node))}, vector[${x(utf8(spec.capability ?? CAPABILITY))}], ${spec.price}, s.ctx()));`,
      ]);
    }
    case "attest":
      return withReg(true, [
        `attestation::record_attestation(&mut reg, ${cap(step.node)}, ${step.teeKind}, ${xb(d.measurement)}, ${xb(d.rdh)}, ${xb(d.eh)}, ${d.issued}, ${d.expires}, ${x(VERIFIER_PK)}, ${xb(d.signature)}, &clock);`,
      ]);
    case "create_request":
      // `&reg`: the request path reads the Registry only (issue 13 B)
      return withReg(false, [
        `let c = coin::mint_for_testing<SUI>(${d.payment}, s.ctx());`,
        `let _ = request::create_request(&reg, c, 0, ${x(utf8(step.capability ?? CAPABILITY))}, ${x(inputHash())}, ${x(utf8("hello"))}, 256, 0, ${step.sampleSize}, ${step.quorumBps ?? 0n}, ${step.maxPrice}, ${step.confidential ?? false}, &clock, s.ctx());`,
      ]);
    case "sample":
      return [
        "let rnd = s.take_shared<Random>();",
        "let mut g = random::new_generator(&rnd, s.ctx());",
        ...withReg(false, withReq(["request::sample_with(&mut req, &reg, &mut g, &clock);"])),
        "ts::return_shared(rnd);",
      ];
    case "escalate":
      return [
        "let rnd = s.take_shared<Random>();",
        "let mut g = random::new_generator(&rnd, s.ctx());",
        ...withReg(false, withReq(["settlement::escalate_with(&mut req, &reg, &mut g, &clock, s.ctx());"])),
        "ts::return_shared(rnd);",
      ];
    case "commit":
      return withReq([`request::commit(&mut req, ${cap(step.node)}, ${xb(d.commitment)}, &clock);`]);
    case "reveal":
      return withReq([
        `request::reveal(&mut req, ${cap(step.node)}, ${xb(d.value)}, ${x(saltOf(step.node))}, &clock);`,
      ]);
    case "settle":
      // one PTB: settle_begin, settle_node per assigned account, settle_end (issue 13 B stage 2)
      return withReg(false, withReq(["settle(&mut s, &mut req, &reg, &clock);"]));
    case "sweep_fees":
      return withReg(true, withReq(["fees::sweep_fees(&mut reg, &mut req);"]));
    case "post_output":
      return withReq([
        `request::post_output(&mut req, ${cap(step.node)}, ${x(utf8(step.bytes))}, ${xb(d.outputHash)}, &clock);`,
      ]);
    case "add_stake":
      return withReg(
        true,
        withAcc(step.node, [
          `let c = coin::mint_for_testing<SUI>(${step.amount}, s.ctx());`,
          `node::add_stake(&mut reg, &mut acc, ${cap(step.node)}, c);`,
        ]),
      );
    case "request_unstake":
      return withReg(
        true,
        withAcc(step.node, [`node::request_unstake(&mut reg, &mut acc, ${cap(step.node)}, &clock);`]),
      );
    case "withdraw_stake":
      return withReg(
        false,
        withAcc(step.node, [
          `let c = node::withdraw_stake(&reg, &mut acc, ${cap(step.node)}, &clock, s.ctx());`,
          `transfer::public_transfer(c, ${addr(operatorOf(step.node))});`,
        ]),
      );
    case "refresh_node":
      return withReg(true, [
        `let acc = s.take_shared_by_id<NodeAccount>(node::node_id(${cap(step.node)}));`,
        "registry::refresh_node(&mut reg, &acc);",
        "ts::return_shared(acc);",
      ]);
    case "create_cluster":
      L.push(
        ...withReg(false, [
          `let m = cluster::create_cluster(&reg, vector[${step.members.map((n) => `node::node_id(&caps[${n}])`).join(", ")}], ${x(keyCommitmentOf(step.key))}, ${step.ackQuorumBps}, s.ctx());`,
          "mcaps.push_back(m);",
        ]),
      );
      return L;
    case "start_rotation":
      return withCl([
        `cluster::start_rotation(&mut cl, &mcaps[0], ${step.epoch}, ${x(keyCommitmentOf(step.key))}, ${d.deadline}, &clock);`,
      ]);
    case "accept_membership":
      return withCl([`cluster::accept_membership(&mut cl, ${cap(step.node)});`]);
    case "ack_rotation":
      return withReg(
        false,
        withCl([
          `cluster::ack_rotation(&mut cl, &reg, ${cap(step.node)}, ${step.epoch}, ${x(keyCommitmentOf(step.key))}, &clock);`,
        ]),
      );
    case "complete_rotation":
      return withReg(false, withCl(["cluster::complete_rotation(&mut cl, &reg, &clock);"]));
    case "abort_rotation":
      return withCl(["cluster::abort_rotation(&mut cl, &clock);"]);
  }
}

function inputHash(): Uint8Array {
  return blake2b256(utf8("input"));
}

/** Every event type the scenarios expect, sorted: `ev[1 + i]` counts `EVENT_TYPES[i]`. */
const EVENT_TYPES = [...new Set(SCENARIOS.flatMap((s) => s.expect?.events ?? []))].sort();
const slot = (t: string) => 1 + EVENT_TYPES.indexOf(t);

/** `tally(&mut ev)`: adds this transaction's events of each type (a helper: a Move function has at most 255 locals). */
function tallyFun(): string {
  const lines = EVENT_TYPES.map(
    (t) => `    *&mut ev[${slot(t)}] = ev[${slot(t)}] + event::events_by_type<events::${t}>().length();`,
  );
  return [
    "/// Adds the current transaction's events, per type, to `ev`.",
    "fun tally(ev: &mut vector<u64>) {",
    ...lines,
    "}",
  ].join("\n");
}

function scenarioTest(run: ScenarioRun): string {
  const s = run.scenario;
  const e = s.expect;
  let code = 0;
  const next = () => ++code;
  const body: string[] = [];
  body.push("let (mut s, admin, mut clock) = setup();");
  body.push("let mut caps: vector<NodeCap> = vector[];");
  const hasCluster = s.steps.some((st) => st.do === "create_cluster");
  body.push(`let ${hasCluster ? "mut " : ""}mcaps: vector<MasterCap> = vector[];`);
  // Events are counted over the scenario, in all (ev[0]) and per type (`tally`), against the
  // hand-written list.
  if (e) body.push(`let mut ev: vector<u64> = vector[${["0", ...EVENT_TYPES.map(() => "0")].join(", ")}];`);
  // What each node was paid, from its NodePaid events (no `earned` counter on chain).
  if (e) body.push(`let mut paid: vector<u64> = vector[${s.nodes.map(() => "0").join(", ")}];`);
  let registered = 0;
  for (let i = 0; i < run.trace.length; i++) {
    const t = run.trace[i]!;
    if (t.step.do === "register") {
      if (t.step.node !== registered) throw new Error(`${s.name}: nodes must register in index order`);
      registered++;
    }
    // the clock advances recorded before this transaction
    body.push(`// txn ${t.txn}: ${t.step.do}${"node" in t.step ? ` node ${t.step.node}` : ""}`);
    body.push(`clock.set_for_testing(${t.nowMs});`);
    if (e) body.push(`*&mut ev[0] = ev[0] + s.next_tx(${addr(t.sender)}).num_user_events();`);
    else body.push(`s.next_tx(${addr(t.sender)});`);
    body.push(...stepCode(run, i));
    if (e) body.push("tally(&mut ev);", "tally_paid(&mut paid, &caps);");
  }
  if (e) {
    body.push("// outcome (hand-written in scenarios.ts)");
    body.push(`*&mut ev[0] = ev[0] + s.next_tx(${addr(REQUESTER)}).num_user_events();`);
    body.push(`assert!(ev[0] == ${e.events.length}, ${next()}); // events in all`);
    for (const ty of EVENT_TYPES)
      body.push(`assert!(ev[${slot(ty)}] == ${e.events.filter((x) => x === ty).length}, ${next()}); // events: ${ty}`);
    body.push("let reg = s.take_shared<Registry>();");
    body.push(`assert!(registry::treasury_value(&reg) == ${e.treasury}, ${next()}); // treasury`);
    for (const [k, want] of Object.entries(e.nodes)) {
      const i = Number(k);
      const bond = expectedBond(s, i);
      body.push(`let id = node::node_id(&caps[${i}]);`);
      body.push("let acc = s.take_shared_by_id<NodeAccount>(id);");
      body.push(`assert!(registry::node_status(&reg, id) == ${want.status}, ${next()}); // node ${i}: status`);
      body.push(`assert!(node_account::stake(&acc) == ${bond.stake}, ${next()}); // node ${i}: stake`);
      body.push(`assert!(node_account::unbonding(&acc) == ${bond.unbonding}, ${next()}); // node ${i}: unbonding`);
      body.push(`assert!(paid[${i}] == ${want.paid}, ${next()}); // node ${i}: paid (NodePaid events)`);
      body.push(`assert!(node_account::slashed(&acc) == ${want.slashed}, ${next()}); // node ${i}: slashed`);
      body.push(
        `assert!(node_account::reputation(&acc) == ${expectedReputation(s, i)}, ${next()}); // node ${i}: reputation`,
      );
      body.push("ts::return_shared(acc);");
    }
    if (e.requestStatus !== undefined) {
      body.push("let req = s.take_shared<Request>();");
      body.push(`assert!(request::status(&req) == ${e.requestStatus}, ${next()}); // request status`);
      (e.sampled ?? []).forEach((round, r) => {
        const v = round.map((n) => `node::node_id(&caps[${n}])`).join(", ");
        body.push(
          `assert!(request::sampled_nodes(&req, ${r}) == vector[${v}], ${next()}); // round ${r}: sampled nodes`,
        );
      });
      body.push("ts::return_shared(req);");
    }
    if (e.refund !== undefined && e.refund > 0n) {
      body.push(`let refund = s.take_from_address<Coin<SUI>>(${addr(REQUESTER)});`);
      body.push(`assert!(refund.value() == ${e.refund}, ${next()}); // requester's refund`);
      body.push(`ts::return_to_address(${addr(REQUESTER)}, refund);`);
    }
    if (e.cluster) {
      body.push("let cl = s.take_shared<Cluster>();");
      body.push(`assert!(cluster::epoch(&cl) == ${e.cluster.epoch}, ${next()}); // cluster epoch`);
      body.push(`assert!(cluster::has_pending(&cl) == ${e.cluster.pending}, ${next()}); // cluster rotation pending`);
      if (e.cluster.key)
        body.push(
          `assert!(cluster::commitment(&cl) == ${x(keyCommitmentOf(e.cluster.key))}, ${next()}); // cluster key`,
        );
      body.push("ts::return_shared(cl);");
    }
    body.push("ts::return_shared(reg);");
  }
  body.push("finish(s, admin, clock, caps, mcaps);");
  const attr = s.abort
    ? `#[test, expected_failure(abort_code = atoma::${s.abort.module}::${s.abort.error})]`
    : "#[test]";
  const doc = `/// ${s.summary}`;
  return [doc, attr, `fun ${s.name}() {`, ...body.map((l) => `    ${l}`), "}"].join("\n");
}

export function generateConformanceMove(): string {
  const runs = SCENARIOS.map((scenario) => ({ scenario, trace: scenarioCalls(scenario) }));
  const head = `// GENERATED by devnet/test/protocol/gen-move-tests.ts from devnet/test/protocol/scenarios.ts.
// Do not edit: change the scenarios and regenerate with
//   pnpm exec tsx devnet/test/protocol/gen-move-tests.ts
// Every assertion below is a hand-written expectation of the scenario (scenarios.ts), not a value
// computed by an implementation; calls.ts computes only the call arguments (payments,
// commitments, attestation signatures, clock times) from the scenario. Each assertion's abort
// code numbers it within its test, and its comment says what it checks.
// Over 600 lines because it is generated: one test per scenario, every step written out.
#[test_only]
module atoma::conformance_tests;

use atoma::attestation;
use atoma::events;
use atoma::cluster::{Self, Cluster, MasterCap};
use atoma::node::{Self, NodeCap};
use atoma::node_account::{Self, NodeAccount};
use atoma::registry::{Self, AdminCap, Registry};
use atoma::request::{Self, Request};
use atoma::fees;
use atoma::settlement;
use sui::clock::{Self, Clock};
use sui::coin::{Self, Coin};
use sui::event;
use sui::random::{Self, Random};
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};

/// txn 0: Random, Registry + AdminCap, Clock; txn 1: the Random state.
fun setup(): (Scenario, AdminCap, Clock) {
    let mut s = ts::begin(@0x0);
    random::create_for_testing(s.ctx());
    let (reg, admin) = registry::new_for_testing(s.ctx());
    registry::share_for_testing(reg);
    let mut clock = clock::create_for_testing(s.ctx());
    clock.set_for_testing(${START_MS});
    s.next_tx(@0x0);
    let mut rnd = s.take_shared<Random>();
    rnd.update_randomness_state_for_testing(0, x"${RANDOM_BYTES_HEX}", s.ctx());
    ts::return_shared(rnd);
    (s, admin, clock)
}

fun finish(s: Scenario, admin: AdminCap, clock: Clock, mut caps: vector<NodeCap>, mut mcaps: vector<MasterCap>) {
    while (!caps.is_empty()) transfer::public_transfer(caps.pop_back(), @0xdead);
    caps.destroy_empty();
    while (!mcaps.is_empty()) transfer::public_transfer(mcaps.pop_back(), @0xdead);
    mcaps.destroy_empty();
    transfer::public_transfer(admin, @0x0);
    clock.destroy_for_testing();
    s.end();
}

/// One settlement PTB as the SDK builds it: settle_begin, settle_node per assigned node's
/// account (assignment order), settle_end.
fun settle(s: &mut Scenario, req: &mut Request, reg: &Registry, clock: &Clock) {
    let mut st = settlement::settle_begin(req, reg, clock, s.ctx());
    let ids = request::assignments(req).map_ref!(|a| request::a_node_id(a));
    ids.do!(|id| {
        let mut acc = s.take_shared_by_id<NodeAccount>(id);
        settlement::settle_node(&mut st, &mut acc);
        ts::return_shared(acc);
    });
    settlement::settle_end(st, req, s.ctx());
}

/// Adds the current transaction's NodePaid amounts to paid, per node (index of its cap).
fun tally_paid(paid: &mut vector<u64>, caps: &vector<NodeCap>) {
    event::events_by_type<events::NodePaid>().do_ref!(|e| {
        let i = caps.find_index!(|c| node::node_id(c) == events::node_paid_node_id(e)).destroy_some();
        *&mut paid[i] = paid[i] + events::node_paid_amount(e);
    });
}
`;
  return `${head}\n${tallyFun()}\n\n${runs.map(scenarioTest).join("\n\n")}\n`;
}

function main(): void {
  const text = generateConformanceMove();
  if (process.argv.includes("--check")) {
    const disk = readFileSync(GENERATED_PATH, "utf8");
    if (disk !== text) {
      console.error(`${GENERATED_PATH} is stale: regenerate with pnpm exec tsx devnet/test/protocol/gen-move-tests.ts`);
      process.exit(1);
    }
    console.log("conformance_tests.move is up to date");
    return;
  }
  const tmp = `${GENERATED_PATH}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, GENERATED_PATH);
  console.log(`wrote ${GENERATED_PATH} (${SCENARIOS.length} scenarios)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
