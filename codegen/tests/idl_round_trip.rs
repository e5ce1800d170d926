//! `omniface generate --target idl`: the model written back as `.idl`. Compiling the output gives
//! the same model again (spans and source file names aside), the output is in `omniface fmt`'s
//! layout, and printing it again changes nothing.

use std::collections::HashMap;

use omniface_codegen::loader::InMemory;
use omniface_codegen::model::span::Span;
use omniface_codegen::model::*;
use omniface_codegen::targets::{GeneratedFile, Options, Target, generate};
use omniface_codegen::{compile_with, fmt};
use proptest::prelude::*;

/// Examples to round-trip; `common` also alone, the others with what they import.
const EXAMPLES: &[&str] = &["petstore", "chat", "telemetry", "common"];

/// The examples folder in memory, as `tests/targets.rs` reads it.
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

fn compile(roots: &[String], files: &InMemory) -> Model {
    let compilation = compile_with(roots, files);
    match compilation.checked_model() {
        Some(model) => model.clone(),
        None => {
            let texts: Vec<String> = roots
                .iter()
                .map(|root| format!("--- {root}\n{}", files.0.get(root).map_or("", String::as_str)))
                .collect();
            panic!("{}\n{}", compilation.render_diagnostics(), texts.join("\n"))
        }
    }
}

fn idl(model: &Model) -> Vec<GeneratedFile> {
    generate(model, &[Target::Idl], &Options::default())
}

/// The generated files as a folder in memory, and its files in output order (the model's package
/// order, which compiling them in that order keeps).
fn as_folder(files: &[GeneratedFile]) -> (Vec<String>, InMemory) {
    let mut roots = Vec::new();
    let mut folder = HashMap::new();
    for file in files {
        let relative = file.path.strip_prefix("idl").expect("under idl/");
        let name = relative.to_string_lossy().into_owned();
        assert!(!name.contains(['/', '\\']), "one flat folder: {name}");
        roots.push(name.clone());
        folder.insert(name, file.contents.clone());
    }
    (roots, InMemory(folder))
}

/// The model without what depends on where and how the source was written: spans (byte offsets),
/// where each annotation stood, and the source file names.
fn normalised(model: &Model) -> Model {
    fn field(field: &mut Field) {
        field.span = Span::default();
        field.ty_span = Span::default();
        field.attr_spans = AttrSpans::default();
    }
    fn auth(auth: &mut Option<Auth>) {
        if let Some(auth) = auth {
            auth.span = Span::default();
        }
    }
    let mut model = model.clone();
    for package in &mut model.packages {
        package.span = Span::default();
        package.files.clear();
        for ty in &mut package.types {
            ty.span = Span::default();
            ty.attr_spans = AttrSpans::default();
            match &mut ty.kind {
                TypeKind::Struct(Struct { fields, .. }) | TypeKind::Error(ErrorDef { fields, .. }) => {
                    fields.iter_mut().for_each(field);
                }
                TypeKind::Enum(e) => {
                    for variant in &mut e.variants {
                        variant.span = Span::default();
                        variant.attr_spans = AttrSpans::default();
                    }
                }
                TypeKind::Union(u) => {
                    for variant in &mut u.variants {
                        variant.span = Span::default();
                        variant.ty_span = Span::default();
                        variant.attr_spans = AttrSpans::default();
                    }
                }
            }
        }
        for service in &mut package.services {
            service.span = Span::default();
            service.attr_spans = AttrSpans::default();
            auth(&mut service.auth);
            for method in &mut service.methods {
                method.span = Span::default();
                method.attr_spans = AttrSpans::default();
                method.returns_span = Span::default();
                method.throws_spans.clear();
                method.params.iter_mut().for_each(|p| field(&mut p.field));
                auth(&mut method.auth);
                if let Some(http) = &mut method.http {
                    http.span = Span::default();
                }
                if let Some(mqtt) = &mut method.mqtt {
                    mqtt.span = Span::default();
                }
                if let Some(queue) = &mut method.queue {
                    queue.span = Span::default();
                }
                if let Some(pagination) = &mut method.pagination {
                    pagination.span = Span::default();
                }
            }
            for event in &mut service.events {
                event.span = Span::default();
                event.attr_spans = AttrSpans::default();
                event.params.iter_mut().for_each(|p| field(&mut p.field));
                auth(&mut event.auth);
                if let Some(mqtt) = &mut event.mqtt {
                    mqtt.span = Span::default();
                }
                if let Some(queue) = &mut event.queue {
                    queue.span = Span::default();
                }
            }
        }
    }
    model
}

/// Equal models, or a panic showing the first line where their debug dumps differ (the dump has
/// every field, also those the JSON form leaves out, such as blank doc lines).
fn assert_same_model(original: &Model, again: &Model, context: &str) {
    let (original, again) = (normalised(original), normalised(again));
    if original == again {
        return;
    }
    let (a, b) = (format!("{original:#?}"), format!("{again:#?}"));
    let (a_lines, b_lines): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let at = a_lines
        .iter()
        .zip(&b_lines)
        .position(|(x, y)| x != y)
        .unwrap_or(a_lines.len().min(b_lines.len()));
    let window = |lines: &[&str]| lines[at.saturating_sub(12)..(at + 4).min(lines.len())].join("\n");
    panic!(
        "{context}: the model changed on the way through `--target idl`, at line {at} of the dump\n--- before\n{}\n--- after\n{}",
        window(&a_lines),
        window(&b_lines)
    );
}

/// Prints the model, compiles the output and checks it gives the same model; the output is
/// formatted already and comes back unchanged when printed again. Returns the output.
fn round_trip(model: &Model, context: &str) -> Vec<GeneratedFile> {
    let files = idl(model);
    assert_eq!(files.len(), model.packages.len(), "{context}: one file per package");
    for file in &files {
        let name = file.path.to_string_lossy();
        let formatted = fmt::format_source(&name, &file.contents)
            .unwrap_or_else(|c| panic!("{context}: {name} does not parse:\n{}", c.render_diagnostics()));
        assert_eq!(
            formatted, file.contents,
            "{context}: {name} is not in `omniface fmt` layout"
        );
    }
    let (roots, folder) = as_folder(&files);
    let again = compile(&roots, &folder);
    assert_same_model(model, &again, context);
    assert_eq!(
        idl(&again),
        files,
        "{context}: printing the output's model changes the output"
    );
    files
}

#[test]
fn every_example_round_trips() {
    let files = examples();
    for example in EXAMPLES {
        let model = compile(&[format!("{example}.idl")], &files);
        round_trip(&model, example);
    }
    // All examples in one model: the shared package is printed once.
    let roots: Vec<String> = EXAMPLES.iter().map(|e| format!("{e}.idl")).collect();
    let model = compile(&roots, &files);
    let output = round_trip(&model, "all examples");
    let names: Vec<String> = output
        .iter()
        .map(|f| f.path.to_string_lossy().replace('\\', "/"))
        .collect();
    assert_eq!(
        names,
        [
            "idl/acme.pets.v1.idl",
            "idl/acme.common.v1.idl",
            "idl/acme.chat.v1.idl",
            "idl/acme.telemetry.v1.idl"
        ]
    );
}

/// The output of every example, reviewed like every other target's.
#[test]
fn idl_target_for_every_example() {
    let files = examples();
    for example in ["petstore", "chat", "telemetry"] {
        let model = compile(&[format!("{example}.idl")], &files);
        snapshot(example, &idl(&model));
    }
}

fn snapshot(name: &str, files: &[GeneratedFile]) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots/targets");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for file in files {
            let path = file.path.to_string_lossy().replace(['/', '\\'], "__");
            insta::assert_snapshot!(format!("{name}__{path}"), file.contents);
        }
    });
}

/// A package imports the sibling file of each package it uses; other packages' types are written
/// fully qualified, the package's own by name.
#[test]
fn imports_name_sibling_files() {
    let model = compile(&["petstore.idl".into()], &examples());
    let files = idl(&model);
    let pets = &files[0].contents;
    assert!(pets.contains("\nimport \"acme.common.v1.idl\";\n"), "{pets}");
    assert!(
        !files[1].contents.contains("\nimport "),
        "the common package imports nothing"
    );
    assert!(pets.contains("price: acme.common.v1.Money?,"), "{pets}");
    assert!(pets.contains("-> Pet throws PetNotFound;"), "{pets}");
}

/// Everything the examples do not use: each annotation in each form, maps, defaults of every
/// kind, escapes in strings and docs, reserved ranges, empty declarations, streams, a second
/// package, and spellings other than the canonical one (which the output normalises).
const SYNTHETIC_LIB: &str = r#"//! A library package.
//!
//!    Indented doc line with a backslash \d and "quotes" and a `*/`.
package t.lib.v1;

/// A point.
struct Point { x: f64, y: f64 }

/// Thrown with only a gRPC code.
#[grpc_code(aborted)]
error Conflict {}

/// Thrown with only an HTTP status.
#[http_status(418)]
error Teapot {
    brew: string,
}

/// Retired values.
#[reserved(3, 10..=12, 20..25, "Old", "Older")]
enum Colour {
    Red,
    /// Deprecated without a note.
    #[deprecated]
    Green = 5,
    Blue,
    #[deprecated("Use \"Red\".")]
    Crimson = 100,
}
"#;

const SYNTHETIC_MAIN: &str = r#"//! The main package.
//!
package t.main.v1;

import "lib.idl";

// An ordinary comment: not in the model, so not in the output.
/// The quiet service, declared before the types.
service Quiet {}

/// Every kind of field.
///
/// A doc with \n and \\ and "quotes" and trailing text.
#[reserved("old", 2, 5..=7, "older", 9..12)]
struct Everything {
    /// Maps.
    counts @1: map<string, i64>,
    points @3: map<u32, t.lib.v1.Point>,
    nested: list<t.lib.v1.Point>,
    #[items(1..)]
    labels: map<i32, string>,
    maybe: Point?, /* a trailing comment */
    maybe_text: string?,
    #[length(3)]
    code: string = "abc",
    #[length(..20)]
    short: string = "a \"q\" \\ \n\t tab",
    #[pattern("^\d+\.\d*$")]
    decimal_text: string = "1.5",
    #[pattern("say \"hi\" \\\\ end\\\\")]
    quoted: string?,
    #[range(0.0..1.0)]
    ratio: f64 = 0.5,
    #[range(..0)]
    negative: i32 = -3,
    #[range(5..)]
    big: u64 = 5,
    #[range(-1e3..=1e3)]
    sci: f32 = 1.5e2,
    flag: bool = true,
    off: bool = false,
    colour: t.lib.v1.Colour = Blue,
    names: list<string> = [],
    #[deprecated]
    gone: string?,
    #[deprecated(note = "Use `flag`.")]
    old_flag: bool = false,
    when: timestamp,
    how_long: duration?,
    id: uuid,
    amount: decimal,
    blob: bytes,
    #[length(1..=16)]
    blob_one: bytes?,
    #[items(..=4)]
    blobs: list<bytes>,
}

struct Empty {}

/// One of several.
#[deprecated("Unions are hard.")]
union Choice {
    /// The first.
    First @2 (Everything),
    #[deprecated]
    Second(Empty),
    Third @7 (t.lib.v1.Point),
}

#[grpc_code(NOT_FOUND)]
#[reserved(1, "why"), http_status(404)]
error Missing {
    /// What was missing.
    what @2: string,
}

error Nothing {}

/// A page with two lists.
struct Entries {
    entries: list<string>,
    others: list<string>,
    next_token: string?,
}

/// The service.
#[deprecated, auth(basic, api_key(query = "key"), scopes = ["a", "b"])]
service Everywhere {
    fn ping();

    ///No space after the slashes.
    event early(x: bool = true,);

    #[http(patch, "/things/{id}")]
    fn patch_thing(#[path] id: u64, #[query] verbose: bool = false, #[query("q")] search: string?, #[header("X-Trace")] trace: string?, #[body] body: Everything) -> Everything;

    #[auth(none)]
    #[readonly]
    fn look(#[deprecated("no")] at @4: i32, #[range(1..=9)] n @2: u32 = 2) -> Everything throws Missing, Teapot;

    #[idempotent, auth(api_key)]
    #[mqtt(qos = 2)]
    #[queue]
    fn again() -> Empty throws t.lib.v1.Conflict;

    #[auth(bearer, api_key(header = "X-Other"))]
    #[mqtt(topic = "things/{id}/poke")]
    #[queue(max_attempts = 2,)]
    fn poke(id: string);

    #[queue(name = "q.x")]
    fn queued(x: string);

    #[paginate(items = "entries", next = next_token, size = limit, cursor = token), http(GET, "/entries")]
    fn entries(token: string?, limit: u32 = 10) -> Entries;

    /// Streams.
    fn both(
        items: stream Choice
    ) -> stream Choice;

    fn up(items: stream Empty) -> Empty;

    fn down() -> stream Everything;

    fn a_very_long_method_name_for_wrapping(first_parameter: string, second_parameter: string) -> Empty;

    #[deprecated("Events too.")]
    #[mqtt(retain = false)]
    event nothing();

    #[mqtt(retain = true, qos = 0, topic = "things/{id}/state")]
    #[queue(routing_key = "things.{id}.state")]
    event state(
        /// Which thing.
        id: string,
        colour: t.lib.v1.Colour = Red,
    );

    #[mqtt(qos = 1)]
    event tick(at @5: timestamp);
}

"#;

fn synthetic() -> Model {
    let mut files = HashMap::new();
    files.insert("lib.idl".to_string(), SYNTHETIC_LIB.to_string());
    files.insert("main.idl".to_string(), SYNTHETIC_MAIN.to_string());
    compile(&["main.idl".into()], &InMemory(files))
}

#[test]
fn every_construct_round_trips() {
    let model = synthetic();
    let files = round_trip(&model, "synthetic");
    snapshot("synthetic", &files);
    let main = &files[0].contents;
    let lib = &files[1].contents;
    // Spellings the model does not keep come out in one canonical form.
    for canonical in [
        "#[length(3..=3)]\n",
        "#[length(..=19)]\n",
        "#[reserved(2, 5..=7, 9..=11, \"old\", \"older\")]\n",
        "#[reserved(1, \"why\"), http_status(404), grpc_code(not_found)]\n",
        "    maybe: t.lib.v1.Point?,\n",
        "    #[readonly, auth(none)]\n",
        "-> Everything throws Missing, t.lib.v1.Teapot;",
        "    #[deprecated(\"Use `flag`.\")]\n",
        "    #[mqtt(topic = \"things/{id}/state\", qos = 0, retain)]\n",
        "    #[paginate(cursor = token, size = limit, next = next_token, items = entries)]\n",
        "    /// No space after the slashes.\n    event early(x: bool = true);\n",
        "    fn both(items: stream Choice) -> stream Choice;\n",
        // Backslashes stay as written where the parser keeps them, doubled where they escape.
        "    #[pattern(\"^\\d+\\.\\d*$\")]\n",
        "    #[pattern(\"say \\\"hi\\\" \\\\\\\\ end\\\\\\\\\")]\n",
        "    short: string = \"a \\\"q\\\" \\ \\n\\t tab\",\n",
    ] {
        assert!(main.contains(canonical), "missing {canonical:?} in\n{main}");
    }
    assert!(
        lib.contains("#[reserved(3, 10..=12, 20..=24, \"Old\", \"Older\")]\n"),
        "{lib}"
    );
    assert!(
        lib.starts_with("//! A library package.\n//!\n//!    Indented doc line"),
        "{lib}"
    );
    // Ordinary comments are not in the model.
    assert!(
        !main.contains("ordinary comment") && !main.contains("trailing comment"),
        "{main}"
    );
}

/// What a model from another front end could hold but `.idl` cannot say is left out, named in a
/// comment where it would stand; the rest still compiles.
#[test]
fn what_idl_cannot_say_is_named_in_comments() {
    let mut model = synthetic();
    let main = &mut model.packages[0];
    let service = main.services.iter_mut().find(|s| s.name == "Everywhere").unwrap();
    let tick = service.events.iter_mut().find(|e| e.name == "tick").unwrap();
    tick.auth = Some(Auth {
        schemes: vec![AuthScheme::Bearer],
        scopes: vec![],
        span: Span::NONE,
    });
    tick.queue = Some(EventQueueBinding {
        routing_key: None,
        span: Span::NONE,
    });
    let poke = service.methods.iter_mut().find(|m| m.name == "poke").unwrap();
    poke.mqtt = Some(MqttMethodBinding {
        topic: None,
        qos: None,
        span: Span::NONE,
    });
    poke.params[0].field.constraints.length = Some(Bounds { min: None, max: None });
    let ping = service.methods.iter_mut().find(|m| m.name == "ping").unwrap();
    ping.output_stream = true;
    let missing = main.types.iter_mut().find(|t| t.name == "Missing").unwrap();
    if let TypeKind::Error(error) = &mut missing.kind {
        error.grpc_code = Some(GrpcCode::Ok);
    }
    let files = idl(&model);
    let text = &files[0].contents;
    for lost in [
        "    // omniface: an event's own `#[auth]` (events take their service's) cannot be written in IDL and is left out\n",
        "    // omniface: an event's `#[queue]` without a routing key cannot be written in IDL and is left out\n",
        "    // omniface: `#[mqtt]` without a topic or QoS cannot be written in IDL and is left out\n",
        "        // omniface: `#[length]` without bounds cannot be written in IDL and is left out\n",
        "    // omniface: a server stream without a result type cannot be written in IDL and is left out\n",
        "// omniface: the gRPC code `ok` of an error cannot be written in IDL and is left out\n",
    ] {
        assert!(text.contains(lost), "missing {lost:?} in\n{text}");
    }
    let (roots, folder) = as_folder(&files);
    compile(&roots, &folder);
}

#[test]
fn output_is_identical_across_runs() {
    let files = examples();
    let roots: Vec<String> = EXAMPLES.iter().map(|e| format!("{e}.idl")).collect();
    let first = idl(&compile(&roots, &files));
    for _ in 0..3 {
        let model = compile(&roots, &files);
        assert_eq!(idl(&model), first);
        // A model read back from JSON (as the runtime holds it) prints the same.
        let json = serde_json::to_string(&model).unwrap();
        let read_back: Model = serde_json::from_str(&json).unwrap();
        assert_eq!(idl(&read_back), first);
    }
    let synthetic_first = idl(&synthetic());
    assert_eq!(idl(&synthetic()), synthetic_first);
}

/// `idl` is a target by name, but `all` stays the spec artifacts.
#[test]
fn idl_is_named_but_not_in_all() {
    assert_eq!(Target::from_name("idl"), Some(Target::Idl));
    assert_eq!(Target::Idl.name(), "idl");
    assert!(!Target::ALL.contains(&Target::Idl));
    assert!(!Target::ALL.contains(&Target::Rust));
}

/// The CLI writes `out/idl/<package>.idl`, and `omniface check` accepts the folder's files.
#[test]
fn cli_generates_idl() {
    // The binary exists only with the `cli` feature (on by default).
    let Some(exe) = option_env!("CARGO_BIN_EXE_omniface") else {
        return;
    };
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let out = std::env::temp_dir().join(format!("omniface-idl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let run = |args: &[&std::ffi::OsStr]| std::process::Command::new(exe).args(args).output().expect("runs");
    let help = run(&["generate".as_ref(), "--help".as_ref()]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("idl writes the model back"));
    let generated = run(&[
        "generate".as_ref(),
        examples.join("petstore.idl").as_os_str(),
        "--target".as_ref(),
        "idl".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let pets = out.join("idl/acme.pets.v1.idl");
    let checked = run(&["check".as_ref(), pets.as_os_str()]);
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    assert!(out.join("idl/acme.common.v1.idl").exists());
    let all = run(&[
        "generate".as_ref(),
        examples.join("petstore.idl").as_os_str(),
        "--target".as_ref(),
        "all".as_ref(),
        "--out".as_ref(),
        out.join("all").as_os_str(),
    ]);
    assert!(all.status.success(), "{}", String::from_utf8_lossy(&all.stderr));
    assert!(!out.join("all/idl").exists(), "`all` does not include idl");
    let _ = std::fs::remove_dir_all(&out);
}

// Generated APIs: random structs, enums, unions, errors and services, valid by construction, in
// a package that imports a second one.

const GEN_LIB: &str = "package p.lib.v1;\n\nstruct Ext {\n    a: i32,\n}\n\nenum Tone {\n    Low,\n    High,\n}\n\n#[http_status(409)]\nerror Fail {}\n";

/// Doc lines, some awkward.
fn doc() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop::sample::select(vec![
            "",
            "Plain words.",
            "  Indented, `code`, and a backslash \\d.",
            "\"Quotes\", */ and /* and // inside.",
            "ünïcödé — ✓",
            "#[not an annotation]",
        ]),
        0..3,
    )
    .prop_map(|lines| lines.into_iter().map(String::from).collect())
}

fn deprecated() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(
        0.2,
        prop::sample::select(vec![
            "#[deprecated]",
            "#[deprecated(\"Gone.\")]",
            "#[deprecated(note = \"Say \\\"no\\\" \\\\ now\")]",
        ])
        .prop_map(String::from),
    )
}

/// A string literal's body (escapes included) from an alphabet of characters that need care.
fn string_body() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "a", " ", "\\\\", "\\\"", "\\n", "\\t", "\\d", "\\ ", "é", "{", "n",
        ]),
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

#[derive(Clone, Debug)]
enum Shape {
    Scalar(&'static str),
    Kind,
    Tone,
    Ext,
    /// `S0`, the file's first struct (always a struct), from a later one: no recursion.
    First,
}

/// A field's type, with an annotation and a default that fit it.
fn field(index: usize, structs_before: usize) -> impl Strategy<Value = String> {
    let scalar = prop::sample::select(vec![
        "bool",
        "i32",
        "i64",
        "u32",
        "u64",
        "f32",
        "f64",
        "string",
        "bytes",
        "timestamp",
        "duration",
        "uuid",
        "decimal",
    ])
    .prop_map(Shape::Scalar);
    let shape = prop_oneof![
        6 => scalar,
        1 => Just(Shape::Kind),
        1 => Just(Shape::Tone),
        1 => Just(Shape::Ext),
        1 => Just(if structs_before == 0 { Shape::Ext } else { Shape::First }),
    ];
    (
        doc(),
        deprecated(),
        shape,
        0u8..4,
        any::<bool>(),
        prop::option::weighted(0.3, 1u32..60),
        string_body(),
        0u8..3,
    )
        .prop_map(move |(docs, deprecated, shape, wrap, choice, number, text, variant)| {
            let base = match &shape {
                Shape::Scalar(name) => name.to_string(),
                Shape::Kind => "Kind".into(),
                Shape::Tone => "p.lib.v1.Tone".into(),
                Shape::Ext => "p.lib.v1.Ext".into(),
                Shape::First => "S0".into(),
            };
            let mut attrs: Vec<String> = deprecated.into_iter().collect();
            let (ty, default) = match wrap {
                // A list, maybe bounded.
                0 => {
                    if choice {
                        attrs.push("#[items(..=9)]".into());
                    }
                    (format!("list<{base}>"), (variant == 0).then(|| "[]".to_string()))
                }
                // A map from strings or integers.
                1 => {
                    if choice {
                        attrs.push("#[items(1..)]".into());
                    }
                    let key = if variant == 1 { "u32" } else { "string" };
                    (format!("map<{key}, {base}>"), None)
                }
                // Optional: no default.
                2 => (format!("{base}?"), None),
                // Required, with a constraint or a default that fits the type.
                _ => {
                    let default = match &shape {
                        Shape::Scalar("bool") => Some(if choice { "true" } else { "false" }.to_string()),
                        Shape::Scalar("i32" | "i64") => {
                            if choice {
                                attrs.push("#[range(-5..5)]".into());
                            }
                            Some("-3".into())
                        }
                        Shape::Scalar("u32" | "u64") => {
                            if choice {
                                attrs.push("#[range(..=100)]".into());
                            }
                            Some("7".into())
                        }
                        Shape::Scalar("f32" | "f64") => {
                            if choice {
                                attrs.push("#[range(0.0..1.0)]".into());
                            }
                            Some("0.25".into())
                        }
                        Shape::Scalar("string") if choice => {
                            attrs.push(
                                ["#[length(1..=8)]", "#[pattern(\"^\\\\d+\\\"?$\")]", "#[length(2..)]"]
                                    [variant as usize]
                                    .into(),
                            );
                            None
                        }
                        Shape::Scalar("string") => Some(format!("\"{text}\"")),
                        Shape::Scalar("bytes") if choice => {
                            attrs.push("#[length(..16)]".into());
                            None
                        }
                        Shape::Kind => Some(["A", "B", "C"][variant as usize].into()),
                        Shape::Tone => Some("High".into()),
                        _ => None,
                    };
                    (base, default.filter(|_| variant != 2))
                }
            };
            let mut text = String::new();
            for line in docs {
                text.push_str(&format!("///{line}\n"));
            }
            for attr in attrs {
                text.push_str(&attr);
                text.push('\n');
            }
            text.push_str(&format!("f{index}"));
            if let Some(number) = number {
                // Distinct per field: the index picks the hundreds.
                text.push_str(&format!(" @{}", 100 * (index + 1) + number as usize));
            }
            text.push_str(&format!(": {ty}"));
            if let Some(default) = default {
                text.push_str(&format!(" = {default}"));
            }
            text
        })
}

fn structure(index: usize) -> impl Strategy<Value = String> {
    (
        doc(),
        deprecated(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(any::<prop::sample::Index>(), 0..5),
    )
        .prop_flat_map(move |(docs, deprecated, is_error, reserved, slots)| {
            let fields: Vec<_> = (0..slots.len()).map(|i| field(i, index)).collect();
            (Just((docs, deprecated, is_error, reserved)), fields)
        })
        .prop_map(move |((docs, deprecated, is_error, reserved), fields)| {
            let mut text = String::new();
            for line in docs {
                text.push_str(&format!("/// {line}\n"));
            }
            text.extend(deprecated.map(|d| d + "\n"));
            if reserved {
                text.push_str("#[reserved(90, 95..=97, \"gone\")]\n");
            }
            // Errors are not types for fields, so they are named apart; the first is a struct.
            let (keyword, name) = if is_error && index > 0 {
                text.push_str("#[http_status(422), grpc_code(invalid_argument)]\n");
                ("error", format!("E{index}"))
            } else {
                ("struct", format!("S{index}"))
            };
            text.push_str(&format!("{keyword} {name} {{\n"));
            for field in fields {
                text.push_str(&field);
                text.push_str(",\n");
            }
            text.push_str("}\n");
            text
        })
}

/// Up to three parameters, numbered apart like fields.
fn params() -> impl Strategy<Value = Vec<String>> {
    (0usize..4, field(0, 0), field(1, 0), field(2, 0))
        .prop_map(|(count, a, b, c)| [a, b, c].into_iter().take(count).collect())
}

fn method(index: usize) -> impl Strategy<Value = String> {
    (doc(), deprecated(), 0u8..4, 0u8..6, 0u8..4, params(), any::<bool>()).prop_map(
        move |(docs, deprecated, kind, auth, binding, params, throws)| {
            let mut text = String::new();
            for line in docs {
                text.push_str(&format!("/// {line}\n"));
            }
            text.extend(deprecated.map(|d| d + "\n"));
            let mut main = Vec::new();
            if kind == 0 {
                main.push("readonly");
            }
            if kind == 1 {
                main.push("idempotent");
            }
            main.push(
                [
                    "",
                    "auth(none)",
                    "auth(bearer)",
                    "auth(api_key(query = \"k\"), scopes = [\"x\", \"y\"])",
                    "auth(basic, api_key)",
                    "",
                ][auth as usize],
            );
            main.retain(|m| !m.is_empty());
            if !main.is_empty() {
                text.push_str(&format!("#[{}]\n", main.join(", ")));
            }
            // Streaming methods cannot be queued jobs.
            match binding + 4 * u8::from(kind == 3) {
                0 => text.push_str(&format!("#[mqtt(topic = \"m/{index}\", qos = 2)]\n")),
                1 => text.push_str("#[queue]\n"),
                2 => text.push_str(&format!("#[queue(name = \"q{index}\", max_attempts = 3)]\n")),
                _ => {}
            }
            // Parameters are named `p0`, `p1`, … rather than `f0`, `f1`, ….
            let params: Vec<String> = params
                .iter()
                .enumerate()
                .map(|(i, p)| p.replacen(&format!("f{i}"), &format!("p{i}"), 1))
                .collect();
            let (params, returns) = match kind {
                // Streams: one streamed struct in, a stream out.
                3 => ("items: stream S0".to_string(), " -> stream S0"),
                _ => (params.join(",\n"), if throws { " -> S0" } else { "" }),
            };
            text.push_str(&format!("fn m{index}(\n{params}\n){returns}"));
            if throws {
                text.push_str(" throws p.lib.v1.Fail");
            }
            text.push_str(";\n");
            text
        },
    )
}

fn event(index: usize) -> impl Strategy<Value = String> {
    (doc(), deprecated(), 0u8..5, params()).prop_map(move |(docs, deprecated, binding, params)| {
        let mut text = String::new();
        for line in docs {
            text.push_str(&format!("/// {line}\n"));
        }
        text.extend(deprecated.map(|d| d + "\n"));
        match binding {
            0 => text.push_str(&format!("#[mqtt(topic = \"e/{index}\", qos = 0, retain)]\n")),
            1 => text.push_str("#[mqtt(retain = false)]\n"),
            2 => text.push_str(&format!("#[queue(routing_key = \"e.{index}\")]\n")),
            3 => text.push_str("#[mqtt(qos = 1)]\n"),
            _ => {}
        }
        let params: Vec<String> = params
            .iter()
            .enumerate()
            .map(|(i, p)| p.replacen(&format!("f{i}"), &format!("p{i}"), 1))
            .collect();
        text.push_str(&format!("event e{index}({});\n", params.join(", ")));
        text
    })
}

/// A whole file: the enum, one to four structs or errors, a union over the structs, a service.
fn api() -> impl Strategy<Value = String> {
    (1usize..5, 0usize..4, 0usize..3).prop_flat_map(|(structs, methods, events)| {
        (
            doc(),
            prop::collection::vec((prop::sample::select(vec!["A", "B", "C"]), prop::option::of(1u8..4)), 3),
            (0..structs).map(structure).collect::<Vec<_>>(),
            (0..methods).map(method).collect::<Vec<_>>(),
            (0..events).map(event).collect::<Vec<_>>(),
            any::<bool>(),
        )
            .prop_map(|(docs, variants, structs, methods, events, auth)| {
                let mut text = String::new();
                for line in docs {
                    text.push_str(&format!("//!{line}\n"));
                }
                text.push_str("package p.gen.v1;\nimport \"p.lib.v1.idl\";\n");
                // Enum values are distinct multiples of ten, or unnumbered.
                text.push_str("#[reserved(5, \"Z\")]\nenum Kind {\n");
                for (i, (name, value)) in variants.iter().enumerate() {
                    let _ = name;
                    let name = ["A", "B", "C"][i];
                    match value {
                        Some(v) => text.push_str(&format!("{name} = {},\n", 10 * (i + 1) + *v as usize)),
                        None => text.push_str(&format!("{name},\n")),
                    }
                }
                text.push_str("}\n");
                // S0 is always a struct: other structs refer to it and methods stream it.
                let all = structs.join("\n");
                text.push_str(&all);
                let union_members: Vec<String> = (0..structs.len())
                    .filter(|i| all.contains(&format!("struct S{i} ")))
                    .map(|i| format!("V{i} @{} (S{i})", 40 - i))
                    .collect();
                text.push_str(&format!("union U {{ {} }}\n", union_members.join(", ")));
                if auth {
                    text.push_str("#[auth(bearer)]\n");
                }
                text.push_str("service Gen {\n");
                text.push_str(&methods.join("\n"));
                text.push_str(&events.join("\n"));
                text.push_str("}\n");
                text
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_apis_round_trip(text in api()) {
        let mut files = HashMap::new();
        files.insert("p.lib.v1.idl".to_string(), GEN_LIB.to_string());
        files.insert("main.idl".to_string(), text);
        let model = compile(&["main.idl".into()], &InMemory(files));
        round_trip(&model, "generated");
    }

    /// Any string, through the printer's quoting and the parser's escapes, is itself again.
    #[test]
    fn strings_survive_quoting(value in "[a\\\\\"n\\n\\t\\r é{}]{0,12}") {
        let mut model = compile(&["p.lib.v1.idl".into()], &InMemory(HashMap::from([("p.lib.v1.idl".to_string(), GEN_LIB.to_string())])));
        let TypeKind::Struct(ext) = &mut model.packages[0].types[0].kind else { unreachable!() };
        ext.fields.push(Field {
            name: "s".into(),
            docs: Docs(vec![]),
            number: None,
            ty: TypeRef::Scalar(Scalar::String),
            default: Some(Literal::String(value.clone())),
            constraints: Constraints::default(),
            deprecated: Some(Deprecation { note: Some(value) }),
            span: Span::NONE,
            attr_spans: AttrSpans::default(),
            ty_span: Span::NONE,
        });
        round_trip(&model, "strings");
    }
}
