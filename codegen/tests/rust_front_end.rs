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

/// A fresh folder under the target directory, for crates written by the tests.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).expect("scratch folder");
    dir
}

/// Inputs a proptest splices into the pet store: fragments of attributes, types and items.
const FRAGMENTS: &[&str] = &[
    "#[omniface(",
    ")]",
    "number = ",
    "default = ",
    "..=",
    "-",
    "\"x\"",
    "Option<",
    "Vec<",
    "BTreeMap<String, ",
    ">",
    "#[derive(omniface::Model)] struct X(u8);",
    "#[derive(omniface::Model)] enum Y { A, B(u64), C { d: u32 } }",
    "omniface::package!(\"Bad Name\");",
    "mod missing;",
    "async fn",
    "&self,",
    "ctx: &Context,",
    "throws(",
    "event,",
    "<T>",
    "impl",
    "::",
    "",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 96, ..Default::default() })]

    /// Whatever the pet store is mutated into, reading it never panics: every problem is a
    /// diagnostic (or, when the file is no longer Rust, nothing, since rustc reports that).
    #[test]
    fn mutated_crates_never_panic(cut in 0usize..20_000, length in 0usize..200, fragment in 0..FRAGMENTS.len()) {
        let source = std::fs::read_to_string(workspace().join("examples/petstore-macro/src/pets.rs")).expect("pets.rs");
        let mut start = cut.min(source.len());
        while !source.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + length).min(source.len());
        while !source.is_char_boundary(end) {
            end -= 1;
        }
        let mutated = format!("{}{}{}", &source[..start], FRAGMENTS[fragment], &source[end..]);
        let dir = scratch("mutated");
        std::fs::write(dir.join("src/lib.rs"), mutated).expect("write");
        let krate = compile_crate(&dir.join("src/lib.rs"), &dir);
        // Rendering walks every span: they all point into the sources.
        let _ = krate.compilation.render_diagnostics();
    }
}

#[test]
fn every_problem_is_reported_with_its_code_and_place() {
    let dir = scratch("problems");
    std::fs::write(
        dir.join("src/lib.rs"),
        r#"
omniface::package!("acme.shop.v1");

#[derive(omniface::Model)]
pub struct Item {
    #[omniface(lenght(1..=64))]
    pub name: String,
    pub counts: std::collections::HashMap<String, u32>,
    pub owner: Ownr,
}

#[derive(omniface::Model)]
pub struct Owner {
    pub id: u64,
}

#[omniface::service]
pub trait Shop {
    fn get(&self, ctx: &omniface::Context, id: u64) -> Result<Item, omniface::Error>;
    #[omniface(http(get, "/items/{id}"))]
    async fn find(&self, ctx: &omniface::Context) -> Result<Item, omniface::Error>;
}
"#,
    )
    .expect("write");
    let krate = compile_crate(&dir.join("src/lib.rs"), &dir);
    let rendered = krate.compilation.render_diagnostics();
    let codes: Vec<&str> = krate.compilation.diagnostics.iter().map(|d| d.code.as_str()).collect();
    for expected in ["E0050", "E0081", "E0022", "E0082", "E0060"] {
        assert!(codes.contains(&expected), "{expected} missing from:\n{rendered}");
    }
    assert!(rendered.contains("did you mean `length`?"), "{rendered}");
    assert!(rendered.contains("did you mean `Owner`?"), "{rendered}");
    assert!(
        rendered.contains("src/lib.rs:6:16"),
        "the unknown annotation is located:\n{rendered}"
    );
}
