//! warp: filter chains (`warp::path(..).and(warp::post()).and(warp::header(..))`).

use hooklint_model::Registration;

use super::{call_path, flatten, handler_name, str_arg, Reader, METHODS};
use crate::extract::FileCx;
use crate::util;

pub(super) fn is_warp_macro(e: &syn::Expr) -> bool {
    matches!(util::peel_expr(e), syn::Expr::Macro(m) if util::path_str(&m.mac.path).ends_with("path"))
}

/// What a warp filter chain says about its route.
#[derive(Default)]
pub(super) struct WarpRoute {
    segments: Vec<String>,
    method: String,
    headers: Vec<String>,
}

impl WarpRoute {
    pub(super) fn read(&mut self, cx: &FileCx<'_>, e: &syn::Expr) {
        let (base, segs) = flatten(util::peel_expr(e));
        for s in &segs {
            if s.method == "and" {
                if let Some(a) = s.args.first() {
                    self.read_one(cx, a);
                }
            }
        }
        self.read_one(cx, base);
    }

    fn read_one(&mut self, cx: &FileCx<'_>, e: &syn::Expr) {
        let e = util::peel_expr(e);
        if let syn::Expr::Macro(m) = e {
            if util::path_str(&m.mac.path).ends_with("path") {
                for tt in m.mac.tokens.clone() {
                    if let proc_macro2::TokenTree::Literal(l) = tt {
                        self.segments.push(l.to_string().trim_matches('"').to_string());
                    }
                }
            }
            return;
        }
        let Some(path) = call_path(e) else { return };
        let last = util::last_segment(&path);
        let arg = match e {
            syn::Expr::Call(c) => str_arg(c.args.first()),
            _ => None,
        };
        if path.contains("header") {
            if let Some(h) = arg {
                self.headers.push(h.to_lowercase());
            }
        } else if last == "path" {
            if let Some(p) = arg {
                self.segments.push(p);
            }
        } else if METHODS.contains(&last) && path.starts_with("warp") {
            self.method = last.to_uppercase();
        }
        let _ = cx;
    }

    fn method(&self) -> String {
        if self.method.is_empty() {
            "ANY".to_string()
        } else {
            self.method.clone()
        }
    }

    fn path(&self) -> String {
        format!("/{}", self.segments.join("/"))
    }
}

/// `.and_then(h)`, `.then(h)`, `.map(h)` after the filters: the route's handler.
pub(super) fn handler(r: &mut Reader<'_, '_>, h: &syn::Expr) {
    let h = handler_name(h);
    let warp = &r.warp;
    // `.map(f)` on any chain in a warp file is not a route: require a filter.
    let filtered = !warp.segments.is_empty() || !warp.method.is_empty() || !warp.headers.is_empty();
    if !h.is_empty() && filtered {
        let reg = Registration {
            headers: warp.headers.clone(),
            ..r.reg(warp.method(), warp.path(), "warp", h, Vec::new())
        };
        r.push(reg);
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::{facts, func};

    #[test]
    fn warp_filters_and_poem_routes() {
        let f = facts(
            r#"
use warp::Filter;
fn routes() {
    let r = warp::path("webhook")
        .and(warp::post())
        .and(warp::header::<String>("x-signature"))
        .and(warp::body::bytes())
        .and_then(handle);
}
async fn handle(sig: String, body: Bytes) {}
fn poem_app() { Route::new().at("/callback", post(cb).with(AddData::new(1))); }
#[handler]
async fn cb() {}
"#,
        );
        let h = func(&f, "handle");
        assert_eq!(h.routes[0].path, "/webhook");
        assert_eq!(h.routes[0].method, "POST");
        assert_eq!(h.routes[0].framework, "warp");
        assert_eq!(h.headers_read[0].name, "x-signature");
        assert!(func(&f, "routes").headers_read.is_empty());
        let cb = func(&f, "cb");
        assert_eq!(cb.routes[0].framework, "poem");
        assert_eq!(cb.routes[0].layers, ["AddData"]);
        assert!(cb.is_handler);
    }
}
