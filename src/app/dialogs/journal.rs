//! The `:journal` view: every change kockpit attempted, newest first, with
//! who, where, what, before → after and how it ended. Colours follow the
//! outcome: applied and ok, refused or failed, cancelled.
//!
//! Keys: ↑/↓ (k/j) select, Enter details of the selected entry, r reload,
//! Esc close.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use super::{is_press, plain, PanelOutcome};
use crate::cluster::ops::journal::JournalRead;
use crate::cluster::ops::{Entry, Outcome};

/// How an entry ended, as the colour it is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutcomeTone {
    /// Applied and it took.
    Ok,
    /// Applied or dry-run, and it failed.
    Failed,
    /// Refused before the write path.
    Refused,
    /// Cancelled or nothing to do.
    Quiet,
}

/// One journal entry as the dialog draws it (the cluster layer's `Entry`
/// translated here, so `ui/` never names it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalRow {
    pub time: DateTime<Utc>,
    pub user: String,
    pub context: String,
    pub namespace: String,
    pub object: String,
    pub action: String,
    pub before: String,
    pub after: String,
    /// `applied`, `refused`...
    pub outcome: &'static str,
    pub tone: OutcomeTone,
    pub result: String,
    pub note: Option<String>,
}

impl From<Entry> for JournalRow {
    fn from(e: Entry) -> Self {
        let tone = match e.outcome {
            Outcome::Applied if e.ok() => OutcomeTone::Ok,
            Outcome::Applied | Outcome::DryRun => OutcomeTone::Failed,
            Outcome::Refused => OutcomeTone::Refused,
            Outcome::Cancelled | Outcome::Skipped => OutcomeTone::Quiet,
        };
        JournalRow {
            time: e.time,
            outcome: e.outcome.as_str(),
            tone,
            user: e.user,
            context: e.context,
            namespace: e.namespace,
            object: e.object,
            action: e.action,
            before: e.before,
            after: e.after,
            result: e.result,
            note: e.note,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalView {
    pub path: String,
    pub entries: Vec<JournalRow>,
    pub unreadable_lines: usize,
    pub selected: usize,
    pub details: bool,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalPanel {
    view: JournalView,
}

impl JournalPanel {
    /// `read` from `cluster::ops::journal::read_journal`.
    pub fn new(path: &str, read: Result<JournalRead, String>) -> Self {
        let mut p = JournalPanel {
            view: JournalView {
                path: path.to_string(),
                entries: Vec::new(),
                unreadable_lines: 0,
                selected: 0,
                details: false,
                error: None,
            },
        };
        p.load(read);
        p
    }

    /// A fresh read (after `PanelOutcome::Reload`).
    pub fn load(&mut self, read: Result<JournalRead, String>) {
        match read {
            Ok(r) => {
                self.view.entries = r.entries.into_iter().map(JournalRow::from).collect();
                self.view.unreadable_lines = r.unreadable_lines;
                self.view.error = None;
            }
            Err(e) => self.view.error = Some(e),
        }
        self.view.selected = self
            .view
            .selected
            .min(self.view.entries.len().saturating_sub(1));
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> PanelOutcome {
        if !is_press(&key) {
            return PanelOutcome::Ignored;
        }
        let n = self.view.entries.len();
        match (key.code, plain(&key)) {
            (KeyCode::Esc, _) if self.view.details => {
                self.view.details = false;
                PanelOutcome::Consumed
            }
            (KeyCode::Esc, _) | (_, Some('q')) => PanelOutcome::Close,
            (KeyCode::Up, _) | (_, Some('k')) => {
                self.view.selected = self.view.selected.saturating_sub(1);
                PanelOutcome::Consumed
            }
            (KeyCode::Down, _) | (_, Some('j')) => {
                self.view.selected = (self.view.selected + 1).min(n.saturating_sub(1));
                PanelOutcome::Consumed
            }
            (KeyCode::Home, _) | (_, Some('g')) => {
                self.view.selected = 0;
                PanelOutcome::Consumed
            }
            (KeyCode::Enter, _) => {
                self.view.details = !self.view.details;
                PanelOutcome::Consumed
            }
            (_, Some('r')) => PanelOutcome::Reload,
            _ => PanelOutcome::Ignored,
        }
    }

    pub fn view(&self) -> &JournalView {
        &self.view
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::app::dialogs::test_keys::*;

    fn entry(action: &str, outcome: Outcome, result: &str) -> Entry {
        Entry {
            time: DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
            user: "alice".into(),
            context: "prod".into(),
            namespace: "shop".into(),
            object: "Deployment/api".into(),
            action: action.into(),
            before: "replicas 2".into(),
            after: "replicas 5".into(),
            outcome,
            result: result.into(),
            note: Some("guard: pod crash-looping".into()),
        }
    }

    pub(crate) fn panel() -> JournalPanel {
        JournalPanel::new(
            "/state/journal.jsonl",
            Ok(JournalRead {
                entries: vec![
                    entry("scale", Outcome::Applied, "ok"),
                    entry("rollback to revision 1", Outcome::Refused, "forbidden: no"),
                ],
                unreadable_lines: 1,
            }),
        )
    }

    #[test]
    fn keys() {
        let mut p = panel();
        assert_eq!(p.handle_key(ch('j')), PanelOutcome::Consumed);
        assert_eq!(p.view().selected, 1);
        assert_eq!(p.handle_key(ch('j')), PanelOutcome::Consumed);
        assert_eq!(p.view().selected, 1);
        assert_eq!(p.handle_key(ch('r')), PanelOutcome::Reload);
        p.handle_key(key(KeyCode::Enter));
        assert!(p.view().details);
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PanelOutcome::Consumed);
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PanelOutcome::Close);
        p.load(Err("cannot read".into()));
        assert_eq!(p.view().error.as_deref(), Some("cannot read"));
    }

    #[test]
    fn rows_carry_the_outcome_as_a_tone() {
        let p = panel();
        let tones: Vec<_> = p
            .view()
            .entries
            .iter()
            .map(|r| (r.outcome, r.tone))
            .collect();
        assert_eq!(
            tones,
            [
                ("applied", OutcomeTone::Ok),
                ("refused", OutcomeTone::Refused)
            ]
        );
        let failed = JournalRow::from(entry("scale", Outcome::Applied, "conflict: x"));
        assert_eq!(failed.tone, OutcomeTone::Failed);
    }
}
