//! hooklint's policy engine: policy files to compiled CEL programs, and their evaluation over
//! facts.
//!
//! A policy is one YAML file (`docs/policies.md` is the reference). Loading parses it with
//! positions, compiles every CEL expression once against one shared environment, checks every
//! field it names against the fact model's schema, and derives native prefilters. Evaluation
//! (`check_function`, `check_file`) takes `&self` and is called from many threads at once.
//!
//! Architecture invariant: no I/O beyond the texts it is handed; never panics on a policy.

use hooklint_model::{Finding, Function, Knowledge, Problem, RustFile, Severity};
use std::sync::Arc;

mod eval;
mod functions;
mod load;
mod manifest_value;
mod native;
mod prefilter;
mod schema;
mod value;
mod yaml;

pub use functions::{is_sensitive_name, looks_like_placeholder, matches_call, split_words};

/// The text of a policy file and the path it is reported under.
#[derive(Debug, Clone)]
pub struct PolicySource {
    pub path: String,
    pub text: String,
}

/// A policy file that could not be loaded: YAML error, unknown key, CEL syntax error,
/// unknown field. Positions point into `text` (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub path: String,
    pub text: String,
    pub line: u32,
    pub column: u32,
    /// Length in characters of the offending region on that line (at least 1).
    pub len: u32,
    pub message: String,
    pub help: Option<String>,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.path, self.line, self.column, self.message)
    }
}

impl std::error::Error for PolicyError {}

/// Metadata of a loaded rule, for `rules` and `explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub target: String,
    /// `built-in` or the policy file's path.
    pub source: String,
    pub why: String,
    pub fix: String,
    pub bad: String,
    pub good: String,
    /// The one-paragraph fix shown under findings.
    pub help: String,
    /// Inline suppressions cannot silence it (only configuration can).
    pub unsuppressible: bool,
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

/// Every loaded and compiled policy plus the shared knowledge.
pub struct PolicySet {
    pub knowledge: Knowledge,
    env: Arc<cel::Env>,
    policies: Vec<load::Policy>,
}

impl Default for PolicySet {
    fn default() -> Self {
        PolicySet {
            knowledge: Knowledge::default(),
            env: Arc::new(functions::env()),
            policies: Vec::new(),
        }
    }
}

impl PolicySet {
    /// The built-in policies (embedded `policies/**/*.yaml`) and `policies/knowledge.yaml`.
    pub fn builtin() -> Result<PolicySet, Vec<PolicyError>> {
        let mut set = PolicySet { knowledge: builtin_knowledge(), ..PolicySet::default() };
        let sources: Vec<(PolicySource, &str)> =
            builtin_sources().into_iter().map(|s| (s, "built-in")).collect();
        set.add(&sources)?;
        Ok(set)
    }

    /// Loads and compiles policy files on top of the given knowledge.
    pub fn load(
        sources: &[PolicySource],
        knowledge: Knowledge,
    ) -> Result<PolicySet, Vec<PolicyError>> {
        let mut set = PolicySet { knowledge, ..PolicySet::default() };
        let sources: Vec<(PolicySource, &str)> = sources.iter().map(|s| (s.clone(), "")).collect();
        set.add(&sources)?;
        Ok(set)
    }

    /// The built-in policies plus extra policy files (`--policy DIR`), all on `knowledge`.
    pub fn builtin_with(
        extra: &[PolicySource],
        knowledge: Knowledge,
    ) -> Result<PolicySet, Vec<PolicyError>> {
        let mut set = PolicySet { knowledge, ..PolicySet::default() };
        let mut sources: Vec<(PolicySource, &str)> =
            builtin_sources().into_iter().map(|s| (s, "built-in")).collect();
        sources.extend(extra.iter().map(|s| (s.clone(), "")));
        set.add(&sources)?;
        Ok(set)
    }

    /// Compiles `sources` (each with its `source` label; `""` means its path) and adds them.
    fn add(&mut self, sources: &[(PolicySource, &str)]) -> Result<(), Vec<PolicyError>> {
        let knowledge = match serde_json::to_value(&self.knowledge) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let mut errors = Vec::new();
        for (source, label) in sources {
            let label = if label.is_empty() { source.path.as_str() } else { label };
            match load::load(&source.path, &source.text, label, &self.env, &knowledge) {
                Ok(policy) => {
                    if let Some(first) = self.policies.iter().find(|p| p.id == policy.id) {
                        let line =
                            source.text.lines().position(|l| l.starts_with("id:")).unwrap_or(0);
                        errors.push(PolicyError {
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
                                policy.id, first.path
                            ),
                            help: Some(
                                "policy ids are unique; rename one of the two policies".to_string(),
                            ),
                        });
                        continue;
                    }
                    self.policies.push(policy);
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        self.policies.sort_by(|a, b| a.id.cmp(&b.id));
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
            .filter(|name| !self.policies.iter().any(|p| &p.id == *name))
            .cloned()
            .collect();
        self.policies
            .retain(|p| (only.is_empty() || only.contains(&p.id)) && !skip.contains(&p.id));
        unknown
    }

    pub fn rules(&self) -> Vec<RuleInfo> {
        self.policies
            .iter()
            .map(|p| RuleInfo {
                id: p.id.clone(),
                title: p.title.clone(),
                severity: p.severity,
                target: p.target.as_str().to_string(),
                source: p.source.clone(),
                why: p.why.clone(),
                fix: p.fix.clone(),
                bad: p.bad.clone(),
                good: p.good.clone(),
                help: p.help.clone(),
                unsuppressible: p.unsuppressible,
            })
            .collect()
    }

    /// Overrides a rule's severity (from configuration). Returns false for an unknown rule.
    pub fn set_severity(&mut self, rule: &str, severity: Severity) -> bool {
        match self.policies.iter_mut().find(|p| p.id == rule) {
            Some(p) => {
                p.severity = severity;
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
        let Some(p) = self.policies.iter_mut().find(|p| p.id == rule) else {
            return Err(format!("unknown rule `{rule}`"));
        };
        if !p.params_json.contains_key(name) {
            let keys: Vec<&str> = p.params_json.keys().map(String::as_str).collect();
            return Err(match schema::suggest(name, &keys) {
                Some(s) => format!("rule {rule} has no parameter `{name}`; did you mean `{s}`?"),
                None => format!("rule {rule} has no parameter `{name}`"),
            });
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
        Ok(())
    }

    /// Evaluates every `rust.function` policy on one function.
    pub fn check_function(&self, function: &Function) -> (Vec<Finding>, Vec<Problem>) {
        let subject = eval::function_subject(function);
        let items = |path: &[String]| native_items(function, path);
        self.check(
            load::Target::RustFunction,
            &subject,
            function,
            &items,
            |p| p.prefilter.admits_function(function),
            || value::function(function),
        )
    }

    /// Evaluates every `rust.file` policy on one file.
    pub fn check_file(&self, file: &RustFile) -> (Vec<Finding>, Vec<Problem>) {
        let subject = eval::file_subject(file);
        let literals = std::cell::OnceCell::new();
        let items = |path: &[String]| -> Option<Vec<&dyn native::Native>> {
            if path == ["file", "all_literals"] {
                let all = literals.get_or_init(|| native::file_literals(file));
                return Some(all.iter().map(|l| l as &dyn native::Native).collect());
            }
            native_items(file, path)
        };
        self.check(
            load::Target::RustFile,
            &subject,
            file,
            &items,
            |p| p.prefilter.admits_file(file),
            || value::file(file),
        )
    }

    /// Evaluates every `manifest` policy on one manifest document.
    pub fn check_document(
        &self,
        doc: &hooklint_model::manifest::Document,
    ) -> (Vec<Finding>, Vec<Problem>) {
        let subject = eval::document_subject(doc);
        let items = |path: &[String]| native_items(doc, path);
        self.check(
            load::Target::Manifest,
            &subject,
            doc,
            &items,
            |_| true,
            || manifest_value::document(doc),
        )
    }

    /// Evaluates every `project` policy once, on the whole run.
    pub fn check_project(
        &self,
        project: &hooklint_model::manifest::Project,
    ) -> (Vec<Finding>, Vec<Problem>) {
        let subject = eval::project_subject();
        let items = |path: &[String]| native_items(project, path);
        self.check(
            load::Target::Project,
            &subject,
            project,
            &items,
            |_| true,
            || manifest_value::project(project),
        )
    }

    /// Whether some loaded policy has this target (`manifest`, `project`), so the engine can
    /// skip building facts nobody reads.
    pub fn has_target(&self, target: &str) -> bool {
        self.policies.iter().any(|p| p.target.as_str() == target)
    }

    /// Runs the policies of `target` that pass their prefilters; the CEL value is built on
    /// the first one that needs it, and shared by the rest.
    fn check<'t>(
        &self,
        target: load::Target,
        subject: &eval::Subject,
        facts: &'t dyn native::Native,
        items: &ListFn<'t>,
        admits: impl Fn(&load::Policy) -> bool,
        build: impl Fn() -> value::V<'t>,
    ) -> (Vec<Finding>, Vec<Problem>) {
        let mut out = eval::Out::default();
        let mut built: Option<value::V<'t>> = None;
        for policy in self.policies.iter().filter(|p| p.target == target) {
            if !admits(policy) {
                continue;
            }
            let mut env = native::Env { target: facts, it: None, locals: Vec::new() };
            if policy.native_match.eval(&mut env) == Some(false) {
                continue;
            }
            // With a plain-path `for_each`, elements CEL would reject are masked out natively,
            // and a target with no element left costs no CEL at all.
            let mut mask = None;
            match &policy.prefilter.for_each_path {
                Some(path) if !policy.native_violation.is_unknown() => {
                    if let Some(elements) = items(path) {
                        let keep: Vec<bool> = elements
                            .iter()
                            .map(|it| {
                                let mut env = native::Env {
                                    target: facts,
                                    it: Some(*it),
                                    locals: Vec::new(),
                                };
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
            let target = built.get_or_insert_with(&build);
            let evaluator = eval::Evaluator { env: &self.env, policy, subject, target: &**target };
            evaluator.run(&mut out, mask.as_deref());
        }
        (out.findings, out.problems)
    }
}

/// Reads the elements of a `for_each` list path natively.
type ListFn<'t> = dyn Fn(&[String]) -> Option<Vec<&'t dyn native::Native>> + 't;

/// The object elements of a list field of the facts, for masking `for_each` elements.
fn native_items<'a>(
    facts: &'a dyn native::Native,
    path: &[String],
) -> Option<Vec<&'a dyn native::Native>> {
    let (_, fields) = path.split_first()?;
    let mut cur = native::NVal::Obj(facts);
    for field in fields {
        cur = match cur {
            native::NVal::Obj(o) => o.get(field),
            _ => return None,
        };
    }
    let native::NVal::List(items) = cur else { return None };
    items
        .into_iter()
        .map(|i| match i {
            native::NVal::Obj(o) => Some(o),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
