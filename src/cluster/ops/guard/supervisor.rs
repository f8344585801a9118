//! The guard as a task: it looks at the Deployment every `poll`, asks the
//! verdicts (`verdict.rs`), and on a failure undoes the change through the
//! gate and journals why. The UI reads a [`GuardView`] and may cancel
//! through the [`GuardHandle`].

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::verdict::{assess_rollout, assess_serving, baseline, Baseline, GuardBudget, Verdict};
use crate::cluster::ops::bluegreen;
use crate::cluster::ops::errors::OpError;
use crate::cluster::ops::gate::Gate;
use crate::cluster::ops::plan::{GuardTarget, Plan, Target};
use crate::cluster::ops::rollback::{rollback, RollbackDecision};
use crate::model::cached::Pod;
use crate::model::pairs::pair_of;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GuardState {
    Watching,
    RollingBack,
    /// The change was undone (reason says why).
    RolledBack,
    /// Finished with nothing to undo.
    Healthy,
    /// Stopped by the operator (or a pause): nothing undone.
    Cancelled,
    /// Trouble was seen but the undo itself failed: the operator must act.
    RollbackFailed,
}

impl GuardState {
    pub fn as_str(self) -> &'static str {
        match self {
            GuardState::Watching => "watching",
            GuardState::RollingBack => "rolling back",
            GuardState::RolledBack => "rolled back",
            GuardState::Healthy => "healthy",
            GuardState::Cancelled => "cancelled",
            GuardState::RollbackFailed => "rollback failed",
        }
    }

    pub fn finished(self) -> bool {
        !matches!(self, GuardState::Watching | GuardState::RollingBack)
    }
}

/// What the guard panel draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardView {
    /// `guarding the rollout of shop/api`.
    pub title: String,
    pub state: GuardState,
    pub seconds_left: u64,
    pub budget_seconds: u64,
    /// Why it rolled back (or stopped).
    pub reason: Option<String>,
    /// The latest look: kubectl's status sentence or what is being watched.
    pub observation: String,
    /// How the undo went.
    pub result: Option<String>,
}

/// The running guard. Dropping it stops the guard (no task outlives the
/// cockpit); keep it for as long as the change should be watched.
pub struct GuardHandle {
    cancel: watch::Sender<bool>,
    view: watch::Receiver<GuardView>,
    task: JoinHandle<()>,
}

impl GuardHandle {
    pub fn cancel(&self) {
        let _ = self.cancel.send(true);
    }

    pub fn view(&self) -> GuardView {
        self.view.borrow().clone()
    }

    /// Changes to the view, for the run loop to wake on.
    pub fn subscribe(&self) -> watch::Receiver<GuardView> {
        self.view.clone()
    }

    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Waits for the guard to end and returns its last view.
    pub async fn wait(mut self) -> GuardView {
        let task = std::mem::replace(&mut self.task, tokio::spawn(async {}));
        let _ = task.await;
        self.view()
    }
}

impl Drop for GuardHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn title_of(target: &GuardTarget) -> String {
    match target {
        GuardTarget::Rollout {
            namespace,
            deployment,
            ..
        } => {
            format!("guarding the rollout of {namespace}/{deployment}")
        }
        GuardTarget::Switch {
            namespace,
            service,
            from,
            to,
            ..
        } => {
            format!("guarding the switch of {namespace}/{service} from {from} to {to}")
        }
    }
}

fn target_object(target: &GuardTarget) -> Target {
    match target {
        GuardTarget::Rollout {
            namespace,
            deployment,
            ..
        } => Target::deployment(namespace, deployment),
        GuardTarget::Switch {
            namespace, service, ..
        } => Target::service(namespace, service),
    }
}

/// Starts guarding `target` (from a prepared plan's `guard`).
pub fn start(gate: Arc<Gate>, target: GuardTarget, budget: GuardBudget) -> GuardHandle {
    let initial = GuardView {
        title: title_of(&target),
        state: GuardState::Watching,
        seconds_left: budget.time.as_secs(),
        budget_seconds: budget.time.as_secs(),
        reason: None,
        observation: "starting".into(),
        result: None,
    };
    let (view_tx, view_rx) = watch::channel(initial.clone());
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let task = tokio::spawn(run(gate, target, budget, initial, view_tx, cancel_rx));
    GuardHandle {
        cancel: cancel_tx,
        view: view_rx,
        task,
    }
}

/// What the guard looks at each time.
struct Look {
    deployment: Deployment,
    replicasets: Vec<Arc<ReplicaSet>>,
    pods: Vec<Arc<Pod>>,
}

async fn look(gate: &Gate, ns: &str, deployment: &str) -> Result<Look, OpError> {
    let f = gate.fetch();
    let d = f.deployment(ns, deployment).await?;
    let rss = f.replicasets_of(&d).await?;
    let pods = f.pods_of(&d).await?;
    Ok(Look {
        deployment: d,
        replicasets: rss,
        pods,
    })
}

async fn run(
    gate: Arc<Gate>,
    target: GuardTarget,
    budget: GuardBudget,
    mut view: GuardView,
    tx: watch::Sender<GuardView>,
    mut cancel: watch::Receiver<bool>,
) {
    let started = Instant::now();
    let (ns, deployment) = match &target {
        GuardTarget::Rollout {
            namespace,
            deployment,
            ..
        }
        | GuardTarget::Switch {
            namespace,
            deployment,
            ..
        } => (namespace.clone(), deployment.clone()),
    };
    let is_switch = matches!(target, GuardTarget::Switch { .. });
    let base = match look(&gate, &ns, &deployment).await {
        Ok(l) => baseline(&l.pods),
        Err(_) => Baseline::new(),
    };
    let object = target_object(&target);
    let reason = loop {
        let elapsed = started.elapsed();
        view.seconds_left = budget.time.saturating_sub(elapsed).as_secs();
        let verdict = match look(&gate, &ns, &deployment).await {
            Ok(l) => {
                let now = Utc::now();
                if is_switch {
                    assess_serving(&l.deployment, &l.pods, &budget, &base, now)
                } else {
                    assess_rollout(&l.deployment, &l.replicasets, &l.pods, &budget, &base, now)
                }
            }
            Err(e) => Verdict::Progress(format!("cannot look right now: {e}")),
        };
        match verdict {
            Verdict::Fail(why) => break why,
            Verdict::Healthy(msg) => {
                finish(&gate, &object, &mut view, &tx, GuardState::Healthy, &msg);
                return;
            }
            Verdict::Abandon(why) => {
                view.reason = Some(why.clone());
                finish(&gate, &object, &mut view, &tx, GuardState::Cancelled, &why);
                return;
            }
            Verdict::Progress(msg) => view.observation = msg,
        }
        if elapsed >= budget.time {
            if is_switch {
                let msg = format!("no trouble in the {}s watch window", budget.time.as_secs());
                finish(&gate, &object, &mut view, &tx, GuardState::Healthy, &msg);
                return;
            }
            break format!(
                "the time budget of {}s ran out before the rollout finished ({})",
                budget.time.as_secs(),
                view.observation
            );
        }
        let _ = tx.send(view.clone());
        tokio::select! {
            _ = tokio::time::sleep(budget.poll) => {}
            changed = cancel.changed() => {
                if changed.is_err() || *cancel.borrow() {
                    let msg = "cancelled by the operator; nothing was undone";
                    view.reason = Some(msg.into());
                    finish(&gate, &object, &mut view, &tx, GuardState::Cancelled, msg);
                    return;
                }
            }
        }
    };
    view.state = GuardState::RollingBack;
    view.reason = Some(reason.clone());
    let _ = tx.send(view.clone());
    let outcome = undo(&gate, &target, &reason).await;
    match outcome {
        Ok(msg) => {
            view.result = Some(msg);
            view.state = GuardState::RolledBack;
        }
        Err(e) => {
            view.result = Some(e.to_string());
            view.state = GuardState::RollbackFailed;
        }
    }
    let _ = tx.send(view);
}

fn finish(
    gate: &Gate,
    object: &Target,
    view: &mut GuardView,
    tx: &watch::Sender<GuardView>,
    state: GuardState,
    msg: &str,
) {
    view.state = state;
    view.observation = msg.to_string();
    gate.record_note("guard", object, state.as_str(), msg);
    let _ = tx.send(view.clone());
}

/// Rolls back (or switches back) through the gate, already confirmed by
/// the operator when they chose a guarded change.
async fn undo(gate: &Gate, target: &GuardTarget, reason: &str) -> Result<String, OpError> {
    let note = format!("guard: {reason}");
    let mut plan: Plan = match target {
        GuardTarget::Rollout {
            namespace,
            deployment,
            rollback_to,
        } => {
            let f = gate.fetch();
            let d = f.deployment(namespace, deployment).await?;
            let rss = f.replicasets_of(&d).await?;
            match rollback(&d, &rss, *rollback_to) {
                Ok(RollbackDecision::Plan(p)) => *p,
                Ok(RollbackDecision::Skip(msg)) => {
                    gate.record_skip(
                        "auto rollback",
                        &Target::deployment(namespace, deployment),
                        &msg,
                    );
                    return Ok(msg);
                }
                Err(e) => {
                    gate.record_refusal(
                        "auto rollback",
                        &Target::deployment(namespace, deployment),
                        &e,
                    );
                    return Err(e);
                }
            }
        }
        GuardTarget::Switch {
            namespace,
            service,
            slot_key,
            from,
            ..
        } => {
            let f = gate.fetch();
            let svc = f.service(namespace, service).await?;
            let deployments = f.deployments(namespace).await?;
            let pair =
                pair_of(&svc, &deployments, std::slice::from_ref(slot_key)).ok_or_else(|| {
                    OpError::refused(format!(
                        "service {namespace}/{service} is no longer a blue-green pair"
                    ))
                })?;
            let back = pair
                .slot(from)
                .ok_or_else(|| OpError::refused(format!("slot {from} no longer exists")))?;
            let d = f.deployment(namespace, &back.deployment).await?;
            // Forced: the new slot is failing, the old one is the way out
            // even if it is not fully available.
            bluegreen::switch(&svc, &pair, from, &d, true, "switch back")?
        }
    };
    for c in &mut plan.changes {
        c.action = format!("auto {}", c.action);
    }
    plan.note = Some(note);
    plan.confirm_word = None;
    let prepared = gate.prepare(plan).await?;
    let applied = gate.apply(&prepared).await?;
    Ok(applied.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_titles() {
        assert!(GuardState::RolledBack.finished() && !GuardState::Watching.finished());
        let t = GuardTarget::Switch {
            namespace: "shop".into(),
            service: "frontend".into(),
            slot_key: "slot".into(),
            from: "blue".into(),
            to: "green".into(),
            deployment: "frontend-green".into(),
        };
        assert_eq!(
            title_of(&t),
            "guarding the switch of shop/frontend from blue to green"
        );
        assert_eq!(target_object(&t).label(), "Service/frontend");
    }
}
