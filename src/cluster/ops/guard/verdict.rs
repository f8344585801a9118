//! What the guard concludes from one look at a Deployment and its pods:
//! pure, over cached objects, so every verdict is unit-tested without a
//! cluster. The supervisor (`supervisor.rs`) looks and acts on them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};

use crate::model::age::to_chrono;
use crate::model::cached::{ContainerStatus, Pod};
use crate::model::rollout::{new_replicaset, owned_replicasets, rollout_status, Phase};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardBudget {
    /// The operator's time budget (deadline or watch window, see `guard`).
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
}
