//! hooklint's own `apiVersion: hooklint.dev/v1`, `kind: Integration` manifest
//! (`docs/integration-manifest.md`, `docs/schema/integration.schema.json`).

use hooklint_model::manifest::{Credential, Integration};
use hooklint_model::Span;

use crate::data::join_index;
use crate::kn::Kn;
use crate::secrets::{fingerprint, reference};
use crate::tree::{Kind, Node};
use crate::views::{Ctx, EndpointInfo};

pub(super) fn recognise(ctx: &mut Ctx<'_>, root: &Node) {
    let empty = Node::synthetic("", root.pos);
    let spec = root.get("spec").unwrap_or(&empty);
    let name = root.str_at(&["metadata", "name"]).to_string();
    ctx.views.doc.name = name.clone();
    // A missing part is reported at the block that should hold it: `spec:`, else the document.
    let spec_span = field(ctx, root, "spec").unwrap_or_else(|| ctx.span(root.pos));

    let mut it = Integration { present: true, name: name.clone(), ..Integration::default() };
    it.span = spec_span.clone();
    (it.owner, it.owner_span) =
        nested_or_flat(ctx, (root, "metadata", "owner"), (spec, "owner"), &spec_span);
    it.provider = spec.str_at(&["provider"]).to_string();

    let data = spec.get("data");
    let shared = data.and_then(|d| if d.is_map() { d.get("shared") } else { Some(d) });
    it.data_shared = strings(shared);
    it.data_span = field(ctx, spec, "data").unwrap_or_else(|| spec_span.clone());

    if let Some(hook) = spec.get("webhook").filter(|n| n.is_map()) {
        let w = &mut it.webhook;
        w.present = true;
        w.span = field(ctx, spec, "webhook").unwrap_or_else(|| ctx.span(hook.pos));
        w.route = hook.str_at(&["route"]).to_string();
        w.url = hook.str_at(&["url"]).to_string();
        w.method = hook.str_at(&["method"]).to_ascii_uppercase();
        w.route_span = field(ctx, hook, "route")
            .or_else(|| field(ctx, hook, "url"))
            .unwrap_or_else(|| w.span.clone());
        w.signature_span = field(ctx, hook, "signature").unwrap_or_else(|| w.span.clone());
        w.signature_scheme = hook.str_at(&["signature", "scheme"]).to_ascii_lowercase();
        w.signature_header = hook.str_at(&["signature", "header"]).to_string();
        if let Some(secret) = hook.at(&["signature", "secret"]).and_then(Node::as_str) {
            let (fp, is_ref) = secret_fingerprint(secret, ctx.kn);
            w.secret = fp;
            w.secret_is_reference = is_ref;
        }
        w.replay_span = hook
            .get("replay")
            .and_then(|r| field(ctx, r, "window"))
            .or_else(|| field(ctx, hook, "replay"))
            .unwrap_or_else(|| w.span.clone());
        let window = hook.at(&["replay", "window"]);
        w.replay_window = window.and_then(Node::as_str).unwrap_or("").to_string();
        w.replay_window_seconds = parse_duration(&w.replay_window).unwrap_or(0);
        w.timestamp_header = hook.str_at(&["replay", "timestamp_header"]).to_string();
        let route = w.route.clone();
        let method = w.method.clone();
        let info = |kind| EndpointInfo {
            method: &method,
            name: &name,
            inbound: true,
            public: true,
            route: &route,
            ..EndpointInfo::of(kind)
        };
        match (hook.get("url"), hook.get("route")) {
            (Some(url), _) => ctx.endpoint(url, "spec.webhook.url", info("webhook")),
            (None, Some(r)) => ctx.endpoint(r, "spec.webhook.route", info("webhook")),
            (None, None) => {}
        }
        if let Some(secret) = hook.at(&["signature", "secret"]) {
            credential(
                ctx,
                &name,
                "webhook.signature.secret",
                "",
                secret,
                "spec.webhook.signature.secret",
            );
        }
    }

    if let Some(oauth) = spec.get("oauth").filter(|n| n.is_map()) {
        let o = &mut it.oauth;
        o.present = true;
        o.span = field(ctx, spec, "oauth").unwrap_or_else(|| ctx.span(oauth.pos));
        o.token_lifetime = oauth.str_at(&["token_lifetime"]).to_string();
        o.token_lifetime_seconds = parse_duration(&o.token_lifetime).unwrap_or(0);
        o.token_lifetime_span =
            field(ctx, oauth, "token_lifetime").unwrap_or_else(|| o.span.clone());
        o.refresh_token_lifetime = oauth.str_at(&["refresh_token_lifetime"]).to_string();
        o.refresh_token_lifetime_seconds = parse_duration(&o.refresh_token_lifetime).unwrap_or(0);
        if let Some(scopes) = oauth.get("scopes") {
            for (i, s) in scopes.items().iter().enumerate() {
                let path = join_index("spec.oauth.scopes", i);
                let (scope_name, node) = match &s.kind {
                    Kind::Scalar(sc) => (sc.text.clone(), s),
                    _ => (s.str_at(&["name"]).to_string(), s.get("name").unwrap_or(s)),
                };
                ctx.scope(&scope_name, "oauth", "", node, &path);
                if let Some(last) = ctx.views.doc.scopes.last_mut() {
                    last.reason = s.str_at(&["reason"]).trim().to_string();
                    last.approver = s.str_at(&["approver"]).trim().to_string();
                }
            }
        }
    }

    let revocation = spec.get("revocation").or_else(|| spec.get("offboarding"));
    it.revocation = match revocation.map(|n| &n.kind) {
        Some(Kind::Scalar(s)) => s.text.trim().to_string(),
        Some(Kind::Map(_)) => revocation
            .map(|n| {
                ["procedure", "runbook", "offboarding", "url"]
                    .iter()
                    .map(|k| n.str_at(&[k]))
                    .find(|v| !v.is_empty())
                    .unwrap_or("")
                    .trim()
                    .to_string()
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    it.revocation_span = field(ctx, spec, "revocation")
        .or_else(|| field(ctx, spec, "offboarding"))
        .unwrap_or_else(|| spec_span.clone());

    let rotation = spec.at(&["secrets", "rotation"]).or_else(|| spec.get("rotation"));
    it.rotation = rotation.and_then(Node::as_str).unwrap_or("").to_string();
    it.rotation_seconds = parse_duration(&it.rotation).unwrap_or(0);
    it.rotation_span = spec
        .get("secrets")
        .and_then(|n| field(ctx, n, "rotation"))
        .or_else(|| field(ctx, spec, "rotation"))
        .or_else(|| field(ctx, spec, "secrets"))
        .unwrap_or_else(|| spec_span.clone());

    if let Some(broker) = spec.get("broker").filter(|n| n.is_map()) {
        let b = &mut it.broker;
        b.present = true;
        b.span = field(ctx, spec, "broker").unwrap_or_else(|| ctx.span(broker.pos));
        b.topics = strings(broker.get("topics"));
        if let Some(cred) = broker.get("credential").and_then(Node::as_str) {
            let (fp, is_ref) = secret_fingerprint(cred, ctx.kn);
            b.credential = fp;
            b.credential_is_reference = is_ref;
        }
        let kind = broker.str_at(&["type"]);
        let kind = if kind.is_empty() { String::new() } else { ctx.kn.broker_of(kind).to_string() };
        if let Some(cred) = broker.get("credential") {
            credential(ctx, &name, "broker.credential", &kind, cred, "spec.broker.credential");
        }
    }

    (it.tenant_isolation, it.tenant_isolation_span) =
        nested_or_flat(ctx, (spec, "tenancy", "isolation"), (spec, "tenant_isolation"), &spec_span);

    ctx.views.doc.integration = it;
}

/// Where a field of `parent` is: its value when a scalar, else its key (`signature:`), which is
/// where a reader looks for a block.
fn field(ctx: &Ctx<'_>, parent: &Node, key: &str) -> Option<Span> {
    let entry = parent.entries().iter().find(|e| e.key == key)?;
    Some(match entry.value.kind {
        Kind::Scalar(_) => ctx.span(entry.value.pos),
        _ => ctx.span(entry.key_pos),
    })
}

/// A text field written nested (`metadata.owner`, `spec.tenancy.isolation`) or flat
/// (`spec.owner`, `spec.tenant_isolation`): its trimmed text, and where it is: the nested
/// field, else the flat one, else the block that should hold it, else `fallback`.
fn nested_or_flat(
    ctx: &Ctx<'_>,
    (parent, block, key): (&Node, &str, &str),
    (flat_parent, flat_key): (&Node, &str),
    fallback: &Span,
) -> (String, Span) {
    let node = parent.at(&[block, key]).or_else(|| flat_parent.get(flat_key));
    let text = node.and_then(Node::as_str).unwrap_or("").trim().to_string();
    let span = parent
        .get(block)
        .and_then(|b| field(ctx, b, key))
        .or_else(|| field(ctx, flat_parent, flat_key))
        .or_else(|| field(ctx, parent, block))
        .unwrap_or_else(|| fallback.clone());
    (text, span)
}

fn strings(node: Option<&Node>) -> Vec<String> {
    node.map(|n| n.items().iter().filter_map(Node::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

fn secret_fingerprint(value: &str, kn: &Kn) -> (String, bool) {
    match reference(kn, value) {
        Some(r) => (r, true),
        None if value.trim().is_empty() => (String::new(), false),
        None => (fingerprint(value), false),
    }
}

fn credential(ctx: &mut Ctx<'_>, service: &str, name: &str, broker: &str, node: &Node, path: &str) {
    let Some(text) = node.as_str() else { return };
    let (fp, is_ref) = secret_fingerprint(text, ctx.kn);
    if fp.is_empty() {
        return;
    }
    let kind = match (is_ref, fp.starts_with("env:")) {
        (true, true) => "env",
        (true, false) => "secret-ref",
        (false, _) => "password",
    };
    let credential = Credential {
        service: service.to_string(),
        name: name.to_string(),
        kind: kind.to_string(),
        broker: broker.to_string(),
        role: "client".to_string(),
        identities: vec![fp.clone()],
        fingerprint: fp,
        is_reference: is_ref,
        key_path: path.to_string(),
        span: ctx.span(node.pos),
        ..Credential::default()
    };
    ctx.views.doc.credentials.push(credential);
}

/// Seconds in a duration: `300` (seconds), `5m`, `1h30m`, `30d`, `2w`, `500ms` (rounded down),
/// or ISO 8601 (`PT5M`, `P30D`). `None` when unreadable.
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(n) = t.parse::<i64>() {
        return (n >= 0).then_some(n);
    }
    if let Some(iso) = t.strip_prefix('P').or_else(|| t.strip_prefix('p')) {
        return parse_iso(iso);
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    let mut chars = t.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        let mut unit = c.to_string();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphabetic() {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        let secs = match unit.to_ascii_lowercase().as_str() {
            "ms" => n / 1000,
            "s" | "sec" | "secs" | "second" | "seconds" => n,
            "m" | "min" | "mins" | "minute" | "minutes" => n.checked_mul(60)?,
            "h" | "hr" | "hour" | "hours" => n.checked_mul(3600)?,
            "d" | "day" | "days" => n.checked_mul(86_400)?,
            "w" | "week" | "weeks" => n.checked_mul(604_800)?,
            _ => return None,
        };
        total = total.checked_add(secs)?;
        any = true;
    }
    (any && num.is_empty()).then_some(total)
}

fn parse_iso(iso: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut num = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in iso.chars() {
        match c.to_ascii_uppercase() {
            'T' => in_time = true,
            d if d.is_ascii_digit() => num.push(d),
            u => {
                let n: i64 = num.parse().ok()?;
                num.clear();
                let mult = match (u, in_time) {
                    ('W', false) => 604_800,
                    ('D', false) => 86_400,
                    ('H', true) => 3600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
                total = total.checked_add(n.checked_mul(mult)?)?;
                any = true;
            }
        }
    }
    (any && num.is_empty()).then_some(total)
}
