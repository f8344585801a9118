//! Blue-green pairs of plain Deployments: a Service whose selector has a
//! slot key (`version`, `color`, `slot`, `track` by default) and two or more
//! Deployments of its namespace whose pod labels match the rest of that
//! selector, one per slot value. The Service's value of the slot key is the
//! active slot; switching is patching that one value.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;

use crate::model::cached::Pod;
use crate::model::rollout::rollout_status;

/// Selector keys that name a slot, in the order they are looked for.
pub const DEFAULT_SLOT_KEYS: [&str; 4] = ["version", "color", "slot", "track"];

/// Where a switch remembers the slot it left, so "switch back" knows where
/// to go even after a restart of kockpit.
pub const PREVIOUS_SLOT_ANNOTATION: &str = "kockpit.dev/previous-slot";

/// The label EndpointSlices carry naming their Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRef {
    /// The slot key's value (`blue`).
    pub value: String,
    pub deployment: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    pub namespace: String,
    pub service: String,
    pub slot_key: String,
    /// The Service's current value of the slot key.
    pub active: String,
    /// From [`PREVIOUS_SLOT_ANNOTATION`].
    pub previous: Option<String>,
    /// One per slot value, sorted by value.
    pub slots: Vec<SlotRef>,
    /// The Service selector without the slot key.
    pub common: BTreeMap<String, String>,
    /// Deployments left out because another one already serves their slot.
    pub ambiguous: Vec<String>,
}

impl Pair {
    pub fn slot(&self, value: &str) -> Option<&SlotRef> {
        self.slots.iter().find(|s| s.value == value)
    }

    /// The slot serving traffic, if a Deployment backs it.
    pub fn active_slot(&self) -> Option<&SlotRef> {
        self.slot(&self.active)
    }

    /// Slots other than the active one.
    pub fn idle(&self) -> impl Iterator<Item = &SlotRef> {
        self.slots.iter().filter(|s| s.value != self.active)
    }

    /// Where "switch back" goes: the remembered slot if it still exists,
    /// else the only other slot of a two-slot pair.
    pub fn switch_back_target(&self) -> Option<&SlotRef> {
        if let Some(prev) = self.previous.as_deref().and_then(|p| self.slot(p)) {
            if prev.value != self.active {
                return Some(prev);
            }
        }
        let mut idle = self.idle();
        match (idle.next(), idle.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }
}

/// Every blue-green pair among `services` and `deployments`.
pub fn find_pairs(
    services: &[Arc<Service>],
    deployments: &[Arc<Deployment>],
    slot_keys: &[String],
) -> Vec<Pair> {
    let mut out: Vec<Pair> = services
        .iter()
        .filter_map(|svc| pair_of(svc, deployments, slot_keys))
        .collect();
    out.sort_by(|a, b| (&a.namespace, &a.service).cmp(&(&b.namespace, &b.service)));
    out
}

/// The pair a Service heads, if it heads one.
pub fn pair_of(
    svc: &Service,
    deployments: &[Arc<Deployment>],
    slot_keys: &[String],
) -> Option<Pair> {
    let selector = svc.spec.as_ref()?.selector.as_ref()?;
    let namespace = svc.metadata.namespace.clone().unwrap_or_default();
    for key in slot_keys {
        let Some(active) = selector.get(key) else {
            continue;
        };
        let common: BTreeMap<String, String> = selector
            .iter()
            .filter(|(k, _)| *k != key)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // Without a common label every Deployment carrying the slot key
        // would match: that is not a pair, it is a guess.
        if common.is_empty() {
            continue;
        }
        let mut by_slot: BTreeMap<String, String> = BTreeMap::new();
        let mut ambiguous = Vec::new();
        let mut candidates: Vec<&Arc<Deployment>> = deployments
            .iter()
            .filter(|d| d.metadata.namespace.as_deref() == Some(namespace.as_str()))
            .collect();
        candidates.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        for d in candidates {
            let labels = d
                .spec
                .as_ref()
                .and_then(|s| s.template.metadata.as_ref())
                .and_then(|m| m.labels.as_ref());
            let Some(labels) = labels else { continue };
            if !common.iter().all(|(k, v)| labels.get(k) == Some(v)) {
                continue;
            }
            let Some(slot) = labels.get(key) else {
                continue;
            };
            let name = d.metadata.name.clone().unwrap_or_default();
            if by_slot.contains_key(slot) {
                ambiguous.push(name);
            } else {
                by_slot.insert(slot.clone(), name);
            }
        }
        if by_slot.len() < 2 {
            continue;
        }
        let previous = svc
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(PREVIOUS_SLOT_ANNOTATION))
            .filter(|p| !p.is_empty())
            .cloned();
        return Some(Pair {
            namespace,
            service: svc.metadata.name.clone().unwrap_or_default(),
            slot_key: key.clone(),
            active: active.clone(),
            previous,
            slots: by_slot
                .into_iter()
                .map(|(value, deployment)| SlotRef { value, deployment })
                .collect(),
            common,
            ambiguous,
        });
    }
    None
}

/// One slot as the blue-green panel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotView {
    pub value: String,
    pub deployment: String,
    pub active: bool,
    /// The slot switch back would return to.
    pub previous: bool,
    /// Container names, in the order of `images`.
    pub containers: Vec<String>,
    pub images: Vec<String>,
    /// spec.replicas (0 when the Deployment is gone).
    pub desired: i32,
    pub ready: i32,
    pub available: i32,
    pub updated: i32,
    /// Ready endpoints of the Service's EndpointSlices on this slot's pods.
    pub endpoints: usize,
    /// `kubectl rollout status` in words.
    pub status: String,
    /// Every desired replica is updated and available, and the controller
    /// has seen the latest spec: safe to send traffic.
    pub fully_available: bool,
    pub exists: bool,
}

/// Where the Service's endpoints point.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct EndpointCheck {
    /// Ready endpoints in the Service's slices.
    pub ready: usize,
    /// Ready endpoints on pods of `slot`.
    pub on_slot: usize,
    /// Ready endpoints on pods of any other slot or unknown pods (names).
    pub elsewhere: Vec<String>,
}

impl EndpointCheck {
    /// Traffic goes only to the slot, and somewhere at all.
    pub fn only_slot(&self) -> bool {
        self.on_slot > 0 && self.elsewhere.is_empty()
    }

    /// One sentence for the panel and the journal.
    pub fn sentence(&self, slot: &str) -> String {
        if self.ready == 0 {
            return format!("no ready endpoints yet (waiting for slot {slot})");
        }
        if self.only_slot() {
            return format!(
                "verified: all {} ready endpoints are on slot {slot}",
                self.on_slot
            );
        }
        let mut names = self.elsewhere.clone();
        let more = names.len().saturating_sub(3);
        names.truncate(3);
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!(
            "{} of {} ready endpoints are not on slot {slot}: {}{tail}",
            self.elsewhere.len(),
            self.ready,
            names.join(", ")
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlueGreenView {
    pub namespace: String,
    pub service: String,
    pub slot_key: String,
    pub active: String,
    pub previous: Option<String>,
    pub slots: Vec<SlotView>,
    pub endpoints: EndpointCheck,
    /// Deployments that claim a slot another one already serves.
    pub ambiguous: Vec<String>,
}

impl BlueGreenView {
    pub fn slot(&self, value: &str) -> Option<&SlotView> {
        self.slots.iter().find(|s| s.value == value)
    }
}

/// The panel's model of `pair` from cached objects.
pub fn bluegreen_view(
    pair: &Pair,
    deployments: &[Arc<Deployment>],
    pods: &[Arc<Pod>],
    slices: &[Arc<EndpointSlice>],
) -> BlueGreenView {
    let pod_slot = pod_slots(pair, pods);
    let endpoints = endpoints_of(pair, slices);
    let slot_of_endpoint = |name: &str| -> Option<String> {
        pod_slot.get(name).cloned().or_else(|| {
            // A pod not cached yet: its name starts with its Deployment's.
            pair.slots
                .iter()
                .find(|s| name.starts_with(&format!("{}-", s.deployment)))
                .map(|s| s.value.clone())
        })
    };
    let mut per_slot: HashMap<String, usize> = HashMap::new();
    let mut check = EndpointCheck::default();
    for pod in &endpoints {
        check.ready += 1;
        let slot = slot_of_endpoint(pod);
        if let Some(s) = &slot {
            *per_slot.entry(s.clone()).or_default() += 1;
        }
        if slot.as_deref() == Some(pair.active.as_str()) {
            check.on_slot += 1;
        } else {
            check.elsewhere.push(pod.clone());
        }
    }
    let slots = pair
        .slots
        .iter()
        .map(|s| {
            let d = deployments.iter().find(|d| {
                d.metadata.namespace.as_deref() == Some(pair.namespace.as_str())
                    && d.metadata.name.as_deref() == Some(s.deployment.as_str())
            });
            slot_view(
                pair,
                s,
                d.map(|d| &**d),
                per_slot.get(&s.value).copied().unwrap_or(0),
            )
        })
        .collect();
    BlueGreenView {
        namespace: pair.namespace.clone(),
        service: pair.service.clone(),
        slot_key: pair.slot_key.clone(),
        active: pair.active.clone(),
        previous: pair.previous.clone(),
        slots,
        endpoints: check,
        ambiguous: pair.ambiguous.clone(),
    }
}

fn slot_view(pair: &Pair, s: &SlotRef, d: Option<&Deployment>, endpoints: usize) -> SlotView {
    let mut v = SlotView {
        value: s.value.clone(),
        deployment: s.deployment.clone(),
        active: s.value == pair.active,
        previous: pair
            .switch_back_target()
            .is_some_and(|p| p.value == s.value)
            && s.value != pair.active,
        containers: Vec::new(),
        images: Vec::new(),
        desired: 0,
        ready: 0,
        available: 0,
        updated: 0,
        endpoints,
        status: "deployment not found".into(),
        fully_available: false,
        exists: false,
    };
    let Some(d) = d else { return v };
    v.exists = true;
    let containers = d
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .map(|p| p.containers.as_slice())
        .unwrap_or_default();
    v.containers = containers.iter().map(|c| c.name.clone()).collect();
    v.images = containers
        .iter()
        .map(|c| c.image.clone().unwrap_or_default())
        .collect();
    v.desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let st = d.status.clone().unwrap_or_default();
    v.ready = st.ready_replicas.unwrap_or(0);
    v.available = st.available_replicas.unwrap_or(0);
    v.updated = st.updated_replicas.unwrap_or(0);
    let rs = rollout_status(d);
    v.fully_available = fully_available(d);
    v.status = rs.message;
    v
}

/// Safe to send traffic to `d`: the controller has seen its spec, every
/// desired replica runs the current template and is available, and no old
/// pods linger. A Deployment scaled to zero is never "fully available".
pub fn fully_available(d: &Deployment) -> bool {
    let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let st = d.status.clone().unwrap_or_default();
    let observed = d.metadata.generation.unwrap_or(0) <= st.observed_generation.unwrap_or(0);
    desired > 0
        && observed
        && st.updated_replicas.unwrap_or(0) >= desired
        && st.available_replicas.unwrap_or(0) >= desired
        && st.replicas.unwrap_or(0) <= st.updated_replicas.unwrap_or(0)
}

/// Pod name → slot value, for pods of the pair's namespace that carry the
/// common labels.
fn pod_slots(pair: &Pair, pods: &[Arc<Pod>]) -> HashMap<String, String> {
    pods.iter()
        .filter(|p| p.metadata.namespace.as_deref() == Some(pair.namespace.as_str()))
        .filter_map(|p| {
            let labels = p.metadata.labels.as_ref()?;
            let slot = labels.get(&pair.slot_key)?;
            Some((p.metadata.name.clone()?, slot.clone()))
        })
        .collect()
}

/// Names of the pods behind the Service's ready endpoints. An endpoint
/// whose `ready` is unset counts as ready, as the API documents.
pub fn endpoints_of(pair: &Pair, slices: &[Arc<EndpointSlice>]) -> Vec<String> {
    service_endpoints(&pair.namespace, &pair.service, slices)
}

pub fn service_endpoints(
    namespace: &str,
    service: &str,
    slices: &[Arc<EndpointSlice>],
) -> Vec<String> {
    let mut out: Vec<String> = slices
        .iter()
        .filter(|s| s.metadata.namespace.as_deref() == Some(namespace))
        .filter(|s| {
            s.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(SERVICE_NAME_LABEL))
                .is_some_and(|n| n == service)
        })
        .flat_map(|s| s.endpoints.iter())
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
        .map(|e| {
            e.target_ref
                .as_ref()
                .and_then(|t| t.name.clone())
                .unwrap_or_else(|| e.addresses.join(","))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Where the Service's ready endpoints point, judged against `slot`.
pub fn check_endpoints(
    pair: &Pair,
    slot: &str,
    pods: &[Arc<Pod>],
    slices: &[Arc<EndpointSlice>],
) -> EndpointCheck {
    let pod_slot = pod_slots(pair, pods);
    let mut check = EndpointCheck::default();
    for name in endpoints_of(pair, slices) {
        check.ready += 1;
        if pod_slot.get(&name).map(String::as_str) == Some(slot) {
            check.on_slot += 1;
        } else {
            check.elsewhere.push(name);
        }
    }
    check
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn keys() -> Vec<String> {
        DEFAULT_SLOT_KEYS.iter().map(|s| s.to_string()).collect()
    }

    fn svc(name: &str, selector: Value, annotations: Value) -> Arc<Service> {
        Arc::new(
            serde_json::from_value(json!({
                "metadata": {"name": name, "namespace": "shop", "annotations": annotations},
                "spec": {"selector": selector}}))
            .unwrap(),
        )
    }

    fn deploy(name: &str, labels: Value, status: Value) -> Arc<Deployment> {
        Arc::new(
            serde_json::from_value(json!({
                "metadata": {"name": name, "namespace": "shop", "generation": 1},
                "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels},
                        "spec": {"containers": [{"name": "web", "image": format!("web:{name}")}]}}},
                "status": status}))
            .unwrap(),
        )
    }

    fn done() -> Value {
        json!({"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2,
            "readyReplicas": 2, "availableReplicas": 2})
    }

    fn pod(name: &str, slot: &str) -> Arc<Pod> {
        Arc::new(
            serde_json::from_value(json!({"metadata": {"name": name, "namespace": "shop",
                "labels": {"app": "frontend", "slot": slot}}}))
            .unwrap(),
        )
    }

    fn slice(pods: &[(&str, Option<bool>)]) -> Arc<EndpointSlice> {
        let endpoints: Vec<Value> = pods
            .iter()
            .map(|(p, ready)| {
                let mut e = json!({"addresses": ["10.0.0.1"],
                    "targetRef": {"kind": "Pod", "name": p, "namespace": "shop"}});
                if let Some(r) = ready {
                    e["conditions"] = json!({"ready": r});
                }
                e
            })
            .collect();
        Arc::new(
            serde_json::from_value(json!({
                "metadata": {"name": "frontend-x", "namespace": "shop",
                    "labels": {"kubernetes.io/service-name": "frontend"}},
                "addressType": "IPv4", "endpoints": endpoints}))
            .unwrap(),
        )
    }

    fn shop() -> (Vec<Arc<Service>>, Vec<Arc<Deployment>>) {
        let services = vec![
            svc(
                "frontend",
                json!({"app": "frontend", "slot": "blue"}),
                json!({}),
            ),
            svc("api", json!({"app": "api"}), json!({})),
        ];
        let deployments = vec![
            deploy(
                "frontend-blue",
                json!({"app": "frontend", "slot": "blue"}),
                done(),
            ),
            deploy(
                "frontend-green",
                json!({"app": "frontend", "slot": "green"}),
                json!({}),
            ),
            deploy("api", json!({"app": "api"}), done()),
        ];
        (services, deployments)
    }

    #[test]
    fn finds_the_frontend_pair() {
        let (services, deployments) = shop();
        let pairs = find_pairs(&services, &deployments, &keys());
        assert_eq!(pairs.len(), 1);
        let p = &pairs[0];
        assert_eq!(
            (p.service.as_str(), p.slot_key.as_str(), p.active.as_str()),
            ("frontend", "slot", "blue")
        );
        let slots: Vec<(&str, &str)> = p
            .slots
            .iter()
            .map(|s| (s.value.as_str(), s.deployment.as_str()))
            .collect();
        assert_eq!(
            slots,
            [("blue", "frontend-blue"), ("green", "frontend-green")]
        );
        assert_eq!(
            p.switch_back_target().map(|s| s.value.as_str()),
            Some("green")
        );
    }

    #[test]
    fn needs_two_slots_and_a_common_label() {
        let (_, deployments) = shop();
        let lone = svc("lone", json!({"app": "api", "version": "v1"}), json!({}));
        assert!(pair_of(&lone, &deployments, &keys()).is_none());
        let bare = svc("bare", json!({"slot": "blue"}), json!({}));
        assert!(pair_of(&bare, &deployments, &keys()).is_none());
        // Other namespaces never count.
        let mut other = (*deployments[1]).clone();
        other.metadata.namespace = Some("elsewhere".into());
        let (services, _) = shop();
        let only_blue = vec![deployments[0].clone(), Arc::new(other)];
        assert!(find_pairs(&services, &only_blue, &keys()).is_empty());
    }

    #[test]
    fn slot_keys_are_configurable_and_ordered() {
        let (services, deployments) = shop();
        assert!(find_pairs(&services, &deployments, &["color".to_string()]).is_empty());
        let p = find_pairs(&services, &deployments, &["slot".to_string()]);
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn duplicate_slots_are_reported_not_guessed() {
        let (services, mut deployments) = shop();
        deployments.push(deploy(
            "frontend-blue2",
            json!({"app": "frontend", "slot": "blue"}),
            done(),
        ));
        let p = pair_of(&services[0], &deployments, &keys()).unwrap();
        assert_eq!(p.slot("blue").unwrap().deployment, "frontend-blue");
        assert_eq!(p.ambiguous, ["frontend-blue2"]);
    }

    #[test]
    fn previous_slot_comes_from_the_annotation() {
        let (_, deployments) = shop();
        let s = svc(
            "frontend",
            json!({"app": "frontend", "slot": "green"}),
            json!({PREVIOUS_SLOT_ANNOTATION: "blue"}),
        );
        let p = pair_of(&s, &deployments, &keys()).unwrap();
        assert_eq!(p.previous.as_deref(), Some("blue"));
        assert_eq!(p.switch_back_target().unwrap().value, "blue");
    }

    #[test]
    fn view_counts_readiness_and_endpoints_per_slot() {
        let (services, deployments) = shop();
        let p = pair_of(&services[0], &deployments, &keys()).unwrap();
        let pods = vec![
            pod("frontend-blue-a", "blue"),
            pod("frontend-blue-b", "blue"),
            pod("frontend-green-a", "green"),
        ];
        let slices = vec![slice(&[
            ("frontend-blue-a", Some(true)),
            ("frontend-blue-b", None),
            ("frontend-green-a", Some(false)),
        ])];
        let v = bluegreen_view(&p, &deployments, &pods, &slices);
        let blue = v.slot("blue").unwrap();
        assert!(blue.active && blue.fully_available);
        assert_eq!((blue.ready, blue.desired, blue.endpoints), (2, 2, 2));
        assert_eq!(blue.images, ["web:frontend-blue"]);
        let green = v.slot("green").unwrap();
        assert!(!green.active && !green.fully_available && green.previous);
        assert_eq!(green.endpoints, 0);
        assert!(v.endpoints.only_slot());
        assert_eq!(
            v.endpoints.sentence("blue"),
            "verified: all 2 ready endpoints are on slot blue"
        );
    }

    #[test]
    fn endpoint_check_names_strays() {
        let (services, deployments) = shop();
        let p = pair_of(&services[0], &deployments, &keys()).unwrap();
        let pods = vec![
            pod("frontend-blue-a", "blue"),
            pod("frontend-green-a", "green"),
        ];
        let slices = vec![slice(&[
            ("frontend-blue-a", Some(true)),
            ("frontend-green-a", Some(true)),
        ])];
        let c = check_endpoints(&p, "green", &pods, &slices);
        assert!(!c.only_slot());
        assert_eq!(
            c.sentence("green"),
            "1 of 2 ready endpoints are not on slot green: frontend-blue-a"
        );
        let none = check_endpoints(&p, "green", &pods, &[]);
        assert_eq!(
            none.sentence("green"),
            "no ready endpoints yet (waiting for slot green)"
        );
    }

    #[test]
    fn fully_available_needs_every_replica() {
        let d = deploy(
            "x",
            json!({"a": "b"}),
            json!({"observedGeneration": 1, "replicas": 3,
            "updatedReplicas": 2, "availableReplicas": 2}),
        );
        assert!(!fully_available(&d));
        let unobserved = deploy(
            "x",
            json!({"a": "b"}),
            json!({"observedGeneration": 0,
            "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}),
        );
        assert!(!fully_available(&unobserved));
        assert!(fully_available(&deploy("x", json!({"a": "b"}), done())));
    }
}
