//! Snippets for codespan: for each diagnostic, only the lines its labels point at, each cut
//! to a window around the labels, with control characters made visible. Line and column
//! numbers in the output are the file's own.
//!
//! A diagnostic's output is therefore bounded whatever the file: a finding on a 300 KB
//! one-line file prints a few hundred characters of that line, not the line, and a span over
//! thousands of lines prints its first line.

use std::collections::BTreeMap;
use std::ops::Range;

use codespan_reporting::files::{Error, Files};
use hooklint_model::Span;

use crate::escape::visible_line;

/// Characters shown before the first and after the last label on a cut line.
const CONTEXT: u32 = 60;
/// The widest line shown whole; longer lines are cut around their labels.
const MAX_WIDTH: u32 = 240;
/// A label spanning more lines than this is shown on its first line only.
const MAX_SPAN_LINES: u32 = 8;

/// The texts diagnostics point into, and the excerpts of the diagnostic being rendered.
pub(crate) struct Excerpts<'a> {
    texts: BTreeMap<&'a str, Text<'a>>,
    current: Vec<Excerpt>,
}

struct Text<'a> {
    text: &'a str,
    /// Byte offset where each line starts, computed on first use.
    starts: Option<Vec<usize>>,
}

struct Excerpt {
    name: String,
    text: String,
    lines: Vec<Line>,
}

struct Line {
    /// Byte range of the line in the excerpt's text.
    range: Range<usize>,
    /// Its number in the file.
    number: u32,
    /// Column (1-based, in characters) of the first character of the file's line shown.
    first_column: u32,
    /// Bytes of the leading `…` when the line is cut on the left.
    marker: usize,
    /// Number of characters of the file's line shown.
    shown: u32,
}

impl<'a> Excerpts<'a> {
    pub fn new() -> Self {
        Excerpts { texts: BTreeMap::new(), current: Vec::new() }
    }

    pub fn add(&mut self, path: &'a str, text: &'a str) {
        self.texts.entry(path).or_insert(Text { text, starts: None });
    }

    pub fn from_sources(sources: &'a BTreeMap<String, String>) -> Self {
        let mut excerpts = Excerpts::new();
        for (path, text) in sources {
            excerpts.add(path, text);
        }
        excerpts
    }

    /// Builds the excerpts of one diagnostic and returns, for each span, the file id and byte
    /// range to label, or `None` when its file's text is unknown or it has no line.
    pub fn locate(&mut self, spans: &[&Span]) -> Vec<Option<(usize, Range<usize>)>> {
        self.current.clear();
        let mut by_file: BTreeMap<&str, Vec<(u32, u32, u32, u32)>> = BTreeMap::new();
        for span in spans {
            if span.line > 0 && self.texts.contains_key(span.file.as_str()) {
                by_file.entry(span.file.as_str()).or_default().push(clamp(span));
            }
        }
        let mut ids: BTreeMap<String, usize> = BTreeMap::new();
        for (file, wanted) in by_file {
            let Some(text) = self.texts.get_mut(file) else { continue };
            let excerpt = build(file, text, &wanted);
            ids.insert(file.to_string(), self.current.len());
            self.current.push(excerpt);
        }
        spans
            .iter()
            .map(|span| {
                let id = *ids.get(span.file.as_str()).filter(|_| span.line > 0)?;
                let excerpt = &self.current[id];
                let (line, column, end_line, end_column) = clamp(span);
                let start = excerpt.offset(line, column)?;
                let end = if (end_line, end_column) > (line, column) {
                    excerpt.offset(end_line, end_column).unwrap_or(start).max(start)
                } else {
                    start
                };
                let end = if end > start { end } else { excerpt.grow(start) };
                Some((id, start..end))
            })
            .collect()
    }
}

/// A span's (line, column, end line, end column), shortened to its first line when it spans
/// too many, with the end never before the start.
fn clamp(span: &Span) -> (u32, u32, u32, u32) {
    let (line, column) = (span.line.max(1), span.column.max(1));
    let (mut end_line, mut end_column) = (span.end_line, span.end_column);
    if (end_line, end_column) < (line, column) {
        (end_line, end_column) = (line, column);
    }
    if end_line >= line.saturating_add(MAX_SPAN_LINES) {
        (end_line, end_column) = (line, u32::MAX);
    }
    (line, column, end_line, end_column)
}

fn build(name: &str, text: &mut Text<'_>, wanted: &[(u32, u32, u32, u32)]) -> Excerpt {
    let starts = text.starts.get_or_insert_with(|| {
        std::iter::once(0).chain(text.text.match_indices('\n').map(|(i, _)| i + 1)).collect()
    });
    let source = text.text;
    // Columns of interest on each line shown.
    let mut lines: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
    let last_line = u32::try_from(starts.len()).unwrap_or(u32::MAX);
    for &(line, column, end_line, end_column) in wanted {
        let line = line.min(last_line);
        let end_line = end_line.min(last_line).max(line);
        for n in line..=end_line {
            let lo = if n == line { column } else { 1 };
            let hi = if n == end_line { end_column } else { u32::MAX };
            let entry = lines.entry(n).or_insert((lo, hi));
            entry.0 = entry.0.min(lo);
            entry.1 = entry.1.max(hi).max(lo);
        }
    }
    let name = crate::escape::visible(name).into_owned();
    let mut out = Excerpt { name, text: String::new(), lines: Vec::new() };
    for (number, (lo, hi)) in lines {
        let index = usize::try_from(number - 1).unwrap_or(usize::MAX);
        let start = starts.get(index).copied().unwrap_or(source.len());
        let end = starts.get(index + 1).map_or(source.len(), |&e| e.saturating_sub(1));
        let content = source.get(start..end.max(start)).unwrap_or_default();
        let content = content.strip_suffix('\r').unwrap_or(content);
        let width = u32::try_from(content.chars().count()).unwrap_or(u32::MAX);
        let (first, last) = if width <= MAX_WIDTH {
            (1, width.saturating_add(1))
        } else {
            let first = lo.saturating_sub(CONTEXT).max(1);
            let wanted_end = hi.min(width.saturating_add(1)).max(lo).saturating_add(CONTEXT);
            let last = wanted_end.min(first.saturating_add(MAX_WIDTH)).min(width.saturating_add(1));
            (first, last.max(first))
        };
        let skip = usize::try_from(first - 1).unwrap_or(usize::MAX);
        let take = usize::try_from(last - first).unwrap_or(usize::MAX);
        let shown: String = content.chars().skip(skip).take(take).collect();
        let line_start = out.text.len();
        let marker = if first > 1 { "…" } else { "" };
        out.text.push_str(marker);
        out.text.push_str(&visible_line(&shown));
        if last <= width {
            out.text.push('…');
        }
        let line_end = out.text.len();
        out.text.push('\n');
        out.lines.push(Line {
            range: line_start..line_end,
            number,
            first_column: first,
            marker: marker.len(),
            shown: last - first,
        });
    }
    out
}

impl Excerpt {
    fn line(&self, number: u32) -> Option<&Line> {
        self.lines.iter().find(|l| l.number == number)
    }

    /// The byte offset in the excerpt of a file position; clamped to what the line shows.
    fn offset(&self, number: u32, column: u32) -> Option<usize> {
        let line = self.line(number).or_else(|| self.lines.last())?;
        let within = column.saturating_sub(line.first_column).min(line.shown);
        let body = line.range.start + line.marker;
        let shown = &self.text[body..line.range.end];
        let at = shown
            .char_indices()
            .nth(usize::try_from(within).unwrap_or(usize::MAX))
            .map_or(shown.len(), |(i, _)| i);
        Some(body + at)
    }

    /// `start..` grown to the character at `start`, so that a caret has something to mark.
    fn grow(&self, start: usize) -> usize {
        self.text
            .get(start..)
            .and_then(|rest| rest.chars().next())
            .filter(|&c| c != '\n')
            .map_or(start, |c| start + c.len_utf8())
    }

    fn index_of(&self, byte: usize) -> usize {
        self.lines
            .iter()
            .position(|l| byte <= l.range.end)
            .unwrap_or(self.lines.len().saturating_sub(1))
    }
}

impl<'f> Files<'f> for Excerpts<'_> {
    type FileId = usize;
    type Name = &'f str;
    type Source = &'f str;

    fn name(&'f self, id: usize) -> Result<&'f str, Error> {
        Ok(self.current.get(id).ok_or(Error::FileMissing)?.name.as_str())
    }

    fn source(&'f self, id: usize) -> Result<&'f str, Error> {
        Ok(self.current.get(id).ok_or(Error::FileMissing)?.text.as_str())
    }

    fn line_index(&'f self, id: usize, byte_index: usize) -> Result<usize, Error> {
        Ok(self.current.get(id).ok_or(Error::FileMissing)?.index_of(byte_index))
    }

    fn line_number(&'f self, id: usize, line_index: usize) -> Result<usize, Error> {
        let excerpt = self.current.get(id).ok_or(Error::FileMissing)?;
        let line = excerpt
            .lines
            .get(line_index)
            .ok_or(Error::LineTooLarge { given: line_index, max: excerpt.lines.len() })?;
        Ok(usize::try_from(line.number).unwrap_or(usize::MAX))
    }

    fn column_number(
        &'f self,
        id: usize,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, Error> {
        let excerpt = self.current.get(id).ok_or(Error::FileMissing)?;
        let Some(line) = excerpt.lines.get(line_index) else { return Ok(1) };
        let body = line.range.start + line.marker;
        let upto = byte_index.clamp(body, line.range.end);
        let chars = excerpt.text.get(body..upto).map_or(0, |s| s.chars().count());
        Ok(usize::try_from(line.first_column).unwrap_or(1) + chars)
    }

    fn line_range(&'f self, id: usize, line_index: usize) -> Result<Range<usize>, Error> {
        let excerpt = self.current.get(id).ok_or(Error::FileMissing)?;
        let line = excerpt
            .lines
            .get(line_index)
            .ok_or(Error::LineTooLarge { given: line_index, max: excerpt.lines.len() })?;
        Ok(line.range.start..line.range.end + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str, span: Span) -> (String, Range<usize>, usize, usize) {
        let mut ex = Excerpts::new();
        ex.add("a.rs", text);
        let found = ex.locate(&[&span]);
        let (id, range) = found[0].clone().unwrap();
        let line = ex.line_index(id, range.start).unwrap();
        let number = ex.line_number(id, line).unwrap();
        let column = ex.column_number(id, line, range.start).unwrap();
        (ex.source(id).unwrap().to_string(), range, number, column)
    }

    #[test]
    fn short_lines_are_shown_whole_with_their_numbers() {
        let text = "fn a() {}\nlet é = 1; x == y\nlast\n";
        let (source, range, number, column) = one(text, Span::new("a.rs", 2, 12, 2, 18));
        assert_eq!(source, "let é = 1; x == y\n");
        assert_eq!(&source[range], "x == y");
        assert_eq!((number, column), (2, 12));
    }

    #[test]
    fn long_lines_are_cut_around_the_label() {
        let text = format!("{}SECRET == x{}\n", "a".repeat(100_000), "b".repeat(100_000));
        let (source, range, number, column) = one(&text, Span::new("a.rs", 1, 100_001, 1, 100_012));
        assert!(source.len() < 400, "{}", source.len());
        assert!(source.starts_with('…') && source.trim_end().ends_with('…'));
        assert_eq!(&source[range], "SECRET == x");
        assert_eq!((number, column), (1, 100_001));
    }

    #[test]
    fn spans_over_many_lines_show_their_first_line() {
        let text = "a\n".repeat(1000);
        let (source, _, number, _) = one(&text, Span::new("a.rs", 3, 1, 900, 2));
        assert_eq!(source, "a\n");
        assert_eq!(number, 3);
    }

    #[test]
    fn out_of_range_spans_do_not_panic() {
        for span in [
            Span::new("a.rs", 40, 1, 41, 1),
            Span::new("a.rs", 1, 50, 1, 2),
            Span::new("a.rs", u32::MAX, u32::MAX, u32::MAX, u32::MAX),
        ] {
            let _ = one("ab\ncd", span);
        }
        let mut ex = Excerpts::new();
        ex.add("e.rs", "");
        assert!(ex.locate(&[&Span::new("e.rs", 1, 1, 1, 1)])[0].is_some());
        assert!(ex.locate(&[&Span::new("gone.rs", 1, 1, 1, 1)])[0].is_none());
    }
}
