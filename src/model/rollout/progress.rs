//! Counts for the rollout progress bar: how many pods run the new template
//! and are available, how many are still coming up, and how many old pods
//! are still there waiting to be replaced.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};

use super::{desired_replicas, new_replicaset, owned_replicasets, pods_by_replicaset};
use crate::model::cached::Pod;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// `spec.replicas`.
    pub desired: i32,
    /// `status.updatedReplicas`: pods of the current template.
    pub updated: i32,
    /// Updated pods that are available (the new ReplicaSet's count).
    pub updated_available: i32,
    pub ready: i32,
    /// `status.availableReplicas`, old and new pods alike.
    pub available: i32,
    /// Pods of older ReplicaSets still present, terminating or not.
    pub old_pending_termination: i32,
    /// Pods of any of the Deployment's ReplicaSets being deleted.
    pub terminating: i32,
}

impl Progress {
    /// Updated pods not yet available.
    pub fn updating(&self) -> i32 {
        (self.updated - self.updated_available).max(0)
    }

    /// What the bar spans: the desired count, or more while a surge runs.
    pub fn span(&self) -> i32 {
        self.desired
            .max(self.updated + self.old_pending_termination)
            .max(0)
    }
}

/// Progress of `d`'s rollout. `rss` and `pods` may be whole caches.
pub fn progress(d: &Deployment, rss: &[Arc<ReplicaSet>], pods: &[Arc<Pod>]) -> Progress {
    let owned = owned_replicasets(d, rss);
    let new = new_replicaset(d, &owned);
    let groups = pods_by_replicaset(&owned, pods);
    let mut old_pending_termination = 0;
    let mut terminating = 0;
    for (rs, group) in owned.iter().zip(&groups) {
        let is_new = new.as_ref().is_some_and(|n| Arc::ptr_eq(n, rs));
        if !is_new {
            old_pending_termination += count(group.len());
        }
        terminating += count(
            group
                .iter()
                .filter(|p| p.metadata.deletion_timestamp.is_some())
                .count(),
        );
    }
    let status = d.status.clone().unwrap_or_default();
    let updated = status.updated_replicas.unwrap_or(0);
    let updated_available = new
        .as_ref()
        .and_then(|rs| rs.status.as_ref())
        .and_then(|s| s.available_replicas)
        .unwrap_or(0)
        .min(updated);
    Progress {
        desired: desired_replicas(d),
        updated,
        updated_available,
        ready: status.ready_replicas.unwrap_or(0),
        available: status.available_replicas.unwrap_or(0),
        old_pending_termination,
        terminating,
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::rollout::fixtures::*;

    #[test]
    fn mid_rollout_counts_old_pods_and_terminating_ones() {
        let d = deployment(
            "api",
            3,
            "shop/api:2",
            json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1,
                "readyReplicas": 3, "availableReplicas": 3}),
        );
        let old = replicaset("api-aaa", "uid-api", Some(1), "shop/api:1", 2, 3);
        let new = replicaset("api-bbb", "uid-api", Some(2), "shop/api:2", 1, 0);
        let pods = vec![
            pod("api-aaa-1", &old, PodState::Ready, 0),
            pod("api-aaa-2", &old, PodState::Ready, 0),
            pod("api-aaa-3", &old, PodState::Terminating, 0),
            pod("api-bbb-1", &new, PodState::Starting, 0),
        ];
        let p = progress(&d, &[old, new], &pods);
        assert_eq!(
            p,
            Progress {
                desired: 3,
                updated: 1,
                updated_available: 0,
                ready: 3,
                available: 3,
                old_pending_termination: 3,
                terminating: 1,
            }
        );
        assert_eq!(p.updating(), 1);
        assert_eq!(p.span(), 4);
    }

    #[test]
    fn complete_rollout_has_nothing_pending() {
        let d = deployment(
            "api",
            2,
            "shop/api:2",
            json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2,
                "readyReplicas": 2, "availableReplicas": 2}),
        );
        let old = replicaset("api-aaa", "uid-api", Some(1), "shop/api:1", 0, 0);
        let new = replicaset("api-bbb", "uid-api", Some(2), "shop/api:2", 2, 2);
        let pods = vec![
            pod("api-bbb-1", &new, PodState::Ready, 0),
            pod("api-bbb-2", &new, PodState::Ready, 0),
        ];
        let p = progress(&d, &[old, new], &pods);
        assert_eq!((p.updated_available, p.old_pending_termination), (2, 0));
        assert_eq!((p.updating(), p.span()), (0, 2));
    }
}
