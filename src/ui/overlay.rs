//! The write side's panels as part of the frame model: the top panel's
//! view (so a change in it redraws the screen like any other change) and
//! the guard's status, which the header keeps showing while the operator
//! navigates elsewhere.

use ratatui::layout::Rect;
use ratatui::Frame;

use crate::app::dialogs::bluegreen::BlueGreenPanelView;
use crate::app::dialogs::confirm::ConfirmView;
use crate::app::dialogs::guard::{GuardPanelView, GuardPhase, GuardStatus};
use crate::app::dialogs::history::HistoryView;
use crate::app::dialogs::journal::JournalView;
use crate::app::dialogs::rollout::RolloutPanelView;
use crate::app::state::App;
use crate::app::write::Panel;
use crate::config::theme::Theme;
use crate::ui::panels::bluegreen::draw_bluegreen;
use crate::ui::panels::confirm::draw_confirm;
use crate::ui::panels::guard::draw_guard;
use crate::ui::panels::history::draw_history;
use crate::ui::panels::journal::draw_journal;
use crate::ui::panels::rollout::draw_rollout_panel;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    Rollout(RolloutPanelView),
    History(HistoryView),
    BlueGreen(Box<BlueGreenPanelView>),
    Confirm(ConfirmView),
    Guard(GuardPanelView),
    Journal(JournalView),
}

/// The top panel's view, if a panel is open.
pub fn overlay(app: &App) -> Option<Overlay> {
    Some(match app.write.top()? {
        Panel::Rollout(p) => Overlay::Rollout(p.view()),
        Panel::History(p) => Overlay::History(p.view()),
        Panel::BlueGreen(p) => Overlay::BlueGreen(Box::new(p.view())),
        Panel::Confirm(c) => Overlay::Confirm(c.panel.view()),
        Panel::Guard(p) => Overlay::Guard(p.view()),
        Panel::Journal(p) => Overlay::Journal(p.view().clone()),
    })
}

/// Shown while a guard watches, and after it acted (until another starts).
pub fn guard_status(app: &App) -> Option<GuardStatus> {
    app.write
        .guard
        .as_ref()
        .map(crate::app::dialogs::guard::guard_status)
}

/// The style the guard element is drawn in.
pub fn guard_style(state: GuardPhase, theme: &Theme) -> ratatui::style::Style {
    match state {
        GuardPhase::Watching => theme.progressing(),
        GuardPhase::Healthy => theme.ok(),
        GuardPhase::Cancelled => theme.dim(),
        GuardPhase::RollingBack | GuardPhase::RolledBack | GuardPhase::RollbackFailed => {
            theme.failed()
        }
    }
}

/// Lines a panel needs (borders included), so it takes no more of the
/// screen than it uses.
fn wanted_height(o: &Overlay) -> usize {
    match o {
        Overlay::Rollout(v) => {
            v.fields.len()
                + 8
                + usize::from(v.disabled.is_some())
                + usize::from(v.hpa_warning.is_some())
                + usize::from(v.message.is_some())
        }
        Overlay::History(v) if v.diff.is_some() => usize::MAX,
        Overlay::History(v) => v.rows.len() + 6,
        Overlay::BlueGreen(v) => {
            v.model.slots.len() * 3
                + 8
                + v.prepare.as_ref().map_or(0, |f| f.len() + 1)
                + usize::from(v.disabled.is_some())
                + usize::from(v.message.is_some())
                + usize::from(v.verification.is_some())
                + usize::from(!v.model.ambiguous.is_empty())
        }
        Overlay::Confirm(v) => {
            v.sections
                .iter()
                .map(|s| s.lines.len().max(1) + 1)
                .sum::<usize>()
                + v.warnings.len()
                + usize::from(v.guarded)
                + 6
        }
        Overlay::Guard(_) => 10,
        Overlay::Journal(_) => usize::MAX,
    }
}

/// Where a panel goes over `body`: centred, leaving the screen around it
/// visible.
fn area_for(body: Rect, o: &Overlay) -> Rect {
    let w: u16 = match o {
        Overlay::Confirm(_) | Overlay::Journal(_) | Overlay::History(_) => 110,
        Overlay::BlueGreen(_) => 100,
        Overlay::Rollout(_) | Overlay::Guard(_) => 90,
    };
    let w = w.min(body.width.saturating_sub(2)).max(body.width.min(20));
    let h = u16::try_from(wanted_height(o)).unwrap_or(u16::MAX);
    let h = h.min(body.height.saturating_sub(1)).max(body.height.min(6));
    Rect {
        x: body.x + (body.width.saturating_sub(w)) / 2,
        y: body.y + (body.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    }
}

/// Draws the panel over the body (each panel clears its own area first).
pub fn draw_overlay(f: &mut Frame, body: Rect, o: &Overlay, theme: &Theme) {
    let area = area_for(body, o);
    match o {
        Overlay::Rollout(v) => draw_rollout_panel(f, area, v, theme),
        Overlay::History(v) => draw_history(f, area, v, theme),
        Overlay::BlueGreen(v) => draw_bluegreen(f, area, v, theme),
        Overlay::Confirm(v) => draw_confirm(f, area, v, theme),
        Overlay::Guard(v) => draw_guard(f, area, v, theme),
        Overlay::Journal(v) => draw_journal(f, area, v, theme),
    }
}
