//! The project index: resolves calls, extractors, layers and registrations across files, then
//! fills the derived facts of every function.
//!
//! `link` runs in phases so that all the per-function work is parallel: an index that borrows
//! the facts (no key is copied), a read-only pass that plans each function's changes, a
//! parallel pass that applies them, a read-only pass over the call graph (closures, reached
//! verifiers), and a last parallel pass that writes the derived facts. Only the registrations,
//! a handful per project, are walked serially.

mod derived;
mod gates;
mod graph;
mod receiver;
pub(crate) mod resolve;
mod routes;
mod test_mods;
#[cfg(test)]
mod tests;

use hooklint_model::{Function, Knowledge, Receiver, RustFile, SharedStr, Verification};
use rayon::prelude::*;

use crate::extract::body_kind_of;
use derived::apply_derived;
use graph::derive;
use resolve::{Id, Index};
pub(crate) use routes::extractor_impls;
use routes::{custom_extractor, handler_extractor, registrations, Registered};

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
    /// Every verification of the function's request and whether it gates.
    verifications: Vec<Verification>,
    /// `None` for the default (most functions receive nothing): the pass holds one `Derived`
    /// per function at once.
    receiver: Option<Box<Receiver>>,
}

pub fn link(
    files: &mut [RustFile],
    k: &Knowledge,
    declared: &[crate::DeclaredRoute],
) -> Vec<hooklint_model::Problem> {
    test_mods::mark(files);
    let (mut plans, offsets) = {
        let ix = Index::build(files);
        (plan(&ix), ix.offsets.clone())
    };
    files.par_iter_mut().zip(by_file(plans.iter_mut(), &offsets)).for_each(|(file, plans)| {
        for (f, p) in file.functions.iter_mut().zip(plans) {
            apply_plan(f, p);
            let mut sites = std::mem::take(&mut f.verdicts.sites);
            sites.retain(|s| gates::may_verify(f, s, &p.targets, k));
            sites.shrink_to_fit();
            f.verdicts.sites = sites;
        }
    });
    {
        let targets: Vec<&[Option<Id>]> = plans.iter().map(|p| p.targets.as_slice()).collect();
        crate::provenance::link::link(files, &targets, k);
    }
    let (derived, cut) = {
        let ix = Index::functions(files);
        let (derived, cut) = derive(&ix, &plans, k, declared);
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
        hooklint_model::ProblemCode::TooComplex,
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
    // The derive pass keeps every plan; the parameters are not needed after this.
    let params = std::mem::take(&mut plan.params);
    for (p, (_, custom)) in f.params.iter_mut().zip(&params) {
        match custom {
            Some(ty) => {
                p.extractor = "custom".to_string();
                p.custom.clone_from(ty);
            }
            None => p.custom.clear(),
        }
    }
}
