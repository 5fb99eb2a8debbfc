import { AtomaError } from "../errors.js";

/** An envelope that does not open: wrong key, wrong request binding, wrong layer, or tampered bytes. */
export class DecryptError extends AtomaError {
  override name = "DecryptError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("DECRYPT_FAILED", message, options);
  }
}

/** A node's X25519 key is not the one bound in a valid attestation of that node. */
export class KeyNotAttestedError extends AtomaError {
  override name = "KeyNotAttestedError";
  constructor(
    readonly nodeId: string,
    readonly reason: string,
  ) {
    super("KEY_NOT_ATTESTED", `node ${nodeId}: ${reason}`);
  }
}

/** Which check refused an envelope or a layer. */
export type LayerCheck =
  | "decode"
  | "version"
  | "kem-ciphertext"
  | "layer"
  | "binding"
  | "recipient"
  | "kem"
  | "kem-key"
  | "authentication"
  | "container";

/**
 * An envelope (or one layer of a layered request) that does not open, naming the layer
 * (`user`, `node`, `system`, `application`) and the check that refused it. A DecryptError, so
 * callers handling "cannot open" keep one error type.
 */
export class LayerError extends DecryptError {
  override name = "LayerError";
  constructor(
    readonly layer: string,
    readonly check: LayerCheck,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${layer} layer, check ${check}: ${message}`, options);
  }
}
