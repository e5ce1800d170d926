//! One server, one port, every HTTP-family protocol: [`Server`] mounts each protocol adapter on
//! one axum router over the same [`App`], which does authentication and dispatch once for all.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;

use crate::auth::{self, Authenticator, Credentials};
use crate::context::{Context, Protocol};
use crate::error::Error;
use crate::service::{Handler, Input, Output};

/// Limits that protect the server from oversized or abusive input. All are on by default.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest request body (REST, JSON-RPC, SOAP, GraphQL over HTTP).
    pub max_body_bytes: usize,
    /// Largest WebSocket message, and largest line of a streamed (NDJSON) request body.
    pub max_message_bytes: usize,
    /// Most requests in one JSON-RPC batch.
    pub max_batch: usize,
    /// Deepest GraphQL query.
    pub graphql_max_depth: usize,
    /// Most complex GraphQL query (async-graphql's field count with nested multipliers).
    pub graphql_max_complexity: usize,
    /// Events kept per event stream for `Last-Event-ID` and long-polling resume.
    pub event_buffer: usize,
    /// Longest `wait` a long-polling request may ask for.
    pub long_poll_max_wait: Duration,
    /// Most events returned by one long-polling response.
    pub long_poll_max_events: usize,
    /// Interval of WebSocket pings and SSE keep-alive comments.
    pub keep_alive: Duration,
    /// Calls in flight on one WebSocket connection.
    pub max_calls_per_socket: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 2 * 1024 * 1024,
            max_message_bytes: 2 * 1024 * 1024,
            max_batch: 50,
            graphql_max_depth: 16,
            graphql_max_complexity: 1000,
            event_buffer: 1024,
            long_poll_max_wait: Duration::from_secs(30),
            long_poll_max_events: 100,
            keep_alive: Duration::from_secs(15),
            max_calls_per_socket: 256,
        }
    }
}

/// What every protocol adapter shares: the services, the auth hook and the limits.
pub struct App {
    pub services: Vec<Arc<dyn Handler>>,
    pub authenticator: Option<Arc<dyn Authenticator>>,
    pub limits: Limits,
}

impl App {
    /// Authenticates and calls one method. Every protocol goes through here.
    pub async fn invoke(
        &self,
        service: usize,
        method: usize,
        protocol: Protocol,
        credentials: &Credentials,
        headers: Arc<HeaderMap>,
        input: Input,
    ) -> Result<Output, Error> {
        let handler = &self.services[service];
        let requirement = handler.descriptor().methods[method].auth.as_ref();
        let principal = auth::authorize(requirement, credentials, &headers, self.authenticator.as_deref()).await?;
        handler
            .call(method, Context::new(protocol, principal, headers), input)
            .await
    }

    /// Checks that a subscriber may receive an event.
    pub async fn authorize_event(
        &self,
        service: usize,
        event: usize,
        credentials: &Credentials,
        headers: &HeaderMap,
    ) -> Result<(), Error> {
        let requirement = self.services[service].descriptor().events[event].auth.as_ref();
        auth::authorize(requirement, credentials, headers, self.authenticator.as_deref())
            .await
            .map(drop)
    }

    /// Finds `Service.method` (JSON-RPC and WebSocket names).
    pub fn find_method(&self, rpc_name: &str) -> Option<(usize, usize)> {
        self.services.iter().enumerate().find_map(|(s, handler)| {
            let m = handler
                .descriptor()
                .methods
                .iter()
                .position(|m| m.rpc_name == rpc_name)?;
            Some((s, m))
        })
    }

    /// Finds `Service.event` (WebSocket subscriptions).
    pub fn find_event(&self, rpc_name: &str) -> Option<(usize, usize)> {
        self.services.iter().enumerate().find_map(|(s, handler)| {
            let e = handler
                .descriptor()
                .events
                .iter()
                .position(|e| e.rpc_name == rpc_name)?;
            Some((s, e))
        })
    }
}

/// The server: add services, optionally an authenticator and limits, then serve.
///
/// ```text
/// omniface::Server::new().service(PetStoreServer::new(store)).serve("127.0.0.1:8080").await
/// ```
#[derive(Default)]
pub struct Server {
    services: Vec<Arc<dyn Handler>>,
    authenticator: Option<Arc<dyn Authenticator>>,
    limits: Limits,
    /// Where gRPC is served when not on the HTTP port.
    grpc_address: Option<String>,
    /// The MQTT 5 broker the server publishes events to and answers requests from.
    mqtt: Option<crate::mqtt::MqttConfig>,
    /// The AMQP 0-9-1 broker the server publishes events to and consumes job queues from.
    amqp: Option<crate::amqp::AmqpConfig>,
    /// Subscriptions over HTTP and signed deliveries of every event.
    webhooks: Option<crate::webhooks::WebhooksConfig>,
}

impl Server {
    pub fn new() -> Server {
        Server::default()
    }

    pub fn service(mut self, handler: impl Handler) -> Server {
        self.services.push(Arc::new(handler));
        self
    }

    /// The hook that turns credentials into a principal, for every protocol.
    pub fn authenticator(mut self, authenticator: Arc<dyn Authenticator>) -> Server {
        self.authenticator = Some(authenticator);
        self
    }

    pub fn limits(mut self, limits: Limits) -> Server {
        self.limits = limits;
        self
    }

    /// Serves gRPC (with gRPC-Web, reflection and health) on its own address instead of beside
    /// the HTTP protocols, for deployments that route or scale gRPC separately.
    pub fn grpc_on(mut self, address: impl Into<String>) -> Server {
        self.grpc_address = Some(address.into());
        self
    }

    /// Also serves MQTT 5 through the broker `config` names: every event is published to its
    /// topic and every unary method answers requests (see the `mqtt` module of the docs).
    /// [`Server::serve`] connects, and reconnects whenever the broker goes away.
    pub fn mqtt(mut self, config: crate::mqtt::MqttConfig) -> Server {
        self.mqtt = Some(config);
        self
    }

    /// Also serves AMQP 0-9-1 through the broker `config` names (RabbitMQ): every event is
    /// published to its package's topic exchange, and every `#[queue]` method consumes its durable
    /// work queue (see the `amqp` module of the docs). [`Server::serve`] connects, and reconnects
    /// whenever the broker goes away.
    pub fn amqp(mut self, config: crate::amqp::AmqpConfig) -> Server {
        self.amqp = Some(config);
        self
    }

    /// Also serves webhooks (Standard Webhooks, see docs/webhooks.md): each service with events
    /// gets `POST`/`GET /<service>/webhooks` and `DELETE /<service>/webhooks/{id}` behind the
    /// service's `#[auth]`, and every event published is posted, signed with the subscription's
    /// secret, to each subscriber of that event, retried on `config`'s schedule. Subscriber URLs
    /// on loopback, private and other non-public addresses are refused unless
    /// [`WebhooksConfig::allow_private_addresses`](crate::webhooks::WebhooksConfig) says otherwise.
    /// Deliveries start with [`Server::serve`] (or [`Server::router`], inside a Tokio runtime).
    pub fn webhooks(mut self, config: crate::webhooks::WebhooksConfig) -> Server {
        self.webhooks = Some(config);
        self
    }

    /// The axum router serving every protocol, to mount beside your own routes. gRPC is part of
    /// it unless [`Server::grpc_on`] moved it to its own address.
    pub fn router(mut self) -> Router {
        let separate_grpc = self.grpc_address.is_some();
        let webhooks = self.webhooks.take();
        let app = self.app();
        let router = Server::with_webhooks(&app, webhooks);
        if separate_grpc {
            router
        } else {
            router.merge(crate::grpc::routes(&app))
        }
    }

    /// The router of gRPC alone (what [`Server::grpc_on`] serves).
    pub fn grpc_router(self) -> Router {
        crate::grpc::routes(&self.app())
    }

    fn app(self) -> Arc<App> {
        Arc::new(App {
            services: self.services,
            authenticator: self.authenticator,
            limits: self.limits,
        })
    }

    /// The HTTP router, with the webhook endpoints (and deliveries started) when configured.
    fn with_webhooks(app: &Arc<App>, webhooks: Option<crate::webhooks::WebhooksConfig>) -> Router {
        let router = Server::http_router(app);
        match webhooks {
            Some(config) => router.merge(crate::webhooks::start(app, config)),
            None => router,
        }
    }

    fn http_router(app: &Arc<App>) -> Router {
        crate::rest::routes(app)
            .merge(crate::events_http::routes(app))
            .merge(crate::jsonrpc::routes(app))
            .merge(crate::ws::routes(app))
            .merge(crate::soap::routes(app))
            .merge(crate::graphql::routes(app))
            .merge(crate::documents::routes(app))
            .fallback(crate::rest::not_found)
    }

    /// One line per protocol saying where it is served.
    pub fn endpoints(&self, base: &str) -> Vec<String> {
        let mut lines = Vec::new();
        let first = self.services.first().map(|handler| handler.descriptor());
        for handler in &self.services {
            let descriptor = handler.descriptor();
            let name = descriptor.name();
            if let Some(route) = descriptor.methods.first().map(|m| &m.route) {
                lines.push(format!(
                    "REST         {base}{}  ({name}; OpenAPI at {base}/openapi.json)",
                    route.path
                ));
            }
            lines.push(format!(
                "SOAP 1.1/1.2 {base}/soap/{name}  (WSDL at {base}/soap/{name}?wsdl)"
            ));
            for event in &descriptor.events {
                lines.push(format!(
                    "SSE          {base}{}  (long polling: ?after=<cursor>&wait=<seconds>)",
                    event.path
                ));
            }
            if self.webhooks.is_some() && !descriptor.events.is_empty() {
                lines.push(format!(
                    "Webhooks     {base}{}  (Standard Webhooks; subscribe with POST {{url, events}})",
                    crate::webhooks::endpoints::collection_path(name)
                ));
            }
        }
        if first.is_some() {
            lines.push(format!("GraphQL      {base}/graphql  (GraphiQL on GET; subscriptions over graphql-transport-ws at {base}/graphql/ws; SDL at {base}/schema.graphql)"));
            lines.push(format!("JSON-RPC 2.0 {base}/rpc  (OpenRPC at {base}/openrpc.json)"));
            let grpc_base = match &self.grpc_address {
                Some(address) => format!("http://{address}"),
                None => base.to_string(),
            };
            lines.push(format!(
                "gRPC         {grpc_base}  (HTTP/2 cleartext and gRPC-Web; reflection and health; .proto at {base}/schema.proto)"
            ));
            let ws_base = base.replacen("http", "ws", 1);
            lines.push(format!(
                "WebSocket    {ws_base}/ws  (subprotocol {}; AsyncAPI at {base}/asyncapi.json)",
                crate::ws::SUBPROTOCOL
            ));
            if let Some(mqtt) = &self.mqtt {
                lines.push(format!(
                    "MQTT 5       {}  (events on their topics; requests with a response topic, shared group `{}`; AsyncAPI at {base}/asyncapi.json)",
                    mqtt.address(),
                    mqtt.group()
                ));
            }
            if let Some(amqp) = &self.amqp {
                lines.push(format!(
                    "AMQP 0-9-1   {}  (events on each package's topic exchange; #[queue] methods consume their work queues; AsyncAPI at {base}/asyncapi.json)",
                    amqp.address()
                ));
            }
        }
        lines
    }

    /// Binds `address`, prints where each protocol is, and serves until the process ends.
    pub async fn serve(self, address: impl tokio::net::ToSocketAddrs) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(address).await?;
        self.serve_on(listener).await
    }

    /// Serves on a bound listener (tests bind port 0 and read the address first).
    pub async fn serve_on(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        let address: SocketAddr = listener.local_addr()?;
        for line in self.endpoints(&format!("http://{address}")) {
            println!("{line}");
        }
        match self.grpc_address.clone() {
            None => {
                let (app, http) = self.start();
                let router = http.merge(crate::grpc::routes(&app));
                axum::serve(no_delay(listener), router).await
            }
            Some(grpc_address) => {
                let grpc_listener = tokio::net::TcpListener::bind(grpc_address.as_str()).await?;
                self.serve_split(listener, grpc_listener).await
            }
        }
    }

    /// The shared state with the broker protocols and webhook deliveries started on it, and the
    /// HTTP router.
    fn start(mut self) -> (Arc<App>, Router) {
        let (mqtt, amqp) = (self.mqtt.take(), self.amqp.take());
        let webhooks = self.webhooks.take();
        let app = self.app();
        if let Some(config) = mqtt {
            tokio::spawn(crate::mqtt::run(app.clone(), config));
        }
        if let Some(config) = amqp {
            tokio::spawn(crate::amqp::run(app.clone(), config));
        }
        let http = Server::with_webhooks(&app, webhooks);
        (app, http)
    }

    /// Serves the HTTP protocols on `http` and gRPC on `grpc` (bound listeners, so tests can use
    /// port 0), one implementation behind both.
    pub async fn serve_split(
        self,
        http: tokio::net::TcpListener,
        grpc: tokio::net::TcpListener,
    ) -> std::io::Result<()> {
        let (app, http_router) = self.start();
        let http = axum::serve(no_delay(http), http_router);
        let grpc = axum::serve(no_delay(grpc), crate::grpc::routes(&app));
        tokio::try_join!(async { http.await }, async { grpc.await }).map(drop)
    }
}

/// Sends small responses and stream frames at once: without `TCP_NODELAY`, Nagle's algorithm
/// holds a small write back until the previous one is acknowledged, which with delayed ACKs
/// stalls request/response traffic on a kept-alive connection by tens of milliseconds (tonic's
/// own server sets it for the same reason).
fn no_delay(
    listener: tokio::net::TcpListener,
) -> impl axum::serve::Listener<Io = tokio::net::TcpStream, Addr = SocketAddr> {
    use axum::serve::ListenerExt;
    listener.tap_io(|stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::trace!("cannot set TCP_NODELAY: {error}");
        }
    })
}
