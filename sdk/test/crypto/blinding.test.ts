/** Blinded round-0 hashes (Move `blinding`): t = blake2b256(output_hash ‖ request_id). */
import { describe, expect, it } from "vitest";
import {
  blake2b256,
  blindedHash,
  concatBytes,
  InvalidInputError,
  objectIdBytes,
  roundValue,
  tallyKey,
} from "../../src/index.js";

const h = new Uint8Array(32).fill(0xaa);
const id = `0x${"42".repeat(32)}`;

describe("blindedHash, roundValue, tallyKey", () => {
  it("t is blake2b256 of the output hash then the request id's 32 bytes", () => {
    expect(blindedHash(h, id)).toEqual(blake2b256(concatBytes(h, objectIdBytes(id))));
    expect(blindedHash(h, id)).not.toEqual(blindedHash(h, `0x${"43".repeat(32)}`));
  });

  it("round 0 reveals t, round 1 the hash; both tally as t", () => {
    expect(roundValue(h, id, 0)).toEqual(blindedHash(h, id));
    expect(roundValue(h, id, 1)).toEqual(h);
    for (const r of [0, 1]) expect(tallyKey(roundValue(h, id, r), id, r)).toEqual(blindedHash(h, id));
    // a lazy escalation node revealing round 0's t does not tally as t
    expect(tallyKey(blindedHash(h, id), id, 1)).not.toEqual(blindedHash(h, id));
  });

  it("refuses other rounds and other lengths, naming the field", () => {
    expect(() => roundValue(h, id, 2)).toThrow(InvalidInputError);
    expect(() => roundValue(h, id, 2)).toThrow(/round/);
    expect(() => blindedHash(new Uint8Array(31), id)).toThrow(/outputHash/);
    expect(() => tallyKey(new Uint8Array(31), id, 0)).toThrow(/revealed/);
  });
});
