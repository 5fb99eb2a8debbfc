/** u8 enumerations of the protocol (docs/protocol.md "Enumerations"). */

export const NodeStatus = { Active: 0, Jailed: 1, Leaving: 2 } as const;
export type NodeStatus = (typeof NodeStatus)[keyof typeof NodeStatus];

export const TeeKind = { None: 0, Tdx: 1, SevSnp: 2, NvidiaCc: 3, Nitro: 4 } as const;
export type TeeKind = (typeof TeeKind)[keyof typeof TeeKind];

export const RequestKind = { Inference: 0, Wasm: 1 } as const;
export type RequestKind = (typeof RequestKind)[keyof typeof RequestKind];

export const RequestStatus = { Created: 0, Sampled: 1, Revealing: 2, Settled: 3, Disputed: 4, Failed: 5 } as const;
export type RequestStatus = (typeof RequestStatus)[keyof typeof RequestStatus];

export const Round = { First: 0, Escalation: 1 } as const;
export type Round = (typeof Round)[keyof typeof Round];

export const StakeChangeReason = { Added: 0, UnstakeRequested: 1, Withdrawn: 2, Slashed: 3 } as const;
export type StakeChangeReason = (typeof StakeChangeReason)[keyof typeof StakeChangeReason];

export const SlashReason = { Absent: 0, Dissent: 1 } as const;
export type SlashReason = (typeof SlashReason)[keyof typeof SlashReason];

export const FailureReason = { NoQuorum: 0, NoEligibleNodes: 1, NeverSampled: 2 } as const;
export type FailureReason = (typeof FailureReason)[keyof typeof FailureReason];

/** Name of an enumeration value, e.g. `enumName(RequestStatus, 3) === "Settled"`. */
export function enumName<T extends Record<string, number>>(e: T, value: number): keyof T | undefined {
  for (const [k, v] of Object.entries(e)) if (v === value) return k as keyof T;
  return undefined;
}
