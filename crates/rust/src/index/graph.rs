//! The read-only pass over the call graph: `reaches` closures, reached verifiers and
//! sensitive comparisons.

use std::collections::VecDeque;

use hooklint_model::{Knowledge, SharedStr};
use rayon::prelude::*;

use super::resolve::{Id, Index};
use super::{Derived, Plan};

/// Most functions one function's `reaches` closure visits; beyond it the closure is cut.
pub(super) const MAX_CLOSURE: usize = 20_000;

/// Strings the `reaches` closures are made of, numbered in sorted order so that sorting the
/// numbers sorts the strings.
pub(super) struct Interned {
    /// Shared, so that every `reaches` holding a string holds the same allocation.
    pub(super) strings: Vec<SharedStr>,
    /// Per function, the numbers of what its own calls contribute.
    pub(super) per_fn: Vec<Vec<u32>>,
}

pub(super) fn intern_calls<'a>(ix: &Index<'a>) -> Interned {
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

/// The read-only second pass over the call graph.
pub(super) fn derive(ix: &Index, plans: &[Plan], k: &Knowledge) -> Vec<Derived> {
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

    direct
        .into_par_iter()
        .enumerate()
        // Few, large pieces: each gets its own scratch array of `n` slots.
        .with_min_len((n / (8 * rayon::current_num_threads().max(1))).max(256))
        .map_init(
            || vec![usize::MAX; n],
            |stamp, (id, direct)| {
                let extras = plans.get(id).map(|p| p.extras.as_slice()).unwrap_or_default();
                let (reach, heads) = closure(ix, &edges, &interned, stamp, id, extras);
                let targets = plans.get(id).map(|p| p.targets.as_slice()).unwrap_or_default();
                let via_helper = targets
                    .iter()
                    .map(|t| {
                        let t = t.filter(|&t| vc[t] && t != id)?;
                        Some(ix.func(t).map(|g| g.name.clone()).unwrap_or_default())
                    })
                    .collect();
                Derived {
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
                }
            },
        )
        .collect()
}

/// `reaches` and `reaches_headers` of `id`: what it, the functions it calls (transitively) and
/// its extra entry points call and read. `stamp` is scratch space, one slot per function.
pub(super) fn closure(
    ix: &Index,
    edges: &[Vec<Id>],
    interned: &Interned,
    stamp: &mut [usize],
    id: Id,
    extras: &[(Id, String)],
) -> (Vec<SharedStr>, Vec<String>) {
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
    while let Some(cur) = queue.pop_front() {
        visited += 1;
        if visited > MAX_CLOSURE {
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
    heads.sort_unstable();
    heads.dedup();
    let reach =
        reach.into_iter().filter_map(|i| interned.strings.get(i as usize).cloned()).collect();
    (reach, heads.into_iter().map(str::to_string).collect())
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
