//! hooklint's manifest extractor: YAML (and GitHub App JSON) to facts with spans.
//!
//! `extract_manifest` parses every document of a file into a spanned tree, gives each document a
//! `format` with normalised views (scopes, endpoints, credentials, inline secrets, services, the
//! Integration manifest) and converts it to `data` with secrets redacted. Broken or hostile
//! input yields problems, never a panic or an unbounded run: see `tree` for the bounds.
//!
//! Architecture invariant: no I/O, no printing. Secret values never reach a fact: literals are
//! replaced by salted fingerprints (`fnv:XXXXXXXX`) before anything is stored.

mod data;
mod formats;
mod interp;
mod kn;
mod mask;
mod project;
mod secrets;
mod shared;
mod template;
mod tree;
mod views;

use hooklint_model::manifest::{Document, ManifestFile};
use hooklint_model::{Knowledge, Problem, ProblemCode, Span};

pub use hooklint_model::manifest::route_matches;
pub use mask::{secret_redaction, Masker, Redactor};
pub use project::build_project;
pub use tree::{MAX_ALIAS_BYTES, MAX_DEPTH, MAX_NODES};

/// Largest manifest parsed, whatever the engine's file size limit: real manifests are far
/// smaller, and a bound here keeps the cost of one file predictable on its own.
pub const MAX_MANIFEST_BYTES: usize = 16 * 1024 * 1024;

/// Seconds in a duration as the Integration manifest writes them (`5m`, `1h30m`, `PT5M`, `300`).
pub fn parse_duration(text: &str) -> Option<i64> {
    formats::parse_duration(text)
}

/// The facts of one manifest file and what went wrong reading it.
#[derive(Debug, Clone, Default)]
pub struct ManifestExtracted {
    pub file: ManifestFile,
    /// `yaml-error` (invalid YAML, with line and column), `yaml-too-complex` (a bound was hit),
    /// `yaml-duplicate-key` (a warning naming both lines), `too-large` (over
    /// `MAX_MANIFEST_BYTES`).
    pub problems: Vec<Problem>,
}

/// Parses `source` (the text of the file at `path`) into documents and problems, judging
/// secrets, placeholders, endpoints and brokers by `knowledge`.
pub fn extract_manifest(path: &str, source: &str, knowledge: &Knowledge) -> ManifestExtracted {
    if source.len() > MAX_MANIFEST_BYTES {
        let message =
            format!("`{path}` is larger than the manifest limit of {MAX_MANIFEST_BYTES} bytes");
        return ManifestExtracted {
            file: ManifestFile { path: path.to_string(), ..ManifestFile::default() },
            problems: vec![Problem::new(ProblemCode::TooLarge, message, Some(Span::line(path, 1)))],
        };
    }
    let is_json = lower_name(path).ends_with(".json");
    if !is_json {
        if let Some(kind) = template::in_chart(path, source) {
            return ManifestExtracted::template(path, kind);
        }
    }
    // JSON allows tabs where YAML does not; both are one column wide, so positions hold.
    let detabbed;
    let text = if is_json && source.contains('\t') {
        detabbed = source.replace('\t', " ");
        detabbed.as_str()
    } else {
        source
    };
    let parsed = tree::parse(text);
    if !is_json && parsed.issues.iter().any(|i| i.code == ProblemCode::YamlError) {
        if let Some(kind) = template::directives(source) {
            return ManifestExtracted::template(path, kind);
        }
    }
    let mut problems: Vec<Problem> = parsed
        .issues
        .iter()
        .map(|issue| {
            let span = Span::new(
                path,
                issue.pos.line,
                issue.pos.col,
                issue.pos.end_line,
                issue.pos.end_col,
            );
            Problem::new(issue.code, issue.message.clone(), Some(span))
        })
        .collect();
    problems.sort_by(|a, b| {
        let key = |p: &Problem| p.span.as_ref().map(|s| (s.line, s.column)).unwrap_or_default();
        key(a).cmp(&key(b))
    });
    let kn = kn::Kn::new(knowledge);
    let place =
        Place { path, is_test: kn.is_test_path(path), is_example: kn.is_example_path(path) };
    let documents = parsed.documents.iter().map(|raw| document(&place, raw, &kn)).collect();
    let file = ManifestFile { path: path.to_string(), documents, template: String::new() };
    ManifestExtracted { file, problems }
}

impl ManifestExtracted {
    /// A template skipped before (or instead of) parsing: no documents, no problems.
    fn template(path: &str, kind: &str) -> ManifestExtracted {
        let file = ManifestFile {
            path: path.to_string(),
            documents: Vec::new(),
            template: kind.to_string(),
        };
        ManifestExtracted { file, problems: Vec::new() }
    }
}

/// The file a document comes from.
struct Place<'a> {
    path: &'a str,
    is_test: bool,
    is_example: bool,
}

fn document(place: &Place<'_>, raw: &tree::RawDocument, kn: &kn::Kn) -> Document {
    let path = place.path;
    let views = formats::recognise(path, &raw.root, kn);
    let base64 = views.base64_data.then_some("data");
    let converted = data::convert(
        path,
        &raw.root,
        &views.secret_data_keys,
        base64,
        &views.embedded_secrets,
        kn,
    );
    Document {
        file: path.to_string(),
        index: raw.index,
        format: views.format.to_string(),
        span: data::span(path, raw.pos),
        data: converted.data,
        key_spans: converted.key_spans,
        is_test: place.is_test,
        is_example: place.is_example,
        ..views.doc
    }
}

/// `source` with every inline secret's value masked by `*` (one per character, so lines and
/// columns stay put): the text to show in snippets, so no output repeats a secret.
pub fn mask_secrets(source: &str, file: &ManifestFile) -> String {
    let spans: Vec<&Span> = file
        .documents
        .iter()
        .flat_map(|d| d.inline_secrets.iter().map(|s| &s.span))
        .filter(|s| s.line > 0)
        .collect();
    if spans.is_empty() {
        return source.to_string();
    }
    let mut out = String::with_capacity(source.len());
    for (i, line) in source.split_inclusive('\n').enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let hits: Vec<&&Span> = spans.iter().filter(|s| s.line <= n && n <= s.end_line).collect();
        if hits.is_empty() {
            out.push_str(line);
            continue;
        }
        for (c, ch) in line.chars().enumerate() {
            let col = u32::try_from(c + 1).unwrap_or(u32::MAX);
            let masked = hits.iter().any(|s| {
                let after_start = n > s.line || col >= s.column;
                let before_end = n < s.end_line || col < s.end_column;
                after_start && before_end
            });
            out.push(if masked && ch != '\n' && ch != '\r' { '*' } else { ch });
        }
    }
    out
}

fn lower_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_ascii_lowercase()
}

/// Whether discovery should read `path` as a manifest: `*.yaml` and `*.yml` except lock files
/// and CI workflow definitions (not integration manifests, and full of `${{ secrets.X }}`
/// references), and `*.json` only when named like a GitHub or Slack app manifest
/// (`*manifest*.json`, `github-app*.json`, `slack-app*.json`). Explicit configuration can add
/// files this leaves out.
pub fn is_candidate(path: &str) -> bool {
    let name = lower_name(path);
    let normalized = path.replace('\\', "/").to_ascii_lowercase();
    let in_dir = |dir: &str| normalized.starts_with(dir) || normalized.contains(&format!("/{dir}"));
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        let stem = name.trim_end_matches(".yaml").trim_end_matches(".yml");
        let lock = stem.ends_with("-lock") || stem.ends_with(".lock") || stem.ends_with("_lock");
        let ci = in_dir(".github/workflows/")
            || in_dir(".circleci/")
            || name == ".gitlab-ci.yml"
            || name == ".travis.yml"
            || name == "azure-pipelines.yml"
            || name == "bitbucket-pipelines.yml";
        return !lock && !ci;
    }
    if name.ends_with(".json") {
        return (name.contains("manifest") && name != "manifest.webmanifest.json")
            || name.starts_with("github-app")
            || name.starts_with("slack-app");
    }
    false
}

#[cfg(test)]
mod tests;
