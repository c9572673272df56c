//! `let` bindings: what a bound value carries (origins, sensitivity, type) and the router
//! variables a chain continues.

use syn::visit::Visit;

use super::{FnVisitor, LitHint};
use crate::extract::frameworks;
use crate::extract::sensitivity::{self, Binding};
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

    pub(super) fn bind(
        &mut self,
        pat: &syn::Pat,
        init: &syn::Expr,
        headers_from: usize,
        ips_from: usize,
    ) {
        let mut names = Vec::new();
        util::pat_idents(pat, &mut names, 0);
        let Some(first) = names.first().cloned() else { return };
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
        let branchy = matches!(util::peel_expr(init), syn::Expr::If(_) | syn::Expr::Match(_));
        let deep = branchy.then(|| sensitivity::expr_names_through_branches(init, self));
        let o = deep.as_ref().unwrap_or(&n);
        let mut origins = sensitivity::origins(o, &self.bindings, &self.params);
        origins.extend(o.idents.iter().cloned());
        origins.extend(o.calls.iter().map(|c| util::last_segment(c).to_string()));
        origins.extend(o.headers.iter().cloned());
        util::sort_dedup(&mut origins);
        // A binding's reason reads as provenance from the names it came from.
        let sensitive = sensitivity::assess(init, &n, &self.bindings, self.cx.k)
            .map(|r| r.strip_prefix("name ").map(|id| format!("from {id}")).unwrap_or(r));
        let b = Binding { origins, sensitive };
        let ty = self.inferred_type(init);
        for name in names {
            if let Some(t) = &ty {
                self.var_types.insert(name.clone(), t.clone());
            }
            self.bindings.insert(name, b.clone());
        }
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
        for (p, e) in pt.elems.iter().zip(te.elems.iter()) {
            let mut names = Vec::new();
            util::pat_idents(p, &mut names, 0);
            let first = names.first().cloned().unwrap_or_default();
            let (h, i) = (self.headers.len(), self.ips.len());
            self.derive.push(first.clone());
            self.lit_hint = Some(LitHint::Binding(first, "let"));
            self.visit_expr(e);
            self.lit_hint = None;
            self.derive.pop();
            self.bind(p, e, h, i);
        }
        if diverge.is_some() {
            self.gate -= 1;
        }
        if let Some(d) = diverge {
            self.visit_expr(d);
        }
    }
}
