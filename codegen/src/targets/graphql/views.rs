//! What the SDL templates see: plain strings already converted, spelled and indented, so the
//! templates only lay them out. Each template is one kind of definition.

use askama::Template;

/// The whole file.
#[derive(Template)]
#[template(path = "graphql/schema.graphql", escape = "none")]
pub struct SchemaFile {
    pub package: String,
    /// The schema definition's description, already a block string (or empty).
    pub description: String,
    pub roots: Vec<RootOperation>,
    /// The rendered root types.
    pub roots_blocks: Vec<String>,
    /// The methods GraphQL cannot express, and why.
    pub omitted: Vec<OmittedMethod>,
    /// Every other rendered definition, in file order.
    pub blocks: Vec<String>,
}

pub struct RootOperation {
    /// `query`, `mutation` or `subscription`.
    pub operation: &'static str,
    pub type_name: String,
}

pub struct OmittedMethod {
    /// `Service.method`, as declared.
    pub method: String,
    pub kind: &'static str,
    pub reason: &'static str,
}

/// An object type or an input object type.
#[derive(Template)]
#[template(path = "graphql/object.graphql", escape = "none")]
pub struct ObjectType {
    pub description: String,
    /// `type` or `input`.
    pub keyword: &'static str,
    pub name: String,
    /// Type directives with a leading space (` @oneOf`), or empty.
    pub directives: String,
    pub fields: Vec<FieldView>,
}

/// A field of an object type, an argument or an input field.
pub struct FieldView {
    pub description: String,
    pub name: String,
    /// Only on output fields.
    pub args: Vec<FieldView>,
    pub ty: String,
    /// ` = value` on arguments and input fields with a default, else empty.
    pub default: String,
    /// ` @deprecated(…)` or empty.
    pub directives: String,
}

#[derive(Template)]
#[template(path = "graphql/enum.graphql", escape = "none")]
pub struct EnumType {
    pub description: String,
    pub name: String,
    pub values: Vec<EnumValueView>,
}

pub struct EnumValueView {
    pub description: String,
    pub name: String,
    pub directives: String,
}

#[derive(Template)]
#[template(path = "graphql/union.graphql", escape = "none")]
pub struct UnionType {
    pub description: String,
    pub name: String,
    pub members: Vec<String>,
}

#[derive(Template)]
#[template(path = "graphql/scalar.graphql", escape = "none")]
pub struct ScalarType {
    pub description: String,
    pub name: String,
    pub directives: String,
}

/// Renders a definition; askama only fails on formatting errors our plain strings cannot cause.
pub fn render(template: &impl Template) -> String {
    template
        .render()
        .expect("GraphQL templates only format plain strings")
        .trim_end()
        .to_string()
}
