//! The Rust front end (`from_rust`): `examples/petstore-macro`, the pet store written with the
//! macros, compiles to the same spec documents as `examples/petstore.idl`, byte for byte.

use std::path::Path;

use omniface_codegen::from_rust::compile_crate;
use omniface_codegen::targets::{Options, Target, generate};

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn petstore_macro_gives_the_idl_artifacts() {
    let idl =
        omniface_codegen::compile_files(&[workspace().join("examples/petstore.idl").to_string_lossy().into_owned()]);
    let idl_model = idl
        .checked_model()
        .unwrap_or_else(|| panic!("{}", idl.render_diagnostics()));
    let crate_dir = workspace().join("examples/petstore-macro");
    let rust = compile_crate(&crate_dir.join("src/lib.rs"), &crate_dir);
    let rust_model = rust
        .compilation
        .checked_model()
        .unwrap_or_else(|| panic!("{}", rust.compilation.render_diagnostics()));
    let targets = [
        Target::Openapi,
        Target::Proto,
        Target::Graphql,
        Target::Wsdl,
        Target::Asyncapi,
        Target::Openrpc,
    ];
    let from_idl = generate(idl_model, &targets, &Options::default());
    let from_rust = generate(rust_model, &targets, &Options::default());
    let names =
        |files: &[omniface_codegen::targets::GeneratedFile]| files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    assert_eq!(names(&from_rust), names(&from_idl));
    for (rust_file, idl_file) in from_rust.iter().zip(&from_idl) {
        if rust_file.contents != idl_file.contents {
            let first = rust_file
                .contents
                .lines()
                .zip(idl_file.contents.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            let around = |text: &str| {
                text.lines()
                    .skip(first.saturating_sub(3))
                    .take(8)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            panic!(
                "{} differs at line {}:\n--- from the macros\n{}\n--- from the IDL\n{}",
                rust_file.path.display(),
                first + 1,
                around(&rust_file.contents),
                around(&idl_file.contents)
            );
        }
    }
    assert_eq!(from_rust.len(), 9, "{:?}", names(&from_rust));
}
