//! The telemetry service over MQTT 5, through a real mosquitto that each test starts on a free
//! port (`cargo xtask test` installs the Debian package): every unary method answers requests
//! with their correlation data, errors carry their name as a user property, events reach MQTT
//! subscribers on their topics with the IDL's QoS and retain flag, two instances split one
//! shared subscription, and a broker restart neither stops the server nor loses a QoS 1 event.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::PublishProperties;
use serde_json::{Value, json};
use telemetry_server::{Fleet, TelemetryServer, demo_authenticator};

#[path = "../../test_brokers.rs"]
mod test_brokers;

#[path = "../../mqtt_peer.rs"]
mod mqtt_peer;

use mqtt_peer::{Peer, reply_parts, topic_of, uuid_like};

use test_brokers::Mosquitto as Broker;

/// Starts a telemetry server connected to `broker`; `calls` counts the calls it authenticates.
async fn start_server(broker: &Broker, client_id: &str, calls: Arc<AtomicUsize>) -> String {
    start_server_with(omniface::MqttConfig::from_url(&broker.url(client_id)).unwrap(), calls).await
}

async fn start_server_with(mqtt: omniface::MqttConfig, calls: Arc<AtomicUsize>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (fleet, events) = Fleet::with_demo_devices();
    let inner = demo_authenticator();
    let counting = omniface::authenticator_fn(move |credential| {
        calls.fetch_add(1, Ordering::SeqCst);
        futures_util::FutureExt::now_or_never(inner.authenticate(credential)).flatten()
    });
    let server = omniface::Server::new()
        .mqtt(mqtt)
        .authenticator(counting)
        .service(TelemetryServer::with_events(fleet, events));
    tokio::spawn(server.serve_on(listener));
    format!("http://{address}")
}

const GET_DEVICE: &str = "acme/telemetry/v1/Telemetry/get_device/req";
const OPERATOR: &[(&str, &str)] = &[("X-API-Key", "operator-key")];

fn reading(device: &str, sequence: u64) -> Value {
    json!({
        "deviceId": device,
        "reading": {
            "sequence": sequence.to_string(),
            "observedAt": "2026-11-27T17:16:53.250Z",
            "values": { "temperature_c": 21.5 },
        },
    })
}

#[tokio::test]
async fn every_unary_method_answers_mqtt_requests() {
    let broker = Broker::start();
    start_server(&broker, "server-a", Arc::default()).await;
    let mut peer = Peer::connect(broker.port, "operator").await;
    peer.wait_for_server(GET_DEVICE, json!({"deviceId": "thermo-1"}), OPERATOR)
        .await;

    let (device, error) = peer.call(GET_DEVICE, json!({"deviceId": "thermo-1"}), OPERATOR).await;
    assert_eq!((device["id"].as_str(), error), (Some("thermo-1"), None));

    let (page, _) = peer
        .call(
            "acme/telemetry/v1/Telemetry/list_devices/req",
            json!({"status": "DEVICE_STATUS_ONLINE", "pageSize": 10}),
            OPERATOR,
        )
        .await;
    let ids: Vec<&str> = page["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(ids, ["air-2", "thermo-1"]);

    // The device comes from the topic's placeholder; the payload holds the other parameters.
    let (ack, error) = peer
        .call("devices/thermo-1/commands/reboot", json!({"delay": "30s"}), OPERATOR)
        .await;
    assert_eq!(error, None);
    assert!(ack["commandId"].is_string() && ack["scheduledFor"].is_string(), "{ack}");

    let (_, error) = peer
        .call(
            "devices/air-2/commands/set_sampling_rate",
            json!({"samplesPerMinute": 12}),
            OPERATOR,
        )
        .await;
    assert_eq!(error, None);

    let (result, error) = peer
        .call(
            "acme/telemetry/v1/Telemetry/ingest_batch/req",
            json!({"batch": {"readings": [reading("thermo-1", 1), reading("thermo-1", 1)]}}),
            &[("X-Device-Key", "device-key")],
        )
        .await;
    assert_eq!((result, error), (json!({"accepted": 1, "duplicates": 1}), None));
}

#[tokio::test]
async fn failures_are_replies_with_the_error_named_and_the_server_keeps_serving() {
    let broker = Broker::start();
    start_server(&broker, "server-a", Arc::default()).await;
    let mut peer = Peer::connect(broker.port, "operator").await;
    peer.wait_for_server(GET_DEVICE, json!({"deviceId": "thermo-1"}), OPERATOR)
        .await;

    // A declared error: its fields, as the AsyncAPI document's error message says.
    let (payload, error) = peer.call("devices/nope/commands/reboot", json!({}), OPERATOR).await;
    assert_eq!(
        (payload, error.as_deref()),
        (json!({"deviceId": "nope"}), Some("DeviceNotFound"))
    );
    let (payload, error) = peer.call("devices/meter-3/commands/reboot", json!({}), OPERATOR).await;
    assert_eq!(error.as_deref(), Some("DeviceOffline"));
    assert_eq!(payload["deviceId"], "meter-3");

    // The same authentication as on HTTP: the user properties are the headers.
    let (problem, error) = peer.call(GET_DEVICE, json!({"deviceId": "thermo-1"}), &[]).await;
    assert_eq!(
        (problem["status"].as_u64(), error.as_deref()),
        (Some(401), Some("UNAUTHENTICATED"))
    );
    let (_, error) = peer
        .call(GET_DEVICE, json!({"deviceId": "thermo-1"}), &[("X-API-Key", "wrong")])
        .await;
    assert_eq!(error.as_deref(), Some("UNAUTHENTICATED"));

    // The same validation: every violation, named by its field.
    let (problem, error) = peer
        .call(
            "acme/telemetry/v1/Telemetry/list_devices/req",
            json!({"pageSize": 0, "labels": vec!["a"; 11]}),
            OPERATOR,
        )
        .await;
    assert_eq!(error.as_deref(), Some("INVALID_ARGUMENT"));
    let fields: Vec<&str> = problem["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["field"].as_str())
        .collect();
    assert_eq!(fields, ["labels", "pageSize"]);

    // Malformed payloads, and a topic that contradicts the payload.
    for payload in [&b"{not json"[..], b"[1, 2]", b"\xff\xfe"] {
        let correlation = uuid_like();
        let properties = PublishProperties {
            response_topic: Some(peer.replies.clone()),
            correlation_data: Some(Bytes::from(correlation.clone())),
            user_properties: vec![("X-API-Key".into(), "operator-key".into())],
            ..PublishProperties::default()
        };
        peer.client
            .publish_with_properties(GET_DEVICE, QoS::AtLeastOnce, false, payload.to_vec(), properties)
            .await
            .unwrap();
        let reply = peer.next_publish().await;
        let (problem, error) = reply_parts(&reply, &correlation);
        assert_eq!(
            (problem["status"].as_u64(), error.as_deref()),
            (Some(400), Some("INVALID_ARGUMENT"))
        );
    }
    let (problem, error) = peer
        .call(
            "devices/thermo-1/commands/reboot",
            json!({"deviceId": "air-2"}),
            OPERATOR,
        )
        .await;
    assert_eq!(error.as_deref(), Some("INVALID_ARGUMENT"), "{problem}");

    let (device, error) = peer.call(GET_DEVICE, json!({"deviceId": "air-2"}), OPERATOR).await;
    assert_eq!((device["id"].as_str(), error), (Some("air-2"), None), "still serving");
}

#[tokio::test]
async fn events_reach_mqtt_subscribers_on_their_topics() {
    let broker = Broker::start();
    let base = start_server(&broker, "server-a", Arc::default()).await;
    let mut operator = Peer::connect(broker.port, "operator").await;
    operator
        .wait_for_server(GET_DEVICE, json!({"deviceId": "thermo-1"}), OPERATOR)
        .await;
    let mut dashboard = Peer::connect(broker.port, "dashboard").await;
    dashboard.subscribe("devices/+/readings", QoS::AtLeastOnce).await;

    // Published over REST, received over MQTT: one publish reaches every protocol.
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{base}/telemetry/ingest-batch"))
        .header("x-device-key", "device-key")
        .json(&json!({"readings": [reading("air-2", 7)]}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.text().await.unwrap());
    let event = dashboard.next_publish().await;
    assert_eq!(topic_of(&event), "devices/air-2/readings");
    assert_eq!(event.qos, QoS::AtMostOnce, "the IDL says qos = 0");
    let properties = event.properties.clone().unwrap();
    assert_eq!(
        (properties.content_type.as_deref(), properties.payload_format_indicator),
        (Some("application/json"), Some(1))
    );
    let payload: Value = serde_json::from_slice(&event.payload).unwrap();
    assert_eq!(payload["reading"]["sequence"], "7");

    // A status change is retained: a subscriber that comes later still gets the last one.
    let (_, error) = operator
        .call("devices/thermo-1/commands/reboot", json!({}), OPERATOR)
        .await;
    assert_eq!(error, None);
    let mut late = Peer::connect(broker.port, "late").await;
    late.subscribe("devices/thermo-1/status", QoS::AtLeastOnce).await;
    let status = late.next_publish().await;
    assert!(status.retain, "sent as the retained message of the topic");
    assert_eq!(status.qos, QoS::AtLeastOnce);
    let payload: Value = serde_json::from_slice(&status.payload).unwrap();
    assert_eq!(payload["status"], "DEVICE_STATUS_UPDATING");
}

#[tokio::test]
async fn two_instances_split_the_requests_of_one_shared_subscription() {
    let broker = Broker::start();
    let (calls_a, calls_b) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    start_server(&broker, "server-a", calls_a.clone()).await;
    start_server(&broker, "server-b", calls_b.clone()).await;
    let mut peer = Peer::connect(broker.port, "operator").await;
    peer.wait_for_server(GET_DEVICE, json!({"deviceId": "thermo-1"}), OPERATOR)
        .await;
    // Both must have subscribed before the count starts.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = calls_a.load(Ordering::SeqCst) + calls_b.load(Ordering::SeqCst);
    let (counted_a, counted_b) = (calls_a.load(Ordering::SeqCst), calls_b.load(Ordering::SeqCst));

    let requests = 40;
    for n in 0..requests {
        peer.send(
            GET_DEVICE,
            json!({"deviceId": "thermo-1"}),
            &format!("split-{n}"),
            OPERATOR,
        )
        .await;
    }
    let mut answered = std::collections::BTreeSet::new();
    for _ in 0..requests {
        let reply = peer.next_publish().await;
        let correlation = reply.properties.clone().unwrap().correlation_data.unwrap();
        assert!(answered.insert(correlation), "a request answered twice");
    }
    let after = calls_a.load(Ordering::SeqCst) + calls_b.load(Ordering::SeqCst);
    assert_eq!(after - before, requests, "each request handled once, by one instance");
    let (share_a, share_b) = (
        calls_a.load(Ordering::SeqCst) - counted_a,
        calls_b.load(Ordering::SeqCst) - counted_b,
    );
    assert!(
        share_a > 0 && share_b > 0,
        "both instances took requests: {share_a} and {share_b}"
    );
}

#[tokio::test]
async fn the_server_reconnects_and_subscribes_again_after_the_broker_restarts() {
    let mut broker = Broker::start();
    start_server(&broker, "server-a", Arc::default()).await;
    let mut peer = Peer::connect(broker.port, "operator").await;
    peer.wait_for_server(GET_DEVICE, json!({"deviceId": "thermo-1"}), OPERATOR)
        .await;

    broker.restart();
    // The server's session started clean: only subscribing again brings its requests back.
    let mut peer = Peer::connect(broker.port, "operator-again").await;
    peer.wait_for_server(GET_DEVICE, json!({"deviceId": "thermo-1"}), OPERATOR)
        .await;
    let (device, error) = peer.call(GET_DEVICE, json!({"deviceId": "thermo-1"}), OPERATOR).await;
    assert_eq!((device["id"].as_str(), error), (Some("thermo-1"), None));

    // And events flow again.
    let mut watcher = Peer::connect(broker.port, "watcher").await;
    watcher.subscribe("devices/+/readings", QoS::AtMostOnce).await;
    let batch = json!({"batch": {"readings": [reading("air-2", 700)]}});
    let (result, error) = peer
        .call(
            "acme/telemetry/v1/Telemetry/ingest_batch/req",
            batch,
            &[("X-Device-Key", "device-key")],
        )
        .await;
    assert_eq!((result["accepted"].as_u64(), error), (Some(1), None));
    let published = watcher.next_publish().await;
    assert_eq!(topic_of(&published), "devices/air-2/readings");
}

#[tokio::test]
async fn a_qos_1_event_unacknowledged_when_the_broker_dies_is_published_after_the_reconnect() {
    let mut broker = Broker::start();
    let base = start_server(&broker, "server-a", Arc::default()).await;
    let mut peer = Peer::connect(broker.port, "operator").await;
    peer.wait_for_server(GET_DEVICE, json!({"deviceId": "thermo-1"}), OPERATOR)
        .await;

    // The broker hangs: what the server publishes now is written but never acknowledged.
    broker.freeze();
    // meter-3 is offline in the demo fleet: a reading brings it online, which publishes its
    // status at QoS 1, retained.
    let ingested = reqwest::Client::new()
        .post(format!("{base}/telemetry/ingest-batch"))
        .header("x-device-key", "device-key")
        .json(&json!({"readings": [reading("meter-3", 1)]}))
        .send()
        .await
        .unwrap();
    assert_eq!(ingested.status(), 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Then it dies and a new one starts, with nothing retained: only the server publishing the
    // unacknowledged event again puts the status there.
    broker.restart();
    let mut watcher = Peer::connect(broker.port, "watcher").await;
    watcher.subscribe("devices/meter-3/status", QoS::AtLeastOnce).await;
    let status = watcher.next_publish().await;
    assert_eq!(topic_of(&status), "devices/meter-3/status");
    let status: Value = serde_json::from_slice(&status.payload).unwrap();
    assert_eq!(status["status"], "DEVICE_STATUS_ONLINE");
}

#[tokio::test]
async fn instances_sharing_a_job_log_do_a_request_the_broker_gives_the_other_only_once() {
    let broker = Broker::start();
    let path = std::env::temp_dir().join(format!("telemetry-mqtt-job-log-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let calls = Arc::new(AtomicUsize::new(0));
    for client_id in ["server-a", "server-b"] {
        // Two instances, as two processes would be: each opens the same SQLite file.
        let log = omniface::job_log::SqliteJobLog::open(&path).unwrap();
        let config = omniface::MqttConfig::from_url(&broker.url(client_id))
            .unwrap()
            .job_log(Arc::new(log));
        start_server_with(config, calls.clone()).await;
    }
    let mut peer = Peer::connect(broker.port, "gateway").await;
    peer.wait_for_server(GET_DEVICE, json!({"deviceId": "thermo-1"}), OPERATOR)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await; // both subscribed
    let mut watcher = Peer::connect(broker.port, "watcher").await;
    watcher.subscribe("devices/+/readings", QoS::AtLeastOnce).await;
    // Each request comes twice with one `message-id`, the second after the first was answered,
    // as a request would that the broker gave another instance after the first died before
    // acknowledging it. Mosquitto hands a shared subscription's messages out in turn, so the
    // copies reach both instances, whose fleets would each take the reading as new.
    const REQUESTS: u64 = 10;
    for sequence in 0..REQUESTS {
        let request = json!({"batch": {"readings": [reading("thermo-1", 100 + sequence)]}});
        let id = format!("reading-{sequence}");
        let headers = [("X-Device-Key", "device-key"), ("message-id", id.as_str())];
        let first = peer
            .call(
                "acme/telemetry/v1/Telemetry/ingest_batch/req",
                request.clone(),
                &headers,
            )
            .await;
        let second = peer
            .call("acme/telemetry/v1/Telemetry/ingest_batch/req", request, &headers)
            .await;
        assert_eq!(first, (json!({"accepted": 1, "duplicates": 0}), None));
        assert_eq!(first, second, "the copy is answered with the first outcome");
    }
    let mut published = 0;
    while let Ok(Some(rumqttc::v5::mqttbytes::v5::Packet::Publish(_))) =
        tokio::time::timeout(Duration::from_millis(500), watcher.next_packet_or_none()).await
    {
        published += 1;
    }
    assert_eq!(
        published, REQUESTS,
        "every reading is published once, not once per instance"
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
