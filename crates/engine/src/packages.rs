//! The package a Rust file belongs to: the `[package] name` of the `Cargo.toml` at its crate
//! root (the folder that holds its `src/`, `tests/`, `benches/` or `examples/`). The name is
//! evidence for the receiver model (a package called `forwardemail-webhook` receives
//! webhooks). Only manifests inside a checked folder are read, each once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use hooklint_model::RustFile;

use crate::discover::{Candidate, FileKind};

/// Largest `Cargo.toml` read; a package manifest is a few kilobytes.
const MAX_MANIFEST: u64 = 1 << 20;

/// The crate root of a `/`-separated path: what comes before its last `/src/` (or `/tests/`,
/// `/benches/`, `/examples/`), `None` when there is none.
fn crate_root(path: &str) -> Option<&str> {
    let path = path.strip_prefix("./").map_or(path, |_| path);
    let inner = ["/src/", "/tests/", "/benches/", "/examples/"]
        .iter()
        .filter_map(|m| path.rfind(m))
        .max()
        .map(|i| &path[..i]);
    inner.or_else(|| {
        ["src/", "tests/", "benches/", "examples/"]
            .iter()
            .any(|m| path.starts_with(m))
            .then_some("")
    })
}

/// Package names by the crate root of the files' display paths. With `within` (gate mode), a
/// `Cargo.toml` whose real path is outside that folder is not read.
pub(crate) fn package_names(
    candidates: &[Candidate],
    roots: &[PathBuf],
    within: Option<&Path>,
) -> HashMap<String, String> {
    let default_root = [PathBuf::from(".")];
    let roots = if roots.is_empty() { &default_root[..] } else { roots };
    let mut by_fs: HashMap<String, Option<String>> = HashMap::new();
    let mut out = HashMap::new();
    for c in candidates.iter().filter(|c| c.kind == FileKind::Rust) {
        let fs = c.fs_path.to_string_lossy().replace('\\', "/");
        let (Some(fs_root), Some(display_root)) = (crate_root(&fs), crate_root(&c.display)) else {
            continue;
        };
        if out.contains_key(display_root) {
            continue;
        }
        let fs_root = if fs_root.is_empty() { "." } else { fs_root };
        let inside = roots
            .iter()
            .any(|r| Path::new(fs_root).starts_with(r) || (fs_root == "." && r == Path::new(".")));
        if !inside {
            continue;
        }
        let name =
            by_fs.entry(fs_root.to_string()).or_insert_with(|| read_name(fs_root, within)).clone();
        if let Some(name) = name {
            out.insert(display_root.to_string(), name);
        }
    }
    out
}

fn read_name(root: &str, within: Option<&Path>) -> Option<String> {
    let mut path = Path::new(root).join("Cargo.toml");
    if let Some(within) = within {
        path = path.canonicalize().ok().filter(|p| p.starts_with(within))?;
    }
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > MAX_MANIFEST {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let table = toml::de::DeTable::parse(&text).ok()?;
    let package = table.get_ref().get("package")?;
    let toml::de::DeValue::Table(package) = package.get_ref() else { return None };
    match package.get("name")?.get_ref() {
        toml::de::DeValue::String(s) => Some(s.to_string()),
        _ => None,
    }
}

/// Sets each file's package name.
pub(crate) fn apply(files: &mut [RustFile], names: &HashMap<String, String>) {
    for f in files {
        if let Some(name) = crate_root(&f.path).and_then(|r| names.get(r)) {
            f.index.crate_name.clone_from(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_roots() {
        assert_eq!(crate_root("./src/main.rs"), Some("."));
        assert_eq!(crate_root("a/b/src/x/mod.rs"), Some("a/b"));
        assert_eq!(crate_root("src/main.rs"), Some(""));
        assert_eq!(crate_root("main.rs"), None);
        assert_eq!(crate_root("a/tests/t.rs"), Some("a"));
    }

    /// The `fn main() {}` file the tests write, as the walk would find it.
    fn main_rs(fs_path: PathBuf, display: &str) -> Candidate {
        Candidate { fs_path, display: display.into(), kind: FileKind::Rust, size: 13 }
    }

    #[test]
    fn reads_the_package_name_inside_the_checked_folder_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pkg = dir.path().join("hooks");
        std::fs::create_dir_all(pkg.join("src")).expect("mkdir");
        std::fs::write(pkg.join("Cargo.toml"), "[package]\nname = \"acme-webhooks\"\n")
            .expect("write");
        std::fs::write(pkg.join("src/main.rs"), "fn main() {}\n").expect("write");
        let cand = main_rs(pkg.join("src/main.rs"), "hooks/src/main.rs");
        let names = package_names(std::slice::from_ref(&cand), &[dir.path().to_path_buf()], None);
        assert_eq!(names.get("hooks").map(String::as_str), Some("acme-webhooks"));
        let outside = package_names(&[cand], &[pkg.join("src")], None);
        assert!(outside.is_empty(), "a manifest above the checked folder is not read");
    }

    #[cfg(unix)]
    #[test]
    fn in_gate_mode_a_manifest_linked_from_outside_the_tree_is_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        let tree = root.join("tree");
        let elsewhere = root.join("elsewhere");
        std::fs::create_dir_all(tree.join("src")).expect("mkdir");
        std::fs::create_dir_all(&elsewhere).expect("mkdir");
        std::fs::write(elsewhere.join("Cargo.toml"), "[package]\nname = \"outside-secret\"\n")
            .expect("write");
        std::os::unix::fs::symlink(elsewhere.join("Cargo.toml"), tree.join("Cargo.toml"))
            .expect("symlink");
        std::fs::write(tree.join("src/main.rs"), "fn main() {}\n").expect("write");
        let cand = main_rs(tree.join("src/main.rs"), "src/main.rs");
        let roots = [tree.clone()];
        let open = package_names(std::slice::from_ref(&cand), &roots, None);
        assert_eq!(open.get("").map(String::as_str), Some("outside-secret"));
        let gated = package_names(&[cand], &roots, Some(&tree));
        assert!(gated.is_empty(), "{gated:?}");
    }
}
