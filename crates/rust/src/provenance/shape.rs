//! The shape of an expression for a chain step: `headers.get(..).and_then(..)`. Arguments and
//! literals are elided, so a chain never shows a value (a literal secret stays out of output).

/// Longest shape; longer ones end with `..`.
const MAX_SHAPE: usize = 60;

pub fn shape(e: &syn::Expr) -> String {
    let mut out = String::new();
    write(e, &mut out, 0);
    crate::util::truncate_with(&mut out, MAX_SHAPE, "..");
    out
}

fn path(p: &syn::Path, out: &mut String) {
    if p.leading_colon.is_some() {
        out.push_str("::");
    }
    for (i, s) in p.segments.iter().enumerate() {
        if i > 0 {
            out.push_str("::");
        }
        out.push_str(&s.ident.to_string());
    }
}

fn args(n: usize, out: &mut String) {
    out.push_str(if n == 0 { "()" } else { "(..)" });
}

fn write(e: &syn::Expr, out: &mut String, depth: usize) {
    if depth > 16 || out.len() > MAX_SHAPE {
        out.push_str("..");
        return;
    }
    let d = depth + 1;
    match e {
        syn::Expr::Path(p) => path(&p.path, out),
        syn::Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(_) => out.push_str("\"..\""),
            syn::Lit::ByteStr(_) => out.push_str("b\"..\""),
            _ => out.push_str(".."),
        },
        syn::Expr::MethodCall(m) => {
            write(&m.receiver, out, d);
            out.push('.');
            out.push_str(&m.method.to_string());
            args(m.args.len(), out);
        }
        syn::Expr::Call(c) => {
            match &*c.func {
                syn::Expr::Path(p) => path(&p.path, out),
                _ => out.push_str(".."),
            }
            args(c.args.len(), out);
        }
        syn::Expr::Field(f) => {
            write(&f.base, out, d);
            out.push('.');
            match &f.member {
                syn::Member::Named(n) => out.push_str(&n.to_string()),
                syn::Member::Unnamed(i) => out.push_str(&i.index.to_string()),
            }
        }
        syn::Expr::Reference(r) => {
            out.push('&');
            write(&r.expr, out, d);
        }
        syn::Expr::Try(t) => {
            write(&t.expr, out, d);
            out.push('?');
        }
        syn::Expr::Await(a) => {
            write(&a.base, out, d);
            out.push_str(".await");
        }
        syn::Expr::Paren(p) => write(&p.expr, out, d),
        syn::Expr::Group(g) => write(&g.expr, out, d),
        syn::Expr::Macro(m) => {
            path(&m.mac.path, out);
            out.push_str("!(..)");
        }
        syn::Expr::Index(i) => {
            write(&i.expr, out, d);
            out.push_str("[..]");
        }
        syn::Expr::Unary(u) => {
            out.push_str(match u.op {
                syn::UnOp::Deref(_) => "*",
                syn::UnOp::Not(_) => "!",
                _ => "-",
            });
            write(&u.expr, out, d);
        }
        syn::Expr::Cast(c) => {
            write(&c.expr, out, d);
            out.push_str(" as ..");
        }
        syn::Expr::Struct(s) => {
            path(&s.path, out);
            out.push_str(" { .. }");
        }
        syn::Expr::Closure(_) => out.push_str("|..| .."),
        syn::Expr::Match(m) => {
            out.push_str("match ");
            write(&m.expr, out, d);
            out.push_str(" { .. }");
        }
        syn::Expr::If(_) => out.push_str("if .. { .. }"),
        _ => out.push_str(".."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(src: &str) -> String {
        shape(&syn::parse_str::<syn::Expr>(src).expect("parses"))
    }

    #[test]
    fn shapes_elide_arguments_and_literals() {
        assert_eq!(
            s("headers.get(\"x-signature\").and_then(|v| v.to_str().ok()).unwrap_or(\"\")"),
            "headers.get(..).and_then(..).unwrap_or(..)"
        );
        assert_eq!(s("\"sk_live_abcdef\""), "\"..\"");
        assert_eq!(s("std::env::var(\"KEY\")?"), "std::env::var(..)?");
        assert_eq!(s("&state.config.secret"), "&state.config.secret");
        assert!(s(&format!("x{}", ".a()".repeat(100))).ends_with(".."));
    }
}
