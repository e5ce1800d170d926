//! Byte-level scanning shared by everything that reads IDL text outside the parser (segmentation,
//! the formatter's comment scan, the resolver's look at declarations that did not parse): where a
//! string literal or a comment ends, so braces and words inside them are not mistaken for code.

/// Index just past a string literal whose opening quote is at `start`; a string ends at its
/// closing quote or, unterminated, at the end of the line.
pub fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    (i + 1).min(bytes.len())
}

/// Index of the newline ending a line comment that starts at `start` (or the end of the text).
pub fn line_comment_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| start + n)
}

/// Index just past a block comment starting at `start` (comments nest, as in Rust), and the
/// deepest nesting seen.
pub fn block_comment_end(bytes: &[u8], start: usize) -> (usize, usize) {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            deepest = deepest.max(depth);
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    (i.min(bytes.len()), deepest)
}

/// What starts at `i`: a string, a line comment, a block comment, or code.
pub enum Token {
    String,
    LineComment,
    BlockComment,
    Code,
}

pub fn token_at(bytes: &[u8], i: usize) -> Token {
    match (bytes[i], bytes.get(i + 1)) {
        (b'"', _) => Token::String,
        (b'/', Some(b'/')) => Token::LineComment,
        (b'/', Some(b'*')) => Token::BlockComment,
        _ => Token::Code,
    }
}

/// Where the string literal or comment starting at `i` ends, or `None` when code starts there.
pub fn non_code_end(bytes: &[u8], i: usize) -> Option<usize> {
    match token_at(bytes, i) {
        Token::String => Some(string_end(bytes, i)),
        Token::LineComment => Some(line_comment_end(bytes, i)),
        Token::BlockComment => Some(block_comment_end(bytes, i).0),
        Token::Code => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_ends() {
        let text = br#""a\"b" x"#;
        assert_eq!(string_end(text, 0), 6);
        assert_eq!(line_comment_end(b"// hi\nx", 0), 5);
        assert_eq!(block_comment_end(b"/* a /* b */ c */x", 0), (17, 2));
        assert_eq!(block_comment_end(b"/* open", 0), (7, 1));
    }
}
