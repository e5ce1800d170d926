//! `broker-load mqtt|amqp generated|handwritten PORT COUNT`: publishes COUNT `pet_seen` events of
//! `xtask/handwritten/broker_bench.idl` through the broker on 127.0.0.1:PORT and counts them back
//! at a subscriber, for `cargo xtask bench --only brokers`.
//!
//! - `generated`: the implementation publishes on the generated `FeedEvents` handle and
//!   `omniface::Server` carries each event to the broker (`Server::mqtt`: QoS 0 to
//!   `bench/pets/{id}`; `Server::amqp`: persistent, publisher-confirmed, to the `acme.brokerbench.v1`
//!   topic exchange under `bench.pets.{id}`).
//! - `handwritten`: the same messages (same topic or routing key, payload bytes and properties)
//!   from a loop over rumqttc or lapin, as one would write without omniface; the AMQP loop keeps
//!   the same number of unconfirmed messages in flight as the runtime does.
//!
//! Untimed events go through first, so both start connected. The clock runs from the first
//! timed publish to the last message received, or until nothing has arrived for 3 s. Prints one
//! JSON line: `{"sent", "received", "seconds", "per_second", "payload"}` (`payload` is the first
//! message's bytes, so that the two sides can be compared).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties, ExchangeKind};
use omniface::{Context, Timestamp};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Packet, PublishProperties};
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use serde_json::json;
use tokio::sync::Mutex;

omniface::include_service!("acme.brokerbench.v1");

const EXCHANGE: &str = "acme.brokerbench.v1";
/// Unconfirmed messages in flight: the runtime's `CONFIRM_WINDOW`.
const CONFIRM_WINDOW: usize = 256;
const QUIET: Duration = Duration::from_secs(3);

#[derive(Clone, Copy, PartialEq)]
enum Broker {
    Mqtt,
    Amqp,
}

struct Impl;

impl Feed for Impl {
    async fn seen(&self, _ctx: &Context) -> Result<u64, omniface::Error> {
        Ok(0)
    }
}

fn pet(id: u64) -> Pet {
    Pet {
        id,
        name: "Rex".to_string(),
        species: Species::Dog,
        tags: vec!["puppy".to_string(), "friendly".to_string()],
        created_at: Timestamp::from_unix_seconds(1_767_225_600),
    }
}

/// The event's JSON as a hand-written serde_json producer writes it.
fn handwritten_payload(id: u64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": id.to_string(),
        "pet": {
            "id": id.to_string(),
            "name": "Rex",
            "species": "SPECIES_DOG",
            "tags": ["puppy", "friendly"],
            "createdAt": "2026-01-01T00:00:00Z",
        },
    }))
    .expect("JSON values serialise")
}

/// What the subscriber counts.
#[derive(Default)]
struct Received {
    count: AtomicU64,
    /// Microseconds since `start` of the last message.
    last: AtomicU64,
    first_payload: Mutex<Option<Vec<u8>>>,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!("usage: broker-load mqtt|amqp generated|handwritten PORT COUNT");
        std::process::exit(2);
    };
    if args.len() != 4 {
        usage();
    }
    let broker = match args[0].as_str() {
        "mqtt" => Broker::Mqtt,
        "amqp" => Broker::Amqp,
        _ => usage(),
    };
    let generated = match args[1].as_str() {
        "generated" => true,
        "handwritten" => false,
        _ => usage(),
    };
    let port: u16 = args[2].parse().unwrap_or_else(|_| usage());
    let count: u64 = args[3].parse().unwrap_or_else(|_| usage());

    let start = Instant::now();
    let received = Arc::new(Received::default());
    match broker {
        Broker::Mqtt => subscribe_mqtt(port, received.clone(), start).await,
        Broker::Amqp => subscribe_amqp(port, received.clone(), start).await,
    }
    let publisher: Publisher = if generated {
        // Room for every event: the hub must not drop what the broker adapter has not read yet.
        let events = FeedEvents::with_capacity(count as usize + 1);
        let mut server = omniface::Server::new().service(FeedServer::with_events(Impl, events.clone()));
        server = match broker {
            Broker::Mqtt => server.mqtt(omniface::MqttConfig::from_url(&format!("mqtt://127.0.0.1:{port}")).unwrap()),
            Broker::Amqp => {
                server.amqp(omniface::AmqpConfig::from_url(&format!("amqp://guest:guest@127.0.0.1:{port}")).unwrap())
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        tokio::spawn(server.serve_on(listener));
        Box::new(move |id| {
            events.pet_seen(id, pet(id));
            Box::pin(async {})
        })
    } else {
        match broker {
            Broker::Mqtt => mqtt_publisher(port).await,
            Broker::Amqp => amqp_publisher(port).await,
        }
    };

    // Untimed events until one arrives, so that both sides start connected (the server connects
    // in the background, and the subscriber only sees what is published after it subscribed).
    for _ in 0..300 {
        publisher(0).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        if received.count.load(Ordering::Acquire) > 0 {
            break;
        }
    }
    // Late copies of the warm-up event are not counted as timed ones.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = received.count.load(Ordering::Acquire);
    let timed_start = Instant::now();
    let offset = timed_start.duration_since(start);
    for id in 1..=count {
        publisher(id).await;
    }
    wait_for(&received, before + count, Duration::from_secs(120)).await;
    let got = received.count.load(Ordering::Acquire) - before;
    let last = Duration::from_micros(received.last.load(Ordering::Acquire));
    let seconds = last.saturating_sub(offset).as_secs_f64().max(1e-9);
    let payload = received.first_payload.lock().await.clone().unwrap_or_default();
    println!(
        "{}",
        json!({
            "sent": count,
            "received": got,
            "seconds": seconds,
            "per_second": got as f64 / seconds,
            "payload": String::from_utf8_lossy(&payload),
        })
    );
    // The server and the connections end with the process.
    std::process::exit(0);
}

/// Waits until `target` messages arrived, or none arrived for [`QUIET`], or `limit` passed.
async fn wait_for(received: &Received, target: u64, limit: Duration) {
    let started = Instant::now();
    let mut seen = received.count.load(Ordering::Acquire);
    let mut quiet_since = Instant::now();
    while seen < target && started.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let now = received.count.load(Ordering::Acquire);
        if now != seen {
            seen = now;
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() > QUIET {
            return;
        }
    }
}

fn record(received: &Received, start: Instant) {
    received.count.fetch_add(1, Ordering::AcqRel);
    received
        .last
        .store(start.elapsed().as_micros() as u64, Ordering::Release);
}

async fn subscribe_mqtt(port: u16, received: Arc<Received>, start: Instant) {
    let mut options = MqttOptions::new(format!("bench-sub-{}", std::process::id()), "127.0.0.1", port);
    options.set_max_packet_size(Some(1 << 20));
    let (client, mut eventloop) = AsyncClient::new(options, 1024);
    client.subscribe("bench/pets/+", QoS::AtMostOnce).await.unwrap();
    let (subscribed, mut ready) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        let _client = client;
        while let Ok(event) = eventloop.poll().await {
            match event {
                Event::Incoming(Packet::SubAck(_)) => {
                    let _ = subscribed.try_send(());
                }
                Event::Incoming(Packet::Publish(publish)) => {
                    let mut first = received.first_payload.lock().await;
                    if first.is_none() {
                        *first = Some(publish.payload.to_vec());
                    }
                    drop(first);
                    record(&received, start);
                }
                _ => {}
            }
        }
    });
    ready.recv().await.expect("the subscription is acknowledged");
}

async fn subscribe_amqp(port: u16, received: Arc<Received>, start: Instant) {
    let connection = Connection::connect(
        &format!("amqp://guest:guest@127.0.0.1:{port}"),
        ConnectionProperties::default(),
    )
    .await
    .unwrap();
    let channel = connection.create_channel().await.unwrap();
    declare_exchange(&channel).await;
    let options = QueueDeclareOptions {
        exclusive: true,
        auto_delete: true,
        ..QueueDeclareOptions::default()
    };
    let queue = channel
        .queue_declare("".into(), options, FieldTable::default())
        .await
        .unwrap();
    channel
        .queue_bind(
            queue.name().clone(),
            EXCHANGE.into(),
            "bench.pets.*".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let consume = BasicConsumeOptions {
        no_ack: true,
        ..BasicConsumeOptions::default()
    };
    let mut consumer = channel
        .basic_consume(queue.name().clone(), "".into(), consume, FieldTable::default())
        .await
        .unwrap();
    tokio::spawn(async move {
        let _connection = connection;
        while let Some(Ok(delivery)) = consumer.next().await {
            let mut first = received.first_payload.lock().await;
            if first.is_none() {
                *first = Some(delivery.data.clone());
            }
            drop(first);
            record(&received, start);
        }
    });
}

/// The exchange as the runtime declares it.
async fn declare_exchange(channel: &lapin::Channel) {
    let options = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    channel
        .exchange_declare(EXCHANGE.into(), ExchangeKind::Topic, options, FieldTable::default())
        .await
        .unwrap();
}

type Publisher = Box<dyn Fn(u64) -> futures_util::future::BoxFuture<'static, ()>>;

/// rumqttc, as a hand-written producer uses it: QoS 0 with the runtime's properties.
async fn mqtt_publisher(port: u16) -> Publisher {
    let options = MqttOptions::new(format!("bench-pub-{}", std::process::id()), "127.0.0.1", port);
    let (client, mut eventloop) = AsyncClient::new(options, 1024);
    tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    Box::new(move |id| {
        let client = client.clone();
        Box::pin(async move {
            let properties = PublishProperties {
                payload_format_indicator: Some(1),
                content_type: Some("application/json".to_string()),
                ..PublishProperties::default()
            };
            client
                .publish_with_properties(
                    format!("bench/pets/{id}"),
                    QoS::AtMostOnce,
                    false,
                    bytes::Bytes::from(handwritten_payload(id)),
                    properties,
                )
                .await
                .unwrap();
        })
    })
}

/// lapin, as a hand-written producer that must not lose events uses it: persistent messages and
/// publisher confirms, [`CONFIRM_WINDOW`] unconfirmed at most.
async fn amqp_publisher(port: u16) -> Publisher {
    let connection = Connection::connect(
        &format!("amqp://guest:guest@127.0.0.1:{port}"),
        ConnectionProperties::default(),
    )
    .await
    .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel.confirm_select(ConfirmSelectOptions::default()).await.unwrap();
    declare_exchange(&channel).await;
    let pending = Arc::new(Mutex::new(VecDeque::new()));
    let connection = Arc::new(connection);
    Box::new(move |id| {
        let (channel, pending, _connection) = (channel.clone(), pending.clone(), connection.clone());
        Box::pin(async move {
            let properties = BasicProperties::default()
                .with_content_type("application/json".into())
                .with_delivery_mode(2)
                .with_message_id(omniface::Uuid::new_v4().to_string().into())
                .with_type("Feed.pet_seen".into())
                .with_timestamp(1_767_225_600);
            let confirm = channel
                .basic_publish(
                    EXCHANGE.into(),
                    format!("bench.pets.{id}").into(),
                    BasicPublishOptions::default(),
                    &handwritten_payload(id),
                    properties,
                )
                .await
                .unwrap();
            let mut pending = pending.lock().await;
            pending.push_back(confirm);
            if pending.len() > CONFIRM_WINDOW {
                let oldest = pending.pop_front().expect("the window is not empty");
                assert!(oldest.await.unwrap().is_ack(), "the broker confirms");
            }
        })
    })
}
