//! The `model` target: the checked model as JSON, one file per package, for inspection and for
//! tools. Next to what the author declared it spells out every effective value (wire numbers,
//! HTTP routes, topics, routing keys, error codes), computed by [`crate::model::bindings`].

use serde::Serialize;
use serde_json::{Value, json};

use super::GeneratedFile;
use crate::model::bindings::{self, HttpRoute};
use crate::model::*;

/// Bumped whenever the JSON layout changes incompatibly.
const FORMAT_VERSION: u32 = 1;

pub fn generate(model: &Model) -> Vec<GeneratedFile> {
    model
        .packages
        .iter()
        .map(|package| {
            let document = json!({
                "format_version": FORMAT_VERSION,
                "package": package.name,
                "docs": package.docs,
                "files": package.files,
                "types": package.types.iter().map(type_json).collect::<Vec<_>>(),
                "services": package.services.iter().map(|s| service_json(model, package, s)).collect::<Vec<_>>(),
            });
            let mut contents = serde_json::to_string_pretty(&document).unwrap_or_default();
            contents.push('\n');
            GeneratedFile {
                path: format!("{}.json", package.name).into(),
                contents,
            }
        })
        .collect()
}

fn to_value(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Adds `"effective": {…}` to a serialised declaration.
fn with_effective(declared: impl Serialize, effective: Value) -> Value {
    let mut value = to_value(declared);
    if let Value::Object(map) = &mut value {
        map.insert("effective".into(), effective);
    }
    value
}

fn numbered_fields(fields: &[Field], reserved: &Reserved) -> Value {
    let numbers = bindings::field_numbers(fields, reserved);
    Value::Array(
        fields
            .iter()
            .zip(numbers)
            .map(|(field, number)| with_effective(field, json!({ "number": number })))
            .collect(),
    )
}

fn type_json(ty: &TypeDef) -> Value {
    let mut value = to_value(ty);
    let Value::Object(map) = &mut value else {
        return value;
    };
    match &ty.kind {
        TypeKind::Struct(s) => {
            map.insert("fields".into(), numbered_fields(&s.fields, &s.reserved));
        }
        TypeKind::Error(e) => {
            map.insert("fields".into(), numbered_fields(&e.fields, &e.reserved));
            map.insert(
                "effective".into(),
                json!({
                    "http_status": bindings::error_http_status(e),
                    "grpc_code": bindings::error_grpc_code(e),
                }),
            );
        }
        TypeKind::Enum(e) => {
            let values = bindings::enum_values(e);
            let variants: Vec<Value> = e
                .variants
                .iter()
                .zip(values)
                .map(|(v, value)| with_effective(v, json!({ "value": value })))
                .collect();
            map.insert("variants".into(), Value::Array(variants));
        }
        TypeKind::Union(u) => {
            let numbers = bindings::union_numbers(u);
            let variants: Vec<Value> = u
                .variants
                .iter()
                .zip(numbers)
                .map(|(v, number)| with_effective(v, json!({ "number": number })))
                .collect();
            map.insert("variants".into(), Value::Array(variants));
        }
    }
    value
}

fn service_json(model: &Model, package: &Package, service: &Service) -> Value {
    let mut value = to_value(service);
    let Value::Object(map) = &mut value else {
        return value;
    };
    let methods: Vec<Value> = service
        .methods
        .iter()
        .map(|method| {
            let route: HttpRoute = bindings::http_route(model, service, method);
            let numbers = bindings::param_numbers(&method.params);
            let mut declared = to_value(method);
            if let Value::Object(m) = &mut declared {
                let params: Vec<Value> = method
                    .params
                    .iter()
                    .zip(numbers)
                    .map(|(p, number)| with_effective(p, json!({ "number": number })))
                    .collect();
                m.insert("params".into(), Value::Array(params));
            }
            with_effective(
                declared,
                json!({
                    "streaming": method.kind(),
                    "readonly": bindings::is_readonly(method),
                    "http": {
                        "method": route.verb,
                        "path": route.path,
                        "params": route.params.iter().map(|(name, location)| {
                            let mut entry = to_value(location);
                            if let Value::Object(e) = &mut entry { e.insert("name".into(), json!(name)); }
                            entry
                        }).collect::<Vec<_>>(),
                    },
                    "mqtt": {
                        "request_topic": bindings::method_request_topic(package, service, method),
                        "qos": bindings::method_qos(method),
                    },
                    "queue": bindings::method_queue_name(package, service, method).map(|name| json!({
                        "name": name,
                        "max_attempts": bindings::method_max_attempts(method),
                    })),
                    "auth": bindings::method_auth(service, method),
                }),
            )
        })
        .collect();
    let events: Vec<Value> = service
        .events
        .iter()
        .map(|event| {
            let numbers = bindings::param_numbers(&event.params);
            let mut declared = to_value(event);
            if let Value::Object(m) = &mut declared {
                let params: Vec<Value> = event
                    .params
                    .iter()
                    .zip(numbers)
                    .map(|(p, number)| with_effective(p, json!({ "number": number })))
                    .collect();
                m.insert("params".into(), Value::Array(params));
            }
            with_effective(
                declared,
                json!({
                    "mqtt": {
                        "topic": bindings::event_topic(package, service, event),
                        "qos": bindings::event_qos(event),
                        "retain": bindings::event_retain(event),
                    },
                    "queue": { "routing_key": bindings::event_routing_key(package, service, event) },
                    "auth": bindings::event_auth(service, event),
                }),
            )
        })
        .collect();
    map.insert("methods".into(), Value::Array(methods));
    map.insert("events".into(), Value::Array(events));
    value
}
