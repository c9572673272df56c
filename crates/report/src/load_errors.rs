//! Policy files and `hooklint.toml` that failed to load, shown codespan-style inside the file.

use std::io;

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::term::termcolor::WriteColor;
use hooklint_model::{LoadError, LoadErrorKind};

use crate::excerpt::Excerpts;
use crate::human::{config, emit, plural, shown};

/// One diagnostic per error, pointing at its line and column in its file, with its kind's code
/// (`policy-error`, `config-error`), then a closing line saying how many errors stopped the
/// run.
pub fn render_load_errors(w: &mut dyn WriteColor, errors: &[LoadError]) -> io::Result<()> {
    let mut files = Excerpts::new();
    for error in errors {
        // An empty text is a file whose content is not shown (unreadable, or outside the
        // checked tree): the error names its place only.
        if !error.text.is_empty() {
            files.add(&error.path, &error.text);
        }
    }
    let config = config();
    for error in errors {
        let end_column = error.column.saturating_add(error.len.max(1));
        let span = hooklint_model::Span::new(
            error.path.as_str(),
            error.line,
            error.column,
            error.line,
            end_column,
        );
        let mut diagnostic =
            Diagnostic::error().with_code(error.kind.code()).with_message(shown(&error.message));
        match files.locate(&[&span]).into_iter().next().flatten() {
            Some((id, range)) => diagnostic = diagnostic.with_label(Label::primary(id, range)),
            None if error.line > 0 => {
                diagnostic = diagnostic.with_note(format!(
                    "in {}:{}:{}",
                    shown(&error.path),
                    error.line,
                    error.column
                ));
            }
            None => diagnostic = diagnostic.with_note(format!("in {}", shown(&error.path))),
        }
        if let Some(help) = &error.help {
            diagnostic = diagnostic.with_note(format!("help: {}", shown(help)));
        }
        emit(w, &config, &files, &diagnostic)?;
    }
    let closing = if errors.iter().all(|e| e.kind == LoadErrorKind::Config) {
        "invalid configuration"
    } else {
        "could not load policies"
    };
    writeln!(w, "error: {closing}: {}", plural(errors.len(), "error"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use codespan_reporting::term::termcolor::NoColor;

    #[test]
    fn points_into_the_policy_file() {
        let errors = [
            LoadError {
                kind: LoadErrorKind::Policy,
                path: "policies/x.yaml".into(),
                text: "id: x/y\nviolation: fn.compare.exists(c, c)\n".into(),
                line: 2,
                column: 12,
                len: 10,
                message: "unknown field `fn.compare`".into(),
                help: Some("did you mean `fn.compares`?".into()),
            },
            LoadError {
                kind: LoadErrorKind::Policy,
                path: "policies/z.yaml".into(),
                text: String::new(),
                line: 40,
                column: 3,
                len: 0,
                message: "unknown key `sevrity`".into(),
                help: None,
            },
        ];
        let mut out = NoColor::new(Vec::new());
        render_load_errors(&mut out, &errors).unwrap();
        let text = String::from_utf8(out.into_inner()).unwrap();
        assert!(text.contains("error[policy-error]: unknown field `fn.compare`"), "{text}");
        assert!(text.contains("--> policies/x.yaml:2:12"), "{text}");
        assert!(text.contains("^^^^^^^^^^"), "{text}");
        assert!(text.contains("= help: did you mean `fn.compares`?"), "{text}");
        assert!(text.contains("policies/z.yaml:"), "{text}");
        assert!(text.ends_with("error: could not load policies: 2 errors\n"), "{text}");
    }

    #[test]
    fn configuration_errors_have_their_own_code() {
        let error = LoadError {
            kind: LoadErrorKind::Config,
            path: "hooklint.toml".into(),
            text: "[rules]\nx = 1\n".into(),
            line: 2,
            column: 1,
            len: 1,
            message: "unknown rule `x`".into(),
            help: None,
        };
        let mut out = NoColor::new(Vec::new());
        render_load_errors(&mut out, &[error]).unwrap();
        let text = String::from_utf8(out.into_inner()).unwrap();
        assert!(text.contains("error[config-error]: unknown rule `x`"), "{text}");
        assert!(text.ends_with("error: invalid configuration: 1 error\n"), "{text}");
    }
}
