//! StatefulSets in a scenario: one container, its pods named by ordinal
//! (`controllers::statefulset`), selected by `app=NAME`.

use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatefulSetSpec {
    pub namespace: String,
    pub name: String,
    #[serde(default = "one")]
    pub replicas: i64,
    pub image: String,
    #[serde(default)]
    pub age: Option<String>,
}

fn one() -> i64 {
    1
}

pub fn statefulset(spec: &StatefulSetSpec) -> Value {
    let labels = json!({"app": spec.name});
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": spec.name, "namespace": spec.namespace, "labels": labels},
        "spec": {
            "replicas": spec.replicas,
            "serviceName": spec.name,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{
                    "name": spec.name,
                    "image": spec.image,
                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                }]},
            },
        },
    })
}
