//! The load-time check of every field a policy names, against the fact model's schemas
//! (`hooklint_model::fact`, declared once by `#[derive(Fact)]` on the model's structs).
//!
//! The `cel` crate has no type checker, so a misspelt field would otherwise only show up as a
//! run-time "no such key" on the first target that reaches it (or never, behind `&&`).

use cel::common::ast::{Expr, IdedExpr};
use hooklint_model::fact::Ty;

/// What a name bound in an expression stands for.
#[derive(Debug, Clone)]
pub(crate) enum Root {
    /// A value of the fact model (`fn`, `file`, `it` over a known list).
    Typed(Ty),
    /// `it` over a list whose element type is unknown: anything goes.
    Untyped,
    /// `params` and `variables`: a fixed set of keys.
    Keys(Vec<String>),
}

/// The names bound in an expression, each with what it stands for.
pub(crate) type Bound<'a> = [(&'a str, Root)];

/// A field reference that is not in the schema, positioned in the expression (characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefError {
    pub offset: u32,
    pub len: u32,
    pub message: String,
    pub help: Option<String>,
}

/// Checks every name and field selection in `expr` against `roots`.
pub(crate) fn check(
    expr: &IdedExpr,
    info: &cel::common::ast::SourceInfo,
    roots: &Bound,
) -> Vec<RefError> {
    let mut checker = Checker { info, roots, locals: Vec::new(), errors: Vec::new() };
    checker.walk(expr);
    checker.errors
}

/// A typed value during the walk: a schema type, a keyed root, or unknown.
#[derive(Debug, Clone)]
enum Seen {
    Ty(Ty),
    Keys(String, Vec<String>),
    Unknown,
}

struct Checker<'a> {
    info: &'a cel::common::ast::SourceInfo,
    roots: &'a Bound<'a>,
    locals: Vec<(String, Seen)>,
    errors: Vec<RefError>,
}

impl Checker<'_> {
    fn offset(&self, id: u64) -> u32 {
        self.info.offset_for(id).map(|(s, _)| s).unwrap_or(0)
    }

    fn walk(&mut self, expr: &IdedExpr) -> Seen {
        match &expr.expr {
            Expr::Ident(name) => self.ident(expr, name),
            Expr::Select(select) => {
                let operand = self.walk(&select.operand);
                let result = self.select(expr, &select.operand, &select.field, operand);
                if select.test {
                    Seen::Ty(Ty::Bool)
                } else {
                    result
                }
            }
            Expr::Call(call) => {
                self.function(expr, call);
                let target = call.target.as_ref().map(|t| self.walk(t));
                let args: Vec<Seen> = call.args.iter().map(|a| self.walk(a)).collect();
                match (call.func_name.as_str(), args.first()) {
                    ("_[_]", Some(Seen::Ty(Ty::List(elem)))) => Seen::Ty(**elem),
                    _ => {
                        let _ = target;
                        Seen::Unknown
                    }
                }
            }
            Expr::Comprehension(c) => {
                let range = self.walk(&c.iter_range);
                let elem = match range {
                    Seen::Ty(Ty::List(elem)) => Seen::Ty(*elem),
                    Seen::Ty(Ty::Obj(_)) => Seen::Ty(Ty::Str),
                    // Map keys are not checked, like any value (`doc.key_spans`).
                    _ => Seen::Unknown,
                };
                let depth = self.locals.len();
                self.locals.push((c.accu_var.clone(), Seen::Unknown));
                self.walk(&c.accu_init);
                self.locals.push((c.iter_var.clone(), elem));
                if let Some(v2) = &c.iter_var2 {
                    self.locals.push((v2.clone(), Seen::Unknown));
                }
                self.walk(&c.loop_cond);
                self.walk(&c.loop_step);
                self.walk(&c.result);
                self.locals.truncate(depth);
                Seen::Unknown
            }
            Expr::List(list) => {
                for e in &list.elements {
                    self.walk(e);
                }
                Seen::Unknown
            }
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let cel::common::ast::EntryExpr::MapEntry(e) = &entry.expr {
                        self.walk(&e.key);
                        self.walk(&e.value);
                    }
                }
                Seen::Unknown
            }
            Expr::Struct(s) => {
                for entry in &s.entries {
                    if let cel::common::ast::EntryExpr::StructField(e) = &entry.expr {
                        self.walk(&e.value);
                    }
                }
                Seen::Unknown
            }
            Expr::Literal(_) | Expr::Unspecified => Seen::Unknown,
        }
    }

    /// A call to a function the environment does not declare fails on every target at run
    /// time; it is a load error here, at the function's name. Operators (`_==_`, `@in`) and
    /// qualified names (`strings.quote(x)`, whose target is no bound name) are left alone.
    fn function(&mut self, expr: &IdedExpr, call: &cel::common::ast::CallExpr) {
        let name = call.func_name.as_str();
        if !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
            return;
        }
        let member = call.target.is_some();
        if let Some(Expr::Ident(target)) = call.target.as_ref().map(|t| &t.expr) {
            let bound = self.locals.iter().any(|(n, _)| n == target)
                || self.roots.iter().any(|(n, _)| n == target);
            if !bound {
                return;
            }
        }
        if crate::functions::is_declared(name, member) {
            return;
        }
        let candidates: Vec<&str> = crate::functions::suggestions()
            .into_iter()
            .filter(|c| crate::functions::is_declared(c, member))
            .collect();
        let suggestion = suggest(name, &candidates);
        let kind = if member { "method" } else { "function" };
        let message = match suggestion {
            Some(s) => format!("unknown {kind} `{name}`; did you mean `{s}`?"),
            None => format!("unknown {kind} `{name}`"),
        };
        // A call's id sits at its `(`; the name ends there.
        let open = self.offset(expr.id);
        let len = name.chars().count() as u32;
        self.errors.push(RefError {
            offset: open.saturating_sub(len),
            len,
            message,
            help: Some("docs/policies.md lists the functions a policy can call".to_string()),
        });
    }

    fn ident(&mut self, expr: &IdedExpr, name: &str) -> Seen {
        if let Some((_, seen)) = self.locals.iter().rev().find(|(n, _)| n == name) {
            return seen.clone();
        }
        if let Some((_, root)) = self.roots.iter().find(|(n, _)| *n == name) {
            return match root {
                Root::Typed(ty) => Seen::Ty(*ty),
                Root::Untyped => Seen::Unknown,
                Root::Keys(keys) => Seen::Keys(name.to_string(), keys.clone()),
            };
        }
        if name.starts_with('@') || is_type_name(name) {
            return Seen::Unknown;
        }
        let mut candidates: Vec<&str> = self.roots.iter().map(|(n, _)| *n).collect();
        candidates.extend(self.locals.iter().map(|(n, _)| n.as_str()));
        let help = suggest(name, &candidates).map(|s| format!("did you mean `{s}`?"));
        let bound = self.roots.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>();
        let mut message = format!("unknown variable `{name}`");
        if name == "it" {
            message.push_str("; `it` is only bound while evaluating a `for_each` element");
        } else if let Some(s) = &help {
            message = format!("unknown variable `{name}`; {s}");
        }
        self.errors.push(RefError {
            offset: self.offset(expr.id),
            len: name.chars().count() as u32,
            message,
            help: Some(format!("the names bound here are {}", bound.join(", "))),
        });
        Seen::Unknown
    }

    fn select(&mut self, expr: &IdedExpr, operand: &IdedExpr, field: &str, on: Seen) -> Seen {
        let path = path_text(operand);
        let at = self.offset(expr.id) + 1;
        let len = field.chars().count() as u32;
        match on {
            Seen::Unknown => Seen::Unknown,
            Seen::Keys(root, keys) => {
                if keys.iter().any(|k| k == field) {
                    return Seen::Unknown;
                }
                let candidates: Vec<&str> = keys.iter().map(String::as_str).collect();
                let suggestion = suggest(field, &candidates);
                let what =
                    if root == "variables" { "unknown variable" } else { "unknown parameter" };
                let mut message = format!("{what} {root}.{field}");
                if let Some(s) = &suggestion {
                    message.push_str(&format!("; did you mean {root}.{s}?"));
                }
                let help = if root == "variables" {
                    "a variable can only use the variables declared above it".to_string()
                } else {
                    "declare it under `params:` or add it to knowledge.yaml".to_string()
                };
                self.errors.push(RefError { offset: at, len, message, help: Some(help) });
                Seen::Unknown
            }
            Seen::Ty(Ty::Obj(obj)) => match obj.lookup(field) {
                Some((_, found)) => Seen::Ty(found.ty),
                None => {
                    let candidates: Vec<&str> = obj.visible().iter().map(|f| f.name).collect();
                    let shown = path.clone().unwrap_or_else(|| obj.name.to_string());
                    let mut message = format!("unknown field {shown}.{field}");
                    let suggestion = suggest(field, &candidates);
                    if let Some(s) = suggestion {
                        message.push_str(&format!("; did you mean {shown}.{s}?"));
                    }
                    let help = format!(
                        "{} has the fields {}",
                        obj.name,
                        candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                    );
                    self.errors.push(RefError {
                        offset: at,
                        len,
                        message,
                        help: suggestion.is_none().then_some(help),
                    });
                    Seen::Unknown
                }
            },
            Seen::Ty(Ty::Any | Ty::Map(_)) => Seen::Unknown,
            Seen::Ty(ty) => {
                let shown = path.unwrap_or_else(|| "this value".to_string());
                self.errors.push(RefError {
                    offset: at,
                    len,
                    message: format!("{shown} is {} and has no field `{field}`", ty.describe()),
                    help: None,
                });
                Seen::Unknown
            }
        }
    }
}

fn is_type_name(name: &str) -> bool {
    matches!(
        name,
        "int"
            | "uint"
            | "double"
            | "bool"
            | "string"
            | "bytes"
            | "list"
            | "map"
            | "null_type"
            | "type"
            | "dyn"
    )
}

/// `fn.body.parses` for a chain of selections on a name.
pub(crate) fn path_text(expr: &IdedExpr) -> Option<String> {
    path_segments(expr).map(|s| s.join("."))
}

pub(crate) fn path_segments(expr: &IdedExpr) -> Option<Vec<String>> {
    match &expr.expr {
        Expr::Ident(name) => Some(vec![name.clone()]),
        Expr::Select(s) if !s.test => {
            let mut segments = path_segments(&s.operand)?;
            segments.push(s.field.clone());
            Some(segments)
        }
        _ => None,
    }
}

/// A chain of field names read from a value of type `root` (`["body", "parses"]` from `fn`):
/// the schema positions that read it (`hooklint_model::fact::read`) and the type it has.
pub(crate) fn resolve(root: Ty, names: &[String]) -> Option<(Vec<usize>, Ty)> {
    let mut ty = root;
    let mut path = Vec::new();
    for name in names {
        let Ty::Obj(schema) = ty else { return None };
        let (positions, field) = schema.lookup(name)?;
        path.extend(positions);
        ty = field.ty;
    }
    Some((path, ty))
}

/// Adds to `out` the names of `params` an expression reads (`params.NAME`, `params['NAME']`).
/// `false` when it uses `params` as a whole (passes it on, iterates it), so that any key may
/// be read.
pub(crate) fn params_read(expr: &IdedExpr, out: &mut std::collections::BTreeSet<String>) -> bool {
    use cel::common::ast::{EntryExpr, LiteralValue};
    let is_params = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(n) if n == "params");
    match &expr.expr {
        Expr::Ident(name) => name != "params",
        Expr::Select(s) if is_params(&s.operand) => {
            out.insert(s.field.clone());
            true
        }
        Expr::Select(s) => params_read(&s.operand, out),
        Expr::Call(call) => {
            if call.func_name == "_[_]" {
                if let [on, key] = call.args.as_slice() {
                    if is_params(on) {
                        if let Expr::Literal(LiteralValue::String(k)) = &key.expr {
                            out.insert(k.inner().to_string());
                            return true;
                        }
                    }
                }
            }
            let target = call.target.as_ref().is_none_or(|t| params_read(t, out));
            call.args.iter().fold(target, |all, a| params_read(a, out) && all)
        }
        Expr::Comprehension(c) => {
            [&c.iter_range, &c.accu_init, &c.loop_cond, &c.loop_step, &c.result]
                .into_iter()
                .all(|e| params_read(e, out))
        }
        Expr::List(list) => list.elements.iter().all(|e| params_read(e, out)),
        Expr::Map(map) => map.entries.iter().fold(true, |all, entry| match &entry.expr {
            EntryExpr::MapEntry(e) => params_read(&e.key, out) && params_read(&e.value, out) && all,
            _ => all,
        }),
        Expr::Struct(s) => s.entries.iter().fold(true, |all, entry| match &entry.expr {
            EntryExpr::StructField(e) => params_read(&e.value, out) && all,
            _ => all,
        }),
        Expr::Literal(_) | Expr::Unspecified => true,
    }
}

/// The name most likely meant by a mistyped one (see `hooklint_model::suggest`).
pub(crate) fn suggest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    hooklint_model::suggest::did_you_mean(name, candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_distances() {
        assert_eq!(suggest("compare", &["compares", "calls"]), Some("compares"));
        assert_eq!(suggest("zzz", &["compares", "calls"]), None);
    }
}
