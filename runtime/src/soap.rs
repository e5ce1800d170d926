//! SOAP 1.1 and 1.2 at `/soap/<Service>`, with the WSDL on `?wsdl`.

use std::sync::Arc;

use axum::Router;

use crate::server::App;

pub(crate) fn routes(_app: &Arc<App>) -> Router {
    Router::new()
}
