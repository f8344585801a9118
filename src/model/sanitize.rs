//! The one place untrusted cluster text is made safe for a terminal.
//!
//! Names, labels, annotations, images, event messages and log lines are
//! written by whoever runs workloads in the cluster. Printed raw, escape
//! sequences could clear or spoof the screen, set the title, write the
//! clipboard (OSC 52) or make the terminal answer back; stray control bytes
//! also make ratatui's screen diff drift. Everything that enters from the
//! cluster passes through [`clean`] (or [`clean_bytes`] for raw streams)
//! before it is cached.

use std::borrow::Cow;

/// Longest line we keep; longer text is cut with a marker so a 1 MB log line
/// cannot stall rendering or blow the buffer.
pub const MAX_LINE_CHARS: usize = 8 * 1024;

const TAB_WIDTH: usize = 4;

/// Removes escape sequences, C0/C1 control characters (TAB becomes spaces),
/// DEL and bidi overrides/isolates; caps the length. Borrows when the text is
/// already clean, which is the overwhelmingly common case.
pub fn clean(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_LINE_CHARS && text.chars().all(is_safe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(clean_owned(text))
}

/// Like [`clean`], for bytes that may not be UTF-8 (log streams).
pub fn clean_bytes(bytes: &[u8]) -> String {
    clean(&String::from_utf8_lossy(bytes)).into_owned()
}

/// Cleans a `String` in place, allocating only when something must change.
pub fn clean_in_place(text: &mut String) {
    if let Cow::Owned(cleaned) = clean(text) {
        *text = cleaned;
    }
}

fn is_safe(c: char) -> bool {
    !(c.is_control() || is_bidi_control(c) || is_invisible_format(c))
}

/// Bidi embedding/override/isolate controls can reorder what the operator
/// sees (a name that reads differently from what it is).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Zero-width format characters hide text without being control characters.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Text,
    /// Just saw ESC (or the C1 equivalent).
    Escape,
    /// Inside a CSI sequence: parameters until a final byte 0x40..=0x7E.
    Csi,
    /// Inside a string sequence (OSC, DCS, APC, PM, SOS): until BEL or ST.
    Str,
    /// Saw ESC inside a string sequence: a following `\` ends it.
    StrEscape,
}

fn clean_owned(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_LINE_CHARS + 8));
    let mut state = State::Text;
    let mut kept = 0usize;
    for c in text.chars() {
        state = match state {
            State::Text => match c {
                '\u{1b}' => State::Escape,
                '\u{9b}' => State::Csi,
                '\u{90}' | '\u{9d}' | '\u{9e}' | '\u{9f}' | '\u{98}' => State::Str,
                '\t' => {
                    let pad = TAB_WIDTH - (kept % TAB_WIDTH);
                    out.extend(std::iter::repeat_n(' ', pad));
                    kept += pad;
                    State::Text
                }
                c if is_safe(c) => {
                    out.push(c);
                    kept += 1;
                    State::Text
                }
                _ => State::Text,
            },
            State::Escape => match c {
                '[' => State::Csi,
                ']' | 'P' | '_' | '^' | 'X' => State::Str,
                // Two-byte sequences (ESC 7, ESC c, ...) end here; ESC followed
                // by an intermediate byte waits for one more.
                '\u{20}'..='\u{2f}' => State::Escape,
                _ => State::Text,
            },
            State::Csi => match c {
                '\u{40}'..='\u{7e}' => State::Text,
                '\u{1b}' => State::Escape,
                _ => State::Csi,
            },
            State::Str => match c {
                '\u{07}' | '\u{9c}' => State::Text,
                '\u{1b}' => State::StrEscape,
                _ => State::Str,
            },
            State::StrEscape => match c {
                '\\' => State::Text,
                '\u{1b}' => State::StrEscape,
                _ => State::Str,
            },
        };
        if kept >= MAX_LINE_CHARS {
            out.push_str(" …[cut]");
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(clean("nginx:1.25 ready"), Cow::Borrowed(_)));
    }

    #[test]
    fn strips_the_security_corpus() {
        let corpus = [
            ("a\x1b[2Jb", "ab"),
            ("\x1b[31mred\x1b[0m", "red"),
            ("\x1b]0;title\x07after", "after"),
            ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),
            ("\x1b]52;c;aGk=\x07x", "x"),
            ("\x1bPdcs stuff\x1b\\y", "y"),
            ("\u{9b}31mz", "z"),
            ("over\rwrite", "overwrite"),
            ("back\x08space", "backspace"),
            ("bell\x07", "bell"),
            ("evil\u{202E}txt", "eviltxt"),
            ("zero\u{200B}width", "zerowidth"),
            ("del\x7f", "del"),
        ];
        for (input, want) in corpus {
            assert_eq!(clean(input), want, "input {input:?}");
        }
    }

    #[test]
    fn tabs_expand_to_the_next_stop() {
        assert_eq!(clean("a\tb"), "a   b");
        assert_eq!(clean("\tx"), "    x");
    }

    #[test]
    fn long_lines_are_cut_with_a_marker() {
        let line = "x".repeat(1024 * 1024);
        let out = clean(&line);
        assert!(out.chars().count() < MAX_LINE_CHARS + 10);
        assert!(out.ends_with("[cut]"));
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(clean_bytes(b"ok\xff\xfeend"), "ok\u{FFFD}\u{FFFD}end");
    }

    #[test]
    fn unterminated_sequences_swallow_only_their_tail() {
        assert_eq!(clean("keep\x1b]0;never ends"), "keep");
        assert_eq!(clean("keep\x1b["), "keep");
    }

    #[test]
    fn output_never_contains_control_characters() {
        let mut nasty = String::new();
        for b in 0u32..0x200 {
            if let Some(c) = char::from_u32(b) {
                nasty.push(c);
                nasty.push('a');
            }
        }
        assert!(clean(&nasty).chars().all(is_safe));
    }
}
