//! Native prefilters: the cheap parts of a policy checked in Rust before any CEL runs.
//!
//! Building a target's CEL value and evaluating one expression cost microseconds; reading a
//! bool field costs nanoseconds. So the loader reads simple shapes off the expressions' ASTs:
//! a `match` or `violation` that is a conjunction whose terms include `fn.is_webhook`,
//! `!fn.is_test` or `a || b` of such fields, a `for_each` that is a plain list path, and
//! `fn.LIST.exists(...)` terms (which need a non-empty list). A target that fails a prefilter
//! is skipped without building its CEL value. When every term of `match` and `violation` is
//! native (and there is no `for_each`), CEL is not evaluated for the decision at all.

use crate::load::Expr;
use cel::common::ast::{operators, Expr as E, IdedExpr, LiteralValue};
use hooklint_model::{Function, RustFile};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BoolField {
    FnIsTest,
    FnIsAsync,
    FnIsHandler,
    FnIsWebhook,
    FnVerifies,
    FnReachesSensitiveCompare,
    FileIsTest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Atom {
    Bool(BoolField, bool),
    NonEmpty(Vec<String>),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Prefilter {
    /// Every clause must hold: a clause holds when one of its atoms does.
    pub clauses: Vec<Vec<Atom>>,
    /// `match` is decided by the clauses alone (absent counts as decided).
    pub match_native: bool,
    /// `violation` is decided by the clauses alone.
    pub violation_native: bool,
    /// `for_each` is a plain list path of the target.
    pub for_each_path: Option<Vec<String>>,
}

impl Prefilter {
    pub fn build(
        target: Option<&str>,
        match_: Option<&Expr>,
        for_each: Option<&Expr>,
        violation: &Expr,
    ) -> Prefilter {
        let Some(target) = target else { return Prefilter::default() };
        let mut pre = Prefilter::default();
        pre.match_native = match match_ {
            Some(m) => pre.add_terms(target, m.program.expression()),
            None => true,
        };
        pre.violation_native = pre.add_terms(target, violation.program.expression());
        if let Some(fe) = for_each {
            if let Some(path) = crate::schema::path_segments(fe.program.expression()) {
                if path.first().map(String::as_str) == Some(target) && list_path(&path) {
                    pre.clauses.push(vec![Atom::NonEmpty(path.clone())]);
                    pre.for_each_path = Some(path);
                }
            }
            pre.violation_native = false;
        }
        pre
    }

    /// Adds the native terms of a conjunction; true when every term was native and exact.
    fn add_terms(&mut self, target: &str, expr: &IdedExpr) -> bool {
        let mut terms = Vec::new();
        conjuncts(expr, &mut terms);
        let mut exact = true;
        for term in terms {
            if let Some(clause) = clause(target, term) {
                self.clauses.push(clause);
            } else if let Some(path) = exists_over(target, term) {
                self.clauses.push(vec![Atom::NonEmpty(path)]);
                exact = false;
            } else {
                exact = false;
            }
        }
        exact
    }

    pub fn admits_function(&self, f: &Function) -> bool {
        self.clauses.iter().all(|c| c.iter().any(|a| atom_fn(a, f)))
    }

    pub fn admits_file(&self, file: &RustFile) -> bool {
        self.clauses.iter().all(|c| c.iter().any(|a| atom_file(a, file)))
    }
}

fn conjuncts<'e>(expr: &'e IdedExpr, out: &mut Vec<&'e IdedExpr>) {
    if let E::Call(call) = &expr.expr {
        if call.func_name == operators::LOGICAL_AND && call.args.len() == 2 && call.target.is_none()
        {
            for a in &call.args {
                conjuncts(a, out);
            }
            return;
        }
    }
    out.push(expr);
}

fn clause(target: &str, expr: &IdedExpr) -> Option<Vec<Atom>> {
    if let E::Call(call) = &expr.expr {
        if call.func_name == operators::LOGICAL_OR && call.args.len() == 2 {
            let mut atoms = Vec::new();
            for a in &call.args {
                atoms.extend(clause(target, a)?);
            }
            return Some(atoms);
        }
    }
    atom(target, expr).map(|a| vec![a])
}

fn atom(target: &str, expr: &IdedExpr) -> Option<Atom> {
    match &expr.expr {
        E::Call(call) if call.func_name == operators::LOGICAL_NOT && call.args.len() == 1 => {
            match atom(target, call.args.first()?)? {
                Atom::Bool(f, v) => Some(Atom::Bool(f, !v)),
                Atom::NonEmpty(_) => None,
            }
        }
        E::Literal(LiteralValue::Boolean(_)) => None,
        _ => {
            let path = crate::schema::path_segments(expr)?;
            let field =
                match (target, path.iter().map(String::as_str).collect::<Vec<_>>().as_slice()) {
                    ("fn", ["fn", "is_test"]) => BoolField::FnIsTest,
                    ("fn", ["fn", "is_async"]) => BoolField::FnIsAsync,
                    ("fn", ["fn", "is_handler"]) => BoolField::FnIsHandler,
                    ("fn", ["fn", "is_webhook"]) => BoolField::FnIsWebhook,
                    ("fn", ["fn", "verifies"]) => BoolField::FnVerifies,
                    ("fn", ["fn", "reaches_sensitive_compare"]) => {
                        BoolField::FnReachesSensitiveCompare
                    }
                    ("file", ["file", "is_test"]) => BoolField::FileIsTest,
                    _ => return None,
                };
            Some(Atom::Bool(field, true))
        }
    }
}

/// `fn.LIST.exists(x, ...)`: the macro expands to a comprehension starting from `false`.
fn exists_over(target: &str, expr: &IdedExpr) -> Option<Vec<String>> {
    let E::Comprehension(c) = &expr.expr else { return None };
    if !matches!(c.accu_init.expr, E::Literal(LiteralValue::Boolean(ref b)) if !*b.inner()) {
        return None;
    }
    let path = crate::schema::path_segments(&c.iter_range)?;
    (path.first().map(String::as_str) == Some(target) && list_path(&path)).then_some(path)
}

fn list_path(path: &[String]) -> bool {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    fn_list_len(&Function::default(), &p).is_some()
        || file_list_len(&RustFile::default(), &p).is_some()
}

pub(crate) fn fn_list_len(f: &Function, path: &[&str]) -> Option<usize> {
    Some(match path {
        ["fn", "attributes"] => f.attributes.len(),
        ["fn", "routes"] => f.routes.len(),
        ["fn", "params"] => f.params.len(),
        ["fn", "webhook_reasons"] => f.webhook_reasons.len(),
        ["fn", "headers_read"] => f.headers_read.len(),
        ["fn", "calls"] => f.calls.len(),
        ["fn", "reaches"] => f.reaches.len(),
        ["fn", "reaches_headers"] => f.reaches_headers.len(),
        ["fn", "verified_by"] => f.verified_by.len(),
        ["fn", "verifications"] => f.verifications.len(),
        ["fn", "receiver", "methods"] => f.receiver.methods.len(),
        ["fn", "receiver", "user_auth"] => f.receiver.user_auth.len(),
        ["fn", "receiver", "signs"] => f.receiver.signs.len(),
        ["fn", "receiver", "weak_signs"] => f.receiver.weak_signs.len(),
        ["fn", "receiver", "excluded"] => f.receiver.excluded.len(),
        ["fn", "compares"] => f.compares.len(),
        ["fn", "literals"] => f.literals.len(),
        ["fn", "logs"] => f.logs.len(),
        ["fn", "ip_sources"] => f.ip_sources.len(),
        ["fn", "body", "parses"] => f.body.parses.len(),
        _ => return None,
    })
}

pub(crate) fn file_list_len(file: &RustFile, path: &[&str]) -> Option<usize> {
    Some(match path {
        ["file", "literals"] => file.literals.len(),
        ["file", "all_literals"] => {
            file.literals.len() + file.functions.iter().map(|f| f.literals.len()).sum::<usize>()
        }
        _ => return None,
    })
}

fn atom_fn(a: &Atom, f: &Function) -> bool {
    match a {
        Atom::Bool(field, want) => {
            let v = match field {
                BoolField::FnIsTest => f.is_test,
                BoolField::FnIsAsync => f.is_async,
                BoolField::FnIsHandler => f.is_handler,
                BoolField::FnIsWebhook => f.is_webhook,
                BoolField::FnVerifies => f.verifies,
                BoolField::FnReachesSensitiveCompare => f.reaches_sensitive_compare,
                BoolField::FileIsTest => return true,
            };
            v == *want
        }
        Atom::NonEmpty(path) => {
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            fn_list_len(f, &p).is_none_or(|n| n > 0)
        }
    }
}

fn atom_file(a: &Atom, file: &RustFile) -> bool {
    match a {
        Atom::Bool(BoolField::FileIsTest, want) => file.is_test == *want,
        Atom::Bool(..) => true,
        Atom::NonEmpty(path) => {
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            file_list_len(file, &p).is_none_or(|n| n > 0)
        }
    }
}
