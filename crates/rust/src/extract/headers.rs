//! Header reads: which expressions read a request header, and the header's name.

use super::exprs::FnVisitor;
use super::sensitivity::HeaderLookup;
use hooklint_model::names;

use crate::util;

impl FnVisitor<'_, '_> {
    /// A header name given as an argument: a literal, a project constant, a library constant
    /// (`header_constants`), or `header::NAME`.
    pub(super) fn header_name_arg(&self, e: &syn::Expr) -> Option<String> {
        match util::peel_expr(e) {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => {
                Some(s.value().to_lowercase())
            }
            syn::Expr::Path(p) => {
                let seg = p.path.segments.last()?.ident.to_string();
                if let Some(v) = self.cx.consts.get(&seg) {
                    return Some(v.to_lowercase());
                }
                if let Some(h) = self.cx.k.header_constant(&util::path_str(&p.path)) {
                    return Some(h.to_lowercase());
                }
                let upper = seg.chars().all(|c| c.is_uppercase() || c.is_ascii_digit() || c == '_');
                upper.then(|| names::header_from_const(&seg))
            }
            syn::Expr::Call(c) => c.args.first().and_then(|a| self.header_name_arg(a)),
            syn::Expr::MethodCall(m) if m.method == "as_str" || m.method == "as_ref" => {
                self.header_name_arg(&m.receiver)
            }
            _ => None,
        }
    }

    /// `e` is the response to a request the code sends, or a part of one: a `response_calls`
    /// call (`client.get(u).send().await?`), a local bound to one or of a `response_types`
    /// type, reached through `?`, `.await`, fields and accessors (`value_carriers`,
    /// `unwrap`...). A `.request()` step (`res.request().headers()`) is the request again.
    pub(super) fn is_response(&self, e: &syn::Expr) -> bool {
        const STEPS: &[&str] = &[
            "unwrap",
            "expect",
            "unwrap_or_default",
            "error_for_status",
            "error_for_status_ref",
            "clone",
            "as_ref",
            "as_mut",
            "borrow",
            "into_parts",
        ];
        let k = self.cx.k;
        let mut e = e;
        for _ in 0..64 {
            match util::peel_expr(e) {
                syn::Expr::MethodCall(m) => {
                    let method = m.method.to_string();
                    if k.response_calls.contains(&method) {
                        return true;
                    }
                    if !(STEPS.contains(&method.as_str()) || k.value_carriers.contains(&method)) {
                        return false;
                    }
                    e = &m.receiver;
                }
                syn::Expr::Field(f) => e = &f.base,
                syn::Expr::Match(m) => e = &m.expr,
                syn::Expr::Path(p) if p.path.segments.len() == 1 => {
                    let name = util::path_str(&p.path);
                    return self.responses.contains(&name)
                        || k.response_types.contains(&self.var_type_of(&name));
                }
                _ => return false,
            }
        }
        false
    }

    /// `if let Ok(resp) = client.send().await`, a `match` arm on one: the names the pattern
    /// binds are parts of the response.
    pub(super) fn mark_responses(&mut self, pat: &syn::Pat, scrutinee: &syn::Expr) {
        if self.is_response(scrutinee) {
            let mut names = Vec::new();
            util::pat_idents(pat, &mut names, 0);
            self.responses.extend(names);
        }
    }

    pub(super) fn header_of_method(&self, m: &syn::ExprMethodCall) -> Option<String> {
        if self.is_response(&m.receiver) {
            return None;
        }
        let method = m.method.to_string();
        match method.as_str() {
            "get" | "get_all" | "get_one" | "contains_key" | "get_raw" | "get_str" => {
                let recv = self.cx.src.text_expr(&m.receiver).to_lowercase();
                let header_map = self
                    .receiver_type(&m.receiver)
                    .is_some_and(|t| t.ends_with("HeaderMap") || t.ends_with("Headers"));
                if !(recv.contains("header") || header_map) || m.args.len() != 1 {
                    return None;
                }
                m.args.first().and_then(|a| self.header_name_arg(a))
            }
            "header" if m.args.len() == 1 => m.args.first().and_then(|a| self.header_name_arg(a)),
            "typed_get" | "typed_header" => {
                let t = m.turbofish.as_ref()?.args.first()?;
                match t {
                    syn::GenericArgument::Type(ty) => util::type_path(ty)
                        .and_then(|p| p.segments.last())
                        .map(|s| names::header_from_const(&s.ident.to_string())),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

impl HeaderLookup for FnVisitor<'_, '_> {
    fn header_of_call(&self, e: &syn::Expr) -> Option<String> {
        match e {
            syn::Expr::MethodCall(m) => self.header_of_method(m),
            _ => None,
        }
    }
}
