/**
 * The lifecycle conformance scenarios, expressed once as data, with hand-written expected
 * outcomes: request status, per-node status, payouts, slashes, stake and unbonding, refund,
 * treasury, the ordered event names, sampled nodes (where the randomness decides) and cluster
 * state. These expectations are the oracle: they are written from the protocol rules, never
 * computed by an implementation, and this module imports no implementation (it must not: the
 * scenarios judge whatever engine runs the package). `gen-move-tests.ts` writes them as a Move test module (move/packages/atoma/tests/conformance_tests.move) that
 * asserts these same expectations on the Move package, and devnet/test/conformance runs them
 * through the SDK against a devnet. Node ids, the Random state and the fresh address that seeds
 * each RandomGenerator are those of Move's `test_scenario`, so randomness picks the same nodes on
 * both sides.
 *
 * Over 600 lines on purpose: it is data, the 18 scenarios one after another, kept in one file so
 * the oracle is read (and reviewed) in one place.
 */

const SUI = 1_000_000_000n;

/** A node, by index in `Scenario.nodes`; its operator address is `operatorOf(index)`. */
export interface NodeSpec {
  stake: bigint;
  price: bigint;
  capability?: string;
}

export type Step =
  | { do: "advance"; ms: bigint }
  | { do: "set_param"; name: string; value: bigint }
  | { do: "add_verifier" }
  | { do: "allow_measurement"; teeKind: number; measurement: string }
  | { do: "register"; node: number }
  | { do: "attest"; node: number; teeKind: number; measurement: string }
  | {
      do: "create_request";
      sampleSize: bigint;
      quorumBps?: bigint;
      maxPrice: bigint;
      confidential?: boolean;
      capability?: string;
      /** Extra paid above the escrow (returned as change). */
      extra?: bigint;
    }
  | { do: "sample" }
  | { do: "commit"; node: number; output: string }
  | { do: "reveal"; node: number; output: string }
  | { do: "settle" }
  | { do: "escalate" }
  /** `fees::sweep_fees`: the finished request's protocol income into the treasury. */
  | { do: "sweep_fees" }
  | { do: "post_output"; node: number; bytes: string }
  | { do: "add_stake"; node: number; amount: bigint }
  | { do: "request_unstake"; node: number }
  | { do: "withdraw_stake"; node: number }
  /** `registry::refresh_node` (anyone, the keeper after a settlement that slashed): re-weights, jails when low. */
  | { do: "refresh_node"; node: number }
  /** Lists `members` as invited; each becomes a member with its own `accept_membership`. */
  | { do: "create_cluster"; members: number[]; ackQuorumBps: bigint; key: string }
  | { do: "accept_membership"; node: number }
  | { do: "start_rotation"; epoch: bigint; key: string; deadlineInMs: bigint }
  | { do: "ack_rotation"; node: number; epoch: bigint; key: string }
  | { do: "complete_rotation" }
  | { do: "abort_rotation" };

/**
 * A node's expected end state; `stake` / `unbonding` default to `expectedBond`, `reputation` to
 * `expectedReputation` (see there).
 */
export interface NodeExpectation {
  status: number;
  paid: bigint;
  slashed: bigint;
  stake?: bigint;
  unbonding?: bigint;
  reputation?: bigint;
}

export interface Expectation {
  /** Request status at the end (0 Created … 5 Failed). */
  requestStatus?: number;
  /** Per node index: final status, total paid (earned), total slashed, stake and unbonding. */
  nodes: Record<number, NodeExpectation>;
  /** Escrow refunded to the requester (sum of refund coins). */
  refund?: bigint;
  /** Treasury at the end (it starts at 0; income reaches it through `sweep_fees`). */
  treasury: bigint;
  /** Names of every event the steps emitted, in order. */
  events: string[];
  /**
   * Nodes sampled per round, in sampling order: the picks of Move's `test_scenario` randomness
   * (the generated Move test asserts them on the real package; the SDK runner re-binds the
   * devnet's interchangeable nodes to them).
   */
  sampled?: number[][];
  /** `key`: the label of the master key whose commitment the cluster holds at the end. */
  cluster?: { epoch: bigint; pending: boolean; key?: string };
}

export interface Scenario {
  name: string;
  summary: string;
  nodes: NodeSpec[];
  steps: Step[];
  /** Either outcomes, or the abort that the last step must raise. */
  expect?: Expectation;
  abort?: { module: string; error: string };
}

/**
 * A node's expected stake and unbonding at the end, from the scenario's own data: the explicit
 * values when the expectation gives them, else registered stake + every `add_stake` − slashed,
 * nothing unbonding (scenarios where a node unstakes must state both).
 */
export function expectedBond(s: Scenario, node: number): { stake: bigint; unbonding: bigint } {
  const want = s.expect?.nodes[node];
  if (!want) throw new Error(`scenario ${s.name}: no expectation for node ${node}`);
  const unstakes = s.steps.some((st) => st.do === "request_unstake" && st.node === node);
  if (unstakes && (want.stake === undefined || want.unbonding === undefined))
    throw new Error(`scenario ${s.name}: node ${node} unstakes, so its expected stake and unbonding must be written`);
  const added = s.steps.reduce((a, st) => a + (st.do === "add_stake" && st.node === node ? st.amount : 0n), 0n);
  const spec = s.nodes[node];
  if (!spec) throw new Error(`scenario ${s.name}: no node ${node}`);
  return {
    stake: want.stake ?? spec.stake + added - want.slashed,
    unbonding: want.unbonding ?? 0n,
  };
}

/** Reputation of a newly registered node. */
const INITIAL_REPUTATION = 1_000n;

/**
 * A node's expected reputation at the end: the explicit value when given, else (never slashed)
 * 1000, plus 1 when it was paid (a scenario has one request). A slashed node must state it
 * (-10 for dissent, -5 for absence).
 */
export function expectedReputation(s: Scenario, node: number): bigint {
  const want = s.expect?.nodes[node];
  if (!want) throw new Error(`scenario ${s.name}: no expectation for node ${node}`);
  if (want.reputation !== undefined) return want.reputation;
  if (want.slashed > 0n)
    throw new Error(`scenario ${s.name}: node ${node} is slashed, so its reputation must be written`);
  return INITIAL_REPUTATION + (want.paid > 0n ? 1n : 0n);
}

/** Random (0x8) state bytes used by every scenario. */
export const RANDOM_BYTES_HEX = "4154f4d3a5c0b8e1d2f3a4b5c6d7e8f90123456789abcdef0123456789abcdef";
export const START_MS = 1_700_000_000_000n;
export const ADMIN = "0x0000000000000000000000000000000000000000000000000000000000000000";
export const REQUESTER = "0x00000000000000000000000000000000000000000000000000000000000beef0";
export const KEEPER = "0x00000000000000000000000000000000000000000000000000000000000cafe0";
export const CLUSTER_OWNER = "0x0000000000000000000000000000000000000000000000000000000000c1a570";
export function operatorOf(node: number): string {
  return `0x${(0xa000 + node).toString(16).padStart(64, "0")}`;
}

const node = (stake = 200n * SUI, price = SUI): NodeSpec => ({ stake, price });
const nodes = (n: number, stake = 200n * SUI): NodeSpec[] => Array.from({ length: n }, () => node(stake));
const reg = (...ix: number[]): Step[] => ix.map((i) => ({ do: "register", node: i }) as const);
const commits = (pairs: [number, string][]): Step[] => pairs.map(([n, o]) => ({ do: "commit", node: n, output: o }));
const reveals = (pairs: [number, string][]): Step[] => pairs.map(([n, o]) => ({ do: "reveal", node: n, output: o }));
/** Every node of `pairs` commits, then every one reveals, the same outputs. */
const commitReveal = (pairs: [number, string][]): Step[] => [...commits(pairs), ...reveals(pairs)];
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const rep = (name: string, n: number) => Array.from({ length: n }, () => name);
const ACTIVE = 0;

const LEAVING = 2;
const SETTLED = 3;
const FAILED = 5;
const st = (status: number, paid = 0n, slashed = 0n) => ({ status, paid, slashed });

export const SCENARIOS: Scenario[] = [
  {
    name: "unanimous",
    summary: "3 nodes, N = 3, all reveal A: each paid its price, margin to treasury, rest refunded, output posted",
    nodes: nodes(3),
    steps: [
      ...reg(0, 1, 2),
      { do: "create_request", sampleSize: 3n, maxPrice: 2n * SUI },
      { do: "sample" },
      ...commitReveal([
        [0, "A"],
        [1, "A"],
        [2, "A"],
      ]),
      { do: "settle" },
      // the bytes must hash to the agreed output hash (outputHashOf("A") = blake2b256("output:A"))
      { do: "post_output", node: 1, bytes: "output:A" },
      // the treasury's part waits in the request until swept (issue 13 B)
      { do: "sweep_fees" },
    ],
    expect: {
      requestStatus: SETTLED,
      sampled: [[0, 1, 2]],
      nodes: { 0: st(ACTIVE, SUI), 1: st(ACTIVE, SUI), 2: st(ACTIVE, SUI) },
      // escrow 3 × 2 SUI × 1.05 = 6.3 SUI; paid 3; margin 0.15; refund 3.15
      refund: 3_150_000_000n,
      treasury: 150_000_000n,
      events: [
        ...rep("NodeRegistered", 3),
        "RequestCreated",
        "NodesSampled",
        ...rep("ResultCommitted", 3),
        ...rep("ResultRevealed", 3),
        ...rep("NodePaid", 3),
        "RequestSettled",
        // round 0 agreed on t; the first matching post makes the output hash known
        "OutputHashAgreed",
        "OutputPosted",
        "FeesSwept",
      ],
    },
  },
  {
    name: "one_dissenter",
    summary: "round 0: A, A, B → dispute; 6 fresh nodes reveal A; B's node slashed 10 %, its stake pays the escalation",
    nodes: nodes(9),
    steps: [
      ...reg(0, 1, 2),
      { do: "create_request", sampleSize: 3n, maxPrice: 2n * SUI },
      { do: "sample" },
      ...commitReveal([
        [0, "A"],
        [1, "A"],
        [2, "B"],
      ]),
      { do: "settle" },
      ...reg(3, 4, 5, 6, 7, 8),
      { do: "escalate" },
      ...commitReveal(range(3, 9).map((i) => [i, "A"] as [number, string])),
      { do: "settle" },
      // the treasury's part waits in the request until swept (issue 13 B)
      { do: "sweep_fees" },
    ],
    expect: {
      requestStatus: SETTLED,
      sampled: [
        [0, 1, 2],
        [4, 8, 7, 5, 3, 6],
      ],
      nodes: {
        0: st(ACTIVE, SUI),
        1: st(ACTIVE, SUI),
        2: { ...st(ACTIVE, 0n, 20n * SUI), reputation: 990n }, // dissent: -10
        ...Object.fromEntries(range(3, 9).map((i) => [i, st(ACTIVE, SUI)])),
      },
      // pool 20 pays all 8 payouts (8); margin 0.4 from escrow 6.3 → refund 5.9; treasury 0.4 + 12
      refund: 5_900_000_000n,
      treasury: 12_400_000_000n,
      events: [
        ...rep("NodeRegistered", 3),
        "RequestCreated",
        "NodesSampled",
        ...rep("ResultCommitted", 3),
        ...rep("ResultRevealed", 3),
        "DisputeOpened",
        ...rep("NodeRegistered", 6),
        "NodesSampled",
        ...rep("ResultCommitted", 6),
        ...rep("ResultRevealed", 6),
        "StakeChanged",
        "NodeSlashed",
        ...rep("NodePaid", 8),
        "OutputHashAgreed", // a round-1 settlement knows the output hash
        "RequestSettled",
        "FeesSwept",
      ],
    },
  },
  {
    name: "one_absentee",
    summary: "N = 4, one node never commits; 3 of 4 reveal A (≥ 66.67 %): settled, the absentee slashed 2 %",
    nodes: nodes(4),
    steps: [
      ...reg(0, 1, 2, 3),
      { do: "create_request", sampleSize: 4n, maxPrice: 2n * SUI },
      { do: "sample" },
      ...commits([
        [0, "A"],
        [1, "A"],
        [2, "A"],
      ]),
      { do: "advance", ms: 300_000n },
      ...reveals([
        [0, "A"],
        [1, "A"],
        [2, "A"],
      ]),
      { do: "advance", ms: 120_000n },
      { do: "settle" },
      // the treasury's part waits in the request until swept (issue 13 B)
      { do: "sweep_fees" },
    ],
    expect: {
      requestStatus: SETTLED,
      sampled: [[2, 3, 1, 0]],
      nodes: {
        0: st(ACTIVE, SUI),
        1: st(ACTIVE, SUI),
        2: st(ACTIVE, SUI),
        3: { ...st(ACTIVE, 0n, 4n * SUI), reputation: 995n }, // absent: -5
      },
      // escrow 8.4; pool 4 pays 3; margin 0.15 → refund 8.25; treasury 0.15 + 1
      refund: 8_250_000_000n,
      treasury: 1_150_000_000n,
      events: [
        ...rep("NodeRegistered", 4),
        "RequestCreated",
        "NodesSampled",
        ...rep("ResultCommitted", 3),
        ...rep("ResultRevealed", 3),
        "StakeChanged",
        "NodeSlashed",
        ...rep("NodePaid", 3),
        "RequestSettled",
        "FeesSwept",
      ],
    },
  },
  {
    name: "dispute_resolved",
    summary:
      "round 0: A, B, B (a colluding majority) → dispute; 6 fresh nodes reveal A; A wins 7/9, both B nodes slashed",
    nodes: nodes(9),
    steps: [
      ...reg(0, 1, 2),
      { do: "create_request", sampleSize: 3n, maxPrice: 2n * SUI },
      { do: "sample" },
      ...commits([
        [0, "A"],
        [1, "B"],
        [2, "B"],
      ]),
      ...reveals([
        [0, "A"],
        [1, "B"],
        [2, "B"],
      ]),
      { do: "settle" },
      ...reg(3, 4, 5, 6, 7, 8),
      { do: "escalate" },
      ...commitReveal(range(3, 9).map((i) => [i, "A"] as [number, string])),
      { do: "settle" },
      // the treasury's part waits in the request until swept (issue 13 B)
      { do: "sweep_fees" },
    ],
    expect: {
      requestStatus: SETTLED,
      sampled: [
        [0, 1, 2],
        [4, 8, 7, 5, 3, 6],
      ],
      nodes: {
        0: st(ACTIVE, SUI),
        1: { ...st(ACTIVE, 0n, 20n * SUI), reputation: 990n },
        2: { ...st(ACTIVE, 0n, 20n * SUI), reputation: 990n },
        ...Object.fromEntries(range(3, 9).map((i) => [i, st(ACTIVE, SUI)])),
      },
      // pool 40 pays 7; margin 0.35 → refund 5.95; treasury 0.35 + 33
      refund: 5_950_000_000n,
      treasury: 33_350_000_000n,
      events: [
        ...rep("NodeRegistered", 3),
        "RequestCreated",
        "NodesSampled",
        ...rep("ResultCommitted", 3),
        ...rep("ResultRevealed", 3),
        "DisputeOpened",
        ...rep("NodeRegistered", 6),
        "NodesSampled",
        ...rep("ResultCommitted", 6),
        ...rep("ResultRevealed", 6),
        "StakeChanged",
        "NodeSlashed",
        "StakeChanged",
        "NodeSlashed",
        ...rep("NodePaid", 7),
        "OutputHashAgreed", // a round-1 settlement knows the output hash
        "RequestSettled",
        "FeesSwept",
      ],
    },
  },
  {
    name: "dispute_failed",
    summary:
      "round 0: A, A, B → dispute; round 1: 2 A, 3 B, 1 absent → 4 vs 4 of 9 (round-0 revealers + all 6 escalation nodes), no quorum: Failed, full refund, only the absentee slashed",
    nodes: nodes(9),
    steps: [
      ...reg(0, 1, 2),
      { do: "create_request", sampleSize: 3n, maxPrice: 2n * SUI },
      { do: "sample" },
      ...commitReveal([
        [0, "A"],
        [1, "A"],
        [2, "B"],
      ]),
      { do: "settle" },
      ...reg(3, 4, 5, 6, 7, 8),
      { do: "escalate" },
      ...commits([
        [3, "A"],
        [4, "A"],
        [5, "B"],
        [6, "B"],
        [7, "B"],
      ]),
      { do: "advance", ms: 300_000n },
      ...reveals([
        [3, "A"],
        [4, "A"],
        [5, "B"],
        [6, "B"],
        [7, "B"],
      ]),
      { do: "advance", ms: 120_000n },
      { do: "settle" },
      // the treasury's part waits in the request until swept (issue 13 B)
      { do: "sweep_fees" },
    ],
    expect: {
      requestStatus: FAILED,
      sampled: [
        [0, 1, 2],
        [4, 8, 7, 5, 3, 6],
      ],
      nodes: {
        ...Object.fromEntries(range(0, 8).map((i) => [i, st(ACTIVE)])),
        8: { ...st(ACTIVE, 0n, 4n * SUI), reputation: 995n },
      },
      refund: 6_300_000_000n,
      treasury: 4n * SUI,
      events: [
        ...rep("NodeRegistered", 3),
        "RequestCreated",
        "NodesSampled",
        ...rep("ResultCommitted", 3),
        ...rep("ResultRevealed", 3),
        "DisputeOpened",
        ...rep("NodeRegistered", 6),
        "NodesSampled",
        ...rep("ResultCommitted", 5),
        ...rep("ResultRevealed", 5),
        "StakeChanged",
        "NodeSlashed",
        "RequestFailed",
        "FeesSwept",
      ],
    },
  },
  {
    name: "dispute_expired",
    summary: "dispute opened but never escalated: after the dispute deadline settle fails it (reason 0) and refunds",
    nodes: nodes(3),
    steps: [
      ...reg(0, 1, 2),
      { do: "create_request", sampleSize: 3n, maxPrice: 2n * SUI },
      { do: "sample" },
      ...commits([
        [0, "A"],
        [1, "A"],
        [2, "B"],
      ]),
      ...reveals([
        [0, "A"],
        [1, "A"],
        [2, "B"],
      ]),
      { do: "settle" },
      { do: "advance", ms: 300_000n },
      { do: "settle" },
    ],
    expect: {
      requestStatus: FAILED,
      sampled: [[0, 1, 2]],
      nodes: { 0: st(ACTIVE), 1: st(ACTIVE), 2: st(ACTIVE) },
      refund: 6_300_000_000n,
      treasury: 0n,
      events: [
        ...rep("NodeRegistered", 3),
        "RequestCreated",
        "NodesSampled",
        ...rep("ResultCommitted", 3),
        ...rep("ResultRevealed", 3),
        "DisputeOpened",
        "RequestFailed",
      ],
    },
  },
  {
    name: "escalation_too_few_nodes",
    summary:
      "dispute with no fresh node to escalate to: escalate samples nobody and emits nothing (it reads the Registry only), the next settle fails the request at once (reason 1) and refunds",
    nodes: nodes(3),
    steps: [
      ...reg(0, 1, 2),
      { do: "create_request", sampleSize: 3n, maxPrice: 2n * SUI },
      { do: "sample" },
      ...commits([
        [0, "A"],
        [1, "A"],
        [2, "B"],
      ]),
      ...reveals([
        [0, "A"],
        [1, "A"],
        [2, "B"],
      ]),
      { do: "settle" },
      { do: "escalate" },
      // no clock advance: the escalation ended the dispute window
      { do: "settle" },
    ],
    expect: {
      requestStatus: FAILED,
      sampled: [[0, 1, 2]],
      nodes: { 0: st(ACTIVE), 1: st(ACTIVE), 2: st(ACTIVE) },
      refund: 6_300_000_000n,
      treasury: 0n,
      events: [
        ...rep("NodeRegistered", 3),
        "RequestCreated",
        "NodesSampled",
        ...rep("ResultCommitted", 3),
        ...rep("ResultRevealed", 3),
        "DisputeOpened",
        "RequestFailed",
      ],
    },
  },
  {
    name: "never_sampled",
    summary: "nobody samples before the sample deadline: settle fails the request (reason 2), full refund",
    nodes: nodes(1),
    steps: [
      ...reg(0),
      { do: "create_request", sampleSize: 1n, maxPrice: SUI, extra: 7n },
      { do: "advance", ms: 300_000n },
      { do: "settle" },
    ],
    expect: {
      requestStatus: FAILED,
      nodes: { 0: st(ACTIVE) },
      refund: 1_050_000_000n,
      treasury: 0n,
      events: ["NodeRegistered", "RequestCreated", "RequestFailed"],
    },
  },
  {
    name: "confidential_sampling",
    summary:
      "4 nodes, 3 attested (TDX, allowed measurement): a confidential N = 3 request samples exactly the attested ones",
    nodes: nodes(4),
    steps: [
      { do: "add_verifier" },
      { do: "allow_measurement", teeKind: 1, measurement: "mrtd-1" },
      ...reg(0, 1, 2, 3),
      { do: "attest", node: 0, teeKind: 1, measurement: "mrtd-1" },
      { do: "attest", node: 1, teeKind: 1, measurement: "mrtd-1" },
      { do: "attest", node: 2, teeKind: 1, measurement: "mrtd-1" },
      { do: "attest", node: 3, teeKind: 0, measurement: "" },
      { do: "create_request", sampleSize: 3n, maxPrice: 2n * SUI, confidential: true },
      { do: "sample" },
      ...commitReveal([
        [0, "A"],
        [1, "A"],
        [2, "A"],
      ]),
      { do: "settle" },
      // the treasury's part waits in the request until swept (issue 13 B)
      { do: "sweep_fees" },
    ],
    expect: {
      requestStatus: SETTLED,
      sampled: [[0, 2, 1]],
      nodes: { 0: st(ACTIVE, SUI), 1: st(ACTIVE, SUI), 2: st(ACTIVE, SUI), 3: st(ACTIVE) },
      refund: 3_150_000_000n,
      treasury: 150_000_000n,
      events: [
        ...rep("NodeRegistered", 4),
        ...rep("AttestationRecorded", 4),
        "RequestCreated",
        "NodesSampled",
        ...rep("ResultCommitted", 3),
        ...rep("ResultRevealed", 3),
        ...rep("NodePaid", 3),
        "RequestSettled",
        "FeesSwept",
      ],
    },
  },
  {
    name: "confidential_not_enough_nodes",
    summary: "a confidential N = 2 request with one attested node aborts sampling with ENotEnoughNodes",
    nodes: nodes(3),
    steps: [
      { do: "add_verifier" },
      { do: "allow_measurement", teeKind: 2, measurement: "snp-1" },
      ...reg(0, 1, 2),
      { do: "attest", node: 1, teeKind: 2, measurement: "snp-1" },
      { do: "create_request", sampleSize: 2n, maxPrice: 2n * SUI, confidential: true },
      { do: "sample" },
    ],
    abort: { module: "request", error: "ENotEnoughNodes" },
  },
  {
    name: "weighted_sampling",
    summary:
      "6 nodes with unequal (and one capped) stakes, N = 3 then escalation: the fixed randomness picks the same nodes in the same order as Move",
    nodes: [
      node(100n * SUI),
      node(300n * SUI),
      node(50_000n * SUI),
      node(150n * SUI),
      node(1_000n * SUI),
      node(120n * SUI),
      node(400n * SUI, 3n * SUI),
    ],
    steps: [
      ...reg(0, 1, 2, 3, 4, 5, 6),
      { do: "create_request", sampleSize: 2n, maxPrice: 2n * SUI },
      { do: "sample" },
      { do: "advance", ms: 300_000n },
      { do: "advance", ms: 120_000n },
      { do: "settle" },
      { do: "escalate" },
    ],
    expect: {
      requestStatus: 1,
      nodes: {},
      treasury: 0n,
      events: [...rep("NodeRegistered", 7), "RequestCreated", "NodesSampled", "DisputeOpened", "NodesSampled"],
      sampled: [
        [2, 1],
        [4, 3, 0, 5],
      ],
    },
  },
  {
    name: "unbonding",
    summary:
      "a node requests unstake (leaves sampling now), cannot withdraw early, withdraws after unbonding_ms; the request samples the other node",
    nodes: nodes(2),
    steps: [
      ...reg(0, 1),
      { do: "request_unstake", node: 0 },
      { do: "create_request", sampleSize: 1n, maxPrice: 2n * SUI },
      { do: "sample" },
      { do: "commit", node: 1, output: "A" },
      { do: "reveal", node: 1, output: "A" },
      { do: "settle" },
      { do: "advance", ms: 604_800_000n },
      { do: "withdraw_stake", node: 0 },
      // the treasury's part waits in the request until swept (issue 13 B)
      { do: "sweep_fees" },
    ],
    expect: {
      requestStatus: SETTLED,
      sampled: [[1]],
      // node 0: its 200 SUI moved to unbonding, then withdrawn: nothing left on either side
      nodes: { 0: { ...st(LEAVING), stake: 0n, unbonding: 0n }, 1: st(ACTIVE, SUI) },
      refund: 1_050_000_000n,
      treasury: 50_000_000n,
      events: [
        ...rep("NodeRegistered", 2),
        "StakeChanged",
        "NodeStatusChanged",
        "RequestCreated",
        "NodesSampled",
        "ResultCommitted",
        "ResultRevealed",
        "NodePaid",
        "RequestSettled",
        "StakeChanged",
        "FeesSwept",
      ],
    },
  },
  {
    name: "withdraw_too_early",
    summary: "withdraw_stake before unbonding_until_ms aborts with EStillUnbonding",
    nodes: nodes(1),
    steps: [
      ...reg(0),
      { do: "request_unstake", node: 0 },
      { do: "advance", ms: 1_000n },
      { do: "withdraw_stake", node: 0 },
    ],
    abort: { module: "node", error: "EStillUnbonding" },
  },
  {
    name: "jailing",
    summary:
      "a node staked 101 SUI is absent: slashed 2 % below min_stake, still Active until refresh_node jails it (out of sampling); add_stake brings it back Active",
    nodes: [node(101n * SUI), ...nodes(3)],
    steps: [
      ...reg(0, 1, 2, 3),
      { do: "create_request", sampleSize: 4n, maxPrice: 2n * SUI },
      { do: "sample" },
      ...commits([
        [1, "A"],
        [2, "A"],
        [3, "A"],
      ]),
      { do: "advance", ms: 300_000n },
      ...reveals([
        [1, "A"],
        [2, "A"],
        [3, "A"],
      ]),
      { do: "advance", ms: 120_000n },
      { do: "settle" },
      // settling takes no &mut Registry (issue 13 B stage 2): the keeper's refresh_node jails
      { do: "refresh_node", node: 0 },
      { do: "add_stake", node: 0, amount: 5n * SUI },
      // the treasury's part waits in the request until swept (issue 13 B)
      { do: "sweep_fees" },
    ],
    expect: {
      requestStatus: SETTLED,
      sampled: [[3, 2, 1, 0]],
      nodes: {
        0: { ...st(ACTIVE, 0n, 2_020_000_000n), reputation: 995n },
        1: st(ACTIVE, SUI),
        2: st(ACTIVE, SUI),
        3: st(ACTIVE, SUI),
      },
      // pool 2.02 pays 2.02 of the 3; escrow pays 0.98; margin 0.15; refund 8.4 − 0.98 − 0.15
      refund: 7_270_000_000n,
      treasury: 150_000_000n,
      events: [
        ...rep("NodeRegistered", 4),
        "RequestCreated",
        "NodesSampled",
        ...rep("ResultCommitted", 3),
        ...rep("ResultRevealed", 3),
        "StakeChanged",
        "NodeSlashed",
        ...rep("NodePaid", 3),
        "RequestSettled",
        "NodeStatusChanged",
        "StakeChanged",
        "NodeStatusChanged",
        "FeesSwept",
      ],
    },
  },
  {
    name: "key_rotation_complete",
    summary:
      "3 attested members, ack quorum 60 %: two acks complete the rotation; the old key stays valid for the grace period",
    nodes: nodes(3),
    steps: [
      { do: "add_verifier" },
      { do: "allow_measurement", teeKind: 3, measurement: "cc-1" },
      ...reg(0, 1, 2),
      { do: "attest", node: 0, teeKind: 3, measurement: "cc-1" },
      { do: "attest", node: 1, teeKind: 3, measurement: "cc-1" },
      { do: "attest", node: 2, teeKind: 3, measurement: "cc-1" },
      { do: "create_cluster", members: [0, 1, 2], ackQuorumBps: 6_000n, key: "master-0" },
      { do: "accept_membership", node: 0 },
      { do: "accept_membership", node: 1 },
      { do: "accept_membership", node: 2 },
      { do: "start_rotation", epoch: 1n, key: "master-1", deadlineInMs: 600_000n },
      { do: "ack_rotation", node: 0, epoch: 1n, key: "master-1" },
      { do: "ack_rotation", node: 2, epoch: 1n, key: "master-1" },
      { do: "complete_rotation" },
    ],
    expect: {
      nodes: { 0: st(ACTIVE), 1: st(ACTIVE), 2: st(ACTIVE) },
      treasury: 0n,
      events: [
        ...rep("NodeRegistered", 3),
        ...rep("AttestationRecorded", 3),
        "ClusterCreated",
        ...rep("ClusterMemberJoined", 3),
        "KeyRotationStarted",
        "KeyRotationAcked",
        "KeyRotationAcked",
        "KeyRotationCompleted",
      ],
      cluster: { epoch: 1n, pending: false, key: "master-1" },
    },
  },
  {
    name: "key_rotation_abort",
    summary: "one ack of three (quorum 60 %) by the deadline: the rotation is aborted, the epoch stays 0",
    nodes: nodes(3),
    steps: [
      { do: "add_verifier" },
      { do: "allow_measurement", teeKind: 4, measurement: "pcr0" },
      ...reg(0, 1, 2),
      { do: "attest", node: 1, teeKind: 4, measurement: "pcr0" },
      { do: "create_cluster", members: [0, 1, 2], ackQuorumBps: 6_000n, key: "master-0" },
      { do: "accept_membership", node: 0 },
      { do: "accept_membership", node: 1 },
      { do: "accept_membership", node: 2 },
      { do: "start_rotation", epoch: 1n, key: "master-1", deadlineInMs: 600_000n },
      { do: "ack_rotation", node: 1, epoch: 1n, key: "master-1" },
      { do: "advance", ms: 600_000n },
      { do: "abort_rotation" },
    ],
    expect: {
      nodes: { 0: st(ACTIVE), 1: st(ACTIVE), 2: st(ACTIVE) },
      treasury: 0n,
      events: [
        ...rep("NodeRegistered", 3),
        "AttestationRecorded",
        "ClusterCreated",
        ...rep("ClusterMemberJoined", 3),
        "KeyRotationStarted",
        "KeyRotationAcked",
        "KeyRotationAborted",
      ],
      cluster: { epoch: 0n, pending: false, key: "master-0" },
    },
  },
  {
    name: "key_rotation_quorum_not_reached",
    summary: "complete_rotation with one ack of three (quorum 60 %) aborts with EQuorumNotReached",
    nodes: nodes(3),
    steps: [
      { do: "add_verifier" },
      { do: "allow_measurement", teeKind: 4, measurement: "pcr0" },
      ...reg(0, 1, 2),
      { do: "attest", node: 1, teeKind: 4, measurement: "pcr0" },
      { do: "create_cluster", members: [0, 1, 2], ackQuorumBps: 6_000n, key: "master-0" },
      { do: "accept_membership", node: 0 },
      { do: "accept_membership", node: 1 },
      { do: "accept_membership", node: 2 },
      { do: "start_rotation", epoch: 1n, key: "master-1", deadlineInMs: 600_000n },
      { do: "ack_rotation", node: 1, epoch: 1n, key: "master-1" },
      { do: "complete_rotation" },
    ],
    abort: { module: "cluster", error: "EQuorumNotReached" },
  },
  {
    name: "params_at_bounds",
    summary: "set_param accepts every parameter at an edge of its bounds, one ParamChanged each",
    nodes: [],
    steps: [
      { do: "set_param", name: "max_eligible_per_capability", value: 900n },
      { do: "set_param", name: "max_sample_size", value: 64n },
      { do: "set_param", name: "default_sample_size", value: 64n },
      { do: "set_param", name: "quorum_bps", value: 5_001n },
      { do: "set_param", name: "margin_bps", value: 5_000n },
      { do: "set_param", name: "slash_absent_bps", value: 10_000n },
      { do: "set_param", name: "slash_dissent_bps", value: 10_000n },
      { do: "set_param", name: "commit_window_ms", value: 10_000n },
      { do: "set_param", name: "unbonding_ms", value: 7_776_000_000n },
      { do: "set_param", name: "reveal_window_ms", value: 604_800_000n },
      { do: "set_param", name: "attestation_validity_ms", value: 60_000n },
      { do: "set_param", name: "max_inline_bytes", value: 131_072n },
      { do: "set_param", name: "rotation_grace_ms", value: 0n },
      { do: "set_param", name: "min_stake", value: 1_000_000_000n },
      { do: "set_param", name: "stake_cap", value: 1_000_000_000n },
      { do: "set_param", name: "max_node_price", value: 1_000_000_000_000_000n },
      { do: "set_param", name: "max_node_price", value: 1n },
    ],
    // Each accepted change is announced (the keeper re-syncs weights after stake_cap/min_stake).
    expect: { nodes: {}, treasury: 0n, events: rep("ParamChanged", 17) },
  },
  {
    name: "param_above_bound",
    summary: "max_eligible_per_capability above 900 aborts with config::EParamOutOfBounds",
    nodes: [],
    steps: [{ do: "set_param", name: "max_eligible_per_capability", value: 901n }],
    abort: { module: "config", error: "EParamOutOfBounds" },
  },
  {
    name: "unbonding_within_request_lifetime",
    summary:
      "unbonding_ms equal to a request's lifetime (4 × 300_000 + 2 × 120_000 ms) aborts with config::EUnbondingTooShort (issue 13 A7)",
    nodes: [],
    steps: [{ do: "set_param", name: "unbonding_ms", value: 1_440_000n }],
    abort: { module: "config", error: "EUnbondingTooShort" },
  },
];
