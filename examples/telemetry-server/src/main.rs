//! The telemetry example server: `cargo run -p telemetry-server -- --listen 127.0.0.1:8080`.

#[path = "../../listen_args.rs"]
mod listen_args;

use telemetry_server::{Fleet, TelemetryServer, demo_authenticator};

#[tokio::main]
async fn main() {
    let listen = listen_args::listen_address("telemetry-server");
    let (fleet, events) = Fleet::with_demo_devices();
    println!("omniface telemetry; demo keys: `X-API-Key: operator-key`, `X-Device-Key: device-key`");
    let server = omniface::Server::new()
        .authenticator(demo_authenticator())
        .service(TelemetryServer::with_events(fleet, events));
    if let Err(error) = server.serve(listen.as_str()).await {
        eprintln!("error: cannot serve on {listen}: {error}");
        std::process::exit(1);
    }
}
