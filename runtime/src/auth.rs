//! Authentication: credentials gathered the same way from every protocol, one hook the user
//! implements ([`Authenticator`]), and the check of the IDL's `#[auth]` requirements (scheme and
//! scopes) done once in [`authorize`] for every call.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use base64::Engine as _;
use omniface_model::{ApiKeyLocation, Auth, AuthScheme};

use crate::error::Error;

/// The credentials a request carried, whatever the protocol.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    /// `Authorization: Bearer <token>` (or the `authorization` member of a WebSocket or GraphQL
    /// `connection_init` payload).
    pub bearer: Option<String>,
    /// `Authorization: Basic …`, decoded.
    pub basic: Option<(String, String)>,
    /// API-key candidates that did not come as request headers: query parameters
    /// (`query:<name>`) and members of a WebSocket `connection_init` payload (`header:<name>`).
    /// Request headers themselves are looked up only when a scheme needs one (see [`authorize`]).
    pub api_keys: BTreeMap<String, String>,
}

impl Credentials {
    /// Reads `Authorization`. API-key headers are not copied: [`authorize`] looks them up in the
    /// request's headers only when a scheme asks for one, so a call without API-key auth pays
    /// nothing for the headers it carries.
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Credentials {
        let mut credentials = Credentials::default();
        if let Some(value) = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            credentials.set_authorization(value);
        }
        credentials
    }

    /// Adds query parameters as API key candidates.
    pub fn add_query(&mut self, query: &str) {
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            self.api_keys
                .entry(format!("query:{name}"))
                .or_insert_with(|| value.into_owned());
        }
    }

    /// Parses an `Authorization` value: `Bearer <token>` or `Basic <base64>`.
    pub fn set_authorization(&mut self, value: &str) {
        let value = value.trim();
        if let Some((scheme, rest)) = value.split_once(' ') {
            let rest = rest.trim();
            if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
                self.bearer = Some(rest.to_string());
            } else if scheme.eq_ignore_ascii_case("basic")
                && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(rest)
                && let Ok(text) = String::from_utf8(decoded)
                && let Some((user, password)) = text.split_once(':')
            {
                self.basic = Some((user.to_string(), password.to_string()));
            }
        }
    }

    fn api_key<'a>(
        &'a self,
        headers: &'a axum::http::HeaderMap,
        location: ApiKeyLocation,
        name: &str,
    ) -> Option<&'a str> {
        match location {
            ApiKeyLocation::Header => headers.get(name).and_then(|value| value.to_str().ok()).or_else(|| {
                self.api_keys
                    .get(&format!("header:{}", name.to_ascii_lowercase()))
                    .map(String::as_str)
            }),
            ApiKeyLocation::Query => self.api_keys.get(&format!("query:{name}")).map(String::as_str),
        }
    }
}

/// One credential presented for one of the IDL's schemes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential<'a> {
    Bearer(&'a str),
    Basic { user: &'a str, password: &'a str },
    ApiKey { name: &'a str, key: &'a str },
}

/// Who is calling, as established by the [`Authenticator`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    /// Scopes granted; `#[auth(bearer, scopes = [...])]` requires all of its scopes.
    pub scopes: Vec<String>,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The one hook for authentication: turn a credential into a principal, or `None` to reject it.
/// It is called for every protocol; scopes are then checked by the runtime.
pub trait Authenticator: Send + Sync + 'static {
    fn authenticate<'a>(&'a self, credential: Credential<'a>) -> BoxFuture<'a, Option<Principal>>;
}

/// An [`Authenticator`] from a closure, for the common synchronous case.
pub fn authenticator_fn<F>(check: F) -> Arc<dyn Authenticator>
where
    F: Fn(Credential<'_>) -> Option<Principal> + Send + Sync + 'static,
{
    struct FnAuthenticator<F>(F);
    impl<F> Authenticator for FnAuthenticator<F>
    where
        F: Fn(Credential<'_>) -> Option<Principal> + Send + Sync + 'static,
    {
        fn authenticate<'a>(&'a self, credential: Credential<'a>) -> BoxFuture<'a, Option<Principal>> {
            let principal = (self.0)(credential);
            Box::pin(std::future::ready(principal))
        }
    }
    Arc::new(FnAuthenticator(check))
}

/// Checks a call against its requirement. `Ok(None)` when the method needs no authentication and
/// none was presented; a presented credential is still authenticated so that the implementation
/// sees who called.
pub async fn authorize(
    requirement: Option<&Auth>,
    credentials: &Credentials,
    headers: &axum::http::HeaderMap,
    authenticator: Option<&dyn Authenticator>,
) -> Result<Option<Principal>, Error> {
    let Some(requirement) = requirement.filter(|auth| !auth.is_none()) else {
        return Ok(None);
    };
    let presented: Vec<Credential> = requirement
        .schemes
        .iter()
        .filter_map(|scheme| match scheme {
            AuthScheme::Bearer => credentials.bearer.as_deref().map(Credential::Bearer),
            AuthScheme::Basic => credentials
                .basic
                .as_ref()
                .map(|(user, password)| Credential::Basic { user, password }),
            AuthScheme::ApiKey { location, name } => credentials
                .api_key(headers, *location, name)
                .map(|key| Credential::ApiKey { name, key }),
        })
        .collect();
    if presented.is_empty() {
        return Err(Error::unauthenticated(format!(
            "this call needs {}",
            describe_schemes(requirement)
        )));
    }
    let Some(authenticator) = authenticator else {
        return Err(Error::unauthenticated("the server has no authenticator configured"));
    };
    let mut principal = None;
    for credential in presented {
        if let Some(found) = authenticator.authenticate(credential).await {
            principal = Some(found);
            break;
        }
    }
    let principal = principal.ok_or_else(|| Error::unauthenticated("the credentials were not accepted"))?;
    let missing: Vec<&str> = requirement
        .scopes
        .iter()
        .filter(|scope| !principal.scopes.contains(scope))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(Error::permission_denied(format!(
            "this call needs the scope {}",
            missing.join(", ")
        )));
    }
    Ok(Some(principal))
}

fn describe_schemes(auth: &Auth) -> String {
    let schemes: Vec<String> = auth
        .schemes
        .iter()
        .map(|scheme| match scheme {
            AuthScheme::Bearer => "`Authorization: Bearer <token>`".to_string(),
            AuthScheme::Basic => "`Authorization: Basic <credentials>`".to_string(),
            AuthScheme::ApiKey {
                location: ApiKeyLocation::Header,
                name,
            } => format!("the `{name}` header"),
            AuthScheme::ApiKey {
                location: ApiKeyLocation::Query,
                name,
            } => format!("the `{name}` query parameter"),
        })
        .collect();
    schemes.join(" or ")
}

/// The `WWW-Authenticate` challenge for a 401 (RFC 9110).
pub fn challenge(auth: Option<&Auth>) -> String {
    let scheme = auth.and_then(|auth| auth.schemes.first());
    match scheme {
        Some(AuthScheme::Basic) => "Basic realm=\"omniface\"".to_string(),
        Some(AuthScheme::ApiKey { name, .. }) => format!("ApiKey name=\"{name}\""),
        _ => "Bearer".to_string(),
    }
}
