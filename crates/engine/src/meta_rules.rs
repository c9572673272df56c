//! The engine's own rules, `hooklint/*`: what it reports about inline suppression comments.
//!
//! This table is their one declaration: id, title, severity and docs. The suppression scan
//! (`suppress/`) reports under these ids, and `gate.rs` under `hooklint/new-suppression`;
//! `rules`, `explain`, finding titles and the SARIF rule list read them from [`meta_rules`]
//! like any policy's. They have no CEL: they are decided after suppressions are applied, so no
//! comment can silence them.

use hooklint_model::{RuleInfo, Severity, Target};

/// A comment that starts like a directive but is not a well-formed one, or names an unknown
/// rule. It suppresses nothing.
pub const MALFORMED: &str = "hooklint/malformed-suppression";
/// A suppression with no `-- reason`. It still applies.
pub const WITHOUT_REASON: &str = "hooklint/suppression-without-reason";
/// A suppression (or one of its rules) that silenced no finding.
pub const UNUSED: &str = "hooklint/unused-suppression";
/// A suppression naming a rule that inline comments cannot silence. The finding stays.
pub const NOT_APPLICABLE: &str = "hooklint/unsuppressible-rule";
/// A suppression comment on a line the change being checked adds or edits (`--new-since`).
pub const ADDED: &str = "hooklint/new-suppression";

/// Every rule id the suppression machinery reports under, in order.
pub const META_RULES: [&str; 5] = [MALFORMED, WITHOUT_REASON, UNUSED, NOT_APPLICABLE, ADDED];

const FIX_COMMENT: &str = "Write the comment as `// hooklint: allow(RULE[, RULE]) -- reason` \
                           (`#` instead of `//` in YAML): the word `allow`, the rule ids in \
                           parentheses, then `--` and why the finding is acceptable.";
const GOOD_COMMENT: &str =
    "// hooklint: allow(crypto/non-constant-time-compare) -- compares public ids, not secrets";

/// id, title, why, fix, bad, good.
const DOCS: [(&str, &str, &str, &str, &str, &str); 5] = [
    (
        MALFORMED,
        "Malformed suppression comment",
        "A comment that looks like a suppression but is not a well-formed one, or names a rule \
         that does not exist, silences nothing. Reporting it keeps a typo from looking like an \
         accepted risk while the finding it meant to silence still fails the build.",
        FIX_COMMENT,
        "// hooklint: alow(crypto/non-constant-time-compare) -- compares public ids",
        GOOD_COMMENT,
    ),
    (
        WITHOUT_REASON,
        "Suppression without a reason",
        "A suppression is an accepted risk. Without a reason, a reviewer or auditor cannot tell \
         whether it was considered or just made the build pass. The suppression still applies.",
        FIX_COMMENT,
        "// hooklint: allow(crypto/non-constant-time-compare)",
        GOOD_COMMENT,
    ),
    (
        UNUSED,
        "Suppression that suppresses nothing",
        "A suppression that matches no finding is stale (the code was fixed or moved) or \
         misplaced; left in place it would silently cover a future finding.",
        "Remove the comment, or put it at the end of the line the finding is reported on, on \
         the line above it, or above the item that contains it.",
        "// hooklint: allow(tls/verification-disabled) -- test server\n\nfn unrelated() {}",
        "// hooklint: allow(tls/verification-disabled) -- test server\n\
         let client = builder.danger_accept_invalid_certs(true).build()?;",
    ),
    (
        NOT_APPLICABLE,
        "Suppression of an unsuppressible rule",
        "Some rules are marked `unsuppressible: true`: inline comments cannot silence them, only \
         configuration can disable them. A comment naming one has no effect, and the finding \
         stays. The `hooklint/` rules themselves cannot be suppressed either.",
        "Fix the code, or disable the rule in the configuration, where the decision is reviewed \
         once for the whole project.",
        "// hooklint: allow(hooklint/unused-suppression) -- keep it\n\
         // hooklint: allow(tls/verification-disabled) -- test server\n\
         fn unrelated() {}",
        "// The stale suppression is deleted, not silenced.\nfn unrelated() {}",
    ),
    (
        ADDED,
        "Suppression added by the change",
        "In a diff-aware run (`--new-since`), a suppression comment on a line the change adds or \
         edits is reported, so that the pull request that silences a finding says so where \
         reviewers look, instead of the finding simply disappearing.",
        "Fix the code instead, or confirm the accepted risk in review. Rules that must never be \
         silenced inline are marked `unsuppressible = true` in the trusted configuration.",
        "// hooklint: allow(tls/verification-disabled) -- temporary\n\
         let client = builder.danger_accept_invalid_certs(true).build()?;",
        "// The certificate is checked; there is nothing to silence.\n\
         let client = builder.add_root_certificate(test_ca).build()?;",
    ),
];

/// The `hooklint/*` rules' own pages, in [`META_RULES`] order.
pub fn meta_rules() -> Vec<RuleInfo> {
    DOCS.into_iter()
        .map(|(id, title, why, fix, bad, good)| RuleInfo {
            id: id.to_string(),
            title: title.to_string(),
            severity: Severity::Warning,
            target: Target::RustFile,
            source: "built-in".to_string(),
            why: format!("{why}\n"),
            fix: format!("{fix}\n"),
            bad: format!("{bad}\n"),
            good: format!("{good}\n"),
            help: String::new(),
            unsuppressible: true,
            // What the suppression scan reports is exact: no guess is involved.
            confidence: String::new(),
            precision: "very-high".to_string(),
            exclude: Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_rules_are_documented_warnings() {
        let rules = meta_rules();
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, META_RULES);
        for rule in &rules {
            assert_eq!(rule.severity, Severity::Warning, "{}", rule.id);
            for doc in [&rule.why, &rule.fix, &rule.bad, &rule.good] {
                assert!(doc.trim().len() > 10, "{}: thin docs", rule.id);
            }
        }
    }
}
