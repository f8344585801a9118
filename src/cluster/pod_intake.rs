//! Intake of the slim pod: trim what it should not keep, then sanitize
//! every string it holds, since any of them may reach the screen.

use crate::model::cached::{ContainerState, ContainerStatus, KeyToPath, Pod, PodSpec, PodStatus};
use crate::model::sanitize::clean_in_place;

use super::intake::{meta, Intake};
use super::pod_spec_text::clean_pod_spec;

impl Intake for Pod {
    fn intake(&mut self) {
        super::trim::pod(self);
        meta(&mut self.metadata);
        if let Some(spec) = self.spec.as_mut() {
            pod_spec(spec);
        }
        if let Some(st) = self.status.as_mut() {
            pod_status(st);
        }
    }
}

fn clean_opt(s: &mut Option<String>) {
    s.iter_mut().for_each(clean_in_place);
}

fn clean_items(items: &mut Option<Vec<KeyToPath>>) {
    for i in items.iter_mut().flatten() {
        clean_in_place(&mut i.key);
    }
}

fn pod_spec(spec: &mut PodSpec) {
    clean_pod_spec!(spec, clean_items);
}

fn pod_status(st: &mut PodStatus) {
    clean_opt(&mut st.phase);
    clean_opt(&mut st.reason);
    clean_opt(&mut st.pod_ip);
    for c in st.conditions.iter_mut().flatten() {
        clean_in_place(&mut c.type_);
        clean_in_place(&mut c.status);
        clean_opt(&mut c.message);
    }
    st.container_statuses
        .iter_mut()
        .chain(st.init_container_statuses.iter_mut())
        .flatten()
        .for_each(container_status);
}

fn container_status(cs: &mut ContainerStatus) {
    clean_in_place(&mut cs.name);
    clean_opt(&mut cs.container_id);
    [cs.state.as_mut(), cs.last_state.as_deref_mut()]
        .into_iter()
        .flatten()
        .for_each(container_state);
}

fn container_state(s: &mut ContainerState) {
    if let Some(w) = s.waiting.as_mut() {
        clean_opt(&mut w.reason);
        clean_opt(&mut w.message);
    }
    if let Some(t) = s.terminated.as_mut() {
        clean_opt(&mut t.reason);
        clean_opt(&mut t.container_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kwok pod a v1.34 API server sent, with a plain env value, a
    /// Secret reference and hostile bytes in every kind of string kept.
    fn kwok() -> Pod {
        let text = include_str!("../../tests/fixtures/pod-kwok.json");
        let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
        v["spec"]["containers"][0]["env"] = serde_json::json!([
            {"name": "PLAIN", "value": "hunter2"},
            {"name": "DB\u{1b}[2J", "valueFrom": {"secretKeyRef": {"name": "db\u{7}", "key": "url\u{9b}31m"}}}
        ]);
        v["status"]["containerStatuses"][0]["lastState"] = serde_json::json!(
            {"terminated": {"exitCode": 1, "reason": "Err\u{1b}]0;x\u{7}or", "containerID": "c://1\r"}});
        v["status"]["conditions"][3]["message"] = "0/3 nodes\u{1b}[1A".into();
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn intake_drops_the_token_volume_and_plain_env() {
        let mut p = kwok();
        p.intake();
        let spec = p.spec.as_ref().unwrap();
        assert!(spec.volumes.is_none());
        let c = &spec.containers[0];
        assert!(c.volume_mounts.is_none());
        let env: Vec<&str> = c.env.iter().flatten().map(|e| e.name.as_str()).collect();
        assert_eq!(env, ["DB\u{FFFD}"]);
        let all = format!("{p:?}");
        assert!(!all.contains("hunter2") && !all.contains("kube-api-access"));
        assert!(p.metadata.managed_fields.is_none());
    }

    /// Every field the slim pod keeps, filled.
    fn every_field() -> serde_json::Value {
        let c = |name: &str| {
            serde_json::json!({"name": name, "image": "img:1",
                "env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}},
                        {"name": "B", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
                "envFrom": [{"configMapRef": {"name": "cm"}}, {"secretRef": {"name": "s"}}],
                "volumeMounts": [{"name": "v1", "mountPath": "/a"}, {"name": "v2", "mountPath": "/b"},
                                 {"name": "v3", "mountPath": "/c"}]})
        };
        let cs = |name: &str| {
            serde_json::json!({"name": name, "ready": false, "restartCount": 2, "containerID": "c://2",
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "containerID": "c://1",
                    "finishedAt": "2026-01-01T00:00:00Z"}}})
        };
        serde_json::json!({
            "metadata": {"name": "p", "namespace": "ns", "uid": "u", "resourceVersion": "1",
                "labels": {"app": "a"}, "creationTimestamp": "2026-01-01T00:00:00Z",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs",
                    "uid": "u2", "controller": true}]},
            "spec": {"nodeName": "n", "initContainers": [c("i")], "containers": [c("c")],
                "volumes": [
                    {"name": "v1", "configMap": {"name": "cm", "items": [{"key": "k", "path": "p"}]}},
                    {"name": "v2", "secret": {"secretName": "s", "items": [{"key": "k", "path": "p"}]}},
                    {"name": "v3", "projected": {"sources": [
                        {"configMap": {"name": "cm", "items": [{"key": "k", "path": "p"}]}},
                        {"secret": {"name": "s", "items": [{"key": "k", "path": "p"}]}}]}}]},
            "status": {"phase": "Running", "reason": "r", "podIP": "10.0.0.1",
                "startTime": "2026-01-01T00:00:00Z",
                "conditions": [{"type": "Ready", "status": "False", "message": "m"}],
                "initContainerStatuses": [cs("i")], "containerStatuses": [cs("c")]}
        })
    }

    /// Appends an escape sequence to every string a screen may show (not
    /// timestamps, which would not parse, nor the IDs and versions that
    /// are only sent back to the server).
    fn poison(v: &mut serde_json::Value) {
        const NOT_SHOWN: [&str; 8] = [
            "uid",
            "resourceVersion",
            "apiVersion",
            "creationTimestamp",
            "startTime",
            "finishedAt",
            "startedAt",
            "lastTransitionTime",
        ];
        match v {
            serde_json::Value::Object(map) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                for k in keys {
                    if NOT_SHOWN.contains(&k.as_str()) {
                        continue;
                    }
                    let Some(inner) = map.get_mut(&k) else {
                        continue;
                    };
                    poison(inner);
                    // Label keys are shown too.
                    if let (true, serde_json::Value::Object(labels)) = (k == "labels", inner) {
                        *labels = std::mem::take(labels)
                            .into_iter()
                            .map(|(k, v)| (format!("{k}\u{1b}[2J"), v))
                            .collect();
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(poison),
            serde_json::Value::String(s) => s.push_str("\u{1b}[2J\u{7}"),
            _ => {}
        }
    }

    #[test]
    fn intake_sanitizes_every_kept_string() {
        let mut v = every_field();
        poison(&mut v);
        let mut p: Pod = serde_json::from_value(v).unwrap();
        let before = format!("{p:?}");
        // Every kept field was filled and poisoned: a field added to the
        // slim pod without a clean here fails this test.
        assert!(before.matches("\\u{1b}").count() > 60, "{before}");
        p.intake();
        let after = format!("{p:?}");
        for (field, value) in [("uid", "\"u\""), ("resource_version", "\"1\"")] {
            assert!(
                after.contains(&format!("{field}: Some({value})")),
                "{after}"
            );
        }
        assert!(
            !after.contains("\\u{1b}") && !after.contains("\\u{7}"),
            "{after}"
        );
        let spec = p.spec.as_ref().unwrap();
        assert_eq!(spec.volumes.as_ref().map(Vec::len), Some(3));
        assert_eq!(
            spec.init_containers.as_ref().unwrap()[0]
                .env
                .as_ref()
                .map(Vec::len),
            Some(2)
        );
    }

    #[test]
    fn intake_cleans_what_the_guard_quotes() {
        let mut p = kwok();
        p.intake();
        let cs = &p
            .status
            .as_ref()
            .unwrap()
            .container_statuses
            .as_ref()
            .unwrap()[0];
        let t = cs.last_state.as_ref().unwrap().terminated.as_ref().unwrap();
        assert_eq!(
            (t.reason.as_deref(), t.container_id.as_deref()),
            (Some("Err\u{FFFD}or"), Some("c://1\u{FFFD}"))
        );
        let scheduled = &p.status.as_ref().unwrap().conditions.as_ref().unwrap()[1];
        assert_eq!(scheduled.message.as_deref(), Some("0/3 nodes\u{FFFD}"));
    }
}
