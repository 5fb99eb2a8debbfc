/** Round trips and tamper rejection of the composable envelopes. */
import { describe, expect, it } from "vitest";
import {
  assertKeyAttested,
  blake2b256,
  bytesToHex,
  concatBytes,
  DecryptError,
  decodeEnvelope,
  encodeEnvelope,
  generateEncryptionKeyPair,
  generateSigningKeyPair,
  KeyNotAttestedError,
  Layer,
  nonceLength,
  objectIdHex,
  openAsNode,
  openAsUser,
  RECIPIENT_ENTRY_LEN,
  Suite,
  type SuiteId,
  sealForNodes,
  sealForUser,
} from "../../src/crypto/index.js";
import { DecodeError, InvalidInputError } from "../../src/errors.js";

const NOW = 1_700_000_000_000;
const requestId = `0x${"11".repeat(32)}`;
const otherRequest = `0x${"12".repeat(32)}`;
const payload = new TextEncoder().encode("confidential prompt: what is 2+2?");

function makeNode(i: number) {
  const sig = generateSigningKeyPair();
  const enc = generateEncryptionKeyPair();
  return {
    nodeId: objectIdHex(`0x${(i + 1).toString(16)}`),
    sigPk: sig.publicKey,
    encPk: enc.publicKey,
    encSk: enc.secretKey,
    attestation: {
      teeKind: 1,
      reportDataHash: blake2b256(concatBytes(sig.publicKey, enc.publicKey)),
      expiresMs: BigInt(NOW + 60_000),
    },
  };
}
const nodes = [0, 1, 2].map(makeNode);
const user = generateEncryptionKeyPair();
const suites: [string, SuiteId][] = [
  ["AES-256-GCM", Suite.Aes256Gcm],
  ["XChaCha20-Poly1305", Suite.XChaCha20Poly1305],
];

function flip(b: Uint8Array, at: number): Uint8Array {
  const c = b.slice();
  c[at] = (c[at] as number) ^ 0x01;
  return c;
}

describe.each(suites)("envelopes, %s", (_name, suite) => {
  const sealed = sealForNodes({ requestId, payload, recipients: nodes, suite, nowMs: NOW });
  const userEnv = sealForUser({ requestId, payload, userPk: user.publicKey, suite });

  it("node layer: every recipient opens the same payload", () => {
    expect(sealed.wraps.map((w) => w.nodeId)).toEqual(nodes.map((n) => n.nodeId));
    for (const n of nodes) {
      const out = openAsNode({ requestId, envelope: sealed.envelope, nodeId: n.nodeId, encSk: n.encSk });
      expect(bytesToHex(out)).toBe(bytesToHex(payload));
    }
    const env = decodeEnvelope(sealed.envelope);
    expect(env.suite).toBe(suite);
    expect(env.layer).toBe(Layer.Node);
    expect(env.nonce.length).toBe(nonceLength(suite));
    expect(env.recipients.length).toBe(3);
    expect(bytesToHex(encodeEnvelope(env))).toBe(bytesToHex(sealed.envelope));
  });

  it("user layer round trip, and empty / 1 MB payloads", () => {
    expect(bytesToHex(openAsUser({ requestId, envelope: userEnv, userSk: user.secretKey }))).toBe(bytesToHex(payload));
    const empty = sealForUser({ requestId, payload: new Uint8Array(0), userPk: user.publicKey, suite });
    expect(openAsUser({ requestId, envelope: empty, userSk: user.secretKey }).length).toBe(0);
    const big = new Uint8Array(1 << 20).map((_, i) => i * 7);
    const e = sealForNodes({ requestId, payload: big, recipients: nodes, suite, nowMs: NOW });
    const out = openAsNode({
      requestId,
      envelope: e.envelope,
      nodeId: nodes[2]?.nodeId ?? "",
      encSk: nodes[2]?.encSk ?? new Uint8Array(),
    });
    expect(bytesToHex(blake2b256(out))).toBe(bytesToHex(blake2b256(big)));
  });

  it("input-hash binding for a request not yet on chain", () => {
    const inputHash = blake2b256(payload);
    const e = sealForNodes({ inputHash, payload, recipients: nodes, suite, nowMs: NOW });
    const n = nodes[0];
    if (!n) throw new Error("no node");
    expect(bytesToHex(openAsNode({ inputHash, envelope: e.envelope, nodeId: n.nodeId, encSk: n.encSk }))).toBe(
      bytesToHex(payload),
    );
    // the same 32 bytes given as a request id do not open it (binding kind is authenticated)
    expect(() => openAsNode({ requestId: inputHash, envelope: e.envelope, nodeId: n.nodeId, encSk: n.encSk })).toThrow(
      DecryptError,
    );
  });

  it("fresh ephemeral key and nonce per seal", () => {
    const again = decodeEnvelope(sealForNodes({ requestId, payload, recipients: nodes, suite, nowMs: NOW }).envelope);
    const first = decodeEnvelope(sealed.envelope);
    expect(bytesToHex(again.ephemeralPk)).not.toBe(bytesToHex(first.ephemeralPk));
    expect(bytesToHex(again.ciphertext)).not.toBe(bytesToHex(first.ciphertext));
  });

  describe("every tamper is rejected with DecryptError", () => {
    const n0 = nodes[0];
    if (!n0) throw new Error("no node");
    const asNode = (envelope: Uint8Array, rid = requestId) =>
      openAsNode({ requestId: rid, envelope, nodeId: n0.nodeId, encSk: n0.encSk });
    const env = sealed.envelope;
    const headerLen = 4 + 32 + 32 + nonceLength(suite);
    const firstWrap = headerLen + 2 + 32;
    it("each byte of the header, wraps and ciphertext", () => {
      // every single byte position: flipping it must make opening fail
      for (let i = 0; i < env.length; i++) {
        if (i >= headerLen + 2 + RECIPIENT_ENTRY_LEN && i < headerLen + 2 + 3 * RECIPIENT_ENTRY_LEN) continue; // other nodes' entries
        expect(() => asNode(flip(env, i)), `byte ${i}`).toThrow(DecryptError);
      }
    });
    it("flipped ciphertext byte and tag", () => {
      expect(() => asNode(flip(env, env.length - 20))).toThrow(/authentication failed/);
      expect(() => asNode(flip(env, env.length - 1))).toThrow(/authentication failed/);
      expect(() => asNode(flip(env, firstWrap + 5))).toThrow(/authentication failed/);
    });
    it("other request id (AAD)", () => {
      expect(() => asNode(env, otherRequest)).toThrow(/bound to another request/);
    });
    it("binding rewritten in the header to another request", () => {
      const e = decodeEnvelope(env);
      e.binding = decodeEnvelope(sealForUser({ requestId: otherRequest, payload, userPk: user.publicKey })).binding;
      expect(() => asNode(encodeEnvelope(e), otherRequest)).toThrow(/authentication failed/);
    });
    it("wrong recipient key / not a recipient", () => {
      const stranger = generateEncryptionKeyPair();
      expect(() => openAsNode({ requestId, envelope: env, nodeId: n0.nodeId, encSk: stranger.secretKey })).toThrow(
        /authentication failed/,
      );
      expect(() => openAsNode({ requestId, envelope: env, nodeId: "0x99", encSk: n0.encSk })).toThrow(/no entry/);
      expect(() => openAsUser({ requestId, envelope: userEnv, userSk: stranger.secretKey })).toThrow(DecryptError);
    });
    it("entry id swapped to another node", () => {
      const e = decodeEnvelope(env);
      const [a, b] = e.recipients;
      if (!a || !b) throw new Error("entries");
      [a.id, b.id] = [b.id, a.id];
      expect(() => asNode(encodeEnvelope(e))).toThrow(/authentication failed/);
    });
    it("swapped layer", () => {
      expect(() => openAsUser({ requestId, envelope: env, userSk: n0.encSk })).toThrow(
        /node layer, not the user layer/,
      );
      expect(() => openAsNode({ requestId, envelope: userEnv, nodeId: n0.nodeId, encSk: user.secretKey })).toThrow(
        /user layer, not the node layer/,
      );
      // a layer byte rewritten: the key schedule and AAD no longer match
      const relabeled = userEnv.slice();
      relabeled[2] = Layer.Node;
      expect(() => openAsNode({ requestId, envelope: relabeled, nodeId: n0.nodeId, encSk: user.secretKey })).toThrow(
        DecryptError,
      );
    });
    it("suite byte switched", () => {
      const e = decodeEnvelope(userEnv);
      e.suite = suite === Suite.Aes256Gcm ? Suite.XChaCha20Poly1305 : Suite.Aes256Gcm;
      e.nonce = new Uint8Array(nonceLength(e.suite));
      expect(() => openAsUser({ requestId, envelope: encodeEnvelope(e), userSk: user.secretKey })).toThrow(
        DecryptError,
      );
    });
    it("truncated, extended, bad version", () => {
      expect(() => asNode(env.slice(0, env.length - 1))).toThrow(/truncated/);
      expect(() => asNode(concatBytes(env, new Uint8Array([0])))).toThrow(/trailing/);
      const v = env.slice();
      v[0] = 3;
      expect(() => asNode(v)).toThrow(DecryptError);
      expect(() => asNode(v)).toThrow(/check version: .*envelope\.version: unsupported version 3/);
      // a v1 envelope relabelled as v2 (mixed version) does not open either
      v[0] = 2;
      expect(() => asNode(v)).toThrow(DecryptError);
    });
  });
});

describe("decodeEnvelope is strict and names the field", () => {
  const env = sealForUser({ requestId, payload, userPk: user.publicKey });
  const cases: [string, Uint8Array, RegExp][] = [
    ["empty", new Uint8Array(0), /envelope\.version: truncated/],
    ["version", flip(env, 0), /envelope\.version: unsupported/],
    ["suite", Uint8Array.from([1, 9, 1, 0]), /envelope\.suite: unknown suite 9/],
    ["layer", Uint8Array.from([1, 1, 3, 0]), /envelope\.layer: unknown layer 3/],
    ["binding kind", Uint8Array.from([1, 1, 1, 7]), /envelope\.bindingKind/],
    ["binding", env.slice(0, 20), /envelope\.binding: truncated/],
    ["ephemeral", env.slice(0, 50), /envelope\.ephemeralPk: truncated/],
    ["nonce", env.slice(0, 70), /envelope\.nonce: truncated/],
    ["recipient count", env.slice(0, 80), /envelope\.recipientCount: truncated/],
    ["recipients", env.slice(0, 100), /envelope\.recipients: truncated/],
    ["ciphertext", env.slice(0, env.length - 3), /envelope\.ciphertext: truncated/],
    ["trailing", concatBytes(env, new Uint8Array(2)), /2 trailing bytes/],
  ];
  it.each(cases)("%s", (_n, bytes, re) => {
    expect(() => decodeEnvelope(bytes)).toThrow(DecodeError);
    expect(() => decodeEnvelope(bytes)).toThrow(re);
  });
  it("zero recipients", () => {
    const z = env.slice();
    z[80] = 0;
    z[81] = 0;
    expect(() => decodeEnvelope(z)).toThrow(/envelope\.recipientCount: must be 1\.\.1024, got 0/);
  });
});

describe("assertKeyAttested", () => {
  const n = makeNode(7);
  it("accepts a valid binding", () => {
    expect(() => assertKeyAttested(n, NOW)).not.toThrow();
  });
  const cases: [string, Parameters<typeof assertKeyAttested>[0], RegExp][] = [
    ["wrong binding (other enc key)", { ...n, encPk: generateEncryptionKeyPair().publicKey }, /not the attested key/],
    ["expired", { ...n, attestation: { ...n.attestation, expiresMs: NOW } }, /expired/],
    ["revoked", { ...n, attestation: { ...n.attestation, revoked: true } }, /revoked/],
    ["tee None", { ...n, attestation: { ...n.attestation, teeKind: 0 } }, /teeKind 0/],
    ["no attestation", { ...n, attestation: undefined }, /no attestation/],
  ];
  it.each(cases)("rejects: %s", (_name, node, re) => {
    expect(() => assertKeyAttested(node, NOW)).toThrow(KeyNotAttestedError);
    expect(() => assertKeyAttested(node, NOW)).toThrow(re);
    try {
      assertKeyAttested(node, NOW);
    } catch (e) {
      expect((e as KeyNotAttestedError).code).toBe("KEY_NOT_ATTESTED");
      expect((e as KeyNotAttestedError).nodeId).toBe(n.nodeId);
    }
  });
  it("sealForNodes runs it per recipient unless attestation is not required", () => {
    const bad = { ...n, attestation: { ...n.attestation, revoked: true } };
    expect(() => sealForNodes({ requestId, payload, recipients: [nodes[0] ?? n, bad], nowMs: NOW })).toThrow(
      KeyNotAttestedError,
    );
    expect(() => sealForNodes({ requestId, payload, recipients: [bad], confidential: true, nowMs: NOW })).toThrow(
      KeyNotAttestedError,
    );
    const ok = sealForNodes({ requestId, payload, recipients: [bad], confidential: false, nowMs: NOW });
    expect(bytesToHex(openAsNode({ requestId, envelope: ok.envelope, nodeId: n.nodeId, encSk: n.encSk }))).toBe(
      bytesToHex(payload),
    );
    const noSig = { nodeId: n.nodeId, encPk: n.encPk };
    expect(() => sealForNodes({ requestId, payload, recipients: [noSig], nowMs: NOW })).toThrow(
      /recipients\[0\]\.sigPk/,
    );
  });
});

describe("input validation", () => {
  it("names the field", () => {
    expect(() => sealForNodes({ requestId, payload, recipients: [], nowMs: NOW })).toThrow(InvalidInputError);
    const n0 = nodes[0];
    if (!n0) throw new Error("no node");
    expect(() => sealForNodes({ requestId, payload, recipients: [n0, n0], nowMs: NOW })).toThrow(
      /recipients\[1\]\.nodeId: appears twice/,
    );
    expect(() => sealForUser({ requestId: "0xnothex", payload, userPk: user.publicKey })).toThrow(/requestId/);
    expect(() => sealForUser({ inputHash: new Uint8Array(5), payload, userPk: user.publicKey })).toThrow(
      /inputHash: must be 32 bytes/,
    );
    expect(() => sealForUser({ requestId, payload, userPk: new Uint8Array(31) })).toThrow(/userPk: must be 32 bytes/);
    // low-order X25519 points (all-zero shared secret) are refused
    expect(() => sealForUser({ requestId, payload, userPk: new Uint8Array(32) })).toThrow(
      /userPk: is not a valid X25519/,
    );
    const lowOrder = { nodeId: "0x5", encPk: new Uint8Array(32).fill(0).fill(1, 0, 1) };
    expect(() => sealForNodes({ requestId, payload, recipients: [lowOrder], confidential: false })).toThrow(
      /recipients\[0\]\.encPk: is not a valid X25519/,
    );
    expect(() =>
      sealForUser({ requestId, inputHash: new Uint8Array(32), payload, userPk: user.publicKey } as never),
    ).toThrow(/exactly one of requestId and inputHash/);
  });
});

describe("opening a decoded envelope object (as the node-runner daemon does)", () => {
  const n0 = nodes[0];
  if (!n0) throw new Error("no node");
  for (const [name, suite] of suites) {
    it(`${name}: opens as the bytes do; tampered objects fail as their encoding would`, () => {
      const sealed = sealForNodes({ requestId, payload, recipients: nodes, suite, nowMs: NOW });
      const open = (envelope: Uint8Array | ReturnType<typeof decodeEnvelope>) =>
        openAsNode({ requestId, envelope, nodeId: n0.nodeId, encSk: n0.encSk });
      const obj = decodeEnvelope(sealed.envelope);
      expect(bytesToHex(open(obj))).toBe(bytesToHex(open(sealed.envelope)));
      expect(bytesToHex(open(obj))).toBe(bytesToHex(payload));
      // malformed objects: the field named, checked before any key work
      const short = { ...obj, recipients: obj.recipients.map((r) => ({ ...r, wrappedKey: r.wrappedKey.subarray(1) })) };
      expect(() => open(short)).toThrow(/envelope does not decode.*recipients\[0\]\.wrappedKey/);
      expect(() => open({ ...obj, nonce: obj.nonce.subarray(1) })).toThrow(/envelope\.nonce/);
      expect(() => open({ ...obj, ciphertext: obj.ciphertext.subarray(0, 15) })).toThrow(/envelope\.ciphertext/);
      expect(() => open({ ...obj, recipients: [] })).toThrow(/envelope\.recipients/);
      expect(() => open({ ...obj, version: 1, kem: 2 })).toThrow(/envelope\.kem/);
      // a tampered ciphertext in the object: authentication, as with bytes
      const ct = obj.ciphertext.slice();
      ct[0] = (ct[0] as number) ^ 1;
      expect(() => open({ ...obj, ciphertext: ct })).toThrow(/authentication failed/);
    });
  }
});
