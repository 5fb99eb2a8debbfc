/**
 * Which path produced a recorded attestation, from its `AttestationRecorded` event. The contract
 * records on-chain verified evidence with verifier `0x0` (no verifier signed it:
 * `tdx_attestation::record_tdx_attestation` for TDX, the Nitro path for AWS Nitro), while a
 * verdict's verifier is the address of the allow-listed verifier key that signed it (a
 * blake2b-256 digest, never zero).
 */
import { TeeKind } from "@atoma/sdk";

export const ATTESTATION_PATHS = ["verdict", "tdx-onchain", "nitro-onchain", "onchain"] as const;
export type AttestationPath = (typeof ATTESTATION_PATHS)[number];

const ZERO_ADDRESS = /^0x0*$/;

/**
 * The path of a recorded attestation: `verdict` unless the verifier is `0x0`; `onchain` for an
 * on-chain record of a TEE kind without a named path (kept rather than halting ingestion).
 */
export function attestationPath(teeKind: number, verifier: string): AttestationPath {
  if (!ZERO_ADDRESS.test(verifier)) return "verdict";
  if (teeKind === TeeKind.Tdx) return "tdx-onchain";
  if (teeKind === TeeKind.Nitro) return "nitro-onchain";
  return "onchain";
}
