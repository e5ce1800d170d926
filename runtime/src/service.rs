//! The seam between generated code and the protocol adapters: a [`ServiceDescriptor`] (the model
//! of one service with its effective bindings) and the object-safe [`Handler`] that decodes a
//! request, validates it, calls the user's implementation and encodes the answer.
//!
//! Adapters never see the user's types: they hand an [`Input`] in and get an [`Output`] back, so
//! every protocol shares one decoding, one validation and one error mapping.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use omniface_model::bindings::{self, HttpRoute};
use omniface_model::{Auth, Event, Method, Model, Package, Service, StreamingKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::context::Context;
use crate::error::{Error, Violation};
use crate::events::EventHub;
use crate::proto;
use crate::validate::Validate;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
pub type BoxStream<'a, T> = Pin<Box<dyn Stream<Item = T> + Send + 'a>>;

/// What a server-streaming method returns: a stream of items, each of which may fail.
pub type ServerStream<T> = BoxStream<'static, Result<T, Error>>;

/// The spec documents of one package, generated at build time by the same targets as
/// `omniface generate`, so what the server serves is byte-for-byte what the CLI writes.
#[derive(Clone, Copy, Debug)]
pub struct Documents {
    pub package: &'static str,
    pub openapi: &'static str,
    pub graphql: &'static str,
    pub wsdl: &'static str,
    pub asyncapi: &'static str,
    pub openrpc: &'static str,
    pub proto: &'static str,
    /// `(path, text)` of the package's .proto file and of every file it imports from other
    /// packages (well-known types aside), for gRPC server reflection.
    pub proto_files: &'static [(&'static str, &'static str)],
}

/// One method with its effective bindings.
#[derive(Clone, Debug)]
pub struct MethodDescriptor {
    pub name: String,
    /// `PetStore.get_pet`: the JSON-RPC and WebSocket method name.
    pub rpc_name: String,
    pub kind: StreamingKind,
    pub route: HttpRoute,
    pub auth: Option<Auth>,
    pub readonly: bool,
    pub has_result: bool,
    /// Each parameter's member name in the JSON mapping (`pageSize`), computed once.
    pub param_json_names: Vec<String>,
}

/// One event with its effective bindings.
#[derive(Clone, Debug)]
pub struct EventDescriptor {
    pub name: String,
    /// `PetStore.pet_sold`: the WebSocket subscription name.
    pub rpc_name: String,
    /// The SSE and long-polling path.
    pub path: String,
    pub auth: Option<Auth>,
}

/// A service as the runtime sees it.
#[derive(Debug)]
pub struct ServiceDescriptor {
    pub model: Arc<Model>,
    package_index: usize,
    service_index: usize,
    pub methods: Vec<MethodDescriptor>,
    pub events: Vec<EventDescriptor>,
    pub documents: Documents,
}

impl ServiceDescriptor {
    /// Builds the descriptor of `service` in `package`. Generated code calls this once, with the
    /// model it was generated from; a mismatch is a build bug, hence the panic.
    pub fn new(model: Arc<Model>, package: &str, service: &str, documents: Documents) -> ServiceDescriptor {
        let package_index = model
            .packages
            .iter()
            .position(|p| p.name == package)
            .unwrap_or_else(|| panic!("package `{package}` is not in the embedded model"));
        let service_index = model.packages[package_index]
            .services
            .iter()
            .position(|s| s.name == service)
            .unwrap_or_else(|| panic!("service `{service}` is not in package `{package}`"));
        let service_model = &model.packages[package_index].services[service_index];
        let methods = service_model
            .methods
            .iter()
            .map(|method| MethodDescriptor {
                name: method.name.clone(),
                rpc_name: format!("{}.{}", service_model.name, method.name),
                kind: method.kind(),
                route: bindings::http_route(&model, service_model, method),
                auth: bindings::method_auth(service_model, method).cloned(),
                readonly: bindings::is_readonly(method),
                has_result: method.returns.is_some(),
                param_json_names: method
                    .params
                    .iter()
                    .map(|p| omniface_model::naming::json_name(&p.field.name))
                    .collect(),
            })
            .collect();
        let events = service_model
            .events
            .iter()
            .map(|event| EventDescriptor {
                name: event.name.clone(),
                rpc_name: format!("{}.{}", service_model.name, event.name),
                path: bindings::event_stream_path(service_model, event),
                auth: bindings::event_auth(service_model, event).cloned(),
            })
            .collect();
        ServiceDescriptor {
            model,
            package_index,
            service_index,
            methods,
            events,
            documents,
        }
    }

    pub fn package(&self) -> &Package {
        &self.model.packages[self.package_index]
    }

    pub fn service(&self) -> &Service {
        &self.package().services[self.service_index]
    }

    pub fn name(&self) -> &str {
        &self.service().name
    }

    pub fn method_model(&self, index: usize) -> &Method {
        &self.service().methods[index]
    }

    pub fn event_model(&self, index: usize) -> &Event {
        &self.service().events[index]
    }

    /// The method called `name` (as declared, `get_pet`).
    pub fn method_index(&self, name: &str) -> Option<usize> {
        self.methods.iter().position(|m| m.name == name)
    }
}

/// A request on its way into a method.
pub enum Input {
    /// A JSON object with one member per parameter, as received.
    Json(Bytes),
    /// The same object, assembled by an adapter (REST path and query, SOAP, GraphQL arguments).
    Value(Value),
    /// The items of a client stream.
    Stream(BoxStream<'static, Result<Value, Error>>),
    /// A protobuf request message (gRPC): the request struct's fields.
    Protobuf(Bytes),
    /// The protobuf messages of a client stream, each carrying one item.
    ProtobufStream {
        items: BoxStream<'static, Result<Bytes, Error>>,
        carrier: proto::Carrier,
    },
}

impl Input {
    /// Decodes and validates a request; every problem becomes an `INVALID_ARGUMENT` error that
    /// names the offending field.
    pub fn decode<T: DeserializeOwned + Validate + proto::Message>(self) -> Result<T, Error> {
        match self {
            Input::Protobuf(bytes) => {
                let value = T::decode(&bytes)?;
                value.validate()?;
                Ok(value)
            }
            json => json.decode_json(),
        }
    }

    /// Decodes and validates a request in the JSON mapping.
    fn decode_json<T: DeserializeOwned + Validate>(self) -> Result<T, Error> {
        // Decoding runs without path tracking; only a failed request is decoded again with it, to
        // name the offending field. Valid requests pay nothing for good error messages.
        let value: T = match self {
            Input::Json(bytes) => {
                let text = if bytes.is_empty() { &b"{}"[..] } else { &bytes[..] };
                match serde_json::from_slice(text) {
                    Ok(value) => value,
                    Err(plain) => {
                        let mut deserializer = serde_json::Deserializer::from_slice(text);
                        let error = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
                            Err(error) => decode_error(error),
                            Ok(_) => Error::invalid_argument(plain.to_string()),
                        };
                        return Err(error);
                    }
                }
            }
            Input::Value(value) => match <T as serde::Deserialize>::deserialize(&value) {
                Ok(decoded) => decoded,
                Err(_) => {
                    return Err(match serde_path_to_error::deserialize::<_, T>(value) {
                        Err(error) => decode_error(error),
                        Ok(_) => Error::invalid_argument("the request could not be decoded"),
                    });
                }
            },
            Input::Stream(_) | Input::Protobuf(_) | Input::ProtobufStream { .. } => {
                return Err(Error::invalid_argument("expected a single request, got a stream"));
            }
        };
        value.validate()?;
        Ok(value)
    }

    /// Decodes a client stream item by item, validating each.
    pub fn decode_stream<T: DeserializeOwned + Validate + proto::Value + Send + 'static>(self) -> Streaming<T> {
        let items: BoxStream<'static, Result<Value, Error>> = match self {
            Input::Stream(items) => items,
            Input::ProtobufStream { items, carrier } => {
                let decode = move |bytes: Bytes| -> Result<T, Error> {
                    let item: T = proto::decode_carried(&bytes, carrier)?;
                    item.validate()?;
                    Ok(item)
                };
                return Streaming {
                    inner: Box::pin(items.map(move |item| item.and_then(decode))),
                };
            }
            single => {
                let value = match single {
                    Input::Json(bytes) => serde_json::from_slice(&bytes).map_err(Error::from),
                    Input::Value(value) => Ok(value),
                    Input::Protobuf(_) => Err(Error::invalid_argument("expected a stream of requests")),
                    Input::Stream(_) | Input::ProtobufStream { .. } => unreachable!(),
                };
                Box::pin(futures_util::stream::iter(match value {
                    Ok(Value::Array(items)) => items.into_iter().map(Ok).collect::<Vec<_>>(),
                    Ok(other) => vec![Ok(other)],
                    Err(error) => vec![Err(error)],
                }))
            }
        };
        Streaming {
            inner: Box::pin(items.map(|item| item.and_then(|value| Input::Value(value).decode_json::<T>()))),
        }
    }
}

fn decode_error(error: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let path = error.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let message = error.inner().to_string();
    let message = message.split(" at line ").next().unwrap_or(&message).to_string();
    // serde names the object that lacks a member; the violation names the member itself, as the
    // protobuf reader does (`pet.species`, not `pet`).
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'));
    let (field, constraint) = match missing {
        Some(member) if path.is_empty() => (member.to_string(), "required"),
        Some(member) => (format!("{path}.{member}"), "required"),
        None => (path, "type"),
    };
    Error::validation(vec![Violation {
        field,
        constraint: constraint.to_string(),
        message,
    }])
}

/// A client stream as the implementation sees it: validated items, in order.
pub struct Streaming<T> {
    inner: BoxStream<'static, Result<T, Error>>,
}

impl<T> Streaming<T> {
    /// A stream of ready items, for calling an implementation directly in tests.
    pub fn from_items(items: Vec<T>) -> Streaming<T>
    where
        T: Send + 'static,
    {
        Streaming {
            inner: Box::pin(futures_util::stream::iter(items.into_iter().map(Ok))),
        }
    }
}

impl<T> Stream for Streaming<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// A value on its way out, encodable however the protocol needs it.
pub trait Encode: Send + Sync {
    fn to_json(&self) -> Vec<u8>;
    fn to_value(&self) -> Value;
    /// Writes the value as an rpc message (gRPC), carried as the proto target says, straight
    /// into tonic's frame buffer.
    fn to_protobuf(&self, carrier: proto::Carrier, buf: &mut tonic::codec::EncodeBuf<'_>) -> Result<(), Error>;
}

impl<T: Serialize + proto::Value + Send + Sync> Encode for T {
    fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("generated types always serialise")
    }

    fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("generated types always serialise")
    }

    fn to_protobuf(&self, carrier: proto::Carrier, buf: &mut tonic::codec::EncodeBuf<'_>) -> Result<(), Error> {
        proto::encode_carried(self, carrier, buf);
        Ok(())
    }
}

/// A value that only has a JSON form, for handlers written without generated types (tests).
struct JsonOnly<T>(T);

impl<T: Serialize + Send + Sync> Encode for JsonOnly<T> {
    fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.0).expect("JSON values always serialise")
    }

    fn to_value(&self) -> Value {
        serde_json::to_value(&self.0).expect("JSON values always serialise")
    }

    fn to_protobuf(&self, _carrier: proto::Carrier, _buf: &mut tonic::codec::EncodeBuf<'_>) -> Result<(), Error> {
        Err(Error::unimplemented("this value has no protobuf form"))
    }
}

/// What a method answered.
pub enum Output {
    /// The return value.
    Value(Box<dyn Encode>),
    /// The method returns nothing.
    Empty,
    /// Items of a server stream.
    Stream(BoxStream<'static, Result<Box<dyn Encode>, Error>>),
}

impl Output {
    pub fn value<T: Serialize + proto::Value + Send + Sync + 'static>(value: T) -> Output {
        Output::Value(Box::new(value))
    }

    pub fn stream<T: Serialize + proto::Value + Send + Sync + 'static>(items: ServerStream<T>) -> Output {
        Output::Stream(Box::pin(
            items.map(|item| item.map(|value| Box::new(value) as Box<dyn Encode>)),
        ))
    }

    /// A value with a JSON form only (no gRPC), for handlers written by hand.
    pub fn json<T: Serialize + Send + Sync + 'static>(value: T) -> Output {
        Output::Value(Box::new(JsonOnly(value)))
    }

    /// A stream of values with a JSON form only.
    pub fn json_stream<T: Serialize + Send + Sync + 'static>(items: ServerStream<T>) -> Output {
        Output::Stream(Box::pin(
            items.map(|item| item.map(|value| Box::new(JsonOnly(value)) as Box<dyn Encode>)),
        ))
    }
}

/// A service implementation wrapped by generated code; what [`crate::Server`] mounts.
pub trait Handler: Send + Sync + 'static {
    fn descriptor(&self) -> &ServiceDescriptor;

    /// The hub the implementation publishes events to.
    fn events(&self) -> &EventHub;

    /// Calls method number `method` (its index in the service). Authentication has been checked.
    fn call(&self, method: usize, ctx: Context, input: Input) -> BoxFuture<'static, Result<Output, Error>>;
}
