//! Policy files to compiled policies, each error positioned in the policy file. Loading goes
//! in the order a reader checks a policy: the YAML and its keys (`ctx.rs`), the plain keys
//! (`header.rs`), then the CEL keys, each compiled in the scope it is evaluated in (`exprs.rs`,
//! with `compile.rs` for compiling and positioning one expression); last, the native prefilters.

mod compile;
mod ctx;
mod exprs;
mod header;

/// For the test that holds `docs/schema/policy.schema.json` to the loader's keys.
#[cfg(test)]
pub(crate) use header::DOC_KEYS;
pub(crate) use header::KEYS;

use crate::native;
use crate::prefilter::Prefilter;
use crate::yaml::{self, Kind};
use cel::common::value::Val;
use cel::{Env, Program};
use ctx::{Ctx, Fields};
pub(crate) use exprs::Exprs;
use hooklint_model::{LoadError, RuleInfo};

/// One compiled CEL expression and where it came from.
pub(crate) struct Expr {
    /// The policy key it was written under (`violation`, `variables.sig`, `message`).
    pub field: String,
    pub program: Program,
}

pub(crate) enum Part {
    Text(String),
    Expr(Expr),
}

pub(crate) struct Variable {
    pub name: String,
    pub expr: Expr,
    /// Uses `it` (directly or through another variable): evaluated per element.
    pub per_item: bool,
}

pub(crate) struct Policy {
    /// Id, title, severity, target, docs, help: what `rules` and `explain` show.
    pub info: RuleInfo,
    /// The file it was loaded from.
    pub path: String,
    pub exprs: Exprs,
    /// Knowledge lists with the policy's own params on top, as one CEL map.
    pub params: Box<dyn Val>,
    pub params_json: serde_json::Map<String, serde_json::Value>,
    pub prefilter: Prefilter,
    /// `match` and `violation` as natively evaluable terms (`Unknown` where only CEL can tell).
    pub native_match: native::Term,
    pub native_violation: native::Term,
}

/// Loads one policy file: every mistake in it is reported, not only the first.
pub(crate) fn load(
    path: &str,
    text: &str,
    source: &str,
    env: &Env,
    knowledge: &serde_json::Map<String, serde_json::Value>,
) -> Result<Policy, Vec<LoadError>> {
    let mut cx = Ctx::new(path, text);
    let doc = match yaml::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            cx.error_at(e.line, e.column, 1, e.message, None);
            return Err(cx.errors);
        }
    };
    let Kind::Map(entries) = &doc.kind else {
        cx.error(&doc, format!("a policy must be a mapping, found {}", doc.type_name()), None);
        return Err(cx.errors);
    };
    let fields = Fields::check(&mut cx, entries, KEYS, "policy");
    let (target, info) = header::read(&mut cx, &fields, source);
    let params_json = header::params(&mut cx, &fields, knowledge);
    let Some(target) = target else {
        return Err(cx.errors);
    };
    let param_keys = params_json.keys().cloned().collect();
    let exprs = exprs::compile_all(&mut cx, env, &fields, target, param_keys);
    if !cx.errors.is_empty() {
        return Err(cx.errors);
    }
    let (Some(info), Some(exprs)) = (info, exprs) else {
        return Err(cx.errors);
    };
    let params = match cel::to_value(serde_json::Value::Object(params_json.clone()))
        .map_err(|e| e.to_string())
        .and_then(|v| Box::<dyn Val>::try_from(v).map_err(|e| e.to_string()))
    {
        Ok(p) => p,
        Err(e) => {
            cx.error_at(1, 1, 1, format!("params cannot be used in expressions: {e}"), None);
            return Err(cx.errors);
        }
    };
    let prefilter = Prefilter::build(target, &exprs);
    let mut policy = Policy {
        info,
        path: path.to_string(),
        exprs,
        params,
        params_json,
        prefilter,
        native_match: native::Term::Unknown,
        native_violation: native::Term::Unknown,
    };
    policy.compile_native();
    Ok(policy)
}

impl Policy {
    /// (Re)derives the native terms, which read `params` lists: call after changing params.
    pub fn compile_native(&mut self) {
        let mut names = native::Names {
            target: self.info.target,
            it: self.prefilter.for_each_path.as_ref().map(|(_, elem)| *elem),
            params: &self.params_json,
            variables: &self.exprs.variables,
            locals: Vec::new(),
            depth: 0,
        };
        self.native_match = self
            .exprs
            .match_
            .as_ref()
            .map_or(native::Term::Const(true), |m| names.compile(m.program.expression()));
        self.native_violation = names.compile(self.exprs.violation.program.expression());
    }
}
