//! The value of each kind of expression (see `crate::provenance`): names, fields, closures,
//! assignments and patterns, and where a call's result comes from.
//!
//! How values flow is decided here, in Rust; which calls and types start a value of a kind
//! (a secret, a MAC, a store read) is knowledge from `policies/knowledge.yaml`.

use hooklint_model::flow::{FieldRoot, ParamSlot};
use hooklint_model::{Param, SharedStr};

use super::FnVisitor;
use crate::extract::FileCx;
use crate::provenance::build::{FlowVal, WorkCall, WorkStore, WorkTarget};
use crate::provenance::kinds;
use crate::provenance::scope::Local;
use crate::provenance::shape::shape;
use crate::util;
use hooklint_model::names::CallList;
use syn::spanned::Spanned;

/// Methods whose closure's result is the call's result (`opt.map(|v| v.len())`): the receiver
/// reaches the result only through the closure.
const MAP_LIKE: &[&str] = &[
    "map",
    "and_then",
    "filter_map",
    "flat_map",
    "map_or",
    "map_or_else",
    "then",
    "find_map",
    "map_ok",
    "and_then_async",
];

/// Methods that look something up by their arguments: the result comes from the receiver,
/// never from the key (`headers.get("x-signature")` is not the literal `"x-signature"`).
const LOOKUP: &[&str] = &[
    "get",
    "get_mut",
    "get_all",
    "get_one",
    "get_key_value",
    "get_raw",
    "get_str",
    "header",
    "typed_get",
    "remove",
    "entry",
    "find",
    "rfind",
    "split",
    "splitn",
    "rsplit",
    "rsplitn",
    "split_once",
    "rsplit_once",
    "split_terminator",
    "strip_prefix",
    "strip_suffix",
    "trim_start_matches",
    "trim_end_matches",
    "trim_matches",
    "index",
    "param",
    "query",
    "nth",
    "skip",
    "take",
    "step_by",
    "get_or",
    "cookie",
    "extension",
];

/// Methods that change their receiver to hold their arguments (`buf.push_str(x)`).
const MUTATING: &[&str] = &[
    "push",
    "push_str",
    "push_back",
    "push_front",
    "extend",
    "extend_from_slice",
    "append",
    "insert",
    "update",
    "input",
    "write",
    "write_all",
    "write_str",
    "write_fmt",
    "set",
];

/// Methods that initialise a `static` cell (`CONFIG.set(cfg)`, `KEY.get_or_init(|| ..)`).
const STATIC_STORES: &[&str] =
    &["set", "get_or_init", "get_or_try_init", "replace", "store", "swap", "init"];

/// Conversions passed by path to a map-like method (`.map(String::from)`): the result is the
/// input in another type.
const CONVERSIONS: &[&str] =
    &["from", "into", "to_string", "to_owned", "clone", "as_str", "as_bytes", "from_utf8"];

/// Reads that fill the buffer passed as their first argument (`&mut buf`).
const FILLS: &[&str] =
    &["read_to_string", "read_to_end", "read_exact", "read_line", "read_buf", "read"];

/// Methods that take the error out of a `Result`: an error is not the secret the failed call
/// received.
const ERROR_OF: &[&str] = &["err", "unwrap_err", "expect_err"];

/// Methods on `Result`/`Option` whose closure receives the error, not the value.
const ERROR_CLOSURE: &[&str] = &["map_err", "or_else", "unwrap_or_else", "inspect_err"];

/// Standard-library methods whose flow is known: never resolved to a project function.
const STD_FLOW: &[&str] = &[
    "clone",
    "cloned",
    "copied",
    "to_string",
    "to_owned",
    "into",
    "try_into",
    "as_ref",
    "as_mut",
    "as_str",
    "as_bytes",
    "to_vec",
    "into_bytes",
    "as_slice",
    "trim",
    "trim_start",
    "trim_end",
    "to_lowercase",
    "to_uppercase",
    "to_ascii_lowercase",
    "to_ascii_uppercase",
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "ok",
    "ok_or",
    "ok_or_else",
    "or",
    "or_else",
    "map_err",
    "as_deref",
    "as_deref_mut",
    "iter",
    "iter_mut",
    "into_iter",
    "collect",
    "chars",
    "bytes",
    "lines",
    "to_str",
    "to_string_lossy",
    "parse",
    "filter",
    "fold",
    "rev",
    "zip",
    "chain",
    "enumerate",
    "next",
    "last",
    "first",
    "borrow",
    "borrow_mut",
    "lock",
    "read",
    "deref",
    "into_owned",
    "join",
    "concat",
    "replace",
    "encode",
    "decode",
    "into_inner",
    "inspect",
    "take_while",
    "skip_while",
    "flatten",
    "values",
    "keys",
    "to_vec",
    "as_deref",
    "with_context",
    "context",
    "wrap_err",
];

/// Path calls that wrap or convert their argument.
const WRAPPERS: &[&str] = &[
    "Some",
    "Ok",
    "Err",
    "Box::new",
    "Arc::new",
    "Rc::new",
    "Cow::from",
    "Cow::Borrowed",
    "Cow::Owned",
    "String::from",
    "Vec::from",
    "Cell::new",
    "RefCell::new",
    "Mutex::new",
    "RwLock::new",
];

impl FnVisitor<'_, '_> {
    /// A name: a local or parameter in scope, or a `const`/`static` by path.
    pub(super) fn path_value(&mut self, p: &syn::ExprPath) -> FlowVal {
        if p.qself.is_some() {
            return FlowVal::new();
        }
        let written = util::path_str(&p.path);
        if p.path.segments.len() == 1 {
            if let Some(l) = self.scopes.get(&written) {
                return l.val.clone();
            }
            if is_const_name(&written) {
                let path = self.cx.resolve(&written, &self.self_type);
                return self.fb.global(&path);
            }
            return FlowVal::new();
        }
        let last = util::last_segment(&written);
        if last.chars().next().is_some_and(char::is_uppercase) {
            let path = self.cx.resolve(&written, &self.self_type);
            return self.fb.global(&path);
        }
        FlowVal::new()
    }

    /// The root and field names of `a.b.c` when `a` is a parameter, a typed local or a global.
    fn field_root(&self, f: &syn::ExprField) -> Option<(FieldRoot, Vec<SharedStr>)> {
        let mut path = vec![member(&f.member)];
        let mut base = &*f.base;
        loop {
            match base {
                syn::Expr::Field(inner) => {
                    path.push(member(&inner.member));
                    base = &inner.base;
                }
                syn::Expr::Paren(p) => base = &p.expr,
                syn::Expr::Group(g) => base = &g.expr,
                _ => break,
            }
            if path.len() > 8 {
                return None;
            }
        }
        path.reverse();
        let syn::Expr::Path(p) = base else { return None };
        if p.path.segments.len() != 1 || p.qself.is_some() {
            return None;
        }
        let name = util::path_str(&p.path);
        if let Some(slot) = self.param_slot_of(&name) {
            return Some((FieldRoot::Param(slot), path));
        }
        if let Some(ty) = self.var_types.get(&name) {
            return Some((FieldRoot::Type(SharedStr::from(util::last_segment(ty))), path));
        }
        if self.scopes.get(&name).is_none() && is_const_name(&name) {
            let g = self.cx.resolve(&name, &self.self_type);
            return Some((FieldRoot::Global(SharedStr::from(g)), path));
        }
        None
    }

    /// The slot of a parameter read by name, when the name still holds the parameter.
    fn param_slot_of(&self, name: &str) -> Option<u16> {
        let slot = self.slots.iter().position(|s| s == name)? as u16;
        let l = self.scopes.get(name)?;
        let atom = l.val.first().and_then(|&n| self.fb.atom(n));
        (l.val.len() == 1 && atom == Some(hooklint_model::flow::Atom::Param(slot))).then_some(slot)
    }

    /// `base.field`: the field of a known root, resolved by the project index against the
    /// project's structs (falling back to the base's own value); else the base's value.
    pub(super) fn field_value(&mut self, f: &syn::ExprField, base: FlowVal) -> FlowVal {
        // A field of application state read through a local (`config.api_key` after
        // `let config = req.rocket().state::<Config>()`) is named by its path.
        let state = self.fb.state_nodes(&base);
        let mut out = match self.field_root(f) {
            Some((root, path)) => {
                let fallback = self.fb.without_nodes(&base, &state);
                self.fb.field(root, path, fallback)
            }
            None => self.fb.without_nodes(&base, &state),
        };
        if !state.is_empty() {
            let dotted = shape(&syn::Expr::Field(f.clone()));
            let v =
                self.fb.source(kinds::SECRET, "state", dotted, self.cx.src.span(f.member.span()));
            self.fb.union_into(&mut out, &v);
        }
        out
    }

    /// A closure's value is what its body returns; its params are bound to what the method it
    /// is passed to hands it, or to local slots when it is bound to a name.
    pub(super) fn closure_value(&mut self, c: &syn::ExprClosure) -> FlowVal {
        let named = std::mem::take(&mut self.name_closure);
        let given = self.closure_params.take();
        self.scopes.push();
        self.ret.push(FlowVal::new());
        let mut slots = Vec::new();
        for (i, input) in c.inputs.iter().enumerate() {
            let v = if named {
                let (slot, v) = self.fb.local();
                slots.push(slot);
                v
            } else {
                given.as_ref().and_then(|g| g.get(i).or(g.last())).cloned().unwrap_or_default()
            };
            self.bind_pattern(input, &v, "closure param");
        }
        let body = self.eval(&c.body);
        let returned = self.ret.pop().unwrap_or_default();
        self.scopes.pop();
        if named {
            self.closure_slots = Some(slots);
        }
        self.fb.union(&[body, returned])
    }

    /// `lhs = v` (or `lhs += v`): a local holds both its old and its new values; a field of a
    /// known root is a store the index reads back.
    pub(super) fn assign(&mut self, lhs: &syn::Expr, v: &FlowVal) {
        if v.is_empty() {
            return;
        }
        match util::peel_expr(lhs) {
            syn::Expr::Unary(u) => self.assign(&u.expr, v),
            syn::Expr::Index(i) => self.assign(&i.expr, v),
            syn::Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = util::path_str(&p.path);
                if let Some(l) = self.scopes.get_mut(&name) {
                    self.fb.union_into(&mut l.val, v);
                }
            }
            syn::Expr::Field(f) => {
                if let Some((root, path)) = self.field_root(f) {
                    let target = WorkTarget::FieldOf { root, path };
                    self.fb.flow.stores.push(WorkStore { target, val: v.clone() });
                }
            }
            _ => {}
        }
    }

    /// `T { field: v }`.
    pub(super) fn store_field(&mut self, ty: &str, field: &str, v: &FlowVal) {
        if v.is_empty() || ty.is_empty() {
            return;
        }
        let target = WorkTarget::Field { ty: ty.to_string(), field: SharedStr::from(field) };
        self.fb.flow.stores.push(WorkStore { target, val: v.clone() });
    }

    /// Binds the names of a pattern matched against a value of `v`. `Err(e)` binds the error,
    /// which carries nothing of the value; `T { f, .. }` binds each field of `T`.
    pub(super) fn bind_pattern(&mut self, pat: &syn::Pat, v: &FlowVal, how: &str) {
        self.bind_pat(pat, v, how, 0);
    }

    fn bind_pat(&mut self, pat: &syn::Pat, v: &FlowVal, how: &str, depth: usize) {
        if depth > 32 {
            return;
        }
        let d = depth + 1;
        match pat {
            syn::Pat::Ident(i) => {
                let name = i.ident.to_string();
                let val = self.fb.step(v, &format!("{how} {name}"));
                let sensitive = name_reason(&name, self.cx);
                self.scopes.bind(&name, Local { val, closure: None, sensitive });
                if let Some((_, sub)) = &i.subpat {
                    self.bind_pat(sub, v, how, d);
                }
            }
            syn::Pat::Type(t) => {
                if let Some(tp) = util::type_path(&t.ty) {
                    let ty = self.cx.resolve(&util::path_str(tp), &self.self_type);
                    let mut names = Vec::new();
                    util::pat_idents(&t.pat, &mut names, 0);
                    for n in names {
                        self.var_types.insert(n, ty.clone());
                    }
                }
                self.bind_pat(&t.pat, v, how, d)
            }
            syn::Pat::Reference(r) => self.bind_pat(&r.pat, v, how, d),
            syn::Pat::Paren(p) => self.bind_pat(&p.pat, v, how, d),
            // `Some(token) if token == expected =>`: the arm's pattern binds before its guard.
            syn::Pat::Guard(g) => self.bind_pat(&g.pat, v, how, d),
            syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| self.bind_pat(p, v, how, d)),
            syn::Pat::Slice(s) => s.elems.iter().for_each(|p| self.bind_pat(p, v, how, d)),
            syn::Pat::TupleStruct(t) => {
                let path = util::path_str(&t.path);
                let inner = if util::last_segment(&path) == "Err" {
                    self.fb.public("error", &path)
                } else {
                    v.clone()
                };
                t.elems.iter().for_each(|p| self.bind_pat(p, &inner, how, d));
            }
            syn::Pat::Struct(s) => {
                let ty = util::last_segment(&util::path_str(&s.path)).to_string();
                for f in &s.fields {
                    let field = member(&f.member);
                    let root = FieldRoot::Type(SharedStr::from(ty.as_str()));
                    let fv = self.fb.field(root, vec![field], v.clone());
                    self.bind_pat(&f.pat, &fv, how, d);
                }
            }
            syn::Pat::Or(o) => {
                if let Some(first) = o.cases.first() {
                    self.bind_pat(first, v, how, d);
                }
            }
            _ => {}
        }
    }

    /// `let PAT = init;`: a single name gets a step showing the initialiser's shape.
    pub(super) fn let_pattern(
        &mut self,
        pat: &syn::Pat,
        init: &syn::Expr,
        val: &FlowVal,
        closure: Option<Vec<u32>>,
        sensitive: Option<String>,
    ) {
        let mut p = pat;
        while let syn::Pat::Type(t) = p {
            p = &t.pat;
        }
        match p {
            syn::Pat::Ident(i) if i.subpat.is_none() => {
                let name = i.ident.to_string();
                let v = self.fb.step(val, &format!("let {name} = {}", shape(init)));
                self.scopes.bind(&name, Local { val: v, closure, sensitive });
            }
            _ => {
                self.bind_pattern(pat, val, "let");
                if sensitive.is_some() {
                    let mut names = Vec::new();
                    util::pat_idents(pat, &mut names, 0);
                    for n in names {
                        if let Some(l) = self.scopes.get_mut(&n) {
                            l.sensitive.clone_from(&sensitive);
                        }
                    }
                }
            }
        }
    }

    /// The declared or evident type of a local, last segment.
    pub(in crate::extract) fn var_type_of(&self, name: &str) -> String {
        self.var_types.get(name).map(|t| util::last_segment(t).to_string()).unwrap_or_default()
    }

    /// The type of an operand when the code states it, last segment.
    pub(in crate::extract) fn expr_type(&self, e: &syn::Expr) -> String {
        let mut e = e;
        loop {
            match e {
                syn::Expr::Reference(r) => e = &r.expr,
                syn::Expr::Paren(p) => e = &p.expr,
                syn::Expr::Group(g) => e = &g.expr,
                syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => e = &u.expr,
                _ => break,
            }
        }
        let ty = match e {
            syn::Expr::Path(p) if p.path.segments.len() == 1 => {
                self.var_types.get(&util::path_str(&p.path)).cloned()
            }
            _ => self.inferred_type(e),
        };
        ty.map(|t| util::last_segment(&t).to_string()).unwrap_or_default()
    }

    /// Where a call's result comes from. `recv` is the receiver's value for method calls,
    /// `args` the arguments' (closures excluded), `closures` what the closure arguments return,
    /// `first_lit` the first argument when it is a string literal (an environment variable's
    /// name). `k` is the call's index in `Function::calls`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn call_value(
        &mut self,
        k: u32,
        name: &str,
        path: &str,
        recv: Option<&FlowVal>,
        args: Vec<FlowVal>,
        closures: &[FlowVal],
        first_lit: Option<String>,
        span: proc_macro2::Span,
    ) -> FlowVal {
        let kn = self.cx.k;
        let m = kn.matchers();
        let is_method = recv.is_some();
        let recv_v = recv.cloned().unwrap_or_default();
        if m.verifiers.matches(name, path) {
            return self.fb.public("verdict", name);
        }
        // `SecretString::from(v)`, `Secret::new(v)`: the value is now a secret of that type,
        // and what its `Debug` prints is the type's business, not `v`'s.
        let last = util::last_segment(path);
        let ty =
            (path.len() - last.len()).checked_sub(2).map(|end| util::last_segment(&path[..end]));
        if let Some(ty) = ty.filter(|_| !is_method) {
            if kn.secret_types.iter().any(|t| t == ty) {
                let v = self.fb.source(kinds::SECRET, "type", ty, self.cx.src.span(span));
                // The arguments still reach the call: a literal there is key material.
                self.fb.flow.calls.push(WorkCall {
                    call: k,
                    args,
                    external: v.clone(),
                    opaque: false,
                });
                return v;
            }
        }
        if source_entry(name, path, is_method, &m.claims_decoders).is_some() {
            return self.fb.public("claims", name);
        }
        if let Some(entry) = source_entry(name, path, is_method, &m.secret_sources) {
            let env = entry.contains("env") || entry.contains("var");
            let (source, label) = match (env, first_lit) {
                (true, Some(var)) => ("env", var),
                (true, None) => ("env", String::new()),
                (false, _) => ("call", path.to_string()),
            };
            return self.fb.source(kinds::SECRET, source, label, self.cx.src.span(span));
        }
        // What a `keyed_outputs` method computes: keyed with a secret known here, or a MAC
        // again, a MAC (`call`); keyed by a key constructor with a key of unknown origin here (a
        // parameter), a MAC too, `keyed`, which a rule can weigh lower, as a generic helper's
        // callers decide what it checks; neither, what the receiver is.
        let keyed_output = is_method && kn.keyed_outputs.iter().any(|o| o == name);
        let keyed = keyed_output
            .then(|| {
                let held = |k: &str, s: &str| (k == kinds::SECRET && s != "key") || k == kinds::MAC;
                if self.fb.has_origin(&recv_v, &held) {
                    Some("call")
                } else {
                    self.fb
                        .has_origin(&recv_v, &|k, s| k == kinds::SECRET && s == "key")
                        .then_some("keyed")
                }
            })
            .flatten();
        if source_entry(name, path, is_method, &m.mac_sources).is_some() {
            let source = keyed.unwrap_or("call");
            return self.fb.source(kinds::MAC, source, path, self.cx.src.span(span));
        }
        if keyed_output {
            return match keyed {
                Some(source) => self.fb.source(kinds::MAC, source, path, self.cx.src.span(span)),
                None => recv_v,
            };
        }
        if is_method && self.turbofish && kn.state_accessors.iter().any(|s| s == name) {
            return self.fb.source(kinds::SECRET, "state", name, self.cx.src.span(span));
        }
        if source_entry(name, path, is_method, &m.store_sources).is_some() {
            return self.fb.source(kinds::STORE, "call", path, self.cx.src.span(span));
        }
        if is_method && self.store_query {
            return self.fb.source(kinds::STORE, "call", path, self.cx.src.span(span));
        }
        if is_method
            && (kn.non_sensitive_methods.iter().any(|m| m == name)
                || kn.gate_methods.iter().any(|g| g == name)
                || name.starts_with("is_"))
        {
            return self.reduced(name);
        }
        if is_method && ERROR_OF.contains(&name) {
            return self.fb.public("error", name);
        }
        // `req.header("x")` reads; `builder.header(name, value)` sets.
        let lookup = is_method && LOOKUP.contains(&name) && args.len() + closures.len() <= 1;
        let mut external = if is_method && MAP_LIKE.contains(&name) {
            self.fb.union(closures)
        } else {
            let mut v = recv_v.clone();
            for c in closures {
                self.fb.union_into(&mut v, c);
            }
            v
        };
        if !lookup {
            for a in &args {
                self.fb.union_into(&mut external, a);
            }
        }
        if is_method {
            self.receiver_effects(name, &args, closures);
            if lookup {
                // `form.get("token")`: the part of the value read by a literal key, named in
                // the chain like a field (`field "token"`).
                return match first_lit {
                    Some(key) if !key.is_empty() => {
                        self.fb.step(&external, &format!("field \"{key}\""))
                    }
                    _ => external,
                };
            }
            if STD_FLOW.contains(&name) || MAP_LIKE.contains(&name) {
                return external;
            }
        } else if WRAPPERS.contains(&path)
            || WRAPPERS.contains(&name)
            || ["std::", "core::", "alloc::"].iter().any(|p| path.starts_with(p))
        {
            return external;
        }
        let mut all_args = Vec::with_capacity(args.len() + 1);
        if let Some(r) = recv {
            all_args.push(r.clone());
        }
        all_args.extend(args);
        // Only an accessor, conversion or encoder (`value_carriers`) or a call that takes key
        // material (`secret_sinks`: the keyed object holds it) hands on the secret it was
        // given; any other library call returns something else (a response, a client, a
        // parsed value), which keeps the value's other origins but not its secret.
        let keys = m.secret_sinks.matches(name, path);
        let carries = keys || m.value_carriers.matches(name, path);
        if keys {
            // The keyed object (`Hmac::new_from_slice(key)`) holds key material whatever the
            // key's own origin, so what a `keyed_outputs` method computes from it is a MAC.
            let key = self.fb.source(kinds::SECRET, "key", path, self.cx.src.span(span));
            self.fb.union_into(&mut external, &key);
        }
        self.fb.flow.calls.push(WorkCall { call: k, args: all_args, external, opaque: !carries });
        self.fb.call(k)
    }

    /// Whether `a`, an argument of the map-like method `method`, is a function path that
    /// converts or wraps its input (`String::from`, `Into::into`, a tuple struct or variant
    /// such as `Signature` or `Some`), and not a local holding a closure.
    pub(super) fn conversion_fn_arg(&self, method: &str, a: &syn::Expr) -> bool {
        if !MAP_LIKE.contains(&method) {
            return false;
        }
        let Some((_, path)) = self.fn_path_arg(a) else { return false };
        let last = util::last_segment(&path);
        CONVERSIONS.contains(&last)
            || (last.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && !is_const_name(last))
    }

    /// `a` names a function or constructor as a path (`String::from`, `parse_token`), with the
    /// path as written; not a local holding a closure or a `<T as Trait>::f` path.
    fn fn_path_arg<'e>(&self, a: &'e syn::Expr) -> Option<(&'e syn::ExprPath, String)> {
        let syn::Expr::Path(p) = util::peel_expr(a) else { return None };
        if p.qself.is_some() {
            return None;
        }
        let written = util::path_str(&p.path);
        if p.path.segments.len() == 1 && self.scopes.get(&written).is_some() {
            return None;
        }
        Some((p, written))
    }

    /// `.and_then(parse_token)`: a function passed by name to a map-like method (or to one whose
    /// closure takes the error, `.map_err(to_status)`) is called there as the closure
    /// `|x| parse_token(x)` would call it. The call is recorded in `Function::calls` with the
    /// value that closure would be given as its argument, so the index resolves it like any
    /// other call (a project function's summaries apply, a library function is opaque unless
    /// knowledge says it carries its value); its result is what the closure would return.
    /// `None` when `a` is not such a path: a local (a closure or fn pointer held in a
    /// variable), a constant, a constructor or a conversion ([`Self::conversion_fn_arg`]).
    pub(super) fn fn_arg_call(
        &mut self,
        method: &str,
        a: &syn::Expr,
        recv: &FlowVal,
    ) -> Option<FlowVal> {
        if !MAP_LIKE.contains(&method) && !ERROR_CLOSURE.contains(&method) {
            return None;
        }
        let (p, written) = self.fn_path_arg(a)?;
        let name = util::last_segment(&written).to_string();
        if !name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') || name == "_" {
            return None;
        }
        let path = self.cx.resolve(&written, &self.self_type);
        let params = self.closure_params_for(method, recv);
        let span = p.span();
        let k =
            self.push_call(name.clone(), path.clone(), String::new(), false, [].into_iter(), span);
        Some(self.call_value(k, &name, &path, None, params, &[], None, span))
    }

    /// `reader.read_to_string(&mut buf)`: the buffer a read fills holds what the reader holds
    /// (a request body read into a `String` is the request body).
    pub(super) fn fill_from_receiver(
        &mut self,
        method: &str,
        args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>,
        recv: &FlowVal,
    ) {
        if recv.is_empty() || !FILLS.contains(&method) {
            return;
        }
        let Some(syn::Expr::Path(p)) = args.first().map(util::peel_expr) else { return };
        if p.path.segments.len() != 1 || p.qself.is_some() {
            return;
        }
        let name = util::path_str(&p.path);
        let v = self.fb.step(recv, &format!("{method} into {name}"));
        if let Some(l) = self.scopes.get_mut(&name) {
            self.fb.union_into(&mut l.val, &v);
        }
    }

    /// A mutating method updates a local receiver; a cell's initialiser stores into a static.
    fn receiver_effects(&mut self, name: &str, args: &[FlowVal], closures: &[FlowVal]) {
        let Some(recv) = self.pending_receiver.take() else { return };
        let mut v = self.fb.union(args);
        for c in closures {
            self.fb.union_into(&mut v, c);
        }
        if v.is_empty() {
            return;
        }
        match recv {
            Receiver::Local(n) if MUTATING.contains(&name) => {
                if let Some(l) = self.scopes.get_mut(&n) {
                    self.fb.union_into(&mut l.val, &v);
                }
            }
            Receiver::Global(g) if STATIC_STORES.contains(&name) || MUTATING.contains(&name) => {
                self.fb.flow.stores.push(WorkStore { target: WorkTarget::Global(g), val: v });
            }
            _ => {}
        }
    }

    /// What the receiver of the method call being visited names, for [`Self::receiver_effects`].
    pub(super) fn note_receiver(&mut self, e: &syn::Expr) {
        self.pending_receiver = match util::peel_expr(e) {
            syn::Expr::Path(p) if p.path.segments.len() == 1 && p.qself.is_none() => {
                let n = util::path_str(&p.path);
                if self.scopes.get(&n).is_some() {
                    Some(Receiver::Local(n))
                } else if is_const_name(&n) {
                    Some(Receiver::Global(self.cx.resolve(&n, &self.self_type)))
                } else {
                    None
                }
            }
            syn::Expr::Path(p) if p.qself.is_none() => {
                let w = util::path_str(&p.path);
                is_const_name(util::last_segment(&w))
                    .then(|| Receiver::Global(self.cx.resolve(&w, &self.self_type)))
            }
            _ => None,
        };
    }

    /// The closure params a method hands its closure arguments: the error for `map_err` and
    /// friends, else the receiver's value (an element of it, for iterators).
    pub(super) fn closure_params_for(&mut self, method: &str, recv: &FlowVal) -> Vec<FlowVal> {
        if ERROR_CLOSURE.contains(&method) {
            vec![self.fb.public("error", method)]
        } else {
            vec![recv.clone()]
        }
    }
}

/// The entry of a source list a call matches. A path entry (`env::var`, `hmac::Mac::finalize`)
/// matches a call whose resolved path is it or ends with `::` and it; a bare entry
/// (`expose_secret`) matches a method call of that name, never a path call, which may well be
/// a project function of the same name.
fn source_entry<'k>(
    name: &str,
    path: &str,
    is_method: bool,
    list: &'k CallList,
) -> Option<&'k str> {
    list.first_where(name, path, |e| {
        if e.ends_with('!') {
            false
        } else if e.contains("::") {
            path == e || path.strip_suffix(e).is_some_and(|rest| rest.ends_with("::"))
        } else {
            is_method && name == e
        }
    })
}

/// What a method call's receiver names.
pub(super) enum Receiver {
    Local(String),
    Global(String),
}

fn member(m: &syn::Member) -> SharedStr {
    match m {
        syn::Member::Named(n) => SharedStr::from(n.to_string()),
        syn::Member::Unnamed(i) => SharedStr::from(i.index.to_string()),
    }
}

/// `WEBHOOK_SECRET`, `KEY`: how constants and statics are named.
fn is_const_name(name: &str) -> bool {
    name.len() > 1
        && name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Sensitivity by the name alone, for names bound by patterns.
fn name_reason(name: &str, cx: &FileCx<'_>) -> Option<String> {
    if cx.k.ends_with_property(name) {
        return None;
    }
    cx.k.sensitive_word(name).map(|_| format!("name {name}"))
}

/// A parameter slot: its type with `&`, `State<T>`, `Data<T>`, `Arc<T>`... looked through.
pub(super) fn param_slot(cx: &FileCx<'_>, p: &Param, ty: &syn::Type, self_type: &str) -> ParamSlot {
    let inner = super::deref_wrapper(ty);
    let wrapper_is_state = util::type_path(ty)
        .and_then(|t| t.segments.last())
        .is_some_and(|s| matches!(s.ident.to_string().as_str(), "State" | "Data" | "Extension"))
        && p.extractor != "stream";
    let ty = util::type_path(inner)
        .map(|t| util::last_segment(&cx.resolve(&util::path_str(t), self_type)).to_string())
        .unwrap_or_default();
    ParamSlot {
        name: SharedStr::from(p.name.as_str()),
        ty: SharedStr::from(ty),
        is_state: wrapper_is_state || matches!(p.extractor.as_str(), "state" | "extension"),
    }
}
