//! Tests of the GraphQL adapter: the served schema is the generated SDL (every example), values
//! convert both ways, errors carry their codes, subscriptions stream, and the HTTP routes answer.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_graphql::Request;
use async_graphql::dynamic::Schema;
use async_graphql::parser::types::{TypeDefinition, TypeSystemDefinition};
use futures_util::StreamExt;
use omniface_codegen::targets::{Options, Target};
use omniface_model::Model;
use serde_json::{Value as Json, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::convert::{Conv, FieldShape, Node, Shapes, StructShape, UnionShape};
use super::resolve::Caller;
use super::schema::{self, canonical};
use crate::auth::{Credential, Credentials, Principal, authenticator_fn};
use crate::context::Context;
use crate::error::{DeclaredError, Error, Violation};
use crate::events::EventHub;
use crate::server::{App, Limits};
use crate::service::{BoxFuture, Documents, Handler, Input, Output, ServiceDescriptor};

/// A canned answer of the fake handler.
#[derive(Clone)]
enum Reply {
    Value(Json),
    Empty,
    Stream(Vec<Json>),
    Fail(Error),
}

/// A handler that records the request objects it gets and answers with canned JSON, standing
/// for generated code.
struct Fake {
    descriptor: ServiceDescriptor,
    hub: EventHub,
    replies: HashMap<String, Reply>,
    seen: Arc<Mutex<Vec<(String, Json)>>>,
}

impl Handler for Fake {
    fn descriptor(&self) -> &ServiceDescriptor {
        &self.descriptor
    }

    fn events(&self) -> &EventHub {
        &self.hub
    }

    fn call(&self, method: usize, _ctx: Context, input: Input) -> BoxFuture<'static, Result<Output, Error>> {
        let name = self.descriptor.methods[method].name.clone();
        let json = match input {
            Input::Value(value) => value,
            Input::Json(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
            Input::Stream(_) | Input::Protobuf(_) | Input::ProtobufStream { .. } => Json::Null,
        };
        self.seen.lock().unwrap().push((name.clone(), json));
        let reply = self.replies.get(&name).cloned().unwrap_or(Reply::Empty);
        Box::pin(async move {
            match reply {
                Reply::Value(value) => Ok(Output::json(value)),
                Reply::Empty => Ok(Output::Empty),
                Reply::Stream(items) => Ok(Output::json_stream(Box::pin(futures_util::stream::iter(
                    items.into_iter().map(Ok),
                )))),
                Reply::Fail(error) => Err(error),
            }
        })
    }
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// Compiles an example and generates its GraphQL documents, by package.
fn example(file: &str) -> (Arc<Model>, BTreeMap<String, String>) {
    let path = format!("{}/../examples/{file}", env!("CARGO_MANIFEST_DIR"));
    let compilation = omniface_codegen::compile_files(&[path]);
    let model = compilation
        .checked_model()
        .unwrap_or_else(|| panic!("{file} has errors:\n{}", compilation.render_diagnostics()))
        .clone();
    let files = omniface_codegen::targets::generate(&model, &[Target::Graphql], &Options::default());
    let documents = files
        .into_iter()
        .map(|file| {
            let name = file.path.file_name().unwrap_or_default().to_string_lossy().to_string();
            let package = name.trim_end_matches(".graphql").to_string();
            (package, file.contents)
        })
        .collect();
    (Arc::new(model), documents)
}

/// One fake handler per service of every package with services.
fn fakes(
    model: &Arc<Model>,
    documents: &BTreeMap<String, String>,
    replies: &HashMap<String, Reply>,
    seen: &Arc<Mutex<Vec<(String, Json)>>>,
) -> Vec<Arc<dyn Handler>> {
    let mut handlers: Vec<Arc<dyn Handler>> = Vec::new();
    for package in &model.packages {
        for service in &package.services {
            let graphql = leak(documents[&package.name].clone());
            let documents = Documents {
                package: leak(package.name.clone()),
                openapi: "",
                graphql,
                wsdl: "",
                asyncapi: "",
                openrpc: "",
                proto: "",
                proto_files: &[],
            };
            let descriptor = ServiceDescriptor::new(model.clone(), &package.name, &service.name, documents);
            handlers.push(Arc::new(Fake {
                hub: EventHub::new(service.events.len(), 16),
                descriptor,
                replies: replies.clone(),
                seen: seen.clone(),
            }));
        }
    }
    handlers
}

fn app(handlers: Vec<Arc<dyn Handler>>, limits: Limits) -> Arc<App> {
    // `good` is an administrator, `plain` a user without scopes.
    let authenticator = authenticator_fn(|credential| match credential {
        Credential::Bearer("good") => Some(Principal {
            subject: "admin".into(),
            scopes: vec!["pets:admin".into()],
        }),
        Credential::Bearer("plain") => Some(Principal {
            subject: "user".into(),
            scopes: Vec::new(),
        }),
        _ => None,
    });
    Arc::new(App {
        services: handlers,
        authenticator: Some(authenticator),
        limits,
    })
}

/// Type definitions by name, in canonical text, without GraphQL's built-in scalars.
fn definitions(sdl: &str) -> (BTreeMap<String, String>, Vec<Option<String>>) {
    let document = async_graphql::parser::parse_schema(schema::without_schema_description(sdl))
        .unwrap_or_else(|e| panic!("{e}\n{sdl}"));
    let mut types = BTreeMap::new();
    let mut roots = vec![Some("Query".to_string()), None, None];
    let mut explicit_roots = false;
    let mut declared: Vec<TypeDefinition> = Vec::new();
    for definition in document.definitions {
        match definition {
            TypeSystemDefinition::Type(def) => declared.push(def.node),
            TypeSystemDefinition::Schema(schema) => {
                explicit_roots = true;
                roots = vec![
                    schema.node.query.map(|n| n.node.to_string()),
                    schema.node.mutation.map(|n| n.node.to_string()),
                    schema.node.subscription.map(|n| n.node.to_string()),
                ];
            }
            TypeSystemDefinition::Directive(_) => {}
        }
    }
    for def in declared {
        let name = def.name.node.to_string();
        if ["String", "Int", "Float", "Boolean", "ID"].contains(&name.as_str()) || name.starts_with("__") {
            continue;
        }
        if !explicit_roots && (name == "Mutation" || name == "Subscription") {
            let index = if name == "Mutation" { 1 } else { 2 };
            roots[index] = Some(name.clone());
        }
        types.insert(name, canonical(&def));
    }
    (types, roots)
}

fn assert_same_schema(generated: &str, served: &Schema, package: &str) {
    let (expected, expected_roots) = definitions(generated);
    let options = async_graphql::SDLExportOptions::new().include_specified_by();
    let (actual, actual_roots) = definitions(&served.sdl_with_options(options));
    assert_eq!(expected_roots, actual_roots, "{package}: root operation types");
    let mut differences = Vec::new();
    for (name, text) in &expected {
        match actual.get(name) {
            Some(found) if found == text => {}
            Some(found) => differences.push(format!("`{name}` differs:\n  generated: {text}\n  served:    {found}")),
            None => differences.push(format!("`{name}` is missing")),
        }
    }
    for name in actual.keys().filter(|name| !expected.contains_key(*name)) {
        differences.push(format!("`{name}` is served but not generated"));
    }
    assert!(differences.is_empty(), "{package}:\n{}", differences.join("\n"));
}

#[test]
fn the_served_schema_is_the_generated_sdl_for_every_example() {
    for file in ["petstore.idl", "chat.idl", "telemetry.idl"] {
        let (model, documents) = example(file);
        for package in model.packages.iter().filter(|p| !p.services.is_empty()) {
            let seen = Arc::default();
            // Only this package's services, so that its document is the one served.
            let handlers: Vec<_> = fakes(&model, &documents, &HashMap::new(), &seen)
                .into_iter()
                .filter(|h| h.descriptor().package().name == package.name)
                .collect();
            let app = app(handlers, Limits::default());
            let served = schema::build(&app).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_same_schema(&documents[&package.name], &served, &package.name);
        }
    }
}

#[test]
fn a_document_that_does_not_match_its_model_is_rejected() {
    let (model, mut documents) = example("petstore.idl");
    let sdl = documents.get_mut("acme.pets.v1").unwrap();
    *sdl = sdl.replacen("  species: Species!\n", "  kind: Species!\n", 1);
    let app = app(
        fakes(&model, &documents, &HashMap::new(), &Arc::default()),
        Limits::default(),
    );
    let error = schema::build(&app).unwrap_err();
    assert!(error.contains("`kind`"), "{error}");
}

fn pet(id: &str, species: &str) -> Json {
    json!({
        "id": id,
        "name": "Rex",
        "species": species,
        "status": "PET_STATUS_AVAILABLE",
        "price": {"currencyCode": "EUR", "units": "12", "nanos": 500000000},
        "tags": ["puppy"],
        "photos": [],
        "createdAt": "2026-11-27T17:16:53Z",
        "updatedAt": "2026-11-27T17:16:53Z"
    })
}

struct Petstore {
    app: Arc<App>,
    schema: Schema,
    seen: Arc<Mutex<Vec<(String, Json)>>>,
}

fn petstore(replies: HashMap<String, Reply>) -> Petstore {
    let (model, documents) = example("petstore.idl");
    let seen = Arc::default();
    let app = app(fakes(&model, &documents, &replies, &seen), Limits::default());
    let schema = schema::build(&app).unwrap();
    Petstore { app, schema, seen }
}

fn caller(bearer: Option<&str>) -> Caller {
    Caller {
        credentials: Credentials {
            bearer: bearer.map(str::to_string),
            ..Credentials::default()
        },
        headers: Arc::default(),
    }
}

async fn run(schema: &Schema, query: &str, bearer: Option<&str>) -> Json {
    let response = schema.execute(Request::new(query).data(caller(bearer))).await;
    serde_json::to_value(&response).unwrap()
}

#[tokio::test]
async fn arguments_become_the_json_mapping_and_results_come_back_as_graphql() {
    let replies = HashMap::from([
        (
            "list_pets".to_string(),
            Reply::Value(json!({"pets": [pet("7", "SPECIES_DOG")], "nextPageToken": "p2"})),
        ),
        ("create_pet".to_string(), Reply::Value(pet("8", "SPECIES_CAT"))),
    ]);
    let store = petstore(replies);
    let response = run(
        &store.schema,
        r#"{ listPets(species: DOG, tag: "puppy") {
               nextPageToken
               pets { id name species status tag tags photos { id } price { currencyCode units nanos } createdAt }
           } }"#,
        None,
    )
    .await;
    assert_eq!(response["errors"], Json::Null, "{response}");
    assert_eq!(
        response["data"]["listPets"],
        json!({
            "nextPageToken": "p2",
            "pets": [{
                "id": "7", "name": "Rex", "species": "DOG", "status": "AVAILABLE", "tag": null,
                "tags": ["puppy"], "photos": [],
                "price": {"currencyCode": "EUR", "units": "12", "nanos": 500000000},
                "createdAt": "2026-11-27T17:16:53Z"
            }]
        })
    );

    let response = run(
        &store.schema,
        r#"mutation { createPet(
               pet: {name: "Tom", species: CAT, tags: ["kitten"], price: {currencyCode: "EUR", units: 3, nanos: 0}},
               idempotencyKey: "123e4567-e89b-12d3-a456-426614174000"
           ) { id species } }"#,
        Some("good"),
    )
    .await;
    assert_eq!(response["errors"], Json::Null, "{response}");
    assert_eq!(response["data"]["createPet"], json!({"id": "8", "species": "CAT"}));

    let seen = store.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            (
                "list_pets".to_string(),
                // The schema's default fills `pageSize`; enums gain their type prefix. Defaults
                // of input fields (`status`) are left to the JSON mapping's reader.
                json!({"species": "SPECIES_DOG", "tag": "puppy", "pageSize": 20})
            ),
            (
                "create_pet".to_string(),
                json!({
                    "pet": {
                        "name": "Tom", "species": "SPECIES_CAT", "tags": ["kitten"],
                        "price": {"currencyCode": "EUR", "units": "3", "nanos": 0}
                    },
                    "idempotencyKey": "123e4567-e89b-12d3-a456-426614174000"
                })
            ),
        ]
    );
}

#[tokio::test]
async fn variables_convert_like_literals() {
    let replies = HashMap::from([("get_pet".to_string(), Reply::Value(pet("9", "SPECIES_OTHER")))]);
    let store = petstore(replies);
    let request = Request::new("query($id: UInt64!) { getPet(id: $id) { id species } }")
        .variables(async_graphql::Variables::from_json(json!({"id": "9"})))
        .data(caller(None));
    let response = serde_json::to_value(store.schema.execute(request).await).unwrap();
    assert_eq!(
        response["data"]["getPet"],
        json!({"id": "9", "species": "OTHER"}),
        "{response}"
    );
    assert_eq!(store.seen.lock().unwrap()[0].1, json!({"id": "9"}));

    // A 64-bit integer that is not one is rejected before the handler runs.
    let response = run(&store.schema, r#"{ getPet(id: "nine") { id } }"#, None).await;
    assert!(
        response["errors"][0]["message"].as_str().unwrap().contains("UInt64"),
        "{response}"
    );
    assert_eq!(store.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn errors_carry_their_graphql_code_and_details() {
    let not_found = Error::declared(
        DeclaredError {
            qualified_name: "acme.pets.v1.PetNotFound",
            name: "PetNotFound",
            http_status: 404,
            grpc_code: 5,
            fields: serde_json::from_value(json!({"id": "7"})).unwrap(),
            protobuf: vec![0x08, 0x07],
        },
        "no pet has the id 7",
    );
    let invalid = Error::validation(vec![Violation {
        field: "pet.name".into(),
        constraint: "length".into(),
        message: "must be 1 to 64 characters".into(),
    }]);
    let replies = HashMap::from([
        ("get_pet".to_string(), Reply::Fail(not_found)),
        ("update_pet".to_string(), Reply::Fail(invalid)),
        ("delete_pet".to_string(), Reply::Empty),
    ]);
    let store = petstore(replies);

    let response = run(&store.schema, "{ getPet(id: 7) { id } }", None).await;
    let error = &response["errors"][0];
    assert_eq!(error["message"], "no pet has the id 7");
    assert_eq!(error["path"], json!(["getPet"]));
    assert_eq!(error["extensions"]["code"], "PET_NOT_FOUND");
    assert_eq!(error["extensions"]["status"], 404);
    assert_eq!(error["extensions"]["error"], json!({"id": "7"}));

    let update = r#"mutation { updatePet(id: 1, pet: {name: "", species: DOG}) { id } }"#;
    let response = run(&store.schema, update, Some("good")).await;
    let error = &response["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{response}");
    assert_eq!(error["extensions"]["violations"][0]["field"], "pet.name");

    // `#[auth]` is enforced by the runtime: no token, a token without the scope, then both.
    let delete = "mutation { deletePet(id: 1) }";
    let response = run(&store.schema, delete, None).await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{response}"
    );
    let response = run(&store.schema, delete, Some("plain")).await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "FORBIDDEN", "{response}");
    let response = run(&store.schema, delete, Some("good")).await;
    assert_eq!(response["data"]["deletePet"], true, "{response}");
}

#[tokio::test]
async fn server_streams_and_events_are_subscriptions() {
    let replies = HashMap::from([(
        "watch_pets".to_string(),
        Reply::Stream(vec![
            json!({"added": pet("1", "SPECIES_DOG")}),
            json!({"removed": {"id": "2", "removedAt": "2026-11-27T17:16:53Z"}}),
        ]),
    )]);
    let store = petstore(replies);
    let query = "subscription { watchPets(species: DOG) {
                   __typename ... on Pet { name } ... on PetRemoved { id } } }";
    let items: Vec<Json> = store
        .schema
        .execute_stream(Request::new(query).data(caller(None)))
        .map(|response| serde_json::to_value(response).unwrap())
        .collect()
        .await;
    assert_eq!(
        items,
        [
            json!({"data": {"watchPets": {"__typename": "Pet", "name": "Rex"}}}),
            json!({"data": {"watchPets": {"__typename": "PetRemoved", "id": "2"}}}),
        ]
    );

    // Events need a bearer token (the service's `#[auth(bearer)]`).
    let query = "subscription { petSold { id price { units } soldAt } }";
    let mut denied = store.schema.execute_stream(Request::new(query).data(caller(None)));
    let response = serde_json::to_value(denied.next().await.unwrap()).unwrap();
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{response}"
    );

    // Two subscribers both get every event published after they subscribed.
    let mut first = store
        .schema
        .execute_stream(Request::new(query).data(caller(Some("plain"))));
    let mut second = store
        .schema
        .execute_stream(Request::new(query).data(caller(Some("plain"))));
    let publish = async {
        // Subscribing happens when the streams are first polled; give them that chance.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let payload = json!({"id": "5", "price": {"currencyCode": "EUR", "units": "30", "nanos": 0}, "soldAt": "2026-11-27T17:16:53Z"});
        store.app.services[0]
            .events()
            .publish_json(0, serde_json::to_vec(&payload).unwrap().into());
    };
    let (first, second, ()) = tokio::join!(first.next(), second.next(), publish);
    let expected =
        json!({"data": {"petSold": {"id": "5", "price": {"units": "30"}, "soldAt": "2026-11-27T17:16:53Z"}}});
    assert_eq!(serde_json::to_value(first.unwrap()).unwrap(), expected);
    assert_eq!(serde_json::to_value(second.unwrap()).unwrap(), expected);
}

#[tokio::test]
async fn depth_and_complexity_are_limited() {
    let (model, documents) = example("petstore.idl");
    let limits = Limits {
        graphql_max_depth: 3,
        ..Limits::default()
    };
    let app = app(fakes(&model, &documents, &HashMap::new(), &Arc::default()), limits);
    let schema = schema::build(&app).unwrap();
    let response = run(&schema, "{ listPets { pets { price { units } } } }", None).await;
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{response}"
    );
    let limits = Limits {
        graphql_max_complexity: 3,
        ..Limits::default()
    };
    let app = self::app(fakes(&model, &documents, &HashMap::new(), &Arc::default()), limits);
    let schema = schema::build(&app).unwrap();
    let response = run(&schema, "{ listPets { nextPageToken pets { id name species } } }", None).await;
    assert!(
        response["errors"][0]["message"].as_str().unwrap().contains("complex"),
        "{response}"
    );
}

#[test]
fn maps_and_union_inputs_convert_both_ways() {
    let mut shapes = Shapes::default();
    shapes.unions.insert(
        "ShapeInput".into(),
        UnionShape {
            variants: vec![
                FieldShape {
                    graphql: "circle".into(),
                    json: "circle".into(),
                    conv: Conv::Struct("CircleInput".into()),
                },
                FieldShape {
                    graphql: "label".into(),
                    json: "label".into(),
                    conv: Conv::Struct("CircleInput".into()),
                },
            ],
        },
    );
    shapes.structs.insert(
        "CircleInput".into(),
        StructShape {
            fields: vec![FieldShape {
                graphql: "radiusM".into(),
                json: "radiusM".into(),
                conv: Conv::Scalar(omniface_model::Scalar::F64),
            }],
        },
    );
    let map = Conv::Map {
        key: Box::new(Conv::Scalar(omniface_model::Scalar::I32)),
        value: Box::new(Conv::Scalar(omniface_model::Scalar::String)),
    };
    let entries = async_graphql::Value::from_json(json!([{"key": 1, "value": "a"}, {"key": 2, "value": "b"}])).unwrap();
    assert_eq!(
        shapes.to_json(&map, &entries, "labels").unwrap(),
        json!({"1": "a", "2": "b"})
    );
    // A map is a list of entry objects, and an integer key is a number again.
    let node = shapes.to_node(&map, &json!({"1": "a"})).unwrap();
    let entry = Node::Object(vec![
        Node::Leaf(async_graphql::Value::from(1)),
        Node::Leaf(async_graphql::Value::from("a")),
    ]);
    assert_eq!(node, Node::List(vec![entry]));
    let repeated =
        async_graphql::Value::from_json(json!([{"key": 1, "value": "a"}, {"key": 1, "value": "b"}])).unwrap();
    let error = shapes.to_json(&map, &repeated, "labels").unwrap_err();
    assert_eq!(error.graphql_code(), "BAD_USER_INPUT");

    let union = Conv::Union("ShapeInput".into());
    let one = async_graphql::Value::from_json(json!({"circle": {"radiusM": 2.5}})).unwrap();
    assert_eq!(
        shapes.to_json(&union, &one, "shape").unwrap(),
        json!({"circle": {"radiusM": 2.5}})
    );
    let two = async_graphql::Value::from_json(json!({"circle": {"radiusM": 2.5}, "label": {"radiusM": 1}})).unwrap();
    assert!(shapes.to_json(&union, &two, "shape").is_err());
}

#[tokio::test]
async fn services_of_several_packages_share_one_schema_unless_they_clash() {
    let (petstore_model, petstore_documents) = example("petstore.idl");
    let (chat_model, chat_documents) = example("chat.idl");
    let replies = HashMap::from([
        ("get_pet".to_string(), Reply::Value(pet("7", "SPECIES_DOG"))),
        (
            "list_rooms".to_string(),
            Reply::Value(
                json!({"rooms": [{"id": "r1", "name": "Lobby", "visibility": "ROOM_VISIBILITY_PUBLIC", "createdAt": "2026-11-27T17:16:53Z"}]}),
            ),
        ),
    ]);
    let seen = Arc::default();
    let mut handlers = fakes(&petstore_model, &petstore_documents, &replies, &seen);
    handlers.extend(fakes(&chat_model, &chat_documents, &replies, &seen));
    let app = app(handlers.clone(), Limits::default());
    let schema = schema::build(&app).unwrap();
    let query = "{ getPet(id: 7) { name } listRooms { rooms { name visibility } } }";
    let response = run(&schema, query, Some("plain")).await;
    assert_eq!(
        response["data"],
        json!({"getPet": {"name": "Rex"}, "listRooms": {"rooms": [{"name": "Lobby", "visibility": "PUBLIC"}]}}),
        "{response}"
    );
    let sdl = schema.sdl();
    assert!(sdl.contains("petSold: PetSoldEvent!") && sdl.contains("messagePosted: MessagePostedEvent!"));

    // Another package with its own `Pet` cannot join: the first package keeps the name.
    let other = omniface_codegen::compile_str(
        "other.idl",
        "package acme.other.v1;\nstruct Pet { label: string }\nservice Other {\n    #[readonly]\n    fn find_pet(id: u64) -> Pet;\n}\n",
    );
    let other_model = Arc::new(other.checked_model().expect("valid IDL").clone());
    let files = omniface_codegen::targets::generate(&other_model, &[Target::Graphql], &Options::default());
    let other_documents = BTreeMap::from([("acme.other.v1".to_string(), files[0].contents.clone())]);
    handlers.extend(fakes(&other_model, &other_documents, &replies, &seen));
    let schema = schema::build(&self::app(handlers, Limits::default())).unwrap();
    let sdl = schema.sdl();
    assert!(
        !sdl.contains("findPet") && !sdl.contains("label: String!") && sdl.contains("listRooms"),
        "{sdl}"
    );
}

/// What the examples do not cover: a package without queries (`_service`), a method without a
/// result and an event without data (`Boolean!`), a struct without fields (`_empty`), a union
/// as an argument (`@oneOf`) and maps with integer keys.
const EDGES: &str = "package acme.edge.v1;
struct Nothing {}
struct Circle { radius: f64 }
struct Square { side: f64 }
union Shape { Circle(Circle), Square(Square) }
struct Drawing { shapes: list<Shape>, labels: map<i32, string>, nothing: Nothing? }
service Edge {
    fn draw(drawing: Drawing, pick: Shape?) -> Drawing;
    fn clear();
    event cleared();
}
";

#[tokio::test]
async fn edge_cases_of_the_sdl_are_served_and_convert() {
    let compilation = omniface_codegen::compile_str("edge.idl", EDGES);
    let model = Arc::new(
        compilation
            .checked_model()
            .unwrap_or_else(|| panic!("{}", compilation.render_diagnostics()))
            .clone(),
    );
    let files = omniface_codegen::targets::generate(&model, &[Target::Graphql], &Options::default());
    let documents = BTreeMap::from([("acme.edge.v1".to_string(), files[0].contents.clone())]);
    let drawing = json!({
        "shapes": [{"circle": {"radius": 1.5}}, {"square": {"side": 2.0}}],
        "labels": {"1": "one", "2": "two"},
        "nothing": {}
    });
    let replies = HashMap::from([("draw".to_string(), Reply::Value(drawing))]);
    let seen = Arc::default();
    let app = app(fakes(&model, &documents, &replies, &seen), Limits::default());
    let schema = schema::build(&app).unwrap();
    assert_same_schema(&documents["acme.edge.v1"], &schema, "acme.edge.v1");

    let response = run(&schema, "{ _service }", None).await;
    assert_eq!(response["data"], json!({"_service": "acme.edge.v1"}), "{response}");

    let mutation = r#"mutation {
        draw(
            drawing: {shapes: [{circle: {radius: 3}}, {square: {side: 4}}], labels: [{key: 7, value: "seven"}]},
            pick: {square: {side: 1}}
        ) {
            shapes { __typename ... on Circle { radius } ... on Square { side } }
            labels { key value }
            nothing { _empty }
        }
        clear
    }"#;
    let response = run(&schema, mutation, None).await;
    assert_eq!(
        response["data"],
        json!({
            "draw": {
                "shapes": [{"__typename": "Circle", "radius": 1.5}, {"__typename": "Square", "side": 2.0}],
                "labels": [{"key": 1, "value": "one"}, {"key": 2, "value": "two"}],
                "nothing": {"_empty": null}
            },
            "clear": true
        }),
        "{response}"
    );
    assert_eq!(
        seen.lock().unwrap()[0].1,
        json!({
            "drawing": {"shapes": [{"circle": {"radius": 3}}, {"square": {"side": 4}}], "labels": {"7": "seven"}},
            "pick": {"square": {"side": 1}}
        })
    );

    // `@oneOf` is enforced by GraphQL itself.
    let response = run(
        &schema,
        "mutation { draw(drawing: {}, pick: {circle: {radius: 1}, square: {side: 1}}) { labels { key } } }",
        None,
    )
    .await;
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("exactly one"),
        "{response}"
    );

    let mut cleared = schema.execute_stream(Request::new("subscription { cleared }").data(caller(None)));
    let publish = async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        app.services[0]
            .events()
            .publish_json(0, serde_json::to_vec(&json!({})).unwrap().into());
    };
    let (item, ()) = tokio::join!(cleared.next(), publish);
    assert_eq!(
        serde_json::to_value(item.unwrap()).unwrap(),
        json!({"data": {"cleared": true}})
    );
}

/// Sends one HTTP/1.1 request to the server and returns the status and body.
async fn http(address: std::net::SocketAddr, request: String) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response).to_string();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

fn post(body: &str) -> String {
    format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn get(target: &str, accept: &str) -> String {
    format!("GET {target} HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\nConnection: close\r\n\r\n")
}

#[tokio::test]
async fn the_http_routes_answer() {
    let replies = HashMap::from([("get_pet".to_string(), Reply::Value(pet("7", "SPECIES_DOG")))]);
    let (model, documents) = example("petstore.idl");
    let limits = Limits {
        max_body_bytes: 300,
        ..Limits::default()
    };
    let app = app(fakes(&model, &documents, &replies, &Arc::default()), limits);
    let router = super::routes(&app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let (status, body) = http(address, post(r#"{"query": "{ getPet(id: 7) { name species } }"}"#)).await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"data":{"getPet":{"name":"Rex","species":"DOG"}}}"#)
    );

    let (status, body) = http(address, get("/graphql?query=%7BgetPet(id%3A7)%7Bname%7D%7D", "*/*")).await;
    assert_eq!((status, body.as_str()), (200, r#"{"data":{"getPet":{"name":"Rex"}}}"#));

    let (status, _) = http(address, get("/graphql?query=mutation%7BdeletePet(id%3A1)%7D", "*/*")).await;
    assert_eq!(status, 405);

    let (status, body) = http(address, get("/graphql", "text/html,application/xhtml+xml")).await;
    assert_eq!(status, 200);
    assert!(body.contains("graphiql"), "{body}");

    let (status, body) = http(address, get("/schema.graphql", "*/*")).await;
    assert_eq!((status, body.as_str()), (200, documents["acme.pets.v1"].as_str()));

    let (status, body) = http(address, post(&format!(r#"{{"query": "{}"}}"#, " ".repeat(400)))).await;
    assert_eq!(status, 413, "{body}");

    let (status, body) = http(address, post("{not json")).await;
    assert_eq!(status, 400, "{body}");
}
