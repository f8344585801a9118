//! The simulated resource usage behind metrics.k8s.io and the autoscaler:
//! each deployment's load curve (see `curve`) gives its total CPU demand,
//! split evenly across its ready pods, plus small deterministic noise that
//! changes once per metrics window; memory stays roughly steady per pod.
//! Pods without a curve idle. A pod has metrics once a container runs, as
//! with metrics-server.
//!
//! Everything is a pure function of the stored objects and the simulated
//! time, so `kubectl top`, the HPA's view and repeated reads agree.

pub mod curve;
pub mod quantity;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::demo::ids;
use crate::demo::meta;
use crate::demo::resources::{DEPLOYMENTS, REPLICASETS};
use crate::demo::store::Store;
use curve::Curve;

/// metrics-server's default resolution: values change once per window.
pub const WINDOW: Duration = Duration::from_secs(15);

/// CPU noise around the demand: +-5 %.
const CPU_NOISE: f64 = 0.05;
/// Memory drift per window: +-1 %.
const MEMORY_NOISE: f64 = 0.01;

#[derive(Debug, Clone, PartialEq)]
pub struct ContainerUsage {
    pub name: String,
    pub cpu_nanos: i64,
    pub memory_bytes: i64,
}

#[derive(Debug, Clone)]
pub struct PodUsage {
    pub pod: Arc<Value>,
    pub containers: Vec<ContainerUsage>,
}

impl PodUsage {
    /// The pod's CPU as the metrics client reads it: the containers' sum,
    /// rounded up to millicores.
    pub fn cpu_milli(&self) -> i64 {
        let nanos: i64 = self.containers.iter().map(|c| c.cpu_nanos).sum();
        (nanos + 999_999) / 1_000_000
    }

    pub fn memory_bytes(&self) -> i64 {
        self.containers.iter().map(|c| c.memory_bytes).sum()
    }
}

/// The window number at simulated time `t`.
pub fn window(t: Duration) -> u64 {
    t.as_secs() / WINDOW.as_secs()
}

/// A value in [-1, 1] fixed by the inputs.
fn jitter(parts: &[&[u8]]) -> f64 {
    let h = ids::fnv32a(&parts.concat());
    f64::from(h) / f64::from(u32::MAX) * 2.0 - 1.0
}

/// A value in [0, 1] fixed by the inputs.
fn unit(parts: &[&[u8]]) -> f64 {
    (jitter(parts) + 1.0) / 2.0
}

fn request<'a>(container: &'a Value, resource: &str) -> Option<&'a str> {
    meta::str_at(container, &["resources", "requests", resource])
        .or_else(|| meta::str_at(container, &["resources", "limits", resource]))
}

/// Container CPU requests in millicores (0 when unset), by position.
pub fn cpu_requests(pod: &Value) -> Vec<i64> {
    meta::containers(meta::at(pod, &["spec"]))
        .iter()
        .map(|c| request(c, "cpu").and_then(quantity::cpu_milli).unwrap_or(0))
        .collect()
}

pub fn is_running(pod: &Value) -> bool {
    meta::at(pod, &["status", "containerStatuses"])
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| meta::at(c, &["state", "running"]).is_some())
        })
}

pub fn is_ready(pod: &Value) -> bool {
    meta::condition_true(pod, "Ready") && !meta::is_deleting(pod)
}

/// Which deployment (uid) controls a pod, through its ReplicaSet.
struct Owners {
    rs_to_deployment: HashMap<String, String>,
    curves: HashMap<String, Curve>,
}

impl Owners {
    fn read(store: &Store, ns: Option<&str>) -> Owners {
        let (deployments, _) = store.list(&DEPLOYMENTS, ns);
        let curves = deployments
            .iter()
            .filter_map(|d| {
                let text = meta::str_at(d, &["metadata", "annotations", curve::ANNOTATION])?;
                // A malformed annotation idles the deployment; the scenario
                // loader validates the ones it writes.
                let c = Curve::parse(text).ok()?;
                Some((meta::uid(d).to_string(), c))
            })
            .collect();
        let (replicasets, _) = store.list(&REPLICASETS, ns);
        let rs_to_deployment = replicasets
            .iter()
            .filter_map(|rs| {
                let owner = meta::controller_uid(rs)?;
                Some((meta::uid(rs).to_string(), owner.to_string()))
            })
            .collect();
        Owners {
            rs_to_deployment,
            curves,
        }
    }

    fn deployment_of(&self, pod: &Value) -> Option<&str> {
        let rs = meta::controller_uid(pod)?;
        self.rs_to_deployment.get(rs).map(String::as_str)
    }
}

/// Usage of every running pod among `pods` (all from the store, in one
/// namespace when `ns` is given) at simulated time `t`.
pub fn pods(store: &Store, ns: Option<&str>, pods: &[Arc<Value>], t: Duration) -> Vec<PodUsage> {
    let owners = Owners::read(store, ns);
    // The demand is split across every ready pod of the deployment, not
    // only those asked about.
    let (all, _) = store.list(&crate::demo::resources::PODS, ns);
    let mut ready: HashMap<&str, usize> = HashMap::new();
    for p in all.iter().filter(|p| is_ready(p) && is_running(p)) {
        if let Some(d) = owners.deployment_of(p) {
            *ready.entry(d).or_default() += 1;
        }
    }
    let w = window(t).to_le_bytes();
    pods.iter()
        .filter(|p| is_running(p))
        .map(|p| {
            let deployment = owners.deployment_of(p);
            let demand = match (deployment.and_then(|d| owners.curves.get(d)), deployment) {
                (Some(c), Some(d)) if is_ready(p) => {
                    c.at(t) / ready.get(d).copied().unwrap_or(1).max(1) as f64
                }
                _ => idle_milli(p),
            };
            let mut containers = split(p, demand, &w);
            kwok_override(p, &mut containers);
            PodUsage {
                pod: p.clone(),
                containers,
            }
        })
        .collect()
}

/// kwok's `usage-from-annotation`: a pod may state each container's usage,
/// and a test written for a kwok cluster sets exactly these, so the demo
/// honours them over its own load model.
const KWOK_CPU: &str = "kwok.x-k8s.io/usage-cpu";
const KWOK_MEMORY: &str = "kwok.x-k8s.io/usage-memory";

fn kwok_override(pod: &Value, containers: &mut [ContainerUsage]) {
    let cpu =
        meta::str_at(pod, &["metadata", "annotations", KWOK_CPU]).and_then(quantity::cpu_milli);
    let memory =
        meta::str_at(pod, &["metadata", "annotations", KWOK_MEMORY]).and_then(quantity::bytes);
    for c in containers {
        if let Some(m) = cpu {
            c.cpu_nanos = m * 1_000_000;
        }
        if let Some(b) = memory {
            c.memory_bytes = b;
        }
    }
}

/// What a pod without load uses: a few percent of its request.
fn idle_milli(pod: &Value) -> f64 {
    let requested: i64 = cpu_requests(pod).iter().sum();
    (requested as f64 * 0.04).max(2.0)
}

/// Splits a pod's CPU demand over its containers by their requests and adds
/// each container's noise and memory.
fn split(pod: &Value, demand_milli: f64, window: &[u8]) -> Vec<ContainerUsage> {
    let containers = meta::containers(meta::at(pod, &["spec"]));
    let requests = cpu_requests(pod);
    let total: i64 = requests.iter().sum();
    let name = meta::name(pod).as_bytes();
    containers
        .iter()
        .zip(&requests)
        .map(|(c, req)| {
            let cname = c.get("name").and_then(Value::as_str).unwrap_or("");
            let share = if total > 0 {
                *req as f64 / total as f64
            } else {
                1.0 / containers.len().max(1) as f64
            };
            let noise = 1.0 + CPU_NOISE * jitter(&[name, cname.as_bytes(), window]);
            let cpu = demand_milli * share * noise;
            let memory_request = request(c, "memory").and_then(quantity::bytes);
            let level = unit(&[name, cname.as_bytes(), b"memory"]);
            let base = match memory_request {
                Some(r) => r as f64 * (0.45 + 0.25 * level),
                None => (20.0 + 60.0 * level) * 1024.0 * 1024.0,
            };
            let drift = 1.0 + MEMORY_NOISE * jitter(&[name, cname.as_bytes(), b"m", window]);
            ContainerUsage {
                name: cname.to_string(),
                cpu_nanos: (cpu.max(0.0) * 1e6).round() as i64,
                // metrics-server reports whole KiB.
                memory_bytes: ((base * drift) as i64 / 1024) * 1024,
            }
        })
        .collect()
}

/// What a node uses besides its pods (kubelet, runtime, system daemons).
pub fn node_overhead(node: &str, t: Duration) -> (i64, i64) {
    let w = window(t).to_le_bytes();
    let cpu = 60.0 + 40.0 * unit(&[node.as_bytes(), b"cpu"]);
    let cpu = cpu * (1.0 + 0.1 * jitter(&[node.as_bytes(), &w]));
    let memory = (700.0 + 300.0 * unit(&[node.as_bytes(), b"mem"])) * 1024.0 * 1024.0;
    ((cpu * 1e6) as i64, (memory as i64 / 1024) * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::clock::Clock;
    use crate::demo::registry::Registry;
    use serde_json::json;

    fn pod(name: &str, rs_uid: &str, ready: bool) -> Value {
        json!({"metadata": {"name": name, "namespace": "ns", "uid": format!("u-{name}"),
                "ownerReferences": [{"uid": rs_uid, "controller": true, "kind": "ReplicaSet"}]},
               "spec": {"containers": [
                   {"name": "app", "resources": {"requests": {"cpu": "300m", "memory": "256Mi"}}},
                   {"name": "side", "resources": {"requests": {"cpu": "100m"}}}]},
               "status": {"phase": "Running",
                   "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
                   "containerStatuses": [{"name": "app", "state": {"running": {}}}]}})
    }

    fn store_with_load(load: &str) -> Arc<Store> {
        let store = Arc::new(Store::new(100));
        let reg = Registry::new(store.clone(), Arc::new(Clock::new(1.0)));
        let _ = reg;
        let d = json!({"metadata": {"name": "web", "namespace": "ns", "uid": "d1",
            "annotations": {curve::ANNOTATION: load}}});
        store.create(&DEPLOYMENTS, d, false).unwrap();
        let rs = json!({"metadata": {"name": "web-1", "namespace": "ns", "uid": "rs1",
            "ownerReferences": [{"uid": "d1", "controller": true, "kind": "Deployment"}]}});
        store.create(&REPLICASETS, rs, false).unwrap();
        for (n, ready) in [("a", true), ("b", true), ("c", false)] {
            store
                .create(&crate::demo::resources::PODS, pod(n, "rs1", ready), false)
                .unwrap();
        }
        store
    }

    #[test]
    fn demand_is_split_over_ready_pods_with_small_noise() {
        let store = store_with_load("constant(1000m)");
        let (all, _) = store.list(&crate::demo::resources::PODS, Some("ns"));
        let t = Duration::from_secs(100);
        let usage = pods(&store, Some("ns"), &all, t);
        assert_eq!(usage.len(), 3);
        for u in &usage[..2] {
            let cpu = u.cpu_milli();
            assert!((475..=525).contains(&cpu), "{cpu}");
            // 3:1 by request.
            let (a, b) = (u.containers[0].cpu_nanos, u.containers[1].cpu_nanos);
            assert!(a > 2 * b && a < 4 * b, "{a} {b}");
            let mem = u.containers[0].memory_bytes;
            assert!(mem > 100 << 20 && mem < 200 << 20, "{mem}");
        }
        // The unready pod idles: 4 % of 400m.
        assert!(usage[2].cpu_milli() <= 17, "{}", usage[2].cpu_milli());
        // Same window, same numbers; next window, new noise.
        let again = pods(&store, Some("ns"), &all, t + Duration::from_secs(1));
        assert_eq!(again[0].containers, usage[0].containers);
        let later = pods(&store, Some("ns"), &all, t + WINDOW);
        assert_ne!(
            later[0].containers[0].cpu_nanos,
            usage[0].containers[0].cpu_nanos
        );
    }

    #[test]
    fn kwok_usage_annotations_override_the_load_model() {
        let store = store_with_load("constant(900m)");
        let mut p = pod("a", "rs1", true);
        p["metadata"]["annotations"] = json!({KWOK_CPU: "90m", KWOK_MEMORY: "64Mi"});
        let usage = pods(&store, Some("ns"), &[Arc::new(p)], Duration::from_secs(60));
        // Per container, as kwok applies it: two containers.
        assert_eq!(usage[0].cpu_milli(), 180);
        assert_eq!(usage[0].memory_bytes(), 128 * 1024 * 1024);
    }

    #[test]
    fn pods_without_running_containers_have_no_metrics() {
        let store = store_with_load("constant(1)");
        let mut p = pod("d", "rs1", false);
        p["status"]["containerStatuses"][0]["state"] =
            json!({"waiting": {"reason": "ContainerCreating"}});
        let usage = pods(&store, Some("ns"), &[Arc::new(p)], Duration::ZERO);
        assert!(usage.is_empty());
    }
}
