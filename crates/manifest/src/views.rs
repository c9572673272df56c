//! Building blocks the recognisers share: endpoints from URLs, credentials from variables,
//! and the format-independent scans for inline secrets and webhook URLs.

use hooklint_model::manifest::{Credential, Document, Endpoint, InlineSecret, Scope};

use crate::data::{join, join_index, span, typed};
use crate::interp::{interpolate, Interpolated};
use crate::kn::{looks_random, Kn};
use crate::secrets::{
    fingerprint, is_secret_file_key, jaas_password, parse_url, redact_url, redaction, reference,
    url_secrets,
};
use crate::tree::{Kind, Node, Pos};
use hooklint_model::manifest::Value;

/// The normalised views of one document, filled by its recogniser.
#[derive(Debug, Default)]
pub(crate) struct Views {
    pub format: &'static str,
    /// The document's facts as the recogniser finds them: `kind`, `name`, `scopes`,
    /// `endpoints`, `credentials`, `inline_secrets`, `services` and `integration`; the rest
    /// (place, span, data) is filled when the document is assembled.
    pub doc: Document,
    /// Top-level keys whose every scalar is a secret (a Kubernetes `Secret`'s `data`).
    pub secret_data_keys: Vec<&'static str>,
    /// The `data` of a Kubernetes `Secret` is base64: values are decoded before they are judged.
    pub base64_data: bool,
    /// Values under example keys are examples (OpenAPI).
    pub examples: bool,
    /// While an embedded configuration file is scanned: where its block is.
    pub embedding: Option<Embedding>,
    /// Secrets found inside embedded files, so that `data` shows their blocks with them
    /// redacted. Never stored in a fact.
    pub embedded_secrets: Vec<EmbeddedSecret>,
}

/// A literal block that holds a configuration file.
#[derive(Debug, Clone)]
pub(crate) struct Embedding {
    /// Key path of the block (`data["alertmanager.yml"]`).
    pub path: String,
    /// Lines of the file before the block's first line of text, and its indentation.
    pub line_base: u32,
    pub col_base: u32,
}

/// Where in its block's text a secret of an embedded file is, and the secret.
#[derive(Debug, Clone)]
pub(crate) struct EmbeddedSecret {
    pub path: String,
    /// 0-based line of the block's text; `None` when the value spans lines (then the whole
    /// block is redacted).
    pub line: Option<usize>,
    /// Character columns in that line, end exclusive.
    pub cols: (usize, usize),
    pub secret: String,
}

pub(crate) struct Ctx<'a> {
    pub file: &'a str,
    pub kn: &'a Kn,
    pub views: Views,
}

/// Where an endpoint came from and what it is for.
pub(crate) struct EndpointInfo<'a> {
    pub kind: &'a str,
    pub method: &'a str,
    pub name: &'a str,
    pub inbound: bool,
    /// An outside party delivers to the URL (see `Endpoint::is_public`).
    pub public: bool,
    /// The route when declared apart from the URL.
    pub route: &'a str,
}

impl EndpointInfo<'_> {
    /// An endpoint a format's recogniser found: the format says an outside party uses it.
    pub fn of(kind: &str) -> EndpointInfo<'_> {
        EndpointInfo { kind, method: "", name: "", inbound: false, public: true, route: "" }
    }
}

impl Ctx<'_> {
    pub fn span(&self, pos: Pos) -> hooklint_model::Span {
        span(self.file, pos)
    }

    pub fn scope(&mut self, name: &str, kind: &str, level: &str, node: &Node, key_path: &str) {
        self.views.doc.scopes.push(Scope {
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
        let Some(raw) = node.as_str() else { return };
        let raw = raw.trim();
        if raw.is_empty() && info.route.is_empty() && info.name.is_empty() {
            return;
        }
        // `${WEBHOOK_URL:-http://...}`: the default is the URL used when nothing is set.
        let interp = interpolate(raw);
        let text = if interp.used_default && interp.is_literal() { &interp.effective } else { raw };
        // A URL that is itself a credential (a Slack incoming webhook) shows no part of its path.
        let credential_url = self.kn.has_credential_prefix(text);
        let url = if credential_url {
            redaction(text)
        } else {
            redact_url(self.kn, text).unwrap_or_else(|| text.to_string())
        };
        let mut ep = Endpoint {
            url,
            kind: info.kind.to_string(),
            method: info.method.to_ascii_uppercase(),
            name: info.name.to_string(),
            is_inbound: info.inbound,
            is_public: info.public,
            key_path: key_path.to_string(),
            span: self.span(node.pos),
            ..Endpoint::default()
        };
        if let Some(url) = parse_url(text) {
            ep.scheme = url.scheme.clone();
            ep.host = url.host.clone();
            ep.route = if credential_url {
                String::new()
            } else if url.path.is_empty() {
                "/".to_string()
            } else {
                url.path.to_string()
            };
            ep.is_loopback = self.kn.is_loopback(&url.host);
            ep.is_internal = !ep.is_loopback && self.kn.is_internal(&url.host);
            ep.is_plaintext = matches!(url.scheme.as_str(), "http" | "ws")
                && !ep.is_loopback
                && !url.host.is_empty();
        } else if text.starts_with('/') {
            ep.route = text.split(['?', '#']).next().unwrap_or("").to_string();
        }
        if !info.route.is_empty() {
            ep.route = info.route.to_string();
        }
        self.views.doc.endpoints.push(ep);
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
        let kn = self.kn;
        let secret_named = kn.secret_key_kind(name).is_some();
        let name_broker = kn.broker_of(name);
        if text_override.is_none() {
            if let Some(tag) = &value.tag {
                // `!Ref DbPassword`: computed by the tool that reads the file.
                if secret_named || (!name_broker.is_empty() && kn.is_broker_credential_name(name)) {
                    let text = value.as_str().unwrap_or("");
                    let r = format!("tag:{tag} {text}");
                    let mut cred = self.credential(service, name, value, key_path);
                    cred.broker = name_broker.to_string();
                    cred.role = role(server_broker, &cred.broker);
                    set_reference(&mut cred, r, "tag");
                    self.views.doc.credentials.push(cred);
                }
                return;
            }
        }
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
        let interp = interpolate(text);
        let var_broker = interp.whole_var.as_deref().map_or("", |v| kn.broker_of(v));
        let name_broker = if name_broker.is_empty() { var_broker } else { name_broker };
        let mut cred = self.credential(service, name, value, key_path);
        if let Some(url) = parse_url(&interp.effective) {
            if let Some(pw) = url.password.filter(|p| !p.is_empty()) {
                let broker =
                    [kn.broker_of_scheme(&url.scheme), name_broker, kn.broker_of(&url.host)]
                        .into_iter()
                        .find(|b| !b.is_empty())
                        .unwrap_or("");
                cred.broker = broker.to_string();
                cred.role = role(server_broker, broker);
                cred.user = url.user.to_string();
                cred.host = url.host.clone();
                if set_secret(kn, &mut cred, pw, &interp, "url") {
                    self.views.doc.credentials.push(cred);
                }
                return;
            }
        }
        cred.broker = name_broker.to_string();
        cred.role = role(server_broker, name_broker);
        let connection = !name_broker.is_empty() && kn.is_connection_name(name);
        let broker_named =
            connection || (!name_broker.is_empty() && kn.is_broker_credential_name(name));
        if secret_named || broker_named {
            if interp.is_literal() {
                let v = interp.effective.trim();
                let secret = jaas_password(v).and_then(|(a, b)| v.get(a..b)).unwrap_or(v);
                // A connection URL without a password carries no credential of its own.
                let no_secret = !secret_named && parse_url(v).is_some();
                if no_secret || secret.is_empty() || kn.is_placeholder(secret) {
                    if let Some(var) = interp.whole_var.as_deref() {
                        set_reference(&mut cred, format!("env:{var}"), "env");
                        self.views.doc.credentials.push(cred);
                    }
                    return;
                }
                if set_secret(kn, &mut cred, secret, &interp, "password") {
                    self.views.doc.credentials.push(cred);
                }
            } else if let Some(r) = reference(kn, text) {
                let kind = ref_kind(&r);
                set_reference(&mut cred, r, kind);
                self.views.doc.credentials.push(cred);
            }
        } else if is_secret_file_key(kn, name) && !text.is_empty() {
            set_reference(&mut cred, format!("file:{text}"), "secret-ref");
            self.views.doc.credentials.push(cred);
        } else if let Some((a, b)) = jaas_password(&interp.effective) {
            let pw = interp.effective.get(a..b).unwrap_or("").to_string();
            if set_secret(kn, &mut cred, &pw, &interp, "password") {
                self.views.doc.credentials.push(cred);
            }
        }
    }

    /// A password given on a command line (`--requirepass ${REDIS_AUTH:-x}`) or a connection
    /// URL with one in an argument.
    pub fn command_secret(
        &mut self,
        service: &str,
        server_broker: &str,
        name: &str,
        text: &str,
        node: &Node,
        key_path: &str,
    ) {
        let kn = self.kn;
        let interp = interpolate(text);
        let mut cred = self.credential(service, name, node, key_path);
        let (secret, broker) = match parse_url(&interp.effective) {
            Some(url) => match url.password.filter(|p| !p.is_empty()) {
                Some(pw) => {
                    cred.user = url.user.to_string();
                    cred.host = url.host.clone();
                    let b = [kn.broker_of_scheme(&url.scheme), kn.broker_of(&url.host)]
                        .into_iter()
                        .find(|b| !b.is_empty())
                        .unwrap_or("");
                    (pw.to_string(), b)
                }
                None => return,
            },
            None => (interp.effective.trim().to_string(), server_broker),
        };
        let broker = if broker.is_empty() { server_broker } else { broker };
        cred.broker = broker.to_string();
        cred.role = role(server_broker, broker);
        let kind = if parse_url(&interp.effective).is_some() { "url" } else { "password" };
        if secret.contains('$') {
            // `$(RABBITMQ_PASSWORD)` names the container's own variable, counted where it is
            // defined; `${VAR}` in a compose command is the file's environment.
            if let Some(r) = reference(kn, &secret).filter(|_| !text.contains("$(")) {
                let kind = ref_kind(&r);
                set_reference(&mut cred, r, kind);
                self.views.doc.credentials.push(cred);
            }
            return;
        }
        if !secret.is_empty()
            && !kn.is_placeholder(&secret)
            && set_secret(kn, &mut cred, &secret, &interp, kind)
        {
            self.views.doc.credentials.push(cred);
        }
    }

    fn credential(&self, service: &str, name: &str, node: &Node, key_path: &str) -> Credential {
        Credential {
            service: service.to_string(),
            name: name.to_string(),
            role: "client".to_string(),
            key_path: key_path.to_string(),
            span: self.span(node.pos),
            ..Credential::default()
        }
    }

    /// A credential taken from a named secret (`secretKeyRef`, `envFrom.secretRef`, a mounted
    /// Secret volume, a Docker secret, KEDA's `secretTargetRef`).
    pub fn secret_ref(
        &mut self,
        service: &str,
        name: &str,
        reference: String,
        node: &Node,
        key_path: &str,
    ) {
        self.secret_ref_as(service, "", name, reference, node, key_path);
    }

    /// `secret_ref` from a service that runs `server_broker` (its own identity when the
    /// credential is that broker's).
    pub fn secret_ref_as(
        &mut self,
        service: &str,
        server_broker: &str,
        name: &str,
        reference: String,
        node: &Node,
        key_path: &str,
    ) {
        let broker = self.kn.broker_of(name).to_string();
        let role = role(server_broker, &broker);
        self.views.doc.credentials.push(Credential {
            service: service.to_string(),
            name: name.to_string(),
            kind: "secret-ref".to_string(),
            broker,
            role,
            identities: vec![reference.clone()],
            fingerprint: reference,
            is_reference: true,
            key_path: key_path.to_string(),
            span: self.span(node.pos),
            ..Credential::default()
        });
    }
}

/// Passwords on a command line (`command`, `args`, `entrypoint`): the value of a password flag
/// (`--requirepass x`, `--password=x`) and connection URLs with a password. The node is a
/// string or a list of strings; each string is split at whitespace.
pub(crate) fn command_line(
    ctx: &mut Ctx<'_>,
    service: &str,
    server_broker: &str,
    node: &Node,
    path: &str,
) {
    let items: Vec<(&Node, String)> = match &node.kind {
        Kind::Scalar(_) => vec![(node, path.to_string())],
        Kind::Seq(items) => {
            items.iter().enumerate().map(|(i, item)| (item, join_index(path, i))).collect()
        }
        Kind::Map(_) => return,
    };
    let kn = ctx.kn;
    let mut want_value: Option<String> = None;
    for (item, item_path) in items {
        if item.tag.is_some() {
            want_value = None;
            continue;
        }
        let Some(text) = item.as_str() else { continue };
        for token in text.split_whitespace() {
            let token = token.trim_matches(|c| c == '"' || c == '\'');
            if let Some(flag) = want_value.take() {
                ctx.command_secret(service, server_broker, &flag, token, item, &item_path);
                continue;
            }
            if let Some((flag, value)) = token.split_once('=') {
                if flag.starts_with('-') && kn.is_password_flag(flag) {
                    ctx.command_secret(service, server_broker, flag, value, item, &item_path);
                    continue;
                }
            }
            if token.starts_with('-') && kn.is_password_flag(token) {
                want_value = Some(token.to_string());
            } else if token.contains("://") {
                let name = last_segment(&item_path);
                ctx.command_secret(service, server_broker, &name, token, item, &item_path);
            }
        }
    }
}

/// `command.1` for `services.redis.command.1`: the key path's last two segments.
fn last_segment(path: &str) -> String {
    let mut parts = path.rsplit('.');
    let last = parts.next().unwrap_or("");
    match parts.next() {
        Some(prev) if last.bytes().all(|b| b.is_ascii_digit()) => format!("{prev}.{last}"),
        _ => last.to_string(),
    }
}

/// `server` when the service runs the credential's broker (or runs a broker and the credential
/// names none), else `client`.
fn role(server_broker: &str, broker: &str) -> String {
    let own = !server_broker.is_empty() && (broker.is_empty() || broker == server_broker);
    if own { "server" } else { "client" }.to_string()
}

fn ref_kind(r: &str) -> &'static str {
    if r.starts_with("env:") || r.starts_with("template:") {
        "env"
    } else {
        "secret-ref"
    }
}

fn set_reference(cred: &mut Credential, r: String, kind: &str) {
    cred.kind = kind.to_string();
    cred.identities = vec![r.clone()];
    cred.fingerprint = r;
    cred.is_reference = true;
}

/// Fills kind, fingerprint and identities from the secret part: its reference, or a hash of
/// the literal (and, for `${VAR:-literal}`, the variable too). `false` when there is nothing
/// to identify (a placeholder written as the literal).
fn set_secret(
    kn: &Kn,
    cred: &mut Credential,
    secret: &str,
    interp: &Interpolated,
    literal_kind: &str,
) -> bool {
    if secret.contains('$') {
        if let Some(r) = reference(kn, secret) {
            let kind = ref_kind(&r);
            set_reference(cred, r, kind);
            return true;
        }
    }
    if let Some(r) = reference(kn, secret) {
        let kind = ref_kind(&r);
        set_reference(cred, r, kind);
        return true;
    }
    let placeholder = kn.is_placeholder(secret);
    match (&interp.whole_var, interp.used_default) {
        (Some(var), true) => {
            set_reference(cred, format!("env:{var}"), "env");
            if !placeholder {
                cred.identities.push(fingerprint(secret));
            }
            true
        }
        _ if placeholder => false,
        _ => {
            cred.kind = literal_kind.to_string();
            cred.fingerprint = fingerprint(secret);
            cred.identities = vec![cred.fingerprint.clone()];
            true
        }
    }
}

/// Evidence about one literal, for `InlineSecret`.
struct Literal<'a> {
    key: &'a str,
    kind: &'static str,
    /// The secret itself (never stored; only fingerprinted and judged).
    secret: String,
    source: &'static str,
}

/// Scans the whole document for secrets written inline: literal values of secret-named keys
/// (and `${VAR:-literal}` defaults), passwords inside URLs, values with a known credential
/// prefix, `NAME=value` list items, and every value of a Kubernetes `Secret`. Placeholders are
/// kept with `is_placeholder` so that a policy decides.
pub(crate) fn scan_inline_secrets(ctx: &mut Ctx<'_>, root: &Node) {
    scan_inline_secrets_at(ctx, root, "");
}

/// `scan_inline_secrets` over a subtree whose key path is `base` (an embedded document).
pub(crate) fn scan_inline_secrets_at(ctx: &mut Ctx<'_>, root: &Node, base: &str) {
    let force = ctx.views.secret_data_keys.clone();
    match &root.kind {
        Kind::Map(entries) if base.is_empty() => {
            for e in entries {
                let path = join("", &e.key);
                let forced = force.contains(&e.key.as_str());
                scan(ctx, &e.value, &path, &e.key, Scan { force: forced, example: false });
            }
        }
        _ => scan(ctx, root, base, "", Scan { force: false, example: false }),
    }
}

#[derive(Clone, Copy)]
struct Scan {
    /// Every scalar is a secret (a `Secret`'s data).
    force: bool,
    /// Under an example key of an API description.
    example: bool,
}

fn scan(ctx: &mut Ctx<'_>, node: &Node, path: &str, key: &str, how: Scan) {
    if node.tag.is_some() {
        // `!Ref`, `!Sub`, `!vault`: computed by the program that reads the file.
        return;
    }
    match &node.kind {
        Kind::Scalar(s) => {
            let value = typed(s);
            let text = match value {
                Value::String(_) | Value::Int(_) | Value::Float(_) => s.text.as_str(),
                _ => return,
            };
            if how.force && s.literal_block && is_config_file_key(ctx.kn, key) {
                // A configuration file kept in a Secret is judged by its own keys
                // (`formats::embedded`), not as one secret.
                return;
            }
            check_scalar(ctx, key, text, node.pos, path, how);
        }
        Kind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                scan(ctx, item, &join_index(path, i), key, how);
            }
        }
        Kind::Map(entries) => {
            for (e, k) in named_entries(entries) {
                let example = how.example || (ctx.views.examples && ctx.kn.is_example_key(&e.key));
                scan(ctx, &e.value, &join(path, &e.key), k, Scan { example, ..how });
            }
        }
    }
}

/// A key that holds a configuration file: `*.yml`, `*.yaml`, or one whose words name a
/// webhook (`service.webhook.github` in Argo CD's notifications ConfigMap).
pub(crate) fn is_config_file_key(kn: &Kn, key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.ends_with(".yml") || lower.ends_with(".yaml") || kn.endpoint_kind(key).is_some()
}

/// In a `name:`/`value:` pair (Kubernetes env, CloudFormation's `Name`/`Value`), the name.
pub(crate) fn pair_name(entries: &[crate::tree::Entry]) -> Option<&str> {
    entries
        .iter()
        .find(|e| e.key.eq_ignore_ascii_case("name") || e.key == "key")
        .and_then(|e| e.value.as_str())
}

/// Each entry of a map with the key it stands for: in a `name:`/`value:` pair the `value` entry
/// stands for the pair's name (`{name: DB_PASSWORD, value: ..}` is `DB_PASSWORD: ..`).
pub(crate) fn named_entries(
    entries: &[crate::tree::Entry],
) -> impl Iterator<Item = (&crate::tree::Entry, &str)> {
    let named = pair_name(entries);
    entries.iter().map(move |e| match named {
        Some(n) if e.key.eq_ignore_ascii_case("value") => (e, n),
        _ => (e, e.key.as_str()),
    })
}

fn check_scalar(ctx: &mut Ctx<'_>, key: &str, text: &str, pos: Pos, path: &str, how: Scan) {
    let kn = ctx.kn;
    let found = if how.force {
        secret_data(ctx, key, text)
    } else if let Some(kind) = kn.secret_key_kind(key) {
        let interp = interpolate(text);
        let v = interp.effective.trim();
        if !interp.is_literal() || v.is_empty() || reference(kn, v).is_some() {
            None
        } else if let Some(url) = parse_url(v).filter(|u| u.password.is_some()) {
            // `password: amqp://u:pw@host` (unusual, but then only the password is secret).
            url_secrets(kn, v, &url, true).into_iter().next().and_then(|(k, (a, b))| {
                Some(Literal {
                    key,
                    kind: k,
                    secret: v.get(a..b)?.to_string(),
                    source: source(&interp),
                })
            })
        } else {
            Some(Literal { key, kind, secret: v.to_string(), source: source(&interp) })
        }
    } else {
        literal_secret_in(kn, key, text)
    };
    let Some(lit) = found else { return };
    let secret = lit.secret.trim();
    if let Some(block) = &ctx.views.embedding {
        let line = (pos.line == pos.end_line)
            .then(|| pos.line.checked_sub(block.line_base + 1))
            .flatten()
            .map(|l| l as usize);
        let col = |c: u32| c.saturating_sub(1 + block.col_base) as usize;
        ctx.views.embedded_secrets.push(EmbeddedSecret {
            path: block.path.clone(),
            line,
            cols: (col(pos.col), col(pos.end_col)),
            secret: secret.to_string(),
        });
    }
    ctx.views.doc.inline_secrets.push(InlineSecret {
        key: lit.key.to_string(),
        kind: lit.kind.to_string(),
        service: String::new(),
        fingerprint: fingerprint(secret),
        source: lit.source.to_string(),
        is_placeholder: kn.is_placeholder(secret),
        is_example: how.example,
        known_format: kn.known_format(secret).unwrap_or("").to_string(),
        looks_random: looks_random(secret),
        key_path: path.to_string(),
        span: span(ctx.file, pos),
    });
}

fn source(interp: &Interpolated) -> &'static str {
    if interp.used_default {
        "default"
    } else {
        "literal"
    }
}

/// A value of a Kubernetes `Secret`'s `data` (base64) or `stringData`.
fn secret_data<'k>(ctx: &Ctx<'_>, key: &'k str, text: &str) -> Option<Literal<'k>> {
    if text.trim().is_empty() || reference(ctx.kn, text).is_some() {
        return None;
    }
    let value = if ctx.views.base64_data {
        decode_base64(text.trim()).unwrap_or_else(|| text.trim().to_string())
    } else {
        text.trim().to_string()
    };
    // A user name or a host kept in the Secret is not its secret; a URL with a password is.
    if let Some(url) = parse_url(&value) {
        if let Some((kind, (a, b))) = url_secrets(ctx.kn, &value, &url, true).into_iter().next() {
            let secret = value.get(a..b)?.to_string();
            return Some(Literal { key, kind, secret, source: "secret-data" });
        }
    }
    if ctx.kn.is_public_key(key) {
        return None;
    }
    Some(Literal { key, kind: "kubernetes-secret", secret: value, source: "secret-data" })
}

/// A secret inside a value whatever its key: a known credential, a URL password, a JAAS
/// password, `NAME=value` with a secret name (the value may be a `${VAR:-literal}` default).
fn literal_secret_in<'k>(kn: &Kn, key: &'k str, text: &'k str) -> Option<Literal<'k>> {
    if let Some((name, v)) = text.split_once('=') {
        if !name.is_empty() && !name.contains(char::is_whitespace) && !name.contains("://") {
            if let Some(kind) = kn.secret_key_kind(name) {
                let interp = interpolate(v);
                let value = interp.effective.trim();
                if !interp.is_literal() || value.is_empty() || reference(kn, value).is_some() {
                    return None;
                }
                let src = source(&interp);
                return Some(Literal { key: name, kind, secret: value.to_string(), source: src });
            }
            if let Some(mut found) = literal_secret_value(kn, name, v) {
                found.key = name;
                return Some(found);
            }
        }
    }
    if let Some(found) = password_flag_value(kn, key, text) {
        return Some(found);
    }
    literal_secret_value(kn, key, text)
}

/// The literal value of a password flag on a command line written as one string
/// (`redis-server --requirepass s3cret`, `--password=${PW:-s3cret}`).
fn password_flag_value<'k>(kn: &Kn, key: &'k str, text: &str) -> Option<Literal<'k>> {
    let mut tokens = text.split_whitespace();
    while let Some(token) = tokens.next() {
        if !token.starts_with('-') {
            continue;
        }
        let value = match token.split_once('=') {
            Some((flag, value)) if kn.is_password_flag(flag) => value,
            None if kn.is_password_flag(token) => tokens.next()?,
            _ => continue,
        };
        let interp = interpolate(value.trim_matches(|c| c == '"' || c == '\''));
        let v = interp.effective.trim();
        if interp.is_literal() && !v.is_empty() && !v.contains('$') && reference(kn, v).is_none() {
            let secret = v.to_string();
            return Some(Literal { key, kind: "password", secret, source: source(&interp) });
        }
    }
    None
}

/// A known credential, a URL password or a JAAS password in a value.
fn literal_secret_value<'k>(kn: &Kn, key: &'k str, text: &'k str) -> Option<Literal<'k>> {
    let interp = interpolate(text);
    let effective = interp.effective.trim();
    let src = source(&interp);
    if kn.known_format(effective).is_some() {
        return Some(Literal {
            key,
            kind: "known-token",
            secret: effective.to_string(),
            source: src,
        });
    }
    if let Some(url) = parse_url(effective) {
        if let Some((kind, (a, b))) = url_secrets(kn, effective, &url, true).into_iter().next() {
            let secret = effective.get(a..b)?.to_string();
            return Some(Literal { key, kind, secret, source: src });
        }
    }
    if let Some((a, b)) = jaas_password(effective) {
        let pw = effective.get(a..b)?;
        if !pw.is_empty() && reference(kn, pw).is_none() {
            return Some(Literal { key, kind: "password", secret: pw.to_string(), source: src });
        }
    }
    None
}

/// Standard base64 (padding optional) to UTF-8 text; `None` when it is not that.
pub(crate) fn decode_base64(s: &str) -> Option<String> {
    if s.len() % 4 == 1 || s.len() > 1 << 20 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    String::from_utf8(out).ok().filter(|t| !t.chars().any(|c| c.is_control() && c != '\n'))
}

/// Finds URLs whose key names a webhook, hook, receiver, callback or redirect, in any document:
/// a key with such a word (`webhook_url`, `callbackURL`, `WEBHOOK_URL=...`), or a bare URL key
/// (`url`, `address`) under a parent or grandparent key with one (`webhook_configs: [{url}]`,
/// `webhook: {url}`). Endpoints a recogniser already placed are not repeated.
pub(crate) fn scan_endpoints(ctx: &mut Ctx<'_>, root: &Node, base: &str) {
    let mut found = Vec::new();
    walk_endpoints(ctx.kn, root, base, &mut Vec::new(), &mut found);
    for (node, path, kind) in found {
        let pos = (node.pos.line, node.pos.col);
        if ctx.views.doc.endpoints.iter().any(|e| (e.span.line, e.span.column) == pos) {
            continue;
        }
        let info = EndpointInfo { public: false, ..EndpointInfo::of(kind) };
        ctx.endpoint(&node, &path, info);
    }
}

fn walk_endpoints<'n>(
    kn: &Kn,
    node: &'n Node,
    path: &str,
    keys: &mut Vec<&'n str>,
    out: &mut Vec<(Node, String, &'static str)>,
) {
    if node.tag.is_some() {
        return;
    }
    match &node.kind {
        Kind::Scalar(s) => {
            let Some(&key) = keys.last() else { return };
            if let Some((name, value)) = s.text.split_once('=') {
                if !name.contains(char::is_whitespace) && !name.contains("://") {
                    if let Some(kind) = kn.endpoint_kind(name) {
                        if is_web_url(value) {
                            out.push((Node::synthetic(value, node.pos), path.to_string(), kind));
                        }
                    }
                    return;
                }
            }
            let kind = kn.endpoint_kind(key).or_else(|| {
                if !kn.is_url_key(key) {
                    return None;
                }
                let n = keys.len();
                keys[n.saturating_sub(3)..n - 1].iter().rev().find_map(|k| kn.endpoint_kind(k))
            });
            if let Some(kind) = kind.filter(|_| is_web_url(&s.text)) {
                out.push((node.clone(), path.to_string(), kind));
            }
        }
        Kind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                walk_endpoints(kn, item, &join_index(path, i), keys, out);
            }
        }
        Kind::Map(entries) => {
            for (e, k) in named_entries(entries) {
                keys.push(k);
                walk_endpoints(kn, &e.value, &join(path, &e.key), keys, out);
                keys.pop();
            }
        }
    }
}

/// `http://`, `https://`, `ws://` or `wss://`, once defaults are applied.
fn is_web_url(text: &str) -> bool {
    let interp = interpolate(text.trim());
    parse_url(&interp.effective)
        .is_some_and(|u| matches!(u.scheme.as_str(), "http" | "https" | "ws" | "wss"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_text_only() {
        assert_eq!(decode_base64("aHVudGVyMg==").as_deref(), Some("hunter2"));
        assert_eq!(decode_base64("aHVudGVyMg").as_deref(), Some("hunter2"));
        assert_eq!(decode_base64("not base64!"), None);
        assert_eq!(decode_base64("AAAA"), None);
    }
}
