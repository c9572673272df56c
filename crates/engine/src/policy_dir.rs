//! Reading the policy files of a `--policy DIR`.

use std::path::Path;

use hooklint_policy::PolicySource;

use crate::discover::display_path;

/// The largest policy file read.
const MAX_POLICY_SIZE: u64 = 4 * 1024 * 1024;

/// Every `*.yaml` and `*.yml` file under `dir` (recursively, sorted by path), except the
/// shared `knowledge.yaml`, with paths as they are reported.
pub fn policy_sources(dir: &Path) -> std::io::Result<Vec<PolicySource>> {
    let base = std::env::current_dir().unwrap_or_default();
    let mut sources = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = entry.map_err(|err| std::io::Error::other(err.to_string()))?;
        let path = entry.path();
        let is_yaml = matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"));
        if !entry.file_type().is_some_and(|t| t.is_file())
            || !is_yaml
            || path.file_name().is_some_and(|n| n == "knowledge.yaml")
        {
            continue;
        }
        let text = crate::load::read_text(path, MAX_POLICY_SIZE).map_err(|why| {
            std::io::Error::other(format!("cannot read `{}`: {why}", display_path(path, &base)))
        })?;
        sources.push(PolicySource { path: display_path(path, &base), text });
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_yaml_files_sorted_and_skips_knowledge() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b")).unwrap();
        std::fs::write(root.join("b/z.yml"), "id: b/z").unwrap();
        std::fs::write(root.join("a.yaml"), "id: a").unwrap();
        std::fs::write(root.join("knowledge.yaml"), "verifiers: []").unwrap();
        std::fs::write(root.join("readme.md"), "").unwrap();
        let sources = policy_sources(root).unwrap();
        let texts: Vec<&str> = sources.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["id: a", "id: b/z"]);
        assert!(sources[0].path.ends_with("a.yaml"));
    }
}
