//! Baselines: findings keep their fingerprint when lines move, new ones still fail, fixed
//! entries are counted.

use super::util::{Project, WEBHOOK};

const NEW_VIOLATION: &str = "\npub fn other_client() -> reqwest::Client {\n    \
    reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap()\n}\n";

#[test]
fn baselined_findings_survive_moved_lines_and_new_ones_fail() {
    let project = Project::new();
    project.file("src/webhook.rs", WEBHOOK);
    let first = project.run(&["--format", "json"]);
    assert_eq!(first.code, 1);
    let found = first.json()["summary"]["findings"].as_u64().unwrap();
    assert!(found >= 3, "{first:?}");

    let written = project.run(&["--write-baseline", "hooklint-baseline.json"]);
    assert_eq!(written.code, 0, "{written:?}");
    assert!(written.stderr.contains("wrote baseline `hooklint-baseline.json`"), "{written:?}");
    // A low-confidence finding is baselined too, and counted below the threshold.
    assert!(written.stdout.contains(&format!("{found} baselined (0 fixed)")), "{written:?}");
    let file = std::fs::read_to_string(project.path().join("hooklint-baseline.json")).unwrap();
    let baseline: serde_json::Value = serde_json::from_str(&file).unwrap();
    assert_eq!(baseline["version"], 1);
    // Baselines do not depend on confidence: findings below the threshold are baselined too.
    let below = first.json()["summary"]["below_confidence"].as_u64().unwrap_or(0);
    assert_eq!(baseline["findings"].as_array().unwrap().len() as u64, found + below);
    assert!(!file.contains("\"line\""), "no line numbers in a baseline:\n{file}");

    // Blank lines and a new function above every finding move them all.
    let moved = WEBHOOK.replacen(
        "use axum",
        "\n\n\npub fn unrelated(a: u32) -> u32 {\n    a * 2\n}\n\n\nuse axum",
        1,
    );
    project.file("src/webhook.rs", &moved);
    let run = project.run(&["--baseline", "hooklint-baseline.json", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let json = run.json();
    assert_eq!(json["findings"], serde_json::json!([]));
    assert_eq!(json["summary"]["baselined"].as_u64(), Some(found + below));
    assert_eq!(json["summary"]["fixed"], 0);

    project.file("src/webhook.rs", format!("{moved}{NEW_VIOLATION}"));
    let run = project.run(&["--baseline", "hooklint-baseline.json", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let findings = run.json()["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "tls/verification-disabled");
    assert_eq!(findings[0]["function"], "webhook::other_client");
}

#[test]
fn fixed_entries_are_counted_in_the_summary() {
    let project = Project::new();
    project.file("src/webhook.rs", WEBHOOK);
    assert_eq!(project.run(&["--write-baseline", "b.json"]).code, 0);
    let fixed = WEBHOOK.replace(".danger_accept_invalid_certs(true)", "");
    project.file("src/webhook.rs", fixed);
    let run = project.run(&["--baseline", "b.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.ends_with(" baselined (1 fixed)\n"), "{}", run.stdout);
    // Entries of rules that did not run are not called fixed.
    let run = project.run(&["--baseline", "b.json", "--only", "crypto/non-constant-time-compare"]);
    assert!(run.stdout.ends_with("1 baselined (0 fixed)\n"), "{}", run.stdout);
}

#[test]
fn bad_baseline_files_are_usage_errors() {
    let project = Project::new();
    project.file("src/lib.rs", WEBHOOK).file("old.json", "{\"version\": 7, \"findings\": []}");
    let run = project.run(&["--baseline", "missing.json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.starts_with("error: cannot read baseline `missing.json`"), "{run:?}");
    let run = project.run(&["--baseline", "old.json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("baseline version 7 is not supported"), "{run:?}");
}

#[test]
fn suppressed_and_baselined_findings_never_fail() {
    let project = Project::new();
    project.file("src/webhook.rs", WEBHOOK);
    assert_eq!(project.run(&["--write-baseline", "b.json"]).code, 0);
    for level in ["error", "warning", "note"] {
        let run = project.run(&["--baseline", "b.json", "--fail-on", level]);
        assert_eq!(run.code, 0, "--fail-on {level}: {run:?}");
    }
}
