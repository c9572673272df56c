//! The human format: rustc-style diagnostics with codespan-reporting, then a summary line.

use std::collections::BTreeMap;
use std::io;

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CodespanSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::WriteColor, Chars, Config};
use hooklint_model::{Confidence, Finding, Problem, Severity, Span};

use crate::span::byte_range;
use crate::{Counts, Report};

/// Diagnostics for every finding and problem, then the summary line.
pub fn human(w: &mut dyn WriteColor, report: &Report<'_>) -> io::Result<()> {
    human_diagnostics(w, report)?;
    human_summary(w, report)
}

/// Diagnostics for every finding, then every problem, in the order given.
pub fn human_diagnostics(w: &mut dyn WriteColor, report: &Report<'_>) -> io::Result<()> {
    let db = SourceDb::new(report.sources);
    let config = config();
    for finding in report.findings {
        let title = report.titles.get(&finding.rule).map(String::as_str).unwrap_or_default();
        emit(w, &config, &db, &finding_diagnostic(&db, finding, title))?;
    }
    for problem in report.problems {
        emit(w, &config, &db, &problem_diagnostic(&db, problem))?;
    }
    Ok(())
}

/// `checked 3 files in 0.12s: 1 error, 0 warnings, 0 notes, 0 problems`, then the suppressed,
/// baselined (and fixed), outside-the-diff and below-confidence counts where they apply.
pub fn human_summary(w: &mut dyn WriteColor, report: &Report<'_>) -> io::Result<()> {
    writeln!(w, "{}", summary_line(report))
}

pub(crate) fn summary_line(report: &Report<'_>) -> String {
    let counts = Counts::of(report.findings);
    let mut line = format!(
        "checked {} in {:.2}s: {}, {}, {}, {}",
        plural(report.files_checked, "file"),
        report.duration.as_secs_f64(),
        plural(counts.errors, "error"),
        plural(counts.warnings, "warning"),
        plural(counts.notes, "note"),
        plural(report.problems.len(), "problem"),
    );
    if !report.suppressed.is_empty() {
        line.push_str(&format!(", {} suppressed", report.suppressed.len()));
    }
    if let Some(baseline) = report.baseline {
        line.push_str(&format!(", {} baselined ({} fixed)", baseline.baselined, baseline.fixed));
    }
    if let Some(outside) = report.outside_diff {
        line.push_str(&format!(", {outside} outside the diff"));
    }
    let below = report.below_confidence;
    if below.count > 0 {
        line.push_str(&format!(
            ", {} below {} confidence (`--confidence low` shows them)",
            below.count, below.threshold
        ));
    }
    line
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub(crate) fn config() -> Config {
    Config { chars: Chars::ascii(), ..Config::default() }
}

pub(crate) fn emit(
    w: &mut dyn WriteColor,
    config: &Config,
    db: &SourceDb<'_>,
    diagnostic: &Diagnostic<usize>,
) -> io::Result<()> {
    term::emit(w, config, &db.files, diagnostic).map_err(|err| match err {
        codespan_reporting::files::Error::Io(err) => err,
        other => io::Error::other(other.to_string()),
    })
}

/// The files a diagnostic may point into, with their ids.
pub(crate) struct SourceDb<'a> {
    pub files: SimpleFiles<&'a str, &'a str>,
    ids: BTreeMap<&'a str, usize>,
    texts: BTreeMap<&'a str, &'a str>,
}

impl<'a> SourceDb<'a> {
    pub fn new(sources: &'a BTreeMap<String, String>) -> Self {
        let mut db =
            SourceDb { files: SimpleFiles::new(), ids: BTreeMap::new(), texts: BTreeMap::new() };
        for (path, text) in sources {
            db.add(path, text);
        }
        db
    }

    pub fn add(&mut self, path: &'a str, text: &'a str) {
        if !self.ids.contains_key(path) {
            let id = self.files.add(path, text);
            self.ids.insert(path, id);
            self.texts.insert(path, text);
        }
    }

    /// The file id and byte range of a span with a position in a known file.
    pub fn locate(&self, span: &Span) -> Option<(usize, std::ops::Range<usize>)> {
        if span.line == 0 {
            return None;
        }
        let id = *self.ids.get(span.file.as_str())?;
        let text = self.texts.get(span.file.as_str())?;
        Some((id, byte_range(text, span)))
    }
}

fn severity(severity: Severity) -> CodespanSeverity {
    match severity {
        Severity::Error => CodespanSeverity::Error,
        Severity::Warning => CodespanSeverity::Warning,
        Severity::Note => CodespanSeverity::Note,
    }
}

fn finding_diagnostic(db: &SourceDb<'_>, finding: &Finding, title: &str) -> Diagnostic<usize> {
    let mut labels = Vec::new();
    let mut notes = Vec::new();
    match db.locate(&finding.span) {
        Some((id, range)) => {
            labels.push(Label::primary(id, range).with_message(lower_first(title)))
        }
        None => notes.push(format!("at {}", position(&finding.span))),
    }
    for label in &finding.labels {
        match db.locate(&label.span) {
            Some((id, range)) => {
                labels.push(Label::secondary(id, range).with_message(&label.message))
            }
            None => notes.push(format!("{}: {}", position(&label.span), label.message)),
        }
    }
    if !finding.function.is_empty() {
        notes.push(format!("in function `{}`", finding.function));
    }
    if finding.confidence != Confidence::High {
        notes.push(format!("confidence: {}", finding.confidence));
    }
    if !finding.help.is_empty() {
        notes.push(format!("help: {}", finding.help));
    }
    Diagnostic::new(severity(finding.severity))
        .with_code(&finding.rule)
        .with_message(&finding.message)
        .with_labels(labels)
        .with_notes(notes)
}

fn problem_diagnostic(db: &SourceDb<'_>, problem: &Problem) -> Diagnostic<usize> {
    let mut diagnostic = Diagnostic::new(severity(problem.severity))
        .with_code(problem.code.as_str())
        .with_message(&problem.message);
    if let Some(span) = &problem.span {
        match db.locate(span) {
            Some((id, range)) => diagnostic = diagnostic.with_label(Label::primary(id, range)),
            None if span.line > 0 => {
                diagnostic = diagnostic.with_note(format!("at {}", position(span)));
            }
            None => {}
        }
    }
    diagnostic
}

fn position(span: &Span) -> String {
    format!("{}:{}:{}", span.file, span.line, span.column)
}

/// Rule titles are capitalised; a label reads as a phrase. Acronyms (`TLS`) keep their case.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), second) if !second.is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(second).chain(chars).collect()
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::finding;
    use codespan_reporting::term::termcolor::NoColor;
    use hooklint_model::Label as ModelLabel;
    use hooklint_model::ProblemCode;
    use std::time::Duration;

    fn render(findings: &[Finding], problems: &[Problem], sources: &[(&str, &str)]) -> String {
        let sources: BTreeMap<String, String> =
            sources.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
        let mut titles = BTreeMap::new();
        titles.insert("crypto/x".to_string(), "Secret compared in variable time".to_string());
        let report = Report {
            findings,
            problems,
            files_checked: 2,
            duration: Duration::from_millis(1234),
            suppressed: &[],
            baseline: None,
            outside_diff: None,
            below_confidence: crate::BelowConfidence::default(),
            sources: &sources,
            titles: &titles,
        };
        let mut out = NoColor::new(Vec::new());
        human(&mut out, &report).unwrap();
        String::from_utf8(out.into_inner()).unwrap()
    }

    const SOURCE: &str = "fn webhook() {\n    let é = \"ü\"; if sig == expected {}\n}\n";

    #[test]
    fn renders_a_finding_after_multibyte_characters() {
        let f = finding("crypto/x", Severity::Error, Span::new("src/a.rs", 2, 21, 2, 36));
        let text = render(&[f], &[], &[("src/a.rs", SOURCE)]);
        let expected = r#"error[crypto/x]: `sig == expected` compares a secret with `==`
  --> src/a.rs:2:21
  |
2 |     let é = "ü"; if sig == expected {}
  |                     ^^^^^^^^^^^^^^^ secret compared in variable time
  |
  = in function `handlers::webhook`
  = help: compare with `subtle::ConstantTimeEq::ct_eq`

checked 2 files in 1.23s: 1 error, 0 warnings, 0 notes, 0 problems
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn spans_past_the_end_of_the_file_do_not_panic() {
        let spans = [
            Span::new("src/a.rs", 3, 50, 9, 9),
            Span::new("src/a.rs", 40, 1, 41, 1),
            Span::new("src/a.rs", 2, 9, 1, 1),
            Span::new("src/a.rs", u32::MAX, u32::MAX, u32::MAX, u32::MAX),
        ];
        for span in spans {
            let mut f = finding("crypto/x", Severity::Warning, span.clone());
            f.labels.push(ModelLabel { span, message: "here".into() });
            let text = render(&[f], &[], &[("src/a.rs", SOURCE), ("src/empty.rs", "")]);
            assert!(text.contains("warning[crypto/x]"), "{text}");
        }
        let f = finding("crypto/x", Severity::Note, Span::new("src/empty.rs", 1, 1, 1, 1));
        let text = render(&[f], &[], &[("src/empty.rs", "")]);
        assert!(text.contains("note[crypto/x]"), "{text}");
    }

    #[test]
    fn labels_are_phrases_but_acronyms_keep_their_case() {
        assert_eq!(lower_first("Secret compared"), "secret compared");
        assert_eq!(lower_first("TLS verification disabled"), "TLS verification disabled");
        assert_eq!(lower_first("A"), "a");
        assert_eq!(lower_first(""), "");
    }

    #[test]
    fn findings_in_files_without_text_name_their_place() {
        let f = finding("crypto/x", Severity::Error, Span::new("gone.rs", 4, 2, 4, 5));
        let text = render(&[f], &[], &[]);
        assert!(text.contains("= at gone.rs:4:2"), "{text}");
    }

    #[test]
    fn renders_problems_with_and_without_a_place() {
        let problems = [
            Problem::new(
                ProblemCode::ParseError,
                "expected `;`",
                Some(Span::new("src/a.rs", 1, 4, 1, 6)),
            ),
            Problem::new(
                ProblemCode::IoError,
                "cannot read `b.rs`: denied",
                Some(Span::line("b.rs", 0)),
            ),
        ];
        let text = render(&[], &problems, &[("src/a.rs", SOURCE)]);
        assert!(text.contains("error[parse-error]: expected `;`"), "{text}");
        assert!(text.contains("--> src/a.rs:1:4"), "{text}");
        assert!(text.contains("error[io-error]: cannot read `b.rs`: denied"), "{text}");
        assert!(text.contains("0 errors, 0 warnings, 0 notes, 2 problems"), "{text}");
    }
}
