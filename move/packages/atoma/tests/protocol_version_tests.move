#[test_only]
module atoma::protocol_version_tests;

use atoma::protocol_version;

#[test]
fun version_is_one() {
    assert!(protocol_version::current() == 1);
}
