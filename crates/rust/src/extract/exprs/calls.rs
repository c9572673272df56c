//! Calls and method calls: their resolved paths, header and address reads, parses,
//! comparison methods, and what their arguments mean for literals and gating.

use hooklint_model::{names, Call, Compare, Parse};

use syn::visit::Visit;

use super::{FnVisitor, LitHint, PendingHeader};
use crate::extract::sensitivity;
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
        names::first_run(text, &self.cx.k.rate_limiter_words).is_some()
    }

    pub(super) fn visit_call(&mut self, c: &syn::ExprCall, hint: Option<LitHint>) {
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
        let rate = self.is_rate_limiter(&path);
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

    pub(super) fn push_call<'e>(
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

    pub(super) fn visit_method_call(&mut self, m: &syn::ExprMethodCall, hint: Option<LitHint>) {
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
        let rate = self.is_rate_limiter(&method)
            || self.is_rate_limiter(&self.cx.src.text_expr(&m.receiver));
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
