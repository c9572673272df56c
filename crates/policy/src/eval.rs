//! Evaluation of compiled policies over one target: the target's CEL value is built at most
//! once, and only when a policy survives its native prefilter.

use crate::load::{Expr, Part, Policy, Variable};
use cel::common::types::CelBool;
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::objects::{KeyRef, Map};
use cel::{Context, Env, ExecutionError, Value};
use hooklint_model::manifest::Document;
use hooklint_model::{
    Confidence, Finding, Function, Label, Problem, ProblemCode, RustFile, Severity, Span,
};
use std::sync::{Arc, OnceLock};

/// A variable's value, computed on first use.
type Slot = OnceLock<Result<Box<dyn Val>, String>>;

/// The names an expression sees, resolved by borrowing: nothing is copied per evaluation.
/// Variables are evaluated lazily, the first time an expression reads them: target-level ones
/// once per target, per-item ones once per element.
struct Scope<'a> {
    env: &'a Arc<Env>,
    target_name: &'static str,
    target: &'a dyn Val,
    params: &'a dyn Val,
    it: Option<&'a dyn Val>,
    variables: &'a [Variable],
    target_slots: &'a [Slot],
    item_slots: &'a [Slot],
}

impl Scope<'_> {
    fn slot(&self, i: usize) -> Option<&Slot> {
        let var = self.variables.get(i)?;
        if var.per_item {
            self.item_slots.get(i)
        } else {
            self.target_slots.get(i)
        }
    }

    fn compute(&self, i: usize) -> Result<Box<dyn Val>, String> {
        let var = self.variables.get(i).ok_or("no such variable")?;
        let mut ctx = Context::with_env(Arc::clone(self.env));
        ctx.set_variable_resolver(self);
        let value = var.expr.program.execute(&ctx).map_err(|e| error_text(&e))?;
        Box::<dyn Val>::try_from(value).map_err(|e| error_text(&e))
    }
}

impl VariableResolver for Scope<'_> {
    fn resolve<'b>(&'b self, name: &str) -> Option<CowVal<'b, 'b>> {
        if name == self.target_name {
            return Some(CowVal::Borrowed(self.target));
        }
        match name {
            "params" => Some(CowVal::Borrowed(self.params)),
            "it" => self.it.map(CowVal::Borrowed),
            _ => {
                let var = name.strip_prefix("variables.")?;
                let i = self.variables.iter().position(|v| v.name == var)?;
                let slot = self.slot(i)?;
                match slot.get_or_init(|| self.compute(i)) {
                    Ok(v) => Some(CowVal::Borrowed(v.as_ref())),
                    Err(_) => None,
                }
            }
        }
    }
}

/// What is being checked, for findings and problems. Built for every target, so it only
/// borrows; descriptions are formatted when something is reported.
pub(crate) struct Subject<'a> {
    pub binding: &'static str,
    /// `fn.qualified_name`, or `""` for a file.
    pub function: &'a str,
    what: What<'a>,
}

enum What<'a> {
    Function(&'a Function),
    File(&'a RustFile),
    Document(&'a Document),
    Project,
}

impl Subject<'_> {
    /// `fn `a::b` (src/a.rs:12)` or `file src/a.rs`.
    pub fn describe(&self) -> String {
        match self.what {
            What::Function(f) => {
                format!("fn `{}` ({}:{})", f.qualified_name, f.span.file, f.span.line)
            }
            What::File(file) => format!("file {}", file.path),
            What::Document(d) => format!("document {} of {}", d.index, d.file),
            What::Project => "the project".to_string(),
        }
    }

    /// The target's own span: the function's name, or the file's first line.
    pub fn span(&self) -> Span {
        match self.what {
            What::Function(f) => f.span.clone(),
            What::File(file) => Span::line(file.path.clone(), 1),
            What::Document(d) => d.span.clone(),
            What::Project => Span::default(),
        }
    }
}

pub(crate) fn function_subject(f: &Function) -> Subject<'_> {
    Subject { binding: "fn", function: &f.qualified_name, what: What::Function(f) }
}

pub(crate) fn file_subject(file: &RustFile) -> Subject<'_> {
    Subject { binding: "file", function: "", what: What::File(file) }
}

pub(crate) fn document_subject(d: &Document) -> Subject<'_> {
    Subject { binding: "doc", function: "", what: What::Document(d) }
}

pub(crate) fn project_subject<'a>() -> Subject<'a> {
    Subject { binding: "project", function: "", what: What::Project }
}

pub(crate) struct Evaluator<'a> {
    pub env: &'a Arc<Env>,
    pub policy: &'a Policy,
    pub subject: &'a Subject<'a>,
    pub target: &'a dyn Val,
}

/// Findings and problems of one run, kept apart from the evaluator so that scopes can borrow
/// the evaluator while results are pushed.
#[derive(Default)]
pub(crate) struct Out {
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
}

impl Evaluator<'_> {
    fn problem(&self, out: &mut Out, field: &str, error: &str) {
        let message = format!(
            "rule {} failed in `{field}` on {}: {}",
            self.policy.info.id,
            self.subject.describe(),
            lower_first(error)
        );
        out.problems.push(Problem::new(
            ProblemCode::CelRuntimeError,
            message,
            Some(self.subject.span()),
        ));
    }

    fn slots(&self) -> Vec<Slot> {
        self.policy.exprs.variables.iter().map(|_| OnceLock::new()).collect()
    }

    fn scope<'s>(
        &'s self,
        it: Option<&'s dyn Val>,
        target_slots: &'s [Slot],
        item_slots: &'s [Slot],
    ) -> Scope<'s> {
        Scope {
            env: self.env,
            target_name: self.subject.binding,
            target: self.target,
            params: self.policy.params.as_ref(),
            it,
            variables: &self.policy.exprs.variables,
            target_slots,
            item_slots,
        }
    }

    /// Reports an expression's failure, or the failure of a variable it read (which is what
    /// made it fail), once per variable.
    fn failed(
        &self,
        out: &mut Out,
        field: &str,
        error: &str,
        slots: &[&[Slot]],
        reported: &mut Vec<usize>,
    ) {
        let mut any = false;
        for group in slots {
            for (i, slot) in group.iter().enumerate() {
                if let Some(Err(e)) = slot.get() {
                    any = true;
                    if !reported.contains(&i) {
                        reported.push(i);
                        if let Some(var) = self.policy.exprs.variables.get(i) {
                            self.problem(out, &var.expr.field, e);
                        }
                    }
                }
            }
        }
        if !any {
            self.problem(out, field, error);
        }
    }

    /// A message or note template with each `{{ expr }}` replaced by its value; the template
    /// as written when an expression fails, each failure added to `failures`.
    fn interpolate(
        &self,
        parts: &[Part],
        template: &str,
        scope: &Scope,
        failures: &mut Vec<(String, String)>,
    ) -> String {
        let mut text = String::new();
        let mut broken = false;
        for part in parts {
            match part {
                Part::Text(t) => text.push_str(t),
                Part::Expr(expr) => match self.value(expr, scope) {
                    Ok(v) => text.push_str(&display(&v)),
                    Err(e) => {
                        failures.push((expr.field.clone(), e));
                        broken = true;
                    }
                },
            }
        }
        if broken {
            template.to_string()
        } else {
            text
        }
    }

    fn value(&self, expr: &Expr, scope: &Scope) -> Result<Value, String> {
        let mut ctx = Context::with_env(Arc::clone(self.env));
        ctx.set_variable_resolver(scope);
        expr.program.execute(&ctx).map_err(|e| error_text(&e))
    }

    fn boolean(&self, expr: &Expr, scope: &Scope) -> Result<bool, String> {
        let mut ctx = Context::with_env(Arc::clone(self.env));
        ctx.set_variable_resolver(scope);
        let v = Value::resolve_val(expr.program.expression(), &ctx).map_err(|e| error_text(&e))?;
        match v.downcast_ref::<CelBool>() {
            Some(b) => Ok(*b.inner()),
            None => Err(format!("expected a bool, got {}", v.get_type().name())),
        }
    }

    pub fn run(&self, out: &mut Out, mask: Option<&[bool]>) {
        let policy = self.policy;
        let target_slots = self.slots();
        let mut reported = Vec::new();
        if let Some(m) = &policy.exprs.match_ {
            if !policy.prefilter.match_native {
                let scope = self.scope(None, &target_slots, &[]);
                match self.boolean(m, &scope) {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => {
                        self.failed(out, &m.field, &e, &[&target_slots], &mut reported);
                        return;
                    }
                }
            }
        }
        let Some(for_each) = &policy.exprs.for_each else {
            if !policy.prefilter.violation_native {
                let scope = self.scope(None, &target_slots, &[]);
                match self.boolean(&policy.exprs.violation, &scope) {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => {
                        let field = &policy.exprs.violation.field;
                        self.failed(out, field, &e, &[&target_slots], &mut reported);
                        return;
                    }
                }
            }
            self.report(out, None, &target_slots, &[], &mut reported);
            return;
        };

        // The list is evaluated once; each element is borrowed from it as `it`.
        let outer = self.scope(None, &target_slots, &[]);
        let mut ctx = Context::with_env(Arc::clone(self.env));
        ctx.set_variable_resolver(&outer);
        let list = match Value::resolve_val(for_each.program.expression(), &ctx) {
            Ok(list) => list,
            Err(e) => {
                let e = error_text(&e);
                self.failed(out, &for_each.field, &e, &[&target_slots], &mut reported);
                return;
            }
        };
        let Some(iterable) = list.as_iterable() else {
            let e = format!("expected a list, got {}", list.get_type().name());
            self.problem(out, &for_each.field, &e);
            return;
        };
        let mut items = iterable.iter();
        let mut index = 0usize;
        while let Some(item) = items.next() {
            let keep = mask.and_then(|m| m.get(index)).copied().unwrap_or(true);
            index += 1;
            if !keep {
                continue;
            }
            let item_slots = self.slots();
            let scope = self.scope(Some(item), &target_slots, &item_slots);
            match self.boolean(&policy.exprs.violation, &scope) {
                Ok(true) => self.report(out, Some(item), &target_slots, &item_slots, &mut reported),
                Ok(false) => {}
                Err(e) => {
                    let field = &policy.exprs.violation.field;
                    self.failed(out, field, &e, &[&target_slots, &item_slots], &mut reported);
                }
            }
        }
    }

    fn report(
        &self,
        out: &mut Out,
        it: Option<&dyn Val>,
        target_slots: &[Slot],
        item_slots: &[Slot],
        reported: &mut Vec<usize>,
    ) {
        let policy = self.policy;
        let mut failures: Vec<(String, String)> = Vec::new();
        let item = it.and_then(|i| Value::try_from(i).ok());
        let scope = self.scope(it, target_slots, item_slots);
        let span = match &policy.exprs.span {
            Some(expr) => match self.value(expr, &scope).and_then(|v| span_of(&v)) {
                Ok(span) => Some(span),
                Err(e) => {
                    failures.push((expr.field.clone(), e));
                    None
                }
            },
            None => None,
        };
        let span = span
            .or_else(|| item.as_ref().and_then(|v| field(v, "span")).and_then(|s| span_of(s).ok()))
            .unwrap_or_else(|| self.subject.span());
        let mut labels = Vec::new();
        if let Some(expr) = &policy.exprs.labels {
            match self.value(expr, &scope).and_then(|v| labels_of(&v)) {
                Ok(found) => labels = found,
                Err(e) => failures.push((expr.field.clone(), e)),
            }
        }
        let mut severity = policy.info.severity;
        if let Some(expr) = &policy.exprs.escalate {
            match self.value(expr, &scope) {
                Ok(Value::Bool(true)) => severity = Severity::Error,
                Ok(Value::Bool(false)) => {}
                Ok(other) => failures.push((
                    expr.field.clone(),
                    format!("expected a bool, found {}", display(&other)),
                )),
                Err(e) => failures.push((expr.field.clone(), e)),
            }
        }
        let mut confidence = Confidence::High;
        if let Some(expr) = &policy.exprs.confidence {
            // A broken confidence never hides a finding: it stays `high`.
            let expected =
                |v: &Value| format!("expected 'high', 'medium' or 'low', found {}", display(v));
            let level = match self.value(expr, &scope) {
                Ok(Value::String(s)) => {
                    Confidence::parse(&s).ok_or_else(|| expected(&Value::String(s)))
                }
                Ok(other) => Err(expected(&other)),
                Err(e) => Err(e),
            };
            match level {
                Ok(level) => confidence = level,
                Err(e) => failures.push((expr.field.clone(), e)),
            }
        }
        let message = self.interpolate(
            &policy.exprs.message,
            &policy.exprs.message_template,
            &scope,
            &mut failures,
        );
        let mut notes = Vec::new();
        for (parts, template) in &policy.exprs.notes {
            // A note that renders empty (`{{ cond ? '...' : '' }}`) is left out.
            let note = self.interpolate(parts, template, &scope, &mut failures);
            if !note.trim().is_empty() {
                notes.push(note.trim().to_string());
            }
        }
        for (field, e) in failures {
            self.failed(out, &field, &e, &[target_slots, item_slots], reported);
        }
        let function = match item.as_ref().and_then(|v| field(v, "function")) {
            Some(Value::String(s)) if self.subject.function.is_empty() => s.to_string(),
            _ => self.subject.function.to_string(),
        };
        out.findings.push(Finding {
            rule: policy.info.id.clone(),
            severity,
            message,
            notes,
            span,
            help: policy.info.help.clone(),
            function,
            labels,
            fingerprint: String::new(),
            confidence,
        });
    }
}

fn field<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    match value {
        Value::Map(map) => map_get(map, name),
        _ => None,
    }
}

fn map_get<'v>(map: &'v Map, name: &str) -> Option<&'v Value> {
    map.get(&KeyRef::String(name))
}

fn int(v: Option<&Value>) -> Option<u32> {
    match v? {
        Value::Int(i) => u32::try_from(*i).ok(),
        Value::UInt(u) => u32::try_from(*u).ok(),
        _ => None,
    }
}

/// A list of `{span, message}` maps into labels.
fn labels_of(v: &Value) -> Result<Vec<Label>, String> {
    let Value::List(items) = v else {
        return Err("labels must be a list of maps with `span` and `message`".to_string());
    };
    let mut out = Vec::new();
    for item in items.iter() {
        let span = field(item, "span").ok_or("a label has no `span`")?;
        let message = match field(item, "message") {
            Some(Value::String(s)) => s.to_string(),
            _ => return Err("a label has no string `message`".to_string()),
        };
        out.push(Label { span: span_of(span)?, message });
    }
    Ok(out)
}

/// A span map (`file`, `line`, `column`, `end_line`, `end_column`) back into a `Span`.
fn span_of(v: &Value) -> Result<Span, String> {
    let Value::Map(map) = v else {
        return Err("the span must be a map with file, line and column".to_string());
    };
    let file = match map_get(map, "file") {
        Some(Value::String(s)) => s.to_string(),
        _ => return Err("the span has no string `file`".to_string()),
    };
    let line = int(map_get(map, "line")).ok_or("the span has no int `line`")?;
    let column = int(map_get(map, "column")).unwrap_or(1);
    let end_line = int(map_get(map, "end_line")).unwrap_or(line);
    let end_column = int(map_get(map, "end_column")).unwrap_or(column);
    Ok(Span { file: file.into(), line, column, end_line, end_column })
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        Value::List(items) => items.iter().map(display).collect::<Vec<_>>().join(", "),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Map(_) => "{...}".to_string(),
        other => format!("{other:?}"),
    }
}

fn error_text(e: &ExecutionError) -> String {
    e.to_string()
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
