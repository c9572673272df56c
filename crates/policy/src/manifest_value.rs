//! Manifest facts to CEL values, built by hand like `value.rs` (same reasons: one pass, strings
//! borrowed from the facts). `doc.data` is dynamic: YAML values map to CEL values one to one.

use cel::common::types::{CelDouble, CelInt, CelMap, CelMapKey, CelNull};
use hooklint_model::manifest::{
    Credential, DeclaredRoute, Document, Endpoint, InlineSecret, Integration, IntegrationBroker,
    IntegrationOauth, IntegrationWebhook, Project, ProjectRoute, Scope, Service, SharedCredential,
    Value,
};
use std::collections::HashMap;

use crate::value::{b, list, obj, s, span, strings, V};

fn i<'a>(v: i64) -> V<'a> {
    Box::new(CelInt::from(v))
}

/// A YAML value as CEL: maps keep the last value of a repeated key, as the document reads.
pub(crate) fn data(v: &Value) -> V<'_> {
    match v {
        Value::Null => Box::new(CelNull),
        Value::Bool(x) => b(*x),
        Value::Int(x) => i(*x),
        Value::Float(x) => Box::new(CelDouble::from(*x)),
        Value::String(x) => s(x),
        Value::List(items) => list(items, data),
        Value::Map(entries) => {
            let map: HashMap<CelMapKey<'_>, V<'_>> =
                entries.iter().map(|(k, v)| (CelMapKey::from(k.as_str()), data(v))).collect();
            Box::new(CelMap::from(map))
        }
    }
}

fn scope(x: &Scope) -> V<'_> {
    obj([
        ("name", s(&x.name)),
        ("kind", s(&x.kind)),
        ("level", s(&x.level)),
        ("source", s(&x.source)),
        ("reason", s(&x.reason)),
        ("approver", s(&x.approver)),
        ("key_path", s(&x.key_path)),
        ("span", span(&x.span)),
    ])
}

fn endpoint(x: &Endpoint) -> V<'_> {
    obj([
        ("url", s(&x.url)),
        ("kind", s(&x.kind)),
        ("scheme", s(&x.scheme)),
        ("host", s(&x.host)),
        ("route", s(&x.route)),
        ("method", s(&x.method)),
        ("name", s(&x.name)),
        ("is_plaintext", b(x.is_plaintext)),
        ("is_loopback", b(x.is_loopback)),
        ("is_internal", b(x.is_internal)),
        ("is_public", b(x.is_public)),
        ("is_inbound", b(x.is_inbound)),
        ("key_path", s(&x.key_path)),
        ("span", span(&x.span)),
    ])
}

pub(crate) fn credential(x: &Credential) -> V<'_> {
    obj([
        ("service", s(&x.service)),
        ("name", s(&x.name)),
        ("kind", s(&x.kind)),
        ("broker", s(&x.broker)),
        ("role", s(&x.role)),
        ("user", s(&x.user)),
        ("host", s(&x.host)),
        ("fingerprint", s(&x.fingerprint)),
        ("is_reference", b(x.is_reference)),
        ("identities", strings(&x.identities)),
        ("key_path", s(&x.key_path)),
        ("span", span(&x.span)),
    ])
}

fn inline_secret(x: &InlineSecret) -> V<'_> {
    obj([
        ("key", s(&x.key)),
        ("kind", s(&x.kind)),
        ("service", s(&x.service)),
        ("fingerprint", s(&x.fingerprint)),
        ("source", s(&x.source)),
        ("is_placeholder", b(x.is_placeholder)),
        ("is_example", b(x.is_example)),
        ("known_format", s(&x.known_format)),
        ("looks_random", b(x.looks_random)),
        ("key_path", s(&x.key_path)),
        ("span", span(&x.span)),
    ])
}

fn service(x: &Service) -> V<'_> {
    obj([
        ("name", s(&x.name)),
        ("image", s(&x.image)),
        ("env_files", strings(&x.env_files)),
        ("broker", s(&x.broker)),
        ("key_path", s(&x.key_path)),
        ("span", span(&x.span)),
    ])
}

fn webhook(x: &IntegrationWebhook) -> V<'_> {
    obj([
        ("present", b(x.present)),
        ("route", s(&x.route)),
        ("url", s(&x.url)),
        ("method", s(&x.method)),
        ("signature_scheme", s(&x.signature_scheme)),
        ("signature_header", s(&x.signature_header)),
        ("secret", s(&x.secret)),
        ("secret_is_reference", b(x.secret_is_reference)),
        ("replay_window", s(&x.replay_window)),
        ("replay_window_seconds", i(x.replay_window_seconds)),
        ("timestamp_header", s(&x.timestamp_header)),
        ("span", span(&x.span)),
        ("route_span", span(&x.route_span)),
        ("signature_span", span(&x.signature_span)),
        ("replay_span", span(&x.replay_span)),
    ])
}

fn oauth(x: &IntegrationOauth) -> V<'_> {
    obj([
        ("present", b(x.present)),
        ("token_lifetime", s(&x.token_lifetime)),
        ("token_lifetime_seconds", i(x.token_lifetime_seconds)),
        ("refresh_token_lifetime", s(&x.refresh_token_lifetime)),
        ("refresh_token_lifetime_seconds", i(x.refresh_token_lifetime_seconds)),
        ("span", span(&x.span)),
        ("token_lifetime_span", span(&x.token_lifetime_span)),
    ])
}

fn broker(x: &IntegrationBroker) -> V<'_> {
    obj([
        ("present", b(x.present)),
        ("credential", s(&x.credential)),
        ("credential_is_reference", b(x.credential_is_reference)),
        ("topics", strings(&x.topics)),
        ("span", span(&x.span)),
    ])
}

fn integration(x: &Integration) -> V<'_> {
    obj([
        ("present", b(x.present)),
        ("name", s(&x.name)),
        ("owner", s(&x.owner)),
        ("owner_span", span(&x.owner_span)),
        ("provider", s(&x.provider)),
        ("data_shared", strings(&x.data_shared)),
        ("data_span", span(&x.data_span)),
        ("webhook", webhook(&x.webhook)),
        ("oauth", oauth(&x.oauth)),
        ("revocation", s(&x.revocation)),
        ("revocation_span", span(&x.revocation_span)),
        ("rotation", s(&x.rotation)),
        ("rotation_seconds", i(x.rotation_seconds)),
        ("rotation_span", span(&x.rotation_span)),
        ("broker", broker(&x.broker)),
        ("tenant_isolation", s(&x.tenant_isolation)),
        ("tenant_isolation_span", span(&x.tenant_isolation_span)),
        ("span", span(&x.span)),
    ])
}

pub(crate) fn document(d: &Document) -> V<'_> {
    let key_spans: HashMap<CelMapKey<'_>, V<'_>> =
        d.key_spans.iter().map(|(k, v)| (CelMapKey::from(k.as_str()), span(v))).collect();
    obj([
        ("file", s(&d.file)),
        ("index", i(i64::from(d.index))),
        ("format", s(&d.format)),
        ("kind", s(&d.kind)),
        ("name", s(&d.name)),
        ("span", span(&d.span)),
        ("data", data(&d.data)),
        ("key_spans", Box::new(CelMap::from(key_spans))),
        ("scopes", list(&d.scopes, scope)),
        ("endpoints", list(&d.endpoints, endpoint)),
        ("credentials", list(&d.credentials, credential)),
        ("inline_secrets", list(&d.inline_secrets, inline_secret)),
        ("services", list(&d.services, service)),
        ("integration", integration(&d.integration)),
        ("is_test", b(d.is_test)),
        ("is_example", b(d.is_example)),
    ])
}

fn project_route(x: &ProjectRoute) -> V<'_> {
    obj([
        ("method", s(&x.method)),
        ("path", s(&x.path)),
        ("framework", s(&x.framework)),
        ("handler", s(&x.handler)),
        ("verifies", b(x.verifies)),
        ("is_webhook", b(x.is_webhook)),
        ("handler_span", span(&x.handler_span)),
        ("span", span(&x.span)),
    ])
}

fn declared_route(x: &DeclaredRoute) -> V<'_> {
    obj([
        ("route", s(&x.route)),
        ("method", s(&x.method)),
        ("kind", s(&x.kind)),
        ("format", s(&x.format)),
        ("name", s(&x.name)),
        ("span", span(&x.span)),
        ("handlers", list(&x.handlers, project_route)),
    ])
}

fn shared_credential(x: &SharedCredential) -> V<'_> {
    obj([
        ("broker", s(&x.broker)),
        ("credential", credential(&x.credential)),
        ("others", list(&x.others, credential)),
        ("client_services", strings(&x.client_services)),
        ("server_services", strings(&x.server_services)),
        ("more", i(x.more)),
        ("in_test", b(x.in_test)),
    ])
}

pub(crate) fn project(p: &Project) -> V<'_> {
    obj([
        ("documents", list(&p.documents, document)),
        ("credentials", list(&p.credentials, credential)),
        ("routes", list(&p.routes, project_route)),
        ("declared_routes", list(&p.declared_routes, declared_route)),
        ("shared_credentials", list(&p.shared_credentials, shared_credential)),
    ])
}
