//! tide: `app.at("/hook").post(handler)`, `.at("/a").at("/b")`, `.with(middleware)`.

use super::{handler_name, join_path, str_arg, Reader};

/// `.at("/p")` with one argument: the path of the methods that follow.
pub(super) fn at(r: &mut Reader<'_, '_>, p: &syn::Expr) {
    let seg = str_arg(Some(p)).unwrap_or_default();
    r.tide_path = join_path(&r.tide_path, &seg);
}

/// `.post(handler)` after `.at(..)`.
pub(super) fn method(r: &mut Reader<'_, '_>, m: &str, h: &syn::Expr) {
    let name = handler_name(h);
    let reg = r.reg(m.to_uppercase(), r.tide_path.clone(), "tide", name, Vec::new());
    r.push(reg);
}
