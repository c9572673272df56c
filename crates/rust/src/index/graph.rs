//! The read-only pass over the call graph: `reaches` closures, reached verifiers and
//! sensitive comparisons.

use std::collections::VecDeque;

use hooklint_model::{verdict, Knowledge, Receiver, SharedStr, Verification};
use rayon::prelude::*;

use super::gates::{self, Role, Summary};
use super::receiver;
use super::resolve::{Id, Index};
use super::{Derived, Plan};

/// Most functions one function's `reaches` closure visits; beyond it the closure is cut (and
/// reported).
pub(super) const MAX_CLOSURE: usize = 20_000;
/// Most names all `reaches` lists of a project hold together: the closures of a call chain
/// are quadratic in its length (a 40,000-function chain made 8e8 names, 9.5 GB). The whole
/// registry of a build machine (457,000 functions) holds 9.5 million; a name costs 16 bytes.
const REACH_BUDGET: usize = 16_000_000;
/// Functions whose closures are computed together; each may take `remaining / CHUNK` names.
const CHUNK: usize = 1024;

/// Strings the `reaches` closures are made of, numbered in sorted order so that sorting the
/// numbers sorts the strings.
pub(super) struct Interned {
    /// Shared, so that every `reaches` holding a string holds the same allocation.
    pub(super) strings: Vec<SharedStr>,
    /// Per function, the numbers of what its own calls contribute.
    pub(super) per_fn: Vec<Vec<u32>>,
}

pub(super) fn intern_calls<'a>(ix: &Index<'a>) -> Interned {
    // Each function's strings numbered by a table per chunk of functions (two chunks per
    // thread, so that each string is hashed once, in parallel), then the tables merged into one
    // sorted list of the distinct strings: far fewer than the strings of all calls, which
    // repeat the same names across the project.
    let n = ix.nodes.len();
    let strings_of = |id: Id| {
        let calls = ix.func(id).map(|f| f.calls.as_slice()).unwrap_or_default();
        calls.iter().flat_map(|c| {
            let path = (!c.path.is_empty()).then_some(c.path.as_str());
            // `Type::method` of `a::b::Type::method`.
            let suffix = path.and_then(|p| p.rmatch_indices("::").nth(1).map(|(i, _)| &p[i + 2..]));
            [Some(c.name.as_str()), path, suffix].into_iter().flatten()
        })
    };
    /// A chunk's share: its distinct strings, and per function (by id) their numbers there.
    #[derive(Default)]
    struct Part<'a> {
        number: crate::HashMap<&'a str, u32>,
        distinct: Vec<&'a str>,
        fns: Vec<(Id, Vec<u32>)>,
    }
    let chunk = n.div_ceil(2 * rayon::current_num_threads().max(1)).max(1);
    let parts: Vec<Part<'a>> = (0..n.div_ceil(chunk))
        .into_par_iter()
        .map(|c| {
            let mut part = Part::default();
            for id in c * chunk..((c + 1) * chunk).min(n) {
                let mut ids = Vec::new();
                for s in strings_of(id) {
                    let next = u32::try_from(part.distinct.len()).unwrap_or(u32::MAX);
                    let k = *part.number.entry(s).or_insert(next);
                    if k == next {
                        part.distinct.push(s);
                    }
                    ids.push(k);
                }
                if !ids.is_empty() {
                    part.fns.push((id, ids));
                }
            }
            part
        })
        .collect();
    let mut distinct: Vec<&'a str> =
        parts.iter().flat_map(|p| p.distinct.iter().copied()).collect();
    distinct.par_sort_unstable();
    distinct.dedup();
    let rank: crate::HashMap<&'a str, u32> = distinct
        .iter()
        .enumerate()
        .map(|(r, &s)| (s, u32::try_from(r).unwrap_or(u32::MAX)))
        .collect();
    let mut per_fn: Vec<Vec<u32>> = vec![Vec::new(); n];
    for part in parts {
        let local: Vec<u32> =
            part.distinct.iter().map(|s| rank.get(s).copied().unwrap_or(u32::MAX)).collect();
        for (id, mut ids) in part.fns {
            for i in &mut ids {
                *i = local[*i as usize];
            }
            ids.sort_unstable();
            ids.dedup();
            per_fn[id] = ids;
        }
    }
    let strings = distinct.into_par_iter().map(SharedStr::from).collect();
    Interned { strings, per_fn }
}

/// Each verification of a function's request, with what it leads to.
type Outcomes = Vec<(gates::Outcome, Verification)>;

/// The read-only second pass over the call graph; also the ids of the functions whose
/// `reaches` was cut.
pub(super) fn derive(
    ix: &Index,
    plans: &[Plan],
    k: &Knowledge,
    declared: &[crate::DeclaredRoute],
) -> (Vec<Derived>, Vec<Id>) {
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
        .map(|id| ix.func(id).is_some_and(|f| f.compares.iter().any(|c| sensitive_check(c, k))))
        .collect();
    // Anything that verifies by what it does itself: a verifier, a provider's verification
    // API, a comparison of a sensitive value that decides something.
    let direct_any: Vec<bool> = (0..n)
        .into_par_iter()
        .map(|id| {
            direct_verifier[id]
                || ix.func(id).is_some_and(|f| {
                    f.calls.iter().any(|c| gates::remote_fragment(c, k).is_some())
                        || f.verdicts.sites.iter().any(|s| {
                            s.compare != u32::MAX
                                && f.compares
                                    .get(s.compare as usize)
                                    .is_some_and(gates::verifying_compare)
                        })
                })
        })
        .collect();
    let mut reverse: Vec<Vec<Id>> = vec![Vec::new(); n];
    for (from, tos) in edges.iter().enumerate() {
        for &to in tos {
            reverse[to].push(from);
        }
    }
    let vc = backward(&reverse, &direct_verifier);
    let rc = backward(&reverse, &direct_cmp);
    let verifying = backward(&reverse, &direct_any);
    let interned = intern_calls(ix);
    let kinds: Vec<u8> =
        interned.strings.par_iter().map(|s| receiver::Reached::kinds(s, k)).collect();

    // Roles: extractors and layers are the extras of some function.
    let mut is_extractor = vec![false; n];
    let mut is_layer = vec![false; n];
    for p in plans {
        for (e, phrase) in &p.extras {
            if phrase.starts_with("extractor ") {
                if let Some(x) = is_extractor.get_mut(*e) {
                    *x = true;
                }
            } else if let Some(x) = is_layer.get_mut(*e) {
                *x = true;
            }
        }
    }
    let mut roles: Vec<Option<Role>> = (0..n)
        .map(|id| {
            let f = ix.func(id)?;
            let handler = plans.get(id).is_some_and(|p| p.is_handler) || f.is_handler;
            gates::role_of(f, handler, is_extractor[id], is_layer[id])
        })
        .collect();
    // Helpers: what an entry point calls, directly or not.
    let mut queue: VecDeque<Id> = (0..n).filter(|&i| roles[i].is_some()).collect();
    let mut seen: Vec<bool> = roles.iter().map(Option::is_some).collect();
    while let Some(cur) = queue.pop_front() {
        for &t in edges.get(cur).into_iter().flatten() {
            if !seen[t] {
                seen[t] = true;
                roles[t] = Some(Role::Helper);
                queue.push_back(t);
            }
        }
    }

    // Summaries, callees first: a few rounds reach a fixed point on real call graphs.
    let cx = gates::Cx { ix, plans, verifying: &verifying, roles: &roles, k };
    let mut summaries: Vec<Summary> =
        (0..n).map(|i| if verifying[i] { Summary::Neutral } else { Summary::None }).collect();
    let analysed: Vec<Id> = (0..n).filter(|&i| verifying[i]).collect();
    for _ in 0..6 {
        let next: Vec<(Id, Summary)> = analysed
            .par_iter()
            .map(|&id| {
                let outs = gates::outcomes(&cx, id, &summaries);
                (id, gates::summarise(&cx, id, &outs))
            })
            .collect();
        let mut changed = false;
        for (id, s) in next {
            if summaries[id] != s {
                summaries[id] = s;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let outcomes: Vec<Outcomes> = (0..n)
        .into_par_iter()
        .map(|id| if verifying[id] { gates::outcomes(&cx, id, &summaries) } else { Vec::new() })
        .collect();
    let gate_pos: Vec<Option<verdict::Pos>> =
        outcomes.iter().map(|o| gates::gate_position(o)).collect();
    let callers = gates::caller_verified(ix, &edges, &gate_pos, plans);

    // Closures are computed CHUNK functions at a time, in id order, each within its share of
    // what is left of the budget, so that the result does not depend on scheduling. Each
    // thread keeps its scratch arrays (one slot per function, one per name) for the whole pass.
    let scratch: Vec<std::sync::Mutex<Scratch>> = (0..rayon::current_num_threads().max(1))
        .map(|_| std::sync::Mutex::new(Scratch::default()))
        .collect();
    let mut remaining = REACH_BUDGET;
    let mut out: Vec<Derived> = Vec::with_capacity(n);
    let mut cut: Vec<Id> = Vec::new();
    let mut direct = direct.into_iter().zip(outcomes).enumerate();
    loop {
        let chunk: Vec<(Id, (Vec<bool>, Outcomes))> = direct.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        let cap = (remaining / chunk.len()).min(MAX_CLOSURE);
        let done: Vec<(Derived, bool)> = chunk
            .into_par_iter()
            .map(|(id, (direct, outs))| {
                let slot = rayon::current_thread_index().unwrap_or(0) % scratch.len();
                let mut mine = scratch[slot].lock().unwrap_or_else(|e| e.into_inner());
                if mine.fns.len() != n {
                    mine.fns = vec![usize::MAX; n];
                    mine.names = vec![usize::MAX; interned.strings.len()];
                }
                let extras = plans.get(id).map(|p| p.extras.as_slice()).unwrap_or_default();
                let (reach_ids, heads, was_cut) =
                    closure(ix, &edges, &interned, &mut mine, id, extras, cap);
                drop(mine);
                let reached = receiver::Reached::find(&reach_ids, &kinds, &interned.strings, k);
                let reach: Vec<SharedStr> = reach_ids
                    .into_iter()
                    .filter_map(|i| interned.strings.get(i as usize).cloned())
                    .collect();
                let targets = plans.get(id).map(|p| p.targets.as_slice()).unwrap_or_default();
                let via_helper = targets
                    .iter()
                    .map(|t| {
                        let t = t.filter(|&t| vc[t] && t != id)?;
                        Some(ix.func(t).map(|g| g.name.clone()).unwrap_or_default())
                    })
                    .collect();
                let f = ix.func(id);
                let mut verifications: Vec<Verification> =
                    outs.into_iter().map(|(_, v)| v).collect();
                verifications.extend(extra_entries(f, extras, &summaries));
                if let (Some(f), Some(caller)) = (f, callers.get(id).cloned().flatten()) {
                    let inside = reverse[id].iter().filter_map(|&c| ix.func(c)).any(|c| {
                        f.routes.iter().all(|r| {
                            r.span.file == c.item_span.file
                                && r.span.line >= c.item_span.line
                                && r.span.line <= c.item_span.end_line
                        })
                    });
                    if inside {
                        verifications.push(Verification {
                            via: "caller".into(),
                            what: caller,
                            gates: true,
                            how: "the caller verifies before it calls this function".into(),
                            span: f.span.clone(),
                            at: f.span.clone(),
                            ..Verification::default()
                        });
                    }
                }
                let receiver = match f {
                    Some(f) => {
                        let file = ix.nodes.get(id).and_then(|nd| ix.files.get(nd.file));
                        let caller =
                            reverse[id].first().and_then(|&c| ix.func(c)).map(|c| c.name.as_str());
                        let rcx = receiver::Context {
                            role: roles[id],
                            caller,
                            reaches_headers: &heads,
                            uses: file.map(|fl| fl.index.uses.as_slice()).unwrap_or_default(),
                            crate_name: file
                                .map(|fl| fl.index.crate_name.as_str())
                                .unwrap_or_default(),
                            declared_by: &declared_by(f, declared),
                            auth_from_extras: Vec::new(),
                            reached,
                        };
                        receiver::receiver(f, &rcx, k)
                    }
                    None => Receiver::default(),
                };
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
                    verifications,
                    receiver: (receiver != Receiver::default()).then(|| Box::new(receiver)),
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

/// Verification entries for the function's custom extractors and route layers.
fn extra_entries(
    f: Option<&hooklint_model::Function>,
    extras: &[(Id, String)],
    summaries: &[Summary],
) -> Vec<Verification> {
    let Some(f) = f else { return Vec::new() };
    // One entry per extractor type or layer: the best of its functions.
    let mut by_phrase: Vec<(&str, Summary)> = Vec::new();
    for (e, phrase) in extras {
        let s = summaries.get(*e).cloned().unwrap_or_default();
        match by_phrase.iter_mut().find(|(p, _)| *p == phrase.as_str()) {
            Some((_, prev)) => {
                if rank(&s) > rank(prev) {
                    *prev = s;
                }
            }
            None => by_phrase.push((phrase.as_str(), s)),
        }
    }
    let mut out = Vec::new();
    for (phrase, s) in by_phrase {
        let (via, what) = phrase.split_once(' ').unwrap_or(("layer", phrase));
        let span = if via == "extractor" {
            f.params
                .iter()
                .find(|p| p.custom == what)
                .map(|p| p.span.clone())
                .unwrap_or_else(|| f.span.clone())
        } else {
            f.routes
                .iter()
                .find(|r| r.layers.iter().any(|l| l == what))
                .map(|r| r.span.clone())
                .unwrap_or_else(|| f.span.clone())
        };
        out.extend(gates::entry(via, what, &s, &span));
    }
    out
}

fn rank(s: &Summary) -> u8 {
    match s {
        Summary::None => 0,
        Summary::Neutral => 1,
        Summary::FailOpen(_) => 2,
        Summary::Verdict => 3,
        Summary::Gates => 4,
    }
}

/// Manifests that declare one of the function's routes.
fn declared_by(f: &hooklint_model::Function, declared: &[crate::DeclaredRoute]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in declared {
        let hit = f.routes.iter().any(|r| {
            hooklint_model::manifest::route_matches(&r.path, &d.path)
                && (d.method.is_empty()
                    || r.method == "ANY"
                    || r.method.eq_ignore_ascii_case(&d.method))
        });
        if hit && !out.contains(&d.file) {
            out.push(d.file.clone());
        }
    }
    out
}

/// A thread's scratch space for [`closure`]: the id of the last closure that reached each
/// function and each name.
#[derive(Default)]
pub(super) struct Scratch {
    fns: Vec<usize>,
    names: Vec<usize>,
}

/// `reaches` (as numbers into `interned.strings`) and `reaches_headers` of `id`: what it, the functions it calls (transitively) and
/// its extra entry points call and read. `scratch` has one slot per function and per name.
/// At most `cap` functions are visited and `cap` names kept (the first in sorted order); the
/// flag says whether anything was left out.
pub(super) fn closure(
    ix: &Index,
    edges: &[Vec<Id>],
    interned: &Interned,
    scratch: &mut Scratch,
    id: Id,
    extras: &[(Id, String)],
    cap: usize,
) -> (Vec<u32>, Vec<String>, bool) {
    let Scratch { fns: stamp, names: seen } = scratch;
    // The distinct names, and how many were met with repeats (what the cut counts).
    let mut reach: Vec<u32> = Vec::new();
    let mut met = 0usize;
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
        if visited > cap || met > cap.saturating_mul(2) {
            cut = true;
            break;
        }
        for &name in interned.per_fn.get(cur).into_iter().flatten() {
            met += 1;
            if let Some(s) = seen.get_mut(name as usize).filter(|s| **s != id) {
                *s = id;
                reach.push(name);
            }
        }
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
    if reach.len() > cap {
        reach.truncate(cap);
        cut = true;
    }
    heads.sort_unstable();
    heads.dedup();
    (reach, heads.into_iter().map(str::to_string).collect(), cut)
}

pub(super) fn is_verifier(c: &hooklint_model::Call, k: &Knowledge) -> bool {
    k.is_verifier(&c.name, &c.path)
}

/// A comparison of a sensitive value with a `variable_time_ops` operator: what
/// crypto/non-constant-time-compare reports, and an attempt at verification for
/// webhook/missing-signature-check.
pub(super) fn sensitive_check(c: &hooklint_model::Compare, k: &Knowledge) -> bool {
    k.variable_time_ops.contains(&c.op) && (c.left.sensitive || c.right.sensitive)
}

/// Nodes that reach a marked node, following edges backwards.
pub(super) fn backward(reverse: &[Vec<Id>], marked: &[bool]) -> Vec<bool> {
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
