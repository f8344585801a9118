//! Blue-green actions on a pair found by `model::pairs`: prepare the idle
//! slot (new image, the active slot's replica count), switch the Service's
//! selector (refused unless the target is fully available, or forced with a
//! typed confirmation), switch back to the slot remembered on the Service,
//! and scale the idle slot down. After a switch, [`verify_switch`] waits
//! until the EndpointSlices point only at the new slot's pods.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use serde_json::{json, Value};

use super::errors::OpError;
use super::fetch::Fetch;
use super::gate::Gate;
use super::plan::{Change, GuardTarget, PatchBody, Plan, Target};
use crate::model::change::parse_image;
use crate::model::pairs::{
    check_endpoints, fully_available, pair_of, EndpointCheck, Pair, PREVIOUS_SLOT_ANNOTATION,
};

fn slots_list(pair: &Pair) -> String {
    pair.slots
        .iter()
        .map(|s| s.value.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn readiness(d: &Deployment) -> String {
    let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let st = d.status.clone().unwrap_or_default();
    format!(
        "{}/{desired} available, {}/{desired} updated",
        st.available_replicas.unwrap_or(0),
        st.updated_replicas.unwrap_or(0)
    )
}

/// Points `svc` at slot `to`. `target` is `to`'s Deployment as just read.
/// With `force`, a slot that is not fully available is accepted, but the
/// operator must type the slot's name to confirm.
pub fn switch(
    svc: &Service,
    pair: &Pair,
    to: &str,
    target: &Deployment,
    force: bool,
    action: &str,
) -> Result<Plan, OpError> {
    if to == pair.active {
        return Err(OpError::refused(format!(
            "slot {to} is already active on service {}",
            pair.service
        )));
    }
    let Some(slot) = pair.slot(to) else {
        return Err(OpError::refused(format!(
            "service {} has no slot {to:?} (slots: {})",
            pair.service,
            slots_list(pair)
        )));
    };
    let mut warnings = Vec::new();
    let mut confirm_word = None;
    if !fully_available(target) {
        let why = format!(
            "slot {to} ({}) is not fully available: {}",
            slot.deployment,
            readiness(target)
        );
        if !force {
            return Err(OpError::refused(format!(
                "{why}; switch refused (force it to switch anyway)"
            )));
        }
        warnings.push(format!("{why}: traffic may fail"));
        confirm_word = Some(to.to_string());
    }
    let before = serde_json::to_value(svc).unwrap_or(Value::Null);
    let mut after = before.clone();
    after["spec"]["selector"][&pair.slot_key] = json!(to);
    after["metadata"]["annotations"][PREVIOUS_SLOT_ANNOTATION] = json!(pair.active);
    let patch = json!({
        "metadata": {"annotations": {PREVIOUS_SLOT_ANNOTATION: pair.active}},
        "spec": {"selector": {pair.slot_key.clone(): to}}
    });
    let change = Change {
        action: action.into(),
        target: Target::service(&pair.namespace, &pair.service),
        patch: PatchBody::Merge(patch),
        before,
        after,
        summary_before: format!("{}={}", pair.slot_key, pair.active),
        summary_after: format!("{}={to}", pair.slot_key),
    };
    let mut plan = Plan::single(
        format!(
            "{action} service {} from {} to {to}",
            pair.service, pair.active
        ),
        change,
    );
    plan.warnings = warnings;
    plan.confirm_word = confirm_word;
    plan.guard = Some(GuardTarget::Switch {
        namespace: pair.namespace.clone(),
        service: pair.service.clone(),
        slot_key: pair.slot_key.clone(),
        from: pair.active.clone(),
        to: to.to_string(),
        deployment: slot.deployment.clone(),
    });
    Ok(plan)
}

/// Back to the slot remembered on the Service (or the only other slot).
pub fn switch_back(
    svc: &Service,
    pair: &Pair,
    target: &Deployment,
    force: bool,
) -> Result<Plan, OpError> {
    let to = switch_back_slot(pair)?;
    switch(svc, pair, &to, target, force, "switch back")
}

/// The slot "switch back" goes to.
pub fn switch_back_slot(pair: &Pair) -> Result<String, OpError> {
    pair.switch_back_target()
        .map(|s| s.value.clone())
        .ok_or_else(|| {
            OpError::refused(format!(
                "no previous slot remembered on service {} (annotation {PREVIOUS_SLOT_ANNOTATION}); switch to a slot by name",
                pair.service
            ))
        })
}

fn idle_slot_check(pair: &Pair, slot: &str, d: &Deployment) -> Result<(), OpError> {
    if slot == pair.active {
        return Err(OpError::refused(format!(
            "slot {slot} is active (service {} sends it traffic): refused",
            pair.service
        )));
    }
    let Some(s) = pair.slot(slot) else {
        return Err(OpError::refused(format!(
            "service {} has no slot {slot:?} (slots: {})",
            pair.service,
            slots_list(pair)
        )));
    };
    if d.metadata.name.as_deref() != Some(s.deployment.as_str()) {
        return Err(OpError::refused(format!(
            "slot {slot} is served by deployment {}, not {}",
            s.deployment,
            d.metadata.name.as_deref().unwrap_or("")
        )));
    }
    Ok(())
}

/// Prepares idle `slot`: its containers get `images` (`*` = every
/// container) and it is scaled to `replicas` (the active slot's count), in
/// one patch so the slot is never half-prepared.
pub fn prepare_idle(
    pair: &Pair,
    slot: &str,
    idle: &Deployment,
    images: &[(String, String)],
    replicas: i32,
) -> Result<Plan, OpError> {
    idle_slot_check(pair, slot, idle)?;
    for (c, image) in images {
        parse_image(image).map_err(|e| OpError::refused(format!("container {c}: {e}")))?;
    }
    let before = serde_json::to_value(idle).unwrap_or(Value::Null);
    let mut after = before.clone();
    let mut containers = Vec::new();
    for (container, image) in images {
        let mut matched = false;
        if let Some(items) = after
            .pointer_mut("/spec/template/spec/containers")
            .and_then(Value::as_array_mut)
        {
            for c in items.iter_mut() {
                let name = c
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if container == "*" || *container == name {
                    matched = true;
                    c["image"] = json!(image);
                    containers.retain(|e: &Value| e["name"] != json!(name));
                    containers.push(json!({"name": name, "image": image}));
                }
            }
        }
        if !matched {
            return Err(OpError::refused(format!(
                "unable to find container named {container:?}"
            )));
        }
    }
    let current = idle.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    after["spec"]["replicas"] = json!(replicas);
    if after == before {
        return Err(OpError::refused(format!(
            "nothing to change: slot {slot} already runs that with {replicas} replicas"
        )));
    }
    let mut patch = json!({"spec": {"replicas": replicas}});
    if !containers.is_empty() {
        patch["spec"]["template"] = json!({"spec": {"containers": containers}});
    }
    let images_of = |v: &Value| -> String {
        v.pointer("/spec/template/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{}={}",
                    c["name"].as_str().unwrap_or(""),
                    c["image"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let change = Change {
        action: format!("prepare slot {slot}"),
        target: Target::deployment(&pair.namespace, idle.metadata.name.as_deref().unwrap_or("")),
        patch: PatchBody::Strategic(patch),
        summary_before: format!("image {} replicas {current}", images_of(&before)),
        summary_after: format!("image {} replicas {replicas}", images_of(&after)),
        before,
        after,
    };
    Ok(Plan::single(
        format!("prepare idle slot {slot} of service {}", pair.service),
        change,
    ))
}

/// Scales idle `slot` to zero. `still_served` is how many of the Service's
/// ready endpoints are still on that slot's pods (a warning, not a refusal:
/// the selector no longer picks them, the slices are just catching up).
pub fn scale_down_idle(
    pair: &Pair,
    slot: &str,
    idle: &Deployment,
    still_served: usize,
) -> Result<Plan, OpError> {
    idle_slot_check(pair, slot, idle)?;
    let current = idle.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    if current == 0 {
        return Err(OpError::refused(format!(
            "nothing to change: slot {slot} is already at 0 replicas"
        )));
    }
    let before = serde_json::to_value(idle).unwrap_or(Value::Null);
    let mut after = before.clone();
    after["spec"]["replicas"] = json!(0);
    let change = Change {
        action: format!("scale down slot {slot}"),
        target: Target::deployment(&pair.namespace, idle.metadata.name.as_deref().unwrap_or("")),
        patch: PatchBody::Merge(json!({"spec": {"replicas": 0}})),
        before,
        after,
        summary_before: format!("replicas {current}"),
        summary_after: "replicas 0".into(),
    };
    let mut plan = Plan::single(
        format!("scale down idle slot {slot} of service {}", pair.service),
        change,
    );
    if still_served > 0 {
        plan.warnings.push(format!(
            "{still_served} ready endpoints of service {} are still on slot {slot}",
            pair.service
        ));
    }
    Ok(plan)
}

/// Polls the Service's EndpointSlices until every ready endpoint is on a
/// pod of `slot` (and there is at least one), or `within` runs out; the
/// last observation either way.
pub async fn verify_switch(
    fetch: &Fetch,
    pair: &Pair,
    slot: &str,
    within: Duration,
) -> Result<EndpointCheck, OpError> {
    let start = Instant::now();
    loop {
        let slices = fetch
            .endpointslices_of(&pair.namespace, &pair.service)
            .await?;
        let pods = fetch.pods(&pair.namespace).await?;
        let check = check_endpoints(pair, slot, &pods, &slices);
        if check.only_slot() || start.elapsed() >= within {
            return Ok(check);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// After a switch (or switch back) was applied: waits up to `within` for
/// the Service's EndpointSlices to point only at the new slot's pods, says
/// how it went, and journals the verdict. `target` is the applied plan's
/// `guard` (a `GuardTarget::Switch`).
pub async fn verify_after_switch(
    gate: &Gate,
    target: &GuardTarget,
    within: Duration,
) -> Result<(EndpointCheck, String), OpError> {
    let GuardTarget::Switch {
        namespace,
        service,
        slot_key,
        to,
        ..
    } = target
    else {
        return Err(OpError::refused("not a blue-green switch"));
    };
    let f = gate.fetch();
    let svc = f.service(namespace, service).await?;
    let deployments = f.deployments(namespace).await?;
    let pair = pair_of(&svc, &deployments, std::slice::from_ref(slot_key)).ok_or_else(|| {
        OpError::refused(format!(
            "service {namespace}/{service} is no longer a blue-green pair"
        ))
    })?;
    let check = verify_switch(f, &pair, to, within).await?;
    let sentence = check.sentence(to);
    gate.record_note(
        "verify switch",
        &Target::service(namespace, service),
        if check.only_slot() {
            "ok"
        } else {
            "not verified"
        },
        &sentence,
    );
    Ok((check, sentence))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::model::pairs::{pair_of, DEFAULT_SLOT_KEYS};

    fn svc(annotations: Value) -> Service {
        serde_json::from_value(json!({
            "metadata": {"name": "frontend", "namespace": "shop", "resourceVersion": "5",
                "annotations": annotations},
            "spec": {"selector": {"app": "frontend", "slot": "blue"}}}))
        .unwrap()
    }

    fn deploy(slot: &str, replicas: i32, available: i32) -> Deployment {
        serde_json::from_value(json!({
            "metadata": {"name": format!("frontend-{slot}"), "namespace": "shop", "generation": 1,
                "resourceVersion": "9"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "frontend", "slot": slot}},
                "template": {"metadata": {"labels": {"app": "frontend", "slot": slot}},
                    "spec": {"containers": [{"name": "web", "image": format!("web:{slot}")}]}}},
            "status": {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                "availableReplicas": available, "readyReplicas": available}}))
        .unwrap()
    }

    fn pair(s: &Service) -> Pair {
        let ds = vec![
            Arc::new(deploy("blue", 2, 2)),
            Arc::new(deploy("green", 2, 2)),
        ];
        let keys: Vec<String> = DEFAULT_SLOT_KEYS.iter().map(|k| k.to_string()).collect();
        pair_of(s, &ds, &keys).unwrap()
    }

    #[test]
    fn switch_patches_the_selector_and_remembers_the_slot() {
        let s = svc(json!({}));
        let p = pair(&s);
        let plan = switch(&s, &p, "green", &deploy("green", 2, 2), false, "switch").unwrap();
        let c = &plan.changes[0];
        assert_eq!(
            c.patch,
            PatchBody::Merge(
                json!({"metadata": {"annotations": {"kockpit.dev/previous-slot": "blue"}},
                "spec": {"selector": {"slot": "green"}}})
            )
        );
        assert_eq!(
            (c.summary_before.as_str(), c.summary_after.as_str()),
            ("slot=blue", "slot=green")
        );
        assert_eq!(plan.confirm_word, None);
        assert!(
            matches!(&plan.guard, Some(GuardTarget::Switch { from, to, .. }) if from == "blue" && to == "green")
        );
    }

    #[test]
    fn switch_to_an_unready_slot_needs_force_and_the_typed_name() {
        let s = svc(json!({}));
        let p = pair(&s);
        let unready = deploy("green", 2, 1);
        let e = switch(&s, &p, "green", &unready, false, "switch")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "slot green (frontend-green) is not fully available: 1/2 available, 2/2 updated; switch refused (force it to switch anyway)"
        );
        let plan = switch(&s, &p, "green", &unready, true, "switch").unwrap();
        assert_eq!(plan.confirm_word.as_deref(), Some("green"));
        assert!(plan.warnings[0].contains("traffic may fail"));
        assert!(switch(&s, &p, "blue", &unready, true, "switch")
            .unwrap_err()
            .to_string()
            .contains("already active"));
        assert!(switch(&s, &p, "red", &unready, true, "switch")
            .unwrap_err()
            .to_string()
            .contains("slots: blue, green"));
    }

    #[test]
    fn switch_back_uses_the_annotation() {
        let s = svc(json!({PREVIOUS_SLOT_ANNOTATION: "green"}));
        let p = pair(&s);
        assert_eq!(switch_back_slot(&p).unwrap(), "green");
        let plan = switch_back(&s, &p, &deploy("green", 2, 2), false).unwrap();
        assert_eq!(plan.changes[0].action, "switch back");
    }

    #[test]
    fn prepare_idle_is_one_patch_of_image_and_replicas() {
        let s = svc(json!({}));
        let p = pair(&s);
        let idle = deploy("green", 0, 0);
        let images = vec![("web".to_string(), "web:3".to_string())];
        let plan = prepare_idle(&p, "green", &idle, &images, 2).unwrap();
        let c = &plan.changes[0];
        assert_eq!(
            c.patch,
            PatchBody::Strategic(json!({"spec": {"replicas": 2, "template": {"spec":
                {"containers": [{"name": "web", "image": "web:3"}]}}}}))
        );
        assert_eq!(c.summary_after, "image web=web:3 replicas 2");
        assert!(prepare_idle(&p, "blue", &deploy("blue", 2, 2), &images, 2)
            .unwrap_err()
            .to_string()
            .contains("is active"));
        assert!(
            prepare_idle(&p, "green", &idle, &[("web".into(), "BAD image".into())], 2).is_err()
        );
        assert!(prepare_idle(&p, "green", &deploy("blue", 2, 2), &images, 2)
            .unwrap_err()
            .to_string()
            .contains("served by deployment frontend-green"));
    }

    #[test]
    fn scale_down_idle_refuses_the_active_slot() {
        let s = svc(json!({}));
        let p = pair(&s);
        let plan = scale_down_idle(&p, "green", &deploy("green", 2, 2), 1).unwrap();
        assert_eq!(
            plan.changes[0].patch,
            PatchBody::Merge(json!({"spec": {"replicas": 0}}))
        );
        assert!(plan.warnings[0].contains("still on slot green"));
        assert!(scale_down_idle(&p, "blue", &deploy("blue", 2, 2), 0).is_err());
        assert!(scale_down_idle(&p, "green", &deploy("green", 0, 0), 0)
            .unwrap_err()
            .to_string()
            .contains("already at 0"));
    }
}
