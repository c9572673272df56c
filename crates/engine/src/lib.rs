//! hooklint's engine: file discovery, the parallel pipeline, and the run's results.
//!
//! The engine is the only library crate that touches the file system: it finds the files,
//! reads them, hands their text to the extractor and the facts to the policies, and returns
//! everything the report crate needs to render the run without further I/O.
//!
//! Architecture invariant: the engine never prints. Anything that goes wrong with one input
//! (unreadable, not UTF-8, too large, unparsable, a bug in an extractor or a policy) becomes a
//! `Problem` and the run goes on.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use hooklint_model::{Confidence, Finding, Knowledge, Problem, RuleInfo, RustFile, Severity};
use hooklint_policy::PolicySet;

mod baseline;
pub mod config;
mod diff;
mod discover;
pub mod expect;
mod fingerprint;
mod fixture_test;
mod foreign;
mod gate;
mod load;
mod meta_rules;
mod packages;
mod pipeline;
mod policy_dir;
pub mod project;
mod secrets;
mod suppress;
pub mod tree;
pub mod watch;
mod workspace;

#[cfg(test)]
pub(crate) mod test_support {
    use std::path::{Path, PathBuf};

    /// Writes `text` to `path`, creating the folders it needs.
    pub fn write(path: &Path, text: &str) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }

    /// Writes a tree under `root`: each file as (path relative to `root`, text).
    pub fn write_files(root: &Path, files: &[(&str, &str)]) {
        for (path, text) in files {
            write(&root.join(path), text);
        }
    }

    /// A temporary folder holding `files` (as [`write_files`] takes them), and its canonical
    /// path; the folder is removed when the first value is dropped.
    pub fn tree(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        write_files(&root, files);
        (dir, root)
    }
}

pub use baseline::{Baseline, BaselineEntry, BASELINE_VERSION};
pub use diff::{ChangedLines, DiffError, FileChange};
pub use discover::FileKind;
pub use fingerprint::{fnv1a64, normalise_line};
pub use fixture_test::{
    fixture_units, run_fixture_tests, summary as test_summary, Mismatch, MismatchKind, TestOptions,
    UnitResult,
};
pub use hooklint_manifest::Redactor;
pub use meta_rules::META_RULES;
pub use pipeline::STACK_SIZE;
pub use policy_dir::policy_sources;
pub use secrets::secret_values;
pub use suppress::{SuppressedFinding, Suppression};

/// Files larger than this are reported as `too-large` instead of parsed.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// What to check and how.
#[derive(Debug)]
pub struct Options {
    /// Files and directories to check; the current directory when empty. Named files are
    /// always checked, even when ignored or not ending in `.rs`.
    pub paths: Vec<PathBuf>,
    /// Worker threads; rayon's default (one per core) when `None`.
    pub jobs: Option<usize>,
    pub max_file_size: u64,
    /// Follow symbolic links while walking directories (loops become `io-error` problems).
    pub follow_links: bool,
    /// Absolute paths under this directory are reported relative to it; the process's
    /// current directory when `None`.
    pub base_dir: Option<PathBuf>,
    /// Fingerprints name paths relative to this directory (the workspace or crate root, see
    /// [`project::Plan::root`]); relative to `base_dir` when `None`.
    pub fingerprint_root: Option<PathBuf>,
    /// Rule ids that exist but do not run (left out with `--only`/`--skip`): suppressions
    /// naming them are neither unknown nor unused.
    pub known_rules: Vec<String>,
    /// Findings whose fingerprint is in it are reported as baselined, not as findings.
    pub baseline: Option<Baseline>,
    /// Only findings touching these lines are reported (`--new-since`).
    pub new_since: Option<ChangedLines>,
    /// Files found by walking a directory are kept only when the configuration's `include`
    /// and `exclude` globs select them; named files are always checked.
    pub select: Option<config::Config>,
    /// Gate mode: check every file git tracks in this tree (under `paths`), whatever ignore
    /// files say, and the targets of `#[path]` and `include!` that stay inside it.
    pub gate: Option<tree::Tree>,
    /// The flight record of a supervised run (see `watch.rs`).
    pub watch: Option<watch::Watch>,
    /// Stack size of the worker threads ([`STACK_SIZE`]); smaller only to test what happens
    /// when a worker overflows it anyway.
    pub stack_size: usize,
    /// When set, findings are reported only in these paths (relative to the base directory,
    /// `/`-separated): the index is built from every file found, the report covers the named
    /// ones (see [`project::Plan`]).
    pub scope: Option<Vec<String>>,
    /// Directories never walked: the project's policy and fixture folders, whose files are
    /// rules and deliberately bad examples, not the project's code or manifests. Files named
    /// on the command line are still checked.
    pub skip_dirs: Vec<PathBuf>,
    /// Counts files as they are read and parsed, for a progress display; the engine itself
    /// never prints.
    pub progress: Option<std::sync::Arc<Progress>>,
    /// Findings below this confidence are not reported (`--confidence`); they are kept in
    /// [`RunOutput::below_confidence`].
    pub confidence: Confidence,
    /// Walk into code the project does not own too: `vendor/` and `third_party/` folders and
    /// crates that are not members of the checked workspace (`include-foreign`). When false
    /// they are skipped and listed in [`RunOutput::skipped`].
    pub include_foreign: bool,
}

impl Options {
    fn rebase(&self) -> fingerprint::Rebase<'_> {
        fingerprint::Rebase {
            base: self.base_dir.as_deref(),
            root: self.fingerprint_root.as_deref(),
        }
    }
}

/// How far a run is: files found and files read and parsed so far (the slow part), and
/// whether the run is over.
#[derive(Debug, Default)]
pub struct Progress {
    pub total: std::sync::atomic::AtomicUsize,
    pub done: std::sync::atomic::AtomicUsize,
    pub finished: std::sync::atomic::AtomicBool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            paths: Vec::new(),
            jobs: None,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            follow_links: false,
            base_dir: None,
            fingerprint_root: None,
            known_rules: Vec::new(),
            baseline: None,
            new_since: None,
            select: None,
            gate: None,
            watch: None,
            stack_size: STACK_SIZE,
            scope: None,
            skip_dirs: Vec::new(),
            progress: None,
            confidence: Confidence::Medium,
            include_foreign: false,
        }
    }
}

/// Everything a run produced, sorted deterministically.
#[derive(Debug, Default)]
pub struct RunOutput {
    /// Sorted by path, line, column, rule, message. What the run reports: not suppressed, not
    /// in the baseline, and on a changed line with `new_since`.
    pub findings: Vec<Finding>,
    /// Findings an inline comment silenced, sorted.
    pub suppressed: Vec<SuppressedFinding>,
    /// Every well-formed inline suppression in the files checked, in path and line order.
    pub suppressions: Vec<Suppression>,
    /// Findings the baseline accepted, sorted.
    pub baselined: Vec<Finding>,
    /// Baseline entries of files and rules this run checked that matched no finding.
    pub fixed: Vec<BaselineEntry>,
    /// Findings left out because no line of theirs changed (`new_since`).
    pub outside_diff: usize,
    /// Suppression comments on lines the change adds or edits (`new_since`), each also
    /// reported as a `hooklint/new-suppression` finding.
    pub added_suppressions: usize,
    /// Findings left out because their confidence is below [`Options::confidence`], sorted.
    /// Not reported and not counted for the exit code; a baseline written by the run still
    /// records them, so lowering the threshold later shows no old finding as new.
    pub below_confidence: Vec<Finding>,
    /// Findings left out because their rule excludes their path (a policy's `paths.exclude`,
    /// `[rules."ID"] exclude` in the configuration), sorted. Not reported and not counted for
    /// the exit code, but counted in the summary; a baseline written by the run records them.
    pub excluded: Vec<Finding>,
    /// Sorted by path, line, column, code, message.
    pub problems: Vec<Problem>,
    /// Files read as text (including those that then failed to parse).
    pub files_checked: usize,
    /// Files found but left out by the configuration's `include` and `exclude` globs.
    pub files_excluded: usize,
    /// `hooklint.toml` files in the checked tree that gate mode did not read.
    pub ignored_configs: Vec<String>,
    pub duration: Duration,
    /// Wall time of each phase of the run, in order (`check --timings`).
    pub phases: Vec<(&'static str, Duration)>,
    /// The lines reports show of every file that has a finding or a problem, by reported
    /// path, so that snippets can be rendered without reading the files again: the other
    /// lines are empty (line numbers hold), and secret values in the shown ones are masked
    /// with `*` (columns hold). Invalid UTF-8 is replaced.
    pub sources: BTreeMap<String, String>,
    /// Manifests skipped because they are templates (a Helm chart's `templates/`, Jinja), not
    /// YAML until rendered. Counted in `files_checked`.
    pub templates_skipped: usize,
    /// Folders discovery left out as code the project does not own, sorted by path, with the
    /// files in each that would have been checked (see [`Options::include_foreign`]).
    pub skipped: Vec<hooklint_model::SkippedFolder>,
}

impl RunOutput {
    /// Rewrites every reported path from relative to `base` (where the facts and fingerprints
    /// were computed) to relative to `cwd` (where the user stands). Fingerprints are left as
    /// they are, so a baseline matches from any directory. Paths that are not relative
    /// (absolute, or `<...>` pseudo paths) stay as they are.
    pub fn relocate(&mut self, base: &std::path::Path, cwd: &std::path::Path) {
        if base == cwd {
            return;
        }
        let map = |file: &str| -> String {
            if file.is_empty() || file.starts_with('/') || file.starts_with('<') {
                return file.to_string();
            }
            let absolute = project::normalise(&base.join(file));
            project::relative_display(&absolute, cwd)
        };
        let mut cache: BTreeMap<String, hooklint_model::SharedStr> = BTreeMap::new();
        let mut span = |span: &mut hooklint_model::Span| {
            let key = span.file.to_string();
            let new = cache.entry(key).or_insert_with_key(|k| map(k).into()).clone();
            span.file = new;
        };
        let all = self
            .findings
            .iter_mut()
            .chain(self.baselined.iter_mut())
            .chain(self.below_confidence.iter_mut())
            .chain(self.excluded.iter_mut())
            .chain(self.suppressed.iter_mut().map(|s| &mut s.finding));
        for finding in all {
            span(&mut finding.span);
            for label in &mut finding.labels {
                span(&mut label.span);
            }
        }
        for problem in &mut self.problems {
            if let Some(s) = &mut problem.span {
                span(s);
            }
        }
        for suppression in &mut self.suppressions {
            span(&mut suppression.span);
            suppression.path = map(&suppression.path);
        }
        for entry in &mut self.fixed {
            entry.path = map(&entry.path);
        }
        for config in &mut self.ignored_configs {
            *config = map(config);
        }
        for folder in &mut self.skipped {
            folder.path = map(&folder.path);
            if !folder.workspace.is_empty() {
                folder.workspace = map(&folder.workspace);
            }
        }
        self.sources =
            std::mem::take(&mut self.sources).into_iter().map(|(k, v)| (map(&k), v)).collect();
    }
}

/// Every rule a run with `policies` can report: the policies' (sorted by id), then the
/// engine's own `hooklint/*` rules. What `rules`, `explain`, finding titles and SARIF list.
pub fn rules(policies: &PolicySet) -> Vec<RuleInfo> {
    let mut rules = policies.rules();
    rules.extend(meta_rules::meta_rules());
    rules
}

/// Checks the files named by `opts` with every policy of `policies`.
pub fn run(opts: &Options, policies: &PolicySet) -> RunOutput {
    pipeline::run(opts, policies)
}

/// What a policy would see, for the `facts` command.
#[derive(Debug, Default)]
pub struct Facts {
    /// Rust files, linked into the project index.
    pub files: Vec<RustFile>,
    /// Manifests with their documents; secret values are already redacted in them.
    pub manifests: Vec<hooklint_model::manifest::ManifestFile>,
    /// Problems reading or parsing them, sorted.
    pub problems: Vec<Problem>,
}

/// Discovers, parses and links the files named by `opts` without evaluating any policy.
pub fn collect_facts(opts: &Options, knowledge: &Knowledge) -> Facts {
    pipeline::collect_facts(opts, knowledge)
}

/// Paths named in `opts` that do not exist, for a usage error before the run starts.
pub fn missing_paths(opts: &Options) -> Vec<PathBuf> {
    opts.paths.iter().filter(|p| std::fs::symlink_metadata(p).is_err()).cloned().collect()
}

/// The process exit code for a run: 1 when a finding or a problem is at or above `fail_on`,
/// 0 otherwise. Input problems (see [`ProblemCode::is_input`]) are errors, so a run that could
/// not check every file it found fails by default, as one with findings does: a gate must not
/// pass on code it never read. `fail_on: None` (`--fail-on never`) always gives 0.
pub fn exit_code(output: &RunOutput, fail_on: Option<Severity>) -> i32 {
    let Some(threshold) = fail_on else {
        return 0;
    };
    let failing_finding = output.findings.iter().any(|f| f.severity >= threshold);
    let failing_problem = output.problems.iter().any(|p| p.severity >= threshold);
    i32::from(failing_finding || failing_problem)
}

/// Whether some file found was not checked (the run is incomplete).
pub fn is_incomplete(output: &RunOutput) -> bool {
    output.problems.iter().any(|p| p.code.is_input())
}

/// Orders problems by place, then code and message; problems without a place come first.
pub fn sort_problems(problems: &mut [Problem]) {
    problems.sort_by(|a, b| problem_key(a).cmp(&problem_key(b)));
}

fn problem_key(p: &Problem) -> (&str, u32, u32, &str, &str) {
    match &p.span {
        Some(s) => (&s.file, s.line, s.column, p.code.as_str(), &p.message),
        None => ("", 0, 0, p.code.as_str(), &p.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklint_model::{ProblemCode, Span};

    fn finding(severity: Severity) -> Finding {
        Finding {
            rule: "a/b".into(),
            severity,
            message: "m".into(),
            notes: Vec::new(),
            span: Span::line("x.rs", 1),
            help: String::new(),
            function: String::new(),
            labels: Vec::new(),
            fingerprint: String::new(),
            confidence: Confidence::High,
        }
    }

    #[test]
    fn exit_code_follows_threshold() {
        let out = RunOutput { findings: vec![finding(Severity::Warning)], ..RunOutput::default() };
        assert_eq!(exit_code(&out, Some(Severity::Error)), 0);
        assert_eq!(exit_code(&out, Some(Severity::Warning)), 1);
        assert_eq!(exit_code(&out, Some(Severity::Note)), 1);
        assert_eq!(exit_code(&out, None), 0);
    }

    #[test]
    fn input_problems_fail_the_run_as_incomplete() {
        let mut out = RunOutput {
            problems: vec![Problem::new(ProblemCode::ParseError, "expected item", None)],
            ..RunOutput::default()
        };
        assert!(is_incomplete(&out));
        assert_eq!(exit_code(&out, Some(Severity::Error)), 1);
        assert_eq!(exit_code(&out, None), 0);
        out.problems = vec![Problem::new(ProblemCode::CelRuntimeError, "no such key", None)];
        assert!(!is_incomplete(&out));
        assert_eq!(exit_code(&out, Some(Severity::Error)), 1);
        assert_eq!(exit_code(&RunOutput::default(), Some(Severity::Note)), 0);
    }

    #[test]
    fn problems_sort_by_place() {
        let mut problems = vec![
            Problem::new(ProblemCode::IoError, "b", Some(Span::line("b.rs", 0))),
            Problem::new(ProblemCode::ParseError, "a", Some(Span::line("a.rs", 3))),
            Problem::new(ProblemCode::InternalError, "z", None),
        ];
        sort_problems(&mut problems);
        let codes: Vec<ProblemCode> = problems.iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            [ProblemCode::InternalError, ProblemCode::ParseError, ProblemCode::IoError]
        );
    }
}
