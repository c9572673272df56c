//! The flight record of a supervised run: which file each worker is parsing, so that a parent
//! process can tell, when a run dies of a signal (a stack overflow, an abort, the OOM killer),
//! which file did it, and run again without it.
//!
//! The record is a directory: `log` is appended one line per event by the workers (`+PATH`
//! before a file is read, `-PATH` after its facts are extracted and its syntax tree dropped;
//! paths are JSON strings), `state.json` is written by the parent before each attempt with the
//! files that crashed an earlier attempt (`crashed`: not parsed again, each a `too-complex`
//! problem) and those that were in flight when one crashed (`suspects`: parsed one at a time
//! before the others, so that the next crash names exactly one file).
//!
//! Cost on the normal path: two small appends per file.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The environment variable through which a supervising parent hands the record's directory
/// to the child it runs.
pub const WATCH_ENV: &str = "HOOKLINT_WATCH_DIR";

/// What the parent tells an attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchState {
    pub crashed: BTreeSet<String>,
    pub suspects: BTreeSet<String>,
}

/// The child's side: the log it appends to and the state it was given.
#[derive(Debug)]
pub struct Watch {
    log: File,
    pub state: WatchState,
}

impl Watch {
    /// Opens the record in `dir` for appending, with the parent's state.
    pub fn open(dir: &Path) -> io::Result<Watch> {
        let log = OpenOptions::new().create(true).append(true).open(dir.join("log"))?;
        let state = match std::fs::read_to_string(dir.join("state.json")) {
            Ok(text) => serde_json::from_str(&text).map_err(io::Error::other)?,
            Err(err) if err.kind() == io::ErrorKind::NotFound => WatchState::default(),
            Err(err) => return Err(err),
        };
        Ok(Watch { log, state })
    }

    /// Records that `path` is being parsed. A failed write only loses the record.
    pub(crate) fn start(&self, path: &str) {
        self.event('+', path);
    }

    /// Records that `path` is done.
    pub(crate) fn end(&self, path: &str) {
        self.event('-', path);
    }

    fn event(&self, sign: char, path: &str) {
        let mut line = String::with_capacity(path.len() + 4);
        line.push(sign);
        line.push_str(&serde_json::to_string(path).unwrap_or_default());
        line.push('\n');
        // One `write` of an `O_APPEND` file: lines from several workers never interleave.
        let _ = (&self.log).write_all(line.as_bytes());
    }
}

/// The parent's side: a private directory for the record, removed when dropped.
#[derive(Debug)]
pub struct WatchDir {
    pub path: PathBuf,
}

impl WatchDir {
    /// Creates a fresh directory under the system's temporary directory, readable by this
    /// user only.
    pub fn create() -> io::Result<WatchDir> {
        let base = std::env::temp_dir();
        let pid = std::process::id();
        for attempt in 0..100u32 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let path = base.join(format!("hooklint-{pid}-{nanos:x}-{attempt}"));
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            match builder.create(&path) {
                Ok(()) => return Ok(WatchDir { path }),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => return Err(err),
            }
        }
        Err(io::Error::other("cannot create a temporary directory"))
    }

    /// Starts a new attempt: an empty log and the given state.
    pub fn prepare(&self, state: &WatchState) -> io::Result<()> {
        File::create(self.path.join("log"))?;
        let text = serde_json::to_string(state).map_err(io::Error::other)?;
        std::fs::write(self.path.join("state.json"), text)
    }

    /// The files an attempt started and did not finish, sorted.
    pub fn in_flight(&self) -> BTreeSet<String> {
        let text = std::fs::read_to_string(self.path.join("log")).unwrap_or_default();
        let mut open = BTreeSet::new();
        for line in text.lines() {
            let (sign, rest) = line.split_at(line.len().min(1));
            let Ok(path) = serde_json::from_str::<String>(rest) else { continue };
            match sign {
                "+" => {
                    open.insert(path);
                }
                "-" => {
                    open.remove(&path);
                }
                _ => {}
            }
        }
        open
    }
}

impl Drop for WatchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_sees_what_was_in_flight() {
        let dir = WatchDir::create().unwrap();
        let state = WatchState {
            crashed: BTreeSet::from(["a.rs".to_string()]),
            suspects: BTreeSet::from(["b.rs".to_string()]),
        };
        dir.prepare(&state).unwrap();
        let watch = Watch::open(&dir.path).unwrap();
        assert_eq!(watch.state, state);
        watch.start("x.rs");
        watch.start("new\nline.rs");
        watch.end("x.rs");
        watch.start("y.rs");
        assert_eq!(
            dir.in_flight().into_iter().collect::<Vec<_>>(),
            ["new\nline.rs".to_string(), "y.rs".to_string()]
        );
        dir.prepare(&WatchState::default()).unwrap();
        assert!(dir.in_flight().is_empty());
        let path = dir.path.clone();
        drop(dir);
        assert!(!path.exists());
    }
}
