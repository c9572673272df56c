//! The tree being checked: where it starts, whether a path lies inside it, and (in gate mode)
//! which files git tracks in it.
//!
//! hooklint reads what the tree contains and nothing outside it through it: a symbolic link or
//! a `#[path]` that leaves the tree is reported, not followed, in gate mode, and an error about
//! a file outside the tree names the file but never shows its content, in every mode.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The root of the checked tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    /// Canonical (symbolic links resolved) and absolute.
    pub root: PathBuf,
    /// Whether `root` is the top of a git working tree.
    pub is_git: bool,
}

impl Tree {
    /// The git working tree that contains `start` (a file or a directory), or, outside git,
    /// the current directory.
    pub fn find(start: &Path) -> Tree {
        let dir = if start.is_dir() {
            start.to_path_buf()
        } else {
            start.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).into()
        };
        if let Ok(top) = git(&dir, &["rev-parse", "--show-toplevel"]) {
            let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
            if let Ok(root) = top.canonicalize() {
                return Tree { root, is_git: true };
            }
        }
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Tree { root: cwd.canonicalize().unwrap_or(cwd), is_git: false }
    }

    /// A tree rooted at `root`, for tests and for directories given explicitly.
    pub fn at(root: &Path) -> Tree {
        Tree { root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()), is_git: false }
    }

    /// Whether `path`, with every symbolic link resolved, lies inside the tree. A path that
    /// does not resolve (missing, dangling link) is not inside.
    pub fn contains(&self, path: &Path) -> bool {
        path.canonicalize().is_ok_and(|p| p.starts_with(&self.root))
    }

    /// Every file git tracks in the tree, submodules included, as absolute paths in git's
    /// order. Ignore files play no part: a tracked file is listed whatever `.gitignore` says.
    pub fn tracked_files(&self) -> Result<Vec<PathBuf>, String> {
        let out = git(
            &self.root,
            &["-c", "core.quotePath=false", "ls-files", "--cached", "--recurse-submodules", "-z"],
        )?;
        Ok(out.split('\0').filter(|p| !p.is_empty()).map(|p| self.root.join(p)).collect())
    }
}

/// Why running git gave no output.
pub(crate) enum GitError {
    /// git could not be started (not installed, not on `PATH`).
    Spawn(std::io::Error),
    /// git ran and failed: the first line it printed on stderr, without `fatal: `.
    Failed(String),
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitError::Spawn(err) => write!(f, "cannot run git: {err}"),
            GitError::Failed(message) => f.write_str(message),
        }
    }
}

/// Runs git in `dir` with no terminal prompt and no standard input, and returns its standard
/// output.
pub(crate) fn run_git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(GitError::Spawn)?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let err = String::from_utf8_lossy(&output.stderr);
        let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("git failed").trim();
        Err(GitError::Failed(first.strip_prefix("fatal: ").unwrap_or(first).to_string()))
    }
}

/// Runs git in `dir` and returns its standard output, or a one-line message.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = run_git(dir, args).map_err(|err| err.to_string())?;
    String::from_utf8(out).map_err(|_| "git printed a path that is not UTF-8".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_resolves_links_and_refuses_missing_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.rs"), "").unwrap();
        let outside = dir.path().join("secret.txt");
        std::fs::write(&outside, "x").unwrap();
        let tree = Tree::at(&root);
        assert!(tree.contains(&root.join("src/a.rs")));
        assert!(tree.contains(&root.join("src/../src/a.rs")));
        assert!(!tree.contains(&root.join("src/missing.rs")));
        assert!(!tree.contains(&outside));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&outside, root.join("src/link.rs")).unwrap();
            assert!(!tree.contains(&root.join("src/link.rs")));
            std::os::unix::fs::symlink(root.join("src/a.rs"), root.join("src/in.rs")).unwrap();
            assert!(tree.contains(&root.join("src/in.rs")));
        }
    }
}
