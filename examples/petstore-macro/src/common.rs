//! Types shared by every Acme API: money, geographic points and the common errors.
//!
//! Import this file with `import "common.idl";` and refer to its types by name (`Money`) or
//! fully qualified (`acme.common.v1.Money`).

omniface::package!("acme.common.v1");

use omniface::Duration;

/// An amount of money in one currency, with the same shape as `google.type.Money`.
///
/// `units` holds the whole units and `nanos` the fraction in billionths of a unit; both carry the
/// same sign. For example, -1.75 EUR is `{ currency_code: "EUR", units: -1, nanos: -750000000 }`.
#[derive(Clone, Debug, PartialEq, Default, omniface::Model)]
pub struct Money {
    /// The three-letter ISO 4217 currency code, such as `EUR` or `USD`.
    #[omniface(pattern("^[A-Z]{3}$"))]
    pub currency_code: String,
    /// The whole units of the amount.
    pub units: i64,
    /// Billionths of a unit, with the same sign as `units` (or any sign when `units` is 0).
    #[omniface(range(-999999999..=999999999), default = 0)]
    pub nanos: i32,
}

/// A point on the Earth's surface, in WGS 84 coordinates.
#[derive(Clone, Debug, PartialEq, Default, omniface::Model)]
pub struct GeoPoint {
    /// Degrees north of the equator; negative in the southern hemisphere.
    #[omniface(range(-90.0..=90.0))]
    pub latitude: f64,
    /// Degrees east of the Greenwich meridian; negative in the western hemisphere.
    #[omniface(range(-180.0..=180.0))]
    pub longitude: f64,
    /// Metres above mean sea level, when known.
    pub altitude_m: Option<f64>,
}

/// The caller sent too many requests and must wait before trying again.
#[derive(Clone, Debug, PartialEq, Default, omniface::Model)]
#[omniface(error, http_status(429))]
pub struct RateLimited {
    /// How long the caller should wait before retrying.
    pub retry_after: Duration,
    /// The number of requests the caller may make per minute.
    pub limit_per_minute: u32,
}
