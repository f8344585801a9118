//! The write side as the app sees it: the panels open over the current
//! screen (a stack: a confirm panel sits on the panel that asked for it),
//! the change being planned, the permission answers and the guard's latest
//! view. Everything here is pure: keys and `Done` messages change this
//! state and return a [`WriteEffect`] for the run loop's
//! [`super::write_runner::WriteRunner`] to carry out.
//!
//! Flow: panel key → `PanelOutcome::Request` → `WriteEffect::Plan` →
//! `WriteDone::Planned` → confirm panel → `Confirmed` → `WriteEffect::Apply`
//! → `WriteDone::Applied` → result line, and for a guarded change
//! `WriteEffect::AfterApply` starts the guard; its views come back as
//! `WriteDone::Guard`.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use k8s_openapi::api::apps::v1::Deployment;

use super::data::Data;
use super::state::{App, Flash, Kind, Screen};
use crate::app::dialogs::bluegreen::BlueGreenPanel;
use crate::app::dialogs::confirm::{ConfirmPanel, Phase};
use crate::app::dialogs::guard::GuardPanel;
use crate::app::dialogs::history::HistoryPanel;
use crate::app::dialogs::journal::JournalPanel;
use crate::app::dialogs::rollout::RolloutPanel;
use crate::app::dialogs::PanelOutcome;
use crate::cluster::ops::journal::JournalRead;
use crate::cluster::ops::{
    Applied, GuardBudget, GuardState, GuardTarget, GuardView, OpError, OpRequest, Permission,
    Planned, Prepared,
};
use crate::model::change::hpa_warning;
use crate::model::pairs::{bluegreen_view, find_pairs, BlueGreenView, DEFAULT_SLOT_KEYS};
use crate::model::verbs::Verb;

/// Why every action is disabled with `--readonly`.
pub const READONLY_REASON: &str = "read-only mode (--readonly)";

/// A permission question, as `Gate::can` takes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PermQuery {
    pub verb: &'static str,
    pub group: &'static str,
    pub resource: &'static str,
    pub namespace: String,
}

impl PermQuery {
    fn patch_deployments(ns: &str) -> Self {
        PermQuery {
            verb: "patch",
            group: "apps",
            resource: "deployments",
            namespace: ns.into(),
        }
    }

    fn patch_services(ns: &str) -> Self {
        PermQuery {
            verb: "patch",
            group: "",
            resource: "services",
            namespace: ns.into(),
        }
    }
}

/// A confirm panel with what it confirms.
#[derive(Clone, Debug)]
pub struct Confirm {
    pub panel: ConfirmPanel,
    pub prepared: Prepared,
    pub guard: Option<GuardBudget>,
    pub request: OpRequest,
    pub seq: u64,
}

// At most a few panels are open at once: boxing them would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Panel {
    Rollout(RolloutPanel),
    History(HistoryPanel),
    BlueGreen(BlueGreenPanel),
    Confirm(Box<Confirm>),
    Guard(GuardPanel),
    Journal(JournalPanel),
}

impl Panel {
    fn queries(&self) -> Vec<PermQuery> {
        match self {
            Panel::Rollout(p) => vec![PermQuery::patch_deployments(&p.namespace)],
            Panel::History(p) => vec![PermQuery::patch_deployments(&p.namespace)],
            Panel::BlueGreen(p) => {
                let ns = &p.view().model.namespace;
                vec![
                    PermQuery::patch_services(ns),
                    PermQuery::patch_deployments(ns),
                ]
            }
            _ => Vec::new(),
        }
    }

    fn set_disabled(&mut self, why: Option<String>) {
        match self {
            Panel::Rollout(p) => p.set_disabled(why),
            Panel::History(p) => p.set_disabled(why),
            Panel::BlueGreen(p) => p.set_disabled(why),
            _ => {}
        }
    }

    fn set_message(&mut self, text: &str, error: bool) {
        match self {
            Panel::Rollout(p) => p.set_message(text, error),
            Panel::History(p) => p.set_message(text, error),
            Panel::BlueGreen(p) => p.set_message(text, error),
            _ => {}
        }
    }
}

/// The change planned or applied right now.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub seq: u64,
    pub request: OpRequest,
    pub guard: Option<GuardBudget>,
}

pub struct WriteState {
    /// Bottom to top; the top one gets the keys.
    pub panels: Vec<Panel>,
    pub pending: Option<Pending>,
    seq: u64,
    pub permissions: HashMap<PermQuery, Permission>,
    /// The running (or last) guard, for the header and the guard panel.
    pub guard: Option<GuardView>,
    /// Service selector keys that name a blue-green slot.
    pub slot_keys: Vec<String>,
    /// Shown in the journal panel's title.
    pub journal_path: String,
    /// Tests pin the clock the panels use for ages.
    pub clock: Option<DateTime<Utc>>,
}

impl Default for WriteState {
    fn default() -> Self {
        WriteState {
            panels: Vec::new(),
            pending: None,
            seq: 0,
            permissions: HashMap::new(),
            guard: None,
            slot_keys: DEFAULT_SLOT_KEYS.iter().map(|s| s.to_string()).collect(),
            journal_path: String::new(),
            clock: None,
        }
    }
}

impl WriteState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(super::state::now)
    }

    pub fn top(&self) -> Option<&Panel> {
        self.panels.last()
    }

    fn confirm_mut(&mut self, seq: u64) -> Option<&mut Confirm> {
        self.panels.iter_mut().rev().find_map(|p| match p {
            Panel::Confirm(c) if c.seq == seq => Some(c.as_mut()),
            _ => None,
        })
    }

    /// The panel a request came from: the top one that is not a confirm.
    fn origin_mut(&mut self) -> Option<&mut Panel> {
        self.panels
            .iter_mut()
            .rev()
            .find(|p| !matches!(p, Panel::Confirm(_) | Panel::Guard(_) | Panel::Journal(_)))
    }
}

/// Work for the run loop (`WriteRunner::execute`). One is made per key
/// press or result and moved once, so its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum WriteEffect {
    /// Read fresh, validate, plan, check read-only and permission.
    Plan {
        seq: u64,
        request: OpRequest,
    },
    /// The operator confirmed: dry run, then apply.
    Apply {
        seq: u64,
        prepared: Box<Prepared>,
    },
    /// The operator said no: journal it.
    Cancelled(Box<Prepared>),
    CheckPermissions(Vec<PermQuery>),
    /// After an applied change: start its guard, verify a switch.
    AfterApply {
        guard: Option<(GuardTarget, GuardBudget)>,
        verify: Option<GuardTarget>,
    },
    CancelGuard,
    ReadJournal,
}

/// Results of write work, back from the runner.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteDone {
    Planned(u64, Result<Planned, OpError>),
    Applied(u64, Result<Applied, OpError>),
    Permission(PermQuery, Permission),
    Guard(GuardView),
    Journal(Result<JournalRead, String>),
    /// (EndpointSlices point only at the new slot, the sentence saying so).
    Verified(Result<(bool, String), OpError>),
}

fn flash(app: &mut App, text: impl Into<String>, error: bool) {
    app.flash = Some(Flash {
        text: text.into(),
        error,
    });
}

/// The Deployment under the highlight (deployments table) or on screen
/// (deployment detail).
pub fn target_deployment(app: &App, data: &Data) -> Option<Arc<Deployment>> {
    let view = app.view();
    match &view.screen {
        Screen::List(Kind::Deployments) => view
            .visible
            .get(view.selected)
            .and_then(|i| data.deployments.get(*i))
            .map(|it| Arc::clone(&it.obj)),
        Screen::Detail(Kind::Deployments, key) => data
            .deployments
            .iter()
            .find(|it| it.row.namespace == key.namespace && it.row.name == key.name)
            .map(|it| Arc::clone(&it.obj)),
        _ => None,
    }
}

fn find_deployment(data: &Data, ns: &str, name: &str) -> Option<Arc<Deployment>> {
    data.deployments
        .iter()
        .find(|it| it.row.namespace == ns && it.row.name == name)
        .map(|it| Arc::clone(&it.obj))
}

fn no_deployment(app: &mut App) -> Option<WriteEffect> {
    flash(
        app,
        "select a deployment first (deployments table or deployment detail)",
        true,
    );
    None
}

fn hpas(data: &Data) -> Vec<Arc<k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler>> {
    data.hpas.iter().map(|it| Arc::clone(&it.obj)).collect()
}

fn deployments(data: &Data) -> Vec<Arc<Deployment>> {
    data.deployments
        .iter()
        .map(|it| Arc::clone(&it.obj))
        .collect()
}

/// Why the actions of a panel asking `queries` are disabled, if they are.
fn disabled_reason(app: &App, queries: &[PermQuery]) -> Option<String> {
    if app.cluster.readonly {
        return Some(READONLY_REASON.into());
    }
    queries
        .iter()
        .filter_map(|q| match app.write.permissions.get(q) {
            Some(Permission::Denied(why)) => Some(why.clone()),
            _ => None,
        })
        .next()
}

/// Opens `panel` on top, disabled as far as already known, and asks the
/// gate about the rest.
fn open(app: &mut App, mut panel: Panel) -> Option<WriteEffect> {
    let queries = panel.queries();
    panel.set_disabled(disabled_reason(app, &queries));
    app.write.panels.push(panel);
    (!app.cluster.readonly && !queries.is_empty()).then_some(WriteEffect::CheckPermissions(queries))
}

pub fn open_rollout(app: &mut App, data: &Data, scale: bool) -> Option<WriteEffect> {
    let Some(d) = target_deployment(app, data) else {
        return no_deployment(app);
    };
    let mut panel = RolloutPanel::new(&d, hpa_warning(&d, &hpas(data)));
    if scale {
        panel.focus_replicas();
    }
    open(app, Panel::Rollout(panel))
}

pub fn open_history(app: &mut App, data: &Data) -> Option<WriteEffect> {
    let Some(d) = target_deployment(app, data) else {
        return no_deployment(app);
    };
    let panel = HistoryPanel::new(&d, &data.replicasets, app.write.now());
    open(app, Panel::History(panel))
}

/// The blue-green pair `d` is a slot of, if any.
fn pair_view_of(app: &App, data: &Data, ns: &str, deployment: &str) -> Option<BlueGreenView> {
    let all = deployments(data);
    let pairs = find_pairs(&data.services, &all, &app.write.slot_keys);
    let pair = pairs
        .into_iter()
        .find(|p| p.namespace == ns && p.slots.iter().any(|s| s.deployment == deployment))?;
    Some(pair_view(data, &all, &pair))
}

fn pair_view(
    data: &Data,
    all: &[Arc<Deployment>],
    pair: &crate::model::pairs::Pair,
) -> BlueGreenView {
    let pods: Vec<_> = data.pods.iter().map(|it| Arc::clone(&it.obj)).collect();
    bluegreen_view(pair, all, &pods, &data.endpointslices)
}

pub fn open_bluegreen(app: &mut App, data: &Data) -> Option<WriteEffect> {
    let Some(d) = target_deployment(app, data) else {
        return no_deployment(app);
    };
    let ns = d.metadata.namespace.clone().unwrap_or_default();
    let name = d.metadata.name.clone().unwrap_or_default();
    match pair_view_of(app, data, &ns, &name) {
        Some(view) => open(app, Panel::BlueGreen(BlueGreenPanel::new(view))),
        None => {
            flash(
                app,
                format!(
                    "deployment {ns}/{name} is not part of a blue-green pair (a Service whose selector has a slot key: {})",
                    app.write.slot_keys.join(", ")
                ),
                true,
            );
            None
        }
    }
}

pub fn open_guard(app: &mut App) -> Option<WriteEffect> {
    match app.write.guard.clone() {
        Some(view) => {
            app.write.panels.retain(|p| !matches!(p, Panel::Guard(_)));
            app.write.panels.push(Panel::Guard(GuardPanel::new(view)));
        }
        None => flash(
            app,
            "no guarded rollout (turn the guard on in the rolling update panel: u, then ctrl-g)",
            false,
        ),
    }
    None
}

pub fn open_journal(app: &mut App) -> Option<WriteEffect> {
    app.write.panels.retain(|p| !matches!(p, Panel::Journal(_)));
    let path = app.write.journal_path.clone();
    app.write.panels.push(Panel::Journal(JournalPanel::new(
        &path,
        Ok(JournalRead::default()),
    )));
    Some(WriteEffect::ReadJournal)
}

/// `r` and `z` on a deployment: straight to the confirm panel.
pub fn quick_action(app: &mut App, data: &Data, restart: bool) -> Option<WriteEffect> {
    let Some(d) = target_deployment(app, data) else {
        return no_deployment(app);
    };
    let namespace = d.metadata.namespace.clone().unwrap_or_default();
    let deployment = d.metadata.name.clone().unwrap_or_default();
    let paused = d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false);
    let req = if restart {
        OpRequest::Restart {
            namespace,
            deployment,
        }
    } else if paused {
        OpRequest::Resume {
            namespace,
            deployment,
        }
    } else {
        OpRequest::Pause {
            namespace,
            deployment,
        }
    };
    request(app, req, None)
}

/// A verb on the object under the highlight (its kind's table) or on
/// screen (its detail): straight to the confirm panel.
pub fn verb(app: &mut App, verb: Verb) -> Option<WriteEffect> {
    let spec = verb.spec();
    let view = app.view();
    let ours = |k: &Kind| k.listing().is_some_and(|l| l.api_kind == spec.kind);
    let key = match &view.screen {
        Screen::List(k) if ours(k) => app.selected_key().cloned(),
        Screen::Detail(k, key) if ours(k) => Some((key.namespace.clone(), key.name.clone())),
        _ => None,
    };
    let Some((namespace, name)) = key else {
        let kind = spec.kind.to_ascii_lowercase();
        flash(
            app,
            format!("select a {kind} first ({kind}s table or {kind} detail)"),
            true,
        );
        return None;
    };
    request(
        app,
        OpRequest::Verb {
            verb,
            namespace,
            name,
        },
        None,
    )
}

/// Asks for a change: refused at once in read-only mode, otherwise planned.
pub fn request(
    app: &mut App,
    request: OpRequest,
    guard: Option<GuardBudget>,
) -> Option<WriteEffect> {
    if app.cluster.readonly {
        let text = format!(
            "{} refused: {}; nothing was sent",
            request.action(),
            OpError::ReadOnly
        );
        if let Some(p) = app.write.origin_mut() {
            p.set_message(&text, true);
        }
        flash(app, text, true);
        return None;
    }
    app.write.seq += 1;
    let seq = app.write.seq;
    app.write.pending = Some(Pending {
        seq,
        request: request.clone(),
        guard,
    });
    flash(
        app,
        format!(
            "{} {}: reading it fresh and checking permission…",
            request.action(),
            request.target().describe()
        ),
        false,
    );
    Some(WriteEffect::Plan { seq, request })
}

/// A key for the top panel.
pub fn panel_key(app: &mut App, key: KeyEvent) -> Option<WriteEffect> {
    let top = app.write.panels.last_mut()?;
    let outcome = match top {
        Panel::Rollout(p) => p.handle_key(key),
        Panel::History(p) => p.handle_key(key),
        Panel::BlueGreen(p) => p.handle_key(key),
        Panel::Confirm(c) => c.panel.handle_key(key),
        Panel::Guard(p) => p.handle_key(key),
        Panel::Journal(p) => p.handle_key(key),
    };
    match outcome {
        PanelOutcome::Consumed | PanelOutcome::Ignored => None,
        PanelOutcome::Close => {
            app.write.panels.pop();
            None
        }
        PanelOutcome::Request { request: r, guard } => request(app, r, guard),
        PanelOutcome::Confirmed => match app.write.panels.last_mut() {
            Some(Panel::Confirm(c)) => {
                c.panel.set_working();
                flash(app, "dry run, then apply…", false);
                let (seq, prepared) = match app.write.panels.last() {
                    Some(Panel::Confirm(c)) => (c.seq, c.prepared.clone()),
                    _ => return None,
                };
                Some(WriteEffect::Apply {
                    seq,
                    prepared: Box::new(prepared),
                })
            }
            _ => None,
        },
        PanelOutcome::Cancelled => match app.write.panels.pop() {
            Some(Panel::Confirm(c)) => {
                app.write.pending = None;
                flash(app, "cancelled: nothing was changed", false);
                Some(WriteEffect::Cancelled(Box::new(c.prepared)))
            }
            _ => None,
        },
        PanelOutcome::Retry => match app.write.panels.pop() {
            Some(Panel::Confirm(c)) => request(app, c.request, c.guard),
            _ => None,
        },
        PanelOutcome::CancelGuard => Some(WriteEffect::CancelGuard),
        PanelOutcome::Reload => Some(WriteEffect::ReadJournal),
    }
}

/// A paste for the panel on top, into its focused text field as one edit.
/// A typed confirmation must be typed: a paste there is refused.
pub fn panel_paste(app: &mut App, text: &str) {
    let cut = match app.write.panels.last_mut() {
        Some(Panel::Rollout(p)) => p.paste(text),
        Some(Panel::BlueGreen(p)) => p.paste(text),
        Some(Panel::Confirm(_)) => {
            flash(
                app,
                "type the confirmation: a paste is not taken here",
                true,
            );
            return;
        }
        _ => None,
    };
    match cut {
        None => flash(app, "paste ignored: this panel has no text field", false),
        Some(cut) if cut || focused_field_full(app) => say_field_full(app),
        Some(_) => {}
    }
}

/// The focused text field of the panel on top holds all it can.
pub fn focused_field_full(app: &App) -> bool {
    match app.write.panels.last() {
        Some(Panel::Rollout(p)) => p.focused_full(),
        Some(Panel::BlueGreen(p)) => p.focused_full(),
        Some(Panel::Confirm(c)) => c.panel.typed_full(),
        _ => false,
    }
}

/// Said in the status line, which a long field cannot push out of sight.
pub fn say_field_full(app: &mut App) {
    let note = crate::app::dialogs::field::cut_note(crate::app::dialogs::field::MAX_FIELD_CHARS);
    flash(app, note, true);
}

/// A result from the runner. May ask for more work.
pub fn done(app: &mut App, done: WriteDone) -> Option<WriteEffect> {
    match done {
        WriteDone::Planned(seq, result) => {
            let pending = app.write.pending.clone().filter(|p| p.seq == seq)?;
            match result {
                Ok(Planned::Ready(prepared)) => {
                    let guarded = pending.guard.is_some() && prepared.plan.guard.is_some();
                    app.flash = None;
                    app.write.panels.push(Panel::Confirm(Box::new(Confirm {
                        panel: ConfirmPanel::new(&prepared, guarded),
                        prepared: *prepared,
                        guard: pending.guard,
                        request: pending.request,
                        seq,
                    })));
                }
                Ok(Planned::Skipped(msg)) => {
                    app.write.pending = None;
                    if let Some(p) = app.write.origin_mut() {
                        p.set_message(&msg, false);
                    }
                    flash(app, msg, false);
                }
                Err(e) => {
                    app.write.pending = None;
                    let text = format!("{}: {e}", pending.request.action());
                    if let Some(p) = app.write.origin_mut() {
                        p.set_message(&text, true);
                    }
                    flash(app, text, true);
                }
            }
            None
        }
        WriteDone::Applied(seq, result) => applied(app, seq, result),
        WriteDone::Permission(q, p) => {
            app.write.permissions.insert(q, p);
            let readonly = app.cluster.readonly;
            let answers = app.write.permissions.clone();
            for panel in &mut app.write.panels {
                let queries = panel.queries();
                if queries.is_empty() {
                    continue;
                }
                let why = if readonly {
                    Some(READONLY_REASON.to_string())
                } else {
                    queries.iter().find_map(|q| match answers.get(q) {
                        Some(Permission::Denied(why)) => Some(why.clone()),
                        _ => None,
                    })
                };
                panel.set_disabled(why);
            }
            None
        }
        WriteDone::Guard(view) => {
            guard_view(app, view);
            None
        }
        WriteDone::Journal(read) => {
            for p in &mut app.write.panels {
                if let Panel::Journal(j) = p {
                    j.load(read.clone());
                }
            }
            None
        }
        WriteDone::Verified(result) => {
            let (text, ok) = match result {
                Ok((ok, sentence)) => (sentence, ok),
                Err(e) => (format!("switch not verified: {e}"), false),
            };
            for p in &mut app.write.panels {
                if let Panel::BlueGreen(b) = p {
                    b.set_verification(text.clone(), ok);
                }
            }
            flash(app, text, !ok);
            None
        }
    }
}

fn applied(app: &mut App, seq: u64, result: Result<Applied, OpError>) -> Option<WriteEffect> {
    let confirm = app.write.confirm_mut(seq)?;
    let shown = result
        .as_ref()
        .map(|a| {
            let mut m = a.message.clone();
            for w in &a.warnings {
                m.push_str(&format!(" (warning: {w})"));
            }
            m
        })
        .map_err(Clone::clone);
    confirm.panel.set_result(&shown);
    let plan_guard = confirm.prepared.plan.guard.clone();
    let budget = confirm.guard.clone();
    match shown {
        Ok(text) => {
            app.write.pending = None;
            if let Some(Panel::Rollout(r)) = app.write.origin_mut() {
                r.reset_on_refresh();
                r.set_message(format!("✓ {text}"), false);
            }
            flash(app, format!("✓ {text}"), false);
            let guard = plan_guard.clone().zip(budget);
            let verify = plan_guard.filter(|g| matches!(g, GuardTarget::Switch { .. }));
            if let Some((target, budget)) = &guard {
                // The confirm panel's job is done; the guard's countdown
                // takes its place.
                app.write.panels.retain(|p| !matches!(p, Panel::Confirm(_)));
                let view = GuardView {
                    title: format!("guarding {}", guard_object(target)),
                    state: GuardState::Watching,
                    seconds_left: budget.time.as_secs(),
                    budget_seconds: budget.time.as_secs(),
                    reason: None,
                    observation: "starting".into(),
                    result: None,
                };
                app.write.guard = Some(view.clone());
                app.write.panels.push(Panel::Guard(GuardPanel::new(view)));
            }
            (guard.is_some() || verify.is_some())
                .then_some(WriteEffect::AfterApply { guard, verify })
        }
        Err(e) => {
            let hint = if e.retryable() {
                " (r in the panel reloads and retries)"
            } else {
                ""
            };
            flash(app, format!("{e}{hint}"), true);
            None
        }
    }
}

fn guard_object(t: &GuardTarget) -> String {
    match t {
        GuardTarget::Rollout {
            namespace,
            deployment,
            ..
        } => format!("{namespace}/{deployment}"),
        GuardTarget::Switch {
            namespace, service, ..
        } => format!("{namespace}/{service}"),
    }
}

fn guard_view(app: &mut App, view: GuardView) {
    let before = app.write.guard.as_ref().map(|g| g.state);
    let changed = before != Some(view.state);
    app.write.guard = Some(view.clone());
    let mut shown = false;
    for p in &mut app.write.panels {
        if let Panel::Guard(g) = p {
            g.update(view.clone());
            shown = true;
        }
    }
    if !changed {
        return;
    }
    let why = view.reason.clone().unwrap_or_default();
    match view.state {
        GuardState::Watching => {}
        GuardState::RollingBack => flash(app, format!("guard: rolling back — {why}"), true),
        GuardState::RolledBack => flash(
            app,
            format!(
                "guard rolled back: {why} ({})",
                view.result.clone().unwrap_or_default()
            ),
            true,
        ),
        GuardState::RollbackFailed => flash(
            app,
            format!(
                "guard could not roll back: {} — act now ({why})",
                view.result.clone().unwrap_or_default()
            ),
            true,
        ),
        GuardState::Healthy => flash(app, format!("guard: {}", view.observation), false),
        GuardState::Cancelled => flash(app, format!("guard stopped: {why}"), false),
    }
    // Trouble is shown even if the operator had hidden the countdown.
    let trouble = matches!(
        view.state,
        GuardState::RollingBack | GuardState::RolledBack | GuardState::RollbackFailed
    );
    if trouble && !shown && app.write.panels.is_empty() {
        app.write.panels.push(Panel::Guard(GuardPanel::new(view)));
    }
}

/// Keeps open panels in step with the caches (called whenever the data
/// or the view changes).
pub fn refresh_panels(app: &mut App, data: &Data) {
    if app.write.panels.is_empty() {
        return;
    }
    let now = app.write.now();
    let mut bluegreen: Option<(String, String, Option<BlueGreenView>)> = None;
    for p in &app.write.panels {
        if let Panel::BlueGreen(b) = p {
            let m = &b.view().model;
            bluegreen = Some((m.namespace.clone(), m.service.clone(), None));
        }
    }
    if let Some((ns, svc, view)) = bluegreen.as_mut() {
        let all = deployments(data);
        let pairs = find_pairs(&data.services, &all, &app.write.slot_keys);
        *view = pairs
            .iter()
            .find(|p| p.namespace == *ns && p.service == *svc)
            .map(|p| pair_view(data, &all, p));
    }
    let hpas = hpas(data);
    for p in &mut app.write.panels {
        match p {
            Panel::Rollout(r) => {
                if let Some(d) = find_deployment(data, &r.namespace, &r.deployment) {
                    r.refresh(&d, hpa_warning(&d, &hpas));
                }
            }
            Panel::History(h) => {
                if let Some(d) = find_deployment(data, &h.namespace, &h.deployment) {
                    h.refresh(&d, &data.replicasets, now);
                }
            }
            Panel::BlueGreen(b) => {
                if let Some((_, _, Some(view))) = &bluegreen {
                    b.refresh(view.clone());
                }
            }
            _ => {}
        }
    }
}

/// Is a confirm panel waiting on the server?
pub fn working(app: &App) -> bool {
    app.write
        .panels
        .iter()
        .any(|p| matches!(p, Panel::Confirm(c) if *c.panel.phase() == Phase::Working))
}
