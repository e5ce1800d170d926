//! The telemetry example server: `cargo run -p telemetry-server -- --listen 127.0.0.1:8080
//! --mqtt mqtt://127.0.0.1:1883 --amqp amqp://guest:guest@127.0.0.1:5672`.

#[path = "../../listen_args.rs"]
mod listen_args;

use telemetry_server::{Fleet, TelemetryServer, demo_authenticator};

#[tokio::main]
async fn main() {
    let args = listen_args::ServerArgs::parse("telemetry-server");
    let listen = args.listen.clone();
    let (fleet, events) = Fleet::with_demo_devices();
    println!("omniface telemetry; demo keys: `X-API-Key: operator-key`, `X-Device-Key: device-key`");
    let server = args
        .configure(omniface::Server::new())
        .authenticator(demo_authenticator())
        .service(TelemetryServer::with_events(fleet, events));
    if let Err(error) = server.serve(listen.as_str()).await {
        eprintln!("error: cannot serve on {listen}: {error}");
        std::process::exit(1);
    }
}
