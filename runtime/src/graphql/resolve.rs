//! What the root fields do: call the method (Query, Mutation) or start the stream
//! (Subscription) they are bound to, with the caller's credentials, converting arguments to the
//! JSON mapping and results back; and how the runtime's errors look as GraphQL errors.

use std::sync::Arc;

use async_graphql::Value as GqlValue;
use async_graphql::dynamic::{FieldValue, ResolverContext};
use axum::http::HeaderMap;
use futures_util::StreamExt;
use serde_json::{Map, Value as Json};

use super::convert::{FieldShape, Node, Shapes};
use super::schema::Binding;
use crate::auth::Credentials;
use crate::context::Protocol;
use crate::error::{Error, ErrorKind};
use crate::server::App;
use crate::service::{Input, Output};

/// Who is calling: attached to every request (HTTP) or connection (WebSocket) as GraphQL data.
#[derive(Clone, Debug, Default)]
pub(crate) struct Caller {
    pub credentials: Credentials,
    pub headers: Arc<HeaderMap>,
}

/// Calls a Query or Mutation field's method and converts its result.
pub(super) async fn call(
    app: &App,
    shapes: &Shapes,
    binding: &Binding,
    ctx: &ResolverContext<'_>,
) -> Result<Node, Error> {
    let caller = ctx
        .data::<Caller>()
        .map_err(|_| Error::new(ErrorKind::Internal, "no caller attached to the GraphQL request"))?;
    match binding {
        Binding::Package(name) => Ok(Node::Leaf(GqlValue::String(name.clone()))),
        Binding::Method {
            service,
            method,
            args,
            defaults,
            result,
        } => {
            let service = service.ok_or_else(not_mounted)?;
            let input = arguments(shapes, args, defaults, ctx)?;
            let output = app
                .invoke(
                    service,
                    *method,
                    Protocol::GraphQl,
                    &caller.credentials,
                    caller.headers.clone(),
                    Input::Value(input),
                )
                .await?;
            match output {
                Output::Value(value) => shapes.to_node(result, &value.to_value()),
                Output::Empty => Ok(Node::Leaf(GqlValue::Boolean(true))),
                Output::Stream(_) => Err(Error::new(ErrorKind::Internal, "a unary method answered with a stream")),
            }
        }
        Binding::Event { .. } => Err(Error::new(ErrorKind::Internal, "an event is not a query")),
    }
}

/// The request object of a method: one JSON member per argument the client gave (or that has a
/// default in the schema).
fn arguments(
    shapes: &Shapes,
    args: &[FieldShape],
    defaults: &[Option<GqlValue>],
    ctx: &ResolverContext<'_>,
) -> Result<Json, Error> {
    let mut object = Map::new();
    for (arg, default) in args.iter().zip(defaults) {
        let value = match ctx.args.get(&arg.graphql) {
            Some(value) => Some(value.as_value().clone()),
            None => default.clone(),
        };
        if let Some(value) = value {
            let json = shapes.to_json(&arg.conv, &value, &arg.json)?;
            if !json.is_null() {
                object.insert(arg.json.clone(), json);
            }
        }
    }
    Ok(Json::Object(object))
}

/// One item of a subscription: a converted result that owns its data.
pub(crate) struct Item(Node);

impl<'a> From<Item> for FieldValue<'a> {
    fn from(item: Item) -> FieldValue<'a> {
        item.0.into_field_value().unwrap_or(FieldValue::NULL)
    }
}

type ItemStream = futures_util::stream::BoxStream<'static, async_graphql::Result<Item>>;

/// Starts a Subscription field: a server-streaming method's items, or an event's publications.
pub(super) async fn subscribe(
    app: Arc<App>,
    shapes: Arc<Shapes>,
    binding: &Binding,
    ctx: &ResolverContext<'_>,
) -> Result<ItemStream, Error> {
    let caller = ctx
        .data::<Caller>()
        .map_err(|_| Error::new(ErrorKind::Internal, "no caller attached to the GraphQL request"))?;
    match binding {
        Binding::Method {
            service,
            method,
            args,
            defaults,
            result,
        } => {
            let service = service.ok_or_else(not_mounted)?;
            let input = arguments(&shapes, args, defaults, ctx)?;
            let output = app
                .invoke(
                    service,
                    *method,
                    Protocol::GraphQl,
                    &caller.credentials,
                    caller.headers.clone(),
                    Input::Value(input),
                )
                .await?;
            let result = result.clone();
            let items: ItemStream = match output {
                Output::Stream(items) => items
                    .map(move |item| {
                        let node = item.and_then(|value| shapes.to_node(&result, &value.to_value()));
                        item_value(node)
                    })
                    .boxed(),
                Output::Value(value) => {
                    let node = shapes.to_node(&result, &value.to_value());
                    futures_util::stream::iter([item_value(node)]).boxed()
                }
                Output::Empty => futures_util::stream::empty().boxed(),
            };
            Ok(items)
        }
        Binding::Event {
            service,
            event,
            payload,
        } => {
            let service = service.ok_or_else(not_mounted)?;
            app.authorize_event(service, *event, &caller.credentials, &caller.headers)
                .await?;
            let (_, records) = app.services[service].events().stream(*event, None);
            let payload = payload.clone();
            let items = records.map(move |record| {
                let node = serde_json::from_slice::<Json>(&record.json)
                    .map_err(|e| Error::new(ErrorKind::Internal, format!("an event payload is not JSON: {e}")))
                    .and_then(|json| shapes.to_node(&payload, &json));
                item_value(node)
            });
            Ok(items.boxed())
        }
        Binding::Package(_) => Err(Error::new(ErrorKind::Internal, "`_service` is not a subscription")),
    }
}

fn item_value(node: Result<Node, Error>) -> async_graphql::Result<Item> {
    node.map(Item).map_err(graphql_error)
}

fn not_mounted() -> Error {
    Error::unimplemented("the service of this field is not served here")
}

/// A GraphQL error from the runtime's error: `extensions.code` is the GraphQL code
/// (`BAD_USER_INPUT`, `PET_NOT_FOUND`), next to the details every protocol carries (problem
/// type, HTTP status, violations, the declared error's fields).
pub(crate) fn graphql_error(error: Error) -> async_graphql::Error {
    if error.kind() == ErrorKind::Internal {
        tracing::error!("GraphQL: {error}");
    }
    let mut graphql = async_graphql::Error::new(error.public_message());
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    if let Json::Object(details) = error.details_json() {
        for (name, value) in details {
            if name != "code" {
                extensions.set(name, GqlValue::from_json(value).unwrap_or(GqlValue::Null));
            }
        }
    }
    extensions.set("code", error.graphql_code());
    graphql.extensions = Some(extensions);
    graphql
}
