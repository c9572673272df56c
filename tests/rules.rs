//! The rule fixtures: every built-in policy runs over `fixtures/` and the findings must match
//! the inline `// expect: RULE` markers exactly, per file and line. Also the conventions every
//! rule keeps: fixtures on both sides, complete docs, message style.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use hooklint_engine::expect::{parse_expectations, Syntax};
use hooklint_engine::{Options, RunOutput, TestOptions};
use hooklint_policy::PolicySet;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn policies() -> PolicySet {
    PolicySet::builtin().unwrap_or_else(|errors| panic!("built-in policies load: {errors:?}"))
}

/// A fixture unit: one file, or one directory analysed as one project.
fn units(dir: &Path) -> Vec<PathBuf> {
    let mut units: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_dir() || is_fixture_file(p))
        .collect();
    units.sort();
    units
}

fn is_fixture_file(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("rs" | "yaml" | "yml" | "json"))
}

fn files_under(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .expect("read fixture directory")
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for entry in entries {
            files_under(&entry, out);
        }
    } else if is_fixture_file(path) {
        out.push(path.to_path_buf());
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

fn check_unit(unit: &Path, policies: &PolicySet) -> RunOutput {
    let opts =
        Options { paths: vec![unit.to_path_buf()], base_dir: Some(root()), ..Options::default() };
    hooklint_engine::run(&opts, policies)
}

/// Runs the units through the runner of `cargo hooklint test` and describes every mismatch;
/// empty when findings and markers (`expect:` and `ok:`) agree.
fn mismatches(units: &[PathBuf], policies: &PolicySet) -> String {
    let opts = TestOptions { base_dir: Some(root()), ..TestOptions::default() };
    let results = hooklint_engine::run_fixture_tests(units, policies, &opts);
    assert_eq!(results.len(), units.len(), "every unit runs as one");
    let mut report = String::new();
    for mismatch in results.iter().flat_map(|r| &r.mismatches) {
        let _ = writeln!(report, "{mismatch}");
    }
    report
}

fn rule_dirs() -> Vec<(String, PathBuf)> {
    let base = root().join("fixtures/rules");
    let mut dirs = Vec::new();
    for category in units(&base).into_iter().filter(|p| p.is_dir()) {
        for rule in units(&category).into_iter().filter(|p| p.is_dir()) {
            let id = relative(&rule).trim_start_matches("fixtures/rules/").to_string();
            dirs.push((id, rule));
        }
    }
    dirs
}

#[test]
fn every_fixture_matches_its_expectations() {
    let policies = policies();
    let mut all = rule_dirs().into_iter().flat_map(|(_, dir)| units(&dir)).collect::<Vec<_>>();
    all.extend(units(&root().join("fixtures/examples")));
    assert!(all.len() > 20, "fixtures were not found");
    let report = mismatches(&all, &policies);
    assert!(report.is_empty(), "fixture expectations do not match:\n{report}");
}

/// A rule without a fixture on each side is untested: at least two positive units (`bad_*`)
/// that expect the rule and two negative units (`good_*`) that do not.
#[test]
fn every_rule_has_positive_and_negative_fixtures() {
    let dirs: BTreeMap<String, PathBuf> = rule_dirs().into_iter().collect();
    let mut report = String::new();
    for rule in policies().rules() {
        let Some(dir) = dirs.get(&rule.id) else {
            let _ = writeln!(report, "{}: no fixtures/rules/{}/ directory", rule.id, rule.id);
            continue;
        };
        let (mut positive, mut negative) = (0, 0);
        for unit in units(dir) {
            let name = unit.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            let mut files = Vec::new();
            files_under(&unit, &mut files);
            let expects_rule = files.iter().any(|file| {
                let text = std::fs::read_to_string(file).unwrap_or_default();
                parse_expectations(&text, Syntax::of_path(file)).0.iter().any(|e| e.rule == rule.id)
            });
            if name.starts_with("bad_") {
                if expects_rule {
                    positive += 1;
                } else {
                    let _ = writeln!(
                        report,
                        "{}: {name} is a positive fixture without an expectation of it",
                        rule.id
                    );
                }
            } else if name.starts_with("good_") {
                if expects_rule {
                    let _ = writeln!(
                        report,
                        "{}: {name} is a negative fixture that expects it",
                        rule.id
                    );
                } else {
                    negative += 1;
                }
            }
        }
        if positive < 2 || negative < 2 {
            let _ = writeln!(
                report,
                "{}: {positive} positive and {negative} negative fixtures, want 2 each",
                rule.id
            );
        }
    }
    assert!(report.is_empty(), "{report}");
}

/// `explain`, the docs and the SARIF help are generated from the policy: it must be complete.
#[test]
fn every_rule_has_complete_docs() {
    let mut report = String::new();
    for rule in policies().rules() {
        for (part, text) in
            [("why", &rule.why), ("fix", &rule.fix), ("bad", &rule.bad), ("good", &rule.good)]
        {
            if text.trim().is_empty() {
                let _ = writeln!(report, "{}: docs.{part} is empty", rule.id);
            }
        }
        if !rule.title.chars().next().is_some_and(char::is_uppercase) {
            let _ = writeln!(report, "{}: title should start with a capital letter", rule.id);
        }
    }
    assert!(report.is_empty(), "{report}");
}

/// Messages read like rustc's: they start lowercase (or with code) and have no trailing period.
#[test]
fn finding_messages_follow_the_convention() {
    let policies = policies();
    let output = check_unit(&root().join("fixtures/rules"), &policies);
    assert!(!output.findings.is_empty());
    let mut report = String::new();
    for f in &output.findings {
        let first = f.message.chars().next().unwrap_or(' ');
        if first.is_uppercase() || f.message.ends_with('.') || f.message.trim() != f.message {
            let _ =
                writeln!(report, "{}:{}: {}: {:?}", f.span.file, f.span.line, f.rule, f.message);
        }
        if f.help.trim().is_empty() {
            let _ = writeln!(report, "{}:{}: {} has no help", f.span.file, f.span.line, f.rule);
        }
    }
    assert!(report.is_empty(), "messages break the convention:\n{report}");
}
