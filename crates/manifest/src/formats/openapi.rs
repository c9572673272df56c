//! OpenAPI 3.x: `servers`, `webhooks`, operation `callbacks`, OAuth flows and their scopes.

use crate::data::{join, join_index};
use crate::tree::Node;
use crate::views::{Ctx, EndpointInfo};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

pub(super) fn recognise(ctx: &mut Ctx<'_>, root: &Node) {
    ctx.views.doc.name = root.str_at(&["info", "title"]).to_string();
    if let Some(servers) = root.get("servers") {
        for (i, s) in servers.items().iter().enumerate() {
            if let Some(url) = s.get("url") {
                ctx.endpoint(
                    url,
                    &join(&join_index("servers", i), "url"),
                    EndpointInfo::of("server"),
                );
            }
        }
    }
    if let Some(hooks) = root.get("webhooks") {
        for hook in hooks.entries() {
            let base = join("webhooks", &hook.key);
            // A declared route: an `x-hooklint-route` extension, or a name that is a path.
            let route = match hook.value.str_at(&["x-hooklint-route"]) {
                "" if hook.key.starts_with('/') => hook.key.as_str(),
                r => r,
            };
            for op in hook.value.entries().iter().filter(|e| METHODS.contains(&e.key.as_str())) {
                let info = EndpointInfo {
                    kind: "webhook",
                    method: &op.key,
                    name: &hook.key,
                    inbound: !route.is_empty(),
                    public: true,
                    route,
                };
                // The operation node stands in for a URL: webhooks have none of their own.
                let marker = Node::synthetic(route, op.value.pos);
                ctx.endpoint(&marker, &join(&base, &op.key), info);
            }
        }
    }
    if let Some(paths) = root.get("paths") {
        for p in paths.entries() {
            for op in p.value.entries().iter().filter(|e| METHODS.contains(&e.key.as_str())) {
                if let Some(callbacks) = op.value.get("callbacks") {
                    let base = join(&join(&join("paths", &p.key), &op.key), "callbacks");
                    callbacks_of(ctx, callbacks, &base);
                }
            }
        }
    }
    if let Some(callbacks) = root.at(&["components", "callbacks"]) {
        callbacks_of(ctx, callbacks, "components.callbacks");
    }
    if let Some(schemes) = root.at(&["components", "securitySchemes"]) {
        for scheme in schemes.entries() {
            let base = join("components.securitySchemes", &scheme.key);
            if let Some(url) = scheme.value.get("openIdConnectUrl") {
                ctx.endpoint(url, &join(&base, "openIdConnectUrl"), EndpointInfo::of("oauth"));
            }
            let Some(flows) = scheme.value.get("flows") else { continue };
            for flow in flows.entries() {
                let flow_path = join(&join(&base, "flows"), &flow.key);
                for key in ["authorizationUrl", "tokenUrl", "refreshUrl"] {
                    if let Some(url) = flow.value.get(key) {
                        ctx.endpoint(url, &join(&flow_path, key), EndpointInfo::of("oauth"));
                    }
                }
                if let Some(scopes) = flow.value.get("scopes") {
                    for s in scopes.entries() {
                        let path = join(&join(&flow_path, "scopes"), &s.key);
                        ctx.scope(&s.key, "oauth", "", &Node::synthetic(&s.key, s.key_pos), &path);
                        if let Some(last) = ctx.views.doc.scopes.last_mut() {
                            last.source = format!("{}/{}", scheme.key, flow.key);
                        }
                    }
                }
            }
        }
    }
}

/// `callbacks: {name: {expression: {method: ...}}}`: the expression is the URL.
fn callbacks_of(ctx: &mut Ctx<'_>, callbacks: &Node, base: &str) {
    for cb in callbacks.entries() {
        for expr in cb.value.entries() {
            let path = join(&join(base, &cb.key), &expr.key);
            let method = expr
                .value
                .entries()
                .iter()
                .map(|e| e.key.as_str())
                .find(|k| METHODS.contains(k))
                .unwrap_or("");
            let info = EndpointInfo { method, name: &cb.key, ..EndpointInfo::of("callback") };
            ctx.endpoint(&Node::synthetic(&expr.key, expr.key_pos), &path, info);
        }
    }
}
