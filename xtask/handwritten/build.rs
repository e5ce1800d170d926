//! Two code generators on one IDL: omniface writes the Rust code of `grpc-generated` and the
//! `.proto` of the service under `$OUT_DIR/omniface/`; tonic-prost-build then compiles **that**
//! `.proto` (parsed by protox, no `protoc` needed) into the prost messages and the tonic server
//! and client that `grpc-handwritten` and `grpc-load` use. Both servers thus speak exactly the
//! messages the proto target describes. `broker_bench.idl` is the broker benchmark's event, for
//! `broker-load`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    omniface_codegen::configure().compile(&["bench.idl", "broker_bench.idl"])?;
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    let include = out_dir.join("omniface").join("proto");
    let proto = "acme/bench/v1/bench.proto";
    let fds = protox::compile([proto], [&include])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    println!("cargo:rerun-if-changed={}", include.join(proto).display());
    Ok(())
}
