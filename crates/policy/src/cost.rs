//! A budget for CEL, as Kubernetes bounds CEL by estimated cost: before a policy runs on a
//! target, its worst-case cost on that target is estimated from the sizes of the target's
//! lists, and over [`BUDGET`] the policy is skipped on that target with a `too-complex`
//! problem instead of running for minutes.
//!
//! The estimate is an upper bound: a comprehension costs its range's length times its body; a
//! list built by `map` or `filter` is as long as its range; `+` of lists adds their lengths;
//! a list field of the fact model is as long as the longest list under that field name in the
//! target (`calls`, `args`...), and a value of unknown shape holds lists as long as the
//! longest list anywhere in it. Strings count as one (operations on them are linear in the
//! input) unless a policy splits them into lists. `params` are constants. Appending to a
//! comprehension's accumulator is amortised O(1), as in the interpreter.
//!
//! When a policy loads, the same estimate as a polynomial in `n`, the longest list, says
//! whether its cost can grow faster than the target at all (nested loops); only those
//! policies are checked per target, so ordinary policies cost nothing extra.

use std::collections::HashMap;

use cel::common::ast::{CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr};
use cel::common::value::{BuiltinRef, Val};

use hooklint_model::fact::Ty;

/// Estimated cost units (about one interpreter step each) one policy may spend on one target:
/// about 1.5 s of CEL on a 2-core machine of 2025 (a step costs 300 to 600 ns), which no
/// built-in policy comes near on real code (none is refused on the 19,500 files of a cargo
/// registry).
pub const BUDGET: f64 = 5_000_000.0;

/// What the estimate computes with: a polynomial in `n` when a policy loads, a number for a
/// target.
pub(crate) trait Measure: Clone + std::fmt::Debug {
    fn constant(c: f64) -> Self;
    fn add(&self, other: &Self) -> Self;
    fn mul(&self, other: &Self) -> Self;
    fn max(&self, other: &Self) -> Self;
}

impl Measure for f64 {
    fn constant(c: f64) -> f64 {
        c
    }
    fn add(&self, other: &f64) -> f64 {
        self + other
    }
    fn mul(&self, other: &f64) -> f64 {
        self * other
    }
    fn max(&self, other: &f64) -> f64 {
        f64::max(*self, *other)
    }
}

/// `c[0] + c[1]·n + c[2]·n² + ...`, non-negative coefficients.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Poly(Vec<f64>);

impl Poly {
    /// `n`.
    fn n() -> Poly {
        Poly(vec![0.0, 1.0])
    }

    pub fn degree(&self) -> usize {
        self.0.iter().rposition(|&c| c > 0.0).unwrap_or(0)
    }

    #[cfg(test)]
    pub fn eval(&self, n: f64) -> f64 {
        self.0.iter().rev().fold(0.0, |acc, c| acc * n + c)
    }
}

impl Measure for Poly {
    fn constant(c: f64) -> Poly {
        Poly(vec![c])
    }

    fn add(&self, other: &Poly) -> Poly {
        let len = self.0.len().max(other.0.len());
        Poly(
            (0..len)
                .map(|i| self.0.get(i).unwrap_or(&0.0) + other.0.get(i).unwrap_or(&0.0))
                .collect(),
        )
    }

    fn mul(&self, other: &Poly) -> Poly {
        if self.0.is_empty() || other.0.is_empty() {
            return Poly::default();
        }
        let mut out = vec![0.0; self.0.len() + other.0.len() - 1];
        for (i, a) in self.0.iter().enumerate() {
            for (j, b) in other.0.iter().enumerate() {
                out[i + j] += a * b;
            }
        }
        // Terms past degree 8 fold into degree 8 (an over-estimate for n >= 1), so that a
        // pathological policy cannot grow the polynomial without bound.
        if out.len() > 9 {
            let extra: f64 = out[9..].iter().sum();
            out.truncate(9);
            out[8] += extra;
        }
        Poly(out)
    }

    fn max(&self, other: &Poly) -> Poly {
        let len = self.0.len().max(other.0.len());
        Poly(
            (0..len)
                .map(|i| f64::max(*self.0.get(i).unwrap_or(&0.0), *other.0.get(i).unwrap_or(&0.0)))
                .collect(),
        )
    }
}

/// The lengths the estimate reads: of the list under a field name, of any list, of strings.
pub(crate) trait Sizes<M> {
    /// The longest list under field `name` in the target.
    fn field(&self, name: &str) -> M;
    /// The longest list (or map) anywhere in the target.
    fn any(&self) -> M;
    /// The longest string in the target (for `split` and `words`).
    fn string(&self) -> M;
}

/// When a policy loads: every length is `n`.
pub(crate) struct Symbolic;

impl Sizes<Poly> for Symbolic {
    fn field(&self, _: &str) -> Poly {
        Poly::n()
    }
    fn any(&self) -> Poly {
        Poly::n()
    }
    fn string(&self) -> Poly {
        Poly::n()
    }
}

/// For one target: the lengths measured in its value.
#[derive(Debug, Default)]
pub(crate) struct Measured {
    by_field: HashMap<String, usize>,
    any: usize,
    string: usize,
}

impl Measured {
    /// Walks `value` once, without recursion: the longest list under each map key, the
    /// longest list or map, the longest string.
    pub fn of(value: &dyn Val) -> Measured {
        let mut out = Measured::default();
        let mut stack: Vec<&dyn Val> = vec![value];
        while let Some(v) = stack.pop() {
            match v.as_builtin() {
                BuiltinRef::List(list) => {
                    out.any = out.any.max(list.inner().len());
                    stack.extend(list.inner().iter().map(|b| &**b));
                }
                BuiltinRef::Map(map) => {
                    out.any = out.any.max(map.inner().len());
                    for (key, item) in map.inner() {
                        if let (BuiltinRef::List(list), Some(name)) = (
                            item.as_builtin(),
                            key.inner().downcast_ref::<cel::common::types::CelString>(),
                        ) {
                            let name = name.inner().to_string();
                            let slot = out.by_field.entry(name).or_insert(0);
                            *slot = (*slot).max(list.inner().len());
                        }
                        stack.push(&**item);
                    }
                }
                BuiltinRef::String(s) => out.string = out.string.max(s.inner().len()),
                _ => {}
            }
        }
        out
    }

    pub fn largest(&self) -> usize {
        self.any
    }
}

impl Sizes<f64> for Measured {
    fn field(&self, name: &str) -> f64 {
        self.by_field.get(name).copied().unwrap_or(0) as f64
    }
    fn any(&self) -> f64 {
        self.any as f64
    }
    fn string(&self) -> f64 {
        self.string as f64
    }
}

/// What an expression costs and how big its value can be.
#[derive(Debug, Clone)]
struct Bound<M> {
    cost: M,
    /// Length of the value (a list or a map).
    size: M,
    /// Length of any list or map nested in it.
    inner: M,
    /// Its type in the fact model, when known.
    ty: Option<Ty>,
    /// The type of its elements, when it is a list of known elements.
    elem: Option<Ty>,
}

/// A name in scope: its size, inner size and type.
type Binding<M> = (String, M, M, Option<Ty>);

/// Whether two schema types are the same (objects by identity).
fn same(a: Ty, b: Ty) -> bool {
    match (a, b) {
        (Ty::Bool, Ty::Bool) | (Ty::Int, Ty::Int) | (Ty::Str, Ty::Str) | (Ty::Any, Ty::Any) => true,
        (Ty::List(x), Ty::List(y)) | (Ty::Map(x), Ty::Map(y)) => same(*x, *y),
        (Ty::Obj(x), Ty::Obj(y)) => std::ptr::eq(x, y),
        _ => false,
    }
}

/// `filter`'s expansion: the step is `cond ? accu + [x] : accu`, keeping elements as they are.
fn is_filter(c: &ComprehensionExpr) -> bool {
    let Expr::Call(step) = &c.loop_step.expr else { return false };
    if step.func_name != "_?_:_" || step.args.len() != 3 {
        return false;
    }
    let Expr::Call(add) = &step.args[1].expr else { return false };
    if add.func_name != "_+_" || add.args.len() != 2 {
        return false;
    }
    let Expr::List(list) = &add.args[1].expr else { return false };
    matches!(list.elements.as_slice(), [e] if matches!(&e.expr, Expr::Ident(n) if *n == c.iter_var))
}

/// The estimate of one expression, given the names in scope.
struct Estimator<'a, M> {
    sizes: &'a dyn Sizes<M>,
    /// The target's binding (`fn`, `file`, `doc`, `project`) and its type.
    target: (&'static str, Ty),
    /// Variables (`variables.NAME`) estimated so far.
    variables: &'a [Binding<M>],
    /// `it`: an element of `for_each`.
    it: Option<Binding<M>>,
    /// The longest list or string of the policy's `params`.
    params: f64,
    /// Whether the expression turns strings into lists (`split`, `words`).
    splits_strings: bool,
}

impl<M: Measure> Estimator<'_, M> {
    fn one() -> M {
        M::constant(1.0)
    }

    fn scalar(cost: M) -> Bound<M> {
        Bound { cost, size: Self::one(), inner: Self::one(), ty: None, elem: None }
    }

    fn untyped(cost: M, size: M, inner: M) -> Bound<M> {
        Bound { cost, size, inner, ty: None, elem: None }
    }

    /// A value of unknown shape.
    fn unknown(&self) -> Bound<M> {
        Self::untyped(Self::one(), self.sizes.any(), self.sizes.any())
    }

    /// A value of type `ty` read at cost 1; `field` names it when it was selected by name.
    fn typed(&self, ty: Ty, field: Option<&str>) -> Bound<M> {
        let list = || field.map_or_else(|| self.sizes.any(), |f| self.sizes.field(f));
        let (size, inner) = match ty {
            Ty::Bool | Ty::Int | Ty::Str => (Self::one(), Self::one()),
            Ty::List(Ty::Bool | Ty::Int | Ty::Str) => (list(), Self::one()),
            Ty::List(_) | Ty::Any => (list(), self.sizes.any()),
            // Only lists are measured by field name: a map is as large as anything.
            Ty::Map(_) => (self.sizes.any(), self.sizes.any()),
            Ty::Obj(obj) => (M::constant(obj.len as f64), self.sizes.any()),
        };
        let elem = match ty {
            Ty::List(e) => Some(*e),
            _ => None,
        };
        Bound { cost: Self::one(), size, inner, ty: Some(ty), elem }
    }

    fn bound(&self, binding: &Binding<M>) -> Bound<M> {
        match binding.3 {
            // A list keeps the length it was bound with (`filter`'s result).
            Some(ty @ Ty::List(_)) => Bound { size: binding.1.clone(), ..self.typed(ty, None) },
            Some(ty) => self.typed(ty, None),
            None => Self::untyped(Self::one(), binding.1.clone(), binding.2.clone()),
        }
    }

    fn walk(&mut self, expr: &IdedExpr, scope: &mut Vec<Binding<M>>) -> Bound<M> {
        match &expr.expr {
            Expr::Literal(_) => Self::scalar(Self::one()),
            Expr::Ident(name) => {
                if let Some(binding) = scope.iter().rev().find(|b| &b.0 == name) {
                    return self.bound(binding);
                }
                if name == "it" {
                    if let Some(binding) = self.it.clone() {
                        return self.bound(&binding);
                    }
                }
                if name == self.target.0 {
                    return self.typed(self.target.1, None);
                }
                self.unknown()
            }
            Expr::Select(select) => {
                if let Expr::Ident(root) = &select.operand.expr {
                    if root == "variables" {
                        if let Some(binding) = self.variables.iter().find(|b| b.0 == select.field) {
                            return self.bound(binding);
                        }
                    }
                    if root == "params" {
                        let p = M::constant(self.params.max(1.0));
                        return Self::untyped(Self::one(), p.clone(), p);
                    }
                }
                let operand = self.walk(&select.operand, scope);
                let field = match operand.ty {
                    Some(Ty::Obj(obj)) => obj.lookup(&select.field).map(|(_, f)| f.ty),
                    _ => None,
                };
                match field {
                    Some(ty) => Bound {
                        cost: operand.cost.add(&Self::one()),
                        ..self.typed(ty, Some(&select.field))
                    },
                    None => Self::untyped(
                        operand.cost.add(&Self::one()),
                        operand.inner.clone(),
                        operand.inner,
                    ),
                }
            }
            Expr::List(list) => {
                let mut cost = Self::one();
                let mut inner = Self::one();
                let mut elem: Option<Option<Ty>> = None;
                for e in &list.elements {
                    let b = self.walk(e, scope);
                    cost = cost.add(&b.cost);
                    inner = inner.max(&b.size).max(&b.inner);
                    // Elements all of one known type keep it (`[it.left, it.right]`).
                    elem = Some(match (elem, b.ty) {
                        (None, ty) => ty,
                        (Some(Some(a)), Some(b)) if same(a, b) => Some(a),
                        _ => None,
                    });
                }
                let size = M::constant((list.elements.len() as f64).max(1.0));
                Bound { elem: elem.flatten(), ..Self::untyped(cost, size, inner) }
            }
            Expr::Map(map) => {
                let mut cost = Self::one();
                let mut inner = Self::one();
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(e) = &entry.expr {
                        for part in [&e.key, &e.value] {
                            let b = self.walk(part, scope);
                            cost = cost.add(&b.cost);
                            inner = inner.max(&b.size).max(&b.inner);
                        }
                    }
                }
                let size = M::constant((map.entries.len() as f64).max(1.0));
                Self::untyped(cost, size, inner)
            }
            Expr::Struct(st) => {
                let mut cost = Self::one();
                for entry in &st.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        cost = cost.add(&self.walk(&f.value, scope).cost);
                    }
                }
                Self::scalar(cost)
            }
            Expr::Comprehension(c) => self.comprehension(c, scope),
            Expr::Call(call) => self.call(call, scope),
            #[allow(unreachable_patterns)]
            _ => self.unknown(),
        }
    }

    fn comprehension(&mut self, c: &ComprehensionExpr, scope: &mut Vec<Binding<M>>) -> Bound<M> {
        let range = self.walk(&c.iter_range, scope);
        let init = self.walk(&c.accu_init, scope);
        let elem = match range.elem {
            Some(ty) => {
                let b = self.typed(ty, None);
                (c.iter_var.clone(), b.size, b.inner, Some(ty))
            }
            None => (c.iter_var.clone(), range.inner.clone(), range.inner.clone(), None),
        };
        let (elem_size, elem_inner) = (elem.1.clone(), elem.2.clone());
        scope.push(elem);
        if let Some(var2) = &c.iter_var2 {
            scope.push((var2.clone(), elem_size, elem_inner, None));
        }
        // The accumulator of `map` and `filter` grows to the range's length; what it holds is
        // known once the step is.
        let accu_size = range.size.max(&init.size);
        scope.push((c.accu_var.clone(), accu_size.clone(), Self::one(), None));
        let cond = self.walk(&c.loop_cond, scope);
        let step = self.step(&c.loop_step, &c.accu_var, scope);
        scope.pop();
        let accu_inner = step.inner.max(&init.inner);
        let filter = is_filter(c);
        let accu_ty = if filter { range.ty } else { None };
        scope.push((c.accu_var.clone(), accu_size.clone(), accu_inner.clone(), accu_ty));
        let result = self.walk(&c.result, scope);
        scope.pop();
        if c.iter_var2.is_some() {
            scope.pop();
        }
        scope.pop();
        let per_item = cond.cost.add(&step.cost).add(&Self::one());
        let cost = range.cost.add(&init.cost).add(&range.size.mul(&per_item)).add(&result.cost);
        if filter {
            return Bound {
                cost,
                size: accu_size,
                inner: accu_inner,
                ty: range.ty,
                elem: range.elem,
            };
        }
        Bound { cost, ..result }
    }

    /// A comprehension's step: `accu + [x]` appends in amortised O(1).
    fn step(&mut self, step: &IdedExpr, accu: &str, scope: &mut Vec<Binding<M>>) -> Bound<M> {
        if let Expr::Call(call) = &step.expr {
            if call.func_name == "_+_" && call.args.len() == 2 {
                if let Expr::Ident(name) = &call.args[0].expr {
                    if name == accu {
                        let added = self.walk(&call.args[1], scope);
                        return Self::untyped(added.cost.add(&added.size), added.size, added.inner);
                    }
                }
            }
            if call.func_name == "_?_:_" && call.args.len() == 3 {
                let cond = self.walk(&call.args[0], scope);
                let a = self.step(&call.args[1], accu, scope);
                let b = self.step(&call.args[2], accu, scope);
                return Self::untyped(
                    cond.cost.add(&a.cost).add(&b.cost),
                    a.size.max(&b.size),
                    a.inner.max(&b.inner),
                );
            }
        }
        self.walk(step, scope)
    }

    fn call(&mut self, call: &CallExpr, scope: &mut Vec<Binding<M>>) -> Bound<M> {
        let mut args: Vec<Bound<M>> = Vec::new();
        if let Some(target) = &call.target {
            args.push(self.walk(target, scope));
        }
        for a in &call.args {
            args.push(self.walk(a, scope));
        }
        let one = Self::one();
        let mut cost = one.clone();
        for a in &args {
            cost = cost.add(&a.cost);
        }
        let sizes = || args.iter().fold(M::constant(0.0), |acc, a| acc.add(&a.size));
        match call.func_name.as_str() {
            "size"
            | "has"
            | "_&&_"
            | "_||_"
            | "!_"
            | "@not_strictly_false"
            | "_<_"
            | "_<=_"
            | "_>_"
            | "_>=_"
            | "-_"
            | "_-_"
            | "_*_"
            | "_/_"
            | "_%_"
            | "int"
            | "uint"
            | "double"
            | "bool"
            | "type"
            | "duration"
            | "timestamp" => Self::scalar(cost),
            "_?_:_" => {
                let size = args.iter().skip(1).fold(one.clone(), |acc, a| acc.max(&a.size));
                let inner = args.iter().skip(1).fold(one, |acc, a| acc.max(&a.inner));
                Self::untyped(cost, size, inner)
            }
            "_+_" => {
                let size = sizes();
                let inner = args.iter().fold(one, |acc, a| acc.max(&a.inner));
                Self::untyped(cost.add(&size), size, inner)
            }
            "_==_" | "_!=_" | "@in" => Self::scalar(cost.add(&sizes())),
            "_[_]" | "_[?_]" => match args.first().and_then(|a| a.elem) {
                Some(ty) => Bound { cost, ..self.typed(ty, None) },
                None => {
                    let inner = args.first().map_or_else(|| self.sizes.any(), |a| a.inner.clone());
                    Self::untyped(cost, inner.clone(), inner)
                }
            },
            "split" | "words" => {
                // A string becomes a list as long as the longest string.
                self.splits_strings = true;
                let size = self.sizes.string();
                Self::untyped(cost.add(&size), size, one)
            }
            "string" | "lowerAscii" | "upperAscii" | "trim" | "substring" | "charAt"
            | "reverse" | "quote" | "format" | "base64.encode" | "base64.decode" | "join" => {
                Self::scalar(cost.add(&sizes()))
            }
            _ => {
                // Any other function (matching, `replace`, organisation helpers): the product
                // of its arguments' lengths, with a result of that length.
                let product = args.iter().fold(one.clone(), |acc, a| acc.mul(&a.size.add(&one)));
                Self::untyped(cost.add(&product), product.clone(), product)
            }
        }
    }
}

/// The estimate of a policy on a target: `fixed + items * per_item`.
#[derive(Debug, Clone)]
pub(crate) struct Parts<M> {
    /// `match`, the target-level variables and `for_each`, once per target.
    pub fixed: M,
    /// `violation`, the per-item variables and the report (message, span, labels,
    /// `escalate`, `confidence`), once per `for_each` element (or once without `for_each`).
    pub per_item: M,
    /// Elements of `for_each` (1 without one).
    pub items: M,
}

/// Estimates every expression of `policy`, in the order they run, with `sizes`.
fn estimate<M: Measure>(policy: &crate::load::Policy, sizes: &dyn Sizes<M>) -> (Parts<M>, bool) {
    let target = policy.info.target;
    let target: (&'static str, Ty) = (target.binding(), Ty::Obj(target.schema()));
    let exprs = &policy.exprs;
    // Params are constants: their longest list or string.
    let params = Measured::of(policy.params.as_ref());
    let params = params.any.max(params.string) as f64;
    let mut variables: Vec<Binding<M>> = Vec::new();
    let zero = M::constant(0.0);
    let mut out = Parts { fixed: zero.clone(), per_item: zero, items: M::constant(1.0) };
    let mut splits = false;
    let mut run = |expr: &IdedExpr, variables: &[Binding<M>], it: Option<Binding<M>>| {
        let mut e = Estimator { sizes, target, variables, it, params, splits_strings: false };
        let mut scope = Vec::new();
        let b = e.walk(expr, &mut scope);
        splits |= e.splits_strings;
        b
    };
    if let Some(m) = &exprs.match_ {
        out.fixed = out.fixed.add(&run(m.program.expression(), &variables, None).cost);
    }
    for var in exprs.variables.iter().filter(|v| !v.per_item) {
        let b = run(var.expr.program.expression(), &variables, None);
        out.fixed = out.fixed.add(&b.cost);
        variables.push((var.name.clone(), b.size, b.inner, b.ty));
    }
    let mut it = None;
    if let Some(for_each) = &exprs.for_each {
        let b = run(for_each.program.expression(), &variables, None);
        out.fixed = out.fixed.add(&b.cost);
        out.items = b.size;
        it = Some(match b.elem {
            Some(ty) => ("it".to_string(), b.inner.clone(), b.inner, Some(ty)),
            None => ("it".to_string(), b.inner.clone(), b.inner, None),
        });
    }
    for var in exprs.variables.iter().filter(|v| v.per_item) {
        let b = run(var.expr.program.expression(), &variables, it.clone());
        out.per_item = out.per_item.add(&b.cost);
        variables.push((var.name.clone(), b.size, b.inner, b.ty));
    }
    let report = [
        Some(&exprs.violation),
        exprs.span.as_ref(),
        exprs.labels.as_ref(),
        exprs.escalate.as_ref(),
        exprs.confidence.as_ref(),
    ];
    let parts = exprs.template_exprs();
    for expr in report.into_iter().flatten().chain(parts) {
        let b = run(expr.program.expression(), &variables, it.clone());
        out.per_item = out.per_item.add(&b.cost);
    }
    (out, splits)
}

/// What the loader knows of a policy's cost.
#[derive(Debug, Clone)]
pub(crate) struct PolicyCost {
    symbolic: Parts<Poly>,
}

impl PolicyCost {
    /// Only a policy whose cost can grow faster than the target is ever worth checking.
    pub fn needs_check(&self) -> bool {
        let p = &self.symbolic;
        p.fixed.degree() >= 2 || p.items.mul(&p.per_item).degree() >= 2
    }

    /// The estimate on a target with these lengths; `items` is the number of `for_each`
    /// elements that will be evaluated, when known.
    pub fn total(policy: &crate::load::Policy, sizes: &Measured, items: Option<usize>) -> f64 {
        let (parts, _) = estimate::<f64>(policy, sizes);
        let items = items.map_or(parts.items, |k| k as f64);
        parts.fixed + items * parts.per_item
    }
}

/// The loader's estimate of `policy`.
pub(crate) fn of_policy(policy: &crate::load::Policy) -> PolicyCost {
    PolicyCost { symbolic: estimate::<Poly>(policy, &Symbolic).0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(source: &str) -> Poly {
        let env = crate::functions::env();
        let program = env.compile(source).unwrap();
        let target = if source.starts_with("project") {
            ("project", Ty::Obj(hooklint_model::Target::Project.schema()))
        } else {
            ("fn", Ty::Obj(hooklint_model::Target::RustFunction.schema()))
        };
        let mut e = Estimator {
            sizes: &Symbolic,
            target,
            variables: &[],
            it: None,
            params: 20.0,
            splits_strings: false,
        };
        e.walk(program.expression(), &mut Vec::new()).cost
    }

    /// A function with `calls` calls of `args` arguments each.
    fn function(calls: usize, args: usize) -> hooklint_model::Function {
        let call = hooklint_model::Call {
            name: "danger_accept_invalid_certs".into(),
            args: vec!["true".into(); args],
            ..hooklint_model::Call::default()
        };
        hooklint_model::Function { calls: vec![call; calls], ..hooklint_model::Function::default() }
    }

    #[test]
    fn nesting_decides_the_degree() {
        assert_eq!(estimate("fn.name == 'x'").degree(), 0);
        assert_eq!(estimate("fn.calls.exists(c, c.name == 'x')").degree(), 1);
        assert_eq!(estimate("fn.calls.map(c, c.name).exists(n, n == 'x')").degree(), 1);
        assert_eq!(estimate("fn.calls.all(a, fn.calls.all(b, a.name != b.name))").degree(), 2);
        let triple = "project.functions.all(a, project.functions.all(b, \
                      project.functions.exists(c, a == b && b == c)))";
        assert!(estimate(triple).degree() >= 3);
        assert_eq!(estimate("[it.left, it.right].exists(o, o.sensitive)").degree(), 0);
        // Strings and params are not lists of the target: one loop stays linear.
        let reach = "fn.reaches.exists(r, call_matches(r, params.clock_calls))";
        assert_eq!(estimate(reach).degree(), 1);
        let args = "fn.calls.exists(c, c.args.exists(a, a.endsWith('NONE')))";
        assert_eq!(estimate(args).degree(), 2);
    }

    #[test]
    fn built_in_policies_fit_the_budget_on_large_ordinary_targets() {
        let set = crate::PolicySet::builtin().unwrap();
        // A large function: 3,000 calls of 3 arguments each, 30 of which the native
        // prefilter leaves to CEL.
        let f = function(3_000, 3);
        let value = crate::value::fact(&f);
        let sizes = Measured::of(value.as_ref());
        for policy in &set.policies {
            let total = PolicyCost::total(policy, &sizes, Some(30));
            assert!(total < BUDGET, "{}: {total}", policy.info.id);
        }
        // Every one of them evaluated (all named `assertion` in a `verify_server_cert`) really
        // is quadratic, and over.
        let tls = set.policies.iter().find(|p| p.info.id == "tls/verification-disabled").unwrap();
        assert!(PolicyCost::total(tls, &sizes, None) > BUDGET);
    }

    #[test]
    fn the_budget_separates_small_targets_from_big_ones() {
        let nested = estimate("fn.calls.all(a, fn.calls.all(b, a.name != b.name))");
        assert!(nested.eval(20.0) < BUDGET);
        assert!(nested.eval(40_000.0) > BUDGET);
    }

    #[test]
    fn list_lengths_are_measured_by_field() {
        let value = cel::to_value(
            serde_json::json!({"a": [1, 2, 3], "b": {"c": [[1, 2, 3, 4, 5]]}, "s": "abcdefghij"}),
        )
        .unwrap();
        let value = Box::<dyn Val>::try_from(value).unwrap();
        let sizes = Measured::of(value.as_ref());
        assert_eq!(sizes.largest(), 5);
        assert_eq!(Sizes::<f64>::field(&sizes, "a"), 3.0);
        assert_eq!(Sizes::<f64>::field(&sizes, "c"), 1.0);
        assert_eq!(Sizes::<f64>::string(&sizes), 10.0);
    }
}
