//! Extractor types of handler parameters, and typed headers.

use syn::spanned::Spanned;

use crate::util;

pub fn is_extractor_trait(t: &str) -> bool {
    matches!(t, "FromRequest" | "FromRequestParts" | "FromData" | "OptionalFromRequestParts")
}

pub fn is_extractor_fn(f: &str) -> bool {
    matches!(f, "from_request" | "from_request_parts" | "from_data")
}

/// Extractor kinds that by themselves make a fn a request handler.
pub fn is_strong_extractor(kind: &str) -> bool {
    matches!(
        kind,
        "json" | "form" | "bytes" | "request" | "headers" | "header" | "connect_info" | "stream"
    )
}

/// Extractor kind of a parameter type, and the candidate project extractor type for `custom`.
/// `String`, `&str` and `Vec<u8>` only count as body extractors in a handler.
pub fn classify_type(ty: &syn::Type, handler: bool) -> (String, String) {
    classify_inner(ty, handler, 0)
}

fn classify_inner(ty: &syn::Type, handler: bool, depth: usize) -> (String, String) {
    let other = || ("other".to_string(), String::new());
    if depth > crate::limits::TYPE_DEPTH {
        crate::limits::hit(ty.span().start().line, "a parameter type");
        return other();
    }
    let peeled = util::peel_type(ty);
    if let syn::Type::Reference(_) = ty {
        if let syn::Type::Path(p) = peeled {
            if p.path.is_ident("str") {
                return (if handler { "string" } else { "other" }.to_string(), String::new());
            }
        }
    }
    let Some(path) = util::type_path(ty) else { return other() };
    let Some(last) = path.segments.last() else { return other() };
    let name = last.ident.to_string();
    let full = util::path_str(path);
    let generics = util::generic_types(path);
    let kind = match name.as_str() {
        "Option" | "Result" | "Box" | "Arc" => {
            return generics
                .first()
                .map(|g| classify_inner(g, handler, depth + 1))
                .unwrap_or_else(other)
        }
        "Json" | "SimdJson" => "json",
        "Form" | "Multipart" | "Urlencoded" => "form",
        "Bytes" | "BytesMut" => "bytes",
        "Vec" if handler && generics.first().is_some_and(|g| type_is(g, "u8")) => "bytes",
        "String" if handler => "string",
        "Request" | "HttpRequest" | "ServiceRequest" | "RequestParts" => "request",
        "HeaderMap" => "headers",
        "TypedHeader" | "Header" => "header",
        "ConnectInfo" => "connect_info",
        "State" => "state",
        "Data" if full.starts_with("rocket") || !util::has_type_args(path) => "stream",
        "Data" => "state",
        "Path" => "path",
        "Query" => "query",
        "Extension" => "extension",
        "Payload" | "BodyStream" | "Body" | "Incoming" => "stream",
        _ => {
            let custom = if is_project_type_candidate(&name) { name } else { String::new() };
            return ("other".to_string(), custom);
        }
    };
    (kind.to_string(), String::new())
}

fn type_is(ty: &syn::Type, name: &str) -> bool {
    util::type_path(ty).is_some_and(|p| p.is_ident(name))
}

/// A type name that could be a project extractor (a capitalised name that is not a std type).
fn is_project_type_candidate(name: &str) -> bool {
    const STD: &[&str] = &[
        "Self",
        "Vec",
        "String",
        "HashMap",
        "BTreeMap",
        "HashSet",
        "Rc",
        "RefCell",
        "Cow",
        "Duration",
        "Instant",
        "PathBuf",
        "Mutex",
        "RwLock",
        "SocketAddr",
        "IpAddr",
        "Uuid",
        "Value",
    ];
    name.chars().next().is_some_and(|c| c.is_uppercase()) && !STD.contains(&name)
}

/// Header name of a typed header (`TypedHeader<Authorization<Bearer>>` -> `authorization`).
pub fn typed_header_name(ty: &syn::Type) -> Option<String> {
    let path = util::type_path(ty)?;
    let last = path.segments.last()?;
    let name = last.ident.to_string();
    if name == "Option" {
        return util::generic_types(path).first().and_then(|g| typed_header_name(g));
    }
    if name != "TypedHeader" && name != "Header" {
        return None;
    }
    let inner =
        util::generic_types(path).first().and_then(|g| util::type_path(g))?.segments.last()?;
    Some(hooklint_model::names::header_from_const(&inner.ident.to_string()))
}

#[cfg(test)]
mod tests {
    use crate::testutil::{facts, func};

    #[test]
    fn extractor_kinds() {
        let f = facts(
            r#"
async fn h(
    State(s): State<App>, headers: HeaderMap, TypedHeader(auth): TypedHeader<Authorization<Bearer>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>, Path(id): Path<u64>, Query(q): Query<Q>,
    Extension(u): Extension<User>, body: Bytes, form: Form<F>,
) {}
fn helper(headers: &HeaderMap, s: String) {}
"#,
        );
        let h = func(&f, "h");
        let kinds: Vec<&str> = h.params.iter().map(|p| p.extractor.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "state",
                "headers",
                "header",
                "connect_info",
                "path",
                "query",
                "extension",
                "bytes",
                "form"
            ]
        );
        assert!(h.is_handler);
        assert_eq!(h.headers_read[0].name, "authorization");
        assert_eq!(h.ip_sources[0].kind, "connect_info");
        assert_eq!(h.ip_sources[0].binding, "addr");
        let helper = func(&f, "helper");
        assert!(!helper.is_handler);
        assert_eq!(helper.params[1].extractor, "other");
    }
}
