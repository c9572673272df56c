//! What happens to findings between evaluation and the report: inline suppressions, the
//! baseline, the diff filter and the confidence threshold, in that order.
//!
//! The order matters. Suppressions come first so that their own diagnostics
//! (`hooklint/...`) can be baselined and diff-filtered like any finding; fixed baseline
//! entries are counted against every finding of the run, suppressed ones included; the diff
//! filter comes after the baseline so that it never decides whether a baseline entry is fixed.
//! The confidence threshold comes last: a suppression that silences a finding below it is
//! used, and a baseline entry matching one is not fixed.

use std::collections::{BTreeMap, BTreeSet};

use hooklint_model::{Confidence, Finding, Problem, ProblemCode, RustFile};
use hooklint_policy::PolicySet;
use rayon::prelude::*;

use crate::baseline;
use crate::suppress::{self, RuleSets, Suppression};
use crate::{fingerprint, Options, RunOutput};

/// `findings` must be sorted and fingerprinted. `texts` holds every file the suppression scan
/// can find a directive in; `checked` is every file the run read. Fills the fields of the
/// returned output that say what became of each finding (`findings`, `suppressed`,
/// `suppressions`, `baselined`, `fixed`, `outside_diff`, `added_suppressions`,
/// `below_confidence`); the caller fills the rest.
pub(crate) fn apply(
    opts: &Options,
    policies: &PolicySet,
    files: &[RustFile],
    texts: &BTreeMap<String, String>,
    checked: &BTreeSet<String>,
    findings: Vec<Finding>,
    problems: &[Problem],
) -> RunOutput {
    let rules = rule_sets(opts, policies);
    let functions: BTreeMap<&str, &[hooklint_model::Function]> =
        files.iter().map(|f| (f.path.as_str(), f.functions.as_slice())).collect();
    let scans: Vec<suppress::FileScan> = texts
        .par_iter()
        .map(|(path, text)| {
            let fns = functions.get(path.as_str()).copied().unwrap_or_default();
            suppress::scan(path, text, fns, &rules)
        })
        .collect();
    let mut suppressions = Vec::new();
    let mut diagnostics = Vec::new();
    for scan in scans {
        suppressions.extend(scan.suppressions);
        diagnostics.extend(scan.diagnostics);
    }

    let (mut kept, suppressed) = suppress::apply(&mut suppressions, findings);
    // A file syn could not parse has no findings, so its suppressions say nothing about use.
    let unparsed: BTreeSet<&str> = problems
        .iter()
        .filter(|p| p.code == ProblemCode::ParseError)
        .filter_map(|p| p.span.as_ref().map(|s| s.file.as_str()))
        .collect();
    let judged: Vec<Suppression> =
        suppressions.iter().filter(|s| !unparsed.contains(s.path.as_str())).cloned().collect();
    diagnostics.extend(suppress::unused(&judged, &rules));
    sort(&mut diagnostics);
    fingerprint::assign(&mut diagnostics, texts);
    kept.extend(diagnostics);
    sort(&mut kept);

    let mut gated = RunOutput { suppressed, suppressions, ..RunOutput::default() };
    let kept = match &opts.baseline {
        Some(baseline) => {
            let seen: BTreeSet<String> = kept
                .iter()
                .chain(gated.suppressed.iter().map(|s| &s.finding))
                .map(|f| f.fingerprint.clone())
                .collect();
            let seen: BTreeSet<&str> = seen.iter().map(String::as_str).collect();
            let checked: BTreeSet<&str> = checked.iter().map(String::as_str).collect();
            let mut active = rules.active.clone();
            active.extend(crate::META_RULES.iter().map(|r| r.to_string()));
            let split = baseline::split(baseline, kept, &seen, &checked, &active);
            gated.baselined = split.baselined;
            gated.fixed = split.fixed;
            split.new
        }
        None => kept,
    };
    let kept = match &opts.new_since {
        Some(changed) => {
            let (mut inside, outside): (Vec<Finding>, Vec<Finding>) =
                kept.into_iter().partition(|f| changed.touches(&f.span));
            gated.outside_diff = outside.len();
            // A suppression the change adds is reported where the change is reviewed.
            let mut added: Vec<Finding> = gated
                .suppressions
                .iter()
                .filter(|s| changed.touches(&s.span))
                .map(added_suppression)
                .collect();
            gated.added_suppressions = added.len();
            fingerprint::assign(&mut added, texts);
            inside.extend(added);
            sort(&mut inside);
            inside
        }
        None => kept,
    };
    (gated.findings, gated.below_confidence) =
        kept.into_iter().partition(|f| f.confidence >= opts.confidence);
    gated
}

fn added_suppression(s: &Suppression) -> Finding {
    let rules: Vec<String> = s.rules.iter().map(|r| format!("`{r}`")).collect();
    let reason = if s.reason.is_empty() {
        "no reason given".to_string()
    } else {
        format!("reason: {}", s.reason)
    };
    Finding {
        rule: crate::meta_rules::ADDED.to_string(),
        severity: hooklint_model::Severity::Warning,
        message: format!("this change adds a suppression of {} ({reason})", rules.join(", ")),
        span: s.span.clone(),
        help: "confirm the accepted risk in review; the trusted configuration can mark a rule \
               `unsuppressible`"
            .to_string(),
        function: String::new(),
        labels: Vec::new(),
        fingerprint: String::new(),
        // The comment is on a changed line: nothing about it is a guess.
        confidence: Confidence::High,
    }
}

fn rule_sets(opts: &Options, policies: &PolicySet) -> RuleSets {
    let mut sets = RuleSets::default();
    for rule in policies.rules() {
        if rule.unsuppressible {
            sets.unsuppressible.insert(rule.id.clone());
        }
        sets.known.insert(rule.id.clone());
        sets.active.insert(rule.id);
    }
    sets.known.extend(opts.known_rules.iter().cloned());
    sets
}

fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.span.cmp(&b.span))
            .then_with(|| a.function.cmp(&b.function))
    });
}
