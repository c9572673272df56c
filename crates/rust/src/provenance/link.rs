//! Project-wide resolution of the symbolic origins: function summaries iterated to a fixpoint.
//!
//! Each function's flow (from the extractor) names parameters, calls, fields and globals. Three
//! kinds of summaries give them meaning across files:
//! - a function's **return summary**: what it returns, as origins and as its own parameters
//!   (`fn expected(secret, body) -> String` returns a MAC of parameter 0), instantiated at
//!   every call site with that site's arguments;
//! - a parameter's **callers' values**: what the resolved call sites pass, so that a
//!   comparison or log inside a helper sees the header its caller read;
//! - a **store summary** per struct field (`Config { token: env::var(..) }`, `cfg.token = ..`)
//!   and per `const`/`static` (its initialiser, `CELL.set(..)`).
//!
//! Summaries only grow, and each keeps at most [`MAX_ORIGINS`] origins. The first round
//! evaluates every flow; each later round evaluates only the flows whose inputs changed (the
//! callers of a function whose return summary grew, the functions whose parameters received
//! something new, the readers of a field or global that was assigned something new). The
//! rounds stop when nothing changes, or after [`MAX_ROUNDS`]: each round carries values one
//! call level further, so the bound is the call depth a value is followed through. A round is
//! linear in the size of the flows it evaluates, with no pairwise step over functions, so a
//! call graph of 40k functions costs at most `MAX_ROUNDS` linear passes, most of them small.
//!
//! Only origins that mean something elsewhere cross a function boundary: request reads,
//! secrets, MACs, store reads and literals (which may reach a sink in the callee). Lengths,
//! verdicts, errors, constants and parameters of unknown provenance stay where they are.

use std::borrow::Cow;
use std::sync::Arc;

use hooklint_model::flow::{
    Atom, FieldRead, FieldRoot, FileFlow, FlowFn, ParamSlot, StoreTarget, StructDef, Val, NO_NODE,
};
use hooklint_model::{
    names, Call, Function, Knowledge, LiteralUse, Origin, RustFile, SharedStr, Span,
};
use rayon::prelude::*;

use super::kinds;
use crate::index::extractor_impls;
use crate::index::resolve::{anchored, join, Id, Index};
use crate::{HashMap, HashSet};

/// Most rounds of summary propagation: values are followed through this many call levels.
/// Helpers that compare or log what a handler read sit one to three levels down in real code;
/// eight leaves room for wrappers without letting a pathological graph cost more.
pub const MAX_ROUNDS: usize = 8;

/// Most origins kept per value, per parameter and per field summary.
pub const MAX_ORIGINS: usize = 8;

/// Most origins kept for a `{:?}` argument of a project struct: each field keeps its own chain
/// (`field Command.token printed by {:?}`), so one origin can appear once per field.
pub const MAX_DEBUG_ORIGINS: usize = 10;

/// Most field origins gathered for one `{:?}` argument before the strongest are kept.
const MAX_DEBUG_CANDIDATES: usize = 512;

/// Longest chain shown for an origin.
const MAX_CHAIN: usize = 10;

/// Deepest nesting of call externals, closures and fields followed within one evaluation.
const MAX_DEPTH: usize = 24;

/// Most uses recorded per literal.
const MAX_USES: usize = 8;

/// A literal by where it is: file, owner function (`NO_OWNER` for the file's own literals) and
/// index among the owner's literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct LitRef {
    file: u32,
    owner: u32,
    index: u32,
}

const NO_OWNER: u32 = u32::MAX;

/// Steps from a use back to an origin, nearest first: a persistent list, so that adding a
/// step or copying a value copies no steps.
#[derive(Debug)]
struct Link {
    step: SharedStr,
    next: Chain,
}

type Chain = Option<Arc<Link>>;

fn push_steps(chain: &Chain, steps: &[SharedStr]) -> Chain {
    let mut out = chain.clone();
    for s in steps.iter().rev() {
        out = Some(Arc::new(Link { step: s.clone(), next: out }));
    }
    out
}

fn one_step(step: String) -> Chain {
    push_steps(&None, &[SharedStr::from(step)])
}

fn chain_vec(chain: &Chain) -> Vec<SharedStr> {
    let mut out = Vec::new();
    let mut cur = chain.as_deref();
    while let Some(l) = cur {
        if out.len() >= MAX_CHAIN {
            break;
        }
        out.push(l.step.clone());
        cur = l.next.as_deref();
    }
    out
}

/// A resolved origin.
#[derive(Debug, Clone)]
struct Conc {
    kind: &'static str,
    source: &'static str,
    name: SharedStr,
    span: Span,
    chain: Chain,
    lit: Option<LitRef>,
}

impl Conc {
    fn new(kind: &'static str, source: &'static str, name: SharedStr, span: Span) -> Conc {
        Conc { kind, source, name, span, chain: None, lit: None }
    }

    fn key(&self) -> (&'static str, &'static str, &str, u32, u32, &str, Option<LitRef>) {
        let s = &self.span;
        (self.kind, self.source, &self.name, s.line, s.column, &s.file, self.lit)
    }

    fn with_step(&self, step: &SharedStr) -> Conc {
        let mut c = self.clone();
        c.chain = push_steps(&c.chain, std::slice::from_ref(step));
        c
    }

    /// Whether the origin is worth carrying into other functions: request reads, secrets,
    /// MACs, store reads and literals (which may reach a sink there).
    fn travels(&self) -> bool {
        !matches!(self.kind, kinds::PUBLIC | kinds::PARAM) || self.source == "literal"
    }
}

/// An element of a value while summaries are computed: an origin, or a parameter of the
/// function being summarised.
#[derive(Debug, Clone)]
enum Elem {
    C(Conc),
    /// A parameter; `true` when it reached the value through an opaque call, so that what
    /// the callers pass loses its secrets and MACs there.
    P(u16, Chain, bool),
}

/// A value after an opaque library call: its secrets, MACs, request values and literals stay
/// behind (the response of a request is not the header value the request was built with; a
/// record looked up by a token is not the token). Store reads and parameters stay.
fn mask(v: &mut Vec<Elem>) {
    v.retain(|e| {
        !matches!(e, Elem::C(c)
            if matches!(c.kind, kinds::SECRET | kinds::MAC | kinds::REQUEST) || c.lit.is_some())
    });
    for e in v.iter_mut() {
        if let Elem::P(_, _, masked) = e {
            *masked = true;
        }
    }
}

fn same_elem(a: &Elem, b: &Elem) -> bool {
    match (a, b) {
        (Elem::C(x), Elem::C(y)) => x.key() == y.key(),
        (Elem::P(x, _, mx), Elem::P(y, _, my)) => x == y && mx == my,
        _ => false,
    }
}

fn rank(e: &Elem) -> u8 {
    match e {
        Elem::C(c) => kinds::rank(c.kind),
        Elem::P(..) => kinds::SYMBOLIC_RANK,
    }
}

/// Adds `src` to `dst` without duplicates, keeping the strongest [`MAX_ORIGINS`] (a stable
/// order: the earlier of equal rank stays). Whether `dst` changed.
fn merge(dst: &mut Vec<Elem>, src: impl IntoIterator<Item = Elem>) -> bool {
    let before = dst.len();
    for e in src {
        if !dst.iter().any(|d| same_elem(d, &e)) {
            dst.push(e);
        }
    }
    if dst.len() == before {
        return false;
    }
    if dst.len() > MAX_ORIGINS {
        let mut idx: Vec<usize> = (0..dst.len()).collect();
        idx.sort_by_key(|&i| rank(&dst[i]));
        idx.truncate(MAX_ORIGINS);
        let changed = idx.iter().any(|&i| i >= before);
        idx.sort_unstable();
        let kept: Vec<Elem> = idx.into_iter().map(|i| dst[i].clone()).collect();
        *dst = kept;
        return changed;
    }
    true
}

fn merge_conc(dst: &mut Vec<Conc>, src: impl IntoIterator<Item = Conc>) -> bool {
    let mut e: Vec<Elem> = std::mem::take(dst).into_iter().map(Elem::C).collect();
    let changed = merge(&mut e, src.into_iter().map(Elem::C));
    *dst = e
        .into_iter()
        .filter_map(|x| match x {
            Elem::C(c) => Some(c),
            Elem::P(..) => None,
        })
        .collect();
    changed
}

/// A flow's owner: a function (by id) or a `const`/`static` (by global id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Fn(Id),
    Global(usize),
}

/// Globals by path and by bare name, for resolving `Atom::Global` paths.
#[derive(Default)]
struct Globals<'a> {
    by_path: HashMap<&'a str, Vec<usize>>,
    by_name: HashMap<&'a str, Vec<usize>>,
}

/// What does not change between rounds: the flows, call targets, globals and structs.
struct Project<'a> {
    ix: &'a Index<'a>,
    k: &'a Knowledge,
    n: usize,
    /// Per function: target of each call.
    targets: &'a [&'a [Option<Id>]],
    /// Globals: (file, index in `FileFlow::globals`).
    globals: Vec<(usize, usize)>,
    /// Per global: target of each call of its initialiser.
    global_targets: Vec<Vec<Option<Id>>>,
    gl: Globals<'a>,
    structs: HashMap<&'a str, Vec<(usize, &'a StructDef)>>,
    debug_impls: HashSet<&'a str>,
    /// Project extractor types (`impl FromRequest for Signature`) -> their extractor fns.
    extractors: std::collections::BTreeMap<&'a str, Vec<Id>>,
}

impl<'a> Project<'a> {
    fn file_flow(&self, o: Owner) -> Option<(usize, &'a FileFlow, FlowFn)> {
        match o {
            Owner::Fn(id) => {
                let node = self.ix.nodes.get(id)?;
                let ff = &self.ix.files.get(node.file)?.index.flow;
                Some((node.file, ff, *ff.fns.get(node.func)?))
            }
            Owner::Global(g) => {
                let &(fi, gi) = self.globals.get(g)?;
                let ff = &self.ix.files.get(fi)?.index.flow;
                Some((fi, ff, ff.globals.get(gi)?.flow))
            }
        }
    }

    fn params(&self, o: Owner) -> &'a [ParamSlot] {
        match self.file_flow(o) {
            Some((_, ff, part)) => ff.params.get(part.params.iter()).unwrap_or_default(),
            None => &[],
        }
    }

    fn target(&self, o: Owner, call: u32) -> Option<Id> {
        let t: &[Option<Id>] = match o {
            Owner::Fn(id) => self.targets.get(id)?,
            Owner::Global(g) => self.global_targets.get(g)?,
        };
        t.get(call as usize).copied().flatten()
    }

    fn calls(&self, o: Owner) -> &'a [Call] {
        match o {
            Owner::Fn(id) => self.ix.func(id).map(|f| f.calls.as_slice()).unwrap_or_default(),
            Owner::Global(g) => self.global(g).map(|gf| gf.calls.as_slice()).unwrap_or_default(),
        }
    }

    fn global(&self, g: usize) -> Option<&'a hooklint_model::flow::GlobalFlow> {
        let &(fi, gi) = self.globals.get(g)?;
        self.ix.files.get(fi)?.index.flow.globals.get(gi)
    }

    fn func(&self, o: Owner) -> Option<&'a Function> {
        match o {
            Owner::Fn(id) => self.ix.func(id),
            Owner::Global(_) => None,
        }
    }

    fn module(&self, o: Owner, file: usize) -> &'a str {
        match o {
            Owner::Fn(id) => self.ix.func(id).map(|f| f.module.as_str()).unwrap_or_default(),
            Owner::Global(_) => {
                self.ix.files.get(file).map(|f| f.index.module.as_str()).unwrap_or_default()
            }
        }
    }

    /// The global a path names from `owner`: module-relative, `crate::`, `self::`, `super::`,
    /// or its bare name when unique; the one in the owner's crate wins.
    fn resolve_global(&self, owner: Owner, file: usize, path: &str) -> Option<usize> {
        let path = path.trim_start_matches("::");
        let module = self.module(owner, file);
        let krate = self.ix.crate_of_file.get(file).copied();
        let pick = |c: Option<&Vec<usize>>| -> Option<usize> {
            let c = c?;
            let in_crate = |g: &usize| {
                self.globals.get(*g).and_then(|&(f, _)| self.ix.crate_of_file.get(f)).copied()
                    == krate
            };
            let mut same = c.iter().filter(|g| in_crate(g));
            match (same.next(), same.next(), c.as_slice()) {
                (Some(one), None, _) => Some(*one),
                (None, _, [one]) => Some(*one),
                _ => None,
            }
        };
        let found = if let Some(q) = anchored(path, module) {
            pick(self.gl.by_path.get(q.as_str()))
        } else {
            pick(self.gl.by_path.get(join(module, path).as_str()))
                .or_else(|| pick(self.gl.by_path.get(path)))
                .or_else(|| path.split_once("::").and_then(|(_, r)| pick(self.gl.by_path.get(r))))
        };
        // A bare name: defined in a parent module or brought in by a glob import. A project
        // path that names no definition: re-exported (`pub use sha::SHA256` in `digest`), the
        // one item of that name.
        found.or_else(|| {
            let bare = !path.contains("::");
            let reexport = path.starts_with("crate::");
            (bare || reexport)
                .then(|| pick(self.gl.by_name.get(crate::util::last_segment(path))))
                .flatten()
        })
    }

    /// The literal an atom names, with its span.
    fn literal(&self, o: Owner, index: u32) -> Option<(LitRef, Span)> {
        match o {
            Owner::Fn(id) => {
                let l = self.ix.func(id)?.literals.get(index as usize)?;
                let file = self.ix.nodes.get(id)?.file as u32;
                Some((LitRef { file, owner: id as u32, index }, l.span.clone()))
            }
            Owner::Global(g) => {
                let i = self.global(g)?.literal_offset + index;
                let &(fi, _) = self.globals.get(g)?;
                let l = self.ix.files.get(fi)?.literals.get(i as usize)?;
                Some((LitRef { file: fi as u32, owner: NO_OWNER, index: i }, l.span.clone()))
            }
        }
    }

    fn literal_value(&self, r: LitRef) -> Option<&'a str> {
        let file = self.ix.files.get(r.file as usize)?;
        let lits = if r.owner == NO_OWNER {
            &file.literals
        } else {
            &self.ix.func(r.owner as Id)?.literals
        };
        lits.get(r.index as usize).map(|l| l.value.as_str())
    }

    /// A struct by name, preferring one in the crate of `file`.
    fn struct_def(&self, name: &str, file: usize) -> Option<&'a StructDef> {
        let cands = self.structs.get(name)?;
        let krate = self.ix.crate_of_file.get(file);
        cands
            .iter()
            .find(|(f, _)| self.ix.crate_of_file.get(*f) == krate)
            .or(cands.first())
            .map(|(_, s)| *s)
    }
}

type FieldKey = (SharedStr, SharedStr);

/// The summaries.
struct State {
    ret: Vec<Vec<Elem>>,
    params: Vec<Vec<Vec<Conc>>>,
    fields: HashMap<FieldKey, Vec<Conc>>,
    globals: Vec<Vec<Conc>>,
}

/// Evaluates the nodes of one flow against the summaries.
struct Eval<'p, 'a> {
    p: &'p Project<'a>,
    s: &'p State,
    owner: Owner,
    file: usize,
    ff: &'a FileFlow,
    part: FlowFn,
    /// Call index -> index into `ff.calls` (`u32::MAX`: the call has no flow).
    call_pos: Vec<u32>,
    memo: Vec<Option<Vec<Elem>>>,
    summary: bool,
    depth: usize,
    /// Field summaries looked up, so that a change to one re-evaluates this flow.
    reads: Vec<FieldKey>,
}

impl<'p, 'a> Eval<'p, 'a> {
    fn new(p: &'p Project<'a>, s: &'p State, owner: Owner, summary: bool) -> Option<Self> {
        let (file, ff, part) = p.file_flow(owner)?;
        let flows = ff.calls.get(part.calls.iter()).unwrap_or_default();
        let len = flows.iter().map(|c| c.call as usize + 1).max().unwrap_or(0);
        let mut call_pos = vec![u32::MAX; len];
        for (i, c) in flows.iter().enumerate() {
            if let Some(slot) = call_pos.get_mut(c.call as usize) {
                // The last flow of a call wins, as it did in a map.
                *slot = part.calls.start + i as u32;
            }
        }
        Some(Eval {
            p,
            s,
            owner,
            file,
            ff,
            part,
            call_pos,
            memo: vec![None; part.nodes.len as usize],
            summary,
            depth: 0,
            reads: Vec::new(),
        })
    }

    fn val(&mut self, v: Val) -> Vec<Elem> {
        let mut out = Vec::new();
        for &n in self.ff.val(v) {
            let e = self.node(n);
            merge(&mut out, e);
        }
        out
    }

    fn conc(&mut self, v: Val) -> Vec<Conc> {
        self.val(v)
            .into_iter()
            .filter_map(|e| match e {
                Elem::C(c) => Some(c),
                Elem::P(..) => None,
            })
            .collect()
    }

    fn node(&mut self, n: u32) -> Vec<Elem> {
        let slot = n.checked_sub(self.part.nodes.start).map(|i| i as usize);
        if let Some(Some(m)) = slot.and_then(|i| self.memo.get(i)) {
            return m.clone();
        }
        if self.depth > MAX_DEPTH {
            return Vec::new();
        }
        self.depth += 1;
        let mut steps: Vec<SharedStr> = Vec::new();
        let mut cur = n;
        let mut atom = None;
        for _ in 0..64 {
            let Some(node) = self.ff.nodes.get(cur as usize) else { break };
            if let Some(s) = self.ff.strings.get(node.step as usize) {
                steps.push(s.clone());
            }
            if node.prev == NO_NODE {
                atom = self.ff.atoms.get(node.atom as usize).copied();
                break;
            }
            cur = node.prev;
        }
        let mut out = match atom {
            Some(a) => self.atom(a),
            None => Vec::new(),
        };
        if !steps.is_empty() {
            for e in &mut out {
                match e {
                    Elem::C(c) => c.chain = push_steps(&c.chain, &steps),
                    Elem::P(_, ch, _) => *ch = push_steps(ch, &steps),
                }
            }
        }
        self.depth -= 1;
        if let Some(m) = slot.and_then(|i| self.memo.get_mut(i)) {
            *m = Some(out.clone());
        }
        out
    }

    fn atom(&mut self, a: Atom) -> Vec<Elem> {
        match a {
            Atom::Source(s) => match self.ff.sources.get(s as usize) {
                Some(src) => {
                    vec![Elem::C(Conc::new(
                        src.kind,
                        src.source,
                        src.name.clone(),
                        src.span.clone(),
                    ))]
                }
                None => Vec::new(),
            },
            Atom::Literal(i) => match self.p.literal(self.owner, i) {
                Some((r, span)) => {
                    let mut c = Conc::new(kinds::PUBLIC, "literal", SharedStr::default(), span);
                    c.lit = Some(r);
                    vec![Elem::C(c)]
                }
                None => Vec::new(),
            },
            Atom::Param(slot) if self.summary => vec![Elem::P(slot, None, false)],
            Atom::Param(slot) => self.param(slot).into_iter().map(Elem::C).collect(),
            Atom::Call(k) => self.call(k),
            Atom::Global(i) => self.global(i),
            Atom::Field(i) => match self.ff.fields.get(i as usize) {
                Some(fr) => self.field(fr),
                None => Vec::new(),
            },
            Atom::Local(slot) => {
                let vals: Vec<Val> = self
                    .ff
                    .local_args
                    .get(self.part.local_args.iter())
                    .unwrap_or_default()
                    .iter()
                    .filter(|(s, _)| *s == slot)
                    .map(|(_, v)| *v)
                    .collect();
                let mut out = Vec::new();
                for v in vals {
                    let e = self.val(v);
                    merge(&mut out, e);
                }
                out
            }
        }
    }

    /// What a parameter holds: what the callers pass, what its type says (a request
    /// extractor, a secret type), or else the parameter itself as an origin.
    fn param(&mut self, slot: u16) -> Vec<Conc> {
        let Owner::Fn(id) = self.owner else { return Vec::new() };
        let mut out =
            self.s.params.get(id).and_then(|p| p.get(slot as usize)).cloned().unwrap_or_default();
        let Some(f) = self.p.ix.func(id) else { return out };
        let slots = self.p.params(self.owner);
        let has_self = slots.first().is_some_and(|p| p.name == "self");
        if has_self && slot == 0 {
            return out;
        }
        let ps = slots.get(slot as usize);
        let param =
            (slot as usize).checked_sub(usize::from(has_self)).and_then(|i| f.params.get(i));
        if let Some(param) = param {
            let chain = one_step(format!("param {}", param.name));
            if is_request_extractor(&param.extractor) {
                let mut c = Conc::new(
                    kinds::REQUEST,
                    extractor_source(&param.extractor),
                    SharedStr::from(param.name.as_str()),
                    param.span.clone(),
                );
                c.chain = chain.clone();
                merge_conc(&mut out, [c]);
            }
            let credential = param
                .ty
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|w| self.p.k.credential_types.iter().any(|t| t == w));
            if credential {
                let mut c = Conc::new(
                    kinds::REQUEST,
                    "header",
                    SharedStr::from("authorization"),
                    param.span.clone(),
                );
                c.chain = chain.clone();
                merge_conc(&mut out, [c]);
            }
            // A project extractor (`impl FromRequest for Signature`) holds what its
            // `from_request` returns: the header or body part it read.
            if param.extractor == "custom" {
                for &e in self.p.extractors.get(param.custom.as_str()).into_iter().flatten() {
                    if Owner::Fn(e) == self.owner {
                        continue;
                    }
                    let name = self.p.ix.func(e).map(|g| g.name.as_str()).unwrap_or_default();
                    let step = SharedStr::from(format!("returned by {}::{name}(..)", param.custom));
                    let returned =
                        self.s.ret.get(e).into_iter().flatten().filter_map(|x| match x {
                            Elem::C(c) if c.travels() => {
                                let mut c = c.with_step(&step);
                                c.chain = push_steps(&c.chain, &chain_vec(&chain));
                                Some(c)
                            }
                            _ => None,
                        });
                    merge_conc(&mut out, returned);
                }
            }
            let ty = ps.map(|p| p.ty.as_str()).unwrap_or_default();
            if !ty.is_empty() && self.p.k.secret_types.iter().any(|t| t == ty) {
                let mut c =
                    Conc::new(kinds::SECRET, "type", SharedStr::from(ty), param.span.clone());
                c.chain = chain;
                merge_conc(&mut out, [c]);
            }
        }
        if out.is_empty() {
            let name = ps.map(|p| p.name.clone()).unwrap_or_default();
            let span = param.map_or_else(|| f.span.clone(), |p| p.span.clone());
            // Application state taken whole (`Extension(cfg)`, `State(config)`): a value the
            // server holds, named by the parameter; its fields are named by their paths.
            if ps.is_some_and(|p| p.is_state) {
                let mut c = Conc::new(kinds::SECRET, "state", name.clone(), span);
                c.chain = one_step(format!("param {name}"));
                out.push(c);
            } else {
                out.push(Conc::new(kinds::PARAM, "param", name, span));
            }
        }
        out
    }

    fn call(&mut self, k: u32) -> Vec<Elem> {
        let cf = self
            .call_pos
            .get(k as usize)
            .filter(|&&i| i != u32::MAX)
            .and_then(|&i| self.ff.calls.get(i as usize))
            .copied();
        match self.p.target(self.owner, k) {
            Some(g) if self.owner != Owner::Fn(g) => {
                let Some(sum) = self.s.ret.get(g) else { return Vec::new() };
                let name = self.p.ix.func(g).map(|f| f.name.as_str()).unwrap_or_default();
                let step = SharedStr::from(format!("returned by {name}(..)"));
                let args: Vec<Val> = cf.map(|c| self.ff.vals(c.args).to_vec()).unwrap_or_default();
                let mut out = Vec::new();
                for e in sum.clone() {
                    match e {
                        Elem::C(c) => {
                            merge(&mut out, [Elem::C(c.with_step(&step))]);
                        }
                        Elem::P(j, _, masked) => {
                            let arg = args.get(j as usize).copied().unwrap_or_default();
                            let mut v = self.val(arg);
                            if masked {
                                mask(&mut v);
                            }
                            for x in &mut v {
                                match x {
                                    Elem::C(c) => {
                                        c.chain = push_steps(&c.chain, std::slice::from_ref(&step))
                                    }
                                    Elem::P(_, ch, _) => {
                                        *ch = push_steps(ch, std::slice::from_ref(&step))
                                    }
                                }
                            }
                            merge(&mut out, v);
                        }
                    }
                }
                out
            }
            Some(_) => Vec::new(),
            None => match cf {
                Some(c) => {
                    let mut v = self.val(c.external);
                    if c.opaque {
                        mask(&mut v);
                    }
                    v
                }
                None => Vec::new(),
            },
        }
    }

    fn global(&mut self, i: u32) -> Vec<Elem> {
        let path = self.ff.strings.get(i as usize).map(|s| s.as_str()).unwrap_or_default();
        match self.p.resolve_global(self.owner, self.file, path) {
            Some(g) => {
                let name = self.p.global(g).map(|gf| gf.name.as_str()).unwrap_or_default();
                let step = SharedStr::from(format!("const {name}"));
                self.s
                    .globals
                    .get(g)
                    .into_iter()
                    .flatten()
                    .map(|c| Elem::C(c.with_step(&step)))
                    .collect()
            }
            // A project `static` or `const` whose definition was not read (a macro generated
            // it): held by the server, what it is said by its own name (not its modules').
            None if unseen_project_static(path, self.p.module(self.owner, self.file)) => {
                let name = SharedStr::from(crate::util::last_segment(path));
                vec![Elem::C(Conc::new(kinds::SECRET, "static", name, Span::default()))]
            }
            // A library constant (`header::AUTHORIZATION`, `u32::MAX`).
            None => vec![Elem::C(Conc::new(
                kinds::PUBLIC,
                "const",
                SharedStr::from(path),
                Span::default(),
            ))],
        }
    }

    /// The struct and field a field path from a root names, if the project defines them:
    /// (struct, field, the field's type).
    fn field_target(
        &self,
        root: &FieldRoot,
        path: &[SharedStr],
    ) -> Option<(SharedStr, SharedStr, String)> {
        let mut ty: String = match root {
            FieldRoot::Param(slot) => self.p.params(self.owner).get(*slot as usize)?.ty.to_string(),
            FieldRoot::Type(t) => t.to_string(),
            FieldRoot::Global(path) => {
                let g = self.p.resolve_global(self.owner, self.file, path)?;
                self.p.global(g)?.ty.clone()
            }
        };
        let (last, init) = path.split_last()?;
        for f in init {
            let def = self.p.struct_def(&ty, self.file)?;
            ty = def.fields.iter().find(|x| x.name == *f)?.ty.clone();
        }
        let def = self.p.struct_def(&ty, self.file)?;
        let field = def.fields.iter().find(|x| x.name == *last)?;
        Some((SharedStr::from(def.name.as_str()), last.clone(), field.ty.clone()))
    }

    fn field(&mut self, fr: &FieldRead) -> Vec<Elem> {
        let mut out = Vec::new();
        let path = self.ff.strings(fr.path);
        if let FieldRoot::Param(slot) = fr.root {
            if let Some(ps) = self.p.params(self.owner).get(slot as usize).filter(|p| p.is_state) {
                let dotted = path.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(".");
                let span = self.p.func(self.owner).map(|f| f.span.clone()).unwrap_or_default();
                let name = SharedStr::from(format!("{}.{dotted}", ps.name));
                merge(&mut out, [Elem::C(Conc::new(kinds::SECRET, "state", name, span))]);
            }
        }
        match self.field_target(&fr.root, path) {
            Some((ty, field, field_ty)) => {
                let step = SharedStr::from(format!("field {ty}.{field}"));
                if self.p.k.secret_types.contains(&field_ty) {
                    let mut c = Conc::new(
                        kinds::SECRET,
                        "type",
                        SharedStr::from(field_ty),
                        Span::default(),
                    );
                    c.chain = push_steps(&None, std::slice::from_ref(&step));
                    merge(&mut out, [Elem::C(c)]);
                }
                let key = (ty, field);
                let stored = self.s.fields.get(&key).cloned().unwrap_or_default();
                self.reads.push(key);
                if stored.is_empty() {
                    // Nothing known is stored in this field: it holds what the whole value holds
                    // (a request body's field is the request), but not a literal, secret or MAC,
                    // which would have been stored in it by name (`Self { host: "localhost",
                    // token, .. }` puts nothing in `password` nor in `max_retries`).
                    let mut fb = self.val(fr.fallback);
                    fb.retain(|e| {
                        !matches!(e, Elem::C(c)
                            if c.lit.is_some() || matches!(c.kind, kinds::SECRET | kinds::MAC))
                    });
                    merge(&mut out, fb);
                } else {
                    merge(&mut out, stored.into_iter().map(|c| Elem::C(c.with_step(&step))));
                }
            }
            None => {
                let fb = self.val(fr.fallback);
                merge(&mut out, fb);
            }
        }
        out
    }
}

fn is_request_extractor(kind: &str) -> bool {
    matches!(
        kind,
        "json"
            | "form"
            | "bytes"
            | "string"
            | "stream"
            | "request"
            | "headers"
            | "header"
            | "path"
            | "query"
    )
}

fn extractor_source(kind: &str) -> &'static str {
    match kind {
        "json" => "json",
        "form" => "form",
        "bytes" | "string" | "stream" => "body",
        "headers" => "headers",
        "header" => "header",
        "path" => "path",
        "query" => "query",
        _ => "object",
    }
}

/// What the last evaluation gives each function's facts.
#[derive(Default)]
struct FnOut {
    compares: Vec<(Vec<Origin>, Vec<Origin>)>,
    logs: Vec<Vec<Vec<Origin>>>,
}

/// Resolves every flow of the project and writes the results into the facts: operand
/// provenance and literal uses. `targets` are the call targets the index resolved, per
/// function id. The flows are dropped afterwards. Returns the number of rounds run.
pub fn link(files: &mut [RustFile], targets: &[&[Option<Id>]], k: &Knowledge) -> usize {
    let (outs, lit_uses, rounds) = {
        let ix = Index::build(files);
        let named = Named { global_targets: global_targets(&ix), extractors: extractor_impls(&ix) };
        // The rounds only number functions: the name maps, a large part of the index, are
        // freed before the summaries are built.
        let ix = ix.into_numbering();
        resolve(&ix, named, targets, k)
    };
    let mut offsets = Vec::with_capacity(files.len());
    let mut total = 0;
    for f in files.iter() {
        offsets.push(total);
        total += f.functions.len();
    }
    let mut by_file: Vec<Vec<(LitRef, LiteralUse)>> = vec![Vec::new(); files.len()];
    for (r, u) in lit_uses {
        if let Some(v) = by_file.get_mut(r.file as usize) {
            v.push((r, u));
        }
    }
    let mut per_file: Vec<Vec<FnOut>> = Vec::with_capacity(files.len());
    let mut it = outs.into_iter();
    for f in files.iter() {
        per_file.push(it.by_ref().take(f.functions.len()).collect());
    }
    files.par_iter_mut().zip(per_file).zip(by_file).zip(offsets).for_each(
        |(((file, outs), uses), base)| {
            for (f, out) in file.functions.iter_mut().zip(outs) {
                for (c, (l, r)) in f.compares.iter_mut().zip(out.compares) {
                    c.left.provenance = l;
                    c.right.provenance = r;
                }
                for (log, args) in f.logs.iter_mut().zip(out.logs) {
                    for (a, p) in log.args.iter_mut().zip(args) {
                        a.provenance = p;
                    }
                }
            }
            for (r, u) in uses {
                let lit = if r.owner == NO_OWNER {
                    file.literals.get_mut(r.index as usize)
                } else {
                    (r.owner as usize)
                        .checked_sub(base)
                        .and_then(|i| file.functions.get_mut(i))
                        .and_then(|f| f.literals.get_mut(r.index as usize))
                };
                if let Some(l) = lit {
                    if l.flows_to.len() < MAX_USES && !l.flows_to.contains(&u) {
                        l.flows_to.push(u);
                    }
                }
            }
            // The flows are consumed: only the facts stay resident.
            file.index.flow = FileFlow::default();
            file.index.structs = Vec::new();
            file.index.debug_impls = Vec::new();
        },
    );
    rounds
}

/// What provenance needs from the index's name maps, taken before they are freed.
struct Named<'a> {
    /// Per global, in the order of [`Project::globals`]: target of each call of its
    /// initialiser.
    global_targets: Vec<Vec<Option<Id>>>,
    extractors: std::collections::BTreeMap<&'a str, Vec<Id>>,
}

/// The targets of the calls of each global's initialiser, globals in file order.
fn global_targets(ix: &Index<'_>) -> Vec<Vec<Option<Id>>> {
    let mut out = Vec::new();
    for (fi, file) in ix.files.iter().enumerate() {
        let krate = ix.crate_of_file.get(fi).copied().unwrap_or(0);
        for gf in &file.index.flow.globals {
            out.push(
                gf.calls
                    .iter()
                    .map(|c| {
                        (!c.is_method)
                            .then(|| ix.resolve_path(&c.path, &file.index.module, krate))
                            .flatten()
                    })
                    .collect(),
            );
        }
    }
    out
}

fn project<'a>(
    ix: &'a Index<'a>,
    named: Named<'a>,
    targets: &'a [&'a [Option<Id>]],
    k: &'a Knowledge,
) -> Project<'a> {
    let mut globals = Vec::new();
    let mut structs: HashMap<&str, Vec<(usize, &StructDef)>> = HashMap::default();
    let mut debug_impls = HashSet::default();
    let mut gl = Globals::default();
    for (fi, file) in ix.files.iter().enumerate() {
        for (gi, gf) in file.index.flow.globals.iter().enumerate() {
            gl.by_path.entry(gf.path.as_str()).or_default().push(globals.len());
            gl.by_name.entry(gf.name.as_str()).or_default().push(globals.len());
            globals.push((fi, gi));
        }
        for s in &file.index.structs {
            structs.entry(s.name.as_str()).or_default().push((fi, s));
        }
        debug_impls.extend(file.index.debug_impls.iter().map(String::as_str));
    }
    Project {
        ix,
        k,
        n: ix.nodes.len(),
        targets,
        globals,
        global_targets: named.global_targets,
        gl,
        structs,
        debug_impls,
        extractors: named.extractors,
    }
}

fn resolve<'a>(
    ix: &'a Index<'a>,
    named: Named<'a>,
    targets: &'a [&'a [Option<Id>]],
    k: &'a Knowledge,
) -> (Vec<FnOut>, Vec<(LitRef, LiteralUse)>, usize) {
    let p = project(ix, named, targets, k);
    let n = p.n;
    let mut state = State {
        ret: vec![Vec::new(); n],
        params: (0..n).map(|id| vec![Vec::new(); p.params(Owner::Fn(id)).len()]).collect(),
        fields: HashMap::default(),
        globals: vec![Vec::new(); p.globals.len()],
    };
    let owners = n + p.globals.len();
    let owner_of = |i: usize| if i < n { Owner::Fn(i) } else { Owner::Global(i - n) };
    // Who to evaluate again when a summary changes: the callers of a function, the readers of
    // a global or a field (recorded as they read).
    let mut callers: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..owners {
        let ts: &[Option<Id>] = match owner_of(i) {
            Owner::Fn(id) => p.targets.get(id).copied().unwrap_or_default(),
            Owner::Global(g) => p.global_targets.get(g).map(Vec::as_slice).unwrap_or_default(),
        };
        for t in ts.iter().flatten() {
            if let Some(c) = callers.get_mut(*t) {
                if c.last() != Some(&i) {
                    c.push(i);
                }
            }
        }
    }
    // A function with a project extractor parameter reads that extractor's return summary.
    for id in 0..n {
        let Some(f) = p.ix.func(id) else { continue };
        for param in f.params.iter().filter(|q| q.extractor == "custom") {
            for &e in p.extractors.get(param.custom.as_str()).into_iter().flatten() {
                if let Some(c) = callers.get_mut(e) {
                    if !c.contains(&id) {
                        c.push(id);
                    }
                }
            }
        }
    }
    // Sets: a field or a global of a large project can have thousands of readers.
    let mut global_readers: Vec<HashSet<usize>> = vec![HashSet::default(); p.globals.len()];
    let mut field_readers: HashMap<FieldKey, HashSet<usize>> = HashMap::default();
    // A function nothing reads a summary of (no caller, no extractor reader) and that feeds no
    // summary (no call of another project function, no store) contributes nothing: its rounds
    // are skipped, and `finish` evaluates it once against the final summaries.
    let mut dirty: Vec<usize> = (0..owners)
        .filter(|&i| match owner_of(i) {
            Owner::Fn(id) => !callers[id].is_empty() || feeds(&p, Owner::Fn(id)),
            Owner::Global(_) => true,
        })
        .collect();
    let mut rounds = 0;
    let stats = std::env::var_os("HOOKLINT_PROV_STATS").is_some();
    while rounds < MAX_ROUNDS && !dirty.is_empty() {
        rounds += 1;
        let t = std::time::Instant::now();
        let contribs: Vec<(usize, Contrib)> =
            dirty.par_iter().map(|&i| (i, contribute(&p, &state, owner_of(i)))).collect();
        let evaluated = contribs.len();
        let tc = t.elapsed();
        // Readers first, so that a summary changed by an earlier flow in this round still
        // reaches a reader that looked it up before it changed.
        for (i, c) in &contribs {
            for key in &c.reads {
                match field_readers.get_mut(key) {
                    Some(readers) => {
                        readers.insert(*i);
                    }
                    None => {
                        field_readers.insert(key.clone(), HashSet::from_iter([*i]));
                    }
                }
            }
            for &g in &c.global_reads {
                if let Some(r) = global_readers.get_mut(g) {
                    r.insert(*i);
                }
            }
        }
        let mut next: Vec<usize> = Vec::new();
        for (i, c) in contribs {
            if let Some(r) = state.ret.get_mut(i) {
                if merge(r, c.ret) {
                    next.extend(callers.get(i).into_iter().flatten().copied());
                }
            }
            for (g, slot, vals) in c.params {
                if let Some(ps) = state.params.get_mut(g).and_then(|x| x.get_mut(slot as usize)) {
                    if merge_conc(ps, vals) {
                        next.push(g);
                    }
                }
            }
            for (key, vals) in c.fields {
                let readers = field_readers.get(&key);
                let changed = match state.fields.get_mut(&key) {
                    Some(known) => merge_conc(known, vals),
                    None => merge_conc(state.fields.entry(key).or_default(), vals),
                };
                if changed {
                    next.extend(readers.into_iter().flatten().copied());
                }
            }
            for (g, vals) in c.globals {
                if let Some(gs) = state.globals.get_mut(g) {
                    if merge_conc(gs, vals) {
                        next.extend(global_readers.get(g).into_iter().flatten().copied());
                    }
                }
            }
        }
        next.sort_unstable();
        next.dedup();
        if stats {
            let pin: usize = state.params.iter().flatten().map(Vec::len).sum();
            let ret: usize = state.ret.iter().map(Vec::len).sum();
            eprintln!(
                "prov: round {rounds} contrib {tc:?} {:?} evaluated {evaluated} params {pin} ret {ret} fields {} next {}",
                t.elapsed(),
                state.fields.len(),
                next.len()
            );
        }
        dirty = next;
    }
    let t = std::time::Instant::now();
    let (outs, mut uses): (Vec<FnOut>, Vec<Vec<(LitRef, LiteralUse)>>) =
        (0..n).into_par_iter().map(|id| finish(&p, &state, Owner::Fn(id))).unzip();
    for g in 0..p.globals.len() {
        uses.push(finish(&p, &state, Owner::Global(g)).1);
    }
    if stats {
        eprintln!("prov: finish {:?}", t.elapsed());
    }
    let mut uses: Vec<(LitRef, LiteralUse)> = uses.into_iter().flatten().collect();
    uses.sort_by(|a, b| {
        (a.0, a.1.span.line, a.1.span.column, &a.1.kind).cmp(&(
            b.0,
            b.1.span.line,
            b.1.span.column,
            &b.1.kind,
        ))
    });
    (outs, uses, rounds)
}

/// What one flow contributes to the summaries.
#[derive(Default)]
struct Contrib {
    ret: Vec<Elem>,
    /// (callee, param slot, caller's values).
    params: Vec<(Id, u16, Vec<Conc>)>,
    fields: Vec<(FieldKey, Vec<Conc>)>,
    globals: Vec<(usize, Vec<Conc>)>,
    /// Summaries read.
    reads: Vec<FieldKey>,
    global_reads: Vec<usize>,
}

fn contribute(p: &Project<'_>, s: &State, owner: Owner) -> Contrib {
    let mut out = Contrib::default();
    let Some(mut ev) = Eval::new(p, s, owner, true) else { return out };
    let (ff, part) = (ev.ff, ev.part);
    out.ret = ev
        .val(part.ret)
        .into_iter()
        .filter(|e| match e {
            Elem::C(c) => c.travels(),
            Elem::P(..) => true,
        })
        .collect();
    out.reads = std::mem::take(&mut ev.reads);
    out.global_reads = global_reads(p, owner, ev.file, ff, part);
    // The concrete evaluation feeds only callees' parameters, fields and globals: most flows
    // have none of them.
    if !matches!(owner, Owner::Global(_)) && !feeds(p, owner) {
        return out;
    }
    let Some(mut ec) = Eval::new(p, s, owner, false) else { return out };
    let file_path = p.ix.files.get(ec.file).map(|f| f.path.as_str()).unwrap_or_default();
    let caller = match owner {
        Owner::Fn(id) => p.ix.func(id).map(|f| f.name.as_str()).unwrap_or_default(),
        Owner::Global(g) => p.global(g).map(|gf| gf.name.as_str()).unwrap_or_default(),
    };
    let calls = p.calls(owner);
    for cf in ff.calls.get(part.calls.iter()).unwrap_or_default() {
        let Some(g) = p.target(owner, cf.call) else { continue };
        if owner == Owner::Fn(g) {
            continue;
        }
        let call = calls.get(cf.call as usize);
        let line = call.map_or(0, |c| c.span.line);
        let callee_params = p.params(Owner::Fn(g));
        // A method call's receiver is the callee's `self` when it has one.
        let receiver_is_self = callee_params.first().is_some_and(|x| x.name == "self");
        let is_method = call.is_some_and(|c| c.is_method);
        for (j, arg) in ff.vals(cf.args).iter().enumerate() {
            let slot = if is_method && !receiver_is_self {
                match j.checked_sub(1) {
                    Some(s) => s,
                    None => continue,
                }
            } else {
                j
            };
            let Some(ps) = callee_params.get(slot) else { continue };
            let vals: Vec<Conc> = ec.conc(*arg).into_iter().filter(Conc::travels).collect();
            if vals.is_empty() {
                continue;
            }
            let step = SharedStr::from(format!(
                "param {}, passed by {caller} at {file_path}:{line}",
                ps.name
            ));
            out.params.push((g, slot as u16, vals.iter().map(|c| c.with_step(&step)).collect()));
        }
    }
    for st in ff.stores.get(part.stores.iter()).unwrap_or_default() {
        let vals: Vec<Conc> = ec.conc(st.val).into_iter().filter(Conc::travels).collect();
        if vals.is_empty() {
            continue;
        }
        match &st.target {
            StoreTarget::Field { ty, field } => {
                out.fields.push(((ty.clone(), field.clone()), vals))
            }
            StoreTarget::FieldOf { root, path } => {
                if let Some((ty, field, _)) = ec.field_target(root, ff.strings(*path)) {
                    out.fields.push(((ty, field), vals));
                }
            }
            StoreTarget::Global(path) => {
                if let Some(g) = p.resolve_global(owner, ec.file, path) {
                    out.globals.push((g, vals));
                }
            }
        }
    }
    if let Owner::Global(g) = owner {
        let v = ec.conc(part.ret).into_iter().filter(Conc::travels).collect();
        out.globals.push((g, v));
    }
    out.reads.append(&mut ec.reads);
    out
}

/// `crate::module::NAME` read from another module (`module` is the reader's): a path into the
/// project's modules (lower-case segments, by Rust's naming conventions) to an upper-case item,
/// a `static` or `const`; not an enum variant or an associated constant (`crate::Kind::Variant`,
/// `crate::Type::MAX`), nor a bare name of the reader's own module (a variant a glob import
/// brought in).
fn unseen_project_static(path: &str, module: &str) -> bool {
    let Some(rest) = path.strip_prefix("crate::") else { return false };
    let (modules, last) = rest.rsplit_once("::").unwrap_or(("", rest));
    let module = match module {
        "crate" => "",
        m => m.strip_prefix("crate::").unwrap_or(m),
    };
    if modules == module {
        return false;
    }
    let upper = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_uppercase())
            && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    };
    upper(last)
        && modules
            .split("::")
            .filter(|m| !m.is_empty())
            .all(|m| m.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
}

/// Whether a flow can change a summary other than its own return: it calls another project
/// function or stores a value.
fn feeds(p: &Project<'_>, owner: Owner) -> bool {
    let Some((_, ff, part)) = p.file_flow(owner) else { return false };
    !ff.stores.get(part.stores.iter()).unwrap_or_default().is_empty()
        || ff
            .calls
            .get(part.calls.iter())
            .unwrap_or_default()
            .iter()
            .any(|cf| p.target(owner, cf.call).is_some_and(|g| owner != Owner::Fn(g)))
}

/// The globals a flow reads.
fn global_reads(
    p: &Project<'_>,
    owner: Owner,
    file: usize,
    ff: &FileFlow,
    part: FlowFn,
) -> Vec<usize> {
    let mut out = Vec::new();
    for n in part.nodes.iter() {
        let atom = ff.nodes.get(n).and_then(|x| ff.atoms.get(x.atom as usize));
        if let Some(Atom::Global(i)) = atom {
            let path = ff.strings.get(*i as usize).map(|s| s.as_str()).unwrap_or_default();
            if let Some(g) = p.resolve_global(owner, file, path) {
                if !out.contains(&g) {
                    out.push(g);
                }
            }
        }
    }
    out
}

fn to_origin(c: Conc) -> Origin {
    Origin {
        kind: Cow::Borrowed(c.kind),
        source: Cow::Borrowed(c.source),
        name: c.name.to_string(),
        chain: chain_vec(&c.chain),
        fields: chain_fields(&c.chain),
        span: c.span,
    }
}

/// Most fields an origin lists.
const MAX_FIELDS: usize = 4;

/// The fields and keys of a chain's `field` steps, nearest first, by their own name:
/// `field Command.token`, `field Command.token printed by {:?}` and `field "token"` all name
/// `token`.
fn chain_fields(chain: &Chain) -> Vec<SharedStr> {
    let mut out: Vec<SharedStr> = Vec::new();
    let mut cur = chain.as_deref();
    let mut seen = 0;
    while let Some(l) = cur {
        if out.len() >= MAX_FIELDS || seen > 4 * MAX_CHAIN {
            break;
        }
        seen += 1;
        if let Some(rest) = l.step.strip_prefix("field ") {
            let path = rest.strip_suffix(" printed by {:?}").unwrap_or(rest).trim_matches('"');
            // The field's own name: `Command.token` is `token` (a struct named
            // `PersonalAccessToken` says nothing of its field `scopes`).
            let name = path.rsplit('.').next().unwrap_or(path);
            if !name.is_empty() && !out.iter().any(|f| f.as_str() == name) {
                out.push(SharedStr::from(name));
            }
        }
        cur = l.next.as_deref();
    }
    out
}

fn origins(v: Vec<Conc>) -> Vec<Origin> {
    origins_capped(v, MAX_ORIGINS)
}

/// The strongest `cap` origins, each origin once per chain's first step (a struct printed by
/// `{:?}` shows one origin once per field that holds it).
fn origins_capped(mut v: Vec<Conc>, cap: usize) -> Vec<Origin> {
    v.sort_by_key(|c| kinds::rank(c.kind));
    let first = |c: &Conc| c.chain.as_ref().map(|l| l.step.clone());
    let mut kept: Vec<Conc> = Vec::with_capacity(cap.min(v.len()));
    for c in v {
        if kept.len() >= cap {
            break;
        }
        if !kept.iter().any(|k| k.key() == c.key() && first(k) == first(&c)) {
            kept.push(c);
        }
    }
    kept.into_iter().map(to_origin).collect()
}

/// The last evaluation of a flow: provenance of its comparisons and log arguments, and the
/// literals its sinks, header values and comparisons use.
fn finish(p: &Project<'_>, s: &State, owner: Owner) -> (FnOut, Vec<(LitRef, LiteralUse)>) {
    let mut out = FnOut::default();
    let mut uses = Vec::new();
    let Some(mut ev) = Eval::new(p, s, owner, false) else { return (out, uses) };
    let (ff, part) = (ev.ff, ev.part);
    let func = p.func(owner);
    let cmp_vals = ff.vals(part.compares);
    for (i, pair) in cmp_vals.chunks(2).enumerate() {
        let [l, r] = pair else { continue };
        // Only an equality-like comparison (`variable_time_ops`) is judged by its sides'
        // provenance; `<`, `>=` and the like keep none, and cost nothing here.
        let cmp = func.and_then(|f| f.compares.get(i));
        if cmp.is_some_and(|c| !p.k.variable_time_ops.contains(&c.op)) {
            out.compares.push((Vec::new(), Vec::new()));
            continue;
        }
        let (lc, rc) = (ev.conc(*l), ev.conc(*r));
        if let Some(cmp) = func.and_then(|f| f.compares.get(i)) {
            for (mine, other) in [(&lc, &rc), (&rc, &lc)] {
                let against: Vec<Conc> =
                    other.iter().filter(|c| c.kind == kinds::REQUEST).cloned().collect();
                if against.is_empty() {
                    continue;
                }
                for c in mine {
                    let Some(r) = c.lit else { continue };
                    uses.push((
                        r,
                        LiteralUse {
                            kind: Cow::Borrowed("compare"),
                            callee: cmp.op.clone(),
                            against: origins(against.clone()),
                            chain: chain_vec(&c.chain),
                            span: cmp.span.clone(),
                            ..LiteralUse::default()
                        },
                    ));
                }
            }
        }
        out.compares.push((origins(lc), origins(rc)));
    }
    for (li, args) in ff.ranges.get(part.logs.iter()).unwrap_or_default().iter().enumerate() {
        let log = func.and_then(|f| f.logs.get(li));
        let mut vals = Vec::with_capacity(args.len as usize);
        for (ai, a) in ff.vals(*args).iter().enumerate() {
            let mut c = ev.conc(*a);
            let mut cap = MAX_ORIGINS;
            if let Some(op) = log.and_then(|l| l.args.get(ai)) {
                if op.debug && !op.ty.is_empty() {
                    let held: Vec<Conc> = c
                        .iter()
                        .filter(|o| o.kind == kinds::SECRET && o.source == "state")
                        .cloned()
                        .collect();
                    let mut fields = Vec::new();
                    debug_fields(p, s, &op.ty, ev.file, &held, &mut fields, 0);
                    if !fields.is_empty() {
                        c.extend(fields);
                        cap = MAX_DEBUG_ORIGINS;
                    }
                }
            }
            vals.push(origins_capped(c, cap));
        }
        out.logs.push(vals);
    }
    // Sinks: key material, credentials, header values.
    let calls = p.calls(owner);
    for cf in ff.calls.get(part.calls.iter()).unwrap_or_default() {
        let Some(call) = calls.get(cf.call as usize) else { continue };
        let skip = usize::from(call.is_method);
        let sink = p.k.matchers().secret_sinks.matches(&call.name, &call.path);
        let args = ff.vals(cf.args);
        let setter = call.is_method
            && args.len() >= skip + 2
            && (p.k.header_setters.contains(&call.name)
                || (p.k.header_map_setters.contains(&call.name)
                    && (header_map(call, &p.k.header_maps)
                        || header_constant(
                            &ev.conc(args.get(skip).copied().unwrap_or_default()),
                        ))));
        if !sink && !setter {
            continue;
        }
        let header = if setter && !sink {
            let first = args.get(skip).copied().unwrap_or_default();
            let name = header_name(p, &ev.conc(first));
            if name.is_none() {
                continue;
            }
            name
        } else {
            None
        };
        for (j, arg) in args.iter().enumerate().skip(skip) {
            let index = (j - skip) as u32;
            if header.is_some() && index == 0 {
                continue;
            }
            for c in ev.conc(*arg) {
                let Some(r) = c.lit else { continue };
                let (kind, name) = match &header {
                    Some(h) => ("header", h.clone()),
                    None => ("arg", String::new()),
                };
                uses.push((
                    r,
                    LiteralUse {
                        kind: Cow::Borrowed(kind),
                        callee: call.path.clone(),
                        arg: index,
                        name,
                        chain: chain_vec(&c.chain),
                        span: call.span.clone(),
                        ..LiteralUse::default()
                    },
                ));
            }
        }
    }
    (out, uses)
}

/// The receiver of a map method is a header map: its type is one of `maps`, or it is the
/// result of one of their methods (`req.headers_mut().insert(..)`).
fn header_map(call: &Call, maps: &[String]) -> bool {
    let ty = call.path.rsplit_once("::").map(|(t, _)| t.rsplit("::").next().unwrap_or(t));
    let recv = call.receiver.trim_end_matches(".unwrap()").trim_end_matches('?');
    maps.iter().any(|m| {
        ty == Some(m.as_str())
            || recv == m
            || recv.strip_suffix("()").is_some_and(|r| r == m || r.ends_with(&format!(".{m}")))
    })
}

/// The name argument is a constant of a header module (`header::AUTHORIZATION`,
/// `http::header::COOKIE`).
fn header_constant(first: &[Conc]) -> bool {
    first.iter().any(|c| c.source == "const" && c.name.contains("header::"))
}

/// The header a header-setting call names: a literal, or a `header::NAME` constant.
fn header_name(p: &Project<'_>, first: &[Conc]) -> Option<String> {
    for c in first {
        if let Some(v) = c.lit.and_then(|r| p.literal_value(r)) {
            return Some(v.to_lowercase());
        }
        if c.source == "const" && !c.name.is_empty() {
            return Some(names::header_from_const(c.name.rsplit("::").next().unwrap_or(&c.name)));
        }
    }
    None
}

/// `{:?}` of a project struct prints its fields: their stored origins join the value's. When
/// the printed value is application state (`held`: its `secret` `state` origins), each field
/// is that state's field too (`cfg.security_key`), named by its path.
fn debug_fields(
    p: &Project<'_>,
    s: &State,
    ty: &str,
    file: usize,
    held: &[Conc],
    out: &mut Vec<Conc>,
    depth: usize,
) {
    if depth > 3 || p.k.redacting_types.iter().any(|t| t == ty) || p.debug_impls.contains(ty) {
        return;
    }
    let Some(def) = p.struct_def(ty, file) else { return };
    if !def.derives_debug {
        return;
    }
    for f in &def.fields {
        if out.len() >= MAX_DEBUG_CANDIDATES {
            return;
        }
        if p.k.redacting_types.contains(&f.ty) {
            continue;
        }
        let step = SharedStr::from(format!("field {}.{} printed by {{:?}}", def.name, f.name));
        if p.k.secret_types.contains(&f.ty) {
            let mut c =
                Conc::new(kinds::SECRET, "type", SharedStr::from(f.ty.as_str()), Span::default());
            c.chain = push_steps(&None, std::slice::from_ref(&step));
            out.push(c);
        }
        let fields_of_held: Vec<Conc> = held
            .iter()
            .map(|h| {
                let name = SharedStr::from(format!("{}.{}", h.name, f.name));
                let mut c = Conc::new(kinds::SECRET, "state", name, h.span.clone());
                c.chain = h.chain.clone();
                c
            })
            .collect();
        out.extend(fields_of_held.iter().map(|c| c.with_step(&step)));
        let key = (SharedStr::from(def.name.as_str()), f.name.clone());
        if let Some(stored) = s.fields.get(&key) {
            // Each field keeps its own chain: the same request value stored in `team` and in
            // `token` is shown once per field, so that the field's name is seen.
            out.extend(stored.iter().map(|c| c.with_step(&step)));
        }
        if p.structs.contains_key(f.ty.as_str()) && f.ty != ty {
            debug_fields(p, s, &f.ty, file, &fields_of_held, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod unseen_static_tests {
    use super::unseen_project_static;

    #[test]
    fn only_upper_case_items_of_other_project_modules() {
        assert!(unseen_project_static("crate::myenv::WEBSERVER_SECRET", "server"));
        assert!(unseen_project_static("crate::config::API_KEY_2", ""));
        // The reader's own module: a variant a glob import brought in.
        assert!(!unseen_project_static("crate::digest::SHA256", "digest"));
        assert!(!unseen_project_static("crate::digest::SHA256", "crate::digest"));
        assert!(!unseen_project_static("crate::SECRET", "crate"));
        assert!(unseen_project_static("crate::_utils::SECRET", "crate_utils"));
        // Enum variants, associated constants, library paths, lower-case items.
        assert!(!unseen_project_static("crate::auth::Error::InvalidCredentials", "routes"));
        assert!(!unseen_project_static("crate::Limits::MAX", "routes"));
        assert!(!unseen_project_static("http::header::AUTHORIZATION", "routes"));
        assert!(!unseen_project_static("crate::config::settings", "routes"));
    }
}
