//! Facts of manifest files (YAML and GitHub App JSON): target `manifest`, bound as `doc`.
//!
//! A file holds documents; each document has a `format`, its `data` (the document as plain
//! values, secrets redacted) with `key_spans` to point into it, and normalised, spanned views
//! that rules read without knowing each format's layout. `docs/facts.md` documents the fields.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::any_value::AnyValue;
use crate::{Fact, Span};

/// One manifest file and its documents, in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub documents: Vec<Document>,
    /// What made the file a template that is not YAML until rendered (`helm` for a chart's
    /// `templates/`, `go-template` or `jinja` for template directives), `""` for a file that was
    /// read. A template is skipped: it has no documents and no parse errors.
    pub template: String,
}

/// One YAML document (or the single document of a JSON file): target `manifest`, bound as
/// `doc`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Fact)]
pub struct Document {
    /// path of the file
    pub file: String,
    /// 0-based position of the document in its file
    pub index: u32,
    /// `slack-app`, `github-app`, `compose`, `kubernetes`, `openapi`, `hooklint-integration`,
    /// `helm-values` (a chart's `values.yaml`) or `yaml` (anything else: only `data`, the
    /// generic endpoint and inline-secret views are filled).
    pub format: String,
    /// Kubernetes `kind` (`Deployment`, `Secret`, ...), `Integration`, else `""`
    pub kind: String,
    /// `metadata.name`, the Slack app's `display_information.name`, the GitHub App's `name`,
    /// OpenAPI `info.title`, else `""`
    pub name: String,
    /// the whole document
    pub span: Span,
    /// the document as plain values, secrets redacted (see [`data`](#data))
    pub data: Value,
    /// span of every node of `data` by key path (see [`key_spans`](#key_spans))
    pub key_spans: BTreeMap<String, Span>,
    /// OAuth scopes and app permissions the document asks for
    pub scopes: Vec<Scope>,
    /// URLs the integration exposes or calls
    pub endpoints: Vec<Endpoint>,
    /// credentials services and integrations use
    pub credentials: Vec<Credential>,
    /// secrets written as literals (never their values)
    pub inline_secrets: Vec<InlineSecret>,
    /// compose services and Kubernetes workload containers (containers are
    /// `workload/container`)
    pub services: Vec<Service>,
    /// the normalised Integration manifest ([its page](integration-manifest.md)); empty for
    /// other formats
    pub integration: Integration,
    /// The file sits in a test folder or has a test file name (`tests/`, `testdata/`,
    /// `docker-compose.test.yml`; `manifest_test_path_words`): test infrastructure, whose
    /// credentials are throwaway by design.
    pub is_test: bool,
    /// The file sits in an example or documentation folder (`examples/`, `docs/`;
    /// `manifest_example_path_words`): meant to be copied, not deployed as is.
    pub is_example: bool,
}

/// An OAuth scope or app permission an integration asks for: an element of `doc.scopes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct Scope {
    /// `chat:write`, `repo`, `administration`, `https://mail.google.com/`
    pub name: String,
    /// `bot`, `user` for Slack; `permission` for GitHub App `default_permissions`; `oauth` for
    /// OpenAPI flows and Integration manifests
    pub kind: String,
    /// GitHub permission level `read`, `write` or `admin` as written; else `""`
    pub level: String,
    /// where it was declared: the OpenAPI security scheme and flow (`oauth/authorizationCode`),
    /// else `""`
    pub source: String,
    /// Integration manifests: why the scope is needed, `""` if not given
    pub reason: String,
    /// Integration manifests: who approved the scope, `""` if not given
    pub approver: String,
    /// key path the scope was read from
    pub key_path: String,
    /// the value
    pub span: Span,
}

/// A URL the integration exposes or calls: an element of `doc.endpoints`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct Endpoint {
    /// the URL as written, with any password in it redacted
    pub url: String,
    /// `event_subscriptions`, `interactivity` (Slack), `hook` (GitHub App `hook_attributes`),
    /// `callback`, `redirect`, `setup` (GitHub App URLs), `webhook` (OpenAPI `webhooks`,
    /// Integration webhook, and any document whose key names a webhook, hook or receiver
    /// URL), `server` (OpenAPI `servers`).
    pub kind: String,
    /// lower-case URL scheme (`https`), `""` for a bare path
    pub scheme: String,
    /// lower-case host without port, `""` for a bare path
    pub host: String,
    /// path of the URL (`/webhooks/github`), or the route as declared
    pub route: String,
    /// HTTP method when declared (OpenAPI operations, Integration webhook), upper case, else
    /// `""`
    pub method: String,
    /// name when the format gives one (OpenAPI webhook or callback name), else `""`
    pub name: String,
    /// `http://` or `ws://` to a host that is not loopback.
    pub is_plaintext: bool,
    /// The host is the local machine (`manifest_loopback_hosts`: `localhost`, `127.*`, `::1`).
    pub is_loopback: bool,
    /// The host only resolves inside a cluster or a private network
    /// (`manifest_internal_hosts`: `*.svc`, `*.svc.cluster.local`, a name without a dot).
    pub is_internal: bool,
    /// The URL is handed to a party outside the deployment, which delivers to it over the
    /// internet whatever its host name says: Slack request URLs, a GitHub App hook, OpenAPI
    /// webhooks, the Integration webhook, the `webhook.url` an Argo Events `EventSource`
    /// registers with GitHub or Stripe, a `WEBHOOK_URL` a service advertises.
    pub is_public: bool,
    /// Declares a route this project serves for inbound webhook deliveries.
    pub is_inbound: bool,
    /// key path the URL was read from
    pub key_path: String,
    /// the value
    pub span: Span,
}

/// A credential a service or integration uses: an element of `doc.credentials`. Never holds
/// the secret itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct Credential {
    /// Compose service, Kubernetes `workload/container`, `triggerauthentication/NAME` (KEDA),
    /// `secret/NAME` (a value stored in a Kubernetes `Secret`), the Helm values component, or
    /// the Integration's name.
    pub service: String,
    /// The variable or key that carries it (`AMQP_URL`, `KAFKA_SASL_PASSWORD`, `password`,
    /// `args.1` for a URL in a container's arguments).
    pub name: String,
    /// `password` (a literal), `url` (a connection URL with a literal password), `secret-ref`
    /// (`secretKeyRef`, `secretRef`, a mounted Secret volume, `vault://`, `*_FILE`, Docker
    /// secret), `env` (`${VAR}` interpolation), `tag` (a value computed by a YAML tag such as
    /// CloudFormation's `!Ref`).
    pub kind: String,
    /// `amqp`, `kafka`, `nats`, `redis`, `mqtt` when the credential is a broker's (by URL
    /// scheme, variable name or host), else `""`
    pub broker: String,
    /// `server` when the service runs the broker the credential belongs to (the `rabbitmq`
    /// image's `RABBITMQ_DEFAULT_PASS`, a `redis` container's `--requirepass`): the broker's
    /// own admin identity. `store` for a value kept in a Kubernetes `Secret` (not a user; it
    /// links the workloads that read it). Else `client`.
    pub role: String,
    /// user name when the credential names one (URL user info, a sibling `*_USER`), else `""`
    pub user: String,
    /// host of a connection URL, else `""`
    pub host: String,
    /// the normalised reference (`env:VAR`, `secretKeyRef:name/key`, `secretRef:name`,
    /// `docker-secret:name`, `file:/path`, `vault://...`) for references; `fnv:XXXXXXXX` (a
    /// salted hash of the secret part) for literals
    pub fingerprint: String,
    /// the credential is a reference, not a literal
    pub is_reference: bool,
    /// Every identity the credential is known by, `fingerprint` first: the `fnv:` fingerprint
    /// of the literal default of a `${VAR:-default}`, and for a value stored in a Kubernetes
    /// `Secret` the references that read it (`secretKeyRef:name/key`). Two credentials that
    /// share an identity are one credential.
    pub identities: Vec<String>,
    /// key path the credential was read from
    pub key_path: String,
    /// the value
    pub span: Span,
}

/// A secret written inline in a manifest: an element of `doc.inline_secrets`. The value
/// itself is never recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct InlineSecret {
    /// the key or variable name (`DB_PASSWORD`, `client_secret`)
    pub key: String,
    /// `password`, `secret`, `token`, `api-key`, `private-key`, `url-password`,
    /// `kubernetes-secret` (a `Secret`'s `data`/`stringData`), `known-token` (a value with a
    /// known token prefix such as `xoxb-` or `ghp_`)
    pub kind: String,
    /// compose service or Kubernetes workload, else `""`
    pub service: String,
    /// `fnv:XXXXXXXX`, as in `credentials`
    pub fingerprint: String,
    /// Where the literal comes from: `literal` (written as the value), `default` (the default
    /// of a `${VAR:-default}` interpolation, used when the variable is unset), `secret-data`
    /// (a Kubernetes `Secret`'s `data` or `stringData`).
    pub source: String,
    /// The value stands for a secret without being one: empty, `<your-token>`, `changeme`,
    /// one repeated character (`manifest_placeholders`). Kept so a policy can decide.
    pub is_placeholder: bool,
    /// The value sits under an example key of an API description (OpenAPI `example:`,
    /// `examples:`; `manifest_example_keys`).
    pub is_example: bool,
    /// The known credential prefix the value starts with (`ghp_`, `xoxb-`, `sk_live_`), with
    /// a token-shaped rest; `""` when it has none.
    pub known_format: String,
    /// The value looks generated: at least 16 characters mixing letters and digits with no
    /// long run of one character.
    pub looks_random: bool,
    /// key path the secret was read from
    pub key_path: String,
    /// the value
    pub span: Span,
}

/// A compose service or a Kubernetes workload container: an element of `doc.services`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct Service {
    /// compose service name, or Kubernetes `workload/container`
    pub name: String,
    /// the image as written
    pub image: String,
    /// `env_file` entries and `envFrom` sources (`secretRef:name`, `configMapRef:name`)
    pub env_files: Vec<String>,
    /// broker the image runs (`amqp`, `kafka`, `nats`, `redis`, `mqtt`), else `""`
    pub broker: String,
    /// key path the service was read from
    pub key_path: String,
    /// the service or container
    pub span: Span,
}

/// The normalised `apiVersion: hooklint.dev/v1`, `kind: Integration` manifest: `doc.integration`.
/// Absent strings are `""`, absent or unreadable durations 0 seconds; every part has a span
/// pointing at its line, or at the enclosing block when the part is missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct Integration {
    /// the document is an Integration manifest
    pub present: bool,
    /// `metadata.name`
    pub name: String,
    /// `metadata.owner` (or `spec.owner`): the accountable team or person
    pub owner: String,
    /// the owner, or `spec`
    pub owner_span: Span,
    /// `spec.provider`: the other party (`github`, `slack`, `stripe`, ...)
    pub provider: String,
    /// data fields shared with the other party
    pub data_shared: Vec<String>,
    /// `spec.data`, or `spec`
    pub data_span: Span,
    /// `spec.webhook`
    pub webhook: IntegrationWebhook,
    /// `spec.oauth`
    pub oauth: IntegrationOauth,
    /// revocation and offboarding procedure (text or link), `""` if not declared
    pub revocation: String,
    /// the revocation, or `spec`
    pub revocation_span: Span,
    /// secret rotation period as written
    pub rotation: String,
    /// `rotation` in seconds
    pub rotation_seconds: i64,
    /// the rotation, or `spec`
    pub rotation_span: Span,
    /// `spec.broker`
    pub broker: IntegrationBroker,
    /// tenant isolation model (`per-tenant-credentials`, `shared`, ...), `""` if not declared
    pub tenant_isolation: String,
    /// the tenant isolation, or `spec`
    pub tenant_isolation_span: Span,
    /// the `spec` mapping (the document when there is none)
    pub span: Span,
}

/// `spec.webhook` of an Integration manifest: `doc.integration.webhook`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct IntegrationWebhook {
    /// `spec.webhook` is declared
    pub present: bool,
    /// route served by this project (`/webhooks/github`)
    pub route: String,
    /// public URL the provider delivers to
    pub url: String,
    /// HTTP method, upper case
    pub method: String,
    /// `hmac-sha256`, `hmac-sha1`, `ed25519`, `rsa-sha256`, `jwt`, `none`, `""` if absent
    pub signature_scheme: String,
    /// header that carries the signature
    pub signature_header: String,
    /// fingerprint of the signing secret (its reference, or `fnv:` for an inline literal)
    pub secret: String,
    /// the secret is a reference, not a literal
    pub secret_is_reference: bool,
    /// replay window as written
    pub replay_window: String,
    /// `replay_window` in seconds (0 when absent or unreadable)
    pub replay_window_seconds: i64,
    /// header that carries the delivery's timestamp
    pub timestamp_header: String,
    /// `spec.webhook`
    pub span: Span,
    /// the route, or `spec.webhook`
    pub route_span: Span,
    /// the signature, or `spec.webhook`
    pub signature_span: Span,
    /// the replay window, or `spec.webhook`
    pub replay_span: Span,
}

/// `spec.oauth` of an Integration manifest: `doc.integration.oauth`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct IntegrationOauth {
    /// `spec.oauth` is declared
    pub present: bool,
    /// access token lifetime as written
    pub token_lifetime: String,
    /// `token_lifetime` in seconds (0 when absent or unreadable)
    pub token_lifetime_seconds: i64,
    /// refresh token lifetime as written
    pub refresh_token_lifetime: String,
    /// `refresh_token_lifetime` in seconds (0 when absent or unreadable)
    pub refresh_token_lifetime_seconds: i64,
    /// `spec.oauth`
    pub span: Span,
    /// the token lifetime, or `spec.oauth`
    pub token_lifetime_span: Span,
}

/// `spec.broker` of an Integration manifest: `doc.integration.broker`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct IntegrationBroker {
    /// `spec.broker` is declared
    pub present: bool,
    /// fingerprint of the broker credential (its reference, or `fnv:` for a literal)
    pub credential: String,
    /// the credential is a reference, not a literal
    pub credential_is_reference: bool,
    /// topics used
    pub topics: Vec<String>,
    /// `spec.broker`
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
        Ok(match AnyValue::<String, Value>::deserialize(deserializer)? {
            AnyValue::Null => Value::Null,
            AnyValue::Bool(b) => Value::Bool(b),
            AnyValue::Int(i) => Value::Int(i),
            AnyValue::Float(f) => Value::Float(f),
            AnyValue::String(s) => Value::String(s),
            AnyValue::List(items) => Value::List(items),
            AnyValue::Map(entries) => Value::Map(entries),
        })
    }
}

/// The whole run at once: target `project`, bound as `project`, evaluated once per run for
/// rules that look across files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Fact)]
pub struct Project {
    /// every manifest document of the run, in path order
    pub documents: Vec<Document>,
    /// every credential of every document, in path order
    pub credentials: Vec<Credential>,
    /// every route a Rust handler serves
    pub routes: Vec<ProjectRoute>,
    /// every inbound webhook route a manifest declares, with the handlers that serve it
    pub declared_routes: Vec<DeclaredRoute>,
    /// Broker credentials with more than one user, one entry per file that has a client of
    /// it (see `SharedCredential`).
    pub shared_credentials: Vec<SharedCredential>,
}

/// One broker credential used by several services, seen from one file: credentials that share
/// an identity (the same literal, the same `${VAR}` in one file, the same Kubernetes Secret
/// key, linked through a `Secret` that stores the literal) are one credential. Grouping is
/// done once per run in linear time, so a rule reads the result instead of comparing every
/// credential with every other. An element of `project.shared_credentials`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct SharedCredential {
    /// The broker (`amqp`, `kafka`, `nats`, `redis`, `mqtt`), `""` when no user names one.
    pub broker: String,
    /// The first client use in this file: where the finding belongs.
    pub credential: Credential,
    /// Every other use, in path and line order, at most 64: clients, the broker's own
    /// (`server`) uses, and the `Secret` entries (`store`) that link them.
    pub others: Vec<Credential>,
    /// Distinct client services in the whole group (`service` names), sorted.
    pub client_services: Vec<String>,
    /// Distinct services that run the broker with this credential as its own identity.
    pub server_services: Vec<String>,
    /// Uses left out of `others` by its bound.
    pub more: i64,
    /// The file of `credential` is test infrastructure (`Document::is_test`).
    pub in_test: bool,
}

/// A route served by a Rust function: an element of `project.routes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct ProjectRoute {
    /// the route's `method`: upper case, `ANY` when not restricted
    pub method: String,
    /// the route's `path`
    pub path: String,
    /// the route's `framework`
    pub framework: String,
    /// qualified name of the handler
    pub handler: String,
    /// the handler's `verifies`
    pub verifies: bool,
    /// the handler's `is_webhook`
    pub is_webhook: bool,
    /// the handler's name
    pub handler_span: Span,
    /// the route attribute or the registering expression
    pub span: Span,
}

/// An inbound webhook route declared by a manifest (an Integration's `spec.webhook.route`, a
/// Slack request URL, a GitHub App hook, an OpenAPI webhook with a route): an element of
/// `project.declared_routes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct DeclaredRoute {
    /// the route as declared
    pub route: String,
    /// HTTP method when declared, upper case, else `""`
    pub method: String,
    /// the endpoint's `kind`
    pub kind: String,
    /// the declaring document's `format`
    pub format: String,
    /// the declaring document's `name`, else the endpoint's
    pub name: String,
    /// the endpoint in the manifest
    pub span: Span,
    /// the served routes that match (`:param`, `{param}` and `*rest` segments match anything)
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
