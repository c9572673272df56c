//! Lexing: comments, and brackets and `;` outside strings and comments.

use std::collections::{BTreeMap, BTreeSet};

use super::coverage::UnitEnd;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Comment {
    pub(super) line: u32,
    /// 1-based character column of the comment marker.
    pub(super) column: u32,
    /// Exclusive end column: the line's end.
    pub(super) end_column: u32,
    /// Text after the marker (`//`, `///`, `//!` or `#`).
    pub(super) text: String,
    /// Code precedes the comment on its line.
    pub(super) trailing: bool,
}

#[derive(Debug, Default)]
pub(super) struct Lexed {
    pub(super) comments: Vec<Comment>,
    /// Brackets and `;` outside strings and comments, with their lines.
    pub(super) tokens: Vec<(u32, char)>,
    /// Lines with code outside comments.
    pub(super) code_lines: BTreeSet<u32>,
    /// Indentation (in characters) of each line with code, for YAML.
    pub(super) indents: BTreeMap<u32, usize>,
    /// Per token, where a unit starting at it ends (see `unit_ends`).
    pub(super) ends: Vec<UnitEnd>,
}

pub(super) fn lex_rust(text: &str) -> Lexed {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let mut out = Lexed::default();
    let mut line: u32 = 1;
    let mut line_start = 0usize;
    let mut i = 0usize;
    while let Some(c) = at(i) {
        match c {
            '\n' => {
                line = line.saturating_add(1);
                line_start = i + 1;
                i += 1;
            }
            '/' if at(i + 1) == Some('/') => {
                let end = (i..chars.len()).find(|&j| at(j) == Some('\n')).unwrap_or(chars.len());
                let body: String = chars.get(i + 2..end).unwrap_or_default().iter().collect();
                let body = body.trim_start_matches('/');
                let body = body.strip_prefix('!').unwrap_or(body);
                let column = i - line_start + 1;
                out.comments.push(Comment {
                    line,
                    column: to_u32(column),
                    end_column: to_u32(end - line_start + 1),
                    text: body.trim_end_matches('\r').to_string(),
                    trailing: out.code_lines.contains(&line),
                });
                i = end;
            }
            '/' if at(i + 1) == Some('*') => {
                let mut depth = 1u32;
                i += 2;
                while depth > 0 {
                    match (at(i), at(i + 1)) {
                        (None, _) => break,
                        (Some('/'), Some('*')) => {
                            depth += 1;
                            i += 2;
                        }
                        (Some('*'), Some('/')) => {
                            depth -= 1;
                            i += 2;
                        }
                        (Some('\n'), _) => {
                            line = line.saturating_add(1);
                            line_start = i + 1;
                            i += 1;
                        }
                        _ => i += 1,
                    }
                }
            }
            '"' => {
                out.code_lines.insert(line);
                i += 1;
                while let Some(s) = at(i) {
                    match s {
                        '\\' => {
                            if at(i + 1) == Some('\n') {
                                line = line.saturating_add(1);
                                line_start = i + 2;
                            }
                            i += 2;
                        }
                        '"' => {
                            i += 1;
                            break;
                        }
                        '\n' => {
                            line = line.saturating_add(1);
                            line_start = i + 1;
                            i += 1;
                            out.code_lines.insert(line);
                        }
                        _ => i += 1,
                    }
                }
            }
            'r' if !i.checked_sub(1).and_then(at).is_some_and(is_ident_char)
                || (i >= 1
                    && matches!(at(i - 1), Some('b' | 'c'))
                    && !i.checked_sub(2).and_then(at).is_some_and(is_ident_char)) =>
            {
                let mut j = i + 1;
                while at(j) == Some('#') {
                    j += 1;
                }
                if at(j) != Some('"') {
                    out.code_lines.insert(line);
                    i += 1;
                    continue;
                }
                let hashes = j - i - 1;
                out.code_lines.insert(line);
                i = j + 1;
                while let Some(s) = at(i) {
                    if s == '"' && (1..=hashes).all(|k| at(i + k) == Some('#')) {
                        i += 1 + hashes;
                        break;
                    }
                    if s == '\n' {
                        line = line.saturating_add(1);
                        line_start = i + 1;
                        out.code_lines.insert(line);
                    }
                    i += 1;
                }
            }
            '\'' => {
                out.code_lines.insert(line);
                // A char literal, or a lifetime or label, which has no closing quote.
                if at(i + 1) == Some('\\') {
                    let close = (i + 2..chars.len().min(i + 14)).find(|&j| at(j) == Some('\''));
                    i = close.map_or(i + 1, |j| j + 1);
                } else if at(i + 2) == Some('\'') && at(i + 1) != Some('\n') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            c if c.is_whitespace() => i += 1,
            c => {
                out.code_lines.insert(line);
                if matches!(c, '{' | '}' | '(' | ')' | '[' | ']' | ';') {
                    out.tokens.push((line, c));
                }
                i += 1;
            }
        }
    }
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// YAML comments: a `#` at the start of a line or after whitespace, outside quotes.
pub(super) fn lex_yaml(text: &str) -> Lexed {
    let mut out = Lexed::default();
    for (index, raw) in text.lines().enumerate() {
        let line = to_u32(index + 1);
        let chars: Vec<char> = raw.chars().collect();
        let mut quote: Option<char> = None;
        let mut comment_at = None;
        for (j, &c) in chars.iter().enumerate() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c == '#'
                    && (j == 0 || chars.get(j - 1).is_some_and(|p| p.is_whitespace())) =>
                {
                    comment_at = Some(j);
                    break;
                }
                None => {}
            }
        }
        let code_end = comment_at.unwrap_or(chars.len());
        let code: String = chars.get(..code_end).unwrap_or_default().iter().collect();
        let has_code = !code.trim().is_empty();
        if has_code {
            out.code_lines.insert(line);
            out.indents.insert(line, code.len() - code.trim_start().len());
        }
        if let Some(j) = comment_at {
            let body: String = chars.get(j + 1..).unwrap_or_default().iter().collect();
            out.comments.push(Comment {
                line,
                column: to_u32(j + 1),
                end_column: to_u32(chars.len() + 1),
                text: body.trim_end_matches('\r').to_string(),
                trailing: has_code,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_comments_outside_strings() {
        let text = "let a = \"// hooklint: allow(x)\"; // hooklint: allow(y)\n\
                    let b = r#\"\n// hooklint: allow(z)\n\"#;\n\
                    /* // hooklint: allow(w) */\n\
                    let c = '\"'; let d: &'static str = \"x\"; // end\n\
                    /// hooklint: allow(doc)\n";
        let lexed = lex_rust(text);
        let comments: Vec<(u32, &str, bool)> =
            lexed.comments.iter().map(|c| (c.line, c.text.as_str(), c.trailing)).collect();
        assert_eq!(
            comments,
            [
                (1, " hooklint: allow(y)", true),
                (6, " end", true),
                (7, " hooklint: allow(doc)", false)
            ]
        );
        assert_eq!(lexed.comments[0].column, 34);
    }
}
