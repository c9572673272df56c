//! rocket: `rocket::build().mount("/p", routes![a, b])`; the routes themselves are attributes.

use super::{str_arg, Reader};
use crate::util;

/// `.mount("/prefix", routes![a, b])`: each listed fn gets the prefix.
pub(super) fn mount(r: &mut Reader<'_, '_>, base_path_arg: &syn::Expr, routes: &syn::Expr) {
    let prefix = str_arg(Some(base_path_arg)).unwrap_or_default();
    let syn::Expr::Macro(mac) = util::peel_expr(routes) else { return };
    let Ok(list) = mac.mac.parse_body_with(
        syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
    ) else {
        return;
    };
    for p in list {
        r.push(r.reg(String::new(), prefix.clone(), "rocket", util::path_str(&p), Vec::new()));
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::{facts, func};

    #[test]
    fn rocket_routes_and_data() {
        let f = facts(
            r#"
use rocket::{post, routes, Data};
#[post("/stripe", data = "<body>")]
fn stripe(body: Data<'_>) {}
#[post("/json", data = "<ev>")]
fn json(ev: Json<Event>) {}
fn rocket() { rocket::build().mount("/hooks", routes![stripe, json]); }
"#,
        );
        let s = func(&f, "stripe");
        assert_eq!(s.routes[0].framework, "rocket");
        assert_eq!(s.routes[0].path, "/hooks/stripe");
        assert_eq!(s.params[0].extractor, "stream");
        let j = func(&f, "json");
        assert_eq!(j.body.kind, "json");
        assert_eq!(j.body.typed_extractor, "Json<Event>");
        assert!(j.body.parses[0].before_verify);
    }
}
