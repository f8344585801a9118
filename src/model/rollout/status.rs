//! A Deployment's rollout status, decided and worded exactly as `kubectl
//! rollout status` does (kubectl pkg/polymorphichelpers/rollout_status.go),
//! so an operator reading kockpit next to a terminal sees the same sentence.

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus};

use crate::model::health::Health;

/// The condition reason the controller sets when a rollout made no progress
/// for `progressDeadlineSeconds`.
const TIMED_OUT_REASON: &str = "ProgressDeadlineExceeded";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    Complete,
    Progressing,
    Paused,
    Stalled,
    /// The controller has not yet seen the latest spec.
    Waiting,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Complete => "Complete",
            Phase::Progressing => "Progressing",
            Phase::Paused => "Paused",
            Phase::Stalled => "Stalled",
            Phase::Waiting => "Waiting",
        }
    }

    /// The icon the rollout tree uses for the same state.
    pub fn icon(self) -> &'static str {
        match self {
            Phase::Complete => "✔",
            Phase::Progressing | Phase::Waiting => "◌",
            Phase::Paused => "॥",
            Phase::Stalled => "✖",
        }
    }

    pub fn health(self) -> Health {
        match self {
            Phase::Complete => Health::Ok,
            Phase::Progressing | Phase::Waiting => Health::Progressing,
            Phase::Paused => Health::Warning,
            Phase::Stalled => Health::Failed,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutStatus {
    pub phase: Phase,
    /// kubectl's sentence, without its trailing newline. For a stalled
    /// rollout this is the error kubectl prints after `error: `.
    pub message: String,
    /// What kubectl's `done` flag says: the rollout finished successfully.
    /// A paused deployment can be done (and still Paused).
    pub done: bool,
}

/// `kubectl rollout status` for one Deployment, plus Paused: kubectl never
/// looks at `spec.paused`, but an operator must, since a paused Deployment
/// does not roll out whatever its template says.
pub fn rollout_status(d: &Deployment) -> RolloutStatus {
    let (phase, message, done) = kubectl_status(d);
    let paused = d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false);
    // A stall is the more urgent news; the controller clears it on pause anyway.
    let phase = if paused && phase != Phase::Stalled {
        Phase::Paused
    } else {
        phase
    };
    RolloutStatus {
        phase,
        message,
        done,
    }
}

fn kubectl_status(d: &Deployment) -> (Phase, String, bool) {
    // Go's %q: the name in double quotes.
    let name = format!("{:?}", d.metadata.name.as_deref().unwrap_or(""));
    let default = DeploymentStatus::default();
    // Borrowed, not cloned: the deployments list asks this of every row.
    let status = d.status.as_ref().unwrap_or(&default);
    let generation = d.metadata.generation.unwrap_or(0);
    if generation > status.observed_generation.unwrap_or(0) {
        return (
            Phase::Waiting,
            "Waiting for deployment spec update to be observed...".into(),
            false,
        );
    }
    let timed_out = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Progressing")
        .is_some_and(|c| c.reason.as_deref() == Some(TIMED_OUT_REASON));
    if timed_out {
        return (
            Phase::Stalled,
            format!("deployment {name} exceeded its progress deadline"),
            false,
        );
    }
    let updated = status.updated_replicas.unwrap_or(0);
    let replicas = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    // kubectl skips this check when spec.replicas is unset.
    if let Some(want) = d.spec.as_ref().and_then(|s| s.replicas) {
        if updated < want {
            return (
                Phase::Progressing,
                format!(
                    "Waiting for deployment {name} rollout to finish: {updated} out of {want} new replicas have been updated..."
                ),
                false,
            );
        }
    }
    if replicas > updated {
        return (
            Phase::Progressing,
            format!(
                "Waiting for deployment {name} rollout to finish: {} old replicas are pending termination...",
                replicas - updated
            ),
            false,
        );
    }
    if available < updated {
        return (
            Phase::Progressing,
            format!(
                "Waiting for deployment {name} rollout to finish: {available} of {updated} updated replicas are available..."
            ),
            false,
        );
    }
    (
        Phase::Complete,
        format!("deployment {name} successfully rolled out"),
        true,
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::rollout::fixtures::deployment;

    fn status_of(status: serde_json::Value) -> RolloutStatus {
        rollout_status(&deployment("api", 3, "shop/api:2", status))
    }

    #[test]
    fn unobserved_generation_waits_for_the_controller() {
        // The fixture is at generation 2.
        let s = status_of(
            json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3,
            "availableReplicas": 3}),
        );
        assert_eq!(s.phase, Phase::Waiting);
        assert_eq!(
            s.message,
            "Waiting for deployment spec update to be observed..."
        );
        assert!(!s.done);
    }

    #[test]
    fn progress_deadline_exceeded_is_stalled_even_when_counts_look_done() {
        let s = status_of(
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3,
            "availableReplicas": 3, "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}),
        );
        assert_eq!(s.phase, Phase::Stalled);
        assert_eq!(
            s.message,
            "deployment \"api\" exceeded its progress deadline"
        );
    }

    #[test]
    fn fewer_updated_than_desired() {
        let s = status_of(
            json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1,
            "availableReplicas": 3}),
        );
        assert_eq!(s.phase, Phase::Progressing);
        assert_eq!(
            s.message,
            "Waiting for deployment \"api\" rollout to finish: 1 out of 3 new replicas have been updated..."
        );
    }

    #[test]
    fn old_replicas_pending_termination() {
        let s = status_of(
            json!({"observedGeneration": 2, "replicas": 5, "updatedReplicas": 3,
            "availableReplicas": 3}),
        );
        assert_eq!(
            s.message,
            "Waiting for deployment \"api\" rollout to finish: 2 old replicas are pending termination..."
        );
        assert_eq!(s.phase, Phase::Progressing);
    }

    #[test]
    fn updated_but_not_yet_available() {
        let s = status_of(
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3,
            "availableReplicas": 1}),
        );
        assert_eq!(
            s.message,
            "Waiting for deployment \"api\" rollout to finish: 1 of 3 updated replicas are available..."
        );
    }

    #[test]
    fn successfully_rolled_out() {
        let s = status_of(
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3,
            "availableReplicas": 3}),
        );
        assert_eq!(s.phase, Phase::Complete);
        assert_eq!(s.message, "deployment \"api\" successfully rolled out");
        assert!(s.done);
    }

    #[test]
    fn unset_spec_replicas_skips_the_updated_check_like_kubectl() {
        let mut d = deployment("api", 3, "shop/api:2", json!({"observedGeneration": 2}));
        if let Some(spec) = d.spec.as_mut() {
            spec.replicas = None;
        }
        let s = rollout_status(&d);
        assert_eq!(s.message, "deployment \"api\" successfully rolled out");
    }

    #[test]
    fn paused_wins_over_progress_but_not_over_a_stall() {
        let mut d = deployment(
            "api",
            3,
            "shop/api:2",
            json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1,
                "availableReplicas": 3}),
        );
        if let Some(spec) = d.spec.as_mut() {
            spec.paused = Some(true);
        }
        let s = rollout_status(&d);
        assert_eq!(s.phase, Phase::Paused);
        assert!(s.message.contains("1 out of 3 new replicas"));
        assert_eq!(s.phase.health(), Health::Warning);

        let mut stalled = deployment(
            "api",
            3,
            "shop/api:2",
            json!({"observedGeneration": 2, "conditions": [
                {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}),
        );
        if let Some(spec) = stalled.spec.as_mut() {
            spec.paused = Some(true);
        }
        assert_eq!(rollout_status(&stalled).phase, Phase::Stalled);
    }
}
