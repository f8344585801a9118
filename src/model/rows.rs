//! Table rows derived from cached objects: pure functions, no I/O. The
//! deployment row is here; see `pod_row` for pods.
//!
//! Text in the objects was sanitized when it entered the cache, so rows copy
//! it as is. Ages are kept as timestamps and formatted at draw time, so a row
//! stays valid while the clock moves.

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::Deployment;

use super::age::to_chrono;
use super::rollout::{revision, rollout_status, strategy_text, Phase};

// Every list's row, found in one place. The pod row and the health scale
// have files of their own because the rollout tree needs them without the
// deployment row's rollout analysis.
pub use super::health::Health;
pub use super::pod_row::{pod_row, pod_summary, PodRow, PodSummary};

#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentRow {
    pub namespace: String,
    pub name: String,
    pub ready: String,
    pub up_to_date: i32,
    pub available: i32,
    pub images: String,
    /// `RollingUpdate 25%/25%` or `Recreate`.
    pub strategy: String,
    pub revision: Option<i64>,
    /// Complete / Progressing / Paused / Stalled, as `kubectl rollout status` decides.
    pub status: String,
    /// kubectl's rollout status sentence, for the detail and the filter.
    pub status_message: String,
    pub created: Option<DateTime<Utc>>,
    pub health: Health,
}

pub fn deployment_row(d: &Deployment) -> DeploymentRow {
    let spec_replicas = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let status = d.status.as_ref();
    let ready = status.and_then(|s| s.ready_replicas).unwrap_or(0);
    let updated = status.and_then(|s| s.updated_replicas).unwrap_or(0);
    let available = status.and_then(|s| s.available_replicas).unwrap_or(0);
    let images = d
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .map(|p| {
            p.containers
                .iter()
                .map(|c| c.image.as_deref().unwrap_or(""))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let rollout = rollout_status(d);
    let health = if d.metadata.deletion_timestamp.is_some() {
        Health::Gone
    } else if rollout.phase == Phase::Complete && available == 0 && spec_replicas > 0 {
        Health::Failed
    } else {
        rollout.phase.health()
    };
    DeploymentRow {
        namespace: d.metadata.namespace.clone().unwrap_or_default(),
        name: d.metadata.name.clone().unwrap_or_default(),
        ready: format!("{ready}/{spec_replicas}"),
        up_to_date: updated,
        available,
        images,
        strategy: strategy_text(d),
        revision: revision(&d.metadata),
        status: rollout.phase.as_str().to_string(),
        status_message: rollout.message,
        created: d.metadata.creation_timestamp.as_ref().map(to_chrono),
        health,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployment_row_reads_status_counts() {
        let d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "api", "namespace": "shop", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"replicas": 3, "selector": {}, "template": {"spec": {"containers": [
                {"name": "api", "image": "shop/api:1.4"}, {"name": "proxy", "image": "envoy:1.30"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
        }))
        .unwrap();
        let row = deployment_row(&d);
        assert_eq!(row.ready, "2/3");
        assert_eq!(row.up_to_date, 3);
        assert_eq!(row.available, 2);
        assert_eq!(row.images, "shop/api:1.4,envoy:1.30");
        assert_eq!(row.health, Health::Progressing);
    }

    #[test]
    fn deployment_without_status_is_zero_of_desired() {
        let d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "new"},
            "spec": {"replicas": 2, "selector": {}, "template": {}}
        }))
        .unwrap();
        let row = deployment_row(&d);
        assert_eq!(row.ready, "0/2");
        assert_eq!(row.status, "Progressing");
        assert_eq!(row.strategy, "RollingUpdate 25%/25%");
    }
}
