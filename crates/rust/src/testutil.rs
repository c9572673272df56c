//! Test helpers: the shipped knowledge lists and one-call extraction.

use hooklint_model::{Function, Knowledge, RustFile};

/// The built-in `policies/knowledge.yaml`, read with a minimal reader of its two list forms
/// (`key: [a, b]` and `- item  # comment`), so tests follow the shipped lists.
pub fn knowledge() -> Knowledge {
    let text = include_str!("../../../policies/knowledge.yaml");
    let mut lists: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or("").trim_end();
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(item) = line.trim_start().strip_prefix("- ") {
            lists.entry(current.clone()).or_default().push(item.trim().to_string());
        } else if let Some((key, rest)) = line.split_once(':') {
            current = key.trim().to_string();
            let rest = rest.trim();
            if let Some(inner) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                lists.insert(
                    current.clone(),
                    inner
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                );
            }
        }
    }
    let map: serde_json::Map<String, serde_json::Value> =
        lists.into_iter().map(|(k, v)| (k, serde_json::Value::from(v))).collect();
    serde_json::from_value(serde_json::Value::Object(map)).expect("knowledge.yaml has every list")
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
}

/// Extracts every `.rs` file under `HOOKLINT_SWEEP_DIR` (one thread, 64 MB stack) and reports
/// files, problems by code, panics and time; then links each top-level crate directory.
#[test]
#[ignore]
fn sweep() {
    let Ok(root) = std::env::var("HOOKLINT_SWEEP_DIR") else { return };
    let handle = std::thread::Builder::new().stack_size(64 << 20).spawn(move || {
        let k = knowledge();
        let mut stack = vec![std::path::PathBuf::from(root)];
        let mut paths = Vec::new();
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else { continue };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    paths.push(p);
                }
            }
        }
        paths.sort();
        let start = std::time::Instant::now();
        let (mut files, mut fns, mut panics) = (0usize, 0usize, 0usize);
        let mut problems: std::collections::BTreeMap<String, usize> = Default::default();
        let mut by_crate: std::collections::BTreeMap<String, Vec<RustFile>> = Default::default();
        let mut slowest = (std::time::Duration::ZERO, String::new());
        for p in &paths {
            let Ok(src) = std::fs::read_to_string(p) else { continue };
            files += 1;
            let name = p.display().to_string();
            let t = std::time::Instant::now();
            let r = std::panic::catch_unwind(|| crate::extract_file(&name, &src, &k));
            let el = t.elapsed();
            if el > slowest.0 {
                slowest = (el, name.clone());
            }
            match r {
                Ok(e) => {
                    fns += e.file.functions.len();
                    for pr in &e.problems {
                        *problems.entry(pr.code.clone()).or_default() += 1;
                    }
                    let krate = name.split("/src/").nth(1).and_then(|r| r.split('/').nth(1)).unwrap_or("").to_string();
                    by_crate.entry(krate).or_default().push(e.file);
                }
                Err(_) => {
                    panics += 1;
                    eprintln!("panic: {name}");
                }
            }
        }
        let extract_time = start.elapsed();
        let t = std::time::Instant::now();
        let mut link_panics = 0;
        let mut slow_link = (std::time::Duration::ZERO, String::new());
        for (c, mut fs) in by_crate {
            let t1 = std::time::Instant::now();
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| crate::link(&mut fs, &k))).is_err() {
                link_panics += 1;
                eprintln!("link panic: {c}");
            }
            if t1.elapsed() > slow_link.0 {
                slow_link = (t1.elapsed(), c);
            }
        }
        eprintln!(
            "files {files} fns {fns} problems {problems:?} panics {panics} extract {extract_time:?} \
             slowest {slowest:?} link {:?} link_panics {link_panics} slowest_link {slow_link:?}",
            t.elapsed()
        );
    });
    assert!(handle.is_ok_and(|h| h.join().is_ok()));
}

/// Compares syn's parse alone with the whole extraction over `HOOKLINT_SWEEP_DIR`.
#[test]
#[ignore]
fn sweep_parse_share() {
    let Ok(root) = std::env::var("HOOKLINT_SWEEP_DIR") else { return };
    let handle = std::thread::Builder::new().stack_size(64 << 20).spawn(move || {
        let k = knowledge();
        let mut stack = vec![std::path::PathBuf::from(root)];
        let mut srcs = Vec::new();
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else { continue };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    if let Ok(s) = std::fs::read_to_string(&p) {
                        srcs.push((p.display().to_string(), s));
                    }
                }
            }
        }
        let t = std::time::Instant::now();
        for (_, s) in &srcs {
            let _ = syn::parse_file(s);
            proc_macro2::extra::invalidate_current_thread_spans();
        }
        let parse = t.elapsed();
        let t = std::time::Instant::now();
        for (p, s) in &srcs {
            let _ = crate::extract_file(p, s, &k);
        }
        eprintln!("files {} parse {parse:?} extract {:?}", srcs.len(), t.elapsed());
    });
    assert!(handle.is_ok_and(|h| h.join().is_ok()));
}

/// Prints a one-line summary per fn of each fixture under `HOOKLINT_FIXTURES` (a `.rs` file
/// alone, or a directory with `src/` as one project).
#[test]
#[ignore]
fn fixtures_summary() {
    let Ok(root) = std::env::var("HOOKLINT_FIXTURES") else { return };
    let k = knowledge();
    let mut units: Vec<Vec<std::path::PathBuf>> = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(root)];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.join("src").is_dir() {
                let mut files = Vec::new();
                let mut s2 = vec![p.join("src")];
                while let Some(x) = s2.pop() {
                    for e in std::fs::read_dir(&x).into_iter().flatten().flatten() {
                        let q = e.path();
                        if q.is_dir() {
                            s2.push(q);
                        } else if q.extension().is_some_and(|x| x == "rs") {
                            files.push(q);
                        }
                    }
                }
                files.sort();
                units.push(files);
            } else if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                units.push(vec![p]);
            }
        }
    }
    units.sort();
    for unit in units {
        let mut fs: Vec<RustFile> = unit
            .iter()
            .filter_map(|p| {
                let s = std::fs::read_to_string(p).ok()?;
                let e = crate::extract_file(&p.display().to_string(), &s, &k);
                for pr in &e.problems {
                    eprintln!("PROBLEM {pr:?}");
                }
                Some(e.file)
            })
            .collect();
        crate::link(&mut fs, &k);
        for f in &fs {
            eprintln!("== {}", f.path);
            for g in &f.functions {
                let cmp: Vec<String> = g
                    .compares
                    .iter()
                    .filter(|c| c.left.sensitive || c.right.sensitive)
                    .map(|c| format!("{}@{}", c.text, c.span.line))
                    .collect();
                let logs: Vec<String> = g
                    .logs
                    .iter()
                    .flat_map(|l| {
                        l.args
                            .iter()
                            .filter(|a| a.sensitive)
                            .map(|a| format!("{}@{}", a.text, a.span.line))
                    })
                    .collect();
                let lits: Vec<String> = g
                    .literals
                    .iter()
                    .filter(|l| !l.binding.is_empty() || l.context == "arg")
                    .map(|l| {
                        format!(
                            "{}={}({}{})@{}",
                            l.binding, l.value, l.context, l.callee, l.span.line
                        )
                    })
                    .collect();
                eprintln!(
                    "  {}:{} test={} handler={} webhook={} verifies={:?} parses={:?} routes={:?} \
                     headers={:?} ips={:?} sens_cmp={cmp:?} sens_logs={logs:?} lits={lits:?}",
                    g.qualified_name,
                    g.span.line,
                    g.is_test,
                    g.is_handler,
                    g.is_webhook,
                    g.verified_by,
                    g.body
                        .parses
                        .iter()
                        .map(|p| (p.what.clone(), p.before_verify))
                        .collect::<Vec<_>>(),
                    g.routes
                        .iter()
                        .map(|r| format!("{} {} {:?}", r.method, r.path, r.layers))
                        .collect::<Vec<_>>(),
                    g.headers_read
                        .iter()
                        .map(|h| format!(
                            "{} b={} g={} l={}",
                            h.name, h.binding, h.gates, h.logged_only
                        ))
                        .collect::<Vec<_>>(),
                    g.ip_sources
                        .iter()
                        .map(|h| format!(
                            "{} b={} g={} l={}",
                            h.kind, h.binding, h.gates, h.logged_only
                        ))
                        .collect::<Vec<_>>(),
                );
            }
            for l in &f.literals {
                eprintln!("  file literal {}={} ({})", l.binding, l.value, l.context);
            }
        }
    }
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
