//! A change as the gate handles it: which object, the patch, the object as
//! read and as expected afterwards (for the preview), and the summaries the
//! journal keeps. Plans are built without I/O from objects already fetched,
//! so every action's patch is unit-tested.

use serde_json::{json, Value};

use crate::model::change::{diff_values, DiffLine};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Deployment,
    Service,
}

impl ObjectKind {
    pub fn kind(self) -> &'static str {
        match self {
            ObjectKind::Deployment => "Deployment",
            ObjectKind::Service => "Service",
        }
    }

    /// API group, as a SelfSubjectAccessReview names it.
    pub fn group(self) -> &'static str {
        match self {
            ObjectKind::Deployment => "apps",
            ObjectKind::Service => "",
        }
    }

    pub fn resource(self) -> &'static str {
        match self {
            ObjectKind::Deployment => "deployments",
            ObjectKind::Service => "services",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    pub kind: ObjectKind,
    pub namespace: String,
    pub name: String,
}

impl Target {
    pub fn deployment(namespace: &str, name: &str) -> Self {
        Target {
            kind: ObjectKind::Deployment,
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    pub fn service(namespace: &str, name: &str) -> Self {
        Target {
            kind: ObjectKind::Service,
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// `Deployment/api`, as the journal names objects.
    pub fn label(&self) -> String {
        format!("{}/{}", self.kind.kind(), self.name)
    }

    /// `deployment shop/api`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} {}/{}",
            self.kind.kind().to_ascii_lowercase(),
            self.namespace,
            self.name
        )
    }
}

/// The body of a PATCH, by content type.
#[derive(Clone, Debug, PartialEq)]
pub enum PatchBody {
    /// `application/json-patch+json`: an array of operations.
    Json(Value),
    /// `application/merge-patch+json`.
    Merge(Value),
    /// `application/strategic-merge-patch+json`.
    Strategic(Value),
}

impl PatchBody {
    /// The same patch, refused by the server with 409 Conflict if the
    /// object's resourceVersion is no longer `rv`. A JSON patch gets a
    /// `replace` of /metadata/resourceVersion (a `test` op would fail with
    /// 422, which a real API server does not tell apart from bad input);
    /// merge patches carry the resourceVersion in their metadata.
    pub fn with_precondition(&self, rv: &str) -> PatchBody {
        match self {
            PatchBody::Json(ops) => {
                let mut all = vec![json!({
                    "op": "replace", "path": "/metadata/resourceVersion", "value": rv
                })];
                all.extend(ops.as_array().cloned().unwrap_or_default());
                PatchBody::Json(Value::Array(all))
            }
            PatchBody::Merge(v) => PatchBody::Merge(with_rv(v, rv)),
            PatchBody::Strategic(v) => PatchBody::Strategic(with_rv(v, rv)),
        }
    }

    pub fn content_type(&self) -> &'static str {
        match self {
            PatchBody::Json(_) => "application/json-patch+json",
            PatchBody::Merge(_) => "application/merge-patch+json",
            PatchBody::Strategic(_) => "application/strategic-merge-patch+json",
        }
    }

    pub fn value(&self) -> &Value {
        match self {
            PatchBody::Json(v) | PatchBody::Merge(v) | PatchBody::Strategic(v) => v,
        }
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
    pub target: Target,
    pub patch: PatchBody,
    /// The object as read, as JSON.
    pub before: Value,
    /// The object as expected after the patch (for the preview).
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
                    c.target.kind.kind(),
                    c.target.namespace,
                    c.target.name,
                    c.action
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
