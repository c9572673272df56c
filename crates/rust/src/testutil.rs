//! Test helpers: the shipped knowledge lists and one-call extraction.

use hooklint_model::{Function, Knowledge, RustFile};

/// The built-in `policies/knowledge.yaml`, read with the parser the binary uses, so tests
/// follow the shipped lists.
pub fn knowledge() -> Knowledge {
    let text = include_str!("../../../policies/knowledge.yaml");
    serde_saphyr::from_str(text).expect("policies/knowledge.yaml is a valid Knowledge")
}

/// Extracts and links one file at `src/handlers.rs`.
pub fn facts(src: &str) -> RustFile {
    files(&[("src/handlers.rs", src)]).remove(0)
}

/// Extracts and links several files as one project.
pub fn files(srcs: &[(&str, &str)]) -> Vec<RustFile> {
    let k = knowledge();
    let mut out: Vec<RustFile> = srcs
        .iter()
        .map(|(p, s)| {
            let e = crate::extract_file(p, s, &k);
            assert!(e.problems.is_empty(), "{:?}", e.problems);
            e.file
        })
        .collect();
    crate::link(&mut out, &k);
    out
}

pub fn func<'a>(f: &'a RustFile, name: &str) -> &'a Function {
    f.functions.iter().find(|g| g.name == name).unwrap_or_else(|| {
        panic!("no fn {name} in {:?}", f.functions.iter().map(|g| &g.name).collect::<Vec<_>>())
    })
}

#[test]
fn knowledge_reads_the_shipped_lists() {
    let k = knowledge();
    assert!(k.verifiers.contains(&"verify_slice".to_string()));
    assert!(k.log_macros.contains(&"println".to_string()));
    assert!(k.non_sensitive_words.contains(&"len".to_string()));
    assert!(k.header_setters.contains(&"header_str".to_string()), "multi-line flow lists");
}

/// Extracts a file nested just under the limit on a thread of `HOOKLINT_STACK_MB` megabytes;
/// a stack overflow aborts the test process.
#[test]
#[ignore]
fn nesting_at_the_limit() {
    let mb: usize =
        std::env::var("HOOKLINT_STACK_MB").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
    let depth = crate::MAX_NESTING - 2;
    let src = format!("fn f() {{ let x = {}1{}; }}", "(".repeat(depth), ")".repeat(depth));
    let h = std::thread::Builder::new().stack_size(mb << 20).spawn(move || {
        let e = crate::extract_file("src/deep.rs", &src, &knowledge());
        e.problems.len()
    });
    assert!(h.is_ok_and(|h| h.join().is_ok_and(|n| n == 0)));
}
