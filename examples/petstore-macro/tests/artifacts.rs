//! The six spec documents the macro-built service embeds and serves are byte-identical to those
//! `omniface generate` writes for `examples/petstore.idl`.

use omniface_codegen::targets::{Options, Target, generate};
use petstore_macro::PetStoreSpec;

#[test]
fn the_six_documents_equal_the_idl_ones() {
    let idl = concat!(env!("CARGO_MANIFEST_DIR"), "/../petstore.idl").to_string();
    let compilation = omniface_codegen::compile_files(&[idl]);
    let model = compilation
        .checked_model()
        .unwrap_or_else(|| panic!("{}", compilation.render_diagnostics()));
    let files = generate(
        model,
        &[
            Target::Openapi,
            Target::Proto,
            Target::Graphql,
            Target::Wsdl,
            Target::Asyncapi,
            Target::Openrpc,
        ],
        &Options::default(),
    );
    let file = |path: &str| {
        files
            .iter()
            .find(|f| f.path == std::path::Path::new(path))
            .unwrap_or_else(|| panic!("{path} generated"))
            .contents
            .as_str()
    };
    let pairs = [
        (
            "openapi",
            PetStoreSpec::openapi(),
            file("openapi/acme.pets.v1.openapi.json"),
        ),
        ("proto", PetStoreSpec::proto(), file("proto/acme/pets/v1/pets.proto")),
        (
            "graphql",
            PetStoreSpec::graphql_sdl(),
            file("graphql/acme.pets.v1.graphql"),
        ),
        ("wsdl", PetStoreSpec::wsdl(), file("wsdl/acme.pets.v1.wsdl")),
        (
            "asyncapi",
            PetStoreSpec::asyncapi(),
            file("asyncapi/acme.pets.v1.asyncapi.json"),
        ),
        (
            "openrpc",
            PetStoreSpec::openrpc(),
            file("openrpc/acme.pets.v1.openrpc.json"),
        ),
    ];
    for (name, from_macros, from_idl) in pairs {
        assert!(from_macros.len() > 500, "{name} is a real document");
        assert!(from_macros == from_idl, "{name} differs from the IDL's");
    }
    let imported: Vec<&str> = PetStoreSpec::proto_files().iter().map(|(path, _)| *path).collect();
    assert_eq!(imported, ["acme/pets/v1/pets.proto", "acme/common/v1/common.proto"]);
    assert_eq!(
        PetStoreSpec::proto_files()[1].1,
        file("proto/acme/common/v1/common.proto")
    );
    // The model is the IDL's too, once the places it was read from are set aside.
    assert_eq!(PetStoreSpec::model().packages.len(), model.packages.len());
}
