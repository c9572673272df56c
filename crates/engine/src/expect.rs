//! Inline expectations in fixture files: `// expect: RULE[, RULE]` (Rust) or `# expect: RULE`
//! (YAML) at the end of the offending line, or alone on the line above it. `// ok: RULE` (or
//! `# ok: RULE`) documents a deliberate negative: that rule must not fire on the line. An `ok:`
//! comment whose text is not a list of rule ids (ids contain a `/`) is an ordinary comment.
//!
//! A marker alone on its line applies to the next line that is neither blank, nor only a
//! comment, nor (in Rust) an attribute: a stack of markers can precede one line, and a marker
//! above `#[post("/hook")]` applies to the `fn` line below the attributes, where function-level
//! findings point.

use std::collections::BTreeMap;

/// One expected finding: 1-based line and rule id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expectation {
    pub line: u32,
    pub rule: String,
}

/// A marker that could not be read, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerError {
    pub line: u32,
    pub message: String,
}

const MARKERS: [(&str, Kind); 4] = [
    ("// expect:", Kind::Expect),
    ("# expect:", Kind::Expect),
    ("// ok:", Kind::Ok),
    ("# ok:", Kind::Ok),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Expect,
    Ok,
}

/// Every marker of a fixture: expected findings, documented negatives, unreadable markers.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Markers {
    pub expect: Vec<Expectation>,
    /// `ok:` markers: the rule must not be reported on that line.
    pub ok: Vec<Expectation>,
    pub errors: Vec<MarkerError>,
}

/// The comment syntax of a fixture, which decides what counts as a code line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `//` comments; `#[...]` and `#![...]` attribute lines are skipped like comments.
    Rust,
    /// `#` comments.
    Yaml,
}

impl Syntax {
    /// The syntax of a fixture file by its extension.
    pub fn of_path(path: &std::path::Path) -> Syntax {
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => Syntax::Yaml,
            _ => Syntax::Rust,
        }
    }

    fn skips(self, trimmed: &str) -> bool {
        match self {
            Syntax::Rust => {
                trimmed.starts_with("//") || trimmed.starts_with("#[") || trimmed.starts_with("#![")
            }
            Syntax::Yaml => trimmed.starts_with('#'),
        }
    }
}

/// Reads every expectation marker of a fixture's text.
pub fn parse_expectations(text: &str, syntax: Syntax) -> (Vec<Expectation>, Vec<MarkerError>) {
    let markers = parse_markers(text, syntax);
    (markers.expect, markers.errors)
}

/// Reads every `expect:` and `ok:` marker of a fixture's text.
pub fn parse_markers(text: &str, syntax: Syntax) -> Markers {
    let mut out = Markers::default();
    // Markers alone on a line wait here for the next code line.
    let mut pending: Vec<(u32, Kind, String)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let trimmed = raw.trim();
        let marker = MARKERS
            .iter()
            .filter_map(|(m, kind)| raw.find(m).map(|at| (at, m.len(), *kind)))
            .filter(|(at, len, kind)| *kind == Kind::Expect || looks_like_ids(&raw[at + len..]))
            .min_by_key(|(at, _, _)| *at);
        match marker {
            Some((at, len, kind)) => {
                let rules = &raw[at + len..];
                let alone = raw[..at].trim().is_empty();
                let mut any = false;
                for rule in rules.split(',').map(str::trim) {
                    if rule.is_empty() || rule.contains(char::is_whitespace) {
                        out.errors.push(MarkerError {
                            line,
                            message: format!("malformed expectation `{}`", trimmed),
                        });
                        continue;
                    }
                    any = true;
                    if alone {
                        pending.push((line, kind, rule.to_string()));
                    } else {
                        push(&mut out, kind, line, rule.to_string());
                    }
                }
                if !any && out.errors.last().map(|e| e.line) != Some(line) {
                    out.errors
                        .push(MarkerError { line, message: "expectation names no rule".into() });
                }
                if !alone {
                    flush(&mut pending, line, &mut out);
                }
            }
            None => {
                if !trimmed.is_empty() && !syntax.skips(trimmed) {
                    flush(&mut pending, line, &mut out);
                }
            }
        }
    }
    for (line, _, rule) in pending {
        out.errors.push(MarkerError {
            line,
            message: format!("expectation `{rule}` precedes no code line"),
        });
    }
    out.expect.sort();
    out.ok.sort();
    out
}

fn looks_like_ids(rest: &str) -> bool {
    rest.split(',').map(str::trim).all(|r| r.contains('/') && !r.contains(char::is_whitespace))
}

fn push(out: &mut Markers, kind: Kind, line: u32, rule: String) {
    let e = Expectation { line, rule };
    match kind {
        Kind::Expect => out.expect.push(e),
        Kind::Ok => out.ok.push(e),
    }
}

fn flush(pending: &mut Vec<(u32, Kind, String)>, line: u32, out: &mut Markers) {
    for (_, kind, rule) in pending.drain(..) {
        push(out, kind, line, rule);
    }
}

/// The outcome of comparing a fixture's expectations with the findings on it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Expected but not found: (line, rule).
    pub missing: Vec<Expectation>,
    /// Found but not expected: (line, rule, message).
    pub unexpected: Vec<(Expectation, String)>,
}

impl Comparison {
    pub fn is_match(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty()
    }
}

/// Compares expectations with actual findings `(line, rule, message)` as multisets.
pub fn compare(expected: &[Expectation], actual: &[(u32, String, String)]) -> Comparison {
    let mut want: BTreeMap<(u32, &str), usize> = BTreeMap::new();
    for e in expected {
        *want.entry((e.line, e.rule.as_str())).or_default() += 1;
    }
    let mut result = Comparison::default();
    let mut sorted: Vec<&(u32, String, String)> = actual.iter().collect();
    sorted.sort();
    for (line, rule, message) in sorted {
        match want.get_mut(&(*line, rule.as_str())) {
            Some(n) if *n > 0 => *n -= 1,
            _ => result
                .unexpected
                .push((Expectation { line: *line, rule: rule.clone() }, message.clone())),
        }
    }
    for ((line, rule), n) in want {
        for _ in 0..n {
            result.missing.push(Expectation { line, rule: rule.to_string() });
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<(u32, String)> {
        let (found, errors) = parse_expectations(text, Syntax::Rust);
        assert!(errors.is_empty(), "{errors:?}");
        found.into_iter().map(|e| (e.line, e.rule)).collect()
    }

    #[test]
    fn trailing_marker_applies_to_its_line() {
        assert_eq!(
            rules("let a = 1;\nif sig == x {} // expect: crypto/x\n"),
            [(2, "crypto/x".into())]
        );
    }

    #[test]
    fn marker_alone_applies_to_next_code_line() {
        let text = "// expect: a/b\n// a comment\n\nfn f() {}\n";
        assert_eq!(rules(text), [(4, "a/b".into())]);
    }

    #[test]
    fn marker_above_attributes_applies_to_the_item_line() {
        let text = "// expect: a/b\n#[post(\"/hook\")]\nasync fn hook() {}\n";
        assert_eq!(rules(text), [(3, "a/b".into())]);
    }

    #[test]
    fn several_rules_and_yaml_markers() {
        let text = "# expect: e/f\nurl: http://x # expect: a/b, c/d\n";
        let (found, errors) = parse_expectations(text, Syntax::Yaml);
        assert!(errors.is_empty(), "{errors:?}");
        let found: Vec<(u32, String)> = found.into_iter().map(|e| (e.line, e.rule)).collect();
        assert_eq!(found, [(2, "a/b".into()), (2, "c/d".into()), (2, "e/f".into())]);
    }

    #[test]
    fn malformed_and_dangling_markers_are_errors() {
        let text = "x // expect:\n// expect: a b\n// expect: c/d\n";
        let (_, errors) = parse_expectations(text, Syntax::Rust);
        assert_eq!(errors.len(), 3, "{errors:?}");
    }

    #[test]
    fn ok_markers_document_negatives() {
        let text = "// ok: a/b\nfn f() {}\nlet x = 1; // ok: c/d, e/f\n// ok: this is fine\nx\n";
        let m = parse_markers(text, Syntax::Rust);
        assert!(m.errors.is_empty(), "{:?}", m.errors);
        assert!(m.expect.is_empty());
        let ok: Vec<(u32, &str)> = m.ok.iter().map(|e| (e.line, e.rule.as_str())).collect();
        assert_eq!(ok, [(2, "a/b"), (3, "c/d"), (3, "e/f")]);
    }

    #[test]
    fn comparison_reports_missing_and_unexpected() {
        let expected = vec![Expectation { line: 3, rule: "a/b".into() }];
        let actual = vec![(4, "a/b".to_string(), "msg".to_string())];
        let c = compare(&expected, &actual);
        assert_eq!(c.missing, expected);
        assert_eq!(c.unexpected.len(), 1);
        assert!(!c.is_match());
        assert!(compare(&expected, &[(3, "a/b".into(), "m".into())]).is_match());
    }
}
