//! SARIF 2.1.0, for code scanning (GitHub, GitLab, Azure DevOps and SARIF viewers).
//!
//! One run: the tool driver lists every loaded rule with its documentation as help, results
//! point at the finding's region relative to `%SRCROOT%`, suppressed findings are results with
//! an `inSource` suppression and its justification, and problems are tool execution
//! notifications. Columns count Unicode code points, as hooklint's do.

use std::collections::BTreeMap;
use std::io;

use hooklint_model::{Confidence, Finding, Problem, ProblemCode, RuleInfo, Severity, Span, Target};
use serde::Serialize;

use crate::Report;

/// The schema URI written as `$schema`.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

const INFORMATION_URI: &str = "https://github.com/hooklint/hooklint";

/// Key of hooklint's fingerprint in `partialFingerprints`; the suffix versions its algorithm.
const FINGERPRINT_KEY: &str = "hooklint/v1";

// The SARIF objects hooklint writes, as structs so that the keys come out in the order a reader
// expects (`version` and `runs` first, `results` after the tool) rather than sorted.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation<'a>; 1],
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    information_uri: &'static str,
    version: &'a str,
    semantic_version: &'a str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_configuration: Option<Configuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Properties {
    tags: Vec<String>,
    unsuppressible: bool,
    /// The policy's `precision`: the share of its findings that are true on real code.
    #[serde(skip_serializing_if = "str::is_empty")]
    precision: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    confidence: Confidence,
    /// The finding's notes, each on its own; absent when it has none.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification<'a>>,
    /// Rules the configuration disabled or re-levelled.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rule_configuration_overrides: Vec<Override<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<InvocationProperties<'a>>,
}

#[derive(Serialize)]
struct Override<'a> {
    descriptor: DescriptorReference<'a>,
    configuration: OverrideConfiguration,
}

#[derive(Serialize)]
struct OverrideConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<&'static str>,
}

#[derive(Serialize)]
struct InvocationProperties<'a> {
    /// The effective configuration of the run, as in the JSON output.
    #[serde(rename = "hooklint/configuration", skip_serializing_if = "Option::is_none")]
    configuration: Option<&'a crate::Configuration>,
    /// Folders left out as code the project does not own, as in the JSON output.
    #[serde(rename = "hooklint/skipped", skip_serializing_if = "<[_]>::is_empty")]
    skipped: &'a [hooklint_model::SkippedFolder],
}

#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Text,
    descriptor: DescriptorReference<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
struct DescriptorReference<'a> {
    id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression<'a>>,
    /// From the finding's confidence: high 90, medium 60, low 30.
    rank: f64,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct Suppression<'a> {
    kind: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    justification: &'a str,
}

/// Writes the run as a SARIF 2.1.0 log. `rules` are every loaded rule (a result whose rule is
/// not among them still gets an entry, from its id alone); `version` is the tool's version.
pub fn sarif(
    w: &mut dyn io::Write,
    report: &Report<'_>,
    rules: &[RuleInfo],
    version: &str,
) -> io::Result<()> {
    let mut descriptors: Vec<Descriptor> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for rule in rules {
        if !index.contains_key(&rule.id) {
            index.insert(rule.id.clone(), descriptors.len());
            descriptors.push(rule_descriptor(rule, version));
        }
    }
    let all = report
        .findings
        .iter()
        .map(|f| (f, None))
        .chain(report.suppressed.iter().map(|s| (s.finding, Some(s.reason))));
    let mut results = Vec::new();
    for (finding, suppression) in all {
        let rule_index = match index.get(&finding.rule) {
            Some(&i) => i,
            None => {
                let i = descriptors.len();
                index.insert(finding.rule.clone(), i);
                descriptors.push(Descriptor {
                    id: finding.rule.clone(),
                    name: rule_name(&finding.rule),
                    short_description: None,
                    full_description: None,
                    help: None,
                    help_uri: None,
                    default_configuration: None,
                    properties: None,
                });
                i
            }
        };
        results.push(result(finding, rule_index, suppression));
    }
    let log = Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "hooklint",
                    information_uri: INFORMATION_URI,
                    version,
                    semantic_version: version,
                    rules: descriptors,
                },
            },
            invocations: [Invocation {
                execution_successful: !report
                    .problems
                    .iter()
                    .any(|p| p.code == ProblemCode::InternalError),
                tool_execution_notifications: report.problems.iter().map(notification).collect(),
                rule_configuration_overrides: overrides(report.configuration),
                properties: (report.configuration.is_some() || !report.skipped.is_empty())
                    .then_some(InvocationProperties {
                        configuration: report.configuration,
                        skipped: report.skipped,
                    }),
            }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *w, &log).map_err(io::Error::from)?;
    writeln!(w)
}

/// Disabled rules and changed severities as SARIF configuration overrides.
fn overrides(configuration: Option<&crate::Configuration>) -> Vec<Override<'_>> {
    let Some(configuration) = configuration else { return Vec::new() };
    let disabled = configuration.disabled_rules.iter().map(|id| Override {
        descriptor: DescriptorReference { id },
        configuration: OverrideConfiguration { enabled: Some(false), level: None },
    });
    let levels = configuration.severities.iter().map(|(id, change)| Override {
        descriptor: DescriptorReference { id },
        configuration: OverrideConfiguration {
            enabled: None,
            // SARIF's levels are hooklint's severities, by the same names.
            level: Some(Severity::parse(&change.to).unwrap_or(Severity::Note).as_str()),
        },
    });
    disabled.chain(levels).collect()
}

/// `crypto/non-constant-time-compare` -> `CryptoNonConstantTimeCompare`: SARIF wants a name
/// that reads as an identifier and differs from the opaque id.
fn rule_name(id: &str) -> String {
    id.split(|c: char| !c.is_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// Paragraphs of a policy's prose joined into flowing text.
fn flow(text: &str) -> String {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Where a built-in rule is documented, at the release that reports it: the policy file (its
/// why, fix and examples), or for the `hooklint/` rules the suppression docs. Organisation
/// rules have no public page.
fn help_uri(rule: &RuleInfo, version: &str) -> Option<String> {
    const REPOSITORY: &str = "https://github.com/hooklint/hooklint";
    if rule.source != "built-in" {
        return None;
    }
    Some(if rule.id.starts_with("hooklint/") {
        format!("{REPOSITORY}/blob/v{version}/docs/ci.md#inline-suppressions")
    } else {
        format!("{REPOSITORY}/blob/v{version}/policies/{}.yaml", rule.id)
    })
}

fn rule_descriptor(rule: &RuleInfo, version: &str) -> Descriptor {
    let why = flow(&rule.why);
    let full = if why.is_empty() { rule.title.clone() } else { why };
    let (text, markdown) = help(rule);
    let category = rule.id.split('/').next().unwrap_or_default();
    // The `hooklint/` rules are about suppression comments, not about the code's security.
    let mut tags = if category == "hooklint" {
        vec!["suppression".to_string()]
    } else {
        vec!["security".to_string()]
    };
    if !category.is_empty() && category != "security" && category != "hooklint" {
        tags.push(category.to_string());
    }
    Descriptor {
        id: rule.id.clone(),
        name: rule_name(&rule.id),
        short_description: Some(Text { text: rule.title.clone() }),
        full_description: Some(Text { text: full }),
        help: Some(Help { text, markdown }),
        help_uri: help_uri(rule, version),
        default_configuration: Some(Configuration { level: rule.severity.as_str() }),
        properties: Some(Properties {
            tags,
            unsuppressible: rule.unsuppressible,
            precision: rule.precision.clone(),
        }),
    }
}

/// Help as plain text and as Markdown, from the rule's why, fix, bad and good docs.
fn help(rule: &RuleInfo) -> (String, String) {
    let language = if matches!(rule.target, Target::RustFunction | Target::RustFile) {
        "rust"
    } else if rule.target == Target::Manifest {
        "yaml"
    } else {
        ""
    };
    let mut text = Vec::new();
    let mut markdown = Vec::new();
    for (heading, body) in [("Why", &rule.why), ("Fix", &rule.fix)] {
        let body = flow(body);
        if !body.is_empty() {
            text.push(format!("{heading}: {body}"));
            markdown.push(format!("**{heading}.** {body}"));
        }
    }
    for (heading, code) in [("Bad", &rule.bad), ("Good", &rule.good)] {
        let code = code.trim_end();
        if code.trim().is_empty() {
            continue;
        }
        let indented: Vec<String> = code
            .lines()
            .map(|l| if l.trim().is_empty() { String::new() } else { format!("    {l}") })
            .collect();
        text.push(format!("{heading}:\n{}", indented.join("\n")));
        markdown.push(format!("**{heading}:**\n\n```{language}\n{code}\n```"));
    }
    if text.is_empty() {
        text.push(rule.title.clone());
        markdown.push(rule.title.clone());
    }
    (text.join("\n\n"), markdown.join("\n\n"))
}

/// The message is the finding's alone: viewers show the rule's help beside it. Its first line
/// is the headline, the summary SARIF viewers show where space is short; the notes follow as
/// paragraphs of the full text, and each one in `properties.notes`.
fn result<'a>(
    finding: &'a Finding,
    rule_index: usize,
    suppression: Option<&'a str>,
) -> SarifResult<'a> {
    let mut location = location(&finding.span);
    if !finding.function.is_empty() {
        location.logical_locations.push(LogicalLocation {
            fully_qualified_name: finding.function.clone(),
            kind: "function",
        });
    }
    let related_locations = finding
        .labels
        .iter()
        .enumerate()
        .map(|(i, label)| Location {
            id: Some(i),
            message: Some(Text { text: label.message.clone() }),
            ..self::location(&label.span)
        })
        .collect();
    let mut partial_fingerprints = BTreeMap::new();
    if !finding.fingerprint.is_empty() {
        partial_fingerprints.insert(FINGERPRINT_KEY, finding.fingerprint.as_str());
    }
    let suppressions = suppression
        .map(|reason| Suppression { kind: "inSource", status: "accepted", justification: reason })
        .into_iter()
        .collect();
    SarifResult {
        rule_id: &finding.rule,
        rule_index,
        level: finding.severity.as_str(),
        message: Text { text: message_text(finding) },
        locations: [location],
        related_locations,
        partial_fingerprints,
        suppressions,
        rank: f64::from(finding.confidence.rank()),
        properties: ResultProperties { confidence: finding.confidence, notes: &finding.notes },
    }
}

/// The headline, then each note as a paragraph.
fn message_text(finding: &Finding) -> String {
    let mut text = finding.message.clone();
    for note in &finding.notes {
        text.push_str("\n\n");
        text.push_str(note);
    }
    text
}

/// A location with a region when the span has a line.
fn location(span: &Span) -> Location {
    let region = (span.line > 0).then(|| {
        let start_column = span.column.max(1);
        let end_line = span.end_line.max(span.line);
        let mut end_column = span.end_column.max(1);
        if end_line == span.line && end_column <= start_column {
            end_column = start_column.saturating_add(1);
        }
        Region { start_line: span.line, start_column, end_line, end_column }
    });
    Location {
        id: None,
        physical_location: PhysicalLocation {
            artifact_location: artifact_location(&span.file),
            region,
        },
        logical_locations: Vec::new(),
        message: None,
    }
}

fn artifact_location(path: &str) -> ArtifactLocation {
    let path = path.replace('\\', "/");
    if path.starts_with('/') {
        ArtifactLocation { uri: format!("file://{}", encode_uri_path(&path)), uri_base_id: None }
    } else {
        let relative = path.strip_prefix("./").unwrap_or(&path);
        ArtifactLocation { uri: encode_uri_path(relative), uri_base_id: Some("%SRCROOT%") }
    }
}

/// Percent-encodes everything but unreserved characters and `/`, so any path is a valid URI
/// reference.
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn notification(problem: &Problem) -> Notification<'_> {
    Notification {
        level: problem.severity.as_str(),
        message: Text { text: problem.message.clone() },
        descriptor: DescriptorReference { id: problem.code.as_str() },
        locations: problem.span.iter().map(location).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{finding, io_error, parse_error};
    use crate::SuppressedFinding;
    use serde_json::{json, Value};

    fn rule(id: &str) -> RuleInfo {
        RuleInfo {
            id: id.to_string(),
            title: "Secret compared in variable time".to_string(),
            severity: Severity::Error,
            target: Target::RustFunction,
            source: "built-in".to_string(),
            why: "Equality stops at the first\ndifferent byte.\n\nTiming leaks it.\n".to_string(),
            fix: "Use `ct_eq`.\n".to_string(),
            bad: "if sig == expected {}\n".to_string(),
            good: "if sig.ct_eq(&expected).into() {}\n".to_string(),
            help: String::new(),
            unsuppressible: false,
            confidence: String::new(),
            precision: String::new(),
            exclude: Vec::new(),
        }
    }

    fn render(report: &Report<'_>, rules: &[RuleInfo]) -> Value {
        let mut out = Vec::new();
        sarif(&mut out, report, rules, "1.2.3").unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn lists_rules_results_suppressions_and_notifications() {
        let kept = finding("crypto/x", Severity::Error, Span::new("src/a b.rs", 2, 3, 2, 9));
        let mut other = finding("other/y", Severity::Note, Span::new("./c.rs", 1, 1, 1, 1));
        other.function.clear();
        let silenced = finding("crypto/x", Severity::Error, Span::new("b.rs", 4, 1, 5, 2));
        let suppressed = [SuppressedFinding { finding: &silenced, reason: "test key" }];
        let problems =
            [parse_error(Span::new("d.rs", 3, 1, 3, 2)), io_error("/abs/e.rs", "denied")];
        let findings = [kept, other];
        let report = Report {
            files_checked: 3,
            suppressed: &suppressed,
            ..Report::new(&findings, &problems)
        };
        let log = render(&report, &[rule("crypto/x"), rule("z/unused")]);
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0]["name"], "CryptoX");
        assert_eq!(
            rules[0]["fullDescription"]["text"],
            "Equality stops at the first different byte.\n\nTiming leaks it."
        );
        assert!(rules[0]["help"]["markdown"].as_str().unwrap().contains("```rust\nif sig =="));
        assert_eq!(rules[2], json!({"id": "other/y", "name": "OtherY"}));
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(results[0]["ruleIndex"], 0);
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["artifactLocation"],
            json!({"uri": "src/a%20b.rs", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(results[1]["ruleIndex"], 2);
        assert_eq!(results[1]["level"], "note");
        let region = &results[1]["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["endColumn"], 2, "empty regions widen to one column");
        assert_eq!(
            results[2]["suppressions"],
            json!([{"kind": "inSource", "status": "accepted", "justification": "test key"}])
        );
        assert_eq!(results[2]["partialFingerprints"]["hooklint/v1"], "0123456789abcdef");
        let notes = run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
        assert_eq!(notes.len(), 2);
        assert_eq!(
            notes[1]["locations"][0]["physicalLocation"],
            json!({"artifactLocation": {"uri": "file:///abs/e.rs"}})
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    }

    #[test]
    fn names_and_help_degrade_gracefully() {
        assert_eq!(rule_name("crypto/non-constant-time-compare"), "CryptoNonConstantTimeCompare");
        assert_eq!(rule_name("//"), "");
        let bare = RuleInfo {
            why: String::new(),
            fix: String::new(),
            bad: String::new(),
            good: String::new(),
            ..rule("a/b")
        };
        assert_eq!(help(&bare).0, "Secret compared in variable time");
        assert_eq!(encode_uri_path("ü/x?#"), "%C3%BC/x%3F%23");
    }
}
