//! The telemetry service over gRPC with the generated tonic client: API keys as metadata, maps,
//! decimals, durations and floats in protobuf, typed errors with their own gRPC codes, and both
//! events as subscriptions.

use std::collections::BTreeMap;
use std::time::Duration;

use omniface::grpc::{Code, Request, Streaming};
use omniface::{Decimal, Timestamp};
use telemetry_server::telemetry_requests::*;
use telemetry_server::*;

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

/// A request carrying an API key header as gRPC metadata.
fn keyed<T>(header: &'static str, key: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(header, key.parse().unwrap());
    request
}

fn operator<T>(message: T) -> Request<T> {
    keyed("x-api-key", "operator-key", message)
}

async fn next<T>(stream: &mut Streaming<T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .expect("an item within 10 s")
        .expect("the stream does not fail")
        .expect("the stream does not end")
}

#[tokio::test]
async fn every_rpc_with_keys_maps_and_typed_errors() {
    let base = start().await;
    let mut client = TelemetryGrpcClient::connect(base.clone()).await.unwrap();

    let denied = client
        .get_device(GetDeviceRequest {
            device_id: "thermo-1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::Unauthenticated);

    let device = client
        .get_device(operator(GetDeviceRequest {
            device_id: "thermo-1".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(device.kind, DeviceKind::Thermostat);
    assert_eq!(device.labels["site"], "berlin");
    assert_eq!(device.samples_per_minute, 6);
    // The same device over REST, in the JSON mapping.
    let rest: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/devices/thermo-1"))
        .header("x-api-key", "operator-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest, serde_json::to_value(&device).unwrap());

    let missing = client
        .get_device(operator(GetDeviceRequest {
            device_id: "nope-0".into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    assert_eq!(
        GetDeviceError::from_grpc_status(&missing),
        Some(GetDeviceError::DeviceNotFound(DeviceNotFound {
            device_id: "nope-0".into()
        }))
    );

    let page = client
        .list_devices(operator(ListDevicesRequest {
            kind: None,
            status: Some(DeviceStatus::Online),
            labels: vec!["site=berlin".into()],
            page_size: 1,
            page_token: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.devices.len(), 1);
    assert!(page.next_page_token.is_some());

    let denied = client.subscribe_device_status_changed(()).await.unwrap_err();
    assert_eq!(denied.code(), Code::Unauthenticated, "events need the key too");

    // The offline meter: a declared error with its own gRPC code (UNAVAILABLE), a duration in.
    let offline = client
        .reboot_device(operator(RebootDeviceRequest {
            device_id: "meter-3".into(),
            delay: Some(omniface::Duration::from_millis(1500)),
        }))
        .await
        .unwrap_err();
    assert_eq!(offline.code(), Code::Unavailable);
    assert!(matches!(
        RebootDeviceError::from_grpc_status(&offline),
        Some(RebootDeviceError::DeviceOffline(DeviceOffline { ref device_id, .. })) if device_id == "meter-3"
    ));
    let ack = client
        .reboot_device(operator(RebootDeviceRequest {
            device_id: "thermo-1".into(),
            delay: Some(omniface::Duration::from_millis(1500)),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(ack.scheduled_for > Timestamp::now());

    let ack = client
        .set_sampling_rate(operator(SetSamplingRateRequest {
            device_id: "air-2".into(),
            samples_per_minute: 12,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(!ack.command_id.is_nil());
    let invalid = client
        .set_sampling_rate(operator(SetSamplingRateRequest {
            device_id: "air-2".into(),
            samples_per_minute: 0,
        }))
        .await
        .unwrap_err();
    assert_eq!(invalid.code(), Code::InvalidArgument);
    assert_eq!(omniface::grpc::violations(&invalid)[0].field, "samplesPerMinute");
}

#[tokio::test]
async fn ingestion_publishes_events_with_maps_and_decimals() {
    let base = start().await;
    let mut client = TelemetryGrpcClient::connect(base).await.unwrap();
    let mut readings = client
        .subscribe_reading_reported(operator(()))
        .await
        .unwrap()
        .into_inner();
    let mut statuses = client
        .subscribe_device_status_changed(operator(()))
        .await
        .unwrap()
        .into_inner();
    tokio::time::sleep(Duration::from_millis(50)).await;

    let reading = Reading {
        sequence: 7,
        observed_at: Timestamp::parse_rfc3339("2026-11-27T17:16:53.250Z").unwrap(),
        values: BTreeMap::from([("temperature_c".to_string(), 21.5), ("humidity".to_string(), 0.0)]),
        energy_total_kwh: Some(Decimal::parse("1234.50").unwrap()),
        battery: Some(0.8),
    };
    let batch = ReadingBatch {
        readings: vec![
            DeviceReading {
                device_id: "meter-3".into(),
                reading: reading.clone(),
            },
            DeviceReading {
                device_id: "meter-3".into(),
                reading: reading.clone(),
            },
        ],
    };
    let operator_denied = client
        .ingest_batch(operator(IngestBatchRequest { batch: batch.clone() }))
        .await
        .unwrap_err();
    assert_eq!(
        operator_denied.code(),
        Code::Unauthenticated,
        "ingestion takes the device key"
    );
    let result = client
        .ingest_batch(keyed("x-device-key", "device-key", IngestBatchRequest { batch }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((result.accepted, result.duplicates), (1, 1));

    // The reading comes back exactly: the map (a zero value included), the decimal, the float.
    let event = next(&mut readings).await;
    assert_eq!(event.device_id, "meter-3");
    assert_eq!(event.reading, reading);
    let change = next(&mut statuses).await;
    assert_eq!(
        (change.device_id.as_str(), change.status, change.reason.as_deref()),
        ("meter-3", DeviceStatus::Online, Some("reported a reading"))
    );

    // An empty batch breaks `#[items(1..=1000)]`.
    let empty = client
        .ingest_batch(keyed(
            "x-device-key",
            "device-key",
            IngestBatchRequest {
                batch: ReadingBatch { readings: vec![] },
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
    assert_eq!(omniface::grpc::violations(&empty)[0].field, "batch.readings");
}
