//! The pet store of `examples/petstore.idl`, written in Rust with the omniface macros instead:
//! `#[derive(omniface::Model)]` on the types and `#[omniface::service]` on the trait. Its spec
//! documents are identical to the IDL's, and it runs the pet store server's implementation and
//! tests unchanged.

pub mod pets;

pub mod common;

/// The packages the pet store refers to, at the paths the IDL-generated code uses.
pub mod deps {
    pub use crate::common as acme_common_v1;
}

pub use pets::*;

// The implementation of `examples/petstore-server`, unchanged: it names the types and the trait
// from the crate root, where `pub use pets::*` puts the ones written here.
#[path = "../../petstore-server/src/store.rs"]
mod store;

pub use store::{Store, demo_authenticator};
