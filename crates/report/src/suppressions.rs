//! The `suppressions` audit list: every inline suppression with its rules, place, covered
//! lines, reason and whether it silenced anything.

use std::io;

use serde::Serialize;

/// One inline suppression, as the audit list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuppressionRow {
    pub path: String,
    /// Line of the comment.
    pub line: u32,
    pub rules: Vec<String>,
    /// Lines covered, inclusive.
    pub start_line: u32,
    pub end_line: u32,
    /// Empty when the comment gives none.
    pub reason: String,
    /// Whether it silenced at least one finding in this run.
    pub used: bool,
}

/// `src/a.rs:12: allow(crypto/x) lines 13-20, used -- reason`, one per line, then a count.
pub fn suppressions_human(w: &mut dyn io::Write, rows: &[SuppressionRow]) -> io::Result<()> {
    for row in rows {
        let lines = if row.start_line == row.end_line {
            format!("line {}", row.start_line)
        } else {
            format!("lines {}-{}", row.start_line, row.end_line)
        };
        let used = if row.used { "used" } else { "unused" };
        let reason = if row.reason.is_empty() { "(no reason)" } else { &row.reason };
        writeln!(
            w,
            "{}:{}: allow({}) {lines}, {used} -- {reason}",
            row.path,
            row.line,
            row.rules.join(", ")
        )?;
    }
    let unused = rows.iter().filter(|r| !r.used).count();
    let reasonless = rows.iter().filter(|r| r.reason.is_empty()).count();
    let noun = if rows.len() == 1 { "suppression" } else { "suppressions" };
    writeln!(w, "{} {noun}: {unused} unused, {reasonless} without a reason", rows.len())
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    suppressions: &'a [SuppressionRow],
}

/// `{"version": 1, "suppressions": [{"path", "line", "rules", "start_line", "end_line",
/// "reason", "used"}]}`.
pub fn suppressions_json(w: &mut dyn io::Write, rows: &[SuppressionRow]) -> io::Result<()> {
    let document = Document { version: crate::JSON_VERSION, suppressions: rows };
    serde_json::to_writer_pretty(&mut *w, &document).map_err(io::Error::from)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(used: bool, reason: &str, end_line: u32) -> SuppressionRow {
        SuppressionRow {
            path: "src/a.rs".into(),
            line: 4,
            rules: vec!["crypto/x".into(), "tls/y".into()],
            start_line: 5,
            end_line,
            reason: reason.into(),
            used,
        }
    }

    #[test]
    fn lists_suppressions_for_an_audit() {
        let rows = [row(true, "public ids", 9), row(false, "", 5)];
        let mut out = Vec::new();
        suppressions_human(&mut out, &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "src/a.rs:4: allow(crypto/x, tls/y) lines 5-9, used -- public ids\n\
             src/a.rs:4: allow(crypto/x, tls/y) line 5, unused -- (no reason)\n\
             2 suppressions: 1 unused, 1 without a reason\n"
        );
        let mut out = Vec::new();
        suppressions_json(&mut out, &rows[..1]).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"version": 1, "suppressions": [{
                "path": "src/a.rs", "line": 4, "rules": ["crypto/x", "tls/y"], "start_line": 5,
                "end_line": 9, "reason": "public ids", "used": true}]})
        );
    }
}
