//! Table cells of Services, ConfigMaps, Secrets and EndpointSlices, as the
//! upstream printers (`printService`, `printConfigMap`, `printSecret`,
//! `printEndpointSlice`) fill them with `Wide: true`.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::age::age;
use crate::demo::meta;

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn map_len(obj: &Value, key: &str) -> usize {
    obj.get(key)
        .and_then(Value::as_object)
        .map_or(0, |m| m.len())
}

/// `loadBalancerStatusStringer` (wide, so never truncated).
fn load_balancer(svc: &Value) -> String {
    let ingress = meta::at(svc, &["status", "loadBalancer", "ingress"])
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    ingress
        .iter()
        .filter_map(|i| {
            i.get("ip")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .or_else(|| {
                    i.get("hostname")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                })
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `getServiceExternalIP`.
fn external_ip(svc: &Value) -> String {
    let external = strings(meta::at(svc, &["spec", "externalIPs"]));
    match meta::str_at(svc, &["spec", "type"]).unwrap_or("") {
        "ClusterIP" | "NodePort" if !external.is_empty() => external.join(","),
        "ClusterIP" | "NodePort" => "<none>".into(),
        "LoadBalancer" => {
            let lb = load_balancer(svc);
            let mut all: Vec<&str> = lb.split(',').filter(|s| !s.is_empty()).collect();
            all.extend(external.iter().copied());
            if all.is_empty() {
                "<pending>".into()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => meta::str_at(svc, &["spec", "externalName"])
            .unwrap_or("")
            .to_string(),
        _ => "<unknown>".into(),
    }
}

/// `makePortString`: `80/TCP`, `80:30080/TCP` with a node port.
fn port_string(svc: &Value) -> String {
    let ports = meta::at(svc, &["spec", "ports"])
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let text = ports
        .iter()
        .map(|p| {
            let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
            let protocol = p.get("protocol").and_then(Value::as_str).unwrap_or("");
            match p.get("nodePort").and_then(Value::as_i64).filter(|n| *n > 0) {
                Some(node) => format!("{port}:{node}/{protocol}"),
                None => format!("{port}/{protocol}"),
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    if text.is_empty() {
        "<none>".into()
    } else {
        text
    }
}

/// `labels.FormatLabels`: sorted `k=v` pairs, `<none>` when empty.
fn format_labels(v: Option<&Value>) -> String {
    let m = meta::string_map(v);
    if m.is_empty() {
        return "<none>".into();
    }
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `listWithMoreString`: at most three items, then `+ N more...`.
fn list_with_more(items: Vec<String>) -> String {
    const MAX: usize = 3;
    let count = items.len();
    let shown = items.into_iter().take(MAX).collect::<Vec<_>>().join(",");
    if count > MAX {
        format!("{shown} + {} more...", count - MAX)
    } else if shown.is_empty() {
        "<unset>".into()
    } else {
        shown
    }
}

fn slice_ports(slice: &Value) -> String {
    let ports = slice
        .get("ports")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    list_with_more(
        ports
            .iter()
            .map(|p| match p.get("port").and_then(Value::as_i64) {
                Some(n) => n.to_string(),
                None => p
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("*")
                    .to_string(),
            })
            .collect(),
    )
}

fn slice_endpoints(slice: &Value) -> String {
    let endpoints = slice
        .get("endpoints")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    list_with_more(
        endpoints
            .iter()
            .flat_map(|e| strings(e.get("addresses")))
            .map(String::from)
            .collect(),
    )
}

pub fn cells(plural: &str, obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let name = json!(meta::name(obj));
    match plural {
        "services" => {
            let cluster_ip = strings(meta::at(obj, &["spec", "clusterIPs"]))
                .first()
                .map_or("<none>".to_string(), |s| s.to_string());
            vec![
                name,
                json!(meta::str_at(obj, &["spec", "type"]).unwrap_or("")),
                json!(cluster_ip),
                json!(external_ip(obj)),
                json!(port_string(obj)),
                age(obj, now),
                json!(format_labels(meta::at(obj, &["spec", "selector"]))),
            ]
        }
        "configmaps" => vec![
            name,
            json!(map_len(obj, "data") + map_len(obj, "binaryData")),
            age(obj, now),
        ],
        "secrets" => vec![
            name,
            json!(meta::str_at(obj, &["type"]).unwrap_or("")),
            json!(map_len(obj, "data")),
            age(obj, now),
        ],
        "endpointslices" => vec![
            name,
            json!(meta::str_at(obj, &["addressType"]).unwrap_or("")),
            json!(slice_ports(obj)),
            json!(slice_endpoints(obj)),
            age(obj, now),
        ],
        _ => vec![name, age(obj, now)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_cells_match_the_printer() {
        let now = Utc::now();
        let svc = json!({"metadata": {"name": "frontend"}, "spec": {"type": "ClusterIP",
            "clusterIP": "10.96.12.7", "clusterIPs": ["10.96.12.7"],
            "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "protocol": "TCP", "nodePort": 30443}],
            "selector": {"slot": "blue", "app": "frontend"}}});
        let c = cells("services", &svc, now);
        assert_eq!(
            c[..5],
            [
                json!("frontend"),
                json!("ClusterIP"),
                json!("10.96.12.7"),
                json!("<none>"),
                json!("80/TCP,443:30443/TCP")
            ]
        );
        assert_eq!(c[6], "app=frontend,slot=blue");
        let lb = json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "ports": []}});
        let c = cells("services", &lb, now);
        assert_eq!(
            (&c[2], &c[3], &c[4], &c[6]),
            (
                &json!("<none>"),
                &json!("<pending>"),
                &json!("<none>"),
                &json!("<none>")
            )
        );
        let ext = json!({"metadata": {"name": "x"}, "spec": {"type": "ExternalName", "externalName": "db.example.com"}});
        assert_eq!(cells("services", &ext, now)[3], "db.example.com");
    }

    #[test]
    fn data_counts_and_slices() {
        let now = Utc::now();
        let cm =
            json!({"metadata": {"name": "c"}, "data": {"a": "1"}, "binaryData": {"b": "AA=="}});
        assert_eq!(cells("configmaps", &cm, now)[1], 2);
        let s = json!({"metadata": {"name": "s"}, "type": "Opaque", "data": {"a": "YQ=="}});
        assert_eq!(cells("secrets", &s, now)[1..3], [json!("Opaque"), json!(1)]);
        let slice = json!({"metadata": {"name": "web-abc"}, "addressType": "IPv4",
            "ports": [{"port": 8080}],
            "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2"]}, {"addresses": ["10.0.0.3"]}, {"addresses": ["10.0.0.4"]}]});
        let c = cells("endpointslices", &slice, now);
        assert_eq!(c[2], "8080");
        assert_eq!(c[3], "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...");
        let empty = json!({"metadata": {"name": "web-x"}, "addressType": "IPv4", "ports": [], "endpoints": []});
        assert_eq!(
            cells("endpointslices", &empty, now)[2..4],
            [json!("<unset>"), json!("<unset>")]
        );
    }
}
