//! The spec documents, served where clients look for them: `/openapi.json`, `/asyncapi.json`,
//! `/openrpc.json`, `/schema.proto`, and per package under `/specs/<package>/…`. (`?wsdl` and
//! `/schema.graphql` belong to the SOAP and GraphQL adapters.) They are the bytes
//! `omniface generate` writes, embedded at build time.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::server::App;
use crate::service::Documents;

fn serve(router: Router, path: &str, content_type: &'static str, text: &'static str) -> Router {
    router.route(
        path,
        get(move || async move { ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], text).into_response() }),
    )
}

const JSON: &str = "application/json";

fn package_documents(mut router: Router, prefix: &str, documents: &Documents) -> Router {
    router = serve(router, &format!("{prefix}/openapi.json"), JSON, documents.openapi);
    router = serve(router, &format!("{prefix}/asyncapi.json"), JSON, documents.asyncapi);
    router = serve(router, &format!("{prefix}/openrpc.json"), JSON, documents.openrpc);
    serve(
        router,
        &format!("{prefix}/schema.proto"),
        "text/plain; charset=utf-8",
        documents.proto,
    )
}

pub(crate) fn routes(app: &Arc<App>) -> Router {
    let mut router = Router::new();
    let mut packages: Vec<&'static str> = Vec::new();
    for handler in &app.services {
        let documents = handler.descriptor().documents;
        if packages.contains(&documents.package) {
            continue;
        }
        if packages.is_empty() {
            router = package_documents(router, "", &documents);
        }
        packages.push(documents.package);
        router = package_documents(router, &format!("/specs/{}", documents.package), &documents);
        router = serve(
            router,
            &format!("/specs/{}/schema.graphql", documents.package),
            "text/plain; charset=utf-8",
            documents.graphql,
        );
        router = serve(
            router,
            &format!("/specs/{}/service.wsdl", documents.package),
            "text/xml; charset=utf-8",
            documents.wsdl,
        );
    }
    router
}
