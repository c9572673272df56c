//! One fn or method: signature facts (attributes, routes, params) plus the body facts.

use crate::provenance::build::Work;
use hooklint_model::verdict::{self, Checked};
use hooklint_model::{Body, Function, Knowledge, Param, Parse, Registration, Route};
use syn::spanned::Spanned;

use super::exprs::FnVisitor;
use super::frameworks;
use super::FileCx;
use crate::util;

pub struct FnInput<'a> {
    pub attrs: &'a [syn::Attribute],
    pub sig: &'a syn::Signature,
    pub block: Option<&'a syn::Block>,
    /// The whole item's span, for `item_span`.
    pub item_span: proc_macro2::Span,
    pub self_type: &'a str,
    pub trait_name: &'a str,
    pub module: &'a str,
    pub in_test: bool,
}

/// `#[cfg(test)]`, `#[cfg(all(test, ...))]`, not `#[cfg(not(test))]`.
pub fn is_cfg_test(a: &syn::Attribute) -> bool {
    if !a.path().is_ident("cfg") {
        return false;
    }
    let syn::Meta::List(l) = &a.meta else { return false };
    let text = l.tokens.to_string();
    let has_test = text.split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| w == "test");
    has_test && !text.contains("not")
}

/// A `test_attributes` attribute (`#[test]`, `#[tokio::test]`, `#[rstest]`).
fn is_test_attr(path: &str, k: &Knowledge) -> bool {
    k.matchers().test_attributes.matches(util::last_segment(path), path)
}

pub fn function(cx: &FileCx<'_>, f: &FnInput<'_>) -> (Function, Vec<Registration>, Work) {
    let name = f.sig.ident.to_string();
    let mut qualified = Vec::new();
    if !f.module.is_empty() {
        qualified.push(f.module.to_string());
    }
    if !f.self_type.is_empty() {
        qualified.push(f.self_type.to_string());
    } else if !f.trait_name.is_empty() {
        qualified.push(f.trait_name.to_string());
    }
    qualified.push(name.clone());

    let attributes: Vec<String> =
        f.attrs.iter().map(|a| util::path_str(a.path())).filter(|p| p != "doc").collect();
    let is_test = f.in_test
        || cx.file_is_test
        || f.attrs.iter().any(is_cfg_test)
        || attributes.iter().any(|a| is_test_attr(a, cx.k));

    let mut routes: Vec<Route> = Vec::new();
    let mut route_attr = false;
    for a in f.attrs {
        let (rs, marker) = frameworks::attr_routes(cx, a);
        route_attr |= marker || !rs.is_empty();
        routes.extend(rs);
    }

    let params = params(cx, f.sig, route_attr);
    // Helpers take `&HeaderMap` or `&Request`; handlers take extractors by value.
    let strong_extractor = params
        .iter()
        .any(|p| frameworks::is_strong_extractor(&p.extractor) && !p.ty.starts_with('&'));
    let is_handler = route_attr || strong_extractor;

    let types: Vec<&syn::Type> = f
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            syn::FnArg::Typed(pt) => Some(&*pt.ty),
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    let mut v = FnVisitor::new(cx, f.self_type, is_test, &params, &types);
    v.bind_params(f.sig, &params);
    if let Some(b) = f.block {
        v.run_block(b);
    }
    let mut facts = v.finish();
    let mut ip_sources = facts.ip_sources;
    ip_sources.extend(std::mem::take(&mut facts.param_ips));
    let verdicts = match f.block {
        Some(b) if !is_test => {
            let names: Vec<String> = params.iter().map(|p| p.name.clone()).collect();
            let checked: Vec<Checked> = ip_sources
                .iter()
                .map(|s| (&s.binding, &s.span))
                .chain(facts.headers_read.iter().map(|h| (&h.binding, &h.span)))
                .map(|(binding, span)| Checked {
                    binding: binding.clone(),
                    at: verdict::pos(span.line, span.column),
                    end: verdict::pos(span.end_line, span.end_column),
                })
                .collect();
            let (mut verdicts, decides) =
                crate::gating::analyse(cx, b, &names, &facts.calls, &facts.compares, &checked);
            verdicts.takes_self = f.sig.receiver().is_some();
            let (ips, heads) = decides.split_at(ip_sources.len().min(decides.len()));
            for (s, d) in ip_sources.iter_mut().zip(ips) {
                s.decides = d.0;
            }
            for (h, d) in facts.headers_read.iter_mut().zip(heads) {
                h.decides = d.0;
                h.passed = d.1;
            }
            verdicts
        }
        _ => verdict::Verdicts::default(),
    };

    let mut body = Body { kind: body_kind(&params), ..Body::default() };
    for p in &params {
        if matches!(p.extractor.as_str(), "json" | "form") {
            body.typed_extractor = p.ty.clone();
            body.parses.push(Parse {
                what: p.ty.clone(),
                before_verify: true,
                span: p.span.clone(),
            });
        }
    }
    body.parses.extend(facts.parses);

    let func = Function {
        name,
        qualified_name: qualified.join("::"),
        module: f.module.to_string(),
        self_type: f.self_type.to_string(),
        trait_name: f.trait_name.to_string(),
        file: cx.src.path.to_string(),
        span: cx.src.span(f.sig.ident.span()),
        item_span: cx.src.span(f.item_span),
        is_test,
        is_async: f.sig.asyncness.is_some(),
        attributes,
        routes,
        params,
        is_handler,
        headers_read: facts.headers_read,
        calls: facts.calls,
        compares: facts.compares,
        literals: facts.literals,
        logs: facts.logs,
        ip_sources,
        body,
        verdicts,
        ..Function::default()
    };
    (func, facts.registrations, facts.flow)
}

fn params(cx: &FileCx<'_>, sig: &syn::Signature, handler: bool) -> Vec<Param> {
    let mut out = Vec::new();
    for input in &sig.inputs {
        let syn::FnArg::Typed(pt) = input else { continue };
        let mut names = Vec::new();
        util::pat_idents(&pt.pat, &mut names, 0);
        let name = names.first().cloned().unwrap_or_else(|| "_".to_string());
        let ty = util::type_text(&cx.src, &pt.ty);
        let (extractor, custom) = frameworks::classify_type(&pt.ty, handler);
        out.push(Param { name, ty, extractor, custom, span: cx.src.span(pt.span()) });
    }
    out
}

/// How the handler takes the body; a dedicated body extractor wins over the whole request.
pub fn body_kind(params: &[Param]) -> String {
    const ORDER: &[&str] = &["json", "form", "bytes", "string", "stream", "request"];
    ORDER
        .iter()
        .find(|k| params.iter().any(|p| p.extractor == **k))
        .map(|k| k.to_string())
        .unwrap_or_else(|| "none".to_string())
}
