//! `cargo xtask bench`: times the release `omniface check` on generated inputs.
//!
//! The inputs ([`crate::synth`]) are written to `target/bench/`: the main one (5,000 types, 500
//! methods), the same at a tenth of the size (to see how time grows with input), a chain of
//! 10,000 structs each holding the next (deep recursion), and an empty file (what the process
//! costs with nothing to do). Each must check with no errors, or the benchmark fails.
//!
//! The times are wall times of the whole `omniface check FILE` process: process start, reading
//! the file, parsing and checking. Peak RSS comes from `/usr/bin/time` when it is installed.
//! The table is printed and written to `target/bench/results.md`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::Result;
use crate::ctx::{Ctx, format_duration, note, show_output, step};
use crate::synth::{self, BIG_METHODS, BIG_TYPES};

/// The goal from the issue: parse and check the big input in under this.
const TARGET: Duration = Duration::from_millis(100);
const DEEP_CHAIN: usize = 10_000;

struct Options {
    runs: usize,
    warmup: usize,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut options = Options { runs: 10, warmup: 2 };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--runs" => &mut options.runs,
            "--warmup" => &mut options.warmup,
            other => return Err(format!("unknown bench option `{other}`")),
        };
        *slot = args
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("`{arg}` needs a number"))?;
    }
    if options.runs == 0 {
        return Err("`--runs` must be at least 1".into());
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
}

pub fn run(ctx: &Ctx, args: &[String]) -> Result {
    let options = parse_options(args)?;
    let dir = ctx.target_dir().join("bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;

    // Read the load now: by the end of the run, the benchmark itself is part of it.
    let machine = machine();
    step("generating inputs in target/bench/");
    let big = synth::big(BIG_TYPES, BIG_METHODS);
    let small = synth::big(BIG_TYPES / 10, BIG_METHODS / 10);
    let inputs = vec![
        write_input(
            ctx,
            &dir,
            "big.idl",
            format!("big: {} types, {} methods", thousands(big.types() as u64), big.methods),
            &big,
        )?,
        write_input(
            ctx,
            &dir,
            "small.idl",
            format!(
                "small: 1/10 of big ({} types, {} methods)",
                small.types(),
                small.methods
            ),
            &small,
        )?,
        write_plain(
            ctx,
            &dir,
            "deep.idl",
            format!("deep chain: {} structs", thousands(DEEP_CHAIN as u64)),
            &synth::deep_chain(DEEP_CHAIN),
            DEEP_CHAIN,
        )?,
        write_plain(
            ctx,
            &dir,
            "empty.idl",
            "empty file (process baseline)".into(),
            &synth::empty(),
            0,
        )?,
    ];

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
        let measured = measure(ctx, &exe, input, &options, time_available)?;
        note(&format!(
            "{}: min {}, median {}",
            input.label,
            format_duration(measured.min()),
            format_duration(measured.median())
        ));
        results.push(measured);
    }

    let report = report(&machine, &inputs, &results, &options);
    step("results");
    println!("\n{report}");
    let path = dir.join("results.md");
    std::fs::write(&path, &report).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    note(&format!("written to {}", ctx.rel(&path)));
    Ok(())
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
            m.peak_rss_kib
                .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
                .unwrap_or_else(|| "n/a".into()),
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
    let secs = |m: &Measured| m.min().as_secs_f64();
    let base = secs(empty);
    let ratio = secs(big) / secs(small);
    let net = (secs(big) - base) / (secs(small) - base).max(1e-9);
    out.push_str(&format!(
        "- Linearity (fastest runs): 10x the input takes {ratio:.1}x the time, {net:.1}x after \
         subtracting the empty-file baseline of {}; 10x would be linear.\n",
        format_duration(empty.min())
    ));
    let mb_per_s = inputs[0].bytes as f64 / 1e6 / (secs(big) - base).max(1e-9);
    let lines_per_s = inputs[0].lines as f64 / (secs(big) - base).max(1e-9);
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
