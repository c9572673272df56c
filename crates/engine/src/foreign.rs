//! Code the project does not own or ship, which discovery skips unless `include-foreign`:
//! `vendor/`, `third_party/` and `third-party/` folders (copies of other projects), and
//! folders with their own `Cargo.toml` that are not members of the checked workspace (see
//! [`crate::workspace`] for how membership is decided; a `Cargo.toml` with its own
//! `[workspace]` is another project).
//!
//! The workspace is the one of the nearest crate at or above the folder, up to the walked
//! root: walking a crate, its workspace decides; walking a folder that is no crate (the
//! user named it, or no `Cargo.toml` is around), the first crates met under it are projects
//! of their own, and what is nested in them is decided by their workspaces. The walked root
//! itself is never skipped: a path named on the command line is always checked.
//!
//! A `Cargo.toml` that cannot be read is a `cargo-manifest-error` problem; the folders it
//! would have decided are checked, never silently dropped.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use hooklint_model::{Problem, ProblemCode, SkipReason, SkippedFolder, Span};

use crate::discover::display_path;
use crate::project::normalise;
use crate::workspace::{self, ManifestError, Workspace, MANIFEST};

/// Folder names whose contents are other projects' code, whatever they contain.
pub(crate) const VENDORED: &[&str] = &["vendor", "third_party", "third-party"];

/// A folder found to be foreign: why, and the workspace root for `not-a-member`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub reason: SkipReason,
    pub workspace: Option<PathBuf>,
}

/// Decides, for the folders under one walked root, which are foreign; remembers what it
/// skipped and the manifests it could not read. Shared by the walker's threads.
#[derive(Debug)]
pub(crate) struct Foreign {
    /// The walked root, absolute and normalised.
    root: PathBuf,
    /// Gate mode: no `Cargo.toml` above the checked tree is read.
    ceiling: Option<PathBuf>,
    /// Paths named on the command line inside the root (absolute, normalised): never
    /// skipped, nor their ancestors, and the crates under a named folder are projects of
    /// their own, as under a walked root.
    named: Vec<PathBuf>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The workspace of each crate root asked about; `None` when it cannot be known (a
    /// manifest on the way is unreadable), and then every crate under it is checked.
    workspaces: HashMap<PathBuf, Option<Arc<Workspace>>>,
    errors: BTreeMap<PathBuf, ManifestError>,
    skipped: BTreeMap<PathBuf, Verdict>,
}

impl Foreign {
    pub fn new(root: &Path, ceiling: Option<&Path>) -> Foreign {
        Foreign {
            root: absolute(root),
            ceiling: ceiling.map(Path::to_path_buf),
            named: Vec::new(),
            state: Mutex::new(State::default()),
        }
    }

    /// The same, with the paths named on the command line (see [`Foreign::named`]).
    pub fn with_named(mut self, named: &[PathBuf]) -> Foreign {
        self.named = named
            .iter()
            .map(|p| absolute(p))
            .filter(|p| p.starts_with(&self.root) && *p != self.root)
            .collect();
        self
    }

    /// The walked root, absolute and normalised.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the folder `dir` (under the root, as the walker names it) is skipped; a skipped
    /// folder is recorded.
    pub fn skips(&self, dir: &Path) -> bool {
        let dir = absolute(dir);
        if dir == self.root || !dir.starts_with(&self.root) {
            return false;
        }
        if self.named.iter().any(|n| n.starts_with(&dir)) {
            return false;
        }
        let Some(verdict) = self.classify(&dir) else { return false };
        self.lock().skipped.insert(dir, verdict);
        true
    }

    /// Why `dir` (absolute, normalised, strictly under the root) is not the project's code;
    /// `None` when it is.
    pub fn classify(&self, dir: &Path) -> Option<Verdict> {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if VENDORED.contains(&name) {
            return Some(Verdict { reason: SkipReason::Vendored, workspace: None });
        }
        let manifest = workspace::load(dir)?;
        // The crate around it, within the walked root or the named folder it is in: none
        // means a project of its own in a folder the user named.
        let boundary = self
            .named
            .iter()
            .filter(|n| dir.starts_with(n) && dir != n.as_path())
            .max_by_key(|n| n.as_os_str().len())
            .unwrap_or(&self.root);
        let around = dir
            .parent()?
            .ancestors()
            .take_while(|a| a.starts_with(boundary))
            .find(|a| a.join(MANIFEST).is_file())?
            .to_path_buf();
        match manifest {
            Ok(m) if m.workspace.is_some() => {
                return Some(Verdict { reason: SkipReason::OwnWorkspace, workspace: None });
            }
            Ok(_) => {}
            // Whether it has a `[workspace]` is unknown: its membership alone decides.
            Err(err) => self.error(err),
        }
        let ws = self.workspace_of(&around)?;
        if ws.contains(dir) {
            return None;
        }
        Some(Verdict { reason: SkipReason::NotAMember, workspace: Some(ws.root.clone()) })
    }

    /// The workspace of the crate at `krate`, found once.
    fn workspace_of(&self, krate: &Path) -> Option<Arc<Workspace>> {
        if let Some(known) = self.lock().workspaces.get(krate) {
            return known.clone();
        }
        let mut errors = Vec::new();
        let found = workspace::find_workspace(krate, self.ceiling.as_deref(), &mut errors);
        let ws = match found {
            // An unreadable manifest above the crate might have been its workspace.
            _ if !errors.is_empty() => None,
            Some(ws) => Some(ws),
            None => match workspace::load(krate) {
                Some(Ok(manifest)) => Some(Workspace::of(krate, &manifest)),
                Some(Err(err)) => {
                    errors.push(err);
                    None
                }
                None => None,
            },
        };
        let ws = ws.map(|mut ws| {
            errors.append(&mut ws.errors);
            Arc::new(ws)
        });
        for err in errors {
            self.error(err);
        }
        self.lock().workspaces.insert(krate.to_path_buf(), ws.clone());
        ws
    }

    fn error(&self, err: ManifestError) {
        self.lock().errors.entry(err.path.clone()).or_insert(err);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The folders skipped (absolute, sorted) with their verdicts, and the problems of the
    /// manifests that could not be read (paths relative to `base`).
    pub fn finish(self, base: &Path) -> (Vec<(PathBuf, Verdict)>, Vec<Problem>) {
        let state = self.state.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        let problems = state.errors.into_values().map(|err| manifest_problem(&err, base)).collect();
        (state.skipped.into_iter().collect(), problems)
    }
}

/// A `Cargo.toml` that could not be read, as a problem at its line.
fn manifest_problem(err: &ManifestError, base: &Path) -> Problem {
    let display = display_path(&err.path, base);
    Problem::new(
        ProblemCode::CargoManifestError,
        format!(
            "cannot read `{display}`: {}; the folders it decides are checked as members of the \
             workspace",
            err.message
        ),
        Some(Span::line(display, err.line)),
    )
}

/// The record of a skipped folder, its path relative to `base`.
pub(crate) fn skipped_folder(
    dir: &Path,
    verdict: &Verdict,
    files: usize,
    base: &Path,
) -> SkippedFolder {
    SkippedFolder {
        path: display_path(dir, base),
        reason: verdict.reason,
        workspace: verdict
            .workspace
            .as_deref()
            .map(|w| crate::project::relative_display(w, base))
            .unwrap_or_default(),
        files,
    }
}

/// `path` made absolute (against the working directory) and normalised, without touching the
/// file system.
pub(crate) fn absolute(path: &Path) -> PathBuf {
    normalise(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{tree, write};

    fn verdict(foreign: &Foreign, dir: &Path) -> Option<SkipReason> {
        foreign.classify(dir).map(|v| v.reason)
    }

    #[test]
    fn vendored_folders_non_members_and_nested_workspaces_are_foreign() {
        let (_dir, root) = tree(&[
            (
                "Cargo.toml",
                "[package]\nname = \"app\"\n[workspace]\nmembers = [\"crates/*\"]\n\
                 [dependencies]\nlocal = { path = \"libs/local\" }\n",
            ),
            ("crates/api/Cargo.toml", "[package]\nname = \"api\"\n"),
            ("libs/local/Cargo.toml", "[package]\nname = \"local\"\n"),
            ("examples/demo/Cargo.toml", "[package]\nname = \"demo\"\n"),
            ("fuzz/Cargo.toml", "[package]\nname = \"f\"\n[workspace]\n"),
        ]);
        let foreign = Foreign::new(&root, None);
        assert_eq!(verdict(&foreign, &root.join("vendor")), Some(SkipReason::Vendored));
        assert_eq!(verdict(&foreign, &root.join("src/third_party")), Some(SkipReason::Vendored));
        assert_eq!(verdict(&foreign, &root.join("crates/api")), None);
        assert_eq!(verdict(&foreign, &root.join("libs/local")), None);
        assert_eq!(verdict(&foreign, &root.join("crates")), None);
        let demo = foreign.classify(&root.join("examples/demo")).unwrap();
        assert_eq!(demo, Verdict { reason: SkipReason::NotAMember, workspace: Some(root.clone()) });
        assert_eq!(verdict(&foreign, &root.join("fuzz")), Some(SkipReason::OwnWorkspace));
        let (skipped, problems) = foreign.finish(&root);
        assert!(skipped.is_empty() && problems.is_empty(), "{skipped:?} {problems:?}");
    }

    /// Walking a member, the workspace above it decides; walking a folder that is no crate,
    /// the crates in it are projects of their own.
    #[test]
    fn the_workspace_around_the_walked_root_decides() {
        let (_dir, root) = tree(&[
            ("ws/Cargo.toml", "[workspace]\nmembers = [\"a\", \"a/inner\"]\n"),
            ("ws/a/Cargo.toml", "[package]\nname = \"a\"\n"),
            ("ws/a/inner/Cargo.toml", "[package]\nname = \"inner\"\n"),
            ("ws/a/stray/Cargo.toml", "[package]\nname = \"stray\"\n"),
        ]);
        let member = Foreign::new(&root.join("ws/a"), None);
        assert_eq!(verdict(&member, &root.join("ws/a/inner")), None);
        assert_eq!(verdict(&member, &root.join("ws/a/stray")), Some(SkipReason::NotAMember));
        let plain = Foreign::new(&root, None);
        assert_eq!(verdict(&plain, &root.join("ws")), None);
        assert_eq!(verdict(&plain, &root.join("ws/a/stray")), Some(SkipReason::NotAMember));
        // The walked root itself is never skipped, nor anything outside it.
        let named = Foreign::new(&root.join("ws/a/stray"), None);
        assert!(!named.skips(&root.join("ws/a/stray")));
        assert!(!named.skips(&root.join("vendor")));
    }

    /// A malformed workspace manifest is a problem at its line, and nothing is skipped for
    /// membership; a malformed nested manifest is decided by the workspace's members alone.
    #[test]
    fn malformed_manifests_are_problems_and_skip_nothing() {
        let (_dir, root) = tree(&[
            ("Cargo.toml", "[workspace]\nmembers = [\"a\"\n"),
            ("a/Cargo.toml", "[package]\nname = \"a\"\n"),
            ("b/Cargo.toml", "[package]\nname = \"b\"\n"),
        ]);
        let foreign = Foreign::new(&root, None);
        assert!(!foreign.skips(&root.join("b")));
        let (_, problems) = foreign.finish(&root);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].code, ProblemCode::CargoManifestError);
        let span = problems[0].span.as_ref().unwrap();
        // The unclosed array opens on line 2.
        assert_eq!((span.file.as_ref(), span.line), ("Cargo.toml", 2));

        write(&root.join("Cargo.toml"), "[workspace]\nmembers = [\"a\"]\n");
        write(&root.join("a/Cargo.toml"), "[package\nname = \"a\"\n");
        write(&root.join("b/Cargo.toml"), "[package\n");
        let foreign = Foreign::new(&root, None);
        assert!(!foreign.skips(&root.join("a")));
        assert!(foreign.skips(&root.join("b")));
        let (skipped, problems) = foreign.finish(&root);
        assert_eq!(skipped.len(), 1);
        let lines: Vec<(String, u32)> = problems
            .iter()
            .map(|p| p.span.as_ref().map(|s| (s.file.to_string(), s.line)).unwrap())
            .collect();
        assert_eq!(lines, [("a/Cargo.toml".to_string(), 1), ("b/Cargo.toml".to_string(), 1)]);
    }
}
