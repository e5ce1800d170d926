//! The `openapi` target: OpenAPI 3.1 / 3.0.3 (not written yet).

use super::GeneratedFile;
use crate::model::Model;

pub fn generate(model: &Model, options: &super::Options) -> Vec<GeneratedFile> {
    let _ = (model, options);
    Vec::new()
}
