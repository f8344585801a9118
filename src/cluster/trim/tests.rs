use super::*;
use crate::model::pod_detail::config_refs;

fn fixture() -> Pod {
    let text = include_str!("../../../tests/fixtures/pod-kwok.json");
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
    let kept: Vec<&str> = st
        .conditions
        .iter()
        .flatten()
        .map(|c| c.type_.as_str())
        .collect();
    assert_eq!(kept, ["Ready", "PodScheduled"]);
    let cs = &st.container_statuses.as_ref().unwrap()[0];
    assert!(cs.ready);
    assert!(cs.state.as_ref().unwrap().running.is_some());
    // `lastState: {}` says nothing.
    assert!(cs.last_state.is_none());
}

#[test]
fn drops_the_api_access_volume_and_its_mount() {
    let mut p = fixture();
    let spec = p.spec.as_ref().unwrap();
    assert_eq!(spec.volumes.as_ref().map(Vec::len), Some(1));
    assert!(spec.containers[0].volume_mounts.is_some());
    pod(&mut p);
    let spec = p.spec.as_ref().unwrap();
    assert!(spec.volumes.is_none());
    assert!(spec.containers[0].volume_mounts.is_none());
    assert!(config_refs(&p).is_empty());
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
                "envFrom": [{"configMapRef": {"name": "api-env"}}, {"prefix": "X_"}],
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
    let before = config_refs(&p);
    pod(&mut p);
    assert_eq!(config_refs(&p), before);
    let spec = p.spec.as_ref().unwrap();
    let c = &spec.containers[0];
    let env: Vec<&str> = c.env.iter().flatten().map(|e| e.name.as_str()).collect();
    assert_eq!(env, ["DB_URL"]);
    assert_eq!(c.env_from.as_ref().map(Vec::len), Some(1));
    let mounts: Vec<&str> = c
        .volume_mounts
        .iter()
        .flatten()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(mounts, ["config", "mixed"]);
    let volumes: Vec<&str> = spec
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(volumes, ["config", "mixed"]);
    let mixed = spec.volumes.as_ref().unwrap()[1]
        .projected
        .as_ref()
        .unwrap();
    assert_eq!(mixed.sources.as_ref().map(Vec::len), Some(1));
    let all = format!("{p:?}");
    assert!(!all.contains("hunter2"), "{all}");
    assert!(!all.contains("PLAIN") && !all.contains("\"NS\""), "{all}");
}

#[test]
fn a_volume_projecting_only_the_token_is_dropped_with_its_sources() {
    let mut p: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "api"},
        "spec": {
            "containers": [{"name": "api", "volumeMounts": [{"name": "tok", "mountPath": "/t"}]}],
            "volumes": [
                {"name": "tok", "projected": {"sources": [
                    {"serviceAccountToken": {"path": "token", "audience": "vault"}}]}},
                {"name": "downward", "projected": {"sources": [
                    {"downwardAPI": {"items": [{"path": "ns"}]}}]}}
            ]
        }
    }))
    .unwrap();
    let spec = p.spec.as_ref().unwrap();
    let tok = &spec.volumes.as_ref().unwrap()[0];
    assert!(is_api_access(tok));
    pod(&mut p);
    let spec = p.spec.as_ref().unwrap();
    assert!(spec.volumes.is_none());
    assert!(spec.containers[0].volume_mounts.is_none());
}
