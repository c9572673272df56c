//! What counts as a secret in a manifest, what counts as a reference to one, and fingerprints
//! that identify a credential without revealing it. The lists that decide are knowledge
//! (`crate::kn`); this module holds the shapes: references, URLs, JAAS, fingerprints.

use crate::kn::Kn;

/// Splits an identifier into lower-case words at `_`, `-`, `.`, spaces and case changes.
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

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
/// `vault://kv/x`, `file:/run/secrets/x`), or `None` for a literal.
pub(crate) fn reference(value: &str) -> Option<String> {
    let v = value.trim();
    if let Some(var) = interpolated_var(v) {
        return Some(format!("env:{var}"));
    }
    if v.contains("${") || v.contains("{{") || v.contains("{%") || v.contains("$(") {
        return Some(format!("template:{v}"));
    }
    const SCHEMES: &[&str] = &[
        "vault:",
        "ref+",
        "op://",
        "sm://",
        "awssm://",
        "azurekeyvault://",
        "gcpsm://",
        "arn:aws:secretsmanager:",
        "arn:aws:ssm:",
        "secretkeyref:",
        "secretref:",
        "env:",
        "file:",
        "projects/",
    ];
    let lower = v.to_ascii_lowercase();
    if SCHEMES.iter().any(|s| lower.starts_with(s)) {
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

fn interpolated_var(v: &str) -> Option<&str> {
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
        !v.is_empty() && reference(v).is_none() && (placeholders || !kn.is_placeholder(v))
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
        let inner = if secret_key && !default.is_empty() && reference(default).is_none() {
            Some(redaction(&crate::interp::interpolate(default).effective))
        } else {
            redact_scalar(kn, key, default, force)
        };
        return inner.map(|d| format!("{pre}{d}{post}"));
    }
    if secret_key && reference(value).is_none() {
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
        if reference(pw).is_none() && !pw.is_empty() {
            return Some(format!("{}{}{}", value.get(..a)?, redaction(pw), value.get(b..)?));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kn::tests::kn;

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
        assert_eq!(reference("${AMQP_PASS}").as_deref(), Some("env:AMQP_PASS"));
        assert_eq!(reference("${AMQP_PASS:-x}").as_deref(), Some("env:AMQP_PASS"));
        assert_eq!(reference("$(TOKEN)").as_deref(), Some("env:TOKEN"));
        assert_eq!(reference("vault://kv/app").as_deref(), Some("vault://kv/app"));
        assert_eq!(reference("/run/secrets/db").as_deref(), Some("file:/run/secrets/db"));
        assert!(reference("{% raw %}x").is_some());
        assert!(reference("hunter2").is_none());
        assert!(reference("$").is_none());
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
