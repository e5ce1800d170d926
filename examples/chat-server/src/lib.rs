//! The chat of `examples/chat.idl`, implemented once: rooms and history in memory, a
//! bidirectional `chat` stream (over the WebSocket subprotocol), and the
//! `message_posted` and `presence_changed` events that SSE, long polling, WebSocket and GraphQL
//! subscribers all receive.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use omniface::{Context, Principal, ServerStream, StreamExt, Streaming, Timestamp};
use tokio::sync::{broadcast, watch};

omniface::include_service!("acme.chat.v1");

/// Rooms, their messages, and the feed every `chat` stream reads.
pub struct Chat {
    shared: Arc<Shared>,
}

/// Shared with the tasks that read `chat` streams.
struct Shared {
    state: Mutex<State>,
    feed: broadcast::Sender<ServerMessage>,
    events: ChatServiceEvents,
}

#[derive(Default)]
struct State {
    next_id: u64,
    rooms: BTreeMap<String, Room>,
    messages: BTreeMap<String, Vec<Message>>,
    reports: Vec<(String, String, ReportReason)>,
}

impl Chat {
    /// A chat and the events handle it publishes on (give both to the server).
    pub fn new() -> (Chat, ChatServiceEvents) {
        let events = ChatServiceEvents::default();
        let chat = Chat {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                feed: broadcast::channel(1024).0,
                events: events.clone(),
            }),
        };
        (chat, events)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state()
    }
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn room_exists(&self, room_id: &str) -> Result<(), RoomNotFound> {
        if self.state().rooms.contains_key(room_id) {
            Ok(())
        } else {
            Err(RoomNotFound {
                room_id: room_id.to_string(),
            })
        }
    }

    fn set_presence(&self, room_id: &str, user_id: &str, status: PresenceStatus) {
        self.events
            .presence_changed(room_id.to_string(), user_id.to_string(), status);
        let _ = self.feed.send(ServerMessage::Presence(PresenceUpdate {
            room_id: room_id.to_string(),
            user_id: user_id.to_string(),
            status,
        }));
    }

    fn post(&self, room_id: &str, author_id: &str, text: String) -> Result<Message, RoomNotFound> {
        let message = {
            let mut state = self.state();
            if !state.rooms.contains_key(room_id) {
                return Err(RoomNotFound {
                    room_id: room_id.to_string(),
                });
            }
            state.next_id += 1;
            let message = Message {
                id: format!("m{}", state.next_id),
                room_id: room_id.to_string(),
                author_id: author_id.to_string(),
                text,
                sent_at: Timestamp::now(),
            };
            state
                .messages
                .entry(room_id.to_string())
                .or_default()
                .push(message.clone());
            message
        };
        self.events.message_posted(room_id.to_string(), message.clone());
        let _ = self.feed.send(ServerMessage::Posted(message.clone()));
        Ok(message)
    }
}

fn user_of(ctx: &Context) -> String {
    ctx.principal()
        .map_or_else(|| "anonymous".to_string(), |p| p.subject.clone())
}

fn page<T: Clone>(
    items: &[T],
    page_size: u32,
    page_token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), omniface::Error> {
    let start: usize = match page_token {
        None | Some("") => 0,
        Some(token) => token
            .parse()
            .map_err(|_| omniface::Error::invalid_argument("`page_token` is not a token this server issued"))?,
    };
    let end = (start + page_size as usize).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items.get(start..end).unwrap_or_default().to_vec(), next))
}

fn room_of(message: &ServerMessage) -> &str {
    match message {
        ServerMessage::Posted(message) => &message.room_id,
        ServerMessage::Presence(update) => &update.room_id,
    }
}

impl ChatService for Chat {
    async fn create_room(
        &self,
        _ctx: &Context,
        name: String,
        topic: Option<String>,
        visibility: RoomVisibility,
    ) -> Result<Room, omniface::Error> {
        let mut state = self.state();
        state.next_id += 1;
        let room = Room {
            id: format!("r{}", state.next_id),
            name,
            topic,
            visibility,
            created_at: Timestamp::now(),
        };
        state.rooms.insert(room.id.clone(), room.clone());
        Ok(room)
    }

    async fn list_rooms(
        &self,
        _ctx: &Context,
        name_contains: Option<String>,
        page_size: u32,
        page_token: Option<String>,
    ) -> Result<RoomPage, omniface::Error> {
        let rooms: Vec<Room> = self
            .state()
            .rooms
            .values()
            .filter(|room| room.visibility == RoomVisibility::Public)
            .filter(|room| {
                name_contains
                    .as_ref()
                    .is_none_or(|part| room.name.contains(part.as_str()))
            })
            .cloned()
            .collect();
        let (rooms, next_page_token) = page(&rooms, page_size, page_token.as_deref())?;
        Ok(RoomPage { rooms, next_page_token })
    }

    async fn join_room(&self, ctx: &Context, room_id: String) -> Result<Room, JoinRoomError> {
        let room = self.state().rooms.get(&room_id).cloned().ok_or(RoomNotFound {
            room_id: room_id.clone(),
        })?;
        self.shared
            .set_presence(&room_id, &user_of(ctx), PresenceStatus::Online);
        Ok(room)
    }

    async fn get_history(
        &self,
        _ctx: &Context,
        room_id: String,
        page_size: u32,
        page_token: Option<String>,
    ) -> Result<HistoryPage, GetHistoryError> {
        self.shared.room_exists(&room_id)?;
        let messages = self.state().messages.get(&room_id).cloned().unwrap_or_default();
        let (messages, next_page_token) = page(&messages, page_size, page_token.as_deref())?;
        Ok(HistoryPage {
            messages,
            next_page_token,
        })
    }

    /// Reads the client's messages in a task; the returned stream carries what happens in the
    /// rooms the client entered, and ends when the client ends its side.
    async fn chat(
        &self,
        ctx: &Context,
        mut messages: Streaming<ClientMessage>,
    ) -> Result<ServerStream<ServerMessage>, omniface::Error> {
        let user = user_of(ctx);
        let entered = Arc::new(Mutex::new(BTreeSet::<String>::new()));
        let (done, done_receiver) = watch::channel(false);
        let feed = self.shared.feed.subscribe();
        let shared = self.shared.clone();
        let reader_entered = entered.clone();
        tokio::spawn(async move {
            while let Some(message) = messages.next().await {
                match message {
                    Ok(ClientMessage::Enter(enter)) => {
                        if shared.room_exists(&enter.room_id).is_ok() {
                            reader_entered
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .insert(enter.room_id.clone());
                            shared.set_presence(&enter.room_id, &user, PresenceStatus::Online);
                        }
                    }
                    Ok(ClientMessage::Send(send)) => {
                        let is_member = reader_entered
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .contains(&send.room_id);
                        if is_member {
                            let _ = shared.post(&send.room_id, &user, send.text);
                        }
                    }
                    // An invalid item (it broke a constraint) is skipped; the chat goes on.
                    Err(_) => {}
                }
            }
            let left: Vec<String> = reader_entered
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .cloned()
                .collect();
            for room in left {
                shared.set_presence(&room, &user, PresenceStatus::Offline);
            }
            let _ = done.send(true);
        });
        let stream = omniface::stream::unfold(
            (feed, done_receiver, entered),
            |(mut feed, mut done, entered)| async move {
                loop {
                    tokio::select! {
                        received = feed.recv() => match received {
                            Ok(message) => {
                                let wanted = entered.lock().unwrap_or_else(|p| p.into_inner()).contains(room_of(&message));
                                if wanted {
                                    return Some((Ok(message), (feed, done, entered)));
                                }
                            }
                            Err(broadcast::error::RecvError::Lagged(_)) => continue,
                            Err(broadcast::error::RecvError::Closed) => return None,
                        },
                        _ = done.changed() => return None,
                    }
                }
            },
        );
        Ok(Box::pin(stream))
    }

    async fn report_message(
        &self,
        _ctx: &Context,
        room_id: String,
        message_id: String,
        reason: ReportReason,
        _comment: Option<String>,
    ) -> Result<(), ReportMessageError> {
        self.shared.room_exists(&room_id)?;
        self.state().reports.push((room_id, message_id, reason));
        Ok(())
    }
}

/// Any bearer token `<name>-token` signs in as `<name>`: enough for trying the chat.
pub fn token_authenticator() -> Arc<dyn omniface::Authenticator> {
    omniface::authenticator_fn(|credential| match credential {
        omniface::Credential::Bearer(token) => {
            token
                .strip_suffix("-token")
                .filter(|name| !name.is_empty())
                .map(|name| Principal {
                    subject: name.to_string(),
                    scopes: vec![],
                })
        }
        _ => None,
    })
}
