//! A native reading of the simple parts of a policy's expressions, used to skip targets and
//! `for_each` elements that CEL would reject anyway.
//!
//! Most functions have calls, many have literals and comparisons, and evaluating CEL for each
//! element costs microseconds. So the loader turns `match` and `violation` into a tree of terms
//! that Rust can evaluate directly on the model: field reads, `!`, `&&`, `||`, `==`/`!=` with a
//! string literal, `in` a literal list or a `params` list, `LIST.exists(x, x.FIELD)`, the
//! helper functions of `functions.rs`, and `variables.NAME` (expanded). Anything else is
//! `Unknown`. Evaluation is three-valued: an element is skipped only when a term is known to be
//! false, so CEL still decides every case the terms cannot.

use crate::functions;
use crate::load::Variable;
use cel::common::ast::{operators, Expr as E, IdedExpr, LiteralValue};
use hooklint_model::{
    Body, Call, Compare, Function, HeaderRead, IpSource, Literal, LogCall, Operand, Param, Parse,
    Receiver, Route, RustFile, Verification,
};

/// A value read natively from the model.
pub(crate) enum NVal<'a> {
    Bool(bool),
    Str(&'a str),
    Obj(&'a dyn Native),
    List(Vec<NVal<'a>>),
    Missing,
}

/// Field access on a model value by the names policies use.
pub(crate) trait Native {
    fn get(&self, field: &str) -> NVal<'_>;
}

fn strs<S: AsRef<str>>(items: &[S]) -> NVal<'_> {
    NVal::List(items.iter().map(|s| NVal::Str(s.as_ref())).collect())
}

fn objs<T: Native>(items: &[T]) -> NVal<'_> {
    NVal::List(items.iter().map(|x| NVal::Obj(x as &dyn Native)).collect())
}

impl Native for Function {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "name" => NVal::Str(&self.name),
            "qualified_name" => NVal::Str(&self.qualified_name),
            "module" => NVal::Str(&self.module),
            "self_type" => NVal::Str(&self.self_type),
            "trait_name" => NVal::Str(&self.trait_name),
            "file" => NVal::Str(&self.file),
            "is_test" => NVal::Bool(self.is_test),
            "is_async" => NVal::Bool(self.is_async),
            "is_handler" => NVal::Bool(self.is_handler),
            "is_webhook" => NVal::Bool(self.is_webhook),
            "reaches_sensitive_compare" => NVal::Bool(self.reaches_sensitive_compare),
            "verifies" => NVal::Bool(self.verifies),
            "attributes" => strs(&self.attributes),
            "webhook_reasons" => strs(&self.webhook_reasons),
            "reaches" => strs(&self.reaches),
            "reaches_headers" => strs(&self.reaches_headers),
            "verified_by" => strs(&self.verified_by),
            "verification_gates" => NVal::Bool(self.verification_gates),
            "verifications" => objs(&self.verifications),
            "receiver" => NVal::Obj(&self.receiver),
            "routes" => objs(&self.routes),
            "params" => objs(&self.params),
            "headers_read" => objs(&self.headers_read),
            "calls" => objs(&self.calls),
            "compares" => objs(&self.compares),
            "literals" => objs(&self.literals),
            "logs" => objs(&self.logs),
            "ip_sources" => objs(&self.ip_sources),
            "body" => NVal::Obj(&self.body),
            _ => NVal::Missing,
        }
    }
}

impl Native for Receiver {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "role" => NVal::Str(&self.role),
            "inbound" => NVal::Str(&self.inbound),
            "methods" => strs(&self.methods),
            "body_method" => NVal::Bool(self.body_method),
            "handshake" => NVal::Bool(self.handshake),
            "user_auth" => strs(&self.user_auth),
            "signs" => strs(&self.signs),
            "weak_signs" => strs(&self.weak_signs),
            "excluded" => strs(&self.excluded),
            _ => NVal::Missing,
        }
    }
}

impl Native for Verification {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "via" => NVal::Str(&self.via),
            "what" => NVal::Str(&self.what),
            "gates" => NVal::Bool(self.gates),
            "how" => NVal::Str(&self.how),
            "fail_open" => NVal::Str(&self.fail_open),
            "detail" => NVal::Str(&self.detail),
            "local" => NVal::Bool(self.local),
            _ => NVal::Missing,
        }
    }
}

impl Native for Route {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "method" => NVal::Str(&self.method),
            "path" => NVal::Str(&self.path),
            "framework" => NVal::Str(&self.framework),
            "layers" => strs(&self.layers),
            _ => NVal::Missing,
        }
    }
}

impl Native for Param {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "name" => NVal::Str(&self.name),
            "type" => NVal::Str(&self.ty),
            "extractor" => NVal::Str(&self.extractor),
            "custom" => NVal::Str(&self.custom),
            _ => NVal::Missing,
        }
    }
}

impl Native for HeaderRead {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "name" => NVal::Str(&self.name),
            "binding" => NVal::Str(&self.binding),
            "gates" => NVal::Bool(self.gates),
            "logged_only" => NVal::Bool(self.logged_only),
            "decides" => NVal::Bool(self.decides),
            "passed" => NVal::Bool(self.passed),
            _ => NVal::Missing,
        }
    }
}

impl Native for Call {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "name" => NVal::Str(&self.name),
            "path" => NVal::Str(&self.path),
            "receiver" => NVal::Str(&self.receiver),
            "is_method" => NVal::Bool(self.is_method),
            "args" => strs(&self.args),
            "target" => NVal::Str(&self.target),
            "verifies" => NVal::Bool(self.verifies),
            _ => NVal::Missing,
        }
    }
}

impl Native for Operand {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "text" => NVal::Str(&self.text),
            "idents" => strs(&self.idents),
            "origins" => strs(&self.origins),
            "literal" => NVal::Str(&self.literal),
            "is_literal" => NVal::Bool(self.is_literal),
            "sensitive" => NVal::Bool(self.sensitive),
            "sensitive_reason" => NVal::Str(&self.sensitive_reason),
            "field" => NVal::Str(&self.field),
            _ => NVal::Missing,
        }
    }
}

impl Native for Compare {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "op" => NVal::Str(&self.op),
            "text" => NVal::Str(&self.text),
            "left" => NVal::Obj(&self.left),
            "right" => NVal::Obj(&self.right),
            _ => NVal::Missing,
        }
    }
}

impl Native for Literal {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "value" => NVal::Str(&self.value),
            "is_bytes" => NVal::Bool(self.is_bytes),
            "binding" => NVal::Str(&self.binding),
            "context" => NVal::Str(&self.context),
            "callee" => NVal::Str(&self.callee),
            "is_test" => NVal::Bool(self.is_test),
            _ => NVal::Missing,
        }
    }
}

/// An element of `file.all_literals`.
pub(crate) struct FileLiteral<'a> {
    pub literal: &'a Literal,
    pub function: &'a str,
}

impl Native for FileLiteral<'_> {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "function" => NVal::Str(self.function),
            _ => self.literal.get(field),
        }
    }
}

impl Native for LogCall {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "macro" => NVal::Str(&self.macro_name),
            "path" => NVal::Str(&self.path),
            "args" => objs(&self.args),
            _ => NVal::Missing,
        }
    }
}

impl Native for IpSource {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "kind" => NVal::Str(&self.kind),
            "binding" => NVal::Str(&self.binding),
            "gates" => NVal::Bool(self.gates),
            "logged_only" => NVal::Bool(self.logged_only),
            "decides" => NVal::Bool(self.decides),
            _ => NVal::Missing,
        }
    }
}

impl Native for Parse {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "what" => NVal::Str(&self.what),
            "before_verify" => NVal::Bool(self.before_verify),
            _ => NVal::Missing,
        }
    }
}

impl Native for Body {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "kind" => NVal::Str(&self.kind),
            "typed_extractor" => NVal::Str(&self.typed_extractor),
            "parses" => objs(&self.parses),
            _ => NVal::Missing,
        }
    }
}

impl Native for RustFile {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "path" => NVal::Str(&self.path),
            "is_test" => NVal::Bool(self.is_test),
            "literals" => objs(&self.literals),
            _ => NVal::Missing,
        }
    }
}

/// The elements of `file.all_literals`, in the order the CEL value lists them.
pub(crate) fn file_literals(file: &RustFile) -> Vec<FileLiteral<'_>> {
    let mut out: Vec<FileLiteral> =
        file.literals.iter().map(|literal| FileLiteral { literal, function: "" }).collect();
    for f in &file.functions {
        out.extend(
            f.literals.iter().map(|literal| FileLiteral { literal, function: &f.qualified_name }),
        );
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Root {
    Target,
    It,
    Local(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Path {
    root: Root,
    fields: Vec<String>,
}

/// A helper function evaluated natively.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Helper {
    HasWords,
    EndsWithWords,
    CallMatches,
    ContainsAny,
    SensitiveName,
    IsPlaceholder,
}

#[derive(Debug, Clone)]
pub(crate) enum Term {
    Unknown,
    Const(bool),
    Bool(Path),
    Not(Box<Term>),
    And(Vec<Term>),
    Or(Vec<Term>),
    /// A string field equal (or not) to a literal.
    Eq(Path, String, bool),
    /// A string field in a list of strings.
    In(Path, Vec<String>),
    /// `LIST.exists(var, pred)`.
    Exists(Path, String, Box<Term>),
    /// `helper(STRING_FIELD, lists...)`.
    Helper(Helper, Path, Vec<Vec<String>>),
}

/// What the compiler needs to resolve names.
pub(crate) struct Names<'a> {
    pub target: &'a str,
    pub params: &'a serde_json::Map<String, serde_json::Value>,
    pub variables: &'a [Variable],
    pub locals: Vec<String>,
    pub depth: usize,
}

impl Names<'_> {
    pub fn compile(&mut self, expr: &IdedExpr) -> Term {
        if self.depth > 32 {
            return Term::Unknown;
        }
        self.depth += 1;
        let term = self.term(expr);
        self.depth -= 1;
        term
    }

    fn term(&mut self, expr: &IdedExpr) -> Term {
        match &expr.expr {
            E::Literal(LiteralValue::Boolean(b)) => Term::Const(*b.inner()),
            E::Call(call) if call.target.is_none() => {
                let args = &call.args;
                match (call.func_name.as_str(), args.as_slice()) {
                    (operators::LOGICAL_NOT, [a]) => Term::Not(Box::new(self.compile(a))),
                    (operators::LOGICAL_AND, [a, b]) => {
                        Term::And(vec![self.compile(a), self.compile(b)])
                    }
                    (operators::LOGICAL_OR, [a, b]) => {
                        Term::Or(vec![self.compile(a), self.compile(b)])
                    }
                    (operators::EQUALS, [a, b]) | (operators::NOT_EQUALS, [a, b]) => {
                        let eq = call.func_name == operators::EQUALS;
                        match (self.path(a), string_lit(b), self.path(b), string_lit(a)) {
                            (Some(p), Some(s), _, _) | (_, _, Some(p), Some(s)) => {
                                Term::Eq(p, s, eq)
                            }
                            _ => Term::Unknown,
                        }
                    }
                    (operators::IN, [a, b]) => match (self.path(a), self.string_list(b)) {
                        (Some(p), Some(list)) => Term::In(p, list),
                        _ => Term::Unknown,
                    },
                    (name, [first, rest @ ..]) => {
                        let helper = match name {
                            "has_words" => Helper::HasWords,
                            "ends_with_words" => Helper::EndsWithWords,
                            "call_matches" => Helper::CallMatches,
                            "contains_any" => Helper::ContainsAny,
                            "sensitive_name" => Helper::SensitiveName,
                            "is_placeholder" => Helper::IsPlaceholder,
                            _ => return self.path(expr).map_or(Term::Unknown, Term::Bool),
                        };
                        let Some(path) = self.path(first) else { return Term::Unknown };
                        let lists: Option<Vec<Vec<String>>> =
                            rest.iter().map(|r| self.string_list(r)).collect();
                        match lists {
                            Some(lists) => Term::Helper(helper, path, lists),
                            None => Term::Unknown,
                        }
                    }
                    _ => Term::Unknown,
                }
            }
            E::Comprehension(c) => {
                // `exists` starts from `false` and steps with `@result || pred`.
                let starts_false = matches!(&c.accu_init.expr, E::Literal(LiteralValue::Boolean(b)) if !*b.inner());
                let E::Call(step) = &c.loop_step.expr else { return Term::Unknown };
                let pred = match step.args.as_slice() {
                    [acc, pred]
                        if step.func_name == operators::LOGICAL_OR
                            && matches!(&acc.expr, E::Ident(n) if *n == c.accu_var) =>
                    {
                        pred
                    }
                    _ => return Term::Unknown,
                };
                let (true, Some(list)) = (starts_false, self.path(&c.iter_range)) else {
                    return Term::Unknown;
                };
                self.locals.push(c.iter_var.clone());
                let body = self.compile(pred);
                self.locals.pop();
                Term::Exists(list, c.iter_var.clone(), Box::new(body))
            }
            _ => {
                if let Some(term) = self.variable(expr) {
                    return term;
                }
                self.path(expr).map_or(Term::Unknown, Term::Bool)
            }
        }
    }

    /// `variables.NAME` expands to the variable's own term.
    fn variable(&mut self, expr: &IdedExpr) -> Option<Term> {
        let segments = crate::schema::path_segments(expr)?;
        let [root, name] = segments.as_slice() else { return None };
        if root != "variables" || self.locals.iter().any(|l| l == "variables") {
            return None;
        }
        let var = self.variables.iter().find(|v| v.name == *name)?;
        Some(self.compile(var.expr.program.expression()))
    }

    fn path(&self, expr: &IdedExpr) -> Option<Path> {
        let segments = crate::schema::path_segments(expr)?;
        let (first, fields) = segments.split_first()?;
        let root = if self.locals.iter().any(|l| l == first) {
            Root::Local(first.clone())
        } else if first == self.target {
            Root::Target
        } else if first == "it" {
            Root::It
        } else {
            return None;
        };
        Some(Path { root, fields: fields.to_vec() })
    }

    /// A list literal of strings, or `params.NAME` holding one.
    fn string_list(&self, expr: &IdedExpr) -> Option<Vec<String>> {
        match &expr.expr {
            E::List(list) => list.elements.iter().map(string_lit).collect(),
            _ => {
                let segments = crate::schema::path_segments(expr)?;
                let [root, name] = segments.as_slice() else { return None };
                if root != "params" {
                    return None;
                }
                let serde_json::Value::Array(items) = self.params.get(name)? else { return None };
                items.iter().map(|v| v.as_str().map(str::to_string)).collect()
            }
        }
    }
}

fn string_lit(expr: &IdedExpr) -> Option<String> {
    match &expr.expr {
        E::Literal(LiteralValue::String(s)) => Some(s.inner().to_string()),
        _ => None,
    }
}

/// The values bound while evaluating a term: the data (`'a`) and the names of the terms' own
/// comprehension variables (`'t`).
pub(crate) struct Env<'a, 't> {
    pub target: &'a dyn Native,
    pub it: Option<&'a dyn Native>,
    pub locals: Vec<(&'t str, NVal<'a>)>,
}

fn read<'a>(env: &Env<'a, '_>, path: &Path) -> NVal<'a> {
    let mut cur: NVal<'a> = match &path.root {
        Root::Target => NVal::Obj(env.target),
        Root::It => match env.it {
            Some(it) => NVal::Obj(it),
            None => return NVal::Missing,
        },
        Root::Local(name) => match env.locals.iter().rev().find(|(n, _)| n == name) {
            Some((_, NVal::Obj(o))) => NVal::Obj(*o),
            Some((_, NVal::Str(s))) => NVal::Str(s),
            Some((_, NVal::Bool(b))) => NVal::Bool(*b),
            _ => return NVal::Missing,
        },
    };
    for field in &path.fields {
        cur = match cur {
            NVal::Obj(o) => o.get(field),
            _ => return NVal::Missing,
        };
    }
    cur
}

impl Term {
    /// `Some(b)` when the term is decided natively, `None` when only CEL can tell.
    pub fn eval<'t>(&'t self, env: &mut Env<'_, 't>) -> Option<bool> {
        match self {
            Term::Unknown => None,
            Term::Const(b) => Some(*b),
            Term::Bool(p) => match read(env, p) {
                NVal::Bool(b) => Some(b),
                _ => None,
            },
            Term::Not(t) => t.eval(env).map(|b| !b),
            Term::And(ts) => {
                let mut all = Some(true);
                for t in ts {
                    match t.eval(env) {
                        Some(false) => return Some(false),
                        Some(true) => {}
                        None => all = None,
                    }
                }
                all
            }
            Term::Or(ts) => {
                let mut any = Some(false);
                for t in ts {
                    match t.eval(env) {
                        Some(true) => return Some(true),
                        Some(false) => {}
                        None => any = None,
                    }
                }
                any
            }
            Term::Eq(p, s, eq) => match read(env, p) {
                NVal::Str(v) => Some((v == s) == *eq),
                _ => None,
            },
            Term::In(p, list) => match read(env, p) {
                NVal::Str(v) => Some(list.iter().any(|x| x == v)),
                _ => None,
            },
            Term::Helper(h, p, lists) => {
                let NVal::Str(v) = read(env, p) else { return None };
                let first = lists.first()?;
                Some(match h {
                    Helper::HasWords => hooklint_model::names::first_run(v, first).is_some(),
                    Helper::EndsWithWords => hooklint_model::names::ends_with_any(v, first),
                    Helper::CallMatches => functions::matches_call(v, first),
                    Helper::ContainsAny => {
                        let v = v.to_lowercase();
                        first.iter().any(|e| v.contains(&e.to_lowercase()))
                    }
                    Helper::SensitiveName => functions::is_sensitive_name(v, first, lists.get(1)?),
                    Helper::IsPlaceholder => functions::looks_like_placeholder(v, first),
                })
            }
            Term::Exists(p, var, body) => {
                let NVal::List(items) = read(env, p) else { return None };
                let mut any = Some(false);
                for item in items {
                    env.locals.push((var.as_str(), item));
                    let r = body.eval(env);
                    env.locals.pop();
                    match r {
                        Some(true) => return Some(true),
                        Some(false) => {}
                        None => any = None,
                    }
                }
                any
            }
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Term::Unknown)
    }
}

impl Native for hooklint_model::manifest::Document {
    fn get(&self, field: &str) -> NVal<'_> {
        match field {
            "file" => NVal::Str(&self.file),
            "format" => NVal::Str(&self.format),
            "kind" => NVal::Str(&self.kind),
            "name" => NVal::Str(&self.name),
            _ => NVal::Missing,
        }
    }
}

impl Native for hooklint_model::manifest::Project {
    fn get(&self, _field: &str) -> NVal<'_> {
        NVal::Missing
    }
}
