use super::util::{Project, CLEAN, WEBHOOK};

fn clean_project() -> Project {
    let project = Project::new();
    project.file("src/lib.rs", CLEAN).file("src/math/mod.rs", CLEAN);
    project
}

#[test]
fn help_lists_the_subcommands_and_exits_0() {
    let run = Project::new().run(&["--help"]);
    assert_eq!(run.code, 0, "{run:?}");
    for word in ["check", "rules", "explain", "facts", "--fail-on", "--only", "--skip", "--jobs"] {
        assert!(run.stdout.contains(word), "`{word}` missing from:\n{}", run.stdout);
    }
    assert!(!run.stdout.contains("--no-timing"), "hidden flag shown");
}

#[test]
fn version_exits_0() {
    let run = Project::new().run(&["--version"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("cargo-hooklint "), "{}", run.stdout);
}

#[test]
fn a_clean_project_exits_0_and_counts_its_files() {
    let run = clean_project().run(&[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "configuration: built-in defaults\n\
         checked 2 files in 0.00s: 0 errors, 0 warnings, 0 notes, 0 problems\n"
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn cargo_runs_the_binary_with_its_own_name_first() {
    let project = clean_project();
    for args in [&["hooklint"][..], &["hooklint", "check"], &["hooklint", "src/math"]] {
        let run = project.run(args);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        assert!(run.stdout.contains("\nchecked "), "{args:?}: {}", run.stdout);
    }
    let run = project.run(&["hooklint", "src/math"]);
    assert!(run.stdout.contains("\nchecked 1 file in"), "{}", run.stdout);
}

#[test]
fn check_is_the_default_command() {
    let project = clean_project();
    let implicit = project.run(&["src", "--format", "json"]);
    let explicit = project.run(&["check", "src", "--format", "json"]);
    assert_eq!(implicit.code, 0);
    assert_eq!(implicit.stdout, explicit.stdout);
    assert_eq!(implicit.json()["summary"]["files"], 2);
}

#[test]
fn gitignored_files_and_target_are_skipped_but_named_files_are_checked() {
    let project = clean_project();
    project
        .file(".gitignore", "generated/\n")
        .file("generated/out.rs", CLEAN)
        .file("target/debug/build/out.rs", CLEAN)
        .file("notes.txt", "not rust");
    assert_eq!(project.run(&["--format", "json"]).json()["summary"]["files"], 2);
    let named = project.run(&["--format", "json", "generated/out.rs", "target"]);
    assert_eq!(named.json()["summary"]["files"], 2, "{named:?}");
}

#[test]
fn unknown_rules_are_usage_errors() {
    let project = clean_project();
    for flag in ["--only", "--skip"] {
        let run = project.run(&["check", flag, "webhook/no-such-rule"]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains("unknown rule `webhook/no-such-rule`"), "{}", run.stderr);
        assert_eq!(run.stdout, "");
    }
}

#[test]
fn bad_flags_and_missing_paths_are_usage_errors() {
    let project = clean_project();
    assert_eq!(project.run(&["--fail-on", "sometimes"]).code, 2);
    assert_eq!(project.run(&["--format", "xml"]).code, 2);
    assert_eq!(project.run(&["explain"]).code, 2);
    let run = project.run(&["check", "no/such/dir"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("path `no/such/dir` does not exist"), "{}", run.stderr);
}

#[test]
fn rules_lists_ids_severities_titles_and_sources() {
    let project = Project::new();
    let run = project.run(&["rules", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let value = run.json();
    assert_eq!(value["version"], 1);
    let rules = value["rules"].as_array().expect("rules array");
    for rule in rules {
        for key in ["id", "severity", "title", "target", "source"] {
            assert!(rule[key].is_string(), "{key} missing in {rule}");
        }
    }
    let human = project.run(&["rules"]);
    assert_eq!(human.code, 0);
    assert_eq!(human.stdout.lines().count(), rules.len());
}

#[test]
fn every_listed_rule_can_be_explained() {
    let project = Project::new();
    let rules = project.run(&["rules", "--format", "json"]).json();
    for rule in rules["rules"].as_array().into_iter().flatten() {
        let id = rule["id"].as_str().unwrap_or_default();
        let run = project.run(&["explain", id]);
        assert_eq!(run.code, 0, "{id}: {run:?}");
        for heading in ["why:", "fix:", "bad:", "good:"] {
            assert!(run.stdout.contains(heading), "{id}: no {heading}\n{}", run.stdout);
        }
    }
}

#[test]
fn explaining_an_unknown_rule_exits_2() {
    let run = Project::new().run(&["explain", "webhook/no-such-rule"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown rule `webhook/no-such-rule`"), "{}", run.stderr);
}

#[test]
fn explain_shows_the_rule_page_and_suggests_close_ids() {
    let project = Project::new();
    let run = project.run(&["explain", "crypto/non-constant-time-compare"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("crypto/non-constant-time-compare: "), "{}", run.stdout);
    let run = project.run(&["explain", "crypto/non-constant-time-comapre"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `crypto/non-constant-time-compare`?"),
        "{}",
        run.stderr
    );
    let run = project.run(&["--only", "hardcoded-secret"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("did you mean `secrets/hardcoded-secret`?"), "{}", run.stderr);
}

#[test]
fn facts_prints_the_files_as_json() {
    let project = Project::new();
    project.file("src/webhook.rs", WEBHOOK).file("src/lib.rs", CLEAN);
    let run = project.run(&["facts", "src"]);
    assert_eq!(run.code, 0, "{run:?}");
    let value = run.json();
    assert_eq!(value["version"], 2);
    let paths: Vec<&str> = value["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(paths, ["src/lib.rs", "src/webhook.rs"]);
    assert!(value["files"][0]["functions"].is_array());

    let run = project.run(&["hooklint", "facts", "src/webhook.rs", "--fn", "no_such_fn"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.json()["files"], serde_json::json!([]));
    assert!(run.stderr.contains("no function named `no_such_fn`"), "{}", run.stderr);
}

#[test]
fn facts_filters_one_function() {
    let project = Project::new();
    project.file("src/webhook.rs", WEBHOOK);
    let run = project.run(&["facts", "src/webhook.rs", "--fn", "github_webhook"]);
    assert_eq!(run.code, 0, "{run:?}");
    let value = run.json();
    let functions = value["files"][0]["functions"].as_array().expect("functions");
    assert_eq!(functions.len(), 1);
    assert_eq!(functions[0]["name"], "github_webhook");
    assert_eq!(functions[0]["is_async"], true);
}

#[test]
fn findings_fail_the_run_at_the_fail_on_level() {
    let project = Project::new();
    project.file("src/webhook.rs", WEBHOOK);
    assert_eq!(project.run(&[]).code, 1);
    assert_eq!(project.run(&["--fail-on", "never"]).code, 0);
    assert_eq!(project.run(&["--fail-on", "note"]).code, 1);
    let only = project.run(&["--only", "tls/verification-disabled", "--format", "json"]);
    let findings = only.json()["findings"].as_array().cloned().unwrap_or_default();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["rule"] == "tls/verification-disabled"), "{findings:?}");
    let skip = project.run(&["--skip", "tls/verification-disabled", "--format", "json"]);
    let findings = skip.json()["findings"].as_array().cloned().unwrap_or_default();
    assert!(findings.iter().all(|f| f["rule"] != "tls/verification-disabled"), "{findings:?}");
}

/// The fixture tree links calls, extractors, layers and routes across many files and crates:
/// the project index must give the same answer on any number of threads.
#[test]
fn jobs_do_not_change_the_linked_output() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let project = Project::new();
    let args = |jobs: &'static str| {
        ["check", fixtures, "--format", "json", "--fail-on", "never", "--jobs", jobs]
    };
    let one = project.run(&args("1"));
    let three = project.run(&args("3"));
    assert_eq!(one.code, 0, "{}", one.transcript());
    assert!(one.json()["findings"].as_array().is_some_and(|f| f.len() > 20), "{}", one.stdout);
    assert_eq!(one.stdout, three.stdout);
}

#[test]
fn timings_name_each_phase_on_stderr() {
    let project = Project::new();
    project.file("src/lib.rs", WEBHOOK);
    let run = project.run(&["check", "--timings", "--fail-on", "never"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let phases: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("timing: "))
        .map(|l| l.split_once(" s  ").map_or(l, |(_, phase)| phase))
        .collect();
    assert_eq!(
        phases,
        [
            "discover, read, parse, extract",
            "link",
            "evaluate",
            "suppressions, baseline, fingerprints",
            "free the facts",
            "the run"
        ]
    );
}

#[test]
fn jobs_do_not_change_the_output() {
    let project = Project::new();
    for i in 0..20 {
        project.file(&format!("src/m{i}.rs"), WEBHOOK);
    }
    project.file("src/bad.rs", b"fn f() {}\n\xff\n");
    let one = project.run(&["--jobs", "1", "--format", "json"]);
    let four = project.run(&["--jobs", "4", "--format", "json"]);
    assert_eq!(one.stdout, four.stdout);
    assert_eq!(one.json()["summary"]["files"], 20);
}

#[test]
fn colour_follows_the_color_flag() {
    let project = Project::new();
    project.file("src/bad.rs", b"fn f() {}\n\xff\n");
    let always = project.run(&["--color", "always"]);
    assert!(always.stdout.contains("\u{1b}["), "{}", always.stdout);
    let never = project.run(&["--color", "never"]);
    assert!(!never.stdout.contains('\u{1b}'), "{}", never.stdout);
    // NO_COLOR is set by the harness and stdout is not a terminal.
    let auto = project.run(&[]);
    assert!(!auto.stdout.contains('\u{1b}'), "{}", auto.stdout);
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let project = Project::new();
    // Enough diagnostics to overflow a pipe buffer, so the writer meets the closed pipe.
    for i in 0..800 {
        project.file(&format!("src/bad_{i:04}.rs"), b"fn f() {}\n\xff\n");
    }
    let mut child = project
        .command(&[])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn cargo_finds_the_binary_as_a_subcommand() {
    let project = clean_project();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_cargo-hooklint"))
        .parent()
        .expect("binary directory")
        .to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(&path)))
        .expect("PATH");
    let output = std::process::Command::new(env!("CARGO"))
        .args(["hooklint", "src", "--format", "json"])
        .current_dir(project.path())
        .env("PATH", path)
        .env("HOOKLINT_NO_TIMING", "1")
        .output()
        .expect("run cargo");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(value["summary"]["files"], 2);
}

/// `cargo hooklint chekc` is a mistyped command, not a missing path.
#[test]
fn a_mistyped_subcommand_gets_a_suggestion() {
    let run = clean_project().run(&["chekc"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        "error: no such command or path: `chekc`\n  help: did you mean the command `check`?\n"
    );
    let run = clean_project().run(&["src", "nowhere"]);
    assert_eq!((run.code, run.stderr.as_str()), (2, "error: path `nowhere` does not exist\n"));
}

/// `CARGO_TERM_COLOR` colours output that is not a terminal; `--color never` still wins.
#[test]
fn cargo_term_color_is_honoured() {
    let project = Project::new();
    project.file("src/lib.rs", WEBHOOK);
    let output = project
        .command(&[])
        .env_remove("NO_COLOR")
        .env("CARGO_TERM_COLOR", "always")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&output.stdout).contains("\u{1b}["), "no colour");
    let output = project
        .command(&["--color", "never"])
        .env("CARGO_TERM_COLOR", "always")
        .output()
        .expect("run");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("\u{1b}["), "colour");
}

/// The progress bar is drawn on stderr only when stderr is a terminal: a run long enough to
/// show it writes nothing to a piped stderr, so logs and CI output stay clean.
#[test]
fn the_progress_bar_is_absent_when_stderr_is_not_a_terminal() {
    let project = Project::new();
    for i in 0..300 {
        project.file(&format!("src/m{i}.rs"), WEBHOOK);
    }
    let started = std::time::Instant::now();
    let run = project.run(&["--jobs", "1", "--fail-on", "never"]);
    // Longer than the moment after which a terminal would show the bar.
    assert!(started.elapsed() > std::time::Duration::from_millis(500), "{:?}", started.elapsed());
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, "");
    assert!(run.stdout.contains(" 0 problems"), "{}", run.stdout);
}

/// `-q` prints only the diagnostics; `-v` also says what is checked and how long it took.
#[test]
fn quiet_and_verbose() {
    let project = Project::new();
    project.file("src/lib.rs", WEBHOOK);
    let quiet = project.run(&["-q"]);
    assert_eq!(quiet.code, 1, "{quiet:?}");
    assert!(quiet.stdout.contains("error[") && !quiet.stdout.contains("checked "), "{quiet:?}");
    let verbose = project.run(&["-v"]);
    assert!(verbose.stderr.starts_with("note: checking "), "{verbose:?}");
    assert!(verbose.stderr.contains("timing:"), "{verbose:?}");
    assert!(verbose.stdout.contains("checked 1 file"), "{verbose:?}");
}
