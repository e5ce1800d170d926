//! Splits a file into top-level declarations before parsing, so that one syntax error does not hide
//! the rest of the file, and refuses input nested deeper than any real IDL (which would otherwise
//! exhaust the parser's stack).

use super::lexical;

/// Deeper nesting of brackets or block comments than this is rejected before parsing.
pub const MAX_NESTING: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub start: usize,
    pub end: usize,
    /// Byte offset where nesting first went past [`MAX_NESTING`], if it did.
    pub too_deep_at: Option<usize>,
}

/// Cuts after every `;` or closing `}` that brings the brace depth back to zero. Strings and
/// comments are skipped so that braces inside them do not count.
pub fn segment(text: &str) -> Vec<Segment> {
    let bytes = text.as_bytes();
    let mut segments = Vec::new();
    let mut start = 0;
    let mut brace_depth = 0usize;
    let mut nesting = 0usize;
    let mut too_deep_at = None;
    let mut i = 0;
    let mut cut = |end: usize, start: &mut usize, too_deep_at: &mut Option<usize>| {
        segments.push(Segment {
            start: *start,
            end,
            too_deep_at: too_deep_at.take(),
        });
        *start = end;
    };
    while i < bytes.len() {
        if let lexical::Token::BlockComment = lexical::token_at(bytes, i) {
            let (end, deepest) = lexical::block_comment_end(bytes, i);
            if deepest > MAX_NESTING && too_deep_at.is_none() {
                too_deep_at = Some(i);
            }
            i = end;
            continue;
        }
        if let Some(end) = lexical::non_code_end(bytes, i) {
            i = end;
            continue;
        }
        match bytes[i] {
            b'{' | b'(' | b'[' | b'<' => {
                if bytes[i] == b'{' {
                    brace_depth += 1;
                }
                nesting += 1;
                if nesting > MAX_NESTING && too_deep_at.is_none() {
                    too_deep_at = Some(i);
                }
            }
            b'>' if i > 0 && bytes[i - 1] == b'-' => {}
            b')' | b']' | b'>' => nesting = nesting.saturating_sub(1),
            b'}' => {
                nesting = nesting.saturating_sub(1);
                brace_depth = brace_depth.saturating_sub(1);
                if brace_depth == 0 {
                    nesting = 0;
                    cut(i + 1, &mut start, &mut too_deep_at);
                }
            }
            b';' if brace_depth == 0 => {
                nesting = 0;
                cut(i + 1, &mut start, &mut too_deep_at);
            }
            _ => {}
        }
        i += 1;
    }
    if start < bytes.len() || segments.is_empty() {
        segments.push(Segment {
            start,
            end: bytes.len(),
            too_deep_at,
        });
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<&str> {
        segment(text).iter().map(|s| text[s.start..s.end].trim()).collect()
    }

    #[test]
    fn cuts_after_semicolons_and_top_level_braces() {
        let text = "package a.b;\nimport \"x.idl\";\nstruct A { x: i32 }\nservice S { fn f(); }\n";
        assert_eq!(
            pieces(text),
            vec![
                "package a.b;",
                "import \"x.idl\";",
                "struct A { x: i32 }",
                "service S { fn f(); }",
                ""
            ]
        );
    }

    #[test]
    fn ignores_braces_in_strings_and_comments() {
        let text = "struct A { #[pattern(\"}{;\")] x: string } // }\n/* { */ struct B {}";
        assert_eq!(
            pieces(text),
            vec![
                "struct A { #[pattern(\"}{;\")] x: string }",
                "// }\n/* { */ struct B {}"
            ]
        );
    }

    #[test]
    fn flags_deep_nesting() {
        let text = format!("struct A {{ x: {}i32{} }}", "list<".repeat(100), ">".repeat(100));
        assert!(segment(&text)[0].too_deep_at.is_some());
        let comments = "/*".repeat(100);
        assert!(segment(&comments)[0].too_deep_at.is_some());
    }
}
