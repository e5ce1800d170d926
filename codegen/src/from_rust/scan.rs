//! Finds a crate's modules the way rustc does: from the root file, through `mod name;` (in
//! `name.rs`, `name/mod.rs` or a `#[path]`) and inline `mod name { … }`, in declaration order.

use std::path::{Path, PathBuf};

/// One module: where its items are written and what it contains.
pub struct Module {
    /// The names from the crate root: `[]` for the root, `["common"]` for `crate::common`.
    pub path: Vec<String>,
    /// The file the module's items are written in.
    pub file: PathBuf,
    /// The file's text (shared by the inline modules it holds).
    pub text: std::sync::Arc<str>,
    /// The module's inner attributes (its `//!` docs among them).
    pub attrs: Vec<syn::Attribute>,
    pub items: Vec<syn::Item>,
}

/// Every module reachable from `root`, parents before children. Files that cannot be read or
/// parsed are skipped: rustc reports those itself.
pub fn modules(root: &Path) -> Vec<Module> {
    let mut out = Vec::new();
    visit_file(root, Vec::new(), true, &mut out, 0);
    out
}

/// Deeper module trees than this are not followed (a `#[path]` loop would never end).
const MAX_DEPTH: usize = 32;

fn visit_file(file: &Path, path: Vec<String>, owns_directory: bool, out: &mut Vec<Module>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(text) = std::fs::read_to_string(file) else {
        return;
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let Ok(parsed) = syn::parse_file(&text) else { return };
    let text: std::sync::Arc<str> = text.into();
    // `src/lib.rs`, `mod.rs` and crate roots hold their children beside them; `a.rs` in `a/`.
    let children_dir = match (owns_directory, file.parent(), file.file_stem()) {
        (true, Some(parent), _) => parent.to_path_buf(),
        (false, Some(parent), Some(stem)) => parent.join(stem),
        _ => PathBuf::new(),
    };
    visit_items(file, &text, path, parsed.attrs, parsed.items, &children_dir, out, depth);
}

#[allow(clippy::too_many_arguments)]
fn visit_items(
    file: &Path,
    text: &std::sync::Arc<str>,
    path: Vec<String>,
    attrs: Vec<syn::Attribute>,
    items: Vec<syn::Item>,
    children_dir: &Path,
    out: &mut Vec<Module>,
    depth: usize,
) {
    let children: Vec<syn::ItemMod> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(module) => Some(module.clone()),
            _ => None,
        })
        .collect();
    out.push(Module {
        path: path.clone(),
        file: file.to_path_buf(),
        text: text.clone(),
        attrs,
        items,
    });
    for child in children {
        let name = child.ident.to_string().trim_start_matches("r#").to_string();
        let mut child_path = path.clone();
        child_path.push(name.clone());
        let explicit = path_attribute(&child.attrs);
        match child.content {
            Some((_, items)) => {
                let dir = match &explicit {
                    Some(explicit) => children_dir.join(explicit),
                    None => children_dir.join(&name),
                };
                let inner_attrs = child
                    .attrs
                    .iter()
                    .filter(|attr| matches!(attr.style, syn::AttrStyle::Inner(_)))
                    .cloned()
                    .collect();
                visit_items(file, text, child_path, inner_attrs, items, &dir, out, depth + 1);
            }
            None => {
                let candidates = match &explicit {
                    Some(explicit) => vec![(file.parent().unwrap_or(Path::new("")).join(explicit), true)],
                    None => vec![
                        (children_dir.join(format!("{name}.rs")), false),
                        (children_dir.join(&name).join("mod.rs"), true),
                    ],
                };
                if let Some((found, owns)) = candidates.into_iter().find(|(candidate, _)| candidate.is_file()) {
                    // A `#[path]` file holds its children in its own directory, like `mod.rs`.
                    visit_file(&found, child_path, owns, out, depth + 1);
                }
            }
        }
    }
}

fn path_attribute(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| match &attr.meta {
        syn::Meta::NameValue(pair) if pair.path.is_ident("path") => match &pair.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Some(text.value()),
            _ => None,
        },
        _ => None,
    })
}
