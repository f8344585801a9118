//! The kubelet's check, before it creates a container, that every ConfigMap
//! and Secret its environment names exists and has the keys asked for. A
//! missing one leaves the container waiting in `CreateContainerConfigError`
//! (the pod stays Pending) until a retry finds it: the usual way a rollout
//! that forgot to create its config fails.

use serde_json::Value;

use crate::demo::meta;
use crate::demo::resources::{CONFIGMAPS, SECRETS};
use crate::demo::store::Store;

#[derive(Clone, Copy)]
enum Source {
    ConfigMap,
    Secret,
}

impl Source {
    fn lower(self) -> &'static str {
        match self {
            Source::ConfigMap => "configmap",
            Source::Secret => "secret",
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Source::ConfigMap => "ConfigMap",
            Source::Secret => "Secret",
        }
    }
}

/// The kubelet's error text for the first missing reference of a container
/// spec, in the kubelet's order (`envFrom` before `env`); `None` when the
/// container can be created. References marked `optional` never block.
pub fn missing(store: &Store, ns: &str, container: &Value) -> Option<String> {
    let env_from = container.get("envFrom").and_then(Value::as_array);
    for from in env_from.into_iter().flatten() {
        for (field, source) in [
            ("configMapRef", Source::ConfigMap),
            ("secretRef", Source::Secret),
        ] {
            let Some(r) = from.get(field) else { continue };
            if is_optional(r) {
                continue;
            }
            let name = meta::str_at(r, &["name"]).unwrap_or("");
            if fetch(store, source, ns, name).is_none() {
                return Some(not_found(source, name));
            }
        }
    }
    let env = container.get("env").and_then(Value::as_array);
    for var in env.into_iter().flatten() {
        for (field, source) in [
            ("configMapKeyRef", Source::ConfigMap),
            ("secretKeyRef", Source::Secret),
        ] {
            let Some(r) = meta::at(var, &["valueFrom", field]) else {
                continue;
            };
            if is_optional(r) {
                continue;
            }
            let name = meta::str_at(r, &["name"]).unwrap_or("");
            let key = meta::str_at(r, &["key"]).unwrap_or("");
            let Some(object) = fetch(store, source, ns, name) else {
                return Some(not_found(source, name));
            };
            if !has_key(&object, key) {
                return Some(format!(
                    "couldn't find key {key} in {} {ns}/{name}",
                    source.kind()
                ));
            }
        }
    }
    None
}

fn is_optional(r: &Value) -> bool {
    meta::bool_at(r, &["optional"])
}

fn not_found(source: Source, name: &str) -> String {
    format!("{} \"{name}\" not found", source.lower())
}

fn fetch(store: &Store, source: Source, ns: &str, name: &str) -> Option<std::sync::Arc<Value>> {
    let res = match source {
        Source::ConfigMap => &CONFIGMAPS,
        Source::Secret => &SECRETS,
    };
    store.get(res, ns, name)
}

/// ConfigMaps keep keys in `data` and `binaryData`; Secrets in `data`
/// (`stringData` is folded into it on write).
fn has_key(object: &Value, key: &str) -> bool {
    ["data", "binaryData"]
        .iter()
        .any(|field| meta::at(object, &[field, key]).is_some())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn store_with(objects: &[(&'static crate::demo::resources::ResourceDef, Value)]) -> Store {
        let store = Store::new(100);
        for (res, v) in objects {
            store.create(res, v.clone(), false).unwrap();
        }
        store
    }

    fn container(env: Value, env_from: Value) -> Value {
        json!({"name": "api", "image": "shop/api:1", "env": env, "envFrom": env_from})
    }

    #[test]
    fn a_missing_config_map_blocks_with_the_kubelets_words() {
        let store = store_with(&[]);
        let c = container(
            json!([{"name": "URL", "valueFrom": {"configMapKeyRef": {"name": "api-config", "key": "url"}}}]),
            json!([]),
        );
        assert_eq!(
            missing(&store, "shop", &c).as_deref(),
            Some("configmap \"api-config\" not found")
        );
    }

    #[test]
    fn a_missing_key_names_the_key_and_the_object() {
        let store = store_with(&[(
            &SECRETS,
            json!({"metadata": {"name": "db", "namespace": "shop"}, "data": {"user": "YQ=="}}),
        )]);
        let c = container(
            json!([{"name": "PASS", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]),
            json!([]),
        );
        assert_eq!(
            missing(&store, "shop", &c).as_deref(),
            Some("couldn't find key password in Secret shop/db")
        );
    }

    #[test]
    fn env_from_is_checked_first_and_optional_references_never_block() {
        let store = store_with(&[]);
        let c = container(
            json!([{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "later", "key": "x"}}}]),
            json!([{"secretRef": {"name": "creds"}}]),
        );
        assert_eq!(
            missing(&store, "shop", &c).as_deref(),
            Some("secret \"creds\" not found")
        );
        let optional = container(
            json!([{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "later", "key": "x", "optional": true}}}]),
            json!([{"secretRef": {"name": "creds", "optional": true}}]),
        );
        assert_eq!(missing(&store, "shop", &optional), None);
    }

    #[test]
    fn present_references_and_binary_keys_pass() {
        let store = store_with(&[(
            &CONFIGMAPS,
            json!({"metadata": {"name": "api-config", "namespace": "shop"},
                   "data": {"url": "http://db"}, "binaryData": {"cert": "AA=="}}),
        )]);
        let c = container(
            json!([
                {"name": "URL", "valueFrom": {"configMapKeyRef": {"name": "api-config", "key": "url"}}},
                {"name": "CERT", "valueFrom": {"configMapKeyRef": {"name": "api-config", "key": "cert"}}},
                {"name": "PLAIN", "value": "x"}
            ]),
            json!([{"configMapRef": {"name": "api-config"}}]),
        );
        assert_eq!(missing(&store, "shop", &c), None);
        // The same name in another namespace is not the same object.
        assert_eq!(
            missing(&store, "other", &c).as_deref(),
            Some("configmap \"api-config\" not found")
        );
    }
}
