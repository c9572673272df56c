//! The project index: resolves calls, extractors, layers and registrations across files, then
//! fills the derived facts of every function.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use hooklint_model::{Function, HeaderRead, Knowledge, Route, RustFile};

use crate::extract::{body_kind_of, join_path, NEST};
use crate::names;

/// Most functions one function's `reaches` closure visits; beyond it the closure is cut.
const MAX_CLOSURE: usize = 20_000;

/// Calls that produce a MAC or signature (for recognising outbound senders).
const SIGN_CALLS: &[&str] = &["finalize", "sign", "finalize_reset", "sign_to_vec"];

type Id = usize;

struct Node {
    file: usize,
    func: usize,
    crate_root: String,
    /// A free fn (no `impl` or trait), reachable by bare name.
    free: bool,
}

struct Index {
    nodes: Vec<Node>,
    by_qname: BTreeMap<String, Vec<Id>>,
    by_name: BTreeMap<String, Vec<Id>>,
    by_type_method: BTreeMap<(String, String), Vec<Id>>,
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

impl Index {
    fn build(files: &[RustFile]) -> Index {
        let mut ix = Index {
            nodes: Vec::new(),
            by_qname: BTreeMap::new(),
            by_name: BTreeMap::new(),
            by_type_method: BTreeMap::new(),
        };
        for (fi, file) in files.iter().enumerate() {
            let root = crate_root(&file.path);
            for (gi, f) in file.functions.iter().enumerate() {
                let id = ix.nodes.len();
                let free = f.self_type.is_empty() && f.trait_name.is_empty();
                ix.nodes.push(Node { file: fi, func: gi, crate_root: root.clone(), free });
                ix.by_qname.entry(f.qualified_name.clone()).or_default().push(id);
                ix.by_name.entry(f.name.clone()).or_default().push(id);
                let owner = if f.self_type.is_empty() { &f.trait_name } else { &f.self_type };
                if !owner.is_empty() {
                    ix.by_type_method.entry((owner.clone(), f.name.clone())).or_default().push(id);
                }
            }
        }
        ix
    }

    fn func<'a>(&self, files: &'a [RustFile], id: Id) -> Option<&'a Function> {
        let n = self.nodes.get(id)?;
        files.get(n.file)?.functions.get(n.func)
    }

    /// One candidate, preferring the caller's crate; ambiguity within it resolves to nothing.
    fn pick(&self, cands: Option<&Vec<Id>>, root: &str) -> Option<Id> {
        let cands = cands?;
        let same: Vec<Id> =
            cands.iter().copied().filter(|&c| self.nodes[c].crate_root == root).collect();
        match (same.len(), cands.len()) {
            (1, _) => same.first().copied(),
            (0, 1) => cands.first().copied(),
            _ => None,
        }
    }

    fn resolve_path(&self, path: &str, module: &str, root: &str) -> Option<Id> {
        let path = path.trim_start_matches("::");
        let mut cands: Vec<String> = Vec::new();
        if let Some(rest) = path.strip_prefix("crate::") {
            cands.push(rest.to_string());
        } else if let Some(rest) = path.strip_prefix("self::") {
            cands.push(join(module, rest));
        } else if path.starts_with("super::") {
            let mut m: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
            let mut rest = path;
            while let Some(r) = rest.strip_prefix("super::") {
                m.pop();
                rest = r;
            }
            cands.push(join(&m.join("::"), rest));
        } else {
            if !module.is_empty() {
                cands.push(join(module, path));
            }
            cands.push(path.to_string());
            // `mycrate::handlers::verify` from another crate of the workspace.
            if let Some((_, rest)) = path.split_once("::") {
                cands.push(rest.to_string());
            }
        }
        for c in &cands {
            if let Some(id) = self.pick(self.by_qname.get(c), root) {
                return Some(id);
            }
        }
        let segs: Vec<&str> = path.split("::").collect();
        if segs.len() >= 2 {
            let ty = segs[segs.len() - 2];
            let name = segs[segs.len() - 1];
            if ty.chars().next().is_some_and(|c| c.is_uppercase()) {
                return self
                    .pick(self.by_type_method.get(&(ty.to_string(), name.to_string())), root);
            }
            return None;
        }
        // A bare name brought in by a glob import or defined in a parent module.
        let free: Vec<Id> = self
            .by_name
            .get(path)
            .map(|v| v.iter().copied().filter(|&i| self.is_free(i)).collect())
            .unwrap_or_default();
        self.pick(Some(&free), root)
    }

    fn is_free(&self, id: Id) -> bool {
        self.nodes.get(id).is_some_and(|n| n.free)
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

/// Extra entry points of a function: custom extractors and route layers, with their phrase.
#[derive(Default, Clone)]
struct Extras {
    entries: Vec<(Id, String)>,
}

pub fn link(files: &mut [RustFile], k: &Knowledge) {
    let ix = Index::build(files);
    let n = ix.nodes.len();

    // Calls -> targets.
    let mut edges: Vec<Vec<Id>> = vec![Vec::new(); n];
    let mut targets: Vec<Vec<Option<Id>>> = vec![Vec::new(); n];
    for id in 0..n {
        let Some(f) = ix.func(files, id) else { continue };
        let node = &ix.nodes[id];
        let module = f.module.clone();
        let mut t = Vec::with_capacity(f.calls.len());
        for c in &f.calls {
            let target = if c.is_method {
                if c.receiver == "self" && !f.self_type.is_empty() {
                    ix.pick(
                        ix.by_type_method.get(&(f.self_type.clone(), c.name.clone())),
                        &node.crate_root,
                    )
                } else if let Some(t) = c.path.rsplit("::").nth(1).and_then(|ty| {
                    ix.pick(
                        ix.by_type_method.get(&(ty.to_string(), c.name.clone())),
                        &node.crate_root,
                    )
                }) {
                    Some(t)
                } else {
                    let methods: Vec<Id> = ix
                        .by_name
                        .get(&c.name)
                        .map(|v| {
                            v.iter()
                                .copied()
                                .filter(|&i| {
                                    ix.func(files, i).is_some_and(|g| {
                                        !g.self_type.is_empty() || !g.trait_name.is_empty()
                                    })
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    if methods.len() == 1 {
                        methods.first().copied()
                    } else {
                        None
                    }
                }
            } else {
                ix.resolve_path(&c.path, &module, &node.crate_root)
            };
            if let Some(tid) = target {
                if tid != id {
                    edges[id].push(tid);
                }
            }
            t.push(target);
        }
        edges[id].sort_unstable();
        edges[id].dedup();
        targets[id] = t;
    }

    // Extractor impls: type name -> extractor fns.
    let mut extractors: BTreeMap<String, Vec<Id>> = BTreeMap::new();
    for file in files.iter() {
        let root = crate_root(&file.path);
        for (ty, _, qname) in &file.index.extractor_impls {
            if let Some(id) = ix.pick(ix.by_qname.get(qname), &root) {
                extractors.entry(ty.clone()).or_default().push(id);
            }
        }
    }

    let mut extras: Vec<Extras> = vec![Extras::default(); n];
    let mut new_routes: Vec<Vec<Route>> = vec![Vec::new(); n];
    let mut prefix_routes: Vec<Vec<(String, Vec<String>)>> = vec![Vec::new(); n];
    let mut warp_headers: Vec<Vec<HeaderRead>> = vec![Vec::new(); n];
    let mut registered = vec![false; n];

    let nested = nested_registrations(&ix, files);

    // Registrations -> handlers and layers.
    for (fi, file) in files.iter().enumerate() {
        let root = crate_root(&file.path);
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
            let Some(h) = ix.resolve_path(&hpath, &file.index.module, &root) else { continue };
            registered[h] = true;
            if r.method.is_empty() {
                prefix_routes[h].push((r.path.clone(), r.layers.clone()));
            } else {
                new_routes[h].push(Route {
                    method: r.method.clone(),
                    path: r.path.clone(),
                    framework: r.framework.clone(),
                    layers: r.layers.clone(),
                    span: r.span.clone(),
                });
            }
            for hname in &r.headers {
                warp_headers[h].push(HeaderRead {
                    name: hname.clone(),
                    span: r.span.clone(),
                    ..HeaderRead::default()
                });
            }
            for l in &r.layers {
                let lpath = resolve_uses(&file.index.uses, l);
                let mut found = Vec::new();
                if let Some(lid) = ix.resolve_path(&lpath, &file.index.module, &root) {
                    found.push(lid);
                } else {
                    found.extend(layer_type_fns(&ix, files, l));
                }
                for lid in found {
                    extras[h].entries.push((lid, format!("layer {l}")));
                }
            }
        }
    }

    let qnames: Vec<String> = (0..n)
        .map(|id| ix.func(files, id).map(|f| f.qualified_name.clone()).unwrap_or_default())
        .collect();

    // Apply per-function link results that need mutable access.
    for id in 0..n {
        let (fi, gi) = (ix.nodes[id].file, ix.nodes[id].func);
        let Some(f) = files.get_mut(fi).and_then(|file| file.functions.get_mut(gi)) else {
            continue;
        };
        for (ci, c) in f.calls.iter_mut().enumerate() {
            if let Some(Some(t)) = targets[id].get(ci) {
                c.target = qnames.get(*t).cloned().unwrap_or_default();
            }
        }
        f.routes.extend(std::mem::take(&mut new_routes[id]));
        for (prefix, layers) in std::mem::take(&mut prefix_routes[id]) {
            for r in &mut f.routes {
                if !prefix.is_empty() && prefix != "/" && !r.path.starts_with(&prefix) {
                    r.path = format!(
                        "{}/{}",
                        prefix.trim_end_matches('/'),
                        r.path.trim_start_matches('/')
                    );
                }
                r.layers.extend(layers.iter().cloned());
            }
        }
        f.headers_read.extend(std::mem::take(&mut warp_headers[id]));
        if registered[id] || !f.routes.is_empty() {
            f.is_handler = true;
            for p in &mut f.params {
                if p.extractor == "other" {
                    let t = p.ty.replace(' ', "");
                    p.extractor = match t.as_str() {
                        "String" | "&str" | "&'static str" => "string".to_string(),
                        "Vec<u8>" | "&[u8]" => "bytes".to_string(),
                        _ => std::mem::take(&mut p.extractor),
                    };
                }
            }
            if f.body.kind == "none" {
                f.body.kind = body_kind_of(&f.params);
            }
        }
        for p in &mut f.params {
            let found = type_words(&p.ty).into_iter().find(|w| extractors.contains_key(w));
            match found {
                Some(ty)
                    if matches!(p.extractor.as_str(), "other" | "custom") || ty == p.custom =>
                {
                    p.extractor = "custom".to_string();
                    for &e in extractors.get(&ty).into_iter().flatten() {
                        extras[id].entries.push((e, format!("extractor {ty}")));
                    }
                    p.custom = ty;
                }
                _ => p.custom.clear(),
            }
        }
    }

    // Which functions reach a verifier or a sensitive comparison through calls.
    let direct_verifier: Vec<bool> = (0..n)
        .map(|id| ix.func(files, id).is_some_and(|f| f.calls.iter().any(|c| is_verifier(c, k))))
        .collect();
    let direct_cmp: Vec<bool> = (0..n)
        .map(|id| ix.func(files, id).is_some_and(|f| f.compares.iter().any(sensitive_check)))
        .collect();
    let mut reverse: Vec<Vec<Id>> = vec![Vec::new(); n];
    for (from, tos) in edges.iter().enumerate() {
        for &to in tos {
            reverse[to].push(from);
        }
    }
    let vc = backward(&reverse, &direct_verifier);
    let rc = backward(&reverse, &direct_cmp);
    let mut called = vec![false; n];
    for tos in &edges {
        for &t in tos {
            called[t] = true;
        }
    }

    // Per-function closure: reaches and reaches_headers.
    let mut stamp = vec![usize::MAX; n];
    let mut results: Vec<(Vec<String>, Vec<String>)> = Vec::with_capacity(n);
    for (id, extra) in extras.iter().enumerate() {
        let mut reach: BTreeSet<String> = BTreeSet::new();
        let mut heads: BTreeSet<String> = BTreeSet::new();
        let mut queue: VecDeque<Id> = VecDeque::new();
        let starts = std::iter::once(id).chain(extra.entries.iter().map(|e| e.0));
        for s in starts {
            if stamp[s] != id {
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
            if let Some(f) = ix.func(files, cur) {
                for c in &f.calls {
                    reach.insert(c.name.clone());
                    if !c.path.is_empty() {
                        reach.insert(c.path.clone());
                        let segs: Vec<&str> = c.path.rsplitn(3, "::").collect();
                        if segs.len() >= 2 {
                            reach.insert(format!("{}::{}", segs[1], segs[0]));
                        }
                    }
                }
                for h in &f.headers_read {
                    heads.insert(h.name.clone());
                }
            }
            for &t in &edges[cur] {
                if stamp[t] != id {
                    stamp[t] = id;
                    queue.push_back(t);
                }
            }
        }
        results.push((reach.into_iter().collect(), heads.into_iter().collect()));
    }

    // Derived facts.
    for (id, (reach, heads)) in results.into_iter().enumerate() {
        let (fi, gi) = (ix.nodes[id].file, ix.nodes[id].func);
        let extra_ids: Vec<(Id, String)> = extras[id].entries.clone();
        let target_ids: Vec<Option<Id>> = targets[id].clone();
        let target_names: Vec<String> = target_ids
            .iter()
            .map(|t| t.and_then(|t| ix.func(files, t)).map(|g| g.name.clone()).unwrap_or_default())
            .collect();
        let is_called = called[id];
        let Some(f) = files.get_mut(fi).and_then(|file| file.functions.get_mut(gi)) else {
            continue;
        };
        f.reaches = reach;
        f.reaches_headers = heads;
        f.reaches_sensitive_compare = rc[id] || extra_ids.iter().any(|(e, _)| rc[*e]);

        let mut by: BTreeSet<String> = BTreeSet::new();
        for (ci, c) in f.calls.iter_mut().enumerate() {
            let direct = is_verifier(c, k);
            let helper = target_ids.get(ci).copied().flatten().filter(|&t| vc[t] && t != id);
            c.verifies = direct || helper.is_some();
            if direct {
                by.insert(format!(
                    "calls {}",
                    if c.path.contains("::") { &c.path } else { &c.name }
                ));
            } else if helper.is_some() {
                by.insert(format!(
                    "via helper {}",
                    target_names.get(ci).cloned().unwrap_or_default()
                ));
            }
        }
        for (e, phrase) in &extra_ids {
            if vc[*e] {
                by.insert(phrase.clone());
            }
        }
        f.verified_by = by.into_iter().collect();
        f.verifies = !f.verified_by.is_empty();

        let outside =
            f.verified_by.iter().any(|v| v.starts_with("extractor ") || v.starts_with("layer "));
        let verify_orders: Vec<u32> =
            f.calls.iter().filter(|c| c.verifies).map(|c| c.order).collect();
        let first_verify = verify_orders.iter().min().copied();
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

        webhook(f, k, is_called);
    }
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
fn nested_registrations(
    ix: &Index,
    files: &[RustFile],
) -> BTreeMap<(usize, usize), (String, Vec<String>)> {
    let mut out: BTreeMap<(usize, usize), (String, Vec<String>)> = BTreeMap::new();
    for _ in 0..4 {
        let mut changed = false;
        for (fi, file) in files.iter().enumerate() {
            let root = crate_root(&file.path);
            for (ri, r) in file.index.registrations.iter().enumerate() {
                if r.framework != NEST {
                    continue;
                }
                let (outer_prefix, outer_layers) = out.get(&(fi, ri)).cloned().unwrap_or_default();
                let prefix = join_path(&outer_prefix, &r.path);
                let mut layers = r.layers.clone();
                layers.extend(outer_layers);
                let path = resolve_uses(&file.index.uses, &r.handler);
                let Some(target) = ix.resolve_path(&path, &file.index.module, &root) else {
                    continue;
                };
                let (tf, tg) = (ix.nodes[target].file, ix.nodes[target].func);
                let Some(f) = files.get(tf).and_then(|x| x.functions.get(tg)) else { continue };
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
fn type_words(ty: &str) -> Vec<String> {
    ty.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| w.chars().next().is_some_and(|c| c.is_uppercase()))
        .map(|w| w.to_string())
        .collect()
}

/// Tower/actix layer types: the `call` of the service the layer wraps the route in.
fn layer_type_fns(ix: &Index, files: &[RustFile], layer: &str) -> Vec<Id> {
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
    let mut out = Vec::new();
    for ((owner, _), ids) in &ix.by_type_method {
        if !cands.contains(owner) {
            continue;
        }
        for &id in ids {
            if ix.func(files, id).is_some_and(|f| {
                matches!(
                    f.trait_name.as_str(),
                    "Service" | "Layer" | "Transform" | "Middleware" | "Endpoint"
                )
            }) {
                out.push(id);
            }
        }
    }
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
        assert!(h.reaches.contains(&"verify_slice".to_string()));
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
        assert!(s.reaches.contains(&"hmac::verify".to_string()));
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
