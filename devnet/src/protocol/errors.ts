/**
 * Abort codes of the `atoma` package, per module: `#[error(code = N)]`.
 * PROVISIONAL until the Move package's error table lands at the end of docs/protocol.md; the
 * devnet glue maps (module, errorName) to the exact clever code read from the bytecode, so only
 * the names must match the Move sources.
 */
import { MoveAbort } from "./types.js";

export const ERROR_CODES = {
  registry: {
    EWrongVersion: 0,
    EPaused: 1,
    EUnknownParam: 2,
    EParamOutOfBounds: 3,
    EInvalidKey: 4,
    ENotUpgrade: 5,
    EUnknownNode: 6,
    ENoAttestation: 7,
    EInvalidTeeKind: 8,
    EInsufficientTreasury: 9,
  },
  node: {
    EWrongVersion: 0,
    EPaused: 1,
    EStakeTooLow: 2,
    EInvalidKey: 3,
    EInvalidCapability: 4,
    ECapabilityFull: 5,
    ENodeLeaving: 6,
    EStillUnbonding: 7,
    ENotLeaving: 8,
    EUnknownNode: 9,
  },
  attestation: {
    EWrongVersion: 0,
    EPaused: 1,
    EUnknownVerifier: 2,
    EInvalidTeeKind: 3,
    EReportDataMismatch: 4,
    EAttestationExpired: 5,
    EValidityTooLong: 6,
    EMeasurementNotAllowed: 7,
    EBadVerdictSignature: 8,
    EUnknownNode: 9,
  },
  request: {
    EWrongVersion: 0,
    EPaused: 1,
    EInvalidKind: 2,
    EInvalidSampleSize: 3,
    EInvalidQuorum: 4,
    EInvalidHash: 5,
    EInputTooLarge: 6,
    EInvalidPrice: 7,
    EInsufficientPayment: 8,
    EWrongStatus: 9,
    EDeadlinePassed: 10,
    ENotEnoughNodes: 11,
    ENotSampled: 12,
    EAlreadyCommitted: 13,
    ERevealTooEarly: 14,
    ENotCommitted: 15,
    EAlreadyRevealed: 16,
    ECommitmentMismatch: 17,
    ENotAgreeing: 18,
    EOutputAlreadyPosted: 19,
    EOutputTooLarge: 20,
  },
  settlement: {
    EWrongVersion: 0,
    EWrongStatus: 1,
    ESettleTooEarly: 2,
    EDeadlinePassed: 3,
  },
  cluster: {
    EWrongVersion: 0,
    EUnknownNode: 1,
    EInvalidMembers: 2,
    EInvalidHash: 3,
    EInvalidQuorum: 4,
    EWrongCap: 5,
    EWrongEpoch: 6,
    ERotationPending: 7,
    EInvalidDeadline: 8,
    ENoRotation: 9,
    ENotMember: 10,
    ENotAttested: 11,
    EDeadlinePassed: 12,
    EAlreadyAcked: 13,
    EQuorumNotReached: 14,
    EDeadlineNotPassed: 15,
  },
} as const;

export type ModuleName = keyof typeof ERROR_CODES;
export type ErrorName<M extends ModuleName> = keyof (typeof ERROR_CODES)[M] & string;

export function abort<M extends ModuleName>(module: M, name: ErrorName<M>): never {
  const code = (ERROR_CODES[module] as Record<string, number>)[name]!;
  throw new MoveAbort(module, name, code);
}

export function check<M extends ModuleName>(cond: boolean, module: M, name: ErrorName<M>): void {
  if (!cond) abort(module, name);
}
