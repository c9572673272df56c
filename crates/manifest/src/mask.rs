//! Secrets in text that is about to be shown: a source line in a snippet, a literal in the
//! `facts` output, a finding's message. The same notion of a secret as the manifest reader's
//! (`secrets.rs`): a value with a known provider prefix, or a value named like a password, a
//! token, a secret or a key.
//!
//! [`Masker::mask_text`] works on any text without parsing it (Rust that did not parse, YAML with a
//! syntax error, TOML): every quoted string on a line, and the value of a `key: value` or
//! `key = value` line, is masked when it is secret-shaped. Masking keeps every line's length
//! in characters, so that columns still point at the same place.

use std::borrow::Cow;

use hooklint_model::Knowledge;

use crate::kn::Kn;
use crate::secrets::{redaction, reference, words};

/// The judge of what to mask, from the knowledge lists the manifest reader uses
/// (`token_prefixes`, `secret_key_words`, `secret_key_qualifiers`, `manifest_non_secret_keys`,
/// `manifest_placeholders`, `secret_reference_prefixes`), compiled once per run.
#[derive(Debug)]
pub struct Masker {
    kn: Kn,
}

impl Masker {
    pub fn new(k: &Knowledge) -> Masker {
        Masker { kn: Kn::new(k) }
    }

    /// Whether `value`, initialising or passed as `name` (a binding, a key, a field; `""` when
    /// none), is a secret: a known provider token, or a secret-shaped value under a name that
    /// says it is a secret. A reference to a secret (`${VAR}`, `vault:...`) is not one.
    pub fn is_secret_value(&self, name: &str, value: &str) -> bool {
        let v = value.trim();
        if self.kn.has_credential_prefix(v) {
            return true;
        }
        !name.is_empty()
            && self.kn.secret_key_kind(name).is_some()
            && self.secret_shaped(v)
            && reference(&self.kn, v).is_none()
    }

    /// At least six characters, no spaces, not a placeholder, and not a short run of
    /// letters: a word such as `password` or `api_key` names a secret rather than being one.
    pub fn secret_shaped(&self, v: &str) -> bool {
        let n = v.chars().count();
        if n < 6 || v.contains(char::is_whitespace) || self.kn.is_placeholder(v) {
            return false;
        }
        let wordy = v.chars().all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '-' | '.'));
        !wordy || n >= 20
    }

    /// A token of a known provider anywhere in a value (`Bearer ghp_...`, a URL with one).
    fn has_token(&self, value: &str) -> bool {
        value
            .split(|c: char| c.is_whitespace() || c == '=' || c == ':')
            .any(|w| self.kn.has_credential_prefix(w))
            || value.contains("hooks.slack.com/services/")
                && self.kn.has_credential_prefix(value.trim())
    }

    /// `text` with every secret-shaped value it contains replaced by `*` characters.
    pub fn mask_text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out: Option<String> = None;
        let mut done = 0;
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            let ranges = self.secret_ranges(line);
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

    /// Byte ranges (within `line`) of the secret values on one line, sorted, not
    /// overlapping. One pass: the words before each quoted string are tracked as the scan goes.
    fn secret_ranges(&self, line: &str) -> Vec<(usize, usize)> {
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
                if self.is_secret_value(name, value) || self.has_token(value) {
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
                if line.get(start..i).is_some_and(|w| self.kn.secret_key_kind(w).is_some()) {
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
                if self.is_secret_value(name, value) || self.has_token(value) {
                    out.push((start, end));
                }
            }
        }
        out
    }
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

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') || b >= 0x80
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
        Masker::new(crate::kn::tests::shipped()).mask_text(text)
    }

    fn is_secret_value(name: &str, value: &str) -> bool {
        Masker::new(crate::kn::tests::shipped()).is_secret_value(name, value)
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
