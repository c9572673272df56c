//! Building blocks the recognisers share: endpoints from URLs, credentials from variables,
//! and the format-independent scan for inline secrets.

use hooklint_model::manifest::{Credential, Endpoint, InlineSecret, Integration, Scope, Service};
use hooklint_model::{names, Knowledge};

use crate::data::{join, join_index, span, typed};
use crate::secrets::{
    broker_of, broker_of_scheme, fingerprint, is_known_token, is_loopback, is_placeholder,
    is_secret_file_key, jaas_password, parse_url, redact_url, reference, secret_key_kind,
    url_secrets,
};
use crate::tree::{Kind, Node, Pos};
use hooklint_model::manifest::Value;

/// The normalised views of one document, filled by its recogniser.
#[derive(Debug, Default)]
pub(crate) struct Views {
    pub format: &'static str,
    pub kind: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub endpoints: Vec<Endpoint>,
    pub credentials: Vec<Credential>,
    pub inline_secrets: Vec<InlineSecret>,
    pub services: Vec<Service>,
    pub integration: Integration,
    /// Top-level keys whose every scalar is a secret (a Kubernetes `Secret`'s `data`).
    pub secret_data_keys: Vec<&'static str>,
}

pub(crate) struct Ctx<'a> {
    pub file: &'a str,
    pub views: Views,
    /// The knowledge lists that decide what is a secret.
    pub k: &'a Knowledge,
}

/// Where an endpoint came from and what it is for.
pub(crate) struct EndpointInfo<'a> {
    pub kind: &'a str,
    pub method: &'a str,
    pub name: &'a str,
    pub inbound: bool,
    /// The route when declared apart from the URL.
    pub route: &'a str,
}

impl EndpointInfo<'_> {
    pub fn of(kind: &str) -> EndpointInfo<'_> {
        EndpointInfo { kind, method: "", name: "", inbound: false, route: "" }
    }
}

impl Ctx<'_> {
    pub fn span(&self, pos: Pos) -> hooklint_model::Span {
        span(self.file, pos)
    }

    pub fn scope(&mut self, name: &str, kind: &str, level: &str, node: &Node, key_path: &str) {
        self.views.scopes.push(Scope {
            name: name.to_string(),
            kind: kind.to_string(),
            level: level.to_string(),
            key_path: key_path.to_string(),
            span: self.span(node.pos),
            ..Scope::default()
        });
    }

    /// An endpoint from a scalar URL node (nothing when the node is not a scalar string).
    pub fn endpoint(&mut self, node: &Node, key_path: &str, info: EndpointInfo<'_>) {
        let Some(text) = node.as_str() else { return };
        let text = text.trim();
        if text.is_empty() && info.route.is_empty() && info.name.is_empty() {
            return;
        }
        let url = if is_known_token(text, self.k) {
            crate::secrets::redaction(text)
        } else {
            redact_url(text, self.k).unwrap_or_else(|| text.to_string())
        };
        let mut ep = Endpoint {
            url,
            kind: info.kind.to_string(),
            method: info.method.to_ascii_uppercase(),
            name: info.name.to_string(),
            is_inbound: info.inbound,
            key_path: key_path.to_string(),
            span: self.span(node.pos),
            ..Endpoint::default()
        };
        if let Some(url) = parse_url(text) {
            ep.scheme = url.scheme.clone();
            ep.host = url.host.clone();
            ep.route = if url.path.is_empty() { "/".to_string() } else { url.path.to_string() };
            ep.is_loopback = is_loopback(&url.host);
            ep.is_plaintext = matches!(url.scheme.as_str(), "http" | "ws")
                && !ep.is_loopback
                && !url.host.is_empty();
        } else if text.starts_with('/') {
            ep.route = text.split(['?', '#']).next().unwrap_or("").to_string();
        }
        if !info.route.is_empty() {
            ep.route = info.route.to_string();
        }
        self.views.endpoints.push(ep);
    }

    /// One environment variable (or config key) of a service: a credential when it holds or
    /// names one. `server_broker` is the broker the service itself runs, `""` if none.
    pub fn env_var(
        &mut self,
        service: &str,
        server_broker: &str,
        name: &str,
        value: &Node,
        text_override: Option<&str>,
        key_path: &str,
    ) {
        let text = match text_override {
            Some(t) => t,
            None => match &value.kind {
                Kind::Scalar(s) => match typed(s) {
                    Value::String(_) | Value::Int(_) | Value::Float(_) => s.text.as_str(),
                    _ => return,
                },
                _ => return,
            },
        };
        let text = text.trim();
        let name_broker = broker_of(name);
        let role = if server_broker.is_empty() { "client" } else { "server" };
        let mut cred = Credential {
            service: service.to_string(),
            name: name.to_string(),
            role: role.to_string(),
            key_path: key_path.to_string(),
            span: self.span(value.pos),
            ..Credential::default()
        };
        if let Some(url) = parse_url(text) {
            if let Some(pw) = url.password.filter(|p| !p.is_empty()) {
                let broker = [broker_of_scheme(&url.scheme), name_broker, broker_of(&url.host)]
                    .into_iter()
                    .find(|b| !b.is_empty())
                    .unwrap_or("");
                cred.broker = broker.to_string();
                cred.user = url.user.to_string();
                cred.host = url.host.clone();
                set_secret(&mut cred, pw, "url", self.k);
                self.views.credentials.push(cred);
                return;
            }
        }
        cred.broker = name_broker.to_string();
        if secret_key_kind(name, self.k).is_some() {
            if text.is_empty() || (reference(text, self.k).is_none() && is_placeholder(text)) {
                return;
            }
            if let Some((a, b)) = jaas_password(text) {
                set_secret(&mut cred, text.get(a..b).unwrap_or(""), "password", self.k);
            } else {
                set_secret(&mut cred, text, "password", self.k);
            }
            self.views.credentials.push(cred);
        } else if is_secret_file_key(name, self.k) && !text.is_empty() {
            cred.kind = "secret-ref".to_string();
            cred.fingerprint = format!("file:{text}");
            cred.is_reference = true;
            self.views.credentials.push(cred);
        } else if let Some((a, b)) = jaas_password(text) {
            set_secret(&mut cred, text.get(a..b).unwrap_or(""), "password", self.k);
            self.views.credentials.push(cred);
        } else if !name_broker.is_empty() && is_connection_name(name, self.k) {
            if let Some(r) = reference(text, self.k) {
                cred.kind = ref_kind(&r).to_string();
                cred.fingerprint = r;
                cred.is_reference = true;
                self.views.credentials.push(cred);
            }
        }
    }

    /// A credential taken from a named secret (`secretKeyRef`, `envFrom.secretRef`, a Docker
    /// secret).
    pub fn secret_ref(
        &mut self,
        service: &str,
        name: &str,
        reference: String,
        node: &Node,
        key_path: &str,
    ) {
        self.views.credentials.push(Credential {
            service: service.to_string(),
            name: name.to_string(),
            kind: "secret-ref".to_string(),
            broker: broker_of(name).to_string(),
            role: "client".to_string(),
            fingerprint: reference,
            is_reference: true,
            key_path: key_path.to_string(),
            span: self.span(node.pos),
            ..Credential::default()
        });
    }
}

/// A name with a `connection_key_words` word (`AMQP_URL`, `KAFKA_BROKERS`): its value says
/// where a broker is, with or without credentials.
fn is_connection_name(name: &str, k: &Knowledge) -> bool {
    names::first_run(name, &k.connection_key_words).is_some()
}

fn ref_kind(r: &str) -> &'static str {
    if r.starts_with("env:") || r.starts_with("template:") {
        "env"
    } else {
        "secret-ref"
    }
}

/// Fills kind and fingerprint from the secret part: its reference, or a hash of the literal.
fn set_secret(cred: &mut Credential, secret: &str, literal_kind: &str, k: &Knowledge) {
    match reference(secret, k) {
        Some(r) => {
            cred.kind = ref_kind(&r).to_string();
            cred.fingerprint = r;
            cred.is_reference = true;
        }
        None => {
            cred.kind = literal_kind.to_string();
            cred.fingerprint = fingerprint(secret);
        }
    }
}

/// Scans the whole document for secrets written inline: literal values of secret-named keys,
/// passwords inside URLs, values with a known token prefix, `NAME=value` list items.
pub(crate) fn scan_inline_secrets(ctx: &mut Ctx<'_>, root: &Node) {
    let force = ctx.views.secret_data_keys.clone();
    match &root.kind {
        Kind::Map(entries) => {
            for e in entries {
                let path = join("", &e.key);
                let forced = force.contains(&e.key.as_str());
                scan(ctx, &e.value, &path, &e.key, forced);
            }
        }
        _ => scan(ctx, root, "", "", false),
    }
}

fn scan(ctx: &mut Ctx<'_>, node: &Node, path: &str, key: &str, force: bool) {
    match &node.kind {
        Kind::Scalar(s) => {
            let value = typed(s);
            let text = match value {
                Value::String(_) | Value::Int(_) | Value::Float(_) => s.text.as_str(),
                _ => return,
            };
            check_scalar(ctx, key, text, node.pos, path, force);
        }
        Kind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                scan(ctx, item, &join_index(path, i), key, force);
            }
        }
        Kind::Map(entries) => {
            let named = entries
                .iter()
                .find(|e| e.key == "name" || e.key == "key")
                .and_then(|e| e.value.as_str())
                .map(str::to_string);
            for e in entries {
                let k = match (&named, e.key.as_str()) {
                    (Some(n), "value") => n.as_str(),
                    _ => e.key.as_str(),
                };
                scan(ctx, &e.value, &join(path, &e.key), k, force);
            }
        }
    }
}

fn check_scalar(ctx: &mut Ctx<'_>, key: &str, text: &str, pos: Pos, path: &str, force: bool) {
    let kind = if force {
        (!text.trim().is_empty() && reference(text, ctx.k).is_none()).then_some("kubernetes-secret")
    } else if let Some(kind) = secret_key_kind(key, ctx.k) {
        (reference(text, ctx.k).is_none() && !is_placeholder(text)).then_some(kind)
    } else {
        None
    };
    let (kind, secret, named) = match kind {
        Some(k) => (k, text.to_string(), None),
        None => match literal_secret_in(text, ctx.k) {
            Some(found) => found,
            None => return,
        },
    };
    let key_name = named.unwrap_or(key).to_string();
    ctx.views.inline_secrets.push(InlineSecret {
        key: key_name,
        kind: kind.to_string(),
        service: String::new(),
        fingerprint: fingerprint(&secret),
        key_path: path.to_string(),
        span: span(ctx.file, pos),
    });
}

/// A secret inside a value whatever its key: a known token, a URL password, a JAAS password,
/// `NAME=value` with a secret name. Returns its kind, the secret, and the variable name when the
/// value is a `NAME=value` item.
fn literal_secret_in<'t>(
    text: &'t str,
    k: &Knowledge,
) -> Option<(&'static str, String, Option<&'t str>)> {
    if let Some((name, v)) = text.split_once('=') {
        if !name.is_empty() && !name.contains(char::is_whitespace) && !name.contains("://") {
            if let Some(kind) = secret_key_kind(name, k) {
                if reference(v, k).is_none() && !is_placeholder(v) {
                    return Some((kind, v.to_string(), Some(name)));
                }
                return None;
            }
            if let Some((kind, secret, _)) = literal_secret_in(v, k) {
                return Some((kind, secret, Some(name)));
            }
        }
    }
    if is_known_token(text, k) {
        return Some(("known-token", text.trim().to_string(), None));
    }
    if let Some(url) = parse_url(text) {
        let trimmed = text.trim();
        if let Some((kind, (a, b))) = url_secrets(trimmed, &url, k).into_iter().next() {
            return Some((kind, trimmed.get(a..b)?.to_string(), None));
        }
    }
    if let Some((a, b)) = jaas_password(text) {
        let pw = text.get(a..b)?;
        if !pw.is_empty() && reference(pw, k).is_none() {
            return Some(("password", pw.to_string(), None));
        }
    }
    None
}
