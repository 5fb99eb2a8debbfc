/// Treasury income off the request path (issue 13 B). `settle` leaves the protocol's part of a
/// finished request (the margin and the slashed stake not paid out) in the request's escrow
/// instead of writing the shared Registry per request; anyone moves it into the treasury with
/// `sweep_fees`, many requests in one PTB (one Registry write per batch, off the request path).
module atoma::fees;

use atoma::events;
use atoma::registry::Registry;
use atoma::request::Request;

#[error(code = 1)]
const ENotFinished: vector<u8> = b"request is not Settled or Failed: its escrow is not the treasury's yet";

/// Anyone: moves what a Settled or Failed request holds into the treasury (idempotent: a second
/// sweep moves 0). Emits `FeesSwept`. Not blocked by the pause switch, like `settle`.
public fun sweep_fees(registry: &mut Registry, request: &mut Request) {
    registry.assert_version();
    request.assert_version_settleable();
    assert!(request.is_settled() || request.is_failed(), ENotFinished);
    let b = request.escrow_mut().withdraw_all();
    let amount = b.value();
    registry.deposit_treasury(b);
    events::fees_swept(request.id(), amount);
}
