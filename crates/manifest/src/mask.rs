//! Secrets in text that is about to be shown: a source line in a snippet, a literal in the
//! `facts` output, a finding's message. The same notion of a secret as the manifest reader's
//! (`secrets.rs`): a value with a known provider prefix, or a value named like a password, a
//! token, a secret or a key.
//!
//! [`mask_text`] works on any text without parsing it (Rust that did not parse, YAML with a
//! syntax error, TOML): every quoted string on a line, and the value of a `key: value` or
//! `key = value` line, is masked when it is secret-shaped. Masking keeps every line's length
//! in characters, so that columns still point at the same place.

use std::borrow::Cow;

use hooklint_model::Knowledge;

use crate::secrets::{interpolated_var, redaction, words};

/// Whether `value`, initialising or passed as `name` (a binding, a key, a field; `""` when
/// none), is a secret: a known provider token, or a secret-shaped value under a name that
/// says it is a secret (`token_prefixes` and `secret_key_words` of `knowledge.yaml`). A
/// reference to a secret (`${VAR}`, `vault:...`) is not one.
pub fn is_secret_value(name: &str, value: &str, k: &Knowledge) -> bool {
    if is_known_token(value, k) {
        return true;
    }
    !name.is_empty()
        && secret_key_kind(name, k).is_some()
        && secret_shaped(value.trim())
        && reference(value.trim(), k).is_none()
}

/// At least six characters, no spaces, not a placeholder, and not a short run of letters: a
/// word such as `password` or `api_key` names a secret rather than being one.
fn secret_shaped(v: &str) -> bool {
    let n = v.chars().count();
    if n < 6 || v.contains(char::is_whitespace) || is_placeholder(v) {
        return false;
    }
    let wordy = v.chars().all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '-' | '.'));
    !wordy || n >= 20
}

// The tests below read the shared knowledge lists directly rather than through the manifest
// reader's compiled `Kn`: masking runs on every shown line and literal, without a setup step.

/// The kind of secret a key names (`password`, `token`, `secret`, `api-key`, `private-key`),
/// or `None` when its value is not a secret (`token_url`, `secret_name`, `password_length`):
/// its last word is a `secret_key_words` word, or it ends in `key` after a
/// `secret_key_qualifiers` word (`SIGNING_KEY`).
fn secret_key_kind(name: &str, k: &Knowledge) -> Option<&'static str> {
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

/// The reference a value is, normalised for comparison (`env:VAR`, `secretKeyRef:name/key`,
/// `vault://kv/x`, `file:/run/secrets/x`), or `None` for a literal: an interpolation, a
/// template, a path under `/run/secrets/`, or a value that starts with a
/// `secret_reference_prefixes` entry.
fn reference(value: &str, k: &Knowledge) -> Option<String> {
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

/// Values that stand for a secret without being one: empty, `<your-token>`, `xxxx`, `***`.
fn is_placeholder(value: &str) -> bool {
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
fn is_known_token(value: &str, k: &Knowledge) -> bool {
    let v = value.trim();
    k.token_prefixes
        .iter()
        .any(|p| !p.is_empty() && v.starts_with(p.as_str()) && v.len() >= p.len() + 8)
}

/// `<redacted:fnv:XXXXXXXX>`: what outputs show instead of a secret.
pub fn secret_redaction(value: &str) -> String {
    redaction(value)
}

/// Replaces known secret values in any text with their redaction, in one pass however many
/// secrets there are.
#[derive(Debug, Clone)]
pub struct Redactor {
    matcher: Option<aho_corasick::AhoCorasick>,
    replacements: Vec<String>,
}

impl Redactor {
    /// A redactor for these values (empty ones are ignored).
    pub fn new<S: AsRef<str>>(secrets: &[S]) -> Redactor {
        let mut values: Vec<&str> =
            secrets.iter().map(AsRef::as_ref).filter(|s| !s.is_empty()).collect();
        values.sort_unstable();
        values.dedup();
        // Longest first, so that a secret containing another is replaced whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let matcher = if values.is_empty() {
            None
        } else {
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(&values)
                .ok()
        };
        let replacements = values.iter().map(|v| redaction(v)).collect();
        Redactor { matcher, replacements }
    }

    pub fn is_empty(&self) -> bool {
        self.matcher.is_none()
    }

    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match &self.matcher {
            Some(m) if m.is_match(text) => Cow::Owned(m.replace_all(text, &self.replacements)),
            _ => Cow::Borrowed(text),
        }
    }
}

/// `text` with every secret-shaped value it contains replaced by `*` characters.
pub fn mask_text<'t>(text: &'t str, k: &Knowledge) -> Cow<'t, str> {
    let mut out: Option<String> = None;
    let mut done = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let ranges = secret_ranges(line, k);
        if !ranges.is_empty() {
            let buf = out.get_or_insert_with(|| String::with_capacity(text.len()));
            buf.push_str(&text[done..at]);
            let mut last = 0;
            for (start, end) in ranges {
                buf.push_str(&line[last..start]);
                buf.extend(line[start..end].chars().map(|c| if c == '\n' { c } else { '*' }));
                last = end;
            }
            buf.push_str(&line[last..]);
            done = at + line.len();
        }
        at += line.len();
    }
    match out {
        Some(mut buf) => {
            buf.push_str(&text[done..]);
            Cow::Owned(buf)
        }
        None => Cow::Borrowed(text),
    }
}

/// Byte ranges (within `line`) of the secret values on one line, sorted, not overlapping.
/// One pass: the words before each quoted string are tracked as the scan goes.
fn secret_ranges(line: &str, k: &Knowledge) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut quoted_any = false;
    // The last word so far, and the last one named like a secret.
    let mut last_word: (usize, usize) = (0, 0);
    let mut secret_word: Option<(usize, usize)> = None;
    while i < bytes.len() {
        let q = bytes[i];
        if q == b'"' || (q == b'\'' && yaml_single_quote(bytes, i)) {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != q {
                if bytes[j] == b'\\' && q == b'"' {
                    j += 1;
                }
                j += 1;
            }
            let end = j.min(bytes.len());
            let value = line.get(start..end).unwrap_or_default();
            quoted_any = true;
            let (a, b) = secret_word.unwrap_or(last_word);
            let name = line.get(a..b).unwrap_or_default();
            if is_secret_value(name, value, k) || has_token(value, k) {
                out.push((start, end));
            }
            i = end + 1;
            continue;
        }
        if is_word_byte(q) {
            let start = i;
            while i < bytes.len() && is_word_byte(bytes[i]) {
                i += 1;
            }
            last_word = (start, i);
            if line.get(start..i).is_some_and(|w| secret_key_kind(w, k).is_some()) {
                secret_word = Some((start, i));
            }
            continue;
        }
        i += 1;
    }
    if !quoted_any {
        // `key: value` (YAML), `key = value` (TOML, .env), `KEY=value`.
        if let Some((name, start, end)) = unquoted_value(line) {
            let value = &line[start..end];
            if is_secret_value(name, value, k) || has_token(value, k) {
                out.push((start, end));
            }
        }
    }
    out
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') || b >= 0x80
}

/// A token of a known provider anywhere in a value (`Bearer ghp_...`, a URL with one).
fn has_token(value: &str, k: &Knowledge) -> bool {
    value.split(|c: char| c.is_whitespace() || c == '=' || c == ':').any(|w| is_known_token(w, k))
        || value.contains("hooks.slack.com/services/") && is_known_token(value.trim(), k)
}

/// A `'` opening a quoted string rather than a lifetime or a char: after `:`, `=`, `[`, `,`,
/// `(`, `-` or at the start, and closed on the same line.
fn yaml_single_quote(bytes: &[u8], i: usize) -> bool {
    let before = bytes[..i].iter().rev().find(|b| !b.is_ascii_whitespace());
    let opens = matches!(before, None | Some(b':' | b'=' | b'[' | b',' | b'(' | b'-'));
    opens && bytes[i + 1..].contains(&b'\'')
}

/// `(name, value start, value end)` of a `name: value` or `name = value` line.
fn unquoted_value(line: &str) -> Option<(&str, usize, usize)> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    let body = trimmed.strip_prefix("- ").unwrap_or(trimmed);
    let offset = indent + (trimmed.len() - body.len());
    let sep = body.find([':', '='])?;
    let name = body[..sep].trim();
    if name.is_empty() || words(name).is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let rest = &body[sep + 1..];
    let lead = rest.len() - rest.trim_start().len();
    let value = rest.trim_start();
    // A comment ends the value (`key: value # note`).
    let value = value.split(" #").next().unwrap_or(value).trim_end();
    if value.is_empty() {
        return None;
    }
    let start = offset + sep + 1 + lead;
    Some((name, start, start + value.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask_text(text: &str) -> Cow<'_, str> {
        super::mask_text(text, crate::kn::tests::shipped())
    }

    fn is_secret_value(name: &str, value: &str) -> bool {
        super::is_secret_value(name, value, crate::kn::tests::shipped())
    }

    #[test]
    fn provider_tokens_and_named_secrets_are_masked_keeping_columns() {
        let text = "const WEBHOOK_SECRET: &str = \"whsec_9f8e7d6c5b4a39281706\";\n\
                    let url = \"https://example.com\";\n\
                    client.auth(\"Bearer ghp_abcdefghijklmnopqrstuvwxyz0123\");\n\
                    password: hunter2hunter2\n\
                    api_key = 'AKIAABCDEFGHIJKLMNOP'\n\
                    token: <your-token>\n\
                    fn f<'a>(x: &'a str) {}\n";
        let masked = mask_text(text);
        for secret in ["whsec_", "ghp_abc", "hunter2", "AKIAABCD"] {
            assert!(!masked.contains(secret), "{secret}: {masked}");
        }
        assert!(masked.contains("https://example.com"));
        assert!(masked.contains("<your-token>"));
        assert!(masked.contains("fn f<'a>(x: &'a str) {}"));
        for (a, b) in text.lines().zip(masked.lines()) {
            assert_eq!(a.chars().count(), b.chars().count(), "{b}");
        }
    }

    #[test]
    fn a_redactor_replaces_every_value_in_one_pass() {
        let r = Redactor::new(&["sk_live_0123456789abcdef", "sk_live_0123", ""]);
        let text = r.redact("a `sk_live_0123456789abcdef` and sk_live_0123.");
        assert!(!text.contains("sk_live_0123"), "{text}");
        assert_eq!(text.matches("<redacted:fnv:").count(), 2);
        assert!(Redactor::new::<&str>(&[]).is_empty());
        assert!(matches!(r.redact("nothing"), Cow::Borrowed(_)));
    }

    #[test]
    fn text_without_secrets_is_borrowed() {
        assert!(matches!(mask_text("fn main() { println!(\"hi\"); }\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn secret_values_need_a_secret_name_or_a_provider_prefix() {
        assert!(is_secret_value("SIGNING_KEY", "9f8e7d6c5b4a"));
        assert!(is_secret_value("", "sk_live_0123456789abcdef"));
        assert!(!is_secret_value("SIGNING_KEY", "short"));
        assert!(!is_secret_value("SIGNATURE_HEADER", "x-hub-signature-256"));
        assert!(!is_secret_value("password", "changeme please"));
        assert!(!is_secret_value("name", "9f8e7d6c5b4a"));
        assert!(!is_secret_value("PASSWORD", "password"));
        assert!(!is_secret_value("ENV_SECRET", "WEBHOOK_SECRET"));
        assert!(is_secret_value("PASSWORD", "correct-horse-battery-staple"));
        assert!(!is_secret_value("KAFKA_SASL_PASSWORD", "${KAFKA_PASSWORD}"));
        assert!(!is_secret_value("db_password", "vault:secret/data/db#password"));
    }
}
