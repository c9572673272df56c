//! `#[cfg(test)] mod tests;` makes the module's file, and the files of its submodules, test
//! code, although nothing in those files says so.

use std::collections::BTreeSet;

use hooklint_model::RustFile;

/// Marks the files of modules declared under `#[cfg(test)]` (and their submodules) as test
/// code: the file, its functions and its literals.
pub(super) fn mark(files: &mut [RustFile]) {
    let mut exact: BTreeSet<String> = BTreeSet::new();
    let mut dirs: Vec<String> = Vec::new();
    for f in files.iter() {
        if f.index.test_mods.is_empty() {
            continue;
        }
        let path = f.path.replace('\\', "/");
        let (dir, stem) = match path.rsplit_once('/') {
            Some((d, name)) => (d.to_string(), name.trim_end_matches(".rs").to_string()),
            None => (String::new(), path.trim_end_matches(".rs").to_string()),
        };
        // `lib.rs`, `main.rs` and `mod.rs` declare submodules beside them; `foo.rs` in `foo/`.
        let base = if matches!(stem.as_str(), "lib" | "main" | "mod") {
            dir.clone()
        } else {
            join(&dir, &stem)
        };
        for (name, attr) in &f.index.test_mods {
            match attr {
                Some(p) => {
                    exact.insert(normalise(&join(&dir, p)));
                }
                None => {
                    let m = join(&base, name);
                    exact.insert(normalise(&format!("{m}.rs")));
                    exact.insert(normalise(&format!("{m}/mod.rs")));
                    dirs.push(normalise(&format!("{m}/")));
                }
            }
        }
    }
    if exact.is_empty() {
        return;
    }
    for f in files.iter_mut() {
        let path = normalise(&f.path.replace('\\', "/"));
        if exact.contains(&path) || dirs.iter().any(|d| path.starts_with(d.as_str())) {
            f.is_test = true;
            for l in &mut f.literals {
                l.is_test = true;
            }
            for func in &mut f.functions {
                func.is_test = true;
                for l in &mut func.literals {
                    l.is_test = true;
                }
            }
        }
    }
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}/{b}")
    }
}

/// `./src/x.rs` and `src/./x.rs` are `src/x.rs`.
fn normalise(p: &str) -> String {
    p.split('/').filter(|c| *c != "." && !c.is_empty()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use crate::testutil::files;

    #[test]
    fn cfg_test_module_declarations_make_their_files_test_code() {
        let fs = files(&[
            ("src/lib.rs", "#[cfg(test)]\nmod tests;\nmod real;\npub fn f() {}"),
            ("src/tests.rs", "fn helper() { let secret = \"x\"; }"),
            ("src/tests/more.rs", "fn deeper() {}"),
            ("src/real.rs", "#[cfg(test)]\n#[path = \"real_checks.rs\"]\nmod checks;\nfn g() {}"),
            ("src/real_checks.rs", "fn h() {}"),
        ]);
        let test: Vec<(&str, bool)> = fs.iter().map(|f| (f.path.as_str(), f.is_test)).collect();
        assert_eq!(
            test,
            [
                ("src/lib.rs", false),
                ("src/tests.rs", true),
                ("src/tests/more.rs", true),
                ("src/real.rs", false),
                ("src/real_checks.rs", true),
            ]
        );
        assert!(fs[1].functions[0].is_test && fs[1].functions[0].literals[0].is_test);
    }
}
