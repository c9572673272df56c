//! `let` bindings: what a bound value carries (origins, sensitivity, type) and the router
//! variables a chain continues.

use super::{FnVisitor, LitHint};
use crate::extract::frameworks;
use crate::extract::sensitivity;
use crate::util;

impl FnVisitor<'_, '_> {
    /// The type a `let` initialiser produces when it is evident (`T::new(..)?`, `T { .. }`).
    pub(super) fn inferred_type(&self, e: &syn::Expr) -> Option<String> {
        match util::peel_expr(e) {
            syn::Expr::Call(c) => {
                let syn::Expr::Path(p) = &*c.func else { return None };
                let segs: Vec<String> =
                    p.path.segments.iter().map(|s| s.ident.to_string()).collect();
                // `Box::new(T::new(..))`, `Arc::new(..)`: the value inside.
                if segs.len() == 2
                    && matches!(segs[0].as_str(), "Box" | "Arc" | "Rc")
                    && segs[1] == "new"
                {
                    return c.args.first().and_then(|a| self.inferred_type(a));
                }
                if segs.len() < 2 {
                    return None;
                }
                let ty = &segs[segs.len() - 2];
                if !ty.chars().next().is_some_and(|c| c.is_uppercase()) {
                    return None;
                }
                let path = segs[..segs.len() - 1].join("::");
                Some(self.cx.resolve(&path, &self.self_type))
            }
            syn::Expr::Struct(s) => {
                Some(self.cx.resolve(&util::path_str(&s.path), &self.self_type))
            }
            // `req.rocket().state::<Config>()`, `req.app_data::<web::Data<AppState>>()`: the
            // type named by the turbofish, wrappers looked through.
            syn::Expr::MethodCall(m) => {
                let t = m.turbofish.as_ref()?.args.first()?;
                let syn::GenericArgument::Type(ty) = t else { return None };
                let tp = util::type_path(super::deref_wrapper(ty))?;
                let last = tp.segments.last()?.ident.to_string();
                const STD: &[&str] = &[
                    "Vec", "Option", "Result", "String", "HashMap", "HashSet", "BTreeMap",
                    "BTreeSet", "Box", "Arc", "Rc", "Cow", "Bytes", "Value", "Self",
                ];
                (last.chars().next().is_some_and(char::is_uppercase)
                    && !STD.contains(&last.as_str()))
                .then(|| self.cx.resolve(&util::path_str(tp), &self.self_type))
            }
            _ => None,
        }
    }

    pub(super) fn record_chain(&mut self, e: &syn::Expr) -> Vec<usize> {
        let Some(mut chain) = frameworks::read_chain(self.cx, e, 0) else { return Vec::new() };
        // `let auth = HttpAuthentication::basic(v); .. .wrap(auth)`: the layer is the type.
        let typed = |l: &mut String| {
            if let Some(t) = self.var_types.get(l.as_str()) {
                *l = crate::util::last_segment(t).to_string();
            }
        };
        for r in &mut chain.regs {
            r.layers.iter_mut().for_each(typed);
            // `let d = Box::new(Dispatcher::new(..)); .post(d)`: the handler is the type's
            // endpoint method, linked by the index.
            if let Some(t) = self.var_types.get(r.handler.as_str()) {
                r.handler = t.clone();
            }
        }
        chain.base_layers.iter_mut().for_each(typed);
        // tide's `server.with(m)` wraps every route of the server, registered before or after.
        if !chain.base_var.is_empty() {
            let pending = self.var_layers.get(&chain.base_var).cloned().unwrap_or_default();
            for r in &mut chain.regs {
                r.layers.extend(pending.iter().cloned());
            }
            if chain.regs.is_empty() && !chain.base_layers.is_empty() {
                self.var_layers
                    .entry(chain.base_var.clone())
                    .or_default()
                    .extend(chain.base_layers.iter().cloned());
            }
        }
        self.consumed.extend(chain.consumed.iter().copied());
        let mut idx = Vec::new();
        if let Some(prev) = self.router_vars.get(&chain.base_var) {
            idx.extend(prev.iter().copied());
            for &i in prev {
                if let Some(r) = self.registrations.get_mut(i) {
                    r.layers.extend(chain.base_layers.iter().cloned());
                }
            }
        }
        for r in chain.regs {
            idx.push(self.registrations.len());
            self.registrations.push(r);
        }
        if !chain.base_var.is_empty() && !idx.is_empty() {
            let known = self.router_vars.entry(chain.base_var.clone()).or_default();
            known.extend(idx.iter().copied());
            known.sort_unstable();
            known.dedup();
        }
        idx
    }

    /// What a `let` (or `if let`) binds besides values: the names header and address reads
    /// are bound to, the types of the names, and whether the value is sensitive by name
    /// (returned, for `Operand::sensitive`).
    pub(super) fn bind(
        &mut self,
        pat: &syn::Pat,
        init: &syn::Expr,
        headers_from: usize,
        ips_from: usize,
    ) -> Option<String> {
        let mut names = Vec::new();
        util::pat_idents(pat, &mut names, 0);
        let first = names.first().cloned()?;
        for h in self.headers.iter_mut().skip(headers_from) {
            if h.read.binding.is_empty() {
                h.read.binding = first.clone();
            }
        }
        for h in self.ips.iter_mut().skip(ips_from) {
            if h.read.binding.is_empty() {
                h.read.binding = first.clone();
            }
        }
        let n = sensitivity::expr_names(init, self);
        // A binding's reason reads as provenance from the names it came from.
        let sensitive = sensitivity::assess(init, &n, &self.scopes, self.cx.k)
            .map(|r| r.strip_prefix("name ").map(|id| format!("from {id}")).unwrap_or(r));
        if let Some(t) = self.inferred_type(init) {
            for name in names {
                self.var_types.insert(name, t.clone());
            }
        }
        sensitive
    }

    /// `let (Some(a), Some(b)) = (x, y) else { .. }`: each element binds its own name.
    pub(super) fn tuple_let(
        &mut self,
        pt: &syn::PatTuple,
        te: &syn::ExprTuple,
        diverge: Option<&syn::Expr>,
    ) {
        if diverge.is_some() {
            self.gate += 1;
        }
        let mut bound = Vec::new();
        for (p, e) in pt.elems.iter().zip(te.elems.iter()) {
            let mut names = Vec::new();
            util::pat_idents(p, &mut names, 0);
            let first = names.first().cloned().unwrap_or_default();
            let (h, i) = (self.headers.len(), self.ips.len());
            self.derive.push(first.clone());
            self.lit_hint = Some(LitHint::Binding(first, "let"));
            let v = self.eval(e);
            self.lit_hint = None;
            self.derive.pop();
            let sensitive = self.bind(p, e, h, i);
            bound.push((p, e, v, sensitive));
        }
        if diverge.is_some() {
            self.gate -= 1;
        }
        if let Some(d) = diverge {
            self.eval_scoped(d);
        }
        for (p, e, v, sensitive) in bound {
            self.let_pattern(p, e, &v, None, sensitive);
        }
    }
}
