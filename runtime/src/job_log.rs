//! Where `#[idempotent]` methods remember the AMQP jobs (by queue and `message_id`) and MQTT
//! requests (by method and `message-id` user property) they finished: one seen again
//! (redelivered because the instance that did it died before its acknowledgement reached the
//! broker, or sent twice by its producer) is answered from here instead of being done again. The
//! default [`MemoryJobLog`] is per instance; a log that instances share ([`SqliteJobLog`] for
//! instances on one machine, or an implementation of [`JobLog`] over the application's database)
//! makes that hold across them. See docs/brokers.md.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// What a finished job answered: the reply's JSON, and the error code (`NOT_FOUND`) when it
/// failed; `dead_lettered` when the job was rejected rather than acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinishedJob {
    pub reply: Vec<u8>,
    pub error: Option<String>,
    pub dead_lettered: bool,
}

/// A job log failure (a database down, a disk full): the job is then done as if not logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobLogError(pub String);

impl std::fmt::Display for JobLogError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "job log: {}", self.0)
    }
}

impl std::error::Error for JobLogError {}

/// Finished jobs by queue and message id. Calls are short and synchronous, as for
/// [`crate::webhooks::WebhookStore`]. A job is recorded after its events are confirmed and
/// before it is answered and acknowledged, so an instance dying after that leaves the record
/// for the next one.
pub trait JobLog: Send + Sync + 'static {
    fn finished(&self, queue: &str, message_id: &str) -> Result<Option<FinishedJob>, JobLogError>;
    fn record(&self, queue: &str, message_id: &str, job: &FinishedJob) -> Result<(), JobLogError>;
}

impl dyn JobLog {
    /// [`JobLog::finished`] for the adapters: a log that fails is logged, and the job done as if
    /// new (`protocol` names the adapter in the message).
    pub(crate) fn recall(&self, protocol: &str, queue: &str, message_id: &str) -> Option<FinishedJob> {
        self.finished(queue, message_id)
            .inspect_err(|error| tracing::warn!("{protocol}: {error}; {message_id} on {queue} is done as if new"))
            .ok()
            .flatten()
    }

    /// [`JobLog::record`] for the adapters: a failure is logged, and the reply goes out anyway.
    pub(crate) fn remember(&self, protocol: &str, queue: &str, message_id: &str, job: &FinishedJob) {
        if let Err(error) = self.record(queue, message_id, job) {
            tracing::warn!("{protocol}: {message_id} on {queue} not recorded: {error}");
        }
    }
}

/// The default log: the last [`MemoryJobLog::REMEMBERED`] jobs of each queue, in this process.
#[derive(Default)]
pub struct MemoryJobLog {
    queues: Mutex<HashMap<String, Remembered>>,
}

#[derive(Default)]
struct Remembered {
    jobs: HashMap<String, FinishedJob>,
    order: VecDeque<String>,
}

impl MemoryJobLog {
    /// How many finished jobs each queue remembers; the oldest are forgotten first.
    pub const REMEMBERED: usize = 10_000;

    pub fn new() -> MemoryJobLog {
        MemoryJobLog::default()
    }
}

impl JobLog for MemoryJobLog {
    fn finished(&self, queue: &str, message_id: &str) -> Result<Option<FinishedJob>, JobLogError> {
        let queues = self.queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(queues
            .get(queue)
            .and_then(|remembered| remembered.jobs.get(message_id).cloned()))
    }

    fn record(&self, queue: &str, message_id: &str, job: &FinishedJob) -> Result<(), JobLogError> {
        let mut queues = self.queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let remembered = queues.entry(queue.to_string()).or_default();
        if remembered.jobs.insert(message_id.to_string(), job.clone()).is_none() {
            remembered.order.push_back(message_id.to_string());
        }
        while remembered.order.len() > MemoryJobLog::REMEMBERED {
            if let Some(oldest) = remembered.order.pop_front() {
                remembered.jobs.remove(&oldest);
            }
        }
        Ok(())
    }
}

#[cfg(feature = "sqlite")]
pub use sqlite::SqliteJobLog;

#[cfg(feature = "sqlite")]
mod sqlite {
    use std::path::Path;
    use std::sync::Mutex;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use rusqlite::{Connection, OptionalExtension, params};

    use super::{FinishedJob, JobLog, JobLogError};

    /// A [`JobLog`] in one SQLite file (feature `sqlite`) that several server processes on one
    /// machine open together: write-ahead logging lets them read while one writes, and a busy
    /// timeout makes a writer wait for another. Jobs are kept for `retention` (7 days unless
    /// set), longer than any redelivery.
    pub struct SqliteJobLog {
        connection: Mutex<Connection>,
        retention: Duration,
        records: Mutex<u64>,
    }

    fn failed(error: impl std::fmt::Display) -> JobLogError {
        JobLogError(error.to_string())
    }

    fn now_millis() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_millis() as i64)
    }

    /// Old jobs are deleted on every this many records, not on each.
    const PRUNE_EVERY: u64 = 1000;

    impl SqliteJobLog {
        /// Opens (or creates) the log at `path`.
        pub fn open(path: impl AsRef<Path>) -> Result<SqliteJobLog, JobLogError> {
            let connection = crate::sqlite_file::open_shared(path.as_ref()).map_err(failed)?;
            connection
                .execute_batch(
                    "CREATE TABLE IF NOT EXISTS finished_jobs (
                        queue TEXT NOT NULL,
                        message_id TEXT NOT NULL,
                        reply BLOB NOT NULL,
                        error TEXT,
                        dead_lettered INTEGER NOT NULL,
                        finished_at INTEGER NOT NULL,
                        PRIMARY KEY (queue, message_id)
                    );
                    CREATE INDEX IF NOT EXISTS finished_jobs_by_age ON finished_jobs (finished_at);",
                )
                .map_err(failed)?;
            Ok(SqliteJobLog {
                connection: Mutex::new(connection),
                retention: Duration::from_secs(7 * 24 * 60 * 60),
                records: Mutex::new(0),
            })
        }

        /// How long finished jobs are remembered.
        pub fn retention(mut self, retention: Duration) -> SqliteJobLog {
            self.retention = retention;
            self
        }
    }

    impl JobLog for SqliteJobLog {
        fn finished(&self, queue: &str, message_id: &str) -> Result<Option<FinishedJob>, JobLogError> {
            let connection = self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            connection
                .query_row(
                    "SELECT reply, error, dead_lettered FROM finished_jobs WHERE queue = ?1 AND message_id = ?2",
                    params![queue, message_id],
                    |row| {
                        Ok(FinishedJob {
                            reply: row.get(0)?,
                            error: row.get(1)?,
                            dead_lettered: row.get(2)?,
                        })
                    },
                )
                .optional()
                .map_err(failed)
        }

        fn record(&self, queue: &str, message_id: &str, job: &FinishedJob) -> Result<(), JobLogError> {
            let connection = self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let now = now_millis();
            connection
                .execute(
                    "INSERT OR REPLACE INTO finished_jobs (queue, message_id, reply, error, dead_lettered, finished_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![queue, message_id, job.reply, job.error, job.dead_lettered, now],
                )
                .map_err(failed)?;
            let mut records = self.records.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *records += 1;
            if *records % PRUNE_EVERY == 0 {
                let oldest_kept = now - self.retention.as_millis() as i64;
                connection
                    .execute("DELETE FROM finished_jobs WHERE finished_at < ?1", params![oldest_kept])
                    .map_err(failed)?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(reply: &str) -> FinishedJob {
        FinishedJob {
            reply: reply.as_bytes().to_vec(),
            error: None,
            dead_lettered: false,
        }
    }

    #[test]
    fn memory_remembers_per_queue_up_to_a_bound_oldest_forgotten_first() {
        let log = MemoryJobLog::new();
        for id in 0..=MemoryJobLog::REMEMBERED {
            log.record("ingest", &id.to_string(), &job("{}")).unwrap();
        }
        assert_eq!(log.finished("ingest", "0").unwrap(), None, "the oldest is forgotten");
        assert_eq!(log.finished("ingest", "1").unwrap(), Some(job("{}")));
        assert_eq!(log.finished("other", "1").unwrap(), None, "queues are apart");
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn sqlite_is_shared_by_two_handles_on_one_file() {
        let path = std::env::temp_dir().join(format!("omniface-job-log-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let first = SqliteJobLog::open(&path).unwrap();
        let second = SqliteJobLog::open(&path).unwrap();
        let failed = FinishedJob {
            reply: br#"{"deviceId":"x"}"#.to_vec(),
            error: Some("NOT_FOUND".into()),
            dead_lettered: true,
        };
        first.record("ingest", "m-1", &failed).unwrap();
        assert_eq!(second.finished("ingest", "m-1").unwrap(), Some(failed));
        assert_eq!(second.finished("ingest", "m-2").unwrap(), None);
        drop((first, second));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
