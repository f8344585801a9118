//! The deployment controller (pkg/controller/deployment): one new ReplicaSet
//! per pod template, rolling or recreate updates, proportional scaling, the
//! revision annotations `kubectl rollout` relies on, and status conditions
//! with the upstream reasons.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::time::Instant;

use super::rollout::{self, Proportion, RsCounts};
use super::Pass;
use crate::demo::clock::{parse_time, Clock};
use crate::demo::error::ApiError;
use crate::demo::events::{self, Note, Recorder};
use crate::demo::ids;
use crate::demo::meta;
use crate::demo::registry::{DeleteOptions, Part, Registry};
use crate::demo::resources::{DEPLOYMENTS, PODS, REPLICASETS};

pub const REVISION: &str = "deployment.kubernetes.io/revision";
pub const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
pub const HASH_LABEL: &str = "pod-template-hash";

/// Deployment annotations that are not copied to its ReplicaSets.
const NOT_COPIED: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    REVISION_HISTORY,
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    "deprecated.deployment.rollback.to",
];

/// `ComputeHash`: FNV-1a over the template (plus the collision count), made
/// name-safe.
pub fn pod_template_hash(template: &Value, collision_count: Option<i64>) -> String {
    let mut bytes = serde_json::to_vec(template).unwrap_or_default();
    if let Some(c) = collision_count {
        bytes.extend_from_slice(&(c as u32).to_le_bytes());
    }
    ids::safe_encode(&ids::fnv32a(&bytes).to_string())
}

fn without_hash(template: Option<&Value>) -> Value {
    let mut t = template.cloned().unwrap_or(Value::Null);
    meta::remove(&mut t, &["metadata", "labels", HASH_LABEL]);
    if meta::at(&t, &["metadata", "labels"])
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
    {
        meta::remove(&mut t, &["metadata", "labels"]);
    }
    t
}

/// `EqualIgnoreHash`.
pub fn same_template(rs: &Value, deployment: &Value) -> bool {
    without_hash(meta::at(rs, &["spec", "template"]))
        == without_hash(meta::at(deployment, &["spec", "template"]))
}

#[derive(Clone)]
struct Rs {
    obj: Arc<Value>,
    name: String,
    desired: i64,
    available: i64,
    ready: i64,
    replicas: i64,
    revision: i64,
}

impl Rs {
    fn new(obj: Arc<Value>) -> Rs {
        let n = |path: &[&str]| meta::i64_at(&obj, path).unwrap_or(0);
        Rs {
            name: meta::name(&obj).to_string(),
            desired: n(&["spec", "replicas"]),
            available: n(&["status", "availableReplicas"]),
            ready: n(&["status", "readyReplicas"]),
            replicas: n(&["status", "replicas"]),
            revision: annotation_i64(&obj, REVISION).unwrap_or(0),
            obj,
        }
    }

    fn counts(&self) -> RsCounts {
        RsCounts {
            desired: self.desired,
            available: self.available,
        }
    }
}

fn annotation_i64(obj: &Value, key: &str) -> Option<i64> {
    meta::str_at(obj, &["metadata", "annotations", key]).and_then(|s| s.parse().ok())
}

pub fn sync_all(reg: &Registry, clock: &Clock, events: &Recorder) -> Pass {
    let (deployments, _) = reg.store.list(&DEPLOYMENTS, None);
    let (all_rs, _) = reg.store.list(&REPLICASETS, None);
    let mut pass = Pass::default();
    for d in deployments.iter().filter(|d| !meta::is_deleting(d)) {
        let uid = meta::uid(d);
        let mut owned: Vec<Rs> = all_rs
            .iter()
            .filter(|rs| meta::controller_uid(rs) == Some(uid) && !meta::is_deleting(rs))
            .cloned()
            .map(Rs::new)
            .collect();
        owned.sort_by(|a, b| {
            let created = |r: &Rs| {
                meta::str_at(&r.obj, &["metadata", "creationTimestamp"])
                    .unwrap_or("")
                    .to_string()
            };
            created(a).cmp(&created(b)).then(a.name.cmp(&b.name))
        });
        let mut sync = Sync::new(reg, clock, events, d);
        sync.run(owned);
        pass.merge(sync.pass);
    }
    pass
}

struct Sync<'a> {
    reg: &'a Registry,
    clock: &'a Clock,
    events: &'a Recorder,
    d: &'a Value,
    ns: String,
    name: String,
    replicas: i64,
    surge: i64,
    max_unavailable: i64,
    rolling: bool,
    conditions: Vec<Value>,
    revision: Option<String>,
    collision_count: Option<i64>,
    pass: Pass,
}

impl<'a> Sync<'a> {
    fn new(reg: &'a Registry, clock: &'a Clock, events: &'a Recorder, d: &'a Value) -> Self {
        let replicas = meta::i64_at(d, &["spec", "replicas"]).unwrap_or(1);
        let rolling = meta::str_at(d, &["spec", "strategy", "type"]) != Some("Recreate");
        let ru = meta::at(d, &["spec", "strategy", "rollingUpdate"]);
        let (surge, unavailable) = if rolling {
            rollout::resolve_fenceposts(
                ru.and_then(|r| r.get("maxSurge")),
                ru.and_then(|r| r.get("maxUnavailable")),
                replicas,
            )
        } else {
            (0, 0)
        };
        let max_unavailable = if !rolling || replicas == 0 {
            0
        } else {
            unavailable.min(replicas)
        };
        Sync {
            reg,
            clock,
            events,
            d,
            ns: meta::namespace(d).to_string(),
            name: meta::name(d).to_string(),
            replicas,
            surge,
            max_unavailable,
            rolling,
            conditions: meta::at(d, &["status", "conditions"])
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            revision: None,
            collision_count: meta::i64_at(d, &["status", "collisionCount"]),
            pass: Pass::default(),
        }
    }

    fn has_progress_deadline(&self) -> bool {
        meta::i64_at(self.d, &["spec", "progressDeadlineSeconds"])
            .is_some_and(|s| s != i32::MAX as i64)
    }

    fn condition(&self, kind: &str) -> Option<&Value> {
        self.conditions
            .iter()
            .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
    }

    /// `SetDeploymentCondition`: no-op when status and reason are unchanged;
    /// keeps the transition time when only the reason changes; moves the
    /// condition to the end.
    fn set_condition(&mut self, kind: &str, status: &str, reason: &str, message: &str) {
        let now = self.clock.now_string();
        let current = self.condition(kind).cloned();
        let field = |c: &Value, k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let mut transition = now.clone();
        if let Some(c) = &current {
            if field(c, "status") == status && field(c, "reason") == reason {
                return;
            }
            if field(c, "status") == status {
                transition = field(c, "lastTransitionTime");
            }
        }
        self.conditions
            .retain(|c| c.get("type").and_then(Value::as_str) != Some(kind));
        self.conditions.push(json!({
            "type": kind, "status": status, "lastUpdateTime": now,
            "lastTransitionTime": transition, "reason": reason, "message": message,
        }));
    }

    fn run(&mut self, mut rss: Vec<Rs>) {
        self.check_paused_conditions();
        let new_idx = rss.iter().position(|rs| same_template(&rs.obj, self.d));
        let paused = meta::bool_at(self.d, &["spec", "paused"]);
        if paused || self.is_scaling_event(&rss) {
            if let Some(i) = new_idx {
                self.sync_new_rs_meta(&mut rss, i);
            }
            self.scale(&mut rss, new_idx);
            if paused {
                self.cleanup(&rss, new_idx);
            }
            self.write_status(&rss, new_idx, false);
            return;
        }
        if self.rolling {
            self.rolling_update(rss, new_idx);
        } else {
            self.recreate(rss, new_idx);
        }
    }

    fn check_paused_conditions(&mut self) {
        if !self.has_progress_deadline() {
            return;
        }
        let reason = self
            .condition("Progressing")
            .and_then(|c| c.get("reason"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if reason == "ProgressDeadlineExceeded" {
            return;
        }
        let paused = meta::bool_at(self.d, &["spec", "paused"]);
        if paused && reason != "DeploymentPaused" {
            self.set_condition(
                "Progressing",
                "Unknown",
                "DeploymentPaused",
                "Deployment is paused",
            );
        } else if !paused && reason == "DeploymentPaused" {
            self.set_condition(
                "Progressing",
                "Unknown",
                "DeploymentResumed",
                "Deployment is resumed",
            );
        }
    }

    fn is_scaling_event(&self, rss: &[Rs]) -> bool {
        rss.iter()
            .filter(|rs| rs.desired > 0)
            .any(|rs| annotation_i64(&rs.obj, DESIRED_REPLICAS).is_some_and(|d| d != self.replicas))
    }

    fn max_old_revision(rss: &[Rs], except: Option<usize>) -> i64 {
        rss.iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != except)
            .map(|(_, rs)| rs.revision)
            .max()
            .unwrap_or(0)
    }

    fn copied_annotations(&self) -> Vec<(String, String)> {
        meta::annotations(self.d)
            .into_iter()
            .filter(|(k, _)| !NOT_COPIED.contains(&k.as_str()))
            .collect()
    }

    /// Revision, copied annotations and minReadySeconds of an existing new
    /// ReplicaSet (a reused old one gets revision max+1 and remembers its
    /// previous number in revision-history).
    fn sync_new_rs_meta(&mut self, rss: &mut [Rs], i: usize) {
        let new_revision = Self::max_old_revision(rss, Some(i)) + 1;
        let copied = self.copied_annotations();
        let min_ready = meta::at(self.d, &["spec", "minReadySeconds"]).cloned();
        let rs = &rss[i];
        let result = self
            .reg
            .mutate(&REPLICASETS, &self.ns, &rs.name, Part::Main, |o| {
                for (k, v) in &copied {
                    meta::set(o, &["metadata", "annotations", k], json!(v));
                }
                let old = annotation_i64(o, REVISION);
                if old.is_none_or(|old| old < new_revision) {
                    meta::set(
                        o,
                        &["metadata", "annotations", REVISION],
                        json!(new_revision.to_string()),
                    );
                    if let Some(old) = old {
                        let history =
                            meta::str_at(o, &["metadata", "annotations", REVISION_HISTORY])
                                .unwrap_or("")
                                .to_string();
                        let history = if history.is_empty() {
                            old.to_string()
                        } else {
                            format!("{history},{old}")
                        };
                        meta::set(
                            o,
                            &["metadata", "annotations", REVISION_HISTORY],
                            json!(history),
                        );
                    }
                }
                match &min_ready {
                    Some(m) => meta::set(o, &["spec", "minReadySeconds"], m.clone()),
                    None => {
                        meta::remove(o, &["spec", "minReadySeconds"]);
                    }
                }
            });
        if let Ok(obj) = result {
            if !Arc::ptr_eq(&obj, &rss[i].obj) {
                self.pass.changed = true;
            }
            rss[i] = Rs {
                desired: rss[i].desired,
                ..Rs::new(obj)
            };
        }
        self.revision = Some(rss[i].revision.to_string());
        if self.condition("Progressing").is_none() && self.has_progress_deadline() {
            let msg = format!("Found new replica set \"{}\"", rss[i].name);
            self.set_condition("Progressing", "True", "FoundNewReplicaSet", &msg);
        }
    }

    fn create_new_rs(&mut self, rss: &mut Vec<Rs>) -> Option<usize> {
        let template = meta::at(self.d, &["spec", "template"])
            .cloned()
            .unwrap_or(json!({}));
        let hash = pod_template_hash(&template, self.collision_count);
        let rs_name = format!("{}-{}", self.name, hash);
        let new_revision = Self::max_old_revision(rss, None) + 1;
        let mut template = template;
        meta::set(
            &mut template,
            &["metadata", "labels", HASH_LABEL],
            json!(hash),
        );
        let mut selector = meta::at(self.d, &["spec", "selector"])
            .cloned()
            .unwrap_or(json!({}));
        meta::set(&mut selector, &["matchLabels", HASH_LABEL], json!(hash));
        let mut annotations: Map<String, Value> = self
            .copied_annotations()
            .into_iter()
            .map(|(k, v)| (k, json!(v)))
            .collect();
        annotations.insert(REVISION.into(), json!(new_revision.to_string()));
        annotations.insert(DESIRED_REPLICAS.into(), json!(self.replicas.to_string()));
        annotations.insert(
            MAX_REPLICAS.into(),
            json!((self.replicas + self.surge).to_string()),
        );
        let all_desired: i64 = rss.iter().map(|r| r.desired).sum();
        let replicas = if self.rolling {
            rollout::new_rs_replicas(self.replicas, self.surge, all_desired, 0)
        } else {
            self.replicas
        };
        let mut spec =
            json!({"replicas": replicas, "selector": selector, "template": template.clone()});
        if let Some(m) = meta::at(self.d, &["spec", "minReadySeconds"]) {
            meta::set(&mut spec, &["minReadySeconds"], m.clone());
        }
        let rs = json!({
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": rs_name,
                "namespace": self.ns,
                "labels": meta::at(&template, &["metadata", "labels"]).cloned().unwrap_or(json!({})),
                "annotations": annotations,
                "ownerReferences": [{
                    "apiVersion": "apps/v1", "kind": "Deployment", "name": self.name,
                    "uid": meta::uid(self.d), "controller": true, "blockOwnerDeletion": true,
                }],
            },
            "spec": spec,
        });
        match self.reg.create_internal(&REPLICASETS, rs) {
            Ok(obj) => {
                self.pass.changed = true;
                if replicas > 0 {
                    let message = format!("Scaled up replica set {rs_name} from 0 to {replicas}");
                    self.events.record(
                        self.reg,
                        self.d,
                        &Note::normal("ScalingReplicaSet", &message),
                        &events::DEPLOYMENT_CONTROLLER,
                    );
                }
                rss.push(Rs::new(obj));
                self.revision = Some(new_revision.to_string());
                if self.has_progress_deadline() {
                    let msg = format!("Created new replica set \"{rs_name}\"");
                    self.set_condition("Progressing", "True", "NewReplicaSetCreated", &msg);
                }
                Some(rss.len() - 1)
            }
            Err(e) if e.reason == "AlreadyExists" => {
                // Same name, different template: a hash collision. Bump the
                // count so the next sync computes another name.
                self.collision_count = Some(self.collision_count.unwrap_or(0) + 1);
                None
            }
            Err(e) => {
                self.report_create_error(&rs_name, &e);
                None
            }
        }
    }

    fn report_create_error(&mut self, rs_name: &str, e: &ApiError) {
        if self.has_progress_deadline() {
            let msg = format!(
                "Failed to create new replica set \"{rs_name}\": {}",
                e.message
            );
            self.set_condition("Progressing", "False", "ReplicaSetCreateError", &msg);
        }
    }

    /// Resizes one ReplicaSet and stamps the replica annotations on it.
    fn scale_rs(&mut self, rs: &mut Rs, size: i64) {
        let (replicas, max) = (self.replicas, self.replicas + self.surge);
        let result = self
            .reg
            .mutate(&REPLICASETS, &self.ns, &rs.name, Part::Main, |o| {
                meta::set(o, &["spec", "replicas"], json!(size));
                meta::set(
                    o,
                    &["metadata", "annotations", DESIRED_REPLICAS],
                    json!(replicas.to_string()),
                );
                meta::set(
                    o,
                    &["metadata", "annotations", MAX_REPLICAS],
                    json!(max.to_string()),
                );
            });
        if let Ok(obj) = result {
            if !Arc::ptr_eq(&obj, &rs.obj) {
                self.pass.changed = true;
            }
            if size != rs.desired {
                let direction = if size > rs.desired { "up" } else { "down" };
                let message = format!(
                    "Scaled {direction} replica set {} from {} to {size}",
                    rs.name, rs.desired
                );
                self.events.record(
                    self.reg,
                    self.d,
                    &Note::normal("ScalingReplicaSet", &message),
                    &events::DEPLOYMENT_CONTROLLER,
                );
            }
            *rs = Rs::new(obj);
        }
    }

    /// `scale()`: a resize while paused or mid-rollout.
    fn scale(&mut self, rss: &mut [Rs], new_idx: Option<usize>) {
        if rss.is_empty() {
            return;
        }
        let active: Vec<usize> = (0..rss.len()).filter(|i| rss[*i].desired > 0).collect();
        let target = match active.len() {
            0 => Some(new_idx.unwrap_or(rss.len() - 1)),
            1 => Some(active[0]),
            _ => None,
        };
        if let Some(i) = target {
            if rss[i].desired != self.replicas {
                let replicas = self.replicas;
                self.scale_rs(&mut rss[i], replicas);
            }
            return;
        }
        if let Some(n) = new_idx {
            let new = &rss[n];
            let saturated = new.desired == self.replicas
                && annotation_i64(&new.obj, DESIRED_REPLICAS) == Some(self.replicas)
                && new.available == self.replicas;
            if saturated {
                for i in active.into_iter().filter(|i| *i != n) {
                    self.scale_rs(&mut rss[i], 0);
                }
                return;
            }
        }
        if !self.rolling {
            return;
        }
        let all: i64 = active.iter().map(|i| rss[*i].desired).sum();
        let allowed = if self.replicas > 0 {
            self.replicas + self.surge
        } else {
            0
        };
        let growing = allowed > all;
        let mut order = active;
        // Larger first; ties: newer first when growing, older first when shrinking.
        order.sort_by(|a, b| {
            rss[*b]
                .desired
                .cmp(&rss[*a].desired)
                .then(if growing { b.cmp(a) } else { a.cmp(b) })
        });
        let props: Vec<Proportion> = order
            .iter()
            .map(|i| Proportion {
                desired: rss[*i].desired,
                max_replicas: annotation_i64(&rss[*i].obj, MAX_REPLICAS),
            })
            .collect();
        let status_replicas = meta::i64_at(self.d, &["status", "replicas"]).unwrap_or(0);
        let sizes = rollout::proportional_sizes(self.replicas, self.surge, status_replicas, &props);
        for (i, size) in order.into_iter().zip(sizes) {
            self.scale_rs(&mut rss[i], size);
        }
    }

    fn rolling_update(&mut self, mut rss: Vec<Rs>, new_idx: Option<usize>) {
        let new_idx = match new_idx {
            Some(i) => {
                self.sync_new_rs_meta(&mut rss, i);
                Some(i)
            }
            None => self.create_new_rs(&mut rss),
        };
        let Some(n) = new_idx else {
            self.write_status(&rss, None, true);
            return;
        };
        let all_desired: i64 = rss.iter().map(|r| r.desired).sum();
        let new_desired = rss[n].desired;
        let target = if new_desired > self.replicas {
            self.replicas
        } else {
            rollout::new_rs_replicas(self.replicas, self.surge, all_desired, new_desired)
        };
        if target != new_desired {
            self.scale_rs(&mut rss[n], target);
            self.write_status(&rss, Some(n), true);
            return;
        }
        let old: Vec<usize> = (0..rss.len()).filter(|i| *i != n).collect();
        let counts: Vec<RsCounts> = old.iter().map(|i| rss[*i].counts()).collect();
        let sizes = rollout::scale_down_old(
            self.replicas,
            self.max_unavailable,
            rss[n].counts(),
            &counts,
        );
        let mut scaled = false;
        for (i, size) in old.into_iter().zip(sizes) {
            if rss[i].desired != size {
                self.scale_rs(&mut rss[i], size);
                scaled = true;
            }
        }
        if !scaled && self.complete(&rss, Some(n)) {
            self.cleanup(&rss, Some(n));
        }
        self.write_status(&rss, Some(n), true);
    }

    fn recreate(&mut self, mut rss: Vec<Rs>, new_idx: Option<usize>) {
        let mut scaled = false;
        for (i, rs) in rss.iter_mut().enumerate() {
            if Some(i) != new_idx && rs.desired > 0 {
                self.scale_rs(rs, 0);
                scaled = true;
            }
        }
        if scaled {
            self.write_status(&rss, new_idx, true);
            return;
        }
        let old_uids: Vec<String> = (0..rss.len())
            .filter(|i| Some(*i) != new_idx)
            .map(|i| meta::uid(&rss[i].obj).to_string())
            .collect();
        let (pods, _) = self.reg.store.list(&PODS, Some(&self.ns));
        let old_pods_running = pods.iter().any(|p| {
            meta::controller_uid(p).is_some_and(|u| old_uids.iter().any(|o| o == u))
                && !matches!(
                    meta::str_at(p, &["status", "phase"]),
                    Some("Succeeded") | Some("Failed")
                )
        });
        if old_pods_running {
            self.write_status(&rss, new_idx, true);
            return;
        }
        let new_idx = match new_idx {
            Some(i) => {
                self.sync_new_rs_meta(&mut rss, i);
                Some(i)
            }
            None => self.create_new_rs(&mut rss),
        };
        if let Some(n) = new_idx {
            if rss[n].desired != self.replicas {
                let replicas = self.replicas;
                self.scale_rs(&mut rss[n], replicas);
            } else if self.complete(&rss, Some(n)) {
                self.cleanup(&rss, Some(n));
            }
        }
        self.write_status(&rss, new_idx, true);
    }

    fn complete(&self, rss: &[Rs], new_idx: Option<usize>) -> bool {
        let status = self.calculate(rss, new_idx);
        let n = |k: &str| status.get(k).and_then(Value::as_i64).unwrap_or(0);
        n("updatedReplicas") == self.replicas
            && n("replicas") == self.replicas
            && n("availableReplicas") == self.replicas
    }

    /// Deletes old, empty ReplicaSets beyond `revisionHistoryLimit`.
    fn cleanup(&mut self, rss: &[Rs], new_idx: Option<usize>) {
        let limit = meta::i64_at(self.d, &["spec", "revisionHistoryLimit"])
            .unwrap_or(10)
            .max(0) as usize;
        let mut cleanable: Vec<&Rs> = rss
            .iter()
            .enumerate()
            .filter(|(i, rs)| Some(*i) != new_idx && rs.desired == 0 && rs.replicas == 0)
            .map(|(_, rs)| rs)
            .collect();
        if cleanable.len() <= limit {
            return;
        }
        cleanable.sort_by_key(|rs| rs.revision);
        let excess = cleanable.len() - limit;
        for rs in cleanable.into_iter().take(excess) {
            if self
                .reg
                .delete(&REPLICASETS, &self.ns, &rs.name, &DeleteOptions::default())
                .is_ok()
            {
                self.pass.changed = true;
            }
        }
    }

    /// `calculateStatus`: counts from the ReplicaSets plus the Available condition.
    fn calculate(&self, rss: &[Rs], new_idx: Option<usize>) -> Map<String, Value> {
        let sum = |f: fn(&Rs) -> i64| rss.iter().map(f).sum::<i64>();
        let available = sum(|r| r.available);
        let mut status = Map::new();
        let mut put = |k: &str, v: i64| {
            // These fields are omitempty upstream.
            if v != 0 {
                status.insert(k.into(), json!(v));
            }
        };
        put("replicas", sum(|r| r.replicas));
        put(
            "updatedReplicas",
            new_idx.map(|i| rss[i].replicas).unwrap_or(0),
        );
        put("readyReplicas", sum(|r| r.ready));
        put("availableReplicas", available);
        put(
            "unavailableReplicas",
            (sum(|r| r.desired) - available).max(0),
        );
        status.insert(
            "observedGeneration".into(),
            json!(meta::i64_at(self.d, &["metadata", "generation"]).unwrap_or(1)),
        );
        if let Some(c) = self.collision_count {
            status.insert("collisionCount".into(), json!(c));
        }
        status
    }

    fn write_status(&mut self, rss: &[Rs], new_idx: Option<usize>, rollout: bool) {
        let status = self.calculate(rss, new_idx);
        let n = |s: &Map<String, Value>, k: &str| s.get(k).and_then(Value::as_i64).unwrap_or(0);
        let available = n(&status, "availableReplicas");
        if available >= self.replicas - self.max_unavailable {
            self.set_condition(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            );
        } else {
            self.set_condition(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            );
        }
        let old = meta::at(self.d, &["status"])
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if rollout && self.has_progress_deadline() {
            let progressing = self.condition("Progressing").cloned();
            let reason = progressing
                .as_ref()
                .and_then(|c| c.get("reason"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let complete_already = n(&status, "replicas") == n(&status, "updatedReplicas")
                && reason == "NewReplicaSetAvailable";
            let rs_name = new_idx.map(|i| rss[i].name.clone());
            let complete = n(&status, "updatedReplicas") == self.replicas
                && n(&status, "replicas") == self.replicas
                && available == self.replicas;
            let progress = n(&status, "updatedReplicas") > n(&old, "updatedReplicas")
                || n(&status, "readyReplicas") > n(&old, "readyReplicas")
                || available > n(&old, "availableReplicas")
                || n(&old, "replicas") - n(&old, "updatedReplicas")
                    > n(&status, "replicas") - n(&status, "updatedReplicas");
            if !complete_already {
                if complete {
                    let msg = format!(
                        "ReplicaSet \"{}\" has successfully progressed.",
                        rs_name.unwrap_or_default()
                    );
                    self.set_condition("Progressing", "True", "NewReplicaSetAvailable", &msg);
                } else if progress {
                    let msg = match &rs_name {
                        Some(rs) => format!("ReplicaSet \"{rs}\" is progressing."),
                        None => format!("Deployment \"{}\" is progressing.", self.name),
                    };
                    // Progress refreshes lastUpdateTime even with an unchanged reason.
                    let now = self.clock.now_string();
                    let transition = progressing
                        .as_ref()
                        .filter(|c| c.get("status").and_then(Value::as_str) == Some("True"))
                        .and_then(|c| c.get("lastTransitionTime").cloned())
                        .unwrap_or(json!(now));
                    self.conditions
                        .retain(|c| c.get("type").and_then(Value::as_str) != Some("Progressing"));
                    self.conditions.push(json!({
                        "type": "Progressing", "status": "True", "lastUpdateTime": now,
                        "lastTransitionTime": transition, "reason": "ReplicaSetUpdated", "message": msg,
                    }));
                } else if self.timed_out() {
                    let msg = format!(
                        "ReplicaSet \"{}\" has timed out progressing.",
                        rs_name.unwrap_or_default()
                    );
                    self.set_condition("Progressing", "False", "ProgressDeadlineExceeded", &msg);
                }
                if !complete {
                    // Re-check the progress deadline even if nothing else happens.
                    self.pass.due(Instant::now() + Duration::from_secs(1));
                }
            }
        }
        let mut status = status;
        status.insert("conditions".into(), Value::Array(self.conditions.clone()));
        let status = Value::Object(status);
        let revision = self.revision.clone();
        let current_revision =
            meta::str_at(self.d, &["metadata", "annotations", REVISION]).map(String::from);
        if meta::at(self.d, &["status"]) == Some(&status)
            && (revision.is_none() || revision == current_revision)
        {
            return;
        }
        let result = self
            .reg
            .mutate(&DEPLOYMENTS, &self.ns, &self.name, Part::Status, |o| {
                meta::set(o, &["status"], status);
                if let Some(rev) = revision {
                    meta::set(o, &["metadata", "annotations", REVISION], json!(rev));
                }
            });
        if result.is_ok_and(|o| meta::resource_version(&o) != meta::resource_version(self.d)) {
            self.pass.changed = true;
        }
    }

    fn timed_out(&self) -> bool {
        let Some(c) = self.condition("Progressing") else {
            return false;
        };
        match c.get("reason").and_then(Value::as_str) {
            Some("NewReplicaSetAvailable") => return false,
            Some("ProgressDeadlineExceeded") => return true,
            _ => {}
        }
        let deadline = meta::i64_at(self.d, &["spec", "progressDeadlineSeconds"])
            .unwrap_or(600)
            .max(0) as u64;
        c.get("lastUpdateTime")
            .and_then(Value::as_str)
            .and_then(parse_time)
            .is_some_and(|t| self.clock.simulated_since(t) > Duration::from_secs(deadline))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_ignores_nothing_but_changes_with_template_and_collisions() {
        let t = json!({"spec": {"containers": [{"name": "a", "image": "a:1"}]}});
        let h = pod_template_hash(&t, None);
        assert!(!h.is_empty() && h.len() <= 10);
        assert_eq!(h, pod_template_hash(&t, None));
        assert_ne!(h, pod_template_hash(&t, Some(1)));
        let t2 = json!({"spec": {"containers": [{"name": "a", "image": "a:2"}]}});
        assert_ne!(h, pod_template_hash(&t2, None));
    }

    #[test]
    fn template_equality_ignores_the_hash_label() {
        let d = json!({"spec": {"template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": []}}}});
        let rs = json!({"spec": {"template": {"metadata": {"labels": {"app": "x", "pod-template-hash": "abc"}}, "spec": {"containers": []}}}});
        assert!(same_template(&rs, &d));
        let other = json!({"spec": {"template": {"metadata": {"labels": {"app": "y", "pod-template-hash": "abc"}}, "spec": {"containers": []}}}});
        assert!(!same_template(&other, &d));
    }
}
