//! The `asyncapi` target: one AsyncAPI 3.0 document per package that has services, describing what
//! travels over MQTT 5 (events published to their topics; unary methods as request/response with a
//! response topic and correlation data), over AMQP 0-9-1 (events on the package's topic exchange
//! under their routing keys; `#[queue]` methods as jobs on their work queues, answered to
//! `reply_to`) and over the WebSocket endpoint (events and the messages of streaming methods).
//! Payloads are JSON Schema draft-07 from [`super::json_schema`].

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::GeneratedFile;
use super::json_schema::{Dialect, SchemaGen, documents_per_package, reachable_types};
use super::prose::{deprecation_note, name_in_words, package_version, security_scheme_name, summary_and_description};
use crate::model::bindings;
use crate::model::naming::{enum_value_name, json_name};
use crate::model::*;

const SCHEMAS: &str = super::json_schema::COMPONENT_SCHEMAS;
const MESSAGES: &str = "#/components/messages/";
const JSON: &str = "application/json";
/// Version of the AsyncAPI MQTT bindings written (`bindings.mqtt`).
const MQTT_BINDING_VERSION: &str = "0.2.0";
/// Version of the AsyncAPI AMQP bindings written (`bindings.amqp`).
const AMQP_BINDING_VERSION: &str = "0.3.0";
/// The one channel that carries every WebSocket message.
const WS_CHANNEL: &str = "ws";
/// MQTT 5 request/response: where a request names its reply topic and its correlation data.
const RESPONSE_TOPIC: &str = "$message.header#/responseTopic";
const CORRELATION_DATA: &str = "$message.header#/correlationData";
/// AMQP jobs: where a job names its reply queue and its correlation id.
const REPLY_TO: &str = "$message.header#/reply_to";
const CORRELATION_ID: &str = "$message.header#/correlation_id";

pub fn generate(model: &Model) -> Vec<GeneratedFile> {
    documents_per_package(model, Dialect::Draft07, "asyncapi.json", |package, schemas| {
        Document::new(model, package, schemas).build()
    })
}

/// One package's document, filled service by service. Every map keeps insertion order (model
/// order), which makes the output deterministic.
struct Document<'a> {
    model: &'a Model,
    package: &'a Package,
    schemas: &'a SchemaGen<'a>,
    channels: Map<String, Value>,
    operations: Map<String, Value>,
    messages: Map<String, Value>,
    /// Event payload objects, added to the component schemas after the declared types.
    payloads: Map<String, Value>,
    /// Messages of the WebSocket channel, by message id; the channel is written last.
    ws_messages: Map<String, Value>,
    /// Security schemes used by some operation, by component name.
    schemes: BTreeMap<String, Value>,
}

impl<'a> Document<'a> {
    fn new(model: &'a Model, package: &'a Package, schemas: &'a SchemaGen<'a>) -> Document<'a> {
        Document {
            model,
            package,
            schemas,
            channels: Map::new(),
            operations: Map::new(),
            messages: Map::new(),
            payloads: Map::new(),
            ws_messages: Map::new(),
            schemes: BTreeMap::new(),
        }
    }

    fn build(mut self) -> Value {
        for service in &self.package.services {
            for event in &service.events {
                self.event(service, event);
            }
            for method in &service.methods {
                match method.kind() {
                    StreamingKind::Unary => {
                        self.mqtt_method(service, method);
                        if method.queue.is_some() {
                            self.queue_method(service, method);
                        }
                    }
                    _ => self.ws_stream(service, method),
                }
            }
        }
        if !self.ws_messages.is_empty() {
            let ws = json!({
                "address": "/ws",
                "title": "WebSocket",
                "description": "The WebSocket endpoint, subprotocol `omniface.jsonrpc.v1`: JSON-RPC 2.0 text messages. Unary methods are called as in the OpenRPC document. A request naming an event (`Service.event`, params `{\"after\": cursor}` optional) or a server-streaming method subscribes: the service sends `stream.item` notifications carrying the request's `id` and one item each, then the JSON-RPC response when the stream ends. A request naming a client-streaming method opens a call that the client feeds with `stream.item` notifications and closes with `stream.end` (`{\"id\": …}`); the response carries the result. `stream.cancel` (`{\"id\": …}`) stops any call. Clients that cannot set headers on the upgrade request send `rpc.authenticate` (`{\"authorization\": \"Bearer …\"}` or `{\"headers\": {…}}`) first.",
                "servers": [{ "$ref": "#/servers/ws" }],
                "messages": std::mem::take(&mut self.ws_messages),
            });
            self.channels.insert(WS_CHANNEL.into(), ws);
        }

        let mut document = Map::new();
        document.insert("asyncapi".into(), json!("3.0.0"));
        document.insert("info".into(), self.info());
        document.insert("defaultContentType".into(), json!(JSON));
        document.insert(
            "servers".into(),
            json!({
                "mqtt": {
                    "host": "localhost:1883",
                    "protocol": "mqtt",
                    "protocolVersion": "5",
                    "description": "The MQTT 5 broker the service is connected to: it publishes events there and answers requests sent there.",
                },
                "amqp": {
                    "host": "localhost:5672",
                    "protocol": "amqp",
                    "protocolVersion": "0.9.1",
                    "description": "The AMQP 0-9-1 broker (RabbitMQ) the service is connected to: it publishes events to the package's topic exchange and consumes the work queues of `#[queue]` methods.",
                },
                // The path is the channel's address, as AsyncAPI's WebSocket examples write it, so
                // that server and channel do not both carry `/ws`.
                "ws": {
                    "host": "localhost:8080",
                    "protocol": "ws",
                    "description": "The service's HTTP listener (`--listen` sets the address); WebSocket clients connect to `/ws`.",
                },
            }),
        );
        document.insert("channels".into(), Value::Object(std::mem::take(&mut self.channels)));
        document.insert("operations".into(), Value::Object(std::mem::take(&mut self.operations)));
        document.insert("components".into(), self.components());
        Value::Object(document)
    }

    fn info(&self) -> Value {
        let mut info = Map::new();
        info.insert("title".into(), json!(self.package.name));
        info.insert("version".into(), json!(package_version(&self.package.name)));
        let docs = self.package.docs.text();
        if !docs.is_empty() {
            info.insert("description".into(), json!(docs));
        }
        let tags: Vec<Value> = self
            .package
            .services
            .iter()
            .map(|service| {
                let docs = service.docs.text();
                let mut description = if docs.is_empty() {
                    format!("The {} service.", service.name)
                } else {
                    docs
                };
                if let Some(deprecation) = &service.deprecated {
                    description.push_str(&deprecation_note(deprecation));
                }
                json!({ "name": service.name, "description": description })
            })
            .collect();
        info.insert("tags".into(), Value::Array(tags));
        Value::Object(info)
    }

    /// An event: its payload schema and message, its MQTT channel and publish operation, and its
    /// place on the WebSocket channel.
    fn event(&mut self, service: &Service, event: &Event) {
        let id = format!("{}.{}", service.name, event.name);
        let deprecated = event.deprecated.as_ref().or(service.deprecated.as_ref());
        let payload_name = self
            .schemas
            .event_payload_name(service, event, |name| self.payloads.contains_key(name));
        self.payloads
            .insert(payload_name.clone(), self.schemas.event_payload(service, event));

        let mut message = self.message_head(&event.name, &event.docs, deprecated);
        message.insert("contentType".into(), json!(JSON));
        message.insert("payload".into(), json!({ "$ref": format!("{SCHEMAS}{payload_name}") }));
        message.insert(
            "bindings".into(),
            json!({
                "mqtt": mqtt_message_binding(false),
                "amqp": { "messageType": id, "bindingVersion": AMQP_BINDING_VERSION },
            }),
        );
        self.messages.insert(id.clone(), Value::Object(message));

        let topic = bindings::event_topic(self.package, service, event);
        let channel = self.channel(
            &topic,
            format!("The MQTT topic `{}` events are published to.", event.name),
            "mqtt",
            &id,
            &event.params,
            None,
        );
        self.channels.insert(id.clone(), channel);

        let (summary, description) = summary_and_description(&event.docs, &event.name);
        let mut operation = Map::new();
        operation.insert("action".into(), json!("send"));
        operation.insert("channel".into(), json!({ "$ref": format!("#/channels/{id}") }));
        operation.insert("title".into(), json!(format!("Publish {}", name_in_words(&event.name))));
        operation.insert("summary".into(), json!(summary));
        // Subscribers authenticate to the broker, whose ACLs decide who reads the topic.
        operation.insert(
            "description".into(),
            json!(with_deprecation(
                append(
                    description,
                    "Who may subscribe is decided by the broker's access control."
                ),
                deprecated
            )),
        );
        operation.insert("tags".into(), json!([{ "name": service.name }]));
        operation.insert(
            "bindings".into(),
            json!({ "mqtt": {
                "qos": bindings::event_qos(event),
                "retain": bindings::event_retain(event),
                "bindingVersion": MQTT_BINDING_VERSION,
            } }),
        );
        operation.insert(
            "messages".into(),
            json!([{ "$ref": format!("#/channels/{id}/messages/{id}") }]),
        );
        if deprecated.is_some() {
            operation.insert("x-deprecated".into(), json!(true));
        }
        self.operations.insert(format!("{id}.mqtt"), Value::Object(operation));

        self.amqp_event(service, event, &id, deprecated);

        let auth = bindings::event_auth(service, event);
        let ws_id = format!("{id}.ws");
        let mut ws_message = self.message_head(&event.name, &event.docs, deprecated);
        ws_message.insert("contentType".into(), json!(JSON));
        ws_message.insert(
            "payload".into(),
            stream_item(json!({ "$ref": format!("{SCHEMAS}{payload_name}") }), true),
        );
        self.messages.insert(ws_id.clone(), Value::Object(ws_message));
        self.ws_operation(
            service,
            &ws_id,
            WsOperation {
                action: "send",
                suffix: "ws",
                title: format!("Push {}", name_in_words(&event.name)),
                summary,
                description: Some(format!("Every `{}` event, as it is published.", event.name)),
                deprecated,
                auth,
            },
        );
    }

    /// A unary method over MQTT 5 request/response: the request channel at the method's topic, a
    /// reply channel whose address each request names, and a `receive` operation with a reply.
    fn mqtt_method(&mut self, service: &Service, method: &Method) {
        let deprecated = method.deprecated.as_ref().or(service.deprecated.as_ref());
        let id = format!("{}.{}", service.name, method.name);
        let request_id = format!("{id}.request");
        let reply_id = format!("{id}.reply");
        let qos = bindings::method_qos(method);

        let mut request = self.message_head(&format!("{}.request", method.name), &method.docs, deprecated);
        request.insert(
            "title".into(),
            json!(format!("{} request", name_in_words(&method.name))),
        );
        request.insert("contentType".into(), json!(JSON));
        request.insert("correlationId".into(), correlation_id());
        request.insert("payload".into(), self.request_payload(method));
        request.insert("bindings".into(), json!({ "mqtt": mqtt_message_binding(true) }));
        self.messages.insert(request_id.clone(), Value::Object(request));

        let reply_messages = self.reply_messages(method, &id, Transport::Mqtt);

        let topic = bindings::method_request_topic(self.package, service, method);
        let channel = self.channel(
            &topic,
            format!("The MQTT topic `{}` requests are sent to.", method.name),
            "mqtt",
            &request_id,
            &method.params,
            None,
        );
        self.channels.insert(request_id.clone(), channel);

        let qos_text = format!(
            "Called by MQTT 5 request/response: publish the request with a response topic and correlation data; the reply (QoS {qos}) goes to that topic with the same correlation data."
        );
        self.request_reply(
            service,
            method,
            RequestReply {
                operation_id: format!("{id}.mqtt"),
                request_id: &request_id,
                reply_id: &reply_id,
                reply_messages: &reply_messages,
                server: "mqtt",
                reply_channel_description: format!("The response topic named by each `{}` request.", method.name),
                title: name_in_words(&method.name),
                protocol: qos_text,
                bindings: json!({ "mqtt": { "qos": qos, "retain": false, "bindingVersion": MQTT_BINDING_VERSION } }),
                reply_address: json!({ "location": RESPONSE_TOPIC, "description": "The response topic of the request." }),
            },
        );
    }

    /// The arguments of a method as one JSON object, one member per parameter.
    fn request_payload(&self, method: &Method) -> Value {
        let fields: Vec<Field> = method.params.iter().map(|p| p.field.clone()).collect();
        let mut payload = self.schemas.object(&fields);
        if let Value::Object(map) = &mut payload {
            let mut front = Map::new();
            front.insert("title".into(), json!(bindings::request_type_name(method)));
            front.insert(
                "description".into(),
                json!(format!("The arguments of `{}`, one member per parameter.", method.name)),
            );
            front.append(map);
            *map = front;
        }
        payload
    }

    /// The messages a request or job may be answered with: the result (`<prefix>.reply`) and each
    /// declared error (`<prefix>.<Error>`). Returns their ids.
    fn reply_messages(&mut self, method: &Method, prefix: &str, transport: Transport) -> Vec<String> {
        let reply_id = format!("{prefix}.reply");
        let reply_payload = match &method.returns {
            Some(returns) => {
                let schema = self.schemas.type_ref(returns);
                if returns.is_optional() {
                    json!({ "oneOf": [schema, { "type": "null" }] })
                } else {
                    schema
                }
            }
            None => json!({ "type": "object", "description": "Empty: the method returns no value." }),
        };
        let mut reply = Map::new();
        reply.insert("name".into(), json!(format!("{}.reply", method.name)));
        reply.insert("title".into(), json!(format!("{} reply", name_in_words(&method.name))));
        reply.insert(
            "summary".into(),
            json!(format!("The result of `{}`, when it succeeds.", method.name)),
        );
        reply.insert("contentType".into(), json!(JSON));
        reply.insert("correlationId".into(), transport.correlation_id());
        reply.insert("payload".into(), reply_payload);
        reply.insert("bindings".into(), transport.message_bindings());
        self.messages.insert(reply_id.clone(), Value::Object(reply));

        let mut reply_messages = vec![reply_id];
        for thrown in &method.throws {
            let Some(def) = self.model.type_def(thrown) else {
                continue;
            };
            let error_id = format!("{prefix}.{}", def.name);
            let mut message = Map::new();
            message.insert("name".into(), json!(def.name));
            message.insert("title".into(), json!(format!("{} error", name_in_words(&def.name))));
            let (summary, _) = summary_and_description(&def.docs, &def.name);
            message.insert("summary".into(), json!(summary));
            message.insert(
                "description".into(),
                json!(format!(
                    "Published instead of the result when `{}` fails with `{}`; the {} `error` names the error.",
                    method.name,
                    def.name,
                    transport.header_kind()
                )),
            );
            message.insert(
                "headers".into(),
                json!({
                    "type": "object",
                    "properties": { "error": { "type": "string", "const": def.name, "description": "The name of the error." } },
                    "required": ["error"],
                }),
            );
            message.insert("contentType".into(), json!(JSON));
            message.insert("correlationId".into(), transport.correlation_id());
            message.insert("payload".into(), self.schemas.reference(thrown));
            message.insert("bindings".into(), transport.message_bindings());
            self.messages.insert(error_id.clone(), Value::Object(message));
            reply_messages.push(error_id);
        }
        reply_messages
    }

    /// An event on AMQP: a channel for its routing key on the package's topic exchange, and the
    /// publishing operation, with the event's message.
    fn amqp_event(&mut self, service: &Service, event: &Event, id: &str, deprecated: Option<&Deprecation>) {
        let amqp_id = format!("{id}.amqp");
        let routing_key = bindings::event_routing_key(self.package, service, event);
        let bindings = json!({ "amqp": {
            "is": "routingKey",
            "exchange": { "name": self.package.name, "type": "topic", "durable": true, "autoDelete": false, "vhost": "/" },
            "bindingVersion": AMQP_BINDING_VERSION,
        } });
        let channel = self.channel(
            &routing_key,
            format!(
                "The routing key `{}` events are published under, on the topic exchange `{}`.",
                event.name, self.package.name
            ),
            "amqp",
            id,
            &event.params,
            Some(bindings),
        );
        self.channels.insert(amqp_id.clone(), channel);

        let (summary, description) = summary_and_description(&event.docs, &event.name);
        let mut operation = Map::new();
        operation.insert("action".into(), json!("send"));
        operation.insert("channel".into(), json!({ "$ref": format!("#/channels/{amqp_id}") }));
        operation.insert(
            "title".into(),
            json!(format!("Publish {} to AMQP", name_in_words(&event.name))),
        );
        operation.insert("summary".into(), json!(summary));
        operation.insert(
            "description".into(),
            json!(with_deprecation(
                append(
                    description,
                    "Persistent messages, confirmed by the broker. To receive them, bind a queue to the exchange with this routing key or a pattern of it (`*` is one word, `#` any number); the broker's access control decides who may."
                ),
                deprecated
            )),
        );
        operation.insert("tags".into(), json!([{ "name": service.name }]));
        operation.insert(
            "bindings".into(),
            json!({ "amqp": { "deliveryMode": 2, "timestamp": true, "bindingVersion": AMQP_BINDING_VERSION } }),
        );
        operation.insert(
            "messages".into(),
            json!([{ "$ref": format!("#/channels/{amqp_id}/messages/{id}") }]),
        );
        if deprecated.is_some() {
            operation.insert("x-deprecated".into(), json!(true));
        }
        self.operations.insert(amqp_id, Value::Object(operation));
    }

    /// A `#[queue]` method on AMQP: the work queue's channel and its job message, a reply channel
    /// whose queue each job names in `reply_to`, and a `receive` operation with a reply.
    fn queue_method(&mut self, service: &Service, method: &Method) {
        let deprecated = method.deprecated.as_ref().or(service.deprecated.as_ref());
        let id = format!("{}.{}", service.name, method.name);
        let job_id = format!("{id}.job");
        let reply_id = format!("{job_id}.reply");
        let queue = bindings::method_queue_name(self.package, service, method).unwrap_or_default();
        let max_attempts = bindings::method_max_attempts(method).unwrap_or(5);

        let mut job = self.message_head(&format!("{}.job", method.name), &method.docs, deprecated);
        job.insert("title".into(), json!(format!("{} job", name_in_words(&method.name))));
        job.insert("contentType".into(), json!(JSON));
        job.insert("correlationId".into(), amqp_correlation_id());
        job.insert("payload".into(), self.request_payload(method));
        job.insert(
            "bindings".into(),
            json!({ "amqp": { "messageType": job_id, "bindingVersion": AMQP_BINDING_VERSION } }),
        );
        self.messages.insert(job_id.clone(), Value::Object(job));

        let reply_messages = self.reply_messages(method, &job_id, Transport::Amqp);
        let bindings = json!({ "amqp": {
            "is": "queue",
            "queue": { "name": queue, "durable": true, "exclusive": false, "autoDelete": false, "vhost": "/" },
            "bindingVersion": AMQP_BINDING_VERSION,
        } });
        let description = format!(
            "The durable work queue of `{}`: publish jobs to the default exchange with `{queue}` as the routing key. A job that fails {max_attempts} times, or fails in a way that retrying cannot mend, is moved to `{queue}.dead`.",
            method.name
        );
        let channel = self.channel(&queue, description, "amqp", &job_id, &[], Some(bindings));
        self.channels.insert(job_id.clone(), channel);
        let protocol = format!(
            "Consumed as jobs by competing consumers, acknowledged once done. The job's payload is the method's arguments and its headers are the request's headers (credentials included). Failures that may pass (unavailable, timeouts, rate limits, internal errors) are retried up to {max_attempts} attempts in all; a job with `reply_to` gets the result, or the error with the header `error` naming it, there with its `correlation_id`."
        );
        self.request_reply(
            service,
            method,
            RequestReply {
                operation_id: format!("{id}.amqp"),
                request_id: &job_id,
                reply_id: &reply_id,
                reply_messages: &reply_messages,
                server: "amqp",
                reply_channel_description: format!("The queue named by each `{}` job's `reply_to`.", method.name),
                title: format!("{} from the queue", name_in_words(&method.name)),
                protocol,
                bindings: json!({ "amqp": { "ack": true, "bindingVersion": AMQP_BINDING_VERSION } }),
                reply_address: json!({ "location": REPLY_TO, "description": "The reply queue the job names." }),
            },
        );
    }

    /// The reply channel of a request (whose address each request names) and the `receive`
    /// operation on the request channel, with its reply.
    fn request_reply(&mut self, service: &Service, method: &Method, spec: RequestReply<'_>) {
        let deprecated = method.deprecated.as_ref().or(service.deprecated.as_ref());
        let RequestReply {
            request_id,
            reply_id,
            reply_messages,
            ..
        } = spec;
        let reply_channel_messages: Map<String, Value> = reply_messages
            .iter()
            .map(|m| (m.clone(), json!({ "$ref": format!("{MESSAGES}{m}") })))
            .collect();
        self.channels.insert(
            reply_id.to_string(),
            json!({
                "address": null,
                "description": spec.reply_channel_description,
                "servers": [{ "$ref": format!("#/servers/{}", spec.server) }],
                "messages": reply_channel_messages,
            }),
        );

        let (summary, description) = summary_and_description(&method.docs, &method.name);
        let auth = bindings::method_auth(service, method);
        let mut operation = Map::new();
        operation.insert("action".into(), json!("receive"));
        operation.insert("channel".into(), json!({ "$ref": format!("#/channels/{request_id}") }));
        operation.insert("title".into(), json!(spec.title));
        operation.insert("summary".into(), json!(summary));
        operation.insert(
            "description".into(),
            json!(with_deprecation(
                append(append(description, &spec.protocol), &scopes_note(auth)),
                deprecated
            )),
        );
        if let Some(security) = self.security(auth) {
            operation.insert("security".into(), security);
        }
        operation.insert("tags".into(), json!([{ "name": service.name }]));
        operation.insert("bindings".into(), spec.bindings);
        operation.insert(
            "messages".into(),
            json!([{ "$ref": format!("#/channels/{request_id}/messages/{request_id}") }]),
        );
        let reply_refs: Vec<Value> = reply_messages
            .iter()
            .map(|m| json!({ "$ref": format!("#/channels/{reply_id}/messages/{m}") }))
            .collect();
        operation.insert(
            "reply".into(),
            json!({
                "address": spec.reply_address,
                "channel": { "$ref": format!("#/channels/{reply_id}") },
                "messages": reply_refs,
            }),
        );
        if deprecated.is_some() {
            operation.insert("x-deprecated".into(), json!(true));
        }
        self.operations.insert(spec.operation_id, Value::Object(operation));
    }

    /// A streaming method on the WebSocket channel: what the client sends (the stream's items, or
    /// the arguments once to open a server stream) and what the service sends back (the stream's
    /// items, or the one result of a client stream).
    fn ws_stream(&mut self, service: &Service, method: &Method) {
        let deprecated = method.deprecated.as_ref().or(service.deprecated.as_ref());
        let id = format!("{}.{}", service.name, method.name);
        let auth = bindings::method_auth(service, method);
        let (summary, description) = summary_and_description(&method.docs, &method.name);
        let method_title = name_in_words(&method.name);

        let (input_payload, input_summary) = if method.input_stream {
            let item = method
                .params
                .first()
                .map(|p| self.schemas.type_ref(&p.field.ty))
                .unwrap_or_else(|| json!({}));
            (
                stream_item(item, false),
                format!(
                    "One item of the stream the client sends to `{}`, after the request that opened the call.",
                    method.name
                ),
            )
        } else {
            let fields: Vec<Field> = method.params.iter().map(|p| p.field.clone()).collect();
            (
                rpc_request(
                    &format!("{}.{}", service.name, method.name),
                    self.schemas.object(&fields),
                ),
                format!("The request that opens `{}`, with its arguments.", method.name),
            )
        };
        let input_id = format!("{id}.input");
        let mut input = Map::new();
        input.insert("name".into(), json!(format!("{}.input", method.name)));
        input.insert("title".into(), json!(format!("{method_title} input")));
        input.insert("summary".into(), json!(input_summary));
        input.insert("contentType".into(), json!(JSON));
        input.insert("payload".into(), input_payload);
        self.messages.insert(input_id.clone(), Value::Object(input));
        self.ws_operation(
            service,
            &input_id,
            WsOperation {
                action: "receive",
                suffix: "ws.receive",
                title: format!("{method_title} (client side)"),
                summary: summary.clone(),
                description: description.clone(),
                deprecated,
                auth,
            },
        );

        let output_value = method
            .returns
            .as_ref()
            .map(|r| self.schemas.type_ref(r))
            .unwrap_or_else(|| json!({ "type": "null", "description": "The method returns no value." }));
        let output_payload = if method.output_stream {
            stream_item(output_value, false)
        } else {
            rpc_response(output_value)
        };
        let output_summary = if method.output_stream {
            format!("One item of the stream `{}` sends.", method.name)
        } else {
            format!(
                "The result of `{}`, sent once the client's stream has ended.",
                method.name
            )
        };
        let output_id = format!("{id}.output");
        let mut output = Map::new();
        output.insert("name".into(), json!(format!("{}.output", method.name)));
        output.insert("title".into(), json!(format!("{method_title} output")));
        output.insert("summary".into(), json!(output_summary));
        output.insert("contentType".into(), json!(JSON));
        output.insert("payload".into(), output_payload);
        self.messages.insert(output_id.clone(), Value::Object(output));
        self.ws_operation(
            service,
            &output_id,
            WsOperation {
                action: "send",
                suffix: "ws.send",
                title: format!("{method_title} (service side)"),
                summary,
                description,
                deprecated,
                auth,
            },
        );
    }

    /// Adds a message to the WebSocket channel and an operation on it. `message_id` names the
    /// component message; the operation id replaces its last part with `suffix`.
    fn ws_operation(&mut self, service: &Service, message_id: &str, op: WsOperation<'_>) {
        self.ws_messages.insert(
            message_id.to_string(),
            json!({ "$ref": format!("{MESSAGES}{message_id}") }),
        );
        let mut operation = Map::new();
        operation.insert("action".into(), json!(op.action));
        operation.insert("channel".into(), json!({ "$ref": format!("#/channels/{WS_CHANNEL}") }));
        operation.insert("title".into(), json!(op.title));
        operation.insert("summary".into(), json!(op.summary));
        let description = with_deprecation(append(op.description, &scopes_note(op.auth)), op.deprecated);
        if let Some(description) = description {
            operation.insert("description".into(), json!(description));
        }
        if let Some(security) = self.security(op.auth) {
            operation.insert("security".into(), security);
        }
        operation.insert("tags".into(), json!([{ "name": service.name }]));
        operation.insert(
            "messages".into(),
            json!([{ "$ref": format!("#/channels/{WS_CHANNEL}/messages/{message_id}") }]),
        );
        if op.deprecated.is_some() {
            operation.insert("x-deprecated".into(), json!(true));
        }
        let base = message_id
            .strip_suffix(".input")
            .or_else(|| message_id.strip_suffix(".output"))
            .or_else(|| message_id.strip_suffix(".ws"))
            .unwrap_or(message_id);
        self.operations
            .insert(format!("{base}.{}", op.suffix), Value::Object(operation));
    }

    /// The name, title, summary and description of a message from the declaration's docs.
    fn message_head(&self, name: &str, docs: &Docs, deprecated: Option<&Deprecation>) -> Map<String, Value> {
        let (summary, description) = summary_and_description(docs, name);
        let mut message = Map::new();
        message.insert("name".into(), json!(name));
        message.insert("title".into(), json!(name_in_words(name)));
        message.insert("summary".into(), json!(summary));
        if let Some(description) = with_deprecation(description, deprecated) {
            message.insert("description".into(), json!(description));
        }
        if deprecated.is_some() {
            message.insert("x-deprecated".into(), json!(true));
        }
        message
    }

    /// A channel at `address` on `server` carrying the one message `message_id`, with a parameter
    /// for each `{name}` placeholder of the address, described from `params`.
    fn channel(
        &self,
        address: &str,
        description: String,
        server: &str,
        message_id: &str,
        params: &[Param],
        bindings: Option<Value>,
    ) -> Value {
        let mut channel = Map::new();
        channel.insert("address".into(), json!(address));
        channel.insert("description".into(), json!(description));
        channel.insert("servers".into(), json!([{ "$ref": format!("#/servers/{server}") }]));
        channel.insert(
            "messages".into(),
            json!({ message_id: { "$ref": format!("{MESSAGES}{message_id}") } }),
        );
        if let Some(parameters) = self.channel_parameters(address, params) {
            channel.insert("parameters".into(), parameters);
        }
        if let Some(bindings) = bindings {
            channel.insert("bindings".into(), bindings);
        }
        Value::Object(channel)
    }

    /// One parameter per `{name}` of a topic, read from the payload member of the same name.
    fn channel_parameters(&self, template: &str, params: &[Param]) -> Option<Value> {
        let placeholders = bindings::path_placeholders(template);
        if placeholders.is_empty() {
            return None;
        }
        let mut parameters = Map::new();
        for (name, _) in placeholders {
            let mut parameter = Map::new();
            let param = params.iter().find(|p| p.field.name == name);
            if let Some(param) = param {
                if let TypeRef::Named(qualified) = param.field.ty.required()
                    && let Some(TypeDef {
                        name: enum_name,
                        kind: TypeKind::Enum(e),
                        ..
                    }) = self.model.type_def(qualified)
                {
                    let values: Vec<Value> = e
                        .variants
                        .iter()
                        .map(|v| json!(enum_value_name(enum_name, &v.name)))
                        .collect();
                    parameter.insert("enum".into(), Value::Array(values));
                }
                let docs = param.field.docs.text();
                if !docs.is_empty() {
                    parameter.insert("description".into(), json!(docs));
                }
                parameter.insert(
                    "location".into(),
                    json!(format!("$message.payload#/{}", json_name(&param.field.name))),
                );
            }
            parameters.insert(name, Value::Object(parameter));
        }
        Some(Value::Object(parameters))
    }

    /// The operation's security: any one of the schemes. Records the schemes for the components.
    fn security(&mut self, auth: Option<&Auth>) -> Option<Value> {
        let auth = auth?;
        let refs = auth
            .schemes
            .iter()
            .map(|scheme| {
                let (name, definition) = security_scheme(scheme);
                let reference = json!({ "$ref": format!("#/components/securitySchemes/{name}") });
                self.schemes.insert(name, definition);
                reference
            })
            .collect();
        Some(Value::Array(refs))
    }

    fn components(&mut self) -> Value {
        let mut schemas = Map::new();
        let reachable = reachable_types(self.model, self.package);
        for (name, qualified, def) in self.schemas.names.all(self.model) {
            if reachable.contains(&qualified) {
                schemas.insert(name, self.schemas.type_def(def));
            }
        }
        schemas.append(&mut self.payloads);
        let mut components = Map::new();
        components.insert("schemas".into(), Value::Object(schemas));
        components.insert("messages".into(), Value::Object(std::mem::take(&mut self.messages)));
        if !self.schemes.is_empty() {
            let schemes: Map<String, Value> = std::mem::take(&mut self.schemes).into_iter().collect();
            components.insert("securitySchemes".into(), Value::Object(schemes));
        }
        Value::Object(components)
    }
}

/// A `stream.item` notification of the WebSocket subprotocol carrying one item; events add the
/// event's id (its SSE id and resume cursor).
fn stream_item(item: Value, event: bool) -> Value {
    let mut params = json!({
        "type": "object",
        "properties": {
            "id": { "type": ["string", "integer"], "description": "The `id` of the request that opened the call or subscription." },
            "item": item,
        },
        "required": ["id", "item"],
    });
    if event {
        params["properties"]["eventId"] =
            json!({ "type": "string", "description": "The event's id; send it as `after` to resume." });
        params["required"] = json!(["id", "item", "eventId"]);
    }
    json!({
        "type": "object",
        "properties": {
            "jsonrpc": { "const": "2.0" },
            "method": { "const": "stream.item" },
            "params": params,
        },
        "required": ["jsonrpc", "method", "params"],
    })
}

/// A JSON-RPC 2.0 request of the WebSocket subprotocol.
fn rpc_request(method: &str, params: Value) -> Value {
    json!({
        "type": "object",
        "properties": {
            "jsonrpc": { "const": "2.0" },
            "id": { "type": ["string", "integer"] },
            "method": { "const": method },
            "params": params,
        },
        "required": ["jsonrpc", "id", "method"],
    })
}

/// A JSON-RPC 2.0 success response of the WebSocket subprotocol.
fn rpc_response(result: Value) -> Value {
    json!({
        "type": "object",
        "properties": {
            "jsonrpc": { "const": "2.0" },
            "id": { "type": ["string", "integer"] },
            "result": result,
        },
        "required": ["jsonrpc", "id", "result"],
    })
}

/// What differs between the request/response operations of MQTT and AMQP.
struct RequestReply<'a> {
    operation_id: String,
    request_id: &'a str,
    reply_id: &'a str,
    reply_messages: &'a [String],
    server: &'static str,
    reply_channel_description: String,
    title: String,
    protocol: String,
    bindings: Value,
    reply_address: Value,
}

/// What differs between the WebSocket operations.
struct WsOperation<'a> {
    action: &'static str,
    suffix: &'static str,
    title: String,
    summary: String,
    description: Option<String>,
    deprecated: Option<&'a Deprecation>,
    auth: Option<&'a Auth>,
}

/// The MQTT 5 properties every JSON message carries; a request also names its response topic.
fn mqtt_message_binding(response_topic: bool) -> Value {
    let mut binding = Map::new();
    binding.insert("payloadFormatIndicator".into(), json!(1));
    binding.insert("contentType".into(), json!(JSON));
    if response_topic {
        binding.insert(
            "responseTopic".into(),
            json!({ "type": "string", "description": "The topic the reply is published to; required." }),
        );
    }
    binding.insert("bindingVersion".into(), json!(MQTT_BINDING_VERSION));
    Value::Object(binding)
}

/// The broker protocol a reply travels over, which decides where its correlation is and how its
/// `error` header is carried.
#[derive(Clone, Copy)]
enum Transport {
    Mqtt,
    Amqp,
}

impl Transport {
    fn correlation_id(self) -> Value {
        match self {
            Transport::Mqtt => correlation_id(),
            Transport::Amqp => amqp_correlation_id(),
        }
    }

    fn message_bindings(self) -> Value {
        match self {
            Transport::Mqtt => json!({ "mqtt": mqtt_message_binding(false) }),
            Transport::Amqp => json!({ "amqp": { "bindingVersion": AMQP_BINDING_VERSION } }),
        }
    }

    fn header_kind(self) -> &'static str {
        match self {
            Transport::Mqtt => "MQTT 5 user property",
            Transport::Amqp => "AMQP header",
        }
    }
}

fn amqp_correlation_id() -> Value {
    json!({
        "location": CORRELATION_ID,
        "description": "The job's `correlation_id` property, copied into its reply.",
    })
}

fn correlation_id() -> Value {
    json!({
        "location": CORRELATION_DATA,
        "description": "The MQTT 5 correlation data of the request, copied into its reply.",
    })
}

/// Security scheme component names follow the OpenAPI document's, so both read alike. AsyncAPI has
/// no MQTT-specific schemes for per-message credentials, so the HTTP ones are used and the
/// description says how the credential travels on each protocol.
fn security_scheme(scheme: &AuthScheme) -> (String, Value) {
    match scheme {
        AuthScheme::Bearer => (
            security_scheme_name(scheme),
            json!({
                "type": "http",
                "scheme": "bearer",
                "description": "A bearer token: `Authorization: Bearer <token>` on the WebSocket upgrade request; on MQTT, an MQTT 5 user property `Authorization` with the same value on each request.",
            }),
        ),
        AuthScheme::Basic => (
            security_scheme_name(scheme),
            json!({
                "type": "http",
                "scheme": "basic",
                "description": "User name and password: `Authorization: Basic …` on the WebSocket upgrade request; on MQTT, an MQTT 5 user property `Authorization` with the same value on each request.",
            }),
        ),
        AuthScheme::ApiKey { location, name } => {
            let (place, where_) = match location {
                ApiKeyLocation::Header => ("header", "header of the WebSocket upgrade request"),
                ApiKeyLocation::Query => ("query", "query parameter of the WebSocket URL"),
            };
            (
                security_scheme_name(scheme),
                json!({
                    "type": "httpApiKey",
                    "name": name,
                    "in": place,
                    "description": format!("An API key in the `{name}` {where_}; on MQTT, an MQTT 5 user property `{name}` on each request."),
                }),
            )
        }
    }
}

/// AsyncAPI security requirements cannot carry scopes for HTTP schemes: they are stated in words.
fn scopes_note(auth: Option<&Auth>) -> String {
    match auth {
        Some(auth) if !auth.scopes.is_empty() => {
            let scopes: Vec<String> = auth.scopes.iter().map(|s| format!("`{s}`")).collect();
            format!("The credential must carry the scopes {}.", scopes.join(", "))
        }
        _ => String::new(),
    }
}

fn append(text: Option<String>, more: &str) -> Option<String> {
    match (text, more.is_empty()) {
        (text, true) => text,
        (Some(text), false) => Some(format!("{text}\n\n{more}")),
        (None, false) => Some(more.to_string()),
    }
}

/// AsyncAPI 3 operations and messages have no `deprecated` flag: the description says it (and
/// `x-deprecated` marks it for tools).
fn with_deprecation(text: Option<String>, deprecated: Option<&Deprecation>) -> Option<String> {
    match deprecated {
        Some(deprecation) => Some(
            format!("{}{}", text.unwrap_or_default(), deprecation_note(deprecation))
                .trim_start()
                .to_string(),
        ),
        None => text,
    }
}
