//! The `facts` view: what a policy sees, for rule authors.

use std::io;

use hooklint_model::manifest::ManifestFile;
use hooklint_model::{Function, Literal, RustFile, FACTS_VERSION};
use serde::Serialize;

#[derive(Serialize)]
struct FactsDocument<'a> {
    version: u32,
    files: Vec<FileFacts<'a>>,
    /// Manifest documents (target `manifest`, bound as `doc`); left out with a function filter.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    manifests: &'a [ManifestFile],
}

/// `RustFile` skips its functions when serialised (they are separate policy targets), so the
/// view names them explicitly.
#[derive(Serialize)]
struct FileFacts<'a> {
    path: &'a str,
    is_test: bool,
    literals: &'a [Literal],
    functions: Vec<&'a Function>,
}

/// Writes the facts of `files` and `manifests` as pretty JSON. With `function`, keeps only the
/// functions whose name or qualified name equals it, only the files that have one, and no
/// manifests. With `redact`, every string written goes through it first (the caller replaces
/// secret values there). Returns how many functions and documents were written.
pub fn facts_json(
    w: &mut dyn io::Write,
    files: &[RustFile],
    manifests: &[ManifestFile],
    function: Option<&str>,
    redact: Option<&Redact<'_>>,
) -> io::Result<usize> {
    let mut written = 0;
    let files = files
        .iter()
        .filter_map(|file| {
            let functions: Vec<&Function> = file
                .functions
                .iter()
                .filter(|f| function.is_none_or(|n| f.name == n || f.qualified_name == n))
                .collect();
            if function.is_some() && functions.is_empty() {
                return None;
            }
            written += functions.len();
            Some(FileFacts {
                path: &file.path,
                is_test: file.is_test,
                literals: &file.literals,
                functions,
            })
        })
        .collect();
    let manifests = if function.is_some() { &[][..] } else { manifests };
    written += manifests.iter().map(|m| m.documents.len()).sum::<usize>();
    let document = FactsDocument { version: FACTS_VERSION, files, manifests };
    match redact {
        None => serde_json::to_writer_pretty(&mut *w, &document).map_err(io::Error::from)?,
        Some(redact) => {
            let mut value = serde_json::to_value(&document).map_err(io::Error::from)?;
            redact_strings(&mut value, redact);
            serde_json::to_writer_pretty(&mut *w, &value).map_err(io::Error::from)?;
        }
    }
    writeln!(w)?;
    Ok(written)
}

/// Rewrites a string that must not be shown as it is; `None` keeps it.
pub type Redact<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// Every string of `value` through `redact`.
fn redact_strings(value: &mut serde_json::Value, redact: &Redact<'_>) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::String(s) => {
                if let Some(new) = redact(s) {
                    *s = new;
                }
            }
            serde_json::Value::Array(items) => stack.extend(items.iter_mut()),
            serde_json::Value::Object(map) => stack.extend(map.values_mut()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, functions: &[(&str, &str)]) -> RustFile {
        RustFile {
            path: path.to_string(),
            functions: functions
                .iter()
                .map(|(name, qualified)| Function {
                    name: name.to_string(),
                    qualified_name: qualified.to_string(),
                    ..Function::default()
                })
                .collect(),
            ..RustFile::default()
        }
    }

    fn render(files: &[RustFile], function: Option<&str>) -> (serde_json::Value, usize) {
        let mut out = Vec::new();
        let written = facts_json(&mut out, files, &[], function, None).unwrap();
        (serde_json::from_slice(&out).unwrap(), written)
    }

    #[test]
    fn lists_files_with_their_functions() {
        let files = [file("a.rs", &[("f", "a::f"), ("g", "a::g")]), file("b.rs", &[])];
        let (value, written) = render(&files, None);
        assert_eq!(written, 2);
        assert_eq!(value["version"], FACTS_VERSION);
        assert_eq!(value["files"][0]["path"], "a.rs");
        assert_eq!(value["files"][0]["functions"][1]["qualified_name"], "a::g");
        assert_eq!(value["files"][0]["functions"][1]["body"]["kind"], "");
        assert_eq!(value["files"][1]["functions"], serde_json::json!([]));
    }

    #[test]
    fn secrets_are_redacted_in_every_field() {
        let mut files = [file("a.rs", &[("f", "a::f")])];
        files[0].functions[0].literals.push(hooklint_model::Literal {
            value: "sk_live_0123456789abcdef".into(),
            binding: "KEY".into(),
            ..hooklint_model::Literal::default()
        });
        files[0].functions[0].name = "uses sk_live_0123456789abcdef".into();
        let mut out = Vec::new();
        let redact = |s: &str| {
            s.contains("sk_live_").then(|| s.replace("sk_live_0123456789abcdef", "<redacted>"))
        };
        facts_json(&mut out, &files, &[], None, Some(&redact)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("sk_live_0123"), "{text}");
        assert_eq!(text.matches("<redacted>").count(), 2, "{text}");
    }

    #[test]
    fn filters_by_name_or_qualified_name() {
        let files = [file("a.rs", &[("f", "a::f"), ("g", "a::g")]), file("b.rs", &[("f", "b::f")])];
        let (value, written) = render(&files, Some("f"));
        assert_eq!(written, 2);
        assert_eq!(value["files"].as_array().map(Vec::len), Some(2));
        let (value, written) = render(&files, Some("b::f"));
        assert_eq!(written, 1);
        assert_eq!(value["files"][0]["path"], "b.rs");
        let (_, written) = render(&files, Some("nope"));
        assert_eq!(written, 0);
    }
}
