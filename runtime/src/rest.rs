//! REST: every method at its route from the bindings (`model::bindings::http_route`), parameters
//! from path, query, headers and body as the OpenAPI document says, `application/problem+json`
//! errors, ETag / `If-None-Match` on side-effect-free GETs, server streams as Server-Sent Events
//! and client streams as NDJSON request bodies.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{RawPathParams, Request};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use bytes::Bytes;
use futures_util::StreamExt;
use omniface_model::bindings::ParamLocation;
use omniface_model::{HttpVerb, Scalar, StreamingKind, TypeRef};
use serde_json::{Map, Value};

use crate::auth::Credentials;
use crate::context::Protocol;
use crate::error::Error;
use crate::server::App;
use crate::service::{BoxStream, Input, Output};

struct Route {
    app: Arc<App>,
    service: usize,
    method: usize,
}

pub(crate) fn routes(app: &Arc<App>) -> Router {
    // Methods sharing a path (GET and PUT /pets/{id}) must share one MethodRouter.
    let mut by_path: BTreeMap<String, MethodRouter> = BTreeMap::new();
    for (service, handler) in app.services.iter().enumerate() {
        for (method, descriptor) in handler.descriptor().methods.iter().enumerate() {
            // Bidirectional streams need a socket: like the OpenAPI document, REST leaves them to
            // the WebSocket.
            if descriptor.kind == StreamingKind::Bidirectional {
                continue;
            }
            let route = Arc::new(Route {
                app: app.clone(),
                service,
                method,
            });
            let filter = match descriptor.route.verb {
                HttpVerb::Get => MethodFilter::GET,
                HttpVerb::Post => MethodFilter::POST,
                HttpVerb::Put => MethodFilter::PUT,
                HttpVerb::Patch => MethodFilter::PATCH,
                HttpVerb::Delete => MethodFilter::DELETE,
            };
            let handler = move |path: RawPathParams, request: Request| {
                let route = route.clone();
                async move { handle(route, path, request).await }
            };
            let entry = by_path.remove(&descriptor.route.path).unwrap_or_default();
            by_path.insert(descriptor.route.path.clone(), entry.merge(on(filter, handler)));
        }
    }
    let mut router = Router::new();
    for (path, method_router) in by_path {
        router = router.route(&path, method_router.fallback(method_not_allowed));
    }
    router
}

async fn method_not_allowed() -> Response {
    let problem = serde_json::json!({
        "type": "about:blank",
        "title": "Method not allowed",
        "status": 405,
        "detail": "this route does not accept that HTTP method",
        "code": "UNIMPLEMENTED",
    });
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        )],
        problem.to_string(),
    )
        .into_response()
}

/// The 404 for any path no protocol serves.
pub(crate) async fn not_found(request: Request) -> Response {
    // A gRPC client gets gRPC's answer for a service this server does not have.
    if crate::grpc::is_grpc(request.headers()) {
        return crate::grpc::unimplemented(request).await;
    }
    problem_response(
        &Error::not_found(format!("nothing is served at {}", request.uri().path())),
        None,
    )
}

/// An error as `application/problem+json` (RFC 9457), with `WWW-Authenticate` on 401.
pub(crate) fn problem_response(error: &Error, challenge: Option<String>) -> Response {
    if error.kind() == crate::ErrorKind::Internal {
        tracing::error!(error = %error.message(), "internal error");
    }
    let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, error.problem_json().to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if status == StatusCode::UNAUTHORIZED {
        let challenge = challenge.unwrap_or_else(|| "Bearer".to_string());
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
    }
    response
}

async fn handle(route: Arc<Route>, path: RawPathParams, request: Request) -> Response {
    match call(&route, path, request).await {
        Ok(response) => response,
        Err(error) => {
            let method = &route.app.services[route.service].descriptor().methods[route.method];
            problem_response(&error, Some(crate::auth::challenge(method.auth.as_ref())))
        }
    }
}

async fn call(route: &Route, path: RawPathParams, request: Request) -> Result<Response, Error> {
    let app = &route.app;
    let descriptor = app.services[route.service].descriptor();
    let method = &descriptor.methods[route.method];
    let method_model = descriptor.method_model(route.method);
    let (parts, body) = request.into_parts();
    let mut credentials = Credentials::from_headers(&parts.headers);
    let query = parts.uri.query().unwrap_or("");
    credentials.add_query(query);

    let input = if method.kind == StreamingKind::ClientStreaming {
        Input::Stream(ndjson_items(body, app.limits.max_message_bytes))
    } else {
        let only_body_fields = method
            .route
            .params
            .iter()
            .all(|(_, location)| *location == ParamLocation::BodyField);
        let body = if method.route.verb.has_body() {
            read_body(body, app.limits.max_body_bytes).await?
        } else {
            Bytes::new()
        };
        let has_body_fields = method
            .route
            .params
            .iter()
            .any(|(_, location)| *location == ParamLocation::BodyField);
        if only_body_fields {
            // The body already is the request object: decode it straight into the typed request.
            Input::Json(body)
        } else if !has_body_fields {
            // Path, query and header values around a `#[body]` parameter: write the request
            // object as text with the body spliced in as received, and decode that in one pass.
            Input::Json(splice_request(
                method_model,
                method,
                &path,
                query,
                &parts.headers,
                &body,
            )?)
        } else {
            Input::Value(assemble_request(
                method_model,
                method,
                &path,
                query,
                &parts.headers,
                &body,
            )?)
        }
    };

    let is_get = parts.method == Method::GET;
    let if_none_match = parts.headers.get(header::IF_NONE_MATCH).cloned();
    let output = app
        .invoke(
            route.service,
            route.method,
            Protocol::Rest,
            &credentials,
            Arc::new(parts.headers),
            input,
        )
        .await?;
    Ok(match output {
        Output::Empty => StatusCode::NO_CONTENT.into_response(),
        Output::Value(value) => {
            let json = value.to_json();
            if method.readonly && is_get {
                let etag = format!("\"{:016x}\"", fnv1a(&json));
                let matches = if_none_match.as_ref().and_then(|v| v.to_str().ok()).is_some_and(|v| {
                    v.split(',')
                        .any(|tag| tag.trim().trim_start_matches("W/") == etag || tag.trim() == "*")
                });
                let etag_value = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\""));
                if matches {
                    (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response()
                } else {
                    (
                        [
                            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
                            (header::ETAG, etag_value),
                        ],
                        json,
                    )
                        .into_response()
                }
            } else {
                (
                    [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
                    json,
                )
                    .into_response()
            }
        }
        Output::Stream(items) => sse_response(items, app.limits.keep_alive).into_response(),
    })
}

/// A server stream as Server-Sent Events: `data` is one item's JSON, `id` counts from 1; a failure
/// ends the stream with an `error` event carrying problem details.
pub(crate) fn sse_response(
    items: BoxStream<'static, Result<Box<dyn crate::service::Encode>, Error>>,
    keep_alive: std::time::Duration,
) -> Sse<impl futures_util::Stream<Item = Result<SseEvent, Infallible>>> {
    let events = items.scan((0u64, false), |(count, failed), item| {
        if *failed {
            return std::future::ready(None);
        }
        *count += 1;
        let event = match item {
            Ok(value) => SseEvent::default()
                .id(count.to_string())
                .data(String::from_utf8_lossy(&value.to_json())),
            Err(error) => {
                *failed = true;
                SseEvent::default()
                    .event("error")
                    .data(error.problem_json().to_string())
            }
        };
        std::future::ready(Some(Ok(event)))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(keep_alive))
}

/// Reads a whole body, refusing more than `limit` bytes.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Bytes, Error> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| Error::resource_exhausted(format!("the request body is larger than {limit} bytes")))
}

/// A streamed request body as NDJSON items, each line at most `limit` bytes.
fn ndjson_items(body: Body, limit: usize) -> BoxStream<'static, Result<Value, Error>> {
    let chunks = body.into_data_stream();
    let lines = futures_util::stream::unfold(
        (chunks, Vec::<u8>::new(), false),
        move |(mut chunks, mut pending, mut done)| async move {
            loop {
                if let Some(end) = pending.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    let line = line.trim_ascii();
                    if line.is_empty() {
                        continue;
                    }
                    let item = serde_json::from_slice(line)
                        .map_err(|e| Error::invalid_argument(format!("invalid NDJSON line: {e}")));
                    return Some((item, (chunks, pending, done)));
                }
                if done {
                    let rest = std::mem::take(&mut pending);
                    let rest = rest.trim_ascii();
                    if rest.is_empty() {
                        return None;
                    }
                    let item = serde_json::from_slice(rest)
                        .map_err(|e| Error::invalid_argument(format!("invalid NDJSON line: {e}")));
                    return Some((item, (chunks, pending, done)));
                }
                if pending.len() > limit {
                    return Some((
                        Err(Error::resource_exhausted(format!(
                            "an NDJSON line is longer than {limit} bytes"
                        ))),
                        (chunks, Vec::new(), true),
                    ));
                }
                match chunks.next().await {
                    Some(Ok(chunk)) => pending.extend_from_slice(&chunk),
                    Some(Err(error)) => {
                        return Some((
                            Err(Error::invalid_argument(format!("the request body failed: {error}"))),
                            (chunks, Vec::new(), true),
                        ));
                    }
                    None => done = true,
                }
            }
        },
    );
    Box::pin(lines)
}

/// Builds the request object from path, query, headers and body, as the route places each
/// parameter. Strings from the path, query and headers are converted by the parameter's type.
fn assemble_request(
    method: &omniface_model::Method,
    descriptor: &crate::service::MethodDescriptor,
    path: &RawPathParams,
    query: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Value, Error> {
    let mut body_value: Option<Value> = if body.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice(body)
                .map_err(|e| Error::invalid_argument(format!("the body is not valid JSON: {e}")))?,
        )
    };
    if matches!(body_value, Some(ref value) if !value.is_object())
        && descriptor
            .route
            .params
            .iter()
            .any(|(_, location)| *location == ParamLocation::BodyField)
    {
        return Err(Error::invalid_argument("the body must be a JSON object"));
    }
    let mut request = Map::new();
    let query_pairs: Vec<(String, String)> = if query.is_empty() {
        Vec::new()
    } else {
        form_urlencoded::parse(query.as_bytes()).into_owned().collect()
    };
    for ((param, (name, location)), key) in method
        .params
        .iter()
        .zip(&descriptor.route.params)
        .zip(&descriptor.param_json_names)
    {
        let key = key.clone();
        let ty = &param.field.ty;
        let value = match location {
            ParamLocation::Path => path
                .iter()
                .find(|(placeholder, _)| *placeholder == name)
                .map(|(_, raw)| from_text(ty, raw)),
            ParamLocation::Query { name: query_name } => {
                let values: Vec<&str> = query_pairs
                    .iter()
                    .filter(|(k, _)| k == query_name || *k == key)
                    .map(|(_, v)| v.as_str())
                    .collect();
                match (ty.required(), values.as_slice()) {
                    (_, []) => None,
                    (TypeRef::List(item), values) => Some(Value::Array(
                        values
                            .iter()
                            .flat_map(|v| v.split(','))
                            .map(|v| from_text(item, v))
                            .collect(),
                    )),
                    (_, [first, ..]) => Some(from_text(ty, first)),
                }
            }
            ParamLocation::Header { name: header_name } => headers
                .get(header_name.as_str())
                .and_then(|v| v.to_str().ok())
                .map(|raw| from_text(ty, raw)),
            // At most one parameter is the whole body, so it can take the parsed value.
            ParamLocation::Body => body_value.take(),
            ParamLocation::BodyField => match &mut body_value {
                Some(Value::Object(members)) => members.remove(&key).or_else(|| members.remove(name.as_str())),
                _ => None,
            },
        };
        if let Some(value) = value {
            request.insert(key, value);
        }
    }
    Ok(Value::Object(request))
}

/// The request object as JSON text: members from the path, query and headers, and the `#[body]`
/// parameter's member holding the body's bytes. The body is checked to be exactly one JSON value
/// first (without building it), so it cannot smuggle in other members.
fn splice_request(
    method: &omniface_model::Method,
    descriptor: &crate::service::MethodDescriptor,
    path: &RawPathParams,
    query: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Bytes, Error> {
    if !body.is_empty() {
        serde_json::from_slice::<serde::de::IgnoredAny>(body)
            .map_err(|e| Error::invalid_argument(format!("the body is not valid JSON: {e}")))?;
    }
    let members = assemble_request(method, descriptor, path, query, headers, &Bytes::new())?;
    let mut text = serde_json::to_vec(&members).map_err(|e| Error::internal(e.to_string()))?;
    let body_key = descriptor
        .route
        .params
        .iter()
        .zip(&descriptor.param_json_names)
        .find(|((_, location), _)| *location == ParamLocation::Body)
        .map(|(_, key)| key);
    if let Some(key) = body_key
        && !body.is_empty()
    {
        text.pop(); // the closing brace
        if text.len() > 1 {
            text.push(b',');
        }
        serde_json::to_writer(&mut text, key).map_err(|e| Error::internal(e.to_string()))?;
        text.push(b':');
        text.extend_from_slice(body);
        text.push(b'}');
    }
    Ok(Bytes::from(text))
}

/// A path, query or header string as the JSON value of its parameter's type. Values that do not
/// parse stay strings, so decoding reports them against the field.
fn from_text(ty: &TypeRef, raw: &str) -> Value {
    match ty.required() {
        TypeRef::Scalar(Scalar::Bool) => match raw {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => Value::String(raw.to_string()),
        },
        TypeRef::Scalar(Scalar::I32 | Scalar::U32 | Scalar::F32 | Scalar::F64) => {
            serde_json::from_str::<serde_json::Number>(raw)
                .map(Value::Number)
                .unwrap_or_else(|_| Value::String(raw.to_string()))
        }
        _ => Value::String(raw.to_string()),
    }
}

/// FNV-1a: a fast, stable hash for ETags (same body, same tag, on every run and machine).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
