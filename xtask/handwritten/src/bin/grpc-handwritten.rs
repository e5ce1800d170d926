//! `grpc-handwritten --listen ADDR`: the benchmark service of `xtask/handwritten/bench.idl`
//! written by hand with tonic, as one would without omniface: the prost messages and the tonic
//! server that tonic-prost-build generates from the `.proto` omniface writes (see `build.rs`), and
//! a plain `tonic::transport::Server`. `cargo xtask bench` loads it beside `grpc-generated`.
//!
//! - `GetPet`: the benchmark pet with the requested id;
//! - `StreamPets`: `count` pets (ids 1 to `count`), after checking `count` is within the IDL's
//!   `#[range(1..=1000000000)]` as the generated server does.

use std::pin::Pin;

use futures_util::{Stream, StreamExt};
use tonic::{Request, Response, Status};

#[path = "../grpc_common.rs"]
mod common;

mod pb {
    tonic::include_proto!("acme.bench.v1");
}

use pb::bench_service_server::{BenchService, BenchServiceServer};
use pb::{GetPetRequest, GetPetResponse, Pet, Species, StreamPetsRequest, StreamPetsResponse};

const COUNT_MAX: u32 = 1_000_000_000;

fn pet(id: u64) -> Pet {
    Pet {
        id,
        name: common::NAME.to_string(),
        species: Species::Dog as i32,
        tags: common::TAGS.iter().map(|t| t.to_string()).collect(),
        created_at: Some(prost_types::Timestamp {
            seconds: common::CREATED_AT_SECONDS,
            nanos: 0,
        }),
    }
}

struct Bench;

type PetStream = Pin<Box<dyn Stream<Item = Result<StreamPetsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl BenchService for Bench {
    async fn get_pet(&self, request: Request<GetPetRequest>) -> Result<Response<GetPetResponse>, Status> {
        let id = request.into_inner().id;
        Ok(Response::new(GetPetResponse { pet: Some(pet(id)) }))
    }

    type StreamPetsStream = PetStream;

    async fn stream_pets(&self, request: Request<StreamPetsRequest>) -> Result<Response<PetStream>, Status> {
        let count = request.into_inner().count;
        if !(1..=COUNT_MAX).contains(&count) {
            return Err(Status::invalid_argument(format!(
                "count: must be between 1 and {COUNT_MAX}"
            )));
        }
        let pets =
            futures_util::stream::iter(1..=u64::from(count)).map(|id| Ok(StreamPetsResponse { pet: Some(pet(id)) }));
        Ok(Response::new(Box::pin(pets)))
    }
}

#[tokio::main]
async fn main() {
    let listen = common::listen_address("grpc-handwritten");
    println!("hand-written tonic BenchService on http://{listen}");
    let served = tonic::transport::Server::builder()
        .add_service(BenchServiceServer::new(Bench))
        .serve(listen)
        .await;
    if let Err(error) = served {
        eprintln!("error: cannot serve on {listen}: {error}");
        std::process::exit(1);
    }
}
