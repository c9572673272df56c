//! Route attributes: `#[post("/x")]` (actix-web, rocket), `#[route(..)]`, poem's `#[oai]`,
//! and handler markers.

use hooklint_model::Route;
use syn::spanned::Spanned;

use super::METHODS;
use crate::extract::FileCx;
use crate::util;

/// Routes from a route attribute; the flag says the attribute marks a handler even without a
/// route (`#[handler]`, `#[debug_handler]`).
pub fn attr_routes(cx: &FileCx<'_>, a: &syn::Attribute) -> (Vec<Route>, bool) {
    let path = util::path_str(a.path());
    let last = util::last_segment(&path).to_string();
    let prefix = path.split("::").next().unwrap_or("");
    if matches!(last.as_str(), "handler" | "debug_handler") {
        return (Vec::new(), true);
    }
    let framework = match prefix {
        "rocket" => "rocket",
        "actix_web" => "actix-web",
        "poem_openapi" | "poem" => "poem",
        _ if cx.framework == "rocket" => "rocket",
        _ if cx.framework == "poem" => "poem",
        _ => "actix-web",
    };
    let is_method = METHODS.contains(&last.as_str()) && last != "any";
    if !(is_method || last == "route" || last == "oai") {
        return (Vec::new(), false);
    }
    let Ok(args) = a.parse_args_with(
        syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
    ) else {
        return (Vec::new(), false);
    };
    let mut route_path = String::new();
    let mut has_path = false;
    let mut methods = Vec::new();
    for arg in &args {
        match arg {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) if !has_path => {
                route_path = s.value();
                has_path = true;
            }
            syn::Expr::Assign(asg) => {
                let key = cx.src.text_expr(&asg.left);
                let val = match &*asg.right {
                    syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => s.value(),
                    other => util::last_segment(&cx.src.text_expr(other)).to_string(),
                };
                match key.as_str() {
                    "method" => methods.push(val.to_uppercase()),
                    "path" => {
                        route_path = val;
                        has_path = true;
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if is_method {
        methods = vec![last.to_uppercase()];
    }
    if methods.is_empty() {
        methods.push("ANY".to_string());
    }
    if !has_path && last != "oai" {
        return (Vec::new(), true);
    }
    let span = cx.src.span(a.span());
    let routes = methods
        .into_iter()
        .map(|m| Route {
            method: m,
            path: route_path.clone(),
            framework: framework.to_string(),
            layers: Vec::new(),
            span: span.clone(),
        })
        .collect();
    (routes, true)
}
