//! End-to-end tests of the real binary, run in temporary projects with relative paths.

mod e2e {
    /// A temporary project and a way to run `cargo-hooklint` inside it.
    pub mod util;

    /// Invocation forms, subcommands, flags and exit codes.
    mod cli;

    /// The project found like cargo finds it: the same result from any directory,
    /// `--manifest-path`, `-p`, `--workspace`, named files checked against their crate.
    mod project;

    /// Insta snapshots of the human and JSON output (`tests/snapshots/`).
    mod output;

    /// Input that must not stop a run: unparsable, non-UTF-8, unreadable and hostile files,
    /// broken policy files.
    mod robustness;

    /// Hostile input of every kind, each one diagnostic in a run that goes on and exits 1 as
    /// incomplete: size limit, deep nesting, long chains, symlink loops, unreadable, non-UTF-8.
    mod hostile;
    /// Manifests: hostile YAML is one diagnostic each, and no secret value reaches any output.
    mod manifests;

    /// Running git in temporary repositories.
    pub mod git;

    /// `--format sarif|github|json` snapshots, SARIF schema validation, `--output`.
    pub mod formats;

    /// Inline suppressions and the `suppressions` audit list.
    mod suppressions;

    /// A policy's `confidence`, the `--confidence` threshold and how each output shows it.
    mod confidence;

    /// `--write-baseline` and `--baseline`.
    mod baseline;

    /// `--new-since` on temporary git repositories.
    mod new_since;

    /// The recipes of `docs/ci.md` and the pre-commit hook, run end to end.
    mod recipes;

    /// Writing organisation rules: `test`, load errors, `facts --format yaml`, the examples.
    mod authoring;

    /// `hooklint.toml`: discovery, errors, rule settings, knowledge, packs, `init`.
    mod config;

    /// Gate mode (`--trusted-config`) against every way the checked tree could switch the
    /// gate off or hide a file from it.
    mod gate;

    /// No secret value and no control character from the checked code in any output.
    mod leaks;

    /// Code the project does not own (`vendor/`, crates outside the workspace) skipped and
    /// counted; test code in its three shapes.
    mod foreign;

    /// `rust-version` against the locked dependencies, and README's statement of it.
    mod toolchain;
}

/// The rule fixtures under `fixtures/` against their inline `expect:` markers and their
/// rendered snapshots, and the conventions every built-in rule keeps (fixtures on both sides,
/// docs, message style).
mod rules;
