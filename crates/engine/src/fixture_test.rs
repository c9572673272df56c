//! `cargo hooklint test`: runs the loaded policies over fixture files and compares the
//! findings with their inline `expect:` and `ok:` markers (`expect.rs`).
//!
//! A unit is one fixture file, or one directory analysed as one project: a directory holding a
//! `Cargo.toml`, or one named `bad_*`/`good_*` (the fixture naming convention, for files that
//! only make sense together, such as manifests across files). Every rule that runs
//! must match its markers exactly: a finding nobody expected is a mismatch like an expected
//! one that did not come. Rules left out (`--only`/`--skip`) are ignored on both sides.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use hooklint_model::ProblemCode;
use hooklint_policy::PolicySet;

use crate::discover::display_path;
use crate::expect::{compare, parse_markers, Expectation, Syntax};
use crate::{Options, META_RULES};

/// One fixture unit's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitResult {
    /// The unit as reported (relative to the working directory).
    pub name: String,
    /// Empty when findings and markers agree.
    pub mismatches: Vec<Mismatch>,
}

impl UnitResult {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// A disagreement between a fixture's markers and the findings on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub file: String,
    pub line: u32,
    pub kind: MismatchKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MismatchKind {
    /// `expect: RULE` but the rule was not reported on that line.
    Missing { rule: String },
    /// Reported without an `expect:` marker.
    Unexpected { rule: String, message: String },
    /// Reported on a line whose `ok:` marker says it must not be.
    OkViolated { rule: String, message: String },
    /// A marker that cannot be read.
    BadMarker { message: String },
    /// A marker names a rule that is not loaded.
    UnknownRule { rule: String, suggestion: Option<String> },
    /// The fixture could not be checked (parse error, policy run-time error).
    Problem { code: ProblemCode, message: String },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        match &self.kind {
            MismatchKind::Missing { rule } => {
                write!(f, "expected `{rule}`, but it was not reported")
            }
            MismatchKind::Unexpected { rule, message } => {
                write!(f, "unexpected `{rule}`: {message}")
            }
            MismatchKind::OkViolated { rule, message } => {
                write!(f, "marked `ok: {rule}`, but it was reported: {message}")
            }
            MismatchKind::BadMarker { message } => write!(f, "bad marker: {message}"),
            MismatchKind::UnknownRule { rule, suggestion } => {
                write!(f, "marker names unknown rule `{rule}`")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => Ok(()),
                }
            }
            MismatchKind::Problem { code, message } => write!(f, "problem [{code}]: {message}"),
        }
    }
}

/// How to run the fixtures.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    pub jobs: Option<usize>,
    /// Paths are reported relative to it; the current directory when `None`.
    pub base_dir: Option<PathBuf>,
    /// Every loaded rule id, including those left out with `--only`/`--skip`: markers naming
    /// them are known but not checked.
    pub known_rules: Vec<String>,
    /// Directories that are not fixtures (the policy directories, when they sit inside a
    /// fixture tree).
    pub skip_dirs: Vec<PathBuf>,
}

/// Files a unit's markers are read from.
fn is_fixture_file(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("rs" | "yaml" | "yml" | "json"))
}

/// The units under `dir`, sorted: fixture files, and directories with a `Cargo.toml` or named
/// `bad_*`/`good_*`, which are not searched further. `dir` itself is a unit when it is a file or holds a `Cargo.toml`.
pub fn fixture_units(dir: &Path) -> Vec<PathBuf> {
    fixture_units_skipping(dir, &[])
}

fn fixture_units_skipping(dir: &Path, skip: &[PathBuf]) -> Vec<PathBuf> {
    let skip: Vec<PathBuf> = skip.iter().filter_map(|d| d.canonicalize().ok()).collect();
    let mut units = Vec::new();
    collect_units(dir, &mut units, 0, &skip);
    units.sort();
    units
}

fn collect_units(path: &Path, units: &mut Vec<PathBuf>, depth: usize, skip: &[PathBuf]) {
    if path.is_file() {
        if depth == 0 || is_fixture_file(path) {
            units.push(path.to_path_buf());
        }
        return;
    }
    // A bound against symbolic link loops; fixture trees are shallow.
    if depth > 32 || !path.is_dir() {
        return;
    }
    if depth > 0 && path.canonicalize().is_ok_and(|p| skip.contains(&p)) {
        return;
    }
    let named_unit = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("bad_") || n.starts_with("good_"));
    if path.join("Cargo.toml").is_file() || named_unit {
        units.push(path.to_path_buf());
        return;
    }
    for entry in sorted_entries(path) {
        let hidden = entry.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        let build_dir = entry.file_name().is_some_and(|n| n == "target") && entry.is_dir();
        if !hidden && !build_dir {
            collect_units(&entry, units, depth + 1, skip);
        }
    }
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(read) => read.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    };
    entries.sort();
    entries
}

fn files_of(unit: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if unit.is_file() {
        out.push(unit.to_path_buf());
    } else if unit.is_dir() && depth <= 32 {
        for entry in sorted_entries(unit) {
            let skip = entry.file_name().is_some_and(|n| n == "target") && entry.is_dir();
            if skip {
                continue;
            }
            if entry.is_dir() {
                files_of(&entry, out, depth + 1);
            } else if is_fixture_file(&entry) {
                out.push(entry);
            }
        }
    }
}

/// Runs `policies` over every unit under `dirs` and compares with the markers.
pub fn run_fixture_tests(
    dirs: &[PathBuf],
    policies: &PolicySet,
    opts: &TestOptions,
) -> Vec<UnitResult> {
    let base = match &opts.base_dir {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().unwrap_or_default(),
    };
    let running: Vec<String> = policies.rules().into_iter().map(|r| r.id).collect();
    let mut known: Vec<&str> = opts.known_rules.iter().map(String::as_str).collect();
    known.extend(running.iter().map(String::as_str));
    known.extend(META_RULES);
    known.sort_unstable();
    known.dedup();
    let runs = |rule: &str| running.iter().any(|r| r == rule) || META_RULES.contains(&rule);

    let mut results = Vec::new();
    for unit in dirs.iter().flat_map(|d| fixture_units_skipping(d, &opts.skip_dirs)) {
        let run_opts = Options {
            paths: vec![unit.clone()],
            jobs: opts.jobs,
            base_dir: opts.base_dir.clone(),
            known_rules: opts.known_rules.clone(),
            // A fixture states what a rule finds, whatever its confidence.
            confidence: hooklint_model::Confidence::Low,
            ..Options::default()
        };
        let output = crate::run(&run_opts, policies);
        let name = display_path(&unit, &base);
        let mut mismatches = Vec::new();
        for problem in &output.problems {
            let (file, line) = match &problem.span {
                Some(s) => (s.file.to_string(), s.line),
                None => (name.clone(), 0),
            };
            mismatches.push(Mismatch {
                file,
                line,
                kind: MismatchKind::Problem {
                    code: problem.code,
                    message: problem.message.clone(),
                },
            });
        }
        let mut actual: BTreeMap<String, Vec<(u32, String, String)>> = BTreeMap::new();
        for f in &output.findings {
            actual.entry(f.span.file.to_string()).or_default().push((
                f.span.line,
                f.rule.clone(),
                f.message.clone(),
            ));
        }
        let mut files = Vec::new();
        files_of(&unit, &mut files, 0);
        for file in files {
            let shown = display_path(&file, &base);
            let found = actual.remove(&shown).unwrap_or_default();
            let text = match std::fs::read(&file) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(err) => {
                    let message = crate::discover::io_message(&err);
                    let kind = MismatchKind::Problem { code: ProblemCode::IoError, message };
                    mismatches.push(Mismatch { file: shown, line: 0, kind });
                    continue;
                }
            };
            compare_file(&shown, &text, &file, found, &known, &runs, &mut mismatches);
        }
        for (file, found) in actual {
            for (line, rule, message) in found {
                let kind = MismatchKind::Unexpected { rule, message };
                mismatches.push(Mismatch { file: file.clone(), line, kind });
            }
        }
        mismatches.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        results.push(UnitResult { name, mismatches });
    }
    results
}

fn compare_file(
    shown: &str,
    text: &str,
    path: &Path,
    found: Vec<(u32, String, String)>,
    known: &[&str],
    runs: &dyn Fn(&str) -> bool,
    out: &mut Vec<Mismatch>,
) {
    let markers = parse_markers(text, Syntax::of_path(path));
    let mismatch = |line, kind| Mismatch { file: shown.to_string(), line, kind };
    for e in markers.errors {
        out.push(mismatch(e.line, MismatchKind::BadMarker { message: e.message }));
    }
    let check = |list: Vec<Expectation>, out: &mut Vec<Mismatch>| -> Vec<Expectation> {
        let mut kept = Vec::new();
        for e in list {
            if !known.contains(&e.rule.as_str()) {
                let suggestion = suggest(&e.rule, known);
                out.push(mismatch(e.line, MismatchKind::UnknownRule { rule: e.rule, suggestion }));
            } else if runs(&e.rule) {
                kept.push(e);
            }
        }
        kept
    };
    let expected = check(markers.expect, out);
    let ok = check(markers.ok, out);
    let comparison = compare(&expected, &found);
    for m in comparison.missing {
        out.push(mismatch(m.line, MismatchKind::Missing { rule: m.rule }));
    }
    for (u, message) in comparison.unexpected {
        let kind = if ok.contains(&u) {
            MismatchKind::OkViolated { rule: u.rule, message }
        } else {
            MismatchKind::Unexpected { rule: u.rule, message }
        };
        out.push(mismatch(u.line, kind));
    }
}

fn suggest(name: &str, known: &[&str]) -> Option<String> {
    hooklint_model::suggest::did_you_mean(name, known).map(str::to_string)
}

/// `N passed, M failed` over units.
pub fn summary(results: &[UnitResult]) -> String {
    let passed = results.iter().filter(|r| r.passed()).count();
    format!("{passed} passed, {} failed", results.len() - passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::{write, write_files};

    const CLIENT: &str = "pub fn client() -> reqwest::Client {\n    \
        reqwest::Client::builder()\n        \
        .danger_accept_invalid_certs(true) // expect: tls/verification-disabled\n        \
        .build()\n        .unwrap()\n}\n";

    #[test]
    fn units_are_files_and_crates() {
        let dir = tempfile::tempdir().unwrap();
        write_files(
            dir.path(),
            &[
                ("a.rs", ""),
                ("notes.txt", ""),
                ("sub/b.rs", ""),
                ("krate/Cargo.toml", ""),
                ("krate/src/lib.rs", ""),
                ("bad_pair/a.yaml", ""),
                ("bad_pair/b.yaml", ""),
            ],
        );
        let units: Vec<String> =
            fixture_units(dir.path()).iter().map(|u| display_path(u, dir.path())).collect();
        assert_eq!(units, ["a.rs", "bad_pair", "krate", "sub/b.rs"]);
    }

    #[test]
    fn matching_markers_pass_and_mismatches_are_named() {
        let dir = tempfile::tempdir().unwrap();
        write_files(
            dir.path(),
            &[
                ("good.rs", CLIENT),
                ("missing.rs", "fn f() {} // expect: tls/verification-disabled\n"),
                ("ok.rs", &CLIENT.replace("expect:", "ok:")),
                ("typo.rs", "fn f() {} // expect: tls/verification-disable\n"),
            ],
        );
        let policies = PolicySet::builtin().unwrap();
        let opts =
            TestOptions { base_dir: Some(dir.path().to_path_buf()), ..TestOptions::default() };
        let results = run_fixture_tests(&[dir.path().to_path_buf()], &policies, &opts);
        let lines: Vec<String> =
            results.iter().flat_map(|r| r.mismatches.iter().map(|m| m.to_string())).collect();
        assert_eq!(
            lines,
            [
                "missing.rs:1: expected `tls/verification-disabled`, but it was not reported",
                "ok.rs:3: marked `ok: tls/verification-disabled`, but it was reported: \
                 `danger_accept_invalid_certs(true)` turns off certificate verification",
                "typo.rs:1: marker names unknown rule `tls/verification-disable`; did you mean \
                 `tls/verification-disabled`?",
            ],
            "{lines:#?}"
        );
        assert_eq!(summary(&results), "1 passed, 3 failed");
    }

    #[test]
    fn rules_left_out_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("a.rs"), "fn f() {} // expect: tls/verification-disabled\n");
        let mut policies = PolicySet::builtin().unwrap();
        let known: Vec<String> = policies.rules().into_iter().map(|r| r.id).collect();
        policies.retain(&["trust/ip-only".to_string()], &[]);
        let opts = TestOptions {
            base_dir: Some(dir.path().to_path_buf()),
            known_rules: known,
            ..TestOptions::default()
        };
        let results = run_fixture_tests(&[dir.path().to_path_buf()], &policies, &opts);
        assert!(results.iter().all(UnitResult::passed), "{results:?}");
    }
}
