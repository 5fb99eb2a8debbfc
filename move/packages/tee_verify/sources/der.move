/// A minimal DER reader: one tag-length-value at a time over a byte vector, enough for the
/// X.509 certificates of the Intel PCK chain (SEQUENCE, INTEGER, BIT STRING, OID, times).
/// Only single-byte tags and definite lengths up to 4 length bytes are accepted (DER forbids
/// indefinite lengths; no certificate here comes near 4 GiB).
module tee_verify::der;

// === Errors ===

#[error(code = 1)]
const ETruncated: vector<u8> = b"DER element runs past the end of its input";
#[error(code = 2)]
const EUnexpectedTag: vector<u8> = b"DER element has another tag than the one expected";
#[error(code = 3)]
const EBadLength: vector<u8> = b"DER length is indefinite, over 4 bytes or not minimal";
#[error(code = 4)]
const EHighTag: vector<u8> = b"DER multi-byte tags are not supported";
#[error(code = 5)]
const EBadInteger: vector<u8> = b"DER INTEGER is empty, negative or longer than 32 bytes";
#[error(code = 6)]
const EBadBitString: vector<u8> = b"DER BIT STRING is empty or has unused bits";
#[error(code = 7)]
const EBadTime: vector<u8> = b"DER time is not YYMMDDHHMMSSZ / YYYYMMDDHHMMSSZ";

// === Tags ===

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OID: u8 = 0x06;
const TAG_UTC_TIME: u8 = 0x17;
const TAG_GENERALIZED_TIME: u8 = 0x18;
const TAG_SEQUENCE: u8 = 0x30;

// === Structs ===

/// One element: its tag, where its header starts, where its value starts and how long it is.
public struct Tlv has copy, drop {
    tag: u8,
    start: u64,
    value_start: u64,
    len: u64,
}

// === Public-View ===

public fun tag_integer(): u8 { TAG_INTEGER }

public fun tag_bit_string(): u8 { TAG_BIT_STRING }

public fun tag_oid(): u8 { TAG_OID }

public fun tag_sequence(): u8 { TAG_SEQUENCE }

/// Reads the element whose header starts at `pos`, without bounds beyond `limit`.
public fun read(data: &vector<u8>, pos: u64, limit: u64): Tlv {
    assert!(limit <= data.length() && pos + 2 <= limit, ETruncated);
    let tag = data[pos];
    assert!(tag & 0x1f != 0x1f, EHighTag);
    let first = data[pos + 1];
    let mut value_start = pos + 2;
    let mut len: u64;
    if (first < 0x80) {
        len = (first as u64);
    } else {
        let n = ((first & 0x7f) as u64);
        assert!(n >= 1 && n <= 4, EBadLength);
        assert!(value_start + n <= limit, ETruncated);
        len = 0;
        let mut i = 0;
        while (i < n) {
            len = (len << 8) | (data[value_start + i] as u64);
            i = i + 1;
        };
        // DER: the long form only for lengths >= 128, without leading zero bytes.
        assert!(len >= 0x80 && data[value_start] != 0, EBadLength);
        value_start = value_start + n;
    };
    assert!(value_start + len <= limit, ETruncated);
    Tlv { tag, start: pos, value_start, len }
}

/// Reads the element at `pos` and checks its tag.
public fun expect(data: &vector<u8>, pos: u64, limit: u64, tag: u8): Tlv {
    let t = read(data, pos, limit);
    assert!(t.tag == tag, EUnexpectedTag);
    t
}

public fun tag(t: &Tlv): u8 { t.tag }

public fun start(t: &Tlv): u64 { t.start }

public fun value_start(t: &Tlv): u64 { t.value_start }

public fun len(t: &Tlv): u64 { t.len }

/// The position right after the element (where its next sibling starts).
public fun end(t: &Tlv): u64 { t.value_start + t.len }

/// The element's value bytes.
public fun value(data: &vector<u8>, t: &Tlv): vector<u8> { slice(data, t.value_start, end(t)) }

/// The element's full encoding (header and value), e.g. a Name compared byte for byte.
public fun raw(data: &vector<u8>, t: &Tlv): vector<u8> { slice(data, t.start, end(t)) }

/// Copy of `data[from..to]`.
public fun slice(data: &vector<u8>, from: u64, to: u64): vector<u8> {
    assert!(from <= to && to <= data.length(), ETruncated);
    let mut out = vector[];
    let mut i = from;
    while (i < to) {
        out.push_back(data[i]);
        i = i + 1;
    };
    out
}

/// A non-negative INTEGER as exactly 32 big-endian bytes (sign byte stripped, left-padded).
public fun integer_32(data: &vector<u8>, t: &Tlv): vector<u8> {
    assert!(t.tag == TAG_INTEGER, EUnexpectedTag);
    assert!(t.len >= 1, EBadInteger);
    let mut from = t.value_start;
    let to = end(t);
    assert!(data[from] & 0x80 == 0, EBadInteger);
    if (data[from] == 0 && t.len > 1) from = from + 1;
    assert!(to - from <= 32, EBadInteger);
    let mut out = vector[];
    let mut pad = 32 - (to - from);
    while (pad > 0) {
        out.push_back(0);
        pad = pad - 1;
    };
    out.append(slice(data, from, to));
    out
}

/// The bytes of a BIT STRING without unused bits (the first value byte must be 0).
public fun bit_string(data: &vector<u8>, t: &Tlv): vector<u8> {
    assert!(t.tag == TAG_BIT_STRING, EUnexpectedTag);
    assert!(t.len >= 1 && data[t.value_start] == 0, EBadBitString);
    slice(data, t.value_start + 1, end(t))
}

/// A UTCTime (years 1950..2049) or GeneralizedTime, `Z` only, as Unix milliseconds.
public fun time_ms(data: &vector<u8>, t: &Tlv): u64 {
    let p = t.value_start;
    let (year, q) = if (t.tag == TAG_UTC_TIME) {
        assert!(t.len == 13, EBadTime);
        let yy = digits(data, p, 2);
        (if (yy >= 50) 1900 + yy else 2000 + yy, p + 2)
    } else {
        assert!(t.tag == TAG_GENERALIZED_TIME && t.len == 15, EBadTime);
        (digits(data, p, 4), p + 4)
    };
    let month = digits(data, q, 2);
    let day = digits(data, q + 2, 2);
    let hour = digits(data, q + 4, 2);
    let minute = digits(data, q + 6, 2);
    let second = digits(data, q + 8, 2);
    assert!(data[q + 10] == 0x5a, EBadTime); // 'Z'
    assert!(year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 31, EBadTime);
    assert!(hour < 24 && minute < 60 && second < 60, EBadTime);
    let days = days_from_civil(year, month, day);
    ((days * 86400 + hour * 3600 + minute * 60 + second) * 1000)
}

// === Private ===

fun digits(data: &vector<u8>, pos: u64, n: u64): u64 {
    let mut v = 0;
    let mut i = 0;
    while (i < n) {
        let c = data[pos + i];
        assert!(c >= 0x30 && c <= 0x39, EBadTime);
        v = v * 10 + ((c - 0x30) as u64);
        i = i + 1;
    };
    v
}

/// Days since 1970-01-01 (Howard Hinnant's days_from_civil, for years >= 1970).
fun days_from_civil(year: u64, month: u64, day: u64): u64 {
    let y = if (month <= 2) year - 1 else year;
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = if (month > 2) month - 3 else month + 9;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}
