//! Manifests end to end: hostile YAML is one diagnostic each and the rest of the run goes on,
//! findings point into YAML, and no secret value reaches any output format.

use std::time::{Duration, Instant};

use super::util::{Project, CLEAN};

fn problems(run: &super::util::Run) -> Vec<(String, String)> {
    let json = run.json();
    let mut out: Vec<(String, String)> = json["problems"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    (
                        p["code"].as_str().unwrap_or("").to_string(),
                        p["path"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn hostile_yaml_is_one_diagnostic_each_and_the_run_goes_on() {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 9].join(", ")));
    }
    let mut huge = String::with_capacity(51 << 20);
    while huge.len() < 50 << 20 {
        huge.push_str("key: value with some padding to make the line long enough\n");
    }
    let project = Project::new();
    project
        .file("src/lib.rs", CLEAN)
        .file("bomb.yaml", bomb)
        .file("deep.yaml", format!("{}{}\n", "[".repeat(10_000), "]".repeat(10_000)))
        .file("huge.yaml", huge)
        .file("latin1.yaml", b"name: caf\xe9\n".as_slice())
        .file("tabs.yaml", "a:\n\tb: 1\n")
        .file(
            "compose.yml",
            "services:\n  web:\n    image: web\n    environment:\n      DB_PASSWORD: hunter2-in-compose\n",
        );
    let start = Instant::now();
    let run = project.run(&["--format", "json", "--max-file-size", "100000000"]);
    assert!(start.elapsed() < Duration::from_secs(60), "took {:?}", start.elapsed());
    assert!(!run.stderr.contains("panicked") && !run.stderr.contains("overflow"), "{}", run.stderr);
    assert_eq!(
        problems(&run),
        [
            ("non-utf8".to_string(), "latin1.yaml".to_string()),
            ("too-large".to_string(), "huge.yaml".to_string()),
            ("yaml-error".to_string(), "tabs.yaml".to_string()),
            ("yaml-too-complex".to_string(), "bomb.yaml".to_string()),
            ("yaml-too-complex".to_string(), "deep.yaml".to_string()),
        ],
        "{run:?}"
    );
    // The rest of the run is unaffected: the compose file is still checked.
    let json = run.json();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["rule"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(rules, ["secrets/plaintext-in-manifest"], "{run:?}");
}

#[test]
fn no_secret_value_reaches_any_output() {
    let project = Project::new();
    project
        .file(
            "docker-compose.yml",
            "services:\n  orders:\n    image: o\n    environment:\n      AMQP_URL: amqp://app:s3cr3t-amqp@rabbit/\n      API_TOKEN: tok-9f8e7d6c5b4a\n  billing:\n    image: b\n    environment:\n      - AMQP_URL=amqp://app:s3cr3t-amqp@rabbit/\n",
        )
        .file("k8s.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: k8s-plain-pw\n")
        .file(
            "stack/docker-compose.yml",
            "services:\n  api:\n    image: a\n    environment:\n      SECRET_KEY: ${SECRET_KEY:-dflt-s3cret-key-42}\n      SIGNING_KEY: ${SIGNING_KEY:-changeme-plc-hldr}\n",
        )
        .file(
            "am.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: am\ndata:\n  alertmanager.yml: |\n    global:\n      smtp_auth_password: embedded-smtp-pw\n",
        )
        // An embedded file with several secrets: two on one line, a quoted one, one in a URL,
        // one that spans lines (its whole block is redacted).
        .file(
            "cfg.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  app.yaml: |\n    db: {password: emb-pw-one, api_key: emb-key-two}\n    smtp:\n      password: \"emb-quoted-pw\"\n    amqp: amqp://app:emb-url-pw@rabbit/\n  keys.yaml: |\n    private_key: |\n      emb-multi-line-1\n      emb-multi-line-2\n",
        );
    // A broker's own password on its command line, and a client's broker-named variable.
    project.file(
        "redis/docker-compose.yml",
        "services:\n  redis:\n    image: redis:7\n    command: redis-server --requirepass ${REDIS_AUTH:-r3dis-dflt-pw}\n  jobs:\n    image: j\n    environment:\n      REDIS_AUTH: ${REDIS_AUTH:-r3dis-dflt-pw}\n",
    );
    const SECRETS: [&str; 13] = [
        "r3dis-dflt-pw",
        "s3cr3t-amqp",
        "tok-9f8e7d6c5b4a",
        "k8s-plain-pw",
        "dflt-s3cret-key-42",
        "changeme-plc-hldr",
        "embedded-smtp-pw",
        "emb-pw-one",
        "emb-key-two",
        "emb-quoted-pw",
        "emb-url-pw",
        "emb-multi-line-1",
        "emb-multi-line-2",
    ];
    for format in ["human", "json", "sarif", "github"] {
        let run = project.run(&["--format", format]);
        assert_eq!(run.code, 1, "{run:?}");
        for secret in SECRETS {
            assert!(!run.stdout.contains(secret), "{format} shows {secret}: {}", run.stdout);
            assert!(!run.stderr.contains(secret), "{format} shows {secret}: {}", run.stderr);
        }
    }
    for format in ["json", "yaml"] {
        let facts = project.run(&["facts", ".", "--format", format]);
        // The documents are there, with their secret-bearing keys, and only the values are not.
        for present in ["compose", "AMQP_URL", "API_TOKEN", "password", "<redacted:"] {
            assert!(facts.stdout.contains(present), "facts lack {present}: {}", facts.stdout);
        }
        for secret in SECRETS {
            assert!(!facts.stdout.contains(secret), "facts show {secret}: {}", facts.stdout);
        }
    }
}

/// Helm chart templates and Jinja files are not YAML until rendered: skipped and counted in the
/// summary, never `yaml-error` problems; the chart's values are read.
#[test]
fn templates_are_skipped_and_counted() {
    let project = Project::new();
    project
        .file("chart/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n")
        .file(
            "chart/templates/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas }}\n  env:\n    - name: DB_PASSWORD\n      value: in-a-template\n",
        )
        .file("chart/values.yaml", "auth:\n  adminPassword: values-admin-pw\n")
        .file("deploy/compose.yaml", "{% if tls %}\nservices:\n  a: {image: x}\n{% endif %}\n")
        // Hard negatives: YAML that merely holds `{{ }}` in a string is read, not skipped; broken
        // YAML without template directives stays a problem, never silently dropped.
        .file("config/app.yaml", "greeting: \"hello {{ name }}\"\npassword: cfg-plain-pw-7731\n")
        .file("broken.yaml", "a: [1, 2\n");
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let json = run.json();
    assert_eq!(json["summary"]["templates_skipped"], 2, "{}", run.stdout);
    let problems: Vec<&str> = json["problems"]
        .as_array()
        .map(|p| p.iter().filter_map(|x| x["path"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(problems, ["broken.yaml"], "{}", run.stdout);
    let paths: Vec<&str> = json["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["path"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(paths, ["chart/values.yaml", "config/app.yaml"]);
    let human = project.run(&["--color", "never"]);
    assert!(human.stdout.contains("2 templates skipped as not YAML until rendered"), "{human:?}");
}

/// Runs the binary from the repository root on a fixture, as a user would.
fn check_fixture(path: &str) -> super::util::Run {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-hooklint"))
        .args(["check", "--color", "never", path])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("HOOKLINT_NO_TIMING", "1")
        .output()
        .expect("run cargo-hooklint");
    super::util::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

/// A manifest finding shows the labelled YAML line.
#[test]
fn human_output_of_a_manifest_finding() {
    let run = check_fixture("fixtures/rules/webhook/plaintext-endpoint/bad_slack_app.yaml");
    assert_eq!(run.code, 1, "{run:?}");
    snapshot!("human_output_manifest_finding", run.transcript());
}

/// A cross-file finding: primary label on the Rust handler, secondary on the manifest line.
#[test]
fn human_output_of_a_cross_file_finding() {
    let run =
        check_fixture("fixtures/rules/webhook/declared-route-unverified/bad_unverified_handler");
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("integration.yaml") && run.stdout.contains("main.rs"), "{run:?}");
    snapshot!("human_output_cross_file_finding", run.transcript());
}

/// `oauth/overbroad-scope` is a warning, and an error for a wildcard (`escalate`).
#[test]
fn wildcard_scopes_are_errors_and_other_overbroad_scopes_warnings() {
    let project = Project::new();
    project.file(
        "slack-app.yaml",
        "oauth_config:\n  scopes:\n    bot:\n      - chat:write\n      - admin\n      - \"admin.*\"\n",
    );
    let run = project.run(&["--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let json = run.json();
    let found: Vec<(u64, &str, &str)> = json["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|x| {
                    let line = x["line"].as_u64().unwrap_or(0);
                    (line, x["rule"].as_str().unwrap_or(""), x["severity"].as_str().unwrap_or(""))
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        found,
        [(5, "oauth/overbroad-scope", "warning"), (6, "oauth/overbroad-scope", "error")],
        "{run:?}"
    );
}
