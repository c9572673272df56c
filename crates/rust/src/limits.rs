//! What a walker's depth limit leaves out is reported, not skipped silently.
//!
//! The pre-parse scan (`scan.rs`) bounds how deep any syntax tree can be, so these limits sit
//! at or above what it lets through and should never be reached; if one is, the walker stops
//! there and records where, and `extract_file` turns each record into a `too-complex` problem
//! with the line, so the run says it is incomplete.

use std::cell::RefCell;

use hooklint_model::{Problem, Span};

/// Expressions nested inside one another (method chains count a level per link).
pub const EXPR_DEPTH: usize = crate::scan::MAX_TREE_DEPTH + 64;
/// Inline modules and nested `use` groups: brackets bound them.
pub const ITEM_DEPTH: usize = crate::scan::MAX_BRACKETS + 8;
/// Types and patterns nested inside one another.
pub const TYPE_DEPTH: usize = crate::scan::MAX_PARSE_DEPTH + 8;

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

/// The problems of what was left out in `path`, one per line and kind, in line order.
pub(crate) fn take(path: &str) -> Vec<Problem> {
    let mut hits = HITS.with(|h| std::mem::take(&mut *h.borrow_mut()));
    hits.sort_unstable();
    hits.dedup();
    hits.into_iter()
        .map(|(line, what)| {
            Problem::new(
                "too-complex",
                format!(
                    "{what} nests too deeply here for the extractor; what is inside it was not \
                     analysed"
                ),
                Some(Span::line(path, line)),
            )
        })
        .collect()
}
