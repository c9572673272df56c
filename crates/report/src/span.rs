//! Model spans (1-based lines, 1-based character columns) to byte ranges in a text.

use std::ops::Range;

use hooklint_model::Span;

/// The byte range of `span` in `text`, clamped to the text and to character boundaries. An
/// empty span grows to the character it starts at, so the caret has something to point at.
pub(crate) fn byte_range(text: &str, span: &Span) -> Range<usize> {
    byte_range_of(text, span.line, span.column, span.end_line, span.end_column)
}

pub(crate) fn byte_range_of(
    text: &str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
) -> Range<usize> {
    let start = offset(text, line, column);
    let end = if (end_line, end_column) > (line, column) {
        offset(text, end_line, end_column).max(start)
    } else {
        start
    };
    if end > start {
        return start..end;
    }
    let grown = text
        .get(start..)
        .and_then(|rest| rest.chars().next())
        .filter(|&c| c != '\n' && c != '\r')
        .map_or(start, |c| start + c.len_utf8());
    start..grown
}

/// Byte offset of a 1-based line and character column; past the end of a line is its end,
/// past the last line is the end of the text.
fn offset(text: &str, line: u32, column: u32) -> usize {
    let wanted = usize::try_from(line.max(1) - 1).unwrap_or(usize::MAX);
    let mut line_start = 0;
    for (index, line_text) in text.split_inclusive('\n').enumerate() {
        if index == wanted {
            let content = line_text.trim_end_matches('\n').trim_end_matches('\r');
            let column = usize::try_from(column.max(1) - 1).unwrap_or(usize::MAX);
            let within = content.char_indices().nth(column).map_or(content.len(), |(i, _)| i);
            return line_start + within;
        }
        line_start += line_text.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str, line: u32, col: u32, end_line: u32, end_col: u32) -> Range<usize> {
        byte_range(text, &Span::new("a.rs", line, col, end_line, end_col))
    }

    #[test]
    fn columns_count_characters() {
        let text = "let é = \"ü\"; sig == x\n";
        let start = text.find("sig").unwrap();
        assert_eq!(range(text, 1, 14, 1, 22), start..start + 8);
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let text = "ab\ncd";
        assert_eq!(range(text, 1, 10, 1, 20), 2..2);
        assert_eq!(range(text, 9, 1, 9, 5), 5..5);
        assert_eq!(range(text, 2, 1, 9, 9), 3..5);
        assert_eq!(range(text, 0, 0, 0, 0), 0..1);
        assert_eq!(range(text, 2, 2, 1, 1), 4..5);
        assert_eq!(range("", 1, 1, 1, 1), 0..0);
        assert_eq!(range("é", 1, 1, 1, 1), 0..2);
    }

    #[test]
    fn crlf_line_ends_are_not_part_of_a_line() {
        let text = "ab\r\ncd\r\n";
        assert_eq!(range(text, 1, 3, 1, 9), 2..2);
        assert_eq!(range(text, 2, 1, 2, 3), 4..6);
    }
}
