use super::util::{Project, CLEAN};

const BROKEN: &str = "pub fn broken( {\n    let x = ;\n}\n";

#[test]
fn a_parse_error_does_not_stop_the_run() {
    let project = Project::new();
    project.file("src/a.rs", CLEAN).file("src/b.rs", BROKEN).file("src/c.rs", CLEAN);
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 1, "an unparsable file makes the run incomplete: {run:?}");
    assert_eq!(run.json()["summary"]["files"], 3);
}

#[test]
fn a_parse_error_is_one_diagnostic_with_its_place() {
    let project = Project::new();
    project.file("src/a.rs", CLEAN).file("src/b.rs", BROKEN).file("src/c.rs", CLEAN);
    let value = project.run(&["--format", "json"]).json();
    let problems = value["problems"].as_array().cloned().unwrap_or_default();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["code"], "parse-error");
    assert_eq!(problems[0]["path"], "src/b.rs");
    assert!(problems[0]["line"].as_u64().is_some_and(|l| l >= 1));
    let human = project.run(&[]);
    assert!(human.stdout.contains("error[parse-error]"), "{}", human.stdout);
    assert!(human.stdout.contains("--> src/b.rs:"), "{}", human.stdout);
    assert!(human.stdout.contains("checked 3 files"), "{}", human.stdout);
}

#[test]
fn a_non_utf8_file_is_one_diagnostic_at_the_bad_byte() {
    let project = Project::new();
    project.file("src/a.rs", CLEAN).file("src/latin1.rs", b"// caf\xe9\nfn f() {}\n");
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let value = run.json();
    assert_eq!(value["summary"]["files"], 1);
    assert_eq!(
        value["problems"],
        serde_json::json!([{
            "code": "non-utf8", "severity": "error", "message": "`src/latin1.rs` is not valid UTF-8",
            "path": "src/latin1.rs", "line": 1, "column": 7, "end_line": 1, "end_column": 8
        }])
    );
    let human = project.run(&[]);
    assert!(human.stdout.contains("error[non-utf8]: `src/latin1.rs` is not valid UTF-8"));
    assert!(human.stdout.contains("--> src/latin1.rs:1:7"), "{}", human.stdout);
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_one_diagnostic() {
    let project = Project::new();
    project.file("src/a.rs", CLEAN);
    std::os::unix::fs::symlink("nowhere.rs", project.path().join("src/dangling.rs")).unwrap();
    let run = project.run(&["--format", "json", "src/a.rs", "src/dangling.rs"]);
    assert_eq!(run.code, 1, "{run:?}");
    let value = run.json();
    assert_eq!(value["summary"]["files"], 1);
    assert_eq!(value["problems"][0]["code"], "io-error");
    assert_eq!(value["problems"][0]["path"], "src/dangling.rs");
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 20_000;
    let source = format!(
        "fn deep() -> u32 {{ {}1{} }}\nfn ok() {{}}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let project = Project::new();
    project.file("src/deep.rs", source).file("src/lib.rs", CLEAN);
    let run = project.run(&["--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["files"], 2);
}

#[test]
fn hostile_bytes_do_not_crash() {
    let project = Project::new();
    project
        .file("src/empty.rs", "")
        .file("src/bom.rs", "\u{feff}fn f() {}\n")
        .file("src/crlf.rs", "fn f() {\r\n    let s = \"é\";\r\n}\r\n")
        .file("src/nul.rs", "fn f() { \0 }\n")
        .file("src/unterminated.rs", "fn f() { let s = \"never closed;\n")
        .file("src/shebang.rs", "#!/usr/bin/env run-cargo-script\nfn main() {}\n");
    let run = project.run(&["--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{run:?}");
    assert_eq!(run.json()["summary"]["files"], 6);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn a_missing_policy_directory_exits_2() {
    let project = Project::new();
    project.file("src/lib.rs", CLEAN);
    let run = project.run(&["--policy", "no-such-dir"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("policy directory `no-such-dir` does not exist"), "{}", run.stderr);
}

#[test]
fn a_broken_policy_file_exits_2_with_its_place() {
    let project = Project::new();
    project.file("src/lib.rs", CLEAN).file(
        "my-policies/team/compare.yaml",
        "id: team/compare\ntitle: Compare\nseverity: error\ntarget: rust.function\n\
         for_each: fn.compare\nviolation: it.op == '=='\nmessage: \"compared\"\n",
    );
    let run = project.run(&["--policy", "my-policies"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("my-policies/team/compare.yaml:5:"), "{}", run.stderr);
    assert!(run.stderr.contains("fn.compare"), "{}", run.stderr);

    let yaml_error = Project::new();
    yaml_error.file("src/lib.rs", CLEAN).file("p/bad.yaml", "id: [unclosed\n");
    let run = yaml_error.run(&["--policy", "p"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("p/bad.yaml:"), "{}", run.stderr);
}

#[test]
fn a_policy_directory_adds_its_rules() {
    let project = Project::new();
    project.file(
        "p/no-add.yaml",
        "id: team/no-add\ntitle: No add\nseverity: warning\ntarget: rust.function\n\
         violation: fn.name == 'add'\nmessage: \"`add` is banned here\"\n\
         docs:\n  why: because\n  fix: rename it\n  bad: fn add() {}\n  good: fn sum() {}\n",
    );
    let run = project.run(&["rules", "--policy", "p", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let ids: Vec<String> = run.json()["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect();
    assert!(ids.contains(&"team/no-add".to_string()), "{ids:?}");
}
