//! Webhooks end to end: a real axum receiver on 127.0.0.1 subscribes over HTTP, a pet is sold
//! through the REST API, and the receiver checks what arrives with the public verifier; the
//! receiver's scripted answers exercise retries, 410 Gone, `Retry-After`, redirects, and the
//! SSRF guard refusing loopback when private addresses are not allowed. An HTTPS receiver, with a
//! certificate from a test CA, checks that deliveries go over TLS only to a certificate the
//! server trusts and that names the host.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use omniface::webhooks::{
    MemoryStore, PendingDelivery, Secret, Verifier, VerifyError, WebhookStore, WebhookSubscription,
};
use petstore_server::{PetStoreServer, Store, demo_authenticator};
use serde_json::{Value, json};

const USER: &str = "Bearer user-token";

/// What the receiver got, and what it answers next.
#[derive(Default)]
struct Receiver {
    /// Answers for `/hook`, in order; 200 once they run out.
    script: Mutex<VecDeque<Response>>,
    received: Mutex<Vec<Delivery>>,
    /// Requests that reached `/elsewhere`, where the redirecting answer points.
    redirected: Mutex<usize>,
}

#[derive(Clone, Debug)]
struct Delivery {
    headers: HeaderMap,
    body: axum::body::Bytes,
    at: Instant,
}

impl Receiver {
    fn deliveries(&self) -> Vec<Delivery> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `count` deliveries arrived (or fails the test after 10 s).
    async fn wait_for(&self, count: usize) -> Vec<Delivery> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let deliveries = self.deliveries();
            if deliveries.len() >= count {
                return deliveries;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {count} deliveries arrived",
                deliveries.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Starts a receiver answering `script` on `/hook`; returns it and its base URL.
async fn receiver(script: Vec<Response>) -> (Arc<Receiver>, String) {
    let state = Arc::new(Receiver {
        script: Mutex::new(script.into()),
        ..Receiver::default()
    });
    let app = receiver_app(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (state, format!("http://{address}"))
}

fn receiver_app(state: Arc<Receiver>) -> axum::Router {
    axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                |State(state): State<Arc<Receiver>>, headers: HeaderMap, body: axum::body::Bytes| async move {
                    state.received.lock().unwrap().push(Delivery {
                        headers,
                        body,
                        at: Instant::now(),
                    });
                    let next = state.script.lock().unwrap().pop_front();
                    next.unwrap_or_else(|| StatusCode::OK.into_response())
                },
            ),
        )
        .route(
            "/elsewhere",
            axum::routing::post(|State(state): State<Arc<Receiver>>| async move {
                *state.redirected.lock().unwrap() += 1;
                StatusCode::OK
            }),
        )
        .with_state(state)
}

/// A certificate authority made for one test, and a server certificate it signed for
/// `localhost` only (no IP address), the way a receiver behind a private CA is set up.
struct TestCa {
    ca_pem: String,
    server: Arc<tokio_rustls::rustls::ServerConfig>,
}

fn test_ca() -> TestCa {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "omniface webhooks test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let server = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![server_cert.der().clone(), ca.der().clone()],
            tokio_rustls::rustls::pki_types::PrivatePkcs8KeyDer::from(server_key.serialize_der()).into(),
        )
        .unwrap();
    TestCa {
        ca_pem: ca.pem(),
        server: Arc::new(server),
    }
}

/// axum's listener for the HTTPS receiver: TCP, then the TLS handshake, whose failures (a client
/// that refused the certificate) are counted and skipped.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    failed_handshakes: Arc<Mutex<usize>>,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, address)) = self.tcp.accept().await else {
                continue;
            };
            match self.acceptor.accept(tcp).await {
                Ok(tls) => return (tls, address),
                Err(_) => *self.failed_handshakes.lock().unwrap() += 1,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// Starts an HTTPS receiver (answering 200) with `ca`'s certificate for `localhost`; returns
/// it, its port, and the count of TLS handshakes that failed.
async fn tls_receiver(ca: &TestCa) -> (Arc<Receiver>, u16, Arc<Mutex<usize>>) {
    let state = Arc::new(Receiver::default());
    let failed_handshakes = Arc::new(Mutex::new(0));
    let listener = TlsListener {
        tcp: tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        acceptor: tokio_rustls::TlsAcceptor::from(ca.server.clone()),
        failed_handshakes: failed_handshakes.clone(),
    };
    let port = listener.tcp.local_addr().unwrap().port();
    let app = receiver_app(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (state, port, failed_handshakes)
}

/// A pet store with webhooks retried quickly; `allow_private` lets it post to 127.0.0.1.
async fn start(allow_private: bool) -> String {
    start_with(allow_private, Arc::new(MemoryStore::new())).await
}

async fn start_with(allow_private: bool, webhook_store: Arc<dyn WebhookStore>) -> String {
    start_configured(quick_webhooks(allow_private).store(webhook_store)).await
}

/// Webhooks retried quickly; `allow_private` lets them post to 127.0.0.1.
fn quick_webhooks(allow_private: bool) -> omniface::WebhooksConfig {
    omniface::WebhooksConfig::new()
        .retry_schedule([0, 20, 20, 20].map(Duration::from_millis))
        .attempt_timeout(Duration::from_secs(5))
        .allow_private_addresses(allow_private)
}

async fn start_configured(webhooks: omniface::WebhooksConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (store, events) = Store::new();
    let server = omniface::Server::new()
        .authenticator(demo_authenticator())
        .webhooks(webhooks)
        .service(PetStoreServer::with_events(store, events));
    tokio::spawn(server.serve_on(listener));
    format!("http://{address}")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn subscribe(base: &str, body: Value) -> (u16, Value) {
    let response = client()
        .post(format!("{base}/pet-store/webhooks"))
        .header("authorization", USER)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn list(base: &str) -> Value {
    client()
        .get(format!("{base}/pet-store/webhooks"))
        .header("authorization", USER)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Creates a pet and sells it, which publishes `pet_sold`; returns the pet's id.
async fn sell_pet(base: &str, name: &str) -> String {
    let http = client();
    let mut pet = json!({ "name": name, "species": "SPECIES_DOG", "price": { "currencyCode": "EUR", "units": "120" } });
    let key = name
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let created: Value = http
        .post(format!("{base}/pets"))
        .header("authorization", USER)
        .header(
            "idempotency-key",
            format!("00000000-0000-4000-8000-{:012x}", key & 0xffff_ffff_ffff),
        )
        .json(&pet)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_string();
    pet["status"] = json!("PET_STATUS_SOLD");
    let sold = http
        .put(format!("{base}/pets/{id}"))
        .header("authorization", USER)
        .json(&pet)
        .send()
        .await
        .unwrap();
    assert_eq!(sold.status(), 200);
    id
}

fn header<'a>(delivery: &'a Delivery, name: &str) -> &'a str {
    delivery.headers.get(name).unwrap().to_str().unwrap()
}

#[tokio::test]
async fn a_subscriber_gets_signed_events_retried_after_server_errors() {
    let (receiver, receiver_base) = receiver(vec![
        StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    ])
    .await;
    let base = start(true).await;

    // The service's bearer requirement covers the subscription endpoints.
    let anonymous = client()
        .post(format!("{base}/pet-store/webhooks"))
        .json(&json!({ "url": format!("{receiver_base}/hook") }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let (status, created) = subscribe(
        &base,
        json!({ "url": format!("{receiver_base}/hook"), "events": ["pet_sold"], "description": "sales" }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(created["events"], json!(["pet_sold"]));
    let listed = list(&base).await;
    assert_eq!(listed["webhooks"][0]["id"], created["id"]);
    assert!(
        listed["webhooks"][0].get("secret").is_none(),
        "the list never shows secrets"
    );

    let pet_id = sell_pet(&base, "Rex").await;
    let deliveries = receiver.wait_for(3).await;
    let verifier = Verifier::new(secret).unwrap();
    for delivery in &deliveries {
        assert_eq!(verifier.verify(&delivery.headers, &delivery.body), Ok(()));
        assert_eq!(header(delivery, "content-type"), "application/json");
        assert_eq!(
            header(delivery, "webhook-id"),
            header(&deliveries[0], "webhook-id"),
            "one id across retries"
        );
    }
    let body: Value = serde_json::from_slice(&deliveries[2].body).unwrap();
    assert_eq!(body["type"], "PetStore.pet_sold");
    assert_eq!(body["data"]["id"], pet_id.as_str());
    assert_eq!(body["data"]["price"]["currencyCode"], "EUR");

    let mut tampered = deliveries[2].body.to_vec();
    let position = tampered.iter().position(|&b| b == b'E').unwrap();
    tampered[position] = b'U';
    assert_eq!(
        verifier.verify(&deliveries[2].headers, &tampered),
        Err(VerifyError::NoMatchingSignature)
    );
    let wrong_secret = Verifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    assert_eq!(
        wrong_secret.verify(&deliveries[2].headers, &deliveries[2].body),
        Err(VerifyError::NoMatchingSignature)
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.deliveries().len(), 3, "no attempt after the 2xx");
}

#[tokio::test]
async fn subscriptions_are_validated_listed_and_deleted() {
    let base = start(true).await;
    for (body, field) in [
        (json!({ "url": "/relative" }), "url"),
        (json!({ "url": "ftp://example.com/" }), "url"),
        (
            json!({ "url": "http://example.com/", "events": ["pet_born"] }),
            "events[0]",
        ),
    ] {
        let response = client()
            .post(format!("{base}/pet-store/webhooks"))
            .header("authorization", USER)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["violations"][0]["field"], field, "{problem}");
    }
    let (status, created) = subscribe(&base, json!({ "url": "http://example.com/hook" })).await;
    assert_eq!(status, 201);
    assert_eq!(created["events"], json!([]), "no list means every event");
    // Another principal neither sees nor deletes it.
    let admin_list: Value = client()
        .get(format!("{base}/pet-store/webhooks"))
        .header("authorization", "Bearer admin-token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(admin_list["webhooks"], json!([]));
    let id = created["id"].as_str().unwrap();
    let delete = |auth: &'static str| {
        client()
            .delete(format!("{base}/pet-store/webhooks/{id}"))
            .header("authorization", auth)
            .send()
    };
    assert_eq!(delete("Bearer admin-token").await.unwrap().status(), 404);
    assert_eq!(delete(USER).await.unwrap().status(), 204);
    assert_eq!(delete(USER).await.unwrap().status(), 404);
    assert_eq!(list(&base).await["webhooks"], json!([]));
}

#[tokio::test]
async fn gone_disables_the_subscription() {
    let (receiver, receiver_base) = receiver(vec![StatusCode::GONE.into_response()]).await;
    let base = start(true).await;
    let (status, _) = subscribe(&base, json!({ "url": format!("{receiver_base}/hook") })).await;
    assert_eq!(status, 201);
    sell_pet(&base, "Rex").await;
    receiver.wait_for(1).await;
    sell_pet(&base, "Tom").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.deliveries().len(), 1, "nothing is sent after 410 Gone");
    assert_eq!(list(&base).await["webhooks"][0]["enabled"], false);
}

#[tokio::test]
async fn retry_after_is_honoured_on_429_and_503() {
    let (receiver, receiver_base) = receiver(vec![
        (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "1")]).into_response(),
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", httpdate_in(Duration::from_secs(4)).as_str())],
        )
            .into_response(),
    ])
    .await;
    let base = start(true).await;
    subscribe(&base, json!({ "url": format!("{receiver_base}/hook") })).await;
    sell_pet(&base, "Rex").await;
    let deliveries = receiver.wait_for(3).await;
    let first_wait = deliveries[1].at - deliveries[0].at;
    assert!(
        first_wait >= Duration::from_millis(950),
        "Retry-After: 1 waited only {first_wait:?}"
    );
    // The date is four whole seconds from when the script was written, so after the first
    // retry (about a second later) it is still at least a second away.
    let second_wait = deliveries[2].at - deliveries[1].at;
    assert!(
        second_wait >= Duration::from_millis(950),
        "Retry-After (date) waited only {second_wait:?}"
    );
}

fn httpdate_in(delay: Duration) -> String {
    let when = std::time::SystemTime::now() + delay;
    let seconds = when.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    // RFC 9110 IMF-fixdate, written by hand to keep the test free of a date crate.
    let days = seconds / 86_400;
    let (hour, minute, second) = (seconds % 86_400 / 3600, seconds % 3600 / 60, seconds % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let month_name = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!("{weekday}, {day:02} {month_name} {year} {hour:02}:{minute:02}:{second:02} GMT")
}

#[tokio::test]
async fn redirects_are_failures_and_never_followed() {
    let (receiver, receiver_base) = receiver(vec![
        (StatusCode::FOUND, [("location", "/elsewhere")]).into_response(),
        (StatusCode::TEMPORARY_REDIRECT, [("location", "/elsewhere")]).into_response(),
    ])
    .await;
    let base = start(true).await;
    subscribe(&base, json!({ "url": format!("{receiver_base}/hook") })).await;
    sell_pet(&base, "Rex").await;
    receiver.wait_for(3).await;
    assert_eq!(*receiver.redirected.lock().unwrap(), 0);
}

#[tokio::test]
async fn loopback_subscribers_are_refused_unless_private_addresses_are_allowed() {
    let (receiver, receiver_base) = receiver(Vec::new()).await;
    let base = start(false).await;
    let (status, problem) = subscribe(&base, json!({ "url": format!("{receiver_base}/hook") })).await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("not a public address"),
        "{problem}"
    );
    // A host name is resolved at delivery time, and its loopback address is refused there.
    let port = receiver_base.rsplit(':').next().unwrap();
    let (status, _) = subscribe(&base, json!({ "url": format!("http://localhost:{port}/hook") })).await;
    assert_eq!(status, 201);
    let (status, _) = subscribe(
        &base,
        json!({ "url": format!("http://[::ffff:127.0.0.1]:{port}/hook") }),
    )
    .await;
    assert_eq!(status, 400, "IPv4-mapped IPv6 loopback is loopback");
    sell_pet(&base, "Rex").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        receiver.deliveries().is_empty(),
        "nothing may reach a loopback receiver"
    );
}

/// A subscription of `user` to every event, as a store holds it, posting to `receiver_base`.
fn saved_subscription(id: &str, receiver_base: &str, secret: &Secret) -> WebhookSubscription {
    WebhookSubscription {
        id: id.to_string(),
        service: "PetStore".to_string(),
        url: format!("{receiver_base}/hook"),
        events: Vec::new(),
        description: None,
        secret: secret.clone(),
        enabled: true,
        owner: Some("user".to_string()),
        created_at: 0,
    }
}

#[tokio::test]
async fn deliveries_pending_in_the_store_resume_when_the_server_starts() {
    let (receiver, receiver_base) = receiver(Vec::new()).await;
    // What a persistent store would hold after a restart: a subscription and a delivery that
    // had failed once.
    let store = Arc::new(MemoryStore::new());
    let secret = Secret::generate().unwrap();
    store
        .insert_subscription(saved_subscription("wh_saved", &receiver_base, &secret))
        .unwrap();
    let body = br#"{"type":"PetStore.pet_sold","timestamp":"2026-11-28T00:00:00Z","data":{}}"#;
    store.save_unclaimed_delivery(PendingDelivery {
        id: "msg_saved".to_string(),
        subscription: "wh_saved".to_string(),
        body: body.to_vec(),
        attempts: 1,
        next_attempt_at: 0,
    });
    let base = start_with(true, store.clone()).await;
    let deliveries = receiver.wait_for(1).await;
    assert_eq!(header(&deliveries[0], "webhook-id"), "msg_saved");
    assert_eq!(&deliveries[0].body[..], body);
    let verifier = Verifier::new(&secret.to_string()).unwrap();
    assert_eq!(verifier.verify(&deliveries[0].headers, &deliveries[0].body), Ok(()));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !store.pending_deliveries().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "a delivered message stays pending");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(list(&base).await["webhooks"][0]["id"], "wh_saved", "its owner lists it");
}

#[tokio::test]
async fn a_sqlite_store_keeps_what_the_endpoints_wrote_for_the_next_process() {
    let path = std::env::temp_dir().join(format!("petstore-webhooks-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let base = start_with(false, Arc::new(omniface::webhooks::SqliteStore::open(&path).unwrap())).await;
    let (status, created) = subscribe(
        &base,
        json!({ "url": "http://hooks.example.com/pets", "events": ["pet_sold"] }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    // What the next process would read at start-up.
    let reopened = omniface::webhooks::SqliteStore::open(&path).unwrap();
    let kept = reopened.subscriptions("PetStore").unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].id, created["id"].as_str().unwrap());
    assert_eq!(kept[0].secret.to_string(), created["secret"].as_str().unwrap());
    assert_eq!(kept[0].events, ["pet_sold"]);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn https_subscribers_get_deliveries_over_tls_when_their_certificate_verifies() {
    let ca = test_ca();
    let (receiver, port, failed_handshakes) = tls_receiver(&ca).await;
    let webhooks = quick_webhooks(true)
        .trust_root_certificates_pem(ca.ca_pem.as_bytes())
        .unwrap();
    let base = start_configured(webhooks).await;
    let (status, created) = subscribe(
        &base,
        json!({ "url": format!("https://localhost:{port}/hook"), "events": ["pet_sold"] }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let pet_id = sell_pet(&base, "Tls").await;
    let deliveries = receiver.wait_for(1).await;
    let verifier = Verifier::new(created["secret"].as_str().unwrap()).unwrap();
    assert_eq!(verifier.verify(&deliveries[0].headers, &deliveries[0].body), Ok(()));
    let body: Value = serde_json::from_slice(&deliveries[0].body).unwrap();
    assert_eq!(body["data"]["id"], pet_id.as_str());
    assert_eq!(*failed_handshakes.lock().unwrap(), 0);
}

#[tokio::test]
async fn https_deliveries_need_a_trusted_certificate_for_the_host() {
    let ca = test_ca();
    // Without the test CA, the receiver's certificate has no trusted issuer.
    let (untrusted, port, untrusted_handshakes) = tls_receiver(&ca).await;
    let base = start_configured(quick_webhooks(true)).await;
    subscribe(&base, json!({ "url": format!("https://localhost:{port}/hook") })).await;
    // With it, but called by IP address: the certificate names only `localhost`.
    let (mismatched, other_port, mismatched_handshakes) = tls_receiver(&ca).await;
    let trusting = start_configured(
        quick_webhooks(true)
            .trust_root_certificates_pem(ca.ca_pem.as_bytes())
            .unwrap(),
    )
    .await;
    subscribe(
        &trusting,
        json!({ "url": format!("https://127.0.0.1:{other_port}/hook") }),
    )
    .await;
    sell_pet(&base, "Eve").await;
    sell_pet(&trusting, "Mallory").await;
    // Every scheduled attempt reaches the handshake and is refused there.
    let deadline = Instant::now() + Duration::from_secs(10);
    while *untrusted_handshakes.lock().unwrap() < 4 || *mismatched_handshakes.lock().unwrap() < 4 {
        assert!(
            Instant::now() < deadline,
            "the deliveries did not try their four attempts"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(untrusted.deliveries().is_empty(), "posted to an untrusted certificate");
    assert!(
        mismatched.deliveries().is_empty(),
        "posted to a certificate for another host"
    );
}

#[test]
fn trusted_certificates_must_be_pem() {
    let config = omniface::WebhooksConfig::new();
    let error = config
        .clone()
        .trust_root_certificates_pem(b"not a certificate")
        .unwrap_err();
    assert!(error.contains("BEGIN CERTIFICATE"), "{error}");
    let two = format!("{}{}", test_ca().ca_pem, test_ca().ca_pem);
    let config = config.trust_root_certificates_pem(two.as_bytes()).unwrap();
    assert_eq!(config.extra_root_certificates.len(), 2);
}

#[tokio::test]
async fn servers_sharing_a_sqlite_store_take_over_a_stopped_servers_delivery_once() {
    let (receiver, receiver_base) = receiver(Vec::new()).await;
    let path = std::env::temp_dir().join(format!("petstore-shared-webhooks-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&path);
    // What a server that stopped left behind: a subscription, and a delivery it held whose
    // lease has ended (claimed with a lease that ended at once).
    let stopped = omniface::webhooks::SqliteStore::open(&path).unwrap();
    let secret = Secret::generate().unwrap();
    stopped
        .insert_subscription(saved_subscription("wh_shared", &receiver_base, &secret))
        .unwrap();
    stopped
        .save_delivery(PendingDelivery {
            id: "msg_orphan".to_string(),
            subscription: "wh_shared".to_string(),
            body: br#"{"type":"PetStore.pet_sold","timestamp":"2026-11-28T00:00:00Z","data":{}}"#.to_vec(),
            attempts: 1,
            next_attempt_at: 0,
        })
        .unwrap();
    assert_eq!(stopped.claim_deliveries(i64::MAX, 0).unwrap().len(), 1);
    drop(stopped);
    // Two servers on the same file, as two processes would be.
    for _ in 0..2 {
        let store = omniface::webhooks::SqliteStore::open(&path).unwrap();
        start_with(true, Arc::new(store)).await;
    }
    let deliveries = receiver.wait_for(1).await;
    assert_eq!(header(&deliveries[0], "webhook-id"), "msg_orphan");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        receiver.deliveries().len(),
        1,
        "one of the two servers took it over, not both"
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
