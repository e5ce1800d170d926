//! The subscription endpoints of each service, beside its event streams:
//! `POST /<service>/webhooks` (subscribe; the only answer that shows the secret),
//! `GET /<service>/webhooks` (the caller's subscriptions) and `DELETE /<service>/webhooks/{id}`,
//! all behind the service's `#[auth]` and answering errors as `application/problem+json`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Webhooks;
use super::guard;
use super::signing::Secret;
use super::store::WebhookSubscription;
use crate::auth::Credentials;
use crate::error::{Error, Violation};
use crate::rest::problem_response;
use crate::server::App;

/// `/pet-store/webhooks`: the service's path segment, as for its event streams.
pub fn collection_path(service: &str) -> String {
    format!("/{}/webhooks", omniface_model::naming::kebab_case(service))
}

struct Scope {
    app: Arc<App>,
    webhooks: Arc<Webhooks>,
    service: usize,
}

pub(crate) fn routes(app: &Arc<App>, webhooks: &Arc<Webhooks>) -> Router {
    let mut router = Router::new();
    for (service, handler) in app.services.iter().enumerate() {
        if handler.descriptor().events.is_empty() {
            continue;
        }
        let scope = Arc::new(Scope {
            app: app.clone(),
            webhooks: webhooks.clone(),
            service,
        });
        let path = collection_path(handler.descriptor().name());
        let (create_scope, list_scope, delete_scope) = (scope.clone(), scope.clone(), scope);
        router = router
            .route(
                &path,
                get(move |request: Request| {
                    let scope = list_scope.clone();
                    async move {
                        let (parts, _) = request.into_parts();
                        answer(&scope, list(&scope, &parts).await)
                    }
                })
                .post(move |request: Request| {
                    let scope = create_scope.clone();
                    async move { answer(&scope, create(&scope, request).await) }
                }),
            )
            .route(
                &format!("{path}/{{id}}"),
                delete(move |Path(id): Path<String>, request: Request| {
                    let scope = delete_scope.clone();
                    async move {
                        let (parts, _) = request.into_parts();
                        answer(&scope, remove(&scope, &parts, &id).await)
                    }
                }),
            );
    }
    router
}

fn answer(scope: &Scope, result: Result<Response, Error>) -> Response {
    result.unwrap_or_else(|error| {
        let requirement = scope.app.services[scope.service].descriptor().service().auth.clone();
        problem_response(&error, Some(crate::auth::challenge(requirement.as_ref())))
    })
}

/// The service-level `#[auth]` requirement, as for the service's methods; the subject of the
/// principal (if any) owns the subscriptions it creates.
async fn authorize(
    scope: &Scope,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<(Credentials, Option<String>), Error> {
    let mut credentials = Credentials::from_headers(headers);
    // API keys may come as query parameters, as on the service's other routes.
    credentials.add_query(query.unwrap_or(""));
    let requirement = scope.app.services[scope.service].descriptor().service().auth.as_ref();
    let principal =
        crate::auth::authorize(requirement, &credentials, headers, scope.app.authenticator.as_deref()).await?;
    Ok((credentials, principal.map(|principal| principal.subject)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    url: String,
    // Not `Option`: `null` is refused like any other value the schema does not allow.
    #[serde(default)]
    events: Vec<String>,
    #[serde(default)]
    description: String,
}

async fn create(scope: &Scope, request: Request) -> Result<Response, Error> {
    let (parts, body) = request.into_parts();
    let (credentials, owner) = authorize(scope, &parts.headers, parts.uri.query()).await?;
    let bytes = axum::body::to_bytes(body, scope.app.limits.max_body_bytes)
        .await
        .map_err(|_| Error::resource_exhausted("the request body is too large"))?;
    let input: CreateRequest = serde_json::from_slice(&bytes)
        .map_err(|error| Error::invalid_argument(format!("the body is not a webhook subscription: {error}")))?;
    let url = url::Url::parse(&input.url).map_err(|error| {
        invalid(
            "url",
            "format",
            format!("`{}` is not an absolute URL: {error}", input.url),
        )
    })?;
    guard::check_url(&url, scope.webhooks.config.allow_private_addresses)
        .map_err(|reason| invalid("url", "format", reason))?;
    let descriptor = scope.app.services[scope.service].descriptor();
    let mut events = Vec::new();
    for (position, requested) in input.events.iter().enumerate() {
        // The declared name (`pet_sold`) or the RPC name the payload's `type` carries.
        let Some(event) = descriptor
            .events
            .iter()
            .position(|event| event.name == *requested || event.rpc_name == *requested)
        else {
            let known: Vec<&str> = descriptor.events.iter().map(|event| event.name.as_str()).collect();
            return Err(invalid(
                &format!("events[{position}]"),
                "enum",
                format!(
                    "`{requested}` is not an event of {} (known: {})",
                    descriptor.name(),
                    known.join(", ")
                ),
            ));
        };
        // A webhook carries the event's payload, so it needs the event's own requirement too.
        scope
            .app
            .authorize_event(scope.service, event, &credentials, &parts.headers)
            .await?;
        let name = descriptor.events[event].name.clone();
        if !events.contains(&name) {
            events.push(name);
        }
    }
    if events.is_empty() {
        for event in 0..descriptor.events.len() {
            scope
                .app
                .authorize_event(scope.service, event, &credentials, &parts.headers)
                .await?;
        }
    }
    let secret = Secret::generate().map_err(Error::internal)?;
    let subscription = WebhookSubscription {
        id: format!("wh_{}", uuid::Uuid::new_v4().simple()),
        service: descriptor.name().to_string(),
        url: url.to_string(),
        events,
        description: Some(input.description).filter(|text| !text.is_empty()),
        secret,
        enabled: true,
        owner,
        created_at: crate::wire::Timestamp::now().seconds,
    };
    let mut shown = describe(&subscription);
    shown["secret"] = Value::String(subscription.secret.to_string());
    scope
        .webhooks
        .store
        .insert_subscription(subscription)
        .map_err(|error| Error::internal(error.to_string()))?;
    Ok((StatusCode::CREATED, axum::Json(shown)).into_response())
}

async fn list(scope: &Scope, request: &Parts) -> Result<Response, Error> {
    let (_, owner) = authorize(scope, &request.headers, request.uri.query()).await?;
    let service = scope.app.services[scope.service].descriptor().name().to_string();
    let subscriptions = scope
        .webhooks
        .store
        .subscriptions(&service)
        .map_err(|error| Error::internal(error.to_string()))?;
    let shown: Vec<Value> = subscriptions
        .iter()
        .filter(|subscription| subscription.owner == owner)
        .map(describe)
        .collect();
    Ok(axum::Json(json!({ "webhooks": shown })).into_response())
}

async fn remove(scope: &Scope, request: &Parts, id: &str) -> Result<Response, Error> {
    let (_, owner) = authorize(scope, &request.headers, request.uri.query()).await?;
    let service = scope.app.services[scope.service].descriptor().name();
    let store = &scope.webhooks.store;
    let found = store
        .subscription(id)
        .map_err(|error| Error::internal(error.to_string()))?
        .filter(|subscription| subscription.service == service && subscription.owner == owner);
    // Someone else's subscription is reported as absent, so ids cannot be probed.
    if found.is_none()
        || !store
            .delete_subscription(id)
            .map_err(|error| Error::internal(error.to_string()))?
    {
        return Err(Error::not_found(format!("no webhook subscription `{id}`")));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A subscription as the API shows it, without its secret.
fn describe(subscription: &WebhookSubscription) -> Value {
    let mut shown = json!({
        "id": subscription.id,
        "url": subscription.url,
        "events": subscription.events,
        "enabled": subscription.enabled,
        "createdAt": crate::wire::Timestamp::from_unix_seconds(subscription.created_at),
    });
    if let Some(description) = &subscription.description {
        shown["description"] = Value::String(description.clone());
    }
    shown
}

fn invalid(field: &str, constraint: &str, message: String) -> Error {
    Error::validation(vec![Violation {
        field: field.to_string(),
        constraint: constraint.to_string(),
        message,
    }])
}
