//! Building flows: one function's while its body is walked ([`FlowBuilder`], convenient
//! vectors), then compacted into its file's tables ([`compact`]), keeping only what a value
//! the index reads can reach.

use crate::HashMap;

use hooklint_model::flow::{
    Atom, CallFlow, FieldRead, FieldRoot, FileFlow, FlowFn, FlowNode, ParamSlot, Range, SourceAtom,
    Store, StoreTarget, Val, NO_NODE,
};
use hooklint_model::{SharedStr, Span};

use super::kinds;

/// Most origins one value keeps. A value that could come from more places keeps the strongest
/// (secrets, MACs and request reads before parameters and calls, literals last): a rule asks
/// whether *some* origin is a secret, not for the full list.
pub const MAX_WIDTH: usize = 8;

/// Longest chain of steps a node carries; later steps reuse the node, so chains stay short.
pub const MAX_STEPS: u8 = 8;

/// A value while a function is walked: node ids of the function's [`Work`].
pub type FlowVal = Vec<u32>;

/// A field read while a function is walked.
#[derive(Debug, Clone)]
pub struct WorkField {
    pub root: FieldRoot,
    pub path: Vec<SharedStr>,
    pub fallback: FlowVal,
}

/// A call while a function is walked.
#[derive(Debug, Clone, Default)]
pub struct WorkCall {
    pub call: u32,
    pub args: Vec<FlowVal>,
    pub external: FlowVal,
    /// See [`hooklint_model::flow::CallFlow::opaque`].
    pub opaque: bool,
}

/// A store while a function is walked.
#[derive(Debug, Clone)]
pub enum WorkTarget {
    Field { ty: String, field: SharedStr },
    FieldOf { root: FieldRoot, path: Vec<SharedStr> },
    Global(String),
}

#[derive(Debug, Clone)]
pub struct WorkStore {
    pub target: WorkTarget,
    pub val: FlowVal,
}

/// One function's flow while its body is walked. `Atom::Source`, `Atom::Global` and
/// `Atom::Field` index `sources`, `names` and `fields`; a node's `step` indexes `steps`.
#[derive(Debug, Default)]
pub struct Work {
    pub atoms: Vec<Atom>,
    pub nodes: Vec<FlowNode>,
    pub sources: Vec<SourceAtom>,
    pub names: Vec<String>,
    pub fields: Vec<WorkField>,
    pub steps: Vec<SharedStr>,
    pub params: Vec<ParamSlot>,
    pub calls: Vec<WorkCall>,
    pub compares: Vec<(FlowVal, FlowVal)>,
    pub logs: Vec<Vec<FlowVal>>,
    pub ret: FlowVal,
    pub stores: Vec<WorkStore>,
    pub local_args: Vec<(u32, FlowVal)>,
}

/// Identity of an atom, for deduplication within a function.
#[derive(Hash, PartialEq, Eq)]
enum AtomKey {
    Param(u16),
    Call(u32),
    Global(String),
    Local(u32),
    Literal(u32),
    /// Public values by what produced them (`reduced len`): one atom each per function.
    Public(&'static str, String),
}

/// Builds a [`Work`].
#[derive(Default)]
pub struct FlowBuilder {
    pub flow: Work,
    keys: HashMap<AtomKey, u32>,
    /// Chain length of each node.
    depth: Vec<u8>,
    /// Priority of each atom (lower is kept first when a value is capped).
    rank: Vec<u8>,
}

impl FlowBuilder {
    fn push_atom(&mut self, atom: Atom, rank: u8) -> u32 {
        let a = self.flow.atoms.len() as u32;
        self.flow.atoms.push(atom);
        self.rank.push(rank);
        let n = self.flow.nodes.len() as u32;
        self.flow.nodes.push(FlowNode { atom: a, prev: NO_NODE, step: NO_NODE });
        self.depth.push(0);
        n
    }

    fn keyed(&mut self, key: AtomKey, make: impl FnOnce(&mut Self) -> (Atom, u8)) -> FlowVal {
        if let Some(&n) = self.keys.get(&key) {
            return vec![n];
        }
        let (atom, rank) = make(self);
        let n = self.push_atom(atom, rank);
        self.keys.insert(key, n);
        vec![n]
    }

    /// A concrete origin read here.
    pub fn source(
        &mut self,
        kind: &'static str,
        source: &'static str,
        name: impl Into<SharedStr>,
        span: Span,
    ) -> FlowVal {
        let s = self.flow.sources.len() as u32;
        self.flow.sources.push(SourceAtom { kind, source, name: name.into(), span });
        vec![self.push_atom(Atom::Source(s), kinds::rank(kind))]
    }

    /// A public value produced by `source` (`reduced`, `error`, `verdict`), one atom per name.
    pub fn public(&mut self, source: &'static str, name: &str) -> FlowVal {
        self.keyed(AtomKey::Public(source, name.to_string()), |b| {
            let s = b.flow.sources.len() as u32;
            b.flow.sources.push(SourceAtom {
                kind: kinds::PUBLIC,
                source,
                name: SharedStr::from(name),
                span: Span::default(),
            });
            (Atom::Source(s), kinds::rank(kinds::PUBLIC))
        })
    }

    /// A string literal: index into its owner's literals.
    pub fn literal(&mut self, index: u32) -> FlowVal {
        self.keyed(AtomKey::Literal(index), |_| (Atom::Literal(index), kinds::rank(kinds::PUBLIC)))
    }

    pub fn param(&mut self, slot: u16) -> FlowVal {
        self.keyed(AtomKey::Param(slot), |_| (Atom::Param(slot), kinds::SYMBOLIC_RANK))
    }

    pub fn call(&mut self, index: u32) -> FlowVal {
        self.keyed(AtomKey::Call(index), |_| (Atom::Call(index), kinds::SYMBOLIC_RANK))
    }

    pub fn global(&mut self, path: &str) -> FlowVal {
        self.keyed(AtomKey::Global(path.to_string()), |b| {
            let i = b.flow.names.len() as u32;
            b.flow.names.push(path.to_string());
            (Atom::Global(i), kinds::SYMBOLIC_RANK)
        })
    }

    pub fn field(&mut self, root: FieldRoot, path: Vec<SharedStr>, fallback: FlowVal) -> FlowVal {
        let i = self.flow.fields.len() as u32;
        self.flow.fields.push(WorkField { root, path, fallback });
        vec![self.push_atom(Atom::Field(i), kinds::SYMBOLIC_RANK)]
    }

    /// A fresh slot for a parameter of a named local closure.
    pub fn local(&mut self) -> (u32, FlowVal) {
        let slot = self.flow.atoms.len() as u32;
        let v = self.keyed(AtomKey::Local(slot), |_| (Atom::Local(slot), kinds::SYMBOLIC_RANK));
        (slot, v)
    }

    /// The value with one more step on every origin (`let sig = ..`), shown in chains.
    pub fn step(&mut self, v: &FlowVal, step: &str) -> FlowVal {
        if v.is_empty() {
            return FlowVal::new();
        }
        let s = self.flow.steps.len() as u32;
        self.flow.steps.push(SharedStr::from(step));
        v.iter()
            .map(|&n| {
                let d = self.depth.get(n as usize).copied().unwrap_or(MAX_STEPS);
                if d >= MAX_STEPS {
                    return n;
                }
                let atom = self.flow.nodes.get(n as usize).map_or(0, |x| x.atom);
                let id = self.flow.nodes.len() as u32;
                self.flow.nodes.push(FlowNode { atom, prev: n, step: s });
                self.depth.push(d + 1);
                id
            })
            .collect()
    }

    /// Adds `b` to `a`: one node per atom, at most [`MAX_WIDTH`], strongest kept.
    pub fn union_into(&self, a: &mut FlowVal, b: &FlowVal) {
        for &n in b {
            let atom = self.atom_of(n);
            if !a.iter().any(|&m| self.atom_of(m) == atom) {
                a.push(n);
            }
        }
        self.cap(a);
    }

    pub fn union(&self, vals: &[FlowVal]) -> FlowVal {
        let mut out = FlowVal::new();
        for v in vals {
            self.union_into(&mut out, v);
        }
        out
    }

    fn atom_of(&self, n: u32) -> u32 {
        self.flow.nodes.get(n as usize).map_or(u32::MAX, |x| x.atom)
    }

    pub fn atom(&self, n: u32) -> Option<Atom> {
        self.flow.atoms.get(self.atom_of(n) as usize).copied()
    }

    fn cap(&self, v: &mut FlowVal) {
        if v.len() <= MAX_WIDTH {
            return;
        }
        v.sort_by_key(|&n| {
            let a = self.atom_of(n);
            (self.rank.get(a as usize).copied().unwrap_or(u8::MAX), a)
        });
        v.truncate(MAX_WIDTH);
    }

    /// Kind and source of an atom that starts a value.
    fn origin_of(&self, atom: Atom) -> Option<(&'static str, &'static str)> {
        match atom {
            Atom::Source(s) => self.flow.sources.get(s as usize).map(|s| (s.kind, s.source)),
            Atom::Literal(_) => Some((kinds::PUBLIC, "literal")),
            _ => None,
        }
    }

    /// Whether the value has an origin whose kind and source satisfy `pred`, known in this
    /// function, looking through the external value of calls (`Hmac::new_from_slice(&secret)`
    /// holds the secret).
    pub fn has_origin(&self, v: &FlowVal, pred: &dyn Fn(&str, &str) -> bool) -> bool {
        self.has_origin_depth(v, pred, 0)
    }

    fn has_origin_depth(
        &self,
        v: &FlowVal,
        pred: &dyn Fn(&str, &str) -> bool,
        depth: usize,
    ) -> bool {
        if depth > 8 {
            return false;
        }
        v.iter().any(|&n| match self.atom(n) {
            Some(Atom::Call(k)) => self
                .flow
                .calls
                .iter()
                .find(|c| c.call == k)
                .is_some_and(|c| self.has_origin_depth(&c.external, pred, depth + 1)),
            Some(a) => self.origin_of(a).is_some_and(|(k, s)| pred(k, s)),
            None => false,
        })
    }

    /// The nodes of `v` that lead to a `secret` origin of source `state`.
    pub fn state_nodes(&self, v: &FlowVal) -> Vec<u32> {
        v.iter()
            .copied()
            .filter(|&n| {
                matches!(self.atom(n), Some(Atom::Source(s))
                    if self.flow.sources.get(s as usize).is_some_and(|x| x.source == "state"))
            })
            .collect()
    }

    /// `v` without the nodes in `drop`.
    pub fn without_nodes(&self, v: &FlowVal, drop: &[u32]) -> FlowVal {
        v.iter().copied().filter(|n| !drop.contains(n)).collect()
    }

    pub fn finish(self) -> Work {
        self.flow
    }
}

/// Appends a function's flow to its file's tables and returns its part. Only the nodes that
/// the values the index reads (comparisons, log arguments, call arguments, the returned
/// value, stores) can reach are kept, with their atoms, sources, steps and fields.
pub fn compact(w: Work, out: &mut FileFlow) -> FlowFn {
    // Mark what the kept values reach.
    let mut node_live = vec![false; w.nodes.len()];
    let mut atom_live = vec![false; w.atoms.len()];
    let mut stack: Vec<u32> = Vec::new();
    let push_val = |v: &FlowVal, stack: &mut Vec<u32>| stack.extend(v.iter().copied());
    for (l, r) in &w.compares {
        push_val(l, &mut stack);
        push_val(r, &mut stack);
    }
    for args in &w.logs {
        args.iter().for_each(|a| push_val(a, &mut stack));
    }
    for c in &w.calls {
        c.args.iter().for_each(|a| push_val(a, &mut stack));
        push_val(&c.external, &mut stack);
    }
    push_val(&w.ret, &mut stack);
    w.stores.iter().for_each(|s| push_val(&s.val, &mut stack));
    w.local_args.iter().for_each(|(_, v)| push_val(v, &mut stack));
    while let Some(n) = stack.pop() {
        let Some(live) = node_live.get_mut(n as usize) else { continue };
        if *live {
            continue;
        }
        *live = true;
        let Some(node) = w.nodes.get(n as usize) else { continue };
        if node.prev != NO_NODE {
            stack.push(node.prev);
        }
        if let Some(a) = atom_live.get_mut(node.atom as usize) {
            if !*a {
                *a = true;
                if let Some(Atom::Field(fi)) = w.atoms.get(node.atom as usize) {
                    if let Some(f) = w.fields.get(*fi as usize) {
                        stack.extend(f.fallback.iter().copied());
                    }
                }
            }
        }
    }
    // Renumber atoms into the file's tables.
    let mut atom_map = vec![u32::MAX; w.atoms.len()];
    for (i, a) in w.atoms.iter().enumerate() {
        if !atom_live[i] {
            continue;
        }
        let new = match *a {
            Atom::Source(s) => {
                let id = out.sources.len() as u32;
                out.sources.push(w.sources[s as usize].clone());
                Atom::Source(id)
            }
            Atom::Global(g) => {
                let id = out.strings.len() as u32;
                out.strings.push(SharedStr::from(w.names[g as usize].as_str()));
                Atom::Global(id)
            }
            Atom::Field(_) => Atom::Field(0), // filled below, once nodes are renumbered
            Atom::Local(_) => Atom::Local(out.atoms.len() as u32),
            other => other,
        };
        atom_map[i] = out.atoms.len() as u32;
        out.atoms.push(new);
    }
    // Renumber nodes.
    let node_start = out.nodes.len() as u32;
    let mut node_map = vec![u32::MAX; w.nodes.len()];
    let mut next = node_start;
    for (i, live) in node_live.iter().enumerate() {
        if *live {
            node_map[i] = next;
            next += 1;
        }
    }
    let mut step_map: HashMap<u32, u32> = HashMap::default();
    for (i, node) in w.nodes.iter().enumerate() {
        if !node_live[i] {
            continue;
        }
        let step = if node.step == NO_NODE {
            NO_NODE
        } else {
            *step_map.entry(node.step).or_insert_with(|| {
                out.strings.push(w.steps[node.step as usize].clone());
                out.strings.len() as u32 - 1
            })
        };
        let prev = if node.prev == NO_NODE { NO_NODE } else { node_map[node.prev as usize] };
        out.nodes.push(FlowNode { atom: atom_map[node.atom as usize], prev, step });
    }
    let val = |v: &FlowVal, out: &mut FileFlow| -> Val {
        let start = out.pool.len() as u32;
        out.pool.extend(v.iter().filter_map(|&n| node_map.get(n as usize).copied()));
        Val { start, len: out.pool.len() as u32 - start }
    };
    let strings = |s: &[SharedStr], out: &mut FileFlow| -> Range {
        let start = out.strings.len() as u32;
        out.strings.extend(s.iter().cloned());
        Range { start, len: s.len() as u32 }
    };
    // Fields and local slots of live atoms.
    for (i, a) in w.atoms.iter().enumerate() {
        if !atom_live[i] {
            continue;
        }
        if let Atom::Field(fi) = *a {
            let f = &w.fields[fi as usize];
            let path = strings(&f.path, out);
            let fallback = val(&f.fallback, out);
            let id = out.fields.len() as u32;
            out.fields.push(FieldRead { root: f.root.clone(), path, fallback });
            out.atoms[atom_map[i] as usize] = Atom::Field(id);
        }
    }
    let local = |slot: u32| atom_map.get(slot as usize).copied().unwrap_or(u32::MAX);
    let params = {
        let start = out.params.len() as u32;
        out.params.extend(w.params.iter().cloned());
        Range { start, len: w.params.len() as u32 }
    };
    let calls_start = out.calls.len() as u32;
    let called: Vec<u32> = w
        .atoms
        .iter()
        .enumerate()
        .filter(|(i, _)| atom_live[*i])
        .filter_map(|(_, a)| match a {
            Atom::Call(k) => Some(*k),
            _ => None,
        })
        .collect();
    for c in &w.calls {
        let empty = c.external.is_empty() && c.args.iter().all(Vec::is_empty);
        if empty && !called.contains(&c.call) {
            continue;
        }
        let vals: Vec<Val> = c.args.iter().map(|a| val(a, out)).collect();
        let args = Range { start: out.vals.len() as u32, len: vals.len() as u32 };
        out.vals.extend(vals);
        let external = val(&c.external, out);
        out.calls.push(CallFlow { call: c.call, args, external, opaque: c.opaque });
    }
    let calls = Range { start: calls_start, len: out.calls.len() as u32 - calls_start };
    let compares = {
        let vals: Vec<Val> =
            w.compares.iter().flat_map(|(l, r)| [val(l, out), val(r, out)]).collect();
        let start = out.vals.len() as u32;
        out.vals.extend(vals);
        Range { start, len: out.vals.len() as u32 - start }
    };
    let logs = {
        let mut rs = Vec::with_capacity(w.logs.len());
        for args in &w.logs {
            let vals: Vec<Val> = args.iter().map(|a| val(a, out)).collect();
            let start = out.vals.len() as u32;
            out.vals.extend(vals);
            rs.push(Range { start, len: args.len() as u32 });
        }
        let start = out.ranges.len() as u32;
        out.ranges.extend(rs);
        Range { start, len: w.logs.len() as u32 }
    };
    let ret = val(&w.ret, out);
    let stores_start = out.stores.len() as u32;
    for s in &w.stores {
        let target = match &s.target {
            WorkTarget::Field { ty, field } => {
                StoreTarget::Field { ty: SharedStr::from(ty.as_str()), field: field.clone() }
            }
            WorkTarget::FieldOf { root, path } => {
                StoreTarget::FieldOf { root: root.clone(), path: strings(path, out) }
            }
            WorkTarget::Global(g) => StoreTarget::Global(SharedStr::from(g.as_str())),
        };
        let v = val(&s.val, out);
        out.stores.push(Store { target, val: v });
    }
    let stores = Range { start: stores_start, len: out.stores.len() as u32 - stores_start };
    let locals_start = out.local_args.len() as u32;
    for (slot, v) in &w.local_args {
        let v = val(v, out);
        out.local_args.push((local(*slot), v));
    }
    let local_args = Range { start: locals_start, len: out.local_args.len() as u32 - locals_start };
    FlowFn {
        nodes: Range { start: node_start, len: next - node_start },
        params,
        calls,
        compares,
        logs,
        ret,
        stores,
        local_args,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_dedupe_by_atom_and_keep_the_strongest() {
        let mut b = FlowBuilder::default();
        let p = b.param(0);
        assert_eq!(b.param(0), p, "one atom per parameter");
        let stepped = b.step(&p, "let x = y");
        let mut v = p.clone();
        b.union_into(&mut v, &stepped);
        assert_eq!(v.len(), 1, "a stepped node leads to the same atom");
        let mut wide = FlowVal::new();
        for i in 0..20 {
            let lit = b.literal(i);
            b.union_into(&mut wide, &lit);
        }
        let secret = b.source(kinds::SECRET, "env", "KEY", Span::default());
        b.union_into(&mut wide, &secret);
        assert_eq!(wide.len(), MAX_WIDTH);
        assert!(b.has_origin(&wide, &|k, _| k == kinds::SECRET), "the secret survives the cap");
    }

    #[test]
    fn chains_stop_growing() {
        let mut b = FlowBuilder::default();
        let mut v = b.param(0);
        for _ in 0..100 {
            v = b.step(&v, "let x = x");
        }
        assert!(b.flow.nodes.len() <= 1 + MAX_STEPS as usize);
    }

    #[test]
    fn compaction_keeps_only_what_kept_values_reach() {
        let mut b = FlowBuilder::default();
        let p = b.param(0);
        let unused = b.source(kinds::SECRET, "env", "UNUSED", Span::default());
        let _ = b.step(&unused, "let u = ..");
        let s = b.step(&p, "let s = p");
        b.flow.ret = s;
        let w = b.finish();
        let mut file = FileFlow::default();
        let part = compact(w, &mut file);
        assert_eq!(part.nodes.len, 2, "the parameter's node and its step");
        assert!(file.sources.is_empty(), "an origin nothing reads is dropped");
        assert_eq!(file.val(part.ret).len(), 1);
        let n = file.nodes[file.val(part.ret)[0] as usize];
        assert_eq!(file.strings[n.step as usize].as_str(), "let s = p");
        assert_eq!(file.atoms[file.nodes[n.prev as usize].atom as usize], Atom::Param(0));
    }
}
