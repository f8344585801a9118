//! Defaulting the API server applies on write, so that objects read back look
//! like a real cluster's (and pod-template hashes cover the same fields).

use serde_json::{json, Value};

use crate::demo::meta;
use crate::demo::resources::ResourceDef;

fn default_field(v: &mut Value, path: &[&str], value: Value) {
    if meta::at(v, path).is_none_or(Value::is_null) {
        meta::set(v, path, value);
    }
}

fn image_pull_policy(image: &str) -> &'static str {
    let last = image.rsplit('/').next().unwrap_or(image);
    let tag = if last.contains('@') {
        None
    } else {
        last.split_once(':').map(|(_, t)| t)
    };
    match tag {
        None if image.contains('@') => "IfNotPresent",
        None | Some("latest") => "Always",
        Some(_) => "IfNotPresent",
    }
}

fn container_defaults(c: &mut Value) {
    let image = meta::str_at(c, &["image"]).unwrap_or("").to_string();
    default_field(c, &["imagePullPolicy"], json!(image_pull_policy(&image)));
    default_field(
        c,
        &["terminationMessagePath"],
        json!("/dev/termination-log"),
    );
    default_field(c, &["terminationMessagePolicy"], json!("File"));
    default_field(c, &["resources"], json!({}));
    if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports {
            default_field(p, &["protocol"], json!("TCP"));
        }
    }
}

/// Defaults of `PodSpec`, both in pods and in templates.
pub fn pod_spec(spec: &mut Value) {
    default_field(spec, &["restartPolicy"], json!("Always"));
    default_field(spec, &["terminationGracePeriodSeconds"], json!(30));
    default_field(spec, &["dnsPolicy"], json!("ClusterFirst"));
    default_field(spec, &["securityContext"], json!({}));
    default_field(spec, &["schedulerName"], json!("default-scheduler"));
    for list in ["containers", "initContainers"] {
        if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
            cs.iter_mut().for_each(container_defaults);
        }
    }
    if let Some(vs) = spec.get_mut("volumes").and_then(Value::as_array_mut) {
        for v in vs {
            for source in ["configMap", "secret", "downwardAPI", "projected"] {
                if let Some(src) = v.get_mut(source).filter(|s| s.is_object()) {
                    default_field(src, &["defaultMode"], json!(420));
                }
            }
        }
    }
}

fn template(obj: &mut Value) {
    if let Some(spec) = meta::at(obj, &["spec", "template", "spec"]).cloned() {
        let mut spec = spec;
        pod_spec(&mut spec);
        meta::set(obj, &["spec", "template", "spec"], spec);
    }
}

/// The service-account token volume admission mounts into every new pod
/// (unless automounting is switched off).
pub fn service_account_volume(pod: &mut Value) {
    if meta::at(pod, &["spec", "automountServiceAccountToken"]) == Some(&json!(false)) {
        return;
    }
    let has = meta::at(pod, &["spec", "volumes"])
        .and_then(Value::as_array)
        .is_some_and(|vs| {
            vs.iter().any(|v| {
                v.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.starts_with("kube-api-access-"))
            })
        });
    if has {
        return;
    }
    let name = format!("kube-api-access-{}", crate::demo::ids::suffix(5));
    let volume = json!({"name": name, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
    ]}});
    let mount = json!({"name": name, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true});
    let spec = meta::obj_mut(pod, &["spec"]);
    match spec.get_mut("volumes").and_then(Value::as_array_mut) {
        Some(vs) => vs.push(volume),
        None => {
            spec.insert("volumes".into(), json!([volume]));
        }
    }
    if let Some(cs) = spec.get_mut("containers").and_then(Value::as_array_mut) {
        for c in cs {
            match c.get_mut("volumeMounts").and_then(Value::as_array_mut) {
                Some(ms) => ms.push(mount.clone()),
                None => meta::set(c, &["volumeMounts"], json!([mount.clone()])),
            }
        }
    }
}

pub fn apply(res: &ResourceDef, obj: &mut Value) {
    match res.plural {
        "pods" => {
            let mut spec = meta::at(obj, &["spec"]).cloned().unwrap_or(json!({}));
            pod_spec(&mut spec);
            // What admission plugins add to every pod.
            default_field(&mut spec, &["serviceAccountName"], json!("default"));
            default_field(&mut spec, &["serviceAccount"], json!("default"));
            default_field(&mut spec, &["enableServiceLinks"], json!(true));
            default_field(
                &mut spec,
                &["preemptionPolicy"],
                json!("PreemptLowerPriority"),
            );
            default_field(&mut spec, &["priority"], json!(0));
            default_field(
                &mut spec,
                &["tolerations"],
                json!([
                    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
                ]),
            );
            meta::set(obj, &["spec"], spec);
        }
        "deployments" => {
            default_field(obj, &["spec", "replicas"], json!(1));
            default_field(obj, &["spec", "revisionHistoryLimit"], json!(10));
            default_field(obj, &["spec", "progressDeadlineSeconds"], json!(600));
            default_field(obj, &["spec", "strategy", "type"], json!("RollingUpdate"));
            if meta::str_at(obj, &["spec", "strategy", "type"]) == Some("RollingUpdate") {
                default_field(
                    obj,
                    &["spec", "strategy", "rollingUpdate", "maxSurge"],
                    json!("25%"),
                );
                default_field(
                    obj,
                    &["spec", "strategy", "rollingUpdate", "maxUnavailable"],
                    json!("25%"),
                );
            }
            template(obj);
        }
        "replicasets" => {
            default_field(obj, &["spec", "replicas"], json!(1));
            template(obj);
        }
        "horizontalpodautoscalers" => super::hpa::defaults(obj),
        "namespaces" => {
            let name = meta::name(obj).to_string();
            default_field(obj, &["spec", "finalizers"], json!(["kubernetes"]));
            default_field(obj, &["status", "phase"], json!("Active"));
            meta::set(
                obj,
                &["metadata", "labels", "kubernetes.io/metadata.name"],
                json!(name),
            );
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policy_follows_the_tag() {
        assert_eq!(image_pull_policy("nginx"), "Always");
        assert_eq!(image_pull_policy("nginx:latest"), "Always");
        assert_eq!(image_pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(image_pull_policy("registry:5000/app"), "Always");
        assert_eq!(image_pull_policy("app@sha256:abc"), "IfNotPresent");
    }

    #[test]
    fn deployment_defaults() {
        let mut d = json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a:1"}]}}}});
        apply(&crate::demo::resources::DEPLOYMENTS, &mut d);
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
        assert_eq!(d["spec"]["template"]["spec"]["restartPolicy"], "Always");
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "IfNotPresent"
        );
    }
}
