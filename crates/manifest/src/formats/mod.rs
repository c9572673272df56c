//! Recognisers: each gives a document its `format` and fills the normalised views. After
//! them, two scans read every document whatever its format: inline secrets and webhook URLs.

mod compose;
mod embedded;
mod github;
mod helm;
mod integration;
mod kubernetes;
mod openapi;
mod slack;

pub(crate) use integration::parse_duration;

use crate::kn::Kn;
use crate::tree::Node;
use crate::views::{Ctx, Views};

/// Fills `views` for the document at `root`. Order matters: the most specific shape first.
pub(crate) fn recognise(file: &str, root: &Node, kn: &Kn) -> Views {
    let mut ctx = Ctx { file, kn, views: Views { format: "yaml", ..Views::default() } };
    let api_version = root.str_at(&["apiVersion"]);
    let kind = root.str_at(&["kind"]);
    if api_version.starts_with("hooklint.dev/") && kind == "Integration" {
        ctx.views.format = "hooklint-integration";
        ctx.views.doc.kind = kind.to_string();
        integration::recognise(&mut ctx, root);
    } else if !api_version.is_empty() && !kind.is_empty() {
        ctx.views.format = "kubernetes";
        ctx.views.doc.kind = kind.to_string();
        kubernetes::recognise(&mut ctx, root);
    } else if root.str_at(&["openapi"]).starts_with('3') {
        ctx.views.format = "openapi";
        ctx.views.examples = true;
        openapi::recognise(&mut ctx, root);
    } else if slack::matches(root) {
        ctx.views.format = "slack-app";
        slack::recognise(&mut ctx, root);
    } else if github::matches(root) {
        ctx.views.format = "github-app";
        github::recognise(&mut ctx, root);
    } else if compose::matches(root) {
        ctx.views.format = "compose";
        compose::recognise(&mut ctx, root);
    } else if helm::matches(file, root) {
        ctx.views.format = "helm-values";
        helm::recognise(&mut ctx, root);
    }
    crate::views::scan_inline_secrets(&mut ctx, root);
    crate::views::scan_endpoints(&mut ctx, root, "");
    if ctx.views.format == "kubernetes" && matches!(kind, "ConfigMap" | "Secret") {
        embedded::scan(&mut ctx, root);
    }
    // Views in source order, whatever order the recogniser found them in.
    let pos = |s: &hooklint_model::Span| (s.line, s.column);
    ctx.views.doc.scopes.sort_by_key(|x| pos(&x.span));
    ctx.views.doc.endpoints.sort_by_key(|x| pos(&x.span));
    ctx.views.doc.credentials.sort_by_key(|x| pos(&x.span));
    attribute_services(&mut ctx.views);
    // A secret copied by an alias or merge key is still written once: report it once.
    let mut seen = std::collections::HashSet::new();
    ctx.views.doc.inline_secrets.retain(|s| seen.insert((s.span.line, s.span.column)));
    ctx.views.doc.inline_secrets.sort_by_key(|x| pos(&x.span));
    ctx.views
}

/// Inline secrets name the service whose subtree holds them.
fn attribute_services(views: &mut Views) {
    for secret in &mut views.doc.inline_secrets {
        secret.service = match views.format {
            "compose" => secret
                .key_path
                .strip_prefix("services.")
                .and_then(|rest| rest.split('.').next())
                .unwrap_or("")
                .to_string(),
            "kubernetes" | "hooklint-integration" => views.doc.name.clone(),
            _ => String::new(),
        };
    }
}
