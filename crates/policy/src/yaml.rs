//! A YAML document as a tree of nodes that remember where they were written, and the mapping
//! from a character offset inside a scalar's value back to the line and column of the file.
//!
//! Policy expressions live inside YAML scalars (plain, quoted, literal `|` or folded `>`), so a
//! CEL error at offset `k` of the expression must be traced through YAML's folding and escapes.
//! The mapping re-reads the scalar from the source text and checks that it rebuilds exactly the
//! parsed value; when it cannot (an unusual escape, say) it falls back to the scalar's start.

use hooklint_model::any_value::AnyValue;
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

/// Where a node starts: 1-based line and column (characters), and its byte offset in the text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: u32,
    pub column: u32,
    pub byte: usize,
    /// Length of the node's text in characters, at least 1.
    pub len: u32,
}

/// What a node holds: a scalar, or nodes.
pub(crate) type Kind = AnyValue<Node, Node>;

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    pub pos: Pos,
}

impl Node {
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a number",
            Kind::String(_) => "a string",
            Kind::List(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }

    /// The scalar as text (strings, and booleans or numbers written where text is expected).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::String(s) => Some(s.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            Kind::Int(i) => Some(i.to_string()),
            Kind::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match &self.kind {
            Kind::Null => serde_json::Value::Null,
            Kind::Bool(b) => serde_json::Value::Bool(*b),
            Kind::Int(i) => serde_json::Value::from(*i),
            Kind::Float(f) => serde_json::Value::from(*f),
            Kind::String(s) => serde_json::Value::String(s.clone()),
            Kind::List(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Kind::Map(entries) => {
                let mut map = serde_json::Map::new();
                for (k, v) in entries {
                    map.insert(k.scalar_text().unwrap_or_default(), v.to_json());
                }
                serde_json::Value::Object(map)
            }
        }
    }
}

/// A YAML syntax or structure error, positioned.
#[derive(Debug, Clone)]
pub(crate) struct YamlError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

pub(crate) fn parse(text: &str) -> Result<Node, YamlError> {
    match serde_saphyr::from_str::<Spanned<Raw>>(text) {
        Ok(raw) => Ok(convert(raw, text)),
        Err(e) => {
            let (line, column) =
                e.location().map(|l| (l.line() as u32, l.column() as u32)).unwrap_or((1, 1));
            Err(YamlError {
                line: line.max(1),
                column: column.max(1),
                message: clean_yaml_message(&e.without_snippet().to_string()),
            })
        }
    }
}

/// The parser's message without its own position suffix and in house style.
fn clean_yaml_message(message: &str) -> String {
    let first = message.lines().next().unwrap_or("invalid yaml").trim();
    let cut = first.find(" at line ").map(|i| &first[..i]).unwrap_or(first);
    let cut = cut.trim().trim_end_matches('.');
    let mut out = String::from("invalid yaml: ");
    let mut chars = cut.chars();
    if let Some(c) = chars.next() {
        out.extend(c.to_lowercase());
        out.push_str(chars.as_str());
    }
    out
}

/// A YAML node as parsed, each element and key with its place.
struct Raw(AnyValue<Spanned<Raw>, Spanned<Raw>>);

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        AnyValue::deserialize(deserializer).map(Raw)
    }
}

fn convert(raw: Spanned<Raw>, text: &str) -> Node {
    let loc = raw.referenced;
    let span = loc.span();
    let byte = span
        .byte_offset()
        .and_then(|b| usize::try_from(b).ok())
        .filter(|b| *b <= text.len() && text.is_char_boundary(*b))
        .unwrap_or_else(|| byte_of(text, loc.line() as u32, loc.column() as u32));
    let pos = Pos {
        line: (loc.line() as u32).max(1),
        column: (loc.column() as u32).max(1),
        byte,
        len: (span.len() as u32).max(1),
    };
    let kind = raw.value.0.map(|key| convert(key, text), |item| convert(item, text));
    Node { kind, pos }
}

/// Byte offset of a 1-based line and character column, clamped to the text.
fn byte_of(text: &str, line: u32, column: u32) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            let col = column.saturating_sub(1) as usize;
            return offset + l.char_indices().nth(col).map(|(b, _)| b).unwrap_or(l.len());
        }
        offset += l.len();
    }
    text.len()
}

/// For every character of a scalar's value, the (line, column) it was written at; `None` when
/// the source cannot be re-read into exactly `value`.
pub(crate) fn scalar_positions(text: &str, node: &Node) -> Option<Vec<(u32, u32)>> {
    let Kind::String(value) = &node.kind else {
        return None;
    };
    let rest = text.get(node.pos.byte..)?;
    let first = rest.chars().next()?;
    let rebuilt = match first {
        '"' => double_quoted(rest, node.pos),
        '\'' => single_quoted(rest, node.pos),
        _ if is_block_content(text, node.pos.byte) => block(text, node.pos, value),
        _ => plain(rest, node.pos),
    }?;
    let chars: String = rebuilt.iter().map(|(c, _)| *c).collect();
    (chars == *value).then(|| rebuilt.into_iter().map(|(_, p)| p).collect())
}

/// Whether the scalar starting at `byte` is the content of a block scalar: the text before
/// it on its line is blank and the last non-blank line above ends with a `|` or `>` header.
fn is_block_content(text: &str, byte: usize) -> bool {
    let before = text.get(..byte).unwrap_or("");
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    if !before.get(line_start..).unwrap_or("").trim().is_empty() {
        return false;
    }
    let above = before.get(..line_start).unwrap_or("");
    for line in above.lines().rev() {
        let code = strip_comment(line).trim_end();
        if code.trim().is_empty() {
            continue;
        }
        let header = code.rsplit([' ', '\t']).next().unwrap_or("");
        return header.starts_with('|') || header.starts_with('>');
    }
    false
}

fn strip_comment(line: &str) -> &str {
    match line.find(" #") {
        Some(i) => &line[..i],
        None => line,
    }
}

type Rebuilt = Vec<(char, (u32, u32))>;

fn plain(rest: &str, start: Pos) -> Option<Rebuilt> {
    let mut out = Rebuilt::new();
    let mut line = start.line;
    let mut pending_breaks = 0;
    for (i, raw_line) in rest.split('\n').enumerate() {
        let (content, col0) = if i == 0 {
            (raw_line, start.column)
        } else {
            let trimmed = raw_line.trim_start();
            (trimmed, (raw_line.chars().count() - trimmed.chars().count()) as u32 + 1)
        };
        let content = strip_comment(content).trim_end();
        if i > 0 {
            if content.is_empty() {
                pending_breaks += 1;
                line += 1;
                continue;
            }
            if content.starts_with('#') || is_key_line(content) || content.starts_with("- ") {
                break;
            }
            let sep = if pending_breaks == 0 { ' ' } else { '\n' };
            for _ in 0..pending_breaks.max(1) {
                out.push((sep, (line, col0)));
            }
            pending_breaks = 0;
        }
        for (k, c) in content.chars().enumerate() {
            out.push((c, (line, col0 + k as u32)));
        }
        line += 1;
        if i > 0 && raw_line.len() == raw_line.trim_start().len() {
            break;
        }
    }
    Some(out)
}

fn is_key_line(content: &str) -> bool {
    content.split_once(": ").is_some_and(|(k, _)| !k.contains(' ')) || content.ends_with(':')
}

fn single_quoted(rest: &str, start: Pos) -> Option<Rebuilt> {
    quoted(rest, start, '\'')
}

fn double_quoted(rest: &str, start: Pos) -> Option<Rebuilt> {
    quoted(rest, start, '"')
}

fn quoted(rest: &str, start: Pos, quote: char) -> Option<Rebuilt> {
    let mut out = Rebuilt::new();
    let (mut line, mut col) = (start.line, start.column + 1);
    let mut chars = rest.chars().skip(1).peekable();
    while let Some(c) = chars.next() {
        match c {
            _ if c == quote => {
                if quote == '\'' && chars.peek() == Some(&'\'') {
                    chars.next();
                    out.push(('\'', (line, col)));
                    col += 2;
                    continue;
                }
                return Some(out);
            }
            '\\' if quote == '"' => {
                let e = chars.next()?;
                let v = match e {
                    'n' => '\n',
                    't' => '\t',
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    '0' => '\0',
                    ' ' => ' ',
                    _ => return None,
                };
                out.push((v, (line, col)));
                col += 2;
            }
            '\n' => {
                while out.last().is_some_and(|(c, _)| *c == ' ' || *c == '\t') {
                    out.pop();
                }
                line += 1;
                col = 1;
                let mut breaks = 0;
                loop {
                    while matches!(chars.peek(), Some(' ') | Some('\t')) {
                        chars.next();
                        col += 1;
                    }
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                        breaks += 1;
                        line += 1;
                        col = 1;
                    } else {
                        break;
                    }
                }
                if breaks == 0 {
                    out.push((' ', (line, col)));
                } else {
                    for _ in 0..breaks {
                        out.push(('\n', (line, col)));
                    }
                }
            }
            _ => {
                out.push((c, (line, col)));
                col += 1;
            }
        }
    }
    None
}

/// Literal (`|`) and folded (`>`) block scalars: content lines start at the node's position,
/// whose column gives the indentation.
fn block(text: &str, start: Pos, value: &str) -> Option<Rebuilt> {
    let indent = start.column.saturating_sub(1) as usize;
    let line_start = text.get(..start.byte)?.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let header_line = text.get(..line_start.saturating_sub(1))?.lines().rev().find(|l| {
        let code = strip_comment(l).trim_end();
        !code.trim().is_empty()
    })?;
    let header = strip_comment(header_line).trim_end();
    let header = header.rsplit(' ').next().unwrap_or("");
    let folded = header.starts_with('>');
    let mut lines: Vec<(u32, &str)> = Vec::new();
    for (i, l) in text.get(line_start..)?.split('\n').enumerate() {
        let lead = l.chars().take_while(|c| *c == ' ').count();
        if !l.trim().is_empty() && lead < indent {
            break;
        }
        let content = l.get(indent.min(l.len())..).unwrap_or("");
        lines.push((start.line + i as u32, content));
    }
    while lines.last().is_some_and(|(_, l)| l.trim().is_empty()) {
        lines.pop();
    }
    let mut out = Rebuilt::new();
    let col0 = indent as u32 + 1;
    let mut prev_more_indented = false;
    let mut prev_empty = false;
    for (i, (line, content)) in lines.iter().enumerate() {
        let empty = content.is_empty();
        let more_indented = content.starts_with(' ') || content.starts_with('\t');
        if i > 0 {
            let sep_pos = (*line, col0);
            if !folded || more_indented || prev_more_indented || empty {
                out.push(('\n', sep_pos));
            } else if !prev_empty {
                out.push((' ', sep_pos));
            }
        }
        for (k, c) in content.chars().enumerate() {
            out.push((c, (*line, col0 + k as u32)));
        }
        prev_more_indented = more_indented;
        prev_empty = empty;
    }
    // Chomping: the parsed value decides whether a final newline is kept.
    let trailing = value.len() - value.trim_end_matches('\n').len();
    let last = lines.last().map(|(l, _)| *l + 1).unwrap_or(start.line);
    for _ in 0..trailing {
        out.push(('\n', (last, 1)));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of<'a>(node: &'a Node, key: &str) -> &'a Node {
        let Kind::Map(entries) = &node.kind else { panic!("not a map") };
        &entries.iter().find(|(k, _)| k.scalar_text().as_deref() == Some(key)).unwrap().1
    }

    fn check(text: &str, key: &str, offset: usize, expected: (u32, u32)) {
        let doc = parse(text).unwrap();
        let node = value_of(&doc, key);
        let positions = scalar_positions(text, node).expect("positions");
        assert_eq!(positions[offset], expected, "{key} in {text:?}");
    }

    #[test]
    fn plain_scalar_offsets() {
        check("a: hello world\n", "a", 6, (1, 10));
    }

    #[test]
    fn folded_block_offsets() {
        let text = "x: 1\nv: >-\n  first line\n  second\n";
        check(text, "v", 0, (3, 3));
        check(text, "v", 11, (4, 3));
    }

    #[test]
    fn literal_block_offsets() {
        let text = "v: |\n  ab\n    cd\nz: 1\n";
        check(text, "v", 3, (3, 3));
        check(text, "v", 5, (3, 5));
    }

    #[test]
    fn quoted_offsets() {
        check("v: \"a\\\"b c\"\n", "v", 3, (1, 9));
        check("v: 'it''s x'\n", "v", 5, (1, 11));
    }

    #[test]
    fn multi_line_plain_offsets() {
        check("v: a &&\n  b\nw: 1\n", "v", 5, (2, 3));
    }

    #[test]
    fn yaml_error_is_positioned() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.line >= 1);
        assert!(err.message.starts_with("invalid yaml: "), "{}", err.message);
    }
}
