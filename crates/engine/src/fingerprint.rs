//! Stable finding fingerprints for baselines: they survive lines moving, not the code changing.

use std::collections::{BTreeMap, HashMap};

pub use hooklint_model::names::fnv1a64;
use hooklint_model::Finding;

/// A source line with its indentation and inner runs of whitespace reduced, so re-indenting
/// does not change a fingerprint.
pub fn normalise_line(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where the path in a fingerprint is relative to: the run reports paths relative to `base`,
/// fingerprints name them relative to `root` (the workspace or crate root), so that the
/// same finding has the same fingerprint whichever member or directory the run started from.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Rebase<'a> {
    pub base: Option<&'a std::path::Path>,
    pub root: Option<&'a std::path::Path>,
}

impl Rebase<'_> {
    /// `file` (relative to the base) as the fingerprint names it.
    pub(crate) fn path<'f>(&self, file: &'f str) -> std::borrow::Cow<'f, str> {
        let (Some(base), Some(root)) = (self.base, self.root) else { return file.into() };
        if base == root || file.is_empty() || file.starts_with('/') || file.starts_with('<') {
            return file.into();
        }
        let absolute = crate::project::normalise(&base.join(file));
        crate::project::relative_display(&absolute, root).into()
    }
}

/// Sets the fingerprint of each finding (which must already be sorted) from its rule, path
/// (as `rebase` names it), function and normalised source line; the n-th identical finding
/// gets occurrence n.
pub(crate) fn assign(
    findings: &mut [Finding],
    sources: &BTreeMap<String, String>,
    rebase: Rebase<'_>,
) {
    let mut seen: HashMap<String, u32> = HashMap::new();
    for finding in findings {
        let line = sources
            .get(finding.span.file.as_str())
            .and_then(|text| {
                let index = usize::try_from(finding.span.line).ok()?.checked_sub(1)?;
                text.lines().nth(index)
            })
            .map(normalise_line)
            .unwrap_or_default();
        let path = rebase.path(&finding.span.file);
        let key = [finding.rule.as_str(), &path, &finding.function, &line].join("\0");
        let occurrence = seen.entry(key.clone()).or_insert(0);
        let hash = fnv1a64(format!("{key}\0{occurrence}").as_bytes());
        *occurrence += 1;
        finding.fingerprint = format!("{hash:016x}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklint_model::{Severity, Span};

    fn finding(line: u32) -> Finding {
        Finding {
            rule: "crypto/x".into(),
            severity: Severity::Error,
            message: "m".into(),
            notes: Vec::new(),
            span: Span::new("a.rs", line, 5, line, 9),
            help: String::new(),
            function: "f".into(),
            labels: Vec::new(),
            fingerprint: String::new(),
            confidence: hooklint_model::Confidence::High,
        }
    }

    #[test]
    fn fingerprints_survive_moves_and_reindentation_and_count_duplicates() {
        let mut sources = BTreeMap::new();
        sources.insert("a.rs".to_string(), "fn f() {\n    if a  ==  b {}\n}\n".to_string());
        let mut before = vec![finding(2)];
        assign(&mut before, &sources, Rebase::default());

        sources.insert("a.rs".to_string(), "\n\nfn f() {\n\tif a == b {}\n}\n".to_string());
        let mut after = vec![finding(4)];
        assign(&mut after, &sources, Rebase::default());
        assert_eq!(before[0].fingerprint, after[0].fingerprint);
        assert_eq!(before[0].fingerprint.len(), 16);

        let mut twice = vec![finding(4), finding(4)];
        assign(&mut twice, &sources, Rebase::default());
        assert_eq!(twice[0].fingerprint, after[0].fingerprint);
        assert_ne!(twice[0].fingerprint, twice[1].fingerprint);
    }

    /// Rewording a rule's message, or splitting it into a headline and notes, keeps every
    /// baseline written before matching.
    #[test]
    fn fingerprints_do_not_depend_on_the_message_or_notes() {
        let mut sources = BTreeMap::new();
        sources.insert("a.rs".to_string(), "fn f() {\n    if a == b {}\n}\n".to_string());
        let mut before = vec![finding(2)];
        before[0].message = "`a` is compared with `==`, which stops at the first byte".into();
        assign(&mut before, &sources, Rebase::default());
        let mut after = vec![finding(2)];
        after[0].message = "`a` is compared with `==`".into();
        after[0].notes = vec!["`==` stops at the first byte".into()];
        assign(&mut after, &sources, Rebase::default());
        assert_eq!(before[0].fingerprint, after[0].fingerprint);
    }
}
