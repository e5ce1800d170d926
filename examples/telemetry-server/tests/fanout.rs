//! One publish, every subscriber, for both telemetry events: a batch of readings ingested through
//! REST publishes `reading_reported` and, as the offline device comes online,
//! `device_status_changed`; each reaches an MQTT 5 subscriber of its topic (through a real
//! mosquitto), an AMQP queue bound to its routing key (through a real RabbitMQ), Server-Sent
//! Events, the WebSocket subprotocol, a GraphQL subscription and a signed webhook, with the same
//! payload everywhere.

use rumqttc::v5::mqttbytes::QoS;
use serde_json::json;
use telemetry_server::{Fleet, TelemetryServer, demo_authenticator};

#[path = "../../test_brokers.rs"]
mod test_brokers;

#[path = "../../fanout_subscribers.rs"]
mod fanout_subscribers;

use fanout_subscribers::{EventSpec, Subscribers, Target};
use test_brokers::{Mosquitto, Rabbit};

/// `#[mqtt(topic = "devices/{device_id}/readings", qos = 0)]`, the default routing key.
static READING_REPORTED: EventSpec = EventSpec {
    service: "Telemetry",
    name: "reading_reported",
    mqtt_filter: "devices/+/readings",
    amqp_binding: "acme.telemetry.v1.Telemetry.reading_reported",
    graphql_selection: "readingReported { deviceId reading { sequence observedAt } }",
};

/// `#[mqtt(topic = "devices/{device_id}/status", qos = 1, retain)]`,
/// `#[queue(routing_key = "telemetry.status.{status}")]`.
static DEVICE_STATUS_CHANGED: EventSpec = EventSpec {
    service: "Telemetry",
    name: "device_status_changed",
    mqtt_filter: "devices/+/status",
    amqp_binding: "telemetry.status.*",
    graphql_selection: "deviceStatusChanged { deviceId status reason changedAt }",
};

#[tokio::test]
async fn both_events_reach_mqtt_amqp_sse_websocket_graphql_and_webhook_subscribers() {
    let (mosquitto, rabbit) = std::thread::scope(|scope| {
        let rabbit = scope.spawn(Rabbit::start);
        (Mosquitto::start(), rabbit.join().unwrap())
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (fleet, events) = Fleet::with_demo_devices();
    let server = omniface::Server::new()
        .authenticator(demo_authenticator())
        .mqtt(omniface::MqttConfig::from_url(&mosquitto.url("telemetry")).unwrap())
        .amqp(omniface::AmqpConfig::from_url(&rabbit.url()).unwrap())
        .webhooks(omniface::WebhooksConfig::new().allow_private_addresses(true))
        .service(TelemetryServer::with_events(fleet, events));
    tokio::spawn(server.serve_on(listener));
    let target = Target {
        base: base.clone(),
        auth: ("x-api-key", "operator-key"),
        service_path: "telemetry",
        package: "acme.telemetry.v1",
        mqtt_port: mosquitto.port,
        amqp_port: rabbit.port,
    };
    let mut readings = Subscribers::subscribe(&target, &READING_REPORTED).await;
    let mut statuses = Subscribers::subscribe(&target, &DEVICE_STATUS_CHANGED).await;

    // meter-3 is offline in the demo fleet: one reading publishes it and brings the device online.
    let ingested = reqwest::Client::new()
        .post(format!("{base}/telemetry/ingest-batch"))
        .header("x-device-key", "device-key")
        .json(&json!({ "readings": [{ "deviceId": "meter-3", "reading": {
            "sequence": "7",
            "observedAt": "2026-11-28T18:00:00.500Z",
            "values": { "energy_kwh": 0.25 },
            "energyTotalKwh": "1234.50",
        } }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(ingested.status(), 200, "{}", ingested.text().await.unwrap());

    let reading = readings.receive().await;
    assert_eq!(reading.payload["deviceId"], "meter-3");
    assert_eq!(reading.payload["reading"]["sequence"], "7");
    assert_eq!(
        reading.payload["reading"]["energyTotalKwh"], "1234.50",
        "decimals stay exact"
    );
    assert_eq!(reading.mqtt_topic, "devices/meter-3/readings");
    assert_eq!(reading.mqtt_qos, QoS::AtMostOnce, "the IDL's QoS 0");
    assert_eq!(reading.amqp_routing_key, "acme.telemetry.v1.Telemetry.reading_reported");
    assert_eq!(reading.graphql["deviceId"], "meter-3");
    assert_eq!(
        reading.graphql["reading"]["sequence"],
        reading.payload["reading"]["sequence"]
    );
    assert_eq!(
        reading.graphql["reading"]["observedAt"],
        reading.payload["reading"]["observedAt"]
    );

    let status = statuses.receive().await;
    assert_eq!(status.payload["deviceId"], "meter-3");
    assert_eq!(status.payload["status"], "DEVICE_STATUS_ONLINE");
    assert_eq!(status.mqtt_topic, "devices/meter-3/status");
    assert_eq!(status.mqtt_qos, QoS::AtLeastOnce, "the IDL's QoS 1");
    assert_eq!(
        status.amqp_routing_key, "telemetry.status.DEVICE_STATUS_ONLINE",
        "the routing key filled from the event"
    );
    assert_eq!(status.graphql["deviceId"], "meter-3");
    assert_eq!(status.graphql["status"], "ONLINE", "GraphQL's enum value");
    assert_eq!(status.graphql["reason"], status.payload["reason"]);
    assert_eq!(status.graphql["changedAt"], status.payload["changedAt"]);
}
