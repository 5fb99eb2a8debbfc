/// Example consumer of `atoma`: a contract that offloads a WASM computation to the network
/// (`request::create_request` is `public`) and later reads the agreed output, checking it
/// against the agreed output hash (blake2b256 of the output bytes).
module atoma_consumer::offload;

use atoma::registry::Registry;
use atoma::request::{Self, Request};
use sui::clock::Clock;
use sui::coin::Coin;
use sui::hash::blake2b256;
use sui::sui::SUI;

#[error(code = 1)]
const EWrongRequest: vector<u8> = b"request is not the one this job created";
#[error(code = 2)]
const ENotSettled: vector<u8> = b"request is not settled";
#[error(code = 3)]
const ENoOutput: vector<u8> = b"no output posted yet";
#[error(code = 4)]
const EOutputMismatch: vector<u8> = b"blake2b256(output) != agreed output hash";
#[error(code = 5)]
const EAlreadyCollected: vector<u8> = b"result already collected";

/// WASM module digest this consumer runs (the capability nodes must serve).
const WASM_CAPABILITY: vector<u8> = b"wasm:fib-v1";
const SAMPLE_SIZE: u64 = 3;
const MAX_PRICE: u64 = 1_000_000_000;
const FUEL: u64 = 10_000_000;

/// A job owned by the dapp: which request computes it and, once collected, the result.
public struct Job has key, store {
    id: UID,
    request_id: ID,
    input: vector<u8>,
    result: Option<vector<u8>>,
}

/// Offloads `fib(input)` to the network: pays for 3 nodes at <= 1 SUI each plus margin.
/// The change of `payment` goes back to the sender (as `create_request` does).
public fun offload(registry: &Registry, payment: Coin<SUI>, input: vector<u8>, clock: &Clock, ctx: &mut TxContext): Job {
    let request_id = request::create_request(
        registry,
        payment,
        1, // Wasm
        WASM_CAPABILITY,
        blake2b256(&input),
        input,
        0,
        FUEL,
        SAMPLE_SIZE,
        0, // default quorum
        MAX_PRICE,
        false,
        clock,
        ctx,
    );
    Job { id: object::new(ctx), request_id, input, result: option::none() }
}

/// Reads the agreed output of the job's request into the job.
public fun collect(job: &mut Job, req: &Request) {
    assert!(req.id() == job.request_id, EWrongRequest);
    assert!(job.result.is_none(), EAlreadyCollected);
    assert!(req.is_settled(), ENotSettled);
    assert!(req.output_node().is_some(), ENoOutput);
    let output = req.output();
    assert!(blake2b256(&output) == *req.agreed_output_hash().borrow(), EOutputMismatch);
    job.result = option::some(output);
}

public fun request_id(job: &Job): ID { job.request_id }
public fun input(job: &Job): vector<u8> { job.input }
public fun result(job: &Job): Option<vector<u8>> { job.result }
public fun capability(): vector<u8> { WASM_CAPABILITY }
public fun escrow(margin_bps: u64): u64 { request::escrow_for(SAMPLE_SIZE, MAX_PRICE, margin_bps) }
