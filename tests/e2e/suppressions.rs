//! Inline suppressions end to end: with and without a reason, unused, malformed, on an
//! unsuppressible rule, and the `suppressions` audit list. YAML comments are parsed and
//! unit-tested in the engine; YAML files are not checked yet, so no end-to-end case here.

use super::util::{Project, CLEAN};

/// A function with certificate checks off; `{above}` goes on the line above the call and
/// `{after}` at its end.
fn client(above: &str, after: &str) -> String {
    format!(
        "pub fn client() -> reqwest::Client {{\n    {above}\n    \
         reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap() {after}\n}}\n"
    )
}

fn rules_of(run: &super::util::Run) -> Vec<String> {
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}:{}", f["rule"].as_str().unwrap(), f["line"]))
        .collect()
}

#[test]
fn a_suppression_with_a_reason_silences_the_finding() {
    let project = Project::new();
    project.file(
        "src/lib.rs",
        client("// hooklint: allow(tls/verification-disabled) -- local test server", ""),
    );
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(rules_of(&run).is_empty(), "{run:?}");
    assert_eq!(run.json()["summary"]["suppressed"], 1);
    let human = project.run(&[]);
    assert!(human.stdout.ends_with("0 problems, 1 suppressed\n"), "{}", human.stdout);
}

#[test]
fn trailing_and_item_suppressions_cover_their_line_and_item() {
    let project = Project::new();
    project
        .file("src/a.rs", client("", "// hooklint: allow(tls/verification-disabled) -- trailing"));
    let item = format!(
        "// hooklint: allow(tls/verification-disabled) -- the whole function\n#[inline]\n{}",
        client("let unrelated = 1;", "")
    );
    project.file("src/b.rs", item);
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["summary"]["suppressed"], 2);
}

#[test]
fn a_suppression_without_a_reason_applies_but_warns() {
    let project = Project::new();
    project.file("src/lib.rs", client("// hooklint: allow(tls/verification-disabled)", ""));
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 0, "a warning does not fail by default: {run:?}");
    assert_eq!(rules_of(&run), ["hooklint/suppression-without-reason:2"]);
    assert_eq!(run.json()["findings"][0]["severity"], "warning");
    assert_eq!(run.json()["summary"]["suppressed"], 1);
    assert_eq!(project.run(&["--fail-on", "warning"]).code, 1);
}

#[test]
fn an_unused_suppression_is_reported() {
    let project = Project::new();
    project.file(
        "src/lib.rs",
        format!("// hooklint: allow(crypto/non-constant-time-compare) -- stale\n{CLEAN}"),
    );
    let run = project.run(&["--format", "json"]);
    assert_eq!(rules_of(&run), ["hooklint/unused-suppression:1"]);
    assert_eq!(
        run.json()["findings"][0]["message"],
        "suppression of `crypto/non-constant-time-compare` matches no finding on lines 2-4"
    );
    // A rule that did not run cannot be judged unused.
    let only = project.run(&["--format", "json", "--only", "tls/verification-disabled"]);
    assert!(rules_of(&only).is_empty(), "{only:?}");
}

#[test]
fn malformed_suppressions_suppress_nothing_and_are_reported() {
    let cases = [
        ("// hooklint: alow(tls/verification-disabled) -- typo", "unknown directive `alow`"),
        ("// hooklint allow(tls/verification-disabled) -- r", "expected `:` after `hooklint`"),
        ("// hooklint: allow tls/verification-disabled -- r", "expected `(`"),
        ("// hooklint: allow() -- r", "empty rule list"),
        ("// hooklint: allow(tls/verification-disabld) -- r", "unknown rule"),
        ("// hooklint: allow(tls/verification-disabled) because", "expected `-- reason`"),
    ];
    for (comment, expected) in cases {
        let project = Project::new();
        project.file("src/lib.rs", client(comment, ""));
        let run = project.run(&["--format", "json"]);
        assert_eq!(run.code, 1, "{comment}: the finding stays: {run:?}");
        assert_eq!(
            rules_of(&run),
            ["hooklint/malformed-suppression:2", "tls/verification-disabled:3"],
            "{comment}"
        );
        let message = run.json()["findings"][0]["message"].as_str().unwrap().to_string();
        assert!(message.contains(expected), "{comment}: {message}");
    }
}

#[test]
fn diagnostics_about_suppressions_cannot_be_suppressed() {
    let project = Project::new();
    project.file(
        "src/lib.rs",
        format!(
            "// hooklint: allow(hooklint/unused-suppression) -- quiet\n\
             // hooklint: allow(crypto/non-constant-time-compare) -- stale\n{CLEAN}"
        ),
    );
    let run = project.run(&["--format", "json"]);
    assert_eq!(
        rules_of(&run),
        ["hooklint/unsuppressible-rule:1", "hooklint/unused-suppression:2"],
        "{run:?}"
    );
}

const UNSUPPRESSIBLE: &str = r#"id: org/no-insecure-client
title: Insecure HTTP client
severity: error
target: rust.function
for_each: fn.calls
violation: "it.name == 'danger_accept_invalid_certs'"
message: "`{{ it.name }}` is not allowed in this organisation"
unsuppressible: true
docs:
  why: |
    Certificate checks protect every credential the client sends.
  fix: |
    Remove the call.
"#;

#[test]
fn unsuppressible_rules_ignore_inline_comments() {
    let project = Project::new();
    project.file("org-policies/no-insecure-client.yaml", UNSUPPRESSIBLE).file(
        "src/lib.rs",
        client(
            "// hooklint: allow(org/no-insecure-client, tls/verification-disabled) -- test server",
            "",
        ),
    );
    let run = project.run(&["--format", "json", "--policy", "org-policies", "src"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(rules_of(&run), ["hooklint/unsuppressible-rule:2", "org/no-insecure-client:3"]);
    assert_eq!(
        run.json()["findings"][0]["message"],
        "rule `org/no-insecure-client` is unsuppressible: this comment does not silence it"
    );
    assert_eq!(run.json()["summary"]["suppressed"], 1, "the other rule is still silenced");
    let explain = project.run(&["explain", "hooklint/unsuppressible-rule"]);
    assert_eq!(explain.code, 0);
    assert!(explain.stdout.contains("unsuppressible: inline comments"), "{}", explain.stdout);
}

#[test]
fn the_audit_lists_every_suppression() {
    let project = Project::new();
    project
        .file(
            "src/a.rs",
            client("// hooklint: allow(tls/verification-disabled) -- test server", ""),
        )
        .file("src/b.rs", format!("// hooklint: allow(crypto/non-constant-time-compare)\n{CLEAN}"));
    let run = project.run(&["suppressions"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "src/a.rs:2: allow(tls/verification-disabled) line 3, used -- test server\n\
         src/b.rs:1: allow(crypto/non-constant-time-compare) lines 2-4, unused -- (no reason)\n\
         2 suppressions: 1 unused, 1 without a reason\n"
    );
    let json = project.run(&["suppressions", "--format", "json", "src/a.rs"]).json();
    assert_eq!(
        json,
        serde_json::json!({"version": 1, "suppressions": [{
            "path": "src/a.rs", "line": 2, "rules": ["tls/verification-disabled"],
            "start_line": 3, "end_line": 3, "reason": "test server", "used": true}]})
    );
}

#[test]
fn suppressions_in_an_unparsable_file_are_not_called_unused() {
    let project = Project::new();
    project.file(
        "src/lib.rs",
        "// hooklint: allow(tls/verification-disabled) -- test server\npub fn broken( {\n",
    );
    let run = project.run(&["--format", "json"]);
    assert_eq!(rules_of(&run), Vec::<String>::new(), "{run:?}");
    assert_eq!(run.json()["problems"][0]["code"], "parse-error");
}
