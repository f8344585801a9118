//! The write side's dialogs: rolling update, history and rollback,
//! blue-green, guard countdown, confirm (preview + typed confirmation) and
//! the journal. Each is a small state machine with a pure
//! `handle_key(&mut self, KeyEvent) -> PanelOutcome` (tested without a
//! terminal) and a `view()` giving a comparable model that
//! `ui::panels::draw_*(f, area, &view, theme)` lays out. The views hold
//! only plain and `model::` data, so `ui/` never names a cluster type.
//!
//! The dialogs never talk to the cluster: a [`PanelOutcome::Request`] goes
//! to `cluster::ops::plan`, its `Prepared` opens a [`confirm::ConfirmPanel`],
//! and that panel's [`PanelOutcome::Confirmed`] goes to `Gate::apply`.
//! The app holds them as a stack over the current screen (`app::write`);
//! `app::write_runner` carries out the requests, `ui::overlay` draws them.

pub mod bluegreen;
pub mod confirm;
pub mod field;
pub mod guard;
pub mod history;
pub mod journal;
pub mod rollout;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::cluster::ops::{GuardBudget, OpRequest};

#[derive(Clone, Debug, PartialEq)]
pub enum PanelOutcome {
    /// The key was used; redraw.
    Consumed,
    /// Not a key this panel uses: the app's keymap may have it.
    Ignored,
    /// Close the panel.
    Close,
    /// Plan this change (`cluster::ops::plan`) and show its confirm panel;
    /// when `guard` is set, start a guard with it after the change applies.
    Request {
        request: OpRequest,
        guard: Option<GuardBudget>,
    },
    /// Confirm panel: apply the prepared plan (`Gate::apply`).
    Confirmed,
    /// Confirm panel: the operator said no (`Gate::record_cancelled`).
    Cancelled,
    /// Confirm panel after a 409 or timeout: plan the same request again
    /// from a fresh read.
    Retry,
    /// Guard panel: stop the guard (`GuardHandle::cancel`).
    CancelGuard,
    /// Read the data again (journal file, fresh objects).
    Reload,
}

/// Key presses only (terminals that report releases send both).
pub(crate) fn is_press(key: &KeyEvent) -> bool {
    key.kind != KeyEventKind::Release
}

pub(crate) fn ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

/// A plain character, without Ctrl or Alt.
pub(crate) fn plain(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// The guard budget as the panels offer it: on or off, the default budget
/// with the operator's time.
pub(crate) fn guard_budget(on: bool, seconds: u64) -> Option<GuardBudget> {
    on.then(|| GuardBudget {
        time: std::time::Duration::from_secs(seconds.max(10)),
        ..GuardBudget::default()
    })
}

#[cfg(test)]
pub(crate) mod test_keys {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    pub fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    pub fn ch(c: char) -> KeyEvent {
        key(KeyCode::Char(c))
    }

    pub fn ctrl_key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    pub fn typed(text: &str) -> Vec<KeyEvent> {
        text.chars().map(ch).collect()
    }
}
