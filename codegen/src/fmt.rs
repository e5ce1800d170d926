//! Canonical formatting of `.idl` files. The syntax tree is printed in one fixed layout; ordinary
//! comments, which the tree does not hold, are found by a separate scan and put back where they
//! stood: on their own line before the next declaration, or at the end of the line they followed.
//! Formatting is idempotent and never changes what a file means.

use crate::loader::InMemory;
use crate::source::{FileId, Span};
use crate::syntax::{self, ast::*, lexical};
use crate::{Compilation, compile_with};

/// Lines longer than this switch a parameter list to one parameter per line.
const MAX_WIDTH: usize = 100;
const INDENT: &str = "    ";

/// Formats one file's text. Fails with the syntax errors when the file does not parse; only syntax
/// matters, so a file with semantic errors is still formatted.
pub fn format_source(name: &str, text: &str) -> Result<String, Box<Compilation>> {
    let (ast, errors) = syntax::parse(FileId(0), text);
    if !errors.is_empty() {
        let mut files = InMemory::default();
        files.0.insert(name.to_string(), text.to_string());
        let mut compilation = compile_with(&[name.to_string()], &files);
        compilation
            .diagnostics
            .retain(|d| d.code == crate::diagnostic::Code::E0001 || d.code == crate::diagnostic::Code::E0002);
        return Err(Box::new(compilation));
    }
    Ok(format_ast(text, &ast))
}

/// Prints a parsed file; `text` is the source it came from (for comments and blank lines).
pub fn format_ast(text: &str, ast: &SourceFileAst) -> String {
    let mut printer = Printer {
        text,
        comments: scan_comments(text),
        next_comment: 0,
        out: String::new(),
        depth: 0,
        last_end: 0,
    };
    printer.file(ast);
    printer.out
}

#[derive(Debug)]
struct Comment {
    start: usize,
    end: usize,
    /// Nothing but whitespace precedes it on its line.
    own_line: bool,
}

/// Finds `//` and `/* */` comments that are not doc comments, skipping string literals.
fn scan_comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match lexical::token_at(bytes, i) {
            lexical::Token::String => i = lexical::string_end(bytes, i),
            lexical::Token::LineComment => {
                let start = i;
                i = lexical::line_comment_end(bytes, i);
                let is_doc = (text[start..].starts_with("///") && !text[start..].starts_with("////"))
                    || text[start..].starts_with("//!");
                if !is_doc {
                    comments.push(Comment {
                        start,
                        end: i,
                        own_line: own_line(text, start),
                    });
                }
            }
            lexical::Token::BlockComment => {
                let start = i;
                i = lexical::block_comment_end(bytes, i).0;
                comments.push(Comment {
                    start,
                    end: i,
                    own_line: own_line(text, start),
                });
            }
            lexical::Token::Code => i += 1,
        }
    }
    comments
}

fn own_line(text: &str, start: usize) -> bool {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..start].trim().is_empty()
}

struct Printer<'a> {
    text: &'a str,
    comments: Vec<Comment>,
    next_comment: usize,
    out: String,
    depth: usize,
    /// End of the last thing printed, in source bytes, for finding blank lines.
    last_end: usize,
}

impl Printer<'_> {
    fn line(&mut self, content: &str) {
        for _ in 0..self.depth {
            self.out.push_str(INDENT);
        }
        self.out.push_str(content);
        self.out.push('\n');
    }

    fn blank_line(&mut self) {
        if !self.out.is_empty()
            && !self.out.ends_with("\n\n")
            && !self.out.ends_with("{\n")
            && !self.out.ends_with("(\n")
        {
            self.out.push('\n');
        }
    }

    /// Whether the source has an empty line between the last printed thing and `position`.
    fn had_blank_line(&self, position: usize) -> bool {
        let gap = self.text.get(self.last_end.min(position)..position).unwrap_or("");
        let mut lines = gap.split('\n');
        lines.next();
        let mut inner: Vec<&str> = lines.collect();
        inner.pop();
        inner.iter().any(|line| line.trim().is_empty())
    }

    /// Prints every comment that starts before `position`.
    fn comments_before(&mut self, position: usize) {
        while let Some(comment) = self.comments.get(self.next_comment) {
            if comment.start >= position {
                break;
            }
            let (start, end, own) = (comment.start, comment.end, comment.own_line);
            let body = self.text[start..end].trim_end().to_string();
            self.next_comment += 1;
            if own || self.out.is_empty() {
                if self.had_blank_line(start) {
                    self.blank_line();
                }
                // Re-indent the lines of a block comment consistently.
                for line in body.lines() {
                    let line = line.trim_end();
                    self.line(line.trim_start());
                }
            } else {
                // Attach to the end of the last line, keeping any blank line already emitted.
                let mut newlines = 0;
                while self.out.ends_with('\n') {
                    self.out.pop();
                    newlines += 1;
                }
                self.out.push(' ');
                self.out.push_str(&body);
                for _ in 0..newlines.max(1) {
                    self.out.push('\n');
                }
            }
            self.last_end = end;
        }
    }

    /// Starts a member of a block: comments before it, and a blank line if the source had one.
    fn begin(&mut self, span: Span) {
        let start = span.start as usize;
        self.comments_before(start);
        if self.had_blank_line(start) {
            self.blank_line();
        }
    }

    fn finish(&mut self, span: Span) {
        self.last_end = self.last_end.max(span.end as usize);
    }

    fn docs(&mut self, docs: &[DocLine], marker: &str) {
        for doc in docs {
            let text = doc.text.trim_end();
            self.line(&format!("{marker}{text}"));
        }
    }

    fn attrs(&mut self, attrs: &[Attribute]) {
        for attr in attrs {
            self.line(&attribute(attr));
        }
    }

    fn file(&mut self, ast: &SourceFileAst) {
        if !ast.inner_docs.is_empty() {
            let first = ast.inner_docs[0].span.start as usize;
            self.comments_before(first);
            self.docs(&ast.inner_docs, "//!");
            self.last_end = ast.inner_docs.last().map_or(0, |d| d.span.end as usize);
        }
        let mut previous: Option<&Decl> = None;
        for decl in &ast.decls {
            let span = decl_span(decl);
            let imports_together = matches!((previous, decl), (Some(Decl::Import(_)), Decl::Import(_)));
            if !imports_together {
                self.blank_line();
            }
            self.comments_before(span.start as usize);
            if !imports_together && self.had_blank_line(span.start as usize) {
                self.blank_line();
            }
            match decl {
                Decl::Package(package) => {
                    self.docs(&package.docs, "///");
                    self.line(&format!("package {};", package.name.text));
                }
                Decl::Import(import) => {
                    self.docs(&import.docs, "///");
                    self.line(&format!("import \"{}\";", import.path.raw));
                }
                Decl::StrayInnerDocs(lines) => self.docs(lines, "//!"),
                Decl::Item(item) => self.item(item),
            }
            self.finish(span);
            previous = Some(decl);
        }
        self.comments_before(usize::MAX);
        if self.out.is_empty() {
            return;
        }
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
    }

    fn item(&mut self, item: &ItemDecl) {
        self.docs(&item.docs, "///");
        self.attrs(&item.attrs);
        let close = item.span.end as usize - 1;
        let keyword = item.kind.keyword();
        let is_empty = match &item.kind {
            ItemKind::Struct(fields) | ItemKind::Error(fields) => fields.is_empty(),
            ItemKind::Enum(variants) => variants.is_empty(),
            ItemKind::Union(variants) => variants.is_empty(),
            ItemKind::Service(members) => members.is_empty(),
        };
        let has_comments_inside = self
            .comments
            .iter()
            .any(|c| c.start > item.name.span.end as usize && c.start < close);
        if is_empty && !has_comments_inside {
            self.line(&format!("{keyword} {} {{}}", item.name.text));
            return;
        }
        self.line(&format!("{keyword} {} {{", item.name.text));
        self.last_end = item.name.span.end as usize;
        self.depth += 1;
        match &item.kind {
            ItemKind::Struct(fields) | ItemKind::Error(fields) => {
                for field in fields {
                    self.begin(field.span);
                    self.docs(&field.docs, "///");
                    self.attrs(&field.attrs);
                    self.line(&format!("{},", field_text(field)));
                    self.finish(field.span);
                }
            }
            ItemKind::Enum(variants) => {
                for variant in variants {
                    self.begin(variant.span);
                    self.docs(&variant.docs, "///");
                    self.attrs(&variant.attrs);
                    let value = variant
                        .value
                        .as_ref()
                        .map(|v| format!(" = {}", v.raw))
                        .unwrap_or_default();
                    self.line(&format!("{}{value},", variant.name.text));
                    self.finish(variant.span);
                }
            }
            ItemKind::Union(variants) => {
                for variant in variants {
                    self.begin(variant.span);
                    self.docs(&variant.docs, "///");
                    self.attrs(&variant.attrs);
                    let number = variant
                        .number
                        .as_ref()
                        .map(|n| format!(" @{} ", n.raw))
                        .unwrap_or_default();
                    self.line(&format!("{}{number}({}),", variant.name.text, type_text(&variant.ty)));
                    self.finish(variant.span);
                }
            }
            ItemKind::Service(members) => {
                for (index, member) in members.iter().enumerate() {
                    let span = match member {
                        ServiceMember::Method(m) => m.span,
                        ServiceMember::Event(e) => e.span,
                    };
                    self.comments_before(span.start as usize);
                    // Methods are separated by one blank line, like functions in Rust.
                    if index > 0 {
                        self.blank_line();
                    }
                    match member {
                        ServiceMember::Method(method) => self.method(method),
                        ServiceMember::Event(event) => {
                            self.docs(&event.docs, "///");
                            self.attrs(&event.attrs);
                            self.signature(&format!("event {}", event.name.text), &event.params, ";", &event.name);
                        }
                    }
                    self.finish(span);
                }
            }
        }
        self.comments_before(close);
        self.depth -= 1;
        self.line("}");
    }

    fn method(&mut self, method: &MethodDecl) {
        self.docs(&method.docs, "///");
        self.attrs(&method.attrs);
        let mut tail = String::new();
        if let Some(returns) = &method.returns {
            tail.push_str(" -> ");
            if returns.stream.is_some() {
                tail.push_str("stream ");
            }
            tail.push_str(&type_text(&returns.ty));
        }
        if !method.throws.is_empty() {
            let names: Vec<&str> = method.throws.iter().map(|t| t.text.as_str()).collect();
            tail.push_str(&format!(" throws {}", names.join(", ")));
        }
        tail.push(';');
        self.signature(&format!("fn {}", method.name.text), &method.params, &tail, &method.name);
    }

    /// `head(params)tail` on one line when it fits and no parameter carries docs or comments,
    /// else one parameter per line.
    fn signature(&mut self, head: &str, params: &[FieldDecl], tail: &str, name: &Ident) {
        let params_text: Vec<String> = params.iter().map(param_text).collect();
        let single = format!("{head}({}){tail}", params_text.join(", "));
        let params_end = params.last().map_or(name.span.end as usize, |p| p.span.end as usize);
        let close = closing_paren(self.text, params_end);
        let has_comments = self
            .comments
            .iter()
            .any(|c| c.start > name.span.end as usize && c.start < close);
        let has_docs = params.iter().any(|p| !p.docs.is_empty());
        if !has_comments && !has_docs && single.len() + INDENT.len() * self.depth <= MAX_WIDTH {
            self.line(&single);
            return;
        }
        self.line(&format!("{head}("));
        self.depth += 1;
        for param in params {
            self.begin(param.span);
            self.docs(&param.docs, "///");
            self.attrs(&param.attrs);
            self.line(&format!("{},", field_text(param)));
            self.finish(param.span);
        }
        self.comments_before(close);
        self.depth -= 1;
        self.line(&format!("){tail}"));
    }
}

/// Position of the `)` that closes a parameter list whose last parameter ends at `from`, skipping
/// commas, whitespace and comments.
fn closing_paren(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        if let Some(end) = lexical::non_code_end(bytes, i) {
            i = end;
        } else if bytes[i] == b')' {
            return i;
        } else {
            i += 1;
        }
    }
    text.len()
}

fn decl_span(decl: &Decl) -> Span {
    match decl {
        Decl::Package(p) => p.span,
        Decl::Import(i) => i.span,
        Decl::Item(i) => i.span,
        Decl::StrayInnerDocs(lines) => lines
            .first()
            .map_or(Span::NONE, |l| l.span)
            .to(lines.last().map_or(Span::NONE, |l| l.span)),
    }
}

/// `name @N: [stream] Type = default`, without annotations.
fn field_text(field: &FieldDecl) -> String {
    let number = field
        .number
        .as_ref()
        .map(|n| format!(" @{}", n.raw))
        .unwrap_or_default();
    let stream = if field.stream.is_some() { "stream " } else { "" };
    let default = field
        .default
        .as_ref()
        .map(|v| format!(" = {}", value_text(v)))
        .unwrap_or_default();
    format!("{}{number}: {stream}{}{default}", field.name.text, type_text(&field.ty))
}

/// A parameter in a one-line signature, its annotations before it as in a Rust signature.
fn param_text(param: &FieldDecl) -> String {
    let mut out = String::new();
    for attr in &param.attrs {
        out.push_str(&attribute(attr));
        out.push(' ');
    }
    out.push_str(&field_text(param));
    out
}

fn type_text(ty: &TypeExpr) -> String {
    let base = match &ty.kind {
        TypeExprKind::Path(name) => name.text.clone(),
        TypeExprKind::List(element) => format!("list<{}>", type_text(element)),
        TypeExprKind::Map(key, value) => format!("map<{}, {}>", type_text(key), type_text(value)),
    };
    if ty.optional.is_some() {
        format!("{base}?")
    } else {
        base
    }
}

fn attribute(attr: &Attribute) -> String {
    let metas: Vec<String> = attr.metas.iter().map(meta_text).collect();
    format!("#[{}]", metas.join(", "))
}

fn meta_text(meta: &Meta) -> String {
    match &meta.args {
        MetaArgs::None => meta.name.text.clone(),
        MetaArgs::Value(value) => format!("{} = {}", meta.name.text, value_text(value)),
        MetaArgs::List(args) => {
            let args: Vec<String> = args
                .iter()
                .map(|arg| match arg {
                    MetaArg::Meta(inner) => meta_text(inner),
                    MetaArg::Value(value) => value_text(value),
                })
                .collect();
            format!("{}({})", meta.name.text, args.join(", "))
        }
    }
}

fn value_text(value: &Value) -> String {
    match &value.kind {
        ValueKind::String(s) => format!("\"{}\"", s.raw),
        ValueKind::Number(n) => n.raw.clone(),
        ValueKind::Path(p) => p.clone(),
        ValueKind::Array(items) => {
            let items: Vec<String> = items.iter().map(value_text).collect();
            format!("[{}]", items.join(", "))
        }
        ValueKind::Range(range) => {
            let start = range.start.as_ref().map(|n| n.raw.as_str()).unwrap_or("");
            let end = range.end.as_ref().map(|n| n.raw.as_str()).unwrap_or("");
            let op = if range.inclusive { "..=" } else { ".." };
            format!("{start}{op}{end}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        format_source("t.idl", text).unwrap_or_else(|c| panic!("does not parse:\n{}", c.render_diagnostics()))
    }

    #[test]
    fn lays_out_declarations_canonically() {
        let input = "//! File doc.\npackage a.b.v1;import \"x.idl\";\n\n\nimport \"y.idl\";\n/// A pet.\n#[reserved(4,8..=10)] struct Pet{id@1:u64,name:string?=\"x\"}\nenum E{A,B=5}\nservice S{#[http(get,\"/p/{id}\")] fn get(id:u64)->Pet throws NotFound;event sold(id:u64);}";
        let expected = "//! File doc.\n\npackage a.b.v1;\n\nimport \"x.idl\";\nimport \"y.idl\";\n\n/// A pet.\n#[reserved(4, 8..=10)]\nstruct Pet {\n    id @1: u64,\n    name: string? = \"x\",\n}\n\nenum E {\n    A,\n    B = 5,\n}\n\nservice S {\n    #[http(get, \"/p/{id}\")]\n    fn get(id: u64) -> Pet throws NotFound;\n\n    event sold(id: u64);\n}\n";
        assert_eq!(fmt(input), expected);
        assert_eq!(fmt(expected), expected);
    }

    #[test]
    fn keeps_comments_in_place() {
        let input = "package a.v1;\n\n// Before the struct.\nstruct A {\n    x: i32, // trailing\n\n    // own line\n    y: i32,\n    /* last */\n}\n// At the end.\n";
        let once = fmt(input);
        assert_eq!(once, input);
        assert_eq!(fmt(&once), once);
    }

    #[test]
    fn breaks_documented_parameters_onto_lines() {
        let input = "package a.v1;\nservice S {\n    fn f(/// The id.\n    id: u64, #[range(1..=9)] n: u32 = 2) -> stream X;\n}\n";
        let expected = "package a.v1;\n\nservice S {\n    fn f(\n        /// The id.\n        id: u64,\n        #[range(1..=9)]\n        n: u32 = 2,\n    ) -> stream X;\n}\n";
        assert_eq!(fmt(input), expected);
        assert_eq!(fmt(expected), expected);
    }

    #[test]
    fn refuses_files_that_do_not_parse() {
        assert!(format_source("t.idl", "package a.v1; struct {").is_err());
    }
}
