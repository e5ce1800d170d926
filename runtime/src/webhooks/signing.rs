//! Standard Webhooks signatures: the `whsec_` secrets, signing what the sender posts, and the
//! [`Verifier`] a receiver uses to check it (constant-time, with a timestamp tolerance).
//!
//! The signed content is `"{webhook-id}.{webhook-timestamp}.{body}"`, the signature
//! `v1,<base64(HMAC-SHA256(key, content))>`, where the key is the base64 text after `whsec_`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header carrying the message id, the same across retries of one delivery.
pub const HEADER_ID: &str = "webhook-id";
/// The header carrying the Unix time (seconds) the attempt was signed at.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// The header carrying space-separated `v1,<base64>` signatures.
pub const HEADER_SIGNATURE: &str = "webhook-signature";

const SECRET_PREFIX: &str = "whsec_";
/// How many random bytes a generated secret holds (the spec asks for 24 to 64).
const SECRET_BYTES: usize = 32;

/// A signing secret: the raw key, shown to users as `whsec_<base64>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    key: Vec<u8>,
}

impl Secret {
    /// A fresh secret from the operating system's random source.
    pub fn generate() -> Result<Secret, String> {
        let mut key = vec![0u8; SECRET_BYTES];
        getrandom::fill(&mut key).map_err(|error| format!("no random source for a webhook secret: {error}"))?;
        Ok(Secret { key })
    }

    /// Reads `whsec_<base64>`; like the reference libraries, the prefix may be left out.
    pub fn parse(text: &str) -> Result<Secret, VerifyError> {
        let encoded = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
        let key = STANDARD.decode(encoded).map_err(|_| VerifyError::InvalidSecret)?;
        if key.is_empty() {
            return Err(VerifyError::InvalidSecret);
        }
        Ok(Secret { key })
    }

    /// Signs one message: the value of `webhook-signature` (one `v1,` signature).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{SECRET_PREFIX}{}", STANDARD.encode(&self.key))
    }
}

/// Never prints the key, so a secret in a logged struct does not leak.
impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Secret(whsec_…)")
    }
}

/// Why a received webhook was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The secret is not `whsec_<base64>`.
    InvalidSecret,
    /// A required header (`webhook-id`, `webhook-timestamp` or `webhook-signature`) is absent.
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not a whole number of seconds.
    InvalidTimestamp,
    /// The timestamp is further in the past than the tolerance allows (a replay, or a clock off).
    TooOld,
    /// The timestamp is further in the future than the tolerance allows.
    TooNew,
    /// No `v1` signature in the header matches the body.
    NoMatchingSignature,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            VerifyError::InvalidSecret => f.write_str("the webhook secret is not `whsec_<base64>`"),
            VerifyError::MissingHeader(name) => write!(f, "the `{name}` header is missing"),
            VerifyError::InvalidTimestamp => f.write_str("`webhook-timestamp` is not a Unix time in seconds"),
            VerifyError::TooOld => f.write_str("the webhook timestamp is too old"),
            VerifyError::TooNew => f.write_str("the webhook timestamp is too far in the future"),
            VerifyError::NoMatchingSignature => f.write_str("no webhook signature matches the body"),
        }
    }
}

impl std::error::Error for VerifyError {}

/// Checks webhooks received from an omniface server (or any Standard Webhooks sender).
///
/// ```
/// let verifier = omniface::webhooks::Verifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
/// let checked = verifier.verify_at(
///     "msg_p5jXN8AQM9LWM0D4loKWxJek",
///     "1614265330",
///     "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
///     br#"{"test": 2432232314}"#,
///     1614265330,
/// );
/// assert!(checked.is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct Verifier {
    secret: Secret,
    tolerance: Duration,
}

impl Verifier {
    /// The default tolerance between the sender's timestamp and the receiver's clock.
    pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

    pub fn new(secret: &str) -> Result<Verifier, VerifyError> {
        Ok(Verifier {
            secret: Secret::parse(secret)?,
            tolerance: Verifier::DEFAULT_TOLERANCE,
        })
    }

    /// How far the timestamp may be from now, in either direction.
    pub fn tolerance(mut self, tolerance: Duration) -> Verifier {
        self.tolerance = tolerance;
        self
    }

    /// Verifies a request by its headers (names in any case) and its raw body, against the
    /// current time.
    pub fn verify(&self, headers: &axum::http::HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
        let header = |name: &'static str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .ok_or(VerifyError::MissingHeader(name))
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs() as i64);
        self.verify_at(
            header(HEADER_ID)?,
            header(HEADER_TIMESTAMP)?,
            header(HEADER_SIGNATURE)?,
            body,
            now,
        )
    }

    /// Verifies the three header values and the body as if the time were `now` (Unix seconds).
    pub fn verify_at(
        &self,
        id: &str,
        timestamp: &str,
        signatures: &str,
        body: &[u8],
        now: i64,
    ) -> Result<(), VerifyError> {
        let sent_at: i64 = timestamp.trim().parse().map_err(|_| VerifyError::InvalidTimestamp)?;
        let tolerance = i64::try_from(self.tolerance.as_secs()).unwrap_or(i64::MAX);
        if sent_at < now.saturating_sub(tolerance) {
            return Err(VerifyError::TooOld);
        }
        if sent_at > now.saturating_add(tolerance) {
            return Err(VerifyError::TooNew);
        }
        for signature in signatures.split(' ') {
            // Other versions (v1a: asymmetric) are skipped, not errors: a sender may send several.
            let Some(encoded) = signature.strip_prefix("v1,") else {
                continue;
            };
            let Ok(tag) = STANDARD.decode(encoded) else {
                continue;
            };
            // `verify_slice` compares in constant time.
            if self.secret.mac(id, sent_at, body).verify_slice(&tag).is_ok() {
                return Ok(());
            }
        }
        Err(VerifyError::NoMatchingSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The test vector of the Standard Webhooks reference libraries (standard-webhooks/
    // standard-webhooks, libraries/*/ tests): computed by them, not by this code.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signing_reproduces_the_published_test_vector() {
        let secret = Secret::parse(SECRET).unwrap();
        assert_eq!(secret.sign(ID, TIMESTAMP, BODY), SIGNATURE);
        assert_eq!(secret.to_string(), SECRET);
    }

    #[test]
    fn the_verifier_accepts_the_test_vector_among_other_signatures() {
        let verifier = Verifier::new(SECRET).unwrap();
        let header = format!("v1,bm9wZQ== v1a,ignored {SIGNATURE}");
        assert_eq!(verifier.verify_at(ID, "1614265330", &header, BODY, TIMESTAMP), Ok(()));
        // Without the prefix, as the reference libraries allow.
        let bare = Verifier::new(SECRET.trim_start_matches("whsec_")).unwrap();
        assert_eq!(bare.verify_at(ID, "1614265330", SIGNATURE, BODY, TIMESTAMP), Ok(()));
    }

    #[test]
    fn the_verifier_rejects_tampering_and_stale_or_future_timestamps() {
        let verifier = Verifier::new(SECRET).unwrap();
        let tampered = br#"{"test": 2432232315}"#;
        assert_eq!(
            verifier.verify_at(ID, "1614265330", SIGNATURE, tampered, TIMESTAMP),
            Err(VerifyError::NoMatchingSignature)
        );
        assert_eq!(
            verifier.verify_at("msg_other", "1614265330", SIGNATURE, BODY, TIMESTAMP),
            Err(VerifyError::NoMatchingSignature)
        );
        assert_eq!(
            verifier.verify_at(ID, "1614265330", SIGNATURE, BODY, TIMESTAMP + 301),
            Err(VerifyError::TooOld)
        );
        assert_eq!(
            verifier.verify_at(ID, "1614265330", SIGNATURE, BODY, TIMESTAMP - 301),
            Err(VerifyError::TooNew)
        );
        assert_eq!(
            verifier.verify_at(ID, "1614265330", SIGNATURE, BODY, TIMESTAMP + 300),
            Ok(())
        );
        assert_eq!(
            verifier.verify_at(ID, "soon", SIGNATURE, BODY, TIMESTAMP),
            Err(VerifyError::InvalidTimestamp)
        );
        assert_eq!(Verifier::new("whsec_!!!").err(), Some(VerifyError::InvalidSecret));
        let headers = axum::http::HeaderMap::new();
        assert_eq!(
            verifier.verify(&headers, BODY),
            Err(VerifyError::MissingHeader(HEADER_ID))
        );
    }

    #[test]
    fn generated_secrets_are_random_and_round_trip() {
        let first = Secret::generate().unwrap();
        let second = Secret::generate().unwrap();
        assert_ne!(first, second);
        assert_eq!(Secret::parse(&first.to_string()).unwrap(), first);
        assert!(first.to_string().starts_with("whsec_"));
    }
}
