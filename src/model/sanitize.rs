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

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Longest line we keep; longer text is cut with a marker so a 1 MB log line
/// cannot stall rendering or blow the buffer.
pub const MAX_LINE_CHARS: usize = 8 * 1024;

const TAB_WIDTH: usize = 4;

/// Ends a line that was cut. Kept whole when text is cleaned again, so
/// cleaning is idempotent even when the line's own text got shorter.
const CUT: &str = " …[cut]";

/// Removes escape sequences, C0/C1 control characters (TAB becomes spaces),
/// DEL, bidi overrides/isolates, invisible format characters and the emoji
/// modifiers whose width terminals disagree on; U+2028/U+2029 become spaces.
/// Caps the length, marking a cut only when visible text was dropped.
/// Every grapheme ends up exactly as wide as its characters added up (see
/// [`fit_widths`]). Borrows when the text is already clean, which is the
/// overwhelmingly common case.
pub fn clean(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_LINE_CHARS && text.chars().all(is_safe) && widths_agree(text) {
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
    !(c.is_control()
        || is_bidi_control(c)
        || is_invisible_format(c)
        || is_width_ambiguous(c)
        || is_line_separator(c))
}

/// Bidi embedding/override/isolate controls can reorder what the operator
/// sees (a name that reads differently from what it is).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Zero-width format characters hide text without being control characters:
/// zero-width spaces and joiners, invisible operators, the soft hyphen,
/// interlinear annotation marks, Unicode tag characters (which can smuggle
/// a whole invisible sentence) and the Hangul fillers used for blank names.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{180E}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
            | '\u{3164}'
            | '\u{FFA0}'
    )
}

/// Characters that make a cluster of characters wider than the sum of its
/// parts: ratatui measures the cluster (an emoji with VS16 or a skin tone
/// is 2 columns), while most terminals add up each character (1 + 0, or
/// 2 + 2), so the rest of the row would drift. Without them the emoji is
/// drawn in its plain form, the same width everywhere.
fn is_width_ambiguous(c: char) -> bool {
    matches!(c, '\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}')
}

/// U+2028/U+2029 end a line for some programs and are one column for
/// others; they become a space.
fn is_line_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// Whether `c`, outside an escape sequence, puts something on the screen.
fn emits(c: char) -> bool {
    is_safe(c) || c == '\t' || is_line_separator(c)
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
    let mut cut = false;
    for (at, c) in text.char_indices() {
        if state == State::Text && c == ' ' && &text[at..] == CUT {
            out.push_str(CUT);
            break;
        }
        if kept >= MAX_LINE_CHARS && state == State::Text && emits(c) {
            cut = true;
            break;
        }
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
                c if is_line_separator(c) => {
                    out.push(' ');
                    kept += 1;
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
    }
    fit_widths(&mut out);
    if cut {
        out.push_str(CUT);
    }
    out
}

/// Whether each grapheme is as wide as its characters added up. Below
/// U+0300 (lead byte 0xCC) every character is its own grapheme, so most
/// text is answered by a byte scan.
fn widths_agree(text: &str) -> bool {
    !text.bytes().any(|b| b >= 0xCC) || text.graphemes(true).all(grapheme_agrees)
}

fn grapheme_agrees(g: &str) -> bool {
    g.width() == g.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>()
}

/// ratatui measures a grapheme as a whole, and unicode-width narrows some
/// in context (a Khmer subscript consonant after COENG takes no column);
/// a terminal adds up the characters. Where the two differ the rest of the
/// row would drift, so such a grapheme keeps only the characters that take
/// a column of their own (or its first character), repeated until every
/// grapheme agrees; each round removes characters, so it ends.
fn fit_widths(text: &mut String) {
    while !widths_agree(text) {
        let mut fixed = String::with_capacity(text.len());
        for g in text.graphemes(true) {
            if grapheme_agrees(g) {
                fixed.push_str(g);
                continue;
            }
            let spacing: String = g.chars().filter(|c| c.width().unwrap_or(0) > 0).collect();
            if spacing.len() < g.len() {
                fixed.push_str(&spacing);
            } else {
                fixed.extend(g.chars().next());
            }
        }
        *text = fixed;
    }
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
    fn a_line_exactly_at_the_cap_is_not_marked_cut() {
        // Multi-byte, so the text takes the owned path.
        let full = "é".repeat(MAX_LINE_CHARS);
        assert_eq!(clean(&full), full.as_str());
        let with_escape = format!("{full}\x1b[0m");
        assert_eq!(clean(&with_escape), full.as_str());
        let over = format!("{full}y");
        assert_eq!(clean(&over), format!("{full} …[cut]"));
    }

    #[test]
    fn tabs_past_the_cap_do_not_grow_the_line() {
        let line = format!("{}{}", "x".repeat(MAX_LINE_CHARS), "\t".repeat(100_000));
        let out = clean(&line);
        assert_eq!(
            out.chars().count(),
            MAX_LINE_CHARS + " …[cut]".chars().count()
        );
        assert_eq!(clean(&out), out, "idempotent at the cap");
    }

    #[test]
    fn invisible_and_width_ambiguous_characters_go() {
        for (input, want) in [
            ("☁\u{FE0F}", "☁"),
            ("👍\u{1F3FD}", "👍"),
            ("tag\u{E0041}\u{E007F}s", "tags"),
            ("soft\u{AD}hyphen", "softhyphen"),
            ("\u{3164}\u{FFA0}name", "name"),
            ("in\u{2062}visible", "invisible"),
            ("line\u{2028}para\u{2029}end", "line para end"),
            ("\u{FFF9}anno\u{FFFB}", "anno"),
            // Wide, combining and plain text-style emoji stay.
            (
                "宽字符 e\u{301} ☁ 😀\u{FE0E}",
                "宽字符 e\u{301} ☁ 😀\u{FE0E}",
            ),
        ] {
            assert_eq!(clean(input), want, "input {input:?}");
        }
    }

    #[test]
    fn graphemes_narrowed_in_context_keep_their_spacing_characters() {
        // Found by fuzzing: unicode-width makes this Khmer cluster one
        // column, a terminal draws two.
        assert_eq!(clean("ធ\u{17D2}ធx"), "ធធx");
        let long = format!(
            "{}ធ\u{17D2}ធ{}",
            "a".repeat(MAX_LINE_CHARS - 3),
            "b".repeat(10)
        );
        let out = clean(&long);
        assert!(out.ends_with("ធធ …[cut]"), "{out}");
        assert_eq!(clean(&out), out, "idempotent after narrowing at the cap");
        // Scripts whose clusters measure the same stay whole.
        for ok in [
            "नमस्ते",
            "한국어",
            "\u{1100}\u{1161}\u{11A8}",
            "e\u{301}",
            "🇺🇸",
            "لا",
        ] {
            assert_eq!(clean(ok), ok);
        }
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
