//! The YAML / JSON manifest reader on arbitrary text: facts and problems, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = hooklint_manifest::extract_manifest("deploy/app.yaml", text);
    let _ = hooklint_manifest::extract_manifest(".github/app-manifest.json", text);
});
