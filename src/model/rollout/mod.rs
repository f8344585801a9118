//! What a Deployment's rollout looks like: its status as `kubectl rollout
//! status` words it, its strategy, its revision history and the revision →
//! ReplicaSet → pod tree the detail view draws. Pure functions over cached
//! objects; the write side (rollback, guarded rollouts) builds on the same
//! answers so the screen and the actions never disagree.

mod conditions;
mod history;
mod progress;
mod status;
mod strategy;
mod tree;

#[cfg(test)]
pub(crate) mod fixtures;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::model::cached::Pod;

pub use conditions::{conditions, ConditionRow};
pub use history::{history, new_replicaset, owned_replicasets, Revision};
pub use progress::{progress, Progress};
pub use status::{rollout_status, Phase, RolloutStatus};
pub use strategy::{fenceposts, resolve_int_or_percent, strategy_text};
pub use tree::{
    rollout_tree, Folded, ImageTag, NodeStatus, PodNode, ReplicaCounts, ReplicaSetNode,
    RevisionNode, RolloutTree,
};

/// The controller numbers ReplicaSets (and mirrors the newest number on the
/// Deployment) with this annotation; `kubectl rollout history` reads it.
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
/// Why a revision was made; the controller copies it from the Deployment
/// onto the ReplicaSet it creates.
pub const CHANGE_CAUSE_ANNOTATION: &str = "kubernetes.io/change-cause";
/// Added by the controller to every ReplicaSet's selector and template, so
/// it must be ignored when comparing templates.
pub const POD_TEMPLATE_HASH_LABEL: &str = "pod-template-hash";

/// `deployment.kubernetes.io/revision` of a Deployment or ReplicaSet; None
/// when absent or not a number.
pub fn revision(meta: &ObjectMeta) -> Option<i64> {
    meta.annotations
        .as_ref()?
        .get(REVISION_ANNOTATION)?
        .trim()
        .parse()
        .ok()
}

/// Everything the rollout detail view draws, in one comparable value so the
/// run loop can skip a redraw when nothing visible changed.
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutView {
    pub tree: RolloutTree,
    pub progress: Progress,
    pub conditions: Vec<ConditionRow>,
}

/// Builds the detail view of `d`. `rss` and `pods` may be whole caches:
/// only what the Deployment owns is used. `slot_tag` names the blue-green
/// slot the Deployment serves (`active`, `preview`), when it is one.
pub fn rollout_view(
    d: &Deployment,
    rss: &[Arc<ReplicaSet>],
    pods: &[Arc<Pod>],
    now: DateTime<Utc>,
    slot_tag: Option<&str>,
) -> RolloutView {
    let owned = owned_replicasets(d, rss);
    RolloutView {
        tree: rollout_tree(d, &owned, pods, now, slot_tag),
        progress: progress(d, &owned, pods),
        conditions: conditions(d, now),
    }
}

/// Uid of the object's controller, from its controller ownerReference.
fn controller_uid(meta: &ObjectMeta) -> Option<&str> {
    meta.owner_references
        .as_ref()?
        .iter()
        .find(|r| r.controller == Some(true))
        .map(|r| r.uid.as_str())
}

/// `spec.replicas`, which the API server defaults to 1.
fn desired_replicas(d: &Deployment) -> i32 {
    d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

/// Pods grouped by the ReplicaSet (index into `rss`) that controls them.
/// A ReplicaSet without a uid (a fixture, a dry-run object) claims pods by
/// its selector in its namespace instead.
fn pods_by_replicaset(rss: &[Arc<ReplicaSet>], pods: &[Arc<Pod>]) -> Vec<Vec<Arc<Pod>>> {
    use std::collections::HashMap;

    use super::selector::Selector;

    let mut groups = vec![Vec::new(); rss.len()];
    let by_uid: HashMap<&str, usize> = rss
        .iter()
        .enumerate()
        .filter_map(|(i, rs)| rs.metadata.uid.as_deref().map(|u| (u, i)))
        .collect();
    let by_selector: Vec<(usize, Selector)> = rss
        .iter()
        .enumerate()
        .filter(|(_, rs)| rs.metadata.uid.is_none())
        .filter_map(|(i, rs)| {
            let sel = rs.spec.as_ref()?.selector.clone();
            Some((i, Selector::from_label_selector(&sel)))
        })
        .collect();
    for pod in pods {
        if let Some(&i) = controller_uid(&pod.metadata).and_then(|u| by_uid.get(u)) {
            groups[i].push(pod.clone());
            continue;
        }
        let labels = pod.metadata.labels.as_ref();
        if let Some((i, _)) = by_selector.iter().find(|(i, sel)| {
            rss[*i].metadata.namespace == pod.metadata.namespace && sel.matches(labels)
        }) {
            groups[*i].push(pod.clone());
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn revision_reads_the_annotation() {
        let rs = replicaset("api-1", "d-uid", Some(7), "img:1", 0, 0);
        assert_eq!(revision(&rs.metadata), Some(7));
        let rs = replicaset("api-2", "d-uid", None, "img:1", 0, 0);
        assert_eq!(revision(&rs.metadata), None);
        let meta = ObjectMeta {
            annotations: Some([(REVISION_ANNOTATION.to_string(), "x".to_string())].into()),
            ..Default::default()
        };
        assert_eq!(revision(&meta), None);
    }

    #[test]
    fn pods_are_grouped_by_controller_uid_or_selector() {
        let a = replicaset("api-a", "d-uid", Some(1), "img:1", 1, 1);
        let b = replicaset("api-b", "d-uid", Some(2), "img:2", 1, 1);
        let mut loose: ReplicaSet = (*b).clone();
        loose.metadata.uid = None;
        let rss = vec![a.clone(), Arc::new(loose)];
        let pods = vec![
            pod("api-a-1", &a, PodState::Ready, 0),
            pod("api-b-1", &b, PodState::Ready, 0),
            pod(
                "other",
                &replicaset("x", "u", None, "i", 1, 1),
                PodState::Ready,
                0,
            ),
        ];
        let groups = pods_by_replicaset(&rss, &pods);
        let names = |g: &Vec<Arc<Pod>>| {
            g.iter()
                .map(|p| p.metadata.name.clone().unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&groups[0]), ["api-a-1"]);
        assert_eq!(names(&groups[1]), ["api-b-1"]);
    }
}
