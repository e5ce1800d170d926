//! The contents of `#[omniface(…)]` read into the IDL's annotation tree (`ast::Meta`), so the
//! Rust front end hands [`crate::lower::annotations`] exactly what the IDL parser would: the same
//! names, arguments and spans, and therefore the same errors.
//!
//! The grammar is the IDL's `meta` rule over Rust tokens: `name`, `name(args…)`, `name = value`,
//! where an argument is a nested meta or a value (string, number, range, array, path).

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast;

/// Reads the comma-separated metas of one attribute. Malformed input gives an E0052 at the token
/// where it goes wrong and the metas read so far.
pub fn parse_metas(tokens: TokenStream, file: FileId, errors: &mut Vec<Diagnostic>) -> Vec<ast::Meta> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut cursor = Cursor {
        tokens: &tokens,
        index: 0,
        file,
    };
    let mut metas = Vec::new();
    while !cursor.at_end() {
        match cursor.meta() {
            Ok(meta) => metas.push(meta),
            Err(error) => {
                errors.push(error);
                return metas;
            }
        }
        if let Err(error) = cursor.comma_or_end() {
            errors.push(error);
            return metas;
        }
    }
    metas
}

/// Reads one value (`#[omniface(default = …)]` is read by [`parse_metas`]; this serves callers
/// holding the value's tokens alone).
pub fn parse_value(tokens: TokenStream, file: FileId) -> Result<ast::Value, Diagnostic> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut cursor = Cursor {
        tokens: &tokens,
        index: 0,
        file,
    };
    let value = cursor.value()?;
    match cursor.peek() {
        None => Ok(value),
        Some(extra) => Err(cursor.unexpected(extra, "the end of the value")),
    }
}

pub fn span_of(span: proc_macro2::Span, file: FileId) -> Span {
    Span::new(file, span.byte_range())
}

struct Cursor<'t> {
    tokens: &'t [TokenTree],
    index: usize,
    file: FileId,
}

impl<'t> Cursor<'t> {
    fn at_end(&self) -> bool {
        self.index >= self.tokens.len()
    }

    fn peek(&self) -> Option<&'t TokenTree> {
        self.tokens.get(self.index)
    }

    fn peek_at(&self, offset: usize) -> Option<&'t TokenTree> {
        self.tokens.get(self.index + offset)
    }

    fn span(&self, token: &TokenTree) -> Span {
        span_of(token.span(), self.file)
    }

    fn end_span(&self) -> Span {
        match self.tokens.last() {
            Some(last) => {
                let span = self.span(last);
                Span {
                    start: span.end,
                    ..span
                }
            }
            None => Span::NONE,
        }
    }

    fn unexpected(&self, token: &TokenTree, expected: &str) -> Diagnostic {
        Diagnostic::error(
            Code::E0052,
            self.span(token),
            format!("expected {expected}, found `{token}`"),
        )
        .label("unexpected here")
        .help("annotations read `name`, `name(arguments…)` or `name = value`, as in the IDL")
    }

    fn eof(&self, expected: &str) -> Diagnostic {
        Diagnostic::error(Code::E0052, self.end_span(), format!("expected {expected}"))
            .label("the annotation ends here")
            .help("annotations read `name`, `name(arguments…)` or `name = value`, as in the IDL")
    }

    fn comma_or_end(&mut self) -> Result<(), Diagnostic> {
        match self.peek() {
            None => Ok(()),
            Some(TokenTree::Punct(p)) if p.as_char() == ',' => {
                self.index += 1;
                Ok(())
            }
            Some(other) => Err(self.unexpected(other, "`,` between annotations")),
        }
    }

    /// The comma-separated elements inside `group`, each read by `read`.
    fn comma_separated<T>(
        &self,
        group: &proc_macro2::Group,
        mut read: impl FnMut(&mut Cursor) -> Result<T, Diagnostic>,
    ) -> Result<Vec<T>, Diagnostic> {
        let inner: Vec<TokenTree> = group.stream().into_iter().collect();
        let mut nested = Cursor {
            tokens: &inner,
            index: 0,
            file: self.file,
        };
        let mut elements = Vec::new();
        while !nested.at_end() {
            elements.push(read(&mut nested)?);
            nested.comma_or_end()?;
        }
        Ok(elements)
    }

    fn meta(&mut self) -> Result<ast::Meta, Diagnostic> {
        let name = match self.peek() {
            Some(TokenTree::Ident(ident)) => {
                self.index += 1;
                ast::Ident {
                    text: ident.to_string().trim_start_matches("r#").to_string(),
                    span: span_of(ident.span(), self.file),
                }
            }
            Some(other) => return Err(self.unexpected(other, "an annotation name")),
            None => return Err(self.eof("an annotation name")),
        };
        let (args, end) = match self.peek() {
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
                self.index += 1;
                let args = self.comma_separated(group, |nested| nested.meta_arg())?;
                (ast::MetaArgs::List(args), span_of(group.span_close(), self.file))
            }
            Some(TokenTree::Punct(p)) if p.as_char() == '=' => {
                self.index += 1;
                let value = self.value()?;
                let end = value.span;
                (ast::MetaArgs::Value(value), end)
            }
            _ => (ast::MetaArgs::None, name.span),
        };
        let span = name.span.to(end);
        Ok(ast::Meta { name, args, span })
    }

    /// An argument: a nested meta when it starts with a name that is not a path value, else a value.
    fn meta_arg(&mut self) -> Result<ast::MetaArg, Diagnostic> {
        match self.peek() {
            Some(TokenTree::Ident(ident)) if !matches!(ident.to_string().as_str(), "true" | "false") => {
                Ok(ast::MetaArg::Meta(self.meta()?))
            }
            _ => Ok(ast::MetaArg::Value(self.value()?)),
        }
    }

    fn value(&mut self) -> Result<ast::Value, Diagnostic> {
        let Some(token) = self.peek() else {
            return Err(self.eof("a value"));
        };
        match token {
            TokenTree::Literal(literal) => {
                let text = literal.to_string();
                if text.starts_with('"') || text.starts_with("r\"") || text.starts_with("r#") {
                    self.index += 1;
                    let span = self.span(token);
                    let parsed: syn::LitStr = syn::parse_str(&text).map_err(|_| self.unexpected(token, "a string"))?;
                    let raw = text
                        .trim_start_matches('r')
                        .trim_matches('#')
                        .strip_prefix('"')
                        .and_then(|t| t.strip_suffix('"'))
                        .unwrap_or(&text)
                        .to_string();
                    return Ok(ast::Value {
                        kind: ast::ValueKind::String(ast::StringLit {
                            raw,
                            value: parsed.value(),
                            span,
                        }),
                        span,
                    });
                }
                self.number_or_range()
            }
            TokenTree::Punct(p) if p.as_char() == '-' || p.as_char() == '.' => self.number_or_range(),
            TokenTree::Group(group) if group.delimiter() == Delimiter::Bracket => {
                self.index += 1;
                let items = self.comma_separated(group, |nested| nested.value())?;
                Ok(ast::Value {
                    kind: ast::ValueKind::Array(items),
                    span: span_of(group.span(), self.file),
                })
            }
            TokenTree::Ident(_) => {
                // A path: `Available`, `not_found`, `true`, or dotted / `::`-separated.
                let start = self.span(token);
                let mut text = token.to_string();
                let mut end = start;
                self.index += 1;
                loop {
                    match (self.peek(), self.peek_at(1), self.peek_at(2)) {
                        (Some(TokenTree::Punct(dot)), Some(TokenTree::Ident(next)), _) if dot.as_char() == '.' => {
                            text.push('.');
                            text.push_str(&next.to_string());
                            end = span_of(next.span(), self.file);
                            self.index += 2;
                        }
                        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)), Some(TokenTree::Ident(next)))
                            if a.as_char() == ':' && b.as_char() == ':' && a.spacing() == Spacing::Joint =>
                        {
                            text.push('.');
                            text.push_str(&next.to_string());
                            end = span_of(next.span(), self.file);
                            self.index += 3;
                        }
                        _ => break,
                    }
                }
                Ok(ast::Value {
                    kind: ast::ValueKind::Path(text),
                    span: start.to(end),
                })
            }
            other => Err(self.unexpected(other, "a value")),
        }
    }

    /// `-12`, `1.5`, `1..=64`, `..=20`, `-90.0..=90.0`, `5..`.
    fn number_or_range(&mut self) -> Result<ast::Value, Diagnostic> {
        let start = self.number_opt()?;
        let op_span = self.peek().map(|t| self.span(t));
        let inclusive = match (self.peek(), self.peek_at(1), self.peek_at(2)) {
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)), Some(TokenTree::Punct(c)))
                if a.as_char() == '.' && b.as_char() == '.' && c.as_char() == '=' =>
            {
                self.index += 3;
                Some(true)
            }
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)), _) if a.as_char() == '.' && b.as_char() == '.' => {
                self.index += 2;
                Some(false)
            }
            _ => None,
        };
        match (start, inclusive) {
            (Some(number), None) => {
                let span = number.span;
                Ok(ast::Value {
                    kind: ast::ValueKind::Number(number),
                    span,
                })
            }
            (None, None) => match self.peek() {
                Some(token) => Err(self.unexpected(token, "a value")),
                None => Err(self.eof("a value")),
            },
            (start, Some(inclusive)) => {
                let end = self.number_opt()?;
                let first = start.as_ref().map(|n| n.span).or(op_span).unwrap_or(Span::NONE);
                let last = end.as_ref().map(|n| n.span).unwrap_or(first);
                Ok(ast::Value {
                    kind: ast::ValueKind::Range(ast::RangeLit { start, end, inclusive }),
                    span: first.to(last),
                })
            }
        }
    }

    fn number_opt(&mut self) -> Result<Option<ast::NumberLit>, Diagnostic> {
        let negative = match self.peek() {
            Some(TokenTree::Punct(p)) if p.as_char() == '-' => Some(self.span(&self.tokens[self.index])),
            _ => None,
        };
        let offset = usize::from(negative.is_some());
        match self.peek_at(offset) {
            Some(TokenTree::Literal(literal)) => {
                let text = literal.to_string();
                if !text.starts_with(|c: char| c.is_ascii_digit()) {
                    return Err(self.unexpected(&self.tokens[self.index + offset], "a number"));
                }
                let span = span_of(literal.span(), self.file);
                self.index += offset + 1;
                let raw = if negative.is_some() { format!("-{text}") } else { text };
                Ok(Some(ast::NumberLit {
                    raw,
                    span: negative.map_or(span, |minus| minus.to(span)),
                }))
            }
            _ if negative.is_some() => match self.peek_at(1) {
                Some(token) => Err(self.unexpected(token, "a number after `-`")),
                None => Err(self.eof("a number after `-`")),
            },
            _ => Ok(None),
        }
    }
}
