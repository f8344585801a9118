//! Deployments for write-side tests: built from JSON, created, read back,
//! waited on until rolled out, and changed through the gate as the UI does.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use kube::api::PostParams;
use kube::{Api, Client};
use serde_json::{json, Value};

use kockpit::cluster::ops::{plan, Gate, OpError, OpRequest, Planned};
use kockpit::model::pairs::DEFAULT_SLOT_KEYS;
use kockpit::model::rollout::rollout_status;

/// Merges `patch` into `base` (objects recursively, anything else replaced).
pub fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k).or_insert(Value::Null), v);
            }
        }
        (b, p) => *b = p,
    }
}

/// A one-container Deployment; `extra` is merged over it.
pub fn deployment(
    ns: &str,
    name: &str,
    replicas: i32,
    labels: Value,
    image: &str,
    extra: Value,
) -> Deployment {
    let mut v = json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": image}]}
            }
        }
    });
    merge(&mut v, extra);
    serde_json::from_value(v).unwrap()
}

pub async fn create(client: &Client, d: &Deployment) {
    let ns = d.metadata.namespace.clone().unwrap();
    Api::<Deployment>::namespaced(client.clone(), &ns)
        .create(&PostParams::default(), d)
        .await
        .unwrap();
}

pub async fn get(client: &Client, ns: &str, name: &str) -> Deployment {
    Api::<Deployment>::namespaced(client.clone(), ns)
        .get(name)
        .await
        .unwrap()
}

pub fn annotation(d: &Deployment, key: &str) -> Option<String> {
    d.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(key).cloned())
}

/// The image of the Deployment's (first) container.
pub fn image_of(d: &Deployment) -> String {
    template_image(&d.spec.as_ref().unwrap().template)
}

/// The image of a pod template's first container (a Deployment's or a
/// ReplicaSet's).
pub fn template_image(t: &PodTemplateSpec) -> String {
    t.spec.as_ref().unwrap().containers[0]
        .image
        .clone()
        .unwrap()
}

/// Until the controller has seen the latest spec and `kubectl rollout
/// status` would say "successfully rolled out"; `revision` too if given.
pub async fn wait_rolled_out(
    client: &Client,
    ns: &str,
    name: &str,
    revision: Option<&str>,
) -> Deployment {
    let start = Instant::now();
    loop {
        let d = get(client, ns, name).await;
        let s = rollout_status(&d);
        let rev = annotation(&d, "deployment.kubernetes.io/revision");
        if s.done && (revision.is_none() || rev.as_deref() == revision) {
            return d;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{ns}/{name} did not roll out (revision {rev:?}, want {revision:?}): {}",
            s.message
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Plans and applies `req` as the UI does after "yes".
pub async fn run(gate: &Gate, req: OpRequest) -> Result<String, OpError> {
    match plan(gate, &req, &slot_keys()).await? {
        Planned::Ready(p) => gate.apply(&p).await.map(|a| a.message),
        Planned::Skipped(msg) => Ok(msg),
    }
}

pub fn slot_keys() -> Vec<String> {
    DEFAULT_SLOT_KEYS.iter().map(|s| s.to_string()).collect()
}
