//! Snapshots of what a user sees, one sample project with findings, a parse error and a
//! non-UTF-8 file. Regenerate with `INSTA_UPDATE=always cargo test --test integration` and
//! review the diff.

use super::util::{Project, CLEAN, WEBHOOK};

const DESCRIPTION: &str =
    "the sample project of tests/e2e/output.rs: findings, a parse error and a \
                           non-UTF-8 file";

fn sample() -> Project {
    let project = Project::new();
    project
        .file("src/lib.rs", CLEAN)
        .file("src/webhook.rs", WEBHOOK)
        .file("src/broken.rs", "pub fn broken( {\n")
        .file("src/latin1.rs", b"// caf\xe9\nfn f() {}\n");
    project
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            description => DESCRIPTION,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

#[test]
fn human_output() {
    snapshot!("human_output", sample().run(&["--color", "never"]).transcript());
}

#[test]
fn json_output() {
    let run = sample().run(&["--format", "json"]);
    snapshot!("json_output", run.transcript());
}

#[test]
fn human_output_of_a_single_rule() {
    let run = sample().run(&["--color", "never", "--only", "crypto/non-constant-time-compare"]);
    snapshot!("human_output_only_compare", run.transcript());
}

/// A plain web app (OAuth login callback, event and notification listings, a webhook
/// subscription API behind a session, a WebSocket hub, an address rate limiter) has no webhook
/// receiver; the same app with one unsigned Stripe receiver has exactly that finding.
#[test]
fn a_plain_web_app_has_no_receiver_and_one_unsigned_stripe_receiver_is_found() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let findings = |dir: &str| -> Vec<(String, String)> {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-hooklint"))
            .args(["check", dir, "--no-config", "--format", "json", "--fail-on", "never"])
            .current_dir(root)
            .output()
            .expect("run cargo-hooklint");
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                let rule = f["rule"].as_str().unwrap_or_default().to_string();
                let file = f["path"].as_str().unwrap_or_default().to_string();
                (rule, file)
            })
            .collect()
    };
    assert_eq!(findings("fixtures/examples/axum-webapp"), Vec::new());
    assert_eq!(
        findings("fixtures/examples/axum-webapp-stripe"),
        vec![(
            "webhook/missing-signature-check".to_string(),
            "fixtures/examples/axum-webapp-stripe/src/billing.rs".to_string()
        )]
    );
}
