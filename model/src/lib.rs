//! omniface-model: one plain-data description of an API that both front ends (the `.idl` parser
//! and the proc macros) lower into, every target reads, and the runtime serves.
//!
//! Invariant: this crate depends on no parser, macro or template crate. It holds what the author
//! declared (absent bindings stay `None`); the effective values every target uses (field numbers,
//! HTTP routes, topics…) are computed by the functions in [`bindings`], so all targets agree.
//! After the compiler's checker succeeds, every [`TypeRef::Named`] holds a fully qualified name.

pub mod bindings;
pub mod naming;
pub mod span;

use serde::{Deserialize, Serialize};

use crate::span::Span;

/// A whole API: every package read, in a stable order (the order files were loaded).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Model {
    pub packages: Vec<Package>,
    /// Qualified name → (package index, type index), built on first lookup. Each hit is checked
    /// against the name, so an index left stale by later edits degrades to a scan, never lies.
    #[serde(skip)]
    type_index: std::sync::OnceLock<std::collections::HashMap<String, (usize, usize)>>,
}

impl PartialEq for Model {
    fn eq(&self, other: &Model) -> bool {
        self.packages == other.packages
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Package {
    /// Dotted name, `acme.pets.v1`.
    pub name: String,
    /// Joined `//!` docs of the package's files.
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
    /// Source file names that declared this package, as given (relative paths stay relative).
    pub files: Vec<String>,
    pub types: Vec<TypeDef>,
    pub services: Vec<Service>,
    #[serde(skip)]
    pub span: Span,
}

/// Documentation text, one entry per `///` line, leading space removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Docs(pub Vec<String>);

impl Docs {
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|line| line.trim().is_empty())
    }

    /// The lines joined with newlines, trailing blank lines dropped.
    pub fn text(&self) -> String {
        let mut lines: Vec<&str> = self.0.iter().map(String::as_str).collect();
        while lines.last().is_some_and(|line| line.trim().is_empty()) {
            lines.pop();
        }
        lines.join("\n")
    }
}

/// Where each annotation of a declaration was written, so diagnostics can point at it. Not part of
/// the API: skipped in serialisation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttrSpans(pub Vec<(&'static str, Span)>);

impl AttrSpans {
    pub fn get(&self, name: &str) -> Option<Span> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, span)| *span)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deprecation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TypeDef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Deprecation>,
    #[serde(flatten)]
    pub kind: TypeKind,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub attr_spans: AttrSpans,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeKind {
    Struct(Struct),
    Error(ErrorDef),
    Enum(Enum),
    Union(Union),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Struct {
    pub fields: Vec<Field>,
    #[serde(default, skip_serializing_if = "Reserved::is_empty")]
    pub reserved: Reserved,
}

/// A struct that can be thrown by a method.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorDef {
    pub fields: Vec<Field>,
    #[serde(default, skip_serializing_if = "Reserved::is_empty")]
    pub reserved: Reserved,
    /// Declared HTTP status; see [`bindings::error_http_status`] for the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Declared gRPC code; see [`bindings::error_grpc_code`] for the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grpc_code: Option<GrpcCode>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Enum {
    pub variants: Vec<EnumVariant>,
    #[serde(default, skip_serializing_if = "Reserved::is_empty")]
    pub reserved: Reserved,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnumVariant {
    pub name: String,
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
    /// Declared value; see [`bindings::enum_values`] for the numbering rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Deprecation>,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub attr_spans: AttrSpans,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Union {
    pub variants: Vec<UnionVariant>,
    #[serde(default, skip_serializing_if = "Reserved::is_empty")]
    pub reserved: Reserved,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnionVariant {
    pub name: String,
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    #[serde(rename = "type")]
    pub ty: TypeRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Deprecation>,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub attr_spans: AttrSpans,
    #[serde(skip)]
    pub ty_span: Span,
}

/// Numbers and names that must not be used again (after a field or value was removed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reserved {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub numbers: Vec<NumberRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

impl Reserved {
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty() && self.names.is_empty()
    }

    pub fn contains_number(&self, number: i64) -> bool {
        self.numbers
            .iter()
            .any(|range| range.start <= number && number <= range.end)
    }
}

/// An inclusive range of wire numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberRange {
    pub start: i64,
    pub end: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
    /// Declared wire number; see [`bindings::field_numbers`] for the rule when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    #[serde(rename = "type")]
    pub ty: TypeRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Literal>,
    #[serde(default, skip_serializing_if = "Constraints::is_empty")]
    pub constraints: Constraints,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Deprecation>,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub attr_spans: AttrSpans,
    #[serde(skip)]
    pub ty_span: Span,
}

/// A reference to a type. Named types are fully qualified after checking (`acme.pets.v1.Pet`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeRef {
    Scalar(Scalar),
    Named(String),
    List(Box<TypeRef>),
    Map(Box<TypeRef>, Box<TypeRef>),
    Optional(Box<TypeRef>),
}

impl TypeRef {
    /// The type with one level of `?` removed.
    pub fn required(&self) -> &TypeRef {
        match self {
            TypeRef::Optional(inner) => inner,
            other => other,
        }
    }

    pub fn is_optional(&self) -> bool {
        matches!(self, TypeRef::Optional(_))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scalar {
    Bool,
    I32,
    I64,
    U32,
    U64,
    F32,
    F64,
    String,
    Bytes,
    Timestamp,
    Duration,
    Uuid,
    Decimal,
}

impl Scalar {
    pub const ALL: &'static [Scalar] = &[
        Scalar::Bool,
        Scalar::I32,
        Scalar::I64,
        Scalar::U32,
        Scalar::U64,
        Scalar::F32,
        Scalar::F64,
        Scalar::String,
        Scalar::Bytes,
        Scalar::Timestamp,
        Scalar::Duration,
        Scalar::Uuid,
        Scalar::Decimal,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scalar::Bool => "bool",
            Scalar::I32 => "i32",
            Scalar::I64 => "i64",
            Scalar::U32 => "u32",
            Scalar::U64 => "u64",
            Scalar::F32 => "f32",
            Scalar::F64 => "f64",
            Scalar::String => "string",
            Scalar::Bytes => "bytes",
            Scalar::Timestamp => "timestamp",
            Scalar::Duration => "duration",
            Scalar::Uuid => "uuid",
            Scalar::Decimal => "decimal",
        }
    }

    pub fn from_name(name: &str) -> Option<Scalar> {
        Scalar::ALL.iter().copied().find(|scalar| scalar.name() == name)
    }

    pub fn is_integer(self) -> bool {
        matches!(self, Scalar::I32 | Scalar::I64 | Scalar::U32 | Scalar::U64)
    }

    pub fn is_float(self) -> bool {
        matches!(self, Scalar::F32 | Scalar::F64)
    }

    pub fn is_numeric(self) -> bool {
        self.is_integer() || self.is_float() || self == Scalar::Decimal
    }
}

/// Constraints checked on every protocol before the implementation is called.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Constraints {
    /// Length in characters (strings) or bytes (bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<Bounds>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<NumericRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Entry count of a list or map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Bounds>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        self.length.is_none() && self.range.is_none() && self.pattern.is_none() && self.items.is_none()
    }
}

/// Inclusive count bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumericRange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<Number>,
    /// `a..b` excludes `b`; `a..=b` includes it.
    pub max_exclusive: bool,
}

/// A number as written, kept exact (no float rounding between targets).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Number(pub String);

impl Number {
    pub fn as_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }

    pub fn as_i128(&self) -> Option<i128> {
        self.0.parse().ok()
    }
}

/// A default value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Literal {
    Bool(bool),
    Number(Number),
    String(String),
    /// An enum variant, by name.
    Enum(String),
    List(Vec<Literal>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub name: String,
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Deprecation>,
    /// Default auth of the service's methods and events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<Auth>,
    pub methods: Vec<Method>,
    pub events: Vec<Event>,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub attr_spans: AttrSpans,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Method {
    pub name: String,
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Deprecation>,
    pub params: Vec<Param>,
    /// The parameter is a stream (client streaming). A stream parameter is the only parameter.
    pub input_stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub returns: Option<TypeRef>,
    pub output_stream: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub throws: Vec<String>,
    /// Side-effect free: GET, GraphQL Query, proto `NO_SIDE_EFFECTS`.
    pub readonly: bool,
    /// Safe to repeat: proto `IDEMPOTENT`, duplicate deliveries deduplicated.
    pub idempotent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpRule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mqtt: Option<MqttMethodBinding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueBinding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<Auth>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub attr_spans: AttrSpans,
    #[serde(skip)]
    pub returns_span: Span,
    #[serde(skip)]
    pub throws_spans: Vec<Span>,
}

impl Method {
    pub fn kind(&self) -> StreamingKind {
        match (self.input_stream, self.output_stream) {
            (false, false) => StreamingKind::Unary,
            (false, true) => StreamingKind::ServerStreaming,
            (true, false) => StreamingKind::ClientStreaming,
            (true, true) => StreamingKind::Bidirectional,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamingKind {
    Unary,
    ServerStreaming,
    ClientStreaming,
    Bidirectional,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    #[serde(flatten)]
    pub field: Field,
    /// Declared placement; see [`bindings::http_route`] for the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "in", rename_all = "snake_case")]
pub enum Placement {
    Path,
    Query {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    Header {
        name: String,
    },
    /// The parameter is the whole request body.
    Body,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpVerb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpVerb {
    pub const ALL: &'static [HttpVerb] = &[
        HttpVerb::Get,
        HttpVerb::Post,
        HttpVerb::Put,
        HttpVerb::Patch,
        HttpVerb::Delete,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HttpVerb::Get => "get",
            HttpVerb::Post => "post",
            HttpVerb::Put => "put",
            HttpVerb::Patch => "patch",
            HttpVerb::Delete => "delete",
        }
    }

    /// Methods whose requests carry no body by convention.
    pub fn has_body(self) -> bool {
        matches!(self, HttpVerb::Post | HttpVerb::Put | HttpVerb::Patch)
    }
}

/// A declared HTTP binding: `#[http(get, "/pets/{id}")]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRule {
    pub verb: HttpVerb,
    pub path: String,
    /// Span of the template string (quotes included).
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MqttMethodBinding {
    /// Request topic template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qos: Option<u8>,
    /// Span of the template string (quotes included).
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MqttEventBinding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qos: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retain: Option<bool>,
    /// Span of the template string (quotes included).
    #[serde(skip)]
    pub span: Span,
}

/// `#[queue]` on a method: also consumed as a job from a durable work queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueBinding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventQueueBinding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_key: Option<String>,
    /// Span of the template string (quotes included).
    #[serde(skip)]
    pub span: Span,
}

/// Who may call: any one of the schemes, or nobody needs to authenticate (`none`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Auth {
    pub schemes: Vec<AuthScheme>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    #[serde(skip)]
    pub span: Span,
}

impl Auth {
    pub fn is_none(&self) -> bool {
        self.schemes.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
pub enum AuthScheme {
    Bearer,
    Basic,
    ApiKey { location: ApiKeyLocation, name: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyLocation {
    Header,
    Query,
}

/// Cursor pagination: names of the request params and response fields involved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pagination {
    pub cursor: String,
    pub size: String,
    pub next: String,
    /// The list field of the result; filled with the only list field when not declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub name: String,
    #[serde(default, skip_serializing_if = "Docs::is_empty")]
    pub docs: Docs,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Deprecation>,
    pub params: Vec<Param>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mqtt: Option<MqttEventBinding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<EventQueueBinding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<Auth>,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub attr_spans: AttrSpans,
}

/// The sixteen gRPC status codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GrpcCode {
    Ok,
    Cancelled,
    Unknown,
    InvalidArgument,
    DeadlineExceeded,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    ResourceExhausted,
    FailedPrecondition,
    Aborted,
    OutOfRange,
    Unimplemented,
    Internal,
    Unavailable,
    DataLoss,
    Unauthenticated,
}

impl GrpcCode {
    pub const ALL: &'static [GrpcCode] = &[
        GrpcCode::Ok,
        GrpcCode::Cancelled,
        GrpcCode::Unknown,
        GrpcCode::InvalidArgument,
        GrpcCode::DeadlineExceeded,
        GrpcCode::NotFound,
        GrpcCode::AlreadyExists,
        GrpcCode::PermissionDenied,
        GrpcCode::ResourceExhausted,
        GrpcCode::FailedPrecondition,
        GrpcCode::Aborted,
        GrpcCode::OutOfRange,
        GrpcCode::Unimplemented,
        GrpcCode::Internal,
        GrpcCode::Unavailable,
        GrpcCode::DataLoss,
        GrpcCode::Unauthenticated,
    ];

    /// The code's number on the wire.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The snake_case spelling used in annotations: `not_found`.
    pub fn name(self) -> &'static str {
        match self {
            GrpcCode::Ok => "ok",
            GrpcCode::Cancelled => "cancelled",
            GrpcCode::Unknown => "unknown",
            GrpcCode::InvalidArgument => "invalid_argument",
            GrpcCode::DeadlineExceeded => "deadline_exceeded",
            GrpcCode::NotFound => "not_found",
            GrpcCode::AlreadyExists => "already_exists",
            GrpcCode::PermissionDenied => "permission_denied",
            GrpcCode::ResourceExhausted => "resource_exhausted",
            GrpcCode::FailedPrecondition => "failed_precondition",
            GrpcCode::Aborted => "aborted",
            GrpcCode::OutOfRange => "out_of_range",
            GrpcCode::Unimplemented => "unimplemented",
            GrpcCode::Internal => "internal",
            GrpcCode::Unavailable => "unavailable",
            GrpcCode::DataLoss => "data_loss",
            GrpcCode::Unauthenticated => "unauthenticated",
        }
    }

    /// Accepts `not_found` and `NOT_FOUND`.
    pub fn from_name(name: &str) -> Option<GrpcCode> {
        let lowered = name.to_ascii_lowercase();
        GrpcCode::ALL.iter().copied().find(|code| code.name() == lowered)
    }
}

impl Model {
    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|package| package.name == name)
    }

    pub fn new(packages: Vec<Package>) -> Model {
        Model {
            packages,
            type_index: Default::default(),
        }
    }

    /// Looks up a type by its fully qualified name.
    pub fn type_def(&self, qualified: &str) -> Option<&TypeDef> {
        let index = self.type_index.get_or_init(|| {
            let mut index = std::collections::HashMap::new();
            for (p, package) in self.packages.iter().enumerate() {
                for (t, ty) in package.types.iter().enumerate() {
                    index.entry(format!("{}.{}", package.name, ty.name)).or_insert((p, t));
                }
            }
            index
        });
        let (package, name) = qualified.rsplit_once('.')?;
        if let Some(&(p, t)) = index.get(qualified)
            && let Some(found) = self.packages.get(p).and_then(|pk| pk.types.get(t))
            && found.name == name
            && self.packages[p].name == package
        {
            return Some(found);
        }
        self.package(package)?.types.iter().find(|ty| ty.name == name)
    }
}
