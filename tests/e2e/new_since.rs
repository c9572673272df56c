//! `--new-since REF` on temporary git repositories: only findings on changed lines, untracked
//! files count as changed, unknown revisions and shallow clones are clear usage errors.

use super::git::{commit_all, git, init};
use super::util::{Project, CLEAN, WEBHOOK};

const LATE_CLIENT: &str = "\npub fn late_client() -> reqwest::Client {\n    \
    reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap()\n}\n";

fn two_commits() -> Project {
    let project = Project::new();
    init(project.path());
    project.file("src/webhook.rs", WEBHOOK).file("src/lib.rs", CLEAN);
    commit_all(project.path(), "first");
    git(project.path(), &["branch", "base"]);
    project.file("src/webhook.rs", format!("\n{WEBHOOK}{LATE_CLIENT}"));
    commit_all(project.path(), "second");
    project
}

fn findings(run: &super::util::Run) -> Vec<String> {
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}:{}:{}", f["path"].as_str().unwrap(), f["line"], f["rule"]))
        .collect()
}

#[test]
fn reports_only_findings_on_changed_lines() {
    let project = two_commits();
    // Every finding, whatever its confidence: the diff filter counts them all.
    let all = project.run(&["--format", "json", "--confidence", "low"]);
    assert!(findings(&all).len() >= 4, "{all:?}");

    let run = project.run(&["--format", "json", "--new-since", "base"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(findings(&run), ["src/webhook.rs:37:\"tls/verification-disabled\""]);
    let human = project.run(&["--new-since", "base"]);
    let outside = findings(&all).len() - 1;
    assert!(human.stdout.contains(&format!("{outside} outside the diff")), "{human:?}");

    // Uncommitted edits and untracked files count as changed.
    project.file("src/lib.rs", format!("{CLEAN}{LATE_CLIENT}")).file("src/new.rs", LATE_CLIENT);
    let run = project.run(&["--format", "json", "--new-since", "base"]);
    assert_eq!(
        findings(&run),
        [
            "src/lib.rs:6:\"tls/verification-disabled\"",
            "src/new.rs:3:\"tls/verification-disabled\"",
            "src/webhook.rs:37:\"tls/verification-disabled\""
        ]
    );
    // Nothing changed since HEAD in the committed files.
    let head = project.run(&["--format", "json", "--new-since", "HEAD", "src/webhook.rs"]);
    assert_eq!(head.code, 0, "{head:?}");
}

#[test]
fn unknown_revisions_are_usage_errors() {
    let project = two_commits();
    let run = project.run(&["--new-since", "no-such-branch"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.starts_with("error: unknown git revision `no-such-branch`"), "{run:?}");
    assert_eq!(run.stdout, "");

    let outside = Project::new();
    outside.file("src/lib.rs", CLEAN);
    let run = outside.run(&["--new-since", "main"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--new-since needs a git repository"), "{run:?}");
}

#[test]
fn a_shallow_clone_without_the_merge_base_says_so() {
    let upstream = Project::new();
    init(upstream.path());
    upstream.file("src/lib.rs", CLEAN);
    commit_all(upstream.path(), "root");
    git(upstream.path(), &["checkout", "-q", "-b", "feature"]);
    upstream.file("src/webhook.rs", WEBHOOK);
    commit_all(upstream.path(), "feature");
    git(upstream.path(), &["checkout", "-q", "main"]);
    upstream.file("src/other.rs", CLEAN);
    commit_all(upstream.path(), "main moves on");

    let clone = Project::new();
    let url = format!("file://{}", upstream.path().display());
    git(
        clone.path(),
        &["clone", "-q", "--depth", "1", "--no-single-branch", "--branch", "feature", &url, "."],
    );
    let run = clone.run(&["--new-since", "origin/main"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("this is a shallow clone"), "{}", run.stderr);
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.stderr);
}
