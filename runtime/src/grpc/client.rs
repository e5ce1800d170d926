//! What generated gRPC clients stand on: a tonic [`Client`] that encodes the generated types as
//! the proto target lays them out, and helpers that read a failed call's `google.rpc.Status`
//! details back into the declared error or the list of violations.

use std::marker::PhantomData;

use axum::http::uri::PathAndQuery;
use bytes::{Buf, Bytes};
use futures_util::Stream;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::MetadataValue;
use tonic::transport::{Channel, Endpoint};
use tonic::{IntoRequest, IntoStreamingRequest, Response, Status, Streaming};

use super::details::{BadRequest, RpcStatus};
use crate::error::Violation;
use crate::proto::{self, Carrier, DecodeError};

/// A value that travels as a whole rpc message: a generated type (as its message, or wrapped in
/// a field) or `()`, the empty message.
pub trait RpcMessage: Sized + Send + Sync + 'static {
    fn encode_rpc(&self, carrier: Carrier, buf: &mut EncodeBuf<'_>);
    fn decode_rpc(buf: &[u8], carrier: Carrier) -> Result<Self, DecodeError>;
}

impl<T: proto::Value + Send + Sync + 'static> RpcMessage for T {
    fn encode_rpc(&self, carrier: Carrier, buf: &mut EncodeBuf<'_>) {
        proto::encode_carried(self, carrier, buf)
    }

    fn decode_rpc(buf: &[u8], carrier: Carrier) -> Result<Self, DecodeError> {
        proto::decode_carried(buf, carrier)
    }
}

impl RpcMessage for () {
    fn encode_rpc(&self, _carrier: Carrier, _buf: &mut EncodeBuf<'_>) {}

    fn decode_rpc(_buf: &[u8], _carrier: Carrier) -> Result<Self, DecodeError> {
        Ok(())
    }
}

/// A tonic client for one service's rpcs; generated clients wrap it with one method per rpc.
#[derive(Clone, Debug)]
pub struct Client {
    inner: tonic::client::Grpc<Channel>,
    authorization: Option<MetadataValue<tonic::metadata::Ascii>>,
}

impl Client {
    /// Connects to `http://host:port` (HTTP/2 cleartext).
    pub async fn connect(endpoint: impl Into<String>) -> Result<Client, tonic::transport::Error> {
        let channel = Endpoint::from_shared(endpoint.into())?.connect().await?;
        Ok(Client::new(channel))
    }

    pub fn new(channel: Channel) -> Client {
        Client {
            inner: tonic::client::Grpc::new(channel),
            authorization: None,
        }
    }

    /// Sends `authorization: Bearer <token>` with every call that does not set its own.
    pub fn with_bearer_token(mut self, token: &str) -> Client {
        self.authorization = format!("Bearer {token}").parse().ok();
        self
    }

    /// Compresses requests with gzip and asks for gzip responses.
    pub fn with_gzip(mut self) -> Client {
        self.inner = self
            .inner
            .send_compressed(tonic::codec::CompressionEncoding::Gzip)
            .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
        self
    }

    fn prepare<T>(&self, mut request: tonic::Request<T>) -> tonic::Request<T> {
        if let Some(value) = &self.authorization
            && !request.metadata().contains_key("authorization")
        {
            request.metadata_mut().insert("authorization", value.clone());
        }
        request
    }

    async fn ready(&mut self) -> Result<(), Status> {
        self.inner
            .ready()
            .await
            .map_err(|error| Status::unavailable(format!("the channel is not ready: {error}")))
    }

    pub async fn unary<Req: RpcMessage, Resp: RpcMessage>(
        &mut self,
        path: &'static str,
        request: impl IntoRequest<Req>,
        carriers: (Carrier, Carrier),
    ) -> Result<Response<Resp>, Status> {
        self.ready().await?;
        let request = self.prepare(request.into_request());
        let codec = ClientCodec::<Req, Resp>::new(carriers);
        self.inner.unary(request, PathAndQuery::from_static(path), codec).await
    }

    pub async fn server_streaming<Req: RpcMessage, Resp: RpcMessage>(
        &mut self,
        path: &'static str,
        request: impl IntoRequest<Req>,
        carriers: (Carrier, Carrier),
    ) -> Result<Response<Streaming<Resp>>, Status> {
        self.ready().await?;
        let request = self.prepare(request.into_request());
        let codec = ClientCodec::<Req, Resp>::new(carriers);
        self.inner
            .server_streaming(request, PathAndQuery::from_static(path), codec)
            .await
    }

    pub async fn client_streaming<Req: RpcMessage, Resp: RpcMessage, S>(
        &mut self,
        path: &'static str,
        request: S,
        carriers: (Carrier, Carrier),
    ) -> Result<Response<Resp>, Status>
    where
        S: IntoStreamingRequest<Message = Req>,
        S::Stream: Stream<Item = Req> + Send + 'static,
    {
        self.ready().await?;
        let request = self.prepare(request.into_streaming_request());
        let codec = ClientCodec::<Req, Resp>::new(carriers);
        self.inner
            .client_streaming(request, PathAndQuery::from_static(path), codec)
            .await
    }

    pub async fn streaming<Req: RpcMessage, Resp: RpcMessage, S>(
        &mut self,
        path: &'static str,
        request: S,
        carriers: (Carrier, Carrier),
    ) -> Result<Response<Streaming<Resp>>, Status>
    where
        S: IntoStreamingRequest<Message = Req>,
        S::Stream: Stream<Item = Req> + Send + 'static,
    {
        self.ready().await?;
        let request = self.prepare(request.into_streaming_request());
        let codec = ClientCodec::<Req, Resp>::new(carriers);
        self.inner
            .streaming(request, PathAndQuery::from_static(path), codec)
            .await
    }
}

/// Encodes `Req` and decodes `Resp` as their rpc carries them.
struct ClientCodec<Req, Resp> {
    request: Carrier,
    response: Carrier,
    types: PhantomData<fn(Req) -> Resp>,
}

impl<Req, Resp> ClientCodec<Req, Resp> {
    fn new((request, response): (Carrier, Carrier)) -> Self {
        ClientCodec {
            request,
            response,
            types: PhantomData,
        }
    }
}

impl<Req: RpcMessage, Resp: RpcMessage> Codec for ClientCodec<Req, Resp> {
    type Encode = Req;
    type Decode = Resp;
    type Encoder = MessageEncoder<Req>;
    type Decoder = MessageDecoder<Resp>;

    fn encoder(&mut self) -> MessageEncoder<Req> {
        MessageEncoder(self.request, PhantomData)
    }

    fn decoder(&mut self) -> MessageDecoder<Resp> {
        MessageDecoder(self.response, PhantomData)
    }
}

pub struct MessageEncoder<T>(Carrier, PhantomData<fn(T)>);

impl<T: RpcMessage> Encoder for MessageEncoder<T> {
    type Item = T;
    type Error = Status;

    fn encode(&mut self, item: T, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        item.encode_rpc(self.0, dst);
        Ok(())
    }
}

pub struct MessageDecoder<T>(Carrier, PhantomData<fn() -> T>);

impl<T: RpcMessage> Decoder for MessageDecoder<T> {
    type Item = T;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<T>, Status> {
        let bytes = src.copy_to_bytes(src.remaining());
        T::decode_rpc(&bytes, self.0)
            .map(Some)
            .map_err(|error| Status::internal(format!("the response does not decode: {}: {error:?}", error.field())))
    }
}

/// The `Any`s in a failed call's `google.rpc.Status` details: `(type_url, value)`. Details that
/// do not decode as a `google.rpc.Status` give none.
pub fn status_details(status: &Status) -> Vec<(String, Bytes)> {
    let details = <RpcStatus as proto::Message>::decode(status.details()).map(|status| status.details);
    details
        .unwrap_or_default()
        .into_iter()
        .map(|any| (any.type_url, Bytes::from(any.value.0)))
        .collect()
}

/// The declared error `T` (named `qualified_name`, e.g. `acme.pets.v1.PetNotFound`) carried by
/// a failed call, if that is what it failed with.
pub fn declared_error<T: proto::Message>(status: &Status, qualified_name: &str) -> Option<T> {
    let type_url = super::details::type_url(qualified_name);
    status_details(status)
        .into_iter()
        .find(|(url, _)| *url == type_url)
        .and_then(|(_, value)| T::decode(&value).ok())
}

/// The violations of an `INVALID_ARGUMENT` call, from its `google.rpc.BadRequest` detail.
pub fn violations(status: &Status) -> Vec<Violation> {
    status_details(status)
        .into_iter()
        .filter(|(type_url, _)| type_url == super::details::BAD_REQUEST)
        .filter_map(|(_, value)| <BadRequest as proto::Message>::decode(&value).ok())
        .flat_map(|request| request.field_violations)
        .map(|violation| Violation {
            field: violation.field,
            constraint: violation.reason.to_lowercase(),
            message: violation.description,
        })
        .collect()
}
