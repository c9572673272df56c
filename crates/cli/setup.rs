//! What every command that runs policies needs first: `hooklint.toml` (unless `--no-config`)
//! and the policies it and `--policy` name, with the configuration applied.

use std::path::{Path, PathBuf};

use anyhow::Context;
use hooklint_engine::config::{self, Config};
use hooklint_model::LoadError;
use hooklint_policy::PolicySet;

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
}

/// Reads the configuration for `start` (the first checked path; the current directory when
/// `None`) and loads the policies. `Err(code)` when something is wrong (already reported).
pub fn load(
    args: &PolicyArgs,
    start: Option<&Path>,
    color: ColorWhen,
) -> anyhow::Result<Result<Setup, u8>> {
    if let Some(file) = args.config.file.as_ref().filter(|f| !f.is_file()) {
        let message = format!("configuration file `{}` does not exist", file.display());
        output::error(&message, &[]);
        return Ok(Err(USAGE));
    }
    let config = match read(&args.config, start) {
        Ok(config) => config,
        Err(errors) => return Ok(Err(load_errors(&errors, color))),
    };
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
        Err(errors) => return Ok(Err(load_errors(&errors, color))),
    };
    let known = policies.rules().into_iter().map(|r| r.id).collect();
    if let Some(config) = &config {
        if let Err(errors) = config.apply(&mut policies) {
            return Ok(Err(load_errors(&errors, color)));
        }
    }
    Ok(Ok(Setup { policies, known, config }))
}

/// The configuration `--config`/`--no-config` ask for, or the nearest one above `start`.
pub fn read(args: &ConfigArgs, start: Option<&Path>) -> Result<Option<Config>, Vec<LoadError>> {
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
