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
