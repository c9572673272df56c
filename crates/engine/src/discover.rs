//! Finding the files to check: named files as given, directories walked with `.gitignore`
//! honoured (inside a git repository or not) and `target/` skipped.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

use hooklint_model::{Problem, ProblemCode, Span};

use crate::tree::Tree;

/// The languages the engine knows how to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    Rust,
    /// YAML, or an app manifest in JSON (`hooklint_manifest::is_candidate`).
    Manifest,
}

impl FileKind {
    /// The kind of a file met while walking a directory, by extension; `None` to skip it.
    /// `.rs` in any case: on a case-insensitive file system `mod a;` finds `a.RS` too.
    pub fn of(path: &Path) -> Option<FileKind> {
        match path.extension().and_then(OsStr::to_str) {
            Some(ext) if ext.eq_ignore_ascii_case("rs") => Some(FileKind::Rust),
            _ if hooklint_manifest::is_candidate(&path.to_string_lossy()) => {
                Some(FileKind::Manifest)
            }
            _ => None,
        }
    }

    /// The kind of a file named on the command line: any YAML or JSON file is a manifest.
    fn of_named(path: &Path) -> FileKind {
        match path.extension().and_then(OsStr::to_str) {
            Some("yaml" | "yml" | "json") => FileKind::Manifest,
            _ => FileKind::Rust,
        }
    }
}

/// A file to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// Where to read it.
    pub fs_path: PathBuf,
    /// How it is reported: relative to the base directory where possible, `/`-separated.
    pub display: String,
    pub kind: FileKind,
    /// Size at discovery, to schedule large files first.
    pub size: u64,
}

pub(crate) fn discover(
    paths: &[PathBuf],
    follow_links: bool,
    base: &Path,
) -> (Vec<Candidate>, Vec<Problem>) {
    let default_root = [PathBuf::from(".")];
    let roots = if paths.is_empty() { &default_root[..] } else { paths };
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for root in roots {
        match std::fs::metadata(root) {
            Ok(meta) if meta.is_dir() => walk(root, follow_links, base, &mut found, &mut problems),
            Ok(meta) => found.push(Candidate {
                fs_path: root.clone(),
                display: display_path(root, base),
                kind: FileKind::of_named(root),
                size: meta.len(),
            }),
            Err(err) => {
                let display = display_path(root, base);
                problems.push(Problem::new(
                    ProblemCode::IoError,
                    format!("cannot read `{display}`: {}", io_message(&err)),
                    Some(Span::line(display, 0)),
                ));
            }
        }
    }
    // Overlapping roots (`src src/lib.rs`) name the same file twice.
    found.sort_by(|a, b| a.display.cmp(&b.display));
    found.dedup_by(|a, b| a.display == b.display);
    (found, problems)
}

/// Gate mode's discovery: every file git tracks under `paths` (the whole tree when empty),
/// whatever ignore files say, hidden and `target/` folders included.
#[derive(Debug, Default)]
pub(crate) struct Tracked {
    pub candidates: Vec<Candidate>,
    pub problems: Vec<Problem>,
    /// `hooklint.toml` files among them: gate mode reads none of them, and says so.
    pub ignored_configs: Vec<String>,
}

/// Lists the tracked files of `tree` under `paths`. A tracked symbolic link with a checkable
/// name is followed when its target is inside the tree (the target is checked under its own
/// path) and reported when it leaves the tree. Named files are always checked.
pub(crate) fn discover_tracked(
    paths: &[PathBuf],
    tree: &Tree,
    base: &Path,
) -> Result<Tracked, String> {
    let base = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    let mut out = Tracked::default();
    let mut roots = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                roots.push(path.canonicalize().unwrap_or_else(|_| path.clone()));
            }
            Ok(meta) => out.candidates.push(Candidate {
                fs_path: path.clone(),
                display: display_path(&std::path::absolute(path).unwrap_or(path.clone()), &base),
                kind: FileKind::of_named(path),
                size: meta.len(),
            }),
            Err(err) => {
                let display = display_path(path, &base);
                out.problems.push(Problem::new(
                    ProblemCode::IoError,
                    format!("cannot read `{display}`: {}", io_message(&err)),
                    Some(Span::line(display, 0)),
                ));
            }
        }
    }
    if paths.is_empty() {
        roots.push(tree.root.clone());
    }
    for file in tree.tracked_files()? {
        if !roots.iter().any(|r| file.starts_with(r)) {
            continue;
        }
        let display = display_path(&file, &base);
        if file.file_name().is_some_and(|n| n == crate::config::CONFIG_FILE) {
            out.ignored_configs.push(display.clone());
        }
        let Some(kind) = FileKind::of(&file) else { continue };
        let Ok(meta) = std::fs::symlink_metadata(&file) else {
            // Tracked but deleted from the working tree: there is nothing to read.
            continue;
        };
        if meta.file_type().is_symlink() {
            match file.canonicalize() {
                Ok(target) if target.starts_with(&tree.root) => {
                    let Ok(meta) = std::fs::metadata(&target) else { continue };
                    if meta.is_file() {
                        out.candidates.push(Candidate {
                            display: display_path(&target, &base),
                            fs_path: target,
                            kind,
                            size: meta.len(),
                        });
                    }
                }
                Ok(_) => out.problems.push(Problem::new(
                    ProblemCode::OutsideTree,
                    format!(
                        "`{display}` is a symbolic link that leaves the repository; it was not read"
                    ),
                    Some(Span::line(display, 0)),
                )),
                // A dangling link: nothing can compile it either.
                Err(_) => {}
            }
            continue;
        }
        if meta.is_file() {
            out.candidates.push(Candidate { fs_path: file, display, kind, size: meta.len() });
        }
    }
    out.candidates.sort_by(|a, b| a.display.cmp(&b.display));
    out.candidates.dedup_by(|a, b| a.display == b.display);
    out.ignored_configs.sort();
    Ok(out)
}

fn walk(
    root: &Path,
    follow_links: bool,
    base: &Path,
    found: &mut Vec<Candidate>,
    problems: &mut Vec<Problem>,
) {
    let walker = ignore::WalkBuilder::new(root)
        // ripgrep only reads `.gitignore` inside a repository; a linter run on an unpacked
        // crate or a fresh project should still skip what the project ignores.
        .require_git(false)
        // What is checked must not depend on the machine: the user's global git excludes and
        // `.git/info/exclude` are not part of the project, and `.ignore` is ripgrep's, not git's.
        .git_global(false)
        .git_exclude(false)
        .ignore(false)
        .follow_links(follow_links)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(entry.depth() > 0 && is_dir && entry.file_name() == "target")
        })
        .build();
    for result in walker {
        match result {
            Ok(entry) => {
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                let Some(kind) = FileKind::of(entry.path()) else {
                    continue;
                };
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                found.push(Candidate {
                    fs_path: entry.path().to_path_buf(),
                    display: display_path(entry.path(), base),
                    kind,
                    size,
                });
            }
            Err(err) => problems.push(walk_problem(&err, base)),
        }
    }
}

/// A walk error as a problem, keeping the path it names when there is one.
fn walk_problem(err: &ignore::Error, base: &Path) -> Problem {
    let (path, message) = describe(err, base);
    let span = path.map(|p| Span::line(p, 0));
    Problem::new(ProblemCode::IoError, message, span)
}

fn describe(err: &ignore::Error, base: &Path) -> (Option<String>, String) {
    match err {
        ignore::Error::WithPath { path, err } => {
            let display = display_path(path, base);
            let (_, inner) = describe(err, base);
            (Some(display.clone()), format!("cannot read `{display}`: {inner}"))
        }
        ignore::Error::Loop { ancestor, child } => {
            let child = display_path(child, base);
            let ancestor = display_path(ancestor, base);
            (Some(child.clone()), format!("symlink loop: `{child}` points to `{ancestor}`"))
        }
        ignore::Error::WithDepth { err, .. } => describe(err, base),
        ignore::Error::WithLineNumber { line, err } => {
            let (path, inner) = describe(err, base);
            (path, format!("line {line}: {inner}"))
        }
        ignore::Error::Io(err) => (None, io_message(err)),
        ignore::Error::Partial(errs) => match errs.first() {
            Some(first) => describe(first, base),
            None => (None, "error while walking the directory".to_string()),
        },
        other => (None, lowercase_message(&other.to_string())),
    }
}

/// `std::io::Error` messages, lowercased and without the trailing period some platforms add.
pub(crate) fn io_message(err: &std::io::Error) -> String {
    lowercase_message(&err.to_string())
}

fn lowercase_message(text: &str) -> String {
    let text = text.trim().trim_end_matches('.');
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `path` relative to `base` when it lies inside it, `/`-separated, without `./` prefixes.
pub(crate) fn display_path(path: &Path, base: &Path) -> String {
    let relative = if path.is_absolute() { path.strip_prefix(base).unwrap_or(path) } else { path };
    let mut parts: Vec<String> = Vec::new();
    for component in relative.components() {
        match component {
            Component::CurDir => {}
            Component::RootDir => parts.push(String::new()),
            Component::ParentDir => parts.push("..".to_string()),
            Component::Prefix(prefix) => {
                parts.push(prefix.as_os_str().to_string_lossy().into_owned())
            }
            Component::Normal(name) => parts.push(name.to_string_lossy().into_owned()),
        }
    }
    match parts.as_slice() {
        [] => ".".to_string(),
        [only] if only.is_empty() => "/".to_string(),
        _ => parts.join("/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{write, write_files};

    fn displays(found: &[Candidate]) -> Vec<&str> {
        found.iter().map(|c| c.display.as_str()).collect()
    }

    #[test]
    fn display_paths_are_relative_and_slash_separated() {
        let base = Path::new("/srv/project");
        assert_eq!(display_path(Path::new("/srv/project/src/lib.rs"), base), "src/lib.rs");
        assert_eq!(display_path(Path::new("./src/lib.rs"), base), "src/lib.rs");
        assert_eq!(display_path(Path::new("../other/x.rs"), base), "../other/x.rs");
        assert_eq!(display_path(Path::new("/elsewhere/x.rs"), base), "/elsewhere/x.rs");
        assert_eq!(display_path(Path::new("."), base), ".");
    }

    #[test]
    fn walks_rust_files_honouring_gitignore_and_skipping_target() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write_files(
            root,
            &[
                ("src/lib.rs", ""),
                ("src/b/mod.rs", ""),
                ("src/notes.txt", ""),
                ("target/debug/build.rs", ""),
                ("gen/out.rs", ""),
                (".gitignore", "gen/\n"),
            ],
        );
        let (found, problems) = discover(&[root.to_path_buf()], false, root);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(displays(&found), ["src/b/mod.rs", "src/lib.rs"]);
    }

    #[test]
    fn named_files_are_always_checked_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write_files(root, &[("target/x.rs", ""), ("build.rs.in", "")]);
        let paths =
            vec![root.join("target/x.rs"), root.join("build.rs.in"), root.join("target/x.rs")];
        let (found, problems) = discover(&paths, false, root);
        assert!(problems.is_empty());
        assert_eq!(displays(&found), ["build.rs.in", "target/x.rs"]);
    }

    #[test]
    fn a_missing_path_is_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let (found, problems) = discover(&[dir.path().join("nope")], false, dir.path());
        assert!(found.is_empty());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, ProblemCode::IoError);
        assert!(problems[0].message.starts_with("cannot read `nope`"), "{}", problems[0].message);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_loop_is_a_problem_and_the_walk_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(&root.join("a/lib.rs"), "");
        std::os::unix::fs::symlink(root.join("a"), root.join("a/again")).unwrap();
        let (found, problems) = discover(&[root.to_path_buf()], true, root);
        assert_eq!(displays(&found), ["a/lib.rs"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("symlink loop"), "{}", problems[0].message);
    }
}
