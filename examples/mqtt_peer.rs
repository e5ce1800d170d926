//! A test's own MQTT 5 peer of an example server: requests with a response topic, correlation
//! data and user properties, and what comes back, checked the way every MQTT 5 reply must be.
//! Shared by the telemetry and pet store `tests/` through `#[path]`.

#![allow(dead_code)] // each test file uses its own part

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Packet, Publish, PublishProperties};
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use serde_json::Value;
use tokio::sync::mpsc;

/// A test's own MQTT 5 client: what it receives arrives on a channel.
pub struct Peer {
    pub client: AsyncClient,
    received: mpsc::UnboundedReceiver<Packet>,
    /// The topic its requests name as their response topic.
    pub replies: String,
}

impl Peer {
    /// Connects as `name` to the broker on 127.0.0.1:`port` and subscribes to its reply topic.
    pub async fn connect(port: u16, name: &str) -> Peer {
        let options = MqttOptions::new(name, "127.0.0.1", port);
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        let (sender, received) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(event) = eventloop.poll().await {
                if let Event::Incoming(packet @ (Packet::Publish(_) | Packet::SubAck(_))) = event
                    && sender.send(packet).is_err()
                {
                    return;
                }
            }
        });
        let mut peer = Peer {
            client,
            received,
            replies: format!("replies/{name}"),
        };
        let replies = peer.replies.clone();
        peer.subscribe(&replies, QoS::AtLeastOnce).await;
        peer
    }

    pub async fn subscribe(&mut self, filter: &str, qos: QoS) {
        self.client.subscribe(filter, qos).await.unwrap();
        loop {
            if let Packet::SubAck(_) = self.next_packet().await {
                return;
            }
        }
    }

    pub async fn next_packet(&mut self) -> Packet {
        tokio::time::timeout(Duration::from_secs(5), self.received.recv())
            .await
            .expect("nothing arrived within 5 s")
            .expect("the connection ended")
    }

    /// The next packet, or `None` when the connection ended; no time limit.
    pub async fn next_packet_or_none(&mut self) -> Option<Packet> {
        self.received.recv().await
    }

    pub async fn next_publish(&mut self) -> Publish {
        loop {
            if let Packet::Publish(publish) = self.next_packet().await {
                return publish;
            }
        }
    }

    /// Sends a request with a response topic, correlation data and user properties.
    pub async fn send(&self, topic: &str, payload: Value, correlation: &str, properties: &[(&str, &str)]) {
        let properties = PublishProperties {
            response_topic: Some(self.replies.clone()),
            correlation_data: Some(Bytes::from(correlation.to_string())),
            content_type: Some("application/json".into()),
            user_properties: properties
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            ..PublishProperties::default()
        };
        self.client
            .publish_with_properties(topic, QoS::AtLeastOnce, false, payload.to_string(), properties)
            .await
            .unwrap();
    }

    /// One request and its reply: the reply's JSON and its `error` user property.
    pub async fn call(&mut self, topic: &str, payload: Value, properties: &[(&str, &str)]) -> (Value, Option<String>) {
        let correlation = uuid_like();
        self.send(topic, payload, &correlation, properties).await;
        let reply = self.next_publish().await;
        assert_eq!(topic_of(&reply), self.replies);
        reply_parts(&reply, &correlation)
    }

    /// Repeats a harmless request (`payload` to `topic`) until a server has subscribed and
    /// answers.
    pub async fn wait_for_server(&mut self, topic: &str, payload: Value, properties: &[(&str, &str)]) {
        for _ in 0..50 {
            let correlation = uuid_like();
            self.send(topic, payload.clone(), &correlation, properties).await;
            if let Ok(Some(Packet::Publish(_))) =
                tokio::time::timeout(Duration::from_millis(200), self.received.recv()).await
            {
                // Any late answers to earlier attempts are drained too.
                while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(300), self.received.recv()).await {}
                return;
            }
        }
        panic!("no server answered on {topic} within 10 s");
    }
}

pub fn uuid_like() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    format!("corr-{}", NEXT.fetch_add(1, Ordering::SeqCst))
}

pub fn topic_of(publish: &Publish) -> String {
    String::from_utf8(publish.topic.to_vec()).unwrap()
}

/// Checks what every reply carries and returns its JSON and `error` property.
pub fn reply_parts(reply: &Publish, correlation: &str) -> (Value, Option<String>) {
    let properties = reply.properties.clone().expect("an MQTT 5 reply has properties");
    assert_eq!(properties.correlation_data.as_deref(), Some(correlation.as_bytes()));
    assert_eq!(properties.content_type.as_deref(), Some("application/json"));
    assert_eq!(properties.payload_format_indicator, Some(1), "UTF-8 payload");
    let error = properties
        .user_properties
        .iter()
        .find(|(name, _)| name == "error")
        .map(|(_, value)| value.clone());
    (serde_json::from_slice(&reply.payload).unwrap(), error)
}
