//! The overview: what an on-call engineer needs in the first five seconds —
//! is anything broken, what, and what just happened.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;

use super::events::EventRow;
use super::rollout::{rollout_status, Phase};
use super::rows::{Health, PodRow};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overview {
    /// Deployments per rollout phase.
    pub deployments: BTreeMap<Phase, usize>,
    /// Deployments that are not complete: (namespace/name, phase, message).
    pub attention: Vec<(String, Phase, String)>,
    /// Pods per STATUS column value (Running, Pending, CrashLoopBackOff...).
    pub pods_by_status: BTreeMap<String, usize>,
    pub pods_total: usize,
    /// Pods whose containers are crashlooping: namespace/name and restarts.
    pub crashlooping: Vec<(String, i32)>,
    /// HPAs at their maximum: namespace/name and replicas.
    pub hpas_at_max: Vec<(String, i32)>,
    pub hpas_total: usize,
    /// Most recent Warning events, newest first: (age, object, reason, message).
    pub warnings: Vec<(Option<DateTime<Utc>>, String, String, String)>,
}

/// How many warnings the overview lists.
pub const RECENT_WARNINGS: usize = 12;

pub fn overview<'a>(
    deployments: impl Iterator<Item = &'a Deployment>,
    pods: impl Iterator<Item = &'a PodRow>,
    hpas: impl Iterator<Item = &'a HorizontalPodAutoscaler>,
    events: impl Iterator<Item = &'a EventRow>,
) -> Overview {
    let mut o = Overview::default();
    for d in deployments {
        let status = rollout_status(d);
        *o.deployments.entry(status.phase).or_default() += 1;
        if status.phase != Phase::Complete {
            let name = format!(
                "{}/{}",
                d.metadata.namespace.as_deref().unwrap_or_default(),
                d.metadata.name.as_deref().unwrap_or_default()
            );
            o.attention.push((name, status.phase, status.message));
        }
    }
    // Stalled first, then paused, then progressing.
    o.attention
        .sort_by_key(|(name, phase, _)| (std::cmp::Reverse(*phase), name.clone()));
    for p in pods {
        o.pods_total += 1;
        *o.pods_by_status.entry(p.status.clone()).or_default() += 1;
        if p.status == "CrashLoopBackOff" || (p.health == Health::Failed && p.restarts > 0) {
            o.crashlooping
                .push((format!("{}/{}", p.namespace, p.name), p.restarts));
        }
    }
    o.crashlooping
        .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for h in hpas {
        o.hpas_total += 1;
        let max = h.spec.as_ref().map_or(0, |s| s.max_replicas);
        let current = h
            .status
            .as_ref()
            .and_then(|s| s.current_replicas)
            .unwrap_or(0);
        if max > 0 && current >= max {
            let name = format!(
                "{}/{}",
                h.metadata.namespace.as_deref().unwrap_or_default(),
                h.metadata.name.as_deref().unwrap_or_default()
            );
            o.hpas_at_max.push((name, current));
        }
    }
    let mut warnings: Vec<&EventRow> = events.filter(|e| e.warning).collect();
    warnings.sort_by_key(|e| std::cmp::Reverse(e.last_seen));
    o.warnings = warnings
        .into_iter()
        .take(RECENT_WARNINGS)
        .map(|e| {
            (
                e.last_seen,
                e.object.clone(),
                e.reason.clone(),
                e.message.clone(),
            )
        })
        .collect();
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::events::event_row;
    use crate::model::rows::pod_row;
    use serde_json::json;

    #[test]
    fn counts_phases_crashloops_hpas_and_warnings() {
        let dep = |name: &str, paused: bool, updated: i32| -> Deployment {
            serde_json::from_value(json!({
                "metadata": {"name": name, "namespace": "shop", "generation": 1},
                "spec": {"replicas": 2, "paused": paused, "selector": {}, "template": {}},
                "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": updated,
                           "availableReplicas": updated, "readyReplicas": updated}
            }))
            .unwrap()
        };
        let deps = [
            dep("ok", false, 2),
            dep("rolling", false, 1),
            dep("held", true, 2),
        ];
        let crash: crate::model::cached::Pod = serde_json::from_value(json!({
            "metadata": {"name": "w-1", "namespace": "shop"},
            "spec": {"containers": [{"name": "w"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "w", "ready": false, "restartCount": 4,
                "image": "i", "imageID": "", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
        }))
        .unwrap();
        let pods = [pod_row(&crash)];
        let hpa: HorizontalPodAutoscaler = serde_json::from_value(json!({
            "metadata": {"name": "api", "namespace": "shop"},
            "spec": {"maxReplicas": 5, "scaleTargetRef": {"kind": "Deployment", "name": "api"}},
            "status": {"currentReplicas": 5, "desiredReplicas": 5}
        }))
        .unwrap();
        let ev: k8s_openapi::api::core::v1::Event = serde_json::from_value(json!({
            "metadata": {"name": "e", "namespace": "shop"}, "type": "Warning", "reason": "BackOff",
            "message": "Back-off restarting", "involvedObject": {"kind": "Pod", "name": "w-1"},
            "lastTimestamp": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        let events = [event_row(&ev)];
        let o = overview(deps.iter(), pods.iter(), [hpa].iter(), events.iter());
        assert_eq!(o.deployments.get(&Phase::Complete), Some(&1));
        assert_eq!(o.deployments.get(&Phase::Progressing), Some(&1));
        assert_eq!(o.deployments.get(&Phase::Paused), Some(&1));
        assert_eq!(o.attention[0].0, "shop/held");
        assert_eq!(o.crashlooping, vec![("shop/w-1".to_string(), 4)]);
        assert_eq!(o.hpas_at_max, vec![("shop/api".to_string(), 5)]);
        assert_eq!(o.warnings.len(), 1);
        assert_eq!(o.pods_by_status.get("CrashLoopBackOff"), Some(&1));
    }
}
