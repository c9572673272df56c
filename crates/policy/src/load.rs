//! Policy files to compiled policies: YAML structure, keys, CEL compilation and the schema check,
//! each error positioned in the policy file.

use crate::native;
use crate::prefilter::Prefilter;
use crate::schema::{self, Root};
use crate::yaml::{self, Kind, Node};
use cel::common::value::Val;
use cel::{Env, Program};
use hooklint_model::fact::Ty;
use hooklint_model::{LoadError, LoadErrorKind, Severity, Target};

/// One compiled CEL expression and where it came from.
pub(crate) struct Expr {
    /// The policy key it was written under (`violation`, `variables.sig`, `message`).
    pub field: String,
    pub program: Program,
}

pub(crate) enum Part {
    Text(String),
    Expr(Expr),
}

pub(crate) struct Variable {
    pub name: String,
    pub expr: Expr,
    /// Uses `it` (directly or through another variable): evaluated per element.
    pub per_item: bool,
}

pub(crate) struct Policy {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub target: Target,
    pub match_: Option<Expr>,
    pub variables: Vec<Variable>,
    pub for_each: Option<Expr>,
    pub violation: Expr,
    pub message: Vec<Part>,
    pub message_template: String,
    pub span: Option<Expr>,
    /// Secondary locations: a list of `{span, message}` maps.
    pub labels: Option<Expr>,
    /// When true for a finding, it is reported as an error whatever `severity` says.
    pub escalate: Option<Expr>,
    /// Knowledge lists with the policy's own params on top, as one CEL map.
    pub params: Box<dyn Val>,
    pub params_json: serde_json::Map<String, serde_json::Value>,
    pub help: String,
    pub unsuppressible: bool,
    pub why: String,
    pub fix: String,
    pub bad: String,
    pub good: String,
    /// `built-in` or the file's path.
    pub source: String,
    pub path: String,
    pub prefilter: Prefilter,
    /// `match` and `violation` as natively evaluable terms (`Unknown` where only CEL can tell).
    pub native_match: native::Term,
    pub native_violation: native::Term,
}

const KEYS: &[&str] = &[
    "id",
    "title",
    "severity",
    "target",
    "match",
    "variables",
    "for_each",
    "violation",
    "message",
    "span",
    "labels",
    "escalate",
    "params",
    "help",
    "unsuppressible",
    "docs",
];
const DOC_KEYS: &[&str] = &["why", "fix", "bad", "good"];

struct Ctx<'a> {
    path: &'a str,
    text: &'a str,
    errors: Vec<LoadError>,
    /// Keys suggested for misspelt ones: not reported again as missing.
    suggested: Vec<String>,
}

impl Ctx<'_> {
    fn error_at(
        &mut self,
        line: u32,
        column: u32,
        len: u32,
        message: String,
        help: Option<String>,
    ) {
        self.errors.push(LoadError {
            kind: LoadErrorKind::Policy,
            path: self.path.to_string(),
            text: self.text.to_string(),
            line: line.max(1),
            column: column.max(1),
            len: len.max(1),
            message,
            help,
        });
    }

    fn error(&mut self, node: &Node, message: String, help: Option<String>) {
        let len = match node.kind {
            Kind::Map(_) | Kind::Seq(_) => 1,
            _ => node.pos.len.min(line_rest(self.text, node.pos.byte)),
        };
        self.error_at(node.pos.line, node.pos.column, len, message, help);
    }
}

/// Characters left on the line from `byte`, so an underline never wraps.
fn line_rest(text: &str, byte: usize) -> u32 {
    text.get(byte..)
        .and_then(|r| r.lines().next())
        .map(|l| l.chars().count() as u32)
        .unwrap_or(1)
        .max(1)
}

pub(crate) fn load(
    path: &str,
    text: &str,
    source: &str,
    env: &Env,
    knowledge: &serde_json::Map<String, serde_json::Value>,
) -> Result<Policy, Vec<LoadError>> {
    let mut cx = Ctx { path, text, errors: Vec::new(), suggested: Vec::new() };
    let doc = match yaml::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            cx.error_at(e.line, e.column, 1, e.message, None);
            return Err(cx.errors);
        }
    };
    let Kind::Map(entries) = &doc.kind else {
        cx.error(&doc, format!("a policy must be a mapping, found {}", doc.type_name()), None);
        return Err(cx.errors);
    };
    let fields = check_keys(&mut cx, entries, KEYS, "policy");

    let get = |name: &str| fields.iter().find(|(k, _, _)| k == name).map(|(_, k, v)| (*k, *v));
    let string = |cx: &mut Ctx, name: &str, required: bool| -> Option<(String, &Node)> {
        match get(name) {
            Some((_, v)) => match v.scalar_text() {
                Some(s) => Some((s, v)),
                None => {
                    cx.error(
                        v,
                        format!("`{name}` must be a string, found {}", v.type_name()),
                        None,
                    );
                    None
                }
            },
            None => {
                if required && !cx.suggested.iter().any(|s| s == name) {
                    cx.error_at(1, 1, 1, format!("missing required key `{name}`"), None);
                }
                None
            }
        }
    };

    let id = string(&mut cx, "id", true);
    if let Some((id, node)) = &id {
        if !valid_id(id) {
            cx.error(
                node,
                format!("invalid policy id `{id}`"),
                Some("an id is `category/rule-name` in lowercase, digits and dashes".to_string()),
            );
        }
    }
    let title = string(&mut cx, "title", true);
    let severity = string(&mut cx, "severity", true).and_then(|(s, node)| {
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
    let target = string(&mut cx, "target", true).and_then(|(s, node)| {
        let parsed = Target::parse(&s);
        if parsed.is_none() {
            let names = ["rust.function", "rust.file", "manifest", "project"];
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
    let help_text = string(&mut cx, "help", false).map(|(s, _)| s);
    let unsuppressible = match get("unsuppressible") {
        Some((_, node)) => match node.kind {
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

    // docs
    let mut docs = [String::new(), String::new(), String::new(), String::new()];
    if let Some((_, node)) = get("docs") {
        match &node.kind {
            Kind::Map(entries) => {
                let doc_fields = check_keys(&mut cx, entries, DOC_KEYS, "docs");
                for (name, _, value) in doc_fields {
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
            }
            _ => cx.error(
                node,
                format!("`docs` must be a mapping, found {}", node.type_name()),
                None,
            ),
        }
    }

    // params: knowledge underneath, the policy's own on top
    let mut params_json = knowledge.clone();
    if let Some((_, node)) = get("params") {
        match &node.kind {
            Kind::Map(entries) => {
                for (k, v) in entries {
                    match k.scalar_text() {
                        Some(name) => {
                            params_json.insert(name, v.to_json());
                        }
                        None => cx.error(k, "a parameter name must be a string".to_string(), None),
                    }
                }
            }
            Kind::Null => {}
            _ => cx.error(
                node,
                format!("`params` must be a mapping, found {}", node.type_name()),
                None,
            ),
        }
    }
    let param_keys: Vec<String> = params_json.keys().cloned().collect();

    let Some(target) = target else {
        return Err(cx.errors);
    };
    let binding = Some((target.binding(), Ty::Obj(target.schema())));

    // Expressions, compiled and checked in the order they are evaluated.
    let mut roots: Vec<(&str, Root)> = Vec::new();
    if let Some((name, ty)) = binding {
        roots.push((name, Root::Typed(ty)));
    }
    roots.push(("params", Root::Keys(param_keys.clone())));

    let for_each_node = get("for_each").map(|(_, v)| v);
    let mut it_root: Option<Root> = None;
    let mut for_each = None;
    if let Some(node) = for_each_node {
        let mut with_vars = roots.clone();
        // Variables are not parsed yet; the references are checked again below.
        with_vars.push(("variables", Root::Untyped));
        if let Some(expr) = compile(&mut cx, env, node, "for_each", &with_vars, 0) {
            it_root = Some(element_root(&expr, binding));
            for_each = Some(expr);
        } else {
            it_root = Some(Root::Untyped);
        }
    }

    // variables may use `it` when there is a for_each; such variables are evaluated per element
    let mut variables: Vec<Variable> = Vec::new();
    if let Some((_, node)) = get("variables") {
        match &node.kind {
            Kind::Map(entries) => {
                for (k, v) in entries {
                    let Some(name) = k.scalar_text() else {
                        cx.error(k, "a variable name must be a string".to_string(), None);
                        continue;
                    };
                    if !valid_ident(&name) {
                        cx.error(
                            k,
                            format!("invalid variable name `{name}`"),
                            Some("use letters, digits and `_`".to_string()),
                        );
                        continue;
                    }
                    if variables.iter().any(|x| x.name == name) {
                        cx.error(k, format!("variable `{name}` is declared twice"), None);
                        continue;
                    }
                    let mut scope = roots.clone();
                    let declared: Vec<String> = variables.iter().map(|x| x.name.clone()).collect();
                    scope.push(("variables", Root::Keys(declared)));
                    if let Some(it) = &it_root {
                        scope.push(("it", it.clone()));
                    }
                    let field = format!("variables.{name}");
                    if let Some(expr) = compile(&mut cx, env, v, &field, &scope, 0) {
                        let per_item = uses(&expr.program, "it")
                            || variables
                                .iter()
                                .filter(|x| x.per_item)
                                .any(|x| uses_variable(&expr.program, &x.name));
                        variables.push(Variable { name, expr, per_item });
                    }
                }
            }
            Kind::Null => {}
            _ => cx.error(
                node,
                format!("`variables` must be a mapping, found {}", node.type_name()),
                None,
            ),
        }
    }
    let all_vars: Vec<String> = variables.iter().map(|v| v.name.clone()).collect();
    let target_vars: Vec<String> =
        variables.iter().filter(|v| !v.per_item).map(|v| v.name.clone()).collect();

    if let (Some(expr), Some(node)) = (&for_each, for_each_node) {
        let mut scope = roots.clone();
        scope.push(("variables", Root::Keys(target_vars.clone())));
        let errors = schema::check(expr.program.expression(), expr.program.source_info(), &scope);
        report_refs(&mut cx, node, "for_each", 0, errors);
    }

    let mut match_ = None;
    if let Some((_, node)) = get("match") {
        let mut scope = roots.clone();
        scope.push(("variables", Root::Keys(target_vars.clone())));
        match_ = compile(&mut cx, env, node, "match", &scope, 0);
    }

    let mut full = roots.clone();
    full.push(("variables", Root::Keys(all_vars)));
    if let Some(it) = &it_root {
        full.push(("it", it.clone()));
    }
    let violation =
        get("violation").and_then(|(_, node)| compile(&mut cx, env, node, "violation", &full, 0));
    if get("violation").is_none() && !cx.suggested.iter().any(|s| s == "violation") {
        cx.error_at(1, 1, 1, "missing required key `violation`".to_string(), None);
    }
    let span = get("span").and_then(|(_, node)| compile(&mut cx, env, node, "span", &full, 0));
    let labels =
        get("labels").and_then(|(_, node)| compile(&mut cx, env, node, "labels", &full, 0));
    let escalate =
        get("escalate").and_then(|(_, node)| compile(&mut cx, env, node, "escalate", &full, 0));
    let message = string(&mut cx, "message", true).map(|(template, node)| {
        (template.clone(), template_parts(&mut cx, env, node, &template, &full))
    });

    if !cx.errors.is_empty() {
        return Err(cx.errors);
    }
    let (
        Some((id, _)),
        Some((title, _)),
        Some(severity),
        Some(violation),
        Some((template, message)),
    ) = (id, title, severity, violation, message)
    else {
        return Err(cx.errors);
    };

    let params = match cel::to_value(serde_json::Value::Object(params_json.clone()))
        .map_err(|e| e.to_string())
        .and_then(|v| Box::<dyn Val>::try_from(v).map_err(|e| e.to_string()))
    {
        Ok(p) => p,
        Err(e) => {
            cx.error_at(1, 1, 1, format!("params cannot be used in expressions: {e}"), None);
            return Err(cx.errors);
        }
    };
    let [why, fix, bad, good] = docs;
    let help = help_text.unwrap_or_else(|| first_paragraph(&fix));
    let prefilter = Prefilter::build(target, match_.as_ref(), for_each.as_ref(), &violation);
    let mut policy = Policy {
        native_match: native::Term::Unknown,
        native_violation: native::Term::Unknown,
        id,
        title,
        severity,
        target,
        match_,
        variables,
        for_each,
        violation,
        message,
        message_template: template,
        span,
        labels,
        escalate,
        params,
        params_json,
        help,
        unsuppressible,
        why,
        fix,
        bad,
        good,
        source: source.to_string(),
        path: path.to_string(),
        prefilter,
    };
    policy.compile_native();
    Ok(policy)
}

impl Policy {
    /// (Re)derives the native terms, which read `params` lists: call after changing params.
    pub fn compile_native(&mut self) {
        let mut names = native::Names {
            target: self.target,
            it: self.prefilter.for_each_path.as_ref().map(|(_, elem)| *elem),
            params: &self.params_json,
            variables: &self.variables,
            locals: Vec::new(),
            depth: 0,
        };
        self.native_match = self
            .match_
            .as_ref()
            .map_or(native::Term::Const(true), |m| names.compile(m.program.expression()));
        self.native_violation = names.compile(self.violation.program.expression());
    }
}

/// The known keys present, in order; unknown and repeated keys are reported.
fn check_keys<'n>(
    cx: &mut Ctx,
    entries: &'n [(Node, Node)],
    known: &[&str],
    what: &str,
) -> Vec<(String, &'n Node, &'n Node)> {
    let mut out: Vec<(String, &Node, &Node)> = Vec::new();
    for (k, v) in entries {
        let Some(name) = k.scalar_text() else {
            cx.error(k, format!("a {what} key must be a string, found {}", k.type_name()), None);
            continue;
        };
        if !known.contains(&name.as_str()) {
            let suggestion = schema::suggest(&name, known);
            if let Some(s) = suggestion {
                cx.suggested.push(s.to_string());
            }
            let message = match suggestion {
                Some(s) => format!("unknown key `{name}` in {what}; did you mean `{s}`?"),
                None => format!("unknown key `{name}` in {what}"),
            };
            let help = format!(
                "the keys of a {what} are {}",
                known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            );
            cx.error(k, message, suggestion.is_none().then_some(help));
            continue;
        }
        if out.iter().any(|(n, _, _)| *n == name) {
            cx.error(k, format!("key `{name}` appears twice"), None);
            continue;
        }
        out.push((name, k, v));
    }
    out
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

fn valid_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(crate) fn first_paragraph(text: &str) -> String {
    let para: Vec<&str> =
        text.trim().lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
    para.join(" ")
}

/// The element type of a `for_each` that is a plain path into the target, else untyped.
fn element_root(expr: &Expr, binding: Option<(&str, Ty)>) -> Root {
    let Some((name, ty)) = binding else { return Root::Untyped };
    let Some(segments) = schema::path_segments(expr.program.expression()) else {
        return Root::Untyped;
    };
    match segments.split_first() {
        Some((root, rest)) if root == name => match schema::resolve(ty, rest) {
            Some((_, Ty::List(elem))) => Root::Typed(*elem),
            _ => Root::Untyped,
        },
        _ => Root::Untyped,
    }
}

fn uses(program: &Program, name: &str) -> bool {
    program.references().has_variable(name)
}

fn uses_variable(program: &Program, name: &str) -> bool {
    fn walk(e: &cel::IdedExpr, name: &str) -> bool {
        use cel::common::ast::Expr as E;
        match &e.expr {
            E::Select(s) => {
                matches!(&s.operand.expr, E::Ident(i) if i == "variables") && s.field == name
                    || walk(&s.operand, name)
            }
            E::Call(c) => {
                c.target.as_deref().is_some_and(|t| walk(t, name))
                    || c.args.iter().any(|a| walk(a, name))
            }
            E::Comprehension(c) => {
                [&c.iter_range, &c.accu_init, &c.loop_cond, &c.loop_step, &c.result]
                    .iter()
                    .any(|x| walk(x, name))
            }
            E::List(l) => l.elements.iter().any(|x| walk(x, name)),
            E::Map(m) => m.entries.iter().any(|en| match &en.expr {
                cel::common::ast::EntryExpr::MapEntry(me) => {
                    walk(&me.key, name) || walk(&me.value, name)
                }
                cel::common::ast::EntryExpr::StructField(sf) => walk(&sf.value, name),
            }),
            E::Struct(s) => s.entries.iter().any(|en| match &en.expr {
                cel::common::ast::EntryExpr::StructField(sf) => walk(&sf.value, name),
                cel::common::ast::EntryExpr::MapEntry(me) => walk(&me.value, name),
            }),
            _ => false,
        }
    }
    walk(program.expression(), name)
}

/// Compiles the expression written in `node` (or, for a message part, the slice of it that
/// starts at character `base`) and checks its references; errors point into the file.
fn compile_source(
    cx: &mut Ctx,
    env: &Env,
    node: &Node,
    source: &str,
    field: &str,
    roots: &[(&str, Root)],
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

fn report_refs(cx: &mut Ctx, node: &Node, field: &str, base: usize, errors: Vec<schema::RefError>) {
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

fn compile(
    cx: &mut Ctx,
    env: &Env,
    node: &Node,
    field: &str,
    roots: &[(&str, Root)],
    base: usize,
) -> Option<Expr> {
    let bang = match &node.kind {
        Kind::Str(s) => s.is_empty() && tagged(cx.text, node),
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
    compile_source(cx, env, node, &source, field, roots, base)
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

/// Splits a message template at `{{ ... }}` and compiles each expression.
fn template_parts(
    cx: &mut Ctx,
    env: &Env,
    node: &Node,
    template: &str,
    roots: &[(&str, Root)],
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
                    "unclosed `{{` in `message`".to_string(),
                    Some("close the expression with `}}`".to_string()),
                );
                return parts;
            }
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            let source: String = chars[start..j].iter().collect();
            if let Some(expr) = compile_source(cx, env, node, &source, "message", roots, start) {
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
