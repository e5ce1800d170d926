//! JSON Schema for model types (being written).
