//! Per-file extraction: walks the items of a parsed file and builds the facts of every fn.

mod expand;
mod exprs;
mod flow;
mod frameworks;
mod functions;
mod headers;
mod macros;
mod sensitivity;

use std::collections::BTreeMap;

use hooklint_model::flow::{GlobalFlow, StructDef, StructField};
use hooklint_model::{Knowledge, RustFile, SharedStr};
use syn::spanned::Spanned;

use crate::provenance::build::compact;
use crate::util::{self, Src};

pub use frameworks::{join_path, NEST};
pub use functions::body_kind as body_kind_of;

/// What the whole file knows while its functions are extracted.
pub struct FileCx<'a> {
    pub src: Src<'a>,
    pub k: &'a Knowledge,
    /// `use` aliases: local name -> full path.
    pub uses: BTreeMap<String, String>,
    /// `type X = Y<..>;` -> `Y`.
    pub aliases: BTreeMap<String, String>,
    /// String values of `const`/`static` items, for header names given by constant.
    pub consts: BTreeMap<String, String>,
    /// Default framework for route attributes, from the file's `use` items.
    pub framework: &'static str,
    pub file_is_test: bool,
    /// Bytes of macro bodies the file may still have parsed (see `macros.rs`).
    pub macro_budget: std::cell::Cell<usize>,
    /// The file's `macro_rules!` macros and what is left of their expansion budget.
    pub expansion: &'a Expansion,
    /// Invocations this code was expanded from (0: the file as written).
    pub expansion_depth: usize,
}

/// The file's own macros, expanded where they are invoked as items (see `expand.rs`).
pub struct Expansion {
    macros: expand::Macros,
    budget: std::cell::Cell<usize>,
}

impl<'a> FileCx<'a> {
    /// The context of code expanded from a macro: its tokens have the spans of the template
    /// and the invocation, so texts are printed from the tokens, not sliced from the file.
    fn expanded(&self) -> FileCx<'a> {
        FileCx {
            src: Src::new(self.src.path, ""),
            k: self.k,
            uses: self.uses.clone(),
            aliases: self.aliases.clone(),
            consts: self.consts.clone(),
            framework: self.framework,
            file_is_test: self.file_is_test,
            macro_budget: std::cell::Cell::new(self.macro_budget.get()),
            expansion: self.expansion,
            expansion_depth: self.expansion_depth + 1,
        }
    }

    /// Resolves a path through `use` items and type aliases (first segment only, like rustc).
    pub fn resolve(&self, path: &str, self_type: &str) -> String {
        let (first, rest) = match path.split_once("::") {
            Some((f, r)) => (f, Some(r)),
            None => (path, None),
        };
        let head = if first == "Self" && !self_type.is_empty() {
            self_type.to_string()
        } else if let Some(target) = self.aliases.get(first) {
            self.uses.get(target).cloned().unwrap_or_else(|| target.clone())
        } else if let Some(full) = self.uses.get(first) {
            full.clone()
        } else {
            first.to_string()
        };
        match rest {
            Some(r) => format!("{head}::{r}"),
            None => head,
        }
    }
}

pub struct Output {
    pub file: RustFile,
}

pub fn file(src: Src<'_>, k: &Knowledge, ast: &syn::File) -> Output {
    let path = src.path.replace('\\', "/");
    let file_is_test = path_is_test(&path) || ast.attrs.iter().any(functions::is_cfg_test);
    let mut uses = BTreeMap::new();
    let mut aliases = BTreeMap::new();
    let mut consts = BTreeMap::new();
    prescan(&ast.items, &mut uses, &mut aliases, &mut consts, 0);
    let framework = guess_framework(&uses);
    let macro_budget = std::cell::Cell::new(crate::limits::macro_budget(src.text.len()));
    let expansion = Expansion {
        macros: expand::Macros::collect(&ast.items, k),
        budget: std::cell::Cell::new(expand::budget(src.text.len())),
    };
    let cx = FileCx {
        src,
        k,
        uses,
        aliases,
        consts,
        framework,
        file_is_test,
        macro_budget,
        expansion: &expansion,
        expansion_depth: 0,
    };
    let module = module_of(&path);
    let mut out =
        RustFile { path: cx.src.path.to_string(), is_test: file_is_test, ..RustFile::default() };
    out.index.module = module.clone();
    out.index.uses = cx.uses.iter().map(|(a, b)| (a.clone(), b.clone())).collect();
    let mut w = Walker { cx: &cx, out: &mut out };
    w.items(&ast.items, &module, file_is_test, 0);
    Output { file: out }
}

struct Walker<'a, 'b> {
    cx: &'a FileCx<'b>,
    out: &'a mut RustFile,
}

impl Walker<'_, '_> {
    fn items(&mut self, items: &[syn::Item], module: &str, in_test: bool, depth: usize) {
        if depth > crate::limits::ITEM_DEPTH {
            if let Some(first) = items.first() {
                crate::limits::hit(first.span().start().line, "a module");
            }
            return;
        }
        for item in items {
            match item {
                syn::Item::Fn(f) => {
                    let input = functions::FnInput {
                        attrs: &f.attrs,
                        sig: &f.sig,
                        block: Some(&f.block),
                        item_span: util::fn_item_span(&f.attrs, &[&f.vis], &f.sig, &f.block, item),
                        self_type: "",
                        trait_name: "",
                        module,
                        in_test,
                    };
                    self.function(&input);
                }
                syn::Item::Impl(i) => self.item_impl(i, module, in_test),
                syn::Item::Struct(st) => self.out.index.structs.push(struct_def(st)),
                syn::Item::Trait(t) => {
                    let in_test = in_test || t.attrs.iter().any(functions::is_cfg_test);
                    let tname = t.ident.to_string();
                    for ti in &t.items {
                        if let syn::TraitItem::Fn(f) = ti {
                            if f.default.is_none() {
                                continue;
                            }
                            let input = functions::FnInput {
                                attrs: &f.attrs,
                                sig: &f.sig,
                                block: f.default.as_ref(),
                                item_span: match &f.default {
                                    Some(b) => util::fn_item_span(&f.attrs, &[], &f.sig, b, ti),
                                    None => ti.span(),
                                },
                                self_type: "",
                                trait_name: &tname,
                                module,
                                in_test,
                            };
                            self.function(&input);
                        }
                    }
                }
                syn::Item::Mod(m) => {
                    let t = in_test || m.attrs.iter().any(functions::is_cfg_test);
                    if let Some((_, inner)) = &m.content {
                        let name = m.ident.to_string();
                        let sub =
                            if module.is_empty() { name } else { format!("{module}::{name}") };
                        self.items(inner, &sub, t, depth + 1);
                    } else if t && depth == 0 {
                        // `#[cfg(test)] mod tests;`: the module's file is test code.
                        let path = m.attrs.iter().find_map(path_attr);
                        self.out.index.test_mods.push((m.ident.to_string(), path));
                    }
                }
                syn::Item::Const(c) => {
                    let t = in_test || c.attrs.iter().any(functions::is_cfg_test);
                    let g = Global { name: c.ident.to_string(), context: "const", ty: &c.ty };
                    self.module_value(&g, &c.expr, module, "", t);
                }
                syn::Item::Static(s) => {
                    let t = in_test || s.attrs.iter().any(functions::is_cfg_test);
                    let g = Global { name: s.ident.to_string(), context: "static", ty: &s.ty };
                    self.module_value(&g, &s.expr, module, "", t);
                }
                syn::Item::Macro(m) if m.ident.is_none() => {
                    let t = in_test || m.attrs.iter().any(functions::is_cfg_test);
                    if let Some(expanded) = self.expand(&m.mac, parse_all::<syn::Item>) {
                        let cx = self.cx.expanded();
                        Walker { cx: &cx, out: self.out }.items(&expanded, module, t, depth + 1);
                    }
                }
                _ => {}
            }
        }
    }

    /// Expands an invocation of one of the file's own macros and parses the result with
    /// `parse`: `None` when the file does not define it, no rule matches, the result does not
    /// parse, or a bound is reached (then a `too-complex` problem says so).
    fn expand<T>(
        &self,
        mac: &syn::Macro,
        parse: impl FnOnce(syn::parse::ParseStream<'_>) -> syn::Result<T>,
    ) -> Option<T> {
        use syn::parse::Parser;
        let ex = self.cx.expansion;
        if ex.macros.is_empty() {
            return None;
        }
        let line = mac.path.span().start().line;
        if self.cx.expansion_depth >= expand::MAX_DEPTH {
            if ex.macros.defines(&mac.path) {
                crate::limits::hit(line, crate::limits::EXPANSION);
            }
            return None;
        }
        let mut budget = ex.budget.get();
        let result = ex.macros.expand(mac, &mut budget);
        ex.budget.set(budget);
        let tokens = match result {
            Ok(tokens) => tokens,
            Err(expand::Stop::NoMatch) => return None,
            Err(expand::Stop::Budget) => {
                crate::limits::hit(line, crate::limits::EXPANSION);
                return None;
            }
        };
        // The expansion is held to the bounds the file is held to before syn parses it.
        if crate::scan::scan(&tokens.to_string()).refusal.is_some() {
            crate::limits::hit(line, crate::limits::EXPANSION);
            return None;
        }
        parse.parse2(tokens).ok()
    }

    fn item_impl(&mut self, i: &syn::ItemImpl, module: &str, in_test: bool) {
        let in_test = in_test || i.attrs.iter().any(functions::is_cfg_test);
        let self_type = util::type_path(&i.self_ty)
            .and_then(|p| p.segments.last())
            .map(|s| s.ident.to_string())
            .unwrap_or_else(|| self.cx.src.text(&*i.self_ty));
        let trait_name = i
            .trait_
            .as_ref()
            .and_then(|(p, _)| p.segments.last())
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if trait_name == "Debug" {
            self.out.index.debug_impls.push(self_type.clone());
        }
        self.impl_items(&i.items, &self_type, &trait_name, module, in_test);
    }

    fn impl_items(
        &mut self,
        items: &[syn::ImplItem],
        self_type: &str,
        trait_name: &str,
        module: &str,
        in_test: bool,
    ) {
        for ii in items {
            match ii {
                syn::ImplItem::Fn(f) => {
                    let input = functions::FnInput {
                        attrs: &f.attrs,
                        sig: &f.sig,
                        block: Some(&f.block),
                        item_span: util::fn_item_span(
                            &f.attrs,
                            &[&f.vis, &f.modifiers.defaultness],
                            &f.sig,
                            &f.block,
                            ii,
                        ),
                        self_type,
                        trait_name,
                        module,
                        in_test,
                    };
                    self.function(&input);
                    let fname = f.sig.ident.to_string();
                    if frameworks::is_extractor_trait(trait_name)
                        && frameworks::is_extractor_fn(&fname)
                    {
                        let qualified = self.out.functions.last().map(|g| g.qualified_name.clone());
                        self.out.index.extractor_impls.push((
                            self_type.to_string(),
                            trait_name.to_string(),
                            qualified.unwrap_or_default(),
                        ));
                    }
                }
                syn::ImplItem::Const(c) => {
                    let g = Global { name: c.ident.to_string(), context: "const", ty: &c.ty };
                    self.module_value(&g, &c.expr, module, self_type, in_test);
                }
                syn::ImplItem::Macro(m) => {
                    let t = in_test || m.attrs.iter().any(functions::is_cfg_test);
                    if let Some(expanded) = self.expand(&m.mac, parse_all::<syn::ImplItem>) {
                        let cx = self.cx.expanded();
                        Walker { cx: &cx, out: self.out }
                            .impl_items(&expanded, self_type, trait_name, module, t);
                    }
                }
                _ => {}
            }
        }
    }

    /// Extracts one fn into the file, with the router registrations its body makes and its
    /// flow.
    fn function(&mut self, input: &functions::FnInput<'_>) {
        let (func, regs, flow) = functions::function(self.cx, input);
        self.out.functions.push(func);
        self.out.index.registrations.extend(regs);
        let part = compact(flow, &mut self.out.index.flow);
        self.out.index.flow.fns.push(part);
    }

    /// A module-level `const`/`static`: its literals go to the file, router chains built in
    /// its initialiser are registrations, and its value's flow is a global of the project.
    fn module_value(
        &mut self,
        g: &Global<'_>,
        e: &syn::Expr,
        module: &str,
        self_type: &str,
        t: bool,
    ) {
        let (lits, regs, flow, calls) =
            exprs::module_value(self.cx, &g.name, g.context, e, self_type, t);
        let literal_offset = self.out.literals.len() as u32;
        self.out.literals.extend(lits);
        self.out.index.registrations.extend(regs);
        let mut path = Vec::new();
        if !module.is_empty() {
            path.push(module);
        }
        if !self_type.is_empty() {
            path.push(self_type);
        }
        path.push(&g.name);
        let flow = compact(flow, &mut self.out.index.flow);
        self.out.index.flow.globals.push(GlobalFlow {
            path: path.join("::"),
            literal_offset,
            name: g.name.clone(),
            ty: inner_type(g.ty),
            flow,
            calls,
        });
    }
}

/// A `const` or `static` item being read.
struct Global<'a> {
    name: String,
    context: &'static str,
    ty: &'a syn::Type,
}

/// The type a value of `ty` holds: `&'static T`, `Lazy<T>`, `OnceCell<T>`, `Arc<T>`,
/// `Mutex<T>`, `Option<T>`... looked through; last segment.
pub fn inner_type(ty: &syn::Type) -> String {
    let mut cur = ty;
    for _ in 0..8 {
        let Some(p) = util::type_path(cur) else { break };
        let Some(last) = p.segments.last() else { break };
        let wrapper = matches!(
            last.ident.to_string().as_str(),
            "Lazy"
                | "LazyLock"
                | "LazyCell"
                | "OnceCell"
                | "OnceLock"
                | "Arc"
                | "Rc"
                | "Box"
                | "Mutex"
                | "RwLock"
                | "Option"
                | "Vec"
                | "ArcSwap"
                | "State"
                | "Data"
                | "Extension"
                | "Cow"
        );
        match util::generic_types(p).first() {
            Some(inner) if wrapper => cur = inner,
            _ => return last.ident.to_string(),
        }
    }
    util::type_path(cur)
        .and_then(|p| p.segments.last())
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

/// A struct's fields and whether it derives `Debug`.
fn struct_def(st: &syn::ItemStruct) -> StructDef {
    let derives_debug = st.attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && matches!(&a.meta, syn::Meta::List(l)
                if l.tokens.to_string().split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == "Debug"))
    });
    let fields = st
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| StructField {
            name: SharedStr::from(
                f.ident.as_ref().map_or_else(|| i.to_string(), |n| n.to_string()),
            ),
            ty: inner_type(&f.ty),
        })
        .collect();
    StructDef { name: st.ident.to_string(), fields, derives_debug }
}

/// Collects `use` aliases, type aliases and string constants of the whole file.
fn prescan(
    items: &[syn::Item],
    uses: &mut BTreeMap<String, String>,
    aliases: &mut BTreeMap<String, String>,
    consts: &mut BTreeMap<String, String>,
    depth: usize,
) {
    // `items` reports this depth when it reaches it.
    if depth > crate::limits::ITEM_DEPTH {
        return;
    }
    for item in items {
        match item {
            syn::Item::Use(u) => use_tree(&u.tree, String::new(), uses, 0),
            syn::Item::Type(t) => {
                if let Some(p) = util::type_path(&t.ty) {
                    aliases.insert(t.ident.to_string(), util::path_str(p));
                }
            }
            syn::Item::Const(c) => {
                if let Some(v) = str_lit(&c.expr) {
                    consts.insert(c.ident.to_string(), v);
                }
            }
            syn::Item::Static(s) => {
                if let Some(v) = str_lit(&s.expr) {
                    consts.insert(s.ident.to_string(), v);
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    prescan(inner, uses, aliases, consts, depth + 1);
                }
            }
            _ => {}
        }
    }
}

fn str_lit(e: &syn::Expr) -> Option<String> {
    match util::peel_expr(e) {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::ByteStr(s), .. }) => {
            Some(String::from_utf8_lossy(&s.value()).into_owned())
        }
        syn::Expr::Call(c) => c.args.first().and_then(str_lit),
        _ => None,
    }
}

fn use_tree(t: &syn::UseTree, prefix: String, out: &mut BTreeMap<String, String>, depth: usize) {
    if depth > crate::limits::ITEM_DEPTH {
        crate::limits::hit(t.span().start().line, "a `use` group");
        return;
    }
    let join = |p: &str, s: &str| if p.is_empty() { s.to_string() } else { format!("{p}::{s}") };
    match t {
        syn::UseTree::Path(p) => {
            use_tree(&p.tree, join(&prefix, &p.ident.to_string()), out, depth + 1)
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                if let Some(last) = prefix.rsplit("::").next() {
                    out.insert(last.to_string(), prefix.clone());
                }
            } else {
                out.insert(name.clone(), join(&prefix, &name));
            }
        }
        syn::UseTree::Rename(r) => {
            let name = r.ident.to_string();
            let full = if name == "self" { prefix.clone() } else { join(&prefix, &name) };
            out.insert(r.rename.to_string(), full);
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_tree(t, prefix.clone(), out, depth + 1);
            }
        }
        syn::UseTree::Glob(_) => {}
    }
}

fn guess_framework(uses: &BTreeMap<String, String>) -> &'static str {
    let has = |c: &str| uses.values().any(|v| v == c || v.starts_with(&format!("{c}::")));
    if has("rocket") {
        "rocket"
    } else if has("actix_web") {
        "actix-web"
    } else if has("poem") || has("poem_openapi") {
        "poem"
    } else if has("warp") {
        "warp"
    } else if has("axum") {
        "axum"
    } else if has("tide") {
        "tide"
    } else {
        ""
    }
}

/// A file under a `tests/` or `benches/` directory is test code as a whole.
pub fn path_is_test(path: &str) -> bool {
    let comps: Vec<&str> = path.split('/').collect();
    comps.len() > 1 && comps[..comps.len() - 1].iter().any(|c| *c == "tests" || *c == "benches")
}

/// `#[path = "file.rs"]` on a module declaration.
fn path_attr(a: &syn::Attribute) -> Option<String> {
    if !a.path().is_ident("path") {
        return None;
    }
    match &a.meta {
        syn::Meta::NameValue(nv) => match &nv.value {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// Module path of a file within its crate (`src/handlers/github.rs` -> `handlers::github`).
pub fn module_of(path: &str) -> String {
    let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty() && *c != ".").collect();
    let start = comps
        .iter()
        .rposition(|c| matches!(*c, "src" | "tests" | "benches" | "examples"))
        .map(|i| i + 1)
        .unwrap_or(comps.len().saturating_sub(1));
    let mut rel: Vec<String> =
        comps.get(start..).unwrap_or(&[]).iter().map(|s| s.to_string()).collect();
    if let Some(last) = rel.last_mut() {
        if let Some(stem) = last.strip_suffix(".rs") {
            *last = stem.to_string();
        }
    }
    if rel.first().is_some_and(|f| f == "bin") {
        rel.remove(0);
        if rel.len() <= 1 {
            return String::new();
        }
        rel.remove(0);
    }
    let in_src = comps.get(start.wrapping_sub(1)).is_some_and(|c| *c == "src");
    if rel.len() == 1 && (!in_src || matches!(rel[0].as_str(), "lib" | "main")) {
        return String::new();
    }
    if rel.last().is_some_and(|l| l == "mod" || (rel.len() == 1 && l == "main")) {
        rel.pop();
    }
    rel.retain(|s| !s.is_empty());
    rel.join("::")
}

/// Every item of a macro's expansion, up to the end of its tokens.
fn parse_all<T: syn::parse::Parse>(s: syn::parse::ParseStream<'_>) -> syn::Result<Vec<T>> {
    let mut items = Vec::new();
    while !s.is_empty() {
        items.push(s.parse::<T>()?);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths() {
        assert_eq!(module_of("src/handlers/github.rs"), "handlers::github");
        assert_eq!(module_of("src/lib.rs"), "");
        assert_eq!(module_of("src/main.rs"), "");
        assert_eq!(module_of("crates/app/src/api/mod.rs"), "api");
        assert_eq!(module_of("src/bin/tool.rs"), "");
        assert_eq!(module_of("tests/e2e.rs"), "");
        assert_eq!(module_of("tests/common/mod.rs"), "common");
        assert_eq!(module_of("lonely.rs"), "");
        assert!(path_is_test("tests/e2e.rs"));
        assert!(path_is_test("crates/x/benches/b.rs"));
        assert!(!path_is_test("src/tests.rs"));
    }
}
