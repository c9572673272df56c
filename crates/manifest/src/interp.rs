//! Shell and compose interpolation in values: `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:=default}`, `${VAR:?message}`, `${VAR:+alt}`, `$VAR`, `$(VAR)` and `$$`.
//!
//! A default is text written in the file that becomes the value whenever the variable is
//! unset, so `${SECRET_KEY:-60gp0...}` commits its secret as surely as `SECRET_KEY: 60gp0...`.
//! Reading is linear in the value per nesting level and nesting is bounded.

/// Deepest nesting of defaults read (`${A:-${B:-${C:-x}}}`); deeper text counts as a reference.
const MAX_NESTING: usize = 8;

/// A value once its interpolation is understood.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Interpolated {
    /// The value with every default substituted for its interpolation and `$$` read as `$`;
    /// interpolations without a default are kept as written.
    pub effective: String,
    /// Some interpolation without a default remains: the value depends on the environment.
    pub unresolved: bool,
    /// Some default was substituted.
    pub used_default: bool,
    /// The whole value is one interpolation: its variable.
    pub whole_var: Option<String>,
}

impl Interpolated {
    /// The value is text of the file once defaults are applied: no reference remains.
    pub fn is_literal(&self) -> bool {
        !self.unresolved
    }
}

/// Reads `text`.
pub(crate) fn interpolate(text: &str) -> Interpolated {
    let mut out = Interpolated::default();
    if !text.contains('$') {
        out.effective = text.to_string();
        return out;
    }
    read(text, 0, &mut out);
    out.whole_var = whole_var(text.trim()).map(str::to_string);
    out
}

/// `${VAR...}`, `$(VAR)` or `$VAR` as the whole value: its variable name.
pub(crate) fn whole_var(v: &str) -> Option<&str> {
    if let Some(inner) = v.strip_prefix("${") {
        let end = matching_brace(inner)?;
        if end + 1 != inner.len() {
            return None;
        }
        let name_len = var_name_len(inner);
        return (name_len > 0).then(|| &inner[..name_len]);
    }
    if let Some(rest) = v.strip_prefix("$(").and_then(|r| r.strip_suffix(')')) {
        return (var_name_len(rest) == rest.len() && !rest.is_empty()).then_some(rest);
    }
    let rest = v.strip_prefix('$')?;
    (var_name_len(rest) == rest.len() && !rest.is_empty()).then_some(rest)
}

/// `${VAR:-default}` (or `-`, `:=`, `=`) as the whole value: the text before the default,
/// the default, and the text after it, so a caller can rewrite the default alone.
pub(crate) fn split_whole_default(v: &str) -> Option<(&str, &str, &str)> {
    let inner = v.strip_prefix("${")?;
    let end = matching_brace(inner)?;
    if end + 1 != inner.len() {
        return None;
    }
    let name_len = var_name_len(inner);
    if name_len == 0 {
        return None;
    }
    let body = &inner[..end];
    let after_name = &body[name_len..];
    let op_len = default_operator_len(after_name)?;
    let default_start = 2 + name_len + op_len;
    let default_end = 2 + end;
    Some((&v[..default_start], &v[default_start..default_end], &v[default_end..]))
}

fn read(text: &str, depth: usize, out: &mut Interpolated) {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut literal_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        out.effective.push_str(&text[literal_start..i]);
        let rest = &text[i + 1..];
        if rest.starts_with('$') {
            out.effective.push('$');
            i += 2;
        } else if let Some(inner) = rest.strip_prefix('{') {
            match matching_brace(inner) {
                Some(end) => {
                    let body = &inner[..end];
                    let whole = &text[i..i + 2 + end + 1];
                    braced(body, whole, depth, out);
                    i += 2 + end + 1;
                }
                None => {
                    // An unclosed `${`: nothing it could expand to is known.
                    out.effective.push_str(&text[i..]);
                    out.unresolved = true;
                    i = text.len();
                }
            }
        } else if let Some(inner) = rest.strip_prefix('(') {
            // `$(VAR)` (Kubernetes) or `$(command)` (a shell): computed, not literal.
            let end = inner.find(')').map_or(text.len(), |e| i + 2 + e + 1);
            out.effective.push_str(&text[i..end]);
            out.unresolved = true;
            i = end;
        } else {
            let n = var_name_len(rest);
            if n > 0 {
                out.effective.push_str(&text[i..i + 1 + n]);
                out.unresolved = true;
                i += 1 + n;
            } else {
                out.effective.push('$');
                i += 1;
            }
        }
        literal_start = i;
    }
    if literal_start < text.len() {
        out.effective.push_str(&text[literal_start..]);
    }
}

/// One `${...}` whose body (between the braces) is `body`.
fn braced(body: &str, whole: &str, depth: usize, out: &mut Interpolated) {
    let name_len = var_name_len(body);
    let after = &body[name_len..];
    if name_len > 0 && depth < MAX_NESTING {
        if let Some(op_len) = default_operator_len(after) {
            out.used_default = true;
            read(&after[op_len..], depth + 1, out);
            return;
        }
    }
    // `${VAR}`, `${VAR:?message}`, `${VAR:+alt}`, or something that is not an interpolation
    // we read (`${{ secrets.X }}`): the value comes from elsewhere.
    out.effective.push_str(whole);
    out.unresolved = true;
}

/// Length of the default operator at the start of `s`: `:-`, `-`, `:=`, `=`.
fn default_operator_len(s: &str) -> Option<usize> {
    if s.starts_with(":-") || s.starts_with(":=") {
        Some(2)
    } else if s.starts_with('-') || s.starts_with('=') {
        Some(1)
    } else {
        None
    }
}

/// Index of the `}` that closes a `${` whose text after the brace is `s`.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Length of a variable name at the start of `s` (`[A-Za-z_][A-Za-z0-9_]*`), 0 if none.
fn var_name_len(s: &str) -> usize {
    let mut n = 0;
    for (i, c) in s.char_indices() {
        let ok = c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit());
        if !ok {
            break;
        }
        n = i + 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_literals() {
        let i = interpolate("${SECRET_KEY:-60gp0byfz2}");
        assert_eq!(i.effective, "60gp0byfz2");
        assert!(i.is_literal() && i.used_default);
        assert_eq!(i.whole_var.as_deref(), Some("SECRET_KEY"));
        let i = interpolate("${A-plain}");
        assert_eq!((i.effective.as_str(), i.is_literal()), ("plain", true));
        let i = interpolate("${AMQP_URL:-amqp://plane:plane@mq:5672/}");
        assert_eq!(i.effective, "amqp://plane:plane@mq:5672/");
        let i = interpolate("${A:-${B:-inner}}");
        assert_eq!((i.effective.as_str(), i.is_literal()), ("inner", true));
        let i = interpolate("${EMPTY:-}");
        assert_eq!((i.effective.as_str(), i.is_literal()), ("", true));
    }

    #[test]
    fn references_stay_references() {
        for v in ["${PW}", "${PW:?set it}", "${PW:+x}", "$PW", "$(PW)", "pre-${PW}", "${{ x }}"] {
            let i = interpolate(v);
            assert!(!i.is_literal(), "{v}");
        }
        let i = interpolate("amqp://app:${PW}@rabbit/");
        assert_eq!(i.effective, "amqp://app:${PW}@rabbit/");
        assert_eq!(interpolate("a$$b").effective, "a$b");
        assert!(interpolate("price $5").is_literal());
        assert!(!interpolate("${UNCLOSED").is_literal());
    }

    #[test]
    fn whole_defaults_split() {
        assert_eq!(split_whole_default("${K:-v}"), Some(("${K:-", "v", "}")));
        assert_eq!(split_whole_default("${K-v:w}"), Some(("${K-", "v:w", "}")));
        assert_eq!(split_whole_default("${K}"), None);
        assert_eq!(split_whole_default("x${K:-v}"), None);
        assert_eq!(whole_var("$(TOKEN)"), Some("TOKEN"));
        assert_eq!(whole_var("${A:-b}"), Some("A"));
        assert_eq!(whole_var("${A}b"), None);
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "${A:-".repeat(100) + "x" + &"}".repeat(100);
        let i = interpolate(&deep);
        assert!(!i.is_literal());
    }
}
