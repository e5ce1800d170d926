//! The external tools the `artifacts` and `servers` steps run, installed on demand into `<workspace>/.tools/`
//! (gitignored):
//!
//! - `.tools/node`: npm packages, `npm install --prefix .tools/node` at pinned versions;
//! - `.tools/venv`: a Python virtual environment with pinned PyPI packages;
//! - `xmllint` from the Debian package `libxml2-utils`, with `apt-get`, when it is not on `PATH`;
//! - the MQTT broker `mosquitto` from the Debian package of that name, the same way (the Rust tests
//!   and the `servers` step each start their own on a free port; apt does not start it).
//!
//! Each installation writes a stamp file listing what it installed; when the stamp matches the
//! pinned list (and the programs are there) the installation is skipped, so a second run costs
//! nothing. Changing a pin below reinstalls on the next run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Result;
use crate::ctx::{self, Ctx, note};

/// npm packages, pinned. The validator scripts in `xtask/validators/` `require` them.
const NPM_PACKAGES: &[&str] = &[
    "@asyncapi/parser@3.6.6",
    "@bufbuild/buf@1.75.0",
    "@json-schema-tools/meta-schema@1.8.0",
    "@open-rpc/meta-schema@1.14.9",
    "@open-rpc/schema-utils-js@2.2.1",
    "@redocly/cli@2.77.0",
    "ajv@8.20.0",
    "graphql@16.15.0",
];

/// PyPI packages, pinned (their own dependencies are left to pip). The gRPC ones serve the
/// `servers` step: `grpcio-tools` compiles the generated `.proto` into Python stubs (it bundles
/// protoc and the well-known types), `grpcio` calls the running server with them, `grpcio-status`
/// and `googleapis-common-protos` decode the `google.rpc.Status` details of its errors, and
/// `grpcio-health-checking` holds the `grpc.health.v1` stubs.
const PIP_PACKAGES: &[&str] = &[
    "googleapis-common-protos==1.76.0",
    "gql==4.4.0",
    "graphql-core==3.3.2",
    "grpcio==1.85.1",
    "grpcio-health-checking==1.85.1",
    "grpcio-status==1.85.1",
    "grpcio-tools==1.85.1",
    "httpx==0.28.1",
    "httpx-sse==0.4.3",
    "openapi-spec-validator==0.9.0",
    "paho-mqtt==2.1.0",
    "pika==1.3.2",
    "schemathesis==4.32.5",
    "standardwebhooks==1.1.0",
    "trustme==1.2.1",
    "websockets==17.4",
    "xmlschema==4.3.2",
    "zeep==4.3.3",
];

/// The file, inside an installation folder, that records what was installed there.
const STAMP: &str = ".xtask-stamp";

/// Where the installed tools are.
pub struct Tools {
    /// `.tools/node/node_modules`, also the `NODE_PATH` of the validator scripts.
    pub node_modules: PathBuf,
    /// `.tools/venv/bin`.
    venv_bin: PathBuf,
    /// The WSDL 1.1 schema (`wsdl.xsd`) bundled with the xmlschema package.
    pub wsdl_xsd: PathBuf,
}

impl Tools {
    /// An executable installed by npm (`buf`, `redocly`).
    pub fn npm_bin(&self, name: &str) -> PathBuf {
        self.node_modules.join(".bin").join(name)
    }

    /// An executable of the virtual environment (`python`, `openapi-spec-validator`).
    pub fn venv_bin(&self, name: &str) -> PathBuf {
        self.venv_bin.join(name)
    }
}

/// Installs whatever is missing and returns where the tools are.
pub fn ensure(ctx: &Ctx) -> Result<Tools> {
    let dir = ctx.root.join(".tools");
    let node = dir.join("node");
    let venv = dir.join("venv");
    ensure_npm(ctx, &node)?;
    ensure_venv(ctx, &venv)?;
    ensure_xmllint()?;
    let wsdl_xsd = find_wsdl_xsd(&venv)?;
    Ok(Tools {
        node_modules: node.join("node_modules"),
        venv_bin: venv.join("bin"),
        wsdl_xsd,
    })
}

/// The stamp's text for a package list.
fn stamp_text(packages: &[&str]) -> String {
    let mut text = packages.join("\n");
    text.push('\n');
    text
}

/// True when `dir` holds a stamp for exactly `packages` and every one of `programs` exists.
fn up_to_date(dir: &Path, packages: &[&str], programs: &[PathBuf]) -> bool {
    std::fs::read_to_string(dir.join(STAMP)).is_ok_and(|s| s == stamp_text(packages))
        && programs.iter().all(|p| p.exists())
}

fn write_stamp(ctx: &Ctx, dir: &Path, packages: &[&str]) -> Result {
    let path = dir.join(STAMP);
    std::fs::write(&path, stamp_text(packages)).map_err(|e| format!("cannot write {}: {e}", ctx.rel(&path)))
}

fn ensure_npm(ctx: &Ctx, prefix: &Path) -> Result {
    let bin = prefix.join("node_modules").join(".bin");
    if up_to_date(prefix, NPM_PACKAGES, &[bin.join("buf"), bin.join("redocly")]) {
        note(&format!("npm packages: up to date in {}", ctx.rel(prefix)));
        return Ok(());
    }
    note(&format!("npm packages: installing into {}", ctx.rel(prefix)));
    // npm fails with `spawn ENOENT` when the prefix folder does not exist.
    std::fs::create_dir_all(prefix).map_err(|e| format!("cannot create {}: {e}", ctx.rel(prefix)))?;
    let mut cmd = Command::new("npm");
    cmd.arg("install")
        .arg("--prefix")
        .arg(prefix)
        .args(["--save-exact", "--no-audit", "--no-fund", "--loglevel=error"])
        .args(NPM_PACKAGES)
        .current_dir(&ctx.root);
    ctx::run(&mut cmd).map_err(|e| format!("{e}\nNode 20 and npm must be on PATH."))?;
    write_stamp(ctx, prefix, NPM_PACKAGES)
}

fn ensure_venv(ctx: &Ctx, venv: &Path) -> Result {
    let python = venv.join("bin").join("python");
    let programs = [python.clone(), venv.join("bin").join("openapi-spec-validator")];
    if up_to_date(venv, PIP_PACKAGES, &programs) {
        note(&format!("Python packages: up to date in {}", ctx.rel(venv)));
        return Ok(());
    }
    if !python.exists() {
        note(&format!("Python: creating the virtual environment {}", ctx.rel(venv)));
        if create_venv(ctx, venv).is_err() {
            // Debian's python3 lacks `ensurepip` until python3-venv is installed.
            note("`python3 -m venv` failed; installing python3-venv and trying again");
            let _ = std::fs::remove_dir_all(venv);
            apt_install("python3-venv")?;
            create_venv(ctx, venv)?;
        }
    }
    note(&format!("Python packages: installing into {}", ctx.rel(venv)));
    let mut cmd = Command::new(&python);
    cmd.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .args(PIP_PACKAGES)
        .current_dir(&ctx.root);
    ctx::run(&mut cmd)?;
    write_stamp(ctx, venv, PIP_PACKAGES)
}

fn create_venv(ctx: &Ctx, venv: &Path) -> Result {
    let python = if program_runs("python3", "--version") {
        "python3"
    } else {
        "python"
    };
    ctx::run(
        Command::new(python)
            .args(["-m", "venv"])
            .arg(venv)
            .current_dir(&ctx.root),
    )
}

fn ensure_xmllint() -> Result {
    if program_runs("xmllint", "--version") {
        note("xmllint: found on PATH");
        return Ok(());
    }
    note("xmllint: not found; installing the Debian package libxml2-utils");
    apt_install("libxml2-utils")?;
    if program_runs("xmllint", "--version") {
        Ok(())
    } else {
        Err("libxml2-utils is installed but `xmllint` still does not run".to_string())
    }
}

/// The `mosquitto` program, installed with apt when missing. Debian puts it in `/usr/sbin`, which
/// is not on every user's `PATH`.
pub fn ensure_mosquitto() -> Result<PathBuf> {
    let find = || {
        ["mosquitto", "/usr/sbin/mosquitto"]
            .into_iter()
            .find(|program| program_starts(program))
            .map(PathBuf::from)
    };
    if let Some(program) = find() {
        note(&format!("mosquitto: found ({})", program.display()));
        return Ok(program);
    }
    note("mosquitto: not found; installing the Debian package mosquitto");
    apt_install("mosquitto")?;
    find().ok_or_else(|| "the mosquitto package is installed but `mosquitto` does not start".to_string())
}

/// The RabbitMQ server script of the Debian package, which runs the broker in the foreground.
/// Not the `/usr/sbin/rabbitmq-server` wrapper: as root, that one switches to the `rabbitmq` user
/// through `su`, which detaches the broker from the process that must stop it.
pub const RABBITMQ_SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";

/// RabbitMQ (with its Erlang runtime), installed with apt when missing.
pub fn ensure_rabbitmq() -> Result<PathBuf> {
    let program = PathBuf::from(RABBITMQ_SERVER);
    if program.exists() {
        note(&format!("RabbitMQ: found ({RABBITMQ_SERVER})"));
        return Ok(program);
    }
    note("RabbitMQ: not found; installing the Debian package rabbitmq-server");
    apt_install("rabbitmq-server")?;
    if program.exists() {
        Ok(program)
    } else {
        Err(format!(
            "the rabbitmq-server package is installed but {RABBITMQ_SERVER} is missing"
        ))
    }
}

/// True when `program` can be started at all (`mosquitto -h` exits with a non-zero status).
fn program_starts(program: &str) -> bool {
    Command::new(program)
        .arg("-h")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// `apt-get install -y PACKAGE`, after `apt-get update` when the first attempt fails (a fresh
/// machine has no package lists). CI runs as root; elsewhere install the package yourself.
fn apt_install(package: &str) -> Result {
    let install = || {
        let mut cmd = Command::new("apt-get");
        cmd.args(["install", "-y", "--no-install-recommends", package])
            .env("DEBIAN_FRONTEND", "noninteractive");
        ctx::run(&mut cmd)
    };
    if install().is_ok() {
        return Ok(());
    }
    let mut update = Command::new("apt-get");
    update.arg("update").env("DEBIAN_FRONTEND", "noninteractive");
    ctx::run(&mut update)
        .and_then(|()| install())
        .map_err(|e| format!("{e}\nInstall the Debian package `{package}` (as root) and run again."))
}

/// True when `program ARG` starts and exits with status 0.
fn program_runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `<venv>/lib/python3.X/site-packages/xmlschema/schemas/WSDL/wsdl.xsd`.
fn find_wsdl_xsd(venv: &Path) -> Result<PathBuf> {
    let lib = venv.join("lib");
    let entries = std::fs::read_dir(&lib).map_err(|e| format!("cannot list {}: {e}", lib.display()))?;
    for entry in entries.flatten() {
        let path = entry.path().join("site-packages/xmlschema/schemas/WSDL/wsdl.xsd");
        if path.exists() {
            return Ok(path);
        }
    }
    Err(format!(
        "the xmlschema package's WSDL schema (wsdl.xsd) is not under {}/python*/site-packages",
        lib.display()
    ))
}
