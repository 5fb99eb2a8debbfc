/**
 * Abort codes of the `atoma` package, per module: `#[error(code = N)]`.
 * Mirrors the `#[error(code = N)]` constants of move/packages/atoma/sources/*.move; the
 * devnet glue maps (module, errorName) to the exact clever code read from the bytecode, so only
 * the names must match the Move sources.
 */
import { MoveAbort } from "./types.js";

export const ERROR_CODES = {
  config: { EUnknownParam: 1, EParamOutOfBounds: 2 },
  registry: {
    EWrongVersion: 1,
    EPaused: 2,
    ENotUpgrade: 3,
    EInvalidKey: 4,
    EUnknownNode: 5,
    ENoAttestation: 6,
    ECapabilityFull: 7,
    EInsufficientTreasury: 8,
    EInvalidTeeKind: 9,
    EVerifierExists: 10,
    EUnknownVerifier: 11,
    EUnknownMeasurement: 12,
    EInvalidMeasurement: 13,
  },
  node: {
    EStakeTooLow: 1,
    EInvalidKey: 2,
    EInvalidCapability: 3,
    ENodeLeaving: 4,
    ENotLeaving: 5,
    EStillUnbonding: 6,
    EZeroAmount: 7,
    ENotJailable: 8,
  },
  attestation: {
    EUnknownVerifier: 1,
    EInvalidTeeKind: 2,
    EReportDataMismatch: 3,
    EAttestationExpired: 4,
    EValidityTooLong: 5,
    EMeasurementNotAllowed: 6,
    EBadVerdictSignature: 7,
    EInvalidHash: 8,
    EIssuedInFuture: 9,
    EIssuedBeforeRevocation: 10,
  },
  request: {
    EWrongVersion: 1,
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
    EInvalidCapability: 21,
    EOutputMismatch: 22,
    EOutputAccepted: 23,
    ENotRequester: 24,
    ENotConfidential: 25,
    ENoOutputFromNode: 26,
  },
  settlement: {
    EWrongStatus: 1,
    ESettleTooEarly: 2,
    EDeadlinePassed: 3,
    ENotDisputed: 4,
  },
  cluster: {
    EWrongVersion: 1,
    EUnknownNode: 2,
    EInvalidMembers: 3,
    EInvalidHash: 4,
    EInvalidQuorum: 5,
    EWrongCap: 6,
    EWrongEpoch: 7,
    ERotationPending: 8,
    EInvalidDeadline: 9,
    ENoRotation: 10,
    ENotMember: 11,
    ENotAttested: 12,
    EDeadlinePassed: 13,
    EAlreadyAcked: 14,
    EQuorumNotReached: 15,
    EDeadlineNotPassed: 16,
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
