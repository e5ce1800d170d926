//! Rust items → IDL declarations: `#[derive(omniface::Model)]` structs and enums, and
//! `#[omniface::service]` traits, with their `///` docs and `#[omniface(…)]` annotations, and
//! Rust type paths resolved to model names.

use std::collections::HashMap;

use syn::spanned::Spanned;

use super::meta::{parse_metas, span_of};
use super::scan::Module;
use super::{Site, SiteKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::naming::upper_camel_case;
use crate::source::{FileId, Span};
use crate::syntax::ast;

/// The package a module's items belong to.
#[derive(Clone, Debug)]
pub struct ModulePackage {
    pub name: String,
    pub span: Span,
}

/// Each module's package: its own `omniface::package!`, else its service's `package = …`, else
/// its parent's.
pub fn module_packages(
    modules: &[Module],
    file_ids: &[FileId],
    errors: &mut Vec<Diagnostic>,
) -> Vec<Option<ModulePackage>> {
    let mut out: Vec<Option<ModulePackage>> = Vec::with_capacity(modules.len());
    for (position, module) in modules.iter().enumerate() {
        let own = declared_package(module, file_ids[position], errors);
        let inherited = || {
            let parent = modules[..position]
                .iter()
                .rposition(|p| p.path.len() + 1 == module.path.len() && module.path.starts_with(&p.path))?;
            out[parent].clone()
        };
        let package = own.or_else(inherited);
        out.push(package);
    }
    out
}

fn declared_package(module: &Module, file: FileId, errors: &mut Vec<Diagnostic>) -> Option<ModulePackage> {
    let mut found: Option<ModulePackage> = None;
    for item in &module.items {
        let candidate = match item {
            syn::Item::Macro(invocation) if is_omniface_path(&invocation.mac.path, "package") => {
                match syn::parse2::<syn::LitStr>(invocation.mac.tokens.clone()) {
                    Ok(text) => Some(ModulePackage {
                        name: text.value(),
                        span: span_of(text.span(), file),
                    }),
                    Err(_) => {
                        let written = invocation.mac.tokens.to_string().replace(' ', "");
                        let span = span_of(invocation.mac.tokens.span(), file);
                        errors.push(
                            Diagnostic::error(
                                Code::E0015,
                                span,
                                "`omniface::package!` takes the package name as a string",
                            )
                            .label("expected a string")
                            .help(format!("write `omniface::package!(\"{written}\");`")),
                        );
                        // The module still has the package meant, so its items get no E0010.
                        Some(ModulePackage { name: written, span })
                    }
                }
            }
            syn::Item::Trait(service) => service_attribute(&service.attrs).and_then(|attr| {
                let mut scratch = Vec::new();
                let metas = match &attr.meta {
                    syn::Meta::List(list) => parse_metas(list.tokens.clone(), file, &mut scratch),
                    _ => Vec::new(),
                };
                metas
                    .into_iter()
                    .find(|meta| meta.name.text == "package")
                    .and_then(|meta| match meta.args {
                        ast::MetaArgs::Value(ast::Value {
                            kind: ast::ValueKind::String(text),
                            span,
                        }) => Some(ModulePackage { name: text.value, span }),
                        _ => {
                            errors.push(
                                Diagnostic::error(
                                    Code::E0015,
                                    meta.span,
                                    "`package` takes the package name as a string",
                                )
                                .label("expected `package = \"…\"`")
                                .help("write `#[omniface::service(package = \"acme.pets.v1\")]`"),
                            );
                            None
                        }
                    })
            }),
            _ => None,
        };
        let Some(candidate) = candidate else { continue };
        match &found {
            Some(first) if first.name != candidate.name => errors.push(
                Diagnostic::error(Code::E0011, candidate.span, "a module declares one package")
                    .label("second package")
                    .secondary(first.span, "package declared here")
                    .help("put the items of each package in their own module"),
            ),
            Some(_) => {}
            None => found = Some(candidate),
        }
    }
    found
}

/// Every `omniface::package!` of a module: where its argument starts (1-based line, 0-based
/// column) and its span, so each invocation's macro finds the diagnostics about it.
pub fn package_invocations(module: &Module, file: FileId) -> Vec<(usize, usize, Span)> {
    module
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(invocation) if is_omniface_path(&invocation.mac.path, "package") => {
                let tokens = &invocation.mac.tokens;
                let start = tokens.clone().into_iter().next()?.span().start();
                Some((start.line, start.column, span_of(tokens.span(), file)))
            }
            _ => None,
        })
        .collect()
}

/// `omniface::name` or a bare `name` (imported with `use omniface::name`).
fn is_omniface_path(path: &syn::Path, name: &str) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segments.as_slice() {
        [only] => only == name,
        [first, last] => first == "omniface" && last == name,
        _ => false,
    }
}

pub fn service_attribute(attrs: &[syn::Attribute]) -> Option<&syn::Attribute> {
    attrs.iter().find(|attr| is_omniface_path(attr.path(), "service"))
}

pub fn derives_model(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("derive")
            && match &attr.meta {
                syn::Meta::List(list) => list
                    .parse_args_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
                    .is_ok_and(|paths| paths.iter().any(|path| is_omniface_path(path, "Model"))),
                _ => false,
            }
    })
}

/// The `//!` or `///` lines among `attrs`, as the IDL parser records them.
pub fn docs(attrs: &[syn::Attribute], file: FileId) -> Vec<ast::DocLine> {
    let mut lines = Vec::new();
    for attr in attrs {
        if let syn::Meta::NameValue(pair) = &attr.meta
            && pair.path.is_ident("doc")
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = &pair.value
        {
            let span = span_of(attr.span(), file);
            for line in text.value().split('\n') {
                lines.push(ast::DocLine {
                    text: line.to_string(),
                    span,
                });
            }
        }
    }
    lines
}

/// Every model type of the crate, and every module's `use` declarations, for resolving names.
pub struct Index {
    /// (module path, type name) → the package of the module declaring it.
    types: HashMap<(Vec<String>, String), Option<String>>,
    /// Type name → the packages of the types of that name.
    by_name: HashMap<String, Vec<Option<String>>>,
    modules: Vec<Vec<String>>,
    uses: Vec<Uses>,
    /// Names of the crate's structs and enums that do not derive `Model`.
    plain: std::collections::HashSet<String>,
}

#[derive(Default)]
struct Uses {
    /// Name brought in scope → the path it stands for, from the crate root.
    names: HashMap<String, Vec<String>>,
    /// Modules whose items are all in scope (`use x::*`).
    globs: Vec<Vec<String>>,
}

impl Index {
    pub fn new(modules: &[Module], packages: &[Option<ModulePackage>]) -> Index {
        let mut types = HashMap::new();
        let mut by_name: HashMap<String, Vec<Option<String>>> = HashMap::new();
        let mut uses = Vec::new();
        let mut plain = std::collections::HashSet::new();
        for (module, package) in modules.iter().zip(packages) {
            let package = package.as_ref().map(|p| p.name.clone());
            let mut module_uses = Uses::default();
            for item in &module.items {
                let ident = match item {
                    syn::Item::Struct(s) if derives_model(&s.attrs) => Some(&s.ident),
                    syn::Item::Enum(e) if derives_model(&e.attrs) => Some(&e.ident),
                    syn::Item::Struct(s) => {
                        plain.insert(s.ident.to_string());
                        None
                    }
                    syn::Item::Enum(e) => {
                        plain.insert(e.ident.to_string());
                        None
                    }
                    syn::Item::Use(declaration) => {
                        let prefix = match declaration.leading_colon {
                            Some(_) => vec!["::".to_string()],
                            None => Vec::new(),
                        };
                        flatten_use(&declaration.tree, prefix, &module.path, &mut module_uses);
                        None
                    }
                    _ => None,
                };
                if let Some(ident) = ident {
                    let name = ident.to_string();
                    types.insert((module.path.clone(), name.clone()), package.clone());
                    by_name.entry(name).or_default().push(package.clone());
                }
            }
            uses.push(module_uses);
        }
        Index {
            types,
            by_name,
            modules: modules.iter().map(|m| m.path.clone()).collect(),
            uses,
            plain,
        }
    }

    /// The package and name of the model type `segments` names in module `module`.
    fn resolve(&self, module: usize, segments: &[String]) -> Option<(Option<String>, String)> {
        let here = &self.modules[module];
        let (name, prefix) = segments.split_last()?;
        let found = |path: &[String]| {
            self.types
                .get(&(path.to_vec(), name.clone()))
                .map(|package| (package.clone(), name.clone()))
        };
        if prefix.is_empty() {
            if let Some(hit) = found(here) {
                return Some(hit);
            }
            if let Some(target) = self.uses[module].names.get(name)
                && let Some((target_name, target_prefix)) = target.split_last()
            {
                for candidate in [normalize(target_prefix, here), normalize(target_prefix, &[])] {
                    if let Some(package) = self.types.get(&(candidate, target_name.clone())) {
                        return Some((package.clone(), target_name.clone()));
                    }
                }
            }
            for glob in &self.uses[module].globs {
                if let Some(hit) = found(glob) {
                    return Some(hit);
                }
            }
        } else {
            let mut expanded = prefix.to_vec();
            if let Some(alias) = self.uses[module].names.get(&prefix[0]) {
                expanded = alias.iter().chain(&prefix[1..]).cloned().collect();
            }
            for candidate in [normalize(&expanded, here), normalize(&expanded, &[])] {
                if let Some(hit) = found(&candidate) {
                    return Some(hit);
                }
            }
        }
        match self.by_name.get(name).map(Vec::as_slice) {
            Some([package]) => Some((package.clone(), name.clone())),
            _ => None,
        }
    }
}

/// A path from a `use` or a type, made absolute: `crate::a` → `[a]`, `self::a` and `a` → `here + a`,
/// `super::a` → `parent + a`.
fn normalize(path: &[String], here: &[String]) -> Vec<String> {
    let mut out: Vec<String> = here.to_vec();
    for (position, segment) in path.iter().enumerate() {
        match segment.as_str() {
            "crate" if position == 0 => out.clear(),
            "::" if position == 0 => out.clear(),
            "self" if position == 0 => {}
            "super" => {
                out.pop();
            }
            _ => out.push(segment.clone()),
        }
    }
    out
}

fn flatten_use(tree: &syn::UseTree, prefix: Vec<String>, here: &[String], uses: &mut Uses) {
    match tree {
        syn::UseTree::Path(path) => {
            let mut prefix = prefix;
            prefix.push(path.ident.to_string());
            flatten_use(&path.tree, prefix, here, uses);
        }
        syn::UseTree::Name(name) => {
            let mut full = prefix;
            full.push(name.ident.to_string());
            uses.names.insert(name.ident.to_string(), full);
        }
        syn::UseTree::Rename(rename) => {
            let mut full = prefix;
            full.push(rename.ident.to_string());
            uses.names.insert(rename.rename.to_string(), full);
        }
        syn::UseTree::Glob(_) => uses.globs.push(normalize(&prefix, here)),
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                flatten_use(tree, prefix.clone(), here, uses);
            }
        }
    }
}

/// Lowers one module's items.
pub struct Lowering<'a> {
    pub module: &'a Module,
    pub module_index: usize,
    pub file: FileId,
    pub package: Option<&'a str>,
    pub index: &'a Index,
    pub errors: &'a mut Vec<Diagnostic>,
    pub sites: &'a mut Vec<Site>,
}

/// The annotations of one element: the `#[omniface(…)]` attributes, as the IDL writes `#[…]`.
struct Annotated {
    docs: Vec<ast::DocLine>,
    attrs: Vec<ast::Attribute>,
}

impl Annotated {
    /// Removes and returns the metas named `name` (the Rust front end's own: `number`,
    /// `default`, `error`, `throws`, `event`, `package`).
    fn take(&mut self, name: &str) -> Option<ast::Meta> {
        let mut taken = None;
        for attr in &mut self.attrs {
            if let Some(position) = attr.metas.iter().position(|m| m.name.text == name) {
                taken = Some(attr.metas.remove(position));
            }
        }
        self.attrs.retain(|attr| !attr.metas.is_empty());
        taken
    }
}

impl Lowering<'_> {
    pub fn module_items(&mut self) -> Vec<ast::Decl> {
        let mut decls = Vec::new();
        let module = self.module;
        for item in &module.items {
            let (decl, ident, is_service) = match item {
                syn::Item::Struct(s) if derives_model(&s.attrs) => (self.struct_decl(s), &s.ident, false),
                syn::Item::Enum(e) if derives_model(&e.attrs) => (self.enum_decl(e), &e.ident, false),
                syn::Item::Trait(t) if service_attribute(&t.attrs).is_some() => (self.service_decl(t), &t.ident, true),
                _ => continue,
            };
            // A site even for an item that could not be lowered, so its macro finds its errors.
            let name = self.ident(ident);
            let what = if is_service {
                SiteKind::Service {
                    package: self.package.unwrap_or("").to_string(),
                    name: name.text.clone(),
                }
            } else {
                SiteKind::Type(format!("{}.{}", self.package.unwrap_or(""), name.text))
            };
            self.sites.push(Site {
                file: module.file.clone(),
                line: ident.span().start().line,
                column: ident.span().start().column,
                what,
                span: name.span,
                item_span: span_of(item.span(), self.file),
            });
            if let Some(decl) = decl {
                decls.push(ast::Decl::Item(decl));
            }
        }
        decls
    }

    fn span(&self, node: &impl Spanned) -> Span {
        span_of(node.span(), self.file)
    }

    fn ident(&self, ident: &syn::Ident) -> ast::Ident {
        ast::Ident {
            text: ident.to_string().trim_start_matches("r#").to_string(),
            span: span_of(ident.span(), self.file),
        }
    }

    fn annotated(&mut self, attrs: &[syn::Attribute]) -> Annotated {
        let mut out = Annotated {
            docs: docs(attrs, self.file),
            attrs: Vec::new(),
        };
        for attr in attrs {
            if !attr.path().is_ident("omniface") {
                continue;
            }
            let span = self.span(attr);
            match &attr.meta {
                syn::Meta::List(list) => {
                    let metas = parse_metas(list.tokens.clone(), self.file, self.errors);
                    out.attrs.push(ast::Attribute { metas, span });
                }
                _ => self.errors.push(
                    Diagnostic::error(Code::E0052, span, "`#[omniface]` takes a list of annotations")
                        .label("expected `#[omniface(…)]`")
                        .help("write the annotations as in the IDL, inside the parentheses: `#[omniface(length(1..=64))]`"),
                ),
            }
        }
        out
    }

    fn unsupported_item(&mut self, span: Span, message: impl Into<String>, label: &str, help: &str) {
        self.errors
            .push(Diagnostic::error(Code::E0080, span, message).label(label).help(help));
    }

    fn no_generics(&mut self, generics: &syn::Generics, name: &syn::Ident) -> bool {
        if generics.params.is_empty() && generics.where_clause.is_none() {
            return true;
        }
        let span = self.span(generics);
        self.unsupported_item(
            span,
            format!("`{name}` is generic; model types and services are not"),
            "generic parameters",
            "every protocol needs one concrete schema: declare one type per instantiation",
        );
        false
    }

    fn struct_decl(&mut self, item: &syn::ItemStruct) -> Option<ast::ItemDecl> {
        let mut annotated = self.annotated(&item.attrs);
        let is_error = annotated.take("error").is_some();
        if !self.no_generics(&item.generics, &item.ident) {
            return None;
        }
        let fields = match &item.fields {
            syn::Fields::Named(named) => named.named.iter().filter_map(|f| self.field(f)).collect(),
            other => {
                let span = if matches!(other, syn::Fields::Unit) {
                    self.span(&item.ident)
                } else {
                    self.span(other)
                };
                self.unsupported_item(
                    span,
                    format!("`{}` has no named fields; a model struct needs them", item.ident),
                    "tuple or unit struct",
                    "name the fields (`struct Pet { id: u64 }`): field names are part of every protocol's schema",
                );
                return None;
            }
        };
        Some(ast::ItemDecl {
            docs: annotated.docs,
            attrs: annotated.attrs,
            name: self.ident(&item.ident),
            kind: if is_error {
                ast::ItemKind::Error(fields)
            } else {
                ast::ItemKind::Struct(fields)
            },
            span: self.span(item),
        })
    }

    fn field(&mut self, field: &syn::Field) -> Option<ast::FieldDecl> {
        let ident = field.ident.as_ref()?;
        let mut annotated = self.annotated(&field.attrs);
        let number = self.number(&mut annotated);
        let default = self.default(&mut annotated);
        let ty = self.type_expr(&field.ty)?;
        Some(ast::FieldDecl {
            docs: annotated.docs,
            attrs: annotated.attrs,
            name: self.ident(ident),
            number,
            stream: None,
            ty,
            default,
            span: self.span(field),
        })
    }

    fn number(&mut self, annotated: &mut Annotated) -> Option<ast::NumberLit> {
        let meta = annotated.take("number")?;
        match meta.args {
            ast::MetaArgs::Value(ast::Value {
                kind: ast::ValueKind::Number(number),
                ..
            }) => Some(number),
            _ => {
                self.errors.push(
                    Diagnostic::error(Code::E0052, meta.span, "`number` takes the field number")
                        .label("expected `number = N`")
                        .help("write `#[omniface(number = 3)]`, as `@3` in the IDL"),
                );
                None
            }
        }
    }

    fn default(&mut self, annotated: &mut Annotated) -> Option<ast::Value> {
        let meta = annotated.take("default")?;
        match meta.args {
            ast::MetaArgs::Value(value) => Some(value),
            _ => {
                self.errors.push(
                    Diagnostic::error(Code::E0056, meta.span, "`default` takes a value")
                        .label("expected `default = value`")
                        .help("write `#[omniface(default = 20)]` or `#[omniface(default = Available)]`, as `= 20` in the IDL"),
                );
                None
            }
        }
    }

    fn enum_decl(&mut self, item: &syn::ItemEnum) -> Option<ast::ItemDecl> {
        let annotated = self.annotated(&item.attrs);
        if !self.no_generics(&item.generics, &item.ident) {
            return None;
        }
        let all_unit = item.variants.iter().all(|v| matches!(v.fields, syn::Fields::Unit));
        let all_single = item
            .variants
            .iter()
            .all(|v| matches!(&v.fields, syn::Fields::Unnamed(f) if f.unnamed.len() == 1));
        let kind = if all_unit {
            let variants = item
                .variants
                .iter()
                .map(|variant| {
                    let annotated = self.annotated(&variant.attrs);
                    let value = variant
                        .discriminant
                        .as_ref()
                        .and_then(|(_, expr)| self.discriminant(expr));
                    ast::EnumVariantDecl {
                        docs: annotated.docs,
                        attrs: annotated.attrs,
                        name: self.ident(&variant.ident),
                        value,
                        span: self.span(variant),
                    }
                })
                .collect();
            ast::ItemKind::Enum(variants)
        } else if all_single && !item.variants.is_empty() {
            let mut variants = Vec::new();
            for variant in &item.variants {
                let mut annotated = self.annotated(&variant.attrs);
                let number = self.number(&mut annotated);
                let syn::Fields::Unnamed(fields) = &variant.fields else {
                    continue;
                };
                let Some(ty) = self.type_expr(&fields.unnamed[0].ty) else {
                    continue;
                };
                variants.push(ast::UnionVariantDecl {
                    docs: annotated.docs,
                    attrs: annotated.attrs,
                    name: self.ident(&variant.ident),
                    number,
                    ty,
                    span: self.span(variant),
                });
            }
            ast::ItemKind::Union(variants)
        } else {
            // The first variant that differs from the first one's shape (or a struct variant).
            let is_unit = |v: &syn::Variant| matches!(v.fields, syn::Fields::Unit);
            let is_single = |v: &syn::Variant| matches!(&v.fields, syn::Fields::Unnamed(f) if f.unnamed.len() == 1);
            let first_is_unit = item.variants.first().is_some_and(is_unit);
            let culprit = item
                .variants
                .iter()
                .find(|v| if first_is_unit { !is_unit(v) } else { !is_single(v) })
                .map_or_else(|| self.span(&item.ident), |v| self.span(v));
            self.unsupported_item(
                culprit,
                format!(
                    "`{}` mixes variant shapes; a model enum has only unit variants (an enum) or only one-value variants (a union)",
                    item.ident
                ),
                "this variant",
                "write `Dog, Cat` for an enum, or `Added(Pet), Removed(PetRemoved)` for a union (one type per variant)",
            );
            return None;
        };
        Some(ast::ItemDecl {
            docs: annotated.docs,
            attrs: annotated.attrs,
            name: self.ident(&item.ident),
            kind,
            span: self.span(item),
        })
    }

    fn discriminant(&mut self, expr: &syn::Expr) -> Option<ast::NumberLit> {
        let (negative, literal) = match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(int),
                ..
            }) => (false, int),
            syn::Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Neg(_),
                expr,
                ..
            }) => match expr.as_ref() {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(int),
                    ..
                }) => (true, int),
                _ => return self.bad_discriminant(expr),
            },
            _ => return self.bad_discriminant(expr),
        };
        let digits = literal.base10_digits();
        Some(ast::NumberLit {
            raw: if negative {
                format!("-{digits}")
            } else {
                digits.to_string()
            },
            span: self.span(expr),
        })
    }

    fn bad_discriminant(&mut self, expr: &syn::Expr) -> Option<ast::NumberLit> {
        let span = self.span(expr);
        self.errors.push(
            Diagnostic::error(Code::E0043, span, "an enum value is a whole number")
                .label("not an integer literal")
                .help("write the value as a literal: `Other = 100`"),
        );
        None
    }

    fn type_expr(&mut self, ty: &syn::Type) -> Option<ast::TypeExpr> {
        match self.type_expr_inner(ty) {
            Ok(expr) => Some(expr),
            Err(diagnostic) => {
                self.errors.push(*diagnostic);
                None
            }
        }
    }

    fn unsupported_type(&self, ty: &dyn Spanned, written: &str, help: &str) -> Box<Diagnostic> {
        Box::new(
            Diagnostic::error(
                Code::E0081,
                span_of(ty.span(), self.file),
                format!("`{written}` is not a type omniface can map"),
            )
            .label("unsupported type")
            .help(help.to_string()),
        )
    }

    fn type_expr_inner(&self, ty: &syn::Type) -> Result<ast::TypeExpr, Box<Diagnostic>> {
        let span = self.span(ty);
        let written = written_type(ty);
        let syn::Type::Path(path) = ty else {
            if let syn::Type::Paren(inner) = ty {
                return self.type_expr_inner(&inner.elem);
            }
            return Err(self.unsupported_type(
                ty,
                &written,
                "use the scalars (bool, i32, i64, u32, u64, f32, f64, String, omniface::{Bytes, Timestamp, Duration, Uuid, Decimal}), Option, Vec, BTreeMap or a model type",
            ));
        };
        if path.qself.is_some() {
            return Err(self.unsupported_type(ty, &written, "name the type directly"));
        }
        let last = path.path.segments.last().expect("a type path has a segment");
        let name = last.ident.to_string();
        let args: Vec<&syn::Type> = match &last.arguments {
            syn::PathArguments::AngleBracketed(args) => args
                .args
                .iter()
                .filter_map(|arg| match arg {
                    syn::GenericArgument::Type(ty) => Some(ty),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let path_ident = |text: &str| ast::Ident {
            text: text.to_string(),
            span,
        };
        let plain = |kind| ast::TypeExpr {
            kind,
            optional: None,
            span,
        };
        match (name.as_str(), args.as_slice()) {
            ("Option", [inner]) => {
                let inner = self.type_expr_inner(inner)?;
                if inner.optional.is_some() {
                    return Err(Box::new(
                        Diagnostic::error(Code::E0032, span, "an optional value cannot be optional again")
                            .label("`Option` inside `Option`")
                            .help("use one `Option`: absent and null are the same on every protocol"),
                    ));
                }
                Ok(ast::TypeExpr {
                    optional: Some(span_of(last.ident.span(), self.file)),
                    span,
                    ..inner
                })
            }
            ("Box", [inner]) => self.type_expr_inner(inner),
            ("Vec", [item]) => Ok(plain(ast::TypeExprKind::List(Box::new(self.type_expr_inner(item)?)))),
            ("BTreeMap", [key, value]) => Ok(plain(ast::TypeExprKind::Map(
                Box::new(self.type_expr_inner(key)?),
                Box::new(self.type_expr_inner(value)?),
            ))),
            ("HashMap" | "IndexMap" | "HashSet" | "BTreeSet", _) => Err(self.unsupported_type(
                ty,
                &written,
                "use `BTreeMap<K, V>` for a map (its order is deterministic) or `Vec<T>` for a set",
            )),
            ("bool" | "i32" | "i64" | "u32" | "u64" | "f32" | "f64", []) => Ok(plain(ast::TypeExprKind::Path(path_ident(&name)))),
            ("String", []) => Ok(plain(ast::TypeExprKind::Path(path_ident("string")))),
            ("Bytes" | "Timestamp" | "Duration" | "Uuid" | "Decimal", []) => {
                Ok(plain(ast::TypeExprKind::Path(path_ident(&name.to_ascii_lowercase()))))
            }
            ("u8" | "i8" | "u16" | "i16" | "usize" | "isize" | "u128" | "i128" | "char", []) => Err(self.unsupported_type(
                ty,
                &written,
                "protocols carry 32- and 64-bit integers: use i32, i64, u32 or u64 (and omniface::Bytes for bytes)",
            )),
            ("str", []) => Err(self.unsupported_type(ty, &written, "use `String`")),
            (_, []) => {
                let segments: Vec<String> = path.path.segments.iter().map(|s| s.ident.to_string()).collect();
                let text = match self.index.resolve(self.module_index, &segments) {
                    Some((Some(package), name)) if Some(package.as_str()) != self.package => format!("{package}.{name}"),
                    Some((_, name)) => name,
                    None if self.index.plain.contains(&name) => {
                        return Err(Box::new(
                            Diagnostic::error(Code::E0022, span, format!("`{written}` is not a model type"))
                                .label("a Rust type without `#[derive(omniface::Model)]`")
                                .help(format!(
                                    "add `#[derive(omniface::Model)]` to `{name}`, so every protocol has its schema"
                                )),
                        ));
                    }
                    None => name,
                };
                Ok(plain(ast::TypeExprKind::Path(path_ident(&text))))
            }
            _ => Err(self.unsupported_type(
                ty,
                &written,
                "use Option<T>, Vec<T>, BTreeMap<K, V>, a scalar or a model type; generic types of your own are not mapped",
            )),
        }
    }

    fn service_decl(&mut self, item: &syn::ItemTrait) -> Option<ast::ItemDecl> {
        let attribute = service_attribute(&item.attrs)?;
        let mut annotated = self.annotated(&item.attrs);
        if let syn::Meta::List(list) = &attribute.meta {
            let metas: Vec<ast::Meta> = parse_metas(list.tokens.clone(), self.file, self.errors)
                .into_iter()
                .filter(|meta| meta.name.text != "package")
                .collect();
            if !metas.is_empty() {
                annotated.attrs.insert(
                    0,
                    ast::Attribute {
                        metas,
                        span: self.span(attribute),
                    },
                );
            }
        }
        if !self.no_generics(&item.generics, &item.ident) {
            return None;
        }
        let mut members = Vec::new();
        for member in &item.items {
            match member {
                syn::TraitItem::Fn(function) => {
                    if let Some(member) = self.service_member(function) {
                        members.push(member);
                    }
                }
                other => {
                    let span = self.span(other);
                    self.signature_error(
                        span,
                        "a service trait holds methods and events only",
                        "not a method",
                        "move associated types and constants out of the trait",
                    );
                }
            }
        }
        Some(ast::ItemDecl {
            docs: annotated.docs,
            attrs: annotated.attrs,
            name: self.ident(&item.ident),
            kind: ast::ItemKind::Service(members),
            span: self.span(item),
        })
    }

    fn signature_error(&mut self, span: Span, message: impl Into<String>, label: &str, help: &str) {
        self.errors
            .push(Diagnostic::error(Code::E0082, span, message).label(label).help(help));
    }

    fn service_member(&mut self, function: &syn::TraitItemFn) -> Option<ast::ServiceMember> {
        let mut annotated = self.annotated(&function.attrs);
        let signature = &function.sig;
        let name = self.ident(&signature.ident);
        if let Some(body) = &function.default {
            let span = self.span(body);
            self.signature_error(
                span,
                format!(
                    "`{}` has a body; service methods and events are declarations",
                    name.text
                ),
                "body here",
                "write the implementation in `impl YourService for YourType`; end the declaration with `;`",
            );
        }
        if !signature.generics.params.is_empty() {
            let span = self.span(&signature.generics);
            self.signature_error(
                span,
                format!("`{}` is generic", name.text),
                "generic parameters",
                "every protocol needs one concrete signature",
            );
            return None;
        }
        let mut inputs = signature.inputs.iter();
        let has_receiver = matches!(
            inputs.next(),
            Some(syn::FnArg::Receiver(syn::Receiver {
                kind: syn::ReceiverKind::Reference(_, _, None),
                ..
            }))
        );
        if !has_receiver {
            let span = self.span(&signature.ident);
            self.signature_error(
                span,
                format!("`{}` must take `&self`", name.text),
                "no `&self` receiver",
                "start the parameters with `&self`",
            );
            return None;
        }
        if let Some(event) = annotated.take("event") {
            if signature.asyncness.is_some() || !matches!(signature.output, syn::ReturnType::Default) {
                let span = self.span(signature);
                self.signature_error(
                    span,
                    format!("the event `{}` is declared as `fn {}(&self, …);`", name.text, name.text),
                    "events are not async and return nothing",
                    "drop `async` and the return type: the generated events handle publishes it",
                );
            }
            let params = inputs.filter_map(|input| self.param(input)).collect();
            let _ = event;
            return Some(ast::ServiceMember::Event(ast::EventDecl {
                docs: annotated.docs,
                attrs: annotated.attrs,
                name,
                params,
                span: self.span(function),
            }));
        }
        if signature.asyncness.is_none() {
            let span = self.span(&signature.fn_token);
            self.signature_error(
                span,
                format!("`{}` must be an `async fn`", name.text),
                "not async",
                "write `async fn`; for an event, mark it `#[omniface(event)]`",
            );
            return None;
        }
        let second = inputs.next();
        let has_context = second.is_some_and(is_context);
        if !has_context {
            let span = self.span(&signature.inputs);
            self.signature_error(
                span,
                format!("`{}` must take `ctx: &omniface::Context` after `&self`", name.text),
                "no context parameter",
                "write `async fn method(&self, ctx: &omniface::Context, …)`; the context carries the caller and its headers",
            );
        }
        // Without a context, the second input is an ordinary parameter: reading on reports the
        // method's other problems in the same run.
        let mut params: Vec<ast::FieldDecl> = Vec::new();
        if !has_context {
            params.extend(second.and_then(|input| self.param(input)));
        }
        // A context elsewhere than second was reported above; it is not a parameter.
        params.extend(
            inputs
                .filter(|input| !is_context(input))
                .filter_map(|input| self.param(input)),
        );
        let throws = self.throws(&mut annotated);
        let returns = self.returns(signature, &name, &throws)?;
        Some(ast::ServiceMember::Method(ast::MethodDecl {
            docs: annotated.docs,
            attrs: annotated.attrs,
            name,
            params,
            returns,
            throws,
            span: self.span(function),
        }))
    }

    fn param(&mut self, input: &syn::FnArg) -> Option<ast::FieldDecl> {
        let syn::FnArg::Typed(typed) = input else { return None };
        let syn::Pat::Ident(binding) = typed.pat.as_ref() else {
            let span = self.span(&typed.pat);
            self.signature_error(
                span,
                "a parameter is a plain name",
                "pattern",
                "name the parameter (`id: u64`): its name is part of every protocol's schema",
            );
            return None;
        };
        let mut annotated = self.annotated(&typed.attrs);
        let number = self.number(&mut annotated);
        let default = self.default(&mut annotated);
        let (stream, ty) = match typed.ty.as_ref() {
            syn::Type::Path(path)
                if path.qself.is_none() && path.path.segments.last().is_some_and(|s| s.ident == "Streaming") =>
            {
                let last = path.path.segments.last().expect("checked");
                match &last.arguments {
                    syn::PathArguments::AngleBracketed(args) => match args.args.first() {
                        Some(syn::GenericArgument::Type(item)) => {
                            (Some(span_of(last.ident.span(), self.file)), self.type_expr(item)?)
                        }
                        _ => (None, self.type_expr(&typed.ty)?),
                    },
                    _ => (None, self.type_expr(&typed.ty)?),
                }
            }
            other => (None, self.type_expr(other)?),
        };
        Some(ast::FieldDecl {
            docs: annotated.docs,
            attrs: annotated.attrs,
            name: self.ident(&binding.ident),
            number,
            stream,
            ty,
            default,
            span: self.span(typed),
        })
    }

    fn throws(&mut self, annotated: &mut Annotated) -> Vec<ast::Ident> {
        let Some(meta) = annotated.take("throws") else {
            return Vec::new();
        };
        let ast::MetaArgs::List(args) = meta.args else {
            self.errors.push(
                Diagnostic::error(Code::E0052, meta.span, "`throws` lists the errors a method declares")
                    .label("expected `throws(Error, …)`")
                    .help("write `#[omniface(throws(PetNotFound))]`, as `throws PetNotFound` in the IDL"),
            );
            return Vec::new();
        };
        args.into_iter()
            .filter_map(|arg| {
                let (text, span) = match arg {
                    ast::MetaArg::Meta(ast::Meta {
                        name,
                        args: ast::MetaArgs::None,
                        ..
                    }) => (name.text, name.span),
                    ast::MetaArg::Value(ast::Value {
                        kind: ast::ValueKind::Path(path),
                        span,
                    }) => (path, span),
                    other => {
                        self.errors.push(
                            Diagnostic::error(Code::E0052, other.span(), "`throws` lists error type names")
                                .label("not a type name")
                                .help("write `#[omniface(throws(PetNotFound, InvalidPhoto))]`"),
                        );
                        return None;
                    }
                };
                let segments: Vec<String> = text.split('.').map(str::to_string).collect();
                let text = match self.index.resolve(self.module_index, &segments) {
                    Some((Some(package), name)) if Some(package.as_str()) != self.package => {
                        format!("{package}.{name}")
                    }
                    Some((_, name)) => name,
                    None => text,
                };
                Some(ast::Ident { text, span })
            })
            .collect()
    }

    /// `Result<T, E>`: `()` is no value, `ServerStream<T>` a stream; `E` is `omniface::Error`, or
    /// `<Method>Error` (generated) when the method declares what it throws.
    fn returns(
        &mut self,
        signature: &syn::Signature,
        name: &ast::Ident,
        throws: &[ast::Ident],
    ) -> Option<Option<ast::ReturnDecl>> {
        let expected_error = format!("{}Error", upper_camel_case(&name.text));
        let error_help = if throws.is_empty() {
            format!(
                "return `Result<T, omniface::Error>`, or declare the errors with `#[omniface(throws(…))]` and return `Result<T, {expected_error}>`"
            )
        } else {
            format!(
                "a method that throws returns `Result<T, {expected_error}>`: the enum of its errors, generated by the macro"
            )
        };
        let syn::ReturnType::Type(_, output) = &signature.output else {
            let span = self.span(&signature.ident);
            self.signature_error(
                span,
                format!("`{}` must return a `Result`", name.text),
                "no return type",
                &error_help,
            );
            return None;
        };
        let result = match output.as_ref() {
            syn::Type::Path(path) => path.path.segments.last().filter(|s| s.ident == "Result"),
            _ => None,
        };
        let args: Vec<&syn::Type> = match result.map(|segment| &segment.arguments) {
            Some(syn::PathArguments::AngleBracketed(args)) => args
                .args
                .iter()
                .filter_map(|arg| match arg {
                    syn::GenericArgument::Type(ty) => Some(ty),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let [value, error] = args.as_slice() else {
            let span = self.span(output);
            self.signature_error(
                span,
                format!("`{}` must return a `Result`", name.text),
                "not `Result<T, E>`",
                &error_help,
            );
            return None;
        };
        let error_name = match error {
            syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let error_ok = match error_name.as_deref() {
            Some("Error") => throws.is_empty(),
            Some(other) => !throws.is_empty() && other == expected_error,
            None => false,
        };
        if !error_ok {
            let span = self.span(*error);
            self.signature_error(
                span,
                format!("`{}` returns the wrong error type", name.text),
                if throws.is_empty() {
                    "expected `omniface::Error`"
                } else {
                    "expected the method's error enum"
                },
                &error_help,
            );
        }
        let returns = match value {
            syn::Type::Tuple(tuple) if tuple.elems.is_empty() => None,
            syn::Type::Path(path)
                if path.qself.is_none() && path.path.segments.last().is_some_and(|s| s.ident == "ServerStream") =>
            {
                let last = path.path.segments.last().expect("checked");
                let item = match &last.arguments {
                    syn::PathArguments::AngleBracketed(args) => match args.args.first() {
                        Some(syn::GenericArgument::Type(item)) => item,
                        _ => *value,
                    },
                    _ => *value,
                };
                Some(ast::ReturnDecl {
                    stream: Some(span_of(last.ident.span(), self.file)),
                    ty: self.type_expr(item)?,
                })
            }
            other => Some(ast::ReturnDecl {
                stream: None,
                ty: self.type_expr(other)?,
            }),
        };
        Some(returns)
    }
}

/// A type as the user wrote it, for messages: tokens re-spaced the way rustfmt would.
fn written_type(ty: &syn::Type) -> String {
    let mut text = quote::ToTokens::to_token_stream(ty).to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
    ] {
        text = text.replace(from, to);
    }
    text
}

/// `ctx: &omniface::Context` (any path ending in `Context`, behind a shared reference).
fn is_context(input: &syn::FnArg) -> bool {
    match input {
        syn::FnArg::Typed(typed) => match typed.ty.as_ref() {
            syn::Type::Reference(reference) => matches!(
                reference.elem.as_ref(),
                syn::Type::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "Context")
            ),
            _ => false,
        },
        syn::FnArg::Receiver(_) => false,
    }
}
