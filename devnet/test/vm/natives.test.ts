/**
 * The natives, called through the real framework bytecode that wraps them, against independent
 * implementations (@noble) and with a failing case each.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256, sha3_256 } from "@noble/hashes/sha3.js";
import { describe, expect, it } from "vitest";
import { normalizeAddress, parseType } from "../../src/bytecode.js";
import {
  childId,
  frameworkPackages,
  GasMeter,
  Interpreter,
  NATIVES,
  type NativeFunction,
  Ref,
  type Value,
  VmAbort,
  VmFailure,
  type VmHost,
  VmLoader,
} from "../../src/vm/index.js";

const fw = frameworkPackages();
const loader = new VmLoader((a) => fw.get(a));
let ids = 0;
const host = {
  sender: normalizeAddress("0x5e"),
  epoch: 7n,
  epochTimestampMs: 1234n,
  freshId: () => normalizeAddress(`0xf${(ids++).toString(16)}`),
  idsCreated: () => BigInt(ids),
} as unknown as VmHost;
const vm = () => new Interpreter(loader, NATIVES, host, new GasMeter(1e9));
function call(addr: string, mod: string, fn: string, args: Value[], ty: string[] = []): Value[] {
  const v = vm();
  return v.call(v.resolve(normalizeAddress(addr), mod, fn), ty.map(parseType), args);
}
const r = (v: Value) => new Ref([v], 0);
const bytes = (s: string) => Array.from(new TextEncoder().encode(s));
const fails = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof VmAbort || e instanceof VmFailure) return e;
    throw e;
  }
  throw new Error("expected a failure");
};

describe("hash natives", () => {
  const data = bytes("atoma on sui");
  it("sha2_256, sha3_256, blake2b256, keccak256 agree with @noble/hashes", () => {
    expect(call("0x1", "hash", "sha2_256", [data])).toEqual([Array.from(sha256(Uint8Array.from(data)))]);
    expect(call("0x1", "hash", "sha3_256", [data])).toEqual([Array.from(sha3_256(Uint8Array.from(data)))]);
    expect(call("0x2", "hash", "blake2b256", [r(data)])).toEqual([
      Array.from(blake2b(Uint8Array.from(data), { dkLen: 32 })),
    ]);
    expect(call("0x2", "hash", "keccak256", [r(data)])).toEqual([Array.from(keccak_256(Uint8Array.from(data)))]);
    expect(call("0x2", "hmac", "hmac_sha3_256", [r(bytes("k")), r(data)])).toEqual([
      Array.from(hmac(sha3_256, Uint8Array.from(bytes("k")), Uint8Array.from(data))),
    ]);
    expect(call("0x1", "hash", "sha2_256", [bytes("other")])).not.toEqual([Array.from(sha256(Uint8Array.from(data)))]);
  });
  it("hmac_sha3_256, sha3_256 and sha2_256 (node:crypto) agree with @noble/hashes around block sizes and key lengths", () => {
    const seq = (n: number, k: number) => Array.from({ length: n }, (_, i) => (i * k + 7) & 0xff);
    // SHA3-256's block is 136 bytes (a longer HMAC key is hashed first), SHA-256's 64.
    for (const n of [0, 1, 32, 63, 64, 65, 135, 136, 137, 300]) {
      const m = seq(n, 31);
      const u = Uint8Array.from(m);
      expect(call("0x1", "hash", "sha3_256", [m])).toEqual([Array.from(sha3_256(u))]);
      expect(call("0x1", "hash", "sha2_256", [m])).toEqual([Array.from(sha256(u))]);
      for (const kn of [0, 32, 136, 137, 200]) {
        const k = seq(kn, 13);
        expect(call("0x2", "hmac", "hmac_sha3_256", [r(k), r(m)])).toEqual([
          Array.from(hmac(sha3_256, Uint8Array.from(k), u)),
        ]);
      }
    }
  });
});

describe("signature natives", () => {
  const msg = Uint8Array.from(bytes("verdict"));
  it("ed25519_verify accepts a valid signature and rejects a tampered one or bad lengths", () => {
    const sk = new Uint8Array(32).fill(3);
    const pk = ed25519.getPublicKey(sk);
    const sig = ed25519.sign(msg, sk);
    const verify = (s: Uint8Array, p: Uint8Array, m: Uint8Array) =>
      call("0x2", "ed25519", "ed25519_verify", [r(Array.from(s)), r(Array.from(p)), r(Array.from(m))])[0];
    expect(verify(sig, pk, msg)).toBe(true);
    const bad = Uint8Array.from(sig);
    bad[0]! ^= 1;
    expect(verify(bad, pk, msg)).toBe(false);
    expect(verify(sig.subarray(0, 63), pk, msg)).toBe(false);
  });
  it("secp256r1_verify with sha256 (hash = 1) and keccak256 (hash = 0)", () => {
    const sk = p256.utils.randomSecretKey(new Uint8Array(48).fill(5));
    const pk = p256.getPublicKey(sk, true);
    const sig = p256.sign(sha256(msg), sk, { prehash: false });
    const verify = (s: Uint8Array, h: number) =>
      call("0x2", "ecdsa_r1", "secp256r1_verify", [r(Array.from(s)), r(Array.from(pk)), r(Array.from(msg)), h])[0];
    expect(verify(sig, 1)).toBe(true);
    expect(verify(sig, 0)).toBe(false);
    const k = p256.sign(keccak_256(msg), sk, { prehash: false });
    expect(verify(k, 0)).toBe(true);
  });
});

describe("bcs, string, address, type_name, vector", () => {
  it("bcs::to_bytes encodes values as BCS", () => {
    expect(call("0x1", "bcs", "to_bytes", [r(258n)], ["u64"])).toEqual([[2, 1, 0, 0, 0, 0, 0, 0]]);
    expect(call("0x1", "bcs", "to_bytes", [r([[1n], []])], ["0x1::option::Option<u64>"])).not.toBeNull();
    expect(call("0x1", "bcs", "to_bytes", [r([1, 2])], ["vector<u8>"])).toEqual([[2, 1, 2]]);
  });
  it("string::utf8 checks UTF-8 (aborts with EInvalidUTF8 = 1)", () => {
    expect(call("0x1", "string", "utf8", [bytes("héllo")])).toEqual([[bytes("héllo")]]);
    const e = fails(() => call("0x1", "string", "utf8", [[0xc3]]));
    expect((e as VmAbort).code).toBe(1n);
    expect(call("0x1", "string", "sub_string", [r([bytes("héllo")]), 0n, 3n])).toEqual([[bytes("hé")]]);
    expect((fails(() => call("0x1", "string", "sub_string", [r([bytes("héllo")]), 0n, 2n])) as VmAbort).code).toBe(2n);
    expect(call("0x1", "string", "index_of", [r([bytes("abcabc")]), r([bytes("ca")])])).toEqual([2n]);
  });
  it("address::from_bytes needs 32 bytes; to_u256/from_u256 round-trip", () => {
    const a = normalizeAddress("0xabc");
    expect(call("0x2", "address", "to_u256", [a])).toEqual([0xabcn]);
    expect(call("0x2", "address", "from_u256", [0xabcn])).toEqual([a]);
    expect(call("0x2", "address", "from_bytes", [new Array(32).fill(1)])).toEqual([`0x${"01".repeat(32)}`]);
    expect(fails(() => call("0x2", "address", "from_bytes", [[1, 2]]))).toBeInstanceOf(VmAbort);
  });
  it("type_name renders Move's canonical names", () => {
    const [tn] = call("0x1", "type_name", "with_defining_ids", [], ["0x2::coin::Coin<0x2::sui::SUI>"]);
    const name = Buffer.from((tn as Value[][])[0]![0] as number[]).toString();
    expect(name).toBe(`${"0".repeat(63)}2::coin::Coin<${"0".repeat(63)}2::sui::SUI>`);
    const [prim] = call("0x1", "type_name", "with_defining_ids", [], ["vector<u64>"]);
    expect(Buffer.from((prim as Value[][])[0]![0] as number[]).toString()).toBe("vector<u64>");
  });
  it("vector natives, with out-of-bounds failing", () => {
    expect(call("0x1", "vector", "reverse", [r([1n, 2n, 3n])], ["u64"])).toEqual([]);
    const v: Value[] = [[1n, 2n, 3n]];
    call("0x1", "vector", "reverse", [new Ref(v, 0)], ["u64"]);
    expect(v[0]).toEqual([3n, 2n, 1n]);
    expect(call("0x1", "vector", "contains", [r([1n, 2n]), r(2n)], ["u64"])).toEqual([true]);
    expect(fails(() => call("0x1", "vector", "swap", [r([1n]), 0n, 1n], ["u64"]))).toBeInstanceOf(VmFailure);
    expect(fails(() => call("0x1", "vector", "destroy_empty", [[1n]], ["u64"]))).toBeInstanceOf(VmFailure);
  });
});

describe("tx_context, object ids, dynamic field ids, one-time witness", () => {
  it("tx_context natives read the host", () => {
    const ctx = r([host.sender, new Array(32).fill(0), 0n, 0n, 0n]);
    expect(call("0x2", "tx_context", "sender", [ctx])).toEqual([host.sender]);
    expect(call("0x2", "tx_context", "epoch", [ctx])).toEqual([7n]);
    const [a] = call("0x2", "tx_context", "fresh_object_address", [ctx]);
    const [b] = call("0x2", "tx_context", "fresh_object_address", [ctx]);
    expect(a).not.toBe(b);
  });
  it("dynamic_field::hash_type_and_key is Sui's derivation", () => {
    const parent = normalizeAddress("0x1234");
    const [id] = call("0x2", "dynamic_field", "hash_type_and_key", [parent, 7n], ["u64"]);
    expect(id).toBe(childId(parent, parseType("u64"), Uint8Array.from([7, 0, 0, 0, 0, 0, 0, 0])));
    // Sui: blake2b256(0xf0 ‖ parent ‖ u64le(len) ‖ key ‖ bcs(TypeTag::U64 = 2)).
    const pre = [0xf0, ...Buffer.from(parent.slice(2), "hex"), 8, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 2];
    expect(id).toBe(`0x${Buffer.from(blake2b(Uint8Array.from(pre), { dkLen: 32 })).toString("hex")}`);
  });
  it("types::is_one_time_witness only for the module's upper-case drop struct", () => {
    expect(call("0x2", "types", "is_one_time_witness", [r([false])], ["0x2::sui::SUI"])).toEqual([true]);
    expect(call("0x2", "types", "is_one_time_witness", [r([false])], ["0x2::coin::Coin<0x2::sui::SUI>"])).toEqual([
      false,
    ]);
  });
});

describe("native binding", () => {
  it("a function bound to one native table is rebound when another interpreter brings its own table", () => {
    const digest = (table: ReadonlyMap<string, NativeFunction>) => {
      const v = new Interpreter(loader, table, host, new GasMeter(1e9));
      return v.call(v.resolve(normalizeAddress("0x2"), "hash", "blake2b256"), [], [r(bytes("x"))]);
    };
    const real = Array.from(blake2b(Uint8Array.from(bytes("x")), { dkLen: 32 }));
    expect(digest(NATIVES)).toEqual([real]);
    const other = new Map(NATIVES);
    other.set("0x2::hash::blake2b256", () => [new Array(32).fill(7)]);
    expect(digest(other)).toEqual([new Array(32).fill(7)]);
    expect(digest(NATIVES)).toEqual([real]);
  });

  it("a native's abort carries its own location, also after other natives ran in the same interpreter", () => {
    const v = vm();
    expect(v.call(v.resolve(normalizeAddress("0x1"), "string", "internal_check_utf8"), [], [r(bytes("ok"))])).toEqual([
      true,
    ]);
    const e = fails(() => v.call(v.resolve(normalizeAddress("0x2"), "address", "from_bytes"), [], [bytes("short")]));
    expect(e).toBeInstanceOf(VmAbort);
    expect((e as VmAbort).location).toMatchObject({ module: "address", functionName: "from_bytes", pc: 0 });
  });
});
