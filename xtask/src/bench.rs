//! `cargo xtask bench`: times the release `omniface` on generated inputs, beside TypeSpec and
//! `protoc` compiling the same API, in one run.
//!
//! The inputs ([`crate::synth`]) are written to `target/bench/`: the main one (5,000 types, 500
//! methods), the same at a tenth of the size (to see how time grows with input), a chain of
//! 10,000 structs each holding the next (deep recursion), and an empty file (what the process
//! costs with nothing to do). Each must compile with no errors, or the benchmark fails.
//!
//! Four sections:
//!
//! 1. `omniface check FILE` on each input (parse and check only).
//! 2. Spec artifacts: `omniface generate FILE --target openapi,proto,graphql,wsdl,asyncapi,openrpc`
//!    on the big, small and deep inputs, beside
//!    - `tsp compile main.tsp --emit @typespec/openapi3` (TypeSpec 1.11, installed into
//!      `.tools/typespec`) on the equivalent TypeSpec that [`crate::synth`] writes from the same
//!      description, and on a 1,000-deep chain of models;
//!    - `protoc --descriptor_set_out=/dev/null` on the equivalent `.proto`, which is omniface's own
//!      `--target proto` output for the same input.
//!
//! 3. HTTP-family protocols under load ([`protocols`]): the release `petstore-server` (generated
//!    adapters) beside a hand-written axum / async-graphql equivalent of the same two methods,
//!    loaded with `wrk` (REST, JSON-RPC, GraphQL, SOAP) and `ws-load` (WebSocket).
//!
//! 4. gRPC under load ([`grpc`]): `grpc-generated` (the benchmark IDL served by the runtime)
//!    beside `grpc-handwritten` (tonic), unary and server streaming, loaded with `h2load` and
//!    `grpc-load`.
//!
//! 5. Events through brokers ([`brokers`]): MQTT 5 (mosquitto) and AMQP 0-9-1 (RabbitMQ), the
//!    generated adapters beside a hand-written rumqttc or lapin loop, with `broker-load`.
//!
//! `--only specs` runs sections 1 and 2, `--only protocols` section 3, `--only grpc` section 4,
//! `--only brokers` section 5; `--load-seconds` applies to sections 3 and 4, `--load-rounds` to
//! sections 3 to 5.
//!
//! All times are wall times of the whole process. In section 1 the peak RSS comes from one more
//! run under `/usr/bin/time -f %M`; in section 2 every timed run is under `/usr/bin/time` (about
//! a millisecond of overhead) and the peak is the largest of the runs. A TypeSpec run that takes
//! more than a minute ends the series for that input, so the whole benchmark stays bounded.
//! The report is printed and written to `target/bench/results.md`.

mod brokers;
mod external;
mod grpc;
mod protocols;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::Result;
use crate::ctx::{Ctx, describe, format_duration, note, show_output, step};
use crate::synth::{self, BIG_METHODS, BIG_TYPES};

/// The goal from the issue: parse and check the big input in under this.
const TARGET: Duration = Duration::from_millis(100);
const DEEP_CHAIN: usize = 10_000;
/// The depth of the TypeSpec chain (TypeSpec is reported to overflow its stack near 430).
const DEEP_CHAIN_TYPESPEC: usize = 1_000;
/// The six spec artifacts.
const TARGETS: &str = "openapi,proto,graphql,wsdl,asyncapi,openrpc";
/// Targets from the issue (spec artifacts).
const TYPESPEC_RATIO_TARGET: f64 = 40.0;
const MEMORY_RATIO_TARGET: f64 = 0.2;
const LINEARITY_TARGET: f64 = 11.0;
/// After a TypeSpec run slower than this, no more runs on that input.
const TYPESPEC_SLOW: Duration = Duration::from_secs(60);
/// Kills a TypeSpec run that takes longer than this (`timeout`, from coreutils).
const TYPESPEC_TIMEOUT: &str = "900";
const TYPESPEC_DEEP_TIMEOUT: &str = "120";

struct Options {
    runs: usize,
    warmup: usize,
    generate_runs: usize,
    typespec_runs: usize,
    typespec: bool,
    /// Sections 1 and 2 (`omniface check`, spec artifacts).
    specs: bool,
    /// Section 3 (HTTP-family protocols under load).
    protocols: bool,
    /// Section 4 (gRPC under load).
    grpc: bool,
    /// Section 5 (events through brokers).
    brokers: bool,
    /// Sections 3 and 4: seconds of each timed load run, and runs per server and call.
    load_seconds: u64,
    load_rounds: usize,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut options = Options {
        runs: 10,
        warmup: 2,
        generate_runs: 5,
        typespec_runs: 3,
        typespec: true,
        specs: true,
        protocols: true,
        grpc: true,
        brokers: true,
        load_seconds: 10,
        load_rounds: 2,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--only" => {
                let only = args.next().map(String::as_str);
                if !matches!(only, Some("specs" | "protocols" | "grpc" | "brokers")) {
                    return Err("`--only` needs `specs`, `protocols`, `grpc` or `brokers`".into());
                }
                options.specs = only == Some("specs");
                options.protocols = only == Some("protocols");
                options.grpc = only == Some("grpc");
                options.brokers = only == Some("brokers");
                continue;
            }
            "--load-seconds" => {
                options.load_seconds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("`--load-seconds` needs a number of seconds, at least 1")?;
                continue;
            }
            "--load-rounds" => &mut options.load_rounds,
            "--runs" => &mut options.runs,
            "--warmup" => &mut options.warmup,
            "--generate-runs" => &mut options.generate_runs,
            "--typespec-runs" => &mut options.typespec_runs,
            "--no-typespec" => {
                options.typespec = false;
                continue;
            }
            other => {
                return Err(format!(
                    "unknown bench option `{other}` (known: --only specs|protocols|grpc|brokers, --runs N, --warmup N, \
                     --generate-runs N, --typespec-runs N, --no-typespec, --load-seconds N, --load-rounds N)"
                ));
            }
        };
        *slot = args
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("`{arg}` needs a number"))?;
    }
    if options.runs == 0 || options.generate_runs == 0 || options.typespec_runs == 0 || options.load_rounds == 0 {
        return Err("`--runs`, `--generate-runs`, `--typespec-runs` and `--load-rounds` must be at least 1".into());
    }
    Ok(options)
}

/// One benchmark input.
struct Input {
    label: String,
    path: PathBuf,
    bytes: usize,
    lines: usize,
    types: usize,
    methods: usize,
    events: usize,
}

/// What was measured on one input.
struct Measured {
    /// Sorted, fastest first.
    times: Vec<Duration>,
    peak_rss_kib: Option<u64>,
}

impl Measured {
    fn min(&self) -> Duration {
        self.times[0]
    }
    fn median(&self) -> Duration {
        let n = self.times.len();
        if n % 2 == 1 {
            self.times[n / 2]
        } else {
            (self.times[n / 2 - 1] + self.times[n / 2]) / 2
        }
    }
    fn max(&self) -> Duration {
        self.times[self.times.len() - 1]
    }
    fn secs(&self) -> f64 {
        self.min().as_secs_f64()
    }
}

/// One row of the spec-artifacts table.
struct Row {
    command: String,
    input: String,
    measured: Measured,
    warmup: usize,
    output: String,
    /// Why fewer runs than asked, when so.
    note: Option<String>,
}

/// The TypeSpec deep-chain probe.
struct DeepProbe {
    elapsed: Duration,
    peak_rss_kib: Option<u64>,
    outcome: String,
}

/// Section 2's results.
struct Artifacts {
    rows: Vec<Row>,
    /// Indexes into `rows`.
    big: usize,
    small: usize,
    deep: usize,
    openapi_big: usize,
    protoc_big: usize,
    typespec_big: Option<usize>,
    typespec_small: Option<usize>,
    deep_probe: Option<DeepProbe>,
    versions: Vec<String>,
}

pub fn run(ctx: &Ctx, args: &[String]) -> Result {
    let options = parse_options(args)?;
    let dir = ctx.target_dir().join("bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut report = String::new();
    if options.specs {
        report.push_str(&specs(ctx, &options, &dir)?);
    }
    if options.protocols {
        if !report.is_empty() {
            report.push('\n');
        }
        let load = protocols::Options {
            seconds: options.load_seconds,
            rounds: options.load_rounds,
        };
        report.push_str(&protocols::run(ctx, &load)?);
    }
    if options.grpc {
        if !report.is_empty() {
            report.push('\n');
        }
        let load = grpc::Options {
            seconds: options.load_seconds,
            rounds: options.load_rounds,
        };
        report.push_str(&grpc::run(ctx, &load)?);
    }
    if options.brokers {
        if !report.is_empty() {
            report.push('\n');
        }
        let load = brokers::Options {
            rounds: options.load_rounds,
        };
        report.push_str(&brokers::run(ctx, &load)?);
    }
    step("results");
    println!("\n{report}");
    let path = dir.join("results.md");
    std::fs::write(&path, &report).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    note(&format!("written to {}", ctx.rel(&path)));
    Ok(())
}

/// Sections 1 and 2; returns their report.
fn specs(ctx: &Ctx, options: &Options, dir: &Path) -> Result<String> {
    // Read the load now: by the end of the run, the benchmark itself is part of it.
    let machine = machine();
    let load_before = load_average();
    step("generating inputs in target/bench/");
    let big = synth::big(BIG_TYPES, BIG_METHODS);
    let small = synth::big(BIG_TYPES / 10, BIG_METHODS / 10);
    let inputs = vec![
        write_input(
            ctx,
            dir,
            "big.idl",
            format!("big: {} types, {} methods", thousands(big.types() as u64), big.methods),
            &big,
        )?,
        write_input(
            ctx,
            dir,
            "small.idl",
            format!(
                "small: 1/10 of big ({} types, {} methods)",
                small.types(),
                small.methods
            ),
            &small,
        )?,
        Input {
            // `deep_chain` adds one method and one event that use the chain.
            methods: 1,
            events: 1,
            ..write_plain(
                ctx,
                dir,
                "deep.idl",
                format!("deep chain: {} structs", thousands(DEEP_CHAIN as u64)),
                &synth::deep_chain(DEEP_CHAIN),
                DEEP_CHAIN,
            )?
        },
        write_plain(
            ctx,
            dir,
            "empty.idl",
            "empty file (process baseline)".into(),
            &synth::empty(),
            0,
        )?,
    ];
    let typespec_dir = dir.join("typespec");
    let tsp_big = write_project(ctx, &typespec_dir.join("big"), &big.typespec())?;
    let tsp_small = write_project(ctx, &typespec_dir.join("small"), &small.typespec())?;
    let tsp_deep = write_project(
        ctx,
        &typespec_dir.join("deep"),
        &synth::deep_chain_typespec(DEEP_CHAIN_TYPESPEC),
    )?;

    step("building omniface (release): cargo build --release -p omniface-codegen");
    let exe = ctx.build_omniface(true)?;

    step("checking that every input compiles with no errors");
    for input in &inputs {
        verify(ctx, &exe, input)?;
    }

    step(&format!(
        "timing `omniface check` ({} runs after {} warm-ups each)",
        options.runs, options.warmup
    ));
    let time_available = Path::new("/usr/bin/time").exists();
    let mut results = Vec::new();
    for input in &inputs {
        let measured = measure(ctx, &exe, input, options, time_available)?;
        note(&format!(
            "{}: min {}, median {}",
            input.label,
            format_duration(measured.min()),
            format_duration(measured.median())
        ));
        results.push(measured);
    }

    let projects = Projects {
        big: tsp_big,
        small: tsp_small,
        deep: tsp_deep,
        big_ops: big.methods + big.events,
        small_ops: small.methods + small.events,
    };
    let artifacts = artifacts(ctx, &exe, &inputs, &projects, options, time_available)?;
    let load_after = load_average();

    let mut report = report(&machine, &inputs, &results, options);
    report.push('\n');
    report.push_str(&artifacts_report(&load_before, &load_after, &inputs, &artifacts));
    Ok(report)
}

/// The TypeSpec projects (each a folder with a `main.tsp`).
struct Projects {
    big: PathBuf,
    small: PathBuf,
    deep: PathBuf,
    /// Operations the OpenAPI output must hold: methods and event streams.
    big_ops: usize,
    small_ops: usize,
}

/// Writes `dir/main.tsp` and returns `dir`.
fn write_project(ctx: &Ctx, dir: &Path, text: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", ctx.rel(dir)))?;
    let path = dir.join("main.tsp");
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", ctx.rel(&path)))?;
    note(&format!(
        "{}: {} bytes, {} lines",
        ctx.rel(&path),
        thousands(text.len() as u64),
        thousands(text.lines().count() as u64)
    ));
    Ok(dir.to_path_buf())
}

/// Section 2: omniface's six artifacts, protoc and TypeSpec.
fn artifacts(
    ctx: &Ctx,
    exe: &Path,
    inputs: &[Input],
    projects: &Projects,
    options: &Options,
    time_available: bool,
) -> Result<Artifacts> {
    let mut rows = Vec::new();
    let mut versions = Vec::new();
    let runs = options.generate_runs;

    step(&format!(
        "timing `omniface generate --target {TARGETS}` ({runs} runs after 1 warm-up each)"
    ));
    let six = format!("`omniface generate FILE --target {TARGETS} --out DIR`");
    let mut generated = Vec::new();
    for input in &inputs[..3] {
        let name = input
            .path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let out = ctx.fresh_dir(&format!("bench/out/{name}"))?;
        let make = || generate_command(ctx, exe, &input.path, TARGETS, &out);
        // The first run is the warm-up and the check: every artifact, and no diagnostics.
        let summary = verify_generate(ctx, &make, &out, TARGETS)?;
        let measured = time_runs(&make, 0, runs, None, time_available, &|o| exit_ok(&make, o))?;
        note(&format!(
            "{}: min {}, median {} ({summary})",
            ctx.rel(&input.path),
            format_duration(measured.min()),
            format_duration(measured.median())
        ));
        generated.push(out.clone());
        rows.push(Row {
            command: six.clone(),
            input: ctx.rel(&input.path),
            measured,
            warmup: 1,
            output: summary,
            note: None,
        });
    }
    let (big, small, deep, openapi_big) = (0, 1, 2, 3);
    {
        let out = ctx.fresh_dir("bench/out/big-openapi")?;
        let make = || generate_command(ctx, exe, &inputs[0].path, "openapi", &out);
        let summary = verify_generate(ctx, &make, &out, "openapi")?;
        let measured = time_runs(&make, 0, runs, None, time_available, &|o| exit_ok(&make, o))?;
        note(&format!(
            "openapi only, {}: min {}",
            ctx.rel(&inputs[0].path),
            format_duration(measured.min())
        ));
        rows.push(Row {
            command: "`omniface generate FILE --target openapi --out DIR`".into(),
            input: ctx.rel(&inputs[0].path),
            measured,
            warmup: 1,
            output: summary,
            note: None,
        });
    }
    if let Some(v) = external::version_of(&exe.to_string_lossy()) {
        versions.push(v);
    }

    step(&format!(
        "timing `protoc --descriptor_set_out=/dev/null` ({runs} runs after 1 warm-up each)"
    ));
    let protoc_version = external::ensure_protoc()?;
    versions.push(protoc_version);
    let mut protoc_big = 0;
    for (i, out) in generated[..2].iter().enumerate() {
        let include = out.join("proto");
        let proto = find_file(&include, "proto")?
            .ok_or_else(|| format!("omniface wrote no .proto under {}", ctx.rel(&include)))?;
        let relative = proto.strip_prefix(&include).unwrap_or(&proto).to_path_buf();
        let make = || {
            let mut cmd = Command::new("protoc");
            cmd.arg("-I")
                .arg(&include)
                .args(["-I", "/usr/include", "--descriptor_set_out=/dev/null"])
                .arg(&relative)
                .current_dir(&ctx.root);
            cmd
        };
        let check = |o: &Output| {
            exit_ok(&make, o)?;
            if o.stderr.is_empty() {
                Ok(())
            } else {
                Err(format!("`{}` printed warnings\n{}", describe(&make()), show_output(o)))
            }
        };
        let measured = time_runs(&make, 1, runs, None, time_available, &check)?;
        let bytes = std::fs::metadata(&proto).map(|m| m.len()).unwrap_or(0);
        note(&format!(
            "{}: min {}, median {}",
            ctx.rel(&proto),
            format_duration(measured.min()),
            format_duration(measured.median())
        ));
        if i == 0 {
            protoc_big = rows.len();
        }
        rows.push(Row {
            command: "`protoc -I DIR -I /usr/include --descriptor_set_out=/dev/null FILE.proto`".into(),
            input: format!(
                "{} ({}, omniface's proto for {})",
                ctx.rel(&proto),
                format_bytes(bytes),
                ctx.rel(&inputs[i].path)
            ),
            measured,
            warmup: 1,
            output: "descriptor set, discarded".into(),
            note: None,
        });
    }

    let (mut typespec_big, mut typespec_small, mut deep_probe) = (None, None, None);
    if options.typespec {
        step(&format!(
            "timing `tsp compile main.tsp --emit @typespec/openapi3` (up to {} runs each, no warm-up)",
            options.typespec_runs
        ));
        let typespec = external::ensure_typespec(ctx)?;
        versions.push(format!("TypeSpec {}", typespec.version));
        if let Some(node) = external::version_of("node") {
            versions.push(format!("Node {node}"));
        }
        for (project, ops, label) in [
            (&projects.small, projects.small_ops, "small"),
            (&projects.big, projects.big_ops, "big"),
        ] {
            external::link_node_modules(&typespec, project)?;
            let row = time_typespec(ctx, &typespec, project, ops, options.typespec_runs, time_available)?;
            note(&format!(
                "{label}: min {}, median {} ({} run{})",
                format_duration(row.measured.min()),
                format_duration(row.measured.median()),
                row.measured.times.len(),
                if row.measured.times.len() == 1 { "" } else { "s" }
            ));
            if label == "big" {
                typespec_big = Some(rows.len());
            } else {
                typespec_small = Some(rows.len());
            }
            rows.push(row);
        }
        step(&format!(
            "TypeSpec on a {}-deep chain of models (one run, killed after {TYPESPEC_DEEP_TIMEOUT} s)",
            thousands(DEEP_CHAIN_TYPESPEC as u64)
        ));
        external::link_node_modules(&typespec, &projects.deep)?;
        let probe = probe_typespec_deep(&typespec, &projects.deep, time_available)?;
        note(&format!("{} ({})", probe.outcome, format_duration(probe.elapsed)));
        deep_probe = Some(probe);
    } else {
        note("TypeSpec: skipped (--no-typespec)");
    }

    Ok(Artifacts {
        rows,
        big,
        small,
        deep,
        openapi_big,
        protoc_big,
        typespec_big,
        typespec_small,
        deep_probe,
        versions,
    })
}

fn generate_command(ctx: &Ctx, exe: &Path, input: &Path, targets: &str, out: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.arg("generate")
        .arg(input)
        .args(["--target", targets, "--out"])
        .arg(out)
        .current_dir(&ctx.root);
    cmd
}

/// Runs `omniface generate` once with JSON diagnostics; fails unless it exits 0 with no
/// diagnostics and every asked target wrote a file. Returns a summary of what was written.
fn verify_generate(ctx: &Ctx, make: &dyn Fn() -> Command, out: &Path, targets: &str) -> Result<String> {
    let mut cmd = make();
    cmd.args(["--message-format", "json"]).stdin(Stdio::null());
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(&cmd)))?;
    if !output.status.success() || !output.stdout.is_empty() {
        return Err(format!(
            "`{}` did not generate cleanly ({})\n{}",
            describe(&cmd),
            output.status,
            show_output(&output)
        ));
    }
    let targets: Vec<&str> = targets.split(',').collect();
    let (mut files, mut bytes) = (0, 0);
    for target in &targets {
        let (f, b) = dir_stats(&out.join(target));
        if f == 0 {
            return Err(format!(
                "`{}` wrote nothing for the `{target}` target under {}",
                describe(&cmd),
                ctx.rel(out)
            ));
        }
        files += f;
        bytes += b;
    }
    Ok(format!(
        "{} artifact{}: {files} file{}, {}",
        targets.len(),
        if targets.len() == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" },
        format_bytes(bytes)
    ))
}

/// Files and bytes under `dir`, recursively.
fn dir_stats(dir: &Path) -> (usize, u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (0, 0);
    };
    let (mut files, mut bytes) = (0, 0);
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            let (f, b) = dir_stats(&path);
            files += f;
            bytes += b;
        } else if let Ok(meta) = entry.metadata() {
            files += 1;
            bytes += meta.len();
        }
    }
    (files, bytes)
}

/// The first file under `dir` (recursively) with this extension.
fn find_file(dir: &Path, extension: &str) -> Result<Option<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            if let Some(found) = find_file(&path, extension)? {
                return Ok(Some(found));
            }
        } else if path.extension().is_some_and(|e| e == extension) {
            return Ok(Some(path));
        }
    }
    Ok(None)
}

fn exit_ok(make: &dyn Fn() -> Command, output: &Output) -> Result {
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{}` failed ({})\n{}",
            describe(&make()),
            output.status,
            show_output(output)
        ))
    }
}

/// `warmup` untimed runs, then up to `runs` timed ones, each under `/usr/bin/time -f %M` when it
/// is there; `check` judges every run. After a run slower than `stop_after`, no more runs.
fn time_runs(
    make: &dyn Fn() -> Command,
    warmup: usize,
    runs: usize,
    stop_after: Option<Duration>,
    time_available: bool,
    check: &dyn Fn(&Output) -> Result,
) -> Result<Measured> {
    let rss_file = std::env::temp_dir().join(format!("xtask-bench-{}.rss", std::process::id()));
    let once = || -> Result<(Duration, Option<u64>)> {
        let base = make();
        let mut cmd = if time_available {
            under_time(&base, &rss_file)
        } else {
            make()
        };
        cmd.stdin(Stdio::null());
        let start = Instant::now();
        let output = cmd
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}", describe(&base)))?;
        let elapsed = start.elapsed();
        check(&output)?;
        let rss = time_available.then(|| read_rss(&rss_file)).flatten();
        Ok((elapsed, rss))
    };
    for _ in 0..warmup {
        once()?;
    }
    let mut times = Vec::with_capacity(runs);
    let mut peak: Option<u64> = None;
    for _ in 0..runs {
        let (elapsed, rss) = once()?;
        times.push(elapsed);
        peak = peak.max(rss);
        if stop_after.is_some_and(|limit| elapsed > limit) {
            break;
        }
    }
    let _ = std::fs::remove_file(&rss_file);
    times.sort();
    Ok(Measured {
        times,
        peak_rss_kib: peak,
    })
}

/// `/usr/bin/time -o RSS_FILE -f %M PROGRAM ARGS…`, in the command's folder and environment.
fn under_time(cmd: &Command, rss_file: &Path) -> Command {
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-o")
        .arg(rss_file)
        .args(["-f", "%M"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    timed
}

/// The last line of `/usr/bin/time -f %M`'s report (earlier lines say how the command ended).
fn read_rss(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().last()?.trim().parse().ok()
}

/// `node tsp.js compile main.tsp --emit @typespec/openapi3 --output-dir tsp-output`, killed after
/// `timeout` seconds.
fn tsp_command(typespec: &external::TypeSpec, project: &Path, timeout: &str) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.arg(timeout)
        .arg("node")
        .arg(&typespec.tsp_js)
        .args(["compile", "main.tsp", "--emit", "@typespec/openapi3", "--output-dir"])
        .arg(project.join("tsp-output"))
        .current_dir(project);
    cmd
}

/// Times TypeSpec on one project; every run must compile with no diagnostic and write an OpenAPI
/// document with `operations` operations.
fn time_typespec(
    ctx: &Ctx,
    typespec: &external::TypeSpec,
    project: &Path,
    operations: usize,
    runs: usize,
    time_available: bool,
) -> Result<Row> {
    let make = || tsp_command(typespec, project, TYPESPEC_TIMEOUT);
    let document = project
        .join("tsp-output")
        .join("@typespec/openapi3")
        .join("openapi.yaml");
    let check = |o: &Output| -> Result {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        if o.status.code() == Some(124) {
            return Err(format!(
                "`tsp compile` in {} took more than {TYPESPEC_TIMEOUT} s and was stopped; run with \
                 --no-typespec to skip TypeSpec",
                ctx.rel(project)
            ));
        }
        let diagnostics = text
            .lines()
            .any(|l| l.contains(" - error ") || l.contains(" - warning "));
        if !o.status.success() || diagnostics || !text.contains("Compilation completed successfully") {
            return Err(format!(
                "TypeSpec did not compile {} cleanly ({}), so the comparison would be meaningless; \
                 the generator is `Api::typespec` in xtask/src/synth.rs\n{}",
                ctx.rel(&project.join("main.tsp")),
                o.status,
                show_output(o)
            ));
        }
        Ok(())
    };
    let _ = std::fs::remove_file(&document);
    let measured = time_runs(&make, 0, runs, Some(TYPESPEC_SLOW), time_available, &check)?;
    let yaml =
        std::fs::read_to_string(&document).map_err(|e| format!("TypeSpec wrote no {}: {e}", ctx.rel(&document)))?;
    let found = yaml.matches("operationId:").count();
    if found != operations {
        return Err(format!(
            "{} holds {found} operations instead of {operations}: the TypeSpec is not equivalent",
            ctx.rel(&document)
        ));
    }
    let note = (measured.times.len() < runs).then(|| {
        format!(
            "{} of {runs} runs: a run took more than {} s",
            measured.times.len(),
            TYPESPEC_SLOW.as_secs()
        )
    });
    Ok(Row {
        command: "`tsp compile main.tsp --emit @typespec/openapi3` (TypeSpec 1.11)".into(),
        input: format!(
            "{} ({})",
            ctx.rel(&project.join("main.tsp")),
            format_bytes(
                std::fs::metadata(project.join("main.tsp"))
                    .map(|m| m.len())
                    .unwrap_or(0)
            )
        ),
        measured,
        warmup: 0,
        output: format!("openapi.yaml: {}, {found} operations", format_bytes(yaml.len() as u64)),
        note,
    })
}

/// One TypeSpec run on the deep chain; it may fail (that is what it probes).
fn probe_typespec_deep(typespec: &external::TypeSpec, project: &Path, time_available: bool) -> Result<DeepProbe> {
    let document = project
        .join("tsp-output")
        .join("@typespec/openapi3")
        .join("openapi.yaml");
    let _ = std::fs::remove_file(&document);
    let base = tsp_command(typespec, project, TYPESPEC_DEEP_TIMEOUT);
    let rss_file = project.join("tsp.rss");
    let mut cmd = if time_available {
        under_time(&base, &rss_file)
    } else {
        tsp_command(typespec, project, TYPESPEC_DEEP_TIMEOUT)
    };
    cmd.stdin(Stdio::null());
    let start = Instant::now();
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(&base)))?;
    let elapsed = start.elapsed();
    let peak_rss_kib = time_available.then(|| read_rss(&rss_file)).flatten();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let outcome = if output.status.code() == Some(124) {
        format!("stopped after {TYPESPEC_DEEP_TIMEOUT} s")
    } else if output.status.success() && document.exists() {
        "compiled".to_string()
    } else if let Some(line) = text.lines().find(|l| l.contains("RangeError")) {
        format!("failed, {}: `{}`", output.status, line.trim())
    } else {
        let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
        format!("failed, {}: `{}`", output.status, last.trim())
    };
    Ok(DeepProbe {
        elapsed,
        peak_rss_kib,
        outcome,
    })
}

fn write_input(ctx: &Ctx, dir: &Path, file: &str, label: String, synth: &synth::Synth) -> Result<Input> {
    let mut input = write_plain(ctx, dir, file, label, &synth.text, synth.types())?;
    input.methods = synth.methods;
    input.events = synth.events;
    Ok(input)
}

fn write_plain(ctx: &Ctx, dir: &Path, file: &str, label: String, text: &str, types: usize) -> Result<Input> {
    let path = dir.join(file);
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let input = Input {
        label,
        bytes: text.len(),
        lines: text.lines().count(),
        types,
        methods: 0,
        events: 0,
        path,
    };
    note(&format!(
        "{}: {} bytes, {} lines",
        ctx.rel(&input.path),
        thousands(input.bytes as u64),
        thousands(input.lines as u64)
    ));
    Ok(input)
}

fn check_command(ctx: &Ctx, exe: &Path, input: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.arg("check").arg(input).current_dir(&ctx.root).stdin(Stdio::null());
    cmd
}

/// Fails loudly unless `omniface check` accepts the input with no errors.
fn verify(ctx: &Ctx, exe: &Path, input: &Input) -> Result {
    let mut cmd = check_command(ctx, exe, &input.path);
    cmd.args(["--message-format", "json"]);
    let output = cmd.output().map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let (mut errors, mut warnings, mut first_errors) = (0, 0, Vec::new());
    for line in stdout.lines() {
        let value: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| format!("`omniface check` printed a line that is not JSON ({e}): {line}"))?;
        match value["severity"].as_str() {
            Some("error") => {
                errors += 1;
                if first_errors.len() < 5 {
                    first_errors.push(
                        value["rendered"]
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| line.to_string()),
                    );
                }
            }
            Some("warning") => warnings += 1,
            _ => {}
        }
    }
    if errors > 0 || !output.status.success() {
        return Err(format!(
            "the generated input {} does not check cleanly ({}; {errors} errors), so the \
             generator in xtask/src/synth.rs and the checker disagree. The first errors:\n{}\n{}",
            ctx.rel(&input.path),
            output.status,
            first_errors.join("\n"),
            if first_errors.is_empty() {
                show_output(&output)
            } else {
                String::new()
            }
        ));
    }
    note(&format!(
        "{}: no errors{}",
        ctx.rel(&input.path),
        if warnings > 0 {
            format!(", {warnings} warnings")
        } else {
            String::new()
        }
    ));
    Ok(())
}

fn measure(ctx: &Ctx, exe: &Path, input: &Input, options: &Options, time_available: bool) -> Result<Measured> {
    let once = || -> Result<Duration> {
        let mut cmd = check_command(ctx, exe, &input.path);
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let start = Instant::now();
        let status = cmd.status().map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        let elapsed = start.elapsed();
        if !status.success() {
            return Err(format!("`omniface check {}` failed ({status})", ctx.rel(&input.path)));
        }
        Ok(elapsed)
    };
    let mut runs = options.runs;
    for i in 0..options.warmup {
        let t = once()?;
        // A pathological input (seconds per run) gets three runs, not a long wait.
        if i == 0 && t > Duration::from_secs(2) {
            runs = runs.min(3);
        }
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(once()?);
    }
    times.sort();
    let peak_rss_kib = if time_available {
        peak_rss(ctx, exe, input)
    } else {
        None
    };
    Ok(Measured { times, peak_rss_kib })
}

/// Peak RSS in KiB, from one more run under `/usr/bin/time -f %M`.
fn peak_rss(ctx: &Ctx, exe: &Path, input: &Input) -> Option<u64> {
    let report = input.path.with_extension("rss");
    let status = Command::new("/usr/bin/time")
        .arg("-o")
        .arg(&report)
        .args(["-f", "%M"])
        .arg(exe)
        .arg("check")
        .arg(&input.path)
        .current_dir(&ctx.root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    let text = std::fs::read_to_string(&report).ok()?;
    let _ = std::fs::remove_file(&report);
    if !status.success() {
        return None;
    }
    text.lines().last()?.trim().parse().ok()
}

fn report(machine: &str, inputs: &[Input], results: &[Measured], options: &Options) -> String {
    let mut out = String::new();
    let date = utc_now();
    out.push_str(&format!("### `omniface check`, {date}\n\n"));
    out.push_str(&format!("{machine}\n\n"));
    out.push_str(&format!(
        "Wall time of the whole `omniface check FILE` process (start, file read, parse, check; \
         release build), {} runs after {} warm-ups; peak RSS from `/usr/bin/time`.\n\n",
        options.runs, options.warmup
    ));
    out.push_str(
        "| Input | Bytes | Lines | Types | Methods | Events | Min | Median | Max | Peak RSS |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (input, m) in inputs.iter().zip(results) {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            input.label,
            thousands(input.bytes as u64),
            thousands(input.lines as u64),
            thousands(input.types as u64),
            thousands(input.methods as u64),
            thousands(input.events as u64),
            format_duration(m.min()),
            format_duration(m.median()),
            format_duration(m.max()),
            format_rss(m.peak_rss_kib),
        ));
    }
    out.push('\n');

    let (big, small, deep, empty) = (&results[0], &results[1], &results[2], &results[3]);
    let verdict = |d: Duration| if d < TARGET { "met" } else { "not met" };
    out.push_str(&format!(
        "- Target (issue): parse + check of the {}-type / {}-method input in under {} ms: \
         **{}** by the median ({}), {} by the fastest run ({}).\n",
        thousands(inputs[0].types as u64),
        inputs[0].methods,
        TARGET.as_millis(),
        verdict(big.median()),
        format_duration(big.median()),
        verdict(big.min()),
        format_duration(big.min()),
    ));
    // Ratios use the fastest runs: on a busy machine they are the least disturbed.
    let base = empty.secs();
    let ratio = big.secs() / small.secs();
    let net = (big.secs() - base) / (small.secs() - base).max(1e-9);
    out.push_str(&format!(
        "- Linearity (fastest runs): 10x the input takes {ratio:.1}x the time, {net:.1}x after \
         subtracting the empty-file baseline of {}; 10x would be linear.\n",
        format_duration(empty.min())
    ));
    let mb_per_s = inputs[0].bytes as f64 / 1e6 / (big.secs() - base).max(1e-9);
    let lines_per_s = inputs[0].lines as f64 / (big.secs() - base).max(1e-9);
    out.push_str(&format!(
        "- Throughput on the big input (fastest run, baseline subtracted): {mb_per_s:.1} MB/s, \
         {} lines/s.\n",
        thousands(lines_per_s as u64)
    ));
    out.push_str(&format!(
        "- Deep chain: {} structs each holding the next check in {} (fastest run).\n",
        thousands(inputs[2].types as u64),
        format_duration(deep.min())
    ));
    out
}

/// Section 2 of the report.
fn artifacts_report(load_before: &str, load_after: &str, inputs: &[Input], a: &Artifacts) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "### Spec artifacts: `omniface generate` (six targets) beside TypeSpec and protoc, {}\n\n",
        utc_now()
    ));
    out.push_str(&format!(
        "Same machine. Load average (1, 5, 15 min) `{load_before}` before the whole run and \
         `{load_after}` after it. {}.\n\n",
        a.versions.join(", ")
    ));
    out.push_str(
        "Wall time of the whole process; every timed run under `/usr/bin/time -f %M`, and the peak \
         RSS is the largest of the runs. The same API throughout: `target/bench/big.idl`, the \
         TypeSpec `xtask/src/synth.rs` writes from the same description (`target/bench/typespec/`), \
         and omniface's own proto output of the IDL. \"+1\" is an untimed warm-up run, which for \
         omniface also checks that every artifact is written with no diagnostic; TypeSpec runs \
         must compile with no diagnostic and produce one operation per method and event.\n\n",
    );
    out.push_str(
        "| Command | Input | Runs | Min | Median | Max | Peak RSS | Output |\n\
         |---|---|---:|---:|---:|---:|---:|---|\n",
    );
    for row in &a.rows {
        let m = &row.measured;
        let runs = if row.warmup > 0 {
            format!("{}+{}", m.times.len(), row.warmup)
        } else {
            m.times.len().to_string()
        };
        let output = match &row.note {
            Some(note) => format!("{}; {note}", row.output),
            None => row.output.clone(),
        };
        out.push_str(&format!(
            "| {} | {} | {runs} | {} | {} | {} | {} | {output} |\n",
            row.command,
            row.input,
            format_duration(m.min()),
            format_duration(m.median()),
            format_duration(m.max()),
            format_rss(m.peak_rss_kib),
        ));
    }
    if let Some(probe) = &a.deep_probe {
        out.push_str(&format!(
            "| `tsp compile main.tsp --emit @typespec/openapi3` (TypeSpec 1.11) | \
             target/bench/typespec/deep/main.tsp ({}-deep chain of models) | 1 | {} | | | {} | {} |\n",
            thousands(DEEP_CHAIN_TYPESPEC as u64),
            format_duration(probe.elapsed),
            format_rss(probe.peak_rss_kib),
            probe.outcome
        ));
    }
    out.push('\n');

    // Ratios use the fastest runs: on a busy machine they are the least disturbed.
    let big = &a.rows[a.big].measured;
    let small = &a.rows[a.small].measured;
    let deep = &a.rows[a.deep].measured;
    let protoc = &a.rows[a.protoc_big].measured;
    let met = |ok: bool| if ok { "met" } else { "not met" };
    match (a.typespec_big, a.typespec_small) {
        (Some(tb), Some(ts)) => {
            let tsp = &a.rows[tb].measured;
            let tsp_small = &a.rows[ts].measured;
            let ratio = tsp.secs() / big.secs();
            out.push_str(&format!(
                "- TypeSpec (OpenAPI only) / omniface (six artifacts), big input, fastest runs: \
                 {} / {} = **{ratio:.1}x**; target at least {TYPESPEC_RATIO_TARGET:.0}x: **{}**{}. \
                 On the small input: {} / {} = {:.1}x (TypeSpec's time grows faster than its \
                 input, so the ratio depends on the size).\n",
                format_duration(tsp.min()),
                format_duration(big.min()),
                met(ratio >= TYPESPEC_RATIO_TARGET),
                if ratio >= TYPESPEC_RATIO_TARGET {
                    String::new()
                } else {
                    format!(
                        " (omniface would need {} or less)",
                        format_duration(tsp.min().div_f64(TYPESPEC_RATIO_TARGET))
                    )
                },
                format_duration(tsp_small.min()),
                format_duration(small.min()),
                tsp_small.secs() / small.secs(),
            ));
            let openapi = &a.rows[a.openapi_big].measured;
            out.push_str(&format!(
                "- Like for like, OpenAPI only: TypeSpec / `omniface generate --target openapi`, big \
                 input: {} / {} = {:.1}x.\n",
                format_duration(tsp.min()),
                format_duration(openapi.min()),
                tsp.secs() / openapi.secs()
            ));
            out.push_str(&format!(
                "- Growth: for 10x the input TypeSpec takes {:.1}x the time, omniface (six \
                 artifacts) {:.1}x.\n",
                tsp.secs() / tsp_small.secs(),
                big.secs() / small.secs()
            ));
            match (big.peak_rss_kib, tsp.peak_rss_kib) {
                (Some(o), Some(t)) => {
                    let ratio = o as f64 / t as f64;
                    out.push_str(&format!(
                        "- Peak memory omniface / TypeSpec, big input: {} / {} = **1/{:.1}** \
                         ({ratio:.3}); target below 1/5: **{}**.\n",
                        format_rss(Some(o)),
                        format_rss(Some(t)),
                        1.0 / ratio,
                        met(ratio < MEMORY_RATIO_TARGET)
                    ));
                }
                _ => out.push_str("- Peak memory: n/a (`/usr/bin/time` is missing).\n"),
            }
        }
        _ => out.push_str("- TypeSpec: not run (`--no-typespec`).\n"),
    }
    let ratio = big.secs() / protoc.secs();
    out.push_str(&format!(
        "- omniface (IDL to six artifacts) / protoc (parse and link the equivalent .proto), big \
         input, fastest runs: {} / {} = **{ratio:.2}x**; target: omniface faster: **{}**{}.\n",
        format_duration(big.min()),
        format_duration(protoc.min()),
        met(ratio < 1.0),
        if ratio < 1.0 {
            String::new()
        } else {
            format!(
                " (omniface is {} slower)",
                format_duration(big.min().saturating_sub(protoc.min()))
            )
        }
    ));
    let ratio = big.secs() / small.secs();
    out.push_str(&format!(
        "- Linearity, six artifacts: 10x the input takes {} / {} = **{ratio:.1}x** the time; \
         target at most {LINEARITY_TARGET:.0}x: **{}**.\n",
        format_duration(big.min()),
        format_duration(small.min()),
        met(ratio <= LINEARITY_TARGET)
    ));
    out.push_str(&format!(
        "- Deep chain: omniface generates all six artifacts for {} structs each holding the next \
         in {} (fastest run; {}).",
        thousands(inputs[2].types as u64),
        format_duration(deep.min()),
        a.rows[a.deep].output
    ));
    if let Some(probe) = &a.deep_probe {
        out.push_str(&format!(
            " TypeSpec on a {}-deep chain of models: {} after {}.",
            thousands(DEEP_CHAIN_TYPESPEC as u64),
            probe.outcome,
            format_duration(probe.elapsed)
        ));
    }
    out.push('\n');
    out
}

fn format_rss(kib: Option<u64>) -> String {
    match kib {
        Some(k) if k >= 1024 * 1024 => format!("{:.2} GiB", k as f64 / 1024.0 / 1024.0),
        Some(k) => format!("{:.1} MiB", k as f64 / 1024.0),
        None => "n/a".into(),
    }
}

fn format_bytes(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else {
        format!("{:.0} kB", bytes as f64 / 1e3)
    }
}

/// The load averages over 1, 5 and 15 minutes, from `/proc/loadavg`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

/// One line describing the machine and its load.
fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get().to_string())
        .unwrap_or_else(|_| "?".into());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map(|kib| format!("{:.1} GiB RAM", kib / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown RAM".into());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into());
    let rustc = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!(
        "Machine: {model}, {cores} cores (`nproc`), {memory}; 1-minute load average {load} when \
         the run started. {rustc}."
    )
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The current UTC time as `YYYY-MM-DD HH:MM UTC`, without a date library.
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", rest / 3600, rest % 3600 / 60)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_513), (2026, 3, 1));
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
