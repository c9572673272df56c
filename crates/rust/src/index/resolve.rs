//! The index of every project function by the names calls use, and call resolution.

use crate::HashMap;

use hooklint_model::{Function, RustFile};

pub(crate) type Id = usize;

pub(crate) struct Node {
    pub(crate) file: usize,
    pub(crate) func: usize,
}

/// Every function of the project by the names calls use, borrowing the facts.
pub(crate) struct Index<'a> {
    pub(crate) files: &'a [RustFile],
    pub(crate) nodes: Vec<Node>,
    /// First node id of each file: a file's functions are consecutive ids.
    pub(crate) offsets: Vec<Id>,
    /// Crate of each file, as a small number (files of one crate share it).
    pub(crate) crate_of_file: Vec<u32>,
    pub(super) by_qname: HashMap<&'a str, Vec<Id>>,
    pub(super) by_name: HashMap<&'a str, Vec<Id>>,
    /// Methods (of an `impl` or a trait) by owner type or trait, then name.
    pub(super) by_owner: HashMap<&'a str, HashMap<&'a str, Vec<Id>>>,
    /// Method name -> the one method of that name, `None` when there are several.
    pub(super) unique_method: HashMap<&'a str, Option<Id>>,
}

pub(crate) fn crate_root(path: &str) -> String {
    let p = path.replace('\\', "/");
    for marker in ["/src/", "/tests/", "/benches/", "/examples/"] {
        if let Some(i) = p.rfind(marker) {
            return p[..i].to_string();
        }
    }
    String::new()
}

pub(super) fn owner_of(f: &Function) -> &str {
    if f.self_type.is_empty() {
        &f.trait_name
    } else {
        &f.self_type
    }
}

impl<'a> Index<'a> {
    /// Only the numbering of the functions, without the maps.
    pub(super) fn functions(files: &'a [RustFile]) -> Index<'a> {
        let mut ix = Index {
            files,
            nodes: Vec::new(),
            offsets: Vec::with_capacity(files.len()),
            crate_of_file: Vec::with_capacity(files.len()),
            by_qname: HashMap::default(),
            by_name: HashMap::default(),
            by_owner: HashMap::default(),
            unique_method: HashMap::default(),
        };
        for (fi, file) in files.iter().enumerate() {
            ix.offsets.push(ix.nodes.len());
            ix.nodes.extend((0..file.functions.len()).map(|gi| Node { file: fi, func: gi }));
        }
        ix
    }

    pub(crate) fn build(files: &'a [RustFile]) -> Index<'a> {
        let mut ix = Index::functions(files);
        let mut crates: HashMap<String, u32> = HashMap::default();
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

    /// The numbering alone ([`Index::functions`] and the crates of files): the name maps are
    /// freed, for passes that no longer resolve names.
    pub(crate) fn into_numbering(self) -> Index<'a> {
        Index {
            by_qname: HashMap::default(),
            by_name: HashMap::default(),
            by_owner: HashMap::default(),
            unique_method: HashMap::default(),
            ..self
        }
    }

    pub(crate) fn func(&self, id: Id) -> Option<&'a Function> {
        let n = self.nodes.get(id)?;
        self.files.get(n.file)?.functions.get(n.func)
    }

    pub(crate) fn crate_of(&self, id: Id) -> u32 {
        self.nodes.get(id).and_then(|n| self.crate_of_file.get(n.file)).copied().unwrap_or(0)
    }

    pub(super) fn method(&self, owner: &str, name: &str) -> Option<&Vec<Id>> {
        self.by_owner.get(owner)?.get(name)
    }

    /// One candidate, preferring the caller's crate; ambiguity within it resolves to nothing.
    pub(super) fn pick(&self, cands: Option<&Vec<Id>>, krate: u32) -> Option<Id> {
        self.pick_from(cands?.iter().copied(), krate)
    }

    pub(crate) fn pick_from(
        &self,
        cands: impl Iterator<Item = Id> + Clone,
        krate: u32,
    ) -> Option<Id> {
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

    pub(crate) fn resolve_path(&self, path: &str, module: &str, krate: u32) -> Option<Id> {
        let path = path.trim_start_matches("::");
        let by_qname = |q: &str| self.pick(self.by_qname.get(q), krate);
        let found = if let Some(q) = anchored(path, module) {
            by_qname(&q)
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
            // `handlers::dispatch` re-exported by `handlers/mod.rs` from `handlers::github`: a
            // free fn of that name in the module or below it.
            let prefix = path[..path.len() - name.len()].trim_end_matches("::");
            let prefix = prefix.trim_start_matches("crate::").trim_start_matches("self::");
            let prefixes = [prefix.to_string(), join(module, prefix)];
            let below = self.by_name.get(name)?.iter().copied().filter(|&i| {
                self.is_free(i)
                    && self.func(i).is_some_and(|g| {
                        prefixes.iter().any(|p| {
                            !p.is_empty()
                                && (g.module == *p || g.module.starts_with(&format!("{p}::")))
                        })
                    })
            });
            return self.pick_from(below, krate);
        }
        // A bare name brought in by a glob import or defined in a parent module.
        let free = self.by_name.get(path)?.iter().copied().filter(|&i| self.is_free(i));
        self.pick_from(free, krate)
    }

    pub(super) fn is_free(&self, id: Id) -> bool {
        self.func(id).is_some_and(|f| f.self_type.is_empty() && f.trait_name.is_empty())
    }

    /// The project function each call of `id` resolves to.
    pub(super) fn call_targets(&self, id: Id) -> Vec<Option<Id>> {
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

/// The crate-relative path an anchored path names from `module`: `crate::a::b` is `a::b`,
/// `self::x` and `super::x` are taken from the module; `None` for a path with no anchor.
pub(crate) fn anchored(path: &str, module: &str) -> Option<String> {
    if let Some(rest) = path.strip_prefix("crate::") {
        Some(rest.to_string())
    } else if let Some(rest) = path.strip_prefix("self::") {
        Some(join(module, rest))
    } else if path.starts_with("super::") {
        let mut m: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
        let mut rest = path;
        while let Some(r) = rest.strip_prefix("super::") {
            m.pop();
            rest = r;
        }
        Some(join(&m.join("::"), rest))
    } else {
        None
    }
}

pub(crate) fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}::{b}")
    }
}

pub(super) fn resolve_uses(uses: &[(String, String)], path: &str) -> String {
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
