use serde_json::json;

use super::*;

/// The kwok pod a v1.34 API server sent, with one plain env value and one
/// Secret reference added to its container.
fn kwok_with_env() -> serde_json::Value {
    let text = include_str!("../../../tests/fixtures/pod-kwok.json");
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    v["spec"]["containers"][0]["env"] = json!([
        {"name": "PLAIN", "value": "hunter2"},
        {"name": "DB_URL", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url", "optional": false}}}
    ]);
    v
}

#[test]
fn a_real_servers_pod_parses_with_every_field_the_screens_read() {
    let p: Pod = serde_json::from_value(kwok_with_env()).unwrap();
    let m = &p.metadata;
    assert_eq!(m.name.as_deref(), Some("app-0042-5d8f7c9b6d-x7k2p"));
    assert_eq!(m.namespace.as_deref(), Some("perf"));
    assert_eq!(
        m.uid.as_deref(),
        Some("3f1c2a9e-8d4b-4c71-9a52-7e6b1d0f4a13")
    );
    assert!(m.creation_timestamp.is_some());
    assert_eq!(m.resource_version.as_deref(), Some("1234567"));
    // Sent, but read by nothing: skipped while parsing.
    assert!(m.managed_fields.is_none() && m.generate_name.is_none());
    assert_eq!(
        m.labels.as_ref().unwrap()["pod-template-hash"],
        "5d8f7c9b6d"
    );
    let owner = &m.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str(), owner.controller),
        ("ReplicaSet", "app-0042-5d8f7c9b6d", Some(true))
    );

    let spec = p.spec.as_ref().unwrap();
    assert_eq!(spec.node_name.as_deref(), Some("kwok-node-17"));
    assert!(spec.init_containers.is_none());
    let c = &spec.containers[0];
    assert_eq!(c.name, "app");
    assert_eq!(c.image.as_deref(), Some("registry.example/perf/app:1.0.0"));
    let mount = &c.volume_mounts.as_ref().unwrap()[0];
    assert_eq!(
        mount.mount_path,
        "/var/run/secrets/kubernetes.io/serviceaccount"
    );
    let db = &c.env.as_ref().unwrap()[1];
    let secret = db.value_from.as_ref().unwrap().secret_key_ref.as_ref();
    assert_eq!(
        secret.map(|s| (s.name.as_str(), s.key.as_str())),
        Some(("db", "url"))
    );
    let vol = &spec.volumes.as_ref().unwrap()[0];
    let sources = vol.projected.as_ref().unwrap().sources.as_ref().unwrap();
    assert_eq!(sources[0].service_account_token, Some(Present));
    assert_eq!(
        sources[1].config_map.as_ref().map(|c| c.name.as_str()),
        Some("kube-root-ca.crt")
    );
    assert_eq!(
        sources[1]
            .config_map
            .as_ref()
            .unwrap()
            .items
            .as_ref()
            .unwrap()[0]
            .key,
        "ca.crt"
    );

    let st = p.status.as_ref().unwrap();
    assert_eq!(st.phase.as_deref(), Some("Running"));
    assert_eq!(st.pod_ip.as_deref(), Some("10.0.17.42"));
    assert!(st.start_time.is_some());
    let ready = st
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Ready")
        .unwrap();
    assert_eq!(ready.status, "True");
    let cs = &st.container_statuses.as_ref().unwrap()[0];
    assert_eq!(
        (cs.name.as_str(), cs.ready, cs.restart_count),
        ("app", true, 0)
    );
    let running = cs.state.as_ref().unwrap().running.as_ref().unwrap();
    assert!(running.started_at.is_some());
}

#[test]
fn a_plain_env_value_is_never_parsed() {
    let p: Pod = serde_json::from_value(kwok_with_env()).unwrap();
    let env = p.spec.as_ref().unwrap().containers[0].env.as_ref().unwrap();
    assert_eq!(env[0].name, "PLAIN");
    assert!(env[0].value_from.is_none());
    assert!(!format!("{p:?}").contains("hunter2"));
}

#[test]
fn null_reads_as_absent() {
    let p: Pod = serde_json::from_value(json!({
        "metadata": {"name": "x"},
        "spec": {"containers": null, "volumes": null},
        "status": {"containerStatuses": [{"name": null, "ready": null, "restartCount": null,
            "state": {"terminated": {"exitCode": null}}, "lastState": null}],
            "conditions": [{"type": "Ready", "status": null, "message": null}]}
    }))
    .unwrap();
    assert!(p.spec.as_ref().unwrap().containers.is_empty());
    let st = p.status.unwrap();
    let cs = &st.container_statuses.unwrap()[0];
    assert_eq!(
        (cs.name.as_str(), cs.ready, cs.restart_count),
        ("", false, 0)
    );
    assert_eq!(
        cs.state
            .as_ref()
            .unwrap()
            .terminated
            .as_ref()
            .unwrap()
            .exit_code,
        0
    );
    assert_eq!(st.conditions.unwrap()[0].status, "");
}

#[test]
fn kube_serves_it_as_a_core_v1_pod() {
    use kube::Resource;
    assert_eq!(Pod::api_version(&()), "v1");
    assert_eq!(Pod::kind(&()), "Pod");
    assert_eq!(
        Pod::url_path(&(), Some("shop")),
        "/api/v1/namespaces/shop/pods"
    );
    assert_eq!(Pod::url_path(&(), None), "/api/v1/pods");
}
