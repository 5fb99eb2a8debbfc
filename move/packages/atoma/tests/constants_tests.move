/// `constants`: the values the SDK's generated tables and docs/protocol.md "Enumerations" give,
/// and the relations the contract relies on (Revoked is the highest TCB status; a TEE kind is
/// None or one of the four TEEs, contiguous).
#[test_only]
module atoma::constants_tests;

use atoma::constants as c;
use std::unit_test::assert_eq;

#[test]
fun enumerations_have_their_documented_values() {
    assert_eq!(vector[c::node_status_active(), c::node_status_jailed(), c::node_status_leaving()], vector[0, 1, 2]);
    assert_eq!(
        vector[c::tee_kind_none(), c::tee_kind_tdx(), c::tee_kind_sev_snp(), c::tee_kind_nvidia_cc(), c::tee_kind_nitro()],
        vector[0, 1, 2, 3, 4],
    );
    assert_eq!(vector[c::request_kind_inference(), c::request_kind_wasm()], vector[0, 1]);
    assert_eq!(
        vector[
            c::request_status_created(),
            c::request_status_sampled(),
            c::request_status_revealing(),
            c::request_status_settled(),
            c::request_status_disputed(),
            c::request_status_failed(),
        ],
        vector[0, 1, 2, 3, 4, 5],
    );
    assert_eq!(vector[c::round_first(), c::round_escalation()], vector[0, 1]);
    assert_eq!(
        vector[c::stake_change_added(), c::stake_change_unstake_requested(), c::stake_change_withdrawn(), c::stake_change_slashed()],
        vector[0, 1, 2, 3],
    );
    assert_eq!(vector[c::slash_reason_absent(), c::slash_reason_dissent()], vector[0, 1]);
    assert_eq!(
        vector[c::failure_reason_no_quorum(), c::failure_reason_no_eligible_nodes(), c::failure_reason_never_sampled()],
        vector[0, 1, 2],
    );
    assert_eq!(vector[c::attestation_path_verdict(), c::attestation_path_tdx_on_chain(), c::attestation_path_nitro_on_chain()], vector[0, 1, 2]);
    assert_eq!(
        vector[
            c::tcb_status_up_to_date(),
            c::tcb_status_sw_hardening_needed(),
            c::tcb_status_configuration_needed(),
            c::tcb_status_configuration_and_sw_hardening_needed(),
            c::tcb_status_out_of_date(),
            c::tcb_status_out_of_date_configuration_needed(),
            c::tcb_status_revoked(),
        ],
        vector[0, 1, 2, 3, 4, 5, 6],
    );
}

/// `set_tdx_policy` allows every status up to OutOfDateConfigurationNeeded: Revoked must be
/// the one status above it.
#[test]
fun revoked_is_the_highest_tcb_status() {
    assert_eq!(c::tcb_status_revoked(), c::tcb_status_out_of_date_configuration_needed() + 1);
}

#[test]
fun size_limits() {
    assert_eq!(c::key_bytes(), 32);
    assert_eq!(c::hash_bytes(), 32);
    assert_eq!(c::tdx_root_key_bytes(), 33);
    assert_eq!(c::max_capabilities(), 16);
    assert_eq!(c::max_capability_bytes(), 64);
    assert_eq!(c::max_measurement_bytes(), 128);
    assert_eq!(c::max_output_bytes(), 16_384);
    assert_eq!(c::max_cluster_members(), 64);
    assert_eq!(c::initial_reputation(), 1_000);
}
