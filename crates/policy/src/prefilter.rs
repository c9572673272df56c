//! Native prefilters: the cheap parts of a policy checked in Rust before any CEL runs.
//!
//! Building a target's CEL value and evaluating one expression cost microseconds; reading a
//! bool field costs nanoseconds. So the loader reads simple shapes off the expressions' ASTs:
//! a `match` or `violation` that is a conjunction whose terms include `fn.is_webhook`,
//! `!fn.is_test` or `a || b` of such fields, a `for_each` that is a plain list path, and
//! `fn.LIST.exists(...)` terms (which need a non-empty list). A target that fails a prefilter
//! is skipped without building its CEL value. When every term of `match` and `violation` is
//! native (and there is no `for_each`), CEL is not evaluated for the decision at all.

use crate::load::Exprs;
use cel::common::ast::{operators, Expr as E, IdedExpr, LiteralValue};
use hooklint_model::fact::{self, Fact, FieldRef, Ty};
use hooklint_model::Target;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Atom {
    /// A bool field of the target (positions from the schema) has this value.
    Bool(Vec<usize>, bool),
    /// A list field of the target is not empty.
    NonEmpty(Vec<usize>),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Prefilter {
    /// Every clause must hold: a clause holds when one of its atoms does.
    pub clauses: Vec<Vec<Atom>>,
    /// `match` is decided by the clauses alone (absent counts as decided).
    pub match_native: bool,
    /// `violation` is decided by the clauses alone.
    pub violation_native: bool,
    /// `for_each` is a plain list path of the target: its positions, and its element type.
    pub for_each_path: Option<(Vec<usize>, Ty)>,
}

impl Prefilter {
    pub fn build(target: Target, exprs: &Exprs) -> Prefilter {
        let mut pre = Prefilter::default();
        pre.match_native = match &exprs.match_ {
            Some(m) => pre.add_terms(target, m.program.expression()),
            None => true,
        };
        pre.violation_native = pre.add_terms(target, exprs.violation.program.expression());
        if let Some(fe) = &exprs.for_each {
            if let Some((path, Ty::List(elem))) = resolve(target, fe.program.expression()) {
                pre.clauses.push(vec![Atom::NonEmpty(path.clone())]);
                pre.for_each_path = Some((path, *elem));
            }
            pre.violation_native = false;
        }
        pre
    }

    /// Adds the native terms of a conjunction; true when every term was native and exact.
    fn add_terms(&mut self, target: Target, expr: &IdedExpr) -> bool {
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

    /// Whether the target's facts can pass: false only when some clause is known to fail.
    pub fn admits(&self, facts: &dyn Fact) -> bool {
        self.clauses.iter().all(|c| c.iter().any(|a| atom_holds(a, facts)))
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

fn clause(target: Target, expr: &IdedExpr) -> Option<Vec<Atom>> {
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

fn atom(target: Target, expr: &IdedExpr) -> Option<Atom> {
    match &expr.expr {
        E::Call(call) if call.func_name == operators::LOGICAL_NOT && call.args.len() == 1 => {
            match atom(target, call.args.first()?)? {
                Atom::Bool(f, v) => Some(Atom::Bool(f, !v)),
                Atom::NonEmpty(_) => None,
            }
        }
        E::Literal(LiteralValue::Boolean(_)) => None,
        _ => match resolve(target, expr)? {
            (path, Ty::Bool) => Some(Atom::Bool(path, true)),
            _ => None,
        },
    }
}

/// `fn.LIST.exists(x, ...)`: the macro expands to a comprehension starting from `false`.
fn exists_over(target: Target, expr: &IdedExpr) -> Option<Vec<usize>> {
    let E::Comprehension(c) = &expr.expr else { return None };
    if !matches!(c.accu_init.expr, E::Literal(LiteralValue::Boolean(ref b)) if !*b.inner()) {
        return None;
    }
    match resolve(target, &c.iter_range)? {
        (path, Ty::List(_)) => Some(path),
        _ => None,
    }
}

/// A field path on the target (`fn.body.parses`) as schema positions, and its type.
fn resolve(target: Target, expr: &IdedExpr) -> Option<(Vec<usize>, Ty)> {
    let segments = crate::schema::path_segments(expr)?;
    let (first, names) = segments.split_first()?;
    if first != target.binding() {
        return None;
    }
    crate::schema::resolve(Ty::Obj(target.schema()), names)
}

fn atom_holds(a: &Atom, facts: &dyn Fact) -> bool {
    match a {
        Atom::Bool(path, want) => match fact::read(FieldRef::Obj(facts), path) {
            FieldRef::Bool(v) => v == *want,
            _ => true,
        },
        Atom::NonEmpty(path) => match fact::read(FieldRef::Obj(facts), path) {
            FieldRef::List(items) => !items.is_empty(),
            _ => true,
        },
    }
}
