//! Where output goes: colour choice, stdout and stderr writers, usage errors.

use std::io::{self, IsTerminal, Write};

use hooklint_report::termcolor::{BufferedStandardStream, ColorChoice, StandardStream};

use crate::flags::ColorWhen;

/// `--color always|never` wins; with `auto`, `CARGO_TERM_COLOR=always|never` (cargo's own
/// setting) decides, then `NO_COLOR` (no-color.org) turns colour off, and otherwise only a
/// terminal is coloured.
pub fn color_choice(when: ColorWhen, is_terminal: bool) -> ColorChoice {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    choose(when, var("CARGO_TERM_COLOR").as_deref(), var("NO_COLOR").is_some(), is_terminal)
}

fn choose(
    when: ColorWhen,
    cargo_term_color: Option<&str>,
    no_color: bool,
    is_terminal: bool,
) -> ColorChoice {
    match (when, cargo_term_color) {
        (ColorWhen::Always, _) | (ColorWhen::Auto, Some("always")) => ColorChoice::Always,
        (ColorWhen::Never, _) | (ColorWhen::Auto, Some("never")) => ColorChoice::Never,
        (ColorWhen::Auto, _) if no_color || !is_terminal => ColorChoice::Never,
        (ColorWhen::Auto, _) => ColorChoice::Auto,
    }
}

pub fn stdout(when: ColorWhen) -> BufferedStandardStream {
    BufferedStandardStream::stdout(color_choice(when, io::stdout().is_terminal()))
}

pub fn stderr(when: ColorWhen) -> StandardStream {
    StandardStream::stderr(color_choice(when, io::stderr().is_terminal()))
}

/// A progress bar on stderr while a run reads and parses its files: drawn only on a terminal,
/// and only once the run has lasted a moment, so short runs and logs stay clean.
pub struct Bar {
    pub progress: std::sync::Arc<hooklint_engine::Progress>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Bar {
    /// `None` unless stderr is a terminal (and not a dumb one).
    pub fn start(enabled: bool) -> Option<Bar> {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        if !enabled || dumb || !io::stderr().is_terminal() {
            return None;
        }
        let progress = std::sync::Arc::new(hooklint_engine::Progress::default());
        let shared = std::sync::Arc::clone(&progress);
        let thread = std::thread::spawn(move || draw(&shared));
        Some(Bar { progress, thread: Some(thread) })
    }

    pub fn finish(mut self) {
        self.progress.finished.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn draw(progress: &hooklint_engine::Progress) {
    use std::sync::atomic::Ordering::Relaxed;
    use std::time::{Duration, Instant};
    let start = Instant::now();
    let mut drawn = false;
    while !progress.finished.load(Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
        if start.elapsed() < Duration::from_millis(400) {
            continue;
        }
        let (done, total) = (progress.done.load(Relaxed), progress.total.load(Relaxed));
        let line = progress_line(done, total);
        let _ = write!(io::stderr().lock(), "\r\x1b[2K{line}");
        drawn = true;
        std::thread::sleep(Duration::from_millis(50));
    }
    if drawn {
        let _ = write!(io::stderr().lock(), "\r\x1b[2K");
    }
}

/// `    Checking [=======>        ] 120/348 files`, then `evaluating` once every file is read.
fn progress_line(done: usize, total: usize) -> String {
    const WIDTH: usize = 25;
    if total > 0 && done >= total {
        return format!("    Checking {total} files: linking and evaluating");
    }
    let filled = (done * WIDTH).checked_div(total).unwrap_or(0).min(WIDTH);
    let bar: String = (0..WIDTH)
        .map(|i| match i.cmp(&filled) {
            std::cmp::Ordering::Less => '=',
            std::cmp::Ordering::Equal => '>',
            std::cmp::Ordering::Greater => ' ',
        })
        .collect();
    format!("    Checking [{bar}] {done}/{total} files")
}

/// Prints `error: MESSAGE` and the help lines to stderr. A closed stderr is ignored: there is
/// nowhere left to report it.
pub fn error(message: &str, help: &[String]) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "error: {message}");
    for line in help {
        let _ = writeln!(err, "  help: {line}");
    }
}

pub fn note(message: &str) {
    let _ = writeln!(io::stderr().lock(), "note: {message}");
}

/// `check --timings`: one line per phase of the run, then the whole run.
pub fn timings(phases: &[(&str, std::time::Duration)], total: std::time::Duration) {
    let mut err = io::stderr().lock();
    for (phase, took) in phases {
        let _ = writeln!(err, "timing: {:>8.3} s  {phase}", took.as_secs_f64());
    }
    let _ = writeln!(err, "timing: {:>8.3} s  the run", total.as_secs_f64());
}

pub fn warning(message: &str) {
    let _ = writeln!(io::stderr().lock(), "warning: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_choices_win() {
        assert_eq!(color_choice(ColorWhen::Always, false), ColorChoice::Always);
        assert_eq!(color_choice(ColorWhen::Never, true), ColorChoice::Never);
        assert_eq!(color_choice(ColorWhen::Auto, false), ColorChoice::Never);
    }

    #[test]
    fn the_progress_line_fills_with_the_files_read() {
        assert_eq!(progress_line(0, 0), format!("    Checking [>{}] 0/0 files", " ".repeat(24)));
        assert_eq!(
            progress_line(5, 10),
            format!("    Checking [{}>{}] 5/10 files", "=".repeat(12), " ".repeat(12))
        );
        assert_eq!(progress_line(10, 10), "    Checking 10 files: linking and evaluating");
    }

    #[test]
    fn cargo_term_color_then_no_color_decide_auto() {
        use ColorWhen::{Always, Auto, Never};
        assert_eq!(choose(Auto, Some("always"), true, false), ColorChoice::Always);
        assert_eq!(choose(Auto, Some("never"), false, true), ColorChoice::Never);
        assert_eq!(choose(Auto, Some("auto"), true, true), ColorChoice::Never);
        assert_eq!(choose(Auto, None, false, true), ColorChoice::Auto);
        assert_eq!(choose(Never, Some("always"), false, true), ColorChoice::Never);
        assert_eq!(choose(Always, Some("never"), true, false), ColorChoice::Always);
    }
}
