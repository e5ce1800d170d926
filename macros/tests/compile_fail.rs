//! The macros' misuses, each a compile error with the compiler's code at the tokens it is about
//! (`tests/ui/<category>/*.rs`, their expected output in the `.stderr` files beside them), and one
//! valid crate that compiles (`tests/ui/pass`), so a broken harness cannot pass by failing
//! everything.
//!
//! Regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p omniface-macros --test compile_fail`, then read every
//! `.stderr`: each must show omniface's error, with its code, at the right tokens.

/// The folders of the misuses; `tests/ui/pass` holds the case that compiles.
const CATEGORIES: [&str; 4] = ["types", "annotations", "services", "packages"];

#[test]
fn misuses_are_compile_errors() {
    let t = trybuild::TestCases::new();
    for category in CATEGORIES {
        t.compile_fail(format!("tests/ui/{category}/*.rs"));
    }
    t.pass("tests/ui/pass/*.rs");
}
