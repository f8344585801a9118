//! Text for files a person may `cat` or `tail`: the journal, kockpit.log.
//!
//! Cluster text is sanitized at intake, but these files also hold text that
//! never passed there (a server's error, an operator's input), and a file
//! outlives the screen it was meant for. serde_json escapes only C0 controls,
//! `"` and `\`; a C1 control (U+009B is a whole CSI) or a bidi override would
//! reach the terminal of whoever reads the file. Here every character the
//! sanitizer would not put on a screen is written as an escape instead, so
//! the file holds the same text and hands a terminal nothing.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

use serde::Serialize;

use super::sanitize::shows_as_is;

/// One JSON line (no newline) with every non-printing character as `\uXXXX`.
pub fn json_line<T: Serialize>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Escaping);
    value.serialize(&mut ser)?;
    // The formatter writes only what serde_json gave it, escaped to ASCII.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Escapes, for a plain-text file, every character that is not shown as is
/// (`\u{9b}`); newlines stay, so a log keeps its lines. Borrows when there is
/// nothing to escape.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| c == '\n' || shows_as_is(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\n' || shows_as_is(c) {
            out.push(c);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    Cow::Owned(out)
}

struct Escaping;

impl serde_json::ser::Formatter for Escaping {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (at, c) in fragment.char_indices() {
            if shows_as_is(c) {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..at])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = at + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// A writer for kockpit.log: each write is escaped with [`escape_text`].
/// tracing's formatter hands over one whole event per write, so a character
/// is never split between two calls; invalid UTF-8 becomes U+FFFD.
pub struct EscapingWriter<W>(pub W);

impl<W: io::Write> io::Write for EscapingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(escape_text(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const HOSTILE: &str = "a\u{1b}[2Jb\u{9b}31m\u{9d}0;t\u{7}c\u{202E}d\u{2066}e\u{200B}f\u{7f}g😀";

    fn hands_a_terminal_nothing(text: &str) {
        assert!(
            text.chars().all(|c| c == '\n' || shows_as_is(c)),
            "raw character in {text:?}"
        );
    }

    #[test]
    fn json_lines_escape_c1_bidi_and_invisible_characters_and_read_back_the_same() {
        let line = json_line(&serde_json::json!({ "object": HOSTILE })).unwrap();
        hands_a_terminal_nothing(&line);
        assert!(
            line.contains("\\u009b") && line.contains("\\u202e"),
            "{line}"
        );
        // Still JSON, holding exactly the text it was given.
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back["object"], HOSTILE);
        // Plain text is written as serde_json writes it.
        let plain = serde_json::json!({"a": "nginx:1.25 ✔ 宽"});
        assert_eq!(
            json_line(&plain).unwrap(),
            serde_json::to_string(&plain).unwrap()
        );
    }

    #[test]
    fn log_text_keeps_newlines_and_escapes_the_rest() {
        assert_eq!(escape_text("plain\nlines"), "plain\nlines");
        let out = escape_text(HOSTILE);
        hands_a_terminal_nothing(&out);
        assert!(out.contains("\\u{9b}31m"), "{out}");
        let mut w = EscapingWriter(Vec::new());
        w.write_all(b"x \xc2\x9b y\xff\n").unwrap();
        assert_eq!(String::from_utf8(w.0).unwrap(), "x \\u{9b} y\u{FFFD}\n");
    }
}
