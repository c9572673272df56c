use hooklint_model::verdict::{exit, Sink};

use crate::testutil::{func, knowledge};

/// The facts of one file as extraction leaves them: the index drops the sites that cannot be
/// verifications (unresolved calls such as `verify` here) when it links the project.
fn facts(src: &str) -> hooklint_model::RustFile {
    let e = crate::extract_file("src/handlers.rs", src, &knowledge());
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    e.file
}

/// The sinks of the site of call `name` in fn `f`, as (sink, exit bits, logged).
fn sinks(src: &str, f: &str, name: &str) -> Vec<(Sink, u8, bool)> {
    let file = facts(src);
    let g = func(&file, f);
    let order = g.calls.iter().find(|c| c.name == name).map(|c| c.order).expect("call");
    let site = g.verdicts.sites.iter().find(|s| s.call == order).expect("site");
    site.sinks.iter().map(|s| (s.sink, s.exit, s.logged)).collect()
}

#[test]
fn early_return_try_and_let_else_exit() {
    let s = r#"
async fn a(h: HeaderMap, b: Bytes) -> StatusCode {
    if !verify(&h, &b) { return StatusCode::UNAUTHORIZED; }
    process(b).await;
    StatusCode::OK
}
async fn t(h: HeaderMap, b: Bytes) -> Result<(), E> {
    check(&h, &b)?;
    Ok(())
}
async fn l(h: HeaderMap, b: Bytes) -> StatusCode {
    let Ok(()) = check(&h, &b) else { return StatusCode::FORBIDDEN };
    StatusCode::OK
}
"#;
    assert_eq!(sinks(s, "a", "verify"), [(Sink::Exits, exit::STATUS_ERR, false)]);
    assert_eq!(sinks(s, "t", "check"), [(Sink::Exits, exit::ERR, false)]);
    assert_eq!(sinks(s, "l", "check")[0].0, Sink::Exits);
}

#[test]
fn logged_mismatch_proceeds_and_discarded_results() {
    let s = r#"
async fn a(h: HeaderMap, b: Bytes) -> StatusCode {
    if let Err(e) = verify(&h, &b) { tracing::warn!("bad signature: {e}"); }
    process(b).await;
    StatusCode::OK
}
async fn d(h: HeaderMap, b: Bytes) {
    let _ = verify(&h, &b);
    verify(&h, &b).ok();
}
"#;
    assert_eq!(sinks(s, "a", "verify"), [(Sink::Proceeds, 0, true)]);
    let file = facts(s);
    let g = func(&file, "d");
    let kinds: Vec<Sink> =
        g.verdicts.sites.iter().flat_map(|s| s.sinks.iter().map(|k| k.sink)).collect();
    assert_eq!(kinds, [Sink::Discarded, Sink::Discarded]);
}

#[test]
fn bound_verdicts_match_and_returned() {
    let s = r#"
async fn m(sig: String, body: Bytes) -> Result<impl Reply, Rejection> {
    let result = validate(sig, &body).await;
    tokio::spawn(async move { process(body).await; });
    match result {
        Ok(()) => Ok(ok()),
        Err(e) => { log::error!("{e}"); Ok(unauthorized()) }
    }
}
fn helper(secret: &str, body: &[u8], sig: &[u8]) -> bool {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.verify_slice(sig).is_ok()
}
"#;
    let got = sinks(s, "m", "validate");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, Sink::Exits);
    assert!(got[0].2);
    let file = facts(s);
    let m = func(&file, "m");
    assert_eq!(m.verdicts.spawns.len(), 1);
    assert!(m.verdicts.spawns[0].request);
    assert_eq!(sinks(s, "helper", "verify_slice"), [(Sink::Returned, 0, false)]);
}

#[test]
fn presence_of_the_secret() {
    let s = r#"
fn call(&self, req: ServiceRequest) -> Self::Future {
    let secret = self.secret.clone();
    Box::pin(async move {
        if let Some(secret) = secret {
            match Signature(sig).is_valid(&body, &secret) {
                Ok(false) | Err(_) => return Err(ServerError::Invalid.into()),
                _ => (),
            }
        }
        let res = svc.call(req).await?;
        Ok(res)
    })
}
"#;
    let file = facts(s);
    let g = func(&file, "call");
    let order = g.calls.iter().find(|c| c.name == "is_valid").map(|c| c.order).expect("call");
    let site = g.verdicts.sites.iter().find(|s| s.call == order).expect("site");
    assert_eq!(site.sinks[0].sink, Sink::Exits);
    let p = &g.verdicts.presences[site.presence as usize];
    assert_eq!(p.absent, Sink::Proceeds);
    assert!(p.names.contains(&"secret".to_string()));
}

#[test]
fn extractor_that_accepts_on_mismatch() {
    let s = r#"
async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
    let Some(bearer_uuid) = parse(parts) else { return Ok(Self::new(ID)); };
    if bearer_uuid != CORRECT_ID {
        tracing::error!("Bearer UUID does not match");
        return Ok(Self::new(CORRECT_ID));
    }
    Ok(Self::new(bearer_uuid))
}
"#;
    let file = facts(s);
    let g = func(&file, "from_request_parts");
    let site = g.verdicts.sites.iter().find(|s| s.compare != u32::MAX).expect("compare site");
    assert_eq!(site.sinks[0].sink, Sink::Exits);
    assert_eq!(site.sinks[0].exit, exit::OK);
    assert!(site.sinks[0].logged);
}
