//! What the pod watch says about each container, reduced to what a log
//! stream needs: which instance runs now, which one ran before, how each
//! ended. An instance is named by its container ID, or by its restart count
//! when the runtime gives no ID.

use crate::model::cached::{ContainerStateTerminated, ContainerStatus, Pod};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exit {
    pub code: i32,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    pub id: String,
    pub running: bool,
    /// Set once it terminated.
    pub exit: Option<Exit>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerState {
    /// The pod exists and lists this container.
    pub present: bool,
    /// The instance that runs or last ran; `None` while waiting to start.
    pub current: Option<Instance>,
    /// The instance before it (`lastState.terminated`), readable with
    /// `previous=true`.
    pub last: Option<Instance>,
    pub restarts: i32,
    /// The pod has finished (Succeeded or Failed): nothing will run again.
    pub pod_done: bool,
}

impl ContainerState {
    /// There is a log to read.
    pub fn attachable(&self) -> bool {
        self.current.is_some() || self.last.is_some()
    }

    pub fn is_current(&self, id: &str) -> bool {
        self.current.as_ref().is_some_and(|i| i.id == id)
    }

    pub fn is_running(&self, id: &str) -> bool {
        self.current
            .as_ref()
            .is_some_and(|i| i.id == id && i.running)
    }

    pub fn is_last(&self, id: &str) -> bool {
        self.last.as_ref().is_some_and(|i| i.id == id)
    }

    /// How instance `id` ended, if the pod says.
    pub fn exit_of(&self, id: &str) -> Option<&Exit> {
        [&self.current, &self.last]
            .into_iter()
            .flatten()
            .find(|i| i.id == id)
            .and_then(|i| i.exit.as_ref())
    }
}

/// Every container of `pod` (init containers first) whose name `wanted`
/// accepts, with its state.
pub fn containers(pod: &Pod, wanted: impl Fn(&str) -> bool) -> Vec<(String, ContainerState)> {
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let declared = spec
        .into_iter()
        .flat_map(|s| {
            s.init_containers
                .iter()
                .flatten()
                .chain(s.containers.iter())
        })
        .map(|c| c.name.as_str());
    let statuses: Vec<&ContainerStatus> = status
        .into_iter()
        .flat_map(|s| {
            s.init_container_statuses
                .iter()
                .flatten()
                .chain(s.container_statuses.iter().flatten())
        })
        .collect();
    let pod_done = status
        .and_then(|s| s.phase.as_deref())
        .is_some_and(|p| p == "Succeeded" || p == "Failed");
    let mut names: Vec<&str> = declared.collect();
    for cs in &statuses {
        if !names.contains(&cs.name.as_str()) {
            names.push(&cs.name);
        }
    }
    names
        .into_iter()
        .filter(|n| wanted(n))
        .map(|name| {
            let mut state = statuses.iter().find(|cs| cs.name == name).map_or_else(
                || ContainerState {
                    present: true,
                    ..Default::default()
                },
                |cs| of(cs),
            );
            state.pod_done = pod_done;
            (name.to_string(), state)
        })
        .collect()
}

fn of(cs: &ContainerStatus) -> ContainerState {
    let restarts = cs.restart_count;
    let state = cs.state.as_ref();
    let current = if state.and_then(|s| s.running.as_ref()).is_some() {
        Some(Instance {
            id: id_or(cs.container_id.as_deref(), restarts),
            running: true,
            exit: None,
        })
    } else {
        state
            .and_then(|s| s.terminated.as_ref())
            .map(|t| terminated(t, cs.container_id.as_deref(), restarts))
    };
    let last = cs
        .last_state
        .as_ref()
        .and_then(|s| s.terminated.as_ref())
        .map(|t| terminated(t, None, restarts - 1));
    ContainerState {
        present: true,
        current,
        last,
        restarts,
        pod_done: false,
    }
}

fn terminated(t: &ContainerStateTerminated, fallback_id: Option<&str>, restarts: i32) -> Instance {
    Instance {
        id: id_or(t.container_id.as_deref().or(fallback_id), restarts),
        running: false,
        exit: Some(Exit {
            code: t.exit_code,
            reason: t.reason.clone(),
        }),
    }
}

fn id_or(id: Option<&str>, restarts: i32) -> String {
    match id {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => format!("restart#{restarts}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(status: serde_json::Value) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web-1", "uid": "u1"},
            "spec": {
                "initContainers": [{"name": "init"}],
                "containers": [{"name": "app"}, {"name": "sidecar"}]
            },
            "status": status
        }))
        .unwrap()
    }

    #[test]
    fn running_waiting_and_restarted() {
        let p = pod(serde_json::json!({
            "initContainerStatuses": [{
                "name": "init", "ready": false, "restartCount": 0, "image": "i", "imageID": "",
                "containerID": "containerd://i1",
                "state": {"terminated": {"exitCode": 0, "reason": "Completed", "containerID": "containerd://i1"}}
            }],
            "containerStatuses": [{
                "name": "app", "ready": true, "restartCount": 2, "image": "i", "imageID": "",
                "containerID": "containerd://a3",
                "state": {"running": {"startedAt": "2024-05-01T10:00:00Z"}},
                "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "containerID": "containerd://a2"}}
            }]
        }));
        let all = containers(&p, |_| true);
        let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["init", "app", "sidecar"]);
        let init = &all[0].1;
        assert!(init.attachable() && !init.is_running("containerd://i1"));
        assert_eq!(init.exit_of("containerd://i1").unwrap().code, 0);
        let app = &all[1].1;
        assert!(app.is_running("containerd://a3"));
        assert!(app.is_last("containerd://a2"));
        let exit = app.exit_of("containerd://a2").unwrap();
        assert_eq!(
            (exit.code, exit.reason.as_deref()),
            (137, Some("OOMKilled"))
        );
        let sidecar = &all[2].1;
        assert!(sidecar.present && !sidecar.attachable());
        assert!(all.iter().all(|(_, s)| !s.pod_done));
    }

    #[test]
    fn without_container_ids_restart_counts_name_instances() {
        let p = pod(serde_json::json!({
            "containerStatuses": [{
                "name": "app", "ready": false, "restartCount": 1, "image": "i", "imageID": "",
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}
            }]
        }));
        let app = containers(&p, |n| n == "app").remove(0).1;
        assert!(!app.pod_done);
        let mut done = p.clone();
        done.status.as_mut().unwrap().phase = Some("Failed".into());
        assert!(containers(&done, |_| true).iter().all(|(_, s)| s.pod_done));
        assert_eq!(app.current, None);
        assert_eq!(app.last.as_ref().unwrap().id, "restart#0");
        assert!(app.attachable());
    }
}
