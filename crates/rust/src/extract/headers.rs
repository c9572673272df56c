//! Header reads: which expressions read a request header, and the header's name.

use super::exprs::FnVisitor;
use super::sensitivity::HeaderLookup;
use hooklint_model::names;

use crate::util;

impl FnVisitor<'_, '_> {
    /// A header name given as an argument: a literal, a constant, or `header::NAME`.
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

    pub(super) fn header_of_method(&self, m: &syn::ExprMethodCall) -> Option<String> {
        let method = m.method.to_string();
        match method.as_str() {
            "get" | "get_all" | "get_one" | "contains_key" | "get_raw" | "get_str" => {
                let recv = self.cx.src.text(&*m.receiver).to_lowercase();
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
