//! What every command that runs policies needs first: `hooklint.toml` (unless `--no-config`),
//! or in gate mode the trusted configuration, and the policies it and `--policy` name, with the
//! configuration applied; plus the record of what that configuration changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use hooklint_engine::config::{self, Config};
use hooklint_engine::tree::Tree;
use hooklint_model::LoadError;
use hooklint_policy::PolicySet;
use hooklint_report::{Configuration, SeverityChange};

use crate::commands::USAGE;
use crate::flags::{ColorWhen, ConfigArgs, PolicyArgs};
use crate::output;

/// Loaded policies and the configuration they were loaded with.
pub struct Setup {
    /// Configured, without the rules the configuration disables.
    pub policies: PolicySet,
    /// Every rule id loaded, disabled ones included: suppressions and markers naming them are
    /// known.
    pub known: Vec<String>,
    pub config: Option<Config>,
    /// The checked tree (the git working tree of the first path).
    pub tree: Tree,
    /// Gate mode: the configuration is `--trusted-config`.
    pub gate: bool,
    /// What the configuration changed, for the run's record; the run fills in the rest.
    pub record: Configuration,
}

/// Reads the configuration for `start` (the first checked path; the current directory when
/// `None`) and loads the policies. `Err(code)` when something is wrong (already reported).
pub fn load(
    args: &PolicyArgs,
    start: Option<&Path>,
    color: ColorWhen,
) -> anyhow::Result<Result<Setup, u8>> {
    let tree = Tree::find(start.unwrap_or(Path::new(".")));
    let gate = args.config.trusted_config.is_some();
    for file in [&args.config.file, &args.config.trusted_config].into_iter().flatten() {
        // Anything that exists is read (and refused if it is not a regular file).
        if std::fs::symlink_metadata(file).is_err() {
            let message = format!("configuration file `{}` does not exist", file.display());
            output::error(&message, &[]);
            return Ok(Err(USAGE));
        }
    }
    if gate {
        if !tree.is_git {
            output::error(
                "gate mode (--trusted-config) checks the files git tracks, and the checked path \
                 is not in a git working tree",
                &["run it in a clone of the repository, or drop --trusted-config".to_string()],
            );
            return Ok(Err(USAGE));
        }
        if !args.dirs.is_empty() {
            output::error(
                "--policy is not read in gate mode",
                &["name the policy folders in the trusted configuration: `policies = [...]`"
                    .to_string()],
            );
            return Ok(Err(USAGE));
        }
    }
    // The trusted configuration's own folder is trusted: its errors are shown in full.
    let trusted_root: Option<PathBuf> = args.config.trusted_config.as_ref().map(|file| {
        let dir = file.parent().unwrap_or(Path::new(""));
        if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.to_path_buf()
        }
    });
    let config = match read(&args.config, start) {
        Ok(config) => config,
        Err(errors) => {
            let errors = hide_outside(errors, &tree, trusted_root.as_deref());
            return Ok(Err(load_errors(&errors, color)));
        }
    };
    if let Some(trusted) = &args.config.trusted_config {
        if tree.contains(trusted) {
            output::warning(&format!(
                "the trusted configuration `{}` is inside the checked tree, which the change \
                 being checked can edit; take it from the base branch instead",
                trusted.display()
            ));
        }
    }
    let mut dirs: Vec<PathBuf> = args.dirs.clone();
    if let Some(config) = &config {
        dirs.extend(config.policies.iter().cloned());
    }
    let mut extra = Vec::new();
    for dir in &dirs {
        if !dir.is_dir() {
            output::error(&format!("policy directory `{}` does not exist", dir.display()), &[]);
            return Ok(Err(USAGE));
        }
        let found = hooklint_engine::policy_sources(dir)
            .with_context(|| format!("cannot read policy directory `{}`", dir.display()));
        match found {
            Ok(found) => extra.extend(found),
            Err(err) => {
                output::error(&format!("{err:#}"), &[]);
                return Ok(Err(USAGE));
            }
        }
    }
    let knowledge = hooklint_policy::builtin_knowledge();
    let knowledge = match &config {
        Some(config) => config.knowledge(knowledge),
        None => knowledge,
    };
    let mut policies = match PolicySet::builtin_with(&extra, knowledge) {
        Ok(policies) => policies,
        Err(errors) => {
            let errors = hide_outside(errors, &tree, trusted_root.as_deref());
            return Ok(Err(load_errors(&errors, color)));
        }
    };
    let before: BTreeMap<String, hooklint_model::Severity> =
        policies.rules().into_iter().map(|r| (r.id, r.severity)).collect();
    let known = before.keys().cloned().collect();
    if let Some(config) = &config {
        if let Err(errors) = config.apply(&mut policies) {
            let errors = hide_outside(errors, &tree, trusted_root.as_deref());
            return Ok(Err(load_errors(&errors, color)));
        }
    }
    let record = record(config.as_ref(), gate, &dirs, &before, &policies);
    Ok(Ok(Setup { policies, known, config, tree, gate, record }))
}

/// What the configuration changed from the built-in defaults.
fn record(
    config: Option<&Config>,
    gate: bool,
    dirs: &[PathBuf],
    before: &BTreeMap<String, hooklint_model::Severity>,
    policies: &PolicySet,
) -> Configuration {
    let mut record = Configuration {
        mode: if gate { "gate" } else { "default" },
        fail_on: "error".to_string(),
        fail_on_source: "default",
        confidence: "medium".to_string(),
        confidence_source: "default",
        policy_dirs: dirs.iter().map(|d| d.to_string_lossy().replace('\\', "/")).collect(),
        ..Configuration::default()
    };
    let Some(config) = config else { return record };
    record.file = Some(config.path.clone());
    for rule in &config.rules {
        if rule.enabled == Some(false) {
            record.disabled_rules.push(rule.id.clone());
        }
        if !rule.params.is_empty() {
            let names = rule.params.iter().map(|(name, _, _)| name.clone()).collect();
            record.params.insert(rule.id.clone(), names);
        }
        if rule.unsuppressible == Some(true) {
            record.unsuppressible.push(rule.id.clone());
        }
        if !rule.exclude.is_empty() {
            let globs = rule.exclude.iter().map(|(glob, _)| glob.clone()).collect();
            record.rule_excludes.insert(rule.id.clone(), globs);
        }
    }
    for rule in policies.rules() {
        if let Some(&was) = before.get(&rule.id).filter(|&&was| was != rule.severity) {
            record.severities.insert(
                rule.id.clone(),
                SeverityChange {
                    from: was.as_str().to_string(),
                    to: rule.severity.as_str().to_string(),
                },
            );
        }
    }
    // In a `manifest_*` list, `!entry` removes a built-in entry.
    let count = |list: &str, entries: &[String], removal: bool| {
        let removes = |e: &String| list.starts_with("manifest_") && e.starts_with('!');
        entries.iter().filter(|e| removes(e) == removal).count()
    };
    record.knowledge =
        config.knowledge.iter().map(|(k, v)| (k.clone(), count(k, v, false))).collect();
    record.knowledge.retain(|_, n| *n > 0);
    record.knowledge_removed =
        config.knowledge.iter().map(|(k, v)| (k.clone(), count(k, v, true))).collect();
    for (list, entries) in &config.knowledge_remove {
        *record.knowledge_removed.entry(list.clone()).or_default() += entries.len();
    }
    record.knowledge_removed.retain(|_, n| *n > 0);
    record.knowledge_replaced = config.knowledge_replace.keys().cloned().collect();
    record.include = config.include.clone();
    record.exclude = config.exclude.clone();
    record
}

/// Errors about a file outside the checked tree (and, in gate mode, outside the trusted
/// configuration's folder) keep their place but lose the file's content and wording: a
/// configuration that is a link to `/proc/self/environ`, or policy folders pointing at
/// `/etc`, must not print what those files contain.
fn hide_outside(errors: Vec<LoadError>, tree: &Tree, trusted: Option<&Path>) -> Vec<LoadError> {
    errors
        .into_iter()
        .map(|mut error| {
            let path = Path::new(&error.path);
            let inside = tree.contains(path)
                || trusted.is_some_and(|dir| {
                    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
                    path.canonicalize().is_ok_and(|p| p.starts_with(dir))
                });
            if !inside && !error.text.is_empty() {
                error.text.clear();
                error.message = format!(
                    "`{}` is not valid here; it resolves to a file outside the checked tree, \
                     whose content is not shown",
                    error.path
                );
                error.help = None;
            }
            error
        })
        .collect()
}

/// The configuration `--trusted-config`, `--config` or `--no-config` ask for, or the nearest
/// `hooklint.toml` above `start`.
pub fn read(args: &ConfigArgs, start: Option<&Path>) -> Result<Option<Config>, Vec<LoadError>> {
    if let Some(trusted) = &args.trusted_config {
        return config::read_trusted_config(trusted).map(Some);
    }
    if args.no_config {
        return Ok(None);
    }
    let path = match &args.file {
        Some(path) => path.clone(),
        None => match config::find_config(start.unwrap_or(Path::new("."))) {
            Some(found) => relative_to_cwd(found),
            None => return Ok(None),
        },
    };
    config::read_config(&path).map(Some)
}

/// A found configuration is shown relative to the working directory when it is inside it.
fn relative_to_cwd(path: PathBuf) -> PathBuf {
    let Ok(cwd) = std::env::current_dir() else { return path };
    match path.strip_prefix(&cwd) {
        Ok(relative) => relative.to_path_buf(),
        Err(_) => path,
    }
}

/// Reports policy or configuration errors; the usage exit code.
pub fn load_errors(errors: &[LoadError], color: ColorWhen) -> u8 {
    let mut err = output::stderr(color);
    let _ = hooklint_report::render_load_errors(&mut err, errors);
    USAGE
}
