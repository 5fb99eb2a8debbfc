export { type AttestationSummary, type AttestedNode, assertKeyAttested } from "./attested.js";
export { bytesToHex, concatBytes, equalBytes, hexToBytes, objectIdBytes, objectIdHex } from "./bytes.js";
export { blake2b256, canonicalJson, computeCommitment, hashOutput, type JsonValue, randomSalt } from "./commitment.js";
export {
  BindingKind,
  type BindingKindId,
  decodeEnvelope,
  ENVELOPE_VERSION,
  type Envelope,
  encodeEnvelope,
  Layer,
  type LayerId,
  MAX_RECIPIENTS,
  type NodeRecipient,
  nonceLength,
  type OpenAsNodeOptions,
  type OpenAsUserOptions,
  openAsNode,
  openAsUser,
  RECIPIENT_ENTRY_LEN,
  type RecipientEntry,
  type RequestBinding,
  type SealedForNodes,
  type SealForNodesOptions,
  type SealForUserOptions,
  Suite,
  type SuiteId,
  sealForNodes,
  sealForUser,
  TAG_LEN,
  userRecipientId,
  WRAPPED_KEY_LEN,
} from "./envelope.js";
export { DecryptError, KeyNotAttestedError } from "./errors.js";
export {
  aesGcmBackend,
  aesGcmDecrypt,
  aesGcmEncrypt,
  BLAKE2B_WASM_MIN,
  blake2bBackend,
  fastBlake2b256,
  xchachaBackend,
  xchachaDecrypt,
  xchachaEncrypt,
} from "./fast.js";
export {
  generateEncryptionKeyPair,
  generateSigningKeyPair,
  type KeyPair,
  signEd25519,
  verifyEd25519,
  x25519PublicKey,
} from "./keys.js";
