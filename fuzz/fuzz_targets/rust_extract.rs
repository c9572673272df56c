//! The Rust fact extractor and the project index on arbitrary text: no panic, no hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn knowledge() -> &'static hooklint_model::Knowledge {
    static K: OnceLock<hooklint_model::Knowledge> = OnceLock::new();
    K.get_or_init(hooklint_policy::builtin_knowledge)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text = text.to_string();
    // On a worker's 64 MiB stack, as the engine runs it: an overflow here is one in
    // production too.
    let worker = std::thread::Builder::new().stack_size(64 << 20).spawn(move || {
        let k = knowledge();
        let extracted = hooklint_rust::extract_file("src/fuzz.rs", &text, k);
        // A second file so that cross-file linking has something to resolve against.
        let other = hooklint_rust::extract_file("src/other.rs", "pub fn verify() {}", k);
        let mut files = vec![extracted.file, other.file];
        hooklint_rust::link(&mut files, k);
    });
    if let Ok(worker) = worker {
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
    }
});
