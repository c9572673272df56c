//! Bracket nesting guard: syn's parser is recursive, so a hostile or generated file with
//! thousands of nested brackets would overflow the stack before we could report anything.

/// Deepest bracket nesting accepted before parsing.
pub const MAX_DEPTH: usize = 512;

/// Returns the 1-based line where bracket nesting first exceeds `limit`, skipping string, char
/// and raw-string literals and comments so that brackets inside them do not count.
pub fn exceeds(source: &str, limit: usize) -> Option<u32> {
    let bytes = source.as_bytes();
    let mut depth: usize = 0;
    let mut line: u32 = 1;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => line += 1,
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(line);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                // Block comments nest in Rust.
                let mut level = 1usize;
                i += 2;
                while i < bytes.len() && level > 0 {
                    if bytes[i] == b'\n' {
                        line += 1;
                    }
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        level += 1;
                        i += 1;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        level -= 1;
                        i += 1;
                    }
                    i += 1;
                }
                continue;
            }
            b'r' | b'b' | b'c' if raw_string_start(bytes, i).is_some() => {
                let (hashes, body_start) = raw_string_start(bytes, i).unwrap_or((0, i + 1));
                i = body_start;
                while i < bytes.len() {
                    if bytes[i] == b'\n' {
                        line += 1;
                    }
                    if bytes[i] == b'"' && closes_raw(bytes, i + 1, hashes) {
                        i += 1 + hashes;
                        break;
                    }
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\n' {
                        line += 1;
                    }
                    if bytes[i] == b'\\' {
                        i += 1;
                        if bytes.get(i) == Some(&b'\n') {
                            line += 1;
                        }
                    }
                    i += 1;
                }
            }
            b'\'' => {
                // A char literal ('x', '\n', '\u{..}') or a lifetime ('a): only skip the former.
                if bytes.get(i + 1) == Some(&b'\\') {
                    let mut j = i + 2;
                    while j < bytes.len() && j < i + 12 && bytes[j] != b'\'' {
                        j += 1;
                    }
                    i = j;
                } else if bytes.get(i + 2) == Some(&b'\'') {
                    i += 2;
                } else if let Some(ch) = source.get(i + 1..).and_then(|s| s.chars().next()) {
                    let len = ch.len_utf8();
                    if bytes.get(i + 1 + len) == Some(&b'\'') {
                        i += 1 + len;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `r"`, `r#"`, `br"`, `cr#"`...: returns the number of hashes and where the body starts.
fn raw_string_start(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    // An identifier ending in r/b/c (`bar"`) is not a prefix.
    if i > 0 {
        let prev = bytes[i - 1];
        if prev.is_ascii_alphanumeric() || prev == b'_' {
            return None;
        }
    }
    let mut j = i;
    if bytes[j] == b'b' || bytes[j] == b'c' {
        j += 1;
    }
    if bytes.get(j) != Some(&b'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while bytes.get(j) == Some(&b'#') {
        hashes += 1;
        j += 1;
    }
    if bytes.get(j) == Some(&b'"') {
        Some((hashes, j + 1))
    } else {
        None
    }
}

fn closes_raw(bytes: &[u8], from: usize, hashes: usize) -> bool {
    (0..hashes).all(|k| bytes.get(from + k) == Some(&b'#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_brackets_and_reports_line() {
        let src = format!("fn f() {{\n{}{}\n}}", "(".repeat(600), ")".repeat(600));
        assert_eq!(exceeds(&src, 512), Some(2));
        assert_eq!(exceeds("fn f() { (((1))) }", 512), None);
    }

    #[test]
    fn skips_literals_and_comments() {
        let inner = "(".repeat(600);
        let src = format!(
            "// {inner}\n/* {inner} /* nested */ {inner} */\nconst A: &str = \"{inner}\";\n\
             const B: &str = r#\"{inner}\"#;\nconst C: char = '(';\nfn f<'a>(x: &'a str) {{}}"
        );
        assert_eq!(exceeds(&src, 512), None);
    }
}
