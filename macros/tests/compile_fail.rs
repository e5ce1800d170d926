//! The macros' misuses, each a compile error with the compiler's code at the tokens it is about
//! (`tests/ui/<category>/*.rs`, their expected output in the `.stderr` files beside them). A broken
//! harness cannot pass by failing everything: each case must fail with its own `.stderr`. The
//! valid single-file crate is `examples/model_and_service.rs`, which `cargo test` builds.
//!
//! With no case that must compile, trybuild only runs `cargo check` (no code generation, no
//! linking), which keeps its separate target folder (`target/tests/trybuild`) small. If every case
//! is reported as "expected to fail to compile, but it succeeded", the dependencies themselves
//! failed to build (trybuild attributes no error to any case then): run
//! `cargo check --bins` in `target/tests/trybuild/omniface-macros` to see why.
//!
//! Regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p omniface-macros --test compile_fail`, then read every
//! `.stderr`: each must show omniface's error, with its code, at the right tokens.

/// The folders of the misuses.
const CATEGORIES: [&str; 4] = ["types", "annotations", "services", "packages"];

#[test]
fn misuses_are_compile_errors() {
    let t = trybuild::TestCases::new();
    for category in CATEGORIES {
        t.compile_fail(format!("tests/ui/{category}/*.rs"));
    }
}
