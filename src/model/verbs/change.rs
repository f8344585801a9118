//! A change as the gate handles it: which object (any namespaced kind, by
//! group/version/kind/plural), what is sent (a patch, a create, a delete or
//! an eviction), the object as read and as expected afterwards (for the
//! preview), and the summaries the journal keeps. Plans are built without
//! I/O from objects already fetched, so every verb is unit-tested.

use serde_json::{json, Value};

use crate::model::change::{diff_values, DiffLine};

/// One namespaced object, named the way the API addresses it: the
/// permission question, the journal's label, the preview's title and the
/// request's URL all come from here.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    /// API group, `""` for the core group.
    pub group: String,
    pub version: String,
    /// `Deployment`.
    pub kind: String,
    /// `deployments`, as URLs and SelfSubjectAccessReviews name it.
    pub plural: String,
    pub namespace: String,
    pub name: String,
}

/// The name the gate's callers knew it by.
pub type Target = ObjectRef;

impl ObjectRef {
    pub fn new(
        (group, version, kind, plural): (&str, &str, &str, &str),
        namespace: &str,
        name: &str,
    ) -> Self {
        ObjectRef {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    pub fn deployment(namespace: &str, name: &str) -> Self {
        Self::new(("apps", "v1", "Deployment", "deployments"), namespace, name)
    }

    pub fn service(namespace: &str, name: &str) -> Self {
        Self::new(("", "v1", "Service", "services"), namespace, name)
    }

    pub fn pod(namespace: &str, name: &str) -> Self {
        Self::new(("", "v1", "Pod", "pods"), namespace, name)
    }

    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `Deployment/api`, as the journal names objects.
    pub fn label(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }

    /// `deployment shop/api`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} {}/{}",
            self.kind.to_ascii_lowercase(),
            self.namespace,
            self.name
        )
    }
}

/// How a delete or an eviction removes the object. Its preconditions (uid
/// and resourceVersion) are the object's as read, taken by the gate from
/// [`Change::before`] so a re-read after a bookkeeping 409 rebases them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removal {
    /// None = the object's own (a pod's terminationGracePeriodSeconds).
    pub grace_period_seconds: Option<u32>,
}

/// What is sent for one change. The three patch content types come first
/// (most verbs patch); then a create of a full object, a DELETE, and a
/// policy/v1 Eviction of a pod.
#[derive(Clone, Debug, PartialEq)]
pub enum Operation {
    /// `application/json-patch+json`: an array of operations.
    Json(Value),
    /// `application/merge-patch+json`.
    Merge(Value),
    /// `application/strategic-merge-patch+json`.
    Strategic(Value),
    /// POST of this object (its namespace and name are the target's).
    Create(Value),
    Delete(Removal),
    /// POST pods/NAME/eviction: a delete that honours PodDisruptionBudgets.
    Evict(Removal),
}

/// The name from when every change was a patch; the patch variants are
/// still spelled `PatchBody::Merge(..)` by callers and tests.
pub type PatchBody = Operation;

impl Operation {
    /// The same operation, refused by the server with 409 Conflict if the
    /// object's resourceVersion is no longer `rv`. A JSON patch gets a
    /// `replace` of /metadata/resourceVersion (a `test` op would fail with
    /// 422, which a real API server does not tell apart from bad input);
    /// merge patches carry the resourceVersion in their metadata. A delete
    /// or an eviction carries it in its DeleteOptions (the gate adds it);
    /// a create has nothing to precondition.
    pub fn with_precondition(&self, rv: &str) -> Operation {
        match self {
            Operation::Json(ops) => {
                let mut all = vec![json!({
                    "op": "replace", "path": "/metadata/resourceVersion", "value": rv
                })];
                all.extend(ops.as_array().cloned().unwrap_or_default());
                Operation::Json(Value::Array(all))
            }
            Operation::Merge(v) => Operation::Merge(with_rv(v, rv)),
            Operation::Strategic(v) => Operation::Strategic(with_rv(v, rv)),
            other => other.clone(),
        }
    }

    /// A PATCH's content type; None for the other operations.
    pub fn content_type(&self) -> Option<&'static str> {
        match self {
            Operation::Json(_) => Some("application/json-patch+json"),
            Operation::Merge(_) => Some("application/merge-patch+json"),
            Operation::Strategic(_) => Some("application/strategic-merge-patch+json"),
            _ => None,
        }
    }

    /// The body sent: a patch or the object created (null for a delete or
    /// an eviction, whose options the gate builds).
    pub fn value(&self) -> &Value {
        const NULL: &Value = &Value::Null;
        match self {
            Operation::Json(v)
            | Operation::Merge(v)
            | Operation::Strategic(v)
            | Operation::Create(v) => v,
            Operation::Delete(_) | Operation::Evict(_) => NULL,
        }
    }

    pub fn is_patch(&self) -> bool {
        self.content_type().is_some()
    }

    /// The verb and subresource a SelfSubjectAccessReview asks about.
    pub fn permission(&self) -> (&'static str, &'static str) {
        match self {
            Operation::Json(_) | Operation::Merge(_) | Operation::Strategic(_) => ("patch", ""),
            Operation::Create(_) => ("create", ""),
            Operation::Delete(_) => ("delete", ""),
            Operation::Evict(_) => ("create", "eviction"),
        }
    }

    /// Whether the server can be asked to refuse it on a stale
    /// resourceVersion (everything but a create).
    pub fn preconditioned(&self) -> bool {
        !matches!(self, Operation::Create(_))
    }
}

fn with_rv(v: &Value, rv: &str) -> Value {
    let mut v = v.clone();
    if let Some(obj) = v.as_object_mut() {
        let meta = obj.entry("metadata").or_insert_with(|| json!({}));
        if let Some(m) = meta.as_object_mut() {
            m.insert("resourceVersion".into(), json!(rv));
        }
    }
    v
}

/// One object's change.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// `set image`, `rollback to revision 3`, `switch`.
    pub action: String,
    pub target: ObjectRef,
    /// What is sent: a patch, a create, a delete or an eviction (the field
    /// kept its first name, from when all changes were patches).
    pub patch: Operation,
    /// The object as read, as JSON (null for a create).
    pub before: Value,
    /// The object as expected afterwards (for the preview; null once
    /// deleted).
    pub after: Value,
    pub summary_before: String,
    pub summary_after: String,
}

impl Change {
    pub fn resource_version(&self) -> Option<&str> {
        self.before
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
    }

    /// The uid of the object as read: a delete's second precondition, so a
    /// pod recreated under the same name is not the one deleted.
    pub fn uid(&self) -> Option<&str> {
        self.before.pointer("/metadata/uid").and_then(Value::as_str)
    }

    /// The diff an operator confirms: labels, annotations and spec, before
    /// and after (status and server bookkeeping left out).
    pub fn preview(&self) -> Vec<DiffLine> {
        diff_values(&reviewable(&self.before), &reviewable(&self.after))
    }
}

/// The parts of an object a change can touch.
pub fn reviewable(obj: &Value) -> Value {
    let mut meta = serde_json::Map::new();
    for k in ["labels", "annotations"] {
        if let Some(v) = obj.pointer(&format!("/metadata/{k}")) {
            meta.insert(k.into(), v.clone());
        }
    }
    let mut out = serde_json::Map::new();
    if !meta.is_empty() {
        out.insert("metadata".into(), Value::Object(meta));
    }
    if let Some(spec) = obj.get("spec") {
        out.insert("spec".into(), spec.clone());
    }
    Value::Object(out)
}

/// What a guard watches after the change, and how it undoes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GuardTarget {
    /// A rolling update of a Deployment; undone by rolling back to
    /// `rollback_to` (the revision that was current before).
    Rollout {
        namespace: String,
        deployment: String,
        rollback_to: i64,
    },
    /// A blue-green switch; undone by switching back to `from`.
    Switch {
        namespace: String,
        service: String,
        slot_key: String,
        from: String,
        to: String,
        /// The Deployment now serving (`to`'s).
        deployment: String,
    },
}

/// Everything one operator action changes, confirmed and applied as one.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// One line for the confirm panel's title.
    pub title: String,
    pub changes: Vec<Change>,
    /// Shown above the preview (an HPA owns the replicas, ...).
    pub warnings: Vec<String>,
    /// When set, the operator must type this word to confirm (a forced
    /// switch to a slot that is not fully available).
    pub confirm_word: Option<String>,
    /// Journaled with every entry (why kockpit did it by itself).
    pub note: Option<String>,
    /// What a guarded rollout would watch once this is applied.
    pub guard: Option<GuardTarget>,
}

impl Plan {
    pub fn single(title: impl Into<String>, change: Change) -> Self {
        Plan {
            title: title.into(),
            changes: vec![change],
            warnings: Vec::new(),
            confirm_word: None,
            note: None,
            guard: None,
        }
    }
}

/// One section of the preview: an object and its diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewSection {
    /// `Deployment shop/api · set image`.
    pub title: String,
    pub lines: Vec<DiffLine>,
}

/// A plan that passed read-only and permission checks, with its preview:
/// what the confirm panel shows. Applying it is the gate's next step.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    pub plan: Plan,
    pub preview: Vec<PreviewSection>,
}

impl Prepared {
    pub fn new(plan: Plan) -> Self {
        let preview = plan
            .changes
            .iter()
            .map(|c| PreviewSection {
                title: format!(
                    "{} {}/{} · {}",
                    c.target.kind, c.target.namespace, c.target.name, c.action
                ),
                lines: c.preview(),
            })
            .collect();
        Prepared { plan, preview }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preconditions_per_patch_type() {
        let j = PatchBody::Json(json!([{"op": "replace", "path": "/spec/replicas", "value": 3}]));
        assert_eq!(
            j.with_precondition("42").value(),
            &json!([
                {"op": "replace", "path": "/metadata/resourceVersion", "value": "42"},
                {"op": "replace", "path": "/spec/replicas", "value": 3}
            ])
        );
        let m = PatchBody::Strategic(json!({"spec": {"paused": true}}));
        assert_eq!(
            m.with_precondition("7").value(),
            &json!({"metadata": {"resourceVersion": "7"}, "spec": {"paused": true}})
        );
        let m = PatchBody::Merge(json!({"metadata": {"annotations": {"a": "b"}}}));
        assert_eq!(
            m.with_precondition("7").value(),
            &json!({"metadata": {"annotations": {"a": "b"}, "resourceVersion": "7"}})
        );
    }

    #[test]
    fn each_operation_names_its_permission_and_precondition() {
        let d = Operation::Delete(Removal::default());
        assert_eq!(d.permission(), ("delete", ""));
        assert_eq!(d.with_precondition("7"), d);
        assert_eq!(d.value(), &Value::Null);
        assert!(d.preconditioned() && !d.is_patch());
        let e = Operation::Evict(Removal::default());
        assert_eq!(e.permission(), ("create", "eviction"));
        let c = Operation::Create(json!({"kind": "ConfigMap"}));
        assert_eq!(c.permission(), ("create", ""));
        assert!(!c.preconditioned());
        assert_eq!(
            Operation::Merge(json!({})).content_type(),
            Some("application/merge-patch+json")
        );
        assert_eq!(c.content_type(), None);
    }

    #[test]
    fn object_refs_name_their_api() {
        let d = ObjectRef::deployment("shop", "api");
        assert_eq!(
            (d.api_version(), d.label()),
            ("apps/v1".into(), "Deployment/api".into())
        );
        let p = ObjectRef::pod("shop", "api-1");
        assert_eq!(
            (p.api_version(), p.describe()),
            ("v1".into(), "pod shop/api-1".into())
        );
        assert_eq!(p.plural, "pods");
    }

    #[test]
    fn preview_leaves_out_status_and_bookkeeping() {
        let before = json!({"metadata": {"name": "api", "resourceVersion": "1",
            "labels": {"app": "api"}}, "spec": {"replicas": 2}, "status": {"replicas": 2}});
        let mut after = before.clone();
        after["spec"]["replicas"] = json!(5);
        after["status"]["replicas"] = json!(9);
        after["metadata"]["resourceVersion"] = json!("2");
        let c = Change {
            action: "scale".into(),
            target: Target::deployment("shop", "api"),
            patch: PatchBody::Merge(json!({"spec": {"replicas": 5}})),
            before,
            after,
            summary_before: "replicas 2".into(),
            summary_after: "replicas 5".into(),
        };
        assert_eq!(c.resource_version(), Some("1"));
        let text: Vec<String> = c
            .preview()
            .iter()
            .map(|l| format!("{}{}", l.marker(), l.text))
            .collect();
        assert_eq!(
            text,
            [
                "@@ -2,4 +2,4 @@",
                "   labels:",
                "     app: api",
                " spec:",
                "-  replicas: 2",
                "+  replicas: 5"
            ]
        );
        let p = Prepared::new(Plan::single("scale", c));
        assert_eq!(p.preview[0].title, "Deployment shop/api · scale");
        assert_eq!(
            Target::service("shop", "frontend").label(),
            "Service/frontend"
        );
    }
}
