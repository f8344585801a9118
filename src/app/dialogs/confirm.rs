//! Preview and confirm: the exact diff of every object a change touches,
//! the warnings, and y/n — or, for a forced action, the word the operator
//! must type. After "yes" the panel shows the progress (dry run, apply) and
//! then the result; a conflict or timeout offers reload and retry.
//!
//! Keys: y/Enter confirm (or Enter after typing the word), n/Esc cancel,
//! ↑/↓ PgUp/PgDn scroll; after a result: r retry (409/timeout), Enter/Esc close.

use crossterm::event::{KeyCode, KeyEvent};

use super::field::{FieldView, InputField};
use super::{is_press, plain, PanelOutcome};
use crate::cluster::ops::{OpError, Prepared, PreviewSection};
use crate::model::change::DiffLine;

/// One object's part of the preview: the cluster layer's `PreviewSection`
/// as the dialog draws it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionView {
    /// `Deployment shop/api · set image`.
    pub title: String,
    pub lines: Vec<DiffLine>,
}

impl From<&PreviewSection> for SectionView {
    fn from(s: &PreviewSection) -> Self {
        SectionView {
            title: s.title.clone(),
            lines: s.lines.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    Asking,
    /// Sent: dry run and apply under way.
    Working,
    Done {
        ok: bool,
        message: String,
        /// A 409 or a timeout: offer reload and retry.
        retryable: bool,
    },
}

#[derive(Clone, Debug)]
pub struct ConfirmPanel {
    title: String,
    warnings: Vec<String>,
    sections: Vec<SectionView>,
    confirm_word: Option<String>,
    typed: InputField,
    scroll: usize,
    phase: Phase,
    guarded: bool,
    error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmView {
    pub title: String,
    pub warnings: Vec<String>,
    pub sections: Vec<SectionView>,
    pub confirm_word: Option<String>,
    pub typed: Option<FieldView>,
    pub scroll: usize,
    pub phase: Phase,
    pub guarded: bool,
    pub error: Option<String>,
}

impl ConfirmPanel {
    /// `guarded`: the change will be watched by a guard once applied.
    pub fn new(prepared: &Prepared, guarded: bool) -> Self {
        ConfirmPanel {
            title: prepared.plan.title.clone(),
            warnings: prepared.plan.warnings.clone(),
            sections: prepared.preview.iter().map(SectionView::from).collect(),
            confirm_word: prepared.plan.confirm_word.clone(),
            typed: InputField::new("type to confirm", ""),
            scroll: 0,
            phase: Phase::Asking,
            guarded,
            error: None,
        }
    }

    /// The app sets this when it sends the change.
    pub fn set_working(&mut self) {
        self.phase = Phase::Working;
    }

    /// The gate's answer.
    pub fn set_result(&mut self, result: &Result<String, OpError>) {
        self.phase = match result {
            Ok(message) => Phase::Done {
                ok: true,
                message: message.clone(),
                retryable: false,
            },
            Err(e) => Phase::Done {
                ok: false,
                message: e.to_string(),
                retryable: e.retryable(),
            },
        };
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    fn lines_total(&self) -> usize {
        self.sections.iter().map(|s| s.lines.len() + 1).sum()
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> PanelOutcome {
        if !is_press(&key) {
            return PanelOutcome::Ignored;
        }
        match &self.phase {
            Phase::Working => return PanelOutcome::Consumed,
            Phase::Done { retryable, .. } => {
                return match (key.code, plain(&key)) {
                    (_, Some('r')) if *retryable => PanelOutcome::Retry,
                    (KeyCode::Enter | KeyCode::Esc, _) | (_, Some('q')) => PanelOutcome::Close,
                    _ => PanelOutcome::Consumed,
                };
            }
            Phase::Asking => {}
        }
        match key.code {
            KeyCode::Up => {
                self.scroll = self.scroll.saturating_sub(1);
                return PanelOutcome::Consumed;
            }
            KeyCode::Down => {
                self.scroll = (self.scroll + 1).min(self.lines_total().saturating_sub(1));
                return PanelOutcome::Consumed;
            }
            KeyCode::PageUp => {
                self.scroll = self.scroll.saturating_sub(10);
                return PanelOutcome::Consumed;
            }
            KeyCode::PageDown => {
                self.scroll = (self.scroll + 10).min(self.lines_total().saturating_sub(1));
                return PanelOutcome::Consumed;
            }
            KeyCode::Esc => return PanelOutcome::Cancelled,
            _ => {}
        }
        match &self.confirm_word {
            None => match (key.code, plain(&key)) {
                (KeyCode::Enter, _) | (_, Some('y' | 'Y')) => PanelOutcome::Confirmed,
                (_, Some('n' | 'N')) => PanelOutcome::Cancelled,
                _ => PanelOutcome::Consumed,
            },
            Some(word) => {
                if key.code == KeyCode::Enter {
                    if self.typed.text().trim() == word {
                        self.error = None;
                        return PanelOutcome::Confirmed;
                    }
                    self.error = Some(format!(
                        "type \"{word}\" exactly to confirm, or Esc to cancel"
                    ));
                    return PanelOutcome::Consumed;
                }
                self.typed.input(key);
                self.error = None;
                PanelOutcome::Consumed
            }
        }
    }

    /// The typed confirmation holds all it can.
    pub fn typed_full(&self) -> bool {
        self.confirm_word.is_some() && self.typed.full()
    }

    pub fn view(&self) -> ConfirmView {
        ConfirmView {
            title: self.title.clone(),
            warnings: self.warnings.clone(),
            sections: self.sections.clone(),
            confirm_word: self.confirm_word.clone(),
            typed: self.confirm_word.as_ref().map(|_| self.typed.view(true)),
            scroll: self.scroll,
            phase: self.phase.clone(),
            guarded: self.guarded,
            error: self.error.clone(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    use super::*;
    use crate::app::dialogs::test_keys::*;
    use crate::cluster::ops::plan::{Change, PatchBody, Plan, Target};

    fn prepared(word: Option<&str>) -> Prepared {
        let before =
            json!({"metadata": {"resourceVersion": "1"}, "spec": {"selector": {"slot": "blue"}}});
        let after =
            json!({"metadata": {"resourceVersion": "1"}, "spec": {"selector": {"slot": "green"}}});
        let mut plan = Plan::single(
            "switch service frontend from blue to green",
            Change {
                action: "switch".into(),
                target: Target::service("shop", "frontend"),
                patch: PatchBody::Merge(json!({})),
                before,
                after,
                summary_before: "slot=blue".into(),
                summary_after: "slot=green".into(),
            },
        );
        plan.confirm_word = word.map(str::to_string);
        if word.is_some() {
            plan.warnings
                .push("slot green is not fully available".into());
        }
        Prepared::new(plan)
    }

    /// A forced, guarded switch still asking, for the drawing tests in `ui/`.
    pub(crate) fn asking_view() -> ConfirmView {
        ConfirmPanel::new(&prepared(Some("green")), true).view()
    }

    /// The same change answered with a 409, for the drawing tests in `ui/`.
    pub(crate) fn conflict_view() -> ConfirmView {
        let mut done = ConfirmPanel::new(&prepared(None), false);
        done.set_result(&Err(OpError::Conflict("x".into())));
        done.view()
    }

    #[test]
    fn y_confirms_and_n_cancels() {
        let mut p = ConfirmPanel::new(&prepared(None), false);
        assert_eq!(p.handle_key(ch('x')), PanelOutcome::Consumed);
        assert_eq!(p.handle_key(ch('y')), PanelOutcome::Confirmed);
        assert_eq!(p.handle_key(ch('n')), PanelOutcome::Cancelled);
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PanelOutcome::Cancelled);
    }

    #[test]
    fn forced_needs_the_word_typed() {
        let mut p = ConfirmPanel::new(&prepared(Some("green")), false);
        // y is just a letter here.
        assert_eq!(p.handle_key(ch('y')), PanelOutcome::Consumed);
        assert_eq!(p.handle_key(key(KeyCode::Enter)), PanelOutcome::Consumed);
        assert!(p.view().error.unwrap().contains("type \"green\""));
        p.handle_key(key(KeyCode::Backspace));
        for k in typed("green") {
            p.handle_key(k);
        }
        assert_eq!(p.handle_key(key(KeyCode::Enter)), PanelOutcome::Confirmed);
    }

    #[test]
    fn results_and_retry() {
        let mut p = ConfirmPanel::new(&prepared(None), false);
        p.set_working();
        assert_eq!(p.handle_key(ch('y')), PanelOutcome::Consumed);
        p.set_result(&Err(OpError::Conflict(
            "service shop/frontend was changed".into(),
        )));
        assert_eq!(p.handle_key(ch('r')), PanelOutcome::Retry);
        p.set_result(&Err(OpError::Forbidden("no".into())));
        assert_eq!(p.handle_key(ch('r')), PanelOutcome::Consumed);
        p.set_result(&Ok("switched".into()));
        assert_eq!(p.handle_key(key(KeyCode::Enter)), PanelOutcome::Close);
    }
}
