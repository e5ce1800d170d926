//! Targets: each is a pure function from the checked model to files. Writing them to disk is a
//! separate step ([`write_files`]) so that the same output feeds snapshots, build scripts and the
//! CLI.
//!
//! Invariant: targets do no I/O and never see syntax; the same model gives byte-identical files.

mod asyncapi;
mod graphql;
mod idl;
pub mod json_schema;
mod model_json;
mod openapi;
mod openrpc;
mod prose;
mod proto;
pub mod rust;
mod wsdl;

use std::path::{Path, PathBuf};

use crate::model::Model;

/// One output file, relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
}

/// Every target. Adding one touches this enum, its `match` arms and its own module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// The checked model as JSON, with every effective binding spelled out.
    Model,
    /// OpenAPI 3.1 (or 3.0.3) for the REST binding, SSE streams and webhooks.
    Openapi,
    /// proto3 files for gRPC, laid out for `buf lint`.
    Proto,
    /// GraphQL SDL: queries, mutations and subscriptions.
    Graphql,
    /// WSDL 1.1 with inline XSD and SOAP 1.1 and 1.2 bindings.
    Wsdl,
    /// AsyncAPI 3.0 for MQTT and WebSocket.
    Asyncapi,
    /// OpenRPC for JSON-RPC 2.0.
    Openrpc,
    /// Rust types, service traits and server glue for the `omniface` runtime. Not part of
    /// [`Target::ALL`] (the spec artifacts); build scripts ask for it explicitly.
    Rust,
    /// The model written back as canonical `.idl` files, one per package, for moving between the
    /// front ends. Not part of [`Target::ALL`] either: it is a source, not an artifact.
    Idl,
}

/// OpenAPI major.minor to write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OpenApiVersion {
    #[default]
    V3_1,
    /// 3.0.3, for generators that do not read 3.1 yet.
    V3_0,
}

/// Settings that change what targets write.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub openapi_version: OpenApiVersion,
}

impl Target {
    pub const ALL: &'static [Target] = &[
        Target::Model,
        Target::Openapi,
        Target::Proto,
        Target::Graphql,
        Target::Wsdl,
        Target::Asyncapi,
        Target::Openrpc,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Model => "model",
            Target::Openapi => "openapi",
            Target::Proto => "proto",
            Target::Graphql => "graphql",
            Target::Wsdl => "wsdl",
            Target::Asyncapi => "asyncapi",
            Target::Openrpc => "openrpc",
            Target::Rust => "rust",
            Target::Idl => "idl",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL
            .iter()
            .copied()
            .chain([Target::Rust, Target::Idl])
            .find(|t| t.name() == name)
    }

    /// Generates this target's files, under a folder named after the target.
    pub fn generate(self, model: &Model, options: &Options) -> Vec<GeneratedFile> {
        let files = match self {
            Target::Model => model_json::generate(model),
            Target::Openapi => openapi::generate(model, options),
            Target::Proto => proto::generate(model),
            Target::Graphql => graphql::generate(model),
            Target::Wsdl => wsdl::generate(model),
            Target::Asyncapi => asyncapi::generate(model),
            Target::Openrpc => openrpc::generate(model),
            Target::Rust => rust::generate(model),
            Target::Idl => idl::generate(model),
        };
        files
            .into_iter()
            .map(|file| GeneratedFile {
                path: Path::new(self.name()).join(file.path),
                contents: file.contents,
            })
            .collect()
    }
}

/// Generates several targets, in the order given.
///
/// Targets are independent, so each runs on its own thread; the files come back in target order,
/// so the output does not depend on scheduling.
pub fn generate(model: &Model, targets: &[Target], options: &Options) -> Vec<GeneratedFile> {
    if targets.len() < 2 {
        return targets
            .iter()
            .flat_map(|target| target.generate(model, options))
            .collect();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .iter()
            .map(|target| scope.spawn(move || target.generate(model, options)))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// Writes files under `out_dir`, leaving a file untouched when its contents are already right (so
/// build scripts do not trigger rebuilds). Returns the paths written.
pub fn write_files(out_dir: &Path, files: &[GeneratedFile]) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for file in files {
        let path = out_dir.join(&file.path);
        if std::fs::read(&path).is_ok_and(|existing| existing == file.contents.as_bytes()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &file.contents)?;
        written.push(path);
    }
    Ok(written)
}
