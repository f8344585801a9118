//! `kubectl rollout undo` for a Deployment, decided without I/O: which
//! ReplicaSet is the target, whether the rollback is refused or skipped, and
//! the one JSON patch that performs it. Mirrors kubectl's
//! pkg/polymorphichelpers/rollback.go step for step (order of checks,
//! wording of errors, the annotation rule), so kockpit and kubectl leave a
//! Deployment in the same state.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{json, Value};

use crate::model::age::to_chrono;
use crate::model::rollout::{POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION};

/// Deployment annotations a rollback keeps; every other annotation comes
/// from the target ReplicaSet (kubectl's `annotationsToSkip`).
pub const ANNOTATIONS_TO_SKIP: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

#[derive(Clone, Debug, PartialEq)]
pub enum RollbackPlan {
    /// Nothing to do: kubectl prints this and succeeds.
    Skip {
        message: String,
    },
    Patch(RollbackPatch),
}

#[derive(Clone, Debug, PartialEq)]
pub struct RollbackPatch {
    /// The revision rolled back to (the target ReplicaSet's number).
    pub revision: i64,
    pub replicaset: String,
    /// The target's pod template without the pod-template-hash label.
    pub template: Value,
    /// The Deployment's annotations after the rollback.
    pub annotations: BTreeMap<String, String>,
}

impl RollbackPatch {
    /// kubectl's patch: replace the template, replace the annotations.
    pub fn operations(&self) -> Value {
        json!([
            {"op": "replace", "path": "/spec/template", "value": self.template},
            {"op": "replace", "path": "/metadata/annotations", "value": self.annotations},
        ])
    }
}

/// kubectl's refusal to roll back a paused Deployment.
pub const PAUSED_REFUSAL: &str =
    "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again";

/// kubectl's error for a revision that is not in the history.
pub fn revision_not_found(revision: i64) -> String {
    format!("unable to find specified revision {revision} in history")
}

/// Plans `kubectl rollout undo deployment/<d> --to-revision=<to_revision>`
/// (0 = the previous revision). `rss` may be every ReplicaSet of the
/// namespace: only those `d` controls are considered, as kubectl does.
/// `d` and `rss` should be fresh from the server, as kubectl reads them.
pub fn plan_rollback(
    d: &Deployment,
    rss: &[Arc<ReplicaSet>],
    to_revision: i64,
) -> Result<RollbackPlan, String> {
    if to_revision < 0 {
        return Err(revision_not_found(to_revision));
    }
    let target = find_revision(d, rss, to_revision)?;
    // kubectl finds the revision first, so a missing one is reported even
    // for a paused Deployment.
    let paused = d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false);
    if paused {
        // Worded as the kubectl the proof test runs (v1.32) words it; later
        // kubectl releases add `deployment/<name>` after "rollout resume".
        return Err(PAUSED_REFUSAL.to_string());
    }
    let target_template = target
        .spec
        .as_ref()
        .and_then(|s| s.template.clone())
        .unwrap_or_default();
    let current_template = d
        .spec
        .as_ref()
        .map(|s| s.template.clone())
        .unwrap_or_default();
    if templates_equal_ignoring_hash(&target_template, &current_template) {
        // kubectl words it with the revision as asked (0 for "previous").
        return Ok(RollbackPlan::Skip {
            message: format!(
                "skipped rollback (current template already matches revision {to_revision})"
            ),
        });
    }
    let revision = kubectl_revision(&target.metadata).unwrap_or(0);
    Ok(RollbackPlan::Patch(RollbackPatch {
        revision,
        replicaset: target.metadata.name.clone().unwrap_or_default(),
        template: template_without_hash(&target_template),
        annotations: rollback_annotations(&d.metadata, &target.metadata),
    }))
}

/// kubectl's `deploymentRevision`: with `to_revision` 0 the second-highest
/// revision, else that exact revision. The candidates are ordered as
/// kubectl's `GetAllReplicaSets` leaves them (old ones by creation time,
/// the new one last), which only matters when numbers tie.
fn find_revision(
    d: &Deployment,
    rss: &[Arc<ReplicaSet>],
    to_revision: i64,
) -> Result<Arc<ReplicaSet>, String> {
    let mut latest: (i64, Option<&Arc<ReplicaSet>>) = (-1, None);
    let mut previous: (i64, Option<&Arc<ReplicaSet>>) = (-1, None);
    let all = kubectl_replicasets(d, rss);
    for rs in &all {
        let Some(v) = kubectl_revision(&rs.metadata) else {
            continue;
        };
        if to_revision == 0 {
            if latest.0 < v {
                previous = latest;
                latest = (v, Some(rs));
            } else if previous.0 < v {
                previous = (v, Some(rs));
            }
        } else if to_revision == v {
            return Ok(rs.clone());
        }
    }
    if to_revision > 0 {
        return Err(revision_not_found(to_revision));
    }
    let name = d.metadata.name.as_deref().unwrap_or("");
    previous
        .1
        .cloned()
        .ok_or_else(|| format!("no rollout history found for deployment {name:?}"))
}

/// The ReplicaSets `d` controls, old ones oldest first and the one whose
/// template matches `d`'s last.
pub fn kubectl_replicasets(d: &Deployment, rss: &[Arc<ReplicaSet>]) -> Vec<Arc<ReplicaSet>> {
    let mut owned = crate::model::rollout::owned_replicasets(d, rss);
    // Go's sort.Sort is not stable; ties on the timestamp fall back to the
    // name here so the order is at least deterministic.
    owned.sort_by_key(|rs| {
        (
            rs.metadata.creation_timestamp.as_ref().map(to_chrono),
            rs.metadata.name.clone(),
        )
    });
    let current = d
        .spec
        .as_ref()
        .map(|s| s.template.clone())
        .unwrap_or_default();
    let new_index = owned.iter().position(|rs| {
        rs.spec
            .as_ref()
            .and_then(|s| s.template.as_ref())
            .is_some_and(|t| templates_equal_ignoring_hash(t, &current))
    });
    if let Some(i) = new_index {
        let new = owned.remove(i);
        owned.push(new);
    }
    owned
}

/// kubectl's `deploymentutil.Revision`: a missing annotation is revision 0,
/// an unparsable one is skipped (None).
pub fn kubectl_revision(meta: &ObjectMeta) -> Option<i64> {
    match meta
        .annotations
        .as_ref()
        .and_then(|a| a.get(REVISION_ANNOTATION))
    {
        None => Some(0),
        Some(v) => v.parse().ok(),
    }
}

/// apimachinery's semantic equality of two pod templates, ignoring the
/// pod-template-hash label: like Go's `Semantic.DeepEqual`, an empty map or
/// list equals an absent one.
pub fn templates_equal_ignoring_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    normalized(&template_without_hash(a)) == normalized(&template_without_hash(b))
}

/// The template as JSON without the pod-template-hash label (and without a
/// labels map that only held it), as kubectl sends it back.
pub fn template_without_hash(t: &PodTemplateSpec) -> Value {
    let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
    if let Some(labels) = v
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(POD_TEMPLATE_HASH_LABEL);
        if labels.is_empty() {
            if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("labels");
            }
        }
    }
    v
}

/// Drops nulls and empty maps and lists, recursively.
pub fn normalized(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), normalized(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(normalized).collect()),
        other => other.clone(),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The skip-listed annotations of the Deployment, then every other
/// annotation of the target ReplicaSet.
fn rollback_annotations(deployment: &ObjectMeta, target: &ObjectMeta) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let d = deployment.annotations.clone().unwrap_or_default();
    for k in ANNOTATIONS_TO_SKIP {
        if let Some(v) = d.get(k) {
            out.insert(k.to_string(), v.clone());
        }
    }
    for (k, v) in target.annotations.iter().flatten() {
        if !ANNOTATIONS_TO_SKIP.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::rollout::fixtures::{deployment, replicaset};

    fn annotate(rs: Arc<ReplicaSet>, pairs: &[(&str, &str)]) -> Arc<ReplicaSet> {
        let mut rs = (*rs).clone();
        let a = rs.metadata.annotations.get_or_insert_with(Default::default);
        for (k, v) in pairs {
            a.insert(k.to_string(), v.to_string());
        }
        Arc::new(rs)
    }

    /// `api` at revision 3 (image :3), with revisions 1 and 2 behind it.
    fn three_revisions() -> (Deployment, Vec<Arc<ReplicaSet>>) {
        let mut d = deployment("api", 3, "shop/api:3", json!({"observedGeneration": 2}));
        let a = d.metadata.annotations.get_or_insert_with(Default::default);
        a.insert(REVISION_ANNOTATION.into(), "3".into());
        a.insert("kubernetes.io/change-cause".into(), "v3".into());
        a.insert("team".into(), "shop".into());
        a.insert(
            "kubectl.kubernetes.io/last-applied-configuration".into(),
            "{}".into(),
        );
        let rss = vec![
            annotate(
                replicaset("api-aaa", "uid-api", Some(1), "shop/api:1", 0, 0),
                &[
                    ("kubernetes.io/change-cause", "v1"),
                    ("deployment.kubernetes.io/desired-replicas", "3"),
                ],
            ),
            annotate(
                replicaset("api-bbb", "uid-api", Some(2), "shop/api:2", 0, 0),
                &[("kubernetes.io/change-cause", "v2")],
            ),
            replicaset("api-ccc", "uid-api", Some(3), "shop/api:3", 3, 3),
            // Not ours: never a candidate.
            replicaset("api-zzz", "uid-other", Some(9), "shop/api:9", 0, 0),
        ];
        (d, rss)
    }

    fn patch(plan: RollbackPlan) -> RollbackPatch {
        match plan {
            RollbackPlan::Patch(p) => p,
            other => panic!("expected a patch, got {other:?}"),
        }
    }

    #[test]
    fn default_goes_to_the_second_highest_revision() {
        let (d, rss) = three_revisions();
        let p = patch(plan_rollback(&d, &rss, 0).unwrap());
        assert_eq!((p.revision, p.replicaset.as_str()), (2, "api-bbb"));
        assert_eq!(
            p.template,
            json!({"metadata": {"labels": {"app": "api"}},
                "spec": {"containers": [{"name": "app", "image": "shop/api:2"}]}})
        );
    }

    #[test]
    fn annotations_follow_kubectls_rule() {
        let (d, rss) = three_revisions();
        let p = patch(plan_rollback(&d, &rss, 1).unwrap());
        let want: BTreeMap<String, String> = [
            // Kept from the Deployment (skip list):
            (REVISION_ANNOTATION, "3"),
            ("kubectl.kubernetes.io/last-applied-configuration", "{}"),
            // From the ReplicaSet (its revision and desired-replicas are
            // skip-listed, so they do not come across):
            ("kubernetes.io/change-cause", "v1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        // `team` was only on the Deployment: a rollback drops it, as kubectl's does.
        assert_eq!(p.annotations, want);
        assert_eq!(
            p.operations(),
            json!([
                {"op": "replace", "path": "/spec/template", "value": p.template},
                {"op": "replace", "path": "/metadata/annotations", "value": want},
            ])
        );
    }

    #[test]
    fn errors_are_kubectls() {
        let (d, rss) = three_revisions();
        assert_eq!(
            plan_rollback(&d, &rss, 7).unwrap_err(),
            "unable to find specified revision 7 in history"
        );
        assert_eq!(
            plan_rollback(&d, &rss, -1).unwrap_err(),
            "unable to find specified revision -1 in history"
        );
        let only_current = vec![rss[2].clone()];
        assert_eq!(
            plan_rollback(&d, &only_current, 0).unwrap_err(),
            "no rollout history found for deployment \"api\""
        );
    }

    #[test]
    fn paused_is_refused_after_the_revision_is_found() {
        let (mut d, rss) = three_revisions();
        if let Some(s) = d.spec.as_mut() {
            s.paused = Some(true);
        }
        assert_eq!(
            plan_rollback(&d, &rss, 0).unwrap_err(),
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again"
        );
        // A missing revision is still reported first.
        assert!(plan_rollback(&d, &rss, 9)
            .unwrap_err()
            .contains("unable to find"));
    }

    #[test]
    fn matching_template_is_skipped_with_the_revision_as_asked() {
        let (d, rss) = three_revisions();
        assert_eq!(
            plan_rollback(&d, &rss, 3).unwrap(),
            RollbackPlan::Skip {
                message: "skipped rollback (current template already matches revision 3)".into()
            }
        );
    }

    #[test]
    fn missing_revision_annotation_counts_as_zero_and_garbage_is_skipped() {
        let (d, mut rss) = three_revisions();
        rss.push(replicaset("api-nnn", "uid-api", None, "shop/api:0", 0, 0));
        let garbage = annotate(
            replicaset("api-ggg", "uid-api", None, "shop/api:g", 0, 0),
            &[(REVISION_ANNOTATION, " 5")],
        );
        rss.push(garbage);
        let p = patch(plan_rollback(&d, &rss, 0).unwrap());
        assert_eq!(p.revision, 2);
        assert!(matches!(plan_rollback(&d, &rss, 5), Err(e) if e.contains("revision 5")));
    }

    #[test]
    fn empty_and_absent_are_semantically_equal() {
        let a: PodTemplateSpec = serde_json::from_value(json!({
            "metadata": {"labels": {"pod-template-hash": "abc"}, "annotations": {}},
            "spec": {"containers": [{"name": "a", "image": "x", "env": []}]}}))
        .unwrap();
        let b: PodTemplateSpec = serde_json::from_value(json!({
            "spec": {"containers": [{"name": "a", "image": "x"}]}}))
        .unwrap();
        assert!(templates_equal_ignoring_hash(&a, &b));
        let c: PodTemplateSpec = serde_json::from_value(json!({
            "spec": {"containers": [{"name": "a", "image": "y"}]}}))
        .unwrap();
        assert!(!templates_equal_ignoring_hash(&a, &c));
        assert_eq!(template_without_hash(&a).pointer("/metadata/labels"), None);
    }

    #[test]
    fn the_matching_replicaset_is_ordered_last() {
        let (d, rss) = three_revisions();
        let names: Vec<String> = kubectl_replicasets(&d, &rss)
            .iter()
            .map(|r| r.metadata.name.clone().unwrap_or_default())
            .collect();
        assert_eq!(names, ["api-aaa", "api-bbb", "api-ccc"]);
    }
}
