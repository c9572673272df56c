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
