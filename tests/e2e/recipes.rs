//! The CI recipes of `docs/ci.md` and the pre-commit hook of `.pre-commit-hooks.yaml`, run on a
//! sample repository: every `cargo hooklint` command in the page's code blocks, in order, with
//! the CI variables filled in, checked for its exit code and output.

use std::path::Path;

use super::git::{commit_all, git, init};
use super::util::{Project, Run, CLEAN, WEBHOOK};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

const NEW_CLIENT: &str = "pub fn new_client() -> reqwest::Client {\n    \
    reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap()\n}\n\n\
    // hooklint: allow(tls/verification-disabled) -- talks to the local mock server only\n\
    pub fn mock_client() -> reqwest::Client {\n    \
    reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap()\n}\n";

/// The `cargo hooklint ...` lines of the page's fenced code blocks.
fn documented_commands() -> Vec<String> {
    let page = std::fs::read_to_string(Path::new(ROOT).join("docs/ci.md")).expect("docs/ci.md");
    let mut in_block = false;
    let mut commands = Vec::new();
    for line in page.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if let Some(at) = line.find("cargo hooklint ").filter(|_| in_block) {
            commands.push(line[at..].trim().to_string());
        }
    }
    commands
}

/// Runs a documented command in `project`, with the CI variables filled in: `base` is where
/// the base branch's worktree was added (`$RUNNER_TEMP/base`, `/tmp/hooklint-base`).
fn run_documented(project: &Project, command: &str, base: &Path) -> Run {
    let base = base.to_string_lossy();
    let filled = command
        .replace("${{ github.base_ref }}", "main")
        .replace("$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main")
        .replace("$RUNNER_TEMP/base", &base)
        .replace("/tmp/hooklint-base", &base)
        .replace('"', "");
    let args: Vec<&str> = filled.split_whitespace().collect();
    assert_eq!(args.get(..2), Some(&["cargo", "hooklint"][..]), "{command}");
    // Cargo runs `cargo-hooklint hooklint ARGS...` for `cargo hooklint ARGS...`.
    project.run(&args[1..])
}

/// `main` with the sample project in a bare-bones upstream, and an empty folder to clone it.
fn repository() -> (Project, Project) {
    let upstream = Project::new();
    init(upstream.path());
    upstream.file("src/lib.rs", CLEAN).file("src/webhook.rs", WEBHOOK);
    let clone = Project::new();
    (upstream, clone)
}

#[test]
fn the_documented_commands_are_the_tested_ones() {
    assert_eq!(
        documented_commands(),
        [
            "cargo hooklint init",
            "cargo hooklint --write-baseline .hooklint-baseline.json",
            "cargo hooklint --trusted-config \"$RUNNER_TEMP/base/hooklint.toml\" --format github \
             --new-since origin/${{ github.base_ref }}",
            "cargo hooklint --trusted-config \"$RUNNER_TEMP/base/hooklint.toml\" --format sarif \
             --output hooklint.sarif --fail-on never",
            "cargo hooklint --trusted-config /tmp/hooklint-base/hooklint.toml --new-since \
             origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME --format gitlab --output \
             gl-code-quality.json",
            "cargo hooklint suppressions src/ --format json",
        ]
    );
}

#[test]
fn the_recipes_gate_a_pull_request() {
    let commands = documented_commands();
    let (upstream, clone) = repository();
    let nowhere = Path::new("/nonexistent");

    // Adoption, on main: a configuration, today's findings recorded, the baseline named.
    let init = run_documented(&upstream, &commands[0], nowhere);
    assert_eq!(init.code, 0, "{init:?}");
    let adopt = run_documented(&upstream, &commands[1], nowhere);
    assert_eq!(adopt.code, 0, "{adopt:?}");
    assert!(upstream.path().join(".hooklint-baseline.json").is_file());
    let config = std::fs::read_to_string(upstream.path().join("hooklint.toml")).unwrap();
    let config = config.replace(
        "# baseline = \".hooklint-baseline.json\"",
        "baseline = \".hooklint-baseline.json\"",
    );
    upstream.file("hooklint.toml", &config);
    commit_all(upstream.path(), "adopt hooklint");

    let url = format!("file://{}", upstream.path().display());
    git(clone.path(), &["clone", "-q", &url, "."]);
    git(clone.path(), &["checkout", "-q", "-b", "feature"]);
    init_identity(clone.path());
    clone.file("src/new.rs", NEW_CLIENT);
    // The pull request also tries to switch its gate off: the rule disabled in its own
    // configuration, its findings written into the baseline, the file ignored.
    clone.file(
        "hooklint.toml",
        format!("{config}\n[rules.\"tls/verification-disabled\"]\nenabled = false\n"),
    );
    clone.file(".ignore", "src/new.rs\n");
    let rewrite = clone.run(&["--no-config", "--write-baseline", ".hooklint-baseline.json"]);
    assert_eq!(rewrite.code, 0, "{rewrite:?}");
    commit_all(clone.path(), "add clients");
    // The base branch's worktree, as the recipes add it.
    let temp = Project::new();
    let base = temp.path().join("base");
    git(
        clone.path(),
        &["worktree", "add", "-q", "--detach", &base.to_string_lossy(), "origin/main"],
    );

    // GitHub Actions: annotations for the new finding and the new suppression only.
    let annotations = run_documented(&clone, &commands[2], &base);
    assert_eq!(annotations.code, 1, "{annotations:?}");
    let lines: Vec<&str> = annotations.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", annotations.stdout);
    assert!(
        lines[0].starts_with(
            "::error file=src/new.rs,line=2,col=32,endLine=2,endColumn=64,\
             title=tls/verification-disabled::"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(
            "::warning file=src/new.rs,line=5,col=1,endLine=5,endColumn=84,\
             title=hooklint/new-suppression::this change adds a suppression of \
             `tls/verification-disabled` (reason: talks to the local mock server only)"
        ),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        format!(
            "configuration: trusted {0}/hooklint.toml (gate mode); ignored hooklint.toml in the \
             checked tree; baseline {0}/.hooklint-baseline.json (4 entries); 1 suppression used \
             (1 added by this change)",
            base.display()
        )
    );
    assert!(lines[3].starts_with("checked 3 files in "), "{}", lines[3]);
    assert!(
        lines[3].ends_with("1 suppressed, 4 baselined (0 fixed), 0 outside the diff"),
        "{}",
        lines[3]
    );

    // GitHub Actions: SARIF for code scanning never fails the step and marks the suppression.
    let sarif = run_documented(&clone, &commands[3], &base);
    assert_eq!(sarif.code, 0, "{sarif:?}");
    assert!(sarif.stdout.contains("error[tls/verification-disabled]"), "{}", sarif.stdout);
    let text = std::fs::read_to_string(clone.path().join("hooklint.sarif")).unwrap();
    let log: serde_json::Value = serde_json::from_str(&text).unwrap();
    super::formats::validate(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let suppressed = results.iter().filter(|r| r.get("suppressions").is_some()).count();
    assert_eq!((results.len(), suppressed), (2, 1), "{text}");
    let record = &log["runs"][0]["invocations"][0]["properties"]["hooklint/configuration"];
    assert_eq!(record["mode"], "gate", "{text}");
    assert_eq!(record["ignored_files"], serde_json::json!(["hooklint.toml"]), "{text}");

    // GitLab CI: exit code and a Code Quality artifact, the human report in the log.
    let gitlab = run_documented(&clone, &commands[4], &base);
    assert_eq!(gitlab.code, 1, "{gitlab:?}");
    assert!(gitlab.stdout.contains("--> src/new.rs:2:32"), "{}", gitlab.stdout);
    let text = std::fs::read_to_string(clone.path().join("gl-code-quality.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let issues = report.as_array().expect("an array of issues");
    // The new finding and the new suppression.
    assert_eq!(issues.len(), 2, "{text}");
    assert_eq!(issues[0]["location"]["path"], "src/new.rs");
    assert_eq!(issues[0]["location"]["lines"]["begin"], 2);
    assert_eq!(issues[0]["severity"], "critical");
    assert_eq!(issues[1]["location"]["lines"]["begin"], 5, "{text}");

    // The audit list, outside gate mode: the branch's own configuration disabled the rule, so
    // its suppression silences nothing there.
    let audit = run_documented(&clone, &commands[5], &base);
    assert_eq!(audit.code, 0, "{audit:?}");
    let listed = &audit.json()["suppressions"][0];
    assert_eq!(listed["rules"], serde_json::json!(["tls/verification-disabled"]), "{audit:?}");
    assert_eq!(listed["used"], false, "{audit:?}");

    // Without gate mode the same pull request would have passed: that is what it prevents.
    let ungated = clone.run(&["--format", "json", "--new-since", "main"]);
    assert_eq!(ungated.code, 0, "{ungated:?}");
}

fn init_identity(dir: &Path) {
    git(dir, &["config", "user.name", "hooklint tests"]);
    git(dir, &["config", "user.email", "tests@hooklint.invalid"]);
}

#[test]
fn the_pre_commit_hook_checks_the_staged_files() {
    let hooks = std::fs::read_to_string(Path::new(ROOT).join(".pre-commit-hooks.yaml")).unwrap();
    for line in [
        "- id: hooklint",
        "  entry: cargo-hooklint",
        "  language: rust",
        "  pass_filenames: true",
        "  types: [rust]",
    ] {
        assert!(hooks.lines().any(|l| l == line), "`{line}` missing from:\n{hooks}");
    }

    let project = Project::new();
    init(project.path());
    project.file("src/lib.rs", CLEAN).file("src/webhook.rs", WEBHOOK);
    commit_all(project.path(), "first");
    project.file("src/lib.rs", format!("{CLEAN}\npub fn sub(a: u32) -> u32 {{ a - 1 }}\n"));
    git(project.path(), &["add", "src/lib.rs"]);
    let staged = git(project.path(), &["diff", "--cached", "--name-only"]);
    let files: Vec<&str> = staged.lines().collect();
    assert_eq!(files, ["src/lib.rs"]);
    let clean = project.run(&files);
    assert_eq!(clean.code, 0, "{clean:?}");
    assert!(clean.stdout.contains("\nchecked 1 file in "), "{}", clean.stdout);

    project.file("src/new.rs", NEW_CLIENT);
    git(project.path(), &["add", "src/new.rs"]);
    let staged = git(project.path(), &["diff", "--cached", "--name-only"]);
    let files: Vec<&str> = staged.lines().collect();
    let dirty = project.run(&files);
    assert_eq!(dirty.code, 1, "{dirty:?}");
    assert!(dirty.stdout.contains("--> src/new.rs:2:32"), "{}", dirty.stdout);
    assert!(!dirty.stdout.contains("src/webhook.rs"), "only the staged files: {}", dirty.stdout);
}
