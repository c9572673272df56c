//! Reading one file as text, or saying why it cannot be checked.
//!
//! Every file hooklint reads (sources, `hooklint.toml`, policies, baselines) is opened here:
//! only regular files are read. A FIFO, socket or device is refused without blocking (it is
//! opened non-blocking and checked on the open descriptor, so a file swapped for a FIFO
//! between a check and the open cannot hang the run either).

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
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
    let file = match open_regular(fs_path) {
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

/// Opens `path` for reading when it is a regular file (after following symbolic links);
/// anything else is an error that says what it is.
pub(crate) fn open_regular(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading blocks until a writer appears; non-blocking, it returns
        // at once and the check below refuses it. Reads of regular files are unaffected.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let kind = file.metadata()?.file_type();
    if kind.is_file() {
        return Ok(file);
    }
    Err(io::Error::new(io::ErrorKind::InvalidInput, not_regular(&kind)))
}

fn not_regular(kind: &std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        return "it is a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "it is a FIFO (named pipe), not a regular file";
        }
        if kind.is_socket() {
            return "it is a socket, not a regular file";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "it is a device, not a regular file";
        }
    }
    "it is not a regular file"
}

/// Reads a regular file of at most `limit` bytes as UTF-8 text. Errors are messages without
/// the file's name and never quote its content.
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<String, String> {
    let file = open_regular(path).map_err(|err| io_message(&err))?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(|err| io_message(&err))?;
    if bytes.len() as u64 > limit {
        return Err(format!("it is larger than the limit of {limit} bytes"));
    }
    String::from_utf8(bytes).map_err(|_| "it is not valid UTF-8".to_string())
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

    /// Loads a file `a.rs` that holds `bytes`, with the size limit `max`.
    fn load_file(bytes: &[u8], max: u64) -> Loaded {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.rs");
        std::fs::write(&path, bytes).unwrap();
        load(&path, "a.rs", max)
    }

    #[test]
    fn reads_utf8_text() {
        match load_file(b"fn main() {}\n", 100) {
            Loaded::Text(text) => assert_eq!(text, "fn main() {}\n"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_utf8_points_at_the_first_invalid_byte() {
        match load_file(b"fn a() {}\nlet \xc3\xa9 = \xff;\n", 100) {
            Loaded::Failed { problem, text } => {
                assert_eq!(problem.code, ProblemCode::NonUtf8);
                assert_eq!(problem.span, Some(Span::new("a.rs", 2, 9, 2, 10)));
                assert!(text.is_some_and(|t| t.contains('\u{fffd}')));
            }
            other => panic!("{other:?}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn fifos_and_devices_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.rs");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        match load(&fifo, "pipe.rs", 100) {
            Loaded::Failed { problem, .. } => {
                assert_eq!(problem.code, ProblemCode::IoError);
                assert!(problem.message.contains("FIFO"), "{}", problem.message);
            }
            other => panic!("{other:?}"),
        }
        let err = read_text(Path::new("/dev/zero"), 100).unwrap_err();
        assert!(err.contains("device"), "{err}");
        let err = read_text(dir.path(), 100).unwrap_err();
        assert!(err.contains("directory"), "{err}");
    }

    #[test]
    fn too_large_and_missing_files_are_problems() {
        match load_file(b"0123456789", 9) {
            Loaded::Failed { problem, .. } => assert_eq!(problem.code, ProblemCode::TooLarge),
            other => panic!("{other:?}"),
        }
        assert!(matches!(load_file(b"0123456789", 10), Loaded::Text(_)));
        let dir = tempfile::tempdir().unwrap();
        match load(&dir.path().join("b.rs"), "b.rs", 10) {
            Loaded::Failed { problem, .. } => assert_eq!(problem.code, ProblemCode::IoError),
            other => panic!("{other:?}"),
        }
    }
}
