//! JSON-RPC 2.0 over HTTP at `POST /rpc`: methods named `Service.method` (as in the OpenRPC
//! document), named or positional params, batches (capped by `Limits::max_batch`),
//! notifications, the standard error codes, and application errors outside the reserved range
//! (their code is the mapped HTTP status). The WebSocket adapter reuses [`call`] for unary calls.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures_util::future::join_all;
use omniface_model::StreamingKind;
use omniface_model::naming::json_name;
use serde_json::{Map, Value, json};

use crate::auth::Credentials;
use crate::context::Protocol;
use crate::error::Error;
use crate::server::App;
use crate::service::{Input, Output};

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;

pub(crate) fn routes(app: &Arc<App>) -> Router {
    let app = app.clone();
    Router::new().route(
        "/rpc",
        post(move |request: Request| {
            let app = app.clone();
            async move { serve_http(app, request).await }
        }),
    )
}

async fn serve_http(app: Arc<App>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let mut credentials = Credentials::from_headers(&parts.headers);
    credentials.add_query(parts.uri.query().unwrap_or(""));
    let headers = Arc::new(parts.headers);
    let body = match crate::rest::read_body(body, app.limits.max_body_bytes).await {
        Ok(body) => body,
        Err(error) => {
            return json_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                error_response(Value::Null, INVALID_REQUEST, error.message(), None),
            );
        }
    };
    let message: Value = match serde_json::from_slice(&body) {
        Ok(message) => message,
        Err(error) => {
            return json_response(
                StatusCode::OK,
                error_response(Value::Null, PARSE_ERROR, &format!("Parse error: {error}"), None),
            );
        }
    };
    match handle_message(&app, message, &credentials, &headers, Protocol::JsonRpc).await {
        Some(reply) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            reply,
        )
            .into_response(),
        // Only notifications: nothing to answer (JSON-RPC 2.0 §6); 204 tells HTTP clients so.
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body.to_string(),
    )
        .into_response()
}

/// One parsed JSON-RPC message (single or batch), answered as JSON text; `None` when nothing is
/// to be answered. Replies are text so that a result's bytes go into the envelope as encoded,
/// without a detour through `serde_json::Value`.
pub(crate) async fn handle_message(
    app: &App,
    message: Value,
    credentials: &Credentials,
    headers: &Arc<HeaderMap>,
    protocol: Protocol,
) -> Option<String> {
    match message {
        Value::Array(batch) if batch.is_empty() => {
            Some(error_response(Value::Null, INVALID_REQUEST, "Invalid Request: empty batch", None).to_string())
        }
        Value::Array(batch) if batch.len() > app.limits.max_batch => Some(
            error_response(
                Value::Null,
                INVALID_REQUEST,
                &format!(
                    "Invalid Request: a batch may hold at most {} requests",
                    app.limits.max_batch
                ),
                None,
            )
            .to_string(),
        ),
        Value::Array(batch) => {
            let replies = join_all(
                batch
                    .into_iter()
                    .map(|item| handle_single(app, item, credentials, headers, protocol)),
            )
            .await;
            let replies: Vec<String> = replies.into_iter().flatten().collect();
            (!replies.is_empty()).then(|| format!("[{}]", replies.join(",")))
        }
        single => handle_single(app, single, credentials, headers, protocol).await,
    }
}

/// A request parsed far enough to dispatch it.
pub(crate) struct RpcRequest {
    /// `None` for a notification.
    pub id: Option<Value>,
    pub method: String,
    pub params: Option<Value>,
}

/// Checks the envelope: `jsonrpc: "2.0"`, a string `method`, an id that is a string, number or
/// null, and params that are an object or an array.
pub(crate) fn parse_request(message: Value) -> Result<RpcRequest, Value> {
    let Value::Object(mut members) = message else {
        return Err(error_response(
            Value::Null,
            INVALID_REQUEST,
            "Invalid Request: not an object",
            None,
        ));
    };
    let id = members.remove("id");
    let reply_id = id.clone().unwrap_or(Value::Null);
    if let Some(id) = &id
        && !matches!(id, Value::String(_) | Value::Number(_) | Value::Null)
    {
        return Err(error_response(
            Value::Null,
            INVALID_REQUEST,
            "Invalid Request: `id` must be a string, number or null",
            None,
        ));
    }
    if members.get("jsonrpc") != Some(&Value::String("2.0".into())) {
        return Err(error_response(
            reply_id,
            INVALID_REQUEST,
            "Invalid Request: `jsonrpc` must be \"2.0\"",
            None,
        ));
    }
    let Some(Value::String(method)) = members.remove("method") else {
        return Err(error_response(
            reply_id,
            INVALID_REQUEST,
            "Invalid Request: `method` must be a string",
            None,
        ));
    };
    let params = members.remove("params");
    if let Some(params) = &params
        && !matches!(params, Value::Object(_) | Value::Array(_))
    {
        return Err(error_response(
            reply_id,
            INVALID_REQUEST,
            "Invalid Request: `params` must be an object or an array",
            None,
        ));
    }
    Ok(RpcRequest { id, method, params })
}

async fn handle_single(
    app: &App,
    message: Value,
    credentials: &Credentials,
    headers: &Arc<HeaderMap>,
    protocol: Protocol,
) -> Option<String> {
    let request = match parse_request(message) {
        Ok(request) => request,
        Err(reply) => return Some(reply.to_string()),
    };
    let Some((service, method)) = app.find_method(&request.method) else {
        return request.id.map(|id| {
            error_response(
                id,
                METHOD_NOT_FOUND,
                &format!("Method not found: `{}`", request.method),
                None,
            )
            .to_string()
        });
    };
    let kind = app.services[service].descriptor().methods[method].kind;
    if kind != StreamingKind::Unary {
        return request.id.map(|id| {
            error_response(
                id,
                METHOD_NOT_FOUND,
                &format!(
                    "`{}` is a streaming method: call it over WebSocket at /ws",
                    request.method
                ),
                None,
            )
            .to_string()
        });
    }
    let result = call(app, service, method, request.params, credentials, headers, protocol).await;
    let id = request.id?;
    Some(match result {
        Ok(result) => success_text(&id, &result),
        Err(error) => error_reply(id, &error).to_string(),
    })
}

/// `{"jsonrpc":"2.0","id":…,"result":…}` around a result already encoded as JSON.
pub(crate) fn success_text(id: &Value, result: &[u8]) -> String {
    let result = std::str::from_utf8(result).unwrap_or("null");
    format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{result}}}"#)
}

/// Calls a unary method with JSON-RPC params; the result is the method's JSON text (`null` when
/// it returns nothing).
pub(crate) async fn call(
    app: &App,
    service: usize,
    method: usize,
    params: Option<Value>,
    credentials: &Credentials,
    headers: &Arc<HeaderMap>,
    protocol: Protocol,
) -> Result<Vec<u8>, Error> {
    let input = params_object(app, service, method, params)?;
    let output = app
        .invoke(
            service,
            method,
            protocol,
            credentials,
            headers.clone(),
            Input::Value(input),
        )
        .await?;
    Ok(match output {
        Output::Value(value) => value.to_json(),
        Output::Empty => b"null".to_vec(),
        Output::Stream(_) => return Err(Error::unimplemented("streaming results need WebSocket")),
    })
}

/// Named params as they are; positional params matched to the parameters in order.
pub(crate) fn params_object(app: &App, service: usize, method: usize, params: Option<Value>) -> Result<Value, Error> {
    match params {
        None => Ok(Value::Object(Map::new())),
        Some(Value::Object(members)) => Ok(Value::Object(members)),
        Some(Value::Array(values)) => {
            let model = app.services[service].descriptor().method_model(method);
            if values.len() > model.params.len() {
                return Err(Error::invalid_argument(format!(
                    "{} positional params given, the method takes {}",
                    values.len(),
                    model.params.len()
                )));
            }
            Ok(Value::Object(
                model
                    .params
                    .iter()
                    .zip(values)
                    .map(|(param, value)| (json_name(&param.field.name), value))
                    .collect(),
            ))
        }
        Some(_) => Err(Error::invalid_argument("`params` must be an object or an array")),
    }
}

pub(crate) fn error_response(id: Value, code: i64, message: &str, data: Option<Value>) -> Value {
    let mut error = json!({ "code": code, "message": message });
    if let Some(data) = data {
        error["data"] = data;
    }
    json!({ "jsonrpc": "2.0", "id": id, "error": error })
}

/// An application error as a JSON-RPC error object.
pub(crate) fn error_reply(id: Value, error: &Error) -> Value {
    error_response(
        id,
        error.jsonrpc_code(),
        error.public_message(),
        Some(error.details_json()),
    )
}
