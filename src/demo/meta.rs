//! Small accessors over JSON objects. Objects are kept as `serde_json::Value`
//! so that one generic store and API serve every kind; these helpers keep the
//! controllers readable without typed structs.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

pub fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, key| cur.get(*key))
}

pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(v, path).and_then(Value::as_str)
}

pub fn i64_at(v: &Value, path: &[&str]) -> Option<i64> {
    at(v, path).and_then(Value::as_i64)
}

pub fn bool_at(v: &Value, path: &[&str]) -> bool {
    at(v, path).and_then(Value::as_bool).unwrap_or(false)
}

pub fn name(v: &Value) -> &str {
    str_at(v, &["metadata", "name"]).unwrap_or("")
}

pub fn namespace(v: &Value) -> &str {
    str_at(v, &["metadata", "namespace"]).unwrap_or("")
}

pub fn uid(v: &Value) -> &str {
    str_at(v, &["metadata", "uid"]).unwrap_or("")
}

pub fn resource_version(v: &Value) -> &str {
    str_at(v, &["metadata", "resourceVersion"]).unwrap_or("")
}

pub fn is_deleting(v: &Value) -> bool {
    at(v, &["metadata", "deletionTimestamp"]).is_some_and(|t| !t.is_null())
}

pub fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

pub fn labels(v: &Value) -> BTreeMap<String, String> {
    string_map(at(v, &["metadata", "labels"]))
}

pub fn annotations(v: &Value) -> BTreeMap<String, String> {
    string_map(at(v, &["metadata", "annotations"]))
}

/// UID of the owner marked `controller: true`, if any.
pub fn controller_uid(v: &Value) -> Option<&str> {
    at(v, &["metadata", "ownerReferences"])?
        .as_array()?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .and_then(|r| r.get("uid"))
        .and_then(Value::as_str)
}

/// Mutable access to a nested object, creating empty objects along the way
/// (and replacing non-objects, which only a malformed object would hold).
pub fn obj_mut<'a>(v: &'a mut Value, path: &[&str]) -> &'a mut Map<String, Value> {
    let mut cur = v;
    for key in path {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(map) = cur else {
            unreachable!("just made an object")
        };
        cur = map
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !cur.is_object() {
        *cur = Value::Object(Map::new());
    }
    match cur {
        Value::Object(map) => map,
        _ => unreachable!("just made an object"),
    }
}

pub fn set(v: &mut Value, path: &[&str], value: Value) {
    if let Some((last, parent)) = path.split_last() {
        obj_mut(v, parent).insert(last.to_string(), value);
    }
}

pub fn remove(v: &mut Value, path: &[&str]) -> Option<Value> {
    let (last, parent) = path.split_last()?;
    let mut cur = v;
    for key in parent {
        cur = cur.get_mut(*key)?;
    }
    cur.as_object_mut()?.remove(*last)
}

/// `{"name":"a","image":"b"}` list of the pod template's containers.
pub fn containers(pod_spec: Option<&Value>) -> &[Value] {
    pod_spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub fn condition<'a>(v: &'a Value, kind: &str) -> Option<&'a Value> {
    at(v, &["status", "conditions"])?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
}

pub fn condition_true(v: &Value, kind: &str) -> bool {
    condition(v, kind)
        .and_then(|c| c.get("status"))
        .and_then(Value::as_str)
        == Some("True")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_creates_parents() {
        let mut v = json!({});
        set(&mut v, &["a", "b", "c"], json!(1));
        assert_eq!(v, json!({"a": {"b": {"c": 1}}}));
        assert_eq!(remove(&mut v, &["a", "b", "c"]), Some(json!(1)));
        assert_eq!(remove(&mut v, &["x", "y"]), None);
    }

    #[test]
    fn finds_controller() {
        let v = json!({"metadata": {"ownerReferences": [
            {"uid": "a"}, {"uid": "b", "controller": true}
        ]}});
        assert_eq!(controller_uid(&v), Some("b"));
    }
}
