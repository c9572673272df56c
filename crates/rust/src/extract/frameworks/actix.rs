//! actix-web: `web::post().to(h)` routes, `web::resource(..)` and `web::scope(..)` chains,
//! `.service(handler)` of attribute-routed fns.

use super::{call_path, flatten, handler_name, Reader, METHODS};
use crate::extract::FileCx;
use crate::util;

/// actix `web::post().to(h)`, `web::route().guard(..).to(h)`.
pub(super) fn actix_route(cx: &FileCx<'_>, e: &syn::Expr) -> Option<(String, String)> {
    let (base, segs) = flatten(util::peel_expr(e));
    let to = segs.iter().find(|s| s.method == "to" || s.method == "to_async")?;
    let handler = handler_name(to.args.first()?);
    let path = call_path(base)?;
    let last = util::last_segment(&path);
    let method = if METHODS.contains(&last) {
        last.to_uppercase()
    } else if last == "method" {
        base_first_arg_method(cx, base)
    } else {
        "ANY".to_string()
    };
    Some((method, handler))
}

fn base_first_arg_method(cx: &FileCx<'_>, base: &syn::Expr) -> String {
    match util::peel_expr(base) {
        syn::Expr::Call(c) => c
            .args
            .first()
            .map(|a| util::last_segment(&cx.src.text_expr(a)).to_uppercase())
            .unwrap_or_else(|| "ANY".to_string()),
        _ => "ANY".to_string(),
    }
}

/// The path of a chain started by `web::resource("/p")`, and the prefix of one started by
/// `web::scope("/p")`.
pub(super) fn resource_and_scope(
    base_last: &str,
    base_arg: Option<String>,
) -> (Option<String>, String) {
    let resource = if base_last == "resource" { base_arg.clone() } else { None };
    let scope = if base_last == "scope" { base_arg.unwrap_or_default() } else { String::new() };
    (resource, scope)
}

/// `web::resource("/p").route(web::post().to(h))` or `.to(h)`.
pub(super) fn resource_route(r: &mut Reader<'_, '_>, m: &str, mr: &syn::Expr) {
    let path = r.resource.clone().unwrap_or_default();
    let got =
        if m == "to" { Some(("ANY".to_string(), handler_name(mr))) } else { actix_route(r.cx, mr) };
    if let Some((method, h)) = got.filter(|g| !g.1.is_empty()) {
        r.push(r.reg(method, path, "actix-web", h, Vec::new()));
    }
}

/// `.service(handler)` of an attribute-routed fn: the attribute has its route.
pub(super) fn service(r: &mut Reader<'_, '_>, inner: &syn::Expr) {
    let h = handler_name(inner);
    if !h.is_empty() {
        r.push(r.reg(String::new(), String::new(), "actix-web", h, Vec::new()));
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::{facts, func};

    #[test]
    fn actix_attributes_resources_and_wrap() {
        let f = facts(
            r#"
use actix_web::{web, App, HttpRequest, post};
#[post("/webhook")]
async fn hook(req: HttpRequest, body: web::Bytes) -> HttpResponse { todo!() }
#[actix_web::route("/multi", method = "GET", method = "POST")]
async fn multi() {}
fn config() {
    App::new()
        .wrap(from_fn(check_sig))
        .service(web::resource("/pay").route(web::post().to(pay)))
        .route("/plain", web::get().to(plain))
        .service(hook);
}
async fn pay(body: String) {}
async fn plain() {}
"#,
        );
        let h = func(&f, "hook");
        assert_eq!(h.routes.len(), 1);
        assert_eq!(h.routes[0].framework, "actix-web");
        assert_eq!(h.routes[0].layers, ["check_sig"]);
        assert_eq!(h.params[0].extractor, "request");
        assert_eq!(h.params[1].extractor, "bytes");
        assert_eq!(h.body.kind, "bytes");
        let m = func(&f, "multi");
        assert_eq!(m.routes.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["GET", "POST"]);
        let pay = func(&f, "pay");
        assert_eq!(pay.routes[0].path, "/pay");
        assert_eq!(pay.routes[0].method, "POST");
        assert_eq!(pay.routes[0].layers, ["check_sig"]);
        assert_eq!(pay.params[0].extractor, "string", "String is the body in a handler");
        assert_eq!(func(&f, "plain").routes[0].method, "GET");
    }
}
