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
//! with exponential backoff and jitter, and the subscriptions are made again after every connect.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use bytes::Bytes;
use futures_util::StreamExt;
use omniface_model::{Scalar, StreamingKind, TypeRef, bindings};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Filter, Packet, Publish, PublishProperties};
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use serde_json::{Map, Value};

use crate::auth::Credentials;
use crate::context::Protocol;
use crate::error::Error;
use crate::server::App;
use crate::service::{Input, Output};

/// Where and how the server connects to its MQTT broker.
#[derive(Clone, Debug)]
pub struct MqttConfig {
    host: String,
    port: u16,
    client_id: String,
    group: String,
    login: Option<(String, String)>,
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
}

/// A topic template (`devices/{device_id}/commands/reboot`) as a subscription filter and a
/// matcher that reads the placeholders back out of a topic name.
#[derive(Debug)]
struct TopicTemplate {
    levels: Vec<Level>,
}

#[derive(Debug)]
enum Level {
    Literal(String),
    /// One placeholder, with the literal text around it in the same level (`dev-{id}`).
    Placeholder {
        name: String,
        prefix: String,
        suffix: String,
    },
}

impl TopicTemplate {
    fn parse(template: &str) -> TopicTemplate {
        let levels = template
            .split('/')
            .map(|level| match (level.find('{'), level.rfind('}')) {
                (Some(open), Some(close)) if open < close => Level::Placeholder {
                    name: level[open + 1..close].to_string(),
                    prefix: level[..open].to_string(),
                    suffix: level[close + 1..].to_string(),
                },
                _ => Level::Literal(level.to_string()),
            })
            .collect();
        TopicTemplate { levels }
    }

    /// The filter that matches every topic of the template: each placeholder level becomes `+`.
    fn filter(&self) -> String {
        self.levels
            .iter()
            .map(|level| match level {
                Level::Literal(text) => text.as_str(),
                Level::Placeholder { .. } => "+",
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The placeholders' values in `topic`, or `None` when the topic is not one of the template's.
    fn captures<'t>(&self, topic: &'t str) -> Option<Vec<(&str, &'t str)>> {
        let parts: Vec<&str> = topic.split('/').collect();
        if parts.len() != self.levels.len() {
            return None;
        }
        let mut captures = Vec::new();
        for (level, part) in self.levels.iter().zip(parts) {
            match level {
                Level::Literal(text) if text == part => {}
                Level::Literal(_) => return None,
                Level::Placeholder { name, prefix, suffix } => {
                    let value = part.strip_prefix(prefix.as_str())?.strip_suffix(suffix.as_str())?;
                    captures.push((name.as_str(), value));
                }
            }
        }
        Some(captures)
    }

    /// The topic name of one event: each placeholder replaced by the payload member of that
    /// name. A value that is missing, empty, not a scalar or holding `/ + #` makes no topic.
    fn fill(&self, payload: &Map<String, Value>) -> Result<String, String> {
        let mut topic = String::new();
        for (position, level) in self.levels.iter().enumerate() {
            if position > 0 {
                topic.push('/');
            }
            match level {
                Level::Literal(text) => topic.push_str(text),
                Level::Placeholder { name, prefix, suffix } => {
                    let member = omniface_model::naming::json_name(name);
                    let value = match payload.get(&member) {
                        Some(Value::String(text)) => text.clone(),
                        Some(Value::Number(number)) => number.to_string(),
                        Some(Value::Bool(flag)) => flag.to_string(),
                        _ => return Err(format!("the payload has no scalar `{member}` for the topic")),
                    };
                    if value.is_empty() || value.contains(['/', '+', '#', '\0']) {
                        return Err(format!("`{member}` = {value:?} cannot be one topic level"));
                    }
                    topic.push_str(prefix);
                    topic.push_str(&value);
                    topic.push_str(suffix);
                }
            }
        }
        Ok(topic)
    }
}

/// A unary method reachable over MQTT.
struct Route {
    service: usize,
    method: usize,
    template: TopicTemplate,
    qos: QoS,
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
                template: TopicTemplate::parse(&bindings::method_request_topic(
                    descriptor.package(),
                    descriptor.service(),
                    model,
                )),
                qos: qos(bindings::method_qos(model)),
            });
        }
    }
    routes
}

/// Connects to the broker and serves until the process ends: publishes every event, answers
/// every request, and reconnects whenever the connection drops.
pub(crate) async fn run(app: Arc<App>, config: MqttConfig) {
    let routes = Arc::new(routes(&app));
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
    for (service, handler) in app.services.iter().enumerate() {
        for event in 0..handler.descriptor().events.len() {
            tokio::spawn(publish_events(app.clone(), client.clone(), service, event));
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
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                tracing::info!("MQTT: connected to {} as {}", config.address(), config.client_id);
                backoff = RETRY_FIRST;
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
                tokio::spawn(answer(app.clone(), client.clone(), routes.clone(), publish));
            }
            Ok(_) => {}
            Err(error) => {
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

const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// Between half and all of `backoff`, so instances that lost the broker together do not all
/// reconnect at the same instant.
fn jittered(backoff: Duration) -> Duration {
    let random = uuid::Uuid::new_v4().as_u128() as u64 % 1000;
    backoff / 2 + backoff / 2 * (random as u32) / 1000
}

fn is_granted(code: &rumqttc::v5::mqttbytes::v5::SubscribeReasonCode) -> bool {
    use rumqttc::v5::mqttbytes::v5::SubscribeReasonCode as Code;
    matches!(code, Code::Success(_))
}

/// Publishes one event's records, from the moment the server starts, to their topics.
async fn publish_events(app: Arc<App>, client: AsyncClient, service: usize, event: usize) {
    let handler = app.services[service].clone();
    let descriptor = handler.descriptor();
    let model = descriptor.event_model(event);
    let template = TopicTemplate::parse(&bindings::event_topic(
        descriptor.package(),
        descriptor.service(),
        model,
    ));
    let (qos, retain) = (qos(bindings::event_qos(model)), bindings::event_retain(model));
    let name = descriptor.events[event].rpc_name.clone();
    let (_, mut records) = handler.events().stream(event, None);
    while let Some(record) = records.next().await {
        let payload: Map<String, Value> = serde_json::from_slice(&record.json).unwrap_or_default();
        let topic = match template.fill(&payload) {
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
async fn answer(app: Arc<App>, client: AsyncClient, routes: Arc<Vec<Route>>, publish: Publish) {
    let topic = String::from_utf8_lossy(&publish.topic).into_owned();
    let properties = publish.properties.clone().unwrap_or_default();
    let found = routes
        .iter()
        .find_map(|route| route.template.captures(&topic).map(|captures| (route, captures)));
    let reply = match found {
        Some((route, captures)) => {
            let result = call(&app, route, &captures, &publish.payload, &properties.user_properties).await;
            Some((route.qos, result))
        }
        // A topic the subscriptions matched but no route does cannot happen; answer it anyway.
        None => Some((
            publish.qos,
            Err(Error::not_found(format!("no method listens on `{topic}`"))),
        )),
    };
    if let (Some(response_topic), Some((qos, result))) = (properties.response_topic.clone(), reply) {
        let (payload, error) = match result {
            Ok(json) => (json, None),
            Err(error) => (error_payload(&error), Some(error.code().to_string())),
        };
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

/// A declared error's fields (the payload the AsyncAPI document gives each error message), or
/// the problem details of any other error.
fn error_payload(error: &Error) -> Bytes {
    let value = match error.declared_error() {
        Some(declared) => Value::Object(declared.fields.clone()),
        None => error.problem_json(),
    };
    Bytes::from(serde_json::to_vec(&value).expect("JSON values always serialise"))
}

/// Decodes, authenticates and calls; the result is the method's JSON (`null` for none).
async fn call(
    app: &App,
    route: &Route,
    captures: &[(&str, &str)],
    payload: &[u8],
    user_properties: &[(String, String)],
) -> Result<Bytes, Error> {
    let mut params = match payload.iter().all(u8::is_ascii_whitespace) {
        true => Map::new(),
        false => match serde_json::from_slice::<Value>(payload) {
            Ok(Value::Object(members)) => members,
            Ok(_) => {
                return Err(Error::invalid_argument(
                    "the request payload must be a JSON object of the parameters",
                ));
            }
            Err(error) => {
                return Err(Error::invalid_argument(format!(
                    "the request payload is not JSON: {error}"
                )));
            }
        },
    };
    let method = app.services[route.service].descriptor().method_model(route.method);
    for (name, text) in captures {
        let member = omniface_model::naming::json_name(name);
        // 32-bit integers are JSON numbers; 64-bit ones are strings in the JSON mapping, as
        // everything else a topic level can hold.
        let is_number = method
            .params
            .iter()
            .find(|param| param.field.name == *name)
            .is_some_and(|param| matches!(param.field.ty.required(), TypeRef::Scalar(Scalar::I32 | Scalar::U32)));
        let value = match (is_number, text.parse::<i64>()) {
            (true, Ok(number)) => Value::from(number),
            _ => Value::String((*text).to_string()),
        };
        match params.get(&member) {
            None => {
                params.insert(member, value);
            }
            Some(given) if *given == value || given.as_str() == Some(text) => {}
            Some(given) => {
                return Err(Error::invalid_argument(format!(
                    "`{member}` is {given} in the payload but `{text}` in the topic"
                )));
            }
        }
    }
    let headers = Arc::new(headers(user_properties));
    let credentials = Credentials::from_headers(&headers);
    let output = app
        .invoke(
            route.service,
            route.method,
            Protocol::Mqtt,
            &credentials,
            headers,
            Input::Value(Value::Object(params)),
        )
        .await?;
    Ok(match output {
        Output::Value(value) => Bytes::from(value.to_json()),
        Output::Empty => Bytes::from_static(b"null"),
        Output::Stream(_) => return Err(Error::unimplemented("streaming results are not served over MQTT")),
    })
}

/// A request's user properties as headers; names that are not valid header names are skipped.
fn headers(user_properties: &[(String, String)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in user_properties {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_become_filters_and_read_their_placeholders_back() {
        let template = TopicTemplate::parse("devices/{device_id}/commands/reboot");
        assert_eq!(template.filter(), "devices/+/commands/reboot");
        assert_eq!(
            template.captures("devices/d-1/commands/reboot"),
            Some(vec![("device_id", "d-1")])
        );
        assert_eq!(template.captures("devices/d-1/commands/halt"), None);
        assert_eq!(template.captures("devices/d-1/commands/reboot/now"), None);

        let affixed = TopicTemplate::parse("pets/pet-{id}.json");
        assert_eq!(affixed.filter(), "pets/+");
        assert_eq!(affixed.captures("pets/pet-7.json"), Some(vec![("id", "7")]));
        assert_eq!(affixed.captures("pets/7"), None);
    }

    #[test]
    fn event_topics_are_filled_from_the_payload_and_refuse_what_would_change_their_shape() {
        let template = TopicTemplate::parse("devices/{device_id}/readings");
        let payload = |value: Value| serde_json::json!({ "deviceId": value }).as_object().cloned().unwrap();
        assert_eq!(template.fill(&payload("d-1".into())).unwrap(), "devices/d-1/readings");
        assert_eq!(template.fill(&payload(7.into())).unwrap(), "devices/7/readings");
        for bad in ["", "a/b", "a+", "#"] {
            assert!(template.fill(&payload(bad.into())).is_err(), "{bad:?}");
        }
        assert!(template.fill(&Map::new()).is_err());
    }

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
