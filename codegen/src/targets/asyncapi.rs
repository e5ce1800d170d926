//! The `asyncapi` target: AsyncAPI 3.0 (not written yet).

use super::GeneratedFile;
use crate::model::Model;

pub fn generate(model: &Model) -> Vec<GeneratedFile> {
    let _ = model;
    Vec::new()
}
