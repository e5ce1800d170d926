//! `cargo xtask test servers`: the example servers, running, called by clients from another
//! language. The debug `petstore-server` starts on a free port of 127.0.0.1 and
//! `xtask/clients/petstore.py` calls it with httpx (REST, JSON-RPC), zeep built from the served
//! WSDL (SOAP), gql (GraphQL over HTTP and graphql-transport-ws), websockets (the omniface
//! subprotocol) and httpx-sse (events, resumed by `Last-Event-ID`); then schemathesis fuzzes the
//! served OpenAPI document with its default checks. The server is stopped when the step ends,
//! whatever happens.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;
use crate::ctx::{self, Ctx, note};
use crate::tools;

/// Kills the server when dropped, so a failing check never leaves it running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn servers(ctx: &Ctx) -> Result {
    let tools = tools::ensure(ctx)?;
    ctx::run(&mut ctx.cargo(&["build", "-p", "petstore-server"]))?;
    let binary = ctx.target_dir().join("debug").join("petstore-server");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|e| format!("cannot find a free port: {e}"))?
        .port();
    let address = format!("127.0.0.1:{port}");
    note(&format!("starting {} --listen {address}", ctx.rel(&binary)));
    let _server = Running(
        Command::new(&binary)
            .args(["--listen", &address])
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?,
    );
    let started = Instant::now();
    while TcpStream::connect(&address).is_err() {
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("petstore-server did not listen on {address} within 30 s"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let clients = ctx.root.join("xtask").join("clients");
    let base = format!("http://{address}");
    ctx::run(
        Command::new(tools.venv_bin("python"))
            .arg(clients.join("petstore.py"))
            .arg(&base),
    )?;
    // Schemathesis with its default checks against the served OpenAPI document. The SSE paths
    // (event streams, `watch_pets`) never end, so a request/response fuzzer cannot judge them; the
    // Rust and Python clients above cover them. Hooks teach it NDJSON request bodies.
    ctx::run(
        Command::new(tools.venv_bin("schemathesis"))
            .env("SCHEMATHESIS_HOOKS", clients.join("schemathesis_hooks.py"))
            .arg("--config-file")
            .arg(clients.join("schemathesis.toml"))
            .args(["run", &format!("{base}/openapi.json"), "--url", &base])
            .args(["--max-examples", "30", "--request-timeout", "5", "--seed", "1"])
            .args(["--exclude-path-regex", "/events/|/watch-pets$"])
            .args(["--header", "Authorization: Bearer admin-token"]),
    )
}
