//! Facts to CEL values, built by hand.
//!
//! Going through `cel::to_value` costs two passes (serde into `cel::Value`, then into the
//! interpreter's `Val` tree) and copies every string twice; building the `Val` tree directly
//! borrows every string from the facts. The schema test in `tests.rs` checks that this builder
//! produces exactly the fields of the serialized model. Numbers are CEL `int`s, so that
//! `it.span.line > 10` needs no `u` suffix.

use cel::common::types::{CelBool, CelInt, CelList, CelMap, CelMapKey, CelString};
use cel::common::value::Val;
use hooklint_model::{
    Body, Call, Compare, Function, HeaderRead, IpSource, Literal, LogCall, Operand, Param, Parse,
    Receiver, Route, RustFile, Span, Verification,
};
use std::collections::HashMap;

pub(crate) type V<'a> = Box<dyn Val + 'a>;

pub(crate) fn s(v: &str) -> V<'_> {
    Box::new(CelString::from(v))
}

pub(crate) fn b<'a>(v: bool) -> V<'a> {
    Box::new(CelBool::from(v))
}

pub(crate) fn n<'a>(v: u32) -> V<'a> {
    Box::new(CelInt::from(i64::from(v)))
}

pub(crate) fn list<'a, T>(items: &'a [T], f: impl Fn(&'a T) -> V<'a>) -> V<'a> {
    Box::new(CelList::from(items.iter().map(f).collect::<Vec<_>>()))
}

pub(crate) fn strings<S: AsRef<str>>(items: &[S]) -> V<'_> {
    list(items, |x| s(x.as_ref()))
}

pub(crate) fn obj<'a, const N: usize>(fields: [(&'static str, V<'a>); N]) -> V<'a> {
    let map: HashMap<CelMapKey<'a>, V<'a>> =
        fields.into_iter().map(|(k, v)| (CelMapKey::from(k), v)).collect();
    Box::new(CelMap::from(map))
}

pub(crate) fn span(x: &Span) -> V<'_> {
    obj([
        ("file", s(&x.file)),
        ("line", n(x.line)),
        ("column", n(x.column)),
        ("end_line", n(x.end_line)),
        ("end_column", n(x.end_column)),
    ])
}

fn route(x: &Route) -> V<'_> {
    obj([
        ("method", s(&x.method)),
        ("path", s(&x.path)),
        ("framework", s(&x.framework)),
        ("layers", strings(&x.layers)),
        ("span", span(&x.span)),
    ])
}

fn param(x: &Param) -> V<'_> {
    obj([
        ("name", s(&x.name)),
        ("type", s(&x.ty)),
        ("extractor", s(&x.extractor)),
        ("custom", s(&x.custom)),
        ("span", span(&x.span)),
    ])
}

fn header_read(x: &HeaderRead) -> V<'_> {
    obj([
        ("name", s(&x.name)),
        ("binding", s(&x.binding)),
        ("gates", b(x.gates)),
        ("logged_only", b(x.logged_only)),
        ("decides", b(x.decides)),
        ("passed", b(x.passed)),
        ("span", span(&x.span)),
    ])
}

fn call(x: &Call) -> V<'_> {
    obj([
        ("name", s(&x.name)),
        ("path", s(&x.path)),
        ("receiver", s(&x.receiver)),
        ("is_method", b(x.is_method)),
        ("args", strings(&x.args)),
        ("order", n(x.order)),
        ("target", s(&x.target)),
        ("verifies", b(x.verifies)),
        ("span", span(&x.span)),
    ])
}

fn operand(x: &Operand) -> V<'_> {
    obj([
        ("text", s(&x.text)),
        ("idents", strings(&x.idents)),
        ("origins", strings(&x.origins)),
        ("literal", s(&x.literal)),
        ("is_literal", b(x.is_literal)),
        ("sensitive", b(x.sensitive)),
        ("sensitive_reason", s(&x.sensitive_reason)),
        ("field", s(&x.field)),
        ("span", span(&x.span)),
    ])
}

fn compare(x: &Compare) -> V<'_> {
    obj([
        ("op", s(&x.op)),
        ("text", s(&x.text)),
        ("left", operand(&x.left)),
        ("right", operand(&x.right)),
        ("span", span(&x.span)),
    ])
}

fn literal(x: &Literal) -> V<'_> {
    obj([
        ("value", s(&x.value)),
        ("is_bytes", b(x.is_bytes)),
        ("binding", s(&x.binding)),
        ("context", s(&x.context)),
        ("callee", s(&x.callee)),
        ("is_test", b(x.is_test)),
        ("span", span(&x.span)),
    ])
}

/// An element of `file.all_literals`: the literal and the function it sits in.
fn file_literal<'a>(x: &'a Literal, function: &'a str) -> V<'a> {
    obj([
        ("value", s(&x.value)),
        ("is_bytes", b(x.is_bytes)),
        ("binding", s(&x.binding)),
        ("context", s(&x.context)),
        ("callee", s(&x.callee)),
        ("is_test", b(x.is_test)),
        ("span", span(&x.span)),
        ("function", s(function)),
    ])
}

fn log_call(x: &LogCall) -> V<'_> {
    obj([
        ("macro", s(&x.macro_name)),
        ("path", s(&x.path)),
        ("args", list(&x.args, operand)),
        ("span", span(&x.span)),
    ])
}

fn ip_source(x: &IpSource) -> V<'_> {
    obj([
        ("kind", s(&x.kind)),
        ("binding", s(&x.binding)),
        ("gates", b(x.gates)),
        ("logged_only", b(x.logged_only)),
        ("decides", b(x.decides)),
        ("span", span(&x.span)),
    ])
}

fn parse(x: &Parse) -> V<'_> {
    obj([("what", s(&x.what)), ("before_verify", b(x.before_verify)), ("span", span(&x.span))])
}

fn body(x: &Body) -> V<'_> {
    obj([
        ("kind", s(&x.kind)),
        ("typed_extractor", s(&x.typed_extractor)),
        ("parses", list(&x.parses, parse)),
    ])
}

fn receiver(x: &Receiver) -> V<'_> {
    obj([
        ("role", s(&x.role)),
        ("inbound", s(&x.inbound)),
        ("methods", strings(&x.methods)),
        ("body_method", b(x.body_method)),
        ("handshake", b(x.handshake)),
        ("user_auth", strings(&x.user_auth)),
        ("signs", strings(&x.signs)),
        ("weak_signs", strings(&x.weak_signs)),
        ("excluded", strings(&x.excluded)),
    ])
}

fn verification(x: &Verification) -> V<'_> {
    obj([
        ("via", s(&x.via)),
        ("what", s(&x.what)),
        ("gates", b(x.gates)),
        ("how", s(&x.how)),
        ("fail_open", s(&x.fail_open)),
        ("detail", s(&x.detail)),
        ("local", b(x.local)),
        ("span", span(&x.span)),
        ("at", span(&x.at)),
    ])
}

pub(crate) fn function(f: &Function) -> V<'_> {
    obj([
        ("name", s(&f.name)),
        ("qualified_name", s(&f.qualified_name)),
        ("module", s(&f.module)),
        ("self_type", s(&f.self_type)),
        ("trait_name", s(&f.trait_name)),
        ("file", s(&f.file)),
        ("span", span(&f.span)),
        ("item_span", span(&f.item_span)),
        ("is_test", b(f.is_test)),
        ("is_async", b(f.is_async)),
        ("attributes", strings(&f.attributes)),
        ("routes", list(&f.routes, route)),
        ("params", list(&f.params, param)),
        ("is_handler", b(f.is_handler)),
        ("is_webhook", b(f.is_webhook)),
        ("webhook_reasons", strings(&f.webhook_reasons)),
        ("receiver", receiver(&f.receiver)),
        ("headers_read", list(&f.headers_read, header_read)),
        ("calls", list(&f.calls, call)),
        ("reaches", strings(&f.reaches)),
        ("reaches_headers", strings(&f.reaches_headers)),
        ("reaches_sensitive_compare", b(f.reaches_sensitive_compare)),
        ("verifies", b(f.verifies)),
        ("verified_by", strings(&f.verified_by)),
        ("verifications", list(&f.verifications, verification)),
        ("verification_gates", b(f.verification_gates)),
        ("compares", list(&f.compares, compare)),
        ("literals", list(&f.literals, literal)),
        ("logs", list(&f.logs, log_call)),
        ("ip_sources", list(&f.ip_sources, ip_source)),
        ("body", body(&f.body)),
    ])
}

/// The file value adds `all_literals`: the file's own literals followed by those of each of
/// its functions, each with the qualified name of the function it sits in (`""` at item
/// level).
pub(crate) fn file(file: &RustFile) -> V<'_> {
    let mut all: Vec<V<'_>> = file.literals.iter().map(|l| file_literal(l, "")).collect();
    for f in &file.functions {
        all.extend(f.literals.iter().map(|l| file_literal(l, &f.qualified_name)));
    }
    obj([
        ("path", s(&file.path)),
        ("is_test", b(file.is_test)),
        ("literals", list(&file.literals, literal)),
        ("all_literals", Box::new(CelList::from(all))),
    ])
}
