//! Lowers one file's syntax tree into model declarations, giving annotations their meaning. Names
//! of types stay as written; [`crate::check`] resolves them once every file is loaded.

pub mod annotations;

use annotations::{Annotations, Site, interpret};

use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::source::Span;
use crate::syntax::ast;

/// What one file declares.
#[derive(Debug, Default)]
pub struct FileDecls {
    pub package: Option<(String, Span)>,
    pub docs: Docs,
    pub imports: Vec<(String, Span)>,
    pub types: Vec<TypeDef>,
    pub services: Vec<Service>,
}

pub fn lower_file(file: &ast::SourceFileAst, errors: &mut Vec<Diagnostic>) -> FileDecls {
    let mut out = FileDecls {
        docs: docs(&file.inner_docs),
        ..FileDecls::default()
    };
    let mut seen_item = false;
    for decl in &file.decls {
        match decl {
            ast::Decl::Package(package) => {
                if let Some((_, first)) = &out.package {
                    errors.push(
                        Diagnostic::error(Code::E0011, package.span, "a file declares one package")
                            .label("second package declaration")
                            .secondary(*first, "package declared here")
                            .help("split the file, one package per file"),
                    );
                } else if seen_item {
                    errors.push(
                        Diagnostic::error(Code::E0011, package.span, "the package declaration must come first")
                            .label("declared after other declarations")
                            .help("move `package …;` to the top of the file, after the `//!` docs"),
                    );
                    out.package = Some((package.name.text.clone(), package.name.span));
                } else {
                    out.package = Some((package.name.text.clone(), package.name.span));
                }
                check_package_name(&package.name, errors);
                if let Some(doc) = package.docs.first() {
                    errors.push(
                        Diagnostic::error(Code::E0014, doc.span, "`///` cannot document a package")
                            .label("outer doc comment here")
                            .help("document the file and its package with `//!` lines at the top"),
                    );
                }
            }
            ast::Decl::Import(import) => {
                if seen_item {
                    errors.push(
                        Diagnostic::error(Code::E0014, import.span, "imports must come before types and services")
                            .label("import after a declaration")
                            .help("move the import up, right after `package …;`"),
                    );
                }
                out.imports.push((import.path.value.clone(), import.path.span));
            }
            ast::Decl::StrayInnerDocs(lines) => {
                if let Some(first) = lines.first() {
                    errors.push(
                        Diagnostic::error(Code::E0014, first.span, "`//!` documents the file and must come first")
                            .label("file doc after a declaration")
                            .help("move it to the top of the file, or use `///` to document the next item"),
                    );
                }
            }
            ast::Decl::Item(item) => {
                seen_item = true;
                lower_item(item, &mut out, errors);
            }
        }
    }
    out
}

fn check_package_name(name: &ast::Ident, errors: &mut Vec<Diagnostic>) {
    let valid = name.text.split('.').all(|part| {
        part.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    });
    if !valid {
        errors.push(
            Diagnostic::error(
                Code::E0015,
                name.span,
                format!("`{}` is not a valid package name", name.text),
            )
            .label("package names are lowercase")
            .help("use lowercase dotted words ending in a version, e.g. `acme.pets.v1`"),
        );
    }
}

fn docs(lines: &[ast::DocLine]) -> Docs {
    // Strip the one space that conventionally follows `///`, keep further indentation.
    Docs(
        lines
            .iter()
            .map(|line| line.text.strip_prefix(' ').unwrap_or(&line.text).trim_end().to_string())
            .collect(),
    )
}

fn metas(attrs: &[ast::Attribute]) -> Vec<&ast::Meta> {
    attrs.iter().flat_map(|attr| attr.metas.iter()).collect()
}

fn lower_item(item: &ast::ItemDecl, out: &mut FileDecls, errors: &mut Vec<Diagnostic>) {
    let site = match &item.kind {
        ast::ItemKind::Struct(_) => Site::Struct,
        ast::ItemKind::Error(_) => Site::Error,
        ast::ItemKind::Enum(_) => Site::Enum,
        ast::ItemKind::Union(_) => Site::Union,
        ast::ItemKind::Service(_) => Site::Service,
    };
    let notes = interpret(&metas(&item.attrs), site, errors);
    let name = item.name.text.clone();
    let span = item.name.span;
    let kind = match &item.kind {
        ast::ItemKind::Struct(fields) => TypeKind::Struct(Struct {
            fields: lower_fields(fields, Site::Field, errors),
            reserved: notes.reserved.clone(),
        }),
        ast::ItemKind::Error(fields) => TypeKind::Error(ErrorDef {
            fields: lower_fields(fields, Site::Field, errors),
            reserved: notes.reserved.clone(),
            http_status: notes.http_status,
            grpc_code: notes.grpc_code,
        }),
        ast::ItemKind::Enum(variants) => TypeKind::Enum(Enum {
            variants: variants.iter().map(|v| lower_enum_variant(v, errors)).collect(),
            reserved: notes.reserved.clone(),
        }),
        ast::ItemKind::Union(variants) => TypeKind::Union(Union {
            variants: variants.iter().map(|v| lower_union_variant(v, errors)).collect(),
            reserved: notes.reserved.clone(),
        }),
        ast::ItemKind::Service(members) => {
            out.services.push(lower_service(item, members, notes, errors));
            return;
        }
    };
    out.types.push(TypeDef {
        name,
        docs: docs(&item.docs),
        deprecated: notes.deprecated,
        kind,
        span,
        attr_spans: notes.spans,
    });
}

fn lower_fields(fields: &[ast::FieldDecl], site: Site, errors: &mut Vec<Diagnostic>) -> Vec<Field> {
    fields.iter().map(|field| lower_field(field, site, errors).0).collect()
}

fn lower_field(field: &ast::FieldDecl, site: Site, errors: &mut Vec<Diagnostic>) -> (Field, Annotations) {
    let notes = interpret(&metas(&field.attrs), site, errors);
    let number = field.number.as_ref().and_then(|n| wire_number(n, errors));
    let lowered = Field {
        name: field.name.text.clone(),
        docs: docs(&field.docs),
        number,
        ty: lower_type(&field.ty),
        default: field.default.as_ref().and_then(|value| literal(value, errors)),
        constraints: notes.constraints.clone(),
        deprecated: notes.deprecated.clone(),
        span: field.name.span,
        attr_spans: notes.spans.clone(),
        ty_span: field.ty.span,
    };
    (lowered, notes)
}

/// A declared `@N`: a whole number that fits; range rules are the checker's.
fn wire_number(number: &ast::NumberLit, errors: &mut Vec<Diagnostic>) -> Option<u32> {
    match number.raw.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(
                Diagnostic::error(
                    Code::E0042,
                    number.span,
                    format!("`{}` is not a valid field number", number.raw),
                )
                .label("not a whole number from 1 to 536870911")
                .help("field numbers are whole numbers from 1 to 536870911, outside 19000..=19999"),
            );
            None
        }
    }
}

fn lower_enum_variant(variant: &ast::EnumVariantDecl, errors: &mut Vec<Diagnostic>) -> EnumVariant {
    let notes = interpret(&metas(&variant.attrs), Site::EnumVariant, errors);
    let value = variant.value.as_ref().and_then(|n| match n.raw.parse::<i64>() {
        Ok(value) if n.is_integer() => Some(value),
        _ => {
            let label = if n.is_integer() {
                "too large"
            } else {
                "not a whole number"
            };
            errors.push(
                Diagnostic::error(Code::E0043, n.span, format!("`{}` is not a valid enum value", n.raw))
                    .label(label)
                    .help("enum values are whole numbers from 1 to 2147483647"),
            );
            None
        }
    });
    EnumVariant {
        name: variant.name.text.clone(),
        docs: docs(&variant.docs),
        value,
        deprecated: notes.deprecated,
        span: variant.name.span,
        attr_spans: notes.spans,
    }
}

fn lower_union_variant(variant: &ast::UnionVariantDecl, errors: &mut Vec<Diagnostic>) -> UnionVariant {
    let notes = interpret(&metas(&variant.attrs), Site::UnionVariant, errors);
    UnionVariant {
        name: variant.name.text.clone(),
        docs: docs(&variant.docs),
        number: variant.number.as_ref().and_then(|n| wire_number(n, errors)),
        ty: lower_type(&variant.ty),
        deprecated: notes.deprecated,
        span: variant.name.span,
        attr_spans: notes.spans,
        ty_span: variant.ty.span,
    }
}

fn lower_type(ty: &ast::TypeExpr) -> TypeRef {
    let base = match &ty.kind {
        ast::TypeExprKind::Path(name) => match Scalar::from_name(&name.text) {
            Some(scalar) => TypeRef::Scalar(scalar),
            None => TypeRef::Named(name.text.clone()),
        },
        ast::TypeExprKind::List(element) => TypeRef::List(Box::new(lower_type(element))),
        ast::TypeExprKind::Map(key, value) => TypeRef::Map(Box::new(lower_type(key)), Box::new(lower_type(value))),
    };
    if ty.optional.is_some() {
        TypeRef::Optional(Box::new(base))
    } else {
        base
    }
}

fn literal(value: &ast::Value, errors: &mut Vec<Diagnostic>) -> Option<Literal> {
    Some(match &value.kind {
        ast::ValueKind::String(s) => Literal::String(s.value.clone()),
        ast::ValueKind::Number(n) => Literal::Number(Number(n.raw.clone())),
        ast::ValueKind::Path(path) if path == "true" => Literal::Bool(true),
        ast::ValueKind::Path(path) if path == "false" => Literal::Bool(false),
        ast::ValueKind::Path(path) => Literal::Enum(path.clone()),
        ast::ValueKind::Array(items) => Literal::List(items.iter().filter_map(|item| literal(item, errors)).collect()),
        ast::ValueKind::Range(_) => {
            errors.push(
                Diagnostic::error(Code::E0056, value.span, "a range is not a default value")
                    .label("expected a single value")
                    .help("to constrain the value, use `#[range(…)]` on the field"),
            );
            return None;
        }
    })
}

fn lower_service(
    item: &ast::ItemDecl,
    members: &[ast::ServiceMember],
    notes: Annotations,
    errors: &mut Vec<Diagnostic>,
) -> Service {
    let mut methods = Vec::new();
    let mut events = Vec::new();
    for member in members {
        match member {
            ast::ServiceMember::Method(method) => methods.push(lower_method(method, errors)),
            ast::ServiceMember::Event(event) => events.push(lower_event(event, errors)),
        }
    }
    Service {
        name: item.name.text.clone(),
        docs: docs(&item.docs),
        deprecated: notes.deprecated,
        auth: notes.auth,
        methods,
        events,
        span: item.name.span,
        attr_spans: notes.spans,
    }
}

fn lower_params(params: &[ast::FieldDecl], site: Site, errors: &mut Vec<Diagnostic>) -> Vec<Param> {
    params
        .iter()
        .map(|param| {
            let (field, notes) = lower_field(param, site, errors);
            Param {
                field,
                placement: notes.placement,
            }
        })
        .collect()
}

fn lower_method(method: &ast::MethodDecl, errors: &mut Vec<Diagnostic>) -> Method {
    let notes = interpret(&metas(&method.attrs), Site::Method, errors);
    let streams: Vec<&ast::FieldDecl> = method.params.iter().filter(|p| p.stream.is_some()).collect();
    if let Some(stream) = streams.first()
        && method.params.len() > 1
    {
        errors.push(
            Diagnostic::error(
                Code::E0033,
                stream.stream.unwrap_or(stream.span),
                "a stream parameter must be the only parameter",
            )
            .label("streamed parameter")
            .secondary(
                method.name.span,
                format!("`{}` has {} parameters", method.name.text, method.params.len()),
            )
            .help("move the other parameters into the streamed type, e.g. as fields of its first message"),
        );
    }
    let (mqtt_topic, mqtt_topic_span) = split_spanned(notes.mqtt_topic.clone());
    let mqtt = (notes.mqtt_topic.is_some() || notes.mqtt_qos.is_some()).then_some(MqttMethodBinding {
        topic: mqtt_topic,
        qos: notes.mqtt_qos,
        span: mqtt_topic_span,
    });
    Method {
        name: method.name.text.clone(),
        docs: docs(&method.docs),
        deprecated: notes.deprecated.clone(),
        params: lower_params(&method.params, Site::Param, errors),
        input_stream: !streams.is_empty(),
        returns: method.returns.as_ref().map(|r| lower_type(&r.ty)),
        output_stream: method.returns.as_ref().is_some_and(|r| r.stream.is_some()),
        throws: method.throws.iter().map(|t| t.text.clone()).collect(),
        readonly: notes.readonly,
        idempotent: notes.idempotent,
        http: notes.http.clone(),
        mqtt,
        queue: notes.queue.clone(),
        auth: notes.auth.clone(),
        pagination: notes.pagination.clone(),
        span: method.name.span,
        attr_spans: notes.spans,
        returns_span: method.returns.as_ref().map_or(method.name.span, |r| r.ty.span),
        throws_spans: method.throws.iter().map(|t| t.span).collect(),
    }
}

fn split_spanned(value: Option<(String, Span)>) -> (Option<String>, Span) {
    match value {
        Some((text, span)) => (Some(text), span),
        None => (None, Span::NONE),
    }
}

fn lower_event(event: &ast::EventDecl, errors: &mut Vec<Diagnostic>) -> Event {
    let notes = interpret(&metas(&event.attrs), Site::Event, errors);
    for param in &event.params {
        if let Some(stream) = param.stream {
            errors.push(
                Diagnostic::error(Code::E0033, stream, "events cannot take a stream")
                    .label("streamed event parameter")
                    .help("an event is one publication; publish it once per item instead"),
            );
        }
    }
    let (topic, topic_span) = split_spanned(notes.mqtt_topic.clone());
    let mqtt = (notes.mqtt_topic.is_some() || notes.mqtt_qos.is_some() || notes.mqtt_retain.is_some()).then_some(
        MqttEventBinding {
            topic,
            qos: notes.mqtt_qos,
            retain: notes.mqtt_retain,
            span: topic_span,
        },
    );
    let queue = notes.routing_key.clone().map(|(routing_key, span)| EventQueueBinding {
        routing_key: Some(routing_key),
        span,
    });
    Event {
        name: event.name.text.clone(),
        docs: docs(&event.docs),
        deprecated: notes.deprecated.clone(),
        params: lower_params(&event.params, Site::EventParam, errors),
        mqtt,
        queue,
        auth: notes.auth.clone(),
        span: event.name.span,
        attr_spans: notes.spans,
    }
}
