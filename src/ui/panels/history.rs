//! Revision history of a Deployment, `kubectl rollout history` with more:
//! change-cause, images, age and replicas per revision, a coloured diff of
//! any revision's pod template against the current one, and rollback to
//! the selected revision (or the previous one, like `kubectl rollout undo`).
//!
//! Keys: ↑/↓ (k/j) select, Enter/d show or hide the diff, PgUp/PgDn scroll
//! it, u roll back to the selected revision, U roll back to the previous
//! revision, Esc close (or hide the diff).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table};
use ratatui::Frame;

use crate::app::dialogs::history::{DiffView, HistoryView};
use crate::config::theme::Theme;
use crate::model::change::DiffTag;

pub fn draw_history(f: &mut Frame, area: Rect, v: &HistoryView, theme: &Theme) {
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(format!(" {} ", v.title), theme.accent()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let table_h = (v.rows.len() as u16 + 1).min(inner.height / 2).max(2);
    let [table_area, diff_area, foot] = Layout::vertical([
        Constraint::Length(table_h),
        Constraint::Min(0),
        Constraint::Length(2),
    ])
    .areas(inner);
    let header = Row::new(["REVISION", "CHANGE-CAUSE", "IMAGES", "READY", "AGE"].map(Cell::from))
        .style(theme.header());
    let rows = v.rows.iter().enumerate().map(|(i, r)| {
        let style = if i == v.selected {
            theme.selected()
        } else if r.current {
            theme.ok()
        } else {
            theme.text()
        };
        let rev = if r.current {
            format!("{} (current)", r.revision)
        } else {
            r.revision.to_string()
        };
        Row::new(
            [
                rev,
                r.change_cause.clone(),
                r.images.clone(),
                r.replicas.clone(),
                r.age.clone(),
            ]
            .map(Cell::from),
        )
        .style(style)
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(14),
            Constraint::Percentage(35),
            Constraint::Percentage(45),
            Constraint::Length(7),
            Constraint::Length(6),
        ],
    )
    .header(header);
    f.render_widget(table, table_area);
    if let Some(d) = &v.diff {
        draw_diff(f, diff_area, d, theme);
    }
    let mut foot_lines = Vec::new();
    if let Some((text, error)) = &v.message {
        foot_lines.push(Line::from(Span::styled(
            format!(" {text}"),
            if *error { theme.failed() } else { theme.ok() },
        )));
    } else if let Some(why) = &v.disabled {
        foot_lines.push(Line::from(Span::styled(
            format!(" rollback disabled: {why}"),
            theme.failed(),
        )));
    }
    foot_lines.push(Line::from(Span::styled(
        " enter diff · u roll back to selected · U roll back to previous · esc close",
        if v.disabled.is_some() {
            theme.gone()
        } else {
            theme.dim()
        },
    )));
    f.render_widget(Paragraph::new(foot_lines), foot);
}

/// A unified diff, removed lines in the failed colour and added ones in
/// the ok colour, as terminals colour `git diff`.
pub fn draw_diff(f: &mut Frame, area: Rect, d: &DiffView, theme: &Theme) {
    let mut lines = vec![Line::from(Span::styled(
        format!(" {}", d.title),
        theme.header(),
    ))];
    let rows = usize::from(area.height.saturating_sub(1));
    for l in d.lines.iter().skip(d.scroll).take(rows) {
        let style = match l.tag {
            DiffTag::Hunk => theme.accent(),
            DiffTag::Context => theme.dim(),
            DiffTag::Added => theme.ok(),
            DiffTag::Removed => theme.failed(),
        };
        lines.push(Line::from(Span::styled(
            format!(" {}{}", l.marker(), l.text),
            style,
        )));
    }
    f.render_widget(Paragraph::new(lines), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::dialogs::history::tests::panel;
    use crate::app::dialogs::test_keys::ch;
    use crate::ui::panels::test_render::*;

    #[test]
    fn renders_a_coloured_diff() {
        let mut p = panel();
        p.handle_key(ch('j'));
        p.handle_key(ch('d'));
        let v = p.view();
        let theme = Theme::builtin();
        let buf = render(100, 30, |f| draw_history(f, f.area(), &v, &theme));
        let screen = text(&buf);
        assert!(screen.contains("2 (current)"), "{screen}");
        assert!(screen.contains("current template → revision 1"));
        let (x, y) = find(&buf, "+  - image: shop/api:1").unwrap();
        assert_eq!(buf[(x, y)].fg, theme.ok().fg.unwrap());
        let (x, y) = find(&buf, "-  - image: shop/api:2").unwrap();
        assert_eq!(buf[(x, y)].fg, theme.failed().fg.unwrap());
    }
}
