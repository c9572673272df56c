use std::path::Path;
use std::process::Command;

/// Runs git in `dir` with a fixed identity and no user or system configuration, and panics
/// with its output when it fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=hooklint tests", "-c", "user.email=tests@hooklint.invalid"])
        .args(["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `git init` with the identity set in the repository's own config, so that commands run by
/// the binary under test see it too.
pub fn init(dir: &Path) {
    git(dir, &["init", "-q"]);
    git(dir, &["config", "user.name", "hooklint tests"]);
    git(dir, &["config", "user.email", "tests@hooklint.invalid"]);
}

pub fn commit_all(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}
