//! JSON Schema for model types, following `docs/json-mapping.md`. Shared by the OpenAPI, AsyncAPI
//! and OpenRPC targets, which differ only in dialect and in where component schemas live.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::model::naming::{enum_value_name, json_name, upper_camel_case};
use crate::model::*;

/// The JSON Schema flavour of the host document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// OpenAPI 3.1: JSON Schema 2020-12, siblings of `$ref` allowed.
    OpenApi31,
    /// OpenAPI 3.0: its JSON Schema subset; `$ref` siblings are ignored, `exclusiveMaximum` is a
    /// boolean, no `const`, no `contentEncoding`.
    OpenApi30,
    /// JSON Schema draft-07 (AsyncAPI 3.0 and OpenRPC); `$ref` siblings are ignored.
    Draft07,
}

/// Component names of every named type: the short name, or the package-qualified UpperCamel name
/// when two packages declare the same short name.
#[derive(Clone, Debug, Default)]
pub struct SchemaNames {
    by_qualified: BTreeMap<String, String>,
}

impl SchemaNames {
    pub fn new(model: &Model) -> SchemaNames {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for package in &model.packages {
            for ty in &package.types {
                *count.entry(ty.name.as_str()).or_default() += 1;
            }
        }
        let mut by_qualified = BTreeMap::new();
        for package in &model.packages {
            for ty in &package.types {
                let qualified = format!("{}.{}", package.name, ty.name);
                let name = if count[ty.name.as_str()] > 1 {
                    format!("{}{}", upper_camel_case(&package.name), ty.name)
                } else {
                    ty.name.clone()
                };
                by_qualified.insert(qualified, name);
            }
        }
        SchemaNames { by_qualified }
    }

    /// The component name of a fully qualified type name.
    pub fn name<'a>(&'a self, qualified: &'a str) -> &'a str {
        self.by_qualified
            .get(qualified)
            .map(String::as_str)
            .unwrap_or_else(|| qualified.rsplit_once('.').map_or(qualified, |(_, short)| short))
    }

    /// Every named type in the model as (component name, qualified name, definition), in
    /// declaration order.
    pub fn all<'m>(&self, model: &'m Model) -> Vec<(String, String, &'m TypeDef)> {
        model
            .packages
            .iter()
            .flat_map(|package| {
                package.types.iter().map(|ty| {
                    let qualified = format!("{}.{}", package.name, ty.name);
                    (self.name(&qualified).to_string(), qualified, ty)
                })
            })
            .collect()
    }

    /// Whether some type already has this component name.
    pub fn is_taken(&self, name: &str) -> bool {
        self.by_qualified.values().any(|existing| existing == name)
    }
}

/// Where the JSON document targets keep component schemas.
pub const COMPONENT_SCHEMAS: &str = "#/components/schemas/";

/// One pretty-printed JSON document per package that has services, at `<package>.<suffix>`, built
/// by `build` with a schema generator of the given dialect (the frame every JSON document target
/// shares).
pub fn documents_per_package(
    model: &Model,
    dialect: Dialect,
    suffix: &str,
    build: impl Fn(&Package, &SchemaGen) -> Value,
) -> Vec<super::GeneratedFile> {
    let names = SchemaNames::new(model);
    let schemas = SchemaGen {
        model,
        names: &names,
        dialect,
        ref_prefix: COMPONENT_SCHEMAS,
    };
    model
        .packages
        .iter()
        .filter(|package| !package.services.is_empty())
        .map(|package| {
            let mut contents =
                serde_json::to_string_pretty(&build(package, &schemas)).expect("JSON values always serialise");
            contents.push('\n');
            super::GeneratedFile {
                path: format!("{}.{suffix}", package.name).into(),
                contents,
            }
        })
        .collect()
}

/// Builds schemas for one document.
pub struct SchemaGen<'a> {
    pub model: &'a Model,
    pub names: &'a SchemaNames,
    pub dialect: Dialect,
    /// Where component schemas live, e.g. `#/components/schemas/`.
    pub ref_prefix: &'a str,
}

impl SchemaGen<'_> {
    pub fn reference(&self, qualified: &str) -> Value {
        json!({ "$ref": format!("{}{}", self.ref_prefix, self.names.name(qualified)) })
    }

    /// The schema of a type at a use site.
    pub fn type_ref(&self, ty: &TypeRef) -> Value {
        match ty {
            TypeRef::Scalar(scalar) => self.scalar(*scalar),
            TypeRef::Named(name) => self.reference(name),
            TypeRef::Optional(inner) => self.type_ref(inner),
            TypeRef::List(inner) => json!({ "type": "array", "items": self.type_ref(inner) }),
            TypeRef::Map(key, value) => {
                let mut schema = json!({ "type": "object", "additionalProperties": self.type_ref(value) });
                if let TypeRef::Scalar(key) = **key
                    && key.is_integer()
                    && self.dialect != Dialect::OpenApi30
                {
                    schema["propertyNames"] = json!({ "pattern": integer_pattern(key) });
                }
                schema
            }
        }
    }

    pub fn scalar(&self, scalar: Scalar) -> Value {
        // 64-bit integers are strings: the pattern admits exactly the values the server reads
        // (no leading zeros, within range), so a schema-valid request is never refused.
        match scalar {
            Scalar::Bool => json!({ "type": "boolean" }),
            Scalar::I32 => json!({ "type": "integer", "format": "int32", "minimum": i32::MIN, "maximum": i32::MAX }),
            Scalar::U32 => json!({ "type": "integer", "format": "uint32", "minimum": 0, "maximum": u32::MAX }),
            Scalar::I64 => json!({ "type": "string", "format": "int64", "pattern": integer_pattern(Scalar::I64) }),
            Scalar::U64 => json!({ "type": "string", "format": "uint64", "pattern": integer_pattern(Scalar::U64) }),
            Scalar::F32 => json!({ "type": "number", "format": "float" }),
            Scalar::F64 => json!({ "type": "number", "format": "double" }),
            Scalar::String => json!({ "type": "string" }),
            Scalar::Bytes if self.dialect == Dialect::OpenApi31 => {
                json!({ "type": "string", "format": "byte", "contentEncoding": "base64" })
            }
            Scalar::Bytes => json!({ "type": "string", "format": "byte" }),
            Scalar::Timestamp => json!({ "type": "string", "format": "date-time" }),
            Scalar::Duration => {
                json!({ "type": "string", "format": "duration", "pattern": "^-?[0-9]+(\\.[0-9]{1,9})?s$" })
            }
            Scalar::Uuid => json!({ "type": "string", "format": "uuid" }),
            Scalar::Decimal => json!({ "type": "string", "format": "decimal", "pattern": "^-?[0-9]+(\\.[0-9]+)?$" }),
        }
    }

    /// A field or parameter: its type, docs, constraints, default and deprecation.
    pub fn field(&self, field: &Field) -> Value {
        self.field_schema(field, false)
    }

    /// A member of a JSON object (a struct's property, a JSON-RPC param): as [`Self::field`], and
    /// an optional one also admits `null`.
    pub fn property(&self, field: &Field) -> Value {
        self.field_schema(field, true)
    }

    fn field_schema(&self, field: &Field, null_when_optional: bool) -> Value {
        let mut schema = self.type_ref(&field.ty);
        let mut notes = Vec::new();
        apply_constraints(&mut schema, field, self.dialect, &mut notes);
        if null_when_optional && field.ty.is_optional() {
            schema = self.nullable(schema, field.ty.required());
        }
        let mut description = field.docs.text();
        if !notes.is_empty() {
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str(&notes.join(" "));
        }
        let mut extra = Map::new();
        if !description.is_empty() {
            extra.insert("description".into(), json!(description));
        }
        if let Some(default) = &field.default {
            extra.insert("default".into(), self.literal(&field.ty, default));
        }
        if field.deprecated.is_some() {
            extra.insert("deprecated".into(), json!(true));
        }
        self.with_siblings(schema, extra)
    }

    /// Adds annotations to a schema; where the dialect ignores siblings of `$ref`, the reference
    /// is wrapped in `allOf` so the annotations still count.
    pub fn with_siblings(&self, mut schema: Value, extra: Map<String, Value>) -> Value {
        if extra.is_empty() {
            return schema;
        }
        let is_ref = schema.get("$ref").is_some();
        if is_ref && self.dialect != Dialect::OpenApi31 {
            let mut wrapped = Map::new();
            wrapped.insert("allOf".into(), json!([schema]));
            wrapped.extend(extra);
            return Value::Object(wrapped);
        }
        if let Value::Object(map) = &mut schema {
            map.extend(extra);
        }
        schema
    }

    /// An optional field also admits `null`, which readers take as absent (docs/json-mapping.md).
    fn nullable(&self, schema: Value, ty: &TypeRef) -> Value {
        let simple_type = schema.get("type").and_then(Value::as_str).map(str::to_string);
        match (self.dialect, simple_type) {
            (Dialect::OpenApi30, Some(_)) => {
                let mut schema = schema;
                schema["nullable"] = json!(true);
                schema
            }
            // 3.0's `nullable` only counts beside a `type`: name the referenced type's JSON type.
            (Dialect::OpenApi30, None) => {
                let json_type = match ty {
                    TypeRef::Named(qualified) => match self.model.type_def(qualified).map(|def| &def.kind) {
                        Some(TypeKind::Enum(_)) => "string",
                        _ => "object",
                    },
                    _ => "object",
                };
                json!({ "type": json_type, "allOf": [schema], "nullable": true })
            }
            (_, Some(ty)) if schema.get("enum").is_none() => {
                let mut schema = schema;
                schema["type"] = json!([ty, "null"]);
                schema
            }
            _ => json!({ "anyOf": [schema, { "type": "null" }] }),
        }
    }

    /// An object with one property per field.
    pub fn object(&self, fields: &[Field]) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for field in fields {
            let name = json_name(&field.name);
            properties.insert(name.clone(), self.property(field));
            if is_required(field) {
                required.push(json!(name));
            }
        }
        let mut schema = json!({ "type": "object", "properties": properties });
        if !required.is_empty() {
            schema["required"] = Value::Array(required);
        }
        schema
    }

    /// The component schema of a named type.
    pub fn type_def(&self, def: &TypeDef) -> Value {
        let mut schema = match &def.kind {
            TypeKind::Struct(s) => self.object(&s.fields),
            TypeKind::Error(e) => self.object(&e.fields),
            TypeKind::Enum(e) => {
                let values: Vec<Value> = e
                    .variants
                    .iter()
                    .map(|v| json!(enum_value_name(&def.name, &v.name)))
                    .collect();
                json!({ "type": "string", "enum": values })
            }
            TypeKind::Union(u) => {
                let alternatives: Vec<Value> = u
                    .variants
                    .iter()
                    .map(|variant| {
                        let name = json_name(&variant.name);
                        let mut member = self.type_ref(&variant.ty);
                        let mut extra = Map::new();
                        if !variant.docs.is_empty() {
                            extra.insert("description".into(), json!(variant.docs.text()));
                        }
                        if variant.deprecated.is_some() {
                            extra.insert("deprecated".into(), json!(true));
                        }
                        member = self.with_siblings(member, extra);
                        json!({
                            "title": upper_camel_case(&variant.name),
                            "type": "object",
                            "properties": { name.clone(): member },
                            "required": [name],
                            "additionalProperties": false,
                        })
                    })
                    .collect();
                json!({ "oneOf": alternatives })
            }
        };
        let mut description = def.docs.text();
        if let TypeKind::Enum(e) = &def.kind {
            let list: Vec<String> = e
                .variants
                .iter()
                .filter(|v| !v.docs.is_empty())
                .map(|v| {
                    format!(
                        "- `{}`: {}",
                        enum_value_name(&def.name, &v.name),
                        v.docs.text().replace('\n', " ")
                    )
                })
                .collect();
            if !list.is_empty() {
                if !description.is_empty() {
                    description.push_str("\n\n");
                }
                description.push_str(&list.join("\n"));
            }
        }
        if let Value::Object(map) = &mut schema {
            let mut front = Map::new();
            front.insert("title".into(), json!(def.name));
            if !description.is_empty() {
                front.insert("description".into(), json!(description));
            }
            if def.deprecated.is_some() {
                front.insert("deprecated".into(), json!(true));
            }
            front.append(map);
            *map = front;
        }
        schema
    }

    /// The component name of an event's payload: `PetSoldEvent`, `PetSoldEventPayload` when a type
    /// has that name, and prefixed with the service (`PetStorePetSoldEvent`) when another service of
    /// the package already took it (`taken`).
    pub fn event_payload_name(&self, service: &Service, event: &Event, taken: impl Fn(&str) -> bool) -> String {
        let mut name = crate::model::bindings::event_payload_name(event);
        if self.names.is_taken(&name) {
            name.push_str("Payload");
        }
        if taken(&name) {
            name = format!("{}{name}", upper_camel_case(&service.name));
        }
        name
    }

    /// The component schema of an event's payload: an object with one property per parameter.
    pub fn event_payload(&self, service: &Service, event: &Event) -> Value {
        let fields: Vec<Field> = event.params.iter().map(|p| p.field.clone()).collect();
        let mut schema = self.object(&fields);
        let mut front = Map::new();
        front.insert("title".into(), json!(crate::model::bindings::event_payload_name(event)));
        let docs = event.docs.text();
        front.insert(
            "description".into(),
            json!(if docs.is_empty() {
                format!("Payload of the `{}` event of {}.", event.name, service.name)
            } else {
                docs
            }),
        );
        if event.deprecated.is_some() {
            front.insert("deprecated".into(), json!(true));
        }
        if let Value::Object(map) = &mut schema {
            front.append(map);
            *map = front;
        }
        schema
    }

    /// A default value as the JSON mapping writes it.
    pub fn literal(&self, ty: &TypeRef, literal: &Literal) -> Value {
        match (ty.required(), literal) {
            (_, Literal::Bool(b)) => json!(b),
            (TypeRef::Scalar(Scalar::I64 | Scalar::U64 | Scalar::Decimal), Literal::Number(n)) => json!(n.0),
            (TypeRef::Scalar(Scalar::I32 | Scalar::U32), Literal::Number(n)) => {
                n.0.parse::<i64>().map(|v| json!(v)).unwrap_or_else(|_| json!(n.0))
            }
            (_, Literal::Number(n)) => n.0.parse::<f64>().map(|v| json!(v)).unwrap_or_else(|_| json!(n.0)),
            (_, Literal::String(s)) => json!(s),
            (TypeRef::Named(name), Literal::Enum(variant)) => {
                let short = name.rsplit_once('.').map_or(name.as_str(), |(_, s)| s);
                json!(enum_value_name(short, variant))
            }
            (_, Literal::Enum(variant)) => json!(variant),
            (TypeRef::List(inner), Literal::List(items)) => {
                Value::Array(items.iter().map(|item| self.literal(inner, item)).collect())
            }
            (_, Literal::List(items)) => Value::Array(items.iter().map(|item| self.literal(ty, item)).collect()),
        }
    }
}

/// Qualified names of the types a package's document needs in its component schemas: the
/// package's own types plus every type its services use (parameters, results, thrown errors,
/// event parameters), followed transitively through fields and union variants.
pub fn reachable_types(model: &Model, package: &Package) -> BTreeSet<String> {
    let mut pending: Vec<String> = package
        .types
        .iter()
        .map(|ty| format!("{}.{}", package.name, ty.name))
        .collect();
    for service in &package.services {
        for method in &service.methods {
            for param in &method.params {
                collect_named(&param.field.ty, &mut pending);
            }
            if let Some(returns) = &method.returns {
                collect_named(returns, &mut pending);
            }
            pending.extend(method.throws.iter().cloned());
        }
        for event in &service.events {
            for param in &event.params {
                collect_named(&param.field.ty, &mut pending);
            }
        }
    }
    let mut seen = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        match model.type_def(&name).map(|def| &def.kind) {
            Some(TypeKind::Struct(Struct { fields, .. }) | TypeKind::Error(ErrorDef { fields, .. })) => {
                for field in fields {
                    collect_named(&field.ty, &mut pending);
                }
            }
            Some(TypeKind::Union(union)) => {
                for variant in &union.variants {
                    collect_named(&variant.ty, &mut pending);
                }
            }
            Some(TypeKind::Enum(_)) | None => {}
        }
    }
    seen
}

fn collect_named(ty: &TypeRef, out: &mut Vec<String>) {
    match ty {
        TypeRef::Named(name) => out.push(name.clone()),
        TypeRef::List(inner) | TypeRef::Optional(inner) => collect_named(inner, out),
        TypeRef::Map(key, value) => {
            collect_named(key, out);
            collect_named(value, out);
        }
        TypeRef::Scalar(_) => {}
    }
}

/// Fields a reader may not leave out: not optional, not a collection, no default.
pub fn is_required(field: &Field) -> bool {
    !field.ty.is_optional() && !matches!(field.ty, TypeRef::List(_) | TypeRef::Map(..)) && field.default.is_none()
}

/// Writes constraints as JSON Schema keywords; constraints JSON Schema cannot state on the JSON
/// form (ranges of 64-bit integers and decimals, which travel as strings) become notes.
fn apply_constraints(schema: &mut Value, field: &Field, dialect: Dialect, notes: &mut Vec<String>) {
    let constraints = &field.constraints;
    let base = field.ty.required();
    let Value::Object(map) = schema else { return };
    if map.contains_key("$ref") {
        return;
    }
    if let Some(length) = constraints.length {
        let is_bytes = matches!(base, TypeRef::Scalar(Scalar::Bytes));
        let encoded = |n: u64| if is_bytes { n.div_ceil(3) * 4 } else { n };
        if let Some(min) = length.min {
            map.insert("minLength".into(), json!(encoded(min)));
        }
        if let Some(max) = length.max {
            map.insert("maxLength".into(), json!(encoded(max)));
        }
        if is_bytes {
            notes.push(format!("Length: {} bytes.", describe_bounds(length)));
        }
    }
    if let Some(pattern) = &constraints.pattern {
        map.insert("pattern".into(), json!(pattern));
    }
    if let Some(items) = constraints.items {
        let (min_key, max_key) = match base {
            TypeRef::Map(..) => ("minProperties", "maxProperties"),
            _ => ("minItems", "maxItems"),
        };
        if let Some(min) = items.min {
            map.insert(min_key.into(), json!(min));
        }
        if let Some(max) = items.max {
            map.insert(max_key.into(), json!(max));
        }
    }
    if let Some(range) = &constraints.range {
        let as_string = matches!(base, TypeRef::Scalar(Scalar::I64 | Scalar::U64 | Scalar::Decimal));
        if as_string {
            let min = range.min.as_ref().map_or("", |n| n.0.as_str());
            let max = range.max.as_ref().map_or("", |n| n.0.as_str());
            let op = if range.max_exclusive { ".." } else { "..=" };
            notes.push(format!("Range: {min}{op}{max}."));
        } else {
            let number = |n: &Number| -> Value {
                n.0.parse::<i64>()
                    .map(|v| json!(v))
                    .unwrap_or_else(|_| json!(n.as_f64()))
            };
            if let Some(min) = &range.min {
                map.insert("minimum".into(), number(min));
            }
            if let Some(max) = &range.max {
                match (range.max_exclusive, dialect) {
                    (false, _) => {
                        map.insert("maximum".into(), number(max));
                    }
                    (true, Dialect::OpenApi30) => {
                        map.insert("maximum".into(), number(max));
                        map.insert("exclusiveMaximum".into(), json!(true));
                    }
                    (true, _) => {
                        map.insert("exclusiveMaximum".into(), number(max));
                    }
                }
            }
        }
    }
}

fn describe_bounds(bounds: Bounds) -> String {
    match (bounds.min, bounds.max) {
        (Some(min), Some(max)) if min == max => format!("exactly {min}"),
        (Some(min), Some(max)) => format!("{min} to {max}"),
        (Some(min), None) => format!("at least {min}"),
        (None, Some(max)) => format!("at most {max}"),
        (None, None) => "any".into(),
    }
}

/// A regex matching exactly the decimal spellings of an integer type's values, as the runtime
/// reads them: no `+`, no leading zeros, within range (`-0` reads as 0).
pub fn integer_pattern(scalar: Scalar) -> String {
    match scalar {
        Scalar::I32 => format!("^(-?{}|-{})$", at_most(&i32::MAX.to_string()), i32::MIN.unsigned_abs()),
        Scalar::U32 => format!("^{}$", at_most(&u32::MAX.to_string())),
        Scalar::I64 => format!("^(-?{}|-{})$", at_most(&i64::MAX.to_string()), i64::MIN.unsigned_abs()),
        _ => format!("^{}$", at_most(&u64::MAX.to_string())),
    }
}

/// A group matching the non-negative integers up to `bound` (its decimal digits), without
/// leading zeros: shorter numbers, then each way of staying below `bound` digit by digit.
fn at_most(bound: &str) -> String {
    let digits: Vec<u8> = bound.bytes().map(|b| b - b'0').collect();
    let n = digits.len();
    let mut alternatives = vec!["0".to_string()];
    if n >= 2 {
        alternatives.push(format!("[1-9][0-9]{{0,{}}}", n - 2));
    }
    let class = |low: u8, high: u8| {
        if low == high {
            low.to_string()
        } else {
            format!("[{low}-{high}]")
        }
    };
    for (i, &digit) in digits.iter().enumerate() {
        let low = u8::from(i == 0);
        if digit > low {
            let rest = n - 1 - i;
            let tail = if rest == 0 {
                String::new()
            } else {
                format!("[0-9]{{{rest}}}")
            };
            alternatives.push(format!("{}{}{tail}", &bound[..i], class(low, digit - 1)));
        }
    }
    alternatives.push(bound.to_string());
    format!("(?:{})", alternatives.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_patterns_admit_exactly_the_range() {
        let cases: [(Scalar, &[&str], &[&str]); 4] = [
            (
                Scalar::U64,
                &[
                    "0",
                    "7",
                    "18446744073709551615",
                    "18446744073709551609",
                    "9999999999999999999",
                    "10000000000000000000",
                ],
                &[
                    "18446744073709551616",
                    "18446744073709551620",
                    "007",
                    "-1",
                    "",
                    "1e3",
                    "99999999999999999999",
                    "+1",
                ],
            ),
            (
                Scalar::I64,
                &[
                    "-9223372036854775808",
                    "9223372036854775807",
                    "-1",
                    "0",
                    "-0",
                    "9223372036854775799",
                ],
                &[
                    "9223372036854775808",
                    "-9223372036854775809",
                    "+1",
                    "01",
                    "-",
                    "9323372036854775807",
                ],
            ),
            (
                Scalar::U32,
                &["4294967295", "4294967294", "10", "3999999999"],
                &["4294967296", "5000000000", "4300000000"],
            ),
            (
                Scalar::I32,
                &["2147483647", "-2147483648", "-5"],
                &["2147483648", "-2147483649"],
            ),
        ];
        for (scalar, good, bad) in cases {
            let regex = regex::Regex::new(&integer_pattern(scalar)).unwrap();
            for text in good {
                assert!(regex.is_match(text), "{scalar:?} should admit {text}");
            }
            for text in bad {
                assert!(!regex.is_match(text), "{scalar:?} should refuse {text}");
            }
        }
        // Exhaustively near every boundary digit of u32: the pattern and the parser agree.
        let regex = regex::Regex::new(&integer_pattern(Scalar::U32)).unwrap();
        for value in (4_294_960_000u64..4_294_970_000).chain(0..20_000) {
            let text = value.to_string();
            assert_eq!(regex.is_match(&text), text.parse::<u32>().is_ok(), "{text}");
        }
    }
}
