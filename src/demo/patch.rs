//! The three patch formats kubectl and client libraries send, applied to JSON
//! objects with the errors the real API server gives for bad patches.

use serde_json::{Map, Value};

use super::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Json,
    Merge,
    Strategic,
    /// Server-side apply, approximated as a strategic merge of the applied
    /// configuration (no field ownership is tracked).
    Apply,
}

impl PatchType {
    pub fn from_content_type(ct: &str) -> Option<PatchType> {
        let essence = ct.split(';').next().unwrap_or("").trim();
        match essence {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => {
                Some(PatchType::Apply)
            }
            _ => None,
        }
    }
}

/// More operations than this in one JSON patch are refused, like upstream.
const MAX_JSON_PATCH_OPERATIONS: usize = 10_000;

pub fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))
}

pub fn apply(patch_type: PatchType, current: &Value, patch: &Value) -> Result<Value, ApiError> {
    let mut doc = current.clone();
    match patch_type {
        PatchType::Merge => {
            if !patch.is_object() {
                return Err(ApiError::bad_request("invalid JSON Merge Patch"));
            }
            json_patch::merge(&mut doc, patch);
        }
        PatchType::Json => {
            let ops: json_patch::Patch = serde_json::from_value(patch.clone())
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            if ops.0.len() > MAX_JSON_PATCH_OPERATIONS {
                return Err(ApiError::too_large(format!(
                    "The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, got {}",
                    ops.0.len()
                )));
            }
            json_patch::patch(&mut doc, &ops.0)
                .map_err(|e| ApiError::unprocessable(&e.to_string()))?;
        }
        PatchType::Strategic | PatchType::Apply => {
            let Value::Object(p) = patch else {
                return Err(ApiError::bad_request(
                    "error decoding patch: a strategic merge patch must be a JSON object",
                ));
            };
            let Value::Object(target) = &mut doc else {
                return Err(ApiError::internal("stored object is not a JSON object"));
            };
            merge_map(target, p, "");
        }
    }
    Ok(doc)
}

/// Merge key of a list field in the built-in types (`patchMergeKey` tags).
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "imagePullSecrets"
        | "env"
        | "resourceClaims" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "hostAliases" => Some("ip"),
        "topologySpreadConstraints" => Some("topologyKey"),
        "ports" => {
            let container_ports = items.iter().any(|i| i.get("containerPort").is_some());
            Some(if container_ports {
                "containerPort"
            } else {
                "port"
            })
        }
        _ => None,
    }
}

/// Lists of scalars that merge as sets instead of being replaced.
fn is_merged_primitive_list(field: &str) -> bool {
    field == "finalizers"
}

fn is_directive(key: &str) -> bool {
    key.starts_with('$')
}

fn without_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !is_directive(k))
                .map(|(k, v)| (k.clone(), without_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(
            a.iter()
                .filter(|i| i.get("$patch").is_none())
                .map(without_directives)
                .collect(),
        ),
        other => other.clone(),
    }
}

fn merge_map(target: &mut Map<String, Value>, patch: &Map<String, Value>, _field: &str) {
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        if let Value::Object(m) = without_directives(&Value::Object(patch.clone())) {
            *target = m;
        }
        return;
    }
    let mut orders: Vec<(String, Vec<Value>)> = Vec::new();
    for (key, value) in patch {
        if let Some(list) = key.strip_prefix("$setElementOrder/") {
            if let Value::Array(order) = value {
                orders.push((list.to_string(), order.clone()));
            }
            continue;
        }
        if let Some(list) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Value::Array(gone)) = (target.get_mut(list), value) {
                items.retain(|i| !gone.contains(i));
            }
            continue;
        }
        if is_directive(key) {
            continue;
        }
        if value.is_null() {
            target.remove(key);
            continue;
        }
        if value.get("$patch").and_then(Value::as_str) == Some("delete") {
            target.remove(key);
            continue;
        }
        match (target.get_mut(key), value) {
            (Some(Value::Object(t)), Value::Object(p)) => merge_map(t, p, key),
            (Some(Value::Array(t)), Value::Array(p)) => merge_list(key, t, p),
            _ => {
                target.insert(key.clone(), without_directives(value));
            }
        }
    }
    if let Some(Value::Array(keys)) = patch.get("$retainKeys") {
        target.retain(|k, _| keys.iter().any(|r| r.as_str() == Some(k)));
    }
    for (list, order) in orders {
        if let Some(Value::Array(items)) = target.get_mut(&list) {
            reorder(&list, items, &order);
        }
    }
}

fn merge_list(field: &str, target: &mut Vec<Value>, patch: &[Value]) {
    if is_merged_primitive_list(field) {
        for p in patch {
            if !target.contains(p) {
                target.push(p.clone());
            }
        }
        return;
    }
    let Some(key) = merge_key(field, patch).or_else(|| merge_key(field, target)) else {
        *target = patch.iter().map(without_directives).collect();
        return;
    };
    if patch
        .iter()
        .any(|p| p.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        *target = patch
            .iter()
            .filter(|p| p.get("$patch").is_none())
            .map(without_directives)
            .collect();
        return;
    }
    for p in patch {
        let Value::Object(pm) = p else {
            continue;
        };
        let id = pm.get(key);
        if pm.get("$patch").and_then(Value::as_str) == Some("delete") {
            target.retain(|t| t.get(key) != id);
            continue;
        }
        match target.iter_mut().find(|t| id.is_some() && t.get(key) == id) {
            Some(Value::Object(existing)) => merge_map(existing, pm, field),
            _ => target.push(without_directives(p)),
        }
    }
}

/// `$setElementOrder`: listed elements first, in the listed order; the rest
/// keep their relative order after them.
fn reorder(field: &str, items: &mut Vec<Value>, order: &[Value]) {
    let Some(key) = merge_key(field, items) else {
        return;
    };
    let mut rest: Vec<Value> = std::mem::take(items);
    for o in order {
        let id = o.get(key);
        if let Some(pos) = rest.iter().position(|i| id.is_some() && i.get(key) == id) {
            items.push(rest.remove(pos));
        }
    }
    items.extend(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy() -> Value {
        json!({"metadata": {"name": "d", "labels": {"a": "1"}, "finalizers": ["x"]},
               "spec": {"replicas": 2, "template": {"spec": {"containers": [
                   {"name": "web", "image": "web:1", "ports": [{"containerPort": 80}]},
                   {"name": "side", "image": "side:1"}]}}}})
    }

    #[test]
    fn strategic_merges_containers_by_name() {
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "web"}, {"name": "side"}],
            "containers": [{"name": "side", "image": "side:2"}]}}}});
        let out = apply(PatchType::Strategic, &deploy(), &patch).unwrap();
        let cs = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(cs[0]["image"], "web:1");
        assert_eq!(cs[0]["ports"][0]["containerPort"], 80);
        assert_eq!(cs[1]["image"], "side:2");
    }

    #[test]
    fn strategic_directives() {
        let patch = json!({"metadata": {"labels": {"a": null, "b": "2"}, "finalizers": ["y"]},
            "spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}});
        let out = apply(PatchType::Strategic, &deploy(), &patch).unwrap();
        assert_eq!(out["metadata"]["labels"], json!({"b": "2"}));
        assert_eq!(out["metadata"]["finalizers"], json!(["x", "y"]));
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let replace = json!({"spec": {"template": {"spec": {"containers": [
            {"$patch": "replace"}, {"name": "only", "image": "o:1"}]}}}});
        let out = apply(PatchType::Strategic, &deploy(), &replace).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "only", "image": "o:1"}])
        );
    }

    #[test]
    fn merge_patch_replaces_lists() {
        let patch = json!({"spec": {"replicas": 5, "template": {"spec": {"containers": [{"name": "n", "image": "i"}]}}}});
        let out = apply(PatchType::Merge, &deploy(), &patch).unwrap();
        assert_eq!(out["spec"]["replicas"], 5);
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn json_patch_test_op() {
        let ok = json!([{"op": "test", "path": "/spec/replicas", "value": 2},
                        {"op": "replace", "path": "/spec/replicas", "value": 3}]);
        assert_eq!(
            apply(PatchType::Json, &deploy(), &ok).unwrap()["spec"]["replicas"],
            3
        );
        let failing = json!([{"op": "test", "path": "/spec/replicas", "value": 9}]);
        let err = apply(PatchType::Json, &deploy(), &failing).unwrap_err();
        assert_eq!((err.code, err.reason), (422, "Invalid"));
        let malformed = json!([{"op": "frobnicate"}]);
        assert_eq!(
            apply(PatchType::Json, &deploy(), &malformed)
                .unwrap_err()
                .code,
            400
        );
    }

    #[test]
    fn bad_bodies_are_bad_requests() {
        assert_eq!(parse_body(b"{nope").unwrap_err().code, 400);
        assert_eq!(
            apply(PatchType::Merge, &deploy(), &json!([1]))
                .unwrap_err()
                .code,
            400
        );
        assert_eq!(
            apply(PatchType::Strategic, &deploy(), &json!("x"))
                .unwrap_err()
                .code,
            400
        );
    }
}
