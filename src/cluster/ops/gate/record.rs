//! The journal entries the gate writes: every attempt, refused, cancelled
//! and skipped ones included, and what a guard decided by itself.

use super::Gate;
use crate::cluster::ops::errors::OpError;
use crate::cluster::ops::journal::{Entry, Outcome};
use crate::cluster::ops::plan::{Change, Prepared, Target};

impl Gate {
    /// Journals a refusal that happened while planning (bad input, a
    /// kubectl rule), before any plan existed.
    pub fn record_refusal(&self, action: &str, target: &Target, err: &OpError) {
        self.record_about(action, target, Outcome::Refused, &err.to_string(), None);
    }

    /// Journals a plan that turned out to have nothing to do.
    pub fn record_skip(&self, action: &str, target: &Target, message: &str) {
        self.record_about(action, target, Outcome::Skipped, message, None);
    }

    /// Journals the operator's "no" at the confirm step.
    pub fn record_cancelled(&self, prepared: &Prepared) {
        for c in &prepared.plan.changes {
            self.record(
                c,
                Outcome::Cancelled,
                "cancelled by the operator",
                prepared.plan.note.as_deref(),
            );
        }
    }

    /// Journals something kockpit observed or decided by itself (a guard's
    /// verdict) about `target`.
    pub fn record_note(&self, action: &str, target: &Target, result: &str, note: &str) {
        self.record_about(action, target, Outcome::Skipped, result, Some(note));
    }

    /// An entry about `target` with no change to show (nothing was sent).
    fn record_about(
        &self,
        action: &str,
        target: &Target,
        outcome: Outcome,
        result: &str,
        note: Option<&str>,
    ) {
        self.write(Entry {
            time: chrono::Utc::now(),
            user: self.identity.who(),
            context: self.identity.context.clone(),
            namespace: target.namespace.clone(),
            object: target.label(),
            action: action.into(),
            before: String::new(),
            after: String::new(),
            outcome,
            result: result.into(),
            note: note.map(str::to_string),
        });
    }

    /// An entry about one step of a plan.
    pub(super) fn record(&self, c: &Change, outcome: Outcome, result: &str, note: Option<&str>) {
        self.write(Entry {
            time: chrono::Utc::now(),
            user: self.identity.who(),
            context: self.identity.context.clone(),
            namespace: c.target.namespace.clone(),
            object: c.target.label(),
            action: c.action.clone(),
            before: c.summary_before.clone(),
            after: c.summary_after.clone(),
            outcome,
            result: result.into(),
            note: note.map(str::to_string),
        });
    }

    fn write(&self, entry: Entry) {
        let Some(j) = &self.journal else { return };
        if let Err(e) = j.append(&entry) {
            tracing::warn!(error = %e, "journal write failed");
            if let Ok(mut p) = self.journal_problem.lock() {
                *p = Some(e);
            }
        }
    }
}
