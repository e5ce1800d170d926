//! Unit tests of the GraphQL mapping on small IDL snippets. The examples are validated with
//! graphql-js and graphql-core outside `cargo test`; these pin the mapping rules.

use super::*;
use crate::loader::InMemory;

/// The SDL files of some IDL files (the first is the root), by package.
fn sdl_files(files: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut source = InMemory::default();
    for (name, text) in files {
        source.0.insert(name.to_string(), text.to_string());
    }
    let compilation = crate::compile_with(&[files[0].0.to_string()], &source);
    assert!(!compilation.has_errors(), "{}", compilation.render_diagnostics());
    generate(&compilation.model)
        .into_iter()
        .map(|file| (file.path.display().to_string(), file.contents))
        .collect()
}

fn sdl(idl: &str) -> String {
    let files = sdl_files(&[("test.idl", idl)]);
    assert_eq!(files.len(), 1);
    files.into_values().next().unwrap_or_default()
}

/// The definition that starts with `head` (`type Query {`), up to its closing line.
fn block<'a>(sdl: &'a str, head: &str) -> &'a str {
    let start = sdl.find(&format!("\n{head}")).map(|i| i + 1);
    let Some(start) = start else {
        panic!("no `{head}` in:\n{sdl}");
    };
    let end = sdl[start..].find("\n}").map_or(sdl.len(), |i| start + i + 2);
    &sdl[start..end]
}

#[test]
fn methods_go_to_the_root_their_effects_call_for() {
    let out = sdl(r#"
package a.v1;
struct Item { id: u64 }
service Shop {
    #[readonly] fn find(id: u64) -> Item?;
    #[http(get, "/items")] fn list() -> list<Item>;
    fn buy(id: u64);
    fn watch() -> stream Item;
    fn upload(items: stream Item) -> Item;
    fn talk(items: stream Item) -> stream Item;
    event sold(id: u64);
    event ping();
}
"#);
    let query = block(&out, "type Query {");
    assert!(query.contains("): Item\n"), "{query}");
    assert!(query.contains("list: [Item!]!"), "{query}");
    let mutation = block(&out, "type Mutation {");
    assert!(
        mutation.contains("): Boolean!") && mutation.contains("Always `true`"),
        "{mutation}"
    );
    let subscription = block(&out, "type Subscription {");
    assert!(subscription.contains("watch: Item!"), "{subscription}");
    assert!(subscription.contains("sold: SoldEvent!"), "{subscription}");
    assert!(subscription.contains("ping: Boolean!"), "{subscription}");
    assert!(block(&out, "type SoldEvent {").contains("id: UInt64!"));
    assert!(out.contains("# - `Shop.upload` (client streaming):"), "{out}");
    assert!(out.contains("# - `Shop.talk` (bidirectional streaming):"), "{out}");
    assert!(!out.contains("upload(") && !out.contains("talk("));
}

#[test]
fn a_package_without_queries_still_has_a_query_field() {
    let out = sdl("package a.v1;\nstruct S { x: i32 }\n");
    assert!(block(&out, "type Query {").contains("_service: String!"), "{out}");
    assert!(block(&out, "type S {").contains("x: Int!"), "{out}");
    assert!(!out.contains("type Mutation"));
}

#[test]
fn arguments_use_input_types_with_defaults_and_enum_values() {
    let out = sdl(r#"
package a.v1;
enum Species { Dog, GuineaPig }
struct Filter { species: Species = GuineaPig, tags: list<string>, inner: Inner? }
struct Inner { big: i64 = 5, ratio: f64 = 0.5 }
service S {
    fn search(filter: Filter, page_size: u32 = 20, kinds: list<Species> = [Dog]) -> list<Species>;
}
"#);
    let mutation = block(&out, "type Mutation {");
    assert!(mutation.contains("filter: FilterInput!"), "{mutation}");
    assert!(mutation.contains("pageSize: UInt32! = 20"), "{mutation}");
    assert!(mutation.contains("kinds: [Species!]! = [DOG]"), "{mutation}");
    let input = block(&out, "input FilterInput {");
    assert!(input.contains("species: Species! = GUINEA_PIG"), "{input}");
    assert!(input.contains("tags: [String!]! = []"), "{input}");
    assert!(input.contains("inner: InnerInput\n"), "{input}");
    let inner = block(&out, "input InnerInput {");
    assert!(inner.contains(r#"big: Int64! = "5""#), "{inner}");
    assert!(block(&out, "enum Species {").contains("GUINEA_PIG"));
    // Only what a method returns gets an output type.
    assert!(!out.contains("type Filter {") && !out.contains("type Inner {"), "{out}");
}

#[test]
fn a_taken_input_name_gets_a_number() {
    let out = sdl(r#"
package a.v1;
struct Pet { name: string }
struct PetInput { name: string }
service S {
    fn add(pet: Pet) -> PetInput;
}
"#);
    assert!(out.contains("type PetInput {"), "{out}");
    assert!(out.contains("input PetInput2 {"), "{out}");
    assert!(block(&out, "type Mutation {").contains("pet: PetInput2!"), "{out}");
}

#[test]
fn unions_are_unions_as_output_and_one_of_inputs_as_input() {
    let out = sdl(r#"
package a.v1;
struct A { a: i32 }
struct B { b: i32 }
/// One of two.
union Choice {
    /// The first.
    First(A),
    #[deprecated("Use First.")]
    Second(B),
}
service S {
    fn pick(choice: Choice) -> Choice;
}
"#);
    assert!(out.contains("union Choice = A | B"), "{out}");
    let input = block(&out, "input ChoiceInput @oneOf {");
    assert!(input.contains("first: AInput\n"), "{input}");
    assert!(
        input.contains(r#"second: BInput @deprecated(reason: "Use First.")"#),
        "{input}"
    );
    assert!(out.contains("Set exactly one field"), "{out}");
}

#[test]
fn maps_are_lists_of_entries() {
    let out = sdl(r#"
package a.v1;
struct Device { labels: map<string, string>, counts: map<u64, i32> }
service S {
    fn put(labels: map<string, string>) -> Device;
}
"#);
    let device = block(&out, "type Device {");
    assert!(device.contains("labels: [StringStringEntry!]!"), "{device}");
    assert!(device.contains("counts: [UInt64IntEntry!]!"), "{device}");
    assert!(block(&out, "type StringStringEntry {").contains("key: String!"));
    assert!(block(&out, "input StringStringEntryInput {").contains("value: String!"));
    assert!(block(&out, "type Mutation {").contains("labels: [StringStringEntryInput!]! = []"));
}

#[test]
fn deprecation_is_a_directive_where_graphql_allows_it() {
    let out = sdl(r#"
package a.v1;
enum E { A, #[deprecated("old")] B }
struct S { #[deprecated("gone")] x: string, e: E }
service Svc {
    fn f(
        #[deprecated("required")] must: i32,
        #[deprecated] maybe: i32?,
        #[deprecated("defaulted")] fallback: i32 = 3,
    ) -> S;
}
"#);
    assert!(out.contains(r#"B @deprecated(reason: "old")"#), "{out}");
    assert!(out.contains(r#"x: String! @deprecated(reason: "gone")"#), "{out}");
    let mutation = block(&out, "type Mutation {");
    // GraphQL forbids deprecating a required argument; the description says it instead.
    assert!(
        mutation.contains("\"\"\"Deprecated: required\"\"\"\n    must: Int!\n"),
        "{mutation}"
    );
    assert!(mutation.contains("maybe: Int @deprecated\n"), "{mutation}");
    assert!(
        mutation.contains(r#"fallback: Int! = 3 @deprecated(reason: "defaulted")"#),
        "{mutation}"
    );
}

#[test]
fn names_from_other_packages_are_prefixed_only_on_a_clash() {
    let files = sdl_files(&[
        (
            "main.idl",
            r#"
package a.main.v1;
import "other.idl";
struct Item { other: a.other.v1.Item, money: Money }
service S { #[readonly] fn get() -> Item; }
"#,
        ),
        (
            "other.idl",
            "package a.other.v1;\nstruct Item { label: string }\nstruct Money { units: i64 }\n",
        ),
    ]);
    let main = &files["a.main.v1.graphql"];
    let item = block(main, "type Item {");
    assert!(item.contains("other: AOtherV1Item!"), "{item}");
    assert!(item.contains("money: Money!"), "{item}");
    assert!(
        main.contains("type AOtherV1Item {") && main.contains("scalar Int64"),
        "{main}"
    );
    // The other package's own file keeps its names.
    assert!(files["a.other.v1.graphql"].contains("type Item {"));
}

#[test]
fn clashing_methods_of_two_services_are_prefixed() {
    let out = sdl(r#"
package a.v1;
service Pets { #[readonly] fn get() -> i32; event changed(id: i32); }
service Toys { #[readonly] fn get() -> i32; #[readonly] fn count() -> i32; event changed(id: i32); }
"#);
    let query = block(&out, "type Query {");
    assert!(query.contains("petsGet: Int!") && query.contains("toysGet: Int!") && query.contains("count: Int!"));
    let subscription = block(&out, "type Subscription {");
    assert!(
        subscription.contains("petsChanged: PetsChangedEvent!"),
        "{subscription}"
    );
    assert!(
        subscription.contains("toysChanged: ToysChangedEvent!"),
        "{subscription}"
    );
}

#[test]
fn type_names_graphql_already_uses_are_prefixed() {
    let out = sdl(r#"
package a.v1;
struct Query { at: timestamp }
struct DateTime { x: i32 }
service S { #[readonly] fn q() -> Query; #[readonly] fn d() -> DateTime; }
"#);
    assert!(
        out.contains("type AV1Query {") && out.contains("type AV1DateTime {"),
        "{out}"
    );
    assert!(out.contains("scalar DateTime @specifiedBy"), "{out}");
}

#[test]
fn descriptions_survive_quotes_and_empty_types_get_a_field() {
    let out = sdl(r#"
package a.v1;
/// Say """hi""" and end with a quote "
struct Empty {}
service S { #[readonly] fn e() -> Empty; }
"#);
    assert!(
        out.contains("\"\"\"\nSay \\\"\"\"hi\\\"\"\" and end with a quote \"\n\"\"\"\ntype Empty {"),
        "{out}"
    );
    assert!(block(&out, "type Empty {").contains("_empty: Boolean"));
}

#[test]
fn output_is_deterministic() {
    let idl = r#"
package a.v1;
struct A { m: map<string, B>, b: B? }
struct B { x: map<i64, string> }
service S { fn f(a: A) -> A; }
"#;
    assert_eq!(sdl(idl), sdl(idl));
}
