//! Formats CI systems read natively besides SARIF and GitHub's workflow commands: GitLab's
//! Code Quality report (the merge request widget) and JUnit XML (test report tabs of GitLab,
//! Jenkins, Azure Pipelines, CircleCI). Findings and problems, in the report's order.

use std::io;

use hooklint_model::{Finding, Problem, Severity, Span};
use serde::Serialize;

use crate::Report;

/// One issue of a GitLab Code Quality report.
#[derive(Serialize)]
struct CodeQualityIssue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
    /// The finding's notes, as Code Climate's `content.body`; absent when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Content>,
}

#[derive(Serialize)]
struct Content {
    body: String,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

fn gitlab_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Note => "info",
    }
}

/// A problem has no fingerprint of its own: its code, place and message, hashed.
fn problem_fingerprint(problem: &Problem) -> String {
    let (file, line) = place(problem.span.as_ref());
    let key = format!("{}\0{file}\0{line}\0{}", problem.code.as_str(), problem.message);
    format!("{:016x}", hooklint_model::names::fnv1a64(key.as_bytes()))
}

/// File and line of a span; a problem with no place is reported on the project (`.`, line 1).
fn place(span: Option<&Span>) -> (String, u32) {
    match span {
        Some(s) if !s.file.is_empty() => (s.file.to_string(), s.line.max(1)),
        _ => (".".to_string(), 1),
    }
}

/// GitLab Code Quality JSON: an array of issues with `description`, `check_name`,
/// `fingerprint`, `severity` and `location.path`/`lines.begin`.
pub fn gitlab(w: &mut dyn io::Write, report: &Report<'_>) -> io::Result<()> {
    let mut issues = Vec::new();
    for finding in report.findings {
        let (path, begin) = place(Some(&finding.span));
        issues.push(CodeQualityIssue {
            description: format!("{}: {}", finding.rule, finding.message),
            check_name: &finding.rule,
            fingerprint: finding.fingerprint.clone(),
            severity: gitlab_severity(finding.severity),
            location: Location { path, lines: Lines { begin } },
            content: (!finding.notes.is_empty())
                .then(|| Content { body: finding.notes.join("\n\n") }),
        });
    }
    for problem in report.problems {
        let (path, begin) = place(problem.span.as_ref());
        issues.push(CodeQualityIssue {
            description: format!("{}: {}", problem.code.as_str(), problem.message),
            check_name: problem.code.as_str(),
            fingerprint: problem_fingerprint(problem),
            severity: gitlab_severity(problem.severity),
            location: Location { path, lines: Lines { begin } },
            content: None,
        });
    }
    serde_json::to_writer_pretty(&mut *w, &issues)?;
    writeln!(w)
}

/// JUnit XML: one test suite per file, one failing test case per finding (`<failure>`) or
/// problem (`<error>`). A run with nothing to report is one passing test case, so the CI
/// shows that hooklint ran.
pub fn junit(w: &mut dyn io::Write, report: &Report<'_>) -> io::Result<()> {
    let mut cases: Vec<(String, String)> = Vec::new();
    for finding in report.findings {
        cases.push((finding.span.file.to_string(), finding_case(finding)));
    }
    for problem in report.problems {
        cases.push((place(problem.span.as_ref()).0, problem_case(problem)));
    }
    // Stable: by file, then in the report's order within it.
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    let failures = report.findings.len();
    let errors = report.problems.len();
    let tests = (failures + errors).max(1);
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="hooklint" tests="{tests}" failures="{failures}" errors="{errors}">"#
    )?;
    if cases.is_empty() {
        writeln!(w, r#"  <testsuite name="hooklint" tests="1" failures="0" errors="0">"#)?;
        writeln!(w, r#"    <testcase name="no findings" classname="hooklint"/>"#)?;
        writeln!(w, "  </testsuite>")?;
    }
    let mut i = 0;
    while i < cases.len() {
        let file = cases[i].0.clone();
        let group: Vec<&String> =
            cases[i..].iter().take_while(|(f, _)| *f == file).map(|(_, c)| c).collect();
        let failures = group.iter().filter(|c| c.contains("<failure ")).count();
        let errors = group.len() - failures;
        writeln!(
            w,
            r#"  <testsuite name="{}" tests="{}" failures="{failures}" errors="{errors}">"#,
            xml(&file),
            group.len()
        )?;
        for case in &group {
            write!(w, "{case}")?;
        }
        writeln!(w, "  </testsuite>")?;
        i += group.len();
    }
    writeln!(w, "</testsuites>")
}

fn finding_case(finding: &Finding) -> String {
    let s = &finding.span;
    let mut body = format!(
        "{}:{}:{}: {}[{}]: {}",
        s.file,
        s.line,
        s.column,
        finding.severity.as_str(),
        finding.rule,
        finding.message
    );
    for note in &finding.notes {
        body.push_str(&format!("\nnote: {note}"));
    }
    if !finding.help.is_empty() {
        body.push_str(&format!("\nhelp: {}", finding.help));
    }
    body.push_str(&format!("\nexplain: cargo hooklint explain {}", finding.rule));
    format!(
        "    <testcase name=\"{} at {}:{}\" classname=\"{}\" file=\"{}\" line=\"{}\">\n      \
         <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
        xml(&finding.rule),
        xml(&s.file),
        s.line,
        xml(&finding.rule),
        xml(&s.file),
        s.line,
        xml(&finding.rule),
        xml(&finding.message),
        xml(&body).replace("&#10;", "\n")
    )
}

fn problem_case(problem: &Problem) -> String {
    let (file, line) = place(problem.span.as_ref());
    let code = problem.code.as_str();
    format!(
        "    <testcase name=\"{code} at {}:{line}\" classname=\"{code}\" file=\"{}\" line=\"{line}\">\n      \
         <error type=\"{code}\" message=\"{}\">{}</error>\n    </testcase>\n",
        xml(&file),
        xml(&file),
        xml(&problem.message),
        xml(&format!("{file}:{line}: {code}: {}", problem.message)).replace("&#10;", "\n")
    )
}

/// Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push_str(&format!("&#{};", c as u32)),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(
            xml("a<b & \"c\" 'd'>\u{1}\n"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;&#10;"
        );
    }
}
