/**
 * Composable encryption: versioned envelopes for the user layer and the node layer.
 * Wire format and key schedule: sdk/docs/encryption.md.
 */

import { gcm } from "@noble/ciphers/aes.js";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { blake2b256 } from "../attestation/binding.js";
import { DecodeError, ensureBytes, InvalidInputError } from "../errors.js";
import { type AttestationSummary, assertKeyAttested } from "./attested.js";
import { bytesToHex, concatBytes, equalBytes, objectIdBytes, objectIdHex } from "./bytes.js";
import { DecryptError } from "./errors.js";
import { aesGcmDecrypt, aesGcmEncrypt, xchachaDecrypt, xchachaEncrypt } from "./fast.js";

export const ENVELOPE_VERSION = 1;

/** Cipher suites (header byte 1). */
export const Suite = { Aes256Gcm: 1, XChaCha20Poly1305: 2 } as const;
export type SuiteId = (typeof Suite)[keyof typeof Suite];

/** Layers (header byte 2). */
export const Layer = { User: 1, Node: 2 } as const;
export type LayerId = (typeof Layer)[keyof typeof Layer];

/** What the 32-byte binding is (header byte 3). */
export const BindingKind = { RequestId: 0, InputHash: 1 } as const;
export type BindingKindId = (typeof BindingKind)[keyof typeof BindingKind];

export const KEY_LEN = 32;
export const TAG_LEN = 16;
export const WRAPPED_KEY_LEN = KEY_LEN + TAG_LEN;
export const RECIPIENT_ENTRY_LEN = 32 + WRAPPED_KEY_LEN;
export const MAX_RECIPIENTS = 1024;

const LABEL = new TextEncoder().encode("atoma/enc/v1");
const LABEL_WRAP = new TextEncoder().encode("atoma/enc/v1/wrap");
const LABEL_PAYLOAD = new TextEncoder().encode("atoma/enc/v1/payload");
const LABEL_USER_ID = new TextEncoder().encode("atoma/enc/v1/user-id");

export function nonceLength(suite: SuiteId): number {
  return suite === Suite.Aes256Gcm ? 12 : 24;
}

function aead(suite: SuiteId, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array) {
  return suite === Suite.Aes256Gcm ? gcm(key, nonce, aad) : xchacha20poly1305(key, nonce, aad);
}

/** The payload AEAD: via node:crypto where available (same bytes as noble; see fast.ts), else noble. */
function payloadEncrypt(suite: SuiteId, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) {
  return suite === Suite.Aes256Gcm ? aesGcmEncrypt(key, nonce, aad, pt) : xchachaEncrypt(key, nonce, aad, pt);
}

function payloadDecrypt(suite: SuiteId, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array) {
  return suite === Suite.Aes256Gcm ? aesGcmDecrypt(key, nonce, aad, ct) : xchachaDecrypt(key, nonce, aad, ct);
}

export interface RecipientEntry {
  /** nodeId (node layer) or blake2b256("atoma/enc/v1/user-id" ‖ userPk) (user layer). */
  id: Uint8Array;
  /** The content key (DEK) sealed to this recipient: 32 bytes + 16-byte tag. */
  wrappedKey: Uint8Array;
}

/** A decoded envelope. */
export interface Envelope {
  version: number;
  suite: SuiteId;
  layer: LayerId;
  bindingKind: BindingKindId;
  /** The request id, or the input hash when `bindingKind` is InputHash. */
  binding: Uint8Array;
  ephemeralPk: Uint8Array;
  nonce: Uint8Array;
  recipients: RecipientEntry[];
  /** Payload ciphertext including its 16-byte tag (from decodeEnvelope: a view into the input bytes). */
  ciphertext: Uint8Array;
}

function headerBytes(
  e: Pick<Envelope, "version" | "suite" | "layer" | "bindingKind" | "binding" | "ephemeralPk" | "nonce">,
) {
  return concatBytes(new Uint8Array([e.version, e.suite, e.layer, e.bindingKind]), e.binding, e.ephemeralPk, e.nonce);
}

/** Serialises an envelope (see encryption.md for the layout). */
export function encodeEnvelope(e: Envelope): Uint8Array {
  if (e.version !== ENVELOPE_VERSION) throw new InvalidInputError("envelope.version", `must be ${ENVELOPE_VERSION}`);
  if (e.suite !== Suite.Aes256Gcm && e.suite !== Suite.XChaCha20Poly1305)
    throw new InvalidInputError("envelope.suite", "must be 1 (AES-256-GCM) or 2 (XChaCha20-Poly1305)");
  if (e.layer !== Layer.User && e.layer !== Layer.Node)
    throw new InvalidInputError("envelope.layer", "must be 1 (user) or 2 (node)");
  if (e.bindingKind !== BindingKind.RequestId && e.bindingKind !== BindingKind.InputHash)
    throw new InvalidInputError("envelope.bindingKind", "must be 0 (request id) or 1 (input hash)");
  ensureBytes(e.binding, "envelope.binding", 32);
  ensureBytes(e.ephemeralPk, "envelope.ephemeralPk", 32);
  ensureBytes(e.nonce, "envelope.nonce", nonceLength(e.suite));
  if (e.recipients.length < 1 || e.recipients.length > MAX_RECIPIENTS)
    throw new InvalidInputError("envelope.recipients", `must hold 1..${MAX_RECIPIENTS} entries`);
  ensureBytes(e.ciphertext, "envelope.ciphertext");
  if (e.ciphertext.length < TAG_LEN || e.ciphertext.length > 0xffffffff)
    throw new InvalidInputError("envelope.ciphertext", `must be ${TAG_LEN}..2^32-1 bytes`);
  const head = headerBytes(e);
  const out = new Uint8Array(head.length + 2 + e.recipients.length * RECIPIENT_ENTRY_LEN + 4 + e.ciphertext.length);
  const dv = new DataView(out.buffer);
  out.set(head, 0);
  let o = head.length;
  dv.setUint16(o, e.recipients.length);
  o += 2;
  e.recipients.forEach((r, i) => {
    ensureBytes(r.id, `envelope.recipients[${i}].id`, 32);
    ensureBytes(r.wrappedKey, `envelope.recipients[${i}].wrappedKey`, WRAPPED_KEY_LEN);
    out.set(r.id, o);
    out.set(r.wrappedKey, o + 32);
    o += RECIPIENT_ENTRY_LEN;
  });
  dv.setUint32(o, e.ciphertext.length);
  o += 4;
  out.set(e.ciphertext, o);
  return out;
}

/** Strict parser: every field checked, no trailing bytes; failures are DecodeErrors naming the field. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError("envelope", "must be a Uint8Array");
  const need = (o: number, n: number, field: string) => {
    if (bytes.length < o + n)
      throw new DecodeError(
        `envelope.${field}`,
        `truncated: need ${n} bytes at offset ${o}, have ${Math.max(0, bytes.length - o)}`,
      );
  };
  need(0, 4, "version");
  const version = bytes[0] as number;
  if (version !== ENVELOPE_VERSION)
    throw new DecodeError("envelope.version", `unsupported version ${version} (expected ${ENVELOPE_VERSION})`);
  const suite = bytes[1] as number;
  if (suite !== Suite.Aes256Gcm && suite !== Suite.XChaCha20Poly1305)
    throw new DecodeError("envelope.suite", `unknown suite ${suite}`);
  const layer = bytes[2] as number;
  if (layer !== Layer.User && layer !== Layer.Node) throw new DecodeError("envelope.layer", `unknown layer ${layer}`);
  const bindingKind = bytes[3] as number;
  if (bindingKind !== BindingKind.RequestId && bindingKind !== BindingKind.InputHash)
    throw new DecodeError("envelope.bindingKind", `unknown binding kind ${bindingKind}`);
  let o = 4;
  need(o, 32, "binding");
  const binding = bytes.slice(o, o + 32);
  o += 32;
  need(o, 32, "ephemeralPk");
  const ephemeralPk = bytes.slice(o, o + 32);
  o += 32;
  const nl = nonceLength(suite as SuiteId);
  need(o, nl, "nonce");
  const nonce = bytes.slice(o, o + nl);
  o += nl;
  need(o, 2, "recipientCount");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = dv.getUint16(o);
  if (count < 1 || count > MAX_RECIPIENTS)
    throw new DecodeError("envelope.recipientCount", `must be 1..${MAX_RECIPIENTS}, got ${count}`);
  o += 2;
  need(o, count * RECIPIENT_ENTRY_LEN, "recipients");
  const recipients: RecipientEntry[] = [];
  for (let i = 0; i < count; i++) {
    recipients.push({ id: bytes.slice(o, o + 32), wrappedKey: bytes.slice(o + 32, o + RECIPIENT_ENTRY_LEN) });
    o += RECIPIENT_ENTRY_LEN;
  }
  need(o, 4, "ciphertextLength");
  const clen = dv.getUint32(o);
  o += 4;
  if (clen < TAG_LEN) throw new DecodeError("envelope.ciphertextLength", `must be at least ${TAG_LEN}, got ${clen}`);
  need(o, clen, "ciphertext");
  const ciphertext = bytes.subarray(o, o + clen); // a view: no copy of large payloads
  o += clen;
  if (o !== bytes.length) throw new DecodeError("envelope", `${bytes.length - o} trailing bytes after the ciphertext`);
  return {
    version,
    suite: suite as SuiteId,
    layer: layer as LayerId,
    bindingKind: bindingKind as BindingKindId,
    binding,
    ephemeralPk,
    nonce,
    recipients,
    ciphertext,
  };
}

/** The request an envelope is bound to: the on-chain request id, or (before creation) the input hash. */
export type RequestBinding =
  | { requestId: string | Uint8Array; inputHash?: undefined }
  | { inputHash: Uint8Array; requestId?: undefined };

function resolveBinding(b: RequestBinding): { kind: BindingKindId; value: Uint8Array } {
  if (b.requestId !== undefined && b.inputHash !== undefined)
    throw new InvalidInputError("requestId/inputHash", "give exactly one of requestId and inputHash");
  if (b.requestId !== undefined) return { kind: BindingKind.RequestId, value: objectIdBytes(b.requestId, "requestId") };
  if (b.inputHash !== undefined) {
    ensureBytes(b.inputHash, "inputHash", 32);
    return { kind: BindingKind.InputHash, value: b.inputHash };
  }
  throw new InvalidInputError("requestId/inputHash", "give exactly one of requestId and inputHash");
}

/** Recipient id of a user-layer entry. */
export function userRecipientId(userPk: Uint8Array): Uint8Array {
  ensureBytes(userPk, "userPk", 32);
  return blake2b256(concatBytes(LABEL_USER_ID, userPk));
}

function wrapKeys(
  header: Uint8Array,
  suite: SuiteId,
  shared: Uint8Array,
  recipientPk: Uint8Array,
  ephemeralPk: Uint8Array,
  recipientId: Uint8Array,
) {
  // info binds version, suite, layer, binding kind and value (header[0..36]), recipient pk, ephemeral pk, recipient id.
  const info = concatBytes(LABEL_WRAP, header.subarray(0, 36), recipientPk, ephemeralPk, recipientId);
  const nl = nonceLength(suite);
  const okm = hkdf(sha256, shared, LABEL, info, KEY_LEN + nl);
  const aad = concatBytes(LABEL_WRAP, header, recipientId, recipientPk);
  return { kek: okm.subarray(0, KEY_LEN), nonce: okm.subarray(KEY_LEN), aad };
}

interface SealTarget {
  id: Uint8Array;
  pk: Uint8Array;
  /** Names the key in errors. */
  field: string;
}

function seal(
  layer: LayerId,
  binding: RequestBinding,
  payload: Uint8Array,
  targets: SealTarget[],
  suite: SuiteId,
): Envelope {
  ensureBytes(payload, "payload");
  if (suite !== Suite.Aes256Gcm && suite !== Suite.XChaCha20Poly1305)
    throw new InvalidInputError("suite", "must be Suite.Aes256Gcm (1) or Suite.XChaCha20Poly1305 (2)");
  const b = resolveBinding(binding);
  const eph = x25519.utils.randomSecretKey();
  const ephemeralPk = x25519.getPublicKey(eph);
  const nonce = randomBytes(nonceLength(suite));
  const dek = randomBytes(KEY_LEN);
  const base = { version: ENVELOPE_VERSION, suite, layer, bindingKind: b.kind, binding: b.value, ephemeralPk, nonce };
  const header = headerBytes(base);
  const recipients: RecipientEntry[] = targets.map((t) => {
    let shared: Uint8Array;
    try {
      shared = x25519.getSharedSecret(eph, t.pk);
    } catch (cause) {
      throw new InvalidInputError(t.field, "is not a valid X25519 public key (low-order point)", { cause });
    }
    const w = wrapKeys(header, suite, shared, t.pk, ephemeralPk, t.id);
    return { id: t.id, wrappedKey: aead(suite, w.kek, w.nonce, w.aad).encrypt(dek) };
  });
  const ciphertext = payloadEncrypt(suite, dek, nonce, concatBytes(LABEL_PAYLOAD, header), payload);
  eph.fill(0);
  dek.fill(0);
  return { ...base, recipients, ciphertext };
}

function open(
  expectedLayer: LayerId,
  binding: RequestBinding,
  envelope: Uint8Array | Envelope,
  recipientId: Uint8Array,
  sk: Uint8Array,
): Uint8Array {
  let env: Envelope;
  try {
    env = envelope instanceof Uint8Array ? decodeEnvelope(envelope) : decodeEnvelope(encodeEnvelope(envelope));
  } catch (cause) {
    throw new DecryptError(`envelope does not decode: ${(cause as Error).message}`, { cause });
  }
  if (env.layer !== expectedLayer)
    throw new DecryptError(
      `envelope is for the ${env.layer === Layer.User ? "user" : "node"} layer, not the ${expectedLayer === Layer.User ? "user" : "node"} layer`,
    );
  const b = resolveBinding(binding);
  if (env.bindingKind !== b.kind || !equalBytes(env.binding, b.value))
    throw new DecryptError("envelope is bound to another request (request id / input hash mismatch)");
  const entry = env.recipients.find((r) => equalBytes(r.id, recipientId));
  if (!entry) throw new DecryptError(`envelope has no entry for recipient ${bytesToHex(recipientId)}`);
  const header = headerBytes(env);
  try {
    const pk = x25519.getPublicKey(sk);
    const shared = x25519.getSharedSecret(sk, env.ephemeralPk);
    const w = wrapKeys(header, env.suite, shared, pk, env.ephemeralPk, recipientId);
    const dek = aead(env.suite, w.kek, w.nonce, w.aad).decrypt(entry.wrappedKey);
    const out = payloadDecrypt(env.suite, dek, env.nonce, concatBytes(LABEL_PAYLOAD, header), env.ciphertext);
    dek.fill(0);
    return out;
  } catch (cause) {
    throw new DecryptError("authentication failed: wrong key or tampered envelope", { cause });
  }
}

export interface NodeRecipient {
  nodeId: string | Uint8Array;
  /** The node's X25519 public key. */
  encPk: Uint8Array;
  /** Needed when attestation is required. */
  sigPk?: Uint8Array;
  attestation?: AttestationSummary | null;
}

export type SealForNodesOptions = RequestBinding & {
  payload: Uint8Array;
  recipients: NodeRecipient[];
  suite?: SuiteId;
  /** Run assertKeyAttested per recipient. Default: `confidential` (which defaults to true). */
  requireAttestation?: boolean;
  confidential?: boolean;
  /** Clock for the attestation expiry check (ms); default Date.now(). */
  nowMs?: bigint | number;
};

export interface SealedForNodes {
  envelope: Uint8Array;
  /** The per-recipient DEK wraps, in recipient order (also inside `envelope`). */
  wraps: { nodeId: string; wrappedKey: Uint8Array }[];
}

/** Node layer: the payload encrypted once, its key wrapped to each node's (attested) X25519 key. */
export function sealForNodes(opts: SealForNodesOptions): SealedForNodes {
  if (!Array.isArray(opts.recipients) || opts.recipients.length < 1 || opts.recipients.length > MAX_RECIPIENTS)
    throw new InvalidInputError("recipients", `must hold 1..${MAX_RECIPIENTS} nodes`);
  const requireAttestation = opts.requireAttestation ?? opts.confidential ?? true;
  const nowMs = opts.nowMs ?? Date.now();
  const seen = new Set<string>();
  const targets = opts.recipients.map((r, i) => {
    const id = objectIdBytes(r.nodeId, `recipients[${i}].nodeId`);
    const hex = bytesToHex(id);
    if (seen.has(hex)) throw new InvalidInputError(`recipients[${i}].nodeId`, "appears twice");
    seen.add(hex);
    ensureBytes(r.encPk, `recipients[${i}].encPk`, 32);
    if (requireAttestation) {
      if (!(r.sigPk instanceof Uint8Array))
        throw new InvalidInputError(`recipients[${i}].sigPk`, "is required when attestation is required");
      assertKeyAttested({ nodeId: id, sigPk: r.sigPk, encPk: r.encPk, attestation: r.attestation }, nowMs);
    }
    return { id, pk: r.encPk, field: `recipients[${i}].encPk` };
  });
  const env = seal(Layer.Node, opts, opts.payload, targets, opts.suite ?? Suite.Aes256Gcm);
  return {
    envelope: encodeEnvelope(env),
    wraps: env.recipients.map((r) => ({ nodeId: objectIdHex(r.id), wrappedKey: r.wrappedKey })),
  };
}

export type OpenAsNodeOptions = RequestBinding & {
  envelope: Uint8Array | Envelope;
  nodeId: string | Uint8Array;
  /** The node's X25519 secret key. */
  encSk: Uint8Array;
};

/** Opens a node-layer envelope; DecryptError unless it is for this node, this request, untampered. */
export function openAsNode(opts: OpenAsNodeOptions): Uint8Array {
  ensureBytes(opts.encSk, "encSk", 32);
  return open(Layer.Node, opts, opts.envelope, objectIdBytes(opts.nodeId, "nodeId"), opts.encSk);
}

export type SealForUserOptions = RequestBinding & {
  payload: Uint8Array;
  /** The requester's X25519 public key. */
  userPk: Uint8Array;
  suite?: SuiteId;
};

/** User layer: sealed to the requester's own X25519 key; returns envelope bytes. */
export function sealForUser(opts: SealForUserOptions): Uint8Array {
  ensureBytes(opts.userPk, "userPk", 32);
  const env = seal(
    Layer.User,
    opts,
    opts.payload,
    [{ id: userRecipientId(opts.userPk), pk: opts.userPk, field: "userPk" }],
    opts.suite ?? Suite.Aes256Gcm,
  );
  return encodeEnvelope(env);
}

export type OpenAsUserOptions = RequestBinding & {
  envelope: Uint8Array | Envelope;
  /** The requester's X25519 secret key. */
  userSk: Uint8Array;
};

/** Opens a user-layer envelope. */
export function openAsUser(opts: OpenAsUserOptions): Uint8Array {
  ensureBytes(opts.userSk, "userSk", 32);
  const pk = x25519.getPublicKey(opts.userSk);
  return open(Layer.User, opts, opts.envelope, userRecipientId(pk), opts.userSk);
}
