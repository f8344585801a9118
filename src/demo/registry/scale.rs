//! The `scale` subresource (autoscaling/v1 `Scale`) of deployments and
//! replicasets, which `kubectl scale` and autoscalers use.

use std::sync::Arc;

use serde_json::{json, Value};

use super::{Registry, WriteOptions};
use crate::demo::error::{ApiError, FieldCause};
use crate::demo::meta;
use crate::demo::patch::{self, PatchType};
use crate::demo::resources::ResourceDef;
use crate::demo::selectors::LabelSelector;
use crate::demo::store::Write;

pub fn scale_of(obj: &Value) -> Value {
    let selector = LabelSelector::from_object(meta::at(obj, &["spec", "selector"]))
        .map(|s| s.render())
        .unwrap_or_default();
    let mut metadata = serde_json::Map::new();
    for field in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = meta::at(obj, &["metadata", field]) {
            metadata.insert(field.into(), v.clone());
        }
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": metadata,
        "spec": {"replicas": meta::i64_at(obj, &["spec", "replicas"]).unwrap_or(0)},
        "status": {
            "replicas": meta::i64_at(obj, &["status", "replicas"]).unwrap_or(0),
            "selector": selector,
        },
    })
}

fn scale_invalid(name: &str, field: &str, value: &Value, why: &str) -> ApiError {
    ApiError::invalid(&SCALE, name, vec![FieldCause::invalid(field, value, why)])
}

/// Only for error messages: the `Scale` kind in the autoscaling group.
static SCALE: ResourceDef = ResourceDef {
    group: "autoscaling",
    version: "v1",
    plural: "scales",
    singular: "scale",
    kind: "Scale",
    namespaced: true,
    short_names: &[],
    categories: &[],
    verbs: &[],
    subresources: &[],
    tracks_generation: false,
};

impl Registry {
    pub fn get_scale(
        &self,
        res: &'static ResourceDef,
        ns: &str,
        name: &str,
    ) -> Result<Value, ApiError> {
        Ok(scale_of(&*self.get(res, ns, name)?))
    }

    /// PUT or PATCH of the scale subresource. `change` turns the current Scale
    /// into the desired one.
    fn write_scale<F>(
        &self,
        res: &'static ResourceDef,
        ns: &str,
        name: &str,
        opts: &WriteOptions,
        change: F,
    ) -> Result<Value, ApiError>
    where
        F: FnOnce(&Value) -> Result<Value, ApiError>,
    {
        let updated: Arc<Value> = self.store.update(res, ns, name, opts.dry_run, |current| {
            let before = scale_of(current);
            let wanted = change(&before)?;
            let rv = meta::resource_version(&wanted);
            if !rv.is_empty() && rv != meta::resource_version(current) {
                return Err(ApiError::stale(res, name));
            }
            let replicas = meta::at(&wanted, &["spec", "replicas"])
                .cloned()
                .unwrap_or(json!(0));
            let n = match replicas.as_i64() {
                Some(n) if n >= 0 && n <= i32::MAX as i64 => n,
                Some(n) if n < 0 => {
                    return Err(scale_invalid(
                        name,
                        "spec.replicas",
                        &replicas,
                        "must be greater than or equal to 0",
                    ))
                }
                _ => {
                    return Err(scale_invalid(
                        name,
                        "spec.replicas",
                        &replicas,
                        "must be an integer",
                    ))
                }
            };
            let mut next = (**current).clone();
            meta::set(&mut next, &["spec", "replicas"], json!(n));
            Ok(match self.finish_update(res, current, next) {
                Write::Remove => Write::Unchanged,
                other => other,
            })
        })?;
        Ok(scale_of(&updated))
    }

    pub fn put_scale(
        &self,
        res: &'static ResourceDef,
        ns: &str,
        name: &str,
        body: Value,
        opts: &WriteOptions,
    ) -> Result<Value, ApiError> {
        let kind = meta::str_at(&body, &["kind"]).unwrap_or("Scale");
        if kind != "Scale" {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({kind}) does not match the expected kind (Scale)"
            )));
        }
        self.write_scale(res, ns, name, opts, |_| Ok(body))
    }

    pub fn patch_scale(
        &self,
        res: &'static ResourceDef,
        ns: &str,
        name: &str,
        patch_type: PatchType,
        body: &[u8],
        opts: &WriteOptions,
    ) -> Result<Value, ApiError> {
        let doc = patch::parse_body(body)?;
        self.write_scale(res, ns, name, opts, |before| {
            patch::apply(patch_type, before, &doc)
        })
    }
}
