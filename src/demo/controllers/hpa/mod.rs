//! The horizontal pod autoscaler controller (autoscaling/v2): every 15 s of
//! simulated time (and at once when an HPA is created or its spec changes)
//! it reads the target's `/scale`, the pods' metrics from the usage model,
//! computes the desired size with the upstream algorithm (`algorithm`),
//! writes `/scale` when that changes, records `SuccessfulRescale`, and
//! keeps status (current metrics, conditions with the upstream reasons).

pub mod algorithm;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use super::Pass;
use crate::demo::clock::Clock;
use crate::demo::events::{Note, Recorder, Reporter};
use crate::demo::meta;
use crate::demo::registry::{Part, Registry, WriteOptions};
use crate::demo::resources::{
    ResourceDef, DEPLOYMENTS, HORIZONTALPODAUTOSCALERS, PODS, REPLICASETS,
};
use crate::demo::selectors::LabelSelector;
use crate::demo::usage::{self, quantity};
use algorithm::{Behavior, History, PodSample, PodState, Target};

/// `--horizontal-pod-autoscaler-sync-period`.
pub const SYNC_PERIOD: Duration = Duration::from_secs(15);
/// `--horizontal-pod-autoscaler-downscale-stabilization`, in seconds.
pub const DOWN_WINDOW: i64 = crate::demo::registry::hpa::DEFAULT_DOWN_WINDOW;

const REPORTER: Reporter<'static> = Reporter {
    component: "horizontal-pod-autoscaler",
    host: None,
    action: None,
};

struct Memo {
    history: History,
    last_sync: Option<Duration>,
    spec: Option<Value>,
}

/// The controller's memory across syncs, per HPA uid.
#[derive(Default)]
pub struct Autoscaler {
    memos: HashMap<String, Memo>,
}

impl Autoscaler {
    pub fn sync(&mut self, reg: &Registry, clock: &Clock, events: &Recorder) -> Pass {
        let mut pass = Pass::default();
        // Seeding plays back history instantly; the autoscaler starts with
        // the cluster.
        if clock.is_instant() {
            return pass;
        }
        let (hpas, _) = reg.store.list(&HORIZONTALPODAUTOSCALERS, None);
        let now = clock.elapsed();
        let mut alive = HashSet::new();
        for hpa in hpas.iter().filter(|h| !meta::is_deleting(h)) {
            let uid = meta::uid(hpa).to_string();
            alive.insert(uid.clone());
            let memo = self.memos.entry(uid).or_insert_with(|| Memo {
                history: History::default(),
                last_sync: None,
                spec: None,
            });
            let spec = hpa.get("spec").cloned();
            if let Some(last) = memo.last_sync {
                let due = last + SYNC_PERIOD;
                if memo.spec == spec && due > now {
                    pass.due(Instant::now() + clock.real(due - now));
                    continue;
                }
            }
            memo.spec = spec;
            memo.last_sync = Some(now);
            if reconcile(reg, clock, events, hpa, &mut memo.history, now) {
                pass.changed = true;
            }
            pass.due(Instant::now() + clock.real(SYNC_PERIOD));
        }
        self.memos.retain(|uid, _| alive.contains(uid));
        pass
    }
}

/// Conditions as `setConditionInList` keeps them: in place, with the
/// transition time moving only when the status flips.
struct Conditions {
    list: Vec<Value>,
    now: String,
}

impl Conditions {
    fn set(&mut self, kind: &str, status: bool, reason: &str, message: &str) {
        let status = if status { "True" } else { "False" };
        let pos = self
            .list
            .iter()
            .position(|c| c.get("type").and_then(Value::as_str) == Some(kind));
        let i = pos.unwrap_or_else(|| {
            self.list.push(json!({"type": kind}));
            self.list.len() - 1
        });
        let c = &mut self.list[i];
        if c.get("status").and_then(Value::as_str) != Some(status) {
            c["lastTransitionTime"] = json!(self.now);
        }
        c["status"] = json!(status);
        c["reason"] = json!(reason);
        c["message"] = json!(message);
    }
}

/// One metric's outcome.
struct Computed {
    replicas: i64,
    name: String,
    status: Value,
}

struct MetricError {
    reason: &'static str,
    /// As the Failed*Metric event says it; the condition and the
    /// FailedComputeMetricsReplicas event wrap it, as upstream does.
    message: String,
    /// "cpu resource", "pods", ...: what upstream failed to get a value of.
    value_of: String,
    status: Value,
}

fn target_resource(hpa: &Value) -> Result<&'static ResourceDef, String> {
    let kind = meta::str_at(hpa, &["spec", "scaleTargetRef", "kind"]).unwrap_or("");
    let api_version =
        meta::str_at(hpa, &["spec", "scaleTargetRef", "apiVersion"]).unwrap_or("apps/v1");
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    match (group, kind) {
        ("apps", "Deployment") => Ok(&DEPLOYMENTS),
        ("apps", "ReplicaSet") => Ok(&REPLICASETS),
        _ => Err(format!(
            "unable to determine resource for scale target reference: no matches for kind \"{kind}\" in group \"{group}\""
        )),
    }
}

/// Pods of the target and their usage, as the replica calculator sees them.
struct Observed {
    pods: Vec<std::sync::Arc<Value>>,
    usage: HashMap<String, usage::PodUsage>,
}

fn observe(reg: &Registry, ns: &str, selector: &LabelSelector, t: Duration) -> Observed {
    let (all, _) = reg.store.list(&PODS, Some(ns));
    let pods: Vec<_> = all
        .into_iter()
        .filter(|p| selector.matches_object(p))
        .collect();
    let usage = usage::pods(&reg.store, Some(ns), &pods, t)
        .into_iter()
        .map(|u| (meta::name(&u.pod).to_string(), u))
        .collect();
    Observed { pods, usage }
}

/// A pod's request of `resource` (in `container` only, if given); `None`
/// when a container lacks it.
fn pod_request(pod: &Value, resource: &str, container: Option<&str>) -> Option<i64> {
    let mut total = 0;
    for c in meta::containers(meta::at(pod, &["spec"])) {
        if container.is_some_and(|n| c.get("name").and_then(Value::as_str) != Some(n)) {
            continue;
        }
        let q = meta::str_at(c, &["resources", "requests", resource])?;
        total += parse_amount(resource, q)?;
    }
    Some(total)
}

fn parse_amount(resource: &str, q: &str) -> Option<i64> {
    if resource == "cpu" {
        quantity::cpu_milli(q)
    } else {
        quantity::bytes(q)
    }
}

fn format_amount(resource: &str, v: i64) -> String {
    if resource == "cpu" {
        quantity::format_milli(v)
    } else {
        v.to_string()
    }
}

fn samples(
    obs: &Observed,
    resource: &str,
    container: Option<&str>,
    needs_request: bool,
) -> Result<Vec<PodSample>, String> {
    let mut out = Vec::with_capacity(obs.pods.len());
    for pod in &obs.pods {
        let phase = meta::str_at(pod, &["status", "phase"]).unwrap_or("");
        let request = match pod_request(pod, resource, container) {
            Some(r) => r,
            None if needs_request => {
                let name = meta::containers(meta::at(pod, &["spec"]))
                    .iter()
                    .find(|c| meta::str_at(c, &["resources", "requests", resource]).is_none())
                    .and_then(|c| c.get("name").and_then(Value::as_str))
                    .unwrap_or("");
                return Err(format!(
                    "missing request for {resource} in container {name} of Pod {}",
                    meta::name(pod)
                ));
            }
            None => 0,
        };
        let state = if meta::is_deleting(pod) || phase == "Failed" {
            PodState::Ignored
        } else if phase == "Pending" {
            PodState::Unready
        } else {
            match obs.usage.get(meta::name(pod)) {
                None => PodState::Missing,
                Some(_) if resource == "cpu" && !usage::is_ready(pod) => PodState::Unready,
                Some(u) => {
                    let cs = u
                        .containers
                        .iter()
                        .filter(|c| container.is_none_or(|n| c.name == n));
                    let v = if resource == "cpu" {
                        let nanos: i64 = cs.map(|c| c.cpu_nanos).sum();
                        (nanos + 999_999) / 1_000_000
                    } else {
                        cs.map(|c| c.memory_bytes).sum()
                    };
                    PodState::Ready(v)
                }
            }
        };
        out.push(PodSample { state, request });
    }
    Ok(out)
}

/// `computeStatusForResourceMetric` and friends for one metric spec.
fn compute_metric(spec: &Value, current: i64, obs: &Observed) -> Result<Computed, MetricError> {
    let kind = spec.get("type").and_then(Value::as_str).unwrap_or("");
    let (source, container_scoped) = match kind {
        "Resource" => ("resource", false),
        "ContainerResource" => ("containerResource", true),
        other => {
            let (reason, what) = match other {
                "Pods" => ("FailedGetPodsMetric", "pods"),
                "Object" => ("FailedGetObjectMetric", "object"),
                _ => ("FailedGetExternalMetric", "external"),
            };
            let metric = meta::str_at(spec, &[what, "metric", "name"]).unwrap_or("");
            return Err(MetricError {
                reason,
                message: format!(
                    "unable to get {what} metric {metric}: no custom or external metrics API (the demo cluster serves metrics.k8s.io only)"
                ),
                value_of: what.to_string(),
                status: json!({"type": ""}),
            });
        }
    };
    let src = spec.get(source).cloned().unwrap_or(json!({}));
    let resource = src.get("name").and_then(Value::as_str).unwrap_or("cpu");
    let container = src.get("container").and_then(Value::as_str);
    let target = src.get("target").cloned().unwrap_or(json!({}));
    let scope = if container_scoped {
        "container resource"
    } else {
        "resource"
    };
    let (target, name) = match target.get("type").and_then(Value::as_str) {
        Some("AverageValue") => {
            let q = target
                .get("averageValue")
                .and_then(Value::as_str)
                .unwrap_or("0");
            let v = parse_amount(resource, q).unwrap_or(0);
            (Target::AverageValue(v), format!("{resource} {scope}"))
        }
        _ => {
            let u = target
                .get("averageUtilization")
                .and_then(Value::as_i64)
                .unwrap_or(80);
            (
                Target::Utilization(u),
                format!("{resource} {scope} utilization (percentage of request)"),
            )
        }
    };
    let failed_reason = if container_scoped {
        "FailedGetContainerResourceMetric"
    } else {
        "FailedGetResourceMetric"
    };
    let fail = |message: String| MetricError {
        reason: failed_reason,
        message: format!("failed to get {resource} utilization: {message}"),
        value_of: format!("{resource} resource"),
        status: json!({"type": ""}),
    };
    let needs_request = matches!(target, Target::Utilization(_));
    let pods = samples(obs, resource, container, needs_request).map_err(fail)?;
    let proposal = algorithm::replicas(current, &pods, target).map_err(|e| match e {
        algorithm::CalcError::NoReadyMetrics => fail(format!(
            "unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
        )),
        other => fail(other.to_string()),
    })?;
    let mut cur = json!({"averageValue": format_amount(resource, proposal.average)});
    if let Some(u) = proposal.utilization {
        cur["averageUtilization"] = json!(u);
    }
    let mut metric = json!({"name": resource, "current": cur});
    if let Some(c) = container {
        metric["container"] = json!(c);
    }
    Ok(Computed {
        replicas: proposal.replicas,
        name,
        status: json!({"type": kind, source: metric}),
    })
}

fn record(reg: &Registry, events: &Recorder, hpa: &Value, note: Note) {
    events.record(reg, hpa, &note, &REPORTER);
}

/// One reconcile (`reconcileAutoscaler`); true when something was written.
fn reconcile(
    reg: &Registry,
    clock: &Clock,
    events: &Recorder,
    hpa: &Value,
    history: &mut History,
    t: Duration,
) -> bool {
    let ns = meta::namespace(hpa);
    let now = t.as_secs_f64();
    let old_status = hpa.get("status").cloned().unwrap_or(json!({}));
    let mut conds = Conditions {
        list: meta::at(hpa, &["status", "conditions"])
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        now: clock.now_string(),
    };
    let mut status = old_status.clone();
    let target_name = meta::str_at(hpa, &["spec", "scaleTargetRef", "name"]).unwrap_or("");
    let scale = target_resource(hpa).and_then(|res| {
        reg.get_scale(res, ns, target_name)
            .map(|s| (res, s))
            .map_err(|e| e.message)
    });
    let (res, scale) = match scale {
        Ok(s) => s,
        Err(e) => {
            let message =
                format!("the HPA controller was unable to get the target's current scale: {e}");
            conds.set("AbleToScale", false, "FailedGetScale", &message);
            record(reg, events, hpa, Note::warning("FailedGetScale", &e));
            status["conditions"] = Value::Array(conds.list);
            return write_status(reg, hpa, &old_status, status);
        }
    };
    conds.set(
        "AbleToScale",
        true,
        "SucceededGetScale",
        "the HPA controller was able to get the target's current scale",
    );
    let current = meta::i64_at(&scale, &["spec", "replicas"]).unwrap_or(0);
    history.init(current, now);
    let min = meta::i64_at(hpa, &["spec", "minReplicas"]).unwrap_or(1);
    let max = meta::i64_at(hpa, &["spec", "maxReplicas"]).unwrap_or(min);
    let behavior = Behavior::from_spec(hpa);
    let mut metric_statuses: Vec<Value> = Vec::new();
    let mut reason = String::new();
    let mut rescale = true;
    let desired = if current == 0 && min != 0 {
        rescale = false;
        conds.set(
            "ScalingActive",
            false,
            "ScalingDisabled",
            "scaling is disabled since the replica count of the target is zero",
        );
        0
    } else if current > max {
        reason = "Current number of replicas above Spec.MaxReplicas".into();
        max
    } else if current < min {
        reason = "Current number of replicas below Spec.MinReplicas".into();
        min
    } else {
        let selector_text = meta::str_at(&scale, &["status", "selector"]).unwrap_or("");
        let selector = LabelSelector::parse(selector_text)
            .ok()
            .filter(|_| !selector_text.is_empty());
        let Some(selector) = selector else {
            conds.set(
                "ScalingActive",
                false,
                "InvalidSelector",
                "the HPA target's scale is missing a selector",
            );
            record(
                reg,
                events,
                hpa,
                Note::warning("SelectorRequired", "selector is required"),
            );
            status["conditions"] = Value::Array(conds.list);
            return write_status(reg, hpa, &old_status, status);
        };
        let obs = observe(reg, ns, &selector, t);
        let specs = meta::at(hpa, &["spec", "metrics"])
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut best: Option<Computed> = None;
        let mut errors: Vec<MetricError> = Vec::new();
        for spec in &specs {
            match compute_metric(spec, current, &obs) {
                Ok(c) => {
                    metric_statuses.push(c.status.clone());
                    if best.as_ref().is_none_or(|b| c.replicas > b.replicas) {
                        best = Some(c);
                    }
                }
                Err(e) => {
                    metric_statuses.push(e.status.clone());
                    record(reg, events, hpa, Note::warning(e.reason, &e.message));
                    errors.push(e);
                }
            }
        }
        let Some(best) = best else {
            if let Some(first) = errors.first() {
                let why = format!(
                    "the HPA was unable to compute the replica count: {}",
                    first.message
                );
                conds.set("ScalingActive", false, first.reason, &why);
                let message = format!(
                    "invalid metrics ({} invalid out of {}), first error is: failed to get {} metric value: {}",
                    errors.len(),
                    specs.len(),
                    first.value_of,
                    first.message
                );
                record(
                    reg,
                    events,
                    hpa,
                    Note::warning("FailedComputeMetricsReplicas", &message),
                );
            }
            set_current(&mut status, current, &metric_statuses);
            status["conditions"] = Value::Array(conds.list);
            return write_status(reg, hpa, &old_status, status);
        };
        let message = format!(
            "the HPA was able to successfully calculate a replica count from {}",
            best.name
        );
        conds.set("ScalingActive", true, "ValidMetricFound", &message);
        let proposed = best.replicas;
        if proposed > current {
            reason = format!("{} above target", best.name);
        } else if proposed < current {
            reason = "All metrics below target".into();
        }
        let n = match &behavior {
            Some(b) => history.normalize_with(b, current, proposed, (min, max), now),
            None => history.normalize(current, proposed, min, max, now),
        };
        conds.set(
            "AbleToScale",
            n.able_to_scale.0,
            n.able_to_scale.1,
            n.able_to_scale.2,
        );
        conds.set(
            "ScalingLimited",
            n.scaling_limited.0,
            n.scaling_limited.1,
            n.scaling_limited.2,
        );
        rescale = n.replicas != current;
        n.replicas
    };
    let mut desired = desired;
    if rescale {
        let body = json!({
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {"name": target_name, "namespace": ns,
                         "resourceVersion": meta::resource_version(&scale)},
            "spec": {"replicas": desired},
        });
        match reg.put_scale(res, ns, target_name, body, &WriteOptions::default()) {
            Ok(_) => {
                let message =
                    format!("the HPA controller was able to update the target scale to {desired}");
                conds.set("AbleToScale", true, "SucceededRescale", &message);
                let event = format!("New size: {desired}; reason: {reason}");
                record(reg, events, hpa, Note::normal("SuccessfulRescale", &event));
                history.store_scale_event(behavior.as_ref(), current, desired, now);
                status["lastScaleTime"] = json!(clock.now_string());
            }
            Err(e) => {
                let event = format!(
                    "New size: {desired}; reason: {reason}; error: {}",
                    e.message
                );
                record(reg, events, hpa, Note::warning("FailedRescale", &event));
                let message = format!(
                    "the HPA controller was unable to update the target scale: {}",
                    e.message
                );
                conds.set("AbleToScale", false, "FailedUpdateScale", &message);
                desired = current;
            }
        }
    } else {
        desired = current;
    }
    set_current(&mut status, current, &metric_statuses);
    status["desiredReplicas"] = json!(desired);
    status["conditions"] = Value::Array(conds.list);
    write_status(reg, hpa, &old_status, status)
}

/// currentReplicas and currentMetrics, omitted when empty as upstream does.
fn set_current(status: &mut Value, current: i64, metrics: &[Value]) {
    let Some(map) = status.as_object_mut() else {
        return;
    };
    if current == 0 {
        map.remove("currentReplicas");
    } else {
        map.insert("currentReplicas".into(), json!(current));
    }
    if metrics.is_empty() {
        map.remove("currentMetrics");
    } else {
        map.insert("currentMetrics".into(), json!(metrics));
    }
}

fn write_status(reg: &Registry, hpa: &Value, old: &Value, status: Value) -> bool {
    if &status == old {
        return false;
    }
    reg.mutate(
        &HORIZONTALPODAUTOSCALERS,
        meta::namespace(hpa),
        meta::name(hpa),
        Part::Status,
        |o| meta::set(o, &["status"], status),
    )
    .is_ok()
}
