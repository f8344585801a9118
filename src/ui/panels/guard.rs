//! The guard's countdown: what it watches, seconds left of the budget, the
//! latest look, and — when it acted — why it rolled back and how that went.
//!
//! Keys: c cancel the guard (nothing is undone), Esc close the panel (the
//! guard keeps running while the app holds its handle).

use ratatui::layout::Rect;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use crate::app::dialogs::guard::{GuardPanelView, GuardPhase};
use crate::config::theme::Theme;
use crate::model::age::human_duration;

pub fn draw_guard(f: &mut Frame, area: Rect, v: &GuardPanelView, theme: &Theme) {
    let state_style = match v.phase {
        GuardPhase::Watching => theme.progressing(),
        GuardPhase::RollingBack => theme.warning(),
        GuardPhase::RolledBack => theme.warning(),
        GuardPhase::Healthy => theme.ok(),
        GuardPhase::Cancelled => theme.dim(),
        GuardPhase::RollbackFailed => theme.failed(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(state_style)
        .title(Span::styled(format!(" ⛨ {} ", v.title), theme.accent()));
    let inner = block.inner(area);
    f.render_widget(Clear, area);
    f.render_widget(block, area);
    let [gauge_area, text_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let ratio = if v.budget_seconds == 0 {
        0.0
    } else {
        (v.seconds_left as f64 / v.budget_seconds as f64).clamp(0.0, 1.0)
    };
    let label = if v.phase == GuardPhase::Watching {
        format!(
            "{} left of {}",
            human_duration(i64::try_from(v.seconds_left).unwrap_or(i64::MAX)),
            human_duration(i64::try_from(v.budget_seconds).unwrap_or(i64::MAX))
        )
    } else {
        v.label.to_string()
    };
    f.render_widget(
        Gauge::default()
            .ratio(ratio)
            .label(label)
            .gauge_style(state_style),
        gauge_area,
    );
    let mut lines = vec![Line::from(vec![
        Span::styled(" state  ", theme.dim()),
        Span::styled(v.label, state_style),
    ])];
    lines.push(Line::from(vec![
        Span::styled(" seen   ", theme.dim()),
        Span::styled(v.observation.clone(), theme.text()),
    ]));
    if let Some(r) = &v.reason {
        lines.push(Line::from(vec![
            Span::styled(" why    ", theme.dim()),
            Span::styled(r.clone(), theme.failed()),
        ]));
    }
    if let Some(r) = &v.result {
        let style = if v.phase == GuardPhase::RollbackFailed {
            theme.failed()
        } else {
            theme.ok()
        };
        lines.push(Line::from(vec![
            Span::styled(" result ", theme.dim()),
            Span::styled(r.clone(), style),
        ]));
    }
    lines.push(Line::from(Span::styled(
        if v.phase == GuardPhase::Watching {
            " c cancel the guard (nothing is undone) · esc hide"
        } else {
            " esc close"
        },
        theme.dim(),
    )));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::dialogs::guard::tests::panel_view;
    use crate::ui::panels::test_render::*;

    #[test]
    fn renders_countdown_and_reason() {
        let theme = Theme::builtin();
        let v = panel_view(false);
        let screen = text(&render(100, 10, |f| draw_guard(f, f.area(), &v, &theme)));
        assert!(screen.contains("75s left of 5m"), "{screen}");
        assert!(screen.contains("1 of 3 updated replicas are available"));
        let v = panel_view(true);
        let buf = render(100, 10, |f| draw_guard(f, f.area(), &v, &theme));
        let screen = text(&buf);
        assert!(screen.contains("rolled back"));
        assert!(screen.contains("crash-looping"));
        let (x, y) = find(&buf, "pod api-new-1").unwrap();
        assert_eq!(buf[(x, y)].fg, theme.failed().fg.unwrap());
    }
}
