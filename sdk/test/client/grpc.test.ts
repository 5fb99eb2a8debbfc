/**
 * AtomaClient through SuiGrpcClient, offline: a transport answers the gRPC calls with canned
 * protobuf messages (built with the method's own message type, then served by TestTransport).
 */
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { normalizeSuiAddress } from "@mysten/sui/utils";
import type { MethodInfo, RpcOptions, RpcTransport, ServerStreamingCall, UnaryCall } from "@protobuf-ts/runtime-rpc";
import { TestTransport } from "@protobuf-ts/runtime-rpc";
import { describe, expect, it } from "vitest";
import {
  EVENT_SCHEMAS,
  NodeAccount,
  NodeField,
  Registry,
  Request,
  RequestStatus,
  STRUCT_TYPES,
} from "../../src/bcs/index.js";
import { AtomaClient, NotFoundError, TimeoutError } from "../../src/client/index.js";
import { blindedHash, hashOutput, sealForUser, x25519PublicKey } from "../../src/crypto/index.js";
import { DecodeError } from "../../src/errors.js";

type Handler = (input: Record<string, unknown>) => object | object[];

/** Dispatches each gRPC method to a canned answer; records the calls. */
class CannedTransport implements RpcTransport {
  calls: { method: string; input: Record<string, unknown> }[] = [];
  constructor(private readonly handlers: Record<string, Handler>) {}
  mergeOptions(options?: Partial<RpcOptions>): RpcOptions {
    return new TestTransport().mergeOptions(options);
  }
  #transport<I extends object, O extends object>(method: MethodInfo<I, O>, input: I): TestTransport {
    const h = this.handlers[method.localName];
    this.calls.push({ method: method.localName, input: input as Record<string, unknown> });
    if (!h) throw new Error(`unexpected gRPC call ${method.localName}`);
    const out = h(input as Record<string, unknown>);
    const response = Array.isArray(out) ? out.map((m) => method.O.create(m as never)) : method.O.create(out as never);
    return new TestTransport({ response });
  }
  unary<I extends object, O extends object>(method: MethodInfo<I, O>, input: I, options: RpcOptions): UnaryCall<I, O> {
    return this.#transport(method, input).unary(method, input, options);
  }
  serverStreaming<I extends object, O extends object>(
    method: MethodInfo<I, O>,
    input: I,
    options: RpcOptions,
  ): ServerStreamingCall<I, O> {
    return this.#transport(method, input).serverStreaming(method, input, options);
  }
  clientStreaming(): never {
    throw new Error("not used");
  }
  duplex(): never {
    throw new Error("not used");
  }
}

const PKG = normalizeSuiAddress("0xa70a");
const REG_ID = normalizeSuiAddress("0x5e9");
const REQ_ID = normalizeSuiAddress("0x7e9");
const TABLE_ID = normalizeSuiAddress("0x7ab1e");
const NODE_ID = normalizeSuiAddress("0x40de");
const filled = (n: number, v: number) => Array.from({ length: n }, () => v);

const request = {
  id: { id: REQ_ID },
  version: 1,
  requester: normalizeSuiAddress("0xcafe"),
  kind: 1,
  capability: [...new TextEncoder().encode("wasm")],
  input_hash: filled(32, 7),
  input: [1, 2, 3],
  max_tokens: 0,
  fuel: 1_000_000,
  sample_size: 3,
  quorum_bps: 6667,
  confidential: false,
  max_price: 50,
  escrow: { value: 158 },
  status: RequestStatus.Settled,
  round: 0,
  created_ms: 1000,
  sample_deadline_ms: 301_000,
  commit_deadline_ms: 0,
  reveal_deadline_ms: 0,
  dispute_deadline_ms: 0,
  assignments: [
    {
      node_id: NODE_ID,
      round: 0,
      price: 40,
      commitment: filled(32, 1),
      output_hash: filled(32, 2),
      committed: true,
      revealed: true,
    },
  ],
  agreed_output_hash: filled(32, 2),
  output: [9, 9],
  output_node: NODE_ID,
  settled_ms: 5000,
  output_accepted: false,
  agreed_blinded_hash: filled(32, 3),
};

const params = {
  min_stake: 1,
  stake_cap: 2,
  max_sample_size: 32,
  default_sample_size: 3,
  commit_window_ms: 1,
  reveal_window_ms: 1,
  quorum_bps: 6667,
  margin_bps: 500,
  slash_dissent_bps: 1,
  slash_absent_bps: 1,
  unbonding_ms: 1,
  attestation_validity_ms: 1,
  max_inline_bytes: 16384,
  max_eligible_per_capability: 512,
  rotation_grace_ms: 1,
  max_node_price: 1,
};
const registry = {
  id: { id: REG_ID },
  version: 1,
  params,
  paused: false,
  nodes: { id: { id: TABLE_ID }, size: 1 },
  eligible: { id: { id: normalizeSuiAddress("0xe1") }, size: 1 },
  verifiers: [],
  measurements: { contents: [] },
  treasury: { value: 0 },
  node_count: 1,
};
const node = {
  node_id: NODE_ID,
  operator: normalizeSuiAddress("0x0b"),
  sig_pk: filled(32, 3),
  enc_pk: filled(32, 4),
  capabilities: [[1]],
  price: 40,
  status: 0,
  attestation: null,
  attestation_floor_ms: 0,
  mlkem_pk_hash: [],
  weight: 2,
};
const account = {
  id: { id: NODE_ID },
  operator: normalizeSuiAddress("0x0b"),
  stake: { value: 100 },
  unbonding: { value: 7 },
  unbonding_until_ms: 5,
  reputation: 1001,
  served: 1,
  slashed: 3,
};

function objectAnswer(objects: Record<string, { type: string; bytes: Uint8Array; shared?: bigint }>): Handler {
  return (input) => ({
    objects: (input.requests as { objectId: string }[]).map(({ objectId }) => {
      const o = objects[normalizeSuiAddress(objectId)];
      if (!o) return { result: { oneofKind: "error", error: { code: 5, message: "not found" } } };
      return {
        result: {
          oneofKind: "object",
          object: {
            objectId,
            version: 12n,
            digest: "11111111111111111111111111111111",
            objectType: o.type,
            owner: o.shared ? { kind: 3, version: o.shared } : { kind: 1, address: normalizeSuiAddress("0x1") },
            contents: { name: o.type, value: o.bytes },
          },
        },
      };
    }),
  });
}

describe("AtomaClient over SuiGrpcClient (offline transport)", () => {
  const fieldId = AtomaClient.nodeFieldId(TABLE_ID, NODE_ID);
  const objects = {
    [REQ_ID]: { type: `${PKG}::request::Request`, bytes: Request.serialize(request).toBytes(), shared: 44n },
    [REG_ID]: { type: `${PKG}::registry::Registry`, bytes: Registry.serialize(registry).toBytes(), shared: 3n },
    [fieldId]: {
      type: `0x2::dynamic_field::Field<0x2::object::ID, ${PKG}::${STRUCT_TYPES.Node}>`,
      bytes: NodeField.serialize({ id: { id: fieldId }, name: NODE_ID, value: node }).toBytes(),
    },
    [NODE_ID]: {
      type: `${PKG}::node_account::NodeAccount`,
      bytes: NodeAccount.serialize(account).toBytes(),
      shared: 17n,
    },
  };

  function make(extra: Record<string, Handler> = {}) {
    const transport = new CannedTransport({ batchGetObjects: objectAnswer(objects), ...extra });
    const client = new SuiGrpcClient({ network: "localnet", transport });
    return { transport, atoma: new AtomaClient(client, { packageId: PKG, registryId: REG_ID }) };
  }

  it("decodes a Request object from its BCS contents", async () => {
    const { atoma, transport } = make();
    const r = await atoma.getRequest(REQ_ID);
    expect(r.status).toBe(RequestStatus.Settled);
    expect(r.requester).toBe(normalizeSuiAddress("0xcafe"));
    expect(r.fuel).toBe("1000000");
    expect(r.assignments[0]?.node_id).toBe(NODE_ID);
    expect(r.agreed_output_hash).toEqual(filled(32, 2));
    expect(r.agreed_blinded_hash).toEqual(filled(32, 3));
    expect(r.meta.initialSharedVersion).toBe("44");
    expect(transport.calls[0]?.method).toBe("batchGetObjects");
  });

  it("reads a Node through the registry table's dynamic field and its shared account", async () => {
    const { atoma, transport } = make();
    const n = await atoma.getNode(NODE_ID);
    expect(n.node_id).toBe(NODE_ID);
    expect(n.price).toBe("40");
    expect(n.attestation).toBeNull();
    expect(n.weight).toBe("2");
    // stake, unbonding, reputation, counters: the NodeAccount's (issue 13 B stage 2)
    expect([n.stake.value, n.unbonding.value, n.unbonding_until_ms]).toEqual(["100", "7", "5"]);
    expect([n.reputation, n.served, n.slashed]).toEqual(["1001", "1", "3"]);
    expect(n.operator).toBe(normalizeSuiAddress("0x0b"));
    const asked = transport.calls.map((c) => (c.input.requests as { objectId: string }[])[0]?.objectId);
    expect(asked).toEqual([REG_ID, fieldId, NODE_ID]);
    await expect(atoma.getNode(normalizeSuiAddress("0xdead"))).rejects.toBeInstanceOf(NotFoundError);
  });

  it("rejects objects of the wrong type", async () => {
    const { atoma } = make();
    await expect(atoma.getRequest(REG_ID)).rejects.toBeInstanceOf(DecodeError);
  });

  it("lists and decodes events with a JSON cursor, skipping foreign events", async () => {
    const created = EVENT_SCHEMAS.RequestCreated.serialize({
      request_id: REQ_ID,
      requester: normalizeSuiAddress("0xcafe"),
      kind: 0,
      capability: [1],
      input_hash: filled(32, 7),
      sample_size: 3,
      quorum_bps: 6667,
      confidential: true,
      max_price: 50,
      escrow: 158,
      created_ms: 1000,
    }).toBytes();
    const paid = EVENT_SCHEMAS.NodePaid.serialize({ request_id: REQ_ID, node_id: NODE_ID, amount: 40 }).toBytes();
    const ev = (type: string, bytes: Uint8Array, i: number) => ({
      event: {
        packageId: PKG,
        module: "request",
        sender: normalizeSuiAddress("0xcafe"),
        eventType: type,
        contents: { value: bytes },
        checkpoint: 7n,
        transactionDigest: "11111111111111111111111111111111",
        eventIndex: i,
      },
      watermark: { cursor: new Uint8Array([i + 1]), checkpoint: 7n },
    });
    let filter: unknown;
    const { atoma } = make({
      listEvents: (input) => {
        filter = input.filter;
        return [
          ev(`${PKG}::events::RequestCreated`, created, 0),
          ev("0x2::other::Thing", new Uint8Array([1]), 1),
          ev(`${PKG}::events::NodePaid`, paid, 2),
          { watermark: { cursor: new Uint8Array([3]) }, end: { reason: 0 } },
        ];
      },
    });
    const page = await atoma.listEvents();
    expect(filter).toBeDefined();
    expect(page.events.map((e) => e.event.name)).toEqual(["RequestCreated", "NodePaid"]);
    const first = page.events[0]?.event;
    expect(first?.name === "RequestCreated" && first.data.confidential).toBe(true);
    expect(first?.name === "RequestCreated" && first.data.escrow).toBe("158");
    expect(page.events[1]?.eventIndex).toBe(2);
    expect(page.events[1]?.checkpoint).toBe("7");
    expect(page.hasNextPage).toBe(false);
    expect(JSON.parse(JSON.stringify(page.cursor))).toEqual(page.cursor);
    expect(page.cursor.after).toBeTypeOf("string");

    const ctrl = new AbortController();
    const seen: string[] = [];
    for await (const rec of atoma.events({ signal: ctrl.signal, pollMs: 5 })) {
      seen.push(rec.event.name);
      if (seen.length === 2) {
        expect(rec.cursor).toEqual(page.cursor);
        ctrl.abort();
      }
    }
    expect(seen).toEqual(["RequestCreated", "NodePaid"]);
  });

  it("waits for settlement and fetches, opens and verifies the output", async () => {
    const userSk = new Uint8Array(32).fill(5);
    const payload = new TextEncoder().encode("4");
    const envelope = sealForUser({ requestId: REQ_ID, payload, userPk: x25519PublicKey(userSk) });
    const withOutput = (output: Uint8Array, agreed: Uint8Array, status: number = RequestStatus.Settled) => ({
      [REQ_ID]: {
        type: `${PKG}::request::Request`,
        bytes: Request.serialize({
          ...request,
          status,
          output: [...output],
          agreed_output_hash: [...agreed],
          agreed_blinded_hash: [...blindedHash(agreed, REQ_ID)],
        }).toBytes(),
        shared: 44n,
      },
    });
    const client = (objs: Parameters<typeof objectAnswer>[0]) =>
      new AtomaClient(
        new SuiGrpcClient({
          network: "localnet",
          transport: new CannedTransport({ batchGetObjects: objectAnswer(objs) }),
        }),
        {
          packageId: PKG,
          registryId: REG_ID,
        },
      );

    const sealed = client(withOutput(envelope, hashOutput(payload)));
    expect((await sealed.waitForSettlement(REQ_ID, { timeoutMs: 1000, pollMs: 10 })).status).toBe(
      RequestStatus.Settled,
    );
    const out = await sealed.fetchOutput(REQ_ID, { userSk });
    expect(new TextDecoder().decode(out.plaintext)).toBe("4");
    expect(out.verifiedOver).toBe("plaintext");

    const plain = client(withOutput(payload, hashOutput(payload)));
    expect((await plain.fetchOutput(REQ_ID)).verifiedOver).toBe("posted");

    const wrong = client(withOutput(payload, new Uint8Array(32)));
    await expect(wrong.fetchOutput(REQ_ID)).rejects.toThrow(/agreed output hash/);

    const pending = client(withOutput(payload, hashOutput(payload), RequestStatus.Revealing));
    await expect(pending.waitForSettlement(REQ_ID, { timeoutMs: 50, pollMs: 10 })).rejects.toBeInstanceOf(TimeoutError);
    await expect(pending.fetchOutput(REQ_ID)).rejects.toThrow(/not Settled/);
  });

  it("names the type of a malformed event", async () => {
    const { atoma } = make({
      listEvents: () => [
        {
          event: {
            eventType: `${PKG}::events::NodePaid`,
            contents: { value: new Uint8Array([1, 2]) },
            packageId: PKG,
            sender: PKG,
            module: "m",
          },
          watermark: { cursor: new Uint8Array([1]) },
        },
      ],
    });
    await expect(atoma.listEvents()).rejects.toThrow(/events::NodePaid/);
  });
});
