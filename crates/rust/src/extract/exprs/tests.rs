use crate::testutil::{facts, func};

const GITHUB: &str = r#"
use hmac::{Hmac, Mac};
use sha2::Sha256;
type HmacSha256 = Hmac<Sha256>;
const SIG_HEADER: &str = "X-Hub-Signature-256";

async fn github_webhook(headers: HeaderMap, body: Bytes) -> StatusCode {
    let provided = headers.get(SIG_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if provided.len() != 71 { return StatusCode::BAD_REQUEST; }
    let mut mac = HmacSha256::new_from_slice(b"topsecret").unwrap();
    mac.update(&body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    if expected != provided { return StatusCode::UNAUTHORIZED; }
    let event: Event = serde_json::from_slice(&body).unwrap();
    if event.kind == "push" {}
    StatusCode::OK
}
"#;

#[test]
fn header_reads_and_gates() {
    let f = facts(GITHUB);
    let h = func(&f, "github_webhook");
    assert_eq!(h.headers_read.len(), 1);
    let r = &h.headers_read[0];
    assert_eq!(r.name, "x-hub-signature-256");
    assert_eq!(r.binding, "provided");
    assert!(r.gates);
    assert!(!r.logged_only);
    assert!(h.is_webhook);
    assert!(h.webhook_reasons.iter().any(|w| w == "reads provider header x-hub-signature-256"));
}

#[test]
fn compares_and_sensitivity() {
    let f = facts(GITHUB);
    let h = func(&f, "github_webhook");
    let by_text =
        |t: &str| h.compares.iter().find(|c| c.text == t).unwrap_or_else(|| panic!("{t}"));
    let len = by_text("provided.len() != 71");
    assert!(!len.left.sensitive && !len.right.sensitive);
    assert_eq!(len.right.literal, "71");
    let eq = by_text("expected != provided");
    assert!(eq.left.sensitive, "{:?}", eq.left);
    assert!(eq.right.sensitive);
    assert_eq!(eq.right.sensitive_reason, "from header x-hub-signature-256");
    let kind = by_text("event.kind == \"push\"");
    assert!(!kind.left.sensitive);
    assert!(kind.right.is_literal);
    assert!(h.reaches_sensitive_compare);
}

#[test]
fn calls_resolve_through_uses_aliases_and_receiver_types() {
    let f = facts(GITHUB);
    let h = func(&f, "github_webhook");
    let paths: Vec<&str> = h.calls.iter().map(|c| c.path.as_str()).collect();
    assert!(paths.contains(&"hmac::Hmac::new_from_slice"), "{paths:?}");
    assert!(paths.contains(&"hmac::Mac::update"), "{paths:?}");
    assert!(paths.contains(&"hmac::Mac::finalize"), "{paths:?}");
    assert!(paths.contains(&"serde_json::from_slice"));
    let orders: Vec<u32> = h.calls.iter().map(|c| c.order).collect();
    assert_eq!(orders, (0..h.calls.len() as u32).collect::<Vec<_>>());
    // The comparison of the MAC with the header is the verification, and it gates.
    assert!(h.verifies);
    assert!(h.verification_gates);
    assert_eq!(h.verifications[0].via, "compare");
    assert_eq!(h.body.parses.len(), 1);
    assert!(!h.body.parses[0].before_verify);
}

#[test]
fn literals_with_bindings_and_callees() {
    let f = facts(GITHUB);
    assert_eq!(f.literals.len(), 1);
    assert_eq!(f.literals[0].binding, "SIG_HEADER");
    assert_eq!(f.literals[0].context, "const");
    let h = func(&f, "github_webhook");
    let key = h.literals.iter().find(|l| l.value == "topsecret").expect("key literal");
    assert!(key.is_bytes);
    assert_eq!(key.context, "arg");
    assert_eq!(key.callee, "hmac::Hmac::new_from_slice");
    assert!(h.literals.iter().all(|l| l.value != "sha256={}"), "format strings are not literals");
    let f = facts(
        r#"
fn f() {
    let secret = "abc".to_string();
    let cfg = Config { api_key: "k-1" };
    let name = std::env::var("WEBHOOK_SECRET");
    #[cfg(test)] fn t() {}
}
#[test]
fn t() { let token = "x"; }
"#,
    );
    let l = &func(&f, "f").literals;
    assert_eq!((l[0].binding.as_str(), l[0].context.as_str()), ("secret", "let"));
    assert_eq!((l[1].binding.as_str(), l[1].context.as_str()), ("api_key", "field"));
    assert_eq!((l[2].callee.as_str(), l[2].context.as_str()), ("std::env::var", "arg"));
    assert!(func(&f, "t").literals[0].is_test);
}

#[test]
fn property_names_and_reduced_values_are_not_sensitive() {
    let f = facts(
        r#"
fn f(header: &str, token: &str, sig: &str) {
    let (scheme, sig_value) = header.split_once('=').unwrap();
    if scheme == "v1" {}
    if token.is_empty() {}
    if sig.len() == 64 {}
    let sig_len = sig.len();
    if sig_len == 64 {}
    if token.token_type == "bearer" {}
    if sig_value == sig {}
    assert_eq!(token, "t");
}
"#,
    );
    let c = &func(&f, "f").compares;
    let s = |i: usize| (c[i].left.sensitive, c[i].right.sensitive);
    assert_eq!(s(0), (false, false), "{:?}", c[0]);
    assert_eq!(s(1), (false, false), "sig.len() == 64");
    assert_eq!(s(2), (false, false), "sig_len == 64");
    assert_eq!(s(3), (false, false), "token.token_type");
    assert_eq!(s(4), (true, true), "sig_value == sig");
    assert_eq!(c[5].op, "assert_eq");
    assert!(c[5].left.sensitive);
}

#[test]
fn ip_sources_gate_or_log() {
    let f = facts(
        r#"
async fn allow(req: HttpRequest) -> bool {
    let ip = req.headers().get("x-forwarded-for").unwrap();
    ALLOWLIST.contains(&ip)
}
async fn logged(req: HttpRequest) {
    let addr = req.peer_addr();
    tracing::info!(?addr, "request");
}
"#,
    );
    let a = &func(&f, "allow").ip_sources;
    assert_eq!(a[0].kind, "x-forwarded-for");
    assert!(a[0].gates);
    let l = &func(&f, "logged").ip_sources;
    assert_eq!(l[0].kind, "peer_addr");
    assert!(!l[0].gates);
    assert!(l[0].logged_only);
}

#[test]
fn header_names_from_constants_and_typed_access() {
    let f = facts(
        r#"
fn f(req: Request) {
    let a = req.headers().get(header::AUTHORIZATION);
    let b = req.headers().get(X_SLACK_SIGNATURE);
    let t = req.headers().get(HeaderName::from_static("x-user-id"));
    let u = req.header("X-Tenant-Id");
    let c = req.headers().typed_get::<ContentType>();
    let client = reqwest::Client::new().post(url).header("X-Signature", sig);
}
"#,
    );
    let names: Vec<&str> = func(&f, "f").headers_read.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        names,
        ["authorization", "x-slack-signature", "x-user-id", "x-tenant-id", "content-type"]
    );
}

#[test]
fn tuple_lets_bind_each_element() {
    let f = facts(
        r#"
fn f(headers: HeaderMap) {
    let (Some(id), Some(sig)) = (headers.get("webhook-id"), headers.get("webhook-signature")) else {
        return;
    };
    tracing::info!(%id, "delivery");
    let (scheme, value) = sig.split_once('=').unwrap();
}
"#,
    );
    let h = &func(&f, "f").headers_read;
    assert_eq!((h[0].binding.as_str(), h[1].binding.as_str()), ("id", "sig"));
    assert!(h[0].gates && !h[0].logged_only, "a let-else presence check gates");
}

#[test]
fn rate_limiting_and_verifier_results() {
    let f = facts(
        r#"
async fn signup(ConnectInfo(peer): ConnectInfo<SocketAddr>, headers: HeaderMap) {
    if state.limiter.check_key(&peer.ip()).is_err() { return; }
    let claimed = headers.get("x-signature").unwrap();
    if let Err(err) = ring::hmac::verify(&key, &body, claimed.as_bytes()) {
        log::warn!("rejected: {err:?}");
    }
}
"#,
    );
    let g = func(&f, "signup");
    assert!(!g.ip_sources[0].gates, "keying a rate limiter by address is not a gate");
    assert!(!g.logs[0].args[0].sensitive, "a verifier's error is not the secret");
}

#[test]
fn header_map_found_by_type() {
    let f = facts("fn f(h: HeaderMap) { let s = h.get(\"stripe-signature\"); }");
    assert_eq!(func(&f, "f").headers_read[0].name, "stripe-signature");
}

#[test]
fn headers_of_a_response_are_not_the_request() {
    let f = facts(
        r#"
async fn check(req: HttpRequest, client: Client, token: &str) -> bool {
    let response = client.get("https://api.example").bearer_auth(token).send().await?;
    let a = response.headers().get("x-oauth-client-id").and_then(|x| x.to_str().ok());
    let b = client.get("u").send().await?.headers().get("x-a").cloned();
    let c = match client.get("u").send().await { Ok(r) => r.headers().get("x-b").cloned(), Err(_) => None };
    let typed: reqwest::Response = fetch().await;
    let d = typed.headers().get("x-c").cloned();
    let e = ureq::get("u").call()?.header("x-d");
    let mine = req.headers().get("x-api-key").cloned();
    let response = req;
    let again = response.headers().get("x-e").cloned();
    a == mine
}
"#,
    );
    let h = func(&f, "check");
    let names: Vec<&str> = h.headers_read.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["x-api-key", "x-e"]);
    let c = h.compares.iter().find(|c| c.text == "a == mine").expect("compare");
    assert!(!c.left.provenance.iter().any(|o| o.kind == "request"), "{:?}", c.left.provenance);
    assert!(c.right.provenance.iter().any(|o| o.kind == "request" && o.name == "x-api-key"));
}

#[test]
fn a_response_request_accessor_reads_the_request() {
    let f = facts(
        r#"
async fn mw(req: ServiceRequest, srv: S) -> Result<ServiceResponse, Error> {
    let res = srv.call(req).await?;
    let user = res.request().headers().get("x-user-id").cloned();
    let etag = res.headers().get("etag").cloned();
    Ok(res)
}
"#,
    );
    let h = func(&f, "mw");
    let names: Vec<&str> = h.headers_read.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["x-user-id"]);
}

#[test]
fn a_compare_only_stored_in_a_field_is_stored() {
    let f = facts(
        r#"
fn view(s: Session, presented: &str, mut out: View) -> (View, bool) {
    let v = View { current: s.token == presented, other: !(s.a == presented || s.b == presented), n: check(s.c == presented) };
    out.current = s.d == presented;
    if s.e == presented {}
    (v, s.f == presented)
}
"#,
    );
    let h = func(&f, "view");
    let stored: Vec<(&str, bool)> =
        h.compares.iter().map(|c| (c.text.as_str(), c.stored)).collect();
    assert_eq!(
        stored,
        [
            ("s.token == presented", true),
            ("s.a == presented", true),
            ("s.b == presented", true),
            ("s.c == presented", false),
            ("s.d == presented", true),
            ("s.e == presented", false),
            ("s.f == presented", false),
        ]
    );
}
