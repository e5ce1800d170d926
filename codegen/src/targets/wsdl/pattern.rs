//! Translates an IDL `#[pattern]` (Rust `regex` syntax, unanchored search) into an XSD `xs:pattern`
//! (XML Schema regular expression, always matched against the whole value).
//!
//! The translation works on the parsed syntax tree rather than on the text, so that anchors are
//! only dropped where they really anchor the whole pattern and escapes are rewritten for XSD's
//! smaller escape set. Anything XSD cannot say exactly (look-around-like assertions, inline flags,
//! set operations, scripts) yields `None`: the caller then documents the pattern instead of
//! emitting a facet that would accept or reject different values than the server.

use regex_syntax::ast::{
    self, AssertionKind, Ast, ClassAsciiKind, ClassPerlKind, ClassSet, ClassSetItem, ClassUnicodeKind, GroupKind,
    RepetitionKind, RepetitionRange,
};

/// Any text, newlines included (`.` stops at line ends, an unanchored search does not).
const ANY_TEXT: &str = r"[\s\S]*";

/// The XSD pattern matching exactly the values the IDL pattern finds a match in.
pub fn xsd_pattern(pattern: &str) -> Option<String> {
    let root = ast::parse::Parser::new().parse(pattern).ok()?;
    let mut parts: Vec<&Ast> = match &root {
        Ast::Concat(concat) => concat.asts.iter().collect(),
        other => vec![other],
    };
    let anchored_start = parts.first().is_some_and(|ast| is_assertion(ast, true));
    if anchored_start {
        parts.remove(0);
    }
    let anchored_end = parts.last().is_some_and(|ast| is_assertion(ast, false));
    if anchored_end {
        parts.pop();
    }
    let mut body = String::new();
    for part in &parts {
        body.push_str(&node(part)?);
    }
    // A top-level alternation must stay one unit once `[\s\S]*` is put around it.
    if matches!(parts.as_slice(), [Ast::Alternation(_)]) && !(anchored_start && anchored_end) {
        body = format!("({body})");
    }
    let mut out = String::new();
    if !anchored_start {
        out.push_str(ANY_TEXT);
    }
    out.push_str(&body);
    if !anchored_end {
        out.push_str(ANY_TEXT);
    }
    Some(out)
}

fn is_assertion(ast: &Ast, start: bool) -> bool {
    match ast {
        Ast::Assertion(assertion) if start => {
            matches!(assertion.kind, AssertionKind::StartLine | AssertionKind::StartText)
        }
        Ast::Assertion(assertion) => matches!(assertion.kind, AssertionKind::EndLine | AssertionKind::EndText),
        _ => false,
    }
}

fn node(ast: &Ast) -> Option<String> {
    Some(match ast {
        Ast::Empty(_) => String::new(),
        // Inline flags change matching in ways XSD cannot express; anchors elsewhere than at the
        // ends have no XSD equivalent.
        Ast::Flags(_) | Ast::Assertion(_) => return None,
        Ast::Literal(literal) => escape(literal.c, false),
        Ast::Dot(_) => ".".to_string(),
        Ast::ClassUnicode(class) => unicode_class(class)?,
        Ast::ClassPerl(class) => perl_class(class, false)?,
        Ast::ClassBracketed(class) => bracketed(class)?,
        Ast::Repetition(repetition) => {
            // Laziness only changes which match is found, not whether there is one.
            let operator = match &repetition.op.kind {
                RepetitionKind::ZeroOrOne => "?".to_string(),
                RepetitionKind::ZeroOrMore => "*".to_string(),
                RepetitionKind::OneOrMore => "+".to_string(),
                RepetitionKind::Range(RepetitionRange::Exactly(n)) => format!("{{{n}}}"),
                RepetitionKind::Range(RepetitionRange::AtLeast(n)) => format!("{{{n},}}"),
                RepetitionKind::Range(RepetitionRange::Bounded(min, max)) => format!("{{{min},{max}}}"),
            };
            format!("{}{operator}", node(&repetition.ast)?)
        }
        Ast::Group(group) => {
            if matches!(&group.kind, GroupKind::NonCapturing(flags) if !flags.items.is_empty()) {
                return None;
            }
            format!("({})", node(&group.ast)?)
        }
        Ast::Alternation(alternation) => alternation.asts.iter().map(node).collect::<Option<Vec<_>>>()?.join("|"),
        Ast::Concat(concat) => concat.asts.iter().map(node).collect::<Option<String>>()?,
    })
}

/// A character written so XSD reads it literally, inside or outside a character class.
fn escape(c: char, in_class: bool) -> String {
    match c {
        '\n' => r"\n".to_string(),
        '\r' => r"\r".to_string(),
        '\t' => r"\t".to_string(),
        '\\' | '[' | ']' | '-' | '^' => format!("\\{c}"),
        '.' | '?' | '*' | '+' | '{' | '}' | '(' | ')' | '|' if !in_class => format!("\\{c}"),
        other => other.to_string(),
    }
}

/// Rust's Unicode-aware `\w` and `\s` are wider than XSD's (`\w` in XSD also takes symbols such as
/// `+`; `\s` only ASCII spaces), so they are spelled out as class contents.
fn perl_class_items(class: &ast::ClassPerl) -> &'static str {
    match class.kind {
        ClassPerlKind::Digit => r"\d",
        ClassPerlKind::Space => "\\s\\p{Z}\u{85}",
        ClassPerlKind::Word => r"\p{L}\p{M}\p{Nd}\p{Pc}",
    }
}

fn perl_class(class: &ast::ClassPerl, in_class: bool) -> Option<String> {
    Some(match (class.kind.clone(), class.negated, in_class) {
        (ClassPerlKind::Digit, false, _) => r"\d".to_string(),
        (ClassPerlKind::Digit, true, _) => r"\D".to_string(),
        (_, false, true) => perl_class_items(class).to_string(),
        (_, false, false) => format!("[{}]", perl_class_items(class)),
        (_, true, false) => format!("[^{}]", perl_class_items(class)),
        // A negated class cannot be one item among others in an XSD class.
        (_, true, true) => return None,
    })
}

/// General categories, the only Unicode properties XSD and Rust spell the same way.
const GENERAL_CATEGORIES: &[&str] = &[
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps", "Pe", "Pi",
    "Pf", "Po", "Z", "Zs", "Zl", "Zp", "S", "Sm", "Sc", "Sk", "So", "C", "Cc", "Cf", "Co", "Cn",
];

fn unicode_class(class: &ast::ClassUnicode) -> Option<String> {
    let category = match &class.kind {
        ClassUnicodeKind::OneLetter(letter) => letter.to_string(),
        ClassUnicodeKind::Named(name) => name.clone(),
        ClassUnicodeKind::NamedValue { name, value, .. }
            if matches!(name.as_str(), "gc" | "General_Category" | "general_category") =>
        {
            value.clone()
        }
        ClassUnicodeKind::NamedValue { .. } => return None,
    };
    if !GENERAL_CATEGORIES.contains(&category.as_str()) {
        return None;
    }
    let letter = if class.is_negated() { 'P' } else { 'p' };
    Some(format!("\\{letter}{{{category}}}"))
}

fn bracketed(class: &ast::ClassBracketed) -> Option<String> {
    let ClassSet::Item(item) = &class.kind else {
        // Intersection and symmetric difference have no XSD form.
        return None;
    };
    let items = class_item(item)?;
    let negation = if class.negated { "^" } else { "" };
    Some(format!("[{negation}{items}]"))
}

fn class_item(item: &ClassSetItem) -> Option<String> {
    Some(match item {
        ClassSetItem::Empty(_) => String::new(),
        ClassSetItem::Literal(literal) => escape(literal.c, true),
        ClassSetItem::Range(range) => format!("{}-{}", escape(range.start.c, true), escape(range.end.c, true)),
        ClassSetItem::Ascii(class) if !class.negated => ascii_class(&class.kind)?.to_string(),
        ClassSetItem::Ascii(_) => return None,
        ClassSetItem::Unicode(class) => unicode_class(class)?,
        ClassSetItem::Perl(class) => perl_class(class, true)?,
        ClassSetItem::Bracketed(inner) if !inner.negated => match &inner.kind {
            ClassSet::Item(item) => class_item(item)?,
            ClassSet::BinaryOp(_) => return None,
        },
        ClassSetItem::Bracketed(_) => return None,
        ClassSetItem::Union(union) => union.items.iter().map(class_item).collect::<Option<String>>()?,
    })
}

/// POSIX classes as XSD ranges. Classes made of control characters are left out: most of those
/// characters cannot occur in an XML document at all.
fn ascii_class(kind: &ClassAsciiKind) -> Option<&'static str> {
    Some(match kind {
        ClassAsciiKind::Alnum => "0-9A-Za-z",
        ClassAsciiKind::Alpha => "A-Za-z",
        ClassAsciiKind::Blank => r" \t",
        ClassAsciiKind::Digit => "0-9",
        ClassAsciiKind::Graph => "!-~",
        ClassAsciiKind::Lower => "a-z",
        ClassAsciiKind::Print => " -~",
        ClassAsciiKind::Punct => r"!-/:-@\[-`{-~",
        ClassAsciiKind::Space => r" \t\n\r",
        ClassAsciiKind::Upper => "A-Z",
        ClassAsciiKind::Word => "0-9A-Za-z_",
        ClassAsciiKind::Xdigit => "0-9A-Fa-f",
        ClassAsciiKind::Ascii | ClassAsciiKind::Cntrl => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::xsd_pattern;

    fn xsd(pattern: &str) -> Option<String> {
        xsd_pattern(pattern)
    }

    #[test]
    fn anchors_at_both_ends_are_dropped() {
        assert_eq!(xsd("^[A-Z]{3}$").as_deref(), Some("[A-Z]{3}"));
        assert_eq!(xsd("^image/(jpeg|png|webp)$").as_deref(), Some("image/(jpeg|png|webp)"));
        assert_eq!(xsd("^[a-z0-9-]{1,32}$").as_deref(), Some(r"[a-z0-9\-]{1,32}"));
        assert_eq!(xsd(r"\A\d+\z").as_deref(), Some(r"\d+"));
    }

    #[test]
    fn open_ends_accept_any_text() {
        assert_eq!(xsd("abc").as_deref(), Some(r"[\s\S]*abc[\s\S]*"));
        assert_eq!(xsd("^abc").as_deref(), Some(r"abc[\s\S]*"));
        assert_eq!(xsd("a|b$").as_deref(), None);
        assert_eq!(xsd("a|b").as_deref(), Some(r"[\s\S]*(a|b)[\s\S]*"));
    }

    #[test]
    fn escapes_follow_xsd() {
        assert_eq!(xsd(r"^a\.b\$c\/d$").as_deref(), Some(r"a\.b$c/d"));
        assert_eq!(xsd(r"^[\^\]a-]$").as_deref(), Some(r"[\^\]a\-]"));
        assert_eq!(xsd(r"^(?:ab)+?$").as_deref(), Some("(ab)+"));
        assert_eq!(xsd(r"^\pL[[:digit:]]\p{Lu}$").as_deref(), Some(r"\p{L}[0-9]\p{Lu}"));
        assert_eq!(xsd(r"^\w+$").as_deref(), Some(r"[\p{L}\p{M}\p{Nd}\p{Pc}]+"));
    }

    #[test]
    fn what_xsd_cannot_say_is_refused() {
        assert_eq!(xsd(r"(?i)^abc$"), None);
        assert_eq!(xsd(r"^a\bb$"), None);
        assert_eq!(xsd(r"^\p{Greek}$"), None);
        assert_eq!(xsd(r"^[a-z&&[^aeiou]]$"), None);
        assert_eq!(xsd(r"^[\W_]$"), None);
    }
}
