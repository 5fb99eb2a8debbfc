/**
 * u8 enumerations of the protocol (docs/protocol.md "Enumerations"). The tables are generated
 * from the `atoma::constants` module's bytecode (`pnpm codegen`, sdk/src/generated/atoma/constants.ts):
 * this module only re-exports them under the SDK's names and adds `enumName`.
 */

export {
  AttestationPath,
  FailureReason,
  Limits,
  NodeStatus,
  RequestKind,
  RequestStatus,
  Round,
  SlashReason,
  StakeChangeReason,
  TcbStatus,
  TeeKind,
} from "../generated/atoma/constants.js";

/** Name of an enumeration value, e.g. `enumName(RequestStatus, 3) === "Settled"`. */
export function enumName<T extends Record<string, number>>(e: T, value: number): keyof T | undefined {
  for (const [k, v] of Object.entries(e)) if (v === value) return k as keyof T;
  return undefined;
}
