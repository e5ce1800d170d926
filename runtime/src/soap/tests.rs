//! Tests of the SOAP adapter against the petstore and telemetry examples: the operations read
//! from the generated WSDL, XML to JSON and back, faults of both versions, hostile input.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use omniface_codegen::targets::{Options, Target};
use omniface_model::{Model, TypeRef};
use serde_json::{Value, json};

use super::convert::{Encoder, decode_params};
use super::wsdl::{self, Operation};
use super::{Endpoint, xml};
use crate::auth::{Credential, Principal, authenticator_fn};
use crate::context::Context;
use crate::error::{DeclaredError, Error};
use crate::events::EventHub;
use crate::server::{App, Limits};
use crate::service::{BoxFuture, Documents, Handler, Input, Output, ServiceDescriptor};

fn example(file: &str, package: &str) -> (Arc<Model>, &'static str) {
    let path = format!("{}/../examples/{file}", env!("CARGO_MANIFEST_DIR"));
    let compilation = omniface_codegen::compile_files(&[path]);
    assert!(!compilation.has_errors(), "{}", compilation.render_diagnostics());
    let files = Target::Wsdl.generate(&compilation.model, &Options::default());
    let wsdl = files
        .into_iter()
        .find(|f| {
            f.path
                .file_name()
                .is_some_and(|name| name.to_string_lossy() == format!("{package}.wsdl"))
        })
        .expect("the package has a WSDL")
        .contents;
    (Arc::new(compilation.model), Box::leak(wsdl.into_boxed_str()))
}

type Answer = dyn Fn(&str, Value) -> Result<Option<Value>, Error> + Send + Sync;

/// A service whose methods answer canned JSON, recording what they were called with.
struct Fake {
    descriptor: ServiceDescriptor,
    events: EventHub,
    calls: Arc<Mutex<Vec<(String, Value)>>>,
    answer: Box<Answer>,
}

impl Handler for Fake {
    fn descriptor(&self) -> &ServiceDescriptor {
        &self.descriptor
    }

    fn events(&self) -> &EventHub {
        &self.events
    }

    fn call(&self, method: usize, _ctx: Context, input: Input) -> BoxFuture<'static, Result<Output, Error>> {
        let name = self.descriptor.methods[method].name.clone();
        let Input::Value(value) = input else {
            return Box::pin(async { Err(Error::internal("expected a value")) });
        };
        self.calls.lock().unwrap().push((name.clone(), value.clone()));
        let answer = (self.answer)(&name, value);
        Box::pin(async move { answer.map(|value| value.map_or(Output::Empty, Output::json)) })
    }
}

struct Harness {
    endpoint: Endpoint,
    calls: Arc<Mutex<Vec<(String, Value)>>>,
}

fn harness(answer: impl Fn(&str, Value) -> Result<Option<Value>, Error> + Send + Sync + 'static) -> Harness {
    harness_for("petstore.idl", "acme.pets.v1", "PetStore", Box::new(answer))
}

fn harness_for(file: &str, package: &str, service: &str, answer: Box<Answer>) -> Harness {
    let (model, wsdl) = example(file, package);
    let documents = Documents {
        package: "",
        openapi: "",
        graphql: "",
        wsdl,
        asyncapi: "",
        openrpc: "",
        proto: "",
        proto_files: &[],
    };
    let descriptor = ServiceDescriptor::new(model, package, service, documents);
    let calls = Arc::new(Mutex::new(Vec::new()));
    let fake = Fake {
        events: EventHub::new(descriptor.events.len(), 16),
        descriptor,
        calls: calls.clone(),
        answer,
    };
    let app = Arc::new(App {
        services: vec![Arc::new(fake)],
        authenticator: Some(authenticator_fn(|credential| match credential {
            Credential::Bearer("secret") => Some(Principal {
                subject: "tester".into(),
                scopes: vec!["pets:admin".into(), "pets:write".into()],
            }),
            _ => None,
        })),
        limits: Limits {
            max_body_bytes: 64 * 1024,
            ..Limits::default()
        },
    });
    let operations = wsdl::operations(app.services[0].descriptor());
    Harness {
        endpoint: Endpoint {
            app,
            service: 0,
            operations,
        },
        calls,
    }
}

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";

fn envelope11(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap-env:Envelope xmlns:soap-env="{SOAP11}"><soap-env:Body>{body}</soap-env:Body></soap-env:Envelope>"#
    )
}

fn envelope12(body: &str) -> String {
    format!(r#"<env:Envelope xmlns:env="{SOAP12}"><env:Body>{body}</env:Body></env:Envelope>"#)
}

impl Harness {
    async fn post(&self, headers: &[(&'static str, &str)], body: String) -> (StatusCode, String, String) {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        let response = self.endpoint.call(map, None, Body::from(body)).await;
        let status = response.status();
        let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, content_type, String::from_utf8(bytes.to_vec()).unwrap())
    }

    async fn soap11(&self, action: &str, body: &str) -> (StatusCode, String) {
        let (status, content_type, text) = self
            .post(
                &[("content-type", "text/xml; charset=utf-8"), ("soapaction", action)],
                envelope11(body),
            )
            .await;
        assert_eq!(content_type, "text/xml; charset=utf-8");
        (status, text)
    }

    fn calls(&self) -> Vec<(String, Value)> {
        self.calls.lock().unwrap().clone()
    }
}

fn pet_json() -> Value {
    json!({
        "id": "7",
        "name": "Rex & Co",
        "species": "SPECIES_DOG",
        "status": "PET_STATUS_AVAILABLE",
        "price": {"currencyCode": "EUR", "units": "-12", "nanos": -500000000},
        "tags": ["puppy", "brown"],
        "photos": [],
        "createdAt": "2026-11-27T17:16:53Z",
        "updatedAt": "2026-11-27T17:16:53.500Z"
    })
}

const PET_XML: &str = "<pet><id>7</id><name>Rex &amp; Co</name><species>SPECIES_DOG</species>\
<status>PET_STATUS_AVAILABLE</status><price><currencyCode>EUR</currencyCode><units>-12</units>\
<nanos>-500000000</nanos></price><tags>puppy</tags><tags>brown</tags>\
<createdAt>2026-11-27T17:16:53Z</createdAt><updatedAt>2026-11-27T17:16:53.500Z</updatedAt></pet>";

#[test]
fn operations_are_named_as_the_wsdl_names_them() {
    let h = harness(|_, _| Ok(None));
    let ops = &h.endpoint.operations;
    assert_eq!(ops.namespace, "urn:acme:pets:v1");
    let names: Vec<&str> = ops.list.iter().map(|op| op.name.as_str()).collect();
    // watch_pets and upload_photo stream: they are not SOAP operations.
    assert_eq!(names, ["ListPets", "GetPet", "CreatePet", "UpdatePet", "DeletePet"]);
    let get = ops.by_element("GetPet").unwrap();
    assert_eq!(
        get,
        &Operation {
            method: get.method,
            name: "GetPet".into(),
            request_element: "GetPet".into(),
            response_element: "GetPetResponse".into(),
            result_element: "pet".into(),
            action: "urn:acme:pets:v1#GetPet".into(),
            faults: vec![("acme.pets.v1.PetNotFound".into(), "PetNotFound".into())],
        }
    );
    assert_eq!(ops.by_element("ListPets").unwrap().result_element, "listPetsResponse");
    assert_eq!(ops.by_element("DeletePet").unwrap().result_element, "");
}

#[tokio::test]
async fn get_pet_reads_the_wrapper_and_writes_the_result_element() {
    let h = harness(|_, _| Ok(Some(pet_json())));
    let (status, text) = h
        .soap11(
            "\"urn:acme:pets:v1#GetPet\"",
            r#"<ns0:GetPet xmlns:ns0="urn:acme:pets:v1"><ns0:id> 7 </ns0:id></ns0:GetPet>"#,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(h.calls(), vec![("get_pet".to_string(), json!({"id": "7"}))]);
    assert_eq!(
        text,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap:Envelope xmlns:soap=\"{SOAP11}\"><soap:Body>\
             <GetPetResponse xmlns=\"urn:acme:pets:v1\">{PET_XML}</GetPetResponse></soap:Body></soap:Envelope>"
        )
    );
}

#[tokio::test]
async fn list_pets_maps_enums_optionals_and_repeated_elements() {
    let h = harness(|_, _| Ok(Some(json!({"pets": [pet_json(), pet_json()], "nextPageToken": "abc"}))));
    let (status, text) = h
        .soap11(
            "",
            r#"<ListPets xmlns="urn:acme:pets:v1"><species>SPECIES_CAT</species><pageSize>5</pageSize></ListPets>"#,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        h.calls(),
        vec![(
            "list_pets".to_string(),
            json!({"species": "SPECIES_CAT", "pageSize": 5})
        )]
    );
    let pets = PET_XML.replace("<pet>", "<pets>").replace("</pet>", "</pets>");
    assert!(
        text.contains(&format!(
            "<ListPetsResponse xmlns=\"urn:acme:pets:v1\"><listPetsResponse>{pets}{pets}\
             <nextPageToken>abc</nextPageToken></listPetsResponse></ListPetsResponse>"
        )),
        "{text}"
    );
}

#[tokio::test]
async fn create_pet_reads_nested_structs_and_lists() {
    let h = harness(|_, _| Ok(Some(pet_json())));
    let body = r#"<tns:CreatePet xmlns:tns="urn:acme:pets:v1"><tns:pet><tns:name>Rex</tns:name>
        <tns:species>SPECIES_DOG</tns:species><tns:tags>a</tns:tags><tns:tags>b</tns:tags>
        <tns:price><tns:currencyCode>EUR</tns:currencyCode><tns:units>12</tns:units></tns:price>
        </tns:pet><tns:idempotencyKey>0b6c1a8e-3f7e-4a6e-9d3c-2f1e0a9b8c7d</tns:idempotencyKey></tns:CreatePet>"#;
    let (status, text, _) = h
        .post(
            &[("content-type", "text/xml"), ("authorization", "Bearer secret")],
            envelope11(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        h.calls()[0].1,
        json!({
            "pet": {"name": "Rex", "species": "SPECIES_DOG", "tags": ["a", "b"], "price": {"currencyCode": "EUR", "units": "12"}},
            "idempotencyKey": "0b6c1a8e-3f7e-4a6e-9d3c-2f1e0a9b8c7d"
        })
    );
}

#[tokio::test]
async fn delete_pet_answers_an_empty_wrapper_in_soap_1_2() {
    let h = harness(|_, _| Ok(None));
    let (status, content_type, text) = h
        .post(
            &[
                (
                    "content-type",
                    "application/soap+xml; charset=utf-8; action=\"urn:acme:pets:v1#DeletePet\"",
                ),
                ("authorization", "Bearer secret"),
            ],
            envelope12(r#"<DeletePet xmlns="urn:acme:pets:v1"><id>3</id></DeletePet>"#),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(content_type, "application/soap+xml; charset=utf-8");
    assert!(
        text.contains(&format!(
            "<env:Envelope xmlns:env=\"{SOAP12}\"><env:Body><DeletePetResponse xmlns=\"urn:acme:pets:v1\"></DeletePetResponse></env:Body>"
        )),
        "{text}"
    );
}

fn pet_not_found() -> Error {
    let mut fields = serde_json::Map::new();
    fields.insert("id".into(), json!("7"));
    Error::declared(
        DeclaredError {
            qualified_name: "acme.pets.v1.PetNotFound",
            name: "PetNotFound",
            http_status: 404,
            grpc_code: 5,
            fields,
            protobuf: vec![0x08, 0x07],
        },
        "no pet has the id 7",
    )
}

#[tokio::test]
async fn declared_errors_are_the_wsdl_fault_in_soap_1_1() {
    let h = harness(|_, _| Err(pet_not_found()));
    let (status, text) = h
        .soap11(
            "urn:acme:pets:v1#GetPet",
            r#"<GetPet xmlns="urn:acme:pets:v1"><id>7</id></GetPet>"#,
        )
        .await;
    // SOAP 1.1's HTTP binding: every fault is a 500.
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        text.contains(
            "<soap:Fault><faultcode>soap:Client</faultcode><faultstring>no pet has the id 7</faultstring>\
             <detail><PetNotFound xmlns=\"urn:acme:pets:v1\"><id>7</id></PetNotFound></detail></soap:Fault>"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn declared_errors_are_the_wsdl_fault_in_soap_1_2() {
    let h = harness(|_, _| Err(pet_not_found()));
    let (status, _, text) = h
        .post(
            &[("content-type", "application/soap+xml")],
            envelope12(r#"<GetPet xmlns="urn:acme:pets:v1"><id>7</id></GetPet>"#),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text.contains(
            "<env:Fault><env:Code><env:Value>env:Sender</env:Value></env:Code><env:Reason>\
             <env:Text xml:lang=\"en\">no pet has the id 7</env:Text></env:Reason><env:Detail>\
             <PetNotFound xmlns=\"urn:acme:pets:v1\"><id>7</id></PetNotFound></env:Detail></env:Fault>"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn internal_errors_are_server_faults_without_their_message() {
    let h = harness(|_, _| Err(Error::internal("the database password is hunter2")));
    let (status, _, text) = h
        .post(
            &[("content-type", "application/soap+xml")],
            envelope12(r#"<GetPet xmlns="urn:acme:pets:v1"><id>7</id></GetPet>"#),
        )
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(text.contains("<env:Value>env:Receiver</env:Value>"), "{text}");
    assert!(!text.contains("hunter2"));
    assert!(text.contains("<code>INTERNAL</code>"), "{text}");
}

#[tokio::test]
async fn every_violation_is_in_the_detail() {
    let h = harness(|_, _| Ok(None));
    let (status, text) = h
        .soap11(
            "",
            r#"<CreatePet xmlns="urn:acme:pets:v1"><pet><species>SPECIES_DOG</species></pet><bogus/></CreatePet>"#,
        )
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(h.calls().is_empty());
    assert!(text.contains("<faultcode>soap:Client</faultcode>"), "{text}");
    for field in [
        "<field>bogus</field>",
        "<field>pet.name</field>",
        "<field>idempotencyKey</field>",
    ] {
        assert!(text.contains(field), "{field} in {text}");
    }
    assert!(text.contains("<code>INVALID_ARGUMENT</code>"), "{text}");

    let (_, text) = h
        .soap11("", r#"<GetPet xmlns="urn:acme:pets:v1"><id>seven</id></GetPet>"#)
        .await;
    assert!(
        text.contains("<field>id</field><constraint>type</constraint>"),
        "{text}"
    );
}

#[tokio::test]
async fn missing_credentials_are_a_client_fault() {
    let h = harness(|_, _| Ok(Some(pet_json())));
    let (status, _, text) = h
        .post(
            &[("content-type", "application/soap+xml")],
            envelope12(r#"<DeletePet xmlns="urn:acme:pets:v1"><id>3</id></DeletePet>"#),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text.contains("env:Sender") && text.contains("<code>UNAUTHENTICATED</code>"),
        "{text}"
    );
    assert!(h.calls().is_empty());
}

#[tokio::test]
async fn a_mismatched_action_is_a_client_fault() {
    let h = harness(|_, _| Ok(Some(pet_json())));
    let (status, text) = h
        .soap11(
            "urn:acme:pets:v1#DeletePet",
            r#"<GetPet xmlns="urn:acme:pets:v1"><id>7</id></GetPet>"#,
        )
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        text.contains("soap:Client") && text.contains("does not match"),
        "{text}"
    );
    let (status, _, text) = h
        .post(
            &[(
                "content-type",
                "application/soap+xml; action=\"urn:acme:pets:v1#ListPets\"",
            )],
            envelope12(r#"<GetPet xmlns="urn:acme:pets:v1"><id>7</id></GetPet>"#),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("does not match"), "{text}");
    assert!(h.calls().is_empty());
}

#[tokio::test]
async fn doctypes_and_entities_are_refused() {
    let h = harness(|_, _| Ok(Some(pet_json())));
    let laughs = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>{}",
        envelope11(r#"<GetPet xmlns="urn:acme:pets:v1"><id>&lol2;</id></GetPet>"#)
    );
    let (status, _, text) = h.post(&[("content-type", "text/xml")], laughs).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(text.contains("soap:Client") && text.contains("DOCTYPE"), "{text}");
    let undefined = envelope11(r#"<GetPet xmlns="urn:acme:pets:v1"><id>&xxe;</id></GetPet>"#);
    let (_, _, text) = h.post(&[("content-type", "text/xml")], undefined).await;
    assert!(text.contains("soap:Client") && text.contains("not defined"), "{text}");
    assert!(h.calls().is_empty());
}

#[tokio::test]
async fn hostile_and_malformed_input_never_panics() {
    let h = harness(|_, _| Ok(Some(pet_json())));
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let cases = [
        deep,
        String::new(),
        "<".into(),
        "not xml at all".into(),
        "<soap:Envelope xmlns:soap=\"urn:other\"><soap:Body/></soap:Envelope>".into(),
        envelope11("<x:GetPet><x:id>1</x:id></x:GetPet>"),
        envelope11(""),
        envelope11("<GetPet xmlns=\"urn:acme:pets:v1\"/><GetPet xmlns=\"urn:acme:pets:v1\"/>"),
        envelope11("<GetPet xmlns=\"urn:other\"><id>1</id></GetPet>"),
        envelope11("<WatchPets xmlns=\"urn:acme:pets:v1\"/>"),
        envelope11("<GetPet xmlns=\"urn:acme:pets:v1\"><id>1</id><id>2</id></GetPet>"),
        envelope11("<GetPet xmlns=\"urn:acme:pets:v1\"><id>&#0;</id></GetPet>"),
        envelope11("<?pi data?><GetPet xmlns=\"urn:acme:pets:v1\"><id>1</id></GetPet>"),
        "x".repeat(70 * 1024),
    ];
    for body in cases {
        let (status, _, text) = h.post(&[("content-type", "text/xml")], body.clone()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body:.80}: {text}");
        assert!(text.contains("<faultcode>soap:"), "{body:.80}: {text}");
    }
    assert!(h.calls().is_empty());
    let (status, _, _) = h.post(&[("content-type", "application/json")], "{}".into()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn headers_that_must_be_understood_are_refused() {
    let h = harness(|_, _| Ok(Some(pet_json())));
    let body = format!(
        r#"<s:Envelope xmlns:s="{SOAP11}"><s:Header><w:Security xmlns:w="urn:wss" s:mustUnderstand="1"/></s:Header>
        <s:Body><GetPet xmlns="urn:acme:pets:v1"><id>7</id></GetPet></s:Body></s:Envelope>"#
    );
    let (_, _, text) = h.post(&[("content-type", "text/xml")], body).await;
    assert!(text.contains("<faultcode>soap:MustUnderstand</faultcode>"), "{text}");
    // An optional header block is ignored.
    let body = format!(
        r#"<s:Envelope xmlns:s="{SOAP11}"><s:Header><w:Trace xmlns:w="urn:trace"/></s:Header>
        <s:Body><GetPet xmlns="urn:acme:pets:v1"><id>7</id></GetPet></s:Body></s:Envelope>"#
    );
    let (status, _, _) = h.post(&[("content-type", "text/xml")], body).await;
    assert_eq!(status, StatusCode::OK);
}

#[test]
fn maps_decimals_and_floats_follow_the_schema() {
    let (model, _) = example("telemetry.idl", "acme.telemetry.v1");
    let reading = model.type_def("acme.telemetry.v1.Reading").unwrap();
    let omniface_model::TypeKind::Struct(reading_struct) = &reading.kind else {
        panic!("Reading is a struct");
    };
    let fields: Vec<_> = reading_struct.fields.iter().collect();
    let element = xml::parse(
        r#"<r xmlns="urn:x"><sequence>18446744073709551615</sequence><observedAt>2026-11-27T17:16:53</observedAt>
        <values><key>temperature_c</key><value>21.5</value></values><values><key>humidity</key><value>INF</value></values>
        <energyTotalKwh>+.25</energyTotalKwh></r>"#,
        16,
    )
    .unwrap();
    let value = decode_params(&model, &fields, &element).unwrap();
    assert_eq!(
        value,
        json!({
            "sequence": "18446744073709551615",
            "observedAt": "2026-11-27T17:16:53Z",
            "values": {"temperature_c": 21.5, "humidity": "Infinity"},
            "energyTotalKwh": "0.25"
        })
    );
    let mut encoder = Encoder::new(&model, "urn:x");
    let ty = TypeRef::Named("acme.telemetry.v1.Reading".into());
    encoder.element("reading", &ty, &value).unwrap();
    assert_eq!(
        encoder.finish(),
        "<reading xmlns=\"urn:x\"><sequence>18446744073709551615</sequence><observedAt>2026-11-27T17:16:53Z</observedAt>\
         <values><key>temperature_c</key><value>21.5</value></values><values><key>humidity</key><value>INF</value></values>\
         <energyTotalKwh>0.25</energyTotalKwh></reading>"
    );
}

#[test]
fn unions_are_one_child_named_after_the_variant() {
    let (model, _) = example("petstore.idl", "acme.pets.v1");
    let ty = TypeRef::Named("acme.pets.v1.PetEvent".into());
    let value = json!({"removed": {"id": "3", "removedAt": "2026-11-27T17:16:53Z"}});
    let mut encoder = Encoder::new(&model, "urn:acme:pets:v1");
    encoder.element("event", &ty, &value).unwrap();
    let written = encoder.finish();
    assert_eq!(
        written,
        "<event xmlns=\"urn:acme:pets:v1\"><removed><id>3</id><removedAt>2026-11-27T17:16:53Z</removedAt></removed></event>"
    );
    let field = omniface_model::Field {
        name: "event".into(),
        docs: Default::default(),
        number: None,
        ty,
        default: None,
        constraints: Default::default(),
        deprecated: None,
        span: Default::default(),
        attr_spans: Default::default(),
        ty_span: Default::default(),
    };
    let wrapper = xml::parse(&format!("<w>{written}</w>"), 16).unwrap();
    assert_eq!(
        decode_params(&model, &[&field], &wrapper).unwrap(),
        json!({"event": value})
    );
}

#[tokio::test]
async fn the_router_serves_the_wsdl_with_the_real_address_and_answers_calls() {
    let h = harness(|_, _| Ok(Some(pet_json())));
    let router = super::routes(&h.endpoint.app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let request = move |raw: String| {
        tokio::task::spawn_blocking(move || {
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(address).unwrap();
            stream.write_all(raw.as_bytes()).unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).unwrap();
            response
        })
    };
    let response = request(format!(
        "GET /soap/PetStore?WSDL HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    ))
    .await
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response:.300}");
    assert!(
        response.contains("content-type: text/xml; charset=utf-8"),
        "{response:.300}"
    );
    assert!(response.contains(&format!("<soap:address location=\"http://{address}/soap/PetStore\"/>")));
    assert!(response.contains(&format!(
        "<soap12:address location=\"http://{address}/soap/PetStore\"/>"
    )));

    let body = envelope11(r#"<GetPet xmlns="urn:acme:pets:v1"><id>7</id></GetPet>"#);
    let response = request(format!(
        "POST /soap/PetStore HTTP/1.1\r\nHost: {address}\r\nContent-Type: text/xml; charset=utf-8\r\n\
         SOAPAction: \"urn:acme:pets:v1#GetPet\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ))
    .await
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(PET_XML), "{response}");
}
