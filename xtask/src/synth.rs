//! Synthetic APIs for the benchmarks: one in-memory description ([`Api`]) rendered as omniface
//! IDL (in the syntax of `docs/language.md`) and as the equivalent TypeSpec, so that omniface
//! and TypeSpec compile the same API. (The equivalent `.proto` is omniface's own `--target proto`
//! output for the IDL.)
//!
//! Everything is derived from the element's index, so the same sizes always give the same text
//! (no random numbers). [`big`] is a realistic mix of every construct; [`deep_chain`] is a long
//! chain of structs, each needing the next, to catch recursion in the compilers.
//!
//! # The TypeSpec equivalent
//!
//! [`Api::typespec`] writes one `main.tsp` for `@typespec/http` and `@typespec/openapi3`:
//!
//! - a struct is a `model` (fields in lowerCamelCase, the JSON names; lists, maps, optionals and
//!   fields with a default are optional properties, as they are not `required` in omniface's
//!   JSON Schema), an enum an `enum` whose members have omniface's JSON values
//!   (`ACCOUNT_STATE14_ACTIVE`), a union a `@oneOf union` of single-member objects (the
//!   externally tagged form of `docs/json-mapping.md`), an error an `@error model` with its
//!   `@statusCode`;
//! - constraints become `@minLength`/`@maxLength`, `@pattern`, `@minValue`/`@maxValue` and
//!   `@maxItems`; defaults stay defaults; `uuid` is a `@format("uuid")` string scalar;
//! - a service is an `interface` with `@tag` and, for `#[auth(bearer)]`, `@useAuth(BearerAuth)`;
//!   each method is an operation with omniface's HTTP binding (`docs/language.md` §12.1): its
//!   `@route` and verb, and `@path`, `@query`, `@header` and `@body` parameters (the others are
//!   members of the JSON body); `throws` adds the errors to the return type; streams are
//!   `text/event-stream` responses and `application/x-ndjson` request bodies;
//! - each event is a `GET …/events/…` operation answering `text/event-stream` with a payload
//!   model, as omniface's OpenAPI document has it.
//!
//! Left out, because TypeSpec's OpenAPI output has no place for them: field numbers,
//! `#[reserved]`, `#[deprecated]` (TypeSpec's `#deprecated` warns at every use), gRPC codes,
//! pagination, MQTT and queue bindings, and auth scopes on a bearer token.

use std::collections::HashSet;
use std::fmt::Write;

/// The size of the main benchmark input (the target in the issue).
pub const BIG_TYPES: usize = 5_000;
pub const BIG_METHODS: usize = 500;
/// Methods per service; the number of services follows from it.
const METHODS_PER_SERVICE: usize = 50;
/// Events per service.
const EVENTS_PER_SERVICE: usize = 5;

/// A generated API: its description, its IDL text and what it holds.
pub struct Synth {
    pub api: Api,
    /// The IDL text.
    pub text: String,
    pub structs: usize,
    pub enums: usize,
    pub unions: usize,
    pub errors: usize,
    pub methods: usize,
    pub events: usize,
}

impl Synth {
    pub fn types(&self) -> usize {
        self.structs + self.enums + self.unions + self.errors
    }

    /// The equivalent TypeSpec (`main.tsp`).
    pub fn typespec(&self) -> String {
        self.api.typespec()
    }
}

// ---------------------------------------------------------------------------------------------
// The description
// ---------------------------------------------------------------------------------------------

/// One API: a package of types and services.
pub struct Api {
    /// `bench.big.v1`.
    pub package: String,
    /// The file's documentation, one entry per line.
    pub doc: Vec<String>,
    pub types: Vec<TypeDecl>,
    pub services: Vec<Service>,
}

pub enum TypeDecl {
    Struct(Struct),
    Enum(Enum),
    Union(Union),
    Error(ErrorType),
}

pub struct Struct {
    pub name: String,
    /// One entry per line; an empty entry is an empty line.
    pub doc: Vec<String>,
    /// The arguments of `#[reserved(…)]`, as IDL text.
    pub reserved: Option<&'static str>,
    pub deprecated: Option<&'static str>,
    pub fields: Vec<Field>,
}

pub struct Field {
    pub doc: Option<String>,
    pub name: &'static str,
    /// An explicit field number (`@N`).
    pub number: Option<usize>,
    pub constraint: Option<Constraint>,
    pub ty: Ty,
    pub default: Option<Value>,
}

#[derive(Clone, Copy)]
pub enum Constraint {
    /// `#[length(a..=b)]`
    Length(u32, u32),
    /// `#[pattern("…")]`
    Pattern(&'static str),
    /// `#[range(a..=b)]`
    Range(u32, u32),
    /// `#[items(..=n)]`
    MaxItems(u32),
}

pub enum Value {
    Int(u32),
    Bool(bool),
    /// A variant of an enum: (enum, variant).
    Variant(String, String),
}

#[derive(Clone)]
pub enum Ty {
    /// An IDL scalar: `u64`, `string`, …
    Scalar(&'static str),
    /// A declared struct, enum or union.
    Named(String),
    Optional(Box<Ty>),
    List(Box<Ty>),
    /// `map<string, T>`
    Map(Box<Ty>),
    Stream(Box<Ty>),
}

impl Ty {
    fn named(name: &str) -> Ty {
        Ty::Named(name.to_string())
    }
    fn optional(self) -> Ty {
        Ty::Optional(Box::new(self))
    }
    fn list(self) -> Ty {
        Ty::List(Box::new(self))
    }
    fn map(self) -> Ty {
        Ty::Map(Box::new(self))
    }
    fn stream(self) -> Ty {
        Ty::Stream(Box::new(self))
    }
}

pub struct Enum {
    pub name: String,
    pub doc: String,
    pub reserved: Option<&'static str>,
    pub variants: Vec<EnumVariant>,
}

pub struct EnumVariant {
    pub name: &'static str,
    pub doc: Option<String>,
    /// An explicit number (`= N`).
    pub number: Option<u32>,
}

pub struct Union {
    pub name: String,
    pub doc: String,
    /// (variant, struct it carries)
    pub variants: Vec<(&'static str, String)>,
}

pub struct ErrorType {
    pub name: String,
    pub doc: String,
    pub http_status: u32,
    pub grpc_code: Option<&'static str>,
    pub fields: Vec<Field>,
}

pub struct Service {
    pub name: String,
    pub doc: Vec<String>,
    /// `#[auth(bearer)]`
    pub bearer: bool,
    pub methods: Vec<Method>,
    pub events: Vec<Event>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Put,
    Delete,
}

impl Verb {
    fn name(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Post => "post",
            Verb::Put => "put",
            Verb::Delete => "delete",
        }
    }
}

pub struct Method {
    pub doc: &'static str,
    pub name: String,
    /// `#[http(verb, "route")]`
    pub http: Option<(Verb, String)>,
    pub paginate: bool,
    pub idempotent: bool,
    /// `auth(bearer, scopes = ["admin"])` on the method.
    pub admin_only: bool,
    pub readonly: bool,
    /// An MQTT or queue binding, as IDL annotation text (`mqtt(topic = "…", qos = 1)`).
    pub binding: Option<String>,
    pub params: Vec<Param>,
    /// Parameters one per line (with their documentation), or all on the `fn` line.
    pub multiline: bool,
    pub returns: Option<Ty>,
    pub throws: Vec<String>,
}

pub struct Param {
    pub doc: Option<&'static str>,
    pub attr: Option<ParamAttr>,
    pub name: &'static str,
    pub ty: Ty,
    pub default: Option<Value>,
}

pub enum ParamAttr {
    Constraint(Constraint),
    Body,
    Header(&'static str),
}

pub struct Event {
    pub doc: &'static str,
    /// The MQTT or queue binding, as IDL annotation text.
    pub binding: String,
    pub name: String,
    pub params: Vec<Param>,
}

fn param(name: &'static str, ty: Ty) -> Param {
    Param {
        doc: None,
        attr: None,
        name,
        ty,
        default: None,
    }
}

impl Param {
    fn doc(mut self, doc: &'static str) -> Param {
        self.doc = Some(doc);
        self
    }
    fn attr(mut self, attr: ParamAttr) -> Param {
        self.attr = Some(attr);
        self
    }
    fn default(mut self, value: Value) -> Param {
        self.default = Some(value);
        self
    }
}

fn method(doc: &'static str, name: String) -> Method {
    Method {
        doc,
        name,
        http: None,
        paginate: false,
        idempotent: false,
        admin_only: false,
        readonly: false,
        binding: None,
        params: Vec::new(),
        multiline: false,
        returns: None,
        throws: Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

const NOUNS: &[&str] = &[
    "Account", "Order", "Invoice", "Customer", "Shipment", "Product", "Payment", "Review", "Address", "Ticket",
    "Device", "Session", "Report", "Message", "Booking", "Vehicle",
];
/// Field names; a struct takes consecutive ones (wrapping), so its names are distinct.
const FIELDS: &[&str] = &[
    "name",
    "title",
    "description",
    "created_at",
    "updated_at",
    "owner",
    "status",
    "amount",
    "currency",
    "labels",
    "tags",
    "notes",
    "priority",
    "revision",
    "parent",
    "region",
    "score",
    "quantity",
    "reference",
    "details",
];
const VARIANTS: &[&str] = &[
    "Active",
    "Pending",
    "Suspended",
    "Closed",
    "Archived",
    "Draft",
    "InReview",
    "Approved",
    "Rejected",
    "Expired",
];
const UNION_VARIANTS: &[&str] = &["Created", "Updated", "Removed", "Moved"];
const SCALARS: &[&str] = &[
    "string",
    "u64",
    "i32",
    "i64",
    "u32",
    "f64",
    "bool",
    "timestamp",
    "uuid",
    "decimal",
    "duration",
    "bytes",
    "f32",
    "string",
];
const STATUSES: &[(u32, Option<&str>)] = &[
    (404, None),
    (409, None),
    (422, None),
    (403, None),
    (429, None),
    (503, Some("unavailable")),
    (400, Some("failed_precondition")),
];

/// A well-mixed deterministic number for `x` (the splitmix64 finaliser).
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick(x: u64, n: usize) -> usize {
    (mix(x) % n as u64) as usize
}

/// Picks one of the last (up to) 200 names of a list: references stay mostly local, as in real
/// files.
fn recent(names: &[String], x: u64) -> Option<&str> {
    if names.is_empty() {
        return None;
    }
    let window = names.len().min(200);
    Some(&names[names.len() - 1 - pick(x, window)])
}

/// `types` types (70% structs, 10% each enums, unions and errors) and `methods` methods in
/// services of 50 methods, each service also publishing 5 events.
pub fn big(types: usize, methods: usize) -> Synth {
    let mut api = Api {
        package: "bench.big.v1".into(),
        doc: vec![
            "A synthetic API for benchmarks, generated by `cargo xtask bench`.".into(),
            String::new(),
            "Every construct of the language appears; the text depends only on the sizes.".into(),
        ],
        types: Vec::with_capacity(types),
        services: Vec::new(),
    };
    let (mut n_structs, mut n_enums, mut n_unions, mut n_errors) = (0, 0, 0, 0);

    // Declared names by kind: fields and methods refer to them.
    let mut structs: Vec<String> = Vec::new();
    let mut pages: Vec<String> = Vec::new();
    let mut enums: Vec<(String, String)> = Vec::new(); // (name, first variant)
    let mut unions: Vec<String> = Vec::new();
    let mut errors: Vec<String> = Vec::new();

    for i in 0..types {
        let noun = NOUNS[i % NOUNS.len()];
        let seed = i as u64 * 1000;
        match i % 20 {
            13 if !structs.is_empty() => {
                // A page of results, for paginated methods.
                let name = format!("{noun}Page{i}");
                let item = recent(&structs, seed).unwrap_or_default().to_string();
                let field = |doc: &str, name, ty| Field {
                    doc: Some(doc.to_string()),
                    name,
                    number: None,
                    constraint: None,
                    ty,
                    default: None,
                };
                api.types.push(TypeDecl::Struct(Struct {
                    name: name.clone(),
                    doc: vec![format!("One page of `{item}` results.")],
                    reserved: None,
                    deprecated: None,
                    fields: vec![
                        field("The items on this page.", "items", Ty::named(&item).list()),
                        field(
                            "Pass as `page_token` to get the next page; absent on the last page.",
                            "next_page_token",
                            Ty::Scalar("string").optional(),
                        ),
                        field(
                            "How many items there are in all, when known.",
                            "total_count",
                            Ty::Scalar("u64").optional(),
                        ),
                    ],
                }));
                pages.push(name);
                n_structs += 1;
            }
            0..=13 => {
                let name = format!("{noun}{i}");
                api.types
                    .push(TypeDecl::Struct(make_struct(&name, i, &structs, &enums, &unions)));
                structs.push(name);
                n_structs += 1;
            }
            14 | 15 => {
                let name = format!("{noun}State{i}");
                let count = 3 + pick(seed + 1, 6);
                let start = pick(seed + 2, VARIANTS.len());
                let variants = (0..count)
                    .map(|v| {
                        let variant = VARIANTS[(start + v) % VARIANTS.len()];
                        EnumVariant {
                            name: variant,
                            doc: (v % 2 == 0).then(|| format!("The `{variant}` state.")),
                            number: (v == count - 1 && i % 5 == 0).then_some(100),
                        }
                    })
                    .collect();
                api.types.push(TypeDecl::Enum(Enum {
                    name: name.clone(),
                    doc: format!("The state of a `{noun}`."),
                    reserved: (i % 100 == 14).then_some("50..=60, \"Legacy\""),
                    variants,
                }));
                enums.push((name, VARIANTS[start].to_string()));
                n_enums += 1;
            }
            16 | 17 => {
                let name = format!("{noun}Change{i}");
                let count = 2 + pick(seed + 3, 3);
                // Consecutive entries of `structs` are distinct types.
                let first = structs.len() - count - pick(seed + 4, structs.len() - count + 1);
                let variants = structs[first..first + count]
                    .iter()
                    .enumerate()
                    .map(|(v, ty)| (UNION_VARIANTS[v], ty.clone()))
                    .collect();
                api.types.push(TypeDecl::Union(Union {
                    name: name.clone(),
                    doc: format!("A change to a `{noun}`."),
                    variants,
                }));
                unions.push(name);
                n_unions += 1;
            }
            _ => {
                let name = format!("{noun}Failed{i}");
                let (status, grpc) = STATUSES[pick(seed + 5, STATUSES.len())];
                let field = |doc: &str, name, ty| Field {
                    doc: Some(doc.to_string()),
                    name,
                    number: None,
                    constraint: None,
                    ty,
                    default: None,
                };
                let mut fields = vec![field("The id that was looked up.", "id", Ty::Scalar("u64"))];
                if i % 3 == 0 {
                    fields.push(field("What went wrong, for humans.", "reason", Ty::Scalar("string")));
                }
                if i % 4 == 0 {
                    fields.push(field(
                        "When to try again.",
                        "retry_after",
                        Ty::Scalar("duration").optional(),
                    ));
                }
                api.types.push(TypeDecl::Error(ErrorType {
                    name: name.clone(),
                    doc: format!("The `{noun}` operation failed."),
                    http_status: status,
                    grpc_code: grpc,
                    fields,
                }));
                errors.push(name);
                n_errors += 1;
            }
        }
    }

    let services = methods.div_ceil(METHODS_PER_SERVICE);
    let names = Names {
        structs: &structs,
        pages: &pages,
        enums: &enums,
        unions: &unions,
        errors: &errors,
    };
    let mut n_methods = 0;
    for k in 0..services {
        let first = k * METHODS_PER_SERVICE;
        let last = methods.min(first + METHODS_PER_SERVICE);
        api.services.push(make_service(k, first..last, &names));
        n_methods += last - first;
    }
    let text = api.idl();
    Synth {
        api,
        text,
        structs: n_structs,
        enums: n_enums,
        unions: n_unions,
        errors: n_errors,
        methods: n_methods,
        events: services * EVENTS_PER_SERVICE,
    }
}

fn make_struct(name: &str, i: usize, structs: &[String], enums: &[(String, String)], unions: &[String]) -> Struct {
    let seed = i as u64 * 1000;
    // 5 to 12 fields with the id.
    let count = 4 + pick(seed + 10, 8);
    let start = pick(seed + 11, FIELDS.len());
    let numbered = i % 10 == 3;
    let mut fields = vec![Field {
        doc: Some("The record's id.".into()),
        name: "id",
        number: numbered.then_some(1),
        constraint: None,
        ty: Ty::Scalar("u64"),
        default: None,
    }];
    for f in 0..count {
        let field = FIELDS[(start + f) % FIELDS.len()];
        let fseed = seed + 100 + f as u64;
        let scalar = SCALARS[pick(fseed + 1, SCALARS.len())];
        let plain = Ty::Scalar(scalar);
        let (constraint, ty, default) = match pick(fseed, 16) {
            0..=5 => match scalar {
                "string" if f % 3 == 0 => (Some(Constraint::Length(1, 256)), plain, None),
                "string" if f % 3 == 1 => (Some(Constraint::Pattern("^[a-z0-9-]{1,32}$")), plain, None),
                "u32" => (Some(Constraint::Range(1, 1000)), plain, Some(Value::Int(20))),
                "bool" => (None, plain, Some(Value::Bool(false))),
                _ => (None, plain, None),
            },
            6 | 7 => (None, plain.optional(), None),
            8 => (Some(Constraint::MaxItems(100)), plain.list(), None),
            9 => (None, plain.map(), None),
            10 | 11 => match recent(structs, fseed) {
                Some(t) => (None, Ty::named(t), None),
                None => (None, plain, None),
            },
            12 => match recent(structs, fseed) {
                Some(t) => (None, Ty::named(t).optional(), None),
                None => (None, plain.optional(), None),
            },
            13 => match recent(structs, fseed) {
                Some(t) => (Some(Constraint::MaxItems(50)), Ty::named(t).list(), None),
                None => (None, plain.list(), None),
            },
            14 if !enums.is_empty() => {
                let (e, first) = &enums[enums.len() - 1 - pick(fseed, enums.len().min(200))];
                if f % 2 == 0 {
                    (None, Ty::named(e), Some(Value::Variant(e.clone(), first.clone())))
                } else {
                    (None, Ty::named(e).optional(), None)
                }
            }
            _ => match (recent(unions, fseed), recent(structs, fseed)) {
                (Some(u), _) if f % 2 == 0 => (None, Ty::named(u), None),
                (_, Some(t)) => (None, Ty::named(t).map(), None),
                _ => (None, Ty::Scalar("string"), None),
            },
        };
        fields.push(Field {
            doc: (f % 2 == 0).then(|| format!("The `{field}` of the record.")),
            name: field,
            number: numbered.then_some(f + 2),
            constraint,
            ty,
            default,
        });
    }
    Struct {
        name: name.to_string(),
        doc: vec![
            format!("The `{name}` record."),
            String::new(),
            "Generated for benchmarks.".into(),
        ],
        reserved: (i % 25 == 7).then_some("50..=60, \"legacy_field\""),
        deprecated: (i % 97 == 5).then_some("Use a newer record."),
        fields,
    }
}

struct Names<'a> {
    structs: &'a [String],
    pages: &'a [String],
    enums: &'a [(String, String)],
    unions: &'a [String],
    errors: &'a [String],
}

impl Names<'_> {
    fn structure(&self, x: u64) -> &str {
        &self.structs[pick(x, self.structs.len())]
    }
    fn error(&self, x: u64) -> &str {
        &self.errors[pick(x, self.errors.len())]
    }
}

fn make_service(k: usize, methods: std::ops::Range<usize>, n: &Names) -> Service {
    let noun = NOUNS[k % NOUNS.len()];
    let snake = noun.to_lowercase();
    let mut service = Service {
        name: format!("{noun}Service{k}"),
        doc: vec![
            format!("Operations on `{noun}` records, part {k}."),
            String::new(),
            "Generated for benchmarks.".into(),
        ],
        bearer: k.is_multiple_of(2),
        methods: Vec::new(),
        events: Vec::new(),
    };
    for m in methods {
        let x = m as u64 * 7919;
        let ty = n.structure(x);
        let err = n.error(x + 1);
        let prefix = format!("/s{k}/{snake}s/m{m}");
        let method = match m % 10 {
            0 => Method {
                http: Some((Verb::Get, format!("{prefix}/{{id}}"))),
                params: vec![param("id", Ty::Scalar("u64")).doc("The record's id.")],
                multiline: true,
                returns: Some(Ty::named(ty)),
                throws: vec![err.to_string()],
                ..method("Fetches one record.", format!("get_{snake}_{m}"))
            },
            1 if !n.pages.is_empty() && !n.enums.is_empty() => {
                let page = &n.pages[pick(x + 2, n.pages.len())];
                let filter = &n.enums[pick(x + 3, n.enums.len())].0;
                Method {
                    http: Some((Verb::Get, prefix)),
                    paginate: true,
                    params: vec![
                        param("state", Ty::named(filter).optional()).doc("Only records in this state."),
                        param("page_size", Ty::Scalar("u32"))
                            .doc("The maximum number of records to return.")
                            .attr(ParamAttr::Constraint(Constraint::Range(1, 100)))
                            .default(Value::Int(20)),
                        param("page_token", Ty::Scalar("string").optional())
                            .doc("The `next_page_token` of the previous page."),
                    ],
                    multiline: true,
                    returns: Some(Ty::named(page)),
                    ..method("Lists records, one page at a time.", format!("list_{snake}_{m}"))
                }
            }
            2 => {
                let err2 = n.error(x + 4);
                let mut throws = vec![err.to_string()];
                if err2 != err {
                    throws.push(err2.to_string());
                }
                Method {
                    http: Some((Verb::Post, prefix)),
                    idempotent: true,
                    params: vec![
                        param("input", Ty::named(ty))
                            .doc("The new record.")
                            .attr(ParamAttr::Body),
                        param("idempotency_key", Ty::Scalar("uuid"))
                            .doc("Repeating a request with the same key creates nothing new.")
                            .attr(ParamAttr::Header("Idempotency-Key")),
                    ],
                    multiline: true,
                    returns: Some(Ty::named(ty)),
                    throws,
                    ..method("Creates a record.", format!("create_{snake}_{m}"))
                }
            }
            3 => Method {
                http: Some((Verb::Put, format!("{prefix}/{{id}}"))),
                params: vec![
                    param("id", Ty::Scalar("u64")),
                    param("input", Ty::named(ty)).attr(ParamAttr::Body),
                ],
                returns: Some(Ty::named(ty)),
                throws: vec![err.to_string()],
                ..method("Replaces a record.", format!("update_{snake}_{m}"))
            },
            4 => Method {
                http: Some((Verb::Delete, format!("{prefix}/{{id}}"))),
                admin_only: true,
                params: vec![param("id", Ty::Scalar("u64"))],
                throws: vec![err.to_string()],
                ..method("Deletes a record.", format!("delete_{snake}_{m}"))
            },
            5 if !n.unions.is_empty() && !n.enums.is_empty() => {
                let change = &n.unions[pick(x + 5, n.unions.len())];
                let filter = &n.enums[pick(x + 6, n.enums.len())].0;
                Method {
                    readonly: true,
                    params: vec![param("state", Ty::named(filter).optional())],
                    returns: Some(Ty::named(change).stream()),
                    ..method("Streams changes as they happen.", format!("watch_{snake}_{m}"))
                }
            }
            6 => Method {
                params: vec![param("chunks", Ty::named(ty).stream())],
                returns: Some(Ty::named(n.structure(x + 7))),
                throws: vec![err.to_string()],
                ..method("Uploads records in a stream.", format!("upload_{snake}_{m}"))
            },
            7 => Method {
                params: vec![param("changes", Ty::named(ty).stream())],
                returns: Some(Ty::named(ty).stream()),
                ..method("Synchronises records both ways.", format!("sync_{snake}_{m}"))
            },
            8 => Method {
                params: vec![
                    param("query", Ty::Scalar("string"))
                        .doc("Free text.")
                        .attr(ParamAttr::Constraint(Constraint::Length(1, 200))),
                    param("tags", Ty::Scalar("string").list()).attr(ParamAttr::Constraint(Constraint::MaxItems(20))),
                    param("limit", Ty::Scalar("u32"))
                        .attr(ParamAttr::Constraint(Constraint::Range(1, 500)))
                        .default(Value::Int(50)),
                    param("example", Ty::named(ty).optional()),
                ],
                multiline: true,
                returns: Some(Ty::named(ty).list()),
                ..method("Searches records.", format!("search_{snake}_{m}"))
            },
            _ if m % 20 == 9 => Method {
                binding: Some(format!("mqtt(topic = \"s{k}/devices/{{device_id}}/m{m}\", qos = 1)")),
                params: vec![
                    param("device_id", Ty::Scalar("string")),
                    param("payload", Ty::named(ty)),
                ],
                returns: Some(Ty::named(n.structure(x + 8))),
                throws: vec![err.to_string()],
                ..method("Sends a command to a device.", format!("command_{snake}_{m}"))
            },
            _ => Method {
                binding: Some("queue(max_attempts = 3)".into()),
                params: vec![param("job", Ty::named(ty))],
                ..method("Processes a job from the work queue.", format!("process_{snake}_{m}"))
            },
        };
        service.methods.push(method);
    }
    for e in 0..EVENTS_PER_SERVICE {
        let x = (k * 100 + e) as u64 * 104_729;
        let ty = n.structure(x);
        let binding = match e % 3 {
            0 => format!("mqtt(topic = \"s{k}/{snake}s/{{id}}/e{e}\", qos = 1)"),
            1 => format!("mqtt(topic = \"s{k}/{snake}s/{{id}}/status{e}\", retain)"),
            _ => format!("queue(routing_key = \"s{k}.e{e}.{{id}}\")"),
        };
        service.events.push(Event {
            doc: "Published when a record changes.",
            binding,
            name: format!("{snake}_changed_{e}"),
            params: vec![
                param("id", Ty::Scalar("u64")).doc("The record's id."),
                param("item", Ty::named(ty)),
                param("at", Ty::Scalar("timestamp")),
            ],
        });
    }
    service
}

/// `count` structs, each holding the next one; the last holds scalars. A one-method service
/// returns the first, and an event carries it, so that every target (not only the type-only
/// proto and GraphQL) has to follow the whole chain.
pub fn deep_chain(count: usize) -> String {
    let mut out = String::with_capacity(count * 32 + 200);
    out.push_str("package bench.deep.v1;\n\n");
    for i in 0..count.saturating_sub(1) {
        let _ = writeln!(out, "struct T{i} {{ next: T{} }}", i + 1);
    }
    let _ = writeln!(out, "struct T{} {{ id: u64, name: string }}", count.saturating_sub(1));
    out.push_str(
        "\nservice Deep {\n    #[readonly]\n    fn get_chain(id: u64) -> T0;\n\n    \
         #[mqtt(topic = \"deep/{id}\")]\n    event chain_changed(id: u64, chain: T0);\n}\n",
    );
    out
}

/// The same chain in TypeSpec: `model T0 { next: T1; }` … and one operation returning `T0`.
pub fn deep_chain_typespec(count: usize) -> String {
    let mut out = String::with_capacity(count * 32 + 300);
    out.push_str(
        "import \"@typespec/http\";\n\nusing Http;\n\n\
         @service(#{ title: \"bench.deep.v1\" })\nnamespace Bench.Deep.V1;\n\n\
         @get @route(\"/deep/{id}\") op get_chain(@path id: uint64): T0;\n\n",
    );
    for i in 0..count.saturating_sub(1) {
        let _ = writeln!(out, "model T{i} {{ next: T{}; }}", i + 1);
    }
    let _ = writeln!(
        out,
        "model T{} {{ id: uint64; name: string; }}",
        count.saturating_sub(1)
    );
    out
}

/// The smallest valid file: what the process costs with nothing to do.
pub fn empty() -> String {
    "package bench.empty.v1;\n".to_string()
}

// ---------------------------------------------------------------------------------------------
// IDL
// ---------------------------------------------------------------------------------------------

impl Api {
    /// The API as omniface IDL.
    pub fn idl(&self) -> String {
        let mut out = String::with_capacity(self.types.len() * 450 + self.services.len() * 20_000);
        for line in &self.doc {
            push_doc_line(&mut out, "//!", line);
        }
        let _ = writeln!(out, "\npackage {};", self.package);
        for decl in &self.types {
            out.push('\n');
            match decl {
                TypeDecl::Struct(s) => {
                    for line in &s.doc {
                        push_doc_line(&mut out, "///", line);
                    }
                    if let Some(reserved) = s.reserved {
                        let _ = writeln!(out, "#[reserved({reserved})]");
                    }
                    if let Some(note) = s.deprecated {
                        let _ = writeln!(out, "#[deprecated(\"{note}\")]");
                    }
                    idl_fields(&mut out, "struct", &s.name, &s.fields);
                }
                TypeDecl::Enum(e) => {
                    let _ = writeln!(out, "/// {}", e.doc);
                    if let Some(reserved) = e.reserved {
                        let _ = writeln!(out, "#[reserved({reserved})]");
                    }
                    let _ = writeln!(out, "enum {} {{", e.name);
                    for v in &e.variants {
                        if let Some(doc) = &v.doc {
                            let _ = writeln!(out, "    /// {doc}");
                        }
                        match v.number {
                            Some(n) => {
                                let _ = writeln!(out, "    {} = {n},", v.name);
                            }
                            None => {
                                let _ = writeln!(out, "    {},", v.name);
                            }
                        }
                    }
                    out.push_str("}\n");
                }
                TypeDecl::Union(u) => {
                    let _ = writeln!(out, "/// {}\nunion {} {{", u.doc, u.name);
                    for (variant, ty) in &u.variants {
                        let _ = writeln!(out, "    /// The `{variant}` case.\n    {variant}({ty}),");
                    }
                    out.push_str("}\n");
                }
                TypeDecl::Error(e) => {
                    let _ = writeln!(out, "/// {}", e.doc);
                    match e.grpc_code {
                        Some(code) => {
                            let _ = writeln!(out, "#[http_status({}), grpc_code({code})]", e.http_status);
                        }
                        None => {
                            let _ = writeln!(out, "#[http_status({})]", e.http_status);
                        }
                    }
                    idl_fields(&mut out, "error", &e.name, &e.fields);
                }
            }
        }
        for service in &self.services {
            idl_service(&mut out, service);
        }
        out
    }
}

/// `/// text`, or `///` alone for an empty line.
fn push_doc_line(out: &mut String, marker: &str, line: &str) {
    if line.is_empty() {
        let _ = writeln!(out, "{marker}");
    } else {
        let _ = writeln!(out, "{marker} {line}");
    }
}

fn idl_fields(out: &mut String, keyword: &str, name: &str, fields: &[Field]) {
    let _ = writeln!(out, "{keyword} {name} {{");
    for f in fields {
        if let Some(doc) = &f.doc {
            let _ = writeln!(out, "    /// {doc}");
        }
        if let Some(c) = f.constraint {
            let _ = writeln!(out, "    #[{}]", idl_constraint(c));
        }
        out.push_str("    ");
        out.push_str(f.name);
        if let Some(n) = f.number {
            let _ = write!(out, " @{n}");
        }
        out.push_str(": ");
        idl_type(out, &f.ty);
        idl_default(out, f.default.as_ref());
        out.push_str(",\n");
    }
    out.push_str("}\n");
}

fn idl_constraint(c: Constraint) -> String {
    match c {
        Constraint::Length(a, b) => format!("length({a}..={b})"),
        Constraint::Pattern(p) => format!("pattern(\"{p}\")"),
        Constraint::Range(a, b) => format!("range({a}..={b})"),
        Constraint::MaxItems(n) => format!("items(..={n})"),
    }
}

fn idl_type(out: &mut String, ty: &Ty) {
    match ty {
        Ty::Scalar(s) => out.push_str(s),
        Ty::Named(n) => out.push_str(n),
        Ty::Optional(t) => {
            idl_type(out, t);
            out.push('?');
        }
        Ty::List(t) => {
            out.push_str("list<");
            idl_type(out, t);
            out.push('>');
        }
        Ty::Map(t) => {
            out.push_str("map<string, ");
            idl_type(out, t);
            out.push('>');
        }
        Ty::Stream(t) => {
            out.push_str("stream ");
            idl_type(out, t);
        }
    }
}

fn idl_default(out: &mut String, value: Option<&Value>) {
    match value {
        None => {}
        Some(Value::Int(n)) => {
            let _ = write!(out, " = {n}");
        }
        Some(Value::Bool(b)) => {
            let _ = write!(out, " = {b}");
        }
        Some(Value::Variant(_, v)) => {
            let _ = write!(out, " = {v}");
        }
    }
}

fn idl_service(out: &mut String, service: &Service) {
    out.push('\n');
    for line in &service.doc {
        push_doc_line(out, "///", line);
    }
    if service.bearer {
        out.push_str("#[auth(bearer)]\n");
    }
    let _ = writeln!(out, "service {} {{", service.name);
    for m in &service.methods {
        let _ = writeln!(out, "\n    /// {}", m.doc);
        let mut attrs = Vec::new();
        if let Some((verb, route)) = &m.http {
            attrs.push(format!("http({}, \"{route}\")", verb.name()));
        }
        if m.paginate {
            attrs.push("paginate".into());
        }
        if m.idempotent {
            attrs.push("idempotent".into());
        }
        if m.admin_only {
            attrs.push("auth(bearer, scopes = [\"admin\"])".into());
        }
        if m.readonly {
            attrs.push("readonly".into());
        }
        if let Some(binding) = &m.binding {
            attrs.push(binding.clone());
        }
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[{}]", attrs.join(", "));
        }
        let _ = write!(out, "    fn {}(", m.name);
        idl_params(out, &m.params, m.multiline);
        out.push(')');
        if let Some(ty) = &m.returns {
            out.push_str(" -> ");
            idl_type(out, ty);
        }
        if !m.throws.is_empty() {
            let _ = write!(out, " throws {}", m.throws.join(", "));
        }
        out.push_str(";\n");
    }
    for e in &service.events {
        let _ = writeln!(out, "\n    /// {}\n    #[{}]", e.doc, e.binding);
        let _ = write!(out, "    event {}(", e.name);
        idl_params(out, &e.params, true);
        out.push_str(");\n");
    }
    out.push_str("}\n");
}

fn idl_params(out: &mut String, params: &[Param], multiline: bool) {
    for (i, p) in params.iter().enumerate() {
        let attr = p.attr.as_ref().map(|a| match a {
            ParamAttr::Constraint(c) => idl_constraint(*c),
            ParamAttr::Body => "body".to_string(),
            ParamAttr::Header(h) => format!("header(\"{h}\")"),
        });
        if multiline {
            out.push('\n');
            if let Some(doc) = p.doc {
                let _ = writeln!(out, "        /// {doc}");
            }
            if let Some(attr) = attr {
                let _ = writeln!(out, "        #[{attr}]");
            }
            out.push_str("        ");
        } else {
            if i > 0 {
                out.push_str(", ");
            }
            if let Some(attr) = attr {
                let _ = write!(out, "#[{attr}] ");
            }
        }
        let _ = write!(out, "{}: ", p.name);
        idl_type(out, &p.ty);
        idl_default(out, p.default.as_ref());
        if multiline {
            out.push(',');
        }
    }
    if multiline && !params.is_empty() {
        out.push_str("\n    ");
    }
}

// ---------------------------------------------------------------------------------------------
// TypeSpec
// ---------------------------------------------------------------------------------------------

impl Api {
    /// The equivalent TypeSpec `main.tsp` (see the module documentation for the mapping).
    pub fn typespec(&self) -> String {
        let mut out = String::with_capacity(self.types.len() * 600 + self.services.len() * 25_000);
        out.push_str(
            "import \"@typespec/http\";\nimport \"@typespec/openapi3\";\n\n\
             using Http;\nusing OpenAPI;\n\n",
        );
        ts_doc(&mut out, "", &self.doc.join("\n"));
        let namespace: Vec<String> = self.package.split('.').map(pascal).collect();
        let _ = writeln!(
            out,
            "@service(#{{ title: \"{}\" }})\nnamespace {};\n",
            self.package,
            namespace.join(".")
        );
        out.push_str("/** A 128-bit UUID. */\n@format(\"uuid\")\nscalar uuid extends string;\n");

        let enums: HashSet<&str> = self
            .types
            .iter()
            .filter_map(|t| match t {
                TypeDecl::Enum(e) => Some(e.name.as_str()),
                _ => None,
            })
            .collect();
        for decl in &self.types {
            out.push('\n');
            match decl {
                TypeDecl::Struct(s) => {
                    ts_doc(&mut out, "", &s.doc.join("\n"));
                    let _ = writeln!(out, "model {} {{", s.name);
                    for f in &s.fields {
                        ts_field(&mut out, f);
                    }
                    out.push_str("}\n");
                }
                TypeDecl::Enum(e) => {
                    ts_doc(&mut out, "", &e.doc);
                    let _ = writeln!(out, "enum {} {{", e.name);
                    let prefix = upper_snake(&e.name);
                    for v in &e.variants {
                        if let Some(doc) = &v.doc {
                            ts_doc(&mut out, "  ", doc);
                        }
                        let _ = writeln!(out, "  {}: \"{prefix}_{}\",", v.name, upper_snake(v.name));
                    }
                    out.push_str("}\n");
                }
                TypeDecl::Union(u) => {
                    ts_doc(&mut out, "", &u.doc);
                    let _ = writeln!(out, "@oneOf\nunion {} {{", u.name);
                    for (variant, ty) in &u.variants {
                        ts_doc(&mut out, "  ", &format!("The `{variant}` case."));
                        let member = camel(variant);
                        let _ = writeln!(out, "  {member}: {{ {member}: {ty} }},");
                    }
                    out.push_str("}\n");
                }
                TypeDecl::Error(e) => {
                    ts_doc(&mut out, "", &e.doc);
                    let _ = writeln!(
                        out,
                        "@error\nmodel {} {{\n  @statusCode statusCode: {};",
                        e.name, e.http_status
                    );
                    for f in &e.fields {
                        ts_field(&mut out, f);
                    }
                    out.push_str("}\n");
                }
            }
        }
        for service in &self.services {
            ts_service(&mut out, service, &enums);
        }
        out
    }
}

/// A `/** … */` comment, indented.
fn ts_doc(out: &mut String, indent: &str, text: &str) {
    if !text.contains('\n') {
        let _ = writeln!(out, "{indent}/** {text} */");
        return;
    }
    let _ = writeln!(out, "{indent}/**");
    for line in text.lines() {
        if line.is_empty() {
            let _ = writeln!(out, "{indent} *");
        } else {
            let _ = writeln!(out, "{indent} * {line}");
        }
    }
    let _ = writeln!(out, "{indent} */");
}

fn ts_field(out: &mut String, f: &Field) {
    if let Some(doc) = &f.doc {
        ts_doc(out, "  ", doc);
    }
    out.push_str("  ");
    if let Some(c) = f.constraint {
        out.push_str(&ts_constraint(c));
        out.push(' ');
    }
    out.push_str(&camel(f.name));
    ts_member_type(out, &f.ty, f.default.as_ref());
    out.push_str(";\n");
}

/// `?: T = default` or `: T` for a field or parameter.
fn ts_member_type(out: &mut String, ty: &Ty, default: Option<&Value>) {
    let (optional, ty) = match ty {
        Ty::Optional(t) => (true, &**t),
        Ty::List(_) | Ty::Map(_) => (true, ty),
        _ => (default.is_some(), ty),
    };
    out.push_str(if optional { "?: " } else { ": " });
    ts_type(out, ty);
    match default {
        None => {}
        Some(Value::Int(n)) => {
            let _ = write!(out, " = {n}");
        }
        Some(Value::Bool(b)) => {
            let _ = write!(out, " = {b}");
        }
        Some(Value::Variant(e, v)) => {
            let _ = write!(out, " = {e}.{v}");
        }
    }
}

fn ts_constraint(c: Constraint) -> String {
    match c {
        Constraint::Length(a, b) => format!("@minLength({a}) @maxLength({b})"),
        Constraint::Pattern(p) => format!("@pattern(\"{}\")", p.replace('\\', "\\\\")),
        Constraint::Range(a, b) => format!("@minValue({a}) @maxValue({b})"),
        Constraint::MaxItems(n) => format!("@maxItems({n})"),
    }
}

fn ts_type(out: &mut String, ty: &Ty) {
    match ty {
        Ty::Scalar(s) => out.push_str(match *s {
            "bool" => "boolean",
            "i32" => "int32",
            "i64" => "int64",
            "u32" => "uint32",
            "u64" => "uint64",
            "f32" => "float32",
            "f64" => "float64",
            "timestamp" => "utcDateTime",
            // string, bytes, decimal, duration, and the declared `uuid`.
            other => other,
        }),
        Ty::Named(n) => out.push_str(n),
        Ty::Optional(t) | Ty::Stream(t) => ts_type(out, t),
        Ty::List(t) => {
            ts_type(out, t);
            out.push_str("[]");
        }
        Ty::Map(t) => {
            out.push_str("Record<");
            ts_type(out, t);
            out.push('>');
        }
    }
}

/// True when omniface can put a value of this type in the query string.
fn queryable(ty: &Ty, enums: &HashSet<&str>) -> bool {
    match ty {
        Ty::Scalar(_) => true,
        Ty::Named(n) => enums.contains(n.as_str()),
        Ty::Optional(t) | Ty::List(t) => queryable(t, enums),
        Ty::Map(_) | Ty::Stream(_) => false,
    }
}

fn ts_service(out: &mut String, service: &Service, enums: &HashSet<&str>) {
    let kebab_service = kebab(&service.name);
    // The payload models of the events, declared beside the interface.
    for e in &service.events {
        let _ = writeln!(out, "\n/** The payload of the `{}` event. */", e.name);
        let _ = writeln!(out, "model {}Event {{", pascal(&e.name));
        for p in &e.params {
            if let Some(doc) = p.doc {
                ts_doc(out, "  ", doc);
            }
            out.push_str("  ");
            out.push_str(&camel(p.name));
            ts_member_type(out, &p.ty, p.default.as_ref());
            out.push_str(";\n");
        }
        out.push_str("}\n");
    }
    out.push('\n');
    ts_doc(out, "", &service.doc.join("\n"));
    let _ = writeln!(out, "@tag(\"{}\")", service.name);
    if service.bearer {
        out.push_str("@useAuth(BearerAuth)\n");
    }
    let _ = writeln!(out, "interface {} {{", service.name);
    for m in &service.methods {
        // omniface's HTTP binding (docs/language.md §12.1).
        let (verb, route) = match &m.http {
            Some((verb, route)) => (*verb, route.clone()),
            None => {
                let verb = if m.readonly && m.params.iter().all(|p| queryable(&p.ty, enums)) {
                    Verb::Get
                } else {
                    Verb::Post
                };
                (verb, format!("/{kebab_service}/{}", m.name.replace('_', "-")))
            }
        };
        out.push('\n');
        ts_doc(out, "  ", m.doc);
        let _ = writeln!(out, "  @{}\n  @route(\"{route}\")", verb.name());
        if m.admin_only {
            out.push_str("  @useAuth(BearerAuth)\n");
        }
        let _ = write!(out, "  {}(", m.name);
        let has_body = m.params.iter().any(|p| matches!(p.attr, Some(ParamAttr::Body)));
        for (i, p) in m.params.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if let Some(doc) = p.doc {
                let _ = write!(out, "/** {doc} */ ");
            }
            if let Some(ParamAttr::Constraint(c)) = p.attr {
                out.push_str(&ts_constraint(c));
                out.push(' ');
            }
            if let Ty::Stream(_) = p.ty {
                out.push_str("@header contentType: \"application/x-ndjson\", @body ");
                out.push_str(p.name);
            } else {
                let placeholder = format!("{{{}}}", p.name);
                match p.attr {
                    Some(ParamAttr::Body) => {
                        let _ = write!(out, "@body {}", p.name);
                    }
                    Some(ParamAttr::Header(h)) => {
                        let _ = write!(out, "@header(\"{h}\") {}", p.name);
                    }
                    _ if route.contains(&placeholder) => {
                        let _ = write!(out, "@path {}", p.name);
                    }
                    _ if matches!(verb, Verb::Get | Verb::Delete) || has_body => {
                        let _ = write!(out, "@query {}", p.name);
                    }
                    // A member of the JSON body: its JSON name.
                    _ => out.push_str(&camel(p.name)),
                }
            }
            ts_member_type(out, &p.ty, p.default.as_ref());
        }
        out.push_str("): ");
        match &m.returns {
            None => out.push_str("void"),
            Some(Ty::Stream(t)) => {
                out.push_str("{ @header contentType: \"text/event-stream\"; @body body: ");
                ts_type(out, t);
                out.push_str("; }");
            }
            Some(ty) => ts_type(out, ty),
        }
        for e in &m.throws {
            let _ = write!(out, " | {e}");
        }
        out.push_str(";\n");
    }
    for e in &service.events {
        out.push('\n');
        ts_doc(out, "  ", &format!("Streams the `{}` events: {}", e.name, e.doc));
        let _ = writeln!(
            out,
            "  @get\n  @route(\"/{kebab_service}/events/{}\")\n  stream_{}(\
             @header(\"Last-Event-ID\") lastEventId?: string): \
             {{ @header contentType: \"text/event-stream\"; @body body: {}Event; }};",
            e.name.replace('_', "-"),
            e.name,
            pascal(&e.name)
        );
    }
    out.push_str("}\n");
}

/// `next_page_token` → `nextPageToken`; `Created` → `created`.
fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for (i, c) in name.chars().enumerate() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else if i == 0 {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `account_changed_0` → `AccountChanged0`; `bench` → `Bench`.
fn pascal(name: &str) -> String {
    let camel = camel(name);
    let mut chars = camel.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `AccountService0` → `account-service0`.
fn kebab(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `AccountState14` → `ACCOUNT_STATE14`; `InReview` → `IN_REVIEW`.
fn upper_snake(name: &str) -> String {
    kebab(name).replace('-', "_").to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_is_deterministic_and_has_the_asked_sizes() {
        let a = big(400, 60);
        let b = big(400, 60);
        assert_eq!(a.text, b.text);
        assert_eq!(a.typespec(), b.typespec());
        assert_eq!(a.types(), 400);
        assert_eq!(a.methods, 60);
        assert_eq!(a.api.services.len(), 2);
        assert_eq!(a.events, 10);
        assert_eq!(a.text.matches("\n    fn ").count(), 60);
    }

    #[test]
    fn typespec_declares_the_same_types_and_operations() {
        let s = big(400, 60);
        let tsp = s.typespec();
        assert_eq!(
            tsp.matches("\nmodel ").count() - tsp.matches("\n@error\nmodel ").count() - s.events,
            s.structs
        );
        assert_eq!(tsp.matches("\n@error\nmodel ").count(), s.errors);
        assert_eq!(tsp.matches("\nenum ").count(), s.enums);
        assert_eq!(tsp.matches("\nunion ").count(), s.unions);
        assert_eq!(tsp.matches("\ninterface ").count(), s.api.services.len());
        assert_eq!(tsp.matches("\n  @route(").count(), s.methods + s.events);
    }

    #[test]
    fn deep_chain_links_every_struct() {
        let text = deep_chain(3);
        assert!(text.contains("struct T0 { next: T1 }"));
        assert!(text.contains("struct T1 { next: T2 }"));
        assert!(text.contains("struct T2 { id: u64, name: string }"));
        let tsp = deep_chain_typespec(3);
        assert!(tsp.contains("model T0 { next: T1; }"));
        assert!(tsp.contains("model T2 { id: uint64; name: string; }"));
    }

    #[test]
    fn names() {
        assert_eq!(camel("next_page_token"), "nextPageToken");
        assert_eq!(camel("Created"), "created");
        assert_eq!(pascal("account_changed_0"), "AccountChanged0");
        assert_eq!(kebab("AccountService0"), "account-service0");
        assert_eq!(upper_snake("AccountState14"), "ACCOUNT_STATE14");
        assert_eq!(upper_snake("InReview"), "IN_REVIEW");
    }
}
