//! The `rules` list and `explain` page, from the rules' own metadata.

use std::io;

use hooklint_model::RuleInfo;
use serde::Serialize;

/// One line per rule: id, severity, title and where it comes from, in aligned columns.
pub fn rules_human(w: &mut dyn io::Write, rules: &[RuleInfo]) -> io::Result<()> {
    let id_width = rules.iter().map(|r| r.id.chars().count()).max().unwrap_or(0);
    for rule in rules {
        writeln!(
            w,
            "{:id_width$}  {:7}  {}  ({})",
            rule.id,
            rule.severity.as_str(),
            rule.title,
            rule.source
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct RulesDocument<'a> {
    version: u32,
    rules: Vec<RuleJson<'a>>,
}

#[derive(Serialize)]
struct RuleJson<'a> {
    id: &'a str,
    severity: &'a str,
    title: &'a str,
    target: &'a str,
    source: &'a str,
}

/// `{"version": 1, "rules": [{"id", "severity", "title", "target", "source"}]}`.
pub fn rules_json(w: &mut dyn io::Write, rules: &[RuleInfo]) -> io::Result<()> {
    let document = RulesDocument {
        version: crate::JSON_VERSION,
        rules: rules
            .iter()
            .map(|r| RuleJson {
                id: &r.id,
                severity: r.severity.as_str(),
                title: &r.title,
                target: r.target.as_str(),
                source: &r.source,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *w, &document).map_err(io::Error::from)?;
    writeln!(w)
}

/// The rule's page: title, severity, why, how to fix, and the bad and good examples.
pub fn explain(w: &mut dyn io::Write, rule: &RuleInfo) -> io::Result<()> {
    writeln!(w, "{}: {}", rule.id, rule.title)?;
    writeln!(w, "severity: {}", rule.severity)?;
    writeln!(w, "target: {}", rule.target)?;
    writeln!(w, "source: {}", rule.source)?;
    if rule.unsuppressible {
        writeln!(w, "unsuppressible: inline comments cannot silence it")?;
    }
    if !rule.precision.is_empty() {
        writeln!(w, "precision: {}", rule.precision)?;
    }
    if !rule.exclude.is_empty() {
        writeln!(w, "excluded paths: {}", rule.exclude.join(", "))?;
    }
    for (heading, text, code) in [
        ("why", &rule.why, false),
        ("fix", &rule.fix, false),
        ("bad", &rule.bad, true),
        ("good", &rule.good, true),
        ("confidence", &rule.confidence, false),
    ] {
        if text.trim().is_empty() {
            continue;
        }
        writeln!(w)?;
        writeln!(w, "{heading}:")?;
        let indent = if code { "    " } else { "  " };
        for line in text.trim_end().lines() {
            if line.is_empty() {
                writeln!(w)?;
            } else {
                writeln!(w, "{indent}{line}")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklint_model::Severity;

    fn rule(id: &str, severity: Severity) -> RuleInfo {
        RuleInfo {
            id: id.to_string(),
            title: "Secret compared in variable time".to_string(),
            severity,
            target: hooklint_model::Target::RustFunction,
            source: "built-in".to_string(),
            why: "timing leaks the secret".to_string(),
            fix: "use `ct_eq`".to_string(),
            bad: "if sig == expected {}\n".to_string(),
            good: "if sig.ct_eq(&expected).into() {}\n".to_string(),
            help: "use `ct_eq`".to_string(),
            unsuppressible: false,
            confidence: String::new(),
            precision: String::new(),
            exclude: Vec::new(),
        }
    }

    fn text(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn lists_rules_in_columns() {
        let rules = [rule("crypto/compare", Severity::Error), rule("tls/off", Severity::Warning)];
        let out = text(|w| rules_human(w, &rules));
        assert_eq!(
            out,
            "crypto/compare  error    Secret compared in variable time  (built-in)\n\
             tls/off         warning  Secret compared in variable time  (built-in)\n"
        );
        let value: serde_json::Value =
            serde_json::from_str(&text(|w| rules_json(w, &rules))).unwrap();
        assert_eq!(value["rules"][1]["severity"], "warning");
        assert_eq!(value["rules"][0]["source"], "built-in");
    }

    #[test]
    fn explains_a_rule() {
        let out = text(|w| explain(w, &rule("crypto/compare", Severity::Error)));
        assert_eq!(
            out,
            "crypto/compare: Secret compared in variable time\nseverity: error\n\
             target: rust.function\nsource: built-in\n\nwhy:\n  timing leaks the secret\n\n\
             fix:\n  use `ct_eq`\n\nbad:\n    if sig == expected {}\n\n\
             good:\n    if sig.ct_eq(&expected).into() {}\n"
        );
    }
}
