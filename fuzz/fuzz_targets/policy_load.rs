//! The policy loader on arbitrary text: a `PolicyError` or a policy, never a panic; a policy
//! that loads is also evaluated on an empty function and file.
#![no_main]

use hooklint_policy::{PolicySet, PolicySource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let source = PolicySource { path: "policies/fuzz/rule.yaml".into(), text: text.into() };
    if let Ok(set) = PolicySet::load(&[source], hooklint_policy::builtin_knowledge()) {
        let _ = set.check_function(&hooklint_model::Function::default());
        let _ = set.check_file(&hooklint_model::RustFile::default());
    }
});
