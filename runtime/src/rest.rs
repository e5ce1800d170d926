//! placeholder

use std::sync::Arc;

use axum::Router;
use axum::response::IntoResponse;

use crate::server::App;

pub(crate) fn routes(_app: &Arc<App>) -> Router {
    Router::new()
}

pub(crate) async fn not_found() -> impl IntoResponse {
    axum::http::StatusCode::NOT_FOUND
}
