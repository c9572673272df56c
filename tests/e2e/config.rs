//! `hooklint.toml`: discovery from the checked path, `--config`, `--no-config`, errors with
//! their line and a suggestion, rule settings, knowledge extensions, policy packs, `fail-on`,
//! `exclude`, and `init`.

use super::util::{Project, WEBHOOK};

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            description => "tests/e2e/config.rs: an error message about hooklint.toml",
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

fn rules(run: &super::util::Run) -> Vec<String> {
    let json = run.json();
    let mut rules: Vec<String> = json["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["rule"].as_str().map(String::from)).collect())
        .unwrap_or_default();
    rules.sort();
    rules.dedup();
    rules
}

#[test]
fn an_invalid_key_is_reported_with_its_line_and_a_suggestion() {
    let project = Project::new();
    project.file("src/lib.rs", WEBHOOK).file(
        "hooklint.toml",
        "# hooklint\nexclude = [\"generated/**\"]\nfial-on = \"warning\"\n\n\
         [rules.\"tls/verification-disabled\"]\nenabeld = false\nseverity = 3\n",
    );
    let run = project.run(&["check", "src"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("hooklint.toml:3:1"), "{}", run.stderr);
    assert!(run.stderr.contains("did you mean `fail-on`?"), "{}", run.stderr);
    snapshot!("config_invalid_keys", run.transcript());
}

#[test]
fn an_unknown_rule_or_parameter_is_reported_at_its_key() {
    let project = Project::new();
    project.file("src/lib.rs", WEBHOOK).file(
        "hooklint.toml",
        "[rules.\"crypto/non-constant-time-compar\"]\nenabled = false\n\n\
         [rules.\"secrets/hardcoded-secret\"]\nparams = { placeholder_patern = [\"dummy\"] }\n",
    );
    let run = project.run(&["check", "src"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    snapshot!("config_unknown_rule_and_param", run.transcript());
}

#[test]
fn rules_are_disabled_and_reweighted_and_fail_on_applies() {
    let project = Project::new();
    project.file("src/lib.rs", WEBHOOK);
    let all = project.run(&["check", "--format", "json", "--no-config"]);
    assert!(rules(&all).contains(&"tls/verification-disabled".to_string()));
    project.file(
        "hooklint.toml",
        "fail-on = \"never\"\n[rules.\"tls/verification-disabled\"]\nenabled = false\n",
    );
    let run = project.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(!rules(&run).contains(&"tls/verification-disabled".to_string()));
    // The flag wins over the file.
    let run = project.run(&["check", "--format", "json", "--fail-on", "error"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    // --no-config ignores the file, --config names another one.
    let run = project.run(&["check", "--format", "json", "--no-config"]);
    assert!(rules(&run).contains(&"tls/verification-disabled".to_string()));
    project.file("other.toml", "[rules.\"secrets/hardcoded-secret\"]\nenabled = false\n");
    let run = project.run(&["check", "--format", "json", "--config", "other.toml"]);
    assert!(rules(&run).contains(&"tls/verification-disabled".to_string()));
    assert!(!rules(&run).contains(&"secrets/hardcoded-secret".to_string()));
}

#[test]
fn the_config_is_found_above_the_checked_path() {
    let project = Project::new();
    project
        .file("svc/hooklint.toml", "[rules.\"tls/verification-disabled\"]\nenabled = false\n")
        .file("svc/src/lib.rs", WEBHOOK);
    let run = project.run(&["check", "svc/src", "--format", "json"]);
    assert!(!rules(&run).contains(&"tls/verification-disabled".to_string()), "{}", run.stdout);
}

#[test]
fn knowledge_extends_the_built_in_lists() {
    let project = Project::new();
    project.file(
        "src/lib.rs",
        "use axum::{body::Bytes, http::HeaderMap, routing::post, Router};\n\
         pub fn router() -> Router { Router::new().route(\"/webhooks/acme\", post(hook)) }\n\
         async fn hook(headers: HeaderMap, body: Bytes) -> &'static str {\n\
         \x20   if acme_sig::check(&headers, &body).is_err() { return \"denied\"; }\n    \"ok\"\n}\n",
    );
    let run = project.run(&["check", "--format", "json", "--no-config"]);
    assert!(rules(&run).contains(&"webhook/missing-signature-check".to_string()), "{}", run.stdout);
    project.file("hooklint.toml", "[knowledge]\nverifiers = [\"acme_sig::check\"]\n");
    let run = project.run(&["check", "--format", "json"]);
    assert!(
        !rules(&run).contains(&"webhook/missing-signature-check".to_string()),
        "{}",
        run.stdout
    );
    let facts = project.run(&["facts", "src/lib.rs", "--fn", "hook"]);
    assert!(facts.stdout.contains("\"verifies\": true"), "{}", facts.stdout);
}

/// An organisation reduces and replaces the built-in lists: removing an entry changes the
/// findings, and a list replaced wholesale holds only what the file says.
#[test]
fn knowledge_entries_are_removed_and_lists_replaced() {
    let project = Project::new();
    project.file("src/lib.rs", WEBHOOK);
    let only = ["check", "--format", "json", "--only", "crypto/non-constant-time-compare"];
    let run = project.run(&only);
    assert_eq!(rules(&run), ["crypto/non-constant-time-compare"], "{}", run.stdout);
    project.file("hooklint.toml", "[knowledge.remove]\nvariable_time_ops = [\"==\"]\n");
    let run = project.run(&only);
    assert_eq!((run.code, rules(&run)), (0, vec![]), "{}", run.transcript());
    project.file("hooklint.toml", "[knowledge.replace]\nvariable_time_ops = [\"starts_with\"]\n");
    let run = project.run(&only);
    assert_eq!((run.code, rules(&run)), (0, vec![]), "{}", run.transcript());
    project.file("hooklint.toml", "[knowledge.remove]\nvariable_time_op = [\"==\"]\n");
    let run = project.run(&only);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("did you mean `variable_time_ops`?"), "{}", run.stderr);
    // The lists that decide what is redacted as a secret take additions only.
    project.file("hooklint.toml", "[knowledge.remove]\nsecret_key_words = [\"token\"]\n");
    let run = project.run(&only);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("cannot be reduced or replaced"), "{}", run.stderr);
}

/// A rule parameter the rule never reads (a knowledge list only the extractor uses) is an
/// error at its line, not a setting that silently changes nothing.
#[test]
fn a_parameter_the_rule_does_not_read_is_an_error() {
    let project = Project::new();
    project.file("src/lib.rs", WEBHOOK).file(
        "hooklint.toml",
        "[rules.\"webhook/missing-signature-check\"]\n\
         params = { receiver_words = [\"partner\"] }\n",
    );
    let run = project.run(&["check", "src"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("does not read `params.receiver_words`"), "{}", run.stderr);
    assert!(run.stderr.contains("hooklint.toml:2:"), "{}", run.stderr);
}

#[test]
fn policy_packs_load_from_the_config() {
    let project = Project::new();
    project
        .file("hooklint.toml", "policies = [\"org\"]\n")
        .file(
            "org/no-todo.yaml",
            "id: org/no-unwrap-in-handlers\ntitle: Handlers do not unwrap\nseverity: error\n\
             target: rust.function\nmatch: fn.is_handler\n\
             violation: fn.calls.exists(c, c.name == 'unwrap')\n\
             message: \"`{{ fn.name }}` unwraps\"\n",
        )
        .file("src/lib.rs", "");
    let run = project.run(&["rules"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let line = run.stdout.lines().find(|l| l.contains("org/no-unwrap-in-handlers"));
    assert!(line.is_some_and(|l| l.contains("org/no-todo.yaml")), "{}", run.stdout);
}

#[test]
fn exclude_globs_leave_files_out() {
    let project = Project::new();
    project
        .file("src/lib.rs", WEBHOOK)
        .file("generated/client.rs", WEBHOOK)
        .file("hooklint.toml", "exclude = [\"generated/**\"]\n");
    let run = project.run(&["check", "--format", "json"]);
    let files: Vec<String> = run.json()["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["path"].as_str().map(String::from)).collect())
        .unwrap_or_default();
    assert!(files.iter().all(|f| f.starts_with("src/")), "{files:?}");
    assert!(!files.is_empty());
}

/// (rule, path) of every finding of a JSON run, sorted.
fn found(run: &super::util::Run) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = run.json()["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings: {}", run.transcript()))
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["path"].as_str().unwrap().to_string()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `[rules."ID"] exclude` leaves that rule's findings in those paths out, counts them, and
/// leaves every other rule's findings there alone.
#[test]
fn a_rule_excludes_paths_and_counts_what_it_left_out() {
    let project = Project::new();
    project
        .file("Cargo.toml", "[package]\nname = \"app\"\n")
        .file("src/lib.rs", WEBHOOK)
        .file("examples/demo.rs", WEBHOOK)
        .file("crates/x/examples/demo.rs", WEBHOOK);
    let before = project.run(&["--format", "json", "--fail-on", "never"]);
    let tls = "tls/verification-disabled";
    let tls_in = |run: &super::util::Run| -> Vec<String> {
        found(run).into_iter().filter(|(r, _)| r == tls).map(|(_, p)| p).collect()
    };
    assert_eq!(
        tls_in(&before),
        ["crates/x/examples/demo.rs", "examples/demo.rs", "src/lib.rs"],
        "{}",
        before.transcript()
    );
    assert_eq!(before.json()["summary"]["excluded"], 0);

    project.file("hooklint.toml", format!("[rules.\"{tls}\"]\nexclude = [\"examples/**\"]\n"));
    let after = project.run(&["--format", "json", "--fail-on", "never"]);
    assert_eq!(tls_in(&after), ["src/lib.rs"], "{}", after.transcript());
    // Only that rule: the other rules' findings in examples/ stay.
    let others = |run: &super::util::Run| -> Vec<(String, String)> {
        found(run).into_iter().filter(|(r, _)| r != tls).collect()
    };
    assert_eq!(others(&after), others(&before));
    let json = after.json();
    let reported = json["summary"]["findings"].as_u64().unwrap();
    let all = before.json()["summary"]["findings"].as_u64().unwrap();
    assert_eq!(json["summary"]["excluded"].as_u64(), Some(all - reported), "{json}");
    assert_eq!(json["configuration"]["rule_excludes"][tls], serde_json::json!(["examples/**"]));
    let human = project.run(&["--fail-on", "never"]);
    let excluded = all - reported;
    assert!(human.stdout.contains(&format!(", {excluded} excluded by path")), "{}", human.stdout);
    assert!(human.stdout.contains(&format!("excluded {tls} in examples/**")), "{}", human.stdout);

    // From src/ the globs are still relative to the project root.
    let from_src = project.run_in("src", &["--format", "json", "--fail-on", "never"]);
    assert_eq!(tls_in(&from_src), ["lib.rs"], "{}", from_src.transcript());

    // A baseline written now records the excluded findings, so dropping the exclusion later
    // shows none of them as new.
    let write = project.run(&["--write-baseline", "b.json", "--fail-on", "never"]);
    assert_eq!(write.code, 0, "{}", write.transcript());
    std::fs::remove_file(project.path().join("hooklint.toml")).unwrap();
    let later = project.run(&["--baseline", "b.json", "--format", "json"]);
    assert_eq!(later.json()["summary"]["findings"], 0, "{}", later.transcript());
}

/// In a workspace the globs are relative to its root, from the root and from inside a member.
#[test]
fn a_rule_exclusion_means_the_same_from_a_workspace_member() {
    let project = Project::new();
    project
        .file("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n")
        .file("crates/app/Cargo.toml", "[package]\nname = \"app\"\n")
        .file("crates/app/src/lib.rs", WEBHOOK)
        .file("crates/app/src/dev/tool.rs", WEBHOOK)
        .file(
            "hooklint.toml",
            "[rules.\"tls/verification-disabled\"]\nexclude = [\"crates/app/src/dev/**\"]\n",
        );
    let tls = |run: &super::util::Run| -> Vec<String> {
        let found = found(run).into_iter().filter(|(r, _)| r == "tls/verification-disabled");
        found.map(|(_, p)| p).collect()
    };
    let root = project.run(&["--format", "json", "--fail-on", "never"]);
    assert_eq!(tls(&root), ["crates/app/src/lib.rs"], "{}", root.transcript());
    let member = project.run_in("crates/app", &["--format", "json", "--fail-on", "never"]);
    assert_eq!(tls(&member), ["src/lib.rs"], "{}", member.transcript());
    assert_eq!(member.json()["summary"]["excluded"], root.json()["summary"]["excluded"]);
}

#[test]
fn a_rule_exclusion_is_checked_with_its_line() {
    let project = Project::new();
    project.file("src/lib.rs", WEBHOOK).file(
        "hooklint.toml",
        "fail-on = \"error\"\n[rules.\"tls/verification-disabled\"]\n\
         exclude = [\"examples/**\", \"src/[dev\"]\n",
    );
    let run = project.run(&["check"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("invalid glob `src/[dev`"), "{}", run.stderr);
    assert!(run.stderr.contains("hooklint.toml:3:"), "{}", run.stderr);
    // Removing a default exclusion the policy does not have would change nothing.
    project.file(
        "hooklint.toml",
        "[rules.\"tls/verification-disabled\"]\nexclude = [\"!examples/**\"]\n",
    );
    let run = project.run(&["check"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("`!examples/**` removes no default exclusion of `tls/verification-disabled`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hooklint.toml:2:"), "{}", run.stderr);
    project.file("hooklint.toml", "[rules.\"tls/verification-disabled\"]\nexclude = \"src\"\n");
    let run = project.run(&["check"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("`exclude` must be an array of globs"), "{}", run.stderr);
}

/// A policy's own `paths.exclude` applies by default; the configuration adds to it and
/// removes an entry with `!`.
#[test]
fn a_policys_default_exclusions_merge_with_the_configuration() {
    let project = Project::new();
    let policy = "id: org/no-todo\ntitle: No fn named todo\nseverity: error\n\
                  target: rust.function\nviolation: fn.name == 'todo'\n\
                  message: \"`{{ fn.name }}` is a placeholder\"\n\
                  paths:\n  exclude: [\"generated/**\"]\n";
    project
        .file("org/no-todo.yaml", policy)
        .file("src/lib.rs", "pub fn todo() {}\n")
        .file("generated/a.rs", "pub fn todo() {}\n")
        .file("scratch/b.rs", "pub fn todo() {}\n");
    let paths = |run: &super::util::Run| -> Vec<String> {
        found(run).into_iter().filter(|(r, _)| r == "org/no-todo").map(|(_, p)| p).collect()
    };
    let run = project.run(&["--policy", "org", "--format", "json", "--fail-on", "never"]);
    assert_eq!(paths(&run), ["scratch/b.rs", "src/lib.rs"], "{}", run.transcript());
    assert_eq!(run.json()["summary"]["excluded"], 1);
    let explain = project.run(&["explain", "org/no-todo", "--policy", "org"]);
    assert!(explain.stdout.contains("excluded paths: generated/**"), "{}", explain.stdout);

    project.file(
        "hooklint.toml",
        "[rules.\"org/no-todo\"]\nexclude = [\"scratch/**\", \"!generated/**\"]\n",
    );
    let run = project.run(&["--policy", "org", "--format", "json", "--fail-on", "never"]);
    assert_eq!(paths(&run), ["generated/a.rs", "src/lib.rs"], "{}", run.transcript());
    assert_eq!(run.json()["summary"]["excluded"], 1);

    // An invalid glob in the policy is a load error at its line.
    project.file("org/no-todo.yaml", policy.replace("generated/**", "gen/[x"));
    let run = project.run(&["--policy", "org", "--no-config"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("invalid glob `gen/[x` in `paths.exclude`"), "{}", run.stderr);
    assert!(run.stderr.contains("no-todo.yaml:8:"), "{}", run.stderr);
}

#[test]
fn init_writes_a_valid_file_and_refuses_to_overwrite_it() {
    let project = Project::new();
    project.file("src/lib.rs", "");
    let run = project.run(&["init"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let text = std::fs::read_to_string(project.path().join("hooklint.toml")).unwrap();
    assert!(text.contains("fail-on = \"error\""), "{text}");
    assert!(text.contains("verifiers = []"), "{text}");
    let run = project.run(&["init"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(project.run(&["init", "--force"]).code, 0);
    let run = project.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
}
