//! hooklint's policy engine: policy files to compiled CEL programs, and their evaluation over
//! facts.
//!
//! A policy is one YAML file (`docs/policies.md` is the reference). Loading parses it with
//! positions, compiles every CEL expression once against one shared environment, checks every
//! field it names against the fact model's schema, and derives native prefilters. Evaluation
//! (`check_function`, `check_file`) takes `&self` and is called from many threads at once.
//!
//! Architecture invariant: no I/O beyond the texts it is handed; never panics on a policy.

use hooklint_model::fact::{self, Fact, FieldRef};
use hooklint_model::{
    FileView, Finding, Function, Knowledge, LoadError, LoadErrorKind, Problem, ProblemCode,
    RuleInfo, RustFile, Severity, Target,
};
use std::sync::Arc;

mod cost;
mod eval;
mod functions;
mod load;
mod native;
mod prefilter;
mod schema;
mod value;
mod yaml;

pub use cost::BUDGET as CEL_BUDGET;
pub use functions::{
    is_sensitive_name, looks_like_placeholder, matches_call, split_words, MAX_PATTERN,
};

/// The text of a policy file and the path it is reported under.
#[derive(Debug, Clone)]
pub struct PolicySource {
    pub path: String,
    pub text: String,
}

/// The built-in policies, embedded at build time. A unit test fails when a file under
/// `policies/` is missing here.
const BUILTIN: &[(&str, &str)] = &[
    (
        "policies/crypto/non-constant-time-compare.yaml",
        include_str!("../../../policies/crypto/non-constant-time-compare.yaml"),
    ),
    (
        "policies/secrets/hardcoded-secret.yaml",
        include_str!("../../../policies/secrets/hardcoded-secret.yaml"),
    ),
    (
        "policies/secrets/logged-secret.yaml",
        include_str!("../../../policies/secrets/logged-secret.yaml"),
    ),
    (
        "policies/tls/verification-disabled.yaml",
        include_str!("../../../policies/tls/verification-disabled.yaml"),
    ),
    (
        "policies/trust/identity-from-header.yaml",
        include_str!("../../../policies/trust/identity-from-header.yaml"),
    ),
    ("policies/trust/ip-only.yaml", include_str!("../../../policies/trust/ip-only.yaml")),
    (
        "policies/webhook/missing-replay-window.yaml",
        include_str!("../../../policies/webhook/missing-replay-window.yaml"),
    ),
    (
        "policies/webhook/missing-signature-check.yaml",
        include_str!("../../../policies/webhook/missing-signature-check.yaml"),
    ),
    (
        "policies/webhook/parse-before-verify.yaml",
        include_str!("../../../policies/webhook/parse-before-verify.yaml"),
    ),
    (
        "policies/broker/shared-credential.yaml",
        include_str!("../../../policies/broker/shared-credential.yaml"),
    ),
    (
        "policies/integration/missing-owner.yaml",
        include_str!("../../../policies/integration/missing-owner.yaml"),
    ),
    (
        "policies/integration/missing-revocation.yaml",
        include_str!("../../../policies/integration/missing-revocation.yaml"),
    ),
    (
        "policies/integration/replay-window.yaml",
        include_str!("../../../policies/integration/replay-window.yaml"),
    ),
    (
        "policies/integration/token-lifetime.yaml",
        include_str!("../../../policies/integration/token-lifetime.yaml"),
    ),
    (
        "policies/integration/unapproved-scope.yaml",
        include_str!("../../../policies/integration/unapproved-scope.yaml"),
    ),
    (
        "policies/integration/unsigned-webhook.yaml",
        include_str!("../../../policies/integration/unsigned-webhook.yaml"),
    ),
    (
        "policies/oauth/overbroad-scope.yaml",
        include_str!("../../../policies/oauth/overbroad-scope.yaml"),
    ),
    (
        "policies/secrets/plaintext-in-manifest.yaml",
        include_str!("../../../policies/secrets/plaintext-in-manifest.yaml"),
    ),
    (
        "policies/webhook/declared-route-unserved.yaml",
        include_str!("../../../policies/webhook/declared-route-unserved.yaml"),
    ),
    (
        "policies/webhook/declared-route-unverified.yaml",
        include_str!("../../../policies/webhook/declared-route-unverified.yaml"),
    ),
    (
        "policies/webhook/fail-open-verification.yaml",
        include_str!("../../../policies/webhook/fail-open-verification.yaml"),
    ),
    (
        "policies/webhook/plaintext-endpoint.yaml",
        include_str!("../../../policies/webhook/plaintext-endpoint.yaml"),
    ),
];

const KNOWLEDGE: &str = include_str!("../../../policies/knowledge.yaml");

/// The shared name lists of `policies/knowledge.yaml`, as embedded in the binary.
pub fn builtin_knowledge() -> Knowledge {
    // The embedded file is covered by a unit test; an unparsable one must not crash a run.
    serde_saphyr::from_str(KNOWLEDGE).unwrap_or_default()
}

/// The paths and texts of the built-in policy files (for `explain` and fixture tests).
pub fn builtin_sources() -> Vec<PolicySource> {
    BUILTIN
        .iter()
        .map(|(path, text)| PolicySource { path: path.to_string(), text: text.to_string() })
        .collect()
}

/// Sources with the `source` label their rules show (`""`: the file's path).
fn labelled(sources: Vec<PolicySource>, label: &str) -> Vec<(PolicySource, &str)> {
    sources.into_iter().map(|s| (s, label)).collect()
}

/// Every loaded and compiled policy plus the shared knowledge.
pub struct PolicySet {
    pub knowledge: Knowledge,
    env: Arc<cel::Env>,
    policies: Vec<load::Policy>,
    /// The estimated cost of each policy, by id (`cost.rs`).
    costs: std::collections::HashMap<String, cost::PolicyCost>,
}

impl Default for PolicySet {
    fn default() -> Self {
        PolicySet {
            knowledge: Knowledge::default(),
            env: Arc::new(functions::env()),
            policies: Vec::new(),
            costs: std::collections::HashMap::new(),
        }
    }
}

impl PolicySet {
    /// The built-in policies (embedded `policies/**/*.yaml`) and `policies/knowledge.yaml`.
    pub fn builtin() -> Result<PolicySet, Vec<LoadError>> {
        PolicySet::compiled(builtin_knowledge(), &labelled(builtin_sources(), "built-in"))
    }

    /// Loads and compiles policy files on top of the given knowledge.
    pub fn load(
        sources: &[PolicySource],
        knowledge: Knowledge,
    ) -> Result<PolicySet, Vec<LoadError>> {
        PolicySet::compiled(knowledge, &labelled(sources.to_vec(), ""))
    }

    /// The built-in policies plus extra policy files (`--policy DIR`), all on `knowledge`.
    pub fn builtin_with(
        extra: &[PolicySource],
        knowledge: Knowledge,
    ) -> Result<PolicySet, Vec<LoadError>> {
        let mut sources = labelled(builtin_sources(), "built-in");
        sources.extend(labelled(extra.to_vec(), ""));
        PolicySet::compiled(knowledge, &sources)
    }

    fn compiled(
        knowledge: Knowledge,
        sources: &[(PolicySource, &str)],
    ) -> Result<PolicySet, Vec<LoadError>> {
        let mut set = PolicySet { knowledge, ..PolicySet::default() };
        set.add(sources)?;
        Ok(set)
    }

    /// Compiles `sources` (each with its `source` label; `""` means its path) and adds them.
    fn add(&mut self, sources: &[(PolicySource, &str)]) -> Result<(), Vec<LoadError>> {
        let knowledge = match serde_json::to_value(&self.knowledge) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let mut errors = Vec::new();
        for (source, label) in sources {
            let label = if label.is_empty() { source.path.as_str() } else { label };
            match load::load(&source.path, &source.text, label, &self.env, &knowledge) {
                Ok(policy) => {
                    if let Some(first) = self.policies.iter().find(|p| p.info.id == policy.info.id)
                    {
                        let line =
                            source.text.lines().position(|l| l.starts_with("id:")).unwrap_or(0);
                        errors.push(LoadError {
                            kind: LoadErrorKind::Policy,
                            path: source.path.clone(),
                            text: source.text.clone(),
                            line: line as u32 + 1,
                            column: 1,
                            len: source
                                .text
                                .lines()
                                .nth(line)
                                .map(|l| l.chars().count() as u32)
                                .unwrap_or(1)
                                .max(1),
                            message: format!(
                                "policy id `{}` is already used by {}",
                                policy.info.id, first.path
                            ),
                            help: Some(
                                "policy ids are unique; rename one of the two policies".to_string(),
                            ),
                        });
                        continue;
                    }
                    self.costs.insert(policy.info.id.clone(), cost::of_policy(&policy));
                    self.policies.push(policy);
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        self.policies.sort_by(|a, b| a.info.id.cmp(&b.info.id));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Keeps only the rules named by `only` (if non-empty) and drops those in `skip`.
    /// Returns the names that match no rule, for a usage error.
    pub fn retain(&mut self, only: &[String], skip: &[String]) -> Vec<String> {
        let unknown: Vec<String> = only
            .iter()
            .chain(skip)
            .filter(|name| !self.policies.iter().any(|p| &p.info.id == *name))
            .cloned()
            .collect();
        self.policies.retain(|p| {
            (only.is_empty() || only.contains(&p.info.id)) && !skip.contains(&p.info.id)
        });
        unknown
    }

    pub fn rules(&self) -> Vec<RuleInfo> {
        self.policies.iter().map(|p| p.info.clone()).collect()
    }

    /// Overrides a rule's severity (from configuration). Returns false for an unknown rule.
    pub fn set_severity(&mut self, rule: &str, severity: Severity) -> bool {
        match self.policies.iter_mut().find(|p| p.info.id == rule) {
            Some(p) => {
                p.info.severity = severity;
                true
            }
            None => false,
        }
    }

    /// Replaces a rule's path exclusions (the policy's defaults merged with the configuration's).
    /// Returns false for an unknown rule.
    pub fn set_exclude(&mut self, rule: &str, exclude: Vec<String>) -> bool {
        match self.policies.iter_mut().find(|p| p.info.id == rule) {
            Some(p) => {
                p.info.exclude = exclude;
                true
            }
            None => false,
        }
    }

    /// Makes a rule unsuppressible (from configuration): inline comments cannot silence it.
    /// Returns false for an unknown rule.
    pub fn set_unsuppressible(&mut self, rule: &str) -> bool {
        match self.policies.iter_mut().find(|p| p.info.id == rule) {
            Some(p) => {
                p.info.unsuppressible = true;
                true
            }
            None => false,
        }
    }

    /// Overrides one of a rule's `params` (from configuration).
    pub fn set_param(
        &mut self,
        rule: &str,
        name: &str,
        value: serde_json::Value,
    ) -> Result<(), String> {
        let Some(p) = self.policies.iter_mut().find(|p| p.info.id == rule) else {
            return Err(format!("unknown rule `{rule}`"));
        };
        if !p.params_json.contains_key(name) {
            let keys: Vec<&str> = p.params_json.keys().map(String::as_str).collect();
            return Err(match schema::suggest(name, &keys) {
                Some(s) => format!("rule {rule} has no parameter `{name}`; did you mean `{s}`?"),
                None => format!("rule {rule} has no parameter `{name}`"),
            });
        }
        if p.exprs.params_read().is_some_and(|read| !read.contains(name)) {
            // Knowledge lists are merged into every policy's params, but most are read by the
            // extractor for derived facts (`fn.verifies`, `fn.is_webhook`), not by the rule.
            return Err(format!(
                "rule {rule} does not read `params.{name}`, so setting it changes nothing; \
                 a knowledge list the extractor reads is set for the whole run in `[knowledge]`"
            ));
        }
        let mut params = p.params_json.clone();
        params.insert(name.to_string(), value);
        let val = cel::to_value(serde_json::Value::Object(params.clone()))
            .map_err(|e| e.to_string())
            .and_then(|v| {
                Box::<dyn cel::common::value::Val>::try_from(v).map_err(|e| e.to_string())
            })?;
        p.params = val;
        p.params_json = params;
        p.compile_native();
        self.costs.insert(rule.to_string(), cost::of_policy(p));
        Ok(())
    }

    /// Evaluates every `rust.function` policy on one function.
    pub fn check_function(&self, function: &Function) -> (Vec<Finding>, Vec<Problem>) {
        self.check(Target::RustFunction, &eval::function_subject(function), function)
    }

    /// Evaluates every `rust.file` policy on one file.
    pub fn check_file(&self, file: &RustFile) -> (Vec<Finding>, Vec<Problem>) {
        let view = FileView::new(file);
        self.check(Target::RustFile, &eval::file_subject(file), &view)
    }

    /// Evaluates every `manifest` policy on one manifest document.
    pub fn check_document(
        &self,
        doc: &hooklint_model::manifest::Document,
    ) -> (Vec<Finding>, Vec<Problem>) {
        self.check(Target::Manifest, &eval::document_subject(doc), doc)
    }

    /// Evaluates every `project` policy once, on the whole run.
    pub fn check_project(
        &self,
        project: &hooklint_model::manifest::Project,
    ) -> (Vec<Finding>, Vec<Problem>) {
        self.check(Target::Project, &eval::project_subject(), project)
    }

    /// Whether some loaded policy has this target (`manifest`, `project`), so the engine can
    /// skip building facts nobody reads.
    pub fn has_target(&self, target: &str) -> bool {
        self.policies.iter().any(|p| p.info.target.as_str() == target)
    }

    /// Runs the policies of `target` that pass their prefilters; the CEL value is built on
    /// the first one that needs it, and shared by the rest.
    fn check<'t>(
        &self,
        target: Target,
        subject: &eval::Subject,
        facts: &'t dyn Fact,
    ) -> (Vec<Finding>, Vec<Problem>) {
        let mut out = eval::Out::default();
        let mut built: Option<value::V<'t>> = None;
        // The lengths of the target's lists, measured when first needed.
        let mut measured: Option<cost::Measured> = None;
        for policy in self.policies.iter().filter(|p| p.info.target == target) {
            if !policy.prefilter.admits(facts) {
                continue;
            }
            native::reset_budget();
            let mut env = native::Env { target: facts, it: None, locals: Vec::new() };
            if policy.native_match.eval(&mut env) == Some(false) {
                continue;
            }
            // With a plain-path `for_each`, elements CEL would reject are masked out natively,
            // and a target with no element left costs no CEL at all.
            let mut mask = None;
            match &policy.prefilter.for_each_path {
                Some((path, _)) if !policy.native_violation.is_unknown() => {
                    if let Some(elements) = elements(facts, path) {
                        let keep: Vec<bool> = elements
                            .map(|it| {
                                let mut env =
                                    native::Env { target: facts, it: Some(it), locals: Vec::new() };
                                policy.native_violation.eval(&mut env) != Some(false)
                            })
                            .collect();
                        if !keep.contains(&true) {
                            continue;
                        }
                        mask = Some(keep);
                    }
                }
                Some(_) => {}
                None => {
                    if policy.native_violation.eval(&mut env) == Some(false) {
                        continue;
                    }
                }
            }
            let target = built.get_or_insert_with(|| value::fact(facts));
            if self.costs.get(&policy.info.id).is_some_and(|c| c.needs_check()) {
                let sizes = measured.get_or_insert_with(|| cost::Measured::of(&**target));
                let items = mask.as_ref().map(|m| m.iter().filter(|&&keep| keep).count());
                let estimate = cost::PolicyCost::total(policy, sizes, items);
                if estimate > cost::BUDGET {
                    out.problems.push(too_complex(policy, subject, sizes.largest(), estimate));
                    continue;
                }
            }
            let evaluator = eval::Evaluator { env: &self.env, policy, subject, target: &**target };
            evaluator.run(&mut out, mask.as_deref());
        }
        (out.findings, out.problems)
    }
}

/// The rule a problem of evaluation is about (`cel-runtime-error`, or `too-complex` for a
/// policy over its cost budget), read from the message this crate writes; `None` for any
/// other problem.
pub fn problem_rule(problem: &Problem) -> Option<&str> {
    if !matches!(problem.code, ProblemCode::CelRuntimeError | ProblemCode::TooComplex) {
        return None;
    }
    problem.message.strip_prefix("rule ")?.split(' ').next()
}

/// A policy skipped on a target because its estimated cost is over the budget.
fn too_complex(policy: &load::Policy, subject: &eval::Subject, n: usize, estimate: f64) -> Problem {
    let message = format!(
        "rule {} was not evaluated on {}: with lists of up to {n} elements its estimated cost \
         ({estimate:.1e} steps) is over the budget of {:.0e} per target",
        policy.info.id,
        subject.describe(),
        cost::BUDGET
    );
    Problem::new(ProblemCode::TooComplex, message, Some(subject.span()))
}

/// The elements of a list field of the facts when they are all structs, for masking
/// `for_each` elements.
fn elements<'a>(facts: &'a dyn Fact, path: &[usize]) -> Option<impl Iterator<Item = &'a dyn Fact>> {
    let FieldRef::List(items) = fact::read(FieldRef::Obj(facts), path) else { return None };
    let all_structs = (0..items.len()).all(|i| matches!(items.at(i), FieldRef::Obj(_)));
    all_structs.then(|| {
        (0..items.len()).filter_map(move |i| match items.at(i) {
            FieldRef::Obj(o) => Some(o),
            _ => None,
        })
    })
}

#[cfg(test)]
mod tests;
