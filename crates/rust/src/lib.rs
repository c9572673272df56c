//! hooklint's Rust fact extractor: syn to facts, per file, then the project index that links
//! calls, extractors, layers and routes across files.
//!
//! Architecture invariant: no I/O, no printing, never panics on user input. A file syn cannot
//! parse yields a `parse-error` problem and no functions; a file whose brackets nest deeper
//! than [`MAX_NESTING`] levels, or whose syntax tree would be deeper than the pre-parse scan
//! allows (`scan.rs`), yields a `too-deeply-nested` or `too-complex` problem and is not
//! parsed at all.

mod compact;
mod extract;
mod gating;
mod index;
mod limits;
mod provenance;
mod scan;
#[cfg(test)]
mod testutil;
mod util;

use hooklint_model::{Knowledge, Problem, ProblemCode, RustFile, Span};

/// The extractor's and the index's hash maps. Their keys are names from the checked code, so
/// the hash is seeded per run (a hostile file cannot choose names that collide), and it is
/// foldhash rather than SipHash: these maps are consulted for every call, binding and name.
/// Nothing iterates them into output; what is printed is sorted first.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

pub use scan::{IncludeRef, MAX_PARSE_DEPTH, MAX_TREE_DEPTH};

/// Deepest bracket nesting parsed; syn's recursive parser needs stack in proportion to it.
pub const MAX_NESTING: usize = scan::MAX_BRACKETS;

/// The facts of one file plus the problems met while extracting them.
#[derive(Debug, Default)]
pub struct Extracted {
    pub file: RustFile,
    pub problems: Vec<Problem>,
    /// Files the source names with `#[path = "..."]` or `include!("...")`, for gate mode.
    pub includes: Vec<IncludeRef>,
}

/// Extracts the facts of one Rust source file. `path` is used verbatim in every span.
///
/// A linear pre-parse scan refuses input whose parse or syntax tree would be deeper than
/// [`MAX_PARSE_DEPTH`] or [`MAX_TREE_DEPTH`] levels; within those bounds parsing, walking and
/// dropping the tree need a few MiB of stack. Callers that take arbitrary input should run
/// this on a thread with a generous stack (the engine's workers have 64 MiB).
pub fn extract_file(path: &str, source: &str, knowledge: &Knowledge) -> Extracted {
    let empty = || RustFile {
        path: path.to_string(),
        is_test: extract::path_is_test(&path.replace('\\', "/")),
        ..RustFile::default()
    };
    let scanned = scan::scan(source);
    if let Some(refusal) = scanned.refusal {
        let problem =
            Problem::new(refusal.code, refusal.message, Some(Span::line(path, refusal.line)));
        return Extracted { file: empty(), problems: vec![problem], includes: scanned.includes };
    }
    let includes = scanned.includes;
    let text = strip_preamble(source);
    limits::clear();
    let result = match syn::parse_str::<syn::File>(&text) {
        Ok(ast) => {
            let src = util::Src::new(path, &text);
            let mut file = extract::file(src, knowledge, &ast).file;
            compact::file(&mut file);
            Extracted { file, problems: limits::take(path), includes }
        }
        Err(e) => {
            let start = e.span().start();
            let end = e.span().end();
            let span = Span::new(
                path,
                start.line.max(1) as u32,
                start.column as u32 + 1,
                end.line.max(1) as u32,
                end.column as u32 + 1,
            );
            let problem =
                Problem::new(ProblemCode::ParseError, lower_first(&e.to_string()), Some(span));
            Extracted { file: empty(), problems: vec![problem], includes }
        }
    };
    // Every parse adds the file to proc-macro2's per-thread source map; all spans of this
    // file have been converted, so the map can be emptied to keep long runs flat in memory.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

/// The project index: resolves calls to project functions across all files, links extractor
/// parameters to their `from_request` impls and routes to their handlers and layers, and fills
/// the derived facts (`routes`, `reaches`, `verifies`, `is_webhook`, `before_verify`...).
///
/// Linear in the project: the `reaches` closures, quadratic in a call chain's length, share
/// one budget of names, and what it leaves out is one `too-complex` problem.
pub fn link(files: &mut [RustFile], knowledge: &Knowledge) -> Vec<Problem> {
    index::link(files, knowledge, &[])
}

/// An inbound route a manifest declares: method (`""` for any), path, and the manifest's file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeclaredRoute {
    pub method: String,
    pub path: String,
    pub file: String,
}

/// [`link`], with the inbound routes that the run's manifests declare: a handler serving one
/// is a receiver by that declaration.
pub fn link_project(
    files: &mut [RustFile],
    knowledge: &Knowledge,
    declared: &[DeclaredRoute],
) -> Vec<Problem> {
    let problems = index::link(files, knowledge, declared);
    // The control-flow evidence is the index's alone: policies never read it.
    for f in files.iter_mut().flat_map(|file| file.functions.iter_mut()) {
        f.verdicts = Default::default();
    }
    problems
}

/// Removes a byte-order mark and blanks a shebang line, keeping line numbers.
fn strip_preamble(source: &str) -> String {
    let s = source.strip_prefix('\u{feff}').unwrap_or(source);
    if s.starts_with("#!") && !s[2..].trim_start().starts_with('[') {
        match s.find('\n') {
            Some(i) => s[i..].to_string(),
            None => String::new(),
        }
    } else {
        s.to_string()
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str().trim_end_matches('.'),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::knowledge;

    #[test]
    fn deep_nesting_is_a_problem_not_a_crash() {
        let src = format!("fn f() {{\n let x = {}1{};\n}}", "(".repeat(5000), ")".repeat(5000));
        let e = extract_file("src/deep.rs", &src, &knowledge());
        assert_eq!(e.problems.len(), 1);
        assert_eq!(e.problems[0].code, ProblemCode::TooDeeplyNested);
        assert_eq!(e.problems[0].span.as_ref().map(|s| s.line), Some(2));
        assert!(e.file.functions.is_empty());
    }

    #[test]
    fn parse_error_has_position_and_message() {
        let e = extract_file("src/bad.rs", "fn ok() {}\nfn broken( {\n", &knowledge());
        assert_eq!(e.problems.len(), 1);
        let p = &e.problems[0];
        assert_eq!(p.code, ProblemCode::ParseError);
        assert_eq!(p.span.as_ref().map(|s| s.line), Some(2));
        assert!(p.message.chars().next().is_some_and(|c| !c.is_uppercase()));
        assert!(!p.message.ends_with('.'));
        assert!(e.file.functions.is_empty());
    }

    #[test]
    fn garbage_does_not_panic() {
        let k = knowledge();
        let inputs = [
            "",
            "\u{feff}",
            "#!/usr/bin/env rust\nfn main() {}",
            "fn",
            "}}}}",
            "\"unterminated",
            "r#\"raw",
            "fn f() { println!(\"{\", ); format!(\"{}\" x); assert_eq!(); }",
            "fn f() { a.b.c.d().e::<>()?.await; x = [0; 3]; |a| a; let else; }",
            "fn f() { tracing::info!(a = , % , ?, target:); dbg!(); info!(\"{ {{x}}\"); }",
            "fn f() { Router::new().route().layer().nest(); web::resource().route(); }",
            "impl FromRequest for {}",
            "mod m { mod n { fn x() { super::super::super::y() } } }",
        ];
        for src in inputs {
            let mut fs = vec![extract_file("src/g.rs", src, &k).file];
            link(&mut fs, &k);
        }
        let long_chain =
            format!("fn f() {{ x{} ; let y = 1{}; }}", ".a()".repeat(3000), " + 1".repeat(3000));
        let handle = std::thread::Builder::new().stack_size(64 << 20).spawn(move || {
            let k = knowledge();
            let mut fs = vec![extract_file("src/g.rs", &long_chain, &k).file];
            link(&mut fs, &k);
            fs.len()
        });
        assert!(handle.is_ok_and(|h| h.join().is_ok()));
    }

    #[test]
    fn shebang_keeps_lines() {
        let e = extract_file("src/main.rs", "#!/usr/bin/env run\nfn main() {}\n", &knowledge());
        assert_eq!(e.file.functions[0].span.line, 2);
    }

    /// Runs `f` on a thread with a worker's stack.
    fn on_worker<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let handle = std::thread::Builder::new().stack_size(64 << 20).spawn(f);
        handle.expect("spawn").join().expect("no panic")
    }

    /// What used to be skipped silently past a depth of 200 (expressions) or 64 (modules) is
    /// analysed now: the scan's bounds keep every walk within its stack.
    #[test]
    fn deep_but_bounded_code_is_analysed_to_the_bottom() {
        let chain = format!(
            "fn client() {{ reqwest::Client::builder().danger_accept_invalid_certs(true){}; }}",
            ".timeout(t)".repeat(201)
        );
        let blocks = format!(
            "fn check(sig: &str, expected: &str) {{ {}if sig == expected {{}}{} }}",
            "{ ".repeat(201),
            " }".repeat(201)
        );
        let modules = format!("{}fn deep() {{ f() }}{}", "mod m { ".repeat(65), " }".repeat(65));
        let (calls, compares, deep) = on_worker(move || {
            let k = knowledge();
            let a = extract_file("src/a.rs", &chain, &k);
            let b = extract_file("src/b.rs", &blocks, &k);
            let c = extract_file("src/c.rs", &modules, &k);
            assert!(a.problems.is_empty() && b.problems.is_empty() && c.problems.is_empty());
            let calls: Vec<String> =
                a.file.functions[0].calls.iter().map(|c| c.name.clone()).collect();
            (calls, b.file.functions[0].compares.len(), c.file.functions.len())
        });
        assert!(calls.contains(&"danger_accept_invalid_certs".to_string()), "{calls:?}");
        assert_eq!(compares, 1);
        assert_eq!(deep, 1);
    }

    /// If a walk ever reaches its limit, what it left out is a problem with its line.
    #[test]
    fn a_walker_limit_is_a_problem_not_a_silent_skip() {
        let problems = on_worker(|| {
            let source = format!("fn f() {{\n    x{};\n}}", ".a()".repeat(limits::EXPR_DEPTH + 10));
            let ast: syn::File = syn::parse_str(&source).expect("parses");
            limits::clear();
            let _ = extract::file(util::Src::new("src/f.rs", &source), &knowledge(), &ast);
            limits::take("src/f.rs")
        });
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].code, ProblemCode::TooComplex);
        assert_eq!(problems[0].span.as_ref().map(|s| s.line), Some(2));
    }
}
