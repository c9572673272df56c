//! The policy's plain keys: id, title, severity, target, help, unsuppressible, docs and params,
//! each checked and positioned.

use super::ctx::{Ctx, Fields};
use crate::schema;
use crate::yaml::Kind;
use hooklint_model::{RuleInfo, Severity, Target};

/// Every key a policy may have.
pub(crate) const KEYS: &[&str] = &[
    "id",
    "title",
    "severity",
    "target",
    "match",
    "variables",
    "for_each",
    "violation",
    "message",
    "notes",
    "span",
    "labels",
    "escalate",
    "confidence",
    "precision",
    "params",
    "help",
    "unsuppressible",
    "docs",
    "paths",
];

/// The keys of `paths`.
pub(crate) const PATH_KEYS: &[&str] = &["exclude"];

/// The keys of `docs`.
pub(crate) const DOC_KEYS: &[&str] = &["why", "fix", "bad", "good", "confidence"];

/// The values of `precision`, as SARIF's `reportingDescriptor.properties.precision` has them.
pub(crate) const PRECISIONS: &[&str] = &["very-high", "high", "medium", "low"];

/// The target, and the rule's metadata when every plain key it needs is right; `None` where
/// a key is missing or wrong (already reported). `source` is `built-in` or the file's path.
pub(super) fn read(
    cx: &mut Ctx,
    fields: &Fields,
    source: &str,
) -> (Option<Target>, Option<RuleInfo>) {
    let id = fields.string(cx, "id", true).map(|(id, node)| {
        if !valid_id(&id) {
            cx.error(
                node,
                format!("invalid policy id `{id}`"),
                Some("an id is `category/rule-name` in lowercase, digits and dashes".to_string()),
            );
        }
        id
    });
    let title = fields.string(cx, "title", true).map(|(s, _)| s);
    let severity = fields.string(cx, "severity", true).and_then(|(s, node)| {
        let parsed = Severity::parse(&s);
        if parsed.is_none() {
            let help = schema::suggest(&s, &["error", "warning", "note"])
                .map(|x| format!("did you mean `{x}`?"));
            cx.error(
                node,
                format!("unknown severity `{s}`; expected error, warning or note"),
                help,
            );
        }
        parsed
    });
    let target = fields.string(cx, "target", true).and_then(|(s, node)| {
        let parsed = Target::parse(&s);
        if parsed.is_none() {
            let names = Target::ALL.map(Target::as_str);
            let help = schema::suggest(&s, &names).map(|x| format!("did you mean `{x}`?"));
            cx.error(
                node,
                format!(
                    "unknown target `{s}`; expected rust.function, rust.file, manifest or project"
                ),
                help,
            );
        }
        parsed
    });
    let help = fields.string(cx, "help", false).map(|(s, _)| s);
    let unsuppressible = match fields.get("unsuppressible") {
        Some(node) => match node.kind {
            Kind::Bool(b) => b,
            _ => {
                cx.error(
                    node,
                    format!("`unsuppressible` must be true or false, found {}", node.type_name()),
                    None,
                );
                false
            }
        },
        None => false,
    };
    let precision = fields.string(cx, "precision", false).map_or_else(String::new, |(s, node)| {
        if !PRECISIONS.contains(&s.as_str()) {
            let help = schema::suggest(&s, PRECISIONS).map(|x| format!("did you mean `{x}`?"));
            cx.error(
                node,
                format!("unknown precision `{s}`; expected very-high, high, medium or low"),
                help,
            );
        }
        s
    });
    let [why, fix, bad, good, confidence] = docs(cx, fields);
    let exclude = paths(cx, fields);
    let (Some(id), Some(title), Some(severity), Some(target)) = (id, title, severity, target)
    else {
        return (target, None);
    };
    let help = help.unwrap_or_else(|| first_paragraph(&fix));
    let source = source.to_string();
    let info = RuleInfo {
        id,
        title,
        severity,
        target,
        source,
        why,
        fix,
        bad,
        good,
        help,
        unsuppressible,
        confidence,
        precision,
        exclude,
    };
    (Some(target), Some(info))
}

/// `paths.exclude`: globs of paths (relative to the project root) whose findings of the rule
/// are not reported, each checked.
fn paths(cx: &mut Ctx, fields: &Fields) -> Vec<String> {
    let mut out = Vec::new();
    let Some(node) = fields.get("paths") else { return out };
    let Kind::Map(entries) = &node.kind else {
        cx.error(node, format!("`paths` must be a mapping, found {}", node.type_name()), None);
        return out;
    };
    let path_fields = Fields::check(cx, entries, PATH_KEYS, "paths");
    let Some(list) = path_fields.get("exclude") else { return out };
    let Kind::List(items) = &list.kind else {
        cx.error(
            list,
            format!("`paths.exclude` must be a list of globs, found {}", list.type_name()),
            None,
        );
        return out;
    };
    for item in items {
        match item.scalar_text() {
            Some(glob) => match globset::Glob::new(&glob) {
                Ok(_) => out.push(glob),
                Err(err) => cx.error(
                    item,
                    format!("invalid glob `{glob}` in `paths.exclude`: {}", err.kind()),
                    None,
                ),
            },
            None => cx.error(
                item,
                format!("`paths.exclude[]` must be a string, found {}", item.type_name()),
                None,
            ),
        }
    }
    out
}

fn docs(cx: &mut Ctx, fields: &Fields) -> [String; 5] {
    let mut docs: [String; 5] = Default::default();
    let Some(node) = fields.get("docs") else { return docs };
    let Kind::Map(entries) = &node.kind else {
        cx.error(node, format!("`docs` must be a mapping, found {}", node.type_name()), None);
        return docs;
    };
    let doc_fields = Fields::check(cx, entries, DOC_KEYS, "docs");
    for (name, value) in doc_fields.iter() {
        let slot = DOC_KEYS.iter().position(|k| *k == name);
        match (slot, value.scalar_text()) {
            (Some(i), Some(s)) => docs[i] = s,
            (_, None) => cx.error(
                value,
                format!("`docs.{name}` must be a string, found {}", value.type_name()),
                None,
            ),
            _ => {}
        }
    }
    docs
}

/// The knowledge lists with the policy's own `params` on top.
pub(super) fn params(
    cx: &mut Ctx,
    fields: &Fields,
    knowledge: &serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut params = knowledge.clone();
    let Some(node) = fields.get("params") else { return params };
    match &node.kind {
        Kind::Map(entries) => {
            for (k, v) in entries {
                match k.scalar_text() {
                    Some(name) => {
                        params.insert(name, v.to_json());
                    }
                    None => cx.error(k, "a parameter name must be a string".to_string(), None),
                }
            }
        }
        Kind::Null => {}
        _ => {
            cx.error(node, format!("`params` must be a mapping, found {}", node.type_name()), None)
        }
    }
    params
}

fn valid_id(id: &str) -> bool {
    let mut parts = id.split('/');
    let ok_part = |p: &str| {
        !p.is_empty()
            && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !p.starts_with('-')
    };
    parts.clone().count() >= 2 && parts.all(ok_part)
}

/// The first paragraph of a text, on one line: the default `help` from `docs.fix`.
fn first_paragraph(text: &str) -> String {
    let para: Vec<&str> =
        text.trim().lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
    para.join(" ")
}
