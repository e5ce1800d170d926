//! What the two gRPC servers of the benchmark share (included with `#[path]` by `grpc-generated`
//! and `grpc-handwritten`): the pet they answer with and the `--listen ADDR` argument.

/// The benchmark pet: `id` is the requested one (`GetPet`) or the position in the stream,
/// counting from 1 (`StreamPets`); the rest is fixed.
pub const NAME: &str = "Rex";
pub const TAGS: [&str; 2] = ["puppy", "friendly"];
/// 2026-01-01T00:00:00Z.
pub const CREATED_AT_SECONDS: i64 = 1_767_225_600;

/// `--listen ADDR` (default 127.0.0.1:50051); prints usage and exits on anything else.
pub fn listen_address(program: &str) -> std::net::SocketAddr {
    let mut args = std::env::args().skip(1);
    let mut listen = "127.0.0.1:50051".to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => {
                listen = args
                    .next()
                    .unwrap_or_else(|| usage(program, "--listen needs an address"))
            }
            "-h" | "--help" => {
                println!("usage: {program} [--listen ADDR]");
                std::process::exit(0);
            }
            other => usage(program, &format!("unknown argument `{other}`")),
        }
    }
    listen.parse().unwrap_or_else(|_| {
        usage(
            program,
            &format!("`{listen}` is not an address such as 127.0.0.1:50051"),
        )
    })
}

fn usage(program: &str, message: &str) -> ! {
    eprintln!("error: {message}\nusage: {program} [--listen ADDR]");
    std::process::exit(2);
}
