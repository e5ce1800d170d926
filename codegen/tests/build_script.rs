//! The build-script builder as a build script uses it: output under `<out>/omniface/`, files left
//! alone when unchanged, and errors returned rendered (file, line, column, code frame), never a
//! panic.

use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("omniface-build-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn writes_every_target_once_and_leaves_unchanged_files_alone() {
    let out = scratch("ok");
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/petstore.idl");
    omniface_codegen::configure()
        .out_dir(&out)
        .emit_rerun_if_changed(false)
        .compile(&[example])
        .unwrap();
    let rust = out.join("omniface/rust/acme.pets.v1.rs");
    for file in [
        rust.clone(),
        out.join("omniface/rust/omniface-model.json"),
        out.join("omniface/openapi/acme.pets.v1.openapi.json"),
        out.join("omniface/wsdl/acme.pets.v1.wsdl"),
        out.join("omniface/graphql/acme.pets.v1.graphql"),
        out.join("omniface/proto/acme/pets/v1/pets.proto"),
    ] {
        assert!(file.is_file(), "{} was not written", file.display());
    }
    let before = std::fs::metadata(&rust).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    omniface_codegen::configure()
        .out_dir(&out)
        .emit_rerun_if_changed(false)
        .compile(&[example])
        .unwrap();
    let after = std::fs::metadata(&rust).unwrap().modified().unwrap();
    assert_eq!(
        before, after,
        "an unchanged file must not be rewritten (it would trigger rebuilds)"
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn errors_come_back_rendered_with_their_location() {
    let out = scratch("broken");
    let idl = out.join("broken.idl");
    std::fs::write(&idl, "package broken.v1;\n\nstruct Pet {\n    owner: Persn,\n}\n").unwrap();
    let error = omniface_codegen::configure()
        .out_dir(&out)
        .emit_rerun_if_changed(false)
        .compile(&[idl.to_string_lossy()])
        .unwrap_err();
    let shown = format!("{error:?}");
    assert!(shown.contains("error[E0022]"), "{shown}");
    assert!(shown.contains("broken.idl:4:12"), "{shown}");
    assert!(shown.contains("owner: Persn"), "the code frame is shown: {shown}");
    assert!(
        !out.join("omniface").exists(),
        "nothing is written when the IDL has errors"
    );
    let _ = std::fs::remove_dir_all(&out);
}
