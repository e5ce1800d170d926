//! The JSON mapping (docs/json-mapping.md) as serde code: the scalar types the IDL has and Rust
//! lacks, and the [`Wire`] codec that generated types use for every field.
//!
//! Generated fields carry `#[serde(with = "omniface::wire")]`, which dispatches to [`Wire`]. A
//! trait (rather than one `with` module per shape) composes: `Option<Vec<u64>>` is written as a
//! list of decimal strings without a helper for that exact shape.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// How one Rust type is written and read in the JSON mapping.
pub trait Wire: Sized {
    fn wire_serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
    fn wire_deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// Entry point for `#[serde(with = "omniface::wire")]`.
pub fn serialize<T: Wire, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    value.wire_serialize(serializer)
}

/// Entry point for `#[serde(with = "omniface::wire")]`.
pub fn deserialize<'de, T: Wire, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    T::wire_deserialize(deserializer)
}

struct AsWire<'a, T>(&'a T);

impl<T: Wire> Serialize for AsWire<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.wire_serialize(serializer)
    }
}

struct FromWire<T>(T);

impl<'de, T: Wire> Deserialize<'de> for FromWire<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::wire_deserialize(deserializer).map(FromWire)
    }
}

/// Implements [`Wire`] by plain serde, for types whose serde form already is the JSON mapping
/// (every generated struct, enum and union).
#[macro_export]
macro_rules! impl_wire_via_serde {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::wire::Wire for $ty {
            fn wire_serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                $crate::__private::serde::Serialize::serialize(self, serializer)
            }
            fn wire_deserialize<'de, D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                <Self as $crate::__private::serde::Deserialize<'de>>::deserialize(deserializer)
            }
        }
    )*};
}

impl_wire_via_serde!(bool, String, uuid::Uuid, Timestamp, Duration, Decimal, Bytes);

/// Integers: 32-bit ones are JSON numbers, 64-bit ones decimal strings (JavaScript numbers cannot
/// hold them). Readers take exactly what the documented JSON Schema admits (ADR 0004): a number
/// for 32-bit types (`1.0` is an integer in JSON Schema), a string without sign or leading zeros
/// for 64-bit ones, in range.
macro_rules! wire_integer {
    ($ty:ty, $as_string:expr) => {
        impl Wire for $ty {
            fn wire_serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                if $as_string {
                    serializer.collect_str(self)
                } else {
                    Serialize::serialize(self, serializer)
                }
            }
            fn wire_deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct IntegerVisitor;
                impl Visitor<'_> for IntegerVisitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        if $as_string {
                            write!(
                                f,
                                "a decimal string such as \"12\" ({} is a string in JSON)",
                                stringify!($ty)
                            )
                        } else {
                            write!(f, "an integer ({})", stringify!($ty))
                        }
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                        if $as_string {
                            return Err(E::invalid_type(de::Unexpected::Signed(v), &self));
                        }
                        <$ty>::try_from(v)
                            .map_err(|_| E::custom(format!("{v} is out of range for {}", stringify!($ty))))
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                        if $as_string {
                            return Err(E::invalid_type(de::Unexpected::Unsigned(v), &self));
                        }
                        <$ty>::try_from(v)
                            .map_err(|_| E::custom(format!("{v} is out of range for {}", stringify!($ty))))
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$ty, E> {
                        if !$as_string && v.fract() == 0.0 && v >= <$ty>::MIN as f64 && v <= <$ty>::MAX as f64 {
                            Ok(v as $ty)
                        } else {
                            Err(E::invalid_type(de::Unexpected::Float(v), &self))
                        }
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        if !$as_string {
                            return Err(E::invalid_type(de::Unexpected::Str(v), &self));
                        }
                        let digits = v.strip_prefix('-').unwrap_or(v);
                        let canonical = !digits.is_empty()
                            && digits.bytes().all(|b| b.is_ascii_digit())
                            && (digits == "0" || !digits.starts_with('0'));
                        canonical
                            .then(|| v.parse().ok())
                            .flatten()
                            .ok_or_else(|| E::custom(format!("`{v}` is not a valid {}", stringify!($ty))))
                    }
                }
                deserializer.deserialize_any(IntegerVisitor)
            }
        }
    };
}

wire_integer!(i32, false);
wire_integer!(u32, false);
wire_integer!(i64, true);
wire_integer!(u64, true);

/// Floats: numbers, with `"NaN"`, `"Infinity"` and `"-Infinity"` as strings.
macro_rules! wire_float {
    ($ty:ty) => {
        impl Wire for $ty {
            fn wire_serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                if self.is_nan() {
                    serializer.serialize_str("NaN")
                } else if self.is_infinite() {
                    serializer.serialize_str(if *self > 0.0 { "Infinity" } else { "-Infinity" })
                } else {
                    Serialize::serialize(self, serializer)
                }
            }
            fn wire_deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct FloatVisitor;
                impl Visitor<'_> for FloatVisitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("a number, or \"NaN\", \"Infinity\" or \"-Infinity\"")
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$ty, E> {
                        Ok(v as $ty)
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                        Ok(v as $ty)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                        Ok(v as $ty)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        match v {
                            "NaN" => Ok(<$ty>::NAN),
                            "Infinity" => Ok(<$ty>::INFINITY),
                            "-Infinity" => Ok(<$ty>::NEG_INFINITY),
                            other => other
                                .parse()
                                .map_err(|_| E::custom(format!("`{other}` is not a number"))),
                        }
                    }
                }
                deserializer.deserialize_any(FloatVisitor)
            }
        }
    };
}

wire_float!(f32);
wire_float!(f64);

impl<T: Wire> Wire for Option<T> {
    fn wire_serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(value) => serializer.serialize_some(&AsWire(value)),
            None => serializer.serialize_none(),
        }
    }
    fn wire_deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<FromWire<T>>::deserialize(deserializer)?.map(|value| value.0))
    }
}

impl<T: Wire> Wire for Box<T> {
    fn wire_serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).wire_serialize(serializer)
    }
    fn wire_deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::wire_deserialize(deserializer).map(Box::new)
    }
}

/// Lists: an absent member reads as empty (the field's serde `default`); `null` is refused, as
/// the documented schema (`type: array`) refuses it.
impl<T: Wire> Wire for Vec<T> {
    fn wire_serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for item in self {
            seq.serialize_element(&AsWire(item))?;
        }
        seq.end()
    }
    fn wire_deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<FromWire<T>>::deserialize(deserializer)?;
        Ok(items.into_iter().map(|item| item.0).collect())
    }
}

/// Maps: keys as JSON object keys (serde_json writes integer keys as decimal strings).
impl<K, V> Wire for BTreeMap<K, V>
where
    K: Ord + Serialize + DeserializeOwned,
    V: Wire,
{
    fn wire_serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (key, value) in self {
            map.serialize_entry(key, &AsWire(value))?;
        }
        map.end()
    }
    fn wire_deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = BTreeMap::<K, FromWire<V>>::deserialize(deserializer)?;
        Ok(entries.into_iter().map(|(key, value)| (key, value.0)).collect())
    }
}

/// Reads a generated enum by its wire name (`"SPECIES_DOG"`), the only spelling the documented
/// JSON Schema admits (ADR 0004). `from_number` serves the binary protocols.
pub fn deserialize_enum<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    names: &'static [&'static str],
    from_name: fn(&str) -> Option<T>,
    from_number: fn(i64) -> Option<T>,
) -> Result<T, D::Error> {
    struct EnumVisitor<T> {
        names: &'static [&'static str],
        from_name: fn(&str) -> Option<T>,
    }
    impl<T> Visitor<'_> for EnumVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "one of {}", self.names.join(", "))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            (self.from_name)(v).ok_or_else(|| E::unknown_variant(v, self.names))
        }
    }
    let _ = from_number;
    deserializer.deserialize_str(EnumVisitor { names, from_name })
}

/// An instant, as in proto3's `google.protobuf.Timestamp`: written as RFC 3339 in UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    pub seconds: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub nanos: u32,
}

impl Timestamp {
    pub fn now() -> Timestamp {
        Timestamp::from(std::time::SystemTime::now())
    }

    pub fn from_unix_seconds(seconds: i64) -> Timestamp {
        Timestamp { seconds, nanos: 0 }
    }

    /// Parses RFC 3339 (`2026-11-27T17:16:53.5Z`, or with a `+01:00` offset).
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        let bytes = text.as_bytes();
        if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b't' | b' ') {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = text.get(range)?;
            part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        if bytes[13] != b':' || bytes[16] != b':' {
            return None;
        }
        let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        let mut rest = &text[19..];
        let mut nanos = 0u32;
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 9 {
                return None;
            }
            nanos = fraction[..digits].parse::<u32>().ok()? * 10u32.pow(9 - digits as u32);
            rest = &fraction[digits..];
        }
        let offset_seconds = match rest {
            "Z" | "z" => 0,
            _ if rest.len() == 6 && matches!(rest.as_bytes()[0], b'+' | b'-') && rest.as_bytes()[3] == b':' => {
                let hours: i64 = rest[1..3].parse().ok()?;
                let minutes: i64 = rest[4..6].parse().ok()?;
                let sign = if rest.starts_with('-') { -1 } else { 1 };
                sign * (hours * 3600 + minutes * 60)
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset_seconds;
        Some(Timestamp { seconds, nanos })
    }
}

impl std::str::FromStr for Timestamp {
    type Err = String;
    fn from_str(text: &str) -> Result<Timestamp, String> {
        Timestamp::parse_rfc3339(text).ok_or_else(|| format!("`{text}` is not an RFC 3339 timestamp"))
    }
}

impl From<std::time::SystemTime> for Timestamp {
    fn from(time: std::time::SystemTime) -> Timestamp {
        match time.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => Timestamp {
                seconds: after.as_secs() as i64,
                nanos: after.subsec_nanos(),
            },
            Err(before) => {
                let before = before.duration();
                let mut seconds = -(before.as_secs() as i64);
                let mut nanos = before.subsec_nanos();
                if nanos > 0 {
                    seconds -= 1;
                    nanos = 1_000_000_000 - nanos;
                }
                Timestamp { seconds, nanos }
            }
        }
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as proto3 writes it.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let days = self.seconds.div_euclid(86_400);
        let second_of_day = self.seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )?;
        write_fraction(f, self.nanos)?;
        f.write_str("Z")
    }
}

fn write_fraction(f: &mut fmt::Formatter, nanos: u32) -> fmt::Result {
    if nanos == 0 {
        Ok(())
    } else if nanos % 1_000_000 == 0 {
        write!(f, ".{:03}", nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        write!(f, ".{:06}", nanos / 1_000)
    } else {
        write!(f, ".{nanos:09}")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<str>>::deserialize(deserializer)?;
        Timestamp::parse_rfc3339(&text)
            .ok_or_else(|| de::Error::custom(format!("`{text}` is not an RFC 3339 timestamp")))
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A signed span of time, as in proto3's `google.protobuf.Duration`: written as `"1.5s"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    pub seconds: i64,
    /// Same sign as `seconds` (or any sign when `seconds` is 0), `-999_999_999..=999_999_999`.
    pub nanos: i32,
}

impl Duration {
    pub fn from_secs(seconds: i64) -> Duration {
        Duration { seconds, nanos: 0 }
    }

    pub fn from_millis(millis: i64) -> Duration {
        Duration {
            seconds: millis / 1000,
            nanos: (millis % 1000) as i32 * 1_000_000,
        }
    }
}

impl From<std::time::Duration> for Duration {
    fn from(duration: std::time::Duration) -> Duration {
        Duration {
            seconds: duration.as_secs() as i64,
            nanos: duration.subsec_nanos() as i32,
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.seconds < 0 || self.nanos < 0 {
            f.write_str("-")?;
        }
        write!(f, "{}", self.seconds.unsigned_abs())?;
        write_fraction(f, self.nanos.unsigned_abs())?;
        f.write_str("s")
    }
}

impl std::str::FromStr for Duration {
    type Err = String;
    fn from_str(text: &str) -> Result<Duration, String> {
        let invalid = || format!("`{text}` is not a duration such as \"1.5s\"");
        let body = text.strip_suffix('s').ok_or_else(invalid)?;
        let (negative, body) = match body.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, body),
        };
        let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 9 {
            return Err(invalid());
        }
        if !fraction.bytes().all(|b| b.is_ascii_digit()) || (body.contains('.') && fraction.is_empty()) {
            return Err(invalid());
        }
        let seconds: i64 = whole.parse().map_err(|_| invalid())?;
        let nanos: i32 = if fraction.is_empty() {
            0
        } else {
            fraction.parse::<i32>().map_err(|_| invalid())? * 10i32.pow(9 - fraction.len() as u32)
        };
        let sign = if negative { -1 } else { 1 };
        Ok(Duration {
            seconds: sign * seconds,
            nanos: sign as i32 * nanos,
        })
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<str>>::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}

/// An exact decimal number, kept as its text: `"12.50"`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Decimal(String);

impl Decimal {
    /// Accepts `-?[0-9]+(\.[0-9]+)?`.
    pub fn parse(text: &str) -> Option<Decimal> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
        let is_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        (is_digits(whole) && is_digits(fraction)).then(|| Decimal(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as a float, for range checks and display; exactness is kept by [`Decimal::as_str`].
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Decimal {
    type Err = String;
    fn from_str(text: &str) -> Result<Decimal, String> {
        Decimal::parse(text).ok_or_else(|| format!("`{text}` is not a decimal number such as \"12.50\""))
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DecimalVisitor;
        impl Visitor<'_> for DecimalVisitor {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal number as a string, such as \"12.50\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(DecimalVisitor)
    }
}

/// Binary data: standard base64 with padding on output; URL-safe and unpadded accepted on input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bytes(pub Vec<u8>);

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(bytes: Vec<u8>) -> Bytes {
        Bytes(bytes)
    }
}

impl Bytes {
    pub fn decode_base64(text: &str) -> Option<Bytes> {
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
        let text = text.trim();
        [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
            .map(Bytes)
    }

    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.0)
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<str>>::deserialize(deserializer)?;
        Bytes::decode_base64(&text).ok_or_else(|| de::Error::custom("not valid base64"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_through_rfc3339() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2026-11-27T17:16:53.500Z",
            "1969-12-31T23:59:59.000000001Z",
            "2400-02-29T12:00:00.123456Z",
        ] {
            let parsed = Timestamp::parse_rfc3339(text).unwrap();
            assert_eq!(parsed.to_string(), text);
        }
        assert_eq!(
            Timestamp::parse_rfc3339("2026-11-27T18:16:53+01:00")
                .unwrap()
                .to_string(),
            "2026-11-27T17:16:53Z"
        );
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-11-27 17:16:53",
            "2026-11-27T17:16:53.Z",
            "x",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn durations_follow_proto3() {
        // Written with 0, 3, 6 or 9 fractional digits, as proto3 writes them.
        for (text, seconds, nanos, written) in [
            ("1.5s", 1, 500_000_000, "1.500s"),
            ("-0.001s", 0, -1_000_000, "-0.001s"),
            ("3s", 3, 0, "3s"),
            ("0.000000002s", 0, 2, "0.000000002s"),
        ] {
            let parsed: Duration = text.parse().unwrap();
            assert_eq!((parsed.seconds, parsed.nanos), (seconds, nanos));
            assert_eq!(parsed.to_string(), written);
        }
        for bad in ["1.5", "s", "1.s", "1.1234567890s", "+1s"] {
            assert!(bad.parse::<Duration>().is_err(), "{bad}");
        }
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Sample {
        #[serde(with = "crate::wire")]
        big: u64,
        #[serde(with = "crate::wire", default)]
        many: Vec<i64>,
        #[serde(with = "crate::wire", default)]
        maybe: Option<f64>,
    }

    #[test]
    fn sixty_four_bit_integers_are_strings_and_optionals_accept_null() {
        let sample = Sample {
            big: u64::MAX,
            many: vec![-1, 2],
            maybe: Some(f64::INFINITY),
        };
        let json = serde_json::to_string(&sample).unwrap();
        assert_eq!(
            json,
            r#"{"big":"18446744073709551615","many":["-1","2"],"maybe":"Infinity"}"#
        );
        assert_eq!(serde_json::from_str::<Sample>(&json).unwrap(), sample);
        let loose: Sample = serde_json::from_str(r#"{"big": "7", "maybe": null}"#).unwrap();
        assert_eq!(
            loose,
            Sample {
                big: 7,
                many: vec![],
                maybe: None
            }
        );
        // Exactly what the JSON Schema pattern admits: strings, canonical, in range.
        for refused in [
            r#"{"big": 7}"#,
            r#"{"big": "-7"}"#,
            r#"{"big": "007"}"#,
            r#"{"big": "18446744073709551616"}"#,
            r#"{"big": "+7"}"#,
        ] {
            assert!(serde_json::from_str::<Sample>(refused).is_err(), "{refused}");
        }
    }
}
