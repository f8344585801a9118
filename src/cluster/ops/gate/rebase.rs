//! Pure JSON work of the gate: what the operator reviewed, what moved
//! since, a change re-based on the object as it is now, and the change
//! that undoes an applied one.

use serde_json::{json, Value};

use crate::cluster::ops::plan::{reviewable, Change, PatchBody};

/// Annotations the Deployment controller writes by itself: a change to
/// them is the controller catching up, not someone else's edit.
fn controller_annotation(key: &str) -> bool {
    key.starts_with("deployment.kubernetes.io/")
}

/// What the operator reviewed: labels, annotations (minus the controller's
/// own) and spec.
fn reviewed(obj: &Value) -> Value {
    let mut r = reviewable(obj);
    if let Some(a) = r
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.retain(|k, _| !controller_annotation(k));
    }
    r
}

/// JSON pointers of what moved between the reviewed object and `current`
/// (at most three, for the message).
pub fn changed_paths(before: &Value, current: &Value) -> Vec<String> {
    let ops = json_patch::diff(&reviewed(before), &reviewed(current));
    let mut paths: Vec<String> = ops
        .0
        .iter()
        .map(|op| match op {
            json_patch::PatchOperation::Add(o) => o.path.to_string(),
            json_patch::PatchOperation::Remove(o) => o.path.to_string(),
            json_patch::PatchOperation::Replace(o) => o.path.to_string(),
            json_patch::PatchOperation::Move(o) => o.path.to_string(),
            json_patch::PatchOperation::Copy(o) => o.path.to_string(),
            json_patch::PatchOperation::Test(o) => o.path.to_string(),
        })
        .collect();
    paths.dedup();
    let more = paths.len().saturating_sub(3);
    paths.truncate(3);
    if more > 0 {
        paths.push(format!("{more} more"));
    }
    paths
}

/// `c` re-based on `current`: its resourceVersion, and for a patch that
/// replaces all annotations (kubectl's rollback), the controller's own
/// annotations as they are now, so a re-send does not turn them back.
pub(super) fn rebased(c: &Change, current: &Value) -> Change {
    let mut out = c.clone();
    out.before = current.clone();
    if let PatchBody::Json(ops) = &mut out.patch {
        for op in ops.as_array_mut().into_iter().flatten() {
            if op.get("path").and_then(Value::as_str) != Some("/metadata/annotations") {
                continue;
            }
            let Some(value) = op.get_mut("value").and_then(Value::as_object_mut) else {
                continue;
            };
            value.retain(|k, _| !controller_annotation(k));
            for (k, v) in current
                .pointer("/metadata/annotations")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if controller_annotation(k) {
                    value.insert(k.clone(), v.clone());
                }
            }
        }
    }
    out
}

/// How a step already applied is put back.
#[derive(Clone, Debug, PartialEq)]
pub enum Revert {
    /// The object is as it was: nothing to send.
    Nothing,
    Change(Box<Change>),
    /// A delete or an eviction: what is gone cannot be sent back. Says so.
    Impossible(String),
}

/// The change that puts `applied` back to `c.before`: for a patch, a JSON
/// patch of labels, annotations and spec preconditioned on `applied`'s
/// resourceVersion; for a create, the delete of what was created (with its
/// uid); a delete or an eviction cannot be reverted.
pub fn revert_change(c: &Change, applied: &Value) -> Revert {
    match &c.patch {
        PatchBody::Json(_) | PatchBody::Merge(_) | PatchBody::Strategic(_) => {}
        PatchBody::Create(_) => {
            return Revert::Change(Box::new(Change {
                action: format!("undo {}", c.action),
                target: c.target.clone(),
                patch: PatchBody::Delete(Default::default()),
                before: applied.clone(),
                after: Value::Null,
                summary_before: c.summary_after.clone(),
                summary_after: c.summary_before.clone(),
            }))
        }
        PatchBody::Delete(_) | PatchBody::Evict(_) => {
            return Revert::Impossible(format!(
                "{} was removed ({}) and cannot be put back",
                c.target.describe(),
                c.action
            ))
        }
    }
    let project = |v: &Value| {
        let mut r = reviewable(v);
        if let Some(o) = r.as_object_mut() {
            o.entry("metadata").or_insert_with(|| json!({}));
            o.entry("spec").or_insert_with(|| json!({}));
        }
        r
    };
    let ops = json_patch::diff(&project(applied), &project(&c.before));
    if ops.0.is_empty() {
        return Revert::Nothing;
    }
    let mut before = applied.clone();
    if before.get("metadata").is_none() {
        before["metadata"] = json!({});
    }
    Revert::Change(Box::new(Change {
        action: format!("undo {}", c.action),
        target: c.target.clone(),
        patch: PatchBody::Json(serde_json::to_value(ops).unwrap_or(Value::Null)),
        before,
        after: c.before.clone(),
        summary_before: c.summary_after.clone(),
        summary_after: c.summary_before.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ops::plan::Target;

    #[test]
    fn revert_puts_spec_and_annotations_back() {
        let before = json!({"metadata": {"name": "a", "resourceVersion": "1"},
            "spec": {"replicas": 2, "paused": false}});
        let applied = json!({"metadata": {"name": "a", "resourceVersion": "5",
            "annotations": {"x": "y"}}, "spec": {"replicas": 4, "paused": false},
            "status": {"replicas": 4}});
        let c = Change {
            action: "scale".into(),
            target: Target::deployment("shop", "a"),
            patch: PatchBody::Merge(json!({})),
            before: before.clone(),
            after: applied.clone(),
            summary_before: "replicas 2".into(),
            summary_after: "replicas 4".into(),
        };
        let Revert::Change(r) = revert_change(&c, &applied) else {
            panic!("expected a revert");
        };
        assert_eq!(r.resource_version(), Some("5"));
        assert_eq!(r.action, "undo scale");
        let mut doc = applied.clone();
        let ops: json_patch::Patch = serde_json::from_value(r.patch.value().clone()).unwrap();
        json_patch::patch(&mut doc, &ops).unwrap();
        assert_eq!(doc["spec"], before["spec"]);
        assert!(doc["metadata"].get("annotations").is_none());
        assert_eq!(doc["metadata"]["name"], "a");
        assert_eq!(revert_change(&c, &before), Revert::Nothing);
    }

    #[test]
    fn a_create_is_undone_by_a_delete_and_a_delete_cannot_be_undone() {
        let created = json!({"metadata": {"name": "p", "uid": "u9", "resourceVersion": "3"}});
        let mut c = Change {
            action: "create".into(),
            target: Target::pod("shop", "p"),
            patch: PatchBody::Create(json!({"metadata": {"name": "p"}})),
            before: Value::Null,
            after: created.clone(),
            summary_before: String::new(),
            summary_after: String::new(),
        };
        let Revert::Change(r) = revert_change(&c, &created) else {
            panic!("expected a delete");
        };
        assert!(matches!(r.patch, PatchBody::Delete(_)));
        assert_eq!((r.uid(), r.resource_version()), (Some("u9"), Some("3")));
        c.patch = PatchBody::Delete(Default::default());
        assert_eq!(
            revert_change(&c, &Value::Null),
            Revert::Impossible("pod shop/p was removed (create) and cannot be put back".into())
        );
    }

    #[test]
    fn bookkeeping_is_not_a_conflict_but_spec_is() {
        let before = json!({"metadata": {"resourceVersion": "1", "annotations":
            {"deployment.kubernetes.io/revision": "1", "team": "a"}},
            "spec": {"replicas": 2}, "status": {"replicas": 1}});
        let mut bookkeeping = before.clone();
        bookkeeping["metadata"]["resourceVersion"] = json!("2");
        bookkeeping["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!("2");
        bookkeeping["status"]["replicas"] = json!(2);
        assert!(changed_paths(&before, &bookkeeping).is_empty());
        let mut edited = bookkeeping.clone();
        edited["spec"]["replicas"] = json!(4);
        edited["metadata"]["annotations"]["team"] = json!("b");
        assert_eq!(
            changed_paths(&before, &edited),
            ["/metadata/annotations/team", "/spec/replicas"]
        );
    }

    #[test]
    fn rebase_takes_the_new_version_and_the_controllers_annotations() {
        let before = json!({"metadata": {"resourceVersion": "1", "annotations":
            {"deployment.kubernetes.io/revision": "3"}}});
        let current = json!({"metadata": {"resourceVersion": "9", "annotations":
            {"deployment.kubernetes.io/revision": "4", "x": "y"}}});
        let c = Change {
            action: "rollback".into(),
            target: Target::deployment("shop", "a"),
            patch: PatchBody::Json(json!([
                {"op": "replace", "path": "/spec/template", "value": {}},
                {"op": "replace", "path": "/metadata/annotations", "value":
                    {"deployment.kubernetes.io/revision": "3", "kubernetes.io/change-cause": "v1"}}
            ])),
            before: before.clone(),
            after: before,
            summary_before: String::new(),
            summary_after: String::new(),
        };
        let r = rebased(&c, &current);
        assert_eq!(r.resource_version(), Some("9"));
        assert_eq!(
            r.patch.value()[1]["value"],
            json!({"deployment.kubernetes.io/revision": "4", "kubernetes.io/change-cause": "v1"})
        );
    }
}
