fn main() {
    omniface_codegen::configure().compile(&["../telemetry.idl"]).unwrap();
}
