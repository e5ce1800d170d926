//! The telemetry service over AMQP 0-9-1, through a real RabbitMQ that each test starts on free
//! ports (`cargo xtask test` installs the Debian package): `#[queue]` jobs are done and answered
//! with their correlation id, failed jobs are retried or dead-lettered, events reach the topic
//! exchange under their routing keys, two instances share one work queue, and a broker restart
//! loses no job.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use omniface::{Context, Error};
use serde_json::{Value, json};
use telemetry_server::{Fleet, TelemetryServer, demo_authenticator};
use tokio::sync::mpsc;

#[path = "../../test_brokers.rs"]
mod test_brokers;

use test_brokers::Rabbit;

/// Starts a telemetry server connected to `rabbit`.
async fn start_telemetry(rabbit: &Rabbit) {
    start_telemetry_with(omniface::AmqpConfig::from_url(&rabbit.url()).unwrap()).await;
}

async fn start_telemetry_with(amqp: omniface::AmqpConfig) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (fleet, events) = Fleet::with_demo_devices();
    let server = omniface::Server::new()
        .amqp(amqp)
        .authenticator(demo_authenticator())
        .service(TelemetryServer::with_events(fleet, events));
    tokio::spawn(server.serve_on(listener));
}

/// A test's own AMQP client: a channel with publisher confirms and a reply queue whose messages
/// arrive on `replies`.
struct Client {
    channel: Channel,
    reply_queue: String,
    replies: mpsc::UnboundedReceiver<lapin::message::Delivery>,
    _connection: Connection,
}

impl Client {
    async fn connect(rabbit: &Rabbit) -> Client {
        let connection = Connection::connect(
            &format!("amqp://guest:guest@127.0.0.1:{}", rabbit.port),
            ConnectionProperties::default(),
        )
        .await
        .unwrap();
        let channel = connection.create_channel().await.unwrap();
        channel.confirm_select(ConfirmSelectOptions::default()).await.unwrap();
        let reply_queue = exclusive_queue(&channel).await;
        let replies = consume(&channel, &reply_queue).await;
        Client {
            channel,
            reply_queue,
            replies,
            _connection: connection,
        }
    }

    /// Publishes a job to `queue` with a reply queue, a correlation id (also its message id) and
    /// headers.
    async fn send(&self, queue: &str, payload: &[u8], correlation: &str, headers: &[(&str, &str)]) {
        let mut table = FieldTable::default();
        for (name, value) in headers {
            table.insert((*name).into(), AMQPValue::LongString((*value).into()));
        }
        let properties = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_reply_to(self.reply_queue.as_str().into())
            .with_correlation_id(correlation.into())
            .with_message_id(correlation.into())
            .with_headers(table);
        let confirmation = self
            .channel
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                payload,
                properties,
            )
            .await
            .unwrap()
            .await
            .unwrap();
        assert!(confirmation.is_ack(), "the broker took the job");
    }

    /// The next reply: its JSON, its correlation id and its `error` header.
    async fn next_reply(&mut self) -> (Value, String, Option<String>) {
        let reply = tokio::time::timeout(Duration::from_secs(15), self.replies.recv())
            .await
            .expect("no reply within 15 s")
            .expect("the reply queue's consumer ended");
        assert_eq!(
            reply.properties.content_type().as_ref().map(|t| t.as_str()),
            Some("application/json")
        );
        let correlation = reply
            .properties
            .correlation_id()
            .as_ref()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let error = reply
            .properties
            .headers()
            .as_ref()
            .and_then(|headers| headers.inner().get("error").cloned())
            .and_then(|value| match value {
                AMQPValue::LongString(text) => Some(text.to_string()),
                _ => None,
            });
        (serde_json::from_slice(&reply.data).unwrap(), correlation, error)
    }

    /// One job and its reply.
    async fn call(&mut self, queue: &str, payload: Value, headers: &[(&str, &str)]) -> (Value, Option<String>) {
        let correlation = omniface::Uuid::new_v4().to_string();
        self.send(queue, payload.to_string().as_bytes(), &correlation, headers)
            .await;
        let (reply, replied_to, error) = self.next_reply().await;
        assert_eq!(replied_to, correlation, "the reply carries the job's correlation id");
        (reply, error)
    }

    /// Waits until the server has declared `queue` (it does so as soon as it connects).
    async fn wait_for_queue(&self, connection_port: u16, queue: &str) {
        let connection = Connection::connect(
            &format!("amqp://guest:guest@127.0.0.1:{connection_port}"),
            ConnectionProperties::default(),
        )
        .await
        .unwrap();
        for _ in 0..100 {
            // A passive declaration of a missing queue closes its channel: one channel per try.
            let channel = connection.create_channel().await.unwrap();
            let options = QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            };
            if let Ok(declared) = channel
                .queue_declare(queue.into(), options, FieldTable::default())
                .await
                && declared.consumer_count() > 0
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no server consumes `{queue}` after 10 s");
    }

    /// A queue of the client's own, bound to the telemetry exchange with `binding_key`.
    async fn bound_queue(&self, binding_key: &str) -> String {
        let queue = exclusive_queue(&self.channel).await;
        self.channel
            .queue_bind(
                queue.as_str().into(),
                "acme.telemetry.v1".into(),
                binding_key.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        queue
    }

    /// Takes the messages waiting on `queue`, without a consumer.
    async fn drain(&self, queue: &str) -> Vec<lapin::message::BasicGetMessage> {
        let mut messages = Vec::new();
        for _ in 0..50 {
            match self
                .channel
                .basic_get(queue.into(), BasicGetOptions { no_ack: true })
                .await
                .unwrap()
            {
                Some(message) => messages.push(message),
                None if messages.is_empty() => tokio::time::sleep(Duration::from_millis(100)).await,
                None => break,
            }
        }
        messages
    }
}

/// A server-named queue that lives as long as the client's connection.
async fn exclusive_queue(channel: &Channel) -> String {
    let options = QueueDeclareOptions {
        exclusive: true,
        auto_delete: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare("".into(), options, FieldTable::default())
        .await
        .unwrap()
        .name()
        .to_string()
}

async fn consume(channel: &Channel, queue: &str) -> mpsc::UnboundedReceiver<lapin::message::Delivery> {
    let mut consumer = channel
        .basic_consume(
            queue.into(),
            "".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    let (sender, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(delivery)) = consumer.next().await {
            if sender.send(delivery).is_err() {
                return;
            }
        }
    });
    received
}

const DEVICE: &[(&str, &str)] = &[("X-Device-Key", "device-key")];
const INGEST: &str = "telemetry.ingest";

fn batch(device: &str, sequences: std::ops::Range<u64>) -> Value {
    let readings: Vec<Value> = sequences
        .map(|sequence| {
            json!({
                "deviceId": device,
                "reading": {
                    "sequence": sequence.to_string(),
                    "observedAt": "2026-11-27T17:16:53.250Z",
                    "values": { "temperature_c": 21.5 },
                },
            })
        })
        .collect();
    json!({ "batch": { "readings": readings } })
}

#[tokio::test]
async fn queued_jobs_are_done_answered_or_dead_lettered_and_events_reach_the_exchange() {
    let rabbit = Rabbit::start();
    start_telemetry(&rabbit).await;
    let mut client = Client::connect(&rabbit).await;
    client.wait_for_queue(rabbit.port, INGEST).await;
    let events_queue = client.bound_queue("#").await;
    let mut events = consume(&client.channel, &events_queue).await;

    // meter-3 is offline in the demo fleet: its readings bring it online.
    let (result, error) = client.call(INGEST, batch("meter-3", 1..3), DEVICE).await;
    assert_eq!((result, error), (json!({"accepted": 2, "duplicates": 0}), None));
    let mut received = BTreeMap::new();
    for _ in 0..3 {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("the events arrive within 10 s")
            .unwrap();
        let properties = &event.properties;
        assert_eq!(properties.delivery_mode(), &Some(2), "persistent");
        assert_eq!(
            properties.content_type().as_ref().map(|t| t.as_str()),
            Some("application/json")
        );
        let payload: Value = serde_json::from_slice(&event.data).unwrap();
        let kind = properties.kind().as_ref().map(|k| k.to_string()).unwrap_or_default();
        received
            .entry(event.routing_key.to_string())
            .or_insert_with(Vec::new)
            .push((kind, payload));
    }
    let readings = &received["acme.telemetry.v1.Telemetry.reading_reported"];
    assert_eq!(readings.len(), 2);
    assert_eq!(readings[0].0, "Telemetry.reading_reported");
    assert_eq!(readings[0].1["deviceId"], "meter-3");
    assert_eq!(readings[1].1["reading"]["sequence"], "2");
    // `#[queue(routing_key = "telemetry.status.{status}")]`, filled from the event.
    let status = &received["telemetry.status.DEVICE_STATUS_ONLINE"];
    assert_eq!(status[0].1["deviceId"], "meter-3");

    // The implementation's own deduplication answers a repeated job (another message id).
    let (result, _) = client.call(INGEST, batch("meter-3", 1..3), DEVICE).await;
    assert_eq!(result, json!({"accepted": 0, "duplicates": 2}));

    // One message sent twice (`ingest_batch` is `#[idempotent]`): done once, answered twice alike.
    let job = batch("meter-3", 10..12).to_string();
    client.send(INGEST, job.as_bytes(), "sent-twice", DEVICE).await;
    let first = client.next_reply().await;
    client.send(INGEST, job.as_bytes(), "sent-twice", DEVICE).await;
    let second = client.next_reply().await;
    assert_eq!(first.0, json!({"accepted": 2, "duplicates": 0}));
    assert_eq!(
        second, first,
        "the second copy is answered from the first one's outcome"
    );

    // Failures that would fail again are answered, then dead-lettered at once.
    let (problem, error) = client.call(INGEST, batch("meter-3", 3..4), &[]).await;
    assert_eq!(error.as_deref(), Some("UNAUTHENTICATED"));
    assert_eq!(problem["status"], 401);
    let (problem, error) = client.call(INGEST, json!({"batch": {"readings": []}}), DEVICE).await;
    assert_eq!(error.as_deref(), Some("INVALID_ARGUMENT"));
    assert_eq!(problem["violations"][0]["field"], "batch.readings");
    let correlation = "not-json";
    client.send(INGEST, b"{not json", correlation, DEVICE).await;
    let (_, replied_to, error) = client.next_reply().await;
    assert_eq!(
        (replied_to.as_str(), error.as_deref()),
        (correlation, Some("INVALID_ARGUMENT"))
    );
    let dead = client.drain("telemetry.ingest.dead").await;
    assert_eq!(dead.len(), 3, "the three failed jobs wait in the dead-letter queue");
    assert_eq!(dead[2].delivery.data, b"{not json");

    // And the queue is still served.
    let (result, error) = client.call(INGEST, batch("thermo-1", 1..2), DEVICE).await;
    assert_eq!((result, error), (json!({"accepted": 1, "duplicates": 0}), None));
}

// A service of the test's own, written with the macros, whose jobs fail a chosen number of
// times: it shows retries and dead-lettering on a real broker.
omniface::package!("acme.jobs.v1");

/// Jobs that fail before they succeed.
#[omniface::service]
pub trait Jobs {
    /// Fails with UNAVAILABLE on the first `failures` attempts of job `key`, then answers with
    /// the number of attempts it took.
    #[omniface(queue(name = "jobs.flaky", max_attempts = 3))]
    async fn flaky(&self, ctx: &Context, key: String, failures: u32) -> Result<u32, Error>;
}

#[derive(Default)]
struct FlakyJobs {
    attempts: Mutex<BTreeMap<String, u32>>,
}

impl Jobs for FlakyJobs {
    async fn flaky(&self, _ctx: &Context, key: String, failures: u32) -> Result<u32, Error> {
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            let count = attempts.entry(key).or_default();
            *count += 1;
            *count
        };
        if attempt <= failures {
            return Err(Error::unavailable(format!("attempt {attempt} fails")));
        }
        Ok(attempt)
    }
}

#[tokio::test]
async fn failing_jobs_are_retried_up_to_max_attempts_then_dead_lettered() {
    let rabbit = Rabbit::start();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = omniface::Server::new()
        .amqp(omniface::AmqpConfig::from_url(&rabbit.url()).unwrap())
        .service(JobsServer::new(FlakyJobs::default()));
    tokio::spawn(server.serve_on(listener));
    let mut client = Client::connect(&rabbit).await;
    client.wait_for_queue(rabbit.port, "jobs.flaky").await;

    let (attempts, error) = client.call("jobs.flaky", json!({"key": "a", "failures": 2}), &[]).await;
    assert_eq!(
        (attempts, error),
        (json!(3), None),
        "succeeds on the last allowed attempt"
    );

    let (problem, error) = client.call("jobs.flaky", json!({"key": "b", "failures": 3}), &[]).await;
    assert_eq!(error.as_deref(), Some("UNAVAILABLE"));
    assert_eq!(
        problem["detail"], "attempt 3 fails",
        "answered once, after the last attempt"
    );
    let dead = client.drain("jobs.flaky.dead").await;
    assert_eq!(dead.len(), 1);
    let body: Value = serde_json::from_slice(&dead[0].delivery.data).unwrap();
    assert_eq!(body["key"], "b");
}

#[tokio::test]
async fn two_instances_share_the_queue_and_a_broker_restart_loses_no_job() {
    let mut rabbit = Rabbit::start();
    start_telemetry(&rabbit).await;
    start_telemetry(&rabbit).await;
    let client = Client::connect(&rabbit).await;
    client.wait_for_queue(rabbit.port, INGEST).await;
    // Replies go to a durable queue, so that they outlive the broker's restart too.
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    client
        .channel
        .queue_declare("test.replies".into(), durable, FieldTable::default())
        .await
        .unwrap();
    let send = |client: &Client, sequence: u64| {
        let correlation = format!("job-{sequence}");
        let payload = batch("thermo-1", sequence..sequence + 1).to_string();
        let channel = client.channel.clone();
        async move {
            let mut headers = FieldTable::default();
            headers.insert("X-Device-Key".into(), AMQPValue::LongString("device-key".into()));
            let properties = BasicProperties::default()
                .with_delivery_mode(2)
                .with_reply_to("test.replies".into())
                .with_correlation_id(correlation.as_str().into())
                .with_headers(headers);
            // A publisher that must not lose a job sends it again until the broker confirms it
            // (a quorum queue refuses messages while it elects a leader after a restart).
            for _ in 0..100 {
                let confirm = channel
                    .basic_publish(
                        "".into(),
                        INGEST.into(),
                        BasicPublishOptions::default(),
                        payload.as_bytes(),
                        properties.clone(),
                    )
                    .await
                    .unwrap();
                if confirm.await.unwrap().is_ack() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("the broker refused job {correlation} for 10 s");
        }
    };
    for sequence in 0..100 {
        send(&client, sequence).await;
    }
    let answered = |replies: &[lapin::message::BasicGetMessage]| -> BTreeSet<String> {
        replies
            .iter()
            .filter_map(|reply| {
                reply
                    .delivery
                    .properties
                    .correlation_id()
                    .as_ref()
                    .map(|id| id.to_string())
            })
            .collect()
    };
    let expected: BTreeSet<String> = (0..100).map(|sequence| format!("job-{sequence}")).collect();
    let before = collect_replies(&client, &expected).await;
    assert_eq!(
        answered(&before),
        expected,
        "every job answered by one of the two instances"
    );
    assert_eq!(before.len(), 100, "and only once");

    // Jobs confirmed by the broker survive its restart, and the servers reconnect by themselves.
    drop(client);
    rabbit.restart();
    let client = Client::connect(&rabbit).await;
    for sequence in 100..150 {
        send(&client, sequence).await;
    }
    rabbit.restart();
    let client = Client::connect(&rabbit).await;
    client.wait_for_queue(rabbit.port, INGEST).await;
    let expected: BTreeSet<String> = (100..150).map(|sequence| format!("job-{sequence}")).collect();
    let after = collect_replies(&client, &expected).await;
    // A job done just before the restart whose acknowledgement was lost is done again: at least
    // once, as AMQP promises.
    assert_eq!(answered(&after), expected, "no job lost in the restart");
}

/// Takes replies from `test.replies` until every `expected` correlation id has one, for up to 30 s.
async fn collect_replies(client: &Client, expected: &BTreeSet<String>) -> Vec<lapin::message::BasicGetMessage> {
    let mut replies = Vec::new();
    for _ in 0..300 {
        while let Some(reply) = client
            .channel
            .basic_get("test.replies".into(), BasicGetOptions { no_ack: false })
            .await
            .unwrap()
        {
            reply.delivery.acker.ack(BasicAckOptions::default()).await.unwrap();
            replies.push(reply);
        }
        let answered: BTreeSet<String> = replies
            .iter()
            .filter_map(|reply: &lapin::message::BasicGetMessage| {
                reply
                    .delivery
                    .properties
                    .correlation_id()
                    .as_ref()
                    .map(|id| id.to_string())
            })
            .collect();
        if answered.is_superset(expected) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    replies
}

#[tokio::test]
async fn a_job_is_answered_and_acknowledged_only_once_its_events_are_on_the_broker() {
    let rabbit = Rabbit::start();
    start_telemetry(&rabbit).await;
    let mut client = Client::connect(&rabbit).await;
    client.wait_for_queue(rabbit.port, INGEST).await;
    let readings = client.bound_queue("acme.telemetry.v1.Telemetry.reading_reported").await;
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    // The broker confirms an event once it is in every bound queue, and the server replies only
    // after that: so when the reply is here, every reading of the job is in the test's queue
    // already. (Were the job settled first, an instance dying right then would lose them.)
    const READINGS: u64 = 1000;
    for round in 0..3 {
        let first = round * READINGS;
        let (result, error) = client
            .call(INGEST, batch("thermo-1", first..first + READINGS), DEVICE)
            .await;
        assert_eq!((result, error), (json!({"accepted": READINGS, "duplicates": 0}), None));
        let queued = client
            .channel
            .queue_declare(readings.as_str().into(), passive, FieldTable::default())
            .await
            .unwrap()
            .message_count();
        assert_eq!(
            u64::from(queued),
            READINGS,
            "round {round}: answered before all its readings reached the exchange"
        );
        client
            .channel
            .queue_purge(readings.as_str().into(), Default::default())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn instances_sharing_a_job_log_do_a_job_redelivered_to_the_other_only_once() {
    let rabbit = Rabbit::start();
    // Two instances, as two processes would be: each opens the same SQLite file.
    let path = std::env::temp_dir().join(format!("telemetry-job-log-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&path);
    for _ in 0..2 {
        let log = omniface::job_log::SqliteJobLog::open(&path).unwrap();
        start_telemetry_with(
            omniface::AmqpConfig::from_url(&rabbit.url())
                .unwrap()
                .job_log(std::sync::Arc::new(log)),
        )
        .await;
    }
    let mut client = Client::connect(&rabbit).await;
    client.wait_for_queue(rabbit.port, INGEST).await;
    let readings = client.bound_queue("acme.telemetry.v1.Telemetry.reading_reported").await;
    // Each job comes twice with one message id, the second after the first was answered, as a
    // job redelivered after its acknowledgement was lost would. RabbitMQ hands the two copies to
    // the two consumers in turn, so the second reaches the instance that did not do the first;
    // each instance's fleet would take the reading as new, and publish it again.
    const JOBS: u64 = 20;
    for sequence in 0..JOBS {
        let job = batch("thermo-1", sequence..sequence + 1).to_string();
        let id = format!("job-{sequence}");
        client.send(INGEST, job.as_bytes(), &id, DEVICE).await;
        let first = client.next_reply().await;
        client.send(INGEST, job.as_bytes(), &id, DEVICE).await;
        let second = client.next_reply().await;
        assert_eq!(first.0, json!({"accepted": 1, "duplicates": 0}));
        assert_eq!(first, second, "the copy is answered with the first outcome");
    }
    let published = client.drain(&readings).await;
    assert_eq!(
        published.len() as u64,
        JOBS,
        "every reading is published once, not once per instance"
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
