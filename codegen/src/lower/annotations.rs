//! The annotation vocabulary: which `#[…]` annotations exist, where each is allowed, and what its
//! arguments mean. The IDL front end and the proc macros both hand their annotations here as
//! [`Meta`] trees, so the two front ends accept exactly the same annotations with the same errors.

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::*;
use crate::source::Span;
use crate::syntax::ast::{Meta, MetaArg, MetaArgs, NumberLit, RangeLit, Value, ValueKind};

/// The kinds of places an annotation can sit on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    Struct,
    Error,
    Enum,
    EnumVariant,
    Union,
    UnionVariant,
    Field,
    /// A method parameter.
    Param,
    EventParam,
    Service,
    Method,
    Event,
}

impl Site {
    fn describe(self) -> &'static str {
        match self {
            Site::Struct => "a struct",
            Site::Error => "an error",
            Site::Enum => "an enum",
            Site::EnumVariant => "an enum variant",
            Site::Union => "a union",
            Site::UnionVariant => "a union variant",
            Site::Field => "a field",
            Site::Param => "a method parameter",
            Site::EventParam => "an event parameter",
            Site::Service => "a service",
            Site::Method => "a method",
            Site::Event => "an event",
        }
    }
}

use Site::*;

const EVERYWHERE: &[Site] = &[
    Struct,
    Error,
    Enum,
    EnumVariant,
    Union,
    UnionVariant,
    Field,
    Param,
    EventParam,
    Service,
    Method,
    Event,
];

/// Every annotation, with the sites that accept it.
pub const VOCABULARY: &[(&str, &[Site])] = &[
    ("deprecated", EVERYWHERE),
    ("reserved", &[Struct, Error, Enum, Union]),
    ("http_status", &[Error]),
    ("grpc_code", &[Error]),
    ("length", &[Field, Param, EventParam]),
    ("range", &[Field, Param, EventParam]),
    ("pattern", &[Field, Param, EventParam]),
    ("items", &[Field, Param, EventParam]),
    ("path", &[Param]),
    ("query", &[Param]),
    ("header", &[Param]),
    ("body", &[Param]),
    ("http", &[Method]),
    ("readonly", &[Method]),
    ("idempotent", &[Method]),
    ("paginate", &[Method]),
    ("mqtt", &[Method, Event]),
    ("queue", &[Method, Event]),
    ("auth", &[Service, Method]),
];

/// Everything the annotations on one declaration said, typed. Fields irrelevant to the site stay
/// at their defaults (the site check has already rejected them).
#[derive(Debug, Default)]
pub struct Annotations {
    pub deprecated: Option<Deprecation>,
    pub reserved: Reserved,
    pub http_status: Option<u16>,
    pub grpc_code: Option<GrpcCode>,
    pub constraints: Constraints,
    pub placement: Option<Placement>,
    pub http: Option<HttpRule>,
    /// Span of the `#[http]` annotation's path string, for diagnostics on placeholders.
    pub http_path_span: Option<Span>,
    pub readonly: bool,
    pub idempotent: bool,
    pub pagination: Option<Pagination>,
    pub mqtt_topic: Option<(String, Span)>,
    pub mqtt_qos: Option<u8>,
    pub mqtt_retain: Option<bool>,
    pub queue: Option<QueueBinding>,
    pub routing_key: Option<(String, Span)>,
    pub auth: Option<Auth>,
    /// Where each annotation was written, by name, for diagnostics that point at it.
    pub spans: AttrSpans,
}

/// Interprets the annotations written on one declaration.
pub fn interpret(metas: &[&Meta], site: Site, errors: &mut Vec<Diagnostic>) -> Annotations {
    let mut out = Annotations::default();
    let mut seen: Vec<(&str, Span)> = Vec::new();
    for meta in metas {
        let name = meta.name.text.as_str();
        let Some((known, sites)) = VOCABULARY.iter().find(|(known, _)| *known == name) else {
            let suggestion = did_you_mean(name, VOCABULARY.iter().map(|(known, _)| *known));
            let mut allowed: Vec<&str> = VOCABULARY
                .iter()
                .filter(|(_, sites)| sites.contains(&site))
                .map(|(known, _)| *known)
                .collect();
            allowed.sort_unstable();
            errors.push(
                Diagnostic::error(Code::E0050, meta.name.span, format!("unknown annotation `{name}`"))
                    .label("not an omniface annotation")
                    .help(match suggestion {
                        Some(suggestion) => format!("did you mean `{suggestion}`?"),
                        None => format!("annotations allowed on {}: {}", site.describe(), allowed.join(", ")),
                    }),
            );
            continue;
        };
        if !sites.contains(&site) {
            let places: Vec<&str> = sites.iter().map(|s| s.describe()).collect();
            let places = match places.as_slice() {
                [init @ .., last] if !init.is_empty() => format!("{} or {last}", init.join(", ")),
                _ => places.join(""),
            };
            errors.push(
                Diagnostic::error(
                    Code::E0051,
                    meta.name.span,
                    format!("`{name}` cannot be used on {}", site.describe()),
                )
                .label("not allowed here")
                .help(format!("`{name}` applies to {places}")),
            );
            continue;
        }
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
            errors.push(
                Diagnostic::error(Code::E0053, meta.name.span, format!("`{name}` is given twice"))
                    .label("second one here")
                    .secondary(*first, "first one here")
                    .help("merge the two annotations into one"),
            );
            continue;
        }
        seen.push((known, meta.span));
        out.spans.0.push((known, meta.span));
        let mut reader = Reader { meta, errors };
        match *known {
            "deprecated" => out.deprecated = reader.deprecated(),
            "reserved" => out.reserved = reader.reserved(),
            "http_status" => out.http_status = reader.http_status(),
            "grpc_code" => out.grpc_code = reader.grpc_code(),
            "length" => out.constraints.length = reader.count_bounds(),
            "items" => out.constraints.items = reader.count_bounds(),
            "range" => out.constraints.range = reader.numeric_range(),
            "pattern" => out.constraints.pattern = reader.pattern(),
            "path" => {
                reader.flag();
                out.placement = Some(Placement::Path);
            }
            "body" => {
                reader.flag();
                out.placement = Some(Placement::Body);
            }
            "query" => {
                out.placement = Some(Placement::Query {
                    name: reader.optional_string(),
                })
            }
            "header" => {
                out.placement = reader
                    .required_string("a header name")
                    .map(|name| Placement::Header { name })
            }
            "http" => {
                if let Some((rule, span)) = reader.http() {
                    out.http = Some(rule);
                    out.http_path_span = Some(span);
                }
            }
            "readonly" => out.readonly = reader.flag(),
            "idempotent" => out.idempotent = reader.flag(),
            "paginate" => out.pagination = reader.paginate(),
            "mqtt" => reader.mqtt(site, &mut out),
            "queue" => reader.queue(site, &mut out),
            "auth" => out.auth = reader.auth(),
            _ => {}
        }
    }
    out
}

/// A constraint range that no value fits, such as `64..=1` or `1..1`.
fn empty_range(
    name: &str,
    span: Span,
    start: &Option<NumberLit>,
    end: &Option<NumberLit>,
    inclusive: bool,
) -> Diagnostic {
    let raw = |n: &Option<NumberLit>| n.as_ref().map_or("", |n| n.raw.as_str()).to_string();
    let operator = if inclusive { "..=" } else { ".." };
    let written = format!("{}{operator}{}", raw(start), raw(end));
    let reversed = match (start, end) {
        (Some(lo), Some(hi)) => lo.as_f64() > hi.as_f64(),
        _ => false,
    };
    Diagnostic::error(Code::E0055, span, format!("`#[{name}({written})]` allows no value"))
        .label("no value fits")
        .help(if reversed {
            "write the smaller bound first".to_string()
        } else {
            "the end of `a..b` is excluded; write `a..=b` to include it".to_string()
        })
}

/// Reads the arguments of one annotation, reporting anything malformed.
struct Reader<'a> {
    meta: &'a Meta,
    errors: &'a mut Vec<Diagnostic>,
}

/// One `key = value`, `key`, or `key(args)` inside an annotation's parentheses.
struct KeyArg<'a> {
    key: &'static str,
    meta: &'a Meta,
}

impl<'a> Reader<'a> {
    fn name(&self) -> &str {
        &self.meta.name.text
    }

    fn bad(&mut self, span: Span, message: impl Into<String>, help: impl Into<String>) {
        self.errors.push(
            Diagnostic::error(
                Code::E0052,
                span,
                format!("invalid arguments for `{}`: {}", self.name(), message.into()),
            )
            .label("here")
            .help(help.into()),
        );
    }

    fn args(&self) -> &'a [MetaArg] {
        match &self.meta.args {
            MetaArgs::List(args) => args,
            _ => &[],
        }
    }

    /// The single positional value: `name(value)` or `name = value`.
    fn single_value(&mut self, what: &str, example: &str) -> Option<&'a Value> {
        let meta: &'a Meta = self.meta;
        match &meta.args {
            MetaArgs::Value(value) => Some(value),
            MetaArgs::List(args) if args.len() == 1 => match &args[0] {
                MetaArg::Value(value) => Some(value),
                MetaArg::Meta(inner) => {
                    self.bad(inner.span, format!("expected {what}"), format!("write `#[{example}]`"));
                    None
                }
            },
            _ => {
                self.bad(meta.span, format!("expected {what}"), format!("write `#[{example}]`"));
                None
            }
        }
    }

    /// A bare annotation with no arguments.
    fn flag(&mut self) -> bool {
        if !matches!(self.meta.args, MetaArgs::None) {
            let name = self.name().to_string();
            self.bad(self.meta.span, "takes no arguments", format!("write `#[{name}]`"));
        }
        true
    }

    /// `key = value` pairs and bare `key` flags, each key from `allowed`.
    fn key_args(&mut self, allowed: &[&'static str], example: &str) -> Vec<KeyArg<'a>> {
        let mut out: Vec<KeyArg<'a>> = Vec::new();
        for arg in self.args() {
            match arg {
                MetaArg::Meta(inner) if allowed.contains(&inner.name.text.as_str()) => {
                    if out.iter().any(|seen| seen.key == inner.name.text) {
                        self.bad(inner.span, format!("`{}` is given twice", inner.name.text), "keep one");
                        continue;
                    }
                    let key = allowed
                        .iter()
                        .find(|k| **k == inner.name.text)
                        .copied()
                        .unwrap_or_default();
                    out.push(KeyArg { key, meta: inner });
                }
                MetaArg::Meta(inner) => {
                    let help = match did_you_mean(&inner.name.text, allowed.iter().copied()) {
                        Some(suggestion) => format!("did you mean `{suggestion}`?"),
                        None => format!("`{}` accepts {}; e.g. `#[{example}]`", self.name(), allowed.join(", ")),
                    };
                    self.bad(inner.name.span, format!("unknown key `{}`", inner.name.text), help);
                }
                MetaArg::Value(value) => {
                    self.bad(value.span, "unexpected value", format!("name it: `#[{example}]`"));
                }
            }
        }
        if let MetaArgs::Value(value) = &self.meta.args {
            self.bad(value.span, "expected a list of keys", format!("write `#[{example}]`"));
        }
        out
    }

    fn string_of(&mut self, value: &Value, what: &str) -> Option<String> {
        match &value.kind {
            ValueKind::String(s) => Some(s.value.clone()),
            _ => {
                self.bad(value.span, format!("expected {what} in quotes"), "quote it: \"…\"");
                None
            }
        }
    }

    fn key_string(&mut self, arg: &KeyArg, what: &str) -> Option<(String, Span)> {
        match &arg.meta.args {
            MetaArgs::Value(value) => self.string_of(value, what).map(|s| (s, value.span)),
            _ => {
                self.bad(
                    arg.meta.span,
                    format!("`{}` needs a value", arg.key),
                    format!("write `{} = \"…\"`", arg.key),
                );
                None
            }
        }
    }

    fn key_integer(&mut self, arg: &KeyArg, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
        let MetaArgs::Value(value) = &arg.meta.args else {
            self.bad(
                arg.meta.span,
                format!("`{}` needs a number", arg.key),
                format!("write `{} = N`", arg.key),
            );
            return None;
        };
        self.integer_of(value, range)
    }

    fn integer_of(&mut self, value: &Value, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
        let number = match &value.kind {
            ValueKind::Number(number) if number.is_integer() => number.as_i64(),
            _ => None,
        };
        match number {
            Some(n) if range.contains(&n) => Some(n),
            _ => {
                self.bad(
                    value.span,
                    format!("expected a whole number from {} to {}", range.start(), range.end()),
                    "use a number in that range",
                );
                None
            }
        }
    }

    fn key_bool(&mut self, arg: &KeyArg) -> Option<bool> {
        match &arg.meta.args {
            MetaArgs::None => Some(true),
            MetaArgs::Value(Value {
                kind: ValueKind::Path(path),
                ..
            }) if path == "true" => Some(true),
            MetaArgs::Value(Value {
                kind: ValueKind::Path(path),
                ..
            }) if path == "false" => Some(false),
            _ => {
                self.bad(
                    arg.meta.span,
                    format!("`{}` is a flag", arg.key),
                    format!("write `{}` or `{} = false`", arg.key, arg.key),
                );
                None
            }
        }
    }

    fn key_name(&mut self, arg: &KeyArg) -> Option<String> {
        match &arg.meta.args {
            MetaArgs::Value(Value {
                kind: ValueKind::Path(path),
                ..
            }) => Some(path.clone()),
            MetaArgs::Value(Value {
                kind: ValueKind::String(s),
                ..
            }) => Some(s.value.clone()),
            _ => {
                self.bad(
                    arg.meta.span,
                    format!("`{}` needs a name", arg.key),
                    format!("write `{} = name`", arg.key),
                );
                None
            }
        }
    }

    fn deprecated(&mut self) -> Option<Deprecation> {
        let note = match &self.meta.args {
            MetaArgs::None => None,
            MetaArgs::Value(value) => self.string_of(value, "a message"),
            MetaArgs::List(args) => match args.as_slice() {
                [MetaArg::Value(value)] => self.string_of(value, "a message"),
                [MetaArg::Meta(inner)] if inner.name.text == "note" => match &inner.args {
                    MetaArgs::Value(value) => self.string_of(value, "a message"),
                    _ => {
                        self.bad(
                            inner.span,
                            "`note` needs a message",
                            "write `#[deprecated(note = \"use x instead\")]`",
                        );
                        None
                    }
                },
                _ => {
                    self.bad(
                        self.meta.span,
                        "expected a message",
                        "write `#[deprecated(\"use x instead\")]`",
                    );
                    None
                }
            },
        };
        Some(Deprecation { note })
    }

    fn reserved(&mut self) -> Reserved {
        let mut reserved = Reserved::default();
        if self.args().is_empty() {
            self.bad(
                self.meta.span,
                "nothing reserved",
                "write `#[reserved(4, 8..=10, \"old_name\")]`",
            );
        }
        for arg in self.args() {
            let MetaArg::Value(value) = arg else {
                self.bad(
                    arg.span(),
                    "expected a number, a range or a quoted name",
                    "write `#[reserved(4, 8..=10, \"old_name\")]`",
                );
                continue;
            };
            match &value.kind {
                ValueKind::Number(_) => {
                    if let Some(n) = self.integer_of(value, 0..=i64::from(i32::MAX)) {
                        reserved.numbers.push(NumberRange { start: n, end: n });
                    }
                }
                ValueKind::Range(range) => {
                    let bound = |n: &Option<NumberLit>| n.as_ref().filter(|n| n.is_integer()).and_then(|n| n.as_i64());
                    match (bound(&range.start), bound(&range.end)) {
                        (Some(start), Some(end)) => {
                            let end = if range.inclusive { end } else { end - 1 };
                            if start > end {
                                self.bad(value.span, "the range is empty", "write the smaller number first");
                            } else {
                                reserved.numbers.push(NumberRange { start, end });
                            }
                        }
                        _ => self.bad(
                            value.span,
                            "a reserved range needs two whole-number ends",
                            "write `8..=10`",
                        ),
                    }
                }
                ValueKind::String(s) => reserved.names.push(s.value.clone()),
                _ => self.bad(
                    value.span,
                    "expected a number, a range or a quoted name",
                    "write `#[reserved(4, 8..=10, \"old_name\")]`",
                ),
            }
        }
        reserved
    }

    fn http_status(&mut self) -> Option<u16> {
        let value = self.single_value("an HTTP status", "http_status(404)")?;
        self.integer_of(value, 400..=599).map(|n| n as u16)
    }

    fn grpc_code(&mut self) -> Option<GrpcCode> {
        let meta: &'a Meta = self.meta;
        let name = match (&meta.args, self.args()) {
            (_, [MetaArg::Meta(inner)]) if matches!(inner.args, MetaArgs::None) => {
                Some((inner.name.text.as_str(), inner.span))
            }
            (
                MetaArgs::Value(Value {
                    kind: ValueKind::Path(path),
                    span,
                }),
                _,
            ) => Some((path.as_str(), *span)),
            _ => None,
        };
        let Some((name, span)) = name else {
            self.bad(
                meta.span,
                "expected a gRPC code name",
                "write `#[grpc_code(not_found)]`",
            );
            return None;
        };
        let code = GrpcCode::from_name(name);
        if code.is_none() || code == Some(GrpcCode::Ok) {
            let suggestion = did_you_mean(name, GrpcCode::ALL[1..].iter().map(|c| c.name()));
            let help = match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "use one of the gRPC code names, e.g. `not_found`, `already_exists`, `unavailable`".into(),
            };
            self.bad(span, format!("`{name}` is not a gRPC error code"), help);
            return None;
        }
        code
    }

    /// `1..=64`, `..=64`, `1..`, `1..65` or an exact `8`.
    fn count_bounds(&mut self) -> Option<Bounds> {
        let name = self.name().to_string();
        let value = self.single_value("a range", &format!("{name}(1..=64)"))?;
        let whole = |n: &Option<NumberLit>| -> Result<Option<u64>, ()> {
            match n {
                None => Ok(None),
                Some(n) => n.raw.parse::<u64>().map(Some).map_err(|_| ()),
            }
        };
        let (min, max) = match &value.kind {
            ValueKind::Number(n) => match n.raw.parse::<u64>() {
                Ok(n) => (Some(n), Some(n)),
                Err(_) => {
                    self.bad(
                        value.span,
                        "expected a whole number of at least 0",
                        format!("write `#[{name}(1..=64)]`"),
                    );
                    return None;
                }
            },
            ValueKind::Range(RangeLit { start, end, inclusive }) => match (whole(start), whole(end)) {
                (Ok(min), Ok(max)) => {
                    let max = match (max, inclusive) {
                        (Some(0), false) => {
                            self.errors.push(empty_range(&name, value.span, start, end, false));
                            return None;
                        }
                        (Some(max), false) => Some(max - 1),
                        (max, _) => max,
                    };
                    (min, max)
                }
                _ => {
                    self.bad(
                        value.span,
                        "bounds must be whole numbers of at least 0",
                        format!("write `#[{name}(1..=64)]`"),
                    );
                    return None;
                }
            },
            _ => {
                self.bad(value.span, "expected a range", format!("write `#[{name}(1..=64)]`"));
                return None;
            }
        };
        if min.is_none() && max.is_none() {
            self.bad(
                value.span,
                "the range has no bounds",
                format!("write `#[{name}(1..=64)]`"),
            );
            return None;
        }
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            let diagnostic = match &value.kind {
                ValueKind::Range(range) => empty_range(&name, value.span, &range.start, &range.end, range.inclusive),
                _ => empty_range(&name, value.span, &None, &None, true),
            };
            self.errors.push(diagnostic);
            return None;
        }
        Some(Bounds { min, max })
    }

    fn numeric_range(&mut self) -> Option<NumericRange> {
        let value = self.single_value("a range", "range(0..=100)")?;
        let ValueKind::Range(RangeLit { start, end, inclusive }) = &value.kind else {
            self.bad(
                value.span,
                "expected a range such as `0..=100`",
                "write `#[range(0..=100)]`, `#[range(1..)]` or `#[range(0.0..1.0)]`",
            );
            return None;
        };
        if start.is_none() && end.is_none() {
            self.bad(value.span, "the range has no bounds", "write `#[range(0..=100)]`");
            return None;
        }
        if let (Some(lo), Some(hi)) = (start, end) {
            let (lo_value, hi_value) = (lo.as_f64().unwrap_or(f64::NAN), hi.as_f64().unwrap_or(f64::NAN));
            if lo_value > hi_value || (!inclusive && lo_value == hi_value) {
                self.errors
                    .push(empty_range("range", value.span, start, end, *inclusive));
                return None;
            }
        }
        Some(NumericRange {
            min: start.as_ref().map(|n| Number(n.raw.clone())),
            max: end.as_ref().map(|n| Number(n.raw.clone())),
            max_exclusive: end.is_some() && !inclusive,
        })
    }

    fn pattern(&mut self) -> Option<String> {
        let value = self.single_value("a regular expression", "pattern(\"^[a-z]+$\")")?;
        let pattern = self.string_of(value, "a regular expression")?;
        if let Err(error) = regex_syntax::Parser::new().parse(&pattern) {
            let message = error.to_string();
            let reason = message.lines().last().unwrap_or("").trim();
            let reason = reason.strip_prefix("error: ").unwrap_or(reason).to_string();
            self.errors.push(
                Diagnostic::error(Code::E0055, value.span, "invalid regular expression")
                    .label(reason)
                    .help("patterns use the common subset of ECMAScript and Rust regex syntax"),
            );
            return None;
        }
        Some(pattern)
    }

    fn optional_string(&mut self) -> Option<String> {
        match &self.meta.args {
            MetaArgs::None => None,
            _ => {
                let name = self.name().to_string();
                let value = self.single_value("a name in quotes", &format!("{name}(\"name\")"))?;
                self.string_of(value, "a name")
            }
        }
    }

    fn required_string(&mut self, what: &str) -> Option<String> {
        let name = self.name().to_string();
        let value = self.single_value(&format!("{what} in quotes"), &format!("{name}(\"X-Request-Id\")"))?;
        let text = self.string_of(value, what)?;
        if text.is_empty()
            || !text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            self.bad(
                value.span,
                format!("`{text}` is not a valid {what}"),
                "use letters, digits, `-` and `_`",
            );
            return None;
        }
        Some(text)
    }

    fn http(&mut self) -> Option<(HttpRule, Span)> {
        let args = self.args();
        let example = "http(get, \"/pets/{id}\")";
        let (verb_meta, path_value) = match args {
            [MetaArg::Meta(verb), MetaArg::Value(path)] => (verb, path),
            _ => {
                self.bad(
                    self.meta.span,
                    "expected an HTTP method and a path",
                    format!("write `#[{example}]`"),
                );
                return None;
            }
        };
        let verb_name = verb_meta.name.text.to_ascii_lowercase();
        let Some(verb) = HttpVerb::ALL.iter().copied().find(|v| v.name() == verb_name) else {
            let help = match did_you_mean(&verb_name, HttpVerb::ALL.iter().map(|v| v.name())) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "use get, post, put, patch or delete".into(),
            };
            self.bad(
                verb_meta.span,
                format!("`{}` is not an HTTP method", verb_meta.name.text),
                help,
            );
            return None;
        };
        let path = self.string_of(path_value, "a path")?;
        Some((
            HttpRule {
                verb,
                path,
                span: path_value.span,
            },
            path_value.span,
        ))
    }

    fn paginate(&mut self) -> Option<Pagination> {
        let example = "paginate(cursor = page_token, size = page_size, next = next_page_token, items = pets)";
        let mut pagination = Pagination {
            cursor: "page_token".into(),
            size: "page_size".into(),
            next: "next_page_token".into(),
            items: None,
            span: self.meta.span,
        };
        for arg in self.key_args(&["cursor", "size", "next", "items"], example) {
            let Some(name) = self.key_name(&arg) else {
                continue;
            };
            match arg.key {
                "cursor" => pagination.cursor = name,
                "size" => pagination.size = name,
                "next" => pagination.next = name,
                _ => pagination.items = Some(name),
            }
        }
        Some(pagination)
    }

    fn mqtt(&mut self, site: Site, out: &mut Annotations) {
        let example = match site {
            Site::Event => "mqtt(topic = \"store/pets/{id}/sold\", qos = 1, retain)",
            _ => "mqtt(topic = \"devices/{device_id}/commands/reboot\", qos = 1)",
        };
        let args = self.key_args(&["topic", "qos", "retain"], example);
        if args.is_empty() && matches!(self.meta.args, MetaArgs::None | MetaArgs::List(_)) && self.args().is_empty() {
            self.bad(self.meta.span, "nothing configured", format!("write `#[{example}]`"));
        }
        for arg in args {
            match arg.key {
                "topic" => out.mqtt_topic = self.key_string(&arg, "a topic"),
                "qos" => out.mqtt_qos = self.key_integer(&arg, 0..=2).map(|n| n as u8),
                _ if site != Site::Event => self.bad(
                    arg.meta.span,
                    "`retain` applies to events only",
                    "a method's requests are never retained; remove `retain`",
                ),
                _ => out.mqtt_retain = self.key_bool(&arg),
            }
        }
    }

    fn queue(&mut self, site: Site, out: &mut Annotations) {
        if site == Site::Event {
            let example = "queue(routing_key = \"pets.sold\")";
            let args = self.key_args(&["routing_key"], example);
            match args.first() {
                Some(arg) => out.routing_key = self.key_string(arg, "a routing key"),
                None if self.args().is_empty() => self.bad(
                    self.meta.span,
                    "events need a routing key here",
                    format!("write `#[{example}]`, or leave the annotation out for the default"),
                ),
                None => {}
            }
            return;
        }
        let mut binding = QueueBinding {
            name: None,
            max_attempts: None,
            span: self.meta.span,
        };
        for arg in self.key_args(
            &["name", "max_attempts"],
            "queue(name = \"pets.adoptions\", max_attempts = 5)",
        ) {
            match arg.key {
                "name" => binding.name = self.key_string(&arg, "a queue name").map(|(name, _)| name),
                _ => binding.max_attempts = self.key_integer(&arg, 1..=1000).map(|n| n as u32),
            }
        }
        out.queue = Some(binding);
    }

    fn auth(&mut self) -> Option<Auth> {
        let example = "auth(bearer)";
        let mut auth = Auth {
            schemes: Vec::new(),
            scopes: Vec::new(),
            span: self.meta.span,
        };
        let mut none = None;
        if self.args().is_empty() {
            self.bad(
                self.meta.span,
                "no scheme given",
                "write `#[auth(bearer)]`, `#[auth(api_key)]`, `#[auth(basic)]` or `#[auth(none)]`",
            );
            return None;
        }
        let keys = ["bearer", "basic", "api_key", "none", "scopes"];
        for arg in self.key_args(&keys, example) {
            match arg.key {
                "bearer" | "basic" | "none" if !matches!(arg.meta.args, MetaArgs::None) => {
                    self.bad(
                        arg.meta.span,
                        format!("`{}` takes no arguments", arg.key),
                        format!("write `#[auth({})]`", arg.key),
                    );
                }
                "bearer" => auth.schemes.push(AuthScheme::Bearer),
                "basic" => auth.schemes.push(AuthScheme::Basic),
                "none" => none = Some(arg.meta.span),
                "api_key" => {
                    let inner_reader_meta = arg.meta;
                    let mut inner = Reader {
                        meta: inner_reader_meta,
                        errors: self.errors,
                    };
                    let mut scheme = AuthScheme::ApiKey {
                        location: ApiKeyLocation::Header,
                        name: "X-API-Key".into(),
                    };
                    for key in inner.key_args(&["header", "query"], "auth(api_key(header = \"X-API-Key\"))") {
                        if let Some((name, _)) = inner.key_string(&key, "a header or parameter name") {
                            let location = if key.key == "header" {
                                ApiKeyLocation::Header
                            } else {
                                ApiKeyLocation::Query
                            };
                            scheme = AuthScheme::ApiKey { location, name };
                        }
                    }
                    auth.schemes.push(scheme);
                }
                _ => match &arg.meta.args {
                    MetaArgs::Value(Value {
                        kind: ValueKind::Array(values),
                        ..
                    }) => {
                        for value in values {
                            if let Some(scope) = self.string_of(value, "a scope") {
                                auth.scopes.push(scope);
                            }
                        }
                    }
                    _ => self.bad(
                        arg.meta.span,
                        "`scopes` needs a list",
                        "write `scopes = [\"pets:write\"]`",
                    ),
                },
            }
        }
        if let Some(span) = none
            && (!auth.schemes.is_empty() || !auth.scopes.is_empty())
        {
            self.bad(
                span,
                "`none` cannot be combined with a scheme",
                "use `#[auth(none)]` alone to make a method public",
            );
        }
        Some(auth)
    }
}
