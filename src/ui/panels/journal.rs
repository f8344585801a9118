//! The `:journal` view: every change kockpit attempted, newest first, with
//! who, where, what, before → after and how it ended. Colours follow the
//! outcome: applied and ok, refused or failed, cancelled.
//!
//! Keys: ↑/↓ (k/j) select, Enter details of the selected entry, r reload,
//! Esc close.

use chrono::SecondsFormat;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use crate::app::dialogs::journal::{JournalRow, JournalView, OutcomeTone};
use crate::config::theme::Theme;

fn outcome_style(e: &JournalRow, theme: &Theme) -> Style {
    match e.tone {
        OutcomeTone::Ok => theme.ok(),
        OutcomeTone::Failed => theme.failed(),
        OutcomeTone::Refused => theme.warning(),
        OutcomeTone::Quiet => theme.dim(),
    }
}

pub fn draw_journal(f: &mut Frame, area: Rect, v: &JournalView, theme: &Theme) {
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(
            format!(" journal · {} ", v.path),
            theme.accent(),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let details_h = if v.details { 8 } else { 0 };
    let [table_area, details_area, foot] = Layout::vertical([
        Constraint::Min(2),
        Constraint::Length(details_h),
        Constraint::Length(1),
    ])
    .areas(inner);
    if v.entries.is_empty() {
        let text = v
            .error
            .clone()
            .unwrap_or_else(|| "no changes recorded yet".into());
        f.render_widget(
            Paragraph::new(Span::styled(format!(" {text}"), theme.dim())),
            table_area,
        );
    } else {
        let header = Row::new(
            [
                "TIME", "WHO", "OBJECT", "ACTION", "CHANGE", "OUTCOME", "RESULT",
            ]
            .map(Cell::from),
        )
        .style(theme.header());
        let rows_h = usize::from(table_area.height.saturating_sub(1)).max(1);
        let offset = v.selected.saturating_sub(rows_h - 1);
        let rows = v
            .entries
            .iter()
            .enumerate()
            .skip(offset)
            .take(rows_h)
            .map(|(i, e)| {
                let style = if i == v.selected {
                    theme.selected()
                } else {
                    outcome_style(e, theme)
                };
                let change = if e.before.is_empty() && e.after.is_empty() {
                    String::new()
                } else {
                    format!("{} → {}", e.before, e.after)
                };
                Row::new(
                    [
                        e.time.format("%Y-%m-%d %H:%M:%S").to_string(),
                        format!("{}@{}", e.user, e.context),
                        format!("{}/{}", e.namespace, e.object),
                        e.action.clone(),
                        change,
                        e.outcome.to_string(),
                        e.result.clone(),
                    ]
                    .map(Cell::from),
                )
                .style(style)
            });
        let table = Table::new(
            rows,
            [
                Constraint::Length(19),
                Constraint::Length(18),
                Constraint::Length(24),
                Constraint::Length(22),
                Constraint::Fill(3),
                Constraint::Length(9),
                Constraint::Fill(2),
            ],
        )
        .header(header);
        f.render_widget(table, table_area);
    }
    if let (true, Some(e)) = (v.details, v.entries.get(v.selected)) {
        let mut lines = vec![
            Line::from(format!(
                " time     {}",
                e.time.to_rfc3339_opts(SecondsFormat::Secs, true)
            )),
            Line::from(format!(" who      {} (context {})", e.user, e.context)),
            Line::from(format!(
                " object   {}/{} · {}",
                e.namespace, e.object, e.action
            )),
            Line::from(format!(" before   {}", e.before)),
            Line::from(format!(" after    {}", e.after)),
            Line::from(Span::styled(
                format!(" outcome  {} · {}", e.outcome, e.result),
                outcome_style(e, theme),
            )),
        ];
        if let Some(n) = &e.note {
            lines.push(Line::from(format!(" note     {n}")));
        }
        f.render_widget(
            Paragraph::new(lines)
                .style(theme.text())
                .wrap(Wrap { trim: false }),
            details_area,
        );
    }
    let mut foot_text = " ↑/↓ select · enter details · r reload · esc close".to_string();
    if v.unreadable_lines > 0 {
        foot_text.push_str(&format!(
            " · {} unreadable lines skipped",
            v.unreadable_lines
        ));
    }
    f.render_widget(Paragraph::new(Span::styled(foot_text, theme.dim())), foot);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::dialogs::journal::tests::panel;
    use crate::app::dialogs::test_keys::key;
    use crate::ui::panels::test_render::*;
    use crossterm::event::KeyCode;

    #[test]
    fn renders_rows_coloured_by_outcome_and_details() {
        let mut p = panel();
        p.handle_key(key(KeyCode::Enter));
        let theme = Theme::builtin();
        let v = p.view().clone();
        let buf = render(160, 16, |f| draw_journal(f, f.area(), &v, &theme));
        let screen = text(&buf);
        for want in [
            "journal · /state/journal.jsonl",
            "2026-01-01 00:00:00",
            "alice@prod",
            "shop/Deployment/api",
            "replicas 2 → replicas 5",
            "forbidden: no",
            "note     guard: pod crash-looping",
            "1 unreadable lines skipped",
        ] {
            assert!(screen.contains(want), "missing {want:?}\n{screen}");
        }
        let (x, y) = find(&buf, "refused").unwrap();
        assert_eq!(buf[(x, y)].fg, theme.warning().fg.unwrap());
    }
}
