//! The protobuf encoding of the generated types, as the `proto` target declares them: gRPC reads
//! and writes the IDL's own Rust types through these traits, with no second set of message types
//! and no conversion in between (ADR 0005).
//!
//! Generated code implements [`Message`] for structs, errors, unions and request structs, and
//! [`Enum`] for enums; the impls here cover scalars, well-known types, `Option`, `Vec`,
//! `BTreeMap` and `Box`. Field-level rules follow proto3: a plain scalar equal to its default is
//! left out (implicit presence), `T?` is written whenever it is set (explicit presence), lists of
//! numbers are packed (and read packed or not), and maps are repeated entry messages.
//!
//! Decoding is strict where the JSON readers are (ADR 0004): a required enum left at its
//! `UNSPECIFIED` zero, a missing required message or union, an unknown enum number, a bad UUID or
//! decimal are all errors naming the field, by its JSON-mapping path, so one bad input reads the
//! same on every protocol. Unknown fields are skipped, as protobuf requires.

use std::collections::BTreeMap;

use bytes::BufMut;

use crate::error::{Error, Violation};
use crate::wire::{Bytes, Decimal, Duration, Timestamp};

/// How deep messages may nest on input before decoding gives up (protobuf's usual limit).
pub const MAX_DEPTH: u32 = 100;

/// Protobuf wire types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireType {
    Varint = 0,
    Fixed64 = 1,
    Len = 2,
    Fixed32 = 5,
}

/// Why a message could not be decoded, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Path segments from the innermost outwards: `name`, `[2]`, `pets`.
    path: Vec<String>,
    constraint: &'static str,
    message: String,
}

impl DecodeError {
    /// A required value is missing (or a required enum is `UNSPECIFIED`).
    pub fn required() -> DecodeError {
        DecodeError {
            path: Vec::new(),
            constraint: "required",
            message: "missing field".to_string(),
        }
    }

    /// The bytes do not hold a value of the expected type.
    pub fn invalid(message: impl Into<String>) -> DecodeError {
        DecodeError {
            path: Vec::new(),
            constraint: "type",
            message: message.into(),
        }
    }

    /// Names the field (its JSON-mapping name) the error happened in.
    pub fn within(mut self, field: &str) -> DecodeError {
        self.path.push(field.to_string());
        self
    }

    fn at_index(mut self, index: usize) -> DecodeError {
        self.path.push(format!("[{index}]"));
        self
    }

    fn is_bare_required(&self) -> bool {
        self.constraint == "required" && self.path.is_empty()
    }

    /// The path in the JSON mapping: `pet.tags[2]`.
    pub fn field(&self) -> String {
        let mut field = String::new();
        for segment in self.path.iter().rev() {
            if !field.is_empty() && !segment.starts_with('[') {
                field.push('.');
            }
            field.push_str(segment);
        }
        field
    }
}

impl From<DecodeError> for Error {
    fn from(error: DecodeError) -> Error {
        Error::validation(vec![Violation {
            field: error.field(),
            constraint: error.constraint.to_string(),
            message: error.message,
        }])
    }
}

// ---------------------------------------------------------------------------------------------
// Wire primitives

#[inline]
pub fn encode_varint<B: BufMut>(mut value: u64, buf: &mut B) {
    while value >= 0x80 {
        buf.put_u8((value as u8) | 0x80);
        value >>= 7;
    }
    buf.put_u8(value as u8);
}

#[inline]
pub fn varint_len(value: u64) -> usize {
    // Each byte holds 7 bits; zero still takes one byte.
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

#[inline]
pub fn decode_varint(buf: &mut &[u8]) -> Result<u64, DecodeError> {
    let mut value = 0u64;
    for (index, byte) in buf.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            if index == 9 && *byte > 1 {
                break;
            }
            *buf = &buf[index + 1..];
            return Ok(value);
        }
    }
    Err(DecodeError::invalid("malformed protobuf: bad varint"))
}

#[inline]
pub fn encode_key<B: BufMut>(tag: u32, wire_type: WireType, buf: &mut B) {
    encode_varint(u64::from(tag << 3 | wire_type as u32), buf);
}

#[inline]
pub fn key_len(tag: u32) -> usize {
    varint_len(u64::from(tag << 3))
}

/// Reads a field key: its number and wire type.
#[inline]
pub fn decode_key(buf: &mut &[u8]) -> Result<(u32, WireType), DecodeError> {
    let key = decode_varint(buf)?;
    let wire_type = match key & 7 {
        0 => WireType::Varint,
        1 => WireType::Fixed64,
        2 => WireType::Len,
        5 => WireType::Fixed32,
        other => return Err(DecodeError::invalid(format!("unsupported protobuf wire type {other}"))),
    };
    let tag = key >> 3;
    if tag == 0 || tag > u64::from(u32::MAX >> 3) {
        return Err(DecodeError::invalid("malformed protobuf: bad field number"));
    }
    Ok((tag as u32, wire_type))
}

/// Skips a field this side does not know (a newer peer's, or a reserved one).
pub fn skip_field(wire_type: WireType, buf: &mut &[u8]) -> Result<(), DecodeError> {
    let len = match wire_type {
        WireType::Varint => return decode_varint(buf).map(drop),
        WireType::Fixed64 => 8,
        WireType::Fixed32 => 4,
        WireType::Len => decode_varint(buf)? as usize,
    };
    take(buf, len).map(drop)
}

#[inline]
fn take<'a>(buf: &mut &'a [u8], len: usize) -> Result<&'a [u8], DecodeError> {
    if buf.len() < len {
        return Err(DecodeError::invalid("malformed protobuf: truncated"));
    }
    let (head, tail) = buf.split_at(len);
    *buf = tail;
    Ok(head)
}

#[inline]
fn expect(actual: WireType, expected: WireType) -> Result<(), DecodeError> {
    if actual == expected {
        Ok(())
    } else {
        Err(DecodeError::invalid(format!(
            "wrong protobuf wire type: expected {expected:?}, got {actual:?}"
        )))
    }
}

/// Reads a length-delimited payload.
#[inline]
pub fn decode_len<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], DecodeError> {
    let len = decode_varint(buf)? as usize;
    take(buf, len)
}

// ---------------------------------------------------------------------------------------------
// Values and fields

/// One value of a protobuf type, without a key: what a singular field, a list item, a map key or
/// value, or a oneof member holds.
pub trait Value: Sized {
    const WIRE_TYPE: WireType;
    /// Numbers (and enums) are packed in lists.
    const PACKABLE: bool = false;

    /// proto3 leaves a plain field out when it holds this (zero, empty).
    fn is_default(&self) -> bool;
    fn encode_value<B: BufMut>(&self, buf: &mut B);
    fn value_len(&self) -> usize;
    fn decode_value(buf: &mut &[u8], depth: u32) -> Result<Self, DecodeError>;
    /// The value of a plain field that is not on the wire; `None` when it must be there.
    fn absent() -> Option<Self>;

    /// A message's fields, unframed: how a struct travels as a whole rpc message.
    fn encode_body<B: BufMut>(&self, _buf: &mut B) {
        unreachable!("only messages travel as a whole rpc message")
    }

    fn decode_body(_buf: &[u8], _depth: u32) -> Result<Self, DecodeError> {
        Err(DecodeError::invalid("only messages travel as a whole rpc message"))
    }
}

/// A field of a message: a plain value (implicit presence), `Option` (explicit presence), `Vec`
/// (repeated) or `BTreeMap` (map).
pub trait Field: Sized {
    /// Writes the field with number `tag`, unless proto3 leaves it out.
    fn encode_field<B: BufMut>(&self, tag: u32, buf: &mut B);
    fn field_len(&self, tag: u32) -> usize;
    /// Reads one occurrence of the field into `slot`.
    fn merge(slot: &mut Option<Self>, wire_type: WireType, buf: &mut &[u8], depth: u32) -> Result<(), DecodeError>;
    /// The field's value when it never occurred; `None` when it must occur.
    fn absent() -> Option<Self>;
}

/// Reads one occurrence of field `name` (its JSON-mapping name, for the error path) into `slot`.
#[inline]
pub fn merge<T: Field>(
    slot: &mut Option<T>,
    wire_type: WireType,
    buf: &mut &[u8],
    depth: u32,
    name: &str,
) -> Result<(), DecodeError> {
    T::merge(slot, wire_type, buf, depth).map_err(|error| error.within(name))
}

/// The value of field `name` once its message is read: what was read, else its absent value,
/// else a `required` error naming it.
#[inline]
pub fn finish<T: Field>(slot: Option<T>, name: &str) -> Result<T, DecodeError> {
    match slot {
        Some(value) => Ok(value),
        None => T::absent().ok_or_else(|| DecodeError::required().within(name)),
    }
}

/// Writes a value with its key even when it is the default (oneof members, map entries).
#[inline]
pub fn encode_value_field<T: Value, B: BufMut>(value: &T, tag: u32, buf: &mut B) {
    encode_key(tag, T::WIRE_TYPE, buf);
    value.encode_value(buf);
}

#[inline]
pub fn value_field_len<T: Value>(value: &T, tag: u32) -> usize {
    key_len(tag) + value.value_len()
}

impl<T: Value> Field for T {
    #[inline]
    fn encode_field<B: BufMut>(&self, tag: u32, buf: &mut B) {
        if !self.is_default() {
            encode_value_field(self, tag, buf);
        }
    }

    #[inline]
    fn field_len(&self, tag: u32) -> usize {
        if self.is_default() {
            0
        } else {
            value_field_len(self, tag)
        }
    }

    #[inline]
    fn merge(slot: &mut Option<Self>, wire_type: WireType, buf: &mut &[u8], depth: u32) -> Result<(), DecodeError> {
        expect(wire_type, T::WIRE_TYPE)?;
        *slot = Some(T::decode_value(buf, depth)?);
        Ok(())
    }

    fn absent() -> Option<Self> {
        <T as Value>::absent()
    }
}

impl<T: Value> Field for Option<T> {
    #[inline]
    fn encode_field<B: BufMut>(&self, tag: u32, buf: &mut B) {
        if let Some(value) = self {
            encode_value_field(value, tag, buf);
        }
    }

    #[inline]
    fn field_len(&self, tag: u32) -> usize {
        self.as_ref().map_or(0, |value| value_field_len(value, tag))
    }

    fn merge(slot: &mut Option<Self>, wire_type: WireType, buf: &mut &[u8], depth: u32) -> Result<(), DecodeError> {
        expect(wire_type, T::WIRE_TYPE)?;
        *slot = match T::decode_value(buf, depth) {
            Ok(value) => Some(Some(value)),
            // An enum set to UNSPECIFIED, or a union with no member set: the value is absent.
            Err(error) if error.is_bare_required() => Some(None),
            Err(error) => return Err(error),
        };
        Ok(())
    }

    fn absent() -> Option<Self> {
        Some(None)
    }
}

impl<T: Value> Field for Vec<T> {
    fn encode_field<B: BufMut>(&self, tag: u32, buf: &mut B) {
        if self.is_empty() {
            return;
        }
        if T::PACKABLE {
            encode_key(tag, WireType::Len, buf);
            encode_varint(self.iter().map(Value::value_len).sum::<usize>() as u64, buf);
            for item in self {
                item.encode_value(buf);
            }
        } else {
            for item in self {
                encode_value_field(item, tag, buf);
            }
        }
    }

    fn field_len(&self, tag: u32) -> usize {
        if self.is_empty() {
            return 0;
        }
        let values: usize = self.iter().map(Value::value_len).sum();
        if T::PACKABLE {
            key_len(tag) + varint_len(values as u64) + values
        } else {
            key_len(tag) * self.len() + values
        }
    }

    fn merge(slot: &mut Option<Self>, wire_type: WireType, buf: &mut &[u8], depth: u32) -> Result<(), DecodeError> {
        let items = slot.get_or_insert_with(Vec::new);
        if T::PACKABLE && wire_type == WireType::Len {
            let mut packed = decode_len(buf)?;
            while !packed.is_empty() {
                let index = items.len();
                items.push(T::decode_value(&mut packed, depth).map_err(|e| e.at_index(index))?);
            }
            return Ok(());
        }
        expect(wire_type, T::WIRE_TYPE)?;
        let index = items.len();
        items.push(T::decode_value(buf, depth).map_err(|e| e.at_index(index))?);
        Ok(())
    }

    fn absent() -> Option<Self> {
        Some(Vec::new())
    }
}

impl<K: Value + Ord, V: Value> Field for BTreeMap<K, V> {
    fn encode_field<B: BufMut>(&self, tag: u32, buf: &mut B) {
        for (key, value) in self {
            encode_key(tag, WireType::Len, buf);
            encode_varint((value_field_len(key, 1) + value_field_len(value, 2)) as u64, buf);
            encode_value_field(key, 1, buf);
            encode_value_field(value, 2, buf);
        }
    }

    fn field_len(&self, tag: u32) -> usize {
        self.iter()
            .map(|(key, value)| {
                let entry = value_field_len(key, 1) + value_field_len(value, 2);
                key_len(tag) + varint_len(entry as u64) + entry
            })
            .sum()
    }

    fn merge(slot: &mut Option<Self>, wire_type: WireType, buf: &mut &[u8], depth: u32) -> Result<(), DecodeError> {
        expect(wire_type, WireType::Len)?;
        let mut entry = decode_len(buf)?;
        let (mut key, mut value) = (None, None);
        while !entry.is_empty() {
            match decode_key(&mut entry)? {
                (1, wire_type) => <K as Field>::merge(&mut key, wire_type, &mut entry, depth)?,
                (2, wire_type) => <V as Field>::merge(&mut value, wire_type, &mut entry, depth)?,
                (_, wire_type) => skip_field(wire_type, &mut entry)?,
            }
        }
        let key = finish(key, "key")?;
        let value = finish(value, "value")?;
        slot.get_or_insert_with(BTreeMap::new).insert(key, value);
        Ok(())
    }

    fn absent() -> Option<Self> {
        Some(BTreeMap::new())
    }
}

impl<T: Value> Value for Box<T> {
    const WIRE_TYPE: WireType = T::WIRE_TYPE;
    const PACKABLE: bool = T::PACKABLE;

    fn is_default(&self) -> bool {
        (**self).is_default()
    }

    fn encode_value<B: BufMut>(&self, buf: &mut B) {
        (**self).encode_value(buf)
    }

    fn value_len(&self) -> usize {
        (**self).value_len()
    }

    fn decode_value(buf: &mut &[u8], depth: u32) -> Result<Self, DecodeError> {
        T::decode_value(buf, depth).map(Box::new)
    }

    fn absent() -> Option<Self> {
        T::absent().map(Box::new)
    }
}

macro_rules! varint_value {
    ($ty:ty, |$v:ident| $to_wire:expr, |$w:ident| $from_wire:expr) => {
        impl Value for $ty {
            const WIRE_TYPE: WireType = WireType::Varint;
            const PACKABLE: bool = true;

            #[inline]
            fn is_default(&self) -> bool {
                *self == <$ty>::default()
            }

            #[inline]
            fn encode_value<B: BufMut>(&self, buf: &mut B) {
                let $v = *self;
                encode_varint($to_wire, buf)
            }

            #[inline]
            fn value_len(&self) -> usize {
                let $v = *self;
                varint_len($to_wire)
            }

            #[inline]
            fn decode_value(buf: &mut &[u8], _depth: u32) -> Result<Self, DecodeError> {
                let $w = decode_varint(buf)?;
                Ok($from_wire)
            }

            fn absent() -> Option<Self> {
                Some(<$ty>::default())
            }
        }
    };
}

// int32 negatives are sign-extended to ten bytes, as protobuf does; unsigned values truncate as
// in every protobuf library.
varint_value!(bool, |v| u64::from(v), |w| w != 0);
varint_value!(i32, |v| v as i64 as u64, |w| w as i32);
varint_value!(i64, |v| v as u64, |w| w as i64);
varint_value!(u32, |v| u64::from(v), |w| w as u32);
varint_value!(u64, |v| v, |w| w);

macro_rules! fixed_value {
    ($ty:ty, $wire:expr, $size:expr) => {
        impl Value for $ty {
            const WIRE_TYPE: WireType = $wire;
            const PACKABLE: bool = true;

            #[inline]
            fn is_default(&self) -> bool {
                // -0.0 is written, as protobuf does: only positive zero is the default.
                self.to_bits() == 0
            }

            #[inline]
            fn encode_value<B: BufMut>(&self, buf: &mut B) {
                buf.put_slice(&self.to_le_bytes())
            }

            #[inline]
            fn value_len(&self) -> usize {
                $size
            }

            #[inline]
            fn decode_value(buf: &mut &[u8], _depth: u32) -> Result<Self, DecodeError> {
                let bytes = take(buf, $size)?;
                Ok(<$ty>::from_le_bytes(
                    bytes.try_into().expect("took the exact size"),
                ))
            }

            fn absent() -> Option<Self> {
                Some(0.0)
            }
        }
    };
}

fixed_value!(f32, WireType::Fixed32, 4);
fixed_value!(f64, WireType::Fixed64, 8);

impl Value for String {
    const WIRE_TYPE: WireType = WireType::Len;

    #[inline]
    fn is_default(&self) -> bool {
        self.is_empty()
    }

    #[inline]
    fn encode_value<B: BufMut>(&self, buf: &mut B) {
        encode_varint(self.len() as u64, buf);
        buf.put_slice(self.as_bytes());
    }

    #[inline]
    fn value_len(&self) -> usize {
        varint_len(self.len() as u64) + self.len()
    }

    #[inline]
    fn decode_value(buf: &mut &[u8], _depth: u32) -> Result<Self, DecodeError> {
        let bytes = decode_len(buf)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_string()),
            Err(_) => Err(DecodeError::invalid("a string must be valid UTF-8")),
        }
    }

    fn absent() -> Option<Self> {
        Some(String::new())
    }
}

impl Value for Bytes {
    const WIRE_TYPE: WireType = WireType::Len;

    fn is_default(&self) -> bool {
        self.0.is_empty()
    }

    fn encode_value<B: BufMut>(&self, buf: &mut B) {
        encode_varint(self.0.len() as u64, buf);
        buf.put_slice(&self.0);
    }

    fn value_len(&self) -> usize {
        varint_len(self.0.len() as u64) + self.0.len()
    }

    fn decode_value(buf: &mut &[u8], _depth: u32) -> Result<Self, DecodeError> {
        Ok(Bytes(decode_len(buf)?.to_vec()))
    }

    fn absent() -> Option<Self> {
        Some(Bytes(Vec::new()))
    }
}

/// A value written as text, lent to `f` without allocating it.
trait AsText {
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R;
}

impl AsText for uuid::Uuid {
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(self.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()))
    }
}

impl AsText for Decimal {
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(self.as_str())
    }
}

/// Values written as strings in proto, exactly as in the JSON mapping.
macro_rules! string_value {
    ($ty:ty, $what:literal, |$text:ident| $parse:expr) => {
        impl Value for $ty {
            const WIRE_TYPE: WireType = WireType::Len;

            fn is_default(&self) -> bool {
                false
            }

            fn encode_value<B: BufMut>(&self, buf: &mut B) {
                self.with_text(|text| {
                    encode_varint(text.len() as u64, buf);
                    buf.put_slice(text.as_bytes());
                })
            }

            fn value_len(&self) -> usize {
                self.with_text(|text| varint_len(text.len() as u64) + text.len())
            }

            fn decode_value(buf: &mut &[u8], depth: u32) -> Result<Self, DecodeError> {
                let $text = String::decode_value(buf, depth)?;
                if $text.is_empty() {
                    return Err(DecodeError::required());
                }
                $parse.ok_or_else(|| DecodeError::invalid(concat!("not ", $what)))
            }

            fn absent() -> Option<Self> {
                None
            }
        }
    };
}

string_value!(uuid::Uuid, "a UUID", |text| uuid::Uuid::parse_str(&text).ok());
string_value!(Decimal, "a decimal number", |text| Decimal::parse(&text));

/// `google.protobuf.Timestamp` and `google.protobuf.Duration`: `seconds = 1`, `nanos = 2`.
macro_rules! seconds_nanos_value {
    ($ty:ty, $nanos:ty, $valid:expr) => {
        impl Value for $ty {
            const WIRE_TYPE: WireType = WireType::Len;

            fn is_default(&self) -> bool {
                false
            }

            fn encode_value<B: BufMut>(&self, buf: &mut B) {
                encode_varint(self.encode_body_len() as u64, buf);
                self.encode_body(buf);
            }

            fn value_len(&self) -> usize {
                let len = self.encode_body_len();
                varint_len(len as u64) + len
            }

            fn decode_value(buf: &mut &[u8], depth: u32) -> Result<Self, DecodeError> {
                Self::decode_body(decode_len(buf)?, depth)
            }

            fn absent() -> Option<Self> {
                None
            }

            fn encode_body<B: BufMut>(&self, buf: &mut B) {
                self.seconds.encode_field(1, buf);
                (self.nanos as $nanos).encode_field(2, buf);
            }

            fn decode_body(mut buf: &[u8], depth: u32) -> Result<Self, DecodeError> {
                let (mut seconds, mut nanos) = (None::<i64>, None::<$nanos>);
                while !buf.is_empty() {
                    match decode_key(&mut buf)? {
                        (1, wire_type) => Field::merge(&mut seconds, wire_type, &mut buf, depth)?,
                        (2, wire_type) => Field::merge(&mut nanos, wire_type, &mut buf, depth)?,
                        (_, wire_type) => skip_field(wire_type, &mut buf)?,
                    }
                }
                let value = Self {
                    seconds: seconds.unwrap_or(0),
                    nanos: nanos.unwrap_or(0) as _,
                };
                let valid: fn(&Self) -> bool = $valid;
                if valid(&value) {
                    Ok(value)
                } else {
                    Err(DecodeError::invalid("seconds or nanos out of range"))
                }
            }
        }

        impl $ty {
            fn encode_body_len(&self) -> usize {
                self.seconds.field_len(1) + (self.nanos as $nanos).field_len(2)
            }
        }
    };
}

seconds_nanos_value!(Timestamp, i32, |t| {
    // 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z, as the well-known type says.
    (-62_135_596_800..=253_402_300_799).contains(&t.seconds) && t.nanos < 1_000_000_000
});
seconds_nanos_value!(Duration, i32, |d| {
    (-315_576_000_000..=315_576_000_000).contains(&d.seconds)
        && d.nanos.abs() < 1_000_000_000
        && (d.seconds == 0 || d.nanos == 0 || (d.seconds > 0) == (d.nanos > 0))
});

// ---------------------------------------------------------------------------------------------
// Generated types

/// A struct, error, union or request as a protobuf message. Generated code implements this and
/// then [`crate::impl_proto_message!`] makes the type a [`Value`].
pub trait Message: Sized {
    fn encode_fields<B: BufMut>(&self, buf: &mut B);
    fn fields_len(&self) -> usize;
    fn decode_fields(buf: &[u8], depth: u32) -> Result<Self, DecodeError>;

    /// The message on its own (a gRPC message body, an `Any`'s value).
    fn encode_to_vec(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(self.fields_len());
        self.encode_fields(&mut buf);
        buf
    }

    fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_fields(buf, 0)
    }
}

/// Reads a nested message, counting depth so hostile input cannot overflow the stack.
pub fn decode_nested<T: Message>(buf: &mut &[u8], depth: u32) -> Result<T, DecodeError> {
    if depth >= MAX_DEPTH {
        return Err(DecodeError::invalid("messages nest too deeply"));
    }
    T::decode_fields(decode_len(buf)?, depth + 1)
}

/// The empty message: what a method returning nothing answers.
impl Message for () {
    fn encode_fields<B: BufMut>(&self, _buf: &mut B) {}

    fn fields_len(&self) -> usize {
        0
    }

    fn decode_fields(_buf: &[u8], _depth: u32) -> Result<Self, DecodeError> {
        Ok(())
    }
}

/// An enum: its numbers in the proto file (0 is `UNSPECIFIED`, which no variant has).
pub trait Enum: Sized {
    fn number(&self) -> i32;
    fn from_number(number: i32) -> Option<Self>;
}

/// Makes a generated [`Message`] type a [`Value`] (a field of other messages).
#[macro_export]
macro_rules! impl_proto_message {
    ($ty:ty) => {
        impl $crate::proto::Value for $ty {
            const WIRE_TYPE: $crate::proto::WireType = $crate::proto::WireType::Len;

            fn is_default(&self) -> bool {
                false
            }

            fn encode_value<B: $crate::__private::BufMut>(&self, buf: &mut B) {
                $crate::proto::encode_varint($crate::proto::Message::fields_len(self) as u64, buf);
                $crate::proto::Message::encode_fields(self, buf);
            }

            fn value_len(&self) -> usize {
                let len = $crate::proto::Message::fields_len(self);
                $crate::proto::varint_len(len as u64) + len
            }

            fn decode_value(buf: &mut &[u8], depth: u32) -> ::std::result::Result<Self, $crate::proto::DecodeError> {
                $crate::proto::decode_nested(buf, depth)
            }

            fn absent() -> ::std::option::Option<Self> {
                ::std::option::Option::None
            }

            fn encode_body<B: $crate::__private::BufMut>(&self, buf: &mut B) {
                $crate::proto::Message::encode_fields(self, buf)
            }

            fn decode_body(buf: &[u8], depth: u32) -> ::std::result::Result<Self, $crate::proto::DecodeError> {
                $crate::proto::Message::decode_fields(buf, depth)
            }
        }
    };
}

/// Makes a generated [`Enum`] type a [`Value`].
#[macro_export]
macro_rules! impl_proto_enum {
    ($ty:ty) => {
        impl $crate::proto::Value for $ty {
            const WIRE_TYPE: $crate::proto::WireType = $crate::proto::WireType::Varint;
            const PACKABLE: bool = true;

            fn is_default(&self) -> bool {
                false
            }

            fn encode_value<B: $crate::__private::BufMut>(&self, buf: &mut B) {
                $crate::proto::Value::encode_value(&$crate::proto::Enum::number(self), buf)
            }

            fn value_len(&self) -> usize {
                $crate::proto::Value::value_len(&$crate::proto::Enum::number(self))
            }

            fn decode_value(buf: &mut &[u8], depth: u32) -> ::std::result::Result<Self, $crate::proto::DecodeError> {
                $crate::proto::decode_enum(buf, depth)
            }

            fn absent() -> ::std::option::Option<Self> {
                ::std::option::Option::None
            }
        }
    };
}

/// Reads an enum number: 0 (`UNSPECIFIED`) means the value is missing; a number the enum does
/// not have is rejected rather than kept, as the JSON readers reject unknown names.
pub fn decode_enum<T: Enum>(buf: &mut &[u8], depth: u32) -> Result<T, DecodeError> {
    match i32::decode_value(buf, depth)? {
        0 => Err(DecodeError::required()),
        number => T::from_number(number).ok_or_else(|| DecodeError::invalid(format!("unknown enum value {number}"))),
    }
}

/// How one side of an rpc carries its value (from `omniface_model::bindings::grpc_rpcs`).
pub use omniface_model::bindings::GrpcCarrier as Carrier;

/// Encodes a value as an rpc message: the message itself, or wrapped in field `field`.
pub fn encode_carried<T: Value, B: BufMut>(value: &T, carrier: Carrier, buf: &mut B) {
    match carrier {
        Carrier::Message => value.encode_body(buf),
        // The wrapper's field is written even when it holds a default, so a reader can tell a
        // zero result from a missing one.
        Carrier::Wrapped { field } => encode_value_field(value, field, buf),
    }
}

/// Decodes an rpc message carrying a `T`.
pub fn decode_carried<T: Value>(mut buf: &[u8], carrier: Carrier) -> Result<T, DecodeError> {
    match carrier {
        Carrier::Message => T::decode_body(buf, 0),
        Carrier::Wrapped { field } => {
            let mut slot = None;
            while !buf.is_empty() {
                match decode_key(&mut buf)? {
                    (tag, wire_type) if tag == field => <T as Field>::merge(&mut slot, wire_type, &mut buf, 0)?,
                    (_, wire_type) => skip_field(wire_type, &mut buf)?,
                }
            }
            match slot {
                Some(value) => Ok(value),
                None => <T as Value>::absent().ok_or_else(DecodeError::required),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_at_every_length() {
        for value in [0u64, 1, 127, 128, 300, 16_383, 16_384, u32::MAX as u64, u64::MAX] {
            let mut buf = Vec::new();
            encode_varint(value, &mut buf);
            assert_eq!(buf.len(), varint_len(value), "{value}");
            let mut slice = &buf[..];
            assert_eq!(decode_varint(&mut slice).unwrap(), value);
            assert!(slice.is_empty());
        }
        // An eleven-byte varint is malformed, not a panic.
        let mut slice = &[0xffu8; 11][..];
        assert!(decode_varint(&mut slice).is_err());
    }

    #[test]
    fn negative_int32_takes_ten_bytes_like_protobuf() {
        let mut buf = Vec::new();
        (-1i32).encode_field(1, &mut buf);
        assert_eq!(buf, [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    }

    #[test]
    fn packed_and_unpacked_lists_both_read() {
        let packed = [0x0a, 0x03, 0x01, 0x02, 0x03];
        let unpacked = [0x08, 0x01, 0x08, 0x02, 0x08, 0x03];
        for bytes in [&packed[..], &unpacked[..]] {
            let mut slot: Option<Vec<u32>> = None;
            let mut buf = bytes;
            while !buf.is_empty() {
                let (tag, wire_type) = decode_key(&mut buf).unwrap();
                assert_eq!(tag, 1);
                Field::merge(&mut slot, wire_type, &mut buf, 0).unwrap();
            }
            assert_eq!(slot.unwrap(), [1, 2, 3]);
        }
        let mut buf = Vec::new();
        vec![1u32, 2, 3].encode_field(1, &mut buf);
        assert_eq!(buf, packed);
    }

    #[test]
    fn timestamps_are_the_well_known_message() {
        let mut buf = Vec::new();
        Timestamp {
            seconds: 1_700_000_000,
            nanos: 5,
        }
        .encode_field(3, &mut buf);
        // Field 3, length 8: seconds (field 1) then nanos (field 2).
        assert_eq!(buf, [0x1a, 0x08, 0x08, 0x80, 0xe2, 0xcf, 0xaa, 0x06, 0x10, 0x05]);
        let decoded = Timestamp::decode_body(&buf[2..], 0).unwrap();
        assert_eq!(decoded.seconds, 1_700_000_000);
        assert_eq!(decoded.nanos, 5);
    }

    #[test]
    fn truncated_and_bad_input_are_errors() {
        let mut slot: Option<String> = None;
        let mut buf = &[0x05u8, b'a'][..];
        assert!(<String as Field>::merge(&mut slot, WireType::Len, &mut buf, 0).is_err());
        let mut buf = &[0x02u8, 0xff, 0xfe][..];
        assert!(<String as Field>::merge(&mut slot, WireType::Len, &mut buf, 0).is_err());
        let mut buf = &[0x0bu8][..];
        assert!(decode_key(&mut buf).is_err(), "wire type 3 (groups) is refused");
    }

    #[test]
    fn paths_read_like_json_paths() {
        let error = DecodeError::invalid("x").within("name").at_index(2).within("pets");
        assert_eq!(error.field(), "pets[2].name");
    }
}
