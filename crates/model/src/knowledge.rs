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
    /// Calls that start work in the background (`tokio::spawn`, `thread::spawn`).
    pub spawn_calls: Vec<String>,
    /// Constructors that accept a request when returned by a guard, extractor or verifier
    /// (`Outcome::Success`); `Ok`, `Some` and `true` always do.
    pub acceptance_values: Vec<String>,
    /// Constructors that reject a request when returned (`Outcome::Failure`); `Err`, `None`
    /// and `false` always do.
    pub rejection_values: Vec<String>,
    /// Names of error statuses anywhere in a returned value (`StatusCode::UNAUTHORIZED`,
    /// `HttpResponse::Forbidden()`); integer literals 400-499 count too.
    pub rejection_statuses: Vec<String>,
    /// Methods that hand a request on to the next service in a middleware (`next.run(req)`).
    pub pass_calls: Vec<String>,
    /// Fragments of provider URLs that verify a delivery remotely (PayPal's
    /// `verify-webhook-signature`): a call with such a literal argument is a verification.
    pub remote_verifiers: Vec<String>,
    /// Words of a route path, fn, module or crate name that say "webhook receiver".
    pub receiver_words: Vec<String>,
    /// Words that only add to a strong sign (`events`, `notifications`, `callback`).
    pub receiver_weak_words: Vec<String>,
    /// Headers only a provider's delivery carries: event, delivery and signature headers
    /// (exact names; `signature_headers` substrings count too).
    pub provider_headers: Vec<String>,
    /// Body types of provider events, `crate::Type` (`stripe::Event`, `octocrab::WebhookEvent`).
    pub provider_event_types: Vec<String>,
    /// Parameter types that authenticate a user (`Claims`, `Session`, `AuthUser`).
    pub user_auth_types: Vec<String>,
    /// Layers and middleware that authenticate a user (`HttpAuthentication`,
    /// `RequireAuthorizationLayer`).
    pub user_auth_layers: Vec<String>,
    /// Headers that carry a user's or client's credential (`authorization`, `cookie`).
    pub credential_headers: Vec<String>,
    /// Calls that check a user's token, key, session or password.
    pub auth_calls: Vec<String>,
    /// Signs of an OAuth redirect callback: calls (`exchange_code`) and parameter types
    /// (`TokenResponse`).
    pub oauth_callback_signs: Vec<String>,
    /// Signs of a WebSocket upgrade: parameter types (`WebSocketUpgrade`) and calls
    /// (`on_upgrade`, `actix_ws::handle`).
    pub websocket_signs: Vec<String>,
    /// Query parameters of a subscription handshake that a receiver answers with GET
    /// (`hub.challenge`).
    pub handshake_params: Vec<String>,
    /// Signature headers of schemes that sign no timestamp (GitHub, GitLab's token, LINE,
    /// Twilio): freshness there comes from de-duplicating delivery ids.
    pub untimed_signature_headers: Vec<String>,
    /// Headers carrying a delivery id (`x-github-delivery`, `svix-id`).
    pub delivery_id_headers: Vec<String>,
}
