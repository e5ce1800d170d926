//! Every kind of subscriber to one event of a running example server: an MQTT 5 client on the
//! event's topic (through a real mosquitto), an AMQP queue bound on the package's exchange
//! (through a real RabbitMQ), Server-Sent Events, the WebSocket subprotocol, a GraphQL
//! subscription over `graphql-transport-ws`, and a signed webhook to an axum receiver. Shared by
//! the pet store's and the telemetry example's `tests/fanout.rs` through `#[path]`, so that "one
//! publish reaches everyone with the same payload" is checked the same way for every event.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use lapin::options::{BasicConsumeOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::Packet;
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub const WAIT: Duration = Duration::from_secs(15);

/// The server under test and how to reach it.
pub struct Target {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The credential every subscriber sends, as a header: `("authorization", "Bearer …")`.
    pub auth: (&'static str, &'static str),
    /// The service's path segment (`pet-store`), under which SSE and webhooks are served.
    pub service_path: &'static str,
    /// The package, which names the AMQP exchange (`acme.pets.v1`).
    pub package: &'static str,
    pub mqtt_port: u16,
    pub amqp_port: u16,
}

/// One event, as each protocol names it.
pub struct EventSpec {
    /// The service's name (`PetStore`).
    pub service: &'static str,
    /// The event's IDL name (`pet_sold`).
    pub name: &'static str,
    /// An MQTT topic filter matching the event's topic template (`store/pets/+/sold`).
    pub mqtt_filter: &'static str,
    /// An AMQP binding key matching the event's routing key (`pets.sold`, `telemetry.status.*`).
    pub amqp_binding: &'static str,
    /// The GraphQL subscription's selection (`petSold { id soldAt }`).
    pub graphql_selection: &'static str,
}

/// What each subscriber received for the event.
#[derive(Debug)]
pub struct Received {
    /// The payload in the JSON mapping, the same over MQTT, AMQP, SSE, WebSocket and the webhook.
    pub payload: Value,
    pub mqtt_topic: String,
    pub mqtt_qos: QoS,
    pub amqp_routing_key: String,
    /// `data.<field>` of the GraphQL `next` message: GraphQL's own mapping (enum names without
    /// their prefix), so the tests compare the fields they selected.
    pub graphql: Value,
}

/// The six subscribers of one event, subscribed and ready.
pub struct Subscribers {
    event: &'static EventSpec,
    mqtt: tokio::sync::mpsc::UnboundedReceiver<Packet>,
    amqp: lapin::Consumer,
    /// Kept open for the consumer.
    _amqp_connection: Connection,
    sse: futures_util::stream::BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    ws: Socket,
    graphql: Socket,
    hooks: tokio::sync::mpsc::UnboundedReceiver<(axum::http::HeaderMap, axum::body::Bytes)>,
    verifier: omniface::webhooks::Verifier,
}

impl Subscribers {
    /// Subscribes on every protocol and returns once the subscriptions are in place. The server
    /// must allow webhooks to private addresses (the receiver is on 127.0.0.1).
    pub async fn subscribe(target: &Target, event: &'static EventSpec) -> Subscribers {
        let (auth_name, auth_value) = target.auth;
        let http = reqwest::Client::new();

        // MQTT 5: confirmed by the SUBACK.
        let options = MqttOptions::new(format!("fan-out-{}", event.name), "127.0.0.1", target.mqtt_port);
        let (mqtt, mut mqtt_events) = AsyncClient::new(options, 64);
        mqtt.subscribe(event.mqtt_filter, QoS::AtLeastOnce).await.unwrap();
        let (mqtt_sender, mut mqtt_received) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let _client = mqtt; // dropping it would end the event loop
            while let Ok(event) = mqtt_events.poll().await {
                if let Event::Incoming(packet @ (Packet::Publish(_) | Packet::SubAck(_))) = event
                    && mqtt_sender.send(packet).is_err()
                {
                    return;
                }
            }
        });
        let subscribed = tokio::time::timeout(WAIT, mqtt_received.recv()).await.unwrap().unwrap();
        assert!(matches!(subscribed, Packet::SubAck(_)), "{subscribed:?}");

        // AMQP: a queue of the test's own bound on the package's exchange, which the server
        // declares too; declaring it here first avoids waiting for the server.
        let amqp_connection = Connection::connect(
            &format!("amqp://guest:guest@127.0.0.1:{}", target.amqp_port),
            ConnectionProperties::default(),
        )
        .await
        .unwrap();
        let channel = amqp_connection.create_channel().await.unwrap();
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        channel
            .exchange_declare(
                target.package.into(),
                ExchangeKind::Topic,
                durable,
                FieldTable::default(),
            )
            .await
            .unwrap();
        let exclusive = QueueDeclareOptions {
            exclusive: true,
            ..QueueDeclareOptions::default()
        };
        let queue = channel
            .queue_declare("".into(), exclusive, FieldTable::default())
            .await
            .unwrap();
        channel
            .queue_bind(
                queue.name().clone(),
                target.package.into(),
                event.amqp_binding.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        let no_ack = BasicConsumeOptions {
            no_ack: true,
            ..BasicConsumeOptions::default()
        };
        let amqp = channel
            .basic_consume(queue.name().clone(), "".into(), no_ack, FieldTable::default())
            .await
            .unwrap();

        // A webhook receiver on 127.0.0.1, subscribed to this event only.
        let (hooks, hooks_received) = tokio::sync::mpsc::unbounded_channel();
        let receiver = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
                    let _ = hooks.send((headers, body));
                    axum::http::StatusCode::NO_CONTENT
                },
            ),
        );
        let receiver_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hook_url = format!("http://{}/hook", receiver_listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(receiver_listener, receiver).await });
        let subscription = http
            .post(format!("{}/{}/webhooks", target.base, target.service_path))
            .header(auth_name, auth_value)
            .json(&json!({ "url": hook_url, "events": [event.name] }))
            .send()
            .await
            .unwrap();
        assert_eq!(subscription.status(), 201);
        let subscription: Value = subscription.json().await.unwrap();
        let verifier = omniface::webhooks::Verifier::new(subscription["secret"].as_str().unwrap()).unwrap();

        // Server-Sent Events: the stream is open once the answer's head arrived.
        let sse = http
            .get(format!(
                "{}/{}/events/{}",
                target.base,
                target.service_path,
                event.name.replace('_', "-")
            ))
            .header(auth_name, auth_value)
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(sse.status(), 200);

        // The WebSocket subprotocol and a GraphQL subscription.
        let ws_base = target.base.replacen("http", "ws", 1);
        let mut ws = web_socket(format!("{ws_base}/ws"), "omniface.jsonrpc.v1", target.auth).await;
        let method = format!("{}.{}", event.service, event.name);
        send(&mut ws, json!({ "jsonrpc": "2.0", "id": "sub", "method": method })).await;
        let mut graphql = web_socket(format!("{ws_base}/graphql/ws"), "graphql-transport-ws", target.auth).await;
        send(
            &mut graphql,
            json!({ "type": "connection_init", "payload": { (auth_name): auth_value } }),
        )
        .await;
        assert_eq!(receive(&mut graphql).await["type"], "connection_ack");
        let query = format!("subscription {{ {} }}", event.graphql_selection);
        send(
            &mut graphql,
            json!({ "id": "g", "type": "subscribe", "payload": { "query": query } }),
        )
        .await;
        // The WebSocket and GraphQL subscriptions have no acknowledgement to wait for; the
        // brokers' were confirmed above.
        tokio::time::sleep(Duration::from_millis(300)).await;

        Subscribers {
            event,
            mqtt: mqtt_received,
            amqp,
            _amqp_connection: amqp_connection,
            sse: sse.bytes_stream().boxed(),
            ws,
            graphql,
            hooks: hooks_received,
            verifier,
        }
    }

    /// Waits for the next occurrence of the event on every subscriber and checks that MQTT,
    /// AMQP, SSE, the WebSocket and the (verified) webhook carry the same payload.
    pub async fn receive(&mut self) -> Received {
        let publish = loop {
            match tokio::time::timeout(WAIT, self.mqtt.recv()).await.unwrap().unwrap() {
                Packet::Publish(publish) => break publish,
                _ => continue,
            }
        };
        let payload: Value = serde_json::from_slice(&publish.payload).unwrap();

        let delivery = tokio::time::timeout(WAIT, self.amqp.next())
            .await
            .expect("the AMQP message in time")
            .unwrap()
            .unwrap();
        let over_amqp: Value = serde_json::from_slice(&delivery.data).unwrap();
        assert_eq!(over_amqp, payload, "the same payload on both brokers");

        let notification = receive(&mut self.ws).await;
        assert_eq!(notification["params"]["item"], payload, "and on the WebSocket");

        let mut text = String::new();
        while !text.contains("\n\n") {
            let chunk = tokio::time::timeout(WAIT, self.sse.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        let data = text
            .lines()
            .find_map(|line| line.strip_prefix("data:"))
            .expect("an SSE data line");
        assert_eq!(
            serde_json::from_str::<Value>(data.trim()).unwrap(),
            payload,
            "and over SSE"
        );

        let (headers, body) = tokio::time::timeout(WAIT, self.hooks.recv()).await.unwrap().unwrap();
        assert_eq!(
            self.verifier.verify(&headers, &body),
            Ok(()),
            "signed with the subscription's secret"
        );
        let delivered: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(delivered["type"], format!("{}.{}", self.event.service, self.event.name));
        assert_eq!(delivered["data"], payload, "and in the webhook's envelope");

        let next = loop {
            let message = receive(&mut self.graphql).await;
            if message["type"] == "next" {
                break message;
            }
            assert_ne!(message["type"], "error", "{message}");
        };
        let field = self.event.graphql_selection.split([' ', '{']).next().unwrap();
        Received {
            mqtt_topic: String::from_utf8(publish.topic.to_vec()).unwrap(),
            mqtt_qos: publish.qos,
            amqp_routing_key: delivery.routing_key.to_string(),
            graphql: next["payload"]["data"][field].clone(),
            payload,
        }
    }
}

async fn web_socket(url: String, protocol: &str, (auth_name, auth_value): (&'static str, &str)) -> Socket {
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", protocol.parse().unwrap());
    request.headers_mut().insert(auth_name, auth_value.parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::text(message.to_string())).await.unwrap();
}

async fn receive(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a message in time")
            .expect("the socket stays open")
            .unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}
