//! The checker's rules, one `check_*` function each, every one stating its rule in a line. They
//! run over the resolved model and only push diagnostics (except `fill_defaults`, which records
//! the pagination items field it inferred).

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::bindings::{self, MAX_FIELD_NUMBER, PROTOBUF_RESERVED, ParamLocation};
use crate::model::naming::{lower_camel_case, screaming_snake_case, snake_case, upper_camel_case};
use crate::model::*;
use crate::source::Span;

pub fn check_model(model: &mut Model, errors: &mut Vec<Diagnostic>) {
    check_all(model, errors);
    fill_pagination_items(model);
}

fn check_all(model: &Model, errors: &mut Vec<Diagnostic>) {
    check_unique_type_names(model, errors);
    check_recursion(model, errors);
    for package in &model.packages {
        for ty in &package.types {
            check_reserved_words(&ty.name, ty.span, errors);
            check_type_name_is_not_scalar(&ty.name, ty.span, errors);
            match &ty.kind {
                TypeKind::Struct(s) => check_fields(model, &s.fields.iter().collect::<Vec<_>>(), &s.reserved, errors),
                TypeKind::Error(e) => check_fields(model, &e.fields.iter().collect::<Vec<_>>(), &e.reserved, errors),
                TypeKind::Enum(e) => check_enum(e, errors),
                TypeKind::Union(u) => check_union(model, u, errors),
            }
        }
        for service in &package.services {
            check_service(model, package, service, errors);
        }
    }
    check_unique_routes(model, errors);
}

fn duplicate(kind: &str, name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::error(Code::E0020, span, format!("{kind} `{name}` is defined twice"))
        .label("defined again here")
        .secondary(first, "first defined here")
        .help("rename one of them")
}

/// Rule: names that differ only in case style collide in targets that convert them.
fn collision(
    kind: &str,
    name: &str,
    other: &str,
    converted: &str,
    target: &str,
    span: Span,
    first: Span,
) -> Diagnostic {
    Diagnostic::error(
        Code::E0021,
        span,
        format!("{kind} `{name}` and `{other}` both become `{converted}` in {target}"),
    )
    .label("collides after case conversion")
    .secondary(first, format!("`{other}` is here"))
    .help("rename one of them so they differ in more than case or underscores")
}

/// Rule: type and service names are unique within a package, also after conversion to UpperCamel.
fn check_unique_type_names(model: &Model, errors: &mut Vec<Diagnostic>) {
    for package in &model.packages {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        // Names can only meet after conversion when they agree ignoring case and separators, so
        // the conversion is computed only for such names.
        let mut loose: HashMap<String, Vec<(&str, Span)>> = HashMap::new();
        let names = package
            .types
            .iter()
            .map(|t| (t.name.as_str(), t.span, "type"))
            .chain(package.services.iter().map(|s| (s.name.as_str(), s.span, "service")));
        for (name, span, kind) in names {
            if let Some(first) = seen.get(name) {
                errors.push(duplicate(kind, name, span, *first));
                continue;
            }
            seen.insert(name, span);
            let key: String = name
                .chars()
                .filter(|c| *c != '_')
                .flat_map(char::to_lowercase)
                .collect();
            let similar = loose.entry(key).or_default();
            if !similar.is_empty() {
                let camel = upper_camel_case(name);
                if let Some((other, first)) = similar.iter().find(|(other, _)| upper_camel_case(other) == camel) {
                    errors.push(collision(
                        kind,
                        name,
                        other,
                        &camel,
                        "proto, GraphQL and Rust",
                        span,
                        *first,
                    ));
                    continue;
                }
            }
            similar.push((name, span));
        }
        check_proto_service_names(package, errors);
    }
}

/// Rule: proto calls service `PetStore` `PetStoreService`, so no type of the package may be
/// called that.
fn check_proto_service_names(package: &Package, errors: &mut Vec<Diagnostic>) {
    for service in &package.services {
        let proto_name = upper_camel_case(&service.name);
        if proto_name.ends_with("Service") {
            continue;
        }
        let proto_name = format!("{proto_name}Service");
        if let Some(ty) = package.types.iter().find(|ty| upper_camel_case(&ty.name) == proto_name) {
            errors.push(
                Diagnostic::error(
                    Code::E0021,
                    ty.span,
                    format!(
                        "type `{}` and service `{}` both become `{proto_name}` in proto",
                        ty.name, service.name
                    ),
                )
                .label("collides with the service's proto name")
                .secondary(service.span, "the service")
                .help(format!("rename the type, or name the service `{proto_name}` itself")),
            );
        }
    }
}

/// Rule: names that no target can spell (Rust's `self`, `Self`, `super`, `crate`; GraphQL's `__x`).
fn check_reserved_words(name: &str, span: Span, errors: &mut Vec<Diagnostic>) {
    if matches!(name, "self" | "Self" | "super" | "crate") || name.starts_with("__") {
        errors.push(
            Diagnostic::error(Code::E0025, span, format!("`{name}` cannot be used as a name"))
                .label("reserved in a target language")
                .help("`self`, `Self`, `super` and `crate` cannot be escaped in Rust, and GraphQL reserves names starting with `__`"),
        );
    }
}

/// Rule: a type is not named like a scalar (`string`, `uuid`, …), since the name means the scalar.
fn check_type_name_is_not_scalar(name: &str, span: Span, errors: &mut Vec<Diagnostic>) {
    if Scalar::from_name(name).is_some() {
        errors.push(
            Diagnostic::error(Code::E0025, span, format!("`{name}` is the name of a scalar type"))
                .label("this type could never be referred to")
                .help(format!(
                    "use another name, e.g. `{}`",
                    upper_camel_case(&format!("{name}_value"))
                )),
        );
    }
}

/// Rule: a type must not contain itself through required fields only; it needs a `?`, a list or
/// a map somewhere in the loop (no wire format can hold an infinite value). A union is finite when
/// one of its variants is.
fn check_recursion(model: &Model, errors: &mut Vec<Diagnostic>) {
    // Types are numbered so that the check is linear in the size of the model.
    let types: Vec<&TypeDef> = model.packages.iter().flat_map(|p| p.types.iter()).collect();
    let mut index: HashMap<String, usize> = HashMap::with_capacity(types.len());
    let mut position = 0;
    for package in &model.packages {
        for ty in &package.types {
            index.entry(format!("{}.{}", package.name, ty.name)).or_insert(position);
            position += 1;
        }
    }
    // Required edges: type -> the named types it needs a value of (names that do not resolve are
    // reported by the resolver and ignored here).
    let mut needs: Vec<Vec<usize>> = Vec::with_capacity(types.len());
    let mut waiting: Vec<usize> = Vec::with_capacity(types.len());
    for ty in &types {
        let (named, is_union): (Vec<String>, bool) = match &ty.kind {
            TypeKind::Struct(Struct { fields, .. }) | TypeKind::Error(ErrorDef { fields, .. }) => {
                (fields.iter().filter_map(|f| required_named(&f.ty)).collect(), false)
            }
            TypeKind::Union(u) => (u.variants.iter().filter_map(|v| required_named(&v.ty)).collect(), true),
            TypeKind::Enum(_) => (Vec::new(), false),
        };
        let known: Vec<usize> = named.iter().filter_map(|name| index.get(name).copied()).collect();
        // A struct is finite when all it needs is; a union when one variant is (so it waits for
        // one, and not at all when a variant is not a known type).
        let count = if is_union {
            usize::from(!known.is_empty() && known.len() == named.len())
        } else {
            known.len()
        };
        waiting.push(count);
        needs.push(known);
    }
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); types.len()];
    for (ty, needed) in needs.iter().enumerate() {
        for &need in needed {
            dependents[need].push(ty);
        }
    }
    let mut finite = vec![false; types.len()];
    let mut queue: Vec<usize> = (0..types.len()).filter(|&ty| waiting[ty] == 0).collect();
    while let Some(ty) = queue.pop() {
        if std::mem::replace(&mut finite[ty], true) {
            continue;
        }
        for &dependent in &dependents[ty] {
            if waiting[dependent] > 0 {
                waiting[dependent] -= 1;
                if waiting[dependent] == 0 {
                    queue.push(dependent);
                }
            }
        }
    }
    // Walk from each infinite type along infinite needs until a type repeats: that is a loop.
    // Every type is walked at most once overall; each loop is reported once, at its type that
    // comes first in declaration order.
    let mut walked = vec![false; types.len()];
    for start in 0..types.len() {
        if finite[start] || walked[start] {
            continue;
        }
        let mut path: Vec<usize> = Vec::new();
        let mut on_path: HashMap<usize, usize> = HashMap::new();
        let mut current = start;
        let cycle = loop {
            walked[current] = true;
            on_path.insert(current, path.len());
            path.push(current);
            let Some(&next) = needs[current].iter().find(|&&n| !finite[n]) else {
                break None;
            };
            if let Some(&at) = on_path.get(&next) {
                break Some(path[at..].to_vec());
            }
            if walked[next] {
                break None;
            }
            current = next;
        };
        let Some(mut cycle) = cycle else { continue };
        let first = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
        cycle.rotate_left(first);
        let ty = types[cycle[0]];
        let mut chain: Vec<&str> = cycle.iter().map(|&c| types[c].name.as_str()).collect();
        chain.push(ty.name.as_str());
        errors.push(
            Diagnostic::error(
                Code::E0030,
                ty.span,
                format!("`{}` contains itself: {}", ty.name, chain.join(" → ")),
            )
            .label("this type would be infinitely large")
            .help("make one field in the loop optional (`T?`) or a list"),
        );
    }
}

/// The named type a required field needs a value of (not behind `?`, a list or a map).
fn required_named(ty: &TypeRef) -> Option<String> {
    match ty {
        TypeRef::Named(name) => Some(name.clone()),
        _ => None,
    }
}

/// Rule: fields are unique (also after case conversion), numbered validly and not reserved, and
/// their types, constraints and defaults fit.
fn check_fields(model: &Model, fields: &[&Field], reserved: &Reserved, errors: &mut Vec<Diagnostic>) {
    check_member_names(fields.iter().map(|f| (f.name.as_str(), f.span)), "field", errors);
    for field in fields {
        if reserved.names.contains(&field.name) {
            errors.push(
                Diagnostic::error(
                    Code::E0041,
                    field.span,
                    format!("field name `{}` is reserved", field.name),
                )
                .label("reserved by `#[reserved]`")
                .help("a reserved name belonged to a removed field; pick another name"),
            );
        }
        check_field(model, field, errors);
    }
    let declared: Vec<Option<i64>> = fields.iter().map(|f| f.number.map(i64::from)).collect();
    let numbers: Vec<u32> = bindings::assign_numbers(&declared, reserved, true)
        .into_iter()
        .map(|n| n as u32)
        .collect();
    check_numbers(
        fields.iter().map(|f| (f.number, f.span)).zip(numbers).collect(),
        reserved,
        "field",
        errors,
    );
}

fn check_field(model: &Model, field: &Field, errors: &mut Vec<Diagnostic>) {
    check_reserved_words(&field.name, field.span, errors);
    check_type_shape(&field.ty, field.ty_span, errors);
    check_constraints(model, field, errors);
    check_default(model, field, errors);
}

/// Rule: member names are unique, also after conversion to lowerCamel (JSON, GraphQL) and
/// snake_case (proto, Rust).
fn check_member_names<'a>(members: impl Iterator<Item = (&'a str, Span)>, kind: &str, errors: &mut Vec<Diagnostic>) {
    // Member lists are short: a vector scan beats hashing. Names can only collide after
    // conversion when they agree ignoring case and separators, so the conversions are computed
    // only for such pairs.
    let mut seen: Vec<(&str, Span, String)> = Vec::new();
    for (name, span) in members {
        if let Some((_, first, _)) = seen.iter().find(|(other, _, _)| *other == name) {
            errors.push(duplicate(kind, name, span, *first));
            continue;
        }
        let key: String = name
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        for (other, first, other_key) in &seen {
            if *other_key != key {
                continue;
            }
            let as_camel = lower_camel_case(name);
            let as_snake = snake_case(name);
            if lower_camel_case(other) == as_camel {
                errors.push(collision(
                    kind,
                    name,
                    other,
                    &as_camel,
                    "JSON and GraphQL",
                    span,
                    *first,
                ));
                break;
            }
            if snake_case(other) == as_snake {
                errors.push(collision(kind, name, other, &as_snake, "proto and Rust", span, *first));
                break;
            }
        }
        seen.push((name, span, key));
    }
}

/// Rule: wire numbers lie in 1..=536870911 outside 19000..=19999, are used once, and are not
/// reserved. `declared` pairs each member's declared number and span with its effective number.
fn check_numbers(
    members: Vec<((Option<u32>, Span), u32)>,
    reserved: &Reserved,
    kind: &str,
    errors: &mut Vec<Diagnostic>,
) {
    let mut used: HashMap<u32, Span> = HashMap::new();
    for ((declared, span), number) in members {
        if let Some(declared) = declared {
            let n = i64::from(declared);
            if !(1..=MAX_FIELD_NUMBER).contains(&n) || PROTOBUF_RESERVED.contains(&n) {
                errors.push(
                    Diagnostic::error(Code::E0042, span, format!("{kind} number {declared} is out of range"))
                        .label("invalid number")
                        .help("use 1 to 536870911, outside 19000..=19999 (kept by protobuf)"),
                );
                continue;
            }
            if reserved.contains_number(n) {
                errors.push(
                    Diagnostic::error(Code::E0041, span, format!("{kind} number {declared} is reserved"))
                        .label("reserved by `#[reserved]`")
                        .help("reserved numbers belonged to removed fields; reusing one breaks old clients"),
                );
                continue;
            }
        }
        if let Some(first) = used.get(&number) {
            errors.push(
                Diagnostic::error(Code::E0040, span, format!("{kind} number {number} is used twice"))
                    .label(format!("gets number {number}"))
                    .secondary(*first, format!("already has number {number}"))
                    .help("give each member its own `@N`; undeclared members are numbered after the previous one"),
            );
        } else {
            used.insert(number, span);
        }
    }
}

/// Rule: map keys are strings or integers; lists and maps are never optional and do not directly
/// hold optionals, lists or maps (proto3 and GraphQL cannot express those).
fn check_type_shape(ty: &TypeRef, span: Span, errors: &mut Vec<Diagnostic>) {
    let nested = |what: &str| {
        Diagnostic::error(
            Code::E0032,
            span,
            format!("{what} cannot be expressed on every protocol"),
        )
        .label("in this type")
    };
    match ty {
        TypeRef::Optional(inner) => {
            if matches!(**inner, TypeRef::List(_) | TypeRef::Map(..)) {
                errors.push(
                    nested("an optional list or map").help("drop the `?`: an empty list or map already means \"none\""),
                );
            }
            check_type_shape(inner, span, errors);
        }
        TypeRef::List(inner) => {
            match **inner {
                TypeRef::Optional(_) => errors
                    .push(nested("a list of optional values").help("drop the `?`: list entries are always present")),
                TypeRef::List(_) | TypeRef::Map(..) => {
                    errors.push(nested("a list of lists or maps").help("wrap the inner list or map in a named struct"))
                }
                _ => {}
            }
            check_type_shape(inner, span, errors);
        }
        TypeRef::Map(key, value) => {
            let key_ok = matches!(**key, TypeRef::Scalar(s) if s == Scalar::String || s.is_integer());
            if !key_ok {
                errors.push(
                    Diagnostic::error(
                        Code::E0031,
                        span,
                        format!("`{}` cannot be a map key", describe_type(key)),
                    )
                    .label("invalid key type")
                    .help("map keys are `string` or an integer type (i32, i64, u32, u64)"),
                );
            }
            match **value {
                TypeRef::Optional(_) => errors.push(
                    nested("a map with optional values").help("drop the `?`: a missing key already means \"none\""),
                ),
                TypeRef::List(_) | TypeRef::Map(..) => {
                    errors.push(nested("a map of lists or maps").help("wrap the inner list or map in a named struct"))
                }
                _ => {}
            }
            check_type_shape(value, span, errors);
        }
        TypeRef::Scalar(_) | TypeRef::Named(_) => {}
    }
}

pub fn describe_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Scalar(s) => s.name().to_string(),
        TypeRef::Named(n) => n.rsplit_once('.').map_or(n.as_str(), |(_, s)| s).to_string(),
        TypeRef::List(inner) => format!("list<{}>", describe_type(inner)),
        TypeRef::Map(k, v) => format!("map<{}, {}>", describe_type(k), describe_type(v)),
        TypeRef::Optional(inner) => format!("{}?", describe_type(inner)),
    }
}

/// Rule: each constraint applies to its kind of type (length: string/bytes, pattern: string,
/// range: numbers, items: list/map), and range bounds fit the type.
fn check_constraints(model: &Model, field: &Field, errors: &mut Vec<Diagnostic>) {
    let base = field.ty.required();
    let scalar = match base {
        TypeRef::Scalar(s) => Some(*s),
        _ => None,
    };
    let is_enum =
        matches!(base, TypeRef::Named(n) if model.type_def(n).is_some_and(|d| matches!(d.kind, TypeKind::Enum(_))));
    let _ = is_enum;
    let misapplied = |name: &str, applies: &str| {
        let span = field.attr_spans.get(name).unwrap_or(field.span);
        Diagnostic::error(
            Code::E0054,
            span,
            format!("`{name}` does not apply to `{}`", describe_type(&field.ty)),
        )
        .label(format!("`{name}` constrains {applies}"))
        .secondary(field.ty_span, "the field's type")
    };
    let c = &field.constraints;
    if c.length.is_some() && !matches!(scalar, Some(Scalar::String | Scalar::Bytes)) {
        errors.push(misapplied("length", "strings and bytes").help(match base {
            TypeRef::List(_) | TypeRef::Map(..) => "to bound the number of entries, use `#[items(…)]`",
            _ => "remove it, or change the field's type",
        }));
    }
    if c.pattern.is_some() && scalar != Some(Scalar::String) {
        errors.push(misapplied("pattern", "strings").help("remove it, or change the field's type"));
    }
    if c.items.is_some() && !matches!(base, TypeRef::List(_) | TypeRef::Map(..)) {
        errors.push(misapplied("items", "lists and maps").help(match scalar {
            Some(Scalar::String | Scalar::Bytes) => "to bound the length, use `#[length(…)]`",
            _ => "remove it, or change the field's type",
        }));
    }
    if let Some(range) = &c.range {
        match scalar {
            Some(s) if s.is_numeric() => check_range_fits(field, s, range, errors),
            _ => errors.push(misapplied("range", "numbers").help(match scalar {
                Some(Scalar::String | Scalar::Bytes) => "to bound the length, use `#[length(…)]`",
                _ => "remove it, or change the field's type",
            })),
        }
    }
}

fn integer_bounds(scalar: Scalar) -> (i128, i128) {
    match scalar {
        Scalar::I32 => (i128::from(i32::MIN), i128::from(i32::MAX)),
        Scalar::I64 => (i128::from(i64::MIN), i128::from(i64::MAX)),
        Scalar::U32 => (0, i128::from(u32::MAX)),
        _ => (0, i128::from(u64::MAX)),
    }
}

fn check_range_fits(field: &Field, scalar: Scalar, range: &NumericRange, errors: &mut Vec<Diagnostic>) {
    let span = field.attr_spans.get("range").unwrap_or(field.span);
    if !scalar.is_integer() {
        return;
    }
    let (lowest, highest) = integer_bounds(scalar);
    for bound in [&range.min, &range.max].into_iter().flatten() {
        match bound.as_i128() {
            None => errors.push(
                Diagnostic::error(
                    Code::E0055,
                    span,
                    format!(
                        "`{}` is not a whole number, but the field is `{}`",
                        bound.0,
                        scalar.name()
                    ),
                )
                .label("fractional bound on an integer")
                .help("use whole-number bounds, or make the field f64"),
            ),
            Some(n) if n < lowest || n > highest => errors.push(
                Diagnostic::error(
                    Code::E0055,
                    span,
                    format!("{} is outside the range of `{}`", bound.0, scalar.name()),
                )
                .label(format!("`{}` holds {lowest} to {highest}", scalar.name()))
                .help("use a bound the type can hold, or a wider type"),
            ),
            Some(_) => {}
        }
    }
}

/// Rule: a default matches the field's type and constraints, and optional fields have none.
fn check_default(model: &Model, field: &Field, errors: &mut Vec<Diagnostic>) {
    let Some(default) = &field.default else {
        return;
    };
    let span = field.span;
    if field.ty.is_optional() {
        errors.push(
            Diagnostic::error(
                Code::E0056,
                span,
                format!("optional field `{}` cannot have a default", field.name),
            )
            .label("has both `?` and a default")
            .help("drop the `?` to make the default apply when the value is absent"),
        );
        return;
    }
    if let Err(reason) = literal_fits(model, &field.ty, default) {
        errors.push(
            Diagnostic::error(
                Code::E0056,
                span,
                format!("invalid default for `{}`: {reason}", field.name),
            )
            .label(format!("`{}` has type `{}`", field.name, describe_type(&field.ty)))
            .help("give a value of the field's type"),
        );
        return;
    }
    let c = &field.constraints;
    let broken = match (default, &c.range) {
        (Literal::Number(n), Some(range)) => {
            let v = n.as_f64();
            range.min.as_ref().is_some_and(|min| v < min.as_f64())
                || range.max.as_ref().is_some_and(|max| {
                    if range.max_exclusive {
                        v >= max.as_f64()
                    } else {
                        v > max.as_f64()
                    }
                })
        }
        (Literal::String(s), _) => c.length.is_some_and(|b| !within(&b, s.chars().count() as u64)),
        (Literal::List(items), _) => c.items.is_some_and(|b| !within(&b, items.len() as u64)),
        _ => false,
    };
    let constraint = match default {
        Literal::Number(_) => "range",
        Literal::String(_) => "length",
        _ => "items",
    };
    if broken {
        errors.push(
            Diagnostic::error(
                Code::E0056,
                span,
                format!(
                    "the default of `{}` ({}) breaks its own `#[{constraint}]`",
                    field.name,
                    match default {
                        Literal::List(items) => format!("{} entries", items.len()),
                        other => describe_literal(other),
                    }
                ),
            )
            .label("default outside the allowed values")
            .secondary(field.attr_spans.get(constraint).unwrap_or(Span::NONE), "the constraint")
            .help("change the default or the constraint"),
        );
    }
}

fn within(bounds: &Bounds, n: u64) -> bool {
    bounds.min.is_none_or(|min| n >= min) && bounds.max.is_none_or(|max| n <= max)
}

fn literal_fits(model: &Model, ty: &TypeRef, literal: &Literal) -> Result<(), String> {
    match (ty, literal) {
        (TypeRef::Scalar(Scalar::Bool), Literal::Bool(_)) => Ok(()),
        (TypeRef::Scalar(s), Literal::Number(n)) if s.is_integer() => {
            let (lowest, highest) = integer_bounds(*s);
            match n.as_i128() {
                Some(v) if v >= lowest && v <= highest => Ok(()),
                Some(_) => Err(format!("{} does not fit in `{}`", n.0, s.name())),
                None => Err(format!("{} is not a whole number", n.0)),
            }
        }
        (TypeRef::Scalar(s), Literal::Number(_)) if s.is_float() || *s == Scalar::Decimal => Ok(()),
        (TypeRef::Scalar(Scalar::String), Literal::String(_)) => Ok(()),
        (TypeRef::Scalar(Scalar::Decimal), Literal::String(s)) if s.parse::<f64>().is_ok() => Ok(()),
        (TypeRef::Scalar(Scalar::Duration), Literal::String(s))
            if s.ends_with('s') && s[..s.len() - 1].parse::<f64>().is_ok() =>
        {
            Ok(())
        }
        (TypeRef::Scalar(Scalar::Duration), Literal::String(_)) => {
            Err("durations are written in seconds, like \"1.5s\"".into())
        }
        (TypeRef::List(inner), Literal::List(items)) => {
            items.iter().try_for_each(|item| literal_fits(model, inner, item))
        }
        (TypeRef::Named(name), Literal::Enum(variant)) => match model.type_def(name).map(|d| &d.kind) {
            Some(TypeKind::Enum(e)) => {
                if e.variants.iter().any(|v| &v.name == variant) {
                    Ok(())
                } else {
                    let hint = did_you_mean(variant, e.variants.iter().map(|v| v.name.as_str()))
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    Err(format!("`{variant}` is not a variant of the enum{hint}"))
                }
            }
            _ => Err("only enums, scalars and lists take defaults".into()),
        },
        (TypeRef::Named(_), _) => Err("only enums, scalars and lists take defaults".into()),
        (TypeRef::Map(..), _) => Err("maps take no default (an absent map is empty)".into()),
        _ => Err(format!(
            "{} is not a `{}`",
            describe_literal(literal),
            describe_type(ty)
        )),
    }
}

fn describe_literal(literal: &Literal) -> String {
    match literal {
        Literal::Bool(b) => b.to_string(),
        Literal::Number(n) => n.0.clone(),
        Literal::String(s) => format!("{s:?}"),
        Literal::Enum(e) => format!("`{e}`"),
        Literal::List(_) => "a list".into(),
    }
}

/// Rule: enum variants are unique (also as UPPER_SNAKE), values are 1..=2147483647 (0 is the
/// implicit unspecified value), distinct and not reserved.
fn check_enum(e: &Enum, errors: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let mut upper: HashMap<String, (&str, Span)> = HashMap::new();
    for variant in &e.variants {
        if let Some(first) = seen.get(variant.name.as_str()) {
            errors.push(duplicate("variant", &variant.name, variant.span, *first));
            continue;
        }
        seen.insert(&variant.name, variant.span);
        let converted = screaming_snake_case(&variant.name);
        if converted == "UNSPECIFIED" {
            errors.push(
                Diagnostic::error(
                    Code::E0043,
                    variant.span,
                    "`Unspecified` is added to every enum by the targets",
                )
                .label("would clash with the implicit zero value")
                .help("remove it: absent values already read as unspecified"),
            );
        }
        if let Some((other, first)) = upper.get(&converted) {
            errors.push(collision(
                "variant",
                &variant.name,
                other,
                &converted,
                "proto and GraphQL",
                variant.span,
                *first,
            ));
        } else {
            upper.insert(converted, (&variant.name, variant.span));
        }
        if e.reserved.names.contains(&variant.name) {
            errors.push(
                Diagnostic::error(
                    Code::E0041,
                    variant.span,
                    format!("variant name `{}` is reserved", variant.name),
                )
                .label("reserved by `#[reserved]`")
                .help("pick another name"),
            );
        }
    }
    let values = bindings::enum_values(e);
    let mut used: HashMap<i64, Span> = HashMap::new();
    for (variant, value) in e.variants.iter().zip(values) {
        if let Some(declared) = variant.value {
            if declared < 1 || declared > i64::from(i32::MAX) {
                errors.push(
                    Diagnostic::error(
                        Code::E0043,
                        variant.span,
                        format!("enum value {declared} is out of range"),
                    )
                    .label("must be from 1 to 2147483647")
                    .help(if declared < 1 {
                        "0 is the implicit \"unspecified\" value that every target adds"
                    } else {
                        "enum values are 32-bit signed integers in proto and most languages"
                    }),
                );
                continue;
            }
            if e.reserved.contains_number(declared) {
                errors.push(
                    Diagnostic::error(Code::E0041, variant.span, format!("enum value {declared} is reserved"))
                        .label("reserved by `#[reserved]`")
                        .help("pick another value"),
                );
                continue;
            }
        }
        if let Some(first) = used.get(&value) {
            errors.push(
                Diagnostic::error(Code::E0043, variant.span, format!("enum value {value} is used twice"))
                    .label(format!("gets value {value}"))
                    .secondary(*first, format!("already has value {value}"))
                    .help("give each variant its own value"),
            );
        } else {
            used.insert(value, variant.span);
        }
    }
}

/// Rule: union variants are unique and not reserved, each carries a distinct struct (GraphQL unions and OpenAPI
/// discriminators need objects), and their numbers follow the field-number rules.
fn check_union(model: &Model, u: &Union, errors: &mut Vec<Diagnostic>) {
    check_member_names(u.variants.iter().map(|v| (v.name.as_str(), v.span)), "variant", errors);
    for variant in &u.variants {
        if u.reserved.names.contains(&variant.name) {
            errors.push(
                Diagnostic::error(
                    Code::E0041,
                    variant.span,
                    format!("variant name `{}` is reserved", variant.name),
                )
                .label("reserved by `#[reserved]`")
                .help("a reserved name belonged to a removed variant; pick another name"),
            );
        }
    }
    let mut types: HashMap<&TypeRef, Span> = HashMap::new();
    for variant in &u.variants {
        let is_struct = matches!(&variant.ty, TypeRef::Named(n) if model.type_def(n).is_some_and(|d| matches!(d.kind, TypeKind::Struct(_) | TypeKind::Error(_))));
        let unresolved = matches!(&variant.ty, TypeRef::Named(n) if model.type_def(n).is_none());
        if !is_struct && !unresolved {
            errors.push(
                Diagnostic::error(
                    Code::E0024,
                    variant.ty_span,
                    format!("union variant `{}` must carry a struct", variant.name),
                )
                .label(format!("`{}` is not a struct", describe_type(&variant.ty)))
                .help("wrap the value in a struct, e.g. `struct Text { value: string }`"),
            );
        }
        if let Some(first) = types.get(&variant.ty) {
            errors.push(
                Diagnostic::error(
                    Code::E0024,
                    variant.ty_span,
                    format!("`{}` appears twice in the union", describe_type(&variant.ty)),
                )
                .label("second variant of this type")
                .secondary(*first, "first variant of this type")
                .help("each variant needs its own struct so clients can tell them apart"),
            );
        } else {
            types.insert(&variant.ty, variant.ty_span);
        }
    }
    let numbers = bindings::union_numbers(u);
    check_numbers(
        u.variants.iter().map(|v| (v.number, v.span)).zip(numbers).collect(),
        &u.reserved,
        "variant",
        errors,
    );
}

fn check_service(model: &Model, package: &Package, service: &Service, errors: &mut Vec<Diagnostic>) {
    check_reserved_words(&service.name, service.span, errors);
    // Rule: methods and events share one namespace per service, also after case conversion.
    check_member_names(
        service
            .methods
            .iter()
            .map(|m| (m.name.as_str(), m.span))
            .chain(service.events.iter().map(|e| (e.name.as_str(), e.span))),
        "method or event",
        errors,
    );
    // Rule: event `x` is the proto rpc `SubscribeX`, so no method may be called `subscribe_x`.
    for event in &service.events {
        let rpc = format!("Subscribe{}", upper_camel_case(&event.name));
        if let Some(method) = service.methods.iter().find(|m| upper_camel_case(&m.name) == rpc) {
            errors.push(
                Diagnostic::error(
                    Code::E0021,
                    method.span,
                    format!(
                        "method `{}` and event `{}` both become the rpc `{rpc}` in proto",
                        method.name, event.name
                    ),
                )
                .label("collides with the event's subscription rpc")
                .secondary(event.span, "the event")
                .help("rename the method or the event"),
            );
        }
    }
    for method in &service.methods {
        check_params(model, &method.params, errors);
        check_method_types(model, method, errors);
        check_http(model, service, method, errors);
        check_method_flags(method, errors);
        check_pagination(model, method, errors);
        if let Some(mqtt) = &method.mqtt
            && let Some(topic) = &mqtt.topic
        {
            check_topic(topic, mqtt.span, &method.params, errors);
        }
        let _ = package;
    }
    for event in &service.events {
        check_params(model, &event.params, errors);
        if let Some(mqtt) = &event.mqtt
            && let Some(topic) = &mqtt.topic
        {
            check_topic(topic, mqtt.span, &event.params, errors);
        }
        if let Some(queue) = &event.queue
            && let Some(key) = &queue.routing_key
        {
            check_routing_key(key, queue.span, &event.params, errors);
        }
    }
}

/// Rule: parameters follow the field rules (unique, numbered, typed, constrained).
fn check_params(model: &Model, params: &[Param], errors: &mut Vec<Diagnostic>) {
    let fields: Vec<&Field> = params.iter().map(|p| &p.field).collect();
    check_fields(model, &fields, &Reserved::default(), errors);
}

/// Rule: `throws` names error types.
fn check_method_types(model: &Model, method: &Method, errors: &mut Vec<Diagnostic>) {
    for (index, thrown) in method.throws.iter().enumerate() {
        let span = method.throws_spans.get(index).copied().unwrap_or(method.span);
        match model.type_def(thrown) {
            Some(TypeDef {
                kind: TypeKind::Error(_),
                ..
            })
            | None => {}
            Some(def) => errors.push(
                Diagnostic::error(Code::E0024, span, format!("`{}` cannot be thrown", def.name))
                    .label("not an error type")
                    .help(format!(
                        "declare it with `error {} {{ … }}` instead of `struct`",
                        def.name
                    )),
            ),
        }
    }
    if let Some(returns) = &method.returns {
        check_type_shape(returns, method.returns_span, errors);
    }
}

/// Rule: flags do not contradict each other: a client stream cannot be a GET or a queued job, a
/// server stream cannot be a queued job.
fn check_method_flags(method: &Method, errors: &mut Vec<Diagnostic>) {
    if method.input_stream && method.http.as_ref().is_some_and(|h| h.verb == HttpVerb::Get) {
        let span = method.attr_spans.get("http").unwrap_or(method.span);
        errors.push(
            Diagnostic::error(
                Code::E0069,
                span,
                format!("`{}` streams its input, which a GET request cannot carry", method.name),
            )
            .label("GET has no body")
            .help("bind it to POST"),
        );
    }
    if method.queue.is_some() && (method.input_stream || method.output_stream) {
        let span = method.attr_spans.get("queue").unwrap_or(method.span);
        errors.push(
            Diagnostic::error(
                Code::E0069,
                span,
                format!("streaming method `{}` cannot be a queued job", method.name),
            )
            .label("jobs are one message in, one result out")
            .help("remove `#[queue]`, or make the method unary"),
        );
    }
}

/// Rule: the HTTP path is well formed, every placeholder names a parameter that can sit in a path,
/// and every other parameter can travel where the binding puts it.
fn check_http(model: &Model, service: &Service, method: &Method, errors: &mut Vec<Diagnostic>) {
    let route = bindings::http_route(model, service, method);
    let params: HashMap<&str, &Param> = method.params.iter().map(|p| (p.field.name.as_str(), p)).collect();
    if let Some(rule) = &method.http {
        let placeholder_span = |range: std::ops::Range<usize>| -> Span {
            // The string literal's span includes the opening quote.
            if rule.span.is_none() || rule.span.end - rule.span.start != rule.path.len() as u32 + 2 {
                return rule.span;
            }
            Span {
                file: rule.span.file,
                start: rule.span.start + 1 + range.start as u32,
                end: rule.span.start + 1 + range.end as u32,
            }
        };
        if let Err((reason, range)) = validate_path(&rule.path) {
            errors.push(
                Diagnostic::error(
                    Code::E0061,
                    placeholder_span(range),
                    format!("invalid path `{}`: {reason}", rule.path),
                )
                .label(reason)
                .help("paths start with `/` and use `{name}` for parameters, e.g. \"/pets/{id}\""),
            );
        } else {
            let mut seen = HashSet::new();
            for (name, range) in bindings::path_placeholders(&rule.path) {
                if !seen.insert(name.clone()) {
                    errors.push(
                        Diagnostic::error(
                            Code::E0061,
                            placeholder_span(range),
                            format!("`{{{name}}}` appears twice in the path"),
                        )
                        .label("repeated placeholder")
                        .help("each parameter can fill one path segment"),
                    );
                    continue;
                }
                match params.get(name.as_str()) {
                    None => {
                        let suggestion = did_you_mean(&name, method.params.iter().map(|p| p.field.name.as_str()));
                        errors.push(
                            Diagnostic::error(
                                Code::E0060,
                                placeholder_span(range),
                                format!("`{{{name}}}` is not a parameter of `{}`", method.name),
                            )
                            .label("no parameter with this name")
                            .secondary(method.span, "method declared here")
                            .help(match suggestion {
                                Some(s) => format!("did you mean `{{{s}}}`?"),
                                None => format!(
                                    "add a parameter `{name}` to `{}`, or remove the placeholder",
                                    method.name
                                ),
                            }),
                        );
                    }
                    Some(param) => check_path_param(model, param, errors),
                }
            }
        }
    }
    let has_body = route.verb.has_body();
    let bodies: Vec<&Param> = method
        .params
        .iter()
        .filter(|p| p.placement == Some(Placement::Body))
        .collect();
    if bodies.len() > 1 {
        errors.push(
            Diagnostic::error(Code::E0064, bodies[1].field.span, "only one parameter can be the body")
                .label("second `#[body]`")
                .secondary(bodies[0].field.span, "first `#[body]`")
                .help("group them into one struct parameter"),
        );
    }
    for (param, (_, location)) in method.params.iter().zip(&route.params) {
        let span = param.field.span;
        match location {
            ParamLocation::Path
                if param.placement == Some(Placement::Path)
                    && !route.path.contains(&format!("{{{}}}", param.field.name)) =>
            {
                errors.push(
                    Diagnostic::error(
                        Code::E0065,
                        span,
                        format!(
                            "`{}` is marked `#[path]` but the path has no `{{{}}}`",
                            param.field.name, param.field.name
                        ),
                    )
                    .label("not in the path")
                    .help(format!(
                        "add `{{{}}}` to the path, or remove `#[path]`",
                        param.field.name
                    )),
                );
            }
            ParamLocation::Body if !has_body => errors.push(
                Diagnostic::error(
                    Code::E0064,
                    span,
                    format!("{} requests have no body", route.verb.name().to_uppercase()),
                )
                .label("`#[body]` on a request without a body")
                .help("bind the method to POST, PUT or PATCH, or send the parameter in the query"),
            ),
            ParamLocation::Query { .. } if !method.input_stream && !bindings::is_query_type(model, &param.field.ty) => {
                let verb = route.verb.name().to_uppercase();
                let reason = if has_body {
                    "the body is another parameter".to_string()
                } else {
                    format!("{verb} requests have no body")
                };
                errors.push(
                    Diagnostic::error(Code::E0062, span, format!("`{}` cannot be sent in the query string", param.field.name))
                        .label(format!("`{}` goes in the query because {reason}", describe_type(&param.field.ty)))
                        .help(if has_body {
                            "only scalars, enums and lists of them fit in a query; put this in the body struct".to_string()
                        } else {
                            "only scalars, enums and lists of them fit in a query; use POST, or flatten it into scalar parameters".to_string()
                        }),
                );
            }
            ParamLocation::Header { .. }
                if !matches!(param.field.ty.required(), TypeRef::Scalar(_))
                    && !is_enum(model, param.field.ty.required()) =>
            {
                errors.push(
                    Diagnostic::error(
                        Code::E0064,
                        span,
                        format!("`{}` cannot be sent as a header", param.field.name),
                    )
                    .label(format!("`{}` is not a scalar", describe_type(&param.field.ty)))
                    .help("headers carry scalars and enums"),
                );
            }
            _ => {}
        }
    }
    // Two parameters cannot share a query name or (case-insensitively) a header name.
    let mut names: HashMap<(bool, String), Span> = HashMap::new();
    for (param, (_, location)) in method.params.iter().zip(&route.params) {
        let (key, name, what) = match location {
            ParamLocation::Query { name } => ((false, name.clone()), name, "query parameter"),
            ParamLocation::Header { name } => ((true, name.to_ascii_lowercase()), name, "header"),
            _ => continue,
        };
        if let Some(first) = names.get(&key) {
            errors.push(
                Diagnostic::error(
                    Code::E0064,
                    param.field.span,
                    format!("two parameters are sent as the {what} `{name}`"),
                )
                .label(format!("also sent as `{name}`"))
                .secondary(*first, "first sent here")
                .help("give one of them another name"),
            );
        } else {
            names.insert(key, param.field.span);
        }
    }
}

fn is_enum(model: &Model, ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::Named(n) if model.type_def(n).is_some_and(|d| matches!(d.kind, TypeKind::Enum(_))))
}

/// A path parameter is a required scalar or enum.
fn check_path_param(model: &Model, param: &Param, errors: &mut Vec<Diagnostic>) {
    let ty = &param.field.ty;
    if ty.is_optional() {
        errors.push(
            Diagnostic::error(
                Code::E0065,
                param.field.span,
                format!("path parameter `{}` cannot be optional", param.field.name),
            )
            .label("a path segment is always present")
            .help("drop the `?`, or move the parameter to the query"),
        );
    } else if !matches!(ty, TypeRef::Scalar(s) if *s != Scalar::Bytes) && !is_enum(model, ty) {
        errors.push(
            Diagnostic::error(
                Code::E0065,
                param.field.span,
                format!("path parameter `{}` must be a scalar or an enum", param.field.name),
            )
            .label(format!("`{}` cannot be written in a path segment", describe_type(ty)))
            .help("send it in the body, or use its id in the path"),
        );
    }
    if matches!(
        param.placement,
        Some(Placement::Query { .. } | Placement::Header { .. } | Placement::Body)
    ) {
        errors.push(
            Diagnostic::error(
                Code::E0064,
                param.field.span,
                format!("`{}` is in the path and also placed elsewhere", param.field.name),
            )
            .label("conflicting placement")
            .help("remove the placement annotation or the path placeholder"),
        );
    }
}

/// Checks a path template's syntax; on error returns the reason and the offending byte range.
fn validate_path(path: &str) -> Result<(), (&'static str, std::ops::Range<usize>)> {
    if !path.starts_with('/') {
        return Err(("must start with `/`", 0..path.len().min(1)));
    }
    if let Some(at) = path.find(['?', '#', ' ']) {
        return Err((
            "query strings, fragments and spaces are not part of a path template",
            at..at + 1,
        ));
    }
    validate_placeholders(path)
}

/// Checks that a template's `{name}` placeholders are closed, not nested, and hold a name.
fn validate_placeholders(path: &str) -> Result<(), (&'static str, std::ops::Range<usize>)> {
    let mut open: Option<usize> = None;
    for (index, c) in path.char_indices() {
        match c {
            '{' if open.is_some() => return Err(("placeholders cannot nest", index..index + 1)),
            '{' => open = Some(index),
            '}' => {
                let Some(start) = open.take() else {
                    return Err(("`}` without `{`", index..index + 1));
                };
                let name = &path[start + 1..index];
                let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err(("a placeholder is `{name}` with a parameter name", start..index + 1));
                }
            }
            _ => {}
        }
    }
    if let Some(start) = open {
        return Err(("`{` is never closed", start..path.len()));
    }
    Ok(())
}

/// Rule: no two methods share a verb and path (placeholders compare equal whatever their names).
fn check_unique_routes(model: &Model, errors: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<(HttpVerb, String), (String, Span)> = HashMap::new();
    for package in &model.packages {
        for service in &package.services {
            for method in &service.methods {
                let route = bindings::http_route(model, service, method);
                let mut shape = route.path.clone();
                for (_, range) in bindings::path_placeholders(&route.path).into_iter().rev() {
                    shape.replace_range(range, "{}");
                }
                let key = (route.verb, shape);
                if let Some((other, first)) = seen.get(&key) {
                    errors.push(
                        Diagnostic::error(
                            Code::E0063,
                            method.span,
                            format!(
                                "`{}` and `{other}` are both bound to {} {}",
                                method.name,
                                route.verb.name().to_uppercase(),
                                route.path
                            ),
                        )
                        .label("same route")
                        .secondary(*first, format!("`{other}` is here"))
                        .help("give one of them another path or HTTP method"),
                    );
                } else {
                    seen.insert(key, (method.name.clone(), method.span));
                }
            }
        }
    }
}

/// Rule: `#[paginate]` names a string cursor parameter, an integer size parameter, and a struct
/// result with a string `next` field and one list field of items.
fn check_pagination(model: &Model, method: &Method, errors: &mut Vec<Diagnostic>) {
    let Some(pagination) = &method.pagination else {
        return;
    };
    let span = pagination.span;
    let bad = |message: String, help: String| {
        Diagnostic::error(Code::E0068, span, message)
            .label("in this `#[paginate]`")
            .help(help)
    };
    // A named parameter or field exists but has the wrong type: point at it.
    let bad_at = |at: Span, message: String, help: String| {
        Diagnostic::error(Code::E0068, at, message)
            .label("wrong type for pagination")
            .secondary(span, "required by this `#[paginate]`")
            .help(help)
    };
    let param = |name: &str| method.params.iter().find(|p| p.field.name == name);
    match param(&pagination.cursor) {
        None => errors.push(bad(
            format!("`{}` has no cursor parameter `{}`", method.name, pagination.cursor),
            format!(
                "add `{}: string?`, or name the cursor with `cursor = …`",
                pagination.cursor
            ),
        )),
        Some(p) if p.field.ty.required() != &TypeRef::Scalar(Scalar::String) => errors.push(bad_at(
            p.field.ty_span,
            format!("cursor `{}` must be a string", pagination.cursor),
            "cursors are opaque strings: `page_token: string?`".into(),
        )),
        _ => {}
    }
    match param(&pagination.size) {
        None => errors.push(bad(
            format!("`{}` has no page size parameter `{}`", method.name, pagination.size),
            format!("add `{}: u32 = 20`, or name it with `size = …`", pagination.size),
        )),
        Some(p) if !matches!(p.field.ty.required(), TypeRef::Scalar(s) if s.is_integer()) => errors.push(bad_at(
            p.field.ty_span,
            format!("page size `{}` must be an integer", pagination.size),
            "use `u32`".into(),
        )),
        _ => {}
    }
    if method.output_stream {
        errors.push(bad(
            format!("streaming method `{}` cannot be paginated", method.name),
            "remove `#[paginate]` or the `stream`".into(),
        ));
        return;
    }
    let result = method.returns.as_ref().and_then(|r| match r {
        TypeRef::Named(n) => model.type_def(n),
        _ => None,
    });
    let Some(TypeDef {
        kind: TypeKind::Struct(result),
        name: result_name,
        ..
    }) = result
    else {
        if method
            .returns
            .as_ref()
            .is_none_or(|r| !matches!(r, TypeRef::Named(n) if model.type_def(n).is_none()))
        {
            errors.push(bad(
                format!("`{}` must return a struct to be paginated", method.name),
                "return e.g. `ListPetsResponse { pets: list<Pet>, next_page_token: string? }`".into(),
            ));
        }
        return;
    };
    match result.fields.iter().find(|f| f.name == pagination.next) {
        None => errors.push(bad(
            format!("`{result_name}` has no `{}` field", pagination.next),
            format!("add `{}: string?` to `{result_name}`", pagination.next),
        )),
        Some(f) if f.ty.required() != &TypeRef::Scalar(Scalar::String) => errors.push(bad_at(
            f.ty_span,
            format!("`{result_name}.{}` must be a string", pagination.next),
            "the next-page token is an opaque string".into(),
        )),
        _ => {}
    }
    let lists: Vec<&Field> = result
        .fields
        .iter()
        .filter(|f| matches!(f.ty, TypeRef::List(_)))
        .collect();
    match &pagination.items {
        Some(items) => match result.fields.iter().find(|f| &f.name == items) {
            Some(f) if matches!(f.ty, TypeRef::List(_)) => {}
            Some(f) => errors.push(bad_at(
                f.ty_span,
                format!("`{result_name}.{items}` must be a list"),
                "name the list field of the page with `items = …`".into(),
            )),
            None => errors.push(bad(
                format!("`{result_name}` has no `{items}` field"),
                "name the list field of the page with `items = …`".into(),
            )),
        },
        None if lists.len() != 1 => errors.push(bad(
            format!(
                "`{result_name}` has {} list fields; which one holds the page?",
                lists.len()
            ),
            "name it with `#[paginate(items = …)]`".into(),
        )),
        None => {}
    }
}

/// Rule: a topic template has no wildcards and every `{x}` is closed and a scalar or enum parameter.
fn check_topic(topic: &str, span: Span, params: &[Param], errors: &mut Vec<Diagnostic>) {
    let bad = |reason: &str| {
        Diagnostic::error(Code::E0067, span, format!("invalid topic `{topic}`: {reason}"))
            .label(reason.to_string())
            .help("topics are `/`-separated levels like \"devices/{device_id}/readings\"")
    };
    if topic.is_empty() {
        errors.push(bad("it is empty"));
        return;
    }
    if topic.contains(['+', '#']) {
        errors.push(bad(
            "`+` and `#` are subscription wildcards, not allowed where a message is published",
        ));
        return;
    }
    if topic.starts_with('$') {
        errors.push(bad("topics starting with `$` belong to the broker"));
        return;
    }
    check_template_placeholders(topic, span, params, "topic", errors);
}

/// Rule: a routing key has no AMQP wildcards and every `{x}` is closed and a scalar or enum parameter.
fn check_routing_key(key: &str, span: Span, params: &[Param], errors: &mut Vec<Diagnostic>) {
    if key.is_empty() || key.contains(['*', '#']) {
        errors.push(
            Diagnostic::error(Code::E0067, span, format!("invalid routing key `{key}`"))
                .label("empty, or holds a `*`/`#` binding wildcard")
                .help("routing keys are `.`-separated words like \"pets.{species}.sold\""),
        );
        return;
    }
    check_template_placeholders(key, span, params, "routing key", errors);
}

/// The span of `range` inside the string literal `text` written at `span` (quotes included), or
/// the whole literal when escapes make the offsets differ.
fn inner_span(span: Span, text: &str, range: std::ops::Range<usize>) -> Span {
    if span.is_none() || span.end - span.start != text.len() as u32 + 2 {
        return span;
    }
    Span {
        file: span.file,
        start: span.start + 1 + range.start as u32,
        end: span.start + 1 + range.end as u32,
    }
}

/// A topic's or routing key's placeholders are well formed, then each names a usable parameter.
fn check_template_placeholders(template: &str, span: Span, params: &[Param], what: &str, errors: &mut Vec<Diagnostic>) {
    if let Err((reason, range)) = validate_placeholders(template) {
        errors.push(
            Diagnostic::error(
                Code::E0067,
                inner_span(span, template, range),
                format!("invalid {what} `{template}`: {reason}"),
            )
            .label(reason)
            .help("placeholders are `{name}`, with the name of a parameter"),
        );
        return;
    }
    check_placeholders(template, span, params, what, errors);
}

fn check_placeholders(template: &str, span: Span, params: &[Param], what: &str, errors: &mut Vec<Diagnostic>) {
    let inner = |range: std::ops::Range<usize>| -> Span {
        if span.is_none() || span.end - span.start != template.len() as u32 + 2 {
            return span;
        }
        Span {
            file: span.file,
            start: span.start + 1 + range.start as u32,
            end: span.start + 1 + range.end as u32,
        }
    };
    for (name, range) in bindings::path_placeholders(template) {
        match params.iter().find(|p| p.field.name == name) {
            None => {
                let suggestion = did_you_mean(&name, params.iter().map(|p| p.field.name.as_str()));
                errors.push(
                    Diagnostic::error(
                        Code::E0066,
                        inner(range),
                        format!("{what} placeholder `{{{name}}}` is not a parameter"),
                    )
                    .label("no parameter with this name")
                    .help(match suggestion {
                        Some(s) => format!("did you mean `{{{s}}}`?"),
                        None => "placeholders are filled from parameters of the same name".to_string(),
                    }),
                );
            }
            Some(param) if !matches!(param.field.ty, TypeRef::Scalar(_) | TypeRef::Named(_)) => {
                errors.push(
                    Diagnostic::error(
                        Code::E0066,
                        inner(range),
                        format!("`{name}` cannot fill a {what} placeholder"),
                    )
                    .label(format!(
                        "`{}` is optional or a collection",
                        describe_type(&param.field.ty)
                    ))
                    .help("placeholders need a required scalar or enum parameter"),
                );
            }
            Some(_) => {}
        }
    }
}

/// Records the inferred items field of each `#[paginate]`, so targets need not infer it again.
fn fill_pagination_items(model: &mut Model) {
    // Decide first (reading), then write, so the model need not be copied.
    let mut inferred: Vec<((usize, usize, usize), String)> = Vec::new();
    for (p, package) in model.packages.iter().enumerate() {
        for (s, service) in package.services.iter().enumerate() {
            for (m, method) in service.methods.iter().enumerate() {
                let Some(pagination) = &method.pagination else { continue };
                if pagination.items.is_some() {
                    continue;
                }
                let Some(TypeRef::Named(result)) = &method.returns else {
                    continue;
                };
                if let Some(TypeDef {
                    kind: TypeKind::Struct(result),
                    ..
                }) = model.type_def(result)
                {
                    let lists: Vec<&Field> = result
                        .fields
                        .iter()
                        .filter(|f| matches!(f.ty, TypeRef::List(_)))
                        .collect();
                    if let [only] = lists.as_slice() {
                        inferred.push(((p, s, m), only.name.clone()));
                    }
                }
            }
        }
    }
    for ((p, s, m), items) in inferred {
        if let Some(pagination) = &mut model.packages[p].services[s].methods[m].pagination {
            pagination.items = Some(items);
        }
    }
}
