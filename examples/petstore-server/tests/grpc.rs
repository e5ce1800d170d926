//! The pet store over gRPC on the same port as its HTTP protocols, called with the generated
//! tonic client (`PetStoreGrpcClient`): every rpc and streaming kind, declared errors decoded back
//! from the status details, violations, auth, deadlines, gzip, gRPC-Web, and hostile input.

use std::time::Duration;

use futures_util::StreamExt;
use omniface::Bytes;
use omniface::grpc::{Code, Request, Status};
use petstore_server::deps::acme_common_v1::Money;
use petstore_server::pet_store_requests::*;
use petstore_server::*;
use serde_json::Value;

async fn start_with(limits: omniface::Limits) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (store, events) = Store::new();
    let server = omniface::Server::new()
        .authenticator(demo_authenticator())
        .limits(limits)
        .service(PetStoreServer::with_events(store, events));
    tokio::spawn(server.serve_on(listener));
    format!("http://{address}")
}

async fn start() -> String {
    start_with(omniface::Limits::default()).await
}

async fn client(base: &str, token: Option<&str>) -> PetStoreGrpcClient {
    let client = PetStoreGrpcClient::connect(base.to_string()).await.unwrap();
    match token {
        Some(token) => client.with_bearer_token(token),
        None => client,
    }
}

fn input(name: &str) -> PetInput {
    PetInput {
        name: name.to_string(),
        species: Species::Dog,
        tags: vec!["puppy".into()],
        price: Some(Money {
            currency_code: "EUR".into(),
            units: 120,
            nanos: 0,
        }),
        status: PetStatus::Available,
    }
}

async fn create(client: &mut PetStoreGrpcClient, name: &str) -> Pet {
    client
        .create_pet(CreatePetRequest {
            pet: input(name),
            idempotency_key: omniface::Uuid::new_v4(),
        })
        .await
        .unwrap()
        .into_inner()
}

/// Waits at most 10 s for the next item of a stream.
async fn next<T>(stream: &mut omniface::grpc::Streaming<T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .expect("an item within 10 s")
        .expect("the stream does not fail")
        .expect("the stream does not end")
}

#[tokio::test]
async fn every_rpc_answers_like_rest() {
    let base = start().await;
    let mut user = client(&base, Some("user-token")).await;
    let mut admin = client(&base, Some("admin-token")).await;

    // Unary: create, get, list, update, delete.
    let rex = create(&mut user, "Rex").await;
    assert_eq!(rex.name, "Rex");
    let fetched = user.get_pet(GetPetRequest { id: rex.id }).await.unwrap().into_inner();
    assert_eq!(fetched, rex);
    // The same pet over REST is the same value in the JSON mapping.
    let rest: Value = reqwest::get(format!("{base}/pets/{}", rex.id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest, serde_json::to_value(&fetched).unwrap());

    create(&mut user, "Tom").await;
    let page = user
        .list_pets(ListPetsRequest {
            species: Some(Species::Dog),
            tag: None,
            status: None,
            page_size: 1,
            page_token: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.pets.len(), 1);
    let token = page.next_page_token.expect("a second page");
    let second = user
        .list_pets(ListPetsRequest {
            species: None,
            tag: None,
            status: None,
            page_size: 10,
            page_token: Some(token),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.pets.len(), 1);
    assert!(second.next_page_token.is_none());

    let mut renamed = input("Rex the Second");
    renamed.tags = vec![];
    let updated = user
        .update_pet(UpdatePetRequest {
            id: rex.id,
            pet: renamed,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.name, "Rex the Second");
    assert!(updated.tags.is_empty(), "an emptied list travels as an empty list");

    let () = admin
        .delete_pet(DeletePetRequest { id: rex.id })
        .await
        .unwrap()
        .into_inner();
    let gone = user.get_pet(GetPetRequest { id: rex.id }).await.unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
}

#[tokio::test]
async fn streams_of_every_kind() {
    let base = start().await;
    let mut user = client(&base, Some("user-token")).await;

    // Server streaming: a change made over gRPC arrives on the watch.
    let mut watch = user
        .watch_pets(WatchPetsRequest { species: None })
        .await
        .unwrap()
        .into_inner();
    let mut sold_events = user.subscribe_pet_sold(()).await.unwrap().into_inner();
    // The subscription is live once the server answered the headers; give the hub a moment.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let kitty = create(&mut user, "Kitty").await;
    match next(&mut watch).await {
        PetEvent::Added(pet) => assert_eq!(pet, kitty),
        other => panic!("expected Added, got {other:?}"),
    }

    // Event subscription: selling the pet publishes `pet_sold`.
    let mut sold = input("Kitty");
    sold.status = PetStatus::Sold;
    user.update_pet(UpdatePetRequest {
        id: kitty.id,
        pet: sold,
    })
    .await
    .unwrap();
    let event = next(&mut sold_events).await;
    assert_eq!(event.id, kitty.id);
    assert_eq!(event.price.units, 120);
    match next(&mut watch).await {
        PetEvent::Changed(change) => assert_eq!(change.changed_fields, ["status"]),
        other => panic!("expected Changed, got {other:?}"),
    }

    // Client streaming: three chunks make one photo.
    let chunks = vec![
        PhotoChunk {
            pet_id: kitty.id,
            content_type: Some("image/png".into()),
            data: Bytes(vec![1; 10]),
        },
        PhotoChunk {
            pet_id: kitty.id,
            content_type: None,
            data: Bytes(vec![2; 20]),
        },
        PhotoChunk {
            pet_id: kitty.id,
            content_type: None,
            data: Bytes(vec![3; 30]),
        },
    ];
    let photo = user
        .upload_photo(futures_util::stream::iter(chunks))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(photo.pet_id, kitty.id);
    assert_eq!(photo.url, format!("/photos/{}/60", kitty.id));
    assert_eq!(photo.content_type, "image/png");
    let with_photo = user.get_pet(GetPetRequest { id: kitty.id }).await.unwrap().into_inner();
    assert_eq!(with_photo.photos, [photo]);
}

#[tokio::test]
async fn declared_errors_come_back_typed() {
    let base = start().await;
    let mut user = client(&base, Some("user-token")).await;

    let status = user.get_pet(GetPetRequest { id: 4242 }).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(
        GetPetError::from_grpc_status(&status),
        Some(GetPetError::PetNotFound(PetNotFound { id: 4242 }))
    );

    let rex = create(&mut user, "Rex").await;
    let duplicate = user
        .create_pet(CreatePetRequest {
            pet: input("Rex"),
            idempotency_key: omniface::Uuid::new_v4(),
        })
        .await
        .unwrap_err();
    assert_eq!(duplicate.code(), Code::AlreadyExists);
    assert_eq!(
        CreatePetError::from_grpc_status(&duplicate),
        Some(CreatePetError::PetAlreadyExists(PetAlreadyExists {
            existing_id: rex.id
        }))
    );

    // A declared error raised halfway through a client stream.
    let wrong_pet = vec![
        PhotoChunk {
            pet_id: rex.id,
            content_type: Some("image/png".into()),
            data: Bytes(vec![1]),
        },
        PhotoChunk {
            pet_id: rex.id + 1,
            content_type: None,
            data: Bytes(vec![1]),
        },
    ];
    let status = user
        .upload_photo(futures_util::stream::iter(wrong_pet))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    match UploadPhotoError::from_grpc_status(&status) {
        Some(UploadPhotoError::InvalidPhoto(error)) => assert!(error.reason.contains("same pet")),
        other => panic!("expected InvalidPhoto, got {other:?}"),
    }
}

#[tokio::test]
async fn violations_match_rest_and_auth_is_the_same_hook() {
    let base = start().await;
    let mut user = client(&base, Some("user-token")).await;
    let mut bad = input(&"x".repeat(65));
    bad.tags = (0..21).map(|n| format!("tag{n}")).collect();
    let status = user
        .create_pet(CreatePetRequest {
            pet: bad,
            idempotency_key: omniface::Uuid::new_v4(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let violations = omniface::grpc::violations(&status);
    // The same input over REST lists the same violations.
    let rest: Value = reqwest::Client::new()
        .post(format!("{base}/pets"))
        .header("authorization", "Bearer user-token")
        .header("idempotency-key", omniface::Uuid::new_v4().to_string())
        .json(&serde_json::json!({
            "name": "x".repeat(65),
            "species": "SPECIES_DOG",
            "tags": (0..21).map(|n| format!("tag{n}")).collect::<Vec<_>>(),
            "price": { "currencyCode": "EUR", "units": "120" },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rest_violations: Vec<(String, String)> = rest["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["field"].as_str().unwrap().to_string(),
                v["constraint"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let grpc_violations: Vec<(String, String)> = violations
        .iter()
        .map(|v| (v.field.clone(), v.constraint.clone()))
        .collect();
    assert_eq!(grpc_violations.len(), 2, "{grpc_violations:?}");
    assert_eq!(grpc_violations, rest_violations);

    let mut anonymous = client(&base, None).await;
    let status = anonymous
        .create_pet(CreatePetRequest {
            pet: input("Nobody"),
            idempotency_key: omniface::Uuid::new_v4(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let mut wrong = client(&base, Some("not-a-token")).await;
    let status = wrong.get_pet(GetPetRequest { id: 1 }).await.unwrap_err();
    assert_eq!(
        status.code(),
        Code::NotFound,
        "get_pet needs no auth; a bad token is ignored"
    );
    let rex = create(&mut user, "Rex").await;
    let status = user.delete_pet(DeletePetRequest { id: rex.id }).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn deadlines_cancel_calls() {
    let base = start().await;
    let mut user = client(&base, Some("user-token")).await;

    // A server stream with a deadline ends with DEADLINE_EXCEEDED.
    let mut request = Request::new(WatchPetsRequest { species: None });
    request.set_timeout(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let mut watch = user.watch_pets(request).await.unwrap().into_inner();
    let end = tokio::time::timeout(Duration::from_secs(10), watch.message())
        .await
        .expect("the server ends the stream");
    assert_eq!(end.unwrap_err().code(), Code::DeadlineExceeded);
    assert!(started.elapsed() < Duration::from_secs(5));

    // A client stream that never ends: the implementation is waiting for the next chunk when
    // the deadline passes. tonic's client times calls out itself, so this one is sent with
    // reqwest over HTTP/2 to see the server's own enforcement.
    let rex = create(&mut user, "Rex").await;
    let dropped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let guard = DropFlag(dropped.clone());
    let mut chunk = Vec::new();
    omniface::proto::Field::encode_field(
        &PhotoChunk {
            pet_id: rex.id,
            content_type: Some("image/png".into()),
            data: Bytes(vec![1]),
        },
        1,
        &mut chunk,
    );
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(chunk.len() as u32).to_be_bytes());
    frame.extend_from_slice(&chunk);
    let endless = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(frame)])
        .chain(futures_util::stream::pending())
        .map(move |frame| {
            let _ = &guard;
            frame
        });
    let h2 = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
    let response = tokio::time::timeout(
        Duration::from_secs(10),
        h2.post(format!("{base}/acme.pets.v1.PetStoreService/UploadPhoto"))
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .header("authorization", "Bearer user-token")
            .header("grpc-timeout", "200m")
            .body(reqwest::Body::wrap_stream(endless))
            .send(),
    )
    .await
    .expect("the server answers")
    .unwrap();
    assert_eq!(
        response.headers().get("grpc-status").and_then(|v| v.to_str().ok()),
        Some("4"),
        "DEADLINE_EXCEEDED: {:?}",
        response.headers()
    );
    // The server dropped the call, request stream included, and told the client to stop
    // sending (the response is still held here, so the client did not cancel it itself).
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !dropped.load(std::sync::atomic::Ordering::SeqCst) {
        assert!(std::time::Instant::now() < deadline, "the request stream is released");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(response);
    let pet = user.get_pet(GetPetRequest { id: rex.id }).await.unwrap().into_inner();
    assert!(pet.photos.is_empty(), "the cancelled upload added nothing");
}

/// Sets its flag when dropped.
struct DropFlag(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test]
async fn gzip_and_limits() {
    let base = start_with(omniface::Limits {
        max_message_bytes: 64 * 1024,
        ..omniface::Limits::default()
    })
    .await;
    let mut user = client(&base, Some("user-token")).await.with_gzip();
    let rex = create(&mut user, "Rex").await;
    let fetched = user.get_pet(GetPetRequest { id: rex.id }).await.unwrap().into_inner();
    assert_eq!(fetched, rex);

    let huge = vec![PhotoChunk {
        pet_id: rex.id,
        content_type: Some("image/png".into()),
        data: Bytes(vec![7; 100 * 1024]),
    }];
    let mut plain = client(&base, Some("user-token")).await;
    let status = plain.upload_photo(futures_util::stream::iter(huge)).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    // The server keeps serving.
    assert!(plain.get_pet(GetPetRequest { id: rex.id }).await.is_ok());
}

/// One gRPC-Web call by hand: a frame in, frames and a trailer frame out.
async fn grpc_web(base: &str, path: &str, message: &[u8]) -> (Vec<Vec<u8>>, String) {
    let mut body = vec![0u8];
    body.extend_from_slice(&(message.len() as u32).to_be_bytes());
    body.extend_from_slice(message);
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let status_headers = trailers_only(response.headers());
    let bytes = response.bytes().await.unwrap();
    let (messages, trailers) = parse_grpc_web(&bytes);
    (messages, trailers + &status_headers)
}

/// An error answered before any message is "trailers-only": the status is in the headers.
fn trailers_only(headers: &reqwest::header::HeaderMap) -> String {
    ["grpc-status", "grpc-message"]
        .iter()
        .filter_map(|name| Some(format!("{name}:{}\r\n", headers.get(*name)?.to_str().ok()?)))
        .collect()
}

fn parse_grpc_web(mut bytes: &[u8]) -> (Vec<Vec<u8>>, String) {
    let mut messages = Vec::new();
    let mut trailers = String::new();
    while bytes.len() >= 5 {
        let flags = bytes[0];
        let len = u32::from_be_bytes(bytes[1..5].try_into().unwrap()) as usize;
        let frame = &bytes[5..5 + len];
        if flags & 0x80 != 0 {
            trailers = String::from_utf8_lossy(frame).into_owned();
        } else {
            messages.push(frame.to_vec());
        }
        bytes = &bytes[5 + len..];
    }
    (messages, trailers)
}

#[tokio::test]
async fn grpc_web_unary_and_server_stream() {
    use omniface::proto::Message;
    let base = start().await;
    let mut user = client(&base, Some("user-token")).await;
    let rex = create(&mut user, "Rex").await;

    let request = GetPetRequest { id: rex.id }.encode_to_vec();
    let (messages, trailers) = grpc_web(&base, "/acme.pets.v1.PetStoreService/GetPet", &request).await;
    assert!(trailers.contains("grpc-status:0"), "{trailers}");
    let pet: Pet =
        omniface::proto::decode_carried(&messages[0], omniface::proto::Carrier::Wrapped { field: 1 }).unwrap();
    assert_eq!(pet, rex);

    // A server stream over gRPC-Web (HTTP/1.1): read frames as they come.
    // An empty WatchPetsRequest: a frame of length 0.
    let body = vec![0u8, 0, 0, 0, 0];
    let mut response = reqwest::Client::new()
        .post(format!("{base}/acme.pets.v1.PetStoreService/WatchPets"))
        .header("content-type", "application/grpc-web+proto")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let tom = create(&mut user, "Tom").await;
    let mut received = Vec::new();
    while received.len() < 5 {
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("a frame within 10 s")
            .unwrap()
            .expect("the stream stays open");
        received.extend_from_slice(&chunk);
    }
    let len = u32::from_be_bytes(received[1..5].try_into().unwrap()) as usize;
    while received.len() < 5 + len {
        received.extend_from_slice(&response.chunk().await.unwrap().unwrap());
    }
    let event: PetEvent =
        omniface::proto::decode_carried(&received[5..5 + len], omniface::proto::Carrier::Wrapped { field: 1 }).unwrap();
    assert_eq!(event, PetEvent::Added(tom));
}

#[tokio::test]
async fn hostile_input_gets_grpc_errors_and_the_server_keeps_serving() {
    let base = start().await;
    // Not protobuf at all.
    let (_, trailers) = grpc_web(&base, "/acme.pets.v1.PetStoreService/GetPet", &[0xff, 0xff, 0xff]).await;
    assert!(trailers.contains("grpc-status:3"), "{trailers}");
    // A wrong wire type for `id`.
    let (_, trailers) = grpc_web(&base, "/acme.pets.v1.PetStoreService/GetPet", &[0x0a, 0x01, 0x00]).await;
    assert!(trailers.contains("grpc-status:3"), "{trailers}");
    // Deeply nested unknown groups are refused, not recursed into.
    let (_, trailers) = grpc_web(&base, "/acme.pets.v1.PetStoreService/GetPet", &[0x0b; 5000]).await;
    assert!(trailers.contains("grpc-status:3"), "{trailers}");
    // A required enum left UNSPECIFIED names the field.
    let mut request = Vec::new();
    omniface::proto::encode_key(1, omniface::proto::WireType::Len, &mut request);
    request.extend_from_slice(&[4, 0x0a, 0x02, b'h', b'i']);
    let (_, trailers) = grpc_web(&base, "/acme.pets.v1.PetStoreService/CreatePet", &request).await;
    assert!(trailers.contains("grpc-status:16"), "auth comes first: {trailers}");
    // An rpc the service does not have.
    let (_, trailers) = grpc_web(&base, "/acme.pets.v1.PetStoreService/SellPet", &[]).await;
    assert!(trailers.contains("grpc-status:12"), "{trailers}");

    let mut anonymous = client(&base, None).await;
    let status: Status = anonymous.get_pet(GetPetRequest { id: 1 }).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "still serving");
}

#[tokio::test]
async fn required_enums_and_messages_must_be_set() {
    let base = start().await;
    let mut user = client(&base, Some("user-token")).await;
    // `pet` present with a name but species left at SPECIES_UNSPECIFIED.
    let mut pet = Vec::new();
    omniface::proto::Field::encode_field(&"Rex".to_string(), 1, &mut pet);
    let mut request = Vec::new();
    omniface::proto::encode_key(1, omniface::proto::WireType::Len, &mut request);
    omniface::proto::encode_varint(pet.len() as u64, &mut request);
    request.extend_from_slice(&pet);
    omniface::proto::Field::encode_field(&omniface::Uuid::new_v4().to_string(), 2, &mut request);
    let response = reqwest::Client::new()
        .post(format!("{base}/acme.pets.v1.PetStoreService/CreatePet"))
        .header("content-type", "application/grpc-web+proto")
        .header("authorization", "Bearer user-token")
        .body({
            let mut body = vec![0u8];
            body.extend_from_slice(&(request.len() as u32).to_be_bytes());
            body.extend_from_slice(&request);
            body
        })
        .send()
        .await
        .unwrap();
    let trailers = trailers_only(response.headers());
    assert!(trailers.contains("grpc-status:3"), "{trailers}");
    assert!(
        trailers.contains("pet.species"),
        "the violation names the field: {trailers}"
    );

    let status = user
        .create_pet(CreatePetRequest {
            pet: input(""),
            idempotency_key: omniface::Uuid::new_v4(),
        })
        .await
        .unwrap_err();
    assert_eq!(omniface::grpc::violations(&status)[0].field, "pet.name");
}

#[tokio::test]
async fn grpc_on_its_own_port() {
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (http_base, grpc_base) = (
        format!("http://{}", http.local_addr().unwrap()),
        format!("http://{}", grpc.local_addr().unwrap()),
    );
    let (store, events) = Store::new();
    let server = omniface::Server::new()
        .authenticator(demo_authenticator())
        .service(PetStoreServer::with_events(store, events));
    tokio::spawn(server.serve_split(http, grpc));

    let mut user = client(&grpc_base, Some("user-token")).await;
    let rex = create(&mut user, "Rex").await;
    // The HTTP port serves the same store, and no gRPC.
    let rest: Value = reqwest::get(format!("{http_base}/pets/{}", rex.id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["name"], "Rex");
    let mut wrong_port = client(&http_base, None).await;
    let status = wrong_port.get_pet(GetPetRequest { id: rex.id }).await.unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented, "{status:?}");
}
