//! The node tree to `doc.data` (plain values, secrets redacted) and `doc.key_spans`.

use std::collections::BTreeMap;

use hooklint_model::manifest::Value;
use hooklint_model::Span;

use crate::kn::Kn;
use crate::secrets::redact_scalar;
use crate::tree::{Kind, Node, Pos, Scalar};
use crate::views::EmbeddedSecret;

pub(crate) fn span(file: &str, pos: Pos) -> Span {
    Span::new(file, pos.line, pos.col, pos.end_line, pos.end_col)
}

/// Appends one segment to a key path (see `Document::key_spans`).
pub(crate) fn join(path: &str, key: &str) -> String {
    let seg = if key.contains(['.', '[', ']', '"']) || key.is_empty() {
        format!("[\"{}\"]", key.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        key.to_string()
    };
    if path.is_empty() {
        seg
    } else if seg.starts_with('[') {
        format!("{path}{seg}")
    } else {
        format!("{path}.{seg}")
    }
}

pub(crate) fn join_index(path: &str, i: usize) -> String {
    if path.is_empty() {
        i.to_string()
    } else {
        format!("{path}.{i}")
    }
}

pub(crate) struct Converted {
    pub data: Value,
    pub key_spans: BTreeMap<String, Span>,
}

/// `force_keys`: top-level keys whose scalars are all secrets (a Kubernetes `Secret`'s `data`).
/// `base64_key`: the top-level key whose values are base64 (a `Secret`'s `data`): they are
/// fingerprinted decoded, like `inline_secrets`.
///
/// `embedded_secrets`: secrets found in configuration files embedded in block scalars; each is
/// replaced by its redaction marker in its block's text.
pub(crate) fn convert(
    file: &str,
    root: &Node,
    force_keys: &[&str],
    base64_key: Option<&str>,
    embedded_secrets: &[EmbeddedSecret],
    kn: &Kn,
) -> Converted {
    let mut key_spans = BTreeMap::new();
    let data = match &root.kind {
        Kind::Map(entries) => {
            key_spans.insert(String::new(), span(file, root.pos));
            let mut out = Vec::with_capacity(entries.len());
            for e in entries {
                let force = match force_keys.contains(&e.key.as_str()) {
                    false => Force::No,
                    true if base64_key == Some(e.key.as_str()) => Force::Base64,
                    true => Force::Text,
                };
                let path = join("", &e.key);
                out.push((
                    e.key.clone(),
                    walk(kn, file, &e.value, &path, &e.key, force, &mut key_spans),
                ));
            }
            Value::Map(out)
        }
        _ => walk(kn, file, root, "", "", Force::No, &mut key_spans),
    };
    let mut converted = Converted { data, key_spans };
    redact_embedded(&mut converted.data, embedded_secrets);
    converted
}

/// Rewrites each block that holds embedded secrets once: the secrets' columns in their lines
/// become redaction markers (linear in the block's text and the number of secrets). A secret
/// whose value spans lines redacts the whole block.
fn redact_embedded(data: &mut Value, secrets: &[EmbeddedSecret]) {
    if secrets.is_empty() {
        return;
    }
    let mut by_block: BTreeMap<&str, Vec<&EmbeddedSecret>> = BTreeMap::new();
    for s in secrets {
        by_block.entry(s.path.as_str()).or_default().push(s);
    }
    let Value::Map(entries) = data else { return };
    for (key, value) in entries.iter_mut() {
        let Value::Map(inner) = value else { continue };
        for (sub, v) in inner.iter_mut() {
            let Some(found) = by_block.get(join(&join("", key), sub).as_str()) else { continue };
            let Value::String(text) = v else { continue };
            *text = redact_block(text, found);
        }
    }
}

fn redact_block(text: &str, secrets: &[&EmbeddedSecret]) -> String {
    if secrets.iter().any(|s| s.line.is_none()) {
        return crate::secrets::redaction(text);
    }
    let mut by_line: BTreeMap<usize, Vec<&EmbeddedSecret>> = BTreeMap::new();
    for s in secrets {
        by_line.entry(s.line.unwrap_or(0)).or_default().push(s);
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let Some(found) = by_line.get_mut(&i) else {
            out.push_str(line);
            continue;
        };
        found.sort_by_key(|s| s.cols);
        let chars: Vec<char> = line.chars().collect();
        let mut at = 0;
        for s in found.iter() {
            let a = s.cols.0.max(at).min(chars.len());
            let b = s.cols.1.min(chars.len());
            out.extend(&chars[at..a]);
            if a < b {
                out.push_str(&crate::secrets::redaction(&s.secret));
            }
            at = b.max(a);
        }
        out.extend(&chars[at..]);
    }
    out
}

/// Whether every scalar of a subtree is a secret, and how it is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Force {
    No,
    Text,
    Base64,
}

fn walk(
    kn: &Kn,
    file: &str,
    node: &Node,
    path: &str,
    key: &str,
    force: Force,
    spans: &mut BTreeMap<String, Span>,
) -> Value {
    spans.insert(path.to_string(), span(file, node.pos));
    match &node.kind {
        // A tagged value (`!Ref Name`) is computed by the reader of the file: shown as written.
        Kind::Scalar(s) if node.tag.is_some() && force == Force::No => typed(s),
        Kind::Scalar(s) => scalar_value(kn, s, key, force),
        Kind::Seq(items) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| walk(kn, file, item, &join_index(path, i), key, force, spans))
                .collect(),
        ),
        Kind::Map(entries) => {
            // `- name: DB_PASSWORD` / `value: ...` pairs (Kubernetes env): the value is known by
            // the name beside it.
            let named =
                crate::views::pair_name(entries).filter(|n| kn.secret_key_kind(n).is_some());
            Value::Map(
                entries
                    .iter()
                    .map(|e| {
                        let k = match named {
                            Some(n) if e.key.eq_ignore_ascii_case("value") => n,
                            _ => e.key.as_str(),
                        };
                        let v = walk(kn, file, &e.value, &join(path, &e.key), k, force, spans);
                        (e.key.clone(), v)
                    })
                    .collect(),
            )
        }
    }
}

fn scalar_value(kn: &Kn, s: &Scalar, key: &str, force: Force) -> Value {
    if force == Force::Base64 && !s.text.trim().is_empty() {
        let text = s.text.trim();
        let decoded = crate::views::decode_base64(text).unwrap_or_else(|| text.to_string());
        return Value::String(crate::secrets::redaction(&decoded));
    }
    let force = force != Force::No;
    let typed = typed(s);
    match &typed {
        Value::String(text) => match redact_scalar(kn, key, text, force) {
            Some(r) => Value::String(r),
            None => typed,
        },
        Value::Int(_) | Value::Float(_) if force || kn.secret_key_kind(key).is_some() => {
            Value::String(crate::secrets::redaction(&s.text))
        }
        _ => typed,
    }
}

/// YAML 1.2 core schema resolution of a scalar.
pub(crate) fn typed(s: &Scalar) -> Value {
    let text = s.text.as_str();
    if s.custom_tag {
        return Value::String(text.to_string());
    }
    match s.core_tag.as_deref() {
        Some("str") => return Value::String(text.to_string()),
        Some("null") => return Value::Null,
        Some("bool") => return bool_of(text).map_or(Value::String(text.to_string()), Value::Bool),
        Some("int") => return int_of(text).unwrap_or(Value::String(text.to_string())),
        Some("float") => {
            return float_of(text)
                .or_else(|| int_of(text))
                .unwrap_or(Value::String(text.to_string()))
        }
        Some(_) => return Value::String(text.to_string()),
        None => {}
    }
    if !s.plain {
        return Value::String(text.to_string());
    }
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Value::Null;
    }
    if let Some(b) = bool_of(text) {
        return Value::Bool(b);
    }
    int_of(text).or_else(|| float_of(text)).unwrap_or_else(|| Value::String(text.to_string()))
}

fn bool_of(t: &str) -> Option<bool> {
    match t {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn int_of(t: &str) -> Option<Value> {
    if let Some(oct) = t.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(Value::Int);
    }
    if let Some(hex) = t.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Value::Int);
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(t.parse::<i64>().map(Value::Int).unwrap_or_else(|_| {
        // Beyond i64: still a number, with the precision a float has.
        t.parse::<f64>().map(Value::Float).unwrap_or(Value::String(t.to_string()))
    }))
}

fn float_of(t: &str) -> Option<Value> {
    match t {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Value::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (body.get(..i)?, Some(body.get(i + 1..)?)),
        None => (body, None),
    };
    let (int_part, frac) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let ok_mantissa = match frac {
        Some(f) => digits(int_part) && digits(f) && !(int_part.is_empty() && f.is_empty()),
        None => !int_part.is_empty() && digits(int_part),
    };
    let ok_exp = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if ok_mantissa && ok_exp {
        t.parse::<f64>().ok().map(Value::Float)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(t: &str) -> Value {
        typed(&Scalar {
            text: t.to_string(),
            plain: true,
            core_tag: None,
            custom_tag: false,
            literal_block: false,
        })
    }

    #[test]
    fn core_schema_types() {
        assert_eq!(plain("~"), Value::Null);
        assert_eq!(plain(""), Value::Null);
        assert_eq!(plain("true"), Value::Bool(true));
        assert_eq!(plain("yes"), Value::String("yes".into()));
        assert_eq!(plain("-12"), Value::Int(-12));
        assert_eq!(plain("0x1f"), Value::Int(31));
        assert_eq!(plain("0o17"), Value::Int(15));
        assert_eq!(plain("1.5e3"), Value::Float(1500.0));
        assert_eq!(plain(".5"), Value::Float(0.5));
        assert_eq!(plain("1.2.3"), Value::String("1.2.3".into()));
        assert_eq!(plain("3.0"), Value::Float(3.0));
        assert_eq!(plain("e3"), Value::String("e3".into()));
        let quoted = typed(&Scalar {
            text: "42".into(),
            plain: false,
            core_tag: None,
            custom_tag: false,
            literal_block: false,
        });
        assert_eq!(quoted, Value::String("42".into()));
    }

    fn embedded(line: Option<usize>, cols: (usize, usize), secret: &str) -> EmbeddedSecret {
        EmbeddedSecret { path: "data.f".into(), line, cols, secret: secret.into() }
    }

    #[test]
    fn embedded_secrets_are_redacted_where_they_are() {
        let text = "a: {password: pw, token: tk}\nnote: pw is a word here\n";
        // Two secrets on the first line, given out of order; the `pw` of line 2 is not the
        // secret and stays.
        let out = redact_block(
            text,
            &[&embedded(Some(0), (25, 27), "tk"), &embedded(Some(0), (14, 16), "pw")],
        );
        let (pw, tk) = (crate::secrets::redaction("pw"), crate::secrets::redaction("tk"));
        assert_eq!(out, format!("a: {{password: {pw}, token: {tk}}}\nnote: pw is a word here\n"));
        // Columns past the line's end are clamped, never a panic.
        let out = redact_block("x: é\n", &[&embedded(Some(0), (3, 40), "é")]);
        assert_eq!(out, format!("x: {}", crate::secrets::redaction("é")));
        // A secret that spans lines takes the whole block with it.
        let out = redact_block(text, &[&embedded(None, (0, 0), "pw\ntk")]);
        assert!(!out.contains("pw") && !out.contains("tk"), "{out}");
    }

    #[test]
    fn key_paths_escape_dotted_keys() {
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("a", "b"), "a.b");
        assert_eq!(
            join("metadata.labels", "app.kubernetes.io/name"),
            "metadata.labels[\"app.kubernetes.io/name\"]"
        );
        assert_eq!(join_index("env", 0), "env.0");
    }
}
