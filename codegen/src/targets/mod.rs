//! Targets: each is a pure function from the checked model to files. Writing them to disk is a
//! separate step ([`write_files`]) so that the same output feeds snapshots, build scripts and the
//! CLI.
//!
//! Invariant: targets do no I/O and never see syntax; the same model gives byte-identical files.

mod model_json;

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
}

impl Target {
    pub const ALL: &'static [Target] = &[Target::Model];

    pub fn name(self) -> &'static str {
        match self {
            Target::Model => "model",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.iter().copied().find(|t| t.name() == name)
    }

    /// Generates this target's files, under a folder named after the target.
    pub fn generate(self, model: &Model) -> Vec<GeneratedFile> {
        let files = match self {
            Target::Model => model_json::generate(model),
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
pub fn generate(model: &Model, targets: &[Target]) -> Vec<GeneratedFile> {
    targets
        .iter()
        .flat_map(|target| target.generate(model))
        .collect()
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
