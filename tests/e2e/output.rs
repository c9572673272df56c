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
