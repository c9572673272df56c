//! Writing an organisation rule end to end: `test` over fixtures with `expect:` and `ok:`
//! markers, policy load errors that point into the YAML file, `facts --format yaml`, `facts
//! --schema` against the facts it describes, `explain` of an organisation rule, and the
//! examples shipped in the repository.

use super::util::Project;

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            description => "tests/e2e/authoring.rs: an error message a rule author sees",
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

const RULE: &str = r#"id: org/internal-requires-service-token
title: Internal handlers verify the caller's service token
severity: error
target: rust.function
params:
  service_token_verifiers: [auth::verify_service_token]
match: fn.routes.exists(r, r.path.startsWith('/internal/'))
violation: "!fn.reaches.exists(c, call_matches(c, params.service_token_verifiers))"
message: >-
  handler `{{ fn.name }}` serves `{{ fn.routes[0].path }}` without calling
  `auth::verify_service_token`
docs:
  why: Internal routes trust the caller; only a verified service token proves who it is.
  fix: Call `auth::verify_service_token(&headers)` first and return 401 when it fails.
"#;

/// The fixture is the repository's own example, so the example stays a passing one.
const FIXTURE: &str = include_str!("../../examples/org-policies/rust/internal_routes.rs");

fn org_project() -> Project {
    let project = Project::new();
    project.file("policies/internal.yaml", RULE).file("fixtures/internal.rs", FIXTURE);
    project
}

#[test]
fn an_organisation_rule_passes_its_fixture() {
    let project = org_project();
    let run = project.run(&["test", "fixtures", "--policy", "policies"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(run.stdout, "ok   fixtures/internal.rs\n\ntest result: 1 passed, 0 failed\n");
}

#[test]
fn a_missed_expectation_fails_and_names_the_line() {
    let project = org_project();
    // The handler now verifies the token, so the expectation above it is no longer met; and
    // the one marked `ok:` no longer does.
    let changed = FIXTURE
        .replacen("async fn list_users() -> &'static str {\n", "async fn list_users(headers: axum::http::HeaderMap) -> &'static str {\n    auth::verify_service_token(&headers).ok();\n", 1)
        .replace("    if auth::verify_service_token(&headers).is_err() {\n        return \"denied\";\n    }\n", "");
    project.file("fixtures/internal.rs", changed);
    let run = project.run(&["test", "fixtures", "--policy", "policies"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stdout
            .contains("fixtures/internal.rs:11: expected `org/internal-requires-service-token`"),
        "{}",
        run.stdout
    );
    snapshot!("authoring_test_mismatch", run.transcript());
}

#[test]
fn a_cel_syntax_error_points_into_the_yaml_file() {
    let project = org_project();
    let broken = RULE.replace(
        "violation: \"!fn.reaches.exists(c, call_matches(c, params.service_token_verifiers))\"",
        "violation: >-\n  !fn.reaches.exists(c,\n    call_matches(c, params.service_token_verifiers) &&)",
    );
    project.file("policies/internal.yaml", broken);
    let run = project.run(&["test", "fixtures", "--policy", "policies"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("policies/internal.yaml:10:"), "{}", run.stderr);
    snapshot!("authoring_cel_syntax_error", run.transcript());
}

#[test]
fn a_misspelled_fact_field_is_caught_at_load_time() {
    let project = org_project();
    project.file("policies/internal.yaml", RULE.replace("fn.reaches.exists", "fn.reach.exists"));
    let run = project.run(&["test", "fixtures", "--policy", "policies"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("did you mean"), "{}", run.stderr);
    snapshot!("authoring_unknown_field", run.transcript());
}

#[test]
fn a_runtime_error_names_rule_field_and_target() {
    let project = org_project();
    project.file(
        "policies/internal.yaml",
        RULE.replace(
            "match: fn.routes.exists(r, r.path.startsWith('/internal/'))",
            "match: fn.routes[1].path.startsWith('/internal/')",
        ),
    );
    let run = project.run(&["test", "fixtures", "--policy", "policies"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    // One problem for the rule, at the first target it failed on, with the count of the rest.
    assert!(
        run.stdout.contains(
            "fixtures/internal.rs:3: problem [cel-runtime-error]: rule \
             org/internal-requires-service-token failed in `match` on fn `router`"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("(and on 2 more targets)"), "{}", run.stdout);
    assert_eq!(run.stdout.matches("problem [cel-runtime-error]").count(), 1, "{}", run.stdout);
}

#[test]
fn duplicate_rule_ids_name_both_files() {
    let project = org_project();
    project.file("more/copy.yaml", RULE);
    let run = project.run(&["rules", "--policy", "policies", "--policy", "more"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("more/copy.yaml"), "{}", run.stderr);
    assert!(run.stderr.contains("policies/internal.yaml"), "{}", run.stderr);
}

#[test]
fn rules_and_explain_show_organisation_rules() {
    let project = org_project();
    let run = project.run(&["rules", "--policy", "policies"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let line = run.stdout.lines().find(|l| l.contains("org/internal-requires-service-token"));
    assert!(line.is_some_and(|l| l.contains("policies/internal.yaml")), "{}", run.stdout);
    let run =
        project.run(&["explain", "org/internal-requires-service-token", "--policy", "policies"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("only a verified service token"), "{}", run.stdout);
}

#[test]
fn a_pack_rule_reuses_built_in_params() {
    let project = Project::new();
    project
        .file(
            "policies/verify.yaml",
            "id: org/hooks-call-a-verifier\ntitle: Hooks call a known verifier\nseverity: warning\n\
             target: rust.function\nmatch: fn.name.startsWith('hook_')\n\
             violation: \"!fn.calls.exists(c, call_matches(c.path, params.verifiers))\"\n\
             message: \"`{{ fn.name }}` calls no known verifier\"\n",
        )
        .file(
            "fixtures/hooks.rs",
            "fn hook_a(mac: Mac, sig: &[u8]) { mac.verify_slice(sig).ok(); }\n\
             fn hook_b() {} // expect: org/hooks-call-a-verifier\n",
        );
    let run = project.run(&["test", "fixtures", "--policy", "policies"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
}

#[test]
fn facts_print_as_yaml() {
    let project = org_project();
    let run =
        project.run(&["facts", "fixtures/internal.rs", "--fn", "list_jobs", "--format", "yaml"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains("            path: auth::verify_service_token\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("      - attributes: []\n"), "{}", run.stdout);
    assert!(run.stdout.starts_with("files:\n"), "{}", run.stdout);
}

/// A rule written only from docs/writing-rules.md and what `facts` printed for the fixture:
/// `fn.headers_read` and `fn.routes[].path`, both shown by `facts`.
#[test]
fn a_rule_written_from_the_docs_works() {
    let project = Project::new();
    project
        .file(
            "policies/admin-header.yaml",
            r#"id: acme/admin-route-reads-no-role-header
title: Admin routes do not trust a role header
severity: warning
target: rust.function
match: fn.routes.exists(r, r.path.startsWith('/admin'))
violation: fn.headers_read.exists(h, h.name == 'x-role')
message: "`{{ fn.name }}` trusts the client-controlled `x-role` header on an admin route"
docs:
  why: Any client can send `x-role`.
  fix: Read the role from the verified session instead.
"#,
        )
        .file(
            "fixtures/admin.rs",
            r#"use axum::{http::HeaderMap, routing::post, Router};

pub fn router() -> Router {
    Router::new().route("/admin/users", post(create)).route("/users", post(signup))
}

// expect: acme/admin-route-reads-no-role-header
async fn create(headers: HeaderMap) -> &'static str {
    let _role = headers.get("x-role");
    "created"
}

// ok: acme/admin-route-reads-no-role-header
async fn signup(headers: HeaderMap) -> &'static str {
    let _role = headers.get("x-role");
    "ok"
}
"#,
        );
    let facts = project.run(&["facts", "fixtures/admin.rs", "--fn", "create"]);
    assert!(facts.stdout.contains("\"x-role\""), "{}", facts.stdout);
    // Built-in rules see the same header; `--only` checks this rule's markers alone.
    let only = ["--only", "acme/admin-route-reads-no-role-header"];
    let run = project.run(&[&["test", "fixtures", "--policy", "policies"][..], &only].concat());
    assert_eq!(run.code, 0, "{}", run.transcript());
}

#[test]
fn the_built_in_fixtures_pass_through_the_command() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-hooklint"))
        .args(["test", "fixtures", "--no-config"])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-hooklint");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}

#[test]
fn the_organisation_examples_pass() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-hooklint"))
        .args(["test", "examples/org-policies", "--policy", "examples/org-policies/policies"])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-hooklint");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(!stdout.contains("0 passed"), "{stdout}");
}

/// The layout docs/writing-rules.md describes: policies and fixtures named in hooklint.toml.
/// Plain `cargo hooklint` checks the project's code, not its rules or their deliberately bad
/// fixtures, and reads no policy file as a manifest; `test` runs the fixtures.
#[test]
fn a_repository_laid_out_as_the_tutorial_says_passes_its_own_gate() {
    let project = Project::new();
    project
        .copy_tree("examples/org-policies/policies", "policies")
        .copy_tree("examples/org-policies/rust", "fixtures")
        .copy_tree("examples/org-policies/manifests", "fixtures")
        .file("hooklint.toml", "policies = [\"policies\"]\ntest-dirs = [\"fixtures\"]\n")
        .file("Cargo.toml", "[package]\nname = \"svc\"\n")
        .file("src/lib.rs", super::util::CLEAN);
    let run = project.run(&[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    // The policy and fixture folders are neither checked nor counted as excluded.
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "configuration: hooklint.toml; policies from policies", "{}", run.stdout);
    assert!(lines[1].starts_with("checked 1 file in"), "{}", run.stdout);
    let run = project.run_in("src", &["--format", "json"]);
    assert_eq!((run.code, &run.json()["summary"]["files"]), (0, &serde_json::json!(1)), "{run:?}");
    // Named explicitly, a fixture is still checked.
    let named = project.run(&["fixtures/internal_routes.rs"]);
    assert_eq!(named.code, 1, "{}", named.transcript());
    let test = project.run(&["test"]);
    assert_eq!(test.code, 0, "{}", test.transcript());
    assert!(test.stdout.contains("test result: 3 passed, 0 failed"), "{}", test.stdout);
}

/// `facts --schema` is a JSON Schema (draft 2020-12) that describes exactly what `facts`
/// prints: every function, file and manifest document of the repository's fixtures validates
/// against its definition, which allows no field it does not declare.
#[test]
fn the_facts_schema_describes_the_facts() {
    let project = Project::new();
    let run = project.run(&["facts", "--schema"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let schema = run.json();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    for (binding, def) in
        [("fn", "Function"), ("file", "RustFile"), ("doc", "Document"), ("project", "Project")]
    {
        assert_eq!(schema["properties"][binding]["$ref"], format!("#/$defs/{def}"));
    }
    let description = &schema["$defs"]["Function"]["properties"]["is_webhook"]["description"];
    assert!(description.as_str().is_some_and(|d| d.contains("inbound webhooks")), "{description}");
    let validator = |def: &str| {
        let root = serde_json::json!({
            "$schema": schema["$schema"],
            "$defs": schema["$defs"],
            "$ref": format!("#/$defs/{def}"),
        });
        jsonschema::validator_for(&root).expect("the facts schema compiles")
    };
    let (function, file, document) =
        (validator("Function"), validator("RustFile"), validator("Document"));

    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let run = project.run(&["facts", fixtures]);
    let facts = run.json();
    let mut checked = [0usize; 3];
    let mut errors = Vec::new();
    let mut check = |validator: &jsonschema::Validator, value: &serde_json::Value, n: usize| {
        checked[n] += 1;
        errors
            .extend(validator.iter_errors(value).map(|e| format!("{e} at {}", e.instance_path())));
    };
    for file_facts in facts["files"].as_array().expect("files") {
        for f in file_facts["functions"].as_array().expect("functions") {
            check(&function, f, 0);
        }
        let mut stored = file_facts.clone();
        stored.as_object_mut().expect("a file is an object").remove("functions");
        check(&file, &stored, 1);
    }
    for manifest in facts["manifests"].as_array().expect("manifests") {
        for d in manifest["documents"].as_array().expect("documents") {
            check(&document, d, 2);
        }
    }
    assert!(errors.is_empty(), "facts do not validate:\n{}", errors.join("\n"));
    assert!(checked.iter().all(|n| *n > 10), "too few facts checked: {checked:?}");

    // A field the model does not have, or a value of the wrong type, does not validate.
    let mut wrong = facts["files"][0]["functions"][0].clone();
    wrong["is_webhok"] = serde_json::json!(true);
    assert!(!function.is_valid(&wrong));
    let mut wrong = facts["files"][0]["functions"][0].clone();
    wrong["calls"] = serde_json::json!([{"name": 1}]);
    assert!(!function.is_valid(&wrong));
}

/// A misspelled CEL function is a load error at its line and column with a suggestion, and the
/// run stops with 2 before any file is read, instead of failing on every function at run time.
#[test]
fn a_misspelled_cel_function_exits_2_at_its_line_and_column() {
    let project = org_project();
    project.file("policies/internal.yaml", RULE.replace("call_matches(", "call_match("));
    project.file("src/lib.rs", super::util::CLEAN);
    let run = project.run(&["src", "--policy", "policies"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("unknown function `call_match`; did you mean `call_matches`?"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> policies/internal.yaml:8:35"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}
