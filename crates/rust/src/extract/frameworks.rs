//! Web framework knowledge: route attributes, extractor types and router registration chains
//! (axum, actix-web, rocket, warp, poem).

use hooklint_model::{Registration, Route};
use syn::spanned::Spanned;

use super::FileCx;
use crate::util;

const METHODS: &[&str] =
    &["get", "post", "put", "delete", "patch", "head", "options", "trace", "connect", "any"];

pub fn is_extractor_trait(t: &str) -> bool {
    matches!(t, "FromRequest" | "FromRequestParts" | "FromData" | "OptionalFromRequestParts")
}

pub fn is_extractor_fn(f: &str) -> bool {
    matches!(f, "from_request" | "from_request_parts" | "from_data")
}

/// Extractor kinds that by themselves make a fn a request handler.
pub fn is_strong_extractor(kind: &str) -> bool {
    matches!(
        kind,
        "json" | "form" | "bytes" | "request" | "headers" | "header" | "connect_info" | "stream"
    )
}

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
    let mut methods = Vec::new();
    for arg in &args {
        match arg {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) if route_path.is_empty() => {
                route_path = s.value()
            }
            syn::Expr::Assign(asg) => {
                let key = cx.src.text(&*asg.left);
                let val = match &*asg.right {
                    syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => s.value(),
                    other => util::last_segment(&cx.src.text(other)).to_string(),
                };
                match key.as_str() {
                    "method" => methods.push(val.to_uppercase()),
                    "path" => route_path = val,
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
    if route_path.is_empty() && last != "oai" {
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

/// Extractor kind of a parameter type, and the candidate project extractor type for `custom`.
/// `String`, `&str` and `Vec<u8>` only count as body extractors in a handler.
pub fn classify_type(ty: &syn::Type, handler: bool) -> (String, String) {
    classify_inner(ty, handler, 0)
}

fn classify_inner(ty: &syn::Type, handler: bool, depth: usize) -> (String, String) {
    let other = || ("other".to_string(), String::new());
    if depth > crate::limits::TYPE_DEPTH {
        crate::limits::hit(ty.span().start().line, "a parameter type");
        return other();
    }
    let peeled = util::peel_type(ty);
    if let syn::Type::Reference(_) = ty {
        if let syn::Type::Path(p) = peeled {
            if p.path.is_ident("str") {
                return (if handler { "string" } else { "other" }.to_string(), String::new());
            }
        }
    }
    let Some(path) = util::type_path(ty) else { return other() };
    let Some(last) = path.segments.last() else { return other() };
    let name = last.ident.to_string();
    let full = util::path_str(path);
    let generics = util::generic_types(path);
    let kind = match name.as_str() {
        "Option" | "Result" | "Box" | "Arc" => {
            return generics
                .first()
                .map(|g| classify_inner(g, handler, depth + 1))
                .unwrap_or_else(other)
        }
        "Json" | "SimdJson" => "json",
        "Form" | "Multipart" | "Urlencoded" => "form",
        "Bytes" | "BytesMut" => "bytes",
        "Vec" if handler && generics.first().is_some_and(|g| type_is(g, "u8")) => "bytes",
        "String" if handler => "string",
        "Request" | "HttpRequest" | "ServiceRequest" | "RequestParts" => "request",
        "HeaderMap" => "headers",
        "TypedHeader" | "Header" => "header",
        "ConnectInfo" => "connect_info",
        "State" => "state",
        "Data" if full.starts_with("rocket") || !util::has_type_args(path) => "stream",
        "Data" => "state",
        "Path" => "path",
        "Query" => "query",
        "Extension" => "extension",
        "Payload" | "BodyStream" | "Body" | "Incoming" => "stream",
        _ => {
            let custom = if is_project_type_candidate(&name) { name } else { String::new() };
            return ("other".to_string(), custom);
        }
    };
    (kind.to_string(), String::new())
}

fn type_is(ty: &syn::Type, name: &str) -> bool {
    util::type_path(ty).is_some_and(|p| p.is_ident(name))
}

/// A type name that could be a project extractor (a capitalised name that is not a std type).
fn is_project_type_candidate(name: &str) -> bool {
    const STD: &[&str] = &[
        "Self",
        "Vec",
        "String",
        "HashMap",
        "BTreeMap",
        "HashSet",
        "Rc",
        "RefCell",
        "Cow",
        "Duration",
        "Instant",
        "PathBuf",
        "Mutex",
        "RwLock",
        "SocketAddr",
        "IpAddr",
        "Uuid",
        "Value",
    ];
    name.chars().next().is_some_and(|c| c.is_uppercase()) && !STD.contains(&name)
}

/// Header name of a typed header (`TypedHeader<Authorization<Bearer>>` -> `authorization`).
pub fn typed_header_name(ty: &syn::Type) -> Option<String> {
    let path = util::type_path(ty)?;
    let last = path.segments.last()?;
    let name = last.ident.to_string();
    if name == "Option" {
        return util::generic_types(path).first().and_then(|g| typed_header_name(g));
    }
    if name != "TypedHeader" && name != "Header" {
        return None;
    }
    let inner =
        util::generic_types(path).first().and_then(|g| util::type_path(g))?.segments.last()?;
    Some(crate::names::header_from_const(&inner.ident.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Router chains
// ---------------------------------------------------------------------------------------------

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

fn call_path(e: &syn::Expr) -> Option<String> {
    match util::peel_expr(e) {
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => Some(util::path_str(&p.path)),
            _ => None,
        },
        _ => None,
    }
}

fn str_arg(e: Option<&syn::Expr>) -> Option<String> {
    match util::peel_expr(e?) {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
        _ => None,
    }
}

fn handler_name(e: &syn::Expr) -> String {
    match util::peel_expr(e) {
        syn::Expr::Path(p) => util::path_str(&p.path),
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

/// `post(h)`, `get(h).post(h2)`, `on(MethodFilter::POST, h)`, with `.layer(..)`s: (method,
/// handler, layers) per route.
fn method_router(cx: &FileCx<'_>, e: &syn::Expr) -> Vec<(String, String, Vec<String>)> {
    let (base, segs) = flatten(util::peel_expr(e));
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    let base_call = match util::peel_expr(base) {
        syn::Expr::Call(c) => Some(c),
        _ => None,
    };
    if let Some(c) = base_call {
        if let Some(path) = call_path(base) {
            let last = util::last_segment(&path).trim_end_matches("_service").to_string();
            if METHODS.contains(&last.as_str()) {
                if let Some(h) = c.args.first() {
                    out.push((last.to_uppercase(), handler_name(h), Vec::new()));
                }
            } else if last == "on" && c.args.len() == 2 {
                let filter = c.args.first().map(|f| cx.src.text(f)).unwrap_or_default();
                let m = util::last_segment(&filter).to_uppercase();
                if let Some(h) = c.args.last() {
                    out.push((m, handler_name(h), Vec::new()));
                }
            }
        }
    }
    if out.is_empty() {
        return out;
    }
    for s in segs {
        let m = s.method.to_string();
        let m_base = m.trim_end_matches("_service");
        if METHODS.contains(&m_base) {
            if let Some(h) = s.args.first() {
                out.push((m_base.to_uppercase(), handler_name(h), Vec::new()));
            }
        } else if matches!(m.as_str(), "layer" | "route_layer" | "with") {
            let names: Vec<String> = s.args.iter().flat_map(|a| layer_names(a, 0)).collect();
            for r in &mut out {
                r.2.extend(names.iter().cloned());
            }
        }
    }
    out.retain(|r| !r.1.is_empty());
    out
}

/// actix `web::post().to(h)`, `web::route().guard(..).to(h)`.
fn actix_route(cx: &FileCx<'_>, e: &syn::Expr) -> Option<(String, String)> {
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

/// Framework marker of a registration that nests the router built by another fn.
pub const NEST: &str = "nest";

/// `routes()`, `api::router(state)`, `webhooks::config` (actix `.configure(f)`).
fn router_fn_call(e: &syn::Expr) -> Option<String> {
    match util::peel_expr(e) {
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => Some(util::path_str(&p.path)),
            _ => None,
        },
        syn::Expr::Path(p) if p.path.segments.len() > 1 => Some(util::path_str(&p.path)),
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
                } else if let Some(router_fn) = router_fn_call(inner) {
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

fn is_warp_macro(e: &syn::Expr) -> bool {
    matches!(util::peel_expr(e), syn::Expr::Macro(m) if util::path_str(&m.mac.path).ends_with("path"))
}

/// What a warp filter chain says about its route.
#[derive(Default)]
struct WarpRoute {
    segments: Vec<String>,
    method: String,
    headers: Vec<String>,
}

impl WarpRoute {
    fn read(&mut self, cx: &FileCx<'_>, e: &syn::Expr) {
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

#[cfg(test)]
mod tests {
    use crate::testutil::{facts, func};

    #[test]
    fn axum_router_with_layers() {
        let f = facts(
            r#"
use axum::{routing::{get, post}, Router, middleware};
pub fn app() -> Router {
    Router::new()
        .route("/webhooks/github", post(github_webhook).get(status))
        .layer(middleware::from_fn(verify_signature))
        .route("/health", get(health))
}
async fn github_webhook() {}
async fn status() {}
async fn health() {}
async fn verify_signature() {}
"#,
        );
        let regs = &f.index.registrations;
        assert_eq!(regs.len(), 3, "{regs:?}");
        assert_eq!(regs[0].method, "POST");
        assert_eq!(regs[0].path, "/webhooks/github");
        assert_eq!(regs[0].handler, "github_webhook");
        assert_eq!(regs[0].layers, ["verify_signature"]);
        assert_eq!(regs[1].method, "GET");
        assert!(regs[2].layers.is_empty(), "a layer only wraps routes added before it");
        let h = func(&f, "github_webhook");
        assert!(h.is_handler);
        assert_eq!(h.routes[0].framework, "axum");
        assert!(h.is_webhook);
        assert!(h.reaches.is_empty());
        assert!(!func(&f, "health").is_webhook);
    }

    #[test]
    fn axum_nest_layer_on_variable_and_tower_layer() {
        let f = facts(
            r#"
fn app() -> Router {
    let api = Router::new().route("/events", post(events));
    let app = Router::new().nest("/api", Router::new().route("/hook", post(hook)));
    app.layer(ServiceBuilder::new().layer(VerifyLayer::new(key)))
}
"#,
        );
        let regs = &f.index.registrations;
        assert_eq!(regs.len(), 2, "{regs:?}");
        assert_eq!(regs[0].path, "/events");
        assert_eq!(regs[1].path, "/api/hook");
        assert_eq!(regs[1].layers, ["VerifyLayer"]);
    }

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

    #[test]
    fn extractor_kinds() {
        let f = facts(
            r#"
async fn h(
    State(s): State<App>, headers: HeaderMap, TypedHeader(auth): TypedHeader<Authorization<Bearer>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>, Path(id): Path<u64>, Query(q): Query<Q>,
    Extension(u): Extension<User>, body: Bytes, form: Form<F>,
) {}
fn helper(headers: &HeaderMap, s: String) {}
"#,
        );
        let h = func(&f, "h");
        let kinds: Vec<&str> = h.params.iter().map(|p| p.extractor.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "state",
                "headers",
                "header",
                "connect_info",
                "path",
                "query",
                "extension",
                "bytes",
                "form"
            ]
        );
        assert!(h.is_handler);
        assert_eq!(h.headers_read[0].name, "authorization");
        assert_eq!(h.ip_sources[0].kind, "connect_info");
        assert_eq!(h.ip_sources[0].binding, "addr");
        let helper = func(&f, "helper");
        assert!(!helper.is_handler);
        assert_eq!(helper.params[1].extractor, "other");
    }
}
