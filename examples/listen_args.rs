//! The command line every example server takes: `--listen ADDR` (default 127.0.0.1:8080).
//! Shared by the examples' `main.rs` through `#[path]`, so the convention lives in one place.

/// `--listen ADDR` from the process arguments; prints usage and exits on anything else.
pub fn listen_address(program: &str) -> String {
    let mut args = std::env::args().skip(1);
    let mut listen = "127.0.0.1:8080".to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => match args.next() {
                Some(value) => listen = value,
                None => usage(program, "--listen needs an address such as 127.0.0.1:8080"),
            },
            other if other.starts_with("--listen=") => listen = other["--listen=".len()..].to_string(),
            "-h" | "--help" => {
                println!("usage: {program} [--listen ADDR]");
                std::process::exit(0);
            }
            other => usage(program, &format!("unknown argument `{other}`")),
        }
    }
    listen
}

fn usage(program: &str, message: &str) -> ! {
    eprintln!("error: {message}\nusage: {program} [--listen ADDR]");
    std::process::exit(2);
}
