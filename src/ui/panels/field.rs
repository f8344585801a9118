//! A one-line text input on tui-textarea (editing keys, undo, word moves
//! come with it), kept to a single line, and the comparable view of it the
//! panels draw.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::app::dialogs::field::FieldView;
use crate::config::theme::Theme;

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
