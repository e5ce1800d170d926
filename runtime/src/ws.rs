//! placeholder

use std::sync::Arc;

use axum::Router;

use crate::server::App;

pub(crate) fn routes(_app: &Arc<App>) -> Router {
    Router::new()
}
pub const SUBPROTOCOL: &str = "omniface.jsonrpc.v1";
