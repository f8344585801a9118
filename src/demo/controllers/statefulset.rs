//! The statefulset controller, reduced to what the cockpit reads: pods
//! `NAME-0` .. `NAME-(n-1)` created in order from the template, and the
//! replica counts of `status` computed from them; scaling down removes the
//! highest ordinal first. No volume claims, no rolling update: a template
//! change does not replace pods.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::Pass;
use crate::demo::meta;
use crate::demo::registry::{DeleteOptions, Part, Registry};
use crate::demo::resources::{PODS, STATEFULSETS};

fn pod_for(sts: &Value, ordinal: usize) -> Value {
    let template = meta::at(sts, &["spec", "template"])
        .cloned()
        .unwrap_or(json!({}));
    let name = format!("{}-{ordinal}", meta::name(sts));
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(name));
    metadata.insert("namespace".into(), json!(meta::namespace(sts)));
    let mut labels = meta::string_map(meta::at(&template, &["metadata", "labels"]));
    labels.insert("statefulset.kubernetes.io/pod-name".into(), name.clone());
    labels.insert("apps.kubernetes.io/pod-index".into(), ordinal.to_string());
    metadata.insert("labels".into(), json!(labels));
    if let Some(a) = meta::at(&template, &["metadata", "annotations"]) {
        metadata.insert("annotations".into(), a.clone());
    }
    metadata.insert(
        "ownerReferences".into(),
        json!([{
            "apiVersion": "apps/v1", "kind": "StatefulSet", "name": meta::name(sts),
            "uid": meta::uid(sts), "controller": true, "blockOwnerDeletion": true,
        }]),
    );
    let mut spec = template.get("spec").cloned().unwrap_or(json!({}));
    meta::set(&mut spec, &["hostname"], json!(name));
    if let Some(svc) = meta::str_at(sts, &["spec", "serviceName"]) {
        meta::set(&mut spec, &["subdomain"], json!(svc));
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec})
}

fn is_ready(pod: &Value) -> bool {
    !meta::is_deleting(pod) && meta::condition_true(pod, "Ready")
}

pub fn sync_all(reg: &Registry) -> Pass {
    let (all, _) = reg.store.list(&STATEFULSETS, None);
    if all.is_empty() {
        return Pass::default();
    }
    let (pods, _) = reg.store.list(&PODS, None);
    let mut by_owner: HashMap<(&str, &str), Vec<&Value>> = HashMap::new();
    for p in &pods {
        if let Some(owner) = meta::controller_uid(p) {
            by_owner
                .entry((meta::namespace(p), owner))
                .or_default()
                .push(&**p);
        }
    }
    let mut pass = Pass::default();
    for sts in all.iter().filter(|s| !meta::is_deleting(s)) {
        let ns = meta::namespace(sts);
        let owned = by_owner
            .get(&(ns, meta::uid(sts)))
            .cloned()
            .unwrap_or_default();
        let desired = meta::i64_at(sts, &["spec", "replicas"]).unwrap_or(1).max(0) as usize;
        // OrderedReady: the next ordinal only once every earlier one is ready.
        let missing = (0..desired).find(|i| {
            let name = format!("{}-{i}", meta::name(sts));
            !owned.iter().any(|p| meta::name(p) == name)
        });
        let all_ready = owned.iter().all(|p| is_ready(p));
        if let (Some(i), true) = (missing, all_ready) {
            if reg.create_internal(&PODS, pod_for(sts, i)).is_ok() {
                pass.changed = true;
            }
        }
        // Scale down from the highest ordinal, one at a time.
        let surplus = owned
            .iter()
            .filter(|p| !meta::is_deleting(p))
            .filter_map(|p| {
                let ordinal = meta::name(p).rsplit_once('-')?.1.parse::<usize>().ok()?;
                (ordinal >= desired).then_some((ordinal, meta::name(p)))
            })
            .max();
        if let Some((_, name)) = surplus {
            if reg
                .delete(&PODS, ns, name, &DeleteOptions::default())
                .is_ok()
            {
                pass.changed = true;
            }
        }
        let ready = owned.iter().filter(|p| is_ready(p)).count();
        let status = json!({
            "observedGeneration": meta::i64_at(sts, &["metadata", "generation"]).unwrap_or(1),
            "replicas": owned.len(),
            "readyReplicas": ready,
            "currentReplicas": owned.len(),
            "updatedReplicas": owned.len(),
            "availableReplicas": ready,
        });
        if sts.get("status") != Some(&status) {
            let changed = reg.mutate(&STATEFULSETS, ns, meta::name(sts), Part::Status, |s| {
                meta::set(s, &["status"], status.clone());
            });
            pass.changed |= changed.is_ok();
        }
    }
    pass
}
