//! One function per subcommand: glue between the flags, the engine and the renderers.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use hooklint_engine::project::Plan;
use hooklint_engine::{Baseline, ChangedLines, Options, RunOutput};
use hooklint_model::RuleInfo;
use hooklint_model::{Confidence, Severity};
use hooklint_policy::PolicySet;
use hooklint_report::termcolor::{NoColor, WriteColor};
use hooklint_report::{BaselineCounts, BelowConfidence, Report, SuppressedFinding, SuppressionRow};

use crate::flags::{
    CheckArgs, ColorWhen, ExplainArgs, FactsArgs, FactsFormat, Format, ListFormat, PolicyArgs,
    ProjectArgs, RuleSelection, RulesArgs, SuppressionsArgs,
};
use crate::output;

/// The subcommands, for a suggestion when one is mistyped.
const SUBCOMMANDS: &[&str] =
    &["check", "rules", "explain", "facts", "suppressions", "test", "init", "help"];

/// Exit code for usage, configuration and policy errors.
pub const USAGE: u8 = 2;

/// A command ends with an exit code, or with an error already reported to the user.
type Outcome = anyhow::Result<u8>;

/// Where a run starts: the working directory, the planned project, and the directory the
/// configuration is looked up from. `Err(code)` after a usage error (already reported).
pub struct Located {
    pub cwd: PathBuf,
    pub plan: Plan,
    pub config_start: PathBuf,
}

/// Finds the project the way cargo does (see `hooklint_engine::project`).
///
/// In gate mode no `Cargo.toml` above the checked git tree is read: the tree cannot move the
/// project's root, or its workspace, outside itself.
pub fn locate(
    paths: &[PathBuf],
    project: &ProjectArgs,
    gate: bool,
) -> anyhow::Result<Result<Located, u8>> {
    let missing: Vec<&PathBuf> =
        paths.iter().filter(|p| std::fs::symlink_metadata(p).is_err()).collect();
    for path in &missing {
        // `cargo hooklint chekc` is a mistyped command more likely than a missing path.
        let word = path.to_str().filter(|w| w.chars().all(|c| c.is_ascii_lowercase()));
        let command = word.and_then(|w| hooklint_report::did_you_mean(w, SUBCOMMANDS));
        match (paths.first() == Some(*path), command) {
            (true, Some(command)) => output::error(
                &format!("no such command or path: `{}`", path.display()),
                &[format!("did you mean the command `{command}`?")],
            ),
            _ => output::error(&format!("path `{}` does not exist", path.display()), &[]),
        }
    }
    if !missing.is_empty() {
        return Ok(Err(USAGE));
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    let mut selection = project.selection();
    if gate {
        let start = match (paths.first(), &project.manifest_path) {
            (Some(first), _) => cwd.join(first),
            (None, Some(manifest)) => cwd.join(manifest),
            (None, None) => cwd.clone(),
        };
        let tree = hooklint_engine::tree::Tree::find(&start);
        if tree.is_git {
            selection.ceiling = Some(tree.root);
        }
    }
    let plan = match hooklint_engine::project::plan(&cwd, paths, &selection) {
        Ok(plan) => plan,
        Err(err) => {
            output::error(&err.message, &err.help);
            return Ok(Err(USAGE));
        }
    };
    let config_start = match paths.first() {
        Some(first) => cwd.join(first),
        None => plan.paths.first().cloned().unwrap_or_else(|| plan.base.clone()),
    };
    Ok(Ok(Located { cwd, plan, config_start }))
}

impl Located {
    /// The engine's options for this project: walk the roots, read the named files, report
    /// paths relative to the base and findings in the scope.
    fn options(&self) -> Options {
        let mut paths = self.plan.paths.clone();
        paths.extend(self.plan.named.iter().cloned());
        Options {
            paths,
            base_dir: Some(self.plan.base.clone()),
            fingerprint_root: Some(self.plan.root.clone()),
            scope: self.plan.scope.clone(),
            ..Options::default()
        }
    }
}

pub fn check(args: &CheckArgs) -> Outcome {
    let gate = args.policies.config.trusted_config.is_some();
    let located = match locate(&args.paths, &args.project, gate)? {
        Ok(located) => located,
        Err(code) => return Ok(code),
    };
    let setup = match crate::setup::load(&args.policies, Some(&located.config_start), args.color)? {
        Ok(setup) => setup,
        Err(code) => return Ok(code),
    };
    let mut policies = setup.policies;
    let mut record = setup.record;
    // Rules the configuration disabled stay known to --only/--skip and suppressions.
    let ids: Vec<String> = setup.known;
    let fail_on = match setup.config.as_ref().and_then(|c| c.fail_on) {
        Some(configured) if !args.fail_on_given => {
            record.fail_on_source = "configuration";
            configured
        }
        _ => {
            if args.fail_on_given {
                record.fail_on_source = "command line";
            }
            args.fail_on.threshold()
        }
    };
    record.fail_on = fail_on.map_or("never", |s| s.as_str()).to_string();
    let confidence = match (args.confidence, setup.config.as_ref().and_then(|c| c.confidence)) {
        (Some(given), _) => {
            record.confidence_source = "command line";
            Confidence::from(given)
        }
        (None, Some(configured)) => {
            record.confidence_source = "configuration";
            configured
        }
        (None, None) => Confidence::Medium,
    };
    record.confidence = confidence.as_str().to_string();
    if let Some(code) = select_rules(&args.selection, &mut policies, &ids) {
        return Ok(code);
    }
    record.only = args.selection.only.clone();
    record.skipped = args.selection.skip.clone();
    if setup.gate && args.baseline.is_some() {
        output::error(
            "--baseline is not read in gate mode",
            &["name the baseline in the trusted configuration: `baseline = \"...\"`".to_string()],
        );
        return Ok(USAGE);
    }
    if setup.gate && args.follow_links {
        output::error(
            "--follow-links does not apply in gate mode",
            &["gate mode follows a tracked symbolic link only when it stays in the repository"
                .to_string()],
        );
        return Ok(USAGE);
    }
    // The baseline: `--baseline`, else the configuration's `baseline` (the only source in
    // gate mode).
    let baseline_path: Option<PathBuf> =
        args.baseline.clone().or_else(|| setup.config.as_ref().and_then(|c| c.baseline.clone()));

    // The project's own rules and their deliberately bad fixtures are not its code.
    let mut skip_dirs = args.policies.dirs.clone();
    if let Some(config) = &setup.config {
        skip_dirs.extend(config.policies.iter().chain(&config.test_dirs).cloned());
    }
    // Foreign code (vendor/, crates outside the workspace) is skipped unless asked for. In
    // gate mode the checked tree decides what looks foreign (a `Cargo.toml` it adds, a folder
    // it names `vendor`), so only the trusted configuration can skip it.
    let include_foreign = args.include_foreign
        || setup.config.as_ref().and_then(|c| c.include_foreign).unwrap_or(setup.gate);
    record.include_foreign = include_foreign;
    let mut opts = Options {
        skip_dirs,
        include_foreign,
        jobs: args.selection.jobs,
        max_file_size: args.max_file_size,
        follow_links: args.follow_links,
        known_rules: ids,
        select: setup.config,
        gate: setup.gate.then(|| setup.tree.clone()),
        watch: crate::supervise::watch()?,
        stack_size: crate::supervise::stack_size(),
        confidence,
        ..located.options()
    };
    if let Some(path) = &baseline_path {
        match Baseline::read(path) {
            Ok(baseline) => {
                record.baseline = Some(hooklint_report::BaselineUse {
                    path: path.to_string_lossy().replace('\\', "/"),
                    entries: baseline.entries.len(),
                });
                opts.baseline = Some(baseline);
            }
            Err(message) => {
                let shown = setup.gate || args.baseline.is_some() || setup.tree.contains(path);
                let message = if shown {
                    message
                } else {
                    format!(
                        "cannot use baseline `{}`: it resolves to a file outside the checked tree",
                        path.display()
                    )
                };
                output::error(&message, &[]);
                return Ok(USAGE);
            }
        }
    }
    if let Some(rev) = &args.new_since {
        // git prints paths relative to the base, as the facts have them.
        match ChangedLines::since(&located.plan.base, rev) {
            Ok(changed) => opts.new_since = Some(changed),
            Err(err) => {
                output::error(&err.message, &err.help);
                return Ok(USAGE);
            }
        }
    }
    if args.verbose {
        let roots: Vec<String> =
            located.plan.paths.iter().map(|p| p.display().to_string()).collect();
        output::note(&format!("checking {}", roots.join(", ")));
    }
    let bar = output::Bar::start(!args.quiet);
    opts.progress = bar.as_ref().map(|b| std::sync::Arc::clone(&b.progress));
    let mut out = hooklint_engine::run(&opts, &policies);
    if let Some(bar) = bar {
        bar.finish();
    }
    let baselining = baseline_path.is_some() || args.write_baseline.is_some();
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::from_findings(
            out.findings
                .iter()
                .chain(&out.baselined)
                .chain(&out.below_confidence)
                .chain(&out.excluded),
        );
        if let Err(message) = baseline.write(path) {
            output::error(&message, &[]);
            return Ok(USAGE);
        }
        // What was just written is accepted: this run reports it as baselined.
        let accepted = std::mem::take(&mut out.findings);
        out.baselined.extend(accepted);
        let entries = baseline.entries.len();
        let noun = if entries == 1 { "entry" } else { "entries" };
        if !args.quiet {
            output::note(&format!("wrote baseline `{}` with {entries} {noun}", path.display()));
        }
    }
    // Facts, fingerprints and the baseline use paths relative to the project; the report
    // shows them from where the user stands.
    out.relocate(&located.plan.base, &located.cwd);

    if args.timings || args.verbose {
        output::timings(&out.phases, out.duration);
    }
    if args.verbose {
        for folder in &out.skipped {
            let mut why = folder.reason.describe().to_string();
            if !folder.workspace.is_empty() {
                why.push_str(&format!(" of `{}`", folder.workspace));
            }
            output::note(&format!(
                "skipped `{}/` ({why}; {} file{})",
                hooklint_report::visible(&folder.path),
                folder.files,
                if folder.files == 1 { "" } else { "s" }
            ));
        }
    }
    record.ignored_files = out.ignored_configs.clone();
    record.files =
        hooklint_report::FileCounts { checked: out.files_checked, excluded: out.files_excluded };
    record.suppressions = hooklint_report::SuppressionUse {
        used: out.suppressions.iter().filter(|s| s.used()).count(),
        findings: out.suppressed.len(),
        added: args.new_since.as_ref().map(|_| out.added_suppressions),
    };
    let rules = hooklint_engine::rules(&policies);
    let titles: BTreeMap<String, String> =
        rules.iter().map(|r| (r.id.clone(), r.title.clone())).collect();
    let no_timing =
        args.no_timing || std::env::var_os("HOOKLINT_NO_TIMING").is_some_and(|v| v == "1");
    let suppressed: Vec<SuppressedFinding<'_>> = out
        .suppressed
        .iter()
        .map(|s| SuppressedFinding { finding: &s.finding, reason: &s.reason })
        .collect();
    let report = Report {
        findings: &out.findings,
        problems: &out.problems,
        files_checked: out.files_checked,
        templates_skipped: out.templates_skipped,
        skipped: &out.skipped,
        duration: if no_timing { Duration::ZERO } else { out.duration },
        suppressed: &suppressed,
        baseline: baselining
            .then_some(BaselineCounts { baselined: out.baselined.len(), fixed: out.fixed.len() }),
        outside_diff: args.new_since.as_ref().map(|_| out.outside_diff),
        below_confidence: BelowConfidence {
            count: out.below_confidence.len(),
            threshold: confidence,
        },
        excluded: out.excluded.len(),
        sources: &out.sources,
        titles: &titles,
        configuration: Some(&record),
    };
    write_report(args, &report, &rules)?;
    Ok(exit_code(&out, fail_on))
}

/// Writes the report in the chosen format to `--output` (and the human report to the
/// terminal) or to the terminal.
pub fn write_report(args: &CheckArgs, report: &Report<'_>, rules: &[RuleInfo]) -> io::Result<()> {
    match &args.output {
        Some(path) => {
            let file = match std::fs::File::create(path) {
                Ok(file) => file,
                Err(err) => {
                    return Err(io::Error::new(
                        err.kind(),
                        format!("cannot write `{}`: {err}", path.display()),
                    ))
                }
            };
            let mut w = NoColor::new(io::BufWriter::new(file));
            let written = render(&mut w, args.format, report, rules, args.quiet)
                .and_then(|()| w.get_mut().flush());
            if let Err(err) = written {
                return Err(io::Error::new(
                    err.kind(),
                    format!("cannot write `{}`: {err}", path.display()),
                ));
            }
            let mut w = output::stdout(args.color);
            render(&mut w, Format::Human, report, rules, args.quiet)?;
            w.flush()
        }
        None => {
            let mut w = output::stdout(if args.format == Format::Human {
                args.color
            } else {
                ColorWhen::Never
            });
            render(&mut w, args.format, report, rules, args.quiet)?;
            w.flush()
        }
    }
}

fn exit_code(out: &RunOutput, fail_on: Option<Severity>) -> u8 {
    let code = hooklint_engine::exit_code(out, fail_on);
    u8::try_from(code).unwrap_or(1)
}

fn render(
    w: &mut dyn WriteColor,
    format: Format,
    report: &Report<'_>,
    rules: &[RuleInfo],
    quiet: bool,
) -> io::Result<()> {
    match format {
        Format::Human if quiet => hooklint_report::human_diagnostics(w, report),
        Format::Human => {
            hooklint_report::human_diagnostics(w, report)?;
            // One pointer to the rules' documentation, before the summary.
            if let Some(first) = report.findings.first() {
                writeln!(
                    w,
                    "note: `cargo hooklint explain RULE` says why a rule matters and how to fix \
                     it, e.g. `cargo hooklint explain {}`\n",
                    first.rule
                )?;
            }
            hooklint_report::human_summary(w, report)
        }
        Format::Json => hooklint_report::json(w, report),
        Format::Sarif => hooklint_report::sarif(w, report, rules, env!("CARGO_PKG_VERSION")),
        Format::Github => hooklint_report::github(w, report),
        Format::Gitlab => hooklint_report::gitlab(w, report),
        Format::Junit => hooklint_report::junit(w, report),
    }
}

pub fn suppressions(args: &SuppressionsArgs) -> Outcome {
    let gate = args.policies.config.trusted_config.is_some();
    let located = match locate(&args.paths, &args.project, gate)? {
        Ok(located) => located,
        Err(code) => return Ok(code),
    };
    let start = Some(located.config_start.as_path());
    let setup = match crate::setup::load(&args.policies, start, ColorWhen::Auto)? {
        Ok(setup) => setup,
        Err(code) => return Ok(code),
    };
    let policies = setup.policies;
    // A suppression naming a rule the configuration disabled is not malformed.
    let mut skip_dirs = args.policies.dirs.clone();
    if let Some(config) = &setup.config {
        skip_dirs.extend(config.policies.iter().chain(&config.test_dirs).cloned());
    }
    let include_foreign =
        setup.config.as_ref().and_then(|c| c.include_foreign).unwrap_or(setup.gate);
    let opts = Options {
        skip_dirs,
        include_foreign,
        known_rules: setup.known,
        select: setup.config,
        gate: setup.gate.then(|| setup.tree.clone()),
        ..located.options()
    };
    let mut out = hooklint_engine::run(&opts, &policies);
    out.relocate(&located.plan.base, &located.cwd);
    let rows: Vec<SuppressionRow> = out
        .suppressions
        .iter()
        .map(|s| SuppressionRow {
            path: s.path.clone(),
            line: s.span.line,
            rules: s.rules.clone(),
            start_line: s.start_line,
            end_line: s.end_line,
            reason: s.reason.clone(),
            used: s.used(),
        })
        .collect();
    print_list(
        args.format,
        &rows,
        hooklint_report::suppressions_human,
        hooklint_report::suppressions_json,
    )
}

type ListWriter<T> = fn(&mut dyn io::Write, &[T]) -> io::Result<()>;

/// Prints a list (`rules`, `suppressions`) in the format asked for, on stdout.
fn print_list<T>(
    format: ListFormat,
    rows: &[T],
    human: ListWriter<T>,
    json: ListWriter<T>,
) -> Outcome {
    let mut w = io::BufWriter::new(io::stdout().lock());
    match format {
        ListFormat::Human => human(&mut w, rows)?,
        ListFormat::Json => json(&mut w, rows)?,
    }
    w.flush()?;
    Ok(0)
}

pub fn rules(args: &RulesArgs) -> Outcome {
    let policies = match load_policies(&args.policies, ColorWhen::Auto)? {
        Ok(policies) => policies,
        Err(code) => return Ok(code),
    };
    let rules = hooklint_engine::rules(&policies);
    print_list(args.format, &rules, hooklint_report::rules_human, hooklint_report::rules_json)
}

pub fn explain(args: &ExplainArgs) -> Outcome {
    let policies = match load_policies(&args.policies, ColorWhen::Auto)? {
        Ok(policies) => policies,
        Err(code) => return Ok(code),
    };
    let rules = hooklint_engine::rules(&policies);
    let Some(rule) = rules.iter().find(|r| r.id == args.rule) else {
        let ids: Vec<String> = rules.into_iter().map(|r| r.id).collect();
        return Ok(unknown_rules("", std::slice::from_ref(&args.rule), &ids).unwrap_or(USAGE));
    };
    let mut w = io::BufWriter::new(io::stdout().lock());
    hooklint_report::explain(&mut w, rule)?;
    w.flush()?;
    Ok(0)
}

pub fn facts(args: &FactsArgs) -> Outcome {
    if args.schema {
        let mut w = io::BufWriter::new(io::stdout().lock());
        hooklint_report::facts_schema_json(&mut w)?;
        w.flush()?;
        return Ok(0);
    }
    // The project is found as `check` finds it, so that module paths and file paths are
    // what the policies see in that run, from whichever directory.
    let paths: Vec<PathBuf> = args.path.iter().cloned().collect();
    let located = match locate(&paths, &args.project, false)? {
        Ok(located) => located,
        Err(code) => return Ok(code),
    };
    // Facts do not depend on the policies, so a broken policy must not hide them; the
    // configuration's knowledge lists do change derived facts such as `fn.verifies`.
    let config = match crate::setup::read(&args.config, Some(&located.config_start)) {
        Ok(config) => config,
        Err(errors) => return Ok(crate::setup::load_errors(&errors, ColorWhen::Auto)),
    };
    let knowledge = hooklint_policy::builtin_knowledge();
    let knowledge = match &config {
        Some(config) => config.knowledge(knowledge),
        None => knowledge,
    };
    // As `check`: the project's policy and fixture folders are not its code.
    let skip_dirs =
        config.iter().flat_map(|c| c.policies.iter().chain(&c.test_dirs)).cloned().collect();
    let include_foreign = config.as_ref().and_then(|c| c.include_foreign).unwrap_or(false);
    let opts = Options { skip_dirs, include_foreign, select: config, ..located.options() };
    let hooklint_engine::Facts { mut files, mut manifests, problems } =
        hooklint_engine::collect_facts(&opts, &knowledge);
    // A file named inside a crate: its facts, linked against the whole crate.
    if let Some(scope) = &opts.scope {
        files.retain(|f| hooklint_engine::project::in_scope(scope, &f.path));
        manifests.retain(|m| hooklint_engine::project::in_scope(scope, &m.path));
    }
    // Secret values are shown only when asked for, as `<redacted:fnv:...>` otherwise.
    let redactor = hooklint_engine::Redactor::new(&if args.show_secrets {
        Vec::new()
    } else {
        hooklint_engine::secret_values(&files, &knowledge)
    });
    let redact = |text: &str| match redactor.redact(text) {
        std::borrow::Cow::Owned(new) => Some(new),
        std::borrow::Cow::Borrowed(_) => None,
    };
    let redact: Option<&hooklint_report::Redact<'_>> =
        if redactor.is_empty() { None } else { Some(&redact) };
    if !problems.is_empty() {
        let report = Report {
            files_checked: files.len() + manifests.len(),
            templates_skipped: manifests.iter().filter(|m| !m.template.is_empty()).count(),
            ..Report::new(&[], &problems)
        };
        let mut err = output::stderr(ColorWhen::Auto);
        // Problems go to stderr so that stdout stays one JSON document; a closed stderr must
        // not lose the facts.
        let _ = hooklint_report::human_diagnostics(&mut err, &report);
    }
    let mut w = io::BufWriter::new(io::stdout().lock());
    let write = match args.format {
        FactsFormat::Json => hooklint_report::facts_json,
        FactsFormat::Yaml => hooklint_report::facts_yaml,
    };
    let written = write(&mut w, &files, &manifests, args.function.as_deref(), redact)?;
    w.flush()?;
    if let (Some(name), 0) = (&args.function, written) {
        output::warning(&format!("no function named `{name}`"));
    }
    Ok(0)
}

/// The built-in policies, plus those under `--policy` directories. `Err(code)` when they
/// failed to load (already reported).
fn load_policies(args: &PolicyArgs, color: ColorWhen) -> anyhow::Result<Result<PolicySet, u8>> {
    Ok(crate::setup::load(args, None, color)?.map(|setup| setup.policies))
}

/// Keeps the rules `--only`/`--skip` select. A name that is no known rule (`known` includes
/// rules the configuration disabled) is a usage error with a suggestion: `Some(USAGE)`.
pub fn select_rules(
    selection: &RuleSelection,
    policies: &mut PolicySet,
    known: &[String],
) -> Option<u8> {
    for (flag, names) in [("--only", &selection.only), ("--skip", &selection.skip)] {
        if let Some(code) = unknown_rules(flag, names, known) {
            return Some(code);
        }
    }
    let unknown = policies.retain(&selection.only, &selection.skip);
    unknown_rules("--only/--skip", &unknown, known)
}

/// Reports rule ids that name no loaded rule, with a suggestion; `Some(USAGE)` if any.
fn unknown_rules(flag: &str, names: &[String], ids: &[String]) -> Option<u8> {
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut failed = false;
    for name in names.iter().filter(|n| !ids.contains(&n.as_str())) {
        failed = true;
        let mut help = Vec::new();
        if let Some(suggestion) = hooklint_report::did_you_mean(name, &ids) {
            help.push(format!("did you mean `{suggestion}`?"));
        }
        help.push("`cargo hooklint rules` lists every rule".to_string());
        let place = if flag.is_empty() { String::new() } else { format!(" in {flag}") };
        output::error(&format!("unknown rule `{name}`{place}"), &help);
    }
    failed.then_some(USAGE)
}
