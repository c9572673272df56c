//! Identifier words and the matching rules of the knowledge lists (see `docs/facts.md`).

use hooklint_model::Knowledge;

/// Splits an identifier into lower-case words at `_`, `-`, `.`, `/`, `:` and case changes
/// (`webhookSecret` -> `webhook`, `secret`; `HMACKey` -> `hmac`, `key`).
pub fn words(ident: &str) -> Vec<String> {
    let mut ranges = Vec::new();
    word_ranges(ident, &mut ranges);
    ranges.iter().map(|&(a, b)| ident.get(a..b).unwrap_or_default().to_lowercase()).collect()
}

/// The words of [`words`] as byte ranges of `s`, in their original case: matching compares
/// them case-insensitively instead of allocating a lower-case copy of each word.
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

/// A split identifier: the text and its word ranges.
struct Split<'a> {
    text: &'a str,
    ranges: Vec<(usize, usize)>,
}

impl<'a> Split<'a> {
    fn new(text: &'a str) -> Self {
        let mut ranges = Vec::new();
        word_ranges(text, &mut ranges);
        Split { text, ranges }
    }

    /// Re-splits into the same buffer, so a loop over many entries allocates once.
    fn reset(&mut self, text: &'a str) {
        self.text = text;
        // Knowledge entries are mostly one lower-case word, which is its own only word.
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            self.ranges.clear();
            self.ranges.push((0, text.len()));
        } else {
            word_ranges(text, &mut self.ranges);
        }
    }

    fn len(&self) -> usize {
        self.ranges.len()
    }

    fn word(&self, i: usize) -> &'a str {
        self.ranges.get(i).and_then(|&(a, b)| self.text.get(a..b)).unwrap_or_default()
    }

    /// Words `self[at..]` equal `other[from..]` word for word, for `len` words.
    fn same_words(&self, at: usize, other: &Split<'_>, from: usize, len: usize) -> bool {
        (0..len).all(|j| same_word(self.word(at + j), other.word(from + j)))
    }
}

/// Case-insensitive word equality, as equality of the lower-cased words.
fn same_word(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

/// Position just after the first occurrence of `needle` (a word sequence) in `hay`.
fn find_seq(hay: &Split<'_>, needle: &Split<'_>, from: usize) -> Option<usize> {
    let n = needle.len();
    if n == 0 || hay.len() < n {
        return None;
    }
    (from..=hay.len() - n).find(|&i| hay.same_words(i, needle, 0, n)).map(|i| i + n)
}

/// The sensitive word of `ident`, if any: a `sensitive_names` entry (matched as whole words)
/// that is not followed by a `non_sensitive_words` word (`sig_len`, `token_type`).
pub fn sensitive_word(ident: &str, k: &Knowledge) -> Option<String> {
    let ws = Split::new(ident);
    if ws.len() == 0 {
        return None;
    }
    let mut needle = Split::new("");
    for entry in &k.sensitive_names {
        needle.reset(entry);
        let mut from = 0;
        while let Some(end) = find_seq(&ws, &needle, from) {
            let followed_by_property = end < ws.len() && is_non_sensitive_word(ws.word(end), k);
            if !followed_by_property {
                return Some(entry.clone());
            }
            from = end - needle.len() + 1;
        }
    }
    None
}

/// `w` is a word in its original case; the list holds entries compared to its lower case.
fn is_non_sensitive_word(w: &str, k: &Knowledge) -> bool {
    k.non_sensitive_words.iter().any(|n| n.chars().eq(w.chars().flat_map(char::to_lowercase)))
}

/// The name ends in a property word (`event.kind`, `scheme`, `key_id`): it names an attribute
/// of a secret, not the secret.
pub fn ends_with_property(ident: &str, k: &Knowledge) -> bool {
    let ws = Split::new(ident);
    let mut needle = Split::new("");
    k.non_sensitive_words.iter().any(|entry| {
        needle.reset(entry);
        let n = needle.len();
        n > 0 && ws.len() >= n && ws.same_words(ws.len() - n, &needle, 0, n)
    })
}

/// Whole-word hint match (`webhook_path_hints`, `webhook_name_hints`): the first hint found.
pub fn hint_word(text: &str, hints: &[String]) -> Option<String> {
    let ws = Split::new(text);
    let mut needle = Split::new("");
    hints
        .iter()
        .find(|h| {
            needle.reset(h);
            find_seq(&ws, &needle, 0).is_some()
        })
        .cloned()
}

/// Call lists: name or path equals an entry, or the path ends with `::` + entry.
pub fn call_matches(name: &str, path: &str, list: &[String]) -> Option<String> {
    list.iter()
        .find(|e| {
            name == e.as_str()
                || path == e.as_str()
                || (path.len() > e.len() + 2
                    && path.ends_with(e.as_str())
                    && path[..path.len() - e.len()].ends_with("::"))
        })
        .cloned()
}

/// Header lists matched by substring (`signature_headers`, `timestamp_headers`).
pub fn header_contains(name: &str, list: &[String]) -> bool {
    list.iter().any(|e| !e.is_empty() && name.contains(e.as_str()))
}

/// `X_HUB_SIGNATURE` / `XHubSignature` -> `x-hub-signature`.
pub fn header_from_const(ident: &str) -> String {
    words(ident).join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k() -> Knowledge {
        Knowledge {
            sensitive_names: ["sig", "signature", "mac", "secret", "token", "api_key"]
                .map(String::from)
                .to_vec(),
            non_sensitive_words: ["len", "type", "name", "kind", "key_id"]
                .map(String::from)
                .to_vec(),
            ..Knowledge::default()
        }
    }

    #[test]
    fn splits_words() {
        assert_eq!(words("webhookSecret"), ["webhook", "secret"]);
        assert_eq!(words("HMACKey"), ["hmac", "key"]);
        assert_eq!(words("x-hub-signature_256"), ["x", "hub", "signature", "256"]);
        assert_eq!(words("X_HUB_SIG"), ["x", "hub", "sig"]);
    }

    #[test]
    fn sensitive_names_follow_the_word_rule() {
        let k = k();
        assert!(sensitive_word("expected_sig", &k).is_some());
        assert!(sensitive_word("webhook_secret", &k).is_some());
        assert!(sensitive_word("computed_mac", &k).is_some());
        assert!(sensitive_word("apiKey", &k).is_some());
        assert!(sensitive_word("sig_len", &k).is_none());
        assert!(sensitive_word("token_type", &k).is_none());
        assert!(sensitive_word("secret_name", &k).is_none());
        assert!(sensitive_word("machine", &k).is_none());
        assert!(sensitive_word("design", &k).is_none());
    }

    #[test]
    fn call_lists_match_name_path_or_suffix() {
        let list = ["verify_slice".to_string(), "hmac::verify".to_string()];
        assert!(call_matches("verify_slice", "hmac::Mac::verify_slice", &list).is_some());
        assert!(call_matches("verify", "ring::hmac::verify", &list).is_some());
        assert!(call_matches("verify", "myhmac::verify", &list).is_none());
    }
}
