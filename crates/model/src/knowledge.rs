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
}

/// The lists the manifest extractor reads, from the last block of `policies/knowledge.yaml`
/// (every key starts with `manifest_`). They decide what counts as a secret, a placeholder, a
/// reference, a webhook URL, an internal host or a broker credential in YAML manifests, so an
/// organisation extends them in `hooklint.toml` (and removes a built-in entry with `!entry`).
/// Policies read them as `params.NAME` like the other knowledge lists.
///
/// Matching conventions, documented in `docs/manifests.md`:
/// - word lists match whole words of a key split at `_`, `-`, `.`, spaces and case changes
///   (`RABBITMQ_DEFAULT_PASS` -> `rabbitmq`, `default`, `pass`); an entry of several words
///   (`allow_empty_password`) matches a run of words;
/// - value lists (`manifest_placeholders`) match the whole value ignoring case, or a prefix when
///   written `prefix...`, or a suffix when written `...suffix`;
/// - host lists match a host exactly, `*.suffix` any host ending in `.suffix`, `prefix.*` any
///   host starting with `prefix.`, and `*` alone any host without a dot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestKnowledge {
    /// Words that, as the last word of a key, make its value a secret (`password`, `token`).
    pub manifest_secret_words: Vec<String>,
    /// Words that make a following `key` a secret (`api_key`, `SIGNING_KEY`).
    pub manifest_key_qualifiers: Vec<String>,
    /// Last words of keys whose value is not a secret although the key names one:
    /// switches and settings such as `allow_empty_password` or `host_auth_method`.
    pub manifest_non_secret_keys: Vec<String>,
    /// Last words of keys whose value is not secret even inside a Kubernetes `Secret`
    /// (`POSTGRES_USER`, `DB_HOST`, `DB_NAME`).
    pub manifest_public_keys: Vec<String>,
    /// Values that stand for a secret without being one (`changeme`, `your-...`, `<...>`).
    pub manifest_placeholders: Vec<String>,
    /// Prefixes of known credential formats (`xoxb-`, `ghp_`, `AKIA`); a value that starts with
    /// one and has a token-shaped rest is a secret whatever its key.
    pub manifest_credential_prefixes: Vec<String>,
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
}
