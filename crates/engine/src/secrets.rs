//! No secret in any output: the literals of the checked code that are secrets (a known
//! provider token, a value named like a password, token, secret or key, or one whose value
//! goes where a credential goes: a `secret_sinks` argument, a `credential_headers` value, a
//! comparison with what a request sent) are masked in the
//! source lines a report shows and redacted from findings' and problems' messages.
//!
//! Fingerprints and the suppression scan use the real text; only what is shown is masked.

use std::collections::{BTreeMap, BTreeSet};

use hooklint_manifest::{Masker, Redactor};
use hooklint_model::{Finding, Knowledge, Literal, Problem, RustFile, Span};

fn is_secret_literal(literal: &Literal, masker: &Masker, k: &Knowledge) -> bool {
    if masker.is_secret_value(&literal.binding, &literal.value) {
        return true;
    }
    // Where the value goes can make it a credential whatever it is called: an argument of a
    // `secret_sinks` call, the value of a `credential_headers` header, or a secret-shaped value
    // compared with what a request sent. Masking errs on the side of hiding.
    let credential_use = literal.flows_to.iter().any(|u| match u.kind.as_ref() {
        "arg" => true,
        "header" => k.credential_headers.iter().any(|h| h.eq_ignore_ascii_case(&u.name)),
        "compare" => {
            u.against.iter().any(|o| o.kind == "request") && masker.secret_shaped(&literal.value)
        }
        _ => false,
    });
    if credential_use {
        return true;
    }
    literal.context == "arg"
        && literal.value.chars().count() >= 6
        // An argument of a `key_constructors` call is key material, whatever its binding is
        // called.
        && k.key_constructors.iter().any(|c| {
            literal.callee == *c
                || literal.callee.ends_with(&format!("::{c}"))
                || literal.callee.ends_with(&format!(".{c}"))
        })
}

fn literals(file: &RustFile) -> impl Iterator<Item = &Literal> {
    file.literals.iter().chain(file.functions.iter().flat_map(|f| f.literals.iter()))
}

/// Every secret value among the literals of `files`, sorted and without duplicates.
pub fn secret_values(files: &[RustFile], k: &Knowledge) -> Vec<String> {
    let masker = Masker::new(k);
    let values: BTreeSet<&str> = files
        .iter()
        .flat_map(literals)
        .filter(|l| is_secret_literal(l, &masker, k))
        .map(|l| l.value.as_str())
        .collect();
    values.into_iter().map(str::to_string).collect()
}

/// The spans of the secret literals of each file, by path.
pub(crate) fn secret_spans(
    files: &[RustFile],
    masker: &Masker,
    k: &Knowledge,
) -> BTreeMap<String, Vec<Span>> {
    let mut out: BTreeMap<String, Vec<Span>> = BTreeMap::new();
    for file in files {
        let spans: Vec<Span> = literals(file)
            .filter(|l| is_secret_literal(l, masker, k))
            .map(|l| l.span.clone())
            .collect();
        if !spans.is_empty() {
            out.insert(file.path.clone(), spans);
        }
    }
    out
}

/// Replaces secret values in what findings and problems say.
pub(crate) fn redact(redactor: &Redactor, findings: &mut [Finding], problems: &mut [Problem]) {
    if redactor.is_empty() {
        return;
    }
    let fix = |text: &mut String| {
        if let std::borrow::Cow::Owned(new) = redactor.redact(text) {
            *text = new;
        }
    };
    for finding in findings {
        fix(&mut finding.message);
        for note in &mut finding.notes {
            fix(note);
        }
        fix(&mut finding.help);
        for label in &mut finding.labels {
            fix(&mut label.message);
        }
    }
    for problem in problems {
        fix(&mut problem.message);
    }
}

/// A text as a report may show it: only the `lines` it shows are kept (the others are left
/// empty, so line numbers hold), and in those the secret literals the facts know of
/// (`spans`) and any other secret-shaped value (`mask_text`) are replaced by `*`, each line's
/// length kept. Linear in the text and the spans.
pub(crate) fn shown_lines(
    text: &str,
    lines: &BTreeSet<u32>,
    spans: &[Span],
    masker: &Masker,
) -> String {
    let Some(&last) = lines.last() else { return String::new() };
    // Column ranges to mask on each shown line: `[from, to)`, and whether `from` is where the
    // literal starts (its prefix stays).
    let mut masks: BTreeMap<u32, Vec<(u32, u32, bool)>> = BTreeMap::new();
    for span in spans {
        for n in lines.range(span.line..=span.end_line.max(span.line)) {
            let from = if *n == span.line { span.column } else { 1 };
            let to = if *n == span.end_line { span.end_column } else { u32::MAX };
            masks.entry(*n).or_default().push((from, to, *n == span.line));
        }
    }
    let mut out = String::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if n > last {
            break;
        }
        if !lines.contains(&n) {
            if line.ends_with('\n') {
                out.push('\n');
            }
            continue;
        }
        let line = match masks.get_mut(&n) {
            Some(ranges) => {
                ranges.sort_unstable();
                std::borrow::Cow::Owned(mask_columns(line, ranges))
            }
            None => std::borrow::Cow::Borrowed(line),
        };
        out.push_str(&masker.mask_text(&line));
    }
    out
}

/// `*` over sorted column ranges of one line, character for character; the quotes, the
/// hashes of a raw string and a literal's `b`/`r`/`c` prefix stay.
fn mask_columns(line: &str, ranges: &[(u32, u32, bool)]) -> String {
    let mut out = String::with_capacity(line.len());
    let mut r = 0;
    for (c, ch) in line.chars().enumerate() {
        let col = u32::try_from(c + 1).unwrap_or(u32::MAX);
        while r < ranges.len() && ranges[r].1 <= col {
            r += 1;
        }
        let inside = ranges.get(r).filter(|range| range.0 <= col);
        let keep = match inside {
            None => true,
            Some(&(from, _, starts)) => {
                matches!(ch, '\n' | '\r' | '"' | '#')
                    || (starts && col <= from + 1 && matches!(ch, 'b' | 'r' | 'c'))
            }
        };
        out.push(if keep { ch } else { '*' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(binding: &str, value: &str, span: Span) -> Literal {
        Literal {
            value: value.to_string(),
            binding: binding.to_string(),
            context: "const".to_string(),
            span,
            ..Literal::default()
        }
    }

    #[test]
    fn secret_literals_are_found_masked_and_redacted() {
        let text = "const WEBHOOK_SECRET: &str = \"9f8e7d6c5b4a3928\";\nconst NAME: &str = \"hooklint\";\n";
        let file = RustFile {
            path: "a.rs".into(),
            literals: vec![
                literal("WEBHOOK_SECRET", "9f8e7d6c5b4a3928", Span::new("a.rs", 1, 30, 1, 48)),
                literal("NAME", "hooklint", Span::new("a.rs", 2, 20, 2, 30)),
            ],
            ..RustFile::default()
        };
        let files = [file];
        let k = hooklint_policy::builtin_knowledge();
        assert_eq!(secret_values(&files, &k), ["9f8e7d6c5b4a3928"]);
        let masker = Masker::new(&k);
        let spans = secret_spans(&files, &masker, &k);
        let masked = shown_lines(text, &BTreeSet::from([1, 2]), &spans["a.rs"], &masker);
        assert!(!masked.contains("9f8e7d6c"), "{masked}");
        assert!(masked.contains("\"hooklint\""));
        assert_eq!(masked.len(), text.len());
        let only_second = shown_lines(text, &BTreeSet::from([2]), &spans["a.rs"], &masker);
        assert_eq!(only_second, "\nconst NAME: &str = \"hooklint\";\n");
        let mut findings = vec![Finding {
            rule: "r".into(),
            severity: hooklint_model::Severity::Error,
            message: "`sig == \"9f8e7d6c5b4a3928\"` compares".into(),
            notes: vec!["the literal \"9f8e7d6c5b4a3928\" is compared".into()],
            span: Span::line("a.rs", 1),
            help: String::new(),
            function: String::new(),
            labels: Vec::new(),
            fingerprint: String::new(),
            confidence: hooklint_model::Confidence::High,
        }];
        let mut problems = vec![Problem::new(
            hooklint_model::ProblemCode::CelRuntimeError,
            "9f8e7d6c5b4a3928",
            None,
        )];
        redact(&Redactor::new(&secret_values(&files, &k)), &mut findings, &mut problems);
        assert!(!findings[0].message.contains("9f8e7d6c"));
        assert!(!findings[0].notes[0].contains("9f8e7d6c"), "{:?}", findings[0].notes);
        assert!(problems[0].message.starts_with("<redacted:fnv:"));
    }
}
