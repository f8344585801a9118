//! The guard's countdown: what it watches, seconds left of the budget, the
//! latest look, and — when it acted — why it rolled back and how that went.
//!
//! Keys: c cancel the guard (nothing is undone), Esc close the panel (the
//! guard keeps running while the app holds its handle).

use crossterm::event::{KeyCode, KeyEvent};

use super::{is_press, plain, PanelOutcome};
use crate::cluster::ops::{GuardState, GuardView};
use crate::model::age::human_duration;

/// The guard's state as the dialogs show it: the cluster layer's
/// `GuardState` translated here, so `ui/` draws without naming it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardPhase {
    Watching,
    RollingBack,
    RolledBack,
    Healthy,
    Cancelled,
    RollbackFailed,
}

impl From<GuardState> for GuardPhase {
    fn from(s: GuardState) -> Self {
        match s {
            GuardState::Watching => GuardPhase::Watching,
            GuardState::RollingBack => GuardPhase::RollingBack,
            GuardState::RolledBack => GuardPhase::RolledBack,
            GuardState::Healthy => GuardPhase::Healthy,
            GuardState::Cancelled => GuardPhase::Cancelled,
            GuardState::RollbackFailed => GuardPhase::RollbackFailed,
        }
    }
}

/// What the guard dialog draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardPanelView {
    /// `guarding the rollout of shop/api`.
    pub title: String,
    pub phase: GuardPhase,
    /// `watching`, `rolled back`...
    pub label: &'static str,
    pub seconds_left: u64,
    pub budget_seconds: u64,
    pub reason: Option<String>,
    pub observation: String,
    pub result: Option<String>,
}

impl From<&GuardView> for GuardPanelView {
    fn from(v: &GuardView) -> Self {
        GuardPanelView {
            title: v.title.clone(),
            phase: v.state.into(),
            label: v.state.as_str(),
            seconds_left: v.seconds_left,
            budget_seconds: v.budget_seconds,
            reason: v.reason.clone(),
            observation: v.observation.clone(),
            result: v.result.clone(),
        }
    }
}

/// The header's guard element: what is guarded and how it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardStatus {
    pub text: String,
    pub phase: GuardPhase,
}

/// Shown while a guard watches, and after it acted (until another starts).
pub fn guard_status(g: &GuardView) -> GuardStatus {
    let what = g.title.strip_prefix("guarding ").unwrap_or(&g.title);
    let text = match g.state {
        GuardState::Watching => format!(
            "⛨ {what}: {} left (ctrl-g)",
            human_duration(i64::try_from(g.seconds_left).unwrap_or(i64::MAX))
        ),
        state => format!("⛨ {what}: {}", state.as_str()),
    };
    GuardStatus {
        text,
        phase: g.state.into(),
    }
}

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

    pub fn view(&self) -> GuardPanelView {
        GuardPanelView::from(&self.view)
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::app::dialogs::test_keys::*;

    pub(crate) fn view(state: GuardState) -> GuardView {
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

    /// The dialog's view of a watching (or a rolled-back) guard, for the
    /// drawing tests in `ui/`.
    pub(crate) fn panel_view(rolled_back: bool) -> GuardPanelView {
        let state = if rolled_back {
            GuardState::RolledBack
        } else {
            GuardState::Watching
        };
        GuardPanel::new(view(state)).view()
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
    fn the_header_status_counts_down_then_says_how_it_ended() {
        let s = guard_status(&view(GuardState::Watching));
        assert_eq!(s.text, "⛨ the rollout of shop/api: 75s left (ctrl-g)");
        assert_eq!(s.phase, GuardPhase::Watching);
        let s = guard_status(&view(GuardState::RolledBack));
        assert_eq!(s.text, "⛨ the rollout of shop/api: rolled back");
    }
}
