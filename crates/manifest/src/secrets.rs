//! What counts as a secret in a manifest, what counts as a reference to one, and fingerprints
//! that identify a credential without revealing it.

pub(crate) use hooklint_model::names::words;
use hooklint_model::{names, Knowledge};

/// Words in a variable, host or image name that tie a credential to a broker.
const BROKERS: &[(&str, &[&str])] = &[
    ("amqp", &["amqp", "amqps", "rabbitmq", "rabbit"]),
    ("kafka", &["kafka", "sasl", "redpanda", "msk"]),
    ("nats", &["nats", "jetstream"]),
    ("redis", &["redis", "rediss", "valkey"]),
    ("mqtt", &["mqtt", "mqtts", "mosquitto", "emqx"]),
];

/// The kind of secret a key names (`password`, `token`, `secret`, `api-key`, `private-key`),
/// or `None` when its value is not a secret (`token_url`, `secret_name`, `password_length`):
/// its last word is a `secret_key_words` word, or it ends in `key` after a
/// `secret_key_qualifiers` word (`SIGNING_KEY`).
pub(crate) fn secret_key_kind(name: &str, k: &Knowledge) -> Option<&'static str> {
    let w = words(name);
    let last = w.last()?.as_str();
    let prev = w.len().checked_sub(2).and_then(|i| w.get(i)).map(String::as_str);
    if k.secret_key_words.iter().any(|s| s.eq_ignore_ascii_case(last)) {
        return Some(match last {
            "token" | "bearer" => "token",
            "apikey" => "api-key",
            "privatekey" => "private-key",
            "password" | "passwd" | "pwd" | "pass" | "passphrase" => "password",
            _ => "secret",
        });
    }
    if last == "key" {
        if let Some(p) = prev {
            if k.secret_key_qualifiers.iter().any(|q| q.eq_ignore_ascii_case(p)) {
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

/// `DB_PASSWORD_FILE`: the value is a path to the secret.
pub(crate) fn is_secret_file_key(name: &str, k: &Knowledge) -> bool {
    let w = words(name);
    match w.split_last() {
        Some((last, rest)) if last == "file" && !rest.is_empty() => {
            secret_key_kind(&rest.join("_"), k).is_some()
        }
        _ => false,
    }
}

/// The broker a name points at (`RABBITMQ_DEFAULT_PASS` -> `amqp`), `""` if none.
pub(crate) fn broker_of(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    for w in words(name) {
        for (broker, hints) in BROKERS {
            if hints.contains(&w.as_str()) {
                return broker;
            }
        }
    }
    // Image names such as `bitnami/kafka` or `confluentinc/cp-kafka` use other separators.
    for (broker, hints) in BROKERS {
        if hints.iter().any(|h| h.len() > 4 && lower.contains(h)) {
            return broker;
        }
    }
    ""
}

/// The broker a URL scheme names, `""` if none.
pub(crate) fn broker_of_scheme(scheme: &str) -> &'static str {
    match scheme {
        "amqp" | "amqps" => "amqp",
        "kafka" | "kafka+ssl" | "sasl_ssl" | "sasl_plaintext" => "kafka",
        "nats" | "tls" => "nats",
        "redis" | "rediss" | "valkey" => "redis",
        "mqtt" | "mqtts" => "mqtt",
        _ => "",
    }
}

/// The reference a value is, normalised for comparison (`env:VAR`, `secretKeyRef:name/key`,
/// `vault://kv/x`, `file:/run/secrets/x`), or `None` for a literal: an interpolation, a
/// template, a path under `/run/secrets/`, or a value that starts with a
/// `secret_reference_prefixes` entry.
pub(crate) fn reference(value: &str, k: &Knowledge) -> Option<String> {
    let v = value.trim();
    if let Some(var) = interpolated_var(v) {
        return Some(format!("env:{var}"));
    }
    if v.contains("${") || v.contains("{{") || v.contains("$(") {
        return Some(format!("template:{v}"));
    }
    let starts_with =
        |p: &str| !p.is_empty() && v.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    if k.secret_reference_prefixes.iter().any(|p| starts_with(p)) {
        // A GCP resource name is a secret's only when it names one.
        if starts_with("projects/") && !v.to_ascii_lowercase().contains("/secrets/") {
            return None;
        }
        return Some(v.to_string());
    }
    if v.starts_with("/run/secrets/") || v.starts_with("/var/run/secrets/") {
        return Some(format!("file:{v}"));
    }
    None
}

/// `${VAR}`, `${VAR:-default}`, `${VAR?msg}`, `$VAR`, `$(VAR)` as the whole value.
fn interpolated_var(v: &str) -> Option<&str> {
    let inner = if let Some(rest) = v.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        rest.split([':', '?', '-', '+']).next().unwrap_or(rest)
    } else if let Some(rest) = v.strip_prefix("$(").and_then(|r| r.strip_suffix(')')) {
        rest
    } else {
        v.strip_prefix('$')?
    };
    let ok = !inner.is_empty()
        && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !inner.starts_with(|c: char| c.is_ascii_digit());
    ok.then_some(inner)
}

/// Values that stand for a secret without being one: empty, `<your-token>`, `xxxx`, `***`.
pub(crate) fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return true;
    }
    if v.starts_with('<') && v.ends_with('>') {
        return true;
    }
    let mut chars = v.chars();
    let first = chars.next().unwrap_or(' ');
    if v.chars().count() >= 3 && chars.all(|c| c == first) && !first.is_alphanumeric() {
        return true;
    }
    if v.chars().all(|c| c == 'x' || c == 'X') {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    ["your-", "your_", "placeholder", "replace-me", "replace_me", "redacted"]
        .iter()
        .any(|p| lower.starts_with(p) || lower.contains(&format!("<{p}")))
}

/// A value whose prefix marks a real token of a known provider (`token_prefixes`).
pub(crate) fn is_known_token(value: &str, k: &Knowledge) -> bool {
    let v = value.trim();
    k.token_prefixes
        .iter()
        .any(|p| !p.is_empty() && v.starts_with(p.as_str()) && v.len() >= p.len() + 8)
}

/// A salted FNV-1a hash of a secret, so equal secrets compare equal across files and runs
/// without the value appearing anywhere. The salt is fixed: fingerprints must be stable for
/// baselines, and they only ever need to be compared within one project.
pub(crate) fn fingerprint(secret: &str) -> String {
    const SALT: &[u8] = b"hooklint/credential/v1\0";
    let h = names::fnv1a64_continue(names::fnv1a64(SALT), secret.as_bytes());
    format!("fnv:{:08x}", (h >> 32) ^ (h & 0xffff_ffff))
}

pub(crate) fn redaction(secret: &str) -> String {
    format!("<redacted:{}>", fingerprint(secret))
}

/// A URL split into the parts rules need; the password is a byte range, not a copy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Url<'a> {
    pub scheme: String,
    pub user: &'a str,
    pub password: Option<&'a str>,
    /// Byte range of the password in the URL.
    pub password_range: (usize, usize),
    pub host: String,
    pub path: &'a str,
}

pub(crate) fn parse_url(s: &str) -> Option<Url<'_>> {
    let s = s.trim();
    let colon = s.find("://")?;
    let scheme = s.get(..colon)?;
    if scheme.is_empty()
        || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_'))
    {
        return None;
    }
    let rest_start = colon + 3;
    let rest = s.get(rest_start..)?;
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..auth_end)?;
    let path = rest.get(auth_end..)?;
    let path = path.split(['?', '#']).next().unwrap_or("");
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (Some(authority.get(..at)?), authority.get(at + 1..)?),
        None => (None, authority),
    };
    let (user, password, password_range) = match userinfo {
        Some(ui) => match ui.find(':') {
            Some(c) => {
                let start = rest_start + c + 1;
                (ui.get(..c)?, Some(ui.get(c + 1..)?), (start, rest_start + ui.len()))
            }
            None => (ui, None, (0, 0)),
        },
        None => ("", None, (0, 0)),
    };
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        v6.split(']').next().unwrap_or("").to_string()
    } else {
        // Several hosts (`kafka://a:9092,b:9092`): the first names the cluster.
        let first = hostport.split(',').next().unwrap_or("");
        first.rsplit_once(':').map_or(first, |(h, _)| h).to_string()
    };
    Some(Url {
        scheme: scheme.to_ascii_lowercase(),
        user,
        password,
        password_range,
        host: host.to_ascii_lowercase(),
        path,
    })
}

pub(crate) fn is_loopback(host: &str) -> bool {
    let h = host.trim_end_matches('.');
    h == "localhost"
        || h.ends_with(".localhost")
        || h == "::1"
        || h == "0:0:0:0:0:0:0:1"
        || h.strip_prefix("127.").is_some_and(|r| r.split('.').all(|p| p.parse::<u8>().is_ok()))
}

/// A URL with a literal password, or a secret-named query parameter (`?token=...`), gets the
/// secret replaced by its redaction marker.
pub(crate) fn redact_url(s: &str, k: &Knowledge) -> Option<String> {
    let url = parse_url(s)?;
    let offset = s.len() - s.trim_start().len();
    let mut ranges: Vec<(usize, usize)> =
        url_secrets(s.trim(), &url, k).into_iter().map(|(_, r)| r).collect();
    if ranges.is_empty() {
        return None;
    }
    // Later ranges first, so earlier offsets stay valid.
    ranges.sort_unstable();
    let mut out = s.to_string();
    for (a, b) in ranges.into_iter().rev() {
        let secret = s.get(offset + a..offset + b)?.to_string();
        out.replace_range(offset + a..offset + b, &redaction(&secret));
    }
    Some(out)
}

/// The literal secrets of a URL: its password and secret-named query values, each with the kind
/// of secret and its byte range in `s`.
pub(crate) fn url_secrets(
    s: &str,
    url: &Url<'_>,
    k: &Knowledge,
) -> Vec<(&'static str, (usize, usize))> {
    let mut out = Vec::new();
    if let Some(pw) = url.password {
        if !pw.is_empty() && reference(pw, k).is_none() && !is_placeholder(pw) {
            out.push(("url-password", url.password_range));
        }
    }
    let Some(q) = s.find('?') else { return out };
    let end = s.get(q..).and_then(|r| r.find('#')).map_or(s.len(), |h| q + h);
    let mut start = q + 1;
    while start < end {
        let stop = s.get(start..end).and_then(|r| r.find('&')).map_or(end, |i| start + i);
        if let Some((key, v)) = s.get(start..stop).and_then(|pair| pair.split_once('=')) {
            if let Some(kind) = secret_key_kind(key, k) {
                if !v.is_empty() && reference(v, k).is_none() && !is_placeholder(v) {
                    let vs = start + key.len() + 1;
                    out.push((kind, (vs, stop)));
                }
            }
        }
        start = stop + 1;
    }
    out
}

/// The literal password in a Kafka JAAS config (`password="..."`), with its byte range.
pub(crate) fn jaas_password(s: &str) -> Option<(usize, usize)> {
    let start = s.find("password=\"")? + "password=\"".len();
    let len = s.get(start..)?.find('"')?;
    Some((start, start + len))
}

/// The text a scalar shows in `data`: itself, or with its secret part redacted.
/// `key` is the key (or variable name) the value sits under.
pub(crate) fn redact_scalar(key: &str, value: &str, force: bool, k: &Knowledge) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    let secret_key = force || secret_key_kind(key, k).is_some();
    if secret_key && reference(value, k).is_none() {
        return Some(redaction(value));
    }
    if is_known_token(value, k) {
        return Some(redaction(value));
    }
    if let Some(url) = redact_url(value, k) {
        return Some(url);
    }
    if let Some((a, b)) = jaas_password(value) {
        let pw = value.get(a..b)?;
        if reference(pw, k).is_none() && !pw.is_empty() {
            return Some(format!("{}{}{}", value.get(..a)?, redaction(pw), value.get(b..)?));
        }
    }
    // `- DB_PASSWORD=secret` in a compose environment list.
    if let Some((name, v)) = value.split_once('=') {
        if !name.is_empty()
            && !name.contains(char::is_whitespace)
            && !v.is_empty()
            && secret_key_kind(name, k).is_some()
            && reference(v, k).is_none()
        {
            return Some(format!("{name}={}", redaction(v)));
        }
        if let Some(inner) = redact_scalar("", v, false, k) {
            if !name.contains(char::is_whitespace) && !name.is_empty() {
                return Some(format!("{name}={inner}"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    // The functions under test, on the shipped knowledge lists.
    fn secret_key_kind(name: &str) -> Option<&'static str> {
        super::secret_key_kind(name, crate::tests::knowledge())
    }
    fn is_secret_file_key(name: &str) -> bool {
        super::is_secret_file_key(name, crate::tests::knowledge())
    }
    fn reference(value: &str) -> Option<String> {
        super::reference(value, crate::tests::knowledge())
    }
    fn redact_url(s: &str) -> Option<String> {
        super::redact_url(s, crate::tests::knowledge())
    }
    fn redact_scalar(key: &str, value: &str, force: bool) -> Option<String> {
        super::redact_scalar(key, value, force, crate::tests::knowledge())
    }

    #[test]
    fn secret_keys_by_last_word() {
        for k in [
            "password",
            "DB_PASSWORD",
            "client_secret",
            "webhookSecret",
            "api_key",
            "apiKey",
            "GITHUB_TOKEN",
            "RABBITMQ_DEFAULT_PASS",
            "SIGNING_KEY",
        ] {
            assert!(secret_key_kind(k).is_some(), "{k}");
        }
        for k in [
            "token_url",
            "tokenUrl",
            "secretName",
            "password_min_length",
            "key",
            "token_lifetime",
            "client_id",
            "monkey",
        ] {
            assert!(secret_key_kind(k).is_none(), "{k}");
        }
        assert!(is_secret_file_key("DB_PASSWORD_FILE"));
        assert!(!is_secret_file_key("CONFIG_FILE"));
    }

    #[test]
    fn references_are_recognised() {
        assert_eq!(reference("${AMQP_PASS}").as_deref(), Some("env:AMQP_PASS"));
        assert_eq!(reference("${AMQP_PASS:-x}").as_deref(), Some("env:AMQP_PASS"));
        assert_eq!(reference("$(TOKEN)").as_deref(), Some("env:TOKEN"));
        assert_eq!(reference("vault://kv/app").as_deref(), Some("vault://kv/app"));
        assert_eq!(reference("/run/secrets/db").as_deref(), Some("file:/run/secrets/db"));
        assert!(reference("hunter2").is_none());
        assert!(reference("$").is_none());
    }

    #[test]
    fn urls_and_redaction() {
        let u = parse_url("amqp://app:s3cret@rabbit:5672/vhost").unwrap();
        assert_eq!((u.scheme.as_str(), u.user, u.password), ("amqp", "app", Some("s3cret")));
        assert_eq!(u.host, "rabbit");
        let r = redact_url("amqp://app:s3cret@rabbit:5672/vhost").unwrap();
        assert!(r.starts_with("amqp://app:<redacted:fnv:") && r.ends_with("@rabbit:5672/vhost"));
        assert!(!r.contains("s3cret"));
        assert!(redact_url("redis://:${REDIS_PASS}@cache").is_none());
        let r = redact_url("redis://:pw@cache:6379").unwrap();
        assert!(!r.contains(":pw@"));
        assert_eq!(parse_url("http://[::1]:8080/x").unwrap().host, "::1");
        let r = redact_url("https://x.example/cb?id=1&access_token=abc123&v=2").unwrap();
        assert!(r.starts_with("https://x.example/cb?id=1&access_token=<redacted:fnv:"), "{r}");
        assert!(r.ends_with("&v=2") && !r.contains("abc123"));
        assert!(redact_url("https://x.example/cb?token=${T}").is_none());
        assert!(is_loopback("127.0.0.1") && is_loopback("localhost") && !is_loopback("10.0.0.1"));
    }

    #[test]
    fn fingerprints_are_stable_and_hide_the_value() {
        let a = fingerprint("s3cret");
        assert_eq!(a, fingerprint("s3cret"));
        assert_ne!(a, fingerprint("s3cres"));
        assert!(a.starts_with("fnv:") && a.len() == 12 && !a.contains("s3cret"));
    }

    #[test]
    fn scalars_are_redacted_by_key_and_shape() {
        assert!(redact_scalar("password", "hunter2", false).is_some());
        assert!(redact_scalar("password", "${PW}", false).is_none());
        assert!(redact_scalar("name", "hunter2", false).is_none());
        assert!(redact_scalar("x", "xoxb-1234567890-abcdef", false).is_some());
        let env = redact_scalar("", "DB_PASSWORD=hunter2", false).unwrap();
        assert!(env.starts_with("DB_PASSWORD=<redacted") && !env.contains("hunter2"));
        let jaas = r#"PlainLoginModule required username="u" password="p4ss";"#;
        assert!(!redact_scalar("cfg", jaas, false).unwrap().contains("p4ss"));
        assert!(
            is_placeholder("<your-token>") && is_placeholder("****") && !is_placeholder("hunter2")
        );
    }
}
