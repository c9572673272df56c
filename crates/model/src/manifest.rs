//! Facts of manifest files (YAML and GitHub App JSON): target `manifest`, bound as `doc`.
//!
//! A file holds documents; each document has a `format`, its `data` (the document as plain
//! values, secrets redacted) with `key_spans` to point into it, and normalised, spanned views
//! that rules read without knowing each format's layout. `docs/facts.md` documents the fields.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Span;

/// One manifest file and its documents, in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub documents: Vec<Document>,
}

/// One YAML document (or the single document of a JSON file).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub file: String,
    /// 0-based position of the document in its file.
    pub index: u32,
    /// `slack-app`, `github-app`, `compose`, `kubernetes`, `openapi`, `hooklint-integration` or
    /// `yaml` (anything else: only `data` is filled).
    pub format: String,
    /// Kubernetes `kind` (`Deployment`, `Secret`, ...), `Integration`, else `""`.
    pub kind: String,
    /// The document's own name where the format has one (`metadata.name`, the Slack app's
    /// `display_information.name`, the GitHub App's `name`, OpenAPI `info.title`), else `""`.
    pub name: String,
    /// The whole document.
    pub span: Span,
    /// The document as plain values (YAML 1.2 core schema types), keys in source order, aliases
    /// and merge keys (`<<`) expanded. Values of secret-looking keys and passwords inside URLs
    /// are replaced by `<redacted:fnv:XXXXXXXX>` (the credential fingerprint).
    pub data: Value,
    /// Span of every node of `data` by its key path: mapping keys joined with `.`, sequence
    /// items by their 0-based index (`services.web.environment.0`); a key that contains `.`,
    /// `[`, `]` or `"` is written as `["key"]` (`metadata.labels["app.kubernetes.io/name"]`).
    /// The empty path is the document root.
    pub key_spans: BTreeMap<String, Span>,
    pub scopes: Vec<Scope>,
    pub endpoints: Vec<Endpoint>,
    pub credentials: Vec<Credential>,
    pub inline_secrets: Vec<InlineSecret>,
    /// Compose services and Kubernetes workloads of the document (containers are
    /// `workload/container`).
    pub services: Vec<Service>,
    /// The normalised `kind: Integration` manifest; empty for other formats.
    pub integration: Integration,
}

/// An OAuth scope or app permission an integration asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// `chat:write`, `repo`, `administration`, `https://mail.google.com/`.
    pub name: String,
    /// `bot`, `user` (Slack), `permission` (GitHub App), `oauth` (OpenAPI flows, Integration).
    pub kind: String,
    /// For permissions: `read`, `write` or `admin` as written; else `""`.
    pub level: String,
    /// Where it was declared: the OpenAPI security scheme and flow (`oauth/authorizationCode`),
    /// else `""`.
    pub source: String,
    /// Integration manifests: why the scope is needed and who approved it, `""` if not given.
    pub reason: String,
    pub approver: String,
    pub key_path: String,
    pub span: Span,
}

/// A URL the integration exposes or calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The URL as written, with any password in it redacted.
    pub url: String,
    /// `event_subscriptions`, `interactivity` (Slack), `hook` (GitHub App `hook_attributes`),
    /// `callback`, `redirect`, `setup` (GitHub App URLs), `webhook` (OpenAPI `webhooks`,
    /// Integration webhook), `server` (OpenAPI `servers`).
    pub kind: String,
    /// Lower-case URL scheme (`https`), `""` for a bare path.
    pub scheme: String,
    /// Lower-case host without port, `""` for a bare path.
    pub host: String,
    /// Path of the URL (`/webhooks/github`), or the route as declared.
    pub route: String,
    /// HTTP method when declared (OpenAPI operations, Integration webhook), upper case, else `""`.
    pub method: String,
    /// Name when the format gives one (OpenAPI webhook or callback name), else `""`.
    pub name: String,
    /// `http://` to a host that is not loopback (`localhost`, `127.0.0.0/8`, `::1`).
    pub is_plaintext: bool,
    pub is_loopback: bool,
    /// Declares a route this project serves for inbound webhook deliveries.
    pub is_inbound: bool,
    pub key_path: String,
    pub span: Span,
}

/// A credential a service or integration uses. Never holds the secret itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// Compose service, Kubernetes `workload/container`, or the Integration's name.
    pub service: String,
    /// The variable or key that carries it (`AMQP_URL`, `KAFKA_SASL_PASSWORD`, `password`).
    pub name: String,
    /// `password` (a literal), `url` (a connection URL with a literal password), `secret-ref`
    /// (`secretKeyRef`, `vault://`, `*_FILE`, Docker secret), `env` (`${VAR}` interpolation).
    pub kind: String,
    /// `amqp`, `kafka`, `nats`, `redis`, `mqtt` when the credential is a broker's, else `""`.
    pub broker: String,
    /// `server` when the service runs the broker the credential belongs to (the `rabbitmq`
    /// image's `RABBITMQ_DEFAULT_PASS`), else `client`.
    pub role: String,
    /// User name when the credential names one (URL user info, a sibling `*_USER`), else `""`.
    pub user: String,
    /// Host of a connection URL, else `""`.
    pub host: String,
    /// Reference text for references (`secretKeyRef:name/key`, `env:VAR`, `vault://path`,
    /// `file:/run/secrets/x`); `fnv:XXXXXXXX` (a salted hash of the secret part) for literals.
    pub fingerprint: String,
    pub is_reference: bool,
    pub key_path: String,
    pub span: Span,
}

/// A secret written inline in a manifest. The value itself is never recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineSecret {
    /// The key or variable name (`DB_PASSWORD`, `client_secret`).
    pub key: String,
    /// `password`, `secret`, `token`, `api-key`, `private-key`, `url-password`,
    /// `kubernetes-secret` (a `Secret`'s `data`/`stringData`), `known-token` (a value with a
    /// known token prefix such as `xoxb-` or `ghp_`).
    pub kind: String,
    /// Compose service or Kubernetes workload, else `""`.
    pub service: String,
    pub fingerprint: String,
    pub key_path: String,
    /// Span of the value.
    pub span: Span,
}

/// A compose service or a Kubernetes workload container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub name: String,
    pub image: String,
    /// `env_file` entries and `envFrom` sources (`secretRef:name`, `configMapRef:name`).
    pub env_files: Vec<String>,
    /// Broker the image runs (`amqp`, `kafka`, `nats`, `redis`, `mqtt`), else `""`.
    pub broker: String,
    pub key_path: String,
    pub span: Span,
}

/// The normalised `apiVersion: hooklint.dev/v1`, `kind: Integration` manifest
/// (`docs/integration-manifest.md`). Absent strings are `""`, absent durations 0 seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integration {
    pub present: bool,
    pub name: String,
    pub owner: String,
    pub owner_span: Span,
    pub provider: String,
    /// Data fields shared with the other party.
    pub data_shared: Vec<String>,
    pub data_span: Span,
    pub webhook: IntegrationWebhook,
    pub oauth: IntegrationOauth,
    /// Revocation and offboarding procedure (text or link), `""` if not declared.
    pub revocation: String,
    pub revocation_span: Span,
    /// Secret rotation period as written and in seconds.
    pub rotation: String,
    pub rotation_seconds: i64,
    pub rotation_span: Span,
    pub broker: IntegrationBroker,
    /// Tenant isolation model (`per-tenant-credentials`, `shared`, ...), `""` if not declared.
    pub tenant_isolation: String,
    pub tenant_isolation_span: Span,
    /// The `spec` mapping (the document when there is none).
    pub span: Span,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationWebhook {
    pub present: bool,
    /// Route served by this project (`/webhooks/github`).
    pub route: String,
    pub url: String,
    pub method: String,
    /// `hmac-sha256`, `hmac-sha1`, `ed25519`, `rsa-sha256`, `jwt`, `none`, `""` if absent.
    pub signature_scheme: String,
    pub signature_header: String,
    /// Fingerprint of the signing secret (its reference, or `fnv:` for an inline literal).
    pub secret: String,
    pub secret_is_reference: bool,
    /// Replay window as written and in seconds (0 when absent or unreadable).
    pub replay_window: String,
    pub replay_window_seconds: i64,
    pub timestamp_header: String,
    pub span: Span,
    pub route_span: Span,
    pub signature_span: Span,
    pub replay_span: Span,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationOauth {
    pub present: bool,
    pub token_lifetime: String,
    pub token_lifetime_seconds: i64,
    pub refresh_token_lifetime: String,
    pub refresh_token_lifetime_seconds: i64,
    pub span: Span,
    pub token_lifetime_span: Span,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationBroker {
    pub present: bool,
    /// Fingerprint of the broker credential (its reference, or `fnv:` for a literal).
    pub credential: String,
    pub credential_is_reference: bool,
    pub topics: Vec<String>,
    pub span: Span,
}

/// A plain YAML value, as in YAML 1.2's core schema. Mappings keep source order.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
}

impl Value {
    /// The value under `key` of a mapping (the last one, as the document reads).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(f) => serializer.serialize_f64(*f),
            Value::String(s) => serializer.serialize_str(s),
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map(Value::Int).unwrap_or(Value::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    }
}

/// The whole run at once: target `project`, bound as `project`, evaluated once per run for
/// rules that look across files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub documents: Vec<Document>,
    /// Every credential of every document, in path order.
    pub credentials: Vec<Credential>,
    /// Every route a Rust handler serves.
    pub routes: Vec<ProjectRoute>,
    /// Every inbound webhook route a manifest declares, with the handlers that serve it.
    pub declared_routes: Vec<DeclaredRoute>,
}

/// A route served by a Rust function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRoute {
    pub method: String,
    pub path: String,
    pub framework: String,
    /// Qualified name of the handler.
    pub handler: String,
    pub verifies: bool,
    pub is_webhook: bool,
    /// The handler's name.
    pub handler_span: Span,
    /// The route registration.
    pub span: Span,
}

/// An inbound webhook route declared by a manifest (an Integration's `spec.webhook.route`, a
/// Slack request URL, a GitHub App hook, an OpenAPI webhook with a route).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredRoute {
    pub route: String,
    pub method: String,
    /// The endpoint's kind and the declaring document's format and name.
    pub kind: String,
    pub format: String,
    pub name: String,
    pub span: Span,
    /// The served routes that match (`:param`, `{param}` and `*rest` segments match anything).
    pub handlers: Vec<ProjectRoute>,
}

/// Whether a served route pattern (`/hooks/:provider`, `/hooks/{provider}`, `/files/*rest`,
/// `/files/{*rest}`, `<name>` in Rocket) matches a declared path.
pub fn route_matches(pattern: &str, path: &str) -> bool {
    let segs = |s: &str| -> Vec<String> {
        s.split('/').filter(|x| !x.is_empty()).map(str::to_string).collect()
    };
    let pattern = segs(pattern);
    let path = segs(path);
    for (i, p) in pattern.iter().enumerate() {
        if p.starts_with('*') || p.starts_with("{*") || (p.starts_with('<') && p.ends_with("..>")) {
            return path.len() >= i;
        }
        let Some(actual) = path.get(i) else { return false };
        let is_param = p.starts_with(':')
            || (p.starts_with('{') && p.ends_with('}'))
            || (p.starts_with('<') && p.ends_with('>'));
        if !is_param && p != actual {
            return false;
        }
    }
    pattern.len() == path.len()
}
