//! A regex an operator typed (`/` on a table, `/` and `:hl` on logs):
//! case-insensitive, bounded in size, and a mistake said in one line.

use regex::{Regex, RegexBuilder};

/// Compiles `pattern`; the error reads `bad {what} regex: ...`.
pub fn compile(what: &str, pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("bad {what} regex: {}", last_line(&e.to_string())))
}

/// regex errors are multi-line ASCII art; the last line says what is wrong.
fn last_line(s: &str) -> String {
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistake_is_the_line_that_says_what_is_wrong() {
        let err = compile("filter", "(oops").unwrap_err();
        assert_eq!(err, "bad filter regex: error: unclosed group");
        assert!(compile("filter", "API").unwrap().is_match("shop api-1"));
    }
}
