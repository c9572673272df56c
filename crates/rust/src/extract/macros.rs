//! Macro bodies. syn's visitor does not enter them, so function-like macros whose body is a
//! comma-separated list of expressions are parsed here (never expanded) and walked like code:
//! log and print macros become `LogCall`s, `assert_eq!` a comparison, the rest plain exprs.

use crate::provenance::build::FlowVal;
use hooklint_model::{Compare, LogCall, Operand};
use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::spanned::Spanned;

use super::exprs::FnVisitor;
use super::sensitivity;
use crate::provenance::kinds;
use crate::util;

/// Macros whose first string argument is a format string, not a value.
const FORMAT_MACROS: &[&str] = &[
    "format",
    "format_args",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "panic",
    "unreachable",
    "todo",
    "unimplemented",
    "bail",
    "anyhow",
    "ensure",
    "assert",
    "debug_assert",
    "format_err",
    "error",
    "warn",
    "info",
    "debug",
    "trace",
    "event",
    "log",
];

/// Macros whose body is not a list of value expressions.
const SKIP_MACROS: &[&str] = &[
    "macro_rules",
    "routes",
    "matches",
    "include_str",
    "include_bytes",
    "env",
    "concat",
    "stringify",
    "cfg",
    "quote",
    "json",
];

/// One comma-separated piece of a macro body.
enum Piece {
    /// `target: "x"`, `parent: span`, `name: "..."`.
    Key,
    /// `name = value`, `name = %value`, `%value`, `?value`: a structured field or named arg,
    /// and whether it is formatted with `Debug` (`?`).
    Field(String, syn::Expr, bool),
    Expr(syn::Expr),
    /// Did not parse as an expression.
    Opaque,
}

fn split(ts: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut out = vec![Vec::new()];
    for tt in ts {
        let sep = matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',' || p.as_char() == ';');
        if sep {
            out.push(Vec::new());
        } else if let Some(last) = out.last_mut() {
            last.push(tt);
        }
    }
    if out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

fn parse_expr(tokens: &[TokenTree]) -> Option<syn::Expr> {
    match tokens {
        [] => None,
        // Most macro arguments are one literal or one name (`"{}"`, `x`): build those directly
        // instead of running the parser, exactly as it would build them.
        [TokenTree::Literal(lit)] => Some(syn::Expr::Lit(syn::ExprLit {
            attrs: Vec::new(),
            lit: syn::Lit::new(lit.clone()),
        })),
        [TokenTree::Ident(ident)] if is_plain_name(ident) => Some(syn::Expr::Path(syn::ExprPath {
            attrs: Vec::new(),
            qself: None,
            path: syn::Path::from(ident.clone()),
        })),
        _ => syn::parse2::<syn::Expr>(tokens.iter().cloned().collect()).ok(),
    }
}

/// A name the parser reads as a one-segment path: not a keyword, `true`/`false` or `_`.
fn is_plain_name(ident: &proc_macro2::Ident) -> bool {
    const RESERVED: &[&str] = &[
        "_", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
        "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
        "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv",
        "pub", "raw", "ref", "return", "safe", "self", "Self", "static", "struct", "super",
        "trait", "true", "try", "type", "typeof", "union", "unsafe", "unsized", "use", "virtual",
        "where", "while", "yield",
    ];
    let name = ident.to_string();
    !name.starts_with("r#") && !RESERVED.contains(&name.as_str())
}

fn is_punct(tt: Option<&TokenTree>, c: char) -> bool {
    matches!(tt, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

fn classify(tokens: &[TokenTree]) -> Piece {
    // `key: value` (a single `:` after an identifier, not `::`).
    if let (Some(TokenTree::Ident(_)), Some(TokenTree::Punct(p))) = (tokens.first(), tokens.get(1))
    {
        if p.as_char() == ':' && p.spacing() == Spacing::Alone {
            return Piece::Key;
        }
    }
    // `%value` / `?value` shorthand fields.
    if is_punct(tokens.first(), '%') || is_punct(tokens.first(), '?') {
        let debug = is_punct(tokens.first(), '?');
        let rest = tokens.get(1..).unwrap_or(&[]);
        return match parse_expr(rest) {
            Some(e) => {
                let name = rest.iter().map(|t| t.to_string()).collect::<String>();
                Piece::Field(util::last_segment(&name.replace('.', "::")).to_string(), e, debug)
            }
            None => Piece::Opaque,
        };
    }
    // `a.b.c = value` / `"quoted" = value` with optional `%` / `?` sigil.
    let eq = tokens.iter().position(|t| is_punct(Some(t), '='));
    if let Some(i) = eq {
        let name_ok = i > 0
            && tokens[..i].iter().all(|t| match t {
                TokenTree::Ident(_) => true,
                TokenTree::Punct(p) => p.as_char() == '.',
                TokenTree::Literal(_) => i == 1,
                TokenTree::Group(_) => false,
            });
        let single_eq = match tokens.get(i) {
            Some(TokenTree::Punct(p)) => p.spacing() == Spacing::Alone,
            _ => false,
        };
        if name_ok && single_eq {
            let name: String = tokens[..i].iter().map(|t| t.to_string()).collect::<String>();
            let name = name.trim_matches('"').to_string();
            let mut rest = tokens.get(i + 1..).unwrap_or(&[]);
            let debug = is_punct(rest.first(), '?');
            if is_punct(rest.first(), '%') || debug {
                rest = rest.get(1..).unwrap_or(&[]);
            }
            return match parse_expr(rest) {
                Some(e) => Piece::Field(name, e, debug),
                None => Piece::Opaque,
            };
        }
    }
    match parse_expr(tokens) {
        Some(e) => Piece::Expr(e),
        None => Piece::Opaque,
    }
}

fn str_lit(e: &syn::Expr) -> Option<&syn::LitStr> {
    match e {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s),
        _ => None,
    }
}

/// One `{..}` of a format string: what it names (`""` for the next positional argument, an
/// index or an identifier) and whether it formats with `Debug` (`{:?}`, `{x:#?}`).
struct Placeholder {
    name: String,
    debug: bool,
}

fn placeholders(fmt: &str) -> Vec<Placeholder> {
    let mut out = Vec::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '}' && chars.peek() == Some(&'}') {
            chars.next();
            continue;
        }
        if c != '{' {
            continue;
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            continue;
        }
        let mut inner = String::new();
        for n in chars.by_ref() {
            if n == '}' {
                break;
            }
            inner.push(n);
        }
        let (name, spec) = inner.split_once(':').unwrap_or((&inner, ""));
        out.push(Placeholder { name: name.trim().to_string(), debug: spec.contains('?') });
        if out.len() > 256 {
            break;
        }
    }
    out
}

/// Identifiers captured inline by a format string (`"{token}"`, `"{sig:?}"`), with whether each
/// is formatted with `Debug`.
fn inline_captures(fmt: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for p in placeholders(fmt) {
        let name = p.name.as_str();
        let ident = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if ident {
            match out.iter_mut().find(|(n, _)| n == name) {
                Some(seen) => seen.1 |= p.debug,
                None => out.push((name.to_string(), p.debug)),
            }
        }
    }
    out
}

/// Which positional arguments (0-based, after the format string) are formatted with `Debug`.
fn debug_positions(fmt: &str) -> Vec<bool> {
    let mut out: Vec<bool> = Vec::new();
    let mut next = 0usize;
    for p in placeholders(fmt) {
        let index = if p.name.is_empty() {
            next += 1;
            next - 1
        } else if let Ok(i) = p.name.parse::<usize>() {
            i
        } else {
            continue;
        };
        if index > 256 {
            continue;
        }
        if out.len() <= index {
            out.resize(index + 1, false);
        }
        out[index] |= p.debug;
    }
    out
}

impl FnVisitor<'_, '_> {
    /// Walks a macro body and leaves its value in `self.val`: the arguments' values for
    /// format-like and other value macros, an environment read for `env!`, nothing for logs.
    pub(super) fn visit_mac(&mut self, mac: &syn::Macro) {
        self.val = FlowVal::new();
        let path = util::path_str(&mac.path);
        let name = util::last_segment(&path).to_string();
        let bang = format!("{name}!");
        if self.cx.k.secret_sources.contains(&bang) {
            let var = syn::parse2::<syn::LitStr>(mac.tokens.clone().into_iter().take(1).collect())
                .map(|l| l.value())
                .unwrap_or_default();
            self.val = self.fb.source(kinds::SECRET, "env", var, self.cx.src.span(mac.span()));
            return;
        }
        if SKIP_MACROS.contains(&name.as_str()) {
            return;
        }
        if matches!(mac.delimiter, syn::MacroDelimiter::Brace(_))
            && !self.cx.k.log_macros.contains(&name)
        {
            // Brace bodies are usually items or DSLs (`lazy_static! { .. }`, `html! { .. }`).
            return;
        }
        let body = mac.delimiter.span().join();
        let len = self.cx.src.byte_len(body);
        let left = self.cx.macro_budget.get();
        if len > left {
            crate::limits::hit(body.start().line, "a macro body");
            return;
        }
        self.cx.macro_budget.set(left - len);
        let pieces: Vec<Piece> = split(mac.tokens.clone()).iter().map(|t| classify(t)).collect();
        if self.cx.k.log_macros.contains(&name) {
            self.log_macro(mac, &path, &name, &pieces);
            return;
        }
        let mut compare = None;
        if matches!(
            name.as_str(),
            "assert_eq" | "assert_ne" | "debug_assert_eq" | "debug_assert_ne"
        ) {
            if let (Some(Piece::Expr(l)), Some(Piece::Expr(r))) = (pieces.first(), pieces.get(1)) {
                let op = if name.ends_with("_ne") { "assert_ne" } else { "assert_eq" };
                let cx = self.operand_cx();
                let mut cmp = Compare {
                    op: op.to_string(),
                    text: util::normalise(&format!(
                        "{path}!({}, {})",
                        self.cx.src.text_expr(l),
                        self.cx.src.text_expr(r)
                    )),
                    left: sensitivity::operand(&cx, l, ""),
                    right: sensitivity::operand(&cx, r, ""),
                    inside: String::new(),
                    stored: false,
                    span: self.cx.src.span(mac.span()),
                };
                cmp.left.ty = self.expr_type(l);
                cmp.right.ty = self.expr_type(r);
                compare = Some(self.push_compare(cmp));
            }
        }
        let format_like = FORMAT_MACROS.contains(&name.as_str());
        let gate = name.contains("assert") || name == "ensure";
        if gate {
            self.gate += 1;
        }
        let mut seen_fmt = false;
        let mut vals: Vec<FlowVal> = Vec::new();
        let mut out = FlowVal::new();
        for p in &pieces {
            match p {
                Piece::Expr(e) if format_like && !seen_fmt && str_lit(e).is_some() => {
                    seen_fmt = true;
                    vals.push(FlowVal::new());
                    if let Some(lit) = str_lit(e) {
                        for (cap, _) in inline_captures(&lit.value()) {
                            let v = self.capture_value(&cap);
                            self.fb.union_into(&mut out, &v);
                        }
                    }
                }
                Piece::Expr(e) | Piece::Field(_, e, _) => {
                    let v = self.eval(e);
                    self.fb.union_into(&mut out, &v);
                    vals.push(v);
                }
                _ => vals.push(FlowVal::new()),
            }
        }
        if gate {
            self.gate -= 1;
        }
        if let Some(i) = compare {
            let mut it = vals.into_iter();
            let (l, r) = (it.next().unwrap_or_default(), it.next().unwrap_or_default());
            self.set_compare_flow(i, l, r);
            out = FlowVal::new();
        }
        if gate {
            out = FlowVal::new();
        }
        self.val = out;
    }

    /// The value of a name captured by a format string: a local, or a `const`/`static`.
    fn capture_value(&mut self, cap: &str) -> FlowVal {
        if let Some(l) = self.scopes.get(cap) {
            return l.val.clone();
        }
        let is_const = cap.len() > 1
            && cap.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if is_const {
            let g = self.cx.resolve(cap, &self.self_type);
            return self.fb.global(&g);
        }
        FlowVal::new()
    }

    fn log_macro(&mut self, mac: &syn::Macro, path: &str, name: &str, pieces: &[Piece]) {
        let skip_first = matches!(name, "write" | "writeln" | "event" | "log");
        let fmt_idx =
            pieces.iter().position(|p| matches!(p, Piece::Expr(e) if str_lit(e).is_some()));
        let fmt = fmt_idx
            .and_then(|i| pieces.get(i))
            .and_then(|p| match p {
                Piece::Expr(e) => str_lit(e).map(|l| l.value()),
                _ => None,
            })
            .unwrap_or_default();
        let debug_at = debug_positions(&fmt);
        let named: Vec<String> = pieces
            .iter()
            .skip(fmt_idx.map_or(usize::MAX, |i| i + 1))
            .filter_map(|p| match p {
                Piece::Field(n, _, _) => Some(n.clone()),
                _ => None,
            })
            .collect();
        let named_debug: Vec<(String, bool)> = inline_captures(&fmt);
        let mut args: Vec<Operand> = Vec::new();
        let mut vals: Vec<FlowVal> = Vec::new();
        let mut positional = 0usize;
        let all_debug = name == "dbg";
        self.log += 1;
        for (i, p) in pieces.iter().enumerate() {
            let before_fmt = fmt_idx.is_none_or(|f| i < f);
            match p {
                Piece::Expr(_) if Some(i) == fmt_idx => {}
                Piece::Expr(_) if i == 0 && skip_first => {}
                Piece::Expr(e) => {
                    let record =
                        !(before_fmt && fmt_idx.is_some() && matches!(e, syn::Expr::Path(_)));
                    let mut op = record.then(|| sensitivity::operand(&self.operand_cx(), e, ""));
                    let v = self.eval(e);
                    if let Some(mut op) = op.take() {
                        op.debug = all_debug
                            || (!before_fmt && debug_at.get(positional).copied().unwrap_or(false));
                        op.ty = self.expr_type(e);
                        args.push(op);
                        vals.push(v);
                    }
                    if !before_fmt {
                        positional += 1;
                    }
                }
                Piece::Field(n, e, debug) => {
                    let field = if before_fmt { n.as_str() } else { "" };
                    let mut op = sensitivity::operand(&self.operand_cx(), e, field);
                    op.debug = *debug || all_debug || named_debug.iter().any(|(c, d)| c == n && *d);
                    op.ty = self.expr_type(e);
                    args.push(op);
                    let v = self.eval(e);
                    vals.push(v);
                }
                Piece::Key | Piece::Opaque => {}
            }
        }
        if let Some(Piece::Expr(e)) = fmt_idx.and_then(|i| pieces.get(i)) {
            if let Some(lit) = str_lit(e) {
                let span = self.cx.src.span(lit.span());
                for (cap, debug) in inline_captures(&lit.value()) {
                    if named.contains(&cap) || args.iter().any(|a| a.text == cap) {
                        continue;
                    }
                    let u = super::flow::Use::Log;
                    self.uses_record(&cap, u);
                    let mut op = sensitivity::ident_operand(&self.operand_cx(), &cap, span.clone());
                    op.debug = debug;
                    op.ty = self.var_type_of(&cap);
                    args.push(op);
                    let v = self.capture_value(&cap);
                    vals.push(v);
                }
            }
        }
        self.log -= 1;
        self.logs.push(LogCall {
            macro_name: name.to_string(),
            path: path.to_string(),
            args,
            span: self.cx.src.span(mac.span()),
        });
        self.fb.flow.logs.push(vals);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{facts, func};

    #[test]
    fn captures() {
        let caps = inline_captures("a {token} {{x}} {sig:?} {0} {}");
        assert_eq!(caps, [("token".to_string(), false), ("sig".to_string(), true)]);
        assert_eq!(debug_positions("{} {:?} {0:#?} {x}"), [true, true]);
    }

    #[test]
    fn log_macros_fields_captures_and_args() {
        let f = facts(
            r#"
fn f(token: &str, sig: String, id: u64) {
    tracing::info!(target: "hooks", token = %token, sig.len = sig.len(), ?id, "delivery {id} {}", sig);
    println!("got {token}");
    log::warn!("named {t}", t = token);
    dbg!(&sig);
    event!(Level::INFO, "plain");
    writeln!(out, "{}", token).ok();
}
"#,
        );
        let logs = &func(&f, "f").logs;
        assert_eq!(logs.len(), 6);
        let info = &logs[0];
        assert_eq!((info.macro_name.as_str(), info.path.as_str()), ("info", "tracing::info"));
        let fields: Vec<(&str, &str, bool)> =
            info.args.iter().map(|a| (a.field.as_str(), a.text.as_str(), a.sensitive)).collect();
        assert_eq!(
            fields,
            [
                ("token", "token", true),
                ("sig.len", "sig.len()", false),
                ("id", "id", false),
                ("", "sig", true)
            ]
        );
        let println = &logs[1];
        assert_eq!(println.args.len(), 1);
        assert_eq!(println.args[0].text, "token");
        assert!(println.args[0].sensitive);
        assert_eq!(logs[2].args.len(), 1, "a named argument is not also an inline capture");
        assert!(logs[3].args[0].sensitive);
        assert!(logs[4].args.is_empty());
        assert_eq!(logs[5].args[0].text, "token");
    }

    #[test]
    fn macro_bodies_are_walked() {
        let f = facts(
            r#"
fn f(sig: &str, expected: &str) {
    assert!(sig == expected, "mismatch");
    let v = vec![compute(sig), other()];
    let s = format!("{}", hex::encode(sig));
    lazy_static! { static ref X: u8 = 1; }
    assert_ne!(sig, "");
}
"#,
        );
        let g = func(&f, "f");
        let names: Vec<&str> = g.calls.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["compute", "other", "encode"]);
        assert_eq!(g.compares.len(), 2);
        assert_eq!(g.compares[0].op, "==");
        assert_eq!(g.compares[1].op, "assert_ne");
        assert!(g.literals.iter().all(|l| l.value != "mismatch" && l.value != "{}"));
    }
}
