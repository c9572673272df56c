use crate::testutil::{facts, files, func};

#[test]
fn cross_file_helper_verifies() {
    let fs = files(&[
        (
            "src/handlers/github.rs",
            r#"
use crate::verify::verify_signature;
pub async fn github_webhook(headers: HeaderMap, body: Bytes) -> StatusCode {
    let event: Event = serde_json::from_slice(&body)?;
    if !verify_signature(&headers, &body) { return StatusCode::UNAUTHORIZED; }
    let again: Event = serde_json::from_slice(&body)?;
    StatusCode::OK
}
"#,
        ),
        (
            "src/verify.rs",
            r#"
pub fn verify_signature(headers: &HeaderMap, body: &[u8]) -> bool {
    let sig = headers.get("x-hub-signature-256");
    check(body, sig)
}
fn check(body: &[u8], sig: &[u8]) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY).unwrap();
    mac.update(body);
    mac.verify_slice(sig).is_ok()
}
"#,
        ),
    ]);
    let h = func(&fs[0], "github_webhook");
    assert!(h.verifies);
    assert_eq!(h.verified_by, ["via helper verify_signature"]);
    let call = h.calls.iter().find(|c| c.name == "verify_signature").expect("call");
    assert_eq!(call.target, "verify::verify_signature");
    assert!(call.verifies);
    assert!(h.reaches.iter().any(|r| r == "verify_slice"));
    assert!(h.reaches_headers.contains(&"x-hub-signature-256".to_string()));
    assert!(h.body.parses[0].before_verify);
    assert!(!h.body.parses[1].before_verify);
    let v = func(&fs[1], "verify_signature");
    assert!(!v.is_webhook, "a helper the handler calls is not the receiver");
    assert_eq!(func(&fs[1], "check").verified_by, ["calls hmac::Mac::verify_slice"]);
}

#[test]
fn custom_extractor_and_layers_verify() {
    let f = facts(
        r#"
pub struct VerifiedBody(Bytes);
#[async_trait]
impl<S> FromRequest<S> for VerifiedBody {
    async fn from_request(req: Request, state: &S) -> Result<Self, StatusCode> {
        let tag = req.headers().get("x-signature").unwrap();
        ring::hmac::verify(&KEY, &body, tag.as_bytes()).map_err(|_| StatusCode::UNAUTHORIZED)?;
        Ok(VerifiedBody(body))
    }
}
async fn stripe_webhook(VerifiedBody(body): VerifiedBody) {
    let ev: Event = serde_json::from_slice(&body).unwrap();
}
async fn slack_events(Json(ev): Json<Event>) {}
async fn verify_mw(req: Request, next: Next) -> Response {
    if !req.headers().get("x-slack-signature").map(|s| s.as_bytes().ct_eq(&expected).into()).unwrap_or(false) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    next.run(req).await
}
fn app() -> Router {
    Router::new()
        .route("/stripe", post(stripe_webhook))
        .route("/slack/events", post(slack_events))
        .route_layer(middleware::from_fn(verify_mw))
}
"#,
    );
    let s = func(&f, "stripe_webhook");
    assert_eq!(s.params[0].extractor, "custom");
    assert_eq!(s.params[0].custom, "VerifiedBody");
    assert_eq!(s.verified_by, ["extractor VerifiedBody", "layer verify_mw"]);
    assert!(!s.body.parses[0].before_verify);
    assert!(s.reaches.iter().any(|r| r == "hmac::verify"));
    let e = func(&f, "slack_events");
    assert_eq!(e.verified_by, ["layer verify_mw"]);
    assert!(e.is_webhook);
    assert!(!e.body.parses[0].before_verify);
    assert_eq!(f.index.extractor_impls[0].0, "VerifiedBody");
}

#[test]
fn tower_layer_service_call_is_reached() {
    let f = facts(
        r#"
struct SigLayer;
struct SigService<S>(S);
impl<S> Service<Request> for SigService<S> {
    fn call(&mut self, req: Request) -> Self::Future {
        constant_time_eq(a, b);
        self.0.call(req)
    }
}
async fn hook(body: Bytes) {}
fn app() { Router::new().route("/hook", post(hook)).layer(SigLayer); }
"#,
    );
    assert_eq!(func(&f, "hook").verified_by, ["layer SigLayer"]);
}

#[test]
fn method_resolution_self_and_unique_names() {
    let f = facts(
        r#"
struct Verifier;
impl Verifier {
    fn check(&self, sig: &[u8]) -> bool { self.inner(sig) }
    fn inner(&self, sig: &[u8]) -> bool { subtle::ConstantTimeEq::ct_eq(a, sig).into() }
}
async fn hook(body: Bytes, v: State<Verifier>) { v.check(&body); }
mod nested { pub fn helper() { super::top(); } }
fn top() {}
fn use_nested() { nested::helper(); self::top(); }
"#,
    );
    let h = func(&f, "hook");
    assert_eq!(h.calls[0].target, "handlers::Verifier::check");
    assert!(h.verifies);
    assert_eq!(func(&f, "check").calls[0].target, "handlers::Verifier::inner");
    assert_eq!(func(&f, "helper").calls[0].target, "handlers::top");
    assert_eq!(func(&f, "use_nested").calls[0].target, "handlers::nested::helper");
    assert_eq!(func(&f, "use_nested").calls[1].target, "handlers::top");
}

#[test]
fn outbound_sender_is_not_a_receiver() {
    let f = facts(
        r#"
async fn send_webhook(client: reqwest::Client, payload: Vec<u8>) {
    let mut mac = HmacSha256::new_from_slice(KEY).unwrap();
    mac.update(&payload);
    let sig = hex::encode(mac.finalize().into_bytes());
    client.post(URL).header("X-Signature", sig).body(payload).send().await;
}
"#,
    );
    assert!(!func(&f, "send_webhook").is_webhook);
}

#[test]
fn cycles_terminate() {
    let f = facts("fn a() { b(); }\nfn b() { a(); verify_slice(x); }\n");
    assert!(func(&f, "a").verifies);
    assert!(func(&f, "b").verifies);
}

#[test]
fn test_code_is_marked() {
    let fs = files(&[
            (
                "src/lib.rs",
                "#[cfg(test)]\nmod tests { fn helper() {} #[test] fn t() {} }\n#[tokio::test]\nasync fn it() {}\nfn prod() {}\n",
            ),
            ("tests/e2e.rs", "fn anything() {}"),
            ("src/x.rs", "#![cfg(test)]\nfn y() {}"),
        ]);
    assert!(func(&fs[0], "helper").is_test);
    assert!(func(&fs[0], "t").is_test);
    assert!(func(&fs[0], "it").is_test);
    assert!(!func(&fs[0], "prod").is_test);
    assert!(fs[1].is_test && func(&fs[1], "anything").is_test);
    assert!(fs[2].is_test && func(&fs[2], "y").is_test);
    assert_eq!(func(&fs[0], "helper").qualified_name, "tests::helper");
}

#[test]
fn nested_router_fns_get_prefix_and_layers() {
    let fs = files(&[
        (
            "src/main.rs",
            r#"
fn app() -> Router {
    Router::new()
        .nest("/webhooks", webhooks::routes())
        .layer(middleware::from_fn(auth::verify))
}
"#,
        ),
        (
            "src/webhooks.rs",
            r#"
pub fn routes() -> Router { Router::new().route("/stripe", post(stripe)) }
async fn stripe(body: Bytes) {}
"#,
        ),
        ("src/auth.rs", "pub async fn verify(req: Request, next: Next) { verify_slice(x); }"),
    ]);
    let s = func(&fs[1], "stripe");
    assert_eq!(s.routes[0].path, "/webhooks/stripe");
    assert_eq!(s.routes[0].layers, ["auth::verify"]);
    assert_eq!(s.verified_by, ["layer auth::verify"]);
    assert!(s.is_webhook);
}

/// Only sites that can be verifications outlive the first pass: a known verifier, a project
/// fn, a comparison that checks a credential. The others (most of a real project's `?` and
/// `if`s) are dropped before the pass over the call graph.
#[test]
fn sites_that_cannot_verify_are_dropped() {
    let f = facts(
        r#"
fn handler(headers: HeaderMap, body: Bytes, mac: Mac) -> Result<(), E> {
    let n = body.len().checked_add(1).ok_or(E)?;
    if external::lookup(n).is_none() { return Err(E); }
    if !helper(&headers) { return Err(E); }
    mac.verify_slice(&body).map_err(|_| E)?;
    let token = headers.get("x-token");
    if token != SECRET_TOKEN { return Err(E); }
    if n == 3 { return Err(E); }
    Ok(())
}
fn helper(headers: &HeaderMap) -> bool { headers.contains_key("x") }
"#,
    );
    let g = func(&f, "handler");
    let kept: Vec<String> = g
        .verdicts
        .sites
        .iter()
        .map(|s| match g.calls.get(s.call as usize) {
            Some(c) => c.name.clone(),
            None => g.compares[s.compare as usize].text.clone(),
        })
        .collect();
    assert_eq!(kept, ["helper", "verify_slice", "token != SECRET_TOKEN"]);
}

#[test]
fn interned_calls_are_the_sorted_distinct_strings_of_each_function() {
    let fs = files(&[
        (
            "src/a.rs",
            "fn one() { x::Ty::make(); helper(); helper(); b::two(); }\nfn three() { helper(); }\n",
        ),
        ("src/b.rs", "pub fn two() { x::Ty::make(); zeta(); }\nfn none() {}\n"),
    ]);
    let ix = super::resolve::Index::functions(&fs);
    let interned = super::graph::intern_calls(&ix);
    let strings: Vec<&str> = interned.strings.iter().map(|s| s.as_str()).collect();
    let mut sorted = strings.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(strings, sorted, "sorted and distinct");
    for id in 0..ix.nodes.len() {
        let f = ix.func(id).expect("function");
        let mut want: Vec<&str> = Vec::new();
        for c in &f.calls {
            want.push(&c.name);
            if !c.path.is_empty() {
                want.push(&c.path);
                if let Some((i, _)) = c.path.rmatch_indices("::").nth(1) {
                    want.push(&c.path[i + 2..]);
                }
            }
        }
        want.sort_unstable();
        want.dedup();
        let got: Vec<&str> = interned.per_fn[id].iter().map(|&i| strings[i as usize]).collect();
        assert_eq!(got, want, "{}", f.name);
    }
    assert!(strings.contains(&"Ty::make"), "{strings:?}");
}
