//! `grpc-generated --listen ADDR`: the benchmark service of `xtask/handwritten/bench.idl` through
//! omniface: the code `build.rs` generates (`include_service!`), one implementation of the
//! `Bench` trait and `omniface::Server`, which serves gRPC (`/acme.bench.v1.BenchService/…`,
//! h2c) beside the other protocols on the one port. It answers exactly as `grpc-handwritten`
//! does; `cargo xtask bench` loads the two side by side.

use omniface::{Context, ServerStream, StreamExt, Timestamp};

#[path = "../grpc_common.rs"]
mod common;

omniface::include_service!("acme.bench.v1");

fn pet(id: u64) -> Pet {
    Pet {
        id,
        name: common::NAME.to_string(),
        species: Species::Dog,
        tags: common::TAGS.iter().map(|t| t.to_string()).collect(),
        created_at: Timestamp::from_unix_seconds(common::CREATED_AT_SECONDS),
    }
}

struct Impl;

impl Bench for Impl {
    async fn get_pet(&self, _ctx: &Context, id: u64) -> Result<Pet, omniface::Error> {
        Ok(pet(id))
    }

    async fn stream_pets(&self, _ctx: &Context, count: u32) -> Result<ServerStream<Pet>, omniface::Error> {
        // `count` is within the IDL's range here: the runtime validated it.
        let pets = omniface::stream::iter(1..=u64::from(count)).map(|id| Ok(pet(id)));
        Ok(Box::pin(pets))
    }
}

#[tokio::main]
async fn main() {
    let listen = common::listen_address("grpc-generated");
    println!("omniface BenchService on http://{listen} (gRPC and every other protocol)");
    let server = omniface::Server::new().service(BenchServer::new(Impl));
    if let Err(error) = server.serve(listen.to_string().as_str()).await {
        eprintln!("error: cannot serve on {listen}: {error}");
        std::process::exit(1);
    }
}
