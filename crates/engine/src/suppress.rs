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

use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use hooklint_model::{Finding, Function, Severity, Span};
use hooklint_policy::RuleInfo;

/// A comment that starts like a directive but is not a well-formed one, or names an unknown
/// rule. It suppresses nothing.
pub const MALFORMED: &str = "hooklint/malformed-suppression";
/// A suppression with no `-- reason`. It still applies.
pub const WITHOUT_REASON: &str = "hooklint/suppression-without-reason";
/// A suppression (or one of its rules) that silenced no finding.
pub const UNUSED: &str = "hooklint/unused-suppression";
/// A suppression naming a rule that inline comments cannot silence. The finding stays.
pub const NOT_APPLICABLE: &str = "hooklint/unsuppressible-rule";

/// A suppression comment on a line the change being checked adds or modifies (`--new-since`).
pub const ADDED: &str = "hooklint/new-suppression";

/// Every rule id the suppression machinery reports under, in order.
pub const META_RULES: [&str; 5] = [MALFORMED, WITHOUT_REASON, UNUSED, NOT_APPLICABLE, ADDED];

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
    text.as_bytes().windows(8).any(|w| w.eq_ignore_ascii_case(b"hooklint"))
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

/// The rules' own pages, for `explain` and the SARIF rule list.
pub fn meta_rules() -> Vec<RuleInfo> {
    let fix_comment = "Write the comment as `// hooklint: allow(RULE[, RULE]) -- reason` (`#` \
                       instead of `//` in YAML): the word `allow`, the rule ids in parentheses, \
                       then `--` and why the finding is acceptable.";
    let good_comment = "// hooklint: allow(crypto/non-constant-time-compare) -- compares public \
                        ids, not secrets";
    let docs: [(&str, &str, &str, &str, &str, &str); 5] = [
        (
            MALFORMED,
            "Malformed suppression comment",
            "A comment that looks like a suppression but is not a well-formed one, or names a \
             rule that does not exist, silences nothing. Reporting it keeps a typo from \
             looking like an accepted risk while the finding it meant to silence still fails \
             the build.",
            fix_comment,
            "// hooklint: alow(crypto/non-constant-time-compare) -- compares public ids",
            good_comment,
        ),
        (
            WITHOUT_REASON,
            "Suppression without a reason",
            "A suppression is an accepted risk. Without a reason, a reviewer or auditor cannot \
             tell whether it was considered or just made the build pass. The suppression still \
             applies.",
            fix_comment,
            "// hooklint: allow(crypto/non-constant-time-compare)",
            good_comment,
        ),
        (
            UNUSED,
            "Suppression that suppresses nothing",
            "A suppression that matches no finding is stale (the code was fixed or moved) or \
             misplaced; left in place it would silently cover a future finding.",
            "Remove the comment, or put it at the end of the line the finding is reported on, \
             on the line above it, or above the item that contains it.",
            "// hooklint: allow(tls/verification-disabled) -- test server\n\nfn unrelated() {}",
            "// hooklint: allow(tls/verification-disabled) -- test server\n\
             let client = builder.danger_accept_invalid_certs(true).build()?;",
        ),
        (
            NOT_APPLICABLE,
            "Suppression of an unsuppressible rule",
            "Some rules are marked `unsuppressible: true`: inline comments cannot silence \
             them, only configuration can disable them. A comment naming one has no effect, \
             and the finding stays. The `hooklint/` rules themselves cannot be suppressed \
             either.",
            "Fix the code, or disable the rule in the configuration, where the decision is \
             reviewed once for the whole project.",
            "// hooklint: allow(hooklint/unused-suppression) -- keep it",
            "",
        ),
        (
            ADDED,
            "Suppression added by the change",
            "In a diff-aware run (`--new-since`), a suppression comment on a line the change \
             adds or edits is reported, so that the pull request that silences a finding says \
             so where reviewers look, instead of the finding simply disappearing.",
            "Confirm the accepted risk in review. Rules that must never be silenced inline are \
             marked `unsuppressible = true` in the trusted configuration.",
            "// hooklint: allow(tls/verification-disabled) -- temporary",
            "",
        ),
    ];
    docs.into_iter()
        .map(|(id, title, why, fix, bad, good)| RuleInfo {
            id: id.to_string(),
            title: title.to_string(),
            severity: Severity::Warning,
            target: "rust.file".to_string(),
            source: "built-in".to_string(),
            why: format!("{why}\n"),
            fix: format!("{fix}\n"),
            bad: format!("{bad}\n"),
            good: if good.is_empty() { String::new() } else { format!("{good}\n") },
            help: String::new(),
            unsuppressible: true,
        })
        .collect()
}

fn diagnostic(rule: &str, message: String, span: Span, help: &str) -> Finding {
    Finding {
        rule: rule.to_string(),
        severity: Severity::Warning,
        message,
        span,
        help: help.to_string(),
        function: String::new(),
        labels: Vec::new(),
        fingerprint: String::new(),
    }
}

fn quoted(ids: &[String]) -> String {
    ids.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
}

// ---------------------------------------------------------------------------------------------
// Directive parsing
// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq, Eq)]
enum Directive {
    /// An ordinary comment.
    NotOurs,
    Malformed(String),
    Allow {
        rules: Vec<String>,
        reason: String,
    },
}

/// Parses a comment's text (after `//` or `#`).
fn parse_directive(text: &str) -> Directive {
    let text = text.trim();
    let Some(head) = text.get(..8) else { return Directive::NotOurs };
    if !head.eq_ignore_ascii_case("hooklint") {
        return Directive::NotOurs;
    }
    let rest = text.get(8..).unwrap_or_default();
    if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-') {
        return Directive::NotOurs;
    }
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix(':') {
        Some(rest) => rest.trim_start(),
        None => {
            // Prose that merely starts with the word stays prose; `hooklint allow(...)` is a
            // directive with a typo.
            let word_end = rest.find(|c: char| !c.is_alphanumeric()).unwrap_or(rest.len());
            if rest.starts_with('(') || tail(rest, word_end).trim_start().starts_with('(') {
                return Directive::Malformed(
                    "malformed suppression: expected `:` after `hooklint`".to_string(),
                );
            }
            return Directive::NotOurs;
        }
    };
    let word_end =
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
    let word = rest.get(..word_end).unwrap_or_default();
    if word != "allow" {
        let message = if word.is_empty() {
            "malformed suppression: expected `allow(RULE, ...)` after `hooklint:`".to_string()
        } else {
            format!("malformed suppression: unknown directive `{word}`, expected `allow`")
        };
        return Directive::Malformed(message);
    }
    let rest = tail(rest, word_end).trim_start();
    let Some(inner) = rest.strip_prefix('(') else {
        return Directive::Malformed(
            "malformed suppression: expected `(` and rule ids after `allow`".to_string(),
        );
    };
    let Some(close) = inner.find(')') else {
        return Directive::Malformed("malformed suppression: missing `)`".to_string());
    };
    let list = inner.get(..close).unwrap_or_default();
    let after = tail(inner, close + 1).trim();
    let rules: Vec<String> = list.split(',').map(|id| id.trim().to_string()).collect();
    if rules.iter().all(String::is_empty) {
        return Directive::Malformed("malformed suppression: empty rule list".to_string());
    }
    if rules.iter().any(String::is_empty) {
        return Directive::Malformed("malformed suppression: empty rule id in list".to_string());
    }
    if let Some(bad) = rules.iter().find(|id| id.contains(char::is_whitespace)) {
        return Directive::Malformed(format!(
            "malformed suppression: `{bad}` is not a rule id (separate ids with commas)"
        ));
    }
    let reason = if after.is_empty() {
        String::new()
    } else if let Some(reason) = after.strip_prefix("--") {
        reason.trim().to_string()
    } else {
        return Directive::Malformed(
            "malformed suppression: expected `-- reason` after the rule list".to_string(),
        );
    };
    Directive::Allow { rules, reason }
}

/// `text` from byte `at` on; empty past the end. Every caller passes a boundary found by
/// `find`, so the fallback only guards against a future mistake.
fn tail(text: &str, at: usize) -> &str {
    text.get(at..).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Lexing: comments and brackets outside strings
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
struct Comment {
    line: u32,
    /// 1-based character column of the comment marker.
    column: u32,
    /// Exclusive end column: the line's end.
    end_column: u32,
    /// Text after the marker (`//`, `///`, `//!` or `#`).
    text: String,
    /// Code precedes the comment on its line.
    trailing: bool,
}

#[derive(Debug, Default)]
struct Lexed {
    comments: Vec<Comment>,
    /// Brackets and `;` outside strings and comments, with their lines.
    tokens: Vec<(u32, char)>,
    /// Lines with code outside comments.
    code_lines: BTreeSet<u32>,
    /// Indentation (in characters) of each line with code, for YAML.
    indents: BTreeMap<u32, usize>,
    /// Per token, where a unit starting at it ends (see `unit_ends`).
    ends: Vec<UnitEnd>,
}

fn lex_rust(text: &str) -> Lexed {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let mut out = Lexed::default();
    let mut line: u32 = 1;
    let mut line_start = 0usize;
    let mut i = 0usize;
    while let Some(c) = at(i) {
        match c {
            '\n' => {
                line = line.saturating_add(1);
                line_start = i + 1;
                i += 1;
            }
            '/' if at(i + 1) == Some('/') => {
                let end = (i..chars.len()).find(|&j| at(j) == Some('\n')).unwrap_or(chars.len());
                let body: String = chars.get(i + 2..end).unwrap_or_default().iter().collect();
                let body = body.trim_start_matches('/');
                let body = body.strip_prefix('!').unwrap_or(body);
                let column = i - line_start + 1;
                out.comments.push(Comment {
                    line,
                    column: to_u32(column),
                    end_column: to_u32(end - line_start + 1),
                    text: body.trim_end_matches('\r').to_string(),
                    trailing: out.code_lines.contains(&line),
                });
                i = end;
            }
            '/' if at(i + 1) == Some('*') => {
                let mut depth = 1u32;
                i += 2;
                while depth > 0 {
                    match (at(i), at(i + 1)) {
                        (None, _) => break,
                        (Some('/'), Some('*')) => {
                            depth += 1;
                            i += 2;
                        }
                        (Some('*'), Some('/')) => {
                            depth -= 1;
                            i += 2;
                        }
                        (Some('\n'), _) => {
                            line = line.saturating_add(1);
                            line_start = i + 1;
                            i += 1;
                        }
                        _ => i += 1,
                    }
                }
            }
            '"' => {
                out.code_lines.insert(line);
                i += 1;
                while let Some(s) = at(i) {
                    match s {
                        '\\' => {
                            if at(i + 1) == Some('\n') {
                                line = line.saturating_add(1);
                                line_start = i + 2;
                            }
                            i += 2;
                        }
                        '"' => {
                            i += 1;
                            break;
                        }
                        '\n' => {
                            line = line.saturating_add(1);
                            line_start = i + 1;
                            i += 1;
                            out.code_lines.insert(line);
                        }
                        _ => i += 1,
                    }
                }
            }
            'r' if !i.checked_sub(1).and_then(at).is_some_and(is_ident_char)
                || (i >= 1
                    && matches!(at(i - 1), Some('b' | 'c'))
                    && !i.checked_sub(2).and_then(at).is_some_and(is_ident_char)) =>
            {
                let mut j = i + 1;
                while at(j) == Some('#') {
                    j += 1;
                }
                if at(j) != Some('"') {
                    out.code_lines.insert(line);
                    i += 1;
                    continue;
                }
                let hashes = j - i - 1;
                out.code_lines.insert(line);
                i = j + 1;
                while let Some(s) = at(i) {
                    if s == '"' && (1..=hashes).all(|k| at(i + k) == Some('#')) {
                        i += 1 + hashes;
                        break;
                    }
                    if s == '\n' {
                        line = line.saturating_add(1);
                        line_start = i + 1;
                        out.code_lines.insert(line);
                    }
                    i += 1;
                }
            }
            '\'' => {
                out.code_lines.insert(line);
                // A char literal, or a lifetime or label, which has no closing quote.
                if at(i + 1) == Some('\\') {
                    let close = (i + 2..chars.len().min(i + 14)).find(|&j| at(j) == Some('\''));
                    i = close.map_or(i + 1, |j| j + 1);
                } else if at(i + 2) == Some('\'') && at(i + 1) != Some('\n') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            c if c.is_whitespace() => i += 1,
            c => {
                out.code_lines.insert(line);
                if matches!(c, '{' | '}' | '(' | ')' | '[' | ']' | ';') {
                    out.tokens.push((line, c));
                }
                i += 1;
            }
        }
    }
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// YAML comments: a `#` at the start of a line or after whitespace, outside quotes.
fn lex_yaml(text: &str) -> Lexed {
    let mut out = Lexed::default();
    for (index, raw) in text.lines().enumerate() {
        let line = to_u32(index + 1);
        let chars: Vec<char> = raw.chars().collect();
        let mut quote: Option<char> = None;
        let mut comment_at = None;
        for (j, &c) in chars.iter().enumerate() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c == '#'
                    && (j == 0 || chars.get(j - 1).is_some_and(|p| p.is_whitespace())) =>
                {
                    comment_at = Some(j);
                    break;
                }
                None => {}
            }
        }
        let code_end = comment_at.unwrap_or(chars.len());
        let code: String = chars.get(..code_end).unwrap_or_default().iter().collect();
        let has_code = !code.trim().is_empty();
        if has_code {
            out.code_lines.insert(line);
            out.indents.insert(line, code.len() - code.trim_start().len());
        }
        if let Some(j) = comment_at {
            let body: String = chars.get(j + 1..).unwrap_or_default().iter().collect();
            out.comments.push(Comment {
                line,
                column: to_u32(j + 1),
                end_column: to_u32(chars.len() + 1),
                text: body.trim_end_matches('\r').to_string(),
                trailing: has_code,
            });
        }
    }
    out
}

/// The lines an own-line comment on `line` covers. `items` are the functions' item spans as
/// sorted (first line, last line) pairs.
fn coverage(lexed: &Lexed, syntax: Syntax, line: u32, items: &[(u32, u32)]) -> (u32, u32) {
    let Some(&start) = lexed.code_lines.range(line + 1..).next() else {
        return (line, line);
    };
    match syntax {
        Syntax::Yaml => {
            let indent = lexed.indents.get(&start).copied().unwrap_or(0);
            let end = lexed
                .indents
                .range(start + 1..)
                .take_while(|(_, &i)| i > indent)
                .last()
                .map_or(start, |(&l, _)| l);
            (start, end)
        }
        Syntax::Rust => {
            let first = lexed.tokens.partition_point(|&(l, _)| l < start);
            let mut end = match lexed.ends.get(first) {
                Some(UnitEnd::Line(l)) if first < lexed.tokens.len() => (*l).max(start),
                _ => start,
            };
            // The extractor knows a function's exact extent; prefer it where it reaches further.
            let from = items.partition_point(|&(l, _)| l < start);
            for &(l, item_end) in items.get(from..).unwrap_or_default() {
                if l > end {
                    break;
                }
                end = end.max(item_end);
            }
            (start, end)
        }
    }
}

/// Where a statement or item whose first token is a given one ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnitEnd {
    /// On this line: a `;` or the `}` of a block at depth zero, or the end of the file.
    Line(u32),
    /// At a bracket closing the enclosing block: just before it (a tail expression).
    Close,
}

/// For every token, where a unit starting at it ends: the first `;` or closing `}` at bracket
/// depth zero, or just before a bracket that closes an enclosing block. One backward pass
/// over matched brackets, so that many comments cost no more than one.
fn unit_ends(tokens: &[(u32, char)]) -> Vec<UnitEnd> {
    let mut matching: Vec<Option<usize>> = vec![None; tokens.len()];
    let mut open = Vec::new();
    for (i, &(_, c)) in tokens.iter().enumerate() {
        match c {
            '{' | '(' | '[' => open.push(i),
            '}' | ')' | ']' => {
                if let Some(slot) = open.pop().and_then(|o| matching.get_mut(o)) {
                    *slot = Some(i);
                }
            }
            _ => {}
        }
    }
    let eof = UnitEnd::Line(tokens.last().map_or(0, |&(l, _)| l));
    let mut ends = vec![eof; tokens.len() + 1];
    for (i, &(line, c)) in tokens.iter().enumerate().rev() {
        let end = match c {
            ';' => UnitEnd::Line(line),
            '}' | ')' | ']' => UnitEnd::Close,
            _ => match matching.get(i).copied().flatten() {
                None => eof,
                Some(m) => match tokens.get(m) {
                    Some(&(close_line, '}')) => UnitEnd::Line(close_line),
                    Some(&(close_line, _)) => match ends.get(m + 1) {
                        Some(UnitEnd::Close) | None => UnitEnd::Line(close_line),
                        Some(&end) => end,
                    },
                    None => eof,
                },
            },
        };
        if let Some(slot) = ends.get_mut(i) {
            *slot = end;
        }
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(rules: &[&str], reason: &str) -> Directive {
        Directive::Allow {
            rules: rules.iter().map(|r| r.to_string()).collect(),
            reason: reason.to_string(),
        }
    }

    fn malformed(text: &str) -> String {
        match parse_directive(text) {
            Directive::Malformed(m) => m,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn parses_directives() {
        assert_eq!(parse_directive(" hooklint: allow(a/b) -- fine"), allow(&["a/b"], "fine"));
        assert_eq!(
            parse_directive("hooklint:allow( a/b ,c/d )--  two words "),
            allow(&["a/b", "c/d"], "two words")
        );
        assert_eq!(parse_directive(" HookLint: allow(a/b)"), allow(&["a/b"], ""));
        assert_eq!(parse_directive(" hooklint: allow(a/b) --"), allow(&["a/b"], ""));
        assert_eq!(parse_directive(" hooklint checks this module"), Directive::NotOurs);
        assert_eq!(parse_directive(" hooklinter: allow(x)"), Directive::NotOurs);
        assert_eq!(parse_directive(" see hooklint: allow(x)"), Directive::NotOurs);
        assert_eq!(parse_directive(""), Directive::NotOurs);
        assert_eq!(parse_directive(" hook"), Directive::NotOurs);
        assert_eq!(parse_directive(" hooklinté"), Directive::NotOurs);
    }

    #[test]
    fn malformed_directives_say_what_is_wrong() {
        assert!(malformed(" hooklint: alow(a/b) -- r").contains("unknown directive `alow`"));
        assert!(malformed(" hooklint allow(a/b)").contains("expected `:`"));
        assert!(malformed(" hooklint:").contains("expected `allow(RULE, ...)`"));
        assert!(malformed(" hooklint: allow a/b").contains("expected `(`"));
        assert!(malformed(" hooklint: allow(a/b -- r").contains("missing `)`"));
        assert!(malformed(" hooklint: allow() -- r").contains("empty rule list"));
        assert!(malformed(" hooklint: allow( , ) -- r").contains("empty rule list"));
        assert!(malformed(" hooklint: allow(a/b,,c/d)").contains("empty rule id"));
        assert!(malformed(" hooklint: allow(a/b c/d)").contains("separate ids with commas"));
        assert!(malformed(" hooklint: allow(a/b) because").contains("expected `-- reason`"));
    }

    #[test]
    fn lexes_comments_outside_strings() {
        let text = "let a = \"// hooklint: allow(x)\"; // hooklint: allow(y)\n\
                    let b = r#\"\n// hooklint: allow(z)\n\"#;\n\
                    /* // hooklint: allow(w) */\n\
                    let c = '\"'; let d: &'static str = \"x\"; // end\n\
                    /// hooklint: allow(doc)\n";
        let lexed = lex_rust(text);
        let comments: Vec<(u32, &str, bool)> =
            lexed.comments.iter().map(|c| (c.line, c.text.as_str(), c.trailing)).collect();
        assert_eq!(
            comments,
            [
                (1, " hooklint: allow(y)", true),
                (6, " end", true),
                (7, " hooklint: allow(doc)", false)
            ]
        );
        assert_eq!(lexed.comments[0].column, 34);
    }

    #[test]
    fn lexing_unterminated_input_does_not_panic() {
        for text in ["\"abc", "r#\"abc", "/* abc", "'", "'\\", "br", "//", "\\", "r#", "'a"] {
            let _ = lex_rust(text);
            let _ = scan("a.rs", &format!("// hooklint: allow(a/b)\n{text}"), &[], &sets());
        }
    }

    fn sets() -> RuleSets {
        let ids = ["a/b", "c/d", "u/x"];
        RuleSets {
            known: ids.iter().map(|s| s.to_string()).collect(),
            active: ids.iter().map(|s| s.to_string()).collect(),
            unsuppressible: ["u/x".to_string()].into(),
        }
    }

    fn ranges(text: &str) -> Vec<(u32, u32)> {
        scan("a.rs", text, &[], &sets())
            .suppressions
            .iter()
            .map(|s| (s.start_line, s.end_line))
            .collect()
    }

    #[test]
    fn covers_lines_statements_and_items() {
        let text = "\
fn f() {
    let x = 1; // hooklint: allow(a/b) -- here
    // hooklint: allow(a/b) -- next statement

    let client = builder()
        .danger(true)
        .build();
    // hooklint: allow(a/b) -- tail
    g(|| {
        1
    })
}

// hooklint: allow(a/b) -- whole item
#[post(\"/x\")]
impl A {
    fn g() {}
}
// hooklint: allow(a/b) -- item without body
struct B(u8);
";
        assert_eq!(ranges(text), [(2, 2), (5, 7), (9, 11), (15, 18), (20, 20)]);
    }

    #[test]
    fn function_item_spans_widen_the_scan() {
        let text = "// hooklint: allow(a/b) -- r\nfn f() {}\n";
        let f = Function { item_span: Span::new("a.rs", 2, 1, 9, 2), ..Function::default() };
        let scan = scan("a.rs", text, &[f], &sets());
        assert_eq!((scan.suppressions[0].start_line, scan.suppressions[0].end_line), (2, 9));
    }

    #[test]
    fn yaml_comments_cover_a_key_and_its_children() {
        let text = "\
a: 1 # hooklint: allow(a/b) -- trailing
# hooklint: allow(c/d) -- block
b:
  c: '#not a comment'
  d:
    - e

f: 2
";
        let scan = scan("x.yaml", text, &[], &sets());
        let got: Vec<(u32, u32)> =
            scan.suppressions.iter().map(|s| (s.start_line, s.end_line)).collect();
        assert_eq!(got, [(1, 1), (3, 6)]);
        assert!(scan.diagnostics.is_empty());
    }

    #[test]
    fn reports_unknown_unsuppressible_and_reasonless_suppressions() {
        let text = "\
// hooklint: allow(a/b, nope/x) -- r
// hooklint: allow(u/x) -- r
// hooklint: allow(u/x, a/b)
// hooklint: allow(hooklint/unused-suppression) -- r
// hooklint: alow(a/b) -- r
fn f() {}
";
        let scan = scan("a.rs", text, &[], &sets());
        let got: Vec<(&str, u32)> =
            scan.diagnostics.iter().map(|d| (d.rule.as_str(), d.span.line)).collect();
        assert_eq!(
            got,
            [
                (MALFORMED, 1),
                (NOT_APPLICABLE, 2),
                (NOT_APPLICABLE, 3),
                (WITHOUT_REASON, 3),
                (NOT_APPLICABLE, 4),
                (MALFORMED, 5)
            ]
        );
        assert!(scan.diagnostics[0].message.contains("`nope/x`"));
        assert_eq!(scan.suppressions.len(), 1);
        assert_eq!(scan.suppressions[0].rules, ["a/b"]);
        assert!(scan.diagnostics.iter().all(|d| d.severity == Severity::Warning));
    }

    fn finding(rule: &str, line: u32) -> Finding {
        Finding {
            rule: rule.into(),
            span: Span::line("a.rs", line),
            ..diagnostic("x", String::new(), Span::default(), "")
        }
    }

    #[test]
    fn applies_to_matching_rules_and_lines_and_reports_unused_rules() {
        let text = "// hooklint: allow(a/b, c/d) -- reason\nfn f() {\n    x();\n}\n";
        let mut scan = scan("a.rs", text, &[], &sets());
        let findings = vec![finding("a/b", 3), finding("u/x", 3), finding("a/b", 5)];
        let (kept, suppressed) = apply(&mut scan.suppressions, findings);
        assert_eq!(kept.iter().map(|f| f.span.line).collect::<Vec<_>>(), [3, 5]);
        assert_eq!(suppressed.len(), 1);
        assert_eq!(suppressed[0].reason, "reason");
        assert_eq!(suppressed[0].comment_line, 1);
        let unused = unused(&scan.suppressions, &sets());
        assert_eq!(unused.len(), 1);
        assert_eq!(unused[0].message, "suppression of `c/d` matches no finding on lines 2-4");
        let mut inactive = sets();
        inactive.active.remove("c/d");
        assert!(super::unused(&scan.suppressions, &inactive).is_empty());
    }

    #[test]
    fn the_nearest_covering_comment_wins_and_outer_ones_stay_unused_for_it() {
        let text = "\
// hooklint: allow(a/b) -- item
fn f() {
    x(); // hooklint: allow(a/b) -- line
}
";
        let mut scan = scan("a.rs", text, &[], &sets());
        let (kept, suppressed) =
            apply(&mut scan.suppressions, vec![finding("a/b", 3), finding("a/b", 3)]);
        assert!(kept.is_empty());
        assert!(suppressed.iter().all(|s| s.reason == "line" && s.comment_line == 3));
        let unused = unused(&scan.suppressions, &sets());
        assert_eq!(unused.iter().map(|u| u.span.line).collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn many_comments_in_one_unclosed_block_stay_fast() {
        let mut text = String::from("fn f() {\n");
        for _ in 0..20_000 {
            text.push_str("// hooklint: allow(a/b) -- r\nx(a, [b; 2]);\n");
        }
        let start = std::time::Instant::now();
        let scan = scan("a.rs", &text, &[], &sets());
        assert_eq!(scan.suppressions.len(), 20_000);
        assert_eq!((scan.suppressions[5].start_line, scan.suppressions[5].end_line), (13, 13));
        let findings = (1..=40_001).map(|l| finding("a/b", l)).collect();
        let mut suppressions = scan.suppressions;
        let (_, suppressed) = apply(&mut suppressions, findings);
        assert_eq!(suppressed.len(), 20_000);
        assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    }

    #[test]
    fn meta_rules_are_documented_warnings() {
        let rules = meta_rules();
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, META_RULES);
        assert!(rules.iter().all(|r| r.severity == Severity::Warning && !r.why.is_empty()));
    }
}
