//! The pet store example server: `cargo run -p petstore-server -- --listen 127.0.0.1:8080`.

#[path = "../../listen_args.rs"]
mod listen_args;

use petstore_server::{Store, demo_authenticator};

#[tokio::main]
async fn main() {
    let args = listen_args::ServerArgs::parse("petstore-server");
    let listen = args.listen.clone();
    let (store, events) = Store::new();
    println!("omniface pet store; demo tokens: `admin-token` (scope pets:admin) and `user-token`");
    let server = args
        .configure(omniface::Server::new())
        .authenticator(demo_authenticator())
        .service(petstore_server::PetStoreServer::with_events(store, events));
    if let Err(error) = server.serve(listen.as_str()).await {
        eprintln!("error: cannot serve on {listen}: {error}");
        std::process::exit(1);
    }
}
