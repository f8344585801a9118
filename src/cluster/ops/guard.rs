//! Guarded rollouts: after a rolling update (or a blue-green switch) kockpit
//! watches the new pods and undoes the change by itself when they
//! crash-loop, cannot pull their image, stay unready, restart past a budget,
//! when the Deployment reports ProgressDeadlineExceeded, or when the
//! operator's time budget runs out. The undo is the gate's own rollback (or
//! switch back), journaled with the reason. The UI draws a [`GuardView`]
//! (state, countdown, reason) and can cancel through the [`GuardHandle`].
//!
//! For a rollout the time budget is a deadline: the rollout must complete
//! within it. For a switch the new slot is already running, so the budget
//! is a watch window: no trouble until it ends means healthy.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::bluegreen;
use super::errors::OpError;
use super::gate::Gate;
use super::plan::{GuardTarget, Plan, Target};
use super::rollback::{rollback, RollbackDecision};
use crate::model::age::to_chrono;
use crate::model::cached::{ContainerStatus, Pod};
use crate::model::pairs::pair_of;
use crate::model::rollout::{new_replicaset, owned_replicasets, rollout_status, Phase};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardBudget {
    /// The operator's time budget (deadline or watch window, see above).
    pub time: Duration,
    /// Restarts a new pod may have (beyond those it had when the guard started).
    pub restarts: i32,
    /// How long a new pod may stay unready after it was created.
    pub ready_grace: Duration,
    /// How often the guard looks.
    pub poll: Duration,
}

impl Default for GuardBudget {
    /// Five minutes is about what an operator waits in front of a rollout;
    /// two restarts tell a crash loop from a flaky first start; ninety
    /// seconds covers image pulls and slow readiness probes.
    fn default() -> Self {
        GuardBudget {
            time: Duration::from_secs(300),
            restarts: 2,
            ready_grace: Duration::from_secs(90),
            poll: Duration::from_secs(1),
        }
    }
}

/// What the guard concluded from one look.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Still going; how far.
    Progress(String),
    /// Done and well.
    Healthy(String),
    /// Undo the change, for this reason.
    Fail(String),
    /// Stop guarding without undoing (the operator paused the rollout).
    Abandon(String),
}

/// Waiting reasons that mean the container will not run as it is.
const CRASH_REASONS: [&str; 1] = ["CrashLoopBackOff"];
const START_REASONS: [&str; 7] = [
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
];

/// Restart counts per `pod/container` when the guard started, so restarts
/// a pod had before the change are not held against it.
pub type Baseline = HashMap<String, i32>;

pub fn baseline(pods: &[Arc<Pod>]) -> Baseline {
    let mut out = Baseline::new();
    for p in pods {
        let name = p.metadata.name.clone().unwrap_or_default();
        for cs in container_statuses(p) {
            out.insert(format!("{name}/{}", cs.name), cs.restart_count);
        }
    }
    out
}

fn container_statuses(p: &Pod) -> impl Iterator<Item = &ContainerStatus> {
    p.status.iter().flat_map(|s| {
        s.init_container_statuses
            .iter()
            .flatten()
            .chain(s.container_statuses.iter().flatten())
    })
}

/// The pod's Ready condition; without one (a server that reports only
/// container statuses), every container being ready.
/// ` exited 1 (Error)`, from the termination that caused the back-off.
fn last_exit(cs: &ContainerStatus) -> String {
    let Some(t) = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref()) else {
        return String::new();
    };
    match t.reason.as_deref() {
        Some(r) => format!(" exited {} ({r})", t.exit_code),
        None => format!(" exited {}", t.exit_code),
    }
}

/// The kubelet counts a restart only when the container starts again, so
/// the first back-off shows 0.
fn restarted(count: i32) -> String {
    match count {
        0 => "back-off before its first restart".into(),
        1 => "restarted once".into(),
        n => format!("restarted {n} times"),
    }
}

fn is_ready(p: &Pod) -> bool {
    let status = p.status.as_ref();
    let condition = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"));
    match condition {
        Some(c) => c.status == "True",
        None => status
            .and_then(|s| s.container_statuses.as_ref())
            .is_some_and(|cs| !cs.is_empty() && cs.iter().all(|c| c.ready)),
    }
}

/// Why `p` shows the change is bad, if it does.
pub fn pod_problem(
    p: &Pod,
    budget: &GuardBudget,
    base: &Baseline,
    now: DateTime<Utc>,
) -> Option<String> {
    let name = p.metadata.name.clone().unwrap_or_default();
    if p.metadata.deletion_timestamp.is_some() {
        return None;
    }
    if p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Failed") {
        return Some(format!("pod {name} failed"));
    }
    for cs in container_statuses(p) {
        let waiting = cs.state.as_ref().and_then(|s| s.waiting.as_ref());
        let reason = waiting.and_then(|w| w.reason.as_deref()).unwrap_or("");
        let message = waiting
            .and_then(|w| w.message.as_deref())
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        if CRASH_REASONS.contains(&reason) {
            return Some(format!(
                "pod {name} is crash-looping (container {}{}, {})",
                cs.name,
                last_exit(cs),
                restarted(cs.restart_count)
            ));
        }
        if START_REASONS.contains(&reason) {
            return Some(format!(
                "pod {name} cannot start (container {}: {reason}{message})",
                cs.name
            ));
        }
        let before = base
            .get(&format!("{name}/{}", cs.name))
            .copied()
            .unwrap_or(0);
        let restarts = cs.restart_count - before;
        if restarts > budget.restarts {
            return Some(format!(
                "pod {name} restarted {restarts} times (budget {})",
                budget.restarts
            ));
        }
    }
    if !is_ready(p) {
        let created = p.metadata.creation_timestamp.as_ref().map(to_chrono)?;
        let waited = (now - created).num_seconds();
        let grace = i64::try_from(budget.ready_grace.as_secs()).unwrap_or(i64::MAX);
        if waited > grace {
            let unschedulable = p
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .and_then(|c| {
                    c.iter()
                        .find(|c| c.type_ == "PodScheduled" && c.status == "False")
                })
                .and_then(|c| c.message.clone())
                .map(|m| format!(" (unschedulable: {m})"))
                .unwrap_or_default();
            return Some(format!(
                "pod {name} is not ready after {waited}s (grace {grace}s){unschedulable}"
            ));
        }
    }
    None
}

fn controlled_by(p: &Pod, rs: &ReplicaSet) -> bool {
    let Some(uid) = rs.metadata.uid.as_deref() else {
        return false;
    };
    p.metadata
        .owner_references
        .iter()
        .flatten()
        .any(|o| o.controller == Some(true) && o.uid == uid)
}

/// The pods of `d`'s current template.
fn new_pods(d: &Deployment, rss: &[Arc<ReplicaSet>], pods: &[Arc<Pod>]) -> Vec<Arc<Pod>> {
    let owned = owned_replicasets(d, rss);
    let Some(new) = new_replicaset(d, &owned) else {
        return Vec::new();
    };
    pods.iter()
        .filter(|p| controlled_by(p, &new))
        .cloned()
        .collect()
}

/// One look at a rolling update.
pub fn assess_rollout(
    d: &Deployment,
    rss: &[Arc<ReplicaSet>],
    pods: &[Arc<Pod>],
    budget: &GuardBudget,
    base: &Baseline,
    now: DateTime<Utc>,
) -> Verdict {
    let status = rollout_status(d);
    if status.phase == Phase::Paused {
        return Verdict::Abandon(format!(
            "deployment {} was paused; the guard stopped without rolling back",
            d.metadata.name.as_deref().unwrap_or("")
        ));
    }
    if status.phase == Phase::Stalled {
        return Verdict::Fail(status.message);
    }
    let new = new_pods(d, rss, pods);
    if let Some(problem) = new.iter().find_map(|p| pod_problem(p, budget, base, now)) {
        return Verdict::Fail(problem);
    }
    if status.done {
        return Verdict::Healthy(status.message);
    }
    Verdict::Progress(status.message)
}

/// One look at the Deployment now serving after a switch: any trouble in
/// its pods, or it losing availability, fails it.
pub fn assess_serving(
    d: &Deployment,
    pods: &[Arc<Pod>],
    budget: &GuardBudget,
    base: &Baseline,
    now: DateTime<Utc>,
) -> Verdict {
    let status = rollout_status(d);
    if status.phase == Phase::Stalled {
        return Verdict::Fail(status.message);
    }
    if let Some(problem) = pods.iter().find_map(|p| pod_problem(p, budget, base, now)) {
        return Verdict::Fail(problem);
    }
    let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let available = d
        .status
        .as_ref()
        .and_then(|s| s.available_replicas)
        .unwrap_or(0);
    Verdict::Progress(format!("{available}/{desired} available, no trouble seen"))
}

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
    use serde_json::json;

    use super::*;
    use crate::model::rollout::fixtures::{deployment, now, pod, replicaset, PodState};

    fn rolling() -> (Deployment, Vec<Arc<ReplicaSet>>) {
        let d = deployment(
            "api",
            2,
            "shop/api:2",
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 1,
                "availableReplicas": 2}),
        );
        let rss = vec![
            replicaset("api-old", "uid-api", Some(1), "shop/api:1", 2, 2),
            replicaset("api-new", "uid-api", Some(2), "shop/api:2", 1, 0),
        ];
        (d, rss)
    }

    fn budget() -> GuardBudget {
        GuardBudget {
            ready_grace: Duration::from_secs(3600),
            ..GuardBudget::default()
        }
    }

    #[test]
    fn crash_looping_new_pod_fails_the_rollout() {
        let (d, rss) = rolling();
        let pods = vec![
            pod("api-old-1", &rss[0], PodState::CrashLooping, 9),
            pod("api-new-1", &rss[1], PodState::CrashLooping, 1),
        ];
        assert_eq!(
            assess_rollout(&d, &rss, &pods, &budget(), &Baseline::new(), now()),
            Verdict::Fail("pod api-new-1 is crash-looping (container app, restarted once)".into())
        );
    }

    #[test]
    fn a_crash_loop_says_how_the_container_exited_even_before_a_restart() {
        let (_, rss) = rolling();
        let mut p = (*pod("api-new-1", &rss[1], PodState::CrashLooping, 0)).clone();
        let status = p.status.as_mut().unwrap();
        status.container_statuses.as_mut().unwrap()[0].last_state = Some(
            serde_json::from_value(json!({"terminated": {"exitCode": 137, "reason": "OOMKilled"}}))
                .unwrap(),
        );
        assert_eq!(
            pod_problem(&p, &budget(), &Baseline::new(), now()).as_deref(),
            Some(
                "pod api-new-1 is crash-looping (container app exited 137 (OOMKilled), \
                 back-off before its first restart)"
            )
        );
    }

    #[test]
    fn old_pods_troubles_are_not_the_new_templates_fault() {
        let (d, rss) = rolling();
        let pods = vec![
            pod("api-old-1", &rss[0], PodState::CrashLooping, 9),
            pod("api-new-1", &rss[1], PodState::Starting, 0),
        ];
        assert!(matches!(
            assess_rollout(&d, &rss, &pods, &budget(), &Baseline::new(), now()),
            Verdict::Progress(m) if m.contains("1 out of 2 new replicas")
        ));
    }

    #[test]
    fn restarts_count_from_the_baseline() {
        let (d, rss) = rolling();
        let pods = vec![pod("api-new-1", &rss[1], PodState::Ready, 5)];
        let b = budget();
        assert!(matches!(
            assess_rollout(&d, &rss, &pods, &b, &Baseline::new(), now()),
            Verdict::Fail(m) if m == "pod api-new-1 restarted 5 times (budget 2)"
        ));
        let base = baseline(&pods);
        assert!(matches!(
            assess_rollout(&d, &rss, &pods, &b, &base, now()),
            Verdict::Progress(_)
        ));
    }

    #[test]
    fn unready_past_the_grace_fails() {
        let (d, rss) = rolling();
        let pods = vec![pod("api-new-1", &rss[1], PodState::Starting, 0)];
        let short = GuardBudget {
            ready_grace: Duration::from_secs(60),
            ..GuardBudget::default()
        };
        // The fixture pod was created 15 minutes before `now()`.
        assert_eq!(
            assess_rollout(&d, &rss, &pods, &short, &Baseline::new(), now()),
            Verdict::Fail("pod api-new-1 is not ready after 900s (grace 60s)".into())
        );
    }

    #[test]
    fn image_pull_errors_fail_at_once() {
        let (d, rss) = rolling();
        let mut p = (*pod("api-new-1", &rss[1], PodState::Starting, 0)).clone();
        if let Some(cs) = p
            .status
            .as_mut()
            .and_then(|s| s.container_statuses.as_mut())
        {
            cs[0].state = serde_json::from_value(json!({"waiting": {"reason": "ImagePullBackOff",
                "message": "Back-off pulling image"}}))
            .unwrap();
        }
        assert_eq!(
            assess_rollout(&d, &rss, &[Arc::new(p)], &budget(), &Baseline::new(), now()),
            Verdict::Fail("pod api-new-1 cannot start (container app: ImagePullBackOff: Back-off pulling image)".into())
        );
    }

    #[test]
    fn progress_deadline_and_completion_and_pause() {
        let (_, rss) = rolling();
        let stalled = deployment(
            "api",
            2,
            "shop/api:2",
            json!({"observedGeneration": 2,
            "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}),
        );
        assert_eq!(
            assess_rollout(&stalled, &rss, &[], &budget(), &Baseline::new(), now()),
            Verdict::Fail("deployment \"api\" exceeded its progress deadline".into())
        );
        let done = deployment(
            "api",
            2,
            "shop/api:2",
            json!({"observedGeneration": 2, "replicas": 2,
            "updatedReplicas": 2, "availableReplicas": 2}),
        );
        assert_eq!(
            assess_rollout(&done, &rss, &[], &budget(), &Baseline::new(), now()),
            Verdict::Healthy("deployment \"api\" successfully rolled out".into())
        );
        let mut paused = done.clone();
        if let Some(s) = paused.spec.as_mut() {
            s.paused = Some(true);
        }
        assert!(matches!(
            assess_rollout(&paused, &rss, &[], &budget(), &Baseline::new(), now()),
            Verdict::Abandon(_)
        ));
    }

    #[test]
    fn serving_slot_trouble_fails_the_switch() {
        let (_, rss) = rolling();
        let d = deployment(
            "api",
            2,
            "shop/api:2",
            json!({"observedGeneration": 2, "replicas": 2,
            "updatedReplicas": 2, "availableReplicas": 2}),
        );
        let ok = vec![pod("api-new-1", &rss[1], PodState::Ready, 0)];
        assert_eq!(
            assess_serving(&d, &ok, &budget(), &Baseline::new(), now()),
            Verdict::Progress("2/2 available, no trouble seen".into())
        );
        let bad = vec![pod("api-new-1", &rss[1], PodState::CrashLooping, 3)];
        assert!(matches!(
            assess_serving(&d, &bad, &budget(), &Baseline::new(), now()),
            Verdict::Fail(_)
        ));
    }

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
