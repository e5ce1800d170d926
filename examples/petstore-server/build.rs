fn main() {
    omniface_codegen::configure().compile(&["../petstore.idl"]).unwrap();
}
