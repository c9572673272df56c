//! The derived facts written back to each function: verification, parse order, webhook.

use std::collections::{BTreeMap, BTreeSet};

use hooklint_model::{names, Function, Knowledge};

use super::Derived;

pub(super) fn apply_derived(f: &mut Function, d: Derived, k: &Knowledge) {
    f.reaches = d.reaches;
    f.reaches_headers = d.reaches_headers;
    f.reaches_sensitive_compare = d.reaches_sensitive_compare;

    let mut by: BTreeSet<String> = BTreeSet::new();
    let per_call = d.direct.iter().zip(&d.via_helper);
    for (c, (&direct, helper)) in f.calls.iter_mut().zip(per_call) {
        c.verifies = direct || helper.is_some();
        if direct {
            by.insert(format!("calls {}", if c.path.contains("::") { &c.path } else { &c.name }));
        } else if let Some(helper) = helper {
            by.insert(format!("via helper {helper}"));
        }
    }
    by.extend(d.extra_phrases);
    f.verified_by = by.into_iter().collect();
    f.verifies = !f.verified_by.is_empty();

    let outside =
        f.verified_by.iter().any(|v| v.starts_with("extractor ") || v.starts_with("layer "));
    let first_verify = f.calls.iter().filter(|c| c.verifies).map(|c| c.order).min();
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

    webhook(f, k, d.is_called);
}

pub(super) fn webhook(f: &mut Function, k: &Knowledge, is_called: bool) {
    let mut reasons = Vec::new();
    for r in &f.routes {
        if let Some(h) = names::first_run(&r.path, &k.webhook_path_hints) {
            reasons.push(format!("route path {} contains \"{h}\"", r.path));
        }
    }
    if let Some(h) = names::first_run(&f.name, &k.webhook_name_hints) {
        reasons.push(format!("name {} contains \"{h}\"", f.name));
    }
    if let Some(h) = names::first_run(&f.module, &k.webhook_name_hints) {
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
    let signs = f
        .calls
        .iter()
        .any(|c| names::first_call_match(&c.name, &c.path, &k.mac_output_calls).is_some());
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
