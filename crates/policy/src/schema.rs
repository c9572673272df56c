//! The fact model as policies see it, and the load-time check of every field a policy names.
//!
//! The `cel` crate has no type checker, so a misspelt field would otherwise only show up as a
//! run-time "no such key" on the first target that reaches it (or never, behind `&&`). This
//! table mirrors `hooklint-model` field by field; a unit test serializes a fully populated model
//! and fails if the two ever drift apart.

use cel::common::ast::{Expr, IdedExpr};

#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    Bool,
    Int,
    Str,
    List(&'static Ty),
    Obj(&'static Obj),
    /// Any value, fields unchecked: a manifest's `data`, `key_spans`.
    Any,
}

impl Ty {
    fn describe(self) -> &'static str {
        match self {
            Ty::Bool => "a bool",
            Ty::Int => "an int",
            Ty::Str => "a string",
            Ty::List(_) => "a list",
            Ty::Obj(_) => "a map",
            Ty::Any => "any value",
        }
    }
}

#[derive(Debug)]
pub(crate) struct Obj {
    pub name: &'static str,
    pub fields: &'static [Field],
}

#[derive(Debug)]
pub(crate) struct Field {
    pub name: &'static str,
    pub ty: Ty,
    /// Added by the policy engine, not a field of the model type (the drift test skips it).
    #[cfg_attr(not(test), allow(dead_code))]
    pub computed: bool,
}

impl Obj {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

const fn f(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, computed: false }
}

const STR_LIST: Ty = Ty::List(&Ty::Str);

pub(crate) static SPAN: Obj = Obj {
    name: "Span",
    fields: &[
        f("file", Ty::Str),
        f("line", Ty::Int),
        f("column", Ty::Int),
        f("end_line", Ty::Int),
        f("end_column", Ty::Int),
    ],
};

pub(crate) static ROUTE: Obj = Obj {
    name: "Route",
    fields: &[
        f("method", Ty::Str),
        f("path", Ty::Str),
        f("framework", Ty::Str),
        f("layers", STR_LIST),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static PARAM: Obj = Obj {
    name: "Param",
    fields: &[
        f("name", Ty::Str),
        f("type", Ty::Str),
        f("extractor", Ty::Str),
        f("custom", Ty::Str),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static HEADER_READ: Obj = Obj {
    name: "HeaderRead",
    fields: &[
        f("name", Ty::Str),
        f("binding", Ty::Str),
        f("gates", Ty::Bool),
        f("logged_only", Ty::Bool),
        f("decides", Ty::Bool),
        f("passed", Ty::Bool),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static CALL: Obj = Obj {
    name: "Call",
    fields: &[
        f("name", Ty::Str),
        f("path", Ty::Str),
        f("receiver", Ty::Str),
        f("is_method", Ty::Bool),
        f("args", STR_LIST),
        f("order", Ty::Int),
        f("target", Ty::Str),
        f("verifies", Ty::Bool),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static OPERAND: Obj = Obj {
    name: "Operand",
    fields: &[
        f("text", Ty::Str),
        f("idents", STR_LIST),
        f("origins", STR_LIST),
        f("literal", Ty::Str),
        f("is_literal", Ty::Bool),
        f("sensitive", Ty::Bool),
        f("sensitive_reason", Ty::Str),
        f("field", Ty::Str),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static COMPARE: Obj = Obj {
    name: "Compare",
    fields: &[
        f("op", Ty::Str),
        f("text", Ty::Str),
        f("left", Ty::Obj(&OPERAND)),
        f("right", Ty::Obj(&OPERAND)),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static LITERAL: Obj = Obj {
    name: "Literal",
    fields: &[
        f("value", Ty::Str),
        f("is_bytes", Ty::Bool),
        f("binding", Ty::Str),
        f("context", Ty::Str),
        f("callee", Ty::Str),
        f("is_test", Ty::Bool),
        f("span", Ty::Obj(&SPAN)),
    ],
};

/// A literal of `file.all_literals`: a `Literal` plus the function it sits in.
pub(crate) static FILE_LITERAL: Obj = Obj {
    name: "Literal",
    fields: &[
        f("value", Ty::Str),
        f("is_bytes", Ty::Bool),
        f("binding", Ty::Str),
        f("context", Ty::Str),
        f("callee", Ty::Str),
        f("is_test", Ty::Bool),
        f("span", Ty::Obj(&SPAN)),
        Field { name: "function", ty: Ty::Str, computed: true },
    ],
};

pub(crate) static LOG_CALL: Obj = Obj {
    name: "LogCall",
    fields: &[
        f("macro", Ty::Str),
        f("path", Ty::Str),
        f("args", Ty::List(&Ty::Obj(&OPERAND))),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static IP_SOURCE: Obj = Obj {
    name: "IpSource",
    fields: &[
        f("kind", Ty::Str),
        f("binding", Ty::Str),
        f("gates", Ty::Bool),
        f("logged_only", Ty::Bool),
        f("decides", Ty::Bool),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static PARSE: Obj = Obj {
    name: "Parse",
    fields: &[f("what", Ty::Str), f("before_verify", Ty::Bool), f("span", Ty::Obj(&SPAN))],
};

pub(crate) static BODY: Obj = Obj {
    name: "Body",
    fields: &[
        f("kind", Ty::Str),
        f("typed_extractor", Ty::Str),
        f("parses", Ty::List(&Ty::Obj(&PARSE))),
    ],
};

pub(crate) static RECEIVER: Obj = Obj {
    name: "Receiver",
    fields: &[
        f("role", Ty::Str),
        f("inbound", Ty::Str),
        f("methods", STR_LIST),
        f("body_method", Ty::Bool),
        f("handshake", Ty::Bool),
        f("user_auth", STR_LIST),
        f("signs", STR_LIST),
        f("weak_signs", STR_LIST),
        f("excluded", STR_LIST),
    ],
};

pub(crate) static VERIFICATION: Obj = Obj {
    name: "Verification",
    fields: &[
        f("via", Ty::Str),
        f("what", Ty::Str),
        f("gates", Ty::Bool),
        f("how", Ty::Str),
        f("fail_open", Ty::Str),
        f("detail", Ty::Str),
        f("local", Ty::Bool),
        f("span", Ty::Obj(&SPAN)),
        f("at", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static FUNCTION: Obj = Obj {
    name: "Function",
    fields: &[
        f("name", Ty::Str),
        f("qualified_name", Ty::Str),
        f("module", Ty::Str),
        f("self_type", Ty::Str),
        f("trait_name", Ty::Str),
        f("file", Ty::Str),
        f("span", Ty::Obj(&SPAN)),
        f("item_span", Ty::Obj(&SPAN)),
        f("is_test", Ty::Bool),
        f("is_async", Ty::Bool),
        f("attributes", STR_LIST),
        f("routes", Ty::List(&Ty::Obj(&ROUTE))),
        f("params", Ty::List(&Ty::Obj(&PARAM))),
        f("is_handler", Ty::Bool),
        f("is_webhook", Ty::Bool),
        f("webhook_reasons", STR_LIST),
        f("receiver", Ty::Obj(&RECEIVER)),
        f("headers_read", Ty::List(&Ty::Obj(&HEADER_READ))),
        f("calls", Ty::List(&Ty::Obj(&CALL))),
        f("reaches", STR_LIST),
        f("reaches_headers", STR_LIST),
        f("reaches_sensitive_compare", Ty::Bool),
        f("verifies", Ty::Bool),
        f("verified_by", STR_LIST),
        f("verifications", Ty::List(&Ty::Obj(&VERIFICATION))),
        f("verification_gates", Ty::Bool),
        f("compares", Ty::List(&Ty::Obj(&COMPARE))),
        f("literals", Ty::List(&Ty::Obj(&LITERAL))),
        f("logs", Ty::List(&Ty::Obj(&LOG_CALL))),
        f("ip_sources", Ty::List(&Ty::Obj(&IP_SOURCE))),
        f("body", Ty::Obj(&BODY)),
    ],
};

pub(crate) static RUST_FILE: Obj = Obj {
    name: "RustFile",
    fields: &[
        f("path", Ty::Str),
        f("is_test", Ty::Bool),
        f("literals", Ty::List(&Ty::Obj(&LITERAL))),
        Field { name: "all_literals", ty: Ty::List(&Ty::Obj(&FILE_LITERAL)), computed: true },
    ],
};

pub(crate) static SCOPE: Obj = Obj {
    name: "Scope",
    fields: &[
        f("name", Ty::Str),
        f("kind", Ty::Str),
        f("level", Ty::Str),
        f("source", Ty::Str),
        f("reason", Ty::Str),
        f("approver", Ty::Str),
        f("key_path", Ty::Str),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static ENDPOINT: Obj = Obj {
    name: "Endpoint",
    fields: &[
        f("url", Ty::Str),
        f("kind", Ty::Str),
        f("scheme", Ty::Str),
        f("host", Ty::Str),
        f("route", Ty::Str),
        f("method", Ty::Str),
        f("name", Ty::Str),
        f("is_plaintext", Ty::Bool),
        f("is_loopback", Ty::Bool),
        f("is_inbound", Ty::Bool),
        f("key_path", Ty::Str),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static CREDENTIAL: Obj = Obj {
    name: "Credential",
    fields: &[
        f("service", Ty::Str),
        f("name", Ty::Str),
        f("kind", Ty::Str),
        f("broker", Ty::Str),
        f("role", Ty::Str),
        f("user", Ty::Str),
        f("host", Ty::Str),
        f("fingerprint", Ty::Str),
        f("is_reference", Ty::Bool),
        f("key_path", Ty::Str),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static INLINE_SECRET: Obj = Obj {
    name: "InlineSecret",
    fields: &[
        f("key", Ty::Str),
        f("kind", Ty::Str),
        f("service", Ty::Str),
        f("fingerprint", Ty::Str),
        f("key_path", Ty::Str),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static SERVICE: Obj = Obj {
    name: "Service",
    fields: &[
        f("name", Ty::Str),
        f("image", Ty::Str),
        f("env_files", STR_LIST),
        f("broker", Ty::Str),
        f("key_path", Ty::Str),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static INTEGRATION_WEBHOOK: Obj = Obj {
    name: "IntegrationWebhook",
    fields: &[
        f("present", Ty::Bool),
        f("route", Ty::Str),
        f("url", Ty::Str),
        f("method", Ty::Str),
        f("signature_scheme", Ty::Str),
        f("signature_header", Ty::Str),
        f("secret", Ty::Str),
        f("secret_is_reference", Ty::Bool),
        f("replay_window", Ty::Str),
        f("replay_window_seconds", Ty::Int),
        f("timestamp_header", Ty::Str),
        f("span", Ty::Obj(&SPAN)),
        f("route_span", Ty::Obj(&SPAN)),
        f("signature_span", Ty::Obj(&SPAN)),
        f("replay_span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static INTEGRATION_OAUTH: Obj = Obj {
    name: "IntegrationOauth",
    fields: &[
        f("present", Ty::Bool),
        f("token_lifetime", Ty::Str),
        f("token_lifetime_seconds", Ty::Int),
        f("refresh_token_lifetime", Ty::Str),
        f("refresh_token_lifetime_seconds", Ty::Int),
        f("span", Ty::Obj(&SPAN)),
        f("token_lifetime_span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static INTEGRATION_BROKER: Obj = Obj {
    name: "IntegrationBroker",
    fields: &[
        f("present", Ty::Bool),
        f("credential", Ty::Str),
        f("credential_is_reference", Ty::Bool),
        f("topics", STR_LIST),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static INTEGRATION: Obj = Obj {
    name: "Integration",
    fields: &[
        f("present", Ty::Bool),
        f("name", Ty::Str),
        f("owner", Ty::Str),
        f("owner_span", Ty::Obj(&SPAN)),
        f("provider", Ty::Str),
        f("data_shared", STR_LIST),
        f("data_span", Ty::Obj(&SPAN)),
        f("webhook", Ty::Obj(&INTEGRATION_WEBHOOK)),
        f("oauth", Ty::Obj(&INTEGRATION_OAUTH)),
        f("revocation", Ty::Str),
        f("revocation_span", Ty::Obj(&SPAN)),
        f("rotation", Ty::Str),
        f("rotation_seconds", Ty::Int),
        f("rotation_span", Ty::Obj(&SPAN)),
        f("broker", Ty::Obj(&INTEGRATION_BROKER)),
        f("tenant_isolation", Ty::Str),
        f("tenant_isolation_span", Ty::Obj(&SPAN)),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static DOCUMENT: Obj = Obj {
    name: "Document",
    fields: &[
        f("file", Ty::Str),
        f("index", Ty::Int),
        f("format", Ty::Str),
        f("kind", Ty::Str),
        f("name", Ty::Str),
        f("span", Ty::Obj(&SPAN)),
        f("data", Ty::Any),
        f("key_spans", Ty::Any),
        f("scopes", Ty::List(&Ty::Obj(&SCOPE))),
        f("endpoints", Ty::List(&Ty::Obj(&ENDPOINT))),
        f("credentials", Ty::List(&Ty::Obj(&CREDENTIAL))),
        f("inline_secrets", Ty::List(&Ty::Obj(&INLINE_SECRET))),
        f("services", Ty::List(&Ty::Obj(&SERVICE))),
        f("integration", Ty::Obj(&INTEGRATION)),
    ],
};

pub(crate) static PROJECT_ROUTE: Obj = Obj {
    name: "ProjectRoute",
    fields: &[
        f("method", Ty::Str),
        f("path", Ty::Str),
        f("framework", Ty::Str),
        f("handler", Ty::Str),
        f("verifies", Ty::Bool),
        f("is_webhook", Ty::Bool),
        f("handler_span", Ty::Obj(&SPAN)),
        f("span", Ty::Obj(&SPAN)),
    ],
};

pub(crate) static DECLARED_ROUTE: Obj = Obj {
    name: "DeclaredRoute",
    fields: &[
        f("route", Ty::Str),
        f("method", Ty::Str),
        f("kind", Ty::Str),
        f("format", Ty::Str),
        f("name", Ty::Str),
        f("span", Ty::Obj(&SPAN)),
        f("handlers", Ty::List(&Ty::Obj(&PROJECT_ROUTE))),
    ],
};

pub(crate) static PROJECT: Obj = Obj {
    name: "Project",
    fields: &[
        f("documents", Ty::List(&Ty::Obj(&DOCUMENT))),
        f("credentials", Ty::List(&Ty::Obj(&CREDENTIAL))),
        f("routes", Ty::List(&Ty::Obj(&PROJECT_ROUTE))),
        f("declared_routes", Ty::List(&Ty::Obj(&DECLARED_ROUTE))),
    ],
};

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
    roots: &[(&str, Root)],
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
    roots: &'a [(&'a str, Root)],
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
            Seen::Ty(Ty::Obj(obj)) => match obj.field(field) {
                Some(found) => Seen::Ty(found.ty),
                None => {
                    let candidates: Vec<&str> = obj.fields.iter().map(|f| f.name).collect();
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
            Seen::Ty(Ty::Any) => Seen::Unknown,
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

/// The schema type of a field path such as `["fn", "compares"]`.
pub(crate) fn type_of_path(root: Ty, path: &[String]) -> Option<Ty> {
    let mut ty = root;
    for segment in path {
        let Ty::Obj(obj) = ty else { return None };
        ty = obj.field(segment)?.ty;
    }
    Some(ty)
}

/// The name most likely meant by a mistyped one (see `hooklint_model::suggest`).
pub(crate) fn suggest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    hooklint_model::suggest::did_you_mean(name, candidates)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use hooklint_model as m;

    fn span() -> m::Span {
        m::Span::new("a.rs", 1, 2, 3, 4)
    }

    fn operand() -> m::Operand {
        m::Operand {
            idents: vec!["x".into()],
            origins: vec!["y".into()],
            span: span(),
            ..Default::default()
        }
    }

    fn literal() -> m::Literal {
        m::Literal { span: span(), ..Default::default() }
    }

    pub(crate) fn full_function() -> m::Function {
        m::Function {
            span: span(),
            item_span: span(),
            attributes: vec!["post".into()],
            routes: vec![m::Route { layers: vec!["l".into()], span: span(), ..Default::default() }],
            params: vec![m::Param { span: span(), ..Default::default() }],
            webhook_reasons: vec!["r".into()],
            headers_read: vec![m::HeaderRead { span: span(), ..Default::default() }],
            calls: vec![m::Call { args: vec!["a".into()], span: span(), ..Default::default() }],
            reaches: vec!["r".into()],
            reaches_headers: vec!["h".into()],
            verified_by: vec!["v".into()],
            receiver: m::Receiver {
                methods: vec!["POST".into()],
                user_auth: vec!["u".into()],
                signs: vec!["s".into()],
                weak_signs: vec!["w".into()],
                excluded: vec!["e".into()],
                ..Default::default()
            },
            verifications: vec![m::Verification { span: span(), at: span(), ..Default::default() }],
            compares: vec![m::Compare {
                left: operand(),
                right: operand(),
                span: span(),
                ..Default::default()
            }],
            literals: vec![literal()],
            logs: vec![m::LogCall { args: vec![operand()], span: span(), ..Default::default() }],
            ip_sources: vec![m::IpSource { span: span(), ..Default::default() }],
            body: m::Body {
                parses: vec![m::Parse { span: span(), ..Default::default() }],
                ..Default::default()
            },
            ..Default::default()
        }
    }

    /// Every key of the serialized model is in the schema with a matching type, and every
    /// non-computed schema field is in the serialized model.
    fn same_shape(value: &serde_json::Value, ty: Ty, path: &str) {
        match (value, ty) {
            (serde_json::Value::Bool(_), Ty::Bool)
            | (serde_json::Value::Number(_), Ty::Int)
            | (serde_json::Value::String(_), Ty::Str) => {}
            (serde_json::Value::Array(items), Ty::List(elem)) => {
                assert!(!items.is_empty(), "populate {path} in the test");
                for item in items {
                    same_shape(item, *elem, &format!("{path}[]"));
                }
            }
            (serde_json::Value::Object(map), Ty::Obj(obj)) => {
                for (key, v) in map {
                    let field = obj
                        .field(key)
                        .unwrap_or_else(|| panic!("{path}.{key} is missing from the schema"));
                    same_shape(v, field.ty, &format!("{path}.{key}"));
                }
                for field in obj.fields.iter().filter(|f| !f.computed) {
                    assert!(
                        map.contains_key(field.name),
                        "{path}.{} is not in the model",
                        field.name
                    );
                }
            }
            (_, Ty::Any) => {}
            (v, ty) => panic!("{path}: model has {v} but the schema says {ty:?}"),
        }
    }

    #[test]
    fn schema_mirrors_the_function_model() {
        let value = serde_json::to_value(full_function()).unwrap();
        same_shape(&value, Ty::Obj(&FUNCTION), "fn");
    }

    #[test]
    fn schema_mirrors_the_manifest_and_project_models() {
        use hooklint_model::manifest as mm;
        let doc = mm::Document {
            data: mm::Value::Map(vec![("a".into(), mm::Value::Int(1))]),
            key_spans: [("a".to_string(), span())].into_iter().collect(),
            scopes: vec![mm::Scope::default()],
            endpoints: vec![mm::Endpoint::default()],
            credentials: vec![mm::Credential::default()],
            inline_secrets: vec![mm::InlineSecret::default()],
            services: vec![mm::Service { env_files: vec!["x".into()], ..Default::default() }],
            integration: mm::Integration {
                data_shared: vec!["x".into()],
                broker: mm::IntegrationBroker { topics: vec!["t".into()], ..Default::default() },
                ..Default::default()
            },
            ..Default::default()
        };
        same_shape(&serde_json::to_value(&doc).unwrap(), Ty::Obj(&DOCUMENT), "doc");
        let route = mm::ProjectRoute::default();
        let project = mm::Project {
            documents: vec![doc],
            credentials: vec![mm::Credential::default()],
            routes: vec![route.clone()],
            declared_routes: vec![mm::DeclaredRoute {
                handlers: vec![route],
                ..Default::default()
            }],
        };
        same_shape(&serde_json::to_value(&project).unwrap(), Ty::Obj(&PROJECT), "project");
    }

    #[test]
    fn schema_mirrors_the_file_model() {
        let file = m::RustFile { literals: vec![literal()], ..Default::default() };
        let value = serde_json::to_value(file).unwrap();
        same_shape(&value, Ty::Obj(&RUST_FILE), "file");
    }

    #[test]
    fn levenshtein_distances() {
        assert_eq!(suggest("compare", &["compares", "calls"]), Some("compares"));
        assert_eq!(suggest("zzz", &["compares", "calls"]), None);
    }
}
