//! Values between the WSDL's XML and the JSON mapping, driven by the model's types: a request
//! wrapper's children become the JSON object the handler decodes, and a JSON result becomes the
//! elements the WSDL's schema describes (codegen `targets/wsdl`, `schema.rs`).
//!
//! The schema spells element names and enum values as JSON does, so most values pass through;
//! the differences are XSD's lexical forms: 64-bit integers are numbers (JSON: strings), floats
//! write `INF`/`-INF` (JSON: `Infinity`), durations are `xs:duration` (`PT1.5S`; JSON: `1.5s`),
//! lists are repeated elements, maps repeated `key`/`value` entries, a union one child named after
//! its variant. Element order follows declaration order, as the schema's `xs:sequence` does.

use omniface_model::{Field, Model, Scalar, TypeKind, TypeRef};
use serde_json::{Map, Number, Value};

use super::xml::{Element, escape_into, is_xml_space};
use crate::error::{Error, Violation};

/// The JSON request object of a method from its request wrapper element.
pub(crate) fn decode_params(model: &Model, params: &[&Field], wrapper: &Element) -> Result<Value, Error> {
    let mut decoder = Decoder {
        model,
        violations: Vec::new(),
    };
    let value = decoder.fields(params, wrapper, "");
    if decoder.violations.is_empty() {
        Ok(value)
    } else {
        Err(Error::validation(decoder.violations))
    }
}

struct Decoder<'m> {
    model: &'m Model,
    violations: Vec<Violation>,
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Whether the schema requires the element (`minOccurs` 1): neither optional, repeated nor
/// defaulted.
fn is_required(field: &Field) -> bool {
    !field.ty.is_optional() && field.default.is_none() && !matches!(field.ty, TypeRef::List(_) | TypeRef::Map(..))
}

impl Decoder<'_> {
    fn violation(&mut self, field: String, constraint: &str, message: String) {
        self.violations.push(Violation {
            field,
            constraint: constraint.to_string(),
            message,
        });
    }

    /// The children of a struct, error or wrapper element as a JSON object.
    fn fields(&mut self, fields: &[&Field], element: &Element, path: &str) -> Value {
        let mut groups: Vec<Vec<&Element>> = vec![Vec::new(); fields.len()];
        for child in &element.children {
            // Element names are JSON names; the declared name is accepted too, as JSON readers do.
            match fields
                .iter()
                .position(|field| *json_name(&field.name) == *child.name || field.name == child.name)
            {
                Some(index) => groups[index].push(child),
                None => {
                    let message = format!("`{}` has no element `{}`", element.name, child.name);
                    self.violation(join(path, &child.name), "type", message);
                }
            }
        }
        let mut object = Map::new();
        for (field, group) in fields.iter().zip(groups) {
            let key = json_name(&field.name).to_string();
            let field_path = join(path, &key);
            match field.ty.required() {
                TypeRef::List(item) => {
                    let items = group
                        .iter()
                        .enumerate()
                        .filter(|(_, child)| !child.is_nil())
                        .filter_map(|(index, child)| self.value(item, child, &format!("{field_path}[{index}]")))
                        .collect();
                    object.insert(key, Value::Array(items));
                }
                TypeRef::Map(key_type, value_type) => {
                    let entries = self.map(key_type, value_type, &group, &field_path);
                    object.insert(key, Value::Object(entries));
                }
                ty => match group.as_slice() {
                    [] if is_required(field) => self.violation(field_path, "required", "is required".into()),
                    [] => {}
                    [one] if one.is_nil() => {
                        if is_required(field) {
                            self.violation(field_path, "required", "is required and cannot be nil".into());
                        }
                    }
                    [one] => {
                        if let Some(value) = self.value(ty, one, &field_path) {
                            object.insert(key, value);
                        }
                    }
                    many => {
                        let message = format!("appears {} times; it holds one value", many.len());
                        self.violation(field_path, "type", message);
                    }
                },
            }
        }
        Value::Object(object)
    }

    fn map(
        &mut self,
        key_type: &TypeRef,
        value_type: &TypeRef,
        entries: &[&Element],
        path: &str,
    ) -> Map<String, Value> {
        let mut object = Map::new();
        for (index, entry) in entries.iter().enumerate() {
            let entry_path = format!("{path}[{index}]");
            let key = entry.children.iter().find(|c| c.name == "key");
            let value = entry.children.iter().find(|c| c.name == "value");
            if let Some(other) = entry.children.iter().find(|c| c.name != "key" && c.name != "value") {
                let message = format!("a map entry holds `key` and `value`, not `{}`", other.name);
                self.violation(entry_path.clone(), "type", message);
            }
            let Some(key) = key else {
                self.violation(entry_path, "required", "a map entry needs a `key`".into());
                continue;
            };
            let Some(key_value) = self.value(key_type, key, &format!("{entry_path}.key")) else {
                continue;
            };
            // JSON object keys are strings; integer and boolean keys are written as text.
            let key_text = match key_value {
                Value::String(text) => text,
                other => other.to_string(),
            };
            let value_path = format!("{path}[{key_text}]");
            match value {
                Some(value) if !value.is_nil() => {
                    if let Some(value) = self.value(value_type, value, &value_path) {
                        object.insert(key_text, value);
                    }
                }
                _ => self.violation(value_path, "required", "a map entry needs a `value`".into()),
            }
        }
        object
    }

    /// One value of type `ty` read from `element`; `None` after recording a violation.
    fn value(&mut self, ty: &TypeRef, element: &Element, path: &str) -> Option<Value> {
        match ty {
            TypeRef::Optional(inner) => self.value(inner, element, path),
            TypeRef::Scalar(scalar) => match scalar_from_xml(*scalar, &element.text) {
                Ok(value) => Some(value),
                Err(message) => {
                    self.violation(path.to_string(), "type", message);
                    None
                }
            },
            // Nested collections have no element of their own in the schema; read the children
            // as items so that nothing is silently lost.
            TypeRef::List(item) => Some(Value::Array(
                element
                    .children
                    .iter()
                    .enumerate()
                    .filter_map(|(index, child)| self.value(item, child, &format!("{path}[{index}]")))
                    .collect(),
            )),
            TypeRef::Map(key, value) => Some(Value::Object(self.map(key, value, &[element], path))),
            TypeRef::Named(qualified) => {
                let Some(def) = self.model.type_def(qualified) else {
                    self.violation(path.to_string(), "type", format!("unknown type `{qualified}`"));
                    return None;
                };
                match &def.kind {
                    TypeKind::Enum(_) => {
                        let text = element.text.trim_matches(is_xml_space);
                        // Readers of the JSON mapping accept an enum's number too.
                        Some(match text.parse::<i64>() {
                            Ok(number) => Value::from(number),
                            Err(_) => Value::String(text.to_string()),
                        })
                    }
                    TypeKind::Struct(s) => Some(self.fields(&s.fields.iter().collect::<Vec<_>>(), element, path)),
                    TypeKind::Error(e) => Some(self.fields(&e.fields.iter().collect::<Vec<_>>(), element, path)),
                    TypeKind::Union(union) => {
                        let [child] = element.children.as_slice() else {
                            let names: Vec<String> =
                                union.variants.iter().map(|v| json_name(&v.name).to_string()).collect();
                            let message = format!("holds exactly one of the elements {}", names.join(", "));
                            self.violation(path.to_string(), "type", message);
                            return None;
                        };
                        let Some(variant) = union
                            .variants
                            .iter()
                            .find(|v| *json_name(&v.name) == *child.name || v.name == child.name)
                        else {
                            let message = format!("`{}` is not a variant of `{}`", child.name, def.name);
                            self.violation(join(path, &child.name), "type", message);
                            return None;
                        };
                        let name = json_name(&variant.name).to_string();
                        let inner = self.value(&variant.ty, child, &join(path, &name))?;
                        let mut object = Map::new();
                        object.insert(name, inner);
                        Some(Value::Object(object))
                    }
                }
            }
        }
    }
}

/// A scalar's XSD lexical form as its JSON mapping value.
pub(crate) fn scalar_from_xml(scalar: Scalar, raw: &str) -> Result<Value, String> {
    // XSD collapses whitespace for every built-in type but `xs:string`.
    let text = raw.trim_matches(is_xml_space);
    let invalid = |what: &str| format!("`{text}` is not {what}");
    Ok(match scalar {
        Scalar::String => Value::String(raw.to_string()),
        Scalar::Bool => match text {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => return Err(invalid("a boolean (true, false, 1 or 0)")),
        },
        Scalar::I32 => Value::from(text.parse::<i32>().map_err(|_| invalid("a 32-bit integer"))?),
        Scalar::U32 => Value::from(text.parse::<u32>().map_err(|_| invalid("an unsigned 32-bit integer"))?),
        // 64-bit integers are decimal strings in the JSON mapping.
        Scalar::I64 => Value::String(
            text.parse::<i64>()
                .map_err(|_| invalid("a 64-bit integer"))?
                .to_string(),
        ),
        Scalar::U64 => Value::String(
            text.parse::<u64>()
                .map_err(|_| invalid("an unsigned 64-bit integer"))?
                .to_string(),
        ),
        Scalar::F32 | Scalar::F64 => match text {
            "INF" | "+INF" => Value::String("Infinity".into()),
            "-INF" => Value::String("-Infinity".into()),
            "NaN" => Value::String("NaN".into()),
            _ => {
                // Rust also reads `inf` and `nan`, which XSD does not: only digits, sign, dot, exponent.
                let lexical = !text.is_empty()
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
                let number = text
                    .parse::<f64>()
                    .ok()
                    .filter(|_| lexical)
                    .ok_or_else(|| invalid("a number"))?;
                Value::Number(Number::from_f64(number).ok_or_else(|| invalid("a finite number"))?)
            }
        },
        Scalar::Uuid => Value::String(text.to_string()),
        // base64Binary may be wrapped over lines.
        Scalar::Bytes => Value::String(text.chars().filter(|c| !is_xml_space(*c)).collect()),
        Scalar::Decimal => Value::String(decimal_from_xml(text)),
        Scalar::Timestamp => Value::String(timestamp_from_xml(text)),
        Scalar::Duration => Value::String(
            duration_from_xml(text)
                .ok_or_else(|| invalid("an xs:duration in days, hours, minutes and seconds, such as PT1.5S"))?,
        ),
    })
}

/// `+1.50` → `1.50`, `.5` → `0.5`, `2.` → `2`: the spellings xs:decimal allows and the JSON
/// mapping does not. Anything else is left for the decoder to judge.
fn decimal_from_xml(text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.strip_prefix('+').unwrap_or(text)),
    };
    let digits = digits.strip_suffix('.').unwrap_or(digits);
    if digits.starts_with('.') {
        format!("{sign}0{digits}")
    } else {
        format!("{sign}{digits}")
    }
}

/// xs:dateTime allows a missing time zone (taken as UTC here, as most SOAP stacks do) and any
/// number of fractional digits (cut to nanoseconds); the JSON mapping needs RFC 3339.
fn timestamp_from_xml(text: &str) -> String {
    let Some((head, rest)) = text.split_at_checked(19) else {
        return text.to_string();
    };
    let (fraction, zone) = match rest.strip_prefix('.') {
        Some(after) => {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            (&after[..digits.min(9)], &after[digits..])
        }
        None => ("", rest),
    };
    let zone = if zone.is_empty() { "Z" } else { zone };
    if fraction.is_empty() {
        format!("{head}{zone}")
    } else {
        format!("{head}.{fraction}{zone}")
    }
}

/// `-P1DT2H3M4.5S` → `-93784.5s`. Years and months have no fixed length in seconds, so they are
/// refused unless zero.
fn duration_from_xml(text: &str) -> Option<String> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let rest = rest.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) => {
            if time.is_empty() {
                return None;
            }
            (date, Some(time))
        }
        None => (rest, None),
    };
    if date.is_empty() && time.is_none() {
        return None;
    }
    let mut seconds: u128 = 0;
    let mut nanos: u32 = 0;
    let mut parse_part = |part: &str, units: &[(char, u128)], allow_fraction: bool| -> Option<()> {
        let mut number = String::new();
        let mut next_unit = 0;
        for c in part.chars() {
            if c.is_ascii_digit() || (allow_fraction && c == '.') {
                number.push(c);
                continue;
            }
            let position = units[next_unit..].iter().position(|(unit, _)| *unit == c)? + next_unit;
            next_unit = position + 1;
            let (unit, factor) = units[position];
            let (whole, fraction) = number.split_once('.').unwrap_or((&number, ""));
            if whole.is_empty() && fraction.is_empty() {
                return None;
            }
            let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
            if unit == 'S' && !fraction.is_empty() {
                if !fraction.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let digits = &fraction[..fraction.len().min(9)];
                nanos = digits.parse::<u32>().ok()? * 10u32.pow(9 - digits.len() as u32);
            } else if !fraction.is_empty() || number.ends_with('.') {
                return None;
            }
            if factor == 0 && whole != 0 {
                return None;
            }
            seconds = seconds.checked_add(whole.checked_mul(factor)?)?;
            number.clear();
        }
        number.is_empty().then_some(())
    };
    // Years and months (factor 0) are accepted only as zero.
    parse_part(date, &[('Y', 0), ('M', 0), ('D', 86_400)], false)?;
    if let Some(time) = time {
        parse_part(time, &[('H', 3_600), ('M', 60), ('S', 1)], true)?;
    }
    let seconds = i64::try_from(seconds).ok()?;
    let sign = if negative && (seconds != 0 || nanos != 0) {
        "-"
    } else {
        ""
    };
    Some(if nanos == 0 {
        format!("{sign}{seconds}s")
    } else {
        let fraction = format!("{nanos:09}");
        format!("{sign}{seconds}.{}s", fraction.trim_end_matches('0'))
    })
}

/// Writes JSON mapping values as the elements the WSDL's schema describes.
pub(crate) struct Encoder<'m> {
    model: &'m Model,
    out: String,
    /// The default namespace declared on the next element opened (the root).
    xmlns: Option<String>,
}

impl<'m> Encoder<'m> {
    pub fn new(model: &'m Model, namespace: &str) -> Encoder<'m> {
        Encoder {
            model,
            out: String::new(),
            xmlns: Some(namespace.to_string()),
        }
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// Opens the root element, declaring the namespace every element of the schema is in.
    pub fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        if let Some(namespace) = self.xmlns.take() {
            self.out.push_str(" xmlns=\"");
            escape_into(&mut self.out, &namespace);
            self.out.push('"');
        }
        self.out.push('>');
    }

    pub fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Every occurrence of a field or result named `name`: none when absent, one per item of a
    /// list, one entry element per member of a map.
    pub fn occurrences(&mut self, name: &str, ty: &TypeRef, value: &Value) -> Result<(), String> {
        if value.is_null() {
            return Ok(());
        }
        match ty.required() {
            TypeRef::List(item) => {
                let items = value
                    .as_array()
                    .ok_or_else(|| format!("`{name}` should be a list, got {value}"))?;
                for item_value in items {
                    self.element(name, item, item_value)?;
                }
                Ok(())
            }
            TypeRef::Map(key, item) => {
                let entries = value
                    .as_object()
                    .ok_or_else(|| format!("`{name}` should be a map, got {value}"))?;
                for (key_text, item_value) in entries {
                    self.open(name);
                    self.element("key", key, &Value::String(key_text.clone()))?;
                    self.element("value", item, item_value)?;
                    self.close(name);
                }
                Ok(())
            }
            other => self.element(name, other, value),
        }
    }

    /// One element `name` holding `value` of type `ty`.
    pub fn element(&mut self, name: &str, ty: &TypeRef, value: &Value) -> Result<(), String> {
        match ty {
            TypeRef::Optional(_) if value.is_null() => Ok(()),
            TypeRef::Optional(inner) => self.element(name, inner, value),
            TypeRef::List(_) | TypeRef::Map(..) => self.occurrences(name, ty, value),
            TypeRef::Scalar(scalar) => {
                let text = scalar_to_xml(*scalar, value)
                    .ok_or_else(|| format!("`{name}` is not a {}: {value}", scalar.name()))?;
                self.open(name);
                escape_into(&mut self.out, &text);
                self.close(name);
                Ok(())
            }
            TypeRef::Named(qualified) => {
                let model = self.model;
                let def = model
                    .type_def(qualified)
                    .ok_or_else(|| format!("unknown type `{qualified}`"))?;
                match &def.kind {
                    TypeKind::Enum(_) => {
                        let text = match value {
                            Value::String(text) => text.clone(),
                            Value::Number(number) => number.to_string(),
                            other => return Err(format!("`{name}` is not an enum value: {other}")),
                        };
                        self.open(name);
                        escape_into(&mut self.out, &text);
                        self.close(name);
                        Ok(())
                    }
                    TypeKind::Struct(s) => self.fields(name, &s.fields, value),
                    TypeKind::Error(e) => self.fields(name, &e.fields, value),
                    TypeKind::Union(union) => {
                        let object = value
                            .as_object()
                            .ok_or_else(|| format!("`{name}` should be a union object, got {value}"))?;
                        self.open(name);
                        for variant in &union.variants {
                            let member = json_name(&variant.name);
                            if let Some(inner) = object.get(&*member).or_else(|| object.get(&variant.name)) {
                                self.occurrences(&member, &variant.ty, inner)?;
                                break;
                            }
                        }
                        self.close(name);
                        Ok(())
                    }
                }
            }
        }
    }

    /// A struct or error: one element per field that has a value, in declaration order.
    fn fields(&mut self, name: &str, fields: &[Field], value: &Value) -> Result<(), String> {
        let object = value
            .as_object()
            .ok_or_else(|| format!("`{name}` should be an object, got {value}"))?;
        self.open(name);
        for field in fields {
            let member = json_name(&field.name);
            if let Some(inner) = object.get(&*member).or_else(|| object.get(&field.name)) {
                self.occurrences(&member, &field.ty, inner)?;
            }
        }
        self.close(name);
        Ok(())
    }
}

/// A scalar's JSON mapping value in its XSD lexical form.
pub(crate) fn scalar_to_xml(scalar: Scalar, value: &Value) -> Option<String> {
    match (scalar, value) {
        (Scalar::Bool, Value::Bool(b)) => Some(b.to_string()),
        (Scalar::F32, Value::Number(n)) => Some(xsd_float(f64::from(n.as_f64()? as f32))),
        (Scalar::F64, Value::Number(n)) => Some(xsd_float(n.as_f64()?)),
        (Scalar::F32 | Scalar::F64, Value::String(text)) => Some(match text.as_str() {
            "Infinity" => "INF".to_string(),
            "-Infinity" => "-INF".to_string(),
            other => other.to_string(),
        }),
        (Scalar::Duration, Value::String(text)) => duration_to_xml(text),
        (_, Value::Number(n)) => Some(n.to_string()),
        (_, Value::String(text)) => Some(text.clone()),
        (_, Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

/// Shortest round-trip form; Rust never writes an exponent here, which every XSD reader takes.
fn xsd_float(number: f64) -> String {
    if number.is_nan() {
        "NaN".into()
    } else if number.is_infinite() {
        if number > 0.0 { "INF".into() } else { "-INF".into() }
    } else {
        // Shortest digits that read back as the same f32, for f32 fields.
        let single = number as f32;
        if f64::from(single) == number {
            single.to_string()
        } else {
            number.to_string()
        }
    }
}

/// `-1.5s` → `-PT1.5S`.
fn duration_to_xml(text: &str) -> Option<String> {
    let body = text.strip_suffix('s')?;
    let (sign, digits) = match body.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", body),
    };
    Some(format!("{sign}PT{digits}S"))
}

/// `naming::json_name`, memoised per thread: SOAP converts every field of every message, and
/// the names (taken from the model only, never from input) are few.
fn json_name(name: &str) -> std::rc::Rc<str> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static NAMES: RefCell<HashMap<String, std::rc::Rc<str>>> = RefCell::new(HashMap::new());
    }
    NAMES.with(|names| {
        if let Some(known) = names.borrow().get(name) {
            return known.clone();
        }
        let computed: std::rc::Rc<str> = omniface_model::naming::json_name(name).into();
        names.borrow_mut().insert(name.to_string(), computed.clone());
        computed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_convert_both_ways() {
        assert_eq!(duration_from_xml("PT1.5S").as_deref(), Some("1.5s"));
        assert_eq!(duration_from_xml("-P1DT2H3M4.5S").as_deref(), Some("-93784.5s"));
        assert_eq!(duration_from_xml("PT0S").as_deref(), Some("0s"));
        assert_eq!(duration_from_xml("P0Y0M2D").as_deref(), Some("172800s"));
        assert_eq!(duration_from_xml("PT0.000000001S").as_deref(), Some("0.000000001s"));
        for bad in ["P1Y", "P1M", "PT", "P", "1S", "PT1.S", "PT1H2H", "PTS", "PT1.5M"] {
            assert_eq!(duration_from_xml(bad), None, "{bad}");
        }
        assert_eq!(duration_to_xml("-0.001s").as_deref(), Some("-PT0.001S"));
        assert_eq!(duration_to_xml("3s").as_deref(), Some("PT3S"));
    }

    #[test]
    fn scalars_read_xsd_spellings() {
        assert_eq!(
            scalar_from_xml(Scalar::U64, " 42 ").unwrap(),
            Value::String("42".into())
        );
        assert_eq!(scalar_from_xml(Scalar::I64, "-7").unwrap(), Value::String("-7".into()));
        assert_eq!(scalar_from_xml(Scalar::I32, "+7").unwrap(), Value::from(7));
        assert!(scalar_from_xml(Scalar::U32, "-1").is_err());
        assert_eq!(scalar_from_xml(Scalar::Bool, "1").unwrap(), Value::Bool(true));
        assert_eq!(
            scalar_from_xml(Scalar::F64, "-INF").unwrap(),
            Value::String("-Infinity".into())
        );
        assert!(scalar_from_xml(Scalar::F64, "inf").is_err());
        assert_eq!(scalar_from_xml(Scalar::F64, "1.5E2").unwrap(), serde_json::json!(150.0));
        assert_eq!(
            scalar_from_xml(Scalar::Decimal, "+.5").unwrap(),
            Value::String("0.5".into())
        );
        assert_eq!(
            scalar_from_xml(Scalar::String, " a ").unwrap(),
            Value::String(" a ".into())
        );
        assert_eq!(
            scalar_from_xml(Scalar::Timestamp, "2026-11-27T17:16:53.1234567891").unwrap(),
            Value::String("2026-11-27T17:16:53.123456789Z".into())
        );
        assert_eq!(
            scalar_from_xml(Scalar::Timestamp, "2026-11-27T17:16:53+01:00").unwrap(),
            Value::String("2026-11-27T17:16:53+01:00".into())
        );
        assert_eq!(
            scalar_from_xml(Scalar::Bytes, "aGVs\n bG8=").unwrap(),
            Value::String("aGVsbG8=".into())
        );
    }

    #[test]
    fn scalars_write_xsd_spellings() {
        assert_eq!(
            scalar_to_xml(Scalar::F32, &serde_json::json!(0.1f32)).as_deref(),
            Some("0.1")
        );
        assert_eq!(
            scalar_to_xml(Scalar::F64, &serde_json::json!(0.1)).as_deref(),
            Some("0.1")
        );
        assert_eq!(
            scalar_to_xml(Scalar::F64, &serde_json::json!("-Infinity")).as_deref(),
            Some("-INF")
        );
        assert_eq!(
            scalar_to_xml(Scalar::U64, &serde_json::json!("12")).as_deref(),
            Some("12")
        );
        assert_eq!(
            scalar_to_xml(Scalar::Duration, &serde_json::json!("1.500s")).as_deref(),
            Some("PT1.500S")
        );
    }
}
