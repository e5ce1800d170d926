//! The effective value of everything the author may leave out: wire numbers, HTTP routes and
//! parameter placement, MQTT topics, queue names, auth and error codes. Every target calls these,
//! so the defaults documented in `docs/language.md` hold identically on every protocol.

use std::collections::BTreeSet;

use super::naming::{kebab_case, upper_camel_case};
use super::*;

/// Highest protobuf field number.
pub const MAX_FIELD_NUMBER: i64 = 536_870_911;
/// Numbers protobuf keeps for its own implementation.
pub const PROTOBUF_RESERVED: std::ops::RangeInclusive<i64> = 19_000..=19_999;

/// Wire numbers of a list of members, in order. A member without a declared number gets the
/// smallest number greater than the previous member's that no member declares, no earlier member
/// was given, and that is not reserved (so the first undeclared member of a fresh struct is 1).
pub fn assign_numbers(declared: &[Option<i64>], reserved: &Reserved, skip_protobuf_range: bool) -> Vec<i64> {
    let mut used: BTreeSet<i64> = declared.iter().flatten().copied().collect();
    let mut previous = 0i64;
    declared
        .iter()
        .map(|number| {
            let number = number.unwrap_or_else(|| {
                let mut candidate = previous + 1;
                while used.contains(&candidate)
                    || reserved.contains_number(candidate)
                    || (skip_protobuf_range && PROTOBUF_RESERVED.contains(&candidate))
                {
                    candidate += 1;
                }
                used.insert(candidate);
                candidate
            });
            previous = number;
            number
        })
        .collect()
}

/// Field numbers of a struct's or error's fields (or of a method's parameters, with an empty
/// `reserved`).
pub fn field_numbers(fields: &[Field], reserved: &Reserved) -> Vec<u32> {
    let declared: Vec<Option<i64>> = fields.iter().map(|f| f.number.map(i64::from)).collect();
    assign_numbers(&declared, reserved, true)
        .into_iter()
        .map(|n| n as u32)
        .collect()
}

pub fn param_numbers(params: &[Param]) -> Vec<u32> {
    let declared: Vec<Option<i64>> = params.iter().map(|p| p.field.number.map(i64::from)).collect();
    assign_numbers(&declared, &Reserved::default(), true)
        .into_iter()
        .map(|n| n as u32)
        .collect()
}

pub fn union_numbers(union: &Union) -> Vec<u32> {
    let declared: Vec<Option<i64>> = union.variants.iter().map(|v| v.number.map(i64::from)).collect();
    assign_numbers(&declared, &union.reserved, true)
        .into_iter()
        .map(|n| n as u32)
        .collect()
}

/// Enum values; 0 is never assigned, it is the "unspecified" value every target adds.
pub fn enum_values(enumeration: &Enum) -> Vec<i64> {
    let declared: Vec<Option<i64>> = enumeration.variants.iter().map(|v| v.value).collect();
    assign_numbers(&declared, &enumeration.reserved, false)
}

/// HTTP status of a thrown error: declared, else 400.
pub fn error_http_status(error: &ErrorDef) -> u16 {
    error.http_status.unwrap_or(400)
}

/// gRPC code of a thrown error: declared, else derived from its HTTP status.
pub fn error_grpc_code(error: &ErrorDef) -> GrpcCode {
    error
        .grpc_code
        .unwrap_or_else(|| grpc_code_for_http_status(error_http_status(error)))
}

/// The conventional gRPC code for an HTTP status (the inverse of gRPC's HTTP mapping, with 400
/// read as a failed precondition since invalid arguments are the validator's).
pub fn grpc_code_for_http_status(status: u16) -> GrpcCode {
    match status {
        401 => GrpcCode::Unauthenticated,
        403 => GrpcCode::PermissionDenied,
        404 => GrpcCode::NotFound,
        409 => GrpcCode::AlreadyExists,
        416 => GrpcCode::OutOfRange,
        422 => GrpcCode::InvalidArgument,
        429 => GrpcCode::ResourceExhausted,
        499 => GrpcCode::Cancelled,
        501 => GrpcCode::Unimplemented,
        503 => GrpcCode::Unavailable,
        504 => GrpcCode::DeadlineExceeded,
        // 400, 412 and any other client error: the request cannot succeed in the current state.
        400..=499 => GrpcCode::FailedPrecondition,
        _ => GrpcCode::Internal,
    }
}

/// Side-effect free: declared `#[readonly]`, or bound to GET.
pub fn is_readonly(method: &Method) -> bool {
    method.readonly || method.http.as_ref().is_some_and(|rule| rule.verb == HttpVerb::Get)
}

/// Auth in force for a method: its own, else the service's; `None` when nobody must authenticate.
pub fn method_auth<'a>(service: &'a Service, method: &'a Method) -> Option<&'a Auth> {
    method
        .auth
        .as_ref()
        .or(service.auth.as_ref())
        .filter(|auth| !auth.is_none())
}

pub fn event_auth<'a>(service: &'a Service, event: &'a Event) -> Option<&'a Auth> {
    event
        .auth
        .as_ref()
        .or(service.auth.as_ref())
        .filter(|auth| !auth.is_none())
}

/// Where one parameter travels in an HTTP request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "in", rename_all = "snake_case")]
pub enum ParamLocation {
    Path,
    Query {
        name: String,
    },
    Header {
        name: String,
    },
    /// The whole body is this parameter's value.
    Body,
    /// A member of the JSON object body.
    BodyField,
}

/// The effective HTTP binding of a method.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRoute {
    pub verb: HttpVerb,
    pub path: String,
    /// One location per parameter, in parameter order.
    pub params: Vec<(String, ParamLocation)>,
}

/// The route a method is served at: declared, else `POST /<service>/<method>` (GET when the
/// method is readonly and every parameter can go in the query). Placement: path placeholders are
/// path params; for GET/DELETE the rest go in the query; otherwise a `#[body]` param is the body
/// and the rest go in the query, or without one the rest are members of a JSON object body.
pub fn http_route(model: &Model, service: &Service, method: &Method) -> HttpRoute {
    let (verb, path) = match &method.http {
        Some(rule) => (rule.verb, rule.path.clone()),
        None => {
            let all_queryable = method.params.iter().all(|p| is_query_type(model, &p.field.ty));
            let verb = if method.readonly && !method.input_stream && all_queryable {
                HttpVerb::Get
            } else {
                HttpVerb::Post
            };
            (
                verb,
                format!("/{}/{}", kebab_case(&service.name), kebab_case(&method.name)),
            )
        }
    };
    let placeholders: Vec<String> = path_placeholders(&path).into_iter().map(|(name, _)| name).collect();
    let has_body_param = method.params.iter().any(|p| p.placement == Some(Placement::Body));
    let params = method
        .params
        .iter()
        .map(|param| {
            let name = &param.field.name;
            let location = match &param.placement {
                Some(Placement::Path) => ParamLocation::Path,
                Some(Placement::Query { name: rename }) => ParamLocation::Query {
                    name: rename.clone().unwrap_or_else(|| name.clone()),
                },
                Some(Placement::Header { name }) => ParamLocation::Header { name: name.clone() },
                Some(Placement::Body) => ParamLocation::Body,
                None if placeholders.contains(name) => ParamLocation::Path,
                None if !verb.has_body() || has_body_param => ParamLocation::Query { name: name.clone() },
                None => ParamLocation::BodyField,
            };
            (name.clone(), location)
        })
        .collect();
    HttpRoute { verb, path, params }
}

/// Types that can be written in a query string: scalars, enums, optionals and lists of those.
pub fn is_query_type(model: &Model, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Scalar(_) => true,
        TypeRef::Named(name) => model
            .type_def(name)
            .is_some_and(|def| matches!(def.kind, TypeKind::Enum(_))),
        TypeRef::Optional(inner) => is_query_type(model, inner),
        TypeRef::List(inner) => {
            matches!(**inner, TypeRef::Scalar(_) | TypeRef::Named(_)) && is_query_type(model, inner)
        }
        TypeRef::Map(..) => false,
    }
}

/// `{name}` placeholders of a path or topic template, with their byte ranges (braces included).
pub fn path_placeholders(template: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut rest = template;
    let mut offset = 0;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        out.push((name.to_string(), offset + open..offset + open + close + 1));
        offset += open + close + 1;
        rest = &rest[open + close + 1..];
    }
    out
}

fn package_topic_prefix(package: &Package) -> String {
    package.name.replace('.', "/")
}

/// MQTT topic an event is published to: declared, else `<package as path>/<Service>/<event>`.
pub fn event_topic(package: &Package, service: &Service, event: &Event) -> String {
    event
        .mqtt
        .as_ref()
        .and_then(|binding| binding.topic.clone())
        .unwrap_or_else(|| format!("{}/{}/{}", package_topic_prefix(package), service.name, event.name))
}

/// QoS of an event: declared, else 1 (at least once).
pub fn event_qos(event: &Event) -> u8 {
    event.mqtt.as_ref().and_then(|binding| binding.qos).unwrap_or(1)
}

pub fn event_retain(event: &Event) -> bool {
    event.mqtt.as_ref().and_then(|binding| binding.retain).unwrap_or(false)
}

/// MQTT 5 request topic of a method: declared, else `<package as path>/<Service>/<method>/req`.
pub fn method_request_topic(package: &Package, service: &Service, method: &Method) -> String {
    method
        .mqtt
        .as_ref()
        .and_then(|binding| binding.topic.clone())
        .unwrap_or_else(|| format!("{}/{}/{}/req", package_topic_prefix(package), service.name, method.name))
}

/// QoS of a method's requests and replies: declared, else 1.
pub fn method_qos(method: &Method) -> u8 {
    method.mqtt.as_ref().and_then(|binding| binding.qos).unwrap_or(1)
}

/// AMQP routing key of an event: declared, else `<package>.<Service>.<event>`.
pub fn event_routing_key(package: &Package, service: &Service, event: &Event) -> String {
    event
        .queue
        .as_ref()
        .and_then(|binding| binding.routing_key.clone())
        .unwrap_or_else(|| format!("{}.{}.{}", package.name, service.name, event.name))
}

/// Work queue of a `#[queue]` method: declared, else `<package>.<Service>.<method>`.
pub fn method_queue_name(package: &Package, service: &Service, method: &Method) -> Option<String> {
    let binding = method.queue.as_ref()?;
    Some(
        binding
            .name
            .clone()
            .unwrap_or_else(|| format!("{}.{}.{}", package.name, service.name, method.name)),
    )
}

/// Deliveries of one job before it is dead-lettered: declared, else 5.
pub fn method_max_attempts(method: &Method) -> Option<u32> {
    method.queue.as_ref().map(|binding| binding.max_attempts.unwrap_or(5))
}

/// The GraphQL root type a method's field belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GraphqlRoot {
    Query,
    Mutation,
    Subscription,
}

impl GraphqlRoot {
    pub const ALL: [GraphqlRoot; 3] = [GraphqlRoot::Query, GraphqlRoot::Mutation, GraphqlRoot::Subscription];

    /// The root type's default name in SDL: `Query`, `Mutation`, `Subscription`.
    pub fn type_name(self) -> &'static str {
        match self {
            GraphqlRoot::Query => "Query",
            GraphqlRoot::Mutation => "Mutation",
            GraphqlRoot::Subscription => "Subscription",
        }
    }
}

/// Where a method is served in GraphQL: side-effect-free unary methods are queries, other unary
/// methods mutations, server streams subscriptions; GraphQL cannot stream arguments, so client and
/// bidirectional streams have no field (`None`). Events are always subscriptions.
pub fn graphql_root(method: &Method) -> Option<GraphqlRoot> {
    match method.kind() {
        StreamingKind::Unary if is_readonly(method) => Some(GraphqlRoot::Query),
        StreamingKind::Unary => Some(GraphqlRoot::Mutation),
        StreamingKind::ServerStreaming => Some(GraphqlRoot::Subscription),
        StreamingKind::ClientStreaming | StreamingKind::Bidirectional => None,
    }
}

/// The HTTP path where an event is streamed as Server-Sent Events: `/<service>/events/<event>`.
pub fn event_stream_path(service: &Service, event: &Event) -> String {
    format!("/{}/events/{}", kebab_case(&service.name), kebab_case(&event.name))
}

/// The name of an event's payload object in schema-based targets (`PetSoldEvent`).
pub fn event_payload_name(event: &Event) -> String {
    format!("{}Event", upper_camel_case(&event.name))
}

/// The XML namespace of a package's SOAP messages and WSDL: `urn:acme:pets:v1`.
pub fn soap_namespace(package: &str) -> String {
    format!("urn:{}", package.replace('.', ":"))
}

/// The SOAPAction of an operation: `urn:acme:pets:v1#GetPet`.
pub fn soap_action(namespace: &str, operation: &str) -> String {
    format!("{namespace}#{operation}")
}

/// The SOAP operation of a method, also the name of its request wrapper element: `GetPet`. (The
/// WSDL target adds a numeric suffix in the rare case two methods of a package would share it.)
pub fn soap_operation_name(method: &Method) -> String {
    upper_camel_case(&method.name)
}

/// The only child of a SOAP response wrapper: the return type's name in lowerCamel (`pet` for
/// `Pet` and `list<Pet>`), else `result`.
pub fn soap_result_element(returns: &TypeRef) -> String {
    let named = match returns.required() {
        TypeRef::Named(qualified) => Some(qualified),
        TypeRef::List(item) => match item.as_ref() {
            TypeRef::Named(qualified) => Some(qualified),
            _ => None,
        },
        _ => None,
    };
    named
        .map(|qualified| {
            super::naming::lower_camel_case(qualified.rsplit_once('.').map_or(qualified.as_str(), |(_, s)| s))
        })
        .unwrap_or_else(|| "result".to_string())
}

/// The name a type gets in targets that want one message per request (`GetPetRequest`).
pub fn request_type_name(method: &Method) -> String {
    format!("{}Request", upper_camel_case(&method.name))
}

pub fn response_type_name(method: &Method) -> String {
    format!("{}Response", upper_camel_case(&method.name))
}

/// The gRPC service of a service: `PetStore` → `PetStoreService` (buf's SERVICE_SUFFIX; a name
/// already ending in `Service` is kept).
pub fn grpc_service_name(service: &str) -> String {
    let camel = upper_camel_case(service);
    if camel.ends_with("Service") {
        camel
    } else {
        format!("{camel}Service")
    }
}

/// The gRPC service's full name, as in request paths and reflection: `acme.pets.v1.PetStoreService`.
pub fn grpc_full_service_name(package: &str, service: &str) -> String {
    format!("{package}.{}", grpc_service_name(service))
}

/// How one side of an rpc carries its value in the protobuf message on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrpcCarrier {
    /// The value is the message: a struct used as the request or response as is, the parameters
    /// of a method (its request message), an event's parameters, or nothing (an empty message).
    Message,
    /// The value is field `field` of a generated message (a result, or a client-stream item).
    Wrapped { field: u32 },
}

/// One rpc of a gRPC service: a method's or an event subscription's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrpcRpc {
    /// `GetPet`, `SubscribePetSold`.
    pub name: String,
    pub request: GrpcCarrier,
    pub response: GrpcCarrier,
}

/// The rpcs of a service: first one per method, in order, then one `Subscribe<Event>` per event.
/// The proto target writes exactly these, and the runtime serves exactly these.
pub fn grpc_rpcs(model: &Model, service: &Service) -> Vec<GrpcRpc> {
    let uses = grpc_type_uses(model);
    let mut names = BTreeSet::new();
    let mut rpcs = Vec::new();
    for method in &service.methods {
        let name = unique_rpc_name(&mut names, upper_camel_case(&method.name));
        let request = match method.params.first().filter(|_| method.input_stream) {
            Some(param) if grpc_is_direct(model, &uses, &name, "Request", &param.field.ty) => GrpcCarrier::Message,
            Some(param) => GrpcCarrier::Wrapped {
                field: param_numbers(std::slice::from_ref(param))[0],
            },
            None => GrpcCarrier::Message,
        };
        let response = match &method.returns {
            Some(ty) if grpc_is_direct(model, &uses, &name, "Response", ty) => GrpcCarrier::Message,
            Some(_) => GrpcCarrier::Wrapped { field: 1 },
            None => GrpcCarrier::Message,
        };
        rpcs.push(GrpcRpc {
            name,
            request,
            response,
        });
    }
    for event in &service.events {
        let name = unique_rpc_name(&mut names, format!("Subscribe{}", upper_camel_case(&event.name)));
        rpcs.push(GrpcRpc {
            name,
            request: GrpcCarrier::Message,
            response: GrpcCarrier::Message,
        });
    }
    rpcs
}

/// Whether `ty` is used as the `<Rpc><suffix>` message itself: it must be a struct with exactly
/// that name, filling one rpc position in the whole model, since buf wants each request and
/// response message used by one rpc only (RPC_REQUEST_RESPONSE_UNIQUE).
fn grpc_is_direct(
    model: &Model,
    uses: &std::collections::BTreeMap<String, usize>,
    rpc: &str,
    suffix: &str,
    ty: &TypeRef,
) -> bool {
    let TypeRef::Named(qualified) = ty else { return false };
    let standard = format!("{rpc}{suffix}");
    let is_struct = model
        .type_def(qualified)
        .is_some_and(|def| def.name == standard && matches!(def.kind, TypeKind::Struct(_)));
    is_struct && uses.get(qualified) == Some(&1)
}

/// Counts, for every named type, the rpc positions (a method's result, or its stream parameter)
/// it appears in across the whole model.
fn grpc_type_uses(model: &Model) -> std::collections::BTreeMap<String, usize> {
    let mut uses = std::collections::BTreeMap::new();
    let services = model.packages.iter().flat_map(|package| &package.services);
    for method in services.flat_map(|service| &service.methods) {
        let stream_param = method
            .params
            .first()
            .filter(|_| method.input_stream)
            .map(|p| &p.field.ty);
        for ty in [method.returns.as_ref(), stream_param].into_iter().flatten() {
            if let TypeRef::Named(qualified) = ty {
                *uses.entry(qualified.clone()).or_insert(0) += 1;
            }
        }
    }
    uses
}

/// rpc names must be unique in a service; an event subscription can meet a method of the same
/// name (`subscribe_x` and event `x`), which gets a number rather than broken output.
fn unique_rpc_name(used: &mut BTreeSet<String>, name: String) -> String {
    let unique = std::iter::once(name.clone())
        .chain((2..).map(|n| format!("{name}{n}")))
        .find(|candidate| !used.contains(candidate))
        .unwrap_or(name);
    used.insert(unique.clone());
    unique
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_services_get_one_suffix() {
        assert_eq!(grpc_service_name("PetStore"), "PetStoreService");
        assert_eq!(grpc_service_name("ChatService"), "ChatService");
    }

    #[test]
    fn numbers_fill_gaps_after_the_previous_member() {
        let reserved = Reserved {
            numbers: vec![NumberRange { start: 2, end: 3 }],
            names: vec![],
        };
        assert_eq!(
            assign_numbers(&[None, None, Some(7), None, None], &reserved, true),
            [1, 4, 7, 8, 9]
        );
        assert_eq!(
            assign_numbers(&[None, Some(2), None], &Reserved::default(), true),
            [1, 2, 3]
        );
        assert_eq!(
            assign_numbers(&[Some(5), None, Some(6), None], &Reserved::default(), true),
            [5, 7, 6, 8]
        );
    }

    #[test]
    fn numbers_skip_the_protobuf_range() {
        assert_eq!(
            assign_numbers(&[Some(18_999), None], &Reserved::default(), true),
            [18_999, 20_000]
        );
    }

    #[test]
    fn placeholders_are_found_in_order() {
        let found = path_placeholders("/rooms/{room_id}/messages/{id}");
        assert_eq!(
            found.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["room_id", "id"]
        );
        assert_eq!(&"/rooms/{room_id}/messages/{id}"[found[1].1.clone()], "{id}");
    }
}
