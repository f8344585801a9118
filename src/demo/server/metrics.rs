//! metrics.k8s.io/v1beta1 as metrics-server serves it: PodMetrics and
//! NodeMetrics, get and list only, computed from the usage model at the
//! current simulated time (`kubectl top` reads these).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::{json, Value};

use super::ServerState;
use crate::demo::api::request::{self, flag, Output, Target};
use crate::demo::api::status;
use crate::demo::clock::format_time;
use crate::demo::error::ApiError;
use crate::demo::meta;
use crate::demo::resources::{NODES, PODS};
use crate::demo::selectors::{FieldSelector, LabelSelector};
use crate::demo::usage::{self, PodUsage};

type Query = HashMap<String, String>;

/// Go's `time.Duration` text for the sub-minute windows used here.
fn go_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let text = format!("{:.3}", d.as_secs_f64());
    format!("{}s", text.trim_end_matches('0').trim_end_matches('.'))
}

struct Sample {
    timestamp: String,
    window: String,
    t: Duration,
}

fn sample(state: &ServerState) -> Sample {
    let t = state.clock.elapsed();
    let start = usage::WINDOW * usage::window(t) as u32;
    Sample {
        timestamp: format_time(state.clock.wall_at(start)),
        window: go_duration(state.clock.scaled(usage::WINDOW)),
        t,
    }
}

fn cpu(nanos: i64) -> String {
    format!("{nanos}n")
}

fn memory(bytes: i64) -> String {
    format!("{}Ki", bytes / 1024)
}

fn pod_metrics(u: &PodUsage, s: &Sample, now: &str) -> Value {
    let pod = &u.pod;
    json!({
        "kind": "PodMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {
            "name": meta::name(pod),
            "namespace": meta::namespace(pod),
            "creationTimestamp": now,
            "labels": meta::at(pod, &["metadata", "labels"]).cloned().unwrap_or(json!({})),
        },
        "timestamp": s.timestamp,
        "window": s.window,
        "containers": u.containers.iter().map(|c| json!({
            "name": c.name,
            "usage": {"cpu": cpu(c.cpu_nanos), "memory": memory(c.memory_bytes)},
        })).collect::<Vec<_>>(),
    })
}

fn node_metrics(node: &Value, cpu_nanos: i64, bytes: i64, s: &Sample, now: &str) -> Value {
    json!({
        "kind": "NodeMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {
            "name": meta::name(node),
            "creationTimestamp": now,
            "labels": meta::at(node, &["metadata", "labels"]).cloned().unwrap_or(json!({})),
        },
        "timestamp": s.timestamp,
        "window": s.window,
        "usage": {"cpu": cpu(cpu_nanos), "memory": memory(bytes)},
    })
}

fn not_found(target: &Target, name: &str) -> ApiError {
    let mut e = ApiError::not_found(target.resource, name);
    let (kind, shown) = match &target.namespace {
        Some(ns) => ("podmetrics", format!("{ns}/{name}")),
        None => ("nodemetrics", name.to_string()),
    };
    e.message = format!("{kind}.metrics.k8s.io \"{shown}\" not found");
    e
}

/// Usage of all running pods (in one namespace when given).
fn all_pod_usage(state: &ServerState, ns: Option<&str>, t: Duration) -> Vec<PodUsage> {
    let store = &state.registry.store;
    let (pods, _) = store.list(&PODS, ns);
    usage::pods(store, ns, &pods, t)
}

pub fn serve(
    state: &ServerState,
    target: &Target,
    method: &Method,
    headers: &HeaderMap,
    q: &Query,
) -> Result<Response, ApiError> {
    if method != Method::GET {
        return Err(ApiError::method_not_allowed(
            method.as_str(),
            &target.resource.group_resource(),
        ));
    }
    if target.watch_path || flag(q, "watch") {
        return Err(ApiError::method_not_allowed(
            "watch",
            &target.resource.group_resource(),
        ));
    }
    let output = request::negotiate(headers)?;
    let labels = LabelSelector::parse(q.get("labelSelector").map(String::as_str).unwrap_or(""))?;
    let fields = FieldSelector::parse(
        target.resource,
        q.get("fieldSelector").map(String::as_str).unwrap_or(""),
    )?;
    let s = sample(state);
    let now = state.clock.now_string();
    let ns = target.namespace.as_deref();
    let pods_view = target.resource.namespaced;
    let items: Vec<Value> = if pods_view {
        let mut usages = all_pod_usage(state, ns, s.t);
        usages.retain(|u| labels.matches_object(&u.pod) && fields.matches(target.resource, &u.pod));
        if let Some(name) = &target.name {
            usages.retain(|u| meta::name(&u.pod) == name);
            if usages.is_empty() {
                return Err(not_found(target, name));
            }
        }
        usages.iter().map(|u| pod_metrics(u, &s, &now)).collect()
    } else {
        let (nodes, _) = state.registry.store.list(&NODES, None);
        let mut per_node: HashMap<String, (i64, i64)> = HashMap::new();
        for u in all_pod_usage(state, None, s.t) {
            let node = meta::str_at(&u.pod, &["spec", "nodeName"]).unwrap_or("");
            let e = per_node.entry(node.to_string()).or_default();
            e.0 += u.containers.iter().map(|c| c.cpu_nanos).sum::<i64>();
            e.1 += u.memory_bytes();
        }
        let selected: Vec<&Arc<Value>> = nodes
            .iter()
            .filter(|n| labels.matches_object(n) && fields.matches(target.resource, n))
            .filter(|n| {
                target
                    .name
                    .as_deref()
                    .is_none_or(|name| meta::name(n) == name)
            })
            .collect();
        if let (Some(name), true) = (&target.name, selected.is_empty()) {
            return Err(not_found(target, name));
        }
        selected
            .into_iter()
            .map(|n| {
                let name = meta::name(n);
                let (pc, pm) = per_node.get(name).copied().unwrap_or_default();
                let (oc, om) = usage::node_overhead(name, s.t);
                node_metrics(n, pc + oc, pm + om, &s, &now)
            })
            .collect()
    };
    let kind = if pods_view {
        "PodMetrics"
    } else {
        "NodeMetrics"
    };
    if target.name.is_some() {
        let item = items.into_iter().next().unwrap_or(Value::Null);
        return Ok(match output {
            Output::Table(v) => status::json(200, &table(&[item], v)),
            _ => status::json(200, &item),
        });
    }
    Ok(match output {
        Output::Table(v) => status::json(200, &table(&items, v)),
        _ => status::json(
            200,
            &json!({
                "kind": format!("{kind}List"),
                "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {},
                // metrics-server's list items carry no kind/apiVersion of
                // their own (a single GET does).
                "items": items.into_iter().map(|mut i| {
                    if let Some(m) = i.as_object_mut() {
                        m.remove("kind");
                        m.remove("apiVersion");
                    }
                    i
                }).collect::<Vec<_>>(),
            }),
        ),
    })
}

/// Summed usage of a metrics item: pods list containers, nodes one usage.
fn totals(item: &Value) -> (i64, i64) {
    let usages: Vec<&Value> = match item.get("containers").and_then(Value::as_array) {
        Some(cs) => cs.iter().filter_map(|c| c.get("usage")).collect(),
        None => item.get("usage").into_iter().collect(),
    };
    let mut cpu = 0;
    let mut mem = 0;
    for u in usages {
        cpu += meta::str_at(u, &["cpu"])
            .and_then(|c| c.strip_suffix('n'))
            .and_then(|c| c.parse::<i64>().ok())
            .unwrap_or(0);
        mem += meta::str_at(u, &["memory"])
            .and_then(|m| m.strip_suffix("Ki"))
            .and_then(|m| m.parse::<i64>().ok())
            .unwrap_or(0);
    }
    (cpu, mem)
}

/// metrics-server's Table: name, one column per resource, window.
fn table(items: &[Value], version: &str) -> Value {
    let rows: Vec<Value> = items
        .iter()
        .map(|item| {
            let (cpu_n, mem_ki) = totals(item);
            json!({
                "cells": [meta::name(item), cpu(cpu_n), format!("{mem_ki}Ki"), item.get("window")],
                "object": {"kind": "PartialObjectMetadata", "apiVersion": format!("meta.k8s.io/{version}"),
                           "metadata": item.get("metadata")},
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": format!("meta.k8s.io/{version}"),
        "metadata": {},
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "description": "Name of the resource", "priority": 0},
            {"name": "cpu", "type": "string", "format": "quantity", "description": "", "priority": 0},
            {"name": "memory", "type": "string", "format": "quantity", "description": "", "priority": 0},
            {"name": "Window", "type": "string", "format": "duration", "description": "", "priority": 0},
        ],
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_print_like_go() {
        assert_eq!(go_duration(Duration::from_secs(15)), "15s");
        assert_eq!(go_duration(Duration::from_millis(3750)), "3.75s");
        assert_eq!(go_duration(Duration::from_millis(750)), "750ms");
    }

    #[test]
    fn tables_sum_containers() {
        let item = json!({"metadata": {"name": "p"}, "window": "15s", "containers": [
            {"name": "a", "usage": {"cpu": "1000n", "memory": "10Ki"}},
            {"name": "b", "usage": {"cpu": "500n", "memory": "6Ki"}}]});
        let t = table(&[item], "v1");
        assert_eq!(t["rows"][0]["cells"], json!(["p", "1500n", "16Ki", "15s"]));
    }
}
