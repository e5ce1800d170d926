//! Rust types for the model's structs, errors, enums and unions: serde in the JSON mapping
//! (docs/json-mapping.md) through `omniface::wire`, and `Validate` impls for the constraints.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::{Scope, doc_attrs, field_ident, json_key};
use crate::model::naming::{enum_value_name, snake_case, upper_camel_case};
use crate::model::{
    Constraints, Docs, Enum, ErrorDef, Field, Literal as Default, Package, Reserved, Scalar, TypeDef, TypeKind,
    TypeRef, Union, bindings,
};

pub(crate) fn scalar_type(scalar: Scalar) -> TokenStream {
    match scalar {
        Scalar::Bool => quote!(bool),
        Scalar::I32 => quote!(i32),
        Scalar::I64 => quote!(i64),
        Scalar::U32 => quote!(u32),
        Scalar::U64 => quote!(u64),
        Scalar::F32 => quote!(f32),
        Scalar::F64 => quote!(f64),
        Scalar::String => quote!(::std::string::String),
        Scalar::Bytes => quote!(::omniface::Bytes),
        Scalar::Timestamp => quote!(::omniface::Timestamp),
        Scalar::Duration => quote!(::omniface::Duration),
        Scalar::Uuid => quote!(::omniface::Uuid),
        Scalar::Decimal => quote!(::omniface::Decimal),
    }
}

pub(crate) fn for_each_named(ty: &TypeRef, visit: &mut impl FnMut(&str)) {
    match ty {
        TypeRef::Scalar(_) => {}
        TypeRef::Named(qualified) => visit(qualified),
        TypeRef::List(inner) | TypeRef::Optional(inner) => for_each_named(inner, visit),
        TypeRef::Map(key, value) => {
            for_each_named(key, visit);
            for_each_named(value, visit);
        }
    }
}

pub(crate) fn for_each_type_ref(def: &TypeDef, visit: &mut impl FnMut(&TypeRef)) {
    match &def.kind {
        TypeKind::Struct(s) => s.fields.iter().for_each(|f| visit(&f.ty)),
        TypeKind::Error(e) => e.fields.iter().for_each(|f| visit(&f.ty)),
        TypeKind::Union(u) => u.variants.iter().for_each(|v| visit(&v.ty)),
        TypeKind::Enum(_) => {}
    }
}

/// Every type of a package.
pub(crate) fn type_items(scope: &Scope, package: &Package) -> TokenStream {
    let items = package.types.iter().map(|def| {
        let ident = format_ident!("{}", upper_camel_case(&def.name));
        let qualified = format!("{}.{}", package.name, def.name);
        let container = Some(qualified.as_str());
        let docs = with_deprecation(&def.docs, def.deprecated.as_ref().map(|d| d.note.as_deref()));
        match &def.kind {
            TypeKind::Struct(s) => struct_item(
                scope,
                container,
                &ident,
                &docs,
                &s.fields,
                &s.reserved,
                Definition::WriteWithDefault,
            ),
            TypeKind::Error(e) => error_item(scope, def, &ident, &docs, e, false),
            TypeKind::Enum(e) => enum_item(&def.name, &ident, &docs, e, false),
            TypeKind::Union(u) => union_item(scope, container, &ident, &docs, u, false),
        }
    });
    quote!(#(#items)*)
}

/// The impls of one type the user wrote in Rust (`#[derive(omniface::Model)]`): everything
/// [`type_items`] writes for it except the definition itself, inside a `const _` block so the
/// helpers it needs (the serde mirror, default functions) take no names in the user's module.
pub(crate) fn existing_type_impls(scope: &Scope, def: &TypeDef) -> TokenStream {
    let ident = format_ident!("{}", upper_camel_case(&def.name));
    let qualified = format!("{}.{}", scope.package, def.name);
    let container = Some(qualified.as_str());
    let docs = Docs::default();
    let impls = match &def.kind {
        TypeKind::Struct(s) => struct_item(
            scope,
            container,
            &ident,
            &docs,
            &s.fields,
            &s.reserved,
            Definition::Existing,
        ),
        TypeKind::Error(e) => error_item(scope, def, &ident, &docs, e, true),
        TypeKind::Enum(e) => enum_item(&def.name, &ident, &docs, e, true),
        TypeKind::Union(u) => union_item(scope, container, &ident, &docs, u, true),
    };
    quote! {
        #[allow(clippy::all, non_snake_case)]
        const _: () = {
            #impls
        };
    }
}

/// serde for a type the user defined: a private mirror with the JSON mapping's attributes
/// (`#[serde(remote = "…")]`, so serde reads and writes the user's type directly, with no
/// conversion), and `Serialize`/`Deserialize` impls forwarding to it.
fn serde_mirror(ident: &Ident, mirror: TokenStream) -> TokenStream {
    let mirror_ident = format_ident!("{}Wire", ident);
    let remote = ident.to_string();
    let serde_crate = serde_crate();
    quote! {
        #[allow(dead_code)]
        #[derive(::omniface::__private::serde::Serialize, ::omniface::__private::serde::Deserialize)]
        #serde_crate
        #[serde(remote = #remote)]
        #mirror

        impl ::omniface::__private::serde::Serialize for #ident {
            fn serialize<S: ::omniface::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                #mirror_ident::serialize(self, serializer)
            }
        }

        impl<'de> ::omniface::__private::serde::Deserialize<'de> for #ident {
            fn deserialize<D: ::omniface::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                #mirror_ident::deserialize(deserializer)
            }
        }
    }
}

/// Deprecation goes in the docs, not in `#[deprecated]`: generated serde and glue code touch
/// every field, and users must not get warnings for code they did not write.
fn with_deprecation(docs: &Docs, deprecated: Option<Option<&str>>) -> Docs {
    let mut lines = docs.0.clone();
    if let Some(note) = deprecated {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(match note {
            Some(note) => format!("**Deprecated:** {note}"),
            None => "**Deprecated.**".to_string(),
        });
    }
    Docs(lines)
}

fn serde_crate() -> TokenStream {
    quote!(#[serde(crate = "::omniface::__private::serde")])
}

/// Whether a struct is written here or exists already (written by the user, `derive(Model)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Definition {
    Write,
    /// Written, deriving `Default` where every field has a natural default.
    WriteWithDefault,
    /// The user's: only its impls are written.
    Existing,
}

/// A struct with serde in the JSON mapping and a `Validate` impl. `container` is the struct's
/// qualified name when it is a model type (its self-references are boxed); `definition` says
/// whether to write the struct itself.
pub(crate) fn struct_item(
    scope: &Scope,
    container: Option<&str>,
    ident: &Ident,
    docs: &Docs,
    fields: &[Field],
    reserved: &Reserved,
    definition: Definition,
) -> TokenStream {
    let (derive_default, existing) = match definition {
        Definition::Write => (false, false),
        Definition::WriteWithDefault => (true, false),
        Definition::Existing => (false, true),
    };
    let docs = doc_attrs(docs);
    let serde_crate = serde_crate();
    let mut default_fns = Vec::new();
    let mut default_fn_names = Vec::new();
    let members = fields.iter().map(|field| {
        let name = field_ident(&field.name);
        let ty = scope.member_type(container, &field.ty);
        let key = json_key(&field.name);
        let field_docs = doc_attrs(&with_deprecation(
            &field.docs,
            field.deprecated.as_ref().map(|d| d.note.as_deref()),
        ));
        let alias = if key != field.name {
            let declared = &field.name;
            quote!(alias = #declared,)
        } else {
            quote!()
        };
        let presence = match (&field.ty, &field.default) {
            (_, Some(literal)) => {
                let function = format!("{}_default_{}", snake_case(&ident.to_string()), snake_case(&field.name));
                let function_ident = format_ident!("{}", function);
                default_fn_names.push(Some(function_ident.clone()));
                let value = default_value(scope, &field.ty, literal);
                default_fns.push(quote! {
                    fn #function_ident() -> #ty { #value }
                });
                quote!(default = #function,)
            }
            (TypeRef::Optional(_), None) => {
                default_fn_names.push(None);
                quote!(default, skip_serializing_if = "::std::option::Option::is_none",)
            }
            (TypeRef::List(_) | TypeRef::Map(..), None) => {
                default_fn_names.push(None);
                quote!(default,)
            }
            _ => {
                default_fn_names.push(None);
                quote!()
            }
        };
        quote! {
            #field_docs
            #[serde(rename = #key, #alias #presence with = "::omniface::wire")]
            pub #name: #ty,
        }
    });
    let members: Vec<TokenStream> = members.collect();
    let validate = validate_impl(scope, ident, fields);
    let message = message_impl(
        ident,
        fields,
        &bindings::field_numbers(fields, reserved),
        &default_fn_names,
    );
    let default_derive = if derive_default && fields.iter().all(|f| can_default(scope, &f.ty, &mut Vec::new())) {
        quote!(::std::default::Default,)
    } else {
        quote!()
    };
    let definition = if existing {
        let mirror_ident = format_ident!("{}Wire", ident);
        serde_mirror(ident, quote!(struct #mirror_ident { #(#members)* }))
    } else {
        quote! {
            #docs
            #[derive(Clone, Debug, PartialEq, #default_derive ::omniface::__private::serde::Serialize, ::omniface::__private::serde::Deserialize)]
            #serde_crate
            pub struct #ident {
                #(#members)*
            }
        }
    };
    quote! {
        #definition
        #(#default_fns)*
        ::omniface::impl_wire_via_serde!(#ident);
        #validate
        #message
    }
}

/// The protobuf encoding of a struct (`omniface::proto::Message`), field numbers as the proto
/// target writes them. A field left off the wire takes its IDL default, else proto3's zero, and a
/// required enum, message or union that is missing is an error naming it.
fn message_impl(ident: &Ident, fields: &[Field], numbers: &[u32], default_fns: &[Option<Ident>]) -> TokenStream {
    let names: Vec<Ident> = fields.iter().map(|f| field_ident(&f.name)).collect();
    let keys: Vec<String> = fields.iter().map(|f| json_key(&f.name)).collect();
    let tags: Vec<Literal> = numbers.iter().map(|n| Literal::u32_unsuffixed(*n)).collect();
    let finishes = names.iter().zip(&keys).zip(default_fns).map(|((name, key), default)| match default {
        Some(function) => quote!(#name: match #name { ::std::option::Option::Some(value) => value, ::std::option::Option::None => #function() },),
        None => quote!(#name: ::omniface::proto::finish(#name, #key)?,),
    });
    // With no fields, every field on the wire is unknown and skipped: `buf` is still consumed.
    let (depth, read_field) = if fields.is_empty() {
        (
            quote!(_depth),
            quote! {
                let (_, wire_type) = ::omniface::proto::decode_key(&mut buf)?;
                ::omniface::proto::skip_field(wire_type, &mut buf)?;
            },
        )
    } else {
        (
            quote!(depth),
            quote! {
                match ::omniface::proto::decode_key(&mut buf)? {
                    #((#tags, wire_type) => ::omniface::proto::merge(&mut #names, wire_type, &mut buf, depth, #keys)?,)*
                    (_, wire_type) => ::omniface::proto::skip_field(wire_type, &mut buf)?,
                }
            },
        )
    };
    let encode_buf = if fields.is_empty() { quote!(_buf) } else { quote!(buf) };
    let fields_len = if fields.is_empty() {
        quote!(0)
    } else {
        quote!(#(::omniface::proto::Field::field_len(&self.#names, #tags))+*)
    };
    quote! {
        impl ::omniface::proto::Message for #ident {
            fn encode_fields<B: ::omniface::__private::BufMut>(&self, #encode_buf: &mut B) {
                #(::omniface::proto::Field::encode_field(&self.#names, #tags, buf);)*
            }

            fn fields_len(&self) -> usize {
                #fields_len
            }

            fn decode_fields(mut buf: &[u8], #depth: u32) -> ::std::result::Result<Self, ::omniface::proto::DecodeError> {
                #(let mut #names = ::std::option::Option::None;)*
                while !buf.is_empty() {
                    #read_field
                }
                ::std::result::Result::Ok(Self { #(#finishes)* })
            }
        }
        ::omniface::impl_proto_message!(#ident);
    }
}

/// Whether `Default` can be derived: no enum or union inside (they have no natural default).
fn can_default(scope: &Scope, ty: &TypeRef, seen: &mut Vec<String>) -> bool {
    match ty {
        TypeRef::Scalar(_) | TypeRef::List(_) | TypeRef::Map(..) | TypeRef::Optional(_) => true,
        TypeRef::Named(qualified) => {
            if seen.contains(qualified) {
                return false;
            }
            seen.push(qualified.clone());
            match scope.model.type_def(qualified).map(|def| &def.kind) {
                Some(TypeKind::Struct(s)) => s
                    .fields
                    .iter()
                    .all(|f| f.default.is_none() && can_default(scope, &f.ty, seen)),
                _ => false,
            }
        }
    }
}

fn default_value(scope: &Scope, ty: &TypeRef, literal: &Default) -> TokenStream {
    match (ty.required(), literal) {
        (_, Default::Bool(value)) => quote!(#value),
        (TypeRef::Scalar(Scalar::F32 | Scalar::F64), Default::Number(number)) => {
            let value = Literal::f64_unsuffixed(number.as_f64());
            quote!(#value)
        }
        (TypeRef::Scalar(Scalar::Decimal), Default::Number(number)) => {
            let text = &number.0;
            quote!(#text.parse().expect("checked by omniface"))
        }
        (_, Default::Number(number)) => match number.as_i128() {
            Some(value) => {
                let value = Literal::i128_unsuffixed(value);
                quote!(#value)
            }
            None => {
                let value = Literal::f64_unsuffixed(number.as_f64());
                quote!(#value)
            }
        },
        (TypeRef::Scalar(Scalar::String), Default::String(text)) => quote!(::std::string::String::from(#text)),
        (_, Default::String(text)) => quote!(#text.parse().expect("checked by omniface")),
        (TypeRef::Named(qualified), Default::Enum(variant)) => {
            let path = scope.type_path(qualified);
            let variant = format_ident!("{}", upper_camel_case(variant));
            quote!(#path::#variant)
        }
        (TypeRef::List(item), Default::List(items)) => {
            let items = items.iter().map(|literal| default_value(scope, item, literal));
            quote!(vec![#(#items),*])
        }
        _ => quote!(::std::default::Default::default()),
    }
    .wrap_optional(ty)
}

trait WrapOptional {
    fn wrap_optional(self, ty: &TypeRef) -> TokenStream;
}

impl WrapOptional for TokenStream {
    fn wrap_optional(self, ty: &TypeRef) -> TokenStream {
        if ty.is_optional() {
            quote!(::std::option::Option::Some(#self))
        } else {
            self
        }
    }
}

/// Whether a value of this type can hold anything with constraints, so nested validation is
/// worth a call.
fn may_need_validation(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Scalar(_) => false,
        TypeRef::Named(_) => true,
        TypeRef::List(inner) | TypeRef::Optional(inner) => may_need_validation(inner),
        TypeRef::Map(_, value) => may_need_validation(value),
    }
}

fn validate_impl(scope: &Scope, ident: &Ident, fields: &[Field]) -> TokenStream {
    let checks: Vec<TokenStream> = fields
        .iter()
        .filter_map(|field| {
            let name = field_ident(&field.name);
            let own = constraint_checks(&field.ty, quote!(&self.#name), &field.constraints);
            let nested = if may_need_validation(&field.ty) {
                quote!(::omniface::validate::Validate::validate_at(&self.#name, path, violations);)
            } else {
                quote!()
            };
            if own.is_empty() && nested.is_empty() {
                return None;
            }
            let key = json_key(&field.name);
            Some(quote! {
                let mark = path.field(#key);
                #own
                #nested
                path.truncate(mark);
            })
        })
        .collect();
    let _ = scope;
    let (path, violations) = if checks.is_empty() {
        (quote!(_path), quote!(_violations))
    } else {
        (quote!(path), quote!(violations))
    };
    quote! {
        impl ::omniface::validate::Validate for #ident {
            fn validate_at(&self, #path: &mut ::omniface::validate::FieldPath, #violations: &mut ::omniface::validate::Violations) {
                #(#checks)*
            }
        }
    }
}

/// The checks of one field's own constraints; `value` is an expression of type `&T`.
fn constraint_checks(ty: &TypeRef, value: TokenStream, constraints: &Constraints) -> TokenStream {
    if constraints.is_empty() {
        return quote!();
    }
    match ty {
        TypeRef::Optional(inner) => {
            let inner_checks = constraint_checks(inner, quote!(value), constraints);
            quote! {
                if let ::std::option::Option::Some(value) = #value {
                    #inner_checks
                }
            }
        }
        TypeRef::List(item) | TypeRef::Map(_, item) => {
            let count = match &constraints.items {
                Some(bounds) => {
                    let (min, max) = (option_u64(bounds.min), option_u64(bounds.max));
                    quote!(::omniface::validate::check_items(#value, #min, #max, path, violations);)
                }
                None => quote!(),
            };
            let element_constraints = Constraints {
                items: None,
                ..constraints.clone()
            };
            let element_checks = constraint_checks(item, quote!(item), &element_constraints);
            let elements = if element_checks.is_empty() {
                quote!()
            } else if matches!(ty, TypeRef::List(_)) {
                quote! {
                    for (index, item) in ::std::iter::IntoIterator::into_iter(#value).enumerate() {
                        let mark = path.index(index);
                        #element_checks
                        path.truncate(mark);
                    }
                }
            } else {
                quote! {
                    for (key, item) in ::std::iter::IntoIterator::into_iter(#value) {
                        let mark = path.key(key);
                        #element_checks
                        path.truncate(mark);
                    }
                }
            };
            quote!(#count #elements)
        }
        _ => {
            let mut checks = Vec::new();
            if let Some(bounds) = &constraints.length {
                let (min, max) = (option_u64(bounds.min), option_u64(bounds.max));
                checks.push(quote!(::omniface::validate::check_length(#value, #min, #max, path, violations);));
            }
            if let Some(pattern) = &constraints.pattern {
                checks.push(quote! {{
                    static PATTERN: ::omniface::__private::LazyLock<::omniface::__private::Regex> =
                        ::omniface::__private::LazyLock::new(|| ::omniface::__private::Regex::new(#pattern).expect("checked by omniface"));
                    ::omniface::validate::check_pattern(#value, &PATTERN, path, violations);
                }});
            }
            if let Some(range) = &constraints.range {
                let min = option_str(range.min.as_ref().map(|n| n.0.as_str()));
                let max = option_str(range.max.as_ref().map(|n| n.0.as_str()));
                let exclusive = range.max_exclusive;
                checks
                    .push(quote!(::omniface::validate::check_range(#value, #min, #max, #exclusive, path, violations);));
            }
            quote!(#(#checks)*)
        }
    }
}

fn option_u64(value: Option<u64>) -> TokenStream {
    match value {
        Some(value) => quote!(::std::option::Option::Some(#value)),
        None => quote!(::std::option::Option::None),
    }
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote!(::std::option::Option::Some(#value)),
        None => quote!(::std::option::Option::None),
    }
}

/// An error: a struct like any other, plus its conversion into `omniface::Error` with the mapped
/// HTTP status and gRPC code.
fn error_item(
    scope: &Scope,
    def: &TypeDef,
    ident: &Ident,
    docs: &Docs,
    error: &ErrorDef,
    existing: bool,
) -> TokenStream {
    let qualified = format!("{}.{}", scope.package, def.name);
    let structure = struct_item(
        scope,
        Some(&qualified),
        ident,
        docs,
        &error.fields,
        &error.reserved,
        if existing {
            Definition::Existing
        } else {
            Definition::WriteWithDefault
        },
    );
    let name = &def.name;
    let status = bindings::error_http_status(error);
    let grpc = bindings::error_grpc_code(error).number();
    let message = {
        let text = def.docs.text();
        let first = text.lines().next().unwrap_or("").trim().to_string();
        if first.is_empty() { def.name.clone() } else { first }
    };
    quote! {
        #structure

        impl ::std::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(#message)
            }
        }

        impl ::std::error::Error for #ident {}

        impl ::std::convert::From<#ident> for ::omniface::Error {
            fn from(error: #ident) -> Self {
                let fields = match ::omniface::__private::serde_json::to_value(&error) {
                    Ok(::omniface::__private::serde_json::Value::Object(fields)) => fields,
                    _ => ::std::default::Default::default(),
                };
                ::omniface::Error::declared(
                    ::omniface::error::DeclaredError {
                        qualified_name: #qualified,
                        name: #name,
                        http_status: #status,
                        grpc_code: #grpc,
                        fields,
                        protobuf: ::omniface::proto::Message::encode_to_vec(&error),
                    },
                    #message,
                )
            }
        }
    }
}

/// An enum: written as its proto value name (`SPECIES_DOG`), read from the name or the number.
fn enum_item(name: &str, ident: &Ident, docs: &Docs, enumeration: &Enum, existing: bool) -> TokenStream {
    let docs = doc_attrs(docs);
    let numbers = bindings::enum_values(enumeration);
    let variants: Vec<Ident> = enumeration
        .variants
        .iter()
        .map(|v| format_ident!("{}", upper_camel_case(&v.name)))
        .collect();
    let wire_names: Vec<String> = enumeration
        .variants
        .iter()
        .map(|v| enum_value_name(name, &v.name))
        .collect();
    let numbers: Vec<Literal> = numbers.iter().map(|n| Literal::i64_unsuffixed(*n)).collect();
    let variant_docs = enumeration.variants.iter().map(|v| {
        doc_attrs(&with_deprecation(
            &v.docs,
            v.deprecated.as_ref().map(|d| d.note.as_deref()),
        ))
    });
    let definition = if existing {
        quote!()
    } else {
        quote! {
            #docs
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum #ident {
                #(#variant_docs #variants,)*
            }
        }
    };
    quote! {
        #definition

        impl #ident {
            /// Every value, in declaration order.
            pub const ALL: &'static [#ident] = &[#(#ident::#variants),*];

            /// The name on the wire: `SPECIES_DOG`.
            pub fn wire_name(self) -> &'static str {
                match self {
                    #(#ident::#variants => #wire_names,)*
                }
            }

            /// The number on the wire (protobuf).
            pub fn number(self) -> i64 {
                match self {
                    #(#ident::#variants => #numbers,)*
                }
            }

            pub fn from_wire_name(name: &str) -> ::std::option::Option<#ident> {
                match name {
                    #(#wire_names => ::std::option::Option::Some(#ident::#variants),)*
                    _ => ::std::option::Option::None,
                }
            }

            pub fn from_number(number: i64) -> ::std::option::Option<#ident> {
                match number {
                    #(#numbers => ::std::option::Option::Some(#ident::#variants),)*
                    _ => ::std::option::Option::None,
                }
            }
        }

        impl ::omniface::__private::serde::Serialize for #ident {
            fn serialize<S: ::omniface::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.wire_name())
            }
        }

        impl<'de> ::omniface::__private::serde::Deserialize<'de> for #ident {
            fn deserialize<D: ::omniface::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                ::omniface::wire::deserialize_enum(deserializer, &[#(#wire_names),*], #ident::from_wire_name, #ident::from_number)
            }
        }

        ::omniface::impl_wire_via_serde!(#ident);

        impl ::omniface::validate::Validate for #ident {
            fn validate_at(&self, _path: &mut ::omniface::validate::FieldPath, _violations: &mut ::omniface::validate::Violations) {}
        }

        impl ::omniface::proto::Enum for #ident {
            fn number(&self) -> i32 {
                #ident::number(*self) as i32
            }

            fn from_number(number: i32) -> ::std::option::Option<Self> {
                #ident::from_number(i64::from(number))
            }
        }
        ::omniface::impl_proto_enum!(#ident);
    }
}

/// A union: externally tagged, `{"added": {...}}`, as proto3 writes a `oneof`.
fn union_item(
    scope: &Scope,
    container: Option<&str>,
    ident: &Ident,
    docs: &Docs,
    union: &Union,
    existing: bool,
) -> TokenStream {
    let docs = doc_attrs(docs);
    let serde_crate = serde_crate();
    let variants: Vec<(Ident, String, TokenStream, TokenStream)> = union
        .variants
        .iter()
        .map(|variant| {
            (
                format_ident!("{}", upper_camel_case(&variant.name)),
                json_key(&variant.name),
                scope.member_type(container, &variant.ty),
                doc_attrs(&with_deprecation(
                    &variant.docs,
                    variant.deprecated.as_ref().map(|d| d.note.as_deref()),
                )),
            )
        })
        .collect();
    let members = variants.iter().map(|(variant, key, ty, docs)| {
        quote! {
            #docs
            #[serde(rename = #key, with = "::omniface::wire")]
            #variant(#ty),
        }
    });
    let tags: Vec<Literal> = bindings::union_numbers(union)
        .into_iter()
        .map(Literal::u32_unsuffixed)
        .collect();
    let variant_idents: Vec<&Ident> = variants.iter().map(|(variant, ..)| variant).collect();
    let variant_keys: Vec<&String> = variants.iter().map(|(_, key, ..)| key).collect();
    let arms = variants.iter().map(|(variant, key, _, _)| {
        quote! {
            #ident::#variant(value) => {
                let mark = path.field(#key);
                ::omniface::validate::Validate::validate_at(value, path, violations);
                path.truncate(mark);
            }
        }
    });
    let definition = if existing {
        let mirror_ident = format_ident!("{}Wire", ident);
        serde_mirror(ident, quote!(enum #mirror_ident { #(#members)* }))
    } else {
        quote! {
            #docs
            #[derive(Clone, Debug, PartialEq, ::omniface::__private::serde::Serialize, ::omniface::__private::serde::Deserialize)]
            #serde_crate
            pub enum #ident {
                #(#members)*
            }
        }
    };
    quote! {
        #definition
        ::omniface::impl_wire_via_serde!(#ident);
        impl ::omniface::validate::Validate for #ident {
            fn validate_at(&self, path: &mut ::omniface::validate::FieldPath, violations: &mut ::omniface::validate::Violations) {
                match self {
                    #(#arms)*
                }
            }
        }
        impl ::omniface::proto::Message for #ident {
            fn encode_fields<B: ::omniface::__private::BufMut>(&self, buf: &mut B) {
                match self {
                    #(#ident::#variant_idents(value) => ::omniface::proto::encode_value_field(value, #tags, buf),)*
                }
            }

            fn fields_len(&self) -> usize {
                match self {
                    #(#ident::#variant_idents(value) => ::omniface::proto::value_field_len(value, #tags),)*
                }
            }

            fn decode_fields(mut buf: &[u8], depth: u32) -> ::std::result::Result<Self, ::omniface::proto::DecodeError> {
                // As in a oneof, the last member on the wire wins.
                let mut chosen = ::std::option::Option::None;
                while !buf.is_empty() {
                    match ::omniface::proto::decode_key(&mut buf)? {
                        #((#tags, wire_type) => {
                            let mut slot = ::std::option::Option::None;
                            ::omniface::proto::merge(&mut slot, wire_type, &mut buf, depth, #variant_keys)?;
                            chosen = slot.map(#ident::#variant_idents);
                        })*
                        (_, wire_type) => ::omniface::proto::skip_field(wire_type, &mut buf)?,
                    }
                }
                chosen.ok_or_else(::omniface::proto::DecodeError::required)
            }
        }
        ::omniface::impl_proto_message!(#ident);
    }
}
