//! hooklint's Rust fact extractor: syn to facts, per file, then the project index that links
//! calls, extractors, layers and routes across files.
//!
//! Architecture invariant: no I/O, no printing, never panics on user input. A file syn cannot
//! parse yields a `parse-error` problem and no functions; a file nested deeper than
//! [`MAX_NESTING`] brackets yields a `too-deeply-nested` problem and is not parsed at all.

mod depth;
mod extract;
mod gating;
mod index;
#[cfg(test)]
mod testutil;
mod util;

use hooklint_model::{Knowledge, Problem, ProblemCode, RustFile, Span};

/// Deepest bracket nesting parsed; syn's recursive parser needs stack in proportion to it.
pub const MAX_NESTING: usize = depth::MAX_DEPTH;

/// The facts of one file plus the problems met while extracting them.
#[derive(Debug, Default)]
pub struct Extracted {
    pub file: RustFile,
    pub problems: Vec<Problem>,
}

/// Extracts the facts of one Rust source file. `path` is used verbatim in every span.
///
/// Parsing recurses in proportion to the nesting (at most [`MAX_NESTING`]); callers that take
/// arbitrary input should run this on a thread with a generous stack (16 MB or more).
pub fn extract_file(path: &str, source: &str, knowledge: &Knowledge) -> Extracted {
    let empty = || RustFile {
        path: path.to_string(),
        is_test: extract::path_is_test(&path.replace('\\', "/")),
        ..RustFile::default()
    };
    if let Some(line) = depth::exceeds(source, MAX_NESTING) {
        let problem = Problem::new(
            ProblemCode::TooDeeplyNested,
            format!("brackets nest deeper than {MAX_NESTING} levels; the file was not analysed"),
            Some(Span::line(path, line)),
        );
        return Extracted { file: empty(), problems: vec![problem] };
    }
    let text = strip_preamble(source);
    let result = match syn::parse_str::<syn::File>(&text) {
        Ok(ast) => {
            let src = util::Src::new(path, &text);
            let out = extract::file(src, knowledge, &ast);
            Extracted { file: out.file, problems: Vec::new() }
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
            Extracted { file: empty(), problems: vec![problem] }
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
pub fn link(files: &mut [RustFile], knowledge: &Knowledge) {
    index::link(files, knowledge, &[]);
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
pub fn link_project(files: &mut [RustFile], knowledge: &Knowledge, declared: &[DeclaredRoute]) {
    index::link(files, knowledge, declared);
    // The control-flow evidence is the index's alone: policies never read it.
    for f in files.iter_mut().flat_map(|file| file.functions.iter_mut()) {
        f.verdicts = Default::default();
    }
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
}
