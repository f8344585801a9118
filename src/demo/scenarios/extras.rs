//! Scenario parts beyond nodes, namespaces and deployments: autoscalers and
//! rollouts that start once the cluster runs.

use anyhow::Context;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::demo::meta;
use crate::demo::registry::{Part, Registry};
use crate::demo::resources::{DEPLOYMENTS, HORIZONTALPODAUTOSCALERS};
use crate::demo::usage::curve::Curve;

/// An autoscaling/v2 HPA on a deployment's CPU utilization.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HpaSpec {
    pub namespace: String,
    /// Also the name of the HPA unless `name` is given.
    pub deployment: String,
    #[serde(default)]
    pub name: Option<String>,
    pub min: i64,
    pub max: i64,
    /// Target average CPU utilization in percent of the request.
    pub cpu: i64,
    /// `spec.behavior` as in the API (camelCase keys).
    #[serde(default)]
    pub behavior: Option<toml::Value>,
}

/// `kubectl set image` on one container, done when the cluster starts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolloutSpec {
    pub namespace: String,
    pub deployment: String,
    pub container: String,
    pub image: String,
    #[serde(default)]
    pub change_cause: Option<String>,
}

pub fn check_load(load: &Option<String>) -> anyhow::Result<()> {
    if let Some(text) = load {
        Curve::parse(text).map_err(|e| anyhow::anyhow!("invalid load curve: {e}"))?;
    }
    Ok(())
}

pub fn hpa(spec: &HpaSpec) -> anyhow::Result<Value> {
    let name = spec.name.clone().unwrap_or_else(|| spec.deployment.clone());
    let mut obj = json!({
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": spec.namespace},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.deployment},
            "minReplicas": spec.min,
            "maxReplicas": spec.max,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": spec.cpu}}}],
        },
    });
    if let Some(b) = &spec.behavior {
        let b: Value = serde_json::to_value(b).context("behavior is not representable as JSON")?;
        obj["spec"]["behavior"] = b;
    }
    Ok(obj)
}

pub fn create_hpas(registry: &Registry, specs: &[HpaSpec]) -> anyhow::Result<()> {
    for h in specs {
        registry
            .create_internal(&HORIZONTALPODAUTOSCALERS, hpa(h)?)
            .map_err(|e| anyhow::anyhow!("seeding hpa {}/{}: {e}", h.namespace, h.deployment))?;
    }
    Ok(())
}

/// Changes the images (and change-cause) of the rollouts' deployments.
pub fn start_rollouts(registry: &Registry, rollouts: &[RolloutSpec]) -> anyhow::Result<()> {
    for r in rollouts {
        let mut found = false;
        registry
            .mutate(&DEPLOYMENTS, &r.namespace, &r.deployment, Part::Main, |d| {
                let containers = d
                    .get_mut("spec")
                    .and_then(|s| s.get_mut("template"))
                    .and_then(|t| t.get_mut("spec"))
                    .and_then(|s| s.get_mut("containers"))
                    .and_then(Value::as_array_mut);
                for c in containers.into_iter().flatten() {
                    if c.get("name").and_then(Value::as_str) == Some(r.container.as_str()) {
                        c["image"] = json!(r.image);
                        found = true;
                    }
                }
                if let Some(cause) = &r.change_cause {
                    meta::set(
                        d,
                        &["metadata", "annotations", "kubernetes.io/change-cause"],
                        json!(cause),
                    );
                }
            })
            .map_err(|e| anyhow::anyhow!("rollout of {}/{}: {e}", r.namespace, r.deployment))?;
        if !found {
            anyhow::bail!(
                "rollout of {}/{}: no container {:?}",
                r.namespace,
                r.deployment,
                r.container
            );
        }
    }
    Ok(())
}
