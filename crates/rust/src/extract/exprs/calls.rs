//! Calls and method calls: their resolved paths, header and address reads, parses,
//! comparison methods, and what their arguments mean for literals and gating.

use hooklint_model::{Call, Compare, Parse};

use super::{FnVisitor, LitHint, PendingHeader};
use crate::extract::sensitivity;
use crate::provenance::kinds;
use crate::util;

/// Methods that pass a literal through unchanged (`"x".to_string()` still initialises `x`).
pub(super) const TRANSPARENT_METHODS: &[&str] = &[
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

/// The `Hmac` type's methods that come from the `hmac::Mac` trait.
pub(super) const MAC_METHODS: &[&str] = &[
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

impl FnVisitor<'_, '_> {
    pub(in crate::extract) fn receiver_type(&self, e: &syn::Expr) -> Option<String> {
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

    pub(super) fn method_path(&self, recv_ty: Option<String>, method: &str) -> String {
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

    /// A name of a rate limiter (`limiter.check_key(..)`, `rate_limit(..)`, `governor`): it has
    /// a `rate_limiter_words` word.
    fn is_rate_limiter(&self, text: &str) -> bool {
        self.cx.k.matchers().rate_limiter_words.first_run(text).is_some()
    }

    pub(super) fn visit_call(&mut self, c: &syn::ExprCall, hint: Option<LitHint>) {
        let (name, path, func_val) = match &*c.func {
            syn::Expr::Path(p) => {
                let written = util::path_str(&p.path);
                let path = self.cx.resolve(&written, &self.self_type);
                (util::last_segment(&written).to_string(), path, None)
            }
            other => {
                let v = self.eval(other);
                let t = self.cx.src.text_expr(other);
                (t.clone(), t, Some(v))
            }
        };
        // `log(&token)` where `let log = |m| ..`: the closure's params take the arguments.
        let local_closure = match &*c.func {
            syn::Expr::Path(p) if p.path.segments.len() == 1 => self
                .scopes
                .get(&util::path_str(&p.path))
                .and_then(|l| l.closure.clone().map(|slots| (slots, l.val.clone()))),
            _ => None,
        };
        let rate = self.is_rate_limiter(&path);
        if rate {
            self.rate += 1;
        }
        let transparent =
            matches!(path.as_str(), "String::from" | "Cow::from" | "Vec::from" | "Cow::Borrowed");
        let first_lit = c.args.first().and_then(|a| self.string_value(a));
        self.inside.push(path.clone());
        let mut args = Vec::with_capacity(c.args.len());
        let mut closures = Vec::new();
        for (i, a) in c.args.iter().enumerate() {
            self.lit_hint =
                if transparent && i == 0 { hint.clone() } else { Some(LitHint::Arg(path.clone())) };
            if matches!(util::peel_expr(a), syn::Expr::Closure(_)) {
                closures.push(self.eval(a));
            } else {
                args.push(self.eval(a));
            }
        }
        self.inside.pop();
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
        let k = self.push_call(
            name.clone(),
            path.clone(),
            String::new(),
            false,
            c.args.iter(),
            util::call_span(c),
        );
        self.val = if let Some((slots, val)) = local_closure {
            for (slot, arg) in slots.iter().zip(args) {
                self.fb.flow.local_args.push((*slot, arg));
            }
            val
        } else if let Some(fv) = func_val {
            let mut v = fv;
            for a in args.iter().chain(&closures) {
                self.fb.union_into(&mut v, a);
            }
            v
        } else {
            self.call_value(k, &name, &path, None, args, &closures, first_lit, util::call_span(c))
        };
    }

    /// The string a literal or a string `const` of the file holds.
    pub(super) fn string_value(&self, e: &syn::Expr) -> Option<String> {
        match util::peel_expr(e) {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
            syn::Expr::Path(p) => {
                let seg = p.path.segments.last()?.ident.to_string();
                self.cx.consts.get(&seg).cloned()
            }
            _ => None,
        }
    }

    pub(super) fn push_call<'e>(
        &mut self,
        name: String,
        path: String,
        receiver: String,
        is_method: bool,
        args: impl Iterator<Item = &'e syn::Expr>,
        span: proc_macro2::Span,
    ) -> u32 {
        let args = args.map(|a| self.cx.src.text_expr(a)).collect();
        let order = self.calls.len() as u32;
        self.calls.push(Call {
            name,
            path,
            receiver,
            is_method,
            args,
            order,
            in_branch: self.branch > 0,
            span: self.cx.src.span(span),
            ..Call::default()
        });
        order
    }

    pub(super) fn visit_method_call(&mut self, m: &syn::ExprMethodCall, hint: Option<LitHint>) {
        let method = m.method.to_string();
        let recv_ty = self.receiver_type(&m.receiver);
        let path = self.method_path(recv_ty, &method);

        let header = self.header_of_method(m);
        if let Some(h) = &header {
            let ip = self.cx.k.ip_headers.contains(h);
            let mut p = self.pending_here(h, util::method_call_span(m));
            p.read.name = h.clone();
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
        let mut compare = None;
        if matches!(method.as_str(), "eq" | "ne" | "starts_with" | "ends_with") && m.args.len() == 1
        {
            if let Some(arg) = m.args.first() {
                let cx = self.operand_cx();
                let mut cmp = Compare {
                    op: method.clone(),
                    text: self.cx.src.text_in(util::method_call_span(m), m),
                    left: sensitivity::operand(&cx, &m.receiver, ""),
                    right: sensitivity::operand(&cx, arg, ""),
                    inside: self.inside.last().cloned().unwrap_or_default(),
                    stored: false,
                    span: self.cx.src.span(util::method_call_span(m)),
                };
                cmp.left.ty = self.expr_type(&m.receiver);
                cmp.right.ty = self.expr_type(arg);
                compare = Some(self.push_compare(cmp));
            }
        }
        let receiver = self.cx.src.text_expr(&m.receiver);
        if method == "json" && m.args.is_empty() {
            let recv = receiver.to_lowercase();
            if !self.cx.k.response_receiver_hints.iter().any(|h| recv.contains(h.as_str())) {
                self.parses.push(Parse {
                    what: ".json()".to_string(),
                    before_verify: false,
                    span: self.cx.src.span(method_span(m)),
                });
            }
        }
        let gate = self.cx.k.gate_methods.contains(&method);
        if gate {
            self.gate += 1;
        }
        let rate = self.is_rate_limiter(&method) || self.is_rate_limiter(&receiver);
        if rate {
            self.rate += 1;
        }
        self.lit_hint = if TRANSPARENT_METHODS.contains(&method.as_str()) { hint } else { None };
        let recv_val = self.eval(&m.receiver);
        self.note_receiver(&m.receiver);
        let receiver_name = self.pending_receiver.take();
        let first_lit = m.args.first().and_then(|a| self.string_value(a));
        self.inside.push(method.clone());
        let mut args = Vec::with_capacity(m.args.len());
        let mut closures = Vec::new();
        for a in &m.args {
            self.lit_hint = Some(LitHint::Arg(path.clone()));
            if matches!(util::peel_expr(a), syn::Expr::Closure(_)) {
                self.closure_params = Some(self.closure_params_for(&method, &recv_val));
                closures.push(self.eval(a));
                self.closure_params = None;
            } else if self.conversion_fn_arg(&method, a) {
                // `.map(String::from)`, `.map(Signature)`: a conversion or a constructor hands
                // on the value it is given, as the closure `|x| Signature(x)` would.
                let _ = self.eval(a);
                closures.push(recv_val.clone());
            } else if let Some(v) = self.fn_arg_call(&method, a, &recv_val) {
                closures.push(v);
            } else {
                args.push(self.eval(a));
            }
        }
        self.fill_from_receiver(&method, &m.args, &recv_val);
        self.inside.pop();
        self.lit_hint = None;
        if gate {
            self.gate -= 1;
        }
        if rate {
            self.rate -= 1;
        }
        if let Some(i) = compare {
            let arg = args.first().cloned().unwrap_or_default();
            self.set_compare_flow(i, recv_val.clone(), arg);
        }
        let k = self.push_call(
            method.clone(),
            path.clone(),
            receiver,
            true,
            m.args.iter(),
            method_span(m),
        );
        self.val = match header {
            Some(h) => {
                let v = self.fb.source(
                    kinds::REQUEST,
                    "header",
                    h,
                    self.cx.src.span(util::method_call_span(m)),
                );
                match self.root_param(&m.receiver) {
                    Some(p) => self.fb.step(&v, &format!("param {p}")),
                    None => v,
                }
            }
            None => {
                self.pending_receiver = receiver_name;
                self.turbofish = m.turbofish.is_some();
                self.store_query = self.runs_built_query(m);
                let v = self.call_value(
                    k,
                    &method,
                    &path,
                    Some(&recv_val),
                    args,
                    &closures,
                    first_lit,
                    method_span(m),
                );
                self.turbofish = false;
                self.store_query = false;
                v
            }
        };
    }

    /// `users.filter(name.eq(n)).first::<User>(&mut conn)`: a `store_queries` method (Diesel's
    /// `first`, `load`) called with one argument, the connection, on a method chain that holds
    /// a `query_steps` call whose arguments are no closures (`filter(..)`, `inner_join(..)`),
    /// runs the query that chain built. A slice's `first()`, an atomic's `load(ordering)` or an
    /// iterator's `filter(|x| ..)` chain does not.
    pub(super) fn runs_built_query(&self, m: &syn::ExprMethodCall) -> bool {
        let closure = |a: &syn::Expr| matches!(util::peel_expr(a), syn::Expr::Closure(_));
        if m.args.len() != 1 || m.args.iter().any(closure) {
            return false;
        }
        let k = self.cx.k;
        if !k.store_queries.iter().any(|q| m.method == q) {
            return false;
        }
        let mut e = &*m.receiver;
        for _ in 0..64 {
            e = match e {
                syn::Expr::MethodCall(r) => {
                    if k.query_steps.iter().any(|s| r.method == s) && !r.args.iter().any(closure) {
                        return true;
                    }
                    &r.receiver
                }
                syn::Expr::Paren(p) => &p.expr,
                syn::Expr::Group(g) => &g.expr,
                syn::Expr::Await(a) => &a.base,
                syn::Expr::Try(t) => &t.expr,
                _ => return false,
            };
        }
        false
    }

    /// The parameter an expression reads from (`req` of `req.headers()`), if any.
    fn root_param(&self, e: &syn::Expr) -> Option<String> {
        let mut e = e;
        for _ in 0..64 {
            e = match e {
                syn::Expr::MethodCall(m) => &m.receiver,
                syn::Expr::Field(f) => &f.base,
                syn::Expr::Reference(r) => &r.expr,
                syn::Expr::Paren(p) => &p.expr,
                syn::Expr::Try(t) => &t.expr,
                syn::Expr::Await(a) => &a.base,
                syn::Expr::Path(p) if p.path.segments.len() == 1 => {
                    let n = util::path_str(&p.path);
                    return self.slots.contains(&n).then_some(n);
                }
                _ => return None,
            };
        }
        None
    }
}

/// A method call's span from the method name to the closing parenthesis: the receiver chain
/// is not part of this call.
pub(super) fn method_span(m: &syn::ExprMethodCall) -> proc_macro2::Span {
    m.method.span().join(m.paren_token.span.close()).unwrap_or_else(|| m.method.span())
}

pub(super) fn is_parse_call(path: &str, name: &str) -> bool {
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
