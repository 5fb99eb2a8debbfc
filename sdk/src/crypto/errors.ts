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
