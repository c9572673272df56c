//! `--format sarif|github|gitlab|junit|json` and `--output`: snapshots of a sample project with a finding,
//! a suppressed finding, a suppression diagnostic and a parse error, and SARIF validated
//! against the SARIF 2.1.0 JSON schema (`tests/schemas/sarif-2.1.0.json`, the OASIS schema).

use super::util::{Project, CLEAN, WEBHOOK};

const DESCRIPTION: &str = "the sample project of tests/e2e/formats.rs: findings, an inline \
                           suppression with a reason, one without, and a parse error";

const SCHEMA: &str = include_str!("../schemas/sarif-2.1.0.json");

fn sample() -> Project {
    let project = Project::new();
    let webhook = WEBHOOK
        .replace(
            "const WEBHOOK_SECRET",
            "// hooklint: allow(secrets/hardcoded-secret) -- test key, never deployed\n\
             const WEBHOOK_SECRET",
        )
        .replace(
            "reqwest::Client::builder()",
            "// hooklint: allow(tls/verification-disabled)\n    reqwest::Client::builder()",
        );
    project
        .file("src/lib.rs", CLEAN)
        .file("src/webhook.rs", webhook)
        .file("src/broken.rs", "pub fn broken( {\n");
    project
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            description => DESCRIPTION,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

fn without_version(text: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    text.replace(&format!("\"{version}\""), "\"[version]\"")
        .replace(&format!("/v{version}/"), "/v[version]/")
}

/// The OASIS schema's `run.language` pattern has a stray `]` that ECMA-262 tolerates but the
/// validator's meta-schema check rejects as a regex; it is replaced in memory by the pattern
/// the schema means, two letters with an optional two-letter region. The shipped file stays
/// byte for byte the published one.
fn validator() -> jsonschema::Validator {
    const BROKEN: &str = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    const MEANT: &str = r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#;
    assert!(SCHEMA.contains(BROKEN), "the schema changed: review the workaround");
    let schema: serde_json::Value =
        serde_json::from_str(&SCHEMA.replace(BROKEN, MEANT)).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

pub(super) fn validate(log: &serde_json::Value) {
    let validator = validator();
    let errors: Vec<String> =
        validator.iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not validate:\n{}", errors.join("\n"));
}

#[test]
fn the_schema_rejects_invalid_sarif() {
    // Guards against a validator or schema that accepts anything.
    let validator = validator();
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]});
    assert!(!validator.is_valid(&bad));
    let bad_level = serde_json::json!({"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "x"}},
        "results": [{"message": {"text": "m"}, "level": "fatal"}]}]});
    assert!(!validator.is_valid(&bad_level));
}

#[test]
fn sarif_validates_and_lists_every_rule_with_help() {
    let project = sample();
    let run = project.run(&["--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = run.json();
    validate(&log);

    // `rules` lists the engine's `hooklint/*` rules after the policies, as SARIF does.
    let listed = project.run(&["rules", "--format", "json"]).json();
    let expected: Vec<String> = listed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let engine_rules = [
        "hooklint/malformed-suppression",
        "hooklint/suppression-without-reason",
        "hooklint/unused-suppression",
        "hooklint/unsuppressible-rule",
        "hooklint/new-suppression",
    ];
    assert!(expected.ends_with(&engine_rules.map(String::from)), "{expected:?}");
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, expected);
    for rule in rules {
        for field in ["text", "markdown"] {
            let help = rule["help"][field].as_str().unwrap_or_default();
            assert!(help.len() > 40, "{}: thin help {field}: {help}", rule["id"]);
        }
        assert!(!rule["shortDescription"]["text"].as_str().unwrap().is_empty());
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
    }

    let results = log["runs"][0]["results"].as_array().unwrap();
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    let suppressed: Vec<&serde_json::Value> =
        results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), 2);
    assert_eq!(suppressed[0]["suppressions"][0]["justification"], "test key, never deployed");
}

#[test]
fn sarif_output() {
    let run = sample().run(&["--format", "sarif", "--only", "tls/verification-disabled"]);
    validate(&run.json());
    snapshot!("sarif_output", without_version(&run.transcript()));
}

#[test]
fn github_output() {
    let run = sample().run(&["--format", "github"]);
    snapshot!("github_output", run.transcript());
}

#[test]
fn gitlab_code_quality_output() {
    let run = sample().run(&["--format", "gitlab"]);
    assert_eq!(run.code, 1, "{run:?}");
    let issues = run.json();
    let fingerprints: std::collections::BTreeSet<&str> =
        issues.as_array().unwrap().iter().filter_map(|i| i["fingerprint"].as_str()).collect();
    assert_eq!(fingerprints.len(), issues.as_array().unwrap().len(), "fingerprints are unique");
    snapshot!("gitlab_output", run.transcript());
}

#[test]
fn junit_output() {
    let run = sample().run(&["--format", "junit"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
    snapshot!("junit_output", run.transcript());
    let clean = Project::new();
    clean.file("src/lib.rs", CLEAN);
    let run = clean.run(&["--format", "junit"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains(r#"<testcase name="no findings" classname="hooklint"/>"#));
}

#[test]
fn json_output_with_suppressions_and_a_baseline() {
    let project = sample();
    project.file("src/extra.rs", "pub fn c() -> reqwest::Client {\n    reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap()\n}\n");
    let written =
        project.run(&["--only", "tls/verification-disabled", "--write-baseline", "b.json"]);
    // 1: the sample's unparsable file makes the run incomplete; the baseline is still written.
    assert_eq!(written.code, 1, "{written:?}");
    project.file("src/extra.rs", CLEAN);
    let run = project.run(&["--format", "json", "--baseline", "b.json"]);
    snapshot!("json_output_gated", run.transcript());
}

#[test]
fn output_writes_the_report_and_keeps_human_output_on_the_terminal() {
    let project = sample();
    let run = project.run(&["--format", "sarif", "--output", "out/hooklint.sarif"]);
    assert_eq!(run.code, 2, "a missing directory is a usage error: {run:?}");
    assert!(run.stderr.contains("cannot write `out/hooklint.sarif`"), "{}", run.stderr);

    let run = project.run(&["--format", "sarif", "--output", "hooklint.sarif"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("error[crypto/non-constant-time-compare]"), "{}", run.stdout);
    assert!(run.stdout.contains(", 2 suppressed"), "{}", run.stdout);
    let text = std::fs::read_to_string(project.path().join("hooklint.sarif")).unwrap();
    let log: serde_json::Value = serde_json::from_str(&text).unwrap();
    validate(&log);

    let run = project.run(&["--format", "github", "-o", "annotations.txt", "--color", "always"]);
    let text = std::fs::read_to_string(project.path().join("annotations.txt")).unwrap();
    assert!(text.starts_with("::error file=src/webhook.rs,"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour in files: {text}");
    assert!(run.stdout.contains('\u{1b}'), "the terminal keeps its colour");
}
