//! Reads the files named on the command line and everything they import, in a stable order, and
//! reports unreadable files, missing imports and import cycles.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic};
use crate::lower::{FileDecls, lower_file};
use crate::source::{FileId, SourceDb, Span};
use crate::syntax::{self, ast::SourceFileAst};

/// Where source text comes from: the file system for the CLI and build scripts, memory for tests.
pub trait FileSource {
    fn read(&self, path: &str) -> std::io::Result<Vec<u8>>;
}

/// Reads real files.
pub struct Disk;

impl FileSource for Disk {
    fn read(&self, path: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

/// Files held in memory, by name.
#[derive(Default)]
pub struct InMemory(pub HashMap<String, String>);

impl FileSource for InMemory {
    fn read(&self, path: &str) -> std::io::Result<Vec<u8>> {
        self.0
            .get(path)
            .map(|text| text.clone().into_bytes())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }
}

/// One parsed and lowered file.
pub struct LoadedFile {
    pub id: FileId,
    pub ast: SourceFileAst,
    pub decls: FileDecls,
    /// Files this one imports, resolved, in import order.
    pub imports: Vec<FileId>,
}

pub struct Loaded {
    /// Time spent parsing and lowering, over all files.
    pub parse_time: std::time::Duration,
    pub lower_time: std::time::Duration,
    pub sources: SourceDb,
    /// In load order: each root, then (depth first) what it imports.
    pub files: Vec<LoadedFile>,
    pub errors: Vec<Diagnostic>,
}

/// Loads the roots and, transitively, their imports. Names stay as the user spelled them, joined
/// lexically, so diagnostics and output do not depend on the machine.
pub fn load(roots: &[String], source: &dyn FileSource) -> Loaded {
    let mut loader = Loader {
        source,
        sources: SourceDb::new(),
        files: Vec::new(),
        by_path: HashMap::new(),
        errors: Vec::new(),
        parse_time: Default::default(),
        lower_time: Default::default(),
    };
    for root in roots {
        let path = normalize(Path::new(root));
        let mut stack = Vec::new();
        loader.visit(&path, None, &mut stack);
    }
    Loaded {
        parse_time: loader.parse_time,
        lower_time: loader.lower_time,
        sources: loader.sources,
        files: loader.files,
        errors: loader.errors,
    }
}

struct Loader<'a> {
    source: &'a dyn FileSource,
    sources: SourceDb,
    files: Vec<LoadedFile>,
    by_path: HashMap<String, Option<FileId>>,
    errors: Vec<Diagnostic>,
    parse_time: std::time::Duration,
    lower_time: std::time::Duration,
}

impl Loader<'_> {
    /// Returns the file's id once loaded; `stack` holds the chain of files being imported, for
    /// naming cycles.
    fn visit(&mut self, path: &str, imported_at: Option<Span>, stack: &mut Vec<(String, Span)>) -> Option<FileId> {
        if let Some(position) = stack.iter().position(|(p, _)| p == path) {
            let mut chain: Vec<&str> = stack[position..].iter().map(|(p, _)| p.as_str()).collect();
            chain.push(path);
            let span = imported_at.unwrap_or(Span::NONE);
            self.errors.push(
                Diagnostic::error(Code::E0013, span, format!("import cycle: {}", chain.join(" → ")))
                    .label("this import closes the cycle")
                    .help("move the shared types into a file that both import"),
            );
            // The file is loaded already: keep it visible so the cycle is the only error.
            return self.by_path.get(path).copied().flatten();
        }
        if let Some(known) = self.by_path.get(path) {
            return *known;
        }
        let bytes = match self.source.read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                let (code, message) = match imported_at {
                    Some(_) => (Code::E0012, format!("imported file `{path}` not found")),
                    None => (Code::E0003, format!("cannot read `{path}`: {error}")),
                };
                let mut diagnostic =
                    Diagnostic::error(code, imported_at.unwrap_or(Span::NONE), message).label(error.to_string());
                if imported_at.is_some() {
                    diagnostic = diagnostic.help("import paths are relative to the importing file");
                }
                self.errors.push(diagnostic);
                self.by_path.insert(path.to_string(), None);
                return None;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let valid_up_to = error.utf8_error().valid_up_to();
                let lossy = String::from_utf8_lossy(error.as_bytes()).into_owned();
                let id = self.sources.add(path, lossy);
                self.errors.push(
                    Diagnostic::error(
                        Code::E0004,
                        Span::new(id, valid_up_to..valid_up_to + 1),
                        format!("`{path}` is not valid UTF-8"),
                    )
                    .label("invalid byte sequence here")
                    .help("save the file as UTF-8"),
                );
                self.by_path.insert(path.to_string(), None);
                return None;
            }
        };
        let id = self.sources.add(path, text);
        self.by_path.insert(path.to_string(), Some(id));
        let text = self.sources.get(id).map(|f| f.text.clone()).unwrap_or_default();
        let parse_start = std::time::Instant::now();
        let (ast, mut errors) = syntax::parse(id, &text);
        let lower_start = std::time::Instant::now();
        let decls = lower_file(&ast, &mut errors);
        self.parse_time += lower_start - parse_start;
        self.lower_time += lower_start.elapsed();
        self.errors.extend(errors);
        if decls.package.is_none() {
            self.errors.push(
                Diagnostic::error(
                    Code::E0010,
                    Span::new(id, 0..0),
                    format!("`{path}` has no package declaration"),
                )
                .label("expected `package …;` here")
                .help("start the file with e.g. `package acme.pets.v1;`"),
            );
        }
        let index = self.files.len();
        let import_list = decls.imports.clone();
        self.files.push(LoadedFile {
            id,
            ast,
            decls,
            imports: Vec::new(),
        });
        stack.push((path.to_string(), imported_at.unwrap_or(Span::NONE)));
        let directory = Path::new(path).parent().map(Path::to_path_buf).unwrap_or_default();
        let mut imports = Vec::new();
        for (import, span) in import_list {
            let target = normalize(&directory.join(&import));
            if let Some(imported) = self.visit(&target, Some(span), stack) {
                imports.push(imported);
            }
        }
        stack.pop();
        self.files[index].imports = imports;
        Some(id)
    }
}

/// Joins `.` and `..` lexically and uses `/` separators, without touching the file system.
fn normalize(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut prefix = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::RootDir | Component::Prefix(_) => prefix.push(component.as_os_str()),
        }
    }
    let joined = parts.join("/");
    if prefix.as_os_str().is_empty() {
        joined
    } else {
        format!(
            "{}{}",
            prefix.to_string_lossy().trim_end_matches('/'),
            format_args!("/{joined}")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(
            normalize(Path::new("examples/./a/../common.idl")),
            "examples/common.idl"
        );
        assert_eq!(normalize(Path::new("../x.idl")), "../x.idl");
        assert_eq!(normalize(Path::new("/abs/x.idl")), "/abs/x.idl");
    }
}
