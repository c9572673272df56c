//! The origin vocabulary (`docs/facts.md`, "Provenance").

/// From the inbound request: a header, the body, the query, the path, a form or JSON field.
pub const REQUEST: &str = "request";
/// Held by the server and not known to the requester: an environment variable, application
/// state or configuration, a secret-typed value, a `const` or `static` the code reads as one.
pub const SECRET: &str = "secret";
/// The output of a MAC, signature or password hash computation, and its encodings.
pub const MAC: &str = "mac";
/// Known to anyone: a literal, a length or count, a verifier's verdict, an error.
pub const PUBLIC: &str = "public";
/// Read from a database, cache or service the application holds.
pub const STORE: &str = "store";
/// A parameter of the function whose callers are unknown or pass nothing known.
pub const PARAM: &str = "param";

/// Rank of symbolic atoms (parameters, calls, fields) when a value is capped.
pub const SYMBOLIC_RANK: u8 = 5;

/// Keep order when a value has too many origins: the ones rules ask about first.
pub fn rank(kind: &str) -> u8 {
    match kind {
        SECRET => 0,
        MAC => 1,
        REQUEST => 2,
        STORE => 3,
        PARAM => 4,
        _ => 6,
    }
}
