use std::time::{Duration, Instant};

use super::util::{Project, Run, CLEAN};

/// The problems of a JSON run as (code, path) pairs.
fn problems(run: &Run) -> Vec<(String, String)> {
    run.json()["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let field = |k: &str| p[k].as_str().unwrap_or_default().to_string();
            (field("code"), field("path"))
        })
        .collect()
}

/// One problem with this code and path, the other files checked, exit 1 (the run is
/// incomplete) and exit 0 with `--fail-on never`.
fn assert_incomplete(project: &Project, args: &[&str], code: &str, path: &str, files: u64) {
    let mut json_args = vec!["--format", "json"];
    json_args.extend_from_slice(args);
    let run = project.run(&json_args);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(problems(&run), [(code.to_string(), path.to_string())], "{run:?}");
    assert_eq!(run.json()["summary"]["files"], files, "{run:?}");
    assert_eq!(run.code, 1, "an incomplete run fails: {run:?}");
    json_args.extend_from_slice(&["--fail-on", "never"]);
    assert_eq!(project.run(&json_args).code, 0);
}

#[test]
fn a_file_over_the_size_limit_is_one_diagnostic() {
    let project = Project::new();
    project.file("src/a.rs", CLEAN).file("src/big.rs", format!("// {}\n", "x".repeat(400)));
    assert_incomplete(&project, &["--max-file-size", "200"], "too-large", "src/big.rs", 1);
    let run = project.run(&["--format", "json", "--max-file-size", "100000"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["summary"]["files"], 2);
    let human = project.run(&["--max-file-size", "200"]);
    assert!(human.stdout.contains("larger than the limit of 200 bytes"), "{}", human.stdout);
    assert!(project.run(&["--max-file-size", "lots"]).code == 2);
}

#[test]
fn a_hundred_thousand_nested_brackets_are_one_diagnostic_each() {
    let depth = 100_000;
    let project = Project::new();
    project
        .file("src/a.rs", CLEAN)
        .file(
            "src/parens.rs",
            format!("fn f() {{ {}1{} }}\n", "(".repeat(depth), ")".repeat(depth)),
        )
        .file(
            "src/brackets.rs",
            format!("const A: u8 = {}0{};\n", "[".repeat(depth), "]".repeat(depth)),
        );
    let run = project.run(&["--format", "json"]);
    assert!(!run.stderr.contains("overflow"), "{}", run.stderr);
    assert_eq!(
        problems(&run),
        [
            ("too-deeply-nested".to_string(), "src/brackets.rs".to_string()),
            ("too-deeply-nested".to_string(), "src/parens.rs".to_string()),
        ],
        "{run:?}"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn long_flat_chains_are_checked_without_overflow() {
    // Not nested brackets, so the depth bound does not apply, but syn's tree is as deep as the
    // chain is long: every pass over it and its drop must not recurse per link.
    let links = 2_000;
    let project = Project::new();
    project
        .file("src/calls.rs", format!("fn f() {{ x{}; }}\n", ".a()".repeat(links)))
        .file("src/sums.rs", format!("fn g() -> u32 {{ 1{} }}\n", " + 1".repeat(links)));
    let run = project.run(&["--format", "json"]);
    assert!(!run.stderr.contains("overflow"), "{}", run.stderr);
    assert!(run.code == 0 || run.code == 1, "{run:?}");
    assert_eq!(run.json()["summary"]["files"], 2, "{run:?}");
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_one_diagnostic_with_follow_links() {
    let project = Project::new();
    project.file("src/a.rs", CLEAN).file("src/inner/b.rs", CLEAN);
    std::os::unix::fs::symlink("..", project.path().join("src/inner/up")).unwrap();
    assert_incomplete(&project, &["--follow-links"], "io-error", "src/inner/up", 2);
    let run = project.run(&["--format", "json", "--follow-links"]);
    let message = run.json()["problems"][0]["message"].as_str().unwrap_or_default().to_string();
    assert!(message.contains("symlink loop"), "{message}");
    // Links are not followed by default: no loop, nothing incomplete.
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["summary"]["files"], 2);
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_one_diagnostic() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new();
    project.file("src/a.rs", CLEAN).file("src/secret.rs", CLEAN);
    let secret = project.path().join("src/secret.rs");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&secret).is_ok() {
        // Permissions do not deny root; a link to nothing is unreadable for everyone.
        std::fs::remove_file(&secret).unwrap();
        std::os::unix::fs::symlink("gone.rs", &secret).unwrap();
        assert_incomplete(&project, &["src/a.rs", "src/secret.rs"], "io-error", "src/secret.rs", 1);
    } else {
        assert_incomplete(&project, &[], "io-error", "src/secret.rs", 1);
    }
}

#[test]
fn a_non_utf8_file_is_one_diagnostic() {
    let project = Project::new();
    project.file("src/a.rs", CLEAN).file("src/latin1.rs", b"fn f() { let s = \"\xe9\"; }\n");
    assert_incomplete(&project, &[], "non-utf8", "src/latin1.rs", 1);
}

#[test]
fn a_pathological_file_takes_bounded_time() {
    // The time per file is bounded by its size (limit), a linear lexer and parser, and the
    // nesting bound; no watchdog is needed. A few MB of the worst shapes stay well under the
    // bound asserted here even in a debug build.
    let project = Project::new();
    let lines = "let x = ((((((((a)))))))) + [[[[b]]]] as u8;\n".repeat(20_000);
    project.file("src/wide.rs", format!("fn f() {{\n{lines}}}\n"));
    project.file("src/tokens.rs", "#[a] ".repeat(100_000));
    let start = Instant::now();
    let run = project.run(&["--format", "json"]);
    assert!(start.elapsed() < Duration::from_secs(120), "{:?}", start.elapsed());
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(run.json()["summary"]["files"], 2, "{run:?}");
}

/// A file with a certificate check switched off, so that a run that survives the hostile
/// files can be seen to have checked the others.
const INSECURE: &str = "pub fn client() -> reqwest::Client {\n    \
    reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap()\n}\n";

/// The shapes, at the sizes that aborted the process (exit 134, no report at all).
fn crash_shapes() -> Vec<(&'static str, String)> {
    vec![
        ("src/refs.rs", format!("type T = {}u8;\n", "&".repeat(19_000))),
        ("src/boxes.rs", format!("type T = {}u8{};\n", "Box<".repeat(10_750), ">".repeat(10_750))),
        ("src/closures.rs", format!("fn f() {{ let _ = {}1; }}\n", "|| ".repeat(16_400))),
        ("src/nots.rs", format!("fn f() {{ let _ = {}x; }}\n", "!".repeat(52_000))),
        ("src/negs.rs", format!("fn f() {{ let _ = {}1; }}\n", "-".repeat(52_000))),
        ("src/returns.rs", format!("fn f() {{ {}1 }}\n", "return ".repeat(25_000))),
        ("src/sum.rs", format!("fn f() -> u32 {{ 0{} }}\n", " + 1".repeat(1_000_000))),
        // 8.36 MB: under the 8 MiB size limit.
        ("src/chain.rs", format!("fn f() {{ x{}; }}\n", ".a()".repeat(2_090_000))),
    ]
}

#[test]
fn every_shape_that_crashed_is_a_problem_in_a_complete_report() {
    let project = Project::new();
    project.file("src/client.rs", INSECURE);
    let shapes = crash_shapes();
    for (path, text) in &shapes {
        project.file(path, text);
    }
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("overflow"), "{}", run.stderr);
    let json = run.json();
    let mut expected: Vec<(String, String)> =
        shapes.iter().map(|(p, _)| ("too-complex".to_string(), p.to_string())).collect();
    expected.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(problems(&run), expected, "{}", run.stdout);
    for problem in json["problems"].as_array().unwrap() {
        assert_eq!(problem["line"], 1, "{problem}");
    }
    assert_eq!(json["findings"][0]["rule"], "tls/verification-disabled");
    assert_eq!(json["summary"]["files"], 9);
    // The other formats are complete too.
    let github = project.run(&["--format", "github"]);
    assert_eq!(github.code, 1);
    assert_eq!(github.stdout.matches("title=too-complex::").count(), 8, "{}", github.stdout);
    assert!(github.stdout.contains("title=tls/verification-disabled::"));
    let sarif = project.run(&["--format", "sarif"]);
    assert_eq!(sarif.code, 1);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let run0 = &log["runs"][0];
    assert_eq!(run0["invocations"][0]["toolExecutionNotifications"].as_array().unwrap().len(), 8);
    assert_eq!(run0["results"].as_array().unwrap().len(), 1);
}

/// What no bound foresees still loses one file, not the run: with workers given a stack far
/// too small for a file nested within the bounds, the child process overflows on it, and the
/// supervising parent runs it again without that file and reports it.
#[cfg(unix)]
#[test]
fn an_unforeseen_crash_loses_one_file_not_the_run() {
    let project = Project::new();
    project.file("src/client.rs", INSECURE).file("src/a.rs", CLEAN).file(
        "src/deep.rs",
        format!("fn f() -> u32 {{ {}1{} }}\n", "(".repeat(480), ")".repeat(480)),
    );
    let output = project
        .command(&["--format", "json"])
        .env("HOOKLINT_STACK_SIZE", "1048576")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("while checking `src/deep.rs`"), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let problems = json["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{json}");
    assert_eq!(problems[0]["code"], "too-complex");
    assert_eq!(problems[0]["path"], "src/deep.rs");
    assert_eq!(problems[0]["line"], 1);
    assert!(problems[0]["message"].as_str().unwrap().contains("crash"), "{json}");
    assert_eq!(json["findings"][0]["rule"], "tls/verification-disabled", "{json}");
    assert_eq!(json["summary"]["files"], 3);
}

#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_does_not_hang_the_run() {
    let project = Project::new();
    project.file("src/a.rs", CLEAN);
    let fifo = project.path().join("src/pipe.rs");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let start = Instant::now();
    let run = project.run(&["--format", "json", "src/a.rs", "src/pipe.rs"]);
    assert!(start.elapsed() < Duration::from_secs(30), "{:?}", start.elapsed());
    assert_eq!(problems(&run), [("io-error".to_string(), "src/pipe.rs".to_string())]);
    assert!(run.json()["problems"][0]["message"].as_str().unwrap().contains("FIFO"));
    assert_eq!(run.code, 1);
    // Walking a directory skips it, and a configuration that is a FIFO is refused.
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let config = project.path().join("ci.toml");
    let status = std::process::Command::new("mkfifo").arg(&config).status().unwrap();
    assert!(status.success());
    let start = Instant::now();
    let run = project.run(&["--format", "json", "--config", "ci.toml"]);
    assert!(start.elapsed() < Duration::from_secs(30), "{:?}", start.elapsed());
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("FIFO"), "{}", run.stderr);
}

#[test]
fn an_empty_selection_is_an_error_not_a_green_run() {
    let project = Project::new();
    project.file("README.md", "nothing to check\n");
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(problems(&run), [("no-files".to_string(), String::new())]);
    project.file("src/a.rs", CLEAN).file("hooklint.toml", "exclude = [\"**\"]\n");
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let message = run.json()["problems"][0]["message"].as_str().unwrap().to_string();
    assert!(message.contains("leave out all 1 found"), "{message}");
    assert_eq!(run.json()["configuration"]["files"]["excluded"], 1);
}

#[test]
fn a_long_one_line_file_gives_bounded_output() {
    // 270 KB on one line with a finding every 230 bytes: each snippet is a window of the
    // line, not the line (the whole line once per finding was 2.4 GB of output).
    let line: String = (0..1_200)
        .map(|i| {
            format!(
                "fn f{i:04}() {{ reqwest::Client::builder().danger_accept_invalid_certs(true); }}{}",
                " ".repeat(150)
            )
        })
        .collect();
    assert!(line.len() > 270_000);
    let project = Project::new();
    project.file("src/line.rs", &line);
    let run = project.run(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings = run.stdout.matches("error[tls/verification-disabled]").count();
    assert_eq!(findings, 1_200, "{}", &run.stdout[..2000.min(run.stdout.len())]);
    assert!(run.stdout.len() < findings * 1_500, "{} bytes", run.stdout.len());
}

/// An organisation policy with the given violation on every function, with docs.
fn org_policy(id: &str, violation: &str, params: &str) -> String {
    format!(
        "id: {id}\ntitle: Test policy\nseverity: error\ntarget: rust.function\n\
         violation: >-\n  {violation}\nmessage: found\nparams:\n{params}\n\
         docs:\n  why: w\n  fix: f\n  bad: b\n  good: g\n"
    )
}

#[test]
fn a_nested_comprehension_is_refused_on_a_large_target_by_its_estimated_cost() {
    let calls = "x.a(); ".repeat(3_000);
    let project = Project::new();
    project
        .file("src/big.rs", format!("fn big() {{ {calls} }}\n"))
        .file("src/small.rs", "fn small() { a(); b(); a(); }\n")
        .file(
            "org/pairs.yaml",
            org_policy(
                "org/triples",
                "fn.calls.exists(a, fn.calls.exists(b, fn.calls.exists(c, a.name == b.name \
                 && b.name == c.name && c.name == 'never')))",
                "  unused: 1",
            ),
        );
    let start = Instant::now();
    let run = project.run(&["--format", "json", "--policy", "org", "--only", "org/triples"]);
    assert!(start.elapsed() < Duration::from_secs(60), "{:?}", start.elapsed());
    assert_eq!(problems(&run), [("too-complex".to_string(), "src/big.rs".to_string())], "{run:?}");
    let message = run.json()["problems"][0]["message"].as_str().unwrap().to_string();
    assert!(message.contains("rule org/triples was not evaluated on fn `big::big`"), "{message}");
    assert!(message.contains("budget"), "{message}");
    assert_eq!(run.code, 1);
}

#[test]
fn a_huge_or_explosive_regex_fails_fast_once_per_rule() {
    let functions: String = (0..500).map(|i| format!("fn f{i}() {{}}\n")).collect();
    let project = Project::new();
    project
        .file("src/many.rs", &functions)
        .file(
            "org/long.yaml",
            org_policy(
                "org/long-regex",
                "fn.name.matches(params.re)",
                &format!("  re: \"{}\"", "a".repeat(3 << 20)),
            ),
        )
        .file(
            "org/explosive.yaml",
            org_policy("org/explosive-regex", "fn.name.matches('((a{100}){100}){100}')", "  x: 1"),
        );
    let start = Instant::now();
    let run = project.run(&[
        "--format",
        "json",
        "--policy",
        "org",
        "--only",
        "org/long-regex,org/explosive-regex",
    ]);
    assert!(start.elapsed() < Duration::from_secs(60), "{:?}", start.elapsed());
    let json = run.json();
    let problems = json["problems"].as_array().unwrap();
    // One problem per rule, with the number of other targets, not 500 each.
    assert_eq!(problems.len(), 2, "{json}");
    for p in problems {
        assert_eq!(p["code"], "cel-runtime-error");
        assert!(p["message"].as_str().unwrap().ends_with("(and on 499 more targets)"), "{p}");
    }
    let messages: Vec<&str> = problems.iter().map(|p| p["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.contains("over the limit of 32768")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("size limit")), "{messages:?}");
}

/// Past a depth of 200 expressions, or 64 inline modules, the extractor used to stop without
/// a word: a finding under 201 `.timeout(t)` calls, or inside 201 blocks, was not reported.
#[test]
fn findings_deep_in_bounded_code_are_reported() {
    let project = Project::new();
    project
        .file(
            "src/chain.rs",
            format!(
                "pub fn client() {{\n    reqwest::Client::builder().danger_accept_invalid_certs(true){};\n}}\n",
                ".timeout(t)".repeat(201)
            ),
        )
        .file(
            "src/modules.rs",
            format!(
                "{}pub fn client() {{ reqwest::Client::builder().danger_accept_invalid_certs(true); }}{}\n",
                "mod m { ".repeat(65),
                " }".repeat(65)
            ),
        );
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let json = run.json();
    let paths: Vec<&str> =
        json["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["src/chain.rs", "src/modules.rs"], "{json}");
    assert_eq!(json["problems"], serde_json::json!([]));
}

/// The `reaches` closures of a 40,000-function call chain were 8e8 names: 30 s and 9.5 GB.
/// They share one budget now, and what it leaves out is one problem.
#[test]
fn a_long_call_chain_is_linked_in_bounded_time() {
    let chain: String = (0..40_000)
        .map(|i| format!("pub fn function_{i:05}() {{ function_{:05}(); }}\n", i + 1))
        .collect();
    let project = Project::new();
    project.file("src/lib.rs", &chain);
    let start = Instant::now();
    let run = project.run(&["--format", "json"]);
    assert!(start.elapsed() < Duration::from_secs(300), "{:?}", start.elapsed());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(problems(&run), [("too-complex".to_string(), "src/lib.rs".to_string())]);
    let message = run.json()["problems"][0]["message"].as_str().unwrap().to_string();
    assert!(message.contains("are too many to follow"), "{message}");
    assert!(message.contains("more functions)"), "{message}");
}

/// A macro body is parsed once for every macro around it: 500 nested `a!(..)` around 1.4 MB
/// took 330 s. The file's macro bodies share a budget of eight times its size.
#[test]
fn nested_macro_bodies_are_parsed_in_linear_time() {
    let depth = 500;
    let source = format!(
        "fn f() {{ {}{}{}; }}\npub fn client() {{ reqwest::Client::builder().danger_accept_invalid_certs(true); }}\n",
        "a!(".repeat(depth),
        "x + 1, ".repeat(200_000),
        ")".repeat(depth)
    );
    let project = Project::new();
    project.file("src/macros.rs", &source);
    let start = Instant::now();
    let run = project.run(&["--format", "json"]);
    // The budget's own problem below is what this test checks; the time is a backstop against
    // a hang, loose enough for a debug build on a loaded 2-core machine (about 90 s there).
    assert!(start.elapsed() < Duration::from_secs(300), "{:?}", start.elapsed());
    assert_eq!(problems(&run), [("too-complex".to_string(), "src/macros.rs".to_string())]);
    let json = run.json();
    assert!(json["problems"][0]["message"].as_str().unwrap().starts_with("a macro body"), "{json}");
    assert_eq!(json["findings"][0]["rule"], "tls/verification-disabled", "{json}");
}
