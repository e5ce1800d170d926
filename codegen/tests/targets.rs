//! Snapshots of every target for every example, under `snapshots/targets/`. A change to a
//! generator shows up here as a reviewable diff; accept it only after reading it.

use std::collections::HashMap;

use omniface_codegen::compile_with;
use omniface_codegen::loader::InMemory;
use omniface_codegen::targets::{OpenApiVersion, Options, Target, generate};

const EXAMPLES: &[&str] = &["petstore", "chat", "telemetry"];

/// The examples folder in memory, so file names in the output do not depend on where the tests
/// run.
fn examples() -> InMemory {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut files = HashMap::new();
    for entry in std::fs::read_dir(dir).expect("examples folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "idl") {
            let name = path.file_name().expect("name").to_string_lossy().into_owned();
            files.insert(name, std::fs::read_to_string(&path).expect("readable example"));
        }
    }
    InMemory(files)
}

fn snapshot(example: &str, options: &Options, suffix: &str) {
    let compilation = compile_with(&[format!("{example}.idl")], &examples());
    let model = compilation
        .checked_model()
        .unwrap_or_else(|| panic!("{}", compilation.render_diagnostics()));
    let files = generate(model, Target::ALL, options);
    for target in Target::ALL {
        assert!(
            files.iter().any(|f| f.path.starts_with(target.name())),
            "target {} wrote nothing for {example}",
            target.name()
        );
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots/targets");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for file in files {
            let path = file.path.to_string_lossy().replace(['/', '\\'], "__");
            insta::assert_snapshot!(format!("{example}{suffix}__{path}"), file.contents);
        }
    });
}

#[test]
fn every_target_for_every_example() {
    for example in EXAMPLES {
        snapshot(example, &Options::default(), "");
    }
}

#[test]
fn openapi_3_0_for_every_example() {
    let options = Options {
        openapi_version: OpenApiVersion::V3_0,
    };
    for example in EXAMPLES {
        let compilation = compile_with(&[format!("{example}.idl")], &examples());
        let model = compilation.checked_model().expect("example compiles");
        let files = generate(model, &[Target::Openapi], &options);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("../../snapshots/targets");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| {
            for file in files {
                assert!(file.contents.contains("\"openapi\": \"3.0.3\""));
                let path = file.path.to_string_lossy().replace(['/', '\\'], "__");
                insta::assert_snapshot!(format!("{example}__openapi30__{path}"), file.contents);
            }
        });
    }
}

/// A change to the model shows up consistently in every artifact: a new field appears in all of
/// them.
#[test]
fn a_model_change_reaches_every_target() {
    let mut files = examples();
    let petstore = files.0.get_mut("petstore.idl").expect("petstore");
    *petstore = petstore.replacen(
        "struct Pet {",
        "struct Pet {\n    /// Marker field.\n    microchip_code @99: string?,",
        1,
    );
    let compilation = compile_with(&["petstore.idl".into()], &files);
    let model = compilation
        .checked_model()
        .unwrap_or_else(|| panic!("{}", compilation.render_diagnostics()));
    for target in Target::ALL {
        let generated = generate(model, &[*target], &Options::default());
        let all: String = generated.iter().map(|f| f.contents.as_str()).collect();
        let spelled = ["microchip_code", "microchipCode"];
        // AsyncAPI and OpenRPC carry Pet only where an operation uses it; every target here does.
        assert!(
            spelled.iter().any(|s| all.contains(s)),
            "target {} does not show the new field",
            target.name()
        );
    }
}

/// The Rust target: its code is snapshotted like any artifact, the model it embeds reads back to
/// the same model, and every spec document it `include_str!`s is one the other targets write.
#[test]
fn rust_target_for_every_example() {
    for example in EXAMPLES {
        let compilation = compile_with(&[format!("{example}.idl")], &examples());
        let model = compilation.checked_model().expect("example compiles");
        let rust = generate(model, &[Target::Rust], &Options::default());
        let artifacts = generate(model, Target::ALL, &Options::default());
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("../../snapshots/targets");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| {
            for file in &rust {
                let path = file.path.to_string_lossy().replace(['/', '\\'], "__");
                if path.ends_with(".json") {
                    let read_back: omniface_codegen::model::Model =
                        serde_json::from_str(&file.contents).expect("the embedded model deserialises");
                    let again = serde_json::to_string(&read_back).unwrap();
                    assert_eq!(
                        again, file.contents,
                        "the embedded model of {example} survives a round trip"
                    );
                    continue;
                }
                insta::assert_snapshot!(format!("{example}__{path}"), file.contents);
                let documents = file.contents.matches("include_str!(\"../").count();
                let services = file.contents.matches("::omniface::Handler for").count();
                let proto_files = file.contents.matches("include_str!(\"../proto/").count();
                // The six documents, plus each .proto file the package's imports (for gRPC
                // reflection), which repeats the package's own.
                assert_eq!(
                    documents - proto_files,
                    5 * services,
                    "{example}: six documents per service"
                );
                assert!(
                    proto_files >= 2 * services,
                    "{example}: the .proto files for reflection"
                );
                for included in file.contents.split("include_str!(\"../").skip(1) {
                    let relative = included.split('"').next().unwrap();
                    assert!(
                        artifacts
                            .iter()
                            .any(|a| a.path.to_string_lossy().replace('\\', "/") == relative),
                        "{example}: the Rust target embeds `{relative}`, which no target writes"
                    );
                }
            }
        });
    }
}

/// A struct holding an optional value of its own type needs a box in Rust to have a finite size;
/// lists do not. (Compiled and round-tripped by hand against the runtime; see the closing note of
/// the runtime issue.)
#[test]
fn rust_target_boxes_optional_self_references() {
    let compilation = omniface_codegen::compile_str(
        "node.idl",
        "package t.v1;\nstruct Node {\n    value: u32,\n    next: Node?,\n    children: list<Node>,\n    parent: Tree?,\n}\nstruct Tree {\n    root: Node?,\n    size: u32,\n}\n",
    );
    let model = compilation
        .checked_model()
        .expect("recursion through optionals is valid IDL");
    let files = generate(model, &[Target::Rust], &Options::default());
    let code = &files
        .iter()
        .find(|f| f.path.to_string_lossy().ends_with("t.v1.rs"))
        .unwrap()
        .contents;
    assert!(
        code.contains("pub next: ::std::option::Option<::std::boxed::Box<Node>>"),
        "{code}"
    );
    assert!(code.contains("pub children: ::std::vec::Vec<Node>"), "{code}");
    assert!(
        code.contains("pub parent: ::std::option::Option<::std::boxed::Box<Tree>>"),
        "{code}"
    );
    assert!(
        code.contains("pub root: ::std::option::Option<::std::boxed::Box<Node>>"),
        "{code}"
    );
}
