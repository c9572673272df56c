//! tide: `app.at("/hook").post(handler)`, `.at("/a").at("/b")`, `.with(middleware)`.

use super::{handler_name, join_path, layer_names, str_arg, Reader};

/// `.at("/p")` with one argument: the path of the methods that follow.
pub(super) fn at(r: &mut Reader<'_, '_>, p: &syn::Expr) {
    let seg = str_arg(Some(p)).unwrap_or_default();
    r.tide_path = join_path(&r.tide_path, &seg);
}

/// `.post(handler)` after `.at(..)`.
pub(super) fn method(r: &mut Reader<'_, '_>, m: &str, h: &syn::Expr) {
    let name = handler_name(h);
    let layers = r.tide_layers.clone();
    let reg = r.reg(m.to_uppercase(), r.tide_path.clone(), "tide", name, layers);
    r.push(reg);
}

/// `.with(middleware)`: wraps the endpoints of the route before and after it, and the routes
/// of the server the chain starts from.
pub(super) fn with(r: &mut Reader<'_, '_>, l: &syn::Expr) {
    let names = layer_names(l, 0);
    r.tide_layers.extend(names.iter().cloned());
    r.layer(l);
}
