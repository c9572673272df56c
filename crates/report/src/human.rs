//! The human format: rustc-style diagnostics with codespan-reporting, then a summary line.

use std::io;

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CodespanSeverity};
use codespan_reporting::term::{self, termcolor::WriteColor, Chars, Config};
use hooklint_model::{Confidence, Finding, Problem, Severity, SkippedFolder, Span};

use crate::escape::{clip, visible};
use crate::excerpt::Excerpts;
use crate::{Counts, Report};

/// Diagnostics for every finding and problem, then the summary line.
pub fn human(w: &mut dyn WriteColor, report: &Report<'_>) -> io::Result<()> {
    human_diagnostics(w, report)?;
    human_summary(w, report)
}

/// Diagnostics for every finding, then every problem, in the order given.
pub fn human_diagnostics(w: &mut dyn WriteColor, report: &Report<'_>) -> io::Result<()> {
    let mut files = Excerpts::from_sources(report.sources);
    let config = config();
    for finding in report.findings {
        let title = report.titles.get(&finding.rule).map(String::as_str).unwrap_or_default();
        let diagnostic = finding_diagnostic(&mut files, finding, title);
        emit(w, &config, &files, &diagnostic)?;
    }
    for problem in report.problems {
        let diagnostic = problem_diagnostic(&mut files, problem);
        emit(w, &config, &files, &diagnostic)?;
    }
    Ok(())
}

/// The effective configuration line (see [`crate::Configuration`]), then `checked 3 files in
/// 0.12s: 1 error, 0 warnings, 0 notes, 0 problems` with the suppressed, baselined (and
/// fixed), outside-the-diff and below-confidence counts where they apply.
pub fn human_summary(w: &mut dyn WriteColor, report: &Report<'_>) -> io::Result<()> {
    if let Some(configuration) = report.configuration {
        writeln!(w, "{}", visible(&configuration.summary()))?;
    }
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
    if report.templates_skipped > 0 {
        line.push_str(&format!(
            ", {} skipped as not YAML until rendered",
            plural(report.templates_skipped, "template")
        ));
    }
    if !report.skipped.is_empty() {
        line.push_str(&skipped_text(report.skipped));
    }
    if !report.suppressed.is_empty() {
        line.push_str(&format!(", {} suppressed", report.suppressed.len()));
    }
    if let Some(baseline) = report.baseline {
        line.push_str(&format!(", {} baselined ({} fixed)", baseline.baselined, baseline.fixed));
    }
    if let Some(outside) = report.outside_diff {
        line.push_str(&format!(", {outside} outside the diff"));
    }
    if report.excluded > 0 {
        line.push_str(&format!(", {} excluded by path", report.excluded));
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

/// How many folders were left out as not the project's code, the first few with why, and
/// how to bring them back: `, skipped 2 folders (14 files) the project does not own: vendor/
/// (vendored code), crates/old/ (own Cargo.toml, not a workspace member); --include-foreign
/// checks them`.
fn skipped_text(skipped: &[SkippedFolder]) -> String {
    const SHOWN: usize = 3;
    let files: usize = skipped.iter().map(|s| s.files).sum();
    let mut named: Vec<String> = skipped
        .iter()
        .take(SHOWN)
        .map(|s| format!("{}/ ({})", shown(&s.path), s.reason.describe()))
        .collect();
    if skipped.len() > SHOWN {
        named.push(format!("{} more (`--verbose` lists them)", skipped.len() - SHOWN));
    }
    format!(
        ", skipped {} ({}) the project does not own: {}; `--include-foreign` checks them",
        plural(skipped.len(), "folder"),
        plural(files, "file"),
        named.join(", ")
    )
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
    files: &Excerpts<'_>,
    diagnostic: &Diagnostic<usize>,
) -> io::Result<()> {
    term::emit(w, config, files, diagnostic).map_err(|err| match err {
        codespan_reporting::files::Error::Io(err) => err,
        other => io::Error::other(other.to_string()),
    })
}

/// The longest message printed; longer ones (a policy interpolating a long text) are cut.
const MAX_MESSAGE: usize = 2000;

/// A message, path or name from the checked code as it is printed: control characters
/// escaped, cut to a bounded length.
pub(crate) fn shown(text: &str) -> String {
    clip(&visible(text), MAX_MESSAGE).into_owned()
}

fn severity(severity: Severity) -> CodespanSeverity {
    match severity {
        Severity::Error => CodespanSeverity::Error,
        Severity::Warning => CodespanSeverity::Warning,
        Severity::Note => CodespanSeverity::Note,
    }
}

fn finding_diagnostic(
    files: &mut Excerpts<'_>,
    finding: &Finding,
    title: &str,
) -> Diagnostic<usize> {
    let spans: Vec<&Span> =
        std::iter::once(&finding.span).chain(finding.labels.iter().map(|l| &l.span)).collect();
    let located = files.locate(&spans);
    let mut labels = Vec::new();
    // The details first, under the headline, as rustc's `= note:` lines.
    let mut notes: Vec<String> =
        finding.notes.iter().map(|n| format!("note: {}", shown(n))).collect();
    match located.first().cloned().flatten() {
        Some((id, range)) => {
            labels.push(Label::primary(id, range).with_message(lower_first(title)))
        }
        None => notes.push(format!("at {}", position(&finding.span))),
    }
    for (label, place) in finding.labels.iter().zip(located.iter().skip(1)) {
        match place {
            Some((id, range)) => labels
                .push(Label::secondary(*id, range.clone()).with_message(shown(&label.message))),
            None => notes.push(format!("{}: {}", position(&label.span), shown(&label.message))),
        }
    }
    if !finding.function.is_empty() {
        notes.push(format!("in function `{}`", shown(&finding.function)));
    }
    if finding.confidence != Confidence::High {
        notes.push(format!("confidence: {}", finding.confidence));
    }
    if !finding.help.is_empty() {
        notes.push(format!("help: {}", shown(&finding.help)));
    }
    Diagnostic::new(severity(finding.severity))
        .with_code(shown(&finding.rule))
        .with_message(shown(&finding.message))
        .with_labels(labels)
        .with_notes(notes)
}

fn problem_diagnostic(files: &mut Excerpts<'_>, problem: &Problem) -> Diagnostic<usize> {
    let mut diagnostic = Diagnostic::new(severity(problem.severity))
        .with_code(problem.code.as_str())
        .with_message(shown(&problem.message));
    if let Some(span) = &problem.span {
        match files.locate(&[span]).into_iter().next().flatten() {
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
    format!("{}:{}:{}", visible(&span.file), span.line, span.column)
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
    use crate::test_support::{finding, io_error, parse_error};
    use codespan_reporting::term::termcolor::NoColor;
    use hooklint_model::Label as ModelLabel;
    use std::collections::BTreeMap;
    use std::time::Duration;

    fn render(findings: &[Finding], problems: &[Problem], sources: &[(&str, &str)]) -> String {
        let sources: BTreeMap<String, String> =
            sources.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
        let mut titles = BTreeMap::new();
        titles.insert("crypto/x".to_string(), "Secret compared in variable time".to_string());
        let report = Report {
            files_checked: 2,
            duration: Duration::from_millis(1234),
            sources: &sources,
            titles: &titles,
            ..Report::new(findings, problems)
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
    fn control_characters_in_paths_messages_and_lines_are_made_visible() {
        let source = "fn f() {\n    let s = \"\u{1b}[2J\u{202e}\"; sig == x\n}\n";
        let mut f =
            finding("crypto/x", Severity::Error, Span::new("a\n::error::b.rs", 2, 24, 2, 32));
        f.message = "`\u{1b}]0;title\u{7}` leaks".into();
        let text = render(&[f], &[], &[("a\n::error::b.rs", source)]);
        assert!(!text.chars().any(|c| c == '\u{1b}' || c == '\u{202e}' || c == '\u{7}'), "{text}");
        assert!(!text.lines().any(|l| l.starts_with("::")), "{text}");
        assert!(text.contains("--> a\\n::error::b.rs:2:24"), "{text}");
        assert!(text.contains("`\\u{1b}]0;title\\u{7}` leaks"), "{text}");
        assert!(text.contains("let s = \"\u{241b}[2J\u{fffd}\"; sig == x"), "{text}");
    }

    #[test]
    fn a_long_line_is_cut_around_the_finding() {
        let line = format!("const A: &str = \"{}\"; if sig == x {{}}", "a".repeat(300_000));
        let column = u32::try_from(line.find("sig").unwrap() + 1).unwrap();
        let f = finding("crypto/x", Severity::Error, Span::new("a.rs", 1, column, 1, column + 8));
        let findings = vec![f; 50];
        let text = render(&findings, &[], &[("a.rs", &line)]);
        assert!(text.len() < 50 * 1000, "{}", text.len());
        assert!(text.contains("if sig == x {}"), "{text}");
    }

    #[test]
    fn renders_problems_with_and_without_a_place() {
        let problems = [
            parse_error(Span::new("src/a.rs", 1, 4, 1, 6)),
            io_error("b.rs", "cannot read `b.rs`: denied"),
        ];
        let text = render(&[], &problems, &[("src/a.rs", SOURCE)]);
        assert!(text.contains("error[parse-error]: expected `;`"), "{text}");
        assert!(text.contains("--> src/a.rs:1:4"), "{text}");
        assert!(text.contains("error[io-error]: cannot read `b.rs`: denied"), "{text}");
        assert!(text.contains("0 errors, 0 warnings, 0 notes, 2 problems"), "{text}");
    }
}
