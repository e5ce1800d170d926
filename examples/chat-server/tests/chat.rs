//! The chat on an ephemeral port: two users chat over the WebSocket subprotocol (a bidirectional
//! stream), while presence arrives over SSE and posted messages over a GraphQL subscription
//! (graphql-transport-ws), all from the one implementation.

use std::time::Duration;

use chat_server::{Chat, ChatServiceServer, token_authenticator};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn start() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (chat, events) = Chat::new();
    let server = omniface::Server::new()
        .authenticator(token_authenticator())
        .service(ChatServiceServer::with_events(chat, events));
    tokio::spawn(server.serve_on(listener));
    format!("http://{address}")
}

async fn connect(base: &str, path: &str, protocol: &str, token: Option<&str>) -> Socket {
    let mut request = format!("{}{path}", base.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", protocol.parse().unwrap());
    if let Some(token) = token {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::text(message.to_string())).await.unwrap();
}

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

/// The next `stream.item` of call `id` that satisfies `wanted`.
async fn next_item(socket: &mut Socket, id: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    loop {
        let message = receive(socket).await;
        if message["method"] == "stream.item" && message["params"]["id"] == id && wanted(&message["params"]["item"]) {
            return message["params"]["item"].clone();
        }
    }
}

#[tokio::test]
async fn two_users_chat_while_presence_and_messages_reach_sse_and_graphql() {
    let base = start().await;
    let http = reqwest::Client::new();
    let room: Value = http
        .post(format!("{base}/rooms"))
        .bearer_auth("alice-token")
        .json(&json!({ "name": "general" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let room_id = room["id"].as_str().unwrap().to_string();
    assert_eq!(room["visibility"], "ROOM_VISIBILITY_PUBLIC");

    // Presence over SSE.
    let presence = http
        .get(format!("{base}/chat-service/events/presence-changed"))
        .bearer_auth("carol-token")
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(presence.status(), 200);
    let mut presence = presence.bytes_stream();

    // Posted messages over a GraphQL subscription.
    let mut graphql = connect(&base, "/graphql/ws", "graphql-transport-ws", None).await;
    send(
        &mut graphql,
        json!({ "type": "connection_init", "payload": { "authorization": "Bearer carol-token" } }),
    )
    .await;
    assert_eq!(receive(&mut graphql).await["type"], "connection_ack");
    send(
        &mut graphql,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { messagePosted { roomId message { authorId text } } }" } }),
    )
    .await;

    let mut alice = connect(&base, "/ws", "omniface.jsonrpc.v1", Some("alice-token")).await;
    let mut bob = connect(&base, "/ws", "omniface.jsonrpc.v1", Some("bob-token")).await;
    for socket in [&mut alice, &mut bob] {
        send(
            socket,
            json!({ "jsonrpc": "2.0", "id": "chat", "method": "ChatService.chat" }),
        )
        .await;
        send(
            socket,
            json!({ "jsonrpc": "2.0", "method": "stream.item", "params": { "id": "chat", "item": { "enter": { "roomId": room_id } } } }),
        )
        .await;
    }
    // Alice sees Bob arrive, then both see Alice's message.
    next_item(&mut alice, "chat", |item| item["presence"]["userId"] == "bob").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    send(
        &mut alice,
        json!({ "jsonrpc": "2.0", "method": "stream.item", "params": { "id": "chat", "item": { "send": { "roomId": room_id, "text": "hello bob" } } } }),
    )
    .await;
    let posted = next_item(&mut bob, "chat", |item| item.get("posted").is_some()).await;
    assert_eq!(posted["posted"]["authorId"], "alice");
    assert_eq!(posted["posted"]["text"], "hello bob");

    let event = loop {
        let message = receive(&mut graphql).await;
        if message["type"] == "next" {
            break message;
        }
    };
    assert_eq!(
        event["payload"]["data"]["messagePosted"]["message"]["text"],
        "hello bob"
    );
    assert_eq!(event["payload"]["data"]["messagePosted"]["roomId"], room_id.as_str());

    let mut text = String::new();
    while !text.contains("\"userId\":\"bob\"") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), presence.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("PRESENCE_STATUS_ONLINE"), "{text}");

    // Bob ends his side: the call completes and his presence goes offline.
    send(
        &mut bob,
        json!({ "jsonrpc": "2.0", "method": "stream.end", "params": { "id": "chat" } }),
    )
    .await;
    loop {
        let message = receive(&mut bob).await;
        if message["id"] == "chat" {
            assert_eq!(message["result"], Value::Null);
            break;
        }
    }
    next_item(&mut alice, "chat", |item| {
        item["presence"]["status"] == "PRESENCE_STATUS_OFFLINE"
    })
    .await;

    let history: Value = http
        .get(format!("{base}/rooms/{room_id}/messages"))
        .bearer_auth("alice-token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["messages"][0]["text"], "hello bob");
    let missing = http
        .get(format!("{base}/rooms/nope/messages"))
        .bearer_auth("alice-token")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let problem: Value = missing.json().await.unwrap();
    assert_eq!(problem["roomId"], "nope");
}

#[tokio::test]
async fn messages_that_break_constraints_are_refused_everywhere() {
    let base = start().await;
    let http = reqwest::Client::new();
    let long_name = "x".repeat(81);
    let rest = http
        .post(format!("{base}/rooms"))
        .bearer_auth("alice-token")
        .json(&json!({ "name": long_name }))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 400);
    let problem: Value = rest.json().await.unwrap();
    assert_eq!(problem["violations"][0]["field"], "name");
    let graphql: Value = http
        .post(format!("{base}/graphql"))
        .bearer_auth("alice-token")
        .json(&json!({ "query": format!("mutation {{ createRoom(name: \"{long_name}\") {{ id }} }}") }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(graphql["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(graphql["errors"][0]["extensions"]["violations"][0]["field"], "name");
    let unauthenticated: Value = http
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "mutation { createRoom(name: \"ok\") { id } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unauthenticated["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}
