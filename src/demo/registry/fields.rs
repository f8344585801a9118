//! Unknown fields, as the API server's typed decoding sees them
//! (`fieldValidation`): the object is decoded into its k8s-openapi type and
//! encoded again; keys that did not survive are fields the schema does not
//! have. `Strict` refuses them with the server's "strict decoding error",
//! `Warn` (the server default) and `Ignore` drop them, `Warn` with a warning.

use std::sync::{Arc, Mutex};

use k8s_openapi::api::{apps, core, discovery, events};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::demo::error::ApiError;
use crate::demo::resources::ResourceDef;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FieldValidation {
    /// Writes by the simulated controllers: trusted, not checked.
    #[default]
    Skip,
    Ignore,
    Warn,
    Strict,
}

impl FieldValidation {
    /// The `fieldValidation` query parameter; absent means `Warn`.
    pub fn parse(v: Option<&str>) -> Result<FieldValidation, ApiError> {
        match v {
            None | Some("") | Some("Warn") => Ok(FieldValidation::Warn),
            Some("Ignore") => Ok(FieldValidation::Ignore),
            Some("Strict") => Ok(FieldValidation::Strict),
            Some(other) => Err(ApiError::bad_request(format!(
                "fieldValidation: Unsupported value: {other:?}: supported values: \"Ignore\", \"Strict\", \"Warn\""
            ))),
        }
    }
}

/// Warnings for the response (`Warning: 299 - "..."` headers), shared by
/// the clones of one request's options.
#[derive(Debug, Clone, Default)]
pub struct Warnings(Arc<Mutex<Vec<String>>>);

impl Warnings {
    pub fn push(&self, w: String) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(w);
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(obj: &Value) -> Option<Value> {
    let typed: T = serde_json::from_value(obj.clone()).ok()?;
    serde_json::to_value(typed).ok()
}

/// The object as its typed decoding would keep it, or `None` when the kind
/// has no schema here or the object does not decode (validation reports
/// what is wrong with it then).
fn typed(res: &ResourceDef, obj: &Value) -> Option<Value> {
    match (res.group, res.plural) {
        ("", "pods") => round_trip::<core::v1::Pod>(obj),
        ("", "namespaces") => round_trip::<core::v1::Namespace>(obj),
        ("", "nodes") => round_trip::<core::v1::Node>(obj),
        ("", "events") => round_trip::<core::v1::Event>(obj),
        ("", "services") => round_trip::<core::v1::Service>(obj),
        ("", "configmaps") => round_trip::<core::v1::ConfigMap>(obj),
        ("", "secrets") => round_trip::<core::v1::Secret>(obj),
        ("apps", "deployments") => round_trip::<apps::v1::Deployment>(obj),
        ("apps", "replicasets") => round_trip::<apps::v1::ReplicaSet>(obj),
        ("apps", "statefulsets") => round_trip::<apps::v1::StatefulSet>(obj),
        ("discovery.k8s.io", "endpointslices") => round_trip::<discovery::v1::EndpointSlice>(obj),
        ("events.k8s.io", "events") => round_trip::<events::v1::Event>(obj),
        ("autoscaling", "horizontalpodautoscalers") => {
            round_trip::<k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler>(obj)
        }
        _ => None,
    }
}

/// Copies `orig` without the keys `kept` lacks, recording their paths in
/// the `spec.containers[0].foo` form of the upstream decoder.
fn prune(orig: &Value, kept: &Value, path: &str, unknown: &mut Vec<String>) -> Value {
    match (orig, kept) {
        (Value::Object(o), Value::Object(k)) => {
            let mut out = Map::new();
            for (key, v) in o {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match k.get(key) {
                    Some(kv) => {
                        out.insert(key.clone(), prune(v, kv, &at, unknown));
                    }
                    // Typed decoding turns null into "unset": not unknown.
                    None if v.is_null() => {}
                    None => unknown.push(at),
                }
            }
            Value::Object(out)
        }
        (Value::Array(o), Value::Array(k)) if o.len() == k.len() => Value::Array(
            o.iter()
                .zip(k)
                .enumerate()
                .map(|(i, (ov, kv))| prune(ov, kv, &format!("{path}[{i}]"), unknown))
                .collect(),
        ),
        _ => orig.clone(),
    }
}

/// Applies a request's `fieldValidation` to an object about to be stored.
pub fn check(
    res: &ResourceDef,
    obj: &mut Value,
    mode: FieldValidation,
    warnings: &Warnings,
    patching: bool,
) -> Result<(), ApiError> {
    if mode == FieldValidation::Skip {
        return Ok(());
    }
    let Some(kept) = typed(res, obj) else {
        return Ok(());
    };
    let mut unknown = Vec::new();
    let pruned = prune(obj, &kept, "", &mut unknown);
    if unknown.is_empty() {
        return Ok(());
    }
    let list = unknown
        .iter()
        .map(|f| format!("unknown field {f:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    match mode {
        FieldValidation::Strict if patching => Err(ApiError::bad_request(format!(
            "strict decoding error: {list}"
        ))),
        FieldValidation::Strict => Err(ApiError::bad_request(format!(
            "{kind} in version {version:?} cannot be handled as a {kind}: strict decoding error: {list}",
            kind = res.kind,
            version = res.version,
        ))),
        FieldValidation::Warn => {
            for f in &unknown {
                warnings.push(format!("unknown field {f:?}"));
            }
            *obj = pruned;
            Ok(())
        }
        FieldValidation::Ignore | FieldValidation::Skip => {
            *obj = pruned;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::resources::{DEPLOYMENTS, SERVICES};
    use serde_json::json;

    fn deploy() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}, "bogus": 1},
            "spec": {"replicas": 1, "foo": "bar", "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                    {"name": "web", "image": "web:1", "imagePolicy": "x", "resources": {}}]}}},
            "status": {}})
    }

    #[test]
    fn strict_names_every_unknown_field() {
        let mut d = deploy();
        let err = check(
            &DEPLOYMENTS,
            &mut d,
            FieldValidation::Strict,
            &Warnings::default(),
            false,
        )
        .unwrap_err();
        assert_eq!(err.code, 400);
        assert_eq!(
            err.message,
            "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"metadata.bogus\", unknown field \"spec.foo\", unknown field \"spec.template.spec.containers[0].imagePolicy\""
        );
        assert_eq!(d, deploy(), "a refused object is left alone");
    }

    #[test]
    fn warn_and_ignore_drop_unknown_fields() {
        let warnings = Warnings::default();
        let mut d = deploy();
        check(
            &DEPLOYMENTS,
            &mut d,
            FieldValidation::Warn,
            &warnings,
            false,
        )
        .unwrap();
        assert!(d["spec"].get("foo").is_none() && d["metadata"].get("bogus").is_none());
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["image"],
            "web:1"
        );
        assert_eq!(
            d["metadata"]["labels"]["app"], "web",
            "free-form maps are kept"
        );
        assert_eq!(warnings.take().len(), 3);
        let mut clean = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"ports": [{"port": 80, "targetPort": "http"}], "selector": {"a": "b"}}});
        let before = clean.clone();
        check(
            &SERVICES,
            &mut clean,
            FieldValidation::Strict,
            &warnings,
            false,
        )
        .unwrap();
        assert_eq!(clean, before);
        assert!(warnings.take().is_empty());
    }

    #[test]
    fn parses_the_query_parameter() {
        assert_eq!(FieldValidation::parse(None).unwrap(), FieldValidation::Warn);
        assert_eq!(
            FieldValidation::parse(Some("Strict")).unwrap(),
            FieldValidation::Strict
        );
        assert_eq!(
            FieldValidation::parse(Some("strict")).unwrap_err().code,
            400
        );
    }
}
