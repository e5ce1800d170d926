//! The chat example server: `cargo run -p chat-server -- --listen 127.0.0.1:8080`.

#[path = "../../listen_args.rs"]
mod listen_args;

use chat_server::{Chat, ChatServiceServer, token_authenticator};

#[tokio::main]
async fn main() {
    let args = listen_args::ServerArgs::parse("chat-server");
    let listen = args.listen.clone();
    let (chat, events) = Chat::new();
    println!("omniface chat; any bearer token `<name>-token` signs in as <name> (e.g. `alice-token`)");
    let server = args
        .configure(omniface::Server::new())
        .authenticator(token_authenticator())
        .service(ChatServiceServer::with_events(chat, events));
    if let Err(error) = server.serve(listen.as_str()).await {
        eprintln!("error: cannot serve on {listen}: {error}");
        std::process::exit(1);
    }
}
