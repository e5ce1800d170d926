//! The `proto` target: one proto3 file per package, laid out and named so that `buf lint` (STANDARD
//! rules) finds nothing and `buf format` changes nothing, plus a `buf.yaml` so buf runs in the
//! output folder as is. Only standard proto3 is used (no custom options), so protox and
//! tonic-build can compile the same files.
//!
//! gRPC wants one request and one response message per rpc, so methods get generated
//! `XRequest`/`XResponse` messages; events become server-streaming `SubscribeX` rpcs whose
//! responses hold the event's parameters, so their JSON equals the event payload elsewhere.

mod naming;

/// Where a package's `.proto` file goes; the Rust target embeds it from there.
pub(crate) use self::naming::file_path;

use std::collections::BTreeSet;

use askama::Template;

use self::naming::{Label, TypeSpeller, comment, field_name, note_comment, protoc_json_name};
use super::GeneratedFile;
use crate::model::bindings::GrpcCarrier;
use crate::model::naming::{enum_unspecified_name, enum_value_name, json_name, snake_case};
use crate::model::*;

pub fn generate(model: &Model) -> Vec<GeneratedFile> {
    let mut files = vec![GeneratedFile {
        path: "buf.yaml".into(),
        contents: BufYaml.render().expect("rendering buf.yaml cannot fail"),
    }];
    files.extend(model.packages.iter().map(|package| package_file(model, package)));
    files
}

#[derive(Template)]
#[template(path = "proto/buf.yaml", escape = "none")]
struct BufYaml;

#[derive(Template)]
#[template(path = "proto/file.proto", escape = "none")]
struct FileView {
    comment: Vec<String>,
    package: String,
    imports: Vec<String>,
    /// Rendered services, messages and enums, in output order.
    definitions: Vec<String>,
}

#[derive(Template)]
#[template(path = "proto/service.proto", escape = "none")]
struct ServiceView {
    comment: Vec<String>,
    name: String,
    deprecated: bool,
    rpcs: Vec<RpcView>,
}

impl ServiceView {
    fn is_empty(&self) -> bool {
        !self.deprecated && self.rpcs.is_empty()
    }
}

struct RpcView {
    comment: Vec<String>,
    name: String,
    client_stream: bool,
    request: String,
    server_stream: bool,
    response: String,
    /// `name = value` of each option, in output order.
    options: Vec<String>,
}

#[derive(Template)]
#[template(path = "proto/message.proto", escape = "none")]
struct MessageView {
    comment: Vec<String>,
    name: String,
    deprecated: bool,
    /// Whole `reserved …;` statements.
    reserved: Vec<String>,
    fields: Vec<FieldView>,
    oneof: Option<OneofView>,
}

impl MessageView {
    fn is_empty(&self) -> bool {
        !self.deprecated && self.reserved.is_empty() && self.fields.is_empty() && self.oneof.is_none()
    }
}

struct FieldView {
    comment: Vec<String>,
    /// `optional `, `repeated ` or empty.
    label: &'static str,
    ty: String,
    name: String,
    number: u32,
    /// ` [deprecated = true]` or empty.
    options: String,
}

struct OneofView {
    comment: Vec<String>,
    name: String,
    fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "proto/enum.proto", escape = "none")]
struct EnumView {
    comment: Vec<String>,
    name: String,
    deprecated: bool,
    reserved: Vec<String>,
    values: Vec<EnumValueView>,
}

struct EnumValueView {
    comment: Vec<String>,
    name: String,
    number: i64,
    options: String,
}

/// Builds the definitions of one package's file; owns the names given to generated messages.
struct FileBuilder<'a> {
    model: &'a Model,
    package: &'a Package,
    speller: TypeSpeller<'a>,
    /// Message, enum and service names already used in the package.
    taken: BTreeSet<String>,
}

fn package_file(model: &Model, package: &Package) -> GeneratedFile {
    let mut taken: BTreeSet<String> = package.types.iter().map(|ty| ty.name.clone()).collect();
    taken.extend(
        package
            .services
            .iter()
            .map(|service| bindings::grpc_service_name(&service.name)),
    );
    let mut builder = FileBuilder {
        model,
        package,
        speller: TypeSpeller::new(model, &package.name),
        taken,
    };
    let mut definitions = Vec::new();
    for service in &package.services {
        definitions.extend(builder.service(service));
    }
    for ty in &package.types {
        definitions.push(builder.type_definition(ty));
    }
    let file = FileView {
        comment: comment(&package.docs, &[]),
        package: package.name.clone(),
        imports: builder.speller.imports.iter().cloned().collect(),
        definitions,
    };
    let rendered = file.render().expect("rendering a proto file cannot fail");
    GeneratedFile {
        path: file_path(&package.name).into(),
        contents: format!("{}\n", rendered.trim_end()),
    }
}

/// How one side of an rpc is carried.
enum Payload<'a> {
    /// Nothing: an empty message.
    Empty,
    /// The parameters as fields.
    Params(&'a [Param]),
    /// One value wrapped in field 1 (a result, or a stream item).
    Wrapped {
        ty: &'a TypeRef,
        field: String,
        note: &'static str,
    },
    /// One stream parameter wrapped in a field with its own name and number.
    StreamParam(&'a Param),
}

impl<'a> FileBuilder<'a> {
    fn service(&mut self, service: &Service) -> Vec<String> {
        let proto_name = bindings::grpc_service_name(&service.name);
        let grpc = bindings::grpc_rpcs(self.model, service);
        let (method_rpcs, event_rpcs) = grpc.split_at(service.methods.len());
        let mut rpcs = Vec::new();
        let mut messages = Vec::new();
        for (method, rpc) in service.methods.iter().zip(method_rpcs) {
            let rpc_name = rpc.name.clone();
            let (request, request_message) = if method.input_stream {
                match method.params.first() {
                    Some(param) => self.rpc_message(
                        &proto_name,
                        &rpc_name,
                        "Request",
                        rpc.request == GrpcCarrier::Message,
                        Payload::StreamParam(param),
                        &format!("One message of the `{rpc_name}` request stream."),
                    ),
                    None => self.rpc_message(
                        &proto_name,
                        &rpc_name,
                        "Request",
                        false,
                        Payload::Empty,
                        &format!("One message of the `{rpc_name}` request stream."),
                    ),
                }
            } else {
                self.rpc_message(
                    &proto_name,
                    &rpc_name,
                    "Request",
                    false,
                    Payload::Params(&method.params),
                    &format!("The request of `{rpc_name}`."),
                )
            };
            let response_note = if method.output_stream {
                format!("One message of the `{rpc_name}` response stream.")
            } else {
                format!("The response of `{rpc_name}`.")
            };
            let (response, response_message) = match &method.returns {
                Some(ty) => {
                    let note = if method.output_stream {
                        "The next item of the stream."
                    } else {
                        "The result."
                    };
                    let payload = Payload::Wrapped {
                        ty,
                        field: result_field_name(self.model, ty),
                        note,
                    };
                    let direct = rpc.response == GrpcCarrier::Message;
                    self.rpc_message(&proto_name, &rpc_name, "Response", direct, payload, &response_note)
                }
                None => self.rpc_message(
                    &proto_name,
                    &rpc_name,
                    "Response",
                    false,
                    Payload::Empty,
                    &response_note,
                ),
            };
            messages.extend(request_message);
            messages.extend(response_message);
            rpcs.push(RpcView {
                comment: comment(&method.docs, &self.method_notes(method)),
                name: rpc_name,
                client_stream: method.input_stream,
                request,
                server_stream: method.output_stream,
                response,
                options: rpc_options(method.deprecated.is_some(), idempotency(method)),
            });
        }
        for (event, rpc) in service.events.iter().zip(event_rpcs) {
            let rpc_name = rpc.name.clone();
            let (request, request_message) = self.rpc_message(
                &proto_name,
                &rpc_name,
                "Request",
                false,
                Payload::Empty,
                &format!(
                    "Subscribes to the `{}` event; every subscriber gets every event.",
                    event.name
                ),
            );
            let (response, response_message) = self.rpc_message(
                &proto_name,
                &rpc_name,
                "Response",
                false,
                Payload::Params(&event.params),
                &format!("One `{}` event: its fields are the event's parameters.", event.name),
            );
            messages.extend(request_message);
            messages.extend(response_message);
            let mut notes = deprecation_notes(event.deprecated.as_ref());
            notes.push(format!("Streams the `{}` event as it is published.", event.name));
            rpcs.push(RpcView {
                comment: comment(&event.docs, &notes),
                name: rpc_name,
                client_stream: false,
                request,
                server_stream: true,
                response,
                // Subscribing changes nothing on the server.
                options: rpc_options(event.deprecated.is_some(), Some("NO_SIDE_EFFECTS")),
            });
        }
        let view = ServiceView {
            comment: comment(&service.docs, &deprecation_notes(service.deprecated.as_ref())),
            name: proto_name,
            deprecated: service.deprecated.is_some(),
            rpcs,
        };
        let mut definitions = vec![view.render().expect("rendering a proto service cannot fail")];
        definitions.extend(messages);
        definitions
    }

    /// The request or response message of an rpc: the type given when it is a struct already
    /// named `<Rpc><suffix>` and used by this rpc only, else a generated message. Returns the name
    /// to write in the rpc and the rendered message, if one was generated.
    fn rpc_message(
        &mut self,
        service: &str,
        rpc: &str,
        suffix: &str,
        direct: bool,
        payload: Payload,
        note: &str,
    ) -> (String, Option<String>) {
        let standard = format!("{rpc}{suffix}");
        if direct {
            let direct_type = match &payload {
                Payload::Wrapped { ty, .. } => Some(*ty),
                Payload::StreamParam(param) => Some(&param.field.ty),
                Payload::Empty | Payload::Params(_) => None,
            };
            if let Some(TypeRef::Named(qualified)) = direct_type {
                return (self.speller.qualify(qualified), None);
            }
        }
        let name = self.allocate(service, &standard);
        let fields = match payload {
            Payload::Empty => Vec::new(),
            Payload::Params(params) => {
                let numbers = bindings::param_numbers(params);
                params
                    .iter()
                    .zip(numbers)
                    .map(|(param, number)| self.field(&param.field, number))
                    .collect()
            }
            Payload::Wrapped { ty, field, note } => {
                let notes: Vec<String> = std::iter::once(note.to_string())
                    .chain(string_format_note(ty))
                    .collect();
                let (label, ty) = self.speller.field_type(ty);
                vec![FieldView {
                    comment: comment(&Docs::default(), &notes),
                    label: label.prefix(),
                    ty,
                    options: field_options(false, &field, &json_name(&field)),
                    name: field,
                    number: 1,
                }]
            }
            Payload::StreamParam(param) => {
                let numbers = bindings::param_numbers(std::slice::from_ref(param));
                numbers
                    .into_iter()
                    .map(|number| self.field(&param.field, number))
                    .collect()
            }
        };
        let view = MessageView {
            comment: note_comment(note),
            name: name.clone(),
            deprecated: false,
            reserved: Vec::new(),
            fields,
            oneof: None,
        };
        (
            name,
            Some(view.render().expect("rendering a proto message cannot fail")),
        )
    }

    /// A free message name: the standard `<Rpc>Request`, else the other name buf accepts,
    /// `<Service><Rpc>Request` (when a type or another service's rpc has the first), else that
    /// with a number so the file still compiles.
    fn allocate(&mut self, service: &str, standard: &str) -> String {
        let prefixed = format!("{service}{standard}");
        let name = [standard.to_string(), prefixed.clone()]
            .into_iter()
            .chain((2..).map(|n| format!("{prefixed}{n}")))
            .find(|candidate| !self.taken.contains(candidate))
            .unwrap_or(prefixed);
        self.taken.insert(name.clone());
        name
    }

    /// Notes on an rpc: deprecation and the errors it may fail with, with their gRPC codes.
    fn method_notes(&self, method: &Method) -> Vec<String> {
        let mut notes = deprecation_notes(method.deprecated.as_ref());
        let errors: Vec<String> = method
            .throws
            .iter()
            .map(|qualified| {
                let name = self.display_name(qualified);
                match self.model.type_def(qualified).map(|def| &def.kind) {
                    Some(TypeKind::Error(error)) => {
                        format!("`{name}` ({})", grpc_code_name(bindings::error_grpc_code(error)))
                    }
                    _ => format!("`{name}`"),
                }
            })
            .collect();
        if !errors.is_empty() {
            notes.push(format!("Errors: {}.", errors.join(", ")));
        }
        notes
    }

    /// A type's name for a comment: bare in its own package, else fully qualified. Unlike
    /// [`TypeSpeller::qualify`] this adds no import (buf's IMPORT_USED ignores comments).
    fn display_name(&self, qualified: &str) -> String {
        match qualified.rsplit_once('.') {
            Some((package, name)) if package == self.package.name => name.to_string(),
            _ => qualified.to_string(),
        }
    }

    fn type_definition(&mut self, ty: &TypeDef) -> String {
        let mut notes = deprecation_notes(ty.deprecated.as_ref());
        let deprecated = ty.deprecated.is_some();
        match &ty.kind {
            TypeKind::Struct(s) => self.struct_message(ty, &s.fields, &s.reserved, notes),
            TypeKind::Error(e) => {
                notes.push(format!(
                    "An error: gRPC status {}, HTTP status {}.",
                    grpc_code_name(bindings::error_grpc_code(e)),
                    bindings::error_http_status(e)
                ));
                self.struct_message(ty, &e.fields, &e.reserved, notes)
            }
            TypeKind::Enum(e) => {
                let unspecified = EnumValueView {
                    comment: note_comment("No value was set; rejected on input."),
                    name: enum_unspecified_name(&ty.name),
                    number: 0,
                    options: String::new(),
                };
                let values = e
                    .variants
                    .iter()
                    .zip(bindings::enum_values(e))
                    .map(|(variant, number)| {
                        let deprecated = variant.deprecated.is_some();
                        EnumValueView {
                            comment: comment(&variant.docs, &deprecation_notes(variant.deprecated.as_ref())),
                            name: enum_value_name(&ty.name, &variant.name),
                            number,
                            options: if deprecated {
                                " [deprecated = true]".into()
                            } else {
                                String::new()
                            },
                        }
                    });
                let reserved_names = e.reserved.names.iter().map(|name| enum_value_name(&ty.name, name));
                let view = EnumView {
                    comment: comment(&ty.docs, &notes),
                    name: ty.name.clone(),
                    deprecated,
                    reserved: reserved_statements(&e.reserved.numbers, reserved_names),
                    values: std::iter::once(unspecified).chain(values).collect(),
                };
                view.render().expect("rendering a proto enum cannot fail")
            }
            TypeKind::Union(u) => {
                let fields: Vec<FieldView> = u
                    .variants
                    .iter()
                    .zip(bindings::union_numbers(u))
                    .map(|(variant, number)| {
                        let name = field_name(&variant.name);
                        let deprecated = variant.deprecated.is_some();
                        FieldView {
                            comment: comment(&variant.docs, &deprecation_notes(variant.deprecated.as_ref())),
                            label: "",
                            ty: self.speller.field_type(&variant.ty).1,
                            options: field_options(deprecated, &name, &json_name(&variant.name)),
                            name,
                            number,
                        }
                    })
                    .collect();
                // The oneof shares the message's namespace with its fields.
                let mut oneof_name = snake_case(&ty.name);
                if fields.iter().any(|field| field.name == oneof_name) {
                    oneof_name.push_str("_variant");
                }
                let view = MessageView {
                    comment: comment(&ty.docs, &notes),
                    name: ty.name.clone(),
                    deprecated,
                    reserved: reserved_statements(&u.reserved.numbers, u.reserved.names.iter().map(|n| field_name(n))),
                    fields: Vec::new(),
                    oneof: Some(OneofView {
                        comment: note_comment("Exactly one of these is set."),
                        name: oneof_name,
                        fields,
                    }),
                };
                view.render().expect("rendering a proto message cannot fail")
            }
        }
    }

    fn struct_message(&mut self, ty: &TypeDef, fields: &[Field], reserved: &Reserved, notes: Vec<String>) -> String {
        let numbers = bindings::field_numbers(fields, reserved);
        let fields = fields
            .iter()
            .zip(numbers)
            .map(|(field, number)| self.field(field, number))
            .collect();
        let view = MessageView {
            comment: comment(&ty.docs, &notes),
            name: ty.name.clone(),
            deprecated: ty.deprecated.is_some(),
            reserved: reserved_statements(&reserved.numbers, reserved.names.iter().map(|n| field_name(n))),
            fields,
            oneof: None,
        };
        view.render().expect("rendering a proto message cannot fail")
    }

    /// A struct field or a parameter. Constraints and defaults have no standard proto3 spelling
    /// (protovalidate is an extension), so they are noted in the comment.
    fn field(&mut self, field: &Field, number: u32) -> FieldView {
        let mut notes = deprecation_notes(field.deprecated.as_ref());
        notes.extend(string_format_note(&field.ty));
        notes.extend(constraints_note(&field.constraints));
        if let Some(default) = &field.default {
            notes.push(format!(
                "Default: {}.",
                literal(self.model, default, field.ty.required())
            ));
        }
        let (label, ty): (Label, String) = self.speller.field_type(&field.ty);
        let name = field_name(&field.name);
        FieldView {
            comment: comment(&field.docs, &notes),
            label: label.prefix(),
            ty,
            options: field_options(field.deprecated.is_some(), &name, &json_name(&field.name)),
            name,
            number,
        }
    }
}

/// The name of the field a result or stream item is wrapped in: the type's name for named types
/// (`pet`), else what the value is (`items`, `entries`, `value`).
fn result_field_name(model: &Model, ty: &TypeRef) -> String {
    match ty.required() {
        TypeRef::Named(qualified) => match model.type_def(qualified) {
            Some(def) => field_name(&def.name),
            None => field_name(qualified.rsplit('.').next().unwrap_or("value")),
        },
        TypeRef::List(_) => "items".into(),
        TypeRef::Map(..) => "entries".into(),
        _ => "value".into(),
    }
}

fn idempotency(method: &Method) -> Option<&'static str> {
    if bindings::is_readonly(method) {
        Some("NO_SIDE_EFFECTS")
    } else if method.idempotent {
        Some("IDEMPOTENT")
    } else {
        None
    }
}

fn rpc_options(deprecated: bool, idempotency: Option<&str>) -> Vec<String> {
    let mut options = Vec::new();
    if deprecated {
        options.push("deprecated = true".to_string());
    }
    if let Some(level) = idempotency {
        options.push(format!("idempotency_level = {level}"));
    }
    options
}

/// ` [deprecated = true, json_name = "…"]`: `json_name` only where protoc's derivation from the
/// proto field name would differ from the model's JSON name, so gRPC-JSON matches every protocol.
fn field_options(deprecated: bool, proto_name: &str, json: &str) -> String {
    let mut options = Vec::new();
    if deprecated {
        options.push("deprecated = true".to_string());
    }
    if protoc_json_name(proto_name) != json {
        options.push(format!("json_name = {}", quoted(json)));
    }
    options_suffix(options)
}

fn options_suffix(options: Vec<String>) -> String {
    if options.is_empty() {
        String::new()
    } else {
        format!(" [{}]", options.join(", "))
    }
}

fn deprecation_notes(deprecation: Option<&Deprecation>) -> Vec<String> {
    deprecation
        .and_then(|d| d.note.as_ref())
        .map(|note| vec![format!("Deprecated: {note}")])
        .unwrap_or_default()
}

fn grpc_code_name(code: GrpcCode) -> String {
    code.name().to_uppercase()
}

/// `reserved 4, 8 to 10;` and `reserved "nickname";`.
fn reserved_statements(numbers: &[NumberRange], names: impl Iterator<Item = String>) -> Vec<String> {
    let mut statements = Vec::new();
    if !numbers.is_empty() {
        let ranges: Vec<String> = numbers
            .iter()
            .map(|range| {
                if range.start == range.end {
                    range.start.to_string()
                } else {
                    format!("{} to {}", range.start, range.end)
                }
            })
            .collect();
        statements.push(format!("reserved {};", ranges.join(", ")));
    }
    let names: Vec<String> = names.map(|name| format!("\"{name}\"")).collect();
    if !names.is_empty() {
        statements.push(format!("reserved {};", names.join(", ")));
    }
    statements
}

/// What a `string` holds when the model knows more (uuid, decimal), since proto3 has no such types.
fn string_format_note(ty: &TypeRef) -> Option<String> {
    let element = match ty {
        TypeRef::Optional(inner) | TypeRef::List(inner) | TypeRef::Map(_, inner) => inner.as_ref(),
        other => other,
    };
    match element {
        TypeRef::Scalar(Scalar::Uuid) => Some("Format: a UUID, lowercase and hyphenated.".into()),
        TypeRef::Scalar(Scalar::Decimal) => Some("Format: an exact decimal number, such as `12.50`.".into()),
        _ => None,
    }
}

/// `Constraints: length 1..=64, pattern `^…$`.`, in the IDL's own range syntax.
fn constraints_note(constraints: &Constraints) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(length) = &constraints.length {
        parts.push(format!("length {}", bounds(length)));
    }
    if let Some(range) = &constraints.range {
        let min = range.min.as_ref().map(|n| n.0.as_str()).unwrap_or_default();
        let max = range.max.as_ref().map(|n| n.0.as_str()).unwrap_or_default();
        let op = if range.max_exclusive || range.max.is_none() {
            ".."
        } else {
            "..="
        };
        parts.push(format!("range {min}{op}{max}"));
    }
    if let Some(pattern) = &constraints.pattern {
        // A pattern holding a backtick cannot sit in a code span; quote it instead.
        if pattern.contains('`') {
            parts.push(format!("pattern {}", quoted(pattern)));
        } else {
            parts.push(format!("pattern `{pattern}`"));
        }
    }
    if let Some(items) = &constraints.items {
        parts.push(format!("items {}", bounds(items)));
    }
    (!parts.is_empty()).then(|| format!("Constraints: {}.", parts.join(", ")))
}

fn bounds(bounds: &Bounds) -> String {
    let min = bounds.min.map(|n| n.to_string()).unwrap_or_default();
    match bounds.max {
        Some(max) => format!("{min}..={max}"),
        None => format!("{min}.."),
    }
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
}

/// A default as it reads in proto terms: enum values by their proto name.
fn literal(model: &Model, value: &Literal, ty: &TypeRef) -> String {
    match value {
        Literal::Bool(b) => b.to_string(),
        Literal::Number(n) => n.0.clone(),
        Literal::String(s) => quoted(s),
        Literal::Enum(variant) => match ty {
            TypeRef::Named(qualified) => match model.type_def(qualified) {
                Some(def) => enum_value_name(&def.name, variant),
                None => variant.clone(),
            },
            _ => variant.clone(),
        },
        Literal::List(items) => {
            let element = match ty {
                TypeRef::List(inner) => inner.as_ref(),
                other => other,
            };
            let items: Vec<String> = items.iter().map(|item| literal(model, item, element)).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proto(source: &str) -> Vec<GeneratedFile> {
        let compilation = crate::compile_str("test.idl", source);
        let model = compilation
            .checked_model()
            .unwrap_or_else(|| panic!("{}", compilation.render_diagnostics()));
        generate(model)
    }

    fn contents<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
        files
            .iter()
            .find(|file| file.path == std::path::Path::new(path))
            .map(|file| file.contents.as_str())
            .unwrap_or_else(|| panic!("no {path} in {:?}", files.iter().map(|f| &f.path).collect::<Vec<_>>()))
    }

    const SOURCE: &str = r#"
package acme.shop.v1;

/// An item.
struct Item { id: u64 }

/// A page of items.
struct ListItemsResponse { items: list<Item> }

/// Named like a response, but two rpcs return it.
struct FindResponse { items: list<Item> }

service Shop {
    #[readonly]
    fn list_items() -> ListItemsResponse;
    fn find() -> FindResponse;
    fn find_more() -> FindResponse;
    #[idempotent]
    fn get_item(id: u64) -> Item;
    fn upload(chunks: stream Item) -> stream Item;
    event item_sold(id: u64, price: decimal);
}
"#;

    #[test]
    fn one_file_per_package_beside_buf_yaml() {
        let files = proto(SOURCE);
        let paths: Vec<_> = files.iter().map(|file| file.path.clone()).collect();
        assert_eq!(
            paths,
            ["buf.yaml", "acme/shop/v1/shop.proto"].map(std::path::PathBuf::from)
        );
        assert!(contents(&files, "buf.yaml").contains("- STANDARD"));
    }

    #[test]
    fn responses_are_wrapped_unless_a_struct_already_fits() {
        let files = proto(SOURCE);
        let file = contents(&files, "acme/shop/v1/shop.proto");
        assert!(file.contains("rpc ListItems(ListItemsRequest) returns (ListItemsResponse) {"));
        assert!(file.contains("option idempotency_level = NO_SIDE_EFFECTS;"));
        // Used by two rpcs: each gets its own wrapper, under the service-prefixed name when the
        // struct holds the standard one.
        assert!(file.contains("rpc Find(FindRequest) returns (ShopServiceFindResponse);"));
        assert!(
            file.contains("message ShopServiceFindResponse {\n  // The result.\n  FindResponse find_response = 1;\n}")
        );
        assert!(file.contains("message GetItemResponse {\n  // The result.\n  Item item = 1;\n}"));
        assert!(file.contains("rpc Upload(stream UploadRequest) returns (stream UploadResponse);"));
        assert!(file.contains("message UploadRequest {\n  Item chunks = 1;\n}"));
    }

    #[test]
    fn events_are_server_streaming_subscriptions() {
        let files = proto(SOURCE);
        let file = contents(&files, "acme/shop/v1/shop.proto");
        assert!(
            file.contains(
                "rpc SubscribeItemSold(SubscribeItemSoldRequest) returns (stream SubscribeItemSoldResponse) {"
            )
        );
        assert!(file.contains("message SubscribeItemSoldRequest {}"));
        assert!(
            file.contains(
                "  uint64 id = 1;\n  // Format: an exact decimal number, such as `12.50`.\n  string price = 2;"
            )
        );
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(proto(SOURCE), proto(SOURCE));
    }
}
