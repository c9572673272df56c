//! Code the project does not own or ship: `vendor/` and `third_party/` trees and crates that
//! are not members of the workspace are skipped and counted, `--include-foreign` and
//! `include-foreign` bring them back, named paths are always checked; and test code (the three
//! shapes) is marked as such.

use super::git::init;
use super::util::{Project, Run, CLEAN};

/// Certificate checks switched off: one `tls/verification-disabled` finding at line 2.
const INSECURE: &str = "pub fn client() -> reqwest::Client {\n    \
    reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap()\n}\n";

/// A workspace with two members (`app` at the root, `crates/api`), a path dependency that no
/// glob lists (`libs/local`), and four folders it does not own: a vendored crate, a
/// `third_party` folder, a crate no member lists (`examples/demo`) and a nested workspace
/// (`fuzz`). Each of them holds one insecure client.
fn workspace() -> Project {
    let project = Project::new();
    project
        .file(
            "Cargo.toml",
            "[package]\nname = \"app\"\n[workspace]\nmembers = [\"crates/*\"]\n\
             [dependencies]\nlocal = { path = \"libs/local\" }\n",
        )
        .file("src/lib.rs", INSECURE)
        .file("crates/api/Cargo.toml", "[package]\nname = \"api\"\n")
        .file("crates/api/src/lib.rs", INSECURE)
        .file("libs/local/Cargo.toml", "[package]\nname = \"local\"\n")
        .file("libs/local/src/lib.rs", INSECURE)
        .file("vendor/dep/Cargo.toml", "[package]\nname = \"dep\"\n")
        .file("vendor/dep/src/lib.rs", INSECURE)
        .file("vendor/dep/src/more.rs", CLEAN)
        .file("third_party/gen/client.rs", INSECURE)
        .file("examples/demo/Cargo.toml", "[package]\nname = \"demo\"\n")
        .file("examples/demo/src/main.rs", INSECURE)
        .file("examples/demo/deploy.yaml", "kind: ConfigMap\n")
        .file("fuzz/Cargo.toml", "[package]\nname = \"fuzz\"\n[workspace]\nmembers = [\".\"]\n")
        .file("fuzz/src/lib.rs", INSECURE);
    project
}

fn paths(run: &Run) -> Vec<String> {
    let mut paths: Vec<String> = run.json()["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect();
    paths.sort();
    paths
}

const OWN: [&str; 3] = ["crates/api/src/lib.rs", "libs/local/src/lib.rs", "src/lib.rs"];
const ALL: [&str; 7] = [
    "crates/api/src/lib.rs",
    "examples/demo/src/main.rs",
    "fuzz/src/lib.rs",
    "libs/local/src/lib.rs",
    "src/lib.rs",
    "third_party/gen/client.rs",
    "vendor/dep/src/lib.rs",
];

#[test]
fn foreign_folders_are_skipped_and_counted_in_every_format() {
    let project = workspace();
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(paths(&run), OWN);
    let json = run.json();
    assert_eq!(json["summary"]["files"], 3);
    assert_eq!(json["summary"]["skipped_folders"], 4);
    assert_eq!(json["summary"]["skipped_files"], 6);
    assert_eq!(
        json["skipped"],
        serde_json::json!([
            {"path": "examples/demo", "reason": "not-a-member", "workspace": ".", "files": 2},
            {"path": "fuzz", "reason": "own-workspace", "files": 1},
            {"path": "third_party", "reason": "vendored", "files": 1},
            {"path": "vendor", "reason": "vendored", "files": 2},
        ])
    );
    assert!(json["configuration"].get("include_foreign").is_none(), "{json}");

    let human = project.run(&["--quiet", "--format", "human"]);
    let summary = project.run(&[]).stdout.lines().last().unwrap_or_default().to_string();
    assert_eq!(human.code, 1);
    assert_eq!(
        summary,
        "checked 3 files in 0.00s: 3 errors, 0 warnings, 0 notes, 0 problems, skipped 4 \
         folders (6 files) the project does not own: examples/demo/ (own Cargo.toml, not a \
         workspace member), fuzz/ (its own workspace), third_party/ (vendored code), 1 more \
         (`--verbose` lists them); `--include-foreign` checks them"
    );

    let sarif = project.run(&["--format", "sarif"]).json();
    let skipped = &sarif["runs"][0]["invocations"][0]["properties"]["hooklint/skipped"];
    assert_eq!(skipped.as_array().map(Vec::len), Some(4), "{sarif}");
    assert_eq!(skipped[3]["path"], "vendor");

    let verbose = project.run(&["--verbose"]);
    assert!(
        verbose.stderr.contains(
            "skipped `examples/demo/` (own Cargo.toml, not a workspace member of `.`; 2 files)"
        ),
        "{}",
        verbose.stderr
    );
    assert!(verbose.stderr.contains("skipped `vendor/` (vendored code; 2 files)"));
}

#[test]
fn the_flag_and_the_configuration_bring_them_back() {
    let project = workspace();
    let flag = project.run(&["--format", "json", "--include-foreign"]);
    assert_eq!(paths(&flag), ALL);
    let json = flag.json();
    assert!(json.get("skipped").is_none(), "{json}");
    assert_eq!(json["configuration"]["include_foreign"], true);
    let human = project.run(&["--include-foreign"]);
    assert!(human.stdout.contains("configuration: no configuration file; foreign code included\n"));

    project.file("hooklint.toml", "include-foreign = true\n");
    assert_eq!(paths(&project.run(&["--format", "json"])), ALL);
    project.file("hooklint.toml", "include-foreign = \"yes\"\n");
    let wrong = project.run(&[]);
    assert_eq!(wrong.code, 2, "{wrong:?}");
    assert!(wrong.stderr.contains("`include-foreign` must be a boolean, found string"));
}

#[test]
fn named_paths_are_always_checked() {
    let project = workspace();
    for (named, expected) in [
        ("vendor/dep", "vendor/dep/src/lib.rs"),
        ("vendor/dep/src/lib.rs", "vendor/dep/src/lib.rs"),
        ("third_party", "third_party/gen/client.rs"),
        ("examples/demo", "examples/demo/src/main.rs"),
        ("fuzz", "fuzz/src/lib.rs"),
    ] {
        let run = project.run(&["--format", "json", named]);
        assert_eq!(paths(&run), [expected], "{named}: {run:?}");
    }
    // A folder that is no crate, named: the crates in it are projects of their own.
    let run = project.run(&["--format", "json", "examples"]);
    assert_eq!(paths(&run), ["examples/demo/src/main.rs"], "{run:?}");
    project.file("tools/x/Cargo.toml", "[package]\nname = \"x\"\n");
    project.file("tools/x/src/lib.rs", INSECURE);
    let run = project.run(&["--format", "json", "tools"]);
    assert_eq!(paths(&run), ["tools/x/src/lib.rs"], "{run:?}");
}

#[test]
fn a_run_in_a_member_skips_what_its_workspace_does_not_list() {
    let project = workspace();
    project
        .file("crates/api/sub/Cargo.toml", "[package]\nname = \"sub\"\n")
        .file("crates/api/sub/src/lib.rs", INSECURE);
    let run = project.run_in("crates/api", &["--format", "json"]);
    assert_eq!(paths(&run), ["src/lib.rs"], "{run:?}");
    assert_eq!(run.json()["skipped"][0]["path"], "sub");
    assert_eq!(run.json()["skipped"][0]["workspace"], "../..");
}

#[test]
fn nothing_but_foreign_code_is_no_files_with_the_way_out() {
    let project = Project::new();
    project.file("Cargo.toml", "[package]\nname = \"app\"\n").file("vendor/x.rs", INSECURE);
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let message = run.json()["problems"][0]["message"].as_str().unwrap_or_default().to_string();
    assert!(message.contains("the 1 found are all in folders the project does not own"));
    assert!(message.contains("`--include-foreign` checks them"), "{message}");
}

/// A malformed `Cargo.toml` is a warning at its line; nothing is dropped because of it.
#[test]
fn a_malformed_cargo_toml_is_a_problem_and_the_run_goes_on() {
    let project = workspace();
    project.file("examples/demo/Cargo.toml", "[package]\nname = \"demo\"\nversion =\n");
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let problems = run.json()["problems"].clone();
    assert_eq!(problems.as_array().map(Vec::len), Some(1), "{problems}");
    assert_eq!(problems[0]["code"], "cargo-manifest-error");
    assert_eq!(problems[0]["severity"], "warning");
    assert_eq!(problems[0]["path"], "examples/demo/Cargo.toml");
    assert_eq!(problems[0]["line"], 3);
    // Not a member by the workspace's globs: still skipped.
    assert_eq!(paths(&run), OWN);

    // The workspace's own manifest broken: its members cannot be known, so every crate in
    // it is checked (vendored folders are still skipped by name).
    project.file("Cargo.toml", "[package]\nname = \"app\"\n[workspace]\nmembers = [\"crates/*\"\n");
    let run = project.run(&["--format", "json", "--fail-on", "never"]);
    assert_eq!(run.code, 0, "{run:?}");
    let json = run.json();
    let codes: Vec<(&str, &str)> = json["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| (p["code"].as_str().unwrap_or(""), p["path"].as_str().unwrap_or("")))
        .collect();
    assert!(codes.contains(&("cargo-manifest-error", "Cargo.toml")), "{codes:?}");
    assert!(paths(&run).contains(&"examples/demo/src/main.rs".to_string()));
    assert!(!paths(&run).contains(&"vendor/dep/src/lib.rs".to_string()));
}

/// A `Cargo.toml` that is a symbolic link out of the tree is not read: nothing of the file it
/// points to reaches the output.
#[cfg(unix)]
#[test]
fn a_linked_cargo_toml_is_not_followed() {
    let outside = Project::new();
    outside.file("private.toml", "[package\nsecret-word-zq81 = 1\n");
    let project = workspace();
    std::fs::remove_file(project.path().join("examples/demo/Cargo.toml")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("private.toml"),
        project.path().join("examples/demo/Cargo.toml"),
    )
    .unwrap();
    let run = project.run(&["--format", "json"]);
    assert!(!run.stdout.contains("zq81") && !run.stderr.contains("zq81"), "{run:?}");
    assert!(run.stdout.contains("it is a symbolic link, which is not followed"), "{run:?}");
}

/// Deep folders with a crate at the bottom: decided in one pass, without recursion trouble.
#[test]
fn a_deep_tree_is_walked() {
    let project = Project::new();
    project.file("Cargo.toml", "[workspace]\nmembers = [\"**\"]\n");
    let deep: String = (0..60).map(|i| format!("d{i}/")).collect();
    project.file(&format!("{deep}Cargo.toml"), "[package]\nname = \"deep\"\n");
    project.file(&format!("{deep}src/lib.rs"), INSECURE);
    project.file(&format!("{deep}vendor/x.rs"), INSECURE);
    let run = project.run(&["--format", "json"]);
    assert_eq!(paths(&run), [format!("{deep}src/lib.rs")], "{run:?}");
}

/// Gate mode: the checked tree decides what looks foreign, so only the trusted configuration
/// can skip it.
#[test]
fn gate_mode_checks_foreign_code_unless_the_trusted_configuration_skips_it() {
    let project = workspace();
    init(project.path());
    super::git::commit_all(project.path(), "all");
    let trusted = Project::new();
    trusted.file("hooklint.toml", "fail-on = \"error\"\n");
    let config = trusted.path().join("hooklint.toml").to_string_lossy().into_owned();
    let run = project.run(&["--trusted-config", &config, "--format", "json"]);
    assert_eq!(paths(&run), ALL, "{run:?}");
    trusted.file("hooklint.toml", "include-foreign = false\n");
    let run = project.run(&["--trusted-config", &config, "--format", "json"]);
    assert_eq!(paths(&run), OWN, "{run:?}");
    let human = project.run(&["--trusted-config", &config]);
    assert!(human.stdout.contains("(gate mode); foreign code skipped"), "{human:?}");
    assert_eq!(run.json()["summary"]["skipped_folders"], 4);
    assert_eq!(run.json()["summary"]["skipped_files"], 6);
}

/// The three shapes of test code: a `#[cfg(test)] mod m;` file and its submodules, `tests/`
/// and `benches/`. The policies decide what test code means; the facts say which it is.
#[test]
fn test_code_is_marked_in_its_three_shapes() {
    let project = Project::new();
    project
        .file("Cargo.toml", "[package]\nname = \"app\"\n")
        .file("src/lib.rs", "#[cfg(test)]\nmod checks;\nmod real;\npub fn f() {}\n")
        .file("src/checks.rs", "mod deeper;\nfn helper() {}\n")
        .file("src/checks/deeper.rs", "fn deepest() {}\n")
        .file("src/real.rs", "fn g() {}\n")
        .file("tests/it.rs", "fn it() {}\n")
        .file("benches/b.rs", "fn bench() {}\n");
    let run = project.run(&["facts"]);
    assert_eq!(run.code, 0, "{run:?}");
    let json = run.json();
    let mut marked: Vec<(String, bool)> = json["files"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (f["path"].as_str().unwrap_or("").to_string(), f["is_test"] == true))
        .collect();
    marked.sort();
    let expected = [
        ("benches/b.rs", true),
        ("src/checks.rs", true),
        ("src/checks/deeper.rs", true),
        ("src/lib.rs", false),
        ("src/real.rs", false),
        ("tests/it.rs", true),
    ];
    let expected: Vec<(String, bool)> = expected.iter().map(|(p, t)| (p.to_string(), *t)).collect();
    assert_eq!(marked, expected, "{json}");
}
