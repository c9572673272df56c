//! The extractor and the project index alone over every `.rs` file under a directory, file by
//! file on one thread with a 64 MB stack: files, functions, problems by code, panics, the
//! slowest file, the time of a bare `syn` parse of the same files, the time to link each
//! crate, and the sizes of the flow tables provenance keeps until it links. `scripts/sweep` runs the whole binary over the same kind of tree; this isolates the
//! Rust side, and a panic here names the file.
//!
//! usage: cargo run --release -p hooklint-rust --example sweep -- DIR

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use hooklint_model::{Knowledge, RustFile};

fn main() {
    let Some(root) = std::env::args().nth(1) else {
        eprintln!("usage: sweep DIR");
        std::process::exit(2);
    };
    let worker = std::thread::Builder::new().stack_size(64 << 20).spawn(move || sweep(&root));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => std::process::exit(code),
        _ => {
            eprintln!("sweep: the worker thread failed");
            std::process::exit(1);
        }
    }
}

fn knowledge() -> Knowledge {
    let text = include_str!("../../../policies/knowledge.yaml");
    serde_saphyr::from_str(text).expect("policies/knowledge.yaml is a valid Knowledge")
}

fn rust_files(root: &str) -> Vec<PathBuf> {
    let mut stack = vec![PathBuf::from(root)];
    let mut paths = Vec::new();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
}

/// Returns the exit code: 1 when anything panicked.
fn sweep(root: &str) -> i32 {
    let k = knowledge();
    let sources: Vec<(String, String)> = rust_files(root)
        .into_iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(&p).ok()?)))
        .collect();

    let start = Instant::now();
    for (_, src) in &sources {
        let _ = syn::parse_file(src);
        proc_macro2::extra::invalidate_current_thread_spans();
    }
    let parse = start.elapsed();

    let start = Instant::now();
    let (mut fns, mut panics) = (0usize, 0usize);
    let mut problems: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_crate: BTreeMap<String, Vec<RustFile>> = BTreeMap::new();
    let mut slowest = (Duration::ZERO, String::new());
    let mut flows: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, src) in &sources {
        let t = Instant::now();
        let r = std::panic::catch_unwind(|| hooklint_rust::extract_file(name, src, &k));
        if t.elapsed() > slowest.0 {
            slowest = (t.elapsed(), name.clone());
        }
        match r {
            Ok(e) => {
                fns += e.file.functions.len();
                flow_sizes(&e.file, &mut flows);
                for p in &e.problems {
                    *problems.entry(p.code.to_string()).or_default() += 1;
                }
                let krate = name.split("/src/").next().unwrap_or_default().to_string();
                by_crate.entry(krate).or_default().push(e.file);
            }
            Err(_) => {
                panics += 1;
                eprintln!("panic: {name}");
            }
        }
    }
    let extract = start.elapsed();

    let start = Instant::now();
    let mut link_panics = 0;
    let mut slowest_link = (Duration::ZERO, String::new());
    for (krate, mut files) in by_crate {
        let t = Instant::now();
        let linked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            hooklint_rust::link(&mut files, &k)
        }));
        if linked.is_err() {
            link_panics += 1;
            eprintln!("link panic: {krate}");
        }
        if t.elapsed() > slowest_link.0 {
            slowest_link = (t.elapsed(), krate);
        }
    }
    println!(
        "files {} fns {fns} problems {problems:?} panics {panics} parse {parse:?} \
         extract {extract:?} slowest {slowest:?} link {:?} link_panics {link_panics} \
         slowest_link {slowest_link:?}",
        sources.len(),
        start.elapsed()
    );
    println!("flow tables {flows:?}");
    i32::from(panics + link_panics > 0)
}

/// Adds the sizes of the flow tables `file` keeps until `link` to `sizes`.
fn flow_sizes(file: &RustFile, sizes: &mut BTreeMap<&'static str, usize>) {
    let ff = &file.index.flow;
    for (table, len) in [
        ("fns", ff.fns.len()),
        ("globals", ff.globals.len()),
        ("nodes", ff.nodes.len()),
        ("atoms", ff.atoms.len()),
        ("sources", ff.sources.len()),
        ("strings", ff.strings.len()),
        ("fields", ff.fields.len()),
        ("pool", ff.pool.len()),
        ("vals", ff.vals.len()),
        ("params", ff.params.len()),
        ("calls", ff.calls.len()),
        ("stores", ff.stores.len()),
    ] {
        *sizes.entry(table).or_default() += len;
    }
}
