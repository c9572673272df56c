//! Shared knowledge: the lists of names that both the Rust extractor and the policies read.
//!
//! The values live in `policies/knowledge.yaml` (embedded in the binary) and are policy data,
//! not code: an organisation extends them in `hooklint.toml`. Policies read every list as
//! `params.NAME`. The extractor uses them to compute derived facts such as `fn.verifies` and
//! `Operand.sensitive`.

use serde::{Deserialize, Serialize};

/// Matching conventions, documented in `docs/facts.md`:
/// - call lists (`verifiers`, `replay_safe_verifiers`, `clock_calls`) match a call whose name or
///   path equals an entry, or whose path ends with `::` + entry;
/// - header lists (`signature_headers`, `timestamp_headers`) match lower-case header names that
///   contain an entry; `identity_headers` and `ip_headers` match exactly;
/// - name lists (`sensitive_names`, `non_sensitive_words`, hints) match whole words of an
///   identifier split at `_` and case changes (`webhookSecret` -> `webhook`, `secret`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Knowledge {
    /// Calls that verify a signature or compare in constant time.
    pub verifiers: Vec<String>,
    /// Verifiers that also enforce a timestamp tolerance (no separate replay check needed).
    pub replay_safe_verifiers: Vec<String>,
    /// Substrings of header names that carry a signature.
    pub signature_headers: Vec<String>,
    /// Substrings of header names that carry a delivery timestamp.
    pub timestamp_headers: Vec<String>,
    /// Calls that read the current time.
    pub clock_calls: Vec<String>,
    /// Words in a route path that mark a webhook receiver.
    pub webhook_path_hints: Vec<String>,
    /// Words in a function or module name that mark a webhook receiver.
    pub webhook_name_hints: Vec<String>,
    /// Words that make an identifier sensitive (a secret, signature, token...).
    pub sensitive_names: Vec<String>,
    /// Words that, after a sensitive word, make it a property instead (`token_type`, `sig_len`).
    pub non_sensitive_words: Vec<String>,
    /// Methods whose result no longer carries the secret (`len`, `is_empty`).
    pub non_sensitive_methods: Vec<String>,
    /// Client-controlled headers that claim an identity.
    pub identity_headers: Vec<String>,
    /// Headers that carry a client address.
    pub ip_headers: Vec<String>,
    /// Logging and printing macros (last path segment).
    pub log_macros: Vec<String>,
    /// Calls whose result is a secret the server holds: environment reads, `expose_secret()`.
    /// Macros end in `!` (`env!`).
    pub secret_sources: Vec<String>,
    /// Types whose values are secrets (`SecretString`, `Secret`); a parameter, field or binding
    /// of such a type is a secret.
    pub secret_types: Vec<String>,
    /// Types whose `Debug` output hides the value: `{:?}` of them writes no secret.
    pub redacting_types: Vec<String>,
    /// Calls whose result is a MAC, a signature or a password hash.
    pub mac_sources: Vec<String>,
    /// Methods whose result is a MAC when their receiver holds key material (`finalize` of a
    /// keyed hasher), and a plain digest otherwise.
    pub keyed_outputs: Vec<String>,
    /// Calls that read a database, cache or other store.
    pub store_sources: Vec<String>,
    /// Calls whose arguments become key material or credentials (a MAC key, a password, a
    /// secret-typed value); literals that reach them are recorded in `flows_to`.
    pub secret_sinks: Vec<String>,
    /// Methods that set a header from a name and a value (`.header(AUTHORIZATION, v)`).
    pub header_setters: Vec<String>,
    /// Methods that return the application's state from a request (`req.app_data::<T>()`):
    /// what the server holds, not what the client sent.
    pub state_accessors: Vec<String>,
    /// Extractor types that hold the request's `Authorization` credential (`BasicAuth`).
    pub credential_types: Vec<String>,
    /// Calls that verify a token and return its claims (`jsonwebtoken::decode`): the claims say
    /// who holds the token, they are not the token.
    pub claims_decoders: Vec<String>,
}
