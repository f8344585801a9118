//! The guard's countdown: what it watches, seconds left of the budget, the
//! latest look, and — when it acted — why it rolled back and how that went.
//!
//! Keys: c cancel the guard (nothing is undone), Esc close the panel (the
//! guard keeps running while the app holds its handle).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use super::{is_press, plain, PanelOutcome};
use crate::cluster::ops::{GuardState, GuardView};
use crate::config::theme::Theme;
use crate::model::age::human_duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardPanel {
    pub view: GuardView,
}

impl GuardPanel {
    pub fn new(view: GuardView) -> Self {
        GuardPanel { view }
    }

    /// The guard's latest view (from `GuardHandle::subscribe`).
    pub fn update(&mut self, view: GuardView) {
        self.view = view;
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> PanelOutcome {
        if !is_press(&key) {
            return PanelOutcome::Ignored;
        }
        match (key.code, plain(&key)) {
            (_, Some('c')) if self.view.state == GuardState::Watching => PanelOutcome::CancelGuard,
            (_, Some('c')) => PanelOutcome::Consumed,
            (KeyCode::Esc, _) | (_, Some('q')) => PanelOutcome::Close,
            _ => PanelOutcome::Ignored,
        }
    }
}

pub fn draw_guard(f: &mut Frame, area: Rect, v: &GuardView, theme: &Theme) {
    let state_style = match v.state {
        GuardState::Watching => theme.progressing(),
        GuardState::RollingBack => theme.warning(),
        GuardState::RolledBack => theme.warning(),
        GuardState::Healthy => theme.ok(),
        GuardState::Cancelled => theme.dim(),
        GuardState::RollbackFailed => theme.failed(),
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
    let label = if v.state == GuardState::Watching {
        format!(
            "{} left of {}",
            human_duration(i64::try_from(v.seconds_left).unwrap_or(i64::MAX)),
            human_duration(i64::try_from(v.budget_seconds).unwrap_or(i64::MAX))
        )
    } else {
        v.state.as_str().to_string()
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
        Span::styled(v.state.as_str(), state_style),
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
        let style = if v.state == GuardState::RollbackFailed {
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
        if v.state == GuardState::Watching {
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
    use crate::ui::panels::test_keys::*;

    fn view(state: GuardState) -> GuardView {
        GuardView {
            title: "guarding the rollout of shop/api".into(),
            state,
            seconds_left: 75,
            budget_seconds: 300,
            reason: (state == GuardState::RolledBack)
                .then(|| "pod api-new-1 is crash-looping (container app, 3 restarts)".into()),
            observation: "Waiting for deployment \"api\" rollout to finish: 1 of 3 updated replicas are available...".into(),
            result: (state == GuardState::RolledBack)
                .then(|| "roll back deployment api to revision 1: applied to deployment shop/api".into()),
        }
    }

    #[test]
    fn c_cancels_only_while_watching() {
        let mut p = GuardPanel::new(view(GuardState::Watching));
        assert_eq!(p.handle_key(ch('c')), PanelOutcome::CancelGuard);
        p.update(view(GuardState::RolledBack));
        assert_eq!(p.handle_key(ch('c')), PanelOutcome::Consumed);
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PanelOutcome::Close);
        assert_eq!(p.handle_key(ch('x')), PanelOutcome::Ignored);
    }

    #[test]
    fn renders_countdown_and_reason() {
        let theme = Theme::builtin();
        let v = view(GuardState::Watching);
        let screen = text(&render(100, 10, |f| draw_guard(f, f.area(), &v, &theme)));
        assert!(screen.contains("75s left of 5m"), "{screen}");
        assert!(screen.contains("1 of 3 updated replicas are available"));
        let v = view(GuardState::RolledBack);
        let buf = render(100, 10, |f| draw_guard(f, f.area(), &v, &theme));
        let screen = text(&buf);
        assert!(screen.contains("rolled back"));
        assert!(screen.contains("crash-looping"));
        let (x, y) = find(&buf, "pod api-new-1").unwrap();
        assert_eq!(buf[(x, y)].fg, theme.failed().fg.unwrap());
    }
}
