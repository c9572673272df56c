//! Which project a run checks, found the way cargo finds it: the nearest `Cargo.toml` at or
//! above the working directory (or a named path), a workspace and its members, and where
//! paths in the output are shown from.
//!
//! A run has a base directory that every fact path is relative to (so module paths,
//! fingerprints and baselines do not depend on where hooklint was started) and, when paths
//! inside a crate were named, a scope: the index is built from the whole crate while findings
//! are reported only for the named files and directories.

use std::path::{Component, Path, PathBuf};

use crate::workspace::{self, Workspace, MANIFEST};

/// What a run checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Absolute directory every reported fact path is relative to.
    pub base: PathBuf,
    /// What to walk or read: whole crate roots and paths named outside any crate.
    pub paths: Vec<PathBuf>,
    /// Files named inside a crate: always checked, even when `.gitignore` would skip them.
    pub named: Vec<PathBuf>,
    /// When set, findings are reported only in these paths (relative to `base`,
    /// `/`-separated; a directory covers everything under it).
    pub scope: Option<Vec<String>>,
    /// Absolute directory fingerprints name paths relative to: the workspace root of the
    /// checked crates (or the crate root outside a workspace), so that a baseline written for
    /// the workspace matches a run in one member and the other way round; `base` when the
    /// run is not one workspace or crate.
    pub root: PathBuf,
}

/// Usage errors of the project flags, with a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectError {
    pub message: String,
    pub help: Vec<String>,
}

/// How the project flags select the root.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `--manifest-path`: a `Cargo.toml` (or its directory).
    pub manifest_path: Option<PathBuf>,
    /// `-p/--package`: members of the workspace by name.
    pub packages: Vec<String>,
    /// `--workspace`: the whole workspace.
    pub workspace: bool,
    /// Gate mode: the checked tree's root. No `Cargo.toml` above it is read, so the tree
    /// cannot make the run start (or look for a workspace) outside itself.
    pub ceiling: Option<PathBuf>,
}

/// `dir` and its ancestors, up to `ceiling` (inclusive) when there is one.
pub(crate) fn ancestors<'a>(
    dir: &'a Path,
    ceiling: Option<&'a Path>,
) -> impl Iterator<Item = &'a Path> {
    dir.ancestors().take_while(move |d| ceiling.is_none_or(|c| d.starts_with(c)))
}

/// The nearest directory at or above `start` (and not above `ceiling`) that holds a
/// `Cargo.toml`.
pub fn package_root(start: &Path, ceiling: Option<&Path>) -> Option<PathBuf> {
    ancestors(start, ceiling).find(|dir| dir.join(MANIFEST).is_file()).map(Path::to_path_buf)
}

/// The workspace `package` (a crate root) belongs to: the nearest directory at or above it
/// whose `Cargo.toml` has a `[workspace]` that it belongs to (see [`crate::workspace`]), not
/// above `ceiling`.
pub fn workspace_root(package: &Path, ceiling: Option<&Path>) -> Option<PathBuf> {
    workspace::find_workspace(package, ceiling, &mut Vec::new()).map(|ws| ws.root)
}

/// Members of the workspace rooted at `root` that have a package name, with it, sorted by
/// path.
fn members(root: &Path) -> Vec<(String, PathBuf)> {
    let Some(manifest) = workspace::read(root) else { return Vec::new() };
    let ws = Workspace::of(root, &manifest);
    ws.members
        .into_iter()
        .filter_map(|dir| {
            let name = if dir == ws.root {
                manifest.package.as_ref()?.name.clone()?
            } else {
                workspace::read(&dir)?.package?.name?
            };
            Some((name, dir))
        })
        .collect()
}

/// Plans a run from the working directory `cwd` (absolute), the paths given on the command
/// line (relative to `cwd` or absolute) and the project flags.
pub fn plan(cwd: &Path, paths: &[PathBuf], selection: &Selection) -> Result<Plan, ProjectError> {
    let selecting =
        selection.manifest_path.is_some() || !selection.packages.is_empty() || selection.workspace;
    if selecting && !paths.is_empty() {
        return Err(ProjectError {
            message: "paths cannot be combined with --manifest-path, --package or --workspace"
                .into(),
            help: vec!["name either the files to check or the package".into()],
        });
    }
    if paths.is_empty() {
        let root = selected_root(cwd, selection)?;
        return Ok(match root {
            Root::One(dir) => {
                let root =
                    fingerprint_root(std::slice::from_ref(&dir), selection.ceiling.as_deref())
                        .unwrap_or_else(|| dir.clone());
                Plan { base: dir.clone(), paths: vec![dir], named: vec![], scope: None, root }
            }
            Root::Many(base, dirs) => {
                let root = base.clone();
                Plan { base, paths: dirs, named: vec![], scope: None, root }
            }
        });
    }
    let mut roots: Vec<PathBuf> = Vec::new();
    let mut plain: Vec<PathBuf> = Vec::new();
    let mut named: Vec<PathBuf> = Vec::new();
    let mut scoped: Vec<PathBuf> = Vec::new();
    for given in paths {
        let absolute = normalise(&cwd.join(given));
        match crate_of(&absolute, selection.ceiling.as_deref()) {
            Some(root) if root == absolute => roots.push(root),
            Some(root) => {
                if absolute.is_file() {
                    named.push(absolute.clone());
                }
                scoped.push(absolute);
                roots.push(root);
            }
            None => plain.push(absolute),
        }
    }
    roots.sort();
    roots.dedup();
    // One crate and nothing outside it: paths are relative to the crate. Otherwise they stay
    // relative to the working directory, as they were given.
    let single = roots.len() == 1 && plain.is_empty();
    let base = if single { roots[0].clone() } else { cwd.to_path_buf() };
    let scope = if scoped.is_empty() {
        None
    } else {
        // Whole crates and plain paths named beside a scoped file are reported in full.
        let whole = roots.iter().filter(|r| paths.iter().any(|p| normalise(&cwd.join(p)) == **r));
        let all: Vec<String> =
            scoped.iter().chain(whole).chain(&plain).map(|p| relative_display(p, &base)).collect();
        Some(all)
    };
    let root = if plain.is_empty() {
        fingerprint_root(&roots, selection.ceiling.as_deref())
    } else {
        None
    };
    let root = root.unwrap_or_else(|| base.clone());
    let mut walk = roots;
    walk.extend(plain);
    Ok(Plan { base, paths: walk, named, scope, root })
}

/// The directory fingerprints of a run over the crate roots `roots` are relative to: their
/// common workspace root, or the one crate's root outside a workspace; `None` when they are
/// not one workspace.
fn fingerprint_root(roots: &[PathBuf], ceiling: Option<&Path>) -> Option<PathBuf> {
    let mut found: Option<PathBuf> = None;
    for root in roots {
        if !root.join(MANIFEST).is_file() {
            return None;
        }
        let ws = workspace_root(root, ceiling).unwrap_or_else(|| root.clone());
        match &found {
            Some(seen) if *seen != ws => return None,
            _ => found = Some(ws),
        }
    }
    found
}

enum Root {
    One(PathBuf),
    /// Several packages: the directory paths are relative to, and the package roots.
    Many(PathBuf, Vec<PathBuf>),
}

/// The root for a run without paths: `--manifest-path`'s directory, else the nearest crate
/// above `cwd` (or `cwd` itself outside any crate); widened to its workspace with
/// `--workspace`, narrowed to members with `-p`.
fn selected_root(cwd: &Path, selection: &Selection) -> Result<Root, ProjectError> {
    let start = match &selection.manifest_path {
        Some(path) => {
            let path = normalise(&cwd.join(path));
            let dir = if path.file_name().is_some_and(|n| n == MANIFEST) {
                path.parent().map(Path::to_path_buf).unwrap_or_default()
            } else {
                path.clone()
            };
            if !dir.join(MANIFEST).is_file() {
                return Err(ProjectError {
                    message: format!("manifest path `{}` does not exist", path.display()),
                    help: vec!["--manifest-path takes a Cargo.toml".into()],
                });
            }
            dir
        }
        None => match package_root(cwd, selection.ceiling.as_deref()) {
            Some(root) => root,
            None if selection.workspace || !selection.packages.is_empty() => {
                return Err(ProjectError {
                    message: format!(
                        "could not find `{MANIFEST}` in `{}` or any parent directory",
                        cwd.display()
                    ),
                    help: vec![],
                });
            }
            None => return Ok(Root::One(cwd.to_path_buf())),
        },
    };
    if !selection.workspace && selection.packages.is_empty() {
        return Ok(Root::One(start));
    }
    let ws_root =
        workspace_root(&start, selection.ceiling.as_deref()).unwrap_or_else(|| start.clone());
    if selection.packages.is_empty() {
        return Ok(Root::One(ws_root));
    }
    let all = members(&ws_root);
    let mut dirs = Vec::new();
    for name in &selection.packages {
        match all.iter().find(|(n, _)| n == name) {
            Some((_, dir)) => dirs.push(dir.clone()),
            None => {
                let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
                let mut help = Vec::new();
                if let Some(s) = hooklint_model::suggest::did_you_mean(name, &names) {
                    help.push(format!("did you mean `{s}`?"));
                }
                help.push(format!("packages in this workspace: {}", names.join(", ")));
                return Err(ProjectError {
                    message: format!("package `{name}` not found in the workspace"),
                    help,
                });
            }
        }
    }
    dirs.sort();
    dirs.dedup();
    Ok(match dirs.as_slice() {
        [one] => Root::One(one.clone()),
        _ => Root::Many(ws_root, dirs),
    })
}

/// The crate a named path belongs to for the index: the nearest crate root at or above it,
/// when the path is that root or lies in one of its cargo target directories (`src/`,
/// `tests/`, `benches/`, `examples/`, `build.rs`). Anything else (a fixture or data folder of
/// the crate, a file outside any crate) is checked as given.
fn crate_of(path: &Path, ceiling: Option<&Path>) -> Option<PathBuf> {
    let start = if path.is_dir() { path } else { path.parent()? };
    let root = package_root(start, ceiling)?;
    if root == path {
        return Some(root);
    }
    let relative = path.strip_prefix(&root).ok()?;
    let first = relative.components().next()?;
    let in_target = matches!(
        first.as_os_str().to_str(),
        Some("src" | "tests" | "benches" | "examples" | "build.rs")
    );
    in_target.then_some(root)
}

/// `path` shown relative to `base`, `/`-separated (with `..` when outside it).
pub fn relative_display(path: &Path, base: &Path) -> String {
    let rel = relative_path(path, base);
    let shown = slash_path(&rel);
    if shown.is_empty() {
        ".".into()
    } else {
        shown
    }
}

/// The relative path from `base` to `path`, both absolute and normalised; `path` itself when
/// they share no prefix (another drive).
pub fn relative_path(path: &Path, base: &Path) -> PathBuf {
    let path_parts: Vec<Component> = path.components().collect();
    let base_parts: Vec<Component> = base.components().collect();
    let common = path_parts.iter().zip(&base_parts).take_while(|(a, b)| a == b).count();
    // Sharing only the file system's root, `../../..` says less than the absolute path.
    let only_root = path_parts.iter().take(common).all(|c| matches!(c, Component::RootDir));
    if common == 0 || (only_root && base_parts.len() > 1) {
        return path.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..base_parts.len() {
        out.push("..");
    }
    for part in &path_parts[common..] {
        out.push(part.as_os_str());
    }
    out
}

/// Removes `.` and folds `..` lexically (the paths are the user's, not resolved links).
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn slash_path(path: &Path) -> String {
    if path.has_root() {
        return path.to_string_lossy().replace('\\', "/");
    }
    let parts: Vec<String> =
        path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}

/// Whether `file` (relative to the base, `/`-separated) lies in one of the scope's paths.
pub fn in_scope(scope: &[String], file: &str) -> bool {
    scope.iter().any(|s| {
        s == "." || file == s || (file.starts_with(s.as_str()) && file[s.len()..].starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::tree;

    /// A workspace with a root package, two members and an excluded crate.
    fn workspace() -> (tempfile::TempDir, PathBuf) {
        tree(&[
            (
                "Cargo.toml",
                "[package]\nname = \"app\"\n[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/old\"]\n",
            ),
            ("src/main.rs", ""),
            ("crates/api/Cargo.toml", "[package]\nname = \"api\"\n"),
            ("crates/api/src/lib.rs", ""),
            ("crates/db/Cargo.toml", "[package]\nname = \"db\"\n"),
            ("crates/db/src/lib.rs", ""),
            ("crates/old/Cargo.toml", "[package]\nname = \"old\"\n"),
            ("fixtures/bad.rs", ""),
        ])
    }

    #[test]
    fn the_root_is_the_nearest_crate_above_the_working_directory() {
        let (_dir, root) = workspace();
        let none = Selection::default();
        let plan = plan(&root.join("src"), &[], &none).unwrap();
        assert_eq!(plan.base, root);
        assert_eq!(plan.paths, std::slice::from_ref(&root));
        assert_eq!(plan.scope, None);
        let plan = super::plan(&root.join("crates/api/src"), &[], &none).unwrap();
        assert_eq!(plan.paths, [root.join("crates/api")]);
        let ws = Selection { workspace: true, ..Selection::default() };
        let plan = super::plan(&root.join("crates/api/src"), &[], &ws).unwrap();
        assert_eq!(plan.paths, std::slice::from_ref(&root));
    }

    /// Fingerprints are relative to the workspace root however a member is selected; outside
    /// a workspace, to the crate root; outside any crate, to the base.
    #[test]
    fn fingerprints_are_relative_to_the_workspace_root() {
        let (_dir, root) = workspace();
        let none = Selection::default();
        let in_member = plan(&root.join("crates/api/src"), &[], &none).unwrap();
        assert_eq!((in_member.base, in_member.root), (root.join("crates/api"), root.clone()));
        let by_name = Selection { packages: vec!["db".into()], ..Selection::default() };
        assert_eq!(plan(&root, &[], &by_name).unwrap().root, root);
        let by_path = plan(&root, &[PathBuf::from("crates/db")], &none).unwrap();
        assert_eq!((by_path.base, by_path.root), (root.join("crates/db"), root.clone()));
        let two = [PathBuf::from("crates/api"), PathBuf::from("crates/db/src/lib.rs")];
        assert_eq!(plan(&root.join("src"), &two, &none).unwrap().root, root);
        // An excluded crate is no member: its own root.
        let old = plan(&root.join("crates/old"), &[], &none).unwrap();
        assert_eq!(old.root, root.join("crates/old"));
        // A plain path beside a crate: the base.
        let mixed = [PathBuf::from("crates/db"), PathBuf::from("fixtures/bad.rs")];
        let mixed = plan(&root, &mixed, &none).unwrap();
        assert_eq!(mixed.root, mixed.base);
    }

    #[test]
    fn outside_any_crate_the_working_directory_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().canonicalize().unwrap();
        let plan = plan(&cwd, &[], &Selection::default()).unwrap();
        assert_eq!((plan.base.clone(), plan.paths), (cwd.clone(), vec![cwd]));
    }

    #[test]
    fn manifest_path_and_packages_select_the_root() {
        let (_dir, root) = workspace();
        let by_path = Selection {
            manifest_path: Some(PathBuf::from("crates/db/Cargo.toml")),
            ..Selection::default()
        };
        assert_eq!(plan(&root, &[], &by_path).unwrap().paths, [root.join("crates/db")]);
        let by_name = Selection { packages: vec!["db".into()], ..Selection::default() };
        let from = root.join("crates/api");
        assert_eq!(plan(&from, &[], &by_name).unwrap().paths, [root.join("crates/db")]);
        let two = Selection { packages: vec!["db".into(), "app".into()], ..Selection::default() };
        let planned = plan(&root, &[], &two).unwrap();
        assert_eq!(planned.base, root);
        assert_eq!(planned.paths, [root.clone(), root.join("crates/db")]);
        let typo = Selection { packages: vec!["dbb".into()], ..Selection::default() };
        let err = plan(&root, &[], &typo).unwrap_err();
        assert_eq!(err.message, "package `dbb` not found in the workspace");
        assert_eq!(err.help[0], "did you mean `db`?");
        let excluded = Selection { packages: vec!["old".into()], ..Selection::default() };
        assert!(plan(&root, &[], &excluded).is_err());
        let missing =
            Selection { manifest_path: Some("nope/Cargo.toml".into()), ..Selection::default() };
        assert!(plan(&root, &[], &missing).is_err());
        assert!(plan(&root, &[PathBuf::from("src")], &two).is_err());
    }

    #[test]
    fn a_named_file_in_a_crate_is_checked_with_its_whole_crate() {
        let (_dir, root) = workspace();
        let from_src = plan(&root.join("src"), &[PathBuf::from("main.rs")], &Selection::default());
        let from_root = plan(&root, &[PathBuf::from("src/main.rs")], &Selection::default());
        let expected = Plan {
            base: root.clone(),
            paths: vec![root.clone()],
            named: vec![root.join("src/main.rs")],
            scope: Some(vec!["src/main.rs".into()]),
            root: root.clone(),
        };
        assert_eq!(from_src.unwrap(), expected);
        assert_eq!(from_root.unwrap(), expected);
        // A fixture folder of the crate is no target of it: checked as given.
        let fixture = plan(&root, &[PathBuf::from("fixtures/bad.rs")], &Selection::default());
        let fixture = fixture.unwrap();
        assert_eq!((fixture.paths, fixture.scope), (vec![root.join("fixtures/bad.rs")], None));
        // Two crates: paths stay relative to the working directory.
        let two = [PathBuf::from("crates/api/src/lib.rs"), PathBuf::from("crates/db")];
        let planned = plan(&root, &two, &Selection::default()).unwrap();
        assert_eq!(planned.base, root);
        assert_eq!(planned.paths, [root.join("crates/api"), root.join("crates/db")]);
        assert_eq!(
            planned.scope,
            Some(vec!["crates/api/src/lib.rs".to_string(), "crates/db".to_string()])
        );
    }

    #[test]
    fn relative_paths_and_scopes() {
        let base = Path::new("/p/app");
        assert_eq!(relative_display(Path::new("/p/app/src/a.rs"), base), "src/a.rs");
        assert_eq!(relative_display(Path::new("/p/app"), base), ".");
        assert_eq!(relative_display(Path::new("/p/app/src/a.rs"), Path::new("/p/app/src")), "a.rs");
        assert_eq!(relative_display(Path::new("/p/app/x.rs"), Path::new("/p/app/src")), "../x.rs");
        assert_eq!(relative_display(Path::new("/q/x.rs"), Path::new("/p/app")), "/q/x.rs");
        assert_eq!(normalise(Path::new("/p/./app/../b")), Path::new("/p/b"));
        let scope = vec!["src/a.rs".to_string(), "src/h".to_string()];
        assert!(in_scope(&scope, "src/a.rs"));
        assert!(in_scope(&scope, "src/h/x.rs"));
        assert!(!in_scope(&scope, "src/hx.rs"));
        assert!(!in_scope(&scope, "src/b.rs"));
    }
}
