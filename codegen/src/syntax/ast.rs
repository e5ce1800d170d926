//! The syntax tree of one `.idl` file: everything as written, with spans, before any meaning is
//! given to annotations or names. The formatter prints it back; lowering turns it into the model.

use crate::source::Span;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceFileAst {
    /// `//!` lines at the top of the file.
    pub inner_docs: Vec<DocLine>,
    pub decls: Vec<Decl>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DocLine {
    /// The text after `///` or `//!`, without the marker.
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Decl {
    Package(PackageDecl),
    Import(ImportDecl),
    Item(ItemDecl),
    /// `//!` lines found after the first declaration (an error, kept so it can be reported).
    StrayInnerDocs(Vec<DocLine>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct PackageDecl {
    pub docs: Vec<DocLine>,
    pub name: Ident,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportDecl {
    pub docs: Vec<DocLine>,
    pub path: StringLit,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ItemDecl {
    pub docs: Vec<DocLine>,
    pub attrs: Vec<Attribute>,
    pub name: Ident,
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    Struct(Vec<FieldDecl>),
    Error(Vec<FieldDecl>),
    Enum(Vec<EnumVariantDecl>),
    Union(Vec<UnionVariantDecl>),
    Service(Vec<ServiceMember>),
}

impl ItemKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            ItemKind::Struct(_) => "struct",
            ItemKind::Error(_) => "error",
            ItemKind::Enum(_) => "enum",
            ItemKind::Union(_) => "union",
            ItemKind::Service(_) => "service",
        }
    }
}

/// A struct or error field, or a method or event parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub docs: Vec<DocLine>,
    pub attrs: Vec<Attribute>,
    pub name: Ident,
    pub number: Option<NumberLit>,
    /// Span of the `stream` keyword on a parameter.
    pub stream: Option<Span>,
    pub ty: TypeExpr,
    pub default: Option<Value>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumVariantDecl {
    pub docs: Vec<DocLine>,
    pub attrs: Vec<Attribute>,
    pub name: Ident,
    pub value: Option<NumberLit>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UnionVariantDecl {
    pub docs: Vec<DocLine>,
    pub attrs: Vec<Attribute>,
    pub name: Ident,
    pub number: Option<NumberLit>,
    pub ty: TypeExpr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ServiceMember {
    Method(MethodDecl),
    Event(EventDecl),
}

#[derive(Clone, Debug, PartialEq)]
pub struct MethodDecl {
    pub docs: Vec<DocLine>,
    pub attrs: Vec<Attribute>,
    pub name: Ident,
    pub params: Vec<FieldDecl>,
    pub returns: Option<ReturnDecl>,
    pub throws: Vec<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReturnDecl {
    pub stream: Option<Span>,
    pub ty: TypeExpr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventDecl {
    pub docs: Vec<DocLine>,
    pub attrs: Vec<Attribute>,
    pub name: Ident,
    pub params: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    /// Span of the trailing `?`.
    pub optional: Option<Span>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeExprKind {
    /// A scalar or a (possibly qualified) type name.
    Path(Ident),
    List(Box<TypeExpr>),
    Map(Box<TypeExpr>, Box<TypeExpr>),
}

/// One `#[…]`, which may hold several annotations separated by commas.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub metas: Vec<Meta>,
    pub span: Span,
}

/// One annotation: `name`, `name(args…)` or `name = value`. The proc macros build the same shape
/// from `syn::Meta`, so both front ends share one annotation vocabulary.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta {
    pub name: Ident,
    pub args: MetaArgs,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MetaArgs {
    None,
    List(Vec<MetaArg>),
    Value(Value),
}

#[derive(Clone, Debug, PartialEq)]
pub enum MetaArg {
    Meta(Meta),
    Value(Value),
}

impl MetaArg {
    pub fn span(&self) -> Span {
        match self {
            MetaArg::Meta(meta) => meta.span,
            MetaArg::Value(value) => value.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    String(StringLit),
    Number(NumberLit),
    Range(RangeLit),
    Array(Vec<Value>),
    /// An identifier or dotted path: `true`, `Available`, `not_found`.
    Path(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct StringLit {
    /// The text between the quotes exactly as written (escapes not processed).
    pub raw: String,
    /// The value, escapes processed.
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NumberLit {
    pub raw: String,
    pub span: Span,
}

impl NumberLit {
    pub fn as_i64(&self) -> Option<i64> {
        self.raw.parse().ok()
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.raw.parse().ok()
    }

    pub fn is_integer(&self) -> bool {
        !self.raw.contains(['.', 'e', 'E'])
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RangeLit {
    pub start: Option<NumberLit>,
    pub end: Option<NumberLit>,
    pub inclusive: bool,
}
