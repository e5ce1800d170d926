//! The `.idl` parser: text to syntax tree, with every syntax error collected. Parsing never fails:
//! it returns what it could read and the errors it met, and it never panics on any input.

pub mod ast;
pub mod lexical;
mod segment;

use pest::Parser as _;
use pest::iterators::Pair;

use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};
use ast::*;

#[derive(pest_derive::Parser)]
#[grammar = "syntax/grammar.pest"]
struct IdlParser;

/// Parses one file. Each top-level declaration is parsed on its own, so a syntax error in one is
/// reported without losing the others.
///
/// No input makes it spin: the grammar backtracks over at most one attribute list per member, and
/// [`segment`] rejects nesting deeper than [`segment::MAX_NESTING`] before pest sees it (so pest's
/// call limit, which costs 5% of parse time, is not needed).
pub fn parse(file: FileId, text: &str) -> (SourceFileAst, Vec<Diagnostic>) {
    let segments = segment::segment(text);
    // Declarations parse independently, so a large file is split across threads; small files
    // are not worth a thread.
    let threads = if text.len() < PARALLEL_THRESHOLD {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8)
    };
    let parsed: Vec<Parsed> = if threads == 1 {
        segments
            .iter()
            .map(|segment| parse_segment(file, text, segment))
            .collect()
    } else {
        let per_thread = segments.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = segments
                .chunks(per_thread.max(1))
                .map(|group| {
                    scope.spawn(move || {
                        group
                            .iter()
                            .map(|segment| parse_segment(file, text, segment))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        })
    };
    let mut ast = SourceFileAst::default();
    let mut errors = Vec::new();
    for result in parsed {
        match result {
            Parsed::Chunk { inner_docs, decl } => {
                if !inner_docs.is_empty() {
                    if ast.decls.is_empty() {
                        ast.inner_docs.extend(inner_docs);
                    } else {
                        ast.decls.push(Decl::StrayInnerDocs(inner_docs));
                    }
                }
                ast.decls.extend(decl);
            }
            Parsed::Error(error) => errors.push(error),
        }
    }
    (ast, errors)
}

/// Files smaller than this are parsed on the calling thread.
const PARALLEL_THRESHOLD: usize = 256 * 1024;

/// What one segment held: `//!` lines and at most one declaration, or a syntax error.
enum Parsed {
    Chunk {
        inner_docs: Vec<DocLine>,
        decl: Option<Decl>,
    },
    Error(Diagnostic),
}

fn parse_segment(file: FileId, text: &str, segment: &segment::Segment) -> Parsed {
    if let Some(at) = segment.too_deep_at {
        return Parsed::Error(
            Diagnostic::error(Code::E0002, Span::new(file, at..at + 1), "input nested too deeply")
                .label(format!(
                    "more than {} levels of brackets or comments",
                    segment::MAX_NESTING
                ))
                .help("flatten the type by naming the inner part"),
        );
    }
    let source = &text[segment.start..segment.end];
    match IdlParser::parse(Rule::chunk, source) {
        Ok(mut pairs) => {
            let builder = Builder {
                file,
                offset: segment.start,
            };
            match pairs.next() {
                Some(chunk) => builder.chunk(chunk),
                None => Parsed::Chunk {
                    inner_docs: Vec::new(),
                    decl: None,
                },
            }
        }
        Err(_) => Parsed::Error(detailed_syntax_error(file, segment.start, source)),
    }
}

/// Serialises the re-parses that collect error detail, since pest's switch for it is global.
static ERROR_DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Parses a failing declaration again with pest's error detail on, which records the punctuation
/// it expected (the normal parse records only rules, and is faster for it). Only the error path
/// pays for this.
fn detailed_syntax_error(file: FileId, offset: usize, source: &str) -> Diagnostic {
    let guard = ERROR_DETAIL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    pest::set_error_detail(true);
    let result = IdlParser::parse(Rule::chunk, source);
    pest::set_error_detail(false);
    drop(guard);
    match result {
        Err(error) => syntax_error(file, offset, source, error),
        // Unreachable in practice: the same input parsed the same way a moment ago.
        Ok(_) => Diagnostic::error(
            Code::E0001,
            Span::new(file, offset..offset + source.len()),
            "syntax error",
        ),
    }
}

fn syntax_error(file: FileId, offset: usize, source: &str, error: pest::error::Error<Rule>) -> Diagnostic {
    let at = match error.location {
        pest::error::InputLocation::Pos(pos) => pos,
        pest::error::InputLocation::Span((start, _)) => start,
    };
    // Point at the token that was found: a whole word, or one character of punctuation.
    let rest = &source[at..];
    let found_len = match rest.chars().next() {
        Some(c) if c.is_alphanumeric() || c == '_' => rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len()),
        Some(_) if rest.starts_with("///") || rest.starts_with("//!") => 3,
        Some(_) if rest.starts_with("//") || rest.starts_with("/*") || rest.starts_with("->") => 2,
        Some(c) => c.len_utf8(),
        None => 0,
    };
    let found = &rest[..found_len];
    let span = Span::new(file, offset + at..offset + at + found_len);
    let (message, label) = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            // Punctuation the parser tried at this point (pest records literals separately from
            // rules); when there is some, the rules that merely start with it add nothing.
            let mut punctuation: Vec<String> = error
                .parse_attempts()
                .map(|attempts| attempts.expected_tokens())
                .unwrap_or_default()
                .into_iter()
                .map(|token| token.to_string())
                .filter(|token| {
                    !token.is_empty()
                        && !token.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c.is_whitespace())
                        // Comment, byte-order-mark and attribute starts are possible almost
                        // everywhere and never what was missing.
                        && !matches!(token.as_str(), "/" | "#" | "\u{feff}")
                        && !token.starts_with("//")
                        && !token.starts_with("/*")
                        && !token.contains("..")
                })
                .map(|token| format!("`{token}`"))
                .collect();
            punctuation.sort();
            punctuation.dedup();
            let starts_with_punctuation = |rule: &Rule| {
                matches!(
                    rule,
                    Rule::field_number
                        | Rule::default_value
                        | Rule::optional
                        | Rule::returns
                        | Rule::attribute
                        | Rule::outer_doc
                        | Rule::inner_doc
                        | Rule::range_op
                )
            };
            let mut words: Vec<&str> = positives
                .iter()
                .filter(|rule| punctuation.is_empty() || !starts_with_punctuation(rule))
                .filter_map(|rule| describe(*rule))
                .collect();
            words.sort_unstable();
            words.dedup();
            let mut expected: Vec<String> = punctuation;
            expected.extend(words.into_iter().map(String::from));
            let expected = match expected.as_slice() {
                [] => "a declaration".to_string(),
                [one] => one.clone(),
                [init @ .., last] => format!("{} or {last}", init.join(", ")),
            };
            let found = if found.is_empty() {
                "end of input".to_string()
            } else {
                format!("`{found}`")
            };
            (
                format!("expected {expected}, found {found}"),
                format!("expected {expected}"),
            )
        }
        pest::error::ErrorVariant::CustomError { message } => {
            ("the parser gave up on this declaration".to_string(), message.clone())
        }
    };
    Diagnostic::error(Code::E0001, span, message)
        .label(label)
        .help("see docs/language.md for the syntax of each declaration")
}

/// How an expected rule is named in messages; `None` for rules never worth mentioning.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of input",
        Rule::ident | Rule::qualified_ident | Rule::type_path => "a name",
        Rule::kw_package => "`package`",
        Rule::kw_import => "`import`",
        Rule::item | Rule::declaration => "a declaration",
        Rule::kw_struct => "`struct`",
        Rule::kw_error => "`error`",
        Rule::kw_enum => "`enum`",
        Rule::kw_union => "`union`",
        Rule::kw_service => "`service`",
        Rule::kw_fn => "`fn`",
        Rule::kw_event => "`event`",
        Rule::kw_throws => "`throws`",
        Rule::kw_stream | Rule::stream => "`stream`",
        Rule::field | Rule::param => "a field",
        Rule::method | Rule::event => "a method or event",
        Rule::enum_variant | Rule::union_variant => "a variant",
        Rule::type_expr | Rule::list_type | Rule::map_type | Rule::kw_list | Rule::kw_map => "a type",
        Rule::attribute => "an annotation",
        Rule::outer_doc | Rule::inner_doc => "a doc comment",
        Rule::field_number => "`@number`",
        Rule::default_value => "`= default`",
        Rule::returns => "`->`",
        Rule::throws => "`throws`",
        Rule::optional => "`?`",
        Rule::string => "a string",
        Rule::number | Rule::integer => "a number",
        Rule::range | Rule::range_op => "a range",
        Rule::value | Rule::array => "a value",
        Rule::meta | Rule::meta_list => "an annotation",
        _ => return None,
    })
}

/// Turns pest pairs into the syntax tree. The grammar guarantees the shapes matched here; where a
/// shape is missing anyway the builder skips the node rather than panicking.
struct Builder {
    file: FileId,
    offset: usize,
}

impl Builder {
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let span = pair.as_span();
        Span::new(self.file, self.offset + span.start()..self.offset + span.end())
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident {
            text: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn doc(&self, pair: Pair<Rule>) -> DocLine {
        let span = self.span(&pair);
        let text = pair.into_inner().next().map(|text| text.as_str()).unwrap_or("");
        let text = text.strip_suffix('\r').unwrap_or(text);
        DocLine {
            text: text.to_string(),
            span,
        }
    }

    fn chunk(&self, chunk: Pair<Rule>) -> Parsed {
        let mut inner_docs = Vec::new();
        let mut decl = None;
        for pair in chunk.into_inner() {
            match pair.as_rule() {
                Rule::inner_doc => inner_docs.push(self.doc(pair)),
                Rule::package_decl => decl = Some(Decl::Package(self.package(pair))),
                Rule::import_decl => decl = Some(Decl::Import(self.import(pair))),
                Rule::item => decl = self.item(pair).map(Decl::Item),
                _ => {}
            }
        }
        Parsed::Chunk { inner_docs, decl }
    }

    fn package(&self, pair: Pair<Rule>) -> PackageDecl {
        let span = self.span(&pair);
        let mut docs = Vec::new();
        let mut name = None;
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::outer_doc => docs.push(self.doc(inner)),
                Rule::qualified_ident => name = Some(self.ident(inner)),
                _ => {}
            }
        }
        PackageDecl {
            docs,
            name: name.unwrap_or(Ident {
                text: String::new(),
                span,
            }),
            span,
        }
    }

    fn import(&self, pair: Pair<Rule>) -> ImportDecl {
        let span = self.span(&pair);
        let mut docs = Vec::new();
        let mut path = None;
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::outer_doc => docs.push(self.doc(inner)),
                Rule::string => path = Some(self.string(inner)),
                _ => {}
            }
        }
        let path = path.unwrap_or(StringLit {
            raw: String::new(),
            value: String::new(),
            span,
        });
        ImportDecl { docs, path, span }
    }

    fn item(&self, pair: Pair<Rule>) -> Option<ItemDecl> {
        let span = self.span(&pair);
        let mut docs = Vec::new();
        let mut attrs = Vec::new();
        let mut definition = None;
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::outer_doc => docs.push(self.doc(inner)),
                Rule::attribute => attrs.push(self.attribute(inner)),
                _ => definition = Some(inner),
            }
        }
        let definition = definition?;
        let rule = definition.as_rule();
        let mut parts = definition.into_inner().filter(|p| !is_keyword(p.as_rule()));
        let name = self.ident(parts.next()?);
        let kind = match rule {
            Rule::struct_def => ItemKind::Struct(self.fields(parts.next()?)),
            Rule::error_def => ItemKind::Error(self.fields(parts.next()?)),
            Rule::enum_def => ItemKind::Enum(parts.map(|p| self.enum_variant(p)).collect()),
            Rule::union_def => ItemKind::Union(parts.filter_map(|p| self.union_variant(p)).collect()),
            Rule::service_def => ItemKind::Service(
                parts
                    .filter_map(|p| match p.as_rule() {
                        Rule::method => self.method(p).map(ServiceMember::Method),
                        Rule::event => self.event(p).map(ServiceMember::Event),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => return None,
        };
        Some(ItemDecl {
            docs,
            attrs,
            name,
            kind,
            span,
        })
    }

    fn fields(&self, pair: Pair<Rule>) -> Vec<FieldDecl> {
        pair.into_inner().filter_map(|p| self.field(p)).collect()
    }

    fn field(&self, pair: Pair<Rule>) -> Option<FieldDecl> {
        let span = self.span(&pair);
        let mut docs = Vec::new();
        let mut attrs = Vec::new();
        let mut name = None;
        let mut number = None;
        let mut stream = None;
        let mut ty = None;
        let mut default = None;
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::outer_doc => docs.push(self.doc(inner)),
                Rule::attribute => attrs.push(self.attribute(inner)),
                Rule::ident => name = Some(self.ident(inner)),
                Rule::field_number => number = inner.into_inner().next().map(|n| self.number(n)),
                Rule::stream => stream = Some(self.span(&inner)),
                Rule::type_expr => ty = self.type_expr(inner),
                Rule::default_value => default = inner.into_inner().next().and_then(|v| self.value(v)),
                _ => {}
            }
        }
        Some(FieldDecl {
            docs,
            attrs,
            name: name?,
            number,
            stream,
            ty: ty?,
            default,
            span,
        })
    }

    fn enum_variant(&self, pair: Pair<Rule>) -> EnumVariantDecl {
        let span = self.span(&pair);
        let mut docs = Vec::new();
        let mut attrs = Vec::new();
        let mut name = Ident {
            text: String::new(),
            span,
        };
        let mut value = None;
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::outer_doc => docs.push(self.doc(inner)),
                Rule::attribute => attrs.push(self.attribute(inner)),
                Rule::ident => name = self.ident(inner),
                Rule::number => value = Some(self.number(inner)),
                _ => {}
            }
        }
        EnumVariantDecl {
            docs,
            attrs,
            name,
            value,
            span,
        }
    }

    fn union_variant(&self, pair: Pair<Rule>) -> Option<UnionVariantDecl> {
        let span = self.span(&pair);
        let mut docs = Vec::new();
        let mut attrs = Vec::new();
        let mut name = None;
        let mut number = None;
        let mut ty = None;
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::outer_doc => docs.push(self.doc(inner)),
                Rule::attribute => attrs.push(self.attribute(inner)),
                Rule::ident => name = Some(self.ident(inner)),
                Rule::field_number => number = inner.into_inner().next().map(|n| self.number(n)),
                Rule::type_expr => ty = self.type_expr(inner),
                _ => {}
            }
        }
        Some(UnionVariantDecl {
            docs,
            attrs,
            name: name?,
            number,
            ty: ty?,
            span,
        })
    }

    fn method(&self, pair: Pair<Rule>) -> Option<MethodDecl> {
        let span = self.span(&pair);
        let mut docs = Vec::new();
        let mut attrs = Vec::new();
        let mut name = None;
        let mut params = Vec::new();
        let mut returns = None;
        let mut throws = Vec::new();
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::outer_doc => docs.push(self.doc(inner)),
                Rule::attribute => attrs.push(self.attribute(inner)),
                Rule::ident => name = Some(self.ident(inner)),
                Rule::params => params = self.fields(inner),
                Rule::returns => {
                    let mut stream = None;
                    let mut ty = None;
                    for part in inner.into_inner() {
                        match part.as_rule() {
                            Rule::stream => stream = Some(self.span(&part)),
                            Rule::type_expr => ty = self.type_expr(part),
                            _ => {}
                        }
                    }
                    returns = ty.map(|ty| ReturnDecl { stream, ty });
                }
                Rule::throws => {
                    throws = inner
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::type_path)
                        .filter_map(|p| p.into_inner().next().map(|q| self.ident(q)))
                        .collect()
                }
                _ => {}
            }
        }
        Some(MethodDecl {
            docs,
            attrs,
            name: name?,
            params,
            returns,
            throws,
            span,
        })
    }

    fn event(&self, pair: Pair<Rule>) -> Option<EventDecl> {
        let span = self.span(&pair);
        let mut docs = Vec::new();
        let mut attrs = Vec::new();
        let mut name = None;
        let mut params = Vec::new();
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::outer_doc => docs.push(self.doc(inner)),
                Rule::attribute => attrs.push(self.attribute(inner)),
                Rule::ident => name = Some(self.ident(inner)),
                Rule::params => params = self.fields(inner),
                _ => {}
            }
        }
        Some(EventDecl {
            docs,
            attrs,
            name: name?,
            params,
            span,
        })
    }

    fn type_expr(&self, pair: Pair<Rule>) -> Option<TypeExpr> {
        let span = self.span(&pair);
        let mut kind = None;
        let mut optional = None;
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::optional => optional = Some(self.span(&inner)),
                Rule::type_path => kind = Some(TypeExprKind::Path(self.ident(inner.into_inner().next()?))),
                Rule::list_type => {
                    let element = inner.into_inner().find(|p| p.as_rule() == Rule::type_expr)?;
                    kind = Some(TypeExprKind::List(Box::new(self.type_expr(element)?)));
                }
                Rule::map_type => {
                    let mut types = inner.into_inner().filter(|p| p.as_rule() == Rule::type_expr);
                    let key = self.type_expr(types.next()?)?;
                    let value = self.type_expr(types.next()?)?;
                    kind = Some(TypeExprKind::Map(Box::new(key), Box::new(value)));
                }
                _ => {}
            }
        }
        Some(TypeExpr {
            kind: kind?,
            optional,
            span,
        })
    }

    fn attribute(&self, pair: Pair<Rule>) -> Attribute {
        let span = self.span(&pair);
        let metas = pair.into_inner().filter_map(|p| self.meta(p)).collect();
        Attribute { metas, span }
    }

    fn meta(&self, pair: Pair<Rule>) -> Option<Meta> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next()?);
        let args = match inner.next() {
            None => MetaArgs::None,
            Some(list) if list.as_rule() == Rule::meta_list => MetaArgs::List(
                list.into_inner()
                    .filter_map(|arg| match arg.as_rule() {
                        Rule::meta => self.meta(arg).map(MetaArg::Meta),
                        _ => self.value_of(arg).map(MetaArg::Value),
                    })
                    .collect(),
            ),
            Some(value) => MetaArgs::Value(self.value(value)?),
        };
        Some(Meta { name, args, span })
    }

    /// A `value` pair wraps one of the literal rules.
    fn value(&self, pair: Pair<Rule>) -> Option<Value> {
        if pair.as_rule() == Rule::value {
            let inner = pair.into_inner().next()?;
            self.value_of(inner)
        } else {
            self.value_of(pair)
        }
    }

    fn value_of(&self, pair: Pair<Rule>) -> Option<Value> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::string => ValueKind::String(self.string(pair)),
            Rule::number => ValueKind::Number(self.number(pair)),
            Rule::qualified_ident => ValueKind::Path(pair.as_str().to_string()),
            Rule::array => ValueKind::Array(pair.into_inner().filter_map(|v| self.value(v)).collect()),
            Rule::range => {
                let mut start = None;
                let mut end = None;
                let mut inclusive = false;
                let mut seen_op = false;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::range_op => {
                            inclusive = part.as_str() == "..=";
                            seen_op = true;
                        }
                        Rule::number if seen_op => end = Some(self.number(part)),
                        Rule::number => start = Some(self.number(part)),
                        _ => {}
                    }
                }
                ValueKind::Range(RangeLit { start, end, inclusive })
            }
            Rule::value => return self.value(pair),
            _ => return None,
        };
        Some(Value { kind, span })
    }

    fn string(&self, pair: Pair<Rule>) -> StringLit {
        let span = self.span(&pair);
        let raw = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("").to_string();
        StringLit {
            value: unescape(&raw),
            raw,
            span,
        }
    }

    fn number(&self, pair: Pair<Rule>) -> NumberLit {
        NumberLit {
            raw: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_struct
            | Rule::kw_error
            | Rule::kw_enum
            | Rule::kw_union
            | Rule::kw_service
            | Rule::kw_fn
            | Rule::kw_event
    )
}

/// Processes `\"`, `\\`, `\n`, `\t`, `\r`; any other escaped character stands for itself, so a
/// regular expression like `\d` survives as written.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}
