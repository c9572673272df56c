//! The body walker: calls, comparisons, literals, header and address reads, body parses and
//! router registrations of one fn, and the value of every expression (its provenance, see
//! `crate::provenance`), in one pass.
//!
//! Every `visit_expr` leaves the value of the expression it visited in `self.val`; a parent
//! reads it right after visiting a child. Names are bound in scopes (`self.scopes`): blocks,
//! match arms, `if let` branches, loop bodies and closures each have their own.

mod bindings;
mod calls;
mod literals;
#[cfg(test)]
mod tests;
mod values;

use std::collections::{BTreeMap, BTreeSet};

use crate::provenance::build::FlowVal;
use hooklint_model::{
    Call, Compare, HeaderRead, IpSource, Literal, LogCall, Param, Parse, Registration,
};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use super::flow::{Use, Uses};
use super::frameworks;
use super::sensitivity::{self, OperandCx};
use super::FileCx;
use crate::provenance::build::FlowBuilder;
use crate::provenance::scope::{Local, Scopes};
use crate::util;
pub use literals::module_value;

/// Deepest expression nesting walked; deeper subtrees are skipped rather than risking the stack.
const MAX_EXPR_DEPTH: usize = crate::limits::EXPR_DEPTH;

/// What a literal initialises, set by the parent before visiting it.
#[derive(Debug, Clone)]
enum LitHint {
    Binding(String, &'static str),
    Field(String),
    Arg(String),
}

struct PendingHeader {
    read: HeaderRead,
    direct_gate: bool,
    direct_log: bool,
}

pub struct FnFacts {
    pub calls: Vec<Call>,
    pub compares: Vec<Compare>,
    pub literals: Vec<Literal>,
    pub logs: Vec<LogCall>,
    pub headers_read: Vec<HeaderRead>,
    pub ip_sources: Vec<IpSource>,
    pub param_ips: Vec<IpSource>,
    pub parses: Vec<Parse>,
    pub registrations: Vec<Registration>,
    pub flow: crate::provenance::build::Work,
}

pub struct FnVisitor<'a, 'f> {
    pub(super) cx: &'a FileCx<'f>,
    pub(super) self_type: String,
    is_test: bool,
    /// Param slot names, `self` first for methods with a receiver.
    pub(super) slots: Vec<String>,
    pub(super) scopes: Scopes,
    pub(super) fb: FlowBuilder,
    /// The value of the expression visited last.
    pub(super) val: FlowVal,
    /// Values returned: the fn's, then one per closure being visited.
    ret: Vec<FlowVal>,
    /// Parameter values for the next closure visited (from the method it is passed to).
    closure_params: Option<Vec<FlowVal>>,
    /// Set before visiting a closure bound to a name: its params get local slots.
    name_closure: bool,
    /// The local slots of the last closure visited with `name_closure`.
    closure_slots: Option<Vec<u32>>,
    /// Innermost calls whose arguments are being visited (path or method name).
    inside: Vec<String>,
    /// What the receiver of the method call being visited names (a local or a static).
    pending_receiver: Option<values::Receiver>,
    /// The method call being valued has a turbofish (`state::<Config>()`).
    pub(super) turbofish: bool,
    /// The method call being valued runs a query a query builder built
    /// ([`FnVisitor::runs_built_query`]): its result is a store read.
    pub(super) store_query: bool,
    /// Depth of conditional branches around the expression being visited.
    pub(super) branch: u32,
    var_types: BTreeMap<String, String>,
    /// Locals bound to the response of a request the code sends (`response_calls`), or to a
    /// part of one: their headers are not the inbound request's.
    pub(in crate::extract) responses: BTreeSet<String>,
    uses: Uses,
    calls: Vec<Call>,
    pub(super) compares: Vec<Compare>,
    literals: Vec<Literal>,
    pub(super) logs: Vec<LogCall>,
    headers: Vec<PendingHeader>,
    ips: Vec<PendingHeader>,
    param_headers: Vec<PendingHeader>,
    param_ips: Vec<PendingHeader>,
    parses: Vec<Parse>,
    registrations: Vec<Registration>,
    consumed: BTreeSet<usize>,
    router_vars: BTreeMap<String, Vec<usize>>,
    /// Layers applied to a router variable before its routes were added (tide's `with`).
    var_layers: BTreeMap<String, Vec<String>>,
    pub(super) gate: u32,
    pub(super) log: u32,
    /// Inside a rate limiter's arguments: keying a limiter by address is not a trust decision.
    rate: u32,
    derive: Vec<String>,
    lit_hint: Option<LitHint>,
    pub(super) depth: usize,
}

impl<'a, 'f> FnVisitor<'a, 'f> {
    /// `types` are the syntax of the params' types, one per param, in order.
    pub fn new(
        cx: &'a FileCx<'f>,
        self_type: &str,
        is_test: bool,
        params: &[Param],
        types: &[&syn::Type],
    ) -> Self {
        let mut v = FnVisitor {
            cx,
            self_type: self_type.to_string(),
            is_test,
            slots: Vec::new(),
            scopes: Scopes::default(),
            fb: FlowBuilder::default(),
            val: FlowVal::new(),
            ret: vec![FlowVal::new()],
            closure_params: None,
            name_closure: false,
            closure_slots: None,
            inside: Vec::new(),
            pending_receiver: None,
            turbofish: false,
            store_query: false,
            branch: 0,
            var_types: BTreeMap::new(),
            responses: BTreeSet::new(),
            uses: Uses::default(),
            calls: Vec::new(),
            compares: Vec::new(),
            literals: Vec::new(),
            logs: Vec::new(),
            headers: Vec::new(),
            ips: Vec::new(),
            param_headers: Vec::new(),
            param_ips: Vec::new(),
            parses: Vec::new(),
            registrations: Vec::new(),
            consumed: BTreeSet::new(),
            router_vars: BTreeMap::new(),
            var_layers: BTreeMap::new(),
            gate: 0,
            log: 0,
            rate: 0,
            derive: Vec::new(),
            lit_hint: None,
            depth: 0,
        };
        for (p, ty) in params.iter().zip(types) {
            {
                if let Some(tp) = util::type_path(deref_wrapper(ty)) {
                    let path = util::path_str(tp);
                    v.var_types.insert(p.name.clone(), cx.resolve(&path, self_type));
                }
                if p.extractor == "header" {
                    if let Some(name) = frameworks::typed_header_name(ty) {
                        v.param_headers.push(pending(HeaderRead {
                            name,
                            binding: p.name.clone(),
                            span: p.span.clone(),
                            ..HeaderRead::default()
                        }));
                    }
                }
            }
            if p.extractor == "connect_info" {
                v.param_ips.push(pending_ip("connect_info", &p.name, p.span.clone()));
            }
        }
        v
    }

    /// Binds the parameters: `self` (when the fn has a receiver) and the typed params, each a
    /// slot whose value the project index fills from the callers.
    pub fn bind_params(&mut self, sig: &syn::Signature, params: &[Param]) {
        self.scopes.push();
        let mut typed = params.iter();
        for input in &sig.inputs {
            let slot = self.slots.len() as u16;
            match input {
                syn::FnArg::Receiver(_) => {
                    self.slots.push("self".to_string());
                    let val = self.fb.param(slot);
                    self.fb.flow.params.push(hooklint_model::flow::ParamSlot {
                        name: hooklint_model::SharedStr::from("self"),
                        ty: hooklint_model::SharedStr::from(self.self_type.as_str()),
                        is_state: false,
                    });
                    self.scopes.bind("self", Local { val, ..Local::default() });
                }
                syn::FnArg::Typed(pt) => {
                    let Some(p) = typed.next() else { continue };
                    self.slots.push(p.name.clone());
                    let val = self.fb.param(slot);
                    self.fb.flow.params.push(values::param_slot(
                        self.cx,
                        p,
                        &pt.ty,
                        &self.self_type,
                    ));
                    let mut names = Vec::new();
                    util::pat_idents(&pt.pat, &mut names, 0);
                    for n in names {
                        let sensitive = self
                            .cx
                            .k
                            .sensitive_word(&n)
                            .map(|_| format!("name {n}"))
                            .filter(|_| !self.cx.k.ends_with_property(&n));
                        self.scopes.bind(&n, Local { val: val.clone(), closure: None, sensitive });
                    }
                }
            }
        }
    }

    pub fn run_block(&mut self, b: &syn::Block) {
        self.visit_block(b);
        let tail = std::mem::take(&mut self.val);
        if let Some(r) = self.ret.first_mut() {
            let mut out = std::mem::take(r);
            self.fb.union_into(&mut out, &tail);
            *r = out;
        }
    }

    pub fn run_expr(&mut self, e: &syn::Expr) {
        self.visit_expr(e);
        let v = std::mem::take(&mut self.val);
        if let Some(r) = self.ret.first_mut() {
            *r = v;
        }
    }

    pub fn finish(mut self) -> FnFacts {
        let resolve = |uses: &Uses, p: PendingHeader| -> (HeaderRead, bool, bool) {
            let b = &p.read.binding;
            let gates = p.direct_gate || (!b.is_empty() && uses.gates(b));
            let logged = if b.is_empty() { p.direct_log } else { uses.logged_only(b) };
            (p.read, gates, logged && !gates)
        };
        let mut headers_read = Vec::new();
        for p in self.param_headers.drain(..).chain(self.headers.drain(..)) {
            let (mut r, g, l) = resolve(&self.uses, p);
            r.gates = g;
            r.logged_only = l;
            headers_read.push(r);
        }
        let to_ip = |list: Vec<PendingHeader>| -> Vec<IpSource> {
            list.into_iter()
                .map(|p| {
                    let (r, g, l) = resolve(&self.uses, p);
                    IpSource {
                        kind: r.name,
                        binding: r.binding,
                        gates: g,
                        logged_only: l,
                        decides: false,
                        span: r.span,
                    }
                })
                .collect()
        };
        let ip_sources = to_ip(std::mem::take(&mut self.ips));
        let param_ips = to_ip(std::mem::take(&mut self.param_ips));
        let mut flow = self.fb.finish();
        flow.ret = self.ret.into_iter().next().unwrap_or_default();
        FnFacts {
            calls: self.calls,
            compares: self.compares,
            literals: self.literals,
            logs: self.logs,
            headers_read,
            ip_sources,
            param_ips,
            parses: self.parses,
            registrations: self.registrations,
            flow,
        }
    }

    pub(super) fn operand_cx(&self) -> OperandCx<'_> {
        OperandCx { src: &self.cx.src, k: self.cx.k, scopes: &self.scopes, headers: self }
    }

    /// Visits `e` and returns its value.
    pub(super) fn eval(&mut self, e: &syn::Expr) -> FlowVal {
        self.visit_expr(e);
        std::mem::take(&mut self.val)
    }

    /// Visits `e` inside a new scope and returns its value.
    pub(super) fn eval_scoped(&mut self, e: &syn::Expr) -> FlowVal {
        self.scopes.push();
        let v = self.eval(e);
        self.scopes.pop();
        v
    }

    /// Visits a block inside a new scope and returns its value (the tail expression's).
    pub(super) fn eval_block(&mut self, b: &syn::Block) -> FlowVal {
        self.visit_block(b);
        std::mem::take(&mut self.val)
    }

    fn current_use(&self) -> Use {
        if self.rate > 0 {
            Use::Other
        } else if self.gate > 0 {
            Use::Gate
        } else if self.log > 0 {
            Use::Log
        } else if let Some(d) = self.derive.last() {
            Use::Derive(d.clone())
        } else {
            Use::Other
        }
    }

    pub(super) fn uses_record(&mut self, name: &str, u: Use) {
        self.uses.record(name, u);
    }

    pub(super) fn with_gate(&mut self, f: impl FnOnce(&mut Self)) {
        self.gate += 1;
        f(self);
        self.gate -= 1;
    }

    fn pending_here(&self, kind: &str, span: proc_macro2::Span) -> PendingHeader {
        PendingHeader {
            read: HeaderRead {
                name: kind.to_string(),
                span: self.cx.src.span(span),
                ..HeaderRead::default()
            },
            direct_gate: self.gate > 0 && self.rate == 0,
            direct_log: self.log > 0,
        }
    }

    /// A binary expression: comparisons are recorded and yield a boolean; `&&`/`||` yield a
    /// boolean; arithmetic and `+` on strings carry both sides.
    fn binary_value(&mut self, b: &syn::ExprBinary) -> FlowVal {
        let op = match b.op {
            syn::BinOp::Eq(_) => "==",
            syn::BinOp::Ne(_) => "!=",
            syn::BinOp::Lt(_) => "<",
            syn::BinOp::Le(_) => "<=",
            syn::BinOp::Gt(_) => ">",
            syn::BinOp::Ge(_) => ">=",
            syn::BinOp::And(_) | syn::BinOp::Or(_) => {
                self.eval(&b.left);
                self.eval(&b.right);
                return self.reduced("boolean");
            }
            _ => {
                let l = self.eval(&b.left);
                let r = self.eval(&b.right);
                if matches!(
                    b.op,
                    syn::BinOp::AddAssign(_)
                        | syn::BinOp::SubAssign(_)
                        | syn::BinOp::BitOrAssign(_)
                        | syn::BinOp::BitXorAssign(_)
                        | syn::BinOp::MulAssign(_)
                ) {
                    self.assign(&b.left, &r);
                    return FlowVal::new();
                }
                return self.fb.union(&[l, r]);
            }
        };
        let cx = self.operand_cx();
        let whole = util::binary_span(b);
        let mut cmp = Compare {
            op: op.to_string(),
            text: self.cx.src.text_in(whole, b),
            left: sensitivity::operand(&cx, &b.left, ""),
            right: sensitivity::operand(&cx, &b.right, ""),
            inside: self.inside.last().cloned().unwrap_or_default(),
            stored: false,
            span: self.cx.src.span(whole),
        };
        cmp.left.ty = self.expr_type(&b.left);
        cmp.right.ty = self.expr_type(&b.right);
        let i = self.push_compare(cmp);
        let (mut l, mut r) = (FlowVal::new(), FlowVal::new());
        self.with_gate(|v| {
            l = v.eval(&b.left);
            r = v.eval(&b.right);
        });
        self.set_compare_flow(i, l, r);
        self.reduced("comparison")
    }

    /// `e` became a field's value: the comparisons from `from` on that are its value (alone,
    /// negated or joined with `&&`/`||`, not an argument or a condition inside it) are
    /// `stored`.
    fn mark_stored(&mut self, e: &syn::Expr, from: usize) {
        if from >= self.compares.len() {
            return;
        }
        let mut spans = Vec::new();
        let mut todo = vec![e];
        while let Some(e) = todo.pop() {
            if spans.len() > 64 {
                break;
            }
            match e {
                syn::Expr::Paren(p) => todo.push(&p.expr),
                syn::Expr::Group(g) => todo.push(&g.expr),
                syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => todo.push(&u.expr),
                syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) => {
                    todo.push(&b.left);
                    todo.push(&b.right);
                }
                syn::Expr::Binary(b) => spans.push(self.cx.src.span(b.span())),
                syn::Expr::MethodCall(m) => {
                    spans.push(self.cx.src.span(util::method_call_span(m)));
                }
                _ => {}
            }
        }
        for c in &mut self.compares[from..] {
            if spans.contains(&c.span) {
                c.stored = true;
            }
        }
    }

    /// Adds a comparison and its (empty) flow; returns its index.
    pub(super) fn push_compare(&mut self, cmp: Compare) -> usize {
        self.compares.push(cmp);
        self.fb.flow.compares.push((FlowVal::new(), FlowVal::new()));
        self.compares.len() - 1
    }

    pub(super) fn set_compare_flow(&mut self, i: usize, l: FlowVal, r: FlowVal) {
        if let Some(slot) = self.fb.flow.compares.get_mut(i) {
            *slot = (l, r);
        }
    }

    /// Visits each of `exprs` in order; the union of their values.
    fn eval_union<'e>(&mut self, exprs: impl IntoIterator<Item = &'e syn::Expr>) -> FlowVal {
        let mut out = FlowVal::new();
        for x in exprs {
            let v = self.eval(x);
            self.fb.union_into(&mut out, &v);
        }
        out
    }

    /// A value that carries nothing of its inputs: a boolean, a length, a verdict.
    pub(super) fn reduced(&mut self, name: &str) -> FlowVal {
        self.fb.public("reduced", name)
    }
}

/// `State<T>`, `web::Data<T>`, `Arc<T>`...: method calls go to `T` through `Deref`.
fn deref_wrapper(ty: &syn::Type) -> &syn::Type {
    let mut cur = ty;
    for _ in 0..4 {
        let Some(p) = util::type_path(cur) else { break };
        let wrapper = p.segments.last().is_some_and(|s| {
            matches!(
                s.ident.to_string().as_str(),
                "State" | "Data" | "Arc" | "Rc" | "Box" | "Extension"
            )
        });
        match util::generic_types(p).first() {
            Some(inner) if wrapper => cur = inner,
            _ => break,
        }
    }
    cur
}

fn pending(read: HeaderRead) -> PendingHeader {
    PendingHeader { read, direct_gate: false, direct_log: false }
}

fn pending_ip(kind: &str, binding: &str, span: hooklint_model::Span) -> PendingHeader {
    pending(HeaderRead {
        name: kind.to_string(),
        binding: binding.to_string(),
        span,
        ..HeaderRead::default()
    })
}

impl<'ast> Visit<'ast> for FnVisitor<'_, '_> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        if self.depth > MAX_EXPR_DEPTH {
            self.val = FlowVal::new();
            crate::limits::hit(e.span().start().line, "an expression");
            return;
        }
        self.depth += 1;
        let hint = self.lit_hint.take();
        if let syn::Expr::MethodCall(m) = e {
            let id = std::ptr::from_ref(m) as usize;
            if !self.consumed.contains(&id) {
                self.record_chain(e);
            }
        }
        let val = match e {
            syn::Expr::Lit(l) => self.record_literal(&l.lit, hint),
            syn::Expr::Path(p) => {
                if p.path.segments.len() == 1 && p.qself.is_none() {
                    let id = util::path_str(&p.path);
                    let u = self.current_use();
                    self.uses.record(&id, u);
                }
                self.path_value(p)
            }
            syn::Expr::Reference(_) | syn::Expr::Paren(_) | syn::Expr::Group(_) => {
                let inner = match e {
                    syn::Expr::Reference(r) => &r.expr,
                    syn::Expr::Paren(p) => &p.expr,
                    syn::Expr::Group(g) => &g.expr,
                    _ => e,
                };
                self.lit_hint = hint;
                self.eval(inner)
            }
            syn::Expr::Try(t) => self.eval(&t.expr),
            syn::Expr::Await(a) => self.eval(&a.base),
            syn::Expr::Cast(c) => self.eval(&c.expr),
            syn::Expr::Unary(u) => {
                let v = self.eval(&u.expr);
                match u.op {
                    syn::UnOp::Not(_) => self.reduced("!"),
                    _ => v,
                }
            }
            syn::Expr::Index(i) => {
                let v = self.eval(&i.expr);
                self.eval(&i.index);
                v
            }
            syn::Expr::Field(f) => {
                let base = self.eval(&f.base);
                self.field_value(f, base)
            }
            syn::Expr::Call(c) => {
                self.visit_call(c, hint);
                std::mem::take(&mut self.val)
            }
            syn::Expr::MethodCall(m) => {
                self.visit_method_call(m, hint);
                std::mem::take(&mut self.val)
            }
            syn::Expr::Binary(b) => self.binary_value(b),
            syn::Expr::If(i) => {
                // `if let` bindings live in the condition's scope, which covers the then-branch.
                self.scopes.push();
                self.with_gate(|v| v.visit_expr(&i.cond));
                self.branch += 1;
                let mut out = self.eval_block(&i.then_branch);
                self.scopes.pop();
                if let Some((_, el)) = &i.else_branch {
                    let v = self.eval(el);
                    self.fb.union_into(&mut out, &v);
                }
                self.branch -= 1;
                out
            }
            syn::Expr::While(w) => {
                self.scopes.push();
                self.with_gate(|v| v.visit_expr(&w.cond));
                self.eval_block(&w.body);
                self.scopes.pop();
                FlowVal::new()
            }
            syn::Expr::ForLoop(f) => {
                let iter = self.eval(&f.expr);
                self.scopes.push();
                self.bind_pattern(&f.pat, &iter, "for");
                self.eval_block(&f.body);
                self.scopes.pop();
                FlowVal::new()
            }
            syn::Expr::Loop(l) => {
                self.eval_block(&l.body);
                FlowVal::new()
            }
            syn::Expr::Match(m) => {
                let mut scrutinee = FlowVal::new();
                self.with_gate(|v| scrutinee = v.eval(&m.expr));
                let mut out = FlowVal::new();
                for arm in &m.arms {
                    // Each arm binds its own names; nothing is shared across arms.
                    self.scopes.push();
                    self.bind_pattern(&arm.pat, &scrutinee, "match");
                    self.mark_responses(&arm.pat, &m.expr);
                    if let syn::Pat::Guard(g) = &arm.pat {
                        self.with_gate(|v| v.visit_expr(&g.guard));
                    }
                    self.branch += 1;
                    let v = self.eval(&arm.body);
                    self.branch -= 1;
                    self.fb.union_into(&mut out, &v);
                    self.scopes.pop();
                }
                out
            }
            syn::Expr::Let(l) => {
                // `if let (Some(a), Some(b)) = (x, y)`: each element binds its own name.
                match (&*l.pat, util::peel_expr(&l.expr)) {
                    (syn::Pat::Tuple(pt), syn::Expr::Tuple(te))
                        if pt.elems.len() == te.elems.len() =>
                    {
                        self.tuple_let(pt, te, None);
                    }
                    _ => {
                        let (h, i) = (self.headers.len(), self.ips.len());
                        let v = self.eval(&l.expr);
                        let sensitive = self.bind(&l.pat, &l.expr, h, i);
                        self.let_pattern(&l.pat, &l.expr, &v, None, sensitive);
                    }
                }
                self.mark_responses(&l.pat, &l.expr);
                self.reduced("let")
            }
            syn::Expr::Struct(s) => {
                let ty = util::last_segment(&util::path_str(&s.path)).to_string();
                let mut out = FlowVal::new();
                for f in &s.fields {
                    if let syn::Member::Named(n) = &f.member {
                        self.lit_hint = Some(LitHint::Field(n.to_string()));
                    }
                    let from = self.compares.len();
                    let v = self.eval(&f.expr);
                    self.mark_stored(&f.expr, from);
                    self.lit_hint = None;
                    if let syn::Member::Named(n) = &f.member {
                        self.store_field(&ty, &n.to_string(), &v);
                    }
                    self.fb.union_into(&mut out, &v);
                }
                if let Some(r) = &s.rest {
                    let v = self.eval(r);
                    self.fb.union_into(&mut out, &v);
                }
                out
            }
            syn::Expr::Block(syn::ExprBlock { block, .. })
            | syn::Expr::Unsafe(syn::ExprUnsafe { block, .. })
            | syn::Expr::Async(syn::ExprAsync { block, .. })
            | syn::Expr::TryBlock(syn::ExprTryBlock { block, .. })
            | syn::Expr::Const(syn::ExprConst { block, .. }) => {
                self.visit_block(block);
                std::mem::take(&mut self.val)
            }
            syn::Expr::Tuple(syn::ExprTuple { elems, .. })
            | syn::Expr::Array(syn::ExprArray { elems, .. }) => self.eval_union(elems),
            syn::Expr::Repeat(r) => {
                let v = self.eval(&r.expr);
                self.eval(&r.len);
                v
            }
            syn::Expr::Range(r) => {
                self.eval_union([r.start.as_deref(), r.end.as_deref()].into_iter().flatten())
            }
            syn::Expr::Assign(a) => {
                let from = self.compares.len();
                let v = self.eval(&a.right);
                if matches!(util::peel_expr(&a.left), syn::Expr::Field(_)) {
                    self.mark_stored(&a.right, from);
                }
                self.eval(&a.left);
                self.assign(&a.left, &v);
                FlowVal::new()
            }
            syn::Expr::Return(r) => {
                if let Some(x) = &r.expr {
                    let v = self.eval(x);
                    if let Some(top) = self.ret.last_mut() {
                        let mut out = std::mem::take(top);
                        self.fb.union_into(&mut out, &v);
                        if let Some(top) = self.ret.last_mut() {
                            *top = out;
                        }
                    }
                }
                FlowVal::new()
            }
            syn::Expr::Closure(c) => self.closure_value(c),
            syn::Expr::Macro(m) => {
                self.visit_macro(&m.mac);
                std::mem::take(&mut self.val)
            }
            _ => {
                visit::visit_expr(self, e);
                FlowVal::new()
            }
        };
        self.val = val;
        self.depth -= 1;
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.scopes.push();
        let mut tail = FlowVal::new();
        let n = b.stmts.len();
        for (i, stmt) in b.stmts.iter().enumerate() {
            match stmt {
                syn::Stmt::Expr(e, semi) => {
                    let v = self.eval(e);
                    if i + 1 == n && semi.is_none() {
                        tail = v;
                    }
                }
                syn::Stmt::Macro(m) => {
                    self.visit_macro(&m.mac);
                    let v = std::mem::take(&mut self.val);
                    if i + 1 == n && m.semi_token.is_none() {
                        tail = v;
                    }
                }
                other => self.visit_stmt(other),
            }
        }
        self.scopes.pop();
        self.val = tail;
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        let mut names = Vec::new();
        util::pat_idents(&l.pat, &mut names, 0);
        let first = names.first().cloned().unwrap_or_default();
        if let syn::Pat::Type(pt) = &l.pat {
            if let Some(tp) = util::type_path(&pt.ty) {
                let ty = self.cx.resolve(&util::path_str(tp), &self.self_type);
                for n in &names {
                    self.var_types.insert(n.clone(), ty.clone());
                }
            }
        }
        let Some(init) = &l.init else {
            // `let x;` is assigned later: bind the name so that assignments find it.
            for n in &names {
                self.scopes.bind(n, Local::default());
            }
            return;
        };
        if let (syn::Pat::Tuple(pt), syn::Expr::Tuple(te)) = (&l.pat, util::peel_expr(&init.expr)) {
            if pt.elems.len() == te.elems.len() {
                self.tuple_let(pt, te, init.diverge.as_ref().map(|d| &*d.1));
                return;
            }
        }
        let (h, i) = (self.headers.len(), self.ips.len());
        let regs_before = self.registrations.len();
        let diverges = init.diverge.is_some();
        if diverges {
            self.gate += 1;
        }
        self.derive.push(first.clone());
        self.lit_hint = Some(LitHint::Binding(first.clone(), "let"));
        let named_closure = matches!(util::peel_expr(&init.expr), syn::Expr::Closure(_))
            && matches!(&l.pat, syn::Pat::Ident(_));
        self.name_closure = named_closure;
        let val = self.eval(&init.expr);
        self.name_closure = false;
        let slots = if named_closure { self.closure_slots.take() } else { None };
        self.lit_hint = None;
        self.derive.pop();
        if diverges {
            self.gate -= 1;
        }
        if let Some((_, d)) = &init.diverge {
            // The else branch runs when the pattern does not match: its own scope, before the
            // names are bound.
            self.eval_scoped(d);
        }
        let sensitive = self.bind(&l.pat, &init.expr, h, i);
        self.let_pattern(&l.pat, &init.expr, &val, slots, sensitive);
        let response = self.is_response(&init.expr);
        for n in &names {
            if response {
                self.responses.insert(n.clone());
            } else {
                self.responses.remove(n);
            }
        }
        // `let app = Router::new().route(..)` / `let app = app.layer(..)`: remember the routes.
        let mut regs: Vec<usize> = (regs_before..self.registrations.len()).collect();
        if let syn::Expr::MethodCall(_) = util::peel_expr(&init.expr) {
            let (base, _) = frameworks::flatten(&init.expr);
            if let syn::Expr::Path(p) = util::peel_expr(base) {
                if let Some(prev) = self.router_vars.get(&util::path_str(&p.path)) {
                    regs.extend(prev.iter().copied());
                }
            }
        }
        if !regs.is_empty() && !first.is_empty() {
            regs.sort_unstable();
            regs.dedup();
            self.router_vars.insert(first, regs);
        }
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        // Nested fns and impls are not part of this fn's body; local constants are.
        let (name, ctx, e) = match item {
            syn::Item::Const(c) => (c.ident.to_string(), "const", &c.expr),
            syn::Item::Static(s) => (s.ident.to_string(), "static", &s.expr),
            _ => return,
        };
        self.lit_hint = Some(LitHint::Binding(name.clone(), ctx));
        let v = self.eval(e);
        self.lit_hint = None;
        let v = self.fb.step(&v, &format!("{ctx} {name}"));
        self.scopes.bind(&name, Local { val: v, ..Local::default() });
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if self.depth > MAX_EXPR_DEPTH {
            self.val = FlowVal::new();
            crate::limits::hit(m.path.span().start().line, "a macro call");
            return;
        }
        self.depth += 1;
        self.visit_mac(m);
        self.depth -= 1;
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.val = self.closure_value(c);
    }
}
