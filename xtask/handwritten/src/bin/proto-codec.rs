//! `proto-codec [--iterations N]`: what the protobuf encoding of the generated types costs against
//! prost's on the same message. The benchmark `Pet` exists twice in this binary: as the type
//! omniface generates from `bench.idl` (which the gRPC adapter reads and writes directly, with no
//! conversion; ADR 0005) and as the prost struct tonic-prost-build generates from the `.proto`
//! omniface wrote for it. Both encode the same value; the bytes must be identical (the run fails
//! otherwise), and each side is timed encoding into a reused buffer and decoding from the same
//! bytes. Prints one JSON line: nanoseconds per operation for each side and the ratios.

use std::hint::black_box;
use std::time::Instant;

// Only the message types of either side are used here, not their servers and clients.
#[allow(dead_code)]
mod generated {
    omniface::include_service!("acme.bench.v1");
}

#[allow(dead_code)]
mod prost_types {
    tonic::include_proto!("acme.bench.v1");
}

fn main() {
    let iterations = iterations();
    let ours = generated::Pet {
        id: 1_234_567,
        name: "Rex".into(),
        species: generated::Species::Dog,
        tags: vec!["puppy".into(), "friendly".into()],
        created_at: omniface::Timestamp {
            seconds: 1_767_225_600,
            nanos: 250_000_000,
        },
    };
    let theirs = prost_types::Pet {
        id: 1_234_567,
        name: "Rex".into(),
        species: prost_types::Species::Dog as i32,
        tags: vec!["puppy".into(), "friendly".into()],
        created_at: Some(prost_types_timestamp(1_767_225_600, 250_000_000)),
    };

    let our_bytes = omniface::proto::Message::encode_to_vec(&ours);
    let their_bytes = prost::Message::encode_to_vec(&theirs);
    if our_bytes != their_bytes {
        eprintln!("error: the encodings differ:\n omniface {our_bytes:02x?}\n prost    {their_bytes:02x?}");
        std::process::exit(1);
    }
    let decoded: generated::Pet = omniface::proto::Message::decode(&their_bytes).expect("prost's bytes decode");
    assert_eq!(decoded, ours, "omniface reads prost's bytes back to the same value");
    let decoded = <prost_types::Pet as prost::Message>::decode(&our_bytes[..]).expect("our bytes decode");
    assert_eq!(decoded, theirs, "prost reads omniface's bytes back to the same value");

    // Warm up both, then time each side twice, alternating, and keep the better run.
    let mut buf = Vec::with_capacity(256);
    let mut best = [f64::MAX; 4];
    for round in 0..3 {
        let timings = [
            time(iterations, || {
                buf.clear();
                omniface::proto::Message::encode_fields(black_box(&ours), &mut buf);
                black_box(&buf);
            }),
            time(iterations, || {
                buf.clear();
                prost::Message::encode(black_box(&theirs), &mut buf).expect("a Vec has room");
                black_box(&buf);
            }),
            time(iterations, || {
                let pet: generated::Pet = omniface::proto::Message::decode(black_box(&our_bytes)).expect("decodes");
                black_box(pet);
            }),
            time(iterations, || {
                let pet = <prost_types::Pet as prost::Message>::decode(black_box(&their_bytes[..])).expect("decodes");
                black_box(pet);
            }),
        ];
        if round > 0 {
            for (best, timing) in best.iter_mut().zip(timings) {
                *best = best.min(timing);
            }
        }
    }
    let [encode_ours, encode_prost, decode_ours, decode_prost] = best;
    println!(
        "{{\"bytes\":{},\"iterations\":{iterations},\"encode_ns\":{{\"omniface\":{encode_ours:.1},\"prost\":{encode_prost:.1}}},\"decode_ns\":{{\"omniface\":{decode_ours:.1},\"prost\":{decode_prost:.1}}},\"encode_ratio\":{:.3},\"decode_ratio\":{:.3}}}",
        our_bytes.len(),
        encode_ours / encode_prost,
        decode_ours / decode_prost,
    );
}

/// Nanoseconds per call of `operation`, over `iterations` calls.
fn time(iterations: u64, mut operation: impl FnMut()) -> f64 {
    let started = Instant::now();
    for _ in 0..iterations {
        operation();
    }
    started.elapsed().as_nanos() as f64 / iterations as f64
}

fn prost_types_timestamp(seconds: i64, nanos: i32) -> ::prost_types::Timestamp {
    ::prost_types::Timestamp { seconds, nanos }
}

fn iterations() -> u64 {
    let mut args = std::env::args().skip(1);
    let mut iterations = 2_000_000;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--iterations", Some(n)) => match n.parse() {
                Ok(n) if n > 0 => iterations = n,
                _ => usage(&format!("`{n}` is not a positive number")),
            },
            _ => usage(&format!("unknown argument `{arg}`")),
        }
    }
    iterations
}

fn usage(message: &str) -> ! {
    eprintln!("error: {message}\nusage: proto-codec [--iterations N]");
    std::process::exit(2);
}
