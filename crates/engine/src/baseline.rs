//! Baselines: the fingerprints of accepted findings, so that CI fails only on new ones.
//!
//! The file is JSON, versioned, pretty-printed and sorted (path, rule, fingerprint), so that it
//! diffs well in review. Only `fingerprint` decides a match; the other fields are there for
//! the reader and for counting fixed entries in the files and rules a run checked.

use std::collections::BTreeSet;
use std::path::Path;

use hooklint_model::Finding;
use serde::{Deserialize, Serialize};

/// Version of the baseline file; bumped when a field is renamed or removed or changes meaning.
pub const BASELINE_VERSION: u32 = 1;

/// The largest baseline file read.
const MAX_BASELINE_SIZE: u64 = 256 * 1024 * 1024;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub path: String,
    pub rule: String,
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub function: String,
    #[serde(default)]
    pub message: String,
}

/// A set of accepted findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Sorted, without duplicate fingerprints.
    pub entries: Vec<BaselineEntry>,
}

#[derive(Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    findings: Vec<BaselineEntry>,
}

impl Baseline {
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Baseline {
        let entries = findings
            .into_iter()
            .map(|f| BaselineEntry {
                path: f.span.file.to_string(),
                rule: f.rule.clone(),
                fingerprint: f.fingerprint.clone(),
                function: f.function.clone(),
                message: f.message.clone(),
            })
            .collect();
        Baseline::sorted(entries)
    }

    fn sorted(mut entries: Vec<BaselineEntry>) -> Baseline {
        entries.sort();
        let mut seen = BTreeSet::new();
        entries.retain(|e| seen.insert(e.fingerprint.clone()));
        Baseline { entries }
    }

    pub fn contains(&self, fingerprint: &str) -> bool {
        self.entries.iter().any(|e| e.fingerprint == fingerprint)
    }

    /// The file's text: pretty JSON ending in a newline.
    pub fn to_json(&self) -> String {
        let file = BaselineFile { version: BASELINE_VERSION, findings: self.entries.clone() };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parses a baseline file's text; the error says what is wrong, without the file name.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        #[derive(Deserialize)]
        struct Version {
            version: Option<u32>,
        }
        let version: Version =
            serde_json::from_str(text).map_err(|err| format!("not a baseline file: {err}"))?;
        match version.version {
            Some(BASELINE_VERSION) => {}
            Some(other) => {
                return Err(format!(
                    "baseline version {other} is not supported (this hooklint reads version \
                     {BASELINE_VERSION})"
                ))
            }
            None => return Err("not a baseline file: no `version` field".to_string()),
        }
        let file: BaselineFile =
            serde_json::from_str(text).map_err(|err| format!("not a baseline file: {err}"))?;
        Ok(Baseline::sorted(file.findings))
    }

    /// Reads and parses a baseline file: a regular file of at most 256 MiB.
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = crate::load::read_text(path, MAX_BASELINE_SIZE)
            .map_err(|err| format!("cannot read baseline `{}`: {err}", path.display()))?;
        Baseline::parse(&text).map_err(|err| format!("baseline `{}`: {err}", path.display()))
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        std::fs::write(path, self.to_json())
            .map_err(|err| format!("cannot write baseline `{}`: {err}", path.display()))
    }
}

/// Findings split by a baseline, and the entries nothing matched any more.
#[derive(Debug, Default)]
pub(crate) struct Split {
    pub new: Vec<Finding>,
    pub baselined: Vec<Finding>,
    pub fixed: Vec<BaselineEntry>,
}

/// Splits `findings` by `baseline`. `seen` are the fingerprints of every finding of the run,
/// suppressed ones included, so that an entry whose finding is now suppressed is not counted
/// as fixed. Entries count as fixed only for files and rules this run checked.
pub(crate) fn split(
    baseline: &Baseline,
    findings: Vec<Finding>,
    seen: &BTreeSet<&str>,
    checked_files: &BTreeSet<&str>,
    active_rules: &BTreeSet<String>,
) -> Split {
    let accepted: BTreeSet<&str> =
        baseline.entries.iter().map(|e| e.fingerprint.as_str()).collect();
    let (baselined, new) =
        findings.into_iter().partition(|f| accepted.contains(f.fingerprint.as_str()));
    let fixed = baseline
        .entries
        .iter()
        .filter(|e| {
            !seen.contains(e.fingerprint.as_str())
                && checked_files.contains(e.path.as_str())
                && active_rules.contains(&e.rule)
        })
        .cloned()
        .collect();
    Split { new, baselined, fixed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklint_model::{Severity, Span};

    fn finding(path: &str, rule: &str, fingerprint: &str) -> Finding {
        Finding {
            rule: rule.into(),
            severity: Severity::Error,
            message: "m".into(),
            notes: Vec::new(),
            span: Span::line(path, 3),
            help: String::new(),
            function: String::new(),
            labels: Vec::new(),
            fingerprint: fingerprint.into(),
            confidence: hooklint_model::Confidence::High,
        }
    }

    #[test]
    fn round_trips_sorted_and_deduplicated() {
        let findings =
            [finding("b.rs", "x/y", "2"), finding("a.rs", "x/y", "1"), finding("a.rs", "x/y", "1")];
        let baseline = Baseline::from_findings(&findings);
        let text = baseline.to_json();
        assert_eq!(
            text,
            "{\n  \"version\": 1,\n  \"findings\": [\n    {\n      \"path\": \"a.rs\",\n      \
             \"rule\": \"x/y\",\n      \"fingerprint\": \"1\",\n      \"message\": \"m\"\n    \
             },\n    {\n      \"path\": \"b.rs\",\n      \"rule\": \"x/y\",\n      \
             \"fingerprint\": \"2\",\n      \"message\": \"m\"\n    }\n  ]\n}\n"
        );
        assert_eq!(Baseline::parse(&text), Ok(baseline));
    }

    #[test]
    fn rejects_other_versions_and_other_files() {
        assert!(Baseline::parse("{\"version\": 2, \"findings\": []}").unwrap_err().contains("2"));
        assert!(Baseline::parse("[]").unwrap_err().starts_with("not a baseline file"));
        assert!(Baseline::parse("{}").unwrap_err().contains("no `version`"));
        assert!(Baseline::parse("{\"version\": 1}").is_err());
        let minimal = "{\"version\": 1, \"findings\": [{\"path\": \"a.rs\", \"rule\": \"x/y\", \
                       \"fingerprint\": \"1\"}]}";
        assert!(Baseline::parse(minimal).unwrap().contains("1"));
    }

    #[test]
    fn splits_and_counts_fixed_entries_in_scope() {
        let baseline = Baseline::from_findings(&[
            finding("a.rs", "x/y", "1"),
            finding("a.rs", "x/y", "gone"),
            finding("other.rs", "x/y", "elsewhere"),
            finding("a.rs", "skipped/rule", "not-run"),
        ]);
        let findings = vec![finding("a.rs", "x/y", "1"), finding("a.rs", "x/y", "new")];
        let seen: BTreeSet<&str> = ["1", "new"].into();
        let checked: BTreeSet<&str> = ["a.rs"].into();
        let active: BTreeSet<String> = ["x/y".to_string()].into();
        let split = split(&baseline, findings, &seen, &checked, &active);
        assert_eq!(split.new.len(), 1);
        assert_eq!(split.new[0].fingerprint, "new");
        assert_eq!(split.baselined.len(), 1);
        let fixed: Vec<&str> = split.fixed.iter().map(|e| e.fingerprint.as_str()).collect();
        assert_eq!(fixed, ["gone"]);
    }
}
