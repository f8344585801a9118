//! A Deployment's status conditions as table rows, each with the health an
//! operator would read into it.

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::Deployment;

use crate::model::age::{age, to_chrono};
use crate::model::health::Health;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionRow {
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    /// Since the last transition, as kubectl prints ages.
    pub age: String,
    pub health: Health,
}

/// The conditions in the order the controller wrote them.
pub fn conditions(d: &Deployment, now: DateTime<Utc>) -> Vec<ConditionRow> {
    d.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let since = c
                        .last_transition_time
                        .as_ref()
                        .or(c.last_update_time.as_ref())
                        .map(to_chrono);
                    ConditionRow {
                        health: health(&c.type_, &c.status),
                        type_: c.type_.clone(),
                        status: c.status.clone(),
                        reason: c.reason.clone().unwrap_or_default(),
                        message: c.message.clone().unwrap_or_default(),
                        age: age(since, now),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Progressing False is a missed deadline and ReplicaFailure True a failed
/// pod creation: both need action. Available False or an Unknown (paused)
/// Progressing are worth a look; True is fine.
fn health(type_: &str, status: &str) -> Health {
    match (type_, status) {
        ("ReplicaFailure", "True") | ("Progressing", "False") => Health::Failed,
        ("ReplicaFailure", _) | (_, "True") => Health::Ok,
        _ => Health::Warning,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::rollout::fixtures::deployment;

    #[test]
    fn rows_keep_order_and_judge_health() {
        let d = deployment(
            "api",
            3,
            "shop/api:2",
            json!({"conditions": [
                {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                 "message": "Deployment does not have minimum availability.",
                 "lastTransitionTime": "2026-01-01T00:00:00Z"},
                {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                 "message": "ReplicaSet \"api-bbb\" has timed out progressing.",
                 "lastUpdateTime": "2026-01-01T00:09:00Z"},
                {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate"}]}),
        );
        let now = "2026-01-01T00:10:00Z".parse().unwrap();
        let rows = conditions(&d, now);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].type_, "Available");
        assert_eq!(rows[0].reason, "MinimumReplicasUnavailable");
        assert_eq!(rows[0].age, "10m");
        assert_eq!(rows[0].health, Health::Warning);
        assert_eq!(rows[1].age, "60s");
        assert_eq!(rows[1].health, Health::Failed);
        assert_eq!(rows[2].health, Health::Failed);
        assert_eq!(rows[2].age, "<unknown>");
        assert_eq!(health("Progressing", "Unknown"), Health::Warning);
        assert_eq!(health("Available", "True"), Health::Ok);
    }
}
