//! The `graphql` target: one GraphQL SDL file per package (`acme.pets.v1.graphql`), accepted by
//! graphql-js and graphql-core.
//!
//! GraphQL has no imports, so each file is self-contained: it declares the types it uses from
//! other packages too (prefixed with the package's UpperCamel name only when two names clash).
//! Side-effect-free methods are `Query` fields, other unary methods `Mutation` fields, server
//! streams and events `Subscription` fields; client and bidirectional streams cannot be expressed
//! and are listed in a comment. Structs used as arguments get `…Input` types, unions become
//! GraphQL unions (and `@oneOf` inputs), maps become lists of key/value entry types, and scalars
//! GraphQL lacks (64-bit and unsigned integers, times, UUIDs, bytes, decimals) become documented
//! custom scalars. Thrown errors travel as GraphQL errors, so they are not types of the schema.

mod names;
mod views;

use std::collections::{BTreeMap, BTreeSet};

use super::GeneratedFile;
use crate::model::naming::upper_camel_case;
use crate::model::*;
use names::Namespace;
use views::{
    EnumType, EnumValueView, FieldView, ObjectType, OmittedMethod, RootOperation, ScalarType, SchemaFile, UnionType,
    render,
};

pub fn generate(model: &Model) -> Vec<GeneratedFile> {
    model
        .packages
        .iter()
        .map(|package| GeneratedFile {
            path: format!("{}.graphql", package.name).into(),
            contents: SchemaBuilder::new(model, package).render(),
        })
        .collect()
}

/// Whether a type is read (an output) or written by the client (an input).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Output,
    Input,
}

use crate::model::bindings::GraphqlRoot as Root;

/// What the SDL writes about each root beyond its name.
trait RootText {
    fn operation(self) -> &'static str;
    fn description(self) -> &'static str;
}

impl RootText for Root {
    fn operation(self) -> &'static str {
        match self {
            Root::Query => "query",
            Root::Mutation => "mutation",
            Root::Subscription => "subscription",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Root::Query => "The side-effect-free methods: they change nothing, so clients may retry and cache them.",
            Root::Mutation => {
                "The methods that change state. GraphQL runs the mutations of one request one after another."
            }
            Root::Subscription => "The streams: one field per server-streaming method and one per event.",
        }
    }
}

#[derive(Clone, Copy)]
enum Member<'m> {
    Method(&'m Method),
    Event(&'m Event),
}

impl Member<'_> {
    fn name(&self) -> &str {
        match self {
            Member::Method(method) => &method.name,
            Member::Event(event) => &event.name,
        }
    }
}

/// A field of a root type.
#[derive(Clone)]
struct Operation<'m> {
    root: Root,
    service: &'m Service,
    member: Member<'m>,
    /// The field's name, unique in its root type.
    field: String,
    /// The generated payload type of an event that has parameters.
    event_type: Option<String>,
}

/// A generated key/value type standing for a map.
struct Entry {
    direction: Direction,
    name: String,
    key: String,
    value: String,
}

/// Builds the SDL of one package: first decides which types the file needs, then names them,
/// then renders. Names are claimed in a fixed order (built-ins, the package's types, other
/// packages' types, event payloads, inputs, then map entries as rendering meets them), so the
/// output is deterministic.
struct SchemaBuilder<'m> {
    model: &'m Model,
    package: &'m Package,
    operations: Vec<Operation<'m>>,
    omitted: Vec<(&'m Service, &'m Method)>,
    /// Qualified names of the types that need an output definition (enums included).
    outputs: BTreeSet<String>,
    /// Qualified names of the structs, errors and unions that need an input definition.
    inputs: BTreeSet<String>,
    /// Every user type in the file, this package's first, then the others in model order.
    types: Vec<(&'m Package, &'m TypeDef)>,
    names: Namespace,
    type_names: BTreeMap<String, String>,
    input_names: BTreeMap<String, String>,
    entries: Vec<Entry>,
    /// Scalars that appear in a rendered type, so only used custom scalars are declared.
    scalars: BTreeSet<Scalar>,
}

impl<'m> SchemaBuilder<'m> {
    fn new(model: &'m Model, package: &'m Package) -> Self {
        let mut builder = SchemaBuilder {
            model,
            package,
            operations: Vec::new(),
            omitted: Vec::new(),
            outputs: BTreeSet::new(),
            inputs: BTreeSet::new(),
            types: Vec::new(),
            names: Namespace::default(),
            type_names: BTreeMap::new(),
            input_names: BTreeMap::new(),
            entries: Vec::new(),
            scalars: BTreeSet::new(),
        };
        builder.plan_operations();
        builder.collect_types();
        builder.name_types();
        builder.name_operations();
        builder.name_inputs();
        builder
    }

    fn plan_operations(&mut self) {
        for service in &self.package.services {
            for method in &service.methods {
                let Some(root) = bindings::graphql_root(method) else {
                    self.omitted.push((service, method));
                    continue;
                };
                self.operations.push(Operation {
                    root,
                    service,
                    member: Member::Method(method),
                    field: String::new(),
                    event_type: None,
                });
            }
            for event in &service.events {
                self.operations.push(Operation {
                    root: Root::Subscription,
                    service,
                    member: Member::Event(event),
                    field: String::new(),
                    event_type: None,
                });
            }
        }
    }

    /// The file declares the types its operations reach, as a GraphQL server would expose them
    /// (so a type only a left-out method uses is not in it). A package without services is a
    /// library of types: all its structs, enums and unions are declared. Errors come in only when
    /// a field uses them, since thrown errors are GraphQL errors.
    fn collect_types(&mut self) {
        let package = self.package;
        if package.services.is_empty() {
            for def in &package.types {
                if !matches!(def.kind, TypeKind::Error(_)) {
                    self.need_named(&format!("{}.{}", package.name, def.name), Direction::Output);
                }
            }
        }
        for operation in self.operations.clone() {
            match operation.member {
                Member::Method(method) => {
                    for param in &method.params {
                        self.need(&param.field.ty, Direction::Input);
                    }
                    if let Some(returns) = &method.returns {
                        self.need(returns, Direction::Output);
                    }
                }
                Member::Event(event) => {
                    for param in &event.params {
                        self.need(&param.field.ty, Direction::Output);
                    }
                }
            }
        }
        let model = self.model;
        let others = model.packages.iter().filter(|p| p.name != package.name);
        for candidate in std::iter::once(package).chain(others) {
            for def in &candidate.types {
                let qualified = format!("{}.{}", candidate.name, def.name);
                if self.outputs.contains(&qualified) || self.inputs.contains(&qualified) {
                    self.types.push((candidate, def));
                }
            }
        }
    }

    fn need(&mut self, ty: &TypeRef, direction: Direction) {
        match ty {
            TypeRef::Scalar(_) => {}
            TypeRef::Named(qualified) => self.need_named(qualified, direction),
            TypeRef::List(inner) | TypeRef::Optional(inner) => self.need(inner, direction),
            TypeRef::Map(key, value) => {
                self.need(key, direction);
                self.need(value, direction);
            }
        }
    }

    fn need_named(&mut self, qualified: &str, direction: Direction) {
        let model = self.model;
        let Some(def) = model.type_def(qualified) else {
            return;
        };
        // An enum reads the same both ways, so it has only the one definition.
        let set = match (direction, &def.kind) {
            (Direction::Input, TypeKind::Struct(_) | TypeKind::Error(_) | TypeKind::Union(_)) => &mut self.inputs,
            _ => &mut self.outputs,
        };
        if !set.insert(qualified.to_string()) {
            return;
        }
        match &def.kind {
            TypeKind::Struct(Struct { fields, .. }) | TypeKind::Error(ErrorDef { fields, .. }) => {
                for field in fields {
                    self.need(&field.ty, direction);
                }
            }
            TypeKind::Union(union) => {
                for variant in &union.variants {
                    self.need(&variant.ty, direction);
                }
            }
            TypeKind::Enum(_) => {}
        }
    }

    /// The package's own types keep their names; another package's type is prefixed with its
    /// package (`AcmeCommonV1Money`) when its name is taken or shared with another type here.
    fn name_types(&mut self) {
        for name in names::BUILT_IN_TYPES {
            self.names.reserve(name);
        }
        // Reserved even when unused, so that adding a `timestamp` field never renames a type.
        for scalar in Scalar::ALL {
            self.names.reserve(scalar_name(*scalar));
        }
        let own = self.package.name.as_str();
        let own_names: BTreeSet<&str> = self
            .types
            .iter()
            .filter(|(package, _)| package.name == own)
            .map(|(_, def)| def.name.as_str())
            .collect();
        let mut foreign_counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (package, def) in &self.types {
            if package.name != own {
                *foreign_counts.entry(def.name.as_str()).or_default() += 1;
            }
        }
        for (package, def) in &self.types {
            let prefixed = format!("{}{}", upper_camel_case(&package.name), def.name);
            let clashes = package.name != own
                && (own_names.contains(def.name.as_str()) || foreign_counts.get(def.name.as_str()) > Some(&1));
            let candidates = if clashes {
                vec![prefixed]
            } else {
                vec![def.name.clone(), prefixed]
            };
            let qualified = format!("{}.{}", package.name, def.name);
            // A type used only as an argument and already named like one (`PetInput`) keeps its
            // name as the input type; it has no output type to take the name from it.
            if self.is_input_only_named_input(&qualified, def) {
                self.type_names.insert(qualified, def.name.clone());
                continue;
            }
            let name = self.names.claim(&candidates);
            self.type_names.insert(qualified, name);
        }
    }

    /// Fields are lowerCamel method and event names; when two services of the package would
    /// give one root type the same field, both are prefixed with their service (`petStoreGetPet`).
    fn name_operations(&mut self) {
        for root in Root::ALL {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for operation in self.operations.iter().filter(|op| op.root == root) {
                *counts.entry(names::operation(operation.member.name())).or_default() += 1;
            }
            let mut fields = Namespace::default();
            for operation in self.operations.iter_mut().filter(|op| op.root == root) {
                let base = names::operation(operation.member.name());
                let candidate = if counts.get(&base) > Some(&1) {
                    names::operation(&format!("{}_{}", operation.service.name, operation.member.name()))
                } else {
                    base
                };
                operation.field = fields.claim(&[candidate]);
            }
        }
        for operation in &mut self.operations {
            if let Member::Event(event) = operation.member
                && !event.params.is_empty()
            {
                let name = self
                    .names
                    .claim(&[format!("{}Event", upper_camel_case(&operation.field))]);
                operation.event_type = Some(name);
            }
        }
    }

    fn is_input_only_named_input(&self, qualified: &str, def: &TypeDef) -> bool {
        def.name.ends_with("Input") && self.inputs.contains(qualified) && !self.outputs.contains(qualified)
    }

    fn name_inputs(&mut self) {
        for (package, def) in &self.types {
            let qualified = format!("{}.{}", package.name, def.name);
            if self.inputs.contains(&qualified) {
                let base = self
                    .type_names
                    .get(&qualified)
                    .cloned()
                    .unwrap_or_else(|| def.name.clone());
                let wanted = if self.is_input_only_named_input(&qualified, def) {
                    vec![base.clone(), format!("{base}Input")]
                } else {
                    vec![format!("{base}Input")]
                };
                let name = self.names.claim(&wanted);
                self.input_names.insert(qualified, name);
            }
        }
    }

    fn render(mut self) -> String {
        let mut roots = Vec::new();
        let mut roots_blocks = Vec::new();
        for root in Root::ALL {
            if let Some(block) = self.root_block(root) {
                roots.push(RootOperation {
                    operation: root.operation(),
                    type_name: root.type_name().to_string(),
                });
                roots_blocks.push(block);
            }
        }

        let mut blocks = Vec::new();
        for operation in self.operations.clone() {
            if let (Member::Event(event), Some(name)) = (operation.member, &operation.event_type) {
                blocks.push(self.event_block(operation.service, event, name));
            }
        }
        for (package, def) in self.types.clone() {
            let qualified = format!("{}.{}", package.name, def.name);
            if self.outputs.contains(&qualified) {
                blocks.push(self.output_block(&qualified, def));
            }
            if self.inputs.contains(&qualified) {
                blocks.push(self.input_block(&qualified, def));
            }
        }
        // Rendering an entry can only add entries after it, so this reaches every one.
        let mut index = 0;
        while index < self.entries.len() {
            blocks.push(self.entry_block(index));
            index += 1;
        }
        for scalar in Scalar::ALL {
            if self.scalars.contains(scalar)
                && let Some(block) = scalar_block(*scalar)
            {
                blocks.push(block);
            }
        }

        let mut file = render(&SchemaFile {
            package: self.package.name.clone(),
            description: names::description(&self.schema_doc(), "", false),
            roots,
            roots_blocks,
            omitted: self
                .omitted
                .iter()
                .map(|(service, method)| omitted_view(service, method))
                .collect(),
            blocks,
        });
        file.push('\n');
        file
    }

    fn schema_doc(&self) -> String {
        let mut doc = Doc::from(&self.package.docs);
        for service in &self.package.services {
            let mut text = format!("Service `{}`", service.name);
            if !service.docs.is_empty() {
                text = format!("{text}: {}", service.docs.text());
            }
            doc.push(text);
            if let Some(deprecation) = &service.deprecated {
                doc.push(deprecation_text(deprecation));
            }
        }
        doc.text()
    }

    fn root_block(&mut self, root: Root) -> Option<String> {
        let operations: Vec<Operation<'m>> = self.operations.iter().filter(|op| op.root == root).cloned().collect();
        let mut fields: Vec<FieldView> = operations
            .iter()
            .enumerate()
            .map(|(index, operation)| self.operation_field(operation, index == 0))
            .collect();
        if fields.is_empty() {
            if root != Root::Query {
                return None;
            }
            // GraphQL requires a Query type with at least one field.
            fields.push(FieldView {
                description: names::description(
                    &format!(
                        "The package's name, `{}`.\n\nThis field exists only because GraphQL requires a `Query` type with a field, and\nthe package has no side-effect-free methods.",
                        self.package.name
                    ),
                    "  ",
                    false,
                ),
                name: "_service".into(),
                args: Vec::new(),
                ty: "String!".into(),
                default: String::new(),
                directives: String::new(),
            });
        }
        let description = if operations.is_empty() {
            "GraphQL requires a query type; this package has no side-effect-free methods."
        } else {
            root.description()
        };
        Some(render(&ObjectType {
            description: names::description(description, "", false),
            keyword: "type",
            name: root.type_name().into(),
            directives: String::new(),
            fields,
        }))
    }

    fn operation_field(&mut self, operation: &Operation<'m>, first: bool) -> FieldView {
        let service = operation.service;
        match operation.member {
            Member::Method(method) => {
                let args = method
                    .params
                    .iter()
                    .enumerate()
                    .map(|(index, param)| self.input_value(&param.field, index == 0, "    "))
                    .collect();
                let mut doc = Doc::from(&method.docs);
                let ty = match &method.returns {
                    Some(returns) => self.ty(returns, Direction::Output),
                    None => {
                        doc.push("Always `true`: the method has no result, and a GraphQL field needs a type.");
                        "Boolean!".to_string()
                    }
                };
                if !method.throws.is_empty() {
                    let mut errors: Vec<String> =
                        method.throws.iter().map(|e| format!("`{}`", short_name(e))).collect();
                    let last = errors.pop().unwrap_or_default();
                    let list = if errors.is_empty() {
                        last
                    } else {
                        format!("{} or {last}", errors.join(", "))
                    };
                    doc.push(format!("Can fail with {list}, reported as a GraphQL error."));
                }
                FieldView {
                    description: names::description(&doc.text(), "  ", !first),
                    name: operation.field.clone(),
                    args,
                    ty,
                    default: String::new(),
                    directives: operation_deprecation(method.deprecated.as_ref(), service),
                }
            }
            Member::Event(event) => {
                let mut doc = Doc::from(&event.docs);
                let ty = match &operation.event_type {
                    Some(name) => format!("{name}!"),
                    None => {
                        doc.push("Always `true`: the event carries no data, and a GraphQL field needs a type.");
                        "Boolean!".to_string()
                    }
                };
                FieldView {
                    description: names::description(&doc.text(), "  ", !first),
                    name: operation.field.clone(),
                    args: Vec::new(),
                    ty,
                    default: String::new(),
                    directives: operation_deprecation(event.deprecated.as_ref(), service),
                }
            }
        }
    }

    fn event_block(&mut self, service: &Service, event: &Event, name: &str) -> String {
        let mut doc = Doc::from(&event.docs);
        doc.push(format!("The data of the `{}` event of `{}`.", event.name, service.name));
        let fields = event
            .params
            .iter()
            .enumerate()
            .map(|(index, param)| self.output_field(&param.field, index == 0))
            .collect();
        object(doc.text(), "type", name, "", fields)
    }

    fn output_block(&mut self, qualified: &str, def: &TypeDef) -> String {
        let name = self.type_name(qualified);
        let doc = type_doc(def);
        match &def.kind {
            TypeKind::Struct(Struct { fields, .. }) | TypeKind::Error(ErrorDef { fields, .. }) => {
                let fields = fields
                    .iter()
                    .enumerate()
                    .map(|(index, field)| self.output_field(field, index == 0))
                    .collect();
                object(doc.text(), "type", &name, "", fields)
            }
            TypeKind::Enum(enumeration) => enum_block(doc, &name, enumeration),
            TypeKind::Union(union) => self.union_block(doc, &name, union),
        }
    }

    fn input_block(&mut self, qualified: &str, def: &TypeDef) -> String {
        let name = self.input_names.get(qualified).cloned().unwrap_or_default();
        let mut doc = type_doc(def);
        match &def.kind {
            TypeKind::Struct(Struct { fields, .. }) | TypeKind::Error(ErrorDef { fields, .. }) => {
                let fields = fields
                    .iter()
                    .enumerate()
                    .map(|(index, field)| self.input_value(field, index == 0, "  "))
                    .collect();
                object(doc.text(), "input", &name, "", fields)
            }
            TypeKind::Union(union) => {
                doc.push("Set exactly one field: the variant the value holds.");
                let fields = union
                    .variants
                    .iter()
                    .enumerate()
                    .map(|(index, variant)| {
                        let ty = self.ty(&variant.ty, Direction::Input);
                        FieldView {
                            description: names::description(&variant.docs.text(), "  ", index > 0),
                            name: names::member(&variant.name),
                            args: Vec::new(),
                            // `@oneOf` fields are nullable: the client leaves all but one out.
                            ty: ty.strip_suffix('!').map_or(ty.clone(), str::to_string),
                            default: String::new(),
                            directives: deprecated(variant.deprecated.as_ref()),
                        }
                    })
                    .collect();
                object(doc.text(), "input", &name, " @oneOf", fields)
            }
            // Enums have no input definition.
            TypeKind::Enum(_) => String::new(),
        }
    }

    fn union_block(&mut self, mut doc: Doc, name: &str, union: &Union) -> String {
        if union.variants.is_empty() {
            // GraphQL unions need a member; a union without variants can hold no value anyway.
            return object(doc.text(), "type", name, "", Vec::new());
        }
        let mut members = Vec::new();
        let mut lines = vec!["Variants, and the type that carries each:".to_string()];
        for variant in &union.variants {
            let member = self.ty(&variant.ty, Direction::Output);
            let member = member.trim_end_matches('!').to_string();
            let mut line = format!("- `{}` (`{member}`)", variant.name);
            if !variant.docs.is_empty() {
                line.push_str(&format!(": {}", variant.docs.text().replace('\n', " ")));
            }
            if let Some(deprecation) = &variant.deprecated {
                line.push_str(&format!(" ({})", deprecation_text(deprecation)));
            }
            lines.push(line);
            members.push(member);
        }
        doc.push(lines.join("\n"));
        render(&UnionType {
            description: names::description(&doc.text(), "", false),
            name: name.to_string(),
            members,
        })
    }

    fn entry_block(&mut self, index: usize) -> String {
        let entry = &self.entries[index];
        let doc = format!(
            "One entry of a map from `{}` to `{}`. A map is a list of entries with distinct keys.",
            entry.key.trim_end_matches('!'),
            entry.value.trim_end_matches('!')
        );
        let field = |name: &str, ty: &str, text: &str, gap: bool| FieldView {
            description: names::description(text, "  ", gap),
            name: name.into(),
            args: Vec::new(),
            ty: ty.into(),
            default: String::new(),
            directives: String::new(),
        };
        let fields = vec![
            field("key", &entry.key, "The key.", false),
            field("value", &entry.value, "The value stored under the key.", true),
        ];
        let keyword = match entry.direction {
            Direction::Output => "type",
            Direction::Input => "input",
        };
        object(doc, keyword, &entry.name, "", fields)
    }

    fn output_field(&mut self, field: &Field, first: bool) -> FieldView {
        let mut doc = Doc::from(&field.docs);
        doc.push(constraints_text(&field.constraints, &field.ty));
        FieldView {
            description: names::description(&doc.text(), "  ", !first),
            name: names::member(&field.name),
            args: Vec::new(),
            ty: self.ty(&field.ty, Direction::Output),
            default: String::new(),
            directives: deprecated(field.deprecated.as_ref()),
        }
    }

    /// An argument or input field. Lists and maps default to empty, as in the IDL, so they may
    /// be left out.
    fn input_value(&mut self, field: &Field, first: bool, indent: &str) -> FieldView {
        let default = match (&field.default, &field.ty) {
            (Some(literal), ty) => Some(literal_text(literal, ty)),
            (None, TypeRef::List(_) | TypeRef::Map(..)) => Some("[]".to_string()),
            (None, _) => None,
        };
        let mut doc = Doc::from(&field.docs);
        doc.push(constraints_text(&field.constraints, &field.ty));
        // GraphQL forbids deprecating a value the client must give; say it in words instead.
        let may_deprecate = field.ty.is_optional() || default.is_some();
        let directives = if may_deprecate {
            deprecated(field.deprecated.as_ref())
        } else {
            if let Some(deprecation) = &field.deprecated {
                doc.push(deprecation_text(deprecation));
            }
            String::new()
        };
        FieldView {
            description: names::description(&doc.text(), indent, !first),
            name: names::member(&field.name),
            args: Vec::new(),
            ty: self.ty(&field.ty, Direction::Input),
            default: default.map(|value| format!(" = {value}")).unwrap_or_default(),
            directives,
        }
    }

    /// A type reference: non-null unless optional; list elements and map entries are never null.
    fn ty(&mut self, ty: &TypeRef, direction: Direction) -> String {
        match ty {
            TypeRef::Optional(inner) => {
                let inner = self.ty(inner, direction);
                inner.strip_suffix('!').map_or(inner.clone(), str::to_string)
            }
            TypeRef::Scalar(scalar) => {
                self.scalars.insert(*scalar);
                format!("{}!", scalar_name(*scalar))
            }
            TypeRef::Named(qualified) => {
                let name = match direction {
                    Direction::Input => self.input_names.get(qualified).cloned(),
                    Direction::Output => None,
                };
                format!("{}!", name.unwrap_or_else(|| self.type_name(qualified)))
            }
            TypeRef::List(inner) => format!("[{}]!", self.ty(inner, direction)),
            TypeRef::Map(key, value) => format!("[{}!]!", self.entry(key, value, direction)),
        }
    }

    fn type_name(&self, qualified: &str) -> String {
        self.type_names
            .get(qualified)
            .cloned()
            .unwrap_or_else(|| short_name(qualified).to_string())
    }

    /// The entry type of a map, named after its key and value (`StringFloatEntry`) so that maps
    /// of the same shape share one.
    fn entry(&mut self, key: &TypeRef, value: &TypeRef, direction: Direction) -> String {
        let key_ty = self.ty(key, direction);
        let value_ty = self.ty(value, direction);
        if let Some(entry) = self
            .entries
            .iter()
            .find(|e| e.direction == direction && e.key == key_ty && e.value == value_ty)
        {
            return entry.name.clone();
        }
        let mut base = format!("{}{}Entry", self.word(key), self.word(value));
        if direction == Direction::Input {
            base.push_str("Input");
        }
        let name = self.names.claim(&[base]);
        self.entries.push(Entry {
            direction,
            name: name.clone(),
            key: key_ty,
            value: value_ty,
        });
        name
    }

    /// A type as a word of a generated name.
    fn word(&self, ty: &TypeRef) -> String {
        match ty {
            TypeRef::Scalar(scalar) => scalar_name(*scalar).to_string(),
            TypeRef::Named(qualified) => self.type_name(qualified),
            TypeRef::Optional(inner) => self.word(inner),
            TypeRef::List(inner) => format!("{}List", self.word(inner)),
            TypeRef::Map(key, value) => format!("{}{}Map", self.word(key), self.word(value)),
        }
    }
}

/// Description paragraphs; empty ones are dropped.
#[derive(Default)]
struct Doc(Vec<String>);

impl Doc {
    fn from(docs: &Docs) -> Doc {
        let mut doc = Doc::default();
        doc.push(docs.text());
        doc
    }

    fn push(&mut self, paragraph: impl Into<String>) {
        let paragraph = paragraph.into();
        if !paragraph.trim().is_empty() {
            self.0.push(paragraph);
        }
    }

    fn text(&self) -> String {
        self.0.join("\n\n")
    }
}

fn object(
    description: String,
    keyword: &'static str,
    name: &str,
    directives: &str,
    mut fields: Vec<FieldView>,
) -> String {
    if fields.is_empty() {
        // GraphQL object and input types need a field; the API's type has none.
        fields.push(FieldView {
            description: names::description(
                "Always null: the type has no fields, and GraphQL needs at least one.",
                "  ",
                false,
            ),
            name: "_empty".into(),
            args: Vec::new(),
            ty: "Boolean".into(),
            default: String::new(),
            directives: String::new(),
        });
    }
    render(&ObjectType {
        description: names::description(&description, "", false),
        keyword,
        name: name.to_string(),
        directives: directives.to_string(),
        fields,
    })
}

fn enum_block(doc: Doc, name: &str, enumeration: &Enum) -> String {
    let mut values: Vec<EnumValueView> = enumeration
        .variants
        .iter()
        .enumerate()
        .map(|(index, variant)| EnumValueView {
            description: names::description(&variant.docs.text(), "  ", index > 0),
            name: names::enum_value(&variant.name),
            directives: deprecated(variant.deprecated.as_ref()),
        })
        .collect();
    if values.is_empty() {
        // GraphQL enums need a value; the API's enum has none yet.
        values.push(EnumValueView {
            description: names::description("No value is declared yet; never sent.", "  ", false),
            name: "UNSPECIFIED".into(),
            directives: String::new(),
        });
    }
    render(&EnumType {
        description: names::description(&doc.text(), "", false),
        name: name.to_string(),
        values,
    })
}

/// The type's docs, and its deprecation in words: GraphQL cannot deprecate types.
fn type_doc(def: &TypeDef) -> Doc {
    let mut doc = Doc::from(&def.docs);
    if let Some(deprecation) = &def.deprecated {
        doc.push(deprecation_text(deprecation));
    }
    doc
}

fn deprecated(deprecation: Option<&Deprecation>) -> String {
    match deprecation {
        Some(Deprecation { note: Some(note) }) => format!(" @deprecated(reason: {})", names::string(note)),
        Some(Deprecation { note: None }) => " @deprecated".to_string(),
        None => String::new(),
    }
}

/// A method or event is deprecated with its service.
fn operation_deprecation(own: Option<&Deprecation>, service: &Service) -> String {
    if own.is_some() {
        return deprecated(own);
    }
    match &service.deprecated {
        Some(deprecation) => {
            let reason = match &deprecation.note {
                Some(note) => format!("The `{}` service is deprecated: {note}", service.name),
                None => format!("The `{}` service is deprecated.", service.name),
            };
            format!(" @deprecated(reason: {})", names::string(&reason))
        }
        None => String::new(),
    }
}

fn deprecation_text(deprecation: &Deprecation) -> String {
    match &deprecation.note {
        Some(note) => format!("Deprecated: {note}"),
        None => "Deprecated.".to_string(),
    }
}

fn omitted_view(service: &Service, method: &Method) -> OmittedMethod {
    let (kind, reason) = match method.kind() {
        StreamingKind::Bidirectional => (
            "bidirectional streaming",
            "a subscription streams results, but its arguments are sent once: the client cannot stream input.",
        ),
        _ => (
            "client streaming",
            "a GraphQL operation sends its arguments once: the client cannot stream input.",
        ),
    };
    OmittedMethod {
        method: format!("{}.{}", service.name, method.name),
        kind,
        reason,
    }
}

/// The GraphQL type of a scalar: built-in where GraphQL has one with the same values, else a
/// custom scalar (GraphQL's `Int` is signed 32-bit, and it has no times, bytes or decimals).
fn scalar_name(scalar: Scalar) -> &'static str {
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

/// The declaration of a custom scalar, in the JSON mapping's representation; `None` for
/// GraphQL's own scalars.
fn scalar_block(scalar: Scalar) -> Option<String> {
    let (description, specified_by) = match scalar {
        Scalar::I64 => (
            "A signed 64-bit integer, written as a decimal string (`\"-12\"`) because JSON numbers are\nexact only up to 2^53. Numbers are accepted as input too.",
            None,
        ),
        Scalar::U64 => (
            "An unsigned 64-bit integer, written as a decimal string (`\"12\"`) because JSON numbers are\nexact only up to 2^53. Numbers are accepted as input too.",
            None,
        ),
        Scalar::U32 => (
            "An unsigned 32-bit integer, from 0 to 4294967295, written as a number. GraphQL's `Int` is\nsigned 32-bit and cannot hold the upper half.",
            None,
        ),
        Scalar::Timestamp => (
            "A point in time: an RFC 3339 date and time in UTC with `Z` and 0, 3, 6 or 9 fractional\ndigits, such as `\"2026-11-27T17:16:53Z\"`.",
            Some("https://www.rfc-editor.org/rfc/rfc3339"),
        ),
        Scalar::Duration => (
            "A signed length of time: seconds with an `s` suffix and up to 9 fractional digits, such as\n`\"1.5s\"` (protobuf's JSON form of `google.protobuf.Duration`).",
            None,
        ),
        Scalar::Uuid => (
            "A UUID in its lowercase hyphenated form, such as `\"123e4567-e89b-12d3-a456-426614174000\"`.",
            Some("https://www.rfc-editor.org/rfc/rfc9562"),
        ),
        Scalar::Bytes => (
            "Binary data in standard base64 with padding (RFC 4648, section 4). URL-safe base64 is\naccepted as input too.",
            Some("https://www.rfc-editor.org/rfc/rfc4648#section-4"),
        ),
        Scalar::Decimal => (
            "An exact decimal number, written as a string so it is never rounded, such as `\"12.50\"`.",
            None,
        ),
        Scalar::Bool | Scalar::I32 | Scalar::F32 | Scalar::F64 | Scalar::String => return None,
    };
    Some(render(&ScalarType {
        description: names::description(description, "", false),
        name: scalar_name(scalar).to_string(),
        directives: specified_by
            .map(|url| format!(" @specifiedBy(url: {})", names::string(url)))
            .unwrap_or_default(),
    }))
}

/// A default value as a GraphQL literal of the field's type: 64-bit integers and decimals are
/// strings, as the custom scalars read them; enum values are GraphQL enum values.
fn literal_text(literal: &Literal, ty: &TypeRef) -> String {
    let ty = ty.required();
    match literal {
        Literal::Bool(value) => value.to_string(),
        Literal::Number(number) => match ty {
            TypeRef::Scalar(Scalar::I64 | Scalar::U64 | Scalar::Decimal) => names::string(&names::number(&number.0)),
            _ => names::number(&number.0),
        },
        Literal::String(text) => names::string(text),
        Literal::Enum(variant) => names::enum_value(variant),
        Literal::List(items) => {
            let element = match ty {
                TypeRef::List(inner) => inner.as_ref(),
                other => other,
            };
            let items: Vec<String> = items.iter().map(|item| literal_text(item, element)).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// Constraints in words, since GraphQL has no way to state them.
fn constraints_text(constraints: &Constraints, ty: &TypeRef) -> String {
    let mut parts = Vec::new();
    if let Some(length) = &constraints.length {
        let unit = if ty.required() == &TypeRef::Scalar(Scalar::Bytes) {
            "bytes"
        } else {
            "characters"
        };
        parts.push(bounds_text(length, unit));
    }
    if let Some(range) = &constraints.range {
        let max = |max: &Number| {
            if range.max_exclusive {
                format!("less than {}", max.0)
            } else {
                format!("at most {}", max.0)
            }
        };
        parts.push(match (&range.min, &range.max) {
            (Some(min), Some(high)) if !range.max_exclusive => format!("from {} to {}", min.0, high.0),
            (Some(min), Some(high)) => format!("at least {} and {}", min.0, max(high)),
            (Some(min), None) => format!("at least {}", min.0),
            (None, Some(high)) => max(high),
            (None, None) => String::new(),
        });
    }
    if let Some(pattern) = &constraints.pattern {
        parts.push(format!("matches the regular expression `{pattern}`"));
    }
    if let Some(items) = &constraints.items {
        parts.push(bounds_text(items, "entries"));
    }
    parts.retain(|part| !part.is_empty());
    if parts.is_empty() {
        String::new()
    } else {
        format!("Constraints: {}.", parts.join("; "))
    }
}

fn bounds_text(bounds: &Bounds, unit: &str) -> String {
    match (bounds.min, bounds.max) {
        (Some(min), Some(max)) if min == max => format!("exactly {min} {unit}"),
        (Some(min), Some(max)) => format!("{min} to {max} {unit}"),
        (Some(min), None) => format!("at least {min} {unit}"),
        (None, Some(max)) => format!("at most {max} {unit}"),
        (None, None) => String::new(),
    }
}

fn short_name(qualified: &str) -> &str {
    qualified.rsplit('.').next().unwrap_or(qualified)
}

#[cfg(test)]
mod tests;
