//! The pre-parse scan: one linear pass over a file's tokens that refuses, before syn sees the
//! file, every shape that would make a recursive pass over it run out of stack.
//!
//! syn's parser recurses per nesting level of brackets, prefix operators (`!`, `-`, `*`, `&`),
//! `return`/`break`/`let`/`else`, closures, generic arguments (`Box<Box<..>>`) and `->`; it
//! parses left-associative chains (`a + b + c`, `x.a().b()`, `f()()`, `x?`, `x as T`) in a loop,
//! but builds them as trees as deep as the chain is long, which syn's `Drop` and the
//! extractor's walkers then recurse into. The scan over-approximates both depths per bracket
//! frame, with O(1) work per token:
//!
//! - **parse depth**: brackets and generic `<`, plus the prefix operators and keywords above
//!   in the current chain of each enclosing frame (a `,`, `;` or `=>` at a level starts a
//!   sibling and resets that level's count; so does a `}` that ends a statement or an item);
//! - **tree depth**: the parse depth plus the postfix and binary operators of those chains.
//!
//! A `<` can be a comparison: it opens a pseudo-frame that `>` closes, and that `;`, `{`,
//! `&&`, `||`, a comparison or the end of the enclosing bracket close as well. Closure
//! parameters `|a, b|` are a pseudo-frame too, so that their commas reset nothing outside.
//!
//! The same pass records the targets of `#[path = "..."]` and `include!("...")`, which gate
//! mode reads as well.

use hooklint_model::ProblemCode;

/// Deepest bracket nesting parsed (`too-deeply-nested` beyond).
pub const MAX_BRACKETS: usize = 512;
/// Deepest parse recursion accepted: brackets, generic arguments, prefix operators and
/// keywords, closures and return types, nested (`too-complex` beyond). About 7 MiB of stack
/// for syn's most expensive level (generic arguments), on 64 MiB worker stacks.
pub const MAX_PARSE_DEPTH: usize = 1024;
/// Deepest syntax tree accepted, counting operator and method chains (`too-complex` beyond).
/// The extractor's walkers and syn's `Drop` recurse this deep at most.
pub const MAX_TREE_DEPTH: usize = 4096;

/// Why a file was refused before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `TooDeeplyNested` or `TooComplex`.
    pub code: ProblemCode,
    pub message: String,
    /// 1-based line where the limit was passed.
    pub line: u32,
}

/// A file named by `#[path = "..."]` (on a module) or `include!("...")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludeRef {
    /// The string as written (escapes are not processed).
    pub path: String,
    pub line: u32,
    /// `true` for `include!`, `false` for `#[path]`.
    pub is_include: bool,
}

/// What the scan found.
#[derive(Debug, Default)]
pub struct Scan {
    pub refusal: Option<Refusal>,
    pub includes: Vec<IncludeRef>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Paren,
    Bracket,
    Brace,
    /// A `<` that may open generic arguments.
    Angle,
    /// Closure parameters between `|` and `|`.
    Closure,
}

#[derive(Clone, Copy)]
struct Frame {
    kind: Kind,
    /// Prefix operators and keywords in the current chain of this level.
    rec: usize,
    /// Postfix and binary operators in the current chain of this level.
    deep: usize,
    /// Inside `#[...]` (or nested in it): `path = "..."` is a module path.
    attr: AttrState,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AttrState {
    No,
    /// Directly in `#[` ... `]`: the first word decides.
    Start,
    /// `#[path = ...]` or inside `cfg_attr(...)`: `path = "..."` counts.
    Path,
    /// Some other attribute.
    Other,
}

/// What the previous significant token was, to tell prefix from binary operators.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// Start of input, an opening bracket, an operator, `,`, `;`, or a non-operand keyword.
    Open,
    /// Something an expression can end with: a name, a literal, a closing bracket, `?`.
    Operand,
    /// `#`, to spot attributes.
    Hash,
    /// The word `path` directly in an attribute (or in `cfg_attr`).
    PathWord,
    /// `path =` in an attribute.
    PathEq,
    /// `include`.
    Include,
    /// `include!`.
    IncludeBang,
    /// `include!(`.
    IncludeOpen,
}

struct Scanner<'a> {
    src: &'a str,
    bytes: &'a [u8],
    i: usize,
    line: u32,
    stack: Vec<Frame>,
    brackets: usize,
    /// Open `(`, `[` and `{` frames, so that a closer finds its opener in O(1).
    open_kinds: [usize; 3],
    /// Sum over the stack of `1 + rec` (brackets count as their frame's 1).
    parse: usize,
    /// Sum over the stack of `1 + rec + deep`.
    tree: usize,
    prev: Prev,
    /// A `}` just closed: reset the level's chain unless the next token continues it.
    after_brace: bool,
    /// `#` then `[`: the next opened bracket is an attribute.
    attr_next: bool,
    includes: Vec<IncludeRef>,
    refusal: Option<Refusal>,
}

/// Scans `source` once. Cost is linear in its length.
pub fn scan(source: &str) -> Scan {
    let mut s = Scanner {
        src: source,
        bytes: source.as_bytes(),
        i: 0,
        line: 1,
        stack: vec![Frame { kind: Kind::Brace, rec: 0, deep: 0, attr: AttrState::No }],
        brackets: 0,
        open_kinds: [0; 3],
        parse: 1,
        tree: 1,
        prev: Prev::Open,
        after_brace: false,
        attr_next: false,
        includes: Vec::new(),
        refusal: None,
    };
    s.run();
    Scan { refusal: s.refusal, includes: s.includes }
}

/// A one-byte operator as a static slice.
fn single(b: u8) -> &'static [u8] {
    const ASCII: &[u8; 128] = &{
        let mut all = [0u8; 128];
        let mut i = 0;
        while i < 128 {
            all[i] = i as u8;
            i += 1;
        }
        all
    };
    let i = usize::from(b & 0x7f);
    &ASCII[i..=i]
}

fn bracket_index(kind: Kind) -> Option<usize> {
    match kind {
        Kind::Paren => Some(0),
        Kind::Bracket => Some(1),
        Kind::Brace => Some(2),
        Kind::Angle | Kind::Closure => None,
    }
}

/// Words after which an operator is binary (they end an operand).
fn is_operand_word(word: &[u8]) -> bool {
    !matches!(
        word,
        b"as"
            | b"break"
            | b"const"
            | b"continue"
            | b"dyn"
            | b"else"
            | b"enum"
            | b"extern"
            | b"fn"
            | b"for"
            | b"if"
            | b"impl"
            | b"in"
            | b"let"
            | b"loop"
            | b"match"
            | b"mod"
            | b"move"
            | b"mut"
            | b"pub"
            | b"ref"
            | b"return"
            | b"static"
            | b"struct"
            | b"trait"
            | b"type"
            | b"unsafe"
            | b"use"
            | b"where"
            | b"while"
            | b"async"
            | b"yield"
            | b"box"
            | b"become"
            | b"do"
    )
}

impl Scanner<'_> {
    fn run(&mut self) {
        while self.i < self.bytes.len() && self.refusal.is_none() {
            let b = self.bytes[self.i];
            match b {
                b'\n' => {
                    self.line += 1;
                    self.i += 1;
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {
                    self.i += 1;
                    // Indentation: a run of spaces at once.
                    while self.bytes.get(self.i) == Some(&b' ') {
                        self.i += 1;
                    }
                }
                b'/' if self.peek(1) == Some(b'/') => self.line_comment(),
                b'/' if self.peek(1) == Some(b'*') => self.block_comment(),
                b'"' => {
                    let start = self.i + 1;
                    self.string();
                    self.literal(start, self.i.saturating_sub(1));
                }
                b'\'' => self.quote(),
                b'0'..=b'9' => {
                    self.number();
                    self.operand();
                }
                b'(' | b'[' | b'{' => {
                    self.i += 1;
                    self.open(b);
                }
                b')' | b']' | b'}' => {
                    self.i += 1;
                    self.close(b);
                }
                b if b == b'_' || b.is_ascii_alphabetic() || b >= 0x80 => self.word(),
                _ => self.punct(),
            }
        }
    }

    fn peek(&self, k: usize) -> Option<u8> {
        self.bytes.get(self.i + k).copied()
    }

    /// Moves past the identifier characters at the cursor (any non-ASCII byte counts as one).
    fn skip_word(&mut self) {
        while self.i < self.bytes.len() {
            let c = self.bytes[self.i];
            if c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80 {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn refuse(&mut self, code: ProblemCode, message: String) {
        if self.refusal.is_none() {
            self.refusal = Some(Refusal { code, message, line: self.line });
        }
    }

    fn check(&mut self) {
        if self.brackets > MAX_BRACKETS {
            let message = format!(
                "brackets nest deeper than {MAX_BRACKETS} levels; the file was not analysed"
            );
            self.refuse(ProblemCode::TooDeeplyNested, message);
        } else if self.parse > MAX_PARSE_DEPTH {
            let message = format!(
                "brackets, generic arguments, prefix operators and closures nest deeper than \
                 {MAX_PARSE_DEPTH} levels here; the file was not analysed"
            );
            self.refuse(ProblemCode::TooComplex, message);
        } else if self.tree > MAX_TREE_DEPTH {
            let message = format!(
                "an expression or type is deeper than {MAX_TREE_DEPTH} levels here (a long \
                 operator or method chain); the file was not analysed"
            );
            self.refuse(ProblemCode::TooComplex, message);
        }
    }

    fn top(&mut self) -> &mut Frame {
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    /// A prefix operator or keyword: one more level of parse recursion.
    fn rec(&mut self, n: usize) {
        self.top().rec += n;
        self.parse += n;
        self.tree += n;
        self.check();
    }

    /// A postfix or binary operator: one more level of tree depth.
    fn deep(&mut self) {
        self.top().deep += 1;
        self.tree += 1;
        self.check();
    }

    /// A new sibling at this level: its chain starts afresh.
    fn reset(&mut self) {
        let top = self.top();
        let (rec, deep) = (top.rec, top.deep);
        top.rec = 0;
        top.deep = 0;
        self.parse -= rec;
        self.tree -= rec + deep;
    }

    fn push(&mut self, kind: Kind, attr: AttrState) {
        self.stack.push(Frame { kind, rec: 0, deep: 0, attr });
        self.parse += 1;
        self.tree += 1;
        if let Some(k) = bracket_index(kind) {
            self.brackets += 1;
            self.open_kinds[k] += 1;
        }
        self.check();
    }

    fn pop(&mut self) -> Option<Frame> {
        if self.stack.len() <= 1 {
            return None;
        }
        let frame = self.stack.pop()?;
        self.parse -= 1 + frame.rec;
        self.tree -= 1 + frame.rec + frame.deep;
        if let Some(k) = bracket_index(frame.kind) {
            self.brackets -= 1;
            self.open_kinds[k] -= 1;
        }
        Some(frame)
    }

    /// Closes the `<` pseudo-frames on top: what follows cannot be generic arguments.
    fn close_angles(&mut self) {
        while self.stack.len() > 1 && self.top().kind == Kind::Angle {
            self.pop();
        }
    }

    /// Before a token: a `}` that ended a statement or an item ends its level's chain, unless
    /// this token continues the expression (`.`, `?`, an operator, `as`, `else`, a call).
    fn settle(&mut self, continues: bool) {
        if self.after_brace {
            self.after_brace = false;
            if !continues {
                self.reset();
            }
        }
    }

    fn operand(&mut self) {
        self.prev = Prev::Operand;
    }

    fn open(&mut self, b: u8) {
        self.settle(b != b'{');
        let attr = if self.attr_next && b == b'[' {
            AttrState::Start
        } else if self.top().attr == AttrState::Path {
            AttrState::Path
        } else if self.top().attr != AttrState::No {
            AttrState::Other
        } else {
            AttrState::No
        };
        self.attr_next = false;
        let include = self.prev == Prev::IncludeBang;
        if b == b'{' {
            self.close_angles();
        }
        let kind = match b {
            b'(' => Kind::Paren,
            b'[' => Kind::Bracket,
            _ => Kind::Brace,
        };
        self.push(kind, attr);
        self.prev = if include { Prev::IncludeOpen } else { Prev::Open };
    }

    fn close(&mut self, b: u8) {
        self.settle(true);
        let wanted = match b {
            b')' => Kind::Paren,
            b']' => Kind::Bracket,
            _ => Kind::Brace,
        };
        // Pseudo-frames end with the bracket around them; a stray closer closes nothing.
        if bracket_index(wanted).is_none_or(|k| self.open_kinds[k] == 0) {
            self.prev = Prev::Operand;
            return;
        }
        while let Some(frame) = self.pop() {
            if frame.kind == wanted {
                break;
            }
        }
        self.attr_next = false;
        if b == b'}' {
            self.after_brace = true;
        } else {
            // A call or an index: the bracket is one more link of the chain it ends.
            self.deep();
        }
        self.prev = Prev::Operand;
    }

    fn word(&mut self) {
        let start = self.i;
        // Raw identifiers and raw/byte/C strings start like words.
        if let Some((hashes, body)) = self.raw_string_start() {
            self.settle(false);
            self.raw_string(hashes, body);
            self.literal(body, self.i.saturating_sub(1 + hashes));
            return;
        }
        // `b"…"`, `c"…"` and `b'…'`: past the prefix, a string or a character literal.
        let prefixed_string =
            matches!(self.bytes[start], b'b' | b'c') && self.peek(1) == Some(b'"');
        let byte_char = self.bytes[start] == b'b' && self.peek(1) == Some(b'\'');
        if prefixed_string || byte_char {
            self.settle(false);
            self.i += 1;
            if byte_char {
                self.char_literal();
            } else {
                self.string();
            }
            self.operand();
            return;
        }
        if self.bytes[start] == b'r' && self.peek(1) == Some(b'#') {
            self.i += 2;
        }
        self.skip_word();
        let word = &self.bytes[start..self.i];
        self.settle(matches!(word, b"as" | b"else"));
        match word {
            b"return" | b"break" | b"yield" | b"let" | b"else" | b"become" | b"do" => {
                self.rec(1);
                self.prev = Prev::Open;
            }
            b"as" => {
                self.deep();
                self.prev = Prev::Open;
            }
            b"path" if matches!(self.top().attr, AttrState::Start | AttrState::Path) => {
                self.top().attr = AttrState::Path;
                self.prev = Prev::PathWord;
            }
            b"include" => self.prev = Prev::Include,
            _ => {
                if self.top().attr == AttrState::Start {
                    self.top().attr =
                        if word == b"cfg_attr" { AttrState::Path } else { AttrState::Other };
                }
                self.prev = if is_operand_word(word) { Prev::Operand } else { Prev::Open };
            }
        }
    }

    fn punct(&mut self) {
        let b = self.bytes[self.i];
        let next = self.peek(1);
        let next2 = self.peek(2);
        let binary = self.prev == Prev::Operand;
        // Multi-character operators, longest first.
        let (len, op): (usize, &'static [u8]) = match (b, next, next2) {
            (b'<', Some(b'<'), Some(b'=')) | (b'>', Some(b'>'), Some(b'=')) => (3, b"<<="),
            (b'.', Some(b'.'), Some(b'=')) | (b'.', Some(b'.'), Some(b'.')) => (3, b".."),
            (b'&', Some(b'&'), _) => (2, b"&&"),
            (b'|', Some(b'|'), _) => (2, b"||"),
            (b'=', Some(b'='), _) | (b'!', Some(b'='), _) => (2, b"=="),
            (b'<', Some(b'='), _) | (b'>', Some(b'='), _) => (2, b"=="),
            (b'=', Some(b'>'), _) => (2, b"=>"),
            (b'-', Some(b'>'), _) => (2, b"->"),
            (b':', Some(b':'), _) => (2, b"::"),
            (b'.', Some(b'.'), _) => (2, b".."),
            (b'<', Some(b'<'), _) => (2, b"<<"),
            (b'>', Some(b'>'), _) => (2, b">>"),
            (b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'&' | b'|', Some(b'='), _) => (2, b"+="),
            _ => (1, single(b)),
        };
        self.i += len;
        let continues = !matches!(op, b";" | b"," | b"#" | b"=>");
        self.settle(continues);
        match op {
            b";" => {
                self.close_angles();
                self.reset();
                self.prev = Prev::Open;
            }
            b"," | b"=>" => {
                if op == b"=>" {
                    self.close_angles();
                }
                self.reset();
                self.prev = Prev::Open;
            }
            b"#" => self.prev = Prev::Hash,
            b"!" if self.prev == Prev::Hash => {
                // `#![...]`: an inner attribute.
                self.prev = Prev::Hash;
            }
            b"!" if self.prev == Prev::Include => self.prev = Prev::IncludeBang,
            b"!" if binary => {
                // `name!(...)`: a macro call, not an operator.
                self.prev = Prev::Open;
            }
            b"=" if self.prev == Prev::PathWord => {
                self.rec(1);
                self.prev = Prev::PathEq;
            }
            b"&&" | b"||" if binary => {
                self.close_angles();
                self.deep();
                self.prev = Prev::Open;
            }
            b"&&" => {
                self.rec(2);
                self.prev = Prev::Open;
            }
            b"||" => {
                // A closure without parameters.
                self.rec(1);
                self.prev = Prev::Open;
            }
            b"|" if self.top().kind == Kind::Closure => {
                self.pop();
                self.rec(1);
                self.prev = Prev::Open;
            }
            b"|" if !binary => {
                self.push(Kind::Closure, AttrState::No);
                self.prev = Prev::Open;
            }
            b"==" => {
                self.close_angles();
                self.deep();
                self.prev = Prev::Open;
            }
            b"<" => {
                self.push(Kind::Angle, AttrState::No);
                self.prev = Prev::Open;
            }
            b"<<" if !binary => {
                // `<<A as B>::C as D>::E`: two qualified-path openers.
                self.push(Kind::Angle, AttrState::No);
                self.push(Kind::Angle, AttrState::No);
                self.prev = Prev::Open;
            }
            b">" | b">>" => {
                let n = if op == b">" { 1 } else { 2 };
                let mut closed = 0;
                while closed < n && self.stack.len() > 1 && self.top().kind == Kind::Angle {
                    self.pop();
                    closed += 1;
                }
                if closed == 0 {
                    self.deep();
                    self.prev = Prev::Open;
                } else {
                    self.prev = Prev::Operand;
                }
            }
            b"?" => {
                self.deep();
                self.prev = Prev::Operand;
            }
            b"." => {
                self.deep();
                self.prev = Prev::Open;
            }
            b"::" => self.prev = Prev::Open,
            b"->" | b"=" | b"+=" | b"<<=" | b".." => {
                self.rec(1);
                self.prev = Prev::Open;
            }
            b"!" | b"-" | b"*" | b"&" if !binary => {
                self.rec(1);
                self.prev = Prev::Open;
            }
            b"$" | b"@" | b":" | b"~" | b"\\" => self.prev = Prev::Open,
            _ => {
                // A binary operator (`+`, `-`, `*`, `/`, `%`, `^`, `&`, `|`, `<<`...).
                self.deep();
                self.prev = Prev::Open;
            }
        }
        if op == b"#" {
            self.attr_next = true;
        } else if op != b"!" {
            self.attr_next = false;
        }
    }

    /// A string literal's content `[start, end)`: a `#[path]` or `include!` target when it is
    /// where one is expected.
    fn literal(&mut self, start: usize, end: usize) {
        let text = self.src.get(start..end.max(start)).unwrap_or_default();
        match self.prev {
            Prev::PathEq => self.includes.push(IncludeRef {
                path: text.to_string(),
                line: self.line_of(start),
                is_include: false,
            }),
            Prev::IncludeOpen => self.includes.push(IncludeRef {
                path: text.to_string(),
                line: self.line_of(start),
                is_include: true,
            }),
            _ => {}
        }
        self.operand();
    }

    /// The line of byte `at`, which lies at or before the scanner's position.
    fn line_of(&self, at: usize) -> u32 {
        let newlines =
            self.bytes.get(at..self.i).map_or(0, |s| s.iter().filter(|&&b| b == b'\n').count());
        self.line.saturating_sub(u32::try_from(newlines).unwrap_or(u32::MAX))
    }

    fn line_comment(&mut self) {
        // `//` is ASCII, so the cursor is on a character boundary; `find` looks for the newline
        // a word at a time.
        self.i = match self.src.get(self.i..).and_then(|rest| rest.find('\n')) {
            Some(n) => self.i + n,
            None => self.bytes.len(),
        };
    }

    fn block_comment(&mut self) {
        // Block comments nest in Rust.
        let mut level = 1usize;
        self.i += 2;
        while self.i < self.bytes.len() && level > 0 {
            match self.bytes[self.i] {
                b'\n' => self.line += 1,
                b'/' if self.peek(1) == Some(b'*') => {
                    level += 1;
                    self.i += 1;
                }
                b'*' if self.peek(1) == Some(b'/') => {
                    level -= 1;
                    self.i += 1;
                }
                _ => {}
            }
            self.i += 1;
        }
    }

    /// A `"..."` string starting at the quote; leaves `i` after the closing quote.
    fn string(&mut self) {
        self.settle(false);
        self.i += 1;
        while self.i < self.bytes.len() {
            match self.bytes[self.i] {
                b'"' => {
                    self.i += 1;
                    return;
                }
                b'\\' => {
                    if self.peek(1) == Some(b'\n') {
                        self.line += 1;
                    }
                    self.i += 2;
                }
                b'\n' => {
                    self.line += 1;
                    self.i += 1;
                }
                _ => self.i += 1,
            }
        }
    }

    /// `r"`, `r#"`, `br"`, `cr#"`...: the number of hashes and where the body starts.
    fn raw_string_start(&self) -> Option<(usize, usize)> {
        let mut j = self.i;
        if matches!(self.bytes.get(j), Some(b'b' | b'c')) {
            j += 1;
        }
        if self.bytes.get(j) != Some(&b'r') {
            return None;
        }
        j += 1;
        let mut hashes = 0;
        while self.bytes.get(j) == Some(&b'#') {
            hashes += 1;
            j += 1;
        }
        (self.bytes.get(j) == Some(&b'"')).then_some((hashes, j + 1))
    }

    fn raw_string(&mut self, hashes: usize, body: usize) {
        self.i = body;
        while self.i < self.bytes.len() {
            match self.bytes[self.i] {
                b'\n' => self.line += 1,
                b'"' if (0..hashes).all(|k| self.bytes.get(self.i + 1 + k) == Some(&b'#')) => {
                    self.i += 1 + hashes;
                    return;
                }
                _ => {}
            }
            self.i += 1;
        }
    }

    /// `'x'`, `'\n'`, `'\u{..}'`, or a lifetime or label (`'a`).
    fn quote(&mut self) {
        self.settle(false);
        let rest = self.src.get(self.i + 1..).unwrap_or_default();
        let mut chars = rest.chars();
        match (chars.next(), chars.next()) {
            (Some('\\'), _) => {
                self.char_literal();
                self.operand();
            }
            (Some(c), Some('\'')) if c != '\'' => {
                self.i += 1 + c.len_utf8() + 1;
                self.operand();
            }
            _ => {
                // A lifetime: skip the quote and the name; it ends no operand (`&'a T`).
                self.i += 1;
                self.skip_word();
            }
        }
    }

    /// A char literal with an escape, from its opening quote.
    fn char_literal(&mut self) {
        let start = self.i;
        self.i += 1;
        while self.i < self.bytes.len() && self.i < start + 16 {
            match self.bytes[self.i] {
                b'\\' => self.i += 2,
                b'\'' => {
                    self.i += 1;
                    return;
                }
                b'\n' => return,
                _ => self.i += 1,
            }
        }
    }

    fn number(&mut self) {
        self.settle(false);
        while self.i < self.bytes.len() {
            let c = self.bytes[self.i];
            let fraction = c == b'.' && self.peek(1).is_some_and(|d| d.is_ascii_digit());
            if c == b'_' || c.is_ascii_alphanumeric() || fraction {
                self.i += 1;
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(src: &str) -> Option<(&'static str, u32)> {
        scan(src).refusal.map(|r| (r.code.as_str(), r.line))
    }

    #[test]
    fn counts_brackets_and_reports_line() {
        let src = format!("fn f() {{\n{}{}\n}}", "(".repeat(600), ")".repeat(600));
        assert_eq!(refused(&src), Some(("too-deeply-nested", 2)));
        assert_eq!(refused("fn f() { (((1))) }"), None);
    }

    #[test]
    fn skips_literals_and_comments() {
        let inner = "(".repeat(600);
        let bangs = "!".repeat(5000);
        let src = format!(
            "// {inner}{bangs}\n/* {inner} /* nested */ {inner} */\nconst A: &str = \"{inner}\";\n\
             const B: &str = r#\"{inner}\"#;\nconst C: char = '(';\nfn f<'a>(x: &'a str) {{}}\n\
             const D: &[u8] = b\"{bangs}\"; const E: u8 = b'!'; const F: char = '\\'';"
        );
        assert_eq!(refused(&src), None);
    }

    /// Every shape of the hostile inputs, far below the size that crashed, is refused; the
    /// same shape at an ordinary size is not.
    #[test]
    fn each_recursive_shape_is_refused() {
        let n = 5000;
        let shapes = [
            format!("type T = {}u8;", "&".repeat(n)),
            format!("type T = {}u8{};", "Box<".repeat(n), ">".repeat(n)),
            format!("fn f() {{ let _ = {}1; }}", "|| ".repeat(n)),
            format!("fn f() {{ let _ = {}x; }}", "!".repeat(n)),
            format!("fn f() {{ let _ = {}1; }}", "-".repeat(n)),
            format!("fn f() {{ {}1 }}", "return ".repeat(n)),
            format!("fn f() {{ let _ = 0{}; }}", " + 1".repeat(n)),
            format!("fn f() {{ x{}; }}", ".a()".repeat(n)),
            format!("fn f() {{ f{}; }}", "()".repeat(n)),
            format!("fn f() {{ x{}; }}", "?".repeat(n)),
            format!("fn f() {{ x{}; }}", " as u8".repeat(n)),
            format!("fn f() {{ x{}; }}", "[0]".repeat(n)),
            format!("type T = {}u8;", "*const ".repeat(n)),
            format!("type T = {}u8;", "fn() -> ".repeat(n)),
            format!("fn f() {{ {}0{}; }}", "{0} + ".repeat(n), ""),
            format!("fn f() {{ if a {{}} {} }}", "else if a {} ".repeat(n)),
            format!("fn f() {{ let _ = {}1; }}", "|a, b| ".repeat(n)),
            format!("fn f() {{ a {} b; }}", "= a ".repeat(n)),
            format!("type T = {}u8{};", "<".repeat(n), " as X>::Y".repeat(n)),
        ];
        for src in &shapes {
            let found = refused(src);
            assert!(
                matches!(found, Some(("too-complex" | "too-deeply-nested", 1))),
                "{found:?}: {}",
                &src[..60]
            );
        }
    }

    #[test]
    fn ordinary_code_of_any_length_is_accepted() {
        let n = 20_000;
        let ok = [
            format!("fn f() {{ {} }}", "let x = a + b * c - d;\n".repeat(n)),
            format!("fn f() {{ {} }}", "if a < b {}\n".repeat(n)),
            format!("fn f() {{ {} }}", "if a < b && c > d { x.y()?.z(); }\n".repeat(n)),
            "fn f() {}\n".repeat(n),
            format!("#[derive(Debug)] struct A {{ {} }}", "a: Vec<Box<u8>>,\n".repeat(n)),
            format!("fn f() {{ match x {{ {} }} }}", "A => { 1 }\n".repeat(n)),
            format!("fn f() {{ vec![{}]; }}", "!a,".repeat(n)),
            format!("fn f() {{ {} }}", "g(|a, b| a + b);\n".repeat(n)),
            format!("fn f() {{ {} }}", "let v: Vec<Vec<u8>> = Vec::<u8>::new();\n".repeat(n)),
            format!("fn f() {{ x{}; }}", ".a()".repeat(1000)),
            format!("fn f() {{ 0{}; }}", " + 1".repeat(2000)),
            format!("const X: u64 = {};", vec!["1 << 2"; 500].join(" | ")),
        ];
        for src in &ok {
            assert_eq!(refused(src), None, "{}", &src[..60.min(src.len())]);
        }
    }

    #[test]
    fn records_path_attributes_and_includes() {
        let src = "#[path = \"gen/a.txt\"]\nmod a;\n#[cfg_attr(unix, path = \"u.rs\")]\nmod u;\n\
                   #[doc = \"path\"] fn x() { include!(\"x.in\"); include_str!(\"y\"); }\n\
                   #[serde(path = \"no\")] struct S;\n// include!(\"comment\")\n";
        let found: Vec<(String, u32, bool)> =
            scan(src).includes.into_iter().map(|r| (r.path, r.line, r.is_include)).collect();
        assert_eq!(
            found,
            [
                ("gen/a.txt".to_string(), 1, false),
                ("u.rs".to_string(), 3, false),
                ("x.in".to_string(), 5, true),
            ]
        );
    }
}
