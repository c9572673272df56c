//! Spans and source text of syntax nodes.

use hooklint_model::{SharedStr, Span};
use quote::ToTokens;
use syn::spanned::Spanned;

/// Longest text kept for an expression; longer texts are cut with `...`.
const MAX_TEXT: usize = 240;

/// The file being extracted: its path (used verbatim in spans) and the text syn parsed.
pub struct Src<'a> {
    pub path: &'a str,
    /// `path` once more, shared by every span of the file.
    file: SharedStr,
    pub text: &'a str,
    /// Byte offset where each line starts, and whether the line is ASCII (then a column,
    /// which counts characters, is also a byte count).
    lines: Vec<(usize, bool)>,
}

impl<'a> Src<'a> {
    pub fn new(path: &'a str, text: &'a str) -> Src<'a> {
        let mut lines = Vec::new();
        let mut start = 0;
        for line in text.split('\n') {
            lines.push((start, line.is_ascii()));
            start += line.len() + 1;
        }
        Src { path, file: SharedStr::from(path), text, lines }
    }

    /// Byte offset of a line and (character) column, as proc-macro2 counts them: lines split
    /// at `\n` only. proc-macro2's own `Span::byte_range` walks characters through a shared
    /// map for every call, which dominated the cost of taking texts.
    fn byte(&self, at: proc_macro2::LineColumn) -> Option<usize> {
        let &(start, ascii) = self.lines.get(at.line.checked_sub(1)?)?;
        if ascii {
            return Some(start + at.column);
        }
        let rest = self.text.get(start..)?;
        match rest.char_indices().nth(at.column) {
            Some((i, _)) => Some(start + i),
            None => Some(self.text.len()),
        }
    }

    fn byte_range(&self, s: proc_macro2::Span) -> Option<std::ops::Range<usize>> {
        Some(self.byte(s.start())?..self.byte(s.end())?)
    }

    /// The length in bytes of the source a span covers (0 when it cannot be found).
    pub fn byte_len(&self, s: proc_macro2::Span) -> usize {
        self.byte_range(s).map_or(0, |r| r.len())
    }

    pub fn span(&self, s: proc_macro2::Span) -> Span {
        let (a, b) = (s.start(), s.end());
        Span::new(
            &self.file,
            a.line as u32,
            a.column as u32 + 1,
            b.line as u32,
            b.column as u32 + 1,
        )
    }

    /// The node's source text, whitespace-normalised and shortened.
    pub fn text<T: Spanned + ToTokens>(&self, node: &T) -> String {
        self.text_in(node.span(), node)
    }

    /// Like [`Src::text`], with the span found from the expression's first and last tokens
    /// instead of printing the whole expression.
    pub fn text_expr(&self, e: &syn::Expr) -> String {
        self.text_in(expr_span(e), e)
    }

    pub fn text_in<T: ToTokens>(&self, span: proc_macro2::Span, node: &T) -> String {
        // `normalise` stops reading after the cut-off, so the slice is not copied whole.
        match self.byte_range(span).and_then(|r| self.text.get(r)) {
            Some(t) if !t.is_empty() => normalise(t),
            _ => normalise(&node.to_token_stream().to_string()),
        }
    }
}

/// The span `Spanned::span` gives for an expression, found from its first and last tokens:
/// `Spanned::span` prints the whole expression into a token stream, which is quadratic over
/// nested calls and method chains.
pub fn expr_span(e: &syn::Expr) -> proc_macro2::Span {
    match (first_span(e), last_span(e)) {
        (Some(a), Some(b)) => a.join(b).unwrap_or(a),
        _ => e.span(),
    }
}

/// Span of an `if` expression, as `Spanned::span` gives it, without printing its branches.
pub fn if_span(i: &syn::ExprIf) -> proc_macro2::Span {
    let last = match &i.else_branch {
        None => Some(i.then_branch.brace_token.span.join()),
        Some((_, e)) if matches!(**e, syn::Expr::If(_) | syn::Expr::Block(_)) => last_span(e),
        Some(_) => None,
    };
    match last {
        Some(b) if i.attrs.is_empty() => i.if_token.span.join(b).unwrap_or(i.if_token.span),
        _ => i.span(),
    }
}

/// Span of a binary expression, as `Spanned::span` gives it, without printing its operands.
pub fn binary_span(b: &syn::ExprBinary) -> proc_macro2::Span {
    match (first_span(&b.left), last_span(&b.right)) {
        (Some(a), Some(z)) if b.attrs.is_empty() => a.join(z).unwrap_or(a),
        _ => b.span(),
    }
}

/// Span of a `match` expression, as `Spanned::span` gives it, without printing its arms.
pub fn match_span(m: &syn::ExprMatch) -> proc_macro2::Span {
    if !m.attrs.is_empty() {
        return m.span();
    }
    m.match_token.span.join(m.brace_token.span.join()).unwrap_or(m.match_token.span)
}

/// Span of a method call expression, receiver included, as `Spanned::span` gives it.
pub fn method_call_span(m: &syn::ExprMethodCall) -> proc_macro2::Span {
    if !m.attrs.is_empty() {
        return m.span();
    }
    match first_span(&m.receiver) {
        Some(a) => a.join(m.paren_token.span.close()).unwrap_or(a),
        None => m.span(),
    }
}

/// Span of a call expression (`f(x)`), as `Spanned::span` gives it.
pub fn call_span(c: &syn::ExprCall) -> proc_macro2::Span {
    if !c.attrs.is_empty() {
        return c.span();
    }
    match first_span(&c.func) {
        Some(a) => {
            let b = c.paren_token.span.join();
            a.join(b).unwrap_or(a)
        }
        None => c.span(),
    }
}

/// Span of a fn item with a body, as `Spanned::span` gives it, without printing the body:
/// the first token of its outer attributes, `head` (visibility, modifiers) or signature,
/// joined to the closing brace.
pub fn fn_item_span(
    attrs: &[syn::Attribute],
    head: &[&dyn ToTokens],
    sig: &syn::Signature,
    block: &syn::Block,
    whole: &dyn Spanned,
) -> proc_macro2::Span {
    let first = match attrs.iter().find(|a| matches!(a.style, syn::AttrStyle::Outer)) {
        Some(a) => Some(a.pound_token.spans[0]),
        None => {
            // The head (visibility, `default`) is a token or two; the signature's first token is
            // one of its keywords, so neither needs the whole signature printed.
            let mut ts = proc_macro2::TokenStream::new();
            for h in head {
                h.to_tokens(&mut ts);
            }
            ts.into_iter().next().map(|t| t.span()).or_else(|| Some(sig_first_span(sig)))
        }
    };
    match first {
        Some(a) => a.join(block.brace_token.span.join()).unwrap_or(a),
        None => whole.span(),
    }
}

/// Span of a signature's first token: `const`, `async`, `unsafe`/`safe`, `extern` or `fn`.
fn sig_first_span(sig: &syn::Signature) -> proc_macro2::Span {
    if let Some(t) = &sig.constness {
        t.span
    } else if let Some(t) = &sig.asyncness {
        t.span
    } else if let Some(t) = sig.safety.to_token_stream().into_iter().next() {
        t.span()
    } else if let Some(abi) = &sig.abi {
        abi.extern_token.span
    } else {
        sig.fn_token.span
    }
}

fn path_first_span(path: &syn::Path) -> Option<proc_macro2::Span> {
    match &path.leading_colon {
        Some(c) => Some(c.spans[0]),
        None => path.segments.first().map(|s| s.ident.span()),
    }
}

fn path_last_span(path: &syn::Path) -> Option<proc_macro2::Span> {
    let last = path.segments.last()?;
    match last.arguments {
        syn::PathArguments::None if !path.segments.trailing_punct() => Some(last.ident.span()),
        _ => None,
    }
}

/// Span of the first token the expression prints, or `None` where that is not simple to find.
/// A loop, not recursion: a method chain of any length costs its length, and never falls back
/// to printing the whole expression.
fn first_span(e: &syn::Expr) -> Option<proc_macro2::Span> {
    let mut e = e;
    loop {
        e = match e {
            syn::Expr::Call(c) if c.attrs.is_empty() => &c.func,
            syn::Expr::MethodCall(m) if m.attrs.is_empty() => &m.receiver,
            syn::Expr::Field(f) if f.attrs.is_empty() => &f.base,
            syn::Expr::Try(t) if t.attrs.is_empty() => &t.expr,
            syn::Expr::Await(a) if a.attrs.is_empty() => &a.base,
            syn::Expr::Index(i) if i.attrs.is_empty() => &i.expr,
            syn::Expr::Binary(b) if b.attrs.is_empty() => &b.left,
            syn::Expr::Path(p) if p.attrs.is_empty() && p.qself.is_none() => {
                return path_first_span(&p.path)
            }
            syn::Expr::Lit(l) if l.attrs.is_empty() => return Some(l.lit.span()),
            syn::Expr::Paren(p) if p.attrs.is_empty() => return Some(p.paren_token.span.join()),
            syn::Expr::Reference(r) if r.attrs.is_empty() => return Some(r.and_token.spans[0]),
            syn::Expr::Unary(u) if u.attrs.is_empty() => {
                return match u.op {
                    syn::UnOp::Deref(t) => Some(t.spans[0]),
                    syn::UnOp::Not(t) => Some(t.spans[0]),
                    syn::UnOp::Neg(t) => Some(t.spans[0]),
                    _ => None,
                }
            }
            syn::Expr::Macro(m) if m.attrs.is_empty() => return path_first_span(&m.mac.path),
            syn::Expr::If(i) if i.attrs.is_empty() => return Some(i.if_token.span),
            syn::Expr::Match(m) if m.attrs.is_empty() => return Some(m.match_token.span),
            syn::Expr::Let(l) if l.attrs.is_empty() => return Some(l.let_token.span),
            syn::Expr::Block(b) if b.attrs.is_empty() && b.label.is_none() => {
                return Some(b.block.brace_token.span.join())
            }
            syn::Expr::Tuple(t) if t.attrs.is_empty() => return Some(t.paren_token.span.join()),
            syn::Expr::Array(a) if a.attrs.is_empty() => return Some(a.bracket_token.span.join()),
            _ => return None,
        };
    }
}

/// Span of the last token the expression prints, or `None` where that is not simple to find.
fn last_span(e: &syn::Expr) -> Option<proc_macro2::Span> {
    let mut e = e;
    loop {
        e = match e {
            syn::Expr::Call(c) => return Some(c.paren_token.span.join()),
            syn::Expr::MethodCall(m) => return Some(m.paren_token.span.join()),
            syn::Expr::Field(f) => {
                return Some(match &f.member {
                    syn::Member::Named(i) => i.span(),
                    syn::Member::Unnamed(i) => i.span,
                })
            }
            syn::Expr::Try(t) => return Some(t.question_token.spans[0]),
            syn::Expr::Await(a) => return Some(a.await_token.span),
            syn::Expr::Index(i) => return Some(i.bracket_token.span.join()),
            syn::Expr::Binary(b) => &b.right,
            syn::Expr::Path(p) if p.qself.is_none() => return path_last_span(&p.path),
            syn::Expr::Lit(l) => return Some(l.lit.span()),
            syn::Expr::Paren(p) => return Some(p.paren_token.span.join()),
            syn::Expr::Reference(r) => &r.expr,
            syn::Expr::Unary(u) => &u.expr,
            syn::Expr::Macro(m) => {
                return Some(match &m.mac.delimiter {
                    syn::MacroDelimiter::Paren(p) => p.span.join(),
                    syn::MacroDelimiter::Brace(b) => b.span.join(),
                    syn::MacroDelimiter::Bracket(b) => b.span.join(),
                })
            }
            // An `else` the parser produced is a block or another `if`; anything else is
            // printed inside braces of its own, which have no place in the source.
            syn::Expr::If(i) => match &i.else_branch {
                None => return Some(i.then_branch.brace_token.span.join()),
                Some((_, e)) if matches!(**e, syn::Expr::If(_) | syn::Expr::Block(_)) => e,
                Some(_) => return None,
            },
            syn::Expr::Match(m) => return Some(m.brace_token.span.join()),
            syn::Expr::Block(b) => return Some(b.block.brace_token.span.join()),
            syn::Expr::Let(l) => &l.expr,
            syn::Expr::Closure(c) => &c.body,
            syn::Expr::Tuple(t) => return Some(t.paren_token.span.join()),
            syn::Expr::Array(a) => return Some(a.bracket_token.span.join()),
            syn::Expr::Struct(st) => return Some(st.brace_token.span.join()),
            syn::Expr::Unsafe(u) => return Some(u.block.brace_token.span.join()),
            syn::Expr::Loop(l) => return Some(l.body.brace_token.span.join()),
            syn::Expr::While(w) => return Some(w.body.brace_token.span.join()),
            syn::Expr::ForLoop(f) => return Some(f.body.brace_token.span.join()),
            _ => return None,
        };
    }
}

/// Collapses whitespace runs and cuts long texts at a char boundary.
pub fn normalise(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len().min(MAX_TEXT + 3));
    for (n, word) in raw.split_whitespace().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() > MAX_TEXT {
            break;
        }
    }
    truncate_with(&mut out, MAX_TEXT, "...");
    out
}

/// Cuts `out` to at most `max` bytes, at a character boundary, and marks the cut with
/// `ellipsis`; a text that fits is left as it is.
pub fn truncate_with(out: &mut String, max: usize, ellipsis: &str) {
    if out.len() > max {
        let mut cut = max;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str(ellipsis);
    }
}

/// A path as written, without generic arguments (`Hmac::<Sha256>::new` -> `Hmac::new`).
pub fn path_str(path: &syn::Path) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if path.leading_colon.is_some() {
        out.push_str("::");
    }
    for (i, s) in path.segments.iter().enumerate() {
        if i > 0 {
            out.push_str("::");
        }
        let _ = write!(out, "{}", s.ident);
    }
    out
}

pub fn last_segment(path: &str) -> &str {
    hooklint_model::names::last_segment(path)
}

/// Type text as written, whitespace-normalised (`Json < Event >` never appears).
pub fn type_text(src: &Src<'_>, ty: &syn::Type) -> String {
    src.text(ty)
}

/// Strips references, parens and groups from a type.
pub fn peel_type(mut ty: &syn::Type) -> &syn::Type {
    loop {
        match ty {
            syn::Type::Reference(r) => ty = &r.elem,
            syn::Type::Paren(p) => ty = &p.elem,
            syn::Type::Group(g) => ty = &g.elem,
            _ => return ty,
        }
    }
}

/// The type's path (last segment first to check), if it is a path type.
pub fn type_path(ty: &syn::Type) -> Option<&syn::Path> {
    match peel_type(ty) {
        syn::Type::Path(p) => Some(&p.path),
        _ => None,
    }
}

/// Generic type arguments of the last path segment.
pub fn generic_types(path: &syn::Path) -> Vec<&syn::Type> {
    let Some(last) = path.segments.last() else { return Vec::new() };
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Any generic argument at all, lifetimes included (`Data<'r>` has one, `Data` none).
pub fn has_type_args(path: &syn::Path) -> bool {
    !generic_types(path).is_empty()
}

/// Strips `&`, parens, `?`, `.await`, `.unwrap()`-like calls: the expression that carries the value.
pub fn peel_expr(e: &syn::Expr) -> &syn::Expr {
    peel(e, true, false)
}

/// Strips `&`, `*`, parens, `?` and `.await`: the operand as compared or logged, whose
/// outermost call (`.len()`, `.unwrap()`) still says what the value is.
pub fn peel_operand(e: &syn::Expr) -> &syn::Expr {
    peel(e, false, true)
}

fn peel(mut e: &syn::Expr, unwraps: bool, derefs: bool) -> &syn::Expr {
    loop {
        match e {
            syn::Expr::Reference(r) => e = &r.expr,
            syn::Expr::Paren(p) => e = &p.expr,
            syn::Expr::Group(g) => e = &g.expr,
            syn::Expr::Try(t) => e = &t.expr,
            syn::Expr::Await(a) => e = &a.base,
            syn::Expr::Unary(u) if derefs && matches!(u.op, syn::UnOp::Deref(_)) => e = &u.expr,
            syn::Expr::MethodCall(m)
                if unwraps
                    && matches!(
                        m.method.to_string().as_str(),
                        "unwrap"
                            | "expect"
                            | "map_err"
                            | "unwrap_or_default"
                            | "context"
                            | "with_context"
                            | "ok_or"
                            | "ok_or_else"
                    ) =>
            {
                e = &m.receiver
            }
            _ => return e,
        }
    }
}

/// First identifier bound by a pattern (`x`, `mut x`, `(a, b)` -> `a`, `Some(x)` -> `x`).
pub fn pat_idents(pat: &syn::Pat, out: &mut Vec<String>, depth: usize) {
    if depth > crate::limits::TYPE_DEPTH {
        use syn::spanned::Spanned;
        crate::limits::hit(pat.span().start().line, "a pattern");
        return;
    }
    match pat {
        syn::Pat::Ident(i) => out.push(i.ident.to_string()),
        syn::Pat::Type(t) => pat_idents(&t.pat, out, depth + 1),
        syn::Pat::Reference(r) => pat_idents(&r.pat, out, depth + 1),
        syn::Pat::Paren(p) => pat_idents(&p.pat, out, depth + 1),
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| pat_idents(p, out, depth + 1)),
        syn::Pat::TupleStruct(t) => t.elems.iter().for_each(|p| pat_idents(p, out, depth + 1)),
        syn::Pat::Slice(s) => s.elems.iter().for_each(|p| pat_idents(p, out, depth + 1)),
        syn::Pat::Struct(s) => s.fields.iter().for_each(|f| pat_idents(&f.pat, out, depth + 1)),
        syn::Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                pat_idents(first, out, depth + 1)
            }
        }
        _ => {}
    }
}

pub fn sort_dedup(v: &mut Vec<String>) {
    v.sort();
    v.dedup();
}

#[cfg(test)]
mod tests {
    /// `expr_span` gives what `Spanned::span` gives, for every expression of this crate's own
    /// source (some 40,000 of every kind, nested every way).
    #[test]
    fn expr_spans_are_the_spans_syn_gives() {
        use syn::spanned::Spanned;
        use syn::visit::Visit;
        struct Check(usize);
        impl<'ast> Visit<'ast> for Check {
            fn visit_expr(&mut self, e: &'ast syn::Expr) {
                let (ours, syns) = (super::expr_span(e), e.span());
                let whole = match e {
                    syn::Expr::If(i) => Some(super::if_span(i)),
                    syn::Expr::Match(m) => Some(super::match_span(m)),
                    syn::Expr::Binary(b) => Some(super::binary_span(b)),
                    _ => None,
                };
                if let Some(w) = whole {
                    assert_eq!((w.start(), w.end()), (syns.start(), syns.end()));
                }
                assert_eq!(
                    (ours.start(), ours.end()),
                    (syns.start(), syns.end()),
                    "{}",
                    quote::ToTokens::to_token_stream(e)
                );
                self.0 += 1;
                syn::visit::visit_expr(self, e);
            }
        }
        let mut check = Check(0);
        let mut dirs = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    check.visit_file(&syn::parse_file(&text).unwrap());
                }
            }
        }
        assert!(check.0 > 10_000, "{} expressions", check.0);
    }

    use super::*;

    fn texts(source: &str) -> Vec<String> {
        let file: syn::File = syn::parse_str(source).expect("parses");
        let src = Src::new("a.rs", source);
        let mut out = Vec::new();
        for item in &file.items {
            if let syn::Item::Const(c) = item {
                out.push(src.text_expr(&c.expr));
            }
        }
        out
    }

    #[test]
    fn texts_are_cut_from_the_source_on_ascii_and_other_lines() {
        let source = "const A: &str = concat!(\"é\", \"b\");\r\nconst B: u8 = x(1,\n  2);\nconst C: &str = \"ü\"; const D: u8 = f( 4 );\n";
        assert_eq!(texts(source), ["concat!(\"é\", \"b\")", "x(1, 2)", "\"ü\"", "f( 4 )"]);
    }
}
