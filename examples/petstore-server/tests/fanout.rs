//! One publish, every subscriber: a pet sold through REST reaches an MQTT 5 subscriber of its
//! topic (through a real mosquitto), an AMQP queue bound to its routing key (through a real
//! RabbitMQ), Server-Sent Events, the WebSocket subprotocol, a GraphQL subscription and a signed
//! webhook delivery to an axum receiver, with the same payload everywhere.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use lapin::options::{BasicConsumeOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use petstore_server::{PetStoreServer, Store, demo_authenticator};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::Packet;
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[path = "../../test_brokers.rs"]
mod test_brokers;

use test_brokers::{Mosquitto, Rabbit};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const USER: &str = "Bearer user-token";
const WAIT: Duration = Duration::from_secs(15);

async fn web_socket(url: String, protocol: &str) -> Socket {
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", protocol.parse().unwrap());
    request.headers_mut().insert("authorization", USER.parse().unwrap());
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

#[tokio::test]
async fn a_sale_reaches_mqtt_amqp_sse_websocket_graphql_and_webhook_subscribers() {
    let (mosquitto, rabbit) = std::thread::scope(|scope| {
        let rabbit = scope.spawn(Rabbit::start);
        (Mosquitto::start(), rabbit.join().unwrap())
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (store, events) = Store::new();
    let server = omniface::Server::new()
        .authenticator(demo_authenticator())
        .mqtt(omniface::MqttConfig::from_url(&mosquitto.url("petstore")).unwrap())
        .amqp(omniface::AmqpConfig::from_url(&rabbit.url()).unwrap())
        .webhooks(omniface::WebhooksConfig::new().allow_private_addresses(true))
        .service(PetStoreServer::with_events(store, events));
    tokio::spawn(server.serve_on(listener));

    // MQTT 5: the event's topic template, with a wildcard for the id.
    let (mqtt, mut mqtt_events) = AsyncClient::new(MqttOptions::new("fan-out", "127.0.0.1", mosquitto.port), 64);
    mqtt.subscribe("store/pets/+/sold", QoS::AtLeastOnce).await.unwrap();
    let (mqtt_sender, mut mqtt_received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(event) = mqtt_events.poll().await {
            if let Event::Incoming(packet @ (Packet::Publish(_) | Packet::SubAck(_))) = event
                && mqtt_sender.send(packet).is_err()
            {
                return;
            }
        }
    });
    let subscribed = tokio::time::timeout(WAIT, mqtt_received.recv()).await.unwrap().unwrap();
    assert!(matches!(subscribed, Packet::SubAck(_)));

    // AMQP: a queue of the test's own bound to the routing key on the package's exchange, which
    // the server declares too; declaring it here first avoids waiting for the server.
    let amqp = Connection::connect(
        &format!("amqp://guest:guest@127.0.0.1:{}", rabbit.port),
        ConnectionProperties::default(),
    )
    .await
    .unwrap();
    let channel = amqp.create_channel().await.unwrap();
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    channel
        .exchange_declare(
            "acme.pets.v1".into(),
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
            "acme.pets.v1".into(),
            "pets.sold".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let no_ack = BasicConsumeOptions {
        no_ack: true,
        ..BasicConsumeOptions::default()
    };
    let mut amqp_received = channel
        .basic_consume(queue.name().clone(), "".into(), no_ack, FieldTable::default())
        .await
        .unwrap();

    // A webhook receiver on 127.0.0.1, subscribed to the event.
    let (hooks, mut hook_received) = tokio::sync::mpsc::unbounded_channel();
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
    let http = reqwest::Client::new();
    let subscription: Value = http
        .post(format!("{base}/pet-store/webhooks"))
        .header("authorization", USER)
        .json(&json!({ "url": hook_url, "events": ["pet_sold"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let verifier = omniface::webhooks::Verifier::new(subscription["secret"].as_str().unwrap()).unwrap();

    // Server-Sent Events, the WebSocket subprotocol and a GraphQL subscription.
    let sse = http
        .get(format!("{base}/pet-store/events/pet-sold"))
        .header("authorization", USER)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    let mut sse_body = sse.bytes_stream();
    let ws_base = base.replacen("http", "ws", 1);
    let mut ws = web_socket(format!("{ws_base}/ws"), "omniface.jsonrpc.v1").await;
    send(
        &mut ws,
        json!({ "jsonrpc": "2.0", "id": "sold", "method": "PetStore.pet_sold" }),
    )
    .await;
    let mut graphql = web_socket(format!("{ws_base}/graphql/ws"), "graphql-transport-ws").await;
    send(
        &mut graphql,
        json!({ "type": "connection_init", "payload": { "authorization": USER } }),
    )
    .await;
    assert_eq!(receive(&mut graphql).await["type"], "connection_ack");
    send(
        &mut graphql,
        json!({ "id": "g", "type": "subscribe", "payload": { "query": "subscription { petSold { id price { currencyCode units } soldAt } }" } }),
    )
    .await;
    // The subscriptions are made; the brokers' subscriptions were confirmed above, and the
    // server publishes to them from its start, connected or not yet.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // One sale.
    let pet = json!({
        "name": "Rex", "species": "SPECIES_DOG", "tags": [],
        "price": { "currencyCode": "EUR", "units": "120" },
    });
    let created = http
        .post(format!("{base}/pets"))
        .header("authorization", USER)
        .header("idempotency-key", "6b0c3c1e-5d1c-4c8e-9a43-1f1d2c3b4a59")
        .json(&pet)
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{}", created.text().await.unwrap());
    let mut sold = pet.clone();
    sold["status"] = json!("PET_STATUS_SOLD");
    let updated = http
        .put(format!("{base}/pets/1"))
        .header("authorization", USER)
        .json(&sold)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);

    // The same event everywhere.
    let expected_price = json!({ "currencyCode": "EUR", "units": "120", "nanos": 0 });
    let publish = loop {
        match tokio::time::timeout(WAIT, mqtt_received.recv()).await.unwrap().unwrap() {
            Packet::Publish(publish) => break publish,
            _ => continue,
        }
    };
    assert_eq!(publish.topic.as_ref(), b"store/pets/1/sold");
    assert_eq!(publish.qos, QoS::AtLeastOnce, "the IDL's QoS 1");
    let over_mqtt: Value = serde_json::from_slice(&publish.payload).unwrap();
    assert_eq!((&over_mqtt["id"], &over_mqtt["price"]), (&json!("1"), &expected_price));

    let delivery = tokio::time::timeout(WAIT, amqp_received.next())
        .await
        .expect("the AMQP message in time")
        .unwrap()
        .unwrap();
    assert_eq!(delivery.routing_key.as_str(), "pets.sold");
    let over_amqp: Value = serde_json::from_slice(&delivery.data).unwrap();
    assert_eq!(over_amqp, over_mqtt, "the same payload on both brokers");

    let notification = receive(&mut ws).await;
    assert_eq!(notification["params"]["item"], over_mqtt, "and on the WebSocket");

    let next = loop {
        let message = receive(&mut graphql).await;
        if message["type"] == "next" {
            break message;
        }
    };
    let over_graphql = &next["payload"]["data"]["petSold"];
    assert_eq!(over_graphql["id"], "1");
    assert_eq!(over_graphql["price"]["units"], "120");
    assert_eq!(over_graphql["soldAt"], over_mqtt["soldAt"]);

    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(WAIT, sse_body.next())
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
        over_mqtt,
        "and over SSE"
    );

    let (headers, body) = tokio::time::timeout(WAIT, hook_received.recv()).await.unwrap().unwrap();
    assert_eq!(
        verifier.verify(&headers, &body),
        Ok(()),
        "signed with the subscription's secret"
    );
    let delivered: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(delivered["type"], "PetStore.pet_sold");
    assert_eq!(delivered["data"], over_mqtt, "and in the webhook's envelope");
}
