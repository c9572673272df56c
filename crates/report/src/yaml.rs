//! A small YAML emitter for JSON values, for `facts --format yaml`.
//!
//! Strings are written plain only when YAML cannot read them as anything else (a number, a
//! boolean, null, a key, a comment, an indicator); otherwise they are double-quoted with JSON
//! escapes, which are valid YAML escapes. Keys follow the same rule.

use std::fmt::Write as _;

use serde_json::Value;

/// The `facts` view as YAML: the same document as `facts_json`, keys sorted. Returns how many
/// functions were written.
pub fn facts_yaml(
    w: &mut dyn std::io::Write,
    files: &[hooklint_model::RustFile],
    manifests: &[hooklint_model::manifest::ManifestFile],
    function: Option<&str>,
    redact: Option<&crate::Redact<'_>>,
) -> std::io::Result<usize> {
    let mut json = Vec::new();
    let written = crate::facts_json(&mut json, files, manifests, function, redact)?;
    let value: Value = serde_json::from_slice(&json).map_err(std::io::Error::from)?;
    w.write_all(to_yaml(&value).as_bytes())?;
    Ok(written)
}

/// `value` as a block-style YAML document, ending with a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    block(&mut out, value, 0);
    out
}

fn block(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, item) in map {
                pad(out, indent);
                out.push_str(&scalar_string(key));
                out.push(':');
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        out.push('\n');
                        block(out, item, indent + 2);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push('\n');
                        block(out, item, indent + 2);
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&scalar(item));
                        out.push('\n');
                    }
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                pad(out, indent);
                out.push('-');
                let nested = matches!(item, Value::Object(m) if !m.is_empty())
                    || matches!(item, Value::Array(a) if !a.is_empty());
                if nested {
                    // The first line of the nested block goes on the dash's line.
                    let mut inner = String::new();
                    block(&mut inner, item, indent + 2);
                    out.push(' ');
                    out.push_str(&inner[indent + 2..]);
                } else {
                    out.push(' ');
                    out.push_str(&scalar(item));
                    out.push('\n');
                }
            }
        }
        _ => {
            pad(out, indent);
            out.push_str(&scalar(value));
            out.push('\n');
        }
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar_string(s),
        Value::Array(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
    }
}

fn scalar_string(s: &str) -> String {
    if is_plain_safe(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Conservative: identifiers, paths, dotted and hyphenated words that are not a YAML 1.1 or
/// 1.2 keyword and do not start like a number.
fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if !(first.is_ascii_alphabetic() || first == '_' || first == '/') {
        return false;
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '/' | '.' | '-' | ':'))
        || s.ends_with(':')
    {
        return false;
    }
    const KEYWORDS: &[&str] =
        &["true", "false", "null", "yes", "no", "on", "off", "y", "n", "nan", "inf"];
    !KEYWORDS.contains(&s.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(value: &Value) {
        let text = to_yaml(value);
        let back: Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"));
        assert_eq!(&back, value, "\n{text}");
    }

    #[test]
    fn nested_documents_read_back_unchanged() {
        round_trip(&json!({
            "version": 1,
            "files": [{
                "path": "src/main.rs",
                "is_test": false,
                "functions": [{"name": "hook", "calls": [{"path": "hmac::Mac::verify_slice"}],
                               "nested": [[1, 2], []], "empty": {}}]
            }]
        }));
    }

    #[test]
    fn ambiguous_strings_are_quoted() {
        for s in [
            "",
            "true",
            "No",
            "null",
            "~",
            "1.5",
            "0x10",
            "-",
            "a: b",
            "x #y",
            "#c",
            "key:",
            "line\nbreak",
            "quote\"d",
            "back\\slash",
            "*alias",
            "&anchor",
            "!tag",
            "@at",
            "`t`",
            "[a]",
            "{a}",
            "%p",
            "'s'",
            "é",
            " lead",
            "trail ",
            "a,b",
            "Prüft",
            "\u{7}",
        ] {
            round_trip(&json!({ s: s }));
            round_trip(&json!([s]));
        }
    }

    #[test]
    fn plain_where_unambiguous() {
        let text = to_yaml(&json!({"path": "src/a.rs", "call": "hmac::Mac::verify_slice"}));
        assert_eq!(text, "call: hmac::Mac::verify_slice\npath: src/a.rs\n");
    }
}
