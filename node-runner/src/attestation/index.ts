export { type BlobStore, createBlobStore, hashHex } from "./blob-store.js";
export { type AttestVerifyArgs, readVerifierKey, runAttestVerify } from "./cli.js";
export { type AttestBody, attestationRoutes, attestBodySchema, bodyToRequest, resultToJson } from "./http.js";
export {
  type AttestationProvider,
  CONFIGFS_TSM_ROOT,
  type ConfigfsTsmOptions,
  configfsTsmProvider,
  type Evidence,
  insecureNoTeeProvider,
  nodeReportData,
} from "./providers.js";
export {
  type AttestationPolicy,
  createVerifierService,
  type EvidenceCollateral,
  type EvidenceRequest,
  type KindPolicy,
  type TeeKindInput,
  type VerifierResult,
  type VerifierService,
  type VerifierServiceOptions,
} from "./verifier-service.js";
