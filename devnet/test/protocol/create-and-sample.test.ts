/**
 * `createAndSample` (Move `entry fun request::create_and_sample`): create_request then
 * sample_nodes in one call — same checks, events, escrow and change, the Request taking the
 * first fresh id and the generator the next — and a cross-check with the Move test
 * `create_and_sample_tests::creates_samples_and_shares_in_one_call`, whose sampled order the
 * TypeScript machine reproduces from test_scenario's ids.
 */
import { describe, expect, it } from "vitest";
import * as m from "../../src/protocol/index.js";
import {
  contextFor,
  defaultParams,
  deriveId,
  dummyTxHash,
  ERROR_CODES,
  MoveAbort,
  type NodeCap,
  type Registry,
  RequestStatus,
  Tx,
} from "../../src/protocol/index.js";

const SUI = 1_000_000_000n;
const enc = new TextEncoder();
const CAP = enc.encode("cap");
const H = (s: string) => m.blake2b256(enc.encode(s));
const RANDOM = H("random");
const REQUESTER = `0x${"be".repeat(32)}`;
const op = (i: number) => `0x${(0xa0 + i).toString(16).padStart(64, "0")}`;

/** A registry with `nodes` nodes (stake (100 + i) SUI, price 1 SUI) on its own tx stream. */
function world(nodes: number, params = defaultParams()): { registry: Registry; caps: NodeCap[]; txn: bigint } {
  const { registry } = m.init(new Tx(contextFor("0x1", dummyTxHash(0n), 1_000_000n)), params);
  const caps: NodeCap[] = [];
  for (let i = 0; i < nodes; i++) {
    const tx = new Tx(contextFor(op(i), dummyTxHash(BigInt(i + 1)), 1_000_000n));
    caps.push(m.registerNode(tx, registry, (100n + BigInt(i)) * SUI, H(`sig${i}`), H(`enc${i}`), [CAP], SUI));
  }
  return { registry, caps, txn: BigInt(nodes + 1) };
}

function args(over: Partial<m.CreateRequestArgs> = {}): m.CreateRequestArgs {
  return {
    kind: 0,
    capability: CAP,
    input_hash: H("in"),
    input: enc.encode("inline"),
    max_tokens: 7n,
    fuel: 9n,
    sample_size: 3n,
    quorum_bps: 0n,
    max_price: SUI,
    confidential: false,
    ...over,
  };
}

const ESCROW3 = m.escrowFor(3n, SUI, 500n);
const DIGEST = dummyTxHash(1234n);

function requestTx(randomBytes: Uint8Array | null = RANDOM): Tx {
  return new Tx(contextFor(REQUESTER, DIGEST, 1_000_000n, randomBytes ?? undefined));
}

describe("createAndSample", () => {
  it("equals create_request then sample_nodes on the same id stream, in one transaction", () => {
    const a = world(5);
    const b = world(5);
    const one = requestTx();
    const req = m.createAndSample(one, a.registry, ESCROW3 + 5n, args());

    // The same calls by hand: Request id first, generator second.
    const two = requestTx();
    const ref = m.createRequest(two, b.registry, ESCROW3 + 5n, args());
    m.sampleWith(two, ref, b.registry, m.RandomGenerator.create(RANDOM, deriveId(DIGEST, 1n)));

    expect(req).toEqual(ref);
    expect(a.registry).toEqual(b.registry);
    expect(one.effects).toEqual(two.effects);
    expect(req.id).toBe(deriveId(DIGEST, 0n));
    expect(one.effects.events.map((e) => e.name)).toEqual(["RequestCreated", "NodesSampled"]);
    expect(one.effects.shared).toEqual([req]);
    expect(one.effects.inputs).toEqual([{ taken: ESCROW3, returnedTo: REQUESTER }]);
    expect(one.effects.coins).toEqual([]);
    expect(req.status).toBe(RequestStatus.Sampled);
    expect(req.escrow).toBe(ESCROW3);
    expect(req.commit_deadline_ms).toBe(1_300_000n);
    expect(req.reveal_deadline_ms).toBe(1_420_000n);
    expect(a.registry.request_count).toBe(1n);
    const nodes = m.sampledNodes(req, 0);
    expect(new Set(nodes).size).toBe(3);
    for (const id of nodes) expect(a.caps.map((c) => c.node_id)).toContain(id);
    const sampled = one.effects.events[1]!.fields as { request_id: string; nodes: string[]; round: number };
    expect(sampled).toMatchObject({ request_id: req.id, round: 0, nodes });
  });

  it("differs from a generator on the wrong fresh id (the order is observable)", () => {
    // Guards the test above: with 8 nodes, taking the generator from id 0 instead of id 1 draws
    // another set for this digest.
    const a = world(8);
    const b = world(8);
    const req = m.createAndSample(requestTx(), a.registry, ESCROW3, args());
    const two = requestTx();
    const ref = m.createRequest(two, b.registry, ESCROW3, args());
    m.sampleWith(two, ref, b.registry, m.RandomGenerator.create(RANDOM, deriveId(DIGEST, 0n)));
    expect(m.sampledNodes(req, 0)).not.toEqual(m.sampledNodes(ref, 0));
  });

  it("exact payment: the coin is consumed, no change", () => {
    const w = world(3);
    const tx = requestTx();
    m.createAndSample(tx, w.registry, ESCROW3, args({ sample_size: 0n }));
    expect(tx.effects.inputs).toEqual([{ taken: ESCROW3, returnedTo: null }]);
  });

  it("needs the Random state bytes", () => {
    const w = world(3);
    expect(() => m.createAndSample(requestTx(null), w.registry, ESCROW3, args())).toThrow(/randomBytes/);
  });

  it("reproduces the Move test creates_samples_and_shares_in_one_call (ids and sampled order)", () => {
    // harness-style setup of create_and_sample_tests.move, tx by tx (test_scenario hints):
    // txn 0 registry + AdminCap (+ clock), txn 1..5 a minted coin then register_node,
    // txn 6 random::create_for_testing, txn 7 the Random state update, txn 8 the request
    // (a minted coin, then create_and_sample).
    const utf8 = (x: string) => enc.encode(x);
    const key = (i: number, tag: number) => {
      const k = new Uint8Array(32).fill(tag);
      k[31] = i;
      return k;
    };
    const { registry } = m.init(new Tx(contextFor("0xad", dummyTxHash(0n), 1_000_000n)), defaultParams());
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ctx = contextFor(`0x${(0x1000 + i).toString(16)}`, dummyTxHash(BigInt(i + 1)), 1_000_000n);
      ctx.freshId(); // coin::mint_for_testing
      const cap = m.registerNode(
        new Tx(ctx),
        registry,
        (100n + BigInt(i)) * SUI,
        key(i, 0x51),
        key(i, 0xe1),
        [utf8("llama-3.1-8b")],
        SUI,
      );
      ids.push(cap.node_id);
    }
    // fixtures.move's node ids of harness::new (nodes 0 and 4).
    expect(ids[0]).toBe("0x63d9a65220318469fb169034d8a011eae3f014fed2a1f8c006183e2ece3c3975");
    expect(ids[4]).toBe("0x4b91c69db001e4d18e0c79058e6b83167d016a3ff50d13f17f35d3ef9e32fe5f");
    const random = Uint8Array.from({ length: 32 }, (_, i) => 0x1f - i);
    const ctx = contextFor("0xbeef", dummyTxHash(8n), 1_000_000n, random);
    ctx.freshId(); // coin::mint_for_testing
    const req = m.createAndSample(
      new Tx(ctx),
      registry,
      ESCROW3 + 5n,
      args({ kind: 1, capability: utf8("llama-3.1-8b"), input_hash: new Uint8Array(32).fill(1), quorum_bps: 7_000n }),
    );
    expect(req.id).toBe("0xe4d0bcbdc026b98a242f13e2761601107c90de400f0c24cdafea526abf201c26");
    expect(m.sampledNodes(req, 0)).toEqual([ids[4], ids[2], ids[1]]);
  });

  const abortCases: [string, keyof typeof ERROR_CODES, string, (r: Registry) => [bigint, m.CreateRequestArgs]][] = [
    [
      "paused",
      "registry",
      "EPaused",
      (r) => {
        r.paused = true;
        return [ESCROW3, args()];
      },
    ],
    [
      "registry version",
      "registry",
      "EWrongVersion",
      (r) => {
        r.version = 2n;
        return [ESCROW3, args()];
      },
    ],
    ["kind", "request", "EInvalidKind", () => [ESCROW3, args({ kind: 2 })]],
    ["empty capability", "request", "EInvalidCapability", () => [ESCROW3, args({ capability: new Uint8Array() })]],
    ["capability > 64", "request", "EInvalidCapability", () => [ESCROW3, args({ capability: new Uint8Array(65) })]],
    ["sample size", "request", "EInvalidSampleSize", () => [100n * ESCROW3, args({ sample_size: 33n })]],
    ["quorum low", "request", "EInvalidQuorum", () => [ESCROW3, args({ quorum_bps: 5_000n })]],
    ["quorum high", "request", "EInvalidQuorum", () => [ESCROW3, args({ quorum_bps: 10_001n })]],
    ["input hash", "request", "EInvalidHash", () => [ESCROW3, args({ input_hash: new Uint8Array(1) })]],
    ["input size", "request", "EInputTooLarge", () => [ESCROW3, args({ input: new Uint8Array(16_385) })]],
    ["zero price", "request", "EInvalidPrice", () => [ESCROW3, args({ max_price: 0n })]],
    ["escrow overflow", "request", "EInvalidPrice", () => [ESCROW3, args({ max_price: (1n << 64n) - 1n })]],
    ["underpaid", "request", "EInsufficientPayment", () => [ESCROW3 - 1n, args()]],
    ["not enough nodes", "request", "ENotEnoughNodes", () => [m.escrowFor(4n, SUI, 500n), args({ sample_size: 4n })]],
    ["unknown capability", "request", "ENotEnoughNodes", () => [ESCROW3, args({ capability: enc.encode("other") })]],
    [
      "nodes above max_price",
      "request",
      "ENotEnoughNodes",
      (r) => {
        [...r.nodes.values()][2]!.price = SUI + 1n;
        return [ESCROW3, args()];
      },
    ],
    ["confidential, none attested", "request", "ENotEnoughNodes", () => [ESCROW3, args({ confidential: true })]],
  ];

  it.each(abortCases)("aborts like Move: %s → %s::%s", (_name, module, errorName, setup) => {
    const w = world(3);
    const [pay, a] = setup(w.registry);
    let caught: unknown;
    try {
      m.createAndSample(requestTx(), w.registry, pay, a);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(MoveAbort);
    const e = caught as MoveAbort;
    expect({ module: e.module, errorName: e.errorName, code: e.code }).toEqual({
      module,
      errorName,
      code: (ERROR_CODES[module] as Record<string, number>)[errorName],
    });
  });
});
