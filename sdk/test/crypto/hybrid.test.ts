/**
 * The X25519 + ML-KEM-768 hybrid: known answers from the X-Wing draft (draft-connolly-cfrg-xwing-kem-08,
 * Appendix C, in vectors/xwing-draft-08.json), our combiner reproducing them, post-quantum
 * envelopes, and every refusal naming the layer and the check.
 */
import { readFileSync } from "node:fs";
import { x25519 } from "@noble/curves/ed25519.js";
import { shake256 } from "@noble/hashes/sha3.js";
import { ml_kem768_x25519 } from "@noble/post-quantum/hybrid.js";
import { describe, expect, it } from "vitest";
import { AttestationError } from "../../src/attestation/common.js";
import { checkMlKemBinding, checkReportDataBinding, reportDataFor } from "../../src/attestation/index.js";
import {
  attestedNodeOf,
  blake2b256,
  bytesToHex,
  concatBytes,
  DecryptError,
  decodeEnvelope,
  encodeEnvelope,
  generateEncryptionKeyPair,
  generateMlKemKeyPair,
  generateSigningKeyPair,
  hexToBytes,
  hybridEncapsulate,
  Kem,
  KeyNotAttestedError,
  LayerError,
  MLKEM768_CIPHERTEXT_LEN,
  mlkemKeyHash,
  mlkemPublicKey,
  openAsNode,
  openAsUser,
  sealForNodes,
  sealForUser,
} from "../../src/crypto/index.js";
import { DecodeError, InvalidInputError } from "../../src/errors.js";

interface Vector {
  seed: string;
  pk?: string;
  eseed: string;
  ct?: string;
  ss: string;
}
const file = JSON.parse(readFileSync(new URL("./vectors/xwing-draft-08.json", import.meta.url), "utf8")) as {
  vectors: Vector[];
};

describe("X-Wing known answers (draft-connolly-cfrg-xwing-kem-08 Appendix C)", () => {
  it.each(file.vectors.map((v, i) => [i + 1, v] as const))("vector %i: @noble/post-quantum X-Wing", (_i, v) => {
    const k = ml_kem768_x25519.keygen(hexToBytes(v.seed));
    if (v.pk) expect(bytesToHex(k.publicKey)).toBe(v.pk);
    const e = ml_kem768_x25519.encapsulate(k.publicKey, hexToBytes(v.eseed));
    if (v.ct) expect(bytesToHex(e.cipherText)).toBe(v.ct);
    expect(bytesToHex(e.sharedSecret)).toBe(v.ss);
    expect(bytesToHex(ml_kem768_x25519.decapsulate(e.cipherText, k.secretKey))).toBe(v.ss);
  });

  it.each(file.vectors.map((v, i) => [i + 1, v] as const))(
    "vector %i: our ML-KEM-768 keys + hybridEncapsulate (X-Wing combiner) give the same pk, ct and ss",
    (_i, v) => {
      // X-Wing key generation: SHAKE256(seed, 96) = ML-KEM seed d‖z (64) ‖ X25519 secret (32).
      const expanded = shake256(hexToBytes(v.seed), { dkLen: 96 });
      const mk = generateMlKemKeyPair(expanded.slice(0, 64));
      const xSk = expanded.slice(64, 96);
      const xPk = x25519.getPublicKey(xSk);
      if (v.pk) expect(bytesToHex(concatBytes(mk.publicKey, xPk))).toBe(v.pk);
      // X-Wing encapsulation: eseed = ML-KEM message m (32) ‖ ephemeral X25519 secret (32).
      const eseed = hexToBytes(v.eseed);
      const ephSk = eseed.slice(32, 64);
      const ephPk = x25519.getPublicKey(ephSk);
      const r = hybridEncapsulate({ ephSk, ephPk, x25519Pk: xPk, mlkemPk: mk.publicKey, mlkemMsg: eseed.slice(0, 32) });
      if (v.ct) expect(bytesToHex(concatBytes(r.kemCiphertext, ephPk))).toBe(v.ct);
      expect(bytesToHex(r.sharedSecret)).toBe(v.ss);
    },
  );
});

const requestId = `0x${"5a".repeat(32)}`;
const now = 1_000_000;
function makeNode(i: number, opts: { pq?: boolean; bindMlkem?: boolean; onChain?: boolean } = {}) {
  const sig = generateSigningKeyPair();
  const enc = generateEncryptionKeyPair();
  const ml = generateMlKemKeyPair();
  return {
    nodeId: `0x${(i + 1).toString(16).padStart(64, "0")}`,
    sigPk: sig.publicKey,
    encPk: enc.publicKey,
    encSk: enc.secretKey,
    mlkemSk: ml.secretKey,
    ...(opts.pq === false ? {} : { mlkemPk: ml.publicKey }),
    // the node record's mlkem_pk_hash (node::set_pq_key)
    mlkemPkHash: opts.onChain === false ? null : mlkemKeyHash(ml.publicKey),
    attestation: {
      teeKind: 1,
      reportDataHash: blake2b256(concatBytes(sig.publicKey, enc.publicKey)),
      expiresMs: now + 60_000,
      ...(opts.bindMlkem === false ? {} : { mlkemKeyHash: mlkemKeyHash(ml.publicKey) }),
    },
  };
}

function layerErr(fn: () => unknown): LayerError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LayerError);
    expect(e).toBeInstanceOf(DecryptError);
    return e as LayerError;
  }
  throw new Error("did not throw");
}

describe("post-quantum envelopes", () => {
  const nodes = [0, 1, 2].map((i) => makeNode(i));
  const payload = new TextEncoder().encode("confidential prompt");
  const { envelope } = sealForNodes({ requestId, payload, recipients: nodes, postQuantum: true, nowMs: now });

  it("every node opens it with both secrets; the wire format is v2 with the hybrid KEM", () => {
    const env = decodeEnvelope(envelope);
    expect(env.version).toBe(2);
    expect(env.kem).toBe(Kem.X25519MlKem768);
    expect(env.recipients.map((r) => r.kemCiphertext?.length)).toEqual([1088, 1088, 1088]);
    for (const n of nodes)
      expect(openAsNode({ requestId, envelope, nodeId: n.nodeId, encSk: n.encSk, mlkemSk: n.mlkemSk })).toEqual(
        payload,
      );
  });

  it("breaking either component alone opens nothing", () => {
    const n = nodes[0] as (typeof nodes)[number];
    const other = makeNode(9);
    // right X25519 secret, wrong ML-KEM secret (as if X25519 were broken but ML-KEM held)
    expect(
      layerErr(() => openAsNode({ requestId, envelope, nodeId: n.nodeId, encSk: n.encSk, mlkemSk: other.mlkemSk }))
        .check,
    ).toBe("authentication");
    // right ML-KEM secret, wrong X25519 secret
    expect(
      layerErr(() => openAsNode({ requestId, envelope, nodeId: n.nodeId, encSk: other.encSk, mlkemSk: n.mlkemSk }))
        .check,
    ).toBe("authentication");
    // no ML-KEM secret at all
    const e = layerErr(() => openAsNode({ requestId, envelope, nodeId: n.nodeId, encSk: n.encSk }));
    expect([e.layer, e.check]).toEqual(["node", "kem-key"]);
  });

  it("an ML-KEM ciphertext of the wrong length is refused by name, and a flipped one does not open", () => {
    const n = nodes[1] as (typeof nodes)[number];
    const env = decodeEnvelope(envelope);
    // wire: shorten recipient 0's ML-KEM ciphertext length field to 1087
    const bytes = envelope.slice();
    const head = 4 + 32 + 1 + 32 + 12 + 2;
    new DataView(bytes.buffer).setUint16(head + 32, MLKEM768_CIPHERTEXT_LEN - 1);
    expect(() => decodeEnvelope(bytes)).toThrow(DecodeError);
    expect(() => decodeEnvelope(bytes)).toThrow(/recipients\[0\]\.kemCiphertext: ML-KEM-768 ciphertext must be 1088/);
    const e = layerErr(() =>
      openAsNode({ requestId, envelope: bytes, nodeId: n.nodeId, encSk: n.encSk, mlkemSk: n.mlkemSk }),
    );
    expect(e.check).toBe("kem-ciphertext");
    // encoding refuses it too
    const short = { ...env, recipients: env.recipients.map((r) => ({ ...r, kemCiphertext: new Uint8Array(1000) })) };
    expect(() => encodeEnvelope(short)).toThrow(/recipients\[0\]\.kemCiphertext: must be 1088 bytes, got 1000/);
    // flip one byte of node 1's ML-KEM ciphertext (ML-KEM implicit rejection → wrong key → tag fails)
    const flipped = {
      ...env,
      recipients: env.recipients.map((r, i) => {
        if (i !== 1) return r;
        const kc = Uint8Array.from(r.kemCiphertext as Uint8Array);
        kc[500] = (kc[500] as number) ^ 1;
        return { ...r, kemCiphertext: kc };
      }),
    };
    expect(
      layerErr(() => openAsNode({ requestId, envelope: flipped, nodeId: n.nodeId, encSk: n.encSk, mlkemSk: n.mlkemSk }))
        .check,
    ).toBe("authentication");
  });

  it("nodes without an ML-KEM key, or whose attestation does not bind it, are refused for post-quantum requests", () => {
    const noKey = makeNode(5, { pq: false });
    expect(() =>
      sealForNodes({ requestId, payload, recipients: [nodes[0], noKey] as never[], postQuantum: true, nowMs: now }),
    ).toThrow(/recipients\[1\]\.mlkemPk: node 0x0+6 has no ML-KEM-768 key and is refused/);
    const unbound = makeNode(6, { bindMlkem: false });
    expect(() => sealForNodes({ requestId, payload, recipients: [unbound], postQuantum: true, nowMs: now })).toThrow(
      KeyNotAttestedError,
    );
    expect(() => sealForNodes({ requestId, payload, recipients: [unbound], postQuantum: true, nowMs: now })).toThrow(
      /binds no ML-KEM-768 key/,
    );
    const swapped = { ...makeNode(7), mlkemPk: generateMlKemKeyPair().publicKey };
    expect(() => sealForNodes({ requestId, payload, recipients: [swapped], postQuantum: true, nowMs: now })).toThrow(
      /mlkemPk is not the key the node published/,
    );
    // the published hash matches but the attestation binds another key
    const other = generateMlKemKeyPair().publicKey;
    const attestedOther = { ...makeNode(8), mlkemPk: other, mlkemPkHash: mlkemKeyHash(other) };
    expect(() =>
      sealForNodes({ requestId, payload, recipients: [attestedOther], postQuantum: true, nowMs: now }),
    ).toThrow(/mlkemPk is not the attested key/);
    // the same nodes are fine for a classic request
    expect(() => sealForNodes({ requestId, payload, recipients: [noKey, unbound], nowMs: now })).not.toThrow();
  });

  it("a node whose record on chain has no ML-KEM key hash, or another one, is refused for post-quantum requests", () => {
    const unpublished = makeNode(9, { onChain: false });
    let err: unknown;
    try {
      sealForNodes({ requestId, payload, recipients: [makeNode(13), unpublished], postQuantum: true, nowMs: now });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KeyNotAttestedError);
    expect((err as KeyNotAttestedError).message).toMatch(
      /node 0x0+a: node record has no ML-KEM-768 key hash on chain \(node::set_pq_key\)/,
    );
    const empty = { ...makeNode(10), mlkemPkHash: new Uint8Array(0) };
    expect(() => sealForNodes({ requestId, payload, recipients: [empty], postQuantum: true, nowMs: now })).toThrow(
      /no ML-KEM-768 key hash on chain/,
    );
    const wrong = { ...makeNode(11), mlkemPkHash: new Uint8Array(32).fill(7) };
    expect(() => sealForNodes({ requestId, payload, recipients: [wrong], postQuantum: true, nowMs: now })).toThrow(
      /on-chain mlkem_pk_hash != mlkemKeyHash\(mlkemPk\)/,
    );
    // from a chain record: attestedNodeOf carries the record's hash (empty = none)
    const n = makeNode(12);
    const rec = {
      sig_pk: Array.from(n.sigPk),
      enc_pk: Array.from(n.encPk),
      mlkem_pk_hash: [] as number[],
      attestation: {
        tee_kind: 1,
        report_data_hash: Array.from(n.attestation.reportDataHash),
        expires_ms: String(now + 60_000),
        revoked: false,
      },
    } as unknown as Parameters<typeof attestedNodeOf>[1];
    const extra = { mlkemPk: n.mlkemPk as Uint8Array, mlkemKeyHash: mlkemKeyHash(n.mlkemPk as Uint8Array) };
    expect(() =>
      sealForNodes({
        requestId,
        payload,
        recipients: [attestedNodeOf(n.nodeId, rec, extra)],
        postQuantum: true,
        nowMs: now,
      }),
    ).toThrow(/no ML-KEM-768 key hash on chain/);
    const published = { ...rec, mlkem_pk_hash: Array.from(mlkemKeyHash(n.mlkemPk as Uint8Array)) } as typeof rec;
    const { envelope } = sealForNodes({
      requestId,
      payload,
      recipients: [attestedNodeOf(n.nodeId, published, extra)],
      postQuantum: true,
      nowMs: now,
    });
    expect(openAsNode({ requestId, envelope, nodeId: n.nodeId, encSk: n.encSk, mlkemSk: n.mlkemSk })).toEqual(payload);
  });

  it("user layer: post-quantum when the user has an ML-KEM key; ML-KEM secret as seed or expanded key", () => {
    const u = generateEncryptionKeyPair();
    const um = generateMlKemKeyPair();
    const env = sealForUser({ requestId, payload, userPk: u.publicKey, userMlkemPk: um.publicKey });
    expect(decodeEnvelope(env).kem).toBe(Kem.X25519MlKem768);
    expect(openAsUser({ requestId, envelope: env, userSk: u.secretKey, userMlkemSk: um.secretKey })).toEqual(payload);
    const expanded = ml_kem768_x25519.lengths.secretKey; // (X-Wing's own secret: 32-byte seed)
    expect(expanded).toBe(32);
    expect(mlkemPublicKey(um.secretKey)).toEqual(um.publicKey);
    const e = layerErr(() =>
      openAsUser({ requestId: `0x${"11".repeat(32)}`, envelope: env, userSk: u.secretKey, userMlkemSk: um.secretKey }),
    );
    expect([e.layer, e.check]).toEqual(["user", "binding"]);
    expect(() => sealForUser({ requestId, payload, userPk: u.publicKey, userMlkemPk: new Uint8Array(10) })).toThrow(
      InvalidInputError,
    );
  });
});

describe("report data binding of the ML-KEM key", () => {
  it("bytes 0..32 bind sigPk ‖ encPk (unchanged), bytes 32..64 the ML-KEM key", () => {
    const sig = generateSigningKeyPair().publicKey;
    const enc = generateEncryptionKeyPair().publicKey;
    const ml = generateMlKemKeyPair().publicKey;
    const rd = reportDataFor(sig, enc, ml);
    expect(rd.length).toBe(64);
    expect(checkReportDataBinding({ reportData: rd }, sig, enc)).toEqual(rd.slice(0, 32));
    expect(checkMlKemBinding({ reportData: rd }, ml)).toEqual(mlkemKeyHash(ml));
    expect(() => checkMlKemBinding({ reportData: reportDataFor(sig, enc) }, ml)).toThrow(AttestationError);
    expect(() => checkMlKemBinding({ reportData: rd }, generateMlKemKeyPair().publicKey)).toThrow(/bytes 32\.\.64/);
  });
});
