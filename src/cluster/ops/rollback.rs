//! `kubectl rollout undo` through the gate: the Deployment and its
//! ReplicaSets are read fresh, `model::change::plan_rollback` decides, and
//! the result is kubectl's one JSON patch (plus the resourceVersion
//! precondition the gate adds).

use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use serde_json::{json, Value};

use super::errors::OpError;
use super::plan::{Change, PatchBody, Plan};
use super::rollout::{current_revision, target_of};
use crate::model::change::{plan_rollback, RollbackPlan};

#[derive(Clone, Debug, PartialEq)]
pub enum RollbackDecision {
    Plan(Box<Plan>),
    /// kubectl's "skipped rollback (...)": nothing to send.
    Skip(String),
}

fn images(template: &Value) -> String {
    let parts: Vec<String> = template
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{}={}",
                c.get("name").and_then(Value::as_str).unwrap_or(""),
                c.get("image").and_then(Value::as_str).unwrap_or("")
            )
        })
        .collect();
    parts.join(" ")
}

/// Plans the rollback of `d` to `to_revision` (0 = the previous one).
pub fn rollback(
    d: &Deployment,
    rss: &[Arc<ReplicaSet>],
    to_revision: i64,
) -> Result<RollbackDecision, OpError> {
    let p = match plan_rollback(d, rss, to_revision).map_err(OpError::refused)? {
        RollbackPlan::Skip { message } => return Ok(RollbackDecision::Skip(message)),
        RollbackPlan::Patch(p) => p,
    };
    let before = serde_json::to_value(d).unwrap_or(Value::Null);
    let mut after = before.clone();
    after["spec"]["template"] = p.template.clone();
    after["metadata"]["annotations"] = json!(p.annotations);
    let current = current_revision(d).map_or("?".to_string(), |r| r.to_string());
    let name = d.metadata.name.clone().unwrap_or_default();
    let change = Change {
        action: format!("rollback to revision {}", p.revision),
        target: target_of(d),
        patch: PatchBody::Json(p.operations()),
        summary_before: format!(
            "revision {current}: {}",
            images(before.pointer("/spec/template").unwrap_or(&Value::Null))
        ),
        summary_after: format!(
            "template of revision {}: {}",
            p.revision,
            images(&p.template)
        ),
        before,
        after,
    };
    Ok(RollbackDecision::Plan(Box::new(Plan::single(
        format!("roll back deployment {name} to revision {}", p.revision),
        change,
    ))))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::rollout::fixtures::{deployment, replicaset};

    #[test]
    fn plan_is_kubectls_patch_with_summaries() {
        let mut d = deployment("api", 3, "shop/api:2", json!({"observedGeneration": 2}));
        d.metadata.resource_version = Some("77".into());
        let rss = vec![
            replicaset("api-aaa", "uid-api", Some(1), "shop/api:1", 0, 0),
            replicaset("api-bbb", "uid-api", Some(2), "shop/api:2", 3, 3),
        ];
        let RollbackDecision::Plan(plan) = rollback(&d, &rss, 0).unwrap() else {
            panic!("expected a plan");
        };
        let c = &plan.changes[0];
        assert_eq!(c.action, "rollback to revision 1");
        assert_eq!(c.summary_before, "revision 2: app=shop/api:2");
        assert_eq!(c.summary_after, "template of revision 1: app=shop/api:1");
        let PatchBody::Json(ops) = &c.patch else {
            panic!("json patch")
        };
        assert_eq!(ops[0]["path"], "/spec/template");
        assert_eq!(ops[1]["path"], "/metadata/annotations");
        // The gate adds the precondition in front.
        let sent = c.patch.with_precondition("77");
        assert_eq!(
            sent.value()[0],
            json!({"op": "replace", "path": "/metadata/resourceVersion", "value": "77"})
        );
        assert_eq!(sent.value().as_array().unwrap().len(), 3);
        assert_eq!(
            rollback(&d, &rss, 2).unwrap(),
            RollbackDecision::Skip(
                "skipped rollback (current template already matches revision 2)".into()
            )
        );
        assert!(
            matches!(rollback(&d, &rss, 5), Err(OpError::Refused(m)) if m == "unable to find specified revision 5 in history")
        );
    }
}
