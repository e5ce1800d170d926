//! omniface-codegen: the omniface compiler. It reads `.idl` files into one plain-data
//! [`model::Model`], checks it, and generates artifacts from it; the `omniface` binary is a thin
//! command-line shell over this library.
//!
//! ```no_run
//! let compilation = omniface_codegen::compile_files(&["examples/petstore.idl".to_string()]);
//! if compilation.has_errors() {
//!     eprint!("{}", compilation.render_diagnostics());
//! }
//! ```

mod build;
pub mod check;
pub mod diagnostic;
pub mod fmt;
pub mod from_rust;
pub mod loader;
pub mod lower;
/// The model lives in its own crate so the runtime can read it without the compiler.
pub use omniface_model as model;
pub mod source;
pub mod syntax;
pub mod targets;

pub use build::{BuildError, Builder, configure};
use diagnostic::{Diagnostic, Diagnostics, Severity};
use loader::{Disk, FileSource, InMemory};
use model::Model;
use source::SourceDb;

/// The result of compiling some files: what was read, the model, and every diagnostic.
pub struct Compilation {
    pub sources: SourceDb,
    /// The checked model. When [`Compilation::has_errors`], it is a best effort and must not be
    /// given to targets.
    pub model: Model,
    /// Every diagnostic, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// Wall time of each phase, for `omniface check --timings` and the benchmarks.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }

    /// The model, only when it has no errors.
    pub fn checked_model(&self) -> Option<&Model> {
        (!self.has_errors()).then_some(&self.model)
    }

    /// All diagnostics rendered as rustc renders its own, with a summary line.
    pub fn render_diagnostics(&self) -> String {
        let mut all = Diagnostics::default();
        all.extend(self.diagnostics.iter().cloned());
        all.render(&self.sources)
    }
}

/// Compiles files from disk (and everything they import).
pub fn compile_files(paths: &[String]) -> Compilation {
    compile_with(paths, &Disk)
}

/// Compiles one file held in memory; imports are resolved against `files`-less memory, so it
/// suits single-file inputs and tests.
pub fn compile_str(name: &str, text: &str) -> Compilation {
    let mut files = InMemory::default();
    files.0.insert(name.to_string(), text.to_string());
    compile_with(&[name.to_string()], &files)
}

/// Compiles with a custom file source.
pub fn compile_with(paths: &[String], source: &dyn FileSource) -> Compilation {
    let start = std::time::Instant::now();
    let mut loaded = loader::load(paths, source);
    let loaded_at = std::time::Instant::now();
    let (model, check_errors) = check::check(&mut loaded.files, &loaded.sources);
    let checked_at = std::time::Instant::now();
    let mut diagnostics = Diagnostics::default();
    diagnostics.extend(loaded.errors);
    diagnostics.extend(check_errors);
    Compilation {
        sources: loaded.sources,
        model,
        diagnostics: diagnostics.into_sorted(),
        timings: vec![
            ("parse", loaded.parse_time),
            ("lower", loaded.lower_time),
            ("read, parse and lower", loaded_at - start),
            ("resolve and check", checked_at - loaded_at),
        ],
    }
}
