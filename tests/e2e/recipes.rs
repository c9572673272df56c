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

fn run_documented(project: &Project, command: &str) -> Run {
    let filled = command
        .replace("${{ github.base_ref }}", "main")
        .replace("$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main");
    let args: Vec<&str> = filled.split_whitespace().collect();
    assert_eq!(args.get(..2), Some(&["cargo", "hooklint"][..]), "{command}");
    // Cargo runs `cargo-hooklint hooklint ARGS...` for `cargo hooklint ARGS...`.
    project.run(&args[1..])
}

/// `main` with the sample project and a committed baseline in a bare-bones upstream, and a
/// clone of it on a branch that adds one finding and one suppressed finding.
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
            "cargo hooklint --write-baseline .hooklint-baseline.json",
            "cargo hooklint --format github --new-since origin/${{ github.base_ref }} --baseline \
             .hooklint-baseline.json",
            "cargo hooklint --format sarif --output hooklint.sarif --fail-on never",
            "cargo hooklint --new-since origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME --baseline \
             .hooklint-baseline.json --format gitlab --output gl-code-quality.json",
            "cargo hooklint suppressions src/ --format json",
        ]
    );
}

#[test]
fn the_recipes_gate_a_pull_request() {
    let commands = documented_commands();
    let (upstream, clone) = repository();

    // Adoption, on main: record today's findings and commit them.
    let adopt = run_documented(&upstream, &commands[0]);
    assert_eq!(adopt.code, 0, "{adopt:?}");
    assert!(upstream.path().join(".hooklint-baseline.json").is_file());
    commit_all(upstream.path(), "adopt hooklint");

    let url = format!("file://{}", upstream.path().display());
    git(clone.path(), &["clone", "-q", &url, "."]);
    git(clone.path(), &["checkout", "-q", "-b", "feature"]);
    init_identity(clone.path());
    clone.file("src/new.rs", NEW_CLIENT);
    commit_all(clone.path(), "add clients");

    // GitHub Actions: annotations for the new finding only.
    let annotations = run_documented(&clone, &commands[1]);
    assert_eq!(annotations.code, 1, "{annotations:?}");
    let lines: Vec<&str> = annotations.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", annotations.stdout);
    assert!(
        lines[0].starts_with(
            "::error file=src/new.rs,line=2,col=32,endLine=2,endColumn=64,\
             title=tls/verification-disabled::"
        ),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("checked 3 files in "), "{}", lines[1]);
    assert!(
        lines[1].ends_with("1 suppressed, 4 baselined (0 fixed), 0 outside the diff"),
        "{}",
        lines[1]
    );

    // GitHub Actions: SARIF for code scanning never fails the step and marks the suppression.
    let sarif = run_documented(&clone, &commands[2]);
    assert_eq!(sarif.code, 0, "{sarif:?}");
    assert!(sarif.stdout.contains("error[tls/verification-disabled]"), "{}", sarif.stdout);
    let text = std::fs::read_to_string(clone.path().join("hooklint.sarif")).unwrap();
    let log: serde_json::Value = serde_json::from_str(&text).unwrap();
    super::formats::validate(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let suppressed = results.iter().filter(|r| r.get("suppressions").is_some()).count();
    assert_eq!((results.len(), suppressed), (5, 1), "{text}");

    // GitLab CI: exit code and a Code Quality artifact, the human report in the log.
    let gitlab = run_documented(&clone, &commands[3]);
    assert_eq!(gitlab.code, 1, "{gitlab:?}");
    assert!(gitlab.stdout.contains("--> src/new.rs:2:32"), "{}", gitlab.stdout);
    let text = std::fs::read_to_string(clone.path().join("gl-code-quality.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let issues = report.as_array().expect("an array of issues");
    assert_eq!(issues.len(), 1, "{text}");
    assert_eq!(issues[0]["location"]["path"], "src/new.rs");
    assert_eq!(issues[0]["location"]["lines"]["begin"], 2);
    assert_eq!(issues[0]["severity"], "critical");

    // The audit list.
    let audit = run_documented(&clone, &commands[4]);
    assert_eq!(audit.code, 0, "{audit:?}");
    assert_eq!(audit.json()["suppressions"][0]["used"], true);
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
    assert!(clean.stdout.starts_with("checked 1 file in "), "{}", clean.stdout);

    project.file("src/new.rs", NEW_CLIENT);
    git(project.path(), &["add", "src/new.rs"]);
    let staged = git(project.path(), &["diff", "--cached", "--name-only"]);
    let files: Vec<&str> = staged.lines().collect();
    let dirty = project.run(&files);
    assert_eq!(dirty.code, 1, "{dirty:?}");
    assert!(dirty.stdout.contains("--> src/new.rs:2:32"), "{}", dirty.stdout);
    assert!(!dirty.stdout.contains("src/webhook.rs"), "only the staged files: {}", dirty.stdout);
}
