//! The body walker: calls, comparisons, literals, header and address reads, body parses and
//! router registrations of one fn, with a little `let` data flow.

mod bindings;
mod calls;
mod literals;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use hooklint_model::{
    Call, Compare, HeaderRead, IpSource, Literal, LogCall, Param, Parse, Registration,
};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use super::flow::{Use, Uses};
use super::frameworks;
use super::sensitivity::{self, Binding, OperandCx};
use super::FileCx;
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
}

pub struct FnVisitor<'a, 'f> {
    pub(super) cx: &'a FileCx<'f>,
    self_type: String,
    is_test: bool,
    pub(super) params: Vec<String>,
    pub(super) bindings: BTreeMap<String, Binding>,
    var_types: BTreeMap<String, String>,
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
            params: params.iter().map(|p| p.name.clone()).collect(),
            bindings: BTreeMap::new(),
            var_types: BTreeMap::new(),
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

    pub fn run_block(&mut self, b: &syn::Block) {
        self.visit_block(b);
    }

    pub fn run_expr(&mut self, e: &syn::Expr) {
        self.visit_expr(e);
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
        }
    }

    pub(super) fn operand_cx(&self) -> OperandCx<'_> {
        OperandCx {
            src: &self.cx.src,
            k: self.cx.k,
            bindings: &self.bindings,
            params: &self.params,
            headers: self,
        }
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

    fn visit_binary(&mut self, b: &syn::ExprBinary) {
        let op = match b.op {
            syn::BinOp::Eq(_) => "==",
            syn::BinOp::Ne(_) => "!=",
            syn::BinOp::Lt(_) => "<",
            syn::BinOp::Le(_) => "<=",
            syn::BinOp::Gt(_) => ">",
            syn::BinOp::Ge(_) => ">=",
            _ => {
                visit::visit_expr_binary(self, b);
                return;
            }
        };
        let cx = self.operand_cx();
        let cmp = Compare {
            op: op.to_string(),
            text: self.cx.src.text(b),
            left: sensitivity::operand(&cx, &b.left, ""),
            right: sensitivity::operand(&cx, &b.right, ""),
            span: self.cx.src.span(b.span()),
        };
        self.compares.push(cmp);
        self.with_gate(|v| {
            v.visit_expr(&b.left);
            v.visit_expr(&b.right);
        });
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
        match e {
            syn::Expr::Lit(l) => self.record_literal(&l.lit, hint),
            syn::Expr::Path(p) => {
                if p.path.segments.len() == 1 && p.qself.is_none() {
                    let id = util::path_str(&p.path);
                    let u = self.current_use();
                    self.uses.record(&id, u);
                }
            }
            syn::Expr::Reference(_) | syn::Expr::Paren(_) | syn::Expr::Group(_) => {
                self.lit_hint = hint;
                visit::visit_expr(self, e);
            }
            syn::Expr::Call(c) => self.visit_call(c, hint),
            syn::Expr::MethodCall(m) => self.visit_method_call(m, hint),
            syn::Expr::Binary(b) => self.visit_binary(b),
            syn::Expr::If(i) => {
                self.with_gate(|v| v.visit_expr(&i.cond));
                self.visit_block(&i.then_branch);
                if let Some((_, el)) = &i.else_branch {
                    self.visit_expr(el);
                }
            }
            syn::Expr::While(w) => {
                self.with_gate(|v| v.visit_expr(&w.cond));
                self.visit_block(&w.body);
            }
            syn::Expr::Match(m) => {
                self.with_gate(|v| v.visit_expr(&m.expr));
                for arm in &m.arms {
                    if let syn::Pat::Guard(g) = &arm.pat {
                        self.with_gate(|v| v.visit_expr(&g.guard));
                    }
                    self.visit_expr(&arm.body);
                }
            }
            syn::Expr::Let(l) => {
                let (h, i) = (self.headers.len(), self.ips.len());
                self.visit_expr(&l.expr);
                self.bind(&l.pat, &l.expr, h, i);
            }
            syn::Expr::Struct(s) => {
                for f in &s.fields {
                    if let syn::Member::Named(n) = &f.member {
                        self.lit_hint = Some(LitHint::Field(n.to_string()));
                    }
                    self.visit_expr(&f.expr);
                    self.lit_hint = None;
                }
                if let Some(r) = &s.rest {
                    self.visit_expr(r);
                }
            }
            _ => visit::visit_expr(self, e),
        }
        self.depth -= 1;
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
        let Some(init) = &l.init else { return };
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
        self.visit_expr(&init.expr);
        self.lit_hint = None;
        self.derive.pop();
        if diverges {
            self.gate -= 1;
        }
        self.bind(&l.pat, &init.expr, h, i);
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
        if let Some((_, d)) = &init.diverge {
            self.visit_expr(d);
        }
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        // Nested fns and impls are not part of this fn's body; local constants are.
        let (name, ctx, e) = match item {
            syn::Item::Const(c) => (c.ident.to_string(), "const", &c.expr),
            syn::Item::Static(s) => (s.ident.to_string(), "static", &s.expr),
            _ => return,
        };
        self.lit_hint = Some(LitHint::Binding(name, ctx));
        self.visit_expr(e);
        self.lit_hint = None;
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if self.depth > MAX_EXPR_DEPTH {
            crate::limits::hit(m.path.span().start().line, "a macro call");
            return;
        }
        self.depth += 1;
        self.visit_mac(m);
        self.depth -= 1;
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        // Closure params are locals of the body; `|v| v.to_str()` should not count as a use of
        // an outer `v`.
        self.visit_expr(&c.body);
    }
}
