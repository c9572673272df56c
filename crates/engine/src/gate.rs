//! What happens to findings between evaluation and the report: inline suppressions, the
//! baseline, the rules' path exclusions, the diff filter and the confidence threshold, in that
//! order.
//!
//! The order matters. Suppressions come first so that their own diagnostics
//! (`hooklint/...`) can be baselined and diff-filtered like any finding; fixed baseline
//! entries are counted against every finding of the run, suppressed ones included; the diff
//! filter comes after the baseline so that it never decides whether a baseline entry is fixed.
//! Path exclusions and the confidence threshold come after both: a suppression that silences
//! a finding they leave out is used, and a baseline entry matching one is not fixed.

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
/// `suppressions`, `baselined`, `fixed`, `excluded`, `outside_diff`, `added_suppressions`,
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
    fingerprint::assign(&mut diagnostics, texts, opts.rebase());
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
    let (kept, excluded) = exclude(policies, kept, opts.rebase());
    gated.excluded = excluded;
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
            fingerprint::assign(&mut added, texts, opts.rebase());
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

/// Splits off the findings in a path their rule excludes. A glob matches the finding's path
/// relative to the project root (the workspace root, as fingerprints name it, so that a
/// glob means the same from a member), or any trailing part of it (`examples/**` also covers
/// `crates/x/examples/`), as the configuration's top-level `exclude` does.
fn exclude(
    policies: &PolicySet,
    findings: Vec<Finding>,
    rebase: fingerprint::Rebase<'_>,
) -> (Vec<Finding>, Vec<Finding>) {
    let sets: BTreeMap<String, globset::GlobSet> = policies
        .rules()
        .into_iter()
        .filter(|r| !r.exclude.is_empty())
        .filter_map(|r| {
            let mut builder = globset::GlobSetBuilder::new();
            for glob in &r.exclude {
                // Checked when loaded; a glob that does not build matches nothing.
                if let Ok(glob) = globset::Glob::new(glob) {
                    builder.add(glob);
                }
            }
            Some((r.id, builder.build().ok()?))
        })
        .collect();
    if sets.is_empty() {
        return (findings, Vec::new());
    }
    findings.into_iter().partition(|f| {
        let Some(set) = sets.get(&f.rule) else { return true };
        let path = rebase.path(&f.span.file);
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        !(0..parts.len()).any(|i| set.is_match(parts[i..].join("/")))
    })
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
        notes: Vec::new(),
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
