//! The Rust front end: a crate's `#[derive(omniface::Model)]` types and `#[omniface::service]`
//! traits read into the IDL's syntax tree, then lowered and checked by the same code as `.idl`
//! files, so both front ends accept the same annotations, give the same errors (same codes) and
//! produce the same model ([ADR 0006](../../../docs/adr/0006-rust-front-end-reads-the-crate.md)).
//!
//! A Rust module is what an `.idl` file is: `omniface::package!("acme.pets.v1");` is its
//! `package` line (inherited by child modules), its `//!` docs are the package docs, and its
//! model types and services are the file's declarations. Type names resolve through the module's
//! own items, its `use` declarations, and finally a name unique in the crate.
//!
//! The proc macros call [`compile_crate`] on the crate they expand in (a proc macro sees one
//! item; the model needs them all), and `omniface export` calls it on a crate on disk.

mod items;
pub mod meta;
mod scan;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::Compilation;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::loader::LoadedFile;
use crate::source::{FileId, SourceDb, Span};
use crate::syntax::ast;

/// What [`compile_crate`] found and built.
pub struct RustCrate {
    /// The sources (the Rust files), the checked model and every diagnostic.
    pub compilation: Compilation,
    /// Qualified model name (`acme.common.v1.Money`) → the Rust path that names the type from
    /// anywhere in the crate (`crate::common::Money`).
    pub type_paths: BTreeMap<String, String>,
    /// Where each model type, service and package declaration is written, so a macro can find the
    /// part of the model that is its own.
    pub sites: Vec<Site>,
    /// Every file read, in module order (a file holding inline modules once).
    pub files: Vec<PathBuf>,
}

/// A declaration's place: the file (as read) and the 1-based line and 0-based column of its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub what: SiteKind,
    /// The declaration's span in the compilation's sources.
    pub span: Span,
    /// The spans of the whole item (attributes included), for picking its diagnostics.
    pub item_span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteKind {
    /// A model type, by qualified name.
    Type(String),
    /// A service: its package and name.
    Service { package: String, name: String },
    /// An `omniface::package!` invocation.
    Package(String),
}

/// Reads the crate whose root file is `root`, names its files relative to `base` (so diagnostics
/// and the model hold no machine paths), and lowers and checks every model type and service.
pub fn compile_crate(root: &Path, base: &Path) -> RustCrate {
    let modules = scan::modules(root);
    let mut files: Vec<PathBuf> = Vec::new();
    for module in &modules {
        if !files.contains(&module.file) {
            files.push(module.file.clone());
        }
    }
    let mut sources = SourceDb::new();
    let mut errors: Vec<Diagnostic> = Vec::new();

    // Every module gets its own source entry (inline modules repeat their file's text), because
    // a source entry is one IDL "file" with one package.
    let file_ids: Vec<FileId> = modules
        .iter()
        .map(|module| sources.add(display_name(&module.file, base), module.text.to_string()))
        .collect();

    let packages = items::module_packages(&modules, &file_ids, &mut errors);
    let index = items::Index::new(&modules, &packages);
    let mut sites = Vec::new();
    let mut type_paths = BTreeMap::new();
    let mut asts: Vec<(FileId, ast::SourceFileAst)> = Vec::new();
    for (position, module) in modules.iter().enumerate() {
        let file = file_ids[position];
        let mut lowering = items::Lowering {
            module,
            module_index: position,
            file,
            package: packages[position].as_ref().map(|p| p.name.as_str()),
            index: &index,
            errors: &mut errors,
            sites: &mut sites,
        };
        let decls = lowering.module_items();
        for (line, column, span) in items::package_invocations(module, file) {
            sites.push(Site {
                file: module.file.clone(),
                line,
                column,
                what: SiteKind::Package(packages[position].as_ref().map_or_else(String::new, |p| p.name.clone())),
                span,
                item_span: span,
            });
        }
        if decls.is_empty() {
            continue;
        }
        let Some(package) = &packages[position] else {
            let first = decls.first().map_or(Span::NONE, |decl| match decl {
                ast::Decl::Item(item) => item.name.span,
                _ => Span::NONE,
            });
            errors.push(
                Diagnostic::error(Code::E0010, first, "missing package declaration")
                    .label("this model item has no package")
                    .help("declare the module's package with `omniface::package!(\"acme.pets.v1\");`, or give the service one: `#[omniface::service(package = \"acme.pets.v1\")]`"),
            );
            continue;
        };
        for decl in &decls {
            if let ast::Decl::Item(item) = decl
                && !matches!(item.kind, ast::ItemKind::Service(_))
            {
                let mut rust_path = vec!["crate".to_string()];
                rust_path.extend(module.path.iter().cloned());
                rust_path.push(item.name.text.clone());
                type_paths.insert(format!("{}.{}", package.name, item.name.text), rust_path.join("::"));
            }
        }
        let mut all = vec![ast::Decl::Package(ast::PackageDecl {
            docs: Vec::new(),
            name: ast::Ident {
                text: package.name.clone(),
                span: package.span,
            },
            span: package.span,
        })];
        all.extend(decls);
        asts.push((
            file,
            ast::SourceFileAst {
                inner_docs: items::docs(&module.attrs, file),
                decls: all,
            },
        ));
    }

    // Every module may name any other's types (the Rust paths were resolved already), so each
    // "file" imports all the others.
    let all_files: Vec<FileId> = asts.iter().map(|(id, _)| *id).collect();
    let mut loaded: Vec<LoadedFile> = asts
        .into_iter()
        .map(|(id, ast)| {
            let decls = crate::lower::lower_file(&ast, &mut errors);
            LoadedFile {
                id,
                ast,
                decls,
                imports: all_files.iter().copied().filter(|other| *other != id).collect(),
            }
        })
        .collect();
    let (model, check_errors) = crate::check::check(&mut loaded, &sources);
    let mut diagnostics = Diagnostics::default();
    diagnostics.extend(errors);
    diagnostics.extend(check_errors);
    RustCrate {
        compilation: Compilation {
            sources,
            model,
            diagnostics: diagnostics.into_sorted(),
            timings: Vec::new(),
        },
        type_paths,
        sites,
        files,
    }
}

/// The root file of the crate in `manifest_dir` that holds `file` in its module tree: `src/lib.rs`
/// or `src/main.rs` when one of them does, else `file` itself (an integration test, an example,
/// a `src/bin` program or a trybuild case is its own crate root).
pub fn crate_root_for(manifest_dir: &Path, file: &Path) -> PathBuf {
    let wanted = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    for candidate in ["src/lib.rs", "src/main.rs"] {
        let root = manifest_dir.join(candidate);
        if !root.is_file() {
            continue;
        }
        let holds = scan::modules(&root)
            .iter()
            .any(|module| std::fs::canonicalize(&module.file).is_ok_and(|found| found == wanted));
        if holds {
            return root;
        }
    }
    file.to_path_buf()
}

/// A file's name relative to `base`, with `/` separators, or its file name when outside `base`.
fn display_name(file: &Path, base: &Path) -> String {
    let canonical = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let relative = file
        .strip_prefix(base)
        .map(Path::to_path_buf)
        .or_else(|_| canonical(file).strip_prefix(canonical(base)).map(Path::to_path_buf))
        .unwrap_or_else(|_| PathBuf::from(file.file_name().unwrap_or_default()));
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Diagnostics whose primary span lies in `span` (an item's), for the macro of that item.
pub fn diagnostics_within(diagnostics: &[Diagnostic], span: Span) -> Vec<&Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| {
            let primary = d.primary_span();
            primary.file == span.file && primary.start >= span.start && primary.end <= span.end
        })
        .collect()
}
