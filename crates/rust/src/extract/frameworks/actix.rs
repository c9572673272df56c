//! actix-web: `web::post().to(h)` routes.

use super::{call_path, flatten, handler_name, METHODS};
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
            .map(|a| util::last_segment(&cx.src.text(a)).to_uppercase())
            .unwrap_or_else(|| "ANY".to_string()),
        _ => "ANY".to_string(),
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
