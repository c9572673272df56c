//! axum: method routers (`post(h).get(h2)`, `on(MethodFilter::POST, h)`).

use super::{call_path, flatten, handler_name, layer_names, METHODS};
use crate::extract::FileCx;
use crate::util;

/// `post(h)`, `get(h).post(h2)`, `on(MethodFilter::POST, h)`, with `.layer(..)`s: (method,
/// handler, layers) per route.
pub(super) fn method_router(cx: &FileCx<'_>, e: &syn::Expr) -> Vec<(String, String, Vec<String>)> {
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
                let filter = c.args.first().map(|f| cx.src.text_expr(f)).unwrap_or_default();
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
}
