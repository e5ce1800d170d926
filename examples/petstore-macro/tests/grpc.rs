//! The pet store's gRPC tests (`examples/petstore-server/tests/grpc.rs`), unchanged, run against
//! the server built with the macros.

extern crate petstore_macro as petstore_server;

#[path = "../../petstore-server/tests/grpc.rs"]
mod grpc;
