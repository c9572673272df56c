//! Finding the files to check: named files as given, directories walked with `.gitignore`
//! honoured (inside a git repository or not), `target/` skipped, and code the project does
//! not own (`foreign.rs`) skipped and counted unless it is asked for.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use hooklint_model::{Problem, ProblemCode, SkippedFolder, Span};

use crate::foreign::{self, Foreign};
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

/// Whether discovery skips code the project does not own (`foreign.rs`), and where the
/// search for workspaces stops.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SkipForeign<'a> {
    pub skip: bool,
    /// Gate mode: the checked tree's root; no `Cargo.toml` above it is read.
    pub ceiling: Option<&'a Path>,
    /// Paths named inside the walked roots (the run's scope): never skipped.
    pub named: &'a [PathBuf],
}

/// What discovery found.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub candidates: Vec<Candidate>,
    pub problems: Vec<Problem>,
    /// Folders left out as foreign, sorted by path, with the files they hold.
    pub skipped: Vec<SkippedFolder>,
}

pub(crate) fn discover(
    paths: &[PathBuf],
    follow_links: bool,
    base: &Path,
    foreign: SkipForeign<'_>,
) -> Found {
    let default_root = [PathBuf::from(".")];
    let roots = if paths.is_empty() { &default_root[..] } else { paths };
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut skipped = Vec::new();
    let walked: Vec<PathBuf> =
        roots.iter().filter(|r| r.is_dir()).map(|r| foreign::absolute(r)).collect();
    for root in roots {
        match std::fs::metadata(root) {
            Ok(meta) if meta.is_dir() => {
                let classifier = foreign.skip.then(|| {
                    Arc::new(Foreign::new(root, foreign.ceiling).with_named(foreign.named))
                });
                walk(root, follow_links, base, classifier.clone(), &mut found, &mut problems);
                if let Some(classifier) = classifier.and_then(Arc::into_inner) {
                    let (dirs, manifest_problems) = classifier.finish(base);
                    problems.extend(manifest_problems);
                    for (dir, verdict) in dirs {
                        // A folder with nothing discovery would check left nothing out.
                        let files = count_files(&dir, follow_links, &walked);
                        if files > 0 {
                            skipped.push(foreign::skipped_folder(&dir, &verdict, files, base));
                        }
                    }
                }
            }
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
    skipped.sort();
    skipped.dedup_by(|a, b| a.path == b.path);
    Found { candidates: found, problems, skipped }
}

/// The files under a skipped folder that discovery would have checked: walked as a root is,
/// leaving out the other walked roots (their files are checked).
fn count_files(dir: &Path, follow_links: bool, walked: &[PathBuf]) -> usize {
    let walked = walked.to_vec();
    builder(dir, follow_links)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(entry.depth() > 0
                && is_dir
                && (entry.file_name() == "target"
                    || walked.contains(&foreign::absolute(entry.path()))))
        })
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()) && FileKind::of(e.path()).is_some())
        .count()
}

/// Gate mode's discovery: every file git tracks under `paths` (the whole tree when empty),
/// whatever ignore files say, hidden and `target/` folders included.
#[derive(Debug, Default)]
pub(crate) struct Tracked {
    pub candidates: Vec<Candidate>,
    pub problems: Vec<Problem>,
    /// `hooklint.toml` files among them: gate mode reads none of them, and says so.
    pub ignored_configs: Vec<String>,
    /// Folders left out as foreign (when the trusted configuration asks for it).
    pub skipped: Vec<SkippedFolder>,
}

/// Lists the tracked files of `tree` under `paths`. A tracked symbolic link with a checkable
/// name is followed when its target is inside the tree (the target is checked under its own
/// path) and reported when it leaves the tree. Named files are always checked.
pub(crate) fn discover_tracked(
    paths: &[PathBuf],
    tree: &Tree,
    base: &Path,
    skip_foreign: bool,
    named: &[PathBuf],
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
    let classifiers: Vec<Foreign> = if skip_foreign {
        roots.iter().map(|r| Foreign::new(r, Some(&tree.root)).with_named(named)).collect()
    } else {
        Vec::new()
    };
    // Folders already decided, and the files of each skipped one.
    let mut decided: std::collections::HashMap<PathBuf, bool> = Default::default();
    let mut skipped_files: std::collections::BTreeMap<PathBuf, usize> = Default::default();
    for file in tree.tracked_files()? {
        if !roots.iter().any(|r| file.starts_with(r)) {
            continue;
        }
        // The outermost foreign folder between the file's root and the file, if any.
        let skipped_in = classifiers.iter().find(|c| file.starts_with(c.root())).and_then(|c| {
            let below: Vec<&Path> = file
                .ancestors()
                .skip(1)
                .take_while(|a| *a != c.root() && a.starts_with(c.root()))
                .collect();
            below
                .into_iter()
                .rev()
                .find(|dir| *decided.entry(dir.to_path_buf()).or_insert_with(|| c.skips(dir)))
        });
        if let Some(dir) = skipped_in {
            if FileKind::of(&file).is_some() {
                *skipped_files.entry(dir.to_path_buf()).or_default() += 1;
            }
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
    for classifier in classifiers {
        let (dirs, problems) = classifier.finish(&base);
        out.problems.extend(problems);
        for (dir, verdict) in dirs {
            if let Some(&files) = skipped_files.get(&dir) {
                out.skipped.push(foreign::skipped_folder(&dir, &verdict, files, &base));
            }
        }
    }
    out.skipped.sort();
    out.skipped.dedup_by(|a, b| a.path == b.path);
    Ok(out)
}

/// The walker every directory is read with.
fn builder(root: &Path, follow_links: bool) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        // ripgrep only reads `.gitignore` inside a repository; a linter run on an unpacked
        // crate or a fresh project should still skip what the project ignores.
        .require_git(false)
        // What is checked must not depend on the machine: the user's global git excludes and
        // `.git/info/exclude` are not part of the project, and `.ignore` is ripgrep's, not git's.
        .git_global(false)
        .git_exclude(false)
        .ignore(false)
        .follow_links(follow_links)
        .sort_by_file_name(|a, b| a.cmp(b));
    builder
}

fn walk(
    root: &Path,
    follow_links: bool,
    base: &Path,
    foreign: Option<Arc<Foreign>>,
    found: &mut Vec<Candidate>,
    problems: &mut Vec<Problem>,
) {
    let walker = builder(root, follow_links)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if entry.depth() == 0 || !is_dir {
                return true;
            }
            entry.file_name() != "target"
                && !foreign.as_ref().is_some_and(|f| f.skips(entry.path()))
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

    const SKIP: SkipForeign<'static> = SkipForeign { skip: true, ceiling: None, named: &[] };

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
        let Found { candidates: found, problems, .. } =
            discover(&[root.to_path_buf()], false, root, SKIP);
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
        let Found { candidates: found, problems, .. } = discover(&paths, false, root, SKIP);
        assert!(problems.is_empty());
        assert_eq!(displays(&found), ["build.rs.in", "target/x.rs"]);
    }

    #[test]
    fn a_missing_path_is_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let Found { candidates: found, problems, .. } =
            discover(&[dir.path().join("nope")], false, dir.path(), SKIP);
        assert!(found.is_empty());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, ProblemCode::IoError);
        assert!(problems[0].message.starts_with("cannot read `nope`"), "{}", problems[0].message);
    }

    #[test]
    fn foreign_folders_are_skipped_and_counted_unless_empty() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(&root.join("Cargo.toml"), "[package]\nname = \"app\"\n");
        write(&root.join("src/lib.rs"), "");
        write(&root.join("vendor/a/lib.rs"), "");
        write(&root.join("vendor/a/b.yaml"), "");
        write(&root.join("vendor/a/README.md"), "");
        write(&root.join("third_party/notes.txt"), "");
        let found = discover(&[root.to_path_buf()], false, root, SKIP);
        assert_eq!(displays(&found.candidates), ["src/lib.rs"]);
        let skipped: Vec<(&str, usize)> =
            found.skipped.iter().map(|s| (s.path.as_str(), s.files)).collect();
        assert_eq!(skipped, [("vendor", 2)]);
        let all = SkipForeign { skip: false, ..SKIP };
        let found = discover(&[root.to_path_buf()], false, root, all);
        assert_eq!(
            displays(&found.candidates),
            ["src/lib.rs", "vendor/a/b.yaml", "vendor/a/lib.rs"]
        );
        assert!(found.skipped.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_loop_is_a_problem_and_the_walk_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(&root.join("a/lib.rs"), "");
        std::os::unix::fs::symlink(root.join("a"), root.join("a/again")).unwrap();
        let Found { candidates: found, problems, .. } =
            discover(&[root.to_path_buf()], true, root, SKIP);
        assert_eq!(displays(&found), ["a/lib.rs"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("symlink loop"), "{}", problems[0].message);
    }
}
