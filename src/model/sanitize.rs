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

/// Shown in place of whatever was removed: an escape sequence, a control or
/// bidi character, an invisible format character. One visible mark, the same
/// everywhere, so a disguised value (`blue\x1b]0;…`) never looks like a
/// clean one (`blue`), and invalid UTF-8 already reads this way.
pub const MARK: char = '\u{FFFD}';

/// Removes escape sequences, C0/C1 control characters (TAB becomes spaces),
/// DEL, bidi overrides/isolates and invisible format characters, each run of
/// them shown as one [`MARK`]; drops the emoji modifiers whose width
/// terminals disagree on; U+2028/U+2029 become spaces.
/// Caps the length, marking a cut only when visible text was dropped.
/// Every grapheme ends up exactly as wide as its characters added up (see
/// [`fit_widths`]). Borrows when the text is already clean, which is the
/// overwhelmingly common case.
pub fn clean(text: &str) -> Cow<'_, str> {
    if is_clean(text) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(clean_owned(text, Flavor::Text).0)
}

/// Like [`clean`], for bytes that may not be UTF-8.
pub fn clean_bytes(bytes: &[u8]) -> String {
    clean(&String::from_utf8_lossy(bytes)).into_owned()
}

/// A log line's bytes: as [`clean_bytes`], except that colour (SGR) sequences
/// and the `\r` of a CRLF line end vanish without a mark. Colourful loggers
/// are common and their colours disguise nothing; every other sequence is
/// marked as anywhere else.
pub fn clean_log_bytes(bytes: &[u8]) -> String {
    clean_log_line(bytes).0
}

/// [`clean_log_bytes`], and whether the line was cut at the cap (a saved
/// file says so, with the original length).
pub fn clean_log_line(bytes: &[u8]) -> (String, bool) {
    let text = String::from_utf8_lossy(bytes);
    if is_clean(&text) {
        return (text.into_owned(), false);
    }
    clean_owned(&text, Flavor::Log)
}

/// Cleans a `String` in place, allocating only when something must change.
pub fn clean_in_place(text: &mut String) {
    if let Cow::Owned(cleaned) = clean(text) {
        *text = cleaned;
    }
}

fn is_clean(text: &str) -> bool {
    text.len() <= MAX_LINE_CHARS && text.chars().all(is_safe) && widths_agree(text)
}

/// Whether `c` is put on a screen (or in a file meant for one) as it is.
pub fn shows_as_is(c: char) -> bool {
    is_safe(c)
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

/// Whether `c`, met as text, puts something on the screen (a character, a
/// space, or a mark). Sequence starters are not counted: what they show is
/// known only at their end.
fn emits(c: char) -> bool {
    !(is_width_ambiguous(c) || starts_sequence(c))
}

fn starts_sequence(c: char) -> bool {
    matches!(
        c,
        '\u{1b}' | '\u{9b}' | '\u{90}' | '\u{9d}' | '\u{9e}' | '\u{9f}' | '\u{98}'
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Flavor {
    Text,
    Log,
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Text,
    /// Just saw ESC (or the C1 equivalent).
    Escape,
    /// Inside a CSI sequence: parameters until a final byte 0x40..=0x7E.
    /// `sgr` while the parameters so far could be a colour sequence.
    Csi {
        sgr: bool,
    },
    /// Inside a string sequence (OSC, DCS, APC, PM, SOS): until BEL or ST.
    Str,
    /// Saw ESC inside a string sequence: a following `\` ends it.
    StrEscape,
}

/// The output being built, with its visible length and the cap.
struct Out {
    text: String,
    kept: usize,
    cut: bool,
}

impl Out {
    fn push(&mut self, c: char) {
        self.text.push(c);
        self.kept += 1;
    }

    /// One mark per run of removed things; past the cap it ends the line.
    fn mark(&mut self) {
        if self.text.ends_with(MARK) {
            return;
        }
        if self.kept >= MAX_LINE_CHARS {
            self.cut = true;
            return;
        }
        self.push(MARK);
    }
}

fn clean_owned(text: &str, flavor: Flavor) -> (String, bool) {
    let mut out = Out {
        text: String::with_capacity(text.len().min(MAX_LINE_CHARS + 8)),
        kept: 0,
        cut: false,
    };
    let mut state = State::Text;
    for (at, c) in text.char_indices() {
        if state == State::Text && c == ' ' && &text[at..] == CUT {
            out.text.push_str(CUT);
            break;
        }
        if out.kept >= MAX_LINE_CHARS && state == State::Text && emits(c) {
            out.cut = true;
            break;
        }
        state = match state {
            State::Text => match c {
                '\u{1b}' => State::Escape,
                '\u{9b}' => State::Csi { sgr: true },
                '\u{90}' | '\u{9d}' | '\u{9e}' | '\u{9f}' | '\u{98}' => State::Str,
                '\t' => {
                    let pad = TAB_WIDTH - (out.kept % TAB_WIDTH);
                    out.text.extend(std::iter::repeat_n(' ', pad));
                    out.kept += pad;
                    State::Text
                }
                c if is_line_separator(c) => {
                    out.push(' ');
                    State::Text
                }
                c if is_safe(c) => {
                    out.push(c);
                    State::Text
                }
                c if is_width_ambiguous(c) => State::Text,
                '\r' if flavor == Flavor::Log && at + 1 == text.len() => State::Text,
                _ => {
                    out.mark();
                    State::Text
                }
            },
            State::Escape => match c {
                '[' => State::Csi { sgr: true },
                ']' | 'P' | '_' | '^' | 'X' => State::Str,
                // Two-byte sequences (ESC 7, ESC c, ...) end here; ESC followed
                // by an intermediate byte waits for one more.
                '\u{20}'..='\u{2f}' => State::Escape,
                _ => {
                    out.mark();
                    State::Text
                }
            },
            State::Csi { sgr } => match c {
                '\u{40}'..='\u{7e}' => {
                    if !(flavor == Flavor::Log && sgr && c == 'm') {
                        out.mark();
                    }
                    State::Text
                }
                '\u{1b}' => {
                    out.mark();
                    State::Escape
                }
                c => State::Csi {
                    sgr: sgr && (c.is_ascii_digit() || c == ';' || c == ':'),
                },
            },
            State::Str => match c {
                '\u{07}' | '\u{9c}' => {
                    out.mark();
                    State::Text
                }
                '\u{1b}' => State::StrEscape,
                _ => State::Str,
            },
            State::StrEscape => match c {
                '\\' => {
                    out.mark();
                    State::Text
                }
                '\u{1b}' => State::StrEscape,
                _ => State::Str,
            },
        };
        if out.cut {
            break;
        }
    }
    // A sequence the text never ended swallowed the rest: that is marked too.
    if state != State::Text && !out.cut {
        out.mark();
    }
    let Out {
        text: mut cleaned,
        cut,
        ..
    } = out;
    fit_widths(&mut cleaned);
    if cut {
        cleaned.push_str(CUT);
    }
    (cleaned, cut)
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
    fn marks_the_security_corpus() {
        let corpus = [
            ("a\x1b[2Jb", "a\u{FFFD}b"),
            ("\x1b[31mred\x1b[0m", "\u{FFFD}red\u{FFFD}"),
            ("\x1b]0;title\x07after", "\u{FFFD}after"),
            (
                "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
                "\u{FFFD}link\u{FFFD}",
            ),
            ("\x1b]52;c;aGk=\x07x", "\u{FFFD}x"),
            ("\x1bPdcs stuff\x1b\\y", "\u{FFFD}y"),
            ("\u{9b}31mz", "\u{FFFD}z"),
            ("over\rwrite", "over\u{FFFD}write"),
            ("back\x08space", "back\u{FFFD}space"),
            ("bell\x07", "bell\u{FFFD}"),
            ("evil\u{202E}txt", "evil\u{FFFD}txt"),
            ("zero\u{200B}width", "zero\u{FFFD}width"),
            ("del\x7f", "del\u{FFFD}"),
            // A run of removed things is one mark.
            ("a\x1b[1m\x1b[31m\x07b", "a\u{FFFD}b"),
        ];
        for (input, want) in corpus {
            assert_eq!(clean(input), want, "input {input:?}");
        }
    }

    #[test]
    fn a_disguised_value_never_looks_like_a_clean_one() {
        for disguised in [
            "blue\x1b]0;x\x07",
            "blue\x1b[0m",
            "blue\u{202E}",
            "blue\u{200B}",
            "blue\u{9b}m",
            "blue\x1b",
        ] {
            assert_ne!(clean(disguised), "blue", "{disguised:?}");
            assert_eq!(clean(disguised), "blue\u{FFFD}", "{disguised:?}");
        }
    }

    #[test]
    fn log_lines_lose_colours_and_crlf_silently_and_mark_the_rest() {
        assert_eq!(
            clean_log_bytes(b"\x1b[1;31mERROR\x1b[0m done\r"),
            "ERROR done"
        );
        assert_eq!(clean_log_bytes(b"\x1b[38:5:208mok"), "ok");
        assert_eq!(clean_log_bytes(b"a\x1b[2Jb"), "a\u{FFFD}b");
        assert_eq!(clean_log_bytes(b"a\x1b]0;t\x07b"), "a\u{FFFD}b");
        assert_eq!(clean_log_bytes(b"over\rwrite\r"), "over\u{FFFD}write");
        assert_eq!(clean_log_bytes(b"x\x1b[?25l"), "x\u{FFFD}");
        let once = clean_log_bytes(b"\x1b[31mred\x1b]8;;u\x07l\xff");
        assert_eq!(clean(&once), once.as_str(), "idempotent");
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
        assert_eq!(clean("keep\x1b]0;never ends"), "keep\u{FFFD}");
        assert_eq!(clean("keep\x1b["), "keep\u{FFFD}");
    }

    #[test]
    fn a_line_exactly_at_the_cap_is_not_marked_cut() {
        // Multi-byte, so the text takes the owned path.
        let full = "é".repeat(MAX_LINE_CHARS);
        assert_eq!(clean(&full), full.as_str());
        // A colour at the cap is nothing visible in a log line; elsewhere
        // its mark is text past the cap.
        let with_escape = format!("{full}\x1b[0m");
        assert_eq!(clean_log_bytes(with_escape.as_bytes()), full.as_str());
        assert_eq!(clean(&with_escape), format!("{full} …[cut]"));
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
    fn invisible_characters_are_marked_and_width_ambiguous_ones_go() {
        for (input, want) in [
            ("☁\u{FE0F}", "☁"),
            ("👍\u{1F3FD}", "👍"),
            ("tag\u{E0041}\u{E007F}s", "tag\u{FFFD}s"),
            ("soft\u{AD}hyphen", "soft\u{FFFD}hyphen"),
            ("\u{3164}\u{FFA0}name", "\u{FFFD}name"),
            ("in\u{2062}visible", "in\u{FFFD}visible"),
            ("line\u{2028}para\u{2029}end", "line para end"),
            ("\u{FFF9}anno\u{FFFB}", "\u{FFFD}anno\u{FFFD}"),
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
