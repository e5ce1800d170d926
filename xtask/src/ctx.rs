//! The context every step receives, and helpers to print steps and run commands.
//!
//! Commands run from the workspace root. A helper that runs a command returns `Err` with a
//! message naming the command and what went wrong (it could not start, it exited with the wrong
//! status, and its output when that was captured), so callers just use `?`.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::Result;

pub struct Ctx {
    /// The workspace root: the parent of the xtask crate.
    pub root: PathBuf,
    /// The cargo that runs us (`$CARGO`), so child builds use the same toolchain.
    cargo: OsString,
}

impl Ctx {
    pub fn new() -> Ctx {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .expect("the xtask crate lives in a folder of the workspace")
            .to_path_buf();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Ctx { root, cargo }
    }

    /// `cargo ARGS…`, to be run from the workspace root.
    pub fn cargo(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.cargo);
        cmd.args(args).current_dir(&self.root);
        cmd
    }

    /// Cargo's target folder (`$CARGO_TARGET_DIR` or `<root>/target`).
    pub fn target_dir(&self) -> PathBuf {
        match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => self.root.join(dir),
            None => self.root.join("target"),
        }
    }

    /// An empty folder `<target>/<name>`, removing whatever a previous run left there.
    pub fn fresh_dir(&self, name: &str) -> Result<PathBuf> {
        let dir = self.target_dir().join(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot remove {}: {e}", self.rel(&dir)))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", self.rel(&dir)))?;
        Ok(dir)
    }

    /// `path` relative to the workspace root when it is inside it, for messages.
    pub fn rel(&self, path: &Path) -> String {
        path.strip_prefix(&self.root).unwrap_or(path).display().to_string()
    }

    /// Builds the `omniface` binary (debug, or release) in the usual target folder and returns
    /// its path, as cargo reports it.
    pub fn build_omniface(&self, release: bool) -> Result<PathBuf> {
        let mut args = vec![
            "build",
            "--package",
            "omniface-codegen",
            "--bin",
            "omniface",
            "--message-format=json-render-diagnostics",
        ];
        if release {
            args.push("--release");
        }
        let mut cmd = self.cargo(&args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
        let output = spawn_output(&mut cmd)?;
        if !output.status.success() {
            return Err(format!(
                "`{}` failed ({}); cargo's messages are above",
                describe(&cmd),
                output.status
            ));
        }
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if message["reason"] == "compiler-artifact"
                && message["target"]["name"] == "omniface"
                && let Some(exe) = message["executable"].as_str()
            {
                return Ok(PathBuf::from(exe));
            }
        }
        Err(format!(
            "`{}` succeeded but reported no `omniface` executable",
            describe(&cmd)
        ))
    }
}

/// Prints the `==> title` line that starts a step.
pub fn step(title: &str) {
    println!("==> {title}");
    let _ = std::io::stdout().flush();
}

/// Prints an indented detail line under the current step.
pub fn note(text: &str) {
    println!("    {text}");
    let _ = std::io::stdout().flush();
}

/// Runs `cmd` with the terminal as its input and output; fails unless it exits with status 0.
pub fn run(cmd: &mut Command) -> Result {
    note(&format!("$ {}", describe(cmd)));
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status}); its output is above", describe(cmd)))
    }
}

/// Runs `cmd`, capturing its output, and fails unless it exits with status `code`.
pub fn expect_exit(cmd: &mut Command, code: i32) -> Result<Output> {
    note(&format!("$ {}   (expect exit {code})", describe(cmd)));
    cmd.stdin(Stdio::null());
    let output = spawn_output(cmd)?;
    if output.status.code() == Some(code) {
        Ok(output)
    } else {
        Err(format!(
            "`{}` exited with {} instead of {code}\n{}",
            describe(cmd),
            output.status,
            show_output(&output)
        ))
    }
}

/// Runs `cmd` and returns its output, whatever its exit status.
fn spawn_output(cmd: &mut Command) -> Result<Output> {
    cmd.output().map_err(|e| format!("cannot run `{}`: {e}", describe(cmd)))
}

/// The captured stdout and stderr of a command, shortened, for an error message.
pub fn show_output(output: &Output) -> String {
    fn clip(bytes: &[u8]) -> String {
        const MAX: usize = 4000;
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim_end();
        if text.is_empty() {
            return "    (empty)".to_string();
        }
        let shown = if text.len() > MAX {
            let mut end = MAX;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}\n[… {} more bytes]", &text[..end], text.len() - end)
        } else {
            text.to_string()
        };
        shown
            .lines()
            .map(|line| format!("    {line}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
    format!(
        "--- stdout:\n{}\n--- stderr:\n{}",
        clip(&output.stdout),
        clip(&output.stderr)
    )
}

/// The command line, for messages: the program's file name and the arguments.
pub fn describe(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    let program = program.file_name().unwrap_or(program.as_os_str()).to_string_lossy();
    let mut text = program.into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// `1.23 s`, `56.7 ms` or `890 µs`.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 0.001 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{:.0} µs", secs * 1e6)
    }
}

/// Every file under `root`, by path relative to it.
pub fn read_tree(root: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                files.insert(relative, bytes);
            }
        }
    }
    Ok(files)
}
