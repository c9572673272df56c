//! Diff-aware runs: the lines changed since the merge base with a git revision, from the git
//! command line.
//!
//! Changed means added or modified in the working tree relative to the merge base: committed,
//! staged and unstaged changes alike. Untracked files (not ignored) count as wholly changed.
//! Paths are those git prints with `--relative`, that is relative to the directory git runs
//! in, which is how the engine reports paths when run from the same directory.

use std::collections::BTreeMap;
use std::path::Path;

use hooklint_model::Span;

use crate::tree::GitError;

/// What changed in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// New or untracked: every line counts as changed.
    All,
    /// Inclusive line ranges added or modified, sorted.
    Lines(Vec<(u32, u32)>),
}

/// The changed lines of every changed file, by path relative to the directory git ran in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedLines {
    pub files: BTreeMap<String, FileChange>,
}

/// Why the changed lines could not be found, with a hint for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffError {
    pub message: String,
    pub help: Vec<String>,
}

impl ChangedLines {
    /// Whether any line of `span` changed.
    pub fn touches(&self, span: &Span) -> bool {
        let path = span.file.strip_prefix("./").unwrap_or(&span.file);
        match self.files.get(path) {
            None => false,
            Some(FileChange::All) => true,
            Some(FileChange::Lines(ranges)) => {
                let end = span.end_line.max(span.line);
                ranges.iter().any(|&(a, b)| span.line <= b && a <= end)
            }
        }
    }

    /// Runs git in `dir`: the merge base of `rev` and `HEAD`, the diff from it to the working
    /// tree, and the untracked files.
    pub fn since(dir: &Path, rev: &str) -> Result<ChangedLines, DiffError> {
        if rev.starts_with('-') {
            return Err(error(format!("`{rev}` is not a git revision"), &[]));
        }
        git(dir, &["rev-parse", "--git-dir"]).map_err(|err| DiffError {
            message: format!("--new-since needs a git repository: {}", err.message),
            help: err.help,
        })?;
        let commit = format!("{rev}^{{commit}}");
        if git(dir, &["rev-parse", "--verify", "--quiet", &commit]).is_err() {
            let mut help = vec!["check the branch or commit name, e.g. `origin/main`".to_string()];
            if is_shallow(dir) {
                help.push(SHALLOW_HELP.to_string());
            } else if rev.contains('/') {
                help.push(format!(
                    "fetch it first: `git fetch origin {}`",
                    rev.split_once('/').map_or(rev, |(_, b)| b)
                ));
            }
            return Err(DiffError { message: format!("unknown git revision `{rev}`"), help });
        }
        let base = match git(dir, &["merge-base", rev, "HEAD"]) {
            Ok(out) => out.trim().to_string(),
            Err(_) if is_shallow(dir) => {
                return Err(error(
                    format!(
                        "no merge base between `{rev}` and HEAD: this is a shallow clone, \
                         which lacks the history to find it"
                    ),
                    &[SHALLOW_HELP],
                ))
            }
            Err(err) => {
                return Err(DiffError {
                    message: format!("no merge base between `{rev}` and HEAD: {}", err.message),
                    help: vec!["the two histories share no commit".to_string()],
                })
            }
        };
        let diff = git(
            dir,
            &[
                "-c",
                "core.quotePath=false",
                "diff",
                "--unified=0",
                "--no-color",
                "--no-ext-diff",
                "--no-renames",
                "--relative",
                &base,
                "--",
            ],
        )?;
        let mut changed = parse_diff(&diff);
        let untracked = git(
            dir,
            // `.gitignore` files only: the user's global excludes and `.git/info/exclude` must
            // not change what counts as changed from one machine to the next.
            &[
                "-c",
                "core.quotePath=false",
                "ls-files",
                "--others",
                "--exclude-per-directory=.gitignore",
                "-z",
            ],
        )?;
        for path in untracked.split('\0').filter(|p| !p.is_empty()) {
            changed.files.insert(path.to_string(), FileChange::All);
        }
        Ok(changed)
    }
}

const SHALLOW_HELP: &str = "fetch the full history: `git fetch --unshallow`, or in GitHub \
                            Actions `actions/checkout` with `fetch-depth: 0`";

fn error(message: String, help: &[&str]) -> DiffError {
    DiffError { message, help: help.iter().map(|h| h.to_string()).collect() }
}

fn is_shallow(dir: &Path) -> bool {
    git(dir, &["rev-parse", "--is-shallow-repository"]).is_ok_and(|out| out.trim() == "true")
}

/// Runs git and returns its standard output, or its standard error as the message.
fn git(dir: &Path, args: &[&str]) -> Result<String, DiffError> {
    match crate::tree::run_git(dir, args) {
        Ok(out) => Ok(String::from_utf8_lossy(&out).into_owned()),
        Err(err @ GitError::Spawn(_)) => Err(error(err.to_string(), &["install git"])),
        Err(GitError::Failed(message)) => Err(error(message, &[])),
    }
}

/// Parses `git diff --unified=0` output into the new-side line ranges of each file.
pub(crate) fn parse_diff(diff: &str) -> ChangedLines {
    let mut out = ChangedLines::default();
    let mut current: Option<String> = None;
    let mut after_old_header = false;
    for line in diff.lines() {
        // An added line reading `++ x` also starts with `+++ `: a header follows `--- `.
        let old_header = std::mem::replace(&mut after_old_header, line.starts_with("--- "));
        if let Some(path) = line.strip_prefix("+++ ").filter(|_| old_header) {
            current = match path {
                "/dev/null" => None,
                p => Some(
                    unquote(p).strip_prefix("b/").map(str::to_string).unwrap_or_else(|| unquote(p)),
                ),
            };
            if let Some(path) = &current {
                out.files.entry(path.clone()).or_insert_with(|| FileChange::Lines(Vec::new()));
            }
        } else if line.starts_with("@@ ") {
            let (Some(path), Some((start, count))) = (&current, hunk_new_range(line)) else {
                continue;
            };
            if count == 0 {
                continue;
            }
            if let Some(FileChange::Lines(ranges)) = out.files.get_mut(path) {
                ranges.push((start, start.saturating_add(count - 1)));
            }
        }
    }
    for change in out.files.values_mut() {
        if let FileChange::Lines(ranges) = change {
            ranges.sort_unstable();
        }
    }
    out
}

/// `@@ -a,b +c,d @@ ...` to `(c, d)`; `d` is 1 when absent.
fn hunk_new_range(line: &str) -> Option<(u32, u32)> {
    let new = line.split(' ').find_map(|part| part.strip_prefix('+'))?;
    let (start, count) = match new.split_once(',') {
        Some((s, c)) => (s.parse().ok()?, c.parse().ok()?),
        None => (new.parse().ok()?, 1),
    };
    Some((start, count))
}

/// Git quotes paths with unusual characters in C style: `"a\tb.rs"`.
fn unquote(path: &str) -> String {
    let Some(inner) = path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) else {
        return path.to_string();
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "\
diff --git a/src/a.rs b/src/a.rs
index 1111111..2222222 100644
--- a/src/a.rs
+++ b/src/a.rs
@@ -3 +3 @@ fn f() {
-    old();
+    new();
@@ -10,0 +11,2 @@ fn g() {
+    one();
+    two();
@@ -20,3 +22,0 @@ fn h() {
diff --git a/gone.rs b/gone.rs
deleted file mode 100644
--- a/gone.rs
+++ /dev/null
@@ -1,2 +0,0 @@
diff --git a/\"odd\\tname.rs\" b/\"odd\\tname.rs\"
--- /dev/null
+++ \"b/odd\\tname.rs\"
@@ -0,0 +1,4 @@
+x
";

    #[test]
    fn parses_new_side_ranges() {
        let changed = parse_diff(DIFF);
        assert_eq!(changed.files.get("src/a.rs"), Some(&FileChange::Lines(vec![(3, 3), (11, 12)])));
        assert_eq!(changed.files.get("odd\tname.rs"), Some(&FileChange::Lines(vec![(1, 4)])));
        assert!(!changed.files.contains_key("gone.rs"));
        assert!(parse_diff("@@ -1 +1 @@\n--- a/x\n+++ b/x\n@@ nonsense @@\n+++ b/y\n")
            .files
            .keys()
            .eq(["x"]));
    }

    #[test]
    fn spans_touch_changed_lines() {
        let mut changed = parse_diff(DIFF);
        changed.files.insert("new.rs".into(), FileChange::All);
        assert!(changed.touches(&Span::line("src/a.rs", 3)));
        assert!(changed.touches(&Span::new("./src/a.rs", 10, 1, 11, 1)));
        assert!(!changed.touches(&Span::line("src/a.rs", 4)));
        assert!(!changed.touches(&Span::line("src/a.rs", 22)));
        assert!(changed.touches(&Span::line("new.rs", 99)));
        assert!(!changed.touches(&Span::line("other.rs", 1)));
    }

    #[test]
    fn hunk_headers_parse() {
        assert_eq!(hunk_new_range("@@ -1,2 +3,4 @@"), Some((3, 4)));
        assert_eq!(hunk_new_range("@@ -1 +7 @@ fn x()"), Some((7, 1)));
        assert_eq!(hunk_new_range("@@ garbage"), None);
        assert_eq!(unquote("\"a\\\"b\""), "a\"b");
    }
}
