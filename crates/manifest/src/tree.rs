//! YAML text to a spanned node tree, bounded against hostile input.
//!
//! The parser gives a flat event stream; the tree is built here with an explicit stack, so no
//! recursion depends on the input's nesting. Aliases and merge keys are expanded as copies, and
//! every copy counts against the document's budget: a "billion laughs" file stops at the budget
//! instead of exhausting memory. Files are split at column-0 `---` markers before parsing, so a
//! broken or over-budget document costs only itself and the next document starts afresh.

use std::collections::HashMap;

use granit_parser::{ErrorKind, Event, Marker, Options, Parser, ScalarStyle, ScanError};
use hooklint_model::ProblemCode;

/// Deepest nesting of collections accepted in one document.
pub const MAX_DEPTH: usize = 256;
/// Most nodes in one document, counting every node an alias or merge key copies.
pub const MAX_NODES: u64 = 200_000;
/// Most scalar bytes that aliases and merge keys may copy in one document.
pub const MAX_ALIAS_BYTES: u64 = 16 * 1024 * 1024;

/// A region of the source: 1-based lines and columns (columns count characters), end exclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    pub pos: Pos,
    /// A tag outside the core schema on this node (`!Ref`, `!Sub`, `!vault`, `!secret`), as
    /// written (at most 64 characters): the value is computed by the program that reads the
    /// file, so it is a reference, never a literal.
    pub tag: Option<String>,
    /// Nodes in this subtree, itself included.
    nodes: u64,
    /// Scalar bytes in this subtree.
    bytes: u64,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone)]
pub(crate) struct Scalar {
    pub text: String,
    /// Plain (unquoted, not a block scalar): the only style whose type is resolved.
    pub plain: bool,
    /// Core-schema tag suffix (`str`, `int`, ...) when tagged with one.
    pub core_tag: Option<String>,
    /// Tagged with a tag outside the core schema (`!Ref`): kept as a string.
    pub custom_tag: bool,
    /// A literal block scalar (`|`): its lines are the file's lines, so a document embedded in
    /// it can be placed in the file.
    pub literal_block: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

impl Node {
    fn scalar(scalar: Scalar, pos: Pos) -> Node {
        let bytes = scalar.text.len() as u64;
        Node { kind: Kind::Scalar(scalar), pos, tag: None, nodes: 1, bytes }
    }

    fn null(pos: Pos) -> Node {
        Node::scalar(
            Scalar {
                text: String::new(),
                plain: true,
                core_tag: None,
                custom_tag: false,
                literal_block: false,
            },
            pos,
        )
    }

    /// A string node standing in for text that is not a node of its own (a mapping key).
    pub fn synthetic(text: &str, pos: Pos) -> Node {
        let scalar = Scalar {
            text: text.to_string(),
            plain: false,
            core_tag: None,
            custom_tag: false,
            literal_block: false,
        };
        Node::scalar(scalar, pos)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries().iter().find(|e| e.key == key).map(|e| &e.value)
    }

    /// The value at a path of mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        let mut node = self;
        for key in path {
            node = node.get(key)?;
        }
        Some(node)
    }

    /// A scalar's text at a path, `""` when absent or not a scalar.
    pub fn str_at(&self, path: &[&str]) -> &str {
        self.at(path).and_then(Node::as_str).unwrap_or("")
    }
}

/// One parsed document.
#[derive(Debug)]
pub(crate) struct RawDocument {
    pub index: u32,
    pub root: Node,
    pub pos: Pos,
}

/// Something wrong with the YAML itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issue {
    pub code: ProblemCode,
    pub message: String,
    pub pos: Pos,
}

#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub documents: Vec<RawDocument>,
    pub issues: Vec<Issue>,
}

/// Parses every document of `source`. Never fails: broken documents become issues.
pub(crate) fn parse(source: &str) -> Parsed {
    parse_at(source, 0, 0)
}

/// Parses a document embedded in a literal block scalar (`config.yml: |` in a ConfigMap):
/// `line_base` lines and `col_base` columns come before its text in the file, so positions
/// point into the file. The same bounds hold as for a file.
pub(crate) fn parse_at(source: &str, line_base: u32, col_base: u32) -> Parsed {
    let mut out = Parsed::default();
    let mut index = 0u32;
    for (start, end, chunk_base) in chunks(source) {
        let Some(text) = source.get(start..end) else { continue };
        parse_chunk(text, line_base.saturating_add(chunk_base), col_base, &mut index, &mut out);
    }
    out
}

/// Splits the source at lines that start with a `---` document marker (with the `%` directive
/// lines right before it). Yields (start byte, end byte, number of lines before the chunk).
fn chunks(source: &str) -> Vec<(usize, usize, u32)> {
    let bytes = source.as_bytes();
    let mut starts: Vec<(usize, u32)> = vec![(0, 0)];
    let mut line_starts: Vec<usize> = Vec::new();
    let mut offset = 0usize;
    let mut line = 0u32;
    while offset < bytes.len() {
        line_starts.push(offset);
        if is_doc_marker(bytes.get(offset..).unwrap_or_default()) && offset > 0 {
            // Directives belong to the document that follows them.
            let mut first = line_starts.len() - 1;
            while first > 0
                && line_starts
                    .get(first - 1)
                    .and_then(|&s| bytes.get(s))
                    .is_some_and(|&b| b == b'%')
            {
                first -= 1;
            }
            let start = line_starts.get(first).copied().unwrap_or(offset);
            let start_line = line - (line_starts.len() - 1 - first) as u32;
            if starts.last().is_some_and(|&(s, _)| s < start) {
                starts.push((start, start_line));
            }
        }
        match bytes.get(offset..).and_then(|rest| rest.iter().position(|&b| b == b'\n')) {
            Some(n) => offset += n + 1,
            None => offset = bytes.len(),
        }
        line = line.saturating_add(1);
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, &(start, line_base)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(bytes.len(), |&(s, _)| s);
        out.push((start, end, line_base));
    }
    out
}

fn is_doc_marker(line: &[u8]) -> bool {
    line.starts_with(b"---") && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: Pos,
        anchor: usize,
        tag: Option<String>,
        nodes: u64,
        bytes: u64,
    },
    Map {
        tag: Option<String>,
        entries: Vec<Entry>,
        /// The key read, waiting for its value: (key, its position, it is a merge key `<<`).
        pending: Option<(String, Pos, bool)>,
        seen: HashMap<String, usize>,
        merges: Vec<Node>,
        start: Pos,
        anchor: usize,
        nodes: u64,
        bytes: u64,
    },
}

struct Builder<'a> {
    line_base: u32,
    /// Columns added to every position: the indentation of an embedded document.
    col_base: u32,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: u64,
    alias_bytes: u64,
    root: Option<Node>,
    issues: &'a mut Vec<Issue>,
}

/// Why building a document stopped.
enum Stop {
    Error(Issue),
}

impl Builder<'_> {
    fn pos(&self, start: Marker, end: Marker) -> Pos {
        Pos {
            line: self.line(start),
            col: col(start).saturating_add(self.col_base),
            end_line: self.line(end),
            end_col: col(end).saturating_add(self.col_base),
        }
    }

    fn line(&self, m: Marker) -> u32 {
        self.line_base.saturating_add(u32::try_from(m.line()).unwrap_or(u32::MAX))
    }

    fn count(&mut self, nodes: u64, pos: Pos) -> Result<(), Stop> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            return Err(too_complex(
                format!("document has more than {MAX_NODES} nodes (aliases expanded)"),
                pos,
            ));
        }
        Ok(())
    }

    fn push(&mut self, frame: Frame, pos: Pos) -> Result<(), Stop> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(too_complex(format!("nesting is deeper than {MAX_DEPTH} levels"), pos));
        }
        self.count(1, pos)?;
        self.stack.push(frame);
        Ok(())
    }

    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), Stop> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        self.attach(node)
    }

    fn attach(&mut self, node: Node) -> Result<(), Stop> {
        let Some(top) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match top {
            Frame::Seq { items, nodes, bytes, .. } => {
                *nodes += node.nodes;
                *bytes += node.bytes;
                items.push(node);
            }
            Frame::Map { entries, pending, seen, merges, nodes, bytes, .. } => {
                *nodes += node.nodes;
                *bytes += node.bytes;
                match pending.take() {
                    None => {
                        let is_merge =
                            matches!(&node.kind, Kind::Scalar(s) if s.plain && s.text == "<<");
                        *pending = Some((key_text(&node), node.pos, is_merge));
                    }
                    Some((_, _, true)) => merges.push(node),
                    Some((key, key_pos, false)) => {
                        let entry = Entry { key: key.clone(), key_pos, value: node };
                        match seen.get(&key) {
                            Some(&i) => {
                                let first = entries.get(i).map_or(0, |e| e.key_pos.line);
                                self.issues.push(Issue {
                                    code: ProblemCode::YamlDuplicateKey,
                                    message: format!(
                                        "duplicate key `{}` (first on line {first}); the last value is used",
                                        clip(&key)
                                    ),
                                    pos: key_pos,
                                });
                                if let Some(slot) = entries.get_mut(i) {
                                    *slot = entry;
                                }
                            }
                            None => {
                                seen.insert(key, entries.len());
                                entries.push(entry);
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn end(&mut self, end: Marker) -> Result<(), Stop> {
        let end_line = self.line(end);
        let end_col = col(end).saturating_add(self.col_base);
        let Some(frame) = self.stack.pop() else { return Ok(()) };
        match frame {
            Frame::Seq { items, mut start, anchor, tag, nodes, bytes } => {
                start.end_line = end_line;
                start.end_col = end_col;
                let node = Node { kind: Kind::Seq(items), pos: start, tag, nodes, bytes };
                self.finish(node, anchor)
            }
            Frame::Map {
                mut entries,
                pending,
                merges,
                mut start,
                anchor,
                tag,
                nodes,
                bytes,
                ..
            } => {
                if let Some((key, key_pos, _)) = pending {
                    // A key without a value (only possible after recovery): keep it as null.
                    entries.push(Entry { key, key_pos, value: Node::null(key_pos) });
                }
                merge_into(&mut entries, merges);
                start.end_line = end_line;
                start.end_col = end_col;
                let node = Node { kind: Kind::Map(entries), pos: start, tag, nodes, bytes };
                self.finish(node, anchor)
            }
        }
    }

    fn alias(&mut self, id: usize, pos: Pos) -> Result<(), Stop> {
        let Some((nodes, bytes)) = self.anchors.get(&id).map(|t| (t.nodes, t.bytes)) else {
            return Err(Stop::Error(Issue {
                code: ProblemCode::YamlError,
                message: "alias refers to an anchor that is not complete (a recursive alias)"
                    .to_string(),
                pos,
            }));
        };
        self.count(nodes, pos)?;
        self.alias_bytes = self.alias_bytes.saturating_add(bytes);
        if self.alias_bytes > MAX_ALIAS_BYTES {
            return Err(too_complex(
                format!("aliases copy more than {MAX_ALIAS_BYTES} bytes of scalars"),
                pos,
            ));
        }
        match self.anchors.get(&id).cloned() {
            Some(copy) => self.attach(copy),
            None => Ok(()),
        }
    }
}

/// Merge keys (`<<: *base`, `<<: [*a, *b]`): keys written in the mapping win, then earlier
/// merged mappings win over later ones.
fn merge_into(entries: &mut Vec<Entry>, merges: Vec<Node>) {
    if merges.is_empty() {
        return;
    }
    let mut present: std::collections::HashSet<String> =
        entries.iter().map(|e| e.key.clone()).collect();
    let mut sources = Vec::new();
    for node in merges {
        match node.kind {
            Kind::Map(m) => sources.push(m),
            Kind::Seq(items) => {
                for item in items {
                    if let Kind::Map(m) = item.kind {
                        sources.push(m);
                    }
                }
            }
            Kind::Scalar(_) => {}
        }
    }
    for source in sources {
        for entry in source {
            if present.insert(entry.key.clone()) {
                entries.push(entry);
            }
        }
    }
}

fn too_complex(message: String, pos: Pos) -> Stop {
    Stop::Error(Issue { code: ProblemCode::YamlTooComplex, message, pos })
}

fn col(m: Marker) -> u32 {
    u32::try_from(m.col()).unwrap_or(u32::MAX).saturating_add(1)
}

/// Keys are strings in the model: scalars as written, collections in a short flow form.
fn key_text(node: &Node) -> String {
    let mut out = String::new();
    render(node, &mut out, 0);
    out
}

fn render(node: &Node, out: &mut String, depth: usize) {
    if out.len() > 200 || depth > 8 {
        return;
    }
    match &node.kind {
        Kind::Scalar(s) => out.push_str(&s.text),
        Kind::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(item, out, depth + 1);
            }
            out.push(']');
        }
        Kind::Map(entries) => {
            out.push('{');
            for (i, e) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&e.key);
                out.push_str(": ");
                render(&e.value, out, depth + 1);
            }
            out.push('}');
        }
    }
}

/// Keys quoted in messages are cut short, so a hostile key cannot flood the output.
pub(crate) fn clip(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(57).collect();
        out.push_str("...");
        out
    }
}

fn parse_chunk(text: &str, line_base: u32, col_base: u32, index: &mut u32, out: &mut Parsed) {
    let mut options = Options::default();
    // A little above our own bound, so ours reports first and the parser's still holds.
    options.flow_nesting_limit = MAX_DEPTH + 8;
    options.block_nesting_limit = MAX_DEPTH + 8;
    let parser = Parser::new_from_str_with_options(text, options);
    // Markers count lines from 1; `line_base` lines come before the chunk.
    let mut builder = Builder {
        line_base,
        col_base,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        alias_bytes: 0,
        root: None,
        issues: &mut out.issues,
    };
    let mut doc_start = Pos::default();
    let mut in_doc = false;
    for item in parser {
        let (event, span) = match item {
            Ok(ev) => ev,
            Err(err) => {
                let mut pos = error_pos(&err, line_base);
                pos.col = pos.col.saturating_add(col_base);
                pos.end_col = pos.end_col.saturating_add(col_base);
                let issue = if matches!(err.kind(), ErrorKind::RecursionLimitExceeded) {
                    // The scanner reads ahead of the events, so its bound can trip before ours.
                    let message = format!("nesting is deeper than {MAX_DEPTH} levels");
                    Issue { code: ProblemCode::YamlTooComplex, message, pos }
                } else {
                    Issue { code: ProblemCode::YamlError, message: error_message(&err), pos }
                };
                if in_doc {
                    *index = index.saturating_add(1);
                }
                builder.issues.push(issue);
                return;
            }
        };
        let pos = builder.pos(span.start, span.end);
        let step = match event {
            Event::DocumentStart(..) => {
                in_doc = true;
                doc_start = pos;
                builder.stack.clear();
                builder.anchors.clear();
                builder.nodes = 0;
                builder.alias_bytes = 0;
                builder.root = None;
                Ok(())
            }
            Event::DocumentEnd => {
                if in_doc {
                    let root = builder.root.take().unwrap_or_else(|| Node::null(doc_start));
                    let mut doc_pos = doc_start;
                    doc_pos.end_line = pos.end_line;
                    doc_pos.end_col = pos.end_col;
                    out.documents.push(RawDocument { index: *index, root, pos: doc_pos });
                    *index = index.saturating_add(1);
                }
                in_doc = false;
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                let (core_tag, custom) = match tag.as_deref() {
                    Some(t) => match t.core_suffix() {
                        Some(s) => (Some(s.to_string()), None),
                        None => (None, Some(tag_text(t))),
                    },
                    None => (None, None),
                };
                let scalar = Scalar {
                    text: text.into_owned(),
                    plain: style == ScalarStyle::Plain,
                    core_tag,
                    custom_tag: custom.is_some(),
                    literal_block: style == ScalarStyle::Literal,
                };
                match builder.count(1, pos) {
                    Ok(()) => {
                        let mut node = Node::scalar(scalar, pos);
                        node.tag = custom;
                        builder.finish(node, anchor)
                    }
                    Err(e) => Err(e),
                }
            }
            Event::SequenceStart(_, anchor, tag) => builder.push(
                Frame::Seq {
                    items: Vec::new(),
                    start: pos,
                    anchor,
                    tag: custom_tag(tag.as_deref()),
                    nodes: 1,
                    bytes: 0,
                },
                pos,
            ),
            Event::MappingStart(_, anchor, tag) => builder.push(
                Frame::Map {
                    tag: custom_tag(tag.as_deref()),
                    entries: Vec::new(),
                    pending: None,
                    seen: HashMap::new(),
                    merges: Vec::new(),
                    start: pos,
                    anchor,
                    nodes: 1,
                    bytes: 0,
                },
                pos,
            ),
            Event::SequenceEnd | Event::MappingEnd => builder.end(span.end),
            Event::Alias(id) => builder.alias(id, pos),
            _ => Ok(()),
        };
        if let Err(Stop::Error(issue)) = step {
            if in_doc {
                *index = index.saturating_add(1);
            }
            builder.issues.push(issue);
            // The rest of this chunk is skipped; the next `---` starts afresh.
            return;
        }
    }
}

/// A tag's text when it is outside the core schema (`!Ref`), cut to 64 characters.
fn custom_tag(tag: Option<&granit_parser::Tag>) -> Option<String> {
    tag.filter(|t| t.core_suffix().is_none()).map(tag_text)
}

fn tag_text(tag: &granit_parser::Tag) -> String {
    tag.to_string().chars().take(64).collect()
}

fn error_pos(err: &ScanError, line_base: u32) -> Pos {
    let m = err.marker();
    let line = line_base.saturating_add(u32::try_from(m.line()).unwrap_or(u32::MAX));
    let col = col(*m);
    Pos { line, col, end_line: line, end_col: col }
}

/// The parser's description, in the house style: lower-case start, no trailing period.
fn error_message(err: &ScanError) -> String {
    let info = err.info();
    let info = info.lines().next().unwrap_or("").trim().trim_end_matches('.');
    let mut chars = info.chars();
    let text = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect::<String>(),
        None => "invalid YAML".to_string(),
    };
    format!("invalid YAML: {text}")
}
