//! Validation with the field paths and messages of the real API server, so
//! that `kubectl` prints the same `is invalid:` errors.

use serde_json::Value;

use crate::demo::error::{ApiError, FieldCause};
use crate::demo::intstr::int_or_percent;
use crate::demo::meta;
use crate::demo::resources::ResourceDef;
use crate::demo::selectors::LabelSelector;

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

pub fn dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && !s.is_empty() && s.split('.').all(dns_label)
}

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

fn check_name(res: &ResourceDef, name: &str, causes: &mut Vec<FieldCause>) {
    if res.plural == "namespaces" {
        if !dns_label(name) {
            causes.push(FieldCause::invalid(
                "metadata.name",
                quoted(name),
                LABEL_MSG,
            ));
        }
    } else if !dns_subdomain(name) {
        causes.push(FieldCause::invalid(
            "metadata.name",
            quoted(name),
            SUBDOMAIN_MSG,
        ));
    }
}

fn check_string_map(v: Option<&Value>, field: &str, causes: &mut Vec<FieldCause>) {
    match v {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, val) in m {
                if !val.is_string() {
                    causes.push(FieldCause::invalid(
                        &format!("{field}.{k}"),
                        val,
                        "must be a string",
                    ));
                }
            }
        }
        Some(other) => causes.push(FieldCause::invalid(
            field,
            other,
            "must be a map of strings",
        )),
    }
}

/// How Go prints a `map[string]string` in validation messages.
fn go_map(m: &std::collections::BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = m.iter().map(|(k, v)| format!("{k:?}:{v:?}")).collect();
    format!("map[string]string{{{}}}", pairs.join(", "))
}

fn check_pod_spec(spec: Option<&Value>, path: &str, causes: &mut Vec<FieldCause>) {
    let containers = spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array);
    let Some(containers) = containers.filter(|c| !c.is_empty()) else {
        causes.push(FieldCause::required(&format!("{path}.containers")));
        return;
    };
    let mut seen = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        let at = format!("{path}.containers[{i}]");
        match c.get("name").and_then(Value::as_str) {
            None | Some("") => causes.push(FieldCause::required(&format!("{at}.name"))),
            Some(n) if !dns_label(n) => causes.push(FieldCause::invalid(
                &format!("{at}.name"),
                quoted(n),
                LABEL_MSG,
            )),
            Some(n) if seen.contains(&n) => causes.push(FieldCause {
                reason: "FieldValueDuplicate",
                field: format!("{at}.name"),
                message: format!("Duplicate value: {}", quoted(n)),
            }),
            Some(n) => seen.push(n),
        }
        match c.get("image").and_then(Value::as_str) {
            None | Some("") => causes.push(FieldCause::required(&format!("{at}.image"))),
            Some(_) => {}
        }
    }
}

fn check_replicas(obj: &Value, causes: &mut Vec<FieldCause>) {
    match meta::at(obj, &["spec", "replicas"]) {
        None | Some(Value::Null) => {}
        Some(v) => match v.as_i64() {
            Some(n) if (0..=i32::MAX as i64).contains(&n) => {}
            Some(n) if n < 0 => causes.push(FieldCause::invalid(
                "spec.replicas",
                n,
                "must be greater than or equal to 0",
            )),
            _ => causes.push(FieldCause::invalid(
                "spec.replicas",
                v,
                "must be an integer",
            )),
        },
    }
}

fn check_workload(res: &ResourceDef, obj: &Value, causes: &mut Vec<FieldCause>) {
    check_replicas(obj, causes);
    let sel_value = meta::at(obj, &["spec", "selector"]);
    match LabelSelector::from_object(sel_value) {
        _ if sel_value.is_none_or(Value::is_null) => {
            causes.push(FieldCause::required("spec.selector"))
        }
        Err(e) => causes.push(FieldCause::invalid(
            "spec.selector.matchExpressions",
            "",
            &e,
        )),
        Ok(sel) if sel.requirements.is_empty() => causes.push(FieldCause::invalid(
            "spec.selector",
            "{}",
            &format!("empty selector is invalid for {}", res.singular),
        )),
        Ok(sel) => {
            let labels =
                meta::string_map(meta::at(obj, &["spec", "template", "metadata", "labels"]));
            if !sel.matches(&labels) {
                causes.push(FieldCause::invalid(
                    "spec.template.metadata.labels",
                    go_map(&labels),
                    "`selector` does not match template `labels`",
                ));
            }
        }
    }
    check_pod_spec(
        meta::at(obj, &["spec", "template", "spec"]),
        "spec.template.spec",
        causes,
    );
    if res.plural == "deployments" {
        let replicas = meta::i64_at(obj, &["spec", "replicas"]).unwrap_or(1).max(0);
        let ru = meta::at(obj, &["spec", "strategy", "rollingUpdate"]);
        let strategy = meta::str_at(obj, &["spec", "strategy", "type"]).unwrap_or("RollingUpdate");
        match strategy {
            "RollingUpdate" => {
                let surge = ru.and_then(|r| r.get("maxSurge"));
                let unavailable = ru.and_then(|r| r.get("maxUnavailable"));
                let mut parsed = Vec::new();
                for (name, v) in [("maxSurge", surge), ("maxUnavailable", unavailable)] {
                    let field = format!("spec.strategy.rollingUpdate.{name}");
                    match v.map(|v| int_or_percent(v, replicas, name == "maxSurge")) {
                        None => parsed.push(0),
                        Some(Ok(n)) if n >= 0 => parsed.push(n),
                        Some(Ok(n)) => causes.push(FieldCause::invalid(
                            &field,
                            n,
                            "must be greater than or equal to 0",
                        )),
                        Some(Err(e)) => {
                            causes.push(FieldCause::invalid(&field, v.unwrap_or(&Value::Null), &e))
                        }
                    }
                }
                let is_zero = |v: Option<&Value>| v.is_some_and(|v| v == 0 || v == "0%");
                if is_zero(surge) && is_zero(unavailable) {
                    causes.push(FieldCause::invalid(
                        "spec.strategy.rollingUpdate.maxUnavailable",
                        unavailable.unwrap_or(&Value::Null),
                        "may not be 0 when `maxSurge` is 0",
                    ));
                }
            }
            "Recreate" => {
                if ru.is_some_and(|r| !r.is_null()) {
                    causes.push(FieldCause::forbidden(
                        "spec.strategy.rollingUpdate",
                        "may not be specified when strategy `type` is 'Recreate'",
                    ));
                }
            }
            other => causes.push(FieldCause {
                reason: "FieldValueNotSupported",
                field: "spec.strategy.type".into(),
                message: format!(
                    "Unsupported value: {}: supported values: \"Recreate\", \"RollingUpdate\"",
                    quoted(other)
                ),
            }),
        }
    }
}

/// Validation of a whole object on create and update.
pub fn object(res: &ResourceDef, obj: &Value) -> Result<(), ApiError> {
    let name = meta::name(obj);
    let mut causes = Vec::new();
    check_name(res, name, &mut causes);
    check_string_map(
        meta::at(obj, &["metadata", "labels"]),
        "metadata.labels",
        &mut causes,
    );
    check_string_map(
        meta::at(obj, &["metadata", "annotations"]),
        "metadata.annotations",
        &mut causes,
    );
    match res.plural {
        "pods" => check_pod_spec(meta::at(obj, &["spec"]), "spec", &mut causes),
        "deployments" | "replicasets" => check_workload(res, obj, &mut causes),
        "horizontalpodautoscalers" => super::hpa::validate(obj, &mut causes),
        _ => {}
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(res, name, causes))
    }
}

/// Pod spec with the fields upstream lets an update change blanked out.
fn pod_spec_mutable_blanked(spec: Option<&Value>) -> Value {
    let mut spec = spec.cloned().unwrap_or(Value::Null);
    for list in ["containers", "initContainers"] {
        if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
            for c in cs {
                meta::remove(c, &["image"]);
            }
        }
    }
    for field in ["activeDeadlineSeconds", "tolerations", "nodeName"] {
        meta::remove(&mut spec, &[field]);
    }
    spec
}

/// Extra rules for updates: immutable fields.
pub fn update(res: &ResourceDef, old: &Value, new: &Value) -> Result<(), ApiError> {
    object(res, new)?;
    let name = meta::name(new);
    let mut causes = Vec::new();
    match res.plural {
        "deployments" | "replicasets" => {
            let (a, b) = (
                meta::at(old, &["spec", "selector"]),
                meta::at(new, &["spec", "selector"]),
            );
            if a != b {
                causes.push(FieldCause::invalid(
                    "spec.selector",
                    b.map(Value::to_string).unwrap_or_default(),
                    "field is immutable",
                ));
            }
        }
        "pods" => {
            let (a, b) = (meta::at(old, &["spec"]), meta::at(new, &["spec"]));
            if pod_spec_mutable_blanked(a) != pod_spec_mutable_blanked(b) {
                causes.push(FieldCause::forbidden(
                    "spec",
                    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
                ));
            }
        }
        _ => {}
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(res, name, causes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::resources::{DEPLOYMENTS, NAMESPACES};
    use serde_json::json;

    fn deploy() -> Value {
        json!({"metadata": {"name": "web"}, "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}})
    }

    #[test]
    fn accepts_a_valid_deployment() {
        object(&DEPLOYMENTS, &deploy()).unwrap();
    }

    #[test]
    fn reports_upstream_messages() {
        let mut d = deploy();
        d["spec"]["replicas"] = json!(-1);
        d["spec"]["template"]["metadata"]["labels"]["app"] = json!("other");
        let err = object(&DEPLOYMENTS, &d).unwrap_err();
        assert_eq!(err.code, 422);
        assert!(
            err.message
                .starts_with("Deployment.apps \"web\" is invalid: ["),
            "{}",
            err.message
        );
        assert!(err
            .message
            .contains("spec.replicas: Invalid value: -1: must be greater than or equal to 0"));
        assert!(err
            .message
            .contains("`selector` does not match template `labels`"));
    }

    #[test]
    fn names_and_immutability() {
        let err = object(&NAMESPACES, &json!({"metadata": {"name": "Bad_Name"}})).unwrap_err();
        assert!(err.message.contains("RFC 1123 label"));
        let mut changed = deploy();
        changed["spec"]["selector"] = json!({"matchLabels": {"app": "x"}});
        changed["spec"]["template"]["metadata"]["labels"]["app"] = json!("x");
        let err = update(&DEPLOYMENTS, &deploy(), &changed).unwrap_err();
        assert!(err.message.contains("field is immutable"));
    }
}
