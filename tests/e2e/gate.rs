//! Gate mode (`--trusted-config`) against every way the checked tree itself could switch the
//! gate off, hide a file from it, or make it read through the tree: each bypass still shows
//! the finding, or is refused with a clear message.

use std::path::Path;

use super::git::{commit_all, git, init};
use super::util::{Project, Run, CLEAN};

/// Certificate checks switched off: one `tls/verification-disabled` finding at line 2.
const INSECURE: &str = "pub fn client() -> reqwest::Client {\n    \
    reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap()\n}\n";

/// A repository with a clean file, committed, and a trusted configuration in a folder of its
/// own (as a worktree of the base branch would be).
struct Setup {
    repo: Project,
    trusted: Project,
}

impl Setup {
    fn new() -> Setup {
        let repo = Project::new();
        init(repo.path());
        repo.file("src/lib.rs", CLEAN);
        let trusted = Project::new();
        trusted.file("hooklint.toml", "fail-on = \"error\"\n");
        Setup { repo, trusted }
    }

    fn config(&self) -> String {
        self.trusted.path().join("hooklint.toml").to_string_lossy().into_owned()
    }

    /// Commits the tree, then runs gate mode on it with JSON output.
    fn gate(&self, extra: &[&str]) -> Run {
        git(self.repo.path(), &["add", "-A"]);
        git(self.repo.path(), &["commit", "-q", "--allow-empty", "-m", "change"]);
        let config = self.config();
        let mut args = vec!["--trusted-config", config.as_str(), "--format", "json"];
        args.extend_from_slice(extra);
        self.repo.run(&args)
    }
}

fn findings(run: &Run) -> Vec<(String, String)> {
    run.json()["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn tls(path: &str) -> Vec<(String, String)> {
    vec![("tls/verification-disabled".to_string(), path.to_string())]
}

#[test]
fn the_trees_own_configuration_is_ignored_and_named() {
    let s = Setup::new();
    s.repo.file("src/client.rs", INSECURE).file(
        "hooklint.toml",
        "fail-on = \"never\"\nexclude = [\"src/**\"]\n\
         [rules.\"tls/verification-disabled\"]\nenabled = false\nseverity = \"note\"\n\
         params = { insecure_verifier_names = [] }\n",
    );
    s.repo.file(
        "crates/sub/hooklint.toml",
        "[rules.\"tls/verification-disabled\"]\nenabled = false\n",
    );
    s.repo.file("crates/sub/src/lib.rs", INSECURE);
    let run = s.gate(&[]);
    assert_eq!(run.code, 1, "{run:?}");
    let mut expected = tls("crates/sub/src/lib.rs");
    expected.extend(tls("src/client.rs"));
    assert_eq!(findings(&run), expected);
    let record = &run.json()["configuration"];
    assert_eq!(record["mode"], "gate");
    assert_eq!(record["file"], s.config());
    assert_eq!(
        record["ignored_files"],
        serde_json::json!(["crates/sub/hooklint.toml", "hooklint.toml"])
    );
    assert_eq!(record["disabled_rules"], serde_json::json!([]));
    // Scanning the subfolder: its nested configuration is not read either.
    let config = s.config();
    let run = s.repo.run(&["--trusted-config", &config, "--format", "json", "crates/sub"]);
    assert_eq!(findings(&run), tls("crates/sub/src/lib.rs"));
    assert_eq!(
        run.json()["configuration"]["ignored_files"],
        serde_json::json!(["crates/sub/hooklint.toml"])
    );
    // Outside gate mode the tree's configuration is in effect, and the record says what it
    // changed.
    let plain = s.repo.run(&["--format", "json"]);
    assert_eq!(plain.code, 0, "{plain:?}");
    let record = &plain.json()["configuration"];
    assert_eq!(record["disabled_rules"], serde_json::json!(["tls/verification-disabled"]));
    assert_eq!(record["exclude"], serde_json::json!(["src/**"]));
    assert_eq!(record["fail_on"], "never");
    let human = s.repo.run(&[]);
    assert!(
        human.stdout.contains(
            "configuration: hooklint.toml; disabled tls/verification-disabled; params \
             tls/verification-disabled.insecure_verifier_names; exclude src/**; fail-on never"
        ),
        "{}",
        human.stdout
    );
}

/// A policy whose every finding is of medium confidence: the default threshold reports them,
/// `confidence = "high"` hides them.
const MEDIUM_RULE: &str = "id: org/danger
title: Dangerous call
severity: error
target: rust.function
violation: fn.calls.exists(c, c.name == 'danger')
confidence: \"'medium'\"
message: \"`{{ fn.name }}` calls `danger`\"
docs:
  why: A test rule.
  confidence: Always medium.
";

#[test]
fn the_trees_confidence_threshold_cannot_hide_findings() {
    let s = Setup::new();
    s.trusted.file("hooklint.toml", "policies = [\"policies\"]\n");
    s.trusted.file("policies/danger.yaml", MEDIUM_RULE);
    s.repo
        .file("src/danger.rs", "pub fn risky() {\n    danger();\n}\n")
        .file("hooklint.toml", "confidence = \"high\"\n")
        .file("crates/sub/hooklint.toml", "confidence = \"high\"\n")
        .file("crates/sub/src/lib.rs", "pub fn also_risky() {\n    danger();\n}\n");
    let run = s.gate(&["--only", "org/danger"]);
    assert_eq!(run.code, 1, "{run:?}");
    let danger = |path: &str| ("org/danger".to_string(), path.to_string());
    assert_eq!(findings(&run), [danger("crates/sub/src/lib.rs"), danger("src/danger.rs")]);
    let json = run.json();
    assert_eq!(json["summary"]["below_confidence"], 0, "{json}");
    let record = &json["configuration"];
    assert_eq!(record["confidence"], "medium");
    assert_eq!(record["confidence_source"], "default");
    assert_eq!(
        record["ignored_files"],
        serde_json::json!(["crates/sub/hooklint.toml", "hooklint.toml"])
    );
    // Outside gate mode the tree's threshold is in effect, and every format says so.
    let policies = s.trusted.path().join("policies");
    let policies = policies.to_string_lossy();
    let plain = s.repo.run(&["--policy", &policies, "--only", "org/danger", "--format", "json"]);
    assert_eq!(plain.code, 0, "{plain:?}");
    assert!(findings(&plain).is_empty(), "{plain:?}");
    let json = plain.json();
    assert_eq!(json["summary"]["below_confidence"], 2, "{json}");
    assert_eq!(json["configuration"]["confidence"], "high");
    assert_eq!(json["configuration"]["confidence_source"], "configuration");
    let human = s.repo.run(&["--policy", &policies, "--only", "org/danger"]);
    assert!(human.stdout.contains("confidence high (configuration)"), "{}", human.stdout);
}

#[test]
fn ignore_files_hide_nothing_tracked() {
    let s = Setup::new();
    s.repo
        .file("src/ignored.rs", INSECURE)
        .file("src/excluded.rs", INSECURE)
        .file("src/dotignored.rs", INSECURE)
        .file(".hidden/code.rs", INSECURE)
        .file("target/tracked.rs", INSECURE);
    commit_all(s.repo.path(), "code");
    s.repo.file(".gitignore", "src/ignored.rs\n.hidden/\ntarget/\n");
    s.repo.file(".ignore", "src/dotignored.rs\n");
    s.repo.file(".git/info/exclude", "src/excluded.rs\n");
    let run = s.gate(&[]);
    let mut expected = tls(".hidden/code.rs");
    for path in ["src/dotignored.rs", "src/excluded.rs", "src/ignored.rs", "target/tracked.rs"] {
        expected.extend(tls(path));
    }
    assert_eq!(findings(&run), expected, "{run:?}");
}

#[test]
fn path_and_include_targets_are_read_whatever_their_name_or_folder() {
    let s = Setup::new();
    s.repo.file(
        "src/main.rs",
        "#[path = \"../target/gen.rs\"]\nmod generated;\n#[path = \"hidden.txt\"]\nmod hidden;\n\
         #[cfg_attr(unix, path = \".secret/unix.rs\")]\nmod platform;\n\
         include!(\"../build/included.in\");\nfn main() {}\n",
    );
    s.repo.file("src/hidden.txt", INSECURE).file("src/.secret/unix.rs", INSECURE);
    s.repo.file("build/included.in", INSECURE);
    // `target/` is ignored and the file untracked: what a build script would have made.
    s.repo.file(".gitignore", "target/\nsrc/.secret/\n");
    s.repo.file("target/gen.rs", INSECURE);
    let run = s.gate(&[]);
    let mut expected = tls("build/included.in");
    expected.extend(tls("src/.secret/unix.rs"));
    expected.extend(tls("src/hidden.txt"));
    expected.extend(tls("target/gen.rs"));
    assert_eq!(findings(&run), expected, "{run:?}");
    // A target outside the repository is reported at the line that names it, not read.
    s.repo.file("src/escape.rs", "#[path = \"../../../../../../../../etc/hostname\"]\nmod h;\n");
    let run = s.gate(&[]);
    let problems = run.json()["problems"].clone();
    let outside: Vec<&serde_json::Value> =
        problems.as_array().unwrap().iter().filter(|p| p["code"] == "outside-tree").collect();
    if Path::new("/etc/hostname").exists() {
        assert_eq!(outside.len(), 1, "{problems}");
        assert_eq!(outside[0]["path"], "src/escape.rs");
        assert_eq!(outside[0]["line"], 1);
    }
}

#[cfg(unix)]
#[test]
fn symlinked_and_upper_case_files_are_checked_and_links_out_are_refused() {
    let s = Setup::new();
    s.repo.file("src/real.txt", INSECURE).file("src/SHOUT.RS", INSECURE);
    std::os::unix::fs::symlink("real.txt", s.repo.path().join("src/linked.rs")).unwrap();
    let outside = Project::new();
    outside.file("elsewhere.rs", INSECURE);
    std::os::unix::fs::symlink(
        outside.path().join("elsewhere.rs"),
        s.repo.path().join("src/out.rs"),
    )
    .unwrap();
    let run = s.gate(&[]);
    let mut expected = tls("src/SHOUT.RS");
    expected.extend(tls("src/real.txt"));
    assert_eq!(findings(&run), expected, "{run:?}");
    let problems = run.json()["problems"].clone();
    assert_eq!(problems[0]["code"], "outside-tree", "{problems}");
    assert_eq!(problems[0]["path"], "src/out.rs");
    assert_eq!(run.code, 1);
}

#[test]
fn the_baseline_comes_only_from_the_trusted_configuration() {
    let s = Setup::new();
    s.repo.file("src/client.rs", INSECURE);
    // The change rewrites the baseline to accept its own finding.
    let written = s.repo.run(&["--no-config", "--write-baseline", ".hooklint-baseline.json"]);
    assert_eq!(written.code, 0, "{written:?}");
    let run = s.gate(&[]);
    assert_eq!(findings(&run), tls("src/client.rs"));
    // --baseline is refused in gate mode, with where the baseline belongs.
    let config = s.config();
    let refused =
        s.repo.run(&["--trusted-config", &config, "--baseline", ".hooklint-baseline.json"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--baseline is not read in gate mode"), "{}", refused.stderr);
    assert!(refused.stderr.contains("baseline = "), "{}", refused.stderr);
    // The trusted configuration's own baseline applies.
    std::fs::copy(s.repo.path().join(".hooklint-baseline.json"), s.trusted.path().join("b.json"))
        .unwrap();
    s.trusted.file("hooklint.toml", "baseline = \"b.json\"\n");
    let run = s.gate(&[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["summary"]["baselined"], 1);
    assert_eq!(run.json()["configuration"]["baseline"]["entries"], 1);
}

#[cfg(unix)]
#[test]
fn trusted_paths_that_leave_the_trusted_folder_are_refused() {
    let s = Setup::new();
    for (config, what) in [
        ("policies = [\"/etc\"]\n", "absolute path `/etc`"),
        ("policies = [\"..\"]\n", "leaves the configuration's folder"),
        ("baseline = \"/etc/passwd\"\n", "absolute path `/etc/passwd`"),
    ] {
        s.trusted.file("hooklint.toml", config);
        let run = s.gate(&[]);
        assert_eq!(run.code, 2, "{config}: {run:?}");
        assert!(run.stderr.contains(what), "{config}: {}", run.stderr);
    }
    std::os::unix::fs::symlink("/etc", s.trusted.path().join("org-policies")).unwrap();
    s.trusted.file("hooklint.toml", "policies = [\"org-policies\"]\n");
    let run = s.gate(&[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("leaves the configuration's folder"), "{}", run.stderr);
}

#[test]
fn unsuppressible_rules_and_added_suppressions() {
    let s = Setup::new();
    commit_all(s.repo.path(), "base");
    git(s.repo.path(), &["branch", "-q", "base"]);
    s.repo.file(
        "src/client.rs",
        "// hooklint: allow(tls/verification-disabled) -- just this once\n".to_string() + INSECURE,
    );
    let run = s.gate(&["--new-since", "base"]);
    assert_eq!(
        findings(&run),
        [("hooklint/new-suppression".to_string(), "src/client.rs".to_string())]
    );
    assert_eq!(run.json()["summary"]["suppressed"], 1);
    assert_eq!(run.json()["configuration"]["suppressions"]["added"], 1);
    s.trusted
        .file("hooklint.toml", "[rules.\"tls/verification-disabled\"]\nunsuppressible = true\n");
    let run = s.gate(&["--new-since", "base"]);
    let rules: Vec<String> = findings(&run).into_iter().map(|(r, _)| r).collect();
    // The comment silences nothing now; it is reported where it is, and the finding stays.
    assert_eq!(rules, ["hooklint/unsuppressible-rule", "tls/verification-disabled"], "{run:?}");
    assert_eq!(run.code, 1);
    assert_eq!(
        run.json()["configuration"]["unsuppressible"],
        serde_json::json!(["tls/verification-disabled"])
    );
}

#[test]
fn gate_mode_needs_git_and_refuses_what_it_would_not_read() {
    let s = Setup::new();
    let config = s.config();
    let not_git = Project::new();
    not_git.file("src/lib.rs", CLEAN);
    let run = not_git.run(&["--trusted-config", &config]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not in a git working tree"), "{}", run.stderr);
    for flag in
        [&["--policy", "p"][..], &["--follow-links"], &["--config", "x.toml"], &["--no-config"]]
    {
        let mut args = vec!["--trusted-config", config.as_str()];
        args.extend_from_slice(flag);
        let run = s.repo.run(&args);
        assert_eq!(run.code, 2, "{flag:?}: {run:?}");
    }
    let missing = s.repo.run(&["--trusted-config", "/nonexistent/hooklint.toml"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("does not exist"), "{}", missing.stderr);
}

#[cfg(unix)]
#[test]
fn a_configuration_linked_out_of_the_tree_never_shows_its_content() {
    let s = Setup::new();
    let secret = Project::new();
    secret.file("environ", "GITHUB_TOKEN=ghp_topsecretvalue0123456789abcdef\nAWS=1\n");
    std::os::unix::fs::symlink(secret.path().join("environ"), s.repo.path().join("hooklint.toml"))
        .unwrap();
    s.repo.file("src/client.rs", INSECURE);
    // Outside gate mode the file is read, but the error names it without its content.
    let run = s.repo.run(&[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("hooklint.toml"), "{}", run.stderr);
    assert!(run.stderr.contains("outside the checked tree"), "{}", run.stderr);
    assert!(!run.stderr.contains("topsecret") && !run.stdout.contains("topsecret"), "{run:?}");
    assert!(!run.stderr.contains("GITHUB_TOKEN"), "{}", run.stderr);
    // /proc/self/environ itself, where there is one.
    if Path::new("/proc/self/environ").exists() {
        std::fs::remove_file(s.repo.path().join("hooklint.toml")).unwrap();
        std::os::unix::fs::symlink("/proc/self/environ", s.repo.path().join("hooklint.toml"))
            .unwrap();
        let run = s.repo.command(&[]).env("CI_SECRET", "hunter2-from-ci").output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(!text.contains("hunter2-from-ci"), "{text}");
        assert_eq!(run.status.code(), Some(2), "{text}");
    }
    // Gate mode does not read it at all.
    let run = s.gate(&[]);
    assert_eq!(findings(&run), tls("src/client.rs"), "{run:?}");
    // Policy folders outside the tree: errors keep their place, not their content.
    std::fs::remove_file(s.repo.path().join("hooklint.toml")).unwrap();
    let name = format!("{}-org", s.repo.path().file_name().unwrap().to_string_lossy());
    s.repo.file("hooklint.toml", format!("policies = [\"../{name}\"]\n"));
    let org = s.repo.path().parent().unwrap().join(&name);
    std::fs::create_dir_all(&org).unwrap();
    std::fs::write(org.join("leak.yaml"), "id: x/y\npassword: not-for-your-eyes-1234\nbad: [\n")
        .unwrap();
    let run = s.repo.run(&[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("leak.yaml"), "{}", run.stderr);
    assert!(!run.stderr.contains("not-for-your-eyes"), "{}", run.stderr);
    std::fs::remove_dir_all(&org).unwrap();
}

#[test]
fn global_git_excludes_do_not_change_what_is_checked() {
    let s = Setup::new();
    s.repo.file("src/client.rs", INSECURE);
    let home = Project::new();
    home.file(".config/git/ignore", "*.rs\n");
    home.file(".gitconfig", "[core]\n\texcludesFile = ~/.config/git/ignore\n");
    s.repo.file(".git/info/exclude", "src/\n");
    let run = |repo: &Project| {
        let output = repo
            .command(&["--format", "json"])
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config"))
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let json = run(&s.repo);
    assert_eq!(json["summary"]["files"], 2, "{json}");
    assert_eq!(json["findings"][0]["path"], "src/client.rs");
}

#[test]
fn the_project_root_is_never_looked_for_above_the_repository() {
    // The repository sits inside a crate (and workspace) it is not part of: without a
    // `Cargo.toml` of its own, cargo's search would take the outer crate as the project.
    let outer = Project::new();
    outer
        .file("Cargo.toml", "[package]\nname = \"outer\"\n\n[workspace]\nmembers = [\"repo\"]\n")
        .file("src/lib.rs", INSECURE)
        .file("repo/src/client.rs", INSECURE);
    let repo = outer.path().join("repo");
    init(&repo);
    commit_all(&repo, "client");
    let trusted = Project::new();
    trusted.file("hooklint.toml", "fail-on = \"error\"\n");
    let config = trusted.path().join("hooklint.toml");
    let config = config.to_string_lossy();
    let run = outer.run_in("repo", &["--trusted-config", &config, "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(findings(&run), tls("src/client.rs"), "{run:?}");
    // No workspace inside the repository: a usage error, not the outer workspace.
    let ws = outer.run_in("repo", &["--trusted-config", &config, "--workspace"]);
    assert_eq!(ws.code, 2, "{ws:?}");
    assert!(ws.stderr.contains("could not find `Cargo.toml`"), "{ws:?}");
    // Outside gate mode the outer crate is the project, as cargo would have it.
    let open = outer.run_in("repo", &["--format", "json", "--fail-on", "never"]);
    assert_eq!(findings(&open).len(), 2, "{open:?}");
}
