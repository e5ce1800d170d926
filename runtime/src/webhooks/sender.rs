//! Delivery: every published event becomes one message per interested subscriber, posted signed
//! and retried on the configured schedule (with jitter, `Retry-After`, 410 Gone and a timeout per
//! attempt) until a 2xx, the last attempt, or the subscription's end.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{Request, StatusCode, header};
use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use serde_json::{Value, json};
use url::Url;

use super::guard;
use super::signing::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use super::store::PendingDelivery;
use super::{LEASE, Webhooks};
use crate::server::App;

const USER_AGENT: &str = concat!("omniface-webhooks/", env!("CARGO_PKG_VERSION"));

/// The client of the deliveries: HTTP/1.1 over TCP or TLS, to vetted addresses only.
pub(crate) type HttpsClient = Client<HttpsConnector<HttpConnector<guard::VettedResolver>>, Full<Bytes>>;

/// The HTTP client of the deliveries: only vetted addresses from DNS, TLS with verified
/// certificates for `https://` subscribers, no redirects followed (a 3xx is a failed attempt, so
/// a receiver cannot bounce the request to an internal address) and no proxy from the
/// environment (hyper does neither).
pub(crate) fn client(allow_private: bool, extra_roots: &[CertificateDer<'static>]) -> Result<HttpsClient, String> {
    let mut http = HttpConnector::new_with_resolver(guard::VettedResolver { allow_private });
    http.enforce_http(false); // `https://` is wrapped in TLS by the connector around this one
    http.set_nodelay(true);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls_config(extra_roots)?)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// rustls with the `ring` provider, given to the connector whole so that nothing process-wide
/// (the default crypto provider) is read or set: an application using rustls with another
/// provider is unaffected. Certificates are checked against the operating system's roots (and
/// `SSL_CERT_FILE`/`SSL_CERT_DIR`) by rustls-platform-verifier, plus `extra_roots`.
fn tls_config(extra_roots: &[CertificateDer<'static>]) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots.iter().cloned(), provider.clone())
            .map_err(|error| format!("cannot load the trusted certificate authorities: {error}"))?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .dangerous() // only in that the verifier is not rustls's built-in one
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// Resumes the deliveries a store kept from before a restart (and, with a shared store, those
/// of servers that stopped), then turns every event of every service into deliveries.
pub(crate) fn start(app: Arc<App>, webhooks: Arc<Webhooks>) {
    // `Server::router` may be called outside a runtime; deliveries need one.
    if tokio::runtime::Handle::try_current().is_err() {
        tracing::error!("webhooks: no Tokio runtime, so no deliveries (build the router inside one)");
        return;
    }
    tokio::spawn(keep_leases(webhooks.clone()));
    for (service, handler) in app.services.iter().enumerate() {
        for event in 0..handler.descriptor().events.len() {
            tokio::spawn(fan_out(app.clone(), webhooks.clone(), service, event));
        }
    }
}

/// Every third of [`LEASE`]: renews the leases of the deliveries this server holds, and claims
/// (and delivers) those whose lease ran out: at start-up, the ones kept from before a restart;
/// later, those of a server sharing the store that stopped renewing.
async fn keep_leases(webhooks: Arc<Webhooks>) {
    let mut every = tokio::time::interval(LEASE / 3);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let until = now_millis() + LEASE.as_millis() as i64;
        if let Err(error) = webhooks.store.renew_leases(until) {
            tracing::warn!("webhooks: cannot renew the leases of pending deliveries: {error}");
        }
        match webhooks.store.claim_deliveries(now_millis(), until) {
            Ok(claimed) => {
                for delivery in claimed {
                    tokio::spawn(deliver(webhooks.clone(), delivery));
                }
            }
            Err(error) => tracing::warn!("webhooks: cannot claim pending deliveries: {error}"),
        }
    }
}

/// The body of one event: the Standard Webhooks envelope, `type` being the event's RPC name
/// (`PetStore.pet_sold`), `timestamp` when it was sent out, `data` its payload in the JSON
/// mapping.
fn envelope(rpc_name: &str, payload: &[u8]) -> Vec<u8> {
    let data: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    let body = json!({
        "type": rpc_name,
        "timestamp": crate::wire::Timestamp::now(),
        "data": data,
    });
    body.to_string().into_bytes()
}

async fn fan_out(app: Arc<App>, webhooks: Arc<Webhooks>, service: usize, event: usize) {
    let handler = app.services[service].clone();
    let descriptor = handler.descriptor();
    let service_name = descriptor.name().to_string();
    let event_descriptor = descriptor.events[event].clone();
    let (_, mut records) = handler.events().stream(event, None);
    while let Some(record) = records.next().await {
        let subscriptions = match webhooks.store.subscriptions(&service_name) {
            Ok(subscriptions) => subscriptions,
            Err(error) => {
                tracing::error!(
                    "webhooks: event {} #{} not sent: {error}",
                    event_descriptor.rpc_name,
                    record.id
                );
                continue;
            }
        };
        let mut interested = subscriptions
            .into_iter()
            .filter(|subscription| subscription.wants(&event_descriptor.name))
            .peekable();
        if interested.peek().is_none() {
            continue;
        }
        let body = envelope(&event_descriptor.rpc_name, &record.json);
        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        let first_delay = webhooks.config.retry_schedule.first().copied().unwrap_or_default();
        let first_attempt_at = now_millis() + first_delay.as_millis() as i64;
        for subscription in interested {
            let delivery = PendingDelivery {
                id: id.clone(),
                subscription: subscription.id,
                body: body.clone(),
                attempts: 0,
                next_attempt_at: first_attempt_at,
            };
            if let Err(error) = webhooks.store.save_delivery(delivery.clone()) {
                tracing::warn!(
                    "webhooks: delivery {} not saved, it will not survive a restart: {error}",
                    delivery.id
                );
            }
            tokio::spawn(deliver(webhooks.clone(), delivery));
        }
    }
}

/// How one attempt ended.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Delivered,
    /// 410 Gone: the receiver wants no more.
    Gone,
    /// Try again, no sooner than the receiver's `Retry-After` when it gave one.
    Failed {
        reason: String,
        retry_after: Option<Duration>,
    },
}

/// Attempts one delivery until it succeeds or its attempts run out.
async fn deliver(webhooks: Arc<Webhooks>, mut delivery: PendingDelivery) {
    let schedule = &webhooks.config.retry_schedule;
    loop {
        let wait = delivery.next_attempt_at - now_millis();
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
        // Read again each time: the subscription may have been deleted or disabled meanwhile.
        let subscription = match webhooks.store.subscription(&delivery.subscription) {
            Ok(Some(subscription)) if subscription.enabled => subscription,
            Ok(_) => return,
            Err(error) => {
                tracing::warn!("webhooks: delivery {} postponed: {error}", delivery.id);
                delivery.next_attempt_at = now_millis() + 1000;
                continue;
            }
        };
        let outcome = attempt(&webhooks, &subscription.url, &subscription.secret, &delivery).await;
        delivery.attempts += 1;
        let forget = |webhooks: &Webhooks, delivery: &PendingDelivery| {
            if let Err(error) = webhooks.store.remove_delivery(&delivery.id, &delivery.subscription) {
                tracing::warn!("webhooks: delivery {} not forgotten: {error}", delivery.id);
            }
        };
        match outcome {
            Outcome::Delivered => {
                tracing::debug!("webhooks: {} delivered to {}", delivery.id, subscription.url);
                forget(&webhooks, &delivery);
                return;
            }
            Outcome::Gone => {
                tracing::info!(
                    "webhooks: {} answered 410 Gone; subscription {} disabled",
                    subscription.url,
                    subscription.id
                );
                if let Err(error) = webhooks.store.disable_subscription(&subscription.id) {
                    tracing::warn!("webhooks: subscription {} not disabled: {error}", subscription.id);
                }
                return;
            }
            Outcome::Failed { reason, retry_after } => {
                let Some(scheduled) = schedule.get(delivery.attempts as usize) else {
                    tracing::warn!(
                        "webhooks: giving up {} to {} after {} attempts: {reason}",
                        delivery.id,
                        subscription.url,
                        delivery.attempts
                    );
                    forget(&webhooks, &delivery);
                    return;
                };
                let delay = match retry_after {
                    Some(asked) => asked.min(webhooks.config.max_retry_after).max(*scheduled),
                    None => jittered(*scheduled),
                };
                tracing::debug!(
                    "webhooks: {} to {} failed ({reason}); retrying in {} ms",
                    delivery.id,
                    subscription.url,
                    delay.as_millis()
                );
                delivery.next_attempt_at = now_millis() + delay.as_millis() as i64;
                if let Err(error) = webhooks.store.save_delivery(delivery.clone()) {
                    tracing::warn!("webhooks: retry of {} not saved: {error}", delivery.id);
                }
            }
        }
    }
}

/// One signed POST. The timestamp and signature are fresh for each attempt; the id is not, so
/// receivers can drop duplicates.
async fn attempt(
    webhooks: &Webhooks,
    url: &str,
    secret: &super::signing::Secret,
    delivery: &PendingDelivery,
) -> Outcome {
    let failed = |reason: String| Outcome::Failed {
        reason,
        retry_after: None,
    };
    let url = match Url::parse(url) {
        Ok(url) => url,
        Err(error) => return failed(format!("invalid URL: {error}")),
    };
    if let Err(reason) = guard::check_url(&url, webhooks.config.allow_private_addresses) {
        return failed(reason);
    }
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64);
    let Some(client) = &webhooks.client else {
        return failed("the webhook HTTP client could not be built (see the server's log)".to_string());
    };
    let request = Request::post(url.as_str())
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, USER_AGENT)
        .header(HEADER_ID, &delivery.id)
        .header(HEADER_TIMESTAMP, timestamp.to_string())
        .header(HEADER_SIGNATURE, secret.sign(&delivery.id, timestamp, &delivery.body))
        .body(Full::new(Bytes::from(delivery.body.clone())));
    let request = match request {
        Ok(request) => request,
        Err(error) => return failed(format!("cannot build the request: {error}")),
    };
    let _permit = webhooks.in_flight.acquire().await;
    let response = match tokio::time::timeout(webhooks.config.attempt_timeout, client.request(request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => return failed(describe(&error)),
        Err(_) => {
            return failed(format!(
                "no answer within {} ms",
                webhooks.config.attempt_timeout.as_millis()
            ));
        }
    };
    let status = response.status();
    if status.is_success() {
        return Outcome::Delivered;
    }
    if status == StatusCode::GONE {
        return Outcome::Gone;
    }
    let retry_after = if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, SystemTime::now()))
    } else {
        None
    };
    Outcome::Failed {
        reason: format!("the receiver answered {status}"),
        retry_after,
    }
}

/// The error with its causes: the client's own message alone hides whether DNS, the guard, the
/// connection or the certificate failed.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `Retry-After` (RFC 9110): a number of seconds, or an HTTP date.
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Between 80% and 120% of `delay`, so deliveries that failed together (a receiver down) do not
/// all come back at the same instant.
fn jittered(delay: Duration) -> Duration {
    let random = getrandom::u32().unwrap_or(u32::MAX / 2);
    let factor = 0.8 + 0.4 * (f64::from(random) / f64::from(u32::MAX));
    delay.mul_f64(factor)
}

pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        // RFC 9110's own example date, 100 seconds after `now`.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:29:40 GMT", now),
            Some(Duration::from_secs(100))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn jitter_stays_within_a_fifth_of_the_delay() {
        for _ in 0..100 {
            let delay = jittered(Duration::from_secs(10));
            assert!(
                delay >= Duration::from_secs(8) && delay <= Duration::from_secs(12),
                "{delay:?}"
            );
        }
    }

    #[test]
    fn the_envelope_wraps_the_payload_with_its_type() {
        let body: Value = serde_json::from_slice(&envelope("PetStore.pet_sold", br#"{"id":"7"}"#)).unwrap();
        assert_eq!(body["type"], "PetStore.pet_sold");
        assert_eq!(body["data"], json!({ "id": "7" }));
        assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    }
}
