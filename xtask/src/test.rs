//! `cargo xtask test`: every check the project has, as one ordered list of steps ([`STEPS`]).
//!
//! Each step prints a `==> title` line, then the commands it runs (`$ …`). The first failing step
//! stops the run with a message saying what failed and how to run that step alone.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::Result;
use crate::ctx::{self, Ctx, expect_exit, format_duration, note, read_tree, show_output, step};
use crate::synth;

pub struct Step {
    /// The name used to run the step alone: `cargo xtask test NAME`.
    pub name: &'static str,
    /// The `==>` line.
    pub title: &'static str,
    pub run: fn(&Ctx) -> Result,
}

/// The steps, in the order they run: quickest feedback first.
pub const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        title: "formatting: cargo fmt --all --check",
        run: fmt,
    },
    Step {
        name: "clippy",
        title: "lints: cargo clippy --workspace --all-targets -- -D warnings",
        run: clippy,
    },
    Step {
        name: "unit",
        title: "unit and integration tests: cargo test --workspace",
        run: unit,
    },
    Step {
        name: "cli",
        title: "end to end: the omniface CLI on examples/",
        run: cli,
    },
    Step {
        name: "artifacts",
        title: "generated artifacts accepted by their ecosystems' tools (buf, redocly, graphql, xmllint, zeep, asyncapi, openrpc)",
        run: crate::artifacts::artifacts,
    },
    Step {
        name: "servers",
        title: "example servers called by Python clients (httpx, zeep, gql, websockets, httpx-sse, grpcio, paho-mqtt through mosquitto, pika through RabbitMQ, a standardwebhooks receiver), buf curl, and fuzzed by schemathesis",
        run: crate::servers::servers,
    },
];

pub fn run(ctx: &Ctx, args: &[String]) -> Result {
    if args.iter().any(|a| a == "--list") {
        for s in STEPS {
            println!("{:<10} {}", s.name, s.title);
        }
        return Ok(());
    }
    for arg in args {
        if !STEPS.iter().any(|s| s.name == arg) {
            let names: Vec<&str> = STEPS.iter().map(|s| s.name).collect();
            return Err(format!(
                "unknown test step `{arg}`; the steps are: {}",
                names.join(", ")
            ));
        }
    }
    let chosen: Vec<&Step> = STEPS
        .iter()
        .filter(|s| args.is_empty() || args.iter().any(|a| a == s.name))
        .collect();
    let started = Instant::now();
    // Builds fill the disk (the target folder of a clean run holds several GB), and a full disk
    // shows up as odd failures far from their cause, so every step says how much is left.
    let free = || free_disk_space(&ctx.root).map_or_else(String::new, |gb| format!("; {gb:.1} GB free on disk"));
    if let Some(gb) = free_disk_space(&ctx.root) {
        note(&format!("{gb:.1} GB free on disk"));
    }
    for s in &chosen {
        step(s.title);
        let t = Instant::now();
        (s.run)(ctx).map_err(|message| {
            format!(
                "step `{}` failed{}: {message}\n\nRun just this step again with: cargo xtask test {}",
                s.name,
                free().replacen(";", " with", 1),
                s.name
            )
        })?;
        note(&format!("ok ({}{})", format_duration(t.elapsed()), free()));
    }
    step(&format!(
        "all {} step{} passed in {}",
        chosen.len(),
        if chosen.len() == 1 { "" } else { "s" },
        format_duration(started.elapsed())
    ));
    Ok(())
}

/// Free space, in GB, on the file system holding `path` (from `df -Pk`), if `df` answers.
fn free_disk_space(path: &Path) -> Option<f64> {
    let output = Command::new("df").arg("-Pk").arg(path).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    // `Filesystem 1024-blocks Used Available Capacity Mounted-on`, then one line per file system.
    let available_kb: f64 = text.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()?;
    Some(available_kb / 1024.0 / 1024.0)
}

fn fmt(ctx: &Ctx) -> Result {
    ctx::run(&mut ctx.cargo(&["fmt", "--all", "--check"]))
        .map_err(|e| format!("{e}\nRun `cargo fmt --all` to fix the formatting."))
}

fn clippy(ctx: &Ctx) -> Result {
    ctx::run(&mut ctx.cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))
}

fn unit(ctx: &Ctx) -> Result {
    // The MQTT and AMQP tests start a mosquitto and a RabbitMQ of their own.
    crate::tools::ensure_mosquitto()?;
    crate::tools::ensure_rabbitmq()?;
    ctx::run(&mut ctx.cargo(&["test", "--workspace"]))
}

/// The examples that must check cleanly on their own (`common.idl` is imported by all three).
const EXAMPLES: &[&str] = &["examples/petstore.idl", "examples/chat.idl", "examples/telemetry.idl"];

/// A file with several errors, for the diagnostics checks.
const BROKEN_IDL: &str = "\
package broken.v1;

struct Pet {
    id: u64,
    owner: Persn,
    tags: list<string>?,
}

service PetStore {
    fn get_pet(id: u64) -> Pet throws NoSuchError;
}
";

fn cli(ctx: &Ctx) -> Result {
    note("building omniface (debug)");
    let exe = ctx.build_omniface(false)?;
    let omniface = |args: &[&str]| {
        let mut cmd = Command::new(&exe);
        cmd.args(args).current_dir(&ctx.root);
        cmd
    };
    let scratch = ctx.fresh_dir("xtask/cli")?;
    let scratch_rel = ctx.rel(&scratch);

    // The examples check cleanly.
    for example in EXAMPLES {
        expect_exit(&mut omniface(&["check", example]), 0)?;
    }

    // Generating twice gives byte-identical trees.
    let (a, b) = (format!("{scratch_rel}/gen-a"), format!("{scratch_rel}/gen-b"));
    for out in [&a, &b] {
        expect_exit(
            &mut omniface(&["generate", "examples/petstore.idl", "--target", "all", "--out", out]),
            0,
        )?;
    }
    let files = same_trees(&scratch.join("gen-a"), &scratch.join("gen-b"))?;
    note(&format!(
        "deterministic: {files} generated files identical in {a} and {b}"
    ));

    // `export` reads the pet store written with the macros (examples/petstore-macro) without
    // building it and writes what `generate` wrote for examples/petstore.idl.
    let exported = format!("{scratch_rel}/export-all");
    expect_exit(
        &mut omniface(&[
            "export",
            "--manifest-path",
            "examples/petstore-macro",
            "--target",
            "all",
            "--out",
            &exported,
        ]),
        0,
    )?;
    let files = same_as_generated(&scratch.join("gen-a"), &scratch.join("export-all"))?;
    note(&format!(
        "export: {files} files from examples/petstore-macro identical to {a}'s (model `files` aside)"
    ));
    // From inside the crate (`--manifest-path` defaults to `.`), through its `Cargo.toml`: the
    // same bytes, so the output does not depend on where the command runs.
    let mut inside = Command::new(&exe);
    inside
        .args(["export", "--target", "all", "--out"])
        .arg(scratch.join("export-inside"))
        .current_dir(ctx.root.join("examples/petstore-macro"));
    expect_exit(&mut inside, 0)?;
    same_trees(&scratch.join("export-all"), &scratch.join("export-inside"))?;
    // `--target idl` from the crate: the pet store's IDL, as `generate --target idl` writes it
    // from the .idl files, and it checks cleanly.
    let (idl_exported, idl_generated) = (format!("{scratch_rel}/export-idl"), format!("{scratch_rel}/gen-idl"));
    expect_exit(
        &mut omniface(&[
            "export",
            "--manifest-path",
            "examples/petstore-macro/Cargo.toml",
            "--target",
            "idl",
            "--out",
            &idl_exported,
        ]),
        0,
    )?;
    expect_exit(
        &mut omniface(&[
            "generate",
            "examples/petstore.idl",
            "--target",
            "idl",
            "--out",
            &idl_generated,
        ]),
        0,
    )?;
    let files = same_as_generated(&scratch.join("gen-idl"), &scratch.join("export-idl"))?;
    expect_exit(
        &mut omniface(&["check", &format!("{idl_exported}/idl/acme.pets.v1.idl")]),
        0,
    )?;
    note(&format!(
        "export --target idl: {files} .idl files, identical to generate's, checking cleanly"
    ));
    // The examples are formatted canonically.
    let mut fmt_args = vec!["fmt".to_string(), "--check".to_string()];
    fmt_args.extend(idl_files(&ctx.root.join("examples"))?);
    let fmt_args: Vec<&str> = fmt_args.iter().map(String::as_str).collect();
    expect_exit(&mut omniface(&fmt_args), 0)?;

    // A broken file: exit 1, rustc-style errors.
    let broken = format!("{scratch_rel}/broken.idl");
    write(&ctx.root.join(&broken), BROKEN_IDL)?;
    let output = expect_exit(&mut omniface(&["check", &broken]), 1)?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if !text.contains("error[E") {
        return Err(format!(
            "`omniface check {broken}` printed no `error[E…]` diagnostic\n{}",
            show_output(&output)
        ));
    }
    let errors = text.matches("error[E").count();
    note(&format!("{errors} error diagnostics printed"));

    // The same with `--message-format json`: one JSON object with a "code" per stdout line.
    let output = expect_exit(&mut omniface(&["check", "--message-format", "json", &broken]), 1)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut codes = Vec::new();
    for (i, line) in stdout.lines().enumerate() {
        let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
            format!(
                "line {} of `omniface check --message-format json` is not JSON ({e}): {line}",
                i + 1
            )
        })?;
        match value.get("code").and_then(|c| c.as_str()) {
            Some(code) => codes.push(code.to_string()),
            None => {
                return Err(format!(
                    "line {} of `omniface check --message-format json` has no string \"code\": {line}",
                    i + 1
                ));
            }
        }
    }
    if codes.is_empty() {
        return Err(format!(
            "`omniface check --message-format json {broken}` printed no diagnostics\n{}",
            show_output(&output)
        ));
    }
    note(&format!("JSON diagnostics: {}", codes.join(", ")));

    // The benchmark's generator writes inputs the checker accepts (a small one, to stay quick).
    let small = format!("{scratch_rel}/synthetic.idl");
    write(
        &ctx.root.join(&small),
        &synth::big(synth::BIG_TYPES / 10, synth::BIG_METHODS / 10).text,
    )?;
    expect_exit(&mut omniface(&["check", &small]), 0)?;

    /// `export`'s tree against `generate`'s: the same files with the same bytes, except the
    /// `files` array of the model documents, which names the sources read (`src/pets.rs` against
    /// `examples/petstore.idl`) and must hold crate-relative paths. Returns the file count.
    fn same_as_generated(generated: &Path, exported: &Path) -> Result<usize> {
        let (want, got) = (read_tree(generated)?, read_tree(exported)?);
        if want.is_empty() {
            return Err(format!("`generate` wrote no files to {}", generated.display()));
        }
        if let Some(path) = want.keys().find(|p| !got.contains_key(*p)) {
            return Err(format!(
                "`omniface export` did not write {} (in {}), which `omniface generate` wrote (in {})",
                path.display(),
                exported.display(),
                generated.display()
            ));
        }
        if let Some(path) = got.keys().find(|p| !want.contains_key(*p)) {
            return Err(format!(
                "`omniface export` wrote {} (in {}), which `omniface generate` did not (in {})",
                path.display(),
                exported.display(),
                generated.display()
            ));
        }
        // The text without its `"files": [ … ],` lines (the top-level key, indented by two).
        fn without_files(bytes: &[u8]) -> Vec<u8> {
            const OPEN: &[u8] = b"\n  \"files\": [";
            const CLOSE: &[u8] = b"\n  ],";
            let find = |needle: &[u8], from: usize| {
                bytes[from..]
                    .windows(needle.len())
                    .position(|w| w == needle)
                    .map(|at| at + from)
            };
            match find(OPEN, 0).and_then(|start| Some((start, find(CLOSE, start)? + CLOSE.len()))) {
                Some((start, end)) => [&bytes[..start], &bytes[end..]].concat(),
                None => bytes.to_vec(),
            }
        }
        for (path, expected) in &want {
            let actual = &got[path];
            let in_model = path.starts_with("model");
            if in_model {
                let sources = serde_json::from_slice::<serde_json::Value>(actual)
                    .map_err(|e| format!("exported {} is not JSON: {e}", path.display()))?["files"]
                    .clone();
                let relative = sources.as_array().is_some_and(|files| {
                    !files.is_empty()
                        && files
                            .iter()
                            .all(|f| f.as_str().is_some_and(|f| f.starts_with("src/") && f.ends_with(".rs")))
                });
                if !relative {
                    return Err(format!(
                        "exported {} should name its sources relative to the crate (`src/….rs`), not {sources}",
                        path.display()
                    ));
                }
            }
            let (expected, actual) = if in_model {
                (without_files(expected), without_files(actual))
            } else {
                (expected.clone(), actual.clone())
            };
            if expected != actual {
                return Err(format!(
                    "`omniface export` wrote {} differently from `omniface generate` ({}{}); compare {} with {}",
                    path.display(),
                    first_difference(&expected, &actual),
                    if in_model {
                        ", with the `files` lines left out"
                    } else {
                        ""
                    },
                    exported.join(path).display(),
                    generated.join(path).display()
                ));
            }
        }
        Ok(want.len())
    }

    Ok(())
}

fn write(path: &Path, text: &str) -> Result {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The `.idl` files directly in `dir`, as sorted paths relative to the workspace root.
fn idl_files(dir: &Path) -> Result<Vec<String>> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?.path();
        if path.extension().is_some_and(|ext| ext == "idl") {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            files.push(format!("examples/{name}"));
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(format!("no .idl files in {}", dir.display()));
    }
    Ok(files)
}

/// Checks that two folders hold the same files with the same bytes; returns the file count.
fn same_trees(a: &Path, b: &Path) -> Result<usize> {
    let (files_a, files_b) = (read_tree(a)?, read_tree(b)?);
    if files_a.is_empty() {
        return Err(format!("`generate` wrote no files to {}", a.display()));
    }
    for (path, bytes) in &files_a {
        match files_b.get(path) {
            None => {
                return Err(format!(
                    "not deterministic: {} was generated only the first time",
                    path.display()
                ));
            }
            Some(other) if other != bytes => {
                return Err(format!(
                    "not deterministic: {} differs between two runs ({})",
                    path.display(),
                    first_difference(bytes, other)
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(path) = files_b.keys().find(|p| !files_a.contains_key(*p)) {
        return Err(format!(
            "not deterministic: {} was generated only the second time",
            path.display()
        ));
    }
    Ok(files_a.len())
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let line = a[..at].iter().filter(|&&c| c == b'\n').count() + 1;
    format!("first difference at byte {at}, line {line}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_names_are_unique() {
        for (i, s) in STEPS.iter().enumerate() {
            assert!(STEPS[i + 1..].iter().all(|t| t.name != s.name), "{}", s.name);
        }
    }

    #[test]
    fn first_difference_names_line() {
        assert_eq!(
            first_difference(b"a\nbc", b"a\nbd"),
            "first difference at byte 3, line 2"
        );
    }
}
