//! The chat over gRPC with the generated tonic client: every rpc, the bidirectional `Chat`
//! stream between two users, and both event subscriptions, from the same implementation the
//! WebSocket and GraphQL tests use.

use std::time::Duration;

use chat_server::chat_service_requests::*;
use chat_server::*;
use omniface::grpc::{Code, Streaming};

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

async fn client(base: &str, user: &str) -> ChatServiceGrpcClient {
    ChatServiceGrpcClient::connect(base.to_string())
        .await
        .unwrap()
        .with_bearer_token(&format!("{user}-token"))
}

async fn next<T>(stream: &mut Streaming<T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .expect("an item within 10 s")
        .expect("the stream does not fail")
        .expect("the stream does not end")
}

/// A client-side message stream fed through a channel, for the bidirectional rpc.
fn outbox() -> (
    tokio::sync::mpsc::UnboundedSender<ClientMessage>,
    impl futures_util::Stream<Item = ClientMessage> + Send + 'static,
) {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|message| (message, receiver))
    });
    (sender, stream)
}

#[tokio::test]
async fn every_rpc_and_a_bidirectional_chat() {
    let base = start().await;
    let mut alice = client(&base, "alice").await;
    let mut bob = client(&base, "bob").await;

    let room = alice
        .create_room(CreateRoomRequest {
            name: "general".into(),
            topic: Some("anything".into()),
            visibility: RoomVisibility::Public,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(room.name, "general");
    let rooms = bob
        .list_rooms(ListRoomsRequest {
            name_contains: Some("gen".into()),
            page_size: 50,
            page_token: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rooms.rooms, std::slice::from_ref(&room));

    let missing = bob
        .join_room(JoinRoomRequest {
            room_id: "nowhere".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    assert_eq!(
        JoinRoomError::from_grpc_status(&missing),
        Some(JoinRoomError::RoomNotFound(RoomNotFound {
            room_id: "nowhere".into()
        }))
    );

    let mut posted = bob.subscribe_message_posted(()).await.unwrap().into_inner();
    let mut presence = bob.subscribe_presence_changed(()).await.unwrap().into_inner();
    tokio::time::sleep(Duration::from_millis(50)).await;

    let joined = bob
        .join_room(JoinRoomRequest {
            room_id: room.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(joined, room);
    let change = next(&mut presence).await;
    assert_eq!(
        (change.user_id.as_str(), change.status),
        ("bob", PresenceStatus::Online)
    );

    // Bidirectional: both enter the room on their own chat stream; alice's message reaches bob.
    let (alice_out, alice_stream) = outbox();
    let (bob_out, bob_stream) = outbox();
    let mut alice_in = alice.chat(alice_stream).await.unwrap().into_inner();
    let mut bob_in = bob.chat(bob_stream).await.unwrap().into_inner();
    for out in [&alice_out, &bob_out] {
        out.send(ClientMessage::Enter(EnterRoom {
            room_id: room.id.clone(),
        }))
        .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    alice_out
        .send(ClientMessage::Send(SendMessage {
            room_id: room.id.clone(),
            text: "hello bob".into(),
        }))
        .unwrap();
    let message = loop {
        if let ServerMessage::Posted(message) = next(&mut bob_in).await {
            break message;
        }
    };
    assert_eq!(
        (message.author_id.as_str(), message.text.as_str()),
        ("alice", "hello bob")
    );
    let echoed = loop {
        if let ServerMessage::Posted(message) = next(&mut alice_in).await {
            break message;
        }
    };
    assert_eq!(echoed, message);
    // The same message on the event subscription.
    let event = loop {
        let event = next(&mut posted).await;
        if event.message.id == message.id {
            break event;
        }
    };
    assert_eq!(event.room_id, room.id);

    // An invalid item (empty text) is skipped and the chat goes on.
    alice_out
        .send(ClientMessage::Send(SendMessage {
            room_id: room.id.clone(),
            text: String::new(),
        }))
        .unwrap();
    alice_out
        .send(ClientMessage::Send(SendMessage {
            room_id: room.id.clone(),
            text: "still here".into(),
        }))
        .unwrap();
    let next_message = loop {
        if let ServerMessage::Posted(message) = next(&mut bob_in).await {
            break message;
        }
    };
    assert_eq!(next_message.text, "still here");

    // Ending alice's side ends her stream.
    drop(alice_out);
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match alice_in.message().await {
                Ok(Some(_)) => continue,
                other => break other,
            }
        }
    })
    .await
    .expect("alice's stream ends");
    assert!(matches!(end, Ok(None)), "{end:?}");

    let history = bob
        .get_history(GetHistoryRequest {
            room_id: room.id.clone(),
            page_size: 10,
            page_token: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(history.messages.len(), 2);

    let () = bob
        .report_message(ReportMessageRequest {
            room_id: room.id.clone(),
            message_id: message.id.clone(),
            reason: ReportReason::Spam,
            comment: None,
        })
        .await
        .unwrap()
        .into_inner();
    let missing = bob
        .report_message(ReportMessageRequest {
            room_id: "nowhere".into(),
            message_id: message.id,
            reason: ReportReason::Other,
            comment: Some("x".repeat(1001)),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::InvalidArgument, "validation before the lookup");
    assert_eq!(omniface::grpc::violations(&missing)[0].field, "comment");

    let mut anonymous = ChatServiceGrpcClient::connect(base).await.unwrap();
    let status = anonymous
        .list_rooms(ListRoomsRequest {
            name_contains: None,
            page_size: 50,
            page_token: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}
