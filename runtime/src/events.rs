//! Events: the implementation publishes once, and every subscriber on every protocol (SSE, long
//! polling, WebSocket, GraphQL subscriptions) reads from the same [`EventHub`].
//!
//! Each event stream keeps a bounded buffer of recent events with monotonic ids, so a client that
//! reconnects with `Last-Event-ID` (or polls with `after=`) gets what it missed, as long as it is
//! still buffered. Ids start at the hub's creation time in microseconds, so ids issued after a
//! restart are larger than the ones before it and resuming never skips new events.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::broadcast;

/// One published event: its id and its payload in the JSON mapping and in protobuf.
#[derive(Clone, Debug)]
pub struct EventRecord {
    pub id: u64,
    /// Index of the event in its service's `events`.
    pub event: usize,
    pub json: Bytes,
    /// The `Subscribe<Event>Response` message (gRPC); empty for payloads published as JSON only.
    pub protobuf: Bytes,
}

struct Stream {
    buffer: Mutex<Buffer>,
    sender: broadcast::Sender<Arc<EventRecord>>,
}

struct Buffer {
    next_id: u64,
    records: VecDeque<Arc<EventRecord>>,
}

/// The events of one service. Cloning shares the hub.
#[derive(Clone)]
pub struct EventHub {
    streams: Arc<Vec<Stream>>,
    capacity: usize,
}

/// What a new subscriber gets: the buffered events after its cursor, then the live feed.
pub struct Subscription {
    pub backlog: Vec<Arc<EventRecord>>,
    /// Events may have been dropped between the cursor and the oldest buffered event.
    pub gap: bool,
    pub live: broadcast::Receiver<Arc<EventRecord>>,
    /// Ids up to this one are covered by `backlog`; skip them in `live`.
    pub last_id: u64,
}

impl EventHub {
    /// A hub for `event_count` events, each buffering up to `capacity` recent events.
    pub fn new(event_count: usize, capacity: usize) -> EventHub {
        let first_id = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(1);
        let streams = (0..event_count)
            .map(|_| Stream {
                buffer: Mutex::new(Buffer {
                    next_id: first_id,
                    records: VecDeque::with_capacity(capacity.min(64)),
                }),
                sender: broadcast::channel(capacity.max(16)).0,
            })
            .collect();
        EventHub {
            streams: Arc::new(streams),
            capacity: capacity.max(1),
        }
    }

    /// Publishes an event to every subscriber of every protocol. Returns its id.
    pub fn publish<T: Serialize + crate::proto::Message>(&self, event: usize, payload: &T) -> u64 {
        let json = Bytes::from(serde_json::to_vec(payload).expect("generated event payloads always serialise"));
        self.publish_encoded(event, json, Bytes::from(payload.encode_to_vec()))
    }

    /// Publishes a payload that has a JSON form only (handlers written by hand).
    pub fn publish_json(&self, event: usize, json: Bytes) -> u64 {
        self.publish_encoded(event, json, Bytes::new())
    }

    /// Publishes an already encoded payload.
    fn publish_encoded(&self, event: usize, json: Bytes, protobuf: Bytes) -> u64 {
        let stream = &self.streams[event];
        let mut buffer = stream.buffer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let id = buffer.next_id;
        buffer.next_id += 1;
        let record = Arc::new(EventRecord {
            id,
            event,
            json,
            protobuf,
        });
        if buffer.records.len() == self.capacity {
            buffer.records.pop_front();
        }
        buffer.records.push_back(record.clone());
        // Sent under the lock so that a subscriber's backlog and live feed never overlap or miss.
        let _ = stream.sender.send(record);
        id
    }

    /// Subscribes to one event, replaying what was buffered after `after`.
    pub fn subscribe(&self, event: usize, after: Option<u64>) -> Subscription {
        let stream = &self.streams[event];
        let buffer = stream.buffer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let live = stream.sender.subscribe();
        let last_issued = buffer.next_id - 1;
        let (backlog, gap) = match after {
            None => (Vec::new(), false),
            Some(after) => {
                let backlog: Vec<_> = buffer.records.iter().filter(|r| r.id > after).cloned().collect();
                let oldest = buffer.records.front().map_or(buffer.next_id, |r| r.id);
                (backlog, after + 1 < oldest && after < last_issued)
            }
        };
        Subscription {
            backlog,
            gap,
            live,
            last_id: last_issued,
        }
    }

    /// Every event after `after` (`None`: from now on) as one stream: the buffered backlog, then
    /// live events, in id order and without duplicates. A subscriber that falls behind the
    /// broadcast channel catches up from the buffer, so it misses only what the buffer no longer
    /// holds. The flag says whether events after `after` were already gone when it started.
    pub fn stream(&self, event: usize, after: Option<u64>) -> (bool, crate::BoxStream<'static, Arc<EventRecord>>) {
        let subscription = self.subscribe(event, after);
        let last_sent = subscription.last_id.min(after.unwrap_or(subscription.last_id));
        let mut pending = subscription.backlog;
        pending.reverse();
        let records = futures_util::stream::unfold(
            (self.clone(), subscription.live, last_sent, pending),
            move |(hub, mut live, mut last_sent, mut pending)| async move {
                loop {
                    if let Some(record) = pending.pop() {
                        last_sent = last_sent.max(record.id);
                        return Some((record, (hub, live, last_sent, pending)));
                    }
                    match live.recv().await {
                        Ok(record) if record.id > last_sent => {
                            last_sent = record.id;
                            return Some((record, (hub, live, last_sent, pending)));
                        }
                        Ok(_) => continue,
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            let caught_up = hub.subscribe(event, Some(last_sent));
                            live = caught_up.live;
                            pending = caught_up.backlog;
                            pending.reverse();
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            },
        );
        (subscription.gap, Box::pin(records))
    }

    /// Long polling: the events after `after`, waiting up to `wait` for the first one.
    pub async fn poll(&self, event: usize, after: Option<u64>, wait: Duration, max: usize) -> Vec<Arc<EventRecord>> {
        let after = after.unwrap_or_else(|| self.last_id(event));
        let mut subscription = self.subscribe(event, Some(after));
        let mut records = subscription.backlog;
        if records.is_empty() {
            let first = tokio::time::timeout(wait, async {
                loop {
                    match subscription.live.recv().await {
                        Ok(record) if record.id > subscription.last_id => return Some(record),
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            })
            .await;
            if let Ok(Some(record)) = first {
                records.push(record);
                while let Ok(record) = subscription.live.try_recv() {
                    records.push(record);
                }
            }
        }
        records.truncate(max);
        records
    }

    /// The id of the latest event published (the cursor meaning "from now on").
    pub fn last_id(&self, event: usize) -> u64 {
        let buffer = self.streams[event]
            .buffer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        buffer.next_id - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_resume_after_their_cursor_and_see_live_events() {
        let hub = EventHub::new(1, 3);
        let first = hub.publish_json(0, Bytes::from(1.to_string()));
        let second = hub.publish_json(0, Bytes::from(2.to_string()));
        assert_eq!(second, first + 1);
        let mut subscription = hub.subscribe(0, Some(first));
        assert_eq!(subscription.backlog.iter().map(|r| r.id).collect::<Vec<_>>(), [second]);
        assert!(!subscription.gap);
        let third = hub.publish_json(0, Bytes::from(3.to_string()));
        assert_eq!(subscription.live.recv().await.unwrap().id, third);
        for n in 4..10 {
            hub.publish_json(0, Bytes::from(n.to_string()));
        }
        assert!(hub.subscribe(0, Some(first)).gap, "the buffer holds only 3 events");
        let polled = hub.poll(0, Some(third), Duration::from_millis(10), 100).await;
        // The stream view: backlog after the cursor, then a live event, each once.
        use futures_util::StreamExt;
        let (gap, mut records) = hub.stream(0, Some(third + 4));
        assert!(!gap);
        assert_eq!(records.next().await.unwrap().id, third + 5);
        assert_eq!(records.next().await.unwrap().id, third + 6);
        let live = hub.publish_json(0, Bytes::from(10.to_string()));
        assert_eq!(records.next().await.unwrap().id, live);
        assert_eq!(polled.len(), 3);
        let empty = hub.poll(0, None, Duration::from_millis(10), 100).await;
        assert!(empty.is_empty());
    }
}
