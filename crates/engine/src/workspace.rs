//! `Cargo.toml` read as text (cargo is never run, nothing is executed): a package's name, a
//! workspace's `members` and `exclude`, path dependencies, and from those which crates belong
//! to a workspace, the way cargo decides it.
//!
//! A crate belongs to the workspace rooted at `root` when it is the root package, when a
//! `members` glob matches its folder, or when a member depends on it by `path` and it lies
//! under the root (cargo makes such path dependencies members too); never when an `exclude`
//! entry covers it. A crate outside any workspace is the workspace of itself and the path
//! dependencies under its folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::project::normalise;

pub(crate) const MANIFEST: &str = "Cargo.toml";

/// The largest `Cargo.toml` read; a larger one is reported, not read.
const MAX_MANIFEST_SIZE: u64 = 1024 * 1024;
/// How many folders the `members` globs of one workspace may expand to, and how deep `**`
/// descends: a hostile tree cannot make expanding them slow.
const MAX_EXPANDED: usize = 100_000;
const MAX_GLOB_DEPTH: usize = 64;

/// The parts of a `Cargo.toml` hooklint reads.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CargoToml {
    pub package: Option<Package>,
    pub workspace: Option<WorkspaceTable>,
    #[serde(flatten)]
    deps: Dependencies,
    #[serde(default)]
    target: BTreeMap<String, Dependencies>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Package {
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct WorkspaceTable {
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// The three dependency tables, of a manifest and of each `[target.'cfg(...)']`.
#[derive(Debug, Default, Deserialize)]
struct Dependencies {
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, toml::Value>,
    #[serde(default, rename = "build-dependencies")]
    build_dependencies: BTreeMap<String, toml::Value>,
}

impl CargoToml {
    /// The `path` of every dependency, as written.
    fn path_dependencies(&self) -> Vec<&str> {
        std::iter::once(&self.deps)
            .chain(self.target.values())
            .flat_map(|d| [&d.dependencies, &d.dev_dependencies, &d.build_dependencies])
            .flat_map(|t| t.values())
            .filter_map(|dep| dep.get("path").and_then(toml::Value::as_str))
            .collect()
    }
}

/// A `Cargo.toml` that cannot be read or is not valid TOML, positioned in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ManifestError {
    /// The `Cargo.toml` file.
    pub path: PathBuf,
    /// 1-based; 0 when the error has no place in the file.
    pub line: u32,
    pub message: String,
}

/// Reads `dir/Cargo.toml`: `None` when there is none, else the parsed manifest or why it
/// cannot be read. Only a regular file of at most 1 MiB is read (a FIFO is refused without
/// blocking).
pub(crate) fn load(dir: &Path) -> Option<Result<CargoToml, ManifestError>> {
    let path = dir.join(MANIFEST);
    if !path.is_file() {
        return None;
    }
    let error = |line: u32, message: String| ManifestError { path: path.clone(), line, message };
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        // A link can point anywhere, outside the checked tree too: it is not followed.
        return Some(Err(error(0, "it is a symbolic link, which is not followed".into())));
    }
    let text = match crate::load::read_text(&path, MAX_MANIFEST_SIZE) {
        Ok(text) => text,
        Err(why) => return Some(Err(error(0, why))),
    };
    Some(toml::from_str::<CargoToml>(&text).map_err(|err| {
        let line = err.span().map_or(0, |span| {
            let before = text.get(..span.start).unwrap_or(&text);
            u32::try_from(before.matches('\n').count() + 1).unwrap_or(u32::MAX)
        });
        let message = err.message().trim().trim_end_matches('.').to_string();
        error(line, message)
    }))
}

/// `dir/Cargo.toml`, parsed; `None` when there is none or it cannot be read. A manifest that
/// is not valid TOML still marks a crate root; it just has no name and no members.
pub(crate) fn read(dir: &Path) -> Option<CargoToml> {
    load(dir).map(Result::unwrap_or_default)
}

/// The crates of one workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Workspace {
    /// Absolute, normalised.
    pub root: PathBuf,
    /// Crate roots that belong to it, sorted: the root package, the `members`, their path
    /// dependencies under the root.
    pub members: BTreeSet<PathBuf>,
    /// Manifests of members that could not be read while following path dependencies.
    pub errors: Vec<ManifestError>,
}

impl Workspace {
    pub fn contains(&self, dir: &Path) -> bool {
        self.members.contains(dir)
    }

    /// The workspace whose root manifest (at `root`) is `manifest`. Without a `[workspace]`
    /// table, the crate itself and the path dependencies under its folder.
    pub fn of(root: &Path, manifest: &CargoToml) -> Workspace {
        let root = normalise(root);
        let (members, exclude) = match &manifest.workspace {
            Some(ws) => (ws.members.as_slice(), ws.exclude.as_slice()),
            None => (&[][..], &[][..]),
        };
        let exclude: Vec<PathBuf> =
            exclude.iter().map(|e| normalise(&root.join(e.trim_end_matches('/')))).collect();
        let excluded = |dir: &Path| exclude.iter().any(|e| dir.starts_with(e));
        let mut found: BTreeSet<PathBuf> = BTreeSet::new();
        if manifest.package.is_some() || manifest.workspace.is_none() {
            found.insert(root.clone());
        }
        for pattern in members {
            for dir in expand(&root, pattern) {
                if dir != root && !excluded(&dir) && dir.join(MANIFEST).is_file() {
                    found.insert(dir);
                }
            }
        }
        // Path dependencies of members that lie under the root are members too; one reached
        // through a symbolic link that leaves the root is not read.
        let real_root = root.canonicalize().unwrap_or_else(|_| root.clone());
        let mut errors = Vec::new();
        let mut queue: Vec<PathBuf> = found.iter().cloned().collect();
        while let Some(dir) = queue.pop() {
            let loaded;
            let this = if dir == root {
                manifest
            } else {
                match load(&dir) {
                    Some(Ok(m)) => {
                        loaded = m;
                        &loaded
                    }
                    Some(Err(err)) => {
                        errors.push(err);
                        continue;
                    }
                    None => continue,
                }
            };
            for path in this.path_dependencies() {
                let dep = normalise(&dir.join(path));
                if dep.starts_with(&root)
                    && !excluded(&dep)
                    && !found.contains(&dep)
                    && dep.join(MANIFEST).is_file()
                    && dep.canonicalize().is_ok_and(|real| real.starts_with(&real_root))
                {
                    found.insert(dep.clone());
                    queue.push(dep);
                }
            }
        }
        Workspace { root, members: found, errors }
    }
}

/// The workspace the crate at `package` belongs to: the nearest folder at or above it, not
/// above `ceiling`, whose `Cargo.toml` has a `[workspace]` that lists it (or is the crate's
/// own). Manifests on the way that cannot be read are added to `errors` and passed over.
pub(crate) fn find_workspace(
    package: &Path,
    ceiling: Option<&Path>,
    errors: &mut Vec<ManifestError>,
) -> Option<Workspace> {
    for dir in crate::project::ancestors(package, ceiling) {
        let manifest = match load(dir) {
            None => continue,
            Some(Err(err)) => {
                errors.push(err);
                continue;
            }
            Some(Ok(manifest)) => manifest,
        };
        if manifest.workspace.is_none() {
            continue;
        }
        let ws = Workspace::of(dir, &manifest);
        if dir == package || ws.contains(package) {
            return Some(ws);
        }
    }
    None
}

/// The folders a `members` entry names: its literal components joined, each glob component
/// (`*`, `?`, `[...]`, `{a,b}`) matched against the folder names at its level, `**` any
/// number of levels. Symbolic links are not followed. Bounded by [`MAX_EXPANDED`] folders.
fn expand(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let pattern = pattern.trim_end_matches('/');
    let mut frontier = vec![root.to_path_buf()];
    for component in pattern.split('/') {
        match component {
            "" | "." => {}
            ".." => frontier = frontier.iter().map(|d| normalise(&d.join(".."))).collect(),
            "**" => {
                let mut all = Vec::new();
                for dir in &frontier {
                    descendants(dir, 0, &mut all);
                }
                frontier = all;
            }
            literal if !literal.contains(['*', '?', '[', '{']) => {
                frontier = frontier.iter().map(|d| d.join(literal)).collect();
            }
            glob => {
                let Ok(glob) = globset::Glob::new(glob) else { return Vec::new() };
                let matcher = glob.compile_matcher();
                let mut next = Vec::new();
                for dir in &frontier {
                    for child in subdirs(dir) {
                        if child.file_name().is_some_and(|n| matcher.is_match(n))
                            && next.len() < MAX_EXPANDED
                        {
                            next.push(child);
                        }
                    }
                }
                frontier = next;
            }
        }
        frontier.truncate(MAX_EXPANDED);
    }
    frontier
}

/// The folders directly in `dir`, sorted; symbolic links left out.
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// `dir` and every folder under it (symbolic links not followed, `target/` left out), up to
/// [`MAX_GLOB_DEPTH`] levels and [`MAX_EXPANDED`] folders.
fn descendants(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if out.len() >= MAX_EXPANDED {
        return;
    }
    out.push(dir.to_path_buf());
    if depth >= MAX_GLOB_DEPTH {
        return;
    }
    for child in subdirs(dir) {
        if child.file_name().is_some_and(|n| n != "target") {
            descendants(&child, depth + 1, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{tree, write};
    use std::fs;

    fn workspace(root: &Path) -> Workspace {
        Workspace::of(root, &read(root).unwrap())
    }

    fn relative(ws: &Workspace) -> Vec<String> {
        ws.members.iter().map(|m| crate::project::relative_display(m, &ws.root)).collect()
    }

    #[test]
    fn members_globs_excludes_and_path_dependencies() {
        let (_dir, root) = tree(&[(
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\", \"tools/**/cli\"]\nexclude = [\"crates/old\"]\n",
        )]);
        for member in ["crates/api", "crates/old", "tools/a/b/cli", "shared/util", "shared/dev"] {
            write(&root.join(member).join("Cargo.toml"), "[package]\nname = \"x\"\n");
        }
        write(
            &root.join("crates/api/Cargo.toml"),
            "[package]\nname = \"api\"\n[dependencies]\nutil = { path = \"../../shared/util\" }\n\
             outside = { path = \"../../../elsewhere\" }\nserde = \"1\"\n\
             [target.'cfg(unix)'.dev-dependencies]\ndev = { path = \"../../shared/dev\" }\n",
        );
        // A folder without a manifest is no member, whatever the glob says.
        fs::create_dir_all(root.join("crates/notes")).unwrap();
        let ws = workspace(&root);
        assert_eq!(relative(&ws), ["crates/api", "shared/dev", "shared/util", "tools/a/b/cli"]);
        assert!(ws.errors.is_empty());
    }

    #[test]
    fn a_crate_outside_a_workspace_is_itself_and_its_path_dependencies() {
        let (_dir, root) = tree(&[
            (
                "Cargo.toml",
                "[package]\nname = \"app\"\n[build-dependencies]\ngen = { path = \"gen\" }\n",
            ),
            ("gen/Cargo.toml", "[package]\nname = \"gen\"\n"),
            ("examples/demo/Cargo.toml", "[package]\nname = \"demo\"\n"),
        ]);
        assert_eq!(relative(&workspace(&root)), [".", "gen"]);
    }

    #[test]
    fn a_malformed_manifest_is_an_error_with_its_line() {
        let (_dir, root) = tree(&[("Cargo.toml", "[package]\nname = \"a\"\nversion = \n")]);
        let err = load(&root).unwrap().unwrap_err();
        assert_eq!((err.path, err.line), (root.join("Cargo.toml"), 3));
        assert!(!err.message.is_empty());
        assert!(load(&root.join("nope")).is_none());
        // Read leniently, it still marks a crate root.
        assert!(read(&root).is_some_and(|m| m.package.is_none()));
    }

    #[cfg(unix)]
    #[test]
    fn globs_do_not_follow_symbolic_links() {
        let (_dir, root) = tree(&[
            ("Cargo.toml", "[workspace]\nmembers = [\"**\"]\n"),
            ("a/Cargo.toml", "[package]\nname = \"a\"\n"),
        ]);
        std::os::unix::fs::symlink(&root, root.join("a/loop")).unwrap();
        assert_eq!(relative(&workspace(&root)), ["a"]);
    }
}
