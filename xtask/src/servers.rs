//! `cargo xtask test servers`: the example servers, running, called by clients from another
//! language.
//!
//! 1. The debug `petstore-server` and `chat-server` start on free ports of 127.0.0.1 (each serves
//!    every protocol, gRPC included, on its one port).
//! 2. `xtask/clients/petstore.py` calls the pet store with httpx (REST, JSON-RPC), zeep built from
//!    the served WSDL (SOAP), gql (GraphQL over HTTP and graphql-transport-ws), websockets (the
//!    omniface subprotocol) and httpx-sse (events, resumed by `Last-Event-ID`).
//! 3. gRPC from a foreign client built only from what omniface writes: the debug `omniface
//!    generate --target proto` writes the `.proto` files of `examples/petstore.idl` and
//!    `examples/chat.idl` into `target/xtask/grpc/<example>/proto`, `python -m grpc_tools.protoc`
//!    compiles them into Python stubs in `target/xtask/grpc/python`, and
//!    `xtask/clients/grpc_clients.py` calls every rpc of both servers with grpcio (unary, server,
//!    client and bidirectional streams, event subscriptions), compares each answer and error with
//!    what REST, GraphQL and SOAP answer for the same request, checks deadlines, gzip, gRPC-Web,
//!    health, and calls the server through reflection with `buf curl`.
//! 4. schemathesis fuzzes the served OpenAPI document with its default checks.
//! 5. Steps 2 and 3 run again against `petstore-macro`, the pet store written with the macros
//!    instead of the `.idl` file: the same clients, built from the IDL's documents, must pass.
//! 6. Brokers: a mosquitto and a RabbitMQ (the Debian packages) start on free ports, and two
//!    `telemetry-server` instances connect to both. `xtask/clients/mqtt_devices.py` plays devices
//!    and operators with paho-mqtt: request/response with correlation data on the topics the
//!    served AsyncAPI document lists, declared errors, readings published and status retained;
//!    then it kills one instance and checks that every later request is answered once. A third
//!    instance starts, and `xtask/clients/amqp_workers.py` plays producers and event consumers
//!    with pika: jobs on the work queue the AsyncAPI document lists, answered to `reply_to`,
//!    failures dead-lettered, events on the topic exchange under their routing keys; it kills one
//!    of the two instances while jobs keep coming and checks that every job is answered.
//! 7. Webhooks: `trustme` makes a test CA and a `localhost` certificate; a `petstore-server`
//!    started with `--webhooks-allow-private --webhooks-ca` (that CA) is subscribed to by
//!    `xtask/clients/webhooks_receiver.py`, an HTTPS receiver on 127.0.0.1 (Python's `ssl`) that
//!    verifies the delivery of a sold pet with the `standardwebhooks` package and checks that a
//!    tampered body fails; a second receiver, with a certificate from a CA the server does not
//!    trust, must see the TLS handshake refused and get nothing.
//!
//! Every client runs under a time limit, and the servers are stopped when the step ends, whatever
//! happens.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;
use crate::ctx::{self, Ctx, describe, note, read_tree};
use crate::tools::{self, Tools};

/// The examples whose generated `.proto` the gRPC client is built from.
const GRPC_EXAMPLES: &[(&str, &str)] = &[("petstore", "examples/petstore.idl"), ("chat", "examples/chat.idl")];

/// Kills the server when dropped, so a failing check never leaves it running.
pub struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn servers(ctx: &Ctx) -> Result {
    let tools = tools::ensure(ctx)?;
    ctx::run(&mut ctx.cargo(&[
        "build",
        "-p",
        "petstore-server",
        "-p",
        "chat-server",
        "-p",
        "petstore-macro",
        "-p",
        "telemetry-server",
    ]))?;
    note("building omniface (debug; nothing to do after the cli step)");
    let omniface = ctx.build_omniface(false)?;
    let (_petstore, petstore) = start(ctx, "petstore-server", &[])?;
    let (_petstore_macro, petstore_macro) = start(ctx, "petstore-macro", &[])?;
    let (_chat, chat) = start(ctx, "chat-server", &[])?;
    let clients = ctx.root.join("xtask").join("clients");
    let (stubs, proto_dirs) = grpc_stubs(ctx, &omniface, &tools)?;
    let proto_dirs = std::env::join_paths(&proto_dirs).map_err(|e| format!("cannot join the proto folders: {e}"))?;

    for (server, base) in [("petstore-server", &petstore), ("petstore-macro", &petstore_macro)] {
        note(&format!(
            "calling {server} (at {base}) from Python: every protocol, then gRPC"
        ));
        run_limited(
            Command::new(tools.venv_bin("python"))
                .arg(clients.join("petstore.py"))
                .arg(base),
            Duration::from_secs(300),
        )?;
        run_limited(
            Command::new(tools.venv_bin("python"))
                .arg(clients.join("grpc_clients.py"))
                .arg(&stubs)
                .arg(&proto_dirs)
                .args([base, &chat])
                .arg(tools.npm_bin("buf"))
                .current_dir(&ctx.root),
            Duration::from_secs(300),
        )?;
    }

    brokers(ctx, &tools, &clients)?;

    // Its own pet store, allowed to post webhooks to a receiver on 127.0.0.1 and trusting the
    // test CA that trustme makes for that receiver's HTTPS certificate; the others keep the
    // default that refuses private addresses.
    let tls_dir = ctx.fresh_dir("xtask/webhooks-tls")?;
    note("webhooks: trustme writes a test CA and a certificate for localhost");
    run_limited(
        Command::new(tools.venv_bin("python"))
            .args(["-m", "trustme", "--quiet", "--dir"])
            .arg(&tls_dir),
        Duration::from_secs(60),
    )?;
    let ca = tls_dir.join("client.pem");
    let ca = ca.to_str().ok_or("the target folder's path is not UTF-8")?;
    let (_webhooks_server, webhooks_base) = start(
        ctx,
        "petstore-server",
        &["--webhooks-allow-private", "--webhooks-ca", ca],
    )?;
    note(&format!(
        "webhooks: a Python HTTPS receiver subscribes to petstore-server (at {webhooks_base}) and verifies a delivery with standardwebhooks"
    ));
    run_limited(
        Command::new(tools.venv_bin("python"))
            .arg(clients.join("webhooks_receiver.py"))
            .arg(&webhooks_base)
            .arg(&tls_dir),
        Duration::from_secs(120),
    )?;

    // Schemathesis with its default checks against the served OpenAPI document. The SSE paths
    // (event streams, `watch_pets`) never end, so a request/response fuzzer cannot judge them; the
    // Rust and Python clients above cover them. The webhook subscriptions are left out too:
    // whether a schema-valid URL is accepted depends on where its host resolves (private
    // addresses are refused with a 400), which no schema can say; tests/webhooks.rs and the
    // receiver above cover them. Hooks teach it NDJSON request bodies.
    run_limited(
        Command::new(tools.venv_bin("schemathesis"))
            .env("SCHEMATHESIS_HOOKS", clients.join("schemathesis_hooks.py"))
            .arg("--config-file")
            .arg(clients.join("schemathesis.toml"))
            .args(["run", &format!("{petstore}/openapi.json"), "--url", &petstore])
            .args(["--max-examples", "30", "--request-timeout", "5", "--seed", "1"])
            .args(["--exclude-path-regex", "/events/|/watch-pets$|/webhooks"])
            .args(["--header", "Authorization: Bearer admin-token"]),
        Duration::from_secs(900),
    )
}

/// Telemetry servers sharing one mosquitto and one RabbitMQ, called by paho-mqtt devices and
/// operators and by pika producers and consumers; one instance is killed during each.
fn brokers(ctx: &Ctx, tools: &Tools, clients: &Path) -> Result {
    let (_mosquitto, mqtt_port) = start_mosquitto(ctx, "xtask/mosquitto", "")?;
    let (_rabbitmq, amqp_port) = start_rabbitmq(ctx, "xtask/rabbitmq")?;
    let mqtt = format!("mqtt://127.0.0.1:{mqtt_port}?group=telemetry");
    let amqp = format!("amqp://guest:guest@127.0.0.1:{amqp_port}");
    // The instances record idempotent jobs in one SQLite file, as instances on one machine would.
    let job_log = ctx.fresh_dir("xtask/telemetry-jobs")?.join("jobs.sqlite");
    let job_log = job_log.to_str().ok_or("the target folder's path is not UTF-8")?;
    let both = ["--mqtt", mqtt.as_str(), "--amqp", amqp.as_str(), "--job-log", job_log];
    let (instance_a, _) = start(ctx, "telemetry-server", &both)?;
    let (_instance_b, telemetry_b) = start(ctx, "telemetry-server", &both)?;
    note("calling the two telemetry servers over MQTT 5 from Python (paho-mqtt), killing one on the way");
    run_limited(
        Command::new(tools.venv_bin("python"))
            .arg(clients.join("mqtt_devices.py"))
            .arg(mqtt_port.to_string())
            .arg(instance_a.0.id().to_string())
            .arg(format!("{telemetry_b}/asyncapi.json")),
        Duration::from_secs(120),
    )?;
    let (instance_c, _) = start(ctx, "telemetry-server", &both)?;
    note("calling the two live telemetry servers over AMQP 0-9-1 from Python (pika), killing one on the way");
    run_limited(
        Command::new(tools.venv_bin("python"))
            .arg(clients.join("amqp_workers.py"))
            .arg(amqp_port.to_string())
            .arg(instance_c.0.id().to_string())
            .arg(format!("{telemetry_b}/asyncapi.json")),
        Duration::from_secs(180),
    )
}

/// A mosquitto of the caller's own on a free port of 127.0.0.1, configured in `target/<folder>`
/// with `extra` added to its configuration.
pub fn start_mosquitto(ctx: &Ctx, folder: &str, extra: &str) -> Result<(Running, u16)> {
    let mosquitto = tools::ensure_mosquitto()?;
    let dir = ctx.fresh_dir(folder)?;
    let port = free_port()?;
    let config = dir.join("mosquitto.conf");
    std::fs::write(
        &config,
        format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n{extra}"),
    )
    .map_err(|e| format!("cannot write {}: {e}", ctx.rel(&config)))?;
    note(&format!("starting {} -c {}", mosquitto.display(), ctx.rel(&config)));
    let broker = Running(
        Command::new(&mosquitto)
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start mosquitto: {e}"))?,
    );
    wait_for_port(&format!("127.0.0.1:{port}"), "mosquitto")?;
    Ok((broker, port))
}

/// A RabbitMQ node of the caller's own: its data, logs and (empty) plugin list under
/// `target/<folder>`, listening on a free port of 127.0.0.1.
pub fn start_rabbitmq(ctx: &Ctx, folder: &str) -> Result<(ProcessGroup, u16)> {
    let server = tools::ensure_rabbitmq()?;
    let dir = ctx.fresh_dir(folder)?;
    let (port, dist_port) = (free_port()?, free_port()?);
    let plugins = dir.join("enabled_plugins");
    std::fs::write(&plugins, "[].\n").map_err(|e| format!("cannot write {}: {e}", ctx.rel(&plugins)))?;
    note(&format!(
        "starting {} on 127.0.0.1:{port} (node omniface-xtask-{port}@localhost, data in {})",
        server.display(),
        ctx.rel(&dir)
    ));
    let broker = ProcessGroup::spawn(
        Command::new(&server)
            .env("RABBITMQ_NODENAME", format!("omniface-xtask-{port}@localhost"))
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", port.to_string())
            .env("RABBITMQ_DIST_PORT", dist_port.to_string())
            .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.join("log"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", &plugins)
            .env("RABBITMQ_CONFIG_FILE", dir.join("none"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )
    .map_err(|e| format!("cannot start RabbitMQ: {e}"))?;
    wait_for_port(&format!("127.0.0.1:{port}"), "RabbitMQ")?;
    Ok((broker, port))
}

/// A process started in a group of its own, which is killed whole when dropped: the RabbitMQ
/// script starts the Erlang VM as a child, and both must go.
pub struct ProcessGroup(Child);

impl ProcessGroup {
    fn spawn(command: &mut Command) -> std::io::Result<ProcessGroup> {
        use std::os::unix::process::CommandExt;
        command.process_group(0).spawn().map(ProcessGroup)
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|e| format!("cannot find a free port: {e}"))?
        .port())
}

fn wait_for_port(address: &str, name: &str) -> Result {
    let started = Instant::now();
    while TcpStream::connect(address).is_err() {
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("{name} did not listen on {address} within 30 s"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// Starts the debug binary `name` (already built) with `--listen` on a free port of 127.0.0.1 and
/// `args`, and waits until it accepts connections; returns its guard and its base URL.
fn start(ctx: &Ctx, name: &str, args: &[&str]) -> Result<(Running, String)> {
    let binary = ctx.target_dir().join("debug").join(name);
    let address = format!("127.0.0.1:{}", free_port()?);
    note(&format!(
        "starting {} --listen {address} {}",
        ctx.rel(&binary),
        args.join(" ")
    ));
    let server = Running(
        Command::new(&binary)
            .args(["--listen", &address])
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?,
    );
    wait_for_port(&address, name)?;
    Ok((server, format!("http://{address}")))
}

/// Generates the `.proto` files of [`GRPC_EXAMPLES`] with `omniface generate --target proto` and
/// compiles them into Python stubs with grpcio-tools' protoc (which brings the well-known types).
/// Returns the stubs folder and the proto folders. Starts from empty folders every run.
fn grpc_stubs(ctx: &Ctx, omniface: &Path, tools: &Tools) -> Result<(PathBuf, Vec<PathBuf>)> {
    let dir = ctx.fresh_dir("xtask/grpc")?;
    let stubs = dir.join("python");
    std::fs::create_dir_all(&stubs).map_err(|e| format!("cannot create {}: {e}", ctx.rel(&stubs)))?;
    note(&format!(
        "gRPC: the .proto files omniface generates, compiled by grpcio-tools into Python stubs in {}",
        ctx.rel(&stubs)
    ));
    let mut proto_dirs = Vec::new();
    for (name, idl) in GRPC_EXAMPLES {
        let out = dir.join(name);
        ctx::run(
            Command::new(omniface)
                .args(["generate", idl, "--target", "proto", "--out"])
                .arg(&out)
                .current_dir(&ctx.root),
        )?;
        let proto = out.join("proto");
        let files: Vec<PathBuf> = read_tree(&proto)?
            .into_keys()
            .filter(|path| path.extension().is_some_and(|ext| ext == "proto"))
            .collect();
        if files.is_empty() {
            return Err(format!(
                "`omniface generate {idl} --target proto` wrote no .proto file under {}",
                ctx.rel(&proto)
            ));
        }
        ctx::run(
            Command::new(tools.venv_bin("python"))
                .args(["-m", "grpc_tools.protoc"])
                .arg("-I.")
                .arg(format!("--python_out={}", stubs.display()))
                .arg(format!("--grpc_python_out={}", stubs.display()))
                .args(&files)
                .current_dir(&proto),
        )?;
        proto_dirs.push(proto);
    }
    Ok((stubs, proto_dirs))
}

/// Runs `cmd` with the terminal as its output, like [`ctx::run`], but stops it after `limit`.
fn run_limited(cmd: &mut Command, limit: Duration) -> Result {
    note(&format!("$ {}   (at most {} s)", describe(cmd), limit.as_secs()));
    let mut child = cmd
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(cmd)))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                return Err(format!("`{}` failed ({status}); its output is above", describe(cmd)));
            }
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{}` did not finish within {} s and was stopped; its output is above",
                    describe(cmd),
                    limit.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("cannot wait for `{}`: {e}", describe(cmd))),
        }
    }
}
