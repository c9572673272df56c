//! The knowledge lists the manifest reader applies, prepared once per file for matching.
//!
//! Everything here is a judgement an organisation can change in `hooklint.toml`: which key
//! names a secret, which value is a placeholder, which host is internal, which key names a
//! webhook URL, which words name a broker. The extractor applies it; the lists stay data.

use hooklint_model::Knowledge;

use crate::secrets::words;

/// A value pattern of `manifest_placeholders`.
#[derive(Debug)]
enum ValuePattern {
    Exact(String),
    Prefix(String),
    Suffix(String),
}

/// A host pattern of `manifest_loopback_hosts` and `manifest_internal_hosts`.
#[derive(Debug)]
enum HostPattern {
    Exact(String),
    /// `*.suffix`: the host ends with `.suffix` (stored with its dot).
    Suffix(String),
    /// `prefix.*`: the host starts with `prefix.` (stored with its dot).
    Prefix(String),
    /// `*`: a name without a dot.
    SingleLabel,
}

/// The lists, lower-cased and split into words where they match words.
#[derive(Debug, Default)]
pub(crate) struct Kn {
    secret_words: Vec<String>,
    key_qualifiers: Vec<String>,
    non_secret_keys: Vec<Vec<String>>,
    public_keys: Vec<Vec<String>>,
    placeholders: Vec<ValuePattern>,
    credential_prefixes: Vec<String>,
    test_path_words: Vec<Vec<String>>,
    example_path_words: Vec<Vec<String>>,
    example_keys: Vec<String>,
    loopback_hosts: Vec<HostPattern>,
    internal_hosts: Vec<HostPattern>,
    webhook_words: Vec<String>,
    callback_words: Vec<String>,
    redirect_words: Vec<String>,
    url_keys: Vec<String>,
    /// (broker, words naming it).
    brokers: Vec<(String, Vec<String>)>,
    broker_credential_words: Vec<String>,
    connection_words: Vec<String>,
    /// `secret_reference_prefixes`, lower-cased.
    reference_prefixes: Vec<String>,
    /// `secret_reference_templates`, split into their open and close texts.
    reference_templates: Vec<(String, String)>,
    password_flags: Vec<String>,
    secret_name_keys: Vec<Vec<String>>,
}

fn lower(list: &[String]) -> Vec<String> {
    list.iter().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect()
}

fn word_runs(list: &[String]) -> Vec<Vec<String>> {
    list.iter().map(|s| words(s)).filter(|w| !w.is_empty()).collect()
}

fn host_patterns(list: &[String]) -> Vec<HostPattern> {
    lower(list)
        .into_iter()
        .map(|p| {
            if p == "*" {
                HostPattern::SingleLabel
            } else if let Some(rest) = p.strip_prefix('*') {
                HostPattern::Suffix(rest.to_string())
            } else if let Some(rest) = p.strip_suffix('*') {
                HostPattern::Prefix(rest.to_string())
            } else {
                HostPattern::Exact(p)
            }
        })
        .collect()
}

/// Whether `run` occurs as a contiguous run in `w`.
fn contains_run(w: &[String], run: &[String]) -> bool {
    !run.is_empty() && w.windows(run.len()).any(|win| win == run)
}

fn ends_with_run(w: &[String], run: &[String]) -> bool {
    !run.is_empty() && w.len() >= run.len() && w[w.len() - run.len()..] == *run
}

impl Kn {
    pub fn new(k: &Knowledge) -> Kn {
        let placeholders = lower(&k.manifest_placeholders)
            .into_iter()
            .map(|p| {
                if p == "..." {
                    ValuePattern::Exact(p)
                } else if let Some(prefix) = p.strip_suffix("...") {
                    ValuePattern::Prefix(prefix.to_string())
                } else if let Some(suffix) = p.strip_prefix("...") {
                    ValuePattern::Suffix(suffix.to_string())
                } else {
                    ValuePattern::Exact(p)
                }
            })
            .collect();
        let brokers = k
            .manifest_brokers
            .iter()
            .filter_map(|entry| {
                let (name, hints) = entry.split_once(':')?;
                let name = name.trim().to_lowercase();
                let hints: Vec<String> = hints.split_whitespace().map(str::to_lowercase).collect();
                (!name.is_empty()).then_some((name, hints))
            })
            .collect();
        Kn {
            secret_words: lower(&k.secret_key_words),
            key_qualifiers: lower(&k.secret_key_qualifiers),
            non_secret_keys: word_runs(&k.manifest_non_secret_keys),
            public_keys: word_runs(&k.manifest_public_keys),
            placeholders,
            credential_prefixes: k
                .token_prefixes
                .iter()
                .filter(|p| !p.is_empty())
                .cloned()
                .collect(),
            test_path_words: word_runs(&k.manifest_test_path_words),
            example_path_words: word_runs(&k.manifest_example_path_words),
            example_keys: lower(&k.manifest_example_keys),
            loopback_hosts: host_patterns(&k.manifest_loopback_hosts),
            internal_hosts: host_patterns(&k.manifest_internal_hosts),
            webhook_words: lower(&k.manifest_webhook_key_words),
            callback_words: lower(&k.manifest_callback_key_words),
            redirect_words: lower(&k.manifest_redirect_key_words),
            url_keys: lower(&k.manifest_url_keys),
            brokers,
            broker_credential_words: lower(&k.manifest_broker_credential_words),
            connection_words: lower(&k.connection_key_words),
            reference_prefixes: lower(&k.secret_reference_prefixes),
            reference_templates: k
                .secret_reference_templates
                .iter()
                .filter_map(|t| {
                    let (open, close) = t.split_once("...")?;
                    (!open.is_empty() && !close.is_empty())
                        .then(|| (open.to_string(), close.to_string()))
                })
                .collect(),
            password_flags: lower(&k.manifest_password_flags),
            secret_name_keys: word_runs(&k.manifest_secret_name_keys),
        }
    }

    /// The kind of secret a key names (`password`, `token`, `secret`, `api-key`,
    /// `private-key`), or `None` when its value is not a secret (`token_url`, `secret_name`,
    /// `password_min_length`, a `manifest_non_secret_keys` switch, a Secret's name).
    pub fn secret_key_kind(&self, name: &str) -> Option<&'static str> {
        let w = words(name);
        let last = w.last()?.as_str();
        if self.is_non_secret_words(&w) {
            return None;
        }
        let prev = w.len().checked_sub(2).and_then(|i| w.get(i)).map(String::as_str);
        if self.secret_words.iter().any(|s| s == last) {
            return Some(match last {
                "token" | "bearer" => "token",
                "secret" | "credential" | "credentials" => "secret",
                "apikey" => "api-key",
                "privatekey" => "private-key",
                _ => "password",
            });
        }
        // A broker's own credential variable (`REDIS_AUTH`, `RABBITMQ_PASS`).
        if self.broker_credential_words.iter().any(|s| s == last)
            && !self.broker_of(name).is_empty()
        {
            return Some("password");
        }
        if last == "key" {
            if let Some(p) = prev {
                if self.key_qualifiers.iter().any(|q| q == p) {
                    return Some(match p {
                        "api" => "api-key",
                        "private" | "ssh" => "private-key",
                        _ => "secret",
                    });
                }
            }
        }
        None
    }

    fn is_non_secret_words(&self, w: &[String]) -> bool {
        self.non_secret_keys.iter().any(|run| ends_with_run(w, run))
            || self.secret_name_keys.iter().any(|run| ends_with_run(w, run))
    }

    /// A key of a Kubernetes `Secret`'s data whose value is not secret (`POSTGRES_USER`).
    pub fn is_public_key(&self, name: &str) -> bool {
        let w = words(name);
        self.public_keys.iter().any(|run| ends_with_run(&w, run)) || self.is_non_secret_words(&w)
    }

    /// `existingSecret`, `secretName`: the value names a Kubernetes Secret.
    pub fn is_secret_name_key(&self, name: &str) -> bool {
        let w = words(name);
        self.secret_name_keys.iter().any(|run| ends_with_run(&w, run))
    }

    /// Values that stand for a secret without being one: blank, one repeated character,
    /// `<...>`, or a `manifest_placeholders` pattern.
    pub fn is_placeholder(&self, value: &str) -> bool {
        let v = value.trim();
        if v.is_empty() {
            return true;
        }
        let mut chars = v.chars();
        let first = chars.next().unwrap_or(' ');
        if v.chars().count() >= 3 && chars.all(|c| c == first) {
            return true;
        }
        if v.starts_with('<') && v.ends_with('>') {
            return true;
        }
        let lower = v.to_lowercase();
        self.placeholders.iter().any(|p| match p {
            ValuePattern::Exact(e) => lower == *e,
            ValuePattern::Prefix(p) => lower.starts_with(p.as_str()),
            ValuePattern::Suffix(s) => lower.ends_with(s.as_str()),
        })
    }

    /// The known credential prefix `value` starts with, when the rest looks like a token: at
    /// least 16 characters of a token alphabet mixing letters and digits, with no run of six
    /// identical characters (so `T00000000/B00000000/XXXXXXXX` and `API_URL_SECRET` in a Slack
    /// webhook URL are not tokens). A PEM block counts when it holds a private key.
    pub fn known_format(&self, value: &str) -> Option<&str> {
        let v = value.trim();
        for prefix in &self.credential_prefixes {
            let Some(rest) = v.strip_prefix(prefix.as_str()) else { continue };
            if prefix.starts_with("-----BEGIN") {
                if rest.contains("PRIVATE KEY") && rest.len() >= 64 {
                    return Some(prefix);
                }
                continue;
            }
            if is_token_shaped(rest) && !self.is_placeholder(rest) {
                return Some(prefix);
            }
        }
        None
    }

    /// A known prefix and at least eight more characters: the liberal test of redaction.
    pub fn has_credential_prefix(&self, value: &str) -> bool {
        self.credential_prefixes
            .iter()
            .any(|p| value.starts_with(p.as_str()) && value.len() >= p.len() + 8)
    }

    /// The broker a name points at (`RABBITMQ_DEFAULT_PASS` -> `amqp`), `""` if none.
    pub fn broker_of(&self, name: &str) -> &str {
        let w = words(name);
        for (broker, hints) in &self.brokers {
            if w.iter().any(|x| hints.contains(x)) {
                return broker;
            }
        }
        // Image names such as `bitnami/kafka` or `confluentinc/cp-kafka` use other separators.
        let lower = name.to_lowercase();
        for (broker, hints) in &self.brokers {
            if hints.iter().any(|h| h.len() > 4 && lower.contains(h.as_str())) {
                return broker;
            }
        }
        ""
    }

    /// The broker a URL scheme names (`amqps`, `kafka+ssl`, `sasl_ssl`, `rediss`), `""` if none.
    pub fn broker_of_scheme(&self, scheme: &str) -> &str {
        let w = words(scheme);
        for (broker, hints) in &self.brokers {
            if w.iter().any(|x| hints.contains(x)) {
                return broker;
            }
        }
        ""
    }

    /// A broker-named variable holds a credential: `REDIS_AUTH`, `RABBITMQ_PASS`, `AMQP_URL`.
    pub fn is_broker_credential_name(&self, name: &str) -> bool {
        words(name).iter().any(|w| self.broker_credential_words.contains(w))
    }

    /// A name with a `connection_key_words` word (`AMQP_URL`): its value is a connection
    /// string, whose password (or the reference to all of it) is the credential.
    pub fn is_connection_name(&self, name: &str) -> bool {
        words(name).iter().any(|w| self.connection_words.contains(w))
    }

    /// The value (trimmed) starts with a `secret_reference_prefixes` entry, ignoring case.
    pub fn has_reference_prefix(&self, value: &str) -> bool {
        self.reference_prefixes.iter().any(|p| {
            !p.is_empty() && value.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p))
        })
    }

    /// The value holds a `secret_reference_templates` syntax: its open text, and its close
    /// text after that (`((github.token))`, `${DB_PASSWORD}`, `{{ .Values.pw }}`).
    pub fn has_reference_template(&self, value: &str) -> bool {
        self.reference_templates.iter().any(|(open, close)| {
            value
                .find(open.as_str())
                .is_some_and(|i| value[i + open.len()..].contains(close.as_str()))
        })
    }

    pub fn is_password_flag(&self, flag: &str) -> bool {
        let f = flag.to_lowercase();
        self.password_flags.contains(&f)
    }

    pub fn is_loopback(&self, host: &str) -> bool {
        host_matches(&self.loopback_hosts, host)
    }

    pub fn is_internal(&self, host: &str) -> bool {
        host_matches(&self.internal_hosts, host)
    }

    /// The endpoint kind a key's words name (`redirect`, `callback`, `webhook`), if any.
    pub fn endpoint_kind(&self, key: &str) -> Option<&'static str> {
        let w = words(key);
        if w.iter().any(|x| self.redirect_words.contains(x)) {
            Some("redirect")
        } else if w.iter().any(|x| self.callback_words.contains(x)) {
            Some("callback")
        } else if w.iter().any(|x| self.webhook_words.contains(x)) {
            Some("webhook")
        } else {
            None
        }
    }

    /// A key that holds a bare URL (`url`, `address`).
    pub fn is_url_key(&self, key: &str) -> bool {
        let k = key.to_lowercase();
        self.url_keys.contains(&k)
    }

    pub fn is_example_key(&self, key: &str) -> bool {
        let k = key.to_lowercase();
        self.example_keys.contains(&k)
    }

    /// The file is test infrastructure: a folder or the file name has a test word.
    pub fn is_test_path(&self, path: &str) -> bool {
        path_has(path, &self.test_path_words, true)
    }

    /// The file sits in an example or documentation folder.
    pub fn is_example_path(&self, path: &str) -> bool {
        path_has(path, &self.example_path_words, false)
    }
}

fn host_matches(patterns: &[HostPattern], host: &str) -> bool {
    let h = host.trim_end_matches('.').to_lowercase();
    if h.is_empty() {
        return false;
    }
    patterns.iter().any(|p| match p {
        HostPattern::Exact(e) => h == *e,
        HostPattern::Suffix(s) => h.ends_with(s.as_str()),
        HostPattern::Prefix(p) => h.starts_with(p.as_str()),
        HostPattern::SingleLabel => !h.contains(['.', ':']),
    })
}

/// Whether a folder of `path` (and, with `file_too`, the file name without its extension) has
/// one of the word runs.
fn path_has(path: &str, runs: &[Vec<String>], file_too: bool) -> bool {
    let normalized = path.replace('\\', "/");
    let mut parts: Vec<&str> = normalized.split('/').filter(|p| !p.is_empty()).collect();
    let file = parts.pop().unwrap_or("");
    let check = |part: &str| {
        let w = words(part);
        runs.iter().any(|run| contains_run(&w, run))
    };
    if parts.iter().any(|p| check(p)) {
        return true;
    }
    if file_too {
        let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
        return check(stem);
    }
    false
}

/// At least 16 characters of `[A-Za-z0-9_\-/+=.]` with letters and digits and no run of six
/// identical characters.
pub(crate) fn is_token_shaped(rest: &str) -> bool {
    if rest.len() < 16 {
        return false;
    }
    let alphabet = rest
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/' | '+' | '=' | '.'));
    let letters = rest.chars().any(|c| c.is_ascii_alphabetic());
    let digits = rest.chars().any(|c| c.is_ascii_digit());
    alphabet && letters && digits && longest_run(rest) < 6
}

/// A value that looks generated: at least 16 characters mixing letters and digits, no run of
/// four identical characters, no spaces.
pub(crate) fn looks_random(value: &str) -> bool {
    let v = value.trim();
    v.chars().count() >= 16
        && !v.contains(char::is_whitespace)
        && v.chars().any(|c| c.is_ascii_alphabetic())
        && v.chars().any(|c| c.is_ascii_digit())
        && longest_run(v) < 4
}

fn longest_run(s: &str) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev = None;
    for c in s.chars() {
        if Some(c) == prev {
            run += 1;
        } else {
            run = 1;
            prev = Some(c);
        }
        best = best.max(run);
    }
    best
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The built-in `policies/knowledge.yaml`, read once with the parser the binary uses.
    pub(crate) fn shipped() -> &'static Knowledge {
        static K: std::sync::OnceLock<Knowledge> = std::sync::OnceLock::new();
        K.get_or_init(|| {
            let text = include_str!("../../../policies/knowledge.yaml");
            serde_saphyr::from_str(text).expect("policies/knowledge.yaml is a valid Knowledge")
        })
    }

    pub(crate) fn kn() -> Kn {
        Kn::new(shipped())
    }

    #[test]
    fn secret_keys_follow_the_lists() {
        let k = kn();
        for key in ["password", "DB_PASSWORD", "client_secret", "api_key", "SIGNING_KEY"] {
            assert!(k.secret_key_kind(key).is_some(), "{key}");
        }
        for key in [
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
            "existingSecret",
            "secretName",
            "token_url",
            "POSTGRES_HOST_AUTH_METHOD",
        ] {
            assert!(k.secret_key_kind(key).is_none(), "{key}");
        }
    }

    #[test]
    fn placeholders_and_formats() {
        let k = kn();
        for v in ["changeme", "changePassword", "your-token", "<token>", "0000000000", "string", ""]
        {
            assert!(k.is_placeholder(v), "{v}");
        }
        for v in ["hunter2", "fake_password", "plane", "mysecret"] {
            assert!(!k.is_placeholder(v), "{v}");
        }
        assert_eq!(k.known_format("ghp_16C7e42F292c6912E7710c838347Ae178B4a"), Some("ghp_"));
        assert_eq!(k.known_format("xoxb-1234-abcdefgh"), None);
        assert_eq!(
            k.known_format(
                "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
            ),
            None
        );
        assert_eq!(k.known_format("https://hooks.slack.com/services/API_URL_SECRET"), None);
        assert!(looks_random("60gp0byfz2dvffa45cxl20p1scy9xbpf6d8c5y0geejgkyp1b5"));
        assert!(!looks_random("change-me-to-a-long-random-key"));
    }

    #[test]
    fn hosts_and_paths() {
        let k = kn();
        assert!(
            k.is_loopback("localhost") && k.is_loopback("127.0.0.1") && !k.is_loopback("10.0.0.1")
        );
        assert!(k.is_internal("svc.ns.svc.cluster.local") && k.is_internal("webhook-receiver"));
        assert!(!k.is_internal("hooks.example.com"));
        assert!(k.is_test_path("pkg/leader/test/auth.yaml"));
        assert!(k.is_test_path("sqlx/tests/docker-compose.yml"));
        assert!(k.is_test_path("deploy/docker-compose.test.yml"));
        assert!(!k.is_test_path("deploy/latest.yaml") && !k.is_test_path("attestation/x.yaml"));
        assert!(k.is_example_path("examples/event-sources/github.yaml"));
        assert_eq!(k.broker_of("RABBITMQ_DEFAULT_PASS"), "amqp");
        assert_eq!(k.broker_of("bitnami/kafka"), "kafka");
        assert_eq!(k.broker_of_scheme("kafka+ssl"), "kafka");
        assert_eq!(k.endpoint_kind("webhook_configs"), Some("webhook"));
        assert_eq!(k.endpoint_kind("redirect_uri"), Some("redirect"));
        assert_eq!(k.endpoint_kind("proxy_url"), None);
    }
}
