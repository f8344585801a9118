//! What the cache keeps of a pod. The slim type (`model::cached`) already
//! leaves out what no screen reads; this drops what it can hold but should
//! not keep: env entries that are not ConfigMap or Secret references, the
//! API-access volume the API server injects into every pod, volumes that
//! project nothing the pod detail shows, and the conditions no one reads.
//! Deployments and ReplicaSets keep their full templates: the history
//! panel diffs them, and there are far fewer of them.
//!
//! JSON gives serde no length for arrays, so a one-element `Vec` is parsed
//! with room for four; across 10,000 pods that slack adds up, hence the
//! `shrink_to_fit`s.

use k8s_openapi::api::core::v1::PodSpec as TemplateSpec;

use crate::model::cached::{
    Container, ContainerStatus, KeyToPath, Pod, PodSpec, PodStatus, Volume,
};

/// The conditions anything reads: READY and the rollout guard's checks.
const CONDITIONS_READ: [&str; 2] = ["Ready", "PodScheduled"];

pub fn pod(p: &mut Pod) {
    if let Some(refs) = p.metadata.owner_references.as_mut() {
        refs.shrink_to_fit();
    }
    if let Some(spec) = p.spec.as_mut() {
        pod_spec(spec);
    }
    if let Some(st) = p.status.as_mut() {
        pod_status(st);
    }
}

/// Only the shape: for template specs whose every field may be shown or
/// diffed.
pub fn shrink_spec(spec: &mut TemplateSpec) {
    spec.containers.shrink_to_fit();
    for c in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        for v in [&mut c.env].into_iter().flatten() {
            v.shrink_to_fit();
        }
        for v in [&mut c.volume_mounts].into_iter().flatten() {
            v.shrink_to_fit();
        }
    }
    if let Some(v) = spec.init_containers.as_mut() {
        v.shrink_to_fit();
    }
    if let Some(v) = spec.volumes.as_mut() {
        v.shrink_to_fit();
    }
}

fn pod_spec(spec: &mut PodSpec) {
    // The pod detail lists the ConfigMaps and Secrets the app reads; the
    // token volume the API server injects into every pod is not one.
    if let Some(vols) = spec.volumes.as_mut() {
        vols.retain(|v| !is_api_access(v));
        vols.iter_mut().for_each(keep_config_sources);
        vols.retain(|v| v.config_map.is_some() || v.secret.is_some() || v.projected.is_some());
        vols.shrink_to_fit();
    }
    if spec.volumes.as_ref().is_some_and(Vec::is_empty) {
        spec.volumes = None;
    }
    let kept: Vec<&str> = spec
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .collect();
    for c in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        container(c, &kept);
    }
    spec.containers.shrink_to_fit();
    if let Some(v) = spec.init_containers.as_mut() {
        v.shrink_to_fit();
    }
}

fn is_api_access(v: &Volume) -> bool {
    v.projected.as_ref().is_some_and(|p| {
        p.sources
            .iter()
            .flatten()
            .any(|s| s.service_account_token.is_some())
    })
}

/// A volume reduced to its ConfigMap and Secret sources; a projected
/// volume with none left is dropped.
fn keep_config_sources(v: &mut Volume) {
    if let Some(p) = v.projected.as_mut() {
        if let Some(s) = p.sources.as_mut() {
            s.retain(|src| src.config_map.is_some() || src.secret.is_some());
            for src in s.iter_mut() {
                src.service_account_token = None;
                if let Some(cm) = src.config_map.as_mut() {
                    shrink_items(&mut cm.items);
                }
                if let Some(sec) = src.secret.as_mut() {
                    shrink_items(&mut sec.items);
                }
            }
            s.shrink_to_fit();
        }
        if p.sources.as_ref().is_none_or(Vec::is_empty) {
            v.projected = None;
        }
    }
    if let Some(cm) = v.config_map.as_mut() {
        shrink_items(&mut cm.items);
    }
    if let Some(sec) = v.secret.as_mut() {
        shrink_items(&mut sec.items);
    }
}

fn shrink_items(items: &mut Option<Vec<KeyToPath>>) {
    if let Some(i) = items.as_mut() {
        i.shrink_to_fit();
    }
}

fn container(c: &mut Container, volumes: &[&str]) {
    // Only references to ConfigMaps and Secrets are shown; the slim type
    // has no room for plain values, and a name alone tells nothing.
    if let Some(env) = c.env.as_mut() {
        env.retain(|e| {
            e.value_from
                .as_ref()
                .is_some_and(|f| f.config_map_key_ref.is_some() || f.secret_key_ref.is_some())
        });
        env.shrink_to_fit();
    }
    if c.env.as_ref().is_some_and(Vec::is_empty) {
        c.env = None;
    }
    if let Some(v) = c.env_from.as_mut() {
        v.retain(|e| e.config_map_ref.is_some() || e.secret_ref.is_some());
        v.shrink_to_fit();
    }
    if c.env_from.as_ref().is_some_and(Vec::is_empty) {
        c.env_from = None;
    }
    if let Some(mounts) = c.volume_mounts.as_mut() {
        mounts.retain(|m| volumes.contains(&m.name.as_str()));
        mounts.shrink_to_fit();
    }
    if c.volume_mounts.as_ref().is_some_and(Vec::is_empty) {
        c.volume_mounts = None;
    }
}

fn pod_status(st: &mut PodStatus) {
    if let Some(c) = st.conditions.as_mut() {
        c.retain(|c| CONDITIONS_READ.contains(&c.type_.as_str()));
        c.shrink_to_fit();
    }
    for list in [&mut st.container_statuses, &mut st.init_container_statuses]
        .into_iter()
        .flatten()
    {
        list.iter_mut().for_each(container_status);
        list.shrink_to_fit();
    }
}

fn container_status(cs: &mut ContainerStatus) {
    // kubelet sends `lastState: {}` for a container that never restarted.
    if cs
        .last_state
        .as_ref()
        .is_some_and(|s| s.running.is_none() && s.waiting.is_none() && s.terminated.is_none())
    {
        cs.last_state = None;
    }
}

#[cfg(test)]
mod tests;
