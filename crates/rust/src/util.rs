//! Spans and source text of syntax nodes.

use hooklint_model::Span;
use quote::ToTokens;
use syn::spanned::Spanned;

/// Longest text kept for an expression; longer texts are cut with `...`.
const MAX_TEXT: usize = 240;

/// The file being extracted: its path (used verbatim in spans) and the text syn parsed.
pub struct Src<'a> {
    pub path: &'a str,
    pub text: &'a str,
}

impl Src<'_> {
    pub fn span(&self, s: proc_macro2::Span) -> Span {
        let (a, b) = (s.start(), s.end());
        Span::new(self.path, a.line as u32, a.column as u32 + 1, b.line as u32, b.column as u32 + 1)
    }

    /// The node's source text, whitespace-normalised and shortened.
    pub fn text<T: Spanned + ToTokens>(&self, node: &T) -> String {
        let range = node.span().byte_range();
        let raw = match self.text.get(range) {
            Some(t) if !t.is_empty() => t.to_string(),
            _ => node.to_token_stream().to_string(),
        };
        normalise(&raw)
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
    if out.len() > MAX_TEXT {
        let mut cut = MAX_TEXT;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("...");
    }
    out
}

/// A path as written, without generic arguments (`Hmac::<Sha256>::new` -> `Hmac::new`).
pub fn path_str(path: &syn::Path) -> String {
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let joined = segs.join("::");
    if path.leading_colon.is_some() {
        format!("::{joined}")
    } else {
        joined
    }
}

pub fn last_segment(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
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
pub fn peel_expr(mut e: &syn::Expr) -> &syn::Expr {
    loop {
        match e {
            syn::Expr::Reference(r) => e = &r.expr,
            syn::Expr::Paren(p) => e = &p.expr,
            syn::Expr::Group(g) => e = &g.expr,
            syn::Expr::Try(t) => e = &t.expr,
            syn::Expr::Await(a) => e = &a.base,
            syn::Expr::MethodCall(m)
                if matches!(
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
    if depth > 64 {
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
