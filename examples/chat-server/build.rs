fn main() {
    omniface_codegen::configure().compile(&["../chat.idl"]).unwrap();
}
