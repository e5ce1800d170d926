//! omniface's proc macros, the Rust front end of the omniface compiler: a thin shim. Each macro
//! reads the crate it expands in with `omniface_codegen::from_rust` (a proc macro sees one item;
//! the model needs them all), lowered and checked by the same code as `.idl` files, and expands to
//! what the same Rust backend writes for an `.idl` file: nothing here generates server code.
//!
//! - `#[derive(omniface::Model)]` adds a type's serde (JSON mapping), validation and protobuf
//!   impls;
//! - `#[omniface::service]` replaces the trait with the one the model gives (the same trait an
//!   `.idl` file gives), plus its errors, server, events handle, gRPC client and `XSpec`;
//! - `omniface::package!("acme.pets.v1")` declares the package of a module's items.
//!
//! Errors are the compiler's, with the same codes, reported by the macro of the item they are in
//! at the tokens they point at.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use omniface_codegen::diagnostic::Diagnostic;
use omniface_codegen::from_rust::{RustCrate, Site, SiteKind, compile_crate, crate_root_for, diagnostics_within};
use omniface_codegen::source::Span;
use omniface_codegen::targets::rust::{DocumentTexts, existing_service, existing_type_impls, proto_file_paths};
use omniface_codegen::targets::{Options, Target, generate};
use proc_macro2::{TokenStream, TokenTree};

/// Makes a struct or enum an omniface model type. See the crate docs of `omniface`.
#[proc_macro_derive(Model, attributes(omniface))]
pub fn derive_model(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = TokenStream::from(input);
    let ident = match syn::parse2::<syn::DeriveInput>(input.clone()) {
        Ok(parsed) => parsed.ident,
        Err(error) => return error.to_compile_error().into(),
    };
    expand(&ident, &[&input], |krate, site| match &site.what {
        SiteKind::Type(qualified) => {
            let model = krate.compilation.checked_model()?;
            existing_type_impls(model, &krate.type_paths, qualified)
        }
        _ => None,
    })
    .into()
}

/// Serves a trait on every protocol. See the crate docs of `omniface`.
#[proc_macro_attribute]
pub fn service(args: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let (args, item) = (TokenStream::from(args), TokenStream::from(item));
    let parsed = match syn::parse2::<syn::ItemTrait>(item.clone()) {
        Ok(parsed) => parsed,
        Err(error) => return error.to_compile_error().into(),
    };
    let mut expansion = expand(&parsed.ident, &[&item, &args], |krate, site| match &site.what {
        SiteKind::Service { package, name } => {
            let model = krate.compilation.checked_model()?;
            existing_service(model, &krate.type_paths, package, name, &documents(krate, package))
        }
        _ => None,
    });
    expansion.extend(signatures_as_written(&parsed));
    expansion.into()
}

/// The trait's signatures as the user wrote them, as function pointer types nobody uses: the
/// generated trait names every type by its full path, so this keeps the user's imports used and
/// type-checks what they wrote, where they wrote it.
fn signatures_as_written(service: &syn::ItemTrait) -> TokenStream {
    let signatures = service.items.iter().filter_map(|item| match item {
        syn::TraitItem::Fn(function) => {
            let inputs = function.sig.inputs.iter().filter_map(|input| match input {
                syn::FnArg::Typed(typed) => Some(&typed.ty),
                syn::FnArg::Receiver(_) => None,
            });
            let output = match &function.sig.output {
                syn::ReturnType::Type(_, ty) => quote::quote!(-> #ty),
                syn::ReturnType::Default => TokenStream::new(),
            };
            Some(quote::quote!(fn(#(#inputs),*) #output))
        }
        _ => None,
    });
    quote::quote! {
        #[allow(dead_code, clippy::type_complexity)]
        const _: () = {
            struct SignaturesAsWritten(#(#signatures),*);
        };
    }
}

/// Declares the package of the module's model types and services, like `package …;` in an
/// `.idl` file: `omniface::package!("acme.pets.v1");`. Child modules inherit it.
#[proc_macro]
pub fn package(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = TokenStream::from(input);
    // The front end reads the invocation (and reports a non-string with its code); this only
    // needs where the argument starts.
    let Some(span) = input.clone().into_iter().next().map(|token| token.span()) else {
        return syn::Error::new(proc_macro2::Span::call_site(), "[E0015] `omniface::package!` takes the package name as a string\n= help: write `omniface::package!(\"acme.pets.v1\");`").to_compile_error().into();
    };
    let Some(file) = span.local_file() else {
        return TokenStream::new().into();
    };
    let krate = match crate_for(&file) {
        Ok(krate) => krate,
        Err(message) => return syn::Error::new(span, message).to_compile_error().into(),
    };
    let start = span.start();
    let site = krate.sites.iter().find(|site| {
        matches!(site.what, SiteKind::Package(_))
            && site.line == start.line
            && site.column == start.column
            && same_file(&site.file, &file)
    });
    match site {
        Some(site) => report(&krate, within(&krate, site.item_span), &[&input]),
        None => TokenStream::new(),
    }
    .into()
}

/// Finds the item named `ident` in the crate's compilation, reports the diagnostics that are its
/// own (the service also those that belong to no item), and otherwise expands to `generate`'s.
fn expand(
    ident: &syn::Ident,
    inputs: &[&TokenStream],
    generate: impl FnOnce(&RustCrate, &Site) -> Option<TokenStream>,
) -> TokenStream {
    let span = ident.span();
    let Some(file) = span.local_file() else {
        return syn::Error::new(
            span,
            "omniface cannot tell which file this item is in (the macros read the crate's source files; rustc 1.88 or later is needed)",
        )
        .to_compile_error();
    };
    let krate = match crate_for(&file) {
        Ok(krate) => krate,
        Err(message) => return syn::Error::new(span, message).to_compile_error(),
    };
    let start = span.start();
    let Some(site) = krate
        .sites
        .iter()
        .find(|site| site.line == start.line && site.column == start.column && same_file(&site.file, &file))
    else {
        return syn::Error::new(
            span,
            format!(
                "omniface did not find `{ident}` in the crate's modules: model types and services must be written in a module of the crate (not in a function or another macro's output)"
            ),
        )
        .to_compile_error();
    };
    let mut own = within(&krate, site.item_span);
    if matches!(site.what, SiteKind::Service { .. }) {
        own.extend(orphans(&krate));
    }
    if !own.is_empty() {
        return report(&krate, own, inputs);
    }
    generate(&krate, site).unwrap_or_default()
}

/// The diagnostics whose primary span is inside `span`.
fn within(krate: &RustCrate, span: Span) -> Vec<&Diagnostic> {
    diagnostics_within(&krate.compilation.diagnostics, span)
}

/// Diagnostics in no item's span (such as a package name's), reported by the services.
fn orphans(krate: &RustCrate) -> Vec<&Diagnostic> {
    krate
        .compilation
        .diagnostics
        .iter()
        .filter(|d| {
            let primary = d.primary_span();
            !krate.sites.iter().any(|site| {
                primary.file == site.item_span.file
                    && primary.start >= site.item_span.start
                    && primary.end <= site.item_span.end
            })
        })
        .collect()
}

/// Each diagnostic as a `compile_error!` at the input tokens it points at (the whole input's
/// first token when none match), with its code, labels, help and notes in the message.
fn report(krate: &RustCrate, diagnostics: Vec<&Diagnostic>, inputs: &[&TokenStream]) -> TokenStream {
    let mut tokens = Vec::new();
    for input in inputs {
        flatten(input, &mut tokens);
    }
    let sources = &krate.compilation.sources;
    let mut out = TokenStream::new();
    for diagnostic in diagnostics {
        let primary = diagnostic.primary_span();
        let (start, end) = match sources.get(primary.file).filter(|_| !primary.is_none()) {
            Some(file) => (
                file.line_col(primary.start as usize),
                file.line_col(primary.end as usize),
            ),
            None => ((0, 0), (0, 0)),
        };
        // Source columns are 1-based; proc_macro2's are 0-based.
        let position = |span: proc_macro2::Span, at_end: bool| {
            let point = if at_end { span.end() } else { span.start() };
            (point.line, point.column + 1)
        };
        let first = tokens
            .iter()
            .find(|t| position(t.span(), false) >= start && position(t.span(), true) <= end);
        let last = tokens
            .iter()
            .rev()
            .find(|t| position(t.span(), true) <= end && position(t.span(), false) >= start);
        let spanned: TokenStream = match (first, last) {
            (Some(first), Some(last)) => [first.clone(), last.clone()].into_iter().collect(),
            // A span inside one token (a placeholder in a path string): that token.
            _ => tokens
                .iter()
                .find(|t| position(t.span(), false) <= start && position(t.span(), true) >= end)
                .or(tokens.first())
                .cloned()
                .into_iter()
                .collect(),
        };
        let message = message(krate, diagnostic);
        out.extend(syn::Error::new_spanned(spanned, message).to_compile_error());
    }
    out
}

fn flatten(stream: &TokenStream, out: &mut Vec<TokenTree>) {
    for token in stream.clone() {
        match &token {
            TokenTree::Group(group) => {
                let mut open = proc_macro2::Punct::new('<', proc_macro2::Spacing::Alone);
                open.set_span(group.span_open());
                out.push(TokenTree::Punct(open));
                flatten(&group.stream(), out);
                let mut close = proc_macro2::Punct::new('>', proc_macro2::Spacing::Alone);
                close.set_span(group.span_close());
                out.push(TokenTree::Punct(close));
            }
            _ => out.push(token),
        }
    }
}

/// `[E0050] unknown annotation `lenght`: the label`, then the secondary labels, notes and help.
fn message(krate: &RustCrate, diagnostic: &Diagnostic) -> String {
    let mut text = format!("[{}] {}", diagnostic.code, diagnostic.message);
    for label in &diagnostic.labels {
        if label.primary && !label.message.is_empty() {
            text.push_str(&format!(": {}", label.message));
        }
    }
    for label in diagnostic.labels.iter().filter(|l| !l.primary) {
        let place = krate
            .compilation
            .sources
            .get(label.span.file)
            .map(|file| {
                let (line, column) = file.line_col(label.span.start as usize);
                format!("{}:{line}:{column}", file.name)
            })
            .unwrap_or_default();
        text.push_str(&format!("\n= note: {} ({place})", label.message));
    }
    for note in &diagnostic.notes {
        text.push_str(&format!("\n= note: {note}"));
    }
    if let Some(help) = &diagnostic.help {
        text.push_str(&format!("\n= help: {help}"));
    }
    text
}

/// The six spec documents of `package`, as the service embeds them.
fn documents(krate: &RustCrate, package: &str) -> DocumentTexts {
    let model = &krate.compilation.model;
    let files = generate(
        model,
        &[
            Target::Openapi,
            Target::Proto,
            Target::Graphql,
            Target::Wsdl,
            Target::Asyncapi,
            Target::Openrpc,
        ],
        &Options::default(),
    );
    let text = |path: String| {
        files
            .iter()
            .find(|file| file.path == Path::new(&path))
            .map(|file| file.contents.clone())
            .unwrap_or_default()
    };
    DocumentTexts {
        openapi: text(format!("openapi/{package}.openapi.json")),
        graphql: text(format!("graphql/{package}.graphql")),
        wsdl: text(format!("wsdl/{package}.wsdl")),
        asyncapi: text(format!("asyncapi/{package}.asyncapi.json")),
        openrpc: text(format!("openrpc/{package}.openrpc.json")),
        proto_files: proto_file_paths(model, package)
            .into_iter()
            .map(|path| {
                let contents = text(format!("proto/{path}"));
                (path, contents)
            })
            .collect(),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || std::fs::canonicalize(a)
            .ok()
            .zip(std::fs::canonicalize(b).ok())
            .is_some_and(|(a, b)| a == b)
}

/// One crate compiled, and the files (with their modification times and sizes) it was read from.
struct Cached {
    root: PathBuf,
    fingerprint: Vec<(PathBuf, Option<SystemTime>, u64)>,
    krate: Arc<RustCrate>,
}

/// Compilations of the crates expanded in this process: rustc expands every macro of a crate in
/// one process, and rust-analyzer keeps its proc-macro server alive, so each crate is read and
/// checked once until one of its files changes.
static CACHE: Mutex<Vec<Cached>> = Mutex::new(Vec::new());

fn fingerprint(files: &[PathBuf]) -> Vec<(PathBuf, Option<SystemTime>, u64)> {
    files
        .iter()
        .map(|file| {
            let metadata = std::fs::metadata(file).ok();
            (
                file.clone(),
                metadata.as_ref().and_then(|m| m.modified().ok()),
                metadata.map_or(0, |m| m.len()),
            )
        })
        .collect()
}

/// The compilation of the crate that `file` belongs to.
fn crate_for(file: &Path) -> Result<Arc<RustCrate>, String> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or("omniface's macros run under cargo (CARGO_MANIFEST_DIR is not set)")?;
    let root = crate_root_for(&manifest_dir, file);
    let mut cache = CACHE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(hit) = cache
        .iter()
        .find(|entry| entry.root == root && entry.fingerprint == fingerprint(&entry.krate.files))
    {
        return Ok(hit.krate.clone());
    }
    // The crate's files are parsed with proc-macro2's own lexer, which knows byte offsets
    // (the compiler's spans do not give them to a proc macro); the output is built after.
    struct Unforce;
    impl Drop for Unforce {
        fn drop(&mut self) {
            // Even if reading panics: later macros must build compiler tokens again.
            proc_macro2::fallback::unforce();
        }
    }
    proc_macro2::fallback::force();
    let unforce = Unforce;
    let krate = compile_crate(&root, &manifest_dir);
    drop(unforce);
    let krate = Arc::new(krate);
    cache.retain(|entry| entry.root != root);
    cache.push(Cached {
        root,
        fingerprint: fingerprint(&krate.files),
        krate: krate.clone(),
    });
    Ok(krate)
}
