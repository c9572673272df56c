//! Where output goes: colour choice, stdout and stderr writers, usage errors.

use std::io::{self, IsTerminal, Write};

use hooklint_report::termcolor::{BufferedStandardStream, ColorChoice, StandardStream};

use crate::flags::ColorWhen;

/// `auto` colours only a terminal, and never when `NO_COLOR` is set (no-color.org).
pub fn color_choice(when: ColorWhen, is_terminal: bool) -> ColorChoice {
    match when {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            if no_color || !is_terminal {
                ColorChoice::Never
            } else {
                ColorChoice::Auto
            }
        }
    }
}

pub fn stdout(when: ColorWhen) -> BufferedStandardStream {
    BufferedStandardStream::stdout(color_choice(when, io::stdout().is_terminal()))
}

pub fn stderr(when: ColorWhen) -> StandardStream {
    StandardStream::stderr(color_choice(when, io::stderr().is_terminal()))
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
}
