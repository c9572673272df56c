//! What an own-line comment covers: the next syntactic unit.

use super::lex::Lexed;
use super::Syntax;

/// The lines an own-line comment on `line` covers. `items` are the functions' item spans as
/// sorted (first line, last line) pairs.
pub(super) fn coverage(
    lexed: &Lexed,
    syntax: Syntax,
    line: u32,
    items: &[(u32, u32)],
) -> (u32, u32) {
    let Some(&start) = lexed.code_lines.range(line + 1..).next() else {
        return (line, line);
    };
    match syntax {
        Syntax::Yaml => {
            let indent = lexed.indents.get(&start).copied().unwrap_or(0);
            let end = lexed
                .indents
                .range(start + 1..)
                .take_while(|(_, &i)| i > indent)
                .last()
                .map_or(start, |(&l, _)| l);
            (start, end)
        }
        Syntax::Rust => {
            let first = lexed.tokens.partition_point(|&(l, _)| l < start);
            let mut end = match lexed.ends.get(first) {
                Some(UnitEnd::Line(l)) if first < lexed.tokens.len() => (*l).max(start),
                _ => start,
            };
            // The extractor knows a function's exact extent; prefer it where it reaches further.
            let from = items.partition_point(|&(l, _)| l < start);
            for &(l, item_end) in items.get(from..).unwrap_or_default() {
                if l > end {
                    break;
                }
                end = end.max(item_end);
            }
            (start, end)
        }
    }
}

/// Where a statement or item whose first token is a given one ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnitEnd {
    /// On this line: a `;` or the `}` of a block at depth zero, or the end of the file.
    Line(u32),
    /// At a bracket closing the enclosing block: just before it (a tail expression).
    Close,
}

/// For every token, where a unit starting at it ends: the first `;` or closing `}` at bracket
/// depth zero, or just before a bracket that closes an enclosing block. One backward pass
/// over matched brackets, so that many comments cost no more than one.
pub(super) fn unit_ends(tokens: &[(u32, char)]) -> Vec<UnitEnd> {
    let mut matching: Vec<Option<usize>> = vec![None; tokens.len()];
    let mut open = Vec::new();
    for (i, &(_, c)) in tokens.iter().enumerate() {
        match c {
            '{' | '(' | '[' => open.push(i),
            '}' | ')' | ']' => {
                if let Some(slot) = open.pop().and_then(|o| matching.get_mut(o)) {
                    *slot = Some(i);
                }
            }
            _ => {}
        }
    }
    let eof = UnitEnd::Line(tokens.last().map_or(0, |&(l, _)| l));
    let mut ends = vec![eof; tokens.len() + 1];
    for (i, &(line, c)) in tokens.iter().enumerate().rev() {
        let end = match c {
            ';' => UnitEnd::Line(line),
            '}' | ')' | ']' => UnitEnd::Close,
            _ => match matching.get(i).copied().flatten() {
                None => eof,
                Some(m) => match tokens.get(m) {
                    Some(&(close_line, '}')) => UnitEnd::Line(close_line),
                    Some(&(close_line, _)) => match ends.get(m + 1) {
                        Some(UnitEnd::Close) | None => UnitEnd::Line(close_line),
                        Some(&end) => end,
                    },
                    None => eof,
                },
            },
        };
        if let Some(slot) = ends.get_mut(i) {
            *slot = end;
        }
    }
    ends
}
