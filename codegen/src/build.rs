//! The build-script entry point, in the style of prost-build and tonic-build:
//!
//! ```no_run
//! // In build.rs, inside `fn main`:
//! omniface_codegen::configure().compile(&["api/petstore.idl"]).unwrap();
//! ```
//!
//! It writes every spec artifact and the Rust target under `$OUT_DIR/omniface/` (files whose
//! contents are unchanged are left alone, so nothing rebuilds needlessly), prints
//! `cargo:rerun-if-changed` for every file read, and on errors prints the rendered diagnostics
//! (file, line, column, code frame, hint) and returns them, never panicking itself.

use std::fmt;
use std::path::PathBuf;

use crate::targets::{self, Options, Target};

/// Starts a build configuration.
pub fn configure() -> Builder {
    Builder::default()
}

/// Where and how the build script writes generated code.
#[derive(Clone, Debug, Default)]
pub struct Builder {
    out_dir: Option<PathBuf>,
    emit_rerun_if_changed: Option<bool>,
}

/// The IDL did not compile, or the output could not be written. `Debug` shows the rendered
/// diagnostics, so `.unwrap()` in a build script prints them as the compiler would.
pub struct BuildError {
    message: String,
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BuildError {}

impl Builder {
    /// Writes under this directory instead of `$OUT_DIR` (a folder `omniface/` is created in it).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` lines; on by default inside a build script.
    pub fn emit_rerun_if_changed(mut self, emit: bool) -> Builder {
        self.emit_rerun_if_changed = Some(emit);
        self
    }

    /// Compiles the files (and their imports) and writes the generated code.
    pub fn compile(self, files: &[impl AsRef<str>]) -> Result<(), BuildError> {
        let paths: Vec<String> = files.iter().map(|f| f.as_ref().to_string()).collect();
        let in_build_script = std::env::var_os("OUT_DIR").is_some();
        let compilation = crate::compile_files(&paths);
        if self.emit_rerun_if_changed.unwrap_or(in_build_script) {
            for (_, file) in compilation.sources.files() {
                println!("cargo:rerun-if-changed={}", file.name);
            }
            for path in &paths {
                println!("cargo:rerun-if-changed={path}");
            }
        }
        if compilation.has_errors() {
            let rendered = compilation.render_diagnostics();
            // Cargo shows a failed build script's stderr; printing here puts the code frames in
            // front of the user even when the error is not unwrapped.
            eprint!("{rendered}");
            return Err(BuildError {
                message: format!("omniface: the IDL has errors\n{rendered}"),
            });
        }
        let out_dir = match self.out_dir.or_else(|| std::env::var_os("OUT_DIR").map(PathBuf::from)) {
            Some(dir) => dir.join("omniface"),
            None => {
                return Err(BuildError {
                    message: "omniface: no output directory: call `.out_dir(..)` or run inside a build script".into(),
                });
            }
        };
        let mut chosen: Vec<Target> = Target::ALL.to_vec();
        chosen.push(Target::Rust);
        let generated = targets::generate(&compilation.model, &chosen, &Options::default());
        targets::write_files(&out_dir, &generated).map_err(|error| BuildError {
            message: format!(
                "omniface: cannot write generated files under {}: {error}",
                out_dir.display()
            ),
        })?;
        Ok(())
    }
}
