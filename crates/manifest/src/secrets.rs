//! What counts as a secret in a manifest, what counts as a reference to one, and fingerprints
//! that identify a credential without revealing it. The lists that decide are knowledge
//! (`crate::kn`); this module holds the shapes: references, URLs, JAAS, fingerprints.

use crate::kn::Kn;

pub(crate) use hooklint_model::names::words;

/// `DB_PASSWORD_FILE`: the value is a path to the secret.
pub(crate) fn is_secret_file_key(kn: &Kn, name: &str) -> bool {
    let w = words(name);
    match w.split_last() {
        Some((last, rest)) if last == "file" && !rest.is_empty() => {
            kn.secret_key_kind(&rest.join("_")).is_some()
        }
        _ => false,
    }
}

/// The reference a value is, normalised for comparison (`env:VAR`, `secretKeyRef:name/key`,
/// `vault://kv/x`, `file:/run/secrets/x`), or `None` for a literal: an interpolation, a
/// template (`secret_reference_templates`), a path under `/run/secrets/`, or a value that
/// starts with a `secret_reference_prefixes` entry.
pub(crate) fn reference(kn: &Kn, value: &str) -> Option<String> {
    let v = value.trim();
    if let Some(var) = interpolated_var(v) {
        return Some(format!("env:{var}"));
    }
    if kn.has_reference_template(v) {
        return Some(format!("template:{v}"));
    }
    if kn.has_reference_prefix(v) {
        // A GCP resource name is a secret's only when it names one.
        let lower = v.to_ascii_lowercase();
        if lower.starts_with("projects/") && !lower.contains("/secrets/") {
            return None;
        }
        return Some(v.to_string());
    }
    if v.starts_with("/run/secrets/") || v.starts_with("/var/run/secrets/") {
        return Some(format!("file:{v}"));
    }
    None
}

pub(crate) fn interpolated_var(v: &str) -> Option<&str> {
    crate::interp::whole_var(v)
}

/// A value that starts with a known credential prefix and has at least eight more characters:
/// the liberal test used for redaction (a false match only hides a value); reporting uses the
/// stricter `Kn::known_format`.
pub(crate) fn has_credential_prefix(kn_prefixes: &Kn, value: &str) -> bool {
    kn_prefixes.has_credential_prefix(value.trim())
}

/// A salted FNV-1a hash of a secret, so equal secrets compare equal across files and runs
/// without the value appearing anywhere. The salt is fixed: fingerprints must be stable for
/// baselines, and they only ever need to be compared within one project.
pub(crate) fn fingerprint(secret: &str) -> String {
    const SALT: &[u8] = b"hooklint/credential/v1\0";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in SALT.iter().chain(secret.as_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
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

/// A URL with a literal password, or a secret-named query parameter (`?token=...`), gets the
/// secret replaced by its redaction marker.
pub(crate) fn redact_url(kn: &Kn, s: &str) -> Option<String> {
    let url = parse_url(s)?;
    let offset = s.len() - s.trim_start().len();
    let mut ranges: Vec<(usize, usize)> =
        url_secrets(kn, s.trim(), &url, false).into_iter().map(|(_, r)| r).collect();
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
/// of secret and its byte range in `s`. Placeholders are left out unless `placeholders`.
pub(crate) fn url_secrets(
    kn: &Kn,
    s: &str,
    url: &Url<'_>,
    placeholders: bool,
) -> Vec<(&'static str, (usize, usize))> {
    let mut out = Vec::new();
    let keep = |v: &str| {
        !v.is_empty() && reference(kn, v).is_none() && (placeholders || !kn.is_placeholder(v))
    };
    if let Some(pw) = url.password {
        if keep(pw) {
            out.push(("url-password", url.password_range));
        }
    }
    let Some(q) = s.find('?') else { return out };
    let end = s.get(q..).and_then(|r| r.find('#')).map_or(s.len(), |h| q + h);
    let mut start = q + 1;
    while start < end {
        let stop = s.get(start..end).and_then(|r| r.find('&')).map_or(end, |i| start + i);
        if let Some((k, v)) = s.get(start..stop).and_then(|pair| pair.split_once('=')) {
            if let Some(kind) = kn.secret_key_kind(k) {
                if keep(v) {
                    let vs = start + k.len() + 1;
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
pub(crate) fn redact_scalar(kn: &Kn, key: &str, value: &str, force: bool) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    let secret_key = force || kn.secret_key_kind(key).is_some();
    // `${VAR:-default}`: the default is text of the file, judged like a value of its own.
    if let Some((pre, default, post)) = crate::interp::split_whole_default(value) {
        let inner = if secret_key && !default.is_empty() && reference(kn, default).is_none() {
            Some(redaction(&crate::interp::interpolate(default).effective))
        } else {
            redact_scalar(kn, key, default, force)
        };
        return inner.map(|d| format!("{pre}{d}{post}"));
    }
    if secret_key && reference(kn, value).is_none() {
        return Some(redaction(value));
    }
    if has_credential_prefix(kn, value) {
        return Some(redaction(value));
    }
    if let Some(url) = redact_url(kn, value) {
        return Some(url);
    }
    if let Some((a, b)) = jaas_password(value) {
        let pw = value.get(a..b)?;
        if reference(kn, pw).is_none() && !pw.is_empty() {
            return Some(format!("{}{}{}", value.get(..a)?, redaction(pw), value.get(b..)?));
        }
    }
    if let Some(redacted) = redact_password_flags(kn, value) {
        return Some(redacted);
    }
    // `- DB_PASSWORD=secret` in a compose environment list.
    if let Some((name, v)) = value.split_once('=') {
        if !name.is_empty() && !name.contains(char::is_whitespace) && !v.is_empty() {
            if let Some(inner) = redact_scalar(kn, name, v, false) {
                return Some(format!("{name}={inner}"));
            }
        }
    }
    None
}

/// A command line with the literal value of a password flag (`--requirepass s3cret`,
/// `--password=${PW:-s3cret}`) gets that value replaced by its redaction marker.
fn redact_password_flags(kn: &Kn, value: &str) -> Option<String> {
    let mut ranges = Vec::new();
    let mut tokens = value.split_whitespace();
    let offset = |t: &str| t.as_ptr() as usize - value.as_ptr() as usize;
    while let Some(token) = tokens.next() {
        if !token.starts_with('-') {
            continue;
        }
        let secret = match token.split_once('=') {
            Some((flag, v)) if kn.is_password_flag(flag) => v,
            None if kn.is_password_flag(token) => match tokens.next() {
                Some(v) => v,
                None => break,
            },
            _ => continue,
        };
        let effective = crate::interp::interpolate(secret.trim_matches(|c| c == '"' || c == '\''));
        let v = effective.effective.trim();
        if effective.is_literal() && !v.is_empty() && !v.contains('$') && reference(kn, v).is_none()
        {
            let start = offset(secret);
            ranges.push((start, start + secret.len(), redaction(v)));
        }
    }
    if ranges.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(value.len());
    let mut at = 0;
    for (a, b, marker) in ranges {
        out.push_str(value.get(at..a)?);
        out.push_str(&marker);
        at = b;
    }
    out.push_str(value.get(at..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kn::tests::kn;

    #[test]
    fn password_flags_and_broker_credentials_are_redacted() {
        let kn = kn();
        let out =
            redact_scalar(&kn, "command", "redis-server --requirepass ${A:-r3d1s} --port 1", false)
                .unwrap();
        assert!(
            out.starts_with("redis-server --requirepass <redacted:") && out.ends_with("> --port 1")
        );
        assert!(!out.contains("r3d1s"));
        let out = redact_scalar(&kn, "command", "x --password=\"pw-9\"", false).unwrap();
        assert!(!out.contains("pw-9"), "{out}");
        assert_eq!(redact_scalar(&kn, "command", "x --requirepass ${REDIS_AUTH}", false), None);
        assert!(redact_scalar(&kn, "REDIS_AUTH", "${REDIS_AUTH:-r3d1s}", false)
            .is_some_and(|r| !r.contains("r3d1s")));
        assert!(kn.secret_key_kind("REDIS_AUTH").is_some());
        assert!(kn.secret_key_kind("REDIS_AUTH_ENABLED").is_none());
        assert!(kn.secret_key_kind("OAUTH").is_none());
    }

    #[test]
    fn secret_keys_by_last_word() {
        let kn = kn();
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
            assert!(kn.secret_key_kind(k).is_some(), "{k}");
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
            assert!(kn.secret_key_kind(k).is_none(), "{k}");
        }
        assert!(is_secret_file_key(&kn, "DB_PASSWORD_FILE"));
        assert!(!is_secret_file_key(&kn, "CONFIG_FILE"));
    }

    #[test]
    fn references_are_recognised() {
        assert_eq!(reference(&kn(), "${AMQP_PASS}").as_deref(), Some("env:AMQP_PASS"));
        assert_eq!(reference(&kn(), "${AMQP_PASS:-x}").as_deref(), Some("env:AMQP_PASS"));
        assert_eq!(reference(&kn(), "$(TOKEN)").as_deref(), Some("env:TOKEN"));
        assert_eq!(reference(&kn(), "vault://kv/app").as_deref(), Some("vault://kv/app"));
        assert_eq!(reference(&kn(), "/run/secrets/db").as_deref(), Some("file:/run/secrets/db"));
        assert!(reference(&kn(), "{% raw %}x").is_some());
        assert!(reference(&kn(), "hunter2").is_none());
        assert!(reference(&kn(), "$").is_none());
        // Concourse credential-manager variables, whole or inside a value.
        assert!(reference(&kn(), "((github.ssh_key))").is_some());
        assert!(reference(&kn(), "Bearer ((vault:api.token))").is_some());
        // An open text without its close is no template.
        assert!(reference(&kn(), "pa((ss").is_none());
        assert!(reference(&kn(), "x))((y").is_none());
        assert!(reference(&kn(), "tok-${9f3a").is_none());
    }

    #[test]
    fn urls_and_redaction() {
        let kn = kn();
        let u = parse_url("amqp://app:s3cret@rabbit:5672/vhost").unwrap();
        assert_eq!((u.scheme.as_str(), u.user, u.password), ("amqp", "app", Some("s3cret")));
        assert_eq!(u.host, "rabbit");
        let r = redact_url(&kn, "amqp://app:s3cret@rabbit:5672/vhost").unwrap();
        assert!(r.starts_with("amqp://app:<redacted:fnv:") && r.ends_with("@rabbit:5672/vhost"));
        assert!(!r.contains("s3cret"));
        assert!(redact_url(&kn, "redis://:${REDIS_PASS}@cache").is_none());
        let r = redact_url(&kn, "redis://:pw@cache:6379").unwrap();
        assert!(!r.contains(":pw@"));
        assert_eq!(parse_url("http://[::1]:8080/x").unwrap().host, "::1");
        let r = redact_url(&kn, "https://x.example/cb?id=1&access_token=abc123&v=2").unwrap();
        assert!(r.starts_with("https://x.example/cb?id=1&access_token=<redacted:fnv:"), "{r}");
        assert!(r.ends_with("&v=2") && !r.contains("abc123"));
        assert!(redact_url(&kn, "https://x.example/cb?token=${T}").is_none());
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
        let kn = kn();
        assert!(redact_scalar(&kn, "password", "hunter2", false).is_some());
        assert!(redact_scalar(&kn, "password", "${PW}", false).is_none());
        assert!(redact_scalar(&kn, "name", "hunter2", false).is_none());
        assert!(redact_scalar(&kn, "x", "xoxb-1234567890-abcdef", false).is_some());
        let env = redact_scalar(&kn, "", "DB_PASSWORD=hunter2", false).unwrap();
        assert!(env.starts_with("DB_PASSWORD=<redacted") && !env.contains("hunter2"));
        let jaas = r#"PlainLoginModule required username="u" password="p4ss";"#;
        assert!(!redact_scalar(&kn, "cfg", jaas, false).unwrap().contains("p4ss"));
    }

    #[test]
    fn defaults_are_redacted_in_place() {
        let kn = kn();
        let r = redact_scalar(&kn, "SECRET_KEY", "${SECRET_KEY:-60gp0byfz2}", false).unwrap();
        assert!(r.starts_with("${SECRET_KEY:-<redacted:fnv:") && r.ends_with(">}"), "{r}");
        assert!(!r.contains("60gp0"));
        let r = redact_scalar(&kn, "AMQP_URL", "${AMQP_URL:-amqp://u:plane@mq/}", false).unwrap();
        assert!(r.starts_with("${AMQP_URL:-amqp://u:<redacted") && !r.contains(":plane@"), "{r}");
        assert!(redact_scalar(&kn, "SECRET_KEY", "${SECRET_KEY:-}", false).is_none());
        assert!(redact_scalar(&kn, "SECRET_KEY", "${SECRET_KEY}", false).is_none());
    }
}
