//! autoscaling/v2 HorizontalPodAutoscaler defaults and validation, with the
//! API server's field paths and messages.

use serde_json::{json, Value};

use crate::demo::error::FieldCause;
use crate::demo::meta;

/// `DefaultCPUUtilization`: the metric an HPA without metrics gets.
const DEFAULT_CPU_UTILIZATION: i64 = 80;
/// The controller's `--horizontal-pod-autoscaler-downscale-stabilization`.
pub const DEFAULT_DOWN_WINDOW: i64 = 300;
const MAX_PERIOD: i64 = 1800;
const MAX_WINDOW: i64 = 3600;

fn default_field(v: &mut Value, path: &[&str], value: Value) {
    if meta::at(v, path).is_none_or(Value::is_null) {
        meta::set(v, path, value);
    }
}

/// `GenerateHPAScaleUpRules` / `GenerateHPAScaleDownRules`: fills what a
/// given behavior leaves out.
fn rules_defaults(rules: &mut Value, up: bool) {
    if !rules.is_object() {
        *rules = json!({});
    }
    default_field(rules, &["selectPolicy"], json!("Max"));
    let policies = if up {
        json!([{"type": "Pods", "value": 4, "periodSeconds": 15},
               {"type": "Percent", "value": 100, "periodSeconds": 15}])
    } else {
        json!([{"type": "Percent", "value": 100, "periodSeconds": 15}])
    };
    default_field(rules, &["policies"], policies);
    if up {
        default_field(rules, &["stabilizationWindowSeconds"], json!(0));
    }
}

pub fn defaults(obj: &mut Value) {
    default_field(obj, &["spec", "minReplicas"], json!(1));
    let no_metrics = meta::at(obj, &["spec", "metrics"])
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    if no_metrics {
        meta::set(
            obj,
            &["spec", "metrics"],
            json!([{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}}}]),
        );
    }
    // Only a behavior that is there gets its gaps filled; without one the
    // controller applies its own defaults.
    if meta::at(obj, &["spec", "behavior"]).is_some_and(Value::is_object) {
        for (key, up) in [("scaleUp", true), ("scaleDown", false)] {
            let mut rules = meta::at(obj, &["spec", "behavior", key])
                .cloned()
                .unwrap_or(Value::Null);
            rules_defaults(&mut rules, up);
            meta::set(obj, &["spec", "behavior", key], rules);
        }
    }
}

fn int(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_i64)
}

fn check_rules(rules: &Value, path: &str, causes: &mut Vec<FieldCause>) {
    if let Some(w) = rules.get("stabilizationWindowSeconds") {
        match w.as_i64() {
            Some(n) if n < 0 => causes.push(FieldCause::invalid(
                &format!("{path}.stabilizationWindowSeconds"),
                n,
                "must be greater than or equal to zero",
            )),
            Some(n) if n > MAX_WINDOW => causes.push(FieldCause::invalid(
                &format!("{path}.stabilizationWindowSeconds"),
                n,
                &format!("must be less than or equal to {MAX_WINDOW}"),
            )),
            _ => {}
        }
    }
    if let Some(p) = rules.get("selectPolicy").and_then(Value::as_str) {
        if !matches!(p, "Max" | "Min" | "Disabled") {
            causes.push(FieldCause {
                reason: "FieldValueNotSupported",
                field: format!("{path}.selectPolicy"),
                message: format!(
                    "Unsupported value: {p:?}: supported values: \"Disabled\", \"Max\", \"Min\""
                ),
            });
        }
    }
    let policies = rules.get("policies").and_then(Value::as_array);
    if policies.is_some_and(Vec::is_empty) {
        causes.push(FieldCause::required(&format!("{path}.policies")));
    }
    for (i, p) in policies.into_iter().flatten().enumerate() {
        let at = format!("{path}.policies[{i}]");
        match p.get("type").and_then(Value::as_str) {
            Some("Pods" | "Percent") => {}
            other => causes.push(FieldCause {
                reason: "FieldValueNotSupported",
                field: format!("{at}.type"),
                message: format!(
                    "Unsupported value: {:?}: supported values: \"Percent\", \"Pods\"",
                    other.unwrap_or("")
                ),
            }),
        }
        match int(p.get("value")) {
            Some(v) if v > 0 => {}
            v => causes.push(FieldCause::invalid(
                &format!("{at}.value"),
                v.unwrap_or(0),
                "must be greater than zero",
            )),
        }
        match int(p.get("periodSeconds")) {
            Some(s) if s > 0 && s <= MAX_PERIOD => {}
            Some(s) if s > MAX_PERIOD => causes.push(FieldCause::invalid(
                &format!("{at}.periodSeconds"),
                s,
                &format!("must be less than or equal to {MAX_PERIOD}"),
            )),
            s => causes.push(FieldCause::invalid(
                &format!("{at}.periodSeconds"),
                s.unwrap_or(0),
                "must be greater than zero",
            )),
        }
    }
}

fn check_metric(m: &Value, path: &str, causes: &mut Vec<FieldCause>) {
    let kind = m.get("type").and_then(Value::as_str).unwrap_or("");
    let source = match kind {
        "Resource" => "resource",
        "ContainerResource" => "containerResource",
        "Pods" => "pods",
        "Object" => "object",
        "External" => "external",
        "" => {
            causes.push(FieldCause::required(&format!("{path}.type")));
            return;
        }
        other => {
            causes.push(FieldCause {
                reason: "FieldValueNotSupported",
                field: format!("{path}.type"),
                message: format!("Unsupported value: {other:?}: supported values: \"ContainerResource\", \"External\", \"Object\", \"Pods\", \"Resource\""),
            });
            return;
        }
    };
    let Some(src) = m.get(source).filter(|s| s.is_object()) else {
        causes.push(FieldCause::required(&format!("{path}.{source}")));
        return;
    };
    if matches!(source, "resource" | "containerResource")
        && src
            .get("name")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        causes.push(FieldCause::required(&format!("{path}.{source}.name")));
    }
    let target = src.get("target");
    let tpath = format!("{path}.{source}.target");
    match target.and_then(|t| t.get("type")).and_then(Value::as_str) {
        Some("Utilization") => match int(target.and_then(|t| t.get("averageUtilization"))) {
            Some(u) if u > 0 => {}
            Some(u) => causes.push(FieldCause::invalid(
                &format!("{tpath}.averageUtilization"),
                u,
                "must be greater than 0",
            )),
            None => causes.push(FieldCause::required(&format!(
                "{tpath}.averageUtilization"
            ))),
        },
        Some("Value" | "AverageValue") => {}
        Some(other) => causes.push(FieldCause {
            reason: "FieldValueNotSupported",
            field: format!("{tpath}.type"),
            message: format!("Unsupported value: {other:?}: supported values: \"AverageValue\", \"Utilization\", \"Value\""),
        }),
        None => causes.push(FieldCause::required(&format!("{tpath}.type"))),
    }
}

pub fn validate(obj: &Value, causes: &mut Vec<FieldCause>) {
    let spec = meta::at(obj, &["spec"]).cloned().unwrap_or(json!({}));
    let min = int(spec.get("minReplicas")).unwrap_or(1);
    if min < 1 {
        causes.push(FieldCause::invalid(
            "spec.minReplicas",
            min,
            "must be greater than or equal to 1",
        ));
    }
    match int(spec.get("maxReplicas")) {
        None => causes.push(FieldCause::invalid(
            "spec.maxReplicas",
            0,
            "must be greater than or equal to 1",
        )),
        Some(max) if max < 1 => causes.push(FieldCause::invalid(
            "spec.maxReplicas",
            max,
            "must be greater than or equal to 1",
        )),
        Some(max) if max < min => causes.push(FieldCause::invalid(
            "spec.maxReplicas",
            max,
            "must be greater than or equal to `minReplicas`",
        )),
        _ => {}
    }
    for field in ["kind", "name"] {
        if meta::str_at(&spec, &["scaleTargetRef", field]).is_none_or(str::is_empty) {
            causes.push(FieldCause::required(&format!(
                "spec.scaleTargetRef.{field}"
            )));
        }
    }
    if let Some(metrics) = spec.get("metrics").and_then(Value::as_array) {
        for (i, m) in metrics.iter().enumerate() {
            check_metric(m, &format!("spec.metrics[{i}]"), causes);
        }
    }
    for key in ["scaleUp", "scaleDown"] {
        if let Some(rules) = meta::at(&spec, &["behavior", key]).filter(|r| r.is_object()) {
            check_rules(rules, &format!("spec.behavior.{key}"), causes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_metric_and_given_behavior() {
        let mut h = json!({"spec": {"maxReplicas": 5, "scaleTargetRef": {"kind": "Deployment", "name": "x"}}});
        defaults(&mut h);
        assert_eq!(h["spec"]["minReplicas"], 1);
        assert_eq!(
            h["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
            80
        );
        assert!(h["spec"].get("behavior").is_none());
        let mut h =
            json!({"spec": {"behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}});
        defaults(&mut h);
        let b = &h["spec"]["behavior"];
        assert_eq!(b["scaleDown"]["stabilizationWindowSeconds"], 60);
        assert_eq!(b["scaleDown"]["selectPolicy"], "Max");
        assert_eq!(b["scaleUp"]["stabilizationWindowSeconds"], 0);
        assert_eq!(b["scaleUp"]["policies"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn validation_messages() {
        let h = json!({"spec": {"minReplicas": 3, "maxReplicas": 2,
            "scaleTargetRef": {"kind": "Deployment"},
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 0}}}],
            "behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 4000}]}}}});
        let mut causes = Vec::new();
        validate(&h, &mut causes);
        let text: Vec<String> = causes
            .iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect();
        let text = text.join("\n");
        assert!(text.contains("spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"), "{text}");
        assert!(
            text.contains("spec.scaleTargetRef.name: Required value"),
            "{text}"
        );
        assert!(text.contains("spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"), "{text}");
        assert!(text.contains("spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 4000: must be less than or equal to 1800"), "{text}");
    }
}
