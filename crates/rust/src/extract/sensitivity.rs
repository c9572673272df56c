//! Operands and the sensitivity rule.
//!
//! A value is sensitive when a `sensitive_names` word names it (`expected_sig`), when a `let`
//! binding it reads was sensitive, when it reads a signature header, or when it is the output of
//! a `mac_output_calls` call (`finalize`, `sign`). The outermost expression can take that away again: a
//! `non_sensitive_methods` call (`sig.len()`), a literal, or a name whose last word is a property
//! word (`event.kind`, `scheme`).

use hooklint_model::{names, Knowledge, Operand, Span};

use crate::provenance::scope::Scopes;
use crate::util::{self, Src};

/// Names found in an expression: identifiers (variables and field names), called functions and
/// header names read.
#[derive(Debug, Default)]
pub struct ExprNames {
    pub idents: Vec<String>,
    pub calls: Vec<String>,
    pub headers: Vec<String>,
}

/// Resolves header names of reads found inside an expression; provided by the visitor.
pub trait HeaderLookup {
    fn header_of_call(&self, e: &syn::Expr) -> Option<String>;
}

pub fn expr_names(e: &syn::Expr, h: &dyn HeaderLookup) -> ExprNames {
    let mut out = ExprNames::default();
    collect(e, h, &mut out, 0);
    util::sort_dedup(&mut out.idents);
    util::sort_dedup(&mut out.calls);
    util::sort_dedup(&mut out.headers);
    out
}

fn collect(e: &syn::Expr, h: &dyn HeaderLookup, out: &mut ExprNames, depth: usize) {
    use syn::Expr;
    if depth > crate::limits::EXPR_DEPTH {
        use syn::spanned::Spanned;
        crate::limits::hit(e.span().start().line, "an operand");
        return;
    }
    if let Some(name) = h.header_of_call(e) {
        out.headers.push(name);
    }
    let d = depth + 1;
    match e {
        Expr::Path(p) if p.path.segments.len() == 1 => {
            if let Some(s) = p.path.segments.first() {
                out.idents.push(s.ident.to_string());
            }
        }
        Expr::Field(f) => {
            collect(&f.base, h, out, d);
            if let syn::Member::Named(n) = &f.member {
                out.idents.push(n.to_string());
            }
        }
        Expr::MethodCall(m) => {
            out.calls.push(m.method.to_string());
            collect(&m.receiver, h, out, d);
            m.args.iter().for_each(|a| collect(a, h, out, d));
        }
        Expr::Call(c) => {
            if let Expr::Path(p) = &*c.func {
                out.calls.push(util::path_str(&p.path));
            }
            c.args.iter().for_each(|a| collect(a, h, out, d));
        }
        Expr::Reference(r) => collect(&r.expr, h, out, d),
        Expr::Paren(p) => collect(&p.expr, h, out, d),
        Expr::Group(g) => collect(&g.expr, h, out, d),
        Expr::Try(t) => collect(&t.expr, h, out, d),
        Expr::Await(a) => collect(&a.base, h, out, d),
        Expr::Unary(u) => collect(&u.expr, h, out, d),
        Expr::Cast(c) => collect(&c.expr, h, out, d),
        Expr::Index(i) => {
            collect(&i.expr, h, out, d);
            collect(&i.index, h, out, d);
        }
        Expr::Binary(b) => {
            collect(&b.left, h, out, d);
            collect(&b.right, h, out, d);
        }
        Expr::Tuple(t) => t.elems.iter().for_each(|x| collect(x, h, out, d)),
        Expr::Array(t) => t.elems.iter().for_each(|x| collect(x, h, out, d)),
        Expr::Macro(m) => {
            // `format!("{}", secret)`: the arguments still carry the value.
            if let Ok(args) = m.mac.parse_body_with(
                syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
            ) {
                args.iter().for_each(|x| collect(x, h, out, d));
            }
        }
        Expr::Closure(c) => collect(&c.body, h, out, d),
        Expr::Block(b) => {
            if let Some(syn::Stmt::Expr(x, None)) = b.block.stmts.last() {
                collect(x, h, out, d);
            }
        }
        _ => {}
    }
}

/// Literal value of a literal expression (`"v1"`, `b"x"`, `64`).
pub fn literal_value(e: &syn::Expr) -> Option<String> {
    match util::peel_operand(e) {
        syn::Expr::Lit(l) => Some(match &l.lit {
            syn::Lit::Str(s) => s.value(),
            syn::Lit::ByteStr(b) => String::from_utf8_lossy(&b.value()).into_owned(),
            syn::Lit::Int(i) => i.base10_digits().to_string(),
            syn::Lit::Float(f) => f.base10_digits().to_string(),
            syn::Lit::Bool(b) => b.value.to_string(),
            syn::Lit::Char(c) => c.value().to_string(),
            syn::Lit::Byte(b) => b.value().to_string(),
            _ => return None,
        }),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
            literal_value(&u.expr).map(|v| format!("-{v}"))
        }
        _ => None,
    }
}

/// Whether the outermost expression reduces the value to something that is no longer secret.
fn reduced(e: &syn::Expr, k: &Knowledge) -> bool {
    match util::peel_operand(e) {
        syn::Expr::Lit(_) => true,
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            k.non_sensitive_methods.contains(&name) || k.is_verifier(&name, &name)
        }
        // The outcome of a verifier is a verdict, not the secret it checked.
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => {
                let path = util::path_str(&p.path);
                k.is_verifier(util::last_segment(&path), &path)
            }
            _ => false,
        },
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => {
                let n = n.to_string();
                k.ends_with_property(&n) && k.sensitive_word(&n).is_none()
            }
            syn::Member::Unnamed(_) => false,
        },
        syn::Expr::Path(p) if p.path.segments.len() == 1 => p
            .path
            .segments
            .first()
            .map(|s| s.ident.to_string())
            .is_some_and(|n| k.ends_with_property(&n) && k.sensitive_word(&n).is_none()),
        syn::Expr::Binary(b) => !matches!(
            b.op,
            syn::BinOp::Add(_)
                | syn::BinOp::BitXor(_)
                | syn::BinOp::BitOr(_)
                | syn::BinOp::BitAnd(_)
        ),
        syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Not(_)),
        _ => false,
    }
}

/// Why the value of `e` is sensitive, given the bindings in scope.
pub fn assess(e: &syn::Expr, n: &ExprNames, scopes: &Scopes, k: &Knowledge) -> Option<String> {
    if reduced(e, k) {
        return None;
    }
    if let Some(h) = n.headers.iter().find(|h| names::header_contains(h, &k.signature_headers)) {
        return Some(format!("from header {h}"));
    }
    for id in &n.idents {
        if k.sensitive_word(id).is_some() {
            return Some(format!("name {id}"));
        }
    }
    for id in &n.idents {
        if let Some(reason) = scopes.get(id).and_then(|b| b.sensitive.as_ref()) {
            return Some(reason.clone());
        }
    }
    if n.calls.iter().any(|c| k.matchers().mac_output_calls.matches(util::last_segment(c), c)) {
        return Some("from mac output".to_string());
    }
    None
}

pub struct OperandCx<'a> {
    pub src: &'a Src<'a>,
    pub k: &'a Knowledge,
    pub scopes: &'a Scopes,
    pub headers: &'a dyn HeaderLookup,
}

pub fn operand(cx: &OperandCx<'_>, e: &syn::Expr, field: &str) -> Operand {
    let n = expr_names(e, cx.headers);
    let literal = literal_value(e);
    let sensitive = assess(e, &n, cx.scopes, cx.k);
    Operand {
        text: cx.src.text_expr(e),
        idents: n.idents,
        is_literal: literal.is_some(),
        literal: literal.unwrap_or_default(),
        sensitive: sensitive.is_some(),
        sensitive_reason: sensitive.unwrap_or_default(),
        field: field.to_string(),
        span: cx.src.span(util::expr_span(e)),
        ..Operand::default()
    }
}

/// An operand for a bare identifier, such as an inline `{token}` capture in a format string.
pub fn ident_operand(cx: &OperandCx<'_>, ident: &str, span: Span) -> Operand {
    let n = ExprNames { idents: vec![ident.to_string()], ..ExprNames::default() };
    let property = cx.k.ends_with_property(ident) && cx.k.sensitive_word(ident).is_none();
    let reason = if property {
        None
    } else if cx.k.sensitive_word(ident).is_some() {
        Some(format!("name {ident}"))
    } else {
        cx.scopes.get(ident).and_then(|b| b.sensitive.clone())
    };
    Operand {
        text: ident.to_string(),
        idents: n.idents,
        sensitive: reason.is_some(),
        sensitive_reason: reason.unwrap_or_default(),
        span,
        ..Operand::default()
    }
}
