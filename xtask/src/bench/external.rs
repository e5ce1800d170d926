//! The tools `cargo xtask bench` compares omniface with, installed on demand:
//!
//! - TypeSpec: `@typespec/compiler`, `@typespec/http` and `@typespec/openapi3` at pinned versions,
//!   `npm install --prefix .tools/typespec` (gitignored). A stamp file lists what was installed;
//!   when it matches [`TYPESPEC_PACKAGES`] and `tsp.js` is there, nothing runs.
//! - `protoc`, from the Debian package `protobuf-compiler`, and `wrk` (HTTP load, for the
//!   protocol section), from the Debian package `wrk`, each with `apt-get` when it is not on `PATH`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Result;
use crate::ctx::{self, Ctx, note};

/// TypeSpec 1.11: the last line that runs on Node 20. `@typespec/openapi3` declares the others as
/// peer dependencies, which npm installs with it.
const TYPESPEC_PACKAGES: &[&str] = &[
    "@typespec/compiler@1.11.0",
    "@typespec/http@1.11.0",
    "@typespec/openapi@1.11.0",
    "@typespec/openapi3@1.11.0",
];

const STAMP: &str = ".xtask-stamp";

/// Where TypeSpec is installed.
pub struct TypeSpec {
    /// `.tools/typespec/node_modules`: a TypeSpec project resolves its `import`s from the
    /// `node_modules` folder beside it or above it.
    pub node_modules: PathBuf,
    /// `node_modules/@typespec/compiler/cmd/tsp.js`, run with `node`.
    pub tsp_js: PathBuf,
    /// The compiler's version, from its `package.json`.
    pub version: String,
}

/// Installs TypeSpec into `.tools/typespec` unless the pinned packages are already there.
pub fn ensure_typespec(ctx: &Ctx) -> Result<TypeSpec> {
    let prefix = ctx.root.join(".tools").join("typespec");
    let node_modules = prefix.join("node_modules");
    let compiler = node_modules.join("@typespec").join("compiler");
    let tsp_js = compiler.join("cmd").join("tsp.js");
    let stamp = TYPESPEC_PACKAGES.join("\n") + "\n";
    let stamp_path = prefix.join(STAMP);
    if std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp) && tsp_js.exists() {
        note(&format!("TypeSpec: up to date in {}", ctx.rel(&prefix)));
    } else {
        note(&format!("TypeSpec: installing into {}", ctx.rel(&prefix)));
        // npm fails with `spawn ENOENT` when the prefix folder does not exist.
        std::fs::create_dir_all(&prefix).map_err(|e| format!("cannot create {}: {e}", ctx.rel(&prefix)))?;
        let mut cmd = Command::new("npm");
        cmd.arg("install")
            .arg("--prefix")
            .arg(&prefix)
            .args(["--save-exact", "--no-audit", "--no-fund", "--loglevel=error"])
            .args(TYPESPEC_PACKAGES)
            .current_dir(&ctx.root);
        ctx::run(&mut cmd).map_err(|e| format!("{e}\nNode 20 and npm must be on PATH."))?;
        std::fs::write(&stamp_path, stamp).map_err(|e| format!("cannot write {}: {e}", ctx.rel(&stamp_path)))?;
    }
    let manifest = compiler.join("package.json");
    let version = std::fs::read_to_string(&manifest)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|json| json["version"].as_str().map(str::to_string))
        .ok_or_else(|| format!("cannot read the version in {}", ctx.rel(&manifest)))?;
    Ok(TypeSpec {
        node_modules,
        tsp_js,
        version,
    })
}

/// Makes `project/node_modules` point at TypeSpec's, so that `project/main.tsp` finds its imports.
pub fn link_node_modules(typespec: &TypeSpec, project: &Path) -> Result {
    let link = project.join("node_modules");
    if std::fs::read_link(&link).is_ok_and(|target| target == typespec.node_modules) {
        return Ok(());
    }
    let _ = std::fs::remove_file(&link);
    symlink_dir(&typespec.node_modules, &link).map_err(|e| {
        format!(
            "cannot link {} to {}: {e}",
            link.display(),
            typespec.node_modules.display()
        )
    })
}

#[cfg(unix)]
fn symlink_dir(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink_dir(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_dir(target, link)
}

/// Makes sure `protoc` runs, installing `protobuf-compiler` with apt-get when it does not; returns
/// its version line.
pub fn ensure_protoc() -> Result<String> {
    if let Some(version) = version_of("protoc") {
        note(&format!("protoc: found on PATH ({version})"));
        return Ok(version);
    }
    note("protoc: not found; installing the Debian package protobuf-compiler");
    apt_install("protobuf-compiler")?;
    version_of("protoc").ok_or_else(|| "protobuf-compiler is installed but `protoc` still does not run".to_string())
}

/// Makes sure `wrk` (the HTTP load generator) runs, installing the Debian package `wrk` with
/// apt-get when it does not; returns its version line (`wrk debian/4.1.0-3+b2 [epoll] …`).
pub fn ensure_wrk() -> Result<String> {
    if let Some(version) = wrk_version() {
        note(&format!("wrk: found on PATH ({version})"));
        return Ok(version);
    }
    note("wrk: not found; installing the Debian package wrk");
    apt_install("wrk")?;
    wrk_version().ok_or_else(|| "wrk is installed but `wrk` still does not run".to_string())
}

/// `wrk -v` prints its version (and its usage) and exits with status 1.
fn wrk_version() -> Option<String> {
    let output = Command::new("wrk").arg("-v").stdin(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    let line = text.lines().find(|l| l.starts_with("wrk "))?;
    // `wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer`
    Some(line.split(" Copyright").next().unwrap_or(line).trim().to_string())
}

/// `apt-get install -y PACKAGE`, after `apt-get update` when the first attempt fails (a fresh
/// machine has no package lists).
fn apt_install(package: &str) -> Result {
    let install = || {
        let mut cmd = Command::new("apt-get");
        cmd.args(["install", "-y", "--no-install-recommends", package])
            .env("DEBIAN_FRONTEND", "noninteractive");
        ctx::run(&mut cmd)
    };
    if install().is_err() {
        let mut update = Command::new("apt-get");
        update.arg("update").env("DEBIAN_FRONTEND", "noninteractive");
        ctx::run(&mut update)
            .and_then(|()| install())
            .map_err(|e| format!("{e}\nInstall the Debian package `{package}` (as root) and run again."))?;
    }
    Ok(())
}

/// The first line `program --version` prints, when it runs.
pub fn version_of(program: &str) -> Option<String> {
    let output = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines().next().map(|l| l.trim().to_string())
}
