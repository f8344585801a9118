//! A one-line text input on tui-textarea (editing keys, undo, word moves
//! come with it), kept to a single line, and the comparable view of it the
//! panels draw.

use crossterm::event::{KeyCode, KeyEvent};
use tui_textarea::{CursorMove, TextArea};

/// Longest text a field holds: enough for any image reference (255 for the
/// name plus tag and digest) or a change-cause.
pub const MAX_FIELD_CHARS: usize = 600;

/// What a field or prompt says when it holds all it can.
pub fn cut_note(max: usize) -> String {
    format!("cut at {max} characters")
}

/// Pasted text as one line of at most `room` characters, and whether some
/// was cut. Line breaks and tabs become spaces (a pasted newline must not
/// submit anything); controls and escape sequences go as they do from
/// cluster text. Only a bounded prefix is looked at, so a megabyte paste
/// costs no more than what can fit.
pub fn clean_paste(text: &str, room: usize) -> (String, bool) {
    let text = text.trim_end_matches(['\r', '\n']);
    // Room for escapes that cleaning removes, well under the sanitizer's
    // own line cap (which would add its cut marker).
    let scan = room
        .saturating_mul(4)
        .saturating_add(1024)
        .min(crate::model::sanitize::MAX_LINE_CHARS / 2);
    let mut flat = String::with_capacity(text.len().min(scan));
    let mut more = false;
    let mut after_cr = false;
    for c in text.chars() {
        if flat.len() >= scan {
            more = true;
            break;
        }
        match c {
            '\n' if after_cr => {}
            '\r' | '\n' | '\t' => flat.push(' '),
            c => flat.push(c),
        }
        after_cr = c == '\r';
    }
    let cleaned = crate::model::sanitize::clean(&flat);
    let fit: String = cleaned.chars().take(room).collect();
    let cut = more || fit.len() < cleaned.len();
    (fit, cut)
}

#[derive(Clone, Debug)]
pub struct InputField {
    pub label: String,
    area: TextArea<'static>,
    /// The text it opened with, to tell an edit from no change.
    initial: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldView {
    pub label: String,
    pub text: String,
    /// Cursor position in characters.
    pub cursor: usize,
    pub focused: bool,
    pub changed: bool,
}

impl InputField {
    pub fn new(label: impl Into<String>, text: &str) -> Self {
        let mut area = TextArea::new(vec![text.to_string()]);
        area.move_cursor(CursorMove::End);
        InputField {
            label: label.into(),
            area,
            initial: text.to_string(),
        }
    }

    pub fn text(&self) -> String {
        self.area.lines().concat()
    }

    pub fn changed(&self) -> bool {
        self.text().trim() != self.initial.trim()
    }

    pub fn set_text(&mut self, text: &str) {
        *self = InputField::new(self.label.clone(), text);
    }

    /// Edits with `key`; Enter, Tab and Esc are left to the panel. Returns
    /// whether the key was an editing key.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        if matches!(
            key.code,
            KeyCode::Enter | KeyCode::Tab | KeyCode::BackTab | KeyCode::Esc
        ) {
            return false;
        }
        let used = self.area.input(key);
        // Pasted or Ctrl-M newlines would make a second line: keep one.
        if self.area.lines().len() > 1 {
            let joined = self.area.lines().concat();
            self.area = TextArea::new(vec![joined]);
            self.area.move_cursor(CursorMove::End);
        }
        if self.text().chars().count() > MAX_FIELD_CHARS {
            self.area.undo();
        }
        used
    }

    /// Inserts pasted text at the cursor as one edit: line breaks become
    /// spaces, controls and escapes are dropped, and only what fits under
    /// the cap goes in. Returns whether some of it was cut.
    pub fn paste(&mut self, text: &str) -> bool {
        let room = MAX_FIELD_CHARS.saturating_sub(self.text().chars().count());
        let (fit, cut) = clean_paste(text, room);
        if !fit.is_empty() {
            self.area.insert_str(fit);
        }
        cut
    }

    /// The field holds as much as it can: the panel says so.
    pub fn full(&self) -> bool {
        self.text().chars().count() >= MAX_FIELD_CHARS
    }

    pub fn view(&self, focused: bool) -> FieldView {
        FieldView {
            label: self.label.clone(),
            text: self.text(),
            cursor: self.area.cursor().1,
            focused,
            changed: self.changed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::dialogs::test_keys::*;

    #[test]
    fn edits_stay_on_one_line_and_track_changes() {
        let mut f = InputField::new("image", "nginx:1");
        assert!(!f.changed());
        for k in typed(".25") {
            f.input(k);
        }
        assert_eq!(f.text(), "nginx:1.25");
        assert!(f.changed());
        assert!(!f.input(key(KeyCode::Enter)));
        f.input(ctrl_key('m'));
        assert_eq!(f.text().lines().count(), 1);
        f.input(key(KeyCode::Backspace));
        f.input(key(KeyCode::Home));
        let v = f.view(true);
        assert_eq!(v.cursor, 0);
        assert_eq!(v.label, "image");
    }

    #[test]
    fn a_paste_is_one_line_cleaned_and_capped() {
        let mut f = InputField::new("image", "nginx:");
        f.input(key(KeyCode::Home));
        assert!(!f.paste("ghcr.io/\x1b[31mx\r\n/"));
        let text = f.text();
        assert!(
            text.starts_with("ghcr.io/") && text.ends_with("x /nginx:"),
            "{text:?}"
        );
        assert!(!text.chars().any(char::is_control), "{text:?}");
        let pasted = text.chars().count() - "nginx:".len();
        assert_eq!(
            f.view(true).cursor,
            pasted,
            "the cursor ends after the paste"
        );
        assert!(f.paste(&"a".repeat(100_000)));
        assert_eq!(f.text().chars().count(), MAX_FIELD_CHARS);
        assert!(f.full());
        let text = f.text();
        assert!(
            text.ends_with("aanginx:"),
            "the paste went in at the cursor: {text:?}"
        );
    }

    #[test]
    fn length_is_capped() {
        let mut f = InputField::new("x", "");
        for _ in 0..(MAX_FIELD_CHARS + 10) {
            f.input(ch('a'));
        }
        assert_eq!(f.text().chars().count(), MAX_FIELD_CHARS);
    }
}
