//! The IDL's constraints, checked once per request before the implementation runs, whichever
//! protocol the request came from. Every violation is collected, never just the first.
//!
//! Generated types implement [`Validate`] by calling the `check_*` functions here field by field;
//! containers recurse through the blanket impls below.

use std::collections::BTreeMap;

use crate::error::{Error, Violation};

/// Where a value sits in the request, in the JSON mapping's names: `pet.tags[2]`.
#[derive(Default, Debug)]
pub struct FieldPath {
    text: String,
}

impl FieldPath {
    /// Appends a member name; returns the mark to [`FieldPath::truncate`] back to.
    pub fn field(&mut self, name: &str) -> usize {
        let mark = self.text.len();
        if !self.text.is_empty() {
            self.text.push('.');
        }
        self.text.push_str(name);
        mark
    }

    pub fn index(&mut self, index: usize) -> usize {
        let mark = self.text.len();
        self.text.push('[');
        self.text.push_str(&index.to_string());
        self.text.push(']');
        mark
    }

    pub fn key(&mut self, key: &dyn std::fmt::Display) -> usize {
        let mark = self.text.len();
        self.text.push_str(&format!("[{key}]"));
        mark
    }

    pub fn truncate(&mut self, mark: usize) {
        self.text.truncate(mark);
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Collected violations.
#[derive(Default, Debug)]
pub struct Violations(pub Vec<Violation>);

impl Violations {
    pub fn push(&mut self, path: &FieldPath, constraint: &str, message: String) {
        self.0.push(Violation {
            field: path.as_str().to_string(),
            constraint: constraint.to_string(),
            message,
        });
    }
}

/// A value whose constraints can be checked.
pub trait Validate {
    fn validate_at(&self, path: &mut FieldPath, violations: &mut Violations);

    /// Checks everything; `Err` lists every violation.
    fn validate(&self) -> Result<(), Error> {
        let mut violations = Violations::default();
        self.validate_at(&mut FieldPath::default(), &mut violations);
        if violations.0.is_empty() {
            Ok(())
        } else {
            Err(Error::validation(violations.0))
        }
    }
}

macro_rules! nothing_to_validate {
    ($($ty:ty),*) => {$(
        impl Validate for $ty {
            fn validate_at(&self, _: &mut FieldPath, _: &mut Violations) {}
        }
    )*};
}

nothing_to_validate!(
    bool,
    i32,
    i64,
    u32,
    u64,
    f32,
    f64,
    String,
    uuid::Uuid,
    crate::Timestamp,
    crate::Duration,
    crate::Decimal,
    crate::Bytes
);

impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, path: &mut FieldPath, violations: &mut Violations) {
        if let Some(value) = self {
            value.validate_at(path, violations);
        }
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate_at(&self, path: &mut FieldPath, violations: &mut Violations) {
        (**self).validate_at(path, violations);
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, path: &mut FieldPath, violations: &mut Violations) {
        for (index, item) in self.iter().enumerate() {
            let mark = path.index(index);
            item.validate_at(path, violations);
            path.truncate(mark);
        }
    }
}

impl<K: std::fmt::Display, V: Validate> Validate for BTreeMap<K, V> {
    fn validate_at(&self, path: &mut FieldPath, violations: &mut Violations) {
        for (key, value) in self {
            let mark = path.key(key);
            value.validate_at(path, violations);
            path.truncate(mark);
        }
    }
}

fn bounds_text(min: Option<u64>, max: Option<u64>, unit: &str) -> String {
    match (min, max) {
        (Some(min), Some(max)) if min == max => format!("exactly {min} {unit}"),
        (Some(min), Some(max)) => format!("between {min} and {max} {unit}"),
        (Some(min), None) => format!("at least {min} {unit}"),
        (None, Some(max)) => format!("at most {max} {unit}"),
        (None, None) => format!("any number of {unit}"),
    }
}

fn outside(count: u64, min: Option<u64>, max: Option<u64>) -> bool {
    min.is_some_and(|min| count < min) || max.is_some_and(|max| count > max)
}

/// Values whose length `#[length]` bounds: characters of a string, bytes of binary data.
pub trait HasLength {
    fn constrained_length(&self) -> (u64, &'static str);
}

impl HasLength for String {
    fn constrained_length(&self) -> (u64, &'static str) {
        (self.chars().count() as u64, "characters")
    }
}

impl HasLength for crate::Bytes {
    fn constrained_length(&self) -> (u64, &'static str) {
        (self.0.len() as u64, "bytes")
    }
}

/// `#[length(min..=max)]`.
pub fn check_length<T: HasLength>(
    value: &T,
    min: Option<u64>,
    max: Option<u64>,
    path: &FieldPath,
    violations: &mut Violations,
) {
    let (length, unit) = value.constrained_length();
    if outside(length, min, max) {
        violations.push(
            path,
            "length",
            format!("must be {} long, not {length}", bounds_text(min, max, unit)),
        );
    }
}

/// Lists and maps, whose entries `#[items]` counts.
pub trait HasItems {
    fn item_count(&self) -> usize;
}

impl<T> HasItems for Vec<T> {
    fn item_count(&self) -> usize {
        self.len()
    }
}

impl<K, V> HasItems for BTreeMap<K, V> {
    fn item_count(&self) -> usize {
        self.len()
    }
}

/// `#[items(min..=max)]` on a list or a map.
pub fn check_items<T: HasItems>(
    value: &T,
    min: Option<u64>,
    max: Option<u64>,
    path: &FieldPath,
    violations: &mut Violations,
) {
    let count = value.item_count();
    if outside(count as u64, min, max) {
        violations.push(
            path,
            "items",
            format!("must have {}, not {count}", bounds_text(min, max, "items")),
        );
    }
}

/// `#[pattern(re)]`; the regex is compiled once per field by the generated code.
pub fn check_pattern(value: &str, regex: &regex::Regex, path: &FieldPath, violations: &mut Violations) {
    if !regex.is_match(value) {
        violations.push(path, "pattern", format!("must match `{}`", regex.as_str()));
    }
}

/// Numbers that `#[range]` bounds, compared without float rounding where possible.
pub trait InRange {
    fn compare_to(&self, bound: &str) -> Option<std::cmp::Ordering>;
}

macro_rules! integer_in_range {
    ($($ty:ty),*) => {$(
        impl InRange for $ty {
            fn compare_to(&self, bound: &str) -> Option<std::cmp::Ordering> {
                match bound.parse::<i128>() {
                    Ok(bound) => Some((*self as i128).cmp(&bound)),
                    Err(_) => (*self as f64).partial_cmp(&bound.parse::<f64>().ok()?),
                }
            }
        }
    )*};
}

integer_in_range!(i32, i64, u32, u64);

impl InRange for f32 {
    fn compare_to(&self, bound: &str) -> Option<std::cmp::Ordering> {
        f64::from(*self).partial_cmp(&bound.parse::<f64>().ok()?)
    }
}

impl InRange for f64 {
    fn compare_to(&self, bound: &str) -> Option<std::cmp::Ordering> {
        self.partial_cmp(&bound.parse::<f64>().ok()?)
    }
}

impl InRange for crate::Decimal {
    fn compare_to(&self, bound: &str) -> Option<std::cmp::Ordering> {
        self.to_f64().partial_cmp(&bound.parse::<f64>().ok()?)
    }
}

/// `#[range(min..=max)]` or `#[range(min..max)]`; bounds are the IDL's literal text.
pub fn check_range<T: InRange + std::fmt::Display>(
    value: &T,
    min: Option<&str>,
    max: Option<&str>,
    max_exclusive: bool,
    path: &FieldPath,
    violations: &mut Violations,
) {
    use std::cmp::Ordering::*;
    let too_small = min.is_some_and(|min| !matches!(value.compare_to(min), Some(Greater | Equal)));
    let too_large = max.is_some_and(|max| match value.compare_to(max) {
        Some(Less) => false,
        Some(Equal) => max_exclusive,
        _ => true,
    });
    if too_small || too_large {
        let upper = if max_exclusive { "below" } else { "at most" };
        let wanted = match (min, max) {
            (Some(min), Some(max)) => format!("at least {min} and {upper} {max}"),
            (Some(min), None) => format!("at least {min}"),
            (None, Some(max)) => format!("{upper} {max}"),
            (None, None) => String::new(),
        };
        violations.push(path, "range", format!("must be {wanted}, not {value}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_violation_is_reported_with_its_path() {
        let mut path = FieldPath::default();
        let mut violations = Violations::default();
        let mark = path.field("pet");
        let inner = path.field("name");
        check_length(&String::new(), Some(1), Some(64), &path, &mut violations);
        path.truncate(inner);
        let inner = path.field("tags");
        check_items(&vec![0; 21], None, Some(20), &path, &mut violations);
        let item = path.index(3);
        let regex = regex::Regex::new("^[a-z]+$").unwrap();
        check_pattern("Puppy", &regex, &path, &mut violations);
        path.truncate(item);
        path.truncate(inner);
        path.truncate(mark);
        check_range(&0u32, Some("1"), Some("100"), false, &path, &mut violations);
        check_range(&100u32, Some("1"), Some("100"), true, &path, &mut violations);
        check_range(&100u32, Some("1"), Some("100"), false, &path, &mut violations);
        let fields: Vec<(&str, &str)> = violations
            .0
            .iter()
            .map(|v| (v.field.as_str(), v.constraint.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("pet.name", "length"),
                ("pet.tags", "items"),
                ("pet.tags[3]", "pattern"),
                ("", "range"),
                ("", "range")
            ]
        );
        assert_eq!(
            violations.0[0].message,
            "must be between 1 and 64 characters long, not 0"
        );
    }
}
