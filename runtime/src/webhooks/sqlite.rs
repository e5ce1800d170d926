//! A [`WebhookStore`] in one SQLite file (feature `sqlite`), so subscriptions and the deliveries
//! still being retried survive a restart, and several server processes on one machine can share
//! them: each process that opens the file is one lease holder.
//!
//! Secrets are stored as they are needed to sign (`whsec_…`): protect the file like a key.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

use super::signing::Secret;
use super::store::{PendingDelivery, StoreError, WebhookStore, WebhookSubscription};

pub struct SqliteStore {
    connection: Mutex<Connection>,
    /// This handle's name as a lease holder, unique per open.
    holder: String,
}

fn failed(error: impl std::fmt::Display) -> StoreError {
    StoreError(error.to_string())
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS webhook_subscriptions (
        id TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        description TEXT,
        secret TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        owner TEXT,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS webhook_deliveries (
        subscription TEXT NOT NULL,
        id TEXT NOT NULL,
        body BLOB NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        PRIMARY KEY (subscription, id)
    );
";

/// Columns added after the first release, for files created before them: the lease holder and
/// the end of its lease (Unix milliseconds; 0 for rows from before leasing, free to claim).
const LEASE_COLUMNS: [&str; 2] = [
    "ALTER TABLE webhook_deliveries ADD COLUMN holder TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE webhook_deliveries ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0",
];

const DELIVERY_COLUMNS: &str = "subscription, id, body, attempts, next_attempt_at";

fn delivery_from_row(row: &rusqlite::Row) -> rusqlite::Result<PendingDelivery> {
    Ok(PendingDelivery {
        subscription: row.get(0)?,
        id: row.get(1)?,
        body: row.get(2)?,
        attempts: row.get(3)?,
        next_attempt_at: row.get(4)?,
    })
}

const SUBSCRIPTION_COLUMNS: &str = "id, service, url, events, description, secret, enabled, owner, created_at";

impl SqliteStore {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        SqliteStore::with_connection(crate::sqlite_file::open_shared(path.as_ref()).map_err(failed)?)
    }

    /// A store that lives in memory only (tests).
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        SqliteStore::with_connection(Connection::open_in_memory().map_err(failed)?)
    }

    fn with_connection(connection: Connection) -> Result<SqliteStore, StoreError> {
        connection.execute_batch(SCHEMA).map_err(failed)?;
        let columns: Vec<String> = connection
            .prepare("SELECT name FROM pragma_table_info('webhook_deliveries')")
            .and_then(|mut statement| statement.query_map([], |row| row.get(0))?.collect())
            .map_err(failed)?;
        if !columns.iter().any(|name| name == "holder") {
            for alter in LEASE_COLUMNS {
                connection.execute(alter, []).map_err(failed)?;
            }
        }
        Ok(SqliteStore {
            connection: Mutex::new(connection),
            holder: uuid::Uuid::new_v4().simple().to_string(),
        })
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A subscription row as stored: the secret and events are parsed by [`StoredSubscription::parse`],
/// so that a damaged value is a store error rather than a panic.
struct StoredSubscription {
    id: String,
    service: String,
    url: String,
    events: String,
    description: Option<String>,
    secret: String,
    enabled: bool,
    owner: Option<String>,
    created_at: i64,
}

fn subscription_from_row(row: &rusqlite::Row) -> rusqlite::Result<StoredSubscription> {
    Ok(StoredSubscription {
        id: row.get(0)?,
        service: row.get(1)?,
        url: row.get(2)?,
        events: row.get(3)?,
        description: row.get(4)?,
        secret: row.get(5)?,
        enabled: row.get(6)?,
        owner: row.get(7)?,
        created_at: row.get(8)?,
    })
}

impl StoredSubscription {
    fn parse(self) -> Result<WebhookSubscription, StoreError> {
        let damaged = |what: &str| StoreError(format!("subscription {} has an unreadable {what}", self.id));
        let secret = Secret::parse(&self.secret).map_err(|_| damaged("secret"))?;
        let events = serde_json::from_str(&self.events).map_err(|_| damaged("event list"))?;
        Ok(WebhookSubscription {
            id: self.id,
            service: self.service,
            url: self.url,
            events,
            description: self.description,
            secret,
            enabled: self.enabled,
            owner: self.owner,
            created_at: self.created_at,
        })
    }
}

impl WebhookStore for SqliteStore {
    fn insert_subscription(&self, subscription: WebhookSubscription) -> Result<(), StoreError> {
        let events = serde_json::to_string(&subscription.events).map_err(failed)?;
        self.connection()
            .execute(
                &format!("INSERT INTO webhook_subscriptions ({SUBSCRIPTION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                params![
                    subscription.id,
                    subscription.service,
                    subscription.url,
                    events,
                    subscription.description,
                    subscription.secret.to_string(),
                    subscription.enabled,
                    subscription.owner,
                    subscription.created_at,
                ],
            )
            .map_err(failed)?;
        Ok(())
    }

    fn subscriptions(&self, service: &str) -> Result<Vec<WebhookSubscription>, StoreError> {
        let connection = self.connection();
        let mut statement = connection
            .prepare(&format!(
                "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE service = ?1 ORDER BY rowid"
            ))
            .map_err(failed)?;
        let rows = statement.query_map([service], subscription_from_row).map_err(failed)?;
        rows.map(|row| row.map_err(failed)?.parse()).collect()
    }

    fn subscription(&self, id: &str) -> Result<Option<WebhookSubscription>, StoreError> {
        let row = self
            .connection()
            .query_row(
                &format!("SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = ?1"),
                [id],
                subscription_from_row,
            )
            .optional()
            .map_err(failed)?;
        row.map(StoredSubscription::parse).transpose()
    }

    fn delete_subscription(&self, id: &str) -> Result<bool, StoreError> {
        let connection = self.connection();
        connection
            .execute("DELETE FROM webhook_deliveries WHERE subscription = ?1", [id])
            .map_err(failed)?;
        let deleted = connection
            .execute("DELETE FROM webhook_subscriptions WHERE id = ?1", [id])
            .map_err(failed)?;
        Ok(deleted > 0)
    }

    fn disable_subscription(&self, id: &str) -> Result<(), StoreError> {
        let connection = self.connection();
        connection
            .execute("UPDATE webhook_subscriptions SET enabled = 0 WHERE id = ?1", [id])
            .map_err(failed)?;
        connection
            .execute("DELETE FROM webhook_deliveries WHERE subscription = ?1", [id])
            .map_err(failed)?;
        Ok(())
    }

    fn save_delivery(&self, delivery: PendingDelivery) -> Result<(), StoreError> {
        // Held by this server until its next renewal at the earliest; a row saved again keeps
        // the lease its holder renewed.
        self.connection()
            .execute(
                "INSERT INTO webhook_deliveries (subscription, id, body, attempts, next_attempt_at, holder, lease_until)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (subscription, id) DO UPDATE SET
                     body = excluded.body, attempts = excluded.attempts,
                     next_attempt_at = excluded.next_attempt_at, holder = excluded.holder,
                     lease_until = max(lease_until, excluded.lease_until)",
                params![
                    delivery.subscription,
                    delivery.id,
                    delivery.body,
                    delivery.attempts,
                    delivery.next_attempt_at,
                    self.holder,
                    super::sender::now_millis() + super::LEASE.as_millis() as i64,
                ],
            )
            .map_err(failed)?;
        Ok(())
    }

    fn remove_delivery(&self, id: &str, subscription: &str) -> Result<(), StoreError> {
        self.connection()
            .execute(
                "DELETE FROM webhook_deliveries WHERE subscription = ?1 AND id = ?2",
                [subscription, id],
            )
            .map_err(failed)?;
        Ok(())
    }

    fn pending_deliveries(&self) -> Result<Vec<PendingDelivery>, StoreError> {
        let connection = self.connection();
        let mut statement = connection
            .prepare(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries ORDER BY next_attempt_at"
            ))
            .map_err(failed)?;
        let rows = statement.query_map([], delivery_from_row).map_err(failed)?;
        rows.map(|row| row.map_err(failed)).collect()
    }

    fn claim_deliveries(&self, now: i64, until: i64) -> Result<Vec<PendingDelivery>, StoreError> {
        // One statement, so two processes claiming at once never both get a row.
        let connection = self.connection();
        let mut statement = connection
            .prepare(&format!(
                "UPDATE webhook_deliveries SET holder = ?1, lease_until = ?2 WHERE lease_until < ?3 RETURNING {DELIVERY_COLUMNS}"
            ))
            .map_err(failed)?;
        let rows = statement
            .query_map(params![self.holder, until, now], delivery_from_row)
            .map_err(failed)?;
        rows.map(|row| row.map_err(failed)).collect()
    }

    fn renew_leases(&self, until: i64) -> Result<(), StoreError> {
        self.connection()
            .execute(
                "UPDATE webhook_deliveries SET lease_until = ?1 WHERE holder = ?2",
                params![until, self.holder],
            )
            .map_err(failed)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_and_deliveries_survive_reopening_the_file() {
        let path = std::env::temp_dir().join(format!("omniface-webhooks-{}.sqlite", uuid::Uuid::new_v4().simple()));
        let secret = Secret::generate().unwrap();
        let subscription = WebhookSubscription {
            id: "wh_1".to_string(),
            service: "PetStore".to_string(),
            url: "http://example.com/hook".to_string(),
            events: vec!["pet_sold".to_string()],
            description: Some("sales".to_string()),
            secret: secret.clone(),
            enabled: true,
            owner: Some("user".to_string()),
            created_at: 1_764_000_000,
        };
        let delivery = PendingDelivery {
            id: "msg_1".to_string(),
            subscription: "wh_1".to_string(),
            body: br#"{"type":"PetStore.pet_sold"}"#.to_vec(),
            attempts: 2,
            next_attempt_at: 1_764_000_000_123,
        };
        {
            let store = SqliteStore::open(&path).unwrap();
            store.insert_subscription(subscription.clone()).unwrap();
            store.save_delivery(delivery.clone()).unwrap();
        }
        let reopened = SqliteStore::open(&path).unwrap();
        assert_eq!(reopened.subscriptions("PetStore").unwrap(), vec![subscription.clone()]);
        assert_eq!(reopened.subscription("wh_1").unwrap(), Some(subscription));
        assert_eq!(reopened.pending_deliveries().unwrap(), vec![delivery.clone()]);
        reopened.disable_subscription("wh_1").unwrap();
        assert!(!reopened.subscription("wh_1").unwrap().unwrap().enabled);
        assert!(reopened.pending_deliveries().unwrap().is_empty());
        reopened.save_delivery(delivery).unwrap();
        assert!(reopened.delete_subscription("wh_1").unwrap());
        assert!(!reopened.delete_subscription("wh_1").unwrap());
        assert!(reopened.pending_deliveries().unwrap().is_empty());
        drop(reopened);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_delivery_is_held_by_one_server_at_a_time_and_taken_over_when_its_lease_ends() {
        let path = std::env::temp_dir().join(format!("omniface-webhooks-{}.sqlite", uuid::Uuid::new_v4().simple()));
        let (first, second) = (SqliteStore::open(&path).unwrap(), SqliteStore::open(&path).unwrap());
        let delivery = PendingDelivery {
            id: "msg_1".to_string(),
            subscription: "wh_1".to_string(),
            body: b"{}".to_vec(),
            attempts: 0,
            next_attempt_at: 0,
        };
        first.save_delivery(delivery.clone()).unwrap();
        let now = super::super::sender::now_millis();
        assert!(
            second.claim_deliveries(now, now + 60_000).unwrap().is_empty(),
            "the saver holds it"
        );
        // The first server renews, then stops: once its lease ends, the second takes over.
        first.renew_leases(now + 1_000).unwrap();
        assert!(second.claim_deliveries(now + 999, now + 60_000).unwrap().is_empty());
        assert_eq!(
            second.claim_deliveries(now + 1_001, now + 60_000).unwrap(),
            vec![delivery.clone()]
        );
        assert!(
            first.claim_deliveries(now + 2_000, now + 60_000).unwrap().is_empty(),
            "claimed once"
        );
        // The first server's renewals no longer reach it; the second's do.
        first.renew_leases(now + 120_000).unwrap();
        second.renew_leases(now + 90_000).unwrap();
        assert!(first.claim_deliveries(now + 80_000, now + 100_000).unwrap().is_empty());
        assert_eq!(first.claim_deliveries(now + 90_001, now + 100_000).unwrap().len(), 1);
        drop((first, second));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
