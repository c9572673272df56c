//! Middleware and layer names in `.layer(..)`, `.wrap(..)` and `.with(..)` arguments (tower,
//! axum, actix-web, poem).

use syn::spanned::Spanned;

use super::{call_path, flatten, handler_name};
use crate::util;

/// Names of the middleware or layer types in a `.layer(..)`/`.wrap(..)`/`.with(..)` argument.
pub fn layer_names(e: &syn::Expr, depth: usize) -> Vec<String> {
    if depth > crate::limits::EXPR_DEPTH {
        crate::limits::hit(e.span().start().line, "a middleware layer");
        return Vec::new();
    }
    let e = util::peel_expr(e);
    let (base, segs) = flatten(e);
    if !segs.is_empty() {
        let base_path = call_path(base).unwrap_or_default();
        if base_path.ends_with("ServiceBuilder::new") {
            return segs
                .iter()
                .filter(|s| s.method.to_string().starts_with("layer") || s.method == "map_request")
                .flat_map(|s| s.args.iter().flat_map(|a| layer_names(a, depth + 1)))
                .collect();
        }
        return layer_names(base, depth + 1);
    }
    match e {
        syn::Expr::Call(c) => {
            let p = match &*c.func {
                syn::Expr::Path(p) => p,
                _ => return Vec::new(),
            };
            let path = util::path_str(&p.path);
            let last = util::last_segment(&path);
            if matches!(
                last,
                "from_fn"
                    | "from_fn_with_state"
                    | "map_request"
                    | "map_request_with_state"
                    | "wrap_fn"
            ) {
                return c
                    .args
                    .last()
                    .map(handler_name)
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect();
            }
            if last.starts_with("from_extractor") {
                let seg = p
                    .path
                    .segments
                    .iter()
                    .find(|s| s.ident.to_string().starts_with("from_extractor"));
                if let Some(syn::PathArguments::AngleBracketed(a)) = seg.map(|s| &s.arguments) {
                    if let Some(syn::GenericArgument::Type(t)) = a.args.first() {
                        if let Some(tp) = util::type_path(t) {
                            return vec![util::path_str(tp)];
                        }
                    }
                }
                return Vec::new();
            }
            // `VerifyLayer::new(secret)` / `Verify::default()` -> the type.
            let segs: Vec<&str> = path.split("::").collect();
            if segs.len() >= 2 {
                return vec![segs[..segs.len() - 1].join("::")];
            }
            vec![path]
        }
        syn::Expr::Path(p) => vec![util::path_str(&p.path)],
        syn::Expr::Struct(s) => vec![util::path_str(&s.path)],
        syn::Expr::Closure(_) => vec!["<closure>".to_string()],
        _ => Vec::new(),
    }
}
