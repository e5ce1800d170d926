//! Where webhook subscriptions and not-yet-delivered messages live ([`WebhookStore`]), so that a
//! restart neither forgets subscribers nor drops deliveries still being retried; the default
//! [`MemoryStore`] keeps them in the process only.
//!
//! A store may be shared by several servers. Each pending delivery is then *leased* to the server
//! that saved or claimed it: that server renews its leases while it lives, and another server
//! claims a delivery whose lease ran out (its server stopped or died), so every delivery has one
//! sender at a time and none is orphaned.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::signing::Secret;

/// One subscriber: where to post which events of which service, and the secret to sign with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookSubscription {
    /// `wh_<32 hex digits>`.
    pub id: String,
    /// The service's name (`PetStore`): each service has its own subscription endpoints.
    pub service: String,
    pub url: String,
    /// Declared event names (`pet_sold`); empty means every event of the service.
    pub events: Vec<String>,
    pub description: Option<String>,
    pub secret: Secret,
    /// Cleared when the receiver answered 410 Gone.
    pub enabled: bool,
    /// The principal that created it: only that principal lists or deletes it.
    pub owner: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

impl WebhookSubscription {
    pub fn wants(&self, event: &str) -> bool {
        self.enabled && (self.events.is_empty() || self.events.iter().any(|name| name == event))
    }
}

/// One message to one subscriber, until it is delivered or given up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingDelivery {
    /// The `webhook-id`: `msg_<32 hex digits>`, the same for every attempt.
    pub id: String,
    pub subscription: String,
    /// The exact body to post (signed as is).
    pub body: Vec<u8>,
    /// Attempts already made.
    pub attempts: u32,
    /// When the next attempt is due, in Unix milliseconds.
    pub next_attempt_at: i64,
}

/// A store failure (a database down, a disk full). Deliveries go on in memory when saving fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "webhook store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Storage for subscriptions and pending deliveries. Calls are short and synchronous: a
/// persistent implementation writes to a local database (they run on the async runtime's
/// threads, so a remote database would need its own thread).
pub trait WebhookStore: Send + Sync + 'static {
    fn insert_subscription(&self, subscription: WebhookSubscription) -> Result<(), StoreError>;
    /// Every subscription of `service`, oldest first.
    fn subscriptions(&self, service: &str) -> Result<Vec<WebhookSubscription>, StoreError>;
    fn subscription(&self, id: &str) -> Result<Option<WebhookSubscription>, StoreError>;
    /// Removes a subscription and its pending deliveries; `false` when there was none.
    fn delete_subscription(&self, id: &str) -> Result<bool, StoreError>;
    /// Stops deliveries to a subscription (the receiver said 410 Gone) and drops the pending ones.
    fn disable_subscription(&self, id: &str) -> Result<(), StoreError>;
    /// Records a new delivery, or the new state of one after a failed attempt.
    fn save_delivery(&self, delivery: PendingDelivery) -> Result<(), StoreError>;
    /// Forgets a delivery that succeeded or was given up.
    fn remove_delivery(&self, id: &str, subscription: &str) -> Result<(), StoreError>;
    /// Every pending delivery, whoever holds it (for inspection).
    fn pending_deliveries(&self) -> Result<Vec<PendingDelivery>, StoreError>;
    /// Takes over the pending deliveries whose lease ended before `now` (Unix milliseconds):
    /// leases them to this server until `until` and returns them. Called at start-up and then
    /// periodically; with a shared store, a delivery is returned to one caller only.
    fn claim_deliveries(&self, now: i64, until: i64) -> Result<Vec<PendingDelivery>, StoreError>;
    /// Extends to `until` the lease of every delivery this server saved or claimed. A delivery
    /// saved by [`WebhookStore::save_delivery`] is leased to the saving server until at least
    /// its next renewal.
    fn renew_leases(&self, until: i64) -> Result<(), StoreError>;
}

/// The default store: in memory, lost when the process ends.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<MemoryState>,
}

#[derive(Default)]
struct MemoryState {
    /// In creation order, so listing is stable.
    subscriptions: Vec<WebhookSubscription>,
    /// Keyed by (subscription, message id): one message goes to several subscribers. With the
    /// delivery, the end of its lease (0: free to claim).
    deliveries: BTreeMap<(String, String), (PendingDelivery, i64)>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl WebhookStore for MemoryStore {
    fn insert_subscription(&self, subscription: WebhookSubscription) -> Result<(), StoreError> {
        self.state().subscriptions.push(subscription);
        Ok(())
    }

    fn subscriptions(&self, service: &str) -> Result<Vec<WebhookSubscription>, StoreError> {
        Ok(self
            .state()
            .subscriptions
            .iter()
            .filter(|subscription| subscription.service == service)
            .cloned()
            .collect())
    }

    fn subscription(&self, id: &str) -> Result<Option<WebhookSubscription>, StoreError> {
        Ok(self.state().subscriptions.iter().find(|s| s.id == id).cloned())
    }

    fn delete_subscription(&self, id: &str) -> Result<bool, StoreError> {
        let mut state = self.state();
        let before = state.subscriptions.len();
        state.subscriptions.retain(|subscription| subscription.id != id);
        state.deliveries.retain(|(subscription, _), _| subscription != id);
        Ok(state.subscriptions.len() != before)
    }

    fn disable_subscription(&self, id: &str) -> Result<(), StoreError> {
        let mut state = self.state();
        for subscription in state.subscriptions.iter_mut().filter(|s| s.id == id) {
            subscription.enabled = false;
        }
        state.deliveries.retain(|(subscription, _), _| subscription != id);
        Ok(())
    }

    fn save_delivery(&self, delivery: PendingDelivery) -> Result<(), StoreError> {
        let key = (delivery.subscription.clone(), delivery.id.clone());
        // This process is the only one, so what it saves it holds.
        self.state().deliveries.insert(key, (delivery, i64::MAX));
        Ok(())
    }

    fn remove_delivery(&self, id: &str, subscription: &str) -> Result<(), StoreError> {
        self.state()
            .deliveries
            .remove(&(subscription.to_string(), id.to_string()));
        Ok(())
    }

    fn pending_deliveries(&self) -> Result<Vec<PendingDelivery>, StoreError> {
        Ok(self
            .state()
            .deliveries
            .values()
            .map(|(delivery, _)| delivery.clone())
            .collect())
    }

    fn claim_deliveries(&self, now: i64, until: i64) -> Result<Vec<PendingDelivery>, StoreError> {
        let mut claimed = Vec::new();
        for (delivery, lease) in self.state().deliveries.values_mut() {
            if *lease < now {
                *lease = until;
                claimed.push(delivery.clone());
            }
        }
        Ok(claimed)
    }

    fn renew_leases(&self, _until: i64) -> Result<(), StoreError> {
        Ok(()) // held until removed
    }
}

impl MemoryStore {
    /// Records a delivery that no server holds, as one left in a persistent store by a server
    /// that stopped: the next claim takes it (tests of resuming).
    pub fn save_unclaimed_delivery(&self, delivery: PendingDelivery) {
        let key = (delivery.subscription.clone(), delivery.id.clone());
        self.state().deliveries.insert(key, (delivery, 0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(id: &str, service: &str) -> WebhookSubscription {
        WebhookSubscription {
            id: id.to_string(),
            service: service.to_string(),
            url: "http://example.com/hook".to_string(),
            events: vec!["pet_sold".to_string()],
            description: None,
            secret: Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap(),
            enabled: true,
            owner: None,
            created_at: 0,
        }
    }

    #[test]
    fn disabling_or_deleting_a_subscription_drops_its_pending_deliveries() {
        let store = MemoryStore::new();
        store.insert_subscription(subscription("wh_1", "PetStore")).unwrap();
        store.insert_subscription(subscription("wh_2", "PetStore")).unwrap();
        store.insert_subscription(subscription("wh_3", "Chat")).unwrap();
        assert_eq!(store.subscriptions("PetStore").unwrap().len(), 2);
        for target in ["wh_1", "wh_2"] {
            store
                .save_delivery(PendingDelivery {
                    id: "msg_1".to_string(),
                    subscription: target.to_string(),
                    body: b"{}".to_vec(),
                    attempts: 0,
                    next_attempt_at: 0,
                })
                .unwrap();
        }
        assert_eq!(store.pending_deliveries().unwrap().len(), 2);
        store.disable_subscription("wh_1").unwrap();
        assert!(!store.subscription("wh_1").unwrap().unwrap().wants("pet_sold"));
        assert_eq!(store.pending_deliveries().unwrap().len(), 1);
        assert!(store.delete_subscription("wh_2").unwrap());
        assert!(!store.delete_subscription("wh_2").unwrap());
        assert!(store.pending_deliveries().unwrap().is_empty());
    }
}
