//! The derived facts written back to each function: verification, gating, parse order, the
//! receiver model.

use std::collections::BTreeSet;

use hooklint_model::{Function, Knowledge};

use super::receiver;
use super::Derived;

pub(super) fn apply_derived(f: &mut Function, d: Derived, _k: &Knowledge) {
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
    for v in &d.verifications {
        match v.via.as_str() {
            "remote" => {
                by.insert(format!("remote {}", v.what));
            }
            "caller" => {
                by.insert(format!("caller {}", v.what));
            }
            _ => {}
        }
    }
    f.verified_by = by.into_iter().collect();
    f.verification_gates = d.verifications.iter().any(|v| v.gates);
    f.verifications = d.verifications;
    f.verifies =
        !f.verified_by.is_empty() || f.verifications.iter().any(|v| v.via != "compare" || v.gates);

    // A parse is before verification unless a verification that gates ran first: an
    // extractor, layer or caller (before the body runs), or one of the body's own before it.
    let outside = f
        .verifications
        .iter()
        .any(|v| v.gates && matches!(v.via.as_str(), "extractor" | "layer" | "caller"));
    let first_local = f
        .verifications
        .iter()
        .filter(|v| v.gates && !matches!(v.via.as_str(), "extractor" | "layer" | "caller"))
        .map(|v| (v.span.line, v.span.column))
        .min();
    for p in &mut f.body.parses {
        let at = (p.span.line, p.span.column);
        p.before_verify = !outside && first_local.is_none_or(|v| at < v);
    }

    let r = d.receiver.map(|r| *r).unwrap_or_default();
    f.is_webhook = receiver::is_receiver(&r);
    f.webhook_reasons = if f.is_webhook {
        r.signs.iter().chain(&r.weak_signs).cloned().collect()
    } else {
        Vec::new()
    };
    f.receiver = r;
}
