//! The one gate every change passes: read-only mode → permission
//! (SelfSubjectAccessReview, cached briefly) → preview → (the operator
//! confirms) → `dryRun=All` of every step → apply with a resourceVersion
//! precondition → result. Every attempt, refused ones included, is
//! journaled. A plan of several objects is dry-run whole before any of it
//! is applied, and a later step's failure undoes the earlier ones.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::Service;
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::{json, Value};

use super::errors::OpError;
use super::fetch::{timed, Fetch};
use super::identity::Identity;
use super::journal::{Entry, Journal, Outcome};
use super::plan::{reviewable, Change, ObjectKind, PatchBody, Plan, Prepared, Target};
use crate::model::sanitize::clean;

/// How long a permission answer is trusted: long enough that drawing a
/// panel does not hammer the API server, short enough that a RoleBinding
/// just granted shows up within half a minute.
pub const PERMISSION_TTL: Duration = Duration::from_secs(30);

/// Sends of one change, counting re-sends after bookkeeping-only 409s.
const CONFLICT_ATTEMPTS: usize = 4;

/// The field manager the server records for kockpit's changes.
pub const FIELD_MANAGER: &str = "kockpit";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Permission {
    Allowed,
    /// Shown disabled, with this reason.
    Denied(String),
    /// The check itself failed (not served, timed out): the action stays
    /// enabled and the server's own answer decides.
    Unknown(String),
}

impl Permission {
    pub fn allows(&self) -> bool {
        !matches!(self, Permission::Denied(_))
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Permission::Allowed => None,
            Permission::Denied(r) | Permission::Unknown(r) => Some(r),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct PermKey {
    verb: String,
    group: String,
    resource: String,
    subresource: String,
    namespace: String,
}

/// What a successful apply returns.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// Each object as the server returned it after its patch.
    pub objects: Vec<Value>,
    /// One line for the footer.
    pub message: String,
    /// Problems that did not stop the change (the journal could not be written).
    pub warnings: Vec<String>,
}

pub struct Gate {
    fetch: Fetch,
    readonly: bool,
    identity: Identity,
    journal: Option<Arc<Journal>>,
    journal_problem: Mutex<Option<String>>,
    permissions: Mutex<HashMap<PermKey, (Instant, Permission)>>,
    ttl: Duration,
}

impl Gate {
    /// `journal` None means journaling is impossible here (no state dir):
    /// changes still go through and every result says so.
    pub fn new(
        client: Client,
        identity: Identity,
        readonly: bool,
        journal: Option<Arc<Journal>>,
    ) -> Self {
        let problem = journal
            .is_none()
            .then(|| "the journal is not available: changes are not recorded".to_string());
        Gate {
            fetch: Fetch::new(client),
            readonly,
            identity,
            journal,
            journal_problem: Mutex::new(problem),
            permissions: Mutex::new(HashMap::new()),
            ttl: PERMISSION_TTL,
        }
    }

    /// Per-request deadline (default 15 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.fetch.timeout = timeout;
        self
    }

    pub fn with_permission_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    pub fn client(&self) -> &Client {
        &self.fetch.client
    }

    pub fn fetch(&self) -> &Fetch {
        &self.fetch
    }

    pub fn readonly(&self) -> bool {
        self.readonly
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Why the journal could not be written, if it could not.
    pub fn journal_problem(&self) -> Option<String> {
        self.journal_problem.lock().ok().and_then(|p| p.clone())
    }

    /// Drops cached permission answers (after a context or RBAC change).
    pub fn forget_permissions(&self) {
        if let Ok(mut m) = self.permissions.lock() {
            m.clear();
        }
    }

    /// May we `verb` `resource` (in `group`) in `ns`? Read-only mode says no
    /// to everything but reading.
    pub async fn can(&self, verb: &str, group: &str, resource: &str, ns: &str) -> Permission {
        self.can_sub(verb, group, resource, "", ns).await
    }

    pub async fn can_sub(
        &self,
        verb: &str,
        group: &str,
        resource: &str,
        subresource: &str,
        ns: &str,
    ) -> Permission {
        let reading = matches!(verb, "get" | "list" | "watch");
        if self.readonly && !reading {
            return Permission::Denied("read-only mode (--readonly)".into());
        }
        let key = PermKey {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: subresource.into(),
            namespace: ns.into(),
        };
        if let Some(p) = self.cached(&key) {
            return p;
        }
        let answer = self.review(&key).await;
        if !matches!(answer, Permission::Unknown(_)) {
            if let Ok(mut m) = self.permissions.lock() {
                m.insert(key, (Instant::now(), answer.clone()));
            }
        }
        answer
    }

    fn cached(&self, key: &PermKey) -> Option<Permission> {
        let m = self.permissions.lock().ok()?;
        let (at, p) = m.get(key)?;
        (at.elapsed() < self.ttl).then(|| p.clone())
    }

    async fn review(&self, key: &PermKey) -> Permission {
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(key.verb.clone()),
                    group: Some(key.group.clone()),
                    resource: Some(key.resource.clone()),
                    subresource: (!key.subresource.is_empty()).then(|| key.subresource.clone()),
                    namespace: (!key.namespace.is_empty()).then(|| key.namespace.clone()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let api: Api<SelfSubjectAccessReview> = Api::all(self.fetch.client.clone());
        let sent = timed(
            "permission check",
            self.fetch.timeout,
            api.create(&PostParams::default(), &review),
        )
        .await;
        let resource = match (key.group.as_str(), key.subresource.as_str()) {
            ("", "") => key.resource.clone(),
            ("", sub) => format!("{}/{sub}", key.resource),
            (g, "") => format!("{}.{g}", key.resource),
            (g, sub) => format!("{}.{g}/{sub}", key.resource),
        };
        match sent {
            Ok(r) => {
                let status = r.status.unwrap_or_default();
                if status.allowed {
                    return Permission::Allowed;
                }
                let mut why = format!(
                    "{} may not {} {resource} in namespace \"{}\"",
                    self.identity.who(),
                    key.verb,
                    key.namespace
                );
                let extra = status
                    .reason
                    .or(status.evaluation_error)
                    .filter(|r| !r.is_empty());
                if let Some(r) = extra {
                    why.push_str(&format!(" ({})", clean(&r)));
                }
                Permission::Denied(why)
            }
            Err(OpError::NotFound(_)) => Permission::Unknown(
                "this cluster does not answer permission checks; the server will decide".into(),
            ),
            Err(e) => Permission::Unknown(format!("permission not checked: {e}")),
        }
    }

    /// Read-only and permission checks, then the preview. Refusals are
    /// journaled here; the operator's confirmation comes next.
    pub async fn prepare(&self, plan: Plan) -> Result<Prepared, OpError> {
        if plan.changes.is_empty() {
            return Err(OpError::refused("nothing to change"));
        }
        if self.readonly {
            for c in &plan.changes {
                self.record(
                    c,
                    Outcome::Refused,
                    &OpError::ReadOnly.to_string(),
                    plan.note.as_deref(),
                );
            }
            return Err(OpError::ReadOnly);
        }
        for c in &plan.changes {
            let t = &c.target;
            let p = self
                .can("patch", t.kind.group(), t.kind.resource(), &t.namespace)
                .await;
            if let Permission::Denied(why) = p {
                let err = OpError::Forbidden(why);
                self.record(c, Outcome::Refused, &err.to_string(), plan.note.as_deref());
                return Err(err);
            }
        }
        Ok(Prepared::new(plan))
    }

    /// Dry-runs every step, then applies them in order with resourceVersion
    /// preconditions. Call only after the operator confirmed `prepared`.
    pub async fn apply(&self, prepared: &Prepared) -> Result<Applied, OpError> {
        let plan = &prepared.plan;
        let note = plan.note.as_deref();
        if self.readonly {
            for c in &plan.changes {
                self.record(c, Outcome::Refused, &OpError::ReadOnly.to_string(), note);
            }
            return Err(OpError::ReadOnly);
        }
        for c in &plan.changes {
            if let Err(e) = self.send(c, true).await {
                self.record(c, Outcome::DryRun, &e.to_string(), note);
                return Err(e);
            }
        }
        let mut done: Vec<(&Change, Value)> = Vec::new();
        for c in &plan.changes {
            match self.send(c, false).await {
                Ok(obj) => {
                    self.record(c, Outcome::Applied, "ok", note);
                    done.push((c, obj));
                }
                Err(e) => {
                    self.record(c, Outcome::Applied, &e.to_string(), note);
                    if done.is_empty() {
                        return Err(e);
                    }
                    let undone = self.undo(&done, &e).await;
                    return Err(with_suffix(e, &undone));
                }
            }
        }
        let mut warnings = Vec::new();
        if let Some(p) = self.journal_problem() {
            warnings.push(p);
        }
        let targets: Vec<String> = plan.changes.iter().map(|c| c.target.describe()).collect();
        Ok(Applied {
            objects: done.into_iter().map(|(_, v)| v).collect(),
            message: format!("{}: applied to {}", plan.title, targets.join(", ")),
            warnings,
        })
    }

    /// Puts back, newest first, the objects changed before a later step
    /// failed; says how that went.
    async fn undo(&self, done: &[(&Change, Value)], cause: &OpError) -> String {
        let mut failed = Vec::new();
        for (c, applied) in done.iter().rev() {
            let Some(revert) = revert_change(c, applied) else {
                continue;
            };
            let note = format!("undoing an earlier step after: {cause}");
            match self.send(&revert, false).await {
                Ok(_) => self.record(&revert, Outcome::Applied, "ok", Some(&note)),
                Err(e) => {
                    self.record(&revert, Outcome::Applied, &e.to_string(), Some(&note));
                    failed.push(format!("{}: {e}", c.target.describe()));
                }
            }
        }
        if failed.is_empty() {
            "the earlier steps were undone; nothing is half-applied".into()
        } else {
            format!(
                "undoing the earlier steps failed — check {}",
                failed.join("; ")
            )
        }
    }

    /// One PATCH (dry run or real) with the resourceVersion precondition.
    /// A 409 caused only by the server's own bookkeeping (a controller
    /// writing status, or its revision annotations) is not a conflict with
    /// what the operator reviewed: the object is re-read, and if its labels,
    /// annotations and spec are still what the preview showed, the same
    /// patch is sent again on the new resourceVersion. Anything else that
    /// changed is a real conflict, reported with the paths that moved.
    async fn send(&self, c: &Change, dry_run: bool) -> Result<Value, OpError> {
        let mut change = c.clone();
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.send_once(&change, dry_run).await {
                Err(OpError::Conflict(msg)) if attempt < CONFLICT_ATTEMPTS => {
                    let current = self.read_json(&c.target).await?;
                    let moved = changed_paths(&c.before, &current);
                    if !moved.is_empty() {
                        return Err(OpError::Conflict(format!(
                            "{msg}; changed since the preview: {}",
                            moved.join(", ")
                        )));
                    }
                    change = rebased(&change, &current);
                }
                other => return other,
            }
        }
    }

    async fn read_json(&self, t: &Target) -> Result<Value, OpError> {
        let v = match t.kind {
            ObjectKind::Deployment => {
                serde_json::to_value(self.fetch.deployment(&t.namespace, &t.name).await?)
            }
            ObjectKind::Service => {
                serde_json::to_value(self.fetch.service(&t.namespace, &t.name).await?)
            }
        };
        v.map_err(|e| OpError::Server(e.to_string()))
    }

    async fn send_once(&self, c: &Change, dry_run: bool) -> Result<Value, OpError> {
        let rv = c.resource_version().ok_or_else(|| {
            OpError::refused(format!("{} has no resourceVersion", c.target.describe()))
        })?;
        let body = c.patch.with_precondition(rv);
        let pp = PatchParams {
            dry_run,
            field_manager: Some(FIELD_MANAGER.into()),
            ..Default::default()
        };
        let what = c.target.describe();
        let t = &c.target;
        match t.kind {
            ObjectKind::Deployment => {
                let api: Api<Deployment> = Api::namespaced(self.fetch.client.clone(), &t.namespace);
                let patch = kube_patch(&body)?;
                let out = timed(&what, self.fetch.timeout, api.patch(&t.name, &pp, &patch)).await?;
                Ok(serde_json::to_value(out).unwrap_or(Value::Null))
            }
            ObjectKind::Service => {
                let api: Api<Service> = Api::namespaced(self.fetch.client.clone(), &t.namespace);
                let patch = kube_patch(&body)?;
                let out = timed(&what, self.fetch.timeout, api.patch(&t.name, &pp, &patch)).await?;
                Ok(serde_json::to_value(out).unwrap_or(Value::Null))
            }
        }
    }

    /// Journals a refusal that happened while planning (bad input, a
    /// kubectl rule), before any plan existed.
    pub fn record_refusal(&self, action: &str, target: &Target, err: &OpError) {
        self.write(Entry {
            time: chrono::Utc::now(),
            user: self.identity.who(),
            context: self.identity.context.clone(),
            namespace: target.namespace.clone(),
            object: target.label(),
            action: action.into(),
            before: String::new(),
            after: String::new(),
            outcome: Outcome::Refused,
            result: err.to_string(),
            note: None,
        });
    }

    /// Journals a plan that turned out to have nothing to do.
    pub fn record_skip(&self, action: &str, target: &Target, message: &str) {
        self.write(Entry {
            time: chrono::Utc::now(),
            user: self.identity.who(),
            context: self.identity.context.clone(),
            namespace: target.namespace.clone(),
            object: target.label(),
            action: action.into(),
            before: String::new(),
            after: String::new(),
            outcome: Outcome::Skipped,
            result: message.into(),
            note: None,
        });
    }

    /// Journals the operator's "no" at the confirm step.
    pub fn record_cancelled(&self, prepared: &Prepared) {
        for c in &prepared.plan.changes {
            self.record(
                c,
                Outcome::Cancelled,
                "cancelled by the operator",
                prepared.plan.note.as_deref(),
            );
        }
    }

    /// Journals something kockpit observed or decided by itself (a guard's
    /// verdict) about `target`.
    pub fn record_note(&self, action: &str, target: &Target, result: &str, note: &str) {
        self.write(Entry {
            time: chrono::Utc::now(),
            user: self.identity.who(),
            context: self.identity.context.clone(),
            namespace: target.namespace.clone(),
            object: target.label(),
            action: action.into(),
            before: String::new(),
            after: String::new(),
            outcome: Outcome::Skipped,
            result: result.into(),
            note: Some(note.into()),
        });
    }

    fn record(&self, c: &Change, outcome: Outcome, result: &str, note: Option<&str>) {
        self.write(Entry {
            time: chrono::Utc::now(),
            user: self.identity.who(),
            context: self.identity.context.clone(),
            namespace: c.target.namespace.clone(),
            object: c.target.label(),
            action: c.action.clone(),
            before: c.summary_before.clone(),
            after: c.summary_after.clone(),
            outcome,
            result: result.into(),
            note: note.map(str::to_string),
        });
    }

    fn write(&self, entry: Entry) {
        let Some(j) = &self.journal else { return };
        if let Err(e) = j.append(&entry) {
            tracing::warn!(error = %e, "journal write failed");
            if let Ok(mut p) = self.journal_problem.lock() {
                *p = Some(e);
            }
        }
    }
}

fn with_suffix(e: OpError, suffix: &str) -> OpError {
    let add = |s: String| format!("{s}; {suffix}");
    match e {
        OpError::Forbidden(s) => OpError::Forbidden(add(s)),
        OpError::NotFound(s) => OpError::NotFound(add(s)),
        OpError::Conflict(s) => OpError::Conflict(add(s)),
        OpError::Invalid(s) => OpError::Invalid(add(s)),
        OpError::Timeout(s) => OpError::Timeout(add(s)),
        OpError::Refused(s) => OpError::Refused(add(s)),
        OpError::Server(s) => OpError::Server(add(s)),
        OpError::ReadOnly => OpError::ReadOnly,
    }
}

fn kube_patch(body: &PatchBody) -> Result<Patch<Value>, OpError> {
    Ok(match body {
        PatchBody::Json(ops) => {
            let ops: json_patch::Patch = serde_json::from_value(ops.clone())
                .map_err(|e| OpError::refused(format!("internal: bad JSON patch: {e}")))?;
            Patch::Json(ops)
        }
        PatchBody::Merge(v) => Patch::Merge(v.clone()),
        PatchBody::Strategic(v) => Patch::Strategic(v.clone()),
    })
}

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
fn rebased(c: &Change, current: &Value) -> Change {
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

/// The change that puts `applied` back to `c.before` (labels, annotations
/// and spec), preconditioned on `applied`'s resourceVersion; None when there
/// is nothing to put back.
pub fn revert_change(c: &Change, applied: &Value) -> Option<Change> {
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
        return None;
    }
    let mut before = applied.clone();
    if before.get("metadata").is_none() {
        before["metadata"] = json!({});
    }
    Some(Change {
        action: format!("undo {}", c.action),
        target: c.target.clone(),
        patch: PatchBody::Json(serde_json::to_value(ops).unwrap_or(Value::Null)),
        before,
        after: c.before.clone(),
        summary_before: c.summary_after.clone(),
        summary_after: c.summary_before.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let r = revert_change(&c, &applied).unwrap();
        assert_eq!(r.resource_version(), Some("5"));
        assert_eq!(r.action, "undo scale");
        let mut doc = applied.clone();
        let ops: json_patch::Patch = serde_json::from_value(r.patch.value().clone()).unwrap();
        json_patch::patch(&mut doc, &ops).unwrap();
        assert_eq!(doc["spec"], before["spec"]);
        assert!(doc["metadata"].get("annotations").is_none());
        assert_eq!(doc["metadata"]["name"], "a");
        assert!(revert_change(&c, &before).is_none());
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

    #[test]
    fn permission_reasons() {
        assert!(Permission::Unknown("x".into()).allows());
        assert!(!Permission::Denied("no".into()).allows());
        assert_eq!(Permission::Denied("no".into()).reason(), Some("no"));
        assert_eq!(Permission::Allowed.reason(), None);
    }
}
