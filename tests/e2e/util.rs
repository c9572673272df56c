use std::path::Path;
use std::process::{Command, Stdio};

/// A temporary directory with files in it; the binary runs with it as working directory.
pub struct Project {
    dir: tempfile::TempDir,
}

/// What a run of the binary printed and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{}", self.stdout))
    }

    /// The run as one text, for snapshots.
    pub fn transcript(&self) -> String {
        format!("exit: {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

impl Project {
    pub fn new() -> Project {
        Project { dir: tempfile::tempdir().expect("temporary directory") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, path: &str, contents: impl AsRef<[u8]>) -> &Project {
        let path = self.dir.path().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create directory");
        }
        std::fs::write(path, contents).expect("write file");
        self
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-hooklint"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("HOOKLINT_NO_TIMING", "1")
            .stdin(Stdio::null());
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().expect("run cargo-hooklint");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// A small axum service with a signature compared with `==`, a hard-coded secret and
/// certificate checks switched off; the helpers and tests around them are fine.
pub const WEBHOOK: &str = r#"use axum::{body::Bytes, http::HeaderMap, routing::post, Router};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const WEBHOOK_SECRET: &str = "whsec_9f8e7d6c5b4a39281706f5e4d3c2b1a0";

pub fn router() -> Router {
    Router::new().route("/webhooks/github", post(github_webhook))
}

// Prüft die Signatur: the umlaut keeps columns honest.
async fn github_webhook(headers: HeaderMap, body: Bytes) -> &'static str {
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let expected = sign(&body);
    if signature == expected {
        "ok"
    } else {
        "denied"
    }
}

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).expect("key");
    mac.update(body);
    format!("sha256={:x}", mac.finalize().into_bytes())
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().danger_accept_invalid_certs(true).build().expect("client")
}
"#;

/// Nothing to report.
pub const CLEAN: &str = r#"pub fn add(a: u32, b: u32) -> u32 {
    a + b
}
"#;

impl Project {
    /// Runs the binary with `dir` (relative to the project) as working directory.
    pub fn run_in(&self, dir: &str, args: &[&str]) -> Run {
        let output = self
            .command(args)
            .current_dir(self.dir.path().join(dir))
            .output()
            .expect("run cargo-hooklint");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Copies a directory of this repository (relative to its root) into the project at `to`.
    pub fn copy_tree(&self, from: &str, to: &str) -> &Project {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(from);
        copy_dir(&source, &self.dir.path().join(to));
        self
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create directory");
    for entry in std::fs::read_dir(from).expect("read directory").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy file");
        }
    }
}
