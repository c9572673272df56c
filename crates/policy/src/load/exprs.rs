//! The policy's CEL keys, compiled and checked in the order they are evaluated, each in the
//! scope it is evaluated in: `for_each` (the target and `params`), `variables` (those above
//! them, and `it` with a `for_each`), `match` (the variables that do not use `it`), then
//! `violation`, `span`, `labels`, `escalate`, `confidence` and the `message` and `notes`
//! interpolations (everything).

use super::compile::{compile, report_refs, template_parts};
use super::ctx::{Ctx, Fields};
use super::{Expr, Part, Variable};
use crate::schema::{self, Root};
use crate::yaml::{Kind, Node};
use cel::{Env, Program};
use hooklint_model::fact::Ty;
use hooklint_model::Target;

/// A policy's compiled expressions, in the order they are evaluated.
pub(crate) struct Exprs {
    /// `variables`, in order; those that use `it` are evaluated per element.
    pub variables: Vec<Variable>,
    pub for_each: Option<Expr>,
    pub match_: Option<Expr>,
    pub violation: Expr,
    pub span: Option<Expr>,
    /// Secondary locations: a list of `{span, message}` maps.
    pub labels: Option<Expr>,
    /// When true for a finding, it is reported as an error whatever `severity` says.
    pub escalate: Option<Expr>,
    /// `'high'`, `'medium'` or `'low'` for a finding; `high` when absent.
    pub confidence: Option<Expr>,
    pub message: Vec<Part>,
    /// The message as written, shown when an interpolation fails.
    pub message_template: String,
    /// `notes`: the details under the headline, each a template as `message` is, with the
    /// template as written. A note that renders empty is left out.
    pub notes: Vec<(Vec<Part>, String)>,
}

impl Exprs {
    /// The `params` keys some expression of the policy reads; `None` when one uses `params`
    /// as a whole, so that any key may be read.
    pub(crate) fn params_read(&self) -> Option<std::collections::BTreeSet<String>> {
        let mut out = std::collections::BTreeSet::new();
        let parts = self.template_exprs();
        let all = self
            .variables
            .iter()
            .map(|v| &v.expr)
            .chain(&self.for_each)
            .chain(&self.match_)
            .chain(std::iter::once(&self.violation))
            .chain(&self.span)
            .chain(&self.labels)
            .chain(&self.escalate)
            .chain(parts)
            .all(|e| crate::schema::params_read(e.program.expression(), &mut out));
        all.then_some(out)
    }

    /// The expressions interpolated into `message` and `notes`.
    pub(crate) fn template_exprs(&self) -> impl Iterator<Item = &Expr> {
        self.message.iter().chain(self.notes.iter().flat_map(|(parts, _)| parts)).filter_map(|p| {
            match p {
                Part::Expr(e) => Some(e),
                Part::Text(_) => None,
            }
        })
    }
}

type Scope = Vec<(&'static str, Root)>;

/// Every CEL key compiled, all errors reported; `None` when one failed or a required one is
/// missing.
pub(super) fn compile_all(
    cx: &mut Ctx,
    env: &Env,
    fields: &Fields,
    target: Target,
    param_keys: Vec<String>,
) -> Option<Exprs> {
    let (name, ty) = (target.binding(), Ty::Obj(target.schema()));
    let roots: Scope = vec![(name, Root::Typed(ty)), ("params", Root::Keys(param_keys))];

    let for_each_node = fields.get("for_each");
    let mut it_root: Option<Root> = None;
    let mut for_each = None;
    if let Some(node) = for_each_node {
        let mut with_vars = roots.clone();
        // Variables are not parsed yet; the references are checked again below.
        with_vars.push(("variables", Root::Untyped));
        if let Some(expr) = compile(cx, env, node, "for_each", &with_vars) {
            it_root = Some(element_root(&expr, name, ty));
            for_each = Some(expr);
        } else {
            it_root = Some(Root::Untyped);
        }
    }

    let variables = match fields.get("variables") {
        Some(node) => variables(cx, env, node, &roots, it_root.as_ref()),
        None => Vec::new(),
    };
    let all_vars: Vec<String> = variables.iter().map(|v| v.name.clone()).collect();
    let target_vars: Vec<String> =
        variables.iter().filter(|v| !v.per_item).map(|v| v.name.clone()).collect();
    let mut target_scope = roots.clone();
    target_scope.push(("variables", Root::Keys(target_vars)));

    if let (Some(expr), Some(node)) = (&for_each, for_each_node) {
        let errors =
            schema::check(expr.program.expression(), expr.program.source_info(), &target_scope);
        report_refs(cx, node, "for_each", 0, errors);
    }
    let match_ =
        fields.get("match").and_then(|node| compile(cx, env, node, "match", &target_scope));

    let mut full = roots;
    full.push(("variables", Root::Keys(all_vars)));
    if let Some(it) = it_root {
        full.push(("it", it));
    }
    let violation = match fields.get("violation") {
        Some(node) => compile(cx, env, node, "violation", &full),
        None => {
            cx.missing("violation");
            None
        }
    };
    let optional = |cx: &mut Ctx, key: &str| {
        fields.get(key).and_then(|node| compile(cx, env, node, key, &full))
    };
    let span = optional(cx, "span");
    let labels = optional(cx, "labels");
    let escalate = optional(cx, "escalate");
    let confidence = optional(cx, "confidence");
    let message = fields.string(cx, "message", true).map(|(template, node)| {
        let parts = template_parts(cx, env, node, &template, &full, "message");
        (template, parts)
    });
    let notes = fields.get("notes").map_or_else(Vec::new, |node| notes(cx, env, node, &full));
    let (Some(violation), Some((message_template, message))) = (violation, message) else {
        return None;
    };
    Some(Exprs {
        variables,
        for_each,
        match_,
        violation,
        span,
        labels,
        escalate,
        confidence,
        message,
        message_template,
        notes,
    })
}

/// `notes`: a list of message templates (or one), each compiled as `message` is.
fn notes(cx: &mut Ctx, env: &Env, node: &Node, scope: &Scope) -> Vec<(Vec<Part>, String)> {
    let items: Vec<&Node> = match &node.kind {
        Kind::List(items) => items.iter().collect(),
        Kind::Null => Vec::new(),
        _ => vec![node],
    };
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let field = format!("notes[{i}]");
        match item.scalar_text() {
            Some(template) => {
                let parts = template_parts(cx, env, item, &template, scope, &field);
                out.push((parts, template));
            }
            None => cx.error(
                item,
                format!("`{field}` must be a string, found {}", item.type_name()),
                Some("a note is a message template: text with `{{ expression }}`s".into()),
            ),
        }
    }
    out
}

/// `variables`, in order: each sees those above it, and `it` with a `for_each`; a variable that
/// uses `it` (directly or through another variable) is evaluated per element.
fn variables(
    cx: &mut Ctx,
    env: &Env,
    node: &Node,
    roots: &Scope,
    it_root: Option<&Root>,
) -> Vec<Variable> {
    let mut variables: Vec<Variable> = Vec::new();
    let entries = match &node.kind {
        Kind::Map(entries) => entries,
        Kind::Null => return variables,
        _ => {
            cx.error(
                node,
                format!("`variables` must be a mapping, found {}", node.type_name()),
                None,
            );
            return variables;
        }
    };
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
        if let Some(it) = it_root {
            scope.push(("it", it.clone()));
        }
        let field = format!("variables.{name}");
        if let Some(expr) = compile(cx, env, v, &field, &scope) {
            let per_item = uses(&expr.program, "it")
                || variables
                    .iter()
                    .filter(|x| x.per_item)
                    .any(|x| uses_variable(&expr.program, &x.name));
            variables.push(Variable { name, expr, per_item });
        }
    }
    variables
}

fn valid_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The element type of a `for_each` that is a plain path into the target, else untyped.
fn element_root(expr: &Expr, name: &str, ty: Ty) -> Root {
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
