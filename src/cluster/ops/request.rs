//! What the panels ask for, as data, and the one async step that turns a
//! request into a prepared (checked, previewed) plan: read fresh, validate,
//! plan, then the gate's read-only and permission checks. The UI shows the
//! preview, and on "yes" hands the same [`Prepared`] to `Gate::apply`.

use std::sync::Arc;

use chrono::Utc;

use super::bluegreen;
use super::errors::OpError;
use super::gate::Gate;
use super::plan::{Prepared, Target};
use super::rollback::{rollback, RollbackDecision};
use super::rollout;
use crate::model::change::{hpa_warning, parse_int_or_percent, parse_replicas};
use crate::model::pairs::{check_endpoints, pair_of, Pair};
use crate::model::verbs::Verb;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpRequest {
    /// `container=image` pairs (`*` = every container), with an optional
    /// change-cause written in the same patch.
    SetImages {
        namespace: String,
        deployment: String,
        images: Vec<(String, String)>,
        change_cause: Option<String>,
    },
    Restart {
        namespace: String,
        deployment: String,
    },
    /// The count as typed; validated here.
    Scale {
        namespace: String,
        deployment: String,
        replicas: String,
    },
    Strategy {
        namespace: String,
        deployment: String,
        max_surge: String,
        max_unavailable: String,
    },
    Pause {
        namespace: String,
        deployment: String,
    },
    Resume {
        namespace: String,
        deployment: String,
    },
    ChangeCause {
        namespace: String,
        deployment: String,
        text: String,
    },
    /// 0 = the previous revision, as `kubectl rollout undo`.
    Rollback {
        namespace: String,
        deployment: String,
        to_revision: i64,
    },
    PrepareIdle {
        namespace: String,
        service: String,
        slot: String,
        images: Vec<(String, String)>,
    },
    Switch {
        namespace: String,
        service: String,
        to: String,
        force: bool,
    },
    SwitchBack {
        namespace: String,
        service: String,
        force: bool,
    },
    ScaleDownIdle {
        namespace: String,
        service: String,
        slot: String,
    },
    /// A verb on one object, planned from the object read fresh.
    Verb {
        verb: Verb,
        namespace: String,
        name: String,
    },
}

impl OpRequest {
    /// The journal's name for the action.
    pub fn action(&self) -> &'static str {
        match self {
            OpRequest::SetImages { .. } => "set image",
            OpRequest::Restart { .. } => "restart",
            OpRequest::Scale { .. } => "scale",
            OpRequest::Strategy { .. } => "set strategy",
            OpRequest::Pause { .. } => "pause",
            OpRequest::Resume { .. } => "resume",
            OpRequest::ChangeCause { .. } => "set change-cause",
            OpRequest::Rollback { .. } => "rollback",
            OpRequest::PrepareIdle { .. } => "prepare idle slot",
            OpRequest::Switch { .. } => "switch",
            OpRequest::SwitchBack { .. } => "switch back",
            OpRequest::ScaleDownIdle { .. } => "scale down idle slot",
            OpRequest::Verb { verb, .. } => verb.spec().action,
        }
    }

    /// The object the request is about.
    pub fn target(&self) -> Target {
        match self {
            OpRequest::SetImages {
                namespace,
                deployment,
                ..
            }
            | OpRequest::Restart {
                namespace,
                deployment,
            }
            | OpRequest::Scale {
                namespace,
                deployment,
                ..
            }
            | OpRequest::Strategy {
                namespace,
                deployment,
                ..
            }
            | OpRequest::Pause {
                namespace,
                deployment,
            }
            | OpRequest::Resume {
                namespace,
                deployment,
            }
            | OpRequest::ChangeCause {
                namespace,
                deployment,
                ..
            }
            | OpRequest::Rollback {
                namespace,
                deployment,
                ..
            } => Target::deployment(namespace, deployment),
            OpRequest::PrepareIdle {
                namespace, service, ..
            }
            | OpRequest::Switch {
                namespace, service, ..
            }
            | OpRequest::SwitchBack {
                namespace, service, ..
            }
            | OpRequest::ScaleDownIdle {
                namespace, service, ..
            } => Target::service(namespace, service),
            OpRequest::Verb {
                verb,
                namespace,
                name,
            } => verb.target(namespace, name),
        }
    }

    /// The verb and resource the gate will check, for showing an action
    /// disabled before it is chosen (`Gate::can`).
    pub fn permission(&self) -> (&'static str, &'static str, &'static str) {
        match self {
            OpRequest::Switch { .. } | OpRequest::SwitchBack { .. } => ("patch", "", "services"),
            OpRequest::Verb { verb, .. } => {
                let s = verb.spec();
                (s.permission, s.target.0, s.target.3)
            }
            // For the idle slot's two, its Deployment, not the Service.
            OpRequest::PrepareIdle { .. }
            | OpRequest::ScaleDownIdle { .. }
            | OpRequest::SetImages { .. }
            | OpRequest::Restart { .. }
            | OpRequest::Scale { .. }
            | OpRequest::Strategy { .. }
            | OpRequest::Pause { .. }
            | OpRequest::Resume { .. }
            | OpRequest::ChangeCause { .. }
            | OpRequest::Rollback { .. } => ("patch", "apps", "deployments"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Planned {
    /// Checked and previewed: show it, and apply it on "yes".
    Ready(Box<Prepared>),
    /// Nothing to do (kubectl's "skipped rollback (...)"); journaled.
    Skipped(String),
}

/// Reads fresh, validates, plans and passes the gate's checks. Every
/// refusal is journaled.
pub async fn plan(gate: &Gate, req: &OpRequest, slot_keys: &[String]) -> Result<Planned, OpError> {
    if gate.readonly() {
        gate.record_refusal(req.action(), &req.target(), &OpError::ReadOnly);
        return Err(OpError::ReadOnly);
    }
    let built = build(gate, req, slot_keys).await;
    match built {
        Ok(Built::Plan(p)) => gate.prepare(p).await.map(|p| Planned::Ready(Box::new(p))),
        Ok(Built::Skip(target, msg)) => {
            gate.record_skip(req.action(), &target, &msg);
            Ok(Planned::Skipped(msg))
        }
        Err(e) => {
            gate.record_refusal(req.action(), &req.target(), &e);
            Err(e)
        }
    }
}

enum Built {
    Plan(super::plan::Plan),
    Skip(Target, String),
}

async fn pair_for(
    gate: &Gate,
    ns: &str,
    service: &str,
    slot_keys: &[String],
) -> Result<(k8s_openapi::api::core::v1::Service, Pair), OpError> {
    let f = gate.fetch();
    let svc = f.service(ns, service).await?;
    let deployments: Vec<Arc<_>> = f.deployments(ns).await?;
    let pair = pair_of(&svc, &deployments, slot_keys).ok_or_else(|| {
        OpError::refused(format!(
            "service {ns}/{service} is not a blue-green pair (a selector slot key from {} and two deployments)",
            slot_keys.join(", ")
        ))
    })?;
    Ok((svc, pair))
}

async fn build(gate: &Gate, req: &OpRequest, slot_keys: &[String]) -> Result<Built, OpError> {
    let f = gate.fetch();
    let plan = match req {
        OpRequest::SetImages {
            namespace,
            deployment,
            images,
            change_cause,
        } => {
            let d = f.deployment(namespace, deployment).await?;
            rollout::set_image(&d, images, change_cause.as_deref())?
        }
        OpRequest::Restart {
            namespace,
            deployment,
        } => rollout::restart(&f.deployment(namespace, deployment).await?, Utc::now())?,
        OpRequest::Scale {
            namespace,
            deployment,
            replicas,
        } => {
            let n = parse_replicas(replicas).map_err(OpError::refused)?;
            let d = f.deployment(namespace, deployment).await?;
            let hpas = f.hpas(namespace).await;
            rollout::scale(&d, n, hpa_warning(&d, &hpas))?
        }
        OpRequest::Strategy {
            namespace,
            deployment,
            max_surge,
            max_unavailable,
        } => {
            let surge = parse_int_or_percent("maxSurge", max_surge).map_err(OpError::refused)?;
            let unavailable = parse_int_or_percent("maxUnavailable", max_unavailable)
                .map_err(OpError::refused)?;
            rollout::strategy(
                &f.deployment(namespace, deployment).await?,
                &surge,
                &unavailable,
            )?
        }
        OpRequest::Pause {
            namespace,
            deployment,
        } => rollout::pause(&f.deployment(namespace, deployment).await?)?,
        OpRequest::Resume {
            namespace,
            deployment,
        } => rollout::resume(&f.deployment(namespace, deployment).await?)?,
        OpRequest::ChangeCause {
            namespace,
            deployment,
            text,
        } => rollout::change_cause(&f.deployment(namespace, deployment).await?, text)?,
        OpRequest::Rollback {
            namespace,
            deployment,
            to_revision,
        } => {
            let d = f.deployment(namespace, deployment).await?;
            let rss = f.replicasets_of(&d).await?;
            match rollback(&d, &rss, *to_revision)? {
                RollbackDecision::Plan(p) => *p,
                RollbackDecision::Skip(msg) => {
                    return Ok(Built::Skip(Target::deployment(namespace, deployment), msg))
                }
            }
        }
        OpRequest::PrepareIdle {
            namespace,
            service,
            slot,
            images,
        } => {
            let (_, pair) = pair_for(gate, namespace, service, slot_keys).await?;
            let active = pair.active_slot().ok_or_else(|| {
                OpError::refused(format!(
                    "service {service}'s active slot {} has no deployment",
                    pair.active
                ))
            })?;
            let active_d = f.deployment(namespace, &active.deployment).await?;
            let replicas = active_d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let idle_name = pair
                .slot(slot)
                .map(|s| s.deployment.clone())
                .ok_or_else(|| {
                    OpError::refused(format!("service {service} has no slot {slot:?}"))
                })?;
            let idle = f.deployment(namespace, &idle_name).await?;
            bluegreen::prepare_idle(&pair, slot, &idle, images, replicas)?
        }
        OpRequest::Switch {
            namespace,
            service,
            to,
            force,
        } => {
            let (svc, pair) = pair_for(gate, namespace, service, slot_keys).await?;
            let name = pair
                .slot(to)
                .map(|s| s.deployment.clone())
                .ok_or_else(|| OpError::refused(format!("service {service} has no slot {to:?}")))?;
            let d = f.deployment(namespace, &name).await?;
            bluegreen::switch(&svc, &pair, to, &d, *force, "switch")?
        }
        OpRequest::SwitchBack {
            namespace,
            service,
            force,
        } => {
            let (svc, pair) = pair_for(gate, namespace, service, slot_keys).await?;
            let to = bluegreen::switch_back_slot(&pair)?;
            let name = pair
                .slot(&to)
                .map(|s| s.deployment.clone())
                .unwrap_or_default();
            let d = f.deployment(namespace, &name).await?;
            bluegreen::switch_back(&svc, &pair, &d, *force)?
        }
        OpRequest::ScaleDownIdle {
            namespace,
            service,
            slot,
        } => {
            let (_, pair) = pair_for(gate, namespace, service, slot_keys).await?;
            let name = pair
                .slot(slot)
                .map(|s| s.deployment.clone())
                .ok_or_else(|| {
                    OpError::refused(format!("service {service} has no slot {slot:?}"))
                })?;
            let idle = f.deployment(namespace, &name).await?;
            let slices = f
                .endpointslices_of(namespace, service)
                .await
                .unwrap_or_default();
            let pods = f.pods(namespace).await.unwrap_or_default();
            let still = check_endpoints(&pair, slot, &pods, &slices).on_slot;
            bluegreen::scale_down_idle(&pair, slot, &idle, still)?
        }
        OpRequest::Verb {
            verb,
            namespace,
            name,
        } => {
            let object = super::send::read(f, &verb.target(namespace, name)).await?;
            verb.plan(&object)?
        }
    };
    Ok(Built::Plan(plan))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_name_their_action_and_target() {
        let r = OpRequest::Switch {
            namespace: "shop".into(),
            service: "frontend".into(),
            to: "green".into(),
            force: false,
        };
        assert_eq!(r.action(), "switch");
        assert_eq!(r.target().label(), "Service/frontend");
        assert_eq!(r.permission(), ("patch", "", "services"));
        let r = OpRequest::ScaleDownIdle {
            namespace: "shop".into(),
            service: "frontend".into(),
            slot: "blue".into(),
        };
        assert_eq!(r.permission(), ("patch", "apps", "deployments"));
        let r = OpRequest::Rollback {
            namespace: "shop".into(),
            deployment: "api".into(),
            to_revision: 0,
        };
        assert_eq!(r.target().describe(), "deployment shop/api");
    }
}
