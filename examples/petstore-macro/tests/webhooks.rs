//! The pet store's webhook tests (`examples/petstore-server/tests/webhooks.rs`), unchanged, run
//! against the server built with the macros.

extern crate petstore_macro as petstore_server;

#[path = "../../petstore-server/tests/webhooks.rs"]
mod webhooks;
