//! A native reading of the simple parts of a policy's expressions, used to skip targets and
//! `for_each` elements that CEL would reject anyway.
//!
//! Most functions have calls, many have literals and comparisons, and evaluating CEL for each
//! element costs microseconds. So the loader turns `match` and `violation` into a tree of terms
//! that Rust can evaluate directly on the model (read through `hooklint_model::fact`, field
//! paths resolved to positions once): field reads, `!`, `&&`, `||`, `==`/`!=` with a
//! string literal, `in` a literal list or a `params` list, `LIST.exists(x, x.FIELD)`, the
//! helper functions of `functions.rs`, and `variables.NAME` (expanded). Anything else is
//! `Unknown`. Evaluation is three-valued: an element is skipped only when a term is known to be
//! false, so CEL still decides every case the terms cannot.

use crate::functions;
use crate::load::Variable;
use cel::common::ast::{operators, Expr as E, IdedExpr, LiteralValue};
use hooklint_model::fact::{self, Fact, FieldRef, Ty};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Root {
    Target,
    It,
    Local(String),
}

/// A field path resolved against the schema at load time: positions, not names.
#[derive(Debug, Clone)]
pub(crate) struct Path {
    root: Root,
    fields: Vec<usize>,
}

/// A helper function evaluated natively.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Helper {
    HasWords,
    EndsWithWords,
    CallMatches,
    ContainsAny,
    StartsWithAny,
    SensitiveName,
    IsPlaceholder,
}

thread_local! {
    /// Steps left for native evaluation of the current policy on the current target.
    static STEPS: std::cell::Cell<f64> = const { std::cell::Cell::new(NATIVE_BUDGET) };
}

/// Elements native evaluation visits for one policy on one target before it leaves the
/// decision to CEL, whose cost check (`cost.rs`) then refuses what is over its budget.
const NATIVE_BUDGET: f64 = crate::cost::BUDGET;

/// Gives native evaluation of one policy on one target its budget.
pub(crate) fn reset_budget() {
    STEPS.with(|s| s.set(NATIVE_BUDGET));
}

/// Takes `n` steps from the budget; false when it is spent.
fn spend(n: usize) -> bool {
    STEPS.with(|s| {
        let left = s.get() - n as f64;
        s.set(left);
        left >= 0.0
    })
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

/// What the compiler needs to resolve names, and the types they have.
pub(crate) struct Names<'a> {
    pub target: hooklint_model::Target,
    /// The element type of a plain-path `for_each`, bound as `it`.
    pub it: Option<Ty>,
    pub params: &'a serde_json::Map<String, serde_json::Value>,
    pub variables: &'a [Variable],
    pub locals: Vec<(String, Ty)>,
    pub depth: usize,
}

impl Names<'_> {
    pub fn compile(&mut self, expr: &IdedExpr) -> Term {
        if self.depth > 96 {
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
                            "starts_with_any" => Helper::StartsWithAny,
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
                let (true, Some((list, Ty::List(elem)))) =
                    (starts_false, self.typed_path(&c.iter_range))
                else {
                    return Term::Unknown;
                };
                self.locals.push((c.iter_var.clone(), *elem));
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
        if root != "variables" || self.locals.iter().any(|(l, _)| l == "variables") {
            return None;
        }
        let var = self.variables.iter().find(|v| v.name == *name)?;
        Some(self.compile(var.expr.program.expression()))
    }

    fn path(&self, expr: &IdedExpr) -> Option<Path> {
        self.typed_path(expr).map(|(path, _)| path)
    }

    /// The path of a chain of field selections on a bound name, resolved against the schema,
    /// and the type it reads.
    fn typed_path(&self, expr: &IdedExpr) -> Option<(Path, Ty)> {
        let segments = crate::schema::path_segments(expr)?;
        let (first, names) = segments.split_first()?;
        let (root, ty) = if let Some((_, ty)) = self.locals.iter().rev().find(|(l, _)| l == first) {
            (Root::Local(first.clone()), *ty)
        } else if first == self.target.binding() {
            (Root::Target, Ty::Obj(self.target.schema()))
        } else if first == "it" {
            (Root::It, self.it?)
        } else {
            return None;
        };
        let (fields, ty) = crate::schema::resolve(ty, names)?;
        Some((Path { root, fields }, ty))
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
    pub target: &'a dyn Fact,
    pub it: Option<&'a dyn Fact>,
    pub locals: Vec<(&'t str, FieldRef<'a>)>,
}

fn read<'a>(env: &Env<'a, '_>, path: &Path) -> FieldRef<'a> {
    let root = match &path.root {
        Root::Target => FieldRef::Obj(env.target),
        Root::It => match env.it {
            Some(it) => FieldRef::Obj(it),
            None => return FieldRef::Missing,
        },
        Root::Local(name) => match env.locals.iter().rev().find(|(n, _)| n == name) {
            Some((_, value)) => *value,
            None => return FieldRef::Missing,
        },
    };
    fact::read(root, &path.fields)
}

/// Three-valued `&&` (`decisive` false) and `||` (`decisive` true), evaluated lazily: the
/// first result equal to `decisive` decides; otherwise any unknown result makes it unknown.
fn decide(results: impl Iterator<Item = Option<bool>>, decisive: bool) -> Option<bool> {
    let mut decided = Some(!decisive);
    for r in results {
        match r {
            Some(b) if b == decisive => return Some(decisive),
            Some(_) => {}
            None => decided = None,
        }
    }
    decided
}

impl Term {
    /// `Some(b)` when the term is decided natively, `None` when only CEL can tell.
    pub fn eval<'t>(&'t self, env: &mut Env<'_, 't>) -> Option<bool> {
        match self {
            Term::Unknown => None,
            Term::Const(b) => Some(*b),
            Term::Bool(p) => match read(env, p) {
                FieldRef::Bool(b) => Some(b),
                _ => None,
            },
            Term::Not(t) => t.eval(env).map(|b| !b),
            Term::And(ts) => decide(ts.iter().map(|t| t.eval(env)), false),
            Term::Or(ts) => decide(ts.iter().map(|t| t.eval(env)), true),
            Term::Eq(p, s, eq) => match read(env, p) {
                FieldRef::Str(v) => Some((v == s) == *eq),
                _ => None,
            },
            Term::In(p, list) => match read(env, p) {
                FieldRef::Str(v) => Some(list.iter().any(|x| x == v)),
                _ => None,
            },
            Term::Helper(h, p, lists) => {
                let FieldRef::Str(v) = read(env, p) else { return None };
                let first = lists.first()?;
                Some(match h {
                    Helper::HasWords => hooklint_model::names::first_run(v, first).is_some(),
                    Helper::EndsWithWords => hooklint_model::names::ends_with_any(v, first),
                    Helper::CallMatches => functions::matches_call(v, first),
                    Helper::ContainsAny => {
                        let v = v.to_lowercase();
                        first.iter().any(|e| v.contains(&e.to_lowercase()))
                    }
                    Helper::StartsWithAny => first.iter().any(|e| v.starts_with(e.as_str())),
                    Helper::SensitiveName => functions::is_sensitive_name(v, first, lists.get(1)?),
                    Helper::IsPlaceholder => functions::looks_like_placeholder(v, first),
                })
            }
            Term::Exists(p, var, body) => {
                let FieldRef::List(items) = read(env, p) else { return None };
                // Over the budget, native evaluation gives up and CEL, with its cost check,
                // decides.
                if !spend(items.len()) {
                    return None;
                }
                let results = (0..items.len()).map(|i| {
                    env.locals.push((var.as_str(), items.at(i)));
                    let r = body.eval(env);
                    env.locals.pop();
                    r
                });
                decide(results, true)
            }
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Term::Unknown)
    }
}
