//! The body walker: calls, comparisons, literals, header and address reads, body parses and
//! router registrations of one fn, with a little `let` data flow.

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

/// Deepest expression nesting walked; deeper subtrees are skipped rather than risking the stack.
const MAX_EXPR_DEPTH: usize = crate::limits::EXPR_DEPTH;

/// Methods that pass a literal through unchanged (`"x".to_string()` still initialises `x`).
const TRANSPARENT_METHODS: &[&str] = &[
    "to_string",
    "to_owned",
    "into",
    "as_bytes",
    "to_vec",
    "as_str",
    "as_ref",
    "clone",
    "trim",
    "into_bytes",
    "as_slice",
];

/// Methods whose receiver and arguments are checked, so the values decide control flow.
const GATE_METHODS: &[&str] = &[
    "contains",
    "contains_key",
    "starts_with",
    "ends_with",
    "eq",
    "ne",
    "any",
    "all",
    "binary_search",
    "is_match",
    "matches",
    "is_allowed",
    "allows",
    "includes",
];

/// The `Hmac` type's methods that come from the `hmac::Mac` trait.
const MAC_METHODS: &[&str] = &[
    "new_from_slice",
    "update",
    "chain_update",
    "finalize",
    "finalize_reset",
    "verify",
    "verify_slice",
    "verify_truncated_left",
    "verify_reset",
    "verify_slice_reset",
    "reset",
];

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

    fn record_literal(&mut self, lit: &syn::Lit, hint: Option<LitHint>) {
        let (value, is_bytes) = match lit {
            syn::Lit::Str(s) => (s.value(), false),
            syn::Lit::ByteStr(b) => (String::from_utf8_lossy(&b.value()).into_owned(), true),
            _ => return,
        };
        let (binding, context, callee) = match hint {
            Some(LitHint::Binding(b, ctx)) => (b, ctx, String::new()),
            Some(LitHint::Field(f)) => (f, "field", String::new()),
            Some(LitHint::Arg(c)) => (String::new(), "arg", c),
            None => (String::new(), "other", String::new()),
        };
        self.literals.push(Literal {
            value,
            is_bytes,
            binding,
            context: context.to_string(),
            callee,
            is_test: self.is_test,
            span: self.cx.src.span(lit.span()),
        });
    }

    pub(super) fn receiver_type(&self, e: &syn::Expr) -> Option<String> {
        match util::peel_expr(e) {
            syn::Expr::Path(p) if p.path.segments.len() == 1 => {
                let id = util::path_str(&p.path);
                if id == "self" && !self.self_type.is_empty() {
                    return Some(self.self_type.clone());
                }
                self.var_types.get(&id).cloned()
            }
            _ => None,
        }
    }

    fn method_path(&self, recv_ty: Option<String>, method: &str) -> String {
        match recv_ty {
            Some(t)
                if (t.starts_with("hmac::")
                    || matches!(util::last_segment(&t), "Hmac" | "SimpleHmac"))
                    && MAC_METHODS.contains(&method) =>
            {
                format!("hmac::Mac::{method}")
            }
            Some(t) => format!("{t}::{method}"),
            None => method.to_string(),
        }
    }

    /// The type a `let` initialiser produces when it is evident (`T::new(..)?`, `T { .. }`).
    fn inferred_type(&self, e: &syn::Expr) -> Option<String> {
        match util::peel_expr(e) {
            syn::Expr::Call(c) => {
                let syn::Expr::Path(p) = &*c.func else { return None };
                let segs: Vec<String> =
                    p.path.segments.iter().map(|s| s.ident.to_string()).collect();
                if segs.len() < 2 {
                    return None;
                }
                let ty = &segs[segs.len() - 2];
                if !ty.chars().next().is_some_and(|c| c.is_uppercase()) {
                    return None;
                }
                let path = segs[..segs.len() - 1].join("::");
                Some(self.cx.resolve(&path, &self.self_type))
            }
            syn::Expr::Struct(s) => {
                Some(self.cx.resolve(&util::path_str(&s.path), &self.self_type))
            }
            _ => None,
        }
    }

    fn record_chain(&mut self, e: &syn::Expr) -> Vec<usize> {
        let Some(chain) = frameworks::read_chain(self.cx, e, 0) else { return Vec::new() };
        self.consumed.extend(chain.consumed.iter().copied());
        let mut idx = Vec::new();
        if let Some(prev) = self.router_vars.get(&chain.base_var) {
            idx.extend(prev.iter().copied());
            for &i in prev {
                if let Some(r) = self.registrations.get_mut(i) {
                    r.layers.extend(chain.base_layers.iter().cloned());
                }
            }
        }
        for r in chain.regs {
            idx.push(self.registrations.len());
            self.registrations.push(r);
        }
        idx
    }

    fn bind(&mut self, pat: &syn::Pat, init: &syn::Expr, headers_from: usize, ips_from: usize) {
        let mut names = Vec::new();
        util::pat_idents(pat, &mut names, 0);
        let Some(first) = names.first().cloned() else { return };
        for h in self.headers.iter_mut().skip(headers_from) {
            if h.read.binding.is_empty() {
                h.read.binding = first.clone();
            }
        }
        for h in self.ips.iter_mut().skip(ips_from) {
            if h.read.binding.is_empty() {
                h.read.binding = first.clone();
            }
        }
        let n = sensitivity::expr_names(init, self);
        let mut origins = sensitivity::origins(&n, &self.bindings, &self.params);
        origins.extend(n.idents.iter().cloned());
        origins.extend(n.calls.iter().map(|c| util::last_segment(c).to_string()));
        origins.extend(n.headers.iter().cloned());
        util::sort_dedup(&mut origins);
        // A binding's reason reads as provenance from the names it came from.
        let sensitive = sensitivity::assess(init, &n, &self.bindings, self.cx.k)
            .map(|r| r.strip_prefix("name ").map(|id| format!("from {id}")).unwrap_or(r));
        let b = Binding { origins, sensitive };
        let ty = self.inferred_type(init);
        for name in names {
            if let Some(t) = &ty {
                self.var_types.insert(name.clone(), t.clone());
            }
            self.bindings.insert(name, b.clone());
        }
    }

    /// `let (Some(a), Some(b)) = (x, y) else { .. }`: each element binds its own name.
    fn tuple_let(&mut self, pt: &syn::PatTuple, te: &syn::ExprTuple, diverge: Option<&syn::Expr>) {
        if diverge.is_some() {
            self.gate += 1;
        }
        for (p, e) in pt.elems.iter().zip(te.elems.iter()) {
            let mut names = Vec::new();
            util::pat_idents(p, &mut names, 0);
            let first = names.first().cloned().unwrap_or_default();
            let (h, i) = (self.headers.len(), self.ips.len());
            self.derive.push(first.clone());
            self.lit_hint = Some(LitHint::Binding(first, "let"));
            self.visit_expr(e);
            self.lit_hint = None;
            self.derive.pop();
            self.bind(p, e, h, i);
        }
        if diverge.is_some() {
            self.gate -= 1;
        }
        if let Some(d) = diverge {
            self.visit_expr(d);
        }
    }

    fn visit_call(&mut self, c: &syn::ExprCall, hint: Option<LitHint>) {
        let (name, path) = match &*c.func {
            syn::Expr::Path(p) => {
                let written = util::path_str(&p.path);
                let path = self.cx.resolve(&written, &self.self_type);
                (util::last_segment(&written).to_string(), path)
            }
            other => {
                self.visit_expr(other);
                let t = self.cx.src.text(other);
                (t.clone(), t)
            }
        };
        let rate = is_rate_limiter(&path);
        if rate {
            self.rate += 1;
        }
        let transparent =
            matches!(path.as_str(), "String::from" | "Cow::from" | "Vec::from" | "Cow::Borrowed");
        for (i, a) in c.args.iter().enumerate() {
            self.lit_hint =
                if transparent && i == 0 { hint.clone() } else { Some(LitHint::Arg(path.clone())) };
            self.visit_expr(a);
        }
        self.lit_hint = None;
        if rate {
            self.rate -= 1;
        }
        if path.ends_with("addr::remote") {
            self.ips.push(self.pending_here("remote_addr", util::call_span(c)));
        }
        if is_parse_call(&path, &name) {
            self.parses.push(Parse {
                what: path.clone(),
                before_verify: false,
                span: self.cx.src.span(util::call_span(c)),
            });
        }
        self.push_call(name, path, String::new(), false, c.args.iter(), util::call_span(c));
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

    fn push_call<'e>(
        &mut self,
        name: String,
        path: String,
        receiver: String,
        is_method: bool,
        args: impl Iterator<Item = &'e syn::Expr>,
        span: proc_macro2::Span,
    ) {
        let args = args.map(|a| self.cx.src.text_expr(a)).collect();
        let order = self.calls.len() as u32;
        self.calls.push(Call {
            name,
            path,
            receiver,
            is_method,
            args,
            order,
            span: self.cx.src.span(span),
            ..Call::default()
        });
    }

    fn visit_method_call(&mut self, m: &syn::ExprMethodCall, hint: Option<LitHint>) {
        let method = m.method.to_string();
        let recv_ty = self.receiver_type(&m.receiver);
        let path = self.method_path(recv_ty, &method);

        if let Some(h) = self.header_of_method(m) {
            let ip = self.cx.k.ip_headers.contains(&h);
            let mut p = self.pending_here(&h, util::method_call_span(m));
            p.read.name = h;
            if ip {
                self.ips.push(PendingHeader {
                    read: p.read.clone(),
                    direct_gate: p.direct_gate,
                    direct_log: p.direct_log,
                });
            }
            self.headers.push(p);
        }
        match method.as_str() {
            "peer_addr" | "remote_addr" => {
                self.ips.push(self.pending_here(&method, util::method_call_span(m)))
            }
            "realip_remote_addr" => {
                self.ips.push(self.pending_here("realip", util::method_call_span(m)))
            }
            _ => {}
        }
        if matches!(method.as_str(), "eq" | "ne" | "starts_with" | "ends_with") && m.args.len() == 1
        {
            if let Some(arg) = m.args.first() {
                let cx = self.operand_cx();
                let cmp = Compare {
                    op: method.clone(),
                    text: self.cx.src.text_in(util::method_call_span(m), m),
                    left: sensitivity::operand(&cx, &m.receiver, ""),
                    right: sensitivity::operand(&cx, arg, ""),
                    span: self.cx.src.span(util::method_call_span(m)),
                };
                self.compares.push(cmp);
            }
        }
        if method == "json" && m.args.is_empty() {
            let recv = self.cx.src.text_expr(&m.receiver).to_lowercase();
            if !recv.contains("resp") && !recv.contains("client") {
                self.parses.push(Parse {
                    what: ".json()".to_string(),
                    before_verify: false,
                    span: self.cx.src.span(method_span(m)),
                });
            }
        }
        let gate = GATE_METHODS.contains(&method.as_str());
        if gate {
            self.gate += 1;
        }
        let rate = is_rate_limiter(&method) || is_rate_limiter(&self.cx.src.text_expr(&m.receiver));
        if rate {
            self.rate += 1;
        }
        self.lit_hint = if TRANSPARENT_METHODS.contains(&method.as_str()) { hint } else { None };
        self.visit_expr(&m.receiver);
        for a in &m.args {
            self.lit_hint = Some(LitHint::Arg(path.clone()));
            self.visit_expr(a);
        }
        self.lit_hint = None;
        if gate {
            self.gate -= 1;
        }
        if rate {
            self.rate -= 1;
        }
        let receiver = self.cx.src.text_expr(&m.receiver);
        self.push_call(method, path, receiver, true, m.args.iter(), method_span(m));
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

/// A method call's span from the method name to the closing parenthesis: the receiver chain
/// is not part of this call.
fn method_span(m: &syn::ExprMethodCall) -> proc_macro2::Span {
    m.method.span().join(m.paren_token.span.close()).unwrap_or_else(|| m.method.span())
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

/// Names of rate limiters (`limiter.check_key(..)`, `rate_limit(..)`, `governor`, `throttle`).
fn is_rate_limiter(text: &str) -> bool {
    crate::names::words(text).iter().any(|w| {
        matches!(
            w.as_str(),
            "limiter" | "ratelimit" | "ratelimiter" | "throttle" | "governor" | "quota" | "rate"
        )
    })
}

fn is_parse_call(path: &str, name: &str) -> bool {
    const FNS: &[&str] = &[
        "from_slice",
        "from_str",
        "from_reader",
        "from_value",
        "from_bytes",
        "to_owned_value",
        "to_borrowed_value",
        "from_slice_mut",
    ];
    FNS.contains(&name)
        && ["serde_json", "simd_json", "serde_urlencoded", "serde_qs", "Json::", "Form::"]
            .iter()
            .any(|c| path.contains(c))
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

/// Facts of a module-level `const`/`static` initialiser: its literals and router chains.
pub fn module_value(
    cx: &FileCx<'_>,
    name: &str,
    context: &'static str,
    e: &syn::Expr,
    _module: &str,
    is_test: bool,
) -> (Vec<Literal>, Vec<Registration>) {
    let mut v = FnVisitor::new(cx, "", is_test, &[], &[]);
    v.lit_hint = Some(LitHint::Binding(name.to_string(), context));
    v.run_expr(e);
    let facts = v.finish();
    (facts.literals, facts.registrations)
}

#[cfg(test)]
mod tests {
    use crate::testutil::{facts, func};

    const GITHUB: &str = r#"
use hmac::{Hmac, Mac};
use sha2::Sha256;
type HmacSha256 = Hmac<Sha256>;
const SIG_HEADER: &str = "X-Hub-Signature-256";

async fn github_webhook(headers: HeaderMap, body: Bytes) -> StatusCode {
    let provided = headers.get(SIG_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if provided.len() != 71 { return StatusCode::BAD_REQUEST; }
    let mut mac = HmacSha256::new_from_slice(b"topsecret").unwrap();
    mac.update(&body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    if expected != provided { return StatusCode::UNAUTHORIZED; }
    let event: Event = serde_json::from_slice(&body).unwrap();
    if event.kind == "push" {}
    StatusCode::OK
}
"#;

    #[test]
    fn header_reads_and_gates() {
        let f = facts(GITHUB);
        let h = func(&f, "github_webhook");
        assert_eq!(h.headers_read.len(), 1);
        let r = &h.headers_read[0];
        assert_eq!(r.name, "x-hub-signature-256");
        assert_eq!(r.binding, "provided");
        assert!(r.gates);
        assert!(!r.logged_only);
        assert!(h.is_webhook);
        assert!(h.webhook_reasons.iter().any(|w| w.contains("signature header")));
    }

    #[test]
    fn compares_and_sensitivity() {
        let f = facts(GITHUB);
        let h = func(&f, "github_webhook");
        let by_text =
            |t: &str| h.compares.iter().find(|c| c.text == t).unwrap_or_else(|| panic!("{t}"));
        let len = by_text("provided.len() != 71");
        assert!(!len.left.sensitive && !len.right.sensitive);
        assert_eq!(len.right.literal, "71");
        let eq = by_text("expected != provided");
        assert!(eq.left.sensitive, "{:?}", eq.left);
        assert!(eq.right.sensitive);
        assert_eq!(eq.right.sensitive_reason, "from header x-hub-signature-256");
        assert!(eq.left.origins.contains(&"mac".to_string()), "{:?}", eq.left.origins);
        let kind = by_text("event.kind == \"push\"");
        assert!(!kind.left.sensitive);
        assert!(kind.right.is_literal);
        assert!(h.reaches_sensitive_compare);
    }

    #[test]
    fn calls_resolve_through_uses_aliases_and_receiver_types() {
        let f = facts(GITHUB);
        let h = func(&f, "github_webhook");
        let paths: Vec<&str> = h.calls.iter().map(|c| c.path.as_str()).collect();
        assert!(paths.contains(&"hmac::Hmac::new_from_slice"), "{paths:?}");
        assert!(paths.contains(&"hmac::Mac::update"), "{paths:?}");
        assert!(paths.contains(&"hmac::Mac::finalize"), "{paths:?}");
        assert!(paths.contains(&"serde_json::from_slice"));
        let orders: Vec<u32> = h.calls.iter().map(|c| c.order).collect();
        assert_eq!(orders, (0..h.calls.len() as u32).collect::<Vec<_>>());
        assert!(!h.verifies);
        assert_eq!(h.body.parses.len(), 1);
        assert!(h.body.parses[0].before_verify);
    }

    #[test]
    fn literals_with_bindings_and_callees() {
        let f = facts(GITHUB);
        assert_eq!(f.literals.len(), 1);
        assert_eq!(f.literals[0].binding, "SIG_HEADER");
        assert_eq!(f.literals[0].context, "const");
        let h = func(&f, "github_webhook");
        let key = h.literals.iter().find(|l| l.value == "topsecret").expect("key literal");
        assert!(key.is_bytes);
        assert_eq!(key.context, "arg");
        assert_eq!(key.callee, "hmac::Hmac::new_from_slice");
        assert!(
            h.literals.iter().all(|l| l.value != "sha256={}"),
            "format strings are not literals"
        );
        let f = facts(
            r#"
fn f() {
    let secret = "abc".to_string();
    let cfg = Config { api_key: "k-1" };
    let name = std::env::var("WEBHOOK_SECRET");
    #[cfg(test)] fn t() {}
}
#[test]
fn t() { let token = "x"; }
"#,
        );
        let l = &func(&f, "f").literals;
        assert_eq!((l[0].binding.as_str(), l[0].context.as_str()), ("secret", "let"));
        assert_eq!((l[1].binding.as_str(), l[1].context.as_str()), ("api_key", "field"));
        assert_eq!((l[2].callee.as_str(), l[2].context.as_str()), ("std::env::var", "arg"));
        assert!(func(&f, "t").literals[0].is_test);
    }

    #[test]
    fn property_names_and_reduced_values_are_not_sensitive() {
        let f = facts(
            r#"
fn f(header: &str, token: &str, sig: &str) {
    let (scheme, sig_value) = header.split_once('=').unwrap();
    if scheme == "v1" {}
    if token.is_empty() {}
    if sig.len() == 64 {}
    let sig_len = sig.len();
    if sig_len == 64 {}
    if token.token_type == "bearer" {}
    if sig_value == sig {}
    assert_eq!(token, "t");
}
"#,
        );
        let c = &func(&f, "f").compares;
        let s = |i: usize| (c[i].left.sensitive, c[i].right.sensitive);
        assert_eq!(s(0), (false, false), "{:?}", c[0]);
        assert_eq!(s(1), (false, false), "sig.len() == 64");
        assert_eq!(s(2), (false, false), "sig_len == 64");
        assert_eq!(s(3), (false, false), "token.token_type");
        assert_eq!(s(4), (true, true), "sig_value == sig");
        assert_eq!(c[5].op, "assert_eq");
        assert!(c[5].left.sensitive);
    }

    #[test]
    fn ip_sources_gate_or_log() {
        let f = facts(
            r#"
async fn allow(req: HttpRequest) -> bool {
    let ip = req.headers().get("x-forwarded-for").unwrap();
    ALLOWLIST.contains(&ip)
}
async fn logged(req: HttpRequest) {
    let addr = req.peer_addr();
    tracing::info!(?addr, "request");
}
"#,
        );
        let a = &func(&f, "allow").ip_sources;
        assert_eq!(a[0].kind, "x-forwarded-for");
        assert!(a[0].gates);
        let l = &func(&f, "logged").ip_sources;
        assert_eq!(l[0].kind, "peer_addr");
        assert!(!l[0].gates);
        assert!(l[0].logged_only);
    }

    #[test]
    fn header_names_from_constants_and_typed_access() {
        let f = facts(
            r#"
fn f(req: Request) {
    let a = req.headers().get(header::AUTHORIZATION);
    let b = req.headers().get(X_SLACK_SIGNATURE);
    let t = req.headers().get(HeaderName::from_static("x-user-id"));
    let u = req.header("X-Tenant-Id");
    let c = req.headers().typed_get::<ContentType>();
    let client = reqwest::Client::new().post(url).header("X-Signature", sig);
}
"#,
        );
        let names: Vec<&str> = func(&f, "f").headers_read.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(
            names,
            ["authorization", "x-slack-signature", "x-user-id", "x-tenant-id", "content-type"]
        );
    }

    #[test]
    fn tuple_lets_bind_each_element() {
        let f = facts(
            r#"
fn f(headers: HeaderMap) {
    let (Some(id), Some(sig)) = (headers.get("webhook-id"), headers.get("webhook-signature")) else {
        return;
    };
    tracing::info!(%id, "delivery");
    let (scheme, value) = sig.split_once('=').unwrap();
}
"#,
        );
        let h = &func(&f, "f").headers_read;
        assert_eq!((h[0].binding.as_str(), h[1].binding.as_str()), ("id", "sig"));
        assert!(h[0].gates && !h[0].logged_only, "a let-else presence check gates");
    }

    #[test]
    fn rate_limiting_and_verifier_results() {
        let f = facts(
            r#"
async fn signup(ConnectInfo(peer): ConnectInfo<SocketAddr>, headers: HeaderMap) {
    if state.limiter.check_key(&peer.ip()).is_err() { return; }
    let claimed = headers.get("x-signature").unwrap();
    if let Err(err) = ring::hmac::verify(&key, &body, claimed.as_bytes()) {
        log::warn!("rejected: {err:?}");
    }
}
"#,
        );
        let g = func(&f, "signup");
        assert!(!g.ip_sources[0].gates, "keying a rate limiter by address is not a gate");
        assert!(!g.logs[0].args[0].sensitive, "a verifier's error is not the secret");
    }

    #[test]
    fn header_map_found_by_type() {
        let f = facts("fn f(h: HeaderMap) { let s = h.get(\"stripe-signature\"); }");
        assert_eq!(func(&f, "f").headers_read[0].name, "stripe-signature");
    }
}
