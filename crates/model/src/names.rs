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
    // ASCII text byte by byte: the same splits, without decoding characters or asking
    // Unicode tables.
    if s.is_ascii() {
        split_words(s.bytes().enumerate(), s.len(), out);
    } else {
        split_words(s.char_indices(), s.len(), out);
    }
}

/// A character as the splitter sees it: a byte of ASCII text or a `char`.
trait WordChar: Copy {
    const SPACE: Self;
    fn alnum(self) -> bool;
    fn upper(self) -> bool;
    fn lower(self) -> bool;
    fn digit(self) -> bool;
}

macro_rules! word_char {
    ($t:ty, $space:expr, $alnum:ident, $upper:ident, $lower:ident) => {
        impl WordChar for $t {
            const SPACE: Self = $space;
            fn alnum(self) -> bool {
                self.$alnum()
            }
            fn upper(self) -> bool {
                self.$upper()
            }
            fn lower(self) -> bool {
                self.$lower()
            }
            fn digit(self) -> bool {
                self.is_ascii_digit()
            }
        }
    };
}
word_char!(u8, b' ', is_ascii_alphanumeric, is_ascii_uppercase, is_ascii_lowercase);
word_char!(char, ' ', is_alphanumeric, is_uppercase, is_lowercase);

/// Words are runs of alphanumerics, also split at a lower-to-upper or digit-to-upper change
/// and before the last capital of a run of capitals followed by a lower-case letter
/// (`HTTPServer` is `HTTP`, `Server`).
fn split_words<C: WordChar>(
    chars: impl Iterator<Item = (usize, C)>,
    len: usize,
    out: &mut Vec<(usize, usize)>,
) {
    out.clear();
    let mut start: Option<usize> = None;
    let mut prev = C::SPACE;
    let mut it = chars.peekable();
    while let Some((i, c)) = it.next() {
        if !c.alnum() {
            if let Some(st) = start.take() {
                out.push((st, i));
            }
        } else {
            if c.upper() && start.is_some() {
                let next = it.peek().map_or(C::SPACE, |&(_, n)| n);
                if prev.lower() || prev.digit() || (prev.upper() && next.lower()) {
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
        out.push((st, len));
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

/// The last `::` segment of a call name or path (`hmac::Mac::verify_slice` -> `verify_slice`):
/// what `s.rsplit("::").next()` gives, without building a substring searcher for every call.
pub fn last_segment(s: &str) -> &str {
    let b = s.as_bytes();
    let mut i = b.len();
    while i >= 2 {
        if b[i - 1] == b':' && b[i - 2] == b':' {
            return &s[i..];
        }
        i -= 1;
    }
    s
}

/// A cheap first test of a lookup key: the set of first bytes and of lengths of a map's keys.
/// A key whose first byte or length is not in the sets is in no map; most names are not.
#[derive(Debug, Clone, Default)]
struct KeyShape {
    first: [u64; 4],
    lens: u64,
}

impl KeyShape {
    fn add(&mut self, key: &str) {
        let b = key.as_bytes().first().copied().unwrap_or(0);
        self.first[usize::from(b >> 6)] |= 1 << (b & 63);
        self.lens |= 1 << key.len().min(63);
    }

    fn may_hold(&self, key: &str) -> bool {
        self.may_hold_shape(key.as_bytes().first().copied().unwrap_or(0), key.len())
    }

    fn may_hold_shape(&self, first: u8, len: usize) -> bool {
        self.first[usize::from(first >> 6)] & (1 << (first & 63)) != 0
            && self.lens & (1 << len.min(63)) != 0
    }
}

/// The compiled lists' maps, with rustc's FxHash instead of SipHash: they hold knowledge entries
/// only, built once; names from the checked code are looked up, never inserted, so a hostile
/// file cannot crowd a bucket.
type Map<V> = std::collections::HashMap<String, V, std::hash::BuildHasherDefault<Fx>>;

#[derive(Default)]
struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A call list compiled once for lookups: its entries grouped by their last path segment, so a
/// call is checked against the few entries that can match it instead of the whole list. Any
/// entry that equals a call's name or path, or that a path ends with after `::`, has the call's
/// name or path's last segment as its own last segment; entries with a stray `:` in a segment,
/// for which that does not hold, are checked for every call.
#[derive(Debug, Clone, Default)]
pub struct CallList {
    entries: Vec<String>,
    by_last: Map<Vec<u32>>,
    shape: KeyShape,
    odd: Vec<u32>,
}

impl CallList {
    pub fn new<S: AsRef<str>>(entries: &[S]) -> Self {
        let mut list = CallList {
            entries: entries.iter().map(|e| e.as_ref().to_string()).collect(),
            ..CallList::default()
        };
        for (i, e) in list.entries.iter().enumerate() {
            let i = i as u32;
            if e.split("::").any(|seg| seg.contains(':')) {
                list.odd.push(i);
            } else {
                list.shape.add(last_segment(e));
                list.by_last.entry(last_segment(e).to_string()).or_default().push(i);
            }
        }
        list
    }

    /// The entries, in their order.
    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// The first entry, in list order, that can match a call of this name and path and for
    /// which `pred` holds: the same answer as `entries().iter().find(pred)` whenever `pred`
    /// only holds for entries equal to `name` or to `path`, or that `path` ends with.
    pub fn first_where(&self, name: &str, path: &str, pred: impl Fn(&str) -> bool) -> Option<&str> {
        let first = |ids: &[u32]| ids.iter().copied().find(|&i| pred(&self.entries[i as usize]));
        let by = |key: &str| {
            if self.shape.may_hold(key) {
                self.by_last.get(key).and_then(|ids| first(ids))
            } else {
                None
            }
        };
        let (a, b) = (last_segment(name), last_segment(path));
        let found = [by(a), if a == b { None } else { by(b) }, first(&self.odd)];
        found.into_iter().flatten().min().map(|i| self.entries[i as usize].as_str())
    }

    /// [`first_call_match`] over this list.
    pub fn first_match(&self, name: &str, path: &str) -> Option<&str> {
        self.first_where(name, path, |e| name == e || call_matches(path, e))
    }

    pub fn matches(&self, name: &str, path: &str) -> bool {
        self.first_match(name, path).is_some()
    }
}

/// A word list compiled once for lookups: each entry split into lower-case words, and the
/// entries grouped by their first word, so a name is checked word by word against the entries
/// that start with that word instead of against every entry. Same answers as [`first_run`],
/// [`ends_with_any`] and [`sensitive_word`] over the entries.
#[derive(Debug, Clone, Default)]
pub struct WordList {
    entries: Vec<String>,
    words: Vec<Vec<String>>,
    by_first: Map<Vec<u32>>,
    shape: KeyShape,
}

impl WordList {
    pub fn new<S: AsRef<str>>(entries: &[S]) -> Self {
        let mut list = WordList::default();
        for (i, e) in entries.iter().enumerate() {
            let e = e.as_ref();
            let words: Vec<String> = Words::new(e).iter().map(lower_chars).collect();
            if let Some(first) = words.first() {
                list.shape.add(first);
                list.by_first.entry(first.clone()).or_default().push(i as u32);
            }
            list.entries.push(e.to_string());
            list.words.push(words);
        }
        list
    }

    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// Entries whose words stand at word `at` of `ws`, in list order, with their lengths.
    fn at<'s>(
        &'s self,
        ws: &'s Words<'_>,
        at: usize,
        buf: &mut String,
    ) -> impl Iterator<Item = (u32, usize)> + 's {
        let word = ws.word(at);
        // An ASCII word's lower-case form has its length and its first byte lower-cased.
        let maybe = at < ws.len()
            && (!word.is_ascii() || {
                let b = word.as_bytes()[0].to_ascii_lowercase();
                self.shape.may_hold_shape(b, word.len())
            });
        let ids = if maybe {
            buf.clear();
            buf.extend(word.chars().flat_map(char::to_lowercase));
            self.by_first.get(buf.as_str())
        } else {
            None
        };
        ids.into_iter().flatten().copied().filter_map(move |i| {
            let needle = &self.words[i as usize];
            (at + needle.len() <= ws.len()
                && needle.iter().enumerate().skip(1).all(|(j, w)| same_word(ws.word(at + j), w)))
            .then_some((i, needle.len()))
        })
    }

    /// [`first_run`] over this list.
    pub fn first_run(&self, text: &str) -> Option<&str> {
        let ws = Words::new(text);
        let mut buf = String::new();
        (0..ws.len())
            .filter_map(|at| self.at(&ws, at, &mut buf).map(|(i, _)| i).min())
            .min()
            .map(|i| self.entries[i as usize].as_str())
    }

    /// [`ends_with_any`] over this list.
    pub fn ends_with(&self, text: &str) -> bool {
        let ws = Words::new(text);
        let mut buf = String::new();
        (0..ws.len()).any(|at| self.at(&ws, at, &mut buf).any(|(_, n)| at + n == ws.len()))
    }

    /// [`sensitive_word`] over this list, with `properties` as the property words.
    pub fn sensitive_word(&self, name: &str, properties: &WordList) -> Option<&str> {
        let ws = Words::new(name);
        let (mut buf, mut pbuf) = (String::new(), String::new());
        let mut best: Option<u32> = None;
        for at in 0..ws.len() {
            for (i, n) in self.at(&ws, at, &mut buf) {
                if best.is_some_and(|b| b <= i) {
                    continue;
                }
                if properties.at(&ws, at + n, &mut pbuf).next().is_none() {
                    best = Some(i);
                }
            }
        }
        best.map(|i| self.entries[i as usize].as_str())
    }
}

fn lower_chars(word: &str) -> String {
    word.chars().flat_map(char::to_lowercase).collect()
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
    fn ascii_words_split_as_characters_do() {
        let texts = [
            "webhookSecret",
            "STRIPE_API_KEY",
            "HTTPServerError",
            "x-hub-signature-256",
            "sig2Value",
            "a1B2c3",
            "ABCdef",
            "__init__",
            "self.client.get(url).send()",
            "XMLHttpRequest",
            "iOS",
            "v1::Hmac<Sha256>::new_from_slice",
            "",
            "_",
            "A",
            "aB",
            "AB",
            "ABc",
            "abC1D",
            "Tls13Config",
            "JSONWebToken",
            "x_request_ID",
        ];
        // And every string of up to five characters over lower, upper, digit and separator.
        let mut all: Vec<String> = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = all
                .iter()
                .filter(|t| t.len() == all.last().map_or(0, String::len))
                .flat_map(|t| ["a", "B", "1", "_"].map(|c| format!("{t}{c}")))
                .collect();
            all.extend(longer);
        }
        assert!(all.len() > 1000);
        for t in texts.iter().copied().chain(all.iter().map(String::as_str)) {
            let (mut bytes, mut chars) = (Vec::new(), Vec::new());
            split_words(t.bytes().enumerate(), t.len(), &mut bytes);
            split_words(t.char_indices(), t.len(), &mut chars);
            assert_eq!(bytes, chars, "{t}");
        }
    }

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

    /// The compiled lists give the answers of the plain functions, entry order included.
    #[test]
    fn compiled_lists_answer_as_the_plain_functions() {
        let calls = list(&[
            "verify",
            "hmac::verify",
            "Mac::verify_slice",
            "now",
            "SystemTime::now",
            "",
            "a:b",
            "::x",
            "x",
            "std::env::var",
            "var",
            "Hmac::new_from_slice",
            "new_from_slice",
        ]);
        let texts = [
            "verify",
            "ring::hmac::verify",
            "myhmac::verify",
            "hmac::Mac::verify_slice",
            "verify_slice",
            "std::time::SystemTime::now",
            "now",
            "",
            "a:b",
            "c::a:b",
            "::x",
            "y::::x",
            "a:::x",
            "x",
            "std::env::var",
            "env::var",
            "var",
            "Hmac::new_from_slice",
        ];
        let c = CallList::new(&calls);
        for t in texts.iter().chain(&["a:::", ":::", "::", ":", "a::b::"]) {
            assert_eq!(last_segment(t), t.rsplit("::").next().unwrap_or(t), "{t}");
        }
        for name in texts {
            for path in texts {
                assert_eq!(
                    c.first_match(name, path),
                    first_call_match(name, path, &calls),
                    "{name} {path}"
                );
            }
        }
        let words_lists = [
            list(&["sig", "signature", "mac", "secret", "token", "api_key", "key"]),
            list(&["len", "type", "name", "kind", "key_id", "header", "url", "env", "", "__"]),
            list(&["hook", "hooks", "web hook", "webhook", "Events", "ÄRGER", "KEY_ID"]),
        ];
        let names = [
            "expected_sig",
            "webhook_secret",
            "STRIPE_API_KEY",
            "sig_len",
            "token_type_token",
            "sig_len_and_token",
            "secret_key_id",
            "KeyId",
            "machine",
            "",
            "__",
            "/hooks/stripe",
            "web_hook",
            "ärger_öl",
            "HMACKey",
            "events",
            "x-hub-signature_256",
            "key",
        ];
        for a in &words_lists {
            let wa = WordList::new(a);
            for n in names {
                assert_eq!(wa.first_run(n), first_run(n, a), "{n}");
                assert_eq!(wa.ends_with(n), ends_with_any(n, a), "{n}");
                for b in &words_lists {
                    let wb = WordList::new(b);
                    assert_eq!(wa.sensitive_word(n, &wb), sensitive_word(n, a, b), "{n}");
                }
            }
        }
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
