//! poem: `Route::new().at("/p", post(h).with(..))`.

use super::{method_router, str_arg, Reader};

/// `.at("/p", post(h))`: poem's method routers are read like axum's.
pub(super) fn at(r: &mut Reader<'_, '_>, p: &syn::Expr, mr: &syn::Expr) {
    let path = str_arg(Some(p)).unwrap_or_default();
    for (method, h, layers) in method_router(r.cx, mr) {
        r.push(r.reg(method, path.clone(), "poem", h, layers));
    }
}
