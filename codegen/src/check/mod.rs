//! Turns the lowered files into one [`Model`]: merges files into packages, resolves every type
//! name to its fully qualified form, and runs every rule. All errors are collected; the model is
//! returned only when there are none.

mod resolve;
mod rules;

use crate::diagnostic::Diagnostic;
use crate::loader::LoadedFile;
use crate::model::Model;
use crate::source::SourceDb;

/// Builds and checks the model. Returns the model (also when it has errors, for tooling that wants
/// a best effort) and every diagnostic found.
pub fn check(files: &mut [LoadedFile], sources: &SourceDb) -> (Model, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    let mut model = resolve::merge_and_resolve(files, sources, &mut errors);
    rules::check_model(&mut model, &mut errors);
    (model, errors)
}
