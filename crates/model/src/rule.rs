//! What a run is configured with: rules as `rules`, `explain` and SARIF describe them, and the
//! error a policy file or `hooklint.toml` that cannot be loaded is reported as.

use crate::{Severity, Target};

/// Metadata of a rule, for `rules`, `explain`, finding titles and the SARIF rule list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub target: Target,
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
    /// `docs.confidence`: what raises and lowers the confidence of its findings.
    pub confidence: String,
    /// The share of its findings that are true on real code, as SARIF's rule `precision`
    /// (`very-high`, `high`, `medium`, `low`); empty when the policy does not say.
    pub precision: String,
    /// Globs of paths, relative to the project root, whose findings of this rule are not
    /// reported: the policy's `paths.exclude`, merged with the configuration's
    /// `[rules."ID"] exclude`.
    pub exclude: Vec<String>,
}

/// A file that configures a run and could not be loaded: a YAML error, an unknown key, a CEL
/// syntax error or an unknown field in a policy file; a mistake in `hooklint.toml`. Positions
/// point into `text` (1-based; line 0 when the file could not be read at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub kind: LoadErrorKind,
    pub path: String,
    pub text: String,
    pub line: u32,
    pub column: u32,
    /// Length in characters of the offending region on that line (at least 1).
    pub len: u32,
    pub message: String,
    pub help: Option<String>,
}

/// Which kind of file a [`LoadError`] is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// A policy file (`policies/`, `--policy DIR`, a configured pack).
    Policy,
    /// `hooklint.toml`.
    Config,
}

impl LoadErrorKind {
    /// The diagnostic code it is shown with: `policy-error`, `config-error`.
    pub fn code(self) -> &'static str {
        match self {
            LoadErrorKind::Policy => "policy-error",
            LoadErrorKind::Config => "config-error",
        }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.path, self.line, self.column, self.message)
    }
}

impl std::error::Error for LoadError {}
