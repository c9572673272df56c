//! Provenance through the constructs and across files.

use hooklint_model::{Function, Origin, RustFile};

use crate::testutil::{facts, files, func};

/// `kind source name` of each origin.
fn kinds(o: &[Origin]) -> Vec<String> {
    o.iter().map(|o| format!("{} {} {}", o.kind, o.source, o.name).trim_end().to_string()).collect()
}

fn compare<'a>(f: &'a Function, text: &str) -> &'a hooklint_model::Compare {
    f.compares.iter().find(|c| c.text == text).unwrap_or_else(|| {
        panic!("no compare {text} in {:?}", f.compares.iter().map(|c| &c.text).collect::<Vec<_>>())
    })
}

fn log_arg(f: &Function, i: usize, j: usize) -> Vec<String> {
    kinds(&f.logs[i].args[j].provenance)
}

fn find<'a>(fs: &'a [RustFile], name: &str) -> &'a Function {
    fs.iter().flat_map(|f| &f.functions).find(|g| g.name == name).expect("fn")
}

#[test]
fn header_and_mac_through_lets_with_chains() {
    let f = facts(
        r#"
use hmac::{Hmac, Mac};
async fn hook(headers: HeaderMap, body: Bytes) -> StatusCode {
    let sig = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok()).unwrap_or("");
    let secret = std::env::var("WEBHOOK_SECRET").unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&body);
    let expected = hex::encode(mac.finalize().into_bytes());
    if expected != sig { return StatusCode::UNAUTHORIZED; }
    if sig.len() != 71 { return StatusCode::BAD_REQUEST; }
    StatusCode::OK
}
"#,
    );
    let h = func(&f, "hook");
    let c = compare(h, "expected != sig");
    assert_eq!(kinds(&c.left.provenance), ["mac call hmac::Mac::finalize"]);
    assert_eq!(
        kinds(&c.right.provenance),
        ["request header x-hub-signature-256", "public literal"]
    );
    let chain: Vec<&str> = c.right.provenance[0].chain.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        chain,
        [
            "let sig = headers.get(..).and_then(..).unwrap_or(..)",
            "closure param v",
            "param headers"
        ]
    );
    let len = compare(h, "sig.len() != 71");
    assert_eq!(kinds(&len.left.provenance), ["public reduced len"]);
    assert!(kinds(&len.right.provenance).is_empty(), "a number literal carries nothing");
}

#[test]
fn match_arms_and_errors_do_not_share_provenance() {
    let f = facts(
        r#"
fn load() {
    match std::env::var("API_TOKEN") {
        Ok(e) => tracing::info!("token {}", e),
        Err(e) => tracing::warn!("no token: {}", e),
    }
    let token = std::env::var("API_TOKEN").unwrap();
    if let Err(e) = client.get(&format!("https://x/{token}")).send() {
        tracing::warn!("failed: {e}");
    }
}
"#,
    );
    let g = func(&f, "load");
    assert_eq!(log_arg(g, 0, 0), ["secret env API_TOKEN"]);
    assert_eq!(log_arg(g, 1, 0), ["public error Err"], "the Err arm's `e` is an error");
    assert_eq!(log_arg(g, 2, 0), ["public error Err"], "an error is not what the call received");
}

#[test]
fn closures_take_the_receiver_and_named_closures_their_calls() {
    let f = facts(
        r#"
fn check(header: &str, expected: String) -> bool {
    header.split(' ').filter_map(|c| c.strip_prefix("v1,")).any(|signature| signature == expected)
}
fn logs() {
    let token = std::env::var("BOT_TOKEN").unwrap();
    let say = |m: &str| println!("{m}");
    say(&token);
}
"#,
    );
    let c = compare(func(&f, "check"), "signature == expected");
    assert_eq!(kinds(&c.left.provenance), ["param param header"]);
    assert_eq!(kinds(&c.right.provenance), ["param param expected"]);
    assert_eq!(log_arg(func(&f, "logs"), 0, 0), ["secret env BOT_TOKEN"]);
}

#[test]
fn secrets_compared_through_two_helpers_in_other_files() {
    let fs = files(&[
        (
            "src/handlers.rs",
            r#"
use crate::signature;
pub async fn shipment(headers: HeaderMap, body: Bytes, State(state): State<AppState>) -> StatusCode {
    let sig = headers.get("webhook-signature").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !signature::is_valid(&state.secret, &body, sig) { return StatusCode::UNAUTHORIZED; }
    StatusCode::OK
}
"#,
        ),
        (
            "src/signature.rs",
            r#"
use hmac::{Hmac, Mac};
pub fn is_valid(secret: &[u8], body: &[u8], header: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    crate::compare::same(&expected, header)
}
"#,
        ),
        ("src/compare.rs", "pub fn same(a: &str, b: &str) -> bool { a == b }"),
    ]);
    let c = compare(find(&fs, "same"), "a == b");
    // Keyed with `is_valid`'s parameter: a MAC whose key is of unknown origin where it is computed.
    assert_eq!(kinds(&c.left.provenance), ["mac keyed hmac::Mac::finalize"]);
    assert_eq!(kinds(&c.right.provenance), ["request header webhook-signature", "public literal"]);
    let chain = c.right.provenance[0].chain.join(" <- ");
    assert!(chain.contains("passed by is_valid at src/signature.rs"), "{chain}");
    assert!(chain.contains("passed by shipment at src/handlers.rs"), "{chain}");
}

#[test]
fn returns_fields_and_statics_across_functions() {
    let fs = files(&[
        (
            "src/config.rs",
            r#"
pub struct Config { pub token: String, pub port: u16 }
pub fn load() -> Config {
    Config { token: std::env::var("SLACK_TOKEN").unwrap(), port: 8080 }
}
pub fn secret() -> String { std::env::var("SIGNING_SECRET").unwrap() }
pub static KEY: Lazy<String> = Lazy::new(|| std::env::var("HMAC_KEY").unwrap());
"#,
        ),
        (
            "src/main.rs",
            r#"
use crate::config::{self, Config, KEY};
fn show(cfg: &Config) {
    tracing::info!("token {} port {}", cfg.token, cfg.port);
    let s = config::secret();
    tracing::debug!(%s, "loaded");
    tracing::debug!("key {}", *KEY);
}
"#,
        ),
    ]);
    let g = find(&fs, "show");
    assert_eq!(log_arg(g, 0, 0), ["secret env SLACK_TOKEN"]);
    assert!(log_arg(g, 0, 1).iter().all(|o| !o.starts_with("secret")), "{:?}", log_arg(g, 0, 1));
    assert_eq!(log_arg(g, 1, 0), ["secret env SIGNING_SECRET"]);
    assert_eq!(log_arg(g, 2, 0), ["secret env HMAC_KEY"]);
}

#[test]
fn debug_of_a_struct_shows_its_fields() {
    let f = facts(
        r#"
#[derive(Debug)]
struct Creds { user: String, token: String }
#[derive(Debug)]
struct Redacted { token: SecretString }
fn f() {
    let creds = Creds { user: "bot".into(), token: std::env::var("TOKEN").unwrap() };
    tracing::info!("{:?}", creds);
    tracing::info!("{}", creds.user);
}
fn g(r: &Redacted) { tracing::info!("{:?}", r); }
"#,
    );
    let g = func(&f, "f");
    assert!(log_arg(g, 0, 0).contains(&"secret env TOKEN".to_string()), "{:?}", log_arg(g, 0, 0));
    assert!(!log_arg(g, 1, 0).iter().any(|o| o.starts_with("secret")), "{:?}", log_arg(g, 1, 0));
    assert!(log_arg(func(&f, "g"), 0, 0).iter().all(|o| !o.starts_with("secret")));
}

#[test]
fn literal_keys_flow_through_consts_and_helpers() {
    let fs = files(&[
        ("src/keys.rs", "pub const WEBHOOK_KEY: &[u8] = b\"8f2b1c9e0d7a6b5c\";"),
        (
            "src/mac.rs",
            r#"
use hmac::{Hmac, Mac};
pub fn mac_for(key: &[u8]) -> Hmac<Sha256> { Hmac::<Sha256>::new_from_slice(key).unwrap() }
pub fn sign(body: &[u8]) -> Vec<u8> {
    let mut m = mac_for(crate::keys::WEBHOOK_KEY);
    m.update(body);
    m.finalize().into_bytes().to_vec()
}
pub fn send(client: &Client) {
    client.post("https://x").header("Authorization", "Bearer 9c8e7f6a5b4c3d2e").header("x-request-id", "abc");
}
"#,
        ),
    ]);
    let key = &fs[0].literals[0];
    assert_eq!(key.flows_to.len(), 1, "{:?}", key.flows_to);
    assert_eq!(key.flows_to[0].kind, "arg");
    assert_eq!(key.flows_to[0].callee, "hmac::Hmac::new_from_slice");
    let send = find(&fs, "send");
    let bearer = send.literals.iter().find(|l| l.value.starts_with("Bearer")).expect("literal");
    assert_eq!(bearer.flows_to[0].kind, "header");
    assert_eq!(bearer.flows_to[0].name, "authorization");
    let name = send.literals.iter().find(|l| l.value == "Authorization").expect("literal");
    assert!(name.flows_to.is_empty(), "a header name is not a credential");
}

#[test]
fn literal_compared_with_a_request_header() {
    let f = facts(
        r#"
const CORRECT_ID: &str = "3f0c2a9e-55b1-4c8d-9a57-2f1e8b7c6d5a";
async fn guard(headers: HeaderMap) -> bool {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    auth == format!("Bearer {CORRECT_ID}")
}
"#,
    );
    let lit = &f.literals[0];
    assert_eq!(lit.flows_to.len(), 1, "{:?}", lit.flows_to);
    assert_eq!(lit.flows_to[0].kind, "compare");
    assert_eq!(kinds(&lit.flows_to[0].against), ["request header authorization"]);
}

#[test]
fn state_fields_are_server_secrets() {
    let f = facts(
        r#"
async fn hook(State(state): State<AppState>, headers: HeaderMap) -> StatusCode {
    let token = headers.get("x-gitlab-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    if token != state.config.gitlab_token { return StatusCode::UNAUTHORIZED; }
    let user = state.db.fetch_one("select").await.unwrap();
    StatusCode::OK
}
"#,
    );
    let c = compare(func(&f, "hook"), "token != state.config.gitlab_token");
    assert_eq!(kinds(&c.right.provenance)[0], "secret state state.config.gitlab_token");
}

#[test]
fn form_body_read_by_hand_keeps_each_fields_key() {
    let f = facts(
        r#"
fn form<R: Read>(read: &mut R) -> HashMap<String, String> {
    let mut buffer = String::new();
    read.read_to_string(&mut buffer).unwrap();
    let mut params = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(buffer.as_bytes()) {
        params.insert(k.into_owned(), v.into_owned());
    }
    params
}
fn handle(req: Request) {
    let (_, _, _, _, _, mut body) = req.deconstruct();
    let params = form(&mut body);
    if let (Some(team), Some(token)) = (params.get("team_id"), params.get("token")) {
        log::info!("{} {}", team, token);
    }
}
"#,
    );
    let h = func(&f, "handle");
    assert_eq!(log_arg(h, 0, 0), ["request object req"]);
    let chain = |j: usize| -> Vec<String> {
        h.logs[0].args[j].provenance[0].chain.iter().map(|s| s.to_string()).collect()
    };
    assert!(chain(0).contains(&"field \"team_id\"".to_string()), "{:?}", chain(0));
    assert!(!chain(0).contains(&"field \"token\"".to_string()), "{:?}", chain(0));
    assert!(chain(1).contains(&"field \"token\"".to_string()), "{:?}", chain(1));
    // The token reaches the request only through `read_to_string` into the buffer `form`
    // parses: the summary of `form` carries its parameter to its return value.
    assert!(chain(1).iter().any(|s| s == "returned by form(..)"), "{:?}", chain(1));
    assert_eq!(chain(1).last().map(String::as_str), Some("param req"), "{:?}", chain(1));
}

#[test]
fn project_extractor_params_hold_what_from_request_returns() {
    let f = facts(
        r#"
pub struct Signature(String);
impl FromRequest for Signature {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let sig = req.headers().get("X-Hub-Signature").and_then(|v| v.to_str().ok())
            .map(String::from).map(Signature).ok_or_else(|| ErrorBadRequest("none"));
        std::future::ready(sig)
    }
}
#[post("/hook")]
async fn hook(sig: Signature, body: String) -> &'static str {
    log::info!("{}", sig.0);
    "ok"
}
"#,
    );
    assert_eq!(log_arg(func(&f, "hook"), 0, 0)[0], "request header x-hub-signature");
}

#[test]
fn state_printed_whole_names_its_fields() {
    let f = facts(
        r#"
#[derive(Debug, Clone)]
pub struct Hook { pub name: String, pub security_key: String }
async fn deploy(req: HttpRequest) -> &'static str {
    let cfg = req.app_data::<Hook>().unwrap();
    println!("{:?}", cfg);
    "ok"
}
"#,
    );
    let got = log_arg(func(&f, "deploy"), 0, 0);
    assert!(got.contains(&"secret state app_data.security_key".to_string()), "{got:?}");
    let fields: Vec<&str> = func(&f, "deploy").logs[0].args[0]
        .provenance
        .iter()
        .flat_map(|o| &o.fields)
        .map(|x| x.as_str())
        .collect();
    assert!(fields.contains(&"security_key"), "{fields:?}");
}

#[test]
fn functions_passed_by_name_are_called_and_guarded_arms_bind() {
    let f = facts(
        r#"
fn parse_bearer(h: &str) -> Option<&str> { h.strip_prefix("Bearer ") }
fn scheme(_h: &str) -> &'static str { "Bearer" }
async fn guard(headers: HeaderMap, expected: String) -> bool {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(parse_bearer);
    let kind = headers.get("authorization").and_then(|v| v.to_str().ok()).map(scheme);
    if kind == Some("Basic") { return false; }
    match token {
        Some(t) if t == expected => true,
        _ => false,
    }
}
"#,
    );
    let g = func(&f, "guard");
    // The function passed by name is a call, resolved like any other.
    let call = g.calls.iter().find(|c| c.name == "parse_bearer").expect("call");
    assert_eq!(call.target, "handlers::parse_bearer");
    assert!(call.args.is_empty());
    // Its return summary applies: the parsed token is the header; the arm binds it before the
    // guard reads it.
    let c = compare(g, "t == expected");
    assert_eq!(kinds(&c.left.provenance), ["request header authorization"]);
    let chain: Vec<&str> = c.left.provenance[0].chain.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        chain,
        [
            "match t",
            "let token = headers.get(..).and_then(..).and_then(..)",
            "returned by parse_bearer(..)",
            "closure param v",
            "param headers"
        ]
    );
    // Only what the function returns flows on: `scheme` returns a literal, not its argument.
    let k = compare(g, "kind == Some(\"Basic\")");
    assert_eq!(kinds(&k.left.provenance), ["public literal"]);
}

#[test]
fn queries_a_query_builder_built_are_store_reads() {
    let f = facts(
        r#"
fn rows(pool: &Pool, name: &str, keys: &[String], n: &AtomicUsize) {
    let mut conn = pool.get().unwrap();
    let user = users::table.filter(users::name.eq(name)).first::<User>(&mut conn).unwrap();
    let all: Vec<User> = users::table.select(users::all_columns).load(&mut conn).unwrap();
    let plain = users::table.first::<User>(&mut conn).unwrap();
    let first = keys.first().unwrap();
    let count = n.load(Ordering::SeqCst);
    let long = keys.iter().filter(|k| k.len() > 1).last().unwrap();
    if user.hash == all[0].hash {}
    if plain.hash == first.as_str() {}
    if count == 3 || long == "x" {}
}
"#,
    );
    let g = func(&f, "rows");
    let c = compare(g, "user.hash == all[0].hash");
    assert_eq!(kinds(&c.left.provenance), ["store call first"]);
    assert_eq!(kinds(&c.right.provenance), ["store call load"]);
    // No query step in the chain, a slice's `first()`, an atomic's `load(..)`: no store read.
    let c = compare(g, "plain.hash == first.as_str()");
    assert!(!kinds(&c.left.provenance).iter().any(|k| k.starts_with("store")));
    assert!(!kinds(&c.right.provenance).iter().any(|k| k.starts_with("store")));
    let c = compare(g, "count == 3");
    assert!(!kinds(&c.left.provenance).iter().any(|k| k.starts_with("store")));
}
