//! What a walker's depth limit leaves out is reported, not skipped silently.
//!
//! The pre-parse scan (`scan.rs`) bounds how deep any syntax tree can be, so these limits sit
//! at or above what it lets through and should never be reached; if one is, the walker stops
//! there and records where, and `extract_file` turns each record into a `too-complex` problem
//! with the line, so the run says it is incomplete.

use std::cell::RefCell;

use hooklint_model::{Problem, ProblemCode, Span};

/// Expressions nested inside one another (method chains count a level per link).
pub const EXPR_DEPTH: usize = crate::scan::MAX_TREE_DEPTH + 64;
/// Inline modules and nested `use` groups: brackets bound them.
pub const ITEM_DEPTH: usize = crate::scan::MAX_BRACKETS + 8;
/// Types and patterns nested inside one another.
pub const TYPE_DEPTH: usize = crate::scan::MAX_PARSE_DEPTH + 8;

/// Bytes of macro bodies one file may have parsed, in all: a body is parsed once for every
/// macro it is nested in (syn copies a group's tokens, nested groups included, each time), so
/// 500 nested `a!(..)` around 1.4 MB took 330 s. Eight times the file is far more than real
/// nesting needs.
pub fn macro_budget(file_len: usize) -> usize {
    file_len.saturating_mul(8).saturating_add(1 << 20)
}

/// What an expansion of the file's own macros that passed its bounds leaves out (see
/// `extract/expand.rs`).
pub const EXPANSION: &str = "a macro expansion";

thread_local! {
    /// Limits hit while extracting the current file: line and what was left out.
    static HITS: RefCell<Vec<(u32, &'static str)>> = const { RefCell::new(Vec::new()) };
}

/// Records that the walk stopped at `line`, leaving out `what` (a phrase: "an expression",
/// "a module").
pub(crate) fn hit(line: usize, what: &'static str) {
    let line = u32::try_from(line).unwrap_or(u32::MAX).max(1);
    HITS.with(|h| h.borrow_mut().push((line, what)));
}

/// Forgets what an earlier, interrupted extraction on this thread recorded.
pub(crate) fn clear() {
    HITS.with(|h| h.borrow_mut().clear());
}

/// The problems of what was left out in `path`: one per kind, at its first line, with the
/// number of other places.
pub(crate) fn take(path: &str) -> Vec<Problem> {
    let mut hits = HITS.with(|h| std::mem::take(&mut *h.borrow_mut()));
    hits.sort_unstable();
    hits.dedup();
    let mut first: Vec<(&'static str, u32, usize)> = Vec::new();
    for (line, what) in hits {
        match first.iter_mut().find(|(w, _, _)| *w == what) {
            Some((_, _, more)) => *more += 1,
            None => first.push((what, line, 0)),
        }
    }
    first
        .into_iter()
        .map(|(what, line, more)| {
            let more = match more {
                0 => String::new(),
                1 => " (and at 1 more place)".to_string(),
                n => format!(" (and at {n} more places)"),
            };
            let message = if what == EXPANSION {
                format!(
                    "{what} nests too deeply or grows too large here for the extractor; what it \
                     generates was not analysed{more}"
                )
            } else {
                format!(
                    "{what} nests too deeply here for the extractor; what is inside it was not \
                     analysed{more}"
                )
            };
            Problem::new(ProblemCode::TooComplex, message, Some(Span::line(path, line)))
        })
        .collect()
}
