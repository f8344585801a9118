//! The EndpointSlice controller (pkg/controller/endpointslice): for every
//! Service with a selector, slices named `<service>-<suffix>` listing the
//! selected pods that have an IP, with ready/serving/terminating conditions,
//! the pod as `targetRef`, its node and zone, and the ports the service's
//! target ports resolve to on that pod. Pods resolving to different port
//! sets land in different slices; a service selecting nothing keeps one
//! empty placeholder slice. Slices are updated in place, so a selector
//! switch is one MODIFIED event.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::Pass;
use crate::demo::meta;
use crate::demo::registry::{DeleteOptions, Part, Registry};
use crate::demo::resources::{ENDPOINTSLICES, NODES, PODS, SERVICES};

pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";
const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";
const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
/// `--max-endpoints-per-slice` default.
const MAX_ENDPOINTS_PER_SLICE: usize = 100;

/// Upstream `ShouldPodBeInEndpoints(pod, includeTerminating=true)`.
fn pod_has_endpoint(pod: &Value) -> bool {
    let terminal = matches!(
        meta::str_at(pod, &["status", "phase"]),
        Some("Succeeded") | Some("Failed")
    );
    !terminal && pod_ip(pod).is_some()
}

fn pod_ip(pod: &Value) -> Option<&str> {
    meta::str_at(pod, &["status", "podIP"])
        .filter(|ip| !ip.is_empty())
        .or_else(|| {
            meta::at(pod, &["status", "podIPs"])
                .and_then(|a| a.get(0))
                .and_then(|i| i.get("ip"))
                .and_then(Value::as_str)
                .filter(|ip| !ip.is_empty())
        })
}

/// `FindPort`: a numeric target port is used as is; a named one is looked up
/// among the pod's container ports with the same protocol.
fn resolve_port(pod: &Value, service_port: &Value) -> Option<i64> {
    let protocol = service_port
        .get("protocol")
        .and_then(Value::as_str)
        .unwrap_or("TCP");
    match service_port.get("targetPort") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(name)) if !name.is_empty() => meta::containers(meta::at(pod, &["spec"]))
            .iter()
            .flat_map(|c| {
                c.get("ports")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .find(|p| {
                p.get("name").and_then(Value::as_str) == Some(name)
                    && p.get("protocol").and_then(Value::as_str).unwrap_or("TCP") == protocol
            })
            .and_then(|p| p.get("containerPort").and_then(Value::as_i64)),
        _ => service_port.get("port").and_then(Value::as_i64),
    }
}

fn endpoint_ports(svc: &Value, pod: &Value) -> Vec<Value> {
    let ports = meta::at(svc, &["spec", "ports"])
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    ports
        .iter()
        .filter_map(|sp| {
            let number = resolve_port(pod, sp)?;
            let mut p = json!({
                "name": sp.get("name").and_then(Value::as_str).unwrap_or(""),
                "port": number,
                "protocol": sp.get("protocol").and_then(Value::as_str).unwrap_or("TCP"),
            });
            if let Some(app) = sp.get("appProtocol") {
                p["appProtocol"] = app.clone();
            }
            Some(p)
        })
        .collect()
}

fn pod_ready(pod: &Value) -> bool {
    meta::condition_true(pod, "Ready")
}

/// Upstream `podToEndpoint`.
pub fn endpoint(svc: &Value, pod: &Value, zones: &BTreeMap<String, String>) -> Value {
    let serving = pod_ready(pod);
    let terminating = meta::is_deleting(pod);
    let publish_not_ready = meta::bool_at(svc, &["spec", "publishNotReadyAddresses"]);
    let ready = publish_not_ready || (serving && !terminating);
    let mut ep = json!({
        "addresses": [pod_ip(pod).unwrap_or("")],
        "conditions": {"ready": ready, "serving": serving, "terminating": terminating},
        "targetRef": {
            "kind": "Pod",
            "namespace": meta::namespace(pod),
            "name": meta::name(pod),
            "uid": meta::uid(pod),
        },
    });
    if let Some(node) = meta::str_at(pod, &["spec", "nodeName"]).filter(|n| !n.is_empty()) {
        ep["nodeName"] = json!(node);
        if let Some(zone) = zones.get(node) {
            ep["zone"] = json!(zone);
        }
    }
    let hostname = meta::str_at(pod, &["spec", "hostname"]).filter(|h| !h.is_empty());
    let subdomain = meta::str_at(pod, &["spec", "subdomain"]);
    if let (Some(h), Some(sub)) = (hostname, subdomain) {
        if sub == meta::name(svc) && meta::namespace(svc) == meta::namespace(pod) {
            ep["hostname"] = json!(h);
        }
    }
    ep
}

fn selector(svc: &Value) -> Option<BTreeMap<String, String>> {
    let sel = meta::at(svc, &["spec", "selector"])?;
    if sel.is_null() {
        return None;
    }
    Some(meta::string_map(Some(sel)))
}

fn selects(sel: &BTreeMap<String, String>, pod: &Value) -> bool {
    let labels = meta::labels(pod);
    sel.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// What the slices of one service should hold: (ports, endpoints) groups.
pub fn desired(
    svc: &Value,
    pods: &[&Value],
    zones: &BTreeMap<String, String>,
) -> Vec<(Vec<Value>, Vec<Value>)> {
    let Some(sel) = selector(svc) else {
        return Vec::new();
    };
    let mut groups: BTreeMap<String, (Vec<Value>, Vec<Value>)> = BTreeMap::new();
    let mut selected: Vec<&Value> = pods
        .iter()
        .copied()
        .filter(|p| meta::namespace(p) == meta::namespace(svc))
        .filter(|p| selects(&sel, p) && pod_has_endpoint(p))
        .collect();
    selected.sort_by(|a, b| meta::name(a).cmp(meta::name(b)));
    for pod in selected {
        let ports = endpoint_ports(svc, pod);
        let key = Value::Array(ports.clone()).to_string();
        let group = groups.entry(key).or_insert_with(|| (ports, Vec::new()));
        group.1.push(endpoint(svc, pod, zones));
    }
    let mut out = Vec::new();
    for (_, (ports, endpoints)) in groups {
        for chunk in endpoints.chunks(MAX_ENDPOINTS_PER_SLICE) {
            out.push((ports.clone(), chunk.to_vec()));
        }
    }
    if out.is_empty() {
        out.push((Vec::new(), Vec::new()));
    }
    out
}

fn slice_labels(svc: &Value) -> Value {
    let mut labels = meta::labels(svc);
    labels.retain(|k, _| k != SERVICE_NAME_LABEL && k != MANAGED_BY_LABEL && k != HEADLESS_LABEL);
    labels.insert(SERVICE_NAME_LABEL.into(), meta::name(svc).into());
    labels.insert(MANAGED_BY_LABEL.into(), CONTROLLER_NAME.into());
    if meta::str_at(svc, &["spec", "clusterIP"]) == Some("None") {
        labels.insert(HEADLESS_LABEL.into(), String::new());
    }
    json!(labels)
}

/// Set by the real endpointslice controller on every slice it writes.
const TRIGGER_TIME: &str = "endpoints.kubernetes.io/last-change-trigger-time";

fn new_slice(svc: &Value, ports: &[Value], endpoints: &[Value]) -> Value {
    json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "generateName": format!("{}-", meta::name(svc)),
            "namespace": meta::namespace(svc),
            "labels": slice_labels(svc),
            "ownerReferences": [{
                "apiVersion": "v1",
                "kind": "Service",
                "name": meta::name(svc),
                "uid": meta::uid(svc),
                "controller": true,
                "blockOwnerDeletion": true,
            }],
        },
        "addressType": "IPv4",
        "endpoints": endpoints,
        "ports": ports,
    })
}

fn managed_by_controller(slice: &Value) -> bool {
    meta::labels(slice)
        .get(MANAGED_BY_LABEL)
        .map(String::as_str)
        == Some(CONTROLLER_NAME)
}

fn list_at<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub fn sync_all(reg: &Registry) -> Pass {
    let mut pass = Pass::default();
    let (services, _) = reg.store.list(&SERVICES, None);
    // Services without a selector get their slices from someone else.
    let managed: Vec<&Value> = services
        .iter()
        .map(|s| &**s)
        .filter(|s| !meta::is_deleting(s) && selector(s).is_some())
        .filter(|s| meta::str_at(s, &["spec", "type"]) != Some("ExternalName"))
        .collect();
    if managed.is_empty() {
        return pass;
    }
    let (pods, _) = reg.store.list(&PODS, None);
    let (slices, _) = reg.store.list(&ENDPOINTSLICES, None);
    let (nodes, _) = reg.store.list(&NODES, None);
    let zones: BTreeMap<String, String> = nodes
        .iter()
        .filter_map(|n| {
            let zone = meta::labels(n).get(ZONE_LABEL)?.clone();
            Some((meta::name(n).to_string(), zone))
        })
        .collect();
    let pods: Vec<&Value> = pods.iter().map(|p| &**p).collect();
    for svc in managed {
        let ns = meta::namespace(svc);
        let mut existing: Vec<&Value> = slices
            .iter()
            .map(|s| &**s)
            .filter(|s| meta::namespace(s) == ns && managed_by_controller(s))
            .filter(|s| meta::controller_uid(s) == Some(meta::uid(svc)))
            .collect();
        existing.sort_by(|a, b| meta::name(a).cmp(meta::name(b)));
        let labels = slice_labels(svc);
        // Upstream stamps the time of the change that triggered the write;
        // the sync runs right after that change, so its clock is that time.
        let now = reg.clock.now_string();
        for (ports, endpoints) in desired(svc, &pods, &zones) {
            // Reuse a slice with the same ports, else any leftover one.
            let pick = existing
                .iter()
                .position(|s| list_at(s, "ports") == ports.as_slice())
                .or(if existing.is_empty() { None } else { Some(0) });
            match pick.map(|i| existing.remove(i)) {
                Some(slice) => {
                    let same = list_at(slice, "ports") == ports.as_slice()
                        && list_at(slice, "endpoints") == endpoints.as_slice()
                        && meta::at(slice, &["metadata", "labels"]) == Some(&labels);
                    if same {
                        continue;
                    }
                    let written =
                        reg.mutate(&ENDPOINTSLICES, ns, meta::name(slice), Part::Main, |s| {
                            meta::set(s, &["metadata", "annotations", TRIGGER_TIME], json!(now));
                            meta::set(s, &["endpoints"], json!(endpoints));
                            meta::set(s, &["ports"], json!(ports));
                            meta::set(s, &["metadata", "labels"], labels.clone());
                        });
                    pass.changed |= written.is_ok();
                }
                None => {
                    let mut slice = new_slice(svc, &ports, &endpoints);
                    meta::set(
                        &mut slice,
                        &["metadata", "annotations", TRIGGER_TIME],
                        json!(now),
                    );
                    let created = reg.create_internal(&ENDPOINTSLICES, slice);
                    pass.changed |= created.is_ok();
                }
            }
        }
        for stale in existing {
            let gone = reg.delete(
                &ENDPOINTSLICES,
                ns,
                meta::name(stale),
                &DeleteOptions::default(),
            );
            pass.changed |= gone.is_ok();
        }
    }
    pass
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc() -> Value {
        json!({"metadata": {"name": "web", "namespace": "shop", "uid": "s1", "labels": {"team": "a"}},
            "spec": {"selector": {"app": "web", "slot": "blue"}, "clusterIP": "10.96.1.1",
                "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
                          {"name": "metrics", "port": 9090, "targetPort": 9090, "protocol": "TCP"}]}})
    }

    fn pod(name: &str, slot: &str, ready: bool) -> Value {
        json!({"metadata": {"name": name, "namespace": "shop", "uid": format!("u-{name}"),
                "labels": {"app": "web", "slot": slot}},
            "spec": {"nodeName": "n1", "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]}]},
            "status": {"phase": "Running", "podIP": format!("10.244.1.{}", name.len()),
                "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}})
    }

    #[test]
    fn endpoints_follow_the_selector_and_conditions() {
        let zones: BTreeMap<String, String> = [("n1".to_string(), "z1".to_string())].into();
        let blue = pod("blue-1", "blue", true);
        let unready = pod("blue-22", "blue", false);
        let mut leaving = pod("blue-333", "blue", true);
        leaving["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        let mut no_ip = pod("blue-4444", "blue", true);
        no_ip["status"]["podIP"] = Value::Null;
        let mut done = pod("blue-55555", "blue", true);
        done["status"]["phase"] = json!("Succeeded");
        let green = pod("green-1", "green", true);
        let pods = [&blue, &unready, &leaving, &no_ip, &done, &green];
        let groups = desired(&svc(), &pods, &zones);
        assert_eq!(groups.len(), 1);
        let (ports, eps) = &groups[0];
        assert_eq!(
            ports,
            &vec![
                json!({"name": "http", "port": 8080, "protocol": "TCP"}),
                json!({"name": "metrics", "port": 9090, "protocol": "TCP"}),
            ]
        );
        let names: Vec<&str> = eps
            .iter()
            .map(|e| e["targetRef"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["blue-1", "blue-22", "blue-333"]);
        assert_eq!(
            eps[0]["conditions"],
            json!({"ready": true, "serving": true, "terminating": false})
        );
        assert_eq!(
            eps[1]["conditions"],
            json!({"ready": false, "serving": false, "terminating": false})
        );
        assert_eq!(
            eps[2]["conditions"],
            json!({"ready": false, "serving": true, "terminating": true})
        );
        assert_eq!(eps[0]["nodeName"], "n1");
        assert_eq!(eps[0]["zone"], "z1");
        assert_eq!(eps[0]["addresses"], json!(["10.244.1.6"]));

        let mut switched = svc();
        switched["spec"]["selector"]["slot"] = json!("green");
        let groups = desired(&switched, &pods, &zones);
        assert_eq!(groups[0].1.len(), 1);
        assert_eq!(groups[0].1[0]["targetRef"]["name"], "green-1");
    }

    #[test]
    fn unresolvable_named_ports_split_slices_and_nothing_selected_is_a_placeholder() {
        let zones = BTreeMap::new();
        let plain = pod("a", "blue", true);
        let mut unnamed = pod("b", "blue", true);
        unnamed["spec"]["containers"][0]["ports"] = json!([]);
        let groups = desired(&svc(), &[&plain, &unnamed], &zones);
        assert_eq!(groups.len(), 2);
        assert!(groups
            .iter()
            .any(|(ports, _)| ports.len() == 1 && ports[0]["port"] == 9090));
        let groups = desired(&svc(), &[], &zones);
        assert_eq!(groups, vec![(Vec::new(), Vec::new())]);
        let mut headless_no_selector = svc();
        headless_no_selector["spec"]["selector"] = Value::Null;
        assert!(desired(&headless_no_selector, &[&plain], &zones).is_empty());
    }

    #[test]
    fn slices_carry_the_service_labels_and_owner() {
        let s = new_slice(&svc(), &[], &[]);
        assert_eq!(s["metadata"]["generateName"], "web-");
        assert_eq!(s["metadata"]["labels"][SERVICE_NAME_LABEL], "web");
        assert_eq!(s["metadata"]["labels"][MANAGED_BY_LABEL], CONTROLLER_NAME);
        assert_eq!(s["metadata"]["labels"]["team"], "a");
        assert_eq!(s["metadata"]["ownerReferences"][0]["kind"], "Service");
        assert_eq!(s["metadata"]["ownerReferences"][0]["controller"], true);
    }
}
