//! Parsing one comment's text into a suppression directive.

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Directive {
    /// An ordinary comment.
    NotOurs,
    Malformed(String),
    Allow {
        rules: Vec<String>,
        reason: String,
    },
}

/// Parses a comment's text (after `//` or `#`).
pub(super) fn parse_directive(text: &str) -> Directive {
    let text = text.trim();
    let Some(head) = text.get(..8) else { return Directive::NotOurs };
    if !head.eq_ignore_ascii_case("hooklint") {
        return Directive::NotOurs;
    }
    let rest = text.get(8..).unwrap_or_default();
    if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-') {
        return Directive::NotOurs;
    }
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix(':') {
        Some(rest) => rest.trim_start(),
        None => {
            // Prose that merely starts with the word stays prose; `hooklint allow(...)` is a
            // directive with a typo.
            let word_end = rest.find(|c: char| !c.is_alphanumeric()).unwrap_or(rest.len());
            if rest.starts_with('(') || tail(rest, word_end).trim_start().starts_with('(') {
                return Directive::Malformed(
                    "malformed suppression: expected `:` after `hooklint`".to_string(),
                );
            }
            return Directive::NotOurs;
        }
    };
    let word_end =
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
    let word = rest.get(..word_end).unwrap_or_default();
    if word != "allow" {
        let message = if word.is_empty() {
            "malformed suppression: expected `allow(RULE, ...)` after `hooklint:`".to_string()
        } else {
            format!("malformed suppression: unknown directive `{word}`, expected `allow`")
        };
        return Directive::Malformed(message);
    }
    let rest = tail(rest, word_end).trim_start();
    let Some(inner) = rest.strip_prefix('(') else {
        return Directive::Malformed(
            "malformed suppression: expected `(` and rule ids after `allow`".to_string(),
        );
    };
    let Some(close) = inner.find(')') else {
        return Directive::Malformed("malformed suppression: missing `)`".to_string());
    };
    let list = inner.get(..close).unwrap_or_default();
    let after = tail(inner, close + 1).trim();
    let rules: Vec<String> = list.split(',').map(|id| id.trim().to_string()).collect();
    if rules.iter().all(String::is_empty) {
        return Directive::Malformed("malformed suppression: empty rule list".to_string());
    }
    if rules.iter().any(String::is_empty) {
        return Directive::Malformed("malformed suppression: empty rule id in list".to_string());
    }
    if let Some(bad) = rules.iter().find(|id| id.contains(char::is_whitespace)) {
        return Directive::Malformed(format!(
            "malformed suppression: `{bad}` is not a rule id (separate ids with commas)"
        ));
    }
    let reason = if after.is_empty() {
        String::new()
    } else if let Some(reason) = after.strip_prefix("--") {
        reason.trim().to_string()
    } else {
        return Directive::Malformed(
            "malformed suppression: expected `-- reason` after the rule list".to_string(),
        );
    };
    Directive::Allow { rules, reason }
}

/// `text` from byte `at` on; empty past the end. Every caller passes a boundary found by
/// `find`, so the fallback only guards against a future mistake.
fn tail(text: &str, at: usize) -> &str {
    text.get(at..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(rules: &[&str], reason: &str) -> Directive {
        Directive::Allow {
            rules: rules.iter().map(|r| r.to_string()).collect(),
            reason: reason.to_string(),
        }
    }

    fn malformed(text: &str) -> String {
        match parse_directive(text) {
            Directive::Malformed(m) => m,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn parses_directives() {
        assert_eq!(parse_directive(" hooklint: allow(a/b) -- fine"), allow(&["a/b"], "fine"));
        assert_eq!(
            parse_directive("hooklint:allow( a/b ,c/d )--  two words "),
            allow(&["a/b", "c/d"], "two words")
        );
        assert_eq!(parse_directive(" HookLint: allow(a/b)"), allow(&["a/b"], ""));
        assert_eq!(parse_directive(" hooklint: allow(a/b) --"), allow(&["a/b"], ""));
        assert_eq!(parse_directive(" hooklint checks this module"), Directive::NotOurs);
        assert_eq!(parse_directive(" hooklinter: allow(x)"), Directive::NotOurs);
        assert_eq!(parse_directive(" see hooklint: allow(x)"), Directive::NotOurs);
        assert_eq!(parse_directive(""), Directive::NotOurs);
        assert_eq!(parse_directive(" hook"), Directive::NotOurs);
        assert_eq!(parse_directive(" hooklinté"), Directive::NotOurs);
    }

    #[test]
    fn malformed_directives_say_what_is_wrong() {
        assert!(malformed(" hooklint: alow(a/b) -- r").contains("unknown directive `alow`"));
        assert!(malformed(" hooklint allow(a/b)").contains("expected `:`"));
        assert!(malformed(" hooklint:").contains("expected `allow(RULE, ...)`"));
        assert!(malformed(" hooklint: allow a/b").contains("expected `(`"));
        assert!(malformed(" hooklint: allow(a/b -- r").contains("missing `)`"));
        assert!(malformed(" hooklint: allow() -- r").contains("empty rule list"));
        assert!(malformed(" hooklint: allow( , ) -- r").contains("empty rule list"));
        assert!(malformed(" hooklint: allow(a/b,,c/d)").contains("empty rule id"));
        assert!(malformed(" hooklint: allow(a/b c/d)").contains("separate ids with commas"));
        assert!(malformed(" hooklint: allow(a/b) because").contains("expected `-- reason`"));
    }
}
