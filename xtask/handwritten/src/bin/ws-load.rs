//! `ws-load`: the WebSocket load client of `cargo xtask bench` (built in release with the
//! servers, so that the client is not what limits the rate).
//!
//! ```text
//! ws-load --url ws://127.0.0.1:PORT/ws --subprotocol omniface.jsonrpc.v1 \
//!         --method PetStore.get_pet --params '{"id":"1"}' \
//!         --connections 8 --pipeline 32 --warmup 2 --seconds 10 [--threads 1] [--expect TEXT]
//! ```
//!
//! Opens the connections, then on each keeps `--pipeline` JSON-RPC 2.0 requests in flight (each
//! with its own id): every answer received sends the next request. Answers containing `--expect`
//! (default `"result"`) count as responses, any other text message as an error. After the warm-up
//! it counts the responses received during `--seconds`, prints one JSON object and exits; it
//! never runs longer than the warm-up, the measurement and 15 s for connecting.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

struct Options {
    url: String,
    subprotocol: Option<String>,
    method: String,
    params: String,
    expect: String,
    connections: usize,
    pipeline: usize,
    warmup: f64,
    seconds: f64,
    threads: usize,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        url: String::new(),
        subprotocol: None,
        method: String::new(),
        params: "{}".into(),
        expect: "\"result\"".into(),
        connections: 8,
        pipeline: 32,
        warmup: 2.0,
        seconds: 10.0,
        threads: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("`{arg}` needs a value"));
        let number = |text: String| text.parse::<f64>().map_err(|_| format!("`{text}` is not a number"));
        match arg.as_str() {
            "--url" => options.url = value()?,
            "--subprotocol" => options.subprotocol = Some(value()?),
            "--method" => options.method = value()?,
            "--params" => options.params = value()?,
            "--expect" => options.expect = value()?,
            "--connections" => options.connections = number(value()?)? as usize,
            "--pipeline" => options.pipeline = number(value()?)? as usize,
            "--warmup" => options.warmup = number(value()?)?,
            "--seconds" => options.seconds = number(value()?)?,
            "--threads" => options.threads = number(value()?)? as usize,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if options.url.is_empty() || options.method.is_empty() {
        return Err("--url and --method are required".into());
    }
    if options.connections == 0 || options.pipeline == 0 || options.threads == 0 || options.seconds <= 0.0 {
        return Err("--connections, --pipeline, --threads and --seconds must be positive".into());
    }
    serde_json::from_str::<serde_json::Value>(&options.params).map_err(|e| format!("--params is not JSON: {e}"))?;
    Ok(options)
}

#[derive(Default)]
struct Counters {
    responses: AtomicU64,
    errors: AtomicU64,
    first_error: std::sync::Mutex<Option<String>>,
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
            // The connections' tasks are still pipelining: end the process, not them.
            std::process::exit(0);
        }
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(1);
        }
    }
}

async fn run(options: Options) -> Result<String, String> {
    let options = Arc::new(options);
    let counters = Arc::new(Counters::default());
    let mut sockets = Vec::with_capacity(options.connections);
    let connecting = async {
        for _ in 0..options.connections {
            let mut request = options
                .url
                .as_str()
                .into_client_request()
                .map_err(|e| format!("bad --url: {e}"))?;
            if let Some(subprotocol) = &options.subprotocol {
                let value = HeaderValue::from_str(subprotocol).map_err(|e| format!("bad --subprotocol: {e}"))?;
                request.headers_mut().insert("sec-websocket-protocol", value);
            }
            let (socket, response) = tokio_tungstenite::connect_async(request)
                .await
                .map_err(|e| format!("cannot connect to {}: {e}", options.url))?;
            if let Some(subprotocol) = &options.subprotocol {
                let agreed = response
                    .headers()
                    .get("sec-websocket-protocol")
                    .and_then(|v| v.to_str().ok());
                if agreed != Some(subprotocol.as_str()) {
                    return Err(format!(
                        "the server did not agree to the subprotocol {subprotocol} (it answered {agreed:?})"
                    ));
                }
            }
            sockets.push(socket);
        }
        Ok::<(), String>(())
    };
    tokio::time::timeout(Duration::from_secs(15), connecting)
        .await
        .map_err(|_| "connecting took longer than 15 s".to_string())??;
    for socket in sockets {
        tokio::spawn(connection(socket, options.clone(), counters.clone()));
    }
    tokio::time::sleep(Duration::from_secs_f64(options.warmup)).await;
    let (start_responses, start_errors) = (
        counters.responses.load(Ordering::Relaxed),
        counters.errors.load(Ordering::Relaxed),
    );
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(options.seconds)).await;
    let responses = counters.responses.load(Ordering::Relaxed) - start_responses;
    let errors = counters.errors.load(Ordering::Relaxed) - start_errors;
    let elapsed = started.elapsed().as_secs_f64();
    let first_error = counters.first_error.lock().map(|e| e.clone()).unwrap_or_default();
    let report = serde_json::json!({
        "connections": options.connections,
        "pipeline": options.pipeline,
        "threads": options.threads,
        "seconds": elapsed,
        "responses": responses,
        "errors": errors,
        "all_errors": counters.errors.load(Ordering::Relaxed),
        "per_second": responses as f64 / elapsed,
        "first_error": first_error,
    });
    Ok(report.to_string())
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connection(socket: Socket, options: Arc<Options>, counters: Arc<Counters>) {
    let (mut sink, mut stream) = socket.split();
    let mut next_id: u64 = 0;
    let request = |next_id: &mut u64| {
        *next_id += 1;
        Message::Text(Utf8Bytes::from(format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":{next_id},\"method\":\"{}\",\"params\":{}}}",
            options.method, options.params
        )))
    };
    for _ in 0..options.pipeline {
        if sink.feed(request(&mut next_id)).await.is_err() {
            return;
        }
    }
    if sink.flush().await.is_err() {
        return;
    }
    while let Some(message) = stream.next().await {
        match message {
            Ok(Message::Text(text)) => {
                if text.contains(options.expect.as_str()) {
                    counters.responses.fetch_add(1, Ordering::Relaxed);
                } else {
                    counters.errors.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut first) = counters.first_error.lock() {
                        first.get_or_insert_with(|| text.to_string());
                    }
                }
                if sink.send(request(&mut next_id)).await.is_err() {
                    return;
                }
            }
            Ok(Message::Close(frame)) => {
                counters.errors.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut first) = counters.first_error.lock() {
                    first.get_or_insert_with(|| format!("the server closed the socket: {frame:?}"));
                }
                return;
            }
            Ok(_) => {}
            Err(error) => {
                counters.errors.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut first) = counters.first_error.lock() {
                    first.get_or_insert_with(|| format!("the socket failed: {error}"));
                }
                return;
            }
        }
    }
}
