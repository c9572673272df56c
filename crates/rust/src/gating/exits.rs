//! Does a branch leave the function, and with what: a rejection, an acceptance, or the request
//! handed on to the next service? Which constructors and statuses mean what is knowledge
//! (`rejection_values`, `acceptance_values`, `pass_calls`); `Ok`/`Err`/`Some`/`None`/`true`/
//! `false` are the language's own.

use hooklint_model::verdict::exit;

use crate::extract::FileCx;
use crate::util;

/// What running a branch does.
#[derive(Debug, Clone, Copy, Default)]
pub struct Out {
    /// The branch always leaves the function (or, in the function's tail, ends it).
    pub exits: bool,
    /// What it leaves with (`exit::*` bits); 0 when unknown.
    pub exit: u8,
    /// It writes a log.
    pub logged: bool,
}

/// Macros that never return.
const DIVERGING: &[&str] = &["panic", "unreachable", "bail", "todo", "unimplemented", "abort"];

pub fn block_out(cx: &FileCx<'_>, b: &syn::Block, tail: bool) -> Out {
    stmts_out(cx, &b.stmts, tail, 0)
}

pub fn expr_out(cx: &FileCx<'_>, e: &syn::Expr, tail: bool) -> Out {
    expr_out_d(cx, e, tail, 0)
}

fn stmts_out(cx: &FileCx<'_>, stmts: &[syn::Stmt], tail: bool, depth: usize) -> Out {
    let mut out = Out::default();
    if depth > 32 {
        return out;
    }
    let n = stmts.len();
    for (i, s) in stmts.iter().enumerate() {
        let last = i + 1 == n;
        let one = match s {
            syn::Stmt::Expr(e, semi) => {
                let value = last && semi.is_none();
                expr_out_d(cx, e, tail && value, depth + 1)
            }
            syn::Stmt::Macro(m) => macro_out(cx, &m.mac),
            syn::Stmt::Local(l) => {
                // `let x = y?;`-style exits are conditional; only a diverging initialiser counts.
                let mut o = Out::default();
                if let Some(init) = &l.init {
                    o.logged = logs_in(cx, &init.expr, 0);
                }
                o
            }
            syn::Stmt::Item(_) => Out::default(),
        };
        out.logged |= one.logged;
        if one.exits {
            out.exits = true;
            out.exit = one.exit;
            return out;
        }
    }
    if tail && !out.exits {
        // The block ends the function with `()` (or its last expression, handled above).
        out.exits = true;
    }
    out
}

fn expr_out_d(cx: &FileCx<'_>, e: &syn::Expr, tail: bool, depth: usize) -> Out {
    if depth > 32 {
        return Out::default();
    }
    let d = depth + 1;
    match e {
        syn::Expr::Return(r) => Out {
            exits: true,
            exit: r.expr.as_ref().map(|v| classify_exit(cx, v)).unwrap_or(0),
            logged: r.expr.as_ref().is_some_and(|v| logs_in(cx, v, 0)),
        },
        syn::Expr::Block(b) => stmts_out(cx, &b.block.stmts, tail, d),
        syn::Expr::Unsafe(b) => stmts_out(cx, &b.block.stmts, tail, d),
        syn::Expr::Paren(p) => expr_out_d(cx, &p.expr, tail, d),
        syn::Expr::Group(g) => expr_out_d(cx, &g.expr, tail, d),
        syn::Expr::If(i) => {
            let then = stmts_out(cx, &i.then_branch.stmts, tail, d);
            let els = match &i.else_branch {
                Some((_, el)) => expr_out_d(cx, el, tail, d),
                None => Out { exits: tail, ..Out::default() },
            };
            Out {
                exits: then.exits && els.exits,
                exit: then.exit | els.exit,
                logged: then.logged || els.logged,
            }
        }
        syn::Expr::Match(m) => {
            let mut out = Out { exits: !m.arms.is_empty(), ..Out::default() };
            for a in &m.arms {
                let o = expr_out_d(cx, &a.body, tail, d);
                out.exits &= o.exits;
                out.exit |= o.exit;
                out.logged |= o.logged;
            }
            out
        }
        syn::Expr::Macro(m) => {
            let o = macro_out(cx, &m.mac);
            if !o.exits && tail {
                return Out { exits: true, exit: classify_exit(cx, e), logged: o.logged };
            }
            o
        }
        syn::Expr::Continue(_) | syn::Expr::Break(_) => Out { exits: true, ..Out::default() },
        syn::Expr::Try(t) => {
            // `Err(e)?` always leaves.
            let always =
                matches!(util::peel_expr(&t.expr), syn::Expr::Call(c) if call_last(c) == "Err");
            Out { exits: always || tail, exit: exit::ERR, logged: false }
        }
        syn::Expr::Call(c)
            if matches!(call_path(c).as_str(), "std::process::exit" | "process::exit" | "exit") =>
        {
            Out { exits: true, exit: exit::ERR, logged: false }
        }
        _ => {
            if tail {
                Out { exits: true, exit: classify_exit(cx, e), logged: logs_in(cx, e, 0) }
            } else {
                Out { exits: false, exit: 0, logged: logs_in(cx, e, 0) }
            }
        }
    }
}

fn macro_out(cx: &FileCx<'_>, mac: &syn::Macro) -> Out {
    let path = util::path_str(&mac.path);
    let name = util::last_segment(&path);
    if DIVERGING.contains(&name) {
        return Out { exits: true, exit: exit::ERR, logged: false };
    }
    Out { exits: false, exit: 0, logged: cx.k.log_macros.iter().any(|l| l == name) }
}

/// A log macro anywhere in the expression (not inside closures).
fn logs_in(cx: &FileCx<'_>, e: &syn::Expr, depth: usize) -> bool {
    if depth > 24 {
        return false;
    }
    let d = depth + 1;
    match e {
        syn::Expr::Macro(m) => {
            let path = util::path_str(&m.mac.path);
            cx.k.log_macros.iter().any(|l| l == util::last_segment(&path))
        }
        syn::Expr::Block(b) => b.block.stmts.iter().any(|s| stmt_logs(cx, s, d)),
        syn::Expr::Async(b) => b.block.stmts.iter().any(|s| stmt_logs(cx, s, d)),
        syn::Expr::If(i) => {
            i.then_branch.stmts.iter().any(|s| stmt_logs(cx, s, d))
                || i.else_branch.as_ref().is_some_and(|(_, e)| logs_in(cx, e, d))
        }
        syn::Expr::Match(m) => m.arms.iter().any(|a| logs_in(cx, &a.body, d)),
        syn::Expr::Call(c) => c.args.iter().any(|a| logs_in(cx, a, d)),
        syn::Expr::MethodCall(m) => {
            logs_in(cx, &m.receiver, d) || m.args.iter().any(|a| logs_in(cx, a, d))
        }
        syn::Expr::Await(a) => logs_in(cx, &a.base, d),
        syn::Expr::Paren(p) => logs_in(cx, &p.expr, d),
        _ => false,
    }
}

fn stmt_logs(cx: &FileCx<'_>, s: &syn::Stmt, depth: usize) -> bool {
    match s {
        syn::Stmt::Expr(e, _) => logs_in(cx, e, depth),
        syn::Stmt::Macro(m) => {
            let path = util::path_str(&m.mac.path);
            cx.k.log_macros.iter().any(|l| l == util::last_segment(&path))
        }
        syn::Stmt::Local(l) => l.init.as_ref().is_some_and(|i| logs_in(cx, &i.expr, depth)),
        syn::Stmt::Item(_) => false,
    }
}

fn call_path(c: &syn::ExprCall) -> String {
    match &*c.func {
        syn::Expr::Path(p) => util::path_str(&p.path),
        _ => String::new(),
    }
}

fn call_last(c: &syn::ExprCall) -> String {
    util::last_segment(&call_path(c)).to_string()
}

/// What a value leaving the function says (`exit::*` bits).
pub fn classify_exit(cx: &FileCx<'_>, e: &syn::Expr) -> u8 {
    let mut bits = 0;
    let core = outer(e, 0);
    match core {
        syn::Expr::Call(c) => {
            let last = call_last(c);
            bits |= constructor_bits(cx, &last);
        }
        syn::Expr::Path(p) => {
            let last = util::path_str(&p.path);
            bits |= constructor_bits(cx, util::last_segment(&last));
        }
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }) => {
            bits |= if b.value { exit::OK | exit::TRUE } else { exit::ERR };
        }
        _ => {}
    }
    scan(cx, e, &mut bits, 0);
    bits
}

fn constructor_bits(cx: &FileCx<'_>, name: &str) -> u8 {
    match name {
        "Ok" | "Some" => exit::OK,
        "Err" | "None" => exit::ERR,
        n if cx.k.acceptance_values.iter().any(|a| a == n) => exit::OK,
        n if cx.k.rejection_values.iter().any(|a| a == n) => exit::ERR,
        _ => 0,
    }
}

/// The outermost meaningful expression: through blocks, `Box::pin(..)`, `.await`, `.into()`.
fn outer(e: &syn::Expr, depth: usize) -> &syn::Expr {
    if depth > 16 {
        return e;
    }
    let d = depth + 1;
    match e {
        syn::Expr::Paren(p) => outer(&p.expr, d),
        syn::Expr::Group(g) => outer(&g.expr, d),
        syn::Expr::Await(a) => outer(&a.base, d),
        syn::Expr::Return(r) => r.expr.as_deref().map(|x| outer(x, d)).unwrap_or(e),
        syn::Expr::Block(b) => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(x, None)) => outer(x, d),
            _ => e,
        },
        syn::Expr::Async(b) => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(x, None)) => outer(x, d),
            _ => e,
        },
        syn::Expr::Call(c) if call_last(c) == "pin" && c.args.len() == 1 => {
            c.args.first().map(|x| outer(x, d)).unwrap_or(e)
        }
        syn::Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "into"
                    | "boxed"
                    | "map_into_left_body"
                    | "map_into_right_body"
                    | "map_into_boxed_body"
            ) =>
        {
            outer(&m.receiver, d)
        }
        _ => e,
    }
}

/// Passes and error statuses anywhere in the value.
fn scan(cx: &FileCx<'_>, e: &syn::Expr, bits: &mut u8, depth: usize) {
    if depth > 32 {
        return;
    }
    let d = depth + 1;
    let is_status = |name: &str| cx.k.rejection_statuses.iter().any(|s| s == name);
    match e {
        syn::Expr::Path(p) if p.path.segments.iter().any(|s| is_status(&s.ident.to_string())) => {
            *bits |= exit::STATUS_ERR;
        }
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. })
            if i.base10_parse::<u16>().is_ok_and(|v| (400..500).contains(&v)) =>
        {
            *bits |= exit::STATUS_ERR;
        }
        syn::Expr::Call(c) => {
            if let syn::Expr::Path(p) = &*c.func {
                if p.path.segments.iter().any(|s| is_status(&s.ident.to_string())) {
                    *bits |= exit::STATUS_ERR;
                }
            }
            c.args.iter().for_each(|a| scan(cx, a, bits, d));
        }
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if cx.k.pass_calls.contains(&name) {
                *bits |= exit::PASS;
            }
            if is_status(&name) {
                *bits |= exit::STATUS_ERR;
            }
            scan(cx, &m.receiver, bits, d);
            m.args.iter().for_each(|a| scan(cx, a, bits, d));
        }
        syn::Expr::Paren(p) => scan(cx, &p.expr, bits, d),
        syn::Expr::Group(g) => scan(cx, &g.expr, bits, d),
        syn::Expr::Await(a) => scan(cx, &a.base, bits, d),
        syn::Expr::Reference(r) => scan(cx, &r.expr, bits, d),
        syn::Expr::Try(t) => scan(cx, &t.expr, bits, d),
        syn::Expr::Field(f) => scan(cx, &f.base, bits, d),
        syn::Expr::Tuple(t) => t.elems.iter().for_each(|x| scan(cx, x, bits, d)),
        syn::Expr::Struct(s) => s.fields.iter().for_each(|f| scan(cx, &f.expr, bits, d)),
        syn::Expr::Block(b) => {
            if let Some(syn::Stmt::Expr(x, None)) = b.block.stmts.last() {
                scan(cx, x, bits, d);
            }
        }
        syn::Expr::Async(b) => {
            if let Some(syn::Stmt::Expr(x, None)) = b.block.stmts.last() {
                scan(cx, x, bits, d);
            }
        }
        syn::Expr::Macro(m) => {
            for t in m.mac.tokens.clone() {
                if let proc_macro2::TokenTree::Ident(i) = t {
                    if is_status(&i.to_string()) {
                        *bits |= exit::STATUS_ERR;
                    }
                }
            }
        }
        _ => {}
    }
}
