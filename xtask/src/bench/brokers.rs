//! Section 5 of `cargo xtask bench` (alone: `--only brokers`): events through MQTT 5 and AMQP
//! 0-9-1 brokers, published by the generated adapters beside a hand-written rumqttc or lapin loop.
//!
//! 1. `cargo build --release -p petstore-server -p handwritten-petstore` (the same single
//!    invocation as sections 3 and 4). `broker-load` (`xtask/handwritten/src/bin/broker-load.rs`)
//!    publishes the `pet_seen` event of `xtask/handwritten/broker_bench.idl` either through the
//!    generated `FeedEvents` handle and `omniface::Server` (`generated`) or from a loop over
//!    rumqttc or lapin that sends the same messages (`handwritten`), and counts them at a
//!    subscriber of its own.
//! 2. Starts a mosquitto (unlimited queues, so that QoS 0 messages are not dropped for a slow
//!    subscriber) and a RabbitMQ on free ports of 127.0.0.1, as the servers test step does.
//! 3. Per broker, `rounds` runs per side of [`MQTT_EVENTS`] or [`AMQP_EVENTS`] events each,
//!    alternating which side goes first; the best run counts. Both sides must deliver every
//!    event, and the first message of both must be the same bytes.
//!
//! MQTT is QoS 0 (the benchmark event's `#[mqtt(qos = 0)]`); AMQP messages are persistent and
//! publisher-confirmed with at most 256 unconfirmed, on both sides.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::protocols::release_build;
use super::{load_average, machine, thousands, utc_now};
use crate::Result;
use crate::ctx::{Ctx, describe, note, step};
use crate::servers::{start_mosquitto, start_rabbitmq};

/// Events per MQTT run, and per AMQP run.
const MQTT_EVENTS: u64 = 400_000;
const AMQP_EVENTS: u64 = 50_000;
/// The targets: MQTT events per second end to end at QoS 0, and generated / hand-written.
const MQTT_TARGET: f64 = 30_000.0;
const RATIO_TARGET: f64 = 0.9;

pub struct Options {
    pub rounds: usize,
}

/// One `broker-load` run.
struct Run {
    per_second: f64,
    received: u64,
    payload: String,
}

struct Measured {
    broker: &'static str,
    events: u64,
    generated: Vec<Run>,
    handwritten: Vec<Run>,
}

pub fn run(ctx: &Ctx, options: &Options) -> Result<String> {
    let load_before = load_average();
    let machine = machine();
    step("building broker-load (release): cargo build --release -p petstore-server -p handwritten-petstore");
    let load = release_build(ctx)?.get("broker-load")?;

    step("starting mosquitto and RabbitMQ on 127.0.0.1");
    let (_mosquitto, mqtt_port) =
        start_mosquitto(ctx, "bench/mosquitto", "max_queued_messages 0\nmax_queued_bytes 0\n")?;
    let (_rabbitmq, amqp_port) = start_rabbitmq(ctx, "bench/rabbitmq")?;

    let mut results = Vec::new();
    for (broker, port, events) in [("mqtt", mqtt_port, MQTT_EVENTS), ("amqp", amqp_port, AMQP_EVENTS)] {
        step(&format!(
            "{broker}: {} run{} per side of {} events, alternating",
            options.rounds,
            if options.rounds == 1 { "" } else { "s" },
            thousands(events)
        ));
        let mut measured = Measured {
            broker,
            events,
            generated: Vec::new(),
            handwritten: Vec::new(),
        };
        for round in 0..options.rounds {
            let mut sides = ["generated", "handwritten"];
            if round % 2 == 1 {
                sides.reverse();
            }
            for side in sides {
                let run = one(&load, broker, side, port, events)?;
                note(&format!(
                    "{broker} {side}: {} events/s ({} of {} received)",
                    thousands(run.per_second.round() as u64),
                    thousands(run.received),
                    thousands(events)
                ));
                if run.received != events {
                    return Err(format!(
                        "{broker} {side}: {} of {} events arrived",
                        run.received, events
                    ));
                }
                match side {
                    "generated" => measured.generated.push(run),
                    _ => measured.handwritten.push(run),
                }
            }
        }
        if measured.generated[0].payload != measured.handwritten[0].payload {
            return Err(format!(
                "{broker}: the two sides sent different messages:\n  generated:   {}\n  hand-written: {}",
                measured.generated[0].payload, measured.handwritten[0].payload
            ));
        }
        results.push(measured);
    }
    Ok(report(&results, options, &machine, &load_before, &load_average()))
}

fn one(load: &Path, broker: &str, side: &str, port: u16, events: u64) -> Result<Run> {
    let mut cmd = Command::new("timeout");
    cmd.args(["300"])
        .arg(load)
        .args([broker, side, &port.to_string(), &events.to_string()]);
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(&cmd)))?;
    if !output.status.success() {
        return Err(format!(
            "`{}` failed ({}):\n{}",
            describe(&cmd),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|line| line.starts_with('{'))
        .ok_or_else(|| format!("`{}` printed no result line", describe(&cmd)))?;
    let value: Value = serde_json::from_str(line).map_err(|e| format!("`{line}`: {e}"))?;
    Ok(Run {
        per_second: value["per_second"].as_f64().unwrap_or(0.0),
        received: value["received"].as_u64().unwrap_or(0),
        payload: value["payload"].as_str().unwrap_or_default().to_string(),
    })
}

fn best(runs: &[Run]) -> f64 {
    runs.iter().map(|run| run.per_second).fold(0.0, f64::max)
}

fn median(runs: &[Run]) -> f64 {
    let mut rates: Vec<f64> = runs.iter().map(|run| run.per_second).collect();
    rates.sort_by(f64::total_cmp);
    let n = rates.len();
    if n % 2 == 1 {
        rates[n / 2]
    } else {
        (rates[n / 2 - 1] + rates[n / 2]) / 2.0
    }
}

fn all(runs: &[Run]) -> String {
    runs.iter()
        .map(|run| thousands(run.per_second.round() as u64))
        .collect::<Vec<_>>()
        .join(", ")
}

fn report(results: &[Measured], options: &Options, machine: &str, load_before: &str, load_after: &str) -> String {
    let mut out = format!(
        "### Brokers: events through MQTT 5 and AMQP 0-9-1, generated beside hand-written, {}\n\n",
        utc_now()
    );
    out.push_str(&format!(
        "{machine} Load average (1, 5, 15 min) `{load_before}` before this section and `{load_after}` after it.\n\n"
    ));
    out.push_str(&format!(
        "`broker-load` (release) publishes the `pet_seen` event of `xtask/handwritten/broker_bench.idl` \
         through the generated events handle and `omniface::Server::mqtt` / `::amqp`, or from a \
         hand-written rumqttc / lapin loop sending the same bytes to the same topic or routing key, \
         and counts the messages at its own subscriber through a mosquitto (unlimited queues) or a \
         RabbitMQ on 127.0.0.1; publisher, broker and subscriber share the 2 cores. Events per \
         second from the first timed publish to the last message received; every event must \
         arrive. MQTT at QoS 0; AMQP persistent with publisher confirms, 256 unconfirmed at most, \
         to a topic exchange and one bound queue. {} run{} per side, alternating which goes first; \
         the best counts (all in brackets; the runs vary by up to a quarter on this shared \
         machine, so the ratio of the medians is shown too).\n\n",
        options.rounds,
        if options.rounds == 1 { "" } else { "s" }
    ));
    out.push_str(
        "| Broker | Events per run | Generated (events/s) | Hand-written (events/s) | Generated / hand-written | Medians' ratio | Target | |\n\
         |---|---:|---:|---:|---:|---:|---|---|\n",
    );
    for m in results {
        let (g, h) = (best(&m.generated), best(&m.handwritten));
        let ratio = g / h;
        let (target, ok) = match m.broker {
            "mqtt" => (
                format!(
                    "> {} events/s; ≥ {RATIO_TARGET:.2} of hand-written",
                    thousands(MQTT_TARGET as u64)
                ),
                Some(g > MQTT_TARGET && ratio >= RATIO_TARGET),
            ),
            _ => ("reported".to_string(), None),
        };
        out.push_str(&format!(
            "| {} | {} | {} ({}) | {} ({}) | {ratio:.2} | {:.2} | {target} | {} |\n",
            if m.broker == "mqtt" {
                "MQTT 5 (mosquitto), QoS 0"
            } else {
                "AMQP 0-9-1 (RabbitMQ), confirmed"
            },
            thousands(m.events),
            thousands(g.round() as u64),
            all(&m.generated),
            thousands(h.round() as u64),
            all(&m.handwritten),
            median(&m.generated) / median(&m.handwritten),
            match ok {
                Some(true) => "met",
                Some(false) => "**not met**",
                None => "",
            }
        ));
    }
    out
}
