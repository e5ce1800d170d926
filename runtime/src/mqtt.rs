//! MQTT 5 through a broker: every event published to its topic, and every unary method answered
//! with MQTT 5 request/response, over one client connection per server (rumqttc).
//!
//! The topics are the ones the AsyncAPI document lists (`omniface_model::bindings`): an event goes
//! to its `#[mqtt(topic = …)]` template with the placeholders filled from the event's fields, or
//! to `<package as path>/<Service>/<event>`; a method listens on its template or on
//! `<package as path>/<Service>/<method>/req`. A request's payload is the JSON object of the
//! method's parameters (a placeholder of the request topic fills the parameter of that name when
//! the payload leaves it out). When the request names a Response Topic, the reply goes there with
//! the request's Correlation Data: the result in the JSON mapping, or on failure the error's
//! payload (a declared error's fields, else RFC 9457 problem details) with the user property
//! `error` naming it. The request's user properties are its headers, so `X-API-Key` or
//! `Authorization` authenticate an MQTT call as they do an HTTP one.
//!
//! Requests are read through shared subscriptions (`$share/<group>/<filter>`), so several
//! instances of one service split them. They are acknowledged only after they were answered, and
//! the broker sends at most `receive_maximum` unacknowledged ones: a request in flight when an
//! instance dies is sent again (to another instance of the group). The connection is retried
//! with exponential backoff and jitter, and the subscriptions are made again after every connect;
//! what the broker had not acknowledged when the connection dropped is published again. A
//! request to an `#[idempotent]` method that carries a `message-id` user property is recorded in
//! the job log ([`crate::job_log`]) and, seen again, answered from there instead of done again.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use omniface_model::{StreamingKind, bindings};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Filter, Packet, Publish, PublishProperties};
use rumqttc::v5::{AsyncClient, Event, MqttOptions, Request};

use crate::broker::{self, RETRY_FIRST, RETRY_MAX, Syntax, TopicTemplate, jittered};
use crate::context::Protocol;
use crate::error::Error;
use crate::job_log::{FinishedJob, JobLog, MemoryJobLog};
use crate::server::App;

/// Where and how the server connects to its MQTT broker.
#[derive(Clone)]
pub struct MqttConfig {
    host: String,
    port: u16,
    client_id: String,
    group: String,
    login: Option<(String, String)>,
    /// Where `#[idempotent]` requests carrying a `message-id` are recorded; a
    /// [`MemoryJobLog`] of the server's own when unset.
    job_log: Option<Arc<dyn JobLog>>,
}

impl std::fmt::Debug for MqttConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("MqttConfig")
            .field("address", &self.address())
            .field("client_id", &self.client_id)
            .field("group", &self.group)
            .field("login", &self.login.as_ref().map(|(user, _)| user))
            .field("shared_job_log", &self.job_log.is_some())
            .finish()
    }
}

impl MqttConfig {
    /// Reads `mqtt://[user:password@]host[:port][?client_id=ID&group=GROUP]`. The port defaults to
    /// 1883, the client id to a random `omniface-…`, and the shared-subscription group, which
    /// every instance of one service must share, to `omniface`.
    pub fn from_url(url: &str) -> Result<MqttConfig, String> {
        let rest = url
            .strip_prefix("mqtt://")
            .or_else(|| url.strip_prefix("tcp://"))
            .ok_or_else(|| format!("`{url}` is not an MQTT address: write mqtt://host:1883"))?;
        let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
        let authority = authority.trim_end_matches('/');
        let (login, address) = match authority.rsplit_once('@') {
            Some((login, address)) => {
                let (user, password) = login.split_once(':').unwrap_or((login, ""));
                (Some((user.to_string(), password.to_string())), address)
            }
            None => (None, authority),
        };
        let (host, port) = match address.rsplit_once(':') {
            Some((host, port)) => {
                let port = port
                    .parse()
                    .map_err(|_| format!("`{port}` in `{url}` is not a port number"))?;
                (host, port)
            }
            None => (address, 1883),
        };
        if host.is_empty() {
            return Err(format!("`{url}` names no host: write mqtt://host:1883"));
        }
        let mut config = MqttConfig {
            host: host.trim_start_matches('[').trim_end_matches(']').to_string(),
            port,
            client_id: format!("omniface-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
            group: "omniface".to_string(),
            login,
            job_log: None,
        };
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "client_id" => config.client_id = value.into_owned(),
                "group" if value.is_empty() || value.contains(['/', '+', '#']) => {
                    return Err(format!(
                        "the shared-subscription group `{value}` may not be empty or hold / + #"
                    ));
                }
                "group" => config.group = value.into_owned(),
                other => {
                    return Err(format!(
                        "unknown MQTT option `{other}` in `{url}` (known: client_id, group)"
                    ));
                }
            }
        }
        Ok(config)
    }

    /// `mqtt://host:port`, for the start-up banner.
    pub fn address(&self) -> String {
        format!("mqtt://{}:{}", self.host, self.port)
    }

    /// The shared-subscription group of the requests.
    pub fn group(&self) -> &str {
        &self.group
    }

    /// Records the requests to `#[idempotent]` methods that carry a `message-id` user property
    /// in `log` instead of in this server's memory: a log the instances share keeps a request
    /// the broker gives another instance (its first one died before acknowledging it) from
    /// being done twice. The same log may serve AMQP ([`crate::AmqpConfig::job_log`]).
    pub fn job_log(mut self, log: Arc<dyn JobLog>) -> MqttConfig {
        self.job_log = Some(log);
        self
    }
}

/// A unary method reachable over MQTT.
struct Route {
    service: usize,
    method: usize,
    template: TopicTemplate,
    qos: QoS,
    /// `#[idempotent]`: requests with a `message-id` are answered from the job log when seen
    /// again.
    idempotent: bool,
    /// The job log's name for the method's requests: `mqtt <Service>.<method>`.
    log_name: String,
}

fn qos(level: u8) -> QoS {
    match level {
        0 => QoS::AtMostOnce,
        2 => QoS::ExactlyOnce,
        _ => QoS::AtLeastOnce,
    }
}

fn routes(app: &App) -> Vec<Route> {
    let mut routes = Vec::new();
    for (service, handler) in app.services.iter().enumerate() {
        let descriptor = handler.descriptor();
        for (method, model) in descriptor.service().methods.iter().enumerate() {
            // Streams have no request/response form: they are served over WebSocket, SSE and gRPC.
            if model.kind() != StreamingKind::Unary {
                continue;
            }
            routes.push(Route {
                service,
                method,
                template: TopicTemplate::parse(
                    &bindings::method_request_topic(descriptor.package(), descriptor.service(), model),
                    Syntax::MqttTopic,
                ),
                qos: qos(bindings::method_qos(model)),
                idempotent: model.idempotent,
                log_name: format!("mqtt {}.{}", descriptor.service().name, model.name),
            });
        }
    }
    routes
}

/// Connects to the broker and serves until the process ends: publishes every event, answers
/// every request, and reconnects whenever the connection drops.
///
/// Every event published from the call on is sent, even before the connection is up: where each
/// event stream starts is read now, not when the returned future first runs.
pub(crate) fn run(app: Arc<App>, config: MqttConfig) -> impl Future<Output = ()> + Send + 'static {
    let starts: Vec<Vec<u64>> = app
        .services
        .iter()
        .map(|handler| {
            (0..handler.descriptor().events.len())
                .map(|event| handler.events().last_id(event))
                .collect()
        })
        .collect();
    serve(app, config, starts)
}

async fn serve(app: Arc<App>, config: MqttConfig, starts: Vec<Vec<u64>>) {
    let routes = Arc::new(routes(&app));
    let log: Arc<dyn JobLog> = config.job_log.clone().unwrap_or_else(|| Arc::new(MemoryJobLog::new()));
    let mut options = MqttOptions::new(config.client_id.clone(), config.host.clone(), config.port);
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_clean_start(true)
        .set_manual_acks(true)
        .set_receive_maximum(Some(
            app.limits.max_calls_per_socket.clamp(1, usize::from(u16::MAX)) as u16
        ))
        .set_max_packet_size(Some(u32::try_from(app.limits.max_message_bytes).unwrap_or(u32::MAX)));
    if let Some((user, password)) = &config.login {
        options.set_credentials(user.clone(), password.clone());
    }
    let (client, mut eventloop) = AsyncClient::new(options, 1024);
    for (service, starts) in starts.into_iter().enumerate() {
        for (event, after) in starts.into_iter().enumerate() {
            tokio::spawn(publish_events(app.clone(), client.clone(), service, event, after));
        }
    }
    let filters: Vec<Filter> = routes
        .iter()
        .map(|route| {
            Filter::new(
                format!("$share/{}/{}", config.group, route.template.filter()),
                route.qos,
            )
        })
        .collect();
    let mut backoff = RETRY_FIRST;
    // Publishes (events and replies) that were unacknowledged or still queued when the
    // connection dropped, sent again once connected.
    let mut carried: Vec<Request> = Vec::new();
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                tracing::info!("MQTT: connected to {} as {}", config.address(), config.client_id);
                backoff = RETRY_FIRST;
                if !carried.is_empty() {
                    tracing::info!(
                        "MQTT: publishing again {} message(s) the broker had not acknowledged",
                        carried.len()
                    );
                    eventloop.pending.extend(carried.drain(..));
                }
                if !filters.is_empty() {
                    // Not awaited here: the request channel is drained by this very loop.
                    let (client, filters) = (client.clone(), filters.clone());
                    tokio::spawn(async move {
                        if let Err(error) = client.subscribe_many(filters).await {
                            tracing::warn!("MQTT: cannot subscribe to the request topics: {error}");
                        }
                    });
                }
            }
            Ok(Event::Incoming(Packet::SubAck(ack))) => {
                let refused = ack.return_codes.iter().filter(|code| !is_granted(code)).count();
                if refused > 0 {
                    tracing::warn!(
                        "MQTT: the broker refused {refused} request subscription(s): {:?}",
                        ack.return_codes
                    );
                }
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                tokio::spawn(answer(
                    app.clone(),
                    client.clone(),
                    routes.clone(),
                    log.clone(),
                    publish,
                ));
            }
            Ok(_) => {}
            Err(error) => {
                // rumqttc moved what the broker had not acknowledged, and what was still queued,
                // into `pending`, and clears it when the next session is a new one, which it
                // always is (the session starts clean): a QoS 1 event in flight when the broker
                // went away would be lost. Kept here, it goes out again, with a fresh packet id.
                // Acknowledgements of requests are not kept: those requests belong to the old
                // session, and the broker sends them again or not at all.
                carried.extend(eventloop.pending.drain(..).filter_map(|request| match request {
                    Request::Publish(mut publish) => {
                        publish.pkid = 0;
                        publish.dup = false;
                        Some(Request::Publish(publish))
                    }
                    _ => None,
                }));
                let wait = jittered(backoff);
                tracing::warn!(
                    "MQTT: connection to {} failed ({error}); retrying in {} ms",
                    config.address(),
                    wait.as_millis()
                );
                tokio::time::sleep(wait).await;
                backoff = (backoff * 2).min(RETRY_MAX);
            }
        }
    }
}

fn is_granted(code: &rumqttc::v5::mqttbytes::v5::SubscribeReasonCode) -> bool {
    use rumqttc::v5::mqttbytes::v5::SubscribeReasonCode as Code;
    matches!(code, Code::Success(_))
}

/// Publishes one event's records after `after` (the last one when the server started) to their
/// topics.
async fn publish_events(app: Arc<App>, client: AsyncClient, service: usize, event: usize, after: u64) {
    let handler = app.services[service].clone();
    let descriptor = handler.descriptor();
    let model = descriptor.event_model(event);
    let template = TopicTemplate::parse(
        &bindings::event_topic(descriptor.package(), descriptor.service(), model),
        Syntax::MqttTopic,
    );
    let (qos, retain) = (qos(bindings::event_qos(model)), bindings::event_retain(model));
    let name = descriptor.events[event].rpc_name.clone();
    let (_, mut records) = handler.events().stream(event, Some(after));
    while let Some(record) = records.next().await {
        let topic = match template.fill_from_json(&record.json) {
            Ok(topic) => topic,
            Err(reason) => {
                tracing::warn!("MQTT: event {name} #{} not published: {reason}", record.id);
                continue;
            }
        };
        let properties = PublishProperties {
            payload_format_indicator: Some(1),
            content_type: Some("application/json".to_string()),
            ..PublishProperties::default()
        };
        if let Err(error) = client
            .publish_with_properties(topic, qos, retain, record.json.clone(), properties)
            .await
        {
            tracing::warn!("MQTT: event {name} #{} not published: {error}", record.id);
        }
    }
}

/// Calls the method a request is for and publishes the reply to its response topic, then
/// acknowledges the request.
async fn answer(app: Arc<App>, client: AsyncClient, routes: Arc<Vec<Route>>, log: Arc<dyn JobLog>, publish: Publish) {
    let topic = String::from_utf8_lossy(&publish.topic).into_owned();
    let properties = publish.properties.clone().unwrap_or_default();
    let found = routes
        .iter()
        .find_map(|route| route.template.captures(&topic).map(|captures| (route, captures)));
    let (qos, (payload, error)) = match found {
        Some((route, captures)) => {
            let message_id = (properties.user_properties.iter())
                .find(|(name, _)| name.eq_ignore_ascii_case("message-id"))
                .map(|(_, id)| id.as_str())
                .filter(|_| route.idempotent);
            let remembered = message_id.and_then(|id| log.recall("MQTT", &route.log_name, id));
            let reply = match remembered {
                Some(finished) => (bytes::Bytes::from(finished.reply), finished.error),
                None => {
                    let headers = broker::headers(
                        (properties.user_properties.iter()).map(|(name, value)| (name.as_str(), value.as_bytes())),
                    );
                    let target = (route.service, route.method);
                    let result = broker::call(&app, target, Protocol::Mqtt, &captures, &publish.payload, headers).await;
                    let (payload, error) = broker::reply_parts(&result);
                    // Recorded before the reply and the acknowledgement, as AMQP jobs are.
                    if let Some(id) = message_id {
                        let finished = FinishedJob {
                            reply: payload.to_vec(),
                            error: error.clone(),
                            dead_lettered: false,
                        };
                        log.remember("MQTT", &route.log_name, id, &finished);
                    }
                    (payload, error)
                }
            };
            (route.qos, reply)
        }
        // A topic the subscriptions matched but no route does cannot happen; answer it anyway.
        None => (
            publish.qos,
            broker::reply_parts(&Err(Error::not_found(format!("no method listens on `{topic}`")))),
        ),
    };
    if let Some(response_topic) = properties.response_topic.clone() {
        let reply_properties = PublishProperties {
            payload_format_indicator: Some(1),
            content_type: Some("application/json".to_string()),
            correlation_data: properties.correlation_data.clone(),
            user_properties: error.map(|code| vec![("error".to_string(), code)]).unwrap_or_default(),
            ..PublishProperties::default()
        };
        if let Err(error) = client
            .publish_with_properties(response_topic, qos, false, payload, reply_properties)
            .await
        {
            tracing::warn!("MQTT: the reply to a request on `{topic}` was not sent: {error}");
        }
    }
    if publish.qos != QoS::AtMostOnce
        && let Err(error) = client.ack(&publish).await
    {
        tracing::warn!("MQTT: cannot acknowledge a request on `{topic}`: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_host_port_login_and_options() {
        let config = MqttConfig::from_url("mqtt://user:secret@broker.example:1884?client_id=a&group=fleet").unwrap();
        assert_eq!(
            (
                config.host.as_str(),
                config.port,
                config.client_id.as_str(),
                config.group.as_str()
            ),
            ("broker.example", 1884, "a", "fleet")
        );
        assert_eq!(config.login, Some(("user".to_string(), "secret".to_string())));
        let plain = MqttConfig::from_url("mqtt://127.0.0.1").unwrap();
        assert_eq!((plain.port, plain.group.as_str()), (1883, "omniface"));
        assert!(plain.client_id.starts_with("omniface-"));
        for bad in [
            "http://x",
            "mqtt://",
            "mqtt://x:port",
            "mqtt://x?group=a/b",
            "mqtt://x?qos=1",
        ] {
            assert!(MqttConfig::from_url(bad).is_err(), "{bad}");
        }
    }
}
