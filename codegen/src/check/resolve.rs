//! Merges files into packages and resolves type names. A name resolves to a type of the file's own
//! package first, else to a type declared in a directly imported file; a dotted name must be the
//! fully qualified name of such a type.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::loader::LoadedFile;
use crate::model::*;
use crate::source::{FileId, SourceDb, Span};
use crate::syntax::lexical;

/// Where a type came from, for visibility.
struct Declared {
    package: String,
    file: FileId,
}

pub fn merge_and_resolve(files: &mut [LoadedFile], sources: &SourceDb, errors: &mut Vec<Diagnostic>) -> Model {
    let mut model = Model::default();
    // Qualified name -> (package, file) of every type, first declaration wins (duplicates are
    // reported by the rules).
    let mut declared: HashMap<String, Declared> = HashMap::new();
    // Services by qualified name, to tell "a service is not a type" from "unknown type".
    let mut services: HashMap<String, Declared> = HashMap::new();
    for file in files.iter_mut() {
        let Some((package_name, package_span)) = &file.decls.package else {
            continue;
        };
        let index = match model.packages.iter().position(|p| &p.name == package_name) {
            Some(index) => index,
            None => {
                model.packages.push(Package {
                    name: package_name.clone(),
                    span: *package_span,
                    ..Package::default()
                });
                model.packages.len() - 1
            }
        };
        let package = &mut model.packages[index];
        package
            .files
            .push(sources.get(file.id).map(|f| f.name.clone()).unwrap_or_default());
        package.docs.0.extend(file.decls.docs.0.iter().cloned());
        for ty in &file.decls.types {
            declared
                .entry(format!("{package_name}.{}", ty.name))
                .or_insert(Declared {
                    package: package_name.clone(),
                    file: file.id,
                });
        }
        for service in &file.decls.services {
            services
                .entry(format!("{package_name}.{}", service.name))
                .or_insert(Declared {
                    package: package_name.clone(),
                    file: file.id,
                });
        }
        // Moved, not copied: the lowered declarations are not needed once merged.
        package.types.append(&mut file.decls.types);
        package.services.append(&mut file.decls.services);
    }

    // Which files each file may see types from: itself, its package, and its direct imports.
    let package_of: HashMap<FileId, &str> = files
        .iter()
        .filter_map(|f| f.decls.package.as_ref().map(|(p, _)| (f.id, p.as_str())))
        .collect();
    let imports_of: HashMap<FileId, BTreeSet<FileId>> = files
        .iter()
        .map(|f| (f.id, f.imports.iter().copied().collect()))
        .collect();

    let resolver = Resolver {
        declared: &declared,
        services: &services,
        sources,
        package_of: &package_of,
        imports_of: &imports_of,
        spelled: std::cell::OnceCell::new(),
    };
    for package in &mut model.packages {
        for ty in &mut package.types {
            let file = ty.span.file;
            match &mut ty.kind {
                TypeKind::Struct(s) => resolver.fields(&mut s.fields, file, errors),
                TypeKind::Error(e) => resolver.fields(&mut e.fields, file, errors),
                TypeKind::Union(u) => {
                    for variant in &mut u.variants {
                        resolver.type_ref(&mut variant.ty, variant.ty_span, file, errors);
                    }
                }
                TypeKind::Enum(_) => {}
            }
        }
        for service in &mut package.services {
            let file = service.span.file;
            for method in &mut service.methods {
                for param in &mut method.params {
                    resolver.type_ref(&mut param.field.ty, param.field.ty_span, file, errors);
                }
                if let Some(returns) = &mut method.returns {
                    resolver.type_ref(returns, method.returns_span, file, errors);
                }
                for (index, thrown) in method.throws.iter_mut().enumerate() {
                    let span = method.throws_spans.get(index).copied().unwrap_or(method.span);
                    let mut as_ref = TypeRef::Named(thrown.clone());
                    resolver.type_ref(&mut as_ref, span, file, errors);
                    if let TypeRef::Named(resolved) = as_ref {
                        *thrown = resolved;
                    }
                }
            }
            for event in &mut service.events {
                for param in &mut event.params {
                    resolver.type_ref(&mut param.field.ty, param.field.ty_span, file, errors);
                }
            }
        }
    }
    model
}

struct Resolver<'a> {
    declared: &'a HashMap<String, Declared>,
    services: &'a HashMap<String, Declared>,
    sources: &'a SourceDb,
    package_of: &'a HashMap<FileId, &'a str>,
    imports_of: &'a HashMap<FileId, BTreeSet<FileId>>,
    /// Per file, the names written after `struct`, `error`, `enum` or `union` outside comments
    /// and strings; scanned once, on the first unknown type.
    spelled: std::cell::OnceCell<HashMap<FileId, HashSet<&'a str>>>,
}

impl<'a> Resolver<'a> {
    fn fields(&self, fields: &mut [Field], file: FileId, errors: &mut Vec<Diagnostic>) {
        for field in fields {
            self.type_ref(&mut field.ty, field.ty_span, file, errors);
        }
    }

    fn visible(&self, from: FileId, declared: &Declared) -> bool {
        self.package_of.get(&from).is_some_and(|p| *p == declared.package)
            || self
                .imports_of
                .get(&from)
                .is_some_and(|imports| imports.contains(&declared.file))
    }

    fn type_ref(&self, ty: &mut TypeRef, span: Span, file: FileId, errors: &mut Vec<Diagnostic>) {
        match ty {
            TypeRef::Scalar(_) => {}
            TypeRef::List(inner) | TypeRef::Optional(inner) => self.type_ref(inner, span, file, errors),
            TypeRef::Map(key, value) => {
                self.type_ref(key, span, file, errors);
                self.type_ref(value, span, file, errors);
            }
            TypeRef::Named(name) => {
                let span = self.narrow(span, name);
                if let Some(resolved) = self.resolve(name, span, file, errors) {
                    *name = resolved;
                }
            }
        }
    }

    fn resolve(&self, name: &str, span: Span, file: FileId, errors: &mut Vec<Diagnostic>) -> Option<String> {
        let own_package = self.package_of.get(&file).copied().unwrap_or("");
        if name.contains('.') {
            return match self.declared.get(name) {
                Some(declared) if self.visible(file, declared) => Some(name.to_string()),
                Some(_) => {
                    errors.push(
                        Diagnostic::error(Code::E0022, span, format!("type `{name}` is not imported here"))
                            .label("declared in a file this file does not import")
                            .help("add an `import \"….idl\";` for the file that declares it"),
                    );
                    None
                }
                None => {
                    errors.extend(self.unknown(name, span, file));
                    None
                }
            };
        }
        let own = format!("{own_package}.{name}");
        if self.declared.contains_key(&own) {
            return Some(own);
        }
        let mut candidates: Vec<&String> = self
            .declared
            .iter()
            .filter(|(qualified, declared)| {
                qualified.rsplit_once('.').is_some_and(|(_, short)| short == name)
                    && declared.package != own_package
                    && self.visible(file, declared)
            })
            .map(|(qualified, _)| qualified)
            .collect();
        candidates.sort();
        match candidates.as_slice() {
            [one] => Some((*one).clone()),
            [] => {
                errors.extend(self.unknown(name, span, file));
                None
            }
            many => {
                let names: Vec<String> = many.iter().map(|c| format!("`{c}`")).collect();
                errors.push(
                    Diagnostic::error(Code::E0023, span, format!("`{name}` is ambiguous"))
                        .label(format!("could be {}", names.join(" or ")))
                        .help("write the fully qualified name"),
                );
                None
            }
        }
    }

    /// The part of a type expression's span that spells `name` (`Pet` in `list<Pet>`), or the
    /// whole span when it cannot be found.
    fn narrow(&self, span: Span, name: &str) -> Span {
        let text = self.sources.snippet(span);
        let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
        let found = text
            .match_indices(name)
            .find(|(at, _)| !text[..*at].ends_with(is_name_char) && !text[at + name.len()..].starts_with(is_name_char));
        match found {
            Some((at, _)) => Span::new(
                span.file,
                span.start as usize + at..span.start as usize + at + name.len(),
            ),
            None => span,
        }
    }

    /// The error for a name that is not a visible type: a service named where a type belongs, or
    /// an unknown name (with a hint). `None` when a visible file declares the type in a
    /// declaration that failed to parse: that syntax error is reported already.
    fn unknown(&self, name: &str, span: Span, file: FileId) -> Option<Diagnostic> {
        let service = if name.contains('.') {
            self.services.contains_key(name)
        } else {
            self.services.iter().any(|(qualified, declared)| {
                qualified.rsplit_once('.').is_some_and(|(_, short)| short == name) && self.visible(file, declared)
            })
        };
        if service {
            return Some(
                Diagnostic::error(Code::E0024, span, format!("`{name}` is a service, not a type"))
                    .label("a service cannot be used as a type")
                    .help("declare a struct with the data to carry, and use it here"),
            );
        }
        if self.declared_in_unparsed_item(name, file) {
            return None;
        }
        let mut visible: Vec<String> = self
            .declared
            .iter()
            .filter(|(_, declared)| self.visible(file, declared))
            .flat_map(|(qualified, _)| {
                let short = qualified.rsplit_once('.').map_or(qualified.as_str(), |(_, s)| s);
                [qualified.clone(), short.to_string()]
            })
            .collect();
        visible.extend(Scalar::ALL.iter().map(|s| s.name().to_string()));
        visible.sort();
        visible.dedup();
        let suggestion = did_you_mean(name, visible.iter().map(String::as_str));
        let hidden = self
            .declared
            .iter()
            .filter(|(qualified, declared)| {
                !self.visible(file, declared) && qualified.rsplit_once('.').is_some_and(|(_, short)| short == name)
            })
            .map(|(qualified, _)| qualified.clone())
            .min();
        let help = match (suggestion, hidden) {
            (_, Some(hidden)) => Some(format!("`{hidden}` exists but its file is not imported here")),
            (Some(suggestion), None) => Some(format!("did you mean `{suggestion}`?")),
            (None, None) if Scalar::from_name(&name.to_ascii_lowercase()).is_some() => {
                Some(format!("scalar names are lowercase: `{}`", name.to_ascii_lowercase()))
            }
            (None, None) => Some(format!(
                "declare `{name}` in this package, or import the file that declares it"
            )),
        };
        Some(
            Diagnostic::error(Code::E0022, span, format!("unknown type `{name}`"))
                .label("not a scalar or a type declared or imported here")
                .help_opt(help),
        )
    }

    /// Whether `from`, its package or a file it imports spells out `struct|error|enum|union name`
    /// outside comments and strings although no such type was declared: the declaration did not
    /// parse (or its file has no package), which is reported already.
    fn declared_in_unparsed_item(&self, name: &str, from: FileId) -> bool {
        let (qualifier, short) = name.rsplit_once('.').map_or((None, name), |(q, s)| (Some(q), s));
        let own_package = self.package_of.get(&from);
        self.sources.files().any(|(id, _)| {
            let package = self.package_of.get(&id).copied();
            let related = id == from
                || (own_package.is_some() && package == own_package.copied())
                || self.imports_of.get(&from).is_some_and(|imports| imports.contains(&id));
            // A file without a package declares nothing; that is reported already.
            let unparsed = match package {
                Some(package) => {
                    qualifier.is_none_or(|q| q == package) && !self.declared.contains_key(&format!("{package}.{short}"))
                }
                None => true,
            };
            related && unparsed && self.spelled().get(&id).is_some_and(|names| names.contains(short))
        })
    }

    fn spelled(&self) -> &HashMap<FileId, HashSet<&'a str>> {
        self.spelled.get_or_init(|| {
            self.sources
                .files()
                .map(|(id, source)| {
                    let names = words(&source.text)
                        .windows(2)
                        .filter(|pair| matches!(pair[0], "struct" | "error" | "enum" | "union"))
                        .map(|pair| pair[1])
                        .collect();
                    (id, names)
                })
                .collect()
        })
    }
}

/// The identifiers and punctuation of a file, without comments and string literals.
fn words(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(end) = lexical::non_code_end(bytes, i) {
            i = end;
            continue;
        }
        if bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(&text[start..i]);
        } else if bytes[i].is_ascii_whitespace() {
            i += 1;
        } else {
            let len = text[i..].chars().next().map_or(1, char::len_utf8);
            out.push(&text[i..i + len]);
            i += len;
        }
    }
    out
}
