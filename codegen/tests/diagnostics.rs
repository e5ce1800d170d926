//! Snapshot tests of the checker's diagnostics: one realistic invalid input per case, rendered as
//! the CLI renders it, plus tests that every diagnostic code is exercised and documented and that
//! the examples are clean. The codes only the Rust front end reports (E0080 to E0082) have their
//! own cases, Rust crates compiled with `from_rust::compile_crate`.
//!
//! Update the snapshots with `INSTA_UPDATE=always cargo test -p omniface-codegen --test
//! diagnostics`, then read every changed `.snap` file under `snapshots/diagnostics/`.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use omniface_codegen::diagnostic::Code;
use omniface_codegen::from_rust::compile_crate;
use omniface_codegen::loader::{FileSource, InMemory};
use omniface_codegen::{Compilation, compile_files, compile_with};

/// Files held in memory as raw bytes, so a case can also hold a file that is not UTF-8.
struct Bytes(HashMap<String, Vec<u8>>);

impl FileSource for Bytes {
    fn read(&self, path: &str) -> std::io::Result<Vec<u8>> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }
}

/// One invalid input and the codes it must produce (exactly these, each at least once).
struct Case {
    name: &'static str,
    /// Files by name; the first one is compiled unless `roots` says otherwise.
    files: Vec<(&'static str, Vec<u8>)>,
    roots: Vec<&'static str>,
    expected: &'static [Code],
}

impl Case {
    fn compile(&self) -> Compilation {
        let source = Bytes(
            self.files
                .iter()
                .map(|(name, text)| (name.to_string(), text.clone()))
                .collect(),
        );
        let roots: Vec<String> = if self.roots.is_empty() {
            vec![self.files[0].0.to_string()]
        } else {
            self.roots.iter().map(|r| r.to_string()).collect()
        };
        compile_with(&roots, &source)
    }

    /// The inputs followed by the rendered diagnostics.
    fn snapshot(&self, compilation: &Compilation) -> String {
        let mut out = String::new();
        for (name, text) in &self.files {
            out.push_str(&format!("// ---- {name} ----\n"));
            out.push_str(&String::from_utf8_lossy(text));
            if !text.ends_with(b"\n") {
                out.push('\n');
            }
        }
        out.push_str("// ---- diagnostics ----\n");
        out.push_str(&compilation.render_diagnostics());
        out
    }
}

/// A single-file case.
fn case(name: &'static str, text: &str, expected: &'static [Code]) -> Case {
    Case {
        name,
        files: vec![("test.idl", text.as_bytes().to_vec())],
        roots: Vec::new(),
        expected,
    }
}

/// A multi-file case; the first file is the root.
fn files(name: &'static str, files: &[(&'static str, &str)], expected: &'static [Code]) -> Case {
    Case {
        name,
        files: files
            .iter()
            .map(|(name, text)| (*name, text.as_bytes().to_vec()))
            .collect(),
        roots: Vec::new(),
        expected,
    }
}

fn cases() -> Vec<Case> {
    use Code::*;
    let deep = format!(
        "package acme.test.v1;\n\nstruct Matrix {{\n    cells: {}u32{},\n}}\n",
        "list<".repeat(70),
        ">".repeat(70)
    );
    vec![
        // ---- Syntax and files ----
        case(
            "e0001_missing_colon",
            r#"package acme.test.v1;

/// A pet in the catalogue.
struct Pet {
    id u64,
    name: string,
}
"#,
            &[E0001],
        ),
        case(
            "e0001_syntax_errors_in_two_items",
            r#"package acme.test.v1;

struct Pet {
    id: u64
    name: string,
}

enum Species {
    Dog;
    Cat,
}

/// Still checked although the items above do not parse.
struct Owner {
    name: strin,
}
"#,
            &[E0001, E0022],
        ),
        case(
            "e0001_unparsed_type_is_not_also_unknown",
            r#"package acme.test.v1;

/// Does not parse, so `Pet` is not declared; its uses below are not reported again.
struct Pet {
    id: u64,
    name string,
}

struct Owner {
    pets: list<Pet>,
    best: Pet?,
    cat: Cat,
}
"#,
            &[E0001, E0022],
        ),
        case(
            "e0001_doc_comment_after_annotation",
            r#"package acme.test.v1;

struct Pet {
    #[deprecated]
    /// The asking price.
    price: u64?,
}
"#,
            &[E0001],
        ),
        case("e0002_nested_too_deeply", &deep, &[E0002]),
        Case {
            name: "e0003_file_cannot_be_read",
            files: vec![("petstore.idl", b"package acme.test.v1;\n\nstruct Pet {}\n".to_vec())],
            roots: vec!["petstor.idl"],
            expected: &[E0003],
        },
        Case {
            name: "e0004_file_is_not_utf8",
            files: vec![(
                "test.idl",
                b"package acme.test.v1;\n\n/// Caf\xe9 menu.\nstruct Menu {}\n".to_vec(),
            )],
            roots: Vec::new(),
            expected: &[E0004],
        },
        // ---- Packages and imports ----
        case(
            "e0010_missing_package",
            r#"//! Pets.

struct Pet {
    id: u64,
}
"#,
            &[E0010],
        ),
        case(
            "e0011_package_declared_twice",
            r#"package acme.test.v1;
package acme.test.v2;

struct Pet {
    id: u64,
}
"#,
            &[E0011],
        ),
        case(
            "e0011_package_after_item",
            r#"struct Pet {
    id: u64,
}

package acme.test.v1;
"#,
            &[E0011],
        ),
        files(
            "e0012_imported_file_not_found",
            &[(
                "pets/store.idl",
                r#"package acme.test.v1;

import "comon.idl";

struct Pet {
    id: u64,
}
"#,
            )],
            &[E0012],
        ),
        files(
            "e0013_import_cycle_three_files",
            &[
                (
                    "a.idl",
                    r#"package acme.test.v1;

import "b.idl";

struct A {
    b: acme.b.v1.B?,
}
"#,
                ),
                (
                    "b.idl",
                    r#"package acme.b.v1;

import "c.idl";

struct B {
    c: acme.c.v1.C?,
}
"#,
                ),
                (
                    "c.idl",
                    r#"package acme.c.v1;

import "a.idl";

struct C {
    a: acme.test.v1.A?,
}
"#,
                ),
            ],
            &[E0013],
        ),
        files(
            "e0014_import_after_item",
            &[
                (
                    "pets.idl",
                    r#"package acme.test.v1;

struct Pet {
    id: u64,
}

import "common.idl";
"#,
                ),
                ("common.idl", "package acme.common.v1;\n"),
            ],
            &[E0014],
        ),
        case(
            "e0014_doc_comment_on_package",
            r#"/// The pet store.
package acme.test.v1;

struct Pet {
    id: u64,
}
"#,
            &[E0014],
        ),
        case(
            "e0014_file_doc_after_item",
            r#"package acme.test.v1;

struct Pet {
    id: u64,
}

//! The pet store.
struct Owner {
    name: string,
}
"#,
            &[E0014],
        ),
        case(
            "e0015_invalid_package_name",
            r#"package Acme.Test.V1;

struct Pet {
    id: u64,
}
"#,
            &[E0015],
        ),
        // ---- Names and types ----
        case(
            "e0020_duplicate_type",
            r#"package acme.test.v1;

struct Pet {
    id: u64,
}

enum Species {
    Dog,
    Cat,
}

/// A second `Pet`.
struct Pet {
    name: string,
}
"#,
            &[E0020],
        ),
        case(
            "e0020_duplicate_field",
            r#"package acme.test.v1;

struct Pet {
    id: u64,
    name: string,
    id: string,
}
"#,
            &[E0020],
        ),
        case(
            "e0020_method_and_event_share_a_name",
            r#"package acme.test.v1;

service PetStore {
    fn pet_sold(id: u64);
    event pet_sold(id: u64);
}
"#,
            &[E0020],
        ),
        case(
            "e0020_duplicate_enum_variant",
            r#"package acme.test.v1;

enum Species {
    Dog,
    Cat,
    Dog,
}
"#,
            &[E0020],
        ),
        files(
            "e0020_duplicate_type_across_files",
            &[
                (
                    "pets.idl",
                    r#"package acme.test.v1;

import "owners.idl";

struct Pet {
    id: u64,
}
"#,
                ),
                (
                    "owners.idl",
                    r#"package acme.test.v1;

struct Owner {
    name: string,
}

struct Pet {
    owner: Owner,
}
"#,
                ),
            ],
            &[E0020],
        ),
        case(
            "e0021_fields_collide_after_case_conversion",
            r#"package acme.test.v1;

struct User {
    user_id: u64,
    userId: string,
}
"#,
            &[E0021],
        ),
        case(
            "e0021_types_collide_after_case_conversion",
            r#"package acme.test.v1;

struct PetStore {
    name: string,
}

service Pet_Store {
    fn get_store() -> PetStore;
}
"#,
            &[E0021],
        ),
        case(
            "e0021_enum_variants_collide",
            r#"package acme.test.v1;

enum Status {
    InProgress,
    In_Progress,
}
"#,
            &[E0021],
        ),
        case(
            "e0021_type_named_like_the_proto_service",
            r#"package acme.test.v1;

/// Settings of the store.
struct PetStoreService {
    open: bool,
}

service PetStore {
    fn settings() -> PetStoreService;
}
"#,
            &[E0021],
        ),
        case(
            "e0021_method_named_like_an_event_subscription",
            r#"package acme.test.v1;

service PetStore {
    fn subscribe_pet_sold() -> string;
    event pet_sold(id: u64);
}
"#,
            &[E0021],
        ),
        case(
            "e0022_unknown_type_did_you_mean",
            r#"package acme.test.v1;

struct Pet {
    id: u64,
}

/* Commented out, so not a declaration:
struct Pett {
    id: u64,
}
*/

service PetStore {
    fn get_pet(id: u64) -> Pett;
}
"#,
            &[E0022],
        ),
        case(
            "e0022_scalar_names_are_lowercase",
            r#"package acme.test.v1;

struct Pet {
    name: String,
    tags: list<Str>,
}
"#,
            &[E0022],
        ),
        files(
            "e0022_type_not_imported",
            &[
                (
                    "pets.idl",
                    r#"package acme.test.v1;

struct Pet {
    price: Money,
    cost: acme.common.v1.Money,
}
"#,
                ),
                (
                    "common.idl",
                    r#"package acme.common.v1;

struct Money {
    units: i64,
}
"#,
                ),
            ],
            &[E0022],
        )
        .with_roots(&["pets.idl", "common.idl"]),
        files(
            "e0022_qualified_name_in_the_wrong_package",
            &[
                (
                    "pets.idl",
                    r#"package acme.test.v1;

import "common.idl";

struct Pet {
    price: acme.billing.v1.Money,
}
"#,
                ),
                (
                    "common.idl",
                    r#"package acme.common.v1;

struct Money {
    units: i64,
}
"#,
                ),
            ],
            &[E0022],
        ),
        files(
            "e0023_ambiguous_type_name",
            &[
                (
                    "orders.idl",
                    r#"package acme.test.v1;

import "billing.idl";
import "shop.idl";

struct Order {
    total: Money,
}
"#,
                ),
                (
                    "billing.idl",
                    r#"package acme.billing.v1;

struct Money {
    cents: i64,
}
"#,
                ),
                (
                    "shop.idl",
                    r#"package acme.shop.v1;

struct Money {
    units: i64,
    nanos: i32,
}
"#,
                ),
            ],
            &[E0023],
        ),
        case(
            "e0024_service_used_as_a_type",
            r#"package acme.test.v1;

service PetStore {
    fn get_pet(id: u64);
}

struct Shop {
    store: PetStore,
}
"#,
            &[E0024],
        ),
        case(
            "e0024_throws_a_struct",
            r#"package acme.test.v1;

struct Pet {
    id: u64,
}

struct PetNotFound {
    id: u64,
}

service PetStore {
    fn get_pet(id: u64) -> Pet throws PetNotFound;
}
"#,
            &[E0024],
        ),
        case(
            "e0024_union_variant_not_a_struct",
            r#"package acme.test.v1;

struct Pet {
    id: u64,
}

enum Species {
    Dog,
}

union Change {
    Added(Pet),
    Renamed(string),
    Species(Species),
    Replaced(Pet),
}
"#,
            &[E0024],
        ),
        case(
            "e0025_reserved_word_as_name",
            r#"package acme.test.v1;

struct Node {
    self: string,
    __typename: string,
}

struct Self {
    id: u64,
}
"#,
            &[E0025],
        ),
        case(
            "e0025_type_named_like_a_scalar",
            r#"package acme.test.v1;

/// Every `uuid` below means the scalar, never this struct.
struct uuid {
    high: u64,
    low: u64,
}

struct Pet {
    id: uuid,
}
"#,
            &[E0025],
        ),
        case(
            "e0030_recursive_structs",
            r#"package acme.test.v1;

struct A {
    b: B,
}

struct B {
    a: A,
}
"#,
            &[E0030],
        ),
        case(
            "e0030_struct_contains_itself",
            r#"package acme.test.v1;

/// A linked list node; fine because `next` is optional.
struct Link {
    value: string,
    next: Link?,
}

/// Infinite: every `Node` needs another `Node`.
struct Node {
    value: string,
    next: Node,
}
"#,
            &[E0030],
        ),
        case(
            "e0030_union_with_no_finite_variant",
            r#"package acme.test.v1;

struct Leaf {
    value: string,
}

struct Pair {
    left: Expr,
    right: Expr,
}

struct Negate {
    inner: Expr,
}

/// Fine: `Leaf` ends the recursion.
union Expr {
    Leaf(Leaf),
    Pair(Pair),
}

struct Loop {
    inner: Cycle,
}

/// Infinite: every variant needs another `Cycle`.
union Cycle {
    Negate(Negate2),
    Loop(Loop),
}

struct Negate2 {
    inner: Cycle,
}
"#,
            &[E0030],
        ),
        case(
            "e0031_invalid_map_key",
            r#"package acme.test.v1;

struct Pet {
    id: u64,
}

struct Catalogue {
    prices: map<f64, string>,
    by_pet: map<Pet, u32>,
}
"#,
            &[E0031],
        ),
        case(
            "e0032_optional_and_nested_collections",
            r#"package acme.test.v1;

struct Pet {
    tags: list<string>?,
    aliases: list<string?>,
    labels: map<string, string?>,
    grid: list<list<u32>>,
}
"#,
            &[E0032],
        ),
        case(
            "e0033_stream_beside_other_parameters",
            r#"package acme.test.v1;

struct PhotoChunk {
    data: bytes,
}

struct Photo {
    id: u64,
}

service PetStore {
    fn upload_photo(pet_id: u64, chunks: stream PhotoChunk) -> Photo;
}
"#,
            &[E0033],
        ),
        case(
            "e0033_event_with_stream",
            r#"package acme.test.v1;

struct Reading {
    celsius: f64,
}

service Thermometer {
    event readings(values: stream Reading);
}
"#,
            &[E0033],
        ),
        // ---- Numbers ----
        case(
            "e0040_field_number_used_twice",
            r#"package acme.test.v1;

struct Pet {
    id @1: u64,
    name @2: string,
    tag @1: string?,
}
"#,
            &[E0040],
        ),
        case(
            "e0041_reserved_number_and_name",
            r#"package acme.test.v1;

#[reserved(4, 8..=10, "nickname")]
struct Pet {
    id @1: u64,
    nickname @2: string,
    weight @9: f64,
}

#[reserved(3, "Hamster")]
enum Species {
    Dog,
    Cat,
    Hamster,
    Bird = 3,
}

struct PetSold {
    id: u64,
}

#[reserved("Sold")]
union PetEvent {
    Sold(PetSold),
}
"#,
            &[E0041],
        ),
        case(
            "e0042_field_number_out_of_range",
            r#"package acme.test.v1;

struct Pet {
    id @0: u64,
    name @19500: string,
    tag @1.5: string,
    age @600000000: u32,
}
"#,
            &[E0042],
        ),
        case(
            "e0043_enum_values",
            r#"package acme.test.v1;

enum Species {
    Unknown = 0,
    Dog,
    Cat = 1,
    Fish = 1,
    Bird = 2.5,
    Horse = 3000000000,
    Unspecified,
}
"#,
            &[E0043],
        ),
        // ---- Annotations ----
        case(
            "e0050_unknown_annotation_did_you_mean",
            r#"package acme.test.v1;

struct Pet {
    #[lenght(1..=64)]
    name: string,
    #[colour("red")]
    tag: string,
}
"#,
            &[E0050],
        ),
        case(
            "e0051_annotation_not_allowed_here",
            r#"package acme.test.v1;

#[http_status(404)]
struct PetNotFound {
    id: u64,
}

service PetStore {
    #[length(1..=10)]
    fn get_pet(#[readonly] id: u64);
}
"#,
            &[E0051],
        ),
        case(
            "e0051_http_annotations_on_an_event",
            r#"package acme.test.v1;

#[auth(bearer)]
service PetStore {
    /// Events use the service's auth and have no HTTP request.
    #[auth(none)]
    event pet_sold(#[path] id: u64, #[header("X-Price")] price: u64);
}
"#,
            &[E0051],
        ),
        case(
            "e0052_invalid_annotation_arguments",
            r#"package acme.test.v1;

#[http_status(200), grpc_code(not_fuond)]
error PetNotFound {
    id: u64,
}

service PetStore {
    #[http(fetch, "/pets/{id}")]
    fn get_pet(id: u64) throws PetNotFound;

    #[mqtt(topic = "pets/new", qos = 3, retain)]
    fn add_pet(name: string);

    #[readonly(true)]
    fn count_pets() -> u64;
}
"#,
            &[E0052],
        ),
        case(
            "e0053_annotation_given_twice",
            r#"package acme.test.v1;

struct Pet {
    #[length(1..=64)]
    #[deprecated, length(1..=32)]
    name: string,
}
"#,
            &[E0053],
        ),
        case(
            "e0054_constraint_does_not_apply",
            r#"package acme.test.v1;

struct Pet {
    #[length(1..=10)]
    age: u32,
    #[items(1..=5)]
    name: string,
    #[length(..=10)]
    tags: list<string>,
    #[pattern("^[a-z]+$")]
    weight: f64,
}
"#,
            &[E0054],
        ),
        case(
            "e0055_invalid_constraint",
            r#"package acme.test.v1;

struct Pet {
    #[length(64..=1)]
    name: string,
    #[pattern("^[A-Z{3}$")]
    code: string,
    #[range(0..=5000000000)]
    age: u32,
    #[range(0.5..=10)]
    legs: i32,
    #[range(1..1)]
    tails: u32,
    #[items(3..3)]
    tags: list<string>,
}
"#,
            &[E0055],
        ),
        case(
            "e0056_invalid_default",
            r#"package acme.test.v1;

enum Status {
    Available,
    Sold,
}

struct Pet {
    name: string = 42,
    tag: string? = "none",
    status: Status = Availabel,
    #[range(1..=100)]
    page_size: u32 = 500,
    legs: u32 = -4,
    window: u32 = 1..=4,
    #[items(1..)]
    tags: list<string> = [],
    #[length(3..=3)]
    currency: string = "EURO",
}
"#,
            &[E0056],
        ),
        // ---- HTTP ----
        case(
            "e0060_path_placeholder_typo",
            r#"package acme.test.v1;

struct Pet {
    id: u64,
}

service PetStore {
    #[http(get, "/pets/{pet_idd}")]
    fn get_pet(pet_id: u64) -> Pet;

    #[http(delete, "/owners/{owner}")]
    fn delete_owner(id: u64);
}
"#,
            &[E0060],
        ),
        case(
            "e0061_invalid_path_template",
            r#"package acme.test.v1;

service PetStore {
    #[http(get, "pets/{id}")]
    fn get_pet(id: u64);

    #[http(get, "/pets/{id}/photos/{id}")]
    fn get_photo(id: u64);

    #[http(get, "/pets?sort=name")]
    fn list_pets();

    #[http(get, "/pets/{id")]
    fn find_pet(id: u64);
}
"#,
            &[E0061],
        ),
        case(
            "e0062_struct_in_query_string",
            r#"package acme.test.v1;

struct PetFilter {
    species: string,
}

service PetStore {
    #[http(get, "/pets")]
    fn list_pets(filter: PetFilter, labels: map<string, string>);
}
"#,
            &[E0062],
        ),
        case(
            "e0063_two_methods_same_route",
            r#"package acme.test.v1;

service PetStore {
    #[http(get, "/pets/{id}")]
    fn get_pet(id: u64);

    #[http(get, "/pets/{pet_id}")]
    fn fetch_pet(pet_id: u64);
}
"#,
            &[E0063],
        ),
        case(
            "e0064_invalid_parameter_placement",
            r#"package acme.test.v1;

struct Pet {
    name: string,
}

service PetStore {
    #[http(get, "/pets")]
    fn find_pet(#[body] query: Pet);

    #[http(post, "/pets")]
    fn create_pet(#[body] pet: Pet, #[body] owner: Pet);

    #[http(put, "/pets/{id}")]
    fn update_pet(#[query] id: u64, #[header("X-Meta")] meta: Pet);

    #[http(delete, "/pets/{id}")]
    fn delete_pet(id: u64, #[header("X-Reason")] reason: string, #[header("x-reason")] note: string);
}
"#,
            &[E0064],
        ),
        case(
            "e0065_invalid_path_parameter",
            r#"package acme.test.v1;

struct PetKey {
    id: u64,
}

service PetStore {
    #[http(get, "/pets/{id}")]
    fn get_pet(id: u64?);

    #[http(get, "/keys/{key}")]
    fn get_by_key(key: PetKey);

    #[http(delete, "/pets")]
    fn delete_pet(#[path] id: u64);
}
"#,
            &[E0065],
        ),
        // ---- MQTT and queues ----
        case(
            "e0066_topic_placeholder_not_a_parameter",
            r#"package acme.test.v1;

service Thermostat {
    #[mqtt(topic = "devices/{devce_id}/temperature")]
    event temperature(device_id: string, celsius: f64);

    #[queue(routing_key = "rooms.{room}.changed")]
    event room_changed(room_ids: list<string>);
}
"#,
            &[E0066],
        ),
        case(
            "e0067_invalid_topic_template",
            r#"package acme.test.v1;

service Thermostat {
    #[mqtt(topic = "devices/+/temperature")]
    event temperature(device_id: string, celsius: f64);

    #[queue(routing_key = "rooms.*")]
    event room_changed(room_id: string);

    #[mqtt(topic = "$SYS/reboot")]
    fn reboot();

    #[mqtt(topic = "devices/{device_id/status")]
    event status(device_id: string);
}
"#,
            &[E0067],
        ),
        // ---- Methods ----
        case(
            "e0068_invalid_pagination",
            r#"package acme.test.v1;

struct Pet {
    id: u64,
}

struct PetPage {
    pets: list<Pet>,
    owners: list<string>,
    next_page_token: u64,
}

service PetStore {
    #[paginate]
    fn list_pets(page_token: u64, limit: u32) -> PetPage;
}
"#,
            &[E0068],
        ),
        case(
            "e0069_conflicting_method_flags",
            r#"package acme.test.v1;

struct PhotoChunk {
    data: bytes,
}

service PetStore {
    #[http(get, "/photos")]
    fn upload_photo(chunks: stream PhotoChunk);

    #[queue]
    fn export_photos() -> stream PhotoChunk;
}
"#,
            &[E0069],
        ),
        // ---- Several errors at once ----
        case(
            "multi_every_error_in_one_run",
            r#"package acme.test.v1;

/// A pet in the catalogue.
struct Pet {
    id: u64,
    #[lenght(1..=64)]
    name: string,
    owner: Owner,
    tags: list<string>?,
}

enum Species {
    Dog = 1,
    Cat = 1,
}

error PetNotFound {
    id: u64,
}

service PetStore {
    #[http(get, "/pets/{pet_id}")]
    fn get_pet(id: u64) -> Pet throws PetNotFond;
}
"#,
            &[E0022, E0032, E0043, E0050, E0060],
        ),
        case(
            "multi_syntax_and_semantic_errors",
            r#"package acme.test.v1;

struct Pet {
    id: u64,
    name: string,
    name: string,
}

service PetStore {
    fn get_pet(id: u64) -> Pet
    fn delete_pet(id: u64);
}

struct Owner {
    pets: list<Pets>,
}
"#,
            &[E0001, E0020, E0022],
        ),
        files(
            "multi_errors_in_two_files",
            &[
                (
                    "store.idl",
                    r#"package acme.test.v1;

import "common.idl";

struct Pet {
    price: Money,
    price: Money,
}
"#,
                ),
                (
                    "common.idl",
                    r#"package acme.common.v1;

struct Money {
    currency: Currency,
    #[range(-999999999..=999999999)]
    nanos: i32 = 1000000000,
}
"#,
                ),
            ],
            &[E0020, E0022, E0056],
        ),
    ]
}

impl Case {
    fn with_roots(mut self, roots: &[&'static str]) -> Case {
        self.roots = roots.to_vec();
        self
    }
}

fn codes_of(compilation: &Compilation) -> BTreeSet<Code> {
    compilation.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn diagnostics_match_snapshots() {
    for case in cases() {
        let compilation = case.compile();
        let rendered = case.snapshot(&compilation);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("../../snapshots/diagnostics");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(case.name, rendered));
    }
}

#[test]
fn each_case_produces_exactly_its_expected_codes() {
    let mut failures = Vec::new();
    for case in cases() {
        let compilation = case.compile();
        let got = codes_of(&compilation);
        let want: BTreeSet<Code> = case.expected.iter().copied().collect();
        if got != want {
            failures.push(format!(
                "{}: expected {want:?}, got {got:?}\n{}",
                case.name,
                compilation.render_diagnostics()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn case_names_are_unique() {
    let cases = cases();
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), cases.len(), "two cases share a name");
    assert!(cases.len() >= 40, "keep at least 40 cases");
}

/// Codes only the Rust front end reports: their cases and their docs/errors.md examples are Rust.
const RUST_FRONT_END: &[Code] = &[Code::E0080, Code::E0081, Code::E0082];

/// Compiles `lib_rs` with the Rust front end (as `omniface export` and the macros do), as the
/// `src/lib.rs` of a crate in a folder of its own under `<target tmp>/rust-front-end/`, removed
/// afterwards (tests run in parallel). The crate is only read, never built: it needs no
/// `Cargo.toml`.
fn compile_rust(name: &str, lib_rs: &str) -> Compilation {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let unique = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("rust-front-end")
        .join(format!("{name}-{}-{unique}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).expect("create the crate folder");
    std::fs::write(dir.join("src/lib.rs"), lib_rs).expect("write src/lib.rs");
    let compilation = compile_crate(&dir.join("src/lib.rs"), &dir).compilation;
    let _ = std::fs::remove_dir_all(&dir);
    compilation
}

/// One invalid Rust crate (its `src/lib.rs`) and the codes it must produce (exactly these), with
/// one diagnostic per invalid item, field or method.
struct RustCase {
    name: &'static str,
    lib_rs: String,
    expected: &'static [Code],
    /// How many diagnostics.
    count: usize,
}

/// What every Rust case starts with: the package, a model type and a declared error.
const RUST_PRELUDE: &str = r#"omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
}

#[derive(omniface::Model)]
#[omniface(error)]
pub struct PetNotFound {
    pub id: u64,
}
"#;

fn rust_cases() -> Vec<RustCase> {
    use Code::*;
    let case = |name: &'static str, items: &str, expected: &'static [Code]| RustCase {
        name,
        lib_rs: format!("{RUST_PRELUDE}\n{items}"),
        expected,
        count: expected.len(),
    };
    let service = |name: &'static str, members: &str, expected: &'static [Code]| {
        case(
            name,
            &format!("#[omniface::service]\npub trait PetStore {{\n{members}\n}}\n"),
            expected,
        )
    };
    let ok = "    async fn count_pets(&self, ctx: &omniface::Context) -> Result<u64, omniface::Error>;";
    vec![
        service(
            "rust_valid_service",
            "    #[omniface(throws(PetNotFound))]
    async fn get_pet(&self, ctx: &omniface::Context, id: u64) -> Result<Pet, GetPetError>;
    async fn watch_pets(&self, ctx: &omniface::Context) -> Result<omniface::ServerStream<Pet>, omniface::Error>;
    async fn upload(&self, ctx: &omniface::Context, pets: omniface::Streaming<Pet>) -> Result<(), omniface::Error>;
    #[omniface(event)]
    fn pet_sold(&self, id: u64);",
            &[],
        ),
        // E0080: items that cannot be model types.
        case(
            "rust_generic_struct",
            "#[derive(omniface::Model)]\npub struct Page<T> {\n    pub items: Vec<T>,\n}\n",
            &[E0080],
        ),
        case(
            "rust_tuple_struct",
            "#[derive(omniface::Model)]\npub struct PetId(u64);\n",
            &[E0080],
        ),
        case(
            "rust_unit_struct",
            "#[derive(omniface::Model)]\npub struct Nothing;\n",
            &[E0080],
        ),
        case(
            "rust_enum_mixing_unit_and_data",
            "#[derive(omniface::Model)]\npub enum Status {\n    Available,\n    Sold(Pet),\n}\n",
            &[E0080],
        ),
        case(
            "rust_enum_struct_variant",
            "#[derive(omniface::Model)]\npub enum PetEvent {\n    Added(Pet),\n    Removed { id: u64 },\n}\n",
            &[E0080],
        ),
        case(
            "rust_enum_two_values",
            "#[derive(omniface::Model)]\npub enum PetEvent {\n    Added(Pet),\n    Moved(Pet, Pet),\n}\n",
            &[E0080],
        ),
        case(
            "rust_generic_service",
            &format!("#[omniface::service]\npub trait Store<T> {{\n{ok}\n}}\n"),
            &[E0080],
        ),
        // E0081: types that cannot be mapped, in fields, parameters and returns.
        case(
            "rust_unmapped_field_types",
            "#[derive(omniface::Model)]
pub struct Everything {
    pub labels: std::collections::HashMap<String, String>,
    pub tags: std::collections::BTreeSet<String>,
    pub age: u8,
    pub photo: Vec<u8>,
    pub initial: char,
    pub big: u128,
    pub name: &'static str,
    pub text: str,
    pub pair: (u64, u64),
    pub grid: [u64; 4],
    pub shared: std::sync::Arc<Pet>,
    pub projected: <Pet as Iterator>::Item,
}
",
            &[E0081],
        )
        .times(12),
        service(
            "rust_unmapped_parameter",
            "    async fn get_pet(&self, ctx: &omniface::Context, id: u16) -> Result<Pet, omniface::Error>;",
            &[E0081],
        ),
        service(
            "rust_unmapped_return",
            "    async fn count(&self, ctx: &omniface::Context) -> Result<usize, omniface::Error>;",
            &[E0081],
        ),
        // E0082: method signatures.
        service(
            "rust_method_not_async",
            "    fn get_pet(&self, ctx: &omniface::Context, id: u64) -> Result<Pet, omniface::Error>;",
            &[E0082],
        ),
        service(
            "rust_method_without_self",
            &format!("    async fn get_pet(ctx: &omniface::Context, id: u64) -> Result<Pet, omniface::Error>;\n{ok}"),
            &[E0082],
        ),
        service(
            "rust_method_self_by_value",
            &format!(
                "    async fn get_pet(self, ctx: &omniface::Context, id: u64) -> Result<Pet, omniface::Error>;\n{ok}"
            ),
            &[E0082],
        ),
        service(
            "rust_method_mut_self",
            &format!(
                "    async fn get_pet(&mut self, ctx: &omniface::Context, id: u64) -> Result<Pet, omniface::Error>;\n{ok}"
            ),
            &[E0082],
        ),
        service(
            "rust_method_without_context",
            &format!("    async fn get_pet(&self, id: u64) -> Result<Pet, omniface::Error>;\n{ok}"),
            &[E0082],
        ),
        service(
            "rust_method_context_not_first",
            &format!(
                "    async fn get_pet(&self, id: u64, ctx: &omniface::Context) -> Result<Pet, omniface::Error>;\n{ok}"
            ),
            &[E0082],
        ),
        service(
            "rust_method_pattern_parameter",
            "    async fn get_pet(&self, ctx: &omniface::Context, (id, _): (u64, u64)) -> Result<Pet, omniface::Error>;",
            &[E0082],
        ),
        service(
            "rust_method_without_return",
            &format!("    async fn delete_pet(&self, ctx: &omniface::Context, id: u64);\n{ok}"),
            &[E0082],
        ),
        service(
            "rust_method_not_returning_result",
            &format!("    async fn get_pet(&self, ctx: &omniface::Context, id: u64) -> Pet;\n{ok}"),
            &[E0082],
        ),
        service(
            "rust_method_error_without_throws",
            "    async fn get_pet(&self, ctx: &omniface::Context, id: u64) -> Result<Pet, PetNotFound>;",
            &[E0082],
        ),
        service(
            "rust_method_error_with_throws",
            "    #[omniface(throws(PetNotFound))]
    async fn get_pet(&self, ctx: &omniface::Context, id: u64) -> Result<Pet, omniface::Error>;",
            &[E0082],
        ),
        service(
            "rust_method_with_body",
            "    async fn get_pet(&self, ctx: &omniface::Context, id: u64) -> Result<Pet, omniface::Error> {
        Err(omniface::Error::not_found())
    }",
            &[E0082],
        ),
        service(
            "rust_method_generic",
            &format!(
                "    async fn get_pet<T>(&self, ctx: &omniface::Context, id: T) -> Result<Pet, omniface::Error>;\n{ok}"
            ),
            &[E0082],
        ),
        service(
            "rust_service_associated_items",
            &format!("    type Id;\n    const LIMIT: u32;\n{ok}"),
            &[E0082],
        )
        .times(2),
        service(
            "rust_event_async",
            &format!("    #[omniface(event)]\n    async fn pet_sold(&self, id: u64);\n{ok}"),
            &[E0082],
        ),
        service(
            "rust_event_with_return",
            &format!("    #[omniface(event)]\n    fn pet_sold(&self, id: u64) -> Result<(), omniface::Error>;\n{ok}"),
            &[E0082],
        ),
    ]
}

impl RustCase {
    fn times(mut self, count: usize) -> RustCase {
        self.count = count;
        self
    }
}

#[test]
fn rust_cases_produce_exactly_their_expected_codes() {
    let mut failures = Vec::new();
    for case in rust_cases() {
        let compilation = compile_rust(case.name, &case.lib_rs);
        let got = codes_of(&compilation);
        let want: BTreeSet<Code> = case.expected.iter().copied().collect();
        if got != want || compilation.diagnostics.len() != case.count {
            failures.push(format!(
                "{}: expected {want:?} ({} diagnostics), got {got:?} ({})\n{}\n{}",
                case.name,
                case.count,
                compilation.diagnostics.len(),
                case.lib_rs,
                compilation.render_diagnostics()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rust_case_names_are_unique() {
    let cases = rust_cases();
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), cases.len(), "two Rust cases share a name");
}

#[test]
fn every_code_is_produced_by_some_case() {
    let mut produced = BTreeSet::new();
    for case in cases() {
        produced.extend(codes_of(&case.compile()));
    }
    for case in rust_cases() {
        produced.extend(codes_of(&compile_rust(case.name, &case.lib_rs)));
    }
    let missing: Vec<&Code> = Code::ALL.iter().filter(|code| !produced.contains(code)).collect();
    assert!(
        missing.is_empty(),
        "no case produces {missing:?}; add one to `cases()` (or to `rust_cases()` for the Rust front end's codes)"
    );
}

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate sits in the workspace")
}

#[test]
fn examples_compile_without_diagnostics() {
    let mut paths: Vec<String> = std::fs::read_dir(workspace_root().join("examples"))
        .expect("examples/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "idl"))
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no examples found");
    for path in &paths {
        let compilation = compile_files(std::slice::from_ref(path));
        assert!(
            compilation.diagnostics.is_empty(),
            "{path} has diagnostics:\n{}",
            compilation.render_diagnostics()
        );
    }
}

/// One `## E0xxx: title` section of docs/errors.md.
struct DocSection {
    code: String,
    title: String,
    /// The ```idl blocks: the failing example, then the fixed versions.
    examples: Vec<String>,
    /// The ```rust blocks (each a crate's `src/lib.rs`), likewise; for [`RUST_FRONT_END`] codes.
    rust_examples: Vec<String>,
}

/// The sections of docs/errors.md whose heading starts with a code (`E` and four digits).
fn doc_sections(text: &str) -> Vec<DocSection> {
    let mut sections: Vec<DocSection> = Vec::new();
    // The open example block: whether it is Rust, and its text so far.
    let mut block: Option<(bool, String)> = None;
    for line in text.lines() {
        if let Some((rust, open)) = &mut block {
            if line.trim_end() == "```" {
                if let Some(section) = sections.last_mut() {
                    let examples = if *rust {
                        &mut section.rust_examples
                    } else {
                        &mut section.examples
                    };
                    examples.push(std::mem::take(open));
                }
                block = None;
            } else {
                open.push_str(line);
                open.push('\n');
            }
        } else if let Some(heading) = line.strip_prefix("## ") {
            let looks_like_code =
                heading.len() >= 5 && heading.starts_with('E') && heading[1..5].bytes().all(|b| b.is_ascii_digit());
            if looks_like_code {
                let (code, title) = heading.split_once(": ").unwrap_or((heading, ""));
                sections.push(DocSection {
                    code: code.trim().to_string(),
                    title: title.trim().to_string(),
                    examples: Vec::new(),
                    rust_examples: Vec::new(),
                });
            }
        } else if line.trim_end() == "```idl" {
            block = Some((false, String::new()));
        } else if line.trim_end() == "```rust" {
            block = Some((true, String::new()));
        }
    }
    sections
}

fn errors_md() -> String {
    std::fs::read_to_string(workspace_root().join("docs/errors.md")).expect("docs/errors.md exists")
}

#[test]
fn errors_md_documents_every_code() {
    let sections = doc_sections(&errors_md());
    let known: HashMap<&str, &str> = Code::ALL.iter().map(|c| (c.as_str(), c.title())).collect();
    let mut problems = Vec::new();
    for section in &sections {
        match known.get(section.code.as_str()) {
            None => problems.push(format!("`## {}` is not a code in diagnostic.rs", section.code)),
            Some(expected) if *expected != section.title => problems.push(format!(
                "`## {}: {}` should read `## {}: {expected}`",
                section.code, section.title, section.code
            )),
            Some(_) => {}
        }
    }
    for code in Code::ALL {
        let count = sections.iter().filter(|s| s.code == code.as_str()).count();
        if count != 1 {
            problems.push(format!("{code} has {count} headings in docs/errors.md, expected 1"));
        }
    }
    let order: Vec<&str> = sections.iter().map(|s| s.code.as_str()).collect();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    if order != sorted {
        problems.push("codes in docs/errors.md are not in ascending order".to_string());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Codes whose cause is not in the source text: their sections show a shell session instead.
const NO_SOURCE_EXAMPLE: &[Code] = &[Code::E0003, Code::E0004];

/// An example block's files: split at `// file: name.idl` lines, else one file `example.idl`.
fn example_files(block: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        if let Some(name) = line.strip_prefix("// file: ") {
            files.push((name.trim().to_string(), String::new()));
        } else {
            if files.is_empty() {
                files.push(("example.idl".to_string(), String::new()));
            }
            if let Some((_, text)) = files.last_mut() {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    files
}

/// Compiles `files` (the first is the root) with `overrides` replacing or adding files by name;
/// an override without a `// file:` line replaces the root.
fn compile_example(files: &[(String, String)], overrides: &[(String, String)]) -> Compilation {
    let root = files[0].0.clone();
    let mut all: HashMap<String, String> = files.iter().cloned().collect();
    for (name, text) in overrides {
        let name = if name == "example.idl" { &root } else { name };
        all.insert(name.clone(), text.clone());
    }
    compile_with(&[root], &InMemory(all))
}

#[test]
fn errors_md_examples_produce_their_code_and_fixes_compile() {
    let mut problems = Vec::new();
    let mut fixes_checked = 0;
    for section in doc_sections(&errors_md()) {
        let Some(code) = Code::ALL.iter().find(|c| c.as_str() == section.code) else {
            continue;
        };
        if RUST_FRONT_END.contains(code) {
            // Each Rust example is a crate's `src/lib.rs`, read by the Rust front end.
            let Some((failing, fixes)) = section.rust_examples.split_first() else {
                problems.push(format!("{code} has no ```rust example"));
                continue;
            };
            let compilation = compile_rust(&format!("errors-md-{code}"), failing);
            if !compilation.diagnostics.iter().any(|d| d.code == *code) {
                problems.push(format!(
                    "the {code} example does not produce {code}:\n{}",
                    compilation.render_diagnostics()
                ));
            }
            for fix in fixes {
                fixes_checked += 1;
                let compilation = compile_rust(&format!("errors-md-{code}-fixed"), fix);
                if !compilation.diagnostics.is_empty() {
                    problems.push(format!(
                        "a fixed {code} example still has diagnostics:\n{}",
                        compilation.render_diagnostics()
                    ));
                }
            }
            continue;
        }
        let Some((failing, fixes)) = section.examples.split_first() else {
            if !NO_SOURCE_EXAMPLE.contains(code) {
                problems.push(format!("{code} has no ```idl example"));
            }
            continue;
        };
        let files = example_files(failing);
        let compilation = compile_example(&files, &[]);
        if !compilation.diagnostics.iter().any(|d| d.code == *code) {
            problems.push(format!(
                "the {code} example does not produce {code}:\n{}",
                compilation.render_diagnostics()
            ));
        }
        for fix in fixes {
            fixes_checked += 1;
            let compilation = compile_example(&files, &example_files(fix));
            if !compilation.diagnostics.is_empty() {
                problems.push(format!(
                    "a fixed {code} example still has diagnostics:\n{}",
                    compilation.render_diagnostics()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        fixes_checked >= Code::ALL.len() - NO_SOURCE_EXAMPLE.len(),
        "every example should be followed by its fixed version"
    );
}
