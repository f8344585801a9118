//! The rolling update panel of one Deployment: an image input per
//! container, replicas, maxSurge / maxUnavailable and the change-cause, each
//! validated as typed; restart, pause/resume and the guard option on
//! Ctrl keys (plain keys are text). Enter on a field asks for that change.
//!
//! Keys: Tab/↓ next field, Shift-Tab/↑ previous, Enter apply the focused
//! field (images go together, with the change-cause if it was edited),
//! Ctrl-R restart, Ctrl-P pause/resume, Ctrl-G guard on/off, Esc close.

use crossterm::event::{KeyCode, KeyEvent};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::field::{FieldView, InputField};
use super::{ctrl, guard_budget, is_press, PanelOutcome};
use crate::cluster::ops::OpRequest;
use crate::model::change::{check_fenceposts, parse_image, parse_int_or_percent, parse_replicas};
use crate::model::rollout::{rollout_status, CHANGE_CAUSE_ANNOTATION};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Image(String),
    Replicas,
    MaxSurge,
    MaxUnavailable,
    ChangeCause,
    GuardSeconds,
}

#[derive(Clone, Debug)]
pub struct RolloutPanel {
    pub namespace: String,
    pub deployment: String,
    fields: Vec<(Kind, InputField)>,
    focus: usize,
    paused: bool,
    recreate: bool,
    guard: bool,
    status: String,
    /// Why changes are not possible (read-only, no permission); set by the
    /// app from `Gate::can`.
    disabled: Option<String>,
    hpa_warning: Option<String>,
    /// The last validation problem or note.
    message: Option<(String, bool)>,
    /// A change was applied: start the fields over from the next read.
    reset: bool,
}

/// What the panel draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutPanelView {
    pub title: String,
    pub status: String,
    pub fields: Vec<FieldView>,
    pub paused: bool,
    pub guard: bool,
    pub disabled: Option<String>,
    pub hpa_warning: Option<String>,
    /// (text, is_error)
    pub message: Option<(String, bool)>,
}

fn intstr(v: Option<&IntOrString>) -> String {
    match v {
        Some(IntOrString::Int(i)) => i.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => "25%".into(),
    }
}

/// Default time budget of a guarded rollout, in seconds.
pub const DEFAULT_GUARD_SECONDS: u64 = 300;

impl RolloutPanel {
    /// Fields filled from the cached Deployment. `hpa_warning` from
    /// `model::change::hpa_warning`.
    pub fn new(d: &Deployment, hpa_warning: Option<String>) -> Self {
        let spec = d.spec.clone().unwrap_or_default();
        let mut fields = Vec::new();
        for c in spec.template.spec.iter().flat_map(|p| p.containers.iter()) {
            fields.push((
                Kind::Image(c.name.clone()),
                InputField::new(
                    format!("image {}", c.name),
                    c.image.as_deref().unwrap_or(""),
                ),
            ));
        }
        fields.push((
            Kind::Replicas,
            InputField::new("replicas", &spec.replicas.unwrap_or(1).to_string()),
        ));
        let ru = spec
            .strategy
            .as_ref()
            .and_then(|s| s.rolling_update.as_ref());
        fields.push((
            Kind::MaxSurge,
            InputField::new("maxSurge", &intstr(ru.and_then(|r| r.max_surge.as_ref()))),
        ));
        fields.push((
            Kind::MaxUnavailable,
            InputField::new(
                "maxUnavailable",
                &intstr(ru.and_then(|r| r.max_unavailable.as_ref())),
            ),
        ));
        let cause = d
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(CHANGE_CAUSE_ANNOTATION))
            .cloned()
            .unwrap_or_default();
        fields.push((Kind::ChangeCause, InputField::new("change-cause", &cause)));
        fields.push((
            Kind::GuardSeconds,
            InputField::new("guard budget s", &DEFAULT_GUARD_SECONDS.to_string()),
        ));
        RolloutPanel {
            namespace: d.metadata.namespace.clone().unwrap_or_default(),
            deployment: d.metadata.name.clone().unwrap_or_default(),
            fields,
            focus: 0,
            paused: spec.paused.unwrap_or(false),
            recreate: spec.strategy.as_ref().and_then(|s| s.type_.as_deref()) == Some("Recreate"),
            guard: false,
            status: rollout_status(d).message,
            disabled: None,
            hpa_warning,
            message: None,
            reset: false,
        }
    }

    /// Keeps the status and pause state current without touching what the
    /// operator is typing.
    pub fn refresh(&mut self, d: &Deployment, hpa_warning: Option<String>) {
        if self.reset {
            let fresh = RolloutPanel::new(d, hpa_warning);
            let keep = (
                self.focus,
                self.guard,
                self.disabled.take(),
                self.message.take(),
            );
            *self = fresh;
            (self.focus, self.guard, self.disabled, self.message) = keep;
            self.focus = self.focus.min(self.fields.len().saturating_sub(1));
            return;
        }
        self.status = rollout_status(d).message;
        self.paused = d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false);
        self.hpa_warning = hpa_warning;
    }

    /// `Some(reason)` shows every action disabled with the reason.
    pub fn set_disabled(&mut self, reason: Option<String>) {
        self.disabled = reason;
    }

    /// A result to show (from the gate), `error` in the failed colour.
    pub fn set_message(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some((text.into(), error));
    }

    pub fn guard_on(&self) -> bool {
        self.guard
    }

    /// After a change was applied: the fields show the object as it is
    /// from the next refresh on, not what was typed.
    pub fn reset_on_refresh(&mut self) {
        self.reset = true;
    }

    /// Puts the cursor on the replicas field (the app's scale key).
    pub fn focus_replicas(&mut self) {
        if let Some(i) = self.fields.iter().position(|(k, _)| *k == Kind::Replicas) {
            self.focus = i;
        }
    }

    fn guard_seconds(&self) -> Result<u64, String> {
        let text = self
            .field(&Kind::GuardSeconds)
            .map(InputField::text)
            .unwrap_or_default();
        let t = text.trim();
        match t.parse::<u64>() {
            Ok(n) if (10..=3600).contains(&n) => Ok(n),
            _ => Err(format!("guard budget \"{t}\" must be 10 to 3600 seconds")),
        }
    }

    fn field(&self, kind: &Kind) -> Option<&InputField> {
        self.fields.iter().find(|(k, _)| k == kind).map(|(_, f)| f)
    }

    fn text(&self, kind: &Kind) -> String {
        self.field(kind).map(InputField::text).unwrap_or_default()
    }

    fn error(&mut self, text: String) -> PanelOutcome {
        self.message = Some((text, true));
        PanelOutcome::Consumed
    }

    fn request(&mut self, request: OpRequest, guarded: bool) -> PanelOutcome {
        if let Some(why) = &self.disabled {
            let why = why.clone();
            return self.error(format!("not allowed: {why}"));
        }
        let guard = if guarded && self.guard {
            match self.guard_seconds() {
                Ok(s) => guard_budget(true, s),
                Err(e) => return self.error(e),
            }
        } else {
            None
        };
        self.message = None;
        PanelOutcome::Request { request, guard }
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> PanelOutcome {
        if !is_press(&key) {
            return PanelOutcome::Ignored;
        }
        let (ns, name) = (self.namespace.clone(), self.deployment.clone());
        if ctrl(&key, 'r') {
            if self.paused {
                return self
                    .error("can't restart paused deployment (run rollout resume first)".into());
            }
            return self.request(
                OpRequest::Restart {
                    namespace: ns,
                    deployment: name,
                },
                true,
            );
        }
        if ctrl(&key, 'p') {
            let req = if self.paused {
                OpRequest::Resume {
                    namespace: ns,
                    deployment: name,
                }
            } else {
                OpRequest::Pause {
                    namespace: ns,
                    deployment: name,
                }
            };
            return self.request(req, self.paused);
        }
        if ctrl(&key, 'g') {
            self.guard = !self.guard;
            self.message = Some((
                if self.guard {
                    "guarded: a failing rollout is rolled back by itself".into()
                } else {
                    "not guarded".into()
                },
                false,
            ));
            return PanelOutcome::Consumed;
        }
        match key.code {
            KeyCode::Esc => PanelOutcome::Close,
            KeyCode::Tab | KeyCode::Down => {
                self.focus = (self.focus + 1) % self.fields.len().max(1);
                PanelOutcome::Consumed
            }
            KeyCode::BackTab | KeyCode::Up => {
                let n = self.fields.len().max(1);
                self.focus = (self.focus + n - 1) % n;
                PanelOutcome::Consumed
            }
            KeyCode::Enter => self.submit(),
            _ => match self.fields.get_mut(self.focus) {
                Some((_, f)) => {
                    f.input(key);
                    self.message = None;
                    PanelOutcome::Consumed
                }
                None => PanelOutcome::Ignored,
            },
        }
    }

    /// Pasted text for the focused field: whether some was cut, or
    /// `None` when no field has the focus.
    pub fn paste(&mut self, text: &str) -> Option<bool> {
        let (_, f) = self.fields.get_mut(self.focus)?;
        self.message = None;
        Some(f.paste(text))
    }

    /// The focused field holds all it can.
    pub fn focused_full(&self) -> bool {
        self.fields.get(self.focus).is_some_and(|(_, f)| f.full())
    }

    fn submit(&mut self) -> PanelOutcome {
        let Some((kind, _)) = self.fields.get(self.focus).cloned() else {
            return PanelOutcome::Ignored;
        };
        let (namespace, deployment) = (self.namespace.clone(), self.deployment.clone());
        match kind {
            Kind::Image(_) => {
                let mut images = Vec::new();
                for (k, f) in &self.fields {
                    if let Kind::Image(c) = k {
                        if !f.changed() {
                            continue;
                        }
                        let image = f.text().trim().to_string();
                        if let Err(e) = parse_image(&image) {
                            return self.error(format!("container {c}: {e}"));
                        }
                        images.push((c.clone(), image));
                    }
                }
                if images.is_empty() {
                    return self.error("no image was changed".into());
                }
                let cause = self
                    .field(&Kind::ChangeCause)
                    .filter(|f| f.changed())
                    .map(|f| f.text().trim().to_string())
                    .filter(|t| !t.is_empty());
                self.request(
                    OpRequest::SetImages {
                        namespace,
                        deployment,
                        images,
                        change_cause: cause,
                    },
                    true,
                )
            }
            Kind::Replicas => {
                let text = self.text(&Kind::Replicas);
                if let Err(e) = parse_replicas(&text) {
                    return self.error(e);
                }
                self.request(
                    OpRequest::Scale {
                        namespace,
                        deployment,
                        replicas: text.trim().into(),
                    },
                    false,
                )
            }
            Kind::MaxSurge | Kind::MaxUnavailable => {
                if self.recreate {
                    return self.error(format!(
                        "deployment {deployment} uses the Recreate strategy: maxSurge and maxUnavailable do not apply"
                    ));
                }
                let surge = self.text(&Kind::MaxSurge);
                let unavailable = self.text(&Kind::MaxUnavailable);
                let parsed = parse_int_or_percent("maxSurge", &surge).and_then(|s| {
                    let u = parse_int_or_percent("maxUnavailable", &unavailable)?;
                    check_fenceposts(&s, &u)
                });
                if let Err(e) = parsed {
                    return self.error(e);
                }
                self.request(
                    OpRequest::Strategy {
                        namespace,
                        deployment,
                        max_surge: surge.trim().into(),
                        max_unavailable: unavailable.trim().into(),
                    },
                    false,
                )
            }
            Kind::ChangeCause => {
                let text = self.text(&Kind::ChangeCause).trim().to_string();
                self.request(
                    OpRequest::ChangeCause {
                        namespace,
                        deployment,
                        text,
                    },
                    false,
                )
            }
            Kind::GuardSeconds => match self.guard_seconds() {
                Ok(s) => {
                    self.guard = true;
                    self.message = Some((format!("guarded, with a budget of {s}s"), false));
                    PanelOutcome::Consumed
                }
                Err(e) => self.error(e),
            },
        }
    }

    pub fn view(&self) -> RolloutPanelView {
        RolloutPanelView {
            title: format!("rollout · {}/{}", self.namespace, self.deployment),
            status: self.status.clone(),
            fields: self
                .fields
                .iter()
                .enumerate()
                .map(|(i, (_, f))| f.view(i == self.focus))
                .collect(),
            paused: self.paused,
            guard: self.guard,
            disabled: self.disabled.clone(),
            hpa_warning: self.hpa_warning.clone(),
            message: self.message.clone(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use crossterm::event::KeyCode;
    use serde_json::json;

    use super::*;
    use crate::app::dialogs::test_keys::*;

    pub(crate) fn deployment(paused: bool) -> Deployment {
        serde_json::from_value(json!({
            "metadata": {"name": "api", "namespace": "shop", "generation": 1,
                "annotations": {"kubernetes.io/change-cause": "v1"}},
            "spec": {"replicas": 3, "paused": paused, "selector": {"matchLabels": {"app": "api"}},
                "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [
                    {"name": "api", "image": "shop/api:1"}, {"name": "proxy", "image": "envoy:1"}]}}},
            "status": {"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}
        }))
        .unwrap()
    }

    fn feed(p: &mut RolloutPanel, keys: Vec<KeyEvent>) -> PanelOutcome {
        let mut last = PanelOutcome::Ignored;
        for k in keys {
            last = p.handle_key(k);
        }
        last
    }

    fn clear(p: &mut RolloutPanel) {
        for _ in 0..40 {
            p.handle_key(key(KeyCode::Backspace));
        }
    }

    #[test]
    fn image_edit_asks_for_set_image_with_the_change_cause() {
        let mut p = RolloutPanel::new(&deployment(false), None);
        clear(&mut p);
        feed(&mut p, typed("shop/api:2"));
        // Down to the change-cause field (api, proxy, replicas, surge, unavailable, cause).
        for _ in 0..5 {
            p.handle_key(key(KeyCode::Down));
        }
        clear(&mut p);
        feed(&mut p, typed("hotfix 42"));
        p.handle_key(key(KeyCode::BackTab));
        for _ in 0..4 {
            p.handle_key(key(KeyCode::Up));
        }
        p.handle_key(ctrl_key('g'));
        let out = p.handle_key(key(KeyCode::Enter));
        let PanelOutcome::Request { request, guard } = out else {
            panic!("{out:?}")
        };
        assert_eq!(
            request,
            OpRequest::SetImages {
                namespace: "shop".into(),
                deployment: "api".into(),
                images: vec![("api".into(), "shop/api:2".into())],
                change_cause: Some("hotfix 42".into()),
            }
        );
        assert_eq!(guard.unwrap().time.as_secs(), DEFAULT_GUARD_SECONDS);
    }

    #[test]
    fn invalid_input_is_caught_before_any_request() {
        let mut p = RolloutPanel::new(&deployment(false), None);
        clear(&mut p);
        feed(&mut p, typed("Shop/API:2"));
        assert_eq!(p.handle_key(key(KeyCode::Enter)), PanelOutcome::Consumed);
        let v = p.view();
        assert!(
            v.message.as_ref().unwrap().0.contains("must be lowercase"),
            "{v:?}"
        );
        assert!(v.message.unwrap().1);
        // Replicas: negative, huge, garbage.
        p.handle_key(key(KeyCode::Tab));
        p.handle_key(key(KeyCode::Tab));
        for bad in ["-1", "100000", "lots"] {
            clear(&mut p);
            feed(&mut p, typed(bad));
            assert_eq!(
                p.handle_key(key(KeyCode::Enter)),
                PanelOutcome::Consumed,
                "{bad}"
            );
            assert!(p.view().message.unwrap().1);
        }
        clear(&mut p);
        feed(&mut p, typed("5"));
        assert!(matches!(
            p.handle_key(key(KeyCode::Enter)),
            PanelOutcome::Request { request: OpRequest::Scale { replicas, .. }, guard: None } if replicas == "5"
        ));
    }

    #[test]
    fn fenceposts_both_zero_are_refused() {
        let mut p = RolloutPanel::new(&deployment(false), None);
        for _ in 0..3 {
            p.handle_key(key(KeyCode::Tab));
        }
        clear(&mut p);
        feed(&mut p, typed("0"));
        p.handle_key(key(KeyCode::Tab));
        clear(&mut p);
        feed(&mut p, typed("0%"));
        assert_eq!(p.handle_key(key(KeyCode::Enter)), PanelOutcome::Consumed);
        assert!(p.view().message.unwrap().0.contains("cannot both be 0"));
        clear(&mut p);
        feed(&mut p, typed("1"));
        assert!(matches!(
            p.handle_key(key(KeyCode::Enter)),
            PanelOutcome::Request {
                request: OpRequest::Strategy { .. },
                ..
            }
        ));
    }

    #[test]
    fn ctrl_keys_restart_and_toggle_pause() {
        let mut p = RolloutPanel::new(&deployment(false), None);
        assert!(matches!(
            p.handle_key(ctrl_key('r')),
            PanelOutcome::Request {
                request: OpRequest::Restart { .. },
                ..
            }
        ));
        assert!(matches!(
            p.handle_key(ctrl_key('p')),
            PanelOutcome::Request {
                request: OpRequest::Pause { .. },
                guard: None
            }
        ));
        let mut paused = RolloutPanel::new(&deployment(true), None);
        assert!(matches!(
            paused.handle_key(ctrl_key('p')),
            PanelOutcome::Request {
                request: OpRequest::Resume { .. },
                ..
            }
        ));
        assert_eq!(paused.handle_key(ctrl_key('r')), PanelOutcome::Consumed);
        assert!(paused
            .view()
            .message
            .unwrap()
            .0
            .contains("can't restart paused deployment"));
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PanelOutcome::Close);
    }

    #[test]
    fn after_an_apply_the_fields_show_the_object_again() {
        let mut p = RolloutPanel::new(&deployment(false), None);
        clear(&mut p);
        feed(&mut p, typed("shop/api:2"));
        p.refresh(&deployment(false), None);
        assert_eq!(
            p.view().fields[0].text,
            "shop/api:2",
            "typing survives a refresh"
        );
        p.reset_on_refresh();
        p.set_message("applied", false);
        p.refresh(&deployment(false), None);
        let v = p.view();
        assert_eq!(v.fields[0].text, "shop/api:1");
        assert_eq!(v.message, Some(("applied".into(), false)));
    }

    #[test]
    fn disabled_panel_says_why_and_asks_for_nothing() {
        let mut p = RolloutPanel::new(&deployment(false), None);
        p.set_disabled(Some("read-only mode (--readonly)".into()));
        assert_eq!(p.handle_key(ctrl_key('r')), PanelOutcome::Consumed);
        assert_eq!(
            p.view().message.unwrap().0,
            "not allowed: read-only mode (--readonly)"
        );
    }
}
