//! Scenario Services, ConfigMaps and Secrets, plus the `kubernetes` Service
//! every cluster has in `default`. They are created before the
//! deployments, so pods find their configuration and the EndpointSlice
//! controller fills the slices as the pods come up.

use std::collections::BTreeMap;

use anyhow::Context;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::demo::clock::Clock;
use crate::demo::controllers::Sim;
use crate::demo::registry::Registry;
use crate::demo::resources::{CONFIGMAPS, ENDPOINTSLICES, SECRETS, SERVICES};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    pub namespace: String,
    pub name: String,
    #[serde(default)]
    pub age: Option<String>,
    /// `ClusterIP` (default), `NodePort`, `LoadBalancer`.
    #[serde(default)]
    pub r#type: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub selector: BTreeMap<String, String>,
    pub ports: Vec<ServicePortSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicePortSpec {
    #[serde(default)]
    pub name: Option<String>,
    pub port: u16,
    /// A number or a container port name; defaults to `port`.
    #[serde(default)]
    pub target_port: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigMapSpec {
    pub namespace: String,
    pub name: String,
    #[serde(default)]
    pub age: Option<String>,
    #[serde(default)]
    pub data: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    pub namespace: String,
    pub name: String,
    #[serde(default)]
    pub age: Option<String>,
    #[serde(default)]
    pub r#type: Option<String>,
    /// Plain text, stored base64-encoded in `data` like `stringData`.
    #[serde(default)]
    pub string_data: BTreeMap<String, String>,
}

pub fn service(spec: &ServiceSpec) -> Value {
    let ports: Vec<Value> = spec
        .ports
        .iter()
        .map(|p| {
            let mut v = json!({"port": p.port, "protocol": "TCP"});
            if let Some(n) = &p.name {
                v["name"] = json!(n);
            }
            match &p.target_port {
                Some(toml::Value::Integer(i)) => v["targetPort"] = json!(i),
                Some(toml::Value::String(s)) => v["targetPort"] = json!(s),
                _ => {}
            }
            v
        })
        .collect();
    let mut svc = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": spec.name, "namespace": spec.namespace},
        "spec": {"selector": spec.selector, "ports": ports},
    });
    if !spec.labels.is_empty() {
        svc["metadata"]["labels"] = json!(spec.labels);
    }
    if let Some(t) = &spec.r#type {
        svc["spec"]["type"] = json!(t);
    }
    svc
}

pub fn config_map(spec: &ConfigMapSpec) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": spec.name, "namespace": spec.namespace},
        "data": spec.data,
    })
}

pub fn secret(spec: &SecretSpec) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": spec.name, "namespace": spec.namespace},
        "type": spec.r#type.as_deref().unwrap_or("Opaque"),
        "stringData": spec.string_data,
    })
}

/// The API server's own Service and its (controller-less) EndpointSlice.
fn kubernetes_service(registry: &Registry) -> anyhow::Result<()> {
    let svc = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"clusterIP": "10.96.0.1", "ports": [
            {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]},
    });
    registry
        .create_internal(&SERVICES, svc)
        .map_err(|e| anyhow::anyhow!("seeding service default/kubernetes: {e}"))?;
    let slice = json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "kubernetes", "namespace": "default",
            "labels": {"kubernetes.io/service-name": "kubernetes"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["172.18.0.2"], "conditions": {"ready": true}}],
        "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
    });
    registry
        .create_internal(&ENDPOINTSLICES, slice)
        .map_err(|e| anyhow::anyhow!("seeding endpointslice default/kubernetes: {e}"))?;
    Ok(())
}

/// What `seed` creates.
pub struct Objects<'a> {
    pub cluster_age: chrono::Duration,
    pub services: &'a [ServiceSpec],
    pub config_maps: &'a [ConfigMapSpec],
    pub secrets: &'a [SecretSpec],
}

/// Creates the `kubernetes` Service, then the scenario's config maps,
/// secrets and services, each back-dated by its `age`; the controllers
/// settle after each service so its EndpointSlice is as old as it is.
pub fn seed(
    registry: &Registry,
    clock: &Clock,
    sim: &mut Sim,
    objects: Objects,
    age: impl Fn(&Option<String>) -> anyhow::Result<chrono::Duration>,
) -> anyhow::Result<()> {
    let Objects {
        cluster_age,
        services,
        config_maps,
        secrets,
    } = objects;
    clock.set_offset(cluster_age);
    kubernetes_service(registry)?;
    for c in config_maps {
        clock.set_offset(age(&c.age)?);
        registry
            .create_internal(&CONFIGMAPS, config_map(c))
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("seeding configmap {}/{}", c.namespace, c.name))?;
    }
    for s in secrets {
        clock.set_offset(age(&s.age)?);
        registry
            .create_internal(&SECRETS, secret(s))
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("seeding secret {}/{}", s.namespace, s.name))?;
    }
    for s in services {
        clock.set_offset(age(&s.age)?);
        registry
            .create_internal(&SERVICES, service(s))
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("seeding service {}/{}", s.namespace, s.name))?;
        sim.settle(200);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::registry::{validate, Registry};
    use crate::demo::resources::DEPLOYMENTS;
    use crate::demo::store::Store;
    use std::sync::Arc;

    #[test]
    fn the_shop_has_blue_green_services_and_api_configuration() {
        let shop = super::super::load("shop").unwrap();
        let frontend = shop.services.iter().find(|s| s.name == "frontend").unwrap();
        assert_eq!(
            frontend.selector.get("slot").map(String::as_str),
            Some("blue")
        );
        let api = shop.deployments.iter().find(|d| d.name == "api").unwrap();
        let d = super::super::deployment(api);
        validate::object(&DEPLOYMENTS, &d).unwrap();
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(
            c["image"], "ghcr.io/kockpit-demo/api:1.12.3",
            "the merge keeps the container"
        );
        assert_eq!(c["envFrom"][0]["configMapRef"]["name"], "api-config");
        assert_eq!(
            c["env"][0]["valueFrom"]["secretKeyRef"]["name"],
            "api-secrets"
        );
        let volumes = d["spec"]["template"]["spec"]["volumes"].as_array().unwrap();
        assert_eq!(volumes.len(), 2);
        assert!(shop.configmaps.iter().any(|c| c.name == "api-config"));
        assert!(shop.secrets.iter().any(|s| s.name == "api-secrets"));
    }

    #[test]
    fn scenario_objects_pass_the_api_rules() {
        let reg = Registry::new(Arc::new(Store::new(100)), Arc::new(Clock::new(1.0)));
        for ns in ["default", "shop"] {
            let ns = json!({"metadata": {"name": ns}});
            reg.create_internal(&crate::demo::resources::NAMESPACES, ns)
                .unwrap();
        }
        kubernetes_service(&reg).unwrap();
        let shop = super::super::load("shop").unwrap();
        for s in &shop.services {
            let svc = reg.create_internal(&SERVICES, service(s)).unwrap();
            assert!(svc["spec"]["clusterIP"]
                .as_str()
                .unwrap()
                .starts_with("10."));
        }
        for s in &shop.secrets {
            let stored = reg.create_internal(&SECRETS, secret(s)).unwrap();
            assert!(stored.get("stringData").is_none());
            assert_eq!(
                stored["data"].as_object().unwrap().len(),
                s.string_data.len()
            );
        }
        for c in &shop.configmaps {
            reg.create_internal(&CONFIGMAPS, config_map(c)).unwrap();
        }
        let k = reg.get(&SERVICES, "default", "kubernetes").unwrap();
        assert_eq!(k["spec"]["clusterIPs"], json!(["10.96.0.1"]));
    }
}
