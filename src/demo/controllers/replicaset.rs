//! The replicaset controller: keeps `spec.replicas` pods alive, deleting the
//! least useful ones first, and reports ready/available counts.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::time::Instant;

use super::Pass;
use crate::demo::clock::{parse_time, Clock};
use crate::demo::events::{self, Note, Recorder};
use crate::demo::meta;
use crate::demo::registry::{DeleteOptions, Part, Registry};
use crate::demo::resources::{PODS, REPLICASETS};

/// Upstream's burst limit for pod creations/deletions in one sync.
const BURST: usize = 500;

fn is_active(pod: &Value) -> bool {
    !meta::is_deleting(pod)
        && !matches!(
            meta::str_at(pod, &["status", "phase"]),
            Some("Succeeded") | Some("Failed")
        )
}

/// Since when the pod has been Ready, if it is.
fn ready_since(pod: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    let c = meta::condition(pod, "Ready")?;
    if c.get("status").and_then(Value::as_str) != Some("True") {
        return None;
    }
    c.get("lastTransitionTime")
        .and_then(Value::as_str)
        .and_then(parse_time)
        .or_else(|| Some(chrono::Utc::now()))
}

/// Order of deletion (`ActivePods` ranking, most deletable first): not yet
/// scheduled, then pending, then not ready, then ready for the shortest
/// time, more restarts, newest.
fn deletion_rank(
    pod: &Value,
) -> (
    u8,
    u8,
    u8,
    std::cmp::Reverse<String>,
    std::cmp::Reverse<i64>,
    std::cmp::Reverse<String>,
) {
    let scheduled = meta::str_at(pod, &["spec", "nodeName"]).is_some_and(|n| !n.is_empty()) as u8;
    let phase = match meta::str_at(pod, &["status", "phase"]) {
        Some("Pending") => 0,
        Some("Unknown") => 1,
        _ => 2,
    };
    let ready = meta::condition_true(pod, "Ready") as u8;
    let ready_at = meta::condition(pod, "Ready")
        .and_then(|c| c.get("lastTransitionTime"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let restarts: i64 = meta::at(pod, &["status", "containerStatuses"])
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("restartCount").and_then(Value::as_i64))
                .sum()
        })
        .unwrap_or(0);
    let created = meta::str_at(pod, &["metadata", "creationTimestamp"])
        .unwrap_or("")
        .to_string();
    (
        scheduled,
        phase,
        ready,
        std::cmp::Reverse(ready_at),
        std::cmp::Reverse(restarts),
        std::cmp::Reverse(created),
    )
}

fn pod_from_template(rs: &Value) -> Value {
    let template = meta::at(rs, &["spec", "template"])
        .cloned()
        .unwrap_or(json!({}));
    let mut metadata = Map::new();
    metadata.insert("generateName".into(), json!(format!("{}-", meta::name(rs))));
    metadata.insert("namespace".into(), json!(meta::namespace(rs)));
    for field in ["labels", "annotations"] {
        if let Some(v) = meta::at(&template, &["metadata", field]) {
            metadata.insert(field.into(), v.clone());
        }
    }
    metadata.insert(
        "ownerReferences".into(),
        json!([{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": meta::name(rs),
            "uid": meta::uid(rs), "controller": true, "blockOwnerDeletion": true,
        }]),
    );
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": template.get("spec").cloned().unwrap_or(json!({})),
    })
}

pub fn sync_all(reg: &Registry, clock: &Clock, events: &Recorder) -> Pass {
    let (all_rs, _) = reg.store.list(&REPLICASETS, None);
    let (all_pods, _) = reg.store.list(&PODS, None);
    let mut pass = Pass::default();
    // One index instead of a scan of every pod per ReplicaSet: with 10,000
    // pods that scan made each pass take seconds.
    let mut by_owner: HashMap<(&str, &str), Vec<&Value>> = HashMap::new();
    for p in &all_pods {
        if let Some(owner) = meta::controller_uid(p) {
            by_owner
                .entry((meta::namespace(p), owner))
                .or_default()
                .push(&**p);
        }
    }
    for rs in all_rs.iter().filter(|rs| !meta::is_deleting(rs)) {
        let uid = meta::uid(rs);
        let ns = meta::namespace(rs);
        let owned: Vec<&Value> = by_owner.get(&(ns, uid)).cloned().unwrap_or_default();
        let mut active: Vec<&Value> = owned.iter().copied().filter(|p| is_active(p)).collect();
        let desired = meta::i64_at(rs, &["spec", "replicas"]).unwrap_or(1).max(0) as usize;
        let mut deleted: Vec<&str> = Vec::new();

        if active.len() < desired {
            for _ in 0..(desired - active.len()).min(BURST) {
                if let Ok(pod) = reg.create_internal(&PODS, pod_from_template(rs)) {
                    pass.changed = true;
                    let message = format!("Created pod: {}", meta::name(&pod));
                    events.record(
                        reg,
                        rs,
                        &Note::normal("SuccessfulCreate", &message),
                        &events::REPLICASET_CONTROLLER,
                    );
                }
            }
        } else if active.len() > desired {
            active.sort_by_key(|p| deletion_rank(p));
            for pod in active.iter().take((active.len() - desired).min(BURST)) {
                if reg
                    .delete(&PODS, ns, meta::name(pod), &DeleteOptions::default())
                    .is_ok()
                {
                    pass.changed = true;
                    deleted.push(meta::name(pod));
                    let message = format!("Deleted pod: {}", meta::name(pod));
                    events.record(
                        reg,
                        rs,
                        &Note::normal("SuccessfulDelete", &message),
                        &events::REPLICASET_CONTROLLER,
                    );
                }
            }
        }
        // The status must not count the pods just deleted: the deployment
        // controller would read them as still available and scale down
        // below maxUnavailable (found by tests/demo_rollout_bounds.rs).
        let owned: Vec<&Value> = owned
            .into_iter()
            .filter(|p| !deleted.contains(&meta::name(p)))
            .collect();
        pass.merge(sync_status(reg, clock, rs, &owned));
    }
    pass
}

fn sync_status(reg: &Registry, clock: &Clock, rs: &Value, owned: &[&Value]) -> Pass {
    let mut pass = Pass::default();
    let min_ready = meta::i64_at(rs, &["spec", "minReadySeconds"])
        .unwrap_or(0)
        .max(0) as u64;
    let template_labels =
        meta::string_map(meta::at(rs, &["spec", "template", "metadata", "labels"]));
    let active: Vec<&Value> = owned.iter().copied().filter(|p| is_active(p)).collect();
    let fully_labeled = active
        .iter()
        .filter(|p| {
            let labels = meta::labels(p);
            template_labels
                .iter()
                .all(|(k, v)| labels.get(k) == Some(v))
        })
        .count();
    let mut ready = 0;
    let mut available = 0;
    for pod in &active {
        let Some(since) = ready_since(pod) else {
            continue;
        };
        ready += 1;
        let needed = Duration::from_secs(min_ready);
        if min_ready == 0 || clock.is_instant() || clock.simulated_since(since) >= needed {
            available += 1;
        } else {
            let left = needed.saturating_sub(clock.simulated_since(since));
            pass.due(Instant::now() + clock.real(left) + Duration::from_millis(50));
        }
    }
    let mut status = Map::new();
    status.insert("replicas".into(), json!(active.len()));
    for (k, v) in [
        ("fullyLabeledReplicas", fully_labeled),
        ("readyReplicas", ready),
        ("availableReplicas", available),
    ] {
        if v > 0 {
            status.insert(k.into(), json!(v));
        }
    }
    status.insert(
        "observedGeneration".into(),
        json!(meta::i64_at(rs, &["metadata", "generation"]).unwrap_or(1)),
    );
    let status = Value::Object(status);
    if rs.get("status") == Some(&status) {
        return pass;
    }
    let result = reg.mutate(
        &REPLICASETS,
        meta::namespace(rs),
        meta::name(rs),
        Part::Status,
        |o| {
            meta::set(o, &["status"], status);
        },
    );
    if result.is_ok() {
        pass.changed = true;
    }
    pass
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unscheduled_and_unready_pods_go_first() {
        let ready = json!({"spec": {"nodeName": "n"}, "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-01T00:00:00Z"}]}, "metadata": {"creationTimestamp": "2024-01-01T00:00:00Z"}});
        let starting = json!({"spec": {"nodeName": "n"}, "status": {"phase": "Running"}, "metadata": {"creationTimestamp": "2024-01-01T00:00:01Z"}});
        let pending = json!({"spec": {}, "status": {"phase": "Pending"}, "metadata": {"creationTimestamp": "2024-01-01T00:00:02Z"}});
        let mut pods = [&ready, &starting, &pending];
        pods.sort_by_key(|p| deletion_rank(p));
        assert_eq!(pods, [&pending, &starting, &ready]);
    }

    #[test]
    fn pods_inherit_template_and_owner() {
        let rs = json!({"metadata": {"name": "web-abc", "namespace": "ns", "uid": "u1"},
            "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}});
        let pod = pod_from_template(&rs);
        assert_eq!(pod["metadata"]["generateName"], "web-abc-");
        assert_eq!(pod["metadata"]["labels"]["app"], "web");
        assert_eq!(meta::controller_uid(&pod), Some("u1"));
    }
}
