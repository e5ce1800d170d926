//! Property tests: the formatter is idempotent and never changes meaning, and no input — random
//! bytes, mutated examples, deep nesting — makes the compiler panic or hang.

use std::collections::HashMap;

use omniface_codegen::loader::InMemory;
use omniface_codegen::{Compilation, compile_with, fmt};
use proptest::prelude::*;

fn examples() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("examples folder")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "idl").then(|| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&path).unwrap())
            })
        })
        .collect();
    files.sort();
    files
}

/// Compiles `main.idl` with the examples available for import.
fn compile(text: &str) -> Compilation {
    let mut files: HashMap<String, String> = examples().into_iter().collect();
    files.insert("main.idl".into(), text.into());
    compile_with(&["main.idl".into()], &InMemory(files))
}

/// The model as JSON (spans are not serialised, so layout changes do not show) and the codes of
/// the diagnostics.
fn meaning(compilation: &Compilation) -> (String, Vec<&'static str>) {
    let model = serde_json::to_string(&compilation.model).unwrap();
    let codes = compilation.diagnostics.iter().map(|d| d.code.as_str()).collect();
    (model, codes)
}

fn assert_format_is_sound(text: &str) -> Result<(), TestCaseError> {
    let Ok(once) = fmt::format_source("main.idl", text) else {
        return Ok(());
    };
    let twice = fmt::format_source("main.idl", &once).map_err(|c| {
        TestCaseError::fail(format!(
            "formatted output does not parse:\n{}\n{once}",
            c.render_diagnostics()
        ))
    })?;
    prop_assert_eq!(&twice, &once, "formatting is not idempotent");
    prop_assert_eq!(
        meaning(&compile(text)),
        meaning(&compile(&once)),
        "formatting changed the meaning:\n{}",
        once
    );
    Ok(())
}

#[test]
fn examples_are_formatted_and_format_is_idempotent() {
    for (name, text) in examples() {
        let formatted = fmt::format_source(&name, &text).unwrap_or_else(|c| panic!("{}", c.render_diagnostics()));
        assert_eq!(
            formatted, text,
            "{name} is not in canonical format; run `omniface fmt examples/{name}`"
        );
        assert_format_is_sound(&text).unwrap();
    }
}

/// Pieces of IDL joined with random whitespace and comments.
fn separator() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(" ".to_string()),
        2 => Just("\n".to_string()),
        1 => Just("\n\n".to_string()),
        1 => Just(" /* note */ ".to_string()),
        1 => Just(" // note\n".to_string()),
        1 => Just("\n    ".to_string()),
    ]
}

fn ident() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "id",
        "name",
        "tags",
        "price",
        "page_token",
        "created_at",
        "x1",
        "status",
    ])
    .prop_map(String::from)
}

fn type_name() -> impl Strategy<Value = String> {
    let scalar = prop::sample::select(vec![
        "bool",
        "i32",
        "u64",
        "f64",
        "string",
        "bytes",
        "timestamp",
        "uuid",
        "Money",
        "Kind",
    ])
    .prop_map(String::from);
    scalar.prop_recursive(2, 4, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| format!("list<{t}>")),
            inner.clone().prop_map(|t| format!("map<string, {t}>")),
            inner.prop_map(|t| format!("{t}?")),
        ]
    })
}

fn field() -> impl Strategy<Value = Vec<String>> {
    (
        prop::option::of(Just("/// A documented field.\n".to_string())),
        prop::option::of(prop::sample::select(vec![
            "#[length(1..=64)]",
            "#[range(0..=10)]",
            "#[deprecated(\"old\")]",
            "#[items(..=5)]",
        ])),
        ident(),
        prop::option::of(1u32..40),
        type_name(),
    )
        .prop_map(|(doc, attr, name, number, ty)| {
            let mut tokens = Vec::new();
            if let Some(doc) = doc {
                tokens.push(doc);
            }
            if let Some(attr) = attr {
                tokens.push(attr.to_string());
            }
            tokens.push(name);
            if let Some(number) = number {
                tokens.push(format!("@{number}"));
            }
            tokens.push(":".into());
            tokens.push(ty);
            tokens
        })
}

fn item() -> impl Strategy<Value = Vec<String>> {
    let structure = (
        prop::sample::select(vec!["struct", "error"]),
        prop::sample::select(vec!["A", "B", "Pet"]),
        prop::collection::vec(field(), 0..5),
    )
        .prop_map(|(keyword, name, fields)| {
            let mut tokens = vec![keyword.to_string(), name.to_string(), "{".into()];
            for field in fields {
                tokens.extend(field);
                tokens.push(",".into());
            }
            tokens.push("}".into());
            tokens
        });
    let enumeration = prop::collection::vec(
        (
            prop::sample::select(vec!["Dog", "Cat", "Bird"]),
            prop::option::of(1u8..9),
        ),
        0..4,
    )
    .prop_map(|variants| {
        let mut tokens = vec!["enum".into(), "Kind".into(), "{".into()];
        for (name, value) in variants {
            tokens.push(name.into());
            if let Some(value) = value {
                tokens.push(format!("= {value}"));
            }
            tokens.push(",".into());
        }
        tokens.push("}".into());
        tokens
    });
    let service = prop::collection::vec(
        (
            prop::option::of(prop::sample::select(vec![
                "#[http(get, \"/pets/{id}\")]",
                "#[readonly]",
                "#[mqtt(topic = \"a/{id}\", qos = 1)]",
                "#[auth(bearer)]",
            ])),
            prop::sample::select(vec!["fn get", "fn put", "event sold"]),
            prop::collection::vec(field(), 0..3),
            prop::option::of(type_name()),
        ),
        0..4,
    )
    .prop_map(|methods| {
        let mut tokens = vec!["service".into(), "Store".into(), "{".into()];
        for (attr, head, params, returns) in methods {
            tokens.extend(attr.map(String::from));
            tokens.push(head.into());
            tokens.push("(".into());
            for (index, param) in params.into_iter().enumerate() {
                if index > 0 {
                    tokens.push(",".into());
                }
                tokens.extend(param);
            }
            tokens.push(")".into());
            if let Some(returns) = returns.filter(|_| !head.starts_with("event")) {
                tokens.push("->".into());
                tokens.push(returns);
            }
            tokens.push(";".into());
        }
        tokens.push("}".into());
        tokens
    });
    prop_oneof![structure, enumeration, service]
}

/// A file made of generated items, with random layout.
fn idl_file() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(item(), 0..5),
        prop::collection::vec(separator(), 256),
    )
        .prop_map(|(items, separators)| {
            let mut tokens = vec![
                "//! Generated.\n".to_string(),
                "package".into(),
                "acme.gen.v1".into(),
                ";".into(),
                "import \"common.idl\";".into(),
            ];
            for item in items {
                tokens.extend(item);
            }
            let mut text = String::new();
            for (index, token) in tokens.iter().enumerate() {
                text.push_str(token);
                // Doc comments need their line ending; everything else gets a random separator.
                if !token.ends_with('\n') {
                    text.push_str(&separators[index % separators.len()]);
                }
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn formatting_generated_files_is_idempotent_and_keeps_meaning(text in idl_file()) {
        assert_format_is_sound(&text)?;
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let _ = compile(&text);
        let _ = fmt::format_source("main.idl", &text);
    }

    #[test]
    fn mutated_examples_never_panic_and_format_soundly(
        which in 0usize..4,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..12, prop::sample::select(vec!["", "{", "}", "(", ")", ";", ",", "<", ">", "?", "#[", "]", "\"", "@", "stream ", "///", "/*", "*/", "=", "..=", "\n"])), 1..6),
    ) {
        let examples = examples();
        let (_, original) = &examples[which % examples.len()];
        let mut text = original.clone();
        for (index, delete, insert) in edits {
            let mut at = index.index(text.len().max(1)).min(text.len());
            while !text.is_char_boundary(at) { at -= 1; }
            let mut end = (at + delete).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            text.replace_range(at..end, insert);
        }
        let _ = compile(&text);
        assert_format_is_sound(&text)?;
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for (open, close) in [("list<", ">"), ("(", ")"), ("/*", "*/"), ("[", "]")] {
        let text = format!(
            "package a.v1;\nstruct A {{ x: {}i32{} }}\n",
            open.repeat(100_000),
            close.repeat(100_000)
        );
        let compilation = compile(&text);
        assert!(compilation.has_errors(), "nesting with {open} was accepted");
    }
}

#[test]
fn output_is_identical_across_runs() {
    use omniface_codegen::targets::{Options, Target, generate};
    let first = compile(&examples().into_iter().find(|(n, _)| n == "petstore.idl").unwrap().1);
    let model = first.checked_model().expect("petstore compiles");
    let a = generate(model, Target::ALL, &Options::default());
    for _ in 0..3 {
        let again = compile(&examples().into_iter().find(|(n, _)| n == "petstore.idl").unwrap().1);
        assert_eq!(
            generate(again.checked_model().unwrap(), Target::ALL, &Options::default()),
            a
        );
    }
}
