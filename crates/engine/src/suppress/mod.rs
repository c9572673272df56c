//! Inline suppressions: `// hooklint: allow(RULE[, RULE]) -- reason` in Rust and
//! `# hooklint: allow(...) -- reason` in YAML.
//!
//! Placement decides what a comment covers:
//! - after code on the same line: that line;
//! - alone on its line: the next syntactic unit, found by a scan over brackets that skips
//!   strings, chars and comments. The unit starts at the next line with code and ends at the
//!   first `;` or closing `}` at bracket depth zero, or just before a bracket that closes an
//!   enclosing block (a tail expression). For an item (`fn`, `impl`, `mod`, `struct`, ...)
//!   with its attributes that is the whole item; for a function the extractor's `item_span`
//!   widens it when it reaches further. An `if` statement ends at its first block, so an
//!   `else` branch is not covered. In YAML, the unit is the next key with every line indented
//!   deeper below it.
//!
//! Parsing is strict: a comment that starts like a directive but is not a well-formed one, or
//! names a rule that does not exist, suppresses nothing and is reported. The diagnostics about
//! suppressions are findings under `hooklint/`, and no comment can silence them.

mod coverage;
mod directive;
mod lex;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use hooklint_model::{Finding, Function, Severity, Span};

use coverage::{coverage, unit_ends};
use directive::{parse_directive, Directive};
use lex::{lex_rust, lex_yaml};

use crate::meta_rules::{MALFORMED, META_RULES, NOT_APPLICABLE, UNUSED, WITHOUT_REASON};

const DIRECTIVE_HELP: &str = "write `// hooklint: allow(RULE[, RULE]) -- reason`";

/// One well-formed inline suppression and what it did in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub path: String,
    /// Where the comment is: line and the columns of the comment marker to the line's end.
    pub span: Span,
    /// Rules it silences; unsuppressible rules it named are left out.
    pub rules: Vec<String>,
    /// Empty when the comment gives none.
    pub reason: String,
    /// The lines it covers, inclusive.
    pub start_line: u32,
    pub end_line: u32,
    /// Rules of `rules` that silenced at least one finding.
    pub used_rules: Vec<String>,
}

impl Suppression {
    pub fn used(&self) -> bool {
        !self.used_rules.is_empty()
    }
}

/// A finding an inline comment silenced, with that comment's reason and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressedFinding {
    pub finding: Finding,
    pub reason: String,
    pub comment_line: u32,
}

/// Which rule ids exist, which run and which cannot be silenced inline.
#[derive(Debug, Default)]
pub(crate) struct RuleSets {
    pub known: BTreeSet<String>,
    pub active: BTreeSet<String>,
    pub unsuppressible: BTreeSet<String>,
}

/// The comment syntax of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    Rust,
    Yaml,
}

impl Syntax {
    pub fn of(path: &str) -> Syntax {
        if path.ends_with(".yaml") || path.ends_with(".yml") {
            Syntax::Yaml
        } else {
            Syntax::Rust
        }
    }
}

/// The suppressions of one file and the diagnostics about its comments.
#[derive(Debug, Default)]
pub(crate) struct FileScan {
    pub suppressions: Vec<Suppression>,
    pub diagnostics: Vec<Finding>,
}

/// Whether a directive can be in the text at all: every directive names `hooklint`.
pub(crate) fn mentions_hooklint(text: &str) -> bool {
    // A cheap first-byte test (`h` or `H`) before the comparison: every file is scanned.
    let b = text.as_bytes();
    b.len() >= 8
        && (0..=b.len() - 8)
            .any(|i| b[i] | 0x20 == b'h' && b[i..i + 8].eq_ignore_ascii_case(b"hooklint"))
}

/// Finds and checks every suppression comment of one file.
pub(crate) fn scan(path: &str, text: &str, functions: &[Function], rules: &RuleSets) -> FileScan {
    let mut out = FileScan::default();
    // Almost every file has no directive: skip lexing them.
    if !mentions_hooklint(text) {
        return out;
    }
    let syntax = Syntax::of(path);
    let mut lexed = match syntax {
        Syntax::Rust => lex_rust(text),
        Syntax::Yaml => lex_yaml(text),
    };
    lexed.ends = unit_ends(&lexed.tokens);
    let mut items: Vec<(u32, u32)> =
        functions.iter().map(|f| (f.item_span.line, f.item_span.end_line)).collect();
    items.sort_unstable();
    for comment in &lexed.comments {
        let span = Span::new(path, comment.line, comment.column, comment.line, comment.end_column);
        let (ids, reason) = match parse_directive(&comment.text) {
            Directive::NotOurs => continue,
            Directive::Malformed(message) => {
                out.diagnostics.push(diagnostic(MALFORMED, message, span, DIRECTIVE_HELP));
                continue;
            }
            Directive::Allow { rules, reason } => (rules, reason),
        };
        let unknown: Vec<&String> = ids
            .iter()
            .filter(|id| !rules.known.contains(*id) && !META_RULES.contains(&id.as_str()))
            .collect();
        if !unknown.is_empty() {
            let names: Vec<String> = unknown.iter().map(|id| format!("`{id}`")).collect();
            out.diagnostics.push(diagnostic(
                MALFORMED,
                format!("unknown rule {} in suppression; it suppresses nothing", names.join(", ")),
                span,
                "`cargo hooklint rules` lists every rule id",
            ));
            continue;
        }
        let mut applicable = Vec::new();
        for id in ids {
            if META_RULES.contains(&id.as_str()) {
                out.diagnostics.push(diagnostic(
                    NOT_APPLICABLE,
                    format!("`{id}` reports on suppressions and cannot itself be suppressed"),
                    span.clone(),
                    "fix the suppression comment it points at",
                ));
            } else if rules.unsuppressible.contains(&id) {
                out.diagnostics.push(diagnostic(
                    NOT_APPLICABLE,
                    format!("rule `{id}` is unsuppressible: this comment does not silence it"),
                    span.clone(),
                    "fix the code, or disable the rule in the configuration",
                ));
            } else if !applicable.contains(&id) {
                applicable.push(id);
            }
        }
        if applicable.is_empty() {
            continue;
        }
        if reason.is_empty() {
            out.diagnostics.push(diagnostic(
                WITHOUT_REASON,
                format!("suppression of {} gives no reason", quoted(&applicable)),
                span.clone(),
                "say why the finding is acceptable after `--`: `allow(RULE) -- reason`",
            ));
        }
        let (start_line, end_line) = if comment.trailing {
            (comment.line, comment.line)
        } else {
            coverage(&lexed, syntax, comment.line, &items)
        };
        out.suppressions.push(Suppression {
            path: path.to_string(),
            span,
            rules: applicable,
            reason,
            start_line,
            end_line,
            used_rules: Vec::new(),
        });
    }
    out
}

/// Moves the findings of one file that a suppression covers out of `findings`, marking the
/// suppressions used.
pub(crate) fn apply(
    suppressions: &mut [Suppression],
    findings: Vec<Finding>,
) -> (Vec<Finding>, Vec<SuppressedFinding>) {
    // Suppressions by (path, rule), in start line order, and findings by the same key, in line
    // order (the input is sorted by path and line): one sweep per key keeps hostile files with
    // many comments and findings linear-logarithmic.
    let mut candidates: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, s) in suppressions.iter().enumerate() {
        for rule in &s.rules {
            candidates.entry((s.path.as_str(), rule.as_str())).or_default().push(i);
        }
    }
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        groups.entry((f.span.file.as_str(), f.rule.as_str())).or_default().push(i);
    }
    let mut decision: Vec<Option<usize>> = vec![None; findings.len()];
    for (key, group) in &groups {
        let Some(mut cands) = candidates.get(key).cloned() else { continue };
        cands.sort_by_key(|&c| suppressions.get(c).map(|s| (s.start_line, s.span.line)));
        let mut heap: BinaryHeap<(u32, usize)> = BinaryHeap::new();
        let mut next = cands.iter().peekable();
        for &fi in group {
            let Some(line) = findings.get(fi).map(|f| f.span.line) else { continue };
            while let Some(&&c) = next.peek() {
                match suppressions.get(c) {
                    Some(s) if s.start_line <= line => {
                        // The nearest comment wins when several cover a finding.
                        heap.push((s.span.line, c));
                        next.next();
                    }
                    _ => break,
                }
            }
            // Lines only grow, so a suppression ending above this finding covers no later one.
            while let Some(&(_, c)) = heap.peek() {
                if suppressions.get(c).is_some_and(|s| s.end_line < line) {
                    heap.pop();
                } else {
                    break;
                }
            }
            if let (Some(&(_, c)), Some(slot)) = (heap.peek(), decision.get_mut(fi)) {
                *slot = Some(c);
            }
        }
    }
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for (finding, by) in findings.into_iter().zip(decision) {
        match by.and_then(|c| suppressions.get_mut(c)) {
            Some(s) => {
                if !s.used_rules.contains(&finding.rule) {
                    s.used_rules.push(finding.rule.clone());
                }
                let reason = s.reason.clone();
                suppressed.push(SuppressedFinding { finding, reason, comment_line: s.span.line });
            }
            None => kept.push(finding),
        }
    }
    (kept, suppressed)
}

/// `hooklint/unused-suppression` for every rule of a suppression that silenced nothing, when
/// that rule ran (a rule left out with `--only`/`--skip` may well have findings there).
pub(crate) fn unused(suppressions: &[Suppression], rules: &RuleSets) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in suppressions {
        let idle: Vec<String> = s
            .rules
            .iter()
            .filter(|r| rules.active.contains(*r) && !s.used_rules.contains(r))
            .cloned()
            .collect();
        if idle.is_empty() {
            continue;
        }
        let lines = if s.start_line == s.end_line {
            format!("line {}", s.start_line)
        } else {
            format!("lines {}-{}", s.start_line, s.end_line)
        };
        out.push(diagnostic(
            UNUSED,
            format!("suppression of {} matches no finding on {lines}", quoted(&idle)),
            s.span.clone(),
            "remove it, or put it on or just above the line the finding is reported on",
        ));
    }
    out
}

fn diagnostic(rule: &str, message: String, span: Span, help: &str) -> Finding {
    Finding {
        rule: rule.to_string(),
        severity: Severity::Warning,
        message,
        notes: Vec::new(),
        span,
        help: help.to_string(),
        function: String::new(),
        labels: Vec::new(),
        fingerprint: String::new(),
        confidence: hooklint_model::Confidence::High,
    }
}

fn quoted(ids: &[String]) -> String {
    ids.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
}
