//! Where cluster objects enter the cache: drop what we never read (managed
//! fields, last-applied blobs) and sanitize every string an operator might
//! see, once, so nothing downstream has to remember to.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Event, KeyToPath, PodSpec, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::pod_spec_text::clean_pod_spec;
use crate::model::sanitize::clean_in_place;

/// kubectl's apply bookkeeping: often the largest annotation, never shown.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

pub trait Intake {
    fn intake(&mut self);
}

pub(super) fn meta(m: &mut ObjectMeta) {
    m.managed_fields = None;
    for s in [&mut m.name, &mut m.namespace, &mut m.generate_name]
        .into_iter()
        .flatten()
    {
        clean_in_place(s);
    }
    if let Some(a) = m.annotations.as_mut() {
        a.remove(LAST_APPLIED);
    }
    for map in [&mut m.labels, &mut m.annotations].into_iter().flatten() {
        clean_map(map);
    }
    for o in m.owner_references.iter_mut().flatten() {
        clean_in_place(&mut o.name);
        clean_in_place(&mut o.kind);
    }
}

pub(super) fn clean_map(map: &mut BTreeMap<String, String>) {
    let dirty = map
        .iter()
        .any(|(k, v)| needs_cleaning(k) || needs_cleaning(v));
    if !dirty {
        return;
    }
    let cleaned = std::mem::take(map)
        .into_iter()
        .map(|(mut k, mut v)| {
            clean_in_place(&mut k);
            clean_in_place(&mut v);
            (k, v)
        })
        .collect();
    *map = cleaned;
}

fn needs_cleaning(s: &str) -> bool {
    matches!(crate::model::sanitize::clean(s), std::borrow::Cow::Owned(_))
}

pub(super) fn pod_spec(spec: &mut PodSpec) {
    clean_pod_spec!(spec, |items: &mut Option<Vec<KeyToPath>>| {
        for i in items.iter_mut().flatten() {
            clean_in_place(&mut i.key);
            clean_in_place(&mut i.path);
        }
    });
}

impl Intake for Deployment {
    fn intake(&mut self) {
        meta(&mut self.metadata);
        if let Some(spec) = self.spec.as_mut() {
            if let Some(m) = spec.template.metadata.as_mut() {
                meta(m);
            }
            if let Some(ps) = spec.template.spec.as_mut() {
                pod_spec(ps);
                super::trim::shrink_spec(ps);
            }
        }
        for c in self
            .status
            .iter_mut()
            .flat_map(|s| s.conditions.iter_mut().flatten())
        {
            c.reason
                .iter_mut()
                .chain(c.message.iter_mut())
                .for_each(clean_in_place);
        }
    }
}

impl Intake for ReplicaSet {
    fn intake(&mut self) {
        meta(&mut self.metadata);
        if let Some(t) = self.spec.as_mut().and_then(|s| s.template.as_mut()) {
            if let Some(m) = t.metadata.as_mut() {
                meta(m);
            }
            if let Some(ps) = t.spec.as_mut() {
                pod_spec(ps);
                super::trim::shrink_spec(ps);
            }
        }
    }
}

/// Cleans every string inside a value by a round trip through JSON. Costly,
/// so only for rare, deeply nested objects (HPA metric specs) where naming
/// each field would be fragile.
fn clean_all_strings<T: serde::Serialize + serde::de::DeserializeOwned>(value: &mut T) {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => clean_in_place(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            serde_json::Value::Object(map) => map.values_mut().for_each(walk),
            _ => {}
        }
    }
    let Ok(mut json) = serde_json::to_value(&*value) else {
        return;
    };
    walk(&mut json);
    if let Ok(cleaned) = serde_json::from_value(json) {
        *value = cleaned;
    }
}

impl Intake for HorizontalPodAutoscaler {
    fn intake(&mut self) {
        meta(&mut self.metadata);
        // Metric names, containers, described objects and selectors all end
        // up in TARGETS and the chart legends.
        if let Some(m) = self.spec.as_mut().and_then(|s| s.metrics.as_mut()) {
            clean_all_strings(m);
        }
        if let Some(m) = self
            .status
            .as_mut()
            .and_then(|s| s.current_metrics.as_mut())
        {
            clean_all_strings(m);
        }
        if let Some(spec) = self.spec.as_mut() {
            clean_in_place(&mut spec.scale_target_ref.name);
            clean_in_place(&mut spec.scale_target_ref.kind);
        }
        for c in self
            .status
            .iter_mut()
            .flat_map(|s| s.conditions.iter_mut().flatten())
        {
            c.reason
                .iter_mut()
                .chain(c.message.iter_mut())
                .for_each(clean_in_place);
        }
    }
}

impl Intake for Event {
    fn intake(&mut self) {
        meta(&mut self.metadata);
        let o = &mut self.involved_object;
        [
            &mut o.name,
            &mut o.kind,
            &mut o.namespace,
            &mut o.field_path,
        ]
        .into_iter()
        .flatten()
        .for_each(clean_in_place);
        [
            &mut self.reason,
            &mut self.message,
            &mut self.type_,
            &mut self.reporting_component,
        ]
        .into_iter()
        .flatten()
        .for_each(clean_in_place);
        if let Some(src) = self.source.as_mut() {
            src.component
                .iter_mut()
                .chain(src.host.iter_mut())
                .for_each(clean_in_place);
        }
    }
}

impl Intake for Service {
    fn intake(&mut self) {
        meta(&mut self.metadata);
        if let Some(sel) = self.spec.as_mut().and_then(|s| s.selector.as_mut()) {
            clean_map(sel);
        }
    }
}

impl Intake for EndpointSlice {
    fn intake(&mut self) {
        meta(&mut self.metadata);
        for e in &mut self.endpoints {
            if let Some(t) = e.target_ref.as_mut() {
                t.name.iter_mut().for_each(clean_in_place);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cached::Pod;
    use serde_json::json;

    #[test]
    fn strips_managed_fields_and_escapes() {
        let mut p: Pod = serde_json::from_value(json!({
            "metadata": {"name": "evil\u{1b}[2Jpod", "labels": {"app": "x\u{1b}]0;t\u{7}"},
                "annotations": {LAST_APPLIED: "{}", "note": "ok"},
                "managedFields": [{"manager": "kubectl"}]},
            "spec": {"containers": [{"name": "c", "image": "img\u{9b}31m:1"}]},
            "status": {"containerStatuses": [{"name": "c", "ready": false, "restartCount": 0,
                "image": "i", "imageID": "", "state": {"waiting": {"reason": "Bad\u{7}", "message": "m\r"}}}]}
        }))
        .unwrap();
        p.intake();
        assert_eq!(p.metadata.name.as_deref(), Some("evil\u{FFFD}pod"));
        assert!(p.metadata.managed_fields.is_none());
        assert_eq!(p.metadata.labels.unwrap()["app"], "x\u{FFFD}");
        // The slim pod does not even parse a pod's annotations: none is read.
        assert!(p.metadata.annotations.is_none());
        assert_eq!(
            p.spec.unwrap().containers[0].image.as_deref(),
            Some("img\u{FFFD}:1")
        );
        let w = p.status.unwrap().container_statuses.unwrap()[0]
            .state
            .clone()
            .unwrap()
            .waiting
            .unwrap();
        assert_eq!(
            (w.reason.as_deref(), w.message.as_deref()),
            (Some("Bad\u{FFFD}"), Some("m\u{FFFD}"))
        );
    }

    #[test]
    fn strips_managed_fields_and_last_applied_from_full_objects() {
        let mut d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "evil\u{1b}[2Japi", "labels": {"app": "x\u{1b}]0;t\u{7}"},
                "annotations": {LAST_APPLIED: "{}", "note": "o\u{1b}[1Ak"},
                "managedFields": [{"manager": "kubectl"}]},
            "spec": {"selector": {}, "template": {"metadata": {"annotations": {LAST_APPLIED: "{}"}},
                "spec": {"containers": [{"name": "c", "image": "img\u{9b}31m:1"}]}}}
        }))
        .unwrap();
        d.intake();
        assert_eq!(d.metadata.name.as_deref(), Some("evil\u{FFFD}api"));
        assert!(d.metadata.managed_fields.is_none());
        assert_eq!(d.metadata.labels.unwrap()["app"], "x\u{FFFD}");
        let ann = d.metadata.annotations.unwrap();
        assert!(!ann.contains_key(LAST_APPLIED));
        assert_eq!(ann["note"], "o\u{FFFD}k");
        let template = d.spec.unwrap().template;
        let t_ann = template.metadata.unwrap().annotations.unwrap();
        assert!(!t_ann.contains_key(LAST_APPLIED));
        assert_eq!(
            template.spec.unwrap().containers[0].image.as_deref(),
            Some("img\u{FFFD}:1")
        );
    }
}

#[cfg(test)]
mod hpa_tests {
    use super::*;

    #[test]
    fn hpa_metric_names_are_cleaned() {
        let mut h: HorizontalPodAutoscaler = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "api"},
            "spec": {"maxReplicas": 3, "scaleTargetRef": {"kind": "Deployment", "name": "api"},
                     "metrics": [{"type": "External", "external": {"metric": {"name": "q\u{1b}]0;x\u{7}len"},
                                  "target": {"type": "Value", "value": "30"}}}]},
            "status": {"desiredReplicas": 1, "currentMetrics": [{"type": "External", "external": {
                "metric": {"name": "q\u{1b}[2Jlen"}, "current": {"value": "3"}}}]}
        }))
        .unwrap();
        h.intake();
        let spec = serde_json::to_string(&h).unwrap();
        assert!(!spec.contains('\u{1b}'), "{spec}");
        assert!(spec.contains("\"q\u{FFFD}len\""), "{spec}");
    }
}
