//! The command line: every subcommand and flag with its help text, and how argv is prepared.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use hooklint_model::{Confidence, Severity};

/// Lints the trust boundaries of integrations: webhook handlers, OAuth apps and broker
/// credentials
///
/// With no subcommand, `check` runs: `cargo hooklint src/` is `cargo hooklint check src/`.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-hooklint",
    bin_name = "cargo hooklint",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files and directories (the default command)
    Check(CheckArgs),
    /// List every rule with its severity, title and source
    Rules(RulesArgs),
    /// Explain a rule: why it matters, how to fix it, bad and good examples
    Explain(ExplainArgs),
    /// Print the facts policies see, for rule authors
    Facts(FactsArgs),
    /// List every inline suppression with its rules, place, reason and use, for audits
    Suppressions(SuppressionsArgs),
    /// Run the policies over fixture files and check their `expect:` and `ok:` markers
    Test(TestArgs),
    /// Write a commented hooklint.toml with every key at its default
    Init(InitArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files and directories to report on [default: the crate or workspace around the current
    /// directory]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report in the chosen format to FILE; human output still goes to the terminal
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a finding is at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "LEVEL")]
    pub fail_on: FailOn,
    /// Report only findings at or above this confidence [default: `confidence` in
    /// hooklint.toml, else medium]
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub confidence: Option<ConfidenceLevel>,
    #[command(flatten)]
    pub selection: RuleSelection,
    /// Skip files larger than BYTES, reporting each as a `too-large` problem
    #[arg(long, value_name = "BYTES", default_value_t = hooklint_engine::DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// Follow symbolic links while walking directories (a loop is reported, not followed)
    #[arg(long)]
    pub follow_links: bool,
    /// Also check code the project does not own: vendor/, third_party/ and third-party/
    /// folders, and folders with their own Cargo.toml that are not workspace members
    /// [default: `include-foreign` in hooklint.toml; skipped and counted otherwise, except in
    /// gate mode]
    #[arg(long)]
    pub include_foreign: bool,
    #[command(flatten)]
    pub policies: PolicyArgs,
    /// Report findings recorded in this baseline file as baselined, not as findings
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write every current finding to this baseline file and accept them for this run
    #[arg(long, value_name = "FILE", conflicts_with = "new_since")]
    pub write_baseline: Option<PathBuf>,
    /// Report only findings on lines changed since the merge base with this git revision
    #[arg(long, value_name = "REF")]
    pub new_since: Option<String>,
    /// When to colour the output
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// Report the run's duration as zero, for reproducible output (also HOOKLINT_NO_TIMING=1)
    #[arg(long, hide = true)]
    pub no_timing: bool,
    /// Print the wall time of each phase of the run to stderr
    #[arg(long)]
    pub timings: bool,
    /// No progress bar, notes or summary line: only the diagnostics
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also say which project is checked and how long each phase took (stderr)
    #[arg(long, short)]
    pub verbose: bool,
    /// Whether `--fail-on` was on the command line (it then wins over `fail-on` in the
    /// configuration); set by `main` from clap's value source.
    #[arg(skip)]
    pub fail_on_given: bool,
}

/// Which package to check, as cargo subcommands select it.
#[derive(Debug, Args, Default)]
pub struct ProjectArgs {
    /// Path to the Cargo.toml of the package or workspace to check
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Check only this package of the workspace (repeatable)
    #[arg(long, short, value_name = "SPEC")]
    pub package: Vec<String>,
    /// Check every package of the workspace
    #[arg(long)]
    pub workspace: bool,
}

impl ProjectArgs {
    pub fn selection(&self) -> hooklint_engine::project::Selection {
        hooklint_engine::project::Selection {
            manifest_path: self.manifest_path.clone(),
            packages: self.package.clone(),
            workspace: self.workspace,
            ceiling: None,
        }
    }
}

/// Which rules run, and on how many threads: shared by `check` and `test`.
#[derive(Debug, Args)]
pub struct RuleSelection {
    /// Run only this rule (repeatable, or comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub only: Vec<String>,
    /// Do not run this rule (repeatable, or comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub skip: Vec<String>,
    /// Number of worker threads [default: one per core]
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Also load the *.yaml policy files under DIR, besides the built-in ones (repeatable)
    #[arg(long = "policy", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Read this configuration file [default: the nearest hooklint.toml above the first path]
    #[arg(long = "config", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Do not read any hooklint.toml
    #[arg(long, conflicts_with = "file")]
    pub no_config: bool,
    /// Gate mode: FILE is the whole configuration (its baseline and policy folders too). No
    /// hooklint.toml of the checked tree is read, every file git tracks is checked whatever
    /// ignore files say, and `#[path]`/`include!` targets in the tree are read
    #[arg(long, value_name = "FILE", conflicts_with_all = ["file", "no_config"])]
    pub trusted_config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Fixture files and directories [default: the configuration's `test-dirs`, or fixtures/];
    /// with --only or --skip, markers of rules left out are ignored
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: RuleSelection,
    #[command(flatten)]
    pub policies: PolicyArgs,
    /// When to colour the output
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to write hooklint.toml into [default: the current directory]
    pub dir: Option<PathBuf>,
    /// Overwrite an existing hooklint.toml
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    #[command(flatten)]
    pub policies: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule id, e.g. `crypto/non-constant-time-compare`
    pub rule: String,
    #[command(flatten)]
    pub policies: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct FactsArgs {
    /// File or directory [default: the crate or workspace around the current directory]
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = FactsFormat::Json)]
    pub format: FactsFormat,
    /// Show only functions with this name or qualified name
    #[arg(long = "fn", value_name = "NAME")]
    pub function: Option<String>,
    /// Show secret values (literals that look like keys, tokens or passwords) instead of
    /// `<redacted:...>` fingerprints
    #[arg(long)]
    pub show_secrets: bool,
    /// Print the JSON Schema of the fact model (what `fn`, `file`, `doc` and `project` hold)
    /// instead of the facts of some code
    #[arg(long, conflicts_with_all = ["path", "function", "format", "show_secrets"])]
    pub schema: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct SuppressionsArgs {
    /// Files and directories to list [default: the crate or workspace around the current
    /// directory]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    #[command(flatten)]
    pub policies: PolicyArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics and a summary line
    Human,
    /// one versioned JSON document
    Json,
    /// SARIF 2.1.0, for code scanning uploads
    Sarif,
    /// GitHub Actions workflow commands, shown as annotations
    Github,
    /// GitLab Code Quality JSON, for the merge request widget
    Gitlab,
    /// JUnit XML, for the test report of GitLab, Jenkins, Azure Pipelines and others
    Junit,
}

/// Formats of the listing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FactsFormat {
    Json,
    Yaml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

/// `--confidence`: how sure a rule must be of a finding for it to be reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfidenceLevel {
    High,
    Medium,
    Low,
}

impl From<ConfidenceLevel> for Confidence {
    fn from(level: ConfidenceLevel) -> Confidence {
        match level {
            ConfidenceLevel::High => Confidence::High,
            ConfidenceLevel::Medium => Confidence::Medium,
            ConfidenceLevel::Low => Confidence::Low,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// Cargo runs `cargo-hooklint hooklint ARGS...` for `cargo hooklint ARGS...`: drop the name.
pub fn cargo_args(mut args: Vec<OsString>) -> Vec<OsString> {
    if args.get(1).is_some_and(|a| a == "hooklint") {
        args.remove(1);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let args = args.iter().map(OsString::from).collect();
        Cli::try_parse_from(cargo_args(args))
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn check_is_the_default_command() {
        let cli = parse(&["cargo-hooklint", "src", "--fail-on", "never"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.check.paths, [PathBuf::from("src")]);
        assert_eq!(cli.check.fail_on.threshold(), None);
        let cli = parse(&["cargo-hooklint"]).unwrap();
        assert!(cli.command.is_none() && cli.check.paths.is_empty());
        assert_eq!(cli.check.fail_on.threshold(), Some(Severity::Error));
    }

    #[test]
    fn cargo_passes_the_subcommand_name_first() {
        let cli = parse(&["cargo-hooklint", "hooklint", "check", "--format", "json"]).unwrap();
        let Some(Command::Check(args)) = cli.command else { panic!("not check") };
        assert_eq!(args.format, Format::Json);
        let cli = parse(&["cargo-hooklint", "hooklint"]).unwrap();
        assert!(cli.command.is_none());
    }

    #[test]
    fn only_and_skip_repeat_and_split_on_commas() {
        let cli =
            parse(&["cargo-hooklint", "check", "--only", "a/b,c/d", "--only", "e/f"]).unwrap();
        let Some(Command::Check(args)) = cli.command else { panic!("not check") };
        assert_eq!(args.selection.only, ["a/b", "c/d", "e/f"]);
        assert!(args.selection.skip.is_empty());
    }

    #[test]
    fn subcommands_parse() {
        let cli = parse(&["cargo-hooklint", "facts", "src/a.rs", "--fn", "webhook"]).unwrap();
        let Some(Command::Facts(args)) = cli.command else { panic!("not facts") };
        assert_eq!(args.function.as_deref(), Some("webhook"));
        let cli = parse(&["cargo-hooklint", "facts", "--schema"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Facts(a)) if a.schema));
        assert!(parse(&["cargo-hooklint", "facts", "--schema", "src"]).is_err());
        let cli = parse(&["cargo-hooklint", "explain", "tls/verification-disabled"]).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Explain(a)) if a.rule == "tls/verification-disabled")
        );
        let cli = parse(&["cargo-hooklint", "rules", "--format", "json", "--policy", "p"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Rules(a)) if a.policies.dirs.len() == 1));
        let cli = parse(&["cargo-hooklint", "suppressions", "src", "--format", "json"]).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Suppressions(a)) if a.format == ListFormat::Json)
        );
    }

    #[test]
    fn ci_flags_parse() {
        let cli = parse(&[
            "cargo-hooklint",
            "--format",
            "sarif",
            "--output",
            "out.sarif",
            "--baseline",
            "b.json",
            "--new-since",
            "origin/main",
        ])
        .unwrap();
        assert_eq!(cli.check.format, Format::Sarif);
        assert_eq!(cli.check.output, Some(PathBuf::from("out.sarif")));
        assert_eq!(cli.check.new_since.as_deref(), Some("origin/main"));
        assert!(parse(&["cargo-hooklint", "--write-baseline", "b", "--new-since", "x"]).is_err());
        assert!(parse(&["cargo-hooklint", "rules", "--format", "sarif"]).is_err());
    }

    #[test]
    fn authoring_commands_and_config_flags_parse() {
        let cli = parse(&["cargo-hooklint", "test", "fixtures", "--policy", "p", "--only", "a/b"])
            .unwrap();
        let Some(Command::Test(args)) = cli.command else { panic!("not test") };
        assert_eq!(args.paths, [PathBuf::from("fixtures")]);
        assert_eq!(args.policies.dirs, [PathBuf::from("p")]);
        assert_eq!(args.selection.only, ["a/b"]);
        let cli = parse(&["cargo-hooklint", "init", "--force"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Init(a)) if a.force && a.dir.is_none()));
        let cli = parse(&["cargo-hooklint", "facts", "src", "--format", "yaml"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Facts(a)) if a.format == FactsFormat::Yaml));
        let cli = parse(&["cargo-hooklint", "--config", "ci.toml", "src"]).unwrap();
        assert_eq!(cli.check.policies.config.file, Some(PathBuf::from("ci.toml")));
        assert!(parse(&["cargo-hooklint", "--config", "a.toml", "--no-config"]).is_err());
        let cli = parse(&["cargo-hooklint", "--trusted-config", "/ci/hooklint.toml"]).unwrap();
        assert_eq!(
            cli.check.policies.config.trusted_config,
            Some(PathBuf::from("/ci/hooklint.toml"))
        );
        assert!(parse(&["cargo-hooklint", "--trusted-config", "a", "--config", "b"]).is_err());
        assert!(parse(&["cargo-hooklint", "--trusted-config", "a", "--no-config"]).is_err());
    }

    #[test]
    fn bad_values_are_usage_errors() {
        assert!(parse(&["cargo-hooklint", "--fail-on", "sometimes"]).is_err());
        assert!(parse(&["cargo-hooklint", "--jobs", "many"]).is_err());
        assert!(parse(&["cargo-hooklint", "explain"]).is_err());
    }
}
