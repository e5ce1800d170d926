//! Opening a SQLite file that several server processes on one machine share (the webhook store
//! and the job log, feature `sqlite`).

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

/// Opens (or creates) `path` for sharing: readers go on while one process writes (write-ahead
/// log), and a writer waits up to 10 s for another instead of failing at once.
pub(crate) fn open_shared(path: &Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(Duration::from_secs(10))?;
    connection.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    Ok(connection)
}
