//! Reading one file as text, or saying why it cannot be checked.

use std::io::Read;
use std::path::Path;

use hooklint_model::{Problem, ProblemCode, Span};

use crate::discover::io_message;

/// The outcome of reading one file.
#[derive(Debug)]
pub(crate) enum Loaded {
    Text(String),
    /// The file cannot be checked. `text` is what can still be shown of it (invalid UTF-8
    /// replaced), for rendering the problem's snippet.
    Failed {
        problem: Problem,
        text: Option<String>,
    },
}

pub(crate) fn load(fs_path: &Path, display: &str, max_size: u64) -> Loaded {
    let failed = |err: std::io::Error| Loaded::Failed {
        problem: Problem::new(
            ProblemCode::IoError,
            format!("cannot read `{display}`: {}", io_message(&err)),
            Some(Span::line(display, 0)),
        ),
        text: None,
    };
    let file = match std::fs::File::open(fs_path) {
        Ok(file) => file,
        Err(err) => return failed(err),
    };
    let mut bytes = Vec::new();
    // Read one byte past the limit, so a file that grew since discovery is still caught.
    if let Err(err) = file.take(max_size.saturating_add(1)).read_to_end(&mut bytes) {
        return failed(err);
    }
    if bytes.len() as u64 > max_size {
        return Loaded::Failed {
            problem: Problem::new(
                ProblemCode::TooLarge,
                format!("`{display}` is larger than the limit of {max_size} bytes"),
                Some(Span::line(display, 0)),
            ),
            text: None,
        };
    }
    match String::from_utf8(bytes) {
        Ok(text) => Loaded::Text(text),
        Err(err) => {
            let valid_up_to = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let span = invalid_byte_span(display, &bytes, valid_up_to);
            Loaded::Failed {
                problem: Problem::new(
                    ProblemCode::NonUtf8,
                    format!("`{display}` is not valid UTF-8"),
                    Some(span),
                ),
                text: Some(text),
            }
        }
    }
}

/// The line and character column of the first invalid byte; `bytes[..valid_up_to]` is valid.
fn invalid_byte_span(display: &str, bytes: &[u8], valid_up_to: usize) -> Span {
    let valid = bytes.get(..valid_up_to).unwrap_or_default();
    let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
    let before = valid.get(line_start..).unwrap_or_default();
    let column = String::from_utf8_lossy(before).chars().count() + 1;
    let line = u32::try_from(line).unwrap_or(u32::MAX);
    let column = u32::try_from(column).unwrap_or(u32::MAX);
    Span::new(display, line, column, line, column.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utf8_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        std::fs::write(&path, "fn main() {}\n").unwrap();
        match load(&path, "a.rs", 100) {
            Loaded::Text(text) => assert_eq!(text, "fn main() {}\n"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_utf8_points_at_the_first_invalid_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        std::fs::write(&path, b"fn a() {}\nlet \xc3\xa9 = \xff;\n").unwrap();
        match load(&path, "a.rs", 100) {
            Loaded::Failed { problem, text } => {
                assert_eq!(problem.code, ProblemCode::NonUtf8);
                assert_eq!(problem.span, Some(Span::new("a.rs", 2, 9, 2, 10)));
                assert!(text.is_some_and(|t| t.contains('\u{fffd}')));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn too_large_and_missing_files_are_problems() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        std::fs::write(&path, "0123456789").unwrap();
        match load(&path, "a.rs", 9) {
            Loaded::Failed { problem, .. } => assert_eq!(problem.code, ProblemCode::TooLarge),
            other => panic!("{other:?}"),
        }
        assert!(matches!(load(&path, "a.rs", 10), Loaded::Text(_)));
        match load(&dir.path().join("b.rs"), "b.rs", 10) {
            Loaded::Failed { problem, .. } => assert_eq!(problem.code, ProblemCode::IoError),
            other => panic!("{other:?}"),
        }
    }
}
