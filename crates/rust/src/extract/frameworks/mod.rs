//! Web framework knowledge: route attributes, extractor types and router registration chains.
//! What all frameworks share is here and in `attrs`, `extractors` and `layers`; what one
//! framework's router API says is in its own module (axum, actix-web, rocket, warp, poem).

mod actix;
mod attrs;
mod axum;
mod extractors;
mod layers;
mod poem;
mod rocket;
mod tide;
mod warp;

use hooklint_model::{Registration, Span};
use syn::spanned::Spanned;

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
    if depth > crate::limits::EXPR_DEPTH {
        crate::limits::hit(e.span().start().line, "a router");
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
    let framework = framework_of(cx, base, &base_path);
    let (resource, scope) = actix::resource_and_scope(base_last, base_arg);
    let mut r = Reader {
        cx,
        framework,
        resource,
        span: cx.src.span(util::expr_span(e)),
        depth,
        chain: Chain {
            regs: Vec::new(),
            base_layers: Vec::new(),
            base_var,
            consumed: segs.iter().map(|s| node_id(s)).collect(),
        },
        wraps: Vec::new(),
        warp: WarpRoute::default(),
        tide_path: String::new(),
        tide_layers: Vec::new(),
    };
    if framework == "warp" {
        r.warp.read(cx, base);
    }
    for s in &segs {
        r.segment(s);
    }
    r.finish(&scope)
}

/// The framework a chain belongs to, by the call it starts from, else by the file's `use` items;
/// axum when nothing says.
fn framework_of(cx: &FileCx<'_>, base: &syn::Expr, base_path: &str) -> &'static str {
    let framework = if base_path.ends_with("Router::new") {
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
    match (framework, cx.framework) {
        ("", "") => "axum",
        ("", f) => f,
        (f, _) => f,
    }
}

/// One router chain being read, method call by method call.
struct Reader<'a, 'f> {
    cx: &'a FileCx<'f>,
    framework: &'static str,
    /// The path of an actix `web::resource("/p")` the chain starts from.
    resource: Option<String>,
    span: Span,
    depth: usize,
    chain: Chain,
    /// actix `.wrap(..)` middleware: wraps every route of the chain, before or after it.
    wraps: Vec<String>,
    warp: WarpRoute,
    /// tide: the path the `.at(..)` calls so far name, and the middleware `.with(..)` put on it.
    tide_path: String,
    tide_layers: Vec<String>,
}

impl Reader<'_, '_> {
    fn segment(&mut self, s: &syn::ExprMethodCall) {
        let m = s.method.to_string();
        let args: Vec<&syn::Expr> = s.args.iter().collect();
        match (m.as_str(), args.as_slice()) {
            ("route", [p, mr]) => self.route(p, mr),
            ("at", [p, mr]) => poem::at(self, p, mr),
            ("at", [p]) if self.framework == "tide" => tide::at(self, p),
            (m, [h]) if self.framework == "tide" && METHODS.contains(&m) => {
                tide::method(self, m, h)
            }
            ("route", [mr]) | ("to", [mr]) if self.resource.is_some() => {
                actix::resource_route(self, &m, mr)
            }
            ("nest" | "nest_service" | "merge" | "service" | "configure", rest) => {
                self.nest(&m, rest)
            }
            ("mount", [base_path_arg, routes]) => rocket::mount(self, base_path_arg, routes),
            ("with", [l]) if self.framework == "tide" => tide::with(self, l),
            ("layer" | "route_layer" | "with", [l]) => self.layer(l),
            ("wrap" | "wrap_fn", [l]) => self.wraps.extend(layer_names(l, 0)),
            ("and" | "or", [x]) if self.framework == "warp" => self.warp.read(self.cx, x),
            ("and_then" | "then" | "map", [h]) if self.framework == "warp" => {
                warp::handler(self, h)
            }
            _ => {}
        }
    }

    /// A registration made by this chain.
    fn reg(
        &self,
        method: String,
        path: String,
        framework: &str,
        handler: String,
        layers: Vec<String>,
    ) -> Registration {
        Registration {
            method,
            path,
            framework: framework.to_string(),
            handler,
            layers,
            span: self.span.clone(),
            ..Registration::default()
        }
    }

    fn push(&mut self, reg: Registration) {
        self.chain.regs.push(reg);
    }

    /// `.route("/p", post(h))` (axum) or `.route("/p", web::post().to(h))` (actix-web).
    fn route(&mut self, p: &syn::Expr, mr: &syn::Expr) {
        let path = str_arg(Some(p)).unwrap_or_default();
        if let Some((method, h)) = actix_route(self.cx, mr) {
            self.push(self.reg(method, path, "actix-web", h, Vec::new()));
        } else {
            for (method, h, layers) in method_router(self.cx, mr) {
                self.push(self.reg(method, path.clone(), self.framework, h, layers));
            }
        }
    }

    /// `.nest("/api", Router::new()..)`, `.merge(..)`, `.service(..)`, `.configure(..)`: a
    /// router built inline, or by a function the index links later.
    fn nest(&mut self, m: &str, rest: &[&syn::Expr]) {
        let prefix = if rest.len() == 2 {
            str_arg(rest.first().copied()).unwrap_or_default()
        } else {
            String::new()
        };
        let Some(inner) = rest.last() else { return };
        if let Some(sub) = read_chain(self.cx, inner, self.depth + 1) {
            self.chain.consumed.extend(sub.consumed);
            for mut r in sub.regs {
                r.path = join_path(&prefix, &r.path);
                self.push(r);
            }
        } else if let Some(router_fn) = router_fn_call(inner, m == "configure") {
            // `.nest("/api", api::routes())`: the routes registered in that fn get the
            // prefix and this chain's layers; the index links them.
            self.push(self.reg(String::new(), prefix, NEST, router_fn, Vec::new()));
        } else if m == "service" && self.framework == "actix-web" {
            actix::service(self, inner);
        }
    }

    /// `.layer(..)`, `.route_layer(..)`, `.with(..)`: wraps the routes added before it, and the
    /// routes of the router the chain starts from.
    fn layer(&mut self, l: &syn::Expr) {
        let names = layer_names(l, 0);
        for r in &mut self.chain.regs {
            r.layers.extend(names.iter().cloned());
        }
        self.chain.base_layers.extend(names);
    }

    fn finish(mut self, scope: &str) -> Option<Chain> {
        let mut chain = self.chain;
        let wraps = std::mem::take(&mut self.wraps);
        if !wraps.is_empty() {
            for r in &mut chain.regs {
                r.layers.extend(wraps.iter().cloned());
            }
            chain.base_layers.extend(wraps);
        }
        if !scope.is_empty() {
            for r in &mut chain.regs {
                r.path = join_path(scope, &r.path);
            }
        }
        chain.regs.retain(|r| !r.handler.is_empty());
        if chain.regs.is_empty() && (chain.base_layers.is_empty() || chain.base_var.is_empty()) {
            return None;
        }
        Some(chain)
    }
}
