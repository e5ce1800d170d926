//! What the broker protocols (MQTT 5 and AMQP 0-9-1) share: topic and routing-key templates,
//! requests as JSON objects of parameters, headers carried as message properties, error payloads
//! and reconnection delays.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use bytes::Bytes;
use omniface_model::{Scalar, TypeRef};
use serde_json::{Map, Value};

use crate::auth::Credentials;
use crate::context::Protocol;
use crate::error::Error;
use crate::server::App;
use crate::service::{Input, Output};

/// How a broker writes names: the level separator, and the characters a filled-in value may not
/// hold because they would change the name's shape or act as wildcards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// MQTT topics: `devices/d-1/readings`; `+` and `#` are wildcards.
    MqttTopic,
    /// AMQP topic-exchange routing keys: `telemetry.status.Online`; `*` and `#` are wildcards.
    AmqpRoutingKey,
}

impl Syntax {
    fn separator(self) -> char {
        match self {
            Syntax::MqttTopic => '/',
            Syntax::AmqpRoutingKey => '.',
        }
    }

    fn forbidden(self) -> &'static [char] {
        match self {
            Syntax::MqttTopic => &['/', '+', '#', '\0'],
            Syntax::AmqpRoutingKey => &['.', '*', '#'],
        }
    }
}

/// A topic or routing-key template (`devices/{device_id}/commands/reboot`) as a subscription
/// filter, a matcher that reads the placeholders back out of a name, and a filler that makes the
/// name of one event.
#[derive(Debug)]
pub(crate) struct TopicTemplate {
    syntax: Syntax,
    levels: Vec<Level>,
    /// The JSON members the placeholders name, read from each event: worked out once here, not
    /// per event.
    members: Vec<String>,
}

#[derive(Debug)]
enum Level {
    Literal(String),
    /// One placeholder, with the literal text around it in the same level (`dev-{id}`).
    Placeholder {
        name: String,
        /// `name` in the JSON mapping (`device_id` is `deviceId`).
        member: String,
        prefix: String,
        suffix: String,
    },
}

impl TopicTemplate {
    pub(crate) fn parse(template: &str, syntax: Syntax) -> TopicTemplate {
        let levels: Vec<Level> = template
            .split(syntax.separator())
            .map(|level| match (level.find('{'), level.rfind('}')) {
                (Some(open), Some(close)) if open < close => Level::Placeholder {
                    name: level[open + 1..close].to_string(),
                    member: omniface_model::naming::json_name(&level[open + 1..close]),
                    prefix: level[..open].to_string(),
                    suffix: level[close + 1..].to_string(),
                },
                _ => Level::Literal(level.to_string()),
            })
            .collect();
        let members = levels
            .iter()
            .filter_map(|level| match level {
                Level::Placeholder { member, .. } => Some(member.clone()),
                Level::Literal(_) => None,
            })
            .collect();
        TopicTemplate {
            syntax,
            levels,
            members,
        }
    }

    /// The filter that matches every name of the template: each placeholder level becomes the
    /// one-level wildcard (`+` in MQTT, `*` in AMQP).
    pub(crate) fn filter(&self) -> String {
        let wildcard = match self.syntax {
            Syntax::MqttTopic => "+",
            Syntax::AmqpRoutingKey => "*",
        };
        self.levels
            .iter()
            .map(|level| match level {
                Level::Literal(text) => text.as_str(),
                Level::Placeholder { .. } => wildcard,
            })
            .collect::<Vec<_>>()
            .join(&self.syntax.separator().to_string())
    }

    /// The placeholders' values in `name`, or `None` when the name is not one of the template's.
    pub(crate) fn captures<'t>(&self, name: &'t str) -> Option<Vec<(&str, &'t str)>> {
        let parts: Vec<&str> = name.split(self.syntax.separator()).collect();
        if parts.len() != self.levels.len() {
            return None;
        }
        let mut captures = Vec::new();
        for (level, part) in self.levels.iter().zip(parts) {
            match level {
                Level::Literal(text) if text == part => {}
                Level::Literal(_) => return None,
                Level::Placeholder {
                    name, prefix, suffix, ..
                } => {
                    let value = part.strip_prefix(prefix.as_str())?.strip_suffix(suffix.as_str())?;
                    captures.push((name.as_str(), value));
                }
            }
        }
        Some(captures)
    }

    /// [`TopicTemplate::fill`] from an event's JSON, reading only the members the placeholders
    /// name (none for a template without placeholders): this runs for every event published.
    pub(crate) fn fill_from_json(&self, json: &[u8]) -> Result<String, String> {
        let members = match self.members.is_empty() {
            true => Map::new(),
            false => {
                let mut deserializer = serde_json::Deserializer::from_slice(json);
                serde::de::DeserializeSeed::deserialize(Members(&self.members), &mut deserializer)
                    .map_err(|error| format!("the payload is not a JSON object: {error}"))?
            }
        };
        self.fill(&members)
    }

    /// The name of one event: each placeholder replaced by the payload member of that name. A
    /// value that is missing, empty, not a scalar or holding a separator or wildcard makes no name.
    pub(crate) fn fill(&self, payload: &Map<String, Value>) -> Result<String, String> {
        let mut name = String::new();
        for (position, level) in self.levels.iter().enumerate() {
            if position > 0 {
                name.push(self.syntax.separator());
            }
            match level {
                Level::Literal(text) => name.push_str(text),
                Level::Placeholder {
                    member, prefix, suffix, ..
                } => {
                    let value = match payload.get(member) {
                        Some(Value::String(text)) => text.clone(),
                        Some(Value::Number(number)) => number.to_string(),
                        Some(Value::Bool(flag)) => flag.to_string(),
                        _ => return Err(format!("the payload has no scalar `{member}` to fill the name with")),
                    };
                    if value.is_empty() || value.contains(self.syntax.forbidden()) {
                        return Err(format!("`{member}` = {value:?} cannot be one level of the name"));
                    }
                    name.push_str(prefix);
                    name.push_str(&value);
                    name.push_str(suffix);
                }
            }
        }
        Ok(name)
    }
}

/// Reads the named members of a JSON object and skips the others without building them.
struct Members<'a>(&'a [String]);

impl<'de> serde::de::DeserializeSeed<'de> for Members<'_> {
    type Value = Map<String, Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Members<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Map::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if self.0.iter().any(|wanted| *wanted == key) {
                members.insert(key.into_owned(), map.next_value()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(members)
    }
}

/// Decodes, authenticates and calls one unary method; the result is its JSON (`null` for none).
///
/// The payload is the JSON object of the method's parameters (empty means `{}`); `captures`
/// (placeholders of the name the request came on) fill the parameters the payload leaves out and
/// must agree with those it gives; `headers` are the message's properties, so `X-API-Key` or
/// `Authorization` authenticate a broker call as they do an HTTP one.
pub(crate) async fn call(
    app: &App,
    (service, method): (usize, usize),
    protocol: Protocol,
    captures: &[(&str, &str)],
    payload: &[u8],
    headers: HeaderMap,
) -> Result<Bytes, Error> {
    let mut params = match payload.iter().all(u8::is_ascii_whitespace) {
        true => Map::new(),
        false => match serde_json::from_slice::<Value>(payload) {
            Ok(Value::Object(members)) => members,
            Ok(_) => {
                return Err(Error::invalid_argument(
                    "the message payload must be a JSON object of the parameters",
                ));
            }
            Err(error) => {
                return Err(Error::invalid_argument(format!(
                    "the message payload is not JSON: {error}"
                )));
            }
        },
    };
    let model = app.services[service].descriptor().method_model(method);
    for (name, text) in captures {
        let member = omniface_model::naming::json_name(name);
        // 32-bit integers are JSON numbers; 64-bit ones are strings in the JSON mapping, as
        // everything else a topic level can hold.
        let is_number = model
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
    let headers = Arc::new(headers);
    let credentials = Credentials::from_headers(&headers);
    let output = app
        .invoke(
            service,
            method,
            protocol,
            &credentials,
            headers,
            Input::Value(Value::Object(params)),
        )
        .await?;
    Ok(match output {
        Output::Value(value) => Bytes::from(value.to_json()),
        // The empty object the AsyncAPI document gives the reply of a method without a result
        // (proto3's `google.protobuf.Empty` in the JSON mapping).
        Output::Empty => Bytes::from_static(b"{}"),
        Output::Stream(_) => {
            return Err(Error::unimplemented(format!(
                "streaming results are not served over {}",
                protocol.name()
            )));
        }
    })
}

/// What a reply carries: the result's JSON, or the error's payload with its code (`NOT_FOUND`,
/// `PetNotFound`), which MQTT sends as the user property and AMQP as the header `error`.
pub(crate) fn reply_parts(result: &Result<Bytes, Error>) -> (Bytes, Option<String>) {
    match result {
        Ok(json) => (json.clone(), None),
        Err(error) => (error_payload(error), Some(error.code().to_string())),
    }
}

/// A declared error's fields (the payload the AsyncAPI document gives each error message), or
/// the problem details of any other error.
pub(crate) fn error_payload(error: &Error) -> Bytes {
    let value = match error.declared_error() {
        Some(declared) => Value::Object(declared.fields.clone()),
        None => error.problem_json(),
    };
    Bytes::from(serde_json::to_vec(&value).expect("JSON values always serialise"))
}

/// Name/value pairs of a message (MQTT user properties, AMQP headers) as HTTP headers; names or
/// values that are not valid in HTTP are skipped.
pub(crate) fn headers<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_bytes(value)) {
            headers.append(name, value);
        }
    }
    headers
}

/// The first delay before reconnecting to a broker, doubled after each failure up to
/// [`RETRY_MAX`].
pub(crate) const RETRY_FIRST: Duration = Duration::from_millis(100);
pub(crate) const RETRY_MAX: Duration = Duration::from_secs(30);

/// Between half and all of `backoff`, so instances that lost the broker together do not all
/// reconnect at the same instant.
pub(crate) fn jittered(backoff: Duration) -> Duration {
    let random = uuid::Uuid::new_v4().as_u128() as u64 % 1000;
    backoff / 2 + backoff / 2 * (random as u32) / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_become_filters_and_read_their_placeholders_back() {
        let template = TopicTemplate::parse("devices/{device_id}/commands/reboot", Syntax::MqttTopic);
        assert_eq!(template.filter(), "devices/+/commands/reboot");
        assert_eq!(
            template.captures("devices/d-1/commands/reboot"),
            Some(vec![("device_id", "d-1")])
        );
        assert_eq!(template.captures("devices/d-1/commands/halt"), None);
        assert_eq!(template.captures("devices/d-1/commands/reboot/now"), None);

        let affixed = TopicTemplate::parse("pets/pet-{id}.json", Syntax::MqttTopic);
        assert_eq!(affixed.filter(), "pets/+");
        assert_eq!(affixed.captures("pets/pet-7.json"), Some(vec![("id", "7")]));
        assert_eq!(affixed.captures("pets/7"), None);

        let key = TopicTemplate::parse("telemetry.status.{status}", Syntax::AmqpRoutingKey);
        assert_eq!(key.filter(), "telemetry.status.*");
        assert_eq!(
            key.captures("telemetry.status.Online"),
            Some(vec![("status", "Online")])
        );
    }

    #[test]
    fn names_are_filled_from_the_payload_and_refuse_what_would_change_their_shape() {
        let payload = |value: Value| serde_json::json!({ "deviceId": value }).as_object().cloned().unwrap();
        let topic = TopicTemplate::parse("devices/{device_id}/readings", Syntax::MqttTopic);
        assert_eq!(topic.fill(&payload("d-1".into())).unwrap(), "devices/d-1/readings");
        assert_eq!(topic.fill(&payload(7.into())).unwrap(), "devices/7/readings");
        for bad in ["", "a/b", "a+", "#"] {
            assert!(topic.fill(&payload(bad.into())).is_err(), "{bad:?}");
        }
        assert!(topic.fill(&Map::new()).is_err());

        let key = TopicTemplate::parse("devices.{device_id}.readings", Syntax::AmqpRoutingKey);
        assert_eq!(key.fill(&payload("d/1".into())).unwrap(), "devices.d/1.readings");
        for bad in ["", "a.b", "a*", "#"] {
            assert!(key.fill(&payload(bad.into())).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_filled_from_json_reading_only_the_placeholders() {
        let topic = TopicTemplate::parse("devices/{device_id}/readings", Syntax::MqttTopic);
        let json = br#"{"reading": {"deviceId": "inner", "values": [1, 2]}, "deviceId": "d-1"}"#;
        assert_eq!(topic.fill_from_json(json).unwrap(), "devices/d-1/readings");
        assert!(topic.fill_from_json(br#"{"reading": {}}"#).is_err());
        assert!(topic.fill_from_json(b"[1]").is_err());
        let fixed = TopicTemplate::parse("telemetry.readings", Syntax::AmqpRoutingKey);
        assert_eq!(fixed.fill_from_json(b"not even JSON").unwrap(), "telemetry.readings");
    }

    #[test]
    fn message_properties_become_headers_unless_http_refuses_them() {
        let headers = headers([
            ("X-API-Key", b"k-1".as_slice()),
            ("bad name", b"x".as_slice()),
            ("x-line", b"a\nb".as_slice()),
        ]);
        assert_eq!(headers.len(), 1);
        assert_eq!(headers["x-api-key"], "k-1");
    }
}
