//! One function per subcommand: glue between the flags, the engine and the renderers.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use hooklint_engine::{Baseline, ChangedLines, Options, RunOutput};
use hooklint_model::RuleInfo;
use hooklint_model::{Confidence, Severity};
use hooklint_policy::PolicySet;
use hooklint_report::termcolor::{NoColor, WriteColor};
use hooklint_report::{BaselineCounts, BelowConfidence, Report, SuppressedFinding, SuppressionRow};

use crate::flags::{
    CheckArgs, ColorWhen, ExplainArgs, FactsArgs, FactsFormat, Format, ListFormat, PolicyArgs,
    RuleSelection, RulesArgs, SuppressionsArgs,
};
use crate::output;

/// Exit code for usage, configuration and policy errors.
pub const USAGE: u8 = 2;

/// A command ends with an exit code, or with an error already reported to the user.
type Outcome = anyhow::Result<u8>;

pub fn check(args: &CheckArgs) -> Outcome {
    let start = args.paths.first().map(PathBuf::as_path);
    let setup = match crate::setup::load(&args.policies, start, args.color)? {
        Ok(setup) => setup,
        Err(code) => return Ok(code),
    };
    let mut policies = setup.policies;
    // Rules the configuration disabled stay known to --only/--skip and suppressions.
    let ids: Vec<String> = setup.known;
    let fail_on = match setup.config.as_ref().and_then(|c| c.fail_on) {
        Some(configured) if !args.fail_on_given => configured,
        _ => args.fail_on.threshold(),
    };
    let confidence = args
        .confidence
        .map(Confidence::from)
        .or(setup.config.as_ref().and_then(|c| c.confidence))
        .unwrap_or(Confidence::Medium);
    if let Some(code) = select_rules(&args.selection, &mut policies, &ids) {
        return Ok(code);
    }

    let mut opts = Options {
        paths: args.paths.clone(),
        jobs: args.selection.jobs,
        max_file_size: args.max_file_size,
        follow_links: args.follow_links,
        known_rules: ids,
        select: setup.config,
        confidence,
        ..Options::default()
    };
    if let Some(code) = missing_paths(&opts) {
        return Ok(code);
    }
    if let Some(path) = &args.baseline {
        match Baseline::read(path) {
            Ok(baseline) => opts.baseline = Some(baseline),
            Err(message) => {
                output::error(&message, &[]);
                return Ok(USAGE);
            }
        }
    }
    if let Some(rev) = &args.new_since {
        match ChangedLines::since(Path::new("."), rev) {
            Ok(changed) => opts.new_since = Some(changed),
            Err(err) => {
                output::error(&err.message, &err.help);
                return Ok(USAGE);
            }
        }
    }
    let mut out = hooklint_engine::run(&opts, &policies);
    let baselining = args.baseline.is_some() || args.write_baseline.is_some();
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::from_findings(
            out.findings.iter().chain(&out.baselined).chain(&out.below_confidence),
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
        output::note(&format!("wrote baseline `{}` with {entries} {noun}", path.display()));
    }

    if args.timings {
        output::timings(&out.phases, out.duration);
    }
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
        duration: if no_timing { Duration::ZERO } else { out.duration },
        suppressed: &suppressed,
        baseline: baselining
            .then_some(BaselineCounts { baselined: out.baselined.len(), fixed: out.fixed.len() }),
        outside_diff: args.new_since.as_ref().map(|_| out.outside_diff),
        below_confidence: BelowConfidence {
            count: out.below_confidence.len(),
            threshold: confidence,
        },
        sources: &out.sources,
        titles: &titles,
    };
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write `{}`", path.display()));
            let file = match file {
                Ok(file) => file,
                Err(err) => {
                    output::error(&format!("{err:#}"), &[]);
                    return Ok(USAGE);
                }
            };
            let mut w = NoColor::new(io::BufWriter::new(file));
            render(&mut w, args.format, &report, &rules)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            w.get_mut().flush().with_context(|| format!("cannot write `{}`", path.display()))?;
            let mut w = output::stdout(args.color);
            hooklint_report::human(&mut w, &report)?;
            w.flush()?;
        }
        None => {
            let mut w = output::stdout(if args.format == Format::Human {
                args.color
            } else {
                ColorWhen::Never
            });
            render(&mut w, args.format, &report, &rules)?;
            w.flush()?;
        }
    }
    Ok(exit_code(&out, fail_on))
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
) -> io::Result<()> {
    match format {
        Format::Human => hooklint_report::human(w, report),
        Format::Json => hooklint_report::json(w, report),
        Format::Sarif => hooklint_report::sarif(w, report, rules, env!("CARGO_PKG_VERSION")),
        Format::Github => hooklint_report::github(w, report),
    }
}

pub fn suppressions(args: &SuppressionsArgs) -> Outcome {
    let start = args.paths.first().map(PathBuf::as_path);
    let setup = match crate::setup::load(&args.policies, start, ColorWhen::Auto)? {
        Ok(setup) => setup,
        Err(code) => return Ok(code),
    };
    let policies = setup.policies;
    // A suppression naming a rule the configuration disabled is not malformed.
    let opts = Options {
        paths: args.paths.clone(),
        known_rules: setup.known,
        select: setup.config,
        ..Options::default()
    };
    if let Some(code) = missing_paths(&opts) {
        return Ok(code);
    }
    let out = hooklint_engine::run(&opts, &policies);
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
    let mut w = io::BufWriter::new(io::stdout().lock());
    match args.format {
        ListFormat::Human => hooklint_report::suppressions_human(&mut w, &rows)?,
        ListFormat::Json => hooklint_report::suppressions_json(&mut w, &rows)?,
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
    let mut w = io::BufWriter::new(io::stdout().lock());
    match args.format {
        ListFormat::Human => hooklint_report::rules_human(&mut w, &rules)?,
        ListFormat::Json => hooklint_report::rules_json(&mut w, &rules)?,
    }
    w.flush()?;
    Ok(0)
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
    // Facts do not depend on the policies, so a broken policy must not hide them; the
    // configuration's knowledge lists do change derived facts such as `fn.verifies`.
    let knowledge = hooklint_policy::builtin_knowledge();
    let knowledge = match crate::setup::read(&args.config, args.path.as_deref()) {
        Ok(Some(config)) => config.knowledge(knowledge),
        Ok(None) => knowledge,
        Err(errors) => return Ok(crate::setup::load_errors(&errors, ColorWhen::Auto)),
    };
    let opts = Options { paths: args.path.iter().cloned().collect(), ..Options::default() };
    if let Some(code) = missing_paths(&opts) {
        return Ok(code);
    }
    let hooklint_engine::Facts { files, manifests, problems } =
        hooklint_engine::collect_facts(&opts, &knowledge);
    if !problems.is_empty() {
        let sources = BTreeMap::new();
        let report = Report {
            findings: &[],
            problems: &problems,
            files_checked: files.len() + manifests.len(),
            duration: Duration::ZERO,
            suppressed: &[],
            baseline: None,
            outside_diff: None,
            below_confidence: BelowConfidence::default(),
            sources: &sources,
            titles: &sources,
        };
        let mut err = output::stderr(ColorWhen::Auto);
        // Problems go to stderr so that stdout stays one JSON document; a closed stderr must
        // not lose the facts.
        let _ = hooklint_report::human_diagnostics(&mut err, &report);
    }
    let mut w = io::BufWriter::new(io::stdout().lock());
    let written = match args.format {
        FactsFormat::Json => {
            hooklint_report::facts_json(&mut w, &files, &manifests, args.function.as_deref())?
        }
        FactsFormat::Yaml => {
            hooklint_report::facts_yaml(&mut w, &files, &manifests, args.function.as_deref())?
        }
    };
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

fn missing_paths(opts: &Options) -> Option<u8> {
    let missing: Vec<PathBuf> = hooklint_engine::missing_paths(opts);
    for path in &missing {
        output::error(&format!("path `{}` does not exist", path.display()), &[]);
    }
    (!missing.is_empty()).then_some(USAGE)
}
