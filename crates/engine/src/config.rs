//! `hooklint.toml`: the project configuration.
//!
//! Reading happens in phases so that one run reports every mistake at once: the TOML syntax
//! first (a syntax error stops there), then every key and type of the whole file, then, once
//! the policies are loaded, the rule ids and parameter names it mentions. Errors are
//! `LoadError`s (file, line, column, message, help) so they render like policy errors.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use hooklint_model::{Confidence, Knowledge, LoadError, LoadErrorKind, Severity};
use hooklint_policy::PolicySet;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// The configuration file's name, looked up from the checked path upwards.
pub const CONFIG_FILE: &str = "hooklint.toml";

const TOP_KEYS: &[&str] = &[
    "include",
    "exclude",
    "policies",
    "fail-on",
    "confidence",
    "test-dirs",
    "baseline",
    "include-foreign",
    "rules",
    "knowledge",
];
const RULE_KEYS: &[&str] = &["enabled", "severity", "params", "unsuppressible", "exclude"];
/// Knowledge lists that decide which manifest values are redacted as secrets: they take
/// additions only.
const REDACTION_LISTS: &[&str] =
    &["secret_key_words", "secret_key_qualifiers", "token_prefixes", "connection_key_words"];

/// The largest configuration file read.
const MAX_CONFIG_SIZE: u64 = 1024 * 1024;
const FAIL_ON: &[&str] = &["error", "warning", "note", "never"];
const CONFIDENCE: &[&str] = &["high", "medium", "low"];
const SEVERITIES: &[&str] = &["error", "warning", "note"];

/// A parsed `hooklint.toml`. Paths in it are resolved against the file's directory.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file as given (for messages) and its text (for errors found when applying it).
    pub path: String,
    text: String,
    /// Globs (relative to the config's directory) a discovered file must match, if any.
    pub include: Vec<String>,
    /// Globs of files never checked.
    pub exclude: Vec<String>,
    /// Extra policy directories.
    pub policies: Vec<PathBuf>,
    /// `Some(None)` is `fail-on = "never"`.
    pub fail_on: Option<Option<Severity>>,
    /// The lowest confidence reported, when set.
    pub confidence: Option<Confidence>,
    /// Fixture directories for `test` when none is named.
    pub test_dirs: Vec<PathBuf>,
    /// The baseline file to apply, relative to the configuration's directory. In gate mode
    /// this is the only place a baseline can come from.
    pub baseline: Option<PathBuf>,
    /// `include-foreign`: check `vendor/` and `third_party/` folders and crates that are not
    /// members of the workspace too; `None` when not set.
    pub include_foreign: Option<bool>,
    /// Per-rule settings, in file order.
    pub rules: Vec<RuleSetting>,
    /// Entries appended to the built-in knowledge lists, by list name; in a `manifest_*` list
    /// an entry written `!entry` removes `entry` from the built-in list instead.
    pub knowledge: BTreeMap<String, Vec<String>>,
    /// `[knowledge.remove]`: entries taken out of the built-in lists, by list name.
    pub knowledge_remove: BTreeMap<String, Vec<String>>,
    /// `[knowledge.replace]`: lists that replace the built-in ones.
    pub knowledge_replace: BTreeMap<String, Vec<String>>,
    /// The directory of the file; globs and paths are relative to it.
    pub root: PathBuf,
}

/// `[rules."ID"]`.
#[derive(Debug, Clone)]
pub struct RuleSetting {
    pub id: String,
    id_span: Range<usize>,
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
    /// Parameter overrides with the span of each key.
    pub params: Vec<(String, serde_json::Value, Range<usize>)>,
    /// `unsuppressible = true`: inline comments cannot silence the rule.
    pub unsuppressible: Option<bool>,
    /// `exclude = [...]`: globs of paths (relative to the project root) whose findings of the
    /// rule are not reported, added to the policy's own `paths.exclude`; `!glob` removes one
    /// of those. With the span of each entry.
    pub exclude: Vec<(String, Range<usize>)>,
}

/// The nearest `hooklint.toml` in `start` (a file's directory, or the directory) or above.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let start = if start.is_file() { start.parent()? } else { start };
    let absolute = std::path::absolute(start).ok()?;
    absolute.ancestors().map(|dir| dir.join(CONFIG_FILE)).find(|p| p.is_file())
}

/// Reads and validates the configuration file at `path`. Only a regular file is read (a FIFO
/// or a device is refused without blocking), of at most 1 MiB.
pub fn read_config(path: &Path) -> Result<Config, Vec<LoadError>> {
    let shown = path.to_string_lossy().replace('\\', "/");
    let text = crate::load::read_text(path, MAX_CONFIG_SIZE)
        .map_err(|why| vec![file_error(&shown, format!("cannot read `{shown}`: {why}"), None)])?;
    let mut config = parse_config(&shown, &text)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    // Policy and fixture paths stay relative so that messages show them as the user wrote them.
    config.policies = config.policies.iter().map(|p| dir.join(p)).collect();
    config.test_dirs = config.test_dirs.iter().map(|p| dir.join(p)).collect();
    config.baseline = config.baseline.as_ref().map(|p| dir.join(p));
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    config.root = std::path::absolute(&dir).unwrap_or(dir);
    Ok(config)
}

/// Gate mode's configuration: read as [`read_config`] does, then every path it names (policy
/// and fixture folders, the baseline) must be relative and, with symbolic links resolved, stay
/// inside the configuration's own folder, which is where the trusted files come from (for
/// example a checkout of the base branch). Anything else is refused.
pub fn read_trusted_config(path: &Path) -> Result<Config, Vec<LoadError>> {
    let config = read_config(path)?;
    let shown = config.path.clone();
    let root = config.root.canonicalize().unwrap_or_else(|_| config.root.clone());
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let named = config
        .policies
        .iter()
        .map(|p| ("policies", p))
        .chain(config.test_dirs.iter().map(|p| ("test-dirs", p)))
        .chain(config.baseline.iter().map(|p| ("baseline", p)));
    let mut errors = Vec::new();
    for (key, joined) in named {
        let written = joined.strip_prefix(&dir).unwrap_or(joined);
        let shown_path = written.to_string_lossy().replace('\\', "/");
        let at = config
            .text
            .find(&format!("\"{shown_path}\""))
            .map_or(0..0, |at| at..at + shown_path.len() + 2);
        let (line, column, len) = position(&config.text, at);
        let refuse = |message: String| LoadError {
            kind: LoadErrorKind::Config,
            path: shown.clone(),
            text: config.text.clone(),
            line,
            column,
            len,
            message,
            help: Some(
                "in gate mode every path of the trusted configuration is relative to its folder \
                 and stays inside it"
                    .to_string(),
            ),
        };
        if written.is_absolute() {
            errors.push(refuse(format!("`{key}` names the absolute path `{shown_path}`")));
            continue;
        }
        match joined.canonicalize() {
            Ok(resolved) if !resolved.starts_with(&root) => errors.push(refuse(format!(
                "`{key}` names `{shown_path}`, which leaves the configuration's folder"
            ))),
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(errors)
    }
}

/// An error about a whole file (no position in it).
fn file_error(path: &str, message: String, help: Option<String>) -> LoadError {
    LoadError {
        kind: LoadErrorKind::Config,
        path: path.to_string(),
        text: String::new(),
        line: 0,
        column: 0,
        len: 1,
        message,
        help,
    }
}

/// Parses and validates configuration text; `path` is only used in messages. Relative paths
/// are kept as written.
pub fn parse_config(path: &str, text: &str) -> Result<Config, Vec<LoadError>> {
    let mut errors = Errors { path, text, list: Vec::new() };
    let table = match DeTable::parse(text) {
        Ok(table) => table,
        Err(err) => {
            let span = err.span().unwrap_or(0..0);
            let message = err.message().trim().trim_end_matches('.').to_string();
            errors.push(span, lowercase_first(&message), None);
            return Err(errors.list);
        }
    };
    let mut config = Config { path: path.to_string(), text: text.to_string(), ..Config::default() };
    for (key, value) in table.get_ref() {
        let name = key.get_ref().as_ref();
        match name {
            "include" => config.include = errors.strings(value, "include"),
            "exclude" => config.exclude = errors.strings(value, "exclude"),
            "policies" => {
                config.policies =
                    errors.strings(value, "policies").into_iter().map(PathBuf::from).collect();
            }
            "test-dirs" => {
                config.test_dirs =
                    errors.strings(value, "test-dirs").into_iter().map(PathBuf::from).collect();
            }
            "baseline" => match value.get_ref().as_str() {
                Some(path) if !path.is_empty() => config.baseline = Some(PathBuf::from(path)),
                Some(_) => {}
                None => errors.wrong_type(value, "baseline", "a string"),
            },
            "include-foreign" => match value.get_ref().as_bool() {
                Some(include) => config.include_foreign = Some(include),
                None => errors.wrong_type(value, "include-foreign", "a boolean"),
            },
            "fail-on" => {
                let parse = |level: &str| FAIL_ON.contains(&level).then(|| Severity::parse(level));
                let unknown = |level: &str| format!("unknown level `{level}` for `fail-on`");
                config.fail_on = errors.keyword(value, "fail-on", FAIL_ON, parse, unknown);
            }
            "confidence" => {
                let unknown = |level: &str| format!("unknown level `{level}` for `confidence`");
                config.confidence =
                    errors.keyword(value, "confidence", CONFIDENCE, Confidence::parse, unknown);
            }
            "rules" => match value.get_ref().as_table() {
                Some(rules) => {
                    for (id, setting) in rules {
                        if let Some(rule) = errors.rule(id, setting) {
                            config.rules.push(rule);
                        }
                    }
                }
                None => errors.wrong_type(value, "rules", "a table"),
            },
            "knowledge" => {
                let Some(table) = value.get_ref().as_table() else {
                    errors.wrong_type(value, "knowledge", "a table");
                    continue;
                };
                for (key, list) in table {
                    match key.get_ref().as_ref() {
                        "remove" => config.knowledge_remove = errors.knowledge(list, "remove"),
                        "replace" => config.knowledge_replace = errors.knowledge(list, "replace"),
                        _ => {}
                    }
                }
                config.knowledge = errors.knowledge(value, "");
            }
            _ => errors.unknown_key(key, name, TOP_KEYS, ""),
        }
    }
    for pattern in config.include.iter().chain(&config.exclude) {
        if let Err(err) = globset::Glob::new(pattern) {
            let at =
                text.find(&format!("\"{pattern}\"")).map_or(0..0, |at| at..at + pattern.len() + 2);
            errors.push(at, format!("invalid glob `{pattern}`: {}", err.kind()), None);
        }
    }
    if errors.list.is_empty() {
        Ok(config)
    } else {
        errors.list.sort_by_key(|e| (e.line, e.column));
        Err(errors.list)
    }
}

impl Config {
    /// `base` with the configured entries appended to each list, and `!entry` removed from a
    /// `manifest_*` list (the only lists that take removals; parsing rejects the others).
    pub fn knowledge(&self, base: Knowledge) -> Knowledge {
        self.apply_lists(base)
    }

    fn apply_lists<T: serde::Serialize + serde::de::DeserializeOwned>(&self, base: T) -> T {
        if self.knowledge.is_empty()
            && self.knowledge_remove.is_empty()
            && self.knowledge_replace.is_empty()
        {
            return base;
        }
        let Ok(serde_json::Value::Object(mut lists)) = serde_json::to_value(&base) else {
            return base;
        };
        // Replace, then remove, then add: each list ends as the organisation wrote it.
        for (name, entries) in &self.knowledge_replace {
            if let Some(list) = lists.get_mut(name) {
                *list = serde_json::Value::from(entries.clone());
            }
        }
        for (name, gone) in &self.knowledge_remove {
            if let Some(serde_json::Value::Array(items)) = lists.get_mut(name) {
                items.retain(|i| !i.as_str().is_some_and(|s| gone.iter().any(|g| g == s)));
            }
        }
        for (name, extra) in &self.knowledge {
            if let Some(serde_json::Value::Array(items)) = lists.get_mut(name) {
                for entry in extra {
                    if let Some(removed) = entry.strip_prefix('!') {
                        items.retain(|i| i.as_str() != Some(removed));
                        continue;
                    }
                    let entry = serde_json::Value::String(entry.clone());
                    if !items.contains(&entry) {
                        items.push(entry);
                    }
                }
            }
        }
        serde_json::from_value(serde_json::Value::Object(lists)).unwrap_or(base)
    }

    /// Applies the per-rule settings to the loaded policies. Every unknown rule id or
    /// parameter is reported, at its key.
    pub fn apply(&self, set: &mut PolicySet) -> Result<(), Vec<LoadError>> {
        let mut errors = Errors { path: &self.path, text: &self.text, list: Vec::new() };
        let ids: Vec<String> = set.rules().into_iter().map(|r| r.id).collect();
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut disabled = Vec::new();
        for rule in &self.rules {
            if !ids.contains(&rule.id) {
                let help = suggest(&rule.id, &id_refs)
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| "`cargo hooklint rules` lists every rule".to_string());
                errors.push(
                    rule.id_span.clone(),
                    format!("unknown rule `{}`", rule.id),
                    Some(help),
                );
                continue;
            }
            if let Some(severity) = rule.severity {
                set.set_severity(&rule.id, severity);
            }
            if rule.unsuppressible == Some(true) {
                set.set_unsuppressible(&rule.id);
            }
            for (name, value, span) in &rule.params {
                if let Err(message) = set.set_param(&rule.id, name, value.clone()) {
                    let (message, help) = match message.split_once("; ") {
                        Some((m, h)) => (m.to_string(), Some(h.to_string())),
                        None => (message, None),
                    };
                    errors.push(span.clone(), message, help);
                }
            }
            if !rule.exclude.is_empty() {
                let defaults = set.rules().into_iter().find(|r| r.id == rule.id).map(|r| r.exclude);
                let mut exclude = defaults.unwrap_or_default();
                let mut added = Vec::new();
                for (glob, span) in &rule.exclude {
                    match glob.strip_prefix('!') {
                        Some(removed) if exclude.iter().any(|g| g == removed) => {
                            exclude.retain(|g| g != removed);
                        }
                        // Removing what is not there would change nothing: a mistake.
                        Some(removed) => {
                            let help = if exclude.is_empty() {
                                "the rule's policy excludes no path by default".to_string()
                            } else {
                                format!(
                                    "the rule's default exclusions are {}",
                                    exclude
                                        .iter()
                                        .map(|g| format!("`{g}`"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )
                            };
                            errors.push(
                                span.clone(),
                                format!(
                                    "`!{removed}` removes no default exclusion of `{}`",
                                    rule.id
                                ),
                                Some(help),
                            );
                        }
                        None => added.push(glob.clone()),
                    }
                }
                for glob in added {
                    if !exclude.contains(&glob) {
                        exclude.push(glob);
                    }
                }
                set.set_exclude(&rule.id, exclude);
            }
            if rule.enabled == Some(false) {
                disabled.push(rule.id.clone());
            }
        }
        set.retain(&[], &disabled);
        if errors.list.is_empty() {
            Ok(())
        } else {
            Err(errors.list)
        }
    }

    /// Whether a discovered file, reported as `display` relative to the working directory,
    /// is selected by `include` and `exclude`. Globs match the path relative to the config's
    /// directory and also any trailing part of it, so `generated/**` excludes nested copies.
    pub fn selects(&self, file: &Path) -> bool {
        if self.include.is_empty() && self.exclude.is_empty() {
            return true;
        }
        let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let root = std::path::absolute(&self.root).unwrap_or_else(|_| self.root.clone());
        let relative = absolute.strip_prefix(&root).unwrap_or(&absolute);
        let set = |globs: &[String]| {
            let mut builder = globset::GlobSetBuilder::new();
            for g in globs {
                if let Ok(glob) = globset::Glob::new(g) {
                    builder.add(glob);
                }
            }
            builder.build().ok()
        };
        let matches = |globs: &[String]| {
            set(globs).is_some_and(|s| {
                let parts: Vec<_> = relative.components().collect();
                (0..parts.len()).any(|i| s.is_match(parts[i..].iter().collect::<PathBuf>()))
            })
        };
        (self.include.is_empty() || matches(&self.include)) && !matches(&self.exclude)
    }
}

struct Errors<'a> {
    path: &'a str,
    text: &'a str,
    list: Vec<LoadError>,
}

impl Errors<'_> {
    fn push(&mut self, span: Range<usize>, message: String, help: Option<String>) {
        let (line, column, len) = position(self.text, span);
        self.list.push(LoadError {
            kind: LoadErrorKind::Config,
            path: self.path.to_string(),
            text: self.text.to_string(),
            line,
            column,
            len,
            message,
            help,
        });
    }

    fn unknown_key(
        &mut self,
        key: &Spanned<toml::de::DeString<'_>>,
        name: &str,
        known: &[&str],
        table: &str,
    ) {
        let place = if table.is_empty() { String::new() } else { format!(" in `{table}`") };
        let help = match suggest(name, known) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "expected one of {}",
                known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ),
        };
        self.push(key.span(), format!("unknown key `{name}`{place}"), Some(help));
    }

    fn wrong_type(&mut self, value: &Spanned<DeValue<'_>>, key: &str, expected: &str) {
        let found = value.get_ref().type_str();
        self.push(value.span(), format!("`{key}` must be {expected}, found {found}"), None);
    }

    fn boolean(&mut self, value: &Spanned<DeValue<'_>>, key: &str) -> Option<bool> {
        let b = value.get_ref().as_bool();
        if b.is_none() {
            self.wrong_type(value, key, "a boolean");
        }
        b
    }

    /// A string among `names`, read by `parse`. Any other string is an error that `unknown`
    /// words, with the closest name as help; a value that is not a string is one too.
    fn keyword<T>(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        key: &str,
        names: &[&str],
        parse: impl Fn(&str) -> Option<T>,
        unknown: impl Fn(&str) -> String,
    ) -> Option<T> {
        let Some(text) = value.get_ref().as_str() else {
            self.wrong_type(value, key, "a string");
            return None;
        };
        let parsed = parse(text);
        if parsed.is_none() {
            self.push(value.span(), unknown(text), Some(one_of(text, names)));
        }
        parsed
    }

    fn strings(&mut self, value: &Spanned<DeValue<'_>>, key: &str) -> Vec<String> {
        let Some(items) = value.get_ref().as_array() else {
            self.wrong_type(value, key, "an array of strings");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref().as_str() {
                Some(s) => out.push(s.to_string()),
                None => self.wrong_type(item, &format!("{key}[]"), "a string"),
            }
        }
        out
    }

    fn rule(
        &mut self,
        id: &Spanned<toml::de::DeString<'_>>,
        setting: &Spanned<DeValue<'_>>,
    ) -> Option<RuleSetting> {
        let name = id.get_ref().to_string();
        let Some(table) = setting.get_ref().as_table() else {
            self.wrong_type(setting, &format!("rules.\"{name}\""), "a table");
            return None;
        };
        let mut rule = RuleSetting {
            id: name.clone(),
            id_span: id.span(),
            enabled: None,
            severity: None,
            params: Vec::new(),
            unsuppressible: None,
            exclude: Vec::new(),
        };
        for (key, value) in table {
            match key.get_ref().as_ref() {
                "enabled" => rule.enabled = self.boolean(value, "enabled"),
                "unsuppressible" => rule.unsuppressible = self.boolean(value, "unsuppressible"),
                "severity" => {
                    let unknown = |s: &str| format!("unknown severity `{s}`");
                    rule.severity =
                        self.keyword(value, "severity", SEVERITIES, Severity::parse, unknown);
                }
                "exclude" => {
                    let Some(items) = value.get_ref().as_array() else {
                        self.wrong_type(value, "exclude", "an array of globs");
                        continue;
                    };
                    for item in items.iter() {
                        let Some(glob) = item.get_ref().as_str() else {
                            self.wrong_type(item, "exclude[]", "a string");
                            continue;
                        };
                        match globset::Glob::new(glob.strip_prefix('!').unwrap_or(glob)) {
                            Ok(_) => rule.exclude.push((glob.to_string(), item.span())),
                            Err(err) => self.push(
                                item.span(),
                                format!("invalid glob `{glob}`: {}", err.kind()),
                                Some(
                                    "a glob is relative to the project root, e.g. `examples/**`"
                                        .into(),
                                ),
                            ),
                        }
                    }
                }
                "params" => match value.get_ref().as_table() {
                    Some(params) => {
                        for (param, v) in params {
                            match to_json(v.get_ref()) {
                                Some(json) => {
                                    rule.params.push((
                                        param.get_ref().to_string(),
                                        json,
                                        param.span(),
                                    ));
                                }
                                None => self.push(
                                    v.span(),
                                    "a parameter cannot be a date or time".to_string(),
                                    None,
                                ),
                            }
                        }
                    }
                    None => self.wrong_type(value, "params", "a table"),
                },
                other => self.unknown_key(key, other, RULE_KEYS, &format!("rules.\"{name}\"")),
            }
        }
        Some(rule)
    }

    /// `[knowledge]` (`sub` empty: its lists, skipping the `remove` and `replace` tables) or
    /// `[knowledge.remove]`/`[knowledge.replace]`: list name to entries.
    fn knowledge(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        sub: &str,
    ) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        let section =
            if sub.is_empty() { "knowledge".to_string() } else { format!("knowledge.{sub}") };
        let Some(table) = value.get_ref().as_table() else {
            self.wrong_type(value, &section, "a table");
            return out;
        };
        let lists = knowledge_lists();
        let mut names: Vec<&str> = lists.iter().map(String::as_str).collect();
        if sub.is_empty() {
            names.extend(["remove", "replace"]);
        }
        for (key, list) in table {
            let name = key.get_ref().as_ref();
            if !names.contains(&name) {
                self.unknown_key(key, name, &names, &section);
                continue;
            }
            if sub.is_empty() && matches!(name, "remove" | "replace") {
                continue;
            }
            let entries = self.strings(list, &format!("{section}.{name}"));
            if !sub.is_empty() && REDACTION_LISTS.contains(&name) {
                // These lists decide which manifest values are redacted as secrets: reducing
                // them could let a secret value reach the output.
                self.push(
                    key.span(),
                    format!("`{section}.{name}` cannot be reduced or replaced"),
                    Some("it decides which values are redacted as secrets; add entries in `[knowledge]`".into()),
                );
                continue;
            }
            // Removal with `!entry` in `[knowledge]` is for the manifest lists of switches,
            // placeholders, hosts and words; the other lists decide what is a secret or a
            // verifier, and a removal there could make a secret shown or a finding silently
            // go: `[knowledge.remove]` says so explicitly, and refuses the redaction lists.
            if sub.is_empty() && !name.starts_with("manifest_") {
                if let Some(removal) = entries.iter().find(|e| e.starts_with('!')) {
                    self.push(
                        list.span(),
                        format!("`{removal}`: `knowledge.{name}` takes additions only"),
                        Some("`!entry` removes a built-in entry from `manifest_*` lists; `[knowledge.remove]` from the others".into()),
                    );
                    continue;
                }
            }
            out.insert(name.to_string(), entries);
        }
        out
    }
}

/// The names of the knowledge lists, from the model itself so that a new list is configurable
/// without touching this file.
fn knowledge_lists() -> Vec<String> {
    match serde_json::to_value(Knowledge::default()) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

fn to_json(value: &DeValue<'_>) -> Option<serde_json::Value> {
    Some(match value {
        DeValue::String(s) => serde_json::Value::String(s.to_string()),
        DeValue::Integer(i) => {
            let n = i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()?;
            serde_json::Value::from(n)
        }
        DeValue::Float(f) => {
            serde_json::Value::from(f.as_str().replace('_', "").parse::<f64>().ok()?)
        }
        DeValue::Boolean(b) => serde_json::Value::Bool(*b),
        DeValue::Datetime(_) => return None,
        DeValue::Array(items) => serde_json::Value::Array(
            items.iter().map(|i| to_json(i.get_ref())).collect::<Option<Vec<_>>>()?,
        ),
        DeValue::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, v)| Some((k.get_ref().to_string(), to_json(v.get_ref())?)))
                .collect::<Option<serde_json::Map<_, _>>>()?,
        ),
    })
}

fn one_of(found: &str, known: &[&str]) -> String {
    match suggest(found, known) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "expected one of {}",
            known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn suggest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    hooklint_model::suggest::did_you_mean(name, known)
}

/// 1-based line and column (in characters) of a byte span, and its length on that line.
fn position(text: &str, span: Range<usize>) -> (u32, u32, u32) {
    let start = floor_char_boundary(text, span.start);
    let end = floor_char_boundary(text, span.end.max(start));
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..start].chars().count() + 1;
    let rest = &text[start..end];
    let len = rest.split('\n').next().unwrap_or("").chars().count().max(1);
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (to_u32(line), to_u32(column), to_u32(len))
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The commented file `cargo hooklint init` writes: every key at its default.
pub fn default_config_text() -> String {
    let mut out = String::from(INIT_HEAD);
    out.push_str("\n[knowledge]\n");
    out.push_str(
        "# Entries added to the built-in lists (policies/knowledge.yaml); policies read each\n\
         # list as `params.NAME` and the extractor uses them for derived facts.\n\
         # `verifiers` are your own signature-checking functions, `receiver_words` words of\n\
         # a route path or name that mark a webhook receiver (e.g. \"partner\"). In a manifest_*\n\
         # list \"!entry\" removes a built-in entry (`manifest_placeholders = [\"!string\"]`).\n",
    );
    for name in knowledge_lists() {
        out.push_str(&format!("{name} = []\n"));
    }
    out.push_str(
        "\n# Entries taken out of the built-in lists, and lists that replace them, e.g.\n\
         # [knowledge.remove]\n# receiver_words = [\"hook\"]\n\
         # [knowledge.replace]\n# receiver_words = [\"webhooks\", \"partner\"]\n",
    );
    out
}

const INIT_HEAD: &str = r#"# hooklint configuration. Paths and globs are relative to this file.
# Reference: docs/writing-rules.md ("Configuration"); `cargo hooklint rules` lists the rules.

# Globs of files to check; empty means every file discovered (honouring .gitignore).
include = []
# Globs of files never checked, e.g. ["generated/**", "**/tests/**"].
exclude = []
# Also check code the project does not own: vendor/, third_party/ and third-party/ folders,
# and folders with their own Cargo.toml that are not members of the workspace. Skipped
# folders are counted in the summary. The --include-foreign flag wins when given; in gate
# mode (--trusted-config) they are checked unless the trusted configuration sets this to false.
# include-foreign = false
# Directories of organisation policies (*.yaml), loaded beside the built-in rules.
policies = []
# Exit with 1 when a finding is at or above this severity: "error", "warning", "note", "never".
# The --fail-on flag wins when given.
fail-on = "error"
# Report findings at or above this confidence: "high", "medium", "low". A finding's confidence
# comes from the evidence behind it; `low` adds findings that rest on names alone.
# The --confidence flag wins when given.
confidence = "medium"
# Fixture directories `cargo hooklint test` runs when no directory is named.
test-dirs = []
# A baseline file of accepted findings (`--write-baseline` writes one). In gate mode
# (`--trusted-config`) this key is the only way to apply a baseline.
# baseline = ".hooklint-baseline.json"

# Per-rule settings, for example:
# [rules."crypto/non-constant-time-compare"]
# enabled = true
# severity = "warning"
# params = { verifiers = ["my_crate::verify"] }
# exclude = ["examples/**"]   # its findings in these paths are not reported (counted as excluded)
# unsuppressible = true   # inline `hooklint: allow(...)` comments cannot silence it
[rules]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match parse_config("hooklint.toml", text) {
            Ok(_) => Vec::new(),
            Err(errors) => errors
                .iter()
                .map(|e| {
                    let help = e.help.as_deref().unwrap_or("");
                    format!("{}:{}:{} {} | {help}", e.line, e.column, e.len, e.message)
                })
                .collect(),
        }
    }

    #[test]
    fn a_full_config_parses() {
        let text = r#"
include = ["src/**"]
exclude = ["generated/**"]
policies = ["org-policies"]
fail-on = "warning"
test-dirs = ["fixtures"]
[rules."crypto/non-constant-time-compare"]
enabled = false
severity = "note"
params = { verifiers = ["a::b"], limit = 3 }
[knowledge]
verifiers = ["auth::verify_service_token"]
"#;
        let config = parse_config("hooklint.toml", text).unwrap();
        assert_eq!(config.include, ["src/**"]);
        assert_eq!(config.fail_on, Some(Some(Severity::Warning)));
        assert_eq!(config.rules.len(), 1);
        assert_eq!(config.rules[0].enabled, Some(false));
        assert_eq!(config.rules[0].params.len(), 2);
        let k = config.knowledge(Knowledge::default());
        assert_eq!(k.verifiers, ["auth::verify_service_token"]);
    }

    #[test]
    fn manifest_lists_are_extended_and_reduced() {
        let text = "[knowledge]\nmanifest_placeholders = [\"dummy\", \"!string\"]\n";
        let config = parse_config("hooklint.toml", text).unwrap();
        let base = Knowledge {
            manifest_placeholders: vec!["string".into(), "change...".into()],
            ..Knowledge::default()
        };
        let k = config.knowledge(base);
        assert_eq!(k.manifest_placeholders, ["change...", "dummy"]);
        // The lists that decide what is a secret take additions only.
        let text = "[knowledge]\nsecret_key_words = [\"!password\"]\n";
        let errors = parse_config("hooklint.toml", text).unwrap_err();
        assert!(errors[0].message.contains("takes additions only"), "{errors:?}");
    }

    #[test]
    fn every_error_is_reported_with_its_place_and_a_suggestion() {
        let text = "fial-on = \"error\"\ninclude = \"src\"\n[knowledge]\nverifier = [\"x\"]\n";
        assert_eq!(
            errors(text),
            [
                "1:1:7 unknown key `fial-on` | did you mean `fail-on`?",
                "2:11:5 `include` must be an array of strings, found string | ",
                "4:1:8 unknown key `verifier` in `knowledge` | did you mean `verifiers`?",
            ]
        );
    }

    #[test]
    fn rule_settings_are_checked() {
        let text = "[rules.\"a/b\"]\nenable = true\nseverity = \"fatal\"\n";
        assert_eq!(
            errors(text),
            [
                "2:1:6 unknown key `enable` in `rules.\"a/b\"` | did you mean `enabled`?",
                "3:12:7 unknown severity `fatal` | expected one of `error`, `warning`, `note`",
            ]
        );
        assert_eq!(
            errors("fail-on = \"warn\"\n"),
            ["1:11:6 unknown level `warn` for `fail-on` | did you mean `warning`?"]
        );
        assert_eq!(
            errors("[rules.\"a/b\"]\nparams = 3\n"),
            ["2:10:1 `params` must be a table, found integer | "]
        );
    }

    #[test]
    fn a_syntax_error_has_a_place() {
        let errs = errors("include = [\n");
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].starts_with("2:") || errs[0].starts_with("1:"), "{errs:?}");
    }

    #[test]
    fn unknown_rules_and_params_are_reported_when_applied() {
        let text = "[rules.\"crypto/non-constant-time-compar\"]\nenabled = false\n\
                    [rules.\"tls/verification-disabled\"]\nparams = { nope = 1 }\n";
        let config = parse_config("hooklint.toml", text).unwrap();
        let mut set = PolicySet::builtin().unwrap();
        let errs = config.apply(&mut set).unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[0].line, 1);
        assert_eq!(
            errs[0].help.as_deref(),
            Some("did you mean `crypto/non-constant-time-compare`?")
        );
        assert_eq!(errs[1].line, 4);
    }

    #[test]
    fn rules_can_be_disabled_and_reweighted() {
        let text = "[rules.\"tls/verification-disabled\"]\nenabled = false\n\
                    [rules.\"trust/ip-only\"]\nseverity = \"note\"\n";
        let config = parse_config("hooklint.toml", text).unwrap();
        let mut set = PolicySet::builtin().unwrap();
        config.apply(&mut set).unwrap();
        let rules = set.rules();
        assert!(!rules.iter().any(|r| r.id == "tls/verification-disabled"));
        assert!(rules.iter().any(|r| r.id == "trust/ip-only" && r.severity == Severity::Note));
    }

    #[test]
    fn the_init_file_is_a_valid_config_with_every_key() {
        let text = default_config_text();
        let config = parse_config("hooklint.toml", &text).unwrap();
        assert_eq!(config.fail_on, Some(Some(Severity::Error)));
        for key in TOP_KEYS {
            assert!(
                text.contains(&format!("\n{key} ="))
                    || text.contains(&format!("\n# {key} ="))
                    || text.contains(&format!("[{key}]")),
                "{key}"
            );
        }
    }

    #[test]
    fn globs_select_files_relative_to_the_config() {
        let config = Config {
            exclude: vec!["generated/**".into()],
            root: PathBuf::from("/p"),
            ..Config::default()
        };
        assert!(config.selects(Path::new("/p/src/a.rs")));
        assert!(!config.selects(Path::new("/p/generated/a.rs")));
        assert!(!config.selects(Path::new("/p/crates/x/generated/a.rs")));
        let config =
            Config { include: vec!["src/**".into()], root: "/p".into(), ..Config::default() };
        assert!(config.selects(Path::new("/p/src/a.rs")));
        assert!(!config.selects(Path::new("/p/benches/a.rs")));
    }

    #[test]
    fn positions_count_characters() {
        assert_eq!(position("é = 1\nab", 7..9), (2, 1, 2));
        assert_eq!(position("x", 5..9), (1, 2, 1));
    }
}
