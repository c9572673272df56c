//! A budget for CEL, as Kubernetes bounds CEL by estimated cost: each compiled policy gets a
//! worst-case cost as a polynomial in `n`, the length of the largest list (or map, or string
//! split into words) in the target it runs on; before a policy runs on a target, the engine
//! evaluates that polynomial with the target's real `n` and skips the policy on that target,
//! with a `too-complex` problem, when it exceeds [`BUDGET`].
//!
//! The estimate is an upper bound: a comprehension costs its range's size times its body; a
//! list built by `map` or `filter` is as long as its range; `+` of lists adds their lengths;
//! a value read from the target, `it`, `params` or a variable holds lists of at most `n`.
//! Appending to a comprehension's accumulator counts as amortised O(1), as the interpreter
//! does it. Only policies whose cost grows faster than the target (nested loops) are ever
//! checked, so ordinary policies cost nothing extra.

use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use cel::common::value::{BuiltinRef, Val};

use crate::schema::Ty;

/// Estimated cost units (about one interpreter step each) one policy may spend on one target.
pub const BUDGET: f64 = 50_000_000.0;

/// `c[0] + c[1]·n + c[2]·n² + ...`, non-negative coefficients.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Poly(Vec<f64>);

impl Poly {
    fn constant(c: f64) -> Poly {
        Poly(vec![c])
    }

    /// `n`.
    fn n() -> Poly {
        Poly(vec![0.0, 1.0])
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
        // Keep degrees small: terms past degree 8 fold into degree 8 (an over-estimate for
        // n >= 1), so that a pathological policy cannot grow the polynomial without bound.
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
                .map(|i| self.0.get(i).unwrap_or(&0.0).max(*other.0.get(i).unwrap_or(&0.0)))
                .collect(),
        )
    }

    pub fn degree(&self) -> usize {
        self.0.iter().rposition(|&c| c > 0.0).unwrap_or(0)
    }

    pub fn eval(&self, n: f64) -> f64 {
        self.0.iter().rev().fold(0.0, |acc, c| acc * n + c)
    }
}

/// What an expression costs and how big its value can be. Strings count as one: operations
/// on them are linear in the input, and only lists and maps make loops.
#[derive(Debug, Clone, Default)]
struct Bound {
    cost: Poly,
    /// Length of the value (a list or a map).
    size: Poly,
    /// Length of any list or map nested in it.
    inner: Poly,
    /// Its type in the fact model, when known.
    ty: Option<Ty>,
    /// The type of its elements, when it is a list of known elements.
    elem: Option<Ty>,
}

impl Bound {
    /// A value of unknown shape: lists of up to `n` all the way down.
    fn fact() -> Bound {
        Bound { cost: Poly::constant(1.0), size: Poly::n(), inner: Poly::n(), ty: None, elem: None }
    }

    fn scalar(cost: Poly) -> Bound {
        let one = Poly::constant(1.0);
        Bound { cost, size: one.clone(), inner: one, ty: None, elem: None }
    }

    fn untyped(cost: Poly, size: Poly, inner: Poly) -> Bound {
        Bound { cost, size, inner, ty: None, elem: None }
    }

    /// A value of the fact model of type `ty`, read at cost 1.
    fn typed(ty: Ty) -> Bound {
        let (size, inner) = match ty {
            Ty::Bool | Ty::Int | Ty::Str => (Poly::constant(1.0), Poly::constant(1.0)),
            Ty::List(Ty::Bool | Ty::Int | Ty::Str) => (Poly::n(), Poly::constant(1.0)),
            Ty::List(_) | Ty::Any => (Poly::n(), Poly::n()),
            Ty::Obj(obj) => (Poly::constant(obj.fields.len() as f64), Poly::n()),
        };
        let elem = match ty {
            Ty::List(e) => Some(*e),
            _ => None,
        };
        Bound { cost: Poly::constant(1.0), size, inner, ty: Some(ty), elem }
    }
}

/// Whether two schema types are the same (objects by identity).
fn same(a: Ty, b: Ty) -> bool {
    match (a, b) {
        (Ty::Bool, Ty::Bool) | (Ty::Int, Ty::Int) | (Ty::Str, Ty::Str) | (Ty::Any, Ty::Any) => true,
        (Ty::List(x), Ty::List(y)) => same(*x, *y),
        (Ty::Obj(x), Ty::Obj(y)) => std::ptr::eq(x, y),
        _ => false,
    }
}

/// `filter`'s expansion: the step is `cond ? accu + [x] : accu`, keeping elements as they are.
fn is_filter(c: &cel::common::ast::ComprehensionExpr) -> bool {
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

/// A name in scope: its size, inner size and type.
type Binding = (String, Poly, Poly, Option<Ty>);

/// The estimate of one expression, given the names in scope.
pub(crate) struct Estimator<'a> {
    /// The target's binding (`fn`, `file`, `doc`, `project`) and its type.
    pub target: (&'static str, Option<Ty>),
    /// Variables (`variables.NAME`) estimated so far.
    pub variables: &'a [Binding],
    /// `it`: an element of `for_each`.
    pub it: Option<Binding>,
    /// The longest list of the policy's `params` (a constant).
    pub params: f64,
    /// Whether the expression turns strings into lists (`split`, `words`): then `n` must
    /// include string lengths too.
    pub splits_strings: bool,
}

/// A compiled expression's cost, size and inner size.
pub(crate) struct Estimate {
    pub cost: Poly,
    pub size: Poly,
    pub inner: Poly,
    pub ty: Option<Ty>,
    pub elem: Option<Ty>,
}

impl Estimator<'_> {
    pub fn estimate(&mut self, expr: &IdedExpr) -> Estimate {
        let mut scope = Vec::new();
        let b = self.walk(expr, &mut scope);
        Estimate { cost: b.cost, size: b.size, inner: b.inner, ty: b.ty, elem: b.elem }
    }

    fn bound(binding: &Binding) -> Bound {
        match binding.3 {
            Some(ty) => Bound { size: binding.1.clone(), ..Bound::typed(ty) },
            None => Bound::untyped(Poly::constant(1.0), binding.1.clone(), binding.2.clone()),
        }
    }

    fn walk(&mut self, expr: &IdedExpr, scope: &mut Vec<Binding>) -> Bound {
        match &expr.expr {
            Expr::Literal(_) => Bound::scalar(Poly::constant(1.0)),
            Expr::Ident(name) => {
                if let Some(binding) = scope.iter().rev().find(|b| &b.0 == name) {
                    return Self::bound(binding);
                }
                if name == "it" {
                    if let Some(binding) = &self.it {
                        return Self::bound(binding);
                    }
                }
                if name == self.target.0 {
                    if let Some(ty) = self.target.1 {
                        return Bound::typed(ty);
                    }
                }
                Bound::fact()
            }
            Expr::Select(select) => {
                if let Expr::Ident(root) = &select.operand.expr {
                    if root == "variables" {
                        if let Some(binding) = self.variables.iter().find(|b| b.0 == select.field) {
                            return Self::bound(binding);
                        }
                    }
                    if root == "params" {
                        let p = Poly::constant(self.params.max(1.0));
                        return Bound::untyped(Poly::constant(1.0), p.clone(), p);
                    }
                }
                let operand = self.walk(&select.operand, scope);
                let field = match operand.ty {
                    Some(Ty::Obj(obj)) => obj.field(&select.field).map(|f| f.ty),
                    _ => None,
                };
                match field {
                    Some(ty) => {
                        let mut b = Bound::typed(ty);
                        b.cost = operand.cost.add(&Poly::constant(1.0));
                        b
                    }
                    None => Bound::untyped(
                        operand.cost.add(&Poly::constant(1.0)),
                        operand.inner.clone(),
                        operand.inner,
                    ),
                }
            }
            Expr::List(list) => {
                let mut cost = Poly::constant(1.0);
                let mut inner = Poly::constant(1.0);
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
                let size = Poly::constant((list.elements.len() as f64).max(1.0));
                Bound { elem: elem.flatten(), ..Bound::untyped(cost, size, inner) }
            }
            Expr::Map(map) => {
                let mut cost = Poly::constant(1.0);
                let mut inner = Poly::constant(1.0);
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(e) = &entry.expr {
                        for part in [&e.key, &e.value] {
                            let b = self.walk(part, scope);
                            cost = cost.add(&b.cost);
                            inner = inner.max(&b.size).max(&b.inner);
                        }
                    }
                }
                let size = Poly::constant((map.entries.len() as f64).max(1.0));
                Bound::untyped(cost, size, inner)
            }
            Expr::Struct(st) => {
                let mut cost = Poly::constant(1.0);
                for entry in &st.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        cost = cost.add(&self.walk(&f.value, scope).cost);
                    }
                }
                Bound::scalar(cost)
            }
            Expr::Comprehension(c) => {
                let range = self.walk(&c.iter_range, scope);
                let init = self.walk(&c.accu_init, scope);
                let elem = match range.elem {
                    Some(ty) => {
                        let b = Bound::typed(ty);
                        (c.iter_var.clone(), b.size, b.inner, Some(ty))
                    }
                    None => (c.iter_var.clone(), range.inner.clone(), range.inner.clone(), None),
                };
                let (elem_size, elem_inner) = (elem.1.clone(), elem.2.clone());
                scope.push(elem);
                if let Some(var2) = &c.iter_var2 {
                    scope.push((var2.clone(), elem_size.clone(), elem_inner.clone(), None));
                }
                // The accumulator of `map` and `filter` grows to the range's length; what it
                // holds is known once the step is.
                let accu_size = range.size.max(&init.size);
                scope.push((c.accu_var.clone(), accu_size.clone(), Poly::constant(1.0), None));
                let cond = self.walk(&c.loop_cond, scope);
                let step = self.walk_step(&c.loop_step, &c.accu_var, scope);
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
                let per_item = cond.cost.add(&step.cost).add(&Poly::constant(1.0));
                let cost =
                    range.cost.add(&init.cost).add(&range.size.mul(&per_item)).add(&result.cost);
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
            Expr::Call(call) => self.call(call, scope),
            #[allow(unreachable_patterns)]
            _ => Bound::fact(),
        }
    }

    /// A comprehension's step: `accu + [x]` appends in amortised O(1).
    fn walk_step(&mut self, step: &IdedExpr, accu: &str, scope: &mut Vec<Binding>) -> Bound {
        if let Expr::Call(call) = &step.expr {
            if call.func_name == "_+_" && call.args.len() == 2 {
                if let Expr::Ident(name) = &call.args[0].expr {
                    if name == accu {
                        let added = self.walk(&call.args[1], scope);
                        return Bound::untyped(
                            added.cost.add(&added.size),
                            added.size,
                            added.inner,
                        );
                    }
                }
            }
            if call.func_name == "_?_:_" && call.args.len() == 3 {
                let cond = self.walk(&call.args[0], scope);
                let a = self.walk_step(&call.args[1], accu, scope);
                let b = self.walk_step(&call.args[2], accu, scope);
                return Bound::untyped(
                    cond.cost.add(&a.cost).add(&b.cost),
                    a.size.max(&b.size),
                    a.inner.max(&b.inner),
                );
            }
        }
        self.walk(step, scope)
    }

    fn call(&mut self, call: &cel::common::ast::CallExpr, scope: &mut Vec<Binding>) -> Bound {
        let mut args: Vec<Bound> = Vec::new();
        if let Some(target) = &call.target {
            args.push(self.walk(target, scope));
        }
        for a in &call.args {
            args.push(self.walk(a, scope));
        }
        let mut cost = Poly::constant(1.0);
        for a in &args {
            cost = cost.add(&a.cost);
        }
        let sizes = || args.iter().fold(Poly::default(), |acc, a| acc.add(&a.size));
        let one = Poly::constant(1.0);
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
            | "timestamp" => Bound::scalar(cost),
            "_?_:_" => {
                let size = args.iter().skip(1).fold(one.clone(), |acc, a| acc.max(&a.size));
                let inner = args.iter().skip(1).fold(one, |acc, a| acc.max(&a.inner));
                Bound::untyped(cost, size, inner)
            }
            "_+_" => {
                let size = sizes();
                let inner = args.iter().fold(one, |acc, a| acc.max(&a.inner));
                Bound::untyped(cost.add(&size), size, inner)
            }
            "_==_" | "_!=_" | "@in" => Bound::scalar(cost.add(&sizes())),
            "_[_]" | "_[?_]" => match args.first().and_then(|a| a.elem) {
                Some(ty) => Bound { cost, ..Bound::typed(ty) },
                None => {
                    let inner = args.first().map_or(Poly::n(), |a| a.inner.clone());
                    Bound::untyped(cost, inner.clone(), inner)
                }
            },
            "split" | "words" => {
                // A string becomes a list: as long as the longest string, which `n` then
                // includes.
                self.splits_strings = true;
                Bound::untyped(cost.add(&Poly::n()), Poly::n(), one)
            }
            "string" | "lowerAscii" | "upperAscii" | "trim" | "substring" | "charAt"
            | "reverse" | "quote" | "format" | "base64.encode" | "base64.decode" | "join" => {
                Bound::scalar(cost.add(&sizes()))
            }
            _ => {
                // Any other function (matching, `replace`, organisation helpers): the product
                // of its arguments' lengths, with a result of that length.
                let product = args.iter().fold(one.clone(), |acc, a| acc.mul(&a.size.add(&one)));
                Bound::untyped(cost.add(&product), product.clone(), product)
            }
        }
    }
}

/// The estimate of a whole policy on one target.
#[derive(Debug, Clone, Default)]
pub(crate) struct PolicyCost {
    /// `match`, the target-level variables and `for_each`, once per target.
    fixed: Poly,
    /// `violation`, the per-item variables and the report (message, span, labels,
    /// `escalate`), once per `for_each` element (or once without `for_each`).
    per_item: Poly,
    /// Elements of `for_each` (1 without one).
    items: Poly,
    /// `n` must include string lengths (`split`, `words`).
    pub splits_strings: bool,
}

impl PolicyCost {
    /// Only a policy whose cost grows faster than the target is ever worth checking.
    pub fn needs_check(&self) -> bool {
        self.fixed.degree() >= 2 || self.items.mul(&self.per_item).degree() >= 2
    }

    /// The estimate for a target whose largest list has `n` elements; `items` is the number of
    /// `for_each` elements that will be evaluated, when known.
    pub fn total(&self, n: usize, items: Option<usize>) -> f64 {
        let n = n.max(1) as f64;
        let items = items.map_or_else(|| self.items.eval(n), |k| k as f64);
        self.fixed.eval(n) + items * self.per_item.eval(n)
    }
}

/// Estimates every expression of `policy`, in the order they run.
pub(crate) fn of_policy(policy: &crate::load::Policy) -> PolicyCost {
    use crate::load::Target;
    use crate::schema;
    let target: (&'static str, Option<Ty>) = match policy.target {
        Target::RustFunction => ("fn", Some(Ty::Obj(&schema::FUNCTION))),
        Target::RustFile => ("file", Some(Ty::Obj(&schema::RUST_FILE))),
        Target::Manifest => ("doc", Some(Ty::Obj(&schema::DOCUMENT))),
        Target::Project => ("project", Some(Ty::Obj(&schema::PROJECT))),
    };
    // Params are constants: their longest list (strings counted too, for `split`).
    let params = largest(policy.params.as_ref(), true) as f64;
    let mut variables: Vec<Binding> = Vec::new();
    let mut out = PolicyCost { items: Poly::constant(1.0), ..PolicyCost::default() };
    let mut splits = false;
    let mut run = |expr: &IdedExpr, variables: &[Binding], it: Option<Binding>| {
        let mut e = Estimator { target, variables, it, params, splits_strings: false };
        let estimate = e.estimate(expr);
        splits |= e.splits_strings;
        estimate
    };
    if let Some(m) = &policy.match_ {
        out.fixed = out.fixed.add(&run(m.program.expression(), &variables, None).cost);
    }
    for var in policy.variables.iter().filter(|v| !v.per_item) {
        let e = run(var.expr.program.expression(), &variables, None);
        out.fixed = out.fixed.add(&e.cost);
        variables.push((var.name.clone(), e.size, e.inner, e.ty));
    }
    let mut it = None;
    if let Some(for_each) = &policy.for_each {
        let e = run(for_each.program.expression(), &variables, None);
        out.fixed = out.fixed.add(&e.cost);
        out.items = e.size;
        it = Some(match e.elem {
            Some(ty) => {
                let b = Bound::typed(ty);
                ("it".to_string(), b.size, b.inner, Some(ty))
            }
            None => ("it".to_string(), e.inner.clone(), e.inner, None),
        });
    }
    for var in policy.variables.iter().filter(|v| v.per_item) {
        let e = run(var.expr.program.expression(), &variables, it.clone());
        out.per_item = out.per_item.add(&e.cost);
        variables.push((var.name.clone(), e.size, e.inner, e.ty));
    }
    let report = [
        Some(&policy.violation),
        policy.span.as_ref(),
        policy.labels.as_ref(),
        policy.escalate.as_ref(),
    ];
    let parts = policy.message.iter().filter_map(|p| match p {
        crate::load::Part::Expr(e) => Some(e),
        crate::load::Part::Text(_) => None,
    });
    for expr in report.into_iter().flatten().chain(parts) {
        let e = run(expr.program.expression(), &variables, it.clone());
        out.per_item = out.per_item.add(&e.cost);
    }
    out.splits_strings = splits;
    out
}

/// The largest `n` in a value: the length of its longest list or map, and with `strings` its
/// longest string, anywhere inside it. Walks without recursion.
pub(crate) fn largest(value: &dyn Val, strings: bool) -> usize {
    let mut largest = 0;
    let mut stack: Vec<&dyn Val> = vec![value];
    while let Some(v) = stack.pop() {
        match v.as_builtin() {
            BuiltinRef::List(list) => {
                largest = largest.max(list.inner().len());
                stack.extend(list.inner().iter().map(|b| &**b));
            }
            BuiltinRef::Map(map) => {
                largest = largest.max(map.inner().len());
                stack.extend(map.inner().values().map(|b| &**b));
            }
            BuiltinRef::String(s) if strings => largest = largest.max(s.inner().len()),
            _ => {}
        }
    }
    largest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(source: &str) -> Poly {
        let env = crate::functions::env();
        let program = env.compile(source).unwrap();
        let target = if source.starts_with("project") {
            ("project", Some(Ty::Obj(&crate::schema::PROJECT)))
        } else {
            ("fn", Some(Ty::Obj(&crate::schema::FUNCTION)))
        };
        let mut e =
            Estimator { target, variables: &[], it: None, params: 20.0, splits_strings: false };
        e.estimate(program.expression()).cost
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
        assert_eq!(
            estimate("fn.reaches.exists(r, call_matches(r, params.clock_calls))").degree(),
            1
        );
        assert_eq!(
            estimate("fn.calls.exists(c, c.args.exists(a, a.endsWith('NONE')))").degree(),
            2
        );
    }

    #[test]
    fn built_in_policies_fit_the_budget_on_ordinary_targets() {
        let set = crate::PolicySet::builtin().unwrap();
        // A large ordinary function: 300 calls, compares, literals, reached names.
        for (id, cost) in &set.costs {
            assert!(cost.total(300, None) < BUDGET, "{id}: {cost:?}");
        }
    }

    #[test]
    fn the_budget_separates_small_targets_from_big_ones() {
        let nested = estimate("fn.calls.all(a, fn.calls.all(b, a.name != b.name))");
        assert!(nested.eval(20.0) < BUDGET);
        assert!(nested.eval(40_000.0) > BUDGET);
    }

    #[test]
    fn largest_finds_nested_lists_and_strings() {
        let value = cel::to_value(
            serde_json::json!({"a": [1, 2, 3], "b": {"c": [[1, 2, 3, 4, 5]]}, "s": "abcdefghij"}),
        )
        .unwrap();
        let value = Box::<dyn Val>::try_from(value).unwrap();
        assert_eq!(largest(value.as_ref(), false), 5);
        assert_eq!(largest(value.as_ref(), true), 10);
    }
}
