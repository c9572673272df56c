//! Router registrations, nested routers, project extractors and layers: what the index adds
//! to handlers.

use std::collections::{BTreeMap, BTreeSet};

use crate::HashMap;

use hooklint_model::{HeaderRead, Param, Route};

use super::resolve::{resolve_uses, Id, Index};
use crate::extract::{join_path, NEST};

/// What router registrations add to their handler (and to the layers' functions).
#[derive(Default)]
pub(super) struct Registered {
    pub(super) routes: Vec<Route>,
    /// Scopes (`scope("/api").service(h)`): a path prefix and layers for the handler's routes.
    pub(super) prefixes: Vec<(String, Vec<String>)>,
    /// Header names read by the route's filters (warp).
    pub(super) headers: Vec<HeaderRead>,
}

/// A handler's param of a plain type is what the framework reads the body as.
pub(super) fn handler_extractor(p: &Param) -> String {
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
pub(super) fn custom_extractor(
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
pub(crate) fn extractor_impls<'a>(ix: &Index<'a>) -> BTreeMap<&'a str, Vec<Id>> {
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
pub(super) fn registrations(ix: &Index) -> HashMap<Id, (Registered, Vec<(Id, String)>)> {
    let nested = nested_registrations(ix);
    let mut out: HashMap<Id, (Registered, Vec<(Id, String)>)> = HashMap::default();
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
            let found = ix.resolve_path(&hpath, &file.index.module, krate).or_else(|| {
                // A type as the handler (tide's `Endpoint`, a `Handler` impl): its method.
                let ty = crate::util::last_segment(&hpath);
                ty.chars().next().filter(|c| c.is_uppercase())?;
                ["call", "handle"].iter().find_map(|m| ix.pick(ix.method(ty, m), krate))
            });
            let Some(h) = found else { continue };
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

/// Prefix and layers for registrations made inside a fn that another router nests
/// (`.nest("/api", api::routes())`), keyed by (file, registration) index. Nesting is followed up
/// to four levels.
pub(super) fn nested_registrations(ix: &Index) -> BTreeMap<(usize, usize), (String, Vec<String>)> {
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

/// Words of a type text that could name a project type (`Option<VerifiedBody>`).
pub(super) fn type_words(ty: &str) -> impl Iterator<Item = &str> {
    ty.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| w.chars().next().is_some_and(|c| c.is_uppercase()))
}

/// Tower/actix layer types: the `call` of the service the layer wraps the route in.
pub(super) fn layer_type_fns(ix: &Index, layer: &str) -> Vec<Id> {
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
