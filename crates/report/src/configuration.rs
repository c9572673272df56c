//! The effective configuration of a run: what was read and what it changed from the built-in
//! defaults, so that a reviewer sees at a glance whether the checked tree switched anything
//! off. Every format states it: the human report in one line before the summary, JSON as the
//! `configuration` object, SARIF in `invocations[0]` (`ruleConfigurationOverrides` and the
//! `hooklint/configuration` property).

use std::collections::BTreeMap;

use serde::Serialize;

/// What a run was configured with. Empty lists and maps mean "as built in".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Configuration {
    /// `gate` when the configuration was given with `--trusted-config` (the checked tree's own
    /// `hooklint.toml` is not read), `default` otherwise.
    pub mode: &'static str,
    /// The configuration file read, as given or found; `None` when there is none.
    pub file: Option<String>,
    /// `hooklint.toml` files of the checked tree that were not read (gate mode).
    pub ignored_files: Vec<String>,
    /// Policy folders loaded besides the built-in rules.
    pub policy_dirs: Vec<String>,
    /// `error`, `warning`, `note` or `never`.
    pub fail_on: String,
    /// Where `fail_on` comes from: `default`, `configuration` or `command line`.
    pub fail_on_source: &'static str,
    /// The lowest confidence reported: `high`, `medium` or `low`.
    pub confidence: String,
    /// Where `confidence` comes from: `default`, `configuration` or `command line`.
    pub confidence_source: &'static str,
    /// Rules the configuration disables.
    pub disabled_rules: Vec<String>,
    /// `--only` and `--skip`.
    pub only: Vec<String>,
    pub skipped: Vec<String>,
    /// Rules whose severity the configuration changes.
    pub severities: BTreeMap<String, SeverityChange>,
    /// Rules whose parameters the configuration changes, with the names of those parameters.
    pub params: BTreeMap<String, Vec<String>>,
    /// Rules the configuration makes unsuppressible.
    pub unsuppressible: Vec<String>,
    /// The configuration's `[rules."ID"] exclude` entries, as written, by rule; absent when
    /// none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rule_excludes: BTreeMap<String, Vec<String>>,
    /// Entries the configuration adds to the shared knowledge lists, by list.
    pub knowledge: BTreeMap<String, usize>,
    /// Entries the configuration takes out of the built-in lists (`[knowledge.remove]`, and
    /// `!entry` in a `manifest_*` list), by list.
    pub knowledge_removed: BTreeMap<String, usize>,
    /// Lists the configuration replaces whole (`[knowledge.replace]`).
    pub knowledge_replaced: Vec<String>,
    /// Whether code the project does not own (`vendor/`, crates outside the workspace) is
    /// checked too (`include-foreign`); absent when it is skipped, as by default.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub include_foreign: bool,
    /// `include` and `exclude` globs.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub baseline: Option<BaselineUse>,
    pub suppressions: SuppressionUse,
    pub files: FileCounts,
}

/// A severity the configuration changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeverityChange {
    pub from: String,
    pub to: String,
}

/// The baseline applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaselineUse {
    pub path: String,
    pub entries: usize,
}

/// Inline suppressions of the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SuppressionUse {
    /// Well-formed suppression comments that silenced at least one finding.
    pub used: usize,
    /// Findings they silenced.
    pub findings: usize,
    /// Suppression comments on lines the change adds or edits (`--new-since` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<usize>,
}

/// Files of the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FileCounts {
    pub checked: usize,
    /// Found, but left out by `include` and `exclude`.
    pub excluded: usize,
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

/// Adds `{label} a, b, c` to `items` when `values` is not empty.
fn push_list(items: &mut Vec<String>, label: &str, values: &[String]) {
    if !values.is_empty() {
        items.push(format!("{label} {}", list(values)));
    }
}

impl Configuration {
    /// The one-line human form: `configuration: ...` with every item that differs from the
    /// built-in defaults, or `configuration: built-in defaults`.
    pub fn summary(&self) -> String {
        let mut items = Vec::new();
        match (&self.file, self.mode) {
            (Some(file), "gate") => items.push(format!("trusted {file} (gate mode)")),
            (Some(file), _) => items.push(file.clone()),
            (None, _) => items.push("no configuration file".to_string()),
        }
        if !self.ignored_files.is_empty() {
            items.push(format!("ignored {} in the checked tree", list(&self.ignored_files)));
        }
        push_list(&mut items, "policies from", &self.policy_dirs);
        push_list(&mut items, "disabled", &self.disabled_rules);
        push_list(&mut items, "only", &self.only);
        push_list(&mut items, "skipped", &self.skipped);
        let severities: Vec<String> = self
            .severities
            .iter()
            .map(|(rule, c)| format!("{rule} {} (was {})", c.to, c.from))
            .collect();
        push_list(&mut items, "severity", &severities);
        let params: Vec<String> = self
            .params
            .iter()
            .flat_map(|(rule, names)| names.iter().map(move |n| format!("{rule}.{n}")))
            .collect();
        push_list(&mut items, "params", &params);
        push_list(&mut items, "unsuppressible", &self.unsuppressible);
        if !self.rule_excludes.is_empty() {
            let changes: Vec<String> = self
                .rule_excludes
                .iter()
                .map(|(rule, globs)| format!("{rule} in {}", list(globs)))
                .collect();
            items.push(format!("excluded {}", changes.join("; ")));
        }
        let added: Vec<String> =
            self.knowledge.iter().map(|(name, n)| format!("{name} +{n}")).collect();
        push_list(&mut items, "knowledge", &added);
        let removed: Vec<String> =
            self.knowledge_removed.iter().map(|(name, n)| format!("{name} -{n}")).collect();
        push_list(&mut items, "knowledge removed", &removed);
        push_list(&mut items, "knowledge replaced", &self.knowledge_replaced);
        // Gate mode checks foreign code unless told otherwise; other runs skip it.
        match (self.include_foreign, self.mode == "gate") {
            (true, false) => items.push("foreign code included".to_string()),
            (false, true) => items.push("foreign code skipped".to_string()),
            _ => {}
        }
        push_list(&mut items, "include", &self.include);
        push_list(&mut items, "exclude", &self.exclude);
        if self.fail_on != "error" {
            items.push(format!("fail-on {} ({})", self.fail_on, self.fail_on_source));
        }
        if self.confidence != "medium" {
            items.push(format!("confidence {} ({})", self.confidence, self.confidence_source));
        }
        if let Some(baseline) = &self.baseline {
            let noun = if baseline.entries == 1 { "entry" } else { "entries" };
            items.push(format!("baseline {} ({} {noun})", baseline.path, baseline.entries));
        }
        if self.files.excluded > 0 {
            items.push(format!("{} files excluded", self.files.excluded));
        }
        if self.suppressions.used > 0 || self.suppressions.added.is_some_and(|n| n > 0) {
            let mut text = format!(
                "{} suppression{} used",
                self.suppressions.used,
                if self.suppressions.used == 1 { "" } else { "s" }
            );
            if let Some(added) = self.suppressions.added.filter(|&n| n > 0) {
                text.push_str(&format!(" ({added} added by this change)"));
            }
            items.push(text);
        }
        if items.len() == 1 && self.file.is_none() {
            return "configuration: built-in defaults".to_string();
        }
        format!("configuration: {}", items.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_every_change() {
        let defaults = Configuration {
            mode: "default",
            fail_on: "error".into(),
            fail_on_source: "default",
            confidence: "medium".into(),
            confidence_source: "default",
            ..Default::default()
        };
        assert_eq!(defaults.summary(), "configuration: built-in defaults");
        let mut gate = Configuration {
            mode: "gate",
            // Gate mode's default: foreign code is checked, and not named.
            include_foreign: true,
            file: Some("/ci/base/hooklint.toml".into()),
            ignored_files: vec!["hooklint.toml".into()],
            fail_on: "never".into(),
            fail_on_source: "command line",
            confidence: "high".into(),
            confidence_source: "configuration",
            disabled_rules: vec!["tls/verification-disabled".into()],
            ..defaults.clone()
        };
        gate.severities.insert(
            "trust/ip-only".into(),
            SeverityChange { from: "error".into(), to: "note".into() },
        );
        gate.params.insert("crypto/x".into(), vec!["verifiers".into()]);
        gate.knowledge_removed.insert("receiver_words".into(), 2);
        gate.knowledge_replaced = vec!["verifiers".into()];
        gate.baseline = Some(BaselineUse { path: "b.json".into(), entries: 1 });
        gate.suppressions = SuppressionUse { used: 2, findings: 3, added: Some(1) };
        gate.files = FileCounts { checked: 4, excluded: 2 };
        assert_eq!(
            gate.summary(),
            "configuration: trusted /ci/base/hooklint.toml (gate mode); ignored hooklint.toml in \
             the checked tree; disabled tls/verification-disabled; severity trust/ip-only note \
             (was error); params crypto/x.verifiers; knowledge removed receiver_words -2; \
             knowledge replaced verifiers; fail-on never (command line); confidence \
             high (configuration); baseline b.json (1 entry); 2 files excluded; 2 suppressions used (1 added by this change)"
        );
    }
}
