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
