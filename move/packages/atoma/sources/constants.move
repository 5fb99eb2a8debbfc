/// Every named number of the protocol, once: the u8 enumerations (node status, TEE kind, request
/// kind and status, round, stake-change, slash and failure reasons, attestation path, TCB status)
/// and the size limits. Each is read through a zero-argument `public fun` whose body only returns
/// the constant: `pnpm codegen` reads those bodies from the bytecode and writes the SDK's enum
/// tables (`sdk/src/generated/atoma/constants.ts`), so a value changed here changes the SDK.
///
/// Naming: `<enumeration>_<member>()` (e.g. `tee_kind_sev_snp()` is `TeeKind.SevSnp`); the
/// enumerations' prefixes are listed in `sdk/scripts/codegen/constants.ts`. The limits keep
/// their own names.
module atoma::constants;

// === Node status (`Node.status`, `NodeStatusChanged`) ===

const NODE_STATUS_ACTIVE: u8 = 0;
const NODE_STATUS_JAILED: u8 = 1;
const NODE_STATUS_LEAVING: u8 = 2;

// === TEE kind (`Attestation.tee_kind`, measurement allow-list keys) ===

const TEE_KIND_NONE: u8 = 0;
const TEE_KIND_TDX: u8 = 1;
const TEE_KIND_SEV_SNP: u8 = 2;
const TEE_KIND_NVIDIA_CC: u8 = 3;
const TEE_KIND_NITRO: u8 = 4;

// === Request kind and status (`Request.kind`, `Request.status`) ===

const REQUEST_KIND_INFERENCE: u8 = 0;
const REQUEST_KIND_WASM: u8 = 1;

const REQUEST_STATUS_CREATED: u8 = 0;
const REQUEST_STATUS_SAMPLED: u8 = 1;
const REQUEST_STATUS_REVEALING: u8 = 2;
const REQUEST_STATUS_SETTLED: u8 = 3;
const REQUEST_STATUS_DISPUTED: u8 = 4;
const REQUEST_STATUS_FAILED: u8 = 5;

// === Round (`Assignment.round`) ===

const ROUND_FIRST: u8 = 0;
const ROUND_ESCALATION: u8 = 1;

// === Reasons carried by events (`StakeChanged`, `NodeSlashed`, `RequestFailed`) ===

const STAKE_CHANGE_ADDED: u8 = 0;
const STAKE_CHANGE_UNSTAKE_REQUESTED: u8 = 1;
const STAKE_CHANGE_WITHDRAWN: u8 = 2;
const STAKE_CHANGE_SLASHED: u8 = 3;

const SLASH_REASON_ABSENT: u8 = 0;
const SLASH_REASON_DISSENT: u8 = 1;

const FAILURE_REASON_NO_QUORUM: u8 = 0;
const FAILURE_REASON_NO_ELIGIBLE_NODES: u8 = 1;
const FAILURE_REASON_NEVER_SAMPLED: u8 = 2;

// === Attestation path (`Attestation.path`) ===

/// A verdict signed by an allow-listed verifier (`attestation::record_attestation`).
const ATTESTATION_PATH_VERDICT: u8 = 0;
/// A TDX quote verified by the contract itself (`tdx_attestation::record_tdx_attestation`).
const ATTESTATION_PATH_TDX_ON_CHAIN: u8 = 1;
/// An AWS Nitro document verified by `sui::nitro_attestation` and the contract
/// (`nitro_enclave::record_nitro_attestation`).
const ATTESTATION_PATH_NITRO_ON_CHAIN: u8 = 2;

// === TCB status, as derived on chain (Intel's names; Revoked can never be allowed) ===

const TCB_STATUS_UP_TO_DATE: u8 = 0;
const TCB_STATUS_SW_HARDENING_NEEDED: u8 = 1;
const TCB_STATUS_CONFIGURATION_NEEDED: u8 = 2;
const TCB_STATUS_CONFIGURATION_AND_SW_HARDENING_NEEDED: u8 = 3;
const TCB_STATUS_OUT_OF_DATE: u8 = 4;
const TCB_STATUS_OUT_OF_DATE_CONFIGURATION_NEEDED: u8 = 5;
const TCB_STATUS_REVOKED: u8 = 6;

// === Size limits ===

/// Ed25519 / X25519 public keys (`sig_pk`, `enc_pk`, verifier keys).
const KEY_BYTES: u64 = 32;
/// blake2b-256 / SHA-256 digests (input, output, evidence hashes, commitments).
const HASH_BYTES: u64 = 32;
/// A compressed SEC1 P-256 point (the pinned Intel root key).
const TDX_ROOT_KEY_BYTES: u64 = 33;
/// Capabilities per node, and bytes per capability.
const MAX_CAPABILITIES: u64 = 16;
const MAX_CAPABILITY_BYTES: u64 = 64;
/// Bytes of an allow-listed measurement.
const MAX_MEASUREMENT_BYTES: u64 = 128;
/// Bytes of an output posted on chain.
const MAX_OUTPUT_BYTES: u64 = 16_384;
/// Members of a key-rotation cluster.
const MAX_CLUSTER_MEMBERS: u64 = 64;
/// Reputation of a newly registered node.
const INITIAL_REPUTATION: u64 = 1_000;

public fun node_status_active(): u8 { NODE_STATUS_ACTIVE }
public fun node_status_jailed(): u8 { NODE_STATUS_JAILED }
public fun node_status_leaving(): u8 { NODE_STATUS_LEAVING }

public fun tee_kind_none(): u8 { TEE_KIND_NONE }
public fun tee_kind_tdx(): u8 { TEE_KIND_TDX }
public fun tee_kind_sev_snp(): u8 { TEE_KIND_SEV_SNP }
public fun tee_kind_nvidia_cc(): u8 { TEE_KIND_NVIDIA_CC }
public fun tee_kind_nitro(): u8 { TEE_KIND_NITRO }

public fun request_kind_inference(): u8 { REQUEST_KIND_INFERENCE }
public fun request_kind_wasm(): u8 { REQUEST_KIND_WASM }

public fun request_status_created(): u8 { REQUEST_STATUS_CREATED }
public fun request_status_sampled(): u8 { REQUEST_STATUS_SAMPLED }
public fun request_status_revealing(): u8 { REQUEST_STATUS_REVEALING }
public fun request_status_settled(): u8 { REQUEST_STATUS_SETTLED }
public fun request_status_disputed(): u8 { REQUEST_STATUS_DISPUTED }
public fun request_status_failed(): u8 { REQUEST_STATUS_FAILED }

public fun round_first(): u8 { ROUND_FIRST }
public fun round_escalation(): u8 { ROUND_ESCALATION }

public fun stake_change_added(): u8 { STAKE_CHANGE_ADDED }
public fun stake_change_unstake_requested(): u8 { STAKE_CHANGE_UNSTAKE_REQUESTED }
public fun stake_change_withdrawn(): u8 { STAKE_CHANGE_WITHDRAWN }
public fun stake_change_slashed(): u8 { STAKE_CHANGE_SLASHED }

public fun slash_reason_absent(): u8 { SLASH_REASON_ABSENT }
public fun slash_reason_dissent(): u8 { SLASH_REASON_DISSENT }

public fun failure_reason_no_quorum(): u8 { FAILURE_REASON_NO_QUORUM }
public fun failure_reason_no_eligible_nodes(): u8 { FAILURE_REASON_NO_ELIGIBLE_NODES }
public fun failure_reason_never_sampled(): u8 { FAILURE_REASON_NEVER_SAMPLED }

public fun attestation_path_verdict(): u8 { ATTESTATION_PATH_VERDICT }
public fun attestation_path_tdx_on_chain(): u8 { ATTESTATION_PATH_TDX_ON_CHAIN }
public fun attestation_path_nitro_on_chain(): u8 { ATTESTATION_PATH_NITRO_ON_CHAIN }

public fun tcb_status_up_to_date(): u8 { TCB_STATUS_UP_TO_DATE }
public fun tcb_status_sw_hardening_needed(): u8 { TCB_STATUS_SW_HARDENING_NEEDED }
public fun tcb_status_configuration_needed(): u8 { TCB_STATUS_CONFIGURATION_NEEDED }
public fun tcb_status_configuration_and_sw_hardening_needed(): u8 { TCB_STATUS_CONFIGURATION_AND_SW_HARDENING_NEEDED }
public fun tcb_status_out_of_date(): u8 { TCB_STATUS_OUT_OF_DATE }
public fun tcb_status_out_of_date_configuration_needed(): u8 { TCB_STATUS_OUT_OF_DATE_CONFIGURATION_NEEDED }
public fun tcb_status_revoked(): u8 { TCB_STATUS_REVOKED }

public fun key_bytes(): u64 { KEY_BYTES }
public fun hash_bytes(): u64 { HASH_BYTES }
public fun tdx_root_key_bytes(): u64 { TDX_ROOT_KEY_BYTES }
public fun max_capabilities(): u64 { MAX_CAPABILITIES }
public fun max_capability_bytes(): u64 { MAX_CAPABILITY_BYTES }
public fun max_measurement_bytes(): u64 { MAX_MEASUREMENT_BYTES }
public fun max_output_bytes(): u64 { MAX_OUTPUT_BYTES }
public fun max_cluster_members(): u64 { MAX_CLUSTER_MEMBERS }
public fun initial_reputation(): u64 { INITIAL_REPUTATION }
