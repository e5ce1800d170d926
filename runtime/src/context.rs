//! What an implementation knows about the call it is handling, whatever the protocol.

use std::sync::Arc;

use crate::auth::Principal;

/// The protocol a call arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    Rest,
    GraphQl,
    JsonRpc,
    Soap,
    WebSocket,
    Sse,
    LongPolling,
    Grpc,
    Mqtt,
    Amqp,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Rest => "rest",
            Protocol::GraphQl => "graphql",
            Protocol::JsonRpc => "jsonrpc",
            Protocol::Soap => "soap",
            Protocol::WebSocket => "websocket",
            Protocol::Sse => "sse",
            Protocol::LongPolling => "long-polling",
            Protocol::Grpc => "grpc",
            Protocol::Mqtt => "mqtt",
            Protocol::Amqp => "amqp",
        }
    }
}

/// The context of one call: protocol, caller and request headers.
#[derive(Clone, Debug)]
pub struct Context {
    protocol: Protocol,
    principal: Option<Principal>,
    headers: Arc<axum::http::HeaderMap>,
}

impl Context {
    pub fn new(protocol: Protocol, principal: Option<Principal>, headers: Arc<axum::http::HeaderMap>) -> Context {
        Context {
            protocol,
            principal,
            headers,
        }
    }

    /// A context for calling an implementation directly (tests, background jobs).
    pub fn internal() -> Context {
        Context::new(Protocol::Rest, None, Arc::default())
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The authenticated caller, if the call carried accepted credentials.
    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    /// A request header (HTTP-based protocols), by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}
