use axum::{routing::get, Router};

pub fn router() -> Router {
    Router::new()
        .route("/internal/users", get(list_users))
        .route("/internal/jobs", get(list_jobs))
        .route("/public/health", get(health))
}

// expect: org/internal-requires-service-token
async fn list_users() -> &'static str {
    "[]"
}

// ok: org/internal-requires-service-token
async fn list_jobs(headers: axum::http::HeaderMap) -> &'static str {
    if auth::verify_service_token(&headers).is_err() {
        return "denied";
    }
    "[]"
}

async fn health() -> &'static str {
    "ok"
}
