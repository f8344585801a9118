//! A pod's row as `kubectl get pods` prints it: READY, STATUS (the reason
//! kubectl derives from containers and init containers), RESTARTS, node, IP
//! and owner. Pure, over the cached pod; used by the pods list and the
//! rollout tree alike.

use chrono::{DateTime, Utc};

use super::age::to_chrono;
use super::cached::{ContainerStatus, Pod};
use super::health::Health;

#[derive(Clone, Debug, PartialEq)]
pub struct PodRow {
    pub namespace: String,
    pub name: String,
    pub ready: String,
    pub status: String,
    pub restarts: i32,
    pub last_restart: Option<DateTime<Utc>>,
    pub node: String,
    pub ip: String,
    /// `ReplicaSet/api-7d9f8b6c5d`, or `<none>`.
    pub owner: String,
    pub cpu: Option<f64>,
    pub memory: Option<f64>,
    pub created: Option<DateTime<Utc>>,
    pub health: Health,
}

impl PodRow {
    /// RESTARTS as kubectl prints it: `3 (45s ago)` once a container restarted.
    pub fn restarts_text(&self, now: DateTime<Utc>) -> String {
        match self.last_restart {
            Some(t) if self.restarts > 0 => {
                format!("{} ({} ago)", self.restarts, super::age::age(Some(t), now))
            }
            _ => self.restarts.to_string(),
        }
    }
}

pub fn pod_row(p: &Pod) -> PodRow {
    let summary = pod_summary(p);
    PodRow {
        namespace: p.metadata.namespace.clone().unwrap_or_default(),
        name: p.metadata.name.clone().unwrap_or_default(),
        ready: format!("{}/{}", summary.ready, summary.total),
        health: status_health(&summary.status, summary.ready, summary.total),
        status: summary.status,
        restarts: summary.restarts,
        last_restart: summary.last_restart,
        node: p
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .unwrap_or_else(|| "<none>".into()),
        ip: p
            .status
            .as_ref()
            .and_then(|s| s.pod_ip.clone())
            .unwrap_or_else(|| "<none>".into()),
        owner: p
            .metadata
            .owner_references
            .as_ref()
            .and_then(|refs| {
                refs.iter()
                    .find(|r| r.controller == Some(true))
                    .or(refs.first())
            })
            .map_or_else(|| "<none>".into(), |r| format!("{}/{}", r.kind, r.name)),
        cpu: None,
        memory: None,
        created: p.metadata.creation_timestamp.as_ref().map(to_chrono),
    }
}

/// What kubectl's pod printer derives from a pod's status.
#[derive(Clone, Debug, PartialEq)]
pub struct PodSummary {
    pub status: String,
    pub ready: usize,
    pub total: usize,
    pub restarts: i32,
    pub last_restart: Option<DateTime<Utc>>,
}

/// STATUS, READY and RESTARTS decided as `kubectl get pods` decides them
/// (printPod in kubectl's printers): init containers first, then the last
/// container with a waiting/terminated reason wins, then Terminating.
pub fn pod_summary(p: &Pod) -> PodSummary {
    let spec_containers = p.spec.as_ref().map(|s| s.containers.len()).unwrap_or(0);
    let status = p.status.as_ref();
    let mut reason = status
        .and_then(|s| s.reason.clone().or_else(|| s.phase.clone()))
        .unwrap_or_else(|| "Pending".into());
    let mut restarts = 0;
    let mut ready = 0;
    let mut last_restart: Option<DateTime<Utc>> = None;
    let mut note_restart = |cs: &ContainerStatus| {
        if let Some(t) = cs
            .last_state
            .as_ref()
            .and_then(|l| l.terminated.as_ref())
            .and_then(|t| t.finished_at.as_ref())
        {
            let t = to_chrono(t);
            if last_restart.is_none_or(|prev| t > prev) {
                last_restart = Some(t);
            }
        }
    };

    let init_statuses = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or(&[]);
    let init_total = p
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .map_or(0, Vec::len);
    let mut initializing = false;
    for (i, cs) in init_statuses.iter().enumerate() {
        restarts += cs.restart_count;
        note_restart(cs);
        let state = cs.state.as_ref();
        if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
            if t.exit_code == 0 {
                continue;
            }
            reason = match t.reason.as_deref() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ if t.signal.unwrap_or(0) != 0 => format!("Init:Signal:{}", t.signal.unwrap_or(0)),
                _ => format!("Init:ExitCode:{}", t.exit_code),
            };
        } else if let Some(w) = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{w}");
        } else {
            reason = format!("Init:{i}/{init_total}");
        }
        initializing = true;
        break;
    }

    if !initializing {
        restarts = 0;
        let mut has_running = false;
        let statuses = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or(&[]);
        for cs in statuses.iter().rev() {
            restarts += cs.restart_count;
            note_restart(cs);
            let state = cs.state.as_ref();
            let waiting = state.and_then(|s| s.waiting.as_ref());
            let terminated = state.and_then(|s| s.terminated.as_ref());
            if let Some(r) = waiting
                .and_then(|w| w.reason.as_deref())
                .filter(|r| !r.is_empty())
            {
                reason = r.to_string();
            } else if let Some(t) = terminated {
                reason = match t.reason.as_deref() {
                    Some(r) if !r.is_empty() => r.to_string(),
                    _ if t.signal.unwrap_or(0) != 0 => format!("Signal:{}", t.signal.unwrap_or(0)),
                    _ => format!("ExitCode:{}", t.exit_code),
                };
            } else if cs.ready && state.is_some_and(|s| s.running.is_some()) {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if pod_ready_condition(p) {
                "Running"
            } else {
                "NotReady"
            }
            .into();
        }
    }

    if p.metadata.deletion_timestamp.is_some() {
        reason = if status.and_then(|s| s.reason.as_deref()) == Some("NodeLost") {
            "Unknown".into()
        } else {
            "Terminating".into()
        };
    }

    PodSummary {
        status: reason,
        ready,
        total: spec_containers,
        restarts,
        last_restart,
    }
}

fn pod_ready_condition(p: &Pod) -> bool {
    p.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn status_health(status: &str, ready: usize, total: usize) -> Health {
    match status {
        "Running" if ready == total => Health::Ok,
        "Running" | "Pending" | "ContainerCreating" | "PodInitializing" => Health::Progressing,
        "Completed" | "Succeeded" => Health::Ok,
        "Terminating" => Health::Gone,
        s if s.starts_with("Init:") && !s.contains("Err") && !s.contains("BackOff") => {
            Health::Progressing
        }
        _ => Health::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }

    /// The kwok pod a v1.34 API server sent (model/cached/tests.rs checks
    /// that it parses with every field the screens read).
    #[test]
    fn a_real_servers_pod_gets_the_row_kubectl_prints() {
        let p: Pod =
            serde_json::from_str(include_str!("../../tests/fixtures/pod-kwok.json")).unwrap();
        let row = pod_row(&p);
        assert_eq!(
            (
                row.ready.as_str(),
                row.status.as_str(),
                row.node.as_str(),
                row.ip.as_str(),
                row.owner.as_str(),
                row.health
            ),
            (
                "1/1",
                "Running",
                "kwok-node-17",
                "10.0.17.42",
                "ReplicaSet/app-0042-5d8f7c9b6d",
                Health::Ok
            )
        );
    }

    #[test]
    fn running_ready_pod() {
        let p = pod(json!({
            "metadata": {"name": "api-1", "namespace": "shop"},
            "spec": {"nodeName": "node-1", "containers": [{"name": "api"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "api", "ready": true, "restartCount": 0, "image": "x", "imageID": "",
                 "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]}
        }));
        let row = pod_row(&p);
        assert_eq!(
            (row.ready.as_str(), row.status.as_str(), row.node.as_str()),
            ("1/1", "Running", "node-1")
        );
        assert_eq!(row.health, Health::Ok);
    }

    #[test]
    fn waiting_reason_wins_and_restarts_are_summed() {
        let p = pod(json!({
            "metadata": {"name": "bad"},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 1, "image": "x", "imageID": "",
                 "state": {"running": {}}},
                {"name": "b", "ready": false, "restartCount": 4, "image": "x", "imageID": "",
                 "lastState": {"terminated": {"exitCode": 2, "finishedAt": "2026-01-01T00:00:10Z"}},
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
        }));
        let row = pod_row(&p);
        assert_eq!(row.status, "CrashLoopBackOff");
        assert_eq!(row.ready, "1/2");
        assert_eq!(row.restarts, 5);
        assert_eq!(row.health, Health::Failed);
        let now = "2026-01-01T00:01:00Z".parse().unwrap();
        assert_eq!(row.restarts_text(now), "5 (50s ago)");
    }

    #[test]
    fn terminated_without_reason_shows_exit_code_or_signal() {
        let p = pod(json!({
            "metadata": {"name": "x"},
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "a", "ready": false, "restartCount": 0, "image": "x", "imageID": "",
                 "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}
        }));
        assert_eq!(pod_row(&p).status, "Signal:9");
    }

    #[test]
    fn init_container_progress_and_failures() {
        let mut p = pod(json!({
            "metadata": {"name": "x"},
            "spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "a"}]},
            "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "i1", "ready": true, "restartCount": 0, "image": "x", "imageID": "",
                 "state": {"terminated": {"exitCode": 0}}},
                {"name": "i2", "ready": false, "restartCount": 0, "image": "x", "imageID": "",
                 "state": {"running": {}}}]}
        }));
        assert_eq!(pod_row(&p).status, "Init:1/2");
        let statuses = p
            .status
            .as_mut()
            .unwrap()
            .init_container_statuses
            .as_mut()
            .unwrap();
        statuses[1].state =
            serde_json::from_value(json!({"waiting": {"reason": "ImagePullBackOff"}})).unwrap();
        assert_eq!(pod_row(&p).status, "Init:ImagePullBackOff");
    }

    #[test]
    fn deleting_pod_is_terminating() {
        let p = pod(json!({
            "metadata": {"name": "x", "deletionTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Running"}
        }));
        let row = pod_row(&p);
        assert_eq!(row.status, "Terminating");
        assert_eq!(row.health, Health::Gone);
        assert_eq!(row.node, "<none>");
    }

    #[test]
    fn pending_pod_without_status() {
        let p = pod(json!({"metadata": {"name": "x"}, "spec": {"containers": [{"name": "a"}]}}));
        let row = pod_row(&p);
        assert_eq!(
            (row.status.as_str(), row.ready.as_str()),
            ("Pending", "0/1")
        );
    }
}
