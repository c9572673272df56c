//! Web framework knowledge: route attributes, extractor types and router registration chains.
//! What all frameworks share is here and in `attrs`, `extractors` and `layers`; what one
//! framework's router API says is in its own module (axum, actix-web, rocket, warp, poem).

mod actix;
mod attrs;
mod axum;
mod extractors;
mod layers;
mod warp;

use hooklint_model::Registration;

use super::FileCx;
use crate::util;
use actix::actix_route;
pub use attrs::attr_routes;
use axum::method_router;
pub use extractors::{
    classify_type, is_extractor_fn, is_extractor_trait, is_strong_extractor, typed_header_name,
};
pub use layers::layer_names;
use warp::{is_warp_macro, WarpRoute};

pub(super) const METHODS: &[&str] =
    &["get", "post", "put", "delete", "patch", "head", "options", "trace", "connect", "any"];

/// Flattens `a.b(..).c(..)` into the base expression and the method calls, innermost first.
pub fn flatten(e: &syn::Expr) -> (&syn::Expr, Vec<&syn::ExprMethodCall>) {
    let mut segs = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            syn::Expr::MethodCall(m) if segs.len() < 256 => {
                segs.push(m);
                cur = &m.receiver;
            }
            syn::Expr::Paren(p) => cur = &p.expr,
            syn::Expr::Group(g) => cur = &g.expr,
            _ => break,
        }
    }
    segs.reverse();
    (cur, segs)
}

pub(super) fn call_path(e: &syn::Expr) -> Option<String> {
    match util::peel_expr(e) {
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => Some(util::path_str(&p.path)),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn str_arg(e: Option<&syn::Expr>) -> Option<String> {
    match util::peel_expr(e?) {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
        _ => None,
    }
}

pub(super) fn handler_name(e: &syn::Expr) -> String {
    match util::peel_expr(e) {
        syn::Expr::Path(p) => util::path_str(&p.path),
        // tide: `.post(dispatcher as Box<dyn Endpoint<()>>)`
        syn::Expr::Cast(c) => handler_name(&c.expr),
        // `|req| handle(req)` or `move |b| async move { handle(b).await }`
        syn::Expr::Closure(c) => {
            let (base, _) = flatten(&c.body);
            match util::peel_expr(base) {
                syn::Expr::Call(call) => handler_name(&call.func),
                syn::Expr::Async(a) => match a.block.stmts.last() {
                    Some(syn::Stmt::Expr(x, None)) => handler_name(x),
                    _ => String::new(),
                },
                _ => String::new(),
            }
        }
        syn::Expr::Call(call) => handler_name(&call.func),
        syn::Expr::MethodCall(m) if m.method == "with_state" || m.method == "boxed" => {
            handler_name(&m.receiver)
        }
        _ => String::new(),
    }
}

/// Framework marker of a registration that nests the router built by another fn.
pub const NEST: &str = "nest";

/// `routes()`, `api::router(state)`, `webhooks::config` and, for actix `.configure(f)`, a bare
/// fn name.
fn router_fn_call(e: &syn::Expr, configure: bool) -> Option<String> {
    match util::peel_expr(e) {
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => Some(util::path_str(&p.path)),
            _ => None,
        },
        syn::Expr::Path(p) if p.path.segments.len() > 1 || configure => {
            Some(util::path_str(&p.path))
        }
        _ => None,
    }
}

pub fn join_path(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        return path.to_string();
    }
    if path.is_empty() {
        return prefix.to_string();
    }
    format!("{}/{}", prefix.trim_end_matches('/'), path.trim_start_matches('/'))
}

/// The result of reading one router chain.
pub struct Chain {
    pub regs: Vec<Registration>,
    /// Layers applied by this chain to routes of the router it starts from (`app.layer(x)`).
    pub base_layers: Vec<String>,
    /// The chain starts from a variable (`app.route(..)`), by name.
    pub base_var: String,
    /// Method call nodes already read, so the visitor does not read them again.
    pub consumed: Vec<usize>,
}

fn node_id(m: &syn::ExprMethodCall) -> usize {
    std::ptr::from_ref(m) as usize
}

/// Reads a router chain; `None` when the expression registers nothing and layers nothing.
pub fn read_chain(cx: &FileCx<'_>, e: &syn::Expr, depth: usize) -> Option<Chain> {
    if depth > 16 {
        return None;
    }
    let (base, segs) = flatten(e);
    if segs.is_empty() {
        return None;
    }
    let base_path = call_path(base).unwrap_or_default();
    let base_last = util::last_segment(&base_path);
    let base_var = match util::peel_expr(base) {
        syn::Expr::Path(p) if p.path.segments.len() == 1 => util::path_str(&p.path),
        _ => String::new(),
    };
    let base_arg = match util::peel_expr(base) {
        syn::Expr::Call(c) => str_arg(c.args.first()),
        _ => None,
    };
    let mut framework = if base_path.ends_with("Router::new") {
        "axum"
    } else if base_path.contains("App::new") || base_path.starts_with("web::") {
        "actix-web"
    } else if base_path.ends_with("Route::new") {
        "poem"
    } else if base_path.starts_with("rocket") {
        "rocket"
    } else if base_path.starts_with("warp") || is_warp_macro(base) {
        "warp"
    } else if base_path.starts_with("tide") {
        "tide"
    } else {
        ""
    };
    if framework.is_empty() {
        framework = match cx.framework {
            "" => "axum",
            f => f,
        };
    }
    let resource = if base_last == "resource" { base_arg.clone() } else { None };
    let scope =
        if base_last == "scope" { base_arg.clone().unwrap_or_default() } else { String::new() };

    let mut chain = Chain {
        regs: Vec::new(),
        base_layers: Vec::new(),
        base_var,
        consumed: segs.iter().map(|s| node_id(s)).collect(),
    };
    let mut wraps: Vec<String> = Vec::new();
    let mut tide_path = String::new();
    let mut warp = WarpRoute::default();
    if framework == "warp" {
        warp.read(cx, base);
    }
    let span = cx.src.span(util::expr_span(e));
    let mk = |method: String, path: String, fw: &str, handler: String, layers: Vec<String>| {
        Registration {
            method,
            path,
            framework: fw.to_string(),
            handler,
            layers,
            span: span.clone(),
            ..Registration::default()
        }
    };
    for s in &segs {
        let m = s.method.to_string();
        let args: Vec<&syn::Expr> = s.args.iter().collect();
        match (m.as_str(), args.as_slice()) {
            ("route", [p, mr]) => {
                let path = str_arg(Some(p)).unwrap_or_default();
                if let Some((method, h)) = actix_route(cx, mr) {
                    chain.regs.push(mk(method, path, "actix-web", h, Vec::new()));
                } else {
                    for (method, h, layers) in method_router(cx, mr) {
                        chain.regs.push(mk(method, path.clone(), framework, h, layers));
                    }
                }
            }
            ("at", [p, mr]) => {
                let path = str_arg(Some(p)).unwrap_or_default();
                for (method, h, layers) in method_router(cx, mr) {
                    chain.regs.push(mk(method, path.clone(), "poem", h, layers));
                }
            }
            // tide: `server.at("/hook").post(handler)`, `.at("/a").at("/b")`.
            ("at", [p]) if framework == "tide" => {
                let seg = str_arg(Some(p)).unwrap_or_default();
                tide_path = join_path(&tide_path, &seg);
            }
            (m, [h]) if framework == "tide" && METHODS.contains(&m) => {
                let name = handler_name(h);
                chain.regs.push(mk(m.to_uppercase(), tide_path.clone(), "tide", name, Vec::new()));
            }
            ("with", [l]) if framework == "tide" => {
                let names = layer_names(l, 0);
                for r in &mut chain.regs {
                    r.layers.extend(names.iter().cloned());
                }
                chain.base_layers.extend(names);
            }
            ("route", [mr]) | ("to", [mr]) if resource.is_some() => {
                let path = resource.clone().unwrap_or_default();
                let got = if m == "to" {
                    Some(("ANY".to_string(), handler_name(mr)))
                } else {
                    actix_route(cx, mr)
                };
                if let Some((method, h)) = got.filter(|g| !g.1.is_empty()) {
                    chain.regs.push(mk(method, path, "actix-web", h, Vec::new()));
                }
            }
            ("nest" | "nest_service" | "merge" | "service" | "configure", rest) => {
                let prefix = if rest.len() == 2 {
                    str_arg(rest.first().copied()).unwrap_or_default()
                } else {
                    String::new()
                };
                let Some(inner) = rest.last() else { continue };
                if let Some(sub) = read_chain(cx, inner, depth + 1) {
                    chain.consumed.extend(sub.consumed);
                    for mut r in sub.regs {
                        r.path = join_path(&prefix, &r.path);
                        chain.regs.push(r);
                    }
                } else if let Some(router_fn) = router_fn_call(inner, m == "configure") {
                    // `.nest("/api", api::routes())`: the routes registered in that fn get the
                    // prefix and this chain's layers; the index links them.
                    chain.regs.push(mk(String::new(), prefix, NEST, router_fn, Vec::new()));
                } else if m == "service" && framework == "actix-web" {
                    // actix `.service(handler)` of an attribute-routed fn.
                    let h = handler_name(inner);
                    if !h.is_empty() {
                        chain.regs.push(mk(
                            String::new(),
                            String::new(),
                            "actix-web",
                            h,
                            Vec::new(),
                        ));
                    }
                }
            }
            ("mount", [base_path_arg, routes]) => {
                let prefix = str_arg(Some(base_path_arg)).unwrap_or_default();
                if let syn::Expr::Macro(mac) = util::peel_expr(routes) {
                    if let Ok(list) = mac.mac.parse_body_with(
                        syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                    ) {
                        for p in list {
                            chain.regs.push(mk(
                                String::new(),
                                prefix.clone(),
                                "rocket",
                                util::path_str(&p),
                                Vec::new(),
                            ));
                        }
                    }
                }
            }
            ("layer" | "route_layer" | "with", [l]) => {
                let names = layer_names(l, 0);
                for r in &mut chain.regs {
                    r.layers.extend(names.iter().cloned());
                }
                chain.base_layers.extend(names);
            }
            ("wrap" | "wrap_fn", [l]) => wraps.extend(layer_names(l, 0)),
            ("and" | "or", [x]) if framework == "warp" => warp.read(cx, x),
            ("and_then" | "then" | "map", [h]) if framework == "warp" => {
                let h = handler_name(h);
                // `.map(f)` on any chain in a warp file is not a route: require a filter.
                let filtered = !warp.segments.is_empty()
                    || !warp.method.is_empty()
                    || !warp.headers.is_empty();
                if !h.is_empty() && filtered {
                    chain.regs.push(Registration {
                        headers: warp.headers.clone(),
                        ..mk(warp.method(), warp.path(), "warp", h, Vec::new())
                    });
                }
            }
            _ => {}
        }
    }
    if !wraps.is_empty() {
        for r in &mut chain.regs {
            r.layers.extend(wraps.iter().cloned());
        }
        chain.base_layers.extend(wraps);
    }
    if !scope.is_empty() {
        for r in &mut chain.regs {
            r.path = join_path(&scope, &r.path);
        }
    }
    chain.regs.retain(|r| !r.handler.is_empty());
    if chain.regs.is_empty() && (chain.base_layers.is_empty() || chain.base_var.is_empty()) {
        return None;
    }
    Some(chain)
}

#[cfg(test)]
mod tests {
    use crate::testutil::{facts, func};

    #[test]
    fn rocket_routes_and_data() {
        let f = facts(
            r#"
use rocket::{post, routes, Data};
#[post("/stripe", data = "<body>")]
fn stripe(body: Data<'_>) {}
#[post("/json", data = "<ev>")]
fn json(ev: Json<Event>) {}
fn rocket() { rocket::build().mount("/hooks", routes![stripe, json]); }
"#,
        );
        let s = func(&f, "stripe");
        assert_eq!(s.routes[0].framework, "rocket");
        assert_eq!(s.routes[0].path, "/hooks/stripe");
        assert_eq!(s.params[0].extractor, "stream");
        let j = func(&f, "json");
        assert_eq!(j.body.kind, "json");
        assert_eq!(j.body.typed_extractor, "Json<Event>");
        assert!(j.body.parses[0].before_verify);
    }
}
