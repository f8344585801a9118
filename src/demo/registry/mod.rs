//! Per-kind write semantics on top of the generic store, following the API
//! server's registry strategies: metadata the server owns, status versus main
//! resource, generation, graceful deletion, namespaces that must exist.

pub mod defaults;
pub mod fields;
pub mod hpa;
pub mod network;
pub mod scale;
pub mod validate;

use std::sync::Arc;

use serde_json::{json, Value};

use super::clock::{format_time, Clock};
use super::error::ApiError;
use super::ids;
use super::meta;
use super::patch::{self, PatchType};
use super::resources::{ResourceDef, DEPLOYMENTS, NAMESPACES, PODS, REPLICASETS};
use super::store::{Store, Write};

/// Which half of an object a write may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Main,
    Status,
}

#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    pub dry_run: bool,
    /// `fieldValidation` of a client request (controllers skip the check).
    pub validation: fields::FieldValidation,
    pub warnings: fields::Warnings,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Propagation {
    #[default]
    Background,
    Foreground,
    Orphan,
}

#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub grace_period: Option<i64>,
    pub propagation: Propagation,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    pub dry_run: bool,
}

/// Outcome of a delete: gone now, or marked and waiting (grace period,
/// finalizers, namespace content).
pub enum Deleted {
    Gone(Arc<Value>),
    Pending(Arc<Value>),
}

pub struct Registry {
    pub store: Arc<Store>,
    pub clock: Arc<Clock>,
}

fn check_type(res: &ResourceDef, obj: &Value) -> Result<(), ApiError> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(format!(
            "the body of the request must be a {} object",
            res.kind
        )));
    }
    let kind = meta::str_at(obj, &["kind"]).unwrap_or("");
    let api_version = meta::str_at(obj, &["apiVersion"]).unwrap_or("");
    if (!kind.is_empty() && kind != res.kind)
        || (!api_version.is_empty() && api_version != res.api_version())
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            res.api_version()
        ))
        .with_kind_hint(kind, res));
    }
    Ok(())
}

trait KindHint {
    fn with_kind_hint(self, kind: &str, res: &ResourceDef) -> Self;
}

impl KindHint for ApiError {
    fn with_kind_hint(mut self, kind: &str, res: &ResourceDef) -> Self {
        if !kind.is_empty() && kind != res.kind {
            self.message = format!(
                "the kind in the data ({kind}) does not match the expected kind ({})",
                res.kind
            );
        }
        self
    }
}

/// Server-owned metadata carried over from the stored object on every update.
const SERVER_METADATA: &[&str] = &[
    "uid",
    "creationTimestamp",
    "generation",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "namespace",
    "name",
];

/// QoS class from container resources (simplified: equal requests and
/// limits everywhere is Guaranteed).
fn qos_class(spec: Option<&Value>) -> &'static str {
    let containers = meta::containers(spec);
    let mut any = false;
    let mut guaranteed = !containers.is_empty();
    for c in containers {
        let requests = meta::at(c, &["resources", "requests"])
            .filter(|v| v.as_object().is_some_and(|m| !m.is_empty()));
        let limits = meta::at(c, &["resources", "limits"])
            .filter(|v| v.as_object().is_some_and(|m| !m.is_empty()));
        any |= requests.is_some() || limits.is_some();
        let has_both = limits.is_some_and(|l| l.get("cpu").is_some() && l.get("memory").is_some());
        guaranteed &= has_both && requests.is_none_or(|r| Some(r) == limits);
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

/// Drops null fields, as decoding into typed Go structs and encoding again
/// does for the API server (e.g. `creationTimestamp: null` in a template sent
/// by `kubectl rollout undo`); otherwise equal templates would compare unequal.
fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

fn same_ignoring_version(a: &Value, b: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        meta::remove(&mut v, &["metadata", "resourceVersion"]);
        v
    };
    strip(a) == strip(b)
}

impl Registry {
    pub fn new(store: Arc<Store>, clock: Arc<Clock>) -> Self {
        Registry { store, clock }
    }

    pub fn get(
        &self,
        res: &'static ResourceDef,
        ns: &str,
        name: &str,
    ) -> Result<Arc<Value>, ApiError> {
        self.store
            .get(res, ns, name)
            .ok_or_else(|| ApiError::not_found(res, name))
    }

    fn check_namespace(&self, res: &ResourceDef, ns: &str, name: &str) -> Result<(), ApiError> {
        if !res.namespaced {
            return Ok(());
        }
        let nsobj = self
            .store
            .get(&NAMESPACES, "", ns)
            .ok_or_else(|| ApiError::not_found(&NAMESPACES, ns))?;
        if meta::is_deleting(&nsobj) {
            return Err(ApiError::forbidden(format!(
                "{} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                res.group_resource()
            )));
        }
        Ok(())
    }

    /// POST: `ns` is the namespace from the URL ("" for cluster-scoped kinds).
    pub fn create(
        &self,
        res: &'static ResourceDef,
        ns: &str,
        mut obj: Value,
        opts: &WriteOptions,
    ) -> Result<Arc<Value>, ApiError> {
        check_type(res, &obj)?;
        drop_nulls(&mut obj);
        if res.namespaced {
            let body_ns = meta::namespace(&obj);
            if !body_ns.is_empty() && body_ns != ns {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            meta::set(&mut obj, &["metadata", "namespace"], json!(ns));
        } else {
            meta::remove(&mut obj, &["metadata", "namespace"]);
        }
        let generate = meta::str_at(&obj, &["metadata", "generateName"])
            .unwrap_or("")
            .to_string();
        let explicit = meta::name(&obj).to_string();
        if explicit.is_empty() && generate.is_empty() {
            return Err(ApiError::invalid(
                res,
                "",
                vec![crate::demo::error::FieldCause {
                    reason: "FieldValueRequired",
                    field: "metadata.name".into(),
                    message: "Required value: name or generateName is required".into(),
                }],
            ));
        }
        self.check_namespace(
            res,
            ns,
            if explicit.is_empty() {
                &generate
            } else {
                &explicit
            },
        )?;

        meta::set(&mut obj, &["kind"], json!(res.kind));
        meta::set(&mut obj, &["apiVersion"], json!(res.api_version()));
        fields::check(res, &mut obj, opts.validation, &opts.warnings, false)?;
        for field in [
            "resourceVersion",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "selfLink",
        ] {
            meta::remove(&mut obj, &["metadata", field]);
        }
        meta::set(&mut obj, &["metadata", "uid"], json!(ids::uid()));
        meta::set(
            &mut obj,
            &["metadata", "creationTimestamp"],
            json!(self.clock.now_string()),
        );
        if res.tracks_generation {
            meta::set(&mut obj, &["metadata", "generation"], json!(1));
        } else {
            meta::remove(&mut obj, &["metadata", "generation"]);
        }
        match res.plural {
            "deployments" | "replicasets" | "statefulsets" => {
                meta::set(&mut obj, &["status"], json!({}))
            }
            "pods" => {
                let qos = qos_class(meta::at(&obj, &["spec"]));
                meta::set(
                    &mut obj,
                    &["status"],
                    json!({"phase": "Pending", "qosClass": qos}),
                )
            }
            "namespaces" => meta::set(&mut obj, &["status"], json!({"phase": "Active"})),
            "horizontalpodautoscalers" => {
                meta::set(&mut obj, &["status"], json!({"desiredReplicas": 0}))
            }
            _ => {}
        }
        // Apply defaults before validating: a missing field with a default is fine.
        let probe_name = if explicit.is_empty() {
            format!("{generate}x")
        } else {
            explicit.clone()
        };
        meta::set(&mut obj, &["metadata", "name"], json!(probe_name));
        defaults::apply(res, &mut obj);
        if res == &PODS {
            defaults::service_account_volume(&mut obj);
        }
        network::prepare_create(self, res, &mut obj)?;
        validate::object(res, &obj)?;

        if !explicit.is_empty() {
            meta::set(&mut obj, &["metadata", "name"], json!(explicit));
            return self.store.create(res, obj, opts.dry_run);
        }
        // generateName collisions are retried, as the odds are tiny.
        let mut last = None;
        for _ in 0..8 {
            let mut candidate = obj.clone();
            meta::set(
                &mut candidate,
                &["metadata", "name"],
                json!(format!("{generate}{}", ids::suffix(5))),
            );
            match self.store.create(res, candidate, opts.dry_run) {
                Err(e) if e.reason == "AlreadyExists" => last = Some(e),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| ApiError::internal("could not generate a unique name")))
    }

    /// The object an update would store, or an error; runs under the store lock.
    fn prepare_update(
        &self,
        res: &'static ResourceDef,
        current: &Value,
        mut new: Value,
        part: Part,
        (opts, patching): (&WriteOptions, bool),
    ) -> Result<Write, ApiError> {
        check_type(res, &new)?;
        drop_nulls(&mut new);
        let name = meta::name(current).to_string();
        let body_name = meta::name(&new);
        if !body_name.is_empty() && body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        let body_ns = meta::namespace(&new);
        if res.namespaced && !body_ns.is_empty() && body_ns != meta::namespace(current) {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        let want_rv = meta::resource_version(&new);
        if !want_rv.is_empty() && want_rv != meta::resource_version(current) {
            return Err(ApiError::stale(res, &name));
        }
        let want_uid = meta::uid(&new);
        if !want_uid.is_empty() && want_uid != meta::uid(current) {
            return Err(ApiError::conflict(
                res,
                &name,
                &format!(
                    "Precondition failed: UID in precondition: {want_uid}, UID in object meta: {}",
                    meta::uid(current)
                ),
            ));
        }
        let mut result = match part {
            Part::Main => {
                for field in SERVER_METADATA {
                    match meta::at(current, &["metadata", field]) {
                        Some(v) => meta::set(&mut new, &["metadata", field], v.clone()),
                        None => {
                            meta::remove(&mut new, &["metadata", field]);
                        }
                    }
                }
                match current.get("status") {
                    Some(s) => meta::set(&mut new, &["status"], s.clone()),
                    None => {
                        meta::remove(&mut new, &["status"]);
                    }
                }
                new
            }
            Part::Status => {
                let mut r = current.clone();
                match new.get("status") {
                    Some(s) => meta::set(&mut r, &["status"], s.clone()),
                    None => {
                        meta::remove(&mut r, &["status"]);
                    }
                }
                r
            }
        };
        meta::set(&mut result, &["kind"], json!(res.kind));
        meta::set(&mut result, &["apiVersion"], json!(res.api_version()));
        meta::remove(&mut result, &["metadata", "selfLink"]);
        fields::check(res, &mut result, opts.validation, &opts.warnings, patching)?;
        defaults::apply(res, &mut result);
        network::prepare_update(res, current, &mut result)?;
        validate::update(res, current, &result)?;
        Ok(self.finish_update(res, current, result))
    }

    /// Generation bump, no-op detection and finalizer-driven removal.
    fn finish_update(&self, res: &ResourceDef, current: &Value, mut result: Value) -> Write {
        if res.tracks_generation {
            let spec_changed = network::generation_fields(res, current)
                != network::generation_fields(res, &result);
            // Deployment annotations are copied to ReplicaSets, so upstream
            // counts them as a new generation too.
            let annotations_changed = res == &DEPLOYMENTS
                && meta::at(current, &["metadata", "annotations"])
                    != meta::at(&result, &["metadata", "annotations"]);
            if spec_changed || annotations_changed {
                let gen = meta::i64_at(current, &["metadata", "generation"]).unwrap_or(1);
                meta::set(&mut result, &["metadata", "generation"], json!(gen + 1));
            }
        }
        if same_ignoring_version(current, &result) {
            return Write::Unchanged;
        }
        let finalizers_left = meta::at(&result, &["metadata", "finalizers"])
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty());
        let grace = meta::i64_at(&result, &["metadata", "deletionGracePeriodSeconds"]).unwrap_or(0);
        if meta::is_deleting(&result) && !finalizers_left && grace == 0 {
            return Write::Remove;
        }
        Write::Replace(result)
    }

    /// PUT.
    pub fn update(
        &self,
        res: &'static ResourceDef,
        ns: &str,
        name: &str,
        obj: Value,
        part: Part,
        opts: &WriteOptions,
    ) -> Result<Arc<Value>, ApiError> {
        self.store.update(res, ns, name, opts.dry_run, |current| {
            self.prepare_update(res, current, obj, part, (opts, false))
        })
    }

    /// PATCH (server-side apply creates the object when it does not exist).
    pub fn patch(
        &self,
        res: &'static ResourceDef,
        ns: &str,
        name: &str,
        (patch_type, body): (PatchType, &[u8]),
        part: Part,
        opts: &WriteOptions,
    ) -> Result<Arc<Value>, ApiError> {
        let patch_doc = patch::parse_body(body)?;
        let result = self.store.update(res, ns, name, opts.dry_run, |current| {
            let patched = patch::apply(patch_type, current, &patch_doc)?;
            self.prepare_update(res, current, patched, part, (opts, true))
        });
        match result {
            Err(e) if e.code == 404 && patch_type == PatchType::Apply && part == Part::Main => {
                let mut obj = patch_doc;
                meta::set(&mut obj, &["metadata", "name"], json!(name));
                self.create(res, ns, obj, opts)
            }
            other => other,
        }
    }

    /// Controllers' writes: a mutation applied under the lock, written only if
    /// it changed something. As through the status endpoint, a `Part::Status`
    /// write never bumps the generation.
    pub fn mutate<F>(
        &self,
        res: &'static ResourceDef,
        ns: &str,
        name: &str,
        part: Part,
        f: F,
    ) -> Result<Arc<Value>, ApiError>
    where
        F: FnOnce(&mut Value),
    {
        self.store.update(res, ns, name, false, |current| {
            let mut next = (**current).clone();
            f(&mut next);
            if part == Part::Status {
                if let Some(g) = meta::at(current, &["metadata", "generation"]) {
                    meta::set(&mut next, &["metadata", "generation"], g.clone());
                }
                let unchanged = same_ignoring_version(current, &next);
                return Ok(if unchanged {
                    Write::Unchanged
                } else {
                    Write::Replace(next)
                });
            }
            Ok(self.finish_update(res, current, next))
        })
    }

    /// Creation by a controller (no request options).
    pub fn create_internal(
        &self,
        res: &'static ResourceDef,
        obj: Value,
    ) -> Result<Arc<Value>, ApiError> {
        let ns = meta::namespace(&obj).to_string();
        self.create(res, &ns, obj, &WriteOptions::default())
    }

    pub fn delete(
        &self,
        res: &'static ResourceDef,
        ns: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<Deleted, ApiError> {
        let now = self.clock.now();
        let mut pending = true;
        let obj = self.store.update(res, ns, name, opts.dry_run, |current| {
            if let Some(uid) = &opts.uid {
                if uid != meta::uid(current) {
                    return Err(ApiError::conflict(
                        res,
                        name,
                        &format!(
                            "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                            meta::uid(current)
                        ),
                    ));
                }
            }
            if let Some(rv) = &opts.resource_version {
                if rv != meta::resource_version(current) {
                    return Err(ApiError::conflict(
                        res,
                        name,
                        &format!(
                            "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                            meta::resource_version(current)
                        ),
                    ));
                }
            }
            let has_finalizers = meta::at(current, &["metadata", "finalizers"])
                .and_then(Value::as_array)
                .is_some_and(|f| !f.is_empty());
            let mut next = (**current).clone();
            if res == &PODS {
                let grace = opts
                    .grace_period
                    .or_else(|| meta::i64_at(current, &["spec", "terminationGracePeriodSeconds"]))
                    .unwrap_or(30)
                    .max(0);
                let scheduled = meta::str_at(current, &["spec", "nodeName"]).is_some_and(|n| !n.is_empty());
                let terminal = matches!(
                    meta::str_at(current, &["status", "phase"]),
                    Some("Succeeded") | Some("Failed")
                );
                // Only a pod a kubelet runs needs time to stop.
                let grace = if scheduled && !terminal { grace } else { 0 };
                let current_grace = meta::i64_at(current, &["metadata", "deletionGracePeriodSeconds"]);
                if meta::is_deleting(current) && current_grace.is_some_and(|g| g <= grace) {
                    return Ok(Write::Unchanged);
                }
                if grace == 0 && !has_finalizers {
                    pending = false;
                    return Ok(Write::Remove);
                }
                meta::set(&mut next, &["metadata", "deletionTimestamp"], json!(format_time(now + chrono::Duration::seconds(grace))));
                meta::set(&mut next, &["metadata", "deletionGracePeriodSeconds"], json!(grace));
                return Ok(Write::Replace(next));
            }
            if meta::is_deleting(current) {
                return Ok(Write::Unchanged);
            }
            if res == &NAMESPACES {
                meta::set(&mut next, &["metadata", "deletionTimestamp"], json!(format_time(now)));
                meta::set(&mut next, &["status", "phase"], json!("Terminating"));
                return Ok(Write::Replace(next));
            }
            if has_finalizers {
                meta::set(&mut next, &["metadata", "deletionTimestamp"], json!(format_time(now)));
                meta::set(&mut next, &["metadata", "deletionGracePeriodSeconds"], json!(0));
                return Ok(Write::Replace(next));
            }
            pending = false;
            Ok(Write::Remove)
        })?;
        if !pending && !opts.dry_run && opts.propagation == Propagation::Orphan {
            self.orphan_dependents(res, ns, meta::uid(&obj));
        }
        Ok(if pending {
            Deleted::Pending(obj)
        } else {
            Deleted::Gone(obj)
        })
    }

    /// `propagationPolicy=Orphan`: dependents lose their owner reference
    /// instead of being garbage collected.
    fn orphan_dependents(&self, res: &ResourceDef, ns: &str, owner_uid: &str) {
        let dependents: &[&'static ResourceDef] = match res.plural {
            "deployments" => &[&REPLICASETS],
            "replicasets" => &[&PODS],
            _ => &[],
        };
        for dep in dependents {
            let (items, _) = self.store.list(dep, Some(ns));
            for item in items
                .iter()
                .filter(|i| meta::controller_uid(i) == Some(owner_uid))
            {
                let _ = self.mutate(dep, ns, meta::name(item), Part::Main, |o| {
                    if let Some(refs) =
                        meta::at(o, &["metadata", "ownerReferences"]).and_then(Value::as_array)
                    {
                        let kept: Vec<Value> = refs
                            .iter()
                            .filter(|r| r.get("uid").and_then(Value::as_str) != Some(owner_uid))
                            .cloned()
                            .collect();
                        meta::set(o, &["metadata", "ownerReferences"], Value::Array(kept));
                    }
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::resources::DEPLOYMENTS;

    fn registry() -> Registry {
        let r = Registry::new(Arc::new(Store::new(1000)), Arc::new(Clock::new(1.0)));
        r.create(
            &NAMESPACES,
            "",
            json!({"metadata": {"name": "default"}}),
            &WriteOptions::default(),
        )
        .unwrap();
        r
    }

    fn deploy() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}})
    }

    #[test]
    fn create_fills_metadata_and_update_checks_versions() {
        let r = registry();
        let d = r
            .create(&DEPLOYMENTS, "default", deploy(), &WriteOptions::default())
            .unwrap();
        assert_eq!(d["metadata"]["generation"], 1);
        assert_eq!(d["metadata"]["namespace"], "default");
        assert!(!meta::uid(&d).is_empty());
        let mut stale = (*d).clone();
        stale["metadata"]["resourceVersion"] = json!("1");
        let err = r
            .update(
                &DEPLOYMENTS,
                "default",
                "web",
                stale,
                Part::Main,
                &WriteOptions::default(),
            )
            .unwrap_err();
        assert_eq!((err.code, err.reason), (409, "Conflict"));
        let mut scaled = (*d).clone();
        scaled["spec"]["replicas"] = json!(3);
        scaled["status"] = json!({"replicas": 99});
        let after = r
            .update(
                &DEPLOYMENTS,
                "default",
                "web",
                scaled,
                Part::Main,
                &WriteOptions::default(),
            )
            .unwrap();
        assert_eq!(after["metadata"]["generation"], 2);
        assert_eq!(
            after["status"],
            json!({}),
            "status is ignored on the main resource"
        );
    }

    #[test]
    fn namespace_must_exist_and_names_must_be_unique() {
        let r = registry();
        let err = r
            .create(&DEPLOYMENTS, "nope", deploy(), &WriteOptions::default())
            .unwrap_err();
        assert_eq!(err.message, "namespaces \"nope\" not found");
        r.create(&DEPLOYMENTS, "default", deploy(), &WriteOptions::default())
            .unwrap();
        let err = r
            .create(&DEPLOYMENTS, "default", deploy(), &WriteOptions::default())
            .unwrap_err();
        assert_eq!(err.message, "deployments.apps \"web\" already exists");
    }

    #[test]
    fn scheduled_pods_are_deleted_gracefully() {
        let r = registry();
        let pod = json!({"metadata": {"name": "p"}, "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i"}]}});
        r.create(&PODS, "default", pod, &WriteOptions::default())
            .unwrap();
        match r
            .delete(&PODS, "default", "p", &DeleteOptions::default())
            .unwrap()
        {
            Deleted::Pending(p) => assert_eq!(p["metadata"]["deletionGracePeriodSeconds"], 30),
            Deleted::Gone(_) => panic!("a running pod must terminate first"),
        }
        let now = DeleteOptions {
            grace_period: Some(0),
            ..Default::default()
        };
        assert!(matches!(
            r.delete(&PODS, "default", "p", &now).unwrap(),
            Deleted::Gone(_)
        ));
    }
}
