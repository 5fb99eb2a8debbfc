/** Per-session keys: a hybrid ephemeral handshake signed by the node; forward secrecy against long-term key compromise. */

import { gcm } from "@noble/ciphers/aes.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import {
  acceptSession,
  completeSession,
  createSessionOffer,
  DecryptError,
  generateEncryptionKeyPair,
  generateMlKemKeyPair,
  generateSigningKeyPair,
  openAsNode,
  sealForNodes,
} from "../../src/crypto/index.js";

const te = new TextEncoder();
const td = new TextDecoder();
const requestId = `0x${"d4".repeat(32)}`;
const nodeId = `0x${"0e".repeat(32)}`;

function handshake(node: { sigSk: Uint8Array; sigPk: Uint8Array }) {
  const offer = createSessionOffer(requestId);
  const { answer, channel: nodeCh } = acceptSession({ offer: offer.offer, requestId, nodeId, sigSk: node.sigSk });
  const userCh = completeSession({ offer, answer, nodeId, nodeSigPk: node.sigPk });
  return { offer, answer, nodeCh, userCh };
}

describe("per-session keys for node ↔ requester streams", () => {
  const sig = generateSigningKeyPair();
  const node = { sigSk: sig.secretKey, sigPk: sig.publicKey };

  it("both ends derive the same keys; messages flow both ways, in order, once", () => {
    const { userCh, nodeCh } = handshake(node);
    const m1 = userCh.seal(te.encode("prompt chunk 1"));
    const m2 = userCh.seal(te.encode("prompt chunk 2"));
    expect(td.decode(nodeCh.open(m1))).toBe("prompt chunk 1");
    expect(() => nodeCh.open(m1)).toThrow(/out of order/); // replay
    expect(td.decode(nodeCh.open(m2))).toBe("prompt chunk 2");
    const r = nodeCh.seal(te.encode("token stream"));
    expect(td.decode(userCh.open(r))).toBe("token stream");
    // a message reflected back to its sender does not open (direction is bound)
    const m3 = userCh.seal(te.encode("x"));
    expect(() => userCh.open(m3)).toThrow(DecryptError);
  });

  it("an answer not signed by the node's attested key is refused; the offer is bound to its request", () => {
    const offer = createSessionOffer(requestId);
    const imposter = generateSigningKeyPair();
    const { answer } = acceptSession({ offer: offer.offer, requestId, nodeId, sigSk: imposter.secretKey });
    expect(() => completeSession({ offer, answer, nodeId, nodeSigPk: node.sigPk })).toThrow(/not signed by the node/);
    const other = createSessionOffer(`0x${"99".repeat(32)}`);
    expect(() => acceptSession({ offer: other.offer, requestId, nodeId, sigSk: node.sigSk })).toThrow(
      /session\.offer\.requestId/,
    );
    expect(() => acceptSession({ offer: offer.offer.subarray(1), requestId, nodeId, sigSk: node.sigSk })).toThrow(
      /session\.offer: must be 1249 bytes/,
    );
  });

  it("forward secrecy: every long-term key compromised after the session opens none of its recorded traffic", () => {
    // the node's and the user's long-term keys (what an attacker steals later)
    const nodeEnc = generateEncryptionKeyPair();
    const nodeMl = generateMlKemKeyPair();
    const userEnc = generateEncryptionKeyPair();
    const { offer, answer, nodeCh, userCh } = handshake(node);
    const recorded = [userCh.seal(te.encode("secret question")), nodeCh.seal(te.encode("secret answer"))];
    // the ephemeral secrets were erased by the handshake, the keys by close()
    expect(offer.secret.x25519Sk.every((b) => b === 0)).toBe(true);
    expect(offer.secret.mlkemDk.every((b) => b === 0)).toBe(true);
    userCh.close();
    nodeCh.close();
    expect(() => userCh.seal(te.encode("more"))).toThrow(/closed/);

    // Contrast: traffic sealed to the node's long-term key (an envelope) IS opened by the stolen key.
    const env = sealForNodes({
      requestId,
      payload: te.encode("not forward secret"),
      recipients: [{ nodeId, encPk: nodeEnc.publicKey }],
      requireAttestation: false,
    }).envelope;
    expect(td.decode(openAsNode({ requestId, envelope: env, nodeId, encSk: nodeEnc.secretKey }))).toBe(
      "not forward secret",
    );

    // The attacker holds the transcript (offer, answer, messages) and every long-term secret:
    // the Ed25519 signing key, the X25519 enc keys, the ML-KEM key. Try every X25519 pairing of a
    // long-term secret with the transcript's public values as the session secret.
    const eX = offer.offer.subarray(33, 65);
    const eY = answer.subarray(33, 65);
    const guesses: Uint8Array[] = [];
    for (const sk of [nodeEnc.secretKey, userEnc.secretKey, node.sigSk, nodeMl.secretKey.subarray(0, 32)])
      for (const pub of [eX, eY]) guesses.push(x25519.getSharedSecret(sk, pub));
    const th = answer; // any info: none of the guesses is the X-Wing secret, so no key opens
    let opened = 0;
    for (const g of guesses)
      for (const info of [th, new Uint8Array(0)]) {
        const k = hkdf(sha256, g, te.encode("atoma/session/v1"), info, 64);
        for (const key of [k.subarray(0, 32), k.subarray(32)])
          for (const m of recorded) {
            try {
              gcm(key, new Uint8Array(12), new Uint8Array(0)).decrypt(m.subarray(8));
              opened++;
            } catch {
              /* expected */
            }
          }
      }
    expect(opened).toBe(0);
  });
});
