//! Which ReplicaSets belong to a Deployment, which one is its current
//! template, and the revision history `kubectl rollout history` would list.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;

use super::{controller_uid, revision, CHANGE_CAUSE_ANNOTATION, POD_TEMPLATE_HASH_LABEL};
use crate::model::age::to_chrono;
use crate::model::selector::Selector;

/// The ReplicaSets `d` controls. Ownership is the controller ownerReference,
/// as kubectl and the controller decide it; only a Deployment without a uid
/// (a fixture or a dry-run object) falls back to its selector.
pub fn owned_replicasets(d: &Deployment, rss: &[Arc<ReplicaSet>]) -> Vec<Arc<ReplicaSet>> {
    let ns = d.metadata.namespace.as_deref();
    let same_ns = |rs: &&Arc<ReplicaSet>| rs.metadata.namespace.as_deref() == ns;
    match d.metadata.uid.as_deref() {
        Some(uid) => rss
            .iter()
            .filter(same_ns)
            .filter(|rs| controller_uid(&rs.metadata) == Some(uid))
            .cloned()
            .collect(),
        None => {
            let Some(spec) = d.spec.as_ref() else {
                return Vec::new();
            };
            let sel = Selector::from_label_selector(&spec.selector);
            rss.iter()
                .filter(same_ns)
                .filter(|rs| sel.matches(rs.metadata.labels.as_ref()))
                .cloned()
                .collect()
        }
    }
}

/// The ReplicaSet running `d`'s current template (the controller's "new"
/// ReplicaSet), chosen among `owned` as the controller chooses it: the
/// oldest whose template equals the Deployment's, ignoring the
/// pod-template-hash label. If no template matches but the controller has
/// seen the current spec, the ReplicaSet carrying the Deployment's revision
/// number is the new one (templates can differ only by server defaults).
pub fn new_replicaset(d: &Deployment, owned: &[Arc<ReplicaSet>]) -> Option<Arc<ReplicaSet>> {
    let spec = d.spec.as_ref()?;
    let want = without_hash(&spec.template);
    let mut by_age: Vec<&Arc<ReplicaSet>> = owned.iter().collect();
    by_age.sort_by_key(|rs| {
        (
            rs.metadata.creation_timestamp.as_ref().map(to_chrono),
            rs.metadata.name.clone(),
        )
    });
    let same_template = by_age.iter().find(|rs| {
        rs.spec
            .as_ref()
            .and_then(|s| s.template.as_ref())
            .is_some_and(|t| without_hash(t) == want)
    });
    if let Some(rs) = same_template {
        return Some((*rs).clone());
    }
    let observed = d.metadata.generation.unwrap_or(0)
        <= d.status
            .as_ref()
            .and_then(|s| s.observed_generation)
            .unwrap_or(0);
    let current = revision(&d.metadata)?;
    observed
        .then(|| {
            by_age
                .into_iter()
                .find(|rs| revision(&rs.metadata) == Some(current))
        })
        .flatten()
        .cloned()
}

fn without_hash(t: &PodTemplateSpec) -> PodTemplateSpec {
    let mut t = t.clone();
    if let Some(meta) = t.metadata.as_mut() {
        if let Some(labels) = meta.labels.as_mut() {
            labels.remove(POD_TEMPLATE_HASH_LABEL);
            // The API server treats an empty map and no map alike.
            if labels.is_empty() {
                meta.labels = None;
            }
        }
    }
    t
}

/// One line of `kubectl rollout history`, with what the cockpit shows next
/// to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub revision: i64,
    pub rs_name: String,
    /// `kubernetes.io/change-cause` on the ReplicaSet; kubectl prints `<none>`.
    pub change_cause: Option<String>,
    /// Container images of the revision's pod template, in order.
    pub images: Vec<String>,
    /// The ReplicaSet's desired replicas (0 for a scaled-down revision).
    pub replicas: i32,
    pub ready: i32,
    pub created: Option<DateTime<Utc>>,
    /// This revision is the Deployment's current template.
    pub current: bool,
}

/// The revisions of `d`, newest first. ReplicaSets without a readable
/// revision number are left out, as kubectl leaves them out.
pub fn history(d: &Deployment, rss: &[Arc<ReplicaSet>]) -> Vec<Revision> {
    let owned = owned_replicasets(d, rss);
    let new = new_replicaset(d, &owned);
    let mut out: Vec<Revision> = owned
        .iter()
        .filter_map(|rs| {
            let rev = revision(&rs.metadata)?;
            let current = new.as_ref().is_some_and(|n| Arc::ptr_eq(n, rs));
            Some(Revision {
                revision: rev,
                rs_name: rs.metadata.name.clone().unwrap_or_default(),
                change_cause: rs
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(CHANGE_CAUSE_ANNOTATION))
                    .filter(|c| !c.is_empty())
                    .cloned(),
                images: replicaset_images(rs),
                replicas: rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0),
                ready: rs
                    .status
                    .as_ref()
                    .and_then(|s| s.ready_replicas)
                    .unwrap_or(0),
                created: rs.metadata.creation_timestamp.as_ref().map(to_chrono),
                current,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.revision
            .cmp(&a.revision)
            .then_with(|| b.created.cmp(&a.created))
    });
    out
}

/// Images of a ReplicaSet's pod template, in container order.
pub(super) fn replicaset_images(rs: &ReplicaSet) -> Vec<String> {
    rs.spec
        .as_ref()
        .and_then(|s| s.template.as_ref())
        .and_then(|t| t.spec.as_ref())
        .map(|p| {
            p.containers
                .iter()
                .map(|c| c.image.clone().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::rollout::fixtures::*;

    fn with_cause(rs: Arc<ReplicaSet>, cause: &str) -> Arc<ReplicaSet> {
        let mut rs = (*rs).clone();
        rs.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(CHANGE_CAUSE_ANNOTATION.into(), cause.into());
        Arc::new(rs)
    }

    #[test]
    fn owned_by_controller_reference_only() {
        let d = deployment("api", 3, "shop/api:2", json!({}));
        let mine = replicaset("api-aaa", "uid-api", Some(1), "shop/api:1", 0, 0);
        let foreign = replicaset("api-bbb", "uid-other", Some(2), "shop/api:2", 3, 3);
        let mut orphan = (*replicaset("api-ccc", "x", Some(3), "shop/api:2", 1, 1)).clone();
        orphan.metadata.owner_references = None;
        let owned = owned_replicasets(&d, &[mine, foreign, Arc::new(orphan)]);
        let names: Vec<_> = owned.iter().map(|r| r.metadata.name.clone()).collect();
        assert_eq!(names, [Some("api-aaa".to_string())]);
    }

    #[test]
    fn without_uid_the_selector_decides() {
        let mut d = deployment("api", 3, "shop/api:2", json!({}));
        d.metadata.uid = None;
        let a = replicaset("api-aaa", "whatever", Some(1), "shop/api:1", 0, 0);
        let b = replicaset("web-bbb", "whatever", Some(1), "shop/web:1", 0, 0);
        let owned = owned_replicasets(&d, &[a, b]);
        assert_eq!(owned.len(), 1);
        assert_eq!(owned[0].metadata.name.as_deref(), Some("api-aaa"));
    }

    #[test]
    fn new_replicaset_matches_the_template_ignoring_the_hash() {
        let d = deployment("api", 3, "shop/api:2", json!({"observedGeneration": 2}));
        let old = replicaset("api-aaa", "uid-api", Some(1), "shop/api:1", 0, 0);
        let new = replicaset("api-bbb", "uid-api", Some(2), "shop/api:2", 3, 3);
        let found = new_replicaset(&d, &[old.clone(), new]);
        assert_eq!(
            found.and_then(|r| r.metadata.name.clone()).as_deref(),
            Some("api-bbb")
        );
        // Template changed but no ReplicaSet for it yet: no new one.
        let d = deployment("api", 3, "shop/api:3", json!({"observedGeneration": 1}));
        assert!(new_replicaset(&d, &[old]).is_none());
    }

    #[test]
    fn history_is_newest_first_with_change_cause() {
        let d = deployment("api", 3, "shop/api:3", json!({"observedGeneration": 2}));
        let rss = vec![
            with_cause(
                replicaset("api-aaa", "uid-api", Some(1), "shop/api:1", 0, 0),
                "initial",
            ),
            with_cause(
                replicaset("api-ccc", "uid-api", Some(3), "shop/api:3", 3, 2),
                "kubectl set image deployment/api app=shop/api:3",
            ),
            replicaset("api-bbb", "uid-api", Some(2), "shop/api:2", 0, 0),
            replicaset("api-nan", "uid-api", None, "shop/api:0", 0, 0),
            replicaset("web-zzz", "uid-web", Some(9), "shop/web:1", 1, 1),
        ];
        let h = history(&d, &rss);
        let revs: Vec<i64> = h.iter().map(|r| r.revision).collect();
        assert_eq!(revs, [3, 2, 1]);
        assert_eq!(
            h[0].change_cause.as_deref(),
            Some("kubectl set image deployment/api app=shop/api:3")
        );
        assert_eq!(h[1].change_cause, None);
        assert_eq!(h[2].change_cause.as_deref(), Some("initial"));
        assert_eq!(h[0].images, ["shop/api:3"]);
        assert_eq!((h[0].replicas, h[0].ready), (3, 2));
        assert!(h[0].current && !h[1].current && !h[2].current);
        assert_eq!(h[0].rs_name, "api-ccc");
    }
}
