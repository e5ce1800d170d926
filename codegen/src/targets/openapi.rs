//! The `openapi` target: one OpenAPI 3.1 (or 3.0.3) document per package that has services,
//! describing the REST binding (routes and parameter placement from [`bindings::http_route`]),
//! server streams and events as Server-Sent Events, events as `webhooks` (3.1), errors as
//! `application/problem+json` (RFC 9457) and auth as security schemes.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::json_schema::{Dialect, SchemaGen, documents_per_package, is_required, reachable_types};
use super::prose::{package_version, security_scheme_name, summary_and_description};
use super::{GeneratedFile, OpenApiVersion, Options};
use crate::model::bindings::{self, ParamLocation};
use crate::model::*;

const SCHEMAS: &str = super::json_schema::COMPONENT_SCHEMAS;

pub fn generate(model: &Model, options: &Options) -> Vec<GeneratedFile> {
    let dialect = match options.openapi_version {
        OpenApiVersion::V3_1 => Dialect::OpenApi31,
        OpenApiVersion::V3_0 => Dialect::OpenApi30,
    };
    documents_per_package(model, dialect, "openapi.json", |package, schemas| {
        Document {
            model,
            package,
            schemas,
            version: options.openapi_version,
        }
        .build()
    })
}

struct Document<'a> {
    model: &'a Model,
    package: &'a Package,
    schemas: &'a SchemaGen<'a>,
    version: OpenApiVersion,
}

impl Document<'_> {
    fn build(&self) -> Value {
        let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
        let mut webhooks = Map::new();
        let mut schemes: BTreeMap<String, &AuthScheme> = BTreeMap::new();
        let mut problem_errors: BTreeSet<String> = BTreeSet::new();
        let mut event_payloads: Vec<(String, Value)> = Vec::new();
        let mut operation_ids: BTreeSet<String> = BTreeSet::new();
        let mut has_subscriptions = false;
        let duplicated: BTreeSet<&str> = {
            let mut seen = BTreeSet::new();
            let mut twice = BTreeSet::new();
            for service in &self.package.services {
                for method in &service.methods {
                    if !seen.insert(method.name.as_str()) {
                        twice.insert(method.name.as_str());
                    }
                }
            }
            twice
        };
        for service in &self.package.services {
            for method in &service.methods {
                // Bidirectional streams need a socket: they are served on WebSocket only.
                if method.kind() == StreamingKind::Bidirectional {
                    continue;
                }
                let route = bindings::http_route(self.model, service, method);
                let operation_id = if duplicated.contains(method.name.as_str()) {
                    format!("{}_{}", service.name, method.name)
                } else {
                    method.name.clone()
                };
                operation_ids.insert(operation_id.clone());
                let auth = bindings::method_auth(service, method);
                if let Some(auth) = auth {
                    for scheme in &auth.schemes {
                        schemes.insert(security_scheme_name(scheme), scheme);
                    }
                }
                for thrown in &method.throws {
                    problem_errors.insert(thrown.clone());
                }
                let operation = self.operation(service, method, &route, &operation_id, auth);
                paths
                    .entry(route.path.clone())
                    .or_default()
                    .insert(route.verb.name().to_string(), operation);
            }
            for event in &service.events {
                let payload_name = self.schemas.event_payload_name(service, event, |name| {
                    event_payloads.iter().any(|(taken, _): &(String, Value)| taken == name)
                });
                event_payloads.push((payload_name.clone(), self.schemas.event_payload(service, event)));
                let auth = bindings::event_auth(service, event);
                if let Some(auth) = auth {
                    for scheme in &auth.schemes {
                        schemes.insert(security_scheme_name(scheme), scheme);
                    }
                }
                let path = bindings::event_stream_path(service, event);
                paths
                    .entry(path)
                    .or_default()
                    .insert("get".into(), self.event_stream(service, event, &payload_name, auth));
                webhooks.insert(
                    event.name.clone(),
                    json!({ "post": self.webhook(service, event, &payload_name) }),
                );
            }
            if !service.events.is_empty() {
                let auth = service.auth.as_ref().filter(|auth| !auth.is_none());
                if let Some(auth) = auth {
                    for scheme in &auth.schemes {
                        schemes.insert(security_scheme_name(scheme), scheme);
                    }
                }
                // Prefixed only when another service (or a method) would give the same id.
                let prefix = if self.package.services.iter().filter(|s| !s.events.is_empty()).count() > 1
                    || operation_ids.contains("create_webhook_subscription")
                {
                    format!("{}_", service.name)
                } else {
                    String::new()
                };
                for (path, verb, operation) in self.webhook_subscriptions(service, &prefix, auth) {
                    paths.entry(path).or_default().insert(verb.into(), operation);
                }
                has_subscriptions = true;
            }
        }

        let mut document = Map::new();
        document.insert(
            "openapi".into(),
            json!(match self.version {
                OpenApiVersion::V3_1 => "3.1.1",
                OpenApiVersion::V3_0 => "3.0.3",
            }),
        );
        let mut info = Map::new();
        info.insert("title".into(), json!(self.package.name));
        info.insert("version".into(), json!(package_version(&self.package.name)));
        let docs = self.package.docs.text();
        if !docs.is_empty() {
            info.insert("description".into(), json!(docs));
        }
        document.insert("info".into(), Value::Object(info));
        document.insert(
            "servers".into(),
            json!([{ "url": "http://localhost:8080", "description": "The example server (`--listen` sets the address)" }]),
        );
        let tags: Vec<Value> = self
            .package
            .services
            .iter()
            .map(|service| {
                let mut tag = Map::new();
                tag.insert("name".into(), json!(service.name));
                let description = service.docs.text();
                tag.insert(
                    "description".into(),
                    json!(if description.is_empty() {
                        format!("The {} service.", service.name)
                    } else {
                        description
                    }),
                );
                Value::Object(tag)
            })
            .collect();
        document.insert("tags".into(), Value::Array(tags));
        document.insert(
            "paths".into(),
            Value::Object(paths.into_iter().map(|(k, v)| (k, Value::Object(v))).collect()),
        );
        if self.version == OpenApiVersion::V3_1 && !webhooks.is_empty() {
            document.insert("webhooks".into(), Value::Object(webhooks));
        }
        document.insert(
            "components".into(),
            self.components(&schemes, &problem_errors, event_payloads, has_subscriptions),
        );
        Value::Object(document)
    }

    fn operation(
        &self,
        service: &Service,
        method: &Method,
        route: &bindings::HttpRoute,
        operation_id: &str,
        auth: Option<&Auth>,
    ) -> Value {
        let mut operation = Map::new();
        operation.insert("tags".into(), json!([service.name]));
        let (summary, description) = summary_and_description(&method.docs, &method.name);
        operation.insert("summary".into(), json!(summary));
        if let Some(description) = description {
            operation.insert("description".into(), json!(description));
        }
        operation.insert("operationId".into(), json!(operation_id));
        if method.deprecated.is_some() {
            operation.insert("deprecated".into(), json!(true));
        }

        let mut parameters = Vec::new();
        let mut body_fields = Vec::new();
        let mut whole_body: Option<&Param> = None;
        for (param, (_, location)) in method.params.iter().zip(&route.params) {
            let field = &param.field;
            match location {
                ParamLocation::Path => parameters.push(self.parameter(field, &field.name, "path", true)),
                ParamLocation::Query { name } => {
                    parameters.push(self.parameter(field, name, "query", is_required(field)))
                }
                ParamLocation::Header { name } => {
                    parameters.push(self.parameter(field, name, "header", is_required(field)))
                }
                ParamLocation::Body => whole_body = Some(param),
                ParamLocation::BodyField => body_fields.push(field.clone()),
            }
        }
        if !parameters.is_empty() {
            operation.insert("parameters".into(), Value::Array(parameters));
        }
        if method.input_stream {
            let item = method
                .params
                .first()
                .map(|p| self.schemas.type_ref(&p.field.ty))
                .unwrap_or_else(|| json!({}));
            operation.insert(
                "requestBody".into(),
                json!({
                    "description": "A stream of messages, one JSON value per line (newline-delimited JSON); each line is one item of the schema below.",
                    "required": true,
                    "content": { "application/x-ndjson": { "schema": item } },
                }),
            );
        } else if let Some(param) = whole_body {
            let mut body = json!({
                "required": !param.field.ty.is_optional(),
                "content": { "application/json": { "schema": self.schemas.type_ref(&param.field.ty) } },
            });
            if !param.field.docs.is_empty() {
                body["description"] = json!(param.field.docs.text());
            }
            operation.insert("requestBody".into(), body);
        } else if !body_fields.is_empty() {
            let schema = self.schemas.object(&body_fields);
            let required = body_fields.iter().any(is_required);
            operation.insert(
                "requestBody".into(),
                json!({ "required": required, "content": { "application/json": { "schema": schema } } }),
            );
        }

        let mut responses = Map::new();
        if method.output_stream {
            let item = method
                .returns
                .as_ref()
                .map(|r| self.schemas.type_ref(r))
                .unwrap_or_else(|| json!({}));
            responses.insert(
                "200".into(),
                self.event_stream_response(
                    "A stream of Server-Sent Events; the `data` of each `message` event is one item as JSON.",
                    item,
                ),
            );
        } else {
            match &method.returns {
                Some(returns) => {
                    let mut schema = self.schemas.type_ref(returns);
                    if returns.is_optional() && self.version == OpenApiVersion::V3_1 {
                        schema = json!({ "oneOf": [schema, { "type": "null" }] });
                    }
                    let mut ok =
                        json!({ "description": "Success.", "content": { "application/json": { "schema": schema } } });
                    if bindings::is_readonly(method) && route.verb == HttpVerb::Get {
                        ok["headers"] = json!({ "ETag": { "description": "Entity tag of the response; send it back in `If-None-Match` to get `304 Not Modified` while nothing changed.", "schema": { "type": "string" } } });
                    }
                    responses.insert("200".into(), ok);
                }
                None => {
                    responses.insert("204".into(), json!({ "description": "Success; there is no content." }));
                }
            }
        }
        if bindings::is_readonly(method)
            && route.verb == HttpVerb::Get
            && !method.output_stream
            && method.returns.is_some()
        {
            responses.insert(
                "304".into(),
                json!({ "description": "Not modified since the `If-None-Match` entity tag." }),
            );
        }
        let mut by_status: BTreeMap<u16, Vec<String>> = BTreeMap::new();
        by_status.entry(400).or_default();
        for thrown in &method.throws {
            if let Some(TypeDef {
                kind: TypeKind::Error(error),
                ..
            }) = self.model.type_def(thrown)
            {
                by_status
                    .entry(bindings::error_http_status(error))
                    .or_default()
                    .push(thrown.clone());
            }
        }
        if auth.is_some() {
            by_status.entry(401).or_default();
        }
        for (status, errors) in by_status {
            let mut alternatives: Vec<Value> = errors
                .iter()
                .map(|qualified| json!({ "$ref": format!("{SCHEMAS}{}Problem", self.schemas.names.name(qualified)) }))
                .collect();
            let description = match status {
                400 => {
                    alternatives.insert(0, json!({ "$ref": format!("{SCHEMAS}ValidationProblem") }));
                    "The request is malformed or breaks a constraint; every violation is listed.".to_string()
                }
                401 if errors.is_empty() => {
                    alternatives.push(json!({ "$ref": format!("{SCHEMAS}Problem") }));
                    "Missing or invalid credentials.".to_string()
                }
                _ => {
                    let names: Vec<&str> = errors
                        .iter()
                        .map(|e| e.rsplit_once('.').map_or(e.as_str(), |(_, s)| s))
                        .collect();
                    format!("Thrown: {}.", names.join(", "))
                }
            };
            let schema = if alternatives.len() == 1 {
                alternatives.remove(0)
            } else {
                json!({ "oneOf": alternatives })
            };
            responses.insert(
                status.to_string(),
                json!({ "description": description, "content": { "application/problem+json": { "schema": schema } } }),
            );
        }
        responses.insert(
            "default".into(),
            json!({ "description": "Unexpected error.", "content": { "application/problem+json": { "schema": { "$ref": format!("{SCHEMAS}Problem") } } } }),
        );
        operation.insert("responses".into(), Value::Object(responses));
        operation.insert("security".into(), self.security(auth));
        Value::Object(operation)
    }

    fn parameter(&self, field: &Field, name: &str, location: &str, required: bool) -> Value {
        let mut parameter = Map::new();
        parameter.insert("name".into(), json!(name));
        parameter.insert("in".into(), json!(location));
        let docs = field.docs.text();
        if !docs.is_empty() {
            parameter.insert("description".into(), json!(docs));
        }
        parameter.insert("required".into(), json!(required));
        if field.deprecated.is_some() {
            parameter.insert("deprecated".into(), json!(true));
        }
        let mut schema = self.schemas.field(field);
        if let Value::Object(map) = &mut schema {
            // The description lives on the parameter; keep the schema to the value.
            map.remove("description");
            map.remove("deprecated");
        }
        parameter.insert("schema".into(), schema);
        Value::Object(parameter)
    }

    fn security(&self, auth: Option<&Auth>) -> Value {
        let Some(auth) = auth else { return json!([]) };
        let scopes: Vec<Value> = if self.version == OpenApiVersion::V3_1 {
            auth.scopes.iter().map(|s| json!(s)).collect()
        } else {
            Vec::new()
        };
        Value::Array(
            auth.schemes
                .iter()
                .map(|scheme| json!({ security_scheme_name(scheme): scopes }))
                .collect(),
        )
    }

    fn event_stream_response(&self, description: &str, item: Value) -> Value {
        json!({
            "description": description,
            "content": {
                "text/event-stream": {
                    "schema": { "type": "string", "description": "Server-Sent Events (text/event-stream); each event's `data` is one JSON item, its `id` a resume cursor for `Last-Event-ID`." },
                    "x-itemSchema": item,
                }
            }
        })
    }

    fn event_stream(&self, service: &Service, event: &Event, payload: &str, auth: Option<&Auth>) -> Value {
        let (summary, _) = summary_and_description(&event.docs, &event.name);
        let mut operation = Map::new();
        operation.insert("tags".into(), json!([service.name]));
        operation.insert(
            "summary".into(),
            json!(format!("Stream `{}` events: {summary}", event.name)),
        );
        operation.insert(
            "description".into(),
            json!(format!(
                "Every `{}` event as it is published, as Server-Sent Events. Reconnect with the `Last-Event-ID` header to resume after the last event received.\n\nClients that can hold neither a socket nor a stream poll instead: without `Accept: text/event-stream`, a request with `after` or `wait` is answered in JSON as soon as there are events after the cursor (or when `wait` seconds pass), with the cursor to pass next time.",
                event.name
            )),
        );
        operation.insert("operationId".into(), json!(format!("stream_{}", event.name)));
        if event.deprecated.is_some() {
            operation.insert("deprecated".into(), json!(true));
        }
        operation.insert(
            "parameters".into(),
            json!([
                {
                    "name": "Last-Event-ID",
                    "in": "header",
                    "description": "The id of the last event received; the stream resumes after it while it is still buffered.",
                    "required": false,
                    "schema": { "type": "string" },
                },
                {
                    "name": "after",
                    "in": "query",
                    "description": "Long polling: the `cursor` of the previous response; events after it are returned. Absent: only events published from now on.",
                    "required": false,
                    "schema": { "type": "string", "pattern": "^[0-9]+$" },
                },
                {
                    "name": "wait",
                    "in": "query",
                    "description": "Long polling: how many seconds to wait for an event before answering with none (at most 30).",
                    "required": false,
                    "schema": { "type": "number", "minimum": 0, "maximum": 30 },
                },
            ]),
        );
        let mut responses = Map::new();
        let mut ok = self.event_stream_response(
            "A stream of Server-Sent Events (the `data` of each event is the event payload as JSON), or one long-polling page in JSON.",
            json!({ "$ref": format!("{SCHEMAS}{payload}") }),
        );
        ok["content"]["application/json"] = json!({
            "schema": {
                "type": "object",
                "description": "One long-polling page: the events after `after`, oldest first, and the cursor to poll after next.",
                "properties": {
                    "cursor": { "type": "string", "pattern": "^[0-9]+$", "description": "Pass as `after` in the next poll." },
                    "events": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "id": { "type": "string", "description": "The event's id, as in the SSE `id` field." },
                                "data": { "$ref": format!("{SCHEMAS}{payload}") },
                            },
                            "required": ["id", "data"],
                        },
                    },
                },
                "required": ["cursor", "events"],
            }
        });
        responses.insert("200".into(), ok);
        responses.insert(
            "400".into(),
            json!({ "description": "Malformed request.", "content": { "application/problem+json": { "schema": { "$ref": format!("{SCHEMAS}Problem") } } } }),
        );
        if auth.is_some() {
            responses.insert(
                "401".into(),
                json!({ "description": "Missing or invalid credentials.", "content": { "application/problem+json": { "schema": { "$ref": format!("{SCHEMAS}Problem") } } } }),
            );
        }
        operation.insert("responses".into(), Value::Object(responses));
        operation.insert("security".into(), self.security(auth));
        Value::Object(operation)
    }

    /// A webhook delivery: Standard Webhooks headers and the event payload.
    fn webhook(&self, service: &Service, event: &Event, payload: &str) -> Value {
        let (summary, description) = summary_and_description(&event.docs, &event.name);
        let mut operation = Map::new();
        operation.insert("tags".into(), json!([service.name]));
        operation.insert("summary".into(), json!(summary));
        operation.insert(
            "description".into(),
            json!(format!(
                "{}Delivered to every subscribed endpoint following Standard Webhooks: verify `webhook-signature` (HMAC-SHA256 over `webhook-id.webhook-timestamp.body`) before trusting the payload.",
                description.map(|d| format!("{d}\n\n")).unwrap_or_default()
            )),
        );
        operation.insert("operationId".into(), json!(format!("on_{}", event.name)));
        if event.deprecated.is_some() {
            operation.insert("deprecated".into(), json!(true));
        }
        operation.insert(
            "parameters".into(),
            json!([
                { "name": "webhook-id", "in": "header", "required": true, "description": "Unique id of the delivery; the same on retries.", "schema": { "type": "string" } },
                { "name": "webhook-timestamp", "in": "header", "required": true, "description": "Unix time of the attempt, in seconds.", "schema": { "type": "integer" } },
                { "name": "webhook-signature", "in": "header", "required": true, "description": "Space-separated `v1,<base64 signature>` entries.", "schema": { "type": "string" } },
            ]),
        );
        let envelope = json!({
            "type": "object",
            "description": "The Standard Webhooks envelope: the event's type, when it was sent, and its payload.",
            "properties": {
                "type": { "type": "string", "const": format!("{}.{}", service.name, event.name), "description": "The event's name, `<Service>.<event>`." },
                "timestamp": { "type": "string", "format": "date-time", "description": "When the event was sent out (RFC 3339, UTC)." },
                "data": { "$ref": format!("{SCHEMAS}{payload}") },
            },
            "required": ["type", "timestamp", "data"],
        });
        operation.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { "application/json": { "schema": envelope } } }),
        );
        operation.insert(
            "responses".into(),
            json!({
                "200": { "description": "Received; any 2xx status acknowledges the delivery." },
                "410": { "description": "Gone: the endpoint is disabled and receives no further deliveries." },
                "429": { "description": "Too many requests: retried, no sooner than `Retry-After` (seconds or an HTTP date) when given." },
                "503": { "description": "Unavailable: retried, no sooner than `Retry-After` when given." },
                "default": { "description": "Any other status, a redirect or a timeout fails the attempt; it is retried with exponential backoff." },
            }),
        );
        // The receiver authenticates the sender by the signature, not by a scheme of ours.
        operation.insert("security".into(), json!([]));
        Value::Object(operation)
    }

    /// The subscription endpoints the runtime serves when the server enables webhooks
    /// (`Server::webhooks`): create, list, delete, behind the service's own requirement.
    fn webhook_subscriptions(
        &self,
        service: &Service,
        prefix: &str,
        auth: Option<&Auth>,
    ) -> Vec<(String, &'static str, Value)> {
        let collection = format!("/{}/webhooks", crate::model::naming::kebab_case(&service.name));
        let problem = |description: &str, schema: &str| json!({ "description": description, "content": { "application/problem+json": { "schema": { "$ref": format!("{SCHEMAS}{schema}") } } } });
        let mut denied = Map::new();
        if auth.is_some() {
            denied.insert("401".into(), problem("Missing or invalid credentials.", "Problem"));
            denied.insert(
                "403".into(),
                problem(
                    "The credentials lack a scope the service or an event requires.",
                    "Problem",
                ),
            );
        }
        denied.insert("default".into(), problem("Unexpected error.", "Problem"));
        let responses = |mut own: Map<String, Value>| {
            for (status, response) in &denied {
                own.insert(status.clone(), response.clone());
            }
            Value::Object(own)
        };
        let event_names: Vec<Value> = service
            .events
            .iter()
            .flat_map(|event| [json!(event.name), json!(format!("{}.{}", service.name, event.name))])
            .collect();
        let mut create_responses = Map::new();
        create_responses.insert(
            "201".into(),
            json!({ "description": "Subscribed. The only response that shows the signing secret.", "content": { "application/json": { "schema": { "$ref": format!("{SCHEMAS}NewWebhookSubscription") } } } }),
        );
        create_responses.insert(
            "400".into(),
            problem(
                "The URL is not an absolute `http` URL of a public address, or an event is unknown.",
                "ValidationProblem",
            ),
        );
        let create = json!({
            "tags": [service.name],
            "summary": format!("Subscribe a URL to {}'s events", service.name),
            "description": "Every event published afterwards (all of them, or those listed in `events`) is posted to `url` as a Standard Webhooks delivery, signed with the returned `secret`; see `webhooks` for the payloads. Failed deliveries are retried with exponential backoff; a `410 Gone` answer disables the subscription. URLs on loopback, private and other non-public addresses are refused unless the server allows them.",
            "operationId": format!("{prefix}create_webhook_subscription"),
            "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": {
                    "type": "object",
                    "properties": {
                        "url": { "type": "string", "format": "uri", "description": "Where deliveries are posted: an absolute `https` (or `http`) URL." },
                        "events": { "type": "array", "items": { "type": "string", "enum": event_names }, "description": "The events to receive (declared or `<Service>.<event>` names); absent or empty: every event." },
                        "description": { "type": "string", "description": "A note for humans." },
                    },
                    "required": ["url"],
                    "additionalProperties": false,
                } } },
            },
            "responses": responses(create_responses),
            "security": self.security(auth),
        });
        let mut list_responses = Map::new();
        list_responses.insert(
            "200".into(),
            json!({ "description": "The caller's subscriptions, oldest first, without their secrets.", "content": { "application/json": { "schema": {
                "type": "object",
                "properties": { "webhooks": { "type": "array", "items": { "$ref": format!("{SCHEMAS}WebhookSubscription") } } },
                "required": ["webhooks"],
            } } } }),
        );
        let list = json!({
            "tags": [service.name],
            "summary": format!("List the caller's subscriptions to {}'s events", service.name),
            "operationId": format!("{prefix}list_webhook_subscriptions"),
            "responses": responses(list_responses),
            "security": self.security(auth),
        });
        let mut delete_responses = Map::new();
        delete_responses.insert(
            "204".into(),
            json!({ "description": "Unsubscribed; pending deliveries are dropped." }),
        );
        delete_responses.insert(
            "404".into(),
            problem("No subscription of the caller has this id.", "Problem"),
        );
        let delete = json!({
            "tags": [service.name],
            "summary": "Delete a webhook subscription",
            "operationId": format!("{prefix}delete_webhook_subscription"),
            "parameters": [{ "name": "id", "in": "path", "required": true, "description": "The subscription's id.", "schema": { "type": "string" } }],
            "responses": responses(delete_responses),
            "security": self.security(auth),
        });
        vec![
            (collection.clone(), "post", create),
            (collection.clone(), "get", list),
            (format!("{collection}/{{id}}"), "delete", delete),
        ]
    }

    fn components(
        &self,
        schemes: &BTreeMap<String, &AuthScheme>,
        problem_errors: &BTreeSet<String>,
        event_payloads: Vec<(String, Value)>,
        has_subscriptions: bool,
    ) -> Value {
        let mut schemas = Map::new();
        let reachable = reachable_types(self.model, self.package);
        for (name, qualified, def) in self.schemas.names.all(self.model) {
            if reachable.contains(&qualified) {
                schemas.insert(name, self.schemas.type_def(def));
            }
        }
        for (name, payload) in event_payloads {
            schemas.insert(name, payload);
        }
        let string = json!({ "type": "string" });
        schemas.insert(
            "Problem".into(),
            json!({
                "title": "Problem",
                "description": "An error, as RFC 9457 problem details.",
                "type": "object",
                "properties": {
                    "type": { "type": "string", "format": "uri-reference", "description": "Identifies the kind of problem: `urn:omniface:error:<package>.<Error>` for declared errors." },
                    "title": { "type": "string", "description": "Short summary of the kind of problem." },
                    "status": { "type": "integer", "description": "The HTTP status code." },
                    "detail": { "type": "string", "description": "Explanation specific to this occurrence." },
                    "instance": { "type": "string", "format": "uri-reference" },
                    "code": { "type": "string", "description": "The error's name, e.g. `PetNotFound`, or a standard code such as `INVALID_ARGUMENT`." },
                },
                "required": ["type", "title", "status"],
            }),
        );
        schemas.insert(
            "ValidationProblem".into(),
            json!({
                "title": "ValidationProblem",
                "description": "The request broke one or more constraints; all of them are listed.",
                "allOf": [
                    { "$ref": format!("{SCHEMAS}Problem") },
                    {
                        "type": "object",
                        "properties": {
                            "violations": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "field": { "type": "string", "description": "Path of the offending value, e.g. `pet.name` or `tags[2]`." },
                                        "constraint": string.clone(),
                                        "message": string,
                                    },
                                    "required": ["field", "message"],
                                },
                            },
                        },
                        "required": ["violations"],
                    },
                ],
            }),
        );
        for qualified in problem_errors {
            let name = self.schemas.names.name(qualified);
            schemas.insert(
                format!("{name}Problem"),
                json!({
                    "title": format!("{name}Problem"),
                    "description": format!("`{name}` as problem details: the problem members plus the error's fields."),
                    "allOf": [{ "$ref": format!("{SCHEMAS}Problem") }, { "$ref": format!("{SCHEMAS}{name}") }],
                }),
            );
        }
        if has_subscriptions {
            webhook_subscription_schemas(&mut schemas);
        }
        let mut components = Map::new();
        components.insert("schemas".into(), Value::Object(schemas));
        if !schemes.is_empty() {
            let security: Map<String, Value> = schemes
                .iter()
                .map(|(name, scheme)| {
                    let value = match scheme {
                        AuthScheme::Bearer => json!({ "type": "http", "scheme": "bearer", "description": "A bearer token in `Authorization: Bearer <token>`." }),
                        AuthScheme::Basic => json!({ "type": "http", "scheme": "basic", "description": "User name and password in `Authorization: Basic …`." }),
                        AuthScheme::ApiKey { location, name } => json!({
                            "type": "apiKey",
                            "in": match location { ApiKeyLocation::Header => "header", ApiKeyLocation::Query => "query" },
                            "name": name,
                            "description": format!("An API key in the `{name}` {}.", match location { ApiKeyLocation::Header => "header", ApiKeyLocation::Query => "query parameter" }),
                        }),
                    };
                    (name.clone(), value)
                })
                .collect();
            components.insert("securitySchemes".into(), Value::Object(security));
        }
        Value::Object(components)
    }
}

/// The subscription resources of the webhook endpoints.
fn webhook_subscription_schemas(schemas: &mut Map<String, Value>) {
    let subscription = json!({
        "title": "WebhookSubscription",
        "description": "A URL subscribed to a service's events.",
        "type": "object",
        "properties": {
            "id": { "type": "string", "description": "`wh_` and 32 hex digits." },
            "url": { "type": "string", "format": "uri" },
            "events": { "type": "array", "items": { "type": "string" }, "description": "Declared event names; empty: every event." },
            "description": { "type": "string" },
            "enabled": { "type": "boolean", "description": "False once the receiver answered `410 Gone`." },
            "createdAt": { "type": "string", "format": "date-time" },
        },
        "required": ["id", "url", "events", "enabled", "createdAt"],
    });
    schemas.insert("WebhookSubscription".into(), subscription);
    schemas.insert(
        "NewWebhookSubscription".into(),
        json!({
            "title": "NewWebhookSubscription",
            "description": "A subscription just created, with the secret its deliveries are signed with.",
            "allOf": [
                { "$ref": format!("{SCHEMAS}WebhookSubscription") },
                {
                    "type": "object",
                    "properties": { "secret": { "type": "string", "pattern": "^whsec_", "description": "`whsec_<base64>`: verify `webhook-signature` with it (Standard Webhooks). Shown only here." } },
                    "required": ["secret"],
                },
            ],
        }),
    );
}
