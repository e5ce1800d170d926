//! `grpc-load`: the gRPC load client of `cargo xtask bench`, on the tonic client that
//! tonic-prost-build generates from the benchmark's `.proto` (built in release with the servers,
//! so that the client is not what limits the rate).
//!
//! ```text
//! grpc-load --addr 127.0.0.1:PORT check
//! grpc-load --addr 127.0.0.1:PORT unary  [--connections 4] [--concurrency 128] [--warmup 2] [--seconds 10] [--threads 1]
//! grpc-load --addr 127.0.0.1:PORT stream [--connections 2] [--streams 2] [--count N] [--warmup 2] [--seconds 10] [--threads 1]
//! ```
//!
//! - `check`: one `GetPet` (id 7) and one `StreamPets` (count 3); prints the answers as one JSON
//!   object, for the benchmark to compare between servers. Any error status fails.
//! - `unary`: opens `--connections` HTTP/2 connections and keeps `--concurrency` `GetPet` calls in
//!   flight over them (each task on its connection sends the next call when the previous one is
//!   answered). A reply counts when its status is OK and its pet carries the requested id;
//!   anything else counts as an error.
//! - `stream`: keeps `--streams` `StreamPets` calls open (`--count` pets each, a fresh call when
//!   one ends), spread over the connections, and counts the messages received.
//!
//! After `--warmup` seconds it counts during `--seconds`, prints one JSON object (the counts, the
//! rate, its own CPU time during the count) and exits; it never runs longer than the warm-up, the
//! measurement and 15 s for connecting.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tonic::transport::{Channel, Endpoint};

mod pb {
    tonic::include_proto!("acme.bench.v1");
}

use pb::bench_service_client::BenchServiceClient;
use pb::{GetPetRequest, Pet, Species, StreamPetsRequest};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Check,
    Unary,
    Stream,
}

struct Options {
    addr: String,
    mode: Mode,
    connections: usize,
    concurrency: usize,
    streams: usize,
    count: u32,
    warmup: f64,
    seconds: f64,
    threads: usize,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        addr: String::new(),
        mode: Mode::Check,
        connections: 0,
        concurrency: 128,
        streams: 2,
        count: 1_000_000_000,
        warmup: 2.0,
        seconds: 10.0,
        threads: 1,
    };
    let mut mode = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("`{arg}` needs a value"));
        let number = |text: String| text.parse::<f64>().map_err(|_| format!("`{text}` is not a number"));
        match arg.as_str() {
            "--addr" => options.addr = value()?,
            "--connections" => options.connections = number(value()?)? as usize,
            "--concurrency" => options.concurrency = number(value()?)? as usize,
            "--streams" => options.streams = number(value()?)? as usize,
            "--count" => options.count = number(value()?)? as u32,
            "--warmup" => options.warmup = number(value()?)?,
            "--seconds" => options.seconds = number(value()?)?,
            "--threads" => options.threads = number(value()?)? as usize,
            "check" => mode = Some(Mode::Check),
            "unary" => mode = Some(Mode::Unary),
            "stream" => mode = Some(Mode::Stream),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    options.mode = mode.ok_or("a mode is required: check, unary or stream")?;
    if options.addr.is_empty() {
        return Err("--addr is required".into());
    }
    if options.connections == 0 {
        options.connections = match options.mode {
            Mode::Unary => 4,
            _ => options.streams.max(1),
        };
    }
    if options.concurrency == 0
        || options.streams == 0
        || options.count == 0
        || options.threads == 0
        || options.seconds <= 0.0
        || options.warmup < 0.0
    {
        return Err("--concurrency, --streams, --count, --threads and --seconds must be positive".into());
    }
    Ok(options)
}

#[derive(Default)]
struct Counters {
    ok: AtomicU64,
    errors: AtomicU64,
    first_error: std::sync::Mutex<Option<String>>,
}

impl Counters {
    fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut first) = self.first_error.lock() {
            first.get_or_insert(what);
        }
    }
}

fn main() {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(options)) {
        Ok(report) => {
            println!("{report}");
            // The calls are still in flight: end the process, not them.
            std::process::exit(0);
        }
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(1);
        }
    }
}

async fn connect(addr: &str) -> Result<Channel, String> {
    let endpoint = Endpoint::from_shared(format!("http://{addr}")).map_err(|e| format!("bad --addr {addr}: {e}"))?;
    endpoint
        .tcp_nodelay(true)
        .connect()
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))
}

async fn run(options: Options) -> Result<Value, String> {
    let channels = tokio::time::timeout(Duration::from_secs(15), async {
        let mut channels = Vec::new();
        for _ in 0..options.connections {
            channels.push(connect(&options.addr).await?);
        }
        Ok::<_, String>(channels)
    })
    .await
    .map_err(|_| "connecting took longer than 15 s".to_string())??;
    if options.mode == Mode::Check {
        return tokio::time::timeout(Duration::from_secs(15), check(channels[0].clone()))
            .await
            .map_err(|_| "the check took longer than 15 s".to_string())?;
    }
    let counters = Arc::new(Counters::default());
    let tasks = if options.mode == Mode::Unary {
        options.concurrency
    } else {
        options.streams
    };
    for task in 0..tasks {
        let client = BenchServiceClient::new(channels[task % channels.len()].clone());
        let counters = counters.clone();
        if options.mode == Mode::Unary {
            tokio::spawn(unary(client, counters, task as u64));
        } else {
            tokio::spawn(stream(client, counters, options.count));
        }
    }
    tokio::time::sleep(Duration::from_secs_f64(options.warmup)).await;
    let (start_ok, start_errors) = (
        counters.ok.load(Ordering::Relaxed),
        counters.errors.load(Ordering::Relaxed),
    );
    let started = Instant::now();
    let cpu_before = own_cpu_seconds();
    tokio::time::sleep(Duration::from_secs_f64(options.seconds)).await;
    let ok = counters.ok.load(Ordering::Relaxed) - start_ok;
    let errors = counters.errors.load(Ordering::Relaxed) - start_errors;
    let elapsed = started.elapsed().as_secs_f64();
    let client_cpu = own_cpu_seconds().zip(cpu_before).map(|(after, before)| after - before);
    let first_error = counters.first_error.lock().map(|e| e.clone()).unwrap_or_default();
    Ok(json!({
        "mode": if options.mode == Mode::Unary { "unary" } else { "stream" },
        "connections": options.connections,
        "in_flight": tasks,
        "threads": options.threads,
        "seconds": elapsed,
        "ok": ok,
        "errors": errors,
        "all_errors": counters.errors.load(Ordering::Relaxed),
        "per_second": ok as f64 / elapsed,
        "client_cpu_seconds": client_cpu,
        "first_error": first_error,
    }))
}

/// This process's CPU time (user + system) so far, from `/proc/self/stat` (Linux; 100 ticks a
/// second).
fn own_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// `GetPet` calls one after the other; the ids differ per task and call.
async fn unary(mut client: BenchServiceClient<Channel>, counters: Arc<Counters>, task: u64) {
    let mut id = task << 32;
    loop {
        id += 1;
        match client.get_pet(GetPetRequest { id }).await {
            Ok(response) => match response.into_inner().pet {
                Some(pet) if pet.id == id => {
                    counters.ok.fetch_add(1, Ordering::Relaxed);
                }
                other => counters.error(format!("GetPet({id}) answered {other:?}")),
            },
            Err(status) => {
                counters.error(format!("GetPet({id}) failed: {status}"));
                // Do not spin on a server that refuses everything.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// `StreamPets` calls, each read to its end (or to the end of the process).
async fn stream(mut client: BenchServiceClient<Channel>, counters: Arc<Counters>, count: u32) {
    loop {
        let mut pets = match client.stream_pets(StreamPetsRequest { count }).await {
            Ok(response) => response.into_inner(),
            Err(status) => {
                counters.error(format!("StreamPets({count}) failed: {status}"));
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let mut expected = 0;
        loop {
            match pets.message().await {
                Ok(Some(message)) => {
                    expected += 1;
                    match message.pet {
                        Some(pet) if pet.id == expected => {
                            counters.ok.fetch_add(1, Ordering::Relaxed);
                        }
                        other => counters.error(format!("StreamPets message {expected} was {other:?}")),
                    }
                }
                Ok(None) => break,
                Err(status) => {
                    counters.error(format!("StreamPets failed after {expected} messages: {status}"));
                    break;
                }
            }
        }
    }
}

/// One `GetPet` and one short `StreamPets`, as JSON.
async fn check(channel: Channel) -> Result<Value, String> {
    let mut client = BenchServiceClient::new(channel);
    let pet = client
        .get_pet(GetPetRequest { id: 7 })
        .await
        .map_err(|status| format!("GetPet(7) failed: {status}"))?
        .into_inner()
        .pet;
    let mut pets = client
        .stream_pets(StreamPetsRequest { count: 3 })
        .await
        .map_err(|status| format!("StreamPets(3) failed: {status}"))?
        .into_inner();
    let mut streamed = Vec::new();
    while let Some(message) = pets
        .message()
        .await
        .map_err(|status| format!("StreamPets(3) failed after {} messages: {status}", streamed.len()))?
    {
        streamed.push(message.pet.as_ref().map(pet_json).unwrap_or(Value::Null));
    }
    let trailers = pets
        .trailers()
        .await
        .map_err(|status| format!("StreamPets(3) trailers: {status}"))?;
    Ok(json!({
        "get_pet": pet.as_ref().map(pet_json).unwrap_or(Value::Null),
        "stream_pets": streamed,
        "stream_trailers": trailers.map(|t| t.len()).unwrap_or(0),
    }))
}

fn pet_json(pet: &Pet) -> Value {
    json!({
        "id": pet.id,
        "name": pet.name,
        "species": Species::try_from(pet.species).map(|s| s.as_str_name()).unwrap_or("(unknown)"),
        "tags": pet.tags,
        "created_at": pet.created_at.as_ref().map(|t| json!({"seconds": t.seconds, "nanos": t.nanos})),
    })
}
