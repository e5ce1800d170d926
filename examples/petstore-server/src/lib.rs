//! The pet store of `examples/petstore.idl`, implemented once with an in-memory catalogue. The
//! binary serves it on every protocol; the integration tests start it on an ephemeral port.

omniface::include_service!("acme.pets.v1");

// The implementation, shared with `examples/petstore-macro` (the same pet store written with the
// macros), which compiles it against the types and trait its macros generate.
mod store;

pub use store::{Store, demo_authenticator};
