//! String and byte-string literals with what they initialise.

use crate::provenance::build::{FlowVal, Work};
use hooklint_model::{Call, Literal, Registration};

use super::{FnVisitor, LitHint};
use crate::extract::FileCx;

impl FnVisitor<'_, '_> {
    /// Records a string or byte-string literal; its value is the literal itself.
    pub(super) fn record_literal(&mut self, lit: &syn::Lit, hint: Option<LitHint>) -> FlowVal {
        let (value, is_bytes) = match lit {
            syn::Lit::Str(s) => (s.value(), false),
            syn::Lit::ByteStr(b) => (String::from_utf8_lossy(&b.value()).into_owned(), true),
            _ => return FlowVal::new(),
        };
        let (binding, context, callee) = match hint {
            Some(LitHint::Binding(b, ctx)) => (b, ctx, String::new()),
            Some(LitHint::Field(f)) => (f, "field", String::new()),
            Some(LitHint::Arg(c)) => (String::new(), "arg", c),
            None => (String::new(), "other", String::new()),
        };
        let index = self.literals.len() as u32;
        self.literals.push(Literal {
            value,
            is_bytes,
            binding,
            context: context.to_string(),
            callee,
            is_test: self.is_test,
            span: self.cx.src.span(lit.span()),
            ..Literal::default()
        });
        self.fb.literal(index)
    }
}

/// Facts of a module-level `const`/`static` initialiser: its literals, router chains and the
/// flow of its value (in `ret`).
pub fn module_value(
    cx: &FileCx<'_>,
    name: &str,
    context: &'static str,
    e: &syn::Expr,
    self_type: &str,
    is_test: bool,
) -> (Vec<Literal>, Vec<Registration>, Work, Vec<Call>) {
    let mut v = FnVisitor::new(cx, self_type, is_test, &[], &[]);
    v.lit_hint = Some(LitHint::Binding(name.to_string(), context));
    v.run_expr(e);
    let facts = v.finish();
    (facts.literals, facts.registrations, facts.flow, facts.calls)
}
