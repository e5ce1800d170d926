//! The telemetry example server: `cargo run -p telemetry-server -- --listen 127.0.0.1:8080`.

use telemetry_server::{Fleet, TelemetryServer, demo_authenticator};

#[tokio::main]
async fn main() {
    let listen = listen_address();
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

/// `--listen ADDR`, default 127.0.0.1:8080.
fn listen_address() -> String {
    let mut args = std::env::args().skip(1);
    let mut listen = "127.0.0.1:8080".to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => match args.next() {
                Some(value) => listen = value,
                None => usage("--listen needs an address such as 127.0.0.1:8080"),
            },
            other if other.starts_with("--listen=") => listen = other["--listen=".len()..].to_string(),
            "-h" | "--help" => {
                println!("usage: telemetry-server [--listen ADDR]");
                std::process::exit(0);
            }
            other => usage(&format!("unknown argument `{other}`")),
        }
    }
    listen
}

fn usage(message: &str) -> ! {
    eprintln!("error: {message}\nusage: telemetry-server [--listen ADDR]");
    std::process::exit(2);
}
