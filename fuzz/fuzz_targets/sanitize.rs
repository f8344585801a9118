//! The sanitizer's promises, for any bytes a cluster might send: the output
//! is UTF-8 with no control character at all (TAB is expanded), no ESC, no
//! bidi or zero-width format character; cleaning twice changes nothing;
//! plain text passes untouched; the length stays capped; and every
//! grapheme is exactly as wide as its characters added up, so ratatui
//! (which measures graphemes) and a terminal (which adds up characters)
//! agree on where the rest of the row goes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use kockpit::model::sanitize::{clean, clean_bytes, MAX_LINE_CHARS};

/// What `clean` documents it removes besides `char::is_control`.
fn is_format(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{AD}'
        | '\u{FE0F}' | '\u{E0000}'..='\u{E007F}' | '\u{2028}' | '\u{2029}')
}

fuzz_target!(|data: &[u8]| {
    let out = clean_bytes(data);
    if let Some(bad) = out.chars().find(|c| c.is_control() || is_format(*c)) {
        panic!("{bad:?} survived cleaning {data:?}");
    }
    // The marker adds 7 characters; a TAB at the cap may add 3 more spaces.
    assert!(out.chars().count() <= MAX_LINE_CHARS + 10, "not capped");
    assert_eq!(clean(&out), out.as_str(), "cleaning is not idempotent");
    for g in out.graphemes(true) {
        let sum: usize = g.chars().map(|c| c.width().unwrap_or(0)).sum();
        assert_eq!(g.width(), sum, "{g:?} measures differently from {data:?}");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        assert_eq!(clean(text), out.as_str(), "str and byte paths differ");
        let plain = text.bytes().all(|b| (0x20..0x7f).contains(&b));
        if plain && text.chars().count() <= MAX_LINE_CHARS {
            assert_eq!(out, text, "plain text was changed");
        }
    }
});
