//! Confidence: a policy's `confidence` expression, the `--confidence` threshold and the
//! `confidence` key of hooklint.toml, and how each output shows it.

use super::util::Project;

/// Every `danger()` call is a finding; the fn's name says how sure the rule is of it.
const RULE: &str = r#"id: org/danger
title: Dangerous call
severity: error
target: rust.function
precision: medium
violation: fn.calls.exists(c, c.name == 'danger')
confidence: >-
  fn.name.startsWith('maybe') ? 'low' : fn.name.startsWith('likely') ? 'medium' : 'high'
message: "`{{ fn.name }}` calls `danger`"
docs:
  why: A test rule.
  confidence: The name of the fn decides it.
"#;

const CODE: &str = "pub fn certain() {
    danger();
}

pub fn likely_bad() {
    danger();
}

pub fn maybe_bad() {
    danger();
}

// hooklint: allow(org/danger) -- reviewed
pub fn maybe_silenced() {
    danger();
}
";

fn project() -> Project {
    let project = Project::new();
    project.file("policies/danger.yaml", RULE).file("src/lib.rs", CODE);
    project
}

fn rules_and_levels(json: &serde_json::Value) -> Vec<(String, String)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (f["function"].as_str().unwrap().to_string(), f["confidence"].as_str().unwrap().into())
        })
        .collect()
}

#[test]
fn medium_is_the_default_threshold_and_low_findings_are_counted() {
    let project = project();
    let run = project.run(&["--policy", "policies", "--only", "org/danger", "src"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stdout.contains("= confidence: medium"), "{}", run.stdout);
    assert_eq!(run.stdout.matches("= confidence:").count(), 1, "high is not noted");
    assert!(!run.stdout.contains("maybe_bad"), "{}", run.stdout);
    // The suppression silenced a finding below the threshold: it is used, not reported.
    assert!(!run.stdout.contains("unused-suppression"), "{}", run.stdout);
    assert!(
        run.stdout.ends_with(
            "checked 1 file in 0.00s: 2 errors, 0 warnings, 0 notes, 0 problems, 1 suppressed, \
             1 below medium confidence (`--confidence low` shows them)\n"
        ),
        "{}",
        run.stdout
    );

    let json = project.run(&["--policy", "policies", "--only", "org/danger", "--format", "json"]);
    assert_eq!(
        rules_and_levels(&json.json()),
        [("certain".into(), "high".into()), ("likely_bad".into(), "medium".into())]
    );
    assert_eq!(json.json()["summary"]["below_confidence"], 1);
}

#[test]
fn the_flag_and_the_configuration_set_the_threshold() {
    let project = project();
    let count = |args: &[&str]| {
        let mut all = vec!["--policy", "policies", "--only", "org/danger", "--format", "json"];
        all.extend_from_slice(args);
        let run = project.run(&all);
        (run.code, run.json()["findings"].as_array().unwrap().len())
    };
    assert_eq!(count(&["--confidence", "high"]), (1, 1));
    assert_eq!(count(&["--confidence", "low"]), (1, 3));
    project.file("hooklint.toml", "confidence = \"low\"\n");
    assert_eq!(count(&[]), (1, 3));
    assert_eq!(count(&["--confidence", "high"]), (1, 1), "the flag wins");
    project.file("hooklint.toml", "confidence = \"certain\"\n");
    let run = project.run(&["--policy", "policies", "src"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("unknown level `certain` for `confidence`"), "{}", run.stderr);
}

#[test]
fn findings_below_the_threshold_never_fail_the_run() {
    let project = Project::new();
    project
        .file("policies/danger.yaml", RULE)
        .file("src/lib.rs", "pub fn maybe() {\n    danger();\n}\n");
    let run = project.run(&["--policy", "policies", "--only", "org/danger"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let run = project.run(&["--policy", "policies", "--only", "org/danger", "--confidence", "low"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
}

#[test]
fn a_baseline_records_hidden_findings_too() {
    let project = project();
    let base = ["--policy", "policies", "--only", "org/danger"];
    let written = project.run(&[&base[..], &["--write-baseline", "b.json"]].concat());
    assert_eq!(written.code, 0, "{}", written.transcript());
    let file = std::fs::read_to_string(project.path().join("b.json")).unwrap();
    let baseline: serde_json::Value = serde_json::from_str(&file).unwrap();
    assert_eq!(baseline["findings"].as_array().unwrap().len(), 3, "{file}");
    let run = project.run(&[&base[..], &["--baseline", "b.json", "--confidence", "low"]].concat());
    assert_eq!(run.code, 0, "{}", run.transcript());
}

#[test]
fn sarif_ranks_and_github_titles_carry_the_confidence() {
    let project = project();
    let base = ["--policy", "policies", "--only", "org/danger", "--confidence", "low"];
    let sarif = project.run(&[&base[..], &["--format", "sarif"]].concat()).json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let ranks: Vec<(f64, &str)> = results
        .iter()
        .filter(|r| r.get("suppressions").is_none())
        .map(|r| (r["rank"].as_f64().unwrap(), r["properties"]["confidence"].as_str().unwrap()))
        .collect();
    assert_eq!(ranks, [(90.0, "high"), (60.0, "medium"), (30.0, "low")]);
    let rule = &sarif["runs"][0]["tool"]["driver"]["rules"];
    let ours = rule.as_array().unwrap().iter().find(|r| r["id"] == "org/danger").unwrap();
    assert_eq!(ours["properties"]["precision"], "medium");

    let github = project.run(&[&base[..], &["--format", "github"]].concat());
    // `:` is escaped in a workflow command's property.
    assert!(github.stdout.contains("title=org/danger (confidence%3A low)::"), "{}", github.stdout);
    assert!(github.stdout.contains("title=org/danger::`certain`"), "{}", github.stdout);

    let explain = project.run(&["explain", "org/danger", "--policy", "policies"]);
    assert!(explain.stdout.contains("precision: medium"), "{}", explain.stdout);
    assert!(
        explain.stdout.contains("confidence:\n  The name of the fn decides it."),
        "{}",
        explain.stdout
    );
}
