//! `meta.k8s.io/v1` Tables with the columns and cells of the upstream
//! printers (pkg/printers/internalversion), which is what `kubectl get`
//! prints. The server always fills the wide (priority 1) cells; kubectl
//! hides them unless `-o wide`.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::age::{age, human_duration, since};
use crate::demo::clock::parse_time;
use crate::demo::meta;
use crate::demo::resources::ResourceDef;
use crate::demo::selectors::LabelSelector;

/// Column definitions as the API server (v1.34) answers them, per resource.
const COLUMNS_JSON: &str = include_str!("columns.json");

/// How rows carry the object (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn parse(v: Option<&str>) -> IncludeObject {
        match v {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

pub fn columns(res: &ResourceDef) -> Vec<Value> {
    static COLUMNS: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let all = COLUMNS.get_or_init(|| serde_json::from_str(COLUMNS_JSON).unwrap_or(Value::Null));
    match all.get(res.plural).and_then(Value::as_array) {
        Some(cols) => cols.clone(),
        // The API server's default for kinds without a printer.
        None => vec![
            json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
            json!({"name": "Created At", "type": "date", "format": "", "description": "CreationTimestamp is a timestamp representing the server time when this object was created.", "priority": 0}),
        ],
    }
}

fn container_cells(obj: &Value) -> (Value, Value) {
    let cs = meta::containers(meta::at(obj, &["spec", "template", "spec"]));
    let field = |k: &str| {
        cs.iter()
            .map(|c| c.get(k).and_then(Value::as_str).unwrap_or(""))
            .collect::<Vec<_>>()
            .join(",")
    };
    (json!(field("name")), json!(field("image")))
}

fn selector_string(obj: &Value) -> String {
    match LabelSelector::from_object(meta::at(obj, &["spec", "selector"])) {
        Ok(s) if s.selects_nothing => "<none>".into(),
        Ok(s) => s.render(),
        Err(_) => "<invalid>".into(),
    }
}

fn int(obj: &Value, path: &[&str]) -> i64 {
    meta::i64_at(obj, path).unwrap_or(0)
}

fn pod_cells(pod: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let phase = meta::str_at(pod, &["status", "phase"]).unwrap_or("");
    let mut reason = meta::str_at(pod, &["status", "reason"])
        .filter(|r| !r.is_empty())
        .unwrap_or(phase)
        .to_string();
    let spec_containers = meta::containers(meta::at(pod, &["spec"]));
    let total = spec_containers.len();
    let mut ready = 0;
    let mut restarts = 0;
    let mut last_restart: Option<DateTime<Utc>> = None;
    let statuses = meta::at(pod, &["status", "containerStatuses"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let init_total = meta::at(pod, &["spec", "initContainers"])
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let mut initializing = false;
    if let Some(inits) =
        meta::at(pod, &["status", "initContainerStatuses"]).and_then(Value::as_array)
    {
        for (i, c) in inits.iter().enumerate() {
            restarts += c.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
            let terminated = meta::at(c, &["state", "terminated"]);
            let waiting_reason = meta::str_at(c, &["state", "waiting", "reason"]).unwrap_or("");
            if terminated.is_some_and(|t| t.get("exitCode").and_then(Value::as_i64) == Some(0)) {
                continue;
            }
            reason = if let Some(t) = terminated {
                match t
                    .get("reason")
                    .and_then(Value::as_str)
                    .filter(|r| !r.is_empty())
                {
                    Some(r) => format!("Init:{r}"),
                    None => format!(
                        "Init:ExitCode:{}",
                        t.get("exitCode").and_then(Value::as_i64).unwrap_or(0)
                    ),
                }
            } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
                format!("Init:{waiting_reason}")
            } else {
                format!("Init:{i}/{init_total}")
            };
            initializing = true;
            break;
        }
    }
    if !initializing || meta::condition_true(pod, "Initialized") {
        let mut has_running = false;
        for c in statuses.iter().rev() {
            restarts += c.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
            if let Some(t) =
                meta::str_at(c, &["lastState", "terminated", "finishedAt"]).and_then(parse_time)
            {
                last_restart = Some(last_restart.map_or(t, |l| l.max(t)));
            }
            let waiting = meta::str_at(c, &["state", "waiting", "reason"]).unwrap_or("");
            let terminated = meta::at(c, &["state", "terminated"]);
            if !waiting.is_empty() {
                reason = waiting.to_string();
            } else if let Some(t) = terminated {
                reason = match t
                    .get("reason")
                    .and_then(Value::as_str)
                    .filter(|r| !r.is_empty())
                {
                    Some(r) => r.to_string(),
                    None => match t.get("signal").and_then(Value::as_i64).filter(|s| *s != 0) {
                        Some(s) => format!("Signal:{s}"),
                        None => format!(
                            "ExitCode:{}",
                            t.get("exitCode").and_then(Value::as_i64).unwrap_or(0)
                        ),
                    },
                };
            } else if c.get("ready").and_then(Value::as_bool) == Some(true)
                && meta::at(c, &["state", "running"]).is_some()
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if meta::condition_true(pod, "Ready") {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }
    if meta::is_deleting(pod) && meta::str_at(pod, &["status", "reason"]) == Some("NodeLost") {
        reason = "Unknown".into();
    } else if meta::is_deleting(pod) && !matches!(phase, "Succeeded" | "Failed") {
        reason = "Terminating".into();
    }
    let restarts_cell = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", human_duration(now - t)),
        _ => restarts.to_string(),
    };
    let or_none = |s: Option<&str>| s.filter(|s| !s.is_empty()).unwrap_or("<none>").to_string();
    let ip = meta::at(pod, &["status", "podIPs"])
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|i| i.get("ip"))
        .and_then(Value::as_str);
    let gates = meta::at(pod, &["spec", "readinessGates"])
        .and_then(Value::as_array)
        .filter(|g| !g.is_empty());
    let gates_cell = match gates {
        None => "<none>".to_string(),
        Some(g) => {
            let ok = g
                .iter()
                .filter(|gate| {
                    let kind = gate
                        .get("conditionType")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    meta::condition_true(pod, kind)
                })
                .count();
            format!("{ok}/{}", g.len())
        }
    };
    vec![
        json!(meta::name(pod)),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts_cell),
        age(pod, now),
        json!(or_none(ip)),
        json!(or_none(meta::str_at(pod, &["spec", "nodeName"]))),
        json!(or_none(meta::str_at(pod, &["status", "nominatedNodeName"]))),
        json!(gates_cell),
    ]
}

fn node_cells(node: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let mut status = match meta::condition(node, "Ready")
        .and_then(|c| c.get("status"))
        .and_then(Value::as_str)
    {
        Some("True") => "Ready".to_string(),
        Some("False") => "NotReady".to_string(),
        _ => "Unknown".to_string(),
    };
    if meta::bool_at(node, &["spec", "unschedulable"]) {
        status.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<String> = meta::labels(node)
        .into_iter()
        .filter_map(|(k, v)| {
            if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
                Some(role.to_string())
            } else if k == "kubernetes.io/role" {
                Some(v)
            } else {
                None
            }
        })
        .filter(|r| !r.is_empty())
        .collect();
    roles.sort();
    let address = |kind: &str| {
        meta::at(node, &["status", "addresses"])
            .and_then(Value::as_array)
            .and_then(|a| {
                a.iter()
                    .find(|x| x.get("type").and_then(Value::as_str) == Some(kind))
            })
            .and_then(|x| x.get("address"))
            .and_then(Value::as_str)
            .unwrap_or("<none>")
            .to_string()
    };
    let info = |k: &str| {
        meta::str_at(node, &["status", "nodeInfo", k])
            .filter(|s| !s.is_empty())
            .unwrap_or("<unknown>")
            .to_string()
    };
    vec![
        json!(meta::name(node)),
        json!(status),
        json!(if roles.is_empty() {
            "<none>".to_string()
        } else {
            roles.join(",")
        }),
        age(node, now),
        json!(info("kubeletVersion")),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(info("osImage")),
        json!(info("kernelVersion")),
        json!(info("containerRuntimeVersion")),
    ]
}

pub fn cells(res: &ResourceDef, obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    match res.plural {
        "pods" => pod_cells(obj, now),
        "deployments" => {
            let (names, images) = container_cells(obj);
            vec![
                json!(meta::name(obj)),
                json!(format!(
                    "{}/{}",
                    int(obj, &["status", "readyReplicas"]),
                    int(obj, &["spec", "replicas"])
                )),
                json!(int(obj, &["status", "updatedReplicas"])),
                json!(int(obj, &["status", "availableReplicas"])),
                age(obj, now),
                names,
                images,
                json!(selector_string(obj)),
            ]
        }
        "replicasets" => {
            let (names, images) = container_cells(obj);
            let selector = selector_string(obj);
            vec![
                json!(meta::name(obj)),
                json!(int(obj, &["spec", "replicas"])),
                json!(int(obj, &["status", "replicas"])),
                json!(int(obj, &["status", "readyReplicas"])),
                age(obj, now),
                names,
                images,
                json!(if selector.is_empty() {
                    "<none>".to_string()
                } else {
                    selector
                }),
            ]
        }
        "namespaces" => vec![
            json!(meta::name(obj)),
            json!(meta::str_at(obj, &["status", "phase"]).unwrap_or("")),
            age(obj, now),
        ],
        "nodes" => node_cells(obj, now),
        "horizontalpodautoscalers" => {
            let mut cells = super::hpa_table::cells(obj);
            cells.push(age(obj, now));
            cells
        }
        "events" => event_cells(obj, now),
        "statefulsets" => vec![
            json!(meta::name(obj)),
            json!(format!(
                "{}/{}",
                int(obj, &["status", "readyReplicas"]),
                int(obj, &["spec", "replicas"])
            )),
            age(obj, now),
        ],
        "services" | "configmaps" | "secrets" | "endpointslices" => {
            super::table_net::cells(res.plural, obj, now)
        }
        _ => vec![json!(meta::name(obj)), age(obj, now)],
    }
}

fn event_cells(ev: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let text = |path: &[&str]| meta::str_at(ev, path).unwrap_or("").to_string();
    let time = |primary: &str| {
        let t = meta::str_at(ev, &[primary]).or_else(|| meta::str_at(ev, &["eventTime"]));
        since(t, now)
    };
    let object = format!(
        "{}/{}",
        text(&["involvedObject", "kind"]).to_ascii_lowercase(),
        text(&["involvedObject", "name"])
    );
    let (component, host) = match text(&["source", "component"]) {
        c if c.is_empty() => (text(&["reportingComponent"]), text(&["reportingInstance"])),
        c => (c, text(&["source", "host"])),
    };
    let source = if host.is_empty() {
        component
    } else {
        format!("{component}, {host}")
    };
    vec![
        json!(time("lastTimestamp")),
        json!(text(&["type"])),
        json!(text(&["reason"])),
        json!(object),
        json!(text(&["involvedObject", "fieldPath"])),
        json!(source),
        json!(text(&["message"])),
        json!(time("firstTimestamp")),
        json!(meta::i64_at(ev, &["count"]).unwrap_or(1)),
        json!(meta::name(ev)),
    ]
}

pub fn partial_metadata(obj: &Value, version: &str) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": format!("meta.k8s.io/{version}"),
        "metadata": obj.get("metadata").cloned().unwrap_or(json!({})),
    })
}

pub struct TableOptions {
    pub version: &'static str,
    pub include: IncludeObject,
    pub headers: bool,
    pub now: DateTime<Utc>,
}

pub fn row(res: &ResourceDef, obj: &Value, opts: &TableOptions) -> Value {
    let mut row = json!({"cells": cells(res, obj, opts.now)});
    match opts.include {
        IncludeObject::None => {}
        IncludeObject::Metadata => row["object"] = partial_metadata(obj, opts.version),
        IncludeObject::Object => row["object"] = obj.clone(),
    }
    row
}

pub fn table(res: &ResourceDef, objs: &[&Value], metadata: Value, opts: &TableOptions) -> Value {
    json!({
        "kind": "Table",
        "apiVersion": format!("meta.k8s.io/{}", opts.version),
        "metadata": metadata,
        "columnDefinitions": if opts.headers { Value::Array(columns(res)) } else { Value::Null },
        "rows": objs.iter().map(|o| row(res, o, opts)).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::resources::{DEPLOYMENTS, PODS, REPLICASETS};

    #[test]
    fn every_served_kind_has_columns_matching_its_cells() {
        let now = Utc::now();
        for res in crate::demo::resources::ALL {
            let cols = columns(res);
            assert!(cols.len() >= 3, "{}", res.plural);
            // Events lead with when they were last seen, like upstream.
            let first = if res.plural == "events" {
                "Last Seen"
            } else {
                "Name"
            };
            assert_eq!(cols[0]["name"], first);
            assert_eq!(
                cols.len(),
                cells(res, &json!({}), now).len(),
                "{}",
                res.plural
            );
        }
    }

    #[test]
    fn pod_status_column() {
        let now = Utc::now();
        let pod = json!({"metadata": {"name": "p", "creationTimestamp": "2020-01-01T00:00:00Z"},
            "spec": {"nodeName": "n1", "containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Pending", "podIPs": [{"ip": "10.0.0.1"}], "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 1, "state": {"running": {}}},
                {"name": "b", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]}});
        let c = cells(&PODS, &pod, now);
        assert_eq!(c[1], "1/2");
        assert_eq!(c[2], "ContainerCreating");
        assert_eq!(c[3], "1");
        assert_eq!(c[5], "10.0.0.1");
        assert_eq!(c[6], "n1");
        assert_eq!(c[7], "<none>");
        let mut deleting = pod.clone();
        deleting["metadata"]["deletionTimestamp"] = json!("2020-01-01T00:00:00Z");
        assert_eq!(cells(&PODS, &deleting, now)[2], "Terminating");
    }

    #[test]
    fn workload_columns() {
        let now = Utc::now();
        let d = json!({"metadata": {"name": "web"}, "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
            "template": {"spec": {"containers": [{"name": "w", "image": "web:1"}, {"name": "s", "image": "side:2"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3}});
        let c = cells(&DEPLOYMENTS, &d, now);
        assert_eq!(c[..4], [json!("web"), json!("2/3"), json!(3), json!(0)]);
        assert_eq!(
            c[5..],
            [json!("w,s"), json!("web:1,side:2"), json!("app=web")]
        );
        assert_eq!(cells(&REPLICASETS, &d, now)[1], json!(3));
        assert_eq!(columns(&PODS).len(), cells(&PODS, &d, now).len());
        assert_eq!(
            columns(&DEPLOYMENTS)
                .iter()
                .filter(|c| c["priority"] == 0)
                .count(),
            5
        );
    }
}
