//! Name matching: the one word splitter, the one sensitive-name rule and the matching
//! conventions of the knowledge lists (`docs/facts.md`, "Knowledge-list matching"), shared by
//! the Rust extractor, the manifest reader and the policies' helper functions; and the one
//! hash every stable fingerprint is made with.
//!
//! Words are compared case-insensitively without allocating a lower-case copy of each word:
//! the extractor splits every identifier it meets, and most knowledge entries are one
//! lower-case word.

/// The words of an identifier or a name, lower-cased: split at every character that is not a
/// letter or digit (`_`, `-`, `.`, `/`, `:`, spaces) and at case changes: a capital after a
/// lower-case letter or a digit, and the last capital of a run of capitals that a lower-case
/// letter follows (`webhookSecret` -> `webhook`, `secret`; `HMACKey` -> `hmac`, `key`;
/// `HTTPServer2Go` -> `http`, `server2`, `go`).
pub fn words(text: &str) -> Vec<String> {
    Words::new(text).iter().map(lower).collect()
}

/// An identifier split into words: the text and the byte ranges of its words, in their
/// original case.
#[derive(Debug, Clone)]
pub struct Words<'a> {
    text: &'a str,
    ranges: Vec<(usize, usize)>,
}

impl<'a> Words<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut ranges = Vec::new();
        // Most entries of the knowledge lists are one lower-case word, which is its own only
        // word: no scan needed.
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            ranges.push((0, text.len()));
        } else {
            word_ranges(text, &mut ranges);
        }
        Words { text, ranges }
    }

    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The `i`-th word in its original case; `""` past the end.
    pub fn word(&self, i: usize) -> &'a str {
        self.ranges.get(i).and_then(|&(a, b)| self.text.get(a..b)).unwrap_or_default()
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.len()).map(|i| self.word(i))
    }

    /// The words of `needle` equal the words of `self` from `at` on, word for word.
    fn matches_at(&self, at: usize, needle: &Words<'_>) -> bool {
        at + needle.len() <= self.len()
            && (0..needle.len()).all(|j| same_word(self.word(at + j), needle.word(j)))
    }

    /// Where the first run of `needle`'s words at or after word `from` ends.
    fn find_from(&self, needle: &Words<'_>, from: usize) -> Option<usize> {
        let n = needle.len();
        if n == 0 || self.len() < n {
            return None;
        }
        (from..=self.len() - n).find(|&i| self.matches_at(i, needle)).map(|i| i + n)
    }

    /// The words of `entry` occur as a contiguous run among these words.
    pub fn contains(&self, entry: &str) -> bool {
        self.find_from(&Words::new(entry), 0).is_some()
    }

    /// The words of `entry` are the last words of these words.
    pub fn ends_with(&self, entry: &str) -> bool {
        let needle = Words::new(entry);
        !needle.is_empty() && needle.len() <= self.len() && {
            let at = self.len() - needle.len();
            self.matches_at(at, &needle)
        }
    }

    /// The words of one of `entries` occur as a run right at word `at`; the run's length.
    fn run_at<S: AsRef<str>>(&self, at: usize, entries: &[S]) -> Option<usize> {
        entries.iter().find_map(|e| {
            let needle = Words::new(e.as_ref());
            (!needle.is_empty() && self.matches_at(at, &needle)).then_some(needle.len())
        })
    }
}

fn lower(word: &str) -> String {
    word.to_lowercase()
}

/// The word splitter: byte ranges of the words of `s` (see [`words`]).
fn word_ranges(s: &str, out: &mut Vec<(usize, usize)>) {
    out.clear();
    let mut start: Option<usize> = None;
    let mut prev = ' ';
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if !c.is_alphanumeric() {
            if let Some(st) = start.take() {
                out.push((st, i));
            }
        } else {
            if c.is_uppercase() && start.is_some() {
                let next = it.peek().map_or(' ', |&(_, n)| n);
                if prev.is_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_uppercase() && next.is_lowercase())
                {
                    if let Some(st) = start.take() {
                        out.push((st, i));
                    }
                }
            }
            if start.is_none() {
                start = Some(i);
            }
        }
        prev = c;
    }
    if let Some(st) = start {
        out.push((st, s.len()));
    }
}

/// Case-insensitive word equality, as equality of the lower-cased words.
fn same_word(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

/// The first entry whose words occur as a contiguous run among the words of `text`
/// (`has_words`, the webhook hints).
pub fn first_run<'e, S: AsRef<str>>(text: &str, entries: &'e [S]) -> Option<&'e str> {
    let ws = Words::new(text);
    entries.iter().map(AsRef::as_ref).find(|e| ws.contains(e))
}

/// Some entry's words are the last words of `text` (`ends_with_words`; a name ending in a
/// property word such as `event.kind` or `key_id`).
pub fn ends_with_any<S: AsRef<str>>(text: &str, entries: &[S]) -> bool {
    let ws = Words::new(text);
    entries.iter().any(|e| ws.ends_with(e.as_ref()))
}

/// The sensitive-name rule. The `sensitive` entry that makes `name` name a secret: the first
/// entry whose words occur among the words of `name` at a place not directly followed by the
/// words of a `properties` entry, which would make it an attribute of the secret instead
/// (`expected_sig`, `webhookSecret`, `STRIPE_API_KEY` name secrets; `sig_len`, `token_type`,
/// `secret_name`, `SIGNATURE_HEADER`, `secret_key_id` do not).
pub fn sensitive_word<'e, S: AsRef<str>, P: AsRef<str>>(
    name: &str,
    sensitive: &'e [S],
    properties: &[P],
) -> Option<&'e str> {
    let ws = Words::new(name);
    if ws.is_empty() {
        return None;
    }
    sensitive.iter().map(AsRef::as_ref).find(|entry| {
        let needle = Words::new(entry);
        let mut from = 0;
        while let Some(end) = ws.find_from(&needle, from) {
            if ws.run_at(end, properties).is_none() {
                return true;
            }
            from = end - needle.len() + 1;
        }
        false
    })
}

/// The call-list convention: `call` (a name or a path) equals `entry`, or is a path that ends
/// with `::` + `entry` (`ring::hmac::verify` matches `hmac::verify`; `myhmac::verify` does not).
pub fn call_matches(call: &str, entry: &str) -> bool {
    !entry.is_empty()
        && (call == entry
            || call.strip_suffix(entry).is_some_and(|rest| rest.len() > 2 && rest.ends_with("::")))
}

/// The first entry a call matches by its name or its path (see [`call_matches`]).
pub fn first_call_match<'e, S: AsRef<str>>(
    name: &str,
    path: &str,
    entries: &'e [S],
) -> Option<&'e str> {
    entries.iter().map(AsRef::as_ref).find(|e| name == *e || call_matches(path, e))
}

/// The header-list convention of `signature_headers` and `timestamp_headers`: the lower-case
/// header name contains an entry.
pub fn header_contains<S: AsRef<str>>(name: &str, entries: &[S]) -> bool {
    entries.iter().any(|e| !e.as_ref().is_empty() && name.contains(e.as_ref()))
}

/// `X_HUB_SIGNATURE` / `XHubSignature` -> `x-hub-signature`.
pub fn header_from_const(ident: &str) -> String {
    words(ident).join("-")
}

/// FNV-1a, 64 bits: tiny, dependency-free and identical on every platform and release, which
/// fingerprints stored in baselines and compared across runs need more than speed or collision
/// resistance.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    fnv1a64_continue(FNV_OFFSET, bytes)
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Continues an FNV-1a hash over more bytes: `fnv1a64_continue(fnv1a64(a), b)` is the hash of
/// `a` followed by `b`.
pub fn fnv1a64_continue(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(FNV_PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words() {
        assert_eq!(words("webhookSecret"), ["webhook", "secret"]);
        assert_eq!(words("HMACKey"), ["hmac", "key"]);
        assert_eq!(words("HMAC_KEY"), ["hmac", "key"]);
        assert_eq!(words("HTTPServer2Go"), ["http", "server2", "go"]);
        assert_eq!(words("x-hub-signature_256"), ["x", "hub", "signature", "256"]);
        assert_eq!(words("X_HUB_SIG"), ["x", "hub", "sig"]);
        assert_eq!(words("a.b/c:d e"), ["a", "b", "c", "d", "e"]);
        assert_eq!(words("DBPassword"), ["db", "password"]);
        assert_eq!(words("ÄrgerÖl"), ["ärger", "öl"]);
        assert!(words("").is_empty() && words("__").is_empty());
    }

    fn list(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn runs_and_endings() {
        assert_eq!(first_run("STRIPE_API_KEY", &list(&["token", "api_key"])), Some("api_key"));
        assert_eq!(first_run("/hooks/stripe", &list(&["hook", "hooks"])), Some("hooks"));
        assert_eq!(first_run("machine", &list(&["mac"])), None);
        assert!(ends_with_any("Self::ADMIN_TOKEN", &list(&["token"])));
        assert!(!ends_with_any("TOKEN_EOF", &list(&["token"])));
        assert!(ends_with_any("secret_key_id", &list(&["key_id"])));
        assert!(!ends_with_any("id", &list(&["key_id"])));
    }

    #[test]
    fn the_sensitive_name_rule() {
        let sens = list(&["sig", "signature", "mac", "secret", "token", "api_key"]);
        let props = list(&["len", "type", "name", "kind", "key_id", "header", "url", "env"]);
        let s = |n: &str| sensitive_word(n, &sens, &props).is_some();
        for yes in ["expected_sig", "webhook_secret", "computed_mac", "apiKey", "STRIPE_API_KEY"] {
            assert!(s(yes), "{yes}");
        }
        assert!(s("sig_value_len"), "only the word right after the secret makes a property");
        assert!(s("token_for_user"));
        for no in [
            "sig_len",
            "token_type",
            "secret_name",
            "SIGNATURE_HEADER",
            "token_url",
            "secret_env",
            "secret_key_id",
            "machine",
            "design",
            "signal",
            "",
        ] {
            assert!(!s(no), "{no}");
        }
        assert_eq!(sensitive_word("sig_len_and_token", &sens, &props), Some("token"));
        assert_eq!(sensitive_word("token_type_token", &sens, &props), Some("token"));
    }

    #[test]
    fn call_lists_match_name_path_or_suffix() {
        let l = list(&["verify_slice", "hmac::verify", "SystemTime::now"]);
        assert!(first_call_match("verify_slice", "hmac::Mac::verify_slice", &l).is_some());
        assert!(first_call_match("verify", "ring::hmac::verify", &l).is_some());
        assert!(first_call_match("verify", "myhmac::verify", &l).is_none());
        assert!(call_matches("std::time::SystemTime::now", "SystemTime::now"));
        assert!(call_matches("SystemTime::now", "SystemTime::now"));
        assert!(!call_matches("::now", "now"));
        assert!(!call_matches("x", ""));
    }

    #[test]
    fn fnv_matches_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(fnv1a64_continue(fnv1a64(b"foo"), b"bar"), fnv1a64(b"foobar"));
    }
}
