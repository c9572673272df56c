//! The documentation of the `hooklint/` rules, for `explain` and the SARIF rule list.

use hooklint_model::Severity;
use hooklint_policy::RuleInfo;

use super::{MALFORMED, NOT_APPLICABLE, UNUSED, WITHOUT_REASON};

/// The rules' own pages, for `explain` and the SARIF rule list.
pub fn meta_rules() -> Vec<RuleInfo> {
    let fix_comment = "Write the comment as `// hooklint: allow(RULE[, RULE]) -- reason` (`#` \
                       instead of `//` in YAML): the word `allow`, the rule ids in parentheses, \
                       then `--` and why the finding is acceptable.";
    let good_comment = "// hooklint: allow(crypto/non-constant-time-compare) -- compares public \
                        ids, not secrets";
    let docs: [(&str, &str, &str, &str, &str, &str); 4] = [
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suppress::META_RULES;

    #[test]
    fn meta_rules_are_documented_warnings() {
        let rules = meta_rules();
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, META_RULES);
        assert!(rules.iter().all(|r| r.severity == Severity::Warning && !r.why.is_empty()));
    }
}
