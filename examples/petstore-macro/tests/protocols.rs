//! The pet store's protocol tests (`examples/petstore-server/tests/protocols.rs`), unchanged, run
//! against the server built with the macros.

extern crate petstore_macro as petstore_server;

#[path = "../../petstore-server/tests/protocols.rs"]
mod protocols;
