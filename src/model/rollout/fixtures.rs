//! Fixture objects shaped like what the API server and the Deployment
//! controller produce, for the rollout model's tests and the widget's.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use serde_json::{json, Value};

use crate::model::cached::Pod;

/// Base time of every fixture; revision N is created N minutes later.
pub const T0: &str = "2026-01-01T00:00:00Z";

fn minutes_after_t0(m: i64) -> String {
    format!("2026-01-01T{:02}:{:02}:00Z", m / 60, m % 60)
}

/// `name` in namespace `shop`, uid `uid-<name>`, generation 2, one container
/// `app` running `image`, selecting `app=<name>`.
pub fn deployment(name: &str, replicas: i32, image: &str, status: Value) -> Deployment {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"),
            "generation": 2, "creationTimestamp": T0,
            "annotations": {"deployment.kubernetes.io/revision": "2"}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]}}},
        "status": status
    }))
    .unwrap()
}

/// `<app>-<hash>` controlled by `owner_uid`, with `spec_replicas` desired
/// and `ready` ready (and available) pods.
pub fn replicaset(
    name: &str,
    owner_uid: &str,
    revision: Option<i64>,
    image: &str,
    spec_replicas: i32,
    ready: i32,
) -> Arc<ReplicaSet> {
    let (app, hash) = name.rsplit_once('-').unwrap_or((name, "0"));
    let labels = json!({"app": app, "pod-template-hash": hash});
    let mut annotations = serde_json::Map::new();
    if let Some(r) = revision {
        annotations.insert(
            "deployment.kubernetes.io/revision".into(),
            r.to_string().into(),
        );
    }
    Arc::new(
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"),
                "labels": labels, "annotations": annotations,
                "creationTimestamp": minutes_after_t0(revision.unwrap_or(0)),
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                    "name": app, "uid": owner_uid, "controller": true}]},
            "spec": {"replicas": spec_replicas, "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "app", "image": image}]}}},
            "status": {"replicas": spec_replicas.max(ready), "readyReplicas": ready,
                "availableReplicas": ready}
        }))
        .unwrap(),
    )
}

#[derive(Clone, Copy, Debug)]
pub enum PodState {
    Ready,
    Starting,
    CrashLooping,
    Terminating,
}

/// A pod of `rs`, created at T0 + 30 minutes.
pub fn pod(name: &str, rs: &ReplicaSet, state: PodState, restarts: i32) -> Arc<Pod> {
    let labels = rs.metadata.labels.clone().unwrap_or_default();
    let (ready, container_state) = match state {
        PodState::Ready | PodState::Terminating => (true, json!({"running": {"startedAt": T0}})),
        PodState::Starting => (false, json!({"waiting": {"reason": "ContainerCreating"}})),
        PodState::CrashLooping => (
            false,
            json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}}),
        ),
    };
    let mut metadata = json!({"name": name, "namespace": "shop", "uid": format!("uid-{name}"),
        "labels": labels, "creationTimestamp": minutes_after_t0(30),
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "name": rs.metadata.name, "uid": rs.metadata.uid, "controller": true}]});
    if matches!(state, PodState::Terminating) {
        metadata["deletionTimestamp"] = json!(minutes_after_t0(40));
    }
    Arc::new(
        serde_json::from_value(json!({
            "metadata": metadata,
            "spec": {"containers": [{"name": "app", "image": "x"}]},
            "status": {"phase": if ready { "Running" } else { "Pending" },
                "containerStatuses": [{"name": "app", "ready": ready, "restartCount": restarts,
                    "image": "x", "imageID": "", "state": container_state}]}
        }))
        .unwrap(),
    )
}

/// The clock every tree test reads ages against: T0 + 45 minutes.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    minutes_after_t0(45).parse().unwrap()
}
