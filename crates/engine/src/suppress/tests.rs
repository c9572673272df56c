use super::*;

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
fn files_that_mention_hooklint_in_any_case() {
    for yes in ["// hooklint: allow", "x HookLint", "HOOKLINT", "ahooklint"] {
        assert!(mentions_hooklint(yes), "{yes}");
    }
    for no in ["", "hooklin", "hook lint", "// ooklint", "höoklint"] {
        assert!(!mentions_hooklint(no), "{no}");
    }
}
