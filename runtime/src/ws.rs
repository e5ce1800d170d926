//! WebSocket at `/ws`: every method, stream and event over one socket, with the subprotocol
//! `omniface.jsonrpc.v1` (JSON-RPC 2.0 messages plus three stream notifications):
//!
//! - a request for a unary method is answered like JSON-RPC over HTTP;
//! - a request for a server-streaming method, or for an event (`PetStore.pet_sold`, params
//!   `{"after": "<cursor>"}` optional), is answered by `stream.item` notifications
//!   `{"id": <request id>, "item": …}` (events add `"eventId"`), then by the response (`null`)
//!   when the stream ends;
//! - a request for a client-streaming or bidirectional method opens a call; the client sends
//!   `stream.item` notifications `{"id": <request id>, "item": …}` and `stream.end` `{"id": …}`;
//! - `stream.cancel` `{"id": …}` stops a call or subscription;
//! - `rpc.authenticate` `{"authorization": "Bearer …"}` (or `{"headers": {"X-API-Key": …}}`) sets
//!   the credentials of the calls that follow, for clients (browsers) that cannot set headers on
//!   the upgrade request.
//!
//! The server pings every `Limits::keep_alive`; messages over `Limits::max_message_bytes` close
//! the socket with 1009, binary frames with 1003, too many calls in flight with 1008.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use omniface_model::StreamingKind;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::auth::Credentials;
use crate::context::Protocol;
use crate::error::Error;
use crate::jsonrpc::{self, METHOD_NOT_FOUND, PARSE_ERROR};
use crate::server::App;
use crate::service::{Input, Output};

/// The WebSocket subprotocol this adapter speaks.
pub const SUBPROTOCOL: &str = "omniface.jsonrpc.v1";

const CLOSE_UNSUPPORTED_DATA: u16 = 1003;
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;

pub(crate) fn routes(app: &Arc<App>) -> Router {
    let app = app.clone();
    Router::new().route(
        "/ws",
        get(
            move |upgrade: WebSocketUpgrade, headers: HeaderMap, uri: axum::http::Uri| {
                let app = app.clone();
                async move {
                    let mut credentials = Credentials::from_headers(&headers);
                    credentials.add_query(uri.query().unwrap_or(""));
                    let limit = app.limits.max_message_bytes;
                    upgrade
                        .protocols([SUBPROTOCOL])
                        .max_message_size(limit)
                        .max_frame_size(limit)
                        .on_upgrade(move |socket| run(socket, app, credentials, Arc::new(headers)))
                        .into_response()
                }
            },
        ),
    )
}

struct Call {
    /// Items of a client stream, until `stream.end`.
    items: Option<mpsc::Sender<Result<Value, Error>>>,
    task: JoinHandle<()>,
}

async fn run(socket: WebSocket, app: Arc<App>, credentials: Credentials, headers: Arc<HeaderMap>) {
    let (mut sink, mut incoming) = socket.split();
    let (outgoing, mut to_send) = mpsc::channel::<Message>(256);
    let keep_alive = app.limits.keep_alive;
    let writer = tokio::spawn(async move {
        let mut ping = tokio::time::interval(keep_alive);
        ping.tick().await;
        loop {
            tokio::select! {
                message = to_send.recv() => match message {
                    Some(message) => {
                        let closing = matches!(message, Message::Close(_));
                        if sink.send(message).await.is_err() || closing {
                            break;
                        }
                    }
                    None => break,
                },
                _ = ping.tick() => {
                    if sink.send(Message::Ping(Default::default())).await.is_err() {
                        break;
                    }
                }
            }
        }
    });
    let mut credentials = Arc::new(credentials);
    let mut calls: HashMap<String, Call> = HashMap::new();
    while let Some(frame) = incoming.next().await {
        let message = match frame {
            Ok(Message::Text(text)) => text,
            Ok(Message::Binary(_)) => {
                close(
                    &outgoing,
                    CLOSE_UNSUPPORTED_DATA,
                    "binary messages are not supported; send JSON text",
                )
                .await;
                break;
            }
            Ok(Message::Close(_)) => break,
            Ok(_) => continue,
            Err(error) => {
                let too_big = error.to_string().to_ascii_lowercase().contains("too long")
                    || error.to_string().to_ascii_lowercase().contains("too big");
                if too_big {
                    close(&outgoing, CLOSE_TOO_BIG, "message too big").await;
                }
                break;
            }
        };
        calls.retain(|_, call| !call.task.is_finished());
        let parsed: Value = match serde_json::from_str(&message) {
            Ok(value) => value,
            Err(error) => {
                send(
                    &outgoing,
                    jsonrpc::error_response(Value::Null, PARSE_ERROR, &format!("Parse error: {error}"), None),
                )
                .await;
                continue;
            }
        };
        if let Value::Array(_) = parsed {
            // Batches hold unary calls only; streams need their own ids.
            let app = app.clone();
            let (credentials, headers, outgoing) = (credentials.clone(), headers.clone(), outgoing.clone());
            tokio::spawn(async move {
                if let Some(reply) =
                    jsonrpc::handle_message(&app, parsed, &credentials, &headers, Protocol::WebSocket).await
                {
                    let _ = outgoing.send(Message::Text(Utf8Bytes::from(reply))).await;
                }
            });
            continue;
        }
        let request = match jsonrpc::parse_request(parsed) {
            Ok(request) => request,
            Err(reply) => {
                send(&outgoing, reply).await;
                continue;
            }
        };
        match request.method.as_str() {
            // Browsers cannot set headers on a WebSocket: credentials may come in-band instead,
            // and apply to the calls that follow on this socket.
            "rpc.authenticate" => {
                let mut updated = (*credentials).clone();
                let params = request.params.unwrap_or(Value::Null);
                if let Some(authorization) = params.get("authorization").and_then(Value::as_str) {
                    updated.set_authorization(authorization);
                }
                if let Some(Value::Object(headers)) = params.get("headers") {
                    for (name, value) in headers {
                        if let Some(value) = value.as_str() {
                            if name.eq_ignore_ascii_case("authorization") {
                                updated.set_authorization(value);
                            }
                            updated
                                .api_keys
                                .insert(format!("header:{}", name.to_ascii_lowercase()), value.to_string());
                        }
                    }
                }
                credentials = Arc::new(updated);
                if let Some(id) = request.id {
                    send(&outgoing, json!({ "jsonrpc": "2.0", "id": id, "result": true })).await;
                }
                continue;
            }
            "stream.item" | "stream.end" | "stream.cancel" => {
                let id = request
                    .params
                    .as_ref()
                    .and_then(|p| p.get("id"))
                    .map(Value::to_string)
                    .unwrap_or_default();
                let Some(call) = calls.get_mut(&id) else { continue };
                match request.method.as_str() {
                    "stream.item" => {
                        let item = request
                            .params
                            .and_then(|mut p| p.get_mut("item").map(Value::take))
                            .unwrap_or(Value::Null);
                        if let Some(items) = &call.items
                            && items.send(Ok(item)).await.is_err()
                        {
                            call.items = None;
                        }
                    }
                    "stream.end" => call.items = None,
                    _ => {
                        if let Some(call) = calls.remove(&id) {
                            call.task.abort();
                        }
                    }
                }
                continue;
            }
            _ => {}
        }
        if calls.len() >= app.limits.max_calls_per_socket {
            close(&outgoing, CLOSE_POLICY, "too many calls in flight on this socket").await;
            break;
        }
        let key = request.id.as_ref().map(Value::to_string);
        let call = start_call(&app, request, &credentials, &headers, &outgoing);
        match (key, call) {
            (Some(key), Some(call)) => {
                if let Some(previous) = calls.insert(key, call) {
                    previous.task.abort();
                }
            }
            (None, Some(call)) => drop(call),
            (_, None) => {}
        }
    }
    for (_, call) in calls {
        call.task.abort();
    }
    drop(outgoing);
    let _ = writer.await;
}

fn start_call(
    app: &Arc<App>,
    request: jsonrpc::RpcRequest,
    credentials: &Arc<Credentials>,
    headers: &Arc<HeaderMap>,
    outgoing: &mpsc::Sender<Message>,
) -> Option<Call> {
    let (app, credentials, headers, outgoing) = (app.clone(), credentials.clone(), headers.clone(), outgoing.clone());
    let id = request.id.clone();
    if let Some((service, event)) = app.find_event(&request.method) {
        let id = id?;
        let after = request
            .params
            .as_ref()
            .and_then(|p| p.get("after"))
            .and_then(|a| a.as_str().and_then(|s| s.parse().ok()).or_else(|| a.as_u64()));
        let task = tokio::spawn(async move {
            if let Err(error) = app.authorize_event(service, event, &credentials, &headers).await {
                send(&outgoing, jsonrpc::error_reply(id, &error)).await;
                return;
            }
            let (_, mut records) = app.services[service].events().stream(event, after);
            while let Some(record) = records.next().await {
                let item = serde_json::from_slice(&record.json).unwrap_or(Value::Null);
                if outgoing
                    .send(text(item_notification(&id, item, Some(record.id))))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            send(&outgoing, json!({ "jsonrpc": "2.0", "id": id, "result": null })).await;
        });
        return Some(Call { items: None, task });
    }
    let Some((service, method)) = app.find_method(&request.method) else {
        let id = id?;
        tokio::spawn(async move {
            send(
                &outgoing,
                jsonrpc::error_response(
                    id,
                    METHOD_NOT_FOUND,
                    &format!("Method not found: `{}`", request.method),
                    None,
                ),
            )
            .await;
        });
        return None;
    };
    let kind = app.services[service].descriptor().methods[method].kind;
    let (items, input) = match kind {
        StreamingKind::ClientStreaming | StreamingKind::Bidirectional => {
            let (sender, receiver) = mpsc::channel::<Result<Value, Error>>(64);
            let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
                receiver.recv().await.map(|item| (item, receiver))
            });
            (Some(sender), Some(Input::Stream(Box::pin(stream))))
        }
        _ => (None, None),
    };
    let task = tokio::spawn(async move {
        let input = match input {
            Some(input) => input,
            None => match jsonrpc::params_object(&app, service, method, request.params) {
                Ok(object) => Input::Value(object),
                Err(error) => {
                    if let Some(id) = id {
                        send(&outgoing, jsonrpc::error_reply(id, &error)).await;
                    }
                    return;
                }
            },
        };
        let result = app
            .invoke(service, method, Protocol::WebSocket, &credentials, headers, input)
            .await;
        let Some(id) = id else { return };
        let reply = match result {
            Ok(Output::Value(value)) => {
                let _ = outgoing
                    .send(Message::Text(Utf8Bytes::from(jsonrpc::success_text(
                        &id,
                        &value.to_json(),
                    ))))
                    .await;
                return;
            }
            Ok(Output::Empty) => json!({ "jsonrpc": "2.0", "id": id, "result": null }),
            Ok(Output::Stream(mut items)) => {
                let mut failure = None;
                while let Some(item) = items.next().await {
                    match item {
                        Ok(value) => {
                            if outgoing
                                .send(text(item_notification(&id, value.to_value(), None)))
                                .await
                                .is_err()
                            {
                                return;
                            }
                        }
                        Err(error) => {
                            failure = Some(error);
                            break;
                        }
                    }
                }
                match failure {
                    Some(error) => jsonrpc::error_reply(id, &error),
                    None => json!({ "jsonrpc": "2.0", "id": id, "result": null }),
                }
            }
            Err(error) => jsonrpc::error_reply(id, &error),
        };
        send(&outgoing, reply).await;
    });
    Some(Call { items, task })
}

fn item_notification(id: &Value, item: Value, event_id: Option<u64>) -> Value {
    let mut params = json!({ "id": id, "item": item });
    if let Some(event_id) = event_id {
        params["eventId"] = Value::String(event_id.to_string());
    }
    json!({ "jsonrpc": "2.0", "method": "stream.item", "params": params })
}

fn text(value: Value) -> Message {
    Message::Text(Utf8Bytes::from(value.to_string()))
}

async fn send(outgoing: &mpsc::Sender<Message>, value: Value) {
    let _ = outgoing.send(text(value)).await;
}

async fn close(outgoing: &mpsc::Sender<Message>, code: u16, reason: &'static str) {
    let _ = outgoing
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        })))
        .await;
}
