//! The YAML / JSON manifest reader on arbitrary text: facts and problems, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn knowledge() -> &'static hooklint_model::Knowledge {
    static K: OnceLock<hooklint_model::Knowledge> = OnceLock::new();
    K.get_or_init(hooklint_policy::builtin_knowledge)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let k = knowledge();
    let a = hooklint_manifest::extract_manifest("deploy/app.yaml", text, k);
    let b = hooklint_manifest::extract_manifest(".github/app-manifest.json", text, k);
    let c = hooklint_manifest::extract_manifest("chart/values.yaml", text, k);
    // Cross-file grouping of credentials over what was read.
    let _ = hooklint_manifest::build_project(&[a.file, b.file, c.file], &[]);
});
