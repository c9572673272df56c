//! The toolchain the README promises is the one the locked dependencies need.

use std::process::Command;

fn version(text: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = text.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    parts.resize(3, 0);
    parts
}

/// `rust-version` in Cargo.toml equals the highest `rust-version` of the packages Cargo.lock
/// resolves for this host (read offline by `cargo metadata`), and README states it.
#[test]
fn rust_version_is_what_the_locked_dependencies_need() {
    let root = env!("CARGO_MANIFEST_DIR");
    let rustc = Command::new("rustc").arg("-vV").output().expect("run rustc -vV");
    let rustc = String::from_utf8_lossy(&rustc.stdout).into_owned();
    let host = rustc.lines().find_map(|l| l.strip_prefix("host: ")).expect("host triple");
    let cargo = option_env!("CARGO").unwrap_or("cargo");
    let output = Command::new(cargo)
        .args(["metadata", "--offline", "--locked", "--format-version", "1"])
        .args(["--filter-platform", host])
        .current_dir(root)
        .output()
        .expect("run cargo metadata");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .expect("workspace_members")
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    let packages = metadata["packages"].as_array().expect("packages");
    let mut needed = (vec![0, 0, 0], String::new());
    let mut ours = None;
    for package in packages {
        let Some(rust_version) = package["rust_version"].as_str() else { continue };
        let name = package["name"].as_str().unwrap_or("");
        if members.contains(&package["id"].as_str().unwrap_or("")) {
            if name == "cargo-hooklint" {
                ours = Some(rust_version.to_string());
            }
            continue;
        }
        if version(rust_version) > needed.0 {
            needed = (version(rust_version), format!("{name} {rust_version}"));
        }
    }
    let ours = ours.expect("cargo-hooklint declares rust-version");
    assert_eq!(
        version(&ours),
        needed.0,
        "rust-version {ours}, but {} needs more or less",
        needed.1
    );
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    assert!(
        readme.contains(&format!("(Rust {ours} or newer)")),
        "README.md does not state the toolchain {ours}"
    );
}

/// README's example: the output it shows is what the installed command prints, and the exit
/// code it explains (1: findings).
#[test]
fn the_readme_example_prints_what_the_readme_shows_and_exits_1() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    assert!(readme.contains(
        "cargo install --locked --path .\ncargo hooklint fixtures/examples/axum-webhooks\n"
    ));
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-hooklint"))
        .args(["hooklint", "fixtures/examples/axum-webhooks"])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-hooklint");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in [
        "   --> fixtures/examples/axum-webhooks/src/handlers/stripe.rs:26:14",
        "26 | pub async fn stripe_webhook(",
        "   = in function `handlers::stripe::stripe_webhook`",
        "note: `cargo hooklint explain RULE` says why a rule matters and how to fix it, e.g. \
         `cargo hooklint explain trust/identity-from-header`",
    ] {
        assert!(readme.contains(line) && stdout.contains(line), "{line}\n{stdout}");
    }
    let summary = stdout.lines().last().unwrap_or("");
    let (head, tail) = summary.split_once(" in ").unwrap_or(("", ""));
    let (_, counts) = tail.split_once(": ").unwrap_or(("", ""));
    assert_eq!((head, counts), ("checked 7 files", "3 errors, 0 warnings, 0 notes, 0 problems"));
    assert!(readme.contains(&format!("{head} in 0.14s: {counts}")));
}
