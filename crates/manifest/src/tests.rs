//! Tests through the public entry point: text in, facts and problems out.

use std::time::{Duration, Instant};

use hooklint_model::manifest::{Document, Value};

use super::*;

fn extract(path: &str, source: &str) -> ManifestExtracted {
    extract_manifest(path, source, crate::kn::tests::shipped())
}

fn one(path: &str, source: &str) -> Document {
    let out = extract(path, source);
    assert!(out.problems.is_empty(), "unexpected problems: {:?}", out.problems);
    assert_eq!(out.file.documents.len(), 1, "documents");
    out.file.documents.into_iter().next().unwrap()
}

fn codes(out: &ManifestExtracted) -> Vec<&str> {
    out.problems.iter().map(|p| p.code.as_str()).collect()
}

fn json(out: &ManifestExtracted) -> String {
    serde_json::to_string(&out.file).unwrap()
}

fn assert_fast(start: Instant, limit_secs: u64, what: &str) -> Duration {
    let took = start.elapsed();
    assert!(took < Duration::from_secs(limit_secs), "{what} took {took:?}");
    took
}

#[test]
fn documents_keep_spans_order_and_types() {
    let src = "a: 1\nb: [x, 2.5, true, ~]\n---\n# second\nc:\n  d: \"quoted\"\n  e: |\n    text\n";
    let out = extract("m.yaml", src);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let docs = &out.file.documents;
    assert_eq!(docs.len(), 2);
    assert_eq!((docs[0].index, docs[1].index), (0, 1));
    assert_eq!(docs[0].format, "yaml");
    let Value::Map(entries) = &docs[0].data else { panic!("map") };
    assert_eq!(entries.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(docs[0].data.get("a"), Some(&Value::Int(1)));
    assert_eq!(
        docs[0].data.get("b"),
        Some(&Value::List(vec![
            Value::String("x".into()),
            Value::Float(2.5),
            Value::Bool(true),
            Value::Null
        ]))
    );
    let s = &docs[0].key_spans["b.1"];
    assert_eq!((s.file.as_str(), s.line, s.column, s.end_column), ("m.yaml", 2, 8, 11));
    let d = &docs[1].key_spans["c.d"];
    assert_eq!((d.line, d.column), (6, 6));
    assert_eq!(
        docs[1].data.get("c").and_then(|c| c.get("e")),
        Some(&Value::String("text\n".into()))
    );
    assert_eq!(docs[1].span.line, 3);
}

#[test]
fn invalid_document_is_reported_and_the_others_still_read() {
    let src = "a: 1\n---\nb: [unclosed\nc: 2\n---\nd: 4\n";
    let out = extract("m.yaml", src);
    assert_eq!(codes(&out), ["yaml-error"]);
    let p = &out.problems[0];
    let span = p.span.as_ref().unwrap();
    assert!(span.line >= 3 && span.line <= 5, "{span:?}");
    assert!(p.message.starts_with("invalid YAML: ") && !p.message.ends_with('.'), "{}", p.message);
    let docs = &out.file.documents;
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[1].data.get("d"), Some(&Value::Int(4)));
    assert_eq!(docs[1].index, 2);
}

#[test]
fn tabs_in_indentation_are_a_yaml_error_with_a_line() {
    let out = extract("m.yaml", "a:\n\tb: 1\n");
    assert_eq!(codes(&out), ["yaml-error"]);
    assert_eq!(out.problems[0].span.as_ref().unwrap().line, 2);
}

#[test]
fn duplicate_keys_name_both_lines_and_the_last_wins() {
    let out = extract("m.yaml", "password: ${PW}\nname: x\npassword: hunter2\n");
    assert_eq!(codes(&out), ["yaml-duplicate-key"]);
    let p = &out.problems[0];
    assert_eq!(p.severity, hooklint_model::Severity::Warning);
    assert_eq!(p.span.as_ref().unwrap().line, 3);
    assert!(p.message.contains("first on line 1"), "{}", p.message);
    let doc = &out.file.documents[0];
    assert_eq!(doc.inline_secrets.len(), 1);
    assert!(!json(&out).contains("hunter2"));
}

#[test]
fn anchors_and_merge_keys_expand() {
    let src = "base: &b {user: app, port: 1}\nsvc:\n  <<: *b\n  port: 2\nlist: [*b]\n";
    let doc = one("m.yaml", src);
    let svc = doc.data.get("svc").unwrap();
    assert_eq!(svc.get("port"), Some(&Value::Int(2)));
    assert_eq!(svc.get("user"), Some(&Value::String("app".into())));
    assert!(svc.get("<<").is_none());
    // A merged key points at its definition.
    assert_eq!(doc.key_spans["svc.user"].line, 1);
}

#[test]
fn alias_bomb_is_bounded() {
    let mut src = String::from("a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        src.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    src.push_str("---\nafter: 1\n");
    let start = Instant::now();
    let out = extract("bomb.yaml", &src);
    let took = assert_fast(start, 5, "alias bomb");
    eprintln!("alias bomb: {took:?}");
    assert_eq!(codes(&out), ["yaml-too-complex"]);
    assert!(out.problems[0].message.contains("nodes"), "{}", out.problems[0].message);
    // The next document is unaffected.
    assert_eq!(out.file.documents.len(), 1);
    assert_eq!(out.file.documents[0].data.get("after"), Some(&Value::Int(1)));
}

#[test]
fn alias_of_a_large_scalar_is_bounded_by_bytes() {
    let big = "x".repeat(1 << 20);
    let mut src = format!("a: &a \"{big}\"\nb: [");
    src.push_str(&vec!["*a"; 40].join(", "));
    src.push_str("]\n");
    let out = extract("big.yaml", &src);
    assert_eq!(codes(&out), ["yaml-too-complex"]);
    assert!(out.problems[0].message.contains("bytes"));
}

#[test]
fn deep_nesting_is_bounded() {
    for depth in [10_000usize, 100_000] {
        let flow = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let start = Instant::now();
        let out = extract("deep.yaml", &flow);
        let took = assert_fast(start, 5, "deep flow nesting");
        eprintln!("flow nesting {depth}: {took:?}");
        assert_eq!(codes(&out), ["yaml-too-complex"], "{:?}", out.problems);
        assert!(out.problems[0].message.contains("deeper than 256"));
    }
    // Block sequences nest on one line: `- - - a`.
    let block = format!("{}a\n", "- ".repeat(10_000));
    let start = Instant::now();
    let out = extract("deep.yaml", &block);
    let took = assert_fast(start, 5, "deep block nesting");
    eprintln!("block nesting 10000: {took:?}");
    assert_eq!(codes(&out), ["yaml-too-complex"]);
    // Indented mappings, as deep as the size limit allows.
    let mut block = String::new();
    for i in 0..1_000 {
        block.push_str(&" ".repeat(i));
        block.push_str("a:\n");
    }
    assert_eq!(codes(&extract("deep.yaml", &block)), ["yaml-too-complex"]);
    // Just under the bound still parses.
    let ok = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert!(extract("ok.yaml", &ok).problems.is_empty());
}

#[test]
fn huge_files_are_bounded_and_linear() {
    // 50 MB: refused before parsing, with a diagnostic.
    let mut src = String::with_capacity(51 << 20);
    let mut i = 0u64;
    while src.len() < 50 << 20 {
        src.push_str(&format!("key{i}: value {i} with some padding text\n"));
        i += 1;
    }
    let start = Instant::now();
    let out = extract("huge.yaml", &src);
    let took = assert_fast(start, 1, "50 MB file");
    eprintln!("50 MB file: {took:?}");
    assert_eq!(codes(&out), ["too-large"]);

    // Just under the limit, many small entries: stops at the node budget, then skips to the
    // next document.
    src.truncate(MAX_MANIFEST_BYTES - 1024);
    let cut = src.rfind('\n').unwrap_or(0);
    src.truncate(cut + 1);
    src.push_str("---\nlast: 1\n");
    let start = Instant::now();
    let out = extract("big.yaml", &src);
    let took = assert_fast(start, 20, "16 MB of entries");
    eprintln!("16 MB of entries: {took:?}");
    assert_eq!(codes(&out), ["yaml-too-complex"]);
    assert_eq!(out.file.documents.len(), 1);

    // Few nodes, long scalars: one pass, time in proportion to size.
    let line = "x".repeat(1 << 20);
    let mut src = String::new();
    for i in 0..4 {
        src.push_str(&format!("k{i}: {line}\n"));
    }
    let start = Instant::now();
    let out = extract("long.yaml", &src);
    let took = assert_fast(start, 20, "4 MB of long scalars");
    eprintln!("4 MB of long scalars: {took:?}");
    assert!(out.problems.is_empty());
}

#[test]
fn slack_app_manifest() {
    let src = r#"display_information:
  name: Deploy Bot
oauth_config:
  redirect_urls:
    - https://example.com/oauth/callback
  scopes:
    bot:
      - chat:write
      - admin
    user:
      - search:read
settings:
  event_subscriptions:
    request_url: http://hooks.example.com/slack/events
  interactivity:
    is_enabled: true
    request_url: https://hooks.example.com/slack/actions
"#;
    let doc = one("slack.yaml", src);
    assert_eq!((doc.format.as_str(), doc.name.as_str()), ("slack-app", "Deploy Bot"));
    let scopes: Vec<_> =
        doc.scopes.iter().map(|s| (s.name.as_str(), s.kind.as_str(), s.span.line)).collect();
    assert_eq!(
        scopes,
        [("chat:write", "bot", 8), ("admin", "bot", 9), ("search:read", "user", 11)]
    );
    assert_eq!(doc.scopes[1].key_path, "oauth_config.scopes.bot.1");
    let events = doc.endpoints.iter().find(|e| e.kind == "event_subscriptions").unwrap();
    assert!(events.is_plaintext && events.is_inbound);
    assert_eq!(
        (events.route.as_str(), events.span.line, events.span.column),
        ("/slack/events", 14, 18)
    );
    let actions = doc.endpoints.iter().find(|e| e.kind == "interactivity").unwrap();
    assert!(!actions.is_plaintext);
    assert!(doc.endpoints.iter().any(|e| e.kind == "redirect"));
}

#[test]
fn github_app_manifest_json_with_tabs() {
    let src = "{\n\t\"name\": \"ci-bot\",\n\t\"url\": \"https://example.com\",\n\t\"hook_attributes\": {\n\t\t\"url\": \"http://127.0.0.1:3000/webhooks/github\"\n\t},\n\t\"default_permissions\": {\n\t\t\"administration\": \"write\",\n\t\t\"issues\": \"read\"\n\t},\n\t\"default_events\": [\"issues\"]\n}\n";
    let doc = one("github-app-manifest.json", src);
    assert_eq!((doc.format.as_str(), doc.name.as_str()), ("github-app", "ci-bot"));
    let perms: Vec<_> =
        doc.scopes.iter().map(|s| (s.name.as_str(), s.level.as_str(), s.span.line)).collect();
    assert_eq!(perms, [("administration", "write", 8), ("issues", "read", 9)]);
    let hook = &doc.endpoints[0];
    assert_eq!(hook.kind, "hook");
    assert!(hook.is_loopback && !hook.is_plaintext && hook.is_inbound);
    assert_eq!(hook.route, "/webhooks/github");
}

#[test]
fn compose_services_environment_and_broker_credentials() {
    let src = r#"services:
  rabbitmq:
    image: rabbitmq:3-management
    environment:
      RABBITMQ_DEFAULT_USER: app
      RABBITMQ_DEFAULT_PASS: s3cretpw
  orders:
    image: example/orders
    env_file: .env.orders
    environment:
      AMQP_URL: amqp://app:s3cretpw@rabbitmq:5672/
      LOG_LEVEL: debug
  billing:
    image: example/billing
    env_file:
      - .env
      - path: .env.billing
    environment:
      - AMQP_URL=amqp://app:s3cretpw@rabbitmq:5672/
      - REDIS_URL=redis://:${REDIS_PASSWORD}@cache:6379
      - KAFKA_SASL_PASSWORD=${KAFKA_PW}
      - DB_PASSWORD
"#;
    let out = extract("docker-compose.yml", src);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let doc = &out.file.documents[0];
    assert_eq!(doc.format, "compose");
    let svcs: Vec<_> = doc.services.iter().map(|s| (s.name.as_str(), s.broker.as_str())).collect();
    assert_eq!(svcs, [("rabbitmq", "amqp"), ("orders", ""), ("billing", "")]);
    assert_eq!(doc.services[2].env_files, [".env", ".env.billing"]);
    let creds: Vec<_> = doc
        .credentials
        .iter()
        .map(|c| {
            (
                c.service.as_str(),
                c.name.as_str(),
                c.kind.as_str(),
                c.broker.as_str(),
                c.role.as_str(),
            )
        })
        .collect();
    assert_eq!(
        creds,
        [
            ("rabbitmq", "RABBITMQ_DEFAULT_PASS", "password", "amqp", "server"),
            ("orders", "AMQP_URL", "url", "amqp", "client"),
            ("billing", "AMQP_URL", "url", "amqp", "client"),
            ("billing", "REDIS_URL", "env", "redis", "client"),
            ("billing", "KAFKA_SASL_PASSWORD", "env", "kafka", "client"),
            ("billing", "DB_PASSWORD", "env", "", "client"),
        ]
    );
    // One password, one fingerprint, wherever it is written.
    let fps: Vec<_> = doc.credentials.iter().take(3).map(|c| c.fingerprint.as_str()).collect();
    assert!(fps[0].starts_with("fnv:") && fps.iter().all(|f| *f == fps[0]), "{fps:?}");
    assert_eq!(doc.credentials[3].fingerprint, "env:REDIS_PASSWORD");
    assert_eq!(doc.credentials[1].user, "app");
    assert_eq!(doc.credentials[1].host, "rabbitmq");
    assert_eq!(doc.credentials[2].span.line, 19);
    // Inline secrets: the literal password and both URL passwords, never their values.
    let secrets: Vec<_> = doc
        .inline_secrets
        .iter()
        .map(|s| (s.service.as_str(), s.kind.as_str(), s.span.line))
        .collect();
    assert_eq!(
        secrets,
        [
            ("rabbitmq", "password", 6),
            ("orders", "url-password", 11),
            ("billing", "url-password", 19)
        ]
    );
    let text = json(&out);
    assert!(!text.contains("s3cretpw"), "{text}");
    assert!(text.contains("amqp://app:<redacted:fnv:"));
}

#[test]
fn kubernetes_workloads_secrets_and_config_maps() {
    let src = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  template:
    spec:
      containers:
        - name: app
          image: example/orders
          env:
            - name: KAFKA_SASL_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: kafka-shared
                  key: password
            - name: API_TOKEN
              value: tok_live_abcdefgh
            - name: MODE
              value: fast
          envFrom:
            - secretRef:
                name: orders-env
---
apiVersion: v1
kind: Secret
metadata:
  name: kafka-shared
stringData:
  password: hunter2hunter2
  username: orders
data:
  empty: ""
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: job
              image: example/job
              env:
                - name: KAFKA_SASL_PASSWORD
                  valueFrom:
                    secretKeyRef: {name: kafka-shared, key: password}
"#;
    let out = extract("k8s.yaml", src);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let docs = &out.file.documents;
    assert_eq!(
        docs.iter().map(|d| d.kind.as_str()).collect::<Vec<_>>(),
        ["Deployment", "Secret", "CronJob"]
    );
    assert!(docs.iter().all(|d| d.format == "kubernetes"));
    let deploy = &docs[0];
    assert_eq!(deploy.services[0].name, "orders/app");
    assert_eq!(deploy.services[0].env_files, ["secretRef:orders-env"]);
    let c = &deploy.credentials;
    assert_eq!(c[0].fingerprint, "secretKeyRef:kafka-shared/password");
    assert_eq!(
        (c[0].kind.as_str(), c[0].broker.as_str(), c[0].span.line),
        ("secret-ref", "kafka", 12)
    );
    assert_eq!((c[1].name.as_str(), c[1].kind.as_str()), ("API_TOKEN", "password"));
    assert_eq!(c[2].fingerprint, "secretRef:orders-env");
    assert_eq!(deploy.inline_secrets.len(), 1);
    assert_eq!(
        (deploy.inline_secrets[0].key.as_str(), deploy.inline_secrets[0].span.line),
        ("API_TOKEN", 18)
    );
    let secret = &docs[1];
    let kinds: Vec<_> =
        secret.inline_secrets.iter().map(|s| (s.key.as_str(), s.kind.as_str())).collect();
    // `username` is not secret even in a Secret (`manifest_public_keys`).
    assert_eq!(kinds, [("password", "kubernetes-secret")]);
    let cron = &docs[2];
    assert_eq!(cron.credentials[0].fingerprint, c[0].fingerprint);
    assert_eq!(cron.credentials[0].service, "nightly/job");
    let text = json(&out);
    assert!(!text.contains("hunter2") && !text.contains("tok_live_abcdefgh"), "{text}");
    assert!(text.contains("\"value\":\"fast\""));
}

#[test]
fn openapi_servers_webhooks_callbacks_and_oauth_scopes() {
    let src = r#"openapi: 3.1.0
info:
  title: Payments
servers:
  - url: http://api.example.com/v1
webhooks:
  /webhooks/payments:
    post:
      summary: payment events
  newPet:
    post: {}
paths:
  /subscribe:
    post:
      callbacks:
        onEvent:
          '{$request.body#/callbackUrl}':
            post: {}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://auth.example.com/authorize
          tokenUrl: https://auth.example.com/token
          scopes:
            read:payments: read payments
            admin: everything
"#;
    let doc = one("openapi.yaml", src);
    assert_eq!((doc.format.as_str(), doc.name.as_str()), ("openapi", "Payments"));
    let server = doc.endpoints.iter().find(|e| e.kind == "server").unwrap();
    assert!(server.is_plaintext);
    let hooks: Vec<_> = doc
        .endpoints
        .iter()
        .filter(|e| e.kind == "webhook")
        .map(|e| (e.name.as_str(), e.route.as_str(), e.method.as_str(), e.is_inbound, e.span.line))
        .collect();
    assert_eq!(
        hooks,
        [
            ("/webhooks/payments", "/webhooks/payments", "POST", true, 9),
            ("newPet", "", "POST", false, 11)
        ]
    );
    let cb = doc.endpoints.iter().find(|e| e.kind == "callback").unwrap();
    assert_eq!((cb.name.as_str(), cb.method.as_str(), cb.span.line), ("onEvent", "POST", 17));
    let scopes: Vec<_> =
        doc.scopes.iter().map(|s| (s.name.as_str(), s.source.as_str(), s.span.line)).collect();
    assert_eq!(
        scopes,
        [
            ("read:payments", "oauth/authorizationCode", 28),
            ("admin", "oauth/authorizationCode", 29)
        ]
    );
    assert_eq!(doc.endpoints.iter().filter(|e| e.kind == "oauth").count(), 2);
}

#[test]
fn integration_manifest() {
    let src = r#"apiVersion: hooklint.dev/v1
kind: Integration
metadata:
  name: github-deployments
  owner: team-platform
spec:
  provider: github
  data:
    shared: [repository.full_name, deployment.sha]
  webhook:
    route: /webhooks/github
    method: post
    signature:
      scheme: hmac-sha256
      header: X-Hub-Signature-256
      secret: vault://kv/github/webhook
    replay:
      window: 5m
  oauth:
    token_lifetime: 1h
    scopes:
      - name: repo:status
        reason: post commit statuses
        approver: alice@example.com
      - contents:read
  revocation:
    runbook: https://wiki.example.com/offboarding/github
  secrets:
    rotation: 90d
  broker:
    type: kafka
    credential: secretKeyRef:kafka-github/password
    topics: [deployments.github]
  tenancy:
    isolation: per-tenant-credentials
"#;
    let doc = one("integration.yaml", src);
    assert_eq!(doc.format, "hooklint-integration");
    let it = &doc.integration;
    assert!(it.present);
    assert_eq!((it.owner.as_str(), it.owner_span.line), ("team-platform", 5));
    assert_eq!(it.data_shared, ["repository.full_name", "deployment.sha"]);
    let w = &it.webhook;
    assert_eq!(
        (w.route.as_str(), w.method.as_str(), w.signature_scheme.as_str()),
        ("/webhooks/github", "POST", "hmac-sha256")
    );
    assert_eq!((w.secret.as_str(), w.secret_is_reference), ("vault://kv/github/webhook", true));
    assert_eq!((w.replay_window_seconds, w.replay_span.line), (300, 18));
    assert_eq!(it.oauth.token_lifetime_seconds, 3600);
    assert_eq!(it.revocation, "https://wiki.example.com/offboarding/github");
    assert_eq!(it.rotation_seconds, 90 * 86_400);
    assert_eq!(
        (it.broker.credential.as_str(), it.broker.topics.len()),
        ("secretKeyRef:kafka-github/password", 1)
    );
    assert_eq!(it.tenant_isolation, "per-tenant-credentials");
    let scopes: Vec<_> = doc
        .scopes
        .iter()
        .map(|s| (s.name.as_str(), s.reason.as_str(), s.approver.as_str(), s.span.line))
        .collect();
    assert_eq!(
        scopes,
        [
            ("repo:status", "post commit statuses", "alice@example.com", 22),
            ("contents:read", "", "", 25)
        ]
    );
    let hook = doc.endpoints.iter().find(|e| e.kind == "webhook").unwrap();
    assert_eq!(
        (hook.route.as_str(), hook.is_inbound, hook.span.line),
        ("/webhooks/github", true, 11)
    );
    assert_eq!(doc.credentials.len(), 2);
    assert_eq!(doc.credentials[1].broker, "kafka");
    assert!(doc.inline_secrets.is_empty());
}

#[test]
fn integration_manifest_gaps_and_inline_secret() {
    let src = "apiVersion: hooklint.dev/v1\nkind: Integration\nmetadata:\n  name: x\nspec:\n  webhook:\n    route: /hooks/x\n    signature:\n      secret: literal-signing-secret\n";
    let out = extract("i.yaml", src);
    let doc = &out.file.documents[0];
    let it = &doc.integration;
    assert_eq!(it.owner, "");
    assert_eq!(it.owner_span.line, 3);
    assert_eq!(it.webhook.signature_scheme, "");
    assert!(it.webhook.secret.starts_with("fnv:") && !it.webhook.secret_is_reference);
    assert_eq!(it.webhook.replay_window_seconds, 0);
    assert!(!it.oauth.present);
    assert_eq!(doc.inline_secrets.len(), 1);
    assert!(!json(&out).contains("literal-signing-secret"));
}

#[test]
fn other_yaml_has_only_data_and_inline_secrets() {
    let doc = one(
        "config.yaml",
        "server:\n  port: 8080\ndatabase:\n  password: hunter2\n  password_file: /run/secrets/db\n",
    );
    assert_eq!(doc.format, "yaml");
    assert!(doc.scopes.is_empty() && doc.endpoints.is_empty() && doc.services.is_empty());
    assert_eq!(doc.inline_secrets.len(), 1);
    assert_eq!(doc.inline_secrets[0].key_path, "database.password");
    let pw =
        doc.data.get("database").and_then(|d| d.get("password")).and_then(Value::as_str).unwrap();
    assert!(pw.starts_with("<redacted:fnv:"), "{pw}");
    assert_eq!(pw, format!("<redacted:{}>", doc.inline_secrets[0].fingerprint));
}

#[test]
fn references_are_not_inline_secrets_and_placeholders_are_marked() {
    let src = "a_password: ${A}\nb_token: vault://kv/b\nc_secret: <your-secret>\nd_api_key: \"\"\ntoken_url: https://x/token\nsecretName: my-secret\n";
    let doc = one("c.yaml", src);
    let found: Vec<_> =
        doc.inline_secrets.iter().map(|s| (s.key.as_str(), s.is_placeholder)).collect();
    assert_eq!(found, [("c_secret", true)]);
}

#[test]
fn empty_and_comment_only_files() {
    assert!(extract("e.yaml", "").file.documents.is_empty());
    assert!(extract("e.yaml", "# only a comment\n").file.documents.is_empty());
    let out = extract("e.yaml", "---\n");
    assert_eq!(out.file.documents.len(), 1);
    assert_eq!(out.file.documents[0].data, Value::Null);
}

#[test]
fn directives_stay_with_their_document() {
    let out = extract("d.yaml", "a: 1\n---\n%YAML 1.2\n---\nb: 2\n");
    // `%YAML` after a document without `...` is invalid; what matters is no panic and `b` read.
    assert!(
        out.file.documents.iter().any(|d| d.data.get("b") == Some(&Value::Int(2)))
            || !out.problems.is_empty()
    );
    let out = extract("d.yaml", "%YAML 1.2\n---\nb: 2\n");
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.file.documents[0].key_spans["b"].line, 3);
}

#[test]
fn candidates() {
    for p in [
        "k8s/deploy.yaml",
        "docker-compose.yml",
        "slack/manifest.yml",
        "app-manifest.json",
        "github-app.json",
    ] {
        assert!(is_candidate(p), "{p}");
    }
    for p in [
        "pnpm-lock.yaml",
        ".github/workflows/ci.yml",
        "repo/.github/workflows/release.yaml",
        "package.json",
        "src/main.rs",
        ".gitlab-ci.yml",
    ] {
        assert!(!is_candidate(p), "{p}");
    }
}

#[test]
fn garbage_never_panics() {
    let samples = [
        "{",
        "[",
        "&a",
        "*a",
        "a: *b",
        "? : :",
        "- - - -",
        "!!int x",
        "a: !!float nope",
        "\u{feff}a: 1",
        "a: &x [*x]",
        "\"unterminated",
        "|\n  x\n y",
        "<<: 1",
        "<<: [1, {a: 1}]",
        "? [a, b]\n: c",
        "a: 99999999999999999999999",
        "...\n...\n---",
        "%TAG ! !x\n---\na",
        "a:\n  - b\n c: d",
    ];
    for s in samples {
        let _ = extract("g.yaml", s);
        let _ = extract("g.json", s);
    }
    // Every prefix of a realistic file.
    let src = "services:\n  a:\n    image: x\n    environment:\n      - P_PASSWORD=x\n      K: [1, {b: *c}]\n";
    for i in 0..=src.len() {
        if let Some(prefix) = src.get(..i) {
            let _ = extract("p.yaml", prefix);
        }
    }
}

#[test]
fn durations() {
    assert_eq!(parse_duration("300"), Some(300));
    assert_eq!(parse_duration("5m"), Some(300));
    assert_eq!(parse_duration("1h30m"), Some(5400));
    assert_eq!(parse_duration("PT5M"), Some(300));
    assert_eq!(parse_duration("P30D"), Some(2_592_000));
    assert_eq!(parse_duration("2 weeks"), Some(1_209_600));
    assert_eq!(parse_duration("soon"), None);
    assert_eq!(parse_duration("5"), Some(5));
    assert_eq!(parse_duration("99999999999999999999d"), None);
}

#[test]
fn documented_integration_example_is_complete() {
    let page = include_str!("../../../docs/integration-manifest.md");
    let start = page.find("```yaml\napiVersion").map(|i| i + "```yaml\n".len()).unwrap();
    let len = page.get(start..).and_then(|rest| rest.find("```")).unwrap();
    let doc = one("integration.yaml", &page[start..start + len]);
    let it = &doc.integration;
    assert_eq!(doc.format, "hooklint-integration");
    assert!(!it.owner.is_empty() && !it.revocation.is_empty() && !it.tenant_isolation.is_empty());
    assert!(it.webhook.secret_is_reference && it.webhook.replay_window_seconds == 300);
    assert!(it.broker.credential_is_reference && it.rotation_seconds > 0);
    assert!(doc.scopes.iter().all(|s| !s.reason.is_empty() && !s.approver.is_empty()));
    assert!(doc.inline_secrets.is_empty());
}
#[test]
fn merged_services_and_webhook_urls_in_env_lists() {
    let src = "x-common: &common\n  environment:\n    AMQP_URL: amqp://app:pw@rabbit/\nservices:\n  web:\n    <<: *common\n    image: web\n  worker:\n    image: worker\n    environment:\n      - SLACK_HOOK=https://hooks.slack.com/services/T0/B0/abcdefghijkl\n";
    let out = extract("docker-compose.yml", src);
    let doc = &out.file.documents[0];
    let creds: Vec<_> = doc.credentials.iter().map(|c| (c.service.as_str(), c.span.line)).collect();
    assert_eq!(creds, [("web", 3)]);
    let secrets: Vec<_> = doc
        .inline_secrets
        .iter()
        .map(|s| (s.key.as_str(), s.kind.as_str(), s.service.as_str()))
        .collect();
    assert_eq!(
        secrets,
        [("AMQP_URL", "url-password", ""), ("SLACK_HOOK", "known-token", "worker")]
    );
    let text = json(&out);
    assert!(!text.contains("abcdefghijkl") && !text.contains(":pw@"), "{text}");
}

#[test]
fn random_yaml_like_input_never_panics() {
    // A fixed-seed generator over YAML's punctuation: deterministic, no new dependency.
    const ALPHABET: &[&str] = &[
        "a",
        "b",
        ":",
        " ",
        "  ",
        "\n",
        "- ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&x ",
        "*x",
        "<<: ",
        "? ",
        "\"",
        "'",
        "|",
        ">",
        "#",
        "---\n",
        "...\n",
        "!!str ",
        "!t ",
        "%YAML 1.2\n",
        "\t",
        "=",
        "password: ",
        "amqp://u:p@h",
        "${V}",
        "services:\n",
        "environment:\n",
        "\u{e9}",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(state % 60) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            text.push_str(ALPHABET[(state % ALPHABET.len() as u64) as usize]);
        }
        let out = extract("r.yaml", &text);
        for p in &out.problems {
            assert!(p.span.as_ref().is_some_and(|s| s.line >= 1), "{p:?} for {text:?}");
        }
    }
}

#[test]
fn masked_source_hides_every_inline_secret() {
    let src = "services:\n  a:\n    environment:\n      DB_PASSWORD: hunter2xyz\n      - x\n";
    let src = src.replace("      - x\n", "");
    let out = extract("c.yml", &src);
    let masked = mask_secrets(&src, &out.file);
    assert!(!masked.contains("hunter2xyz"), "{masked}");
    assert!(masked.contains("DB_PASSWORD: **********"), "{masked}");
    assert_eq!(masked.len(), src.len());
}

#[test]
fn compose_defaults_are_inline_values_with_their_provenance() {
    let src = "services:\n  api:\n    image: x\n    environment:\n      SECRET_KEY: ${SECRET_KEY:-60gp0byfz2dvffa45cxl20p1}\n      DB_URL: ${DB_URL:-postgresql://app:s3cret@db/app}\n      TOKEN: ${TOKEN}\n      EMPTY_SECRET: ${EMPTY_SECRET:-}\n      MYSQL_ALLOW_EMPTY_PASSWORD: \"yes\"\n";
    let out = extract("docker-compose.yml", src);
    let doc = &out.file.documents[0];
    let found: Vec<_> = doc
        .inline_secrets
        .iter()
        .map(|s| (s.key.as_str(), s.kind.as_str(), s.source.as_str(), s.looks_random))
        .collect();
    assert_eq!(
        found,
        [("SECRET_KEY", "secret", "default", true), ("DB_URL", "url-password", "default", false)]
    );
    let key = doc.credentials.iter().find(|c| c.name == "SECRET_KEY").unwrap();
    assert_eq!(key.fingerprint, "env:SECRET_KEY");
    assert_eq!(
        key.identities,
        ["env:SECRET_KEY".to_string(), doc.inline_secrets[0].fingerprint.clone()]
    );
    let text = json(&out);
    assert!(!text.contains("60gp0byfz2") && !text.contains(":s3cret@"), "{text}");
    assert!(text.contains("${SECRET_KEY:-<redacted:fnv:"), "{text}");
}

#[test]
fn tagged_values_are_references() {
    let src = "Resources:\n  Db:\n    Properties:\n      MasterUserPassword: !Ref DbPassword\n      AuthToken: !Sub \"{{resolve:secretsmanager:${S}}}\"\n  Task:\n    Properties:\n      Environment:\n        - Name: RUNNER_TOKEN\n          Value: !Join [\"-\", [\"runner\", \"x\"]]\n";
    let doc = one("stack.yaml", src);
    assert!(doc.inline_secrets.is_empty(), "{:?}", doc.inline_secrets);
    let db = doc.data.get("Resources").and_then(|r| r.get("Db")).and_then(|d| d.get("Properties"));
    assert_eq!(
        db.and_then(|p| p.get("MasterUserPassword")),
        Some(&Value::String("DbPassword".into()))
    );
}

#[test]
fn templates_are_skipped_and_counted_never_errors() {
    let helm = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas }}\n  env:\n    - name: MYSQL_ROOT_PASSWORD\n      value: fake_password\n";
    let out = extract("chart/templates/deployment.yaml", helm);
    assert_eq!(out.file.template, "helm");
    assert!(out.file.documents.is_empty() && out.problems.is_empty());
    let jinja = "{% if enabled %}\nservices:\n  a: {image: x}\n{% endif %}\n";
    let out = extract("deploy/compose.yml.yaml", jinja);
    assert_eq!((out.file.template.as_str(), out.problems.len()), ("jinja", 0));
    // A valid YAML file that quotes template text is read as YAML.
    let quoted = "receivers:\n  - name: x\n    slack_configs:\n      - title: '{{ .CommonLabels.alertname }}'\n";
    let out = extract("alertmanager.yml", quoted);
    assert_eq!((out.file.template.as_str(), out.file.documents.len()), ("", 1));
    // Invalid YAML without template directives is still an error.
    assert_eq!(codes(&extract("bad.yaml", "a: [1, 2\n")), ["yaml-error"]);
}

#[test]
fn embedded_configuration_files_are_placed_in_the_file() {
    let src = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: am\ndata:\n  alertmanager.yml: |\n    receivers:\n      - name: x\n        webhook_configs:\n          - url: http://alerts.example.com/hook\n    global:\n      smtp_auth_password: Sm7p-p4ssw0rd\n  run.sh: |\n    echo {{ not yaml\n";
    let out = extract("cm.yaml", src);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let doc = &out.file.documents[0];
    let ep = &doc.endpoints[0];
    assert_eq!((ep.kind.as_str(), ep.span.line, ep.span.column), ("webhook", 10, 18));
    assert!(ep.is_plaintext && !ep.is_internal && !ep.is_public);
    assert_eq!(ep.key_path, "data[\"alertmanager.yml\"].receivers.0.webhook_configs.0.url");
    let s = &doc.inline_secrets[0];
    assert_eq!((s.key.as_str(), s.span.line, s.span.column), ("smtp_auth_password", 12, 27));
    assert!(!json(&out).contains("Sm7p-p4ssw0rd"));
}

#[test]
fn endpoints_by_key_in_any_document_and_event_sources() {
    let src = "apiVersion: argoproj.io/v1alpha1\nkind: EventSource\nmetadata:\n  name: gh\nspec:\n  github:\n    ex:\n      webhook:\n        url: http://reachable-from-github\n---\nreceivers:\n  - webhook_configs:\n      - url: http://receiver:9000/\n        http_config:\n          proxy_url: http://proxy.example.com\n";
    let out = extract("k.yaml", src);
    let es = &out.file.documents[0].endpoints;
    assert_eq!(es.len(), 1);
    assert!(es[0].is_public && es[0].is_internal && es[0].is_plaintext);
    let am = &out.file.documents[1].endpoints;
    assert_eq!(am.iter().map(|e| e.host.as_str()).collect::<Vec<_>>(), ["receiver"]);
    assert!(am[0].is_internal && !am[0].is_public);
}

#[test]
fn test_and_example_folders_are_evidence() {
    let doc = one("repo/tests/docker-compose.yml", "a: 1\n");
    assert!(doc.is_test && !doc.is_example);
    let doc = one("repo/examples/app.yaml", "a: 1\n");
    assert!(!doc.is_test && doc.is_example);
}

fn project_of(files: &[(&str, &str)]) -> hooklint_model::manifest::Project {
    let manifests: Vec<_> = files.iter().map(|(p, s)| extract(p, s).file).collect();
    build_project(&manifests, &[])
}

#[test]
fn shared_credentials_link_objects_and_files() {
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mq\nstringData:\n  url: amqp://app:pw-1234@rabbit/\n";
    let a = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: x\n          args: [\"amqp://app:pw-1234@rabbit/\"]\n";
    let b = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: b\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: y\n          envFrom:\n            - secretRef: {name: mq}\n";
    let p = project_of(&[("secret.yaml", secret), ("a.yaml", a), ("b.yaml", b)]);
    let entries: Vec<_> = p
        .shared_credentials
        .iter()
        .map(|s| (s.credential.span.file.as_str(), s.broker.as_str(), s.client_services.len()))
        .collect();
    assert_eq!(entries, [("a.yaml", "amqp", 2), ("b.yaml", "amqp", 2)]);
    let roles: Vec<_> = p.shared_credentials[0].others.iter().map(|o| o.role.as_str()).collect();
    assert_eq!(roles, ["client", "store"]);
}

#[test]
fn env_references_mean_one_variable_within_one_file() {
    let compose = "services:\n  a:\n    image: x\n    environment:\n      AMQP_URL: ${AMQP_URL}\n";
    let p = project_of(&[("one/docker-compose.yml", compose), ("two/docker-compose.yml", compose)]);
    assert!(p.shared_credentials.is_empty(), "{:?}", p.shared_credentials);
}

#[test]
fn one_credential_used_everywhere_is_grouped_in_linear_time() {
    // 4,000 services in one file sharing one broker password: entries stay bounded and the
    // grouping does not compare every pair.
    let mut src = String::from("services:\n");
    for i in 0..4000 {
        src.push_str(&format!(
            "  s{i}:\n    image: x\n    environment:\n      AMQP_URL: amqp://u:${{PW}}@mq/\n"
        ));
    }
    let out = extract("docker-compose.yml", &src);
    let start = Instant::now();
    let p = build_project(&[out.file], &[]);
    assert_fast(start, 5, "grouping 4,000 shared uses");
    assert_eq!(p.shared_credentials.len(), 1);
    let s = &p.shared_credentials[0];
    assert_eq!((s.others.len(), s.more, s.client_services.len()), (64, 3935, 4000));
}
