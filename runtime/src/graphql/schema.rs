//! The served schema: the package's generated SDL (`documents.graphql`, what `omniface generate
//! --target graphql` writes) parsed and rebuilt as an async-graphql dynamic schema, so clients
//! introspect exactly the document the CLI publishes.
//!
//! The SDL is the source of the schema's names and types; the model is the source of meaning.
//! Building walks both side by side: each root field is paired with the method or event the
//! generator made it from (same planning, same order), each argument and member with its model
//! field, each GraphQL type with its model type. Every pairing is checked (names, nullability,
//! scalars, arity), so a document that does not match its model fails loudly at startup instead
//! of converting values wrongly, and the pairs compile to the [`Conv`]s used at run time.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_graphql::dynamic::{
    Enum, EnumItem, Field, FieldFuture, FieldValue, InputObject, InputValue, Object, Scalar as GqlScalar, Schema,
    SchemaBuilder, Subscription, SubscriptionField, SubscriptionFieldFuture, TypeRef as GqlTypeRef, Union,
};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::parser::types::{
    BaseType, ConstDirective, FieldDefinition, InputValueDefinition, ServiceDocument, Type as GqlType, TypeDefinition,
    TypeKind as GqlKind, TypeSystemDefinition,
};
use async_graphql::{PathSegment, Positioned, QueryPathSegment, ServerResult, Value as GqlValue};
use omniface_model::naming::{json_name, lower_camel_case, screaming_snake_case};
use omniface_model::{Event, Field as ModelField, Method, Model, Scalar, TypeKind, TypeRef, bindings};

use super::convert::{Conv, EnumShape, FieldShape, Node, Shapes, StructShape, UnionShape};
use super::resolve::{call, graphql_error, subscribe};
use crate::server::App;

/// The roots and which method goes where are the generator's: both read `model::bindings`.
use omniface_model::bindings::GraphqlRoot as Root;

/// What a root field does.
#[derive(Debug)]
pub(super) enum Binding {
    /// Calls a method. `service` is the index in [`App::services`]; `None` when the package's
    /// document declares a service that the server does not mount.
    Method {
        service: Option<usize>,
        method: usize,
        args: Vec<FieldShape>,
        /// Each argument's default in the SDL, applied when the client leaves it out.
        defaults: Vec<Option<GqlValue>>,
        result: Conv,
    },
    /// Streams an event from the service's hub.
    Event {
        service: Option<usize>,
        event: usize,
        payload: Conv,
    },
    /// The `_service` placeholder of a package without side-effect-free methods.
    Package(String),
}

struct RootField {
    root: Root,
    definition: FieldDefinition,
    binding: Binding,
}

/// One package's document, bound to the model and the mounted services.
struct BoundDocument {
    package: String,
    /// The document's types other than the root types, in document order.
    types: Vec<TypeDefinition>,
    /// Root type descriptions.
    root_descriptions: HashMap<&'static str, String>,
    fields: Vec<RootField>,
    shapes: Shapes,
}

/// Builds the schema for every mounted service. Packages are merged into one schema; a package
/// whose types or root fields clash with an earlier one is left out (and logged), since one
/// GraphQL endpoint cannot hold two types of the same name.
pub(crate) fn build(app: &Arc<App>) -> Result<Schema, String> {
    let mut packages: Vec<(String, Arc<Model>, &'static str)> = Vec::new();
    for handler in &app.services {
        let descriptor = handler.descriptor();
        let name = descriptor.package().name.clone();
        if !packages.iter().any(|(seen, _, _)| *seen == name) {
            packages.push((name, descriptor.model.clone(), descriptor.documents.graphql));
        }
    }
    let mut merged: Option<BoundDocument> = None;
    for (package, model, sdl) in packages {
        let bound = bind_document(app, &model, &package, sdl)?;
        merged = Some(match merged {
            None => bound,
            Some(first) => match conflict(&first, &bound) {
                None => merge(first, bound),
                Some(problem) => {
                    tracing::warn!("package `{package}` is not served over GraphQL: {problem}");
                    first
                }
            },
        });
    }
    let document = merged.ok_or("no service is mounted")?;
    assemble(app, document)
}

fn bind_document(app: &App, model: &Model, package: &str, sdl: &str) -> Result<BoundDocument, String> {
    let parsed: ServiceDocument = async_graphql::parser::parse_schema(without_schema_description(sdl))
        .map_err(|e| format!("the GraphQL document of `{package}`: {e}"))?;
    let mut root_names: HashMap<&'static str, String> = Root::ALL
        .iter()
        .map(|root| (root.type_name(), root.type_name().to_string()))
        .collect();
    let mut definitions = Vec::new();
    for definition in parsed.definitions {
        match definition {
            TypeSystemDefinition::Schema(schema) => {
                let schema = schema.node;
                for (root, name) in [
                    (Root::Query, schema.query),
                    (Root::Mutation, schema.mutation),
                    (Root::Subscription, schema.subscription),
                ] {
                    if let Some(name) = name {
                        root_names.insert(root.type_name(), name.node.to_string());
                    }
                }
            }
            TypeSystemDefinition::Type(definition) => definitions.push(definition.node),
            // The generator writes no directive definitions; built-in directives need none.
            TypeSystemDefinition::Directive(_) => {}
        }
    }
    let mut roots: HashMap<&'static str, TypeDefinition> = HashMap::new();
    let mut types = Vec::new();
    for definition in definitions {
        let name = definition.name.node.as_str();
        match Root::ALL.iter().find(|root| root_names[root.type_name()] == name) {
            Some(root) => {
                roots.insert(root.type_name(), definition);
            }
            None => types.push(definition),
        }
    }
    let by_name: BTreeMap<String, TypeDefinition> = types
        .iter()
        .map(|def| (def.name.node.to_string(), def.clone()))
        .collect();
    let package_model = model
        .package(package)
        .ok_or_else(|| format!("package `{package}` is not in the model"))?;

    let mut compiler = Compiler {
        model,
        types: &by_name,
        shapes: Shapes::default(),
        sources: HashMap::new(),
    };
    let mut fields = Vec::new();
    let mut root_descriptions = HashMap::new();
    for root in Root::ALL {
        let planned = plan(app, model, package, root);
        let definition = roots.get(root.type_name());
        if let Some(description) = definition.and_then(|def| def.description.as_ref()) {
            root_descriptions.insert(root.type_name(), description.node.clone());
        }
        let field_defs: Vec<FieldDefinition> = match definition.map(|def| &def.kind) {
            Some(GqlKind::Object(object)) => object.fields.iter().map(|f| f.node.clone()).collect(),
            Some(_) => return Err(format!("`{}` is not an object type", root.type_name())),
            None => Vec::new(),
        };
        if planned.is_empty() && root == Root::Query {
            // GraphQL needs a query field; the generator adds `_service` when there is none.
            let [placeholder] = field_defs.as_slice() else {
                return Err("`Query` should only hold the `_service` placeholder".into());
            };
            if placeholder.name.node != "_service" {
                return Err("`Query` should only hold the `_service` placeholder".into());
            }
            fields.push(RootField {
                root,
                definition: placeholder.clone(),
                binding: Binding::Package(package_model.name.clone()),
            });
            continue;
        }
        if planned.len() != field_defs.len() {
            return Err(format!(
                "`{}` has {} fields, but the package has {} operations for it",
                root.type_name(),
                field_defs.len(),
                planned.len()
            ));
        }
        for (operation, definition) in planned.into_iter().zip(field_defs) {
            let binding = compiler
                .bind(&operation, &definition)
                .map_err(|e| format!("`{}.{}`: {e}", root.type_name(), definition.name.node))?;
            fields.push(RootField {
                root,
                definition,
                binding,
            });
        }
    }
    Ok(BoundDocument {
        package: package.to_string(),
        types,
        root_descriptions,
        fields,
        shapes: compiler.shapes,
    })
}

/// The document without the description of its `schema` definition, which async-graphql's parser
/// does not accept (descriptions on `schema` came with the October 2021 spec) and its schemas
/// cannot serve anyway. Everything else is parsed as written.
pub(crate) fn without_schema_description(sdl: &str) -> std::borrow::Cow<'_, str> {
    let keyword = if sdl.starts_with("schema {") {
        Some(0)
    } else {
        sdl.find("\nschema {").map(|at| at + 1)
    };
    let Some(keyword) = keyword else {
        return sdl.into();
    };
    let before = sdl[..keyword].trim_end();
    if !before.ends_with("\"\"\"") {
        return sdl.into();
    }
    // The opening quotes: the previous `"""` that is not the escaped `\"""`.
    let body = &before[..before.len() - 3];
    let mut end = body.len();
    while let Some(at) = body[..end].rfind("\"\"\"") {
        if !body[..at].ends_with('\\') {
            return format!("{}{}", &sdl[..at], &sdl[keyword..]).into();
        }
        end = at;
    }
    sdl.into()
}

/// A method or event as the SDL generator places it.
struct Planned<'m> {
    service_name: &'m str,
    /// Index in [`App::services`], when mounted.
    service: Option<usize>,
    member: Member<'m>,
}

enum Member<'m> {
    Method(usize, &'m Method),
    Event(usize, &'m Event),
}

/// The operations of one root type, in the order the SDL generator writes them: services in
/// order, each one's methods, then its events.
fn plan<'m>(app: &App, model: &'m Model, package: &str, root: Root) -> Vec<Planned<'m>> {
    let Some(package) = model.package(package) else {
        return Vec::new();
    };
    let mut planned = Vec::new();
    for service in &package.services {
        let mounted = app.services.iter().position(|handler| {
            let descriptor = handler.descriptor();
            descriptor.package().name == package.name && descriptor.name() == service.name
        });
        for (index, method) in service.methods.iter().enumerate() {
            if bindings::graphql_root(method) == Some(root) {
                planned.push(Planned {
                    service_name: &service.name,
                    service: mounted,
                    member: Member::Method(index, method),
                });
            }
        }
        if root == Root::Subscription {
            for (index, event) in service.events.iter().enumerate() {
                planned.push(Planned {
                    service_name: &service.name,
                    service: mounted,
                    member: Member::Event(index, event),
                });
            }
        }
    }
    planned
}

/// Pairs SDL types with model types and records how to convert between them.
struct Compiler<'a> {
    model: &'a Model,
    types: &'a BTreeMap<String, TypeDefinition>,
    shapes: Shapes,
    /// What each GraphQL type was paired with, so that one name never stands for two types.
    sources: HashMap<String, String>,
}

impl Compiler<'_> {
    fn bind(&mut self, planned: &Planned, definition: &FieldDefinition) -> Result<Binding, String> {
        let (name, params) = match planned.member {
            Member::Method(_, method) => (&method.name, &method.params),
            Member::Event(_, event) => (&event.name, &event.params),
        };
        // A field is the operation's lowerCamel name, prefixed with its service when two
        // services of the package share it (and numbered when even that is taken).
        let field = definition.name.node.as_str();
        let plain = legal(lower_camel_case(name));
        let prefixed = legal(lower_camel_case(&format!("{}_{name}", planned.service_name)));
        if field != plain && !field.starts_with(&prefixed) {
            return Err(format!("expected the field of `{}.{name}`", planned.service_name));
        }
        match planned.member {
            Member::Method(index, method) => {
                let arguments: Vec<&InputValueDefinition> = definition.arguments.iter().map(|a| &a.node).collect();
                if arguments.len() != params.len() {
                    return Err(format!("{} arguments for {} parameters", arguments.len(), params.len()));
                }
                let mut args = Vec::new();
                let mut defaults = Vec::new();
                for (param, argument) in params.iter().zip(&arguments) {
                    args.push(self.member(&param.field, argument.name.node.as_str(), &argument.ty.node)?);
                    defaults.push(argument.default_value.as_ref().map(|value| value.node.clone()));
                }
                let result = match &method.returns {
                    Some(returns) => self.compile(returns, &definition.ty.node)?,
                    None => {
                        expect_done(&definition.ty.node)?;
                        Conv::Done
                    }
                };
                Ok(Binding::Method {
                    service: planned.service,
                    method: index,
                    args,
                    defaults,
                    result,
                })
            }
            Member::Event(index, event) => {
                if !definition.arguments.is_empty() {
                    return Err("an event field takes no arguments".into());
                }
                let payload = if event.params.is_empty() {
                    expect_done(&definition.ty.node)?;
                    Conv::Done
                } else {
                    let type_name = non_null_named(&definition.ty.node)?;
                    let source = format!("event {}.{}", planned.service_name, event.name);
                    self.claim(type_name, &source)?;
                    let fields: Vec<&ModelField> = event.params.iter().map(|param| &param.field).collect();
                    let shape = self.struct_shape(type_name, &fields)?;
                    self.shapes.structs.insert(type_name.to_string(), shape);
                    Conv::Struct(type_name.to_string())
                };
                Ok(Binding::Event {
                    service: planned.service,
                    event: index,
                    payload,
                })
            }
        }
    }

    /// One member (argument, field): its name must be the model field's GraphQL spelling.
    fn member(&mut self, field: &ModelField, graphql: &str, ty: &GqlType) -> Result<FieldShape, String> {
        let expected = legal(json_name(&field.name));
        if graphql != expected {
            return Err(format!(
                "found `{graphql}` where `{expected}` (field `{}`) belongs",
                field.name
            ));
        }
        let conv = self.compile(&field.ty, ty).map_err(|e| format!("`{graphql}`: {e}"))?;
        Ok(FieldShape {
            graphql: graphql.to_string(),
            json: json_name(&field.name),
            conv,
        })
    }

    fn compile(&mut self, ty: &TypeRef, graphql: &GqlType) -> Result<Conv, String> {
        if let TypeRef::Optional(inner) = ty {
            if !graphql.nullable {
                return Err(format!("`{graphql}` should be nullable"));
            }
            let required = GqlType {
                base: graphql.base.clone(),
                nullable: false,
            };
            return Ok(Conv::Optional(Box::new(self.compile(inner, &required)?)));
        }
        if graphql.nullable {
            return Err(format!("`{graphql}` should be non-null"));
        }
        match (ty, &graphql.base) {
            (TypeRef::Scalar(scalar), BaseType::Named(name)) if name.as_str() == scalar_name(*scalar) => {
                Ok(Conv::Scalar(*scalar))
            }
            (TypeRef::List(inner), BaseType::List(item)) => Ok(Conv::List(Box::new(self.compile(inner, item)?))),
            (TypeRef::Map(key, value), BaseType::List(item)) => {
                let entry = non_null_named(item)?;
                let fields = self.definition_fields(entry)?;
                let [(key_name, key_ty), (value_name, value_ty)] = fields.as_slice() else {
                    return Err(format!("`{entry}` should have `key` and `value`"));
                };
                if key_name != "key" || value_name != "value" {
                    return Err(format!("`{entry}` should have `key` and `value`"));
                }
                let entry_source = format!("map entry {ty:?}");
                self.claim(entry, &entry_source)?;
                let key = self.compile(key, key_ty)?;
                let value = self.compile(value, value_ty)?;
                let entry_shape = StructShape {
                    fields: vec![
                        FieldShape {
                            graphql: "key".into(),
                            json: "key".into(),
                            conv: key.clone(),
                        },
                        FieldShape {
                            graphql: "value".into(),
                            json: "value".into(),
                            conv: value.clone(),
                        },
                    ],
                };
                self.shapes.structs.insert(entry.to_string(), entry_shape);
                Ok(Conv::Map {
                    key: Box::new(key),
                    value: Box::new(value),
                })
            }
            (TypeRef::Named(qualified), BaseType::Named(name)) => self.named(qualified, name.as_str()),
            _ => Err(format!("`{graphql}` does not match the model type {ty:?}")),
        }
    }

    /// Records that `name` stands for `source`; returns whether it was already compiled.
    fn claim(&mut self, name: &str, source: &str) -> Result<bool, String> {
        match self.sources.get(name) {
            Some(seen) if seen == source => Ok(true),
            Some(seen) => Err(format!("`{name}` stands for both {seen} and {source}")),
            None => {
                self.sources.insert(name.to_string(), source.to_string());
                Ok(false)
            }
        }
    }

    fn named(&mut self, qualified: &str, name: &str) -> Result<Conv, String> {
        let model = self.model;
        let def = model
            .type_def(qualified)
            .ok_or_else(|| format!("`{qualified}` is not in the model"))?;
        let graphql = self
            .types
            .get(name)
            .ok_or_else(|| format!("`{name}` is not declared"))?;
        let done = self.claim(name, qualified)?;
        let conv = match &def.kind {
            TypeKind::Enum(_) => Conv::Enum(name.to_string()),
            TypeKind::Struct(_) | TypeKind::Error(_) => Conv::Struct(name.to_string()),
            TypeKind::Union(_) => Conv::Union(name.to_string()),
        };
        if done {
            return Ok(conv);
        }
        match (&def.kind, &graphql.kind) {
            (TypeKind::Enum(enumeration), GqlKind::Enum(values)) => {
                let declared: Vec<&str> = values.values.iter().map(|v| v.node.value.node.as_str()).collect();
                let numbers = bindings::enum_values(enumeration);
                let mut shape = EnumShape::default();
                for (variant, number) in enumeration.variants.iter().zip(numbers) {
                    let graphql_name = legal(screaming_snake_case(&variant.name));
                    let json = omniface_model::naming::enum_value_name(&def.name, &variant.name);
                    shape.to_graphql.insert(json.clone(), graphql_name.clone());
                    shape.by_number.insert(number, graphql_name.clone());
                    shape.to_json.insert(graphql_name, json);
                }
                let mut expected: Vec<&str> = shape.to_json.keys().map(String::as_str).collect();
                let mut found = declared.clone();
                expected.sort_unstable();
                found.sort_unstable();
                let placeholder = enumeration.variants.is_empty() && declared == ["UNSPECIFIED"];
                if expected != found && !placeholder {
                    return Err(format!("the values of enum `{name}` do not match the model"));
                }
                self.shapes.enums.insert(name.to_string(), shape);
            }
            (TypeKind::Struct(omniface_model::Struct { fields, .. }), _)
            | (TypeKind::Error(omniface_model::ErrorDef { fields, .. }), _) => {
                // Inserted before the fields compile, so that a recursive type finds itself.
                self.shapes.structs.insert(name.to_string(), StructShape::default());
                let fields: Vec<&ModelField> = fields.iter().collect();
                let shape = self.struct_shape(name, &fields)?;
                self.shapes.structs.insert(name.to_string(), shape);
            }
            (TypeKind::Union(union), GqlKind::Union(members)) => {
                if union.variants.len() != members.members.len() {
                    return Err(format!("union `{name}` does not have the model's variants"));
                }
                let mut variants = Vec::new();
                for (variant, member) in union.variants.iter().zip(&members.members) {
                    let member_ty = GqlType {
                        base: BaseType::Named(member.node.clone()),
                        nullable: false,
                    };
                    variants.push(FieldShape {
                        graphql: member.node.to_string(),
                        json: json_name(&variant.name),
                        conv: self.compile(&variant.ty, &member_ty)?,
                    });
                }
                self.shapes.unions.insert(name.to_string(), UnionShape { variants });
            }
            (TypeKind::Union(union), GqlKind::InputObject(_) | GqlKind::Object(_)) => {
                // The `@oneOf` input of a union (or the empty object of a union without
                // variants): one nullable field per variant.
                let fields = self.definition_fields(name)?;
                let mut variants = Vec::new();
                if !union.variants.is_empty() {
                    if fields.len() != union.variants.len() {
                        return Err(format!("`{name}` does not have the model's variants"));
                    }
                    for (variant, (field, ty)) in union.variants.iter().zip(&fields) {
                        let expected = legal(json_name(&variant.name));
                        if *field != expected {
                            return Err(format!("found `{field}` where `{expected}` belongs in `{name}`"));
                        }
                        let required = GqlType {
                            base: ty.base.clone(),
                            nullable: false,
                        };
                        variants.push(FieldShape {
                            graphql: field.clone(),
                            json: json_name(&variant.name),
                            conv: self.compile(&variant.ty, &required)?,
                        });
                    }
                }
                self.shapes.unions.insert(name.to_string(), UnionShape { variants });
            }
            _ => return Err(format!("`{name}` is not the kind of type `{qualified}` is")),
        }
        Ok(conv)
    }

    fn struct_shape(&mut self, name: &str, fields: &[&ModelField]) -> Result<StructShape, String> {
        let graphql = self.definition_fields(name)?;
        if fields.is_empty() {
            // The generator gives a type without fields an `_empty` placeholder.
            return match graphql.as_slice() {
                [(placeholder, _)] if placeholder == "_empty" => Ok(StructShape::default()),
                _ => Err(format!("`{name}` should only hold `_empty`")),
            };
        }
        if graphql.len() != fields.len() {
            return Err(format!(
                "`{name}` has {} fields, the model {}",
                graphql.len(),
                fields.len()
            ));
        }
        let mut shape = StructShape::default();
        for (field, (member, ty)) in fields.iter().zip(&graphql) {
            let member = self.member(field, member, ty).map_err(|e| format!("`{name}`: {e}"))?;
            shape.fields.push(member);
        }
        Ok(shape)
    }

    /// The fields of an object or input object type, as (name, type).
    fn definition_fields(&self, name: &str) -> Result<Vec<(String, GqlType)>, String> {
        let def = self
            .types
            .get(name)
            .ok_or_else(|| format!("`{name}` is not declared"))?;
        match &def.kind {
            GqlKind::Object(object) => Ok(object
                .fields
                .iter()
                .map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone()))
                .collect()),
            GqlKind::InputObject(input) => Ok(input
                .fields
                .iter()
                .map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone()))
                .collect()),
            _ => Err(format!("`{name}` is not an object type")),
        }
    }
}

fn non_null_named(ty: &GqlType) -> Result<&str, String> {
    match (&ty.base, ty.nullable) {
        (BaseType::Named(name), false) => Ok(name.as_str()),
        _ => Err(format!("`{ty}` should be a non-null named type")),
    }
}

fn expect_done(ty: &GqlType) -> Result<(), String> {
    match (&ty.base, ty.nullable) {
        (BaseType::Named(name), false) if name.as_str() == "Boolean" => Ok(()),
        _ => Err(format!("`{ty}` should be `Boolean!`")),
    }
}

/// The generator's GraphQL spelling of a name: a leading `_` when the name would be empty or
/// start with a digit.
fn legal(name: String) -> String {
    if name.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    }
}

/// The GraphQL scalar of a model scalar, as the SDL generator names it.
pub(crate) fn scalar_name(scalar: Scalar) -> &'static str {
    match scalar {
        Scalar::Bool => "Boolean",
        Scalar::I32 => "Int",
        Scalar::I64 => "Int64",
        Scalar::U32 => "UInt32",
        Scalar::U64 => "UInt64",
        Scalar::F32 | Scalar::F64 => "Float",
        Scalar::String => "String",
        Scalar::Bytes => "Bytes",
        Scalar::Timestamp => "DateTime",
        Scalar::Duration => "Duration",
        Scalar::Uuid => "UUID",
        Scalar::Decimal => "Decimal",
    }
}

/// Why `next` cannot join `first` in one schema: a type of the same name that differs (the same
/// type declared by both, such as a shared type of a common package, is fine), or a root field
/// both serve.
fn conflict(first: &BoundDocument, next: &BoundDocument) -> Option<String> {
    for def in &next.types {
        let name = def.name.node.as_str();
        if let Some(seen) = first.types.iter().find(|seen| seen.name.node.as_str() == name)
            && canonical(seen) != canonical(def)
        {
            return Some(format!("its type `{name}` differs from the one of `{}`", first.package));
        }
    }
    let clash = next.fields.iter().find(|field| {
        !matches!(field.binding, Binding::Package(_))
            && first
                .fields
                .iter()
                .any(|f| f.root == field.root && f.definition.name.node == field.definition.name.node)
    });
    clash.map(|field| format!("its field `{}` is already served", field.definition.name.node))
}

/// Adds `next` to `first`; [`conflict`] has found nothing in the way.
fn merge(mut first: BoundDocument, next: BoundDocument) -> BoundDocument {
    let new_types: Vec<TypeDefinition> = next
        .types
        .into_iter()
        .filter(|def| !first.types.iter().any(|seen| seen.name.node == def.name.node))
        .collect();
    // Placeholders are only needed while no real query exists.
    let new_fields: Vec<RootField> = next
        .fields
        .into_iter()
        .filter(|field| !matches!(field.binding, Binding::Package(_)))
        .collect();
    let first_has_queries = first
        .fields
        .iter()
        .any(|f| f.root == Root::Query && !matches!(f.binding, Binding::Package(_)));
    let next_has_queries = new_fields.iter().any(|f| f.root == Root::Query);
    if next_has_queries && !first_has_queries {
        first.fields.retain(|f| !matches!(f.binding, Binding::Package(_)));
        if let Some(description) = next.root_descriptions.get("Query") {
            first.root_descriptions.insert("Query", description.clone());
        }
    }
    for (root, description) in next.root_descriptions {
        first.root_descriptions.entry(root).or_insert(description);
    }
    first.types.extend(new_types);
    first.fields.extend(new_fields);
    for (name, shape) in next.shapes.structs {
        first.shapes.structs.entry(name).or_insert(shape);
    }
    for (name, shape) in next.shapes.enums {
        first.shapes.enums.entry(name).or_insert(shape);
    }
    for (name, shape) in next.shapes.unions {
        first.shapes.unions.entry(name).or_insert(shape);
    }
    first
}

/// A type definition in one canonical text: what two definitions must share to be the same
/// type. Descriptions count, since a client reads them.
pub(crate) fn canonical(def: &TypeDefinition) -> String {
    let mut out = format!("{} {:?}", def.name.node, def.description.as_ref().map(|d| &d.node));
    out.push_str(&directives_text(&def.directives));
    match &def.kind {
        GqlKind::Scalar => out.push_str(" scalar"),
        GqlKind::Object(object) => {
            out.push_str(" type {");
            for field in &object.fields {
                let field = &field.node;
                out.push_str(&format!(
                    "\n  {} {:?}",
                    field.name.node,
                    field.description.as_ref().map(|d| &d.node)
                ));
                for argument in &field.arguments {
                    out.push_str(&format!("\n    {}", input_value_text(&argument.node)));
                }
                out.push_str(&format!(": {}{}", field.ty.node, directives_text(&field.directives)));
            }
            out.push_str("\n}");
        }
        GqlKind::Interface(_) => out.push_str(" interface"),
        GqlKind::Union(union) => {
            let members: Vec<&str> = union.members.iter().map(|m| m.node.as_str()).collect();
            out.push_str(&format!(" union = {}", members.join(" | ")));
        }
        GqlKind::Enum(enumeration) => {
            out.push_str(" enum {");
            for value in &enumeration.values {
                let value = &value.node;
                out.push_str(&format!(
                    "\n  {} {:?}{}",
                    value.value.node,
                    value.description.as_ref().map(|d| &d.node),
                    directives_text(&value.directives)
                ));
            }
            out.push_str("\n}");
        }
        GqlKind::InputObject(input) => {
            out.push_str(" input {");
            for field in &input.fields {
                out.push_str(&format!("\n  {}", input_value_text(&field.node)));
            }
            out.push_str("\n}");
        }
    }
    out
}

fn input_value_text(value: &InputValueDefinition) -> String {
    format!(
        "{} {:?}: {}{}{}",
        value.name.node,
        value.description.as_ref().map(|d| &d.node),
        value.ty.node,
        value
            .default_value
            .as_ref()
            .map(|v| format!(" = {}", v.node))
            .unwrap_or_default(),
        directives_text(&value.directives)
    )
}

fn directives_text(directives: &[Positioned<ConstDirective>]) -> String {
    let mut names: Vec<String> = directives
        .iter()
        .map(|directive| {
            let directive = &directive.node;
            let arguments: Vec<String> = directive
                .arguments
                .iter()
                .map(|(name, value)| format!("{}: {}", name.node, value.node))
                .collect();
            if arguments.is_empty() {
                format!(" @{}", directive.name.node)
            } else {
                format!(" @{}({})", directive.name.node, arguments.join(", "))
            }
        })
        .collect();
    names.sort();
    names.concat()
}

/// `Some(reason)` when `@deprecated` is among the directives.
fn deprecation(directives: &[Positioned<ConstDirective>]) -> Option<Option<String>> {
    let directive = directives.iter().find(|d| d.node.name.node == "deprecated")?;
    let reason = directive
        .node
        .get_argument("reason")
        .and_then(|value| match &value.node {
            GqlValue::String(reason) => Some(reason.clone()),
            _ => None,
        });
    Some(reason)
}

fn has_directive(directives: &[Positioned<ConstDirective>], name: &str) -> bool {
    directives.iter().any(|d| d.node.name.node == name)
}

fn type_ref(ty: &GqlType) -> GqlTypeRef {
    let base = match &ty.base {
        BaseType::Named(name) => GqlTypeRef::Named(name.to_string().into()),
        BaseType::List(item) => GqlTypeRef::List(Box::new(type_ref(item))),
    };
    if ty.nullable {
        base
    } else {
        GqlTypeRef::NonNull(Box::new(base))
    }
}

fn input_value(definition: &InputValueDefinition) -> InputValue {
    let mut value = InputValue::new(definition.name.node.to_string(), type_ref(&definition.ty.node));
    if let Some(description) = &definition.description {
        value = value.description(description.node.clone());
    }
    if let Some(default) = &definition.default_value {
        value = value.default_value(default.node.clone());
    }
    if let Some(reason) = deprecation(&definition.directives) {
        value = value.deprecation(reason.as_deref());
    }
    value
}

/// Turns the bound document into the dynamic schema: its types as declared, every object field
/// picking its value from the converted result, root fields calling the services.
fn assemble(app: &Arc<App>, document: BoundDocument) -> Result<Schema, String> {
    let shapes = Arc::new(document.shapes);
    let has = |root: Root| document.fields.iter().any(|f| f.root == root);
    let (has_mutation, has_subscription) = (has(Root::Mutation), has(Root::Subscription));
    let mut builder: SchemaBuilder = Schema::build(
        Root::Query.type_name(),
        has_mutation.then_some(Root::Mutation.type_name()),
        has_subscription.then_some(Root::Subscription.type_name()),
    )
    .limit_depth(app.limits.graphql_max_depth)
    .limit_complexity(app.limits.graphql_max_complexity)
    .extension(ErrorPaths);

    for def in &document.types {
        builder = register_type(builder, def)?;
    }

    let mut query = Object::new(Root::Query.type_name());
    let mut mutation = Object::new(Root::Mutation.type_name());
    let mut subscription = Subscription::new(Root::Subscription.type_name());
    if let Some(description) = document.root_descriptions.get("Query") {
        query = query.description(description.clone());
    }
    if let Some(description) = document.root_descriptions.get("Mutation") {
        mutation = mutation.description(description.clone());
    }
    if let Some(description) = document.root_descriptions.get("Subscription") {
        subscription = subscription.description(description.clone());
    }
    for field in document.fields {
        let definition = &field.definition;
        let binding = Arc::new(field.binding);
        match field.root {
            Root::Query | Root::Mutation => {
                let app = app.clone();
                let shapes = shapes.clone();
                let mut graphql = Field::new(
                    definition.name.node.to_string(),
                    type_ref(&definition.ty.node),
                    move |ctx| {
                        let app = app.clone();
                        let shapes = shapes.clone();
                        let binding = binding.clone();
                        FieldFuture::new(async move {
                            let node = call(&app, &shapes, &binding, &ctx).await.map_err(graphql_error)?;
                            Ok(node.into_field_value())
                        })
                    },
                );
                if let Some(description) = &definition.description {
                    graphql = graphql.description(description.node.clone());
                }
                if let Some(reason) = deprecation(&definition.directives) {
                    graphql = graphql.deprecation(reason.as_deref());
                }
                for argument in &definition.arguments {
                    graphql = graphql.argument(input_value(&argument.node));
                }
                if field.root == Root::Query {
                    query = query.field(graphql);
                } else {
                    mutation = mutation.field(graphql);
                }
            }
            Root::Subscription => {
                let app = app.clone();
                let shapes = shapes.clone();
                let mut graphql = SubscriptionField::new(
                    definition.name.node.to_string(),
                    type_ref(&definition.ty.node),
                    move |ctx| {
                        let app = app.clone();
                        let shapes = shapes.clone();
                        let binding = binding.clone();
                        SubscriptionFieldFuture::new(async move {
                            subscribe(app, shapes, &binding, &ctx).await.map_err(graphql_error)
                        })
                    },
                );
                if let Some(description) = &definition.description {
                    graphql = graphql.description(description.node.clone());
                }
                if let Some(reason) = deprecation(&definition.directives) {
                    graphql = graphql.deprecation(reason.as_deref());
                }
                for argument in &definition.arguments {
                    graphql = graphql.argument(input_value(&argument.node));
                }
                subscription = subscription.field(graphql);
            }
        }
    }
    builder = builder.register(query);
    if has_mutation {
        builder = builder.register(mutation);
    }
    if has_subscription {
        builder = builder.register(subscription);
    }
    builder.finish().map_err(|e| format!("the GraphQL schema: {e}"))
}

/// Puts the `path` back on errors returned by resolvers: async-graphql's dynamic schemas leave
/// it empty, and clients need it to tell which field failed.
struct ErrorPaths;

impl ExtensionFactory for ErrorPaths {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorPaths)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorPaths {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<GqlValue>> {
        let node = info.path_node;
        next.run(ctx, info).await.map_err(|mut error| {
            if error.path.is_empty() {
                let mut path: Vec<PathSegment> = std::iter::once(node)
                    .chain(node.parents())
                    .map(|node| match node.segment {
                        QueryPathSegment::Name(name) => PathSegment::Field(name.to_string()),
                        QueryPathSegment::Index(index) => PathSegment::Index(index),
                    })
                    .collect();
                path.reverse();
                error.path = path;
            }
            error
        })
    }
}

fn register_type(builder: SchemaBuilder, def: &TypeDefinition) -> Result<SchemaBuilder, String> {
    let name = def.name.node.to_string();
    let description = def.description.as_ref().map(|d| d.node.clone());
    Ok(match &def.kind {
        GqlKind::Scalar => {
            let mut scalar = GqlScalar::new(name.clone());
            if let Some(description) = description {
                scalar = scalar.description(description);
            }
            let url = def
                .directives
                .iter()
                .find(|d| d.node.name.node == "specifiedBy")
                .and_then(|d| d.node.get_argument("url"))
                .and_then(|url| match &url.node {
                    GqlValue::String(url) => Some(url.clone()),
                    _ => None,
                });
            if let Some(url) = url {
                scalar = scalar.specified_by_url(url);
            }
            if let Some(validator) = scalar_validator(&name) {
                scalar = scalar.validator(validator);
            }
            builder.register(scalar)
        }
        GqlKind::Object(object) => {
            let mut graphql = Object::new(name);
            if let Some(description) = description {
                graphql = graphql.description(description);
            }
            for (index, field) in object.fields.iter().enumerate() {
                let field = &field.node;
                let mut member = Field::new(field.name.node.to_string(), type_ref(&field.ty.node), move |ctx| {
                    // Results are converted whole at the root; a field only picks its child.
                    match ctx.parent_value.downcast_ref::<Node>() {
                        Some(Node::Object(children)) if index < children.len() => {
                            FieldFuture::Value(children[index].as_field_value())
                        }
                        _ => FieldFuture::new(async {
                            Err::<Option<FieldValue>, _>(async_graphql::Error::new(
                                "internal: the parent value is not an object",
                            ))
                        }),
                    }
                });
                if let Some(description) = &field.description {
                    member = member.description(description.node.clone());
                }
                if let Some(reason) = deprecation(&field.directives) {
                    member = member.deprecation(reason.as_deref());
                }
                for argument in &field.arguments {
                    member = member.argument(input_value(&argument.node));
                }
                graphql = graphql.field(member);
            }
            builder.register(graphql)
        }
        GqlKind::Union(union) => {
            let mut graphql = Union::new(name);
            if let Some(description) = description {
                graphql = graphql.description(description);
            }
            for member in &union.members {
                graphql = graphql.possible_type(member.node.to_string());
            }
            builder.register(graphql)
        }
        GqlKind::Enum(enumeration) => {
            let mut graphql = Enum::new(name);
            if let Some(description) = description {
                graphql = graphql.description(description);
            }
            for value in &enumeration.values {
                let value = &value.node;
                let mut item = EnumItem::new(value.value.node.to_string());
                if let Some(description) = &value.description {
                    item = item.description(description.node.clone());
                }
                if let Some(reason) = deprecation(&value.directives) {
                    item = item.deprecation(reason.as_deref());
                }
                graphql = graphql.item(item);
            }
            builder.register(graphql)
        }
        GqlKind::InputObject(input) => {
            let mut graphql = InputObject::new(name);
            if let Some(description) = description {
                graphql = graphql.description(description);
            }
            for field in &input.fields {
                graphql = graphql.field(input_value(&field.node));
            }
            if has_directive(&def.directives, "oneOf") {
                graphql = graphql.oneof();
            }
            builder.register(graphql)
        }
        GqlKind::Interface(_) => return Err(format!("interface `{name}`: the generator writes none")),
    })
}

/// What each custom scalar accepts, in the JSON mapping's representation (results pass through
/// the same check). Finer checks (RFC 3339, base64, ranges of decimals) are left to the
/// request's decoding, which reports them as violations with the field's path.
fn scalar_validator(name: &str) -> Option<fn(&GqlValue) -> bool> {
    fn int64(value: &GqlValue) -> bool {
        match value {
            GqlValue::Number(number) => number.is_i64(),
            GqlValue::String(text) => text.parse::<i64>().is_ok(),
            _ => false,
        }
    }
    fn uint64(value: &GqlValue) -> bool {
        match value {
            GqlValue::Number(number) => number.is_u64(),
            GqlValue::String(text) => text.parse::<u64>().is_ok(),
            _ => false,
        }
    }
    fn uint32(value: &GqlValue) -> bool {
        matches!(value, GqlValue::Number(number) if number.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)))
    }
    fn uuid(value: &GqlValue) -> bool {
        matches!(value, GqlValue::String(text) if uuid::Uuid::parse_str(text).is_ok())
    }
    fn string(value: &GqlValue) -> bool {
        matches!(value, GqlValue::String(_))
    }
    fn decimal(value: &GqlValue) -> bool {
        matches!(value, GqlValue::String(_) | GqlValue::Number(_))
    }
    match name {
        "Int64" => Some(int64),
        "UInt64" => Some(uint64),
        "UInt32" => Some(uint32),
        "UUID" => Some(uuid),
        "DateTime" | "Duration" | "Bytes" => Some(string),
        "Decimal" => Some(decimal),
        _ => None,
    }
}
