//! Text from the checked tree (file names, messages that quote code, source lines) made safe
//! to print on a terminal or into a CI log: no control character reaches the output, so a
//! file name or a string literal cannot move the cursor, recolour the log, hide text with
//! bidirectional overrides, or start a line that a CI runner reads as a command.

use std::borrow::Cow;

/// Whether `c` must not be printed as it is: C0 and C1 control characters (newlines and tabs
/// included), DEL, the Unicode bidirectional controls and the line and paragraph separators.
pub(crate) fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
        || c == '\u{2028}'
        || c == '\u{2029}'
}

/// A path or message with every unsafe character written as an escape: `\n`, `\r`, `\t`,
/// `\u{1b}`.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// One source line with every unsafe character replaced by one visible character, so that
/// columns still line up with the caret underneath: C0 controls become their Unicode control
/// pictures (`␛` for ESC), the others U+FFFD. Tabs stay (the renderer expands them).
pub(crate) fn visible_line(line: &str) -> Cow<'_, str> {
    if !line.chars().any(|c| c != '\t' && is_unsafe(c)) {
        return Cow::Borrowed(line);
    }
    Cow::Owned(
        line.chars()
            .map(|c| match c {
                '\t' => '\t',
                '\u{7f}' => '\u{2421}',
                c if u32::from(c) < 0x20 => {
                    char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{fffd}')
                }
                c if is_unsafe(c) => '\u{fffd}',
                c => c,
            })
            .collect(),
    )
}

/// `text` cut to at most `max` characters, with `…` where it was cut.
pub(crate) fn clip(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((at, _)) => Cow::Owned(format!("{}…", &text[..at])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_escapes() {
        assert_eq!(visible("src/a.rs"), "src/a.rs");
        assert_eq!(
            visible("a\n::error::x\u{1b}[31m\u{202e}b"),
            "a\\n::error::x\\u{1b}[31m\\u{202e}b"
        );
        assert_eq!(visible("tab\there\r"), "tab\\there\\r");
        assert_eq!(visible("\u{85}\u{7f}"), "\\u{85}\\u{7f}");
    }

    #[test]
    fn source_lines_keep_their_columns() {
        let line = "let s = \"\u{1b}[2J\u{202e}x\";\tok";
        let shown = visible_line(line);
        assert_eq!(shown.chars().count(), line.chars().count());
        assert_eq!(shown, "let s = \"\u{241b}[2J\u{fffd}x\";\tok");
        assert_eq!(visible_line("plain"), "plain");
    }

    #[test]
    fn clip_cuts_at_characters() {
        assert_eq!(clip("ééé", 2), "éé…");
        assert_eq!(clip("ab", 2), "ab");
    }
}
