//! Crash isolation for `check`: the process runs the same command line again as a child and
//! waits for it. The child records which file each worker is parsing (`hooklint_engine::watch`).
//! When the child dies of a signal (a stack overflow no bound foresaw, an abort, the OOM
//! killer), the parent runs it again: the files that were in flight are parsed one at a time
//! first, so that the next crash names one file, and a file that crashed is not parsed again
//! but reported as a `too-complex` problem at its first line. The run still ends with a
//! complete report in the requested format.
//!
//! `catch_unwind` cannot do this: a stack overflow aborts the process. Worker processes that
//! send facts back would serialize every fact on every run; a bigger stack only moves the
//! limit. A supervising parent costs one process start on the normal path, and the child two
//! small appends to a file per file it checks.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use hooklint_engine::watch::{Watch, WatchDir, WatchState, WATCH_ENV};
use hooklint_model::{Problem, ProblemCode};
use hooklint_report::Report;

use crate::flags::CheckArgs;
use crate::output;

/// Attempts before the parent gives up and reports the crash itself.
const MAX_ATTEMPTS: usize = 16;

/// The flight record to write, when this process is the supervised child.
pub fn watch() -> anyhow::Result<Option<Watch>> {
    let Some(dir) = std::env::var_os(WATCH_ENV) else { return Ok(None) };
    let dir = PathBuf::from(dir);
    exit_with_parent();
    Ok(Some(Watch::open(&dir)?))
}

/// The workers' stack size: `HOOKLINT_STACK_SIZE` (bytes) when set, which the test suite uses
/// to make a real stack overflow happen on an ordinary file and watch the run survive it.
pub fn stack_size() -> usize {
    std::env::var("HOOKLINT_STACK_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(hooklint_engine::STACK_SIZE)
}

/// Whether this process should supervise a child instead of checking itself.
pub fn wanted() -> bool {
    cfg!(unix)
        && std::env::var_os(WATCH_ENV).is_none()
        && std::env::var_os("HOOKLINT_SUPERVISE").is_none_or(|v| v != "0")
}

/// Runs the current command line as a child until it ends without a crash; returns its exit
/// code. `Ok(None)` when a child cannot be started (the caller then checks in-process).
pub fn supervise(args: &CheckArgs) -> anyhow::Result<Option<u8>> {
    let Ok(exe) = std::env::current_exe() else { return Ok(None) };
    let Ok(dir) = WatchDir::create() else { return Ok(None) };
    let argv: Vec<_> = std::env::args_os().skip(1).collect();
    let mut state = WatchState::default();
    let mut last_signal = None;
    for _ in 0..MAX_ATTEMPTS {
        dir.prepare(&state)?;
        let status = match Command::new(&exe).args(&argv).env(WATCH_ENV, &dir.path).status() {
            Ok(status) => status,
            Err(_) if state == WatchState::default() => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        let Some(signal) = killed_by(&status) else {
            return Ok(Some(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1)));
        };
        if is_interrupt(signal) {
            // Stopped from outside (Ctrl-C, a CI timeout): not a crash to recover from.
            return Ok(Some(128u8.saturating_add(u8::try_from(signal).unwrap_or(0))));
        }
        last_signal = Some(signal);
        let in_flight = dir.in_flight();
        match in_flight.len() {
            0 => break,
            1 => {
                state.suspects.retain(|s| !in_flight.contains(s));
                state.crashed.extend(in_flight.iter().cloned());
            }
            _ => state.suspects.extend(in_flight.iter().cloned()),
        }
        let names: Vec<String> =
            in_flight.iter().map(|p| format!("`{}`", hooklint_report::visible(p))).collect();
        output::note(&format!(
            "hooklint was stopped by {} while checking {}; checking again without {}",
            signal_name(signal),
            names.join(", "),
            if in_flight.len() == 1 { "it" } else { "them, one at a time" }
        ));
    }
    Ok(Some(crash_report(args, last_signal)?))
}

/// A crash outside the per-file work, or one that kept coming back: the parent writes the
/// report itself, with one `internal-error` problem, and the run fails.
fn crash_report(args: &CheckArgs, signal: Option<i32>) -> anyhow::Result<u8> {
    let what = signal.map_or_else(|| "a signal".to_string(), signal_name);
    let problem = Problem::new(
        ProblemCode::InternalError,
        format!(
            "internal error: hooklint was stopped by {what} outside the work on one file; the \
             run is incomplete"
        ),
        None,
    );
    let empty = std::collections::BTreeMap::new();
    let problems = [problem];
    let report = Report {
        findings: &[],
        problems: &problems,
        files_checked: 0,
        templates_skipped: 0,
        skipped: &[],
        duration: Duration::ZERO,
        suppressed: &[],
        baseline: None,
        outside_diff: None,
        below_confidence: hooklint_report::BelowConfidence::default(),
        excluded: 0,
        sources: &empty,
        titles: &empty,
        configuration: None,
    };
    crate::commands::write_report(args, &report, &[])?;
    Ok(1)
}

#[cfg(unix)]
fn killed_by(status: &std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

#[cfg(not(unix))]
fn killed_by(_: &std::process::ExitStatus) -> Option<i32> {
    None
}

/// SIGHUP, SIGINT, SIGQUIT, SIGTERM: someone stopped the run.
fn is_interrupt(signal: i32) -> bool {
    matches!(signal, 1 | 2 | 3 | 15)
}

fn signal_name(signal: i32) -> String {
    let name = match signal {
        4 => "SIGILL",
        6 => "SIGABRT (an abort, such as a stack overflow)",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL (out of memory, or killed)",
        11 => "SIGSEGV (a stack overflow)",
        _ => return format!("signal {signal}"),
    };
    name.to_string()
}

/// The child ends when its parent does: a CI timeout that kills the parent must not leave the
/// check running on its own.
fn exit_with_parent() {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        let _ = std::thread::Builder::new().name("hooklint-parent".into()).spawn(move || loop {
            std::thread::sleep(Duration::from_millis(250));
            if std::os::unix::process::parent_id() != parent {
                std::process::exit(1);
            }
        });
    }
}
