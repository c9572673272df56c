//! Slack app manifests (`oauth_config`, `settings.event_subscriptions`, ...).

use crate::data::join_index;
use crate::tree::Node;
use crate::views::{Ctx, EndpointInfo};

pub(super) fn matches(root: &Node) -> bool {
    root.get("oauth_config").is_some_and(Node::is_map)
        || (root.get("display_information").is_some_and(Node::is_map)
            && (root.get("settings").is_some() || root.get("features").is_some()))
}

pub(super) fn recognise(ctx: &mut Ctx<'_>, root: &Node) {
    ctx.views.doc.name = root.str_at(&["display_information", "name"]).to_string();
    for kind in ["bot", "user"] {
        if let Some(list) = root.at(&["oauth_config", "scopes", kind]) {
            for (i, item) in list.items().iter().enumerate() {
                if let Some(name) = item.as_str() {
                    let path = join_index(&format!("oauth_config.scopes.{kind}"), i);
                    ctx.scope(name, kind, "", item, &path);
                }
            }
        }
    }
    let inbound = |kind| EndpointInfo { inbound: true, ..EndpointInfo::of(kind) };
    if let Some(url) = root.at(&["settings", "event_subscriptions", "request_url"]) {
        ctx.endpoint(
            url,
            "settings.event_subscriptions.request_url",
            inbound("event_subscriptions"),
        );
    }
    if let Some(url) = root.at(&["settings", "interactivity", "request_url"]) {
        ctx.endpoint(url, "settings.interactivity.request_url", inbound("interactivity"));
    }
    if let Some(url) = root.at(&["settings", "interactivity", "message_menu_options_url"]) {
        ctx.endpoint(
            url,
            "settings.interactivity.message_menu_options_url",
            inbound("interactivity"),
        );
    }
    if let Some(list) = root.at(&["features", "slash_commands"]) {
        for (i, cmd) in list.items().iter().enumerate() {
            if let Some(url) = cmd.get("url") {
                let name = cmd.str_at(&["command"]);
                let path = format!("{}.url", join_index("features.slash_commands", i));
                ctx.endpoint(url, &path, EndpointInfo { name, ..inbound("command") });
            }
        }
    }
    if let Some(list) = root.at(&["oauth_config", "redirect_urls"]) {
        for (i, url) in list.items().iter().enumerate() {
            ctx.endpoint(
                url,
                &join_index("oauth_config.redirect_urls", i),
                EndpointInfo::of("redirect"),
            );
        }
    }
}
