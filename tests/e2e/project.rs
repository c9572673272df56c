//! The project a run checks is found like cargo finds it, so the result does not depend on
//! the working directory; named files inside a crate are checked against the whole crate.

use super::util::{Project, Run};

const EXAMPLE: &str = "fixtures/examples/axum-webhooks";

fn example() -> Project {
    let project = Project::new();
    project.copy_tree(EXAMPLE, "app");
    project
}

/// (rule, file as reported, line, fingerprint) of every finding of a JSON run.
fn findings(run: &Run) -> Vec<(String, String, u64, String)> {
    let json = run.json();
    let mut out: Vec<_> = json["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array: {run:?}"))
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["fingerprint"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_readme_example_gives_the_same_findings_from_the_root_from_src_and_by_manifest_path() {
    let project = example();
    let from_root = project.run_in("app", &["--format", "json"]);
    assert_eq!(from_root.code, 1, "{from_root:?}");
    let expected = findings(&from_root);
    let rules: Vec<&str> = expected.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        rules.iter().filter(|r| **r == "webhook/missing-signature-check").count(),
        1,
        "{expected:?}"
    );
    assert!(expected.iter().any(|f| f.1 == "src/handlers/stripe.rs"), "{expected:?}");

    // From src/: the same findings and fingerprints, paths shown from where the user stands.
    let from_src = project.run_in("app/src", &["--format", "json"]);
    assert_eq!(from_src.code, 1, "{from_src:?}");
    let shown: Vec<_> = expected
        .iter()
        .map(|(r, p, l, f)| (r.clone(), p.strip_prefix("src/").unwrap().to_string(), *l, f.clone()))
        .collect();
    assert_eq!(findings(&from_src), shown);

    // From outside the crate with --manifest-path.
    let by_manifest =
        project.run_in(".", &["--format", "json", "--manifest-path", "app/Cargo.toml"]);
    assert_eq!(by_manifest.code, 1, "{by_manifest:?}");
    let shown: Vec<_> = expected
        .iter()
        .map(|(r, p, l, f)| (r.clone(), format!("app/{p}"), *l, f.clone()))
        .collect();
    assert_eq!(findings(&by_manifest), shown);

    // The human report points from src/ at the files relative to src/.
    let human = project.run_in("app/src", &[]);
    assert!(human.stdout.contains("--> handlers/stripe.rs:26:14"), "{}", human.stdout);
    assert!(human.stdout.contains(": 3 errors,"), "{}", human.stdout);
}

#[test]
fn a_baseline_written_at_the_root_matches_from_src() {
    let project = example();
    let run = project.run_in("app", &["--write-baseline", "baseline.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = project.run_in("app/src", &["--baseline", "../baseline.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("0 errors") && run.stdout.contains("baselined"), "{run:?}");
}

#[test]
fn package_and_workspace_select_members() {
    let project = Project::new();
    project
        .file("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n")
        .file("crates/api/Cargo.toml", "[package]\nname = \"api\"\n")
        .file(
            "crates/api/src/lib.rs",
            "pub fn c() -> reqwest::Client {\n    reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap()\n}\n",
        )
        .file("crates/db/Cargo.toml", "[package]\nname = \"db\"\n")
        .file("crates/db/src/lib.rs", "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n");
    let files = |run: &Run| findings(run).into_iter().map(|f| f.1).collect::<Vec<_>>();
    // In a member, like cargo: that member.
    let db = project.run_in("crates/db/src", &["--format", "json"]);
    assert_eq!((db.code, files(&db)), (0, vec![]), "{db:?}");
    assert_eq!(db.json()["summary"]["files"], 1);
    let ws = project.run_in("crates/db/src", &["--format", "json", "--workspace"]);
    assert_eq!(files(&ws), ["../../api/src/lib.rs"], "{ws:?}");
    let api = project.run_in(".", &["--format", "json", "-p", "api"]);
    assert_eq!(files(&api), ["crates/api/src/lib.rs"], "{api:?}");
    let typo = project.run_in(".", &["-p", "apj"]);
    assert_eq!(typo.code, 2, "{typo:?}");
    assert!(typo.stderr.contains("package `apj` not found") && typo.stderr.contains("`api`"));
    let both = project.run_in(".", &["src", "--workspace"]);
    assert_eq!(both.code, 2, "{both:?}");
}

/// pre-commit passes only the staged files. A handler whose verification lives in another,
/// unchanged file is clean when checked inside its crate; the same file alone is not.
#[test]
fn a_named_file_in_a_crate_is_checked_against_the_whole_crate() {
    let project = example();
    let staged = project.run_in("app", &["src/handlers/slack.rs", "--format", "json"]);
    assert_eq!(staged.code, 0, "{staged:?}");
    assert_eq!(findings(&staged), []);
    // Findings in other files of the crate are not reported for a named file...
    let stripe = project.run_in("app", &["src/handlers/stripe.rs", "--format", "json"]);
    let files: Vec<String> = findings(&stripe).into_iter().map(|f| f.1).collect();
    assert!(!files.is_empty() && files.iter().all(|f| f == "src/handlers/stripe.rs"), "{files:?}");
    // ... and from src/ the named file gives the same result.
    let from_src = project.run_in("app/src", &["handlers/slack.rs", "--format", "json"]);
    assert_eq!((from_src.code, findings(&from_src)), (0, vec![]), "{from_src:?}");
    // A standalone file has no crate to resolve its calls in: the verification is unseen.
    project.copy_tree(&format!("{EXAMPLE}/src/handlers"), "loose");
    let alone = project.run_in("loose", &["slack.rs", "--format", "json"]);
    let rules: Vec<String> = findings(&alone).into_iter().map(|f| f.0).collect();
    assert!(rules.contains(&"webhook/missing-signature-check".to_string()), "{alone:?}");
}

/// `facts` finds the project as `check` does: from `src/` the paths and module paths are
/// the ones the rules see from the root, and a named file is linked against its crate.
#[test]
fn facts_see_the_same_project_from_src_as_from_the_root() {
    let project = example();
    let summary = |run: &Run| -> Vec<(String, Vec<String>)> {
        assert_eq!(run.code, 0, "{run:?}");
        let json = run.json();
        json["files"]
            .as_array()
            .unwrap_or_else(|| panic!("no files: {run:?}"))
            .iter()
            .map(|f| {
                let functions = f["functions"].as_array().cloned().unwrap_or_default();
                let names = functions
                    .iter()
                    .map(|g| format!("{} {}", g["qualified_name"], g["verified_by"]))
                    .collect();
                (f["path"].as_str().unwrap_or("").to_string(), names)
            })
            .collect()
    };
    let from_root = summary(&project.run_in("app", &["facts"]));
    assert!(from_root.iter().any(|(p, _)| p == "src/handlers/stripe.rs"), "{from_root:?}");
    assert!(
        from_root.iter().flat_map(|(_, f)| f).any(|f| f.starts_with("\"handlers::stripe::")),
        "{from_root:?}"
    );
    assert_eq!(summary(&project.run_in("app/src", &["facts"])), from_root);
    assert_eq!(summary(&project.run_in("app/src/handlers", &["facts"])), from_root);
    assert_eq!(
        summary(&project.run_in(".", &["facts", "--manifest-path", "app/Cargo.toml"])),
        from_root
    );
    // One named file: its facts as the whole crate links them.
    let slack: Vec<_> =
        from_root.iter().filter(|(p, _)| p == "src/handlers/slack.rs").cloned().collect();
    assert_eq!(slack.len(), 1, "{from_root:?}");
    assert_eq!(summary(&project.run_in("app/src", &["facts", "handlers/slack.rs"])), slack);
}

/// `test` without paths runs the crate's fixtures (or the configured `test-dirs`) from any
/// directory of the crate, with the crate's configuration.
#[test]
fn test_finds_the_crates_fixtures_from_src() {
    let project = Project::new();
    project
        .file("Cargo.toml", "[package]\nname = \"app\"\n")
        .file("src/lib.rs", "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n")
        .file(
            "fixtures/bad_tls.rs",
            "pub fn c() -> reqwest::Client {\n    reqwest::Client::builder()\n        \
             .danger_accept_invalid_certs(true) // expect: tls/verification-disabled\n        \
             .build()\n        .unwrap()\n}\n",
        );
    let from_root = project.run_in(".", &["test"]);
    assert_eq!(from_root.code, 0, "{from_root:?}");
    assert!(from_root.stdout.contains("ok   fixtures/bad_tls.rs"), "{from_root:?}");
    assert!(from_root.stdout.contains("test result: 1 passed, 0 failed"), "{from_root:?}");
    let from_src = project.run_in("src", &["test"]);
    assert_eq!(from_src.code, 0, "{from_src:?}");
    assert!(from_src.stdout.contains("ok   ../fixtures/bad_tls.rs"), "{from_src:?}");
    assert!(from_src.stdout.contains("test result: 1 passed, 0 failed"), "{from_src:?}");

    // The configuration at the root names the fixtures; from src/ it is the one read.
    std::fs::rename(project.path().join("fixtures"), project.path().join("cases")).unwrap();
    project.file("hooklint.toml", "test-dirs = [\"cases\"]\n");
    let from_src = project.run_in("src", &["test"]);
    assert_eq!(from_src.code, 0, "{from_src:?}");
    assert!(from_src.stdout.contains("bad_tls.rs"), "{from_src:?}");
    assert!(from_src.stdout.contains("test result: 1 passed, 0 failed"), "{from_src:?}");
}

/// Fingerprints are relative to the crate root, however the crate was named: from outside
/// by its path (relative, with `./` or a trailing `/`, absolute), by `--manifest-path`, from
/// inside it, from `src/`, and as a workspace member by `-p` or by its path.
#[test]
fn fingerprints_do_not_depend_on_how_the_crate_is_named() {
    let project = example();
    let prints = |run: &Run| {
        assert_eq!(run.code, 1, "{run:?}");
        let mut all: Vec<String> = findings(run).into_iter().map(|f| f.3).collect();
        all.sort();
        all
    };
    let inside = prints(&project.run_in("app", &["--format", "json"]));
    assert!(inside.len() >= 3, "{inside:?}");
    let absolute = project.path().join("app");
    let absolute = absolute.to_str().unwrap();
    for (dir, args) in [
        ("app", vec!["."]),
        ("app/src", vec![]),
        (".", vec!["app"]),
        (".", vec!["./app/"]),
        (".", vec![absolute]),
        (".", vec!["--manifest-path", "app/Cargo.toml"]),
        ("app/src/handlers", vec!["--manifest-path", "../../Cargo.toml"]),
    ] {
        let mut args = args.clone();
        args.extend(["--format", "json"]);
        assert_eq!(prints(&project.run_in(dir, &args)), inside, "{dir}: {args:?}");
    }
    // A baseline written from outside the crate matches from inside it.
    let run = project.run_in(".", &["app", "--write-baseline", "baseline.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = project.run_in("app/src", &["--baseline", "../../baseline.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("0 errors") && run.stdout.contains("baselined (0 fixed)"),
        "{run:?}"
    );

    // In a workspace, fingerprints are relative to the workspace root: the whole workspace,
    // a member by path or by `-p`, and a run inside the member agree, and a baseline written
    // for the workspace matches in the member.
    let ws = Project::new();
    ws.file("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n");
    ws.copy_tree(EXAMPLE, "crates/app");
    let whole = prints(&ws.run_in(".", &["--format", "json"]));
    assert_eq!(whole.len(), inside.len(), "{whole:?}");
    for (dir, args) in [
        ("crates/app", vec![]),
        ("crates/app/src", vec![]),
        ("crates/app", vec!["--workspace"]),
        (".", vec!["crates/app"]),
        (".", vec!["-p", "axum-webhooks"]),
        (".", vec!["--manifest-path", "crates/app/Cargo.toml"]),
    ] {
        let mut args = args.clone();
        args.extend(["--format", "json"]);
        assert_eq!(prints(&ws.run_in(dir, &args)), whole, "{dir}: {args:?}");
    }
    let run = ws.run_in(".", &["--write-baseline", "baseline.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = ws.run_in("crates/app/src", &["--baseline", "../../../baseline.json"]);
    assert_eq!(run.code, 0, "{run:?}");
}
