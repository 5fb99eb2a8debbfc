/// Blinded output hashes (issue 13 A4, lazy escalation nodes).
///
/// Round 0 commits and reveals `t = blake2b256(output_hash ‖ request_id)`, never `output_hash`
/// itself; the escalation round commits and reveals `output_hash`, and the chain tallies both
/// rounds on `t`. Round-0 reveals (and `DisputeOpened`) therefore publish only `t`: an
/// escalation node that did not run the request would need a preimage of `t` to agree, and a
/// node that reveals a round-0 `t` as its own output hash tallies as `blake2b256(t ‖ id) != t`,
/// a dissenter.
module atoma::blinding;

use atoma::constants;
use sui::hash::blake2b256;

/// `t = blake2b256(output_hash ‖ request_id)`.
public fun blinded(output_hash: vector<u8>, request_id: ID): vector<u8> {
    let mut b = output_hash;
    b.append(request_id.to_bytes());
    blake2b256(&b)
}

/// The value a reveal of `round` is tallied on: round 0 reveals `t` itself, the escalation
/// round reveals `output_hash`, tallied as `blinded(output_hash, request_id)`.
public fun tally_key(round: u8, revealed: vector<u8>, request_id: ID): vector<u8> {
    if (round == constants::round_first()) revealed else blinded(revealed, request_id)
}
