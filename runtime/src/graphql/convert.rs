//! Values between the JSON mapping (what handlers read and write) and GraphQL (what clients
//! send and select): enum values lose their type prefix, maps become entry lists, unions become
//! the object type that holds the value, and `@oneOf` inputs become externally tagged objects.
//!
//! How to convert each place of the schema is compiled once, when the schema is built, into a
//! [`Conv`]; named types are looked up in [`Shapes`] by their GraphQL name, which is what lets
//! recursive types compile to finite data.

use std::collections::{BTreeSet, HashMap};

use async_graphql::dynamic::FieldValue;
use async_graphql::{Name, Value as GqlValue};
use omniface_model::Scalar;
use serde_json::{Map, Value as Json};

use crate::error::Error;

/// How the value at one place of the schema converts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Conv {
    Scalar(Scalar),
    /// An enum, by GraphQL type name.
    Enum(String),
    /// A struct or error: an object type (output) or an input object type (input), by name.
    Struct(String),
    /// A union (output) or its `@oneOf` input object (input), by name.
    Union(String),
    List(Box<Conv>),
    Optional(Box<Conv>),
    /// A map, written in GraphQL as a list of `{key, value}` entries.
    Map {
        key: Box<Conv>,
        value: Box<Conv>,
    },
    /// The `Boolean!` that stands for "no result" (methods without one, events without data).
    Done,
}

/// One member of an object: its GraphQL name, its JSON mapping name and its conversion.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FieldShape {
    pub graphql: String,
    pub json: String,
    pub conv: Conv,
}

/// The members of a struct, an error or an event's payload, in GraphQL field order. Empty for a
/// type without fields, whose only GraphQL field is the `_empty` placeholder.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct StructShape {
    pub fields: Vec<FieldShape>,
}

/// An enum's values: JSON mapping name (`SPECIES_DOG`) and number to GraphQL name (`DOG`), and
/// back.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct EnumShape {
    pub to_graphql: HashMap<String, String>,
    pub by_number: HashMap<i64, String>,
    pub to_json: HashMap<String, String>,
}

/// A union's variants. `graphql` is the member object type (output) or the `@oneOf` field
/// (input); `json` is the member name of the externally tagged JSON object.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct UnionShape {
    pub variants: Vec<FieldShape>,
}

/// Every named shape of a schema, by GraphQL type name.
#[derive(Debug, Default)]
pub(crate) struct Shapes {
    pub structs: HashMap<String, StructShape>,
    pub enums: HashMap<String, EnumShape>,
    pub unions: HashMap<String, UnionShape>,
}

/// A result converted for GraphQL. Object fields are kept in GraphQL field order, so a field
/// resolver only picks its child by index; unions carry the name of the object type they hold.
#[derive(Debug, PartialEq)]
pub(crate) enum Node {
    Null,
    Leaf(GqlValue),
    Object(Vec<Node>),
    Variant(String, Box<Node>),
    List(Vec<Node>),
}

impl Node {
    /// The value a root resolver returns; it owns the tree.
    pub fn into_field_value(self) -> Option<FieldValue<'static>> {
        match self {
            Node::Null => None,
            Node::Leaf(value) => Some(FieldValue::value(value)),
            Node::Object(_) => Some(FieldValue::owned_any(self)),
            Node::Variant(ty, inner) => inner.into_field_value().map(|value| value.with_type(ty)),
            Node::List(items) => Some(FieldValue::list(
                items
                    .into_iter()
                    .map(|item| item.into_field_value().unwrap_or(FieldValue::NULL)),
            )),
        }
    }

    /// The value a nested field resolver returns; it borrows from its parent, so selecting a
    /// field copies nothing but scalars.
    pub fn as_field_value(&self) -> Option<FieldValue<'_>> {
        match self {
            Node::Null => None,
            Node::Leaf(value) => Some(FieldValue::value(value.clone())),
            Node::Object(_) => Some(FieldValue::borrowed_any(self)),
            Node::Variant(ty, inner) => inner.as_field_value().map(|value| value.with_type(ty.clone())),
            Node::List(items) => Some(FieldValue::list(
                items
                    .iter()
                    .map(|item| item.as_field_value().unwrap_or(FieldValue::NULL)),
            )),
        }
    }
}

impl Shapes {
    /// Converts a result or event payload in the JSON mapping to what GraphQL resolves. A value
    /// that does not fit is a bug in the handler or the runtime, hence an internal error.
    pub fn to_node(&self, conv: &Conv, json: &Json) -> Result<Node, Error> {
        self.node(conv, json, &mut String::new())
            .map_err(|problem| Error::new(crate::error::ErrorKind::Internal, problem))
    }

    fn node(&self, conv: &Conv, json: &Json, path: &mut String) -> Result<Node, String> {
        match conv {
            Conv::Optional(inner) => match json {
                Json::Null => Ok(Node::Null),
                _ => self.node(inner, json, path),
            },
            Conv::Done => Ok(Node::Leaf(GqlValue::Boolean(true))),
            Conv::Scalar(_) => match json {
                Json::Null => Ok(Node::Null),
                // The custom scalars are declared with the JSON mapping's representation, so the
                // value passes as it is (64-bit integers as strings, times as RFC 3339, …).
                _ => GqlValue::from_json(json.clone())
                    .map(Node::Leaf)
                    .map_err(|e| e.to_string()),
            },
            Conv::Enum(name) => {
                let shape = self.enums.get(name).ok_or_else(|| format!("no enum `{name}`"))?;
                let found = match json {
                    Json::String(value) => shape.to_graphql.get(value),
                    Json::Number(number) => number.as_i64().and_then(|n| shape.by_number.get(&n)),
                    _ => None,
                };
                found
                    .map(|value| Node::Leaf(GqlValue::Enum(Name::new(value))))
                    .ok_or_else(|| not_a(path, &format!("a value of `{name}`")))
            }
            Conv::Struct(name) => {
                let shape = self.structs.get(name).ok_or_else(|| format!("no type `{name}`"))?;
                let Json::Object(members) = json else {
                    return Err(not_a(path, "an object"));
                };
                if shape.fields.is_empty() {
                    // The `_empty` placeholder field.
                    return Ok(Node::Object(vec![Node::Null]));
                }
                let mut children = Vec::with_capacity(shape.fields.len());
                for field in &shape.fields {
                    let mark = path.len();
                    push_path(path, &field.json);
                    let child = match members.get(&field.json) {
                        Some(value) if !value.is_null() => self.node(&field.conv, value, path)?,
                        // Writers omit absent optionals; lists and maps may be left out too.
                        _ => match field.conv {
                            Conv::List(_) | Conv::Map { .. } => Node::List(Vec::new()),
                            _ => Node::Null,
                        },
                    };
                    path.truncate(mark);
                    children.push(child);
                }
                Ok(Node::Object(children))
            }
            Conv::Union(name) => {
                let shape = self.unions.get(name).ok_or_else(|| format!("no union `{name}`"))?;
                let Json::Object(members) = json else {
                    return Err(not_a(path, "an object"));
                };
                let variant = shape
                    .variants
                    .iter()
                    .find_map(|variant| members.get(&variant.json).map(|value| (variant, value)))
                    .ok_or_else(|| not_a(path, &format!("a variant of `{name}`")))?;
                let mark = path.len();
                push_path(path, &variant.0.json);
                let inner = self.node(&variant.0.conv, variant.1, path)?;
                path.truncate(mark);
                Ok(Node::Variant(variant.0.graphql.clone(), Box::new(inner)))
            }
            Conv::List(inner) => match json {
                Json::Null => Ok(Node::List(Vec::new())),
                Json::Array(items) => {
                    let mut nodes = Vec::with_capacity(items.len());
                    for (index, item) in items.iter().enumerate() {
                        let mark = path.len();
                        path.push_str(&format!("[{index}]"));
                        nodes.push(self.node(inner, item, path)?);
                        path.truncate(mark);
                    }
                    Ok(Node::List(nodes))
                }
                _ => Err(not_a(path, "an array")),
            },
            Conv::Map { key, value } => match json {
                Json::Null => Ok(Node::List(Vec::new())),
                Json::Object(members) => {
                    let mut entries = Vec::with_capacity(members.len());
                    for (name, member) in members {
                        let mark = path.len();
                        push_path(path, name);
                        let key_node = self.node(key, &key_json(key, name), path)?;
                        let value_node = self.node(value, member, path)?;
                        path.truncate(mark);
                        entries.push(Node::Object(vec![key_node, value_node]));
                    }
                    Ok(Node::List(entries))
                }
                _ => Err(not_a(path, "an object")),
            },
        }
    }

    /// Converts an argument to the JSON mapping. GraphQL has already checked its shape against
    /// the schema; what is left to reject (an empty `@oneOf`, a repeated map key) is the client's
    /// fault.
    pub fn to_json(&self, conv: &Conv, value: &GqlValue, name: &str) -> Result<Json, Error> {
        self.json(conv, value, &mut name.to_string())
            .map_err(Error::invalid_argument)
    }

    fn json(&self, conv: &Conv, value: &GqlValue, path: &mut String) -> Result<Json, String> {
        if matches!(value, GqlValue::Null) {
            return Ok(Json::Null);
        }
        match conv {
            Conv::Optional(inner) => self.json(inner, value, path),
            Conv::Done => Ok(Json::Bool(true)),
            // GraphQL clients write Int64, UInt64 and Decimal literals as numbers or strings; the
            // JSON mapping has them as strings only.
            Conv::Scalar(Scalar::I64 | Scalar::U64 | Scalar::Decimal) if matches!(value, GqlValue::Number(_)) => {
                Ok(Json::String(value.to_string()))
            }
            Conv::Scalar(_) => value.clone().into_json().map_err(|e| format!("`{path}`: {e}")),
            Conv::Enum(name) => {
                let shape = self.enums.get(name).ok_or_else(|| format!("no enum `{name}`"))?;
                let given = match value {
                    GqlValue::Enum(name) => name.as_str(),
                    GqlValue::String(text) => text.as_str(),
                    _ => return Err(must_be(path, &format!("a value of `{name}`"))),
                };
                shape
                    .to_json
                    .get(given)
                    .map(|json| Json::String(json.clone()))
                    .ok_or_else(|| must_be(path, &format!("a value of `{name}`")))
            }
            Conv::Struct(name) => {
                let shape = self.structs.get(name).ok_or_else(|| format!("no type `{name}`"))?;
                let GqlValue::Object(members) = value else {
                    return Err(must_be(path, "an object"));
                };
                let mut object = Map::new();
                for field in &shape.fields {
                    if let Some(member) = members.get(field.graphql.as_str()) {
                        let mark = path.len();
                        push_path(path, &field.json);
                        let json = self.json(&field.conv, member, path)?;
                        path.truncate(mark);
                        if !json.is_null() {
                            object.insert(field.json.clone(), json);
                        }
                    }
                }
                Ok(Json::Object(object))
            }
            Conv::Union(name) => {
                let shape = self.unions.get(name).ok_or_else(|| format!("no union `{name}`"))?;
                let GqlValue::Object(members) = value else {
                    return Err(must_be(path, "an object"));
                };
                let mut set = shape.variants.iter().filter_map(|variant| {
                    members
                        .get(variant.graphql.as_str())
                        .filter(|member| !matches!(member, GqlValue::Null))
                        .map(|member| (variant, member))
                });
                let (Some((variant, member)), None) = (set.next(), set.next()) else {
                    return Err(must_be(
                        path,
                        &format!("an object with exactly one field of `{name}` set"),
                    ));
                };
                let mark = path.len();
                push_path(path, &variant.json);
                let json = self.json(&variant.conv, member, path)?;
                path.truncate(mark);
                let mut object = Map::new();
                object.insert(variant.json.clone(), json);
                Ok(Json::Object(object))
            }
            Conv::List(inner) => {
                // GraphQL input coercion lets a single value stand for a list of one.
                let items = match value {
                    GqlValue::List(items) => items.as_slice(),
                    single => std::slice::from_ref(single),
                };
                let mut array = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let mark = path.len();
                    path.push_str(&format!("[{index}]"));
                    array.push(self.json(inner, item, path)?);
                    path.truncate(mark);
                }
                Ok(Json::Array(array))
            }
            Conv::Map { key, value: inner } => {
                let entries = match value {
                    GqlValue::List(items) => items.as_slice(),
                    single => std::slice::from_ref(single),
                };
                let mut object = Map::new();
                let mut seen = BTreeSet::new();
                for (index, entry) in entries.iter().enumerate() {
                    let mark = path.len();
                    path.push_str(&format!("[{index}]"));
                    let GqlValue::Object(members) = entry else {
                        return Err(must_be(path, "an object with `key` and `value`"));
                    };
                    let key_value = members.get("key").unwrap_or(&GqlValue::Null);
                    let key_text = match self.json(key, key_value, path)? {
                        Json::String(text) => text,
                        Json::Null => return Err(format!("`{path}.key` is required")),
                        other => other.to_string(),
                    };
                    if !seen.insert(key_text.clone()) {
                        return Err(format!("`{path}`: the key `{key_text}` appears twice"));
                    }
                    push_path(path, "value");
                    let json = self.json(inner, members.get("value").unwrap_or(&GqlValue::Null), path)?;
                    path.truncate(mark);
                    object.insert(key_text, json);
                }
                Ok(Json::Object(object))
            }
        }
    }
}

/// A map key as the JSON value of its type: JSON object keys are strings, but an integer or
/// boolean key is a number or boolean in GraphQL's entry type.
fn key_json(key: &Conv, name: &str) -> Json {
    let parsed = match key {
        Conv::Scalar(Scalar::I32 | Scalar::U32) => name.parse::<i64>().ok().map(Json::from),
        Conv::Scalar(Scalar::Bool) => name.parse::<bool>().ok().map(Json::Bool),
        _ => None,
    };
    parsed.unwrap_or_else(|| Json::String(name.to_string()))
}

fn not_a(path: &str, what: &str) -> String {
    if path.is_empty() {
        format!("the result is not {what}")
    } else {
        format!("the result's `{path}` is not {what}")
    }
}

fn must_be(path: &str, what: &str) -> String {
    if path.is_empty() {
        format!("the argument must be {what}")
    } else {
        format!("`{path}` must be {what}")
    }
}

fn push_path(path: &mut String, member: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(member);
}
