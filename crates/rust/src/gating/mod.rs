//! Gating: where a function examines a verdict, and what its failure path does.
//!
//! One walk over a function body finds every *site* (a call or a comparison whose value is
//! examined as a verdict) and every *sink* where that verdict is consumed: an `if` or `match`
//! whose failing branch returns or goes on, a `?`, a `let .. else`, an `assert!`, the
//! function's tail, a `let _ =`. A verdict flows through `!`, `.is_ok()`, `.is_err()`,
//! `.unwrap_or(..)`, `.await`, fields, closures passed to `is_some_and`/`map_or`, and `let`
//! bindings. It also records tests of whether a value is present (`if let Some(secret) = ..`)
//! whose other path lets the request go on, and spawned tasks.
//!
//! Nothing here knows which calls verify: that is decided by the project index, which reads
//! these records through the knowledge lists and the call graph. The walk is syntactic,
//! bounded in depth, and never fails.

mod exits;
#[cfg(test)]
mod tests;

use crate::HashMap;

use hooklint_model::verdict::{
    self, exit, Checked, Pos, Presence, Sink, Site, SiteSink, Spawn, Verdicts,
};
use hooklint_model::{Call, Compare, Span};
use syn::spanned::Spanned;

use crate::extract::FileCx;
use crate::util;
pub use exits::classify_exit;

/// Deepest nesting walked; deeper subtrees are left out.
const MAX_DEPTH: usize = 160;

/// Methods that hand a verdict on unchanged (`verify(..).is_ok()`, `.await`, `.unwrap_or(false)`).
const KEEP: &[&str] = &[
    "is_ok",
    "is_some",
    "ok",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "map_err",
    "or_else",
    "into",
    "to_owned",
    "clone",
    "as_ref",
    "as_deref",
    "copied",
    "cloned",
    "context",
    "with_context",
    "ok_or",
    "ok_or_else",
    "unwrap_u8",
];

/// Methods that turn a verdict around (`verify(..).is_err()`).
const FLIP: &[&str] = &["is_err", "is_none", "err"];

/// Methods whose closure argument computes the verdict (`h.is_some_and(|t| t == secret)`).
const CLOSURE_VERDICT: &[&str] = &[
    "is_some_and",
    "is_ok_and",
    "map_or",
    "map_or_else",
    "any",
    "all",
    "filter",
    "then",
    "map",
    "and_then",
];

/// Methods that panic on failure.
const PANICS: &[&str] = &["unwrap", "expect"];

/// Analyses one function body. `calls` and `compares` are the function's facts, so that sites
/// refer to them by order and index.
pub fn analyse(
    cx: &FileCx<'_>,
    block: &syn::Block,
    params: &[String],
    calls: &[Call],
    compares: &[Compare],
    checked: &[Checked],
) -> (Verdicts, Vec<(bool, bool)>) {
    let mut w = Walker::new(cx, params, calls, compares);
    w.block(block, Tail::Fn, 0);
    let uses = checked.iter().map(|c| (w.decides(c), w.passes(c))).collect();
    (w.finish(), uses)
}

/// Methods that check a value against a list, a pattern or a property of addresses: a site
/// that uses a value this way and rejects on failure decides access by that value.
const CHECKS: &[&str] = &[
    "contains",
    "contains_key",
    "binary_search",
    "is_match",
    "matches",
    "is_allowed",
    "allows",
    "includes",
    "any",
    "all",
    "starts_with",
    "ends_with",
    "eq",
    "ne",
    "is_loopback",
    "is_private",
    "is_global",
    "is_unspecified",
    "is_link_local",
];

/// Span key of a fact: its start and end.
type Key = (u32, u32, u32, u32);

fn key(s: &Span) -> Key {
    (s.line, s.column, s.end_line, s.end_column)
}

/// Whether a block or expression's value leaves the function.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tail {
    /// Its value is the function's return value.
    Fn,
    /// It is evaluated for its value or effects inside the function.
    No,
}

/// A verdict on its way to a sink: the sites it comes from, and whether it is turned around
/// (`true` means "failed" when the value is truthy).
#[derive(Default, Clone)]
struct Verdict {
    sites: Vec<usize>,
    flipped: bool,
    /// A `?` or `unwrap` on the way already decided what failure does; the value that comes
    /// out is the success value, not the verdict.
    consumed: bool,
}

impl Verdict {
    fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    fn flip(mut self, f: bool) -> Self {
        self.flipped ^= f;
        self
    }

    fn merge(mut self, other: Verdict) -> Self {
        self.consumed |= other.consumed;
        for s in other.sites {
            if !self.sites.contains(&s) {
                self.sites.push(s);
            }
        }
        self
    }
}

/// A verdict held by a `let` binding, and whether anything examined it.
struct Held {
    verdict: Verdict,
    examined: bool,
}

/// A presence test that is active while the walk is inside its "present" branch.
struct ActivePresence {
    index: u32,
}

struct Walker<'a, 'f> {
    cx: &'a FileCx<'f>,
    params: &'a [String],
    orders: HashMap<Key, u32>,
    compare_index: HashMap<Key, u32>,
    calls: &'a [Call],
    sites: Vec<Site>,
    /// Per site: it checks a value (a comparison or a `CHECKS` method), and the names it uses.
    site_checks: Vec<(bool, Vec<String>)>,
    site_of_call: HashMap<u32, usize>,
    site_of_compare: HashMap<u32, usize>,
    held: HashMap<String, Held>,
    /// Binding -> the names its value came from (transitively), for key and request flow.
    origins: HashMap<String, Vec<String>>,
    presences: Vec<Presence>,
    active: Vec<ActivePresence>,
    /// Presence tests whose absent path already left or went on before this point: sites later
    /// in the function that use the tested value run only when it is there.
    skips: Vec<u32>,
    spawns: Vec<Spawn>,
    exits: u8,
}

impl<'a, 'f> Walker<'a, 'f> {
    fn new(
        cx: &'a FileCx<'f>,
        params: &'a [String],
        calls: &'a [Call],
        compares: &[Compare],
    ) -> Self {
        Walker {
            cx,
            params,
            orders: calls.iter().map(|c| (key(&c.span), c.order)).collect(),
            compare_index: compares
                .iter()
                .enumerate()
                .map(|(i, c)| (key(&c.span), u32::try_from(i).unwrap_or(verdict::NONE)))
                .collect(),
            calls,
            sites: Vec::new(),
            site_checks: Vec::new(),
            site_of_call: HashMap::default(),
            site_of_compare: HashMap::default(),
            held: HashMap::default(),
            origins: HashMap::default(),
            presences: Vec::new(),
            active: Vec::new(),
            skips: Vec::new(),
            spawns: Vec::new(),
            exits: 0,
        }
    }

    fn finish(mut self) -> Verdicts {
        // A verdict bound and never examined is as good as thrown away.
        let mut unexamined: Vec<(usize, Span)> = Vec::new();
        for h in self.held.values() {
            if !h.examined {
                for &s in &h.verdict.sites {
                    unexamined.push((s, Span::default()));
                }
            }
        }
        for (s, at) in unexamined {
            if let Some(site) = self.sites.get_mut(s) {
                if site.sinks.is_empty() {
                    site.sinks.push(SiteSink { sink: Sink::Unused, at, ..SiteSink::default() });
                }
            }
        }
        Verdicts {
            sites: self.sites,
            presences: self.presences,
            spawns: self.spawns,
            exits: self.exits,
            takes_self: false,
        }
    }

    fn span(&self, s: proc_macro2::Span) -> Span {
        self.cx.src.span(s)
    }

    fn pos(&self, s: proc_macro2::Span) -> Pos {
        let a = s.start();
        verdict::pos(a.line as u32, a.column as u32 + 1)
    }

    fn end(&self, s: proc_macro2::Span) -> Pos {
        let b = s.end();
        verdict::pos(b.line as u32, b.column as u32 + 1)
    }

    // -----------------------------------------------------------------------------------
    // Sites
    // -----------------------------------------------------------------------------------

    fn call_site(&mut self, span: proc_macro2::Span) -> Option<usize> {
        let order = *self.orders.get(&key(&self.span(span)))?;
        if let Some(&s) = self.site_of_call.get(&order) {
            return Some(s);
        }
        let idx = self.sites.len();
        let presence = self.presence_for_call(order);
        self.sites.push(Site {
            call: order,
            compare: verdict::NONE,
            at: self.pos(span),
            end: self.end(span),
            sinks: Vec::new(),
            presence,
        });
        let check = self
            .calls
            .get(order as usize)
            .is_some_and(|c| c.is_method && CHECKS.contains(&c.name.as_str()));
        let names = if check { self.call_names(order) } else { Vec::new() };
        self.site_checks.push((check, names));
        self.site_of_call.insert(order, idx);
        Some(idx)
    }

    fn compare_site(&mut self, span: proc_macro2::Span, operands: &[&syn::Expr]) -> Option<usize> {
        let index = *self.compare_index.get(&key(&self.span(span)))?;
        if let Some(&s) = self.site_of_compare.get(&index) {
            return Some(s);
        }
        let mut names = Vec::new();
        for o in operands {
            self.names_in(o, &mut names, 0);
        }
        let presence = self.presence_for_names(&names);
        let idx = self.sites.len();
        self.sites.push(Site {
            call: verdict::NONE,
            compare: index,
            at: self.pos(span),
            end: self.end(span),
            sinks: Vec::new(),
            presence,
        });
        let expanded = self.expand(&names);
        self.site_checks.push((true, expanded));
        self.site_of_compare.insert(index, idx);
        Some(idx)
    }

    /// The innermost presence test (active, or already passed) whose value the call uses.
    fn presence_for_call(&self, order: u32) -> u32 {
        let names = self.call_names(order);
        self.presence_for_names(&names)
    }

    /// Names in a call's receiver and arguments, with what they came from.
    fn call_names(&self, order: u32) -> Vec<String> {
        let Some(call) = self.calls.get(order as usize) else { return Vec::new() };
        let mut names: Vec<String> = Vec::new();
        for text in std::iter::once(&call.receiver).chain(call.args.iter()) {
            for w in text_idents(text) {
                if !names.iter().any(|n| n == w) {
                    names.push(w.to_string());
                }
            }
        }
        self.expand(&names)
    }

    /// Is the bound value an argument of some call (directly or through bindings)?
    fn passes(&self, c: &Checked) -> bool {
        !c.binding.is_empty()
            && (0..self.calls.len() as u32).any(|o| {
                self.calls.get(o as usize).is_some_and(|call| {
                    call.args.iter().any(|a| {
                        let names: Vec<String> = text_idents(a).map(str::to_string).collect();
                        self.expand(&names).contains(&c.binding)
                    })
                })
            })
    }

    /// Does a check of this value (or of the read at its position) reject on failure?
    fn decides(&self, c: &Checked) -> bool {
        self.sites.iter().zip(&self.site_checks).any(|(site, (check, names))| {
            let uses = (!c.binding.is_empty() && names.contains(&c.binding))
                || (c.at >= site.at && c.end <= site.end && c.at > 0);
            *check
                && uses
                && site.sinks.iter().any(|s| {
                    s.sink == Sink::Exits
                        && s.exit & (exit::PASS | exit::TRUE) == 0
                        && !(s.exit & exit::OK != 0 && s.exit & (exit::ERR | exit::STATUS_ERR) == 0)
                })
        })
    }

    fn presence_for_names(&self, names: &[String]) -> u32 {
        if self.active.is_empty() && self.skips.is_empty() {
            return verdict::NONE;
        }
        let expanded = self.expand(names);
        let uses = |p: u32| {
            self.presences
                .get(p as usize)
                .is_some_and(|pr| pr.names.iter().any(|n| expanded.iter().any(|e| e == n)))
        };
        for a in self.active.iter().rev() {
            if uses(a.index) {
                return a.index;
            }
        }
        for &s in self.skips.iter().rev() {
            if uses(s) {
                return s;
            }
        }
        verdict::NONE
    }

    /// Names and everything they came from through `let` bindings.
    fn expand(&self, names: &[String]) -> Vec<String> {
        let mut out: Vec<String> = names.to_vec();
        let mut i = 0;
        while i < out.len() && out.len() < 512 {
            if let Some(from) = self.origins.get(&out[i]) {
                for f in from {
                    if !out.contains(f) {
                        out.push(f.clone());
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// Identifiers and field names of an expression (not `self`).
    fn names_in(&self, e: &syn::Expr, out: &mut Vec<String>, depth: usize) {
        if depth > 64 {
            return;
        }
        let d = depth + 1;
        match e {
            syn::Expr::Path(p) if p.path.segments.len() == 1 => {
                let id = util::path_str(&p.path);
                if id != "self" && !out.contains(&id) {
                    out.push(id);
                }
            }
            syn::Expr::Field(f) => {
                self.names_in(&f.base, out, d);
                if let syn::Member::Named(n) = &f.member {
                    let n = n.to_string();
                    if !out.contains(&n) {
                        out.push(n);
                    }
                }
            }
            syn::Expr::MethodCall(m) => {
                self.names_in(&m.receiver, out, d);
                m.args.iter().for_each(|a| self.names_in(a, out, d));
            }
            syn::Expr::Call(c) => c.args.iter().for_each(|a| self.names_in(a, out, d)),
            syn::Expr::Reference(r) => self.names_in(&r.expr, out, d),
            syn::Expr::Paren(p) => self.names_in(&p.expr, out, d),
            syn::Expr::Group(g) => self.names_in(&g.expr, out, d),
            syn::Expr::Try(t) => self.names_in(&t.expr, out, d),
            syn::Expr::Await(a) => self.names_in(&a.base, out, d),
            syn::Expr::Unary(u) => self.names_in(&u.expr, out, d),
            syn::Expr::Cast(c) => self.names_in(&c.expr, out, d),
            syn::Expr::Index(i) => self.names_in(&i.expr, out, d),
            syn::Expr::Binary(b) => {
                self.names_in(&b.left, out, d);
                self.names_in(&b.right, out, d);
            }
            syn::Expr::Tuple(t) => t.elems.iter().for_each(|x| self.names_in(x, out, d)),
            syn::Expr::Array(t) => t.elems.iter().for_each(|x| self.names_in(x, out, d)),
            syn::Expr::Struct(s) => s.fields.iter().for_each(|f| self.names_in(&f.expr, out, d)),
            syn::Expr::Closure(c) => self.names_in(&c.body, out, d),
            syn::Expr::Async(a) => {
                for s in &a.block.stmts {
                    match s {
                        syn::Stmt::Expr(x, _) => self.names_in(x, out, d),
                        syn::Stmt::Local(l) => {
                            if let Some(init) = &l.init {
                                self.names_in(&init.expr, out, d);
                            }
                        }
                        _ => {}
                    }
                }
            }
            syn::Expr::Block(b) => {
                for s in &b.block.stmts {
                    if let syn::Stmt::Expr(x, _) = s {
                        self.names_in(x, out, d);
                    }
                }
            }
            syn::Expr::Macro(m) => {
                for x in macro_args(&m.mac) {
                    self.names_in(&x, out, d);
                }
            }
            _ => {}
        }
    }

    fn record(&mut self, v: &Verdict, sink: SiteSink) {
        for &s in &v.sites {
            if let Some(site) = self.sites.get_mut(s) {
                let dup =
                    site.sinks.iter().any(|k| k.sink == sink.sink && k.examined == sink.examined);
                if !dup && site.sinks.len() < 8 {
                    site.sinks.push(sink.clone());
                }
            }
        }
    }

    /// Records that a failed verdict `v` leaves the function with an error at `s` (a `?`, a
    /// panicking unwrap, an `assert!`).
    fn record_err_exit(&mut self, v: &Verdict, s: proc_macro2::Span) {
        let (at, examined) = (self.span(s), self.pos(s));
        self.record(
            v,
            SiteSink { sink: Sink::Exits, exit: exit::ERR, at, examined, ..SiteSink::default() },
        );
    }

    // -----------------------------------------------------------------------------------
    // Verdict chains
    // -----------------------------------------------------------------------------------

    /// The verdict an expression in a sink position carries, creating its sites. Records the
    /// sinks met on the way (`?`, `unwrap`).
    fn verdict(&mut self, e: &syn::Expr, depth: usize) -> Verdict {
        if depth > 48 {
            return Verdict::default();
        }
        let d = depth + 1;
        match e {
            syn::Expr::Paren(p) => self.verdict(&p.expr, d),
            syn::Expr::Group(g) => self.verdict(&g.expr, d),
            syn::Expr::Reference(r) => self.verdict(&r.expr, d),
            syn::Expr::Await(a) => self.verdict(&a.base, d),
            syn::Expr::Field(f) => self.verdict(&f.base, d),
            syn::Expr::Cast(c) => self.verdict(&c.expr, d),
            syn::Expr::Unary(u) => match u.op {
                syn::UnOp::Not(_) => self.verdict(&u.expr, d).flip(true),
                _ => self.verdict(&u.expr, d),
            },
            syn::Expr::Try(t) => {
                let mut v = self.verdict(&t.expr, d);
                self.record_err_exit(&v, t.question_token.spans[0]);
                v.consumed = true;
                v
            }
            syn::Expr::Path(p) if p.path.segments.len() == 1 && p.qself.is_none() => {
                let id = util::path_str(&p.path);
                match self.held.get_mut(&id) {
                    Some(h) => {
                        h.examined = true;
                        h.verdict.clone()
                    }
                    None => Verdict::default(),
                }
            }
            syn::Expr::MethodCall(m) => {
                let method = m.method.to_string();
                let method = method.as_str();
                if KEEP.contains(&method) {
                    return self.verdict(&m.receiver, d);
                } else if FLIP.contains(&method) {
                    return self.verdict(&m.receiver, d).flip(true);
                } else if PANICS.contains(&method) {
                    let mut v = self.verdict(&m.receiver, d);
                    self.record_err_exit(&v, m.method.span());
                    v.consumed = true;
                    return v;
                } else if CLOSURE_VERDICT.contains(&method) {
                    let mut v = self.verdict(&m.receiver, d);
                    for a in &m.args {
                        if let syn::Expr::Closure(c) = util_peel(a) {
                            v = v.merge(self.verdict(tail_of(&c.body), d));
                        }
                    }
                    if !v.is_empty() {
                        return v;
                    }
                } else if matches!(method, "eq" | "ne") && m.args.len() == 1 {
                    let span = util::method_call_span(m);
                    let operands: Vec<&syn::Expr> =
                        std::iter::once(&*m.receiver).chain(m.args.iter()).collect();
                    if let Some(s) = self.compare_site(span, &operands) {
                        return Verdict {
                            sites: vec![s],
                            flipped: method == "ne",
                            consumed: false,
                        };
                    }
                }
                match self.call_site(calls_method_span(m)) {
                    Some(s) => Verdict { sites: vec![s], flipped: false, consumed: false },
                    None => Verdict::default(),
                }
            }
            syn::Expr::Call(c) => {
                let path = match &*c.func {
                    syn::Expr::Path(p) => util::path_str(&p.path),
                    _ => String::new(),
                };
                let last = util::last_segment(&path);
                if matches!(last, "from" | "bool") && c.args.len() == 1 {
                    if let Some(a) = c.args.first() {
                        return self.verdict(a, d);
                    }
                }
                match self.call_site(util::call_span(c)) {
                    Some(s) => Verdict { sites: vec![s], flipped: false, consumed: false },
                    None => Verdict::default(),
                }
            }
            syn::Expr::Binary(b) => match b.op {
                syn::BinOp::And(_) | syn::BinOp::Or(_) => {
                    let l = self.verdict(&b.left, d);
                    let r = self.verdict(&b.right, d);
                    if l.is_empty() || r.is_empty() || l.flipped == r.flipped {
                        let flipped = if l.is_empty() { r.flipped } else { l.flipped };
                        return Verdict { flipped, ..l.merge(r) };
                    }
                    // Mixed polarity: `present && valid` joins successes, `missing || invalid`
                    // joins failures; the operands of the other polarity are preconditions.
                    let want = matches!(b.op, syn::BinOp::Or(_));
                    let (mut keep, other) = if l.flipped == want { (l, r) } else { (r, l) };
                    keep.consumed |= other.consumed;
                    keep
                }
                syn::BinOp::Eq(_) | syn::BinOp::Ne(_) => {
                    let ne = matches!(b.op, syn::BinOp::Ne(_));
                    // `status != "SUCCESS"`, `ok == false`: a verdict compared with a constant.
                    let lit_right = is_literal(&b.right);
                    let lit_left = is_literal(&b.left);
                    if lit_right || lit_left {
                        let (other, lit) =
                            if lit_right { (&b.left, &b.right) } else { (&b.right, &b.left) };
                        let inner = self.verdict(other, d);
                        if !inner.is_empty() {
                            let falsy = is_false(lit);
                            return inner.flip(ne ^ falsy);
                        }
                    }
                    match self.compare_site(util::expr_span(e), &[&b.left, &b.right]) {
                        Some(s) => Verdict { sites: vec![s], flipped: ne, consumed: false },
                        None => Verdict::default(),
                    }
                }
                syn::BinOp::Lt(_) | syn::BinOp::Le(_) | syn::BinOp::Gt(_) | syn::BinOp::Ge(_) => {
                    match self.compare_site(util::expr_span(e), &[&b.left, &b.right]) {
                        Some(s) => Verdict { sites: vec![s], flipped: false, consumed: false },
                        None => Verdict::default(),
                    }
                }
                _ => Verdict::default(),
            },
            syn::Expr::Macro(m) => {
                let name = util::path_str(&m.mac.path);
                if util::last_segment(&name) == "matches" {
                    let args = macro_args(&m.mac);
                    if let Some(first) = args.first() {
                        // Pattern polarity is read from the macro's tokens after the comma.
                        let text = m.mac.tokens.to_string();
                        let flipped =
                            pattern_text_fails(text.split_once(',').map(|x| x.1).unwrap_or(""));
                        let first = first.clone();
                        return self.verdict(&first, d).flip(flipped);
                    }
                }
                Verdict::default()
            }
            _ => Verdict::default(),
        }
    }

    // -----------------------------------------------------------------------------------
    // The walk
    // -----------------------------------------------------------------------------------

    fn block(&mut self, b: &syn::Block, tail: Tail, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let n = b.stmts.len();
        for (i, s) in b.stmts.iter().enumerate() {
            let last = i + 1 == n;
            self.stmt(s, if last { tail } else { Tail::No }, last, depth + 1);
        }
    }

    fn stmt(&mut self, s: &syn::Stmt, tail: Tail, last: bool, depth: usize) {
        match s {
            syn::Stmt::Local(l) => self.local(l, depth),
            syn::Stmt::Expr(e, semi) => {
                if semi.is_none() && last {
                    self.expr_in(e, Ctx::Value(tail), depth);
                } else {
                    self.expr_in(e, Ctx::Statement, depth);
                }
            }
            syn::Stmt::Macro(m) => {
                let e = syn::Expr::Macro(syn::ExprMacro { attrs: Vec::new(), mac: m.mac.clone() });
                self.expr_in(&e, Ctx::Statement, depth);
            }
            syn::Stmt::Item(_) => {}
        }
    }

    /// Names a pattern binds from a value (`Some(ip)` of `match first_hop`) come from the
    /// value's names, as a `let` binding's do.
    fn bind_pattern(&mut self, pat: &syn::Pat, value: &syn::Expr) {
        let mut names = Vec::new();
        util::pat_idents(pat, &mut names, 0);
        if names.is_empty() {
            return;
        }
        let mut from = Vec::new();
        self.names_in(value, &mut from, 0);
        for n in names {
            let entry = self.origins.entry(n.clone()).or_default();
            for f in &from {
                if *f != n && !entry.contains(f) {
                    entry.push(f.clone());
                }
            }
        }
    }

    fn local(&mut self, l: &syn::Local, depth: usize) {
        let mut names = Vec::new();
        util::pat_idents(&l.pat, &mut names, 0);
        let Some(init) = &l.init else { return };
        // Names the bound value came from.
        let mut from = Vec::new();
        self.names_in(&init.expr, &mut from, 0);
        for n in &names {
            let entry = self.origins.entry(n.clone()).or_default();
            for f in &from {
                if f != n && !entry.contains(f) {
                    entry.push(f.clone());
                }
            }
        }
        if let Some((_, diverge)) = &init.diverge {
            // `let Ok(x) = verify(..) else { return .. };` / `let Some(secret) = .. else { .. }`
            let v = self.verdict(&init.expr, 0);
            let fails = pattern_fails(&l.pat);
            let out = exits::expr_out(self.cx, diverge, false);
            let at = self.span(l.let_token.span);
            let examined = self.end(util::expr_span(&init.expr));
            self.record(
                &v.clone().flip(fails),
                SiteSink {
                    sink: Sink::Exits,
                    exit: out.exit | (exit::ERR * u8::from(out.exit == 0)),
                    logged: out.logged,
                    at: at.clone(),
                    examined,
                    ..SiteSink::default()
                },
            );
            // A required value: what the function does without it.
            if is_presence_pattern(&l.pat) {
                let mut pnames = names.clone();
                if let Some(last) = last_name(&init.expr) {
                    pnames.push(last);
                }
                let idx = self.presences.len() as u32;
                self.presences.push(Presence {
                    names: pnames,
                    span: at,
                    absent: Sink::Exits,
                    exit: out.exit,
                    after: 0,
                });
                self.skips.push(idx);
            }
            self.expr_in(&init.expr, Ctx::Other, depth + 1);
            self.expr_in(diverge, Ctx::Other, depth + 1);
            return;
        }
        if matches!(&l.pat, syn::Pat::Wild(_)) {
            // `let _ = verify(..);`
            let v = self.verdict(&init.expr, 0);
            let at = self.span(l.let_token.span);
            let examined = self.pos(l.let_token.span);
            if !v.consumed {
                self.record(
                    &v,
                    SiteSink { sink: Sink::Discarded, at, examined, ..SiteSink::default() },
                );
            }
            self.expr_in(&init.expr, Ctx::Other, depth + 1);
            return;
        }
        let v = self.verdict(&init.expr, 0);
        if !v.is_empty() && !v.consumed {
            if let Some(first) = names.first() {
                self.held.insert(first.clone(), Held { verdict: v, examined: false });
            }
        }
        self.expr_in(&init.expr, Ctx::Other, depth + 1);
    }

    fn expr_in(&mut self, e: &syn::Expr, ctx: Ctx, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let d = depth + 1;
        match e {
            syn::Expr::If(i) => self.if_expr(i, ctx, d),
            syn::Expr::Match(m) => self.match_expr(m, ctx, d),
            syn::Expr::Return(r) => {
                if let Some(v) = &r.expr {
                    let bits = classify_exit(self.cx, v);
                    self.exits |= bits;
                    self.returned(v, d);
                    self.expr_in(v, Ctx::Other, d);
                }
            }
            syn::Expr::Block(b) => self.block(&b.block, ctx.tail(), d),
            syn::Expr::Unsafe(b) => self.block(&b.block, ctx.tail(), d),
            syn::Expr::Async(a) => self.block(&a.block, ctx.tail(), d),
            syn::Expr::Closure(c) => {
                // A closure's body is its own function as far as exits go; only a few closures
                // matter (a warp `and_then` handler, a verdict in `is_some_and`).
                self.expr_in(&c.body, Ctx::Other, d);
            }
            syn::Expr::Let(l) => self.expr_in(&l.expr, Ctx::Other, d),
            syn::Expr::Macro(m) => self.macro_expr(m, ctx, d),
            _ => {
                match ctx {
                    Ctx::Value(Tail::Fn) => {
                        let bits = classify_exit(self.cx, e);
                        self.exits |= bits;
                        self.returned(e, d);
                    }
                    Ctx::Statement
                        // `verify(..);` / `verify(..).ok();`
                        if !matches!(e, syn::Expr::Assign(_)) => {
                            let v = self.verdict(e, 0);
                            if !v.consumed {
                                let at = self.span(util::expr_span(e));
                                let examined = self.pos(util::expr_span(e));
                                self.record(
                                    &v,
                                    SiteSink {
                                        sink: Sink::Discarded,
                                        at,
                                        examined,
                                        ..SiteSink::default()
                                    },
                                );
                            }
                        }
                    _ => {}
                }
                self.children(e, d);
            }
        }
    }

    /// A value returned by the function: a verdict in it is the function's verdict.
    fn returned(&mut self, e: &syn::Expr, depth: usize) {
        // `Ok(mac.verify_slice(..).is_ok())`, `Some(valid)`: the verdict wrapped for the caller.
        let inner = match util::peel_expr(e) {
            syn::Expr::Call(c)
                if c.args.len() == 1
                    && matches!(&*c.func, syn::Expr::Path(p) if matches!(util::last_segment(&util::path_str(&p.path)), "Ok" | "Some")) =>
            {
                c.args.first().unwrap_or(e)
            }
            _ => e,
        };
        let v = self.verdict(inner, depth);
        if v.consumed || v.is_empty() {
            return;
        }
        let whole = util::expr_span(e);
        let (at, examined) = (self.span(whole), self.pos(whole));
        self.record(&v, SiteSink { sink: Sink::Returned, at, examined, ..SiteSink::default() });
    }

    /// Walks the sub-expressions of an expression that is not a sink itself.
    fn children(&mut self, e: &syn::Expr, d: usize) {
        match e {
            syn::Expr::Call(c) => {
                self.spawn(c);
                self.expr_in(&c.func, Ctx::Other, d);
                for a in &c.args {
                    self.expr_in(a, Ctx::Other, d);
                }
            }
            syn::Expr::MethodCall(m) => {
                self.expr_in(&m.receiver, Ctx::Other, d);
                for a in &m.args {
                    self.expr_in(a, Ctx::Other, d);
                }
            }
            syn::Expr::Binary(b) => {
                self.expr_in(&b.left, Ctx::Other, d);
                self.expr_in(&b.right, Ctx::Other, d);
            }
            syn::Expr::Unary(u) => self.expr_in(&u.expr, Ctx::Other, d),
            syn::Expr::Paren(p) => self.expr_in(&p.expr, Ctx::Other, d),
            syn::Expr::Group(g) => self.expr_in(&g.expr, Ctx::Other, d),
            syn::Expr::Reference(r) => self.expr_in(&r.expr, Ctx::Other, d),
            syn::Expr::Try(t) => {
                let v = self.verdict(&t.expr, 0);
                let _ = v;
                self.expr_in(&t.expr, Ctx::Other, d)
            }
            syn::Expr::Await(a) => self.expr_in(&a.base, Ctx::Other, d),
            syn::Expr::Field(f) => self.expr_in(&f.base, Ctx::Other, d),
            syn::Expr::Index(i) => {
                self.expr_in(&i.expr, Ctx::Other, d);
                self.expr_in(&i.index, Ctx::Other, d);
            }
            syn::Expr::Cast(c) => self.expr_in(&c.expr, Ctx::Other, d),
            syn::Expr::Assign(a) => {
                self.expr_in(&a.left, Ctx::Other, d);
                self.expr_in(&a.right, Ctx::Other, d);
            }
            syn::Expr::Tuple(t) => t.elems.iter().for_each(|x| self.expr_in(x, Ctx::Other, d)),
            syn::Expr::Array(t) => t.elems.iter().for_each(|x| self.expr_in(x, Ctx::Other, d)),
            syn::Expr::Struct(s) => {
                s.fields.iter().for_each(|f| self.expr_in(&f.expr, Ctx::Other, d))
            }
            syn::Expr::While(w) => {
                self.expr_in(&w.cond, Ctx::Other, d);
                self.block(&w.body, Tail::No, d);
            }
            syn::Expr::ForLoop(f) => {
                self.expr_in(&f.expr, Ctx::Other, d);
                self.block(&f.body, Tail::No, d);
            }
            syn::Expr::Loop(l) => self.block(&l.body, Tail::No, d),
            syn::Expr::Range(r) => {
                if let Some(x) = &r.start {
                    self.expr_in(x, Ctx::Other, d);
                }
                if let Some(x) = &r.end {
                    self.expr_in(x, Ctx::Other, d);
                }
            }
            syn::Expr::Break(b) => {
                if let Some(x) = &b.expr {
                    self.expr_in(x, Ctx::Other, d);
                }
            }
            _ => {}
        }
    }

    /// `tokio::spawn(..)` and friends: work started by the function.
    fn spawn(&mut self, c: &syn::ExprCall) {
        let syn::Expr::Path(p) = &*c.func else { return };
        let written = util::path_str(&p.path);
        let path = self.cx.resolve(&written, "");
        let name = util::last_segment(&written);
        if !self.cx.k.matchers().spawn_calls.matches(name, &path) {
            return;
        }
        let mut names = Vec::new();
        for a in &c.args {
            self.names_in(a, &mut names, 0);
        }
        let expanded = self.expand(&names);
        let request = expanded.iter().any(|n| self.params.contains(n));
        let span = util::call_span(c);
        self.spawns.push(Spawn { at: self.pos(span), span: self.span(span), request });
    }

    fn macro_expr(&mut self, m: &syn::ExprMacro, ctx: Ctx, d: usize) {
        let path = util::path_str(&m.mac.path);
        let name = util::last_segment(&path);
        let args = macro_args(&m.mac);
        if matches!(name, "assert" | "ensure" | "debug_assert") {
            if let Some(first) = args.first() {
                let v = self.verdict(first, 0);
                self.record_err_exit(&v, m.mac.path.span());
            }
        } else if name == "matches" && matches!(ctx, Ctx::Value(Tail::Fn)) {
            self.returned(&syn::Expr::Macro(m.clone()), d);
        }
        for a in &args {
            self.expr_in(a, Ctx::Other, d);
        }
    }

    fn if_expr(&mut self, i: &syn::ExprIf, ctx: Ctx, d: usize) {
        let whole_end = self.end(util::if_span(i));
        let tail = ctx.tail() == Tail::Fn;
        // The verdict and which branch is the failing one.
        let (v, fail_then) = match &*i.cond {
            syn::Expr::Let(l) => {
                self.bind_pattern(&l.pat, &l.expr);
                let v = self.verdict(&l.expr, 0);
                let fails = pattern_fails(&l.pat) ^ v.flipped;
                (v, fails)
            }
            cond => {
                let v = self.verdict(cond, 0);
                let flipped = v.flipped;
                (v, flipped)
            }
        };
        let cond_span = i.if_token.span;
        if !v.is_empty() {
            let at = self.span(cond_span);
            let examined = self.end(util::expr_span(&i.cond));
            let sink = if fail_then {
                self.branch_sink(
                    &i.then_branch,
                    self.span_of_block(&i.then_branch),
                    tail,
                    whole_end,
                )
            } else {
                match &i.else_branch {
                    Some((_, el)) => self.else_sink(el, tail, whole_end),
                    None if tail => SiteSink { sink: Sink::Exits, ..SiteSink::default() },
                    None => SiteSink {
                        sink: Sink::Proceeds,
                        branch: (whole_end, whole_end),
                        after: whole_end,
                        ..SiteSink::default()
                    },
                }
            };
            let v = Verdict { sites: v.sites, ..Verdict::default() };
            // `if ok { verified = true; }` (or `if !ok { verified = false; }`) with no other
            // branch: the verdict moves into the flag, examined where the flag is.
            match flag_assignment(&i.then_branch, !fail_then).filter(|_| i.else_branch.is_none()) {
                Some(flag) => {
                    let held = self
                        .held
                        .entry(flag)
                        .or_insert(Held { verdict: Verdict::default(), examined: false });
                    held.verdict = std::mem::take(&mut held.verdict).merge(v);
                    held.verdict.flipped = false;
                }
                None => self.record(&v, SiteSink { at, examined, ..sink }),
            }
        }
        // Presence tests: `if let Some(secret) = ..`, `if !secret.is_empty()`, `if x.is_some()`.
        let presence = self.presence_test(&i.cond);
        match &*i.cond {
            syn::Expr::Let(l) => self.expr_in(&l.expr, Ctx::Other, d),
            c => self.expr_in(c, Ctx::Other, d),
        }
        match presence {
            Some((names, present_is_then)) => {
                let (present, absent): (Option<&syn::Block>, Option<&syn::Expr>) =
                    if present_is_then {
                        (Some(&i.then_branch), i.else_branch.as_ref().map(|(_, e)| &**e))
                    } else {
                        (None, None)
                    };
                let test_span = self.span(
                    i.if_token.span.join(util::expr_span(&i.cond)).unwrap_or(i.if_token.span),
                );
                if present_is_then {
                    let (absent_sink, exit, after) = match absent {
                        Some(el) => {
                            let s = self.else_sink(el, tail, whole_end);
                            (s.sink, s.exit, s.after)
                        }
                        None if tail => (Sink::Exits, 0, 0),
                        None => (Sink::Proceeds, 0, whole_end),
                    };
                    let idx = self.presences.len() as u32;
                    self.presences.push(Presence {
                        names,
                        span: test_span,
                        absent: absent_sink,
                        exit,
                        after,
                    });
                    self.active.push(ActivePresence { index: idx });
                    if let Some(b) = present {
                        self.block(b, ctx.tail(), d);
                    }
                    self.active.pop();
                    if let Some((_, el)) = &i.else_branch {
                        self.expr_in(el, Ctx::Value(ctx.tail()), d);
                    }
                } else {
                    // `if secret.is_empty() { .. }`: the then-branch is the path without it.
                    let out = exits::block_out(self.cx, &i.then_branch, tail);
                    let idx = self.presences.len() as u32;
                    self.presences.push(Presence {
                        names,
                        span: test_span,
                        absent: if out.exits { Sink::Exits } else { Sink::Proceeds },
                        exit: out.exit,
                        after: whole_end,
                    });
                    self.block(&i.then_branch, ctx.tail(), d);
                    if let Some((_, el)) = &i.else_branch {
                        self.active.push(ActivePresence { index: idx });
                        self.expr_in(el, Ctx::Value(ctx.tail()), d);
                        self.active.pop();
                    } else if out.exits {
                        // The rest of the block runs only when the value is there.
                        self.skips.push(idx);
                    }
                }
            }
            None => {
                self.block(&i.then_branch, ctx.tail(), d);
                if let Some((_, el)) = &i.else_branch {
                    self.expr_in(el, Ctx::Value(ctx.tail()), d);
                }
            }
        }
    }

    fn span_of_block(&self, b: &syn::Block) -> (Pos, Pos) {
        let s = b.brace_token.span.join();
        (self.pos(s), self.end(s))
    }

    fn branch_sink(&self, b: &syn::Block, region: (Pos, Pos), tail: bool, after: Pos) -> SiteSink {
        sink_of(exits::block_out(self.cx, b, tail), region, after)
    }

    fn else_sink(&self, el: &syn::Expr, tail: bool, after: Pos) -> SiteSink {
        match el {
            syn::Expr::Block(b) => {
                self.branch_sink(&b.block, self.span_of_block(&b.block), tail, after)
            }
            // `else if ..` exits only when every branch does; `expr_out` reads it that way.
            _ => self.arm_sink(el, tail, after),
        }
    }

    /// A test of whether a value is there: its names, and whether the then-branch is the path
    /// with the value (`if let Some(x)`, `!x.is_empty()`, `x.is_some()`) or without it.
    fn presence_test(&self, cond: &syn::Expr) -> Option<(Vec<String>, bool)> {
        match cond {
            syn::Expr::Let(l) if is_presence_pattern(&l.pat) => {
                let mut names = Vec::new();
                util::pat_idents(&l.pat, &mut names, 0);
                if let Some(last) = last_name(&l.expr) {
                    names.push(last);
                }
                (!names.is_empty()).then_some((names, true))
            }
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
                self.presence_test(&u.expr).map(|(n, then)| (n, !then))
            }
            syn::Expr::Paren(p) => self.presence_test(&p.expr),
            syn::Expr::MethodCall(m) if m.args.is_empty() => {
                let present_then = match m.method.to_string().as_str() {
                    "is_some" | "is_ok" => true,
                    "is_none" | "is_empty" | "is_err" => false,
                    _ => return None,
                };
                let names = last_name(&m.receiver).into_iter().collect::<Vec<_>>();
                (!names.is_empty()).then_some((names, present_then))
            }
            _ => None,
        }
    }

    fn match_expr(&mut self, m: &syn::ExprMatch, ctx: Ctx, d: usize) {
        let whole_end = self.end(util::match_span(m));
        let tail = ctx.tail() == Tail::Fn;
        let v = self.verdict(&m.expr, 0);
        for arm in &m.arms {
            self.bind_pattern(arm_pat(arm), &m.expr);
        }
        let at = self.span(m.match_token.span);
        let examined = self.end(util::expr_span(&m.expr));
        if !v.is_empty() {
            // Failing arms: patterns that fail (`Err(_)`, `None`, `false`, `Ok(false)`), and
            // a catch-all when another arm succeeds.
            let classes: Vec<Option<bool>> =
                m.arms.iter().map(|a| pattern_class(arm_pat(a))).collect();
            let any_success = classes.contains(&Some(false));
            let any_fail = classes.contains(&Some(true));
            let mut sink: Option<SiteSink> = None;
            for (arm, class) in m.arms.iter().zip(&classes) {
                let fails = match class {
                    Some(f) => *f ^ v.flipped,
                    None => any_success && !any_fail,
                };
                if !fails {
                    continue;
                }
                let s = self.arm_sink(&arm.body, tail, whole_end);
                sink = Some(match sink {
                    None => s,
                    Some(prev) => worse(prev, s),
                });
            }
            if let Some(s) = sink {
                let v = Verdict { sites: v.sites.clone(), ..Verdict::default() };
                self.record(&v, SiteSink { at: at.clone(), examined, ..s });
            }
        }
        self.expr_in(&m.expr, Ctx::Other, d);
        // Presence: `match secret { Some(s) => .., None => .. }`.
        let scrutinee_name = last_name(&m.expr);
        for (i, arm) in m.arms.iter().enumerate() {
            if let Some(g) = arm_guard(arm) {
                // `Some(uuid) if uuid == ID => Ok(..), _ => Err(..)`: the guard is a verdict
                // whose failure falls to the later arms.
                let gv = self.verdict(g, 0);
                if !gv.is_empty() {
                    let later: Vec<&syn::Arm> = m.arms.iter().skip(i + 1).collect();
                    let mut sink: Option<SiteSink> = None;
                    for a in later {
                        let s = self.arm_sink(&a.body, tail, whole_end);
                        sink = Some(match sink {
                            None => s,
                            Some(prev) => worse(prev, s),
                        });
                    }
                    let s = sink.unwrap_or(SiteSink {
                        sink: Sink::Proceeds,
                        after: whole_end,
                        branch: (whole_end, whole_end),
                        ..SiteSink::default()
                    });
                    let gv = Verdict { sites: gv.sites, ..Verdict::default() };
                    let gspan = util::expr_span(g);
                    let gat = self.span(gspan);
                    let gex = self.pos(gspan);
                    self.record(&gv, SiteSink { at: gat, examined: gex, ..s });
                }
                self.expr_in(g, Ctx::Other, d);
            }
            let present_arm =
                pattern_class(arm_pat(arm)) == Some(false) && is_presence_pattern(arm_pat(arm));
            if present_arm && scrutinee_name.is_some() {
                let mut names = Vec::new();
                util::pat_idents(arm_pat(arm), &mut names, 0);
                names.extend(scrutinee_name.clone());
                // What the other arms do.
                let mut absent: Option<SiteSink> = None;
                for (j, other) in m.arms.iter().enumerate() {
                    if j == i {
                        continue;
                    }
                    let s = self.arm_sink(&other.body, tail, whole_end);
                    absent = Some(match absent {
                        None => s,
                        Some(prev) => worse(prev, s),
                    });
                }
                let absent =
                    absent.unwrap_or(SiteSink { sink: Sink::Exits, ..SiteSink::default() });
                let idx = self.presences.len() as u32;
                self.presences.push(Presence {
                    names,
                    span: self.span(
                        m.match_token
                            .span
                            .join(util::expr_span(&m.expr))
                            .unwrap_or(m.match_token.span),
                    ),
                    absent: absent.sink,
                    exit: absent.exit,
                    after: absent.after,
                });
                self.active.push(ActivePresence { index: idx });
                self.expr_in(&arm.body, Ctx::Value(ctx.tail()), d);
                self.active.pop();
            } else {
                self.expr_in(&arm.body, Ctx::Value(ctx.tail()), d);
            }
        }
    }

    fn arm_sink(&self, body: &syn::Expr, tail: bool, after: Pos) -> SiteSink {
        let s = util::expr_span(body);
        sink_of(exits::expr_out(self.cx, body, tail), (self.pos(s), self.end(s)), after)
    }
}

/// Where a branch that runs `region` leads: out of the function, or on to `after`.
fn sink_of(out: exits::Out, region: (Pos, Pos), after: Pos) -> SiteSink {
    if out.exits {
        SiteSink { sink: Sink::Exits, exit: out.exit, logged: out.logged, ..SiteSink::default() }
    } else {
        SiteSink {
            sink: Sink::Proceeds,
            logged: out.logged,
            branch: region,
            after,
            ..SiteSink::default()
        }
    }
}

/// Of two failing paths, the one that lets more through: `Proceeds` over `Exits`, an accepting
/// exit over a rejecting one.
fn worse(a: SiteSink, b: SiteSink) -> SiteSink {
    let rank = |s: &SiteSink| match s.sink {
        Sink::Proceeds => 3,
        Sink::Exits
            if s.exit & (exit::OK | exit::PASS) != 0
                && s.exit & (exit::ERR | exit::STATUS_ERR) == 0 =>
        {
            2
        }
        Sink::Exits => 1,
        _ => 0,
    };
    let logged = a.logged || b.logged;
    let mut w = if rank(&b) > rank(&a) { b } else { a };
    w.logged = logged;
    w
}

#[derive(Clone, Copy)]
enum Ctx {
    /// The value of a block's last expression (`Tail::Fn` when it is the function's).
    Value(Tail),
    /// An expression statement: its value is thrown away.
    Statement,
    /// Anything else.
    Other,
}

impl Ctx {
    fn tail(self) -> Tail {
        match self {
            Ctx::Value(t) => t,
            _ => Tail::No,
        }
    }
}

/// A match arm's pattern without its guard.
fn arm_pat(a: &syn::Arm) -> &syn::Pat {
    match &a.pat {
        syn::Pat::Guard(g) => &g.pat,
        p => p,
    }
}

fn arm_guard(a: &syn::Arm) -> Option<&syn::Expr> {
    match &a.pat {
        syn::Pat::Guard(g) => Some(&g.guard),
        _ => None,
    }
}

/// The span `FnVisitor` records for a method call: method name to closing parenthesis.
fn calls_method_span(m: &syn::ExprMethodCall) -> proc_macro2::Span {
    m.method.span().join(m.paren_token.span.close()).unwrap_or_else(|| m.method.span())
}

fn util_peel(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => util_peel(&p.expr),
        syn::Expr::Group(g) => util_peel(&g.expr),
        syn::Expr::Reference(r) => util_peel(&r.expr),
        _ => e,
    }
}

/// The value expression of a closure body (`|t| t == s`, `|t| { ..; t == s }`).
fn tail_of(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Block(b) => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(x, None)) => tail_of(x),
            _ => e,
        },
        syn::Expr::Async(a) => match a.block.stmts.last() {
            Some(syn::Stmt::Expr(x, None)) => tail_of(x),
            _ => e,
        },
        _ => e,
    }
}

fn is_literal(e: &syn::Expr) -> bool {
    matches!(util_peel(e), syn::Expr::Lit(_))
}

/// A branch that sets a boolean flag, `verified = true;` when `success` (the branch runs when
/// the verdict holds) or `verified = false;` otherwise: the flag's name.
fn flag_assignment(b: &syn::Block, success: bool) -> Option<String> {
    b.stmts.iter().find_map(|s| match s {
        syn::Stmt::Expr(syn::Expr::Assign(a), _) => match (util_peel(&a.left), util_peel(&a.right))
        {
            (syn::Expr::Path(p), syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(v), .. }))
                if p.path.segments.len() == 1 && v.value == success =>
            {
                Some(util::path_str(&p.path))
            }
            _ => None,
        },
        _ => None,
    })
}

fn is_false(e: &syn::Expr) -> bool {
    matches!(util_peel(e), syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }) if !b.value)
}

/// The last name of a tested value: `secret`, `self.secret` -> `secret`, `cfg.webhook_secret`
/// -> `webhook_secret`, `env::var("X")` -> none.
fn last_name(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) if p.path.segments.len() == 1 => {
            let id = util::path_str(&p.path);
            (id != "self").then_some(id)
        }
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(n.to_string()),
            syn::Member::Unnamed(_) => last_name(&f.base),
        },
        syn::Expr::Reference(r) => last_name(&r.expr),
        syn::Expr::Paren(p) => last_name(&p.expr),
        syn::Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "as_ref"
                    | "as_deref"
                    | "clone"
                    | "as_str"
                    | "trim"
                    | "to_owned"
                    | "to_string"
                    | "as_bytes"
                    | "ok"
            ) =>
        {
            last_name(&m.receiver)
        }
        _ => None,
    }
}

/// `Some(x)`, `Ok(x)`: a pattern that binds a value which is there.
fn is_presence_pattern(p: &syn::Pat) -> bool {
    match p {
        syn::Pat::TupleStruct(t) => {
            let last = t.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            matches!(last.as_str(), "Some" | "Ok") && {
                let mut n = Vec::new();
                util::pat_idents(p, &mut n, 0);
                !n.is_empty()
            }
        }
        syn::Pat::Reference(r) => is_presence_pattern(&r.pat),
        _ => false,
    }
}

/// `Some(true)` if a pattern matches a failed verdict (`Err(_)`, `None`, `false`,
/// `Ok(false)`), `Some(false)` if it matches a success (`Ok(_)`, `Some(_)`, `true`), `None`
/// for a catch-all or anything else.
fn pattern_class(p: &syn::Pat) -> Option<bool> {
    match p {
        syn::Pat::TupleStruct(t) => {
            let last = t.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            match last.as_str() {
                "Err" => Some(true),
                "Ok" | "Some" => {
                    // `Ok(false)` fails, `Ok(true)` / `Ok(_)` succeed.
                    match t.elems.first() {
                        Some(syn::Pat::Lit(l)) => match &l.lit {
                            syn::Lit::Bool(b) => Some(!b.value),
                            _ => Some(false),
                        },
                        _ => Some(false),
                    }
                }
                _ => None,
            }
        }
        syn::Pat::Path(pp) => {
            let last = pp.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            match last.as_str() {
                "None" => Some(true),
                _ => None,
            }
        }
        syn::Pat::Ident(i) if i.ident == "None" => Some(true),
        syn::Pat::Lit(l) => match &l.lit {
            syn::Lit::Bool(b) => Some(!b.value),
            _ => None,
        },
        syn::Pat::Or(o) => {
            let cs: Vec<Option<bool>> = o.cases.iter().map(pattern_class).collect();
            if cs.contains(&Some(true)) {
                Some(true)
            } else if cs.iter().all(|c| *c == Some(false)) {
                Some(false)
            } else {
                None
            }
        }
        syn::Pat::Reference(r) => pattern_class(&r.pat),
        syn::Pat::Paren(pp) => pattern_class(&pp.pat),
        _ => None,
    }
}

/// For `if let PAT = v` / `let PAT = v else`: the then-branch (or the rest) is the failure path.
fn pattern_fails(p: &syn::Pat) -> bool {
    pattern_class(p) == Some(true)
}

/// Polarity of a `matches!` pattern given as text.
fn pattern_text_fails(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("Err") || t.starts_with("None") || t.starts_with("false")
}

/// Identifiers of an expression text (for call receivers and arguments).
fn text_idents(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_') && *w != "self")
}

/// A macro body parsed as comma-separated expressions (never expanded).
fn macro_args(mac: &syn::Macro) -> Vec<syn::Expr> {
    mac.parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .map(|p| p.into_iter().collect())
        .unwrap_or_default()
}
