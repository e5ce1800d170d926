//! gRPC on the same port as the HTTP protocols: every rpc of the generated `.proto` at
//! `POST /<package>.<Service>/<Rpc>` over HTTP/2 (cleartext, prior knowledge), with gRPC-Web
//! (tonic-web) for browsers, server reflection (tonic-reflection) and the health service
//! (tonic-health) beside it.
//!
//! tonic does the framing, gzip and message size limits ([`tonic::server::Grpc`]); this adapter
//! hands the raw message bytes to [`App::invoke`] as [`Input::Protobuf`], like every other
//! protocol, so auth (metadata `authorization`), validation and the error table are shared. The
//! generated types are the protobuf messages (see [`crate::proto`] and ADR 0005). Errors become a
//! `google.rpc.Status` in `grpc-status-details-bin`: the declared error as an `Any`, or a
//! `google.rpc.BadRequest` listing every violation. A `grpc-timeout` is honoured by dropping
//! the call when it passes, which cancels the implementation's future.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::Request as HttpRequest;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::post;
use bytes::{Buf, Bytes};
use futures_util::{Stream, StreamExt};
use omniface_model::StreamingKind;
use omniface_model::bindings::{self, GrpcCarrier};
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::server::{ClientStreamingService, Grpc, ServerStreamingService, StreamingService, UnaryService};

use crate::auth::Credentials;
use crate::context::Protocol;
use crate::error::{Error, ErrorKind};
use crate::server::App;
use crate::service::{BoxFuture, BoxStream, Input, Output};

mod client;
mod details;

use self::details::{Any, BadRequest, ErrorInfo, FieldViolation, RpcStatus};
use crate::proto::Message as _;

pub use self::client::{Client, RpcMessage, declared_error, status_details, violations};
pub use tonic::transport::Error as TransportError;
pub use tonic::{Code, IntoRequest, IntoStreamingRequest, Request, Response, Status, Streaming};

pub(crate) fn routes(app: &Arc<App>) -> Router {
    let mut router = Router::new();
    for (service_index, handler) in app.services.iter().enumerate() {
        let descriptor = handler.descriptor();
        let service_path = format!(
            "/{}",
            bindings::grpc_full_service_name(&descriptor.package().name, descriptor.name())
        );
        let rpcs = bindings::grpc_rpcs(&descriptor.model, descriptor.service());
        let method_count = descriptor.methods.len();
        for (index, rpc) in rpcs.into_iter().enumerate() {
            let target = if index < method_count {
                Target::Method {
                    index,
                    kind: descriptor.methods[index].kind,
                }
            } else {
                Target::Event(index - method_count)
            };
            let call = Arc::new(Rpc {
                app: app.clone(),
                service: service_index,
                target,
                request: rpc.request,
                response: rpc.response,
            });
            router = router.route(
                &format!("{service_path}/{}", rpc.name),
                post(move |request: HttpRequest| {
                    let call = call.clone();
                    async move { call.serve(request).await }
                }),
            );
        }
        router = router.route(&format!("{service_path}/{{*rpc}}"), post(unimplemented));
    }
    router = router.merge(reflection_and_health(app));
    // gRPC-Web requests are translated to gRPC on the way in and back on the way out; anything
    // else passes through untouched.
    router.layer(tonic_web::GrpcWebLayer::new())
}

/// What an rpc calls: a method (with its streaming kind) or an event subscription.
#[derive(Clone, Copy)]
enum Target {
    Method { index: usize, kind: StreamingKind },
    Event(usize),
}

struct Rpc {
    app: Arc<App>,
    service: usize,
    target: Target,
    request: GrpcCarrier,
    response: GrpcCarrier,
}

impl Rpc {
    async fn serve(self: Arc<Rpc>, request: HttpRequest) -> HttpResponse {
        let limit = self.app.limits.max_message_bytes;
        let mut grpc = Grpc::new(RawCodec)
            .accept_compressed(CompressionEncoding::Gzip)
            .send_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size(limit)
            .max_encoding_message_size(usize::MAX);
        let deadline = grpc_timeout(request.headers()).map(|timeout| tokio::time::Instant::now() + timeout);
        let call = Call { rpc: self, deadline };
        let response = match call.rpc.target {
            Target::Method {
                kind: StreamingKind::Unary,
                ..
            } => grpc.unary(call, request).await,
            Target::Method {
                kind: StreamingKind::ServerStreaming,
                ..
            }
            | Target::Event(_) => grpc.server_streaming(call, request).await,
            Target::Method {
                kind: StreamingKind::ClientStreaming,
                ..
            } => grpc.client_streaming(call, request).await,
            Target::Method {
                kind: StreamingKind::Bidirectional,
                ..
            } => grpc.streaming(call, request).await,
        };
        oversized_is_resource_exhausted(response).into_response()
    }
}

/// tonic refuses a request message over the size limit with OUT_OF_RANGE before the adapter sees
/// it; the error table (and every other gRPC server) says RESOURCE_EXHAUSTED.
fn oversized_is_resource_exhausted<B>(mut response: axum::http::Response<B>) -> axum::http::Response<B> {
    let headers = response.headers_mut();
    let oversized = headers.get("grpc-status").is_some_and(|code| code == "11")
        && headers.get("grpc-message").is_some_and(|message| {
            message
                .as_bytes()
                .starts_with(b"Error,%20decoded%20message%20length%20too%20large")
        });
    if oversized {
        headers.insert("grpc-status", axum::http::HeaderValue::from_static("8"));
    }
    response
}

/// One call in flight, with its deadline.
#[derive(Clone)]
struct Call {
    rpc: Arc<Rpc>,
    deadline: Option<tokio::time::Instant>,
}

impl Call {
    fn method(&self) -> usize {
        match self.rpc.target {
            Target::Method { index, .. } => index,
            Target::Event(_) => unreachable!("events are served by `subscribe`"),
        }
    }

    /// Authenticates, decodes and calls the method, within the deadline.
    async fn invoke(&self, metadata: tonic::metadata::MetadataMap, input: Input) -> Result<Output, Status> {
        let headers = Arc::new(metadata.into_headers());
        let credentials = Credentials::from_headers(&headers);
        let invoke = self.rpc.app.invoke(
            self.rpc.service,
            self.method(),
            Protocol::Grpc,
            &credentials,
            headers,
            input,
        );
        match self.deadline {
            // Dropping the call's future when the deadline passes is what cancels the
            // implementation: it stops at its next await.
            Some(deadline) => match tokio::time::timeout_at(deadline, invoke).await {
                Ok(result) => result.map_err(|error| status(&error)),
                Err(_) => Err(deadline_exceeded()),
            },
            None => invoke.await.map_err(|error| status(&error)),
        }
    }

    fn single(&self, output: Output) -> Result<tonic::Response<Reply>, Status> {
        let reply = match output {
            Output::Value(value) => Reply::Value(value, self.rpc.response),
            Output::Empty => Reply::Encoded(Bytes::new()),
            Output::Stream(_) => return Err(status(&Error::internal("a unary method returned a stream"))),
        };
        Ok(tonic::Response::new(reply))
    }

    fn stream(&self, output: Output) -> Result<tonic::Response<ResponseStream>, Status> {
        let carrier = self.rpc.response;
        let items: BoxStream<'static, Result<Reply, Status>> = match output {
            Output::Stream(items) => Box::pin(items.map(move |item| match item {
                Ok(value) => Ok(Reply::Value(value, carrier)),
                Err(error) => Err(status(&error)),
            })),
            _ => return Err(status(&Error::internal("a streaming method returned a single value"))),
        };
        Ok(tonic::Response::new(ResponseStream::new(items, self.deadline)))
    }

    async fn subscribe(
        self,
        metadata: tonic::metadata::MetadataMap,
        event: usize,
    ) -> Result<tonic::Response<ResponseStream>, Status> {
        let app = &self.rpc.app;
        let headers = metadata.into_headers();
        let credentials = Credentials::from_headers(&headers);
        app.authorize_event(self.rpc.service, event, &credentials, &headers)
            .await
            .map_err(|error| status(&error))?;
        let (_, records) = app.services[self.rpc.service].events().stream(event, None);
        let items = records.map(|record| Ok(Reply::Encoded(record.protobuf.clone())));
        Ok(tonic::Response::new(ResponseStream::new(
            Box::pin(items),
            self.deadline,
        )))
    }

    fn request_items(&self, items: tonic::Streaming<Bytes>) -> Input {
        let items = items.map(|item| item.map_err(|status| error_from_status(&status)));
        Input::ProtobufStream {
            items: Box::pin(items),
            carrier: self.rpc.request,
        }
    }
}

impl UnaryService<Bytes> for Call {
    type Response = Reply;
    type Future = BoxFuture<'static, Result<tonic::Response<Reply>, Status>>;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let call = self.clone();
        Box::pin(async move {
            let (metadata, _, message) = request.into_parts();
            let output = call.invoke(metadata, Input::Protobuf(message)).await?;
            call.single(output)
        })
    }
}

impl ServerStreamingService<Bytes> for Call {
    type Response = Reply;
    type ResponseStream = ResponseStream;
    type Future = BoxFuture<'static, Result<tonic::Response<ResponseStream>, Status>>;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let call = self.clone();
        Box::pin(async move {
            let (metadata, _, message) = request.into_parts();
            if let Target::Event(event) = call.rpc.target {
                return call.subscribe(metadata, event).await;
            }
            let output = call.invoke(metadata, Input::Protobuf(message)).await?;
            call.stream(output)
        })
    }
}

impl ClientStreamingService<Bytes> for Call {
    type Response = Reply;
    type Future = BoxFuture<'static, Result<tonic::Response<Reply>, Status>>;

    fn call(&mut self, request: tonic::Request<tonic::Streaming<Bytes>>) -> Self::Future {
        let call = self.clone();
        Box::pin(async move {
            let (metadata, _, items) = request.into_parts();
            let output = call.invoke(metadata, call.request_items(items)).await?;
            call.single(output)
        })
    }
}

impl StreamingService<Bytes> for Call {
    type Response = Reply;
    type ResponseStream = ResponseStream;
    type Future = BoxFuture<'static, Result<tonic::Response<ResponseStream>, Status>>;

    fn call(&mut self, request: tonic::Request<tonic::Streaming<Bytes>>) -> Self::Future {
        let call = self.clone();
        Box::pin(async move {
            let (metadata, _, items) = request.into_parts();
            let output = call.invoke(metadata, call.request_items(items)).await?;
            call.stream(output)
        })
    }
}

/// A response stream that ends with `DEADLINE_EXCEEDED` when the call's deadline passes, and
/// ends after the first error (tonic sends it as the trailers).
pub(crate) struct ResponseStream {
    items: BoxStream<'static, Result<Reply, Status>>,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    done: bool,
}

impl ResponseStream {
    fn new(items: BoxStream<'static, Result<Reply, Status>>, deadline: Option<tokio::time::Instant>) -> ResponseStream {
        ResponseStream {
            items,
            deadline: deadline.map(|at| Box::pin(tokio::time::sleep_until(at))),
            done: false,
        }
    }
}

impl Stream for ResponseStream {
    type Item = Result<Reply, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if let Some(deadline) = self.deadline.as_mut()
            && deadline.as_mut().poll(cx).is_ready()
        {
            self.done = true;
            return Poll::Ready(Some(Err(deadline_exceeded())));
        }
        let next = self.items.as_mut().poll_next(cx);
        if let Poll::Ready(Some(Err(_)) | None) = &next {
            self.done = true;
        }
        next
    }
}

/// One message on its way out: a value the generated types encode straight into tonic's frame
/// buffer, or bytes encoded earlier (an event, encoded once for every subscriber).
pub(crate) enum Reply {
    Value(Box<dyn crate::service::Encode>, GrpcCarrier),
    Encoded(Bytes),
}

/// Requests pass through as bytes (the handler decodes them into the generated types); replies
/// are encoded by the generated types themselves.
#[derive(Clone, Copy, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Reply;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Reply;
    type Error = Status;

    fn encode(&mut self, item: Reply, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        match item {
            Reply::Value(value, carrier) => value.to_protobuf(carrier, dst).map_err(|error| status(&error)),
            Reply::Encoded(bytes) => {
                bytes::BufMut::put_slice(dst, &bytes);
                Ok(())
            }
        }
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        let len = src.remaining();
        Ok(Some(src.copy_to_bytes(len)))
    }
}

/// Whether a request is gRPC or gRPC-Web, by its content type.
pub(crate) fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/grpc"))
}

pub(crate) async fn unimplemented(request: HttpRequest) -> HttpResponse {
    let status = Status::unimplemented(format!("no rpc {} in this service", request.uri().path()));
    status.into_http::<axum::body::Body>().into_response()
}

/// Server reflection (v1 and v1alpha) over the descriptors of every served package, compiled
/// from the same .proto text the server serves at `/schema.proto`, and the health service with
/// every service `SERVING`.
fn reflection_and_health(app: &Arc<App>) -> Router {
    let mut files: Vec<(&'static str, &'static str)> = Vec::new();
    let mut names = Vec::new();
    for handler in &app.services {
        let descriptor = handler.descriptor();
        for file in descriptor.documents.proto_files {
            if !files.iter().any(|(path, _)| *path == file.0) {
                files.push(*file);
            }
        }
        names.push(bindings::grpc_full_service_name(
            &descriptor.package().name,
            descriptor.name(),
        ));
    }
    let mut router = Router::new();
    if !files.is_empty() {
        match descriptor_set(&files) {
            Ok(set) => {
                // The health service is described too, so generic tools can call it by name.
                let v1 = tonic_reflection::server::Builder::configure()
                    .register_file_descriptor_set(set.clone())
                    .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
                    .build_v1();
                let v1alpha = tonic_reflection::server::Builder::configure()
                    .register_file_descriptor_set(set)
                    .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
                    .build_v1alpha();
                if let (Ok(v1), Ok(v1alpha)) = (v1, v1alpha) {
                    router = mount(router, v1);
                    router = mount(router, v1alpha);
                }
            }
            Err(error) => tracing::warn!("gRPC reflection is off: the embedded .proto files do not compile: {error}"),
        }
    }
    let (reporter, health) = tonic_health::server::health_reporter();
    for name in names {
        // The reporter's lock is free here, so the update completes on its first poll.
        let _ = futures_util::FutureExt::now_or_never(
            reporter.set_service_status(name, tonic_health::ServingStatus::Serving),
        );
    }
    mount(router, health)
}

/// Mounts a tonic-generated service at `/<its name>/…`.
fn mount<S>(router: Router, service: S) -> Router
where
    S: tower_service::Service<HttpRequest, Error = std::convert::Infallible>
        + tonic::server::NamedService
        + Clone
        + Send
        + Sync
        + 'static,
    S::Response: IntoResponse,
    S::Future: Send + 'static,
{
    router.route_service(&format!("/{}/{{*rpc}}", S::NAME), service)
}

/// Compiles the embedded .proto files with protox; the well-known types come with protox.
fn descriptor_set(files: &[(&'static str, &'static str)]) -> Result<prost_types::FileDescriptorSet, String> {
    struct Embedded(Vec<(&'static str, &'static str)>);

    impl protox::file::FileResolver for Embedded {
        fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
            match self.0.iter().find(|(path, _)| *path == name) {
                Some((path, text)) => protox::file::File::from_source(path, text),
                None => Err(protox::Error::file_not_found(name)),
            }
        }
    }

    let mut resolver = protox::file::ChainFileResolver::new();
    resolver.add(Embedded(files.to_vec()));
    resolver.add(protox::file::GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_imports(true).include_source_info(false);
    compiler
        .open_files(files.iter().map(|(path, _)| *path))
        .map_err(|error| error.to_string())?;
    Ok(compiler.file_descriptor_set())
}

/// `grpc-timeout`: up to eight digits and a unit (`H`, `M`, `S`, `m`, `u`, `n`).
fn grpc_timeout(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount * 3600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

fn deadline_exceeded() -> Status {
    Status::deadline_exceeded("the deadline passed before the call completed")
}

/// The gRPC status of an error, from the one error table, with a `google.rpc.Status` in the
/// details: the declared error packed in an `Any` (plus an `ErrorInfo` naming it), or a
/// `google.rpc.BadRequest` with every violation.
pub(crate) fn status(error: &Error) -> Status {
    let code = Code::from_i32(i32::from(error.grpc_code()));
    let message = error.public_message().to_string();
    let mut details = Vec::new();
    if let Some(declared) = error.declared_error() {
        details.push(Any {
            type_url: details::type_url(declared.qualified_name),
            value: crate::wire::Bytes(declared.protobuf.clone()),
        });
        let package = declared
            .qualified_name
            .rsplit_once('.')
            .map_or("", |(package, _)| package);
        let info = ErrorInfo {
            reason: omniface_model::naming::screaming_snake_case(declared.name),
            domain: package.to_string(),
        };
        details.push(Any::pack(details::ERROR_INFO.to_string(), &info));
    }
    if error.kind() == ErrorKind::InvalidArgument && !error.violations().is_empty() {
        let bad_request = BadRequest {
            field_violations: error
                .violations()
                .iter()
                .map(|violation| FieldViolation {
                    field: violation.field.clone(),
                    description: violation.message.clone(),
                    reason: violation.constraint.to_uppercase(),
                })
                .collect(),
        };
        details.push(Any::pack(details::BAD_REQUEST.to_string(), &bad_request));
    }
    if details.is_empty() {
        return Status::new(code, message);
    }
    let rpc_status = RpcStatus {
        code: code as i32,
        message: message.clone(),
        details,
    };
    Status::with_details(code, message, Bytes::from(rpc_status.encode_to_vec()))
}

/// The error a client-stream item failed with (a malformed or oversized message).
fn error_from_status(status: &Status) -> Error {
    let kind = match status.code() {
        // tonic reports a message over the size limit as OUT_OF_RANGE.
        Code::ResourceExhausted | Code::OutOfRange => ErrorKind::ResourceExhausted,
        Code::Cancelled => ErrorKind::Cancelled,
        Code::DeadlineExceeded => ErrorKind::DeadlineExceeded,
        _ => ErrorKind::InvalidArgument,
    };
    Error::new(kind, status.message())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_every_unit() {
        let timeout = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("grpc-timeout", value.parse().unwrap());
            grpc_timeout(&headers)
        };
        assert_eq!(timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(timeout("2M"), Some(Duration::from_secs(120)));
        assert_eq!(timeout("3S"), Some(Duration::from_secs(3)));
        assert_eq!(timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(timeout("7u"), Some(Duration::from_micros(7)));
        assert_eq!(timeout("99999999n"), Some(Duration::from_nanos(99_999_999)));
        assert_eq!(timeout("123456789S"), None, "at most eight digits");
        assert_eq!(timeout("5x"), None);
        assert_eq!(timeout("S"), None);
    }

    #[test]
    fn violations_travel_as_a_bad_request() {
        let error = Error::validation(vec![crate::Violation {
            field: "pet.name".into(),
            constraint: "length".into(),
            message: "must be 1 to 64 characters".into(),
        }]);
        let status = status(&error);
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.details();
        let text = String::from_utf8_lossy(details);
        assert!(text.contains("type.googleapis.com/google.rpc.BadRequest"), "{text}");
        assert!(text.contains("pet.name") && text.contains("LENGTH"), "{text}");
    }
}
