//! Shared knowledge: the lists of names that both the Rust extractor and the policies read.
//!
//! The values live in `policies/knowledge.yaml` (embedded in the binary) and are policy data,
//! not code: an organisation extends them in `hooklint.toml`. Policies read every list as
//! `params.NAME`. The extractor uses them to compute derived facts such as `fn.verifies` and
//! `Operand.sensitive`.

use serde::{Deserialize, Serialize};

use crate::names::{CallList, WordList};

/// Matching conventions, documented in `docs/facts.md` and implemented in [`crate::names`]:
/// - call lists (`verifiers`, `replay_safe_verifiers`, `clock_calls`, `mac_output_calls`,
///   `test_attributes`, `key_constructors`) match a call whose name or path equals an entry, or
///   whose path ends with `::` + entry;
/// - header lists (`signature_headers`, `timestamp_headers`) match lower-case header names that
///   contain an entry; `identity_headers` and `ip_headers` match exactly;
/// - name lists (`sensitive_names`, `non_sensitive_words`, hints, `rate_limiter_words`) match
///   whole words of an identifier split at `_` and case changes (`webhookSecret` -> `webhook`,
///   `secret`);
/// - `non_sensitive_methods`, `log_macros`, `gate_methods`, `variable_time_ops` match exactly;
/// - manifest lists: `secret_key_words` and `secret_key_qualifiers` match words of a key
///   (the last word, the word before `key`), `connection_key_words` any word of it;
///   `token_prefixes` and `secret_reference_prefixes` match the start of a value;
/// - the other manifest lists (`manifest_*`, `docs/manifests.md`): word lists match whole words
///   of a key, an entry of several words (`allow_empty_password`) a run of them;
///   `manifest_placeholders` match the whole value ignoring case, or a prefix written
///   `prefix...`, or a suffix written `...suffix`; host lists match a host exactly, `*.suffix`
///   any host ending in `.suffix`, `prefix.*` any host starting with `prefix.`, and `*` alone
///   any host without a dot. Only these lists can lose a built-in entry (`!entry` in
///   `hooklint.toml`): none of them is needed to redact a secret.
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
    /// Methods that run the query a query builder built (Diesel's `first`, `load`): a store
    /// read when called with one argument on a chain that holds a `query_steps` call.
    pub store_queries: Vec<String>,
    /// Methods that build a query (`filter`, `inner_join`): called without a closure, they
    /// make the chain a query for `store_queries`.
    pub query_steps: Vec<String>,
    /// Library calls whose result re-presents their receiver's or arguments' value: accessors,
    /// conversions and encoders (`expose_secret`, `hex::encode`). Only these (with the
    /// standard library's own steps and `secret_sinks`) carry a secret, MAC, request value or
    /// literal through a call the project does not define; any other call's result keeps only
    /// its store reads and parameters.
    pub value_carriers: Vec<String>,
    /// Calls whose arguments become key material or credentials (a MAC key, a password, a
    /// secret-typed value); literals that reach them are recorded in `flows_to`.
    pub secret_sinks: Vec<String>,
    /// Builder methods that set a header from a name and a value (`.header(AUTHORIZATION, v)`).
    pub header_setters: Vec<String>,
    /// Map methods (`insert`) that set a header when the receiver is one of `header_maps` or
    /// the name is a header constant.
    pub header_map_setters: Vec<String>,
    /// Header map types (`HeaderMap`) and methods returning one (`headers_mut`).
    pub header_maps: Vec<String>,
    /// Methods that return the application's state from a request (`req.app_data::<T>()`):
    /// what the server holds, not what the client sent.
    pub state_accessors: Vec<String>,
    /// Extractor types that hold the request's `Authorization` credential (`BasicAuth`).
    pub credential_types: Vec<String>,
    /// Calls that verify a token and return its claims (`jsonwebtoken::decode`): the claims say
    /// who holds the token, they are not the token.
    pub claims_decoders: Vec<String>,
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
    /// Library constants that name a header, each `PATH=header`
    /// (`SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER=x-slack-signature`): a header
    /// read by such a constant has that name instead of one spelled from the constant's words.
    pub header_constants: Vec<String>,
    /// Calls whose result is a MAC or a signature: a value they return is sensitive, and a
    /// function that calls one and sends a request is an outbound sender, not a receiver.
    pub mac_output_calls: Vec<String>,
    /// Comparison operators (`Compare.op`) that take time depending on the bytes compared:
    /// applied to a secret they leak it through timing.
    pub variable_time_ops: Vec<String>,
    /// Methods whose receiver and arguments are checked: a value passed to one decides control
    /// flow (`ALLOWLIST.contains(&ip)`).
    pub gate_methods: Vec<String>,
    /// Words that name a rate limiter: keying a limiter by address is not a trust decision.
    pub rate_limiter_words: Vec<String>,
    /// Attributes that mark a function as test code (last path segment or path suffix).
    pub test_attributes: Vec<String>,
    /// Lower-case substrings of a receiver that mark an outbound response or HTTP client:
    /// `.json()` on it reads a response, not the request body.
    pub response_receiver_hints: Vec<String>,
    /// Methods whose result is the response to a request the code sends (`send`, `execute`,
    /// `call`): a header read from it is what the other server sent, not the inbound request.
    pub response_calls: Vec<String>,
    /// Types of such responses and of responses the code builds (`Response`,
    /// `ClientResponse`), exact last segment.
    pub response_types: Vec<String>,
    /// Calls whose argument is key material (`Hmac::new_from_slice`, `EncodingKey::from_secret`):
    /// a literal passed to one is a secret, reported by secrets/hardcoded-secret and masked in
    /// every output.
    pub key_constructors: Vec<String>,
    /// Manifests: words that, as the last word of a key or variable name, make its value a
    /// secret (`DB_PASSWORD`, `api_token`). Secret values are redacted before they are stored.
    pub secret_key_words: Vec<String>,
    /// Manifests: words that make a following `key` a secret (`SIGNING_KEY`, `api_key`).
    pub secret_key_qualifiers: Vec<String>,
    /// Manifests: prefixes of provider tokens and secret-bearing URLs; a value that starts with
    /// one is a secret whatever its key.
    pub token_prefixes: Vec<String>,
    /// Manifests: prefixes (case-insensitive) of a reference to a secret held elsewhere
    /// (`vault:`, `op://`, `arn:aws:secretsmanager:`): such a value is not an inline secret.
    pub secret_reference_prefixes: Vec<String>,
    /// Manifests: interpolation and template syntaxes that stand for a value kept elsewhere,
    /// written `open...close` (`${...}`, `{{...}}`, Concourse's `((...))`): a value holding one
    /// is a reference, not an inline secret.
    pub secret_reference_templates: Vec<String>,
    /// Manifests: words of a broker-named variable whose value is a connection string
    /// (`AMQP_URL`, `REDIS_DSN`); a password in it, or a reference to all of it, is the broker
    /// credential.
    pub connection_key_words: Vec<String>,
    /// Last words of keys whose value is not a secret although the key names one:
    /// switches and settings such as `allow_empty_password` or `host_auth_method`.
    pub manifest_non_secret_keys: Vec<String>,
    /// Last words of keys whose value is not secret even inside a Kubernetes `Secret`
    /// (`POSTGRES_USER`, `DB_HOST`, `DB_NAME`).
    pub manifest_public_keys: Vec<String>,
    /// Values that stand for a secret without being one (`changeme`, `your-...`, `<...>`).
    pub manifest_placeholders: Vec<String>,
    /// Folder and file-name words that mark test infrastructure (`tests`, `testdata`).
    pub manifest_test_path_words: Vec<String>,
    /// Folder words that mark examples and documentation (`examples`, `docs`).
    pub manifest_example_path_words: Vec<String>,
    /// Keys whose value is an example in an API description (OpenAPI `example`, `examples`).
    pub manifest_example_keys: Vec<String>,
    /// Hosts that are the local machine (`localhost`, `127.*`, `::1`).
    pub manifest_loopback_hosts: Vec<String>,
    /// Hosts that only resolve inside a cluster or a private network (`*.svc`, `*`).
    pub manifest_internal_hosts: Vec<String>,
    /// Key words that name a webhook, hook or receiver URL (`webhook_url`, `webhook_configs`).
    pub manifest_webhook_key_words: Vec<String>,
    /// Key words that name a callback URL.
    pub manifest_callback_key_words: Vec<String>,
    /// Key words that name an OAuth redirect URL.
    pub manifest_redirect_key_words: Vec<String>,
    /// Keys that hold a bare URL (`url`, `address`): an endpoint when a parent key names one.
    pub manifest_url_keys: Vec<String>,
    /// Brokers and the words that name them in variables, hosts, images and URL schemes, one
    /// broker per entry: `"amqp: amqp amqps rabbitmq rabbit"`.
    pub manifest_brokers: Vec<String>,
    /// Words that make a broker-named variable a credential (`REDIS_AUTH`, `AMQP_URL`).
    pub manifest_broker_credential_words: Vec<String>,
    /// Command-line flags whose value is a password (`--requirepass`).
    pub manifest_password_flags: Vec<String>,
    /// Last words of keys that name a Kubernetes Secret holding credentials
    /// (`existingSecret` in Helm values).
    pub manifest_secret_name_keys: Vec<String>,
    /// The lists the extractor and the index look up for every call and name, compiled on
    /// first use ([`Knowledge::matchers`]). Not data: never serialized, empty again in a clone,
    /// equal in every `Knowledge`. Public only so that `Knowledge { .., ..base }` compiles.
    #[doc(hidden)]
    #[serde(skip)]
    pub compiled: Compiled,
}

/// The compiled form of a knowledge list of each matching convention that is looked up on
/// every call or name: a call list ([`CallList`]) or a word list ([`WordList`]).
macro_rules! matchers {
    (calls: [$($c:ident),* $(,)?], words: [$($w:ident),* $(,)?] $(,)?) => {
        /// Compiled knowledge lists, one field per list, named after it.
        #[derive(Debug)]
        pub struct Matchers {
            $(pub $c: CallList,)*
            $(pub $w: WordList,)*
        }

        impl Matchers {
            fn new(k: &Knowledge) -> Self {
                Matchers { $($c: CallList::new(&k.$c),)* $($w: WordList::new(&k.$w),)* }
            }

            /// Compiled from `k`'s lists as they are now.
            fn is_of(&self, k: &Knowledge) -> bool {
                $(self.$c.entries() == k.$c.as_slice() &&)*
                $(self.$w.entries() == k.$w.as_slice() &&)* true
            }
        }
    };
}

matchers! {
    calls: [
        verifiers, value_carriers, secret_sinks, claims_decoders, secret_sources, mac_sources,
        store_sources, auth_calls, oauth_callback_signs, websocket_signs, mac_output_calls,
        spawn_calls, test_attributes,
    ],
    words: [
        sensitive_names, non_sensitive_words, rate_limiter_words, receiver_words,
        receiver_weak_words,
    ],
}

/// The lazily built [`Matchers`] of a [`Knowledge`].
#[derive(Default)]
pub struct Compiled(std::sync::OnceLock<Matchers>);

impl Clone for Compiled {
    fn clone(&self) -> Self {
        Compiled::default()
    }
}

impl PartialEq for Compiled {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Compiled")
    }
}

impl Knowledge {
    /// The lists looked up on every call and name, compiled once. The lists must not change
    /// after the first call (debug builds check it); a clone compiles its own.
    pub fn matchers(&self) -> &Matchers {
        let m = self.compiled.0.get_or_init(|| Matchers::new(self));
        debug_assert!(m.is_of(self), "a knowledge list changed after it was compiled");
        m
    }

    /// The header a library constant names (`header_constants`), from the constant's path as
    /// written: the entry's path, a path ending in `::` and it, or its last segments alone
    /// (`SLACK_SIGNED_HASH_HEADER` after a `use`).
    pub fn header_constant(&self, path: &str) -> Option<&str> {
        self.header_constants.iter().find_map(|e| {
            let (key, header) = e.split_once('=')?;
            let (key, header) = (key.trim(), header.trim());
            let matches = crate::names::call_matches(path, key)
                || key.strip_suffix(path).is_some_and(|rest| rest.ends_with("::"));
            matches.then_some(header)
        })
    }

    /// The `sensitive_names` entry that makes `name` name a secret, by the sensitive-name rule
    /// ([`crate::names::sensitive_word`], with `non_sensitive_words` as the property words).
    pub fn sensitive_word(&self, name: &str) -> Option<&str> {
        let m = self.matchers();
        m.sensitive_names.sensitive_word(name, &m.non_sensitive_words)
    }

    /// `name` ends in a `non_sensitive_words` word (`event.kind`, `scheme`, `key_id`): it names
    /// an attribute of a value, not the value.
    pub fn ends_with_property(&self, name: &str) -> bool {
        self.matchers().non_sensitive_words.ends_with(name)
    }

    /// The call is a `verifiers` entry, by its name or path.
    pub fn is_verifier(&self, name: &str, path: &str) -> bool {
        self.matchers().verifiers.matches(name, path)
    }
}

#[cfg(test)]
mod tests {
    use super::Knowledge;

    #[test]
    fn header_constants_match_the_path_as_written() {
        let k = Knowledge {
            header_constants: vec![
                "SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER = x-slack-signature".into(),
            ],
            ..Knowledge::default()
        };
        for written in [
            "SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER",
            "slack_morphism::prelude::SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER",
            "SLACK_SIGNED_HASH_HEADER",
        ] {
            assert_eq!(k.header_constant(written), Some("x-slack-signature"), "{written}");
        }
        for other in ["Other::SLACK_SIGNED_HASH_HEADER", "HASH_HEADER", "SIGNED_HASH_HEADER", ""] {
            assert_eq!(k.header_constant(other), None, "{other}");
        }
    }
}
