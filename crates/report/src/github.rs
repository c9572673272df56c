//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice` line per finding
//! and problem, which the runner turns into annotations on the pull request's diff without
//! code scanning. The summary line follows as plain log text.

use std::io;

use hooklint_model::{Confidence, Finding, Problem, Severity, Span};

use crate::escape::visible;
use crate::human::summary_line;
use crate::Report;

/// Writes one workflow command per finding, then per problem, then the configuration and
/// summary lines as plain log text.
pub fn github(w: &mut dyn io::Write, report: &Report<'_>) -> io::Result<()> {
    for finding in report.findings {
        writeln!(w, "{}", finding_command(finding))?;
    }
    for problem in report.problems {
        writeln!(w, "{}", problem_command(problem))?;
    }
    if let Some(configuration) = report.configuration {
        writeln!(w, "{}", visible(&configuration.summary()))?;
    }
    writeln!(w, "{}", summary_line(report))
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

fn finding_command(finding: &Finding) -> String {
    let mut message = finding.message.clone();
    for note in &finding.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if !finding.help.is_empty() {
        message.push_str(&format!("\nhelp: {}", finding.help));
    }
    let mut properties = location(&finding.span);
    let title = match finding.confidence {
        Confidence::High => finding.rule.clone(),
        other => format!("{} (confidence: {other})", finding.rule),
    };
    properties.push(("title", title));
    format_command(command(finding.severity), &properties, &message)
}

fn problem_command(problem: &Problem) -> String {
    let mut properties = problem.span.as_ref().map(location).unwrap_or_default();
    properties.push(("title", problem.code.to_string()));
    format_command(command(problem.severity), &properties, &problem.message)
}

fn location(span: &Span) -> Vec<(&'static str, String)> {
    let mut properties = vec![("file", span.file.to_string())];
    if span.line > 0 {
        let end_line = span.end_line.max(span.line);
        properties.push(("line", span.line.to_string()));
        properties.push(("col", span.column.max(1).to_string()));
        properties.push(("endLine", end_line.to_string()));
        // GitHub reads `endColumn` as inclusive and only on single-line annotations.
        if end_line == span.line && span.end_column > span.column {
            properties.push(("endColumn", (span.end_column - 1).to_string()));
        }
    }
    properties
}

fn format_command(name: &str, properties: &[(&str, String)], message: &str) -> String {
    let properties: Vec<String> =
        properties.iter().map(|(k, v)| format!("{k}={}", escape_property(v))).collect();
    format!("::{name} {}::{}", properties.join(","), escape_data(message))
}

/// The runner's escaping for a command's message (`%`, CR, LF), and every other control
/// character written as a visible escape, ESC included, so that no text from the checked
/// code can recolour or rewrite the log.
pub(crate) fn escape_data(text: &str) -> String {
    let text = text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    visible(&text).into_owned()
}

/// The runner's escaping for a property value, where `:` and `,` are separators.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::finding;
    use hooklint_model::ProblemCode;
    use std::collections::BTreeMap;
    use std::time::Duration;

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("x\u{1b}[31m\u{202e}"), "x\\u{1b}[31m\\u{202e}");
        // A file name cannot end the command and start another one.
        let command = format_command("error", &[("file", "a\n::add-mask::x".into())], "m");
        assert_eq!(command.lines().count(), 1);
        assert_eq!(command, "::error file=a%0A%3A%3Aadd-mask%3A%3Ax::m");
    }

    #[test]
    fn writes_one_command_per_finding_and_problem() {
        let empty = BTreeMap::new();
        let findings = [
            finding("crypto/x", Severity::Error, Span::new("src/a,b.rs", 2, 3, 2, 9)),
            finding("tls/y", Severity::Note, Span::new("c.rs", 4, 1, 6, 2)),
        ];
        let problems = [
            Problem::new(
                ProblemCode::ParseError,
                "expected `;`",
                Some(Span::new("d.rs", 3, 1, 3, 2)),
            ),
            Problem::new(ProblemCode::IoError, "denied", Some(Span::line("e.rs", 0))),
            Problem::new(ProblemCode::InternalError, "boom", None),
        ];
        let report = Report {
            findings: &findings,
            problems: &problems,
            files_checked: 5,
            templates_skipped: 0,
            skipped: &[],
            duration: Duration::ZERO,
            suppressed: &[],
            baseline: None,
            outside_diff: None,
            below_confidence: crate::BelowConfidence::default(),
            excluded: 0,
            sources: &empty,
            titles: &empty,
            configuration: None,
        };
        let mut out = Vec::new();
        github(&mut out, &report).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "::error file=src/a%2Cb.rs,line=2,col=3,endLine=2,endColumn=8,title=crypto/x::\
                 `sig == expected` compares a secret with `==`%0Ahelp: compare with \
                 `subtle::ConstantTimeEq::ct_eq`",
                "::notice file=c.rs,line=4,col=1,endLine=6,title=tls/y::`sig == expected` \
                 compares a secret with `==`%0Ahelp: compare with `subtle::ConstantTimeEq::ct_eq`",
                "::error file=d.rs,line=3,col=1,endLine=3,endColumn=1,title=parse-error::\
                 expected `;`",
                "::error file=e.rs,title=io-error::denied",
                "::error title=internal-error::boom",
                "checked 5 files in 0.00s: 1 error, 0 warnings, 1 note, 3 problems",
            ]
        );
    }
}
