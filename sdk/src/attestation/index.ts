export {
  blake2b256,
  checkMlKemBinding,
  checkReportDataBinding,
  expectedReportData,
  mlkemKeyHash,
  reportDataFor,
} from "./binding.js";
export { attestationCache } from "./cache.js";
export {
  type AttestationCheck,
  AttestationError,
  type CertInput,
  TeeKind,
  type TeeKindCode,
  type TeeKindName,
} from "./common.js";
export {
  type SevSnpClaims,
  SNP_REPORT_LEN,
  type SnpPolicy,
  type SnpTcb,
  type VerifySevSnpOptions,
  verifySevSnpReport,
} from "./sev-snp.js";
export { type TdxClaims, type TdxCollateral, type TdxTcb, type VerifyTdxOptions, verifyTdxQuote } from "./tdx.js";
export {
  type AttestationVerdict,
  encodeVerdictMessage,
  signVerdict,
  VERDICT_DOMAIN,
  verifyVerdict,
} from "./verdict.js";
