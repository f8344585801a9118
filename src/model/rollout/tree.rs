//! The revision → ReplicaSet → pod tree of a Deployment, shaped like the
//! Argo Rollouts plugin's `get rollout --watch` view so its readers feel at
//! home: status icons per node and short info tags.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};

use super::history::replicaset_images;
use super::{
    desired_replicas, fenceposts, new_replicaset, owned_replicasets, pods_by_replicaset, revision,
    rollout_status, strategy_text, Phase, RolloutStatus,
};
use crate::model::age::{age, to_chrono};
use crate::model::cached::Pod;
use crate::model::health::Health;
use crate::model::pod_row::pod_row;

/// Scaled-down revisions listed one per line; older ones share one line.
const SHOWN_SCALED_DOWN: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeStatus {
    Ok,
    Progressing,
    Paused,
    Bad,
    ScaledDown,
}

impl NodeStatus {
    pub fn icon(self) -> &'static str {
        match self {
            NodeStatus::Ok => "✔",
            NodeStatus::Progressing => "◌",
            NodeStatus::Paused => "॥",
            NodeStatus::Bad => "✖",
            NodeStatus::ScaledDown => "•",
        }
    }

    /// The theme role a node is drawn in.
    pub fn health(self) -> Health {
        match self {
            NodeStatus::Ok => Health::Ok,
            NodeStatus::Progressing => Health::Progressing,
            NodeStatus::Paused => Health::Warning,
            NodeStatus::Bad => Health::Failed,
            NodeStatus::ScaledDown => Health::Gone,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplicaCounts {
    pub desired: i32,
    pub current: i32,
    pub updated: i32,
    pub ready: i32,
    pub available: i32,
}

/// An image the Deployment runs, with what it is to the rollout
/// (`stable`, `new`, `old`, a slot such as `active`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageTag {
    pub image: String,
    pub tags: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodNode {
    pub name: String,
    pub status: NodeStatus,
    /// STATUS as `kubectl get pods` prints it (Running, CrashLoopBackOff…).
    pub status_text: String,
    pub age: String,
    pub tags: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaSetNode {
    pub name: String,
    pub status: NodeStatus,
    /// Healthy, Progressing, Degraded, Paused, ScalingDown or ScaledDown.
    pub status_text: String,
    pub age: String,
    pub tags: Vec<String>,
    pub pods: Vec<PodNode>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionNode {
    /// None when the ReplicaSet carries no readable revision number.
    pub revision: Option<i64>,
    pub replica_set: ReplicaSetNode,
    /// Scaled down with no pods left: drawn on one line.
    pub collapsed: bool,
}

/// Scaled-down revisions beyond the newest few, drawn as one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folded {
    pub count: usize,
    pub newest: Option<i64>,
    pub oldest: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutTree {
    pub name: String,
    pub namespace: String,
    pub age: String,
    pub status: RolloutStatus,
    /// `RollingUpdate 25%/25%` or `Recreate`.
    pub strategy: String,
    /// maxSurge and maxUnavailable as pod counts, for a rolling update.
    pub fenceposts: Option<(i32, i32)>,
    pub images: Vec<ImageTag>,
    pub replicas: ReplicaCounts,
    /// Newest revision first.
    pub revisions: Vec<RevisionNode>,
    pub folded: Option<Folded>,
}

/// The tree of `d`. `rss` and `pods` may be whole caches: only what the
/// Deployment owns is shown. `slot_tag` marks the current revision with the
/// blue-green slot this Deployment serves (`active`, `preview`), if any.
pub fn rollout_tree(
    d: &Deployment,
    rss: &[Arc<ReplicaSet>],
    pods: &[Arc<Pod>],
    now: DateTime<Utc>,
    slot_tag: Option<&str>,
) -> RolloutTree {
    let owned = owned_replicasets(d, rss);
    let new = new_replicaset(d, &owned);
    let status = rollout_status(d);
    let groups = pods_by_replicaset(&owned, pods);
    let current_tag = if status.done { "stable" } else { "new" };

    let mut images = Images::default();
    for image in template_images(d) {
        images.tag(&image, current_tag);
        if let Some(slot) = slot_tag {
            images.tag(&image, slot);
        }
    }

    let mut entries: Vec<(Option<DateTime<Utc>>, RevisionNode)> = Vec::new();
    for (rs, group) in owned.iter().zip(&groups) {
        let is_new = new.as_ref().is_some_and(|n| Arc::ptr_eq(n, rs));
        let mut tags = Vec::new();
        if is_new {
            tags.push(current_tag.to_string());
            tags.extend(slot_tag.map(str::to_string));
        }
        let node = replicaset_node(rs, group, is_new, status.phase, tags, now);
        let collapsed = node.status == NodeStatus::ScaledDown;
        if !is_new && !collapsed {
            for image in replicaset_images(rs) {
                images.tag(&image, "old");
            }
        }
        entries.push((
            rs.metadata.creation_timestamp.as_ref().map(to_chrono),
            RevisionNode {
                revision: revision(&rs.metadata),
                replica_set: node,
                collapsed,
            },
        ));
    }
    entries.sort_by(|(ca, a), (cb, b)| b.revision.cmp(&a.revision).then(cb.cmp(ca)));

    let mut revisions = Vec::new();
    let mut folded: Option<Folded> = None;
    let mut collapsed_shown = 0;
    for (_, node) in entries {
        if node.collapsed {
            if collapsed_shown == SHOWN_SCALED_DOWN {
                let f = folded.get_or_insert(Folded {
                    count: 0,
                    newest: node.revision,
                    oldest: node.revision,
                });
                f.count += 1;
                f.oldest = node.revision;
                continue;
            }
            collapsed_shown += 1;
        }
        revisions.push(node);
    }

    let st = d.status.clone().unwrap_or_default();
    RolloutTree {
        name: d.metadata.name.clone().unwrap_or_default(),
        namespace: d.metadata.namespace.clone().unwrap_or_default(),
        age: age(d.metadata.creation_timestamp.as_ref().map(to_chrono), now),
        status,
        strategy: strategy_text(d),
        fenceposts: fenceposts(d),
        images: images.0,
        replicas: ReplicaCounts {
            desired: desired_replicas(d),
            current: st.replicas.unwrap_or(0),
            updated: st.updated_replicas.unwrap_or(0),
            ready: st.ready_replicas.unwrap_or(0),
            available: st.available_replicas.unwrap_or(0),
        },
        revisions,
        folded,
    }
}

#[derive(Default)]
struct Images(Vec<ImageTag>);

impl Images {
    fn tag(&mut self, image: &str, tag: &str) {
        let i = match self.0.iter().position(|t| t.image == image) {
            Some(i) => i,
            None => {
                self.0.push(ImageTag {
                    image: image.to_string(),
                    tags: Vec::new(),
                });
                self.0.len() - 1
            }
        };
        let tags = &mut self.0[i].tags;
        // An image the new revision runs is not "old", even if an old one ran it too.
        let taken_by_newer = tag == "old" && !tags.is_empty();
        if !taken_by_newer && !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_string());
        }
    }
}

fn template_images(d: &Deployment) -> Vec<String> {
    d.spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .map(|p| {
            p.containers
                .iter()
                .map(|c| c.image.clone().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

fn replicaset_node(
    rs: &ReplicaSet,
    pods: &[Arc<Pod>],
    is_new: bool,
    phase: Phase,
    mut tags: Vec<String>,
    now: DateTime<Utc>,
) -> ReplicaSetNode {
    // The API server defaults a ReplicaSet's replicas to 1.
    let spec = rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let status = rs.status.clone().unwrap_or_default();
    let ready = status.ready_replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);

    let mut sorted: Vec<&Arc<Pod>> = pods.iter().collect();
    sorted.sort_by_key(|p| {
        (
            p.metadata.creation_timestamp.as_ref().map(to_chrono),
            p.metadata.name.clone(),
        )
    });
    let pods: Vec<PodNode> = sorted.into_iter().map(|p| pod_node(p, now)).collect();
    let any_bad = pods.iter().any(|p| p.status == NodeStatus::Bad);

    let (node_status, text) = if spec == 0 && pods.is_empty() {
        (NodeStatus::ScaledDown, "ScaledDown")
    } else if spec == 0 {
        (NodeStatus::Progressing, "ScalingDown")
    } else if any_bad || (is_new && phase == Phase::Stalled) {
        (NodeStatus::Bad, "Degraded")
    } else if ready >= spec && available >= spec {
        (NodeStatus::Ok, "Healthy")
    } else if is_new && phase == Phase::Paused {
        (NodeStatus::Paused, "Paused")
    } else {
        (NodeStatus::Progressing, "Progressing")
    };
    if node_status == NodeStatus::ScaledDown {
        tags.push("scaled-down".into());
    } else {
        tags.push(format!("ready:{ready}/{spec}"));
    }
    ReplicaSetNode {
        name: rs.metadata.name.clone().unwrap_or_default(),
        status: node_status,
        status_text: text.into(),
        age: age(rs.metadata.creation_timestamp.as_ref().map(to_chrono), now),
        tags,
        pods,
    }
}

fn pod_node(p: &Pod, now: DateTime<Utc>) -> PodNode {
    let row = pod_row(p);
    let status = match row.health {
        Health::Ok => NodeStatus::Ok,
        Health::Progressing | Health::Warning => NodeStatus::Progressing,
        Health::Failed => NodeStatus::Bad,
        Health::Gone => NodeStatus::ScaledDown,
    };
    let mut tags = vec![format!("ready:{}", row.ready)];
    if row.restarts > 0 {
        tags.push(format!("restarts:{}", row.restarts));
    }
    PodNode {
        age: age(row.created, now),
        name: row.name,
        status,
        status_text: row.status,
        tags,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::rollout::fixtures::*;

    fn mid_rollout() -> (Deployment, Vec<Arc<ReplicaSet>>, Vec<Arc<Pod>>) {
        let d = deployment(
            "api",
            2,
            "shop/api:2",
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 1,
                "readyReplicas": 2, "availableReplicas": 2}),
        );
        let old = replicaset("api-aaa", "uid-api", Some(1), "shop/api:1", 2, 2);
        let new = replicaset("api-bbb", "uid-api", Some(2), "shop/api:2", 1, 0);
        let pods = vec![
            pod("api-aaa-2", &old, PodState::Ready, 0),
            pod("api-aaa-1", &old, PodState::Ready, 0),
            pod("api-bbb-1", &new, PodState::Starting, 0),
            pod(
                "web-zzz-1",
                &replicaset("web-zzz", "uid-web", Some(1), "w", 1, 1),
                PodState::Ready,
                0,
            ),
        ];
        (d, vec![old, new], pods)
    }

    #[test]
    fn tree_during_a_rollout() {
        let (d, rss, pods) = mid_rollout();
        let t = rollout_tree(&d, &rss, &pods, now(), None);
        assert_eq!((t.name.as_str(), t.namespace.as_str()), ("api", "shop"));
        assert_eq!(t.status.phase, Phase::Progressing);
        assert_eq!(
            t.status.message,
            "Waiting for deployment \"api\" rollout to finish: 1 out of 2 new replicas have been updated..."
        );
        assert_eq!(t.strategy, "RollingUpdate 25%/25%");
        assert_eq!(t.fenceposts, Some((1, 0)));
        assert_eq!(t.age, "45m");
        assert_eq!(
            t.replicas,
            ReplicaCounts {
                desired: 2,
                current: 3,
                updated: 1,
                ready: 2,
                available: 2
            }
        );
        assert_eq!(
            t.images,
            [
                ImageTag {
                    image: "shop/api:2".into(),
                    tags: vec!["new".into()]
                },
                ImageTag {
                    image: "shop/api:1".into(),
                    tags: vec!["old".into()]
                },
            ]
        );
        assert_eq!(t.revisions.len(), 2);
        assert_eq!(t.folded, None);

        let new = &t.revisions[0];
        assert_eq!(new.revision, Some(2));
        assert!(!new.collapsed);
        let rs = &new.replica_set;
        assert_eq!(rs.name, "api-bbb");
        assert_eq!(
            (rs.status, rs.status_text.as_str()),
            (NodeStatus::Progressing, "Progressing")
        );
        assert_eq!(rs.tags, ["new", "ready:0/1"]);
        assert_eq!(rs.pods.len(), 1);
        assert_eq!(
            rs.pods[0],
            PodNode {
                name: "api-bbb-1".into(),
                status: NodeStatus::Progressing,
                status_text: "ContainerCreating".into(),
                age: "15m".into(),
                tags: vec!["ready:0/1".into()],
            }
        );

        let old = &t.revisions[1].replica_set;
        assert_eq!(t.revisions[1].revision, Some(1));
        assert_eq!(
            (old.status, old.tags.as_slice()),
            (NodeStatus::Ok, &["ready:2/2".to_string()][..])
        );
        let names: Vec<_> = old.pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["api-aaa-1", "api-aaa-2"]);
        assert!(old.pods.iter().all(|p| p.status == NodeStatus::Ok));
    }

    #[test]
    fn crashlooping_new_pod_degrades_its_replicaset() {
        let (d, rss, mut pods) = mid_rollout();
        pods[2] = pod("api-bbb-1", &rss[1], PodState::CrashLooping, 4);
        let t = rollout_tree(&d, &rss, &pods, now(), Some("preview"));
        let rs = &t.revisions[0].replica_set;
        assert_eq!(
            (rs.status, rs.status_text.as_str()),
            (NodeStatus::Bad, "Degraded")
        );
        assert_eq!(rs.tags, ["new", "preview", "ready:0/1"]);
        let p = &rs.pods[0];
        assert_eq!(p.status, NodeStatus::Bad);
        assert_eq!(p.status_text, "CrashLoopBackOff");
        assert_eq!(p.tags, ["ready:0/1", "restarts:4"]);
        assert_eq!(t.images[0].tags, ["new", "preview"]);
    }

    #[test]
    fn complete_rollout_is_stable_and_old_revisions_fold() {
        let d = deployment(
            "api",
            2,
            "shop/api:7",
            json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2,
                "readyReplicas": 2, "availableReplicas": 2}),
        );
        let mut rss: Vec<_> = (1..=6)
            .map(|r| {
                replicaset(
                    &format!("api-r{r}"),
                    "uid-api",
                    Some(r),
                    &format!("shop/api:{r}"),
                    0,
                    0,
                )
            })
            .collect();
        let new = replicaset("api-r7", "uid-api", Some(7), "shop/api:7", 2, 2);
        rss.push(new.clone());
        let pods = vec![
            pod("api-r7-1", &new, PodState::Ready, 1),
            pod("api-r7-2", &new, PodState::Ready, 0),
        ];
        let t = rollout_tree(&d, &rss, &pods, now(), Some("active"));
        assert_eq!(t.status.phase, Phase::Complete);
        let shown: Vec<_> = t.revisions.iter().map(|r| r.revision).collect();
        assert_eq!(shown, [Some(7), Some(6), Some(5), Some(4)]);
        assert_eq!(
            t.folded,
            Some(Folded {
                count: 3,
                newest: Some(3),
                oldest: Some(1)
            })
        );
        let current = &t.revisions[0].replica_set;
        assert_eq!(current.tags, ["stable", "active", "ready:2/2"]);
        assert_eq!(current.status_text, "Healthy");
        assert_eq!(current.pods[0].tags, ["ready:1/1", "restarts:1"]);
        let old = &t.revisions[1];
        assert!(old.collapsed);
        assert_eq!(old.replica_set.status, NodeStatus::ScaledDown);
        assert_eq!(old.replica_set.tags, ["scaled-down"]);
        assert_eq!(
            t.images,
            [ImageTag {
                image: "shop/api:7".into(),
                tags: vec!["stable".into(), "active".into()]
            }]
        );
    }

    #[test]
    fn old_replicaset_scaled_to_zero_with_terminating_pods_is_scaling_down() {
        let d = deployment(
            "api",
            1,
            "shop/api:2",
            json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 1,
                "readyReplicas": 1, "availableReplicas": 1}),
        );
        let old = replicaset("api-aaa", "uid-api", Some(1), "shop/api:1", 0, 0);
        let new = replicaset("api-bbb", "uid-api", Some(2), "shop/api:2", 1, 1);
        let pods = vec![
            pod("api-aaa-1", &old, PodState::Terminating, 0),
            pod("api-bbb-1", &new, PodState::Ready, 0),
        ];
        let t = rollout_tree(&d, &[old, new], &pods, now(), None);
        let old = &t.revisions[1];
        assert!(!old.collapsed);
        assert_eq!(old.replica_set.status_text, "ScalingDown");
        let p = &old.replica_set.pods[0];
        assert_eq!(
            (p.status, p.status_text.as_str()),
            (NodeStatus::ScaledDown, "Terminating")
        );
    }

    #[test]
    fn paused_and_stalled_new_replicasets() {
        let (mut d, rss, pods) = mid_rollout();
        if let Some(spec) = d.spec.as_mut() {
            spec.paused = Some(true);
        }
        let t = rollout_tree(&d, &rss, &pods, now(), None);
        assert_eq!(t.status.phase, Phase::Paused);
        assert_eq!(t.revisions[0].replica_set.status, NodeStatus::Paused);

        let (mut d, rss, pods) = mid_rollout();
        d.status.get_or_insert_with(Default::default).conditions =
            Some(vec![serde_json::from_value(
                json!({"type": "Progressing", "status": "False",
                "reason": "ProgressDeadlineExceeded"}),
            )
            .unwrap()]);
        let t = rollout_tree(&d, &rss, &pods, now(), None);
        assert_eq!(t.status.phase, Phase::Stalled);
        assert_eq!(t.revisions[0].replica_set.status, NodeStatus::Bad);
        assert_eq!(t.revisions[1].replica_set.status, NodeStatus::Ok);
    }
}
