//! The telemetry service on an ephemeral port: API-key auth per method, maps and decimals in the
//! JSON mapping, deduplicated ingestion, declared errors with their statuses, and events reaching
//! long-polling and SSE subscribers.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use telemetry_server::{Fleet, TelemetryServer, demo_authenticator};

async fn start() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (fleet, events) = Fleet::with_demo_devices();
    let server = omniface::Server::new()
        .authenticator(demo_authenticator())
        .service(TelemetryServer::with_events(fleet, events));
    tokio::spawn(server.serve_on(listener));
    format!("http://{address}")
}

fn reading(sequence: u64) -> Value {
    json!({
        "sequence": sequence.to_string(),
        "observedAt": "2026-11-27T17:16:53.250Z",
        "values": { "temperature_c": 21.5 },
        "energyTotalKwh": "1234.50",
        "battery": 0.8,
    })
}

#[tokio::test]
async fn operators_and_devices_use_their_own_keys() {
    let base = start().await;
    let http = reqwest::Client::new();
    let denied = http.get(format!("{base}/devices/thermo-1")).send().await.unwrap();
    assert_eq!(denied.status(), 401);
    let device: Value = http
        .get(format!("{base}/devices/thermo-1"))
        .header("x-api-key", "operator-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(device["kind"], "DEVICE_KIND_THERMOSTAT");
    assert_eq!(device["labels"]["site"], "berlin");
    assert_eq!(device["samplesPerMinute"], 6, "defaults are written");

    let page: Value = http
        .get(format!(
            "{base}/devices?label=site%3Dberlin&page_size=2&status=DEVICE_STATUS_ONLINE"
        ))
        .header("x-api-key", "operator-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["devices"].as_array().unwrap().len(), 2);
    assert!(page.get("nextPageToken").is_none());

    let offline = http
        .post(format!("{base}/devices/meter-3/reboot"))
        .header("x-api-key", "operator-key")
        .json(&json!({ "delay": "1.5s" }))
        .send()
        .await
        .unwrap();
    assert_eq!(offline.status(), 503);
    let problem: Value = offline.json().await.unwrap();
    assert_eq!(problem["type"], "urn:omniface:error:acme.telemetry.v1.DeviceOffline");

    let rate: Value = http
        .post(format!("{base}/rpc"))
        .header("x-api-key", "operator-key")
        .json(&json!({ "jsonrpc": "2.0", "id": 1, "method": "Telemetry.set_sampling_rate", "params": { "deviceId": "thermo-1", "samplesPerMinute": 601 } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rate["error"]["data"]["violations"][0]["field"], "samplesPerMinute");
}

#[tokio::test]
async fn readings_are_deduplicated_and_published_once() {
    let base = start().await;
    let http = reqwest::Client::new();
    let sse = http
        .get(format!("{base}/telemetry/events/reading-reported"))
        .header("x-api-key", "operator-key")
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(sse.status(), 200);
    let mut sse = sse.bytes_stream();
    let batch = json!({ "readings": [
        { "deviceId": "meter-3", "reading": reading(1) },
        { "deviceId": "meter-3", "reading": reading(1) },
        { "deviceId": "meter-3", "reading": reading(2) },
    ]});
    let operator_key = http
        .post(format!("{base}/telemetry/ingest-batch"))
        .header("x-api-key", "operator-key")
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(
        operator_key.status(),
        401,
        "ingestion takes the device key, not the operator key"
    );
    let result: Value = http
        .post(format!("{base}/telemetry/ingest-batch"))
        .header("x-device-key", "device-key")
        .json(&batch)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(result, json!({ "accepted": 2, "duplicates": 1 }));

    let mut text = String::new();
    while text.matches("\n\n").count() < 2 {
        let chunk = tokio::time::timeout(Duration::from_secs(10), sse.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        text.contains("\"energyTotalKwh\":\"1234.50\""),
        "decimals stay exact: {text}"
    );
    assert!(text.contains("\"sequence\":\"2\""), "{text}");

    // The device came online: its status change is buffered for pollers that resume from 0.
    let polled: Value = http
        .get(format!("{base}/telemetry/events/device-status-changed?after=0&wait=5"))
        .header("x-api-key", "operator-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(polled["events"][0]["data"]["status"], "DEVICE_STATUS_ONLINE");

    let invalid: Value = http
        .post(format!("{base}/telemetry/ingest-batch"))
        .header("x-device-key", "device-key")
        .json(&json!({ "readings": [{ "deviceId": "x", "reading": { "sequence": "1", "observedAt": "2026-11-27T17:16:53Z", "values": {}, "battery": 1.5 } }] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fields: Vec<&str> = invalid["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    // Paths start at the parameter, on REST too (the body is the `batch` parameter), so that every
    // protocol names the same field the same way.
    assert_eq!(
        fields,
        ["batch.readings[0].reading.values", "batch.readings[0].reading.battery"]
    );
}
