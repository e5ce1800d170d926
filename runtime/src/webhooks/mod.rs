//! Webhooks in the Standard Webhooks format (<https://www.standardwebhooks.com/>): callers
//! subscribe a URL to a service's events over HTTP, and every event published is posted to it,
//! signed, with retries. See docs/webhooks.md.
//!
//! [`signing`] also serves the other side: [`Verifier`] checks what a receiver got.

pub mod endpoints;
pub mod guard;
mod sender;
pub mod signing;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

pub use signing::{Secret, Verifier, VerifyError};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
pub use store::{MemoryStore, PendingDelivery, StoreError, WebhookStore, WebhookSubscription};

/// How long a server holds a pending delivery it saved or claimed in the store without renewing
/// the lease; it renews every third of it. A server sharing the store claims the deliveries of
/// one that stopped at most this long after it stopped.
pub(crate) const LEASE: Duration = Duration::from_secs(60);

/// How webhooks are stored and delivered. The defaults suit production; tests shorten the
/// retry schedule, allow private addresses to post to a receiver on 127.0.0.1, and trust the
/// test CA that signed that receiver's certificate.
#[derive(Clone)]
pub struct WebhooksConfig {
    /// The delay before each attempt: the first is usually zero, and one attempt is made per
    /// entry (at least one when empty). Retries are jittered by ±20%.
    pub retry_schedule: Vec<Duration>,
    /// How long one attempt may take, connecting included.
    pub attempt_timeout: Duration,
    /// The longest `Retry-After` honoured (a receiver cannot park a delivery for a year).
    pub max_retry_after: Duration,
    /// Attempts in flight at once, over all subscribers.
    pub max_concurrent_attempts: usize,
    /// Lets subscribers be on loopback, private, link-local and other non-public addresses.
    /// Off by default: subscription URLs come from API callers, and posting to internal
    /// addresses is server-side request forgery.
    pub allow_private_addresses: bool,
    /// Certificate authorities trusted for `https://` subscribers besides the system's roots
    /// (for receivers behind a private CA); see [`WebhooksConfig::trust_root_certificates_pem`].
    pub extra_root_certificates: Vec<CertificateDer<'static>>,
    pub store: Arc<dyn WebhookStore>,
}

impl Default for WebhooksConfig {
    fn default() -> WebhooksConfig {
        WebhooksConfig {
            retry_schedule: [0, 5, 5 * 60, 30 * 60, 2 * 60 * 60]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            attempt_timeout: Duration::from_secs(15),
            max_retry_after: Duration::from_secs(60 * 60),
            max_concurrent_attempts: 64,
            allow_private_addresses: false,
            extra_root_certificates: Vec::new(),
            store: Arc::new(MemoryStore::new()),
        }
    }
}

impl WebhooksConfig {
    pub fn new() -> WebhooksConfig {
        WebhooksConfig::default()
    }

    pub fn retry_schedule(mut self, schedule: impl IntoIterator<Item = Duration>) -> WebhooksConfig {
        self.retry_schedule = schedule.into_iter().collect();
        self
    }

    pub fn attempt_timeout(mut self, timeout: Duration) -> WebhooksConfig {
        self.attempt_timeout = timeout;
        self
    }

    pub fn allow_private_addresses(mut self, allow: bool) -> WebhooksConfig {
        self.allow_private_addresses = allow;
        self
    }

    /// Trusts the certificate authorities in `pem` (one or more `CERTIFICATE` blocks, as in a
    /// CA bundle file) for `https://` subscribers, on top of the system's roots.
    pub fn trust_root_certificates_pem(mut self, pem: &[u8]) -> Result<WebhooksConfig, String> {
        let mut found = 0;
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|error| format!("not a PEM certificate: {error}"))?;
            self.extra_root_certificates.push(certificate);
            found += 1;
        }
        if found == 0 {
            return Err("no `-----BEGIN CERTIFICATE-----` block in the PEM text".to_string());
        }
        Ok(self)
    }

    pub fn store(mut self, store: Arc<dyn WebhookStore>) -> WebhooksConfig {
        self.store = store;
        self
    }
}

impl std::fmt::Debug for WebhooksConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("WebhooksConfig")
            .field("retry_schedule", &self.retry_schedule)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("allow_private_addresses", &self.allow_private_addresses)
            .field("extra_root_certificates", &self.extra_root_certificates.len())
            .finish_non_exhaustive()
    }
}

/// The running webhooks of a server: its configuration, store, HTTP client and attempt limit.
pub(crate) struct Webhooks {
    config: WebhooksConfig,
    store: Arc<dyn WebhookStore>,
    /// `None` when the client could not be built: every attempt then fails with that reason,
    /// rather than falling back to a client without the SSRF guard.
    client: Option<sender::HttpsClient>,
    in_flight: tokio::sync::Semaphore,
}

impl Webhooks {
    pub(crate) fn new(config: WebhooksConfig) -> Webhooks {
        let client = sender::client(config.allow_private_addresses, &config.extra_root_certificates)
            .inspect_err(|error| tracing::error!("webhooks: cannot build the HTTP client: {error}"))
            .ok();
        Webhooks {
            store: config.store.clone(),
            in_flight: tokio::sync::Semaphore::new(config.max_concurrent_attempts.max(1)),
            client,
            config,
        }
    }
}

/// Mounts the subscription endpoints and starts delivering.
pub(crate) fn start(app: &Arc<crate::App>, config: WebhooksConfig) -> axum::Router {
    let webhooks = Arc::new(Webhooks::new(config));
    sender::start(app.clone(), webhooks.clone());
    endpoints::routes(app, &webhooks)
}
