//! One publish, every subscriber: a pet sold through REST reaches an MQTT 5 subscriber of its
//! topic (through a real mosquitto), an AMQP queue bound to its routing key (through a real
//! RabbitMQ), Server-Sent Events, the WebSocket subprotocol, a GraphQL subscription and a signed
//! webhook delivery to an axum receiver, with the same payload everywhere.

use petstore_server::{PetStoreServer, Store, demo_authenticator};
use rumqttc::v5::mqttbytes::QoS;
use serde_json::json;

#[path = "../../test_brokers.rs"]
mod test_brokers;

#[path = "../../fanout_subscribers.rs"]
mod fanout_subscribers;

use fanout_subscribers::{EventSpec, Subscribers, Target};
use test_brokers::{Mosquitto, Rabbit};

const USER: &str = "Bearer user-token";

/// `pet_sold`: `#[mqtt(topic = "store/pets/{id}/sold", qos = 1)]`, `#[queue(routing_key = "pets.sold")]`.
static PET_SOLD: EventSpec = EventSpec {
    service: "PetStore",
    name: "pet_sold",
    mqtt_filter: "store/pets/+/sold",
    amqp_binding: "pets.sold",
    graphql_selection: "petSold { id price { currencyCode units } soldAt }",
};

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
    let target = Target {
        base: base.clone(),
        auth: ("authorization", USER),
        service_path: "pet-store",
        package: "acme.pets.v1",
        mqtt_port: mosquitto.port,
        amqp_port: rabbit.port,
    };
    let mut subscribers = Subscribers::subscribe(&target, &PET_SOLD).await;

    // One sale.
    let http = reqwest::Client::new();
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

    // The same event everywhere (the helper compares MQTT, AMQP, SSE, WebSocket and webhook).
    let received = subscribers.receive().await;
    assert_eq!(received.payload["id"], "1");
    assert_eq!(
        received.payload["price"],
        json!({ "currencyCode": "EUR", "units": "120", "nanos": 0 })
    );
    assert_eq!(received.mqtt_topic, "store/pets/1/sold");
    assert_eq!(received.mqtt_qos, QoS::AtLeastOnce, "the IDL's QoS 1");
    assert_eq!(received.amqp_routing_key, "pets.sold");
    assert_eq!(received.graphql["id"], "1");
    assert_eq!(received.graphql["price"]["units"], "120");
    assert_eq!(received.graphql["soldAt"], received.payload["soldAt"]);
}
