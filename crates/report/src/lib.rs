//! hooklint's renderers: findings to human (codespan-reporting), JSON, SARIF 2.1.0 and GitHub
//! workflow-command output, plus the `rules`, `explain`, `facts` and `suppressions` views and
//! policy load errors.
//!
//! Architecture invariant: no I/O except writing to the writer it is handed, and no panics on
//! any span: positions past the end of a file or inside a multi-byte character are clamped.
//! Text from the checked tree never reaches a terminal or a CI log as it is: control
//! characters in paths, messages and source lines are made visible, and a snippet shows a
//! bounded window of its line.

use std::collections::BTreeMap;
use std::time::Duration;

use hooklint_model::{Confidence, Finding, Problem, SkippedFolder};

/// Re-exported so callers pick colour support without depending on `termcolor` themselves.
pub use codespan_reporting::term::termcolor;

mod ci_formats;
mod configuration;
mod escape;
mod excerpt;
mod facts;
mod facts_schema;
mod github;
mod human;
mod json;
mod load_errors;
mod rules;
mod sarif;
mod suggest;
mod suppressions;
mod yaml;

pub use ci_formats::{gitlab, junit};
pub use configuration::{BaselineUse, Configuration, FileCounts, SeverityChange, SuppressionUse};
pub use escape::visible;
pub use facts::{facts_json, Redact};
pub use facts_schema::facts_schema_json;
pub use github::github;
pub use human::{human, human_diagnostics, human_summary};
pub use json::{json, JSON_VERSION};
pub use load_errors::render_load_errors;
pub use rules::{explain, rules_human, rules_json};
pub use sarif::{sarif, SARIF_SCHEMA};
pub use suggest::did_you_mean;
pub use suppressions::{suppressions_human, suppressions_json, SuppressionRow};
pub use yaml::{facts_yaml, to_yaml};

/// What a run produced, borrowed from the engine's output: everything a renderer needs.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// Sorted.
    pub findings: &'a [Finding],
    /// Sorted.
    pub problems: &'a [Problem],
    pub files_checked: usize,
    /// Manifests skipped as templates (not YAML until rendered), among `files_checked`.
    pub templates_skipped: usize,
    /// Folders discovery left out as code the project does not own, sorted by path.
    pub skipped: &'a [SkippedFolder],
    /// Rendered as zero when the caller wants output that does not vary between runs.
    pub duration: Duration,
    /// Findings an inline comment silenced, with the comment's reason (may be empty).
    pub suppressed: &'a [SuppressedFinding<'a>],
    /// Set when a baseline was applied.
    pub baseline: Option<BaselineCounts>,
    /// Set with `--new-since`: findings left out because none of their lines changed.
    pub outside_diff: Option<usize>,
    /// Findings left out because their confidence is below the threshold.
    pub below_confidence: BelowConfidence,
    /// Findings left out because their rule excludes their path.
    pub excluded: usize,
    /// File texts by reported path, for snippets.
    pub sources: &'a BTreeMap<String, String>,
    /// Rule titles by id, for the short label under a finding's span.
    pub titles: &'a BTreeMap<String, String>,
    /// What the run was configured with; every format states it when set.
    pub configuration: Option<&'a Configuration>,
}

impl<'a> Report<'a> {
    /// A report of `findings` and `problems` and nothing else: no file checked, no source
    /// texts or titles, no baseline, no configuration, no time taken. Set the rest with struct
    /// update syntax.
    pub fn new(findings: &'a [Finding], problems: &'a [Problem]) -> Report<'a> {
        static EMPTY: BTreeMap<String, String> = BTreeMap::new();
        Report {
            findings,
            problems,
            files_checked: 0,
            templates_skipped: 0,
            skipped: &[],
            duration: Duration::ZERO,
            suppressed: &[],
            baseline: None,
            outside_diff: None,
            below_confidence: BelowConfidence::default(),
            excluded: 0,
            sources: &EMPTY,
            titles: &EMPTY,
            configuration: None,
        }
    }
}

/// A finding an inline suppression silenced.
#[derive(Debug, Clone, Copy)]
pub struct SuppressedFinding<'a> {
    pub finding: &'a Finding,
    pub reason: &'a str,
}

/// What a baseline did to a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BaselineCounts {
    /// Findings the baseline accepted.
    pub baselined: usize,
    /// Baseline entries that matched no finding any more.
    pub fixed: usize,
}

/// Findings a run left out for their confidence, and the threshold it applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BelowConfidence {
    pub count: usize,
    pub threshold: Confidence,
}

impl Default for BelowConfidence {
    fn default() -> Self {
        BelowConfidence { count: 0, threshold: Confidence::Medium }
    }
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Counts {
    pub fn of(findings: &[Finding]) -> Counts {
        use hooklint_model::Severity;
        let mut counts = Counts::default();
        for finding in findings {
            match finding.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Note => counts.notes += 1,
            }
        }
        counts
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use hooklint_model::{Confidence, Finding, Problem, ProblemCode, Severity, Span};

    /// A parse error at `span`.
    pub fn parse_error(span: Span) -> Problem {
        Problem::new(ProblemCode::ParseError, "expected `;`", Some(span))
    }

    /// An I/O error on the file `path`, which has no line.
    pub fn io_error(path: &str, message: &str) -> Problem {
        Problem::new(ProblemCode::IoError, message, Some(Span::line(path, 0)))
    }

    pub fn finding(rule: &str, severity: Severity, span: Span) -> Finding {
        Finding {
            rule: rule.to_string(),
            severity,
            message: "`sig == expected` compares a secret with `==`".to_string(),
            notes: Vec::new(),
            span,
            help: "compare with `subtle::ConstantTimeEq::ct_eq`".to_string(),
            function: "handlers::webhook".to_string(),
            labels: Vec::new(),
            fingerprint: "0123456789abcdef".to_string(),
            confidence: Confidence::High,
        }
    }
}
