/**
 * Per-session keys for node ↔ requester streams (forward secrecy).
 *
 * Handshake (both sides ephemeral; the node authenticates with its attested Ed25519 key):
 *
 *   requester → node  offer  = 0x01 ‖ requestId (32) ‖ eX (X25519, 32) ‖ eM (ML-KEM-768 pk, 1184)
 *   node → requester  answer = 0x01 ‖ nodeId (32) ‖ eY (X25519, 32) ‖ ctM (1088) ‖ sig (64)
 *
 *   ss   = X-Wing combiner(ML-KEM.Decaps(ctM), X25519(eY, eX), eY, eX)
 *   th   = blake2b256("atoma/session/v1" ‖ offer ‖ answer[0..1153))   (transcript hash)
 *   sig  = Ed25519(node sigSk, "atoma/session/v1/sig" ‖ th)
 *   keys = HKDF-SHA256(ss, salt "atoma/session/v1", info th, 64): requester→node ‖ node→requester
 *
 * Messages: counter (u64 BE, strictly increasing from 0) ‖ AES-256-GCM(key_dir, nonce =
 * 0⁴ ‖ counter, aad = th ‖ direction ‖ counter). Every secret that could reopen a session
 * (eX, eM, eY, ss, the keys) exists only in memory for the session's life and is zeroed by
 * `close()` / after the handshake, so compromise of a long-term key later opens no past session.
 */
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { blake2b256 } from "../attestation/binding.js";
import { DecodeError, ensureBytes, InvalidInputError } from "../errors.js";
import { concatBytes, equalBytes, objectIdBytes } from "./bytes.js";
import { DecryptError } from "./errors.js";
import { aesGcmDecrypt, aesGcmEncrypt } from "./fast.js";
import { MLKEM768_CIPHERTEXT_LEN, MLKEM768_PUBLIC_KEY_LEN, xwingCombine } from "./hybrid.js";
import {
  ed25519Sign,
  ed25519Verify,
  hkdfSha256,
  x25519GetPublicKey,
  x25519GetSharedSecret,
  x25519RandomSecretKey,
} from "./primitives.js";

const enc = (s: string) => new TextEncoder().encode(s);
const LABEL = enc("atoma/session/v1");
const LABEL_SIG = enc("atoma/session/v1/sig");
export const SESSION_OFFER_LEN = 1 + 32 + 32 + MLKEM768_PUBLIC_KEY_LEN;
export const SESSION_ANSWER_LEN = 1 + 32 + 32 + MLKEM768_CIPHERTEXT_LEN + 64;
const SIGNED_ANSWER_PREFIX = SESSION_ANSWER_LEN - 64;

export interface SessionOffer {
  /** Wire bytes to send to the node. */
  offer: Uint8Array;
  /** Ephemeral secrets; pass to completeSession, which erases them. */
  secret: { x25519Sk: Uint8Array; mlkemDk: Uint8Array };
}

/** Requester: a fresh offer for one stream of `requestId`. */
export function createSessionOffer(requestId: string | Uint8Array): SessionOffer {
  const rid = objectIdBytes(requestId, "requestId");
  const x = x25519RandomSecretKey();
  const m = ml_kem768.keygen();
  return {
    offer: concatBytes(new Uint8Array([1]), rid, x25519GetPublicKey(x), m.publicKey),
    secret: { x25519Sk: x, mlkemDk: m.secretKey },
  };
}

function parseOffer(offer: Uint8Array) {
  ensureBytes(offer, "offer");
  if (offer.length !== SESSION_OFFER_LEN)
    throw new DecodeError("session.offer", `must be ${SESSION_OFFER_LEN} bytes, got ${offer.length}`);
  if (offer[0] !== 1) throw new DecodeError("session.offer.version", `unsupported version ${offer[0]}`);
  return { requestId: offer.subarray(1, 33), eX: offer.subarray(33, 65), eM: offer.subarray(65) };
}

/** One direction-keyed, counter-nonced AEAD channel. */
export class SessionChannel {
  #send: Uint8Array;
  #recv: Uint8Array;
  #sendCtr = 0n;
  #recvNext = 0n;
  #closed = false;
  constructor(
    readonly role: "requester" | "node",
    readonly transcriptHash: Uint8Array,
    keys: Uint8Array,
  ) {
    const a = keys.slice(0, 32);
    const b = keys.slice(32, 64);
    keys.fill(0);
    [this.#send, this.#recv] = role === "requester" ? [a, b] : [b, a];
  }

  #aad(dir: number, ctr: Uint8Array) {
    return concatBytes(this.transcriptHash, new Uint8Array([dir]), ctr);
  }

  /** Encrypts the next message: counter (8) ‖ ciphertext ‖ tag. */
  seal(plaintext: Uint8Array): Uint8Array {
    if (this.#closed) throw new InvalidInputError("session", "is closed");
    ensureBytes(plaintext, "plaintext");
    const ctr = new Uint8Array(8);
    new DataView(ctr.buffer).setBigUint64(0, this.#sendCtr++);
    const nonce = concatBytes(new Uint8Array(4), ctr);
    const dir = this.role === "requester" ? 0 : 1;
    return concatBytes(ctr, aesGcmEncrypt(this.#send, nonce, this.#aad(dir, ctr), plaintext));
  }

  /** Decrypts the next message; refuses replayed, reordered or tampered ones (DecryptError). */
  open(message: Uint8Array): Uint8Array {
    if (this.#closed) throw new InvalidInputError("session", "is closed");
    ensureBytes(message, "message");
    if (message.length < 8 + 16) throw new DecryptError("session message is truncated");
    const ctr = message.subarray(0, 8);
    const n = new DataView(ctr.buffer, ctr.byteOffset, 8).getBigUint64(0);
    if (n !== this.#recvNext) throw new DecryptError(`session message ${n} out of order (expected ${this.#recvNext})`);
    const dir = this.role === "requester" ? 1 : 0;
    try {
      const pt = aesGcmDecrypt(
        this.#recv,
        concatBytes(new Uint8Array(4), ctr),
        this.#aad(dir, ctr),
        message.subarray(8),
      );
      this.#recvNext++;
      return pt;
    } catch (cause) {
      throw new DecryptError("session message does not authenticate", { cause });
    }
  }

  /** Erases the session keys; the channel can no longer seal or open. */
  close(): void {
    this.#send.fill(0);
    this.#recv.fill(0);
    this.#closed = true;
  }

  get closed(): boolean {
    return this.#closed;
  }
}

function deriveKeys(ss: Uint8Array, th: Uint8Array): Uint8Array {
  const k = hkdfSha256(ss, LABEL, th, 64);
  ss.fill(0);
  return k;
}

/** Node: answers an offer for `requestId` (checked), signing the transcript with its attested key. */
export function acceptSession(o: {
  offer: Uint8Array;
  requestId: string | Uint8Array;
  nodeId: string | Uint8Array;
  /** The node's Ed25519 secret (the key bound in its attestation). */
  sigSk: Uint8Array;
}): { answer: Uint8Array; channel: SessionChannel } {
  const p = parseOffer(o.offer);
  if (!equalBytes(p.requestId, objectIdBytes(o.requestId, "requestId")))
    throw new InvalidInputError("session.offer.requestId", "is not the request this node serves");
  ensureBytes(o.sigSk, "sigSk", 32);
  const nodeId = objectIdBytes(o.nodeId, "nodeId");
  const y = x25519RandomSecretKey();
  const eY = x25519GetPublicKey(y);
  let ssX: Uint8Array;
  let kem: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    ssX = x25519GetSharedSecret(y, p.eX);
    kem = ml_kem768.encapsulate(p.eM);
  } catch (cause) {
    throw new InvalidInputError("session.offer", "carries an invalid X25519 or ML-KEM-768 key", { cause });
  } finally {
    y.fill(0);
  }
  const signed = concatBytes(new Uint8Array([1]), nodeId, eY, kem.cipherText);
  const th = blake2b256(concatBytes(LABEL, o.offer, signed));
  const sig = ed25519Sign(concatBytes(LABEL_SIG, th), o.sigSk);
  const ss = xwingCombine(kem.sharedSecret, ssX, eY, p.eX);
  kem.sharedSecret.fill(0);
  ssX.fill(0);
  return { answer: concatBytes(signed, sig), channel: new SessionChannel("node", th, deriveKeys(ss, th)) };
}

/** Requester: checks the node's signature with its attested `nodeSigPk`, derives the keys, erases the ephemeral secrets. */
export function completeSession(o: {
  offer: SessionOffer;
  answer: Uint8Array;
  nodeId: string | Uint8Array;
  nodeSigPk: Uint8Array;
}): SessionChannel {
  ensureBytes(o.answer, "answer");
  ensureBytes(o.nodeSigPk, "nodeSigPk", 32);
  const { x25519Sk, mlkemDk } = o.offer.secret;
  try {
    if (o.answer.length !== SESSION_ANSWER_LEN)
      throw new DecodeError("session.answer", `must be ${SESSION_ANSWER_LEN} bytes, got ${o.answer.length}`);
    if (o.answer[0] !== 1) throw new DecodeError("session.answer.version", `unsupported version ${o.answer[0]}`);
    if (!equalBytes(o.answer.subarray(1, 33), objectIdBytes(o.nodeId, "nodeId")))
      throw new InvalidInputError("session.answer.nodeId", "is not the node the offer was sent to");
    const signed = o.answer.subarray(0, SIGNED_ANSWER_PREFIX);
    const th = blake2b256(concatBytes(LABEL, o.offer.offer, signed));
    const sig = o.answer.subarray(SIGNED_ANSWER_PREFIX);
    let ok = false;
    try {
      ok = ed25519Verify(sig, concatBytes(LABEL_SIG, th), o.nodeSigPk);
    } catch {
      ok = false;
    }
    if (!ok) throw new DecryptError("session answer is not signed by the node's attested key");
    const eY = o.answer.subarray(33, 65);
    const ctM = o.answer.subarray(65, 65 + MLKEM768_CIPHERTEXT_LEN);
    const eX = o.offer.offer.subarray(33, 65);
    const ssX = x25519GetSharedSecret(x25519Sk, eY);
    const ssM = ml_kem768.decapsulate(ctM, mlkemDk);
    const ss = xwingCombine(ssM, ssX, eY, eX);
    ssX.fill(0);
    ssM.fill(0);
    return new SessionChannel("requester", th, deriveKeys(ss, th));
  } finally {
    x25519Sk.fill(0);
    mlkemDk.fill(0);
  }
}
