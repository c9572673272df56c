//! The rule fixtures: every built-in policy runs over `fixtures/` and the findings must match
//! the inline `// expect: RULE` markers exactly, per file and line, and the rendered diagnostics
//! of each unit its `insta` snapshot beside it. Also the conventions every rule keeps: fixtures
//! on both sides, complete docs, message style.

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
    let opts = Options {
        paths: vec![unit.to_path_buf()],
        base_dir: Some(root()),
        confidence: hooklint_model::Confidence::Low,
        ..Options::default()
    };
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

/// Every unit the fixture harness runs: each rule's fixtures, then the examples.
fn all_units() -> Vec<PathBuf> {
    let mut all = rule_dirs().into_iter().flat_map(|(_, dir)| units(&dir)).collect::<Vec<_>>();
    all.extend(units(&root().join("fixtures/examples")));
    assert!(all.len() > 20, "fixtures were not found");
    all
}

#[test]
fn every_fixture_matches_its_expectations() {
    let policies = policies();
    let report = mismatches(&all_units(), &policies);
    assert!(report.is_empty(), "fixture expectations do not match:\n{report}");
}

/// What `cargo hooklint check UNIT --color never` prints for a unit, timing left out: every
/// diagnostic with its message, labels, help, line and column, then the summary.
fn rendered(unit: &Path, policies: &PolicySet) -> String {
    let out = check_unit(unit, policies);
    let rules = hooklint_engine::rules(policies);
    let titles: BTreeMap<String, String> =
        rules.iter().map(|r| (r.id.clone(), r.title.clone())).collect();
    let suppressed: Vec<hooklint_report::SuppressedFinding<'_>> = out
        .suppressed
        .iter()
        .map(|s| hooklint_report::SuppressedFinding { finding: &s.finding, reason: &s.reason })
        .collect();
    let report = hooklint_report::Report {
        findings: &out.findings,
        problems: &out.problems,
        files_checked: out.files_checked,
        templates_skipped: out.templates_skipped,
        skipped: &out.skipped,
        duration: std::time::Duration::ZERO,
        suppressed: &suppressed,
        baseline: None,
        outside_diff: None,
        below_confidence: hooklint_report::BelowConfidence::default(),
        excluded: 0,
        sources: &out.sources,
        titles: &titles,
        configuration: None,
    };
    let mut buffer = hooklint_report::termcolor::NoColor::new(Vec::new());
    hooklint_report::human(&mut buffer, &report).expect("rendering to memory cannot fail");
    String::from_utf8(buffer.into_inner()).expect("the human output is UTF-8")
}

/// The snapshot of a unit sits beside it: `bad_x.rs` has `bad_x.rs.snap`, a directory `bad_y`
/// has `bad_y.snap` (as clippy keeps `.stderr` beside each UI test).
fn snapshot_of(unit: &Path) -> (PathBuf, String) {
    let dir = unit.parent().expect("a unit is inside a directory").to_path_buf();
    let name = unit.file_name().and_then(|n| n.to_str()).expect("a unit has a UTF-8 name");
    (dir, name.to_string())
}

/// Each fixture's rendered diagnostics are snapshotted (`insta`), beside the `expect:` markers
/// that state intent: rewording a message, a label or a help, or moving a column, turns this
/// red. A unit without a snapshot fails too; review new ones with `cargo insta review`, or
/// write them with `INSTA_UPDATE=always` and read every one before committing it.
#[test]
fn every_fixture_renders_as_its_snapshot() {
    let policies = policies();
    let mut failed = Vec::new();
    for unit in all_units() {
        let text = rendered(&unit, &policies);
        let (dir, name) = snapshot_of(&unit);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_description(format!("cargo hooklint check {}", relative(&unit)));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(name.as_str(), text));
        }));
        if result.is_err() {
            failed.push(relative(&unit));
        }
    }
    assert!(failed.is_empty(), "rendered diagnostics differ from their snapshots: {failed:#?}");
}

/// A snapshot that belongs to no unit the harness runs (its fixture was removed or renamed) is
/// stale: it tests nothing.
#[test]
fn every_fixture_snapshot_has_its_fixture() {
    let expected: std::collections::BTreeSet<PathBuf> = all_units()
        .iter()
        .map(|unit| {
            let (dir, name) = snapshot_of(unit);
            dir.join(format!("{name}.snap"))
        })
        .collect();
    let mut stale = Vec::new();
    let mut stack = vec![root().join("fixtures")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read fixture directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "snap") && !expected.contains(&path) {
                stale.push(relative(&path));
            }
        }
    }
    stale.sort();
    assert!(stale.is_empty(), "snapshots without a fixture: {stale:#?}");
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

/// Messages read like rustc's: they start lowercase (or with code) and have no trailing period;
/// so do the notes and the secondary labels of a finding. A message is a short headline: a
/// second clause (after `; `) belongs in the notes.
#[test]
fn finding_messages_follow_the_convention() {
    let policies = policies();
    let breaks = |m: &str| {
        m.chars().next().is_none_or(char::is_uppercase) || m.ends_with('.') || m.trim() != m
    };
    let mut report = String::new();
    for dir in ["fixtures/rules", "fixtures/examples"] {
        let output = check_unit(&root().join(dir), &policies);
        assert!(!output.findings.is_empty(), "{dir} has findings");
        for f in &output.findings {
            let messages = std::iter::once(&f.message)
                .chain(&f.notes)
                .chain(f.labels.iter().map(|l| &l.message));
            for m in messages.filter(|m| breaks(m)) {
                let _ = writeln!(report, "{}:{}: {}: {m:?}", f.span.file, f.span.line, f.rule);
            }
            if f.message.contains("; ") {
                let _ = writeln!(
                    report,
                    "{}:{}: {}: a second clause belongs in `notes`: {:?}",
                    f.span.file, f.span.line, f.rule, f.message
                );
            }
            if f.help.trim().is_empty() {
                let _ = writeln!(report, "{}:{}: {} has no help", f.span.file, f.span.line, f.rule);
            }
        }
    }
    assert!(report.is_empty(), "messages break the convention:\n{report}");
}
