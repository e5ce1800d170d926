//! Events over plain HTTP at `GET /<service>/events/<event>`: Server-Sent Events with monotonic
//! ids and `Last-Event-ID` resume from the hub's bounded buffer, or long polling
//! (`?after=<cursor>&wait=<seconds>`) for clients that can hold neither a socket nor a stream.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::auth::Credentials;
use crate::error::Error;
use crate::events::{EventHub, EventRecord};
use crate::rest::problem_response;
use crate::server::App;

pub(crate) fn routes(app: &Arc<App>) -> Router {
    let mut router = Router::new();
    for (service, handler) in app.services.iter().enumerate() {
        for (event, descriptor) in handler.descriptor().events.iter().enumerate() {
            let app = app.clone();
            router = router.route(
                &descriptor.path,
                get(move |request: Request| {
                    let app = app.clone();
                    async move { serve_event(app, service, event, request).await }
                }),
            );
        }
    }
    router
}

async fn serve_event(app: Arc<App>, service: usize, event: usize, request: Request) -> Response {
    let headers = request.headers();
    let query = request.uri().query().unwrap_or("");
    let mut credentials = Credentials::from_headers(headers);
    credentials.add_query(query);
    if let Err(error) = app.authorize_event(service, event, &credentials, headers).await {
        let requirement = app.services[service].descriptor().events[event].auth.clone();
        return problem_response(&error, Some(crate::auth::challenge(requirement.as_ref())));
    }
    let mut after = None;
    let mut wait = None;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "after" => match value.parse::<u64>() {
                Ok(cursor) => after = Some(cursor),
                Err(_) => return bad_query("`after` must be a cursor returned by this server"),
            },
            "wait" => match value.parse::<f64>() {
                Ok(seconds) if seconds >= 0.0 && seconds.is_finite() => wait = Some(seconds),
                _ => return bad_query("`wait` must be a number of seconds"),
            },
            _ => {}
        }
    }
    let wants_stream = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/event-stream"));
    let hub = app.services[service].events().clone();
    if !wants_stream && (after.is_some() || wait.is_some()) {
        let wait = Duration::from_secs_f64(wait.unwrap_or(0.0)).min(app.limits.long_poll_max_wait);
        return long_poll(&hub, event, after, wait, app.limits.long_poll_max_events).await;
    }
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or(after);
    sse(hub, event, resume, app.limits.keep_alive).into_response()
}

fn bad_query(message: &str) -> Response {
    problem_response(&Error::invalid_argument(message), None)
}

/// `{"cursor": "<id>", "events": [{"id": "<id>", "data": {...}}]}`: pass `cursor` back as
/// `after` to get what follows. An empty `events` means `wait` passed with nothing new.
async fn long_poll(hub: &EventHub, event: usize, after: Option<u64>, wait: Duration, max: usize) -> Response {
    let start = after.unwrap_or_else(|| hub.last_id(event));
    let records = hub.poll(event, Some(start), wait, max).await;
    let cursor = records.last().map_or(start, |r| r.id);
    let events: Vec<Value> = records
        .iter()
        .map(|record| {
            let data: Value = serde_json::from_slice(&record.json).unwrap_or(Value::Null);
            json!({ "id": record.id.to_string(), "data": data })
        })
        .collect();
    let body = json!({ "cursor": cursor.to_string(), "events": events });
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body.to_string(),
    )
        .into_response()
}

fn record_event(record: &EventRecord) -> SseEvent {
    SseEvent::default()
        .id(record.id.to_string())
        .data(String::from_utf8_lossy(&record.json))
}

/// The events after `resume` as Server-Sent Events, from the hub's one event stream.
fn sse(
    hub: EventHub,
    event: usize,
    resume: Option<u64>,
    keep_alive: Duration,
) -> Sse<impl futures_util::Stream<Item = Result<SseEvent, Infallible>>> {
    let (gap, records) = hub.stream(event, resume);
    let notice = gap.then(|| SseEvent::default().comment("some events after Last-Event-ID were no longer buffered"));
    let events = futures_util::stream::iter(notice)
        .chain(records.map(|record| record_event(&record)))
        .map(Ok);
    Sse::new(events).keep_alive(KeepAlive::new().interval(keep_alive))
}
