//! How the proto target spells things: file paths, service and rpc names, type references (with
//! the imports they need) and comments. Casing itself comes from [`crate::model::naming`], so the
//! names agree with every other target.

use std::collections::BTreeSet;

use crate::model::naming::snake_case;
use crate::model::{Docs, Model, Scalar, TypeKind, TypeRef};

/// The well-known types' package, referenced for `timestamp` and `duration`.
const WELL_KNOWN_PACKAGE: &str = "google.protobuf";

/// `acme.pets.v1` → `acme/pets/v1/pets.proto`: the directory follows the package (buf's
/// PACKAGE_DIRECTORY_MATCH) and the file is named after the segment before the version.
pub fn file_path(package: &str) -> String {
    let segments: Vec<&str> = package.split('.').collect();
    let stem = match segments.as_slice() {
        [.., name, version] if is_version(version) => name,
        [.., last] => last,
        [] => "api",
    };
    format!("{}/{stem}.proto", segments.join("/"))
}

/// buf's version suffixes: `v1`, `v1beta1`, `v2alpha`, `v1test`, …
fn is_version(segment: &str) -> bool {
    let mut chars = segment.chars();
    chars.next() == Some('v') && chars.next().is_some_and(|c| c.is_ascii_digit())
}

/// Field, oneof and reserved field names: lower_snake_case (FIELD_LOWER_SNAKE_CASE).
pub fn field_name(name: &str) -> String {
    snake_case(name)
}

/// The JSON name protoc derives from a field name (drop `_`, capitalise the next character), to
/// tell when the model's JSON name needs an explicit `json_name` option.
pub fn protoc_json_name(field: &str) -> String {
    let mut out = String::new();
    let mut capitalize_next = false;
    for c in field.chars() {
        if c == '_' {
            capitalize_next = true;
        } else if capitalize_next {
            out.extend(c.to_uppercase());
            capitalize_next = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `optional`, `repeated` or nothing, written before a field's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    None,
    Optional,
    Repeated,
}

impl Label {
    pub fn prefix(self) -> &'static str {
        match self {
            Label::None => "",
            Label::Optional => "optional ",
            Label::Repeated => "repeated ",
        }
    }
}

/// Spells type references as seen from one package, remembering the files they come from.
pub struct TypeSpeller<'a> {
    model: &'a Model,
    package: &'a str,
    /// Import paths the spelled types need, sorted so the output is stable.
    pub imports: BTreeSet<String>,
}

impl<'a> TypeSpeller<'a> {
    pub fn new(model: &'a Model, package: &'a str) -> Self {
        TypeSpeller {
            model,
            package,
            imports: BTreeSet::new(),
        }
    }

    /// The label and type of a field of type `ty`. Lists are `repeated`; `T?` is `optional` for
    /// scalars and enums, while messages already have presence and stay plain.
    pub fn field_type(&mut self, ty: &TypeRef) -> (Label, String) {
        match ty {
            TypeRef::List(inner) => (Label::Repeated, self.element_type(inner)),
            TypeRef::Optional(inner) if self.is_message(inner) => (Label::None, self.element_type(inner)),
            TypeRef::Optional(inner) => (Label::Optional, self.element_type(inner)),
            other => (Label::None, self.element_type(other)),
        }
    }

    /// A type without a label: a scalar, a named type or a map. The checker rules out lists and
    /// maps inside lists, maps or `?`, so those arms only keep the output well formed.
    fn element_type(&mut self, ty: &TypeRef) -> String {
        match ty {
            TypeRef::Scalar(scalar) => self.scalar(*scalar),
            TypeRef::Named(qualified) => self.qualify(qualified),
            TypeRef::Map(key, value) => {
                format!("map<{}, {}>", self.element_type(key), self.element_type(value))
            }
            TypeRef::List(inner) | TypeRef::Optional(inner) => self.element_type(inner),
        }
    }

    fn scalar(&mut self, scalar: Scalar) -> String {
        match scalar {
            Scalar::Bool => "bool".into(),
            Scalar::I32 => "int32".into(),
            Scalar::I64 => "int64".into(),
            Scalar::U32 => "uint32".into(),
            Scalar::U64 => "uint64".into(),
            Scalar::F32 => "float".into(),
            Scalar::F64 => "double".into(),
            // uuid and decimal travel as strings, exactly as in the JSON mapping.
            Scalar::String | Scalar::Uuid | Scalar::Decimal => "string".into(),
            Scalar::Bytes => "bytes".into(),
            Scalar::Timestamp => self.well_known("Timestamp", "google/protobuf/timestamp.proto"),
            Scalar::Duration => self.well_known("Duration", "google/protobuf/duration.proto"),
        }
    }

    fn well_known(&mut self, name: &str, import: &str) -> String {
        self.imports.insert(import.into());
        self.absolute_if_shadowed(&format!("{WELL_KNOWN_PACKAGE}.{name}"))
    }

    /// A model type: its bare name inside its own package, else its full name (and an import).
    pub fn qualify(&mut self, qualified: &str) -> String {
        match qualified.rsplit_once('.') {
            Some((package, name)) if package == self.package => name.to_string(),
            Some((package, _)) => {
                self.imports.insert(file_path(package));
                self.absolute_if_shadowed(qualified)
            }
            None => qualified.to_string(),
        }
    }

    /// protoc resolves `a.b.C` by looking `a` up from the innermost scope outwards, so inside
    /// `x.a.y` the name `a.b.C` would mean `x.a.b.C`. A leading dot is only written in that case,
    /// to keep the usual spelling everywhere else.
    fn absolute_if_shadowed(&self, qualified: &str) -> String {
        let first = qualified.split('.').next().unwrap_or_default();
        let segments: Vec<&str> = self.package.split('.').collect();
        let shadowed = (1..=segments.len()).any(|len| {
            let candidate = format!("{}.{first}", segments[..len].join("."));
            self.model.type_def(&candidate).is_some()
                || self.model.packages.iter().any(|package| {
                    package.name == candidate
                        || package
                            .name
                            .strip_prefix(candidate.as_str())
                            .is_some_and(|rest| rest.starts_with('.'))
                })
        });
        if shadowed {
            format!(".{qualified}")
        } else {
            qualified.to_string()
        }
    }

    /// Whether values of `ty` are proto messages (and so have presence without `optional`).
    pub fn is_message(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Scalar(scalar) => matches!(scalar, Scalar::Timestamp | Scalar::Duration),
            TypeRef::Named(qualified) => self
                .model
                .type_def(qualified)
                .is_some_and(|def| !matches!(def.kind, TypeKind::Enum(_))),
            TypeRef::Optional(inner) => self.is_message(inner),
            TypeRef::List(_) | TypeRef::Map(..) => false,
        }
    }
}

/// `//` comment lines for an element: its docs, then generated notes (deprecation, constraints,
/// defaults) as a separate paragraph. Trailing spaces are dropped so `buf format` keeps the text.
pub fn comment(docs: &Docs, notes: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = if docs.is_empty() {
        Vec::new()
    } else {
        docs.text().lines().map(str::to_string).collect()
    };
    if !lines.is_empty() && !notes.is_empty() {
        lines.push(String::new());
    }
    lines.extend(notes.iter().flat_map(|note| note.lines().map(str::to_string)));
    lines
        .iter()
        .map(|line| {
            let line = line.trim_end();
            if line.is_empty() {
                "//".to_string()
            } else {
                format!("// {line}")
            }
        })
        .collect()
}

/// Comment lines for a generated element that has no docs of its own.
pub fn note_comment(note: &str) -> Vec<String> {
    comment(&Docs::default(), &[note.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_package() {
        assert_eq!(file_path("acme.pets.v1"), "acme/pets/v1/pets.proto");
        assert_eq!(file_path("acme.pets.v1beta1"), "acme/pets/v1beta1/pets.proto");
        assert_eq!(file_path("acme.pets"), "acme/pets/pets.proto");
        assert_eq!(file_path("acme"), "acme/acme.proto");
    }

    #[test]
    fn protoc_json_names() {
        assert_eq!(protoc_json_name("next_page_token"), "nextPageToken");
        assert_eq!(protoc_json_name("altitude_m"), "altitudeM");
    }
}
