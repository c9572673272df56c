//! The node tree to `doc.data` (plain values, secrets redacted) and `doc.key_spans`.

use std::collections::BTreeMap;

use hooklint_model::manifest::Value;
use hooklint_model::{Knowledge, Span};

use crate::secrets::{redact_scalar, secret_key_kind};
use crate::tree::{Kind, Node, Pos, Scalar};

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
pub(crate) fn convert(file: &str, root: &Node, force_keys: &[&str], k: &Knowledge) -> Converted {
    let mut key_spans = BTreeMap::new();
    let data = match &root.kind {
        Kind::Map(entries) => {
            key_spans.insert(String::new(), span(file, root.pos));
            let mut out = Vec::with_capacity(entries.len());
            for e in entries {
                let force = force_keys.contains(&e.key.as_str());
                let path = join("", &e.key);
                out.push((
                    e.key.clone(),
                    walk(file, &e.value, &path, &e.key, force, k, &mut key_spans),
                ));
            }
            Value::Map(out)
        }
        _ => walk(file, root, "", "", false, k, &mut key_spans),
    };
    Converted { data, key_spans }
}

fn walk(
    file: &str,
    node: &Node,
    path: &str,
    key: &str,
    force: bool,
    k: &Knowledge,
    spans: &mut BTreeMap<String, Span>,
) -> Value {
    spans.insert(path.to_string(), span(file, node.pos));
    match &node.kind {
        Kind::Scalar(s) => scalar_value(s, key, force, k),
        Kind::Seq(items) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| walk(file, item, &join_index(path, i), key, force, k, spans))
                .collect(),
        ),
        Kind::Map(entries) => {
            // `- name: DB_PASSWORD` / `value: ...` pairs (Kubernetes env): the value is known by
            // the name beside it.
            let named = entries
                .iter()
                .find(|e| e.key == "name" || e.key == "key")
                .and_then(|e| e.value.as_str())
                .filter(|n| secret_key_kind(n, k).is_some());
            Value::Map(
                entries
                    .iter()
                    .map(|e| {
                        let key = match (named, e.key.as_str()) {
                            (Some(n), "value") => n,
                            _ => e.key.as_str(),
                        };
                        let v = walk(file, &e.value, &join(path, &e.key), key, force, k, spans);
                        (e.key.clone(), v)
                    })
                    .collect(),
            )
        }
    }
}

fn scalar_value(s: &Scalar, key: &str, force: bool, k: &Knowledge) -> Value {
    let typed = typed(s);
    match &typed {
        Value::String(text) => match redact_scalar(key, text, force, k) {
            Some(r) => Value::String(r),
            None => typed,
        },
        Value::Int(_) | Value::Float(_) if force || secret_key_kind(key, k).is_some() => {
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
        typed(&Scalar { text: t.to_string(), plain: true, core_tag: None, custom_tag: false })
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
        let quoted =
            typed(&Scalar { text: "42".into(), plain: false, core_tag: None, custom_tag: false });
        assert_eq!(quoted, Value::String("42".into()));
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
