//! The JSON format: stable and versioned, one document per run.

use std::io;

use hooklint_model::{Confidence, Finding, Problem, Severity};
use serde::Serialize;

use crate::{Counts, Report};

/// Version of the JSON output; bumped when a field is renamed or removed or changes meaning.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    problems: Vec<JsonProblem<'a>>,
    summary: JsonSummary,
    /// Folders left out as code the project does not own; absent when none.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    skipped: &'a [hooklint_model::SkippedFolder],
    #[serde(skip_serializing_if = "Option::is_none")]
    configuration: Option<&'a crate::Configuration>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: Severity,
    /// The short headline.
    message: &'a str,
    /// The details, in order; empty when the rule gives none.
    notes: &'a [String],
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    #[serde(skip_serializing_if = "str::is_empty")]
    function: &'a str,
    fingerprint: &'a str,
    confidence: Confidence,
}

#[derive(Serialize)]
struct JsonProblem<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    /// Absent when the problem has no position in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    findings: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    suppressed: usize,
    baselined: usize,
    /// Baseline entries that matched no finding any more.
    fixed: usize,
    /// Findings not reported because their confidence is below the threshold.
    below_confidence: usize,
    /// Findings not reported because their rule excludes their path.
    excluded: usize,
    /// Manifests skipped as templates (not YAML until rendered); absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    templates_skipped: usize,
    /// Folders left out as code the project does not own, and the files in them; absent
    /// when none.
    #[serde(skip_serializing_if = "is_zero")]
    skipped_folders: usize,
    #[serde(skip_serializing_if = "is_zero")]
    skipped_files: usize,
    duration_ms: u64,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Writes the run as one pretty-printed JSON document and a newline.
pub fn json(w: &mut dyn io::Write, report: &Report<'_>) -> io::Result<()> {
    let counts = Counts::of(report.findings);
    let document = JsonReport {
        version: JSON_VERSION,
        findings: report.findings.iter().map(json_finding).collect(),
        problems: report.problems.iter().map(json_problem).collect(),
        summary: JsonSummary {
            files: report.files_checked,
            findings: report.findings.len(),
            errors: counts.errors,
            warnings: counts.warnings,
            notes: counts.notes,
            suppressed: report.suppressed.len(),
            baselined: report.baseline.map_or(0, |b| b.baselined),
            fixed: report.baseline.map_or(0, |b| b.fixed),
            below_confidence: report.below_confidence.count,
            excluded: report.excluded,
            templates_skipped: report.templates_skipped,
            skipped_folders: report.skipped.len(),
            skipped_files: report.skipped.iter().map(|s| s.files).sum(),
            duration_ms: u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
        },
        skipped: report.skipped,
        configuration: report.configuration,
    };
    serde_json::to_writer_pretty(&mut *w, &document).map_err(io::Error::from)?;
    writeln!(w)
}

fn json_finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        rule: &f.rule,
        severity: f.severity,
        message: &f.message,
        notes: &f.notes,
        path: &f.span.file,
        line: f.span.line,
        column: f.span.column,
        end_line: f.span.end_line,
        end_column: f.span.end_column,
        function: &f.function,
        fingerprint: &f.fingerprint,
        confidence: f.confidence,
    }
}

fn json_problem(p: &Problem) -> JsonProblem<'_> {
    let span = p.span.as_ref();
    let positioned = span.filter(|s| s.line > 0);
    JsonProblem {
        code: p.code.as_str(),
        severity: p.severity,
        message: &p.message,
        path: span.map(|s| s.file.as_str()),
        line: positioned.map(|s| s.line),
        column: positioned.map(|s| s.column),
        end_line: positioned.map(|s| s.end_line),
        end_column: positioned.map(|s| s.end_column),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{finding, io_error, parse_error};
    use hooklint_model::Span;
    use std::time::Duration;

    #[test]
    fn has_the_documented_shape() {
        let mut with_fn = finding("crypto/x", Severity::Error, Span::new("a.rs", 2, 3, 2, 9));
        with_fn.function = "m::f".into();
        with_fn.notes = vec!["a timing attack recovers the secret".into()];
        let mut without_fn = finding("secrets/y", Severity::Warning, Span::new("b.rs", 1, 1, 1, 4));
        without_fn.function.clear();
        without_fn.confidence = Confidence::Low;
        let problems = [
            parse_error(Span::new("c.rs", 3, 1, 3, 2)),
            io_error("d.rs", "cannot read `d.rs`: denied"),
        ];
        let findings = [with_fn, without_fn];
        let report = Report {
            files_checked: 4,
            duration: Duration::from_millis(15),
            baseline: Some(crate::BaselineCounts { baselined: 2, fixed: 1 }),
            below_confidence: crate::BelowConfidence { count: 3, threshold: Confidence::Low },
            excluded: 4,
            ..Report::new(&findings, &problems)
        };
        let mut out = Vec::new();
        json(&mut out, &report).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let expected = serde_json::json!({
            "version": 1,
            "findings": [
                {"rule": "crypto/x", "severity": "error",
                 "message": "`sig == expected` compares a secret with `==`",
                 "notes": ["a timing attack recovers the secret"], "path": "a.rs",
                 "line": 2, "column": 3, "end_line": 2, "end_column": 9, "function": "m::f",
                 "fingerprint": "0123456789abcdef", "confidence": "high"},
                {"rule": "secrets/y", "severity": "warning",
                 "message": "`sig == expected` compares a secret with `==`", "notes": [],
                 "path": "b.rs",
                 "line": 1, "column": 1, "end_line": 1, "end_column": 4,
                 "fingerprint": "0123456789abcdef", "confidence": "low"}
            ],
            "problems": [
                {"code": "parse-error", "severity": "error", "message": "expected `;`",
                 "path": "c.rs", "line": 3, "column": 1, "end_line": 3, "end_column": 2},
                {"code": "io-error", "severity": "error", "message": "cannot read `d.rs`: denied",
                 "path": "d.rs"}
            ],
            "summary": {"files": 4, "findings": 2, "errors": 1, "warnings": 1, "notes": 0,
                        "suppressed": 0, "baselined": 2, "fixed": 1, "below_confidence": 3, "excluded": 4,
                        "duration_ms": 15}
        });
        assert_eq!(value, expected);
        assert!(out.ends_with(b"}\n"));
    }
}
