//! The pet store on an ephemeral port, called over every HTTP-family protocol with real clients
//! (reqwest, tokio-tungstenite): each method succeeds, fails and validates the same way everywhere.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use petstore_server::{PetStoreServer, Store, demo_authenticator};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Starts a fresh server and returns its base URL.
async fn start() -> String {
    start_with(omniface::Limits::default()).await
}

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

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

const ADMIN: &str = "Bearer admin-token";
const USER: &str = "Bearer user-token";

fn pet_input(name: &str) -> Value {
    json!({ "name": name, "species": "SPECIES_DOG", "tags": ["puppy"], "price": { "currencyCode": "EUR", "units": "120" } })
}

async fn create(base: &str, name: &str) -> Value {
    let response = client()
        .post(format!("{base}/pets"))
        .header("authorization", USER)
        .header("idempotency-key", uuid_for(name))
        .json(&pet_input(name))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "create {name}");
    response.json().await.unwrap()
}

fn uuid_for(name: &str) -> String {
    let hash = name
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    format!("00000000-0000-4000-8000-{:012x}", hash & 0xffff_ffff_ffff)
}

async fn rpc(base: &str, body: Value, auth: Option<&str>) -> (u16, Option<Value>) {
    let mut request = client().post(format!("{base}/rpc")).json(&body);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        if text.is_empty() {
            None
        } else {
            Some(serde_json::from_str(&text).unwrap())
        },
    )
}

async fn socket(base: &str, auth: Option<&str>) -> Socket {
    let mut request = format!("{}/ws", base.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "omniface.jsonrpc.v1".parse().unwrap());
    if let Some(auth) = auth {
        request.headers_mut().insert("authorization", auth.parse().unwrap());
    }
    let (socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "omniface.jsonrpc.v1");
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::text(message.to_string())).await.unwrap();
}

/// The next JSON text message, skipping pings.
async fn receive(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("the socket stays open")
            .unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

#[tokio::test]
async fn rest_serves_every_unary_method_with_the_documented_statuses() {
    let base = start().await;
    let http = client();
    // Unauthenticated create: 401 with a challenge, as problem+json.
    let response = http
        .post(format!("{base}/pets"))
        .header("idempotency-key", uuid_for("x"))
        .json(&pet_input("Rex"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let rex = create(&base, "Rex").await;
    assert_eq!(rex["id"], "1", "u64 is a string in the JSON mapping");
    assert_eq!(
        rex["status"], "PET_STATUS_AVAILABLE",
        "defaults are filled in and written"
    );
    // Repeating with the same idempotency key returns the same pet.
    assert_eq!(create(&base, "Rex").await["id"], "1");
    // Same name and species under another key: the declared 409 error, with its fields.
    let response = http
        .post(format!("{base}/pets"))
        .header("authorization", USER)
        .header("idempotency-key", uuid_for("other"))
        .json(&pet_input("Rex"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "urn:omniface:error:acme.pets.v1.PetAlreadyExists");
    assert_eq!(problem["existingId"], "1");

    // A body that is more than one JSON value is refused, not spliced into the request.
    let smuggled = http
        .post(format!("{base}/pets"))
        .header("authorization", USER)
        .header("idempotency-key", uuid_for("smuggle"))
        .header("content-type", "application/json")
        .body(r#"{"name": "Eve", "species": "SPECIES_CAT"}, "idempotencyKey": "00000000-0000-4000-8000-000000000000""#)
        .send()
        .await
        .unwrap();
    assert_eq!(smuggled.status(), 400);

    let response = http.get(format!("{base}/pets/1")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let etag = response.headers()["etag"].clone();
    let again = http
        .get(format!("{base}/pets/1"))
        .header("if-none-match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "an unchanged pet answers 304 to If-None-Match");

    let missing = http.get(format!("{base}/pets/42")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json::<Value>().await.unwrap()["id"], "42");

    let list: Value = http
        .get(format!("{base}/pets?species=SPECIES_DOG&page_size=10"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["pets"].as_array().unwrap().len(), 1);
    let none: Value = http
        .get(format!("{base}/pets?species=SPECIES_CAT"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none["pets"], json!([]));

    let mut changed = pet_input("Rex");
    changed["status"] = json!("PET_STATUS_PENDING");
    let updated: Value = http
        .put(format!("{base}/pets/1"))
        .header("authorization", USER)
        .json(&changed)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["status"], "PET_STATUS_PENDING");
    let after_change = http
        .get(format!("{base}/pets/1"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(after_change.status(), 200, "a changed pet gets a new ETag");

    let forbidden = http
        .delete(format!("{base}/pets/1"))
        .header("authorization", USER)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403, "deleting needs the pets:admin scope");
    let deleted = http
        .delete(format!("{base}/pets/1"))
        .header("authorization", ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(http.get(format!("{base}/pets/1")).send().await.unwrap().status(), 404);
    let nowhere = http.get(format!("{base}/nowhere")).send().await.unwrap();
    assert_eq!(nowhere.status(), 404);
    assert_eq!(nowhere.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn rest_streams_uploads_as_ndjson_and_watches_as_sse() {
    let base = start().await;
    create(&base, "Rex").await;
    let chunks = [
        json!({ "petId": "1", "contentType": "image/png", "data": "aGVsbG8=" }),
        json!({ "petId": "1", "data": "d29ybGQ=" }),
    ];
    let body: String = chunks.iter().map(|c| format!("{c}\n")).collect();
    let response = client()
        .post(format!("{base}/pet-store/upload-photo"))
        .header("authorization", USER)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let photo: Value = response.json().await.unwrap();
    assert_eq!(photo["url"], "/photos/1/10");

    // watch_pets: a server stream served as SSE.
    let watch = client()
        .get(format!("{base}/pet-store/watch-pets"))
        .send()
        .await
        .unwrap();
    assert_eq!(watch.headers()["content-type"], "text/event-stream");
    let mut body = watch.bytes_stream();
    tokio::time::sleep(Duration::from_millis(100)).await;
    create(&base, "Tom").await;
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), body.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let data = text.lines().find_map(|line| line.strip_prefix("data: ")).unwrap();
    let event: Value = serde_json::from_str(data).unwrap();
    assert_eq!(event["added"]["name"], "Tom", "unions are externally tagged");
}

#[tokio::test]
async fn events_reach_sse_long_polling_and_websocket_from_one_publish() {
    let base = start().await;
    create(&base, "Rex").await;
    let http = client();
    // Events need a bearer token, like the service.
    let denied = http
        .get(format!("{base}/pet-store/events/pet-sold?wait=0"))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 401);

    let sse = http
        .get(format!("{base}/pet-store/events/pet-sold"))
        .header("authorization", USER)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    let mut sse_body = sse.bytes_stream();
    let mut ws = socket(&base, Some(USER)).await;
    send(
        &mut ws,
        json!({ "jsonrpc": "2.0", "id": "sold", "method": "PetStore.pet_sold" }),
    )
    .await;
    let long_poll = {
        let http = http.clone();
        let base = base.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let response: Value = http
                .get(format!("{base}/pet-store/events/pet-sold?wait=20"))
                .header("authorization", USER)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (response, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut sold = pet_input("Rex");
    sold["status"] = json!("PET_STATUS_SOLD");
    let response = http
        .put(format!("{base}/pets/1"))
        .header("authorization", USER)
        .json(&sold)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let (polled, waited) = long_poll.await.unwrap();
    assert!(
        waited < Duration::from_secs(10),
        "long polling returns as soon as there is an event"
    );
    let events = polled["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["id"], "1");
    let cursor = polled["cursor"].as_str().unwrap().to_string();
    assert_eq!(events[0]["id"], cursor);

    let notification = receive(&mut ws).await;
    assert_eq!(notification["method"], "stream.item");
    assert_eq!(notification["params"]["id"], "sold");
    assert_eq!(notification["params"]["item"]["price"]["currencyCode"], "EUR");
    assert_eq!(notification["params"]["eventId"], cursor);

    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), sse_body.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains(&format!("id: {cursor}")), "{text}");

    // Resume: Last-Event-ID one before the event replays it from the buffer.
    let previous: u64 = cursor.parse::<u64>().unwrap() - 1;
    let resumed = http
        .get(format!("{base}/pet-store/events/pet-sold"))
        .header("authorization", USER)
        .header("accept", "text/event-stream")
        .header("last-event-id", previous.to_string())
        .send()
        .await
        .unwrap();
    let mut resumed_body = resumed.bytes_stream();
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), resumed_body.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains(&format!("id: {cursor}")), "{text}");
    // Polling after the cursor with no wait: nothing new, same cursor back.
    let empty: Value = http
        .get(format!("{base}/pet-store/events/pet-sold?after={cursor}&wait=0"))
        .header("authorization", USER)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(empty, json!({ "cursor": cursor, "events": [] }));
}

#[tokio::test]
async fn json_rpc_follows_the_specification() {
    let base = start().await;
    create(&base, "Rex").await;
    let (_, reply) = rpc(
        &base,
        json!({ "jsonrpc": "2.0", "id": 1, "method": "PetStore.get_pet", "params": { "id": "1" } }),
        None,
    )
    .await;
    assert_eq!(reply.unwrap()["result"]["name"], "Rex");
    let (_, reply) = rpc(
        &base,
        json!({ "jsonrpc": "2.0", "id": 2, "method": "PetStore.get_pet", "params": ["1"] }),
        None,
    )
    .await;
    assert_eq!(reply.unwrap()["result"]["id"], "1", "positional params");
    let (_, reply) = rpc(
        &base,
        json!({ "jsonrpc": "2.0", "id": 3, "method": "PetStore.get_pet", "params": { "id": "7" } }),
        None,
    )
    .await;
    let error = &reply.unwrap()["error"];
    assert_eq!(
        error["code"], 404,
        "application errors use the HTTP status, outside the reserved range"
    );
    assert_eq!(error["data"]["code"], "PetNotFound");
    assert_eq!(error["data"]["error"]["id"], "7");
    let (_, reply) = rpc(
        &base,
        json!({ "jsonrpc": "2.0", "id": 4, "method": "PetStore.nope" }),
        None,
    )
    .await;
    assert_eq!(reply.unwrap()["error"]["code"], -32601);
    let (_, reply) = rpc(
        &base,
        json!({ "jsonrpc": "1.0", "id": 5, "method": "PetStore.get_pet" }),
        None,
    )
    .await;
    assert_eq!(reply.unwrap()["error"]["code"], -32600);
    let (_, reply) = rpc(
        &base,
        json!({ "jsonrpc": "2.0", "id": 6, "method": "PetStore.watch_pets" }),
        None,
    )
    .await;
    assert_eq!(
        reply.unwrap()["error"]["code"],
        -32601,
        "streams are served over WebSocket"
    );
    let (_, reply) = rpc(
        &base,
        json!({ "jsonrpc": "2.0", "id": 7, "method": "PetStore.create_pet", "params": { "pet": pet_input("Tom") } }),
        None,
    )
    .await;
    assert_eq!(reply.unwrap()["error"]["code"], 401);
    let (status, reply) = rpc(&base, json!({ "jsonrpc": "2.0", "method": "PetStore.list_pets" }), None).await;
    assert_eq!((status, reply), (204, None), "a notification gets no reply");
    let (_, reply) = rpc(
        &base,
        json!([
            { "jsonrpc": "2.0", "id": "a", "method": "PetStore.get_pet", "params": { "id": "1" } },
            { "jsonrpc": "2.0", "method": "PetStore.list_pets" },
            { "jsonrpc": "2.0", "id": "b", "method": "PetStore.list_pets", "params": { "pageSize": 0 } },
        ]),
        None,
    )
    .await;
    let replies = reply.unwrap();
    let replies = replies.as_array().unwrap();
    assert_eq!(replies.len(), 2, "the notification in the batch gets no reply");
    assert_eq!(replies[1]["error"]["code"], -32602);
    let (_, reply) = rpc(&base, json!([]), None).await;
    assert_eq!(reply.unwrap()["error"]["code"], -32600);
    let too_many: Vec<Value> = (0..51)
        .map(|i| json!({ "jsonrpc": "2.0", "id": i, "method": "PetStore.list_pets" }))
        .collect();
    let (_, reply) = rpc(&base, Value::Array(too_many), None).await;
    assert_eq!(reply.unwrap()["error"]["code"], -32600, "batches are capped");
    let response = client()
        .post(format!("{base}/rpc"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["error"]["code"], -32700);
}

#[tokio::test]
async fn websocket_carries_unary_calls_and_all_stream_kinds() {
    let base = start().await;
    let mut ws = socket(&base, Some(USER)).await;
    send(
        &mut ws,
        json!({ "jsonrpc": "2.0", "id": 1, "method": "PetStore.watch_pets", "params": { "species": "SPECIES_DOG" } }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    send(
        &mut ws,
        json!({ "jsonrpc": "2.0", "id": 2, "method": "PetStore.create_pet", "params": { "pet": pet_input("Rex"), "idempotencyKey": uuid_for("ws") } }),
    )
    .await;
    let mut created = None;
    let mut watched = None;
    while created.is_none() || watched.is_none() {
        let message = receive(&mut ws).await;
        if message["id"] == 2 {
            created = Some(message["result"].clone());
        } else if message["method"] == "stream.item" && message["params"]["id"] == 1 {
            watched = Some(message["params"]["item"].clone());
        }
    }
    assert_eq!(created.unwrap()["name"], "Rex");
    assert_eq!(watched.unwrap()["added"]["name"], "Rex");
    send(
        &mut ws,
        json!({ "jsonrpc": "2.0", "method": "stream.cancel", "params": { "id": 1 } }),
    )
    .await;

    // Client streaming: open the call, send items, end it; the reply is the method's result.
    send(
        &mut ws,
        json!({ "jsonrpc": "2.0", "id": 3, "method": "PetStore.upload_photo" }),
    )
    .await;
    for item in [
        json!({ "petId": "1", "contentType": "image/jpeg", "data": "AAEC" }),
        json!({ "petId": "1", "data": "AwQF" }),
    ] {
        send(
            &mut ws,
            json!({ "jsonrpc": "2.0", "method": "stream.item", "params": { "id": 3, "item": item } }),
        )
        .await;
    }
    send(
        &mut ws,
        json!({ "jsonrpc": "2.0", "method": "stream.end", "params": { "id": 3 } }),
    )
    .await;
    let reply = receive(&mut ws).await;
    assert_eq!(reply["id"], 3);
    assert_eq!(reply["result"]["url"], "/photos/1/6");

    // A declared error, and a validation error naming every field.
    send(
        &mut ws,
        json!({ "jsonrpc": "2.0", "id": 4, "method": "PetStore.get_pet", "params": { "id": "9" } }),
    )
    .await;
    assert_eq!(receive(&mut ws).await["error"]["data"]["code"], "PetNotFound");
    // Binary frames are refused with close code 1003.
    ws.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    let closed = loop {
        match ws.next().await {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(u16::from(closed.unwrap().code), 1003);
}

#[tokio::test]
async fn websocket_messages_over_the_limit_close_with_1009() {
    let limits = omniface::Limits {
        max_message_bytes: 1024,
        ..omniface::Limits::default()
    };
    let base = start_with(limits).await;
    let mut ws = socket(&base, None).await;
    let big = "x".repeat(4096);
    let _ = ws
        .send(Message::text(
            json!({ "jsonrpc": "2.0", "id": 1, "method": "PetStore.list_pets", "params": { "pageToken": big } })
                .to_string(),
        ))
        .await;
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await.unwrap() {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(u16::from(closed.unwrap().code), 1009);
}

#[tokio::test]
async fn one_invalid_input_gives_the_same_violations_on_every_protocol() {
    let base = start().await;
    let mut bad = pet_input("");
    bad["price"]["currencyCode"] = json!("eur");
    let expected = json!([
        { "field": "pet.name", "constraint": "length", "message": "must be between 1 and 64 characters long, not 0" },
        { "field": "pet.price.currencyCode", "constraint": "pattern", "message": "must match `^[A-Z]{3}$`" },
    ]);
    let rest: Value = client()
        .post(format!("{base}/pets"))
        .header("authorization", USER)
        .header("idempotency-key", uuid_for("bad"))
        .json(&bad)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["status"], 400);
    assert_eq!(rest["violations"], expected);
    let params = json!({ "pet": bad, "idempotencyKey": uuid_for("bad") });
    let (_, reply) = rpc(
        &base,
        json!({ "jsonrpc": "2.0", "id": 1, "method": "PetStore.create_pet", "params": params }),
        Some(USER),
    )
    .await;
    let error = &reply.unwrap()["error"];
    assert_eq!(error["code"], -32602);
    assert_eq!(error["data"]["violations"], expected);
    let mut ws = socket(&base, Some(USER)).await;
    send(
        &mut ws,
        json!({ "jsonrpc": "2.0", "id": 1, "method": "PetStore.create_pet", "params": params }),
    )
    .await;
    assert_eq!(receive(&mut ws).await["error"]["data"]["violations"], expected);
    // A missing token is refused the same way on each.
    let (_, reply) = rpc(
        &base,
        json!({ "jsonrpc": "2.0", "id": 2, "method": "PetStore.create_pet", "params": params }),
        None,
    )
    .await;
    assert_eq!(reply.unwrap()["error"]["code"], 401);
}

#[tokio::test]
async fn spec_documents_are_served_as_generated() {
    use petstore_server::PetStoreSpec;
    let base = start().await;
    // `PetStoreSpec` holds the documents as generated (embedded from `omniface generate`'s files,
    // or written by the macros; `tests/artifacts.rs` of petstore-macro compares the two).
    for (url, generated) in [
        ("/openapi.json", PetStoreSpec::openapi()),
        ("/openrpc.json", PetStoreSpec::openrpc()),
        ("/asyncapi.json", PetStoreSpec::asyncapi()),
        ("/schema.proto", PetStoreSpec::proto()),
        ("/specs/acme.pets.v1/schema.graphql", PetStoreSpec::graphql_sdl()),
    ] {
        assert!(generated.len() > 500, "{url} has a real document");
        let served = client()
            .get(format!("{base}{url}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            served, generated,
            "{url} is byte-for-byte what `omniface generate` writes"
        );
    }
    let wsdl = client()
        .get(format!("{base}/soap/PetStore?wsdl"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        wsdl.contains("<wsdl:definitions") || wsdl.contains("<definitions"),
        "{wsdl}"
    );
}

async fn graphql(base: &str, query: &str, auth: Option<&str>) -> Value {
    let mut request = client()
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query }));
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    request.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn graphql_serves_every_query_mutation_and_subscription() {
    let base = start().await;
    let created = graphql(
        &base,
        &format!(
            "mutation {{ createPet(pet: {{name: \"Rex\", species: DOG, tags: [\"puppy\"], price: {{currencyCode: \"EUR\", units: 120}}}}, idempotencyKey: \"{}\") {{ id name species status price {{ units }} }} }}",
            uuid_for("gql")
        ),
        Some(USER),
    )
    .await;
    assert_eq!(created["data"]["createPet"]["id"], "1", "{created}");
    assert_eq!(created["data"]["createPet"]["species"], "DOG");
    assert_eq!(
        created["data"]["createPet"]["price"]["units"], "120",
        "Int64 literals become strings"
    );
    let fetched = graphql(
        &base,
        "{ getPet(id: \"1\") { name tags } listPets(pageSize: 5) { pets { id } } }",
        None,
    )
    .await;
    assert_eq!(fetched["data"]["getPet"]["name"], "Rex");
    assert_eq!(fetched["data"]["listPets"]["pets"][0]["id"], "1");
    let updated = graphql(
        &base,
        "mutation { updatePet(id: \"1\", pet: {name: \"Rex\", species: DOG, tags: [], status: PENDING}) { status } }",
        Some(USER),
    )
    .await;
    assert_eq!(updated["data"]["updatePet"]["status"], "PENDING");
    let missing = graphql(&base, "{ getPet(id: \"9\") { name } }", None).await;
    assert_eq!(missing["errors"][0]["extensions"]["code"], "PET_NOT_FOUND");
    assert_eq!(missing["errors"][0]["extensions"]["error"]["id"], "9");
    let forbidden = graphql(&base, "mutation { deletePet(id: \"1\") }", Some(USER)).await;
    assert_eq!(forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let deleted = graphql(&base, "mutation { deletePet(id: \"1\") }", Some(ADMIN)).await;
    assert!(deleted["errors"].is_null(), "{deleted}");

    // watchPets over graphql-transport-ws.
    let mut request = format!("{}/graphql/ws", base.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    send(&mut ws, json!({ "type": "connection_init", "payload": {} })).await;
    assert_eq!(receive(&mut ws).await["type"], "connection_ack");
    send(
        &mut ws,
        json!({ "id": "w", "type": "subscribe", "payload": { "query": "subscription { watchPets { __typename ... on Pet { name } } }" } }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    create(&base, "Tom").await;
    let next = loop {
        let message = receive(&mut ws).await;
        if message["type"] == "next" {
            break message;
        }
    };
    assert_eq!(
        next["payload"]["data"]["watchPets"],
        json!({ "__typename": "Pet", "name": "Tom" })
    );
}

fn envelope(version: u8, operation: &str) -> String {
    let namespace = if version == 11 {
        "http://schemas.xmlsoap.org/soap/envelope/"
    } else {
        "http://www.w3.org/2003/05/soap-envelope"
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{namespace}"><soap:Body>{operation}</soap:Body></soap:Envelope>"#
    )
}

async fn soap(base: &str, version: u8, action: &str, body: &str, auth: Option<&str>) -> (u16, String) {
    let mut request = client()
        .post(format!("{base}/soap/PetStore"))
        .body(envelope(version, body));
    let soap_action = format!("urn:acme:pets:v1#{action}");
    request = if version == 11 {
        request
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", format!("\"{soap_action}\""))
    } else {
        request.header(
            "content-type",
            format!("application/soap+xml; charset=utf-8; action=\"{soap_action}\""),
        )
    };
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn soap_serves_every_operation_in_both_versions() {
    let base = start().await;
    let create = format!(
        r#"<CreatePet xmlns="urn:acme:pets:v1"><pet><name>Rex</name><species>SPECIES_DOG</species><tags>puppy</tags></pet><idempotencyKey>{}</idempotencyKey></CreatePet>"#,
        uuid_for("soap")
    );
    let (status, body) = soap(&base, 11, "CreatePet", &create, None).await;
    assert_eq!(status, 500, "SOAP 1.1 faults are HTTP 500");
    assert!(body.contains("soap:Client"), "{body}");
    let (status, body) = soap(&base, 11, "CreatePet", &create, Some(USER)).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("<name>Rex</name>") && body.contains("<id>1</id>"),
        "{body}"
    );
    for version in [11, 12] {
        let (status, body) = soap(
            &base,
            version,
            "GetPet",
            r#"<GetPet xmlns="urn:acme:pets:v1"><id>1</id></GetPet>"#,
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("<species>SPECIES_DOG</species>"), "{body}");
        let (status, body) = soap(
            &base,
            version,
            "ListPets",
            r#"<ListPets xmlns="urn:acme:pets:v1"><pageSize>5</pageSize></ListPets>"#,
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("<name>Rex</name>"), "{body}");
    }
    let (status, body) = soap(
        &base,
        12,
        "GetPet",
        r#"<GetPet xmlns="urn:acme:pets:v1"><id>9</id></GetPet>"#,
        None,
    )
    .await;
    assert_eq!(status, 400, "SOAP 1.2 Sender faults are HTTP 400");
    assert!(body.contains("env:Sender") || body.contains(":Sender"), "{body}");
    assert!(
        body.contains("PetNotFound") && body.contains("<id>9</id>"),
        "the declared error is the fault detail: {body}"
    );
    let update = r#"<UpdatePet xmlns="urn:acme:pets:v1"><id>1</id><pet><name>Rex</name><species>SPECIES_DOG</species><status>PET_STATUS_PENDING</status></pet></UpdatePet>"#;
    let (status, body) = soap(&base, 11, "UpdatePet", update, Some(USER)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<status>PET_STATUS_PENDING</status>"), "{body}");
    let (status, body) = soap(
        &base,
        11,
        "ListPets",
        r#"<ListPets xmlns="urn:acme:pets:v1"><pageSize>0</pageSize></ListPets>"#,
        None,
    )
    .await;
    assert_eq!(status, 500);
    assert!(body.contains("pageSize"), "the violation names the field: {body}");
    let (status, _) = soap(
        &base,
        11,
        "DeletePet",
        r#"<DeletePet xmlns="urn:acme:pets:v1"><id>1</id></DeletePet>"#,
        Some(ADMIN),
    )
    .await;
    assert_eq!(status, 200);
    // A DOCTYPE is refused before anything is parsed further.
    let hostile = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&a;</soap:Body></soap:Envelope>"#;
    let response = client()
        .post(format!("{base}/soap/PetStore"))
        .header("content-type", "text/xml")
        .body(hostile)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert!(response.text().await.unwrap().contains("soap:Client"));
}

#[tokio::test]
async fn websocket_clients_without_headers_authenticate_in_band() {
    let base = start().await;
    let mut ws = socket(&base, None).await;
    let params = json!({ "pet": pet_input("Rex"), "idempotencyKey": uuid_for("in-band") });
    send(
        &mut ws,
        json!({ "jsonrpc": "2.0", "id": 1, "method": "PetStore.create_pet", "params": params }),
    )
    .await;
    assert_eq!(receive(&mut ws).await["error"]["code"], 401);
    send(
        &mut ws,
        json!({ "jsonrpc": "2.0", "id": 2, "method": "rpc.authenticate", "params": { "authorization": USER } }),
    )
    .await;
    assert_eq!(
        receive(&mut ws).await,
        json!({ "jsonrpc": "2.0", "id": 2, "result": true })
    );
    send(
        &mut ws,
        json!({ "jsonrpc": "2.0", "id": 3, "method": "PetStore.create_pet", "params": params }),
    )
    .await;
    assert_eq!(receive(&mut ws).await["result"]["name"], "Rex");
}

#[tokio::test]
async fn websocket_server_pings_on_the_keep_alive_interval() {
    let limits = omniface::Limits {
        keep_alive: Duration::from_millis(100),
        ..omniface::Limits::default()
    };
    let base = start_with(limits).await;
    let mut ws = socket(&base, None).await;
    let ping = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Ping(_))) => return true,
                Some(Ok(_)) => continue,
                _ => return false,
            }
        }
    })
    .await;
    assert_eq!(ping, Ok(true), "the server pings an idle socket");
}
