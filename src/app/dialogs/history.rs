//! Revision history of a Deployment, `kubectl rollout history` with more:
//! change-cause, images, age and replicas per revision, a coloured diff of
//! any revision's pod template against the current one, and rollback to
//! the selected revision (or the previous one, like `kubectl rollout undo`).
//!
//! Keys: ↑/↓ (k/j) select, Enter/d show or hide the diff, PgUp/PgDn scroll
//! it, u roll back to the selected revision, U roll back to the previous
//! revision, Esc close (or hide the diff).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;

use super::{is_press, plain, PanelOutcome};
use crate::cluster::ops::OpRequest;
use crate::model::age::age;
use crate::model::change::{diff_stats, template_diff, DiffLine};
use crate::model::rollout::{history, owned_replicasets, Revision};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryRow {
    pub revision: i64,
    pub change_cause: String,
    pub images: String,
    pub age: String,
    /// `ready/desired`.
    pub replicas: String,
    pub current: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffView {
    pub title: String,
    pub lines: Vec<DiffLine>,
    pub scroll: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryView {
    pub title: String,
    pub rows: Vec<HistoryRow>,
    pub selected: usize,
    pub diff: Option<DiffView>,
    pub disabled: Option<String>,
    pub message: Option<(String, bool)>,
}

#[derive(Clone, Debug)]
pub struct HistoryPanel {
    pub namespace: String,
    pub deployment: String,
    revisions: Vec<Revision>,
    templates: Vec<(i64, PodTemplateSpec)>,
    current: PodTemplateSpec,
    now: DateTime<Utc>,
    selected: usize,
    diff_open: bool,
    scroll: usize,
    disabled: Option<String>,
    message: Option<(String, bool)>,
}

/// Diff lines a page key scrolls.
const PAGE: usize = 10;

impl HistoryPanel {
    pub fn new(d: &Deployment, rss: &[Arc<ReplicaSet>], now: DateTime<Utc>) -> Self {
        let mut p = HistoryPanel {
            namespace: d.metadata.namespace.clone().unwrap_or_default(),
            deployment: d.metadata.name.clone().unwrap_or_default(),
            revisions: Vec::new(),
            templates: Vec::new(),
            current: PodTemplateSpec::default(),
            now,
            selected: 0,
            diff_open: false,
            scroll: 0,
            disabled: None,
            message: None,
        };
        p.refresh(d, rss, now);
        p
    }

    /// New cache contents; the selection stays on the same revision.
    pub fn refresh(&mut self, d: &Deployment, rss: &[Arc<ReplicaSet>], now: DateTime<Utc>) {
        let keep = self.revisions.get(self.selected).map(|r| r.revision);
        self.revisions = history(d, rss);
        self.templates = owned_replicasets(d, rss)
            .iter()
            .filter_map(|rs| {
                let rev = crate::model::rollout::revision(&rs.metadata)?;
                Some((rev, rs.spec.as_ref()?.template.clone()?))
            })
            .collect();
        self.current = d
            .spec
            .as_ref()
            .map(|s| s.template.clone())
            .unwrap_or_default();
        self.now = now;
        if let Some(k) = keep {
            if let Some(i) = self.revisions.iter().position(|r| r.revision == k) {
                self.selected = i;
            }
        }
        self.selected = self.selected.min(self.revisions.len().saturating_sub(1));
    }

    pub fn set_disabled(&mut self, reason: Option<String>) {
        self.disabled = reason;
    }

    pub fn set_message(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some((text.into(), error));
    }

    fn rollback(&mut self, to_revision: i64) -> PanelOutcome {
        if let Some(why) = &self.disabled {
            self.message = Some((format!("not allowed: {why}"), true));
            return PanelOutcome::Consumed;
        }
        self.message = None;
        PanelOutcome::Request {
            request: OpRequest::Rollback {
                namespace: self.namespace.clone(),
                deployment: self.deployment.clone(),
                to_revision,
            },
            guard: None,
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> PanelOutcome {
        if !is_press(&key) {
            return PanelOutcome::Ignored;
        }
        let n = self.revisions.len();
        match (key.code, plain(&key)) {
            (KeyCode::Esc, _) if self.diff_open => {
                self.diff_open = false;
                PanelOutcome::Consumed
            }
            (KeyCode::Esc, _) | (_, Some('q')) => PanelOutcome::Close,
            (KeyCode::Up, _) | (_, Some('k')) => {
                self.selected = self.selected.saturating_sub(1);
                self.scroll = 0;
                PanelOutcome::Consumed
            }
            (KeyCode::Down, _) | (_, Some('j')) => {
                self.selected = (self.selected + 1).min(n.saturating_sub(1));
                self.scroll = 0;
                PanelOutcome::Consumed
            }
            (KeyCode::Enter, _) | (_, Some('d')) => {
                self.diff_open = !self.diff_open;
                self.scroll = 0;
                PanelOutcome::Consumed
            }
            (KeyCode::PageDown, _) => {
                self.scroll += PAGE;
                PanelOutcome::Consumed
            }
            (KeyCode::PageUp, _) => {
                self.scroll = self.scroll.saturating_sub(PAGE);
                PanelOutcome::Consumed
            }
            (_, Some('u')) => match self.revisions.get(self.selected) {
                Some(r) => self.rollback(r.revision),
                None => PanelOutcome::Consumed,
            },
            (_, Some('U')) => self.rollback(0),
            _ => PanelOutcome::Ignored,
        }
    }

    fn diff(&self) -> Option<DiffView> {
        if !self.diff_open {
            return None;
        }
        let r = self.revisions.get(self.selected)?;
        let t = self
            .templates
            .iter()
            .find(|(rev, _)| *rev == r.revision)
            .map(|(_, t)| t)?;
        let lines = template_diff(&self.current, t);
        let (added, removed) = diff_stats(&lines);
        let title = if lines.is_empty() {
            format!("revision {} is the current template", r.revision)
        } else {
            format!(
                "current template → revision {} (+{added} −{removed})",
                r.revision
            )
        };
        let scroll = self.scroll.min(lines.len().saturating_sub(1));
        Some(DiffView {
            title,
            lines,
            scroll,
        })
    }

    pub fn view(&self) -> HistoryView {
        HistoryView {
            title: format!("history · {}/{}", self.namespace, self.deployment),
            rows: self
                .revisions
                .iter()
                .map(|r| HistoryRow {
                    revision: r.revision,
                    change_cause: r.change_cause.clone().unwrap_or_else(|| "<none>".into()),
                    images: r.images.join(", "),
                    age: age(r.created, self.now),
                    replicas: format!("{}/{}", r.ready, r.replicas),
                    current: r.current,
                })
                .collect(),
            selected: self.selected,
            diff: self.diff(),
            disabled: self.disabled.clone(),
            message: self.message.clone(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    use super::*;
    use crate::app::dialogs::test_keys::*;
    use crate::model::change::DiffTag;
    use crate::model::rollout::fixtures::{deployment, now, replicaset};

    pub(crate) fn panel() -> HistoryPanel {
        let d = deployment("api", 3, "shop/api:2", json!({"observedGeneration": 2}));
        let rss = vec![
            replicaset("api-aaa", "uid-api", Some(1), "shop/api:1", 0, 0),
            replicaset("api-bbb", "uid-api", Some(2), "shop/api:2", 3, 3),
        ];
        HistoryPanel::new(&d, &rss, now())
    }

    #[test]
    fn rows_newest_first_with_current_marked() {
        let v = panel().view();
        let revs: Vec<(i64, bool)> = v.rows.iter().map(|r| (r.revision, r.current)).collect();
        assert_eq!(revs, [(2, true), (1, false)]);
        assert_eq!(v.rows[1].images, "shop/api:1");
        assert_eq!(v.rows[1].change_cause, "<none>");
        assert_eq!(v.rows[0].replicas, "3/3");
        assert_eq!(v.rows[1].age, "44m");
    }

    #[test]
    fn diff_of_the_selected_revision_against_current() {
        let mut p = panel();
        p.handle_key(ch('j'));
        p.handle_key(key(KeyCode::Enter));
        let d = p.view().diff.unwrap();
        assert_eq!(d.title, "current template → revision 1 (+1 −1)");
        let changed: Vec<String> = d
            .lines
            .iter()
            .filter(|l| matches!(l.tag, DiffTag::Added | DiffTag::Removed))
            .map(|l| format!("{}{}", l.marker(), l.text))
            .collect();
        assert_eq!(
            changed,
            ["-  - image: shop/api:2", "+  - image: shop/api:1"]
        );
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PanelOutcome::Consumed);
        assert!(p.view().diff.is_none());
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PanelOutcome::Close);
    }

    #[test]
    fn u_rolls_back_to_the_selected_and_shift_u_to_the_previous() {
        let mut p = panel();
        p.handle_key(key(KeyCode::Down));
        let out = p.handle_key(ch('u'));
        assert_eq!(
            out,
            PanelOutcome::Request {
                request: OpRequest::Rollback {
                    namespace: "shop".into(),
                    deployment: "api".into(),
                    to_revision: 1
                },
                guard: None
            }
        );
        assert!(matches!(
            p.handle_key(ch('U')),
            PanelOutcome::Request {
                request: OpRequest::Rollback { to_revision: 0, .. },
                ..
            }
        ));
        p.set_disabled(Some("read-only mode (--readonly)".into()));
        assert_eq!(p.handle_key(ch('u')), PanelOutcome::Consumed);
        assert!(p.view().message.unwrap().0.contains("read-only"));
    }
}
