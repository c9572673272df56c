//! The `project` target: every document, credential and route at once, with the routes
//! manifests declare linked to the Rust handlers that serve them.

use hooklint_model::manifest::{
    route_matches, DeclaredRoute, Document, ManifestFile, Project, ProjectRoute,
};
use hooklint_model::Function;

/// Builds the project facts from the run's manifests and linked Rust functions.
pub fn build_project(manifests: &[ManifestFile], functions: &[&Function]) -> Project {
    let documents: Vec<Document> =
        manifests.iter().flat_map(|m| m.documents.iter().cloned()).collect();
    let credentials = documents.iter().flat_map(|d| d.credentials.iter().cloned()).collect();
    let mut routes: Vec<ProjectRoute> = functions
        .iter()
        .filter(|f| !f.is_test)
        .flat_map(|f| {
            f.routes.iter().map(move |r| ProjectRoute {
                method: r.method.clone(),
                path: r.path.clone(),
                framework: r.framework.clone(),
                handler: f.qualified_name.clone(),
                verifies: f.verifies,
                is_webhook: f.is_webhook,
                handler_span: f.span.clone(),
                span: r.span.clone(),
            })
        })
        .collect();
    routes.sort_by(|a, b| (&a.handler_span, &a.path).cmp(&(&b.handler_span, &b.path)));
    let mut declared_routes = Vec::new();
    for doc in &documents {
        for ep in doc.endpoints.iter().filter(|e| e.is_inbound && !e.route.is_empty()) {
            let handlers = routes
                .iter()
                .filter(|r| {
                    route_matches(&r.path, &ep.route) && method_matches(&r.method, &ep.method)
                })
                .cloned()
                .collect();
            declared_routes.push(DeclaredRoute {
                route: ep.route.clone(),
                method: ep.method.clone(),
                kind: ep.kind.clone(),
                format: doc.format.clone(),
                name: if doc.name.is_empty() { ep.name.clone() } else { doc.name.clone() },
                span: ep.span.clone(),
                handlers,
            });
        }
    }
    let shared_credentials = crate::shared::shared_credentials(&documents);
    Project { documents, credentials, routes, declared_routes, shared_credentials }
}

fn method_matches(served: &str, declared: &str) -> bool {
    declared.is_empty()
        || served.is_empty()
        || served == "ANY"
        || served.eq_ignore_ascii_case(declared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_patterns() {
        assert!(route_matches("/webhooks/github", "/webhooks/github"));
        assert!(route_matches("/webhooks/:provider", "/webhooks/github"));
        assert!(route_matches("/webhooks/{provider}", "/webhooks/github/"));
        assert!(route_matches("/files/*rest", "/files/a/b"));
        assert!(route_matches("/hooks/<name>", "/hooks/x"));
        assert!(!route_matches("/webhooks/github", "/webhooks/gitlab"));
        assert!(!route_matches("/webhooks", "/webhooks/github"));
        assert!(!route_matches("/webhooks/:p/x", "/webhooks/github"));
    }
}
