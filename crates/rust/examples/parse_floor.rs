//! The parse floor: how long reading every listed `.rs` file and a bare `syn::parse_file` pass
//! over it take on N threads. `scripts/bench` compares `cargo hooklint check` on the same files
//! with this figure; anything a linter does beyond reading and parsing is above the floor.
//!
//! usage: cargo run --release -p hooklint-rust --example parse_floor -- LIST_FILE [THREADS]
//!
//! LIST_FILE holds one path per line. Output is one line of `key=value` pairs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The same allocator as the `cargo-hooklint` binary, so that the floor and the check differ
/// only in what hooklint does beyond parsing.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(list) = args.next() else {
        eprintln!("usage: parse_floor LIST_FILE [THREADS]");
        std::process::exit(2);
    };
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(2).max(1);
    let list = match std::fs::read_to_string(&list) {
        Ok(list) => list,
        Err(err) => {
            eprintln!("cannot read {list}: {err}");
            std::process::exit(2);
        }
    };
    let mut files: Vec<(u64, &str)> = list
        .lines()
        .filter(|l| !l.is_empty())
        .map(|p| (std::fs::metadata(p).map(|m| m.len()).unwrap_or(0), p))
        .collect();
    // Largest first, as the engine schedules them, so both passes balance their threads alike.
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let next = AtomicUsize::new(0);
    let failures = AtomicUsize::new(0);
    let unreadable = AtomicUsize::new(0);
    let bytes = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let spawned = std::thread::Builder::new()
                // syn recurses per nesting level; the engine's workers have the same stack.
                .stack_size(64 << 20)
                .spawn_scoped(scope, || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((_, path)) = files.get(i) else { break };
                    let Ok(text) = std::fs::read_to_string(path) else {
                        unreadable.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    bytes.fetch_add(text.len(), Ordering::Relaxed);
                    if syn::parse_file(&text).is_err() {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                    // As the extractor does: keep proc-macro2's per-thread source map small.
                    proc_macro2::extra::invalidate_current_thread_spans();
                });
            if let Err(err) = spawned {
                eprintln!("cannot spawn a parser thread: {err}");
                std::process::exit(1);
            }
        }
    });
    let secs = start.elapsed().as_secs_f64();
    println!(
        "files={} bytes={} parse_failures={} unreadable={} threads={threads} seconds={secs:.3}",
        files.len(),
        bytes.load(Ordering::Relaxed),
        failures.load(Ordering::Relaxed),
        unreadable.load(Ordering::Relaxed),
    );
}
