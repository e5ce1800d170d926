//! The pet store example server, written with the macros: `cargo run -p petstore-macro -- --listen 127.0.0.1:8080`.

#[path = "../../listen_args.rs"]
mod listen_args;

use petstore_macro::{Store, demo_authenticator};

#[tokio::main]
async fn main() {
    let args = listen_args::ServerArgs::parse("petstore-macro");
    let listen = args.listen.clone();
    let (store, events) = Store::new();
    println!("omniface pet store; demo tokens: `admin-token` (scope pets:admin) and `user-token`");
    let server = args
        .configure(omniface::Server::new())
        .authenticator(demo_authenticator())
        .service(petstore_macro::PetStoreServer::with_events(store, events));
    if let Err(error) = server.serve(listen.as_str()).await {
        eprintln!("error: cannot serve on {listen}: {error}");
        std::process::exit(1);
    }
}
