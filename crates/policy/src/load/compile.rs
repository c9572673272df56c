//! CEL expressions written in policy YAML, compiled, checked against the schema and positioned:
//! an error points at the character inside the scalar, whatever its YAML style.

use super::ctx::Ctx;
use super::{Expr, Part};
use crate::schema::{self, Bound};
use crate::yaml::{self, Kind, Node};
use cel::Env;

/// Compiles the expression written in `node` (or, for a message part, the slice of it that
/// starts at character `base`) and checks its references; errors point into the file.
fn compile_source(
    cx: &mut Ctx,
    env: &Env,
    node: &Node,
    source: &str,
    field: &str,
    roots: &Bound,
    base: usize,
) -> Option<Expr> {
    let positions = yaml::scalar_positions(cx.text, node);
    let at = |offset: usize| -> (u32, u32) {
        match &positions {
            Some(p) => p
                .get(base + offset)
                .copied()
                .or_else(|| p.last().map(|(l, c)| (*l, c + 1)))
                .unwrap_or((node.pos.line, node.pos.column)),
            None => (node.pos.line, node.pos.column),
        }
    };
    if source.trim().is_empty() {
        cx.error(node, format!("`{field}` is empty"), None);
        return None;
    }
    let program = match env.compile(source) {
        Ok(p) => p,
        Err(errors) => {
            let best = errors
                .errors
                .iter()
                .find(|e| e.msg.starts_with("Syntax error"))
                .or_else(|| errors.errors.first());
            let (offset, msg) = match best {
                Some(e) => (offset_of(source, e.pos.0, e.pos.1), e.msg.clone()),
                None => (0, "invalid expression".to_string()),
            };
            let (line, column) = at(offset);
            cx.error_at(
                line,
                column,
                1,
                format!("invalid cel in `{field}`: {}", lower_first(&tidy(&msg))),
                None,
            );
            return None;
        }
    };
    let errors = schema::check(program.expression(), program.source_info(), roots);
    if errors.is_empty() {
        return Some(Expr { field: field.to_string(), program });
    }
    report_refs(cx, node, field, base, errors);
    None
}

pub(super) fn report_refs(
    cx: &mut Ctx,
    node: &Node,
    field: &str,
    base: usize,
    errors: Vec<schema::RefError>,
) {
    let positions = yaml::scalar_positions(cx.text, node);
    for e in errors {
        let at = base + e.offset as usize;
        let (line, column) = positions
            .as_ref()
            .and_then(|p| p.get(at).copied())
            .unwrap_or((node.pos.line, node.pos.column));
        cx.error_at(line, column, e.len, format!("{} (in `{field}`)", e.message), e.help);
    }
}

/// Compiles the CEL expression that is the value of `node`, the policy key `field`.
pub(super) fn compile(
    cx: &mut Ctx,
    env: &Env,
    node: &Node,
    field: &str,
    roots: &Bound,
) -> Option<Expr> {
    let bang = match &node.kind {
        Kind::String(s) => s.is_empty() && tagged(cx.text, node),
        _ => tagged(cx.text, node),
    };
    let Some(source) = node.scalar_text().filter(|_| !bang) else {
        let help = bang.then(|| {
            "quote the expression: a bare `!` starts a yaml tag (`match: \"!fn.is_test\"`)"
                .to_string()
        });
        cx.error(
            node,
            format!("`{field}` must be a cel expression string, found {}", node.type_name()),
            help,
        );
        return None;
    };
    compile_source(cx, env, node, &source, field, roots, 0)
}

/// Whether the node was written with a YAML tag (`!fn.is_test` unquoted).
fn tagged(text: &str, node: &Node) -> bool {
    let line_start = text.get(..node.pos.byte).and_then(|b| b.rfind('\n')).map_or(0, |i| i + 1);
    let line = text.get(line_start..).and_then(|l| l.lines().next()).unwrap_or("");
    line.split_once(':').is_some_and(|(_, v)| v.trim_start().starts_with('!'))
}

/// Character offset of a 1-based (line, column) in `source`.
fn offset_of(source: &str, line: isize, column: isize) -> usize {
    let mut offset = 0usize;
    for (i, l) in source.split_inclusive('\n').enumerate() {
        if i as isize + 1 == line {
            return offset + (column.max(1) as usize - 1).min(l.chars().count());
        }
        offset += l.chars().count();
    }
    offset
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// ANTLR's expected-token lists are long; keep the first few.
fn tidy(msg: &str) -> String {
    let msg = msg.strip_prefix("Syntax error: ").unwrap_or(msg);
    match msg.find(" expecting {") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Splits a message template (`message`, or one of `notes`: `field`) at `{{ ... }}` and
/// compiles each expression.
pub(super) fn template_parts(
    cx: &mut Ctx,
    env: &Env,
    node: &Node,
    template: &str,
    roots: &Bound,
    field: &str,
) -> Vec<Part> {
    let mut parts = Vec::new();
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    let mut text = String::new();
    while i < chars.len() {
        if chars.get(i) == Some(&'{') && chars.get(i + 1) == Some(&'{') {
            let start = i + 2;
            let mut j = start;
            while j + 1 < chars.len() && !(chars[j] == '}' && chars[j + 1] == '}') {
                j += 1;
            }
            if j + 1 >= chars.len() {
                let positions = yaml::scalar_positions(cx.text, node);
                let (line, column) = positions
                    .and_then(|p| p.get(i).copied())
                    .unwrap_or((node.pos.line, node.pos.column));
                cx.error_at(
                    line,
                    column,
                    2,
                    format!("unclosed `{{{{` in `{field}`"),
                    Some("close the expression with `}}`".to_string()),
                );
                return parts;
            }
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            let source: String = chars[start..j].iter().collect();
            if let Some(expr) = compile_source(cx, env, node, &source, field, roots, start) {
                parts.push(Part::Expr(expr));
            }
            i = j + 2;
        } else {
            text.push(chars[i]);
            i += 1;
        }
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    parts
}
