//! Identifier words and the matching rules of the knowledge lists (see `docs/facts.md`).

use hooklint_model::Knowledge;

/// Splits an identifier into lower-case words at `_`, `-`, `.`, `/`, `:` and case changes
/// (`webhookSecret` -> `webhook`, `secret`; `HMACKey` -> `hmac`, `key`).
pub fn words(ident: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = ident.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_uppercase() && !cur.is_empty() {
            let prev = chars.get(i.wrapping_sub(1)).copied().unwrap_or(' ');
            let next = chars.get(i + 1).copied().unwrap_or(' ');
            if prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next.is_lowercase())
            {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Position just after the first occurrence of `needle` (a word sequence) in `hay`.
fn find_seq(hay: &[String], needle: &[String], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len())
        .find(|&i| hay[i..i + needle.len()] == *needle)
        .map(|i| i + needle.len())
}

/// The sensitive word of `ident`, if any: a `sensitive_names` entry (matched as whole words)
/// that is not followed by a `non_sensitive_words` word (`sig_len`, `token_type`).
pub fn sensitive_word(ident: &str, k: &Knowledge) -> Option<String> {
    let ws = words(ident);
    if ws.is_empty() {
        return None;
    }
    for entry in &k.sensitive_names {
        let needle = words(entry);
        let mut from = 0;
        while let Some(end) = find_seq(&ws, &needle, from) {
            let followed_by_property = ws.get(end).is_some_and(|w| is_non_sensitive_word(w, k));
            if !followed_by_property {
                return Some(entry.clone());
            }
            from = end - needle.len() + 1;
        }
    }
    None
}

fn is_non_sensitive_word(w: &str, k: &Knowledge) -> bool {
    k.non_sensitive_words.iter().any(|n| n == w)
}

/// The name ends in a property word (`event.kind`, `scheme`, `key_id`): it names an attribute
/// of a secret, not the secret.
pub fn ends_with_property(ident: &str, k: &Knowledge) -> bool {
    let ws = words(ident);
    k.non_sensitive_words.iter().any(|entry| {
        let needle = words(entry);
        !needle.is_empty() && ws.len() >= needle.len() && ws[ws.len() - needle.len()..] == *needle
    })
}

/// Whole-word hint match (`webhook_path_hints`, `webhook_name_hints`): the first hint found.
pub fn hint_word(text: &str, hints: &[String]) -> Option<String> {
    let ws = words(text);
    hints
        .iter()
        .find(|h| {
            let needle = words(h);
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
