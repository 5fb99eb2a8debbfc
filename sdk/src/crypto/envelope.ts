/**
 * Composable encryption: versioned envelopes (v1: X25519; v2: X25519 or the X25519 + ML-KEM-768
 * hybrid, and the system / application layers). Wire format and key schedule:
 * sdk/docs/encryption.md. Sealing writes v2 when the envelope is post-quantum or on a layer v1
 * does not know, else v1 (so v1-only readers keep working); opening reads both.
 * Why one file past ~600 lines: v1 and v2 share the key schedule, the recipient table and the
 * AAD, so the wire format of sdk/docs/encryption.md reads top to bottom here.
 */

import { randomBytes } from "@noble/hashes/utils.js";
import { blake2b256 } from "../attestation/binding.js";
import { DecodeError, ensureBytes, InvalidInputError } from "../errors.js";
import { type AttestationSummary, assertKeyAttested, assertPqKeyPublished } from "./attested.js";
import { bytesToHex, concatBytes, equalBytes, objectIdBytes, objectIdHex } from "./bytes.js";
import { type LayerCheck, LayerError } from "./errors.js";
import { aesGcmDecrypt, aesGcmEncrypt, xchachaDecrypt, xchachaEncrypt } from "./fast.js";
import {
  expandMlKemSecret,
  hybridDecapsulate,
  hybridEncapsulate,
  MLKEM768_CIPHERTEXT_LEN,
  MLKEM768_PUBLIC_KEY_LEN,
} from "./hybrid.js";
import { hkdfSha256, x25519GetPublicKey, x25519GetSharedSecret, x25519RandomSecretKey } from "./primitives.js";

/** The version sealing writes for classic (X25519-only) user/node envelopes. */
export const ENVELOPE_VERSION = 1;
/** The version with the KEM byte, the hybrid KEM and the system/application layers. */
export const ENVELOPE_VERSION_2 = 2;
export const ENVELOPE_VERSIONS = [ENVELOPE_VERSION, ENVELOPE_VERSION_2] as const;

/** Cipher suites (header byte 1). */
export const Suite = { Aes256Gcm: 1, XChaCha20Poly1305: 2 } as const;
export type SuiteId = (typeof Suite)[keyof typeof Suite];

/** Layers (header byte 2). System and Application exist in v2 only. */
export const Layer = { User: 1, Node: 2, System: 3, Application: 4 } as const;
export type LayerId = (typeof Layer)[keyof typeof Layer];

/** Layer names used in errors. */
export function layerName(layer: number): string {
  switch (layer) {
    case Layer.User:
      return "user";
    case Layer.Node:
      return "node";
    case Layer.System:
      return "system";
    case Layer.Application:
      return "application";
    default:
      return `layer ${layer}`;
  }
}

/** Key encapsulation (v2 header byte 36): X25519 alone, or X25519 + ML-KEM-768 (X-Wing combiner). */
export const Kem = { X25519: 1, X25519MlKem768: 2 } as const;
export type KemId = (typeof Kem)[keyof typeof Kem];

/** What the 32-byte binding is (header byte 3). */
export const BindingKind = { RequestId: 0, InputHash: 1 } as const;
export type BindingKindId = (typeof BindingKind)[keyof typeof BindingKind];

export const KEY_LEN = 32;
export const TAG_LEN = 16;
export const WRAPPED_KEY_LEN = KEY_LEN + TAG_LEN;
/** v1 recipient entry: id (32) ‖ wrapped DEK (48). */
export const RECIPIENT_ENTRY_LEN = 32 + WRAPPED_KEY_LEN;
/** v2 recipient entry: id (32) ‖ KEM ciphertext length (2) ‖ KEM ciphertext ‖ wrapped DEK (48). */
export function recipientEntryLength(version: number, kem: KemId): number {
  if (version === ENVELOPE_VERSION) return RECIPIENT_ENTRY_LEN;
  return 32 + 2 + (kem === Kem.X25519MlKem768 ? MLKEM768_CIPHERTEXT_LEN : 0) + WRAPPED_KEY_LEN;
}
export const MAX_RECIPIENTS = 1024;

const enc = (s: string) => new TextEncoder().encode(s);
const LABELS = {
  1: { salt: enc("atoma/enc/v1"), wrap: enc("atoma/enc/v1/wrap"), payload: enc("atoma/enc/v1/payload") },
  2: { salt: enc("atoma/enc/v2"), wrap: enc("atoma/enc/v2/wrap"), payload: enc("atoma/enc/v2/payload") },
} as const;
const LABEL_USER_ID = enc("atoma/enc/v1/user-id");

export function nonceLength(suite: SuiteId): number {
  return suite === Suite.Aes256Gcm ? 12 : 24;
}

/** The suite's AEAD (payload and key wraps): node:crypto where available (same bytes as noble; see fast.ts), else noble. */
function aeadEncrypt(suite: SuiteId, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) {
  return suite === Suite.Aes256Gcm ? aesGcmEncrypt(key, nonce, aad, pt) : xchachaEncrypt(key, nonce, aad, pt);
}

function aeadDecrypt(suite: SuiteId, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array) {
  return suite === Suite.Aes256Gcm ? aesGcmDecrypt(key, nonce, aad, ct) : xchachaDecrypt(key, nonce, aad, ct);
}

export interface RecipientEntry {
  /** nodeId, cluster id, or blake2b256("atoma/enc/v1/user-id" ‖ userPk) for a user. */
  id: Uint8Array;
  /** ML-KEM-768 ciphertext (1088 bytes) when the envelope's KEM is the hybrid; absent otherwise. */
  kemCiphertext?: Uint8Array;
  /** The content key (DEK) sealed to this recipient: 32 bytes + 16-byte tag. */
  wrappedKey: Uint8Array;
}

/** A decoded envelope. */
export interface Envelope {
  /** 1 or 2. */
  version: number;
  suite: SuiteId;
  layer: LayerId;
  bindingKind: BindingKindId;
  /** The request id, or the input hash when `bindingKind` is InputHash. */
  binding: Uint8Array;
  /** v2 header byte 36; always Kem.X25519 in v1 (absent from the v1 wire format). */
  kem: KemId;
  ephemeralPk: Uint8Array;
  nonce: Uint8Array;
  recipients: RecipientEntry[];
  /** Payload ciphertext including its 16-byte tag (from decodeEnvelope: a view into the input bytes). */
  ciphertext: Uint8Array;
}

type HeaderFields = Pick<
  Envelope,
  "version" | "suite" | "layer" | "bindingKind" | "binding" | "kem" | "ephemeralPk" | "nonce"
>;

function headerBytes(e: HeaderFields) {
  const head = new Uint8Array([e.version, e.suite, e.layer, e.bindingKind]);
  return e.version === ENVELOPE_VERSION
    ? concatBytes(head, e.binding, e.ephemeralPk, e.nonce)
    : concatBytes(head, e.binding, new Uint8Array([e.kem]), e.ephemeralPk, e.nonce);
}

/** Length of the header part that the key wrap's HKDF info binds (v1: 36, v2: 37 with the KEM byte). */
const boundHeaderLength = (version: number) => (version === ENVELOPE_VERSION ? 36 : 37);

function checkFields(e: HeaderFields, err: (field: string, rule: string) => Error) {
  if (e.version !== ENVELOPE_VERSION && e.version !== ENVELOPE_VERSION_2)
    throw err("envelope.version", `must be ${ENVELOPE_VERSION} or ${ENVELOPE_VERSION_2}`);
  if (e.suite !== Suite.Aes256Gcm && e.suite !== Suite.XChaCha20Poly1305)
    throw err("envelope.suite", "must be 1 (AES-256-GCM) or 2 (XChaCha20-Poly1305)");
  const maxLayer = e.version === ENVELOPE_VERSION ? Layer.Node : Layer.Application;
  if (!Number.isInteger(e.layer) || e.layer < Layer.User || e.layer > maxLayer)
    throw err(
      "envelope.layer",
      e.version === ENVELOPE_VERSION
        ? "must be 1 (user) or 2 (node) in version 1"
        : "must be 1 (user), 2 (node), 3 (system) or 4 (application)",
    );
  if (e.bindingKind !== BindingKind.RequestId && e.bindingKind !== BindingKind.InputHash)
    throw err("envelope.bindingKind", "must be 0 (request id) or 1 (input hash)");
  if (e.kem !== Kem.X25519 && !(e.version === ENVELOPE_VERSION_2 && e.kem === Kem.X25519MlKem768))
    throw err(
      "envelope.kem",
      e.version === ENVELOPE_VERSION
        ? "must be 1 (X25519) in version 1"
        : "must be 1 (X25519) or 2 (X25519+ML-KEM-768)",
    );
}

/** Serialises an envelope (see encryption.md for the layout). */
export function encodeEnvelope(e: Envelope): Uint8Array {
  const kem = checkEnvelope(e);
  const f = { ...e, kem };
  const head = headerBytes(f);
  const entryLen = recipientEntryLength(e.version, kem);
  const out = new Uint8Array(head.length + 2 + e.recipients.length * entryLen + 4 + e.ciphertext.length);
  const dv = new DataView(out.buffer);
  out.set(head, 0);
  let o = head.length;
  dv.setUint16(o, e.recipients.length);
  o += 2;
  for (const r of e.recipients) {
    out.set(r.id, o);
    o += 32;
    if (e.version === ENVELOPE_VERSION_2) {
      const kc = r.kemCiphertext ?? new Uint8Array(0);
      dv.setUint16(o, kc.length);
      out.set(kc, o + 2);
      o += 2 + kc.length;
    }
    out.set(r.wrappedKey, o);
    o += WRAPPED_KEY_LEN;
  }
  dv.setUint32(o, e.ciphertext.length);
  o += 4;
  out.set(e.ciphertext, o);
  return out;
}

/**
 * Every check encodeEnvelope makes (InvalidInputError naming the field), without writing bytes:
 * an envelope object that passes encodes to bytes that decodeEnvelope accepts. Returns its KEM.
 */
function checkEnvelope(e: Envelope): KemId {
  const kem = e.kem ?? Kem.X25519;
  checkFields({ ...e, kem }, (field, rule) => new InvalidInputError(field, rule));
  ensureBytes(e.binding, "envelope.binding", 32);
  ensureBytes(e.ephemeralPk, "envelope.ephemeralPk", 32);
  ensureBytes(e.nonce, "envelope.nonce", nonceLength(e.suite));
  if (e.recipients.length < 1 || e.recipients.length > MAX_RECIPIENTS)
    throw new InvalidInputError("envelope.recipients", `must hold 1..${MAX_RECIPIENTS} entries`);
  ensureBytes(e.ciphertext, "envelope.ciphertext");
  if (e.ciphertext.length < TAG_LEN || e.ciphertext.length > 0xffffffff)
    throw new InvalidInputError("envelope.ciphertext", `must be ${TAG_LEN}..2^32-1 bytes`);
  const ctLen = kem === Kem.X25519MlKem768 ? MLKEM768_CIPHERTEXT_LEN : 0;
  e.recipients.forEach((r, i) => {
    ensureBytes(r.id, `envelope.recipients[${i}].id`, 32);
    ensureBytes(r.wrappedKey, `envelope.recipients[${i}].wrappedKey`, WRAPPED_KEY_LEN);
    if (e.version === ENVELOPE_VERSION_2) {
      ensureBytes(r.kemCiphertext ?? new Uint8Array(0), `envelope.recipients[${i}].kemCiphertext`, ctLen);
    } else if (r.kemCiphertext !== undefined && r.kemCiphertext.length > 0) {
      throw new InvalidInputError(`envelope.recipients[${i}].kemCiphertext`, "version 1 has no KEM ciphertexts");
    }
  });
  return kem;
}

/** Strict parser (v1 and v2): every field checked, no trailing bytes; failures are DecodeErrors naming the field. */
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
  if (version !== ENVELOPE_VERSION && version !== ENVELOPE_VERSION_2)
    throw new DecodeError(
      "envelope.version",
      `unsupported version ${version} (expected ${ENVELOPE_VERSION} or ${ENVELOPE_VERSION_2})`,
    );
  const fields = {
    version,
    suite: bytes[1] as SuiteId,
    layer: bytes[2] as LayerId,
    bindingKind: bytes[3] as BindingKindId,
    kem: Kem.X25519 as KemId,
  };
  const headerErr = (field: string, rule: string) => {
    const got = { "envelope.suite": fields.suite, "envelope.layer": fields.layer, "envelope.kem": fields.kem }[field];
    const what = field.slice("envelope.".length).replace("bindingKind", "binding kind");
    return new DecodeError(field, `unknown ${what} ${got ?? fields.bindingKind}: ${rule}`);
  };
  const z = new Uint8Array(32);
  checkFields({ ...fields, binding: z, ephemeralPk: z, nonce: z }, headerErr);
  let o = 4;
  need(o, 32, "binding");
  const binding = bytes.slice(o, o + 32);
  o += 32;
  if (version === ENVELOPE_VERSION_2) {
    need(o, 1, "kem");
    fields.kem = bytes[o] as KemId;
    o += 1;
    checkFields({ ...fields, binding: z, ephemeralPk: z, nonce: z }, headerErr);
  }
  need(o, 32, "ephemeralPk");
  const ephemeralPk = bytes.slice(o, o + 32);
  o += 32;
  const nl = nonceLength(fields.suite);
  need(o, nl, "nonce");
  const nonce = bytes.slice(o, o + nl);
  o += nl;
  need(o, 2, "recipientCount");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = dv.getUint16(o);
  if (count < 1 || count > MAX_RECIPIENTS)
    throw new DecodeError("envelope.recipientCount", `must be 1..${MAX_RECIPIENTS}, got ${count}`);
  o += 2;
  const kem = fields.kem;
  if (version === ENVELOPE_VERSION) need(o, count * RECIPIENT_ENTRY_LEN, "recipients");
  const wantCt = kem === Kem.X25519MlKem768 ? MLKEM768_CIPHERTEXT_LEN : 0;
  const recipients: RecipientEntry[] = [];
  for (let i = 0; i < count; i++) {
    need(o, 32, `recipients[${i}].id`);
    const id = bytes.slice(o, o + 32);
    o += 32;
    let kemCiphertext: Uint8Array | undefined;
    if (version === ENVELOPE_VERSION_2) {
      need(o, 2, `recipients[${i}].kemCiphertextLength`);
      const n = dv.getUint16(o);
      o += 2;
      if (n !== wantCt)
        throw new DecodeError(
          `envelope.recipients[${i}].kemCiphertext`,
          kem === Kem.X25519MlKem768
            ? `ML-KEM-768 ciphertext must be ${MLKEM768_CIPHERTEXT_LEN} bytes, got ${n}`
            : `an X25519-only envelope carries no KEM ciphertext, got ${n} bytes`,
        );
      need(o, n, `recipients[${i}].kemCiphertext`);
      if (n > 0) kemCiphertext = bytes.slice(o, o + n);
      o += n;
    }
    need(o, WRAPPED_KEY_LEN, `recipients[${i}].wrappedKey`);
    const wrappedKey = bytes.slice(o, o + WRAPPED_KEY_LEN);
    o += WRAPPED_KEY_LEN;
    recipients.push(kemCiphertext ? { id, kemCiphertext, wrappedKey } : { id, wrappedKey });
  }
  need(o, 4, "ciphertextLength");
  const clen = dv.getUint32(o);
  o += 4;
  if (clen < TAG_LEN) throw new DecodeError("envelope.ciphertextLength", `must be at least ${TAG_LEN}, got ${clen}`);
  need(o, clen, "ciphertext");
  const ciphertext = bytes.subarray(o, o + clen); // a view: no copy of large payloads
  o += clen;
  if (o !== bytes.length) throw new DecodeError("envelope", `${bytes.length - o} trailing bytes after the ciphertext`);
  return { ...fields, binding, ephemeralPk, nonce, recipients, ciphertext };
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
  version: number,
  header: Uint8Array,
  suite: SuiteId,
  shared: Uint8Array,
  recipientPk: Uint8Array,
  ephemeralPk: Uint8Array,
  recipientId: Uint8Array,
  pq: { mlkemPkHash: Uint8Array; kemCiphertext: Uint8Array } | null,
) {
  const L = version === ENVELOPE_VERSION ? LABELS[1] : LABELS[2];
  // info binds version, suite, layer, binding kind and value (and the KEM byte in v2), the
  // recipient's X25519 key, the ephemeral key, the recipient id (and its ML-KEM key's hash).
  const info = concatBytes(
    L.wrap,
    header.subarray(0, boundHeaderLength(version)),
    recipientPk,
    ephemeralPk,
    recipientId,
    ...(pq ? [pq.mlkemPkHash] : []),
  );
  const nl = nonceLength(suite);
  const okm = hkdfSha256(shared, L.salt, info, KEY_LEN + nl);
  const aad = concatBytes(L.wrap, header, recipientId, recipientPk, ...(pq ? [pq.mlkemPkHash, pq.kemCiphertext] : []));
  return { kek: okm.subarray(0, KEY_LEN), nonce: okm.subarray(KEY_LEN), aad };
}

/** One recipient of an envelope: its id, X25519 key and (post-quantum envelopes) ML-KEM-768 key. */
export interface SealTarget {
  id: Uint8Array;
  /** X25519 public key. */
  pk: Uint8Array;
  /** ML-KEM-768 public key (1184 bytes): required when the envelope is post-quantum. */
  mlkemPk?: Uint8Array | undefined;
  /** Names the recipient in errors. */
  field: string;
  /** Names its X25519 key in errors (default `<field>.encPk`). */
  pkField?: string;
}

export interface SealEnvelopeOptions {
  layer: LayerId;
  payload: Uint8Array;
  targets: SealTarget[];
  suite?: SuiteId;
  /** X25519 + ML-KEM-768 hybrid for every recipient (version 2). */
  postQuantum?: boolean;
  /** Force version 2 for a classic envelope (default: v1 unless post-quantum or layer ≥ 3). */
  version?: 1 | 2;
}

/** Seals `payload` once and wraps its key to every target; the general form of sealFor*. */
export function sealEnvelope(binding: RequestBinding, o: SealEnvelopeOptions): Envelope {
  const suite = o.suite ?? Suite.Aes256Gcm;
  ensureBytes(o.payload, "payload");
  if (suite !== Suite.Aes256Gcm && suite !== Suite.XChaCha20Poly1305)
    throw new InvalidInputError("suite", "must be Suite.Aes256Gcm (1) or Suite.XChaCha20Poly1305 (2)");
  if (!Array.isArray(o.targets) || o.targets.length < 1 || o.targets.length > MAX_RECIPIENTS)
    throw new InvalidInputError("recipients", `must hold 1..${MAX_RECIPIENTS} recipients`);
  const pq = o.postQuantum === true;
  const version =
    o.version ??
    (pq || o.layer === Layer.System || o.layer === Layer.Application ? ENVELOPE_VERSION_2 : ENVELOPE_VERSION);
  if (version === ENVELOPE_VERSION && (pq || o.layer > Layer.Node))
    throw new InvalidInputError("version", "version 1 has neither the hybrid KEM nor the system/application layers");
  const kem: KemId = pq ? Kem.X25519MlKem768 : Kem.X25519;
  const b = resolveBinding(binding);
  const seen = new Set<string>();
  for (const t of o.targets) {
    ensureBytes(t.id, `${t.field}.id`, 32);
    ensureBytes(t.pk, t.pkField ?? `${t.field}.encPk`, 32);
    const hex = bytesToHex(t.id);
    if (seen.has(hex)) throw new InvalidInputError(`${t.field}.id`, "appears twice");
    seen.add(hex);
    if (pq && !(t.mlkemPk instanceof Uint8Array))
      throw new InvalidInputError(
        `${t.field}.mlkemPk`,
        "is required for a post-quantum envelope: this recipient has no ML-KEM-768 key and is refused",
      );
    if (pq) ensureBytes(t.mlkemPk, `${t.field}.mlkemPk`, MLKEM768_PUBLIC_KEY_LEN);
  }
  const eph = x25519RandomSecretKey();
  const ephemeralPk = x25519GetPublicKey(eph);
  const nonce = randomBytes(nonceLength(suite));
  const dek = randomBytes(KEY_LEN);
  const base = { version, suite, layer: o.layer, bindingKind: b.kind, binding: b.value, kem, ephemeralPk, nonce };
  const header = headerBytes(base);
  try {
    const recipients: RecipientEntry[] = o.targets.map((t) => {
      let shared: Uint8Array;
      let pqPart: { mlkemPkHash: Uint8Array; kemCiphertext: Uint8Array } | null = null;
      if (pq) {
        const mlkemPk = t.mlkemPk as Uint8Array;
        let h: { sharedSecret: Uint8Array; kemCiphertext: Uint8Array };
        try {
          h = hybridEncapsulate({ ephSk: eph, ephPk: ephemeralPk, x25519Pk: t.pk, mlkemPk, field: t.field });
        } catch (e) {
          if (e instanceof InvalidInputError && e.field === `${t.field}.encPk` && t.pkField)
            throw new InvalidInputError(t.pkField, e.rule, { cause: e });
          throw e;
        }
        shared = h.sharedSecret;
        pqPart = { mlkemPkHash: blake2b256(mlkemPk), kemCiphertext: h.kemCiphertext };
      } else {
        try {
          shared = x25519GetSharedSecret(eph, t.pk);
        } catch (cause) {
          throw new InvalidInputError(
            t.pkField ?? `${t.field}.encPk`,
            "is not a valid X25519 public key (low-order point)",
            {
              cause,
            },
          );
        }
      }
      const w = wrapKeys(version, header, suite, shared, t.pk, ephemeralPk, t.id, pqPart);
      shared.fill(0);
      const wrappedKey = aeadEncrypt(suite, w.kek, w.nonce, w.aad, dek);
      return pqPart ? { id: t.id, kemCiphertext: pqPart.kemCiphertext, wrappedKey } : { id: t.id, wrappedKey };
    });
    const L = version === ENVELOPE_VERSION ? LABELS[1] : LABELS[2];
    const ciphertext = aeadEncrypt(suite, dek, nonce, concatBytes(L.payload, header), o.payload);
    return { ...base, recipients, ciphertext };
  } finally {
    eph.fill(0);
    dek.fill(0);
  }
}

function decodeCheck(cause: unknown): LayerCheck {
  const what = cause instanceof DecodeError ? cause.what : "";
  if (what === "envelope.version") return "version";
  if (what.endsWith(".kemCiphertext")) return "kem-ciphertext";
  return "decode";
}

export interface OpenEnvelopeOptions {
  /** The layer the caller expects; an envelope of another layer is refused (check "layer"). */
  layer: LayerId;
  envelope: Uint8Array | Envelope;
  /** The recipient id to look for (node id, cluster id, or userRecipientId(userPk)). */
  recipientId: Uint8Array;
  /** X25519 secret. */
  x25519Sk: Uint8Array;
  /** ML-KEM-768 secret (64-byte seed or 2400-byte key): required for post-quantum envelopes. */
  mlkemSk?: Uint8Array | undefined;
  /** Refuse classic (X25519-only) envelopes (check "kem"). */
  requirePostQuantum?: boolean;
  /** Accepted versions (default: 1 and 2); another version fails check "version". */
  versions?: readonly number[];
}

/**
 * Opens an envelope for one recipient; every failure is a LayerError naming the layer and the
 * check (`decode`, `version`, `kem-ciphertext`, `layer`, `binding`, `recipient`, `kem`,
 * `kem-key`, `authentication`). No plaintext is returned unless the payload tag verifies.
 */
export function openEnvelope(binding: RequestBinding, o: OpenEnvelopeOptions): Uint8Array {
  const lname = layerName(o.layer);
  let env: Envelope;
  try {
    // An envelope object gets the checks its encoding would (no copy of its payload: the
    // daemon hands over decoded envelopes of up to megabytes).
    env =
      o.envelope instanceof Uint8Array ? decodeEnvelope(o.envelope) : { ...o.envelope, kem: checkEnvelope(o.envelope) };
  } catch (cause) {
    throw new LayerError(lname, decodeCheck(cause), `envelope does not decode: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (o.versions && !o.versions.includes(env.version))
    throw new LayerError(
      lname,
      "version",
      `envelope version ${env.version} where ${o.versions.join(" or ")} is required`,
    );
  if (env.layer !== o.layer)
    throw new LayerError(lname, "layer", `envelope is for the ${layerName(env.layer)} layer, not the ${lname} layer`);
  const b = resolveBinding(binding);
  if (env.bindingKind !== b.kind || !equalBytes(env.binding, b.value))
    throw new LayerError(lname, "binding", "envelope is bound to another request (request id / input hash mismatch)");
  if (o.requirePostQuantum && env.kem !== Kem.X25519MlKem768)
    throw new LayerError(lname, "kem", "envelope is X25519-only where the X25519+ML-KEM-768 hybrid is required");
  const entry = env.recipients.find((r) => equalBytes(r.id, o.recipientId));
  if (!entry)
    throw new LayerError(lname, "recipient", `envelope has no entry for recipient 0x${bytesToHex(o.recipientId)}`);
  let mlkem: { dk: Uint8Array; pk: Uint8Array } | null = null;
  if (env.kem === Kem.X25519MlKem768) {
    if (!(o.mlkemSk instanceof Uint8Array))
      throw new LayerError(lname, "kem-key", "envelope is post-quantum: the recipient's ML-KEM-768 secret is required");
    try {
      mlkem = expandMlKemSecret(o.mlkemSk);
    } catch (cause) {
      throw new LayerError(lname, "kem-key", (cause as Error).message, { cause });
    }
  }
  const header = headerBytes(env);
  const L = env.version === ENVELOPE_VERSION ? LABELS[1] : LABELS[2];
  try {
    const pk = x25519GetPublicKey(o.x25519Sk);
    let shared: Uint8Array;
    let pqPart: { mlkemPkHash: Uint8Array; kemCiphertext: Uint8Array } | null = null;
    if (mlkem) {
      const kemCiphertext = entry.kemCiphertext as Uint8Array;
      shared = hybridDecapsulate({
        x25519Sk: o.x25519Sk,
        mlkemDk: mlkem.dk,
        mlkemPk: mlkem.pk,
        x25519Pk: pk,
        ephPk: env.ephemeralPk,
        kemCiphertext,
      });
      pqPart = { mlkemPkHash: blake2b256(mlkem.pk), kemCiphertext };
    } else {
      shared = x25519GetSharedSecret(o.x25519Sk, env.ephemeralPk);
    }
    const w = wrapKeys(env.version, header, env.suite, shared, pk, env.ephemeralPk, o.recipientId, pqPart);
    shared.fill(0);
    const dek = aeadDecrypt(env.suite, w.kek, w.nonce, w.aad, entry.wrappedKey);
    const out = aeadDecrypt(env.suite, dek, env.nonce, concatBytes(L.payload, header), env.ciphertext);
    dek.fill(0);
    return out;
  } catch (cause) {
    throw new LayerError(lname, "authentication", "authentication failed: wrong key or tampered envelope", { cause });
  }
}

export interface NodeRecipient {
  nodeId: string | Uint8Array;
  /** The node's X25519 public key. */
  encPk: Uint8Array;
  /** The node's ML-KEM-768 public key (1184 bytes); required for post-quantum sealing. */
  mlkemPk?: Uint8Array;
  /** The node record's on-chain `mlkem_pk_hash` (`attestedNodeOf`); must equal `mlkemKeyHash(mlkemPk)` for post-quantum sealing. */
  mlkemPkHash?: Uint8Array | null;
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
  /** X25519 + ML-KEM-768 per node (version 2); nodes without an (attested) ML-KEM key are refused. */
  postQuantum?: boolean;
  /** Clock for the attestation expiry check (ms); default Date.now(). */
  nowMs?: bigint | number;
};

export interface SealedForNodes {
  envelope: Uint8Array;
  /** The per-recipient DEK wraps, in recipient order (also inside `envelope`). */
  wraps: { nodeId: string; wrappedKey: Uint8Array }[];
}

/**
 * Checks a node for sealing (attestation when required; for post-quantum sealing an ML-KEM key
 * bound in the attestation) and returns its seal target.
 */
export function nodeTarget(
  r: NodeRecipient,
  i: number,
  o: { requireAttestation: boolean; postQuantum: boolean; nowMs: bigint | number },
): SealTarget {
  const id = objectIdBytes(r.nodeId, `recipients[${i}].nodeId`);
  ensureBytes(r.encPk, `recipients[${i}].encPk`, 32);
  if (o.postQuantum && !(r.mlkemPk instanceof Uint8Array))
    throw new InvalidInputError(
      `recipients[${i}].mlkemPk`,
      `node ${objectIdHex(id)} has no ML-KEM-768 key and is refused for a post-quantum request`,
    );
  if (o.requireAttestation) {
    if (!(r.sigPk instanceof Uint8Array))
      throw new InvalidInputError(`recipients[${i}].sigPk`, "is required when attestation is required");
    assertKeyAttested(
      {
        nodeId: id,
        sigPk: r.sigPk,
        encPk: r.encPk,
        attestation: r.attestation,
        ...(o.postQuantum ? { mlkemPk: r.mlkemPk, mlkemPkHash: r.mlkemPkHash } : {}),
      },
      o.nowMs,
    );
  } else if (o.postQuantum) assertPqKeyPublished({ nodeId: id, mlkemPk: r.mlkemPk, mlkemPkHash: r.mlkemPkHash });
  return { id, pk: r.encPk, mlkemPk: o.postQuantum ? r.mlkemPk : undefined, field: `recipients[${i}]` };
}

/** Node layer: the payload encrypted once, its key wrapped to each node's (attested) key(s). */
export function sealForNodes(opts: SealForNodesOptions): SealedForNodes {
  if (!Array.isArray(opts.recipients) || opts.recipients.length < 1 || opts.recipients.length > MAX_RECIPIENTS)
    throw new InvalidInputError("recipients", `must hold 1..${MAX_RECIPIENTS} nodes`);
  const requireAttestation = opts.requireAttestation ?? opts.confidential ?? true;
  const postQuantum = opts.postQuantum === true;
  const nowMs = opts.nowMs ?? Date.now();
  const seen = new Set<string>();
  opts.recipients.forEach((r, i) => {
    const hex = objectIdHex(r.nodeId, `recipients[${i}].nodeId`);
    if (seen.has(hex)) throw new InvalidInputError(`recipients[${i}].nodeId`, "appears twice");
    seen.add(hex);
  });
  const targets = opts.recipients.map((r, i) => nodeTarget(r, i, { requireAttestation, postQuantum, nowMs }));
  const env = sealEnvelope(opts, {
    layer: Layer.Node,
    payload: opts.payload,
    targets,
    postQuantum,
    ...(opts.suite !== undefined ? { suite: opts.suite } : {}),
  });
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
  /** The node's ML-KEM-768 secret (seed or expanded): needed for post-quantum envelopes. */
  mlkemSk?: Uint8Array;
};

/** Opens a node-layer envelope; DecryptError (a LayerError) unless it is for this node, this request, untampered. */
export function openAsNode(opts: OpenAsNodeOptions): Uint8Array {
  ensureBytes(opts.encSk, "encSk", 32);
  return openEnvelope(opts, {
    layer: Layer.Node,
    envelope: opts.envelope,
    recipientId: objectIdBytes(opts.nodeId, "nodeId"),
    x25519Sk: opts.encSk,
    mlkemSk: opts.mlkemSk,
  });
}

export type SealForUserOptions = RequestBinding & {
  payload: Uint8Array;
  /** The requester's X25519 public key. */
  userPk: Uint8Array;
  /** The requester's ML-KEM-768 public key: given, the envelope is post-quantum (v2). */
  userMlkemPk?: Uint8Array;
  suite?: SuiteId;
};

/** User layer: sealed to the requester's own key(s); returns envelope bytes. */
export function sealForUser(opts: SealForUserOptions): Uint8Array {
  ensureBytes(opts.userPk, "userPk", 32);
  const postQuantum = opts.userMlkemPk !== undefined;
  const env = sealEnvelope(opts, {
    layer: Layer.User,
    payload: opts.payload,
    targets: [
      {
        id: userRecipientId(opts.userPk),
        pk: opts.userPk,
        mlkemPk: opts.userMlkemPk,
        field: "user",
        pkField: "userPk",
      },
    ],
    postQuantum,
    ...(opts.suite !== undefined ? { suite: opts.suite } : {}),
  });
  return encodeEnvelope(env);
}

export type OpenAsUserOptions = RequestBinding & {
  envelope: Uint8Array | Envelope;
  /** The requester's X25519 secret key. */
  userSk: Uint8Array;
  /** The requester's ML-KEM-768 secret: needed for post-quantum envelopes. */
  userMlkemSk?: Uint8Array;
};

/** Opens a user-layer envelope. */
export function openAsUser(opts: OpenAsUserOptions): Uint8Array {
  ensureBytes(opts.userSk, "userSk", 32);
  const pk = x25519GetPublicKey(opts.userSk);
  return openEnvelope(opts, {
    layer: Layer.User,
    envelope: opts.envelope,
    recipientId: userRecipientId(pk),
    x25519Sk: opts.userSk,
    mlkemSk: opts.userMlkemSk,
  });
}
