//! Table cells of HorizontalPodAutoscalers as the upstream printer writes
//! them (`printHorizontalPodAutoscaler`, `formatHPAMetrics`): TARGETS like
//! `cpu: 45%/60%`, `<unknown>` until a value is known, at most two metrics
//! then `+ N more...`.

use serde_json::{json, Value};

use crate::demo::meta;

/// How many metrics TARGETS shows before `+ N more...`.
const SHOWN: usize = 2;

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn current<'a>(statuses: &'a [Value], i: usize, source: &str) -> Option<&'a Value> {
    statuses.get(i)?.get(source)?.get("current")
}

/// One metric's `current/target`.
fn metric(spec: &Value, statuses: &[Value], i: usize) -> String {
    let unknown = || "<unknown>".to_string();
    let kind = spec.get("type").and_then(Value::as_str).unwrap_or("");
    let source = match kind {
        "External" => "external",
        "Pods" => "pods",
        "Object" => "object",
        "Resource" => "resource",
        "ContainerResource" => "containerResource",
        _ => return "<unknown type>".into(),
    };
    let src = spec.get(source).cloned().unwrap_or(json!({}));
    let target = src.get("target").cloned().unwrap_or(json!({}));
    let cur = current(statuses, i, source);
    let cur_field = |k: &str| text(cur.and_then(|c| c.get(k)));
    let target_avg = text(target.get("averageValue"));
    match source {
        "external" | "object" => match target_avg {
            Some(avg) => format!(
                "{}/{avg} (avg)",
                cur_field("averageValue").unwrap_or_else(unknown)
            ),
            None => format!(
                "{}/{}",
                cur_field("value").unwrap_or_else(unknown),
                text(target.get("value")).unwrap_or_default()
            ),
        },
        "pods" => format!(
            "{}/{}",
            cur_field("averageValue").unwrap_or_else(unknown),
            target_avg.unwrap_or_default()
        ),
        _ => {
            let name = src.get("name").and_then(Value::as_str).unwrap_or("");
            match target_avg {
                Some(avg) => format!(
                    "{name}: {}/{avg}",
                    cur_field("averageValue").unwrap_or_else(unknown)
                ),
                None => {
                    let cur = cur_field("averageUtilization")
                        .map(|u| format!("{u}%"))
                        .unwrap_or_else(unknown);
                    let target = text(target.get("averageUtilization"))
                        .map(|u| format!("{u}%"))
                        .unwrap_or_else(|| "<auto>".into());
                    format!("{name}: {cur}/{target}")
                }
            }
        }
    }
}

pub fn targets(hpa: &Value) -> String {
    let specs = meta::at(hpa, &["spec", "metrics"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if specs.is_empty() {
        return "<none>".into();
    }
    let statuses = meta::at(hpa, &["status", "currentMetrics"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let list: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| metric(s, &statuses, i))
        .collect();
    if list.len() > SHOWN {
        format!(
            "{} + {} more...",
            list[..SHOWN].join(", "),
            list.len() - SHOWN
        )
    } else {
        list.join(", ")
    }
}

/// NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS; the caller adds AGE.
pub fn cells(hpa: &Value) -> Vec<Value> {
    let reference = format!(
        "{}/{}",
        meta::str_at(hpa, &["spec", "scaleTargetRef", "kind"]).unwrap_or(""),
        meta::str_at(hpa, &["spec", "scaleTargetRef", "name"]).unwrap_or("")
    );
    let min = meta::i64_at(hpa, &["spec", "minReplicas"])
        .map(|m| m.to_string())
        .unwrap_or_else(|| "<unset>".into());
    vec![
        json!(meta::name(hpa)),
        json!(reference),
        json!(targets(hpa)),
        json!(min),
        json!(meta::i64_at(hpa, &["spec", "maxReplicas"]).unwrap_or(0)),
        json!(meta::i64_at(hpa, &["status", "currentReplicas"]).unwrap_or(0)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(target: Value) -> Value {
        json!({"type": "Resource", "resource": {"name": "cpu", "target": target}})
    }

    #[test]
    fn targets_read_like_kubectl() {
        let util = cpu(json!({"type": "Utilization", "averageUtilization": 60}));
        let mut h = json!({"spec": {"metrics": [util.clone()]}});
        assert_eq!(targets(&h), "cpu: <unknown>/60%");
        h["status"] = json!({"currentMetrics": [{"type": "Resource", "resource": {"name": "cpu",
            "current": {"averageUtilization": 45, "averageValue": "112m"}}}]});
        assert_eq!(targets(&h), "cpu: 45%/60%");
        let avg = cpu(json!({"type": "AverageValue", "averageValue": "200m"}));
        let pods = json!({"type": "Pods", "pods": {"metric": {"name": "rps"},
            "target": {"type": "AverageValue", "averageValue": "10"}}});
        let ext = json!({"type": "External", "external": {"metric": {"name": "queue"},
            "target": {"type": "Value", "value": "30"}}});
        h["spec"]["metrics"] = json!([util, avg, pods, ext]);
        assert_eq!(targets(&h), "cpu: 45%/60%, cpu: <unknown>/200m + 2 more...");
        h["spec"]["metrics"] = json!([]);
        assert_eq!(targets(&h), "<none>");
    }

    #[test]
    fn row_cells() {
        let h = json!({"metadata": {"name": "api"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "api"},
            "maxReplicas": 10, "metrics": []}, "status": {"currentReplicas": 3}});
        assert_eq!(
            cells(&h),
            vec![
                json!("api"),
                json!("Deployment/api"),
                json!("<none>"),
                json!("<unset>"),
                json!(10),
                json!(3)
            ]
        );
    }
}
