//! What the cache keeps of a pod. At 10,000 pods the cache is most of the
//! cockpit's memory, and a pod as the API server sends it carries much that
//! no screen reads (scheduling, probes, the service-account volume every
//! pod gets). Dropping it at intake also means it is never shown
//! unsanitized. Deployments and ReplicaSets keep their full templates: the
//! history panel diffs them, and there are far fewer of them.
//!
//! JSON gives serde no length for arrays, so a one-element `Vec` is parsed
//! with room for four; at several kilobytes per `Container` or `Volume`
//! that slack alone was a third of the cache, hence the `shrink_to_fit`s.

use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod, PodSpec, PodStatus, Volume};

pub fn pod(p: &mut Pod) {
    if let Some(refs) = p.metadata.owner_references.as_mut() {
        refs.shrink_to_fit();
    }
    if let Some(spec) = p.spec.as_mut() {
        pod_spec(spec);
    }
    if let Some(st) = p.status.as_mut() {
        pod_status(st);
    }
}

/// Only the shape: for objects whose every field may be shown or diffed.
pub fn shrink_spec(spec: &mut PodSpec) {
    spec.containers.shrink_to_fit();
    for c in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        for v in [&mut c.env].into_iter().flatten() {
            v.shrink_to_fit();
        }
        for v in [&mut c.volume_mounts].into_iter().flatten() {
            v.shrink_to_fit();
        }
    }
    if let Some(v) = spec.init_containers.as_mut() {
        v.shrink_to_fit();
    }
    if let Some(v) = spec.volumes.as_mut() {
        v.shrink_to_fit();
    }
}

fn pod_spec(spec: &mut PodSpec) {
    spec.affinity = None;
    spec.tolerations = None;
    spec.security_context = None;
    spec.dns_config = None;
    spec.host_aliases = None;
    spec.topology_spread_constraints = None;
    spec.overhead = None;
    spec.scheduling_gates = None;
    spec.resource_claims = None;
    spec.readiness_gates = None;
    spec.image_pull_secrets = None;
    spec.ephemeral_containers = None;
    spec.os = None;
    spec.node_selector = None;

    // The pod detail lists the ConfigMaps and Secrets the app reads; the
    // token volume the API server injects into every pod is not one.
    if let Some(vols) = spec.volumes.as_mut() {
        vols.retain(|v| !is_api_access(v));
        for v in vols.iter_mut() {
            keep_config_sources(v);
        }
        vols.retain(|v| v.config_map.is_some() || v.secret.is_some() || v.projected.is_some());
    }
    let kept: Vec<String> = spec
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.clone())
        .collect();
    for c in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        container(c, &kept);
    }
    if spec.volumes.as_ref().is_some_and(Vec::is_empty) {
        spec.volumes = None;
    }
    shrink_spec(spec);
}

fn is_api_access(v: &Volume) -> bool {
    v.projected.as_ref().is_some_and(|p| {
        p.sources
            .iter()
            .flatten()
            .any(|s| s.service_account_token.is_some())
    })
}

/// A volume reduced to its ConfigMap and Secret sources, the only kinds the
/// pod detail shows; any other volume becomes empty and is dropped.
fn keep_config_sources(v: &mut Volume) {
    let config_map = v.config_map.take();
    let secret = v.secret.take();
    let projected = v.projected.take().and_then(|mut p| {
        let sources = p.sources.take().map(|mut s| {
            s.retain(|src| src.config_map.is_some() || src.secret.is_some());
            for src in s.iter_mut() {
                src.downward_api = None;
                src.service_account_token = None;
                src.cluster_trust_bundle = None;
                src.pod_certificate = None;
            }
            s.shrink_to_fit();
            s
        });
        sources.filter(|s| !s.is_empty()).map(|s| {
            p.sources = Some(s);
            p
        })
    });
    *v = Volume {
        name: std::mem::take(&mut v.name),
        config_map,
        secret,
        projected,
        ..Volume::default()
    };
}

fn container(c: &mut Container, volumes: &[String]) {
    c.args = None;
    c.command = None;
    c.lifecycle = None;
    c.liveness_probe = None;
    c.readiness_probe = None;
    c.startup_probe = None;
    c.ports = None;
    c.resources = None;
    c.resize_policy = None;
    c.security_context = None;
    c.termination_message_path = None;
    c.termination_message_policy = None;
    c.image_pull_policy = None;
    c.working_dir = None;
    c.volume_devices = None;
    // Plain values are not shown (and may be credentials someone inlined);
    // references to ConfigMaps and Secrets are.
    if let Some(env) = c.env.as_mut() {
        env.retain(|e| {
            e.value_from
                .as_ref()
                .is_some_and(|f| f.config_map_key_ref.is_some() || f.secret_key_ref.is_some())
        });
        for e in env.iter_mut() {
            e.value = None;
            if let Some(f) = e.value_from.as_mut() {
                f.field_ref = None;
                f.resource_field_ref = None;
                f.file_key_ref = None;
            }
        }
    }
    if c.env.as_ref().is_some_and(Vec::is_empty) {
        c.env = None;
    }
    if let Some(mounts) = c.volume_mounts.as_mut() {
        mounts.retain(|m| volumes.contains(&m.name));
    }
    if c.volume_mounts.as_ref().is_some_and(Vec::is_empty) {
        c.volume_mounts = None;
    }
}

fn pod_status(st: &mut PodStatus) {
    st.host_ips = None;
    st.pod_ips = None;
    st.qos_class = None;
    st.resize = None;
    st.resource_claim_statuses = None;
    st.ephemeral_container_statuses = None;
    st.extended_resource_claim_status = None;
    if let Some(c) = st.conditions.as_mut() {
        c.shrink_to_fit();
    }
    for list in [&mut st.container_statuses, &mut st.init_container_statuses]
        .into_iter()
        .flatten()
    {
        list.iter_mut().for_each(container_status);
        list.shrink_to_fit();
    }
}

fn container_status(cs: &mut ContainerStatus) {
    cs.image_id = String::new();
    cs.allocated_resources = None;
    cs.allocated_resources_status = None;
    cs.resources = None;
    cs.volume_mounts = None;
    cs.user = None;
    cs.stop_signal = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Pod {
        let text = include_str!("../../tests/fixtures/pod-kwok.json");
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn keeps_what_screens_read() {
        let mut p = fixture();
        pod(&mut p);
        let spec = p.spec.as_ref().unwrap();
        assert_eq!(spec.node_name.as_deref(), Some("kwok-node-17"));
        assert_eq!(
            spec.containers[0].image.as_deref(),
            Some("registry.example/perf/app:1.0.0")
        );
        let st = p.status.as_ref().unwrap();
        assert_eq!(st.pod_ip.as_deref(), Some("10.0.17.42"));
        assert_eq!(st.conditions.as_ref().map(Vec::len), Some(4));
        assert!(st.container_statuses.as_ref().unwrap()[0].ready);
    }

    #[test]
    fn drops_the_api_access_volume_and_its_mount() {
        let mut p = fixture();
        pod(&mut p);
        let spec = p.spec.as_ref().unwrap();
        assert!(spec.volumes.is_none());
        assert!(spec.containers[0].volume_mounts.is_none());
        assert!(spec.tolerations.is_none());
    }

    #[test]
    fn keeps_config_map_and_secret_references() {
        let mut p: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "api"},
            "spec": {
                "containers": [{
                    "name": "api",
                    "env": [
                        {"name": "PLAIN", "value": "hunter2"},
                        {"name": "DB_URL", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}},
                        {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}
                    ],
                    "volumeMounts": [
                        {"name": "config", "mountPath": "/etc/api"},
                        {"name": "scratch", "mountPath": "/tmp"},
                        {"name": "mixed", "mountPath": "/etc/mixed"}
                    ]
                }],
                "volumes": [
                    {"name": "config", "configMap": {"name": "api-config"}},
                    {"name": "scratch", "emptyDir": {}},
                    {"name": "mixed", "projected": {"sources": [
                        {"secret": {"name": "tls"}},
                        {"downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}}
                    ]}}
                ]
            }
        }))
        .unwrap();
        let before = crate::model::pod_detail::config_refs(&p);
        pod(&mut p);
        assert_eq!(crate::model::pod_detail::config_refs(&p), before);
        let c = &p.spec.as_ref().unwrap().containers[0];
        let env: Vec<&str> = c.env.iter().flatten().map(|e| e.name.as_str()).collect();
        assert_eq!(env, ["DB_URL"]);
        let mounts: Vec<&str> = c
            .volume_mounts
            .iter()
            .flatten()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(mounts, ["config", "mixed"]);
        let json = serde_json::to_string(&p).unwrap();
        assert!(!json.contains("hunter2"));
        assert!(!json.contains("downwardAPI"));
    }
}
