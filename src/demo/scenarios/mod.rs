//! Scenarios: data files (embedded at build time) describing the nodes,
//! namespaces and workloads the demo cluster starts with. Adding a scenario
//! is adding a TOML file and a line to `SCENARIOS`.

use std::collections::BTreeMap;

use anyhow::Context;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::clock::{parse_age, Clock};
use super::controllers::Sim;
use super::meta;
use super::patch::PatchType;
use super::registry::Registry;
use super::resources::{DEPLOYMENTS, NAMESPACES, NODES, STATEFULSETS};

mod extras;
mod network;
mod scale;
mod statefulsets;

pub use extras::{HpaSpec, RolloutSpec};

const SCENARIOS: &[(&str, &str)] = &[
    ("shop", include_str!("shop.toml")),
    ("bad-rollout", include_str!("bad-rollout.toml")),
    ("traffic-spike", include_str!("traffic-spike.toml")),
];

/// Scenario names; `scale` also takes parameters (`scale:1000x10`).
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&str> = SCENARIOS.iter().map(|(n, _)| *n).collect();
    names.push(scale::NAME);
    names
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub description: String,
    #[serde(default)]
    pub cluster_age: Option<String>,
    #[serde(default)]
    pub nodes: Vec<NodeSpec>,
    #[serde(default)]
    pub namespaces: Vec<NamespaceSpec>,
    #[serde(default)]
    pub deployments: Vec<DeploymentSpec>,
    #[serde(default)]
    pub hpas: Vec<HpaSpec>,
    /// Image changes applied once the cluster runs, so they roll out live.
    #[serde(default)]
    pub rollouts: Vec<RolloutSpec>,
    /// Seed the deployments' pods already running (no start-up steps), for
    /// scenarios too big to play back pod by pod.
    #[serde(default)]
    pub seed_running: bool,
    #[serde(default)]
    pub services: Vec<network::ServiceSpec>,
    #[serde(default)]
    pub configmaps: Vec<network::ConfigMapSpec>,
    #[serde(default)]
    pub secrets: Vec<network::SecretSpec>,
    #[serde(default)]
    pub statefulsets: Vec<statefulsets::StatefulSetSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceSpec {
    pub name: String,
    #[serde(default)]
    pub age: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSpec {
    pub namespace: String,
    pub name: String,
    pub replicas: i64,
    #[serde(default)]
    pub age: Option<String>,
    /// Pod labels, also used as the selector.
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub containers: Vec<ContainerSpec>,
    #[serde(default)]
    pub max_surge: Option<toml::Value>,
    #[serde(default)]
    pub max_unavailable: Option<toml::Value>,
    #[serde(default)]
    pub min_ready_seconds: Option<i64>,
    #[serde(default)]
    pub progress_deadline_seconds: Option<i64>,
    /// Total CPU demand over time (see `usage::curve`), e.g. `constant(300m)`.
    #[serde(default)]
    pub load: Option<String>,
    /// Strategic-merge patch for the pod template's spec (env, volumes...),
    /// in Kubernetes field names.
    #[serde(default)]
    pub pod_spec_extra: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub cpu: Option<String>,
    #[serde(default)]
    pub memory: Option<String>,
}

pub fn load(name: &str) -> anyhow::Result<Scenario> {
    if let Some(generated) = scale::parse(name) {
        return generated;
    }
    let Some((_, text)) = SCENARIOS.iter().find(|(n, _)| *n == name) else {
        anyhow::bail!(
            "unknown demo scenario {name:?} (available: {})",
            names().join(", ")
        );
    };
    toml::from_str(text).with_context(|| format!("demo scenario {name:?} is malformed"))
}

fn age(s: &Option<String>) -> anyhow::Result<chrono::Duration> {
    match s {
        None => Ok(chrono::Duration::zero()),
        Some(a) => {
            parse_age(a).with_context(|| format!("invalid age {a:?} (use e.g. 90s, 15m, 3h, 2d)"))
        }
    }
}

fn int_or_percent(v: &toml::Value) -> Value {
    match v {
        toml::Value::Integer(i) => json!(i),
        other => json!(other.as_str().unwrap_or("25%")),
    }
}

fn node(spec: &NodeSpec, index: usize, now: &str) -> Value {
    let mut labels = json!({
        "kubernetes.io/hostname": spec.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": "amd64",
    });
    let mut node_spec = json!({
        "podCIDR": format!("10.244.{index}.0/24"),
        "podCIDRs": [format!("10.244.{index}.0/24")],
        "providerID": format!("kind://docker/kockpit/{}", spec.name),
    });
    if let Some(role) = &spec.role {
        labels[format!("node-role.kubernetes.io/{role}")] = json!("");
        if role == "control-plane" {
            node_spec["taints"] =
                json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]);
        }
    }
    let ip = format!("172.18.0.{}", index + 2);
    let resources = json!({"cpu": "4", "memory": "16331016Ki", "pods": "110", "ephemeral-storage": "102626232Ki"});
    let cond = |kind: &str, status: &str, reason: &str, message: &str| {
        json!({"type": kind, "status": status, "reason": reason, "message": message,
               "lastHeartbeatTime": now, "lastTransitionTime": now})
    };
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": spec.name, "labels": labels},
        "spec": node_spec,
        "status": {
            "capacity": resources,
            "allocatable": resources,
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": spec.name}],
            "nodeInfo": {
                "kubeletVersion": "v1.34.0",
                "kubeProxyVersion": "",
                "containerRuntimeVersion": "containerd://2.1.3",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "kernelVersion": "6.8.0-60-generic",
                "operatingSystem": "linux",
                "architecture": "amd64",
                "machineID": super::ids::hex(32),
                "systemUUID": super::ids::uid(),
                "bootID": super::ids::uid(),
            },
        },
    })
}

fn deployment(spec: &DeploymentSpec) -> Value {
    let containers: Vec<Value> = spec
        .containers
        .iter()
        .map(|c| {
            let mut v = json!({"name": c.name, "image": c.image});
            if let Some(p) = c.port {
                v["ports"] = json!([{"containerPort": p, "protocol": "TCP"}]);
            }
            let mut requests = Map::new();
            if let Some(cpu) = &c.cpu {
                requests.insert("cpu".into(), json!(cpu));
            }
            if let Some(mem) = &c.memory {
                requests.insert("memory".into(), json!(mem));
            }
            if !requests.is_empty() {
                v["resources"] = json!({"requests": requests});
            }
            v
        })
        .collect();
    let mut d = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": spec.name, "namespace": spec.namespace, "labels": spec.labels},
        "spec": {
            "replicas": spec.replicas,
            "selector": {"matchLabels": spec.labels},
            "template": {"metadata": {"labels": spec.labels}, "spec": {"containers": containers}},
        },
    });
    if !spec.annotations.is_empty() {
        d["metadata"]["annotations"] = json!(spec.annotations);
    }
    if spec.max_surge.is_some() || spec.max_unavailable.is_some() {
        let mut ru = Map::new();
        if let Some(v) = &spec.max_surge {
            ru.insert("maxSurge".into(), int_or_percent(v));
        }
        if let Some(v) = &spec.max_unavailable {
            ru.insert("maxUnavailable".into(), int_or_percent(v));
        }
        d["spec"]["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": ru});
    }
    if let Some(m) = spec.min_ready_seconds {
        d["spec"]["minReadySeconds"] = json!(m);
    }
    if let Some(p) = spec.progress_deadline_seconds {
        d["spec"]["progressDeadlineSeconds"] = json!(p);
    }
    if let Some(extra) = &spec.pod_spec_extra {
        if let (Ok(patch), Some(pod_spec)) = (
            serde_json::to_value(extra),
            meta::at(&d, &["spec", "template", "spec"]),
        ) {
            if let Ok(merged) = super::patch::apply(PatchType::Strategic, pod_spec, &patch) {
                d["spec"]["template"]["spec"] = merged;
            }
        }
    }
    if let Some(load) = &spec.load {
        d["metadata"]["annotations"][crate::demo::usage::curve::ANNOTATION] = json!(load);
    }
    d
}

/// Creates the scenario's objects with back-dated timestamps and lets the
/// controllers settle instantly, so the cluster starts looking long-running.
pub fn seed(
    scenario: &Scenario,
    registry: &Registry,
    clock: &Clock,
    sim: &mut Sim,
) -> anyhow::Result<()> {
    clock.set_instant(true);
    let result = seed_inner(scenario, registry, clock, sim);
    clock.set_offset(chrono::Duration::zero());
    clock.set_instant(false);
    result?;
    extras::start_rollouts(registry, &scenario.rollouts)
}

fn seed_inner(
    scenario: &Scenario,
    registry: &Registry,
    clock: &Clock,
    sim: &mut Sim,
) -> anyhow::Result<()> {
    let cluster_age = age(&scenario.cluster_age)?;
    clock.set_offset(cluster_age);
    for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        registry
            .create_internal(&NAMESPACES, json!({"metadata": {"name": name}}))
            .map_err(|e| anyhow::anyhow!("seeding namespace {name}: {e}"))?;
    }
    // Namespace content the controllers publish (kube-root-ca.crt) is as
    // old as the namespace.
    sim.settle(200);
    for (i, n) in scenario.nodes.iter().enumerate() {
        registry
            .create_internal(&NODES, node(n, i, &clock.now_string()))
            .map_err(|e| anyhow::anyhow!("seeding node {}: {e}", n.name))?;
    }
    for ns in &scenario.namespaces {
        clock.set_offset(age(&ns.age)?);
        registry
            .create_internal(
                &NAMESPACES,
                json!({"metadata": {"name": ns.name, "labels": ns.labels}}),
            )
            .map_err(|e| anyhow::anyhow!("seeding namespace {}: {e}", ns.name))?;
        sim.settle(200);
    }
    let objects = network::Objects {
        cluster_age,
        services: &scenario.services,
        config_maps: &scenario.configmaps,
        secrets: &scenario.secrets,
    };
    network::seed(registry, clock, sim, objects, age)?;
    for d in &scenario.deployments {
        extras::check_load(&d.load)
            .with_context(|| format!("deployment {}/{}", d.namespace, d.name))?;
    }
    if scenario.seed_running {
        scale::seed_running(scenario, registry, clock, sim)?;
    }
    for d in scenario
        .deployments
        .iter()
        .filter(|_| !scenario.seed_running)
    {
        clock.set_offset(age(&d.age)?);
        registry
            .create_internal(&DEPLOYMENTS, deployment(d))
            .map_err(|e| anyhow::anyhow!("seeding deployment {}/{}: {e}", d.namespace, d.name))?;
        sim.settle(200);
    }
    for s in &scenario.statefulsets {
        clock.set_offset(age(&s.age)?);
        registry
            .create_internal(&STATEFULSETS, statefulsets::statefulset(s))
            .map_err(|e| anyhow::anyhow!("seeding statefulset {}/{}: {e}", s.namespace, s.name))?;
        sim.settle(200);
    }
    clock.set_offset(chrono::Duration::zero());
    extras::create_hpas(registry, &scenario.hpas)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_parses_and_builds_valid_objects() {
        for name in names() {
            let s = load(name).unwrap();
            assert!(!s.description.is_empty());
            for d in &s.deployments {
                crate::demo::registry::validate::object(&DEPLOYMENTS, &deployment(d)).unwrap();
                age(&d.age).unwrap();
            }
        }
    }

    #[test]
    fn unknown_scenarios_name_the_known_ones() {
        let err = load("nope").unwrap_err().to_string();
        assert!(
            err.contains("unknown demo scenario \"nope\"") && err.contains("shop"),
            "{err}"
        );
    }
}
