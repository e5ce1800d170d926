//! AMQP 0-9-1 through a broker such as RabbitMQ (lapin): every event published to its package's
//! topic exchange, and every `#[queue]` method consumed as jobs from a durable work queue.
//!
//! The names are the ones the AsyncAPI document lists (`omniface_model::bindings`):
//! - **Events** go to the durable topic exchange named after the package (`acme.telemetry.v1`)
//!   under the event's routing key (`#[queue(routing_key = …)]` with its placeholders filled from
//!   the event's fields, else `<package>.<Service>.<event>`), as persistent JSON messages with
//!   publisher confirms. An event is taken as published only once the broker confirmed it; after
//!   a lost connection the server publishes again from the last confirmed event, out of the
//!   event hub's buffer.
//! - **Jobs** are messages on the method's queue (`#[queue(name = …)]`, else
//!   `<package>.<Service>.<method>`), published to the default exchange with the queue's name as
//!   the routing key. The payload is the JSON object of the method's parameters; the message's
//!   headers are the request's headers, so `X-API-Key` or `Authorization` authenticate a job as
//!   they do an HTTP request. The queue is a quorum queue: durable and replicated, and it counts
//!   deliveries, so a job that failed `max_attempts` times is dead-lettered to
//!   `<queue>.dead` instead of being retried forever.
//!
//! Jobs are acknowledged only when they are done and the broker confirmed the events published
//! until then (the job's own among them), and at most `prefetch` are in flight per
//! instance: a job in flight when an instance dies is redelivered to another consumer of the
//! queue, so several instances are competing consumers with no loss. A failure that may pass
//! (unavailable, rate limited, internal) is requeued after a short delay and counts as one
//! attempt; any other failure (invalid arguments, unauthenticated, a declared error that is not
//! about load) is final and dead-lettered at once. When a job names `reply_to`, the result goes
//! there with the job's `correlation_id` (RabbitMQ's RPC convention): the method's JSON, or the
//! error's payload with the header `error` naming it. For an `#[idempotent]` method, each
//! instance remembers the outcome of its last finished jobs by `message_id`, and answers a job it
//! finished already from there instead of doing it again.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions, BasicRejectOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::uri::AMQPUri;
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ExchangeKind};
use omniface_model::bindings;
use tokio::task::JoinSet;

use crate::broker::{self, RETRY_FIRST, RETRY_MAX, Syntax, TopicTemplate, jittered};
use crate::context::Protocol;
use crate::error::Error;
use crate::job_log::{FinishedJob, JobLog, MemoryJobLog};
use crate::server::App;

/// Where and how the server connects to its AMQP broker.
#[derive(Clone)]
pub struct AmqpConfig {
    uri: AMQPUri,
    prefetch: u16,
    /// Where `#[idempotent]` jobs are recorded; a [`MemoryJobLog`] of the server's own when unset.
    job_log: Option<Arc<dyn JobLog>>,
}

impl std::fmt::Debug for AmqpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("AmqpConfig")
            .field("address", &self.address())
            .field("prefetch", &self.prefetch)
            .field("shared_job_log", &self.job_log.is_some())
            .finish()
    }
}

impl AmqpConfig {
    /// Reads `amqp://[user:password@]host[:port][/vhost][?prefetch=N&heartbeat=S…]`. The port
    /// defaults to 5672, the login to RabbitMQ's `guest:guest`, the virtual host to `/` (write it
    /// `%2f` when naming it), and `prefetch`, the most jobs in flight per queue in this
    /// instance, to 32. lapin's own options (`heartbeat`, `frame_max`, `channel_max`,
    /// `connection_timeout`) pass through.
    pub fn from_url(url: &str) -> Result<AmqpConfig, String> {
        if url.starts_with("amqps://") {
            return Err(format!(
                "`{url}`: TLS (amqps) is not built in; reach the broker over amqp:// or through a TLS sidecar"
            ));
        }
        let rest = url
            .strip_prefix("amqp://")
            .ok_or_else(|| format!("`{url}` is not an AMQP address: write amqp://host:5672"))?;
        let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut prefetch = 32;
        let mut passed_on = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "prefetch" => {
                    prefetch = value
                        .parse::<u16>()
                        .ok()
                        .filter(|count| *count > 0)
                        .ok_or_else(|| format!("prefetch `{value}` in `{url}` is not a number from 1 to 65535"))?;
                }
                "heartbeat" | "frame_max" | "channel_max" | "connection_timeout" | "auth_mechanism" => {
                    passed_on.push(format!("{key}={value}"));
                }
                other => {
                    return Err(format!(
                        "unknown AMQP option `{other}` in `{url}` (known: prefetch, heartbeat, frame_max, channel_max, connection_timeout, auth_mechanism)"
                    ));
                }
            }
        }
        let authority = before_query.split('/').next().unwrap_or_default();
        let address = authority.rsplit_once('@').map_or(authority, |(_, address)| address);
        let host = match address.rsplit_once(':') {
            Some((host, _)) if !host.ends_with(']') || address.starts_with('[') => host,
            _ => address,
        };
        if host.is_empty() {
            return Err(format!("`{url}` names no host: write amqp://host:5672"));
        }
        let mut lapin_url = format!("amqp://{before_query}");
        if !passed_on.is_empty() {
            lapin_url = format!("{lapin_url}?{}", passed_on.join("&"));
        }
        let mut uri: AMQPUri = lapin_url.parse().map_err(|error| format!("`{url}`: {error}"))?;
        // The URI parser reads only domain names and falls back to `localhost` for an IP address.
        uri.authority.host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        Ok(AmqpConfig {
            uri,
            prefetch,
            job_log: None,
        })
    }

    /// Records the jobs of `#[idempotent]` methods in `log` instead of in this server's memory:
    /// a log the instances share (such as one [`SqliteJobLog`](crate::job_log::SqliteJobLog)
    /// file) keeps a job redelivered to another instance from being done twice.
    pub fn job_log(mut self, log: Arc<dyn JobLog>) -> AmqpConfig {
        self.job_log = Some(log);
        self
    }

    /// `amqp://host:port/vhost`, without the password, for the start-up banner.
    pub fn address(&self) -> String {
        let vhost = match self.uri.vhost.as_str() {
            "/" => String::new(),
            vhost => format!("/{vhost}"),
        };
        format!("amqp://{}:{}{vhost}", self.uri.authority.host, self.uri.authority.port)
    }
}

/// A `#[queue]` method: where its jobs wait, and how often one may be tried.
struct Job {
    service: usize,
    method: usize,
    queue: String,
    max_attempts: u32,
    /// `#[idempotent]`: finished jobs are recorded in the job log by `message_id`, and a job
    /// seen again (redelivered because its acknowledgement was lost, or sent twice by its
    /// producer) is answered from there instead of being done again.
    idempotent: bool,
}

/// One event's way to the exchange, and the last event the broker confirmed.
struct Feed {
    service: usize,
    event: usize,
    exchange: String,
    routing_key: TopicTemplate,
    /// Id of the last event confirmed by the broker (or skipped); publishing resumes after it.
    confirmed: AtomicU64,
    /// Woken whenever `confirmed` moves, for jobs waiting for their events.
    confirmed_moved: tokio::sync::Notify,
}

fn jobs(app: &App) -> Vec<Job> {
    let mut jobs = Vec::new();
    for (service, handler) in app.services.iter().enumerate() {
        let descriptor = handler.descriptor();
        for (method, model) in descriptor.service().methods.iter().enumerate() {
            let Some(queue) = bindings::method_queue_name(descriptor.package(), descriptor.service(), model) else {
                continue;
            };
            jobs.push(Job {
                service,
                method,
                queue,
                max_attempts: bindings::method_max_attempts(model).unwrap_or(5).max(1),
                idempotent: model.idempotent,
            });
        }
    }
    jobs
}

fn feeds(app: &App) -> Vec<Feed> {
    let mut feeds = Vec::new();
    for (service, handler) in app.services.iter().enumerate() {
        let descriptor = handler.descriptor();
        for event in 0..descriptor.events.len() {
            let model = descriptor.event_model(event);
            feeds.push(Feed {
                service,
                event,
                exchange: descriptor.package().name.clone(),
                routing_key: TopicTemplate::parse(
                    &bindings::event_routing_key(descriptor.package(), descriptor.service(), model),
                    Syntax::AmqpRoutingKey,
                ),
                // Events published from now on, even before the broker is reached, are sent.
                confirmed: AtomicU64::new(handler.events().last_id(event)),
                confirmed_moved: tokio::sync::Notify::new(),
            });
        }
    }
    feeds
}

/// Connects to the broker and serves until the process ends: publishes every event, consumes
/// every job queue, and reconnects with backoff whenever the connection drops.
///
/// Every event published from the call on is sent, even before the connection is up: where each
/// event stream starts is read now, not when the returned future first runs.
pub(crate) fn run(app: Arc<App>, config: AmqpConfig) -> impl Future<Output = ()> + Send + 'static {
    let state = Arc::new(State {
        jobs: jobs(&app),
        feeds: feeds(&app),
        // One for the server's life, so that reconnecting forgets nothing.
        log: config.job_log.clone().unwrap_or_else(|| Arc::new(MemoryJobLog::new())),
        app,
    });
    serve(state, config)
}

/// What lives as long as the server, across connections: its jobs, its event feeds and their
/// confirmed cursors, and the job log.
struct State {
    app: Arc<App>,
    jobs: Vec<Job>,
    feeds: Vec<Feed>,
    log: Arc<dyn JobLog>,
}

async fn serve(state: Arc<State>, config: AmqpConfig) {
    let mut backoff = RETRY_FIRST;
    loop {
        let (connected, reason) = session(&state, &config).await;
        if connected {
            backoff = RETRY_FIRST;
        }
        let wait = jittered(backoff);
        tracing::warn!(
            "AMQP: connection to {} lost or refused ({reason}); retrying in {} ms",
            config.address(),
            wait.as_millis()
        );
        tokio::time::sleep(wait).await;
        backoff = (backoff * 2).min(RETRY_MAX);
    }
}

/// One connection's life: declares the exchanges and queues, starts a consumer per job queue and
/// a publisher per event, and returns when any of them or the connection fails. Returns whether
/// the connection was made, and why it ended.
async fn session(state: &Arc<State>, config: &AmqpConfig) -> (bool, String) {
    let properties = ConnectionProperties::default().with_connection_name("omniface".into());
    let connection = match Connection::connect_uri(config.uri.clone(), properties).await {
        Ok(connection) => connection,
        Err(error) => return (false, error.to_string()),
    };
    tracing::info!("AMQP: connected to {}", config.address());
    let mut tasks: JoinSet<Result<(), String>> = JoinSet::new();
    let reason = match start(state, config, &connection, &mut tasks).await {
        Err(error) => error,
        Ok(()) => {
            let mut events = connection.events_listener();
            loop {
                tokio::select! {
                    ended = tasks.join_next(), if !tasks.is_empty() => match ended {
                        Some(Ok(Err(reason))) => break reason,
                        Some(Ok(Ok(()))) => continue,
                        Some(Err(panic)) => break format!("a task failed: {panic}"),
                        None => continue,
                    },
                    event = events.next() => match event {
                        Some(lapin::Event::Error(error)) => break error.to_string(),
                        Some(lapin::Event::ConnectionBlocked(why)) => {
                            tracing::warn!("AMQP: the broker blocks publishing: {why}");
                        }
                        Some(_) => {}
                        None => break "the connection closed".to_string(),
                    },
                }
            }
        }
    };
    tasks.abort_all();
    // Unacknowledged jobs go back to their queues when the connection closes, for another
    // consumer to take.
    let _ = tokio::time::timeout(Duration::from_secs(2), connection.close(200, "reconnecting".into())).await;
    (true, reason)
}

/// Declares what the server uses and starts its consumers and publishers.
async fn start(
    state: &Arc<State>,
    config: &AmqpConfig,
    connection: &Connection,
    tasks: &mut JoinSet<Result<(), String>>,
) -> Result<(), String> {
    let (jobs, feeds) = (&state.jobs, &state.feeds);
    let failed = |what: String| move |error: lapin::Error| format!("{what}: {error}");
    let setup = connection
        .create_channel()
        .await
        .map_err(failed("cannot open a channel".into()))?;
    let mut exchanges: Vec<&str> = feeds.iter().map(|feed| feed.exchange.as_str()).collect();
    exchanges.dedup();
    for exchange in exchanges {
        let options = ExchangeDeclareOptions {
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        setup
            .exchange_declare(exchange.into(), ExchangeKind::Topic, options, FieldTable::default())
            .await
            .map_err(failed(format!("cannot declare the topic exchange `{exchange}`")))?;
    }
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    for job in jobs.iter() {
        let dead = format!("{}.dead", job.queue);
        setup
            .queue_declare(dead.as_str().into(), durable, quorum_arguments())
            .await
            .map_err(failed(format!("cannot declare the dead-letter queue `{dead}`")))?;
        let mut arguments = quorum_arguments();
        // Deliveries beyond the first that a job may have before it is dead-lettered.
        arguments.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongLongInt(i64::from(job.max_attempts) - 1),
        );
        arguments.insert("x-dead-letter-exchange".into(), AMQPValue::LongString("".into()));
        arguments.insert(
            "x-dead-letter-routing-key".into(),
            AMQPValue::LongString(dead.as_str().into()),
        );
        setup
            .queue_declare(job.queue.as_str().into(), durable, arguments)
            .await
            .map_err(failed(format!(
                "cannot declare the work queue `{}` (a queue of that name with other arguments exists already?)",
                job.queue
            )))?;
    }
    for (index, job) in jobs.iter().enumerate() {
        let channel = connection
            .create_channel()
            .await
            .map_err(failed("cannot open a channel".into()))?;
        channel
            .basic_qos(config.prefetch, BasicQosOptions::default())
            .await
            .map_err(failed(format!("cannot set the prefetch of `{}`", job.queue)))?;
        let consumer = channel
            .basic_consume(
                job.queue.as_str().into(),
                format!("omniface-{}", uuid::Uuid::new_v4().simple()).into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(failed(format!("cannot consume `{}`", job.queue)))?;
        let state = state.clone();
        tasks.spawn(async move {
            let mut consumer = consumer;
            while let Some(delivery) = consumer.next().await {
                let delivery = delivery.map_err(|error| format!("consuming `{}`: {error}", state.jobs[index].queue))?;
                tokio::spawn(work(state.clone(), channel.clone(), index, delivery));
            }
            Err(format!(
                "the broker cancelled the consumer of `{}`",
                state.jobs[index].queue
            ))
        });
    }
    for index in 0..feeds.len() {
        let channel = connection
            .create_channel()
            .await
            .map_err(failed("cannot open a channel".into()))?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(failed("cannot turn on publisher confirms".into()))?;
        tasks.spawn(publish(state.clone(), channel, index));
    }
    Ok(())
}

/// Quorum queues: replicated, always durable, and they count each message's deliveries.
fn quorum_arguments() -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert("x-queue-type".into(), AMQPValue::LongString("quorum".into()));
    arguments
}

/// Events published and not yet confirmed by the broker, per event; beyond it, publishing waits.
const CONFIRM_WINDOW: usize = 256;

/// Publishes one event's records to the exchange, resuming after the last confirmed one.
async fn publish(state: Arc<State>, channel: Channel, index: usize) -> Result<(), String> {
    let feed = &state.feeds[index];
    let handler = state.app.services[feed.service].clone();
    let name = handler.descriptor().events[feed.event].rpc_name.clone();
    let after = feed.confirmed.load(Ordering::Acquire);
    let (gap, mut records) = handler.events().stream(feed.event, Some(after));
    if gap {
        tracing::warn!("AMQP: some {name} events were dropped from the buffer before the broker was reached");
    }
    // Up to CONFIRM_WINDOW events are in flight; confirms are settled in publishing order, as
    // soon as they come while no new event is ready, so that the cursor only ever moves past
    // confirmed events and a refusal is seen at once.
    // An event that is not published (its routing key could not be filled) has no confirm to
    // wait for, but keeps its place in the queue so that the cursor passes it in order.
    let mut pending: VecDeque<(u64, Option<lapin::PublisherConfirm>)> = VecDeque::with_capacity(CONFIRM_WINDOW);
    let settle = |id: u64, confirmation: lapin::Result<Confirmation>| match confirmation {
        Ok(Confirmation::Nack(_)) => Err(format!("the broker refused event {name} #{id}")),
        Ok(_) => {
            feed.confirmed.store(id, Ordering::Release);
            feed.confirmed_moved.notify_waiters();
            Ok(())
        }
        Err(error) => Err(format!("event {name} #{id} unconfirmed: {error}")),
    };
    loop {
        let record = if pending.len() >= CONFIRM_WINDOW {
            None
        } else {
            tokio::select! {
                biased;
                record = records.next() => match record {
                    Some(record) => Some(record),
                    None => return Ok(()),
                },
                // An async block, because select! builds a disabled branch's future too.
                confirmation = async { confirmation(&mut pending.front_mut().expect("not empty").1).await }, if !pending.is_empty() => {
                    let (id, _) = pending.pop_front().expect("not empty");
                    settle(id, confirmation)?;
                    continue;
                }
            }
        };
        let Some(record) = record else {
            let (id, mut confirm) = pending.pop_front().expect("the window is full");
            settle(id, confirmation(&mut confirm).await)?;
            continue;
        };
        let routing_key = match feed.routing_key.fill_from_json(&record.json) {
            Ok(key) => key,
            Err(reason) => {
                tracing::warn!("AMQP: event {name} #{} not published: {reason}", record.id);
                pending.push_back((record.id, None));
                continue;
            }
        };
        let properties = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_message_id(uuid::Uuid::new_v4().to_string().into())
            .with_type(name.as_str().into())
            .with_timestamp(unix_seconds());
        let confirm = channel
            .basic_publish(
                feed.exchange.as_str().into(),
                routing_key.into(),
                BasicPublishOptions::default(),
                &record.json,
                properties,
            )
            .await
            .map_err(|error| format!("event {name} #{} not published: {error}", record.id))?;
        pending.push_back((record.id, Some(confirm)));
    }
}

/// The broker's answer to one publish; an event that was not published needs none.
async fn confirmation(confirm: &mut Option<lapin::PublisherConfirm>) -> lapin::Result<Confirmation> {
    match confirm {
        Some(confirm) => confirm.await,
        None => Ok(Confirmation::NotRequested),
    }
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// What becomes of a job after one attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    Done,
    /// Worth trying again later; counts as one attempt.
    Retry,
    /// Will fail the same way every time: dead-lettered at once.
    Reject,
}

fn outcome(result: &Result<bytes::Bytes, Error>) -> Outcome {
    match result {
        Ok(_) => Outcome::Done,
        // Load and outages pass; a bug may be a transient one, and dead-lettering keeps it from
        // looping for ever.
        Err(error) if matches!(error.http_status(), 408 | 429 | 500 | 502 | 503 | 504) => Outcome::Retry,
        Err(_) => Outcome::Reject,
    }
}

/// Does one job: calls the method, waits until the broker confirmed the events published so far
/// (the job's own among them), replies when asked to, then acknowledges, requeues or
/// dead-letters the message.
async fn work(state: Arc<State>, channel: Channel, index: usize, delivery: Delivery) {
    let job = &state.jobs[index];
    let properties = &delivery.properties;
    let message_id = properties.message_id().as_ref().map(|id| id.to_string());
    let logged_id = message_id.as_deref().filter(|_| job.idempotent);
    let remembered = logged_id.and_then(|id| state.log.recall("AMQP", &job.queue, id));
    if let Some(finished) = remembered {
        tracing::debug!(
            "AMQP: job {message_id:?} on `{}` was done already; answered again",
            job.queue
        );
        if let Some(reply_to) = properties.reply_to() {
            reply(
                &channel,
                reply_to,
                properties,
                &finished.reply,
                finished.error.as_deref(),
            )
            .await;
        }
        let outcome = if finished.dead_lettered {
            Outcome::Reject
        } else {
            Outcome::Done
        };
        settle(job, &delivery, outcome, 1).await;
        return;
    }
    let headers = properties.headers().as_ref().map(header_pairs).unwrap_or_default();
    let headers = broker::headers(headers.iter().map(|(name, value)| (name.as_str(), value.as_slice())));
    let result = broker::call(
        &state.app,
        (job.service, job.method),
        Protocol::Amqp,
        &[],
        &delivery.data,
        headers,
    )
    .await;
    // Acknowledging the job before its events are on the broker would lose them if this
    // instance died in between; unacknowledged, the job is redelivered and done again.
    events_confirmed(&state).await;
    // Quorum queues count earlier deliveries in `x-delivery-count`.
    let attempt = 1 + properties
        .headers()
        .as_ref()
        .and_then(|headers| headers.inner().get("x-delivery-count"))
        .and_then(integer)
        .unwrap_or(0);
    let mut outcome = outcome(&result);
    let last_attempt = attempt >= u64::from(job.max_attempts);
    if let Err(error) = &result
        && outcome != Outcome::Retry
    {
        tracing::debug!("AMQP: job on `{}` failed for good: {error}", job.queue);
    }
    if outcome == Outcome::Retry && last_attempt {
        outcome = Outcome::Reject;
    }
    if outcome != Outcome::Retry {
        let (payload, error) = broker::reply_parts(&result);
        // Recorded before the reply and the acknowledgement: an instance dying after this
        // leaves the record for the one the job is redelivered to.
        if let Some(id) = logged_id {
            let finished = FinishedJob {
                reply: payload.to_vec(),
                error: error.clone(),
                dead_lettered: outcome == Outcome::Reject,
            };
            state.log.remember("AMQP", &job.queue, id, &finished);
        }
        if let Some(reply_to) = properties.reply_to() {
            reply(&channel, reply_to, properties, &payload, error.as_deref()).await;
        }
    }
    settle(job, &delivery, outcome, attempt).await;
}

/// The longest a job waits for the broker to confirm the events published before it finished;
/// past it (the broker is unreachable, and the job's acknowledgement will fail too) it goes on.
const EVENTS_CONFIRM_TIMEOUT: Duration = Duration::from_secs(30);

/// Waits until every event feed's confirmed cursor reached where its hub was when called: every
/// event published before (by the job that just finished, and by others) is on the broker.
async fn events_confirmed(state: &State) {
    let deadline = tokio::time::Instant::now() + EVENTS_CONFIRM_TIMEOUT;
    for feed in &state.feeds {
        let target = state.app.services[feed.service].events().last_id(feed.event);
        loop {
            let moved = feed.confirmed_moved.notified();
            tokio::pin!(moved);
            moved.as_mut().enable();
            if feed.confirmed.load(Ordering::Acquire) >= target {
                break;
            }
            if tokio::time::timeout_at(deadline, moved).await.is_err() {
                tracing::warn!(
                    "AMQP: events published before a job finished are not confirmed after {} s; settling the job anyway",
                    EVENTS_CONFIRM_TIMEOUT.as_secs()
                );
                return;
            }
        }
    }
}

/// Acknowledges, requeues or dead-letters a job.
async fn settle(job: &Job, delivery: &Delivery, outcome: Outcome, attempt: u64) {
    let settled = match outcome {
        Outcome::Done => delivery.acker.ack(BasicAckOptions::default()).await,
        Outcome::Retry => {
            // A short pause, growing with the attempts, so that a failing job does not spin.
            tokio::time::sleep(Duration::from_millis(100 * attempt.min(50))).await;
            let options = BasicNackOptions {
                multiple: false,
                requeue: true,
            };
            delivery.acker.nack(options).await
        }
        Outcome::Reject => delivery.acker.reject(BasicRejectOptions { requeue: false }).await,
    };
    if let Err(error) = settled {
        // The connection is gone: the broker gives the job to another consumer.
        tracing::warn!("AMQP: cannot settle a job on `{}`: {error}", job.queue);
    }
}

/// Publishes a job's result to the queue its producer named, with the job's correlation id, and
/// persistent when the job was.
async fn reply(channel: &Channel, reply_to: &ShortString, job: &BasicProperties, payload: &[u8], error: Option<&str>) {
    let mut properties = BasicProperties::default().with_content_type("application/json".into());
    if let Some(correlation_id) = job.correlation_id() {
        properties = properties.with_correlation_id(correlation_id.clone());
    }
    if let Some(mode) = job.delivery_mode() {
        properties = properties.with_delivery_mode(*mode);
    }
    if let Some(code) = error {
        let mut headers = FieldTable::default();
        headers.insert("error".into(), AMQPValue::LongString(code.into()));
        properties = properties.with_headers(headers);
    }
    let sent = channel
        .basic_publish(
            "".into(),
            reply_to.clone(),
            BasicPublishOptions::default(),
            payload,
            properties,
        )
        .await;
    if let Err(error) = sent {
        tracing::warn!("AMQP: the reply to `{reply_to}` was not sent: {error}");
    }
}

/// A message's headers as text: strings as they are, numbers and booleans written out, other
/// values (tables, arrays, bytes) left out.
fn header_pairs(table: &FieldTable) -> Vec<(String, Vec<u8>)> {
    table
        .inner()
        .iter()
        .filter_map(|(name, value)| {
            let text = match value {
                AMQPValue::LongString(text) => text.as_bytes().to_vec(),
                AMQPValue::ShortString(text) => text.as_str().as_bytes().to_vec(),
                AMQPValue::Boolean(flag) => flag.to_string().into_bytes(),
                other => integer(other)?.to_string().into_bytes(),
            };
            Some((name.as_str().to_string(), text))
        })
        .collect()
}

fn integer(value: &AMQPValue) -> Option<u64> {
    match *value {
        AMQPValue::ShortShortInt(n) => u64::try_from(n).ok(),
        AMQPValue::ShortShortUInt(n) => Some(n.into()),
        AMQPValue::ShortInt(n) => u64::try_from(n).ok(),
        AMQPValue::ShortUInt(n) => Some(n.into()),
        AMQPValue::LongInt(n) => u64::try_from(n).ok(),
        AMQPValue::LongUInt(n) => Some(n.into()),
        AMQPValue::LongLongInt(n) => u64::try_from(n).ok(),
        AMQPValue::Timestamp(n) => Some(n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn urls_give_the_broker_the_login_and_the_options() {
        let config = AmqpConfig::from_url("amqp://user:secret@127.0.0.1:5673/%2fprod?prefetch=8&heartbeat=10").unwrap();
        assert_eq!(config.uri.authority.host, "127.0.0.1");
        assert_eq!(config.uri.authority.port, 5673);
        assert_eq!(config.uri.authority.userinfo.username, "user");
        assert_eq!(config.uri.authority.userinfo.password, "secret");
        assert_eq!(config.uri.vhost, "/prod");
        assert_eq!(config.uri.query.heartbeat, Some(10));
        assert_eq!(config.prefetch, 8);
        assert_eq!(config.address(), "amqp://127.0.0.1:5673//prod");

        let plain = AmqpConfig::from_url("amqp://rabbit.internal").unwrap();
        assert_eq!(
            (plain.uri.authority.host.as_str(), plain.uri.authority.port),
            ("rabbit.internal", 5672)
        );
        assert_eq!((plain.uri.vhost.as_str(), plain.prefetch), ("/", 32));
        assert_eq!(plain.address(), "amqp://rabbit.internal:5672");

        for bad in [
            "http://x",
            "amqps://x",
            "amqp://",
            "amqp://x:port",
            "amqp://x?prefetch=0",
            "amqp://x?queue=a",
        ] {
            assert!(AmqpConfig::from_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passing_failures_are_retried_and_the_others_are_not() {
        assert_eq!(outcome(&Ok(bytes::Bytes::new())), Outcome::Done);
        assert_eq!(outcome(&Err(Error::unavailable("down"))), Outcome::Retry);
        assert_eq!(outcome(&Err(Error::internal("bug"))), Outcome::Retry);
        assert_eq!(
            outcome(&Err(Error::new(ErrorKind::DeadlineExceeded, "slow"))),
            Outcome::Retry
        );
        assert_eq!(outcome(&Err(Error::resource_exhausted("too large"))), Outcome::Reject);
        assert_eq!(outcome(&Err(Error::invalid_argument("bad"))), Outcome::Reject);
        assert_eq!(outcome(&Err(Error::unauthenticated("who?"))), Outcome::Reject);
        assert_eq!(outcome(&Err(Error::not_found("gone"))), Outcome::Reject);
    }

    #[test]
    fn headers_are_read_as_text() {
        let mut table = FieldTable::default();
        table.insert("X-Device-Key".into(), AMQPValue::LongString("k-1".into()));
        table.insert("x-delivery-count".into(), AMQPValue::LongLongInt(2));
        table.insert("nested".into(), AMQPValue::FieldTable(FieldTable::default()));
        let pairs = header_pairs(&table);
        assert_eq!(
            pairs,
            vec![
                ("X-Device-Key".to_string(), b"k-1".to_vec()),
                ("x-delivery-count".to_string(), b"2".to_vec()),
            ]
        );
    }
}
