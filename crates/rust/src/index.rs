//! The project index: resolves calls, extractors, layers and registrations across files, then
//! fills the derived facts of every function.
//!
//! `link` runs in phases so that all the per-function work is parallel: an index that borrows
//! the facts (no key is copied), a read-only pass that plans each function's changes, a
//! parallel pass that applies them, a read-only pass over the call graph (closures, reached
//! verifiers), and a last parallel pass that writes the derived facts. Only the registrations,
//! a handful per project, are walked serially.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use hooklint_model::{Function, HeaderRead, Knowledge, Param, Route, RustFile, SharedStr};
use rayon::prelude::*;

use crate::extract::{body_kind_of, join_path, NEST};
use crate::names;

/// Most functions one function's `reaches` closure visits; beyond it the closure is cut (and
/// reported).
const MAX_CLOSURE: usize = 20_000;
/// Most names all `reaches` lists of a project hold together: the closures of a call chain
/// are quadratic in its length (a 40,000-function chain made 8e8 names, 9.5 GB). The whole
/// registry of a build machine (457,000 functions) holds 9.5 million; a name costs 16 bytes.
const REACH_BUDGET: usize = 16_000_000;
/// Functions whose closures are computed together; each may take `remaining / CHUNK` names.
const CHUNK: usize = 1024;

/// Calls that produce a MAC or signature (for recognising outbound senders).
const SIGN_CALLS: &[&str] = &["finalize", "sign", "finalize_reset", "sign_to_vec"];

type Id = usize;

struct Node {
    file: usize,
    func: usize,
}

/// Every function of the project by the names calls use, borrowing the facts.
struct Index<'a> {
    files: &'a [RustFile],
    nodes: Vec<Node>,
    /// First node id of each file: a file's functions are consecutive ids.
    offsets: Vec<Id>,
    /// Crate of each file, as a small number (files of one crate share it).
    crate_of_file: Vec<u32>,
    by_qname: HashMap<&'a str, Vec<Id>>,
    by_name: HashMap<&'a str, Vec<Id>>,
    /// Methods (of an `impl` or a trait) by owner type or trait, then name.
    by_owner: HashMap<&'a str, HashMap<&'a str, Vec<Id>>>,
    /// Method name -> the one method of that name, `None` when there are several.
    unique_method: HashMap<&'a str, Option<Id>>,
}

fn crate_root(path: &str) -> String {
    let p = path.replace('\\', "/");
    for marker in ["/src/", "/tests/", "/benches/", "/examples/"] {
        if let Some(i) = p.rfind(marker) {
            return p[..i].to_string();
        }
    }
    String::new()
}

fn owner_of(f: &Function) -> &str {
    if f.self_type.is_empty() {
        &f.trait_name
    } else {
        &f.self_type
    }
}

impl<'a> Index<'a> {
    /// Only the numbering of the functions, without the maps.
    fn functions(files: &'a [RustFile]) -> Index<'a> {
        let mut ix = Index {
            files,
            nodes: Vec::new(),
            offsets: Vec::with_capacity(files.len()),
            crate_of_file: Vec::with_capacity(files.len()),
            by_qname: HashMap::new(),
            by_name: HashMap::new(),
            by_owner: HashMap::new(),
            unique_method: HashMap::new(),
        };
        for (fi, file) in files.iter().enumerate() {
            ix.offsets.push(ix.nodes.len());
            ix.nodes.extend((0..file.functions.len()).map(|gi| Node { file: fi, func: gi }));
        }
        ix
    }

    fn build(files: &'a [RustFile]) -> Index<'a> {
        let mut ix = Index::functions(files);
        let mut crates: HashMap<String, u32> = HashMap::new();
        for file in files {
            let next = u32::try_from(crates.len()).unwrap_or(u32::MAX);
            ix.crate_of_file.push(*crates.entry(crate_root(&file.path)).or_insert(next));
        }
        for (id, node) in ix.nodes.iter().enumerate() {
            let Some(f) = files.get(node.file).and_then(|file| file.functions.get(node.func))
            else {
                continue;
            };
            ix.by_qname.entry(&f.qualified_name).or_default().push(id);
            ix.by_name.entry(&f.name).or_default().push(id);
            let owner = owner_of(f);
            if !owner.is_empty() {
                ix.by_owner.entry(owner).or_default().entry(&f.name).or_default().push(id);
                ix.unique_method.entry(&f.name).and_modify(|only| *only = None).or_insert(Some(id));
            }
        }
        ix
    }

    fn func(&self, id: Id) -> Option<&'a Function> {
        let n = self.nodes.get(id)?;
        self.files.get(n.file)?.functions.get(n.func)
    }

    fn crate_of(&self, id: Id) -> u32 {
        self.nodes.get(id).and_then(|n| self.crate_of_file.get(n.file)).copied().unwrap_or(0)
    }

    fn method(&self, owner: &str, name: &str) -> Option<&Vec<Id>> {
        self.by_owner.get(owner)?.get(name)
    }

    /// One candidate, preferring the caller's crate; ambiguity within it resolves to nothing.
    fn pick(&self, cands: Option<&Vec<Id>>, krate: u32) -> Option<Id> {
        self.pick_from(cands?.iter().copied(), krate)
    }

    fn pick_from(&self, cands: impl Iterator<Item = Id> + Clone, krate: u32) -> Option<Id> {
        let mut same = cands.clone().filter(|&c| self.crate_of(c) == krate);
        match (same.next(), same.next()) {
            (Some(one), None) => Some(one),
            (Some(_), Some(_)) => None,
            (None, _) => {
                let mut all = cands;
                match (all.next(), all.next()) {
                    (Some(one), None) => Some(one),
                    _ => None,
                }
            }
        }
    }

    fn resolve_path(&self, path: &str, module: &str, krate: u32) -> Option<Id> {
        let path = path.trim_start_matches("::");
        let by_qname = |q: &str| self.pick(self.by_qname.get(q), krate);
        let found = if let Some(rest) = path.strip_prefix("crate::") {
            by_qname(rest)
        } else if let Some(rest) = path.strip_prefix("self::") {
            by_qname(&join(module, rest))
        } else if path.starts_with("super::") {
            let mut m: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
            let mut rest = path;
            while let Some(r) = rest.strip_prefix("super::") {
                m.pop();
                rest = r;
            }
            by_qname(&join(&m.join("::"), rest))
        } else {
            (!module.is_empty())
                .then(|| by_qname(&join(module, path)))
                .flatten()
                .or_else(|| by_qname(path))
                // `mycrate::handlers::verify` from another crate of the workspace.
                .or_else(|| path.split_once("::").and_then(|(_, rest)| by_qname(rest)))
        };
        if found.is_some() {
            return found;
        }
        let mut segs = path.rsplit("::");
        let name = segs.next().unwrap_or(path);
        if let Some(ty) = segs.next() {
            if ty.chars().next().is_some_and(|c| c.is_uppercase()) {
                return self.pick(self.method(ty, name), krate);
            }
            return None;
        }
        // A bare name brought in by a glob import or defined in a parent module.
        let free = self.by_name.get(path)?.iter().copied().filter(|&i| self.is_free(i));
        self.pick_from(free, krate)
    }

    fn is_free(&self, id: Id) -> bool {
        self.func(id).is_some_and(|f| f.self_type.is_empty() && f.trait_name.is_empty())
    }

    /// The project function each call of `id` resolves to.
    fn call_targets(&self, id: Id) -> Vec<Option<Id>> {
        let Some(f) = self.func(id) else { return Vec::new() };
        let krate = self.crate_of(id);
        f.calls
            .iter()
            .map(|c| {
                if !c.is_method {
                    return self.resolve_path(&c.path, &f.module, krate);
                }
                if c.receiver == "self" && !f.self_type.is_empty() {
                    return self.pick(self.method(&f.self_type, &c.name), krate);
                }
                c.path
                    .rsplit("::")
                    .nth(1)
                    .and_then(|ty| self.pick(self.method(ty, &c.name), krate))
                    .or_else(|| self.unique_method.get(c.name.as_str()).copied().flatten())
            })
            .collect()
    }
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}::{b}")
    }
}

fn resolve_uses(uses: &[(String, String)], path: &str) -> String {
    let (first, rest) = match path.split_once("::") {
        Some((f, r)) => (f, Some(r)),
        None => (path, None),
    };
    match uses.iter().find(|(a, _)| a == first) {
        Some((_, full)) => match rest {
            Some(r) => format!("{full}::{r}"),
            None => full.clone(),
        },
        None => path.to_string(),
    }
}

/// What router registrations add to their handler (and to the layers' functions).
#[derive(Default)]
struct Registered {
    routes: Vec<Route>,
    /// Scopes (`scope("/api").service(h)`): a path prefix and layers for the handler's routes.
    prefixes: Vec<(String, Vec<String>)>,
    /// Header names read by the route's filters (warp).
    headers: Vec<HeaderRead>,
}

/// First pass's plan for one function: what the index adds to it.
struct Plan {
    /// Target of each call, by id.
    targets: Vec<Option<Id>>,
    /// Qualified name of each call's target (`""` when external), taken by the apply pass.
    target_names: Vec<String>,
    registered: Option<Registered>,
    is_handler: bool,
    /// Per param: the extractor it has as a handler's param (`String` reads the body as a
    /// string), and the project extractor type it is, if any.
    params: Vec<(String, Option<String>)>,
    /// Extra entry points: custom extractors and route layers, with their phrase.
    extras: Vec<(Id, String)>,
}

/// Second pass's result for one function.
struct Derived {
    reaches: Vec<SharedStr>,
    reaches_headers: Vec<String>,
    reaches_sensitive_compare: bool,
    /// Per call: it is a known verifier itself.
    direct: Vec<bool>,
    /// Per call: the name of the project helper through which it verifies, if any.
    via_helper: Vec<Option<String>>,
    /// Phrases of the extras that reach a verifier.
    extra_phrases: Vec<String>,
    is_called: bool,
}

pub fn link(files: &mut [RustFile], k: &Knowledge) -> Vec<hooklint_model::Problem> {
    let (mut plans, offsets) = {
        let ix = Index::build(files);
        (plan(&ix), ix.offsets.clone())
    };
    files.par_iter_mut().zip(by_file(plans.iter_mut(), &offsets)).for_each(|(file, plans)| {
        for (f, p) in file.functions.iter_mut().zip(plans) {
            apply_plan(f, p);
        }
    });
    let (derived, cut) = {
        let ix = Index::functions(files);
        let (derived, cut) = derive(&ix, &plans, k);
        (derived, cut_problem(&ix, &cut))
    };
    files.par_iter_mut().zip(by_file(derived.into_iter(), &offsets)).for_each(|(file, derived)| {
        for (f, d) in file.functions.iter_mut().zip(derived) {
            apply_derived(f, d, k);
        }
    });
    cut.into_iter().collect()
}

/// One problem for the functions whose `reaches` was cut, at the first of them.
fn cut_problem(ix: &Index, cut: &[Id]) -> Option<hooklint_model::Problem> {
    let first = ix.func(*cut.first()?)?;
    let more = match cut.len() - 1 {
        0 => String::new(),
        1 => " (and of 1 more function)".to_string(),
        n => format!(" (and of {n} more functions)"),
    };
    Some(hooklint_model::Problem::new(
        "too-complex",
        format!(
            "the functions `{}` calls, transitively, are too many to follow: its `reaches` holds \
             only part of them{more}",
            first.qualified_name
        ),
        Some(first.span.clone()),
    ))
}

/// Splits per-function items (in id order) into one `Vec` per file.
fn by_file<T>(mut items: impl Iterator<Item = T>, offsets: &[Id]) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::with_capacity(offsets.len());
    for (fi, &start) in offsets.iter().enumerate() {
        let end = offsets.get(fi + 1).copied().unwrap_or(usize::MAX);
        let mut chunk = Vec::new();
        for _ in start..end {
            match items.next() {
                Some(item) => chunk.push(item),
                None => break,
            }
        }
        out.push(chunk);
    }
    out
}

/// The read-only first pass: call targets, registrations, handlers, extractors and layers.
fn plan(ix: &Index) -> Vec<Plan> {
    let mut registered = registrations(ix);
    let extractors = extractor_impls(ix);
    let mut plans: Vec<Plan> = (0..ix.nodes.len())
        .into_par_iter()
        .map(|id| {
            let Some(f) = ix.func(id) else {
                return Plan {
                    targets: Vec::new(),
                    target_names: Vec::new(),
                    registered: None,
                    is_handler: false,
                    params: Vec::new(),
                    extras: Vec::new(),
                };
            };
            let is_handler = !f.routes.is_empty() || registered.contains_key(&id);
            let mut extras = Vec::new();
            let params = f
                .params
                .iter()
                .map(|p| {
                    let extractor =
                        if is_handler { handler_extractor(p) } else { p.extractor.clone() };
                    let custom = custom_extractor(p, &extractor, &extractors, &mut extras);
                    (extractor, custom)
                })
                .collect();
            let targets = ix.call_targets(id);
            let target_names = targets
                .iter()
                .map(|t| t.and_then(|t| ix.func(t)).map(|g| g.qualified_name.clone()))
                .map(Option::unwrap_or_default)
                .collect();
            Plan { targets, target_names, registered: None, is_handler, params, extras }
        })
        .collect();
    for (id, plan) in plans.iter_mut().enumerate() {
        if let Some((reg, layers)) = registered.remove(&id) {
            plan.extras.extend(layers);
            plan.registered = Some(reg);
        }
    }
    plans
}

/// A handler's param of a plain type is what the framework reads the body as.
fn handler_extractor(p: &Param) -> String {
    if p.extractor != "other" {
        return p.extractor.clone();
    }
    match p.ty.replace(' ', "").as_str() {
        "String" | "&str" | "&'static str" => "string".to_string(),
        "Vec<u8>" | "&[u8]" => "bytes".to_string(),
        _ => p.extractor.clone(),
    }
}

/// A param typed with a project extractor (`impl FromRequest for VerifiedBody`) is `custom`;
/// the extractor's functions become entry points of the function.
fn custom_extractor(
    p: &Param,
    extractor: &str,
    extractors: &BTreeMap<&str, Vec<Id>>,
    extras: &mut Vec<(Id, String)>,
) -> Option<String> {
    let ty = type_words(&p.ty).find(|w| extractors.contains_key(w))?;
    if !matches!(extractor, "other" | "custom") && ty != p.custom {
        return None;
    }
    for &e in extractors.get(ty).into_iter().flatten() {
        extras.push((e, format!("extractor {ty}")));
    }
    Some(ty.to_string())
}

/// Extractor impls: type name -> extractor fns.
fn extractor_impls<'a>(ix: &Index<'a>) -> BTreeMap<&'a str, Vec<Id>> {
    let mut extractors: BTreeMap<&str, Vec<Id>> = BTreeMap::new();
    for (fi, file) in ix.files.iter().enumerate() {
        let krate = ix.crate_of_file.get(fi).copied().unwrap_or(0);
        for (ty, _, qname) in &file.index.extractor_impls {
            if let Some(id) = ix.pick(ix.by_qname.get(qname.as_str()), krate) {
                extractors.entry(ty).or_default().push(id);
            }
        }
    }
    extractors
}

/// Registrations -> handlers, with the layers that wrap each as extra entry points.
fn registrations(ix: &Index) -> HashMap<Id, (Registered, Vec<(Id, String)>)> {
    let nested = nested_registrations(ix);
    let mut out: HashMap<Id, (Registered, Vec<(Id, String)>)> = HashMap::new();
    for (fi, file) in ix.files.iter().enumerate() {
        let krate = ix.crate_of_file.get(fi).copied().unwrap_or(0);
        for (ri, r) in file.index.registrations.iter().enumerate() {
            if r.framework == NEST {
                continue;
            }
            let mut r = r.clone();
            if let Some((prefix, layers)) = nested.get(&(fi, ri)) {
                r.path = join_path(prefix, &r.path);
                r.layers.extend(layers.iter().cloned());
            }
            let hpath = resolve_uses(&file.index.uses, &r.handler);
            let Some(h) = ix.resolve_path(&hpath, &file.index.module, krate) else { continue };
            let (reg, extras) = out.entry(h).or_default();
            if r.method.is_empty() {
                reg.prefixes.push((r.path.clone(), r.layers.clone()));
            } else {
                reg.routes.push(Route {
                    method: r.method.clone(),
                    path: r.path.clone(),
                    framework: r.framework.clone(),
                    layers: r.layers.clone(),
                    span: r.span.clone(),
                });
            }
            for hname in &r.headers {
                reg.headers.push(HeaderRead {
                    name: hname.clone(),
                    span: r.span.clone(),
                    ..HeaderRead::default()
                });
            }
            for l in &r.layers {
                let lpath = resolve_uses(&file.index.uses, l);
                let mut found = Vec::new();
                if let Some(lid) = ix.resolve_path(&lpath, &file.index.module, krate) {
                    found.push(lid);
                } else {
                    found.extend(layer_type_fns(ix, l));
                }
                for lid in found {
                    extras.push((lid, format!("layer {l}")));
                }
            }
        }
    }
    out
}

fn apply_plan(f: &mut Function, plan: &mut Plan) {
    for (c, name) in f.calls.iter_mut().zip(std::mem::take(&mut plan.target_names)) {
        if !name.is_empty() {
            c.target = name;
        }
    }
    if let Some(reg) = &plan.registered {
        f.routes.extend(reg.routes.iter().cloned());
        for (prefix, layers) in &reg.prefixes {
            for r in &mut f.routes {
                if !prefix.is_empty() && prefix != "/" && !r.path.starts_with(prefix.as_str()) {
                    r.path = format!(
                        "{}/{}",
                        prefix.trim_end_matches('/'),
                        r.path.trim_start_matches('/')
                    );
                }
                r.layers.extend(layers.iter().cloned());
            }
        }
        f.headers_read.extend(reg.headers.iter().cloned());
    }
    if plan.is_handler {
        f.is_handler = true;
        for (p, (extractor, _)) in f.params.iter_mut().zip(&plan.params) {
            p.extractor.clone_from(extractor);
        }
        if f.body.kind == "none" {
            f.body.kind = body_kind_of(&f.params);
        }
    }
    for (p, (_, custom)) in f.params.iter_mut().zip(&plan.params) {
        match custom {
            Some(ty) => {
                p.extractor = "custom".to_string();
                p.custom.clone_from(ty);
            }
            None => p.custom.clear(),
        }
    }
}

/// Strings the `reaches` closures are made of, numbered in sorted order so that sorting the
/// numbers sorts the strings.
struct Interned {
    /// Shared, so that every `reaches` holding a string holds the same allocation.
    strings: Vec<SharedStr>,
    /// Per function, the numbers of what its own calls contribute.
    per_fn: Vec<Vec<u32>>,
}

fn intern_calls<'a>(ix: &Index<'a>) -> Interned {
    // (string, function) pairs sorted by string give each distinct string its rank.
    let mut pairs: Vec<(&'a str, u32)> = (0..ix.nodes.len())
        .into_par_iter()
        .flat_map_iter(|id| {
            let calls = ix.func(id).map(|f| f.calls.as_slice()).unwrap_or_default();
            let id = u32::try_from(id).unwrap_or(u32::MAX);
            calls.iter().flat_map(move |c| {
                let path = (!c.path.is_empty()).then_some(c.path.as_str());
                // `Type::method` of `a::b::Type::method`.
                let suffix =
                    path.and_then(|p| p.rmatch_indices("::").nth(1).map(|(i, _)| &p[i + 2..]));
                [Some(c.name.as_str()), path, suffix].into_iter().flatten().map(move |s| (s, id))
            })
        })
        .collect();
    pairs.par_sort_unstable_by_key(|&(s, _)| s);
    let mut strings: Vec<&'a str> = Vec::new();
    let mut ranked: Vec<(u32, u32)> = Vec::with_capacity(pairs.len());
    for (s, id) in pairs {
        if strings.last() != Some(&s) {
            strings.push(s);
        }
        ranked.push((id, u32::try_from(strings.len() - 1).unwrap_or(u32::MAX)));
    }
    ranked.par_sort_unstable();
    ranked.dedup();
    let mut per_fn: Vec<Vec<u32>> = vec![Vec::new(); ix.nodes.len()];
    for (id, rank) in ranked {
        if let Some(ids) = per_fn.get_mut(id as usize) {
            ids.push(rank);
        }
    }
    let strings = strings.into_par_iter().map(SharedStr::from).collect();
    Interned { strings, per_fn }
}

/// The read-only second pass over the call graph; also the ids of the functions whose
/// `reaches` was cut.
fn derive(ix: &Index, plans: &[Plan], k: &Knowledge) -> (Vec<Derived>, Vec<Id>) {
    let n = ix.nodes.len();
    let mut edges: Vec<Vec<Id>> = plans
        .par_iter()
        .enumerate()
        .map(|(id, p)| {
            let mut e: Vec<Id> = p.targets.iter().flatten().copied().filter(|&t| t != id).collect();
            e.sort_unstable();
            e.dedup();
            e
        })
        .collect();
    edges.resize(n, Vec::new());

    // Which functions reach a verifier or a sensitive comparison through calls.
    let direct: Vec<Vec<bool>> = (0..n)
        .into_par_iter()
        .map(|id| ix.func(id).map(|f| f.calls.iter().map(|c| is_verifier(c, k)).collect()))
        .map(Option::unwrap_or_default)
        .collect();
    let direct_verifier: Vec<bool> = direct.iter().map(|d| d.contains(&true)).collect();
    let direct_cmp: Vec<bool> = (0..n)
        .into_par_iter()
        .map(|id| ix.func(id).is_some_and(|f| f.compares.iter().any(sensitive_check)))
        .collect();
    let mut reverse: Vec<Vec<Id>> = vec![Vec::new(); n];
    let mut called = vec![false; n];
    for (from, tos) in edges.iter().enumerate() {
        for &to in tos {
            reverse[to].push(from);
            called[to] = true;
        }
    }
    let vc = backward(&reverse, &direct_verifier);
    let rc = backward(&reverse, &direct_cmp);
    let interned = intern_calls(ix);

    // Closures are computed CHUNK functions at a time, in id order, each within its share of
    // what is left of the budget, so that the result does not depend on scheduling. Each
    // thread keeps one scratch array of `n` slots for the whole pass.
    let scratch: Vec<std::sync::Mutex<Vec<usize>>> = (0..rayon::current_num_threads().max(1))
        .map(|_| std::sync::Mutex::new(Vec::new()))
        .collect();
    let mut remaining = REACH_BUDGET;
    let mut out: Vec<Derived> = Vec::with_capacity(n);
    let mut cut: Vec<Id> = Vec::new();
    let mut direct = direct.into_iter().enumerate();
    loop {
        let chunk: Vec<(Id, Vec<bool>)> = direct.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        let cap = (remaining / chunk.len()).min(MAX_CLOSURE);
        let done: Vec<(Derived, bool)> = chunk
            .into_par_iter()
            .map(|(id, direct)| {
                let slot = rayon::current_thread_index().unwrap_or(0) % scratch.len();
                let mut stamp = scratch[slot].lock().unwrap_or_else(|e| e.into_inner());
                if stamp.len() != n {
                    *stamp = vec![usize::MAX; n];
                }
                let extras = plans.get(id).map(|p| p.extras.as_slice()).unwrap_or_default();
                let (reach, heads, was_cut) =
                    closure(ix, &edges, &interned, &mut stamp, id, extras, cap);
                drop(stamp);
                let targets = plans.get(id).map(|p| p.targets.as_slice()).unwrap_or_default();
                let via_helper = targets
                    .iter()
                    .map(|t| {
                        let t = t.filter(|&t| vc[t] && t != id)?;
                        Some(ix.func(t).map(|g| g.name.clone()).unwrap_or_default())
                    })
                    .collect();
                let derived = Derived {
                    reaches: reach,
                    reaches_headers: heads,
                    reaches_sensitive_compare: rc[id] || extras.iter().any(|(e, _)| rc[*e]),
                    direct,
                    via_helper,
                    extra_phrases: extras
                        .iter()
                        .filter(|(e, _)| vc[*e])
                        .map(|(_, phrase)| phrase.clone())
                        .collect(),
                    is_called: called[id],
                };
                (derived, was_cut)
            })
            .collect();
        for (derived, was_cut) in done {
            remaining = remaining.saturating_sub(derived.reaches.len());
            if was_cut {
                cut.push(out.len());
            }
            out.push(derived);
        }
    }
    (out, cut)
}

/// `reaches` and `reaches_headers` of `id`: what it, the functions it calls (transitively) and
/// its extra entry points call and read. `stamp` is scratch space, one slot per function.
/// At most `cap` functions are visited and `cap` names kept (the first in sorted order); the
/// flag says whether anything was left out.
fn closure(
    ix: &Index,
    edges: &[Vec<Id>],
    interned: &Interned,
    stamp: &mut [usize],
    id: Id,
    extras: &[(Id, String)],
    cap: usize,
) -> (Vec<SharedStr>, Vec<String>, bool) {
    let mut reach: Vec<u32> = Vec::new();
    let mut heads: Vec<&str> = Vec::new();
    let mut queue: VecDeque<Id> = VecDeque::new();
    for s in std::iter::once(id).chain(extras.iter().map(|e| e.0)) {
        if stamp.get(s).is_some_and(|&st| st != id) {
            stamp[s] = id;
            queue.push_back(s);
        }
    }
    let mut visited = 0usize;
    let mut cut = false;
    while let Some(cur) = queue.pop_front() {
        visited += 1;
        // Names repeat across functions, so twice the cap leaves room for duplicates.
        if visited > cap || reach.len() > cap.saturating_mul(2) {
            cut = true;
            break;
        }
        reach.extend(interned.per_fn.get(cur).into_iter().flatten());
        if let Some(f) = ix.func(cur) {
            heads.extend(f.headers_read.iter().map(|h| h.name.as_str()));
        }
        for &t in edges.get(cur).into_iter().flatten() {
            if stamp.get(t).is_some_and(|&st| st != id) {
                stamp[t] = id;
                queue.push_back(t);
            }
        }
    }
    reach.sort_unstable();
    reach.dedup();
    if reach.len() > cap {
        reach.truncate(cap);
        cut = true;
    }
    heads.sort_unstable();
    heads.dedup();
    let reach =
        reach.into_iter().filter_map(|i| interned.strings.get(i as usize).cloned()).collect();
    (reach, heads.into_iter().map(str::to_string).collect(), cut)
}

fn apply_derived(f: &mut Function, d: Derived, k: &Knowledge) {
    f.reaches = d.reaches;
    f.reaches_headers = d.reaches_headers;
    f.reaches_sensitive_compare = d.reaches_sensitive_compare;

    let mut by: BTreeSet<String> = BTreeSet::new();
    let per_call = d.direct.iter().zip(&d.via_helper);
    for (c, (&direct, helper)) in f.calls.iter_mut().zip(per_call) {
        c.verifies = direct || helper.is_some();
        if direct {
            by.insert(format!("calls {}", if c.path.contains("::") { &c.path } else { &c.name }));
        } else if let Some(helper) = helper {
            by.insert(format!("via helper {helper}"));
        }
    }
    by.extend(d.extra_phrases);
    f.verified_by = by.into_iter().collect();
    f.verifies = !f.verified_by.is_empty();

    let outside =
        f.verified_by.iter().any(|v| v.starts_with("extractor ") || v.starts_with("layer "));
    let first_verify = f.calls.iter().filter(|c| c.verifies).map(|c| c.order).min();
    let call_orders: BTreeMap<(u32, u32), u32> =
        f.calls.iter().map(|c| ((c.span.line, c.span.column), c.order)).collect();
    for p in &mut f.body.parses {
        let order = call_orders.get(&(p.span.line, p.span.column)).copied().or_else(|| {
            f.calls
                .iter()
                .find(|c| c.span.line == p.span.line && c.span.end_column == p.span.end_column)
                .map(|c| c.order)
        });
        p.before_verify = !outside
            && match (order, first_verify) {
                (_, None) => true,
                (None, Some(_)) => true,
                (Some(o), Some(v)) => o < v,
            };
    }

    webhook(f, k, d.is_called);
}

fn is_verifier(c: &hooklint_model::Call, k: &Knowledge) -> bool {
    names::call_matches(&c.name, &c.path, &k.verifiers).is_some()
}

fn sensitive_check(c: &hooklint_model::Compare) -> bool {
    matches!(c.op.as_str(), "==" | "!=" | "eq" | "ne" | "starts_with" | "assert_eq" | "assert_ne")
        && (c.left.sensitive || c.right.sensitive)
}

/// Prefix and layers for registrations made inside a fn that another router nests
/// (`.nest("/api", api::routes())`), keyed by (file, registration) index. Nesting is followed up
/// to four levels.
fn nested_registrations(ix: &Index) -> BTreeMap<(usize, usize), (String, Vec<String>)> {
    let files = ix.files;
    let mut out: BTreeMap<(usize, usize), (String, Vec<String>)> = BTreeMap::new();
    for _ in 0..4 {
        let mut changed = false;
        for (fi, file) in files.iter().enumerate() {
            let krate = ix.crate_of_file.get(fi).copied().unwrap_or(0);
            for (ri, r) in file.index.registrations.iter().enumerate() {
                if r.framework != NEST {
                    continue;
                }
                let (outer_prefix, outer_layers) = out.get(&(fi, ri)).cloned().unwrap_or_default();
                let prefix = join_path(&outer_prefix, &r.path);
                let mut layers = r.layers.clone();
                layers.extend(outer_layers);
                let path = resolve_uses(&file.index.uses, &r.handler);
                let Some(target) = ix.resolve_path(&path, &file.index.module, krate) else {
                    continue;
                };
                let Some(node) = ix.nodes.get(target) else { continue };
                let tf = node.file;
                let Some(f) = ix.func(target) else { continue };
                let span = &f.item_span;
                let Some(tfile) = files.get(tf) else { continue };
                for (tri, tr) in tfile.index.registrations.iter().enumerate() {
                    let inside = tr.span.line >= span.line && tr.span.end_line <= span.end_line;
                    let entry = (prefix.clone(), layers.clone());
                    if inside && out.get(&(tf, tri)) != Some(&entry) {
                        out.insert((tf, tri), entry);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    out
}

/// Nodes that reach a marked node, following edges backwards.
fn backward(reverse: &[Vec<Id>], marked: &[bool]) -> Vec<bool> {
    let mut out = marked.to_vec();
    let mut queue: VecDeque<Id> = (0..marked.len()).filter(|&i| marked[i]).collect();
    while let Some(cur) = queue.pop_front() {
        for &p in reverse.get(cur).into_iter().flatten() {
            if !out[p] {
                out[p] = true;
                queue.push_back(p);
            }
        }
    }
    out
}

/// Words of a type text that could name a project type (`Option<VerifiedBody>`).
fn type_words(ty: &str) -> impl Iterator<Item = &str> {
    ty.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| w.chars().next().is_some_and(|c| c.is_uppercase()))
}

/// Tower/actix layer types: the `call` of the service the layer wraps the route in.
fn layer_type_fns(ix: &Index, layer: &str) -> Vec<Id> {
    let ty = layer.rsplit("::").next().unwrap_or(layer);
    let base = ty.trim_end_matches("Layer");
    let cands: BTreeSet<String> = [
        ty.to_string(),
        base.to_string(),
        format!("{base}Service"),
        format!("{base}Middleware"),
        format!("{ty}Middleware"),
        format!("{ty}Service"),
    ]
    .into_iter()
    .collect();
    let mut out: Vec<Id> = cands
        .iter()
        .filter_map(|owner| ix.by_owner.get(owner.as_str()))
        .flat_map(|methods| methods.values().flatten().copied())
        .filter(|&id| {
            ix.func(id).is_some_and(|f| {
                matches!(
                    f.trait_name.as_str(),
                    "Service" | "Layer" | "Transform" | "Middleware" | "Endpoint"
                )
            })
        })
        .collect();
    out.sort_unstable();
    out
}

fn webhook(f: &mut Function, k: &Knowledge, is_called: bool) {
    let mut reasons = Vec::new();
    for r in &f.routes {
        if let Some(h) = names::hint_word(&r.path, &k.webhook_path_hints) {
            reasons.push(format!("route path {} contains \"{h}\"", r.path));
        }
    }
    if let Some(h) = names::hint_word(&f.name, &k.webhook_name_hints) {
        reasons.push(format!("name {} contains \"{h}\"", f.name));
    }
    if let Some(h) = names::hint_word(&f.module, &k.webhook_name_hints) {
        reasons.push(format!("module {} contains \"{h}\"", f.module));
    }
    let sig_header = f
        .headers_read
        .iter()
        .find(|h| names::header_contains(&h.name, &k.signature_headers))
        .map(|h| h.name.clone());
    if let Some(h) = &sig_header {
        reasons.push(format!("reads signature header {h}"));
    }
    let signs = f.calls.iter().any(|c| SIGN_CALLS.contains(&c.name.as_str()));
    let sends = f.calls.iter().any(|c| {
        c.name == "send"
            || c.path.starts_with("reqwest")
            || (c.name == "header" && c.args.len() == 2)
    });
    let outbound = signs && sends && f.headers_read.is_empty();
    // A helper the project calls is not where requests arrive; the handler calling it is.
    let receives = f.is_handler || (sig_header.is_some() && !is_called);
    reasons.sort();
    reasons.dedup();
    f.is_webhook = receives && !outbound && !reasons.is_empty();
    f.webhook_reasons = if f.is_webhook { reasons } else { Vec::new() };
}

#[cfg(test)]
mod tests {
    use crate::testutil::{facts, files, func};

    #[test]
    fn cross_file_helper_verifies() {
        let fs = files(&[
            (
                "src/handlers/github.rs",
                r#"
use crate::verify::verify_signature;
pub async fn github_webhook(headers: HeaderMap, body: Bytes) -> StatusCode {
    let event: Event = serde_json::from_slice(&body)?;
    if !verify_signature(&headers, &body) { return StatusCode::UNAUTHORIZED; }
    let again: Event = serde_json::from_slice(&body)?;
    StatusCode::OK
}
"#,
            ),
            (
                "src/verify.rs",
                r#"
pub fn verify_signature(headers: &HeaderMap, body: &[u8]) -> bool {
    let sig = headers.get("x-hub-signature-256");
    check(body, sig)
}
fn check(body: &[u8], sig: &[u8]) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY).unwrap();
    mac.update(body);
    mac.verify_slice(sig).is_ok()
}
"#,
            ),
        ]);
        let h = func(&fs[0], "github_webhook");
        assert!(h.verifies);
        assert_eq!(h.verified_by, ["via helper verify_signature"]);
        let call = h.calls.iter().find(|c| c.name == "verify_signature").expect("call");
        assert_eq!(call.target, "verify::verify_signature");
        assert!(call.verifies);
        assert!(h.reaches.iter().any(|r| r == "verify_slice"));
        assert!(h.reaches_headers.contains(&"x-hub-signature-256".to_string()));
        assert!(h.body.parses[0].before_verify);
        assert!(!h.body.parses[1].before_verify);
        let v = func(&fs[1], "verify_signature");
        assert!(!v.is_webhook, "a helper the handler calls is not the receiver");
        assert_eq!(func(&fs[1], "check").verified_by, ["calls hmac::Mac::verify_slice"]);
    }

    #[test]
    fn custom_extractor_and_layers_verify() {
        let f = facts(
            r#"
pub struct VerifiedBody(Bytes);
#[async_trait]
impl<S> FromRequest<S> for VerifiedBody {
    async fn from_request(req: Request, state: &S) -> Result<Self, StatusCode> {
        let tag = req.headers().get("x-signature").unwrap();
        ring::hmac::verify(&KEY, &body, tag.as_bytes()).map_err(|_| StatusCode::UNAUTHORIZED)?;
        Ok(VerifiedBody(body))
    }
}
async fn stripe_webhook(VerifiedBody(body): VerifiedBody) {
    let ev: Event = serde_json::from_slice(&body).unwrap();
}
async fn slack_events(Json(ev): Json<Event>) {}
async fn verify_mw(req: Request, next: Next) -> Response {
    if req.headers().get("x-slack-signature").map(|s| s.as_bytes().ct_eq(&expected).into()).unwrap_or(false) {}
    next.run(req).await
}
fn app() -> Router {
    Router::new()
        .route("/stripe", post(stripe_webhook))
        .route("/slack/events", post(slack_events))
        .route_layer(middleware::from_fn(verify_mw))
}
"#,
        );
        let s = func(&f, "stripe_webhook");
        assert_eq!(s.params[0].extractor, "custom");
        assert_eq!(s.params[0].custom, "VerifiedBody");
        assert_eq!(s.verified_by, ["extractor VerifiedBody", "layer verify_mw"]);
        assert!(!s.body.parses[0].before_verify);
        assert!(s.reaches.iter().any(|r| r == "hmac::verify"));
        let e = func(&f, "slack_events");
        assert_eq!(e.verified_by, ["layer verify_mw"]);
        assert!(e.is_webhook);
        assert!(!e.body.parses[0].before_verify);
        assert_eq!(f.index.extractor_impls[0].0, "VerifiedBody");
    }

    #[test]
    fn tower_layer_service_call_is_reached() {
        let f = facts(
            r#"
struct SigLayer;
struct SigService<S>(S);
impl<S> Service<Request> for SigService<S> {
    fn call(&mut self, req: Request) -> Self::Future {
        constant_time_eq(a, b);
        self.0.call(req)
    }
}
async fn hook(body: Bytes) {}
fn app() { Router::new().route("/hook", post(hook)).layer(SigLayer); }
"#,
        );
        assert_eq!(func(&f, "hook").verified_by, ["layer SigLayer"]);
    }

    #[test]
    fn method_resolution_self_and_unique_names() {
        let f = facts(
            r#"
struct Verifier;
impl Verifier {
    fn check(&self, sig: &[u8]) -> bool { self.inner(sig) }
    fn inner(&self, sig: &[u8]) -> bool { subtle::ConstantTimeEq::ct_eq(a, sig).into() }
}
async fn hook(body: Bytes, v: State<Verifier>) { v.check(&body); }
mod nested { pub fn helper() { super::top(); } }
fn top() {}
fn use_nested() { nested::helper(); self::top(); }
"#,
        );
        let h = func(&f, "hook");
        assert_eq!(h.calls[0].target, "handlers::Verifier::check");
        assert!(h.verifies);
        assert_eq!(func(&f, "check").calls[0].target, "handlers::Verifier::inner");
        assert_eq!(func(&f, "helper").calls[0].target, "handlers::top");
        assert_eq!(func(&f, "use_nested").calls[0].target, "handlers::nested::helper");
        assert_eq!(func(&f, "use_nested").calls[1].target, "handlers::top");
    }

    #[test]
    fn outbound_sender_is_not_a_receiver() {
        let f = facts(
            r#"
async fn send_webhook(client: reqwest::Client, payload: Vec<u8>) {
    let mut mac = HmacSha256::new_from_slice(KEY).unwrap();
    mac.update(&payload);
    let sig = hex::encode(mac.finalize().into_bytes());
    client.post(URL).header("X-Signature", sig).body(payload).send().await;
}
"#,
        );
        assert!(!func(&f, "send_webhook").is_webhook);
    }

    #[test]
    fn cycles_terminate() {
        let f = facts("fn a() { b(); }\nfn b() { a(); verify_slice(x); }\n");
        assert!(func(&f, "a").verifies);
        assert!(func(&f, "b").verifies);
    }

    #[test]
    fn test_code_is_marked() {
        let fs = files(&[
            (
                "src/lib.rs",
                "#[cfg(test)]\nmod tests { fn helper() {} #[test] fn t() {} }\n#[tokio::test]\nasync fn it() {}\nfn prod() {}\n",
            ),
            ("tests/e2e.rs", "fn anything() {}"),
            ("src/x.rs", "#![cfg(test)]\nfn y() {}"),
        ]);
        assert!(func(&fs[0], "helper").is_test);
        assert!(func(&fs[0], "t").is_test);
        assert!(func(&fs[0], "it").is_test);
        assert!(!func(&fs[0], "prod").is_test);
        assert!(fs[1].is_test && func(&fs[1], "anything").is_test);
        assert!(fs[2].is_test && func(&fs[2], "y").is_test);
        assert_eq!(func(&fs[0], "helper").qualified_name, "tests::helper");
    }

    #[test]
    fn nested_router_fns_get_prefix_and_layers() {
        let fs = files(&[
            (
                "src/main.rs",
                r#"
fn app() -> Router {
    Router::new()
        .nest("/webhooks", webhooks::routes())
        .layer(middleware::from_fn(auth::verify))
}
"#,
            ),
            (
                "src/webhooks.rs",
                r#"
pub fn routes() -> Router { Router::new().route("/stripe", post(stripe)) }
async fn stripe(body: Bytes) {}
"#,
            ),
            ("src/auth.rs", "pub async fn verify(req: Request, next: Next) { verify_slice(x); }"),
        ]);
        let s = func(&fs[1], "stripe");
        assert_eq!(s.routes[0].path, "/webhooks/stripe");
        assert_eq!(s.routes[0].layers, ["auth::verify"]);
        assert_eq!(s.verified_by, ["layer auth::verify"]);
        assert!(s.is_webhook);
    }
}
