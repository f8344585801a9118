//! Delete a pod (`kubectl delete pod NAME`): one DELETE with the pod's own
//! grace period, preconditioned on the uid and resourceVersion as read. The
//! preview says whether a controller will recreate it.

use serde_json::Value;

use crate::model::sanitize::clean;

use super::{Change, ObjectRef, Operation, Plan, Refused, Removal, VerbSpec};

pub const SPEC: VerbSpec = VerbSpec {
    name: "delete_pod",
    action: "delete",
    key: "ctrl-d",
    desc: "pod: delete (asks first; its controller recreates it)",
    kind: "Pod",
    permission: "delete",
    target: ("", "v1", "Pod", "pods"),
};

/// Kubernetes' default when a pod names no grace period.
const DEFAULT_GRACE_SECONDS: i64 = 30;

fn str_at<'a>(v: &'a Value, path: &str) -> &'a str {
    v.pointer(path).and_then(Value::as_str).unwrap_or("")
}

/// The controller owning the pod, as `ReplicaSet api-5f…`.
fn controller(pod: &Value) -> Option<String> {
    pod.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
        .map(|o| format!("{} {}", str_at(o, "/kind"), str_at(o, "/name")))
}

pub fn plan(pod: &Value) -> Result<Plan, Refused> {
    let ns = str_at(pod, "/metadata/namespace");
    let name = str_at(pod, "/metadata/name");
    if name.is_empty() || ns.is_empty() {
        return Err(Refused::new("the pod has no namespace or name"));
    }
    if pod.pointer("/metadata/deletionTimestamp").is_some() {
        return Err(Refused::new(format!(
            "pod {ns}/{name} is already being deleted"
        )));
    }
    let grace = pod
        .pointer("/spec/terminationGracePeriodSeconds")
        .and_then(Value::as_i64);
    let grace_text = match grace {
        Some(g) => format!("grace period {g}s (the pod's terminationGracePeriodSeconds)"),
        None => format!("grace period {DEFAULT_GRACE_SECONDS}s (the default: the pod names none)"),
    };
    let owner = match controller(pod) {
        Some(c) => clean(&format!("owned by {c}: it will be recreated")).into_owned(),
        None => "not owned by a controller: it will not be recreated".to_string(),
    };
    let phase = str_at(pod, "/status/phase");
    let change = Change {
        action: SPEC.action.into(),
        target: ObjectRef::new(SPEC.target, ns, name),
        // None: the server applies the pod's own grace period.
        patch: Operation::Delete(Removal::default()),
        before: pod.clone(),
        after: Value::Null,
        summary_before: format!("phase {}", if phase.is_empty() { "?" } else { phase }),
        summary_after: format!("deleted, {grace_text}"),
    };
    let mut plan = Plan::single(format!("delete pod {ns}/{name}"), change);
    plan.warnings = vec![owner, grace_text];
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod(extra: Value) -> Value {
        let mut p = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "api-5f7c-x2x", "namespace": "shop", "uid": "u1",
                "resourceVersion": "42", "labels": {"app": "api"}},
            "spec": {"containers": [{"name": "app", "image": "api:1"}]},
            "status": {"phase": "Running"}});
        if let (Some(p), Some(e)) = (p.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                p.insert(k.clone(), v.clone());
            }
        }
        p
    }

    #[test]
    fn a_replicaset_pod_is_deleted_with_its_own_grace_period_and_recreated() {
        let mut p = pod(json!({}));
        p["metadata"]["ownerReferences"] = json!([
            {"kind": "Node", "name": "n1"},
            {"kind": "ReplicaSet", "name": "api-5f7c", "controller": true}]);
        p["spec"]["terminationGracePeriodSeconds"] = json!(10);
        let plan = plan(&p).unwrap();
        assert_eq!(plan.title, "delete pod shop/api-5f7c-x2x");
        assert_eq!(
            plan.warnings,
            [
                "owned by ReplicaSet api-5f7c: it will be recreated",
                "grace period 10s (the pod's terminationGracePeriodSeconds)"
            ]
        );
        let c = &plan.changes[0];
        assert_eq!(c.patch, Operation::Delete(Removal::default()));
        assert_eq!(c.patch.permission(), ("delete", ""));
        assert_eq!((c.uid(), c.resource_version()), (Some("u1"), Some("42")));
        assert_eq!(c.target.label(), "Pod/api-5f7c-x2x");
        assert_eq!(c.target.describe(), "pod shop/api-5f7c-x2x");
        assert_eq!(c.summary_before, "phase Running");
        // The preview shows the labels and spec going away.
        let text: Vec<String> = c
            .preview()
            .iter()
            .map(|l| format!("{}{}", l.marker(), l.text))
            .collect();
        assert!(text.contains(&"-  labels:".to_string()), "{text:?}");
        assert!(text.contains(&"-spec:".to_string()), "{text:?}");
    }

    #[test]
    fn a_bare_pod_is_not_recreated_and_the_default_grace_is_named() {
        let plan = plan(&pod(json!({}))).unwrap();
        assert_eq!(
            plan.warnings,
            [
                "not owned by a controller: it will not be recreated",
                "grace period 30s (the default: the pod names none)"
            ]
        );
        assert_eq!(
            plan.changes[0].summary_after,
            "deleted, grace period 30s (the default: the pod names none)"
        );
    }

    #[test]
    fn a_pod_already_terminating_is_refused() {
        let mut p = pod(json!({}));
        p["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        assert_eq!(
            plan(&p).unwrap_err().to_string(),
            "pod shop/api-5f7c-x2x is already being deleted"
        );
        assert!(plan(&json!({})).is_err());
    }
}
