//! The receiver model: does a function receive machine-to-machine deliveries?
//!
//! Evidence, never a name alone: an inbound route whose method carries a body, no user
//! authentication on it, and at least one strong sign (a provider header read, a provider
//! event type as the body, a manifest declaration, or a path or name that says `webhook`).
//! Weak words (`events`, `notifications`, `callback`) only add to a strong sign. OAuth
//! redirect callbacks, WebSocket upgrades, extractors, middleware and functions the project
//! calls itself are not receivers. Which words, headers, types, layers and calls count is
//! knowledge (`policies/knowledge.yaml`).

use hooklint_model::{Function, Knowledge, Receiver, SharedStr};

use super::gates::Role;
use hooklint_model::names::{self, CallList};

/// What the index knows about a function besides its own facts.
pub(super) struct Context<'a> {
    pub(super) role: Option<Role>,
    /// A project fn that calls it, if any.
    pub(super) caller: Option<&'a str>,
    pub(super) reaches_headers: &'a [String],
    /// The file's `use` items, to resolve body types.
    pub(super) uses: &'a [(String, String)],
    pub(super) crate_name: &'a str,
    /// Manifests that declare one of its routes (file names).
    pub(super) declared_by: &'a [String],
    /// User authentication found in its project extractors and layers.
    pub(super) auth_from_extras: Vec<String>,
    /// What its `reaches` calls that the model reads.
    pub(super) reached: Reached,
}

/// The calls among a function's `reaches` that the receiver model reads, each the first of
/// its kind in `reaches` order (the knowledge entry it matches): user authentication
/// (`auth_calls`), an OAuth code exchange (`oauth_callback_signs`), a WebSocket upgrade
/// (`websocket_signs`).
#[derive(Debug, Default)]
pub(super) struct Reached {
    auth: Option<String>,
    oauth: Option<String>,
    websocket: Option<String>,
}

const AUTH: u8 = 1;
const OAUTH: u8 = 2;
const WEBSOCKET: u8 = 4;

impl Reached {
    /// Which of the three lists a reached string matches, as bits: computed once for each
    /// distinct string of the project, so that a function's `reaches` is read by number.
    pub(super) fn kinds(s: &str, k: &Knowledge) -> u8 {
        let m = k.matchers();
        let mut bits = 0;
        for (bit, list) in [
            (AUTH, &m.auth_calls),
            (OAUTH, &m.oauth_callback_signs),
            (WEBSOCKET, &m.websocket_signs),
        ] {
            if list.matches(s, s) {
                bits |= bit;
            }
        }
        bits
    }

    /// From a function's `reaches` as numbers into `strings`, whose kinds are `kinds`.
    pub(super) fn find(reach: &[u32], kinds: &[u8], strings: &[SharedStr], k: &Knowledge) -> Self {
        let m = k.matchers();
        let first = |bit: u8, list: &CallList| {
            let i =
                *reach.iter().find(|&&i| kinds.get(i as usize).is_some_and(|b| b & bit != 0))?;
            let s = strings.get(i as usize)?;
            list.first_match(s, s).map(str::to_string)
        };
        Reached {
            auth: first(AUTH, &m.auth_calls),
            oauth: first(OAUTH, &m.oauth_callback_signs),
            websocket: first(WEBSOCKET, &m.websocket_signs),
        }
    }
}

pub(super) fn receiver(f: &Function, cx: &Context, k: &Knowledge) -> Receiver {
    let mut r = Receiver {
        role: cx.role.map(|r| r.as_str().to_string()).unwrap_or_default(),
        ..Receiver::default()
    };
    let inbound = if !f.routes.is_empty() {
        "route"
    } else if f.is_handler
        && cx.caller.is_none()
        && !f.verdicts.takes_self
        && (f.trait_name.is_empty() || matches!(f.trait_name.as_str(), "Endpoint" | "Handler"))
        && !matches!(cx.role, Some(Role::Extractor | Role::Middleware))
    {
        "handler"
    } else {
        ""
    };
    r.inbound = inbound.to_string();
    let mut methods: Vec<String> = f.routes.iter().map(|r| r.method.clone()).collect();
    methods.sort();
    methods.dedup();
    r.body_method = inbound == "handler"
        || methods.iter().any(|m| matches!(m.as_str(), "POST" | "PUT" | "PATCH" | "ANY" | ""));
    r.methods = methods;
    // Only something that receives requests answers a handshake.
    r.handshake = !inbound.is_empty()
        && !r.body_method
        && (f.literals.iter().any(|l| k.handshake_params.contains(&l.value))
            || f.calls.iter().any(|c| {
                c.args.iter().any(|a| k.handshake_params.iter().any(|h| a.contains(h.as_str())))
            }));

    // User authentication.
    let type_words = |ty: &str| -> Vec<String> {
        ty.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    for p in &f.params {
        if let Some(w) = type_words(&p.ty).into_iter().find(|w| k.user_auth_types.contains(w)) {
            r.user_auth.push(format!("extractor {w}"));
        }
    }
    for route in &f.routes {
        for l in &route.layers {
            let last = crate::util::last_segment(l);
            if k.user_auth_layers.iter().any(|a| a == last || a == l) {
                r.user_auth.push(format!("layer {l}"));
            }
        }
    }
    for h in cx.reaches_headers {
        if k.credential_headers.contains(h) {
            r.user_auth.push(format!("reads {h}"));
        }
    }
    if let Some(c) = &cx.reached.auth {
        r.user_auth.push(format!("calls {c}"));
    }
    r.user_auth.extend(cx.auth_from_extras.iter().cloned());
    r.user_auth.sort();
    r.user_auth.dedup();

    // Strong signs.
    let m = k.matchers();
    for h in cx.reaches_headers {
        if k.provider_headers.contains(h) || names::header_contains(h, &k.signature_headers) {
            r.signs.push(format!("reads provider header {h}"));
        }
    }
    for p in &f.params {
        if !matches!(p.extractor.as_str(), "json" | "form" | "custom" | "other") {
            continue;
        }
        if let Some(t) = provider_type(&p.ty, cx.uses, &k.provider_event_types) {
            r.signs.push(format!("body is provider type {t}"));
        }
    }
    for m in cx.declared_by {
        r.signs.push(format!("declared in {m}"));
    }
    for route in &f.routes {
        if let Some(w) = m.receiver_words.first_run(&route.path) {
            r.signs.push(format!("route path {} says \"{w}\"", route.path));
        } else if let Some(w) = m.receiver_weak_words.first_run(&route.path) {
            r.weak_signs.push(format!("route path {} says \"{w}\"", route.path));
        }
    }
    for (what, text) in
        [("name", f.name.as_str()), ("module", f.module.as_str()), ("crate", cx.crate_name)]
    {
        if text.is_empty() {
            continue;
        }
        if let Some(w) = m.receiver_words.first_run(text) {
            r.signs.push(format!("{what} {text} says \"{w}\""));
        } else if let Some(w) = m.receiver_weak_words.first_run(text) {
            r.weak_signs.push(format!("{what} {text} says \"{w}\""));
        }
    }
    r.signs.sort();
    r.signs.dedup();
    r.weak_signs.sort();
    r.weak_signs.dedup();

    // What it is instead.
    match cx.role {
        Some(Role::Extractor) => r.excluded.push("extractor".into()),
        Some(Role::Middleware) => r.excluded.push("middleware".into()),
        _ => {}
    }
    if f.routes.is_empty() {
        if let Some(c) = cx.caller {
            r.excluded.push(format!("called by {c}"));
        }
    }
    let in_params = |list: &[String]| -> Option<String> {
        f.params.iter().find_map(|p| type_words(&p.ty).into_iter().find(|w| list.contains(w)))
    };
    if let Some(s) = in_params(&k.oauth_callback_signs).or_else(|| cx.reached.oauth.clone()) {
        r.excluded.push(format!("OAuth redirect callback ({s})"));
    }
    if let Some(s) = in_params(&k.websocket_signs).or_else(|| cx.reached.websocket.clone()) {
        r.excluded.push(format!("WebSocket upgrade ({s})"));
    }
    let signs_out = f.calls.iter().any(|c| m.mac_output_calls.matches(&c.name, &c.path));
    let sends = f.calls.iter().any(|c| {
        c.name == "send"
            || c.path.starts_with("reqwest")
            || (c.name == "header" && c.args.len() == 2)
    });
    if signs_out && sends && f.headers_read.is_empty() {
        r.excluded.push("outbound sender".into());
    }
    r
}

/// Is it a receiver, from the evidence?
pub(super) fn is_receiver(r: &Receiver) -> bool {
    !r.inbound.is_empty()
        && (r.body_method || r.handshake)
        && r.user_auth.is_empty()
        && r.excluded.is_empty()
        && !r.signs.is_empty()
}

/// A provider event type among the words of a parameter type, resolved through `use` items:
/// `crate::Type` entries match a path from that crate ending in that type.
fn provider_type(ty: &str, uses: &[(String, String)], list: &[String]) -> Option<String> {
    let words = ty
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| w.chars().next().is_some_and(|c| c.is_alphabetic()));
    for w in words {
        let first = w.split("::").next().unwrap_or(w);
        let full = match uses.iter().find(|(a, _)| a == first) {
            Some((_, f)) => match w.split_once("::") {
                Some((_, rest)) => format!("{f}::{rest}"),
                None => f.clone(),
            },
            None => w.to_string(),
        };
        let last = crate::util::last_segment(&full);
        let head = full.split("::").next().unwrap_or("");
        for e in list {
            let Some((krate, tname)) = e.split_once("::") else { continue };
            let tname = crate::util::last_segment(tname);
            if last != tname {
                continue;
            }
            let from_crate = head == krate
                || (!full.contains("::")
                    && uses.iter().any(|(_, p)| p.split("::").next() == Some(krate)));
            if from_crate {
                return Some(e.clone());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::provider_type;

    #[test]
    fn provider_types_resolve_through_uses() {
        let list = vec!["slack_morphism::SlackPushEvent".to_string(), "stripe::Event".to_string()];
        let uses = vec![(
            "SlackPushEvent".to_string(),
            "slack_morphism::events::SlackPushEvent".to_string(),
        )];
        assert!(provider_type("Json<SlackPushEvent>", &uses, &list).is_some());
        assert!(provider_type("Json<stripe::Event>", &[], &list).is_some());
        assert!(provider_type("Json<Event>", &[], &list).is_none());
        assert!(provider_type("Json<SlackPushEvent>", &[], &list).is_none());
    }
}
