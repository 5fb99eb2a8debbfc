/**
 * The native `0x2::nitro_attestation::load_nitro_attestation_internal(&vector<u8>, u64)`: verifies
 * the document (./attestation.ts) and returns the framework's `NitroAttestationDocument` value,
 * or aborts at the native with Sui's code (1 parse, 2 verify, 3 PCRs). Gas: one native call, one
 * unit per document byte, one signature check for the document and one per certificate.
 */
import { VmFailure } from "../errors.js";
import { GAS_SCHEDULE } from "../gas.js";
import type { NativeFunction } from "../interpreter.js";
import { Ref, type Value } from "../values.js";
import { loadNitroAttestation, NitroAttestationError } from "./attestation.js";

export const NITRO_NATIVE = "0x2::nitro_attestation::load_nitro_attestation_internal";

const arr = (b: Uint8Array): number[] => Array.from(b);
const option = (b: Uint8Array | undefined): Value => [b ? [arr(b)] : []];

/** The native, trusting the AWS Nitro root and `extraRoots` (test roots, from a devnet start option). */
export function nitroNative(extraRoots: readonly Uint8Array[]): NativeFunction {
  return (c, _t, [a, ts]) => {
    const bytes = Uint8Array.from((a instanceof Ref ? a.get() : a) as number[]);
    c.gas.charge(GAS_SCHEDULE.nativeCall + bytes.length * GAS_SCHEDULE.nativeByte + GAS_SCHEDULE.signature);
    let doc: ReturnType<typeof loadNitroAttestation>;
    try {
      doc = loadNitroAttestation(bytes, ts as bigint, extraRoots);
    } catch (e) {
      if (e instanceof NitroAttestationError) return c.abort(e.code);
      throw new VmFailure("VMInvariantViolation", `nitro attestation: ${(e as Error).message}`);
    }
    c.gas.charge((doc.cabundle.length + 1) * GAS_SCHEDULE.signature);
    return [
      [
        arr(new TextEncoder().encode(doc.moduleId)),
        doc.timestamp,
        arr(new TextEncoder().encode(doc.digest)),
        doc.pcrs.map((p) => [p.index, arr(p.value)]),
        option(doc.publicKey),
        option(doc.userData),
        option(doc.nonce),
      ],
    ];
  };
}
