//! The inline XML Schema of one service's WSDL: every type its SOAP operations reach (from any
//! package, so the file stands alone), the generated map entry types, and the views the templates
//! print. Values are spelled as in JSON where XML leaves a choice (element names, enum strings).

use std::collections::{BTreeMap, BTreeSet};

use super::names::{self, Names};
use super::pattern::xsd_pattern;
use crate::model::naming::{enum_value_name, json_name};
use crate::model::*;

/// Hyphenated UUIDs in either case (RFC 9562 reads both; omniface writes lowercase).
const UUID_PATTERN: &str = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/// A named `xs:simpleType` (enum) or `xs:complexType` (struct, error, union, map entry).
pub struct TypeView {
    pub name: String,
    pub docs: Option<String>,
    pub body: TypeBody,
}

pub enum TypeBody {
    Enumeration(Vec<EnumValueView>),
    Sequence(Vec<ElementView>),
    Choice(Vec<ElementView>),
}

pub struct EnumValueView {
    pub value: String,
    pub docs: Option<String>,
}

/// One local `xs:element`, typed either by name or by an anonymous restriction.
pub struct ElementView {
    pub name: String,
    pub type_name: Option<String>,
    pub restriction: Option<RestrictionView>,
    pub min_occurs: Option<String>,
    pub max_occurs: Option<String>,
    pub docs: Option<String>,
}

impl ElementView {
    pub fn has_children(&self) -> bool {
        self.docs.is_some() || self.restriction.is_some()
    }
}

pub struct RestrictionView {
    pub base: &'static str,
    pub facets: Vec<FacetView>,
}

pub struct FacetView {
    pub name: &'static str,
    pub value: String,
}

/// A global element: a wrapper holding an anonymous sequence, or a fault detail of a named type.
pub struct GlobalElementView {
    pub name: String,
    pub docs: Option<String>,
    pub type_name: Option<String>,
    pub children: Vec<ElementView>,
}

/// How one value is typed: by a named type, or by an anonymous restriction of a built-in one.
struct Typing {
    type_name: Option<String>,
    restriction: Option<RestrictionView>,
}

impl Typing {
    fn named(name: String) -> Typing {
        Typing {
            type_name: Some(name),
            restriction: None,
        }
    }
}

/// Collects the schema of one service. Types are named once, up front, so references can be
/// written before the referenced type is built.
pub struct SchemaBuilder<'m> {
    model: &'m Model,
    /// XSD name of every reachable type, by qualified name.
    type_names: BTreeMap<String, String>,
    /// Qualified names in output order: the service's package first, then the others in model order.
    order: Vec<String>,
    names: Names,
    types: Vec<TypeView>,
}

impl<'m> SchemaBuilder<'m> {
    /// Names every type reachable from `roots` (parameters, results and thrown errors).
    pub fn new<'r>(model: &'m Model, package: &Package, roots: impl IntoIterator<Item = &'r TypeRef>) -> Self {
        let reachable = reachable_types(model, roots);
        let packages = std::iter::once(package).chain(model.packages.iter().filter(|p| p.name != package.name));
        let mut order = Vec::new();
        let mut type_names = BTreeMap::new();
        let mut names = Names::default();
        for pkg in packages {
            for def in &pkg.types {
                let qualified = format!("{}.{}", pkg.name, def.name);
                if !reachable.contains(&qualified) {
                    continue;
                }
                // Types of the service's own package come first, so they keep their names.
                let wanted = if names.is_free(&def.name) {
                    def.name.clone()
                } else {
                    names::package_qualified_type_name(&pkg.name, &def.name)
                };
                type_names.insert(qualified.clone(), names.claim(wanted));
                order.push(qualified);
            }
        }
        SchemaBuilder {
            model,
            type_names,
            order,
            names,
            types: Vec::new(),
        }
    }

    /// Builds the named types, each followed by the entry types of its maps.
    pub fn build_types(&mut self) {
        for qualified in self.order.clone() {
            let Some(def) = self.model.type_def(&qualified) else {
                continue;
            };
            let name = self.xsd_name(&qualified);
            let docs = documentation(&def.docs, def.deprecated.as_ref(), Vec::new());
            let mut entries = Vec::new();
            let body = match &def.kind {
                TypeKind::Enum(enumeration) => TypeBody::Enumeration(
                    enumeration
                        .variants
                        .iter()
                        .map(|variant| EnumValueView {
                            value: enum_value_name(&def.name, &variant.name),
                            docs: documentation(&variant.docs, variant.deprecated.as_ref(), Vec::new()),
                        })
                        .collect(),
                ),
                TypeKind::Struct(Struct { fields, .. }) | TypeKind::Error(ErrorDef { fields, .. }) => {
                    TypeBody::Sequence(self.fields(&name, fields, &mut entries))
                }
                TypeKind::Union(union) => TypeBody::Choice(
                    union
                        .variants
                        .iter()
                        .map(|variant| {
                            let typing = self.typing(&name, &variant.name, &variant.ty, &mut entries);
                            ElementView {
                                name: json_name(&variant.name),
                                type_name: typing.type_name,
                                restriction: typing.restriction,
                                min_occurs: None,
                                max_occurs: None,
                                docs: documentation(&variant.docs, variant.deprecated.as_ref(), Vec::new()),
                            }
                        })
                        .collect(),
                ),
            };
            self.types.push(TypeView { name, docs, body });
            self.types.append(&mut entries);
        }
    }

    /// The elements of a struct, an error or a wrapper: one per field or parameter, in order.
    pub fn fields<'f>(
        &mut self,
        owner: &str,
        fields: impl IntoIterator<Item = &'f Field>,
        entries: &mut Vec<TypeView>,
    ) -> Vec<ElementView> {
        fields
            .into_iter()
            .map(|field| {
                let mut notes = Vec::new();
                if let Some(default) = &field.default {
                    notes.extend(self.default_note(&field.ty, default));
                }
                let mut element = self.element(owner, &field.name, &field.ty, &field.constraints, entries, &mut notes);
                if field.default.is_some() {
                    element.min_occurs = Some("0".into());
                }
                element.docs = documentation(&field.docs, field.deprecated.as_ref(), notes);
                element
            })
            .collect()
    }

    /// The element carrying a method's result, named by [`names::result_element_name`].
    pub fn result(&mut self, owner: &str, returns: &TypeRef, entries: &mut Vec<TypeView>) -> ElementView {
        let name = names::result_element_name(returns);
        let mut notes = Vec::new();
        let mut element = self.element(owner, &name, returns, &Constraints::default(), entries, &mut notes);
        element.docs = documentation(&Docs::default(), None, notes);
        element
    }

    /// A local element: optional values may be absent, lists and maps repeat (within `#[items]`),
    /// other constraints become facets of an anonymous restriction.
    fn element(
        &mut self,
        owner: &str,
        name: &str,
        ty: &TypeRef,
        constraints: &Constraints,
        entries: &mut Vec<TypeView>,
        notes: &mut Vec<String>,
    ) -> ElementView {
        let (min_occurs, max_occurs, typing) = match ty {
            TypeRef::List(_) | TypeRef::Map(..) => {
                let bounds = constraints.items;
                let min = bounds.and_then(|b| b.min).unwrap_or(0);
                let max = bounds
                    .and_then(|b| b.max)
                    .map_or_else(|| "unbounded".to_string(), |max| max.to_string());
                let typing = self.typing(owner, name, ty, entries);
                // minOccurs defaults to 1; spelling it out would only add noise.
                ((min != 1).then(|| min.to_string()), Some(max), typing)
            }
            // An optional value is one value that may be absent (`minOccurs="0"` below).
            other => (
                None,
                None,
                self.constrained(owner, name, other.required(), constraints, entries, notes),
            ),
        };
        ElementView {
            name: json_name(name),
            type_name: typing.type_name,
            restriction: typing.restriction,
            min_occurs: if ty.is_optional() { Some("0".into()) } else { min_occurs },
            max_occurs,
            docs: None,
        }
    }

    /// A single value with its field's constraints applied.
    fn constrained(
        &mut self,
        owner: &str,
        name: &str,
        ty: &TypeRef,
        constraints: &Constraints,
        entries: &mut Vec<TypeView>,
        notes: &mut Vec<String>,
    ) -> Typing {
        match ty {
            TypeRef::Scalar(scalar) => scalar_typing(*scalar, constraints, notes),
            other => self.typing(owner, name, other, entries),
        }
    }

    /// The type of one value, or of one item of a list or map.
    fn typing(&mut self, owner: &str, name: &str, ty: &TypeRef, entries: &mut Vec<TypeView>) -> Typing {
        match ty {
            TypeRef::Scalar(scalar) => scalar_typing(*scalar, &Constraints::default(), &mut Vec::new()),
            TypeRef::Named(qualified) => Typing::named(format!("tns:{}", self.xsd_name(qualified))),
            TypeRef::Optional(inner) | TypeRef::List(inner) => self.typing(owner, name, inner, entries),
            TypeRef::Map(key, value) => {
                let entry_name = self.names.claim(names::map_entry_type_name(owner, name));
                let key = ElementView {
                    name: "key".into(),
                    ..self.plain_element(owner, name, key, entries)
                };
                let value = ElementView {
                    name: "value".into(),
                    ..self.plain_element(owner, name, value, entries)
                };
                entries.push(TypeView {
                    name: entry_name.clone(),
                    docs: Some(format!("One entry of the `{}` map.", json_name(name))),
                    body: TypeBody::Sequence(vec![key, value]),
                });
                Typing::named(format!("tns:{entry_name}"))
            }
        }
    }

    fn plain_element(&mut self, owner: &str, name: &str, ty: &TypeRef, entries: &mut Vec<TypeView>) -> ElementView {
        let typing = self.typing(owner, name, ty, entries);
        ElementView {
            name: String::new(),
            type_name: typing.type_name,
            restriction: typing.restriction,
            min_occurs: None,
            max_occurs: None,
            docs: None,
        }
    }

    /// XML has no "absent means default" rule, so the default is stated for readers.
    fn default_note(&self, ty: &TypeRef, default: &Literal) -> Option<String> {
        let text = match default {
            Literal::Bool(value) => value.to_string(),
            Literal::Number(number) => number.0.clone(),
            Literal::String(text) => format!("\"{text}\""),
            Literal::Enum(variant) => match ty.required() {
                TypeRef::Named(qualified) => enum_value_name(names::simple_name(qualified), variant),
                _ => variant.clone(),
            },
            // Lists are repeated elements: leaving them out already means empty.
            Literal::List(_) => return None,
        };
        Some(format!("Default when absent: {text}."))
    }

    /// The name the schema gives a declared type.
    pub fn xsd_name(&self, qualified: &str) -> String {
        self.type_names
            .get(qualified)
            .cloned()
            .unwrap_or_else(|| names::simple_name(qualified).to_string())
    }

    /// The named types built so far, in output order.
    pub fn finish(self) -> Vec<TypeView> {
        self.types
    }
}

/// Qualified names of every type the roots use, directly or through fields and variants.
fn reachable_types<'r>(model: &Model, roots: impl IntoIterator<Item = &'r TypeRef>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut pending: Vec<TypeRef> = roots.into_iter().cloned().collect();
    while let Some(ty) = pending.pop() {
        match ty {
            TypeRef::Scalar(_) => {}
            TypeRef::Optional(inner) | TypeRef::List(inner) => pending.push(*inner),
            TypeRef::Map(key, value) => {
                pending.push(*key);
                pending.push(*value);
            }
            TypeRef::Named(qualified) => {
                if !seen.insert(qualified.clone()) {
                    continue;
                }
                let Some(def) = model.type_def(&qualified) else {
                    continue;
                };
                match &def.kind {
                    TypeKind::Struct(Struct { fields, .. }) | TypeKind::Error(ErrorDef { fields, .. }) => {
                        pending.extend(fields.iter().map(|field| field.ty.clone()));
                    }
                    TypeKind::Union(union) => pending.extend(union.variants.iter().map(|v| v.ty.clone())),
                    TypeKind::Enum(_) => {}
                }
            }
        }
    }
    seen
}

fn xsd_builtin(scalar: Scalar) -> &'static str {
    match scalar {
        Scalar::Bool => "xs:boolean",
        Scalar::I32 => "xs:int",
        Scalar::I64 => "xs:long",
        Scalar::U32 => "xs:unsignedInt",
        Scalar::U64 => "xs:unsignedLong",
        Scalar::F32 => "xs:float",
        Scalar::F64 => "xs:double",
        Scalar::String | Scalar::Uuid => "xs:string",
        Scalar::Bytes => "xs:base64Binary",
        Scalar::Timestamp => "xs:dateTime",
        Scalar::Duration => "xs:duration",
        Scalar::Decimal => "xs:decimal",
    }
}

/// A scalar with its constraints as facets. Constraints XSD cannot state exactly are described in
/// `notes` instead, so no client rejects a value the server accepts.
fn scalar_typing(scalar: Scalar, constraints: &Constraints, notes: &mut Vec<String>) -> Typing {
    let base = xsd_builtin(scalar);
    let mut facets = Vec::new();
    if scalar == Scalar::Uuid {
        facets.push(FacetView {
            name: "pattern",
            value: UUID_PATTERN.into(),
        });
    }
    // XSD measures strings in characters and base64Binary in octets, as the IDL does.
    if let (Some(length), Scalar::String | Scalar::Bytes) = (constraints.length, scalar) {
        if let Some(min) = length.min.filter(|min| *min > 0) {
            facets.push(FacetView {
                name: "minLength",
                value: min.to_string(),
            });
        }
        if let Some(max) = length.max {
            facets.push(FacetView {
                name: "maxLength",
                value: max.to_string(),
            });
        }
    }
    if let Some(pattern) = &constraints.pattern {
        match xsd_pattern(pattern) {
            Some(value) => facets.push(FacetView { name: "pattern", value }),
            None => notes.push(format!(
                "Must match the regular expression `{pattern}` (checked by the server)."
            )),
        }
    }
    if let Some(range) = &constraints.range {
        let max = match range.max_exclusive {
            true => ("maxExclusive", "Less than"),
            false => ("maxInclusive", "At most"),
        };
        let bounds = [
            (range.min.as_ref(), ("minInclusive", "At least")),
            (range.max.as_ref(), max),
        ];
        for (bound, (facet, words)) in bounds {
            let Some(number) = bound else {
                continue;
            };
            match facet_number(scalar, &number.0) {
                Some(value) => facets.push(FacetView { name: facet, value }),
                None => notes.push(format!("{words} {} (checked by the server).", number.0)),
            }
        }
    }
    if facets.is_empty() {
        return Typing::named(base.into());
    }
    Typing {
        type_name: None,
        restriction: Some(RestrictionView { base, facets }),
    }
}

/// A range bound in the lexical form of the scalar's XSD type: IDL numbers may carry an exponent,
/// which xs:decimal and the integer types do not accept.
fn facet_number(scalar: Scalar, raw: &str) -> Option<String> {
    if scalar.is_float() {
        return Some(raw.to_string());
    }
    let plain = plain_decimal(raw)?;
    if scalar.is_integer() && plain.contains('.') {
        return None;
    }
    Some(plain)
}

/// `-1.5e3` → `-1500`, `25e-1` → `2.5`: a number without exponent or needless zeros.
fn plain_decimal(raw: &str) -> Option<String> {
    let (negative, unsigned) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i64>().ok()?),
        None => (unsigned, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |text: &str| text.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) || exponent.abs() > 4096 {
        return None;
    }
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + exponent;
    let (whole, fraction) = if point <= 0 {
        (
            String::new(),
            format!("{}{digits}", "0".repeat(point.unsigned_abs() as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        (whole.to_string(), fraction.to_string())
    };
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    let mut out = String::new();
    if negative && !(whole.is_empty() && fraction.is_empty()) {
        out.push('-');
    }
    out.push_str(if whole.is_empty() { "0" } else { whole });
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    Some(out)
}

/// Documentation text: the doc comment, then notes, then the deprecation, as paragraphs.
pub fn documentation(docs: &Docs, deprecated: Option<&Deprecation>, notes: Vec<String>) -> Option<String> {
    let mut paragraphs = Vec::new();
    if !docs.is_empty() {
        paragraphs.push(docs.text());
    }
    paragraphs.extend(notes);
    if let Some(deprecation) = deprecated {
        paragraphs.push(match &deprecation.note {
            Some(note) => format!("Deprecated: {note}"),
            None => "Deprecated.".to_string(),
        });
    }
    (!paragraphs.is_empty()).then(|| paragraphs.join("\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lose_their_exponent() {
        assert_eq!(plain_decimal("-1.5e3").as_deref(), Some("-1500"));
        assert_eq!(plain_decimal("25e-1").as_deref(), Some("2.5"));
        assert_eq!(plain_decimal("0.001E-2").as_deref(), Some("0.00001"));
        assert_eq!(plain_decimal("-999999999").as_deref(), Some("-999999999"));
        assert_eq!(plain_decimal("-0.0").as_deref(), Some("0"));
        assert_eq!(plain_decimal("1.x"), None);
        assert_eq!(facet_number(Scalar::I32, "1.5"), None);
        assert_eq!(facet_number(Scalar::I32, "1e2").as_deref(), Some("100"));
        assert_eq!(facet_number(Scalar::F64, "-90.0").as_deref(), Some("-90.0"));
    }
}
