/// `events`: each emitter emits one event of its type whose BCS bytes are its fields in
/// declaration order (what the SDK's generated schemas and the indexer decode). The bytes
/// are written out here, not computed by the module under test.
#[test_only]
module atoma::events_tests;

use atoma::events;
use std::bcs;
use std::unit_test::assert_eq;
use sui::event;

fun id(a: address): ID { object::id_from_address(a) }

/// The 32 bytes of an address (BCS of an address or an ID is the address, fixed length).
fun a32(a: address): vector<u8> { bcs::to_bytes(&a) }

fun cat(mut parts: vector<vector<u8>>): vector<u8> {
    let mut out = vector[];
    parts.reverse();
    while (!parts.is_empty()) out.append(parts.pop_back());
    out
}

#[test]
fun stake_changed_bytes() {
    events::stake_changed(id(@0x1), 5, 7, 3);
    let evs = event::events_by_type<events::StakeChanged>();
    assert_eq!(evs.length(), 1);
    assert_eq!(bcs::to_bytes(&evs[0]), cat(vector[a32(@0x1), x"0500000000000000", x"0700000000000000", x"03"]));
}

#[test]
fun node_status_changed_bytes() {
    events::node_status_changed(id(@0x1), 0, 2, 1_000);
    let evs = event::events_by_type<events::NodeStatusChanged>();
    assert_eq!(bcs::to_bytes(&evs[0]), cat(vector[a32(@0x1), x"00", x"02", x"e803000000000000"]));
}

#[test]
fun node_updated_bytes() {
    events::node_updated(id(@0x1), 9, vector[b"ab", b"c"]);
    let evs = event::events_by_type<events::NodeUpdated>();
    assert_eq!(bcs::to_bytes(&evs[0]), cat(vector[a32(@0x1), x"0900000000000000", x"02", x"026162", x"0163"]));
}

#[test]
fun node_slashed_bytes() {
    events::node_slashed(id(@0x2), id(@0x1), 10, 1, 90);
    let evs = event::events_by_type<events::NodeSlashed>();
    assert_eq!(
        bcs::to_bytes(&evs[0]),
        cat(vector[a32(@0x2), a32(@0x1), x"0a00000000000000", x"01", x"5a00000000000000"]),
    );
}

#[test]
fun attestation_revoked_bytes() {
    events::attestation_revoked(id(@0x1), @0xAD, 77);
    let evs = event::events_by_type<events::AttestationRevoked>();
    assert_eq!(bcs::to_bytes(&evs[0]), cat(vector[a32(@0x1), a32(@0xAD), x"4d00000000000000"]));
}

#[test]
fun request_failed_bytes() {
    events::request_failed(id(@0x3), 2, 256);
    let evs = event::events_by_type<events::RequestFailed>();
    assert_eq!(evs.length(), 1);
    assert_eq!(bcs::to_bytes(&evs[0]), cat(vector[a32(@0x3), x"02", x"0001000000000000"]));
}
