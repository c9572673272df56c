//! The run: discover, read and extract in parallel, link, evaluate in parallel, sort.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Instant;

use hooklint_model::manifest::ManifestFile;
use hooklint_model::{Finding, Knowledge, Problem, ProblemCode, RustFile, Span};
use hooklint_policy::PolicySet;
use rayon::prelude::*;

use crate::discover::{discover, discover_tracked, Candidate, FileKind, Found, SkipForeign};
use crate::load::{load, Loaded};
use crate::packages;
use crate::secrets;
use crate::suppress;
use crate::tree::Tree;
use crate::{fingerprint, gate, project, sort_problems, Facts, Options, RunOutput};

/// syn's parser recurses once per nesting level and overflows a default 2 MiB stack at about
/// a thousand nested parentheses; 64 MiB of (lazily committed) stack is about ten times what
/// the pre-parse scan's bounds need.
pub const STACK_SIZE: usize = 64 * 1024 * 1024;

/// One file after reading and extraction.
struct Parsed {
    display: String,
    /// Where it was read from.
    fs_path: PathBuf,
    /// Text to render snippets from and to scan for suppressions, kept only where it can be
    /// needed: the file mentions `hooklint`, is a manifest, or has a problem. The others are
    /// read again if a finding lands in them (see [`Dropped`]); on a large run most texts
    /// would otherwise stay resident to the end for nothing.
    text: Option<String>,
    /// Where to read the text again, and its hash, when `text` was dropped.
    dropped: Option<Dropped>,
    /// Facts, when the file was read as text.
    file: Option<RustFile>,
    /// Manifest facts, when the file is a manifest.
    manifest: Option<ManifestFile>,
    problems: Vec<Problem>,
    /// `#[path]` and `include!` targets it names (gate mode follows them).
    includes: Vec<hooklint_rust::IncludeRef>,
}

pub(crate) fn run(opts: &Options, policies: &PolicySet) -> RunOutput {
    let start = Instant::now();
    in_pool(opts.jobs, opts.stack_size, || {
        let mut clock = Phases::new();
        let Parsing { parsed, mut problems, excluded, ignored_configs, packages, skipped } =
            parse_all(opts, &policies.knowledge);
        clock.lap("discover, read, parse, extract");
        let files_checked =
            parsed.iter().filter(|p| p.file.is_some() || p.manifest.is_some()).count();
        let mut texts = BTreeMap::new();
        let mut dropped = BTreeMap::new();
        let mut checked = BTreeSet::new();
        let mut files = Vec::with_capacity(parsed.len());
        let mut manifests = Vec::new();
        for p in parsed {
            problems.extend(p.problems);
            if p.file.is_some() || p.manifest.is_some() || p.text.is_some() {
                checked.insert(p.display.clone());
            }
            if let Some(text) = p.text {
                texts.insert(p.display, text);
            } else if let Some(d) = p.dropped {
                dropped.insert(p.display, d);
            }
            files.extend(p.file);
            manifests.extend(p.manifest);
        }
        let templates_skipped = manifests.iter().filter(|m| !m.template.is_empty()).count();
        packages::apply(&mut files, &packages);
        problems.extend(link(&mut files, &manifests, &policies.knowledge));
        clock.lap("link");
        let (mut findings, mut evaluation_problems) = evaluate(&files, policies);
        let (manifest_findings, manifest_problems) =
            evaluate_manifests(&files, &manifests, policies);
        findings.extend(manifest_findings);
        evaluation_problems.extend(manifest_problems);
        problems.extend(one_per_rule(evaluation_problems));
        clock.lap("evaluate");

        let mut skipped = skipped;
        if let Some(scope) = &opts.scope {
            // The index was built from the whole crate; only the named paths are reported.
            findings.retain(|f| project::in_scope(scope, &f.span.file));
            checked.retain(|path| project::in_scope(scope, path));
            skipped.retain(|folder| project::in_scope(scope, &folder.path));
        }
        findings.sort_by(|a, b| {
            a.sort_key()
                .cmp(&b.sort_key())
                .then_with(|| a.span.cmp(&b.span))
                .then_with(|| a.function.cmp(&b.function))
        });
        problems.extend(reread(&findings, &mut dropped, &mut texts, opts.max_file_size));
        sort_problems(&mut problems);
        fingerprint::assign(&mut findings, &texts, opts.rebase());
        let mut gated = gate::apply(opts, policies, &files, &texts, &checked, findings, &problems);
        // No secret value in any output: messages quoting a secret literal are redacted, and
        // the source lines a report shows are masked (fingerprints used the real text).
        let redactor =
            hooklint_manifest::Redactor::new(&secrets::secret_values(&files, &policies.knowledge));
        secrets::redact(&redactor, &mut gated.findings, &mut problems);
        secrets::redact(&redactor, &mut gated.baselined, &mut []);
        // Not reported, but a baseline written by the run records them.
        secrets::redact(&redactor, &mut gated.below_confidence, &mut []);
        secrets::redact(&redactor, &mut gated.excluded, &mut []);
        for s in &mut gated.suppressed {
            secrets::redact(&redactor, std::slice::from_mut(&mut s.finding), &mut []);
        }
        if let Some(scope) = &opts.scope {
            gated.findings.retain(|f| project::in_scope(scope, &f.span.file));
            gated.suppressed.retain(|s| project::in_scope(scope, &s.finding.span.file));
            gated.suppressions.retain(|s| project::in_scope(scope, &s.path));
            gated.baselined.retain(|f| project::in_scope(scope, &f.span.file));
            gated.below_confidence.retain(|f| project::in_scope(scope, &f.span.file));
            gated.excluded.retain(|f| project::in_scope(scope, &f.span.file));
        }
        clock.lap("suppressions, baseline, fingerprints");

        // The lines each report can show, by file: every other line of `sources` is left
        // empty, and the shown ones are masked.
        let mut shown: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
        let spans = gated
            .findings
            .iter()
            .flat_map(|f| std::iter::once(&f.span).chain(f.labels.iter().map(|l| &l.span)))
            .chain(problems.iter().filter_map(|p| p.span.as_ref()));
        for span in spans.filter(|s| s.line > 0) {
            let lines = shown.entry(span.file.to_string()).or_default();
            let end = if span.end_line > span.line && span.end_line - span.line < 8 {
                span.end_line
            } else {
                span.line
            };
            lines.extend(span.line..=end);
        }
        let masker = hooklint_manifest::Masker::new(&policies.knowledge);
        let secret_spans = secrets::secret_spans(&files, &masker, &policies.knowledge);
        let sources = texts
            .into_iter()
            .filter_map(|(path, text)| {
                let lines = shown.get(&path)?;
                let spans = secret_spans.get(&path).map_or(&[][..], Vec::as_slice);
                let masked = secrets::shown_lines(&text, lines, spans, &masker);
                Some((path, masked))
            })
            .collect();
        let phases = clock.finish(files, manifests);
        RunOutput {
            problems,
            files_checked,
            files_excluded: excluded,
            ignored_configs,
            duration: start.elapsed(),
            phases,
            sources,
            templates_skipped,
            skipped,
            ..gated
        }
    })
}

pub(crate) fn collect_facts(opts: &Options, knowledge: &Knowledge) -> Facts {
    in_pool(opts.jobs, opts.stack_size, || {
        let Parsing { parsed, mut problems, packages, .. } = parse_all(opts, knowledge);
        let mut files = Vec::with_capacity(parsed.len());
        let mut manifests = Vec::new();
        for p in parsed {
            problems.extend(p.problems);
            files.extend(p.file);
            manifests.extend(p.manifest);
        }
        packages::apply(&mut files, &packages);
        problems.extend(link(&mut files, &manifests, knowledge));
        sort_problems(&mut problems);
        Facts { files, manifests, problems }
    })
}

/// Wall time per phase, for `check --timings`.
struct Phases {
    last: Instant,
    laps: Vec<(&'static str, std::time::Duration)>,
}

impl Phases {
    fn new() -> Phases {
        Phases { last: Instant::now(), laps: Vec::new() }
    }

    fn lap(&mut self, phase: &'static str) {
        let now = Instant::now();
        self.laps.push((phase, now - self.last));
        self.last = now;
    }

    /// Drops the facts here, where it can be timed: on a large run freeing them is not free.
    fn finish(
        mut self,
        files: Vec<RustFile>,
        manifests: Vec<ManifestFile>,
    ) -> Vec<(&'static str, std::time::Duration)> {
        files.into_par_iter().for_each(drop);
        drop(manifests);
        self.lap("free the facts");
        self.laps
    }
}

/// Runs `f` on a dedicated pool with big stacks, or on the current thread if no pool can be
/// built (which only loses parallelism and stack headroom).
fn in_pool<R: Send>(jobs: Option<usize>, stack: usize, f: impl FnOnce() -> R + Send) -> R {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .stack_size(stack)
        .thread_name(|i| format!("hooklint-{i}"))
        .build();
    match pool {
        Ok(pool) => pool.install(f),
        Err(_) => f(),
    }
}

/// What discovery and parsing produced.
struct Parsing {
    /// Sorted by path.
    parsed: Vec<Parsed>,
    problems: Vec<Problem>,
    excluded: usize,
    ignored_configs: Vec<String>,
    /// Package names by crate root, for the receiver model.
    packages: HashMap<String, String>,
    /// Folders left out as code the project does not own.
    skipped: Vec<hooklint_model::SkippedFolder>,
}

/// Discovers, reads and extracts every file; the result is sorted by path.
fn parse_all(opts: &Options, knowledge: &Knowledge) -> Parsing {
    let base = opts
        .base_dir
        .clone()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    let skip_foreign = !opts.include_foreign;
    // Paths named inside a crate are the run's scope: never skipped.
    let named: Vec<PathBuf> =
        opts.scope.iter().flatten().map(|s| project::normalise(&base.join(s))).collect();
    let (mut candidates, mut problems, ignored_configs, skipped) = match &opts.gate {
        Some(tree) => match discover_tracked(&opts.paths, tree, &base, skip_foreign, &named) {
            Ok(found) => (found.candidates, found.problems, found.ignored_configs, found.skipped),
            Err(message) => {
                let problem = Problem::new(
                    ProblemCode::IoError,
                    format!("cannot list the files git tracks in the repository: {message}"),
                    None,
                );
                (Vec::new(), vec![problem], Vec::new(), Vec::new())
            }
        },
        None => {
            let foreign = SkipForeign { skip: skip_foreign, ceiling: None, named: &named };
            let Found { candidates, problems, skipped } =
                discover(&opts.paths, opts.follow_links, &base, foreign);
            (candidates, problems, Vec::new(), skipped)
        }
    };
    let found = candidates.len();
    if let Some(config) = &opts.select {
        candidates.retain(|c| opts.paths.contains(&c.fs_path) || config.selects(&c.fs_path));
    }
    let excluded = found - candidates.len();
    let selected = candidates.len();
    if !opts.skip_dirs.is_empty() {
        let absolute = |p: &std::path::Path| {
            project::normalise(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
        };
        let skip: Vec<PathBuf> = opts.skip_dirs.iter().map(|d| absolute(d)).collect();
        candidates.retain(|c| {
            opts.paths.contains(&c.fs_path) || {
                let path = absolute(&c.fs_path);
                !skip.iter().any(|d| path.starts_with(d))
            }
        });
    }
    let in_policy_dirs = selected - candidates.len();
    let foreign_files: usize = skipped.iter().map(|s| s.files).sum();
    if candidates.is_empty() && problems.is_empty() {
        let why = if excluded > 0 {
            format!(
                "no file was checked: the configuration's `include` and `exclude` leave out all \
                 {} found",
                excluded
            )
        } else if in_policy_dirs > 0 {
            format!(
                "no file was checked: the {in_policy_dirs} found are all in policy or fixture \
                 folders, which are not checked as code"
            )
        } else if foreign_files > 0 {
            format!(
                "no file was checked: the {foreign_files} found are all in folders the project \
                 does not own (vendored, or crates outside the workspace); `--include-foreign` \
                 checks them"
            )
        } else {
            "no file was checked: no Rust file or manifest was found".to_string()
        };
        problems.push(Problem::new(ProblemCode::NoFiles, why, None));
    }
    let within = opts.gate.as_ref().map(|tree| tree.root.as_path());
    let packages = packages::package_names(&candidates, &opts.paths, within);
    let mut parsed = parse_wave(candidates, opts, knowledge);
    if let Some(tree) = &opts.gate {
        follow_includes(&mut parsed, &mut problems, tree, &base, opts, knowledge);
    }
    parsed.sort_by(|a, b| a.display.cmp(&b.display));
    Parsing { parsed, problems, excluded, ignored_configs, packages, skipped }
}

/// Parses `candidates` on the pool: first, one at a time, the files a supervised run
/// suspects of having crashed an earlier attempt; then the others, largest first.
fn parse_wave(
    mut candidates: Vec<Candidate>,
    opts: &Options,
    knowledge: &Knowledge,
) -> Vec<Parsed> {
    let mut parsed = Vec::with_capacity(candidates.len());
    if let Some(progress) = &opts.progress {
        // Files named by `#[path]` or `include!` come in later waves and add to the total.
        progress.total.fetch_add(candidates.len(), std::sync::atomic::Ordering::Relaxed);
    }
    if let Some(watch) = &opts.watch {
        let (suspects, rest): (Vec<Candidate>, Vec<Candidate>) =
            candidates.into_iter().partition(|c| watch.state.suspects.contains(&c.display));
        candidates = rest;
        for candidate in &suspects {
            parsed.push(parse_one(candidate, opts, knowledge));
        }
    }
    // Largest first, one file per task: a big file picked up last would leave the other
    // threads idle while it parses.
    candidates.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.display.cmp(&b.display)));
    let rest: Vec<Parsed> = candidates
        .par_iter()
        .with_max_len(1)
        .map(|candidate| parse_one(candidate, opts, knowledge))
        .collect();
    parsed.extend(rest);
    parsed
}

/// Gate mode: the files that `#[path]` and `include!` name, wherever they are in the tree and
/// whatever their name, are read as Rust too, until no new one is named. A target outside the
/// tree is an `outside-tree` problem at the line that names it.
fn follow_includes(
    parsed: &mut Vec<Parsed>,
    problems: &mut Vec<Problem>,
    tree: &Tree,
    base: &std::path::Path,
    opts: &Options,
    knowledge: &Knowledge,
) {
    let base = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    let mut seen: BTreeSet<PathBuf> =
        parsed.iter().filter_map(|p| p.fs_path.canonicalize().ok()).collect();
    let mut from = 0;
    while from < parsed.len() {
        let mut next = Vec::new();
        for p in &parsed[from..] {
            for include in &p.includes {
                for target in include_candidates(&p.fs_path, include) {
                    let Ok(canonical) = target.canonicalize() else { continue };
                    if !canonical.starts_with(&tree.root) {
                        let what = if include.is_include { "include!" } else { "#[path]" };
                        problems.push(Problem::new(
                            ProblemCode::OutsideTree,
                            format!(
                                "`{what}` names `{}`, which is outside the repository; it was \
                                 not read",
                                include.path
                            ),
                            Some(Span::line(p.display.as_str(), include.line)),
                        ));
                        break;
                    }
                    if !canonical.is_file() || !seen.insert(canonical.clone()) {
                        break;
                    }
                    let size = canonical.metadata().map_or(0, |m| m.len());
                    next.push(Candidate {
                        display: crate::discover::display_path(&canonical, &base),
                        fs_path: canonical,
                        kind: FileKind::Rust,
                        size,
                    });
                    break;
                }
            }
        }
        from = parsed.len();
        let wave = parse_wave(next, opts, knowledge);
        parsed.extend(wave);
    }
}

/// Where `#[path = "x"]` or `include!("x")` in the file at `from` may point: rustc resolves
/// both against the file's folder, and a module path in a non-`mod.rs` file also against the
/// folder named after the file.
fn include_candidates(from: &std::path::Path, include: &hooklint_rust::IncludeRef) -> Vec<PathBuf> {
    let written = std::path::Path::new(&include.path);
    let dir = from.parent().unwrap_or(std::path::Path::new("."));
    let mut out = vec![dir.join(written)];
    if !include.is_include {
        let stem = from.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        if !matches!(stem, "mod" | "lib" | "main" | "") {
            out.push(dir.join(stem).join(written));
        }
    }
    out
}

fn parse_one(candidate: &Candidate, opts: &Options, knowledge: &Knowledge) -> Parsed {
    let display = candidate.display.clone();
    if let Some(watch) = &opts.watch {
        if watch.state.crashed.contains(&display) {
            if let Some(progress) = &opts.progress {
                progress.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            return crashed(candidate);
        }
        watch.start(&display);
    }
    let parsed = read_and_extract(candidate, opts.max_file_size, knowledge);
    if let Some(watch) = &opts.watch {
        watch.end(&display);
    }
    if let Some(progress) = &opts.progress {
        progress.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    parsed
}

/// A file whose parse made an earlier attempt of this run die (a stack overflow or an abort
/// that no bound foresaw): not read again, and reported where it starts.
fn crashed(candidate: &Candidate) -> Parsed {
    let display = candidate.display.clone();
    let problem = Problem::new(
        ProblemCode::TooComplex,
        format!(
            "checking `{display}` made hooklint crash (a stack overflow or an abort); the file \
             was not analysed and the run went on without it"
        ),
        Some(Span::line(display.as_str(), 1)),
    );
    Parsed {
        file: Some(RustFile { path: display.clone(), ..RustFile::default() }),
        display,
        fs_path: candidate.fs_path.clone(),
        text: None,
        dropped: None,
        manifest: None,
        problems: vec![problem],
        includes: Vec::new(),
    }
}

fn read_and_extract(candidate: &Candidate, max_size: u64, knowledge: &Knowledge) -> Parsed {
    let display = candidate.display.clone();
    let text = match load(&candidate.fs_path, &display, max_size) {
        Loaded::Text(text) => text,
        Loaded::Failed { problem, text } => {
            return Parsed {
                display,
                fs_path: candidate.fs_path.clone(),
                text,
                dropped: None,
                file: None,
                manifest: None,
                problems: vec![problem],
                includes: Vec::new(),
            };
        }
    };
    let extracted = match candidate.kind {
        FileKind::Manifest => {
            return parse_manifest(display, candidate.fs_path.clone(), text, knowledge)
        }
        FileKind::Rust => catch_unwind(AssertUnwindSafe(|| {
            hooklint_rust::extract_file(&display, &text, knowledge)
        })),
    };
    match extracted {
        Ok(extracted) => {
            let keep = !extracted.problems.is_empty() || suppress::mentions_hooklint(&text);
            let (text, dropped) = if keep {
                (Some(text), None)
            } else {
                let hash = fingerprint::fnv1a64(text.as_bytes());
                (None, Some(Dropped { fs_path: candidate.fs_path.clone(), hash }))
            };
            Parsed {
                display,
                fs_path: candidate.fs_path.clone(),
                text,
                dropped,
                file: Some(extracted.file),
                manifest: None,
                problems: extracted.problems,
                includes: extracted.includes,
            }
        }
        Err(payload) => {
            let problem = internal_error(
                format!("extracting facts from `{display}` failed: {}", panic_message(&payload)),
                Some(Span::line(display.as_str(), 0)),
            );
            // The file was read; count it as checked, with no facts.
            let file = RustFile { path: display.clone(), ..RustFile::default() };
            Parsed {
                display,
                fs_path: candidate.fs_path.clone(),
                text: Some(text),
                dropped: None,
                file: Some(file),
                manifest: None,
                problems: vec![problem],
                includes: Vec::new(),
            }
        }
    }
}

fn parse_manifest(
    display: String,
    fs_path: PathBuf,
    text: String,
    knowledge: &Knowledge,
) -> Parsed {
    let extracted = catch_unwind(AssertUnwindSafe(|| {
        hooklint_manifest::extract_manifest(&display, &text, knowledge)
    }));
    let (manifest, problems) = match extracted {
        Ok(out) => (out.file, out.problems),
        Err(payload) => {
            let problem = internal_error(
                format!("extracting facts from `{display}` failed: {}", panic_message(&payload)),
                Some(Span::line(display.as_str(), 0)),
            );
            let file = ManifestFile { path: display.clone(), ..ManifestFile::default() };
            (file, vec![problem])
        }
    };
    // Snippets show the text with inline secrets masked, so no output repeats a secret.
    let text = hooklint_manifest::mask_secrets(&text, &manifest);
    Parsed {
        display,
        fs_path,
        text: Some(text),
        dropped: None,
        file: None,
        manifest: Some(manifest),
        problems,
        includes: Vec::new(),
    }
}

/// Where a dropped text is read again from, and the hash it must still have.
struct Dropped {
    fs_path: PathBuf,
    hash: u64,
}

/// Reads again the dropped texts of the files that findings point into, for fingerprints and
/// snippets. A file that changed or vanished since it was checked is an `io-error` problem:
/// its findings keep their place but their fingerprints cannot be trusted.
fn reread(
    findings: &[Finding],
    dropped: &mut BTreeMap<String, Dropped>,
    texts: &mut BTreeMap<String, String>,
    max_size: u64,
) -> Vec<Problem> {
    let wanted: BTreeSet<&str> = findings
        .iter()
        .flat_map(|f| std::iter::once(&f.span).chain(f.labels.iter().map(|l| &l.span)))
        .map(|s| s.file.as_str())
        .filter(|file| dropped.contains_key(*file))
        .collect();
    let wanted: Vec<String> = wanted.into_iter().map(str::to_string).collect();
    let mut problems = Vec::new();
    for display in wanted {
        let Some(d) = dropped.remove(&display) else { continue };
        match load(&d.fs_path, &display, max_size) {
            Loaded::Text(text) if fingerprint::fnv1a64(text.as_bytes()) == d.hash => {
                texts.insert(display, text);
            }
            _ => problems.push(Problem::new(
                ProblemCode::IoError,
                format!("`{display}` changed while it was being checked; check it again"),
                Some(Span::line(display.as_str(), 0)),
            )),
        }
    }
    problems
}

/// Every `manifest` policy on every document (in parallel), then the `project` policies once.
fn evaluate_manifests(
    files: &[RustFile],
    manifests: &[ManifestFile],
    policies: &PolicySet,
) -> (Vec<Finding>, Vec<Problem>) {
    let docs: Vec<_> = manifests.iter().flat_map(|m| m.documents.iter()).collect();
    let results: Vec<(Vec<Finding>, Vec<Problem>)> = docs
        .par_iter()
        .map(|doc| {
            catch_unwind(AssertUnwindSafe(|| policies.check_document(doc))).unwrap_or_else(
                |payload| {
                    let message = format!(
                        "checking document {} of `{}` failed: {}",
                        doc.index,
                        doc.file,
                        panic_message(&payload)
                    );
                    (Vec::new(), vec![internal_error(message, Some(doc.span.clone()))])
                },
            )
        })
        .collect();
    let mut findings = Vec::new();
    let mut problems = Vec::new();
    for (f, p) in results {
        findings.extend(f);
        problems.extend(p);
    }
    if policies.has_target("project") {
        let functions: Vec<_> = files.iter().flat_map(|f| f.functions.iter()).collect();
        let project = hooklint_manifest::build_project(manifests, &functions);
        match catch_unwind(AssertUnwindSafe(|| policies.check_project(&project))) {
            Ok((f, p)) => {
                findings.extend(f);
                problems.extend(p);
            }
            Err(payload) => problems.push(internal_error(
                format!("checking the project failed: {}", panic_message(&payload)),
                None,
            )),
        }
    }
    (findings, problems)
}

/// A policy that fails (or is over its cost budget) on many targets is one problem per rule
/// and code, at its first place, with the number of other targets: not one per target.
fn one_per_rule(mut problems: Vec<Problem>) -> Vec<Problem> {
    sort_problems(&mut problems);
    let mut first: BTreeMap<(&str, String), (usize, usize)> = BTreeMap::new();
    let mut out: Vec<Problem> = Vec::with_capacity(problems.len().min(64));
    for problem in problems {
        let Some(rule) = hooklint_policy::problem_rule(&problem) else {
            out.push(problem);
            continue;
        };
        let key = (problem.code.as_str(), rule.to_string());
        match first.get_mut(&key) {
            Some((_, more)) => *more += 1,
            None => {
                first.insert(key, (out.len(), 0));
                out.push(problem);
            }
        }
    }
    for (index, more) in first.into_values() {
        if more > 0 {
            let targets = if more == 1 { "target" } else { "targets" };
            out[index].message.push_str(&format!(" (and on {more} more {targets})"));
        }
    }
    out
}

/// Links the project; the inbound routes manifests declare make their handlers receivers.
fn link(files: &mut [RustFile], manifests: &[ManifestFile], knowledge: &Knowledge) -> Vec<Problem> {
    let declared: Vec<hooklint_rust::DeclaredRoute> = manifests
        .iter()
        .flat_map(|m| m.documents.iter().map(move |d| (m, d)))
        .flat_map(|(m, d)| {
            d.endpoints.iter().filter(|e| e.is_inbound && !e.route.is_empty()).map(move |e| {
                hooklint_rust::DeclaredRoute {
                    method: e.method.clone(),
                    path: e.route.clone(),
                    file: m.path.clone(),
                }
            })
        })
        .collect();
    let run = || hooklint_rust::link_project(files, knowledge, &declared);
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|payload| {
        vec![internal_error(
            format!("linking the project index failed: {}", panic_message(&payload)),
            None,
        )]
    })
}

#[derive(Clone, Copy)]
enum Target {
    File(usize),
    Function(usize, usize),
}

fn evaluate(files: &[RustFile], policies: &PolicySet) -> (Vec<Finding>, Vec<Problem>) {
    let targets: Vec<Target> = files
        .iter()
        .enumerate()
        .flat_map(|(i, file)| {
            std::iter::once(Target::File(i))
                .chain((0..file.functions.len()).map(move |j| Target::Function(i, j)))
        })
        .collect();
    let results: Vec<(Vec<Finding>, Vec<Problem>)> =
        targets.par_iter().map(|&target| evaluate_one(files, policies, target)).collect();
    let mut findings = Vec::new();
    let mut problems = Vec::new();
    for (f, p) in results {
        findings.extend(f);
        problems.extend(p);
    }
    (findings, problems)
}

fn evaluate_one(
    files: &[RustFile],
    policies: &PolicySet,
    target: Target,
) -> (Vec<Finding>, Vec<Problem>) {
    let (result, what, span) = match target {
        Target::File(i) => {
            let Some(file) = files.get(i) else { return Default::default() };
            let result = catch_unwind(AssertUnwindSafe(|| policies.check_file(file)));
            (result, format!("file `{}`", file.path), Span::line(file.path.as_str(), 0))
        }
        Target::Function(i, j) => {
            let Some(function) = files.get(i).and_then(|f| f.functions.get(j)) else {
                return Default::default();
            };
            let result = catch_unwind(AssertUnwindSafe(|| policies.check_function(function)));
            (result, format!("function `{}`", function.qualified_name), function.span.clone())
        }
    };
    match result {
        Ok(found) => found,
        Err(payload) => {
            let message = format!("checking {what} failed: {}", panic_message(&payload));
            (Vec::new(), vec![internal_error(message, Some(span))])
        }
    }
}

fn internal_error(message: String, span: Option<Span>) -> Problem {
    Problem::new(ProblemCode::InternalError, format!("internal error: {message}"), span)
}

fn panic_message(payload: &Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, bytes) in files {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        }
        dir
    }

    fn options(dir: &tempfile::TempDir) -> Options {
        Options {
            paths: vec![dir.path().to_path_buf()],
            jobs: Some(2),
            base_dir: Some(dir.path().to_path_buf()),
            ..Options::default()
        }
    }

    #[test]
    fn a_bad_file_is_one_problem_and_the_run_goes_on() {
        let dir = project(&[
            ("src/a.rs", b"fn a() {}\n"),
            ("src/b.rs", b"fn b() {}\n// \xff\n"),
            ("src/c.rs", b"fn c() {}\n"),
        ]);
        let out = run(&options(&dir), &PolicySet::default());
        assert_eq!(out.files_checked, 2);
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].code, ProblemCode::NonUtf8);
        assert_eq!(out.problems[0].span.as_ref().map(|s| s.line), Some(2));
        let sources: Vec<&String> = out.sources.keys().collect();
        assert_eq!(sources, ["src/b.rs"]);
    }

    const INSECURE: &str = "fn client() {\n    let c = reqwest::Client::builder().danger_accept_invalid_certs(true).build();\n}\n";

    #[test]
    fn texts_of_files_with_findings_are_read_again_for_snippets_and_fingerprints() {
        let dir = project(&[("src/a.rs", INSECURE.as_bytes()), ("src/b.rs", b"fn b() {}\n")]);
        let out = run(&options(&dir), &PolicySet::builtin().unwrap());
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
        let sources: Vec<(&str, &str)> =
            out.sources.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        // Only the line a report shows is kept; the lines before it stay, empty.
        let shown =
            "\n    let c = reqwest::Client::builder().danger_accept_invalid_certs(true).build();\n";
        assert_eq!(sources, [("src/a.rs", shown)]);
        // The fingerprint hashes the finding's line, so it matches one computed from the text.
        let mut again = out.findings.clone();
        fingerprint::assign(&mut again, &out.sources, Default::default());
        assert_eq!(again[0].fingerprint, out.findings[0].fingerprint);
        let mut blind = out.findings.clone();
        fingerprint::assign(&mut blind, &BTreeMap::new(), Default::default());
        assert_ne!(blind[0].fingerprint, out.findings[0].fingerprint);
    }

    #[test]
    fn a_file_that_changed_before_it_was_read_again_is_a_problem() {
        let dir = project(&[("a.rs", b"fn a() {}\n")]);
        let span = Span::new("a.rs", 1, 1, 1, 2);
        let finding = Finding {
            rule: "r".into(),
            severity: hooklint_model::Severity::Error,
            message: "m".into(),
            notes: Vec::new(),
            span,
            help: String::new(),
            function: String::new(),
            labels: Vec::new(),
            fingerprint: String::new(),
            confidence: hooklint_model::Confidence::High,
        };
        let stale = || Dropped { fs_path: dir.path().join("a.rs"), hash: 1 };
        let mut dropped = BTreeMap::from([("a.rs".to_string(), stale())]);
        let mut texts = BTreeMap::new();
        let problems = reread(std::slice::from_ref(&finding), &mut dropped, &mut texts, 1024);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, ProblemCode::IoError);
        assert!(texts.is_empty());

        let hash = fingerprint::fnv1a64(b"fn a() {}\n");
        let mut dropped =
            BTreeMap::from([("a.rs".to_string(), Dropped { fs_path: stale().fs_path, hash })]);
        let problems = reread(&[finding], &mut dropped, &mut texts, 1024);
        assert!(problems.is_empty());
        assert_eq!(texts.get("a.rs").map(String::as_str), Some("fn a() {}\n"));
    }

    #[test]
    fn too_large_files_are_problems() {
        let dir = project(&[("a.rs", b"fn a() {}\n"), ("big.rs", &[b' '; 64])]);
        let opts = Options { max_file_size: 32, ..options(&dir) };
        let out = run(&opts, &PolicySet::default());
        assert_eq!(out.files_checked, 1);
        let codes: Vec<&str> = out.problems.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["too-large"]);
    }

    #[test]
    fn facts_have_one_file_per_rust_file_sorted() {
        let dir = project(&[("b.rs", b""), ("a.rs", b""), ("c.txt", b"")]);
        let Facts { files, problems, .. } = collect_facts(&options(&dir), &Knowledge::default());
        assert!(problems.is_empty());
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["a.rs", "b.rs"]);
    }

    #[test]
    fn panics_become_internal_errors() {
        let payload: Box<dyn Any + Send> = Box::new("boom");
        assert_eq!(panic_message(&payload), "boom");
        let payload: Box<dyn Any + Send> = Box::new(String::from("bang"));
        assert_eq!(panic_message(&payload), "bang");
        let problem = internal_error("x failed: boom".into(), None);
        assert_eq!(problem.code, ProblemCode::InternalError);
        assert_eq!(problem.message, "internal error: x failed: boom");
    }
}
