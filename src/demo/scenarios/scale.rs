//! The `scale` scenario, generated from its parameters:
//! `scale[:DEPLOYMENTSxPODS[xNODES]]` (default `scale:1000x10`: 1,000
//! deployments of 10 pods = 10,000 pods over a few namespaces and 50 nodes),
//! and the fast seeding it needs: pods are stored already running instead of
//! being played through scheduling and start-up one by one.

use std::collections::HashMap;

use anyhow::Context;
use serde_json::{json, Value};

use super::Scenario;
use crate::demo::clock::Clock;
use crate::demo::controllers::{deployment, Sim};
use crate::demo::ids;
use crate::demo::meta;
use crate::demo::registry::{defaults, Registry};
use crate::demo::resources::{DEPLOYMENTS, NODES, PODS, REPLICASETS};

pub const NAME: &str = "scale";
/// Seeding writes about one change per pod; the watch history must hold them.
const MAX_PODS: usize = 40_000;
const DEPLOYMENTS_PER_NAMESPACE: usize = 250;

/// `scale`, `scale:1000x10`, `scale:100x5x8`; `None` for other names.
pub fn parse(name: &str) -> Option<anyhow::Result<Scenario>> {
    let params = match name.split_once(':') {
        None if name == NAME => "",
        Some((NAME, p)) => p,
        _ => return None,
    };
    Some(from_params(params).with_context(|| {
        format!(
            "demo scenario {name:?}: expected scale:DEPLOYMENTSxPODS[xNODES], e.g. scale:1000x10"
        )
    }))
}

fn from_params(params: &str) -> anyhow::Result<Scenario> {
    let nums: Vec<usize> = if params.is_empty() {
        vec![1000, 10]
    } else {
        params
            .split('x')
            .map(|n| n.trim().parse::<usize>())
            .collect::<Result<_, _>>()?
    };
    let (deployments, pods) = match nums.as_slice() {
        [d, p] | [d, p, _] => (*d, *p),
        _ => anyhow::bail!("two or three numbers are needed"),
    };
    if deployments == 0 || deployments * pods > MAX_PODS {
        anyhow::bail!("between 1 deployment and {MAX_PODS} pods in all");
    }
    let nodes = match nums.get(2) {
        Some(n) => (*n).clamp(1, 250),
        None => (deployments * pods / 200).clamp(3, 50),
    };
    scenario(deployments, pods as i64, nodes)
}

fn scenario(deployments: usize, pods: i64, nodes: usize) -> anyhow::Result<Scenario> {
    let namespaces = deployments.div_ceil(DEPLOYMENTS_PER_NAMESPACE).clamp(1, 10);
    let mut node_list = vec![json!({"name": "scale-control-plane", "role": "control-plane"})];
    node_list.extend((1..=nodes).map(|n| json!({"name": format!("scale-worker-{n:03}")})));
    let namespace_list: Vec<Value> = (0..namespaces)
        .map(|n| json!({"name": format!("scale-{n}"), "age": "60d", "labels": {"team": format!("team-{n}")}}))
        .collect();
    let deployment_list: Vec<Value> = (0..deployments)
        .map(|i| {
            let name = format!("app-{i:04}");
            json!({
                "namespace": format!("scale-{}", i % namespaces),
                "name": name,
                "replicas": pods,
                "age": format!("{}d", 1 + i % 30),
                "labels": {"app": name},
                "containers": [{"name": "app", "image": format!("ghcr.io/kockpit-demo/app:1.{}.0", i % 7),
                                "port": 8080, "cpu": "50m", "memory": "64Mi"}],
            })
        })
        .collect();
    // Through serde, so fields other scenarios add keep their defaults.
    let s: Scenario = serde_json::from_value(json!({
        "description": format!(
            "Scale: {deployments} deployments x {pods} pods over {namespaces} namespaces and {nodes} nodes"
        ),
        "cluster_age": "90d",
        "seed_running": true,
        "nodes": node_list,
        "namespaces": namespace_list,
        "deployments": deployment_list,
    }))?;
    Ok(s)
}

/// (name, podCIDR prefix, InternalIP) of the nodes pods may run on.
fn worker_nodes(registry: &Registry) -> Vec<(String, String, String)> {
    let (nodes, _) = registry.store.list(&NODES, None);
    nodes
        .iter()
        .filter(|n| meta::at(n, &["spec", "taints"]).is_none())
        .map(|n| {
            let cidr = meta::str_at(n, &["spec", "podCIDR"]).unwrap_or("10.244.0.0/24");
            let prefix = cidr.rsplit_once('.').map_or("10.244.0", |(p, _)| p);
            let ip = meta::at(n, &["status", "addresses"])
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(|a| a.get("address"))
                .and_then(Value::as_str)
                .unwrap_or("172.18.0.2");
            (
                meta::name(n).to_string(),
                prefix.to_string(),
                ip.to_string(),
            )
        })
        .collect()
}

/// A pod of `rs` as the kubelet would have left it once running and ready.
fn running_pod(
    rs: &Value,
    created: &str,
    node: &(String, String, String),
    host_index: usize,
) -> Value {
    let template = meta::at(rs, &["spec", "template"])
        .cloned()
        .unwrap_or(json!({}));
    let rs_name = meta::name(rs);
    let (node_name, prefix, host_ip) = node;
    let pod_ip = format!("{prefix}.{}", 2 + host_index % 252);
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("{rs_name}-{}", ids::suffix(5)),
            "generateName": format!("{rs_name}-"),
            "namespace": meta::namespace(rs),
            "uid": ids::uid(),
            "creationTimestamp": created,
            "labels": meta::at(&template, &["metadata", "labels"]).cloned().unwrap_or(json!({})),
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name,
                "uid": meta::uid(rs), "controller": true, "blockOwnerDeletion": true,
            }],
        },
        "spec": template.get("spec").cloned().unwrap_or(json!({})),
    });
    meta::set(&mut pod, &["spec", "nodeName"], json!(node_name));
    defaults::apply(&PODS, &mut pod);
    defaults::service_account_volume(&mut pod);
    let statuses: Vec<Value> = meta::containers(meta::at(&pod, &["spec"]))
        .iter()
        .map(|c| {
            let image = c.get("image").and_then(Value::as_str).unwrap_or("");
            let repo = image.rsplit_once(':').map_or(image, |(r, _)| r);
            json!({
                "name": c.get("name"), "image": image,
                "imageID": format!("{repo}@sha256:{}", ids::hex(64)),
                "containerID": format!("containerd://{}", ids::hex(64)),
                "ready": true, "started": true, "restartCount": 0,
                "state": {"running": {"startedAt": created}}, "lastState": {},
            })
        })
        .collect();
    let cond = |kind: &str| json!({"type": kind, "status": "True", "lastProbeTime": null, "lastTransitionTime": created});
    let has_requests = meta::containers(meta::at(&pod, &["spec"])).iter().any(|c| {
        meta::at(c, &["resources", "requests"])
            .is_some_and(|r| r.as_object().is_some_and(|m| !m.is_empty()))
    });
    meta::set(
        &mut pod,
        &["status"],
        json!({
            "phase": "Running",
            "conditions": [cond("PodReadyToStartContainers"), cond("Initialized"), cond("Ready"),
                           cond("ContainersReady"), cond("PodScheduled")],
            "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
            "podIP": pod_ip, "podIPs": [{"ip": pod_ip}],
            "startTime": created,
            "containerStatuses": statuses,
            "qosClass": if has_requests { "Burstable" } else { "BestEffort" },
        }),
    );
    pod
}

/// Creates the deployments, lets the deployment controller make their
/// ReplicaSets, stores every pod running and ready, then settles statuses.
pub fn seed_running(
    scenario: &Scenario,
    registry: &Registry,
    clock: &Clock,
    sim: &mut Sim,
) -> anyhow::Result<()> {
    for d in &scenario.deployments {
        clock.set_offset(super::age(&d.age)?);
        registry
            .create_internal(&DEPLOYMENTS, super::deployment(d))
            .map_err(|e| anyhow::anyhow!("seeding deployment {}/{}: {e}", d.namespace, d.name))?;
    }
    deployment::sync_all(registry, clock, sim.events());
    let nodes = worker_nodes(registry);
    anyhow::ensure!(!nodes.is_empty(), "the scale scenario needs a worker node");
    // Pods as old as their deployment (the ReplicaSets were all made now).
    let (deployments, _) = registry.store.list(&DEPLOYMENTS, None);
    let born: HashMap<&str, &str> = deployments
        .iter()
        .map(|d| {
            let created = meta::str_at(d, &["metadata", "creationTimestamp"]).unwrap_or("");
            (meta::uid(d), created)
        })
        .collect();
    let (replicasets, _) = registry.store.list(&REPLICASETS, None);
    let mut placed = 0usize;
    for rs in &replicasets {
        let replicas = meta::i64_at(rs, &["spec", "replicas"]).unwrap_or(0).max(0) as usize;
        let created = meta::controller_uid(rs)
            .and_then(|d| born.get(d).copied())
            .or_else(|| meta::str_at(rs, &["metadata", "creationTimestamp"]))
            .unwrap_or("");
        for _ in 0..replicas {
            let node = &nodes[placed % nodes.len()];
            let pod = running_pod(rs, created, node, placed / nodes.len());
            registry
                .store
                .create(&PODS, pod, false)
                .map_err(|e| anyhow::anyhow!("seeding a pod of {}: {e}", meta::name(rs)))?;
            placed += 1;
        }
    }
    sim.settle(20);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters() {
        let s = parse("scale").unwrap().unwrap();
        assert_eq!(s.deployments.len(), 1000);
        assert_eq!(s.deployments[0].replicas, 10);
        assert_eq!(s.nodes.len(), 51);
        assert_eq!(s.namespaces.len(), 4);
        let s = parse("scale:20x3x4").unwrap().unwrap();
        assert_eq!((s.deployments.len(), s.nodes.len()), (20, 5));
        assert!(parse("shop").is_none());
        let err = format!("{:#}", parse("scale:lots").unwrap().unwrap_err());
        assert!(err.contains("scale:DEPLOYMENTSxPODS"), "{err}");
        assert!(parse("scale:100000x10").unwrap().is_err());
    }
}
