//! Spelling for GraphQL: names, descriptions (block strings) and literals. Case conversion itself
//! comes from [`crate::model::naming`] so every target agrees; this module only makes the result a
//! legal GraphQL token.

use std::collections::BTreeSet;

use crate::model::naming;

/// Type names every schema already uses: GraphQL's own scalars and the root operation types.
pub const BUILT_IN_TYPES: &[&str] = &[
    "Int",
    "Float",
    "String",
    "Boolean",
    "ID",
    "Query",
    "Mutation",
    "Subscription",
];

/// Longest line a one-line description may make; longer ones get their own lines.
const MAX_LINE: usize = 100;

/// The type names given out in one schema, so that no two types share one.
#[derive(Debug, Default)]
pub struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    /// GraphQL reserves names starting with `__` for introspection.
    fn is_free(&self, name: &str) -> bool {
        !name.is_empty() && !name.starts_with("__") && !self.taken.contains(name)
    }

    /// Claims the first free candidate; when all are taken, the last one followed by the
    /// smallest number from 2 that makes it free. The result only depends on what was claimed
    /// before, so claiming in a fixed order gives the same names on every run.
    pub fn claim(&mut self, candidates: &[String]) -> String {
        let chosen = candidates
            .iter()
            .find(|candidate| self.is_free(candidate))
            .cloned()
            .unwrap_or_else(|| {
                let last = candidates.last().map_or("Type", String::as_str);
                (2u32..)
                    .map(|n| format!("{last}{n}"))
                    .find(|candidate| self.is_free(candidate))
                    .unwrap_or_else(|| last.to_string())
            });
        self.taken.insert(chosen.clone());
        chosen
    }
}

/// A field, argument or input-field name: the JSON name (`nextPageToken`), so that GraphQL and
/// the JSON protocols spell members alike. A name that would not be a GraphQL name (empty, or
/// starting with a digit after conversion) gets a leading `_`.
pub fn member(name: &str) -> String {
    legal(naming::json_name(name))
}

/// A method or event field: lowerCamel of the method (`getPet`).
pub fn operation(name: &str) -> String {
    legal(naming::lower_camel_case(name))
}

/// An enum value: the variant in UPPER_SNAKE, without the enum-name prefix the JSON protocols
/// use, since GraphQL enum values are already scoped by their type (`DOG`).
pub fn enum_value(variant: &str) -> String {
    legal(naming::screaming_snake_case(variant))
}

fn legal(name: String) -> String {
    if name.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    }
}

/// `text` as a GraphQL description (a block string) on its own line(s), indented by `indent` and
/// ending with a newline; empty when there is no text. `gap` puts a blank line before it, which
/// separates described members in a list the way `graphql-js`'s printer does.
pub fn description(text: &str, indent: &str, gap: bool) -> String {
    let text = text.trim_end();
    if text.trim().is_empty() {
        return String::new();
    }
    // Block strings hold any source character but the C0 controls other than tab and newline;
    // `"""` is the only escape sequence they know.
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let escaped = cleaned.replace("\"\"\"", "\\\"\"\"");
    let mut out = String::new();
    if gap {
        out.push('\n');
    }
    // A short line stays on one line, unless its end would merge with the closing quotes.
    let fits = indent.len() + escaped.chars().count() + 6 <= MAX_LINE;
    if fits && !escaped.contains('\n') && !escaped.ends_with('"') && !escaped.ends_with('\\') {
        out.push_str(&format!("{indent}\"\"\"{escaped}\"\"\"\n"));
        return out;
    }
    out.push_str(&format!("{indent}\"\"\"\n"));
    for line in escaped.lines() {
        // Indenting every line the same keeps relative indentation: GraphQL strips the common
        // indentation of a block string's lines.
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("{indent}{line}\n"));
        }
    }
    out.push_str(&format!("{indent}\"\"\"\n"));
    out
}

/// A GraphQL string literal, `"…"`.
pub fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number as GraphQL writes it: the IDL's text with leading zeros removed (GraphQL rejects
/// `007`), so that exponents and fractions stay exact.
pub fn number(text: &str) -> String {
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let digits_end = unsigned.find(|c: char| !c.is_ascii_digit()).unwrap_or(unsigned.len());
    let (integer, rest) = unsigned.split_at(digits_end);
    let integer = integer.trim_start_matches('0');
    let integer = if integer.is_empty() { "0" } else { integer };
    format!("{sign}{integer}{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_escape_triple_quotes_and_keep_indentation() {
        assert_eq!(description("The id.", "  ", false), "  \"\"\"The id.\"\"\"\n");
        assert_eq!(
            description("Say \"\"\"hi\"\"\".", "", false),
            "\"\"\"Say \\\"\"\"hi\\\"\"\".\"\"\"\n"
        );
        assert_eq!(description("Ends with \"", "", false), "\"\"\"\nEnds with \"\n\"\"\"\n");
        assert_eq!(
            description("First.\n\n    code", "  ", true),
            "\n  \"\"\"\n  First.\n\n      code\n  \"\"\"\n"
        );
        assert_eq!(description("  \n", "", false), "");
    }

    #[test]
    fn literals_are_graphql_tokens() {
        assert_eq!(string("a \"b\" \\ \n"), "\"a \\\"b\\\" \\\\ \\n\"");
        assert_eq!(number("007"), "7");
        assert_eq!(number("-0.25"), "-0.25");
        assert_eq!(number("00.5e3"), "0.5e3");
        assert_eq!(number("0"), "0");
    }

    #[test]
    fn names_are_legal_and_claimed_once() {
        assert_eq!(member("next_page_token"), "nextPageToken");
        assert_eq!(enum_value("DoNotDisturb"), "DO_NOT_DISTURB");
        assert_eq!(member("_1"), "_1");
        let mut names = Namespace::default();
        names.reserve("PetInput");
        assert_eq!(names.claim(&["PetInput".into()]), "PetInput2");
        assert_eq!(names.claim(&["PetInput".into()]), "PetInput3");
        assert_eq!(names.claim(&["__Pet".into(), "AcmePet".into()]), "AcmePet");
    }
}
