//! GitHub App manifests (`default_permissions`, `hook_attributes`, ...), YAML or JSON.

use crate::data::{join, join_index};
use crate::tree::Node;
use crate::views::{Ctx, EndpointInfo};

pub(super) fn matches(root: &Node) -> bool {
    root.get("hook_attributes").is_some_and(Node::is_map)
        || root.get("default_permissions").is_some_and(Node::is_map)
        || (root.get("default_events").is_some() && root.get("url").is_some())
}

pub(super) fn recognise(ctx: &mut Ctx<'_>, root: &Node) {
    ctx.views.doc.name = root.str_at(&["name"]).to_string();
    if let Some(perms) = root.get("default_permissions") {
        for e in perms.entries() {
            let level = e.value.as_str().unwrap_or("");
            ctx.scope(&e.key, "permission", level, &e.value, &join("default_permissions", &e.key));
        }
    }
    if let Some(url) = root.at(&["hook_attributes", "url"]) {
        ctx.endpoint(
            url,
            "hook_attributes.url",
            EndpointInfo { inbound: true, ..EndpointInfo::of("hook") },
        );
    }
    if let Some(url) = root.get("redirect_url") {
        ctx.endpoint(url, "redirect_url", EndpointInfo::of("redirect"));
    }
    if let Some(url) = root.get("setup_url") {
        ctx.endpoint(url, "setup_url", EndpointInfo::of("setup"));
    }
    if let Some(list) = root.get("callback_urls") {
        for (i, url) in list.items().iter().enumerate() {
            ctx.endpoint(url, &join_index("callback_urls", i), EndpointInfo::of("callback"));
        }
    }
}
