use super::*;
use hooklint_model::{
    Body, Call, Compare, Confidence, HeaderRead, IpSource, Literal, LogCall, Operand, Parse,
    ProblemCode, Route, Span,
};

fn builtin() -> PolicySet {
    match PolicySet::builtin() {
        Ok(set) => set,
        Err(errors) => panic!("built-in policies do not load: {errors:#?}"),
    }
}

fn load_one(text: &str) -> Result<PolicySet, Vec<LoadError>> {
    let source = PolicySource { path: "p/test.yaml".to_string(), text: text.to_string() };
    PolicySet::load(&[source], builtin_knowledge())
}

fn load_err(text: &str) -> LoadError {
    match load_one(text) {
        Ok(_) => panic!("expected an error for\n{text}"),
        Err(mut errors) => errors.remove(0),
    }
}

const HEADER: &str = "id: test/rule\ntitle: a test rule\nseverity: error\ntarget: rust.function\n";

fn span(line: u32) -> Span {
    Span::new("src/app.rs", line, 5, line, 20)
}

fn function(name: &str) -> Function {
    Function {
        name: name.to_string(),
        qualified_name: format!("app::{name}"),
        module: "app".to_string(),
        file: "src/app.rs".to_string(),
        span: span(10),
        item_span: span(10),
        ..Function::default()
    }
}

fn webhook(name: &str) -> Function {
    Function {
        is_webhook: true,
        is_handler: true,
        webhook_reasons: vec!["route path /webhooks/github says \"webhooks\"".to_string()],
        receiver: hooklint_model::Receiver {
            signs: vec!["route path /webhooks/github says \"webhooks\"".to_string()],
            ..Default::default()
        },
        routes: vec![Route {
            method: "POST".to_string(),
            path: "/webhooks/github".to_string(),
            framework: "axum".to_string(),
            ..Route::default()
        }],
        ..function(name)
    }
}

/// A webhook handler that calls `verifier` on its request and rejects it when that fails.
fn verified_webhook(name: &str, verifier: &str) -> Function {
    Function {
        verifies: true,
        verification_gates: true,
        verifications: vec![hooklint_model::Verification {
            via: "call".into(),
            what: verifier.into(),
            gates: true,
            ..Default::default()
        }],
        reaches: vec![verifier.into()],
        ..webhook(name)
    }
}

fn rules_hit(set: &PolicySet, f: &Function) -> Vec<String> {
    let (findings, problems) = set.check_function(f);
    assert!(problems.is_empty(), "{problems:#?}");
    findings.into_iter().map(|f| f.rule).collect()
}

/// The one finding `f` gets, with no problem.
fn only_finding(set: &PolicySet, f: &Function) -> Finding {
    let (mut findings, problems) = set.check_function(f);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    findings.remove(0)
}

/// `left op right` at `line`, written as `text`.
fn compare(op: &str, text: &str, left: Operand, right: Operand, line: u32) -> Compare {
    Compare {
        op: op.into(),
        text: text.into(),
        left,
        right,
        inside: String::new(),
        stored: false,
        span: span(line),
    }
}

/// A read of the client address into `binding` that decides what the handler does.
fn deciding_ip(kind: &str, binding: &str, line: u32) -> IpSource {
    IpSource {
        kind: kind.into(),
        binding: binding.into(),
        gates: true,
        decides: true,
        span: span(line),
        ..IpSource::default()
    }
}

/// A read of the header `name` into `binding` that decides what the handler does.
fn deciding_header(name: &str, binding: &str, line: u32) -> HeaderRead {
    HeaderRead {
        name: name.into(),
        binding: binding.into(),
        gates: true,
        decides: true,
        span: span(line),
        ..HeaderRead::default()
    }
}

fn sensitive(text: &str) -> Operand {
    Operand { text: text.to_string(), sensitive: true, span: span(12), ..Operand::default() }
}

fn plain(text: &str) -> Operand {
    Operand { text: text.to_string(), span: span(12), ..Operand::default() }
}

/// An operand whose provenance is one origin.
fn from(text: &str, kind: &'static str, source: &'static str, name: &str) -> Operand {
    let origin = hooklint_model::Origin {
        kind: kind.into(),
        source: source.into(),
        name: name.into(),
        span: span(10),
        ..Default::default()
    };
    Operand { provenance: vec![origin], ..plain(text) }
}

/// A function with one element in every list, so that every field of the model has a value.
pub(crate) fn full_function() -> Function {
    let span = || Span::new("a.rs", 1, 2, 3, 4);
    let operand = || Operand {
        idents: vec!["x".into()],
        provenance: vec![hooklint_model::Origin {
            chain: vec!["let x = y".into()],
            fields: vec!["token".into()],
            span: span(),
            ..Default::default()
        }],
        span: span(),
        ..Default::default()
    };
    Function {
        span: span(),
        item_span: span(),
        attributes: vec!["post".into()],
        routes: vec![Route { layers: vec!["l".into()], span: span(), ..Default::default() }],
        params: vec![hooklint_model::Param { span: span(), ..Default::default() }],
        webhook_reasons: vec!["r".into()],
        headers_read: vec![HeaderRead { span: span(), ..Default::default() }],
        calls: vec![Call { args: vec!["a".into()], span: span(), ..Default::default() }],
        reaches: vec!["r".into()],
        reaches_headers: vec!["h".into()],
        verified_by: vec!["v".into()],
        compares: vec![Compare {
            left: operand(),
            right: operand(),
            span: span(),
            ..Default::default()
        }],
        literals: vec![Literal {
            flows_to: vec![hooklint_model::LiteralUse {
                against: vec![hooklint_model::Origin { span: span(), ..Default::default() }],
                chain: vec!["c".into()],
                span: span(),
                ..Default::default()
            }],
            span: span(),
            ..Default::default()
        }],
        logs: vec![LogCall { args: vec![operand()], span: span(), ..Default::default() }],
        ip_sources: vec![IpSource { span: span(), ..Default::default() }],
        body: Body {
            parses: vec![Parse { span: span(), ..Default::default() }],
            ..Default::default()
        },
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Built-ins
// ---------------------------------------------------------------------------------------------

#[test]
fn builtin_policies_load_sorted_with_docs() {
    let set = builtin();
    let rules = set.rules();
    assert_eq!(rules.len(), BUILTIN.len());
    let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    for rule in &rules {
        assert_eq!(rule.source, "built-in");
        for (what, text) in
            [("why", &rule.why), ("fix", &rule.fix), ("bad", &rule.bad), ("good", &rule.good)]
        {
            assert!(!text.trim().is_empty(), "{} has no docs.{what}", rule.id);
        }
        assert!(!rule.help.is_empty());
        assert!(rule.title.chars().next().is_some_and(char::is_uppercase), "{}", rule.id);
    }
}

#[test]
fn builtin_ids_match_their_paths() {
    for (path, text) in BUILTIN {
        let id = text
            .lines()
            .find_map(|l| l.strip_prefix("id: "))
            .unwrap_or_else(|| panic!("{path} has no id line"));
        assert_eq!(format!("policies/{id}.yaml"), *path);
    }
}

#[test]
fn every_policy_file_is_embedded() {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let root_text = root.to_string_lossy().replace('\\', "/");
    for file in files {
        let rel = format!("policies{}", file.trim_start_matches(&root_text));
        if rel == "policies/knowledge.yaml" {
            continue;
        }
        assert!(BUILTIN.iter().any(|(p, _)| *p == rel), "{rel} is not in BUILTIN");
    }
}

#[test]
fn knowledge_parses() {
    let parsed: Result<Knowledge, _> = serde_saphyr::from_str(KNOWLEDGE);
    let knowledge = parsed.unwrap();
    assert!(!knowledge.verifiers.is_empty());
    // Every list is in the file: a list left out would silently be empty.
    let empty: Vec<_> = match serde_json::to_value(&knowledge).unwrap() {
        serde_json::Value::Object(lists) => lists
            .into_iter()
            .filter(|(_, v)| v.as_array().is_some_and(|a| a.is_empty()))
            .map(|(k, _)| k)
            .collect(),
        _ => unreachable!("Knowledge serialises to an object"),
    };
    assert!(empty.is_empty(), "empty knowledge lists: {empty:?}");
    assert!(knowledge.manifest_non_secret_keys.iter().any(|p| p == "allow_empty_password"));
    assert_eq!(builtin_knowledge(), knowledge);
}

#[test]
fn builtin_messages_follow_house_style() {
    let set = builtin();
    let f = Function {
        compares: vec![compare(
            "==",
            "sig == expected",
            sensitive("sig"),
            sensitive("expected"),
            12,
        )],
        ip_sources: vec![IpSource { decides: false, ..deciding_ip("peer_addr", "", 13) }],
        ..webhook("github_webhook")
    };
    let (findings, problems) = set.check_function(&f);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(!findings.is_empty());
    for finding in findings {
        let first = finding.message.chars().next().unwrap_or('x');
        assert!(!first.is_uppercase(), "{}", finding.message);
        assert!(!finding.message.ends_with('.'), "{}", finding.message);
        assert!(!finding.help.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Each built-in rule: one positive, one negative
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_signature_check() {
    let set = builtin();
    let f = webhook("github_webhook");
    let (findings, _) = set.check_function(&f);
    let finding =
        findings.iter().find(|x| x.rule == "webhook/missing-signature-check").expect("a finding");
    assert_eq!(
        finding.message,
        "webhook handler `github_webhook` (POST /webhooks/github) acts on the request without \
         verifying its signature"
    );
    assert_eq!(
        finding.notes,
        ["it receives deliveries: route path /webhooks/github says \"webhooks\""]
    );
    assert_eq!(finding.span, span(10));
    assert_eq!(finding.function, "app::github_webhook");
    assert_eq!(finding.severity, Severity::Error);

    let verified = Function { verifies: true, ..webhook("github_webhook") };
    assert!(!rules_hit(&set, &verified).contains(&"webhook/missing-signature-check".to_string()));
    let test = Function { is_test: true, ..webhook("github_webhook") };
    assert!(rules_hit(&set, &test).is_empty());
}

#[test]
fn non_constant_time_compare() {
    let set = builtin();
    let mac = from("expected", "mac", "call", "hmac::Mac::finalize");
    let header = from("signature", "request", "header", "x-hub-signature-256");
    let f = Function {
        compares: vec![compare("!=", "expected != signature", mac, header, 12)],
        ..function("check")
    };
    let finding = only_finding(&set, &f);
    assert_eq!(finding.rule, "crypto/non-constant-time-compare");
    assert!(
        finding.message.starts_with(
            "`expected` (a MAC from `hmac::Mac::finalize`) is compared with `signature` (the \
             request header `x-hub-signature-256`) using `!=`"
        ),
        "{}",
        finding.message
    );
    assert_eq!(finding.span, span(12));

    let mut g = function("check");
    g.compares = vec![
        compare(
            "==",
            "sig.len() == 64",
            plain("sig.len()"),
            Operand { is_literal: true, literal: "64".into(), ..plain("64") },
            12,
        ),
        compare(
            "==",
            "sig == \"\"",
            sensitive("sig"),
            Operand { is_literal: true, ..plain("\"\"") },
            13,
        ),
        Compare {
            op: "<".into(),
            left: sensitive("a"),
            right: sensitive("b"),
            ..Compare::default()
        },
        // Named like secrets on both sides, with no evidence: a lexer's tokens.
        Compare {
            op: "==".into(),
            text: "token == prev_token".into(),
            left: sensitive("token"),
            right: sensitive("prev_token"),
            ..Compare::default()
        },
    ];
    assert!(rules_hit(&set, &g).is_empty());
    let in_test = Function { is_test: true, ..f.clone() };
    assert!(rules_hit(&set, &in_test).is_empty());

    // A secret the server holds against a request header named like a credential.
    let mut admin = f.clone();
    admin.compares[0].left = from("self.admin_token", "secret", "env", "ADMIN_TOKEN");
    admin.compares[0].right = from("token", "request", "header", "x-admin-token");
    assert_eq!(rules_hit(&set, &admin), vec!["crypto/non-constant-time-compare"]);
    // Structural equality of a type named like a secret, with nothing known about its fields.
    let mut punct =
        Function { trait_name: "PartialEq".into(), self_type: "Signature".into(), ..f.clone() };
    punct.compares[0].left = sensitive("self.params");
    punct.compares[0].right = sensitive("other.params");
    assert!(rules_hit(&set, &punct).is_empty());
}

#[test]
fn missing_replay_window() {
    let set = builtin();
    let f = Function {
        reaches_headers: vec!["x-slack-signature".into()],
        ..verified_webhook("slack_events", "hmac::Mac::verify_slice")
    };
    assert_eq!(rules_hit(&set, &f), vec!["webhook/missing-replay-window"]);

    let mut fresh = f.clone();
    fresh.reaches_headers.push("x-slack-request-timestamp".into());
    fresh.reaches.push("std::time::SystemTime::now".into());
    assert!(rules_hit(&set, &fresh).is_empty());

    let mut stripe = f.clone();
    stripe.reaches.push("stripe::Webhook::construct_event".into());
    assert!(rules_hit(&set, &stripe).is_empty());
}

#[test]
fn parse_before_verify() {
    let set = builtin();
    let parse = Parse { what: "Json<Event>".into(), before_verify: true, span: span(11) };
    let f = Function {
        body: Body {
            kind: "json".into(),
            typed_extractor: "Json<Event>".into(),
            parses: vec![parse],
        },
        ..verified_webhook("stripe_webhook", "stripe::Webhook::construct_event")
    };
    let finding = only_finding(&set, &f);
    assert_eq!(
        finding.message,
        "`Json<Event>` deserializes the request body before its signature is verified"
    );
    assert_eq!(finding.span, span(11));

    let mut after = f.clone();
    after.body.parses[0].before_verify = false;
    assert!(rules_hit(&set, &after).is_empty());

    // Without any verification it is the missing-signature-check finding alone.
    let mut unverified = f.clone();
    unverified.verifies = false;
    unverified.verification_gates = false;
    unverified.verifications.clear();
    assert_eq!(rules_hit(&set, &unverified), vec!["webhook/missing-signature-check"]);
}

#[test]
fn ip_only() {
    let set = builtin();
    let f = Function {
        ip_sources: vec![deciding_ip("connect_info", "addr", 14)],
        ..function("callback")
    };
    let finding = only_finding(&set, &f);
    assert!(finding.message.contains("(connect_info in `addr`)"), "{}", finding.message);

    let mut logged = f.clone();
    logged.ip_sources[0].gates = false;
    logged.ip_sources[0].decides = false;
    logged.ip_sources[0].logged_only = true;
    assert!(rules_hit(&set, &logged).is_empty());

    let mut with_token = f.clone();
    with_token.reaches_headers = vec!["authorization".into()];
    assert!(rules_hit(&set, &with_token).is_empty());

    let signed = Function { verification_gates: true, ..f };
    assert!(rules_hit(&set, &signed).is_empty());
}

#[test]
fn identity_from_header() {
    let set = builtin();
    let f = Function {
        headers_read: vec![deciding_header("x-tenant-id", "tenant", 15)],
        ..function("invoices")
    };
    assert_eq!(rules_hit(&set, &f), vec!["trust/identity-from-header"]);

    let mut logged = f.clone();
    logged.headers_read[0].logged_only = true;
    logged.headers_read[0].decides = false;
    assert!(rules_hit(&set, &logged).is_empty());

    let mut other = f;
    other.headers_read[0].name = "x-request-id".into();
    assert!(rules_hit(&set, &other).is_empty());
}

#[test]
fn logged_secret() {
    let set = builtin();
    let signature = Operand {
        field: "signature".into(),
        ..from("%sig", "request", "header", "x-hub-signature-256")
    };
    let debug = LogCall {
        macro_name: "debug".into(),
        path: "tracing::debug".into(),
        args: vec![signature, plain("delivery")],
        span: span(16),
    };
    let f = Function { logs: vec![debug], ..function("verify") };
    let finding = only_finding(&set, &f);
    assert!(
        finding.message.starts_with(
            "`debug!` writes `signature` (the request header `x-hub-signature-256`) to the output"
        ),
        "{}",
        finding.message
    );

    let mut formatting = f.clone();
    formatting.name = "fmt".into();
    formatting.logs[0].macro_name = "write".into();
    assert!(rules_hit(&set, &formatting).is_empty());

    let mut ok = f;
    ok.logs[0].args = vec![plain("delivery_id"), plain("verified")];
    assert!(rules_hit(&set, &ok).is_empty());
    // A name proves nothing, and an error is public even when the failed call got a secret.
    ok.logs[0].args = vec![sensitive("routing_key"), from("e", "public", "error", "map_err")];
    assert!(rules_hit(&set, &ok).is_empty());
}

#[test]
fn tls_verification_disabled() {
    let set = builtin();
    let danger = Call {
        name: "danger_accept_invalid_certs".into(),
        path: "reqwest::ClientBuilder::danger_accept_invalid_certs".into(),
        is_method: true,
        args: vec!["true".into()],
        span: span(17),
        ..Call::default()
    };
    let f = Function { calls: vec![danger], ..function("client") };
    let finding = only_finding(&set, &f);
    assert!(finding.message.starts_with("`danger_accept_invalid_certs(true)` turns off"));

    let mut off = f.clone();
    off.calls[0].args = vec!["false".into()];
    assert!(rules_hit(&set, &off).is_empty());

    let mut verifier = function("verify_server_cert");
    verifier.trait_name = "ServerCertVerifier".into();
    verifier.calls = vec![
        Call {
            name: "assertion".into(),
            path: "ServerCertVerified::assertion".into(),
            ..Call::default()
        },
        Call { name: "Ok".into(), path: "Ok".into(), ..Call::default() },
    ];
    assert_eq!(rules_hit(&set, &verifier), vec!["tls/verification-disabled"]);
    let mut checking = verifier.clone();
    checking
        .calls
        .push(Call { name: "verify_server_cert_signed_by_trust_anchor".into(), ..Call::default() });
    assert!(rules_hit(&set, &checking).is_empty());
}

fn literal(value: &str, binding: &str, context: &str, callee: &str) -> Literal {
    Literal {
        value: value.into(),
        binding: binding.into(),
        context: context.into(),
        callee: callee.into(),
        span: span(3),
        ..Literal::default()
    }
}

#[test]
fn hardcoded_secret() {
    let set = builtin();
    let mut helper = function("mac");
    helper.literals = vec![Literal {
        flows_to: vec![hooklint_model::LiteralUse {
            kind: "arg".into(),
            callee: "hmac::Hmac::new_from_slice".into(),
            span: span(3),
            ..Default::default()
        }],
        ..literal("k3y-material-42", "", "arg", "hmac::Hmac::new_from_slice")
    }];
    let file = RustFile {
        path: "src/app.rs".into(),
        literals: vec![literal("whsec_5f2b9c0e7a41d3", "WEBHOOK_SECRET", "const", "")],
        functions: vec![helper],
        ..RustFile::default()
    };
    let (findings, problems) = set.check_file(&file);
    assert!(problems.is_empty(), "{problems:#?}");
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(findings.len(), 2, "{messages:#?}");
    assert!(
        messages[0]
            .starts_with("a literal has the format of a provider credential (`WEBHOOK_SECRET`)"),
        "{messages:#?}"
    );
    assert!(
        messages[1].starts_with("a literal becomes argument 1 of `hmac::Hmac::new_from_slice`"),
        "{messages:#?}"
    );
    assert_eq!(findings[0].function, "");
    assert_eq!(findings[1].function, "app::mac");
    for m in messages {
        assert!(!m.contains("whsec") && !m.contains("k3y"), "a secret value leaked: {m}");
    }

    let mut env_fn = function("secret");
    env_fn.literals = vec![
        literal("WEBHOOK_SECRET", "secret", "arg", "std::env::var"),
        literal("changeme", "api_key", "let", ""),
        literal("", "token", "let", ""),
    ];
    let clean = RustFile {
        path: "src/app.rs".into(),
        literals: vec![
            literal("x-hub-signature-256", "SIGNATURE_HEADER", "const", ""),
            literal("users", "CACHE_KEY", "const", ""),
            literal("GITHUB_WEBHOOK_SECRET", "SECRET_VAR_NAME", "const", ""),
            literal("STRIPE_SECRET", "stripe_secret", "let", ""),
            literal("$serde_json::private::Number", "TOKEN", "const", ""),
            literal(".=,[]{} \t#", "TOKEN_START", "const", ""),
            literal("https://slack.com/api/oauth.v2.access", "token", "let", ""),
            literal("abc", "password", "let", ""),
            Literal { is_test: true, ..literal("s3cr3t-value", "SECRET", "const", "") },
        ],
        functions: vec![env_fn],
        ..RustFile::default()
    };
    let (findings, problems) = set.check_file(&clean);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(findings.is_empty(), "{findings:#?}");
}

// ---------------------------------------------------------------------------------------------
// Loading errors
// ---------------------------------------------------------------------------------------------

#[test]
fn a_good_policy_loads() {
    let text =
        format!("{HEADER}violation: fn.is_webhook\nmessage: \"handler {{{{ fn.name }}}}\"\n");
    let set = load_one(&text).unwrap();
    let rules = set.rules();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].source, "p/test.yaml");
    assert_eq!(rules[0].target, Target::RustFunction);
}

#[test]
fn yaml_error_is_positioned() {
    let e = load_err("id: [a\ntitle: x\n");
    assert!(e.message.starts_with("invalid yaml"), "{}", e.message);
    assert!(e.line >= 1);
    assert_eq!(e.path, "p/test.yaml");
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let e = load_err(&format!("{HEADER}violaton: fn.is_webhook\nmessage: m\n"));
    assert_eq!(e.message, "unknown key `violaton` in policy; did you mean `violation`?");
    assert_eq!((e.line, e.column, e.len), (5, 1, 8));
    // The suggestion is the help; the key it suggests is not reported missing as well.
    assert_eq!(e.help, None);
    assert_eq!(
        load_one(&format!("{HEADER}violaton: fn.is_webhook\nmessage: m\n")).err().map(|e| e.len()),
        Some(1)
    );
    let e = load_err(&format!("{HEADER}zzzz: 1\nviolation: fn.is_webhook\nmessage: m\n"));
    assert_eq!(e.message, "unknown key `zzzz` in policy");
    assert!(e.help.is_some_and(|h| h.starts_with("the keys of a policy are `id`")));
}

#[test]
fn cel_syntax_error_in_a_plain_scalar() {
    let e = load_err(&format!("{HEADER}violation: fn.is_webhook && )\nmessage: m\n"));
    assert!(e.message.starts_with("invalid cel in `violation`"), "{}", e.message);
    assert_eq!((e.line, e.column), (5, 29));
}

#[test]
fn cel_syntax_error_in_a_block_scalar() {
    let text = format!("{HEADER}violation: >-\n  fn.is_webhook\n  && fn.verifies ) \nmessage: m\n");
    let e = load_err(&text);
    assert!(e.message.starts_with("invalid cel in `violation`"), "{}", e.message);
    assert_eq!((e.line, e.column), (7, 18));
}

#[test]
fn cel_syntax_error_in_a_message_interpolation() {
    let text =
        format!("{HEADER}violation: fn.is_webhook\nmessage: \"handler {{{{ fn.name + }}}}\"\n");
    let e = load_err(&text);
    assert!(e.message.starts_with("invalid cel in `message`"), "{}", e.message);
    assert_eq!(e.line, 6);
    assert!(e.column > 20, "{e:?}");
}

#[test]
fn unknown_field_suggests_the_right_one() {
    let text =
        format!("{HEADER}violation: >-\n  fn.is_webhook &&\n  fn.compare.size() > 0\nmessage: m\n");
    let e = load_err(&text);
    assert_eq!(e.message, "unknown field fn.compare; did you mean fn.compares? (in `violation`)");
    assert_eq!((e.line, e.column, e.len), (7, 6, 7));
}

#[test]
fn unknown_function_suggests_the_right_one_at_its_name() {
    let text = format!(
        "{HEADER}violation: \"!fn.reaches.exists(c, call_match(c, params.verifiers))\"\nmessage: m\n"
    );
    let e = load_err(&text);
    assert_eq!(
        e.message,
        "unknown function `call_match`; did you mean `call_matches`? (in `violation`)"
    );
    assert_eq!((e.line, e.column, e.len), (5, 35, 10));
    let text = format!("{HEADER}violation: >-\n  fn.name.startWith('x')\nmessage: m\n");
    let e = load_err(&text);
    assert_eq!(
        e.message,
        "unknown method `startWith`; did you mean `startsWith`? (in `violation`)"
    );
    assert_eq!((e.line, e.column, e.len), (6, 11, 9));
    // Declared functions, members of bound names and of comprehension variables, macros.
    let good = format!(
        "{HEADER}violation: >-\n  fn.name.startsWith('x') && size(fn.calls) > 0 &&\n  {}\n  {}\nmessage: m\n",
        "fn.calls.exists(c, c.path.lowerAscii().contains('a') && call_matches(c.path, ['x']))",
        "&& int('1') == 1 && fn.name.split('::').size() > 0"
    );
    assert!(load_one(&good).is_ok(), "{:?}", load_one(&good).err());
}

#[test]
fn unknown_element_field_in_for_each() {
    let text = format!("{HEADER}for_each: fn.compares\nviolation: it.left.sensitiv\nmessage: m\n");
    let e = load_err(&text);
    assert_eq!(
        e.message,
        "unknown field it.left.sensitiv; did you mean it.left.sensitive? (in `violation`)"
    );
    assert_eq!((e.line, e.column), (6, 20));
}

#[test]
fn unknown_variable_and_parameter() {
    let e = load_err(&format!(
        "{HEADER}variables:\n  a: fn.verifies\nviolation: variables.b\nmessage: m\n"
    ));
    assert!(e.message.starts_with("unknown variable variables.b"), "{}", e.message);
    assert_eq!((e.line, e.column), (7, 22));

    let e = load_err(&format!("{HEADER}violation: fn.name in params.verifier\nmessage: m\n"));
    assert!(
        e.message.starts_with("unknown parameter params.verifier; did you mean params.verifiers?"),
        "{}",
        e.message
    );

    let e = load_err(&format!("{HEADER}violation: fnn.is_test\nmessage: m\n"));
    assert!(e.message.starts_with("unknown variable `fnn`; did you mean `fn`?"), "{}", e.message);

    let e = load_err(&format!("{HEADER}violation: it.op == '=='\nmessage: m\n"));
    assert!(e.message.contains("`it` is only bound"), "{}", e.message);
}

#[test]
fn for_each_may_use_target_variables_only() {
    let ok = format!("{HEADER}variables:\n  calls: fn.calls\nfor_each: variables.calls\nviolation: it.name == 'x'\nmessage: m\n");
    let set = load_one(&ok).unwrap();
    let mut f = function("f");
    f.calls = vec![Call { name: "x".into(), ..Call::default() }];
    assert_eq!(set.check_function(&f).0.len(), 1);
    let bad = format!("{HEADER}variables:\n  calls: fn.calls\nfor_each: variables.call\nviolation: \"true\"\nmessage: m\n");
    let e = load_err(&bad);
    assert!(
        e.message.starts_with("unknown variable variables.call; did you mean variables.calls?"),
        "{}",
        e.message
    );
    assert_eq!((e.line, e.column), (7, 21));
}

#[test]
fn duplicate_ids_name_both_files() {
    let text = format!("{HEADER}violation: fn.is_webhook\nmessage: m\n");
    let sources = [
        PolicySource { path: "a/one.yaml".into(), text: text.clone() },
        PolicySource { path: "b/two.yaml".into(), text },
    ];
    let errors = PolicySet::load(&sources, builtin_knowledge()).err().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].path, "b/two.yaml");
    assert!(errors[0].message.contains("a/one.yaml"), "{}", errors[0].message);
    assert_eq!(errors[0].line, 1);
}

#[test]
fn an_unquoted_bang_gets_a_hint() {
    let text = format!("{HEADER}match: !fn.is_test\nviolation: fn.is_webhook\nmessage: m\n");
    match load_one(&text) {
        Ok(_) => panic!("loaded"),
        Err(errors) => {
            let e = &errors[0];
            assert_eq!(e.line, 5, "{e:?}");
            assert!(e.help.as_deref().is_some_and(|h| h.contains("quote")), "{e:?}");
        }
    }
}

#[test]
fn bad_values_are_reported() {
    let e = load_err("id: test/rule\ntitle: t\nseverity: eror\ntarget: rust.function\nviolation: true\nmessage: m\n");
    assert!(e.message.starts_with("unknown severity `eror`"), "{}", e.message);
    assert_eq!(e.help.as_deref(), Some("did you mean `error`?"));
    assert_eq!((e.line, e.column), (3, 11));
    let e =
        load_err("title: t\nseverity: error\ntarget: rust.function\nviolation: true\nmessage: m\n");
    assert_eq!(e.message, "missing required key `id`");
}

// ---------------------------------------------------------------------------------------------
// Evaluation details
// ---------------------------------------------------------------------------------------------

#[test]
fn runtime_error_becomes_a_problem() {
    let text = format!("{HEADER}violation: fn.params[3].name == 'x'\nmessage: m\n");
    let set = load_one(&text).unwrap();
    let (findings, problems) = set.check_function(&function("handler"));
    assert!(findings.is_empty());
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code, ProblemCode::CelRuntimeError);
    assert!(
        problems[0].message.starts_with(
            "rule test/rule failed in `violation` on fn `app::handler` (src/app.rs:10)"
        ),
        "{}",
        problems[0].message
    );
    assert_eq!(problems[0].span, Some(span(10)));
}

#[test]
fn confidence_comes_from_its_expression() {
    let text = format!(
        "{HEADER}violation: \"true\"\nconfidence: \"fn.name == 'weak' ? 'low' : fn.name == 'mid' ? 'medium' : 'high'\"\nprecision: medium\ndocs:\n  confidence: a name alone is low\nmessage: m\n"
    );
    let set = load_one(&text).unwrap();
    let level = |name: &str| {
        let (findings, problems) = set.check_function(&function(name));
        assert!(problems.is_empty(), "{problems:#?}");
        findings[0].confidence
    };
    assert_eq!(level("weak"), Confidence::Low);
    assert_eq!(level("mid"), Confidence::Medium);
    assert_eq!(level("strong"), Confidence::High);
    let info = &set.rules()[0];
    assert_eq!(
        (info.precision.as_str(), info.confidence.as_str()),
        ("medium", "a name alone is low")
    );

    // Without the key every finding is high.
    let set = load_one(&format!("{HEADER}violation: \"true\"\nmessage: m\n")).unwrap();
    assert_eq!(set.check_function(&function("f")).0[0].confidence, Confidence::High);
}

/// A confidence that is not a level, or fails, is a problem; the finding stays, at `high`.
#[test]
fn broken_confidence_never_hides_a_finding() {
    for expr in ["'certain'", "fn.params[3].name", "1"] {
        let text = format!("{HEADER}violation: \"true\"\nconfidence: \"{expr}\"\nmessage: m\n");
        let set = load_one(&text).unwrap();
        let (findings, problems) = set.check_function(&function("handler"));
        assert_eq!(findings.len(), 1, "{expr}");
        assert_eq!(findings[0].confidence, Confidence::High, "{expr}");
        assert_eq!(problems.len(), 1, "{expr}");
        assert_eq!(problems[0].code, ProblemCode::CelRuntimeError);
        assert!(problems[0].message.contains("in `confidence`"), "{}", problems[0].message);
    }
}

#[test]
fn unknown_precision_is_a_load_error() {
    let err = load_err(&format!("{HEADER}violation: \"true\"\nprecision: hihg\nmessage: m\n"));
    assert_eq!(err.message, "unknown precision `hihg`; expected very-high, high, medium or low");
    assert_eq!(err.help.as_deref(), Some("did you mean `high`?"));
    assert_eq!(err.line, 6);
}

#[test]
fn non_bool_violation_is_a_problem() {
    let set = load_one(&format!("{HEADER}violation: fn.name\nmessage: m\n")).unwrap();
    let (_, problems) = set.check_function(&function("handler"));
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].message.ends_with("expected a bool, got string"),
        "{}",
        problems[0].message
    );
}

#[test]
fn failing_variable_is_named() {
    let text = format!("{HEADER}variables:\n  first: fn.calls[0].name\nviolation: variables.first == 'x'\nmessage: m\n");
    let set = load_one(&text).unwrap();
    let (_, problems) = set.check_function(&function("handler"));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].message.contains("in `variables.first`"), "{}", problems[0].message);
}

#[test]
fn interpolation_and_its_failure() {
    let text = format!(
        "{HEADER}violation: \"true\"\nmessage: \"`{{{{ fn.name }}}}` has {{{{ fn.params.size() }}}} params in {{{{ fn.routes[0].path }}}}\"\n"
    );
    let set = load_one(&text).unwrap();
    let (findings, problems) = set.check_function(&function("handler"));
    assert_eq!(findings.len(), 1);
    assert_eq!(
        findings[0].message,
        "`{{ fn.name }}` has {{ fn.params.size() }} params in {{ fn.routes[0].path }}"
    );
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains("in `message`"));

    let ok = format!("{HEADER}violation: \"true\"\nmessage: \"`{{{{ fn.name }}}}` has {{{{ fn.params.size() }}}} params\"\n");
    let set = load_one(&ok).unwrap();
    let (findings, _) = set.check_function(&function("handler"));
    assert_eq!(findings[0].message, "`handler` has 0 params");
}

#[test]
fn span_expression_and_help() {
    let text = format!(
        "{HEADER}violation: \"true\"\nmessage: m\nspan: fn.item_span\nhelp: do the thing\n"
    );
    let set = load_one(&text).unwrap();
    let mut f = function("handler");
    f.item_span = span(40);
    let (findings, _) = set.check_function(&f);
    assert_eq!(findings[0].span, span(40));
    assert_eq!(findings[0].help, "do the thing");
}

#[test]
fn prefilters_are_derived_from_simple_shapes() {
    let set = builtin();
    let p = |id: &str| set.policies.iter().find(|p| p.info.id == id).unwrap();
    let missing = p("webhook/missing-signature-check");
    assert!(missing.prefilter.violation_native);
    // The four clauses of the violation and the one of `match` (a receiver known from more
    // than a manifest's declaration).
    assert_eq!(missing.prefilter.clauses.len(), 5);
    let compare = p("crypto/non-constant-time-compare");
    let compares = Target::RustFunction.schema().lookup("compares").unwrap().0;
    assert_eq!(compare.prefilter.for_each_path.as_ref().map(|(p, _)| p), Some(&compares));
    assert!(compare.prefilter.match_native);
    // A plain function with no facts is decided without building a CEL value.
    let f = function("plain");
    assert!(set
        .policies
        .iter()
        .filter(|p| p.info.target == Target::RustFunction)
        .all(|p| !p.prefilter.admits(&f)));
}

#[test]
fn params_merge_over_knowledge_and_can_be_overridden() {
    let text = format!(
        "{HEADER}params:\n  verifiers: [my_verify]\nviolation: fn.reaches.exists(r, r in params.verifiers)\nmessage: m\n"
    );
    let mut set = load_one(&text).unwrap();
    let mut f = function("handler");
    f.reaches = vec!["my_verify".into()];
    assert_eq!(set.check_function(&f).0.len(), 1);
    f.reaches = vec!["verify_slice".into()];
    assert_eq!(set.check_function(&f).0.len(), 0);
    set.set_param("test/rule", "verifiers", serde_json::json!(["verify_slice"])).unwrap();
    assert_eq!(set.check_function(&f).0.len(), 1);
    assert!(set
        .set_param("test/rule", "verifierz", serde_json::json!([]))
        .unwrap_err()
        .contains("did you mean `verifiers`"));
}

#[test]
fn retain_keeps_and_skips() {
    let mut set = builtin();
    let unknown = set.retain(&["trust/ip-only".into(), "nope/x".into()], &[]);
    assert_eq!(unknown, vec!["nope/x".to_string()]);
    assert_eq!(set.rules().len(), 1);
    let mut set = builtin();
    set.retain(&[], &["trust/ip-only".into()]);
    assert_eq!(set.rules().len(), BUILTIN.len() - 1);
}

#[test]
fn evaluation_is_shareable_across_threads() {
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<PolicySet>();
}

/// The native terms decide ordinary elements without CEL, and never reject a finding.
#[test]
fn native_terms_reject_ordinary_elements() {
    let set = builtin();
    let p = |id: &str| set.policies.iter().find(|p| p.info.id == id).unwrap();
    let f = function("f");
    let eval = |id: &str, it: &dyn Fact| {
        let mut env = native::Env { target: &f, it: Some(it), locals: Vec::new() };
        p(id).native_violation.eval(&mut env)
    };
    let ordinary = Call { name: "push".into(), args: vec!["x".into()], ..Call::default() };
    assert_eq!(eval("tls/verification-disabled", &ordinary), Some(false));
    let danger = Call {
        name: "danger_accept_invalid_certs".into(),
        args: vec!["true".into()],
        ..Call::default()
    };
    assert_ne!(eval("tls/verification-disabled", &danger), Some(false));

    let plain_compare =
        Compare { op: "==".into(), left: plain("a"), right: plain("b"), ..Compare::default() };
    assert_eq!(eval("crypto/non-constant-time-compare", &plain_compare), Some(false));

    let quiet =
        LogCall { macro_name: "info".into(), args: vec![plain("count")], ..LogCall::default() };
    assert_eq!(eval("secrets/logged-secret", &quiet), Some(false));
    let loud = LogCall {
        macro_name: "info".into(),
        args: vec![from("token", "secret", "env", "API_TOKEN")],
        ..LogCall::default()
    };
    assert_eq!(eval("secrets/logged-secret", &loud), Some(true));

    let file = RustFile::default();
    let lit = |l: &Literal| {
        let fl = hooklint_model::FileLiteral { literal: l, function: "" };
        let mut env = native::Env { target: &file, it: Some(&fl), locals: Vec::new() };
        p("secrets/hardcoded-secret").native_violation.eval(&mut env)
    };
    assert_eq!(lit(&literal("unexpected end of input", "", "arg", "Error::new")), Some(false));
    assert_eq!(lit(&literal("users", "CACHE_KEY", "const", "")), Some(false));
    assert_ne!(lit(&literal("whsec_5f2b9c0e7a41d3", "WEBHOOK_SECRET", "const", "")), Some(false));
}

// ---------------------------------------------------------------------------------------------
// The JSON Schema of policy files (docs/schema/policy.schema.json)
// ---------------------------------------------------------------------------------------------

fn policy_schema() -> serde_json::Value {
    let text = include_str!("../../../docs/schema/policy.schema.json");
    serde_json::from_str(text).expect("the policy schema is JSON")
}

fn yaml_to_json(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).expect("a policy is YAML")
}

/// Every shipped policy (built-in and the examples) validates against the schema editors use.
#[test]
fn shipped_policies_validate_against_the_policy_schema() {
    let validator = jsonschema::validator_for(&policy_schema()).expect("the schema compiles");
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/org-policies/policies");
    let mut sources: Vec<(String, String)> =
        BUILTIN.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
    for entry in std::fs::read_dir(&examples).expect("the example policies") {
        let path = entry.expect("an example policy").path();
        let text = std::fs::read_to_string(&path).expect("an example policy");
        sources.push((path.display().to_string(), text));
    }
    assert!(sources.len() > BUILTIN.len(), "no example policies found");
    for (path, text) in sources {
        let errors: Vec<String> = validator
            .iter_errors(&yaml_to_json(&text))
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{path} does not validate:\n{}", errors.join("\n"));
    }
}

/// The schema's keys are the loader's: no key is missing from either, and the required ones
/// are those the loader reports missing.
#[test]
fn the_policy_schema_has_the_loaders_keys() {
    let schema = policy_schema();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().expect("properties").keys().cloned().collect();
        keys.sort();
        keys
    };
    let sorted = |list: &[&str]| {
        let mut list: Vec<String> = list.iter().map(|k| k.to_string()).collect();
        list.sort();
        list
    };
    assert_eq!(keys(&schema["properties"]), sorted(load::KEYS));
    assert_eq!(keys(&schema["properties"]["docs"]["properties"]), sorted(load::DOC_KEYS));
    let mut missing: Vec<String> = Vec::new();
    for text in ["{}", "target: rust.function"] {
        let errors = load_one(text).err().expect("an empty policy is an error");
        missing.extend(errors.into_iter().filter_map(|e| {
            let key = e.message.strip_prefix("missing required key `")?;
            Some(key.trim_end_matches('`').to_string())
        }));
    }
    missing.sort();
    missing.dedup();
    let mut required: Vec<String> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .map(|k| k.as_str().expect("a key").to_string())
        .collect();
    required.sort();
    assert_eq!(required, missing);
}

#[test]
fn the_policy_schema_rejects_what_the_loader_rejects() {
    let validator = jsonschema::validator_for(&policy_schema()).expect("the schema compiles");
    let good = format!("{HEADER}violation: fn.is_webhook\nmessage: m\n");
    assert!(load_one(&good).is_ok());
    assert!(validator.is_valid(&yaml_to_json(&good)));
    for bad in [
        good.replace("violation:", "violaton:"),
        good.replace("severity: error", "severity: fatal"),
        good.replace("target: rust.function", "target: rust.fn"),
        good.replace("id: test/rule", "id: Test"),
        format!("{good}docs:\n  how: x\n"),
        format!("{good}variables:\n  2x: fn.name\n"),
        format!("{good}unsuppressible: yes please\n"),
    ] {
        assert!(load_one(&bad).is_err(), "the loader accepts:\n{bad}");
        assert!(!validator.is_valid(&yaml_to_json(&bad)), "the schema accepts:\n{bad}");
    }
}

/// `notes`: templates as `message` is, in order; one that renders empty is left out; one
/// that fails is a problem and shows as written, and the finding stays.
#[test]
fn notes_are_rendered_under_the_headline() {
    let text = format!(
        "{HEADER}violation: \"true\"\nmessage: \"`{{{{ fn.name }}}}` is wrong\"\nnotes:\n  \
         - \"{{{{ fn.name == 'f' ? 'it is named f' : '' }}}}\"\n  - because `{{{{ fn.name }}}}`\n"
    );
    let set = load_one(&text).unwrap();
    let (findings, problems) = set.check_function(&function("f"));
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(findings[0].message, "`f` is wrong");
    assert_eq!(findings[0].notes, ["it is named f", "because `f`"]);
    let (findings, _) = set.check_function(&function("g"));
    assert_eq!(findings[0].notes, ["because `g`"]);

    // One string is a list of one; a failing note is a problem naming it.
    let text = format!(
        "{HEADER}violation: \"true\"\nmessage: m\nnotes: \"{{{{ fn.params[3].name }}}}\"\n"
    );
    let set = load_one(&text).unwrap();
    let (findings, problems) = set.check_function(&function("f"));
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].notes, ["{{ fn.params[3].name }}"]);
    assert!(problems[0].message.contains("in `notes[0]`"), "{}", problems[0].message);
}

#[test]
fn notes_are_checked_at_load_time() {
    let err = load_err(&format!(
        "{HEADER}violation: \"true\"\nmessage: m\nnotes:\n  - ok\n  - \"{{{{ fn.nmae }}}}\"\n"
    ));
    assert!(err.message.contains("(in `notes[1]`)"), "{}", err.message);
    assert_eq!(err.line, 9);
    let err = load_err(&format!("{HEADER}violation: \"true\"\nmessage: m\nnotes:\n  - [a]\n"));
    assert_eq!(err.message, "`notes[0]` must be a string, found a list");
    assert_eq!(err.line, 8);
    // A parameter read only by a note is read.
    let text = format!(
        "{HEADER}params:\n  limit: 3\nviolation: \"true\"\nmessage: m\nnotes: \"{{{{ params.limit }}}}\"\n"
    );
    let mut set = load_one(&text).unwrap();
    assert!(set.set_param("test/rule", "limit", serde_json::json!(4)).is_ok());
}

/// `paths.exclude`: the rule's default exclusions, each glob checked.
#[test]
fn path_exclusions_are_read_and_checked() {
    let text =
        format!("{HEADER}violation: \"true\"\nmessage: m\npaths:\n  exclude: [\"gen/**\"]\n");
    assert_eq!(load_one(&text).unwrap().rules()[0].exclude, ["gen/**"]);
    let err = load_err(&format!(
        "{HEADER}violation: \"true\"\nmessage: m\npaths:\n  exclude: [\"gen/[x\"]\n"
    ));
    assert!(err.message.starts_with("invalid glob `gen/[x` in `paths.exclude`"), "{}", err.message);
    assert_eq!(err.line, 8);
    let err = load_err(&format!("{HEADER}violation: \"true\"\nmessage: m\npaths:\n  exlude: []\n"));
    assert_eq!(err.message, "unknown key `exlude` in paths; did you mean `exclude`?");
}
