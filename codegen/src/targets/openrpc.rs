//! The `openrpc` target: one OpenRPC 1.3.2 document per package that has services, describing the
//! JSON-RPC 2.0 binding: one method per unary method, named `<Service>.<method>`, with its
//! parameters (by name or by position), its result and its errors. Streams and events cannot be
//! JSON-RPC calls; they are listed under `x-omniface-skipped`.

use serde_json::{Map, Value, json};

use super::GeneratedFile;
use super::json_schema::{Dialect, SchemaGen, documents_per_package, is_required, reachable_types};
use super::prose::{deprecation_note, package_version, summary_and_description};
use crate::model::bindings;
use crate::model::naming::{json_name, lower_camel_case};
use crate::model::*;

/// JSON-RPC 2.0's code for arguments that do not match the method's parameters.
const INVALID_PARAMS: i64 = -32602;

pub fn generate(model: &Model) -> Vec<GeneratedFile> {
    documents_per_package(model, Dialect::Draft07, "openrpc.json", |package, schemas| {
        Document {
            model,
            package,
            schemas,
            errors: Map::new(),
        }
        .build()
    })
}

struct Document<'a> {
    model: &'a Model,
    package: &'a Package,
    schemas: &'a SchemaGen<'a>,
    /// Error objects referenced by methods, by component name, in first-use order.
    errors: Map<String, Value>,
}

impl Document<'_> {
    fn build(mut self) -> Value {
        let invalid_params = if self.schemas.names.is_taken("InvalidParams") {
            "JsonRpcInvalidParams"
        } else {
            "InvalidParams"
        };
        let mut methods = Vec::new();
        let mut skipped = Vec::new();
        let mut uses_invalid_params = false;
        for service in &self.package.services {
            for method in &service.methods {
                let name = format!("{}.{}", service.name, method.name);
                let kind = method.kind();
                if kind == StreamingKind::Unary {
                    methods.push(self.method(service, method, &name, invalid_params));
                    uses_invalid_params |= !method.params.is_empty();
                } else {
                    let kind = match kind {
                        StreamingKind::ServerStreaming => "server_streaming",
                        StreamingKind::ClientStreaming => "client_streaming",
                        _ => "bidirectional",
                    };
                    skipped.push(json!({
                        "name": name,
                        "kind": kind,
                        "reason": "A stream is not one JSON-RPC call; the AsyncAPI document describes it on WebSocket.",
                    }));
                }
            }
            for event in &service.events {
                skipped.push(json!({
                    "name": format!("{}.{}", service.name, event.name),
                    "kind": "event",
                    "reason": "An event is published, not called; the AsyncAPI document describes it on MQTT and WebSocket.",
                }));
            }
        }
        if uses_invalid_params {
            // After the declared errors, which stay in first-use order.
            self.errors.insert(
                invalid_params.into(),
                json!({ "code": INVALID_PARAMS, "message": "Invalid params" }),
            );
        }

        let mut document = Map::new();
        document.insert("openrpc".into(), json!("1.3.2"));
        let mut info = Map::new();
        info.insert("title".into(), json!(self.package.name));
        let mut description = self.package.docs.text();
        if !skipped.is_empty() {
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str(
                "Streaming methods and events are not JSON-RPC methods: they are listed in `x-omniface-skipped`.",
            );
        }
        if !description.is_empty() {
            info.insert("description".into(), json!(description));
        }
        info.insert("version".into(), json!(package_version(&self.package.name)));
        document.insert("info".into(), Value::Object(info));
        document.insert(
            "servers".into(),
            json!([{
                "name": "local",
                "url": "http://localhost:8080/rpc",
                "summary": "JSON-RPC 2.0 over HTTP POST (`--listen` sets the address).",
            }]),
        );
        document.insert("methods".into(), Value::Array(methods));
        document.insert("components".into(), self.components());
        if !skipped.is_empty() {
            document.insert("x-omniface-skipped".into(), Value::Array(skipped));
        }
        Value::Object(document)
    }

    fn method(&mut self, service: &Service, method: &Method, name: &str, invalid_params: &str) -> Value {
        let mut object = Map::new();
        object.insert("name".into(), json!(name));
        object.insert(
            "tags".into(),
            json!([{ "$ref": format!("#/components/tags/{}", service.name) }]),
        );
        let deprecated = method.deprecated.as_ref().or(service.deprecated.as_ref());
        let (summary, description) = summary_and_description(&method.docs, &method.name);
        object.insert("summary".into(), json!(summary));
        let description = match (description, deprecated) {
            (text, Some(deprecation)) => Some(format!(
                "{}{}",
                text.unwrap_or_else(|| method.docs.text()),
                deprecation_note(deprecation)
            )),
            (text, None) => text,
        };
        if let Some(description) = description {
            object.insert("description".into(), json!(description.trim_start()));
        }
        object.insert("paramStructure".into(), json!("either"));
        let params: Vec<Value> = method.params.iter().map(|param| self.param(&param.field)).collect();
        object.insert("params".into(), Value::Array(params));
        object.insert("result".into(), self.result(method));

        let mut errors = Vec::new();
        for thrown in &method.throws {
            let Some(TypeDef {
                name: short,
                kind: TypeKind::Error(error),
                ..
            }) = self.model.type_def(thrown)
            else {
                continue;
            };
            let component = self.schemas.names.name(thrown).to_string();
            let mut entry = Map::new();
            // The HTTP status is outside JSON-RPC's reserved range and is what every other
            // protocol reports, so clients can share one error table.
            entry.insert("code".into(), json!(bindings::error_http_status(error)));
            entry.insert("message".into(), json!(short));
            entry.insert("data".into(), self.schemas.reference(thrown));
            self.errors.entry(component.clone()).or_insert(Value::Object(entry));
            errors.push(json!({ "$ref": format!("#/components/errors/{component}") }));
        }
        if !method.params.is_empty() {
            errors.push(json!({ "$ref": format!("#/components/errors/{invalid_params}") }));
        }
        if !errors.is_empty() {
            object.insert("errors".into(), Value::Array(errors));
        }
        if deprecated.is_some() {
            object.insert("deprecated".into(), json!(true));
        }
        if let Some(auth) = bindings::method_auth(service, method) {
            object.insert("x-omniface-auth".into(), auth_extension(auth));
        }
        Value::Object(object)
    }

    fn param(&self, field: &Field) -> Value {
        let mut descriptor = Map::new();
        descriptor.insert("name".into(), json!(json_name(&field.name)));
        let docs = field.docs.text();
        if !docs.is_empty() {
            descriptor.insert("description".into(), json!(docs));
        }
        if is_required(field) {
            descriptor.insert("required".into(), json!(true));
        }
        descriptor.insert("schema".into(), self.schemas.property(field));
        if field.deprecated.is_some() {
            descriptor.insert("deprecated".into(), json!(true));
        }
        Value::Object(descriptor)
    }

    fn result(&self, method: &Method) -> Value {
        let Some(returns) = &method.returns else {
            return json!({
                "name": "result",
                "description": "Empty: the method returns no value, and the result is `{}`.",
                "schema": { "type": "object" },
            });
        };
        let name = match returns.required() {
            TypeRef::Named(qualified) => lower_camel_case(
                qualified
                    .rsplit_once('.')
                    .map_or(qualified.as_str(), |(_, short)| short),
            ),
            _ => "result".to_string(),
        };
        let schema = self.schemas.type_ref(returns);
        if returns.is_optional() {
            json!({
                "name": name,
                "description": "`null` when there is no value.",
                "schema": { "oneOf": [schema, { "type": "null" }] },
            })
        } else {
            json!({ "name": name, "required": true, "schema": schema })
        }
    }

    fn components(&mut self) -> Value {
        let mut schemas = Map::new();
        let reachable = reachable_types(self.model, self.package);
        for (name, qualified, def) in self.schemas.names.all(self.model) {
            if reachable.contains(&qualified) {
                schemas.insert(name, self.schemas.type_def(def));
            }
        }
        let tags: Map<String, Value> = self
            .package
            .services
            .iter()
            .map(|service| {
                let docs = service.docs.text();
                let description = if docs.is_empty() {
                    format!("The {} service.", service.name)
                } else {
                    docs
                };
                let description = match &service.deprecated {
                    Some(deprecation) => format!("{description}{}", deprecation_note(deprecation)),
                    None => description,
                };
                (
                    service.name.clone(),
                    json!({ "name": service.name, "description": description }),
                )
            })
            .collect();
        let mut components = Map::new();
        components.insert("schemas".into(), Value::Object(schemas));
        if !self.errors.is_empty() {
            components.insert("errors".into(), Value::Object(std::mem::take(&mut self.errors)));
        }
        components.insert("tags".into(), Value::Object(tags));
        Value::Object(components)
    }
}

/// OpenRPC has no security schemes. JSON-RPC travels in an HTTP POST, so the credential is the
/// one the REST binding takes; the extension spells it with OpenAPI's security scheme objects.
fn auth_extension(auth: &Auth) -> Value {
    let schemes: Vec<Value> = auth
        .schemes
        .iter()
        .map(|scheme| match scheme {
            AuthScheme::Bearer => json!({ "type": "http", "scheme": "bearer" }),
            AuthScheme::Basic => json!({ "type": "http", "scheme": "basic" }),
            AuthScheme::ApiKey { location, name } => json!({
                "type": "apiKey",
                "in": match location {
                    ApiKeyLocation::Header => "header",
                    ApiKeyLocation::Query => "query",
                },
                "name": name,
            }),
        })
        .collect();
    let mut extension = Map::new();
    extension.insert("anyOf".into(), Value::Array(schemes));
    if !auth.scopes.is_empty() {
        extension.insert("scopes".into(), json!(auth.scopes));
    }
    Value::Object(extension)
}
