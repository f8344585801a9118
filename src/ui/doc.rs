//! Draws a `Doc` (`model::doc`), the shape every detail screen is reduced
//! to, with a theme.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use crate::config::theme::Theme;
pub use crate::model::doc::{Doc, DocLine, Role};

pub fn style(theme: &Theme, role: Role) -> Style {
    match role {
        Role::Text => theme.text(),
        Role::Dim => theme.dim(),
        Role::Accent => theme.accent(),
        Role::Header => theme.header(),
        Role::Ok => theme.ok(),
        Role::Progressing => theme.progressing(),
        Role::Warning => theme.warning(),
        Role::Failed => theme.failed(),
        Role::Gone => theme.gone(),
    }
}

pub fn draw_doc(f: &mut Frame, area: Rect, doc: &Doc, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(format!(" {} ", doc.title), theme.accent()));
    let lines: Vec<Line> = doc
        .lines
        .iter()
        .enumerate()
        .skip(doc.scroll)
        .map(|(i, parts)| {
            let line = Line::from(
                parts
                    .iter()
                    .map(|(t, r)| Span::styled(t.clone(), style(theme, *r)))
                    .collect::<Vec<_>>(),
            );
            if Some(i) == doc.cursor_line {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}
