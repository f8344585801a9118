//! The write side's panels: rolling update, history and rollback,
//! blue-green, guard countdown, confirm (preview + typed confirmation) and
//! the journal. Each is a small state machine with a pure
//! `handle_key(&mut self, KeyEvent) -> PanelOutcome` (tested without a
//! terminal) and a `view()` giving a comparable model that a
//! `draw_*(f, area, &view, theme)` function lays out.
//!
//! The panels never talk to the cluster: a [`PanelOutcome::Request`] goes
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
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use ratatui::Terminal;

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

    pub fn render(w: u16, h: u16, draw: impl FnOnce(&mut ratatui::Frame)) -> Buffer {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(draw).unwrap();
        term.backend().buffer().clone()
    }

    pub fn text(buf: &Buffer) -> String {
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The cell where `needle` starts on screen.
    pub fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
        for y in 0..buf.area.height {
            let line: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            let joined: String = line.concat();
            if let Some(byte) = joined.find(needle) {
                let col = joined[..byte].chars().count();
                return Some((col as u16, y));
            }
        }
        None
    }
}
