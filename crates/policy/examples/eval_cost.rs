//! Rough cost of evaluating every built-in policy on one function, for the shapes that dominate
//! a run: a function the native prefilters skip, one with ordinary calls, a verifying webhook,
//! and one with something in every list. Per-call times only: how a whole run compares with
//! parsing alone is `scripts/bench`'s job.
//!
//! usage: cargo run --release -p hooklint-policy --example eval_cost [ITERATIONS]

use std::time::Instant;

use hooklint_model::{
    Call, Compare, Function, HeaderRead, Literal, LogCall, Operand, Param, Route, Span,
};
use hooklint_policy::PolicySet;

fn main() {
    let n: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2_000).max(1);
    let set = match PolicySet::builtin() {
        Ok(set) => set,
        Err(errors) => {
            eprintln!("the built-in policies do not load: {errors:?}");
            std::process::exit(1);
        }
    };
    for (label, f) in shapes() {
        let start = Instant::now();
        let mut findings = 0;
        for _ in 0..n {
            findings = set.check_function(&f).0.len();
        }
        println!("{label}: {:?} per function ({findings} findings)", start.elapsed() / n);
    }
}

/// The shapes timed, each a function of `src/app.rs` as the extractor would leave it.
fn shapes() -> Vec<(&'static str, Function)> {
    let at = |line: u32| Span::new("src/app.rs", line, 5, line, 20);
    let value = |text: &str, sensitive: bool| Operand {
        text: text.to_string(),
        sensitive,
        span: at(12),
        ..Operand::default()
    };
    let plain = Function {
        name: "plain".to_string(),
        qualified_name: "app::plain".to_string(),
        module: "app".to_string(),
        file: "src/app.rs".to_string(),
        span: at(10),
        item_span: at(10),
        ..Function::default()
    };
    let ordinary = Function {
        calls: (0..20)
            .map(|i| Call {
                name: format!("call{i}"),
                args: vec!["x".to_string()],
                ..Call::default()
            })
            .collect(),
        compares: vec![Compare {
            op: "==".to_string(),
            left: value("a", false),
            right: value("b", false),
            ..Compare::default()
        }],
        logs: vec![LogCall {
            macro_name: "info".to_string(),
            args: vec![value("n", false)],
            ..LogCall::default()
        }],
        ..plain.clone()
    };
    let receiver = Function {
        is_webhook: true,
        is_handler: true,
        webhook_reasons: vec!["route path /webhooks/github contains \"webhooks\"".to_string()],
        routes: vec![Route {
            method: "POST".to_string(),
            path: "/webhooks/github".to_string(),
            framework: "axum".to_string(),
            ..Route::default()
        }],
        ..ordinary.clone()
    };
    let verifying = Function { verifies: true, ..receiver.clone() };
    let everything = Function {
        params: vec![Param {
            name: "headers".to_string(),
            ty: "HeaderMap".to_string(),
            extractor: "headers".to_string(),
            span: at(10),
            ..Param::default()
        }],
        headers_read: vec![HeaderRead {
            name: "x-hub-signature-256".to_string(),
            binding: "sig".to_string(),
            gates: true,
            span: at(11),
            ..HeaderRead::default()
        }],
        compares: vec![Compare {
            op: "!=".to_string(),
            text: "expected != sig".to_string(),
            left: value("expected", true),
            right: value("sig", true),
            span: at(13),
            ..Compare::default()
        }],
        literals: vec![Literal {
            value: "whsec_5f2b9c0e7a41d3".to_string(),
            binding: "SECRET".to_string(),
            context: "let".to_string(),
            span: at(12),
            ..Literal::default()
        }],
        logs: vec![LogCall {
            macro_name: "debug".to_string(),
            args: vec![value("sig", true)],
            span: at(14),
            ..LogCall::default()
        }],
        ..receiver.clone()
    };
    vec![
        ("prefiltered out (plain fn)", plain),
        ("20 ordinary calls, a plain comparison, a plain log", ordinary),
        ("unverified webhook receiver", receiver),
        ("verifying webhook receiver", verifying),
        ("something in every list", everything),
    ]
}
