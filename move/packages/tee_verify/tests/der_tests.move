#[test_only]
module tee_verify::der_tests;

use std::unit_test::assert_eq;
use tee_verify::der;

#[test]
fun reads_short_and_long_lengths() {
    let short = x"020105";
    let t = der::read(&short, 0, 3);
    assert_eq!(t.tag(), 2);
    assert_eq!(t.value_start(), 2);
    assert_eq!(t.len(), 1);
    assert_eq!(t.end(), 3);
    let mut long = x"048180";
    let mut i = 0;
    while (i < 0x80) {
        long.push_back((i as u8));
        i = i + 1;
    };
    let t = der::expect(&long, 0, long.length(), 0x04);
    assert_eq!(t.value_start(), 3);
    assert_eq!(t.len(), 0x80);
    assert_eq!(der::raw(&long, &t), long);
}

#[test]
fun integer_32_strips_the_sign_byte_and_left_pads() {
    let data = x"02030080ff";
    let t = der::read(&data, 0, 5);
    let mut expected = vector[];
    let mut i = 0;
    while (i < 30) {
        expected.push_back(0);
        i = i + 1;
    };
    expected.push_back(0x80);
    expected.push_back(0xff);
    assert_eq!(der::integer_32(&data, &t), expected);
}

#[test]
fun bit_string_drops_the_unused_bits_byte() {
    let data = x"030300abcd";
    assert_eq!(der::bit_string(&data, &der::read(&data, 0, 5)), x"abcd");
}

#[test]
fun utc_and_generalized_times_are_unix_milliseconds() {
    // "180521104510Z" (Intel SGX Root CA notBefore) and "20491231235959Z" (its notAfter).
    let utc = x"170d3138303532313130343531305a";
    assert_eq!(der::time_ms(&utc, &der::read(&utc, 0, utc.length())), 1526899510000);
    let gen = x"180f32303439313233313233353935395a";
    assert_eq!(der::time_ms(&gen, &der::read(&gen, 0, gen.length())), 2524607999000);
    // UTCTime years 50..99 are 19xx.
    let y1970 = x"170d3730303130313030303030305a";
    assert_eq!(der::time_ms(&y1970, &der::read(&y1970, 0, y1970.length())), 0);
}

#[test, expected_failure(abort_code = der::ETruncated)]
fun value_past_the_end_is_rejected() {
    let data = x"020501";
    der::read(&data, 0, 3);
}

#[test, expected_failure(abort_code = der::ETruncated)]
fun missing_header_is_rejected() {
    let data = x"30";
    der::read(&data, 0, 1);
}

#[test, expected_failure(abort_code = der::EUnexpectedTag)]
fun unexpected_tag_is_rejected() {
    let data = x"020100";
    der::expect(&data, 0, 3, der::tag_sequence());
}

#[test, expected_failure(abort_code = der::EBadLength)]
fun indefinite_length_is_rejected() {
    let data = x"30800000";
    der::read(&data, 0, 4);
}

#[test, expected_failure(abort_code = der::EBadLength)]
fun non_minimal_long_length_is_rejected() {
    let data = x"04810100";
    der::read(&data, 0, 4);
}

#[test, expected_failure(abort_code = der::EHighTag)]
fun multi_byte_tag_is_rejected() {
    let data = x"1f810100";
    der::read(&data, 0, 4);
}

#[test, expected_failure(abort_code = der::EBadInteger)]
fun negative_integer_is_rejected() {
    let data = x"0201ff";
    der::integer_32(&data, &der::read(&data, 0, 3));
}

#[test, expected_failure(abort_code = der::EBadInteger)]
fun empty_integer_is_rejected() {
    let data = x"0200";
    der::integer_32(&data, &der::read(&data, 0, 2));
}

#[test, expected_failure(abort_code = der::EBadInteger)]
fun integer_over_32_bytes_is_rejected() {
    let mut data = x"022101";
    let mut i = 0;
    while (i < 32) {
        data.push_back(0);
        i = i + 1;
    };
    der::integer_32(&data, &der::read(&data, 0, data.length()));
}

#[test, expected_failure(abort_code = der::EBadBitString)]
fun bit_string_with_unused_bits_is_rejected() {
    let data = x"030201f0";
    der::bit_string(&data, &der::read(&data, 0, 4));
}

#[test, expected_failure(abort_code = der::EBadTime)]
fun time_without_z_is_rejected() {
    let data = x"170d3138303532313130343531302b";
    der::time_ms(&data, &der::read(&data, 0, data.length()));
}

#[test, expected_failure(abort_code = der::EBadTime)]
fun month_13_is_rejected() {
    let data = x"170d3138313332313130343531305a";
    der::time_ms(&data, &der::read(&data, 0, data.length()));
}

#[test, expected_failure(abort_code = der::EBadTime)]
fun non_time_tag_is_rejected() {
    let data = x"040d3138303532313130343531305a";
    der::time_ms(&data, &der::read(&data, 0, data.length()));
}
