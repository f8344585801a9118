//! events.k8s.io/v1 Events: the API server serves them from the same
//! storage as core/v1 Events, converting field names on the way in and out
//! (`involvedObject` <-> `regarding`, `message` <-> `note`, `count` <->
//! `deprecatedCount`, ...). The demo does the same: one store, two shapes.

use serde_json::{json, Map, Value};

use crate::demo::error::{ApiError, FieldCause};
use crate::demo::resources::{ResourceDef, EVENTS, EVENTS_V1};

/// (core/v1 field, events.k8s.io/v1 field) pairs with the same meaning.
const RENAMES: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
];

/// Fields both versions spell the same way.
const SHARED: &[&str] = &[
    "metadata",
    "eventTime",
    "series",
    "action",
    "reason",
    "related",
    "reportingInstance",
    "type",
];

pub fn is_view(res: &ResourceDef) -> bool {
    res == &EVENTS_V1
}

/// The resource whose objects back `res` in the store.
pub fn storage(res: &'static ResourceDef) -> &'static ResourceDef {
    if is_view(res) {
        &EVENTS
    } else {
        res
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Object(m) => m.values().all(is_empty),
        _ => false,
    }
}

/// A stored (core/v1) event as events.k8s.io/v1 shows it.
pub fn to_v1(core: &Value) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!("Event"));
    out.insert("apiVersion".into(), json!(EVENTS_V1.api_version()));
    for key in SHARED {
        if let Some(v) = core.get(*key).filter(|v| *v != "") {
            out.insert((*key).into(), v.clone());
        }
    }
    // A zero MicroTime is written as null, as events from the legacy
    // recorder show it.
    out.entry("eventTime").or_insert(Value::Null);
    for (old, new) in RENAMES {
        if let Some(v) = core.get(*old).filter(|v| !is_empty(v)) {
            out.insert((*new).into(), v.clone());
        }
    }
    Value::Object(out)
}

/// A request body in the events.k8s.io/v1 shape, converted for storage.
pub fn from_v1(view: &Value) -> Result<Value, ApiError> {
    let Some(obj) = view.as_object() else {
        return Err(ApiError::bad_request(
            "the body of the request must be an Event object",
        ));
    };
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if !kind.is_empty() && kind != "Event" {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({kind}) does not match the expected kind (Event)"
        )));
    }
    if !api_version.is_empty() && api_version != EVENTS_V1.api_version() {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            EVENTS_V1.api_version()
        )));
    }
    let mut out = Map::new();
    out.insert("kind".into(), json!("Event"));
    out.insert("apiVersion".into(), json!("v1"));
    for key in SHARED {
        if let Some(v) = obj.get(*key).filter(|v| !v.is_null()) {
            out.insert((*key).into(), v.clone());
        }
    }
    for (old, new) in RENAMES {
        if let Some(v) = obj.get(*new).filter(|v| !v.is_null()) {
            out.insert((*old).into(), v.clone());
        }
    }
    Ok(Value::Object(out))
}

/// What `ValidateEventCreate` demands of an event written through
/// events.k8s.io/v1 (stricter than the core group, which old recorders use).
pub fn validate_create(view: &Value) -> Result<(), ApiError> {
    let mut causes = Vec::new();
    for field in [
        "eventTime",
        "reportingController",
        "reportingInstance",
        "action",
        "reason",
    ] {
        if view.get(field).is_none_or(is_empty) {
            causes.push(FieldCause::required(field));
        }
    }
    if causes.is_empty() {
        return Ok(());
    }
    let name = view
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    Err(ApiError::invalid(&EVENTS_V1, name, causes))
}

/// The field labels events.k8s.io/v1 accepts, rewritten to the core ones
/// the shared storage indexes (upstream `AddFieldLabelConversionsForEvent`).
pub fn field_selector(input: &str) -> Result<String, ApiError> {
    let mut terms = Vec::new();
    for term in input.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let split = term.find(['=', '!']).unwrap_or(term.len());
        let (label, rest) = term.split_at(split);
        let label = label.trim();
        let core = match label {
            "metadata.name" | "metadata.namespace" | "reason" | "type" | "source" => {
                label.to_string()
            }
            "reportingController" => "reportingComponent".to_string(),
            l => match l.strip_prefix("regarding.") {
                Some(
                    f @ ("kind" | "namespace" | "name" | "uid" | "apiVersion" | "resourceVersion"
                    | "fieldPath"),
                ) => format!("involvedObject.{f}"),
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "field label not supported: {l}"
                    )))
                }
            },
        };
        terms.push(format!("{core}{rest}"));
    }
    Ok(terms.join(","))
}

/// Errors from the shared storage name the core resource; through the view
/// the server names `events.events.k8s.io`.
pub fn rename_error(mut e: ApiError) -> ApiError {
    for (from, to) in [
        ("events \"", "events.events.k8s.io \""),
        ("Event \"", "Event.events.k8s.io \""),
        (
            "Operation cannot be fulfilled on events \"",
            "Operation cannot be fulfilled on events.events.k8s.io \"",
        ),
    ] {
        if let Some(rest) = e.message.strip_prefix(from) {
            e.message = format!("{to}{rest}");
        }
    }
    if let Some(details) = e.details.as_mut().and_then(Value::as_object_mut) {
        if details.contains_key("group") {
            details.insert("group".into(), json!(EVENTS_V1.group));
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core_event() -> Value {
        json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "p.1", "namespace": "shop", "resourceVersion": "9"},
            "involvedObject": {"kind": "Pod", "name": "p", "namespace": "shop"},
            "reason": "BackOff", "message": "Back-off restarting failed container",
            "source": {"component": "kubelet", "host": "n1"},
            "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:01:00Z",
            "count": 3, "type": "Warning", "reportingComponent": "kubelet", "reportingInstance": "n1"})
    }

    #[test]
    fn core_events_read_with_the_new_names() {
        let v1 = to_v1(&core_event());
        assert_eq!(v1["apiVersion"], "events.k8s.io/v1");
        assert_eq!(v1["regarding"]["name"], "p");
        assert_eq!(v1["note"], "Back-off restarting failed container");
        assert_eq!(v1["deprecatedCount"], 3);
        assert_eq!(v1["deprecatedSource"]["host"], "n1");
        assert_eq!(v1["deprecatedLastTimestamp"], "2026-01-01T00:01:00Z");
        assert_eq!(v1["reportingController"], "kubelet");
        assert_eq!(v1["eventTime"], Value::Null);
        for core_only in [
            "involvedObject",
            "message",
            "count",
            "source",
            "reportingComponent",
        ] {
            assert!(v1.get(core_only).is_none(), "{core_only}");
        }
        let k8s: k8s_openapi::api::events::v1::Event = serde_json::from_value(v1.clone()).unwrap();
        assert_eq!(k8s.deprecated_count, Some(3));
        let back = from_v1(&v1).unwrap();
        assert_eq!(back, core_event());
    }

    #[test]
    fn field_selectors_use_the_new_labels() {
        assert_eq!(
            field_selector("regarding.kind=Pod,reportingController!=kubelet,type==Warning")
                .unwrap(),
            "involvedObject.kind=Pod,reportingComponent!=kubelet,type==Warning"
        );
        let err = field_selector("involvedObject.kind=Pod").unwrap_err();
        assert_eq!(
            err.message,
            "field label not supported: involvedObject.kind"
        );
        assert_eq!(field_selector("").unwrap(), "");
    }

    #[test]
    fn writes_need_the_new_required_fields_and_errors_name_the_group() {
        let err = validate_create(&json!({"metadata": {"name": "e"}, "reason": "X"})).unwrap_err();
        assert!(
            err.message
                .starts_with("Event.events.k8s.io \"e\" is invalid: ["),
            "{}",
            err.message
        );
        assert!(err.message.contains("eventTime: Required value"));
        let nf = rename_error(ApiError::not_found(&EVENTS, "x"));
        assert_eq!(nf.message, "events.events.k8s.io \"x\" not found");
        assert!(from_v1(&json!({"apiVersion": "v1", "kind": "Event"})).is_err());
    }
}
