//! GraphQL over HTTP at `/graphql` (POST, and GET for queries; GraphiQL for browsers),
//! subscriptions over WebSocket (`graphql-transport-ws`, and the older `graphql-ws`) at
//! `/graphql/ws`, and the schema's SDL at `/schema.graphql`.
//!
//! The schema served is the package's generated SDL itself ([`schema`]); root resolvers
//! ([`resolve`]) turn arguments into the JSON mapping, call the service through [`App::invoke`]
//! (so authentication, validation and error mapping are the same as on every other protocol) and
//! turn results back ([`convert`]).

mod convert;
mod resolve;
mod schema;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use async_graphql::dynamic::Schema;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, GraphiQLSource};
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Data, Executor};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Router;
use axum::body::Body;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::auth::Credentials;
use crate::server::App;
use resolve::Caller;

/// What the GraphQL routes share.
struct Endpoint {
    app: Arc<App>,
    schema: Schema,
}

pub(crate) fn routes(app: &Arc<App>) -> Router {
    let Some(first) = app.services.first() else {
        return Router::new();
    };
    // With several packages the first service's document is served: one endpoint, one file.
    let document = first.descriptor().documents.graphql;
    let sdl = Router::new().route(
        "/schema.graphql",
        get(move || async move { ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], document) }),
    );
    match schema::build(app) {
        Ok(schema) => {
            let endpoint = Arc::new(Endpoint {
                app: app.clone(),
                schema,
            });
            Router::new()
                .route("/graphql", get(get_graphql).post(post_graphql))
                .route("/graphql/ws", get(websocket))
                .with_state(endpoint)
                .merge(sdl)
        }
        Err(problem) => {
            // A document that does not match its model is a build bug; the other protocols
            // still work, so the server starts and GraphQL says what is wrong.
            tracing::error!("GraphQL is not served: {problem}");
            let message = format!("GraphQL is not available: {problem}");
            Router::new()
                .route(
                    "/graphql",
                    get({
                        let message = message.clone();
                        move || async move { transport_error(StatusCode::INTERNAL_SERVER_ERROR, &message) }
                    })
                    .post(move || async move { transport_error(StatusCode::INTERNAL_SERVER_ERROR, &message) }),
                )
                .merge(sdl)
        }
    }
}

impl Caller {
    /// Credentials from the headers and (for API keys) the query string.
    fn from_request(headers: &HeaderMap, uri: &Uri) -> Caller {
        let mut credentials = Credentials::from_headers(headers);
        if let Some(query) = uri.query() {
            credentials.add_query(query);
        }
        Caller {
            credentials,
            headers: Arc::new(headers.clone()),
        }
    }

    /// Adds what a WebSocket client sends in `connection_init`, since browsers cannot set
    /// headers on a WebSocket: `{"authorization": "Bearer …"}`, other members as headers (API
    /// keys), or the same inside `"headers"` as Apollo's clients send them.
    fn with_init_payload(mut self, payload: &serde_json::Value) -> Caller {
        let serde_json::Value::Object(members) = payload else {
            return self;
        };
        let nested = members.get("headers").and_then(serde_json::Value::as_object);
        for (name, value) in members.iter().chain(nested.into_iter().flatten()) {
            let Some(value) = value.as_str() else {
                continue;
            };
            let name = name.to_ascii_lowercase();
            if name == "authorization" {
                self.credentials.set_authorization(value);
            }
            self.credentials
                .api_keys
                .insert(format!("header:{name}"), value.to_string());
        }
        self
    }
}

async fn post_graphql(State(endpoint): State<Arc<Endpoint>>, headers: HeaderMap, uri: Uri, body: Body) -> Response {
    let limit = endpoint.app.limits.max_body_bytes;
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return transport_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request body could not be read or is larger than {limit} bytes"),
        );
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("application/json");
    let batch = if content_type.starts_with("application/graphql") && !content_type.contains("json") {
        match String::from_utf8(bytes.to_vec()) {
            Ok(query) => BatchRequest::Single(async_graphql::Request::new(query)),
            Err(_) => return transport_error(StatusCode::BAD_REQUEST, "the query is not UTF-8"),
        }
    } else if content_type.contains("json") {
        match serde_json::from_slice::<BatchRequest>(&bytes) {
            Ok(batch) => batch,
            Err(error) => {
                return transport_error(StatusCode::BAD_REQUEST, &format!("not a GraphQL request: {error}"));
            }
        }
    } else {
        return transport_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/json (or the query alone as application/graphql)",
        );
    };
    if let BatchRequest::Batch(requests) = &batch
        && requests.len() > endpoint.app.limits.max_batch
    {
        return transport_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("a batch may hold at most {} requests", endpoint.app.limits.max_batch),
        );
    }
    let batch = batch.data(Caller::from_request(&headers, &uri));
    respond(endpoint.schema.execute_batch(batch).await)
}

async fn get_graphql(State(endpoint): State<Arc<Endpoint>>, headers: HeaderMap, uri: Uri) -> Response {
    let query = uri.query().unwrap_or_default();
    let has_query = form_urlencoded::parse(query.as_bytes()).any(|(name, _)| name == "query");
    if !has_query {
        let accepts_html = headers
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
        if accepts_html {
            return Html(
                GraphiQLSource::build()
                    .endpoint("/graphql")
                    .subscription_endpoint("/graphql/ws")
                    .title("GraphiQL")
                    .finish(),
            )
            .into_response();
        }
        return transport_error(StatusCode::BAD_REQUEST, "missing the `query` parameter");
    }
    let request = match async_graphql::http::parse_query_string(query) {
        Ok(request) => request,
        Err(error) => return transport_error(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    // GET must not change state (GraphQL over HTTP): mutations only over POST.
    if is_mutation(&request) {
        let mut response = transport_error(StatusCode::METHOD_NOT_ALLOWED, "mutations must be sent with POST");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let request = request.data(Caller::from_request(&headers, &uri));
    respond(BatchResponse::Single(endpoint.schema.execute(request).await))
}

/// Whether the operation a request selects is a mutation. A query that does not parse is left
/// for execution to report.
fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let operation = match (&document.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) => operations.values().next(),
    };
    operation.is_some_and(|operation| operation.node.ty == OperationType::Mutation)
}

async fn websocket(
    State(endpoint): State<Arc<Endpoint>>,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    uri: Uri,
    upgrade: WebSocketUpgrade,
) -> Response {
    let caller = Caller::from_request(&headers, &uri);
    let schema = endpoint.schema.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(endpoint.app.limits.max_message_bytes)
        .on_upgrade(move |socket| async move {
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let mut data = Data::default();
                    data.insert(caller.with_init_payload(&payload));
                    Ok(data)
                })
                .serve()
                .await
        })
}

/// A GraphQL response as `application/json`: GraphQL over HTTP answers 200 whenever the request
/// was executed, even if a field failed; the errors are in the body.
fn respond(response: BatchResponse) -> Response {
    let mut headers = HeaderMap::new();
    if let BatchResponse::Single(single) = &response {
        for (name, value) in single.http_headers.iter() {
            headers.append(name, value.clone());
        }
    }
    let body = match serde_json::to_vec(&response) {
        Ok(body) => body,
        Err(error) => return transport_error(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    (StatusCode::OK, headers, body).into_response()
}

/// A request that could not be executed at all, in GraphQL's error shape.
fn transport_error(status: StatusCode, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message }] });
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}
