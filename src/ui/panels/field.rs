//! A one-line text input on tui-textarea (editing keys, undo, word moves
//! come with it), kept to a single line, and the comparable view of it the
//! panels draw.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use tui_textarea::{CursorMove, TextArea};

use crate::config::theme::Theme;

/// Longest text a field holds: enough for any image reference (255 for the
/// name plus tag and digest) or a change-cause.
pub const MAX_FIELD_CHARS: usize = 600;

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

/// `label: text` with the cursor drawn on the focused field.
pub fn field_line<'a>(v: &'a FieldView, label_width: usize, theme: &Theme) -> Line<'a> {
    let label_style = if v.focused {
        theme.accent()
    } else {
        theme.dim()
    };
    let text_style = if v.changed {
        theme.warning()
    } else {
        theme.text()
    };
    let mut spans = vec![Span::styled(
        format!(" {:<label_width$} ", v.label),
        label_style,
    )];
    if !v.focused {
        spans.push(Span::styled(v.text.as_str(), text_style));
        return Line::from(spans);
    }
    let chars: Vec<char> = v.text.chars().collect();
    let cursor = v.cursor.min(chars.len());
    let before: String = chars[..cursor].iter().collect();
    let at: String = chars.get(cursor).map_or(" ".to_string(), char::to_string);
    let after: String = chars
        .get(cursor + 1..)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    spans.push(Span::styled(before, text_style));
    spans.push(Span::styled(at, cursor_style(theme)));
    spans.push(Span::styled(after, text_style));
    Line::from(spans)
}

pub fn cursor_style(theme: &Theme) -> Style {
    theme.selected()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::panels::test_keys::*;

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
    fn length_is_capped() {
        let mut f = InputField::new("x", "");
        for _ in 0..(MAX_FIELD_CHARS + 10) {
            f.input(ch('a'));
        }
        assert_eq!(f.text().chars().count(), MAX_FIELD_CHARS);
    }
}
