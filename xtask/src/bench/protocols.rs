//! Section 3 of `cargo xtask bench` (alone: `--only protocols`): the generated HTTP-family
//! adapters under load, beside the same methods written by hand.
//!
//! 1. `cargo build --release -p petstore-server -p handwritten-petstore` (one invocation, the
//!    usual target folder): the generated example server, the hand-written axum / serde /
//!    async-graphql equivalent of `get_pet` and `create_pet` (`xtask/handwritten/`), and `ws-load`,
//!    the WebSocket load client (in the same crate, so that it is an optimised build too).
//! 2. Starts both servers on free ports of 127.0.0.1 and seeds pet 1 in each with
//!    `POST /pets` (`Authorization: Bearer user-token`, the fixed `Idempotency-Key` [`SEED_KEY`]).
//! 3. Sends each call once to each server and fails unless the answer is right (status 200, the
//!    pet's name, and the same JSON from both servers apart from the timestamps), so the load
//!    never times an error path.
//! 4. Loads each call with `wrk -t2 -c64 -d<seconds>s --latency` (Debian's `wrk`, installed with
//!    apt-get when missing) and a Lua script that sets the method, headers and body: an untimed
//!    warm-up of 2 s per server, then `rounds` timed runs per server, alternating the order
//!    (generated first in odd rounds, hand-written first in even ones). The best round counts.
//!    Any non-2xx answer during a run fails the benchmark. The calls:
//!    - REST `GET /pets/1`;
//!    - REST `POST /pets` with the seed's body, token and **fixed** idempotency key: every call
//!      goes through authentication, header and body decoding and validation, then gets the
//!      stored pet back (a fresh key per call would grow the store and time its duplicate-name
//!      scan rather than the adapter);
//!    - JSON-RPC `PetStore.get_pet` at `POST /rpc`;
//!    - GraphQL `query { getPet(id: "1") { name } }` at `POST /graphql`;
//!    - SOAP 1.1 `GetPet` at `POST /soap/PetStore` (generated server only: target in calls/s);
//! 5. WebSocket (generated server only: target in messages/s): `ws-load` opens
//!    [`WS_CONNECTIONS`] connections to `/ws` with the subprotocol `omniface.jsonrpc.v1` and keeps
//!    [`WS_PIPELINE`] `PetStore.get_pet` requests in flight on each; it counts the responses
//!    received in `seconds` after a 2 s warm-up, `rounds` times.
//!
//! Every child process is bounded (`timeout` around wrk and ws-load); the servers are killed when
//! the section ends, whether it succeeds or fails. Only 127.0.0.1 is used.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{load_average, machine, thousands, utc_now};
use crate::Result;
use crate::ctx::{Ctx, describe, note, show_output, step};

/// The issue's targets.
const RATIO_TARGET: f64 = 0.95;
const SOAP_TARGET: f64 = 20_000.0;
const WS_TARGET: f64 = 50_000.0;
/// wrk's load: threads and connections.
const WRK_THREADS: usize = 2;
const WRK_CONNECTIONS: usize = 64;
/// Untimed warm-up per server and call, in seconds.
const WARMUP_SECONDS: u64 = 2;
/// The WebSocket load: connections, requests in flight per connection, client threads.
const WS_CONNECTIONS: usize = 8;
const WS_PIPELINE: usize = 32;
const WS_THREADS: usize = 1;
/// The idempotency key of the seed, and of every `POST /pets` under load.
const SEED_KEY: &str = "5f0c6a52-8f6e-4d0b-9a55-0c1f3e2d4b7a";
const PET_BODY: &str = r#"{"name":"Rex","species":"SPECIES_DOG","tags":[]}"#;
const SOAP_ENVELOPE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
<GetPet xmlns=\"urn:acme:pets:v1\"><id>1</id></GetPet></soap:Body></soap:Envelope>";

pub struct Options {
    /// Length of each timed run.
    pub seconds: u64,
    /// Timed runs per server and call.
    pub rounds: usize,
}

/// One call loaded with wrk.
struct Call {
    protocol: &'static str,
    label: &'static str,
    method: &'static str,
    path: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: Option<&'static str>,
    /// The answer must contain this.
    expect: &'static str,
    /// Also on the hand-written server.
    compared: bool,
}

fn calls() -> Vec<Call> {
    vec![
        Call {
            protocol: "REST",
            label: "`GET /pets/1`",
            method: "GET",
            path: "/pets/1",
            headers: vec![],
            body: None,
            expect: "\"name\":\"Rex\"",
            compared: true,
        },
        Call {
            protocol: "REST",
            label: "`POST /pets` (token, fixed `Idempotency-Key`: the stored pet)",
            method: "POST",
            path: "/pets",
            headers: vec![
                ("Content-Type", "application/json"),
                ("Authorization", "Bearer user-token"),
                ("Idempotency-Key", SEED_KEY),
            ],
            body: Some(PET_BODY),
            expect: "\"name\":\"Rex\"",
            compared: true,
        },
        Call {
            protocol: "JSON-RPC",
            label: "`PetStore.get_pet` (`POST /rpc`)",
            method: "POST",
            path: "/rpc",
            headers: vec![("Content-Type", "application/json")],
            body: Some(r#"{"jsonrpc":"2.0","id":1,"method":"PetStore.get_pet","params":{"id":"1"}}"#),
            expect: "\"name\":\"Rex\"",
            compared: true,
        },
        Call {
            protocol: "GraphQL",
            label: "`query { getPet(id: \"1\") { name } }` (`POST /graphql`)",
            method: "POST",
            path: "/graphql",
            headers: vec![("Content-Type", "application/json")],
            body: Some(r#"{"query":"query { getPet(id: \"1\") { name } }"}"#),
            expect: r#"{"data":{"getPet":{"name":"Rex"}}}"#,
            compared: true,
        },
        Call {
            protocol: "SOAP 1.1",
            label: "`GetPet` (`POST /soap/PetStore`)",
            method: "POST",
            path: "/soap/PetStore",
            headers: vec![
                ("Content-Type", "text/xml; charset=utf-8"),
                ("SOAPAction", "\"urn:acme:pets:v1#GetPet\""),
            ],
            body: Some(SOAP_ENVELOPE),
            expect: "<name>Rex</name>",
            compared: false,
        },
    ]
}

/// What one wrk run measured.
#[derive(Clone, Debug)]
struct WrkRun {
    requests_per_second: f64,
    requests: u64,
    p50: String,
    p99: String,
    socket_errors: Option<String>,
    /// The server process's CPU time (user + system) during the run, when `/proc` has it.
    server_cpu: Option<Duration>,
}

/// A call's results: the timed runs on each server, in order.
struct Measured {
    generated: Vec<WrkRun>,
    handwritten: Vec<WrkRun>,
}

fn best(runs: &[WrkRun]) -> Option<&WrkRun> {
    runs.iter()
        .max_by(|a, b| a.requests_per_second.total_cmp(&b.requests_per_second))
}

/// Kills the server when dropped, so that a failure never leaves it running. Shared with the
/// gRPC section.
pub(super) struct Running {
    pub(super) child: Child,
    pub(super) name: &'static str,
    pub(super) address: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn run(ctx: &Ctx, options: &Options) -> Result<String> {
    let load_before = load_average();
    let machine = machine();
    let wrk = super::external::ensure_wrk()?;

    step("building the servers (release): cargo build --release -p petstore-server -p handwritten-petstore");
    let binaries = build(ctx)?;
    let scripts = ctx.fresh_dir("bench/protocols")?;

    step("starting both servers on 127.0.0.1 and seeding pet 1");
    let generated = start(ctx, &binaries.generated, "petstore-server")?;
    let handwritten = start(ctx, &binaries.handwritten, "handwritten-petstore")?;
    for server in [&generated, &handwritten] {
        seed(server)?;
    }

    step("checking every call's answer on both servers");
    let calls = calls();
    for call in &calls {
        check_call(call, &generated, if call.compared { Some(&handwritten) } else { None })?;
    }

    let d = options.seconds;
    step(&format!(
        "loading each call: wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{d}s --latency; {WARMUP_SECONDS} s warm-up, \
         then {} timed run{} per server, alternating",
        options.rounds,
        if options.rounds == 1 { "" } else { "s" }
    ));
    let mut results = Vec::new();
    for (index, call) in calls.iter().enumerate() {
        let script = scripts.join(format!("call{index}.lua"));
        std::fs::write(&script, lua_script(call)).map_err(|e| format!("cannot write {}: {e}", ctx.rel(&script)))?;
        let servers: Vec<&Running> = if call.compared {
            vec![&generated, &handwritten]
        } else {
            vec![&generated]
        };
        for server in &servers {
            wrk_run(&script, server, call, WARMUP_SECONDS)?;
        }
        let mut measured = Measured {
            generated: Vec::new(),
            handwritten: Vec::new(),
        };
        for round in 0..options.rounds {
            let mut order = servers.clone();
            if round % 2 == 1 {
                order.reverse();
            }
            for server in order {
                let run = wrk_run(&script, server, call, d)?;
                note(&format!(
                    "{} {} on {}: {} req/s (p50 {}, p99 {})",
                    call.protocol,
                    call.label,
                    server.name,
                    thousands(run.requests_per_second as u64),
                    run.p50,
                    run.p99
                ));
                if std::ptr::eq(server, &generated) {
                    measured.generated.push(run);
                } else {
                    measured.handwritten.push(run);
                }
            }
        }
        results.push(measured);
    }

    step(&format!(
        "WebSocket: ws-load, {WS_CONNECTIONS} connections x {WS_PIPELINE} requests in flight, \
         {WARMUP_SECONDS} s warm-up, {d} s timed, {} run{}",
        options.rounds,
        if options.rounds == 1 { "" } else { "s" }
    ));
    let mut ws_runs = Vec::new();
    for _ in 0..options.rounds {
        let rate = ws_run(&binaries.ws_load, &generated, d)?;
        note(&format!("{} messages/s", thousands(rate as u64)));
        ws_runs.push(rate);
    }
    drop(generated);
    drop(handwritten);
    let load_after = load_average();

    Ok(report(&Report {
        machine,
        load_before,
        load_after,
        wrk,
        options,
        calls: &calls,
        results: &results,
        ws_runs: &ws_runs,
    }))
}

struct Binaries {
    generated: PathBuf,
    handwritten: PathBuf,
    ws_load: PathBuf,
}

/// One `cargo build --release -p petstore-server -p handwritten-petstore`: every server and load
/// client of this section and of the gRPC one (so nothing is built twice in a full run), with
/// their paths as cargo reports them.
pub(super) fn release_build(ctx: &Ctx) -> Result<Executables> {
    let mut cmd = ctx.cargo(&[
        "build",
        "--release",
        "-p",
        "petstore-server",
        "-p",
        "handwritten-petstore",
        "--message-format=json-render-diagnostics",
    ]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    note(&format!("$ {}", describe(&cmd)));
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(&cmd)))?;
    if !output.status.success() {
        return Err(format!(
            "`{}` failed ({}); cargo's messages are above",
            describe(&cmd),
            output.status
        ));
    }
    let mut paths = std::collections::BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        if let (Some(name), Some(exe)) = (message["target"]["name"].as_str(), message["executable"].as_str()) {
            paths.insert(name.to_string(), PathBuf::from(exe));
        }
    }
    Ok(Executables {
        paths,
        command: describe(&cmd),
    })
}

/// The executables a release build produced, by target name.
pub(super) struct Executables {
    paths: std::collections::BTreeMap<String, PathBuf>,
    command: String,
}

impl Executables {
    pub(super) fn get(&self, name: &str) -> Result<PathBuf> {
        self.paths
            .get(name)
            .cloned()
            .ok_or_else(|| format!("`{}` reported no `{name}` executable", self.command))
    }
}

/// One `cargo build --release` for both servers and the load client.
fn build(ctx: &Ctx) -> Result<Binaries> {
    let executables = release_build(ctx)?;
    Ok(Binaries {
        generated: executables.get("petstore-server")?,
        handwritten: executables.get("handwritten-petstore")?,
        ws_load: executables.get("ws-load")?,
    })
}

/// Starts `binary --listen 127.0.0.1:<free port>` and waits until it accepts connections.
pub(super) fn start(ctx: &Ctx, binary: &Path, name: &'static str) -> Result<Running> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|e| format!("cannot find a free port: {e}"))?
        .port();
    let address = format!("127.0.0.1:{port}");
    note(&format!("{} --listen {address}", ctx.rel(binary)));
    let child = Command::new(binary)
        .args(["--listen", &address])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let mut running = Running { child, name, address };
    let started = Instant::now();
    while TcpStream::connect(&running.address).is_err() {
        if let Ok(Some(status)) = running.child.try_wait() {
            return Err(format!(
                "{name} exited ({status}) before listening on {}",
                running.address
            ));
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("{name} did not listen on {} within 30 s", running.address));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(running)
}

fn seed(server: &Running) -> Result {
    let response = http(
        &server.address,
        "POST",
        "/pets",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", "Bearer user-token"),
            ("Idempotency-Key", SEED_KEY),
        ],
        Some(PET_BODY),
    )?;
    let json: Value = serde_json::from_str(&response.body).unwrap_or(Value::Null);
    if response.status != 200 || json["id"] != "1" || json["name"] != "Rex" {
        return Err(format!(
            "{}: seeding pet 1 with POST /pets answered {}:\n{}",
            server.name, response.status, response.body
        ));
    }
    note(&format!("{} on {}: pet 1 created", server.name, server.address));
    Ok(())
}

/// Sends the call once to each server; fails unless each answers 200 with the expected text and
/// both answer the same JSON (timestamps aside).
fn check_call(call: &Call, generated: &Running, handwritten: Option<&Running>) -> Result {
    let mut bodies = Vec::new();
    for server in std::iter::once(generated).chain(handwritten) {
        let response = http(&server.address, call.method, call.path, &call.headers, call.body)?;
        if response.status != 200 || !response.body.contains(call.expect) {
            return Err(format!(
                "{}: {} {} answered {} without `{}`:\n{}",
                server.name, call.method, call.path, response.status, call.expect, response.body
            ));
        }
        if call.method == "GET" && response.header("etag").is_none() {
            return Err(format!("{}: {} {} has no ETag", server.name, call.method, call.path));
        }
        bodies.push(response.body);
    }
    if let [generated_body, handwritten_body] = bodies.as_slice() {
        let parse = |text: &str| serde_json::from_str::<Value>(text).map(without_timestamps);
        match (parse(generated_body), parse(handwritten_body)) {
            (Ok(a), Ok(b)) if a == b => {}
            _ => {
                return Err(format!(
                    "{} {}: the servers answer different JSON\n  generated:    {generated_body}\n  hand-written: {handwritten_body}",
                    call.method, call.path
                ));
            }
        }
    }
    note(&format!("{} {}: ok", call.protocol, call.label));
    Ok(())
}

/// The JSON without `createdAt` and `updatedAt` (each server created its pet at its own time).
fn without_timestamps(value: Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(key, _)| key != "createdAt" && key != "updatedAt")
                .map(|(key, value)| (key, without_timestamps(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_timestamps).collect()),
        other => other,
    }
}

/// wrk's Lua script for a call: method, headers and body (in long brackets, nothing to escape).
fn lua_script(call: &Call) -> String {
    let mut script = format!("wrk.method = \"{}\"\n", call.method);
    for (name, value) in &call.headers {
        script.push_str(&format!("wrk.headers[\"{name}\"] = [==[{value}]==]\n"));
    }
    if let Some(body) = call.body {
        script.push_str(&format!("wrk.body = [==[{body}]==]\n"));
    }
    script
}

/// CPU time (user + system) a process has used so far, from `/proc/PID/stat` (Linux).
pub(super) fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces) start at `state`, field 3;
    // utime and stime are fields 14 and 15, in clock ticks.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_secs_f64(ticks as f64 / clock_ticks()))
}

/// `getconf CLK_TCK` (100 on Linux), read once.
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

fn wrk_run(script: &Path, server: &Running, call: &Call, seconds: u64) -> Result<WrkRun> {
    let mut cmd = Command::new("timeout");
    cmd.args(["--kill-after=5", &(seconds + 30).to_string(), "wrk"])
        .arg(format!("-t{WRK_THREADS}"))
        .arg(format!("-c{WRK_CONNECTIONS}"))
        .arg(format!("-d{seconds}s"))
        .arg("--latency")
        .arg("-s")
        .arg(script)
        .arg(format!("http://{}{}", server.address, call.path))
        .stdin(Stdio::null());
    let cpu_before = process_cpu(server.child.id());
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(&cmd)))?;
    let cpu_after = process_cpu(server.child.id());
    let text = String::from_utf8_lossy(&output.stdout);
    let fail = |why: &str| format!("`{}` {why}\n{}", describe(&cmd), show_output(&output));
    if !output.status.success() {
        return Err(fail(&format!("failed ({})", output.status)));
    }
    let mut run = parse_wrk(&text).ok_or_else(|| fail("printed no `Requests/sec`"))?;
    if let (Some(before), Some(after)) = (cpu_before, cpu_after) {
        run.server_cpu = Some(after.saturating_sub(before));
    }
    if let Some(non_2xx) = text.lines().find(|l| l.contains("Non-2xx or 3xx responses")) {
        return Err(fail(&format!("on {}: {}", server.name, non_2xx.trim())));
    }
    if run.requests == 0 {
        return Err(fail("completed no request"));
    }
    Ok(run)
}

fn parse_wrk(text: &str) -> Option<WrkRun> {
    let mut run = WrkRun {
        requests_per_second: 0.0,
        requests: 0,
        p50: String::new(),
        p99: String::new(),
        socket_errors: None,
        server_cpu: None,
    };
    let mut found = false;
    for line in text.lines().map(str::trim) {
        if let Some(rate) = line.strip_prefix("Requests/sec:") {
            run.requests_per_second = rate.trim().parse().ok()?;
            found = true;
        } else if let Some(rest) = line.strip_prefix("50%") {
            run.p50 = rest.trim().to_string();
        } else if let Some(rest) = line.strip_prefix("99%") {
            run.p99 = rest.trim().to_string();
        } else if line.contains(" requests in ") {
            run.requests = line.split_whitespace().next()?.parse().ok()?;
        } else if line.starts_with("Socket errors:") {
            run.socket_errors = Some(line.to_string());
        }
    }
    found.then_some(run)
}

fn ws_run(ws_load: &Path, server: &Running, seconds: u64) -> Result<f64> {
    let mut cmd = Command::new("timeout");
    cmd.args(["--kill-after=5", &(seconds + WARMUP_SECONDS + 30).to_string()])
        .arg(ws_load)
        .args(["--url", &format!("ws://{}/ws", server.address)])
        .args(["--subprotocol", "omniface.jsonrpc.v1"])
        .args(["--method", "PetStore.get_pet", "--params", r#"{"id":"1"}"#])
        .args(["--expect", "\"name\":\"Rex\""])
        .args(["--connections", &WS_CONNECTIONS.to_string()])
        .args(["--pipeline", &WS_PIPELINE.to_string()])
        .args(["--threads", &WS_THREADS.to_string()])
        .args(["--warmup", &WARMUP_SECONDS.to_string()])
        .args(["--seconds", &seconds.to_string()])
        .stdin(Stdio::null());
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(&cmd)))?;
    let fail = |why: &str| format!("`{}` {why}\n{}", describe(&cmd), show_output(&output));
    if !output.status.success() {
        return Err(fail(&format!("failed ({})", output.status)));
    }
    let report: Value = serde_json::from_slice(&output.stdout).map_err(|_| fail("printed no JSON report"))?;
    if report["all_errors"].as_u64() != Some(0) {
        return Err(fail(&format!(
            "got {} wrong answers; the first: {}",
            report["all_errors"], report["first_error"]
        )));
    }
    report["per_second"]
        .as_f64()
        .filter(|rate| *rate > 0.0)
        .ok_or_else(|| fail("counted no response"))
}

/// An HTTP/1.1 answer, as [`http`] reads it.
struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`), read to the end; enough to
/// check an answer without an HTTP client crate.
fn http(address: &str, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Result<HttpResponse> {
    let what = format!("{method} http://{address}{path}");
    let io = |e: std::io::Error| format!("{what}: {e}");
    let mut stream = TcpStream::connect(address).map_err(io)?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(io)?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() || method != "GET" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).map_err(io)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(io)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{what}: not an HTTP response: {text}"))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{what}: no status line: {text}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut response = HttpResponse {
        status,
        headers,
        body: rest.to_string(),
    };
    if response
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        response.body = dechunk(rest);
    }
    Ok(response)
}

fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    body
}

struct Report<'a> {
    machine: String,
    load_before: String,
    load_after: String,
    wrk: String,
    options: &'a Options,
    calls: &'a [Call],
    results: &'a [Measured],
    ws_runs: &'a [f64],
}

fn rate(runs: &[WrkRun]) -> String {
    let Some(top) = best(runs) else {
        return String::new();
    };
    let all: Vec<String> = runs
        .iter()
        .map(|r| thousands(r.requests_per_second.round() as u64))
        .collect();
    if runs.len() > 1 {
        format!(
            "**{}** ({})",
            thousands(top.requests_per_second.round() as u64),
            all.join(", ")
        )
    } else {
        format!("**{}**", thousands(top.requests_per_second.round() as u64))
    }
}

/// Server CPU microseconds per request over all runs.
fn cpu_per_request(runs: &[WrkRun]) -> Option<f64> {
    let (mut cpu, mut requests) = (Duration::ZERO, 0);
    for run in runs {
        cpu += run.server_cpu?;
        requests += run.requests;
    }
    (requests > 0).then(|| cpu.as_secs_f64() * 1e6 / requests as f64)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "**met**" } else { "**missed**" }
}

fn report(r: &Report) -> String {
    let o = r.options;
    let mut out = String::new();
    out.push_str(&format!(
        "### HTTP-family protocols under load: generated adapters beside hand-written axum, {}\n\n",
        utc_now()
    ));
    out.push_str(&format!(
        "{} Load average (1, 5, 15 min) `{}` before this section and `{}` after it. {}.\n\n",
        r.machine, r.load_before, r.load_after, r.wrk
    ));
    out.push_str(&format!(
        "Release builds of `petstore-server` (the generated example) and `handwritten-petstore` \
         (`xtask/handwritten/`: the same `get_pet` and `create_pet` with plain axum, serde and an \
         async-graphql static schema), both on 127.0.0.1 with pet 1 seeded. \
         `wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{}s --latency` with a Lua script per call, on the \
         same 2 cores as the servers; {WARMUP_SECONDS} s untimed warm-up per server, then {} timed \
         run{} per server, alternating which server goes first; the best run counts (all runs in \
         brackets, requests/s). `POST /pets` repeats the seed's idempotency key, so each call is \
         authenticated, decoded and validated and returns the stored pet.\n\n",
        o.seconds,
        o.rounds,
        if o.rounds == 1 { "" } else { "s" }
    ));
    out.push_str(
        "| Protocol | Call | Generated (req/s) | Hand-written (req/s) | Generated / hand-written | \
         p50 / p99 latency, generated | p50 / p99, hand-written | Target | |\n\
         |---|---|---:|---:|---:|---:|---:|---|---|\n",
    );
    let mut summary = Vec::new();
    for (call, m) in r.calls.iter().zip(r.results) {
        let generated = best(&m.generated);
        let handwritten = best(&m.handwritten);
        let latency = |run: Option<&WrkRun>| run.map(|run| format!("{} / {}", run.p50, run.p99)).unwrap_or_default();
        let (ratio, target, ok) = match (generated, handwritten) {
            (Some(g), Some(h)) => {
                let ratio = g.requests_per_second / h.requests_per_second;
                (
                    format!("{ratio:.2}"),
                    format!("≥ {RATIO_TARGET:.2} of hand-written"),
                    ratio >= RATIO_TARGET,
                )
            }
            (Some(g), None) => (
                String::new(),
                format!("> {} calls/s", thousands(SOAP_TARGET as u64)),
                g.requests_per_second > SOAP_TARGET,
            ),
            _ => (String::new(), String::new(), false),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {ratio} | {} | {} | {target} | {} |\n",
            call.protocol,
            call.label,
            rate(&m.generated),
            rate(&m.handwritten),
            latency(generated),
            latency(handwritten),
            verdict(ok),
        ));
        summary.push((call, generated.cloned(), handwritten.cloned(), ok));
    }
    let ws_best = r.ws_runs.iter().copied().fold(0.0, f64::max);
    let cpu_rows: Vec<String> = r
        .calls
        .iter()
        .zip(r.results)
        .filter_map(|(call, m)| {
            let g = cpu_per_request(&m.generated)?;
            let h = cpu_per_request(&m.handwritten);
            Some(format!(
                "| {} | {} | {g:.1} µs | {} | {} |\n",
                call.protocol,
                call.label,
                h.map(|h| format!("{h:.1} µs")).unwrap_or_default(),
                h.map(|h| format!("{:.2}", g / h)).unwrap_or_default(),
            ))
        })
        .collect();
    let ws_all: Vec<String> = r.ws_runs.iter().map(|v| thousands(v.round() as u64)).collect();
    out.push_str(&format!(
        "| WebSocket | `PetStore.get_pet`, subprotocol `omniface.jsonrpc.v1` (`/ws`) | **{}** msg/s ({}) | | | | | \
         > {} messages/s | {} |\n\n",
        thousands(ws_best.round() as u64),
        ws_all.join(", "),
        thousands(WS_TARGET as u64),
        verdict(ws_best > WS_TARGET)
    ));
    out.push_str(&format!(
        "WebSocket: `ws-load` (`xtask/handwritten/src/bin/ws-load.rs`, release, {WS_THREADS} \
         thread) opens {WS_CONNECTIONS} connections and keeps {WS_PIPELINE} JSON-RPC requests in \
         flight on each (every response sends the next request); messages/s are the responses \
         counted in {} s after a {WARMUP_SECONDS} s warm-up.\n\n",
        o.seconds
    ));
    if !cpu_rows.is_empty() {
        out.push_str(
            "Server CPU time per request (user + system, from `/proc/PID/stat` over all timed runs; \
             less disturbed by other work on the machine than the rates, and it includes the \
             kernel's share of loopback TCP):\n\n\
             | Protocol | Call | Generated | Hand-written | Generated / hand-written |\n\
             |---|---|---:|---:|---:|\n",
        );
        for row in cpu_rows {
            out.push_str(&row);
        }
        out.push('\n');
    }
    for (call, generated, handwritten, ok) in summary {
        let (Some(g), Some(h)) = (generated, handwritten) else {
            continue;
        };
        out.push_str(&format!(
            "- {} {}: generated / hand-written = {} / {} = **{:.2}**; target at least \
             {RATIO_TARGET:.2}: {}.\n",
            call.protocol,
            call.label,
            thousands(g.requests_per_second.round() as u64),
            thousands(h.requests_per_second.round() as u64),
            g.requests_per_second / h.requests_per_second,
            verdict(ok)
        ));
    }
    let errors: Vec<String> = r
        .results
        .iter()
        .flat_map(|m| m.generated.iter().chain(&m.handwritten))
        .filter_map(|run| run.socket_errors.clone())
        .collect();
    if !errors.is_empty() {
        out.push_str(&format!("- wrk reported socket errors: {}.\n", errors.join("; ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let text = "Running 10s test @ http://127.0.0.1:1/pets/1
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   467.21us  301.00us  10.00ms   90.00%
    Req/Sec    69.45k     3.00k   75.00k    70.00%
  Latency Distribution
     50%  401.00us
     75%  500.00us
     90%  700.00us
     99%    1.57ms
  1389123 requests in 10.10s, 250.15MB read
Requests/sec: 137526.94
Transfer/sec:     24.77MB
";
        let run = parse_wrk(text).unwrap();
        assert_eq!(run.requests, 1_389_123);
        assert_eq!(run.p50, "401.00us");
        assert_eq!(run.p99, "1.57ms");
        assert!((run.requests_per_second - 137_526.94).abs() < 1e-6);
        assert!(run.socket_errors.is_none());
    }

    #[test]
    fn lua_bodies_need_no_escaping() {
        let call = &calls()[3];
        let script = lua_script(call);
        assert!(script.contains("wrk.method = \"POST\""));
        assert!(script.contains(r#"wrk.body = [==[{"query":"query { getPet(id: \"1\") { name } }"}]==]"#));
    }

    #[test]
    fn chunked_bodies() {
        assert_eq!(dechunk("4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n"), "Wikipedia");
    }
}
