//! The rule author's commands: `test` (fixtures against their markers) and `init`.

use std::io::{self, Write};
use std::path::PathBuf;

use hooklint_engine::config::{default_config_text, CONFIG_FILE};
use hooklint_engine::{MismatchKind, TestOptions};
use hooklint_model::ProblemCode;
use hooklint_report::termcolor::{Color, ColorSpec, WriteColor};

use crate::commands::{select_rules, USAGE};
use crate::flags::{InitArgs, TestArgs};
use crate::{output, setup};

pub fn test(args: &TestArgs) -> anyhow::Result<u8> {
    // Without paths the project is found as `check` finds it: the nearest crate at or above
    // the working directory, so its configuration and `fixtures/` are the same from `src/`.
    let root = match args.paths.first() {
        Some(_) => None,
        None => {
            let cwd = std::env::current_dir()?;
            let cwd = cwd.canonicalize().unwrap_or(cwd);
            Some(hooklint_engine::project::package_root(&cwd, None).unwrap_or(cwd))
        }
    };
    let start = args.paths.first().or(root.as_ref()).map(PathBuf::as_path);
    let setup = match setup::load(&args.policies, start, args.color)? {
        Ok(setup) => setup,
        Err(code) => return Ok(code),
    };
    let mut policies = setup.policies;
    if let Some(code) = select_rules(&args.selection, &mut policies, &setup.known) {
        return Ok(code);
    }
    let dirs = if !args.paths.is_empty() {
        args.paths.clone()
    } else if let Some(dirs) =
        setup.config.as_ref().map(|c| c.test_dirs.clone()).filter(|d| !d.is_empty())
    {
        dirs
    } else {
        // The project's `fixtures/`, shown relative to the working directory.
        match &root {
            Some(root) => vec![relative_to_cwd(root.join("fixtures"))],
            None => vec![PathBuf::from("fixtures")],
        }
    };
    for dir in &dirs {
        if !dir.exists() {
            output::error(
                &format!("fixture path `{}` does not exist", dir.display()),
                &["name fixture directories: `cargo hooklint test DIR...`".to_string()],
            );
            return Ok(USAGE);
        }
    }
    let mut skip_dirs = args.policies.dirs.clone();
    skip_dirs.extend(setup.config.iter().flat_map(|c| c.policies.iter().cloned()));
    let opts = TestOptions {
        jobs: args.selection.jobs,
        base_dir: None,
        known_rules: setup.known,
        skip_dirs,
    };
    let results = hooklint_engine::run_fixture_tests(&dirs, &policies, &opts);
    let mut w = output::stdout(args.color);
    for unit in &results {
        if unit.passed() {
            w.set_color(ColorSpec::new().set_fg(Some(Color::Green)))?;
            write!(w, "ok  ")?;
        } else {
            w.set_color(ColorSpec::new().set_fg(Some(Color::Red)).set_bold(true))?;
            write!(w, "FAIL")?;
        }
        w.reset()?;
        writeln!(w, " {}", unit.name)?;
        for mismatch in &unit.mismatches {
            writeln!(w, "     {mismatch}")?;
        }
    }
    let failed = results.iter().any(|r| !r.passed());
    // A policy failing at run time is a broken policy, not a fixture that disagrees with it.
    let broken = results.iter().flat_map(|r| &r.mismatches).any(|m| {
        matches!(&m.kind, MismatchKind::Problem { code: ProblemCode::CelRuntimeError, .. })
    });
    if results.is_empty() {
        writeln!(w, "no fixtures found")?;
    }
    writeln!(w, "\ntest result: {}", hooklint_engine::test_summary(&results))?;
    w.flush()?;
    Ok(if broken { USAGE } else { u8::from(failed) })
}

pub fn init(args: &InitArgs) -> anyhow::Result<u8> {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let path = dir.join(CONFIG_FILE);
    if path.exists() && !args.force {
        output::error(
            &format!("`{}` already exists", path.display()),
            &["pass --force to overwrite it".to_string()],
        );
        return Ok(USAGE);
    }
    if let Err(err) = std::fs::write(&path, default_config_text()) {
        output::error(&format!("cannot write `{}`: {err}", path.display()), &[]);
        return Ok(USAGE);
    }
    let mut out = io::stdout().lock();
    writeln!(out, "wrote `{}`", path.display())?;
    Ok(0)
}

/// `path` relative to the working directory (`../fixtures` from `src/`), or as it is.
fn relative_to_cwd(path: PathBuf) -> PathBuf {
    let Ok(cwd) = std::env::current_dir() else { return path };
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    let shown = hooklint_engine::project::relative_path(&path, &cwd);
    if shown.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        shown
    }
}
