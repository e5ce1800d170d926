//! `handwritten-petstore --listen ADDR`: two methods of the pet store, `get_pet` and `create_pet`,
//! written by hand the way one would without omniface: axum handlers, serde types and an
//! async-graphql static schema. `cargo xtask bench` loads it beside the generated
//! `petstore-server` to see what the generated adapters cost.
//!
//! It does the same work as the example for these two methods and answers with the same JSON:
//!
//! - `GET /pets/{id}`: the pet from an in-memory map, `application/json` with an ETag (FNV-1a of
//!   the body, as the runtime computes it) and `If-None-Match`; 404 as problem details;
//! - `POST /pets`: bearer token (`user-token` or `admin-token`), `Idempotency-Key` (a UUID), the
//!   `PetInput` body, the same validation (name 1 to 64 characters, at most 20 tags, a price's
//!   currency code three capital letters and nanos within ±999,999,999); a repeated key returns
//!   the pet the first request created, a pet with the same name and species is a 409;
//! - `POST /rpc`: JSON-RPC 2.0 `PetStore.get_pet` (single requests, `params` by name);
//! - `POST /graphql`: `query { getPet(id: …) { … } }` on a static schema with the same types,
//!   depth and complexity limits as the generated one.
//!
//! Not a product: no other method, no streams, no events.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use async_graphql::{
    EmptyMutation, EmptySubscription, Enum, InputValueError, InputValueResult, Object, Scalar, ScalarType, Schema,
    SimpleObject,
};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Types, in the JSON mapping of the generated ones (64-bit integers as strings, enums by their
// prefixed names, RFC 3339 timestamps) and the GraphQL names of the generated schema.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Enum)]
enum Species {
    #[serde(rename = "SPECIES_DOG")]
    Dog,
    #[serde(rename = "SPECIES_CAT")]
    Cat,
    #[serde(rename = "SPECIES_BIRD")]
    Bird,
    #[serde(rename = "SPECIES_FISH")]
    Fish,
    #[serde(rename = "SPECIES_OTHER")]
    Other,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Enum)]
enum PetStatus {
    #[default]
    #[serde(rename = "PET_STATUS_AVAILABLE")]
    Available,
    #[serde(rename = "PET_STATUS_PENDING")]
    Pending,
    #[serde(rename = "PET_STATUS_SOLD")]
    Sold,
}

/// A 64-bit integer: a decimal string in JSON (read from a string or a number), `UInt64` or
/// `Int64` in GraphQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct U64(u64);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct I64(i64);

macro_rules! int64 {
    ($ty:ident, $inner:ty, $graphql:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #[derive(Deserialize)]
                #[serde(untagged)]
                enum Either<'a> {
                    Number($inner),
                    Text(#[serde(borrow)] std::borrow::Cow<'a, str>),
                }
                match Either::deserialize(deserializer)? {
                    Either::Number(n) => Ok($ty(n)),
                    Either::Text(text) => text
                        .parse()
                        .map($ty)
                        .map_err(|_| serde::de::Error::custom(format!("`{text}` is not an integer"))),
                }
            }
        }

        #[Scalar(name = $graphql)]
        impl ScalarType for $ty {
            fn parse(value: async_graphql::Value) -> InputValueResult<Self> {
                let parsed = match &value {
                    async_graphql::Value::String(text) => text.parse().ok(),
                    async_graphql::Value::Number(n) => n.to_string().parse().ok(),
                    _ => None,
                };
                parsed
                    .map($ty)
                    .ok_or_else(|| InputValueError::expected_type(value))
            }

            fn to_value(&self) -> async_graphql::Value {
                async_graphql::Value::String(self.0.to_string())
            }
        }
    };
}

int64!(U64, u64, "UInt64");
int64!(I64, i64, "Int64");

/// A UUID: a string in JSON, `UUID` in GraphQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct Uuid(uuid::Uuid);

#[Scalar(name = "UUID")]
impl ScalarType for Uuid {
    fn parse(value: async_graphql::Value) -> InputValueResult<Self> {
        match &value {
            async_graphql::Value::String(text) => uuid::Uuid::parse_str(text)
                .map(Uuid)
                .map_err(|_| InputValueError::expected_type(value)),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> async_graphql::Value {
        async_graphql::Value::String(self.0.to_string())
    }
}

/// An instant, written as RFC 3339 in UTC when serialized (`DateTime` in GraphQL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Timestamp {
    seconds: i64,
    nanos: u32,
}

impl Timestamp {
    fn now() -> Timestamp {
        let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Timestamp {
            seconds: since.as_secs() as i64,
            nanos: since.subsec_nanos(),
        }
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let (days, second) = (self.seconds.div_euclid(86_400), self.seconds.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            second / 3600,
            second / 60 % 60,
            second % 60
        )?;
        let nanos = self.nanos;
        if nanos == 0 {
        } else if nanos % 1_000_000 == 0 {
            write!(f, ".{:03}", nanos / 1_000_000)?;
        } else if nanos % 1_000 == 0 {
            write!(f, ".{:06}", nanos / 1_000)?;
        } else {
            write!(f, ".{nanos:09}")?;
        }
        f.write_str("Z")
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[Scalar(name = "DateTime")]
impl ScalarType for Timestamp {
    fn parse(value: async_graphql::Value) -> InputValueResult<Self> {
        // Only ever written here.
        Err(InputValueError::expected_type(value))
    }

    fn to_value(&self) -> async_graphql::Value {
        async_graphql::Value::String(self.to_string())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
struct Money {
    currency_code: String,
    units: I64,
    #[serde(default)]
    nanos: i32,
}

#[derive(Clone, Debug, Serialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
struct Photo {
    id: Uuid,
    pet_id: U64,
    url: String,
    content_type: String,
    uploaded_at: Timestamp,
}

#[derive(Clone, Debug, Serialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
struct Pet {
    id: U64,
    name: String,
    species: Species,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[graphql(deprecation = "Use `tags`: `tag` only holds the first tag.")]
    tag: Option<String>,
    status: PetStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<Money>,
    tags: Vec<String>,
    photos: Vec<Photo>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(Debug, Deserialize)]
struct PetInput {
    name: String,
    species: Species,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    price: Option<Money>,
    #[serde(default)]
    status: PetStatus,
}

/// One broken constraint, as the runtime reports it.
#[derive(Serialize)]
struct Violation {
    field: &'static str,
    constraint: &'static str,
    message: String,
}

fn validate(input: &PetInput) -> Vec<Violation> {
    let mut violations = Vec::new();
    let length = input.name.chars().count();
    if !(1..=64).contains(&length) {
        violations.push(Violation {
            field: "pet.name",
            constraint: "length",
            message: format!("must be 1 to 64 characters long, not {length}"),
        });
    }
    if input.tags.len() > 20 {
        violations.push(Violation {
            field: "pet.tags",
            constraint: "items",
            message: format!("must have at most 20 items, not {}", input.tags.len()),
        });
    }
    if let Some(price) = &input.price {
        let code = price.currency_code.as_bytes();
        if code.len() != 3 || !code.iter().all(u8::is_ascii_uppercase) {
            violations.push(Violation {
                field: "pet.price.currencyCode",
                constraint: "pattern",
                message: "must match `^[A-Z]{3}$`".into(),
            });
        }
        if !(-999_999_999..=999_999_999).contains(&price.nanos) {
            violations.push(Violation {
                field: "pet.price.nanos",
                constraint: "range",
                message: format!("must be from -999999999 to 999999999, not {}", price.nanos),
            });
        }
    }
    violations
}

// ---------------------------------------------------------------------------------------------
// The store: the same data structures and locking as the example's.

#[derive(Default)]
struct Store {
    state: Mutex<StoreState>,
}

#[derive(Default)]
struct StoreState {
    next_id: u64,
    pets: BTreeMap<u64, Pet>,
    created_by_key: HashMap<uuid::Uuid, u64>,
}

enum CreateError {
    AlreadyExists(u64),
}

impl Store {
    fn state(&self) -> MutexGuard<'_, StoreState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, id: u64) -> Option<Pet> {
        self.state().pets.get(&id).cloned()
    }

    fn create(&self, input: PetInput, key: uuid::Uuid) -> Result<Pet, CreateError> {
        let mut state = self.state();
        if let Some(existing) = state.created_by_key.get(&key).and_then(|id| state.pets.get(id)) {
            return Ok(existing.clone());
        }
        if let Some(existing) = state
            .pets
            .values()
            .find(|p| p.name == input.name && p.species == input.species)
        {
            return Err(CreateError::AlreadyExists(existing.id.0));
        }
        state.next_id += 1;
        let id = state.next_id;
        let now = Timestamp::now();
        let pet = Pet {
            id: U64(id),
            name: input.name,
            species: input.species,
            tag: input.tags.first().cloned(),
            status: input.status,
            price: input.price,
            tags: input.tags,
            photos: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        state.pets.insert(id, pet.clone());
        state.created_by_key.insert(key, id);
        Ok(pet)
    }
}

// ---------------------------------------------------------------------------------------------
// REST.

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}

fn problem(status: StatusCode, title: &str, code: &str, detail: &str, extra: Value) -> Response {
    let mut body = json!({
        "type": "about:blank",
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
        "code": code,
    });
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

fn bad_request(detail: &str, violations: Vec<Violation>) -> Response {
    let title = if violations.is_empty() {
        "Bad request"
    } else {
        "Validation failed"
    };
    problem(
        StatusCode::BAD_REQUEST,
        title,
        "INVALID_ARGUMENT",
        detail,
        json!({ "violations": violations }),
    )
}

fn not_found(id: u64) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "PetNotFound",
        "PET_NOT_FOUND",
        "no pet has this id",
        json!({ "id": id.to_string() }),
    )
}

/// FNV-1a, as the runtime's ETags.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

async fn get_pet(State(app): State<Arc<AppState>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return bad_request("`id` must be an unsigned integer", Vec::new());
    };
    let Some(pet) = app.store.get(id) else {
        return not_found(id);
    };
    let body = match serde_json::to_vec(&pet) {
        Ok(body) => body,
        Err(error) => return (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    };
    let etag = format!("\"{:016x}\"", fnv1a(&body));
    let etag_value = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\""));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim().trim_start_matches("W/") == etag || tag.trim() == "*")
        });
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::ETAG, etag_value),
        ],
        body,
    )
        .into_response()
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|token| token == "user-token" || token == "admin-token")
}

async fn create_pet(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&headers) {
        return problem(
            StatusCode::UNAUTHORIZED,
            "Unauthenticated",
            "UNAUTHENTICATED",
            "this method needs a bearer token",
            Value::Null,
        );
    }
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| uuid::Uuid::parse_str(v).ok())
    else {
        return bad_request("the `Idempotency-Key` header must be a UUID", Vec::new());
    };
    let input: PetInput = match serde_json::from_slice(&body) {
        Ok(input) => input,
        Err(error) => return bad_request(&format!("the body is not a PetInput: {error}"), Vec::new()),
    };
    let violations = validate(&input);
    if !violations.is_empty() {
        return bad_request("the request breaks the API's constraints", violations);
    }
    match app.store.create(input, key) {
        Ok(pet) => match serde_json::to_vec(&pet) {
            Ok(body) => json_response(StatusCode::OK, body),
            Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
        },
        Err(CreateError::AlreadyExists(existing)) => problem(
            StatusCode::CONFLICT,
            "PetAlreadyExists",
            "PET_ALREADY_EXISTS",
            "a pet with the same name and species is already in the catalogue",
            json!({ "existingId": existing.to_string() }),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC 2.0.

#[derive(Deserialize)]
struct RpcRequest {
    jsonrpc: String,
    #[serde(default)]
    id: Option<Value>,
    method: String,
    #[serde(default)]
    params: Value,
}

#[derive(Deserialize)]
struct GetPetParams {
    id: U64,
}

#[derive(Serialize)]
struct RpcResult<'a, T> {
    jsonrpc: &'static str,
    id: &'a Value,
    result: T,
}

fn rpc_error(id: &Value, code: i64, message: &str, data: Option<Value>) -> Response {
    let mut error = json!({ "code": code, "message": message });
    if let Some(data) = data {
        error["data"] = data;
    }
    let body = json!({ "jsonrpc": "2.0", "id": id, "error": error });
    json_response(StatusCode::OK, body.to_string().into_bytes())
}

async fn rpc(State(app): State<Arc<AppState>>, body: Bytes) -> Response {
    let request: RpcRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return rpc_error(&Value::Null, -32700, &format!("Parse error: {error}"), None),
    };
    let id = request.id.unwrap_or(Value::Null);
    if request.jsonrpc != "2.0" {
        return rpc_error(&id, -32600, "Invalid Request: `jsonrpc` must be \"2.0\"", None);
    }
    match request.method.as_str() {
        "PetStore.get_pet" => {
            let params: GetPetParams = match serde_json::from_value(request.params) {
                Ok(params) => params,
                Err(error) => return rpc_error(&id, -32602, &format!("Invalid params: {error}"), None),
            };
            match app.store.get(params.id.0) {
                Some(pet) => match serde_json::to_vec(&RpcResult {
                    jsonrpc: "2.0",
                    id: &id,
                    result: &pet,
                }) {
                    Ok(body) => json_response(StatusCode::OK, body),
                    Err(error) => rpc_error(&id, -32603, &error.to_string(), None),
                },
                None => rpc_error(
                    &id,
                    -32004,
                    "no pet has this id",
                    Some(json!({ "error": "PetNotFound", "id": params.id.0.to_string() })),
                ),
            }
        }
        other => rpc_error(&id, -32601, &format!("Method not found: `{other}`"), None),
    }
}

// ---------------------------------------------------------------------------------------------
// GraphQL.

struct Query;

#[Object]
impl Query {
    /// Fetches one pet.
    async fn get_pet(&self, ctx: &async_graphql::Context<'_>, id: U64) -> async_graphql::Result<Pet> {
        let app = ctx.data_unchecked::<Arc<Store>>();
        app.get(id.0)
            .ok_or_else(|| async_graphql::Error::new("no pet has this id"))
    }
}

type PetSchema = Schema<Query, EmptyMutation, EmptySubscription>;

async fn graphql(State(app): State<Arc<AppState>>, request: GraphQLRequest) -> GraphQLResponse {
    app.schema.execute(request.into_inner()).await.into()
}

// ---------------------------------------------------------------------------------------------

struct AppState {
    store: Arc<Store>,
    schema: PetSchema,
}

fn router() -> Router {
    let store = Arc::new(Store::default());
    // The runtime's defaults (`Limits::graphql_max_depth` and `graphql_max_complexity`).
    let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(store.clone())
        .limit_depth(16)
        .limit_complexity(1000)
        .finish();
    let state = Arc::new(AppState { store, schema });
    Router::new()
        .route("/pets/{id}", get(get_pet))
        .route("/pets", post(create_pet))
        .route("/rpc", post(rpc))
        .route("/graphql", post(graphql))
        .with_state(state)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut listen = "127.0.0.1:8081".to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().unwrap_or_else(|| usage("--listen needs an address")),
            "-h" | "--help" => {
                println!("usage: handwritten-petstore [--listen ADDR]");
                return;
            }
            other => usage(&format!("unknown argument `{other}`")),
        }
    }
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {listen}: {error}");
            std::process::exit(1);
        }
    };
    println!("hand-written pet store on http://{listen}");
    if let Err(error) = axum::serve(listener, router()).await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

fn usage(message: &str) -> ! {
    eprintln!("error: {message}\nusage: handwritten-petstore [--listen ADDR]");
    std::process::exit(2);
}
