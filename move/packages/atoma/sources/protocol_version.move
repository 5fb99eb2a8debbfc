/// Package version constant shared by every versioned object.
module atoma::protocol_version;

/// The version of the package that this source tree builds.
const VERSION: u64 = 1;

/// Returns the package version.
public fun current(): u64 { VERSION }
