//! Section 4 of `cargo xtask bench` (alone: `--only grpc`): the generated gRPC adapter under load,
//! beside the same service written by hand with tonic.
//!
//! 1. `cargo build --release -p petstore-server -p handwritten-petstore` (the same single
//!    invocation as section 3, so in a full run nothing is compiled again). `xtask/handwritten/`
//!    holds the benchmark service `xtask/handwritten/bench.idl` (`GetPet`, unary, and
//!    `StreamPets`, server streaming, on a pet like the pet store's) three times over:
//!    `grpc-generated` implements the generated `Bench` trait and is served by `omniface::Server`;
//!    `grpc-handwritten` implements tonic's `BenchService` on the prost messages that
//!    tonic-prost-build compiles from the `.proto` omniface generated, served by
//!    `tonic::transport::Server`; `grpc-load` is a load client on the tonic client of the same
//!    `.proto`.
//! 2. Installs `h2load` (Debian's `nghttp2-client`) with apt-get when it is missing.
//! 3. Starts both servers on free ports of 127.0.0.1 and runs `grpc-load check` on each: one
//!    `GetPet` and one three-pet `StreamPets`, each of which must end with status OK, and the two
//!    servers must give the same answers. h2load cannot read gRPC trailers; this check is what
//!    says its 200s are successful calls.
//! 4. Loads each call side by side: an untimed warm-up of [`WARMUP_SECONDS`] per server and
//!    loader, then `rounds` timed runs per server of `seconds` each, alternating the order
//!    (generated first in odd rounds, hand-written first in even ones). The best round counts. The
//!    loads:
//!    - unary with h2load: [`H2LOAD_CONNECTIONS`] HTTP/2 connections, [`H2LOAD_STREAMS`] streams in
//!      flight on each, one client thread, the body a file holding the 5-byte gRPC frame prefix and
//!      the encoded `GetPetRequest { id: 1 }`, headers `content-type: application/grpc` and
//!      `te: trailers`; any non-2xx or failed request fails the benchmark;
//!    - unary with `grpc-load unary`: [`LOAD_CONNECTIONS`] connections, [`LOAD_CONCURRENCY`] calls
//!      in flight; it checks every reply's status and pet id, and any error fails the benchmark;
//!    - server streaming with `grpc-load stream`: [`STREAMS`] `StreamPets` calls of a billion pets
//!      each, one per connection, counting the messages received (each checked).
//!
//!    The server's CPU time (user + system, from `/proc/PID/stat`) is read around every timed run.
//!    The unary targets are judged on whichever unary load got more out of the hand-written
//!    server (h2load so far: the tonic client on one thread saturates its core first); the other
//!    is reported as a cross-check.
//!
//! Every child process is bounded (`timeout` around h2load and grpc-load, and each has its own
//! deadline); the servers are killed when the section ends, whether it succeeds or fails. Only
//! 127.0.0.1 is used.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::protocols::{Running, process_cpu, start};
use super::{load_average, machine, thousands, utc_now};
use crate::Result;
use crate::ctx::{self, Ctx, describe, note, show_output, step};

/// The targets: generated / hand-written throughput, and unary calls per second (when the
/// hand-written server reaches it).
const RATIO_TARGET: f64 = 0.95;
const UNARY_TARGET: f64 = 100_000.0;
/// Untimed warm-up per server, call and loader, in seconds.
const WARMUP_SECONDS: u64 = 2;
/// h2load's unary load: connections, streams in flight per connection, client threads.
const H2LOAD_CONNECTIONS: usize = 4;
const H2LOAD_STREAMS: usize = 64;
const H2LOAD_THREADS: usize = 1;
/// grpc-load's unary load: connections, calls in flight over them, client threads.
const LOAD_CONNECTIONS: usize = 4;
const LOAD_CONCURRENCY: usize = 128;
const LOAD_THREADS: usize = 1;
/// grpc-load's streaming load: concurrent `StreamPets` calls (one connection each).
const STREAMS: usize = 2;
/// The gRPC path of the unary call.
const GET_PET: &str = "/acme.bench.v1.BenchService/GetPet";
/// A gRPC frame (uncompressed, length 2) holding `GetPetRequest { id: 1 }` (field 1, varint 1).
const GET_PET_FRAME: [u8; 7] = [0, 0, 0, 0, 2, 0x08, 0x01];

pub struct Options {
    /// Length of each timed run.
    pub seconds: u64,
    /// Timed runs per server and load.
    pub rounds: usize,
}

/// The loads, in report order.
#[derive(Clone, Copy, PartialEq)]
enum Workload {
    UnaryH2load,
    UnaryGrpcLoad,
    Stream,
}

impl Workload {
    const ALL: [Workload; 3] = [Workload::UnaryH2load, Workload::UnaryGrpcLoad, Workload::Stream];

    fn label(self) -> &'static str {
        match self {
            Workload::UnaryH2load => "unary `GetPet`, h2load",
            Workload::UnaryGrpcLoad => "unary `GetPet`, grpc-load",
            Workload::Stream => "server streaming `StreamPets`, grpc-load",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Workload::Stream => "messages/s",
            _ => "calls/s",
        }
    }
}

/// What one timed run measured.
#[derive(Clone, Debug)]
struct Run {
    per_second: f64,
    /// Calls (unary) or messages (streaming) counted.
    count: u64,
    /// The server process's CPU time (user + system) during the run, when `/proc` has it.
    server_cpu: Option<Duration>,
    /// The load client's own CPU time, when it reports it.
    client_cpu: Option<Duration>,
}

/// A load's timed runs on each server, in order.
struct Measured {
    load: Workload,
    generated: Vec<Run>,
    handwritten: Vec<Run>,
}

fn best(runs: &[Run]) -> Option<&Run> {
    runs.iter().max_by(|a, b| a.per_second.total_cmp(&b.per_second))
}

struct Binaries {
    generated: PathBuf,
    handwritten: PathBuf,
    load: PathBuf,
}

pub fn run(ctx: &Ctx, options: &Options) -> Result<String> {
    let load_before = load_average();
    let machine = machine();
    let h2load = ensure_h2load()?;

    step("building the gRPC servers (release): cargo build --release -p petstore-server -p handwritten-petstore");
    let binaries = build(ctx)?;
    let dir = ctx.fresh_dir("bench/grpc")?;
    let body = dir.join("get-pet-request.bin");
    std::fs::write(&body, GET_PET_FRAME).map_err(|e| format!("cannot write {}: {e}", ctx.rel(&body)))?;

    step("starting both gRPC servers on 127.0.0.1");
    let generated = start(ctx, &binaries.generated, "grpc-generated")?;
    let handwritten = start(ctx, &binaries.handwritten, "grpc-handwritten")?;

    step("checking GetPet and StreamPets on both servers (grpc-load check)");
    check(&binaries.load, &generated, &handwritten)?;

    let d = options.seconds;
    step(&format!(
        "loading each call: {WARMUP_SECONDS} s warm-up, then {} timed run{} of {d} s per server, alternating",
        options.rounds,
        if options.rounds == 1 { "" } else { "s" }
    ));
    let mut results = Vec::new();
    for load in Workload::ALL {
        let servers = [&generated, &handwritten];
        let one = |server: &Running, seconds: u64| match load {
            Workload::UnaryH2load => h2load_run(&body, server, seconds),
            Workload::UnaryGrpcLoad | Workload::Stream => grpc_load_run(&binaries.load, server, load, seconds),
        };
        for server in servers {
            one(server, WARMUP_SECONDS)?;
        }
        let mut measured = Measured {
            load,
            generated: Vec::new(),
            handwritten: Vec::new(),
        };
        for round in 0..options.rounds {
            let mut order = servers;
            if round % 2 == 1 {
                order.reverse();
            }
            for server in order {
                let run = one(server, d)?;
                note(&format!(
                    "{} on {}: {} {}{}",
                    load.label(),
                    server.name,
                    thousands(run.per_second.round() as u64),
                    load.unit(),
                    run.server_cpu
                        .map(|cpu| format!(", server CPU {:.0}% of one core", cpu.as_secs_f64() * 100.0 / d as f64))
                        .unwrap_or_default()
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
    drop(generated);
    drop(handwritten);
    let load_after = load_average();

    Ok(report(&Report {
        machine,
        load_before,
        load_after,
        h2load,
        options,
        results: &results,
    }))
}

/// The gRPC binaries of the one release build shared with the HTTP section.
fn build(ctx: &Ctx) -> Result<Binaries> {
    let executables = super::protocols::release_build(ctx)?;
    Ok(Binaries {
        generated: executables.get("grpc-generated")?,
        handwritten: executables.get("grpc-handwritten")?,
        load: executables.get("grpc-load")?,
    })
}

/// `grpc-load check` on both servers: both must succeed and answer the same.
fn check(load: &Path, generated: &Running, handwritten: &Running) -> Result {
    let mut answers = Vec::new();
    for server in [generated, handwritten] {
        let mut cmd = Command::new("timeout");
        cmd.args(["--kill-after=5", "60"])
            .arg(load)
            .args(["--addr", &server.address, "check"])
            .stdin(Stdio::null());
        let output = cmd
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}", describe(&cmd)))?;
        let fail = |why: &str| format!("{}: `{}` {why}\n{}", server.name, describe(&cmd), show_output(&output));
        if !output.status.success() {
            return Err(fail(&format!("failed ({})", output.status)));
        }
        let answer: Value = serde_json::from_slice(&output.stdout).map_err(|_| fail("printed no JSON"))?;
        let pets = answer["stream_pets"].as_array().map(Vec::len);
        if answer["get_pet"]["id"] != 7 || answer["get_pet"]["name"] != "Rex" || pets != Some(3) {
            return Err(fail(
                "did not answer GetPet(7) with pet 7 and StreamPets(3) with 3 pets",
            ));
        }
        note(&format!("{} on {}: {answer}", server.name, server.address));
        answers.push(answer);
    }
    if answers[0] != answers[1] {
        return Err(format!(
            "the servers answer differently\n  generated:    {}\n  hand-written: {}",
            answers[0], answers[1]
        ));
    }
    Ok(())
}

fn h2load_run(body: &Path, server: &Running, seconds: u64) -> Result<Run> {
    let mut cmd = Command::new("timeout");
    cmd.args(["--kill-after=5", &(seconds + 30).to_string(), "h2load"])
        .args(["-D", &seconds.to_string()])
        .args(["-c", &H2LOAD_CONNECTIONS.to_string()])
        .args(["-m", &H2LOAD_STREAMS.to_string()])
        .args(["-t", &H2LOAD_THREADS.to_string()])
        .arg("-d")
        .arg(body)
        .args(["-H", "content-type: application/grpc", "-H", "te: trailers"])
        .arg(format!("http://{}{GET_PET}", server.address))
        .stdin(Stdio::null());
    let (output, server_cpu) = run_measured(&mut cmd, server)?;
    let text = String::from_utf8_lossy(&output.stdout);
    let fail = |why: &str| format!("`{}` {why}\n{}", describe(&cmd), show_output(&output));
    if !output.status.success() {
        return Err(fail(&format!("failed ({})", output.status)));
    }
    let parsed = parse_h2load(&text).ok_or_else(|| fail("printed no `req/s` or request counts"))?;
    if parsed.succeeded == 0 || parsed.failed > 0 || parsed.errored > 0 || parsed.non_2xx > 0 {
        return Err(fail(&format!(
            "on {}: {} succeeded, {} failed, {} errored, {} not 2xx",
            server.name, parsed.succeeded, parsed.failed, parsed.errored, parsed.non_2xx
        )));
    }
    Ok(Run {
        per_second: parsed.per_second,
        count: parsed.succeeded,
        server_cpu,
        client_cpu: None,
    })
}

/// The figures of an h2load report.
#[derive(Debug, PartialEq)]
struct H2loadReport {
    per_second: f64,
    succeeded: u64,
    failed: u64,
    errored: u64,
    non_2xx: u64,
}

fn parse_h2load(text: &str) -> Option<H2loadReport> {
    let (mut per_second, mut counts, mut codes) = (None, None, None);
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("finished in ") {
            // `finished in 10.00s, 123456.70 req/s, 8.21MB/s`
            per_second = rest.split(", ").nth(1)?.strip_suffix(" req/s")?.parse().ok();
        } else if let Some(rest) = line.strip_prefix("requests: ") {
            // `requests: 1234 total, 1234 started, 1234 done, 1234 succeeded, 0 failed, 0 errored, 0 timeout`
            let count = |word: &str| -> Option<u64> {
                rest.split(", ")
                    .find(|part| part.ends_with(word))?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            };
            counts = Some((count(" succeeded")?, count(" failed")?, count(" errored")?));
        } else if let Some(rest) = line.strip_prefix("status codes: ") {
            // `status codes: 1234 2xx, 0 3xx, 0 4xx, 0 5xx`
            let mut non_2xx = 0;
            for part in rest.split(", ") {
                let (n, class) = part.split_once(' ')?;
                if class != "2xx" {
                    non_2xx += n.parse::<u64>().ok()?;
                }
            }
            codes = Some(non_2xx);
        }
    }
    let (succeeded, failed, errored) = counts?;
    Some(H2loadReport {
        per_second: per_second?,
        succeeded,
        failed,
        errored,
        non_2xx: codes?,
    })
}

fn grpc_load_run(load: &Path, server: &Running, kind: Workload, seconds: u64) -> Result<Run> {
    let mut cmd = Command::new("timeout");
    cmd.args(["--kill-after=5", &(seconds + 30).to_string()])
        .arg(load)
        .args(["--addr", &server.address]);
    if kind == Workload::Stream {
        cmd.arg("stream")
            .args(["--streams", &STREAMS.to_string()])
            .args(["--connections", &STREAMS.to_string()]);
    } else {
        cmd.arg("unary")
            .args(["--connections", &LOAD_CONNECTIONS.to_string()])
            .args(["--concurrency", &LOAD_CONCURRENCY.to_string()]);
    }
    cmd.args(["--threads", &LOAD_THREADS.to_string()])
        .args(["--warmup", "0", "--seconds", &seconds.to_string()])
        .stdin(Stdio::null());
    let (output, server_cpu) = run_measured(&mut cmd, server)?;
    let fail = |why: &str| format!("`{}` {why}\n{}", describe(&cmd), show_output(&output));
    if !output.status.success() {
        return Err(fail(&format!("failed ({})", output.status)));
    }
    let report: Value = serde_json::from_slice(&output.stdout).map_err(|_| fail("printed no JSON report"))?;
    if report["all_errors"].as_u64() != Some(0) {
        return Err(fail(&format!(
            "on {}: {} errors; the first: {}",
            server.name, report["all_errors"], report["first_error"]
        )));
    }
    let per_second = report["per_second"]
        .as_f64()
        .filter(|rate| *rate > 0.0)
        .ok_or_else(|| fail("counted nothing"))?;
    Ok(Run {
        per_second,
        count: report["ok"].as_u64().unwrap_or(0),
        server_cpu,
        client_cpu: report["client_cpu_seconds"].as_f64().map(Duration::from_secs_f64),
    })
}

/// Runs the load client, with the server's CPU time read before and after.
fn run_measured(cmd: &mut Command, server: &Running) -> Result<(std::process::Output, Option<Duration>)> {
    let before = process_cpu(server.child.id());
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(cmd)))?;
    let after = process_cpu(server.child.id());
    Ok((output, before.zip(after).map(|(b, a)| a.saturating_sub(b))))
}

/// h2load's version, installing Debian's `nghttp2-client` when it is missing.
fn ensure_h2load() -> Result<String> {
    if let Some(version) = h2load_version() {
        note(&format!("h2load: found on PATH ({version})"));
        return Ok(version);
    }
    note("h2load: not found; installing the Debian package nghttp2-client");
    let install = || {
        let mut cmd = Command::new("apt-get");
        cmd.args(["install", "-y", "--no-install-recommends", "nghttp2-client"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        ctx::run(&mut cmd)
    };
    if install().is_err() {
        let mut update = Command::new("apt-get");
        update.arg("update").env("DEBIAN_FRONTEND", "noninteractive");
        ctx::run(&mut update)
            .and_then(|()| install())
            .map_err(|e| format!("{e}\nInstall the Debian package `nghttp2-client` (as root) and run again."))?;
    }
    h2load_version().ok_or_else(|| "nghttp2-client is installed but `h2load` still does not run".to_string())
}

/// `h2load --version` prints `h2load nghttp2/1.52.0`.
fn h2load_version() -> Option<String> {
    let output = Command::new("h2load")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().next()?.trim();
    (output.status.success() && line.starts_with("h2load")).then(|| line.to_string())
}

struct Report<'a> {
    machine: String,
    load_before: String,
    load_after: String,
    h2load: String,
    options: &'a Options,
    results: &'a [Measured],
}

fn rate(runs: &[Run]) -> String {
    let Some(top) = best(runs) else {
        return String::new();
    };
    let top = thousands(top.per_second.round() as u64);
    if runs.len() > 1 {
        let all: Vec<String> = runs.iter().map(|r| thousands(r.per_second.round() as u64)).collect();
        format!("**{top}** ({})", all.join(", "))
    } else {
        format!("**{top}**")
    }
}

/// Server CPU microseconds per call or message over all timed runs.
fn cpu_per_item(runs: &[Run]) -> Option<f64> {
    let (mut cpu, mut count) = (Duration::ZERO, 0);
    for run in runs {
        cpu += run.server_cpu?;
        count += run.count;
    }
    (count > 0).then(|| cpu.as_secs_f64() * 1e6 / count as f64)
}

/// The load client's CPU share of the two cores' time over all timed runs, when it reports it.
fn client_share(runs: &[Run], seconds: u64) -> Option<f64> {
    let mut cpu = Duration::ZERO;
    for run in runs {
        cpu += run.client_cpu?;
    }
    (!runs.is_empty()).then(|| cpu.as_secs_f64() / (runs.len() as f64 * seconds as f64))
}

fn verdict(ok: bool) -> &'static str {
    if ok { "**met**" } else { "**missed**" }
}

/// Which unary load the targets are judged on: the one that drove the hand-written server
/// hardest (the other is a client-bound cross-check).
fn judged_unary(results: &[Measured]) -> Option<Workload> {
    results
        .iter()
        .filter(|m| m.load != Workload::Stream)
        .filter_map(|m| Some((m.load, best(&m.handwritten)?.per_second)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(load, _)| load)
}

fn report(r: &Report) -> String {
    let o = r.options;
    let mut out = String::new();
    out.push_str(&format!(
        "### gRPC under load: the generated adapter beside hand-written tonic, {}\n\n",
        utc_now()
    ));
    out.push_str(&format!(
        "{} Load average (1, 5, 15 min) `{}` before this section and `{}` after it. {}.\n\n",
        r.machine, r.load_before, r.load_after, r.h2load
    ));
    let judged = judged_unary(r.results);
    out.push_str(&format!(
        "Release builds of `grpc-generated` (`xtask/handwritten/bench.idl` served by \
         `omniface::Server`) and `grpc-handwritten` (tonic and prost on the `.proto` omniface \
         generates from the same IDL, `tonic::transport::Server`), both on 127.0.0.1, the load \
         client on the same 2 cores. {WARMUP_SECONDS} s untimed warm-up per server and load, then \
         {} timed run{} of {} s per server, alternating which server goes first; the best run \
         counts (all runs in brackets). Unary with h2load: `-c{H2LOAD_CONNECTIONS} \
         -m{H2LOAD_STREAMS} -t{H2LOAD_THREADS}`, HTTP status checked (gRPC statuses were checked \
         once before the load); unary with `grpc-load` (`xtask/handwritten/src/bin/grpc-load.rs`, \
         the tonic client): {LOAD_CONNECTIONS} connections, {LOAD_CONCURRENCY} calls in flight, \
         {LOAD_THREADS} thread, every status and pet id checked; streaming: {STREAMS} \
         `StreamPets` calls in flight, one per connection, every message checked. The unary \
         targets are judged on the load that drove the hand-written server hardest{}; the other \
         unary row is a cross-check.\n\n",
        o.rounds,
        if o.rounds == 1 { "" } else { "s" },
        o.seconds,
        judged
            .map(|load| format!(" (here: {})", load.label()))
            .unwrap_or_default(),
    ));
    out.push_str(
        "| Call | Generated | Hand-written | Generated / hand-written | Server CPU per call or message, generated / hand-written | Target | |\n\
         |---|---:|---:|---:|---:|---|---|\n",
    );
    let mut lines = Vec::new();
    for m in r.results {
        let (Some(g), Some(h)) = (best(&m.generated), best(&m.handwritten)) else {
            continue;
        };
        let ratio = g.per_second / h.per_second;
        let cpu = match (cpu_per_item(&m.generated), cpu_per_item(&m.handwritten)) {
            // Streamed messages cost well under a microsecond: two decimals there.
            (Some(g), Some(h)) if g < 10.0 => format!("{g:.2} / {h:.2} µs ({:.2})", g / h),
            (Some(g), Some(h)) => format!("{g:.1} / {h:.1} µs ({:.2})", g / h),
            _ => String::new(),
        };
        let (target, ok) = if m.load == Workload::Stream {
            (
                format!("≥ {RATIO_TARGET:.2} of hand-written"),
                Some(ratio >= RATIO_TARGET),
            )
        } else if Some(m.load) == judged {
            let fast = h.per_second <= UNARY_TARGET || g.per_second > UNARY_TARGET;
            (
                format!(
                    "≥ {RATIO_TARGET:.2} of hand-written; > {} calls/s if hand-written is",
                    thousands(UNARY_TARGET as u64)
                ),
                Some(ratio >= RATIO_TARGET && fast),
            )
        } else {
            ("cross-check".to_string(), None)
        };
        out.push_str(&format!(
            "| {} ({}) | {} | {} | {ratio:.2} | {cpu} | {target} | {} |\n",
            m.load.label(),
            m.load.unit(),
            rate(&m.generated),
            rate(&m.handwritten),
            ok.map(verdict).unwrap_or_default()
        ));
        let share = match (
            client_share(&m.generated, o.seconds),
            client_share(&m.handwritten, o.seconds),
        ) {
            (Some(g), Some(h)) => format!(
                " (the load client used {:.0}% of one core against the generated server, {:.0}% \
                 against the hand-written one)",
                g * 100.0,
                h * 100.0
            ),
            _ => String::new(),
        };
        lines.push(format!(
            "- {}: generated / hand-written = {} / {} = **{ratio:.2}**{share}{}.\n",
            m.load.label(),
            thousands(g.per_second.round() as u64),
            thousands(h.per_second.round() as u64),
            ok.map(|ok| format!("; target: {}", verdict(ok))).unwrap_or_default()
        ));
    }
    out.push('\n');
    for line in lines {
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_h2load_output() {
        let text = "starting benchmark...
spawning thread #0: 4 total client(s). Timing-based test with 0s of warm-up time and 5s of main duration for buckets.
Warm-up started for thread #0.
progress: 10% of clients started
Warm-up phase is over for thread #0.
Main benchmark duration is started for thread #0.
Main benchmark duration is over for thread #0. Stopping all clients.
Stopped all clients for thread #0

finished in 5.00s, 24131.80 req/s, 1.66MB/s
requests: 120659 total, 120659 started, 120659 done, 120659 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 120659 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 8.29MB (8687908) total, 409.82KB (419657) headers (space savings 95.77%), 5.46MB (5725855) data
";
        assert_eq!(
            parse_h2load(text),
            Some(H2loadReport {
                per_second: 24_131.80,
                succeeded: 120_659,
                failed: 0,
                errored: 0,
                non_2xx: 0,
            })
        );
        assert_eq!(parse_h2load("finished in 5.00s, 1.00 req/s, 1MB/s\n"), None);
    }

    #[test]
    fn unary_target_judged_on_the_load_that_got_more_from_hand_written() {
        let run = |per_second| Run {
            per_second,
            count: 1,
            server_cpu: None,
            client_cpu: None,
        };
        let measured = |load, handwritten| Measured {
            load,
            generated: vec![run(1.0)],
            handwritten: vec![run(handwritten)],
        };
        let results = [
            measured(Workload::UnaryH2load, 50_000.0),
            measured(Workload::UnaryGrpcLoad, 30_000.0),
            measured(Workload::Stream, 900_000.0),
        ];
        assert!(judged_unary(&results) == Some(Workload::UnaryH2load));
        let results = [
            measured(Workload::UnaryH2load, 20_000.0),
            measured(Workload::UnaryGrpcLoad, 30_000.0),
        ];
        assert!(judged_unary(&results) == Some(Workload::UnaryGrpcLoad));
    }

    #[test]
    fn get_pet_frame_is_a_grpc_message() {
        // Compressed flag, big-endian length, then the message.
        assert_eq!(GET_PET_FRAME[0], 0);
        let length = u32::from_be_bytes(GET_PET_FRAME[1..5].try_into().unwrap()) as usize;
        assert_eq!(length, GET_PET_FRAME.len() - 5);
    }
}
