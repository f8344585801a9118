//! The blue-green panel of one pair: the active slot and, per slot, image,
//! readiness and endpoints; prepare the idle slot, switch (refused for a
//! slot not fully available unless forced — then the confirm panel asks for
//! the slot's name), switch back, scale the idle slot down. After a switch
//! the app shows the EndpointSlice verification here.
//!
//! Keys: ←/→ (h/l) select a slot, p prepare the selected idle slot (an image
//! input per container, Enter to ask, Esc to leave), s switch to the
//! selected slot, S force the switch, b switch back, z scale the selected
//! idle slot down, g guard on/off, Esc close.

use crossterm::event::{KeyCode, KeyEvent};

use super::field::{FieldView, InputField};
use super::{guard_budget, is_press, plain, PanelOutcome};
use crate::cluster::ops::OpRequest;
use crate::model::change::parse_image;
use crate::model::pairs::BlueGreenView;

/// The watch window of a guarded switch, in seconds.
pub const DEFAULT_SWITCH_GUARD_SECONDS: u64 = 120;

#[derive(Clone, Debug)]
pub struct BlueGreenPanel {
    model: BlueGreenView,
    selected: usize,
    prepare: Option<Vec<(String, InputField)>>,
    focus: usize,
    guard: bool,
    disabled: Option<String>,
    message: Option<(String, bool)>,
    verification: Option<(String, bool)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlueGreenPanelView {
    pub model: BlueGreenView,
    pub selected: usize,
    /// Image inputs while preparing the selected slot.
    pub prepare: Option<Vec<FieldView>>,
    pub guard: bool,
    pub disabled: Option<String>,
    pub message: Option<(String, bool)>,
    /// The EndpointSlice check after a switch: (sentence, verified).
    pub verification: Option<(String, bool)>,
}

impl BlueGreenPanel {
    pub fn new(model: BlueGreenView) -> Self {
        let selected = model.slots.iter().position(|s| !s.active).unwrap_or(0);
        BlueGreenPanel {
            model,
            selected,
            prepare: None,
            focus: 0,
            guard: false,
            disabled: None,
            message: None,
            verification: None,
        }
    }

    /// New cache contents; the selection stays on the same slot.
    pub fn refresh(&mut self, model: BlueGreenView) {
        let keep = self.model.slots.get(self.selected).map(|s| s.value.clone());
        self.model = model;
        if let Some(k) = keep {
            if let Some(i) = self.model.slots.iter().position(|s| s.value == k) {
                self.selected = i;
            }
        }
        self.selected = self.selected.min(self.model.slots.len().saturating_sub(1));
    }

    pub fn set_disabled(&mut self, reason: Option<String>) {
        self.disabled = reason;
    }

    pub fn set_message(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some((text.into(), error));
    }

    /// The result of `ops::bluegreen::verify_switch`.
    pub fn set_verification(&mut self, sentence: impl Into<String>, verified: bool) {
        self.verification = Some((sentence.into(), verified));
    }

    pub fn guard_on(&self) -> bool {
        self.guard
    }

    fn selected_value(&self) -> Option<String> {
        self.model.slots.get(self.selected).map(|s| s.value.clone())
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
        self.message = None;
        PanelOutcome::Request {
            request,
            guard: guard_budget(guarded && self.guard, DEFAULT_SWITCH_GUARD_SECONDS),
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> PanelOutcome {
        if !is_press(&key) {
            return PanelOutcome::Ignored;
        }
        if self.prepare.is_some() {
            return self.prepare_key(key);
        }
        let n = self.model.slots.len().max(1);
        let (namespace, service) = (self.model.namespace.clone(), self.model.service.clone());
        match (key.code, plain(&key)) {
            (KeyCode::Esc, _) | (_, Some('q')) => PanelOutcome::Close,
            (KeyCode::Left, _) | (_, Some('h')) | (KeyCode::BackTab, _) => {
                self.selected = (self.selected + n - 1) % n;
                PanelOutcome::Consumed
            }
            (KeyCode::Right, _) | (_, Some('l')) | (KeyCode::Tab, _) => {
                self.selected = (self.selected + 1) % n;
                PanelOutcome::Consumed
            }
            (_, Some('g')) => {
                self.guard = !self.guard;
                self.message = Some((
                    if self.guard {
                        format!(
                            "guarded: trouble within {DEFAULT_SWITCH_GUARD_SECONDS}s of a switch switches back by itself"
                        )
                    } else {
                        "not guarded".into()
                    },
                    false,
                ));
                PanelOutcome::Consumed
            }
            (_, Some('p')) => self.open_prepare(),
            (_, Some(c @ ('s' | 'S'))) => {
                let Some(to) = self.selected_value() else {
                    return PanelOutcome::Consumed;
                };
                if to == self.model.active {
                    return self.error(format!("slot {to} is already active"));
                }
                let force = c == 'S';
                if let Some(slot) = self.model.slot(&to) {
                    if !slot.fully_available && !force {
                        return self.error(format!(
                            "slot {to} is not fully available ({}/{} available): press S to force",
                            slot.available, slot.desired
                        ));
                    }
                }
                self.verification = None;
                self.request(
                    OpRequest::Switch {
                        namespace,
                        service,
                        to,
                        force,
                    },
                    true,
                )
            }
            (_, Some('b')) => {
                self.verification = None;
                self.request(
                    OpRequest::SwitchBack {
                        namespace,
                        service,
                        force: false,
                    },
                    true,
                )
            }
            (_, Some('z')) => {
                let Some(slot) = self.selected_value() else {
                    return PanelOutcome::Consumed;
                };
                if slot == self.model.active {
                    return self.error(format!("slot {slot} is active: refusing to scale it down"));
                }
                self.request(
                    OpRequest::ScaleDownIdle {
                        namespace,
                        service,
                        slot,
                    },
                    false,
                )
            }
            _ => PanelOutcome::Ignored,
        }
    }

    fn open_prepare(&mut self) -> PanelOutcome {
        let Some(slot) = self.model.slots.get(self.selected).cloned() else {
            return PanelOutcome::Consumed;
        };
        if slot.active {
            return self.error(format!(
                "slot {} is active: select the idle slot to prepare",
                slot.value
            ));
        }
        let active = self.model.slot(&self.model.active).cloned();
        let fields = slot
            .containers
            .iter()
            .zip(&slot.images)
            .map(|(c, own)| {
                // Start from what the active slot runs: preparing usually
                // means "the same, with one tag changed".
                let start = active
                    .as_ref()
                    .and_then(|a| {
                        a.containers
                            .iter()
                            .position(|x| x == c)
                            .map(|i| a.images[i].clone())
                    })
                    .unwrap_or_else(|| own.clone());
                (c.clone(), InputField::new(format!("image {c}"), &start))
            })
            .collect();
        self.prepare = Some(fields);
        self.focus = 0;
        self.message = None;
        PanelOutcome::Consumed
    }

    /// Pasted text for the focused image field while the idle slot is
    /// being prepared: whether some was cut, or `None` when no field is
    /// open.
    pub fn paste(&mut self, text: &str) -> Option<bool> {
        let fields = self.prepare.as_mut()?;
        let (_, f) = fields.get_mut(self.focus)?;
        Some(f.paste(text))
    }

    /// The focused field holds all it can.
    pub fn focused_full(&self) -> bool {
        self.prepare
            .as_ref()
            .and_then(|fields| fields.get(self.focus))
            .is_some_and(|(_, f)| f.full())
    }

    fn prepare_key(&mut self, key: KeyEvent) -> PanelOutcome {
        let Some(fields) = self.prepare.as_mut() else {
            return PanelOutcome::Ignored;
        };
        let n = fields.len().max(1);
        match key.code {
            KeyCode::Esc => {
                self.prepare = None;
                PanelOutcome::Consumed
            }
            KeyCode::Tab | KeyCode::Down => {
                self.focus = (self.focus + 1) % n;
                PanelOutcome::Consumed
            }
            KeyCode::BackTab | KeyCode::Up => {
                self.focus = (self.focus + n - 1) % n;
                PanelOutcome::Consumed
            }
            KeyCode::Enter => {
                let images: Vec<(String, String)> = fields
                    .iter()
                    .map(|(c, f)| (c.clone(), f.text().trim().to_string()))
                    .collect();
                for (c, image) in &images {
                    if let Err(e) = parse_image(image) {
                        return self.error(format!("container {c}: {e}"));
                    }
                }
                let Some(slot) = self.selected_value() else {
                    return PanelOutcome::Consumed;
                };
                let out = self.request(
                    OpRequest::PrepareIdle {
                        namespace: self.model.namespace.clone(),
                        service: self.model.service.clone(),
                        slot,
                        images,
                    },
                    false,
                );
                if matches!(out, PanelOutcome::Request { .. }) {
                    self.prepare = None;
                }
                out
            }
            _ => {
                if let Some((_, f)) = fields.get_mut(self.focus) {
                    f.input(key);
                }
                PanelOutcome::Consumed
            }
        }
    }

    pub fn view(&self) -> BlueGreenPanelView {
        BlueGreenPanelView {
            model: self.model.clone(),
            selected: self.selected,
            prepare: self.prepare.as_ref().map(|fs| {
                fs.iter()
                    .enumerate()
                    .map(|(i, (_, f))| f.view(i == self.focus))
                    .collect()
            }),
            guard: self.guard,
            disabled: self.disabled.clone(),
            message: self.message.clone(),
            verification: self.verification.clone(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use serde_json::{json, Value};

    use super::*;
    use crate::app::dialogs::test_keys::*;
    use crate::model::pairs::{bluegreen_view, pair_of, DEFAULT_SLOT_KEYS};

    pub(crate) fn model(green_available: i32) -> BlueGreenView {
        let svc: k8s_openapi::api::core::v1::Service = serde_json::from_value(json!({
            "metadata": {"name": "frontend", "namespace": "shop"},
            "spec": {"selector": {"app": "frontend", "slot": "blue"}}}))
        .unwrap();
        let d = |slot: &str,
                 image: &str,
                 available: i32|
         -> Arc<k8s_openapi::api::apps::v1::Deployment> {
            let labels: Value = json!({"app": "frontend", "slot": slot});
            Arc::new(serde_json::from_value(json!({
                "metadata": {"name": format!("frontend-{slot}"), "namespace": "shop", "generation": 1},
                "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels},
                        "spec": {"containers": [{"name": "web", "image": image}]}}},
                "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2,
                    "readyReplicas": available, "availableReplicas": available}})).unwrap())
        };
        let ds = vec![d("blue", "web:1", 2), d("green", "web:0", green_available)];
        let keys: Vec<String> = DEFAULT_SLOT_KEYS.iter().map(|s| s.to_string()).collect();
        let pair = pair_of(&svc, &ds, &keys).unwrap();
        bluegreen_view(&pair, &ds, &[], &[])
    }

    #[test]
    fn opens_on_the_idle_slot_and_switches_to_it() {
        let mut p = BlueGreenPanel::new(model(2));
        assert_eq!(p.view().selected, 1);
        p.handle_key(ch('g'));
        let out = p.handle_key(ch('s'));
        let PanelOutcome::Request { request, guard } = out else {
            panic!("{out:?}")
        };
        assert_eq!(
            request,
            OpRequest::Switch {
                namespace: "shop".into(),
                service: "frontend".into(),
                to: "green".into(),
                force: false
            }
        );
        assert_eq!(guard.unwrap().time.as_secs(), DEFAULT_SWITCH_GUARD_SECONDS);
    }

    #[test]
    fn unready_slot_needs_capital_s() {
        let mut p = BlueGreenPanel::new(model(1));
        assert_eq!(p.handle_key(ch('s')), PanelOutcome::Consumed);
        assert!(p.view().message.unwrap().0.contains("press S to force"));
        assert!(matches!(
            p.handle_key(ch('S')),
            PanelOutcome::Request {
                request: OpRequest::Switch { force: true, .. },
                ..
            }
        ));
        p.handle_key(ch('h'));
        assert_eq!(p.handle_key(ch('s')), PanelOutcome::Consumed);
        assert!(p.view().message.unwrap().0.contains("already active"));
        assert_eq!(p.handle_key(ch('z')), PanelOutcome::Consumed);
    }

    #[test]
    fn prepare_starts_from_the_active_image() {
        let mut p = BlueGreenPanel::new(model(2));
        p.handle_key(ch('p'));
        let fields = p.view().prepare.unwrap();
        assert_eq!(fields[0].text, "web:1");
        p.handle_key(key(KeyCode::Backspace));
        for k in typed("2") {
            p.handle_key(k);
        }
        let out = p.handle_key(key(KeyCode::Enter));
        assert_eq!(
            out,
            PanelOutcome::Request {
                request: OpRequest::PrepareIdle {
                    namespace: "shop".into(),
                    service: "frontend".into(),
                    slot: "green".into(),
                    images: vec![("web".into(), "web:2".into())],
                },
                guard: None,
            }
        );
        assert!(p.view().prepare.is_none());
        // A bad image stays in the form with the reason.
        p.handle_key(ch('p'));
        for k in typed(" x") {
            p.handle_key(k);
        }
        assert_eq!(p.handle_key(key(KeyCode::Enter)), PanelOutcome::Consumed);
        assert!(p.view().message.unwrap().0.contains("whitespace"));
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PanelOutcome::Consumed);
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PanelOutcome::Close);
    }

    #[test]
    fn switch_back_and_scale_down() {
        let mut p = BlueGreenPanel::new(model(2));
        assert!(matches!(
            p.handle_key(ch('b')),
            PanelOutcome::Request {
                request: OpRequest::SwitchBack { .. },
                ..
            }
        ));
        assert!(matches!(
            p.handle_key(ch('z')),
            PanelOutcome::Request { request: OpRequest::ScaleDownIdle { slot, .. }, guard: None } if slot == "green"
        ));
    }
}
